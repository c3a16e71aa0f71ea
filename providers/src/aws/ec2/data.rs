//! EC2 data sources: `aws_availability_zones` and `aws_instance_types`.

use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, InstanceTypeInfo};
use engine::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, ProviderError, Schema};
use engine::value::Value;

use crate::aws::values::{blocks_attr, str_attr, string, string_list, strings_attr};
use crate::aws::{AwsDataSource, Clients};

pub struct AvailabilityZones;

#[async_trait]
impl AwsDataSource for AvailabilityZones {
    fn type_name(&self) -> &'static str {
        "aws_availability_zones"
    }

    fn schema(&self) -> Schema {
        Schema::new("The availability zones of the provider's region.")
            .attr(
                AttributeSchema::optional("state", AttrType::String)
                    .describe("Only zones in this state: \"available\", \"information\", \"impaired\" or \"unavailable\"."),
            )
            .attr(
                AttributeSchema::computed("names", AttrType::list_of(AttrType::String))
                    .describe("The zone names, sorted, e.g. \"us-east-1a\"."),
            )
            .attr(
                AttributeSchema::computed("zone_ids", AttrType::list_of(AttrType::String))
                    .describe("The zone ids, in the order of names, e.g. \"use1-az1\"."),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The region."))
            .attr(
                AttributeSchema::optional("all_availability_zones", AttrType::Bool)
                    .describe("Include Local Zones and Wavelength Zones, whether opted in or not."),
            )
            .attr(
                AttributeSchema::optional("exclude_names", AttrType::set_of(AttrType::String))
                    .describe("Zone names to leave out."),
            )
            .attr(
                AttributeSchema::optional("exclude_zone_ids", AttrType::set_of(AttrType::String))
                    .describe("Zone ids to leave out."),
            )
            .attr(
                AttributeSchema::computed("group_names", AttrType::set_of(AttrType::String))
                    .describe("The zone groups of the zones."),
            )
            .block(BlockSchema {
                name: "filter",
                nesting: Nesting::Set,
                min_items: 0,
                max_items: None,
                force_new: false,
                schema: Schema::new("A DescribeAvailabilityZones filter, e.g. opt-in-status or zone-type.")
                    .attr(AttributeSchema::required("name", AttrType::String).describe("The filter's name."))
                    .attr(
                        AttributeSchema::required("values", AttrType::set_of(AttrType::String))
                            .describe("Accepted values."),
                    ),
            })
    }

    async fn read(&self, clients: &Clients, config: &Value) -> Result<Value, ProviderError> {
        let state = str_attr(config, "state");
        let mut filters: Vec<Filter> = state
            .as_ref()
            .map(|s| Filter::builder().name("state").values(s.clone()).build())
            .into_iter()
            .collect();
        filters.extend(blocks_attr(config, "filter").iter().filter_map(|f| {
            Some(
                Filter::builder()
                    .name(str_attr(f, "name")?)
                    .set_values(Some(strings_attr(f, "values")))
                    .build(),
            )
        }));
        let all = crate::aws::values::bool_attr(config, "all_availability_zones");
        let ec2 = &clients.ec2;
        let described = clients
            .call("ec2", "DescribeAvailabilityZones", || {
                ec2.describe_availability_zones()
                    .set_filters((!filters.is_empty()).then(|| filters.clone()))
                    .set_all_availability_zones(all)
                    .send()
            })
            .await?;
        let excluded_names = strings_attr(config, "exclude_names");
        let excluded_ids = strings_attr(config, "exclude_zone_ids");
        let kept = described.availability_zones().iter().filter(|z| {
            !excluded_names
                .iter()
                .any(|n| Some(n.as_str()) == z.zone_name())
                && !excluded_ids.iter().any(|i| Some(i.as_str()) == z.zone_id())
        });
        let mut groups: Vec<String> = kept
            .clone()
            .filter_map(|z| z.group_name().map(str::to_string))
            .collect();
        groups.sort();
        groups.dedup();
        let mut zones: Vec<(String, String)> = kept
            .filter_map(|z| {
                Some((
                    z.zone_name()?.to_string(),
                    z.zone_id().unwrap_or_default().to_string(),
                ))
            })
            .collect();
        zones.sort();
        let mut out = config.as_map().cloned().unwrap_or_default();
        out.insert(
            "names".to_string(),
            string_list(zones.iter().map(|(n, _)| n.clone())),
        );
        out.insert(
            "zone_ids".to_string(),
            string_list(zones.iter().map(|(_, id)| id.clone())),
        );
        out.insert("id".to_string(), string(&clients.region));
        out.insert(
            "group_names".to_string(),
            crate::aws::values::string_set(groups),
        );
        for name in [
            "state",
            "all_availability_zones",
            "exclude_names",
            "exclude_zone_ids",
        ] {
            out.entry(name.to_string()).or_insert(Value::Null);
        }
        Ok(Value::Map(out))
    }
}

