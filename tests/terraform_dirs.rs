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
