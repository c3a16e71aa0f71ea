//! Type constraints of `variable` blocks (`list(string)`, `object({…})`,
//! `optional(T, default)`) and conversion of values to them, following
//! Terraform's conversion rules (numbers and bools convert to strings and
//! back, tuples to lists and sets, objects to maps).

use std::collections::BTreeMap;
use std::fmt;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};

use crate::value::{format_number, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, ObjectAttr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => write!(f, "any"),
            Type::String => write!(f, "string"),
            Type::Number => write!(f, "number"),
            Type::Bool => write!(f, "bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                write!(f, "tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, "])")
            }
            Type::Object(attrs) => {
                write!(f, "object({{")?;
                for (i, (k, a)) in attrs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    if a.optional {
                        write!(f, "{k} = optional({})", a.ty)?;
                    } else {
                        write!(f, "{k} = {}", a.ty)?;
                    }
                }
                write!(f, "}})")
            }
        }
    }
}

/// Parses a type expression such as `map(object({ name = string, size = optional(number, 1) }))`.
/// `literal` evaluates the constant default of `optional(T, default)`.
pub fn parse_type(
    expr: &Expression,
    literal: &dyn Fn(&Expression) -> Option<Value>,
) -> Result<Type, String> {
    match expr {
        Expression::Variable(name) => match name.as_str() {
            "any" => Ok(Type::Any),
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "list" => Ok(Type::List(Box::new(Type::Any))),
            "map" => Ok(Type::Map(Box::new(Type::Any))),
            "set" => Ok(Type::Set(Box::new(Type::Any))),
            other => Err(format!(
                "`{other}` is not a type. Use string, number, bool, any, list(T), set(T), map(T), tuple([…]) or object({{…}})."
            )),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            let one = |args: &[&Expression]| -> Result<Type, String> {
                match args {
                    [inner] => parse_type(inner, literal),
                    _ => Err(format!("`{name}(…)` takes exactly one element type.")),
                }
            };
            match name {
                "list" => Ok(Type::List(Box::new(one(&args)?))),
                "set" => Ok(Type::Set(Box::new(one(&args)?))),
                "map" => Ok(Type::Map(Box::new(one(&args)?))),
                "tuple" => match args.as_slice() {
                    [Expression::Array(items)] => Ok(Type::Tuple(
                        items
                            .iter()
                            .map(|e| parse_type(e, literal))
                            .collect::<Result<_, _>>()?,
                    )),
                    _ => Err("`tuple(…)` takes a list of element types.".to_string()),
                },
                "object" => match args.as_slice() {
                    [Expression::Object(object)] => {
                        let mut attrs = BTreeMap::new();
                        for (key, value) in object.iter() {
                            let key = match key {
                                ObjectKey::Ident(ident) => ident.as_str().to_string(),
                                ObjectKey::Expression(e) => match e.as_str() {
                                    Some(s) => s.to_string(),
                                    None => {
                                        return Err("Object attribute names must be identifiers."
                                            .to_string())
                                    }
                                },
                            };
                            attrs.insert(key, parse_object_attr(value.expr(), literal)?);
                        }
                        Ok(Type::Object(attrs))
                    }
                    _ => Err("`object(…)` takes an object of attribute types.".to_string()),
                },
                "optional" => {
                    Err("`optional(…)` is allowed only for attributes of an object type.".to_string())
                }
                other => Err(format!("`{other}(…)` is not a type constructor.")),
            }
        }
        Expression::Parenthesis(p) => parse_type(p.inner(), literal),
        Expression::Traversal(t)
            if t.operators.is_empty()
                || matches!(t.operators.first().map(|o| o.value()), Some(TraversalOperator::GetAttr(_))) =>
        {
            Err("A type constraint is a type keyword, not a reference.".to_string())
        }
        _ => Err("This is not a valid type constraint.".to_string()),
    }
}

