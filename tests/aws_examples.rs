//! The AWS examples (`examples/kaha`, `classroom7`, `cdn-web`, `koding`)
//! apply, re-plan to "No changes." and destroy cleanly against the AWS
//! emulator, driven through the real `stack` binary with the standard AWS
//! environment variables, and the cloud is checked through the AWS API.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::path::Path;

use aws::Emulator;
use common::Stack;

/// The environment a user would set to point stack at the emulator.
fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("STACK_VAR_db_password", "correct-horse-battery".to_string()),
    ]
}

fn example(name: &str) -> Stack {
    let stack = Stack::new();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    common::copy_case(&from, stack.path());
    stack
}

/// apply → plan shows no changes → destroy, in one workspace.
fn round_trip(stack: &Stack, emulator: &Emulator, workspace: &str) {
    let env = env(emulator);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ws = ["--workspace", workspace];
    let apply = stack.run_with(&[&ws[..], &["apply", "--auto-approve"]].concat(), &env);
    assert_eq!(apply.code, 0, "apply failed:\n{}", apply.both());
    assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
    assert!(
        !apply.both().contains("correct-horse-battery"),
        "the database password leaked:\n{}",
        apply.both()
    );
    let plan = stack.run_with(&[&ws[..], &["plan", "--detailed-exitcode"]].concat(), &env);
    assert_eq!(
        plan.code,
        0,
        "a plan right after apply must show no changes:\n{}",
        plan.both()
    );
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    let state =
        std::fs::read_to_string(stack.path().join(format!(".stack/{workspace}.state.json")))
            .expect("state file");
    assert!(
        !state.contains("correct-horse-battery"),
        "the database password is in the state file in clear"
    );
    let destroy = stack.run_with(&[&ws[..], &["destroy", "--auto-approve"]].concat(), &env);
    assert_eq!(destroy.code, 0, "destroy failed:\n{}", destroy.both());
    let list = stack.run_with(&[&ws[..], &["state", "list"]].concat(), &env);
    assert_eq!(
        list.stdout.trim(),
        "",
        "state after destroy:\n{}",
        list.stdout
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Instances that are not terminated, as the EC2 API reports them.
fn live_instances(emulator: &Emulator) -> usize {
    runtime().block_on(async {
        let config = aws::sdk_config(emulator).await;
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let out = ec2
            .describe_instances()
            .send()
            .await
            .expect("DescribeInstances");
        out.reservations()
            .iter()
            .flat_map(|r| r.instances())
            .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
            .count()
    })
}

fn db_instances(emulator: &Emulator) -> usize {
    runtime().block_on(async {
        let config = aws::sdk_config(emulator).await;
        let rds = aws_sdk_rds::Client::new(&config);
        rds.describe_db_instances()
            .send()
            .await
            .expect("DescribeDBInstances")
            .db_instances()
            .len()
    })
}

#[test]
fn kaha_stage_applies_and_destroys_cleanly() {
    let emulator = Emulator::start();
    let stack = example("kaha");
    round_trip(&stack, &emulator, "stage");
    assert_eq!(live_instances(&emulator), 0, "the machine is terminated");
}

#[test]
fn classroom7_applies_and_destroys_cleanly() {
    let emulator = Emulator::start();
    let stack = example("classroom7");
    round_trip(&stack, &emulator, "default");
    assert_eq!(live_instances(&emulator), 0);
    assert_eq!(db_instances(&emulator), 0, "the database is deleted");
}

#[test]
fn cdn_web_staging_applies_and_destroys_cleanly() {
    let emulator = Emulator::start();
    let stack = example("cdn-web");
    round_trip(&stack, &emulator, "staging");
    assert_eq!(live_instances(&emulator), 0);
    assert_eq!(db_instances(&emulator), 0);
    let (db_groups, cache_groups, controls) = runtime().block_on(async {
        let config = aws::sdk_config(&emulator).await;
        let rds = aws_sdk_rds::Client::new(&config);
        let ec = aws_sdk_elasticache::Client::new(&config);
        let cf = aws_sdk_cloudfront::Client::new(&config);
        let db = rds
            .describe_db_parameter_groups()
            .send()
            .await
            .expect("DescribeDBParameterGroups");
        let cache = ec
            .describe_cache_parameter_groups()
            .send()
            .await
            .expect("DescribeCacheParameterGroups");
        let oac = cf
            .list_origin_access_controls()
            .send()
            .await
            .expect("ListOriginAccessControls");
        // Other tests of this binary may share the emulator: only this
        // workspace's objects count.
        let ours = |name: Option<&str>| name.is_some_and(|n| n.starts_with("cdn-web-staging"));
        (
            db.db_parameter_groups()
                .iter()
                .filter(|g| ours(g.db_parameter_group_name()))
                .count(),
            cache
                .cache_parameter_groups()
                .iter()
                .filter(|g| ours(g.cache_parameter_group_name()))
                .count(),
            oac.origin_access_control_list()
                .map(|l| l.items().iter().filter(|i| ours(Some(i.name()))).count())
                .unwrap_or(0),
        )
    });
    assert_eq!(db_groups, 0, "the DB parameter group is deleted");
    assert_eq!(cache_groups, 0, "the cache parameter group is deleted");
    assert_eq!(controls, 0, "the origin access control is deleted");
}

/// The cdn-web example's database, cache and bucket carry what the example
/// configures, as the AWS APIs report it.
#[test]
fn cdn_web_wires_parameter_groups_and_the_bucket_policy() {
    let emulator = Emulator::start();
    let stack = example("cdn-web");
    let env = env(&emulator);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The production workspace, so that the staging round trip can share
    // the emulator.
    let apply = stack.run_with(
        &["--workspace", "production", "apply", "--auto-approve"],
        &env,
    );
    assert_eq!(apply.code, 0, "{}", apply.both());
    let (db_group, cache_group, policy) = runtime().block_on(async {
        let config = aws::sdk_config(&emulator).await;
        let rds = aws_sdk_rds::Client::new(&config);
        let ec = aws_sdk_elasticache::Client::new(&config);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let db = rds
            .describe_db_instances()
            .db_instance_identifier("cdn-web-production")
            .send()
            .await
            .expect("DescribeDBInstances");
        let db_group = db.db_instances()[0].db_parameter_groups()[0]
            .db_parameter_group_name()
            .map(str::to_string);
        let cache = ec
            .describe_cache_clusters()
            .cache_cluster_id("cdn-web-production")
            .send()
            .await
            .expect("DescribeCacheClusters");
        let cache_group = cache.cache_clusters()[0]
            .cache_parameter_group()
            .and_then(|g| g.cache_parameter_group_name())
            .map(str::to_string);
        let policy = s3
            .get_bucket_policy()
            .bucket("cdn-web-production-assets")
            .send()
            .await
            .expect("GetBucketPolicy");
        (
            db_group,
            cache_group,
            policy.policy().unwrap_or_default().to_string(),
        )
    });
    assert_eq!(db_group.as_deref(), Some("cdn-web-production"));
    assert_eq!(cache_group.as_deref(), Some("cdn-web-production"));
    assert!(policy.contains("cloudfront.amazonaws.com"), "{policy}");
    assert!(policy.contains(":distribution/"), "{policy}");
    let destroy = stack.run_with(
        &["--workspace", "production", "destroy", "--auto-approve"],
        &env,
    );
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

#[test]
fn koding_sandbox_applies_and_destroys_cleanly() {
    let emulator = Emulator::start();
    let stack = example("koding");
    round_trip(&stack, &emulator, "sandbox");
    assert_eq!(live_instances(&emulator), 0);
    assert_eq!(db_instances(&emulator), 0);
}

#[test]
fn the_cloud_holds_what_the_state_says_after_apply() {
    let emulator = Emulator::start();
    let stack = example("classroom7");
    let env = env(&emulator);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let apply = stack.run_with(&["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert_eq!(live_instances(&emulator), 1, "one machine runs");
    assert_eq!(db_instances(&emulator), 1, "one database exists");
    let show = stack.run_with(&["state", "show", "aws_db_instance.db"], &env);
    assert!(show.stdout.contains("(sensitive value)"), "{}", show.stdout);
    let destroy = stack.run_with(&["destroy", "--auto-approve"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}
