//! Values produced by evaluating template expressions.
//!
//! `hcl::Value` cannot say "known after apply" and carries no sensitivity, so
//! the engine has its own value type. Two ideas shape it:
//!
//! - `Unknown` is a value whose content only the provider will know after
//!   apply. Any operation on it gives `Unknown` again (the evaluator handles
//!   the documented exceptions: short-circuiting logic, conditionals with a
//!   known condition, `length` of a known-length collection).
//! - `Sensitive(inner)` is a *mark* around another value. Operations look
//!   through the mark and put it back on their result, so a secret stays
//!   secret through string templates, functions and outputs.

use std::collections::BTreeMap;
use std::fmt;

pub use crate::number::Number;

/// A value of the template language.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Numbers have Terraform's precision (see [`Number`]).
    Number(Number),
    String(String),
    /// Lists and tuples.
    List(Vec<Value>),
    /// Sets are kept sorted and free of duplicates (see [`Value::set_from`]).
    Set(Vec<Value>),
    /// Maps and objects; keys are kept in sorted order, as Terraform does.
    Map(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown,
    /// A value marked sensitive; never rendered in clear text.
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// Builds a set: sorts by the canonical JSON-ish rendering and removes duplicates.
    pub fn set_from(items: Vec<Value>) -> Value {
        let mut items = items;
        items.sort_by(Value::total_cmp);
        // Two unknown elements may turn out to be different values, so only
        // wholly known duplicates are merged; the set's size is settled at apply.
        items.dedup_by(|a, b| a == b && a.is_wholly_known());
        Value::Set(items)
    }

    /// Wraps `self` in a sensitive mark when `sensitive` is true (never double-wraps).
    pub fn mark_if(self, sensitive: bool) -> Value {
        if sensitive && !matches!(self, Value::Sensitive(_)) {
            Value::Sensitive(Box::new(self))
        } else {
            self
        }
    }

    /// Removes a top-level sensitive mark, saying whether there was one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.unmark().0, true),
            other => (other, false),
        }
    }

    /// Borrows through a top-level sensitive mark.
    pub fn peel(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner.peel(),
            other => other,
        }
    }

    /// True when the value is marked sensitive at the top level.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True when the value or anything inside it is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) | Value::Set(items) => items.iter().any(Value::contains_sensitive),
            Value::Map(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// Removes every sensitive mark, at any depth.
    pub fn unmark_deep(self) -> Value {
        match self {
            Value::Sensitive(inner) => inner.unmark_deep(),
            Value::List(items) => Value::List(items.into_iter().map(Value::unmark_deep).collect()),
            Value::Set(items) => Value::Set(items.into_iter().map(Value::unmark_deep).collect()),
            Value::Map(map) => {
                Value::Map(map.into_iter().map(|(k, v)| (k, v.unmark_deep())).collect())
            }
            other => other,
        }
    }

    /// True when the value is `Unknown` at the top level (looking through marks).
    pub fn is_unknown(&self) -> bool {
        matches!(self.peel(), Value::Unknown)
    }

    /// True when the value is wholly known, at any depth.
    pub fn is_wholly_known(&self) -> bool {
        match self.peel() {
            Value::Unknown => false,
            Value::List(items) | Value::Set(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(map) => map.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.peel(), Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.peel() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.peel() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as the nearest `f64` (for code that needs a machine number).
    pub fn as_number(&self) -> Option<f64> {
        self.as_num().map(Number::to_f64)
    }

    /// The number, exactly.
    pub fn as_num(&self) -> Option<&Number> {
        match self.peel() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as an index or count: whole and not negative.
    pub fn as_usize(&self) -> Option<usize> {
        self.as_num()
            .and_then(Number::to_i64)
            .and_then(|n| usize::try_from(n).ok())
    }

    /// Elements of a list, tuple or set.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self.peel() {
            Value::List(items) | Value::Set(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.peel() {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// Looks up an attribute of a map/object value.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(name))
    }

    /// The name of the value's type, as Terraform words it in diagnostics.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "tuple",
            Value::Set(_) => "set",
            Value::Map(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(inner) => inner.type_name(),
        }
    }

    /// A total order used for sets and deterministic output.
    pub fn total_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null => 0,
                Value::Bool(_) => 1,
                Value::Number(_) => 2,
                Value::String(_) => 3,
                Value::List(_) => 4,
                Value::Set(_) => 5,
                Value::Map(_) => 6,
                Value::Unknown => 7,
                Value::Sensitive(_) => 8,
            }
        }
        use std::cmp::Ordering;
        match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            (Value::Number(x), Value::Number(y)) => x.cmp_value(y),
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => {
                for (l, r) in x.iter().zip(y) {
                    let ord = Value::total_cmp(l, r);
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                x.len().cmp(&y.len())
            }
            (Value::Map(x), Value::Map(y)) => {
                for ((lk, lv), (rk, rv)) in x.iter().zip(y) {
                    let ord = lk.cmp(rk).then_with(|| Value::total_cmp(lv, rv));
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                x.len().cmp(&y.len())
            }
            (Value::Sensitive(x), Value::Sensitive(y)) => Value::total_cmp(x, y),
            _ => rank(a).cmp(&rank(b)),
        }
    }

    /// Converts a JSON value (from state or `jsondecode`) into a value.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(number_from_json(n)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to JSON. Unknown becomes null and sensitive marks are dropped:
    /// callers that persist values must handle both before calling this.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) | Value::Set(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
            Value::Sensitive(inner) => inner.to_json(),
        }
    }
}