fn parse_object_attr(
    expr: &Expression,
    literal: &dyn Fn(&Expression) -> Option<Value>,
) -> Result<ObjectAttr, String> {
    if let Expression::FuncCall(call) = expr {
        if call.name.name.as_str() == "optional" {
            let args: Vec<&Expression> = call.args.iter().collect();
            return match args.as_slice() {
                [ty] => Ok(ObjectAttr {
                    ty: parse_type(ty, literal)?,
                    optional: true,
                    default: None,
                }),
                [ty, default] => {
                    let ty = parse_type(ty, literal)?;
                    let default = literal(default)
                        .ok_or("The default of `optional(T, default)` must be a constant.")?;
                    let default = convert(default, &ty).map_err(|e| e.to_string())?;
                    Ok(ObjectAttr {
                        ty,
                        optional: true,
                        default: Some(default),
                    })
                }
                _ => Err("`optional(…)` takes a type and an optional default.".to_string()),
            };
        }
    }
    Ok(ObjectAttr {
        ty: parse_type(expr, literal)?,
        optional: false,
        default: None,
    })
}

/// Why a value does not convert to a type; `path` says where inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionError {
    pub path: String,
    pub message: String,
    /// The message without the value it quotes, for when that value is
    /// sensitive; `None` when `message` quotes nothing.
    pub without_value: Option<String>,
}

impl ConversionError {
    /// The error as it may be shown for a sensitive value: nothing of the
    /// value is quoted, and a path naming map keys (which are part of the
    /// value) is left out, as Terraform does.
    pub fn redacted(self) -> ConversionError {
        ConversionError {
            path: if self.path.contains('"') {
                String::new()
            } else {
                self.path
            },
            message: self.without_value.unwrap_or(self.message),
            without_value: None,
        }
    }
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn fail(message: impl Into<String>) -> ConversionError {
    ConversionError {
        path: String::new(),
        message: message.into(),
        without_value: None,
    }
}

fn at(path: String, mut err: ConversionError) -> ConversionError {
    err.path = if err.path.is_empty() {
        path
    } else if err.path.starts_with('[') {
        format!("{path}{}", err.path)
    } else {
        format!("{path}.{}", err.path)
    };
    err
}

/// Converts a value to a type, as Terraform does for variables.
/// A failure to convert a value marked sensitive (at any depth) never quotes
/// the value.
pub fn convert(value: Value, ty: &Type) -> Result<Value, ConversionError> {
    let hidden = value.contains_sensitive();
    let (value, sensitive) = value.unmark();
    let converted =
        convert_unmarked(value, ty).map_err(|e| if hidden { e.redacted() } else { e })?;
    Ok(converted.mark_if(sensitive))
}

fn convert_unmarked(value: Value, ty: &Type) -> Result<Value, ConversionError> {
    if matches!(value, Value::Null | Value::Unknown) {
        return Ok(value);
    }
    match ty {
        Type::Any => Ok(value),
        Type::String => match value {
            Value::String(_) => Ok(value),
            Value::Number(n) => Ok(Value::String(format_number(&n))),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(fail(format!(
                "string required, but have {}.",
                other.type_name()
            ))),
        },
        Type::Number => match value {
            Value::Number(_) => Ok(value),
            Value::String(ref s) => crate::value::Number::parse(s.trim())
                .map(Value::Number)
                .ok_or_else(|| ConversionError {
                    without_value: Some("a number is required.".to_string()),
                    ..fail(format!("a number is required, but {s:?} is not a number."))
                }),
            other => Err(fail(format!(
                "number required, but have {}.",
                other.type_name()
            ))),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(value),
            Value::String(ref s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(ref s) if s == "false" => Ok(Value::Bool(false)),
            other => Err(fail(format!(
                "bool required, but have {}.",
                other.type_name()
            ))),
        },
        Type::List(elem) | Type::Set(elem) => {
            let items = match value {
                Value::List(items) | Value::Set(items) => items,
                other => {
                    return Err(fail(format!(
                        "{} required, but have {}.",
                        if matches!(ty, Type::List(_)) {
                            "list"
                        } else {
                            "set"
                        },
                        other.type_name()
                    )))
                }
            };
            let converted = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| convert(v, elem).map_err(|e| at(format!("[{i}]"), e)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::Set(_)) {
                Value::set_from(converted)
            } else {
                Value::List(converted)
            })
        }
        Type::Map(elem) => match value {
            Value::Map(map) => Ok(Value::Map(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = convert(v, elem).map_err(|e| at(format!("[{k:?}]"), e))?;
                        Ok((k, v))
                    })
                    .collect::<Result<_, _>>()?,
            )),
            other => Err(fail(format!(
                "map required, but have {}.",
                other.type_name()
            ))),
        },
        Type::Tuple(types) => match value {
            Value::List(items) | Value::Set(items) if items.len() == types.len() => {
                Ok(Value::List(
                    items
                        .into_iter()
                        .zip(types)
                        .enumerate()
                        .map(|(i, (v, t))| convert(v, t).map_err(|e| at(format!("[{i}]"), e)))
                        .collect::<Result<_, _>>()?,
                ))
            }
            other => Err(fail(format!(
                "tuple of {} elements required, but have {}.",
                types.len(),
                other.type_name()
            ))),
        },
        Type::Object(attrs) => match value {
            Value::Map(mut map) => {
                let mut out = BTreeMap::new();
                for (name, attr) in attrs {
                    match map.remove(name) {
                        Some(v) if !v.is_null() => {
                            out.insert(
                                name.clone(),
                                convert(v, &attr.ty).map_err(|e| at(name.clone(), e))?,
                            );
                        }
                        _ if attr.optional => {
                            out.insert(name.clone(), attr.default.clone().unwrap_or(Value::Null));
                        }
                        Some(v) => {
                            out.insert(name.clone(), v);
                        }
                        None => {
                            return Err(fail(format!("attribute \"{name}\" is required.")));
                        }
                    }
                }
                Ok(Value::Map(out))
            }
            other => Err(fail(format!(
                "object required, but have {}.",
                other.type_name()
            ))),
        },
    }
}

