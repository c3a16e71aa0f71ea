//! `count` and `for_each` on module blocks, at the planner and apply seam:
//! module instances in addresses, in state, in the values the caller sees,
//! and when they come and go.

use state::State;

use crate::plan::{Action, PlanMode, PlanOptions};
use crate::testing::{TestProvider, TestStack};

/// A module making one `test_thing` named after its input, with an output.
const WEB: &str = r#"
variable "name" {
  type = string
}
resource "test_thing" "server" {
  name = var.name
}
output "id" {
  value = test_thing.server.id
}
"#;

fn stack(root: &str, vars: &[(&str, &str)], provider: &std::sync::Arc<TestProvider>) -> TestStack {
    TestStack::from_files(
        &[("main.tf", root), ("modules/web/main.tf", WEB)],
        vars,
        provider.clone(),
    )
}

const COUNTED: &str = r#"
variable "n" {
  type = number
}
module "web" {
  source = "./modules/web"
  count  = var.n
  name   = "web-${count.index}"
}
output "ids" {
  value = module.web[*].id
}
output "first" {
  value = module.web[0].id
}
"#;

fn addresses(plan: &crate::plan::Plan) -> Vec<(String, Action)> {
    plan.resource_changes
        .iter()
        .map(|c| (c.address.clone(), c.action))
        .collect()
}

fn empty() -> State {
    State::new("lineage".to_string())
}

#[tokio::test]
async fn counted_modules_plan_and_apply_one_instance_per_index() {
    let provider = TestProvider::new();
    let two = stack(COUNTED, &[("n", "2")], &provider);
    let mut state = empty();
    let plan = two.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(
        addresses(&plan),
        [
            (
                "module.web[0].test_thing.server".to_string(),
                Action::Create
            ),
            (
                "module.web[1].test_thing.server".to_string(),
                Action::Create
            ),
        ]
    );
    let (outcome, _) = two.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let mut names = provider.names();
    names.sort();
    assert_eq!(names, ["web-0", "web-1"]);
    assert!(state
        .resources
        .contains_key("module.web[1].test_thing.server"));
    let ids = &state.outputs["ids"].value;
    assert_eq!(ids.as_array().map(Vec::len), Some(2), "{ids}");
    assert_eq!(state.outputs["first"].value, ids[0]);
    let again = two.plan(&state, PlanMode::Normal).await.unwrap();
    assert!(!again.has_changes(), "{:?}", addresses(&again));
}

#[tokio::test]
async fn shrinking_a_module_count_destroys_the_instances_left_over() {
    let provider = TestProvider::new();
    let mut state = empty();
    stack(COUNTED, &[("n", "3")], &provider)
        .converge(&mut state)
        .await;
    let one = stack(COUNTED, &[("n", "1")], &provider);
    let plan = one.plan(&state, PlanMode::Normal).await.unwrap();
    let deletes: Vec<String> = addresses(&plan)
        .into_iter()
        .filter(|(_, action)| *action == Action::Delete)
        .map(|(address, _)| address)
        .collect();
    assert_eq!(
        deletes,
        [
            "module.web[1].test_thing.server",
            "module.web[2].test_thing.server"
        ]
    );
    let reason = plan.change("module.web[2].test_thing.server").unwrap();
    assert_eq!(
        reason.action_reason.as_deref(),
        Some("its module instance module.web[2] is no longer in the configuration")
    );
    let (outcome, _) = one.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(provider.names(), ["web-0"]);
}

#[tokio::test]
async fn for_each_modules_see_each_value_and_are_keyed_by_string() {
    let root = r#"
module "web" {
  source   = "./modules/web"
  for_each = { blue = "b", green = "g" }
  name     = "${each.key}-${each.value}"
}
output "blue" {
  value = module.web["blue"].id
}
"#;
    let provider = TestProvider::new();
    let mut state = empty();
    let outcome = stack(root, &[], &provider).converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let mut names = provider.names();
    names.sort();
    assert_eq!(names, ["blue-b", "green-g"]);
    let blue = &state.resources["module.web[\"blue\"].test_thing.server"];
    assert_eq!(state.outputs["blue"].value, blue.attributes["id"]);
}

#[tokio::test]
async fn a_moved_block_carries_a_module_into_its_first_instance() {
    let single = r#"
module "web" {
  source = "./modules/web"
  name   = "web-0"
}
"#;
    let provider = TestProvider::new();
    let mut state = empty();
    stack(single, &[], &provider).converge(&mut state).await;
    let counted = format!("{COUNTED}\nmoved {{\n  from = module.web\n  to   = module.web[0]\n}}\n");
    let plan = stack(&counted, &[("n", "1")], &provider)
        .plan(&state, PlanMode::Normal)
        .await
        .unwrap();
    let change = plan
        .change("module.web[0].test_thing.server")
        .expect("the moved instance is in the plan");
    assert_eq!(change.action, Action::NoOp);
    assert_eq!(
        change.previous_address.as_deref(),
        Some("module.web.test_thing.server")
    );
}

#[tokio::test]
async fn a_target_naming_one_module_instance_plans_only_that_instance() {
    let provider = TestProvider::new();
    let two = stack(COUNTED, &[("n", "2")], &provider);
    let options = PlanOptions {
        mode: PlanMode::Normal,
        refresh: true,
        targets: vec!["module.web[1]".parse().unwrap()],
        ..Default::default()
    };
    let (plan, diags) = crate::plan::plan(&two.ctx, &empty(), options).await;
    let plan = plan.unwrap_or_else(|| panic!("{diags}"));
    assert_eq!(
        addresses(&plan),
        [(
            "module.web[1].test_thing.server".to_string(),
            Action::Create
        )]
    );
}

#[tokio::test]
async fn nested_modules_inside_counted_ones_have_one_instance_each() {
    let outer = r#"
variable "prefix" {
  type = string
}
module "inner" {
  source = "../web"
  name   = "${var.prefix}-inner"
}
"#;
    let root = r#"
module "outer" {
  source = "./modules/outer"
  count  = 2
  prefix = "o${count.index}"
}
"#;
    let provider = TestProvider::new();
    let stack = TestStack::from_files(
        &[
            ("main.tf", root),
            ("modules/outer/main.tf", outer),
            ("modules/web/main.tf", WEB),
        ],
        &[],
        provider.clone(),
    );
    let mut state = empty();
    let outcome = stack.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert!(state
        .resources
        .contains_key("module.outer[1].module.inner.test_thing.server"));
    let mut names = provider.names();
    names.sort();
    assert_eq!(names, ["o0-inner", "o1-inner"]);
}
