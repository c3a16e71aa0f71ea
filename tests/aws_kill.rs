//! Kill tests: `stack apply` and `stack destroy` of `examples/web-platform`
//! (17 AWS resources) against the emulator, killed at many points — by the
//! test hooks that abort the process after the Nth durable journal write
//! (`STACK_TEST_ABORT_AFTER_RECORDS`) or after the Nth answered AWS call
//! (`STACK_TEST_ABORT_AFTER_CALLS`), both as abrupt as SIGKILL, and by
//! SIGKILL at random times — each followed by the same command again, as a
//! user would run it. Afterwards the cloud is inventoried through the AWS
//! API (never our state): every declared object exists exactly once and
//! nothing else exists, or, after destroy, nothing at all.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use aws::Emulator;
use common::Stack;

/// What `examples/web-platform` declares, by kind of object.
const DECLARED: [(&str, usize); 12] = [
    ("vpc", 1),
    ("subnet", 2),
    ("security group", 2),
    ("key pair", 1),
    ("instance", 3),
    ("db subnet group", 1),
    ("db instance", 1),
    ("cache subnet group", 1),
    ("cache cluster", 1),
    ("bucket", 1),
    ("object", 2),
    ("distribution", 1),
];

struct Harness {
    emulator: Emulator,
    stack: Stack,
    env: Vec<(&'static str, String)>,
    runtime: tokio::runtime::Runtime,
}

impl Harness {
    fn new() -> Harness {
        let emulator = Emulator::start();
        let stack = Stack::new();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web-platform");
        common::copy_case(&example, stack.path());
        let env = vec![
            ("AWS_ENDPOINT_URL", emulator.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("STACK_VAR_db_password", "correct-horse-battery".to_string()),
            // A short attempt timeout keeps the wait short when a re-run
            // finds an unfinished create missing: it looks again once a
            // request of the killed run could no longer land.
            ("STACK_AWS_ATTEMPT_TIMEOUT", "4s".to_string()),
        ];
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Harness {
            emulator,
            stack,
            env,
            runtime,
        }
    }

    fn run(&self, args: &[&str], hook: Option<(&str, String)>) -> common::Run {
        let mut env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if let Some((name, value)) = &hook {
            env.push((name, value.as_str()));
        }
        self.stack.run_with(args, &env)
    }

    /// Runs `command` killed by a hook, then runs it again to completion.
    fn killed_then_finished(&self, command: &[&str], hook: (&str, String)) {
        let label = format!("{command:?} with {}={}", hook.0, hook.1);
        let killed = self.run(command, Some(hook));
        assert!(
            !killed.stderr.contains("panicked"),
            "{label} panicked:\n{}",
            killed.both()
        );
        self.finish(command, &label);
    }

    /// Runs `command` to completion, as a user would after a crash: the
    /// lock the killed run left is taken over (its process is gone).
    fn finish(&self, command: &[&str], label: &str) {
        let left_locked = lock_id(&self.stack).is_some();
        let again = self.run(command, None);
        if left_locked {
            assert!(
                again.stderr.contains("took over the state lock"),
                "{}",
                again.stderr
            );
        }
        assert_eq!(
            again.code,
            0,
            "{command:?} after a kill ({label}) failed:\n{}",
            again.both()
        );
        assert!(!again.both().contains("correct-horse-battery"));
    }

    fn inventory(&self) -> BTreeMap<&'static str, Vec<String>> {
        self.runtime.block_on(inventory(&self.emulator))
    }

    fn assert_declared_once(&self, after: &str) {
        let found = self.inventory();
        for (kind, count) in DECLARED {
            assert_eq!(
                found[kind].len(),
                count,
                "after {after}: {kind}s in the cloud: {:?}",
                found[kind]
            );
        }
    }

