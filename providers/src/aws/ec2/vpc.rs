//! `aws_vpc`: a virtual network. The CIDR block cannot change; the DNS
//! attributes and tags are updated in place.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, VpcAttributeName};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::{
    arn, find_by_intent, state_id, tag_specification, tags_changed, tags_value, update_tags, Kind,
};
use crate::aws::values::{
    bool_attr, object, opt_string, partial_state, required_str, string, tags_attribute, KeepCreated,
};
use crate::aws::{AwsResource, Clients};

pub struct Vpc;

/// Terraform's defaults: DNS resolution on, DNS host names off.
const DEFAULT_DNS_SUPPORT: bool = true;
const DEFAULT_DNS_HOSTNAMES: bool = false;

#[async_trait]
impl AwsResource for Vpc {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
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

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = request.planned.unwrap_or(&Value::Null);
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
        let partial = partial_state(planned, [("id", string(&id))]);
        set_dns(clients, &id, planned, None)
            .await
            .keep_created(&partial)?;
        read_vpc(clients, &id)
            .await
            .keep_created(&partial)?
            .ok_or_else(|| ProviderError::new(format!("the VPC {id} vanished after creation")))
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = request.prior.unwrap_or(&Value::Null);
        let planned = request.planned.unwrap_or(&Value::Null);
        let id = state_id(prior)?;
        set_dns(clients, &id, planned, Some(prior)).await?;
        if tags_changed(prior, planned) {
            update_tags(clients, &id, prior, planned).await?;
        }
        read_vpc(clients, &id)
            .await?
            .ok_or_else(|| ProviderError::new(format!("the VPC {id} no longer exists")))
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let id = state_id(request.prior.unwrap_or(&Value::Null))?;
        let ec2 = &clients.ec2;
        match clients
            .call("ec2", "DeleteVpc", || ec2.delete_vpc().vpc_id(&id).send())
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        read_vpc(clients, &state_id(current)?).await
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        read_vpc(clients, id).await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        match find_by_intent(clients, Kind::Vpc, operation_id).await? {
            Some(id) => read_vpc(clients, &id).await,
            None => Ok(None),
        }
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

async fn read_vpc(clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
    let ec2 = &clients.ec2;
    let described = match clients
        .call("ec2", "DescribeVpcs", || {
            ec2.describe_vpcs().vpc_ids(id).send()
        })
        .await
    {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(vpc) = described.vpcs().iter().find(|v| v.vpc_id() == Some(id)) else {
        return Ok(None);
    };
    let mut dns = [None, None];
    for (slot, attribute) in dns.iter_mut().zip([
        VpcAttributeName::EnableDnsSupport,
        VpcAttributeName::EnableDnsHostnames,
    ]) {
        let reply = match clients
            .call("ec2", "DescribeVpcAttribute", || {
                ec2.describe_vpc_attribute()
                    .vpc_id(id)
                    .attribute(attribute.clone())
                    .send()
            })
            .await
        {
            Ok(r) => r,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
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
