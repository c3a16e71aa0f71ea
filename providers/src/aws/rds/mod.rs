//! Amazon RDS: `aws_db_subnet_group` and `aws_db_instance`.
//!
//! DB instances are asynchronous: create, modify and delete return at once
//! and the instance moves through states (`creating`, `modifying`,
//! `backing-up`, `deleting`…) that are polled with [`Clients::wait`] and
//! shown as progress. The mapping from RDS's status strings to "ready",
//! "still going" and "failed" is [`db_instance_status`], tested without any
//! endpoint below.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_rds::types::{DbSubnetGroup, Tag};
use engine::provider::{
    ApplyRequest, AttrType, AttributeSchema, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::managed::{
    create_tags, one_or_all, ours_by_name, pages, Gone, Made, Managed, Seam, Tagging,
};
use super::values::{
    number_attr, object, opt_string, required_str, str_attr, string, string_set, strings_attr,
    tags_attribute,
};
use super::{AwsError, AwsResource, Clients};

mod arguments;
mod instance;

pub use instance::{db_instance_status, DbInstanceResource, DbStatus};

/// The resources of this module, for `AwsProvider::new`.
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(DbSubnetGroupResource)),
        Box::new(Seam(DbInstanceResource)),
    ]
}

pub(crate) fn tags_to_sdk(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn tags_from_sdk(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

/// RDS's tagging, by ARN.
pub(crate) struct RdsTags;

#[async_trait]
impl Tagging for RdsTags {
    async fn update(
        &self,
        clients: &Clients,
        arn: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let rds = &clients.rds;
        if !remove.is_empty() {
            clients
                .call("rds", "RemoveTagsFromResource", || {
                    rds.remove_tags_from_resource()
                        .resource_name(arn)
                        .set_tag_keys(Some(remove.to_vec()))
                        .send()
                })
                .await?;
        }
        if !add.is_empty() {
            clients
                .call("rds", "AddTagsToResource", || {
                    rds.add_tags_to_resource()
                        .resource_name(arn)
                        .set_tags(Some(tags_to_sdk(add)))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        list_all_tags(clients, arn).await
    }
}

/// Every tag of a resource, ours included.
async fn list_all_tags(
    clients: &Clients,
    arn: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let rds = &clients.rds;
    let out = clients
        .call("rds", "ListTagsForResource", || {
            rds.list_tags_for_resource().resource_name(arn).send()
        })
        .await?;
    Ok(tags_from_sdk(out.tag_list()))
}

pub(crate) use super::values::changed;

pub(crate) fn int_attr(value: &Value, name: &str) -> Option<i32> {
    number_attr(value, name).map(|n| n as i32)
}

pub(crate) fn number(n: Option<i32>) -> Value {
    n.map(Value::number).unwrap_or(Value::Null)
}

/// Forwards waiter status changes to the engine's progress sink, if any.
pub(crate) fn progress_of<'a>(request: &'a ApplyRequest<'_>, what: &'a str) -> impl Fn(&str) + 'a {
    move |status: &str| {
        if let Some(sink) = &request.progress {
            sink(&format!("{what}: {status}"));
        }
    }
}

/// Keeps the prior (more precise) engine version when the configuration
/// names only a prefix of it: AWS reports "16.3" for a requested "16", and
/// that is not a change.
pub(crate) fn keep_precise_version(response: &mut PlanResponse, prior: Option<&Value>) {
    let Some(prior_version) = prior.and_then(|p| str_attr(p, "engine_version")) else {
        return;
    };
    let Some(planned_version) = str_attr(&response.planned, "engine_version") else {
        return;
    };
    if prior_version != planned_version && prior_version.starts_with(&format!("{planned_version}."))
    {
        if let Value::Map(map) = &mut response.planned {
            map.insert("engine_version".to_string(), string(prior_version));
        }
    }
}

// ---------------------------------------------------------------------------
// aws_db_subnet_group
// ---------------------------------------------------------------------------

pub struct DbSubnetGroupResource;

fn subnet_group_state(group: &DbSubnetGroup) -> Value {
    let name = group.db_subnet_group_name().unwrap_or_default();
    object([
        ("id", string(name)),
        ("name", string(name)),
        (
            "description",
            opt_string(group.db_subnet_group_description()),
        ),
        (
            "subnet_ids",
            string_set(
                group
                    .subnets()
                    .iter()
                    .filter_map(|s| s.subnet_identifier().map(str::to_string)),
            ),
        ),
        ("arn", opt_string(group.db_subnet_group_arn())),
    ])
}

/// One subnet group by name; `None` when there is none.
async fn describe_subnet_group(
    clients: &Clients,
    name: String,
) -> Result<Option<Value>, ProviderError> {
    let rds = &clients.rds;
    let out = clients
        .call("rds", "DescribeDBSubnetGroups", || {
            rds.describe_db_subnet_groups()
                .db_subnet_group_name(&name)
                .send()
        })
        .await
        .or_gone()?;
    Ok(out.and_then(|out| {
        out.db_subnet_groups()
            .iter()
            .find(|g| g.db_subnet_group_name() == Some(name.as_str()))
            .map(subnet_group_state)
    }))
}

/// Every subnet group of the account and region, one page at a time.
async fn describe_all_subnet_groups(
    clients: &Clients,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let rds = &clients.rds;
    let groups = pages(|marker| async move {
        let out = clients
            .call("rds", "DescribeDBSubnetGroups", || {
                rds.describe_db_subnet_groups()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok::<_, AwsError>((
            out.db_subnet_groups().to_vec(),
            out.marker().map(str::to_string),
        ))
    })
    .await?;
    Ok(groups
        .iter()
        .filter_map(|g| Some((g.db_subnet_group_name()?.to_string(), subnet_group_state(g))))
        .collect())
}

#[async_trait]
impl Managed for DbSubnetGroupResource {
    fn type_name(&self) -> &'static str {
        "aws_db_subnet_group"
    }

    fn noun(&self) -> &'static str {
        "DB subnet group"
    }

    fn schema(&self) -> Schema {
        Schema::new("A group of VPC subnets an RDS DB instance may be placed in.")
            .attr(
                AttributeSchema::optional_computed("name", AttrType::String)
                    .force_new()
                    .describe("The name of the DB subnet group; generated from name_prefix or the operation when unset."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", AttrType::String)
                    .force_new()
                    .describe("The start of a generated name; conflicts with name."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .default("Managed by stack")
                    .describe("The description of the DB subnet group."),
            )
            .attr(
                AttributeSchema::required("subnet_ids", AttrType::set_of(AttrType::String))
                    .describe("The VPC subnet ids, in at least two availability zones."),
            )
            .attr(tags_attribute())
            .attr(
                AttributeSchema::computed("id", AttrType::String)
                    .describe("The name of the DB subnet group."),
            )
            .attr(
                AttributeSchema::computed("arn", AttrType::String)
                    .describe("The ARN of the DB subnet group."),
            )
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "name")
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&RdsTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    fn kept(&self) -> &'static [&'static str] {
        &["name_prefix"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = subnet_group_name(planned, request.operation_id);
        let description = str_attr(planned, "description").unwrap_or_default();
        let subnets = strings_attr(planned, "subnet_ids");
        let tags = create_tags(planned, request.operation_id);
        let rds = &clients.rds;
        // The name is the key: a create whose answer was lost is found by it.
        clients
            .create(
                "rds",
                "CreateDBSubnetGroup",
                || {
                    rds.create_db_subnet_group()
                        .db_subnet_group_name(&name)
                        .db_subnet_group_description(&description)
                        .set_subnet_ids(Some(subnets.clone()))
                        .set_tags(Some(tags_to_sdk(&tags)))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&name).with("name", string(&name)))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if changed(prior, planned, "description") || changed(prior, planned, "subnet_ids") {
            let rds = &clients.rds;
            let description = str_attr(planned, "description").unwrap_or_default();
            let subnets = strings_attr(planned, "subnet_ids");
            clients
                .call("rds", "ModifyDBSubnetGroup", || {
                    rds.modify_db_subnet_group()
                        .db_subnet_group_name(name)
                        .db_subnet_group_description(&description)
                        .set_subnet_ids(Some(subnets.clone()))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let rds = &clients.rds;
        clients
            .call("rds", "DeleteDBSubnetGroup", || {
                rds.delete_db_subnet_group()
                    .db_subnet_group_name(name)
                    .send()
            })
            .await
            .gone_ok()
    }

    /// One paged listing instead of one describe per group; the tags still
    /// cost one call per group, as RDS lists them per ARN.
    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        one_or_all(
            names,
            |name| describe_subnet_group(clients, name),
            || describe_all_subnet_groups(clients),
        )
        .await
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = subnet_group_name(planned, operation_id);
        ours_by_name(self, clients, Some(name), operation_id).await
    }
}

/// The name a create uses: the user's, or one generated from `name_prefix`
/// and the operation (RDS keeps names in lower case, so the generated one
/// is too).
fn subnet_group_name(planned: &Value, operation_id: &str) -> String {
    str_attr(planned, "name")
        .unwrap_or_else(|| super::iam::generated_name(planned, operation_id, 255).to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::super::managed::tag_changes;
    use super::*;

    #[test]
    fn tag_changes_add_changed_values_and_remove_dropped_keys() {
        let old: BTreeMap<String, String> = [("a", "1"), ("b", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let new: BTreeMap<String, String> = [("b", "3"), ("c", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (add, remove) = tag_changes(&old, &new);
        assert_eq!(add, new);
        assert_eq!(remove, vec!["a".to_string()]);
    }

    #[test]
    fn a_version_prefix_in_the_configuration_is_not_a_change() {
        let prior = object([("engine_version", string("16.3"))]);
        let mut response = PlanResponse {
            planned: object([("engine_version", string("16"))]),
            requires_replace: Vec::new(),
            planned_private: None,
            diagnostics: Default::default(),
        };
        keep_precise_version(&mut response, Some(&prior));
        assert_eq!(
            str_attr(&response.planned, "engine_version").as_deref(),
            Some("16.3")
        );

        response.planned = object([("engine_version", string("16.4"))]);
        keep_precise_version(&mut response, Some(&prior));
        assert_eq!(
            str_attr(&response.planned, "engine_version").as_deref(),
            Some("16.4")
        );

        // "1" is not a prefix of "16.3" as a version, only as text.
        response.planned = object([("engine_version", string("1"))]);
        keep_precise_version(&mut response, Some(&prior));
        assert_eq!(
            str_attr(&response.planned, "engine_version").as_deref(),
            Some("1")
        );
    }
}
