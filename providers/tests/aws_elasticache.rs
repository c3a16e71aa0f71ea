//! `aws_elasticache_subnet_group`, `aws_elasticache_cluster` and
//! `aws_elasticache_replication_group` against the AWS emulator: create,
//! refresh without changes, update in place, replacement, import and
//! destroy, each checked through the ElastiCache API with the official SDK.

mod common;
mod lifecycle;

use std::collections::BTreeMap;

use aws_sdk_elasticache::types::{CacheCluster, ReplicationGroup};
use common::{sdk_config, Emulator};
use engine::provider::{ApplyRequest, Provider, ReadRequest};
use engine::value::Value;
use lifecycle::{attr, Action, Harness};
use serde_json::json;

const SUBNET_GROUP: &str = "aws_elasticache_subnet_group";
const CLUSTER: &str = "aws_elasticache_cluster";
const GROUP: &str = "aws_elasticache_replication_group";

struct Cloud {
    ec: aws_sdk_elasticache::Client,
    ec2: aws_sdk_ec2::Client,
}

impl Cloud {
    async fn new(emulator: &Emulator) -> Cloud {
        let config = sdk_config(emulator).await;
        Cloud {
            ec: aws_sdk_elasticache::Client::new(&config),
            ec2: aws_sdk_ec2::Client::new(&config),
        }
    }

    async fn subnets(&self, cidr_prefix: &str) -> Vec<String> {
        common::subnets(&self.ec2, cidr_prefix).await
    }

    async fn subnet_group_exists(&self, name: &str) -> bool {
        match self
            .ec
            .describe_cache_subnet_groups()
            .cache_subnet_group_name(name)
            .send()
            .await
        {
            Ok(out) => !out.cache_subnet_groups().is_empty(),
            Err(e) => {
                let e = e.into_service_error();
                assert_eq!(
                    e.meta().code(),
                    Some("CacheSubnetGroupNotFoundFault"),
                    "{e:?}"
                );
                false
            }
        }
    }

    async fn cluster(&self, id: &str) -> Option<CacheCluster> {
        match self
            .ec
            .describe_cache_clusters()
            .cache_cluster_id(id)
            .show_cache_node_info(true)
            .send()
            .await
        {
            Ok(out) => out.cache_clusters().first().cloned(),
            Err(e) => {
                let e = e.into_service_error();
                assert_eq!(e.meta().code(), Some("CacheClusterNotFound"), "{e:?}");
                None
            }
        }
    }

    async fn group(&self, id: &str) -> Option<ReplicationGroup> {
        match self
            .ec
            .describe_replication_groups()
            .replication_group_id(id)
            .send()
            .await
        {
            Ok(out) => out.replication_groups().first().cloned(),
            Err(e) => {
                let e = e.into_service_error();
                assert_eq!(
                    e.meta().code(),
                    Some("ReplicationGroupNotFoundFault"),
                    "{e:?}"
                );
                None
            }
        }
    }

    async fn tags(&self, arn: &str) -> BTreeMap<String, String> {
        common::user_tags(
            self.ec
                .list_tags_for_resource()
                .resource_name(arn)
                .send()
                .await
                .unwrap()
                .tag_list()
                .iter()
                .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string())),
        )
    }
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn number(state: &Value, name: &str) -> f64 {
    state
        .get_attr(name)
        .and_then(|v| v.peel().as_number())
        .unwrap_or_else(|| panic!("no number attribute {name} in {state:?}"))
}

fn nodes(state: &Value) -> Vec<Value> {
    state
        .get_attr("cache_nodes")
        .and_then(|v| v.as_list())
        .unwrap_or_else(|| panic!("no cache_nodes in {state:?}"))
        .to_vec()
}

