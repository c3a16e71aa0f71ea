//! Functions over lists, sets and maps.

use std::collections::BTreeMap;

use unicode_segmentation::UnicodeSegmentation;

use super::conversion::{string_list, to_bool, to_string, unify};
use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::{Number, Value};

/// Terraform refuses to build ranges longer than this, so that a typo cannot
/// allocate without bound.
const RANGE_LIMIT: usize = 1024;

pub(crate) fn length(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    match args.get(0) {
        Value::Null => Err(args.error(0, "argument must not be null")),
        Value::String(s) => Ok(Value::number(s.graphemes(true).count())),
        Value::List(items) | Value::Set(items) => Ok(Value::number(items.len())),
        Value::Map(map) => Ok(Value::number(map.len())),
        _ => Err(failed(
            "argument must be a string, a collection type, or a structural type",
        )),
    }
}

pub(crate) fn lookup(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let key = args.string(1)?;
    let has_default = args.len() == 3;
    let default = args.take(2);
    let map = match args.take(0) {
        Value::Null => return Err(args.error(0, "argument must not be null")),
        Value::Map(map) => map,
        _ => return Err(args.error(0, "lookup() requires a map as the first argument")),
    };
    match map.into_iter().find(|(k, _)| *k == key) {
        Some((_, v)) => Ok(v),
        None if has_default => Ok(default),
        None => Err(args.error(
            0,
            format!(
                "the given object has no attribute {}",
                crate::value::quote_string(&key)
            ),
        )),
    }
}

pub(crate) fn merge(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let mut out = BTreeMap::new();
    for v in args.into_values() {
        match v {
            Value::Null => {}
            Value::Map(map) => out.extend(map),
            other => {
                return Err(failed(format!(
                    "arguments must be maps or objects, got \"{}\"",
                    other.type_name()
                )))
            }
        }
    }
    Ok(Value::Map(out))
}

pub(crate) fn concat(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    if args.len() == 0 {
        return Err(failed("at least one argument is required"));
    }
    let mut out = Vec::new();
    for i in 0..args.len() {
        match args.get(i) {
            Value::Null => return Err(args.error(i, "argument must not be null")),
            Value::List(items) => out.extend(items.iter().cloned()),
            Value::Set(_) => {
                return Err(args.error(i, "all arguments must be lists or tuples; got set"))
            }
            other => {
                return Err(args.error(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        other.type_name()
                    ),
                ))
            }
        }
    }
    Ok(Value::List(out))
}

pub(crate) fn flatten(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    /// Returns false when an unknown element hides the shape of the result.
    fn walk(items: &[Value], out: &mut Vec<Value>) -> bool {
        for item in items {
            match item {
                Value::List(inner) | Value::Set(inner) => {
                    if !walk(inner, out) {
                        return false;
                    }
                }
                Value::Unknown => return false,
                other => out.push(other.clone()),
            }
        }
        true
    }
    let v = args.get(0);
    if v.is_null() {
        return Err(args.error(0, "argument must not be null"));
    }
    let Some(items) = v.as_list() else {
        return Err(failed("can only flatten lists, sets and tuples"));
    };
    let mut out = Vec::new();
    if walk(items, &mut out) {
        Ok(Value::List(out))
    } else {
        Ok(Value::Unknown)
    }
}

/// The elements of a list argument, converted to one type as Terraform's
/// `list(any)` parameters do.
fn unified_list(args: &Args, i: usize) -> Result<Vec<Value>, FunctionError> {
    let items = args.list(i)?.to_vec();
    let name = args.get(i).type_name();
    unify(items).ok_or_else(|| {
        args.error(
            i,
            format!("cannot convert {name} to list of any single type"),
        )
    })
}

