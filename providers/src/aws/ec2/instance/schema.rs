//! The schema of `aws_instance`: every argument and attribute of
//! Terraform's `aws_instance`, with its type, default, force-new and
//! computed behaviour.

use engine::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, Schema};

use crate::aws::values::{tags_attribute, timeouts_block};

/// Blocks that AWS fills in when the configuration leaves them out (a
/// machine always has a root volume and metadata options): a plan keeps
/// their refreshed value unless the configuration writes them.
pub const COMPUTED_BLOCKS: &[&str] = &[
    "capacity_reservation_specification",
    "cpu_options",
    "ebs_block_device",
    "enclave_options",
    "maintenance_options",
    "metadata_options",
    "network_interface",
    "primary_network_interface",
    "private_dns_name_options",
    "root_block_device",
];

fn s(name: &'static str) -> AttributeSchema {
    AttributeSchema::optional(name, AttrType::String)
}

fn oc(name: &'static str, ty: AttrType) -> AttributeSchema {
    AttributeSchema::optional_computed(name, ty)
}

fn computed(name: &'static str, ty: AttrType, what: &'static str) -> AttributeSchema {
    AttributeSchema::computed(name, ty).describe(what)
}

fn block(name: &'static str, nesting: Nesting, max: Option<usize>, schema: Schema) -> BlockSchema {
    BlockSchema {
        name,
        nesting,
        min_items: 0,
        max_items: max,
        force_new: false,
        schema,
    }
}

/// A block written at most once (Terraform's list of one object).
fn single(name: &'static str, schema: Schema) -> BlockSchema {
    block(name, Nesting::List, Some(1), schema)
}

fn forced(mut block: BlockSchema) -> BlockSchema {
    block.force_new = true;
    block
}

pub fn schema() -> Schema {
    let schema =
        Schema::new("A machine (EC2 instance), optionally provisioned at boot by shell scripts.");
    let schema = machine_arguments(schema);
    let schema = network_arguments(schema);
    let schema = behaviour_arguments(schema);
    let schema = engine_arguments(schema);
    let schema = computed_attributes(schema);
    let schema = storage_blocks(schema);
    let schema = option_blocks(schema);
    network_blocks(schema).block(timeouts_block())
}

fn machine_arguments(schema: Schema) -> Schema {
    schema
        .attr(
            oc("ami", AttrType::String)
                .force_new()
                .describe("The machine image to boot; required unless the launch template names one."),
        )
        .attr(oc("instance_type", AttrType::String).describe(
            "The machine size, e.g. \"t3.micro\"; changed in place by stopping and starting the machine.",
        ))
        .attr(s("key_name").force_new().describe("The key pair to allow SSH logins with."))
        .attr(s("user_data").describe(
            "User data run at first boot; runs before any shell provisioner. A change stops, rewrites and starts the machine, or replaces it with user_data_replace_on_change.",
        ))
        .attr(s("user_data_base64").describe(
            "User data already base64-encoded (binary, e.g. gzip); instead of user_data.",
        ))
        .attr(
            AttributeSchema::optional("user_data_replace_on_change", AttrType::Bool)
                .default(false)
                .describe("Replace the machine when its user data changes, instead of rewriting it in place."),
        )
        .attr(s("iam_instance_profile").describe(
            "The IAM instance profile (its name) the machine runs with; changes in place.",
        ))
        .attr(
            AttributeSchema::optional("hibernation", AttrType::Bool)
                .default(false)
                .force_new()
                .describe("Whether the machine can hibernate."),
        )
        .attr(tags_attribute())
        .attr(
            AttributeSchema::optional("volume_tags", AttrType::map_of(AttrType::String))
                .describe("Tags for the root and EBS volumes, set at creation and kept in step."),
        )
}

fn network_arguments(schema: Schema) -> Schema {
    schema
        .attr(oc("subnet_id", AttrType::String).force_new().describe(
            "The subnet to launch in; a default subnet when unset.",
        ))
        .attr(oc("availability_zone", AttrType::String).force_new().describe(
            "The availability zone to launch in.",
        ))
        .attr(
            oc("vpc_security_group_ids", AttrType::set_of(AttrType::String))
                .describe("The security groups (ids); the VPC's default group when unset. Changes in place."),
        )
        .attr(
            AttributeSchema::optional("security_groups", AttrType::set_of(AttrType::String))
                .force_new()
                .describe("Security group names (default VPC only); prefer vpc_security_group_ids."),
        )
        .attr(oc("associate_public_ip_address", AttrType::Bool).force_new().describe(
            "Whether the machine gets a public IPv4 address; the subnet's setting when unset.",
        ))
        .attr(oc("private_ip", AttrType::String).force_new().describe(
            "The primary private IPv4 address; AWS picks one when unset.",
        ))
        .attr(
            oc("secondary_private_ips", AttrType::set_of(AttrType::String))
                .describe("Secondary private IPv4 addresses of the primary interface; changes in place."),
        )
        .attr(oc("ipv6_address_count", AttrType::Number).force_new().describe(
            "How many IPv6 addresses AWS assigns from the subnet's range.",
        ))
        .attr(
            oc("ipv6_addresses", AttrType::list_of(AttrType::String))
                .force_new()
                .describe("IPv6 addresses from the subnet's range."),
        )
        .attr(oc("enable_primary_ipv6", AttrType::Bool).force_new().describe(
            "Whether the first IPv6 address is the primary one (dual-stack and IPv6-only subnets).",
        ))
        .attr(
            AttributeSchema::optional("source_dest_check", AttrType::Bool)
                .default(true)
                .describe("Drop traffic not addressed to the machine; false for NAT and VPN machines. Changes in place."),
        )
}

