//! Reading attributes out of configuration values and building state
//! values, shared by every AWS resource.

use std::collections::BTreeMap;
use std::time::Duration;

use engine::provider::{
    values_equal, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, ProviderError,
    Schema,
};
use engine::value::Value;

/// An environment variable, unset and empty alike meaning "not given", as
/// the AWS SDKs read their variables.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn str_attr(value: &Value, name: &str) -> Option<String> {
    value
        .get_attr(name)
        .and_then(|v| v.peel().as_str())
        .map(str::to_string)
}

pub fn number_attr(value: &Value, name: &str) -> Option<f64> {
    value.get_attr(name).and_then(|v| v.peel().as_number())
}

pub fn bool_attr(value: &Value, name: &str) -> Option<bool> {
    value.get_attr(name).and_then(|v| v.peel().as_bool())
}

/// A list or set of strings.
pub fn strings_attr(value: &Value, name: &str) -> Vec<String> {
    value
        .get_attr(name)
        .and_then(|v| {
            v.peel().as_list().map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.peel().as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// A map of strings (tags, settings).
pub fn string_map_attr(value: &Value, name: &str) -> BTreeMap<String, String> {
    value
        .get_attr(name)
        .and_then(|v| v.peel().as_map().cloned())
        .map(|m| {
            m.into_iter()
                .filter_map(|(k, v)| match v.peel() {
                    Value::String(s) => Some((k, s.clone())),
                    Value::Number(n) => Some((k, engine::value::format_number(n))),
                    Value::Bool(b) => Some((k, b.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The objects of a nested block with list or set nesting.
pub fn blocks_attr(value: &Value, name: &str) -> Vec<Value> {
    value
        .get_attr(name)
        .and_then(|v| v.peel().as_list().map(<[Value]>::to_vec))
        .unwrap_or_default()
}

/// Requires a string attribute, with an error naming it.
pub fn required_str(value: &Value, name: &str) -> Result<String, ProviderError> {
    str_attr(value, name)
        .ok_or_else(|| ProviderError::new(format!("the argument \"{name}\" is required")))
}

pub fn string(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

pub fn opt_string(s: Option<impl Into<String>>) -> Value {
    s.map(|s| Value::String(s.into())).unwrap_or(Value::Null)
}

pub fn string_list(items: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
}

pub fn string_set(items: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::set_from(items.into_iter().map(|s| Value::String(s.into())).collect())
}

pub fn string_map(map: BTreeMap<String, String>) -> Value {
    Value::Map(
        map.into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// Builds an object from attribute pairs.
pub fn object(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Copies the user's arguments from the planned value into the state being
/// built, for the attributes the API does not echo back.
pub fn merge_missing(mut state: Value, planned: &Value) -> Value {
    if let (Value::Map(state_map), Some(planned_map)) = (&mut state, planned.as_map()) {
        for (k, v) in planned_map {
            let missing = state_map
                .get(k)
                .is_none_or(|s| s.is_null() || s.is_unknown());
            if missing && !v.is_unknown() {
                state_map.insert(k.clone(), v.clone());
            }
        }
    }
    state
}

/// The `tags` argument every taggable resource has.
pub fn tags_attribute() -> AttributeSchema {
    AttributeSchema::optional("tags", AttrType::map_of(AttrType::String))
        .describe("Tags to assign to the resource.")
}

/// The `timeouts { create = "40m" … }` block of resources that take time.
pub fn timeouts_block() -> BlockSchema {
    BlockSchema {
        name: "timeouts",
        nesting: Nesting::Single,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        schema: Schema::new("How long to wait for the resource to become ready.")
            .attr(
                AttributeSchema::optional("create", AttrType::String)
                    .describe("How long a create may take, e.g. \"40m\"."),
            )
            .attr(
                AttributeSchema::optional("update", AttrType::String)
                    .describe("How long an update may take."),
            )
            .attr(
                AttributeSchema::optional("delete", AttrType::String)
                    .describe("How long a delete may take."),
            ),
    }
}

/// The timeout for an operation from the `timeouts` block, or a default.
pub fn timeout(config: &Value, operation: &str, default: Duration) -> Duration {
    config
        .get_attr("timeouts")
        .and_then(|t| str_attr(t, operation))
        .and_then(|text| engine::builtin::time::parse_duration(&text).ok())
        .unwrap_or(default)
}

/// The planned value of a create or update.
pub fn planned<'a>(request: &'a ApplyRequest<'_>) -> Result<&'a Value, ProviderError> {
    request.planned.ok_or_else(|| {
        ProviderError::new("internal error: no planned value for a create or update")
    })
}

/// The prior state of an update or delete.
pub fn prior<'a>(request: &'a ApplyRequest<'_>) -> Result<&'a Value, ProviderError> {
    request
        .prior
        .ok_or_else(|| ProviderError::new("internal error: no prior state for an update or delete"))
}

/// Whether an attribute differs between prior state and plan.
pub fn changed(prior: &Value, planned: &Value, name: &str) -> bool {
    !values_equal(
        prior.get_attr(name).unwrap_or(&Value::Null),
        planned.get_attr(name).unwrap_or(&Value::Null),
    )
}

/// The state of an object that a create made before a later step of it
/// failed: what is known (at least what its read needs, such as the id)
/// over the planned arguments. The engine keeps it, tainted, and the next
/// refresh fills in the rest.
pub fn partial_state(
    planned: &Value,
    known: impl IntoIterator<Item = (&'static str, Value)>,
) -> Value {
    merge_missing(object(known), planned)
}

/// Attaches the state of an object already created to the error of a later
/// step of its create, so that the object is never forgotten.
pub trait KeepCreated<T> {
    fn keep_created(self, state: &Value) -> Result<T, ProviderError>;
}

impl<T, E: Into<ProviderError>> KeepCreated<T> for Result<T, E> {
    fn keep_created(self, state: &Value) -> Result<T, ProviderError> {
        self.map_err(|e| {
            let e = e.into();
            if e.partial_state.is_some() {
                e
            } else {
                e.with_partial_state(state.clone())
            }
        })
    }
}