pub(crate) fn distinct(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let mut out: Vec<Value> = Vec::new();
    for item in unified_list(&args, 0)? {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(Value::List(out))
}

pub(crate) fn contains(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let list = args.get(0);
    if list.is_null() {
        return Err(args.error(0, "argument must not be null"));
    }
    let Some(items) = list.as_list() else {
        return Err(failed("argument must be list, tuple, or set"));
    };
    Ok(Value::Bool(items.contains(args.get(1))))
}

pub(crate) fn keys(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    match args.get(0) {
        Value::Map(map) => Ok(Value::List(
            map.keys().map(|k| Value::String(k.clone())).collect(),
        )),
        Value::Null => Err(args.error(0, "argument must not be null")),
        _ => Err(args.error(0, "must have map or object type")),
    }
}

pub(crate) fn values(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    match args.take(0) {
        Value::Map(map) => Ok(Value::List(map.into_values().collect())),
        Value::Null => Err(args.error(0, "argument must not be null")),
        _ => Err(failed("values() requires a map as the first argument")),
    }
}

pub(crate) fn zipmap(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let keys = args.list(0)?;
    let values = args.list(1)?;
    if keys.len() != values.len() {
        return Err(failed(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in keys.iter().zip(values).enumerate() {
        if k.is_unknown() {
            return Ok(Value::Unknown);
        }
        if k.is_null() {
            return Err(failed(format!("keys list has null value at index {i}")));
        }
        let key = to_string(k).ok_or_else(|| args.error(0, "list of string required"))?;
        out.insert(key, v.clone());
    }
    Ok(Value::Map(out))
}

pub(crate) fn element(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let index = args.number(1)?.to_i64().ok_or_else(|| {
        failed("invalid index: value must be a whole number, between -9223372036854775808 and 9223372036854775807")
    })?;
    let items = args.list(0)?;
    if items.is_empty() {
        return Err(failed("cannot use element function with an empty list"));
    }
    // Terraform 1.15 wraps in both directions: -1 is the last element.
    let len = items.len() as i64;
    let at = usize::try_from(index.rem_euclid(len)).unwrap_or(0);
    Ok(items.get(at).cloned().unwrap_or(Value::Null))
}

pub(crate) fn slice(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let index = |i: usize, what: &str| {
        args.number(i)?.to_i64().ok_or_else(|| {
            args.error(
                i,
                format!("invalid {what} index: value must be a whole number, between -9223372036854775808 and 9223372036854775807"),
            )
        })
    };
    let start = index(1, "start")?;
    let end = index(2, "end")?;
    let items = args.list(0)?;
    if start < 0 {
        return Err(args.error(1, "start index must not be less than zero"));
    }
    if start > end {
        return Err(args.error(1, "start index must not be greater than end index"));
    }
    if end > items.len() as i64 {
        return Err(args.error(
            2,
            "end index must not be greater than the length of the list",
        ));
    }
    let (start, end) = (start as usize, end as usize);
    Ok(Value::List(
        items.get(start..end).unwrap_or_default().to_vec(),
    ))
}

pub(crate) fn range(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let count = args.len();
    if count == 0 || count > 3 {
        return Err(failed("must have one, two, or three arguments"));
    }
    let mut nums = Vec::with_capacity(count);
    for i in 0..count {
        nums.push(args.number(i)?);
    }
    let (start, end, step) = match nums.as_slice() {
        [end] => (Number::zero(), end.clone(), None),
        [start, end] => (start.clone(), end.clone(), None),
        [start, end, step] => (start.clone(), end.clone(), Some(step.clone())),
        _ => return Err(failed("must have one, two, or three arguments")),
    };
    let zero = Number::zero();
    let step = match step {
        Some(step) => {
            if step.cmp_value(&zero).is_lt() && end.cmp_value(&start).is_gt() {
                return Err(args.error(0, "end must be less than start when step is negative"));
            }
            if step.cmp_value(&zero).is_gt() && end.cmp_value(&start).is_lt() {
                return Err(args.error(0, "end must be greater than start when step is positive"));
            }
            step
        }
        None if end.cmp_value(&start).is_lt() => Number::from(-1),
        None => Number::from(1),
    };
    let too_many = || {
        failed("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step")
    };
    let mut out = Vec::new();
    let mut i = start;
    // Accumulating the step with Terraform's arithmetic keeps the values
    // identical to Terraform's for fractional steps.
    let down = step.cmp_value(&zero).is_lt();
    while (!down && i.cmp_value(&end).is_lt()) || (down && i.cmp_value(&end).is_gt()) {
        if out.len() >= RANGE_LIMIT {
            return Err(too_many());
        }
        out.push(Value::Number(i.clone()));
        i = match i.add(&step) {
            Ok(next) if !next.is_infinite() => next,
            _ => break,
        };
    }
    Ok(Value::List(out))
}

pub(crate) fn coalesce(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let values = args.into_values();
    if values.is_empty() {
        return Err(failed("all arguments must have the same type"));
    }
    let all_primitive = values.iter().all(|v| {
        matches!(
            v.peel(),
            Value::Null | Value::Unknown | Value::Bool(_) | Value::Number(_) | Value::String(_)
        )
    });
    let values = match unify(values.clone()) {
        Some(v) => v,
        // Terraform's unsafe unification leaves a number and a bool as they are.
        None if all_primitive => values,
        None => return Err(failed("all arguments must have the same type")),
    };
    let all_strings = values
        .iter()
        .all(|v| matches!(v.peel(), Value::String(_) | Value::Null | Value::Unknown));
    for v in values {
        if v.is_unknown() {
            return Ok(Value::Unknown);
        }
        if v.is_null() || (all_strings && v.as_str() == Some("")) {
            continue;
        }
        return Ok(v);
    }
    Err(failed("no non-null, non-empty-string arguments"))
}

pub(crate) fn coalescelist(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    for v in args.into_values() {
        match v {
            Value::Null => {}
            Value::List(items) if items.is_empty() => {}
            Value::List(items) => return Ok(Value::List(items)),
            _ => return Err(failed("coalescelist arguments must be lists or tuples")),
        }
    }
    Err(failed("no non-null arguments"))
}

pub(crate) fn compact(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::List(
        string_list(&args, 0)?
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .map(Value::String)
            .collect(),
    ))
}

pub(crate) fn reverse(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    match args.take(0) {
        Value::List(mut items) | Value::Set(mut items) => {
            items.reverse();
            Ok(Value::List(items))
        }
        Value::Null => Err(args.error(0, "argument must not be null")),
        other => Err(args.error(
            0,
            format!(
                "can only reverse list or tuple values, not {}",
                other.type_name()
            ),
        )),
    }
}

pub(crate) fn sort(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let mut out = Vec::new();
    for (i, item) in string_list(&args, 0)?.into_iter().enumerate() {
        match item {
            Some(s) => out.push(s),
            None => {
                return Err(failed(format!(
                    "given list element {i} is null; a null string cannot be sorted"
                )))
            }
        }
    }
    out.sort();
    Ok(Value::List(out.into_iter().map(Value::String).collect()))
}

pub(crate) fn one(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    match args.take(0) {
        Value::List(mut items) | Value::Set(mut items) if items.len() <= 1 => {
            Ok(items.pop().unwrap_or(Value::Null))
        }
        Value::Null => Err(args.error(0, "argument must not be null")),
        _ => Err(args.error(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

fn bools(args: &Args) -> Result<Vec<Option<bool>>, FunctionError> {
    args.list(0)?
        .iter()
        .map(|x| {
            if x.is_null() {
                Ok(None)
            } else {
                to_bool(x)
                    .map(Some)
                    .ok_or_else(|| args.error(0, "a bool is required"))
            }
        })
        .collect()
}

pub(crate) fn alltrue(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Bool(bools(&args)?.iter().all(|b| *b == Some(true))))
}

pub(crate) fn anytrue(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Bool(bools(&args)?.contains(&Some(true))))
}

pub(crate) fn index(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let items = args.list(0)?;
    let wanted = args.get(1);
    items
        .iter()
        .position(|x| x == wanted)
        .map(Value::number)
        .ok_or_else(|| failed("item not found"))
}

pub(crate) fn chunklist(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let size = args.integer(1)?;
    if size < 0 {
        return Err(failed("the size argument must be positive"));
    }
    let items = unified_list(&args, 0)?;
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items)]));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::List(
        items
            .chunks(size)
            .map(|c| Value::List(c.to_vec()))
            .collect(),
    ))
}