fn behaviour_arguments(schema: Schema) -> Schema {
    schema
        .attr(oc("disable_api_termination", AttrType::Bool).describe(
            "Termination protection; changes in place.",
        ))
        .attr(oc("disable_api_stop", AttrType::Bool).describe(
            "Stop protection; changes in place.",
        ))
        .attr(oc("instance_initiated_shutdown_behavior", AttrType::String).describe(
            "\"stop\" or \"terminate\": what a shutdown from inside the machine does. Changes in place.",
        ))
        .attr(oc("monitoring", AttrType::Bool).describe(
            "Detailed (one-minute) CloudWatch monitoring; changes in place.",
        ))
        .attr(
            AttributeSchema::optional("force_destroy", AttrType::Bool)
                .default(false)
                .describe("Lift termination and stop protection before destroying the machine."),
        )
        .attr(
            AttributeSchema::optional("get_password_data", AttrType::Bool)
                .default(false)
                .describe("Fetch the Windows administrator password data into password_data."),
        )
}

fn engine_arguments(schema: Schema) -> Schema {
    schema
        .attr(
            oc("ebs_optimized", AttrType::Bool)
                .describe("EBS-optimised; changes in place by stopping and starting the machine."),
        )
        .attr(
            oc("tenancy", AttrType::String)
                .force_new()
                .describe("\"default\", \"dedicated\" or \"host\"."),
        )
        .attr(
            oc("host_id", AttrType::String)
                .force_new()
                .describe("The dedicated host to launch on."),
        )
        .attr(
            oc("host_resource_group_arn", AttrType::String)
                .force_new()
                .describe("The host resource group to launch in (tenancy \"host\")."),
        )
        .attr(
            oc("placement_group", AttrType::String)
                .force_new()
                .describe("The placement group (its name) to launch in."),
        )
        .attr(
            oc("placement_group_id", AttrType::String)
                .force_new()
                .describe("The placement group (its id) to launch in."),
        )
        .attr(
            oc("placement_partition_number", AttrType::Number)
                .force_new()
                .describe("The partition of a partition placement group."),
        )
        .attr(
            AttributeSchema::optional("provisioners", AttrType::Any).describe(
                "Filled in by the engine from `provisioner \"shell\"` blocks; not written by hand.",
            ),
        )
}

fn computed_attributes(schema: Schema) -> Schema {
    let text = AttrType::String;
    schema
        .attr(computed("id", text.clone(), "The instance id."))
        .attr(computed("arn", text.clone(), "The instance's ARN."))
        .attr(computed("public_ip", text.clone(), "The public IPv4 address, if any."))
        .attr(computed("public_dns", text.clone(), "The public DNS name, if any."))
        .attr(computed("private_dns", text.clone(), "The private DNS name."))
        .attr(computed(
            "primary_network_interface_id",
            text.clone(),
            "The primary network interface.",
        ))
        .attr(computed("outpost_arn", text.clone(), "The Outpost the machine runs on, if any."))
        .attr(
            AttributeSchema::computed("password_data", text.clone())
                .sensitive()
                .describe("The encrypted Windows password data (with get_password_data)."),
        )
        .attr(computed(
            "instance_lifecycle",
            text.clone(),
            "\"spot\" or \"scheduled\" for those machines.",
        ))
        .attr(computed(
            "spot_instance_request_id",
            text.clone(),
            "The Spot request of a Spot machine.",
        ))
        .attr(computed(
            "instance_state",
            text.clone(),
            "NotInitialized, Building, Starting, Running, Stopping, Stopped, Rebooting, Terminating, Terminated or Unknown.",
        ))
        .attr(computed(
            "provisioner_sha1",
            text,
            "The sha1 of the shell provisioners; a change replaces the machine.",
        ))
}

