//! The built-in `terraform` provider: `terraform_data`, which stores a value
//! (`input`, echoed as `output`) and is replaced when `triggers_replace`
//! changes.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostics;
use crate::provider::{
    plan_by_schema, values_equal, ApplyRequest, ApplyResponse, AttrType, AttributeSchema,
    PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema, ReadRequest, ReadResponse,
    Schema,
};
use crate::value::Value;

use super::support::{ensure_known, resolve_planned, uuid_v4};

pub struct TerraformProvider {
    schema: ProviderSchema,
}

impl TerraformProvider {
    pub fn new() -> TerraformProvider {
        let terraform_data = Schema::new(
            "Stores a value in state and follows the lifecycle of other resources; \
             replaced when `triggers_replace` changes.",
        )
        .attr(
            AttributeSchema::optional("input", AttrType::Any)
                .describe("A value to store; it is copied to `output` on apply."),
        )
        .attr(
            AttributeSchema::optional("triggers_replace", AttrType::Any)
                .force_new()
                .describe("A value whose change replaces the resource."),
        )
        .attr(
            AttributeSchema::computed("output", AttrType::Any)
                .describe("The value of `input` as of the last apply."),
        )
        .attr(
            AttributeSchema::computed("id", AttrType::String)
                .describe("A UUID chosen at creation."),
        );
        let mut schema = ProviderSchema::default();
        schema.resources.insert("terraform_data", terraform_data);
        TerraformProvider { schema }
    }

    fn resource_schema(&self, type_name: &str) -> Result<&Schema, ProviderError> {
        self.schema.resources.get(type_name).ok_or_else(|| {
            ProviderError::new(format!(
                "resource type {type_name} is not supported by provider terraform"
            ))
        })
    }
}

impl Default for TerraformProvider {
    fn default() -> TerraformProvider {
        TerraformProvider::new()
    }
}

/// What `output` is planned to be for a new or changed `input`: unknown until
/// apply copies it (as Terraform plans it), except that a null input gives a
/// null output. A sensitive input makes the output sensitive too, so that the
/// copy never shows what the original hides.
fn planned_output(input: &Value) -> Value {
    if input.is_null() {
        Value::Null
    } else {
        Value::Unknown.mark_if(input.contains_sensitive())
    }
}

