//! `provisioner "local-exec"` end to end through the `stack` binary:
//! commands run after create with `self`, environment and working_dir,
//! their output streamed as Terraform shows it; destroy-time provisioners;
//! a failing command taints its object; a sensitive value hides the output;
//! a crash while a provisioner runs leaves the object tainted.

mod common;

use common::{check_expect, data_dir, Stack};

const PROVISIONED: &str = r#"
resource "terraform_data" "app" {
  input = "hello"

  provisioner "local-exec" {
    command     = "echo \"${self.id} ${self.output} $GREETING\" > created.txt; echo written to $(basename $(pwd))"
    environment = { GREETING = "hi" }
    working_dir = "work"
  }

  provisioner "local-exec" {
    when    = destroy
    command = "echo \"destroyed ${self.id}\" > destroyed.txt"
  }
}

output "id" {
  value = terraform_data.app.id
}
"#;

/// Apply and destroy output with the object's id and the times made stable.
fn stable(text: &str, id: &str) -> String {
    text.replace(id, "<id>")
        .lines()
        .map(|line| match line.rsplit_once(" after ") {
            Some((head, time)) if time.ends_with('s') => format!("{head} after <t>"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn local_exec_runs_after_create_and_before_destroy_with_its_output_streamed() {
    let s = Stack::with_main(PROVISIONED);
    std::fs::create_dir(s.path().join("work")).unwrap();
    let apply = s.apply(&[]);
    let id = s.output("id").as_str().unwrap().to_string();
    assert_eq!(s.read("work/created.txt"), format!("{id} hello hi\n"));

    // No provisioner runs on a plan with nothing to do, nor on the apply of it.
    let again = s.apply(&[]);
    assert!(!again.stdout.contains("local-exec"), "{}", again.stdout);

    let destroy = s.ok(&["destroy", "--auto-approve"]);
    assert_eq!(s.read("destroyed.txt"), format!("destroyed {id}\n"));
    let shown = format!(
        "# stack apply\n{}# stack destroy\n{}",
        stable(&apply.stdout, &id),
        stable(&destroy.stdout, &id)
    );
    let expected = data_dir()
        .join("provisioners")
        .join("apply_and_destroy.txt");
    check_expect(&expected, &shown).unwrap();
}

#[test]
fn a_failing_command_fails_the_apply_and_taints_its_object_which_the_next_plan_replaces() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "flaky" {
  provisioner "local-exec" {
    command = "test -f ready || { echo not ready; exit 3; }"
  }
}

resource "terraform_data" "after" {
  input = terraform_data.flaky.id
}
"#,
    );
    let failed = s.fail(&["apply", "--auto-approve"]);
    assert!(
        failed
            .stdout
            .contains("terraform_data.flaky (local-exec): not ready"),
        "{}",
        failed.stdout
    );
    let stderr = common::flat(&failed.stderr);
    assert!(
        stderr.contains("× local-exec provisioner error"),
        "{stderr}"
    );
    assert!(
        stderr.contains("terraform_data.flaky: Error running command 'test -f ready || { echo not ready; exit 3; }': exit status 3. Output: not ready"),
        "{stderr}"
    );
    assert_eq!(s.state_list(), ["terraform_data.flaky"]);
    let show = s.ok(&["state", "show", "terraform_data.flaky"]);
    assert!(
        show.stdout.starts_with("# terraform_data.flaky: (tainted)"),
        "{}",
        show.stdout
    );
    let plan = s.plan(&[]);
    assert!(
        plan.stdout
            .contains("it is tainted, so it must be replaced"),
        "{}",
        plan.stdout
    );

    std::fs::write(s.path().join("ready"), "").unwrap();
    s.apply(&[]);
    assert_eq!(
        s.state_list(),
        ["terraform_data.after", "terraform_data.flaky"]
    );
    let show = s.ok(&["state", "show", "terraform_data.flaky"]);
    assert!(!show.stdout.contains("tainted"), "{}", show.stdout);
}

#[test]
fn a_failing_destroy_time_command_stops_the_destroy_and_keeps_the_object() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "guarded" {
  provisioner "local-exec" {
    when    = destroy
    command = "test -f allow-destroy"
  }
}
"#,
    );
    s.apply(&[]);
    let refused = s.fail(&["destroy", "--auto-approve"]);
    assert!(
        refused.stderr.contains("local-exec provisioner error"),
        "{}",
        refused.stderr
    );
    assert_eq!(s.state_list(), ["terraform_data.guarded"]);
    std::fs::write(s.path().join("allow-destroy"), "").unwrap();
    s.ok(&["destroy", "--auto-approve"]);
    assert!(s.state_list().is_empty());
}

#[test]
fn a_sensitive_value_in_the_command_suppresses_its_output_and_error() {
    let s = Stack::with_main(
        r#"
variable "token" {
  type      = string
  default   = "s3cr3t-t0ken"
  sensitive = true
}

resource "terraform_data" "deploy" {
  provisioner "local-exec" {
    command = "echo using ${var.token}; exit 1"
  }
}
"#,
    );
    let run = s.fail(&["apply", "--auto-approve"]);
    let everything = run.both();
    assert!(!everything.contains("s3cr3t-t0ken"), "{everything}");
    // The command's output is not shown (the template itself is, under the error).
    assert!(!run.stdout.contains("using"), "{}", run.stdout);
    let suppressed =
        "terraform_data.deploy (local-exec): (output suppressed due to sensitive value in config)";
    assert_eq!(run.stdout.matches(suppressed).count(), 2, "{}", run.stdout);
    assert!(everything.contains("exit status 1"), "{everything}");
    for entry in std::fs::read_dir(s.path().join(".stack"))
        .unwrap()
        .flatten()
    {
        if entry.path().is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
            assert!(!text.contains("s3cr3t-t0ken"), "{}", entry.path().display());
        }
    }
}

#[test]
fn a_crash_before_the_provisioner_ends_leaves_the_object_tainted_and_the_next_apply_provisions_a_new_one(
) {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "app" {
  provisioner "local-exec" {
    command = "echo ${self.id} >> provisioned.txt"
  }
}
"#,
    );
    // The first durable write is the create's intent, the second the
    // created object, tainted until its provisioner succeeds: dying right
    // after it is dying before the provisioner ran.
    let killed = s.run_with(
        &["apply", "--auto-approve"],
        &[("STACK_TEST_ABORT_AFTER_RECORDS", "2")],
    );
    assert_ne!(killed.code, 0, "{}", killed.both());
    assert!(!s.exists("provisioned.txt"));
    let show = s.ok(&["state", "show", "terraform_data.app"]);
    assert!(
        show.stdout.starts_with("# terraform_data.app: (tainted)"),
        "{}",
        show.stdout
    );
    let apply = s.apply(&[]);
    assert!(
        apply.stdout.contains("terraform_data.app: Destroying..."),
        "{}",
        apply.stdout
    );
    let provisioned = s.read("provisioned.txt");
    assert_eq!(provisioned.lines().count(), 1, "{provisioned}");
    let show = s.ok(&["state", "show", "terraform_data.app"]);
    assert!(!show.stdout.contains("tainted"), "{}", show.stdout);
    assert!(show.stdout.contains(provisioned.trim()), "{}", show.stdout);
}