/// The type of a value as Terraform sees it before any conversion: lists are
/// tuples and maps are objects; null and unknown values can take any type.
pub fn type_of(value: &Value) -> Type {
    match value {
        Value::Null | Value::Unknown => Type::Any,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::Tuple(items.iter().map(type_of).collect()),
        Value::Set(items) => Type::Set(Box::new(
            unify_all(items.iter().map(type_of)).unwrap_or(Type::Any),
        )),
        Value::Map(entries) => Type::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        ObjectAttr {
                            ty: type_of(v),
                            optional: false,
                            default: None,
                        },
                    )
                })
                .collect(),
        ),
        Value::Sensitive(inner) => type_of(inner),
    }
}

/// Whether two values have a common type (what the two results of a
/// conditional need).
pub fn unifiable(a: &Value, b: &Value) -> bool {
    unify(&type_of(a), &type_of(b)).is_some()
}

/// The common type of several, if there is one.
fn unify_all(types: impl IntoIterator<Item = Type>) -> Option<Type> {
    types
        .into_iter()
        .try_fold(Type::Any, |acc, t| unify(&acc, &t))
}

/// The type both convert to without loss, by Terraform's unification rules:
/// any primitive mixed with a string is a string (but a number and a bool
/// have no common type); tuples of one length unify element-wise and
/// otherwise become a list, objects with the same attributes unify
/// attribute-wise and otherwise become a map.
pub fn unify(a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    match (a, b) {
        (Any, t) | (t, Any) => Some(t.clone()),
        (String, String | Number | Bool) | (Number | Bool, String) => Some(String),
        (Number, Number) => Some(Number),
        (Bool, Bool) => Some(Bool),
        (Tuple(x), Tuple(y)) if x.len() == y.len() => {
            let items: Option<Vec<Type>> = x.iter().zip(y).map(|(p, q)| unify(p, q)).collect();
            items.map(Tuple)
        }
        (Tuple(_) | List(_), Tuple(_) | List(_)) => {
            unify_all(elements(a).chain(elements(b))).map(|t| List(Box::new(t)))
        }
        (Set(_), Tuple(_) | List(_) | Set(_)) | (Tuple(_) | List(_), Set(_)) => {
            unify_all(elements(a).chain(elements(b))).map(|t| Set(Box::new(t)))
        }
        (Object(x), Object(y)) if x.keys().eq(y.keys()) => {
            let attrs: Option<BTreeMap<_, _>> = x
                .iter()
                .zip(y.values())
                .map(|((k, p), q)| {
                    let ty = unify(&p.ty, &q.ty)?;
                    Some((
                        k.clone(),
                        ObjectAttr {
                            ty,
                            optional: false,
                            default: None,
                        },
                    ))
                })
                .collect();
            attrs.map(Object)
        }
        (Object(_) | Map(_), Object(_) | Map(_)) => {
            unify_all(elements(a).chain(elements(b))).map(|t| Map(Box::new(t)))
        }
        _ => None,
    }
}

