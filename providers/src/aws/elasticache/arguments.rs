//! The ElastiCache arguments that are one API field each, as [`Field`]
//! tables: one for cache clusters, one for replication groups. The
//! arguments with more to them (the node and cluster counts, the member
//! clusters' settings, tags) are handled beside the tables in the module.

use aws_sdk_elasticache::operation::create_cache_cluster::builders::CreateCacheClusterFluentBuilder as CreateCluster;
use aws_sdk_elasticache::operation::create_replication_group::builders::CreateReplicationGroupFluentBuilder as CreateGroup;
use aws_sdk_elasticache::operation::modify_cache_cluster::builders::ModifyCacheClusterFluentBuilder as ModifyCluster;
use aws_sdk_elasticache::operation::modify_replication_group::builders::ModifyReplicationGroupFluentBuilder as ModifyGroup;
use aws_sdk_elasticache::types::{
    AzMode, CacheCluster, CloudWatchLogsDestinationDetails, ClusterMode, DestinationDetails,
    DestinationType, IpDiscovery, KinesisFirehoseDestinationDetails, LogDeliveryConfiguration,
    LogDeliveryConfigurationRequest, LogFormat, LogType, NetworkType, NodeGroupConfiguration,
    ReplicationGroup, TransitEncryptionMode,
};
use engine::provider::{AttrType, AttributeSchema as A, BlockSchema, Nesting, Schema};
use engine::value::Value;

use super::super::fields::{count, flag, not_read, text, Field};
use super::super::rds::int_attr;
use super::super::values::{
    blocks_attr, bool_attr, object, opt_string, str_attr, string, string_set, strings_attr,
};

pub(super) type ClusterField = Field<CreateCluster, ModifyCluster, CacheCluster>;
pub(super) type GroupField = Field<CreateGroup, ModifyGroup, ReplicationGroup>;

/// A list or set argument as the SDK takes it: `None` when empty.
fn listed(value: &Value, name: &str) -> Option<Vec<String>> {
    let items = strings_attr(value, name);
    (!items.is_empty()).then_some(items)
}

/// A set the description reports, unless it is empty (which the API also
/// answers for "not reported").
fn names(items: impl Iterator<Item = String>) -> Option<Value> {
    let items: Vec<String> = items.collect();
    (!items.is_empty()).then(|| string_set(items))
}

/// "enabled"/"enabling" as true, anything else reported as false.
fn enabled(status: Option<&str>) -> Option<Value> {
    status.map(|s| Value::Bool(matches!(s, "enabled" | "enabling")))
}

