//! Data sources that find existing EC2 objects by filters and tags:
//! `aws_ami` (DescribeImages), `aws_vpc` (DescribeVpcs) and `aws_subnets`
//! (DescribeSubnets). Each is one paged Describe call with the filters
//! Terraform's provider builds (a `tags` map becomes `tag:KEY` filters),
//! and fails as Terraform does when no object, or more than one, matches.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, Image, VpcAttributeName};
use engine::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, ProviderError, Schema};
use engine::value::Value;

use super::{arn, tags_value};
use crate::aws::managed::pages;
use crate::aws::values::{
    blocks_attr, bool_attr, object, opt_string, str_attr, string, string_list, string_map,
    string_map_attr, strings_attr,
};
use crate::aws::{AwsDataSource, Clients};

fn filter_block(what: &'static str) -> BlockSchema {
    BlockSchema {
        name: "filter",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema: Schema::new(what)
            .attr(
                AttributeSchema::required("name", AttrType::String).describe(
                    "The filter's name in the Describe call, e.g. \"name\" or \"tag:Name\".",
                ),
            )
            .attr(
                AttributeSchema::required("values", AttrType::set_of(AttrType::String))
                    .describe("Accepted values; `*` and `?` are wildcards."),
            ),
    }
}

/// The `filter` blocks, then a `tag:KEY` filter for each entry of `tags`.
fn filters(config: &Value, tags_from: Option<&str>) -> Vec<Filter> {
    let mut out: Vec<Filter> = blocks_attr(config, "filter")
        .iter()
        .filter_map(|f| {
            Some(
                Filter::builder()
                    .name(str_attr(f, "name")?)
                    .set_values(Some(strings_attr(f, "values")))
                    .build(),
            )
        })
        .collect();
    let tags = tags_from
        .map(|name| string_map_attr(config, name))
        .unwrap_or_default();
    for (key, value) in tags {
        out.push(
            Filter::builder()
                .name(format!("tag:{key}"))
                .values(value)
                .build(),
        );
    }
    out
}

/// A filter on one attribute, when the configuration sets it.
fn attribute_filter(config: &Value, attribute: &str, filter: &str) -> Option<Filter> {
    let value = match config.get_attr(attribute).map(Value::peel) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => return None,
    };
    Some(Filter::builder().name(filter).values(value).build())
}

fn some_filters(filters: Vec<Filter>) -> Option<Vec<Filter>> {
    (!filters.is_empty()).then_some(filters)
}

fn computed(name: &'static str, ty: AttrType, what: &'static str) -> AttributeSchema {
    AttributeSchema::computed(name, ty).describe(what)
}

fn text(name: &'static str, what: &'static str) -> AttributeSchema {
    computed(name, AttrType::String, what)
}

// ---------------------------------------------------------------------------
// aws_ami
// ---------------------------------------------------------------------------

pub struct Ami;

