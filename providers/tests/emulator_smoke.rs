//! Proves the AWS emulator end to end through the official AWS SDK for Rust,
//! including the operations that `tests/emulator/launcher.py` adds to moto.
//! If these fail, every provider test against the emulator would too.

mod common;

use aws_sdk_elasticache::types::CacheCluster;
use aws_sdk_elasticbeanstalk::types::{ConfigurationOptionSetting, EnvironmentStatus, S3Location};
use aws_sdk_s3::primitives::ByteStream;
use common::{sdk_config, Emulator};

const ENV_VARS: &str = "aws:elasticbeanstalk:application:environment";
const STACK: &str = "64bit Amazon Linux 2023 v4.6.0 running Python 3.11";

#[tokio::test]
async fn beanstalk_application_version_environment_lifecycle() {
    let config = sdk_config(&Emulator::start()).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let eb = aws_sdk_elasticbeanstalk::Client::new(&config);

    s3.create_bucket().bucket("bundles").send().await.unwrap();
    for key in ["v1.zip", "v2.zip"] {
        s3.put_object()
            .bucket("bundles")
            .key(key)
            .body(ByteStream::from_static(b"PK"))
            .send()
            .await
            .unwrap();
    }
    eb.create_application()
        .application_name("koding")
        .send()
        .await
        .unwrap();

    // AWS fetches the bundle when the version is created, so a missing
    // object fails there rather than at deployment.
    let missing = eb
        .create_application_version()
        .application_name("koding")
        .version_label("missing")
        .source_bundle(bundle("nope.zip"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        missing.into_service_error().meta().code(),
        Some("InvalidParameterCombination")
    );

    for label in ["v1", "v2"] {
        let created = eb
            .create_application_version()
            .application_name("koding")
            .version_label(label)
            .source_bundle(bundle(&format!("{label}.zip")))
            .send()
            .await
            .unwrap();
        let version = created.application_version().unwrap();
        assert_eq!(version.version_label(), Some(label));
        assert_eq!(
            version.source_bundle().and_then(|b| b.s3_key()),
            Some(format!("{label}.zip").as_str())
        );
    }
    let versions = eb
        .describe_application_versions()
        .application_name("koding")
        .version_labels("v1")
        .send()
        .await
        .unwrap();
    let labels: Vec<_> = versions
        .application_versions()
        .iter()
        .filter_map(|v| v.version_label())
        .collect();
    assert_eq!(labels, ["v1"]);

    let created = eb
        .create_environment()
        .application_name("koding")
        .environment_name("sandbox")
        .solution_stack_name(STACK)
        .version_label("v1")
        .option_settings(setting("DATABASE_HOST", "db.internal"))
        .send()
        .await
        .unwrap();
    let cname = created.cname().unwrap();
    assert!(
        cname.starts_with("sandbox.") && cname.ends_with(".us-east-1.elasticbeanstalk.com"),
        "unexpected CNAME {cname:?}"
    );
    let env_id = created.environment_id().unwrap().to_owned();
    assert!(env_id.starts_with("e-") && env_id.len() == 12, "{env_id:?}");
    assert_eq!(created.solution_stack_name(), Some(STACK));
    assert_eq!(created.version_label(), Some("v1"));

    let updated = eb
        .update_environment()
        .environment_id(&env_id)
        .version_label("v2")
        .option_settings(setting("CACHE_HOST", "cache.internal"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.version_label(), Some("v2"));
    let described = eb
        .describe_environments()
        .environment_names("sandbox")
        .send()
        .await
        .unwrap();
    let [environment] = described.environments() else {
        panic!("expected one environment, got {described:?}");
    };
    assert_eq!(environment.version_label(), Some("v2"));
    assert_eq!(environment.cname(), Some(cname));

    let settings = eb
        .describe_configuration_settings()
        .application_name("koding")
        .environment_name("sandbox")
        .send()
        .await
        .unwrap();
    let [configuration] = settings.configuration_settings() else {
        panic!("expected one configuration, got {settings:?}");
    };
    let mut options: Vec<_> = configuration
        .option_settings()
        .iter()
        .map(|o| (o.option_name().unwrap(), o.value().unwrap()))
        .collect();
    options.sort();
    assert_eq!(
        options,
        [
            ("CACHE_HOST", "cache.internal"),
            ("DATABASE_HOST", "db.internal")
        ]
    );

    let terminated = eb
        .terminate_environment()
        .environment_id(&env_id)
        .send()
        .await
        .unwrap();
    assert_eq!(terminated.status(), Some(&EnvironmentStatus::Terminating));
    let after = eb
        .describe_environments()
        .environment_ids(&env_id)
        .send()
        .await
        .unwrap();
    let statuses: Vec<_> = after
        .environments()
        .iter()
        .filter_map(|e| e.status())
        .collect();
    assert_eq!(statuses, [&EnvironmentStatus::Terminated]);
}

#[tokio::test]
async fn elasticache_modify_and_node_endpoints() {
    let config = sdk_config(&Emulator::start()).await;
    let ec = aws_sdk_elasticache::Client::new(&config);

    ec.create_cache_cluster()
        .cache_cluster_id("sessions")
        .engine("memcached")
        .cache_node_type("cache.t3.micro")
        .num_cache_nodes(2)
        .send()
        .await
        .unwrap();
    let modified = ec
        .modify_cache_cluster()
        .cache_cluster_id("sessions")
        .cache_node_type("cache.t3.small")
        .num_cache_nodes(3)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let cluster = modified.cache_cluster().unwrap();
    assert_eq!(cluster.cache_node_type(), Some("cache.t3.small"));
    assert_eq!(cluster.num_cache_nodes(), Some(3));

    let cluster = describe(&ec, "sessions").await;
    assert_eq!(cluster.cache_node_type(), Some("cache.t3.small"));
    assert_eq!(cluster.num_cache_nodes(), Some(3));
    let endpoints: Vec<_> = cluster
        .cache_nodes()
        .iter()
        .map(|node| {
            let endpoint = node.endpoint().unwrap();
            (
                node.cache_node_id().unwrap(),
                endpoint.address().unwrap(),
                endpoint.port(),
            )
        })
        .collect();
    assert_eq!(endpoints.len(), 3, "{endpoints:?}");
    for (id, address, port) in endpoints {
        assert!(
            address.starts_with("sessions.")
                && address.ends_with(&format!(".{id}.us-east-1.cache.amazonaws.com")),
            "unexpected node address {address:?}"
        );
        assert_eq!(port, Some(11211));
    }

    // Without ApplyImmediately a resize waits for the maintenance window and
    // shows as pending, as on AWS.
    ec.modify_cache_cluster()
        .cache_cluster_id("sessions")
        .num_cache_nodes(2)
        .cache_node_ids_to_remove("0003")
        .send()
        .await
        .unwrap();
    let cluster = describe(&ec, "sessions").await;
    assert_eq!(cluster.num_cache_nodes(), Some(3));
    assert_eq!(
        cluster
            .pending_modified_values()
            .and_then(|p| p.num_cache_nodes()),
        Some(2)
    );

    ec.create_cache_cluster()
        .cache_cluster_id("cache")
        .engine("redis")
        .cache_node_type("cache.t3.micro")
        .num_cache_nodes(1)
        .send()
        .await
        .unwrap();
    let redis = describe(&ec, "cache").await;
    let [node] = redis.cache_nodes() else {
        panic!("expected one node, got {redis:?}");
    };
    assert_eq!(node.endpoint().and_then(|e| e.port()), Some(6379));
    assert_eq!(
        redis
            .cache_parameter_group()
            .and_then(|g| g.cache_parameter_group_name()),
        Some("default.redis7")
    );

    ec.delete_cache_cluster()
        .cache_cluster_id("cache")
        .send()
        .await
        .unwrap();
    let gone = ec
        .describe_cache_clusters()
        .cache_cluster_id("cache")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        gone.into_service_error().meta().code(),
        Some("CacheClusterNotFound")
    );
}

async fn describe(ec: &aws_sdk_elasticache::Client, id: &str) -> CacheCluster {
    let described = ec
        .describe_cache_clusters()
        .cache_cluster_id(id)
        .show_cache_node_info(true)
        .send()
        .await
        .unwrap();
    let [cluster] = described.cache_clusters() else {
        panic!("expected one cluster, got {described:?}");
    };
    cluster.clone()
}

fn bundle(key: &str) -> S3Location {
    S3Location::builder()
        .s3_bucket("bundles")
        .s3_key(key)
        .build()
}

fn setting(name: &str, value: &str) -> ConfigurationOptionSetting {
    ConfigurationOptionSetting::builder()
        .namespace(ENV_VARS)
        .option_name(name)
        .value(value)
        .build()
}
