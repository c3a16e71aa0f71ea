//! The arguments of the data stores (ElastiCache replication groups and
//! clusters, RDS DB instances, S3 buckets and objects) through the `stack`
//! binary against the emulator. Each step is checked through the AWS APIs,
//! not our state: created with the arguments Terraform documents, planned
//! again to "No changes.", changed in place, replaced for a force-new
//! argument, and destroyed.
//!
//! What the emulator (moto 5.2.5 with tests/emulator/) cannot show is said
//! where it is skipped; the schema still accepts those arguments and they
//! are sent (see the argument tables in providers/src/aws/elasticache/).

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use common::Stack;

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

const AUTH_TOKEN: &str = "correct-horse-battery-staple-1";

/// What changes between the steps: the group's description and snapshot
/// retention and the cluster's (in place), and the group's encryption at
/// rest (force-new). (One cluster: moto 5.2.5 makes one member whatever
/// num_cache_clusters says, so a group of two would never plan clean.)
struct Cache<'a> {
    description: &'a str,
    retention: u32,
    at_rest: bool,
}

fn cache_template(c: &Cache) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_elasticache_replication_group" "redis" {{
  replication_group_id        = "app-redis"
  description                 = "{description}"
  node_type                   = "cache.t3.micro"
  num_cache_clusters          = 1
  automatic_failover_enabled  = false
  multi_az_enabled            = false
  preferred_cache_cluster_azs = ["us-east-1a", "us-east-1b"]
  at_rest_encryption_enabled  = {at_rest}
  kms_key_id                  = "arn:aws:kms:us-east-1:123456789012:key/cache-key"
  transit_encryption_enabled  = true
  auth_token                  = "{AUTH_TOKEN}"
  snapshot_retention_limit    = {retention}
  snapshot_window             = "03:00-04:00"
  maintenance_window          = "sun:05:00-sun:06:00"
  cluster_mode                = "disabled"
  network_type                = "ipv4"
  ip_discovery                = "ipv4"
  apply_immediately           = true

  log_delivery_configuration {{
    destination      = "redis-slow-log"
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }}

  tags = {{
    Team = "cache"
  }}
}}

resource "aws_elasticache_cluster" "single" {{
  cluster_id                 = "app-single"
  engine                     = "redis"
  node_type                  = "cache.t3.micro"
  num_cache_nodes            = 1
  snapshot_retention_limit   = {retention}
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "mon:05:00-mon:06:00"
  auto_minor_version_upgrade = false
  availability_zone          = "us-east-1a"
  apply_immediately          = true
}}

resource "aws_elasticache_cluster" "memcached" {{
  cluster_id                   = "app-mc"
  engine                       = "memcached"
  node_type                    = "cache.t3.micro"
  num_cache_nodes              = 2
  az_mode                      = "cross-az"
  preferred_availability_zones = ["us-east-1a", "us-east-1b"]
}}

output "engine_version_actual" {{
  value = aws_elasticache_cluster.single.engine_version_actual
}}

output "configuration_endpoint" {{
  value = aws_elasticache_cluster.memcached.configuration_endpoint
}}
"#,
        description = c.description,
        at_rest = c.at_rest,
        retention = c.retention,
    )
}

/// What the ElastiCache API says of the group and the clusters.
#[derive(Debug)]
struct CacheCloud {
    group: aws_sdk_elasticache::types::ReplicationGroup,
    group_tags: Vec<(String, String)>,
    single: aws_sdk_elasticache::types::CacheCluster,
    memcached: aws_sdk_elasticache::types::CacheCluster,
}

