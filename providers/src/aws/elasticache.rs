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
use aws_sdk_elasticache::types::{CacheCluster, CacheSubnetGroup, ReplicationGroup, Tag};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse,
    ProviderError, Schema,
};
use engine::value::Value;

use super::managed::{
    create_tags, one_or_all, ours_by_name, pages, tag_changes, Gone, Made, Managed, Seam, Tagging,
};
use super::rds::{changed, int_attr, keep_precise_version, number, planned, prior, progress_of};
use super::retry::Poll;
use super::values::{
    bool_attr, number_attr, object, opt_string, partial_state, required_str, str_attr, string,
    string_map, string_map_attr, string_set, strings_attr, tags_attribute, timeout, timeouts_block,
    KeepCreated,
};
use super::{tags_with_intent, user_tags, AwsError, AwsResource, Clients};

/// The resources of this module, for `AwsProvider::new`.
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(CacheSubnetGroupResource)),
        Box::new(CacheClusterResource),
        Box::new(ReplicationGroupResource),
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

/// The user's tags of a resource (see [`user_tags`]).
async fn list_tags(
    clients: &Clients,
    arn: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    Ok(user_tags(list_all_tags(clients, arn).await?))
}

/// `state` if our create made it (see [`super::made_here`]).
async fn made_here(
    clients: &Clients,
    state: Option<Value>,
    operation_id: &str,
) -> Result<Option<Value>, ProviderError> {
    super::made_here(state, operation_id, |arn| async move {
        list_all_tags(clients, &arn).await
    })
    .await
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

async fn tags_of(
    clients: &Clients,
    arn: Option<&str>,
) -> Result<BTreeMap<String, String>, ProviderError> {
    match arn {
        Some(arn) => list_tags(clients, arn).await,
        None => Ok(BTreeMap::new()),
    }
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

/// Applies a change of the `tags` map to the resource named by `arn`.
async fn update_tags(
    clients: &Clients,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (add, remove) = tag_changes(
        &string_map_attr(prior, "tags"),
        &string_map_attr(planned, "tags"),
    );
    ElastiCacheTags.update(clients, arn, &add, &remove).await
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

/// Reads many resources: a single one by id; several through one paged
/// listing of them all and one [`Tagging::list_many`] of their tags.
/// `arn_of` names an object for its tags, `state_of` builds its state from
/// the object, its user tags and the value being refreshed.
async fn read_batched<'a, T, R, RF, L, LF, S>(
    clients: &Clients,
    currents: &[&'a Value],
    key: &str,
    read_one: R,
    list_all: L,
    arn_of: fn(&T) -> Option<&str>,
    state_of: S,
) -> Vec<Result<Option<Value>, ProviderError>>
where
    T: Clone,
    R: Fn(&'a Value) -> RF,
    RF: std::future::Future<Output = Result<Option<Value>, ProviderError>>,
    L: FnOnce() -> LF,
    LF: std::future::Future<Output = Result<HashMap<String, T>, ProviderError>>,
    S: Fn(T, BTreeMap<String, String>, &'a Value) -> Option<Value>,
{
    let mut out = Vec::with_capacity(currents.len());
    if currents.len() < 2 {
        for current in currents {
            out.push(read_one(current).await);
        }
        return out;
    }
    let all = match list_all().await {
        Ok(all) => all,
        Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
    };
    let found = |current: &Value| str_attr(current, key).and_then(|id| all.get(&id));
    let mut arns: Vec<String> = currents
        .iter()
        .filter_map(|c| found(c).and_then(arn_of).map(str::to_string))
        .collect();
    arns.sort();
    arns.dedup();
    let tags = match ElastiCacheTags.list_many(clients, &arns).await {
        Ok(tags) => tags,
        Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
    };
    for current in currents {
        out.push(match (str_attr(current, key), found(current)) {
            (None, _) => Err(ProviderError::new(format!(
                "the argument \"{key}\" is required"
            ))),
            (Some(_), None) => Ok(None),
            (Some(_), Some(object)) => {
                let object_tags = arn_of(object)
                    .and_then(|arn| tags.get(arn).cloned())
                    .map(user_tags)
                    .unwrap_or_default();
                Ok(state_of(object.clone(), object_tags, current))
            }
        });
    }
    out
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

/// Builds the state of a cache cluster; `local` supplies the arguments the
/// API does not return (`apply_immediately`, `timeouts`).
fn cache_cluster_state(
    cluster: &CacheCluster,
    tags: BTreeMap<String, String>,
    local: Option<&Value>,
) -> Value {
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
    let port = match port {
        Some(port) => number(Some(port)),
        None => local
            .and_then(|l| l.get_attr("port"))
            .filter(|v| !v.is_unknown())
            .cloned()
            .unwrap_or(Value::Null),
    };
    object([
        ("id", string(id)),
        ("cluster_id", string(id)),
        ("arn", opt_string(cluster.arn())),
        ("engine", opt_string(cluster.engine())),
        ("engine_version", opt_string(cluster.engine_version())),
        ("node_type", opt_string(cluster.cache_node_type())),
        ("num_cache_nodes", number(cluster.num_cache_nodes())),
        (
            "parameter_group_name",
            opt_string(
                cluster
                    .cache_parameter_group()
                    .and_then(|g| g.cache_parameter_group_name()),
            ),
        ),
        ("port", port),
        (
            "subnet_group_name",
            opt_string(cluster.cache_subnet_group_name()),
        ),
        (
            "security_group_ids",
            string_set(
                cluster
                    .security_groups()
                    .iter()
                    .filter_map(|g| g.security_group_id().map(str::to_string)),
            ),
        ),
        (
            "apply_immediately",
            local
                .and_then(|l| bool_attr(l, "apply_immediately"))
                .map(Value::Bool)
                .unwrap_or(Value::Bool(false)),
        ),
        ("cache_nodes", Value::List(nodes)),
        ("tags", string_map(tags)),
        (
            "timeouts",
            local
                .and_then(|l| l.get_attr("timeouts"))
                .filter(|v| !v.is_unknown())
                .cloned()
                .unwrap_or(Value::Null),
        ),
    ])
}

/// The node ids to remove when a Memcached cluster shrinks: AWS makes the
/// caller name them, and the newest nodes go first.
pub fn nodes_to_remove(current_ids: &[String], new_count: usize) -> Vec<String> {
    let mut ids = current_ids.to_vec();
    ids.sort();
    ids.split_off(new_count.min(ids.len()))
}

impl CacheClusterResource {
    async fn state(
        &self,
        clients: &Clients,
        cluster: &CacheCluster,
        local: Option<&Value>,
    ) -> Result<Value, ProviderError> {
        let tags = tags_of(clients, cluster.arn()).await?;
        Ok(cache_cluster_state(cluster, tags, local))
    }

    async fn wait_available(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        limit: Duration,
    ) -> Result<CacheCluster, ProviderError> {
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
                    CacheStatus::Ready => Ok(Poll::Ready(cluster)),
                    CacheStatus::Pending => Ok(Poll::Pending(status)),
                    CacheStatus::Failed => Err(ProviderError::new(format!(
                        "cache cluster {id} is in state \"{status}\" instead of becoming available"
                    ))),
                }
            })
            .await
    }
}

#[async_trait]
impl AwsResource for CacheClusterResource {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_cluster"
    }

    fn schema(&self) -> Schema {
        use AttributeSchema as A;
        Schema::new("An ElastiCache cluster (Redis with one node, or Memcached).")
            .attr(A::required("cluster_id", AttrType::String).force_new().describe("The name of the cluster."))
            .attr(A::required("engine", AttrType::String).force_new().describe("\"redis\" or \"memcached\"."))
            .attr(A::optional_computed("engine_version", AttrType::String).describe("The engine version; a prefix such as \"7.1\" matches the precise version AWS reports."))
            .attr(A::required("node_type", AttrType::String).describe("The node type, e.g. \"cache.t3.micro\"."))
            .attr(A::optional_computed("num_cache_nodes", AttrType::Number).describe("How many nodes (1 for Redis)."))
            .attr(A::optional_computed("parameter_group_name", AttrType::String).describe("The cache parameter group."))
            .attr(A::optional_computed("port", AttrType::Number).force_new().describe("The port the nodes listen on."))
            .attr(A::optional_computed("subnet_group_name", AttrType::String).force_new().describe("The cache subnet group to place the cluster in."))
            .attr(A::optional_computed("security_group_ids", AttrType::set_of(AttrType::String)).describe("The VPC security groups of the cluster."))
            .attr(A::optional("apply_immediately", AttrType::Bool).default(false).describe("Whether changes apply now rather than in the next maintenance window."))
            .attr(tags_attribute())
            .attr(A::computed("cache_nodes", AttrType::list_of(AttrType::map_of(AttrType::Any))).describe("The nodes: objects with id, address, port and availability_zone."))
            .attr(A::computed("id", AttrType::String).describe("The name of the cluster."))
            .attr(A::computed("arn", AttrType::String).describe("The ARN of the cluster."))
            .block(timeouts_block())
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

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let id = required_str(planned, "cluster_id")?;
        let tags = tags_with_intent(string_map_attr(planned, "tags"), request.operation_id);
        let security_groups = strings_attr(planned, "security_group_ids");
        let ec = &clients.elasticache;
        let create = ec
            .create_cache_cluster()
            .cache_cluster_id(&id)
            .engine(required_str(planned, "engine")?)
            .set_engine_version(str_attr(planned, "engine_version"))
            .cache_node_type(required_str(planned, "node_type")?)
            .num_cache_nodes(int_attr(planned, "num_cache_nodes").unwrap_or(1))
            .set_cache_parameter_group_name(str_attr(planned, "parameter_group_name"))
            .set_port(int_attr(planned, "port"))
            .set_cache_subnet_group_name(str_attr(planned, "subnet_group_name"))
            .set_security_group_ids((!security_groups.is_empty()).then_some(security_groups))
            .set_tags(Some(tags_to_sdk(&tags)));
        clients
            .create(
                "elasticache",
                "CreateCacheCluster",
                || create.clone().send(),
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        let limit = timeout(planned, "create", CREATE_TIMEOUT);
        let partial = partial_state(planned, [("id", string(&id))]);
        let cluster = self
            .wait_available(clients, request, &id, limit)
            .await
            .keep_created(&partial)?;
        self.state(clients, &cluster, Some(planned))
            .await
            .keep_created(&partial)
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = prior(request)?;
        let planned = planned(request)?;
        let id = required_str(prior, "cluster_id")?;
        let ec = &clients.elasticache;
        let mut modify = ec
            .modify_cache_cluster()
            .cache_cluster_id(&id)
            .apply_immediately(bool_attr(planned, "apply_immediately").unwrap_or(false));
        let mut any = false;
        if changed(prior, planned, "node_type") {
            modify = modify.set_cache_node_type(str_attr(planned, "node_type"));
            any = true;
        }
        if changed(prior, planned, "num_cache_nodes") {
            let new_count = int_attr(planned, "num_cache_nodes").unwrap_or(1);
            let old_count = int_attr(prior, "num_cache_nodes").unwrap_or(new_count);
            modify = modify.num_cache_nodes(new_count);
            if new_count < old_count {
                let ids: Vec<String> = super::values::blocks_attr(prior, "cache_nodes")
                    .iter()
                    .filter_map(|n| str_attr(n, "id"))
                    .collect();
                modify = modify.set_cache_node_ids_to_remove(Some(nodes_to_remove(
                    &ids,
                    new_count.max(0) as usize,
                )));
            }
            any = true;
        }
        if changed(prior, planned, "parameter_group_name") {
            modify =
                modify.set_cache_parameter_group_name(str_attr(planned, "parameter_group_name"));
            any = true;
        }
        if changed(prior, planned, "engine_version") {
            modify = modify.set_engine_version(str_attr(planned, "engine_version"));
            any = true;
        }
        if changed(prior, planned, "security_group_ids") {
            let groups = strings_attr(planned, "security_group_ids");
            modify = modify.set_security_group_ids(Some(groups));
            any = true;
        }
        if any {
            clients
                .call("elasticache", "ModifyCacheCluster", || {
                    modify.clone().send()
                })
                .await?;
        }
        if changed(prior, planned, "tags") {
            let arn = required_str(prior, "arn")?;
            update_tags(clients, &arn, prior, planned).await?;
        }
        let cluster = if any {
            let limit = timeout(planned, "update", UPDATE_TIMEOUT);
            self.wait_available(clients, request, &id, limit).await?
        } else {
            describe_cluster(clients, &id).await?.ok_or_else(|| {
                ProviderError::new(format!(
                    "cache cluster {id} disappeared while it was being updated"
                ))
            })?
        };
        self.state(clients, &cluster, Some(planned)).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = prior(request)?;
        let id = required_str(prior, "cluster_id")?;
        let ec = &clients.elasticache;
        match clients
            .call("elasticache", "DeleteCacheCluster", || {
                ec.delete_cache_cluster().cache_cluster_id(&id).send()
            })
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        // The wait is until the cluster is gone, not merely `deleting`: its
        // subnet group and security groups cannot be deleted before that,
        // and they are usually destroyed right after it. (Plain moto keeps a
        // deleted cluster `deleting` forever; the test emulator's launcher
        // removes it, as AWS does once the deletion finishes.)
        let limit = timeout(prior, "delete", DELETE_TIMEOUT);
        let what = format!("cache cluster {id} to be deleted");
        let progress = progress_of(request, &id);
        let id = id.as_str();
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

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let id = required_str(current, "cluster_id")?;
        match describe_cluster(clients, &id).await? {
            Some(cluster) => Ok(Some(self.state(clients, &cluster, Some(current)).await?)),
            None => Ok(None),
        }
    }

    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        read_batched(
            clients,
            currents,
            "cluster_id",
            |current| self.read(clients, current),
            || async {
                Ok(describe_all_clusters(clients)
                    .await?
                    .into_iter()
                    .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), c)))
                    .collect())
            },
            CacheCluster::arn,
            |cluster: CacheCluster, tags, current| {
                Some(cache_cluster_state(&cluster, tags, Some(current)))
            },
        )
        .await
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        match describe_cluster(clients, id).await? {
            Some(cluster) => Ok(Some(self.state(clients, &cluster, None).await?)),
            None => Ok(None),
        }
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        made_here(clients, self.read(clients, planned).await?, operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_elasticache_replication_group
// ---------------------------------------------------------------------------

pub struct ReplicationGroupResource;

/// Arguments a replication group does not report itself: AWS reports them
/// on its member clusters, and when those cannot be read (the emulator does
/// not create them) the values we knew are kept.
const MEMBER_ATTRIBUTES: &[&str] = &[
    "engine_version",
    "parameter_group_name",
    "subnet_group_name",
    "security_group_ids",
];

/// Builds the state of a replication group from its description, its first
/// member cluster when known, and `local` (prior state or plan) for what
/// neither reports.
fn replication_group_state(
    group: &ReplicationGroup,
    member: Option<&CacheCluster>,
    tags: BTreeMap<String, String>,
    local: Option<&Value>,
) -> Value {
    let id = group.replication_group_id().unwrap_or_default();
    let node_group = group.node_groups().first();
    let primary = node_group.and_then(|g| g.primary_endpoint());
    let reader = node_group.and_then(|g| g.reader_endpoint());
    let kept = |name: &str| {
        local
            .and_then(|l| l.get_attr(name))
            .filter(|v| !v.is_unknown())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let failover = group
        .automatic_failover()
        .map(|f| matches!(f.as_str(), "enabled" | "enabling"))
        .unwrap_or(false);
    let members = group.member_clusters();
    let mut state = object([
        ("id", string(id)),
        ("replication_group_id", string(id)),
        ("arn", opt_string(group.arn())),
        ("description", opt_string(group.description())),
        ("node_type", opt_string(group.cache_node_type())),
        ("num_cache_clusters", Value::number(members.len())),
        (
            "engine",
            group.engine().map(string).unwrap_or_else(|| kept("engine")),
        ),
        (
            "port",
            match primary.and_then(|e| e.port()) {
                Some(port) => number(Some(port)),
                None => kept("port"),
            },
        ),
        ("automatic_failover_enabled", Value::Bool(failover)),
        (
            "apply_immediately",
            local
                .and_then(|l| bool_attr(l, "apply_immediately"))
                .map(Value::Bool)
                .unwrap_or(Value::Bool(false)),
        ),
        (
            "primary_endpoint_address",
            opt_string(primary.and_then(|e| e.address())),
        ),
        (
            "reader_endpoint_address",
            opt_string(reader.and_then(|e| e.address())),
        ),
        ("member_clusters", string_set(members.iter().cloned())),
        ("tags", string_map(tags)),
        ("timeouts", kept("timeouts")),
    ]);
    if let Value::Map(map) = &mut state {
        for name in MEMBER_ATTRIBUTES {
            let value = match (member, *name) {
                (Some(m), "engine_version") => opt_string(m.engine_version()),
                (Some(m), "parameter_group_name") => opt_string(
                    m.cache_parameter_group()
                        .and_then(|g| g.cache_parameter_group_name()),
                ),
                (Some(m), "subnet_group_name") => opt_string(m.cache_subnet_group_name()),
                (Some(m), "security_group_ids") => string_set(
                    m.security_groups()
                        .iter()
                        .filter_map(|g| g.security_group_id().map(str::to_string)),
                ),
                _ => kept(name),
            };
            map.insert(name.to_string(), value);
        }
    }
    state
}

async fn describe_group(
    clients: &Clients,
    id: &str,
) -> Result<Option<ReplicationGroup>, ProviderError> {
    let ec = &clients.elasticache;
    match clients
        .call("elasticache", "DescribeReplicationGroups", || {
            ec.describe_replication_groups()
                .replication_group_id(id)
                .send()
        })
        .await
    {
        Ok(out) => Ok(out
            .replication_groups()
            .iter()
            .find(|g| g.replication_group_id() == Some(id))
            .cloned()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Every replication group by id, one page at a time.
pub(crate) async fn describe_all_groups(
    clients: &Clients,
) -> Result<HashMap<String, ReplicationGroup>, ProviderError> {
    let ec = &clients.elasticache;
    let mut groups = HashMap::new();
    let mut marker: Option<String> = None;
    loop {
        let out = clients
            .call("elasticache", "DescribeReplicationGroups", || {
                ec.describe_replication_groups()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        for group in out.replication_groups() {
            if let Some(id) = group.replication_group_id() {
                groups.insert(id.to_string(), group.clone());
            }
        }
        match out.marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => return Ok(groups),
        }
    }
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

impl ReplicationGroupResource {
    async fn state(
        &self,
        clients: &Clients,
        group: &ReplicationGroup,
        member: Option<&CacheCluster>,
        local: Option<&Value>,
    ) -> Result<Value, ProviderError> {
        let tags = tags_of(clients, group.arn()).await?;
        Ok(replication_group_state(group, member, tags, local))
    }

    /// Reads a group and its first member cluster.
    async fn read_one(
        &self,
        clients: &Clients,
        id: &str,
        local: Option<&Value>,
    ) -> Result<Option<Value>, ProviderError> {
        let Some(group) = describe_group(clients, id).await? else {
            return Ok(None);
        };
        if is_being_deleted(&group) {
            return Ok(None);
        }
        let member = match group.member_clusters().first() {
            Some(member) => describe_cluster(clients, member).await?,
            None => None,
        };
        Ok(Some(
            self.state(clients, &group, member.as_ref(), local).await?,
        ))
    }

    async fn wait_available(
        &self,
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
}

#[async_trait]
impl AwsResource for ReplicationGroupResource {
    fn type_name(&self) -> &'static str {
        "aws_elasticache_replication_group"
    }

    fn schema(&self) -> Schema {
        use AttributeSchema as A;
        Schema::new("An ElastiCache Redis replication group: a primary and its replicas.")
            .attr(A::required("replication_group_id", AttrType::String).force_new().describe("The name of the replication group."))
            .attr(A::required("description", AttrType::String).describe("The description of the replication group."))
            .attr(A::optional_computed("node_type", AttrType::String).describe("The node type, e.g. \"cache.t3.micro\"."))
            .attr(A::optional_computed("num_cache_clusters", AttrType::Number).describe("How many clusters (the primary and its replicas)."))
            .attr(A::optional("engine", AttrType::String).default("redis").force_new().describe("\"redis\" (or \"valkey\")."))
            .attr(A::optional_computed("engine_version", AttrType::String).describe("The engine version; a prefix such as \"7.1\" matches the precise version AWS reports."))
            .attr(A::optional_computed("port", AttrType::Number).force_new().describe("The port the nodes listen on."))
            .attr(A::optional_computed("parameter_group_name", AttrType::String).describe("The cache parameter group."))
            .attr(A::optional_computed("subnet_group_name", AttrType::String).force_new().describe("The cache subnet group to place the clusters in."))
            .attr(A::optional_computed("security_group_ids", AttrType::set_of(AttrType::String)).describe("The VPC security groups of the clusters."))
            .attr(A::optional("automatic_failover_enabled", AttrType::Bool).default(false).describe("Whether a replica is promoted when the primary fails (needs two or more clusters)."))
            .attr(A::optional("apply_immediately", AttrType::Bool).default(false).describe("Whether changes apply now rather than in the next maintenance window."))
            .attr(tags_attribute())
            .attr(A::computed("primary_endpoint_address", AttrType::String).describe("The address of the primary."))
            .attr(A::computed("reader_endpoint_address", AttrType::String).describe("The address that balances reads over the replicas."))
            .attr(A::computed("member_clusters", AttrType::set_of(AttrType::String)).describe("The ids of the member clusters."))
            .attr(A::computed("id", AttrType::String).describe("The name of the replication group."))
            .attr(A::computed("arn", AttrType::String).describe("The ARN of the replication group."))
            .block(timeouts_block())
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

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let id = required_str(planned, "replication_group_id")?;
        let tags = tags_with_intent(string_map_attr(planned, "tags"), request.operation_id);
        let security_groups = strings_attr(planned, "security_group_ids");
        let ec = &clients.elasticache;
        let create = ec
            .create_replication_group()
            .replication_group_id(&id)
            .replication_group_description(required_str(planned, "description")?)
            .set_cache_node_type(str_attr(planned, "node_type"))
            .set_num_cache_clusters(int_attr(planned, "num_cache_clusters"))
            .set_engine(str_attr(planned, "engine"))
            .set_engine_version(str_attr(planned, "engine_version"))
            .set_port(int_attr(planned, "port"))
            .set_cache_parameter_group_name(str_attr(planned, "parameter_group_name"))
            .set_cache_subnet_group_name(str_attr(planned, "subnet_group_name"))
            .set_security_group_ids((!security_groups.is_empty()).then_some(security_groups))
            .set_automatic_failover_enabled(bool_attr(planned, "automatic_failover_enabled"))
            .set_tags(Some(tags_to_sdk(&tags)));
        clients
            .create(
                "elasticache",
                "CreateReplicationGroup",
                || create.clone().send(),
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        let limit = timeout(planned, "create", CREATE_TIMEOUT);
        let partial = partial_state(planned, [("id", string(&id))]);
        self.wait_available(clients, request, &id, limit)
            .await
            .keep_created(&partial)?;
        self.read_one(clients, &id, Some(planned))
            .await
            .keep_created(&partial)?
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "replication group {id} was created but could not be read back"
                ))
            })
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = prior(request)?;
        let planned = planned(request)?;
        let id = required_str(prior, "replication_group_id")?;
        let apply_now = bool_attr(planned, "apply_immediately").unwrap_or(false);
        let limit = timeout(planned, "update", UPDATE_TIMEOUT);
        let ec = &clients.elasticache;
        let mut modify = ec
            .modify_replication_group()
            .replication_group_id(&id)
            .apply_immediately(apply_now);
        let mut any = false;
        if changed(prior, planned, "description") {
            modify = modify.set_replication_group_description(str_attr(planned, "description"));
            any = true;
        }
        if changed(prior, planned, "node_type") {
            modify = modify.set_cache_node_type(str_attr(planned, "node_type"));
            any = true;
        }
        if changed(prior, planned, "engine_version") {
            modify = modify.set_engine_version(str_attr(planned, "engine_version"));
            any = true;
        }
        if changed(prior, planned, "parameter_group_name") {
            modify =
                modify.set_cache_parameter_group_name(str_attr(planned, "parameter_group_name"));
            any = true;
        }
        if changed(prior, planned, "security_group_ids") {
            modify =
                modify.set_security_group_ids(Some(strings_attr(planned, "security_group_ids")));
            any = true;
        }
        if changed(prior, planned, "automatic_failover_enabled") {
            modify = modify
                .set_automatic_failover_enabled(bool_attr(planned, "automatic_failover_enabled"));
            any = true;
        }
        if any {
            clients
                .call("elasticache", "ModifyReplicationGroup", || {
                    modify.clone().send()
                })
                .await?;
            self.wait_available(clients, request, &id, limit).await?;
        }
        if changed(prior, planned, "num_cache_clusters") {
            // The replica count is the number of clusters minus the primary.
            // AWS only accepts these changes applied immediately.
            let new_count = int_attr(planned, "num_cache_clusters").unwrap_or(1);
            let old_count = int_attr(prior, "num_cache_clusters").unwrap_or(new_count);
            let replicas = (new_count - 1).max(0);
            if new_count > old_count {
                clients
                    .call("elasticache", "IncreaseReplicaCount", || {
                        ec.increase_replica_count()
                            .replication_group_id(&id)
                            .new_replica_count(replicas)
                            .apply_immediately(true)
                            .send()
                    })
                    .await?;
            } else {
                clients
                    .call("elasticache", "DecreaseReplicaCount", || {
                        ec.decrease_replica_count()
                            .replication_group_id(&id)
                            .new_replica_count(replicas)
                            .apply_immediately(true)
                            .send()
                    })
                    .await?;
            }
            self.wait_available(clients, request, &id, limit).await?;
        }
        if changed(prior, planned, "tags") {
            let arn = required_str(prior, "arn")?;
            update_tags(clients, &arn, prior, planned).await?;
        }
        self.read_one(clients, &id, Some(planned))
            .await?
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "replication group {id} disappeared while it was being updated"
                ))
            })
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = prior(request)?;
        let id = required_str(prior, "replication_group_id")?;
        let ec = &clients.elasticache;
        match clients
            .call("elasticache", "DeleteReplicationGroup", || {
                ec.delete_replication_group()
                    .replication_group_id(&id)
                    .send()
            })
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let limit = timeout(prior, "delete", DELETE_TIMEOUT);
        let what = format!("replication group {id} to be deleted");
        let progress = progress_of(request, &id);
        let id = id.as_str();
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

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let id = required_str(current, "replication_group_id")?;
        self.read_one(clients, &id, Some(current)).await
    }

    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        if currents.len() < 2 {
            let mut out = Vec::new();
            for current in currents {
                out.push(self.read(clients, current).await);
            }
            return out;
        }
        // One paged listing of the groups and one of all clusters (for the
        // members' settings) instead of two describes per group.
        let clusters: HashMap<String, CacheCluster> = match describe_all_clusters(clients).await {
            Ok(all) => all
                .into_iter()
                .filter_map(|c| Some((c.cache_cluster_id()?.to_string(), c)))
                .collect(),
            Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
        };
        let clusters = &clusters;
        read_batched(
            clients,
            currents,
            "replication_group_id",
            |current| self.read(clients, current),
            || describe_all_groups(clients),
            ReplicationGroup::arn,
            |group: ReplicationGroup, tags, current| {
                if is_being_deleted(&group) {
                    return None;
                }
                let member = group
                    .member_clusters()
                    .first()
                    .and_then(|m| clusters.get(m));
                Some(replication_group_state(&group, member, tags, Some(current)))
            },
        )
        .await
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        self.read_one(clients, id, None).await
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        made_here(clients, self.read(clients, planned).await?, operation_id).await
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
        let state = replication_group_state(&group, None, BTreeMap::new(), Some(&local));
        assert_eq!(str_attr(&state, "engine_version").as_deref(), Some("7.1"));
        assert_eq!(
            str_attr(&state, "subnet_group_name").as_deref(),
            Some("cache-subnets")
        );
        assert_eq!(number_attr(&state, "port"), Some(6380.0));
        assert_eq!(number_attr(&state, "num_cache_clusters"), Some(1.0));
    }
}