/// A number in JSON as Terraform writes it (`Number`'s text, so every
/// digit survives: serde_json keeps number texts, `arbitrary_precision`).
/// JSON has no infinity; it becomes null.
pub fn number_to_json(n: &Number) -> serde_json::Value {
    if n.is_infinite() {
        return serde_json::Value::Null;
    }
    n.to_string()
        .parse::<serde_json::Number>()
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// A JSON number at 512 bits, as cty reads JSON.
pub fn number_from_json(n: &serde_json::Number) -> Number {
    Number::parse(n.as_str()).unwrap_or_else(Number::zero)
}

/// Formats a number the way Terraform prints it.
pub fn format_number(n: &Number) -> String {
    n.to_string()
}

impl fmt::Display for Value {
    /// Renders in HCL literal syntax; sensitive values as `(sensitive value)`
    /// and unknown ones as `(known after apply)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{}", quote_string(s)),
            Value::List(items) | Value::Set(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            Value::Map(map) => {
                write!(f, "{{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                write!(f, "}}")
            }
            Value::Unknown => write!(f, "(known after apply)"),
            Value::Sensitive(_) => write!(f, "(sensitive value)"),
        }
    }
}

/// Quotes a string with HCL escapes.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push('$'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Number(n.into())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.into())
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let set = Value::set_from(vec!["b".into(), "a".into(), "b".into()]);
        assert_eq!(set, Value::Set(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn sensitive_values_never_display_in_clear() {
        let secret = Value::string("hunter2").mark_if(true);
        assert_eq!(secret.to_string(), "(sensitive value)");
        let map = Value::Map(BTreeMap::from([("p".to_string(), secret)]));
        assert!(!map.to_string().contains("hunter2"));
        assert!(map.contains_sensitive());
    }

    #[test]
    fn integers_round_trip_through_json_as_integers() {
        assert_eq!(Value::number(3).to_json().to_string(), "3");
        assert_eq!(Value::number(1.5).to_json().to_string(), "1.5");
        let big = Value::Number(Number::parse("9007199254740993").unwrap_or_else(Number::zero));
        assert_eq!(big.to_json().to_string(), "9007199254740993");
        assert_eq!(Value::from_json(&big.to_json()), big);
    }
}
