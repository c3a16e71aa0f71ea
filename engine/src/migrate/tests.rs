//! The migration at its seam: a v4 state written from objects a stack
//! made (the in-memory cloud of `crate::testing`, and built-ins), migrated,
//! then planned.

use serde_json::json;
use state::{State, Status};

use super::*;
use crate::plan::PlanMode;
use crate::testing::TestStack;

const TEMPLATE: &str = r#"
resource "test_thing" "web" {
  count = 2
  name  = "web-${count.index}"
  tag   = "blue"
}

resource "terraform_data" "config" {
  for_each = toset(["a", "b"])
  input    = { key = each.key }
}

resource "terraform_data" "secret" {
  input = sensitive("s3cret-token")
}

output "web_ids" {
  value = test_thing.web[*].id
}
"#;

fn test_provider() -> String {
    "provider[\"registry.terraform.io/example/test\"]".to_string()
}

fn builtin_provider() -> String {
    "provider[\"terraform.io/builtin/terraform\"]".to_string()
}

/// The v4 state Terraform would have written for `state` (what a stack
/// apply made), with only the ids of cloud objects and a stale `tag`, so
/// that a migrated value can only have come from the cloud.
fn terraform_state_of(state: &State) -> serde_json::Value {
    let web: Vec<serde_json::Value> = (0..2)
        .map(|i| {
            let id = &state.resources[&format!("test_thing.web[{i}]")].attributes["id"];
            json!({"index_key": i, "schema_version": 0, "attributes": {"id": id, "tag": "stale"}, "sensitive_attributes": []})
        })
        .collect();
    let config: Vec<serde_json::Value> = ["a", "b"]
        .iter()
        .map(|k| {
            let id = &state.resources[&format!("terraform_data.config[\"{k}\"]")].attributes["id"];
            let object = json!({"value": {"key": k}, "type": ["object", {"key": "string"}]});
            json!({"index_key": k, "schema_version": 0, "attributes": {"id": id, "input": object, "output": object, "triggers_replace": null}, "sensitive_attributes": []})
        })
        .collect();
    let secret_id = &state.resources["terraform_data.secret"].attributes["id"];
    let secret = json!({"value": "s3cret-token", "type": "string"});
    json!({
        "version": 4,
        "terraform_version": "1.15.5",
        "serial": 3,
        "lineage": "tf-lineage",
        "outputs": {"web_ids": {"value": state.outputs["web_ids"].value, "type": ["tuple", ["string", "string"]]}},
        "resources": [
            {"mode": "managed", "type": "test_thing", "name": "web", "provider": test_provider(), "instances": web},
            {"mode": "managed", "type": "terraform_data", "name": "config", "provider": builtin_provider(), "instances": config},
            {"mode": "managed", "type": "terraform_data", "name": "secret", "provider": builtin_provider(), "instances": [
                {"schema_version": 0, "attributes": {"id": secret_id, "input": secret, "output": secret, "triggers_replace": null},
                 "sensitive_attributes": [[{"type": "get_attr", "value": "input"}]]}
            ]},
            {"mode": "data", "type": "test_thing", "name": "lookup", "provider": test_provider(), "instances": [{"schema_version": 0, "attributes": {"id": "x"}}]}
        ]
    })
}

async fn made() -> (TestStack, State) {
    let stack = TestStack::new(TEMPLATE, &[]);
    let mut state = State::new("made".to_string());
    let outcome = stack.converge(&mut state).await;
    assert!(!outcome.diagnostics.has_errors(), "{}", outcome.diagnostics);
    (stack, state)
}

async fn migrated(stack: &TestStack, source: serde_json::Value) -> Migration {
    let source = tfstate::parse(source.to_string().as_bytes()).unwrap();
    migrate(&stack.ctx, &source)
        .await
        .unwrap_or_else(|d| panic!("{d}"))
}

