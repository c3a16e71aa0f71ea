//! Drives one AWS resource type through the engine's `Provider` trait the
//! way a plan and an apply do (plan → decide the action → apply), so that
//! the tests of each service check the resource lifecycle end to end:
//! create, refresh without changes, in-place update, replacement, import
//! and destroy.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use engine::provider::{
    values_equal, ApplyRequest, AttrType, ConfigureRequest, FindCreatedRequest, ImportRequest,
    Nesting, PlanRequest, Provider, ProviderError, ReadRequest, Schema,
};
use engine::value::Value;
use providers::aws::AwsProvider;

use crate::common::Emulator;

/// What the engine would do with a planned change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NoOp,
    Update,
    Replace,
}

/// A configured AWS provider pointed at the emulator, plus the progress
/// messages it reported.
pub struct Harness {
    pub provider: AwsProvider,
    pub progress: Arc<Mutex<Vec<String>>>,
    operations: AtomicU64,
}

impl Harness {
    pub async fn new(emulator: &Emulator) -> Harness {
        let provider = AwsProvider::new();
        let endpoints: Vec<(String, serde_json::Value)> = providers::aws::SERVICES
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    serde_json::Value::String(emulator.endpoint()),
                )
            })
            .collect();
        let config = serde_json::json!({
            "region": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "max_retries": 0,
            "poll_interval": "100ms",
            "endpoints": serde_json::Map::from_iter(endpoints),
        });
        provider
            .configure(ConfigureRequest {
                config: Value::from_json(&config),
            })
            .await
            .unwrap_or_else(|d| panic!("configuring the aws provider failed: {d}"));
        Harness {
            provider,
            progress: Arc::new(Mutex::new(Vec::new())),
            operations: AtomicU64::new(0),
        }
    }

    pub fn schema(&self, type_name: &str) -> Schema {
        self.provider
            .schema()
            .resources
            .get(type_name)
            .cloned()
            .unwrap_or_else(|| panic!("the aws provider has no {type_name}"))
    }

    /// Turns JSON into the value the engine would evaluate from HCL: sets
    /// where the schema says set, nested blocks as objects, lists or sets.
    pub fn config(&self, type_name: &str, json: serde_json::Value) -> Value {
        conform(&self.schema(type_name), &Value::from_json(&json))
    }

    /// Plans `config` against `prior` and says what the engine would do.
    pub fn plan(&self, type_name: &str, prior: Option<&Value>, config: &Value) -> (Action, Value) {
        let response = self.provider.plan(PlanRequest {
            type_name,
            prior,
            config,
            prior_private: None,
        });
        assert!(
            !response.diagnostics.has_errors(),
            "planning {type_name} failed: {}",
            response.diagnostics
        );
        match prior {
            None => (Action::Replace, response.planned),
            Some(prior) if !response.requires_replace.is_empty() => {
                let fresh = self.provider.plan(PlanRequest {
                    type_name,
                    prior: None,
                    config,
                    prior_private: None,
                });
                let _ = prior;
                (Action::Replace, fresh.planned)
            }
            Some(prior)
                if values_equal(&response.planned, prior) && response.planned.is_wholly_known() =>
            {
                (Action::NoOp, prior.clone())
            }
            Some(_) => (Action::Update, response.planned),
        }
    }

    /// A fresh operation id, unique in the emulator's life (which is the
    /// test process's), shaped like the engine's.
    pub fn operation_id(&self, type_name: &str) -> String {
        let operation = self.operations.fetch_add(1, Ordering::SeqCst);
        format!("test-{type_name}-{operation}-{}", std::process::id())
    }

    async fn apply(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        planned: Option<&Value>,
        config: Option<&Value>,
    ) -> Option<Value> {
        let operation_id = self.operation_id(type_name);
        self.try_apply(type_name, prior, planned, config, &operation_id)
            .await
            .unwrap_or_else(|e| panic!("applying {type_name} failed: {e}"))
    }

    /// Applies with a given operation id, returning the provider's error.
    pub async fn try_apply(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        planned: Option<&Value>,
        config: Option<&Value>,
        operation_id: &str,
    ) -> Result<Option<Value>, ProviderError> {
        let progress = Arc::clone(&self.progress);
        let response = self
            .provider
            .apply(ApplyRequest {
                type_name,
                prior,
                planned,
                config,
                planned_private: None,
                operation_id,
                progress: Some(Arc::new(move |message: &str| {
                    if let Ok(mut seen) = progress.lock() {
                        seen.push(message.to_string());
                    }
                })),
            })
            .await?;
        Ok(response.new_state)
    }

    /// Plans and applies a create with a given operation id; returns the
    /// planned value (what the engine records with the intent) and the
    /// provider's answer.
    pub async fn try_create(
        &self,
        type_name: &str,
        config: &Value,
        operation_id: &str,
    ) -> (Value, Result<Option<Value>, ProviderError>) {
        let (_, planned) = self.plan(type_name, None, config);
        let result = self
            .try_apply(type_name, None, Some(&planned), Some(config), operation_id)
            .await;
        (planned, result)
    }

    /// Asks the provider for the object a create with `operation_id` made.
    pub async fn find_created(
        &self,
        type_name: &str,
        operation_id: &str,
        planned: &Value,
    ) -> Option<Value> {
        self.provider
            .find_created(FindCreatedRequest {
                type_name,
                operation_id,
                planned,
                private: None,
            })
            .await
            .unwrap_or_else(|e| panic!("find_created for {type_name} failed: {e}"))
            .new_state
    }

    /// Creates `config` with a known operation id and checks that
    /// `find_created` finds the same object by that id, and nothing by
    /// another one (the object carries its intent, not just a name).
    /// Returns the created state.
    pub async fn create_and_find(&self, type_name: &str, config: &Value) -> Value {
        let operation_id = self.operation_id(type_name);
        let (planned, result) = self.try_create(type_name, config, &operation_id).await;
        let state = result
            .unwrap_or_else(|e| panic!("creating {type_name} failed: {e}"))
            .unwrap_or_else(|| panic!("creating {type_name} returned no state"));
        let found = self
            .find_created(type_name, &operation_id, &planned)
            .await
            .unwrap_or_else(|| panic!("find_created did not find the {type_name} just made"));
        assert_eq!(attr(&found, "id"), attr(&state, "id"), "{type_name}");
        let other = self.operation_id(type_name);
        let stranger = self.find_created(type_name, &other, &planned).await;
        assert!(
            stranger.is_none(),
            "find_created for {type_name} found an object of another operation: {stranger:?}"
        );
        state
    }

    /// Plans and applies a create; returns the new state.
    pub async fn create(&self, type_name: &str, config: &Value) -> Value {
        let (_, planned) = self.plan(type_name, None, config);
        self.apply(type_name, None, Some(&planned), Some(config))
            .await
            .unwrap_or_else(|| panic!("creating {type_name} returned no state"))
    }

    /// Plans `config` against `prior`, checks the action is `expected`, and
    /// applies it (an update in place, or a delete then a create).
    pub async fn change(
        &self,
        type_name: &str,
        prior: &Value,
        config: &Value,
        expected: Action,
    ) -> Value {
        let (action, planned) = self.plan(type_name, Some(prior), config);
        assert_eq!(
            action, expected,
            "planned {type_name} change:\nprior {prior:?}\nplanned {planned:?}"
        );
        match action {
            Action::NoOp => prior.clone(),
            Action::Update => self
                .apply(type_name, Some(prior), Some(&planned), Some(config))
                .await
                .unwrap_or_else(|| panic!("updating {type_name} returned no state")),
            Action::Replace => {
                self.destroy(type_name, prior).await;
                self.apply(type_name, None, Some(&planned), Some(config))
                    .await
                    .unwrap_or_else(|| panic!("re-creating {type_name} returned no state"))
            }
        }
    }

    /// Refreshes one resource; `None` when it is gone.
    pub async fn read(&self, type_name: &str, current: &Value) -> Option<Value> {
        self.provider
            .read(ReadRequest {
                type_name,
                current,
                private: None,
            })
            .await
            .unwrap_or_else(|e| panic!("reading {type_name} failed: {e}"))
            .new_state
    }

    /// Refreshes, then checks that planning the same configuration again is
    /// a no-op. Returns the refreshed state.
    pub async fn assert_no_changes(&self, type_name: &str, state: &Value, config: &Value) -> Value {
        let refreshed = self
            .read(type_name, state)
            .await
            .unwrap_or_else(|| panic!("{type_name} vanished on refresh"));
        let (action, planned) = self.plan(type_name, Some(&refreshed), config);
        assert_eq!(
            action,
            Action::NoOp,
            "refreshing {type_name} shows a change:\nrefreshed {refreshed:?}\nplanned   {planned:?}"
        );
        refreshed
    }

    pub async fn import(&self, type_name: &str, id: &str) -> Option<Value> {
        self.provider
            .import(ImportRequest { type_name, id })
            .await
            .unwrap_or_else(|e| panic!("importing {type_name} {id} failed: {e}"))
            .new_state
    }

    pub async fn destroy(&self, type_name: &str, state: &Value) {
        let gone = self.apply(type_name, Some(state), None, None).await;
        assert!(gone.is_none(), "a delete returned a state");
    }

    pub fn api_calls(&self) -> std::collections::BTreeMap<String, u64> {
        self.provider.api_calls()
    }
}

/// Converts a value to the shapes the schema declares.
pub fn conform(schema: &Schema, value: &Value) -> Value {
    let Some(map) = value.as_map() else {
        return value.clone();
    };
    let mut out = map.clone();
    for attribute in &schema.attributes {
        if let (Some(v), AttrType::Set(_)) = (map.get(attribute.name), &attribute.ty) {
            if let Some(items) = v.as_list() {
                out.insert(attribute.name.to_string(), Value::set_from(items.to_vec()));
            }
        }
    }
    for block in &schema.blocks {
        let items: Vec<Value> = match map.get(block.name) {
            None => Vec::new(),
            Some(Value::List(items)) => items.iter().map(|i| conform(&block.schema, i)).collect(),
            Some(other) => vec![conform(&block.schema, other)],
        };
        let value = match block.nesting {
            Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
            Nesting::List => Value::List(items),
            Nesting::Set => Value::set_from(items),
        };
        out.insert(block.name.to_string(), value);
    }
    Value::Map(out)
}

/// A string attribute of a state, or a panic naming it.
pub fn attr(state: &Value, name: &str) -> String {
    state
        .get_attr(name)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no string attribute {name} in {state:?}"))
        .to_string()
}
