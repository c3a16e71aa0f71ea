//! What a well-kept CLI does, and what Terraform users' habits expect:
//! workspaces, Terraform's single-dash options, `--deny-destroy`, logs,
//! completions and the man page.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use common::Stack;

const DATA: &str = r#"
variable "size" {
  type    = number
  default = 1
}
resource "terraform_data" "a" {
  input = var.size
}
output "size" {
  value = terraform_data.a.output
}
"#;

#[test]
fn workspaces_have_their_own_state_and_a_non_empty_one_is_not_deleted() {
    let s = Stack::with_main(DATA);
    s.apply(&[]);
    let created = s.ok(&["workspace", "new", "prod"]);
    assert!(created
        .stdout
        .contains("Created and switched to workspace \"prod\""));
    assert_eq!(s.ok(&["workspace", "show"]).stdout.trim(), "prod");
    // The selection holds for later commands: prod starts empty.
    assert!(s.state_list().is_empty());
    s.apply(&["--var", "size=3"]);
    assert_eq!(s.output("size"), serde_json::json!(3));
    let list = s.ok(&["workspace", "list"]).stdout;
    assert_eq!(list, "  default\n* prod\n");
    // --workspace overrides the selection for one command.
    let default_size = s.ok(&["--workspace", "default", "output", "--json"]).stdout;
    assert!(default_size.contains("\"value\": 1"), "{default_size}");
    s.ok(&["workspace", "select", "default"]);
    let refused = s.fail(&["workspace", "delete", "prod"]);
    assert!(
        refused.stderr.contains("still manages 1 object"),
        "{}",
        refused.stderr
    );
    s.ok(&["--workspace", "prod", "destroy", "--auto-approve"]);
    s.ok(&["workspace", "delete", "prod"]);
    assert_eq!(s.ok(&["workspace", "list"]).stdout, "* default\n");
    let missing = s.fail(&["workspace", "select", "staging"]);
    assert!(
        common::flat(&missing.stderr).contains("stack workspace new staging"),
        "{}",
        missing.stderr
    );
}

#[test]
fn terraform_single_dash_options_work_as_in_ci_scripts() {
    let s = Stack::with_main(DATA);
    let plan = s.run(&[
        "plan",
        "-var=size=2",
        "-input=false",
        "-no-color",
        "-detailed-exitcode",
        "-out",
        "p.plan",
    ]);
    assert_eq!(plan.code, 2, "{}", plan.both());
    s.ok(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-lock-timeout=1m30s",
        "p.plan",
    ]);
    assert_eq!(s.output("size"), serde_json::json!(2));
}

#[test]
fn logs_go_to_the_log_file_at_the_level_asked_and_hold_no_secret() {
    let s = Stack::with_main(&format!(
        "{DATA}\nvariable \"password\" {{\n  type      = string\n  sensitive = true\n  default   = \"x\"\n}}\n"
    ));
    s.ok(&[
        "--log-level",
        "debug",
        "--log-file",
        "stack.log",
        "plan",
        "--var",
        "password=log-canary-77",
    ]);
    let log = s.read("stack.log");
    assert!(
        log.contains("stack ") && log.contains("command=\"plan\""),
        "{log}"
    );
    assert!(!log.contains("log-canary-77"));
    let bad = s.fail(&["--log-level", "stack=loud", "validate"]);
    assert!(bad.stderr.contains("is not a log level"), "{}", bad.stderr);
}

#[test]
fn completions_and_the_man_page_come_from_the_same_definitions() {
    let s = Stack::new();
    let bash = s.ok(&["completions", "bash"]).stdout;
    assert!(
        bash.contains("_stack()") && bash.contains("workspace"),
        "{bash}"
    );
    let man = s.ok(&["man"]).stdout;
    assert!(
        man.contains(".TH stack") && man.contains("workspace"),
        "{man}"
    );
}

const BUCKET: &str = r#"
provider "aws" {
  region = "us-east-1"
}
variable "name" {
  type = string
}
resource "aws_s3_bucket" "assets" {
  bucket = var.name
}
"#;

#[test]
fn deny_destroy_refuses_a_plan_that_replaces_a_bucket_and_names_it() {
    let emulator = aws::Emulator::start();
    let env = [
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let s = Stack::with_main(BUCKET);
    let first = s.run_with(
        &["apply", "--auto-approve", "--var", "name=assets-one"],
        &env,
    );
    assert_eq!(first.code, 0, "{}", first.both());
    let denied = s.run_with(
        &["plan", "--deny-destroy", "--var", "name=assets-two"],
        &env,
    );
    assert_eq!(denied.code, 1, "{}", denied.both());
    assert!(
        denied
            .stderr
            .contains("aws_s3_bucket.assets would be replaced"),
        "{}",
        denied.stderr
    );
    let unchanged = s.run_with(
        &["plan", "--deny-destroy", "--var", "name=assets-one"],
        &env,
    );
    assert_eq!(unchanged.code, 0, "{}", unchanged.both());
    let destroy = s.run_with(
        &["destroy", "--auto-approve", "--var", "name=assets-one"],
        &env,
    );
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

/// The lines of `--format json` apply output, each parsed.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

#[test]
fn apply_and_destroy_with_format_json_write_the_plan_events_and_the_result_as_json_lines() {
    let s = Stack::with_main(&format!(
        "{DATA}\noutput \"secret\" {{\n  value     = sensitive(\"json-canary-31\")\n  sensitive = true\n}}\n"
    ));
    let refused = s.fail(&["apply", "--format", "json"]);
    assert!(
        refused
            .stderr
            .contains("--format json needs --auto-approve"),
        "{}",
        refused.stderr
    );
    let applied = s.ok(&["apply", "--auto-approve", "--format", "json"]);
    let lines = json_lines(&applied.stdout);
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["plan", "apply_start", "apply_complete", "result"]);
    assert_eq!(
        lines[0]["plan"]["resource_changes"][0]["address"],
        "terraform_data.a"
    );
    assert_eq!(lines[1]["address"], "terraform_data.a");
    assert_eq!(lines[2]["action"], "create");
    let result = &lines[3];
    assert_eq!(result["result"], "applied");
    assert_eq!(result["planned"]["add"], 1);
    assert_eq!(result["operations"]["succeeded"], 1);
    assert_eq!(result["outputs"]["size"]["value"], 1);
    assert_eq!(
        result["outputs"]["secret"]["value"],
        serde_json::Value::Null
    );
    assert!(!applied.stdout.contains("json-canary-31"));

    let unchanged = s.ok(&["apply", "--auto-approve", "--json"]);
    let lines = json_lines(&unchanged.stdout);
    assert_eq!(lines.last().unwrap()["result"], "no_changes");

    // A saved plan applied with --format json: the same stream.
    s.ok(&["plan", "--var", "size=2", "--out", "grow.plan"]);
    let saved = s.ok(&["apply", "--format", "json", "grow.plan"]);
    let lines = json_lines(&saved.stdout);
    assert_eq!(lines.last().unwrap()["planned"]["change"], 1);

    let destroyed = s.ok(&["destroy", "--auto-approve", "--format", "json"]);
    let lines = json_lines(&destroyed.stdout);
    let result = lines.last().unwrap();
    assert_eq!(result["operation"], "destroy");
    assert_eq!(result["planned"]["destroy"], 1);
    assert_eq!(result["result"], "applied");
}
