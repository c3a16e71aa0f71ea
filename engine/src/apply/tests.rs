//! The apply at its own seam: steps, order and failure handling, with the
//! in-memory test provider of `crate::testing`.

use std::sync::atomic::Ordering;

use state::{JournalEntry, State, Status};

use super::*;
use crate::plan::PlanMode;
use crate::testing::TestStack;

/// A VPC, a subnet in it and a security group in the subnet, all named
/// after the network's cidr so that changing it replaces all three.
const CHAIN: &str = r#"
variable "cidr" {
  type = string
}
resource "test_thing" "vpc" {
  name = "vpc-${var.cidr}"
}
resource "test_thing" "subnet" {
  name = "subnet-${var.cidr}"
  tag  = test_thing.vpc.id
}
resource "test_thing" "sg" {
  name = "sg-${var.cidr}"
  tag  = test_thing.subnet.id
}
"#;

fn empty_state() -> State {
    State::new("test-lineage".to_string())
}

#[tokio::test]
async fn chained_replacements_destroy_dependents_first_and_create_dependencies_first() {
    let first = TestStack::new(CHAIN, &[("cidr", "10.0")]);
    let mut state = empty_state();
    first.converge(&mut state).await;
    let second = TestStack::with_provider(CHAIN, &[("cidr", "10.1")], first.provider.clone());
    let plan = second.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.summary().add, 3);
    let (outcome, _) = second.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let log = second.provider.log();
    assert_eq!(
        log[3..],
        [
            "delete sg-10.0",
            "delete subnet-10.0",
            "delete vpc-10.0",
            "create vpc-10.1",
            "create subnet-10.1",
            "create sg-10.1",
        ]
    );
    assert_eq!(second.provider.names().len(), 3);
}

#[tokio::test]
async fn the_outcome_counts_the_calls_the_apply_made() {
    let stack = TestStack::new(CHAIN, &[("cidr", "10.0")]);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert!(plan.api_calls.is_empty(), "{:?}", plan.api_calls);
    let (outcome, _) = stack.apply(&plan, &mut state).await;
    assert_eq!(
        outcome.api_calls,
        BTreeMap::from([("test:create".to_string(), 3)])
    );
}

const CBD: &str = r#"
variable "generation" {
  type = string
}
resource "test_thing" "a" {
  name = "a-${var.generation}"
  lifecycle {
    create_before_destroy = true
  }
}
resource "test_thing" "b" {
  name = "b"
  tag  = test_thing.a.id
}
"#;

#[tokio::test]
async fn create_before_destroy_repoints_dependents_before_deleting_the_old_object() {
    let first = TestStack::new(CBD, &[("generation", "1")]);
    let mut state = empty_state();
    first.converge(&mut state).await;
    let second = TestStack::with_provider(CBD, &[("generation", "2")], first.provider.clone());
    let outcome = second.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(
        second.provider.log()[2..],
        ["create a-2", "update b", "delete a-1"]
    );
    assert!(state.resources.keys().all(|k| !k.contains("deposed")));
}

/// Generation 1 applied, then generation 2's create_before_destroy
/// replacement applied while the old object cannot be deleted.
async fn replaced_while_the_old_object_cannot_be_deleted() -> (TestStack, State, ApplyOutcome) {
    let first = TestStack::new(CBD, &[("generation", "1")]);
    let mut state = empty_state();
    first.converge(&mut state).await;
    let provider = first.provider.clone();
    provider
        .cloud
        .lock()
        .unwrap()
        .fail_delete
        .insert("a-1".to_string());
    let second = TestStack::with_provider(CBD, &[("generation", "2")], provider);
    let outcome = second.converge(&mut state).await;
    (second, state, outcome)
}

#[tokio::test]
async fn a_deposed_object_whose_delete_fails_stays_in_state_and_the_next_apply_deletes_it() {
    let (second, mut state, outcome) = replaced_while_the_old_object_cannot_be_deleted().await;
    assert!(outcome.diagnostics.has_errors());
    let deposed: Vec<&String> = state
        .resources
        .keys()
        .filter(|k| k.contains("#deposed:"))
        .collect();
    assert_eq!(deposed.len(), 1, "{:?}", state.resources.keys());
    assert_eq!(state.resources["test_thing.a"].status, Status::Ready);

    // The next plan shows the deposed object's delete, and applying it works.
    second.provider.cloud.lock().unwrap().fail_delete.clear();
    let plan = second.plan(&state, PlanMode::Normal).await.unwrap();
    let deletes: Vec<&str> = plan
        .resource_changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(deletes, [deposed[0].as_str()]);
    let (outcome, _) = second.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(second.provider.names(), ["a-2", "b"]);
    assert_eq!(state.resources.len(), 2);
}

