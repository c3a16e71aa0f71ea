//! `lifecycle { replace_triggered_by = [...] }`: which planned changes of
//! other resources replace an instance, as Terraform decides it.
//!
//! Each element names a resource (every instance), one instance of it
//! (`aws_instance.web[count.index]`, `...[each.key]`, a literal key), and
//! optionally an attribute path within it (`aws_instance.web.ami`). A
//! reference to a resource or instance triggers when that instance has any
//! planned change; a reference to an attribute triggers only when that
//! attribute's planned value differs from its prior one or is unknown.
//! `validate` has already checked that only these forms are used.

use hcl_edit::expr::{Expression, TraversalOperator};
use state::PathStep;

use crate::addrs::{InstanceAddr, InstanceKey, ResourceAddr, ResourceMode};
use crate::config::Expr;
use crate::plan::{Action, ResourceChange};
use crate::value::Value;

/// What one `replace_triggered_by` element names, for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub resource: ResourceAddr,
    /// One instance, or `None` for every instance of the resource.
    pub key: Option<InstanceKey>,
    /// An attribute within the instance, or empty for the whole object.
    pub path: Vec<PathStep>,
}

impl Trigger {
    /// Resolves an element for the instance `instance` of the resource
    /// that has it (its key stands for `count.index` / `each.key`).
    pub fn resolve(expr: &Expr, instance: &InstanceAddr) -> Option<Trigger> {
        let Expression::Traversal(traversal) = &expr.expr else {
            return None;
        };
        let Expression::Variable(type_name) = &traversal.expr else {
            return None;
        };
        let mut ops = traversal.operators.iter().map(|op| op.value()).peekable();
        let Some(TraversalOperator::GetAttr(name)) = ops.next() else {
            return None;
        };
        let resource = ResourceAddr::new(
            instance.resource.module.clone(),
            ResourceMode::Managed,
            type_name.as_str(),
            name.as_str(),
        );
        let key = match ops.peek() {
            Some(TraversalOperator::Index(index)) => {
                let key = instance_key(index, &instance.key)?;
                ops.next();
                Some(key)
            }
            _ => None,
        };
        let path = ops.map(path_step).collect::<Option<Vec<_>>>()?;
        Some(Trigger {
            resource,
            key,
            path,
        })
    }

    /// Whether a planned change of one of the named instances triggers.
    pub fn fired_by(&self, change: &ResourceChange) -> bool {
        if matches!(change.action, Action::NoOp | Action::Read | Action::Forget) {
            return false;
        }
        if self.path.is_empty() {
            return true;
        }
        let before = change.before_value();
        let after = change.after_value();
        let at = |value: &Option<Value>| value.as_ref().and_then(|v| value_at(v, &self.path));
        match (at(&before), at(&after)) {
            (_, Some(after)) if !after.is_wholly_known() => true,
            (before, after) => before != after,
        }
    }
}

/// The key an index expression picks: a literal, or the instance's own
/// key through `count.index` / `each.key`.
fn instance_key(index: &Expression, own: &InstanceKey) -> Option<InstanceKey> {
    match index {
        Expression::Number(n) => n.value().as_u64().map(|i| InstanceKey::Index(i as usize)),
        Expression::String(s) => Some(InstanceKey::Key(s.value().to_string())),
        Expression::Traversal(_) => Some(own.clone()),
        _ => None,
    }
}

fn path_step(op: &TraversalOperator) -> Option<PathStep> {
    match op {
        TraversalOperator::GetAttr(name) => Some(PathStep::Key(name.as_str().to_string())),
        TraversalOperator::Index(Expression::Number(n)) => {
            n.value().as_u64().map(|i| PathStep::Index(i as usize))
        }
        TraversalOperator::Index(Expression::String(s)) => {
            Some(PathStep::Key(s.value().to_string()))
        }
        TraversalOperator::LegacyIndex(i) => Some(PathStep::Index(*i.value() as usize)),
        _ => None,
    }
}

/// The value at a path inside an object, looking through sensitive marks.
fn value_at(value: &Value, path: &[PathStep]) -> Option<Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value.clone());
    };
    match (value.peel(), first) {
        (Value::Map(map), PathStep::Key(key)) => value_at(map.get(key)?, rest),
        (Value::List(items) | Value::Set(items), PathStep::Index(i)) => {
            value_at(items.get(*i)?, rest)
        }
        (Value::Unknown, _) => Some(Value::Unknown),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(text: &str, instance: &str) -> Trigger {
        let expr: Expression = text.parse().unwrap();
        let expr = Expr { expr, span: None };
        Trigger::resolve(&expr, &instance.parse().unwrap()).unwrap()
    }

    #[test]
    fn elements_resolve_to_instances_and_attribute_paths() {
        let whole = trigger("test_thing.a", "test_thing.b[1]");
        assert_eq!((whole.key, whole.path.len()), (None, 0));
        let same = trigger("test_thing.a[count.index].tags[\"x\"]", "test_thing.b[1]");
        assert_eq!(same.key, Some(InstanceKey::Index(1)));
        assert_eq!(
            same.path,
            [PathStep::Key("tags".into()), PathStep::Key("x".into())]
        );
        let keyed = trigger("test_thing.a[each.key].id", "test_thing.b[\"k\"]");
        assert_eq!(keyed.key, Some(InstanceKey::Key("k".into())));
        let literal = trigger("test_thing.a[0]", "module.m.test_thing.b");
        assert_eq!(literal.resource.to_string(), "module.m.test_thing.a");
    }
}
