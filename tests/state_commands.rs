//! State history and surgery through the binary, on the local backend:
//! `state history | show --serial | rollback | pull | push | mv`, recovery
//! of an interrupted apply, and a damaged state that is never overwritten.

mod common;

use common::Stack;

fn stack_with_generations() -> Stack {
    Stack::with_main(
        r#"
variable "generation" {
  type    = number
  default = 0
}
resource "terraform_data" "counter" {
  input = var.generation
}
"#,
    )
}

#[test]
fn five_applies_make_five_versions_that_can_be_shown_and_rolled_back() {
    let s = stack_with_generations();
    for generation in 1..=5 {
        s.apply(&["--var", &format!("generation={generation}")]);
    }
    let history = s.ok(&["state", "history", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&history.stdout).unwrap();
    let serials: Vec<u64> = entries
        .iter()
        .map(|e| e["serial"].as_u64().unwrap())
        .collect();
    assert_eq!(serials, [5, 4, 3, 2, 1]);
    assert!(entries.iter().all(|e| e["operation"] == "apply"));
    assert_eq!(entries[4]["summary"]["added"], 1);
    assert_eq!(entries[0]["summary"]["changed"], 1);
    let text = s.ok(&["state", "history"]);
    assert!(text.stdout.contains("+0 ~1 -0"), "{}", text.stdout);

    let old = s.ok(&["state", "show", "terraform_data.counter", "--serial", "2"]);
    assert!(
        common::flat(&old.stdout).contains("output = 2"),
        "{}",
        old.stdout
    );

    let rollback = s.ok(&["state", "rollback", "--serial", "2"]);
    assert!(rollback.stdout.contains("serial 6"), "{}", rollback.stdout);
    let now = s.ok(&["state", "show", "terraform_data.counter"]);
    assert!(
        common::flat(&now.stdout).contains("output = 2"),
        "{}",
        now.stdout
    );
    // History is never rewritten: the rollback is a version of its own.
    let after: Vec<serde_json::Value> =
        serde_json::from_str(&s.ok(&["state", "history", "--json"]).stdout).unwrap();
    assert_eq!(after.len(), 6);
    assert_eq!(after[0]["operation"], "state rollback 2");
}

#[test]
fn pull_then_push_round_trips_and_refuses_older_or_foreign_states() {
    let s = stack_with_generations();
    s.apply(&["--var", "generation=1"]);
    let pulled = s.ok(&["state", "pull"]).stdout;
    assert!(pulled.contains("\"lineage\""), "{pulled}");
    s.write("old.json", &pulled);
    s.apply(&["--var", "generation=2"]);
    let refused = s.fail(&["state", "push", "old.json"]);
    assert!(
        refused.stderr.contains("older than the current serial"),
        "{}",
        refused.stderr
    );
    let forced = s.ok(&["state", "push", "old.json", "--force"]);
    assert!(forced.stdout.contains("serial"), "{}", forced.stdout);
    let shown = s.ok(&["state", "show", "terraform_data.counter"]);
    assert!(
        common::flat(&shown.stdout).contains("output = 1"),
        "{}",
        shown.stdout
    );

    let other = stack_with_generations();
    other.apply(&[]);
    s.write("foreign.json", &other.ok(&["state", "pull"]).stdout);
    let foreign = s.fail(&["state", "push", "foreign.json"]);
    assert!(
        foreign.stderr.contains("different states")
            || foreign.stderr.contains("not the one it was sealed with"),
        "{}",
        foreign.stderr
    );
}

#[test]
fn mv_renames_without_touching_the_object() {
    let s = stack_with_generations();
    s.apply(&[]);
    let mv = s.ok(&[
        "state",
        "mv",
        "terraform_data.counter",
        "terraform_data.renamed",
    ]);
    assert!(
        mv.stdout
            .contains("Moved terraform_data.counter to terraform_data.renamed"),
        "{}",
        mv.stdout
    );
    assert_eq!(s.state_list(), ["terraform_data.renamed"]);
    let taken = s.fail(&["state", "mv", "terraform_data.nope", "terraform_data.x"]);
    assert!(
        taken
            .stderr
            .contains("no resource instance terraform_data.nope"),
        "{}",
        taken.stderr
    );
}

#[test]
fn a_damaged_state_is_a_clear_error_and_is_never_overwritten() {
    let s = stack_with_generations();
    s.apply(&[]);
    let path = s.state_file();
    std::fs::write(&path, "{\"format_version\": 1, \"lineage\": tru").unwrap();
    let plan = s.fail(&["plan"]);
    assert!(
        plan.stderr.contains("default.state.json"),
        "{}",
        plan.stderr
    );
    assert!(plan.stderr.contains("is not valid"), "{}", plan.stderr);
    let apply = s.fail(&["apply", "--auto-approve"]);
    assert!(apply.stderr.contains("is not valid"), "{}", apply.stderr);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"format_version\": 1, \"lineage\": tru"
    );
}

#[test]
fn recovering_an_interrupted_apply_moves_the_serial_so_an_older_saved_plan_is_stale() {
    let s = stack_with_generations();
    s.apply(&[]);
    s.ok(&["plan", "--var", "generation=9", "--out", "saved.plan"]);
    // An apply killed after recording its first change leaves a journal.
    let killed = s.run_with(
        &["apply", "--auto-approve", "--var", "generation=7"],
        &[("STACK_TEST_ABORT_AFTER_RECORDS", "1")],
    );
    assert_ne!(killed.code, 0);
    let stale = s.fail(&["apply", "saved.plan"]);
    assert!(stale.stderr.contains("Recovered"), "{}", stale.stderr);
    assert!(
        stale.stderr.contains("Saved plan is stale"),
        "{}",
        stale.stderr
    );
}