fn cache_cloud(emulator: &Emulator) -> CacheCloud {
    block_on(async {
        let config = aws::sdk_config(emulator).await;
        let ec = aws_sdk_elasticache::Client::new(&config);
        let groups = ec
            .describe_replication_groups()
            .replication_group_id("app-redis")
            .send()
            .await
            .expect("DescribeReplicationGroups");
        let group = groups.replication_groups()[0].clone();
        let tags = ec
            .list_tags_for_resource()
            .resource_name(group.arn().expect("an ARN"))
            .send()
            .await
            .expect("ListTagsForResource");
        let cluster = |id: &'static str| {
            let ec = ec.clone();
            async move {
                ec.describe_cache_clusters()
                    .cache_cluster_id(id)
                    .show_cache_node_info(true)
                    .send()
                    .await
                    .expect("DescribeCacheClusters")
                    .cache_clusters()[0]
                    .clone()
            }
        };
        CacheCloud {
            group,
            group_tags: tags
                .tag_list()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            single: cluster("app-single").await,
            memcached: cluster("app-mc").await,
        }
    })
}

fn group_ids(emulator: &Emulator) -> Vec<String> {
    block_on(async {
        let config = aws::sdk_config(emulator).await;
        let ec = aws_sdk_elasticache::Client::new(&config);
        let groups = ec
            .describe_replication_groups()
            .send()
            .await
            .expect("DescribeReplicationGroups");
        groups
            .replication_groups()
            .iter()
            .filter(|g| g.status() != Some("deleting"))
            .filter_map(|g| g.replication_group_id().map(str::to_string))
            .collect()
    })
}

#[test]
fn cache_arguments_reach_elasticache_and_plan_clean_update_and_replace() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let mut cache = Cache {
        description: "sessions",
        retention: 5,
        at_rest: true,
    };
    let stack = Stack::with_main(&cache_template(&cache));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 3 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    assert!(!apply.both().contains(AUTH_TOKEN), "{}", apply.both());
    let c = cache_cloud(&emulator);
    let g = &c.group;
    assert_eq!(g.description(), Some("sessions"));
    assert_eq!(g.cache_node_type(), Some("cache.t3.micro"));
    assert_eq!(g.member_clusters().len(), 1);
    assert_eq!(g.at_rest_encryption_enabled(), Some(true));
    assert_eq!(
        g.kms_key_id(),
        Some("arn:aws:kms:us-east-1:123456789012:key/cache-key")
    );
    assert_eq!(g.transit_encryption_enabled(), Some(true));
    assert_eq!(g.auth_token_enabled(), Some(true));
    assert_eq!(g.snapshot_retention_limit(), Some(5));
    assert_eq!(g.snapshot_window(), Some("03:00-04:00"));
    assert_eq!(g.multi_az().map(|m| m.as_str()), Some("disabled"));
    assert_eq!(g.automatic_failover().map(|f| f.as_str()), Some("disabled"));
    assert_eq!(g.cluster_mode().map(|m| m.as_str()), Some("disabled"));
    assert_eq!(g.network_type().map(|t| t.as_str()), Some("ipv4"));
    assert_eq!(g.ip_discovery().map(|d| d.as_str()), Some("ipv4"));
    let logs = g.log_delivery_configurations();
    assert_eq!(logs.len(), 1, "{g:?}");
    assert_eq!(logs[0].log_type().map(|t| t.as_str()), Some("slow-log"));
    assert_eq!(
        logs[0]
            .destination_details()
            .and_then(|d| d.cloud_watch_logs_details())
            .and_then(|l| l.log_group()),
        Some("redis-slow-log")
    );
    assert!(c.group_tags.contains(&("Team".into(), "cache".into())));
    // Not checked: preferred_cache_cluster_azs and maintenance_window land
    // on the member clusters, which moto never creates, and
    // ReplicationGroup replies carry neither.
    let single = &c.single;
    assert_eq!(single.snapshot_retention_limit(), Some(5));
    assert_eq!(single.snapshot_window(), Some("02:00-03:00"));
    assert_eq!(
        single.preferred_maintenance_window(),
        Some("mon:05:00-mon:06:00")
    );
    assert_eq!(single.auto_minor_version_upgrade(), Some(false));
    assert_eq!(single.preferred_availability_zone(), Some("us-east-1a"));
    let memcached = &c.memcached;
    assert_eq!(memcached.num_cache_nodes(), Some(2));
    assert!(memcached.configuration_endpoint().is_some());
    // Not checked: az_mode and preferred_availability_zones, which moto
    // stores but does not place nodes by.
    assert!(
        stack
            .output("engine_version_actual")
            .as_str()
            .is_some_and(|v| v.starts_with('7')),
        "{:?}",
        stack.output("engine_version_actual")
    );
    assert!(
        stack
            .output("configuration_endpoint")
            .as_str()
            .is_some_and(|e| e.ends_with(":11211")),
        "{:?}",
        stack.output("configuration_endpoint")
    );
    let state = std::fs::read_to_string(stack.path().join(".stack/default.state.json"))
        .expect("state file");
    assert!(
        !state.contains(AUTH_TOKEN),
        "the auth token is in clear in state"
    );

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // In place: the description and the snapshot retention.
    cache.description = "user sessions";
    cache.retention = 7;
    stack.write("main.tf", &cache_template(&cache));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 2 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let c = cache_cloud(&emulator);
    assert_eq!(c.group.description(), Some("user sessions"));
    assert_eq!(c.group.snapshot_retention_limit(), Some(7));
    assert_eq!(c.single.snapshot_retention_limit(), Some(7));
    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());

    // Encryption at rest cannot change: the group is replaced.
    cache.at_rest = false;
    stack.write("main.tf", &cache_template(&cache));
    let plan = run(&stack, &["plan"], &env);
    assert!(
        plan.stdout
            .contains("(`at_rest_encryption_enabled` cannot be changed in place)"),
        "{}",
        plan.both()
    );
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    let c = cache_cloud(&emulator);
    assert_eq!(c.group.at_rest_encryption_enabled(), Some(false));

    // The single cluster imports with every argument AWS reports.
    let rm = run(
        &stack,
        &["state", "rm", "aws_elasticache_cluster.single"],
        &env,
    );
    assert_eq!(rm.code, 0, "{}", rm.both());
    let import = run(
        &stack,
        &["import", "aws_elasticache_cluster.single", "app-single"],
        &env,
    );
    assert_eq!(import.code, 0, "{}", import.both());
    let after_import = run(&stack, &["plan", "--detailed-exitcode"], &env);
    // apply_immediately is never reported: the import leaves it false and
    // the configuration says true, an in-place change of nothing remote.
    assert!(
        after_import.stdout.contains("apply_immediately")
            && after_import.stdout.contains("1 to change"),
        "{}",
        after_import.both()
    );

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 3 destroyed."),
        "{}",
        destroy.both()
    );
    assert!(group_ids(&emulator).is_empty());
}