/// The cache cluster arguments of the table, in `stack schema` order.
pub(super) fn cluster_fields() -> Vec<ClusterField> {
    vec![
        ClusterField {
            schema: || {
                A::optional_computed("engine_version", AttrType::String).describe("The engine version; a prefix such as \"7.1\" matches the precise version AWS reports.")
            },
            create: |c, v| c.set_engine_version(str_attr(v, "engine_version")),
            modify: Some(|m, v| m.set_engine_version(str_attr(v, "engine_version"))),
            read: |c| text(c.engine_version()),
        },
        ClusterField {
            schema: || {
                A::optional_computed("parameter_group_name", AttrType::String)
                    .describe("The cache parameter group.")
            },
            create: |c, v| c.set_cache_parameter_group_name(str_attr(v, "parameter_group_name")),
            modify: Some(|m, v| {
                m.set_cache_parameter_group_name(str_attr(v, "parameter_group_name"))
            }),
            read: |c| {
                text(
                    c.cache_parameter_group()
                        .and_then(|g| g.cache_parameter_group_name()),
                )
            },
        },
        ClusterField {
            schema: || {
                A::optional_computed("subnet_group_name", AttrType::String)
                    .force_new()
                    .describe("The cache subnet group to place the cluster in.")
            },
            create: |c, v| c.set_cache_subnet_group_name(str_attr(v, "subnet_group_name")),
            modify: None,
            read: |c| text(c.cache_subnet_group_name()),
        },
        ClusterField {
            schema: || {
                A::optional_computed("security_group_ids", AttrType::set_of(AttrType::String))
                    .describe("The VPC security groups of the cluster.")
            },
            create: |c, v| c.set_security_group_ids(listed(v, "security_group_ids")),
            modify: Some(|m, v| {
                m.set_security_group_ids(Some(strings_attr(v, "security_group_ids")))
            }),
            read: |c| {
                Some(string_set(
                    c.security_groups()
                        .iter()
                        .filter_map(|g| g.security_group_id().map(str::to_string)),
                ))
            },
        },
        ClusterField {
            schema: || {
                A::optional_computed("security_group_names", AttrType::set_of(AttrType::String))
                    .force_new()
                    .describe("EC2-Classic cache security group names.")
            },
            create: |c, v| c.set_cache_security_group_names(listed(v, "security_group_names")),
            modify: None,
            read: |c| {
                names(
                    c.cache_security_groups()
                        .iter()
                        .filter_map(|g| g.cache_security_group_name().map(str::to_string)),
                )
            },
        },
        ClusterField {
            schema: || {
                A::optional("auto_minor_version_upgrade", AttrType::Bool).default(true).describe("Whether minor engine upgrades are applied in the maintenance window (Redis 6 and later).")
            },
            create: |c, v| {
                c.set_auto_minor_version_upgrade(bool_attr(v, "auto_minor_version_upgrade"))
            },
            modify: Some(|m, v| {
                m.set_auto_minor_version_upgrade(bool_attr(v, "auto_minor_version_upgrade"))
            }),
            read: |c| flag(c.auto_minor_version_upgrade()),
        },
        ClusterField {
            schema: || {
                A::optional_computed("availability_zone", AttrType::String)
                    .force_new()
                    .describe("The availability zone of the cluster.")
            },
            create: |c, v| c.set_preferred_availability_zone(str_attr(v, "availability_zone")),
            modify: None,
            read: |c| text(c.preferred_availability_zone().filter(|z| *z != "Multiple")),
        },
        ClusterField {
            schema: || {
                A::optional_computed("az_mode", AttrType::String)
                    .force_new()
                    .describe("Memcached: \"single-az\" or \"cross-az\".")
            },
            create: |c, v| c.set_az_mode(str_attr(v, "az_mode").map(|m| AzMode::from(m.as_str()))),
            modify: None,
            read: not_read,
        },
        ClusterField {
            schema: || {
                A::optional("final_snapshot_identifier", AttrType::String)
                    .describe("Redis: the name of the snapshot taken when the cluster is deleted.")
            },
            create: |c, _| c,
            modify: None,
            read: not_read,
        },
        ClusterField {
            schema: || {
                A::optional_computed("maintenance_window", AttrType::String)
                    .describe("The weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC).")
            },
            create: |c, v| c.set_preferred_maintenance_window(str_attr(v, "maintenance_window")),
            modify: Some(|m, v| {
                m.set_preferred_maintenance_window(str_attr(v, "maintenance_window"))
            }),
            read: |c| text(c.preferred_maintenance_window()),
        },
        ClusterField {
            schema: || {
                A::optional("notification_topic_arn", AttrType::String)
                    .describe("An SNS topic for ElastiCache notifications.")
            },
            create: |c, v| c.set_notification_topic_arn(str_attr(v, "notification_topic_arn")),
            modify: Some(|m, v| {
                m.set_notification_topic_arn(str_attr(v, "notification_topic_arn"))
            }),
            read: |c| text(c.notification_configuration().and_then(|n| n.topic_arn())),
        },
        ClusterField {
            schema: || {
                A::optional(
                    "preferred_availability_zones",
                    AttrType::list_of(AttrType::String),
                )
                .describe("Memcached: the availability zones of the nodes, one per node.")
            },
            create: |c, v| {
                c.set_preferred_availability_zones(listed(v, "preferred_availability_zones"))
            },
            // AWS takes new zones only for nodes being added; Terraform
            // does not move existing nodes either.
            modify: None,
            read: not_read,
        },
        ClusterField {
            schema: || {
                A::optional_computed("replication_group_id", AttrType::String)
                    .force_new()
                    .describe("The replication group the cluster joins as a read replica.")
            },
            create: |c, v| c.set_replication_group_id(str_attr(v, "replication_group_id")),
            modify: None,
            read: |c| text(c.replication_group_id()),
        },
        ClusterField {
            schema: || {
                A::optional("snapshot_arns", AttrType::list_of(AttrType::String))
                    .force_new()
                    .describe("Redis: the S3 ARN of an RDB snapshot to seed the cluster with.")
            },
            create: |c, v| c.set_snapshot_arns(listed(v, "snapshot_arns")),
            modify: None,
            read: not_read,
        },
        ClusterField {
            schema: || {
                A::optional("snapshot_name", AttrType::String)
                    .force_new()
                    .describe("Redis: the snapshot to restore the cluster from.")
            },
            create: |c, v| c.set_snapshot_name(str_attr(v, "snapshot_name")),
            modify: None,
            read: not_read,
        },
        ClusterField {
            schema: || {
                A::optional_computed("snapshot_retention_limit", AttrType::Number).describe(
                    "Redis: how many days automatic snapshots are kept (0 turns them off).",
                )
            },
            create: |c, v| c.set_snapshot_retention_limit(int_attr(v, "snapshot_retention_limit")),
            modify: Some(|m, v| {
                m.set_snapshot_retention_limit(int_attr(v, "snapshot_retention_limit"))
            }),
            read: |c| count(c.snapshot_retention_limit()),
        },
        ClusterField {
            schema: || {
                A::optional_computed("snapshot_window", AttrType::String)
                    .describe("Redis: the daily snapshot window, hh24:mi-hh24:mi (UTC).")
            },
            create: |c, v| c.set_snapshot_window(str_attr(v, "snapshot_window")),
            modify: Some(|m, v| m.set_snapshot_window(str_attr(v, "snapshot_window"))),
            read: |c| text(c.snapshot_window()),
        },
        ClusterField {
            schema: || {
                A::computed("engine_version_actual", AttrType::String)
                    .describe("The precise engine version running.")
            },
            create: |c, _| c,
            modify: None,
            read: |c| text(c.engine_version()),
        },
        ClusterField {
            schema: || {
                A::computed("cluster_address", AttrType::String)
                    .describe("Memcached: the DNS name of the cluster, without the port.")
            },
            create: |c, _| c,
            modify: None,
            read: |c| {
                Some(opt_string(
                    c.configuration_endpoint().and_then(|e| e.address()),
                ))
            },
        },
        ClusterField {
            schema: || {
                A::computed("configuration_endpoint", AttrType::String)
                    .describe("Memcached: the configuration endpoint, host:port.")
            },
            create: |c, _| c,
            modify: None,
            read: |c| {
                Some(match c.configuration_endpoint() {
                    Some(e) => match (e.address(), e.port()) {
                        (Some(a), Some(p)) => string(format!("{a}:{p}")),
                        (a, _) => opt_string(a),
                    },
                    None => Value::Null,
                })
            },
        },
    ]
}

