//! RDS and ElastiCache parameter groups through the `stack` binary against
//! the emulator. Each step is checked through the RDS and ElastiCache APIs,
//! not our state: created with their parameters and tags, planned again to
//! "No changes." (refreshing two DB groups costs one listing), parameters
//! changed, added and reset in place, a new family replacing the group,
//! imported by name and destroyed.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::collections::BTreeMap;

use aws::Emulator;
use common::Stack;

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

/// `db_params` are the DB group's extra `parameter` blocks, `team` its tag,
/// `policy` the cache group's eviction policy and `family` its family (a
/// new one replaces it).
fn template(db_params: &str, team: &str, policy: &str, family: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_db_parameter_group" "app" {{
  name   = "app-pg"
  family = "postgres16"

  parameter {{
    name  = "log_connections"
    value = 1
  }}
  {db_params}

  tags = {{
    Team = "{team}"
  }}
}}

resource "aws_db_parameter_group" "generated" {{
  name_prefix = "gen-"
  family      = "mysql8.0"
  description = "generated name"
}}

resource "aws_elasticache_parameter_group" "cache" {{
  name   = "app-cache"
  family = "{family}"

  parameter {{
    name  = "maxmemory-policy"
    value = "{policy}"
  }}
}}

output "generated" {{
  value = aws_db_parameter_group.generated.id
}}
"#
    )
}

/// The parameters and tags the APIs list.
#[derive(Debug, Default)]
struct Cloud {
    db_groups: Vec<String>,
    db_params: BTreeMap<String, (String, String)>,
    db_tags: BTreeMap<String, String>,
    db_description: Option<String>,
    cache_groups: Vec<(String, String)>,
    cache_params: BTreeMap<String, String>,
}