const DB_PASSWORD: &str = "correct-horse-battery";

/// The DB instance and its read replica: `retention` and `window` change
/// in place, the replica's `zone` replaces it. (Not used:
/// enabled_cloudwatch_logs_exports, which moto 5.2.5 stores but never
/// reports, so it could not plan clean.)
fn db_template(retention: u32, window: &str, zone: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_db_instance" "db" {{
  identifier_prefix               = "orders-"
  engine                          = "postgres"
  engine_version                  = "16.3"
  instance_class                  = "db.t3.micro"
  allocated_storage               = 20
  storage_type                    = "gp3"
  storage_throughput              = 125
  username                        = "app"
  password                        = "{DB_PASSWORD}"
  backup_retention_period         = {retention}
  backup_window                   = "03:00-04:00"
  maintenance_window              = "{window}"
  copy_tags_to_snapshot           = true
  ca_cert_identifier              = "rds-ca-rsa2048-g1"
  network_type                    = "IPV4"
  monitoring_interval             = 0
  skip_final_snapshot             = true
  delete_automated_backups        = true
  apply_immediately               = true

  tags = {{
    Team = "data"
  }}
}}

resource "aws_db_instance" "replica" {{
  identifier          = "orders-replica"
  replicate_source_db = aws_db_instance.db.identifier
  instance_class      = "db.t3.micro"
  availability_zone   = "{zone}"
  skip_final_snapshot = true
  apply_immediately   = true
}}

