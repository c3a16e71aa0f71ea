//! The provider block's tag settings, applied to every taggable resource
//! type the same way, outside the types themselves:
//!
//! - `default_tags { tags = {…} }` are merged under each resource's own
//!   `tags` (the resource's value wins) into the computed `tags_all`, which
//!   is what is written to AWS;
//! - `ignore_tags { keys, key_prefixes }` names tags that other systems
//!   manage: they are left out of `tags` and `tags_all` when read, so they
//!   never show in a diff, and since writes only touch keys that were read,
//!   they are never removed.
//!
//! Resource types know nothing of this. The provider translates at its
//! seam ([`TagPolicy`]): a resource is handed values whose `tags` are the
//! effective tags (`tags_all`) and returns what it read with `tags` as
//! every tag of the object; [`TagPolicy::from_api`] splits that back into
//! `tags` and `tags_all`, as Terraform's provider shows them.

use std::collections::BTreeMap;

use engine::provider::{AttrType, AttributeSchema, Schema};
use engine::value::Value;

use super::values::{str_attr, string_map_attr, strings_attr};

/// The attribute every taggable type gets: its tags with the provider's
/// default tags merged in.
pub const TAGS_ALL: &str = "tags_all";

/// Whether a resource schema takes tags: a top-level `tags` map.
pub fn taggable(schema: &Schema) -> bool {
    schema
        .attribute("tags")
        .is_some_and(|a| matches!(a.ty, AttrType::Map(_)))
}

/// Adds the computed `tags_all` to a taggable schema.
pub fn with_tags_all(schema: Schema) -> Schema {
    if !taggable(&schema) || schema.attribute(TAGS_ALL).is_some() {
        return schema;
    }
    schema.attr(
        AttributeSchema::computed(TAGS_ALL, AttrType::map_of(AttrType::String)).describe(
            "Every tag of the resource: its `tags` merged over the provider's `default_tags`.",
        ),
    )
}

/// The tag settings of one `provider "aws"` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagPolicy {
    pub default_tags: BTreeMap<String, String>,
    pub ignore_keys: Vec<String>,
    pub ignore_key_prefixes: Vec<String>,
}

impl TagPolicy {
    /// Reads `default_tags` and `ignore_tags` from the evaluated provider block.
    pub fn from_config(config: &Value) -> TagPolicy {
        let block = |name: &str| {
            config
                .get_attr(name)
                .map(|v| v.peel().clone())
                .and_then(|v| match v {
                    // A single block may arrive as a one-element list.
                    Value::List(mut items) | Value::Set(mut items) => items.pop(),
                    other => Some(other),
                })
                .unwrap_or(Value::Null)
        };
        let defaults = block("default_tags");
        let ignore = block("ignore_tags");
        TagPolicy {
            default_tags: string_map_attr(&defaults, "tags"),
            ignore_keys: strings_attr(&ignore, "keys"),
            ignore_key_prefixes: strings_attr(&ignore, "key_prefixes"),
        }
    }

    /// Whether `ignore_tags` names this key.
    pub fn ignored(&self, key: &str) -> bool {
        self.ignore_keys.iter().any(|k| k == key)
            || self
                .ignore_key_prefixes
                .iter()
                .any(|p| !p.is_empty() && key.starts_with(p.as_str()))
    }