#[tokio::test]
async fn destroy_deletes_deposed_objects_too() {
    let (second, mut state, _) = replaced_while_the_old_object_cannot_be_deleted().await;
    second.provider.cloud.lock().unwrap().fail_delete.clear();
    let plan = second.plan(&state, PlanMode::Destroy).await.unwrap();
    assert_eq!(plan.summary().destroy, 3);
    let (outcome, _) = second.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert!(second.provider.names().is_empty());
    assert!(state.resources.is_empty());
}

const FAILING: &str = r#"
resource "test_thing" "bad" {
  name = "bad"
}
resource "test_thing" "after_bad" {
  name = "after"
  tag  = test_thing.bad.id
}
resource "test_thing" "independent" {
  name = "independent"
}
"#;

#[tokio::test]
async fn a_failed_create_skips_dependents_and_stays_pending_so_it_is_planned_again() {
    let stack = TestStack::new(FAILING, &[]);
    stack
        .provider
        .cloud
        .lock()
        .unwrap()
        .fail_create
        .insert("bad".to_string());
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let (outcome, events) = stack.apply(&plan, &mut state).await;
    assert_eq!(outcome.failed, 1);
    assert!(events.iter().any(|e| matches!(e, ApplyEvent::Skipped { address, reason: SkipReason::DependencyFailed } if address == "test_thing.after_bad")));
    assert_eq!(stack.provider.names(), ["independent"]);
    assert!(matches!(
        state.resources["test_thing.bad"].status,
        Status::Pending { .. }
    ));

    // The next plan reconciles (nothing was made) and plans the create again.
    stack.provider.cloud.lock().unwrap().fail_create.clear();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let bad = plan.change("test_thing.bad").unwrap();
    assert_eq!(bad.action, Action::Create);
    assert!(bad
        .action_reason
        .as_deref()
        .unwrap()
        .contains("did not finish"));
    stack.apply(&plan, &mut state).await;
    assert_eq!(stack.provider.names().len(), 3);
}

