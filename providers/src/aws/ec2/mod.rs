//! EC2: machines and their network (`aws_vpc`, `aws_subnet`,
//! `aws_security_group`, `aws_key_pair`, `aws_instance`) and the data
//! sources a user picks a zone and a machine size from
//! (`aws_availability_zones`, `aws_instance_types`).
//!
//! Shared here: tag handling (every EC2 resource takes `tags`, written with
//! `TagSpecifications` on create and `CreateTags`/`DeleteTags` on update) and
//! ARN construction for the objects whose API reply carries no ARN.

mod data;
mod eip;
mod instance;
mod internet_gateway;
mod key_pair;
mod lookup;
mod nat_gateway;
mod route_table;
mod security_group;
mod security_group_rule;
mod subnet;
pub mod user_data;
mod vpc;

use std::collections::BTreeMap;

use std::future::Future;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use engine::provider::{ApplyRequest, ProviderError};
use engine::value::Value;

use super::managed::{create_tags, pages, Seam, Tagging};
use super::values::string_map;
use super::{partition, AwsDataSource, AwsError, AwsResource, Clients, INTENT_TAG};

pub use instance::{lifecycle_state, LifecycleState};

/// The EC2 resource types, for [`super::AwsProvider::new`].
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(vpc::Vpc)),
        Box::new(Seam(subnet::Subnet)),
        Box::new(Seam(security_group::SecurityGroup)),
        Box::new(Seam(security_group_rule::GroupRule)),
        Box::new(Seam(security_group_rule::VpcRule { egress: false })),
        Box::new(Seam(security_group_rule::VpcRule { egress: true })),
        Box::new(Seam(key_pair::KeyPair)),
        Box::new(Seam(internet_gateway::InternetGateway)),
        Box::new(Seam(route_table::RouteTable)),
        Box::new(Seam(route_table::Route)),
        Box::new(Seam(route_table::Association)),
        Box::new(Seam(eip::Eip)),
        Box::new(Seam(nat_gateway::NatGateway)),
        Box::new(Seam(instance::Instance)),
    ]
}

/// The EC2 data sources, for [`super::AwsProvider::new`].
pub fn data_sources() -> Vec<Box<dyn AwsDataSource>> {
    vec![
        Box::new(data::AvailabilityZones),
        Box::new(data::InstanceTypes),
        Box::new(lookup::Ami),
        Box::new(lookup::VpcLookup),
        Box::new(lookup::Subnets),
    ]
}

/// Progress reporting for an apply (what a wait is waiting for), or
/// nothing when nobody listens.
fn progress<'a>(request: &'a ApplyRequest<'_>) -> impl Fn(&str) + Sync + 'a {
    move |message: &str| {
        if let Some(sink) = &request.progress {
            sink(message)
        }
    }
}

/// The tags of a create call: the configured `tags` plus the
/// [`INTENT_TAG`] with the operation id, set in the create call itself so
/// that an object whose create answer was lost can be found by it.
fn tag_specification(
    resource_type: ResourceType,
    config: &Value,
    operation_id: &str,
) -> TagSpecification {
    let tags = create_tags(config, operation_id);
    TagSpecification::builder()
        .resource_type(resource_type)
        .set_tags(Some(to_sdk_tags(&tags)))
        .build()
}

/// The EC2 objects that [`find_by_intent`] finds; instances have their own
/// lookup, which skips terminated machines.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Vpc,
    Subnet,
    SecurityGroup,
    KeyPair,
    InternetGateway,
    RouteTable,
    Eip,
}

/// The filter on the [`INTENT_TAG`]: `tag:<key>` filters are documented for
/// every EC2 Describe call used here (EC2 API reference, the "Filters"
/// parameter of DescribeVpcs, DescribeSubnets, DescribeSecurityGroups,
/// DescribeKeyPairs and DescribeInstances), and the emulator implements them.
fn intent_filter(operation_id: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{INTENT_TAG}"))
        .values(operation_id)
        .build()
}

/// Finds the object a create with `operation_id` made, by its intent tag:
/// its id, or for a key pair its name (the key pair's id in state).
async fn find_by_intent(
    clients: &Clients,
    kind: Kind,
    operation_id: &str,
) -> Result<Option<String>, ProviderError> {
    let ec2 = &clients.ec2;
    let f = intent_filter(operation_id);
    let mut ids: Vec<String> = match kind {
        Kind::Vpc => clients
            .call("ec2", "DescribeVpcs", || {
                ec2.describe_vpcs().filters(f.clone()).send()
            })
            .await?
            .vpcs()
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_string))
            .collect(),
        Kind::Subnet => clients
            .call("ec2", "DescribeSubnets", || {
                ec2.describe_subnets().filters(f.clone()).send()
            })
            .await?
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect(),
        Kind::SecurityGroup => clients
            .call("ec2", "DescribeSecurityGroups", || {
                ec2.describe_security_groups().filters(f.clone()).send()
            })
            .await?
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        Kind::KeyPair => clients
            .call("ec2", "DescribeKeyPairs", || {
                ec2.describe_key_pairs().filters(f.clone()).send()
            })
            .await?
            .key_pairs()
            .iter()
            .filter_map(|k| k.key_name().map(str::to_string))
            .collect(),
        Kind::InternetGateway => clients
            .call("ec2", "DescribeInternetGateways", || {
                ec2.describe_internet_gateways().filters(f.clone()).send()
            })
            .await?
            .internet_gateways()
            .iter()
            .filter_map(|g| g.internet_gateway_id().map(str::to_string))
            .collect(),
        Kind::RouteTable => clients
            .call("ec2", "DescribeRouteTables", || {
                ec2.describe_route_tables().filters(f.clone()).send()
            })
            .await?
            .route_tables()
            .iter()
            .filter_map(|t| t.route_table_id().map(str::to_string))
            .collect(),
        Kind::Eip => clients
            .call("ec2", "DescribeAddresses", || {
                ec2.describe_addresses().filters(f.clone()).send()
            })
            .await?
            .addresses()
            .iter()
            .filter_map(|a| a.allocation_id().map(str::to_string))
            .collect(),
    };
    // Two objects can carry one intent only if a create was sent again
    // because EC2, which is eventually consistent, did not show the first
    // yet. One is kept, the same one every time; the other is left alone
    // rather than guessing which to delete.
    ids.sort();
    Ok(ids.into_iter().next())
}