#[async_trait::async_trait]
impl Provider for TerraformProvider {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        let schema = match self.resource_schema(request.type_name) {
            Ok(schema) => schema,
            Err(_) => return plan_by_schema(&Schema::default(), request.prior, request.config),
        };
        let mut response = plan_by_schema(schema, request.prior, request.config);
        let Value::Map(planned) = &mut response.planned else {
            return response;
        };
        let input = planned.get("input").unwrap_or(&Value::Null);
        let output = match request.prior {
            None => Some(planned_output(input)),
            // plan_by_schema already made `id` unknown for the new object.
            Some(_) if !response.requires_replace.is_empty() => Some(planned_output(input)),
            Some(prior) => {
                let prior_input = prior.get_attr("input").unwrap_or(&Value::Null);
                // An in-place update: only the echo of the input changes.
                (!values_equal(prior_input, input)).then(|| planned_output(input))
            }
        };
        if let Some(output) = output {
            planned.insert("output".to_string(), output);
        }
        response
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let Some(planned) = request.planned else {
            // The data lives only in state, so deleting it is forgetting it.
            return Ok(ApplyResponse {
                new_state: None,
                private: None,
                diagnostics: Diagnostics::new(),
            });
        };
        let schema = self.resource_schema(request.type_name)?;
        let resolved = resolve_planned(schema, planned, request.config);
        let mut state: BTreeMap<String, Value> = resolved.as_map().cloned().unwrap_or_default();
        let input = state.get("input").cloned().unwrap_or(Value::Null);
        state.insert("input".to_string(), input.clone());
        state.insert("output".to_string(), input);
        state
            .entry("triggers_replace".to_string())
            .or_insert(Value::Null);
        let id_known = state
            .get("id")
            .is_some_and(|v| v.is_wholly_known() && !v.is_null());
        if !id_known {
            state.insert("id".to_string(), Value::String(uuid_v4()?));
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn plan(provider: &TerraformProvider, prior: Option<&Value>, config: &Value) -> PlanResponse {
        provider.plan(PlanRequest {
            type_name: "terraform_data",
            prior,
            config,
            prior_private: None,
        })
    }

    async fn apply(
        provider: &TerraformProvider,
        prior: Option<&Value>,
        planned: &Value,
        config: &Value,
    ) -> Value {
        provider
            .apply(ApplyRequest {
                type_name: "terraform_data",
                prior,
                planned: Some(planned),
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
    async fn create_plans_unknown_output_and_apply_copies_input() {
        let provider = TerraformProvider::new();
        let config = object(&[("input", Value::string("a"))]);
        let planned = plan(&provider, None, &config).planned;
        assert!(planned.get_attr("output").unwrap().is_unknown());
        assert!(planned.get_attr("id").unwrap().is_unknown());
        let state = apply(&provider, None, &planned, &config).await;
        assert_eq!(state.get_attr("output"), Some(&Value::string("a")));
        assert_eq!(
            state.get_attr("id").and_then(Value::as_str).unwrap().len(),
            36
        );
        assert!(state.is_wholly_known());
    }

    #[tokio::test]
    async fn null_input_plans_null_output() {
        let provider = TerraformProvider::new();
        let planned = plan(&provider, None, &object(&[])).planned;
        assert_eq!(planned.get_attr("output"), Some(&Value::Null));
    }

    #[tokio::test]
    async fn changed_input_is_an_update_with_unknown_output() {
        let provider = TerraformProvider::new();
        let first = object(&[("input", Value::string("a"))]);
        let planned = plan(&provider, None, &first).planned;
        let state = apply(&provider, None, &planned, &first).await;

        let unchanged = plan(&provider, Some(&state), &first);
        assert!(unchanged.requires_replace.is_empty());
        assert_eq!(unchanged.planned, state);

        let second = object(&[("input", Value::string("b"))]);
        let update = plan(&provider, Some(&state), &second);
        assert!(update.requires_replace.is_empty());
        assert!(update.planned.get_attr("output").unwrap().is_unknown());
        assert_eq!(update.planned.get_attr("id"), state.get_attr("id"));

        let updated = apply(&provider, Some(&state), &update.planned, &second).await;
        assert_eq!(updated.get_attr("output"), Some(&Value::string("b")));
        assert_eq!(updated.get_attr("id"), state.get_attr("id"));
    }

    #[tokio::test]
    async fn changed_triggers_replace_the_resource() {
        let provider = TerraformProvider::new();
        let first = object(&[
            ("input", Value::string("a")),
            ("triggers_replace", Value::List(vec![Value::number(1.0)])),
        ]);
        let planned = plan(&provider, None, &first).planned;
        let state = apply(&provider, None, &planned, &first).await;

        let second = object(&[
            ("input", Value::string("a")),
            ("triggers_replace", Value::List(vec![Value::number(2.0)])),
        ]);
        let replace = plan(&provider, Some(&state), &second);
        assert_eq!(
            replace.requires_replace,
            vec!["triggers_replace".to_string()]
        );
        assert!(replace.planned.get_attr("id").unwrap().is_unknown());
        assert!(replace.planned.get_attr("output").unwrap().is_unknown());

        let replaced = apply(&provider, None, &replace.planned, &second).await;
        assert_ne!(replaced.get_attr("id"), state.get_attr("id"));
        assert_eq!(replaced.get_attr("output"), Some(&Value::string("a")));
    }

    #[tokio::test]
    async fn input_unknown_at_plan_is_taken_from_config_at_apply() {
        let provider = TerraformProvider::new();
        let at_plan = object(&[("input", Value::Unknown)]);
        let planned = plan(&provider, None, &at_plan).planned;
        assert!(planned.get_attr("output").unwrap().is_unknown());
        let at_apply = object(&[("input", Value::number(7.0))]);
        let state = apply(&provider, None, &planned, &at_apply).await;
        assert_eq!(state.get_attr("output"), Some(&Value::number(7.0)));
    }

    #[tokio::test]
    async fn sensitive_input_gives_sensitive_output() {
        let provider = TerraformProvider::new();
        let config = object(&[("input", Value::string("secret").mark_if(true))]);
        let planned = plan(&provider, None, &config).planned;
        assert!(planned.get_attr("output").unwrap().is_sensitive());
        let state = apply(&provider, None, &planned, &config).await;
        assert!(state.get_attr("output").unwrap().is_sensitive());
    }

    #[tokio::test]
    async fn apply_fails_rather_than_leaving_unknowns() {
        let provider = TerraformProvider::new();
        let config = object(&[("input", Value::Unknown)]);
        let planned = plan(&provider, None, &config).planned;
        let result = provider
            .apply(ApplyRequest {
                type_name: "terraform_data",
                prior: None,
                planned: Some(&planned),
                config: Some(&config),
                planned_private: None,
                operation_id: "op",
                progress: None,
            })
            .await;
        assert!(result.is_err());
    }
}