/// The element types of a collection type (each one's, for tuples and objects).
fn elements(t: &Type) -> Box<dyn Iterator<Item = Type> + '_> {
    match t {
        Type::List(e) | Type::Set(e) | Type::Map(e) => Box::new(std::iter::once((**e).clone())),
        Type::Tuple(items) => Box::new(items.iter().cloned()),
        Type::Object(attrs) => Box::new(attrs.values().map(|a| a.ty.clone())),
        _ => Box::new(std::iter::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_results_unify_like_terraform() {
        let s = |t: &str| Value::String(t.to_string());
        let list = |v: Vec<Value>| Value::List(v);
        let map = |kv: &[(&str, Value)]| {
            Value::Map(kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
        };
        assert!(unifiable(&s("a"), &Value::number(1.0)));
        assert!(unifiable(&s("a"), &Value::Bool(true)));
        assert!(!unifiable(&Value::number(1.0), &Value::Bool(true)));
        assert!(!unifiable(&s("a"), &map(&[])));
        assert!(!unifiable(&list(vec![Value::number(1.0)]), &s("one")));
        assert!(unifiable(&Value::Null, &map(&[("x", Value::number(1.0))])));
        assert!(unifiable(&Value::Unknown, &s("a")));
        assert!(unifiable(&list(vec![s("a")]), &list(vec![])));
        // Different attributes: both become maps of one element type.
        assert!(unifiable(
            &map(&[("x", Value::number(1.0))]),
            &map(&[("y", Value::number(2.0))])
        ));
        assert!(!unifiable(
            &map(&[("x", Value::Bool(true))]),
            &map(&[("y", Value::number(2.0))])
        ));
        // Same attributes unify one by one, so a bool and a number may sit side by side.
        let obj = map(&[("a", Value::Bool(true)), ("b", Value::number(1.0))]);
        assert!(unifiable(&obj, &obj.clone()));
        assert!(!unifiable(&list(vec![]), &map(&[])));
    }

    #[test]
    fn numbers_and_strings_convert_both_ways() {
        assert_eq!(
            convert(Value::number(5.0), &Type::String).unwrap(),
            Value::string("5")
        );
        assert_eq!(
            convert(Value::string("5"), &Type::Number).unwrap(),
            Value::number(5.0)
        );
        assert!(convert(Value::string("five"), &Type::Number).is_err());
    }

    #[test]
    fn a_sensitive_value_that_does_not_convert_is_not_quoted() {
        let plain = convert(Value::string("five"), &Type::Number).unwrap_err();
        assert!(plain.to_string().contains("\"five\""), "{plain}");
        let secret = Value::string("five").mark_if(true);
        let err = convert(secret, &Type::Number).unwrap_err();
        assert_eq!(err.to_string(), "a number is required.");
        let map = Value::Map(BTreeMap::from([("k".to_string(), Value::string("five"))]));
        let err = convert(map.mark_if(true), &Type::Map(Box::new(Type::Number))).unwrap_err();
        assert_eq!(err.to_string(), "a number is required.");
    }

    #[test]
    fn optional_object_attributes_take_their_default() {
        let ty = Type::Object(BTreeMap::from([(
            "size".to_string(),
            ObjectAttr {
                ty: Type::Number,
                optional: true,
                default: Some(Value::number(1.0)),
            },
        )]));
        let out = convert(Value::Map(BTreeMap::new()), &ty).unwrap();
        assert_eq!(out.get_attr("size"), Some(&Value::number(1.0)));
    }

    #[test]
    fn errors_say_where() {
        let ty = Type::List(Box::new(Type::Number));
        let err = convert(
            Value::List(vec![Value::number(1.0), Value::string("x")]),
            &ty,
        )
        .unwrap_err();
        assert_eq!(err.path, "[1]");
    }
}
