//! `aws_vpc`: a virtual network. The CIDR block cannot change; the DNS
//! attributes and tags are updated in place.

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, ResourceType, Tenancy, VpcAttributeName, VpcTenancy,
};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use std::collections::BTreeMap;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::values::{
    bool_attr, changed, object, opt_string, str_attr, string, tags_attribute,
};
use crate::aws::Clients;

#[path = "vpc_defaults.rs"]
mod defaults;

pub struct Vpc;

/// Terraform's defaults: DNS resolution on, DNS host names off.
const DEFAULT_DNS_SUPPORT: bool = true;
const DEFAULT_DNS_HOSTNAMES: bool = false;

#[async_trait]
impl Managed for Vpc {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn noun(&self) -> &'static str {
        "VPC"
    }

    fn schema(&self) -> Schema {
        Schema::new("A virtual private cloud: an isolated network for machines.")
            .attr(
                AttributeSchema::optional_computed("cidr_block", AttrType::String)
                    .force_new()
                    .describe("The IPv4 address range, e.g. \"10.0.0.0/16\"; from the IPAM pool when unset."),
            )
            .attr(
                AttributeSchema::optional("instance_tenancy", AttrType::String)
                    .default("default")
                    .describe("\"default\" or \"dedicated\" machines; changes in place to \"default\"."),
            )
            .attr(
                AttributeSchema::optional("ipv4_ipam_pool_id", AttrType::String)
                    .force_new()
                    .describe("The IPAM pool to take the IPv4 range from."),
            )
            .attr(
                AttributeSchema::optional("ipv4_netmask_length", AttrType::Number)
                    .force_new()
                    .describe("The IPv4 netmask length of a range from an IPAM pool."),
            )
            .attr(
                AttributeSchema::optional("assign_generated_ipv6_cidr_block", AttrType::Bool)
                    .default(false)
                    .describe("Ask for an Amazon-provided /56 IPv6 range; changes in place."),
            )
            .attr(
                AttributeSchema::optional_computed("ipv6_cidr_block", AttrType::String)
                    .describe("The IPv6 range (from an IPAM pool, or Amazon's); changes in place."),
            )
            .attr(
                AttributeSchema::optional("ipv6_ipam_pool_id", AttrType::String)
                    .describe("The IPAM pool to take the IPv6 range from; changes in place."),
            )
            .attr(
                AttributeSchema::optional("ipv6_netmask_length", AttrType::Number)
                    .describe("The IPv6 netmask length of a range from an IPAM pool."),
            )
            .attr(
                AttributeSchema::optional_computed("ipv6_cidr_block_network_border_group", AttrType::String)
                    .describe("Where AWS advertises the Amazon-provided IPv6 range."),
            )
            .attr(
                AttributeSchema::optional_computed("enable_network_address_usage_metrics", AttrType::Bool)
                    .describe("Network Address Usage metrics; changes in place."),
            )
            .attr(
                AttributeSchema::optional("enable_dns_hostnames", AttrType::Bool)
                    .default(DEFAULT_DNS_HOSTNAMES)
                    .describe("Give instances with public addresses public DNS host names."),
            )
            .attr(
                AttributeSchema::optional("enable_dns_support", AttrType::Bool)
                    .default(DEFAULT_DNS_SUPPORT)
                    .describe("Resolve DNS through the Amazon-provided server."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The VPC id."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The VPC's ARN."))
            .attr(computed("main_route_table_id", "The VPC's main route table."))
            .attr(computed("default_route_table_id", "The route table made with the VPC (its main one)."))
            .attr(computed("default_network_acl_id", "The network ACL made with the VPC."))
            .attr(computed("default_security_group_id", "The security group made with the VPC."))
            .attr(computed("ipv6_association_id", "The association of the IPv6 range."))
            .attr(computed("owner_id", "The account that owns the VPC."))
    }

    fn kept(&self) -> &'static [&'static str] {
        &[
            "ipv4_ipam_pool_id",
            "ipv4_netmask_length",
            "ipv6_ipam_pool_id",
            "ipv6_netmask_length",
        ]
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&Ec2Tags)
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let cidr = str_attr(planned, "cidr_block");
        let tags = tag_specification(ResourceType::Vpc, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "CreateVpc",
                || {
                    ec2.create_vpc()
                        .set_cidr_block(cidr.clone())
                        .set_instance_tenancy(
                            str_attr(planned, "instance_tenancy")
                                .map(|t| Tenancy::from(t.as_str())),
                        )
                        .set_ipv4_ipam_pool_id(str_attr(planned, "ipv4_ipam_pool_id"))
                        .set_ipv4_netmask_length(int_attr(planned, "ipv4_netmask_length"))
                        .set_amazon_provided_ipv6_cidr_block(
                            bool_attr(planned, "assign_generated_ipv6_cidr_block").filter(|a| *a),
                        )
                        .set_ipv6_cidr_block(
                            str_attr(planned, "ipv6_cidr_block")
                                .filter(|_| str_attr(planned, "ipv6_ipam_pool_id").is_some()),
                        )
                        .set_ipv6_ipam_pool_id(str_attr(planned, "ipv6_ipam_pool_id"))
                        .set_ipv6_netmask_length(int_attr(planned, "ipv6_netmask_length"))
                        .set_ipv6_cidr_block_network_border_group(str_attr(
                            planned,
                            "ipv6_cidr_block_network_border_group",
                        ))
                        .tag_specifications(tags.clone())
                        .send()
                },
                || find_by_intent(clients, Kind::Vpc, request.operation_id),
            )
            .await?
            .found_or(|out| out.vpc()?.vpc_id().map(str::to_string))
            .ok_or_else(|| ProviderError::new("CreateVpc returned no VPC id"))?;
        Ok(Made::id(id))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        set_dns(clients, id, planned, None).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        set_dns(clients, id, planned, Some(prior)).await?;
        if changed(prior, planned, "instance_tenancy") {
            let tenancy = str_attr(planned, "instance_tenancy").unwrap_or_else(|| "default".into());
            let ec2 = &clients.ec2;
            clients
                .call("ec2", "ModifyVpcTenancy", || {
                    ec2.modify_vpc_tenancy()
                        .vpc_id(id)
                        .instance_tenancy(VpcTenancy::from(tenancy.as_str()))
                        .send()
                })
                .await?;
        }
        set_ipv6(clients, id, prior, planned).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "DeleteVpc", || ec2.delete_vpc().vpc_id(id).send())
            .await
            .gone_ok()
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let ec2 = &clients.ec2;
        let vpcs = describe_by_filter(ids, "vpc-id", |filter, token| async move {
            let page = clients
                .call("ec2", "DescribeVpcs", || {
                    ec2.describe_vpcs()
                        .filters(filter.clone())
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok((page.vpcs().to_vec(), page.next_token().map(str::to_string)))
        })
        .await?;
        let mut found = BTreeMap::new();
        for vpc in vpcs {
            let Some(id) = vpc.vpc_id() else { continue };
            // The attributes are not part of DescribeVpcs; they cost three
            // calls per VPC, as in Terraform.
            if let Some(state) = vpc_state(clients, &vpc).await? {
                found.insert(id.to_string(), state);
            }
        }
        let ids: Vec<String> = found.keys().cloned().collect();
        let defaults = defaults::describe(clients, &ids).await?;
        for (id, state) in found.iter_mut() {
            if let Value::Map(map) = state {
                map.extend(defaults::values(&defaults, id));
            }
        }
        Ok(found)
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, Kind::Vpc, operation_id).await
    }
}