#[tokio::test]
async fn a_create_that_made_an_object_and_failed_keeps_it_tainted_and_replaces_it() {
    let stack = TestStack::new(FAILING, &[]);
    stack
        .provider
        .cloud
        .lock()
        .unwrap()
        .fail_after_create
        .insert("bad".to_string());
    let mut state = empty_state();
    stack.converge(&mut state).await;
    let bad = &state.resources["test_thing.bad"];
    assert_eq!(bad.status, Status::Tainted);
    let id = bad.attributes["id"].as_str().unwrap();
    assert!(id.starts_with("bad-"), "the object's id is kept: {id}");

    stack
        .provider
        .cloud
        .lock()
        .unwrap()
        .fail_after_create
        .clear();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(
        plan.change("test_thing.bad").unwrap().action,
        Action::Replace
    );
    stack.apply(&plan, &mut state).await;
    assert_eq!(
        stack
            .provider
            .names()
            .iter()
            .filter(|n| *n == "bad")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_pending_create_whose_object_exists_is_adopted_not_created_again() {
    let stack = TestStack::new(FAILING, &[]);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    // Simulate a process killed after the create calls were answered but
    // before their results were recorded: apply, then put the pending
    // intents back the way the journal held them.
    let mut journal = Recorder::default();
    stack
        .apply_with(&plan, &mut state, &mut journal, ApplyOptions::default())
        .await;
    let mut crashed = empty_state();
    for entry in &journal.entries {
        if let JournalEntry::SetResource { resource, .. } = entry {
            if matches!(resource.status, Status::Pending { .. }) {
                entry.apply_to(&mut crashed);
            }
        }
    }
    assert_eq!(crashed.resources.len(), 3);
    let plan = stack.plan(&crashed, PlanMode::Normal).await.unwrap();
    assert!(plan.has_changes(), "adoptions are recorded by apply");
    assert!(plan
        .resource_changes
        .iter()
        .all(|c| c.action == Action::NoOp));
    assert_eq!(plan.drift.len(), 3);
    stack.apply(&plan, &mut crashed).await;
    assert!(crashed
        .resources
        .values()
        .all(|r| r.status == Status::Ready));
    assert_eq!(stack.provider.names().len(), 3, "nothing was created twice");
}

#[derive(Default)]
struct Recorder {
    entries: Vec<JournalEntry>,
    refuse: bool,
}

impl StateRecorder for Recorder {
    fn record(&mut self, entry: &JournalEntry) -> Result<(), String> {
        self.record_all(std::slice::from_ref(entry))
    }

    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), String> {
        if self.refuse {
            return Err("disk full".to_string());
        }
        self.entries.extend_from_slice(entries);
        Ok(())
    }
}

#[tokio::test]
async fn nothing_is_created_when_its_intent_cannot_be_recorded() {
    let stack = TestStack::new(FAILING, &[]);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let mut journal = Recorder {
        refuse: true,
        ..Default::default()
    };
    let (outcome, _) = stack
        .apply_with(&plan, &mut state, &mut journal, ApplyOptions::default())
        .await;
    assert!(outcome.diagnostics.has_errors());
    assert!(
        stack.provider.log().is_empty(),
        "{:?}",
        stack.provider.log()
    );
    assert!(state.resources.is_empty());
}

#[tokio::test]
async fn a_cancelled_apply_starts_nothing_and_reports_everything_skipped() {
    let stack = TestStack::new(FAILING, &[]);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let options = ApplyOptions::default();
    options.cancel.store(true, Ordering::SeqCst);
    let (outcome, events) = stack
        .apply_with(&plan, &mut state, &mut NoRecorder, options)
        .await;
    assert!(stack.provider.log().is_empty());
    assert_eq!(outcome.skipped, 3);
    assert!(events.iter().all(|e| matches!(
        e,
        ApplyEvent::Skipped {
            reason: SkipReason::Interrupted,
            ..
        }
    )));
}

#[tokio::test]
async fn the_layout_puts_a_replacements_destroy_before_its_create() {
    let first = TestStack::new(CHAIN, &[("cidr", "10.0")]);
    let mut state = empty_state();
    first.converge(&mut state).await;
    let second = TestStack::with_provider(CHAIN, &[("cidr", "10.1")], first.provider.clone());
    let plan = second.plan(&state, PlanMode::Normal).await.unwrap();
    let Layout {
        steps,
        mut schedule,
    } = lay_out(&second.ctx, &plan);
    let mut order = Vec::new();
    while let Some(slot) = schedule.pop_ready() {
        match &steps[slot] {
            Step::Destroy(object) => order.push(format!("destroy {object}")),
            Step::Config(index) => {
                if let Node::Resource(addr) = second.ctx.graph.node(*index) {
                    order.push(format!("create {addr}"));
                }
            }
            Step::DestroyDeposed(_) => {}
        }
        schedule.succeed(slot);
    }
    let position = |s: &str| order.iter().position(|o| o == s).unwrap();
    assert!(position("destroy test_thing.sg") < position("destroy test_thing.subnet"));
    assert!(position("destroy test_thing.subnet") < position("destroy test_thing.vpc"));
    assert!(position("destroy test_thing.vpc") < position("create test_thing.vpc"));
    assert!(position("create test_thing.vpc") < position("create test_thing.subnet"));
}

const UNITS: &str = r#"
module "unit" {
  for_each = toset(["a", "b"])
  source   = "./modules/unit"
  name     = each.key
}
"#;

const UNIT: &str = r#"
variable "name" {
  type = string
}
resource "test_thing" "base" {
  name = "base-${var.name}"
}
resource "test_thing" "item" {
  name = "item-${var.name}"
  tag  = test_thing.base.id
}
"#;

/// Inside a module, references stay in one instance, so destroying one
/// instance's `base` waits for that instance's `item` only, not for every
/// instance's: waiting for all of them made the edges quadratic.
#[tokio::test]
async fn a_destroy_in_a_module_instance_waits_only_for_its_own_instance() {
    let files = [("main.tf", UNITS), ("modules/unit/main.tf", UNIT)];
    let stack = TestStack::from_files(&files, &[], crate::testing::TestProvider::new());
    let mut state = empty_state();
    let outcome = stack.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    let plan = stack.plan(&state, PlanMode::Destroy).await.unwrap();
    let Layout {
        steps,
        mut schedule,
    } = lay_out(&stack.ctx, &plan);
    let name = |slot: usize| match &steps[slot] {
        Step::Destroy(object) => object.to_string(),
        other => format!("{other:?}"),
    };
    let mut ready: Vec<String> = Vec::new();
    let mut held = Vec::new();
    while let Some(slot) = schedule.pop_ready() {
        ready.push(name(slot));
        // Instance "b"'s item never finishes: instance "a" must not care.
        if name(slot) == r#"module.unit["b"].test_thing.item"# {
            held.push(slot);
        } else {
            schedule.succeed(slot);
        }
    }
    assert!(
        ready.contains(&r#"module.unit["a"].test_thing.base"#.to_string()),
        "{ready:?}"
    );
    assert!(
        !ready.contains(&r#"module.unit["b"].test_thing.base"#.to_string()),
        "{ready:?}"
    );
    let position = |s: &str| ready.iter().position(|o| o == s).unwrap();
    assert!(
        position(r#"module.unit["a"].test_thing.item"#)
            < position(r#"module.unit["a"].test_thing.base"#)
    );
    assert_eq!(held.len(), 1);
}

const CONDITIONS: &str = r#"
variable "size" {
  type = number
}
resource "terraform_data" "checked" {
  input = var.size
  lifecycle {
    precondition {
      condition     = var.size > 0
      error_message = "size must be positive"
    }
    postcondition {
      condition     = self.input < 10
      error_message = "the stored size must stay below 10"
    }
    postcondition {
      condition     = length(self.id) < 5
      error_message = "ids here are short"
    }
  }
}
resource "terraform_data" "after" {
  input = terraform_data.checked.id
}
output "size" {
  value = var.size
  precondition {
    condition     = var.size != 3
    error_message = "three is not allowed"
  }
}
"#;

async fn plan_error(size: &str) -> String {
    let stack = TestStack::new(CONDITIONS, &[("size", size)]);
    match stack.plan(&empty_state(), PlanMode::Normal).await {
        Ok(_) => String::new(),
        Err(diags) => diags.to_string(),
    }
}

#[tokio::test]
async fn preconditions_and_known_postconditions_stop_the_plan_with_their_message() {
    assert!(plan_error("-1").await.contains("size must be positive"));
    assert!(plan_error("12")
        .await
        .contains("the stored size must stay below 10"));
    assert!(plan_error("3").await.contains("three is not allowed"));
}

#[tokio::test]
async fn a_postcondition_known_only_after_apply_fails_the_apply_and_skips_dependents() {
    // A uuid is longer than 5 characters: known only once created.
    let stack = TestStack::new(CONDITIONS, &[("size", "2")]);
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let (outcome, events) = stack.apply(&plan, &mut state).await;
    assert!(
        outcome
            .diagnostics
            .to_string()
            .contains("ids here are short"),
        "{}",
        outcome.diagnostics
    );
    assert!(events.iter().any(
        |e| matches!(e, ApplyEvent::Skipped { address, .. } if address == "terraform_data.after")
    ));
    assert!(
        state.resources.contains_key("terraform_data.checked"),
        "the object made is kept"
    );
}

#[tokio::test]
async fn a_failed_check_assertion_is_a_warning_after_plan_and_apply() {
    let template = r#"
resource "terraform_data" "a" {
  input = "x"
}
check "input_is_y" {
  assert {
    condition     = terraform_data.a.input == "y"
    error_message = "The input should be y."
  }
}
"#;
    let stack = TestStack::new(template, &[]);
    let mut state = empty_state();
    let (plan, diags) = crate::plan::plan(
        &stack.ctx,
        &state,
        crate::plan::PlanOptions {
            refresh: true,
            ..Default::default()
        },
    )
    .await;
    let plan = plan.expect("a failed check does not stop the plan");
    assert!(!diags.has_errors());
    assert!(
        diags.to_string().contains("The input should be y."),
        "{diags}"
    );
    let (outcome, _) = stack.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert!(outcome
        .diagnostics
        .to_string()
        .contains("Check block assertion failed"));
}
