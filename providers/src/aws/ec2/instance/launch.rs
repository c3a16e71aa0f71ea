//! The `RunInstances` request of a planned machine: every argument EC2
//! takes at launch.

use aws_sdk_ec2::operation::run_instances::builders::RunInstancesFluentBuilder;
use aws_sdk_ec2::types::{
    BlockDeviceMapping, CapacityReservationPreference, CapacityReservationSpecification,
    CapacityReservationTarget, CpuOptionsRequest, CreditSpecificationRequest, EbsBlockDevice,
    EnclaveOptionsRequest, HibernationOptionsRequest, HostnameType, HttpTokensState,
    IamInstanceProfileSpecification, InstanceAutoRecoveryState, InstanceInterruptionBehavior,
    InstanceIpv6Address, InstanceMaintenanceOptionsRequest, InstanceMarketOptionsRequest,
    InstanceMetadataEndpointState, InstanceMetadataOptionsRequest, InstanceMetadataProtocolState,
    InstanceMetadataTagsState, InstanceNetworkInterfaceSpecification,
    InstanceSecondaryInterfaceSpecificationRequest, InstanceType, LaunchTemplateSpecification,
    MarketType, Placement, PrivateDnsNameOptionsRequest, RunInstancesMonitoringEnabled,
    SecondaryInterfaceType, ShutdownBehavior, SpotInstanceType, SpotMarketOptions, Tenancy,
    VolumeType,
};
use engine::value::Value;

use crate::aws::values::{blocks_attr, bool_attr, number_attr, str_attr, strings_attr};

/// The first (only) instance of a block written at most once.
pub fn first<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value
        .get_attr(name)
        .and_then(|v| v.peel().as_list())
        .and_then(|items| items.first())
}

pub fn int_attr(value: &Value, name: &str) -> Option<i32> {
    number_attr(value, name).map(|n| n as i32)
}

/// Every launch argument of `planned` set on the request.
pub fn launch_arguments(
    request: RunInstancesFluentBuilder,
    planned: &Value,
) -> RunInstancesFluentBuilder {
    let groups = strings_attr(planned, "vpc_security_group_ids");
    let names = strings_attr(planned, "security_groups");
    let interfaces = network_interfaces(planned);
    // EC2 refuses a subnet, groups or addresses beside explicit interfaces.
    let request = if interfaces.is_empty() {
        request
            .set_subnet_id(str_attr(planned, "subnet_id"))
            .set_security_group_ids((!groups.is_empty()).then_some(groups))
            .set_private_ip_address(str_attr(planned, "private_ip"))
            .set_ipv6_address_count(int_attr(planned, "ipv6_address_count").filter(|n| *n > 0))
            .set_ipv6_addresses(ipv6_addresses(planned))
    } else {
        request.set_network_interfaces(Some(interfaces))
    };
    let request = request
        .set_image_id(str_attr(planned, "ami"))
        .set_instance_type(
            str_attr(planned, "instance_type").map(|t| InstanceType::from(t.as_str())),
        )
        .set_key_name(str_attr(planned, "key_name"))
        .set_security_groups((!names.is_empty()).then_some(names))
        .set_ebs_optimized(bool_attr(planned, "ebs_optimized"))
        .set_disable_api_termination(bool_attr(planned, "disable_api_termination"))
        .set_disable_api_stop(bool_attr(planned, "disable_api_stop"))
        .set_enable_primary_ipv6(bool_attr(planned, "enable_primary_ipv6"))
        .set_instance_initiated_shutdown_behavior(
            str_attr(planned, "instance_initiated_shutdown_behavior")
                .map(|s| ShutdownBehavior::from(s.as_str())),
        )
        .set_monitoring(
            bool_attr(planned, "monitoring")
                .map(|on| RunInstancesMonitoringEnabled::builder().enabled(on).build()),
        )
        .set_iam_instance_profile(str_attr(planned, "iam_instance_profile").map(|name| {
            IamInstanceProfileSpecification::builder()
                .name(name)
                .build()
        }))
        .set_hibernation_options(
            bool_attr(planned, "hibernation")
                .filter(|h| *h)
                .map(|h| HibernationOptionsRequest::builder().configured(h).build()),
        )
        .set_placement(placement(planned))
        .set_launch_template(launch_template(planned))
        .set_secondary_interfaces(secondary_interfaces(planned));
    option_arguments(request, planned)
}

