//! A directory that has seen `terraform init` and carries Terraform's
//! variable files loads as Terraform loads it.

mod common;

use common::Stack;

const TEMPLATE: &str = r#"
variable "from_env" {
  type = string
}
variable "from_tfvars" {
  type = string
}
variable "from_json" {
  type = string
}
variable "from_auto" {
  type = string
}
output "values" {
  value = join(",", [var.from_env, var.from_tfvars, var.from_json, var.from_auto])
}
"#;

#[test]
fn lock_files_are_not_templates_and_variable_files_apply_in_terraforms_order() {
    let s = Stack::with_main(TEMPLATE);
    // What `terraform init` leaves behind is not read as templates.
    s.write(
        ".terraform.lock.hcl",
        "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"5.0.0\"\n}\n",
    );
    s.write(".terraform/modules/modules.json", "{}");
    s.write("main.tf~", "this is an editor backup and not HCL {");
    // Each later source overrides the earlier ones for the same variable.
    s.write(
        "terraform.tfvars",
        "from_tfvars = \"tfvars\"\nfrom_json = \"tfvars\"\nfrom_auto = \"tfvars\"\n",
    );
    s.write(
        "terraform.tfvars.json",
        "{\"from_json\": \"json\", \"from_auto\": \"json\"}",
    );
    s.write("a.auto.tfvars", "from_auto = \"a\"\n");
    s.write("b.auto.tfvars.json", "{\"from_auto\": \"b\"}");
    let plan = s.run_with(
        &["plan"],
        &[
            ("TF_VAR_from_env", "tf"),
            ("TF_VAR_from_tfvars", "overridden"),
        ],
    );
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(
        plan.stdout.contains("\"tf,tfvars,json,b\""),
        "{}",
        plan.stdout
    );
    // STACK_VAR_ wins over TF_VAR_ for the same name.
    let plan = s.run_with(
        &["plan"],
        &[("TF_VAR_from_env", "tf"), ("STACK_VAR_from_env", "stack")],
    );
    assert!(
        plan.stdout.contains("\"stack,tfvars,json,b\""),
        "{}",
        plan.stdout
    );
}

/// A module block with `count` and one with `for_each`, as Terraform users write them.
const MODULE_ROOT: &str = r#"
variable "sites" {
  type    = map(string)
  default = { blog = "blog.example.com", shop = "shop.example.com" }
}
module "worker" {
  source = "./modules/worker"
  count  = 2
  name   = "worker-${count.index}"
}
module "site" {
  source   = "./modules/worker"
  for_each = var.sites
  name     = each.value
}
output "workers" {
  value = module.worker[*].name
}
output "shop" {
  value = module.site["shop"].name
}
"#;

const MODULE_WORKER: &str = r#"
variable "name" {
  type = string
}
resource "terraform_data" "this" {
  input = var.name
}
output "name" {
  value = terraform_data.this.output
}
"#;

#[test]
fn modules_with_count_and_for_each_apply_with_keyed_addresses() {
    let s = Stack::with_main(MODULE_ROOT);
    s.write("modules/worker/main.tf", MODULE_WORKER);
    let plan = s.plan(&[]);
    assert_eq!(plan.code, 0, "{}", plan.both());
    for address in [
        "module.worker[0].terraform_data.this",
        "module.worker[1].terraform_data.this",
        "module.site[\"blog\"].terraform_data.this",
        "module.site[\"shop\"].terraform_data.this",
    ] {
        assert!(
            plan.stdout
                .contains(&format!("# {address} will be created")),
            "{address} missing from\n{}",
            plan.stdout
        );
    }
    let apply = s.apply(&[]);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert_eq!(
        s.output("workers"),
        serde_json::json!(["worker-0", "worker-1"])
    );
    assert_eq!(s.output("shop"), serde_json::json!("shop.example.com"));
    assert!(s
        .state_list()
        .contains(&"module.site[\"blog\"].terraform_data.this".to_string()));
    // One instance can be targeted by its module key, and a removed key
    // destroys only that instance.
    let targeted = s.plan(&["--replace", "module.worker[1].terraform_data.this"]);
    assert!(
        targeted.stdout.contains(&common::plan_summary(1, 0, 1)),
        "{}",
        targeted.stdout
    );
    let fewer = s.plan(&["--var", "sites={shop=\"shop.example.com\"}"]);
    assert!(
        fewer
            .stdout
            .contains("# module.site[\"blog\"].terraform_data.this will be destroyed"),
        "{}",
        fewer.stdout
    );
    assert!(
        fewer.stdout.contains(&common::plan_summary(0, 0, 1)),
        "{}",
        fewer.stdout
    );
}

const EPHEMERAL: &str = r#"
variable "token" {
  type      = string
  ephemeral = true
}
variable "size" {
  type    = number
  default = 1
}
locals {
  header = "Bearer ${var.token}"
}
resource "terraform_data" "a" {
  input = var.size
  lifecycle {
    precondition {
      condition     = length(local.header) > 7
      error_message = "The token is empty."
    }
  }
}
"#;

