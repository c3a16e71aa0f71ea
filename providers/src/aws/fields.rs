//! Arguments that are one API field each, as data: a schema entry, how the
//! create and modify calls take it, and how a description reports it.
//! A type lists its fields once ([`Field`]) and the create, update and read
//! of all of them follow from the list ([`create`], [`modify`], [`read`]),
//! instead of repeating one shape per argument and per operation. RDS DB
//! instances and ElastiCache clusters and replication groups use it.

use engine::provider::{values_equal, AttributeSchema, Schema};
use engine::value::Value;

use super::values::opt_string;

/// One argument over the create builder `C`, the modify builder `M` and
/// the description `D`.
pub struct Field<C, M, D> {
    pub schema: fn() -> AttributeSchema,
    /// Sets the planned value on a create call.
    pub create: fn(C, &Value) -> C,
    /// Sets the planned value on a modify call; `None` where a change
    /// replaces the object (force-new) or the API cannot change it.
    pub modify: Option<fn(M, &Value) -> M>,
    /// The value a description reports; `None` where the API says nothing,
    /// so the known value (prior state or plan) is kept.
    pub read: fn(&D) -> Option<Value>,
}

impl<C, M, D> Field<C, M, D> {
    pub fn name(&self) -> &'static str {
        (self.schema)().name
    }
}

/// A field the create call takes and a description does not report (a
/// snapshot to restore from, a password): kept from the plan and the state.
pub fn not_read<D>(_: &D) -> Option<Value> {
    None
}

/// A string a description reports.
pub fn text(v: Option<&str>) -> Option<Value> {
    v.map(|s| opt_string(Some(s)))
}

/// A boolean a description reports.
pub fn flag(v: Option<bool>) -> Option<Value> {
    v.map(Value::Bool)
}

/// A whole number a description reports.
pub fn count(v: Option<i32>) -> Option<Value> {
    v.map(|n| Value::number(f64::from(n)))
}

/// The schema with every field's attribute added, in the list's order.
pub fn schema<C, M, D>(schema: Schema, fields: &[Field<C, M, D>]) -> Schema {
    fields
        .iter()
        .fold(schema, |schema, field| schema.attr((field.schema)()))
}

/// Adds every field to a create call.
pub fn create<C, M, D>(fields: &[Field<C, M, D>], mut call: C, planned: &Value) -> C {
    for field in fields {
        call = (field.create)(call, planned);
    }
    call
}

/// Adds every changed field to a modify call; says whether any did.
pub fn modify<C, M, D>(
    fields: &[Field<C, M, D>],
    mut call: M,
    prior: &Value,
    planned: &Value,
) -> (M, bool) {
    let mut any = false;
    for field in fields {
        let name = field.name();
        let before = prior.get_attr(name).unwrap_or(&Value::Null);
        let after = planned.get_attr(name).unwrap_or(&Value::Null);
        if let Some(set) = field.modify.filter(|_| !values_equal(before, after)) {
            call = set(call, planned);
            any = true;
        }
    }
    (call, any)
}

/// Every field's value in a description, the known value kept where the
/// description reports nothing (`local` is the state being refreshed, the
/// plan on a create or update, nothing on an import).
pub fn read<C, M, D>(
    fields: &[Field<C, M, D>],
    described: &D,
    local: Option<&Value>,
) -> Vec<(String, Value)> {
    fields
        .iter()
        .map(|field| {
            let kept = || {
                local
                    .and_then(|l| l.get_attr(field.name()))
                    .filter(|v| !v.is_unknown())
                    .cloned()
            };
            let value = (field.read)(described).or_else(kept).unwrap_or(Value::Null);
            (field.name().to_string(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::values::object;
    use engine::provider::AttrType;

    /// A create call, a modify call and a description as plain lists.
    type Calls = Vec<&'static str>;

    fn fields() -> Vec<Field<Calls, Calls, Option<bool>>> {
        vec![
            Field {
                schema: || AttributeSchema::optional("a", AttrType::Bool),
                create: |mut c, _| {
                    c.push("a");
                    c
                },
                modify: Some(|mut m, _| {
                    m.push("a");
                    m
                }),
                read: |d| flag(*d),
            },
            Field {
                schema: || AttributeSchema::optional("b", AttrType::Bool).force_new(),
                create: |mut c, _| {
                    c.push("b");
                    c
                },
                modify: None,
                read: not_read,
            },
        ]
    }

    #[test]
    fn create_sets_every_field_and_modify_only_changed_updatable_ones() {
        let fields = fields();
        let planned = object([("a", Value::Bool(true)), ("b", Value::Bool(true))]);
        assert_eq!(create(&fields, Vec::new(), &planned), ["a", "b"]);
        let prior = object([("a", Value::Bool(false)), ("b", Value::Bool(false))]);
        assert_eq!(
            modify(&fields, Vec::new(), &prior, &planned),
            (vec!["a"], true)
        );
        assert_eq!(
            modify(&fields, Vec::new(), &planned, &planned),
            (vec![], false)
        );
    }

    #[test]
    fn read_keeps_the_known_value_where_the_description_is_silent() {
        let fields = fields();
        let local = object([("a", Value::Bool(true)), ("b", Value::Bool(true))]);
        let pairs = read(&fields, &Some(false), Some(&local));
        assert_eq!(
            pairs,
            [
                ("a".to_string(), Value::Bool(false)),
                ("b".to_string(), Value::Bool(true))
            ]
        );
        let imported = read(&fields, &None, None);
        assert_eq!(imported[1].1, Value::Null);
    }
}
