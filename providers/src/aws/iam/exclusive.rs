//! A role's exclusive policies, Terraform's `inline_policy` blocks and
//! `managed_policy_arns`: when the configuration sets them, the role has
//! exactly those inline policies and attachments, and what was added
//! outside is removed on the next apply. Left unset, they are not managed,
//! not read and never written.
//!
//! Reading them costs calls per role (ListRolePolicies, a GetRolePolicy per
//! policy, ListAttachedRolePolicies), so a refresh reads them only for the
//! roles whose state manages them ([`crate::aws::managed::Managed::complete`]).

use std::collections::{BTreeMap, BTreeSet};

use engine::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, ProviderError, Schema};
use engine::value::Value;

use super::policy;
use crate::aws::managed::{pages, Gone};
use crate::aws::values::{blocks_attr, object, str_attr, string, strings_attr};
use crate::aws::{AwsError, Clients};

pub const INLINE: &str = "inline_policy";
pub const MANAGED: &str = "managed_policy_arns";

pub fn inline_block() -> BlockSchema {
    BlockSchema {
        name: INLINE,
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema: Schema::new(
            "The role's inline policies, exclusively: others are removed. One empty block removes them all.",
        )
        .attr(AttributeSchema::optional("name", AttrType::String).describe("The policy's name."))
        .attr(
            AttributeSchema::optional("policy", AttrType::String)
                .describe("The policy document (JSON)."),
        ),
    }
}

pub fn managed_attribute() -> AttributeSchema {
    AttributeSchema::optional_computed(MANAGED, AttrType::set_of(AttrType::String)).describe(
        "The ARNs of the managed policies attached to the role, exclusively: others are detached.",
    )
}

/// Whether `value` sets the inline policies: at least one block.
fn manages_inline(value: &Value) -> bool {
    !blocks_attr(value, INLINE).is_empty()
}

/// Whether `value` sets the attachments: a known set, even an empty one.
fn manages_attachments(value: &Value) -> bool {
    matches!(
        value.get_attr(MANAGED).map(Value::peel),
        Some(Value::Set(_) | Value::List(_))
    )
}

/// The named inline policies of `value`: name to document (empty blocks
/// only say "manage them" and name none).
fn inline_of(value: &Value) -> BTreeMap<String, String> {
    blocks_attr(value, INLINE)
        .iter()
        .filter_map(|b| {
            Some((
                str_attr(b, "name")?,
                str_attr(b, "policy").unwrap_or_default(),
            ))
        })
        .collect()
}

/// The configuration a role is planned with: `inline_policy` is optional
/// and computed, as in Terraform, so a configuration without the blocks
/// keeps the state's (an imported role's policies are not planned away);
/// and a configured document that means what the state's document of the
/// same name means keeps the state's text.
pub fn plan_config(config: &Value, prior: Option<&Value>) -> Value {
    let Some(prior) = prior else {
        return config.clone();
    };
    let mut config = config.clone();
    let stored = inline_of(prior);
    let blocks = blocks_attr(&config, INLINE);
    let planned = if blocks.is_empty() {
        prior.get_attr(INLINE).cloned().unwrap_or(Value::Null)
    } else {
        let kept = blocks.into_iter().map(|mut block| {
            let name = str_attr(&block, "name").unwrap_or_default();
            let text = str_attr(&block, "policy").unwrap_or_default();
            if let (Some(old), Value::Map(map)) = (stored.get(&name), &mut block) {
                if old != &text && policy::equivalent(old, &text) {
                    map.insert("policy".into(), string(old));
                }
            }
            block
        });
        Value::set_from(kept.collect())
    };
    if let Value::Map(map) = &mut config {
        map.insert(INLINE.to_string(), planned);
    }
    config
}