output "engine_version_actual" {{
  value = aws_db_instance.db.engine_version_actual
}}
"#
    )
}

fn db_instances(emulator: &Emulator) -> Vec<aws_sdk_rds::types::DbInstance> {
    block_on(async {
        let config = aws::sdk_config(emulator).await;
        let rds = aws_sdk_rds::Client::new(&config);
        let mut dbs = rds
            .describe_db_instances()
            .send()
            .await
            .expect("DescribeDBInstances")
            .db_instances()
            .to_vec();
        dbs.sort_by(|a, b| a.db_instance_identifier().cmp(&b.db_instance_identifier()));
        dbs
    })
}

fn primary(dbs: &[aws_sdk_rds::types::DbInstance]) -> &aws_sdk_rds::types::DbInstance {
    dbs.iter()
        .find(|d| {
            d.db_instance_identifier()
                .is_some_and(|id| id.starts_with("orders-") && id != "orders-replica")
        })
        .expect("the primary")
}

fn replica(dbs: &[aws_sdk_rds::types::DbInstance]) -> &aws_sdk_rds::types::DbInstance {
    dbs.iter()
        .find(|d| d.db_instance_identifier() == Some("orders-replica"))
        .expect("the replica")
}

#[test]
fn db_instance_arguments_reach_rds_and_plan_clean_update_and_replace() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&db_template(7, "sun:05:00-sun:06:00", "us-east-1a"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    assert!(!apply.both().contains(DB_PASSWORD), "{}", apply.both());
    let dbs = db_instances(&emulator);
    let db = primary(&dbs);
    let id = db.db_instance_identifier().unwrap().to_string();
    assert!(id.starts_with("orders-"), "{id}");
    assert_eq!(db.engine(), Some("postgres"));
    assert_eq!(db.allocated_storage(), Some(20));
    assert_eq!(db.storage_type(), Some("gp3"));
    assert_eq!(db.storage_throughput(), Some(125));
    assert_eq!(db.backup_retention_period(), Some(7));
    assert_eq!(db.preferred_backup_window(), Some("03:00-04:00"));
    assert_eq!(
        db.preferred_maintenance_window(),
        Some("sun:05:00-sun:06:00")
    );
    assert_eq!(db.copy_tags_to_snapshot(), Some(true));
    assert_eq!(db.ca_certificate_identifier(), Some("rds-ca-rsa2048-g1"));
    assert!(db
        .tag_list()
        .iter()
        .any(|t| t.key() == Some("Team") && t.value() == Some("data")));
    // Not checked: network_type, which moto 5.2.5 does not report.
    let r = replica(&dbs);
    assert_eq!(
        r.read_replica_source_db_instance_identifier(),
        Some(id.as_str())
    );
    assert_eq!(r.availability_zone(), Some("us-east-1a"));
    assert_eq!(stack.output("engine_version_actual").as_str(), Some("16.3"));
    let state = std::fs::read_to_string(stack.path().join(".stack/default.state.json"))
        .expect("state file");
    assert!(
        !state.contains(DB_PASSWORD),
        "the password is in clear in state"
    );

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // In place: the retention and the maintenance window.
    stack.write(
        "main.tf",
        &db_template(14, "mon:05:00-mon:06:00", "us-east-1a"),
    );
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 1 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let dbs = db_instances(&emulator);
    let db = primary(&dbs);
    assert_eq!(db.db_instance_identifier(), Some(id.as_str()));
    assert_eq!(db.backup_retention_period(), Some(14));
    assert_eq!(
        db.preferred_maintenance_window(),
        Some("mon:05:00-mon:06:00")
    );
    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());

    // The replica's availability zone cannot change: it is replaced.
    stack.write(
        "main.tf",
        &db_template(14, "mon:05:00-mon:06:00", "us-east-1b"),
    );
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    assert_eq!(
        replica(&db_instances(&emulator)).availability_zone(),
        Some("us-east-1b")
    );

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 2 destroyed."),
        "{}",
        destroy.both()
    );
    assert!(db_instances(&emulator).is_empty());
}

