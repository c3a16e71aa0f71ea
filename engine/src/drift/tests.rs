//! Drift at the engine's seam: a stack applied through the test provider,
//! its objects then changed in the provider's in-memory cloud, as someone
//! would change them in a console.

use state::State;

use super::*;
use crate::plan::Action;
use crate::testing::{TestProvider, TestStack};

const RICH: &str = r#"
resource "test_rich" "web" {
  name   = "web"
  note   = "first"
  tags   = { Name = "web", Team = "ops" }
  ports  = [443, 80]
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"] }] })
  rule {
    port = 22
  }
}
"#;

/// Applies `template` and returns the stack with its state.
async fn applied(template: &str) -> (TestStack, State) {
    let stack = TestStack::new(template, &[]);
    let mut state = State::new("l".to_string());
    stack.converge(&mut state).await;
    (stack, state)
}

/// Changes the live object named `name` in the test cloud.
fn change_live(stack: &TestStack, name: &str, edit: impl FnOnce(&mut BTreeMap<String, Value>)) {
    let mut cloud = stack.provider.cloud.lock().unwrap();
    let object = cloud
        .objects
        .values_mut()
        .find(|v| v.as_map().and_then(|m| m.get("name")) == Some(&Value::from(name)))
        .expect("the object exists");
    let Value::Map(map) = object else {
        panic!("an object is a map")
    };
    edit(map);
}

async fn drift(stack: &TestStack, state: &State, all_attributes: bool) -> DriftReport {
    let (report, _) = check(
        &stack.ctx,
        state,
        DriftOptions {
            all_attributes,
            unmanaged: false,
        },
    )
    .await
    .unwrap_or_else(|d| panic!("{d}"));
    report
}

fn changed_attributes(report: &DriftReport, address: &str) -> Vec<String> {
    let resource = report
        .resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("{address} drifted: {report:?}"));
    match &resource.kind {
        DriftKind::Changed(attributes) => attributes.iter().map(|a| a.name.clone()).collect(),
        DriftKind::Deleted => panic!("{address} is deleted, not changed"),
    }
}

#[tokio::test]
async fn a_freshly_applied_stack_has_no_drift() {
    let (stack, state) = applied(RICH).await;
    let report = drift(&stack, &state, false).await;
    assert_eq!(report.checked, 1);
    assert!(!report.has_drift(), "{report:?}");
    assert!(!drift(&stack, &state, true).await.has_drift());
}

#[tokio::test]
async fn a_changed_attribute_the_template_sets_is_drift_with_template_and_live_values() {
    let (stack, state) = applied(RICH).await;
    change_live(&stack, "web", |m| {
        m.insert("note".into(), Value::from("edited in the console"));
    });
    let report = drift(&stack, &state, false).await;
    assert_eq!(report.counts(), (1, 0));
    let DriftKind::Changed(attributes) = &report.resources[0].kind else {
        panic!("changed")
    };
    assert_eq!(
        attributes,
        &vec![AttributeDrift {
            name: "note".to_string(),
            expected: Value::from("first"),
            live: Value::from("edited in the console"),
        }]
    );
    assert_eq!(report.resources[0].resource_type, "test_rich");
}

#[tokio::test]
async fn an_object_deleted_outside_stack_is_reported_deleted() {
    let (stack, state) = applied(RICH).await;
    stack.provider.cloud.lock().unwrap().objects.clear();
    let report = drift(&stack, &state, false).await;
    assert_eq!(report.resources.len(), 1);
    assert_eq!(report.resources[0].kind, DriftKind::Deleted);
    assert_eq!(report.counts(), (0, 1));
}

#[tokio::test]
async fn an_attribute_the_template_does_not_set_counts_only_with_all_attributes() {
    let (stack, state) = applied(RICH).await;
    change_live(&stack, "web", |m| {
        m.insert("size".into(), Value::from(16i64));
    });
    assert!(!drift(&stack, &state, false).await.has_drift());
    let all = drift(&stack, &state, true).await;
    assert_eq!(changed_attributes(&all, "test_rich.web"), ["size"]);
}