fn option_arguments(
    request: RunInstancesFluentBuilder,
    planned: &Value,
) -> RunInstancesFluentBuilder {
    request
        .set_metadata_options(first(planned, "metadata_options").map(metadata_options))
        .set_cpu_options(first(planned, "cpu_options").map(|c| {
            CpuOptionsRequest::builder()
                .set_core_count(int_attr(c, "core_count"))
                .set_threads_per_core(int_attr(c, "threads_per_core"))
                .set_amd_sev_snp(str_attr(c, "amd_sev_snp").map(|s| s.as_str().into()))
                .set_nested_virtualization(
                    str_attr(c, "nested_virtualization").map(|s| s.as_str().into()),
                )
                .build()
        }))
        .set_credit_specification(first(planned, "credit_specification").and_then(|c| {
            let credits = str_attr(c, "cpu_credits")?;
            Some(
                CreditSpecificationRequest::builder()
                    .cpu_credits(credits)
                    .build(),
            )
        }))
        .set_capacity_reservation_specification(
            first(planned, "capacity_reservation_specification").map(capacity_reservation),
        )
        .set_instance_market_options(first(planned, "instance_market_options").map(market_options))
        .set_enclave_options(first(planned, "enclave_options").and_then(|e| {
            Some(
                EnclaveOptionsRequest::builder()
                    .enabled(bool_attr(e, "enabled")?)
                    .build(),
            )
        }))
        .set_maintenance_options(first(planned, "maintenance_options").and_then(|m| {
            let recovery = str_attr(m, "auto_recovery")?;
            Some(
                InstanceMaintenanceOptionsRequest::builder()
                    .auto_recovery(InstanceAutoRecoveryState::from(recovery.as_str()))
                    .build(),
            )
        }))
        .set_private_dns_name_options(
            first(planned, "private_dns_name_options").map(private_dns_options),
        )
}

pub fn metadata_options(m: &Value) -> InstanceMetadataOptionsRequest {
    InstanceMetadataOptionsRequest::builder()
        .set_http_endpoint(
            str_attr(m, "http_endpoint").map(|s| InstanceMetadataEndpointState::from(s.as_str())),
        )
        .set_http_protocol_ipv6(
            str_attr(m, "http_protocol_ipv6")
                .map(|s| InstanceMetadataProtocolState::from(s.as_str())),
        )
        .set_http_put_response_hop_limit(int_attr(m, "http_put_response_hop_limit"))
        .set_http_tokens(str_attr(m, "http_tokens").map(|s| HttpTokensState::from(s.as_str())))
        .set_instance_metadata_tags(
            str_attr(m, "instance_metadata_tags")
                .map(|s| InstanceMetadataTagsState::from(s.as_str())),
        )
        .build()
}

pub fn private_dns_options(d: &Value) -> PrivateDnsNameOptionsRequest {
    PrivateDnsNameOptionsRequest::builder()
        .set_hostname_type(str_attr(d, "hostname_type").map(|s| HostnameType::from(s.as_str())))
        .set_enable_resource_name_dns_a_record(bool_attr(d, "enable_resource_name_dns_a_record"))
        .set_enable_resource_name_dns_aaaa_record(bool_attr(
            d,
            "enable_resource_name_dns_aaaa_record",
        ))
        .build()
}