    /// The planned `tags_all`: the default tags under the planned `tags`,
    /// without ignored keys; unknown while any configured tag is.
    pub fn plan(&self, planned: &mut Value) {
        let Value::Map(map) = planned else { return };
        let tags = map.get("tags").cloned().unwrap_or(Value::Null);
        let all = match tags.peel() {
            Value::Unknown => Value::Unknown,
            Value::Map(own) if own.values().any(|v| !v.is_wholly_known()) => Value::Unknown,
            other => {
                let mut all: BTreeMap<String, Value> = self
                    .default_tags
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                if let Value::Map(own) = other {
                    all.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                all.retain(|k, _| !self.ignored(k));
                Value::Map(all)
            }
        };
        map.insert(TAGS_ALL.to_string(), all);
    }

    /// The value a resource type is handed: `tags` are the effective tags
    /// (`tags_all`), so creates and tag updates write the default tags too.
    /// A value from before `tags_all` existed is left as it is.
    pub fn for_api(&self, value: &Value) -> Value {
        let mut value = value.clone();
        if let Value::Map(map) = &mut value {
            if let Some(all) = map.get(TAGS_ALL).filter(|v| !v.is_null()).cloned() {
                map.insert("tags".to_string(), all);
            }
        }
        value
    }

    /// Splits what a resource read (`tags`: every tag of the object but
    /// ours) into Terraform's two attributes: `tags_all` is every tag not
    /// ignored; `tags` leaves out the default tags with their default
    /// value, unless `configured` (the resource's own tags, as planned or
    /// last recorded) names the key too.
    pub fn from_api(&self, read: Value, configured: &Value) -> Value {
        let Value::Map(mut map) = read else {
            return read;
        };
        let Some(remote) = map.get("tags").map(string_map_attr_of) else {
            return Value::Map(map);
        };
        let configured_keys = string_map_attr(configured, "tags");
        let all: BTreeMap<String, String> = remote
            .into_iter()
            .filter(|(k, _)| !self.ignored(k))
            .collect();
        let own: BTreeMap<String, String> = all
            .iter()
            .filter(|(k, v)| {
                configured_keys.contains_key(*k)
                    || self.default_tags.get(*k).map(String::as_str) != Some(v.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        map.insert("tags".to_string(), string_values(own));
        map.insert(TAGS_ALL.to_string(), string_values(all));
        Value::Map(map)
    }
}

fn string_map_attr_of(value: &Value) -> BTreeMap<String, String> {
    let wrapper = Value::Map(BTreeMap::from([("v".to_string(), value.clone())]));
    string_map_attr(&wrapper, "v")
}

fn string_values(map: BTreeMap<String, String>) -> Value {
    Value::Map(
        map.into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// A string attribute of a nested single block (`assume_role`, `endpoints`).
pub fn block_str(config: &Value, block: &str, name: &str) -> Option<String> {
    let value = config.get_attr(block)?;
    match value.peel() {
        Value::List(items) | Value::Set(items) => items.first().and_then(|b| str_attr(b, name)),
        other => str_attr(other, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect(),
        )
    }

    fn policy() -> TagPolicy {
        TagPolicy {
            default_tags: BTreeMap::from([
                ("Environment".to_string(), "Test".to_string()),
                ("Name".to_string(), "Provider Tag".to_string()),
            ]),
            ignore_keys: vec!["Owner".to_string()],
            ignore_key_prefixes: vec!["kubernetes.io/".to_string()],
        }
    }

    fn with_tags(tags: Value) -> Value {
        Value::Map(BTreeMap::from([("tags".to_string(), tags)]))
    }

    #[test]
    fn resource_tags_win_over_default_tags_and_ignored_keys_are_left_out() {
        let mut planned = with_tags(map(&[("Environment", "Production"), ("Owner", "me")]));
        policy().plan(&mut planned);
        assert_eq!(
            planned.get_attr(TAGS_ALL),
            Some(&map(&[
                ("Environment", "Production"),
                ("Name", "Provider Tag")
            ]))
        );
    }

    #[test]
    fn no_tags_plan_the_default_tags_and_unknown_tags_an_unknown_tags_all() {
        let mut planned = with_tags(Value::Null);
        policy().plan(&mut planned);
        assert_eq!(
            planned.get_attr(TAGS_ALL),
            Some(&map(&[("Environment", "Test"), ("Name", "Provider Tag")]))
        );
        let mut unknown = with_tags(Value::Map(BTreeMap::from([(
            "Name".to_string(),
            Value::Unknown,
        )])));
        policy().plan(&mut unknown);
        assert_eq!(unknown.get_attr(TAGS_ALL), Some(&Value::Unknown));
    }

    #[test]
    fn a_read_splits_into_own_tags_and_all_tags_without_ignored_ones() {
        let read = with_tags(map(&[
            ("Environment", "Test"),
            ("Name", "Provider Tag"),
            ("Owner", "ops"),
            ("kubernetes.io/cluster", "owned"),
            ("Team", "web"),
        ]));
        let configured = with_tags(map(&[("Team", "web"), ("Name", "Provider Tag")]));
        let out = policy().from_api(read, &configured);
        // A resource tag equal to its default stays the resource's own.
        assert_eq!(
            out.get_attr("tags"),
            Some(&map(&[("Name", "Provider Tag"), ("Team", "web")]))
        );
        assert_eq!(
            out.get_attr(TAGS_ALL),
            Some(&map(&[
                ("Environment", "Test"),
                ("Name", "Provider Tag"),
                ("Team", "web")
            ]))
        );
    }

    #[test]
    fn types_are_handed_the_effective_tags() {
        let mut planned = with_tags(map(&[("Team", "web")]));
        policy().plan(&mut planned);
        let handed = policy().for_api(&planned);
        assert_eq!(
            handed.get_attr("tags"),
            Some(&map(&[
                ("Environment", "Test"),
                ("Name", "Provider Tag"),
                ("Team", "web")
            ]))
        );
    }

    #[test]
    fn the_policy_is_read_from_the_provider_block() {
        let config = Value::Map(BTreeMap::from([
            ("default_tags".to_string(), with_tags(map(&[("A", "1")]))),
            (
                "ignore_tags".to_string(),
                Value::Map(BTreeMap::from([
                    (
                        "keys".to_string(),
                        Value::List(vec![Value::string("Owner")]),
                    ),
                    (
                        "key_prefixes".to_string(),
                        Value::List(vec![Value::string("k8s/")]),
                    ),
                ])),
            ),
        ]));
        let policy = TagPolicy::from_config(&config);
        assert_eq!(policy.default_tags.get("A").map(String::as_str), Some("1"));
        assert!(policy.ignored("Owner") && policy.ignored("k8s/x") && !policy.ignored("B"));
    }
}