/// The volume arguments `root_block_device` and `ebs_block_device` share.
fn volume_schema(description: &'static str, force_new: bool) -> Schema {
    let f = |a: AttributeSchema| if force_new { a.force_new() } else { a };
    Schema::new(description)
        .attr(f(oc("delete_on_termination", AttrType::Bool).describe(
            "Delete the volume when the machine terminates (default true).",
        )))
        .attr(
            oc("encrypted", AttrType::Bool)
                .force_new()
                .describe("Encrypt the volume."),
        )
        .attr(
            oc("kms_key_id", AttrType::String)
                .force_new()
                .describe("The KMS key that encrypts it."),
        )
        .attr(f(
            oc("iops", AttrType::Number).describe("Provisioned IOPS (io1, io2, gp3).")
        ))
        .attr(f(
            oc("throughput", AttrType::Number).describe("Throughput in MiB/s (gp3).")
        ))
        .attr(f(
            oc("volume_size", AttrType::Number).describe("The size in GiB.")
        ))
        .attr(f(oc("volume_type", AttrType::String)
            .describe("standard, gp2, gp3, io1, io2, sc1 or st1.")))
        .attr(oc("tags", AttrType::map_of(AttrType::String)).describe("Tags of the volume."))
        .attr(computed("volume_id", AttrType::String, "The volume id."))
        .attr(computed(
            "tags_all",
            AttrType::map_of(AttrType::String),
            "Every tag of the volume.",
        ))
}

fn storage_blocks(schema: Schema) -> Schema {
    let root = volume_schema(
        "The root volume; size, type, IOPS and throughput change in place.",
        false,
    )
    .attr(computed(
        "device_name",
        AttrType::String,
        "The root device, e.g. /dev/xvda.",
    ));
    let ebs = volume_schema("An extra EBS volume, attached at launch.", true)
        .attr(
            AttributeSchema::required("device_name", AttrType::String)
                .force_new()
                .describe("The device to attach it as, e.g. /dev/sdh."),
        )
        .attr(
            oc("snapshot_id", AttrType::String)
                .force_new()
                .describe("The snapshot to make it from."),
        );
    let ephemeral = Schema::new("An instance store volume of the AMI's block device mapping.")
        .attr(
            AttributeSchema::required("device_name", AttrType::String).describe("The device name."),
        )
        .attr(
            AttributeSchema::optional("no_device", AttrType::Bool)
                .describe("Suppress the device of the AMI's mapping."),
        )
        .attr(s("virtual_name").describe("The instance store name, e.g. ephemeral0."));
    schema
        .block(single("root_block_device", root))
        .block(block("ebs_block_device", Nesting::Set, None, ebs))
        .block(forced(block(
            "ephemeral_block_device",
            Nesting::Set,
            None,
            ephemeral,
        )))
}