    fn assert_nothing_left(&self, after: &str) {
        let found = self.inventory();
        for (kind, names) in &found {
            assert!(names.is_empty(), "after {after}: {kind}s left: {names:?}");
        }
        let list = self.run(&["state", "list"], None);
        assert_eq!(
            list.stdout.trim(),
            "",
            "after {after}: state still lists objects"
        );
    }
}

fn lock_id(stack: &Stack) -> Option<String> {
    let text = std::fs::read_to_string(stack.path().join(".stack/default.lock")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["id"].as_str().map(str::to_string)
}

const APPLY: &[&str] = &["apply", "--auto-approve"];
const DESTROY: &[&str] = &["destroy", "--auto-approve"];

#[test]
fn apply_and_destroy_killed_at_many_points_never_lose_or_duplicate_anything() {
    let h = Harness::new();
    // Kill points spread over the whole run: journal writes (before a
    // create's call, after its result) and answered API calls (after a
    // create took effect, before its result is recorded).
    let mut points: Vec<(&str, u32)> = (1..=24)
        .step_by(2)
        .map(|n| ("STACK_TEST_ABORT_AFTER_RECORDS", n))
        .collect();
    points
        .extend([3, 6, 9, 12, 16, 20, 25, 30, 36, 42].map(|n| ("STACK_TEST_ABORT_AFTER_CALLS", n)));
    assert!(points.len() >= 20);
    for (i, (hook, n)) in points.iter().enumerate() {
        h.killed_then_finished(APPLY, (hook, n.to_string()));
        h.assert_declared_once(&format!("apply killed by {hook}={n}"));
        // Destroy is killed at a different point of its own run each time.
        let (destroy_hook, m) = points[(i * 7 + 3) % points.len()];
        let m = (m / 2).max(1);
        h.killed_then_finished(DESTROY, (destroy_hook, m.to_string()));
        h.assert_nothing_left(&format!("destroy killed by {destroy_hook}={m}"));
    }
}

#[test]
fn apply_killed_at_random_times_converges() {
    let h = Harness::new();
    for round in 0..4 {
        let delay = Duration::from_millis(100 + random_below(900));
        let mut child = h.stack.command(APPLY);
        for (k, v) in &h.env {
            child.env(k, v);
        }
        let mut child = child
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn stack");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let label = format!("apply killed after {delay:?} (round {round})");
        h.finish(APPLY, &label);
        h.assert_declared_once(&label);
        h.finish(DESTROY, &label);
        h.assert_nothing_left(&label);
    }
}

/// A random number below `bound`, from the standard library's hasher seed
/// (a random source without another dependency for one call).
fn random_below(bound: u64) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(0u8) % bound
}

/// Everything the account holds that the example could have made, by kind,
/// read through the AWS API. Defaults the emulator starts with (the default
/// VPC, its subnets and security groups, default subnet groups) are left out.
async fn inventory(emulator: &Emulator) -> BTreeMap<&'static str, Vec<String>> {
    let config = aws::sdk_config(emulator).await;
    let mut found = BTreeMap::new();
    ec2_inventory(&aws_sdk_ec2::Client::new(&config), &mut found).await;
    let rds = aws_sdk_rds::Client::new(&config);
    let groups = rds
        .describe_db_subnet_groups()
        .send()
        .await
        .expect("DescribeDBSubnetGroups");
    found.insert(
        "db subnet group",
        groups
            .db_subnet_groups()
            .iter()
            .filter_map(|g| g.db_subnet_group_name().map(str::to_string))
            .filter(|n| n != "default")
            .collect(),
    );
    let dbs = rds
        .describe_db_instances()
        .send()
        .await
        .expect("DescribeDBInstances");
    found.insert(
        "db instance",
        dbs.db_instances()
            .iter()
            .filter_map(|d| d.db_instance_identifier().map(str::to_string))
            .collect(),
    );
    cache_inventory(&aws_sdk_elasticache::Client::new(&config), &mut found).await;
    // Path-style addressing: the emulator has no per-bucket host names.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3_inventory(&s3, &mut found).await;
    let cloudfront = aws_sdk_cloudfront::Client::new(&config);
    let list = cloudfront
        .list_distributions()
        .send()
        .await
        .expect("ListDistributions");
    found.insert(
        "distribution",
        list.distribution_list()
            .map(|l| l.items().iter().map(|d| d.id().to_string()).collect())
            .unwrap_or_default(),
    );
    found
}

async fn ec2_inventory(ec2: &aws_sdk_ec2::Client, found: &mut BTreeMap<&'static str, Vec<String>>) {
    let vpcs = ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    let custom: Vec<String> = vpcs
        .vpcs()
        .iter()
        .filter(|v| v.is_default() != Some(true))
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    let subnets = ec2
        .describe_subnets()
        .send()
        .await
        .expect("DescribeSubnets");
    found.insert(
        "subnet",
        subnets
            .subnets()
            .iter()
            .filter(|s| s.vpc_id().is_some_and(|v| custom.iter().any(|c| c == v)))
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect(),
    );
    let groups = ec2
        .describe_security_groups()
        .send()
        .await
        .expect("DescribeSecurityGroups");
    found.insert(
        "security group",
        groups
            .security_groups()
            .iter()
            .filter(|g| g.group_name() != Some("default"))
            .filter_map(|g| g.group_name().map(str::to_string))
            .collect(),
    );
    found.insert("vpc", custom);
    let keys = ec2
        .describe_key_pairs()
        .send()
        .await
        .expect("DescribeKeyPairs");
    found.insert(
        "key pair",
        keys.key_pairs()
            .iter()
            .filter_map(|k| k.key_name().map(str::to_string))
            .collect(),
    );
    let reservations = ec2
        .describe_instances()
        .send()
        .await
        .expect("DescribeInstances");
    found.insert(
        "instance",
        reservations
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .filter(|i| {
                !matches!(
                    i.state().and_then(|s| s.name()).map(|n| n.as_str()),
                    Some("terminated" | "shutting-down")
                )
            })
            .filter_map(|i| i.instance_id().map(str::to_string))
            .collect(),
    );
}

async fn cache_inventory(
    elasticache: &aws_sdk_elasticache::Client,
    found: &mut BTreeMap<&'static str, Vec<String>>,
) {
    let groups = elasticache
        .describe_cache_subnet_groups()
        .send()
        .await
        .expect("DescribeCacheSubnetGroups");
    found.insert(
        "cache subnet group",
        groups
            .cache_subnet_groups()
            .iter()
            .filter_map(|g| g.cache_subnet_group_name().map(str::to_string))
            .filter(|n| n != "default")
            .collect(),
    );
    let clusters = elasticache
        .describe_cache_clusters()
        .send()
        .await
        .expect("DescribeCacheClusters");
    found.insert(
        "cache cluster",
        clusters
            .cache_clusters()
            .iter()
            .filter_map(|c| c.cache_cluster_id().map(str::to_string))
            .collect(),
    );
}

async fn s3_inventory(s3: &aws_sdk_s3::Client, found: &mut BTreeMap<&'static str, Vec<String>>) {
    let buckets = s3.list_buckets().send().await.expect("ListBuckets");
    let names: Vec<String> = buckets
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_string))
        .collect();
    let mut objects = Vec::new();
    for bucket in &names {
        let listed = s3
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .expect("ListObjectsV2");
        objects.extend(
            listed
                .contents()
                .iter()
                .filter_map(|o| o.key().map(|k| format!("{bucket}/{k}"))),
        );
    }
    found.insert("bucket", names);
    found.insert("object", objects);
}
