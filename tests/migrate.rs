//! `stack migrate terraform` through the binary, on a state the real
//! Terraform 1.15.5 wrote (`tests/data/migrate/terraform_builtin`: built-in
//! resources with `count`, `for_each`, a module, a sensitive value and
//! outputs; see that directory's README). The emulator tests are in
//! `tests/aws_migrate.rs`.

mod common;

use std::path::Path;

use common::{data_dir, Stack};

/// The secret `terraform_data.secret` holds; it is in clear in Terraform's state.
const SECRET: &str = "s3cret-token-value";

/// A copy of a fixture directory.
fn fixture(name: &str) -> Stack {
    let s = Stack::new();
    common::copy_case(&data_dir().join("migrate").join(name), s.path());
    s
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_state_terraform_wrote_migrates_and_plans_no_changes() {
    let s = fixture("terraform_builtin");
    let before = read(&s.path().join("terraform.tfstate"));
    let migrate = s.ok(&["migrate", "terraform"]);
    for address in [
        "terraform_data.single: carried over (id efe645d4-435f-fb90-53fe-ba4cf01bb8d3)",
        "terraform_data.counted[0]",
        "terraform_data.counted[1]",
        "null_resource.each[\"a\"]",
        "null_resource.each[\"b c\"]",
        "module.app.terraform_data.this",
        "module.app.null_resource.also",
        "terraform_data.replaced",
        "terraform_data.secret",
    ] {
        assert!(
            migrate.stdout.contains(address),
            "{address}\n{}",
            migrate.stdout
        );
    }
    assert!(
        migrate
            .stdout
            .contains("9 object(s) migrated, 0 left out. stack's state is at serial 1."),
        "{}",
        migrate.stdout
    );
    let plan = s.ok(&["plan"]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    assert_eq!(read(&s.path().join("terraform.tfstate")), before);
    assert_eq!(s.state_list().len(), 9);
    assert_eq!(
        s.output("single_id"),
        serde_json::json!("efe645d4-435f-fb90-53fe-ba4cf01bb8d3")
    );
    // The secret is sealed in stack's state and printed nowhere.
    let state = String::from_utf8_lossy(&read(&s.state_file())).to_string();
    for text in [&migrate.both(), &plan.both(), &state] {
        assert!(!text.contains(SECRET), "the secret is in clear:\n{text}");
    }
    let shown = s.ok(&["state", "show", "terraform_data.secret"]);
    assert!(!shown.stdout.contains(SECRET), "{}", shown.stdout);
}

#[test]
fn the_migrated_state_is_the_one_later_plans_compare_with() {
    let s = fixture("terraform_builtin");
    s.ok(&["migrate", "terraform"]);
    let main = s
        .read("main.tf")
        .replace("input = \"hello\"", "input = \"hi\"");
    s.write("main.tf", &main);
    let plan = s.ok(&["plan"]);
    assert!(
        plan.stdout
            .contains("# terraform_data.single will be updated in-place"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(&common::plan_summary(0, 1, 0)),
        "{}",
        plan.stdout
    );
}

#[test]
fn a_second_migration_needs_force_and_the_first_stays_in_history() {
    let s = fixture("terraform_builtin");
    s.ok(&["migrate", "terraform"]);
    let again = s.fail(&["migrate", "terraform"]);
    assert!(again.stderr.contains("State not empty"), "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    s.ok(&["migrate", "terraform", "--force"]);
    let history = s.ok(&["state", "history"]);
    assert!(
        history.stdout.contains("migrate terraform"),
        "{}",
        history.stdout
    );
    let pulled: serde_json::Value = serde_json::from_str(&s.ok(&["state", "pull"]).stdout).unwrap();
    assert_eq!(pulled["serial"], 2);
}

#[test]
fn a_dry_run_reports_as_json_and_writes_nothing() {
    let s = fixture("terraform_builtin");
    let run = s.ok(&["migrate", "terraform", "--dry-run", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", run.stdout));
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["serial"], serde_json::Value::Null);
    assert_eq!(report["terraform_version"], "1.15.5");
    assert_eq!(report["migrated"].as_array().unwrap().len(), 9);
    assert_eq!(report["skipped"], serde_json::json!([]));
    assert_eq!(
        report["outputs"],
        serde_json::json!(["secret", "single_id"])
    );
    let secret = report["migrated"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["address"] == "terraform_data.secret")
        .unwrap();
    assert_eq!(secret["how"], "carried_over");
    assert!(!run.stdout.contains(SECRET));
    assert!(!s.exists(".stack/default.state.json"));
    assert!(!s.exists(".stack/default.lock"));
}

#[test]
fn objects_that_cannot_be_migrated_are_listed_and_the_exit_code_says_so() {
    let s = fixture("terraform_builtin");
    let mut state: serde_json::Value = serde_json::from_str(&s.read("terraform.tfstate")).unwrap();
    let resources = state["resources"].as_array_mut().unwrap();
    resources.push(serde_json::json!({
        "mode": "managed", "type": "aws_lambda_function", "name": "app",
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{"schema_version": 0, "attributes": {"id": "app-role"}, "sensitive_attributes": []}]
    }));
    resources.push(serde_json::json!({
        "mode": "managed", "type": "terraform_data", "name": "orphan",
        "provider": "provider[\"terraform.io/builtin/terraform\"]",
        "instances": [{"schema_version": 0, "attributes": {"id": "u-1"}, "sensitive_attributes": []}]
    }));
    s.write("other.tfstate", &state.to_string());
    let run = s.expect(3, &["migrate", "terraform", "other.tfstate", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["address"].to_string(), o["reason_code"].to_string()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "\"aws_lambda_function.app\"".to_string(),
                "\"unsupported_type\"".to_string()
            ),
            (
                "\"terraform_data.orphan\"".to_string(),
                "\"not_in_templates\"".to_string()
            ),
        ]
    );
    // What could be migrated was written.
    assert_eq!(s.state_list().len(), 9);
    let text = fixture("terraform_builtin");
    text.write("other.tfstate", &state.to_string());
    let run = text.expect(3, &["migrate", "terraform", "other.tfstate"]);
    assert!(run.stdout.contains("Left out:"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "aws_lambda_function.app: stack does not support the resource type aws_lambda_function"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn instances_of_modules_with_count_and_for_each_migrate_with_their_keys() {
    let s = fixture("terraform_module_keys");
    let before = s.read("terraform.tfstate");
    let run = s.ok(&["migrate", "terraform"]);
    for address in [
        "module.web[0].terraform_data.this",
        "module.web[1].terraform_data.this",
        "module.site[\"blue\"].terraform_data.this",
        "module.site[\"green\"].terraform_data.this",
    ] {
        assert!(run.stdout.contains(address), "{address}\n{}", run.stdout);
    }
    assert!(s.ok(&["plan"]).stdout.contains("No changes."));
    assert_eq!(s.read("terraform.tfstate"), before);
}

#[test]
fn a_state_that_is_not_version_4_or_is_malformed_is_refused_saying_where() {
    let s = fixture("terraform_builtin");
    s.write(
        "old.tfstate",
        "{\"version\": 3, \"serial\": 1, \"modules\": []}",
    );
    let old = s.fail(&["migrate", "terraform", "old.tfstate"]);
    let text = common::flat(&old.stderr);
    assert!(
        text.contains("old.tfstate: the file has version 3"),
        "{text}"
    );
    assert!(text.contains("Terraform 0.12 or later"), "{text}");
    // The place of a mistake is given, but no excerpt: the file holds secrets.
    s.write(
        "broken.tfstate",
        &format!("{{\n  \"version\": 4,\n  \"outputs\": {{\"pw\": {{\"value\": \"{SECRET}\" \"sensitive\": true}}}}\n}}\n"),
    );
    let broken = s.fail(&["migrate", "terraform", "broken.tfstate"]);
    let text = common::flat(&broken.stderr);
    assert!(text.contains("broken.tfstate:3:"), "{text}");
    assert!(!broken.stderr.contains(SECRET), "{}", broken.stderr);
    std::fs::remove_file(s.path().join("terraform.tfstate")).unwrap();
    let missing = s.fail(&["migrate", "terraform"]);
    assert!(
        common::flat(&missing.stderr).contains("There is no terraform.tfstate"),
        "{}",
        missing.stderr
    );
    assert!(!s.exists(".stack/default.state.json"));
}
