//! Built-in resources (null, terraform, random, local, time) have no cloud
//! to import from: what Terraform's provider recorded is the object, so its
//! attributes are carried over into our schema's attributes.

use std::collections::BTreeMap;

use state::{AttrPath, PathStep};

use crate::encoding::{decode, encode};
use crate::provider::{AttrType, Schema};
use crate::value::Value;

/// The value our provider would have recorded for the object Terraform
/// recorded as `attributes`, with every secret marked: the attributes our
/// schema declares sensitive and the paths Terraform marked.
pub fn carry_over(
    schema: &Schema,
    type_name: &str,
    attributes: &serde_json::Value,
    sensitive_paths: &[AttrPath],
) -> Value {
    let mut map = BTreeMap::new();
    for attribute in &schema.attributes {
        let json = attributes
            .get(attribute.name)
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        let json = match attribute.ty {
            AttrType::Any => unwrap_dynamic(json),
            _ => json,
        };
        map.insert(attribute.name.to_string(), Value::from_json(&json));
    }
    for block in &schema.blocks {
        let json = attributes.get(block.name).cloned();
        map.insert(
            block.name.to_string(),
            json.map_or(Value::Null, |j| Value::from_json(&j)),
        );
    }
    let mut paths: Vec<AttrPath> = sensitive_paths.to_vec();
    for attribute in schema.attributes.iter().filter(|a| a.sensitive) {
        paths.push(vec![PathStep::Key(attribute.name.to_string())]);
    }
    // terraform_data's `output` is a copy of `input`, and our provider
    // marks it as sensitive as its input; Terraform records only `input`.
    if type_name == "terraform_data" && paths.iter().any(|p| starts_with(p, "input")) {
        paths.push(vec![PathStep::Key("output".to_string())]);
    }
    mark(Value::Map(map), &paths)
}

/// Terraform writes a value of a dynamically typed attribute (such as
/// `terraform_data.input`) with its type: `{"value": …, "type": …}`.
fn unwrap_dynamic(json: serde_json::Value) -> serde_json::Value {
    match json {
        serde_json::Value::Object(mut object)
            if object.len() == 2 && object.contains_key("type") && object.contains_key("value") =>
        {
            object.remove("value").unwrap_or_default()
        }
        other => other,
    }
}

fn starts_with(path: &AttrPath, name: &str) -> bool {
    matches!(path.first(), Some(PathStep::Key(k)) if k == name)
}

/// Marks the values at `paths` (and below them) as sensitive; a null
/// stays unmarked, as there is nothing to hide.
pub fn mark(value: Value, paths: &[AttrPath]) -> Value {
    if paths.is_empty() {
        return value;
    }
    let encoded = encode(&value);
    let mut sensitive = encoded.sensitive;
    sensitive.extend(
        paths
            .iter()
            .filter(|p| {
                !matches!(
                    json_at(&encoded.json, p),
                    None | Some(serde_json::Value::Null)
                )
            })
            .cloned(),
    );
    sensitive.sort();
    sensitive.dedup();
    decode(&encoded.json, &encoded.unknown, &sensitive)
}

fn json_at<'a>(json: &'a serde_json::Value, path: &AttrPath) -> Option<&'a serde_json::Value> {
    path.iter().try_fold(json, |at, step| match step {
        PathStep::Key(k) => at.get(k),
        PathStep::Index(i) => at.get(i),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::terraform::TerraformProvider;
    use crate::provider::Provider;
    use serde_json::json;

    fn terraform_data_schema() -> Schema {
        TerraformProvider::new().schema().resources["terraform_data"].clone()
    }

    #[test]
    fn dynamic_values_lose_their_type_wrapper() {
        let attributes = json!({
            "id": "0b6f",
            "input": {"value": {"index": 0, "name": "a"}, "type": ["object", {"index": "number", "name": "string"}]},
            "output": {"value": {"index": 0, "name": "a"}, "type": ["object", {"index": "number", "name": "string"}]},
            "triggers_replace": null
        });
        let value = carry_over(&terraform_data_schema(), "terraform_data", &attributes, &[]);
        let json = encode(&value).json;
        assert_eq!(
            json,
            json!({"id": "0b6f", "input": {"index": 0, "name": "a"}, "output": {"index": 0, "name": "a"}, "triggers_replace": null})
        );
    }

    #[test]
    fn a_sensitive_input_makes_the_copy_in_output_sensitive_too() {
        let attributes = json!({
            "id": "0b6f",
            "input": {"value": "s3cret", "type": "string"},
            "output": {"value": "s3cret", "type": "string"},
            "triggers_replace": null
        });
        let input = vec![vec![PathStep::Key("input".to_string())]];
        let value = carry_over(
            &terraform_data_schema(),
            "terraform_data",
            &attributes,
            &input,
        );
        let encoded = encode(&value);
        assert_eq!(
            encoded.sensitive,
            vec![
                vec![PathStep::Key("input".to_string())],
                vec![PathStep::Key("output".to_string())]
            ]
        );
    }

    #[test]
    fn schema_sensitive_attributes_are_marked_and_unknown_attributes_dropped() {
        let schema = crate::builtin::random::RandomProvider::new()
            .schema()
            .resources["random_password"]
            .clone();
        let attributes = json!({"id": "none", "length": 12, "result": "p4ss", "bcrypt_hash": "$2a$", "special": true});
        let value = carry_over(&schema, "random_password", &attributes, &[]);
        let encoded = encode(&value);
        assert!(encoded
            .sensitive
            .contains(&vec![PathStep::Key("result".to_string())]));
        assert!(encoded.json.get("bcrypt_hash").is_none());
        assert_eq!(encoded.json["length"], json!(12));
    }
}