/// Whether EC2 tags carry the [`INTENT_TAG`] of `operation_id`.
fn made_by_tags(tags: &[Tag], operation_id: &str) -> bool {
    tags.iter()
        .any(|t| t.key() == Some(INTENT_TAG) && t.value() == Some(operation_id))
}

fn to_sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The tags read back from the API, as the `tags` attribute. Tags under the
/// reserved `aws:` prefix are AWS's own (CloudFormation, Auto Scaling) and
/// never part of a configuration, so they are left out to avoid a diff; so
/// is our own [`INTENT_TAG`].
fn tags_value(tags: &[Tag]) -> Value {
    string_map(
        tags.iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
            .filter(|(k, _)| !k.starts_with("aws:") && k != INTENT_TAG)
            .collect(),
    )
}

/// EC2's tagging: `CreateTags`/`DeleteTags` on the object's id, and
/// `DescribeTags` to list them.
pub(crate) struct Ec2Tags;

#[async_trait]
impl Tagging for Ec2Tags {
    async fn update(
        &self,
        clients: &Clients,
        target: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let ec2 = &clients.ec2;
        if !remove.is_empty() {
            let removed: Vec<Tag> = remove
                .iter()
                .map(|k| Tag::builder().key(k).build())
                .collect();
            clients
                .call("ec2", "DeleteTags", || {
                    ec2.delete_tags()
                        .resources(target)
                        .set_tags(Some(removed.clone()))
                        .send()
                })
                .await?;
        }
        if !add.is_empty() {
            let tags = to_sdk_tags(add);
            clients
                .call("ec2", "CreateTags", || {
                    ec2.create_tags()
                        .resources(target)
                        .set_tags(Some(tags.clone()))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        target: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let ec2 = &clients.ec2;
        let filter = Filter::builder().name("resource-id").values(target).build();
        let tags = pages(|token| {
            let filter = filter.clone();
            async move {
                let page = clients
                    .call("ec2", "DescribeTags", || {
                        ec2.describe_tags()
                            .filters(filter.clone())
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                let items: Vec<(String, String)> = page
                    .tags()
                    .iter()
                    .filter_map(|t| {
                        Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))
                    })
                    .collect();
                Ok::<_, AwsError>((items, page.next_token().map(str::to_string)))
            }
        })
        .await?;
        Ok(tags.into_iter().collect())
    }
}

/// How many values one EC2 filter takes.
pub(crate) const FILTER_VALUES_PER_CALL: usize = 200;

/// Describes EC2 objects by id through the `<kind>-id` filter named
/// `filter`, which, unlike an id list, skips ids that no longer exist
/// instead of failing the call: one call per 200 ids and page, however
/// many objects are refreshed. `page(filter, token)` sends one call.
pub(crate) async fn describe_by_filter<T, F, Fut>(
    keys: &[String],
    filter: &str,
    page: F,
) -> Result<Vec<T>, AwsError>
where
    F: Fn(Filter, Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut found = Vec::new();
    for chunk in keys.chunks(FILTER_VALUES_PER_CALL) {
        let f = Filter::builder()
            .name(filter)
            .set_values(Some(chunk.to_vec()))
            .build();
        found.extend(pages(|token| page(f.clone(), token)).await?);
    }
    Ok(found)
}

/// The ARN of an EC2 object whose API reply carries none, built as AWS
/// documents it: `arn:aws:ec2:REGION:ACCOUNT:KIND/ID`.
fn arn(clients: &Clients, owner: Option<&str>, kind: &str, id: &str) -> Value {
    Value::String(format!(
        "arn:{}:ec2:{}:{}:{kind}/{id}",
        partition(&clients.region),
        clients.region,
        owner.unwrap_or("")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_aws_tags_are_left_out() {
        let tags = [
            Tag::builder().key("Name").value("web").build(),
            Tag::builder()
                .key("aws:cloudformation:stack-name")
                .value("x")
                .build(),
        ];
        let value = tags_value(&tags);
        let map = value.as_map().cloned().unwrap_or_default();
        assert_eq!(map.len(), 1);
        assert_eq!(map.get("Name"), Some(&Value::String("web".into())));
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}
