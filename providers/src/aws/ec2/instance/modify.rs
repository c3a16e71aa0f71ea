//! In-place changes of a machine, and the attributes read one machine at a
//! time (`DescribeInstanceAttribute`, `GetPasswordData`).

use std::time::Duration;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, AttributeValue, EbsInstanceBlockDeviceSpecification,
    InstanceAttributeName, InstanceAutoRecoveryState, InstanceBlockDeviceMappingSpecification,
    InstanceCreditSpecificationRequest, SecureBlobAttributeValue, VolumeType,
};
use engine::provider::ProviderError;
use engine::value::Value;

use super::describe::{describe_one, wait_for};
use super::launch::{first, int_attr, metadata_options, private_dns_options};
use super::LifecycleState;
use crate::aws::ec2::Ec2Tags;
use crate::aws::managed::{tag_changes, Tagging};
use crate::aws::values::{
    blocks_attr, bool_attr, changed, opt_string, str_attr, string_map_attr, strings_attr,
};
use crate::aws::Clients;

/// Arguments EC2 changes only on a stopped machine.
const NEEDS_STOP: &[&str] = &[
    "instance_type",
    "user_data",
    "user_data_base64",
    "ebs_optimized",
    "private_dns_name_options",
];

/// Whether the change from `prior` to `config` stops and starts the
/// machine.
pub fn needs_restart(prior: &Value, config: &Value) -> bool {
    NEEDS_STOP.iter().any(|name| {
        let written = config.get_attr(name).is_some_and(|v| !v.is_null());
        written && changed(prior, config, name)
    })
}

/// Every in-place change from `prior` to `planned`; tags are the seam's.
pub async fn update(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
    wait: Duration,
    report: &(dyn Fn(&str) + Sync),
) -> Result<(), ProviderError> {
    if needs_restart(prior, planned) {
        restart_with(clients, id, prior, planned, wait, report).await?;
    }
    converge_attributes(clients, id, planned).await?;
    if changed(prior, planned, "source_dest_check") {
        let on = bool_attr(planned, "source_dest_check").unwrap_or(true);
        modify_bool(clients, id, Flag::SourceDestCheck, on).await?;
    }
    security_groups(clients, id, prior, planned).await?;
    monitoring(clients, id, prior, planned).await?;
    options(clients, id, prior, planned).await?;
    instance_profile(clients, id, prior, planned).await?;
    secondary_addresses(clients, prior, planned).await?;
    root_volume(clients, id, prior, planned).await?;
    tag_block_volumes(clients, id, prior, planned).await
}

/// Stops the machine, makes the changes EC2 takes only then, and starts it.
async fn restart_with(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
    wait: Duration,
    report: &(dyn Fn(&str) + Sync),
) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    clients
        .call("ec2", "StopInstances", || {
            ec2.stop_instances().instance_ids(id).send()
        })
        .await?;
    wait_for(clients, id, LifecycleState::Stopped, wait, report).await?;
    if changed(prior, planned, "instance_type") {
        if let Some(new_type) = str_attr(planned, "instance_type") {
            let value = AttributeValue::builder().value(new_type).build();
            clients
                .call("ec2", "ModifyInstanceAttribute", || {
                    ec2.modify_instance_attribute()
                        .instance_id(id)
                        .instance_type(value.clone())
                        .send()
                })
                .await?;
        }
    }
    if changed(prior, planned, "user_data") || changed(prior, planned, "user_data_base64") {
        write_user_data(clients, id, planned).await?;
    }
    if changed(prior, planned, "ebs_optimized") {
        let on = bool_attr(planned, "ebs_optimized").unwrap_or(false);
        modify_bool(clients, id, Flag::EbsOptimized, on).await?;
    }
    if changed(prior, planned, "private_dns_name_options") {
        if let Some(options) = first(planned, "private_dns_name_options") {
            let request = private_dns_options(options);
            clients
                .call("ec2", "ModifyPrivateDnsNameOptions", || {
                    ec2.modify_private_dns_name_options()
                        .instance_id(id)
                        .set_private_dns_hostname_type(request.hostname_type().cloned())
                        .set_enable_resource_name_dns_a_record(
                            request.enable_resource_name_dns_a_record(),
                        )
                        .set_enable_resource_name_dns_aaaa_record(
                            request.enable_resource_name_dns_aaaa_record(),
                        )
                        .send()
                })
                .await?;
        }
    }
    clients
        .call("ec2", "StartInstances", || {
            ec2.start_instances().instance_ids(id).send()
        })
        .await?;
    wait_for(clients, id, LifecycleState::Running, wait, report).await?;
    Ok(())
}