#[tokio::test]
async fn a_migrated_state_matches_what_stack_recorded_and_plans_no_changes() {
    let (stack, made) = made().await;
    let migration = migrated(&stack, terraform_state_of(&made)).await;
    assert!(migration.skipped.is_empty(), "{:?}", migration.skipped);
    assert_eq!(migration.data_sources, 1);
    let addresses: Vec<&str> = migration
        .migrated
        .iter()
        .map(|m| m.address.as_str())
        .collect();
    assert_eq!(
        addresses,
        [
            "terraform_data.config[\"a\"]",
            "terraform_data.config[\"b\"]",
            "terraform_data.secret",
            "test_thing.web[0]",
            "test_thing.web[1]"
        ]
    );
    let hows: Vec<How> = migration.migrated.iter().map(|m| m.how).collect();
    assert_eq!(
        hows,
        [
            How::CarriedOver,
            How::CarriedOver,
            How::CarriedOver,
            How::Imported,
            How::Imported
        ]
    );
    // Every record is what stack's own apply wrote: the tag from the cloud,
    // not Terraform's stale one; the secret marked in input and output.
    for (address, entry) in &migration.resources {
        assert_eq!(entry, &made.resources[address], "{address}");
    }
    assert_eq!(migration.outputs["web_ids"], made.outputs["web_ids"]);
    let mut state = State::new("new".to_string());
    state.resources = migration.resources;
    state.outputs = migration.outputs;
    let plan = stack.plan(&state, PlanMode::Normal).await.unwrap();
    assert!(!plan.has_changes(), "{:?}", plan.resource_changes);
}

#[tokio::test]
async fn tainted_and_deposed_objects_keep_their_status() {
    let (stack, made) = made().await;
    let mut source = terraform_state_of(&made);
    let web = &mut source["resources"][0]["instances"];
    web[0]["status"] = json!("tainted");
    let old = json!({"index_key": 1, "deposed": "00ff00ff", "schema_version": 0, "attributes": {"id": web[0]["attributes"]["id"]}});
    web.as_array_mut().unwrap().push(old);
    let migration = migrated(&stack, source).await;
    assert_eq!(
        migration.resources["test_thing.web[0]"].status,
        Status::Tainted
    );
    assert!(migration.migrated[3].tainted);
    assert_eq!(
        migration.resources["test_thing.web[1]"].status,
        Status::Ready
    );
    assert!(migration
        .resources
        .contains_key("test_thing.web[1]#deposed:00ff00ff"));
}

#[tokio::test]
async fn what_cannot_be_migrated_is_left_out_with_the_reason() {
    let (stack, made) = made().await;
    let mut source = terraform_state_of(&made);
    let resources = source["resources"].as_array_mut().unwrap();
    resources.push(json!({"mode": "managed", "type": "aws_lambda_function", "name": "r", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{"schema_version": 0, "attributes": {"id": "role"}}]}));
    resources.push(
        json!({"mode": "managed", "type": "test_thing", "name": "gone", "provider": test_provider(),
        "instances": [{"schema_version": 0, "attributes": {"id": "x-1"}}]}),
    );
    resources.push(json!({"module": "module.web[0]", "mode": "managed", "type": "terraform_data", "name": "x", "provider": builtin_provider(),
        "instances": [{"schema_version": 0, "attributes": {"id": "u"}}]}));
    // An object the cloud no longer has.
    source["resources"][0]["instances"][1]["attributes"]["id"] = json!("web-404");
    let migration = migrated(&stack, source).await;
    let skipped: Vec<(&str, SkipKind)> = migration
        .skipped
        .iter()
        .map(|s| (s.address.as_str(), s.kind))
        .collect();
    assert_eq!(
        skipped,
        [
            ("aws_lambda_function.r", SkipKind::UnsupportedType),
            ("module.web[0].terraform_data.x", SkipKind::NotInTemplates),
            ("test_thing.gone", SkipKind::NotInTemplates),
            ("test_thing.web[1]", SkipKind::NotFound),
        ]
    );
    assert!(migration.skipped[0].reason.contains("aws_lambda_function"));
    assert!(!migration.resources.contains_key("test_thing.web[1]"));
    assert_eq!(migration.migrated.len(), 4);
}

#[tokio::test]
async fn a_sensitive_id_is_not_reported() {
    let (stack, made) = made().await;
    let mut source = terraform_state_of(&made);
    source["resources"][2]["instances"][0]["sensitive_attributes"]
        .as_array_mut()
        .unwrap()
        .push(json!([{"type": "get_attr", "value": "id"}]));
    let migration = migrated(&stack, source).await;
    let secret = migration
        .migrated
        .iter()
        .find(|m| m.address == "terraform_data.secret")
        .unwrap();
    assert_eq!(secret.id, None);
    let config = &migration.migrated[0];
    assert!(config.id.is_some());
}
