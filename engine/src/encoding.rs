//! Conversions between in-memory values (with unknowns and sensitive marks)
//! and their persisted form: plain JSON plus the paths that were unknown or
//! sensitive. State and plan files use this form so that the marks survive
//! a round trip without inventing a JSON dialect.

use std::collections::BTreeMap;

use state::{AttrPath, PathStep};

use crate::value::{number_to_json, Value};

/// A value split into JSON and the paths of its unknown and sensitive parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Encoded {
    pub json: serde_json::Value,
    pub unknown: Vec<AttrPath>,
    pub sensitive: Vec<AttrPath>,
}

pub fn encode(value: &Value) -> Encoded {
    let mut out = Encoded::default();
    let mut path = Vec::new();
    out.json = encode_at(value, &mut path, &mut out.unknown, &mut out.sensitive);
    out
}

fn encode_at(
    value: &Value,
    path: &mut AttrPath,
    unknown: &mut Vec<AttrPath>,
    sensitive: &mut Vec<AttrPath>,
) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => number_to_json(n),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Unknown => {
            unknown.push(path.clone());
            serde_json::Value::Null
        }
        Value::Sensitive(inner) => {
            sensitive.push(path.clone());
            encode_at(inner, path, unknown, sensitive)
        }
        Value::List(items) | Value::Set(items) => serde_json::Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    path.push(PathStep::Index(i));
                    let json = encode_at(item, path, unknown, sensitive);
                    path.pop();
                    json
                })
                .collect(),
        ),
        Value::Map(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, item)| {
                    path.push(PathStep::Key(k.clone()));
                    let json = encode_at(item, path, unknown, sensitive);
                    path.pop();
                    (k.clone(), json)
                })
                .collect(),
        ),
    }
}

/// Rebuilds a value from JSON, putting unknowns and sensitive marks back.
pub fn decode(json: &serde_json::Value, unknown: &[AttrPath], sensitive: &[AttrPath]) -> Value {
    let mut value = Value::from_json(json);
    for path in unknown {
        replace_at(&mut value, path, &|_| Value::Unknown);
    }
    for path in sensitive {
        replace_at(&mut value, path, &|v| v.mark_if(true));
    }
    value
}

fn replace_at(value: &mut Value, path: &[PathStep], f: &dyn Fn(Value) -> Value) {
    match path.split_first() {
        None => {
            let old = std::mem::replace(value, Value::Null);
            *value = f(old);
        }
        Some((step, rest)) => {
            let target = match (value, step) {
                (Value::Map(map), PathStep::Key(k)) => map.get_mut(k),
                (Value::List(items) | Value::Set(items), PathStep::Index(i)) => items.get_mut(*i),
                (Value::Sensitive(inner), _) => {
                    replace_at(inner, path, f);
                    return;
                }
                _ => None,
            };
            if let Some(target) = target {
                replace_at(target, rest, f);
            }
        }
    }
}

/// Decodes a state resource's attributes into a value with sensitive marks.
pub fn from_state(resource: &state::ResourceState) -> Value {
    decode(&resource.attributes, &[], &resource.sensitive_paths)
}

/// An object's attribute map, for building values in tests and providers.
pub fn object(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_sensitive_survive_a_round_trip() {
        let value = object([
            ("id", Value::Unknown),
            ("password", Value::string("pw").mark_if(true)),
            ("tags", object([("a", Value::string("b"))])),
        ]);
        let encoded = encode(&value);
        assert_eq!(encoded.unknown, vec![vec![PathStep::Key("id".into())]]);
        assert_eq!(
            encoded.sensitive,
            vec![vec![PathStep::Key("password".into())]]
        );
        assert_eq!(
            decode(&encoded.json, &encoded.unknown, &encoded.sensitive),
            value
        );
    }
}