#[test]
fn ephemeral_variables_stay_out_of_plan_files_and_must_be_given_again_to_apply() {
    let s = Stack::with_main(EPHEMERAL);
    let canary = "eph-canary-31337";
    s.ok(&[
        "plan",
        "--out",
        "p.plan",
        "--var",
        &format!("token={canary}"),
    ]);
    let bytes = std::fs::read(s.path().join("p.plan")).unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains(canary),
        "the plan file holds the ephemeral value"
    );
    let missing = s.run(&["apply", "p.plan"]);
    assert_eq!(missing.code, 1, "{}", missing.both());
    assert!(
        missing.stderr.contains("was set during the plan phase"),
        "{}",
        missing.stderr
    );
    let changed = s.run(&["apply", "p.plan", "--var", "token=x", "--var", "size=2"]);
    assert_eq!(changed.code, 1, "{}", changed.both());
    assert!(
        changed
            .stderr
            .contains("Can't change variable when applying a saved plan"),
        "{}",
        changed.stderr
    );
    let applied = s.run(&["apply", "p.plan", "--var", "token=another"]);
    assert_eq!(applied.code, 0, "{}", applied.both());
    let state = std::fs::read_to_string(s.state_file()).unwrap();
    assert!(!state.contains(canary) && !state.contains("another"));
}

#[test]
fn ephemeral_values_in_stored_arguments_are_rejected_where_they_are_used() {
    let s = Stack::with_main(&EPHEMERAL.replace("input = var.size", "input = local.header"));
    let run = s.run(&["validate"]);
    assert_eq!(run.code, 1, "{}", run.both());
    assert!(
        run.stderr.contains("Invalid use of ephemeral value") && run.stderr.contains("main.tf:14"),
        "{}",
        run.stderr
    );
}

const SCOPED_CHECK: &str = r#"
check "health" {
  data "local_file" "status" {
    filename = "${path.module}/status.txt"
  }
  assert {
    condition     = trimspace(data.local_file.status.content) == "ok"
    error_message = "The status file does not say ok."
  }
}
resource "terraform_data" "a" {
  input = "x"
}
"#;

#[test]
fn a_check_block_scopes_its_data_source_and_its_failures_are_warnings() {
    let s = Stack::with_main(SCOPED_CHECK);
    // The file is missing: the read fails, as a warning only.
    let missing = s.plan(&[]);
    assert!(
        missing.stderr.contains("Check block data source failed"),
        "{}",
        missing.both()
    );
    s.write("status.txt", "degraded\n");
    let failing = s.apply(&[]);
    assert!(
        failing.stderr.contains("The status file does not say ok."),
        "{}",
        failing.both()
    );
    s.write("status.txt", "ok\n");
    let passing = s.plan(&[]);
    assert!(
        !passing.stderr.contains("does not say ok"),
        "{}",
        passing.both()
    );
    // Only the check's own assertions may use it.
    s.write(
        "outside.tf",
        "output \"status\" {\n  value = data.local_file.status.content\n}\n",
    );
    let outside = s.run(&["validate"]);
    assert_eq!(outside.code, 1, "{}", outside.both());
    assert!(
        outside.stderr.contains("Reference to scoped resource"),
        "{}",
        outside.stderr
    );
}

/// Every case of `tests/data/json/` holds one stack twice: `native/` in
/// native syntax and `json/` in Terraform's JSON syntax (mixed with `.tf`
/// files where a case says so). Terraform 1.15.5 plans both identically
/// (checked by hand when the cases were written); so must `stack`, and
/// applying them must give the same outputs.
#[test]
fn json_configurations_plan_and_apply_like_their_native_form() {
    let cases = common::cases("json");
    assert!(cases.len() >= 2, "only {} JSON cases", cases.len());
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let native = Stack::new();
        common::copy_case(&case.join("native"), native.path());
        let json = Stack::new();
        common::copy_case(&case.join("json"), json.path());
        let (want, got) = (native.plan(&[]), json.plan(&[]));
        assert!(want.plan_line().is_some(), "[{name}] {}", want.both());
        assert_eq!(
            native.normalise(&want.stdout),
            json.normalise(&got.stdout),
            "[{name}] the JSON form plans differently"
        );
        native.apply(&[]);
        json.apply(&[]);
        assert_eq!(native.outputs(), json.outputs(), "[{name}] outputs differ");
        assert_eq!(native.state_list(), json.state_list(), "[{name}]");
    }
}

#[test]
fn a_local_exec_using_an_ephemeral_value_hides_its_output() {
    let s = Stack::with_main(&EPHEMERAL.replace(
        "  lifecycle {",
        "  provisioner \"local-exec\" {\n    command = \"echo ${local.header}\"\n  }\n  lifecycle {",
    ));
    let canary = "eph-canary-4242";
    let run = s.apply(&["--var", &format!("token={canary}")]);
    assert!(!run.both().contains(canary), "{}", run.both());
    assert!(
        run.stdout
            .contains("(output suppressed due to ephemeral value in config)"),
        "{}",
        run.stdout
    );
}