fn capacity_reservation(c: &Value) -> CapacityReservationSpecification {
    let target = first(c, "capacity_reservation_target").map(|t| {
        CapacityReservationTarget::builder()
            .set_capacity_reservation_id(str_attr(t, "capacity_reservation_id"))
            .set_capacity_reservation_resource_group_arn(str_attr(
                t,
                "capacity_reservation_resource_group_arn",
            ))
            .build()
    });
    CapacityReservationSpecification::builder()
        .set_capacity_reservation_preference(
            str_attr(c, "capacity_reservation_preference")
                .map(|s| CapacityReservationPreference::from(s.as_str())),
        )
        .set_capacity_reservation_target(target)
        .build()
}

fn market_options(m: &Value) -> InstanceMarketOptionsRequest {
    let spot = first(m, "spot_options").map(|s| {
        SpotMarketOptions::builder()
            .set_max_price(str_attr(s, "max_price"))
            .set_spot_instance_type(
                str_attr(s, "spot_instance_type").map(|t| SpotInstanceType::from(t.as_str())),
            )
            .set_instance_interruption_behavior(
                str_attr(s, "instance_interruption_behavior")
                    .map(|b| InstanceInterruptionBehavior::from(b.as_str())),
            )
            .set_valid_until(str_attr(s, "valid_until").and_then(|t| {
                aws_smithy_types::DateTime::from_str(
                    &t,
                    aws_smithy_types::date_time::Format::DateTime,
                )
                .ok()
            }))
            .build()
    });
    let market = str_attr(m, "market_type").unwrap_or_else(|| "spot".to_string());
    InstanceMarketOptionsRequest::builder()
        .market_type(MarketType::from(market.as_str()))
        .set_spot_options(spot)
        .build()
}

fn placement(planned: &Value) -> Option<Placement> {
    let zone = str_attr(planned, "availability_zone");
    let group = str_attr(planned, "placement_group");
    let group_id = str_attr(planned, "placement_group_id");
    let tenancy = str_attr(planned, "tenancy");
    let host = str_attr(planned, "host_id");
    let host_group = str_attr(planned, "host_resource_group_arn");
    let partition = int_attr(planned, "placement_partition_number");
    let any = zone.is_some()
        || group.is_some()
        || group_id.is_some()
        || tenancy.is_some()
        || host.is_some()
        || host_group.is_some()
        || partition.is_some();
    any.then(|| {
        Placement::builder()
            .set_availability_zone(zone)
            .set_group_name(group)
            .set_group_id(group_id)
            .set_tenancy(tenancy.map(|t| Tenancy::from(t.as_str())))
            .set_host_id(host)
            .set_host_resource_group_arn(host_group)
            .set_partition_number(partition)
            .build()
    })
}

fn launch_template(planned: &Value) -> Option<LaunchTemplateSpecification> {
    let t = first(planned, "launch_template")?;
    Some(
        LaunchTemplateSpecification::builder()
            .set_launch_template_id(str_attr(t, "id"))
            .set_launch_template_name(str_attr(t, "name"))
            .set_version(str_attr(t, "version"))
            .build(),
    )
}

fn ipv6_addresses(planned: &Value) -> Option<Vec<InstanceIpv6Address>> {
    let addresses = strings_attr(planned, "ipv6_addresses");
    (!addresses.is_empty()).then(|| {
        addresses
            .into_iter()
            .map(|a| InstanceIpv6Address::builder().ipv6_address(a).build())
            .collect()
    })
}

/// The interfaces attached at launch: `primary_network_interface`, or the
/// deprecated `network_interface` blocks.
fn network_interfaces(planned: &Value) -> Vec<InstanceNetworkInterfaceSpecification> {
    if let Some(primary) = first(planned, "primary_network_interface") {
        if let Some(id) = str_attr(primary, "network_interface_id") {
            return vec![InstanceNetworkInterfaceSpecification::builder()
                .network_interface_id(id)
                .device_index(0)
                .build()];
        }
    }
    blocks_attr(planned, "network_interface")
        .iter()
        .filter_map(|n| {
            Some(
                InstanceNetworkInterfaceSpecification::builder()
                    .network_interface_id(str_attr(n, "network_interface_id")?)
                    .set_device_index(int_attr(n, "device_index"))
                    .set_network_card_index(int_attr(n, "network_card_index"))
                    .set_delete_on_termination(bool_attr(n, "delete_on_termination"))
                    .build(),
            )
        })
        .collect()
}