pub(crate) fn matchkeys(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let values = args.list(0)?;
    let keys = args.list(1)?;
    let search = args.list(2)?;
    if values.len() != keys.len() {
        return Err(failed("length of keys and values should be equal"));
    }
    // Keys and search set are compared after converting them to one type,
    // so that matchkeys(..., [1, 2], ["2"]) matches as Terraform does.
    let mut both: Vec<Value> = keys.to_vec();
    both.extend(search.iter().cloned());
    let both = unify(both)
        .ok_or_else(|| args.error(2, "must have the same element type as the keys list"))?;
    let (keys, search) = both.split_at(keys.len());
    Ok(Value::List(
        values
            .iter()
            .zip(keys)
            .filter(|(_, k)| search.contains(k))
            .map(|(v, _)| v.clone())
            .collect(),
    ))
}

/// The elements of every set argument, converted to one common type.
fn set_args(args: &Args) -> Result<Vec<Vec<Value>>, FunctionError> {
    let mut lengths = Vec::new();
    let mut pool = Vec::new();
    for i in 0..args.len() {
        let items = args.list(i)?;
        lengths.push(items.len());
        pool.extend(items.iter().cloned());
    }
    let mut pool = unify(pool)
        .ok_or_else(|| failed("given sets must all have compatible element types"))?
        .into_iter();
    Ok(lengths
        .into_iter()
        .map(|len| pool.by_ref().take(len).collect())
        .collect())
}

