//! `aws_subnet`: an address range of a VPC in one availability zone. Its VPC,
//! range and zone cannot change; public-address mapping and tags can.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::{
    arn, find_by_intent, state_id, tag_specification, tags_changed, tags_value, update_tags, Kind,
};
use crate::aws::values::{
    bool_attr, object, opt_string, partial_state, required_str, str_attr, string, tags_attribute,
    KeepCreated,
};
use crate::aws::{AwsResource, Clients};

pub struct Subnet;

#[async_trait]
impl AwsResource for Subnet {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
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

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = request.planned.unwrap_or(&Value::Null);
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
        let partial = partial_state(planned, [("id", string(&id))]);
        if bool_attr(planned, "map_public_ip_on_launch").unwrap_or(false) {
            set_map_public_ip(clients, &id, true)
                .await
                .keep_created(&partial)?;
        }
        read_subnet(clients, &id)
            .await
            .keep_created(&partial)?
            .ok_or_else(|| ProviderError::new(format!("the subnet {id} vanished after creation")))
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = request.prior.unwrap_or(&Value::Null);
        let planned = request.planned.unwrap_or(&Value::Null);
        let id = state_id(prior)?;
        let wanted = bool_attr(planned, "map_public_ip_on_launch").unwrap_or(false);
        if bool_attr(prior, "map_public_ip_on_launch").unwrap_or(false) != wanted {
            set_map_public_ip(clients, &id, wanted).await?;
        }
        if tags_changed(prior, planned) {
            update_tags(clients, &id, prior, planned).await?;
        }
        read_subnet(clients, &id)
            .await?
            .ok_or_else(|| ProviderError::new(format!("the subnet {id} no longer exists")))
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let id = state_id(request.prior.unwrap_or(&Value::Null))?;
        let ec2 = &clients.ec2;
        match clients
            .call("ec2", "DeleteSubnet", || {
                ec2.delete_subnet().subnet_id(&id).send()
            })
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
        read_subnet(clients, &state_id(current)?).await
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        read_subnet(clients, id).await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        match find_by_intent(clients, Kind::Subnet, operation_id).await? {
            Some(id) => read_subnet(clients, &id).await,
            None => Ok(None),
        }
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

async fn read_subnet(clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
    let ec2 = &clients.ec2;
    let described = match clients
        .call("ec2", "DescribeSubnets", || {
            ec2.describe_subnets().subnet_ids(id).send()
        })
        .await
    {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(subnet) = described
        .subnets()
        .iter()
        .find(|s| s.subnet_id() == Some(id))
    else {
        return Ok(None);
    };
    let arn = match subnet.subnet_arn() {
        Some(a) => string(a),
        None => arn(clients, subnet.owner_id(), "subnet", id),
    };
    Ok(Some(object([
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
    ])))
}
