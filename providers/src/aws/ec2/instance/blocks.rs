//! Planning the blocks AWS fills in (Terraform's optional and computed
//! blocks): a block the configuration leaves out keeps its refreshed value
//! (unknown until the machine exists), and an argument left out of a
//! written block keeps the value AWS reported for it, so a refresh that
//! reads what the configuration never said plans no change.

use engine::provider::{BlockSchema, Nesting, Presence, Schema};
use engine::value::Value;

/// Fills the planned value of each block named in `names`.
pub fn plan_computed_blocks(
    schema: &Schema,
    names: &[&str],
    prior: Option<&Value>,
    planned: &mut Value,
) {
    let Value::Map(map) = planned else {
        return;
    };
    for block in schema.blocks.iter().filter(|b| names.contains(&b.name)) {
        let before = prior.and_then(|p| p.get_attr(block.name)).cloned();
        let written = map.get(block.name).cloned().unwrap_or(Value::Null);
        let value = if is_empty(&written) {
            match before {
                Some(before) => before,
                None if prior.is_none() => Value::Unknown,
                None => Value::Null,
            }
        } else {
            fill_instances(block, &written, before.as_ref(), prior.is_none())
        };
        map.insert(block.name.to_string(), value);
    }
}

fn is_empty(value: &Value) -> bool {
    match value.peel() {
        Value::Null => true,
        Value::List(items) | Value::Set(items) => items.is_empty(),
        _ => false,
    }
}

fn instances(value: Option<&Value>) -> Vec<Value> {
    match value.map(Value::peel) {
        Some(Value::List(items)) | Some(Value::Set(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// The attribute that matches the instances of a set block between the
/// plan and the prior state.
fn set_key(block: &BlockSchema) -> Option<&'static str> {
    ["device_name", "device_index"]
        .into_iter()
        .find(|k| block.schema.attribute(k).is_some())
}

fn fill_instances(
    block: &BlockSchema,
    written: &Value,
    before: Option<&Value>,
    creating: bool,
) -> Value {
    let prior_items = instances(before);
    let filled: Vec<Value> = instances(Some(written))
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let matching = match (block.nesting, set_key(block)) {
                (Nesting::Set, Some(key)) => prior_items.iter().find(|p| {
                    p.get_attr(key) == item.get_attr(key) && item.get_attr(key).is_some()
                }),
                _ => prior_items.get(i),
            };
            fill_object(&block.schema, item, matching, creating)
        })
        .collect();
    match block.nesting {
        Nesting::Set => Value::set_from(filled),
        Nesting::List => Value::List(filled),
        Nesting::Single => filled.into_iter().next().unwrap_or(Value::Null),
    }
}

/// One written block instance with its unwritten computed arguments taken
/// from the prior instance, or unknown when the machine is new.
fn fill_object(schema: &Schema, item: &Value, prior: Option<&Value>, creating: bool) -> Value {
    let Value::Map(written) = item.peel() else {
        return item.clone();
    };
    let mut out = written.clone();
    for attribute in &schema.attributes {
        let unset = out.get(attribute.name).is_none_or(Value::is_null);
        let computed = matches!(
            attribute.presence,
            Presence::Computed | Presence::OptionalComputed
        );
        if !(unset && computed) {
            continue;
        }
        let known = prior.and_then(|p| p.get_attr(attribute.name)).cloned();
        let value = match known {
            Some(v) => v,
            None if creating => Value::Unknown,
            None => Value::Null,
        };
        out.insert(attribute.name.to_string(), value);
    }
    for inner in &schema.blocks {
        let written_inner = out.get(inner.name).cloned().unwrap_or(Value::Null);
        if is_empty(&written_inner) {
            continue;
        }
        let before = prior.and_then(|p| p.get_attr(inner.name));
        let value = fill_instances(inner, &written_inner, before, creating);
        out.insert(inner.name.to_string(), value);
    }
    Value::Map(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::values::object;
    use engine::provider::{AttrType, AttributeSchema};

    fn schema() -> Schema {
        Schema::new("t").block(BlockSchema {
            name: "root_block_device",
            nesting: Nesting::List,
            min_items: 0,
            max_items: Some(1),
            force_new: false,
            schema: Schema::new("b")
                .attr(AttributeSchema::optional_computed(
                    "volume_size",
                    AttrType::Number,
                ))
                .attr(AttributeSchema::computed("volume_id", AttrType::String))
                .attr(AttributeSchema::optional(
                    "tags",
                    AttrType::map_of(AttrType::String),
                )),
        })
    }

    fn root(size: Value, id: Value) -> Value {
        object([(
            "root_block_device",
            Value::List(vec![object([("volume_size", size), ("volume_id", id)])]),
        )])
    }

    #[test]
    fn an_unwritten_block_keeps_its_refreshed_value_or_is_unknown_on_create() {
        let prior = root(Value::from(8i64), Value::String("vol-1".into()));
        let mut planned = object([("root_block_device", Value::List(vec![]))]);
        plan_computed_blocks(
            &schema(),
            &["root_block_device"],
            Some(&prior),
            &mut planned,
        );
        assert_eq!(planned, prior);
        let mut created = object([]);
        plan_computed_blocks(&schema(), &["root_block_device"], None, &mut created);
        assert_eq!(created.get_attr("root_block_device"), Some(&Value::Unknown));
    }

    #[test]
    fn a_written_block_keeps_what_it_leaves_out_and_takes_what_it_says() {
        let prior = root(Value::from(8i64), Value::String("vol-1".into()));
        let mut planned = root(Value::from(20i64), Value::Null);
        plan_computed_blocks(
            &schema(),
            &["root_block_device"],
            Some(&prior),
            &mut planned,
        );
        let block = &planned
            .get_attr("root_block_device")
            .unwrap()
            .as_list()
            .unwrap()[0];
        assert_eq!(block.get_attr("volume_size"), Some(&Value::from(20i64)));
        assert_eq!(
            block.get_attr("volume_id"),
            Some(&Value::String("vol-1".into()))
        );
        assert_eq!(
            block.get_attr("tags"),
            None,
            "an optional argument is not filled"
        );
    }
}