#[tokio::test]
async fn cache_subnet_group_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let cloud = Cloud::new(&emulator).await;
    let subnets = cloud.subnets("10.30").await;

    let config = h.config(
        SUBNET_GROUP,
        json!({"name": "cache", "description": "Cache subnets", "subnet_ids": subnets, "tags": {"team": "web"}}),
    );
    let state = h.create_and_find(SUBNET_GROUP, &config).await;
    assert_eq!(attr(&state, "id"), "cache");
    let arn = attr(&state, "arn");
    assert!(cloud.subnet_group_exists("cache").await);
    assert_eq!(cloud.tags(&arn).await, tags(&[("team", "web")]));
    let state = h.assert_no_changes(SUBNET_GROUP, &state, &config).await;

    // Tags and the description change in place (ModifyCacheSubnetGroup is
    // added to moto by tests/emulator/launcher.py).
    let updated = h.config(
        SUBNET_GROUP,
        json!({"name": "cache", "description": "Cache subnets for ops", "subnet_ids": subnets, "tags": {"team": "ops"}}),
    );
    let state = h
        .change(SUBNET_GROUP, &state, &updated, Action::Update)
        .await;
    assert_eq!(cloud.tags(&arn).await, tags(&[("team", "ops")]));
    assert_eq!(attr(&state, "description"), "Cache subnets for ops");
    let state = h.assert_no_changes(SUBNET_GROUP, &state, &updated).await;

    // A new name needs a new group.
    let renamed = h.config(
        SUBNET_GROUP,
        json!({"name": "cache-2", "subnet_ids": subnets}),
    );
    let (action, planned) = h.plan(SUBNET_GROUP, Some(&state), &renamed);
    assert_eq!(action, Action::Replace);
    assert_eq!(attr(&planned, "description"), "Managed by stack");

    let imported = h.import(SUBNET_GROUP, "cache").await.expect("imported");
    assert_eq!(imported, state);
    assert!(h.import(SUBNET_GROUP, "nope").await.is_none());

    // DeleteCacheSubnetGroup is added to moto by the launcher too.
    try_destroy(&h, SUBNET_GROUP, &state)
        .await
        .expect("the group is deleted");
    assert!(!cloud.subnet_group_exists("cache").await);
}

/// Applies a delete directly, returning the provider's error if any.
async fn try_destroy(h: &Harness, type_name: &str, state: &Value) -> Result<(), String> {
    h.provider
        .apply(ApplyRequest {
            type_name,
            prior: Some(state),
            planned: None,
            config: None,
            planned_private: None,
            operation_id: "test-delete",
            progress: None,
        })
        .await
        .map(|_| ())
        .map_err(|e| e.message)
}

#[tokio::test]
async fn cache_cluster_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let cloud = Cloud::new(&emulator).await;

    let config = |node_type: &str, nodes: u32, port: u32| {
        h.config(
            CLUSTER,
            json!({
                "cluster_id": "sessions",
                "engine": "memcached",
                "node_type": node_type,
                "num_cache_nodes": nodes,
                "port": port,
                "security_group_ids": ["sg-12345678"],
                "apply_immediately": true,
                "tags": {"app": "web"},
                "timeouts": {"create": "5m"},
            }),
        )
    };
    let first = config("cache.t3.micro", 2, 11211);
    let state = h.create_and_find(CLUSTER, &first).await;
    assert_eq!(attr(&state, "id"), "sessions");
    let nodes_now = nodes(&state);
    assert_eq!(nodes_now.len(), 2);
    for node in &nodes_now {
        let address = attr(node, "address");
        assert!(address.starts_with("sessions."), "{address}");
        assert_eq!(number(node, "port"), 11211.0);
        assert_eq!(attr(node, "availability_zone"), "us-east-1a");
    }
    let cluster = cloud.cluster("sessions").await.expect("created");
    assert_eq!(cluster.engine(), Some("memcached"));
    assert_eq!(cluster.cache_node_type(), Some("cache.t3.micro"));
    assert_eq!(cluster.num_cache_nodes(), Some(2));
    assert_eq!(
        cloud.tags(&attr(&state, "arn")).await,
        tags(&[("app", "web")])
    );
    let state = h.assert_no_changes(CLUSTER, &state, &first).await;

    // Node type and node count change in place.
    let bigger = config("cache.t3.small", 3, 11211);
    let state = h.change(CLUSTER, &state, &bigger, Action::Update).await;
    assert_eq!(nodes(&state).len(), 3);
    let cluster = cloud.cluster("sessions").await.expect("still there");
    assert_eq!(cluster.cache_node_type(), Some("cache.t3.small"));
    assert_eq!(cluster.num_cache_nodes(), Some(3));
    let state = h.assert_no_changes(CLUSTER, &state, &bigger).await;

    // Shrinking names the newest node to remove, as AWS requires.
    let smaller = config("cache.t3.small", 2, 11211);
    let state = h.change(CLUSTER, &state, &smaller, Action::Update).await;
    let ids: Vec<String> = nodes(&state).iter().map(|n| attr(n, "id")).collect();
    assert_eq!(ids, ["0001", "0002"]);
    assert_eq!(
        cloud.cluster("sessions").await.unwrap().num_cache_nodes(),
        Some(2)
    );
    let state = h.assert_no_changes(CLUSTER, &state, &smaller).await;

    // A new port needs a new cluster.
    let moved = config("cache.t3.small", 2, 11212);
    let state = h.change(CLUSTER, &state, &moved, Action::Replace).await;
    assert_eq!(number(&state, "port"), 11212.0);
    let cluster = cloud.cluster("sessions").await.expect("replacement");
    assert_eq!(
        cluster.cache_nodes()[0].endpoint().and_then(|e| e.port()),
        Some(11212)
    );

    let imported = h.import(CLUSTER, "sessions").await.expect("imported");
    for name in [
        "id",
        "arn",
        "engine",
        "engine_version",
        "node_type",
        "num_cache_nodes",
        "parameter_group_name",
        "port",
        "security_group_ids",
        "cache_nodes",
        "tags",
    ] {
        assert_eq!(imported.get_attr(name), state.get_attr(name), "{name}");
    }
    assert!(h.import(CLUSTER, "nope").await.is_none());

    h.destroy(CLUSTER, &state).await;
    assert!(cloud.cluster("sessions").await.is_none());
    assert!(h.read(CLUSTER, &state).await.is_none());
}