/// Sets the DNS attributes that differ from `prior` (or from AWS's defaults
/// on create). ModifyVpcAttribute takes one attribute per call.
fn computed(name: &'static str, what: &'static str) -> AttributeSchema {
    AttributeSchema::computed(name, AttrType::String).describe(what)
}

fn int_attr(value: &Value, name: &str) -> Option<i32> {
    crate::aws::values::number_attr(value, name).map(|n| n as i32)
}

/// Replaces the VPC's IPv6 range when the arguments that ask for one
/// change: the old association goes, a new one is made if still asked for.
async fn set_ipv6(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let names = [
        "assign_generated_ipv6_cidr_block",
        "ipv6_ipam_pool_id",
        "ipv6_netmask_length",
        "ipv6_cidr_block_network_border_group",
    ];
    let configured_block = planned
        .get_attr("ipv6_cidr_block")
        .is_some_and(|v| v.is_wholly_known() && !v.is_null());
    let moved = names.iter().any(|n| changed(prior, planned, n))
        || (configured_block && changed(prior, planned, "ipv6_cidr_block"));
    if !moved {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    if let Some(association) = str_attr(prior, "ipv6_association_id") {
        clients
            .call("ec2", "DisassociateVpcCidrBlock", || {
                ec2.disassociate_vpc_cidr_block()
                    .association_id(&association)
                    .send()
            })
            .await?;
    }
    let amazon = bool_attr(planned, "assign_generated_ipv6_cidr_block") == Some(true);
    let pool = str_attr(planned, "ipv6_ipam_pool_id");
    if amazon || pool.is_some() {
        clients
            .call("ec2", "AssociateVpcCidrBlock", || {
                ec2.associate_vpc_cidr_block()
                    .vpc_id(id)
                    .set_amazon_provided_ipv6_cidr_block(amazon.then_some(true))
                    .set_ipv6_ipam_pool_id(pool.clone())
                    .set_ipv6_netmask_length(int_attr(planned, "ipv6_netmask_length"))
                    .set_ipv6_cidr_block(
                        str_attr(planned, "ipv6_cidr_block").filter(|_| pool.is_some()),
                    )
                    .set_ipv6_cidr_block_network_border_group(str_attr(
                        planned,
                        "ipv6_cidr_block_network_border_group",
                    ))
                    .send()
            })
            .await?;
    }
    Ok(())
}

async fn set_dns(
    clients: &Clients,
    id: &str,
    planned: &Value,
    prior: Option<&Value>,
) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    let wanted_support = bool_attr(planned, "enable_dns_support").unwrap_or(DEFAULT_DNS_SUPPORT);
    let had_support = prior
        .and_then(|p| bool_attr(p, "enable_dns_support"))
        .unwrap_or(DEFAULT_DNS_SUPPORT);
    if wanted_support != had_support {
        let value = AttributeBooleanValue::builder()
            .value(wanted_support)
            .build();
        clients
            .call("ec2", "ModifyVpcAttribute", || {
                ec2.modify_vpc_attribute()
                    .vpc_id(id)
                    .enable_dns_support(value.clone())
                    .send()
            })
            .await?;
    }
    let wanted_hostnames =
        bool_attr(planned, "enable_dns_hostnames").unwrap_or(DEFAULT_DNS_HOSTNAMES);
    let had_hostnames = prior
        .and_then(|p| bool_attr(p, "enable_dns_hostnames"))
        .unwrap_or(DEFAULT_DNS_HOSTNAMES);
    if wanted_hostnames != had_hostnames {
        let value = AttributeBooleanValue::builder()
            .value(wanted_hostnames)
            .build();
        clients
            .call("ec2", "ModifyVpcAttribute", || {
                ec2.modify_vpc_attribute()
                    .vpc_id(id)
                    .enable_dns_hostnames(value.clone())
                    .send()
            })
            .await?;
    }
    let metrics = bool_attr(planned, "enable_network_address_usage_metrics");
    let had_metrics = prior.and_then(|p| bool_attr(p, "enable_network_address_usage_metrics"));
    if let Some(wanted) = metrics.filter(|m| Some(*m) != had_metrics && (prior.is_some() || *m)) {
        let value = AttributeBooleanValue::builder().value(wanted).build();
        clients
            .call("ec2", "ModifyVpcAttribute", || {
                ec2.modify_vpc_attribute()
                    .vpc_id(id)
                    .enable_network_address_usage_metrics(value.clone())
                    .send()
            })
            .await?;
    }
    Ok(())
}

