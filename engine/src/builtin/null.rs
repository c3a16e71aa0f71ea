//! The `null` provider: `null_resource`, a resource that does nothing but
//! exist, replaced whenever one of its `triggers` changes, and the
//! `null_data_source` data source, which echoes its `inputs` as `outputs`.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostics;
use crate::provider::{
    ApplyRequest, ApplyResponse, AttrType, AttributeSchema, Provider, ProviderError,
    ProviderSchema, ReadDataRequest, ReadRequest, ReadResponse, Schema,
};
use crate::value::Value;

use super::support::{ensure_known, random_bytes, resolve_planned};

pub struct NullProvider {
    schema: ProviderSchema,
}

impl NullProvider {
    pub fn new() -> NullProvider {
        let null_resource = Schema::new(
            "A resource that does nothing; it is replaced whenever a value in `triggers` changes.",
        )
        .attr(
            AttributeSchema::optional("triggers", AttrType::map_of(AttrType::String))
                .force_new()
                .describe("Arbitrary values whose change replaces the resource."),
        )
        .attr(
            AttributeSchema::computed("id", AttrType::String)
                .describe("A random number, in decimal, chosen at creation."),
        );
        let mut schema = ProviderSchema::default();
        schema.resources.insert("null_resource", null_resource);
        schema
            .data_sources
            .insert("null_data_source", null_data_source_schema());
        NullProvider { schema }
    }
}

impl Default for NullProvider {
    fn default() -> NullProvider {
        NullProvider::new()
    }
}

/// Terraform's (deprecated, still shipped) `null_data_source`: `outputs`
/// repeats `inputs`, so values can be passed through a data source.
fn null_data_source_schema() -> Schema {
    Schema::new("Echoes `inputs` as `outputs` (deprecated in Terraform in favour of locals).")
        .attr(
            AttributeSchema::optional("inputs", AttrType::map_of(AttrType::String))
                .describe("Values to echo as `outputs`."),
        )
        .attr(
            AttributeSchema::computed("outputs", AttrType::map_of(AttrType::String))
                .describe("The values of `inputs`."),
        )
        .attr(
            AttributeSchema::optional_computed("has_computed_default", AttrType::String)
                .describe("Its value, or \"default\" when not set."),
        )
        .attr(
            AttributeSchema::computed("random", AttrType::String)
                .describe("A random number, new on every read."),
        )
        .attr(AttributeSchema::computed("id", AttrType::String).describe("Always \"static\"."))
}

/// A non-negative 63-bit number in decimal, like Go's `rand.Int()` that
/// Terraform's null provider uses.
fn random_id() -> Result<String, ProviderError> {
    let bytes = random_bytes(8)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes);
    Ok((u64::from_le_bytes(word) >> 1).to_string())
}