pub(crate) fn setunion(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::set_from(set_args(&args)?.concat()))
}

pub(crate) fn setintersection(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let mut sets = set_args(&args)?.into_iter();
    let first = sets.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = sets.collect();
    Ok(Value::set_from(
        first
            .into_iter()
            .filter(|x| rest.iter().all(|s| s.contains(x)))
            .collect(),
    ))
}

pub(crate) fn setsubtract(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let mut sets = set_args(&args)?.into_iter();
    let a = sets.next().unwrap_or_default();
    let b = sets.next().unwrap_or_default();
    Ok(Value::set_from(
        a.into_iter().filter(|x| !b.contains(x)).collect(),
    ))
}

pub(crate) fn setproduct(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let mut sets = Vec::new();
    let mut all_sets = true;
    for i in 0..args.len() {
        let v = args.get(i);
        all_sets &= matches!(v, Value::Set(_));
        let items = args.list(i)?;
        // Sets contribute their distinct elements only.
        let items = if matches!(v, Value::Set(_)) {
            match Value::set_from(items.to_vec()) {
                Value::Set(xs) => xs,
                _ => Vec::new(),
            }
        } else {
            items.to_vec()
        };
        sets.push(items);
    }
    let total: usize = sets.iter().map(Vec::len).product();
    if total > 1_000_000 {
        return Err(failed("the product of the given sets is too large"));
    }
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for set in &sets {
        let mut next = Vec::with_capacity(out.len() * set.len());
        for prefix in &out {
            for x in set {
                let mut row = prefix.clone();
                row.push(x.clone());
                next.push(row);
            }
        }
        out = next;
    }
    let rows: Vec<Value> = out.into_iter().map(Value::List).collect();
    if all_sets {
        Ok(Value::set_from(rows))
    } else {
        Ok(Value::List(rows))
    }
}