/// The user data the machine boots with from now on (its shell
/// provisioners ran at first boot and are not written again).
async fn write_user_data(
    clients: &Clients,
    id: &str,
    planned: &Value,
) -> Result<(), ProviderError> {
    let encoded = str_attr(planned, "user_data_base64").or_else(|| {
        str_attr(planned, "user_data").map(|text| aws_smithy_types::base64::encode(text.as_bytes()))
    });
    let bytes = encoded
        .and_then(|e| aws_smithy_types::base64::decode(e).ok())
        .unwrap_or_default();
    let value = SecureBlobAttributeValue::builder()
        .value(aws_smithy_types::Blob::new(bytes))
        .build();
    let ec2 = &clients.ec2;
    clients
        .call("ec2", "ModifyInstanceAttribute", || {
            ec2.modify_instance_attribute()
                .instance_id(id)
                .user_data(value.clone())
                .send()
        })
        .await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Flag {
    DisableApiTermination,
    DisableApiStop,
    SourceDestCheck,
    EbsOptimized,
}

async fn modify_bool(
    clients: &Clients,
    id: &str,
    flag: Flag,
    on: bool,
) -> Result<(), ProviderError> {
    let value = AttributeBooleanValue::builder().value(on).build();
    let ec2 = &clients.ec2;
    clients
        .call("ec2", "ModifyInstanceAttribute", || {
            let request = ec2.modify_instance_attribute().instance_id(id);
            let request = match flag {
                Flag::DisableApiTermination => request.disable_api_termination(value.clone()),
                Flag::DisableApiStop => request.disable_api_stop(value.clone()),
                Flag::SourceDestCheck => request.source_dest_check(value.clone()),
                Flag::EbsOptimized => request.ebs_optimized(value.clone()),
            };
            request.send()
        })
        .await?;
    Ok(())
}

/// Brings the protections and the shutdown behaviour to the planned
/// values where EC2 reports others: after a launch (which takes them, but
/// whose answer does not show them) and on every update.
pub async fn converge_attributes(
    clients: &Clients,
    id: &str,
    planned: &Value,
) -> Result<(), ProviderError> {
    let read = read_attributes(clients, id).await?;
    let now = |name: &str| {
        read.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    for (name, flag) in [
        ("disable_api_termination", Flag::DisableApiTermination),
        ("disable_api_stop", Flag::DisableApiStop),
    ] {
        if let Some(want) = bool_attr(planned, name) {
            if now(name) != Some(Value::Bool(want)) {
                modify_bool(clients, id, flag, want).await?;
            }
        }
    }
    if let Some(want) = str_attr(planned, "instance_initiated_shutdown_behavior") {
        if now("instance_initiated_shutdown_behavior") != Some(Value::String(want.clone())) {
            let value = AttributeValue::builder().value(want).build();
            let ec2 = &clients.ec2;
            clients
                .call("ec2", "ModifyInstanceAttribute", || {
                    ec2.modify_instance_attribute()
                        .instance_id(id)
                        .instance_initiated_shutdown_behavior(value.clone())
                        .send()
                })
                .await?;
        }
    }
    Ok(())
}

/// What `RunInstances` does not take: source/destination checking, which
/// every new machine starts with.
pub async fn after_launch(
    clients: &Clients,
    id: &str,
    planned: &Value,
) -> Result<(), ProviderError> {
    if bool_attr(planned, "source_dest_check") == Some(false) {
        modify_bool(clients, id, Flag::SourceDestCheck, false).await?;
    }
    Ok(())
}

/// Turns termination and stop protection off, for `force_destroy`.
pub async fn lift_protections(clients: &Clients, id: &str) -> Result<(), ProviderError> {
    modify_bool(clients, id, Flag::DisableApiTermination, false).await?;
    modify_bool(clients, id, Flag::DisableApiStop, false).await
}

async fn describe_attribute(
    clients: &Clients,
    id: &str,
    attribute: InstanceAttributeName,
) -> Result<
    aws_sdk_ec2::operation::describe_instance_attribute::DescribeInstanceAttributeOutput,
    ProviderError,
> {
    let ec2 = &clients.ec2;
    Ok(clients
        .call("ec2", "DescribeInstanceAttribute", || {
            ec2.describe_instance_attribute()
                .instance_id(id)
                .attribute(attribute.clone())
                .send()
        })
        .await?)
}

/// The protections and the shutdown behaviour, which only
/// `DescribeInstanceAttribute` reports, one call each.
pub async fn read_attributes(
    clients: &Clients,
    id: &str,
) -> Result<Vec<(&'static str, Value)>, ProviderError> {
    let termination =
        describe_attribute(clients, id, InstanceAttributeName::DisableApiTermination).await?;
    let stop = describe_attribute(clients, id, InstanceAttributeName::DisableApiStop).await?;
    let shutdown = describe_attribute(
        clients,
        id,
        InstanceAttributeName::InstanceInitiatedShutdownBehavior,
    )
    .await?;
    let flag =
        |v: Option<&AttributeBooleanValue>| Value::Bool(v.and_then(|v| v.value()).unwrap_or(false));
    Ok(vec![
        (
            "disable_api_termination",
            flag(termination.disable_api_termination()),
        ),
        ("disable_api_stop", flag(stop.disable_api_stop())),
        (
            "instance_initiated_shutdown_behavior",
            opt_string(
                shutdown
                    .instance_initiated_shutdown_behavior()
                    .and_then(|v| v.value()),
            ),
        ),
    ])
}

/// The machine's user data as text (empty when it has none).
pub async fn user_data_text(clients: &Clients, id: &str) -> Result<String, ProviderError> {
    let attribute = describe_attribute(clients, id, InstanceAttributeName::UserData).await?;
    Ok(attribute
        .user_data()
        .and_then(|u| u.value())
        .and_then(|b64| aws_smithy_types::base64::decode(b64).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default())
}

/// The encrypted Windows password data (`GetPasswordData`); null until
/// EC2 has it.
pub async fn password_data(clients: &Clients, id: &str) -> Result<Value, ProviderError> {
    let ec2 = &clients.ec2;
    let answer = clients
        .call("ec2", "GetPasswordData", || {
            ec2.get_password_data().instance_id(id).send()
        })
        .await?;
    Ok(opt_string(answer.password_data().filter(|p| !p.is_empty())).mark_if(true))
}

async fn security_groups(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let mut before = strings_attr(prior, "vpc_security_group_ids");
    let mut after = strings_attr(planned, "vpc_security_group_ids");
    before.sort();
    after.sort();
    if after.is_empty() || before == after {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    clients
        .call("ec2", "ModifyInstanceAttribute", || {
            ec2.modify_instance_attribute()
                .instance_id(id)
                .set_groups(Some(after.clone()))
                .send()
        })
        .await?;
    Ok(())
}

async fn monitoring(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let Some(on) = bool_attr(planned, "monitoring") else {
        return Ok(());
    };
    if bool_attr(prior, "monitoring") == Some(on) {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    if on {
        clients
            .call("ec2", "MonitorInstances", || {
                ec2.monitor_instances().instance_ids(id).send()
            })
            .await?;
    } else {
        clients
            .call("ec2", "UnmonitorInstances", || {
                ec2.unmonitor_instances().instance_ids(id).send()
            })
            .await?;
    }
    Ok(())
}

/// Metadata options, CPU credits and automatic recovery, each by its own
/// call.
async fn options(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let ec2 = &clients.ec2;
    if let Some(m) =
        first(planned, "metadata_options").filter(|_| changed(prior, planned, "metadata_options"))
    {
        let request = metadata_options(m);
        clients
            .call("ec2", "ModifyInstanceMetadataOptions", || {
                ec2.modify_instance_metadata_options()
                    .instance_id(id)
                    .set_http_endpoint(request.http_endpoint().cloned())
                    .set_http_protocol_ipv6(request.http_protocol_ipv6().cloned())
                    .set_http_put_response_hop_limit(request.http_put_response_hop_limit())
                    .set_http_tokens(request.http_tokens().cloned())
                    .set_instance_metadata_tags(request.instance_metadata_tags().cloned())
                    .send()
            })
            .await?;
    }
    let credits = first(planned, "credit_specification").and_then(|c| str_attr(c, "cpu_credits"));
    if let Some(credits) = credits.filter(|_| changed(prior, planned, "credit_specification")) {
        let request = InstanceCreditSpecificationRequest::builder()
            .instance_id(id)
            .cpu_credits(credits)
            .build();
        clients
            .call("ec2", "ModifyInstanceCreditSpecification", || {
                ec2.modify_instance_credit_specification()
                    .instance_credit_specifications(request.clone())
                    .send()
            })
            .await?;
    }
    let recovery = first(planned, "maintenance_options").and_then(|m| str_attr(m, "auto_recovery"));
    if let Some(recovery) = recovery.filter(|_| changed(prior, planned, "maintenance_options")) {
        clients
            .call("ec2", "ModifyInstanceMaintenanceOptions", || {
                ec2.modify_instance_maintenance_options()
                    .instance_id(id)
                    .auto_recovery(InstanceAutoRecoveryState::from(recovery.as_str()))
                    .send()
            })
            .await?;
    }
    Ok(())
}

/// Associates, replaces or removes the instance profile.
async fn instance_profile(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    if !changed(prior, planned, "iam_instance_profile") {
        return Ok(());
    }
    let ec2 = &clients.ec2;
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("instance-id")
        .values(id)
        .build();
    let associations = clients
        .call("ec2", "DescribeIamInstanceProfileAssociations", || {
            ec2.describe_iam_instance_profile_associations()
                .filters(filter.clone())
                .send()
        })
        .await?;
    let current = associations
        .iam_instance_profile_associations()
        .iter()
        .find(|a| a.state().is_some_and(|s| s.as_str() != "disassociated"))
        .and_then(|a| a.association_id())
        .map(str::to_string);
    let profile = str_attr(planned, "iam_instance_profile").map(|name| {
        aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
            .name(name)
            .build()
    });
    match (current, profile) {
        (Some(association), Some(profile)) => {
            clients
                .call("ec2", "ReplaceIamInstanceProfileAssociation", || {
                    ec2.replace_iam_instance_profile_association()
                        .association_id(&association)
                        .iam_instance_profile(profile.clone())
                        .send()
                })
                .await?;
        }
        (None, Some(profile)) => {
            clients
                .call("ec2", "AssociateIamInstanceProfile", || {
                    ec2.associate_iam_instance_profile()
                        .instance_id(id)
                        .iam_instance_profile(profile.clone())
                        .send()
                })
                .await?;
        }
        (Some(association), None) => {
            clients
                .call("ec2", "DisassociateIamInstanceProfile", || {
                    ec2.disassociate_iam_instance_profile()
                        .association_id(&association)
                        .send()
                })
                .await?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// Assigns the configured secondary private addresses to a new machine's
/// primary interface (`RunInstances` takes them only through an explicit
/// interface specification, which would exclude its other arguments).
pub async fn assign_secondary_addresses(
    clients: &Clients,
    id: &str,
    planned: &Value,
) -> Result<(), ProviderError> {
    if strings_attr(planned, "secondary_private_ips").is_empty() {
        return Ok(());
    }
    let Some(described) = describe_one(clients, id).await? else {
        return Ok(());
    };
    let interface = described
        .instance
        .network_interfaces()
        .iter()
        .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0))
        .and_then(|n| n.network_interface_id());
    let prior =
        crate::aws::values::object([("primary_network_interface_id", opt_string(interface))]);
    secondary_addresses(clients, &prior, planned).await
}

/// Assigns and unassigns secondary private addresses of the primary
/// interface.
async fn secondary_addresses(
    clients: &Clients,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    if !changed(prior, planned, "secondary_private_ips")
        || planned
            .get_attr("secondary_private_ips")
            .is_some_and(Value::is_unknown)
    {
        return Ok(());
    }
    let Some(interface) = str_attr(prior, "primary_network_interface_id") else {
        return Ok(());
    };
    let before = strings_attr(prior, "secondary_private_ips");
    let after = strings_attr(planned, "secondary_private_ips");
    let added: Vec<String> = after
        .iter()
        .filter(|a| !before.contains(a))
        .cloned()
        .collect();
    let removed: Vec<String> = before
        .iter()
        .filter(|b| !after.contains(b))
        .cloned()
        .collect();
    let ec2 = &clients.ec2;
    if !removed.is_empty() {
        clients
            .call("ec2", "UnassignPrivateIpAddresses", || {
                ec2.unassign_private_ip_addresses()
                    .network_interface_id(&interface)
                    .set_private_ip_addresses(Some(removed.clone()))
                    .send()
            })
            .await?;
    }
    if !added.is_empty() {
        clients
            .call("ec2", "AssignPrivateIpAddresses", || {
                ec2.assign_private_ip_addresses()
                    .network_interface_id(&interface)
                    .set_private_ip_addresses(Some(added.clone()))
                    .send()
            })
            .await?;
    }
    Ok(())
}

/// Resizes or retypes the root volume (`ModifyVolume`) and changes whether
/// it goes with the machine.
async fn root_volume(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (Some(before), Some(after)) = (
        first(prior, "root_block_device"),
        first(planned, "root_block_device"),
    ) else {
        return Ok(());
    };
    let Some(volume) = str_attr(before, "volume_id") else {
        return Ok(());
    };
    let ec2 = &clients.ec2;
    let differs = |name: &str| {
        changed(before, after, name) && after.get_attr(name).is_some_and(|v| !v.is_null())
    };
    if ["volume_size", "volume_type", "iops", "throughput"]
        .iter()
        .any(|n| differs(n))
    {
        clients
            .call("ec2", "ModifyVolume", || {
                ec2.modify_volume()
                    .volume_id(&volume)
                    .set_size(int_attr(after, "volume_size").filter(|_| differs("volume_size")))
                    .set_volume_type(
                        str_attr(after, "volume_type")
                            .filter(|_| differs("volume_type"))
                            .map(|t| VolumeType::from(t.as_str())),
                    )
                    .set_iops(int_attr(after, "iops").filter(|_| differs("iops")))
                    .set_throughput(int_attr(after, "throughput").filter(|_| differs("throughput")))
                    .send()
            })
            .await?;
    }
    if differs("delete_on_termination") {
        let device = str_attr(before, "device_name").unwrap_or_default();
        let mapping = InstanceBlockDeviceMappingSpecification::builder()
            .device_name(device)
            .ebs(
                EbsInstanceBlockDeviceSpecification::builder()
                    .set_delete_on_termination(bool_attr(after, "delete_on_termination"))
                    .build(),
            )
            .build();
        clients
            .call("ec2", "ModifyInstanceAttribute", || {
                ec2.modify_instance_attribute()
                    .instance_id(id)
                    .block_device_mappings(mapping.clone())
                    .send()
            })
            .await?;
    }
    Ok(())
}

/// Writes the `tags` of the root and EBS volume blocks, and `volume_tags`,
/// on the machine's volumes: after a launch (`prior` null) and an update.
pub async fn tag_block_volumes(
    clients: &Clients,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let written = |v: &Value, name: &str| {
        blocks_attr(v, name)
            .into_iter()
            .filter_map(|b| {
                b.get_attr("tags")
                    .filter(|t| t.is_wholly_known())
                    .cloned()
                    .map(|t| (str_attr(&b, "device_name"), t))
            })
            .collect::<Vec<_>>()
    };
    let root_tags = written(planned, "root_block_device").into_iter().next();
    let ebs_tags = written(planned, "ebs_block_device");
    let volume_tags_changed = changed(prior, planned, "volume_tags") && !prior.is_null();
    let root_changed = root_tags.as_ref().is_some_and(|(_, t)| {
        let before = written(prior, "root_block_device")
            .into_iter()
            .next()
            .map(|(_, t)| t);
        !crate::aws::values::object([("tags", t.clone())])
            .get_attr("tags")
            .is_some_and(|t| Some(t) == before.as_ref())
    });
    if !root_changed && ebs_tags.is_empty() && !volume_tags_changed {
        return Ok(());
    }
    let Some(described) = describe_one(clients, id).await? else {
        return Ok(());
    };
    let root_device = described
        .instance
        .root_device_name()
        .unwrap_or_default()
        .to_string();
    let volumes: Vec<(String, String)> = described
        .instance
        .block_device_mappings()
        .iter()
        .filter_map(|m| {
            Some((
                m.device_name()?.to_string(),
                m.ebs()?.volume_id()?.to_string(),
            ))
        })
        .collect();
    let mut wanted: Vec<(String, Value)> = ebs_tags
        .into_iter()
        .filter_map(|(device, tags)| Some((device?, tags)))
        .collect();
    if let Some((_, tags)) = root_tags.filter(|_| root_changed) {
        wanted.push((root_device, tags));
    }
    for (device, tags) in wanted {
        let Some((_, volume)) = volumes.iter().find(|(d, _)| *d == device) else {
            continue;
        };
        let before = |v: &Value| {
            ["root_block_device", "ebs_block_device"]
                .iter()
                .flat_map(|n| blocks_attr(v, n))
                .find(|b| str_attr(b, "volume_id").as_deref() == Some(volume.as_str()))
                .map(|b| string_map_attr(&b, "tags"))
                .unwrap_or_default()
        };
        let after = string_map_attr(&crate::aws::values::object([("tags", tags)]), "tags");
        let (add, remove) = tag_changes(&before(prior), &after);
        Ec2Tags.update(clients, volume, &add, &remove).await?;
    }
    if volume_tags_changed {
        let (add, remove) = tag_changes(
            &string_map_attr(prior, "volume_tags"),
            &string_map_attr(planned, "volume_tags"),
        );
        for (_, volume) in &volumes {
            Ec2Tags.update(clients, volume, &add, &remove).await?;
        }
    }
    Ok(())
}