fn secondary_interfaces(
    planned: &Value,
) -> Option<Vec<InstanceSecondaryInterfaceSpecificationRequest>> {
    let blocks = blocks_attr(planned, "secondary_network_interface");
    (!blocks.is_empty()).then(|| {
        blocks
            .iter()
            .map(|b| {
                InstanceSecondaryInterfaceSpecificationRequest::builder()
                    .set_secondary_subnet_id(str_attr(b, "secondary_subnet_id"))
                    .set_network_card_index(int_attr(b, "network_card_index"))
                    .set_device_index(int_attr(b, "device_index"))
                    .set_interface_type(
                        str_attr(b, "interface_type")
                            .map(|t| SecondaryInterfaceType::from(t.as_str())),
                    )
                    .set_delete_on_termination(bool_attr(b, "delete_on_termination"))
                    .set_private_ip_address_count(int_attr(b, "private_ip_address_count"))
                    .build()
            })
            .collect()
    })
}

/// One EBS volume of the block device mapping.
fn ebs(block: &Value, with_snapshot: bool) -> EbsBlockDevice {
    EbsBlockDevice::builder()
        .set_delete_on_termination(bool_attr(block, "delete_on_termination"))
        .set_encrypted(bool_attr(block, "encrypted"))
        .set_kms_key_id(str_attr(block, "kms_key_id"))
        .set_iops(int_attr(block, "iops"))
        .set_throughput(int_attr(block, "throughput"))
        .set_volume_size(int_attr(block, "volume_size"))
        .set_volume_type(str_attr(block, "volume_type").map(|t| VolumeType::from(t.as_str())))
        .set_snapshot_id(if with_snapshot {
            str_attr(block, "snapshot_id")
        } else {
            None
        })
        .build()
}