pub(crate) fn transpose(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let map = args.map(0)?;
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (key, list) in map {
        let Some(items) = list.as_list() else {
            return Err(args.error(0, "map of list of string required"));
        };
        for item in items {
            if item.is_null() {
                return Err(failed("input must not contain null list elements"));
            }
            let name =
                to_string(item).ok_or_else(|| args.error(0, "map of list of string required"))?;
            out.entry(name)
                .or_default()
                .push(Value::String(key.clone()));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, list, map, n, ok, s, strs};
    use super::*;

    fn nums(xs: &[f64]) -> Value {
        Value::List(xs.iter().map(|x| n(*x)).collect())
    }

    #[test]
    fn length_counts_characters_and_elements() {
        assert_eq!(ok("length", vec![s("héllo")]), n(5.0));
        assert_eq!(ok("length", vec![s("e\u{301}")]), n(1.0));
        assert_eq!(ok("length", vec![map(&[("a", n(1.0))])]), n(1.0));
        assert_eq!(ok("length", vec![list(vec![Value::Null])]), n(1.0));
        assert_eq!(
            err("length", vec![Value::Null]),
            "Invalid value for \"value\" parameter: argument must not be null."
        );
        assert_eq!(
            err("length", vec![n(5.0)]),
            "argument must be a string, a collection type, or a structural type."
        );
    }

    #[test]
    fn lookup_with_and_without_default() {
        let m = map(&[("a", n(1.0)), ("b", s("x"))]);
        assert_eq!(ok("lookup", vec![m.clone(), s("a")]), n(1.0));
        assert_eq!(ok("lookup", vec![m.clone(), s("z"), s("d")]), s("d"));
        assert_eq!(
            ok("lookup", vec![m.clone(), s("z"), Value::Null]),
            Value::Null
        );
        assert_eq!(
            err("lookup", vec![m, s("z")]),
            "Invalid value for \"inputMap\" parameter: the given object has no attribute \"z\"."
        );
        assert_eq!(
            err("lookup", vec![s("a"), s("b")]),
            "Invalid value for \"inputMap\" parameter: lookup() requires a map as the first argument."
        );
        assert_eq!(
            ok("lookup", vec![map(&[("a", Value::Unknown)]), s("a")]),
            Value::Unknown
        );
    }

    #[test]
    fn merge_later_maps_win_and_nulls_are_skipped() {
        assert_eq!(
            ok(
                "merge",
                vec![
                    map(&[("a", n(1.0)), ("b", n(1.0))]),
                    map(&[("b", n(2.0))]),
                    Value::Null
                ]
            ),
            map(&[("a", n(1.0)), ("b", n(2.0))])
        );
        assert_eq!(ok("merge", vec![]), map(&[]));
        assert_eq!(
            err("merge", vec![map(&[]), s("x")]),
            "arguments must be maps or objects, got \"string\"."
        );
        assert_eq!(
            ok("merge", vec![map(&[("a", Value::Unknown)])]),
            map(&[("a", Value::Unknown)])
        );
        assert_eq!(ok("merge", vec![map(&[]), Value::Unknown]), Value::Unknown);
    }

    #[test]
    fn concat_lists() {
        assert_eq!(
            ok("concat", vec![nums(&[1.0]), list(vec![n(2.0), s("a")])]),
            list(vec![n(1.0), n(2.0), s("a")])
        );
        assert_eq!(err("concat", vec![]), "at least one argument is required.");
        assert_eq!(
            err("concat", vec![nums(&[1.0]), s("x")]),
            "Invalid value for \"seqs\" parameter: all arguments must be lists or tuples; got string."
        );
        assert_eq!(
            err("concat", vec![nums(&[1.0]), Value::Null]),
            "Invalid value for \"seqs\" parameter: argument must not be null."
        );
        assert_eq!(
            ok("concat", vec![list(vec![Value::Unknown]), nums(&[1.0])]),
            list(vec![Value::Unknown, n(1.0)])
        );
    }

    #[test]
    fn flatten_nested_sequences() {
        assert_eq!(
            ok(
                "flatten",
                vec![list(vec![
                    list(vec![n(1.0), nums(&[2.0])]),
                    n(3.0),
                    list(vec![])
                ])]
            ),
            nums(&[1.0, 2.0, 3.0])
        );
        assert_eq!(
            ok("flatten", vec![list(vec![map(&[("a", Value::Unknown)])])]),
            list(vec![map(&[("a", Value::Unknown)])])
        );
        assert_eq!(
            ok("flatten", vec![list(vec![Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(
            err("flatten", vec![s("a")]),
            "can only flatten lists, sets and tuples."
        );
    }

    #[test]
    fn distinct_keeps_first_occurrence_after_unifying() {
        assert_eq!(
            ok("distinct", vec![strs(&["b", "a", "b"])]),
            strs(&["b", "a"])
        );
        assert_eq!(
            ok("distinct", vec![list(vec![n(1.0), n(2.0), n(1.0), s("1")])]),
            strs(&["1", "2"])
        );
    }

    #[test]
    fn contains_compares_without_conversion() {
        assert_eq!(
            ok("contains", vec![nums(&[1.0, 2.0]), n(1.0)]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("contains", vec![nums(&[1.0, 2.0]), s("1")]),
            Value::Bool(false)
        );
        assert_eq!(
            err("contains", vec![s("a"), s("a")]),
            "argument must be list, tuple, or set."
        );
    }

    #[test]
    fn keys_and_values_in_key_order() {
        let m = map(&[("b", n(1.0)), ("a", n(2.0))]);
        assert_eq!(ok("keys", vec![m.clone()]), strs(&["a", "b"]));
        assert_eq!(ok("values", vec![m]), nums(&[2.0, 1.0]));
        assert_eq!(
            ok("keys", vec![map(&[("a", Value::Unknown)])]),
            strs(&["a"])
        );
        assert_eq!(
            err("keys", vec![nums(&[1.0])]),
            "Invalid value for \"inputMap\" parameter: must have map or object type."
        );
    }

    #[test]
    fn zipmap_pairs_keys_with_values() {
        assert_eq!(
            ok("zipmap", vec![strs(&["a", "b"]), nums(&[1.0, 2.0])]),
            map(&[("a", n(1.0)), ("b", n(2.0))])
        );
        assert_eq!(
            ok("zipmap", vec![strs(&["a", "a"]), nums(&[1.0, 2.0])]),
            map(&[("a", n(2.0))])
        );
        assert_eq!(
            ok("zipmap", vec![nums(&[1.0]), list(vec![Value::Unknown])]),
            map(&[("1", Value::Unknown)])
        );
        assert_eq!(
            err("zipmap", vec![strs(&["a", "b"]), nums(&[1.0])]),
            "number of keys (2) does not match number of values (1)."
        );
        assert_eq!(
            err("zipmap", vec![list(vec![Value::Null]), nums(&[1.0])]),
            "keys list has null value at index 0."
        );
    }

    #[test]
    fn element_wraps_around() {
        let l = strs(&["a", "b", "c"]);
        assert_eq!(ok("element", vec![l.clone(), n(4.0)]), s("b"));
        assert_eq!(ok("element", vec![l.clone(), n(-1.0)]), s("c"));
        assert_eq!(ok("element", vec![l.clone(), n(-4.0)]), s("c"));
        assert_eq!(ok("element", vec![l.clone(), s("1")]), s("b"));
        assert_eq!(
            err("element", vec![list(vec![]), n(0.0)]),
            "cannot use element function with an empty list."
        );
        assert_eq!(
            err("element", vec![l, n(1.5)]),
            "invalid index: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
        assert_eq!(
            ok("element", vec![list(vec![Value::Unknown, n(1.0)]), n(1.0)]),
            n(1.0)
        );
    }

    #[test]
    fn slice_bounds() {
        let l = nums(&[1.0, 2.0, 3.0]);
        assert_eq!(ok("slice", vec![l.clone(), n(1.0), n(2.0)]), nums(&[2.0]));
        assert_eq!(ok("slice", vec![l.clone(), n(3.0), n(3.0)]), nums(&[]));
        assert_eq!(
            err("slice", vec![l.clone(), n(2.0), n(1.0)]),
            "Invalid value for \"start_index\" parameter: start index must not be greater than end index."
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(0.0), n(4.0)]),
            "Invalid value for \"end_index\" parameter: end index must not be greater than the length of the list."
        );
        assert_eq!(
            err("slice", vec![l, n(-1.0), n(2.0)]),
            "Invalid value for \"start_index\" parameter: start index must not be less than zero."
        );
    }

    #[test]
    fn range_follows_terraform() {
        assert_eq!(ok("range", vec![n(3.0)]), nums(&[0.0, 1.0, 2.0]));
        assert_eq!(ok("range", vec![n(1.0), n(4.0)]), nums(&[1.0, 2.0, 3.0]));
        assert_eq!(
            ok("range", vec![n(1.0), n(10.0), n(3.0)]),
            nums(&[1.0, 4.0, 7.0])
        );
        assert_eq!(ok("range", vec![n(4.0), n(1.0)]), nums(&[4.0, 3.0, 2.0]));
        assert_eq!(ok("range", vec![n(-3.0)]), nums(&[0.0, -1.0, -2.0]));
        assert_eq!(ok("range", vec![n(0.0)]), nums(&[]));
        assert_eq!(ok("range", vec![n(1.5)]), nums(&[0.0, 1.0]));
        assert_eq!(
            ok("range", vec![n(0.0), n(1.0), n(0.25)]),
            nums(&[0.0, 0.25, 0.5, 0.75])
        );
        assert_eq!(
            err("range", vec![n(1.0), n(4.0), n(-1.0)]),
            "Invalid value for \"params\" parameter: end must be less than start when step is negative."
        );
        assert_eq!(
            err("range", vec![n(4.0), n(1.0), n(1.0)]),
            "Invalid value for \"params\" parameter: end must be greater than start when step is positive."
        );
        let too_many = "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step.";
        assert_eq!(err("range", vec![n(2000.0)]), too_many);
        assert_eq!(err("range", vec![n(0.0), n(1.0), n(0.0)]), too_many);
        assert_eq!(err("range", vec![n(1e300)]), too_many);
        assert_eq!(
            err("range", vec![]),
            "must have one, two, or three arguments."
        );
        assert_eq!(
            ok("range", vec![n(1024.0)]).as_list().map(<[_]>::len),
            Some(1024)
        );
    }

    #[test]
    fn coalesce_skips_nulls_and_empty_strings() {
        assert_eq!(ok("coalesce", vec![s(""), Value::Null, s("a")]), s("a"));
        assert_eq!(ok("coalesce", vec![n(1.0), s("a")]), s("1"));
        assert_eq!(
            ok("coalesce", vec![Value::Null, n(1.0), Value::Bool(true)]),
            n(1.0)
        );
        assert_eq!(
            ok("coalesce", vec![list(vec![]), nums(&[1.0])]),
            list(vec![])
        );
        assert_eq!(ok("coalesce", vec![s("a"), Value::Unknown]), s("a"));
        assert_eq!(
            ok("coalesce", vec![Value::Null, Value::Unknown, s("a")]),
            Value::Unknown
        );
        assert_eq!(
            err("coalesce", vec![Value::Null, s("")]),
            "no non-null, non-empty-string arguments."
        );
        assert_eq!(
            err("coalesce", vec![]),
            "all arguments must have the same type."
        );
    }

    #[test]
    fn coalescelist_and_compact() {
        assert_eq!(
            ok("coalescelist", vec![list(vec![]), nums(&[1.0, 2.0])]),
            nums(&[1.0, 2.0])
        );
        assert_eq!(
            err("coalescelist", vec![list(vec![]), list(vec![])]),
            "no non-null arguments."
        );
        assert_eq!(
            err("coalescelist", vec![s("a")]),
            "coalescelist arguments must be lists or tuples."
        );
        assert_eq!(
            ok(
                "compact",
                vec![list(vec![s("a"), s(""), Value::Null, s("b")])]
            ),
            strs(&["a", "b"])
        );
        assert_eq!(ok("compact", vec![list(vec![n(1.0), s("")])]), strs(&["1"]));
    }

    #[test]
    fn reverse_sort_one() {
        assert_eq!(ok("reverse", vec![nums(&[1.0, 2.0])]), nums(&[2.0, 1.0]));
        assert_eq!(
            err("reverse", vec![s("a")]),
            "Invalid value for \"list\" parameter: can only reverse list or tuple values, not string."
        );
        assert_eq!(
            ok("sort", vec![nums(&[3.0, 1.0, 20.0])]),
            strs(&["1", "20", "3"])
        );
        assert_eq!(
            err("sort", vec![list(vec![s("b"), Value::Null])]),
            "given list element 1 is null; a null string cannot be sorted."
        );
        assert_eq!(ok("one", vec![list(vec![])]), Value::Null);
        assert_eq!(ok("one", vec![nums(&[7.0])]), n(7.0));
        assert_eq!(
            err("one", vec![nums(&[1.0, 2.0])]),
            "Invalid value for \"list\" parameter: must be a list, set, or tuple value with either zero or one elements."
        );
    }

    #[test]
    fn alltrue_anytrue_index() {
        assert_eq!(
            ok("alltrue", vec![list(vec![Value::Bool(true), s("true")])]),
            Value::Bool(true)
        );
        assert_eq!(ok("alltrue", vec![list(vec![])]), Value::Bool(true));
        assert_eq!(
            ok("alltrue", vec![list(vec![Value::Null])]),
            Value::Bool(false)
        );
        assert_eq!(
            ok("anytrue", vec![list(vec![Value::Null, Value::Bool(true)])]),
            Value::Bool(true)
        );
        assert_eq!(ok("anytrue", vec![list(vec![])]), Value::Bool(false));
        assert_eq!(ok("index", vec![strs(&["a", "b"]), s("b")]), n(1.0));
        assert_eq!(
            err("index", vec![strs(&["a", "b"]), s("c")]),
            "item not found."
        );
    }

    #[test]
    fn chunklist_sizes() {
        assert_eq!(
            ok("chunklist", vec![nums(&[1.0, 2.0, 3.0]), n(2.0)]),
            list(vec![nums(&[1.0, 2.0]), nums(&[3.0])])
        );
        assert_eq!(
            ok("chunklist", vec![nums(&[1.0, 2.0, 3.0]), n(0.0)]),
            list(vec![nums(&[1.0, 2.0, 3.0])])
        );
        assert_eq!(ok("chunklist", vec![nums(&[]), n(2.0)]), list(vec![]));
        assert_eq!(
            err("chunklist", vec![nums(&[1.0]), n(-1.0)]),
            "the size argument must be positive."
        );
    }

    #[test]
    fn set_operations() {
        assert_eq!(
            ok("setunion", vec![strs(&["a"]), list(vec![s("b"), n(1.0)])]),
            Value::Set(vec![s("1"), s("a"), s("b")])
        );
        assert_eq!(
            ok("setintersection", vec![strs(&["a", "b"]), strs(&["b"])]),
            Value::Set(vec![s("b")])
        );
        assert_eq!(
            ok("setsubtract", vec![strs(&["a", "b"]), strs(&["b"])]),
            Value::Set(vec![s("a")])
        );
        assert_eq!(
            ok("setproduct", vec![strs(&["a", "b"]), nums(&[1.0, 2.0])]),
            list(vec![
                list(vec![s("a"), n(1.0)]),
                list(vec![s("a"), n(2.0)]),
                list(vec![s("b"), n(1.0)]),
                list(vec![s("b"), n(2.0)]),
            ])
        );
    }

    #[test]
    fn transpose_and_matchkeys() {
        assert_eq!(
            ok(
                "transpose",
                vec![map(&[("a", strs(&["1", "2"])), ("b", strs(&["2"]))])]
            ),
            map(&[("1", strs(&["a"])), ("2", strs(&["a", "b"]))])
        );
        assert_eq!(
            ok(
                "matchkeys",
                vec![strs(&["a", "b"]), nums(&[1.0, 2.0]), nums(&[2.0])]
            ),
            strs(&["b"])
        );
        assert_eq!(
            err(
                "matchkeys",
                vec![strs(&["a"]), nums(&[1.0, 2.0]), nums(&[2.0])]
            ),
            "length of keys and values should be equal."
        );
    }
}