#[async_trait]
impl AwsDataSource for Ami {
    fn type_name(&self) -> &'static str {
        "aws_ami"
    }

    fn schema(&self) -> Schema {
        let strings = || AttrType::list_of(AttrType::String);
        let device = AttrType::list_of(AttrType::map_of(AttrType::Any));
        Schema::new("An AMI found by owners, filters and a name pattern (DescribeImages).")
            .attr(AttributeSchema::optional("owners", strings()).describe(
                "Account ids or aliases (self, amazon, aws-marketplace) of the image owners.",
            ))
            .attr(
                AttributeSchema::optional("executable_users", strings())
                    .describe("Only images these users may launch (self, all or account ids)."),
            )
            .attr(
                AttributeSchema::optional("most_recent", AttrType::Bool)
                    .default(false)
                    .describe("With several matches, take the newest instead of failing."),
            )
            .attr(
                AttributeSchema::optional("name_regex", AttrType::String).describe(
                    "A regular expression the image name must match (applied after the filters).",
                ),
            )
            .attr(
                AttributeSchema::optional("include_deprecated", AttrType::Bool)
                    .default(false)
                    .describe("Include deprecated images."),
            )
            .attr(
                AttributeSchema::optional("allow_unsafe_filter", AttrType::Bool)
                    .describe("Accepted for Terraform compatibility."),
            )
            .attr(text("id", "The AMI id."))
            .attr(text("image_id", "The AMI id."))
            .attr(text("arn", "The AMI's ARN."))
            .attr(text("architecture", "i386, x86_64, arm64, …"))
            .attr(computed(
                "block_device_mappings",
                device,
                "The image's block devices: device_name, ebs (a map), no_device, virtual_name.",
            ))
            .attr(text("boot_mode", "legacy-bios, uefi or uefi-preferred."))
            .attr(text("creation_date", "When the image was made."))
            .attr(text("deprecation_time", "When the image is deprecated."))
            .attr(text("description", "The image's description."))
            .attr(computed(
                "ena_support",
                AttrType::Bool,
                "Whether enhanced networking is enabled.",
            ))
            .attr(text("hypervisor", "ovm or xen."))
            .attr(text("image_location", "Where the image's manifest is."))
            .attr(text("image_owner_alias", "The owner's alias (amazon, …)."))
            .attr(text("image_type", "machine, kernel or ramdisk."))
            .attr(text("imds_support", "v2.0 when the image requires IMDSv2."))
            .attr(text("kernel_id", "The kernel of the image."))
            .attr(text(
                "last_launched_time",
                "When an instance was last launched from it.",
            ))
            .attr(text("name", "The image's name."))
            .attr(text("owner_id", "The owner's account id."))
            .attr(text("platform", "windows for Windows images."))
            .attr(text("platform_details", "The platform details."))
            .attr(computed(
                "product_codes",
                AttrType::list_of(AttrType::map_of(AttrType::String)),
                "Product codes: product_code_id and product_code_type.",
            ))
            .attr(computed(
                "public",
                AttrType::Bool,
                "Whether anyone may launch it.",
            ))
            .attr(text("ramdisk_id", "The RAM disk of the image."))
            .attr(text("root_device_name", "The root device, e.g. /dev/xvda."))
            .attr(text("root_device_type", "ebs or instance-store."))
            .attr(text("root_snapshot_id", "The snapshot of the root device."))
            .attr(text(
                "sriov_net_support",
                "Whether SR-IOV networking is enabled.",
            ))
            .attr(text("state", "available, pending or failed."))
            .attr(computed(
                "state_reason",
                AttrType::map_of(AttrType::String),
                "code and message of the state.",
            ))
            .attr(computed(
                "tags",
                AttrType::map_of(AttrType::String),
                "The image's tags.",
            ))
            .attr(text("tpm_support", "v2.0 when NitroTPM is enabled."))
            .attr(text("usage_operation", "The usage operation for billing."))
            .attr(text("virtualization_type", "hvm or paravirtual."))
            .block(filter_block(
                "A DescribeImages filter, e.g. name, architecture or virtualization-type.",
            ))
    }

    async fn read(&self, clients: &Clients, config: &Value) -> Result<Value, ProviderError> {
        let name_regex = match str_attr(config, "name_regex") {
            Some(pattern) => Some(regex::Regex::new(&pattern).map_err(|e| {
                ProviderError::new(format!("name_regex is not a valid regular expression: {e}"))
            })?),
            None => None,
        };
        let owners = strings_attr(config, "owners");
        let users = strings_attr(config, "executable_users");
        let filters = filters(config, None);
        let include_deprecated = bool_attr(config, "include_deprecated").unwrap_or(false);
        let ec2 = &clients.ec2;
        let images: Vec<Image> = pages(|token| {
            let (owners, users, filters) = (owners.clone(), users.clone(), filters.clone());
            async move {
                let out = clients
                    .call("ec2", "DescribeImages", || {
                        ec2.describe_images()
                            .set_owners(some_strings(owners.clone()))
                            .set_executable_users(some_strings(users.clone()))
                            .set_filters(some_filters(filters.clone()))
                            .include_deprecated(include_deprecated)
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                Ok::<_, ProviderError>((
                    out.images().to_vec(),
                    out.next_token().map(str::to_string),
                ))
            }
        })
        .await?;
        let mut matches: Vec<Image> = images
            .into_iter()
            .filter(|i| match &name_regex {
                Some(re) => re.is_match(i.name().unwrap_or_default()),
                None => true,
            })
            .collect();
        let image = match matches.len() {
            0 => return Err(ProviderError::new("Your query returned no results. Please change your search criteria and try again.")),
            1 => matches.remove(0),
            _ if bool_attr(config, "most_recent").unwrap_or(false) => {
                // ISO 8601 times in one format sort as text.
                matches.sort_by(|a, b| b.creation_date().cmp(&a.creation_date()));
                matches.remove(0)
            }
            _ => return Err(ProviderError::new("Your query returned more than one result. Please try a more specific search criteria, or set `most_recent` attribute to true.")),
        };
        let mut out = config.as_map().cloned().unwrap_or_default();
        if let Value::Map(found) = image_value(clients, &image) {
            out.extend(found);
        }
        Ok(Value::Map(out))
    }
}

fn some_strings(items: Vec<String>) -> Option<Vec<String>> {
    (!items.is_empty()).then_some(items)
}

fn image_value(clients: &Clients, image: &Image) -> Value {
    let id = image.image_id().unwrap_or_default();
    let devices = image
        .block_device_mappings()
        .iter()
        .map(|d| {
            let ebs = d
                .ebs()
                .map(|e| {
                    let mut m = BTreeMap::new();
                    let mut put = |k: &str, v: Option<String>| {
                        if let Some(v) = v {
                            m.insert(k.to_string(), v);
                        }
                    };
                    put(
                        "delete_on_termination",
                        e.delete_on_termination().map(|b| b.to_string()),
                    );
                    put("encrypted", e.encrypted().map(|b| b.to_string()));
                    put("iops", e.iops().map(|n| n.to_string()));
                    put("snapshot_id", e.snapshot_id().map(str::to_string));
                    put("throughput", e.throughput().map(|n| n.to_string()));
                    put("volume_size", e.volume_size().map(|n| n.to_string()));
                    put(
                        "volume_type",
                        e.volume_type().map(|t| t.as_str().to_string()),
                    );
                    string_map(m)
                })
                .unwrap_or(Value::Map(BTreeMap::new()));
            object([
                ("device_name", opt_string(d.device_name())),
                ("ebs", ebs),
                ("no_device", opt_string(d.no_device())),
                ("virtual_name", opt_string(d.virtual_name())),
            ])
        })
        .collect();
    let root_snapshot = image
        .block_device_mappings()
        .iter()
        .find(|d| d.device_name() == image.root_device_name())
        .and_then(|d| d.ebs())
        .and_then(|e| e.snapshot_id());
    let enum_text = |s: Option<&str>| opt_string(s);
    object([
        ("id", string(id)),
        ("image_id", string(id)),
        (
            "arn",
            string(format!(
                "arn:{}:ec2:{}::image/{id}",
                crate::aws::partition(&clients.region),
                clients.region
            )),
        ),
        (
            "architecture",
            enum_text(image.architecture().map(|a| a.as_str())),
        ),
        ("block_device_mappings", Value::List(devices)),
        (
            "boot_mode",
            enum_text(image.boot_mode().map(|b| b.as_str())),
        ),
        ("creation_date", opt_string(image.creation_date())),
        ("deprecation_time", opt_string(image.deprecation_time())),
        ("description", opt_string(image.description())),
        (
            "ena_support",
            Value::Bool(image.ena_support().unwrap_or(false)),
        ),
        (
            "hypervisor",
            enum_text(image.hypervisor().map(|h| h.as_str())),
        ),
        ("image_location", opt_string(image.image_location())),
        ("image_owner_alias", opt_string(image.image_owner_alias())),
        (
            "image_type",
            enum_text(image.image_type().map(|t| t.as_str())),
        ),
        (
            "imds_support",
            enum_text(image.imds_support().map(|t| t.as_str())),
        ),
        ("kernel_id", opt_string(image.kernel_id())),
        ("last_launched_time", opt_string(image.last_launched_time())),
        ("name", opt_string(image.name())),
        ("owner_id", opt_string(image.owner_id())),
        ("platform", enum_text(image.platform().map(|p| p.as_str()))),
        ("platform_details", opt_string(image.platform_details())),
        (
            "product_codes",
            Value::List(
                image
                    .product_codes()
                    .iter()
                    .map(|c| {
                        object([
                            ("product_code_id", opt_string(c.product_code_id())),
                            (
                                "product_code_type",
                                enum_text(c.product_code_type().map(|t| t.as_str())),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("public", Value::Bool(image.public().unwrap_or(false))),
        ("ramdisk_id", opt_string(image.ramdisk_id())),
        ("root_device_name", opt_string(image.root_device_name())),
        (
            "root_device_type",
            enum_text(image.root_device_type().map(|t| t.as_str())),
        ),
        ("root_snapshot_id", opt_string(root_snapshot)),
        ("sriov_net_support", opt_string(image.sriov_net_support())),
        ("state", enum_text(image.state().map(|s| s.as_str()))),
        (
            "state_reason",
            string_map(
                image
                    .state_reason()
                    .map(|r| {
                        BTreeMap::from([
                            ("code".to_string(), r.code().unwrap_or("UNSET").to_string()),
                            (
                                "message".to_string(),
                                r.message().unwrap_or("UNSET").to_string(),
                            ),
                        ])
                    })
                    .unwrap_or_else(|| {
                        BTreeMap::from([
                            ("code".to_string(), "UNSET".to_string()),
                            ("message".to_string(), "UNSET".to_string()),
                        ])
                    }),
            ),
        ),
        ("tags", tags_value(image.tags())),
        (
            "tpm_support",
            enum_text(image.tpm_support().map(|t| t.as_str())),
        ),
        ("usage_operation", opt_string(image.usage_operation())),
        (
            "virtualization_type",
            enum_text(image.virtualization_type().map(|t| t.as_str())),
        ),
    ])
}

// ---------------------------------------------------------------------------
// aws_vpc
// ---------------------------------------------------------------------------

pub struct VpcLookup;

#[async_trait]
impl AwsDataSource for VpcLookup {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> Schema {
        let optional = |name: &'static str, ty: AttrType, what: &'static str| {
            AttributeSchema::optional_computed(name, ty).describe(what)
        };
        let associations = AttrType::list_of(AttrType::map_of(AttrType::String));
        Schema::new("One VPC found by id, default flag, filters and tags (DescribeVpcs).")
            .attr(optional("id", AttrType::String, "The VPC id to find."))
            .attr(optional(
                "cidr_block",
                AttrType::String,
                "The VPC's primary CIDR block.",
            ))
            .attr(optional(
                "default",
                AttrType::Bool,
                "Whether to find the region's default VPC.",
            ))
            .attr(optional(
                "dhcp_options_id",
                AttrType::String,
                "The VPC's DHCP options set.",
            ))
            .attr(optional("state", AttrType::String, "pending or available."))
            .attr(optional(
                "tags",
                AttrType::map_of(AttrType::String),
                "Tags the VPC must have; then its tags.",
            ))
            .attr(text("arn", "The VPC's ARN."))
            .attr(computed(
                "cidr_block_associations",
                associations,
                "Every IPv4 block: association_id, cidr_block, state.",
            ))
            .attr(computed(
                "enable_dns_hostnames",
                AttrType::Bool,
                "Whether instances get DNS host names.",
            ))
            .attr(computed(
                "enable_dns_support",
                AttrType::Bool,
                "Whether the Amazon DNS server answers.",
            ))
            .attr(computed(
                "enable_network_address_usage_metrics",
                AttrType::Bool,
                "Whether NAU metrics are on.",
            ))
            .attr(text("instance_tenancy", "default or dedicated."))
            .attr(text("ipv6_association_id", "The IPv6 block's association."))
            .attr(text("ipv6_cidr_block", "The IPv6 block."))
            .attr(text("main_route_table_id", "The VPC's main route table."))
            .attr(text("owner_id", "The owner's account id."))
            .block(filter_block(
                "A DescribeVpcs filter, e.g. cidr or tag:Name.",
            ))
    }

    async fn read(&self, clients: &Clients, config: &Value) -> Result<Value, ProviderError> {
        let mut filters = filters(config, Some("tags"));
        filters.extend(attribute_filter(config, "cidr_block", "cidr"));
        filters.extend(attribute_filter(config, "default", "is-default"));
        filters.extend(attribute_filter(
            config,
            "dhcp_options_id",
            "dhcp-options-id",
        ));
        filters.extend(attribute_filter(config, "state", "state"));
        let id = str_attr(config, "id");
        let ec2 = &clients.ec2;
        let vpcs = pages(|token| {
            let (filters, id) = (filters.clone(), id.clone());
            async move {
                let out = clients
                    .call("ec2", "DescribeVpcs", || {
                        ec2.describe_vpcs()
                            .set_vpc_ids(id.clone().map(|i| vec![i]))
                            .set_filters(some_filters(filters.clone()))
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                Ok::<_, ProviderError>((out.vpcs().to_vec(), out.next_token().map(str::to_string)))
            }
        })
        .await?;
        let vpc = match vpcs.as_slice() {
            [] => return Err(ProviderError::new("no matching EC2 VPC found")),
            [one] => one.clone(),
            _ => return Err(ProviderError::new("multiple EC2 VPCs matched; use additional constraints to reduce matches to a single EC2 VPC")),
        };
        let id = vpc.vpc_id().unwrap_or_default().to_string();
        let mut dns = BTreeMap::new();
        for attribute in [
            VpcAttributeName::EnableDnsSupport,
            VpcAttributeName::EnableDnsHostnames,
            VpcAttributeName::EnableNetworkAddressUsageMetrics,
        ] {
            let reply = clients
                .call("ec2", "DescribeVpcAttribute", || {
                    ec2.describe_vpc_attribute()
                        .vpc_id(&id)
                        .attribute(attribute.clone())
                        .send()
                })
                .await;
            let value = match (&attribute, reply) {
                (VpcAttributeName::EnableDnsSupport, Ok(r)) => {
                    r.enable_dns_support().and_then(|a| a.value())
                }
                (VpcAttributeName::EnableDnsHostnames, Ok(r)) => {
                    r.enable_dns_hostnames().and_then(|a| a.value())
                }
                (_, Ok(r)) => r
                    .enable_network_address_usage_metrics()
                    .and_then(|a| a.value()),
                // An API without the metrics attribute (the emulator) leaves it false.
                (VpcAttributeName::EnableNetworkAddressUsageMetrics, Err(_)) => None,
                (_, Err(e)) => return Err(e.into()),
            };
            dns.insert(attribute.as_str().to_string(), value.unwrap_or(false));
        }
        let main_table = clients
            .call("ec2", "DescribeRouteTables", || {
                ec2.describe_route_tables()
                    .filters(Filter::builder().name("vpc-id").values(&id).build())
                    .filters(
                        Filter::builder()
                            .name("association.main")
                            .values("true")
                            .build(),
                    )
                    .send()
            })
            .await?
            .route_tables()
            .first()
            .and_then(|t| t.route_table_id())
            .map(str::to_string);
        let associations = vpc
            .cidr_block_association_set()
            .iter()
            .map(|a| {
                string_map(BTreeMap::from([
                    (
                        "association_id".to_string(),
                        a.association_id().unwrap_or_default().to_string(),
                    ),
                    (
                        "cidr_block".to_string(),
                        a.cidr_block().unwrap_or_default().to_string(),
                    ),
                    (
                        "state".to_string(),
                        a.cidr_block_state()
                            .and_then(|s| s.state())
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                ]))
            })
            .collect();
        let ipv6 = vpc.ipv6_cidr_block_association_set().first();
        let flag = |name: &str| Value::Bool(dns.get(name).copied().unwrap_or(false));
        let mut out = config.as_map().cloned().unwrap_or_default();
        if let Value::Map(found) = object([
            ("id", string(&id)),
            ("arn", arn(clients, vpc.owner_id(), "vpc", &id)),
            ("cidr_block", opt_string(vpc.cidr_block())),
            ("cidr_block_associations", Value::List(associations)),
            ("default", Value::Bool(vpc.is_default().unwrap_or(false))),
            ("dhcp_options_id", opt_string(vpc.dhcp_options_id())),
            ("enable_dns_hostnames", flag("enableDnsHostnames")),
            ("enable_dns_support", flag("enableDnsSupport")),
            (
                "enable_network_address_usage_metrics",
                flag("enableNetworkAddressUsageMetrics"),
            ),
            (
                "instance_tenancy",
                opt_string(vpc.instance_tenancy().map(|t| t.as_str())),
            ),
            (
                "ipv6_association_id",
                opt_string(ipv6.and_then(|a| a.association_id())),
            ),
            (
                "ipv6_cidr_block",
                opt_string(ipv6.and_then(|a| a.ipv6_cidr_block())),
            ),
            ("main_route_table_id", opt_string(main_table)),
            ("owner_id", opt_string(vpc.owner_id())),
            ("state", opt_string(vpc.state().map(|s| s.as_str()))),
            ("tags", tags_value(vpc.tags())),
        ]) {
            out.extend(found);
        }
        Ok(Value::Map(out))
    }
}

// ---------------------------------------------------------------------------
// aws_subnets
// ---------------------------------------------------------------------------

pub struct Subnets;

#[async_trait]
impl AwsDataSource for Subnets {
    fn type_name(&self) -> &'static str {
        "aws_subnets"
    }

    fn schema(&self) -> Schema {
        Schema::new("The ids of the subnets that match filters and tags (DescribeSubnets).")
            .attr(
                AttributeSchema::optional("tags", AttrType::map_of(AttrType::String))
                    .describe("Tags the subnets must have."),
            )
            .attr(computed(
                "ids",
                AttrType::list_of(AttrType::String),
                "The subnet ids, sorted.",
            ))
            .attr(text("id", "The region."))
            .block(filter_block(
                "A DescribeSubnets filter, e.g. vpc-id or availability-zone.",
            ))
    }

    async fn read(&self, clients: &Clients, config: &Value) -> Result<Value, ProviderError> {
        let filters = filters(config, Some("tags"));
        let ec2 = &clients.ec2;
        let mut ids: Vec<String> = pages(|token| {
            let filters = filters.clone();
            async move {
                let out = clients
                    .call("ec2", "DescribeSubnets", || {
                        ec2.describe_subnets()
                            .set_filters(some_filters(filters.clone()))
                            .set_next_token(token.clone())
                            .send()
                    })
                    .await?;
                let ids = out
                    .subnets()
                    .iter()
                    .filter_map(|s| s.subnet_id().map(str::to_string))
                    .collect::<Vec<_>>();
                Ok::<_, ProviderError>((ids, out.next_token().map(str::to_string)))
            }
        })
        .await?;
        ids.sort();
        let mut out = config.as_map().cloned().unwrap_or_default();
        out.insert("ids".into(), string_list(ids));
        out.insert("id".into(), string(&clients.region));
        Ok(Value::Map(out))
    }
}