/// A VPC's state, with its DNS attributes; `None` if it vanished meanwhile.
async fn vpc_state(
    clients: &Clients,
    vpc: &aws_sdk_ec2::types::Vpc,
) -> Result<Option<Value>, ProviderError> {
    let ec2 = &clients.ec2;
    let id = vpc.vpc_id().unwrap_or_default();
    let mut dns = [None, None, None];
    for (slot, attribute) in dns.iter_mut().zip([
        VpcAttributeName::EnableDnsSupport,
        VpcAttributeName::EnableDnsHostnames,
        VpcAttributeName::EnableNetworkAddressUsageMetrics,
    ]) {
        let Some(reply) = clients
            .call("ec2", "DescribeVpcAttribute", || {
                ec2.describe_vpc_attribute()
                    .vpc_id(id)
                    .attribute(attribute.clone())
                    .send()
            })
            .await
            .or_gone()?
        else {
            return Ok(None);
        };
        *slot = match attribute {
            VpcAttributeName::EnableDnsSupport => reply.enable_dns_support(),
            VpcAttributeName::EnableDnsHostnames => reply.enable_dns_hostnames(),
            _ => reply.enable_network_address_usage_metrics(),
        }
        .and_then(|a| a.value());
    }
    let [support, hostnames, metrics] = dns;
    let ipv6 = vpc.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
    });
    Ok(Some(object([
        ("id", string(id)),
        ("arn", arn(clients, vpc.owner_id(), "vpc", id)),
        ("cidr_block", opt_string(vpc.cidr_block())),
        (
            "enable_dns_support",
            Value::Bool(support.unwrap_or(DEFAULT_DNS_SUPPORT)),
        ),
        (
            "enable_dns_hostnames",
            Value::Bool(hostnames.unwrap_or(DEFAULT_DNS_HOSTNAMES)),
        ),
        (
            "enable_network_address_usage_metrics",
            Value::Bool(metrics.unwrap_or(false)),
        ),
        (
            "instance_tenancy",
            opt_string(vpc.instance_tenancy().map(|t| t.as_str().to_string())),
        ),
        (
            "ipv6_cidr_block",
            opt_string(ipv6.and_then(|a| a.ipv6_cidr_block())),
        ),
        (
            "ipv6_association_id",
            opt_string(ipv6.and_then(|a| a.association_id())),
        ),
        (
            "ipv6_cidr_block_network_border_group",
            opt_string(ipv6.and_then(|a| a.network_border_group())),
        ),
        (
            "assign_generated_ipv6_cidr_block",
            Value::Bool(ipv6.and_then(|a| a.ipv6_pool()) == Some("Amazon")),
        ),
        ("owner_id", opt_string(vpc.owner_id())),
        ("tags", tags_value(vpc.tags())),
    ])))
}
