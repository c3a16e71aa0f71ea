//! The refactoring blocks at the planner and apply seams, with the
//! in-memory test provider of `crate::testing`.

use std::sync::{Arc, Mutex};

use state::{JournalEntry, State};

use crate::apply::{ApplyOptions, StateRecorder};
use crate::plan::{Action, PlanMode};
use crate::testing::TestStack;
use crate::value::Value;

fn empty_state() -> State {
    State::new("test-lineage".to_string())
}

/// The id of the object recorded at `address`.
fn id_at(state: &State, address: &str) -> String {
    state.resources[address].attributes["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn keys(state: &State) -> Vec<&str> {
    state.resources.keys().map(String::as_str).collect()
}

/// Applies `template` from nothing and returns the stack and its state.
async fn applied(template: &str) -> (TestStack, State) {
    let stack = TestStack::new(template, &[]);
    let mut state = empty_state();
    let outcome = stack.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    (stack, state)
}

/// Records every batch handed to the journal, to check what is written together.
#[derive(Clone, Default)]
struct Batches(Arc<Mutex<Vec<Vec<JournalEntry>>>>);

impl StateRecorder for Batches {
    fn record(&mut self, entry: &JournalEntry) -> Result<(), String> {
        self.0.lock().unwrap().push(vec![entry.clone()]);
        Ok(())
    }

    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), String> {
        self.0.lock().unwrap().push(entries.to_vec());
        Ok(())
    }
}

const A: &str = r#"
resource "test_thing" "a" {
  name = "one"
}
"#;

const RENAMED: &str = r#"
resource "test_thing" "b" {
  name = "one"
}
moved {
  from = test_thing.a
  to   = test_thing.b
}
"#;

#[tokio::test]
async fn a_moved_block_renames_without_destroy_and_create_and_records_the_move_durably() {
    let (first, mut state) = applied(A).await;
    let id = id_at(&state, "test_thing.a");
    let stack = TestStack::with_provider(RENAMED, &[], first.provider.clone());
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let change = plan.change("test_thing.b").unwrap();
    assert_eq!(change.action, Action::NoOp);
    assert_eq!(change.previous_address.as_deref(), Some("test_thing.a"));
    assert_eq!(plan.change("test_thing.a"), None);
    assert_eq!((plan.summary().add, plan.summary().destroy), (0, 0));
    assert!(plan.has_changes(), "a move is a change to apply");

    let mut batches = Batches::default();
    let (outcome, _) = stack
        .apply_with(&plan, &mut state, &mut batches, ApplyOptions::default())
        .await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(keys(&state), ["test_thing.b"]);
    assert_eq!(id_at(&state, "test_thing.b"), id);
    assert_eq!(stack.provider.log(), ["create one"], "no call for a move");
    // The new record and the removal of the old one are one journal write.
    let first = batches.0.lock().unwrap()[0].clone();
    assert!(
        matches!(&first[..], [JournalEntry::SetResource { address: to, .. }, JournalEntry::RemoveResource { address: from }] if to == "test_thing.b" && from == "test_thing.a")
    );
    let again = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert!(!again.has_changes(), "{again:?}");
}

#[tokio::test]
async fn chained_moves_resolve_to_the_last_address() {
    let (first, state) = applied(A).await;
    let chain = r#"
resource "test_thing" "c" {
  name = "one"
}
moved {
  from = test_thing.b
  to   = test_thing.c
}
moved {
  from = test_thing.a
  to   = test_thing.b
}
"#;
    let stack = TestStack::with_provider(chain, &[], first.provider.clone());
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.moves.len(), 1);
    assert_eq!(
        (plan.moves[0].from.as_str(), plan.moves[0].to.as_str()),
        ("test_thing.a", "test_thing.c")
    );
    assert_eq!(plan.change("test_thing.c").unwrap().action, Action::NoOp);
}

#[tokio::test]
async fn a_move_onto_an_address_in_state_is_an_error_and_a_missing_source_is_ignored() {
    let both = r#"
resource "test_thing" "a" {
  name = "one"
}
resource "test_thing" "b" {
  name = "two"
}
"#;
    let (first, state) = applied(both).await;
    let conflict = r#"
resource "test_thing" "b" {
  name = "two"
}
moved {
  from = test_thing.a
  to   = test_thing.b
}
"#;
    let stack = TestStack::with_provider(conflict, &[], first.provider.clone());
    let err = stack.plan(&state, PlanMode::Normal).await.unwrap_err();
    assert!(err.to_string().contains("new address is taken"), "{err}");
    let span = err.iter().find_map(|d| d.span.clone()).expect("a span");
    assert!(span.file.ends_with("main.tf"));

    // The same object at both ends is a move a killed apply half recorded:
    // the plan finishes it.
    let mut half_moved = state.clone();
    let object = half_moved.resources["test_thing.b"].clone();
    half_moved
        .resources
        .insert("test_thing.a".to_string(), object);
    let plan = stack.plan(&half_moved, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.moves.len(), 1);
    stack.apply(&plan, &mut half_moved).await;
    assert_eq!(keys(&half_moved), ["test_thing.b"]);

    // Once applied, the block may stay: its source is gone from state.
    let (renamed, state) = applied(RENAMED).await;
    let plan = renamed.plan(&state, PlanMode::Normal).await.unwrap();
    assert!(plan.moves.is_empty());
    assert!(!plan.has_changes());
}

