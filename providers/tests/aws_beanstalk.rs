//! The Elastic Beanstalk resources against the AWS emulator: application,
//! application version and environment, each through create, refresh
//! without changes, update in place, replacement, import and destroy,
//! checked through the Elastic Beanstalk API with the official SDK.

mod common;
mod lifecycle;

use aws_sdk_elasticbeanstalk::types::EnvironmentStatus;
use aws_sdk_s3::primitives::ByteStream;
use common::{sdk_config, Emulator};
use lifecycle::{attr, Action, Harness};
use serde_json::json;

const APPLICATION: &str = "aws_elastic_beanstalk_application";
const VERSION: &str = "aws_elastic_beanstalk_application_version";
const ENVIRONMENT: &str = "aws_elastic_beanstalk_environment";
const ENV_VARS: &str = "aws:elasticbeanstalk:application:environment";
const STACK: &str = "64bit Amazon Linux 2023 v4.6.0 running Python 3.11";
const NEWER_STACK: &str = "64bit Amazon Linux 2023 v4.7.0 running Python 3.12";

struct Clients {
    eb: aws_sdk_elasticbeanstalk::Client,
    s3: aws_sdk_s3::Client,
}

async fn clients(emulator: &Emulator) -> Clients {
    let config = sdk_config(emulator).await;
    Clients {
        eb: aws_sdk_elasticbeanstalk::Client::new(&config),
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        ),
    }
}

async fn upload(c: &Clients, bucket: &str, keys: &[&str]) {
    c.s3.create_bucket().bucket(bucket).send().await.unwrap();
    for key in keys {
        c.s3.put_object()
            .bucket(bucket)
            .key(*key)
            .body(ByteStream::from_static(b"PK"))
            .send()
            .await
            .unwrap();
    }
}

async fn tags_of(c: &Clients, arn: &str) -> Vec<(String, String)> {
    let mut tags: Vec<_> =
        c.eb.list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .unwrap()
            .resource_tags()
            .iter()
            .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
            .collect();
    tags.sort();
    common::user_tags(tags).into_iter().collect()
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

#[tokio::test]
async fn application_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;

    let config = h.config(
        APPLICATION,
        json!({"name": "koding", "description": "Koding", "tags": {"team": "web"}}),
    );
    let state = h.create_and_find(APPLICATION, &config).await;
    assert_eq!(attr(&state, "id"), "koding");
    let arn = attr(&state, "arn");
    assert!(arn.ends_with(":application/koding"), "{arn}");
    assert_eq!(tags_of(&c, &arn).await, [pair("team", "web")]);
    let state = h.assert_no_changes(APPLICATION, &state, &config).await;

    let config = h.config(
        APPLICATION,
        json!({"name": "koding", "description": "Koding IDE", "tags": {"team": "platform", "env": "all"}}),
    );
    let state = h.change(APPLICATION, &state, &config, Action::Update).await;
    let described =
        c.eb.describe_applications()
            .application_names("koding")
            .send()
            .await
            .unwrap();
    assert_eq!(
        described.applications()[0].description(),
        Some("Koding IDE")
    );
    assert_eq!(
        tags_of(&c, &arn).await,
        [pair("env", "all"), pair("team", "platform")]
    );
    let state = h.assert_no_changes(APPLICATION, &state, &config).await;

    let config = h.config(
        APPLICATION,
        json!({"name": "koding-2", "description": "Koding IDE"}),
    );
    let state = h
        .change(APPLICATION, &state, &config, Action::Replace)
        .await;
    let names: Vec<_> =
        c.eb.describe_applications()
            .send()
            .await
            .unwrap()
            .applications()
            .iter()
            .filter_map(|a| a.application_name().map(str::to_string))
            .collect();
    assert!(
        names.contains(&"koding-2".to_string()) && !names.contains(&"koding".to_string()),
        "{names:?}"
    );
    let state = h.assert_no_changes(APPLICATION, &state, &config).await;

    let imported = h.import(APPLICATION, "koding-2").await.expect("imported");
    h.assert_no_changes(APPLICATION, &imported, &config).await;
    assert!(h.import(APPLICATION, "nope").await.is_none());

    h.destroy(APPLICATION, &state).await;
    assert!(h.read(APPLICATION, &state).await.is_none());
}