fn cloud(emulator: &Emulator) -> Cloud {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let config = aws::sdk_config(emulator).await;
            let rds = aws_sdk_rds::Client::new(&config);
            let ec = aws_sdk_elasticache::Client::new(&config);
            let mut c = Cloud::default();
            let groups = rds
                .describe_db_parameter_groups()
                .send()
                .await
                .expect("DescribeDBParameterGroups");
            for g in groups.db_parameter_groups() {
                let name = g.db_parameter_group_name().unwrap_or_default().to_string();
                if name == "app-pg" {
                    c.db_description = g.description().map(str::to_string);
                    let arn = g.db_parameter_group_arn().expect("an ARN");
                    let tags = rds
                        .list_tags_for_resource()
                        .resource_name(arn)
                        .send()
                        .await
                        .expect("ListTagsForResource");
                    c.db_tags = tags
                        .tag_list()
                        .iter()
                        .map(|t| {
                            (
                                t.key().unwrap_or_default().to_string(),
                                t.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect();
                    let params = rds
                        .describe_db_parameters()
                        .db_parameter_group_name(&name)
                        .source("user")
                        .send()
                        .await
                        .expect("DescribeDBParameters");
                    c.db_params = params
                        .parameters()
                        .iter()
                        .map(|p| {
                            (
                                p.parameter_name().unwrap_or_default().to_string(),
                                (
                                    p.parameter_value().unwrap_or_default().to_string(),
                                    p.apply_method()
                                        .map(|m| m.as_str().to_string())
                                        .unwrap_or_default(),
                                ),
                            )
                        })
                        .collect();
                }
                c.db_groups.push(name);
            }
            c.db_groups.sort();
            let groups = ec
                .describe_cache_parameter_groups()
                .send()
                .await
                .expect("DescribeCacheParameterGroups");
            for g in groups.cache_parameter_groups() {
                let name = g
                    .cache_parameter_group_name()
                    .unwrap_or_default()
                    .to_string();
                let family = g.cache_parameter_group_family().unwrap_or_default();
                c.cache_groups.push((name.clone(), family.to_string()));
                let params = ec
                    .describe_cache_parameters()
                    .cache_parameter_group_name(&name)
                    .source("user")
                    .send()
                    .await
                    .expect("DescribeCacheParameters");
                c.cache_params = params
                    .parameters()
                    .iter()
                    .map(|p| {
                        (
                            p.parameter_name().unwrap_or_default().to_string(),
                            p.parameter_value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
            }
            c
        })
}

fn param(value: &str, method: &str) -> (String, String) {
    (value.to_string(), method.to_string())
}

/// How many times `stack plan --stats` says `operation` was called.
fn calls(stats: &common::Run, operation: &str) -> u64 {
    stats
        .stderr
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(operation))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn parameter_groups_apply_plan_clean_update_replace_import_and_destroy() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let work_mem = r#"parameter {
    name         = "shared_buffers"
    value        = "16384"
    apply_method = "pending-reboot"
  }"#;
    let stack = Stack::with_main(&template(work_mem, "web", "allkeys-lru", "redis7"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 3 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    let generated = stack
        .output("generated")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(generated.starts_with("gen-"), "{generated}");
    let c = cloud(&emulator);
    assert_eq!(c.db_groups, ["app-pg".to_string(), generated.clone()]);
    assert_eq!(
        c.db_params,
        BTreeMap::from([
            ("log_connections".to_string(), param("1", "immediate")),
            (
                "shared_buffers".to_string(),
                param("16384", "pending-reboot")
            ),
        ])
    );
    assert_eq!(c.db_tags["Team"], "web");
    // The create's intent tag, which finds the group again after a lost answer.
    assert!(c.db_tags.contains_key(providers::aws::INTENT_TAG), "{c:?}");
    assert_eq!(c.db_description.as_deref(), Some("Managed by Terraform"));
    assert_eq!(c.cache_groups, [("app-cache".into(), "redis7".into())]);
    assert_eq!(
        c.cache_params,
        BTreeMap::from([("maxmemory-policy".into(), "allkeys-lru".into())])
    );

    let again = run(&stack, &["plan", "--detailed-exitcode", "--stats"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());
    // Two DB groups are refreshed by one listing, not one call each.
    assert_eq!(
        calls(&again, "DescribeDBParameterGroups"),
        1,
        "{}",
        again.stderr
    );

    // In place: a parameter removed (reset), one added, a value and a tag
    // changed; the cache group's parameter changed.
    let added = r#"parameter {
    name  = "work_mem"
    value = "8192"
  }"#;
    stack.write(
        "main.tf",
        &template(added, "platform", "volatile-lru", "redis7"),
    );
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 2 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let c = cloud(&emulator);
    assert_eq!(
        c.db_params,
        BTreeMap::from([
            ("log_connections".to_string(), param("1", "immediate")),
            ("work_mem".to_string(), param("8192", "immediate")),
        ])
    );
    assert_eq!(c.db_tags["Team"], "platform");
    assert_eq!(
        c.cache_params,
        BTreeMap::from([("maxmemory-policy".into(), "volatile-lru".into())])
    );

    // A new family replaces the cache group.
    stack.write(
        "main.tf",
        &template(added, "platform", "volatile-lru", "redis6.x"),
    );
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    let c = cloud(&emulator);
    assert_eq!(c.cache_groups, [("app-cache".into(), "redis6.x".into())]);
    assert_eq!(
        c.cache_params,
        BTreeMap::from([("maxmemory-policy".into(), "volatile-lru".into())])
    );

    // Import: forgotten groups are found again by their names.
    for (addr, id) in [
        ("aws_db_parameter_group.app", "app-pg"),
        ("aws_elasticache_parameter_group.cache", "app-cache"),
    ] {
        let rm = run(&stack, &["state", "rm", addr], &env);
        assert_eq!(rm.code, 0, "{}", rm.both());
        let import = run(&stack, &["import", addr, id], &env);
        assert_eq!(import.code, 0, "import {addr} {id}: {}", import.both());
    }
    let after_import = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(after_import.code, 0, "{}", after_import.both());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 3 destroyed."),
        "{}",
        destroy.both()
    );
    let c = cloud(&emulator);
    assert!(c.db_groups.is_empty(), "{c:?}");
    assert!(c.cache_groups.is_empty(), "{c:?}");
}