pub struct InstanceTypes;

#[async_trait]
impl AwsDataSource for InstanceTypes {
    fn type_name(&self) -> &'static str {
        "aws_instance_types"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "The machine sizes of the region, with their CPUs, memory and storage, to pick an instance_type from.",
        )
        .attr(
            AttributeSchema::computed(
                "instance_types",
                AttrType::list_of(AttrType::map_of(AttrType::Any)),
            )
            .describe("Sorted by name: objects with instance_type, vcpus, memory_mib and storage_gb (0 without instance storage)."),
        )
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The region."))
        .block(BlockSchema {
            name: "filter",
            nesting: Nesting::List,
            min_items: 0,
            max_items: None,
            force_new: false,
            schema: Schema::new("A DescribeInstanceTypes filter, as in Terraform's aws_ec2_instance_types.")
                .attr(
                    AttributeSchema::required("name", AttrType::String)
                        .describe("The filter's name, e.g. \"vcpu-info.default-vcpus\", \"current-generation\" or \"instance-type\"."),
                )
                .attr(
                    AttributeSchema::required("values", AttrType::list_of(AttrType::String))
                        .describe("Accepted values; `*` and `?` are wildcards."),
                ),
        })
    }

    async fn read(&self, clients: &Clients, config: &Value) -> Result<Value, ProviderError> {
        let filters: Vec<Filter> = blocks_attr(config, "filter")
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
        let ec2 = &clients.ec2;
        let mut infos: Vec<InstanceTypeInfo> = Vec::new();
        let mut token: Option<String> = None;
        // moto 5.2.5 ignores MaxResults and returns every type at once; AWS
        // pages at 100, so the token is followed.
        loop {
            let page = clients
                .call("ec2", "DescribeInstanceTypes", || {
                    ec2.describe_instance_types()
                        .set_filters(if filters.is_empty() {
                            None
                        } else {
                            Some(filters.clone())
                        })
                        .max_results(100)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            infos.extend(page.instance_types().iter().cloned());
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(next) if Some(next) != token.as_deref() => token = Some(next.to_string()),
                _ => break,
            }
        }
        let mut types: Vec<(String, Value)> = infos
            .iter()
            .filter_map(|info| {
                let name = info.instance_type()?.as_str().to_string();
                Some((name.clone(), instance_type_value(&name, info)))
            })
            .collect();
        types.sort_by(|a, b| a.0.cmp(&b.0));
        types.dedup_by(|a, b| a.0 == b.0);
        let mut out = config.as_map().cloned().unwrap_or_default();
        out.insert(
            "instance_types".to_string(),
            Value::List(types.into_iter().map(|(_, v)| v).collect()),
        );
        out.insert("id".to_string(), string(&clients.region));
        out.entry("filter".to_string())
            .or_insert(Value::List(Vec::new()));
        Ok(Value::Map(out))
    }
}

fn instance_type_value(name: &str, info: &InstanceTypeInfo) -> Value {
    let number = |n: Option<i64>| Value::number(n.unwrap_or(0));
    crate::aws::values::object([
        ("instance_type", string(name)),
        (
            "vcpus",
            number(
                info.v_cpu_info()
                    .and_then(|v| v.default_v_cpus())
                    .map(i64::from),
            ),
        ),
        (
            "memory_mib",
            number(info.memory_info().and_then(|m| m.size_in_mib())),
        ),
        (
            "storage_gb",
            number(
                info.instance_storage_info()
                    .and_then(|s| s.total_size_in_gb()),
            ),
        ),
    ])
}