/// The replication group arguments of the table, in `stack schema` order.
/// The member clusters' settings (engine version, parameter group, subnet
/// group, security groups, maintenance window, notification topic) are
/// not here: AWS reports them on the members.
pub(super) fn group_fields() -> Vec<GroupField> {
    vec![
        GroupField {
            schema: || {
                A::required("description", AttrType::String)
                    .describe("The description of the replication group.")
            },
            create: |c, v| c.set_replication_group_description(str_attr(v, "description")),
            modify: Some(|m, v| m.set_replication_group_description(str_attr(v, "description"))),
            read: |g| text(g.description()),
        },
        GroupField {
            schema: || {
                A::optional_computed("node_type", AttrType::String)
                    .describe("The node type, e.g. \"cache.t3.micro\".")
            },
            create: |c, v| c.set_cache_node_type(str_attr(v, "node_type")),
            modify: Some(|m, v| m.set_cache_node_type(str_attr(v, "node_type"))),
            read: |g| text(g.cache_node_type()),
        },
        GroupField {
            schema: || {
                A::optional("engine", AttrType::String)
                    .default("redis")
                    .force_new()
                    .describe("\"redis\" (or \"valkey\").")
            },
            create: |c, v| c.set_engine(str_attr(v, "engine")),
            modify: None,
            read: |g| text(g.engine()),
        },
        GroupField {
            schema: || {
                A::optional_computed("at_rest_encryption_enabled", AttrType::Bool)
                    .force_new()
                    .describe("Whether the data at rest is encrypted.")
            },
            create: |c, v| {
                c.set_at_rest_encryption_enabled(bool_attr(v, "at_rest_encryption_enabled"))
            },
            modify: None,
            read: |g| flag(g.at_rest_encryption_enabled()),
        },
        GroupField {
            schema: || {
                A::optional("auth_token", AttrType::String).sensitive().describe("The Redis AUTH password (needs transit encryption); kept sealed in state, never shown.")
            },
            create: |c, v| c.set_auth_token(str_attr(v, "auth_token")),
            modify: Some(|m, v| {
                m.set_auth_token(str_attr(v, "auth_token"))
                    .set_auth_token_update_strategy(
                        str_attr(v, "auth_token_update_strategy").map(|s| s.as_str().into()),
                    )
            }),
            read: not_read,
        },
        GroupField {
            schema: || {
                A::optional("auth_token_update_strategy", AttrType::String)
                    .describe("How a changed auth_token is applied: SET, ROTATE or DELETE.")
            },
            create: |c, _| c,
            modify: None,
            read: not_read,
        },
        GroupField {
            schema: || {
                A::optional_computed("auto_minor_version_upgrade", AttrType::Bool).describe("Whether minor engine upgrades are applied in the maintenance window (Redis 6 and later).")
            },
            create: |c, v| {
                c.set_auto_minor_version_upgrade(bool_attr(v, "auto_minor_version_upgrade"))
            },
            modify: Some(|m, v| {
                m.set_auto_minor_version_upgrade(bool_attr(v, "auto_minor_version_upgrade"))
            }),
            read: |g| flag(g.auto_minor_version_upgrade()),
        },
        GroupField {
            schema: || {
                A::optional("automatic_failover_enabled", AttrType::Bool).default(false).describe("Whether a replica is promoted when the primary fails (needs two or more clusters).")
            },
            create: |c, v| {
                c.set_automatic_failover_enabled(bool_attr(v, "automatic_failover_enabled"))
            },
            modify: Some(|m, v| {
                m.set_automatic_failover_enabled(bool_attr(v, "automatic_failover_enabled"))
            }),
            read: |g| {
                enabled(g.automatic_failover().map(|f| f.as_str())).or(Some(Value::Bool(false)))
            },
        },
        GroupField {
            schema: || {
                A::optional_computed("cluster_mode", AttrType::String)
                    .describe("\"enabled\", \"disabled\" or \"compatible\".")
            },
            create: |c, v| {
                c.set_cluster_mode(
                    str_attr(v, "cluster_mode").map(|m| ClusterMode::from(m.as_str())),
                )
            },
            modify: Some(|m, v| {
                m.set_cluster_mode(
                    str_attr(v, "cluster_mode").map(|m| ClusterMode::from(m.as_str())),
                )
            }),
            read: |g| text(g.cluster_mode().map(|m| m.as_str())),
        },
        GroupField {
            schema: || {
                A::optional_computed("data_tiering_enabled", AttrType::Bool)
                    .force_new()
                    .describe("Whether data tiering is on (r6gd nodes).")
            },
            create: |c, v| c.set_data_tiering_enabled(bool_attr(v, "data_tiering_enabled")),
            modify: None,
            read: |g| enabled(g.data_tiering().map(|d| d.as_str())),
        },
        GroupField {
            schema: || {
                A::optional("final_snapshot_identifier", AttrType::String)
                    .describe("The name of the snapshot taken when the group is deleted.")
            },
            create: |c, _| c,
            modify: None,
            read: not_read,
        },
        GroupField {
            schema: || {
                A::optional_computed("global_replication_group_id", AttrType::String)
                    .force_new()
                    .describe("The global replication group this group joins as a secondary.")
            },
            create: |c, v| {
                c.set_global_replication_group_id(str_attr(v, "global_replication_group_id"))
            },
            modify: None,
            read: |g| {
                text(
                    g.global_replication_group_info()
                        .and_then(|i| i.global_replication_group_id())
                        .filter(|id| !id.is_empty()),
                )
            },
        },
        GroupField {
            schema: || {
                A::optional_computed("ip_discovery", AttrType::String)
                    .describe("The IP version advertised in discovery: ipv4 or ipv6.")
            },
            create: |c, v| {
                c.set_ip_discovery(
                    str_attr(v, "ip_discovery").map(|d| IpDiscovery::from(d.as_str())),
                )
            },
            modify: Some(|m, v| {
                m.set_ip_discovery(
                    str_attr(v, "ip_discovery").map(|d| IpDiscovery::from(d.as_str())),
                )
            }),
            read: |g| text(g.ip_discovery().map(|d| d.as_str())),
        },
        GroupField {
            schema: || {
                A::optional("kms_key_id", AttrType::String)
                    .force_new()
                    .describe("The KMS key for encryption at rest.")
            },
            create: |c, v| c.set_kms_key_id(str_attr(v, "kms_key_id")),
            modify: None,
            read: |g| text(g.kms_key_id()),
        },
        GroupField {
            schema: || {
                A::optional("multi_az_enabled", AttrType::Bool)
                    .default(false)
                    .describe("Whether Multi-AZ is on (needs automatic failover).")
            },
            create: |c, v| c.set_multi_az_enabled(bool_attr(v, "multi_az_enabled")),
            modify: Some(|m, v| m.set_multi_az_enabled(bool_attr(v, "multi_az_enabled"))),
            read: |g| enabled(g.multi_az().map(|m| m.as_str())),
        },
        GroupField {
            schema: || {
                A::optional_computed("network_type", AttrType::String)
                    .force_new()
                    .describe("ipv4, ipv6 or dual_stack.")
            },
            create: |c, v| {
                c.set_network_type(
                    str_attr(v, "network_type").map(|t| NetworkType::from(t.as_str())),
                )
            },
            modify: None,
            read: |g| text(g.network_type().map(|t| t.as_str())),
        },
        GroupField {
            schema: || {
                A::optional_computed("num_node_groups", AttrType::Number)
                    .describe("Cluster mode: how many shards.")
            },
            create: |c, v| c.set_num_node_groups(int_attr(v, "num_node_groups")),
            // Resharding is its own call (see the module).
            modify: None,
            read: |g| {
                (g.cluster_enabled() == Some(true))
                    .then(|| Value::number(g.node_groups().len() as f64))
            },
        },
        GroupField {
            schema: || {
                A::optional_computed("replicas_per_node_group", AttrType::Number)
                    .describe("Cluster mode: how many replicas each shard has.")
            },
            create: |c, v| c.set_replicas_per_node_group(int_attr(v, "replicas_per_node_group")),
            // The replica count is its own call (see the module).
            modify: None,
            read: |g| {
                let shard = g
                    .node_groups()
                    .first()
                    .filter(|_| g.cluster_enabled() == Some(true))?;
                Some(Value::number(
                    shard.node_group_members().len().saturating_sub(1) as f64,
                ))
            },
        },
        GroupField {
            schema: || {
                A::optional("preferred_cache_cluster_azs", AttrType::list_of(AttrType::String)).describe("The availability zones of the clusters, the primary's first; ignored on update.")
            },
            create: |c, v| {
                c.set_preferred_cache_cluster_azs(listed(v, "preferred_cache_cluster_azs"))
            },
            modify: None,
            read: not_read,
        },
        GroupField {
            schema: || {
                A::optional_computed("security_group_names", AttrType::set_of(AttrType::String))
                    .force_new()
                    .describe("EC2-Classic cache security group names.")
            },
            create: |c, v| c.set_cache_security_group_names(listed(v, "security_group_names")),
            modify: None,
            read: not_read,
        },
        GroupField {
            schema: || {
                A::optional("snapshot_arns", AttrType::set_of(AttrType::String))
                    .force_new()
                    .describe("S3 ARNs of RDB snapshots to seed the group with.")
            },
            create: |c, v| c.set_snapshot_arns(listed(v, "snapshot_arns")),
            modify: None,
            read: not_read,
        },
        GroupField {
            schema: || {
                A::optional("snapshot_name", AttrType::String)
                    .force_new()
                    .describe("A snapshot to restore the group from.")
            },
            create: |c, v| c.set_snapshot_name(str_attr(v, "snapshot_name")),
            modify: None,
            read: not_read,
        },
        GroupField {
            schema: || {
                A::optional_computed("snapshot_retention_limit", AttrType::Number)
                    .describe("How many days automatic snapshots are kept (0 turns them off).")
            },
            create: |c, v| c.set_snapshot_retention_limit(int_attr(v, "snapshot_retention_limit")),
            modify: Some(|m, v| {
                m.set_snapshot_retention_limit(int_attr(v, "snapshot_retention_limit"))
            }),
            read: |g| count(g.snapshot_retention_limit()),
        },
        GroupField {
            schema: || {
                A::optional_computed("snapshot_window", AttrType::String)
                    .describe("The daily snapshot window, hh24:mi-hh24:mi (UTC).")
            },
            create: |c, v| c.set_snapshot_window(str_attr(v, "snapshot_window")),
            modify: Some(|m, v| m.set_snapshot_window(str_attr(v, "snapshot_window"))),
            read: |g| text(g.snapshot_window()),
        },
        GroupField {
            schema: || {
                A::optional_computed("transit_encryption_enabled", AttrType::Bool)
                    .describe("Whether traffic is encrypted in transit.")
            },
            create: |c, v| {
                c.set_transit_encryption_enabled(bool_attr(v, "transit_encryption_enabled"))
            },
            modify: Some(|m, v| {
                m.set_transit_encryption_enabled(bool_attr(v, "transit_encryption_enabled"))
            }),
            read: |g| flag(g.transit_encryption_enabled()),
        },
        GroupField {
            schema: || {
                A::optional_computed("transit_encryption_mode", AttrType::String)
                    .describe("\"preferred\" or \"required\".")
            },
            create: |c, v| {
                c.set_transit_encryption_mode(
                    str_attr(v, "transit_encryption_mode")
                        .map(|m| TransitEncryptionMode::from(m.as_str())),
                )
            },
            modify: Some(|m, v| {
                m.set_transit_encryption_mode(
                    str_attr(v, "transit_encryption_mode")
                        .map(|m| TransitEncryptionMode::from(m.as_str())),
                )
            }),
            read: |g| text(g.transit_encryption_mode().map(|m| m.as_str())),
        },
        GroupField {
            schema: || {
                A::optional("user_group_ids", AttrType::set_of(AttrType::String))
                    .describe("The user group (at most one) for RBAC access.")
            },
            create: |c, v| c.set_user_group_ids(listed(v, "user_group_ids")),
            // Added and removed ids are computed against the prior state
            // (see the module).
            modify: None,
            read: |g| names(g.user_group_ids().iter().cloned()),
        },
        GroupField {
            schema: || {
                A::computed("cluster_enabled", AttrType::Bool)
                    .describe("Whether cluster mode (sharding) is on.")
            },
            create: |c, _| c,
            modify: None,
            read: |g| flag(g.cluster_enabled()),
        },
        GroupField {
            schema: || {
                A::computed("configuration_endpoint_address", AttrType::String)
                    .describe("Cluster mode: the configuration endpoint's address.")
            },
            create: |c, _| c,
            modify: None,
            read: |g| {
                Some(opt_string(
                    g.configuration_endpoint().and_then(|e| e.address()),
                ))
            },
        },
    ]
}