#[tokio::test]
async fn redis_cluster_in_a_subnet_group() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let cloud = Cloud::new(&emulator).await;
    let subnets = cloud.subnets("10.31").await;
    let group = h
        .create(
            SUBNET_GROUP,
            &h.config(
                SUBNET_GROUP,
                json!({"name": "redis-net", "subnet_ids": subnets}),
            ),
        )
        .await;

    let config = |parameter_group: &str| {
        h.config(
            CLUSTER,
            json!({
                "cluster_id": "cache",
                "engine": "redis",
                "engine_version": "7.1",
                "node_type": "cache.t3.micro",
                "parameter_group_name": parameter_group,
                "subnet_group_name": "redis-net",
                "apply_immediately": true,
            }),
        )
    };
    let state = h.create(CLUSTER, &config("default.redis7")).await;
    assert_eq!(number(&state, "port"), 6379.0);
    assert_eq!(number(&state, "num_cache_nodes"), 1.0);
    assert_eq!(attr(&state, "subnet_group_name"), "redis-net");
    let state = h
        .assert_no_changes(CLUSTER, &state, &config("default.redis7"))
        .await;

    let state = h
        .change(CLUSTER, &state, &config("custom-redis7"), Action::Update)
        .await;
    let cluster = cloud.cluster("cache").await.unwrap();
    assert_eq!(
        cluster
            .cache_parameter_group()
            .and_then(|g| g.cache_parameter_group_name()),
        Some("custom-redis7")
    );
    let state = h
        .assert_no_changes(CLUSTER, &state, &config("custom-redis7"))
        .await;

    h.destroy(CLUSTER, &state).await;
    // The cluster is gone, not merely deleting, so that its subnet group
    // could be deleted next (which moto 5.2.5 cannot do, see above).
    assert!(cloud.cluster("cache").await.is_none());
    assert_eq!(attr(&group, "name"), "redis-net");
}

