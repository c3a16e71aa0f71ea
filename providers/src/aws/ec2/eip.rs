//! `aws_eip`: an Elastic IP address, optionally associated with a machine or
//! a network interface (changed in place by re-associating).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Address, DomainType, ResourceType};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::values::{
    bool_attr, changed, object, opt_string, str_attr, string, tags_attribute,
};
use crate::aws::Clients;

pub struct Eip;

#[async_trait]
impl Managed for Eip {
    fn type_name(&self) -> &'static str {
        "aws_eip"
    }

    fn noun(&self) -> &'static str {
        "Elastic IP"
    }

    fn schema(&self) -> Schema {
        let computed =
            |name, what| AttributeSchema::computed(name, AttrType::String).describe(what);
        Schema::new("An Elastic IP address.")
            .attr(
                AttributeSchema::optional_computed("domain", AttrType::String)
                    .force_new()
                    .describe("\"vpc\" (the default) or \"standard\"."),
            )
            .attr(
                AttributeSchema::optional_computed("vpc", AttrType::Bool)
                    .force_new()
                    .describe("Deprecated: use domain = \"vpc\"."),
            )
            .attr(
                AttributeSchema::optional_computed("instance", AttrType::String)
                    .describe("The machine to associate the address with."),
            )
            .attr(
                AttributeSchema::optional_computed("network_interface", AttrType::String)
                    .describe("The network interface to associate the address with."),
            )
            .attr(
                AttributeSchema::optional("associate_with_private_ip", AttrType::String)
                    .describe("The private address of the interface to associate with."),
            )
            .attr(
                AttributeSchema::optional("ipam_pool_id", AttrType::String)
                    .force_new()
                    .describe("The IPAM pool to allocate from."),
            )
            .attr(
                AttributeSchema::optional("address", AttrType::String)
                    .force_new()
                    .describe("An address from an address pool to allocate."),
            )
            .attr(
                AttributeSchema::optional_computed("public_ipv4_pool", AttrType::String)
                    .force_new()
                    .describe("The address pool to allocate from."),
            )
            .attr(
                AttributeSchema::optional("customer_owned_ipv4_pool", AttrType::String)
                    .force_new()
                    .describe("A customer-owned address pool (Outposts)."),
            )
            .attr(
                AttributeSchema::optional_computed("network_border_group", AttrType::String)
                    .force_new()
                    .describe("Where AWS advertises the address."),
            )
            .attr(tags_attribute())
            .attr(computed("id", "The allocation id."))
            .attr(computed("allocation_id", "The allocation id."))
            .attr(computed(
                "association_id",
                "The association id, when associated.",
            ))
            .attr(computed("arn", "The address's ARN."))
            .attr(computed("public_ip", "The public address."))
            .attr(computed(
                "private_ip",
                "The private address it is associated with.",
            ))
            .attr(computed("public_dns", "The public DNS name."))
            .attr(computed("private_dns", "The private DNS name."))
            .attr(computed("carrier_ip", "The carrier address (Wavelength)."))
            .attr(computed("customer_owned_ip", "The customer-owned address."))
            .attr(computed("ptr_record", "The reverse DNS record."))
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&Ec2Tags)
    }

    fn kept(&self) -> &'static [&'static str] {
        &["associate_with_private_ip", "address", "ipam_pool_id"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let standard = str_attr(planned, "domain").as_deref() == Some("standard")
            || bool_attr(planned, "vpc") == Some(false);
        let domain = if standard {
            DomainType::Standard
        } else {
            DomainType::Vpc
        };
        let tags = tag_specification(ResourceType::ElasticIp, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "AllocateAddress",
                || {
                    ec2.allocate_address()
                        .domain(domain.clone())
                        .set_address(str_attr(planned, "address"))
                        .set_public_ipv4_pool(str_attr(planned, "public_ipv4_pool"))
                        .set_customer_owned_ipv4_pool(str_attr(planned, "customer_owned_ipv4_pool"))
                        .set_network_border_group(str_attr(planned, "network_border_group"))
                        .set_ipam_pool_id(str_attr(planned, "ipam_pool_id"))
                        .tag_specifications(tags.clone())
                        .send()
                },
                || find_by_intent(clients, Kind::Eip, request.operation_id),
            )
            .await?
            .found_or(|out| out.allocation_id().map(str::to_string))
            .ok_or_else(|| ProviderError::new("AllocateAddress returned no allocation id"))?;
        Ok(Made::id(id))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        associate(clients, id, planned).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let moved = ["instance", "network_interface", "associate_with_private_ip"]
            .iter()
            .any(|name| {
                changed(prior, planned, name)
                    && !planned.get_attr(name).is_some_and(Value::is_unknown)
            });
        if moved {
            disassociate(clients, prior).await?;
            associate(clients, id, planned).await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        disassociate(clients, prior).await?;
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "ReleaseAddress", || {
                ec2.release_address().allocation_id(id).send()
            })
            .await
            .gone_ok()
    }

    /// DescribeAddresses does not page: one call per 200 addresses.
    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let ec2 = &clients.ec2;
        let addresses = describe_by_filter(ids, "allocation-id", |filter, _token| async move {
            let page = clients
                .call("ec2", "DescribeAddresses", || {
                    ec2.describe_addresses().filters(filter.clone()).send()
                })
                .await?;
            Ok((page.addresses().to_vec(), None))
        })
        .await?;
        let account = clients.account_id().await;
        Ok(addresses
            .iter()
            .filter_map(|a| {
                Some((
                    a.allocation_id()?.to_string(),
                    state(clients, account.as_deref(), a),
                ))
            })
            .collect())
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, Kind::Eip, operation_id).await
    }
}

