//! IAM: `aws_iam_role`, `aws_iam_instance_profile`, `aws_iam_role_policy`,
//! `aws_iam_role_policy_attachment` and `aws_iam_policy`.
//!
//! IAM is global and has no filters: one object is asked for by name
//! (GetRole, GetInstanceProfile), several cost one paged listing
//! (ListRoles, ListInstanceProfiles), attachments one listing per role.
//! Policy documents compare by meaning ([`policy::equivalent`]): a plan
//! whose configured document means what the stored one means keeps the
//! stored text, so a re-plan says "No changes.".
//!
//! Roles, instance profiles and managed policies carry the intent tag in
//! their create call; their names are the user's or derived from the
//! operation id, and an object found by a user-chosen name without our tag
//! is not adopted ([`ours_by_name`]).

mod exclusive;
pub mod policy;
pub mod policy_document;
mod role;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;
use engine::provider::{plan_by_schema, PlanRequest, PlanResponse, ProviderError, Schema};
use engine::value::Value;

use super::managed::{Seam, Tagging};
use super::values::str_attr;
use super::{AwsResource, Clients};

pub use super::managed::ours_by_name;

/// The IAM resource types, for [`super::AwsProvider::new`].
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(role::Role)),
        Box::new(Seam(role::InstanceProfile)),
        Box::new(Seam(role::RolePolicy)),
        Box::new(Seam(role::Attachment)),
        Box::new(Seam(role::Policy)),
    ]
}

/// Plans by the schema, keeping the prior text of each policy document
/// `names` whose configured text means the same.
pub(crate) fn plan_documents(
    schema: &Schema,
    request: PlanRequest<'_>,
    names: &[&str],
) -> PlanResponse {
    let mut config = request.config.clone();
    if let (Some(prior), Value::Map(map)) = (request.prior, &mut config) {
        for name in names {
            let (Some(old), Some(new)) = (str_attr(prior, name), str_attr(request.config, name))
            else {
                continue;
            };
            if old != new && policy::equivalent(&old, &new) {
                map.insert(name.to_string(), Value::String(old));
            }
        }
    }
    plan_by_schema(schema, request.prior, &config)
}

/// A name for an object the user did not name: `name_prefix` (or
/// "stack-") and the operation id, at most `max` characters, so that
/// retrying the same operation finds the same name.
pub(crate) fn generated_name(planned: &Value, operation_id: &str, max: usize) -> String {
    let prefix = str_attr(planned, "name_prefix").unwrap_or_else(|| "stack-".to_string());
    let id: String = operation_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let mut name = format!("{prefix}{}", id.trim_start_matches("stack-"));
    name.truncate(max);
    name
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// What an IAM tagging call is about: roles and instance profiles by name,
/// managed policies by ARN.
#[derive(Clone, Copy)]
pub(crate) enum IamTags {
    Role,
    InstanceProfile,
    Policy,
}

#[async_trait]
impl Tagging for IamTags {
    async fn update(
        &self,
        clients: &Clients,
        target: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let iam = &clients.iam;
        let tags = sdk_tags(add);
        let remove = remove.to_vec();
        match self {
            IamTags::Role => {
                if !remove.is_empty() {
                    clients
                        .call("iam", "UntagRole", || {
                            iam.untag_role()
                                .role_name(target)
                                .set_tag_keys(Some(remove.clone()))
                                .send()
                        })
                        .await?;
                }
                if !tags.is_empty() {
                    clients
                        .call("iam", "TagRole", || {
                            iam.tag_role()
                                .role_name(target)
                                .set_tags(Some(tags.clone()))
                                .send()
                        })
                        .await?;
                }
            }
            IamTags::InstanceProfile => {
                if !remove.is_empty() {
                    clients
                        .call("iam", "UntagInstanceProfile", || {
                            iam.untag_instance_profile()
                                .instance_profile_name(target)
                                .set_tag_keys(Some(remove.clone()))
                                .send()
                        })
                        .await?;
                }
                if !tags.is_empty() {
                    clients
                        .call("iam", "TagInstanceProfile", || {
                            iam.tag_instance_profile()
                                .instance_profile_name(target)
                                .set_tags(Some(tags.clone()))
                                .send()
                        })
                        .await?;
                }
            }
            IamTags::Policy => {
                if !remove.is_empty() {
                    clients
                        .call("iam", "UntagPolicy", || {
                            iam.untag_policy()
                                .policy_arn(target)
                                .set_tag_keys(Some(remove.clone()))
                                .send()
                        })
                        .await?;
                }
                if !tags.is_empty() {
                    clients
                        .call("iam", "TagPolicy", || {
                            iam.tag_policy()
                                .policy_arn(target)
                                .set_tags(Some(tags.clone()))
                                .send()
                        })
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        target: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let iam = &clients.iam;
        let tags = match self {
            IamTags::Role => clients
                .call("iam", "ListRoleTags", || {
                    iam.list_role_tags().role_name(target).send()
                })
                .await?
                .tags()
                .to_vec(),
            // GetInstanceProfile returns the tags (IAM API reference), and
            // the emulator has no ListInstanceProfileTags.
            IamTags::InstanceProfile => clients
                .call("iam", "GetInstanceProfile", || {
                    iam.get_instance_profile()
                        .instance_profile_name(target)
                        .send()
                })
                .await?
                .instance_profile()
                .map(|p| p.tags().to_vec())
                .unwrap_or_default(),
            IamTags::Policy => clients
                .call("iam", "ListPolicyTags", || {
                    iam.list_policy_tags().policy_arn(target).send()
                })
                .await?
                .tags()
                .to_vec(),
        };
        Ok(tag_map(&tags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::values::object;

    #[test]
    fn generated_names_follow_the_prefix_and_fit() {
        let planned = object([("name_prefix", Value::String("web-".into()))]);
        let name = generated_name(&planned, "stack-0123456789abcdef", 20);
        assert_eq!(name, "web-0123456789abcdef");
        assert_eq!(generated_name(&Value::Null, "op-1", 64), "stack-op-1");
    }
}
