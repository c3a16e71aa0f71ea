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
