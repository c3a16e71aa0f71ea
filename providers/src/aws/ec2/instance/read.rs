//! A described machine as its state value: what `DescribeInstances` says
//! of it, and what `DescribeVolumes` says of its volumes.

use std::collections::HashMap;

use aws_sdk_ec2::types::{Instance as Ec2Instance, InstanceNetworkInterface, Volume};
use engine::value::Value;

use super::{state_of, Described};
use crate::aws::ec2::{arn, tags_value};
use crate::aws::values::{object, opt_string, string, string_list, string_set};
use crate::aws::Clients;

fn opt_bool(b: Option<bool>) -> Value {
    b.map(Value::Bool).unwrap_or(Value::Null)
}

fn opt_number(n: Option<i32>) -> Value {
    n.map(|n| Value::from(i64::from(n))).unwrap_or(Value::Null)
}

fn list_of_one(value: Value) -> Value {
    Value::List(vec![value])
}

/// The machine's primary network interface (device index 0).
fn primary_interface(instance: &Ec2Instance) -> Option<&InstanceNetworkInterface> {
    instance
        .network_interfaces()
        .iter()
        .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0))
}

/// The name of an instance profile from its ARN
/// (`arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME`).
fn profile_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// The state value of a described machine. Arguments the API does not
/// report are left out here and carried by the seam (`Managed::kept`).
pub fn to_value(
    clients: &Clients,
    described: &Described,
    volumes: &HashMap<String, Volume>,
) -> Value {
    let instance = &described.instance;
    let id = instance.instance_id().unwrap_or_default();
    let mut value = object([
        ("id", string(id)),
        (
            "arn",
            arn(clients, described.owner.as_deref(), "instance", id),
        ),
        ("ami", opt_string(instance.image_id())),
        (
            "instance_type",
            opt_string(instance.instance_type().map(|t| t.as_str())),
        ),
        ("key_name", opt_string(instance.key_name())),
        ("subnet_id", opt_string(instance.subnet_id())),
        (
            "vpc_security_group_ids",
            string_set(
                instance
                    .security_groups()
                    .iter()
                    .filter_map(|g| g.group_id()),
            ),
        ),
        ("private_ip", opt_string(instance.private_ip_address())),
        ("public_ip", opt_string(instance.public_ip_address())),
        (
            "private_dns",
            opt_string(instance.private_dns_name().filter(|d| !d.is_empty())),
        ),
        (
            "public_dns",
            opt_string(instance.public_dns_name().filter(|d| !d.is_empty())),
        ),
        ("source_dest_check", opt_bool(instance.source_dest_check())),
        ("ebs_optimized", opt_bool(instance.ebs_optimized())),
        (
            "monitoring",
            opt_bool(
                instance
                    .monitoring()
                    .and_then(|m| m.state())
                    .map(|s| matches!(s.as_str(), "enabled" | "pending")),
            ),
        ),
        (
            "iam_instance_profile",
            opt_string(
                instance
                    .iam_instance_profile()
                    .and_then(|p| p.arn())
                    .map(profile_name),
            ),
        ),
        (
            "hibernation",
            Value::Bool(
                instance
                    .hibernation_options()
                    .and_then(|h| h.configured())
                    .unwrap_or(false),
            ),
        ),
        ("outpost_arn", opt_string(instance.outpost_arn())),
        (
            "instance_lifecycle",
            opt_string(instance.instance_lifecycle().map(|l| l.as_str())),
        ),
        (
            "spot_instance_request_id",
            opt_string(instance.spot_instance_request_id()),
        ),
        ("instance_state", string(state_of(instance).name())),
        ("tags", tags_value(instance.tags())),
    ]);
    if let Value::Map(map) = &mut value {
        map.extend(placement(instance));
        map.extend(addresses(instance));
        map.extend(option_blocks(instance));
        map.extend(volume_blocks(instance, volumes));
        // A block the answer leaves out is empty, not unknown.
        for name in super::schema::COMPUTED_BLOCKS {
            map.entry(name.to_string())
                .or_insert_with(|| Value::List(Vec::new()));
        }
    }
    value
}