#[tokio::test]
async fn application_version_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;
    upload(&c, "bundles", &["v1.zip", "v2.zip"]).await;
    c.eb.create_application()
        .application_name("app")
        .send()
        .await
        .unwrap();

    let config = h.config(
        VERSION,
        json!({"application": "app", "name": "v1", "bucket": "bundles", "key": "v1.zip", "description": "first"}),
    );
    let state = h.create_and_find(VERSION, &config).await;
    assert_eq!(attr(&state, "id"), "v1");
    let state = h.assert_no_changes(VERSION, &state, &config).await;

    let config = h.config(
        VERSION,
        json!({"application": "app", "name": "v1", "bucket": "bundles", "key": "v1.zip", "description": "the first"}),
    );
    let state = h.change(VERSION, &state, &config, Action::Update).await;
    let described =
        c.eb.describe_application_versions()
            .application_name("app")
            .version_labels("v1")
            .send()
            .await
            .unwrap();
    assert_eq!(
        described.application_versions()[0].description(),
        Some("the first")
    );
    let state = h.assert_no_changes(VERSION, &state, &config).await;

    // A new bundle is a new version.
    let config = h.config(
        VERSION,
        json!({"application": "app", "name": "v1", "bucket": "bundles", "key": "v2.zip", "description": "the first"}),
    );
    let state = h.change(VERSION, &state, &config, Action::Replace).await;
    let described =
        c.eb.describe_application_versions()
            .application_name("app")
            .send()
            .await
            .unwrap();
    let bundles: Vec<_> = described
        .application_versions()
        .iter()
        .map(|v| {
            v.source_bundle()
                .and_then(|b| b.s3_key())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(bundles, ["v2.zip"]);
    let state = h.assert_no_changes(VERSION, &state, &config).await;

    let imported = h.import(VERSION, "app/v1").await.expect("imported");
    h.assert_no_changes(VERSION, &imported, &config).await;
    assert!(h.import(VERSION, "app/v9").await.is_none());

    h.destroy(VERSION, &state).await;
    assert!(h.read(VERSION, &state).await.is_none());
    let left =
        c.eb.describe_application_versions()
            .application_name("app")
            .send()
            .await
            .unwrap();
    assert!(left.application_versions().is_empty());
}

#[tokio::test]
async fn environment_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;
    upload(&c, "env-bundles", &["v1.zip", "v2.zip"]).await;
    c.eb.create_application()
        .application_name("koding")
        .send()
        .await
        .unwrap();
    for label in ["v1", "v2"] {
        c.eb.create_application_version()
            .application_name("koding")
            .version_label(label)
            .source_bundle(
                aws_sdk_elasticbeanstalk::types::S3Location::builder()
                    .s3_bucket("env-bundles")
                    .s3_key(format!("{label}.zip"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }

    let settings = |db: &str, extra: Option<(&str, &str)>| {
        let mut s = vec![
            json!({"namespace": ENV_VARS, "name": "DATABASE_HOST", "value": db}),
            json!({"namespace": "aws:autoscaling:asg", "name": "MaxSize", "value": "2"}),
        ];
        if let Some((name, value)) = extra {
            s.push(json!({"namespace": ENV_VARS, "name": name, "value": value}));
        }
        s
    };
    let config = h.config(
        ENVIRONMENT,
        json!({
            "name": "sandbox", "application": "koding", "solution_stack_name": STACK,
            "version_label": "v1", "setting": settings("db.internal", Some(("CACHE_HOST", "cache.internal"))),
            "tags": {"env": "sandbox"}, "timeouts": {"create": "5m"}
        }),
    );
    let state = h.create_and_find(ENVIRONMENT, &config).await;
    let id = attr(&state, "id");
    assert!(id.starts_with("e-"), "{id}");
    assert!(attr(&state, "cname").starts_with("sandbox."), "{state:?}");
    assert!(!attr(&state, "endpoint_url").is_empty());
    assert_eq!(attr(&state, "status"), "Ready");
    assert_eq!(attr(&state, "tier"), "WebServer");
    assert_eq!(
        tags_of(&c, &attr(&state, "arn")).await,
        [pair("env", "sandbox")]
    );
    let state = h.assert_no_changes(ENVIRONMENT, &state, &config).await;

    // A new version, a changed and a removed setting, a new platform and
    // tags: one UpdateEnvironment, in place.
    let config = h.config(
        ENVIRONMENT,
        json!({
            "name": "sandbox", "application": "koding", "solution_stack_name": NEWER_STACK,
            "version_label": "v2", "setting": settings("db2.internal", None),
            "tags": {"env": "sandbox", "team": "web"}, "timeouts": {"create": "5m"}
        }),
    );
    let state = h.change(ENVIRONMENT, &state, &config, Action::Update).await;
    assert_eq!(attr(&state, "id"), id);
    let env =
        c.eb.describe_environments()
            .environment_ids(&id)
            .send()
            .await
            .unwrap()
            .environments()[0]
            .clone();
    assert_eq!(env.version_label(), Some("v2"));
    assert_eq!(env.solution_stack_name(), Some(NEWER_STACK));
    let live =
        c.eb.describe_configuration_settings()
            .application_name("koding")
            .environment_name("sandbox")
            .send()
            .await
            .unwrap();
    let mut options: Vec<_> = live.configuration_settings()[0]
        .option_settings()
        .iter()
        .map(|o| {
            (
                o.option_name().unwrap().to_string(),
                o.value().unwrap().to_string(),
            )
        })
        .collect();
    options.sort();
    assert_eq!(
        options,
        [pair("DATABASE_HOST", "db2.internal"), pair("MaxSize", "2")]
    );
    assert_eq!(
        tags_of(&c, &attr(&state, "arn")).await,
        [pair("env", "sandbox"), pair("team", "web")]
    );
    let state = h.assert_no_changes(ENVIRONMENT, &state, &config).await;

    // Import by id keeps the environment variables (not AWS's defaults).
    let imported = h.import(ENVIRONMENT, &id).await.expect("imported");
    let imported_settings = imported
        .get_attr("setting")
        .and_then(|s| s.as_list())
        .map(<[_]>::len);
    assert_eq!(imported_settings, Some(1), "{imported:?}");
    assert_eq!(attr(&imported, "version_label"), "v2");
    assert!(h.import(ENVIRONMENT, "e-nosuchenv0").await.is_none());

    // A Worker tier is a new environment.
    let config = h.config(
        ENVIRONMENT,
        json!({
            "name": "sandbox", "application": "koding", "solution_stack_name": NEWER_STACK,
            "version_label": "v2", "tier": "Worker", "setting": settings("db2.internal", None)
        }),
    );
    let state = h
        .change(ENVIRONMENT, &state, &config, Action::Replace)
        .await;
    let new_id = attr(&state, "id");
    assert_ne!(new_id, id);
    assert_eq!(attr(&state, "tier"), "Worker");
    assert_eq!(attr(&state, "cname"), "", "a worker has no CNAME");
    let statuses =
        c.eb.describe_environments()
            .environment_ids(&id)
            .environment_ids(&new_id)
            .send()
            .await
            .unwrap();
    for env in statuses.environments() {
        let expected = if env.environment_id() == Some(id.as_str()) {
            EnvironmentStatus::Terminated
        } else {
            EnvironmentStatus::Ready
        };
        assert_eq!(env.status(), Some(&expected), "{env:?}");
    }
    let state = h.assert_no_changes(ENVIRONMENT, &state, &config).await;

    h.destroy(ENVIRONMENT, &state).await;
    assert!(h.read(ENVIRONMENT, &state).await.is_none());
    let calls = h.api_calls();
    assert_eq!(
        calls.get("elasticbeanstalk:TerminateEnvironment"),
        Some(&2),
        "{calls:?}"
    );
}

#[tokio::test]
async fn refreshing_many_environments_describes_them_in_one_call() {
    use engine::provider::{Provider, ReadRequest};
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;
    c.eb.create_application()
        .application_name("many")
        .send()
        .await
        .unwrap();
    let mut states = Vec::new();
    for name in ["many-a", "many-b", "many-c"] {
        let config = h.config(
            ENVIRONMENT,
            json!({"name": name, "application": "many", "solution_stack_name": STACK}),
        );
        states.push(h.create(ENVIRONMENT, &config).await);
    }
    let before = h
        .api_calls()
        .get("elasticbeanstalk:DescribeEnvironments")
        .copied()
        .unwrap_or(0);
    let results = h
        .provider
        .read_many(
            states
                .iter()
                .map(|current| ReadRequest {
                    type_name: ENVIRONMENT,
                    current,
                    private: None,
                })
                .collect(),
        )
        .await;
    let after = h
        .api_calls()
        .get("elasticbeanstalk:DescribeEnvironments")
        .copied()
        .unwrap_or(0);
    assert_eq!(after - before, 1);
    for (result, state) in results.into_iter().zip(&states) {
        let refreshed = result.unwrap().new_state.expect("still there");
        assert_eq!(attr(&refreshed, "id"), attr(state, "id"));
    }
    for state in &states {
        h.destroy(ENVIRONMENT, state).await;
    }
}

#[tokio::test]
async fn an_environment_whose_create_was_interrupted_is_found_by_name() {
    // A create that timed out while waiting leaves the planned value, with
    // an unknown id, as the (tainted) state; refreshing it must find the
    // environment rather than forget it.
    use engine::provider::{Provider, ReadRequest};
    use engine::value::Value;
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;
    c.eb.create_application()
        .application_name("interrupted")
        .send()
        .await
        .unwrap();
    let config = h.config(
        ENVIRONMENT,
        json!({"name": "half-made", "application": "interrupted", "solution_stack_name": STACK}),
    );
    let (_, planned) = h.plan(ENVIRONMENT, None, &config);
    assert_eq!(planned.get_attr("id"), Some(&Value::Unknown));
    let created =
        c.eb.create_environment()
            .application_name("interrupted")
            .environment_name("half-made")
            .solution_stack_name(STACK)
            .send()
            .await
            .unwrap();
    let found = h.read(ENVIRONMENT, &planned).await.expect("found by name");
    assert_eq!(Some(attr(&found, "id").as_str()), created.environment_id());
    let many = h
        .provider
        .read_many(vec![ReadRequest {
            type_name: ENVIRONMENT,
            current: &planned,
            private: None,
        }])
        .await;
    let found = many.into_iter().next().unwrap().unwrap().new_state;
    assert!(found.is_some(), "read_many finds it by name too");
    h.destroy(ENVIRONMENT, &found.unwrap()).await;
}

const PLATFORM: &str =
    "arn:aws:elasticbeanstalk:us-east-1::platform/Python 3.11 running on 64bit Amazon Linux 2023/4.6.0";
const NEWER_PLATFORM: &str =
    "arn:aws:elasticbeanstalk:us-east-1::platform/Python 3.12 running on 64bit Amazon Linux 2023/4.7.0";

async fn names_of_resources(c: &Clients, id: &str) -> Vec<Vec<String>> {
    let out =
        c.eb.describe_environment_resources()
            .environment_id(id)
            .send()
            .await
            .unwrap();
    let r = out.environment_resources().unwrap();
    let names =
        |items: Vec<Option<&str>>| items.into_iter().flatten().map(str::to_string).collect();
    vec![
        names(r.auto_scaling_groups().iter().map(|g| g.name()).collect()),
        names(r.instances().iter().map(|i| i.id()).collect()),
        names(r.launch_configurations().iter().map(|l| l.name()).collect()),
        names(r.load_balancers().iter().map(|l| l.name()).collect()),
        names(r.queues().iter().map(|q| q.url()).collect()),
        names(r.triggers().iter().map(|t| t.name()).collect()),
    ]
}

fn strings(state: &engine::value::Value, name: &str) -> Vec<String> {
    state
        .get_attr(name)
        .and_then(|v| v.as_list())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The environment arguments of Terraform's documentation beyond the
/// solution stack: `platform_arn`, `cname_prefix`, `wait_for_ready_timeout`,
/// `poll_interval`, and the computed `all_settings` and resource lists.
///
/// What the emulator cannot check: environments are Ready at once there, so
/// how often `poll_interval` looks and how long `wait_for_ready_timeout`
/// waits are not observed (the plan checks and `wait_policy`'s unit tests
/// cover them); it has no saved configurations (CreateConfigurationTemplate),
/// so `template_name` is only planned and validated; and it reports only the
/// options the environment was given as its configuration, not AWS's
/// hundreds of defaults, so `all_settings` holds just those.
#[tokio::test]
async fn environment_terraform_arguments() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;
    c.eb.create_application()
        .application_name("site")
        .send()
        .await
        .unwrap();
    let setting = json!({"namespace": ENV_VARS, "name": "MODE", "value": "live"});
    let env_config = |platform: &str, prefix: &str, poll: &str| {
        h.config(
            ENVIRONMENT,
            json!({
                "name": "site-live", "application": "site", "platform_arn": platform,
                "cname_prefix": prefix, "wait_for_ready_timeout": "15m", "poll_interval": poll,
                "setting": [setting.clone()]
            }),
        )
    };
    let config = env_config(PLATFORM, "site-live-cdn", "20s");
    let state = h.create_and_find(ENVIRONMENT, &config).await;
    let id = attr(&state, "id");
    let env = &c
        .eb
        .describe_environments()
        .environment_ids(&id)
        .send()
        .await
        .unwrap()
        .environments()[0]
        .clone();
    assert_eq!(env.platform_arn(), Some(PLATFORM));
    let cname = env.cname().unwrap_or_default();
    assert!(cname.starts_with("site-live-cdn."), "{cname}");
    assert_eq!(attr(&state, "cname_prefix"), "site-live-cdn");
    assert_eq!(attr(&state, "platform_arn"), PLATFORM);
    assert_eq!(attr(&state, "wait_for_ready_timeout"), "15m");
    assert_eq!(attr(&state, "poll_interval"), "20s");
    let resources = names_of_resources(&c, &id).await;
    let lists = [
        "autoscaling_groups",
        "instances",
        "launch_configurations",
        "load_balancers",
        "queues",
        "triggers",
    ];
    let from_state: Vec<Vec<String>> = lists.iter().map(|l| strings(&state, l)).collect();
    assert_eq!(from_state, resources);
    assert!(
        !resources[0].is_empty() && !resources[3].is_empty(),
        "{resources:?}"
    );
    let all = state
        .get_attr("all_settings")
        .and_then(|s| s.as_list())
        .unwrap_or_default();
    assert!(
        all.iter()
            .any(|s| s.get_attr("name").and_then(|n| n.as_str()) == Some("MODE")),
        "{all:?}"
    );
    let state = h.assert_no_changes(ENVIRONMENT, &state, &config).await;

    // A new platform is an UpdateEnvironment in place.
    let config = env_config(NEWER_PLATFORM, "site-live-cdn", "20s");
    let state = h.change(ENVIRONMENT, &state, &config, Action::Update).await;
    let env = &c
        .eb
        .describe_environments()
        .environment_ids(&id)
        .send()
        .await
        .unwrap()
        .environments()[0]
        .clone();
    assert_eq!(env.platform_arn(), Some(NEWER_PLATFORM));
    assert_eq!(attr(&state, "id"), id);
    let state = h.assert_no_changes(ENVIRONMENT, &state, &config).await;

    // poll_interval only steers stack's waiting: an update, but no call.
    let updates = |h: &Harness| {
        h.api_calls()
            .get("elasticbeanstalk:UpdateEnvironment")
            .copied()
            .unwrap_or(0)
    };
    let before = updates(&h);
    let config = env_config(NEWER_PLATFORM, "site-live-cdn", "30s");
    let state = h.change(ENVIRONMENT, &state, &config, Action::Update).await;
    assert_eq!(updates(&h), before);
    assert_eq!(attr(&state, "poll_interval"), "30s");
    let state = h.assert_no_changes(ENVIRONMENT, &state, &config).await;

    // A new DNS prefix is a new environment.
    let config = env_config(NEWER_PLATFORM, "site-live-www", "30s");
    let state = h
        .change(ENVIRONMENT, &state, &config, Action::Replace)
        .await;
    let new_id = attr(&state, "id");
    assert_ne!(new_id, id);
    let env = &c
        .eb
        .describe_environments()
        .environment_ids(&new_id)
        .send()
        .await
        .unwrap()
        .environments()[0]
        .clone();
    assert!(
        env.cname()
            .unwrap_or_default()
            .starts_with("site-live-www."),
        "{env:?}"
    );
    let state = h.assert_no_changes(ENVIRONMENT, &state, &config).await;
    h.destroy(ENVIRONMENT, &state).await;
}

#[tokio::test]
async fn application_version_lifecycle_rules() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;
    let role = "arn:aws:iam::123456789012:role/beanstalk-service";
    let lifecycle_of = |c: &Clients| {
        let eb = c.eb.clone();
        async move {
            let out = eb
                .describe_applications()
                .application_names("kept")
                .send()
                .await
                .unwrap();
            out.applications()[0].resource_lifecycle_config().cloned()
        }
    };
    let config = h.config(
        APPLICATION,
        json!({"name": "kept", "appversion_lifecycle": {"service_role": role, "max_count": 128, "delete_source_from_s3": true}}),
    );
    let state = h.create_and_find(APPLICATION, &config).await;
    let live = lifecycle_of(&c).await.expect("a lifecycle");
    assert_eq!(live.service_role(), Some(role));
    let count = live
        .version_lifecycle_config()
        .unwrap()
        .max_count_rule()
        .unwrap();
    assert!(count.enabled());
    assert_eq!(count.max_count(), Some(128));
    assert_eq!(count.delete_source_from_s3(), Some(true));
    let state = h.assert_no_changes(APPLICATION, &state, &config).await;

    let config = h.config(
        APPLICATION,
        json!({"name": "kept", "appversion_lifecycle": {"service_role": role, "max_age_in_days": 30}}),
    );
    let state = h.change(APPLICATION, &state, &config, Action::Update).await;
    let live = lifecycle_of(&c).await.expect("a lifecycle");
    let rules = live.version_lifecycle_config().unwrap();
    assert!(!rules.max_count_rule().unwrap().enabled());
    assert!(rules.max_age_rule().unwrap().enabled());
    assert_eq!(rules.max_age_rule().unwrap().max_age_in_days(), Some(30));
    let state = h.assert_no_changes(APPLICATION, &state, &config).await;

    // Removing the block turns both rules off.
    let config = h.config(APPLICATION, json!({"name": "kept"}));
    let state = h.change(APPLICATION, &state, &config, Action::Update).await;
    let rules = lifecycle_of(&c)
        .await
        .expect("a lifecycle")
        .version_lifecycle_config()
        .cloned()
        .unwrap();
    assert!(!rules.max_count_rule().unwrap().enabled() && !rules.max_age_rule().unwrap().enabled());
    let state = h.assert_no_changes(APPLICATION, &state, &config).await;
    h.destroy(APPLICATION, &state).await;
}

#[tokio::test]
async fn application_version_process_tags_and_force_delete() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let c = clients(&emulator).await;
    upload(&c, "processed", &["v1.zip"]).await;
    c.eb.create_application()
        .application_name("proc")
        .send()
        .await
        .unwrap();
    let config = |force: bool, team: &str| {
        h.config(
            VERSION,
            json!({"application": "proc", "name": "v1", "bucket": "processed", "key": "v1.zip",
                   "process": true, "force_delete": force, "tags": {"team": team}}),
        )
    };
    let state = h.create_and_find(VERSION, &config(false, "web")).await;
    let described =
        c.eb.describe_application_versions()
            .application_name("proc")
            .send()
            .await
            .unwrap();
    let version = &described.application_versions()[0];
    assert_eq!(version.status().map(|s| s.as_str()), Some("Processed"));
    let arn = version.application_version_arn().unwrap().to_string();
    assert_eq!(tags_of(&c, &arn).await, [pair("team", "web")]);
    let state = h
        .assert_no_changes(VERSION, &state, &config(false, "web"))
        .await;

    let state = h
        .change(VERSION, &state, &config(false, "platform"), Action::Update)
        .await;
    assert_eq!(tags_of(&c, &arn).await, [pair("team", "platform")]);
    let state = h
        .assert_no_changes(VERSION, &state, &config(false, "platform"))
        .await;

    // An environment runs the version: without force_delete the delete is
    // refused before any call, naming the environment.
    c.eb.create_environment()
        .application_name("proc")
        .environment_name("proc-live")
        .solution_stack_name(STACK)
        .version_label("v1")
        .send()
        .await
        .unwrap();
    let deletes = |h: &Harness| {
        h.api_calls()
            .get("elasticbeanstalk:DeleteApplicationVersion")
            .copied()
            .unwrap_or(0)
    };
    let error = h
        .try_apply(VERSION, Some(&state), None, None, &h.operation_id(VERSION))
        .await
        .expect_err("refused");
    assert!(
        error.message.contains("proc-live") && error.message.contains("force_delete"),
        "{error:?}"
    );
    assert_eq!(deletes(&h), 0);

    // With force_delete the delete is sent (AWS itself still refuses a
    // version a running environment uses, as the emulator does).
    let state = h
        .change(VERSION, &state, &config(true, "platform"), Action::Update)
        .await;
    let sent = h
        .try_apply(VERSION, Some(&state), None, None, &h.operation_id(VERSION))
        .await;
    assert!(sent.is_err(), "{sent:?}");
    assert_eq!(deletes(&h), 1);
}