/// The `log_delivery_configuration` block of clusters and groups.
pub(super) fn log_delivery_block() -> BlockSchema {
    BlockSchema {
        name: "log_delivery_configuration",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: Some(2),
        force_new: false,
        schema: Schema::new("Where the slow log or engine log goes.")
            .attr(
                A::required("destination", AttrType::String)
                    .describe("The CloudWatch Logs group or Kinesis Data Firehose stream."),
            )
            .attr(
                A::required("destination_type", AttrType::String)
                    .describe("\"cloudwatch-logs\" or \"kinesis-firehose\"."),
            )
            .attr(A::required("log_format", AttrType::String).describe("\"json\" or \"text\"."))
            .attr(
                A::required("log_type", AttrType::String)
                    .describe("\"slow-log\" or \"engine-log\"."),
            ),
    }
}

/// The block's entries as the create and modify calls take them.
pub(super) fn log_delivery_requests(value: &Value) -> Option<Vec<LogDeliveryConfigurationRequest>> {
    let blocks = blocks_attr(value, "log_delivery_configuration");
    let requests: Vec<_> = blocks.iter().map(log_delivery_request).collect();
    (!requests.is_empty()).then_some(requests)
}

fn log_delivery_request(block: &Value) -> LogDeliveryConfigurationRequest {
    let destination = str_attr(block, "destination").unwrap_or_default();
    let kind = str_attr(block, "destination_type").unwrap_or_default();
    let details = if kind == "kinesis-firehose" {
        DestinationDetails::builder()
            .kinesis_firehose_details(
                KinesisFirehoseDestinationDetails::builder()
                    .delivery_stream(destination)
                    .build(),
            )
            .build()
    } else {
        DestinationDetails::builder()
            .cloud_watch_logs_details(
                CloudWatchLogsDestinationDetails::builder()
                    .log_group(destination)
                    .build(),
            )
            .build()
    };
    LogDeliveryConfigurationRequest::builder()
        .set_log_type(str_attr(block, "log_type").map(|t| LogType::from(t.as_str())))
        .destination_type(DestinationType::from(kind.as_str()))
        .destination_details(details)
        .set_log_format(str_attr(block, "log_format").map(|f| LogFormat::from(f.as_str())))
        .enabled(true)
        .build()
}