fn placement(instance: &Ec2Instance) -> Vec<(String, Value)> {
    let p = instance.placement();
    let text = |f: fn(&aws_sdk_ec2::types::Placement) -> Option<&str>| {
        opt_string(p.and_then(f).filter(|s| !s.is_empty()))
    };
    vec![
        ("availability_zone".into(), text(|p| p.availability_zone())),
        ("placement_group".into(), text(|p| p.group_name())),
        ("placement_group_id".into(), text(|p| p.group_id())),
        ("host_id".into(), text(|p| p.host_id())),
        (
            "host_resource_group_arn".into(),
            text(|p| p.host_resource_group_arn()),
        ),
        (
            "tenancy".into(),
            opt_string(p.and_then(|p| p.tenancy()).map(|t| t.as_str().to_string())),
        ),
        (
            "placement_partition_number".into(),
            opt_number(p.and_then(|p| p.partition_number()).filter(|n| *n != 0)),
        ),
    ]
}

fn addresses(instance: &Ec2Instance) -> Vec<(String, Value)> {
    let primary = primary_interface(instance);
    let secondary = primary
        .map(|n| {
            n.private_ip_addresses()
                .iter()
                .filter(|a| a.primary() != Some(true))
                .filter_map(|a| a.private_ip_address())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let ipv6: Vec<&str> = primary
        .map(|n| {
            n.ipv6_addresses()
                .iter()
                .filter_map(|a| a.ipv6_address())
                .collect()
        })
        .unwrap_or_default();
    let primary_ipv6 = primary.map(|n| {
        n.ipv6_addresses()
            .iter()
            .any(|a| a.is_primary_ipv6() == Some(true))
    });
    let interface_id = primary.and_then(|n| n.network_interface_id());
    let delete = primary
        .and_then(|n| n.attachment())
        .and_then(|a| a.delete_on_termination());
    vec![
        (
            "primary_network_interface_id".into(),
            opt_string(interface_id),
        ),
        (
            "primary_network_interface".into(),
            Value::List(
                interface_id
                    .map(|id| {
                        object([
                            ("network_interface_id", string(id)),
                            ("delete_on_termination", opt_bool(delete)),
                        ])
                    })
                    .into_iter()
                    .collect(),
            ),
        ),
        ("secondary_private_ips".into(), string_set(secondary)),
        ("ipv6_address_count".into(), Value::from(ipv6.len() as i64)),
        ("ipv6_addresses".into(), string_list(ipv6)),
        (
            "enable_primary_ipv6".into(),
            Value::Bool(primary_ipv6.unwrap_or(false)),
        ),
        (
            "associate_public_ip_address".into(),
            Value::Bool(
                primary
                    .and_then(|n| n.association())
                    .and_then(|a| a.public_ip())
                    .is_some(),
            ),
        ),
        ("network_interface".into(), network_interfaces(instance)),
    ]
}

fn network_interfaces(instance: &Ec2Instance) -> Value {
    Value::set_from(
        instance
            .network_interfaces()
            .iter()
            .filter_map(|n| {
                let attachment = n.attachment()?;
                Some(object([
                    ("network_interface_id", opt_string(n.network_interface_id())),
                    ("device_index", opt_number(attachment.device_index())),
                    (
                        "network_card_index",
                        opt_number(Some(attachment.network_card_index().unwrap_or(0))),
                    ),
                    (
                        "delete_on_termination",
                        opt_bool(attachment.delete_on_termination()),
                    ),
                ]))
            })
            .collect(),
    )
}

fn option_blocks(instance: &Ec2Instance) -> Vec<(String, Value)> {
    let mut blocks = Vec::new();
    let text = |s: Option<&str>| opt_string(s.filter(|s| !s.is_empty()));
    if let Some(m) = instance.metadata_options() {
        blocks.push((
            "metadata_options".to_string(),
            list_of_one(object([
                ("http_endpoint", text(m.http_endpoint().map(|v| v.as_str()))),
                (
                    "http_protocol_ipv6",
                    text(m.http_protocol_ipv6().map(|v| v.as_str())),
                ),
                (
                    "http_put_response_hop_limit",
                    opt_number(m.http_put_response_hop_limit()),
                ),
                ("http_tokens", text(m.http_tokens().map(|v| v.as_str()))),
                (
                    "instance_metadata_tags",
                    text(m.instance_metadata_tags().map(|v| v.as_str())),
                ),
            ])),
        ));
    }
    if let Some(c) = instance.cpu_options() {
        blocks.push((
            "cpu_options".to_string(),
            list_of_one(object([
                ("core_count", opt_number(c.core_count())),
                ("threads_per_core", opt_number(c.threads_per_core())),
                ("amd_sev_snp", text(c.amd_sev_snp().map(|v| v.as_str()))),
                (
                    "nested_virtualization",
                    text(c.nested_virtualization().map(|v| v.as_str())),
                ),
            ])),
        ));
    }
    if let Some(c) = instance.capacity_reservation_specification() {
        let target = c.capacity_reservation_target().map(|t| {
            object([
                (
                    "capacity_reservation_id",
                    opt_string(t.capacity_reservation_id()),
                ),
                (
                    "capacity_reservation_resource_group_arn",
                    opt_string(t.capacity_reservation_resource_group_arn()),
                ),
            ])
        });
        blocks.push((
            "capacity_reservation_specification".to_string(),
            list_of_one(object([
                (
                    "capacity_reservation_preference",
                    text(c.capacity_reservation_preference().map(|v| v.as_str())),
                ),
                (
                    "capacity_reservation_target",
                    Value::List(target.into_iter().collect()),
                ),
            ])),
        ));
    }
    if let Some(e) = instance.enclave_options() {
        blocks.push((
            "enclave_options".to_string(),
            list_of_one(object([("enabled", opt_bool(e.enabled()))])),
        ));
    }
    if let Some(m) = instance.maintenance_options() {
        blocks.push((
            "maintenance_options".to_string(),
            list_of_one(object([(
                "auto_recovery",
                text(m.auto_recovery().map(|v| v.as_str())),
            )])),
        ));
    }
    if let Some(d) = instance.private_dns_name_options() {
        blocks.push((
            "private_dns_name_options".to_string(),
            list_of_one(object([
                ("hostname_type", text(d.hostname_type().map(|v| v.as_str()))),
                (
                    "enable_resource_name_dns_a_record",
                    opt_bool(d.enable_resource_name_dns_a_record()),
                ),
                (
                    "enable_resource_name_dns_aaaa_record",
                    opt_bool(d.enable_resource_name_dns_aaaa_record()),
                ),
            ])),
        ));
    }
    blocks
}

/// One volume block: what the mapping and the volume itself say.
fn volume_block(
    device: &str,
    delete: Option<bool>,
    volume: Option<&Volume>,
    id: Option<&str>,
) -> Value {
    let tags = volume.map(|v| tags_value(v.tags())).unwrap_or(Value::Null);
    object([
        ("device_name", string(device)),
        ("volume_id", opt_string(id)),
        ("delete_on_termination", opt_bool(delete)),
        ("encrypted", opt_bool(volume.and_then(|v| v.encrypted()))),
        (
            "kms_key_id",
            opt_string(volume.and_then(|v| v.kms_key_id())),
        ),
        ("iops", opt_number(volume.and_then(|v| v.iops()))),
        (
            "throughput",
            opt_number(volume.and_then(|v| v.throughput())),
        ),
        ("volume_size", opt_number(volume.and_then(|v| v.size()))),
        (
            "volume_type",
            opt_string(volume.and_then(|v| v.volume_type()).map(|t| t.as_str())),
        ),
        (
            "snapshot_id",
            opt_string(
                volume
                    .and_then(|v| v.snapshot_id())
                    .filter(|s| !s.is_empty()),
            ),
        ),
        ("tags", tags.clone()),
        ("tags_all", tags),
    ])
}

fn volume_blocks(
    instance: &Ec2Instance,
    volumes: &HashMap<String, Volume>,
) -> Vec<(String, Value)> {
    let root_name = instance.root_device_name().unwrap_or_default();
    let mut root = Vec::new();
    let mut extra = Vec::new();
    for mapping in instance.block_device_mappings() {
        let device = mapping.device_name().unwrap_or_default();
        let ebs = mapping.ebs();
        let id = ebs.and_then(|e| e.volume_id());
        let volume = id.and_then(|id| volumes.get(id));
        let mut block = volume_block(
            device,
            ebs.and_then(|e| e.delete_on_termination()),
            volume,
            id,
        );
        if device == root_name {
            if let Value::Map(map) = &mut block {
                map.remove("snapshot_id");
            }
            root.push(block);
        } else {
            extra.push(block);
        }
    }
    vec![
        ("root_block_device".into(), Value::List(root)),
        ("ebs_block_device".into(), Value::set_from(extra)),
    ]
}

/// The volume ids of the described machines, for one `DescribeVolumes`.
pub fn volume_ids<'a>(described: impl Iterator<Item = &'a Described>) -> Vec<String> {
    let mut ids: Vec<String> = described
        .flat_map(|d| d.instance.block_device_mappings())
        .filter_map(|m| m.ebs().and_then(|e| e.volume_id()).map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_profile_is_named_by_the_last_part_of_its_arn() {
        assert_eq!(profile_name("arn:aws:iam::123:instance-profile/web"), "web");
        assert_eq!(
            profile_name("arn:aws:iam::123:instance-profile/a/b/web"),
            "web"
        );
    }
}