#[tokio::test]
async fn replication_group_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let cloud = Cloud::new(&emulator).await;
    let subnets = cloud.subnets("10.32").await;
    h.create(
        SUBNET_GROUP,
        &h.config(
            SUBNET_GROUP,
            json!({"name": "rg-net", "subnet_ids": subnets}),
        ),
    )
    .await;

    // One cluster: moto 5.2.5 creates a single member whatever
    // NumCacheClusters says, and does not implement IncreaseReplicaCount.
    let config = |id: &str, description: &str, node_type: &str, port: u32| {
        h.config(
            GROUP,
            json!({
                "replication_group_id": id,
                "description": description,
                "node_type": node_type,
                "num_cache_clusters": 1,
                "engine_version": "7.1",
                "port": port,
                "parameter_group_name": "default.redis7",
                "subnet_group_name": "rg-net",
                "security_group_ids": ["sg-12345678"],
                "apply_immediately": true,
                "tags": {"app": "web"},
            }),
        )
    };
    let first = config("sessions", "Sessions", "cache.t3.micro", 6379);
    let state = h.create_and_find(GROUP, &first).await;
    assert_eq!(attr(&state, "id"), "sessions");
    let primary = attr(&state, "primary_endpoint_address");
    assert!(primary.contains("sessions"), "{primary}");
    assert_eq!(
        state
            .get_attr("member_clusters")
            .and_then(|m| m.as_list())
            .map(|m| m.len()),
        Some(1)
    );
    let group = cloud.group("sessions").await.expect("created");
    assert_eq!(group.description(), Some("Sessions"));
    assert_eq!(group.cache_node_type(), Some("cache.t3.micro"));
    assert_eq!(
        cloud.tags(&attr(&state, "arn")).await,
        tags(&[("app", "web")])
    );
    let state = h.assert_no_changes(GROUP, &state, &first).await;

    let updated = h.config(
        GROUP,
        json!({
            "replication_group_id": "sessions",
            "description": "User sessions",
            "node_type": "cache.t3.small",
            "num_cache_clusters": 1,
            "engine_version": "7.1",
            "port": 6379,
            "parameter_group_name": "default.redis7",
            "subnet_group_name": "rg-net",
            "security_group_ids": ["sg-12345678"],
            "apply_immediately": true,
            "tags": {"app": "web", "tier": "gold"},
        }),
    );
    let state = h.change(GROUP, &state, &updated, Action::Update).await;
    let group = cloud.group("sessions").await.expect("still there");
    assert_eq!(group.description(), Some("User sessions"));
    assert_eq!(group.cache_node_type(), Some("cache.t3.small"));
    assert_eq!(
        cloud.tags(&attr(&state, "arn")).await,
        tags(&[("app", "web"), ("tier", "gold")])
    );
    let state = h.assert_no_changes(GROUP, &state, &updated).await;

    let imported = h.import(GROUP, "sessions").await.expect("imported");
    for name in [
        "id",
        "arn",
        "description",
        "node_type",
        "num_cache_clusters",
        "engine",
        "port",
        "automatic_failover_enabled",
        "primary_endpoint_address",
        "member_clusters",
        "tags",
    ] {
        assert_eq!(imported.get_attr(name), state.get_attr(name), "{name}");
    }
    assert!(h.import(GROUP, "nope").await.is_none());

    // A new id and port need a new group. The old one is deleted first;
    // moto keeps it listed as `deleting` forever (AWS removes it, and only
    // then is its id free again), and the provider treats a deleting group
    // whose member clusters are gone as deleted.
    let moved = config("sessions-2", "User sessions", "cache.t3.small", 6380);
    let state = h.change(GROUP, &state, &moved, Action::Replace).await;
    assert_eq!(number(&state, "port"), 6380.0);
    assert!(cloud.group("sessions-2").await.is_some());
    assert_gone_or_deleting(cloud.group("sessions").await);

    h.destroy(GROUP, &state).await;
    assert_gone_or_deleting(cloud.group("sessions-2").await);
    // A group being deleted is gone for a refresh.
    assert!(h.read(GROUP, &state).await.is_none());
}

/// FIXME(moto): AWS stops listing a deleted replication group; moto 5.2.5
/// keeps it as `deleting` forever.
fn assert_gone_or_deleting(group: Option<ReplicationGroup>) {
    assert!(
        group
            .as_ref()
            .is_none_or(|g| g.status() == Some("deleting")),
        "{group:?}"
    );
}

#[tokio::test]
async fn refreshing_many_cache_clusters_lists_them_once() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let mut states = Vec::new();
    for i in 0..4 {
        let config = h.config(
            CLUSTER,
            json!({"cluster_id": format!("batch-{i}"), "engine": "redis", "node_type": "cache.t3.micro"}),
        );
        states.push(h.create(CLUSTER, &config).await);
    }
    Cloud::new(&emulator)
        .await
        .ec
        .delete_cache_cluster()
        .cache_cluster_id("batch-2")
        .send()
        .await
        .unwrap();

    let before = h.api_calls();
    let results = h
        .provider
        .read_many(
            states
                .iter()
                .map(|current| ReadRequest {
                    type_name: CLUSTER,
                    current,
                    private: None,
                })
                .collect(),
        )
        .await;
    let after = h.api_calls();
    let delta =
        |key: &str| after.get(key).copied().unwrap_or(0) - before.get(key).copied().unwrap_or(0);
    assert_eq!(delta("elasticache:DescribeCacheClusters"), 1);
    // Tags are not part of the description: they come from one page of
    // the Resource Groups Tagging API, not a listing per cluster.
    assert_eq!(delta("elasticache:ListTagsForResource"), 0);
    assert_eq!(delta("tagging:GetResources"), 1);
    let found: Vec<bool> = results
        .into_iter()
        .map(|r| r.unwrap().new_state.is_some())
        .collect();
    assert_eq!(found, [true, true, false, true]);
}