/// The logs removed between two values: AWS turns one off when asked with
/// `enabled = false` for its log type.
pub(super) fn log_delivery_removed(
    prior: &Value,
    planned: &Value,
) -> Vec<LogDeliveryConfigurationRequest> {
    let kept: Vec<String> = blocks_attr(planned, "log_delivery_configuration")
        .iter()
        .filter_map(|b| str_attr(b, "log_type"))
        .collect();
    blocks_attr(prior, "log_delivery_configuration")
        .iter()
        .filter_map(|b| str_attr(b, "log_type"))
        .filter(|t| !kept.contains(t))
        .map(|t| {
            LogDeliveryConfigurationRequest::builder()
                .log_type(LogType::from(t.as_str()))
                .enabled(false)
                .build()
        })
        .collect()
}

/// The block as a description reports it.
pub(super) fn log_delivery_state(configurations: &[LogDeliveryConfiguration]) -> Value {
    Value::set_from(
        configurations
            .iter()
            .filter(|c| c.status().is_none_or(|s| s.as_str() != "disabled"))
            .map(|c| {
                let details = c.destination_details();
                let destination = details
                    .and_then(|d| d.cloud_watch_logs_details().and_then(|l| l.log_group()))
                    .or_else(|| {
                        details.and_then(|d| {
                            d.kinesis_firehose_details()
                                .and_then(|k| k.delivery_stream())
                        })
                    });
                object([
                    ("destination", opt_string(destination)),
                    (
                        "destination_type",
                        opt_string(c.destination_type().map(|t| t.as_str())),
                    ),
                    ("log_format", opt_string(c.log_format().map(|f| f.as_str()))),
                    ("log_type", opt_string(c.log_type().map(|t| t.as_str()))),
                ])
            })
            .collect(),
    )
}

