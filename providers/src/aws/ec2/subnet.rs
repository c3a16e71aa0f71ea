//! `aws_subnet`: an address range of a VPC in one availability zone. Its VPC,
//! range and zone cannot change; public-address mapping and tags can.

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
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

#[path = "subnet_attributes.rs"]
mod attributes;

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
        attributes::with_flags(Schema::new(
            "A subnet: an address range of a VPC in one availability zone.",
        ))
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
            AttributeSchema::optional_computed("availability_zone_id", AttrType::String)
                .force_new()
                .describe("The availability zone by id (use1-az1); instead of availability_zone."),
        )
        .attr(
            AttributeSchema::optional_computed("ipv6_cidr_block", AttrType::String)
                .describe("A /64 IPv6 range of the VPC's; changes in place."),
        )
        .attr(
            AttributeSchema::optional("ipv6_native", AttrType::Bool)
                .default(false)
                .force_new()
                .describe("An IPv6-only subnet."),
        )
        .attr(
            AttributeSchema::optional("outpost_arn", AttrType::String)
                .force_new()
                .describe("The Outpost the subnet is on."),
        )
        .attr(
            AttributeSchema::optional("customer_owned_ipv4_pool", AttrType::String).describe(
                "The customer-owned address pool (Outposts), with map_customer_owned_ip_on_launch.",
            ),
        )
        .attr(
            AttributeSchema::optional_computed(
                "private_dns_hostname_type_on_launch",
                AttrType::String,
            )
            .describe("Host names of new machines: \"ip-name\" or \"resource-name\"."),
        )
        .attr(
            AttributeSchema::optional_computed("enable_lni_at_device_index", AttrType::Number)
                .describe("The device index of local network interfaces (Outposts)."),
        )
        .attr(tags_attribute())
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The subnet id."))
        .attr(AttributeSchema::computed("arn", AttrType::String).describe("The subnet's ARN."))
        .attr(
            AttributeSchema::computed("ipv6_cidr_block_association_id", AttrType::String)
                .describe("The association of the IPv6 range."),
        )
        .attr(
            AttributeSchema::computed("owner_id", AttrType::String)
                .describe("The account that owns the subnet."),
        )
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
        let zone_id = str_attr(planned, "availability_zone_id").filter(|_| zone.is_none());
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
                        .set_availability_zone_id(zone_id.clone())
                        .set_ipv6_cidr_block(str_attr(planned, "ipv6_cidr_block"))
                        .set_ipv6_native(bool_attr(planned, "ipv6_native").filter(|n| *n))
                        .set_outpost_arn(str_attr(planned, "outpost_arn"))
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
        attributes::write(clients, id, &Value::Null, planned).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        attributes::ipv6_range(clients, id, prior, planned).await?;
        attributes::write(clients, id, prior, planned).await
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

fn subnet_state(clients: &Clients, subnet: &aws_sdk_ec2::types::Subnet) -> Value {
    let id = subnet.subnet_id().unwrap_or_default();
    let arn = match subnet.subnet_arn() {
        Some(a) => string(a),
        None => arn(clients, subnet.owner_id(), "subnet", id),
    };
    let mut state = object([
        ("id", string(id)),
        ("arn", arn),
        ("vpc_id", opt_string(subnet.vpc_id())),
        ("cidr_block", opt_string(subnet.cidr_block())),
        ("availability_zone", opt_string(subnet.availability_zone())),
        (
            "availability_zone_id",
            opt_string(subnet.availability_zone_id()),
        ),
        ("owner_id", opt_string(subnet.owner_id())),
        ("outpost_arn", opt_string(subnet.outpost_arn())),
        (
            "ipv6_native",
            Value::Bool(subnet.ipv6_native().unwrap_or(false)),
        ),
        ("tags", tags_value(subnet.tags())),
    ]);
    if let Value::Map(map) = &mut state {
        map.extend(attributes::read(subnet));
    }
    state
}
