//! Terraform's type conversions: the `to*` functions, and the helpers that
//! every other function uses to convert its arguments the way Terraform's
//! type system would (a number passed where a string is expected becomes
//! `"5"`, a list of mixed numbers and strings becomes a list of strings).

use std::collections::BTreeMap;

use super::{Args, FunctionContext, FunctionError};
use crate::value::{format_number, Number, Value};

/// Converts a primitive to a string; collections cannot be converted.
pub(crate) fn to_string(v: &Value) -> Option<String> {
    match v.peel() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Converts a primitive to a number; strings must be decimal numbers.
pub(crate) fn to_number(v: &Value) -> Option<Number> {
    match v.peel() {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

/// Converts a primitive to a bool; only the strings "true" and "false" convert.
pub(crate) fn to_bool(v: &Value) -> Option<bool> {
    match v.peel() {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Parses a decimal number as cty does: an optional sign, digits with an
/// optional fraction and exponent, or an infinity. Hex, underscores and
/// surrounding spaces are rejected. The result has 512 bits, as cty's.
pub(crate) fn parse_number(s: &str) -> Option<Number> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if matches!(body, "Inf" | "inf") {
        return Some(Number::infinity(s.starts_with('-')));
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if mantissa_ok && exponent_ok {
        Number::parse(s)
    } else {
        None
    }
}

/// The kind of a known, non-null value, for unification.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Bool,
    Number,
    String,
    List,
    Set,
    Map,
}

fn kind(v: &Value) -> Option<Kind> {
    match v.peel() {
        Value::Bool(_) => Some(Kind::Bool),
        Value::Number(_) => Some(Kind::Number),
        Value::String(_) => Some(Kind::String),
        Value::List(_) => Some(Kind::List),
        Value::Set(_) => Some(Kind::Set),
        Value::Map(_) => Some(Kind::Map),
        Value::Null | Value::Unknown | Value::Sensitive(_) => None,
    }
}

/// Converts values to one common type, as Terraform does when it builds a
/// list, set or map from them: mixed primitives become strings, and the
/// elements of nested collections are unified in turn. `None` when there is
/// no common type (a number and a list, say). Null and unknown values fit
/// any type and pass through unchanged.
pub(crate) fn unify(items: Vec<Value>) -> Option<Vec<Value>> {
    let kinds: Vec<Kind> = items.iter().filter_map(kind).collect();
    let Some(&first) = kinds.first() else {
        return Some(items);
    };
    let all_primitive = kinds.iter().all(|k| *k <= Kind::String);
    if all_primitive {
        if kinds.iter().all(|k| *k == first) {
            return Some(items);
        }
        if !kinds.contains(&Kind::String) {
            // Terraform has no safe conversion between numbers and bools.
            return None;
        }
        return Some(
            items
                .into_iter()
                .map(|v| match to_string(&v) {
                    Some(s) if kind(&v).is_some() => Value::String(s),
                    _ => v,
                })
                .collect(),
        );
    }
    if kinds.iter().any(|k| *k != first) {
        return None;
    }
    match first {
        Kind::List | Kind::Set => {
            // Unify the elements of all the sequences together, then put
            // them back in their sequences.
            let mut lengths = Vec::with_capacity(items.len());
            let mut pool = Vec::new();
            let mut shapes = Vec::with_capacity(items.len());
            for v in items {
                match v {
                    Value::List(xs) => {
                        lengths.push(xs.len());
                        shapes.push(Some(Kind::List));
                        pool.extend(xs);
                    }
                    Value::Set(xs) => {
                        lengths.push(xs.len());
                        shapes.push(Some(Kind::Set));
                        pool.extend(xs);
                    }
                    other => {
                        lengths.push(0);
                        shapes.push(None);
                        pool.push(other);
                    }
                }
            }
            let mut pool = unify(pool)?.into_iter();
            let mut out = Vec::with_capacity(lengths.len());
            for (len, shape) in lengths.into_iter().zip(shapes) {
                match shape {
                    Some(Kind::Set) => out.push(Value::set_from(pool.by_ref().take(len).collect())),
                    Some(_) => out.push(Value::List(pool.by_ref().take(len).collect())),
                    None => out.push(pool.next().unwrap_or(Value::Null)),
                }
            }
            Some(out)
        }
        Kind::Map => unify_maps(items),
        _ => Some(items),
    }
}

/// Objects with the same attributes unify attribute by attribute; objects
/// with different attributes can only become maps, whose values unify all
/// together.
fn unify_maps(items: Vec<Value>) -> Option<Vec<Value>> {
    let key_sets: Vec<Vec<&String>> = items
        .iter()
        .filter_map(|v| v.as_map().map(|m| m.keys().collect()))
        .collect();
    let same_keys = key_sets.windows(2).all(|w| w[0] == w[1]);
    if same_keys {
        let keys: Vec<String> = key_sets
            .first()
            .map(|ks| ks.iter().map(|k| (*k).clone()).collect())
            .unwrap_or_default();
        let mut columns: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut is_map = Vec::with_capacity(items.len());
        let mut others = Vec::new();
        for v in items {
            match v {
                Value::Map(m) => {
                    is_map.push(true);
                    for (k, x) in m {
                        columns.entry(k).or_default().push(x);
                    }
                }
                other => {
                    is_map.push(false);
                    others.push(other);
                }
            }
        }
        let mut unified: BTreeMap<String, std::vec::IntoIter<Value>> = BTreeMap::new();
        for (k, col) in columns {
            unified.insert(k, unify(col)?.into_iter());
        }
        let mut others = others.into_iter();
        let out = is_map
            .into_iter()
            .map(|m| {
                if m {
                    Value::Map(
                        keys.iter()
                            .map(|k| {
                                let x = unified
                                    .get_mut(k)
                                    .and_then(Iterator::next)
                                    .unwrap_or(Value::Null);
                                (k.clone(), x)
                            })
                            .collect(),
                    )
                } else {
                    others.next().unwrap_or(Value::Null)
                }
            })
            .collect();
        return Some(out);
    }
    let mut keys_per_item = Vec::with_capacity(items.len());
    let mut pool = Vec::new();
    for v in items {
        match v {
            Value::Map(m) => {
                keys_per_item.push(Some(m.keys().cloned().collect::<Vec<_>>()));
                pool.extend(m.into_values());
            }
            other => {
                keys_per_item.push(None);
                pool.push(other);
            }
        }
    }
    let mut pool = unify(pool)?.into_iter();
    Some(
        keys_per_item
            .into_iter()
            .map(|keys| match keys {
                Some(keys) => Value::Map(keys.into_iter().zip(pool.by_ref()).collect()),
                None => pool.next().unwrap_or(Value::Null),
            })
            .collect(),
    )
}

/// Converts a list argument to `list(string)`, as `join`, `sort` and
/// `compact` declare their parameter. Nulls are kept for the caller to judge.
pub(crate) fn string_list(args: &Args, i: usize) -> Result<Vec<Option<String>>, FunctionError> {
    let v = args.get(i);
    if v.is_null() {
        return Err(args.error(i, "argument must not be null"));
    }
    let Some(items) = v.as_list() else {
        return Err(args.error(
            i,
            format!("list of string required, but have {}", v.type_name()),
        ));
    };
    items
        .iter()
        .map(|x| {
            if x.is_null() {
                Ok(None)
            } else {
                to_string(x).map(Some).ok_or_else(|| {
                    args.error(
                        i,
                        format!("list of string required, but have {}", v.type_name()),
                    )
                })
            }
        })
        .collect()
}

pub(crate) fn tostring(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let v = args.get(0);
    if v.is_null() {
        return Ok(Value::Null);
    }
    to_string(v)
        .map(Value::String)
        .ok_or_else(|| args.error(0, format!("cannot convert {} to string", v.type_name())))
}

pub(crate) fn tonumber(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    match args.get(0) {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(n.clone())),
        Value::String(s) => parse_number(s).map(Value::Number).ok_or_else(|| {
            args.error(
                0,
                format!(
                    "cannot convert {} to number; given string must be a decimal representation of a number",
                    crate::value::quote_string(s)
                ),
            )
        }),
        other => Err(args.error(0, format!("cannot convert {} to number", other.type_name()))),
    }
}

pub(crate) fn tobool(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    match args.get(0) {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) => to_bool(&Value::String(s.clone()))
            .map(Value::Bool)
            .ok_or_else(|| {
                args.error(
                    0,
                    format!(
                        "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                        crate::value::quote_string(s)
                    ),
                )
            }),
        other => Err(args.error(0, format!("cannot convert {} to bool", other.type_name()))),
    }
}

pub(crate) fn tolist(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let v = args.take(0);
    let name = v.type_name();
    let items = match v {
        Value::Null => return Ok(Value::Null),
        Value::List(items) | Value::Set(items) => items,
        _ => {
            return Err(args.error(
                0,
                format!("cannot convert {name} to list of any single type"),
            ))
        }
    };
    unify(items).map(Value::List).ok_or_else(|| {
        args.error(
            0,
            format!("cannot convert {name} to list of any single type"),
        )
    })
}

pub(crate) fn toset(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let v = args.take(0);
    let name = v.type_name();
    let items = match v {
        Value::Null => return Ok(Value::Null),
        Value::List(items) | Value::Set(items) => items,
        _ => {
            return Err(args.error(
                0,
                format!("cannot convert {name} to set of any single type"),
            ))
        }
    };
    // A set cannot hold an unknown element: it might equal another one.
    if items.iter().any(|x| !x.is_wholly_known()) {
        return Ok(Value::Unknown);
    }
    unify(items).map(Value::set_from).ok_or_else(|| {
        args.error(
            0,
            format!("cannot convert {name} to set of any single type"),
        )
    })
}

pub(crate) fn tomap(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let v = args.take(0);
    let name = v.type_name();
    let map = match v {
        Value::Null => return Ok(Value::Null),
        Value::Map(map) => map,
        _ => {
            return Err(args.error(
                0,
                format!("cannot convert {name} to map of any single type"),
            ))
        }
    };
    let (keys, values): (Vec<String>, Vec<Value>) = map.into_iter().unzip();
    unify(values)
        .map(|values| Value::Map(keys.into_iter().zip(values).collect()))
        .ok_or_else(|| {
            args.error(
                0,
                format!("cannot convert {name} to map of any single type"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, list, map, n, ok, s, strs};
    use super::*;

    #[test]
    fn tostring_converts_primitives() {
        assert_eq!(ok("tostring", vec![n(5.0)]), s("5"));
        assert_eq!(ok("tostring", vec![n(1e20)]), s("100000000000000000000"));
        assert_eq!(ok("tostring", vec![n(0.1)]), s("0.1"));
        assert_eq!(ok("tostring", vec![Value::Bool(true)]), s("true"));
        assert_eq!(ok("tostring", vec![Value::Null]), Value::Null);
        assert_eq!(
            err("tostring", vec![list(vec![n(1.0)])]),
            "Invalid value for \"v\" parameter: cannot convert tuple to string."
        );
    }

    #[test]
    fn tonumber_parses_decimal_strings_only() {
        assert_eq!(ok("tonumber", vec![s("3.5")]), n(3.5));
        assert_eq!(ok("tonumber", vec![s("1e3")]), n(1000.0));
        assert_eq!(ok("tonumber", vec![s("+1")]), n(1.0));
        assert_eq!(ok("tonumber", vec![s(".5")]), n(0.5));
        assert_eq!(ok("tonumber", vec![s("1.")]), n(1.0));
        assert_eq!(ok("tonumber", vec![Value::Null]), Value::Null);
        for bad in ["abc", " 3", "0x10", "1_000", "", "."] {
            assert_eq!(
                err("tonumber", vec![s(bad)]),
                format!("Invalid value for \"v\" parameter: cannot convert \"{bad}\" to number; given string must be a decimal representation of a number.")
            );
        }
        assert_eq!(
            err("tonumber", vec![Value::Bool(true)]),
            "Invalid value for \"v\" parameter: cannot convert bool to number."
        );
    }

    #[test]
    fn tobool_accepts_only_true_and_false() {
        assert_eq!(ok("tobool", vec![s("true")]), Value::Bool(true));
        assert_eq!(ok("tobool", vec![s("false")]), Value::Bool(false));
        assert_eq!(ok("tobool", vec![Value::Null]), Value::Null);
        assert_eq!(
            err("tobool", vec![s("yes")]),
            "Invalid value for \"v\" parameter: cannot convert \"yes\" to bool; only the strings \"true\" or \"false\" are allowed."
        );
        assert_eq!(
            err("tobool", vec![n(1.0)]),
            "Invalid value for \"v\" parameter: cannot convert number to bool."
        );
    }

    #[test]
    fn tolist_unifies_element_types() {
        assert_eq!(
            ok("tolist", vec![list(vec![n(1.0), s("a")])]),
            strs(&["1", "a"])
        );
        assert_eq!(
            ok("tolist", vec![list(vec![list(vec![n(1.0)]), strs(&["a"])])]),
            list(vec![strs(&["1"]), strs(&["a"])])
        );
        assert_eq!(
            ok(
                "tolist",
                vec![list(vec![map(&[("a", n(1.0))]), map(&[("a", s("x"))])])]
            ),
            list(vec![map(&[("a", s("1"))]), map(&[("a", s("x"))])])
        );
        assert_eq!(
            err("tolist", vec![list(vec![n(1.0), list(vec![n(2.0)])])]),
            "Invalid value for \"v\" parameter: cannot convert tuple to list of any single type."
        );
        assert_eq!(
            err("tolist", vec![s("a")]),
            "Invalid value for \"v\" parameter: cannot convert string to list of any single type."
        );
        assert_eq!(ok("tolist", vec![Value::Null]), Value::Null);
        assert_eq!(
            ok("tolist", vec![list(vec![Value::Unknown, n(1.0)])]),
            list(vec![Value::Unknown, n(1.0)])
        );
    }

    #[test]
    fn toset_sorts_and_deduplicates() {
        assert_eq!(
            ok("toset", vec![strs(&["b", "a", "b"])]),
            Value::Set(vec![s("a"), s("b")])
        );
        assert_eq!(
            ok("toset", vec![list(vec![n(1.0), s("a")])]),
            Value::Set(vec![s("1"), s("a")])
        );
        assert_eq!(
            ok("toset", vec![list(vec![Value::Unknown])]),
            Value::Unknown
        );
    }

    #[test]
    fn tomap_unifies_values() {
        assert_eq!(
            ok("tomap", vec![map(&[("a", n(1.0)), ("b", s("x"))])]),
            map(&[("a", s("1")), ("b", s("x"))])
        );
        assert_eq!(
            err(
                "tomap",
                vec![map(&[("a", n(1.0)), ("b", list(vec![n(1.0)]))])]
            ),
            "Invalid value for \"v\" parameter: cannot convert object to map of any single type."
        );
        assert_eq!(
            err("tomap", vec![list(vec![n(1.0)])]),
            "Invalid value for \"v\" parameter: cannot convert tuple to map of any single type."
        );
    }
}