/// The `node_group_configuration` block of replication groups.
pub(super) fn node_group_block() -> BlockSchema {
    BlockSchema {
        name: "node_group_configuration",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: true,
        schema: Schema::new("One shard's placement and keyspace (cluster mode).")
            .attr(
                A::optional_computed("node_group_id", AttrType::String)
                    .describe("The shard's id, 1 to 4 characters."),
            )
            .attr(
                A::optional("primary_availability_zone", AttrType::String)
                    .describe("The primary's availability zone."),
            )
            .attr(
                A::optional("primary_outpost_arn", AttrType::String)
                    .describe("The primary's Outpost."),
            )
            .attr(
                A::optional(
                    "replica_availability_zones",
                    AttrType::list_of(AttrType::String),
                )
                .describe("The replicas' availability zones."),
            )
            .attr(
                A::optional_computed("replica_count", AttrType::Number)
                    .describe("How many replicas the shard has."),
            )
            .attr(
                A::optional("replica_outpost_arns", AttrType::list_of(AttrType::String))
                    .describe("The replicas' Outposts."),
            )
            .attr(
                A::optional_computed("slots", AttrType::String)
                    .describe("The shard's keyspace, start-end."),
            ),
    }
}

/// The block's entries as CreateReplicationGroup takes them.
pub(super) fn node_groups(value: &Value) -> Option<Vec<NodeGroupConfiguration>> {
    let groups: Vec<_> = blocks_attr(value, "node_group_configuration")
        .iter()
        .map(|b| {
            NodeGroupConfiguration::builder()
                .set_node_group_id(str_attr(b, "node_group_id"))
                .set_slots(str_attr(b, "slots"))
                .set_replica_count(int_attr(b, "replica_count"))
                .set_primary_availability_zone(str_attr(b, "primary_availability_zone"))
                .set_replica_availability_zones(listed(b, "replica_availability_zones"))
                .set_primary_outpost_arn(str_attr(b, "primary_outpost_arn"))
                .set_replica_outpost_arns(listed(b, "replica_outpost_arns"))
                .build()
        })
        .collect();
    (!groups.is_empty()).then_some(groups)
}
