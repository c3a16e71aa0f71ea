//! A subnet's launch settings, which `ModifySubnetAttribute` changes one at
//! a time, and its IPv6 range, changed by re-association.

use aws_sdk_ec2::operation::modify_subnet_attribute::builders::ModifySubnetAttributeFluentBuilder;
use aws_sdk_ec2::types::{AttributeBooleanValue, HostnameType, Subnet};
use engine::provider::{AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use crate::aws::values::{bool_attr, changed, number_attr, opt_string, str_attr};
use crate::aws::Clients;

type Setter = fn(
    ModifySubnetAttributeFluentBuilder,
    AttributeBooleanValue,
) -> ModifySubnetAttributeFluentBuilder;
type Reader = fn(&Subnet) -> Option<bool>;

/// The boolean settings: name, description, how to set and how to read.
const FLAGS: &[(&str, &str, Setter, Reader)] = &[
    (
        "map_public_ip_on_launch",
        "Give machines launched here a public IPv4 address.",
        |r, v| r.map_public_ip_on_launch(v),
        |s| s.map_public_ip_on_launch(),
    ),
    (
        "assign_ipv6_address_on_creation",
        "Give network interfaces made here an IPv6 address.",
        |r, v| r.assign_ipv6_address_on_creation(v),
        |s| s.assign_ipv6_address_on_creation(),
    ),
    (
        "map_customer_owned_ip_on_launch",
        "Give interfaces made here a customer-owned address (Outposts).",
        |r, v| r.map_customer_owned_ip_on_launch(v),
        |s| s.map_customer_owned_ip_on_launch(),
    ),
    (
        "enable_dns64",
        "Answer DNS64 (synthetic IPv6) for IPv4-only names.",
        |r, v| r.enable_dns64(v),
        |s| s.enable_dns64(),
    ),
    (
        "enable_resource_name_dns_a_record_on_launch",
        "Answer A queries for machine host names.",
        |r, v| r.enable_resource_name_dns_a_record_on_launch(v),
        |s| {
            s.private_dns_name_options_on_launch()?
                .enable_resource_name_dns_a_record()
        },
    ),
    (
        "enable_resource_name_dns_aaaa_record_on_launch",
        "Answer AAAA queries for machine host names.",
        |r, v| r.enable_resource_name_dns_aaaa_record_on_launch(v),
        |s| {
            s.private_dns_name_options_on_launch()?
                .enable_resource_name_dns_aaaa_record()
        },
    ),
];

/// Adds the boolean settings (each optional, false by default, changed in
/// place) to the subnet's schema.
pub fn with_flags(schema: Schema) -> Schema {
    FLAGS.iter().fold(schema, |schema, (name, what, _, _)| {
        schema.attr(
            AttributeSchema::optional(name, AttrType::Bool)
                .default(false)
                .describe(what),
        )
    })
}

/// The settings as the subnet reports them.
pub fn read(subnet: &Subnet) -> Vec<(String, Value)> {
    let mut values: Vec<(String, Value)> = FLAGS
        .iter()
        .map(|(name, _, _, reader)| {
            (
                name.to_string(),
                Value::Bool(reader(subnet).unwrap_or(false)),
            )
        })
        .collect();
    let ipv6 = subnet.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
    });
    values.extend([
        (
            "ipv6_cidr_block".to_string(),
            opt_string(ipv6.and_then(|a| a.ipv6_cidr_block())),
        ),
        (
            "ipv6_cidr_block_association_id".to_string(),
            opt_string(ipv6.and_then(|a| a.association_id())),
        ),
        (
            "customer_owned_ipv4_pool".to_string(),
            opt_string(subnet.customer_owned_ipv4_pool()),
        ),
        (
            "private_dns_hostname_type_on_launch".to_string(),
            opt_string(
                subnet
                    .private_dns_name_options_on_launch()
                    .and_then(|o| o.hostname_type())
                    .map(|t| t.as_str().to_string()),
            ),
        ),
        (
            "enable_lni_at_device_index".to_string(),
            subnet
                .enable_lni_at_device_index()
                .map(|i| Value::from(i64::from(i)))
                .unwrap_or(Value::from(0i64)),
        ),
    ]);
    values
}

/// Sends one `ModifySubnetAttribute` per setting that differs from `prior`
/// (null on a create, where false is what a new subnet has).
pub async fn write(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    for (name, _, setter, _) in FLAGS {
        let want = bool_attr(planned, name).unwrap_or(false);
        if bool_attr(prior, name).unwrap_or(false) == want {
            continue;
        }
        let value = AttributeBooleanValue::builder().value(want).build();
        clients
            .call("ec2", "ModifySubnetAttribute", || {
                setter(ec2.modify_subnet_attribute().subnet_id(id), value.clone()).send()
            })
            .await?;
    }
    if let Some(pool) = str_attr(planned, "customer_owned_ipv4_pool")
        .filter(|_| changed(prior, planned, "customer_owned_ipv4_pool"))
    {
        clients
            .call("ec2", "ModifySubnetAttribute", || {
                ec2.modify_subnet_attribute()
                    .subnet_id(id)
                    .customer_owned_ipv4_pool(&pool)
                    .send()
            })
            .await?;
    }
    if let Some(kind) = str_attr(planned, "private_dns_hostname_type_on_launch")
        .filter(|_| changed(prior, planned, "private_dns_hostname_type_on_launch"))
    {
        clients
            .call("ec2", "ModifySubnetAttribute", || {
                ec2.modify_subnet_attribute()
                    .subnet_id(id)
                    .private_dns_hostname_type_on_launch(HostnameType::from(kind.as_str()))
                    .send()
            })
            .await?;
    }
    if let Some(index) = number_attr(planned, "enable_lni_at_device_index")
        .filter(|i| *i > 0.0 && changed(prior, planned, "enable_lni_at_device_index"))
    {
        clients
            .call("ec2", "ModifySubnetAttribute", || {
                ec2.modify_subnet_attribute()
                    .subnet_id(id)
                    .enable_lni_at_device_index(index as i32)
                    .send()
            })
            .await?;
    }
    Ok(())
}

/// Replaces the subnet's IPv6 range when the configured one changes.
pub async fn ipv6_range(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let wanted = planned
        .get_attr("ipv6_cidr_block")
        .filter(|v| v.is_wholly_known())
        .cloned()
        .unwrap_or(Value::Null);
    if !changed(prior, planned, "ipv6_cidr_block") || wanted.is_unknown() {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    if let Some(association) = str_attr(prior, "ipv6_cidr_block_association_id") {
        clients
            .call("ec2", "DisassociateSubnetCidrBlock", || {
                ec2.disassociate_subnet_cidr_block()
                    .association_id(&association)
                    .send()
            })
            .await?;
    }
    if let Some(block) = str_attr(planned, "ipv6_cidr_block") {
        clients
            .call("ec2", "AssociateSubnetCidrBlock", || {
                ec2.associate_subnet_cidr_block()
                    .subnet_id(id)
                    .ipv6_cidr_block(&block)
                    .send()
            })
            .await?;
    }
    Ok(())
}