/// A bucket named from a prefix and an object with every PutObject
/// setting; `cache` changes in place, `key` replaces the object.
fn object_template(cache: &str, key: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_s3_bucket" "site" {{
  bucket_prefix = "site-"
  force_destroy = true
}}

resource "aws_s3_object" "page" {{
  bucket                 = aws_s3_bucket.site.id
  key                    = "{key}"
  content_base64         = "PGgxPmhlbGxvPC9oMT4="
  content_type           = "text/html"
  cache_control          = "{cache}"
  content_disposition    = "inline"
  content_encoding       = "identity"
  content_language       = "en-GB"
  metadata               = {{ owner = "web" }}
  storage_class          = "STANDARD_IA"
  server_side_encryption = "AES256"
  website_redirect       = "/other.html"
  acl                    = "private"
  source_hash            = "v1"

  tags = {{
    Team = "web"
  }}
}}

output "bucket" {{
  value = aws_s3_bucket.site.id
}}

output "regional" {{
  value = aws_s3_bucket.site.bucket_regional_domain_name
}}
"#
    )
}

fn head(
    emulator: &Emulator,
    bucket: &str,
    key: &str,
) -> Option<aws_sdk_s3::operation::head_object::HeadObjectOutput> {
    block_on(async {
        let config = aws::sdk_config(emulator).await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.head_object().bucket(bucket).key(key).send().await.ok()
    })
}

#[test]
fn s3_object_arguments_reach_s3_and_plan_clean_update_and_replace() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&object_template("max-age=60", "index.html"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    let bucket = stack
        .output("bucket")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(bucket.starts_with("site-"), "{bucket}");
    assert_eq!(
        stack.output("regional").as_str(),
        Some(format!("{bucket}.s3.us-east-1.amazonaws.com").as_str())
    );
    let h = head(&emulator, &bucket, "index.html").expect("the object");
    assert_eq!(h.content_type(), Some("text/html"));
    assert_eq!(h.cache_control(), Some("max-age=60"));
    assert_eq!(h.content_disposition(), Some("inline"));
    assert_eq!(h.content_encoding(), Some("identity"));
    assert_eq!(h.content_language(), Some("en-GB"));
    assert_eq!(h.content_length(), Some(14), "the decoded body");
    assert_eq!(
        h.metadata()
            .and_then(|m| m.get("owner"))
            .map(String::as_str),
        Some("web")
    );
    assert_eq!(h.storage_class().map(|s| s.as_str()), Some("STANDARD_IA"));
    assert_eq!(
        h.server_side_encryption().map(|e| e.as_str()),
        Some("AES256")
    );
    assert_eq!(h.website_redirect_location(), Some("/other.html"));
    // Not checked: the object lock settings, which need a bucket made with
    // object lock; the ACL, which HeadObject does not report.

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    stack.write("main.tf", &object_template("max-age=3600", "index.html"));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 1 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let h = head(&emulator, &bucket, "index.html").expect("the object");
    assert_eq!(h.cache_control(), Some("max-age=3600"));
    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());

    stack.write("main.tf", &object_template("max-age=3600", "home.html"));
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    assert!(head(&emulator, &bucket, "index.html").is_none());
    assert!(head(&emulator, &bucket, "home.html").is_some());

    // The object imports by BUCKET/KEY with what S3 reports.
    let rm = run(&stack, &["state", "rm", "aws_s3_object.page"], &env);
    assert_eq!(rm.code, 0, "{}", rm.both());
    let import_id = format!("{bucket}/home.html");
    let import = run(&stack, &["import", "aws_s3_object.page", &import_id], &env);
    assert_eq!(import.code, 0, "{}", import.both());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 2 destroyed."),
        "{}",
        destroy.both()
    );
}
