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