/// Sets `inline_policy` and `managed_policy_arns` of a described role:
/// read from IAM where `known` manages them (or, on an import, where
/// nothing is known yet), else as `known` has them.
pub async fn complete(
    clients: &Clients,
    role: &str,
    value: &mut Value,
    known: &Value,
) -> Result<(), ProviderError> {
    let import = known.is_null();
    let inline = if import || manages_inline(known) {
        read_inline(clients, role, known).await?
    } else {
        Value::List(Vec::new())
    };
    let managed = if import || manages_attachments(known) {
        crate::aws::values::string_set(attached(clients, role).await?)
    } else {
        Value::Null
    };
    if let Value::Map(map) = value {
        map.insert(INLINE.to_string(), inline);
        map.insert(MANAGED.to_string(), managed);
    }
    Ok(())
}

/// The role's inline policies as blocks; a document meaning what `known`
/// has keeps `known`'s text, and no policy at all where `known` has only
/// empty blocks is `known`'s blocks (nothing to change).
async fn read_inline(clients: &Clients, role: &str, known: &Value) -> Result<Value, ProviderError> {
    let wanted = inline_of(known);
    let mut blocks = Vec::new();
    for name in inline_names(clients, role).await? {
        let Some(document) = get_inline(clients, role, &name).await? else {
            continue;
        };
        let text = match wanted.get(&name) {
            Some(planned) if policy::equivalent(planned, &document) => planned.clone(),
            _ => document,
        };
        blocks.push(object([("name", string(&name)), ("policy", string(text))]));
    }
    if blocks.is_empty() && !known.is_null() && wanted.is_empty() {
        return Ok(known.get_attr(INLINE).cloned().unwrap_or(Value::Null));
    }
    Ok(Value::set_from(blocks))
}

/// Makes the role's policies what `planned` says, from what `prior` had:
/// inline policies put or deleted, attachments made or removed. Nothing
/// for what `planned` does not manage.
pub async fn write(
    clients: &Clients,
    role: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    if manages_inline(planned) {
        let (old, new) = (inline_of(prior), inline_of(planned));
        for name in old.keys().filter(|n| !new.contains_key(*n)) {
            delete_inline(clients, role, name).await?;
        }
        for (name, document) in &new {
            if old.get(name) != Some(document) {
                put_inline(clients, role, name, document).await?;
            }
        }
    }
    if manages_attachments(planned) {
        let old: BTreeSet<String> = strings_attr(prior, MANAGED).into_iter().collect();
        let new: BTreeSet<String> = strings_attr(planned, MANAGED).into_iter().collect();
        for arn in old.difference(&new) {
            detach(clients, role, arn).await?;
        }
        for arn in new.difference(&old) {
            attach(clients, role, arn).await?;
        }
    }
    Ok(())
}

/// Removes, before the role is deleted, the inline policies and
/// attachments its state manages (IAM refuses to delete a role that has
/// any).
pub async fn clear(clients: &Clients, role: &str, prior: &Value) -> Result<(), ProviderError> {
    for name in inline_of(prior).keys() {
        delete_inline(clients, role, name).await?;
    }
    for arn in strings_attr(prior, MANAGED) {
        detach(clients, role, &arn).await?;
    }
    Ok(())
}

