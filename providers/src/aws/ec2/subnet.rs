//! `aws_subnet`: an address range of a VPC in one availability zone. Its VPC,
//! range and zone cannot change; public-address mapping and tags can.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use std::collections::BTreeMap;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::values::{
    bool_attr, object, opt_string, required_str, str_attr, string, tags_attribute,
};
use crate::aws::Clients;

pub struct Subnet;

#[async_trait]
impl Managed for Subnet {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
    }

    fn noun(&self) -> &'static str {
        "subnet"
    }

    fn schema(&self) -> Schema {
        Schema::new("A subnet: an address range of a VPC in one availability zone.")
            .attr(
                AttributeSchema::required("vpc_id", AttrType::String)
                    .force_new()
                    .describe("The VPC the subnet belongs to."),
            )
            .attr(
                AttributeSchema::required("cidr_block", AttrType::String)
                    .force_new()
                    .describe("The IPv4 address range, inside the VPC's."),
            )
            .attr(
                AttributeSchema::optional_computed("availability_zone", AttrType::String)
                    .force_new()
                    .describe("The availability zone; AWS picks one when unset."),
            )
            .attr(
                AttributeSchema::optional("map_public_ip_on_launch", AttrType::Bool)
                    .default(false)
                    .describe("Give instances launched here a public IP address."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The subnet id."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The subnet's ARN."))
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
        let vpc_id = required_str(planned, "vpc_id")?;
        let cidr = required_str(planned, "cidr_block")?;
        let zone = str_attr(planned, "availability_zone");
        let tags = tag_specification(ResourceType::Subnet, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "CreateSubnet",
                || {
                    ec2.create_subnet()
                        .vpc_id(&vpc_id)
                        .cidr_block(&cidr)
                        .set_availability_zone(zone.clone())
                        .tag_specifications(tags.clone())
                        .send()
                },
                || find_by_intent(clients, Kind::Subnet, request.operation_id),
            )
            .await?
            .found_or(|out| out.subnet()?.subnet_id().map(str::to_string))
            .ok_or_else(|| ProviderError::new("CreateSubnet returned no subnet id"))?;
        Ok(Made::id(id))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if bool_attr(planned, "map_public_ip_on_launch").unwrap_or(false) {
            set_map_public_ip(clients, id, true).await?;
        }
        Ok(())
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let wanted = bool_attr(planned, "map_public_ip_on_launch").unwrap_or(false);
        if bool_attr(prior, "map_public_ip_on_launch").unwrap_or(false) != wanted {
            set_map_public_ip(clients, id, wanted).await?;
        }
        Ok(())
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
            .call("ec2", "DeleteSubnet", || {
                ec2.delete_subnet().subnet_id(id).send()
            })
            .await
            .gone_ok()
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let ec2 = &clients.ec2;
        let subnets = describe_by_filter(ids, "subnet-id", |filter, token| async move {
            let page = clients
                .call("ec2", "DescribeSubnets", || {
                    ec2.describe_subnets()
                        .filters(filter.clone())
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok((
                page.subnets().to_vec(),
                page.next_token().map(str::to_string),
            ))
        })
        .await?;
        Ok(subnets
            .iter()
            .filter_map(|s| Some((s.subnet_id()?.to_string(), subnet_state(clients, s))))
            .collect())
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, Kind::Subnet, operation_id).await
    }
}

async fn set_map_public_ip(clients: &Clients, id: &str, on: bool) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    let value = AttributeBooleanValue::builder().value(on).build();
    clients
        .call("ec2", "ModifySubnetAttribute", || {
            ec2.modify_subnet_attribute()
                .subnet_id(id)
                .map_public_ip_on_launch(value.clone())
                .send()
        })
        .await?;
    Ok(())
}

fn subnet_state(clients: &Clients, subnet: &aws_sdk_ec2::types::Subnet) -> Value {
    let id = subnet.subnet_id().unwrap_or_default();
    let arn = match subnet.subnet_arn() {
        Some(a) => string(a),
        None => arn(clients, subnet.owner_id(), "subnet", id),
    };
    object([
        ("id", string(id)),
        ("arn", arn),
        ("vpc_id", opt_string(subnet.vpc_id())),
        ("cidr_block", opt_string(subnet.cidr_block())),
        ("availability_zone", opt_string(subnet.availability_zone())),
        (
            "map_public_ip_on_launch",
            Value::Bool(subnet.map_public_ip_on_launch().unwrap_or(false)),
        ),
        ("tags", tags_value(subnet.tags())),
    ])
}