#[tokio::test]
async fn adding_and_removing_count_moves_the_instance_implicitly() {
    let (first, mut state) = applied(A).await;
    let id = id_at(&state, "test_thing.a");
    let counted = A.replace("name = \"one\"", "count = 1\n  name = \"one\"");
    let stack = TestStack::with_provider(&counted, &[], first.provider.clone());
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let change = plan.change("test_thing.a[0]").unwrap();
    assert_eq!(change.action, Action::NoOp);
    assert_eq!(change.previous_address.as_deref(), Some("test_thing.a"));
    stack.apply(&plan, &mut state).await;
    assert_eq!(keys(&state), ["test_thing.a[0]"]);

    let back = TestStack::with_provider(A, &[], first.provider.clone());
    let plan = back.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(
        plan.change("test_thing.a")
            .unwrap()
            .previous_address
            .as_deref(),
        Some("test_thing.a[0]")
    );
    back.apply(&plan, &mut state).await;
    assert_eq!(keys(&state), ["test_thing.a"]);
    assert_eq!(id_at(&state, "test_thing.a"), id);
    assert_eq!(back.provider.log(), ["create one"]);
}

fn removed(destroy: bool) -> String {
    format!(
        "removed {{\n  from = test_thing.a\n  lifecycle {{\n    destroy = {destroy}\n  }}\n}}\n"
    )
}

#[tokio::test]
async fn removed_with_destroy_false_forgets_and_with_destroy_true_destroys() {
    let (first, mut state) = applied(A).await;
    let forget = TestStack::with_provider(&removed(false), &[], first.provider.clone());
    let plan = forget.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.change("test_thing.a").unwrap().action, Action::Forget);
    assert_eq!(plan.summary().destroy, 0);
    forget.apply(&plan, &mut state).await;
    assert!(state.resources.is_empty());
    assert_eq!(forget.provider.names(), ["one"], "the object is left alone");

    let (first, mut state) = applied(A).await;
    let destroy = TestStack::with_provider(&removed(true), &[], first.provider.clone());
    let plan = destroy.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.change("test_thing.a").unwrap().action, Action::Delete);
    destroy.apply(&plan, &mut state).await;
    assert!(state.resources.is_empty());
    assert!(destroy.provider.names().is_empty());
}

const IMPORTED: &str = r#"
resource "test_thing" "a" {
  name = "outside"
  tag  = "managed"
}
import {
  to = test_thing.a
  id = "outside-7"
}
"#;

#[tokio::test]
async fn an_import_is_planned_with_its_diff_and_applied_by_recording_the_object() {
    let stack = TestStack::new(IMPORTED, &[]);
    let object = serde_json::json!({"name": "outside", "tag": null, "id": "outside-7"});
    stack
        .provider
        .cloud
        .lock()
        .unwrap()
        .objects
        .insert("outside-7".to_string(), Value::from_json(&object));
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let change = plan.change("test_thing.a").unwrap();
    assert_eq!(change.importing.as_ref().unwrap().id, "outside-7");
    assert_eq!(
        change.action,
        Action::Update,
        "imported, then updated in place"
    );
    assert_eq!(
        (
            plan.summary().import,
            plan.summary().change,
            plan.summary().add
        ),
        (1, 1, 0)
    );
    let (outcome, _) = stack.apply(&plan, &mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    assert_eq!(id_at(&state, "test_thing.a"), "outside-7");
    assert_eq!(state.resources["test_thing.a"].attributes["tag"], "managed");
    assert_eq!(stack.provider.log(), ["update outside"]);
    // The block can stay: an address already in state is not imported again.
    let again = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert!(!again.has_changes(), "{again:?}");
}

#[tokio::test]
async fn an_import_id_may_come_from_a_local_and_the_object_is_recorded_without_a_call() {
    let template = IMPORTED.replace("id = \"outside-7\"", "id = local.id")
        + "locals {\n  id = \"outside-${7}\"\n}\n";
    let stack = TestStack::new(&template, &[]);
    let object = serde_json::json!({"name": "outside", "tag": "managed", "id": "outside-7"});
    stack
        .provider
        .cloud
        .lock()
        .unwrap()
        .objects
        .insert("outside-7".to_string(), Value::from_json(&object));
    let mut state = empty_state();
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    let change = plan.change("test_thing.a").unwrap();
    assert_eq!(change.action, Action::NoOp);
    assert_eq!(change.importing.as_ref().unwrap().id, "outside-7");
    stack.apply(&plan, &mut state).await;
    assert_eq!(id_at(&state, "test_thing.a"), "outside-7");
    assert!(
        stack.provider.log().is_empty(),
        "an import makes no call at apply"
    );
}

#[tokio::test]
async fn an_import_of_a_missing_object_is_an_error() {
    let stack = TestStack::new(IMPORTED, &[]);
    let err = stack
        .plan(&empty_state(), PlanMode::Normal)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Cannot import non-existent remote object"),
        "{err}"
    );
}