fn option_blocks(schema: Schema) -> Schema {
    let metadata = Schema::new("The instance metadata service; changes in place.")
        .attr(
            oc("http_endpoint", AttrType::String)
                .describe("\"enabled\" (default) or \"disabled\"."),
        )
        .attr(
            oc("http_protocol_ipv6", AttrType::String)
                .describe("The IPv6 endpoint: \"enabled\" or \"disabled\"."),
        )
        .attr(oc("http_put_response_hop_limit", AttrType::Number).describe("1 to 64 (default 1)."))
        .attr(
            oc("http_tokens", AttrType::String)
                .describe("\"required\" (IMDSv2 only) or \"optional\"."),
        )
        .attr(
            oc("instance_metadata_tags", AttrType::String)
                .describe("Tags in the metadata: \"enabled\" or \"disabled\"."),
        );
    let cpu = Schema::new("CPU options, set at launch.")
        .attr(
            oc("amd_sev_snp", AttrType::String)
                .force_new()
                .describe("AMD SEV-SNP: \"enabled\" or \"disabled\"."),
        )
        .attr(
            oc("core_count", AttrType::Number)
                .force_new()
                .describe("The CPU cores."),
        )
        .attr(
            oc("threads_per_core", AttrType::Number)
                .force_new()
                .describe("Threads per core; 1 disables hyperthreading."),
        )
        .attr(
            oc("nested_virtualization", AttrType::String)
                .force_new()
                .describe("\"enabled\" or \"disabled\"."),
        );
    let credit = Schema::new("CPU credits of burstable (T) machines; changes in place.")
        .attr(s("cpu_credits").describe("\"standard\" or \"unlimited\"."));
    let target = Schema::new("The capacity reservation to run in.")
        .attr(s("capacity_reservation_id").describe("The reservation id."))
        .attr(
            s("capacity_reservation_resource_group_arn").describe("A reservation resource group."),
        );
    let capacity = Schema::new("Capacity reservation targeting, set at launch.")
        .attr(
            oc("capacity_reservation_preference", AttrType::String)
                .describe("\"open\" or \"none\"."),
        )
        .block(single("capacity_reservation_target", target));
    let spot = Schema::new("Spot options.")
        .attr(
            oc("instance_interruption_behavior", AttrType::String)
                .describe("hibernate, stop or terminate."),
        )
        .attr(oc("max_price", AttrType::String).describe("The highest hourly price."))
        .attr(oc("spot_instance_type", AttrType::String).describe("one-time or persistent."))
        .attr(
            oc("valid_until", AttrType::String)
                .describe("The end of a persistent request (RFC 3339)."),
        );
    let market = Schema::new("The purchasing option, set at launch.")
        .attr(
            oc("market_type", AttrType::String)
                .describe("spot, capacity-block or interruptible-capacity-reservation."),
        )
        .block(single("spot_options", spot));
    let enclave = Schema::new("Nitro Enclaves.").attr(
        oc("enabled", AttrType::Bool)
            .force_new()
            .describe("Whether enclaves are on."),
    );
    let maintenance = Schema::new("Maintenance and recovery; changes in place.")
        .attr(oc("auto_recovery", AttrType::String).describe("\"default\" or \"disabled\"."));
    let dns = Schema::new("The machine's host name options.")
        .attr(
            oc("enable_resource_name_dns_aaaa_record", AttrType::Bool)
                .describe("Answer AAAA queries for the host name."),
        )
        .attr(
            oc("enable_resource_name_dns_a_record", AttrType::Bool)
                .describe("Answer A queries for the host name."),
        )
        .attr(oc("hostname_type", AttrType::String).describe("\"ip-name\" or \"resource-name\"."));
    let template =
        Schema::new("The launch template to start from; the arguments here override it.")
            .attr(oc("id", AttrType::String).describe("The template id (or name)."))
            .attr(oc("name", AttrType::String).describe("The template name (or id)."))
            .attr(
                AttributeSchema::optional("version", AttrType::String)
                    .default("$Default")
                    .describe("A version number, $Latest or $Default."),
            );
    schema
        .block(single("metadata_options", metadata))
        .block(single("cpu_options", cpu))
        .block(single("credit_specification", credit))
        .block(single("capacity_reservation_specification", capacity))
        .block(forced(single("instance_market_options", market)))
        .block(single("enclave_options", enclave))
        .block(single("maintenance_options", maintenance))
        .block(single("private_dns_name_options", dns))
        .block(forced(single("launch_template", template)))
}

fn network_blocks(schema: Schema) -> Schema {
    let attached = Schema::new(
        "A network interface attached at launch (deprecated: primary_network_interface).",
    )
    .attr(
        AttributeSchema::optional("delete_on_termination", AttrType::Bool)
            .default(false)
            .describe("Delete the interface with the machine."),
    )
    .attr(
        AttributeSchema::required("device_index", AttrType::Number)
            .describe("The attachment's index (0 for the primary)."),
    )
    .attr(
        AttributeSchema::optional("network_card_index", AttrType::Number)
            .default(0i64)
            .describe("The network card."),
    )
    .attr(
        AttributeSchema::required("network_interface_id", AttrType::String)
            .describe("The interface."),
    );
    let primary = Schema::new("The machine's primary network interface, made beforehand.")
        .attr(computed(
            "delete_on_termination",
            AttrType::Bool,
            "Whether the interface goes with the machine.",
        ))
        .attr(
            AttributeSchema::required("network_interface_id", AttrType::String)
                .describe("The interface."),
        );
    let secondary = Schema::new("An interface on a secondary network (e.g. RDMA), made at launch.")
        .attr(
            AttributeSchema::required("secondary_subnet_id", AttrType::String)
                .describe("The secondary subnet."),
        )
        .attr(
            AttributeSchema::required("network_card_index", AttrType::Number)
                .describe("The network card."),
        )
        .attr(
            AttributeSchema::optional("device_index", AttrType::Number)
                .default(0i64)
                .describe("The attachment's index."),
        )
        .attr(
            AttributeSchema::optional("interface_type", AttrType::String)
                .default("secondary")
                .describe("\"secondary\"."),
        )
        .attr(
            AttributeSchema::optional("delete_on_termination", AttrType::Bool)
                .default(true)
                .describe("Delete the interface with the machine."),
        )
        .attr(
            oc("private_ip_address_count", AttrType::Number)
                .describe("How many private addresses (default 1)."),
        )
        .attr(
            oc("private_ip_addresses", AttrType::list_of(AttrType::String))
                .describe("The private addresses."),
        );
    schema
        .block(forced(block(
            "network_interface",
            Nesting::Set,
            None,
            attached,
        )))
        .block(forced(single("primary_network_interface", primary)))
        .block(forced(block(
            "secondary_network_interface",
            Nesting::Set,
            None,
            secondary,
        )))
}
