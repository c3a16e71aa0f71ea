//! Amazon ElastiCache: `aws_elasticache_subnet_group`,
//! `aws_elasticache_cluster` and `aws_elasticache_replication_group`.
//!
//! Clusters and replication groups are asynchronous like RDS instances: the
//! status mapping for the waiters is [`cache_status`], tested below without
//! an endpoint. ElastiCache's describe calls do not return tags: a refresh
//! of one object asks `ListTagsForResource`, a refresh of several costs one
//! paged describe for all objects of the type and one paged listing of the
//! service's tags ([`super::tagging_api`]), whatever their number.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticache::operation::modify_cache_cluster::builders::ModifyCacheClusterFluentBuilder;
use aws_sdk_elasticache::operation::modify_replication_group::builders::ModifyReplicationGroupFluentBuilder;
use aws_sdk_elasticache::types::{
    CacheCluster, CacheSubnetGroup, LogDeliveryConfiguration, ReplicationGroup, Tag,
};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse,
    ProviderError, Schema,
};
use engine::value::Value;

use super::fields;
use super::managed::{
    create_tags, one_or_all, ours_by_name, pages, Gone, Made, Managed, Seam, Tagging,
};
use super::rds::{changed, int_attr, keep_precise_version, number, progress_of};
use super::retry::Poll;
use super::values::{
    bool_attr, number_attr, object, opt_string, required_str, str_attr, string, string_set,
    strings_attr, tags_attribute, timeout, timeouts_block,
};
use super::{AwsError, AwsResource, Clients};

mod arguments;

/// The resources of this module, for `AwsProvider::new`.
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(CacheSubnetGroupResource)),
        Box::new(Seam(CacheClusterResource)),
        Box::new(Seam(ReplicationGroupResource)),
    ]
}

const CREATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(80 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(40 * 60);

/// What a cluster or replication group status means for a waiter that
/// wants it `available`.
#[derive(Debug, PartialEq, Eq)]
pub enum CacheStatus {
    Ready,
    Pending,
    /// A state the cache does not leave on its own.
    Failed,
}

/// Maps an ElastiCache `CacheClusterStatus` or replication group `Status`.
pub fn cache_status(status: &str) -> CacheStatus {
    match status {
        "available" => CacheStatus::Ready,
        "create-failed" | "incompatible-network" | "restore-failed" | "deleted" | "deleting" => {
            CacheStatus::Failed
        }
        // creating, modifying, snapshotting, "rebooting cache cluster
        // nodes"…: ElastiCache is working.
        _ => CacheStatus::Pending,
    }
}

pub(crate) fn tags_to_sdk(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Every tag of a resource, ours included.
pub(crate) async fn list_all_tags(
    clients: &Clients,
    arn: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let ec = &clients.elasticache;
    let out = clients
        .call("elasticache", "ListTagsForResource", || {
            ec.list_tags_for_resource().resource_name(arn).send()
        })
        .await?;
    Ok(out
        .tag_list()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect())
}

/// ElastiCache's tagging, by ARN.
pub(crate) struct ElastiCacheTags;

#[async_trait]
impl Tagging for ElastiCacheTags {
    async fn update(
        &self,
        clients: &Clients,
        arn: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let ec = &clients.elasticache;
        if !remove.is_empty() {
            clients
                .call("elasticache", "RemoveTagsFromResource", || {
                    ec.remove_tags_from_resource()
                        .resource_name(arn)
                        .set_tag_keys(Some(remove.to_vec()))
                        .send()
                })
                .await?;
        }
        if !add.is_empty() {
            clients
                .call("elasticache", "AddTagsToResource", || {
                    ec.add_tags_to_resource()
                        .resource_name(arn)
                        .set_tags(Some(tags_to_sdk(add)))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        list_all_tags(clients, arn).await
    }

    /// One `ListTagsForResource` for one object, the Resource Groups
    /// Tagging API's paged listing for several.
    async fn list_many(
        &self,
        clients: &Clients,
        arns: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
        super::tagging_api::tags_of(clients, arns, |arn| async move {
            list_all_tags(clients, &arn).await
        })
        .await
    }
}

/// Lists every cache cluster with its nodes, one page at a time.
pub(crate) async fn describe_all_clusters(
    clients: &Clients,
) -> Result<Vec<CacheCluster>, ProviderError> {
    let ec = &clients.elasticache;
    let mut clusters = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = clients
            .call("elasticache", "DescribeCacheClusters", || {
                ec.describe_cache_clusters()
                    .show_cache_node_info(true)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        clusters.extend(out.cache_clusters().iter().cloned());
        match out.marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => return Ok(clusters),
        }
    }
}

async fn describe_cluster(
    clients: &Clients,
    id: &str,
) -> Result<Option<CacheCluster>, ProviderError> {
    let ec = &clients.elasticache;
    match clients
        .call("elasticache", "DescribeCacheClusters", || {
            ec.describe_cache_clusters()
                .cache_cluster_id(id)
                .show_cache_node_info(true)
                .send()
        })
        .await
    {
        Ok(out) => Ok(out
            .cache_clusters()
            .iter()
            .find(|c| c.cache_cluster_id() == Some(id))
            .cloned()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// aws_elasticache_subnet_group
// ---------------------------------------------------------------------------

pub struct CacheSubnetGroupResource;

fn cache_subnet_group_state(group: &CacheSubnetGroup) -> Value {
    let name = group.cache_subnet_group_name().unwrap_or_default();
    object([
        ("id", string(name)),
        ("name", string(name)),
        (
            "description",
            opt_string(group.cache_subnet_group_description()),
        ),
        (
            "subnet_ids",
            string_set(
                group
                    .subnets()
                    .iter()
                    .filter_map(|s| s.subnet_identifier().map(str::to_string)),
            ),
        ),
        ("arn", opt_string(group.arn())),
    ])
}

/// One cache subnet group by name; `None` when there is none.
async fn describe_cache_subnet_group(
    clients: &Clients,
    name: String,
) -> Result<Option<Value>, ProviderError> {
    let ec = &clients.elasticache;
    let out = clients
        .call("elasticache", "DescribeCacheSubnetGroups", || {
            ec.describe_cache_subnet_groups()
                .cache_subnet_group_name(&name)
                .send()
        })
        .await
        .or_gone()?;
    Ok(out.and_then(|out| {
        out.cache_subnet_groups()
            .iter()
            .find(|g| g.cache_subnet_group_name() == Some(name.as_str()))
            .map(cache_subnet_group_state)
    }))
}

/// Every cache subnet group, one page at a time.
async fn describe_all_cache_subnet_groups(
    clients: &Clients,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let ec = &clients.elasticache;
    let groups = pages(|marker| async move {
        let out = clients
            .call("elasticache", "DescribeCacheSubnetGroups", || {
                ec.describe_cache_subnet_groups()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok::<_, AwsError>((
            out.cache_subnet_groups().to_vec(),
            out.marker().map(str::to_string),
        ))
    })
    .await?;
    Ok(groups
        .iter()
        .filter_map(|g| {
            Some((
                g.cache_subnet_group_name()?.to_string(),
                cache_subnet_group_state(g),
            ))
        })
        .collect())
}

#[async_trait]
impl Managed for CacheSubnetGroupResource {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_subnet_group"
    }

    fn noun(&self) -> &'static str {
        "cache subnet group"
    }

    fn schema(&self) -> Schema {
        Schema::new("A group of VPC subnets ElastiCache clusters may be placed in.")
            .attr(
                AttributeSchema::required("name", AttrType::String)
                    .force_new()
                    .describe("The name of the cache subnet group."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .default("Managed by stack")
                    .describe("The description of the cache subnet group."),
            )
            .attr(
                AttributeSchema::required("subnet_ids", AttrType::set_of(AttrType::String))
                    .describe("The VPC subnet ids."),
            )
            .attr(tags_attribute())
            .attr(
                AttributeSchema::computed("id", AttrType::String)
                    .describe("The name of the cache subnet group."),
            )
            .attr(
                AttributeSchema::computed("arn", AttrType::String)
                    .describe("The ARN of the cache subnet group."),
            )
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "name")
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&ElastiCacheTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = required_str(planned, "name")?;
        let description = str_attr(planned, "description").unwrap_or_default();
        let subnets = strings_attr(planned, "subnet_ids");
        let tags = create_tags(planned, request.operation_id);
        let ec = &clients.elasticache;
        // The name is the key: a create whose answer was lost is found by it.
        clients
            .create(
                "elasticache",
                "CreateCacheSubnetGroup",
                || {
                    ec.create_cache_subnet_group()
                        .cache_subnet_group_name(&name)
                        .cache_subnet_group_description(&description)
                        .set_subnet_ids(Some(subnets.clone()))
                        .set_tags(Some(tags_to_sdk(&tags)))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&name).with("name", string(&name)))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if changed(prior, planned, "description") || changed(prior, planned, "subnet_ids") {
            let ec = &clients.elasticache;
            let description = str_attr(planned, "description").unwrap_or_default();
            let subnets = strings_attr(planned, "subnet_ids");
            clients
                .call("elasticache", "ModifyCacheSubnetGroup", || {
                    ec.modify_cache_subnet_group()
                        .cache_subnet_group_name(name)
                        .cache_subnet_group_description(&description)
                        .set_subnet_ids(Some(subnets.clone()))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec = &clients.elasticache;
        clients
            .call("elasticache", "DeleteCacheSubnetGroup", || {
                ec.delete_cache_subnet_group()
                    .cache_subnet_group_name(name)
                    .send()
            })
            .await
            .gone_ok()
    }

    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        one_or_all(
            names,
            |name| describe_cache_subnet_group(clients, name),
            || describe_all_cache_subnet_groups(clients),
        )
        .await
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        ours_by_name(self, clients, str_attr(planned, "name"), operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_elasticache_cluster
// ---------------------------------------------------------------------------

pub struct CacheClusterResource;

/// A known value of `local` (the state being refreshed, or the plan), for
/// what the API does not report.
fn known_attr(local: Option<&Value>, name: &str) -> Value {
    local
        .and_then(|l| l.get_attr(name))
        .filter(|v| !v.is_unknown())
        .cloned()
        .unwrap_or(Value::Null)
}

/// `apply_immediately` is never reported: the known value, else false.
fn apply_immediately(local: Option<&Value>) -> Value {
    local
        .and_then(|l| bool_attr(l, "apply_immediately"))
        .map(Value::Bool)
        .unwrap_or(Value::Bool(false))
}

/// The logs a description reports; the known ones when it reports none
/// (plain moto drops them from some replies; AWS always lists them).
fn log_delivery(reported: &[LogDeliveryConfiguration], local: Option<&Value>) -> Value {
    if reported.is_empty() {
        match known_attr(local, "log_delivery_configuration") {
            Value::Null => Value::set_from(Vec::new()),
            known => known,
        }
    } else {
        arguments::log_delivery_state(reported)
    }
}

/// Builds the state of a cache cluster (without tags, which the seam
/// fills in); `local` supplies what the API does not return.
fn cache_cluster_state(cluster: &CacheCluster, local: Option<&Value>) -> Value {
    let id = cluster.cache_cluster_id().unwrap_or_default();
    let nodes: Vec<Value> = cluster
        .cache_nodes()
        .iter()
        .map(|node| {
            object([
                ("id", opt_string(node.cache_node_id())),
                (
                    "address",
                    opt_string(node.endpoint().and_then(|e| e.address())),
                ),
                ("port", number(node.endpoint().and_then(|e| e.port()))),
                (
                    "availability_zone",
                    opt_string(node.customer_availability_zone()),
                ),
            ])
        })
        .collect();
    // The port is the nodes' port; Memcached clusters also report it on
    // their configuration endpoint.
    let port = cluster
        .cache_nodes()
        .iter()
        .find_map(|n| n.endpoint().and_then(|e| e.port()))
        .or_else(|| cluster.configuration_endpoint().and_then(|e| e.port()));
    let mut state = object([
        ("id", string(id)),
        ("cluster_id", string(id)),
        ("arn", opt_string(cluster.arn())),
        ("engine", opt_string(cluster.engine())),
        ("node_type", opt_string(cluster.cache_node_type())),
        ("num_cache_nodes", number(cluster.num_cache_nodes())),
        (
            "port",
            port.map(|p| number(Some(p)))
                .unwrap_or_else(|| known_attr(local, "port")),
        ),
        ("apply_immediately", apply_immediately(local)),
        ("cache_nodes", Value::List(nodes)),
        (
            "log_delivery_configuration",
            log_delivery(cluster.log_delivery_configurations(), local),
        ),
        ("timeouts", known_attr(local, "timeouts")),
    ]);
    if let Value::Map(map) = &mut state {
        map.extend(fields::read(&arguments::cluster_fields(), cluster, local));
    }
    state
}

/// The node ids to remove when a Memcached cluster shrinks: AWS makes the
/// caller name them, and the newest nodes go first.
pub fn nodes_to_remove(current_ids: &[String], new_count: usize) -> Vec<String> {
    let mut ids = current_ids.to_vec();
    ids.sort();
    ids.split_off(new_count.min(ids.len()))
}

/// Waits until the cluster `id` is `available`, showing its status.
async fn wait_cluster_available(
    clients: &Clients,
    request: &ApplyRequest<'_>,
    id: &str,
    limit: Duration,
) -> Result<(), ProviderError> {
    let what = format!("cache cluster {id} to become available");
    let progress = progress_of(request, id);
    clients
        .wait(&what, limit, &progress, move || async move {
            let Some(cluster) = describe_cluster(clients, id).await? else {
                return Err(ProviderError::new(format!(
                    "cache cluster {id} disappeared while waiting for it to become available"
                )));
            };
            let status = cluster
                .cache_cluster_status()
                .unwrap_or("unknown")
                .to_string();
            match cache_status(&status) {
                CacheStatus::Ready => Ok(Poll::Ready(())),
                CacheStatus::Pending => Ok(Poll::Pending(status)),
                CacheStatus::Failed => Err(ProviderError::new(format!(
                    "cache cluster {id} is in state \"{status}\" instead of becoming available"
                ))),
            }
        })
        .await
}

/// Adds a change of the node count to a ModifyCacheCluster call, naming
/// the nodes to remove when it shrinks.
fn modify_node_count(
    modify: ModifyCacheClusterFluentBuilder,
    prior: &Value,
    planned: &Value,
) -> ModifyCacheClusterFluentBuilder {
    let new_count = int_attr(planned, "num_cache_nodes").unwrap_or(1);
    let old_count = int_attr(prior, "num_cache_nodes").unwrap_or(new_count);
    let modify = modify.num_cache_nodes(new_count);
    if new_count >= old_count {
        return modify;
    }
    let ids: Vec<String> = super::values::blocks_attr(prior, "cache_nodes")
        .iter()
        .filter_map(|n| str_attr(n, "id"))
        .collect();
    modify.set_cache_node_ids_to_remove(Some(nodes_to_remove(&ids, new_count.max(0) as usize)))
}

#[async_trait]
impl Managed for CacheClusterResource {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_cluster"
    }

    fn noun(&self) -> &'static str {
        "cache cluster"
    }

    fn schema(&self) -> Schema {
        use AttributeSchema as A;
        let schema = Schema::new("An ElastiCache cluster (Redis with one node, or Memcached).")
            .attr(A::required("cluster_id", AttrType::String).force_new().describe("The name of the cluster."))
            .attr(A::optional_computed("engine", AttrType::String).force_new().describe("\"redis\" or \"memcached\"; required unless replication_group_id is set."))
            .attr(A::optional_computed("node_type", AttrType::String).describe("The node type, e.g. \"cache.t3.micro\"; required unless replication_group_id is set."))
            .attr(A::optional_computed("num_cache_nodes", AttrType::Number).describe("How many nodes (1 for Redis)."))
            .attr(A::optional_computed("port", AttrType::Number).force_new().describe("The port the nodes listen on."))
            .attr(A::optional("apply_immediately", AttrType::Bool).default(false).describe("Whether changes apply now rather than in the next maintenance window."))
            .attr(tags_attribute())
            .attr(A::computed("cache_nodes", AttrType::list_of(AttrType::map_of(AttrType::Any))).describe("The nodes: objects with id, address, port and availability_zone."))
            .attr(A::computed("id", AttrType::String).describe("The name of the cluster."))
            .attr(A::computed("arn", AttrType::String).describe("The ARN of the cluster."))
            .block(arguments::log_delivery_block())
            .block(timeouts_block());
        fields::schema(schema, &arguments::cluster_fields())
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = plan_by_schema(schema, request.prior, request.config);
        keep_precise_version(&mut response, request.prior);
        if let (Some(prior), Value::Map(map)) = (request.prior, &mut response.planned) {
            let count = |v: &Value| number_attr(v, "num_cache_nodes");
            let planned_count = map
                .get("num_cache_nodes")
                .and_then(|v| v.peel().as_number());
            if response.requires_replace.is_empty() && planned_count != count(prior) {
                // Nodes are added or removed: their list is known only after.
                map.insert("cache_nodes".to_string(), Value::Unknown);
            }
        }
        response
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "cluster_id")
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&ElastiCacheTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let id = required_str(planned, "cluster_id")?;
        let in_group = str_attr(planned, "replication_group_id").is_some();
        if !in_group && str_attr(planned, "engine").is_none() {
            return Err(ProviderError::new(format!(
                "cache cluster {id} needs `engine` (\"redis\" or \"memcached\"), or `replication_group_id` to join a replication group"
            )));
        }
        let tags = create_tags(planned, request.operation_id);
        let ec = &clients.elasticache;
        let create = ec
            .create_cache_cluster()
            .cache_cluster_id(&id)
            .set_engine(str_attr(planned, "engine"))
            .set_cache_node_type(str_attr(planned, "node_type"))
            .set_num_cache_nodes(int_attr(planned, "num_cache_nodes").or((!in_group).then_some(1)))
            .set_port(int_attr(planned, "port"))
            .set_log_delivery_configurations(arguments::log_delivery_requests(planned))
            .set_tags(Some(tags_to_sdk(&tags)));
        let create = fields::create(&arguments::cluster_fields(), create, planned);
        // The name is the key: a create whose answer was lost is found by it.
        clients
            .create(
                "elasticache",
                "CreateCacheCluster",
                || create.clone().send(),
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&id).with("cluster_id", string(&id)))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let limit = timeout(planned, "create", CREATE_TIMEOUT);
        wait_cluster_available(clients, request, id, limit).await
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let ec = &clients.elasticache;
        let mut modify = ec
            .modify_cache_cluster()
            .cache_cluster_id(id)
            .apply_immediately(bool_attr(planned, "apply_immediately").unwrap_or(false));
        let mut any = false;
        if changed(prior, planned, "node_type") {
            modify = modify.set_cache_node_type(str_attr(planned, "node_type"));
            any = true;
        }
        if changed(prior, planned, "num_cache_nodes") {
            modify = modify_node_count(modify, prior, planned);
            any = true;
        }
        if changed(prior, planned, "log_delivery_configuration") {
            let mut logs = arguments::log_delivery_requests(planned).unwrap_or_default();
            logs.extend(arguments::log_delivery_removed(prior, planned));
            modify = modify.set_log_delivery_configurations(Some(logs));
            any = true;
        }
        let (modify, more) = fields::modify(&arguments::cluster_fields(), modify, prior, planned);
        if !(any || more) {
            return Ok(());
        }
        clients
            .call("elasticache", "ModifyCacheCluster", || {
                modify.clone().send()
            })
            .await?;
        let limit = timeout(planned, "update", UPDATE_TIMEOUT);
        wait_cluster_available(clients, request, id, limit).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec = &clients.elasticache;
        let deleted = clients
            .call("elasticache", "DeleteCacheCluster", || {
                ec.delete_cache_cluster()
                    .cache_cluster_id(id)
                    .set_final_snapshot_identifier(str_attr(prior, "final_snapshot_identifier"))
                    .send()
            })
            .await
            .or_gone()?;
        if deleted.is_none() {
            return Ok(());
        }
        // The wait is until the cluster is gone, not merely `deleting`: its
        // subnet group and security groups cannot be deleted before that,
        // and they are usually destroyed right after it. (Plain moto keeps a
        // deleted cluster `deleting` forever; the test emulator's launcher
        // removes it, as AWS does once the deletion finishes.)
        let limit = timeout(prior, "delete", DELETE_TIMEOUT);
        let what = format!("cache cluster {id} to be deleted");
        let progress = progress_of(request, id);
        clients
            .wait(&what, limit, &progress, move || async move {
                Ok(match describe_cluster(clients, id).await? {
                    None => Poll::Ready(()),
                    Some(c) => {
                        Poll::Pending(c.cache_cluster_status().unwrap_or("deleting").to_string())
                    }
                })
            })
            .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        self.describe_known(clients, ids, &BTreeMap::new()).await
    }

    /// One cluster by id; several through one paged listing of them all.
    async fn describe_known(
        &self,
        clients: &Clients,
        ids: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let state = |cluster: &CacheCluster| {
            let id = cluster.cache_cluster_id().unwrap_or_default();
            cache_cluster_state(cluster, known.get(id))
        };
        one_or_all(
            ids,
            |id| async move { Ok(describe_cluster(clients, &id).await?.map(|c| state(&c))) },
            || async {
                Ok(describe_all_clusters(clients)
                    .await?
                    .iter()
                    .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), state(c))))
                    .collect())
            },
        )
        .await
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        ours_by_name(self, clients, str_attr(planned, "cluster_id"), operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_elasticache_replication_group
// ---------------------------------------------------------------------------

pub struct ReplicationGroupResource;

/// Builds the state of a replication group (without tags, which the seam
/// fills in) from its description, its first member cluster when known,
/// and `local` (prior state or plan) for what neither reports.
fn replication_group_state(
    group: &ReplicationGroup,
    member: Option<&CacheCluster>,
    local: Option<&Value>,
) -> Value {
    let id = group.replication_group_id().unwrap_or_default();
    let node_group = group.node_groups().first();
    let primary = node_group.and_then(|g| g.primary_endpoint());
    let reader = node_group.and_then(|g| g.reader_endpoint());
    let members = group.member_clusters();
    // AWS never returns the password; the configured value is kept, marked
    // sensitive so that the engine seals it in state and never shows it.
    let auth_token = known_attr(local, "auth_token");
    let mut state = object([
        ("id", string(id)),
        ("replication_group_id", string(id)),
        ("arn", opt_string(group.arn())),
        ("num_cache_clusters", Value::number(members.len())),
        (
            "port",
            match primary.and_then(|e| e.port()) {
                Some(port) => number(Some(port)),
                None => known_attr(local, "port"),
            },
        ),
        ("apply_immediately", apply_immediately(local)),
        (
            "primary_endpoint_address",
            opt_string(primary.and_then(|e| e.address())),
        ),
        (
            "reader_endpoint_address",
            opt_string(reader.and_then(|e| e.address())),
        ),
        ("member_clusters", string_set(members.iter().cloned())),
        (
            "log_delivery_configuration",
            log_delivery(group.log_delivery_configurations(), local),
        ),
        (
            "node_group_configuration",
            match known_attr(local, "node_group_configuration") {
                Value::Null => Value::set_from(Vec::new()),
                known => known,
            },
        ),
        ("timeouts", known_attr(local, "timeouts")),
    ]);
    if let Value::Map(map) = &mut state {
        map.extend(fields::read(&arguments::group_fields(), group, local));
        map.insert("auth_token".to_string(), auth_token.mark_if(true));
        map.extend(member_settings(member, local));
    }
    state
}

/// Arguments a replication group does not report itself: AWS reports them
/// on its member clusters, and when those cannot be read (the emulator does
/// not create them) the values we knew are kept.
fn member_settings(member: Option<&CacheCluster>, local: Option<&Value>) -> Vec<(String, Value)> {
    let read = |name: &str, m: &CacheCluster| match name {
        "engine_version" | "engine_version_actual" => opt_string(m.engine_version()),
        "parameter_group_name" => opt_string(
            m.cache_parameter_group()
                .and_then(|g| g.cache_parameter_group_name()),
        ),
        "subnet_group_name" => opt_string(m.cache_subnet_group_name()),
        "security_group_ids" => string_set(
            m.security_groups()
                .iter()
                .filter_map(|g| g.security_group_id().map(str::to_string)),
        ),
        "maintenance_window" => opt_string(m.preferred_maintenance_window()),
        _ => opt_string(m.notification_configuration().and_then(|n| n.topic_arn())),
    };
    MEMBER_ATTRIBUTES
        .iter()
        .map(|name| {
            let value = match member {
                Some(m) => read(name, m),
                // The actual version is the configured one when no member
                // says otherwise.
                None if *name == "engine_version_actual" => {
                    match known_attr(local, "engine_version_actual") {
                        Value::Null => known_attr(local, "engine_version"),
                        known => known,
                    }
                }
                None => known_attr(local, name),
            };
            (name.to_string(), value)
        })
        .collect()
}

/// The settings of [`member_settings`].
const MEMBER_ATTRIBUTES: &[&str] = &[
    "engine_version",
    "engine_version_actual",
    "parameter_group_name",
    "subnet_group_name",
    "security_group_ids",
    "maintenance_window",
    "notification_topic_arn",
];

/// Adds the changed member settings, logs and user groups to a
/// ModifyReplicationGroup call; says whether any were.
fn modify_group_settings(
    mut modify: ModifyReplicationGroupFluentBuilder,
    prior: &Value,
    planned: &Value,
) -> (ModifyReplicationGroupFluentBuilder, bool) {
    let mut any = false;
    let mut set = |modify: ModifyReplicationGroupFluentBuilder,
                   name: &str,
                   apply: fn(
        ModifyReplicationGroupFluentBuilder,
        &Value,
    ) -> ModifyReplicationGroupFluentBuilder| {
        if changed(prior, planned, name) {
            any = true;
            apply(modify, planned)
        } else {
            modify
        }
    };
    modify = set(modify, "engine_version", |m, v| {
        m.set_engine_version(str_attr(v, "engine_version"))
    });
    modify = set(modify, "parameter_group_name", |m, v| {
        m.set_cache_parameter_group_name(str_attr(v, "parameter_group_name"))
    });
    modify = set(modify, "security_group_ids", |m, v| {
        m.set_security_group_ids(Some(strings_attr(v, "security_group_ids")))
    });
    modify = set(modify, "maintenance_window", |m, v| {
        m.set_preferred_maintenance_window(str_attr(v, "maintenance_window"))
    });
    modify = set(modify, "notification_topic_arn", |m, v| {
        m.set_notification_topic_arn(str_attr(v, "notification_topic_arn"))
    });
    if changed(prior, planned, "log_delivery_configuration") {
        let mut logs = arguments::log_delivery_requests(planned).unwrap_or_default();
        logs.extend(arguments::log_delivery_removed(prior, planned));
        modify = modify.set_log_delivery_configurations(Some(logs));
        any = true;
    }
    if changed(prior, planned, "user_group_ids") {
        let before = strings_attr(prior, "user_group_ids");
        let after = strings_attr(planned, "user_group_ids");
        let added: Vec<String> = after
            .iter()
            .filter(|g| !before.contains(g))
            .cloned()
            .collect();
        let removed: Vec<String> = before
            .iter()
            .filter(|g| !after.contains(g))
            .cloned()
            .collect();
        modify = modify
            .set_user_group_ids_to_add((!added.is_empty()).then_some(added))
            .set_user_group_ids_to_remove((!removed.is_empty()).then_some(removed));
        any = true;
    }
    (modify, any)
}

/// Describes one replication group by id; `None` when there is none.
async fn describe_group(
    clients: &Clients,
    id: &str,
) -> Result<Option<ReplicationGroup>, ProviderError> {
    let ec = &clients.elasticache;
    let out = clients
        .call("elasticache", "DescribeReplicationGroups", || {
            ec.describe_replication_groups()
                .replication_group_id(id)
                .send()
        })
        .await
        .or_gone()?;
    Ok(out.and_then(|out| {
        out.replication_groups()
            .iter()
            .find(|g| g.replication_group_id() == Some(id))
            .cloned()
    }))
}

/// Every replication group by id, one page at a time.
pub(crate) async fn describe_all_groups(
    clients: &Clients,
) -> Result<HashMap<String, ReplicationGroup>, ProviderError> {
    let ec = &clients.elasticache;
    let groups = pages(|marker| async move {
        let out = clients
            .call("elasticache", "DescribeReplicationGroups", || {
                ec.describe_replication_groups()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok::<_, AwsError>((
            out.replication_groups().to_vec(),
            out.marker().map(str::to_string),
        ))
    })
    .await?;
    Ok(groups
        .into_iter()
        .filter_map(|g| Some((g.replication_group_id()?.to_string(), g)))
        .collect())
}

/// Whether a replication group that we asked to delete may be considered
/// gone: it is no longer listed, or it is `deleting` and none of its member
/// clusters exist any more. Its subnet group and security groups are free
/// again from that moment, which is what a destroy that follows needs.
/// (moto lists a deleted group as `deleting` forever and never creates the
/// member clusters, so there the second case ends the wait at once.)
pub fn replication_group_deleted(
    group: Option<&ReplicationGroup>,
    existing_members: usize,
) -> Poll<()> {
    match group {
        None => Poll::Ready(()),
        Some(g) if g.status() == Some("deleting") && existing_members == 0 => Poll::Ready(()),
        Some(g) => Poll::Pending(g.status().unwrap_or("deleting").to_string()),
    }
}

/// A group that is being deleted is as good as gone for a refresh or an
/// import, as in Terraform: it cannot be used or changed any more.
fn is_being_deleted(group: &ReplicationGroup) -> bool {
    group.status() == Some("deleting")
}

/// Waits until the group `id` is `available`, showing its status.
async fn wait_group_available(
    clients: &Clients,
    request: &ApplyRequest<'_>,
    id: &str,
    limit: Duration,
) -> Result<(), ProviderError> {
    let what = format!("replication group {id} to become available");
    let progress = progress_of(request, id);
    clients
        .wait(&what, limit, &progress, move || async move {
            let Some(group) = describe_group(clients, id).await? else {
                return Err(ProviderError::new(format!(
                    "replication group {id} disappeared while waiting for it to become available"
                )));
            };
            let status = group.status().unwrap_or("unknown").to_string();
            match cache_status(&status) {
                CacheStatus::Ready => Ok(Poll::Ready(())),
                CacheStatus::Pending => Ok(Poll::Pending(status)),
                CacheStatus::Failed => Err(ProviderError::new(format!(
                    "replication group {id} is in state \"{status}\" instead of becoming available"
                ))),
            }
        })
        .await
}

/// The replica count a count argument asks for.
type ReplicasOf = fn(i32) -> i32;

impl ReplicationGroupResource {
    /// Changes the number of replicas: of the group (`num_cache_clusters`
    /// minus the primary) or of each shard (`replicas_per_node_group`). AWS
    /// only accepts these changes applied immediately.
    async fn change_replicas(
        &self,
        clients: &Clients,
        id: &str,
        replicas: i32,
        grow: bool,
    ) -> Result<(), ProviderError> {
        let ec = &clients.elasticache;
        if grow {
            clients
                .call("elasticache", "IncreaseReplicaCount", || {
                    ec.increase_replica_count()
                        .replication_group_id(id)
                        .new_replica_count(replicas)
                        .apply_immediately(true)
                        .send()
                })
                .await?;
        } else {
            clients
                .call("elasticache", "DecreaseReplicaCount", || {
                    ec.decrease_replica_count()
                        .replication_group_id(id)
                        .new_replica_count(replicas)
                        .apply_immediately(true)
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    /// Reshards to `count` node groups; shrinking keeps the lowest shard ids.
    async fn reshard(&self, clients: &Clients, id: &str, count: i32) -> Result<(), ProviderError> {
        let mut shards: Vec<String> = describe_group(clients, id)
            .await?
            .map(|g| {
                g.node_groups()
                    .iter()
                    .filter_map(|n| n.node_group_id().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        shards.sort();
        let shrinking = (count.max(0) as usize) < shards.len();
        shards.truncate(count.max(0) as usize);
        let ec = &clients.elasticache;
        clients
            .call(
                "elasticache",
                "ModifyReplicationGroupShardConfiguration",
                || {
                    ec.modify_replication_group_shard_configuration()
                        .replication_group_id(id)
                        .node_group_count(count)
                        .set_node_groups_to_retain(shrinking.then(|| shards.clone()))
                        .apply_immediately(true)
                        .send()
                },
            )
            .await?;
        Ok(())
    }

    /// The count changes, each applied and waited for before the others.
    async fn resize(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let limit = timeout(planned, "update", UPDATE_TIMEOUT);
        let count = |v: &Value, name: &str| int_attr(v, name);
        if changed(prior, planned, "num_node_groups") {
            if let Some(shards) = count(planned, "num_node_groups") {
                self.reshard(clients, id, shards).await?;
                wait_group_available(clients, request, id, limit).await?;
            }
        }
        // The replica count is the number of clusters minus the primary, or
        // the replicas of each shard.
        let replicas: [(&str, ReplicasOf); 2] = [
            ("num_cache_clusters", |n| (n - 1).max(0)),
            ("replicas_per_node_group", |n| n),
        ];
        for (name, replicas_of) in replicas {
            let (Some(new), old) = (count(planned, name), count(prior, name)) else {
                continue;
            };
            if changed(prior, planned, name) {
                let grow = new > old.unwrap_or(new);
                self.change_replicas(clients, id, replicas_of(new), grow)
                    .await?;
                wait_group_available(clients, request, id, limit).await?;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Managed for ReplicationGroupResource {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_replication_group"
    }

    fn noun(&self) -> &'static str {
        "replication group"
    }

    fn schema(&self) -> Schema {
        use AttributeSchema as A;
        let schema = Schema::new("An ElastiCache Redis replication group: a primary and its replicas.")
            .attr(A::required("replication_group_id", AttrType::String).force_new().describe("The name of the replication group."))
            .attr(A::optional_computed("num_cache_clusters", AttrType::Number).describe("How many clusters (the primary and its replicas)."))
            .attr(A::optional_computed("engine_version", AttrType::String).describe("The engine version; a prefix such as \"7.1\" matches the precise version AWS reports."))
            .attr(A::optional_computed("port", AttrType::Number).force_new().describe("The port the nodes listen on."))
            .attr(A::optional_computed("parameter_group_name", AttrType::String).describe("The cache parameter group."))
            .attr(A::optional_computed("subnet_group_name", AttrType::String).force_new().describe("The cache subnet group to place the clusters in."))
            .attr(A::optional_computed("security_group_ids", AttrType::set_of(AttrType::String)).describe("The VPC security groups of the clusters."))
            .attr(A::optional_computed("maintenance_window", AttrType::String).describe("The weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC)."))
            .attr(A::optional("notification_topic_arn", AttrType::String).describe("An SNS topic for ElastiCache notifications."))
            .attr(A::optional("apply_immediately", AttrType::Bool).default(false).describe("Whether changes apply now rather than in the next maintenance window."))
            .attr(tags_attribute())
            .attr(A::computed("engine_version_actual", AttrType::String).describe("The precise engine version running."))
            .attr(A::computed("primary_endpoint_address", AttrType::String).describe("The address of the primary."))
            .attr(A::computed("reader_endpoint_address", AttrType::String).describe("The address that balances reads over the replicas."))
            .attr(A::computed("member_clusters", AttrType::set_of(AttrType::String)).describe("The ids of the member clusters."))
            .attr(A::computed("id", AttrType::String).describe("The name of the replication group."))
            .attr(A::computed("arn", AttrType::String).describe("The ARN of the replication group."))
            .block(arguments::log_delivery_block())
            .block(arguments::node_group_block())
            .block(timeouts_block());
        fields::schema(schema, &arguments::group_fields())
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = plan_by_schema(schema, request.prior, request.config);
        keep_precise_version(&mut response, request.prior);
        if let (Some(prior), Value::Map(map)) = (request.prior, &mut response.planned) {
            let planned_count = map
                .get("num_cache_clusters")
                .and_then(|v| v.peel().as_number());
            if response.requires_replace.is_empty()
                && planned_count != number_attr(prior, "num_cache_clusters")
            {
                // Clusters are added or removed: their ids are known only after.
                map.insert("member_clusters".to_string(), Value::Unknown);
            }
        }
        response
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "replication_group_id")
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&ElastiCacheTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let id = required_str(planned, "replication_group_id")?;
        let tags = create_tags(planned, request.operation_id);
        let security_groups = strings_attr(planned, "security_group_ids");
        let ec = &clients.elasticache;
        let create = ec
            .create_replication_group()
            .replication_group_id(&id)
            .set_num_cache_clusters(int_attr(planned, "num_cache_clusters"))
            .set_engine_version(str_attr(planned, "engine_version"))
            .set_port(int_attr(planned, "port"))
            .set_cache_parameter_group_name(str_attr(planned, "parameter_group_name"))
            .set_cache_subnet_group_name(str_attr(planned, "subnet_group_name"))
            .set_security_group_ids((!security_groups.is_empty()).then_some(security_groups))
            .set_preferred_maintenance_window(str_attr(planned, "maintenance_window"))
            .set_notification_topic_arn(str_attr(planned, "notification_topic_arn"))
            .set_log_delivery_configurations(arguments::log_delivery_requests(planned))
            .set_node_group_configuration(arguments::node_groups(planned))
            .set_tags(Some(tags_to_sdk(&tags)));
        let create = fields::create(&arguments::group_fields(), create, planned);
        clients
            .create(
                "elasticache",
                "CreateReplicationGroup",
                || create.clone().send(),
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&id).with("replication_group_id", string(&id)))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let limit = timeout(planned, "create", CREATE_TIMEOUT);
        wait_group_available(clients, request, id, limit).await
    }

    /// Counts first (as Terraform does: "updates will occur before other
    /// modifications"), then one ModifyReplicationGroup for the rest.
    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        self.resize(clients, request, id, prior, planned).await?;
        let ec = &clients.elasticache;
        let modify = ec
            .modify_replication_group()
            .replication_group_id(id)
            .apply_immediately(bool_attr(planned, "apply_immediately").unwrap_or(false));
        let (modify, any) = fields::modify(&arguments::group_fields(), modify, prior, planned);
        let (modify, more) = modify_group_settings(modify, prior, planned);
        if !(any || more) {
            return Ok(());
        }
        clients
            .call("elasticache", "ModifyReplicationGroup", || {
                modify.clone().send()
            })
            .await?;
        let limit = timeout(planned, "update", UPDATE_TIMEOUT);
        wait_group_available(clients, request, id, limit).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec = &clients.elasticache;
        let deleted = clients
            .call("elasticache", "DeleteReplicationGroup", || {
                ec.delete_replication_group()
                    .replication_group_id(id)
                    .set_final_snapshot_identifier(str_attr(prior, "final_snapshot_identifier"))
                    .send()
            })
            .await
            .or_gone()?;
        if deleted.is_none() {
            return Ok(());
        }
        let limit = timeout(prior, "delete", DELETE_TIMEOUT);
        let what = format!("replication group {id} to be deleted");
        let progress = progress_of(request, id);
        clients
            .wait(&what, limit, &progress, move || async move {
                let group = describe_group(clients, id).await?;
                let mut existing = 0;
                if let Some(group) = &group {
                    for member in group.member_clusters() {
                        if describe_cluster(clients, member).await?.is_some() {
                            existing += 1;
                        }
                    }
                }
                Ok(replication_group_deleted(group.as_ref(), existing))
            })
            .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        self.describe_known(clients, ids, &BTreeMap::new()).await
    }

    /// One group and its first member by id; several through one paged
    /// listing of the groups and one of all clusters (for the members'
    /// settings), instead of two describes per group.
    async fn describe_known(
        &self,
        clients: &Clients,
        ids: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let state = |group: &ReplicationGroup, member: Option<&CacheCluster>| {
            let id = group.replication_group_id().unwrap_or_default();
            (!is_being_deleted(group))
                .then(|| replication_group_state(group, member, known.get(id)))
        };
        one_or_all(
            ids,
            |id| async move {
                let Some(group) = describe_group(clients, &id).await? else {
                    return Ok(None);
                };
                let member = match group.member_clusters().first() {
                    Some(member) => describe_cluster(clients, member).await?,
                    None => None,
                };
                Ok(state(&group, member.as_ref()))
            },
            || async {
                let groups = describe_all_groups(clients).await?;
                let clusters: HashMap<String, CacheCluster> = describe_all_clusters(clients)
                    .await?
                    .into_iter()
                    .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), c)))
                    .collect();
                Ok(groups
                    .iter()
                    .filter_map(|(id, group)| {
                        let member = group
                            .member_clusters()
                            .first()
                            .and_then(|m| clusters.get(m));
                        Some((id.clone(), state(group, member)?))
                    })
                    .collect())
            },
        )
        .await
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        ours_by_name(
            self,
            clients,
            str_attr(planned, "replication_group_id"),
            operation_id,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_statuses_map_to_waiter_outcomes() {
        assert_eq!(cache_status("available"), CacheStatus::Ready);
        for working in [
            "creating",
            "modifying",
            "snapshotting",
            "rebooting cache cluster nodes",
        ] {
            assert_eq!(cache_status(working), CacheStatus::Pending, "{working}");
        }
        for stuck in [
            "create-failed",
            "incompatible-network",
            "restore-failed",
            "deleting",
        ] {
            assert_eq!(cache_status(stuck), CacheStatus::Failed, "{stuck}");
        }
    }

    #[test]
    fn shrinking_removes_the_newest_nodes() {
        let ids: Vec<String> = ["0003", "0001", "0002"].map(String::from).to_vec();
        assert_eq!(nodes_to_remove(&ids, 1), ["0002", "0003"]);
        assert_eq!(nodes_to_remove(&ids, 3), Vec::<String>::new());
        assert_eq!(nodes_to_remove(&ids, 5), Vec::<String>::new());
    }

    #[test]
    fn a_deleting_group_is_gone_once_its_members_are() {
        let group = |status: &str| {
            ReplicationGroup::builder()
                .replication_group_id("rg")
                .status(status)
                .member_clusters("rg-001")
                .build()
        };
        assert!(matches!(
            replication_group_deleted(None, 0),
            Poll::Ready(())
        ));
        assert!(matches!(
            replication_group_deleted(Some(&group("deleting")), 0),
            Poll::Ready(())
        ));
        assert!(
            matches!(replication_group_deleted(Some(&group("deleting")), 1), Poll::Pending(s) if s == "deleting")
        );
        // A group still `available` right after the call has not started yet.
        assert!(
            matches!(replication_group_deleted(Some(&group("available")), 0), Poll::Pending(s) if s == "available")
        );
    }

    #[test]
    fn member_settings_are_kept_when_members_cannot_be_read() {
        let group = ReplicationGroup::builder()
            .replication_group_id("rg")
            .status("available")
            .member_clusters("rg-001")
            .build();
        let local = object([
            ("engine_version", string("7.1")),
            ("subnet_group_name", string("cache-subnets")),
            ("port", Value::number(6380.0)),
        ]);
        let state = replication_group_state(&group, None, Some(&local));
        assert_eq!(str_attr(&state, "engine_version").as_deref(), Some("7.1"));
        assert_eq!(
            str_attr(&state, "subnet_group_name").as_deref(),
            Some("cache-subnets")
        );
        assert_eq!(number_attr(&state, "port"), Some(6380.0));
        assert_eq!(number_attr(&state, "num_cache_clusters"), Some(1.0));
    }
}
