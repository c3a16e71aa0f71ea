//! `aws_nat_gateway`: outbound internet access for private subnets. Every
//! argument but the tags forces a new gateway. Creates and deletes take
//! minutes; both are waited for.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    ConnectivityType, Filter, NatGateway as Sdk, NatGatewayState, ResourceType,
};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::{describe_by_filter, made_by_tags, tag_specification, tags_value, Ec2Tags};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::retry::Poll;
use crate::aws::values::{
    number_attr, object, opt_string, required_str, str_attr, string, string_set, strings_attr,
    tags_attribute, timeout, timeouts_block,
};
use crate::aws::{AwsError, Clients};

#[path = "nat_gateway_secondary.rs"]
mod secondary;

pub struct NatGateway;

const CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A gateway that is deleted (or failed) is gone: AWS lists it for an hour.
fn gone(gateway: &Sdk) -> bool {
    matches!(
        gateway.state(),
        Some(NatGatewayState::Deleted)
            | Some(NatGatewayState::Deleting)
            | Some(NatGatewayState::Failed)
    )
}

pub(super) async fn describe_where(
    clients: &Clients,
    filter: &str,
    values: &[String],
) -> Result<Vec<Sdk>, AwsError> {
    let ec2 = &clients.ec2;
    describe_by_filter(values, filter, |filter: Filter, token| async move {
        let page = clients
            .call("ec2", "DescribeNatGateways", || {
                ec2.describe_nat_gateways()
                    .filter(filter.clone())
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok((
            page.nat_gateways().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await
}

fn state(gateway: &Sdk) -> Value {
    let addresses = gateway.nat_gateway_addresses();
    // The first address is the primary one where none is marked.
    let primary = addresses
        .iter()
        .position(|a| a.is_primary() == Some(true))
        .unwrap_or(0);
    let address = addresses.get(primary);
    let secondary: Vec<_> = addresses
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != primary)
        .map(|(_, a)| a)
        .collect();
    object([
        ("id", opt_string(gateway.nat_gateway_id())),
        ("subnet_id", opt_string(gateway.subnet_id())),
        (
            "allocation_id",
            opt_string(address.and_then(|a| a.allocation_id())),
        ),
        (
            "association_id",
            opt_string(address.and_then(|a| a.association_id())),
        ),
        (
            "network_interface_id",
            opt_string(address.and_then(|a| a.network_interface_id())),
        ),
        ("public_ip", opt_string(address.and_then(|a| a.public_ip()))),
        (
            "private_ip",
            opt_string(address.and_then(|a| a.private_ip())),
        ),
        (
            "connectivity_type",
            string(
                gateway
                    .connectivity_type()
                    .map(|c| c.as_str())
                    .unwrap_or("public"),
            ),
        ),
        (
            "secondary_allocation_ids",
            string_set(secondary.iter().filter_map(|a| a.allocation_id())),
        ),
        (
            "secondary_private_ip_addresses",
            string_set(secondary.iter().filter_map(|a| a.private_ip())),
        ),
        (
            "secondary_private_ip_address_count",
            Value::from(secondary.len() as i64),
        ),
        ("tags", tags_value(gateway.tags())),
    ])
}

fn non_empty(items: Vec<String>) -> Option<Vec<String>> {
    (!items.is_empty()).then_some(items)
}

#[async_trait]
impl Managed for NatGateway {
    fn type_name(&self) -> &'static str {
        "aws_nat_gateway"
    }

    fn noun(&self) -> &'static str {
        "NAT gateway"
    }

    fn schema(&self) -> Schema {
        Schema::new("A NAT gateway in a subnet.")
            .attr(
                AttributeSchema::required("subnet_id", AttrType::String)
                    .force_new()
                    .describe("The (public) subnet the gateway sits in."),
            )
            .attr(
                AttributeSchema::optional("allocation_id", AttrType::String)
                    .force_new()
                    .describe("The Elastic IP of a public gateway."),
            )
            .attr(
                AttributeSchema::optional("connectivity_type", AttrType::String)
                    .default("public")
                    .force_new()
                    .describe("\"public\" (the default) or \"private\"."),
            )
            .attr(
                AttributeSchema::optional_computed("private_ip", AttrType::String)
                    .force_new()
                    .describe("The private address; AWS picks one when unset."),
            )
            .attr(
                AttributeSchema::optional_computed("secondary_allocation_ids", AttrType::set_of(AttrType::String))
                    .describe("More Elastic IPs of a public gateway; changes in place."),
            )
            .attr(
                AttributeSchema::optional_computed(
                    "secondary_private_ip_addresses",
                    AttrType::set_of(AttrType::String),
                )
                .describe("More private addresses; changes in place."),
            )
            .attr(
                AttributeSchema::optional_computed("secondary_private_ip_address_count", AttrType::Number)
                    .describe("How many more private addresses AWS picks (private gateways); changes in place."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The gateway id."))
            .attr(
                AttributeSchema::computed("association_id", AttrType::String)
                    .describe("The association id of its Elastic IP."),
            )
            .attr(
                AttributeSchema::computed("network_interface_id", AttrType::String)
                    .describe("Its network interface."),
            )
            .attr(
                AttributeSchema::computed("public_ip", AttrType::String)
                    .describe("Its public address."),
            )
            .block(timeouts_block())
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&Ec2Tags)
    }

    fn kept(&self) -> &'static [&'static str] {
        &["timeouts"]
    }

    /// CreateNatGateway takes a ClientToken, which AWS honours: the
    /// operation id, so a create sent twice makes one gateway.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let subnet = required_str(planned, "subnet_id")?;
        let tags = tag_specification(ResourceType::Natgateway, planned, request.operation_id);
        let token: String = request.operation_id.chars().take(64).collect();
        let connectivity = ConnectivityType::from(
            str_attr(planned, "connectivity_type")
                .unwrap_or_else(|| "public".to_string())
                .as_str(),
        );
        let ec2 = &clients.ec2;
        let out = clients
            .call("ec2", "CreateNatGateway", || {
                ec2.create_nat_gateway()
                    .subnet_id(&subnet)
                    .set_allocation_id(str_attr(planned, "allocation_id"))
                    .set_private_ip_address(str_attr(planned, "private_ip"))
                    .set_secondary_allocation_ids(non_empty(strings_attr(
                        planned,
                        "secondary_allocation_ids",
                    )))
                    .set_secondary_private_ip_addresses(non_empty(strings_attr(
                        planned,
                        "secondary_private_ip_addresses",
                    )))
                    .set_secondary_private_ip_address_count(
                        number_attr(planned, "secondary_private_ip_address_count")
                            .filter(|n| {
                                *n > 0.0
                                    && strings_attr(planned, "secondary_private_ip_addresses")
                                        .is_empty()
                            })
                            .map(|n| n as i32),
                    )
                    .connectivity_type(connectivity.clone())
                    .client_token(&token)
                    .tag_specifications(tags.clone())
                    .send()
            })
            .await?;
        let id = out
            .nat_gateway()
            .and_then(|g| g.nat_gateway_id())
            .ok_or_else(|| ProviderError::new("CreateNatGateway returned no id"))?;
        Ok(Made::id(id))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let progress = super::progress(request);
        let ids = [id.to_string()];
        clients
            .wait(
                &format!("NAT gateway {id} to become available"),
                timeout(planned, "create", CREATE_TIMEOUT),
                &progress,
                || async {
                    let found = describe_where(clients, "nat-gateway-id", &ids).await?;
                    match found.first().and_then(|g| g.state()) {
                        Some(NatGatewayState::Available) => Ok(Poll::Ready(())),
                        Some(NatGatewayState::Failed) => Err(ProviderError::new(format!(
                            "the NAT gateway {id} failed: {}",
                            found[0].failure_message().unwrap_or("no reason given")
                        ))),
                        Some(other) => Ok(Poll::Pending(other.as_str().to_string())),
                        None => Ok(Poll::Pending("not visible yet".to_string())),
                    }
                },
            )
            .await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        secondary::update(clients, id, prior, planned).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "DeleteNatGateway", || {
                ec2.delete_nat_gateway().nat_gateway_id(id).send()
            })
            .await
            .gone_ok()?;
        let progress = super::progress(request);
        let ids = [id.to_string()];
        // Its Elastic IP and subnet stay in use until it is deleted.
        clients
            .wait(
                &format!("NAT gateway {id} to be deleted"),
                timeout(prior, "delete", DELETE_TIMEOUT),
                &progress,
                || async {
                    let found = describe_where(clients, "nat-gateway-id", &ids).await?;
                    match found.first().and_then(|g| g.state()) {
                        None | Some(NatGatewayState::Deleted) => Ok(Poll::Ready(())),
                        Some(other) => Ok(Poll::Pending(other.as_str().to_string())),
                    }
                },
            )
            .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        Ok(describe_where(clients, "nat-gateway-id", ids)
            .await?
            .iter()
            .filter(|g| !gone(g))
            .filter_map(|g| Some((g.nat_gateway_id()?.to_string(), state(g))))
            .collect())
    }

    /// The live gateway of the planned subnet that carries our intent tag.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let Some(subnet) = str_attr(planned, "subnet_id") else {
            return Ok(None);
        };
        let found = describe_where(clients, "subnet-id", &[subnet]).await?;
        Ok(found
            .iter()
            .filter(|g| !gone(g) && made_by_tags(g.tags(), operation_id))
            .filter_map(|g| g.nat_gateway_id().map(str::to_string))
            .min())
    }
}