/// Loads a template that should not load; returns its diagnostics.
fn load_errors(template: &str) -> crate::diagnostics::Diagnostics {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), template).unwrap();
    let (_, diags) = crate::config::load(dir.path());
    diags
}

#[test]
fn invalid_refactoring_blocks_are_reported_where_they_are_written() {
    let diags = load_errors(
        r#"
resource "test_thing" "a" {
  name = "one"
}
moved {
  from = test_thing.a
  to   = test_thing.b
}
moved {
  from = module.x
  to   = test_thing.c
}
removed {
  from = test_thing.gone
}
import {
  to = test_thing.nowhere
  id = "x"
}
"#,
    );
    let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
    for expected in [
        "Moved object still exists",
        "Invalid \"moved\" addresses",
        "Missing lifecycle block",
        "Configuration for import target does not exist",
    ] {
        assert!(
            summaries.contains(&expected),
            "{expected} not in {summaries:?}"
        );
    }
    assert!(diags.iter().all(|d| d.span.is_some()), "{diags}");
    let cycle = load_errors(
        "moved {\n  from = test_thing.a\n  to   = test_thing.b\n}\nmoved {\n  from = test_thing.b\n  to   = test_thing.a\n}\n",
    );
    assert!(
        cycle
            .to_string()
            .contains("Cyclic dependency in move statements"),
        "{cycle}"
    );
}

#[tokio::test]
async fn an_object_a_removed_block_forgets_is_not_read() {
    let (first, mut state) = applied(A).await;
    // The test provider fails any read of an object without an id.
    let record = state.resources.get_mut("test_thing.a").unwrap();
    record.attributes["id"] = serde_json::Value::Null;
    let template = format!(
        "{}resource \"test_thing\" \"b\" {{\n  name = \"two\"\n}}\n",
        removed(false)
    );
    let stack = TestStack::with_provider(&template, &[], first.provider.clone());
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert_eq!(plan.change("test_thing.a").unwrap().action, Action::Forget);
}

#[test]
fn a_module_move_runs_before_the_moves_inside_it() {
    let endpoint = |text: &str| super::parse_endpoint(text, &Default::default()).unwrap();
    let statement = |from: &str, to: &str| super::Moved {
        from: endpoint(from),
        to: endpoint(to),
        span: None,
        implied: false,
    };
    let inner = statement("module.b.test_thing.x", "module.b.test_thing.y");
    let outer = statement("module.a", "module.b");
    let ordered = super::order_moves(vec![inner, outer]).unwrap();
    assert_eq!(ordered[0].to.to_string(), "module.b");
    let mut state = empty_state();
    let object = state::ResourceState {
        mode: state::Mode::Managed,
        resource_type: "test_thing".to_string(),
        provider: "provider.test".to_string(),
        status: state::Status::Ready,
        attributes: serde_json::json!({"name": "x", "id": "x-1"}),
        sensitive_paths: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        private: None,
    };
    state
        .resources
        .insert("module.a.test_thing.x".to_string(), object);
    let mut config = crate::config::Config::default();
    let root = config.modules.entry(Default::default()).or_default();
    root.refactoring.moved = ordered;
    let (moved, moves) = super::apply_moves(&config, &state).unwrap();
    assert_eq!(keys(&moved), ["module.b.test_thing.y"]);
    assert_eq!(moves[0].from, "module.a.test_thing.x");
}

#[tokio::test]
async fn a_move_from_an_instance_count_still_declares_is_an_error() {
    let (first, state) = applied(A).await;
    let template = r#"
resource "test_thing" "a" {
  count = 2
  name  = "one-${count.index}"
}
moved {
  from = test_thing.a[1]
  to   = test_thing.a[5]
}
"#;
    let stack = TestStack::with_provider(template, &[], first.provider.clone());
    let err = stack.plan(&state, PlanMode::Normal).await.unwrap_err();
    assert!(
        err.to_string().contains("Moved object still exists"),
        "{err}"
    );
}
