//! `aws_vpc`: a virtual network. The CIDR block cannot change; the DNS
//! attributes and tags are updated in place.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, VpcAttributeName};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use std::collections::BTreeMap;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::values::{bool_attr, object, opt_string, required_str, string, tags_attribute};
use crate::aws::Clients;

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
                AttributeSchema::required("cidr_block", AttrType::String)
                    .force_new()
                    .describe("The IPv4 address range, e.g. \"10.0.0.0/16\"."),
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
        let cidr = required_str(planned, "cidr_block")?;
        let tags = tag_specification(ResourceType::Vpc, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "CreateVpc",
                || {
                    ec2.create_vpc()
                        .cidr_block(&cidr)
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
        set_dns(clients, id, planned, Some(prior)).await
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
            // The DNS attributes are not part of DescribeVpcs; they cost two
            // calls per VPC, as in Terraform.
            if let Some(state) = vpc_state(clients, &vpc).await? {
                found.insert(id.to_string(), state);
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
    Ok(())
}

/// A VPC's state, with its DNS attributes; `None` if it vanished meanwhile.
async fn vpc_state(
    clients: &Clients,
    vpc: &aws_sdk_ec2::types::Vpc,
) -> Result<Option<Value>, ProviderError> {
    let ec2 = &clients.ec2;
    let id = vpc.vpc_id().unwrap_or_default();
    let mut dns = [None, None];
    for (slot, attribute) in dns.iter_mut().zip([
        VpcAttributeName::EnableDnsSupport,
        VpcAttributeName::EnableDnsHostnames,
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
            _ => reply.enable_dns_hostnames(),
        }
        .and_then(|a| a.value());
    }
    let [support, hostnames] = dns;
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
        ("tags", tags_value(vpc.tags())),
    ])))
}