#[tokio::test]
async fn ignore_changes_attributes_never_count() {
    let template = RICH.replace(
        "  rule {",
        "  lifecycle {\n    ignore_changes = [note, tags[\"Team\"]]\n  }\n  rule {",
    );
    let (stack, state) = applied(&template).await;
    change_live(&stack, "web", |m| {
        m.insert("note".into(), Value::from("edited"));
        let tags = Value::Map(
            [("Name", "web"), ("Team", "dev")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect(),
        );
        m.insert("tags".into(), tags);
    });
    assert!(!drift(&stack, &state, false).await.has_drift());
    assert!(!drift(&stack, &state, true).await.has_drift());
}

#[tokio::test]
async fn values_the_cloud_normalises_are_not_drift() {
    let (stack, state) = applied(RICH).await;
    change_live(&stack, "web", |m| {
        // The policy comes back reformatted, keys reordered, a one-element
        // list as its element.
        m.insert(
            "policy".into(),
            Value::from(
                r#"{ "Statement": [ { "Action": "s3:GetObject", "Effect": "Allow" } ], "Version": "2012-10-17" }"#,
            ),
        );
        // The set comes back as a list in another order.
        m.insert(
            "ports".into(),
            Value::List(vec![Value::from(80i64), Value::from(443i64)]),
        );
        // Tag keys come back in another case.
        let tags = Value::Map(
            [("name", "web"), ("TEAM", "ops")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect(),
        );
        m.insert("tags".into(), tags);
        // The API fills a default inside the rule block.
        let rule: BTreeMap<String, Value> = [
            ("port".to_string(), Value::from(22i64)),
            ("description".to_string(), Value::from("")),
        ]
        .into();
        m.insert("rule".into(), Value::Set(vec![Value::Map(rule)]));
    });
    let report = drift(&stack, &state, false).await;
    assert!(!report.has_drift(), "{report:?}");
}

#[tokio::test]
async fn an_added_tag_and_an_opened_port_are_drift() {
    let (stack, state) = applied(RICH).await;
    change_live(&stack, "web", |m| {
        let Some(Value::Map(tags)) = m.get_mut("tags") else {
            panic!("tags")
        };
        tags.insert("Owner".into(), Value::from("someone"));
        let Some(Value::Set(rules)) = m.get_mut("rule") else {
            panic!("rules")
        };
        let opened: BTreeMap<String, Value> = [
            ("port".to_string(), Value::from(3389i64)),
            ("description".to_string(), Value::Null),
        ]
        .into();
        rules.push(Value::Map(opened));
    });
    let report = drift(&stack, &state, false).await;
    assert_eq!(
        changed_attributes(&report, "test_rich.web"),
        ["rule", "tags"]
    );
}

#[tokio::test]
async fn a_template_edited_since_the_apply_is_a_pending_change_not_drift() {
    let provider = TestProvider::new();
    let mut state = State::new("l".to_string());
    TestStack::with_provider(RICH, &[], provider.clone())
        .converge(&mut state)
        .await;
    let edited = TestStack::with_provider(&RICH.replace("first", "second"), &[], provider);
    assert!(!drift(&edited, &state, false).await.has_drift());
}

#[tokio::test]
async fn refresh_only_records_the_live_values_and_a_normal_plan_puts_them_back() {
    let (stack, mut state) = applied(RICH).await;
    change_live(&stack, "web", |m| {
        m.insert("note".into(), Value::from("edited"));
    });
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let change = plan.change("test_rich.web").unwrap();
    assert_eq!(change.action, Action::Update, "a plan puts it back");
    assert_eq!(change.after.as_ref().unwrap()["note"], "first");

    let refresh_only = stack.plan(&state, PlanMode::RefreshOnly).await.unwrap();
    assert!(refresh_only.refresh_only);
    assert!(refresh_only.has_changes(), "there is drift to record");
    assert_eq!(refresh_only.summary(), crate::plan::Summary::default());
    let (outcome, _) = stack.apply(&refresh_only, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(
        state.resources["test_rich.web"].attributes["note"], "edited",
        "the live value is in state"
    );
    assert!(!drift(&stack, &state, false).await.has_drift());
    assert!(!stack.provider.log().iter().any(|l| l.starts_with("update")));
}

#[tokio::test]
async fn refresh_only_forgets_what_was_deleted_and_creates_nothing() {
    let (stack, mut state) = applied(RICH).await;
    stack.provider.cloud.lock().unwrap().objects.clear();
    let plan = stack.plan(&state, PlanMode::RefreshOnly).await.unwrap();
    assert!(plan.resource_changes.is_empty(), "{plan:?}");
    stack.apply(&plan, &mut state).await;
    assert!(state.resources.is_empty());
    assert!(stack.provider.cloud.lock().unwrap().objects.is_empty());
}