/// The names of the role's inline policies, every page.
pub async fn inline_names(clients: &Clients, role: &str) -> Result<Vec<String>, ProviderError> {
    let iam = &clients.iam;
    Ok(pages(|marker| async move {
        let page = clients
            .call("iam", "ListRolePolicies", || {
                iam.list_role_policies()
                    .role_name(role)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok::<_, AwsError>((
            page.policy_names().to_vec(),
            page.marker().map(str::to_string),
        ))
    })
    .await?)
}

/// The ARNs of the managed policies attached to `role`, every page.
pub async fn attached(clients: &Clients, role: &str) -> Result<Vec<String>, ProviderError> {
    let iam = &clients.iam;
    Ok(pages(|marker| async move {
        let page = clients
            .call("iam", "ListAttachedRolePolicies", || {
                iam.list_attached_role_policies()
                    .role_name(role)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        let arns: Vec<String> = page
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect();
        Ok::<_, AwsError>((arns, page.marker().map(str::to_string)))
    })
    .await?)
}

/// An inline policy's document, decoded; `None` when it is gone.
pub async fn get_inline(
    clients: &Clients,
    role: &str,
    name: &str,
) -> Result<Option<String>, ProviderError> {
    let iam = &clients.iam;
    Ok(clients
        .call("iam", "GetRolePolicy", || {
            iam.get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
        })
        .await
        .or_gone()?
        .map(|out| policy::decode(out.policy_document())))
}

/// Sets an inline policy whole (so sending it again is harmless).
pub async fn put_inline(
    clients: &Clients,
    role: &str,
    name: &str,
    document: &str,
) -> Result<(), ProviderError> {
    let iam = &clients.iam;
    clients
        .call("iam", "PutRolePolicy", || {
            iam.put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document)
                .send()
        })
        .await?;
    Ok(())
}

/// Deletes an inline policy; one already gone is success.
pub async fn delete_inline(clients: &Clients, role: &str, name: &str) -> Result<(), ProviderError> {
    let iam = &clients.iam;
    clients
        .call("iam", "DeleteRolePolicy", || {
            iam.delete_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
        })
        .await
        .gone_ok()
}

/// Attaches a managed policy (attaching twice is harmless).
pub async fn attach(clients: &Clients, role: &str, arn: &str) -> Result<(), ProviderError> {
    let iam = &clients.iam;
    clients
        .call("iam", "AttachRolePolicy", || {
            iam.attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
        })
        .await?;
    Ok(())
}

/// Detaches a managed policy; one already detached is success.
pub async fn detach(clients: &Clients, role: &str, arn: &str) -> Result<(), ProviderError> {
    let iam = &clients.iam;
    clients
        .call("iam", "DetachRolePolicy", || {
            iam.detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
        })
        .await
        .gone_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::values::string_set;

    #[test]
    fn only_what_the_configuration_sets_is_managed() {
        let none = object([(INLINE, Value::List(vec![])), (MANAGED, Value::Null)]);
        assert!(!manages_inline(&none));
        assert!(!manages_attachments(&none));
        let unknown = object([(MANAGED, Value::Unknown)]);
        assert!(!manages_attachments(&unknown), "unknown is not managed yet");
        let empty = object([
            (
                INLINE,
                Value::List(vec![object([
                    ("name", Value::Null),
                    ("policy", Value::Null),
                ])]),
            ),
            (MANAGED, string_set(Vec::<String>::new())),
        ]);
        assert!(manages_inline(&empty), "one empty block removes them all");
        assert!(
            manages_attachments(&empty),
            "an empty set detaches them all"
        );
        assert!(inline_of(&empty).is_empty());
    }

    #[test]
    fn unset_blocks_keep_the_state_and_equivalent_documents_keep_its_text() {
        let block =
            |name: &str, policy: &str| object([("name", string(name)), ("policy", string(policy))]);
        let stored = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let prior = object([(INLINE, Value::set_from(vec![block("a", stored)]))]);
        let unset = object([(INLINE, Value::List(vec![]))]);
        assert_eq!(
            plan_config(&unset, Some(&prior)).get_attr(INLINE),
            prior.get_attr(INLINE)
        );
        let respaced = r#"{ "Statement": { "Action": "s3:*", "Effect": "Allow", "Resource": "*" }, "Version": "2012-10-17" }"#;
        let config = object([(INLINE, Value::List(vec![block("a", respaced)]))]);
        let planned = plan_config(&config, Some(&prior));
        assert_eq!(inline_of(&planned)["a"], stored);
        let changed = object([(INLINE, Value::List(vec![block("a", "{}")]))]);
        assert_eq!(inline_of(&plan_config(&changed, Some(&prior)))["a"], "{}");
    }
}
