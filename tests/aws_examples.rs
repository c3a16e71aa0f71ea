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
    let mut env = emulator.stack_env();
    env.push(("STACK_VAR_db_password", "correct-horse-battery".to_string()));
    env
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
    let site = cdn_web_site(&emulator, "production.cdn-web.example.");
    assert_eq!(site.certificate_status, "ISSUED");
    assert_eq!(
        site.distribution_certificate, site.certificate_arn,
        "the distribution serves the validated certificate"
    );
    assert_eq!(
        site.distribution_aliases,
        [
            "production.cdn-web.example",
            "www.production.cdn-web.example"
        ]
    );
    assert_eq!(
        site.alias_records,
        [
            (
                "production.cdn-web.example.".to_string(),
                site.distribution_domain.clone()
            ),
            (
                "www.production.cdn-web.example.".to_string(),
                site.distribution_domain.clone()
            ),
        ],
        "both names point at the distribution"
    );
    assert_eq!(site.validation_records, 2, "one validation record per name");
    let destroy = stack.run_with(
        &["--workspace", "production", "destroy", "--auto-approve"],
        &env,
    );
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

/// What the Route 53, ACM and CloudFront APIs say of the cdn-web site.
#[derive(Debug)]
struct Site {
    certificate_arn: String,
    certificate_status: String,
    distribution_certificate: String,
    distribution_domain: String,
    distribution_aliases: Vec<String>,
    /// A records of the zone: (name, alias target).
    alias_records: Vec<(String, String)>,
    validation_records: usize,
}

fn cdn_web_site(emulator: &Emulator, zone_name: &str) -> Site {
    runtime().block_on(async {
        let config = aws::sdk_config(emulator).await;
        let r53 = aws_sdk_route53::Client::new(&config);
        let acm = aws_sdk_acm::Client::new(&config);
        let cf = aws_sdk_cloudfront::Client::new(&config);
        let zones = r53
            .list_hosted_zones()
            .send()
            .await
            .expect("ListHostedZones");
        let zone = zones
            .hosted_zones()
            .iter()
            .find(|z| z.name() == zone_name)
            .unwrap_or_else(|| panic!("no zone {zone_name}"));
        let sets = r53
            .list_resource_record_sets()
            .hosted_zone_id(zone.id())
            .send()
            .await
            .expect("ListResourceRecordSets");
        let mut alias_records: Vec<(String, String)> = sets
            .resource_record_sets()
            .iter()
            .filter_map(|s| {
                Some((
                    s.name().to_string(),
                    s.alias_target()?.dns_name().to_string(),
                ))
            })
            .collect();
        alias_records.sort();
        let validation_records = sets
            .resource_record_sets()
            .iter()
            .filter(|s| s.name().starts_with('_') && s.r#type().as_str() == "CNAME")
            .count();
        let domain = zone_name.trim_end_matches('.');
        let certificates = acm
            .list_certificates()
            .send()
            .await
            .expect("ListCertificates");
        let certificate = certificates
            .certificate_summary_list()
            .iter()
            .find(|c| c.domain_name() == Some(domain))
            .unwrap_or_else(|| panic!("no certificate for {domain}"));
        let distributions = cf
            .list_distributions()
            .send()
            .await
            .expect("ListDistributions");
        let comment = format!("cdn-web-{}", domain.split('.').next().unwrap_or_default());
        let summary = distributions
            .distribution_list()
            .map(|l| l.items())
            .unwrap_or_default()
            .iter()
            .find(|d| d.comment() == comment)
            .expect("the distribution");
        let mut distribution_aliases = summary
            .aliases()
            .map(|a| a.items().to_vec())
            .unwrap_or_default();
        distribution_aliases.sort();
        Site {
            certificate_arn: certificate
                .certificate_arn()
                .unwrap_or_default()
                .to_string(),
            certificate_status: certificate
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            distribution_certificate: summary
                .viewer_certificate()
                .and_then(|v| v.acm_certificate_arn())
                .unwrap_or_default()
                .to_string(),
            distribution_domain: summary.domain_name().to_string(),
            distribution_aliases,
            alias_records,
            validation_records,
        }
    })
}

/// The koding example's network, IAM and machine image, as the EC2, IAM
/// and Elastic Beanstalk APIs report them.
#[test]
fn koding_wires_the_network_the_instance_profile_and_the_ami() {
    let emulator = Emulator::start();
    let stack = example("koding");
    let env = env(&emulator);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let ws = ["--workspace", "latest"];
    let apply = stack.run_with(&[&ws[..], &["apply", "--auto-approve"]].concat(), &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let (routes, nat_ip, profile_role, setting, ami) = runtime().block_on(async {
        let config = aws::sdk_config(&emulator).await;
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let iam = aws_sdk_iam::Client::new(&config);
        let eb = aws_sdk_elasticbeanstalk::Client::new(&config);
        let tables = ec2
            .describe_route_tables()
            .send()
            .await
            .expect("DescribeRouteTables");
        let mut routes: Vec<String> = tables
            .route_tables()
            .iter()
            .flat_map(|t| t.routes())
            .filter(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .map(|r| {
                let target = r.gateway_id().or(r.nat_gateway_id()).unwrap_or_default();
                target.split('-').next().unwrap_or_default().to_string()
            })
            .collect();
        routes.sort();
        let nats = ec2
            .describe_nat_gateways()
            .send()
            .await
            .expect("DescribeNatGateways");
        let nat_ip = nats
            .nat_gateways()
            .iter()
            .flat_map(|n| n.nat_gateway_addresses())
            .find_map(|a| a.public_ip().map(str::to_string));
        let profile = iam
            .get_instance_profile()
            .instance_profile_name("koding-latest-app")
            .send()
            .await
            .expect("GetInstanceProfile");
        let profile_role = profile
            .instance_profile()
            .and_then(|p| p.roles().first())
            .map(|r| r.role_name().to_string());
        let settings = eb
            .describe_configuration_settings()
            .application_name("koding")
            .environment_name("koding-latest")
            .send()
            .await
            .expect("DescribeConfigurationSettings");
        let setting = settings
            .configuration_settings()
            .iter()
            .flat_map(|c| c.option_settings())
            .find(|o| o.option_name() == Some("IamInstanceProfile"))
            .and_then(|o| o.value().map(str::to_string));
        let instances = ec2
            .describe_instances()
            .send()
            .await
            .expect("DescribeInstances");
        let ami = instances
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) == Some("running"))
            .and_then(|i| i.image_id().map(str::to_string));
        (routes, nat_ip, profile_role, setting, ami)
    });
    assert_eq!(
        routes,
        ["igw", "nat"],
        "one default route through each gateway"
    );
    assert!(nat_ip.is_some(), "the NAT gateway has its elastic IP");
    assert_eq!(profile_role.as_deref(), Some("koding-latest-app"));
    assert_eq!(setting.as_deref(), Some("koding-latest-app"));
    let image = runtime().block_on(async {
        let config = aws::sdk_config(&emulator).await;
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let images = ec2
            .describe_images()
            .set_image_ids(ami.clone().map(|a| vec![a]))
            .send()
            .await
            .expect("DescribeImages");
        images
            .images()
            .first()
            .and_then(|i| i.name().map(str::to_string))
    });
    assert!(
        image
            .as_deref()
            .is_some_and(|n| n.starts_with("amzn-ami-hvm-")),
        "the worker runs the image data \"aws_ami\" found: {image:?}"
    );
    let destroy = stack.run_with(&[&ws[..], &["destroy", "--auto-approve"]].concat(), &env);
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