/// The block device mapping: the root volume (on the AMI's root device,
/// `root_device`), extra EBS volumes and instance store volumes.
pub fn block_device_mappings(
    planned: &Value,
    root_device: Option<&str>,
) -> Option<Vec<BlockDeviceMapping>> {
    let mut mappings = Vec::new();
    if let (Some(root), Some(device)) = (first(planned, "root_block_device"), root_device) {
        mappings.push(
            BlockDeviceMapping::builder()
                .device_name(device)
                .ebs(ebs(root, false))
                .build(),
        );
    }
    for block in blocks_attr(planned, "ebs_block_device") {
        mappings.push(
            BlockDeviceMapping::builder()
                .set_device_name(str_attr(&block, "device_name"))
                .ebs(ebs(&block, true))
                .build(),
        );
    }
    for block in blocks_attr(planned, "ephemeral_block_device") {
        let suppressed = bool_attr(&block, "no_device") == Some(true);
        mappings.push(
            BlockDeviceMapping::builder()
                .set_device_name(str_attr(&block, "device_name"))
                .set_virtual_name(str_attr(&block, "virtual_name"))
                .set_no_device(suppressed.then(String::new))
                .build(),
        );
    }
    (!mappings.is_empty()).then_some(mappings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::values::{object, string};

    fn block(pairs: Vec<(&'static str, Value)>) -> Value {
        Value::List(vec![object(pairs)])
    }

    /// The launch options the emulator does not keep, checked on the
    /// request itself.
    #[test]
    fn launch_options_reach_the_run_instances_request() {
        let planned = object([
            ("ami", string("ami-1")),
            ("instance_type", string("c6a.2xlarge")),
            ("tenancy", string("dedicated")),
            ("placement_group", string("grid")),
            ("placement_partition_number", Value::from(2i64)),
            (
                "cpu_options",
                block(vec![
                    ("core_count", Value::from(2i64)),
                    ("threads_per_core", Value::from(1i64)),
                ]),
            ),
            (
                "credit_specification",
                block(vec![("cpu_credits", string("unlimited"))]),
            ),
            (
                "enclave_options",
                block(vec![("enabled", Value::Bool(true))]),
            ),
            (
                "maintenance_options",
                block(vec![("auto_recovery", string("disabled"))]),
            ),
            (
                "private_dns_name_options",
                block(vec![("hostname_type", string("resource-name"))]),
            ),
            (
                "capacity_reservation_specification",
                block(vec![("capacity_reservation_preference", string("none"))]),
            ),
            (
                "instance_market_options",
                block(vec![
                    ("market_type", string("spot")),
                    ("spot_options", block(vec![("max_price", string("0.01"))])),
                ]),
            ),
            (
                "launch_template",
                block(vec![
                    ("name", string("web")),
                    ("version", string("$Latest")),
                ]),
            ),
        ]);
        let config = aws_sdk_ec2::Config::builder()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_ec2::Client::from_conf(config);
        let request = launch_arguments(client.run_instances(), &planned);
        let input = request.as_input();
        let cpu = input.get_cpu_options().clone().unwrap();
        assert_eq!(
            (cpu.core_count(), cpu.threads_per_core()),
            (Some(2), Some(1))
        );
        assert_eq!(
            input
                .get_credit_specification()
                .clone()
                .unwrap()
                .cpu_credits(),
            Some("unlimited")
        );
        assert_eq!(
            input.get_enclave_options().clone().unwrap().enabled(),
            Some(true)
        );
        let recovery = input.get_maintenance_options().clone().unwrap();
        assert_eq!(
            recovery.auto_recovery().map(|r| r.as_str()),
            Some("disabled")
        );
        let dns = input.get_private_dns_name_options().clone().unwrap();
        assert_eq!(
            dns.hostname_type().map(|h| h.as_str()),
            Some("resource-name")
        );
        let capacity = input
            .get_capacity_reservation_specification()
            .clone()
            .unwrap();
        assert_eq!(
            capacity
                .capacity_reservation_preference()
                .map(|p| p.as_str()),
            Some("none")
        );
        let market = input.get_instance_market_options().clone().unwrap();
        assert_eq!(market.market_type().map(|m| m.as_str()), Some("spot"));
        assert_eq!(
            market.spot_options().and_then(|s| s.max_price()),
            Some("0.01")
        );
        let template = input.get_launch_template().clone().unwrap();
        assert_eq!(
            (template.launch_template_name(), template.version()),
            (Some("web"), Some("$Latest"))
        );
        let placement = input.get_placement().clone().unwrap();
        assert_eq!(placement.tenancy().map(|t| t.as_str()), Some("dedicated"));
        assert_eq!(
            (placement.group_name(), placement.partition_number()),
            (Some("grid"), Some(2))
        );
    }

    #[test]
    fn the_root_volume_is_mapped_to_the_images_root_device() {
        let planned = object([
            (
                "root_block_device",
                block(vec![
                    ("volume_size", Value::from(30i64)),
                    ("volume_type", string("gp3")),
                ]),
            ),
            (
                "ebs_block_device",
                Value::Set(vec![object([
                    ("device_name", string("/dev/sdh")),
                    ("snapshot_id", string("snap-1")),
                ])]),
            ),
        ]);
        let mappings = block_device_mappings(&planned, Some("/dev/xvda")).unwrap();
        assert_eq!(mappings[0].device_name(), Some("/dev/xvda"));
        let root = mappings[0].ebs().unwrap();
        assert_eq!(
            (root.volume_size(), root.volume_type().map(|t| t.as_str())),
            (Some(30), Some("gp3"))
        );
        assert_eq!(
            mappings[1].ebs().and_then(|e| e.snapshot_id()),
            Some("snap-1")
        );
        assert!(block_device_mappings(&object([]), Some("/dev/xvda")).is_none());
    }
}
