//! Terraform's refactoring blocks through the real `stack` binary:
//! `moved` (a rename, a move into a module, `count` added), `removed`
//! with `destroy = false`, and an `import` block adopting an AWS VPC made
//! outside stack (against the AWS emulator).

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use common::{plan_summary, Run, Stack};

/// The id recorded for `address`, from `stack state pull`.
fn state_id(s: &Stack, address: &str) -> String {
    let pulled = s.ok(&["state", "pull"]);
    let state: serde_json::Value = serde_json::from_str(&pulled.stdout)
        .unwrap_or_else(|e| panic!("state pull is not JSON: {e}\n{}", pulled.stdout));
    state["resources"][address]["attributes"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id for {address} in {state}"))
        .to_string()
}

/// Plans, checks the plan moves without adding, changing or destroying,
/// applies, and checks that the next plan has nothing to do.
fn plan_and_apply_moves(s: &Stack, moves: &[(&str, &str)]) {
    let plan = s.expect(2, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.plan_line(),
        Some(plan_summary(0, 0, 0).as_str()),
        "{}",
        plan.stdout
    );
    for (from, to) in moves {
        let line = format!("# {from} has moved to {to}");
        assert!(plan.stdout.contains(&line), "{line}\n{}", plan.stdout);
    }
    assert!(
        plan.planned("will be destroyed").is_empty(),
        "{}",
        plan.stdout
    );
    assert!(
        plan.planned("will be created").is_empty(),
        "{}",
        plan.stdout
    );
    s.apply(&[]);
    let again = s.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[test]
fn a_moved_block_renames_a_resource_without_replacing_it() {
    let s = Stack::with_main("resource \"terraform_data\" \"old\" {\n  input = \"kept\"\n}\n");
    s.apply(&[]);
    let id = state_id(&s, "terraform_data.old");
    s.write(
        "main.tf",
        r#"
resource "terraform_data" "new" {
  input = "kept"
}

moved {
  from = terraform_data.old
  to   = terraform_data.new
}
"#,
    );
    plan_and_apply_moves(&s, &[("terraform_data.old", "terraform_data.new")]);
    assert_eq!(s.state_list(), ["terraform_data.new"]);
    assert_eq!(state_id(&s, "terraform_data.new"), id);
}

#[test]
fn a_moved_block_moves_a_resource_into_a_module() {
    let s = Stack::with_main("resource \"terraform_data\" \"db\" {\n  input = \"db\"\n}\n");
    s.apply(&[]);
    let id = state_id(&s, "terraform_data.db");
    s.write(
        "modules/data/main.tf",
        "resource \"terraform_data\" \"db\" {\n  input = \"db\"\n}\n",
    );
    s.write(
        "main.tf",
        r#"
module "data" {
  source = "./modules/data"
}

moved {
  from = terraform_data.db
  to   = module.data.terraform_data.db
}
"#,
    );
    plan_and_apply_moves(
        &s,
        &[("terraform_data.db", "module.data.terraform_data.db")],
    );
    assert_eq!(s.state_list(), ["module.data.terraform_data.db"]);
    assert_eq!(state_id(&s, "module.data.terraform_data.db"), id);
}

#[test]
fn adding_count_moves_the_instance_to_index_zero() {
    let s = Stack::with_main("resource \"terraform_data\" \"web\" {\n  input = \"web\"\n}\n");
    s.apply(&[]);
    let id = state_id(&s, "terraform_data.web");
    s.write(
        "main.tf",
        "resource \"terraform_data\" \"web\" {\n  count = 1\n  input = \"web\"\n}\n",
    );
    plan_and_apply_moves(&s, &[("terraform_data.web", "terraform_data.web[0]")]);
    assert_eq!(s.state_list(), ["terraform_data.web[0]"]);
    assert_eq!(state_id(&s, "terraform_data.web[0]"), id);
}

#[test]
fn a_removed_block_forgets_the_instance_and_changes_nothing_else() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "keep" {
  input = "keep"
}

resource "terraform_data" "legacy" {
  input = "legacy"
}
"#,
    );
    s.apply(&[]);
    let kept = state_id(&s, "terraform_data.keep");
    s.write(
        "main.tf",
        r#"
resource "terraform_data" "keep" {
  input = "keep"
}

removed {
  from = terraform_data.legacy

  lifecycle {
    destroy = false
  }
}
"#,
    );
    let plan = s.expect(2, &["plan", "--detailed-exitcode"]);
    assert!(
        plan.stdout.contains(
            "# terraform_data.legacy will no longer be managed by stack; the object is not destroyed"
        ),
        "{}",
        plan.stdout
    );
    assert_eq!(
        plan.plan_line(),
        Some(plan_summary(0, 0, 0).as_str()),
        "{}",
        plan.stdout
    );
    let json = s.ok(&["plan", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let actions: Vec<&str> = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["action"].as_str())
        .collect();
    assert_eq!(actions, ["no_op", "forget"], "{json}");
    s.apply(&[]);
    assert_eq!(s.state_list(), ["terraform_data.keep"]);
    assert_eq!(state_id(&s, "terraform_data.keep"), kept);
    let again = s.expect(0, &["plan", "--detailed-exitcode"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[test]
fn an_invalid_moved_block_says_where_and_what_to_do() {
    let s = Stack::with_main(
        r#"
resource "terraform_data" "a" {
}

moved {
  from = terraform_data.a
  to   = terraform_data.b
}
"#,
    );
    let run = s.fail(&["validate"]);
    assert!(
        run.stderr.contains("Moved object still exists"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("main.tf:5:1"), "{}", run.stderr);
    let text = common::flat(&run.stderr);
    assert!(
        text.contains("declared as terraform_data.b instead"),
        "{text}"
    );
}

/// Runs `stack` against the emulator with test credentials.
fn run_in(emulator: &aws::Emulator, s: &Stack, args: &[&str]) -> Run {
    let endpoint = emulator.endpoint();
    let run = s.run_with(
        args,
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    assert!(
        run.code == 0 || run.code == 2,
        "stack {args:?}:\n{}",
        run.both()
    );
    run
}

#[test]
fn an_import_block_adopts_a_vpc_made_outside_stack() {
    let emulator = aws::Emulator::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let vpc_id = runtime.block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(&emulator).await);
        let made = ec2
            .create_vpc()
            .cidr_block("10.80.0.0/16")
            .send()
            .await
            .expect("CreateVpc");
        made.vpc().and_then(|v| v.vpc_id()).unwrap().to_string()
    });
    let s = Stack::with_main(&format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.80.0.0/16"
}}

import {{
  to = aws_vpc.main
  id = "{vpc_id}"
}}
"#
    ));
    let plan = run_in(&emulator, &s, &["plan"]);
    assert!(
        plan.stdout.contains("# aws_vpc.main will be imported"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let apply = run_in(&emulator, &s, &["apply", "--auto-approve"]);
    assert!(apply.stdout.contains("1 imported"), "{}", apply.stdout);
    let again = run_in(&emulator, &s, &["plan"]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert_eq!(state_id(&s, "aws_vpc.main"), vpc_id);
}