/// DNS names as AWS gives them to machines: `ec2-1-2-3-4.compute-1.amazonaws.com`
/// in us-east-1, `ec2-1-2-3-4.REGION.compute.amazonaws.com` elsewhere (and
/// `ip-10-0-0-1.ec2.internal` / `ip-….REGION.compute.internal` inside).
fn dns_names(region: &str, public: Option<&str>, private: Option<&str>) -> (Value, Value) {
    let dashed = |ip: &str| ip.replace('.', "-");
    let (public_suffix, private_suffix) = if region == "us-east-1" {
        (
            "compute-1.amazonaws.com".to_string(),
            "ec2.internal".to_string(),
        )
    } else {
        (
            format!("{region}.compute.amazonaws.com"),
            format!("{region}.compute.internal"),
        )
    };
    (
        opt_string(public.map(|ip| format!("ec2-{}.{public_suffix}", dashed(ip)))),
        opt_string(private.map(|ip| format!("ip-{}.{private_suffix}", dashed(ip)))),
    )
}

fn state(clients: &Clients, account: Option<&str>, a: &Address) -> Value {
    let id = a.allocation_id().unwrap_or_default();
    let (public_dns, private_dns) =
        dns_names(&clients.region, a.public_ip(), a.private_ip_address());
    let domain = a.domain().map(|d| d.as_str().to_string());
    object([
        ("id", string(id)),
        ("allocation_id", string(id)),
        ("arn", arn(clients, account, "elastic-ip", id)),
        ("association_id", opt_string(a.association_id())),
        ("vpc", Value::Bool(domain.as_deref() == Some("vpc"))),
        ("domain", opt_string(domain)),
        (
            "instance",
            opt_string(a.instance_id().filter(|i| !i.is_empty())),
        ),
        ("network_interface", opt_string(a.network_interface_id())),
        ("public_ip", opt_string(a.public_ip())),
        ("private_ip", opt_string(a.private_ip_address())),
        ("public_dns", public_dns),
        ("private_dns", private_dns),
        ("public_ipv4_pool", opt_string(a.public_ipv4_pool())),
        ("network_border_group", opt_string(a.network_border_group())),
        (
            "customer_owned_ipv4_pool",
            opt_string(a.customer_owned_ipv4_pool()),
        ),
        ("customer_owned_ip", opt_string(a.customer_owned_ip())),
        ("carrier_ip", opt_string(a.carrier_ip())),
        ("ptr_record", Value::Null),
        ("address", Value::Null),
        ("ipam_pool_id", Value::Null),
        ("tags", tags_value(a.tags())),
    ])
}

async fn associate(clients: &Clients, id: &str, planned: &Value) -> Result<(), ProviderError> {
    let instance = str_attr(planned, "instance");
    let interface = str_attr(planned, "network_interface");
    if instance.is_none() && interface.is_none() {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    clients
        .call("ec2", "AssociateAddress", || {
            ec2.associate_address()
                .allocation_id(id)
                .set_instance_id(instance.clone())
                .set_network_interface_id(interface.clone())
                .set_private_ip_address(str_attr(planned, "associate_with_private_ip"))
                .send()
        })
        .await?;
    Ok(())
}

async fn disassociate(clients: &Clients, prior: &Value) -> Result<(), ProviderError> {
    let Some(association) = str_attr(prior, "association_id").filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    let ec2 = &clients.ec2;
    clients
        .call("ec2", "DisassociateAddress", || {
            ec2.disassociate_address()
                .association_id(&association)
                .send()
        })
        .await
        .gone_ok()
}
