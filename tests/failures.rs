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
    // The create made nothing (the provider returned no object), so its
    // intent stays pending: the next run looks for the object first.
    let show = stack.run(&["state", "show", "local_file.bad"]);
    assert!(
        show.stdout.contains("(creation unfinished)"),
        "{}",
        show.stdout
    );

    // The next plan reconciles the unfinished create: the provider finds no
    // file, so it is created again, and this is not reported as drift.
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

/// Ctrl-C (SIGINT) during an apply: what is in flight finishes and is
/// recorded, nothing new starts, the lock is released (the next command needs
/// no force-unlock), and a later apply finishes the job.
#[test]
fn an_interrupted_apply_stops_cleanly_and_releases_the_lock() {
    interrupted_apply_stops_cleanly("-INT");
}

/// SIGTERM, as a CI runner sends when a job is cancelled, is as graceful.
#[test]
fn a_terminated_apply_stops_cleanly_and_releases_the_lock() {
    interrupted_apply_stops_cleanly("-TERM");
}

fn interrupted_apply_stops_cleanly(signal: &str) {
    use std::time::Duration;
    let stack = Stack::with_main(
        r#"
resource "time_sleep" "first" {
  create_duration = "1s"
}

resource "time_sleep" "second" {
  create_duration = "1s"
  depends_on      = [time_sleep.first]
}

resource "time_sleep" "third" {
  create_duration = "1s"
  depends_on      = [time_sleep.second]
}
"#,
    );
    let mut child = stack.spawn(&["apply", "--auto-approve"], "apply");
    // Interrupt while the first sleep is in flight.
    let started = common::wait_until(Duration::from_secs(30), || {
        stack
            .read("apply.out")
            .contains("time_sleep.first: Creating...")
    });
    assert!(
        started,
        "the apply never started:\n{}",
        stack.read("apply.out")
    );
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait for stack");
    let out = stack.read("apply.out");
    let err = stack.read("apply.err");
    assert_eq!(exit.code(), Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("Interrupt received"), "{err}");
    assert!(err.contains("Apply interrupted"), "{err}");
    assert!(
        out.contains("time_sleep.first: Creation complete"),
        "the operation in flight finished:\n{out}"
    );
    assert!(
        out.contains("time_sleep.second: skipped because the apply was interrupted"),
        "{out}"
    );
    assert!(
        !out.contains("time_sleep.second: Creating..."),
        "nothing new started:\n{out}"
    );
    // The lock was released and the finished work recorded.
    assert_eq!(stack.state_list(), vec!["time_sleep.first".to_string()]);
    let apply = stack.run(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert!(
        !apply.stderr.contains("took over"),
        "the lock was released, not left to be taken over:\n{}",
        apply.stderr
    );
    assert!(
        apply.stdout.contains("Resources: 2 added"),
        "{}",
        apply.stdout
    );
}

/// A holder whose lock is taken from it (here: force-unlocked by someone
/// else) notices at its next renewal, starts nothing new, records what was
/// in flight and exits non-zero.
#[test]
fn an_apply_that_loses_its_lock_stops_starting_operations() {
    use std::time::Duration;
    let stack = Stack::with_main(
        r#"
resource "time_sleep" "first" {
  create_duration = "2s"
}

resource "time_sleep" "second" {
  create_duration = "1s"
  depends_on      = [time_sleep.first]
}
"#,
    );
    let mut child = stack
        .command(&["apply", "--auto-approve"])
        .env("STACK_LOCK_LEASE", "1s")
        .stdout(std::fs::File::create(stack.path().join("apply.out")).unwrap())
        .stderr(std::fs::File::create(stack.path().join("apply.err")).unwrap())
        .spawn()
        .expect("spawn stack");
    let started = common::wait_until(Duration::from_secs(30), || {
        stack
            .read("apply.out")
            .contains("time_sleep.first: Creating...")
    });
    assert!(started, "{}", stack.read("apply.out"));
    let lock: serde_json::Value =
        serde_json::from_str(&stack.read(".stack/default.lock")).expect("the lock");
    stack.ok(&["force-unlock", lock["id"].as_str().unwrap()]);
    let exit = child.wait().expect("wait for stack");
    let (out, err) = (stack.read("apply.out"), stack.read("apply.err"));
    assert_eq!(exit.code(), Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("The state lock was lost"), "{err}");
    assert!(err.contains("State lock lost"), "{err}");
    assert!(out.contains("time_sleep.first: Creation complete"), "{out}");
    assert!(!out.contains("time_sleep.second: Creating..."), "{out}");
    assert_eq!(stack.state_list(), vec!["time_sleep.first".to_string()]);
}