#[async_trait::async_trait]
impl Provider for NullProvider {
    fn name(&self) -> &'static str {
        "null"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let Some(planned) = request.planned else {
            // Deleting a null resource only forgets it.
            return Ok(ApplyResponse {
                new_state: None,
                private: None,
                diagnostics: Diagnostics::new(),
            });
        };
        let schema = self
            .schema
            .resources
            .get(request.type_name)
            .ok_or_else(|| unsupported(request.type_name))?;
        let resolved = resolve_planned(schema, planned, request.config);
        let mut state: BTreeMap<String, Value> = resolved.as_map().cloned().unwrap_or_default();
        let id_known = state
            .get("id")
            .is_some_and(|v| v.is_wholly_known() && !v.is_null());
        if !id_known {
            state.insert("id".to_string(), Value::String(random_id()?));
        }
        state.entry("triggers".to_string()).or_insert(Value::Null);
        ensure_known(&state)?;
        Ok(ApplyResponse {
            new_state: Some(Value::Map(state)),
            private: None,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        // Nothing exists outside the state, so the state is the truth.
        Ok(ReadResponse {
            new_state: Some(request.current.clone()),
            diagnostics: Diagnostics::new(),
        })
    }

    async fn read_data(&self, request: ReadDataRequest<'_>) -> Result<ReadResponse, ProviderError> {
        if request.type_name != "null_data_source" {
            return Err(ProviderError::new(format!(
                "data source {} is not supported by provider null",
                request.type_name
            )));
        }
        let config = request.config.as_map().cloned().unwrap_or_default();
        let inputs = config.get("inputs").cloned().unwrap_or(Value::Null);
        let default = match config.get("has_computed_default") {
            Some(Value::String(s)) => Value::String(s.clone()),
            _ => Value::string("default"),
        };
        let state = BTreeMap::from([
            ("outputs".to_string(), inputs.clone()),
            ("inputs".to_string(), inputs),
            ("has_computed_default".to_string(), default),
            ("random".to_string(), Value::String(random_id()?)),
            ("id".to_string(), Value::string("static")),
        ]);
        Ok(ReadResponse {
            new_state: Some(Value::Map(state)),
            diagnostics: Diagnostics::new(),
        })
    }
}

fn unsupported(type_name: &str) -> ProviderError {
    ProviderError::new(format!(
        "resource type {type_name} is not supported by provider null"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::PlanRequest;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn triggers(value: &str) -> Value {
        object(&[("triggers", object(&[("v", Value::string(value))]))])
    }

    #[tokio::test]
    async fn null_data_source_echoes_its_inputs() {
        let inputs = object(&[("name", Value::string("x"))]);
        let config = object(&[("inputs", inputs.clone())]);
        let read = NullProvider::new()
            .read_data(ReadDataRequest {
                type_name: "null_data_source",
                config: &config,
            })
            .await
            .unwrap();
        let state = read.new_state.unwrap();
        let state = state.as_map().unwrap();
        assert_eq!(state["outputs"], inputs);
        assert_eq!(state["has_computed_default"], Value::string("default"));
        assert_eq!(state["id"], Value::string("static"));
    }

    async fn create(provider: &NullProvider, config: &Value) -> Value {
        let plan = provider.plan(PlanRequest {
            type_name: "null_resource",
            prior: None,
            config,
            prior_private: None,
        });
        assert!(plan.planned.get_attr("id").unwrap().is_unknown());
        provider
            .apply(ApplyRequest {
                type_name: "null_resource",
                prior: None,
                planned: Some(&plan.planned),
                config: Some(config),
                planned_private: None,
                operation_id: "op",
                progress: None,
            })
            .await
            .unwrap()
            .new_state
            .unwrap()
    }

    #[tokio::test]
    async fn create_gives_a_decimal_id_and_changed_triggers_replace() {
        let provider = NullProvider::new();
        let config = triggers("1");
        let state = create(&provider, &config).await;
        let id = state.get_attr("id").and_then(Value::as_str).unwrap();
        assert!(!id.is_empty() && id.chars().all(|c| c.is_ascii_digit()));

        let same = provider.plan(PlanRequest {
            type_name: "null_resource",
            prior: Some(&state),
            config: &config,
            prior_private: None,
        });
        assert!(same.requires_replace.is_empty());
        assert_eq!(same.planned, state);

        let changed = triggers("2");
        let replace = provider.plan(PlanRequest {
            type_name: "null_resource",
            prior: Some(&state),
            config: &changed,
            prior_private: None,
        });
        assert_eq!(replace.requires_replace, vec!["triggers".to_string()]);
        assert!(replace.planned.get_attr("id").unwrap().is_unknown());
    }

    #[tokio::test]
    async fn no_triggers_and_empty_triggers_are_the_same() {
        let provider = NullProvider::new();
        let state = create(&provider, &object(&[])).await;
        let plan = provider.plan(PlanRequest {
            type_name: "null_resource",
            prior: Some(&state),
            config: &object(&[("triggers", object(&[]))]),
            prior_private: None,
        });
        assert!(plan.requires_replace.is_empty());
    }

    #[tokio::test]
    async fn delete_and_read() {
        let provider = NullProvider::new();
        let state = create(&provider, &triggers("x")).await;
        let read = provider
            .read(ReadRequest {
                type_name: "null_resource",
                current: &state,
                private: None,
            })
            .await
            .unwrap();
        assert_eq!(read.new_state.as_ref(), Some(&state));
        let deleted = provider
            .apply(ApplyRequest {
                type_name: "null_resource",
                prior: Some(&state),
                planned: None,
                config: None,
                planned_private: None,
                operation_id: "op",
                progress: None,
            })
            .await
            .unwrap();
        assert!(deleted.new_state.is_none());
    }
}
