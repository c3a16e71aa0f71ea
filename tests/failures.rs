//! A failing apply: independent branches finish, dependents are skipped,
//! every error is reported, the exit code is non-zero, and the failed
//! resource stays recorded as tainted so nothing is lost.

mod common;

use common::Stack;

const TEMPLATE: &str = r#"
resource "local_file" "bad" {
  filename = "/proc/stack-cannot-write-here/file.txt"
  content  = "x"
}

resource "null_resource" "independent" {}

resource "null_resource" "after_bad" {
  depends_on = [local_file.bad]
}
"#;

#[test]
fn a_failed_create_is_tainted_dependents_skipped_and_the_rest_applied() {
    let stack = Stack::with_main(TEMPLATE);
    let apply = stack.run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{}", apply.both());
    assert!(
        apply.stderr.contains("Failed to create local_file.bad"),
        "{}",
        apply.stderr
    );
    assert!(
        apply.stdout.contains("null_resource.after_bad: skipped"),
        "the dependent is skipped:\n{}",
        apply.stdout
    );
    let list = stack.state_list();
    assert!(
        list.contains(&"null_resource.independent".to_string()),
        "{list:?}"
    );
    assert!(
        !list.contains(&"null_resource.after_bad".to_string()),
        "{list:?}"
    );
    assert!(
        list.contains(&"local_file.bad".to_string()),
        "the failed create is not forgotten: {list:?}"
    );
    let show = stack.run(&["state", "show", "local_file.bad"]);
    assert!(show.stdout.contains("(tainted)"), "{}", show.stdout);

    // The next plan refreshes the tainted object: the provider finds no file,
    // so it is created again (a tainted object that exists would be replaced),
    // and this is not reported as drift.
    let plan = stack.run(&["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(
        plan.stdout.contains("# local_file.bad will be created"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("changed outside of stack"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("# null_resource.after_bad will be created"),
        "{}",
        plan.stdout
    );
}

#[test]
fn a_tainted_object_that_exists_is_replaced_and_the_plan_says_why() {
    // A failed apply marks an object tainted (see the test above); here the
    // state says so directly, for an object that does exist.
    let stack = Stack::with_main(
        "resource \"local_file\" \"f\" {\n  filename = \"out.txt\"\n  content  = \"x\"\n}\n",
    );
    stack.ok(&["apply", "--auto-approve"]);
    let path = stack.state_file();
    let text = std::fs::read_to_string(&path).expect("state");
    let tainted = text.replacen("\"status\": \"ready\"", "\"status\": \"tainted\"", 1);
    assert_ne!(text, tainted, "the state records a status");
    std::fs::write(&path, tainted).expect("write state");
    let plan = stack.run(&["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(
        plan.stdout.contains("# local_file.f must be replaced"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("tainted"), "{}", plan.stdout);
}
