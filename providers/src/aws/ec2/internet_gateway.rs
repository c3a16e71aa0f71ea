//! `aws_internet_gateway`: a VPC's way to the internet. Its VPC attachment
//! changes in place (detach from the old VPC, attach to the new one), as in
//! Terraform's provider.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{InternetGateway as Sdk, ResourceType};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::retry::Poll;
use crate::aws::values::{object, opt_string, str_attr, string, tags_attribute};
use crate::aws::Clients;

pub struct InternetGateway;

#[async_trait]
impl Managed for InternetGateway {
    fn type_name(&self) -> &'static str {
        "aws_internet_gateway"
    }

    fn noun(&self) -> &'static str {
        "internet gateway"
    }

    fn schema(&self) -> Schema {
        Schema::new("An internet gateway, attached to a VPC.")
            .attr(
                AttributeSchema::optional("vpc_id", AttrType::String)
                    .describe("The VPC to attach the gateway to."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The gateway id."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The gateway's ARN."))
            .attr(
                AttributeSchema::computed("owner_id", AttrType::String)
                    .describe("The account that owns the gateway."),
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
        let tags = tag_specification(ResourceType::InternetGateway, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "CreateInternetGateway",
                || {
                    ec2.create_internet_gateway()
                        .tag_specifications(tags.clone())
                        .send()
                },
                || find_by_intent(clients, Kind::InternetGateway, request.operation_id),
            )
            .await?
            .found_or(|out| {
                out.internet_gateway()?
                    .internet_gateway_id()
                    .map(str::to_string)
            })
            .ok_or_else(|| ProviderError::new("CreateInternetGateway returned no id"))?;
        Ok(Made::id(id))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        match str_attr(planned, "vpc_id") {
            Some(vpc) => attach(clients, id, &vpc).await,
            None => Ok(()),
        }
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let (before, after) = (str_attr(prior, "vpc_id"), str_attr(planned, "vpc_id"));
        if before == after {
            return Ok(());
        }
        if let Some(vpc) = before {
            detach(clients, id, &vpc).await?;
        }
        match after {
            Some(vpc) => attach(clients, id, &vpc).await,
            None => Ok(()),
        }
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        if let Some(vpc) = str_attr(prior, "vpc_id") {
            detach(clients, id, &vpc).await?;
        }
        let ec2 = &clients.ec2;
        let progress = super::progress(request);
        // Addresses mapped in the VPC keep the gateway in use for a while
        // after their NAT gateway or machine is gone.
        clients
            .wait(
                &format!("internet gateway {id} to be deleted"),
                std::time::Duration::from_secs(20 * 60),
                &progress,
                || async {
                    match clients
                        .call("ec2", "DeleteInternetGateway", || {
                            ec2.delete_internet_gateway().internet_gateway_id(id).send()
                        })
                        .await
                    {
                        Ok(_) => Ok(Poll::Ready(())),
                        Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                        Err(e) if e.code.as_deref() == Some("DependencyViolation") => {
                            Ok(Poll::Pending("still in use".to_string()))
                        }
                        Err(e) => Err(e.into()),
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
        let ec2 = &clients.ec2;
        let gateways = describe_by_filter(ids, "internet-gateway-id", |filter, token| async move {
            let page = clients
                .call("ec2", "DescribeInternetGateways", || {
                    ec2.describe_internet_gateways()
                        .filters(filter.clone())
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok((
                page.internet_gateways().to_vec(),
                page.next_token().map(str::to_string),
            ))
        })
        .await?;
        Ok(gateways
            .iter()
            .filter_map(|g| Some((g.internet_gateway_id()?.to_string(), state(clients, g))))
            .collect())
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, Kind::InternetGateway, operation_id).await
    }
}

fn state(clients: &Clients, gateway: &Sdk) -> Value {
    let id = gateway.internet_gateway_id().unwrap_or_default();
    let vpc = gateway
        .attachments()
        .iter()
        .find_map(|a| a.vpc_id().map(str::to_string));
    object([
        ("id", string(id)),
        (
            "arn",
            arn(clients, gateway.owner_id(), "internet-gateway", id),
        ),
        ("owner_id", opt_string(gateway.owner_id())),
        ("vpc_id", opt_string(vpc)),
        ("tags", tags_value(gateway.tags())),
    ])
}

async fn attach(clients: &Clients, id: &str, vpc: &str) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    clients
        .call("ec2", "AttachInternetGateway", || {
            ec2.attach_internet_gateway()
                .internet_gateway_id(id)
                .vpc_id(vpc)
                .send()
        })
        .await?;
    Ok(())
}

async fn detach(clients: &Clients, id: &str, vpc: &str) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    match clients
        .call("ec2", "DetachInternetGateway", || {
            ec2.detach_internet_gateway()
                .internet_gateway_id(id)
                .vpc_id(vpc)
                .send()
        })
        .await
    {
        // Already detached: nothing to do.
        Err(e) if e.code.as_deref() == Some("Gateway.NotAttached") => Ok(()),
        other => other.gone_ok(),
    }
}
