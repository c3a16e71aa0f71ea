//! The `provider "aws"` block through the `stack` binary against the
//! emulator: `default_tags` and `ignore_tags` (checked on the objects
//! through the EC2 and S3 APIs), credentials from the block, from a profile
//! of given shared files and from an assumed role (checked through
//! `data "aws_caller_identity"`, which STS answers for the credentials in
//! use), the region and account checks, and how API failures read: one
//! line with the service, operation, AWS error code, message and request
//! id, and an endpoint that is not AWS at all (an HTML 502 page) said so.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use aws::Emulator;
use common::Stack;

/// Runs `stack ARGS` with only the AWS settings given: none of the
/// caller's AWS_* variables, and HOME in the stack directory so that no
/// ~/.aws file of the machine is read.
fn run(stack: &Stack, args: &[&str], env: &[(&str, String)]) -> common::Run {
    let mut cmd = stack.command(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", stack.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run stack");
    common::Run::from_output(args.iter().map(|s| s.to_string()).collect(), out)
}

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn tags_template(environment: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
  default_tags {{
    tags = {{
      Environment = "{environment}"
      Name        = "Provider Tag"
    }}
  }}
  ignore_tags {{
    keys         = ["Owner"]
    key_prefixes = ["ext:"]
  }}
}}

resource "aws_vpc" "plain" {{
  cidr_block = "10.70.0.0/16"
}}

resource "aws_vpc" "own" {{
  cidr_block = "10.71.0.0/16"
  tags = {{
    Environment = "Production"
    Team        = "web"
  }}
}}

resource "aws_s3_bucket" "logs" {{
  bucket = "stack-default-tags-logs"
  tags = {{
    Team = "data"
  }}
}}

output "plain_tags" {{
  value = aws_vpc.plain.tags
}}

output "plain_tags_all" {{
  value = aws_vpc.plain.tags_all
}}

output "own_tags" {{
  value = aws_vpc.own.tags
}}

output "own_tags_all" {{
  value = aws_vpc.own.tags_all
}}

output "ids" {{
  value = [aws_vpc.plain.id, aws_vpc.own.id]
}}
"#
    )
}

/// The tags of a VPC and of a bucket, as the APIs list them, without our
/// intent tag.
fn vpc_tags(emulator: &Emulator, vpc: &str) -> BTreeMap<String, String> {
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(emulator).await);
        let out = ec2
            .describe_vpcs()
            .vpc_ids(vpc)
            .send()
            .await
            .expect("DescribeVpcs");
        let tags = out.vpcs()[0]
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect::<Vec<_>>();
        without_intent(tags)
    })
}

/// The tags of an object without the `stack:intent` tag its create set,
/// which must have survived every tag update.
fn without_intent(tags: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    let mut tags: BTreeMap<String, String> = tags.into_iter().collect();
    let intent = tags.remove(providers::aws::INTENT_TAG);
    assert!(intent.is_some(), "the object lost its intent tag: {tags:?}");
    tags
}

fn bucket_tags(emulator: &Emulator, bucket: &str) -> BTreeMap<String, String> {
    block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&aws::sdk_config(emulator).await)
                .force_path_style(true)
                .build(),
        );
        let out = s3
            .get_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .expect("GetBucketTagging");
        without_intent(
            out.tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        )
    })
}

/// Tags set behind stack's back, as another system would.
fn tag_outside(emulator: &Emulator, vpc: &str, bucket: &str) {
    block_on(async {
        let config = aws::sdk_config(emulator).await;
        let ec2 = aws_sdk_ec2::Client::new(&config);
        ec2.create_tags()
            .resources(vpc)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Owner")
                    .value("ops")
                    .build(),
            )
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("ext:cost")
                    .value("42")
                    .build(),
            )
            .send()
            .await
            .expect("CreateTags");
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let mut all = s3
            .get_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .expect("GetBucketTagging")
            .tag_set()
            .to_vec();
        all.push(
            aws_sdk_s3::types::Tag::builder()
                .key("Owner")
                .value("ops")
                .build()
                .expect("tag"),
        );
        s3.put_bucket_tagging()
            .bucket(bucket)
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .set_tag_set(Some(all))
                    .build()
                    .expect("tagging"),
            )
            .send()
            .await
            .expect("PutBucketTagging");
    })
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn output_map(stack: &Stack, name: &str) -> BTreeMap<String, String> {
    serde_json::from_value(stack.output(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn default_tags_reach_every_taggable_resource_and_ignored_tags_stay_untouched() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&tags_template("Test"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    // As Terraform's documentation shows them: `tags` are the resource's
    // own, `tags_all` every tag, the resource's value winning.
    assert!(output_map(&stack, "plain_tags").is_empty());
    assert_eq!(
        output_map(&stack, "plain_tags_all"),
        map(&[("Environment", "Test"), ("Name", "Provider Tag")])
    );
    assert_eq!(
        output_map(&stack, "own_tags"),
        map(&[("Environment", "Production"), ("Team", "web")])
    );
    assert_eq!(
        output_map(&stack, "own_tags_all"),
        map(&[
            ("Environment", "Production"),
            ("Name", "Provider Tag"),
            ("Team", "web")
        ])
    );
    let ids = stack.output("ids");
    let plain = ids[0].as_str().expect("plain id").to_string();
    let own = ids[1].as_str().expect("own id").to_string();
    assert_eq!(
        vpc_tags(&emulator, &plain),
        map(&[("Environment", "Test"), ("Name", "Provider Tag")])
    );
    assert_eq!(
        vpc_tags(&emulator, &own),
        map(&[
            ("Environment", "Production"),
            ("Name", "Provider Tag"),
            ("Team", "web")
        ])
    );
    let bucket = "stack-default-tags-logs";
    assert_eq!(
        bucket_tags(&emulator, bucket),
        map(&[
            ("Environment", "Test"),
            ("Name", "Provider Tag"),
            ("Team", "data")
        ])
    );

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // Tags another system manages are not drift.
    tag_outside(&emulator, &own, bucket);
    let ignored = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(ignored.code, 0, "{}", ignored.both());

    // New default tags update every resource in place, and the ignored
    // tags are still there afterwards.
    stack.write("main.tf", &tags_template("Staging"));
    let plan = run(&stack, &["plan"], &env);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 2 to change, 0 to destroy."),
        "{}",
        plan.both()
    );
    assert!(plan.stdout.contains("~ tags_all"), "{}", plan.both());
    assert!(
        plan.stdout
            .contains(r#"~ "Environment" = "Test" -> "Staging""#),
        "{}",
        plan.both()
    );
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(update.code, 0, "{}", update.both());
    assert_eq!(
        vpc_tags(&emulator, &plain),
        map(&[("Environment", "Staging"), ("Name", "Provider Tag")])
    );
    assert_eq!(
        vpc_tags(&emulator, &own),
        map(&[
            ("Environment", "Production"),
            ("Name", "Provider Tag"),
            ("Owner", "ops"),
            ("Team", "web"),
            ("ext:cost", "42"),
        ])
    );
    assert_eq!(
        bucket_tags(&emulator, bucket),
        map(&[
            ("Environment", "Staging"),
            ("Name", "Provider Tag"),
            ("Owner", "ops"),
            ("Team", "data")
        ])
    );
    let clean = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{}", clean.both());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

const IDENTITY: &str = r#"
data "aws_caller_identity" "me" {}
data "aws_region" "here" {}

output "arn" {
  value = data.aws_caller_identity.me.arn
}

output "region" {
  value = data.aws_region.here.name
}

output "region_description" {
  value = data.aws_region.here.description
}
"#;

#[test]
fn an_assumed_role_makes_the_calls() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
  assume_role {{
    role_arn     = "arn:aws:iam::123456789012:role/deployer"
    session_name = "stack-test"
    external_id  = "from-ci"
    duration     = "1h"
  }}
}}
{IDENTITY}"#
    ));
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    // STS says who made the call: the session of the assumed role.
    assert_eq!(
        stack.output("arn"),
        "arn:aws:sts::123456789012:assumed-role/deployer/stack-test"
    );
    let stats = run(&stack, &["plan", "--stats"], &env);
    assert!(
        common::flat(&stats.stderr).contains("sts AssumeRole"),
        "{}",
        stats.both()
    );
}

#[test]
fn keys_in_the_block_are_used_and_never_printed() {
    let emulator = Emulator::start();
    let mut env = env(&emulator);
    env.retain(|(k, _)| !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET"));
    let secret = "s3cr3t-never-printed";
    let stack = Stack::with_main(&format!(
        r#"
variable "secret" {{
  type      = string
  sensitive = true
}}

provider "aws" {{
  region      = "us-east-1"
  access_key  = "AKIAEXAMPLEBLOCK"
  secret_key  = var.secret
  token       = "session-token"
  max_retries = 0
}}
{IDENTITY}"#
    ));
    let var = format!("secret={secret}");
    let plan = run(&stack, &["plan", "-var", &var, "-out", "saved.plan"], &env);
    assert_eq!(plan.code, 0, "{}", plan.both());
    let apply = run(&stack, &["apply", "--auto-approve", "-var", &var], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert!(stack
        .output("arn")
        .as_str()
        .is_some_and(|a| a.contains(":user/")));
    for text in [
        plan.both(),
        apply.both(),
        stack.read(".stack/default.state.json"),
    ] {
        assert!(!text.contains(secret), "the secret key was printed: {text}");
    }
    let saved = std::fs::read(stack.path().join("saved.plan")).expect("plan file");
    assert!(!String::from_utf8_lossy(&saved).contains(secret));

    // Without keys anywhere, the error says so and changes nothing.
    stack.write(
        "main.tf",
        &format!("provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n{IDENTITY}"),
    );
    let none = run(&stack, &["plan"], &env);
    assert_eq!(none.code, 1, "{}", none.both());
    assert!(
        none.both().contains("No valid AWS credentials"),
        "{}",
        none.both()
    );
}

#[test]
fn a_profile_of_the_given_shared_files_gives_credentials_and_region() {
    let emulator = Emulator::start();
    let stack = Stack::new();
    stack.write(
        "aws/credentials",
        "[ci]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n",
    );
    stack.write("aws/config", "[profile ci]\nregion = eu-west-1\n");
    let config = |profile: &str| {
        format!(
            r#"
provider "aws" {{
  profile                  = "{profile}"
  shared_config_files      = ["aws/config"]
  shared_credentials_files = ["aws/credentials"]
  skip_metadata_api_check  = true
  max_retries              = 0
}}
{IDENTITY}"#
        )
    };
    stack.write("main.tf", &config("ci"));
    let env = vec![("AWS_ENDPOINT_URL", emulator.endpoint())];
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert_eq!(stack.output("region"), "eu-west-1");
    assert_eq!(stack.output("region_description"), "Europe (Ireland)");

    // A profile the files do not have gives no credentials, and no
    // ~/.aws file of the machine stands in for it.
    stack.write(
        "main.tf",
        &config("nobody").replace("max_retries", "region = \"us-east-1\"\n  max_retries"),
    );
    let missing = run(&stack, &["plan"], &env);
    assert_ne!(missing.code, 0, "{}", missing.both());
    let text = common::flat(&missing.stderr);
    assert!(text.contains("No valid AWS credentials"), "{text}");
    assert!(text.contains("nobody"), "{text}");
}

#[test]
fn region_and_account_checks_stop_before_any_change() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let vpc = "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.72.0.0/16\"\n}\n";
    let stack = Stack::with_main(&format!(
        "provider \"aws\" {{\n  region = \"moon\"\n  max_retries = 0\n}}\n{vpc}"
    ));
    let bad_region = run(&stack, &["plan"], &env);
    assert_eq!(bad_region.code, 1, "{}", bad_region.both());
    assert!(
        bad_region.both().contains("Invalid AWS Region"),
        "{}",
        bad_region.both()
    );

    stack.write(
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  region = \"moon\"\n  skip_region_validation = true\n  skip_credentials_validation = true\n  skip_requesting_account_id = true\n  max_retries = 0\n}}\n{vpc}"
        ),
    );
    let skipped = run(&stack, &["plan"], &env);
    assert_eq!(skipped.code, 0, "{}", skipped.both());

    stack.write(
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  region = \"us-east-1\"\n  allowed_account_ids = [\"111111111111\"]\n  max_retries = 0\n}}\n{vpc}"
        ),
    );
    let wrong_account = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(wrong_account.code, 1, "{}", wrong_account.both());
    assert!(
        wrong_account.both().contains("123456789012"),
        "{}",
        wrong_account.both()
    );
    let vpcs = block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(&emulator).await);
        ec2.describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("cidr")
                    .values("10.72.0.0/16")
                    .build(),
            )
            .send()
            .await
            .expect("DescribeVpcs")
            .vpcs()
            .len()
    });
    assert_eq!(vpcs, 0, "a VPC was made despite the failed account check");
}

/// A web server that answers every request with an HTML 502 page, as a
/// proxy or load balancer in front of a dead service does.
fn html_502_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let body = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1></body></html>\n";
            let _ = write!(
                stream,
                "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn api_errors_read_as_one_line_and_a_non_aws_endpoint_is_named() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let port = html_502_server();
    let stack = Stack::with_main(&format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
  endpoints {{
    ec2 = "http://127.0.0.1:{port}"
  }}
}}

data "aws_availability_zones" "all" {{}}
"#
    ));
    let proxy = run(&stack, &["plan"], &env);
    assert_eq!(proxy.code, 1, "{}", proxy.both());
    let line = common::flat(&proxy.stderr);
    assert!(
        line.contains("ec2 DescribeAvailabilityZones failed: "),
        "{line}"
    );
    assert!(
        line.contains("the endpoint answered HTTP 502 with an HTML page, not an AWS API reply"),
        "{line}"
    );
    assert!(!proxy.both().contains("<html"), "{}", proxy.both());
    assert!(!proxy.both().contains("Unhandled"), "{}", proxy.both());

    // An error AWS answers: its code, message and request id on one line.
    stack.write(
        "main.tf",
        r#"
provider "aws" {
  region      = "us-east-1"
  max_retries = 0
}

resource "aws_subnet" "s" {
  vpc_id     = "vpc-00000000000000000"
  cidr_block = "10.73.1.0/24"
}
"#,
    );
    let refused = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(refused.code, 1, "{}", refused.both());
    let line = common::flat(&refused.stderr);
    assert!(
        line.contains("ec2 CreateSubnet failed: InvalidVpcID.NotFound: "),
        "{line}"
    );
    assert!(line.contains("(HTTP 400, request id "), "{line}");
}

#[test]
fn the_tagging_api_endpoint_can_be_overridden() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let buckets = r#"
resource "aws_s3_bucket" "b" {
  count  = 2
  bucket = "tagging-endpoint-${count.index}"
}
"#;
    let stack = Stack::with_main(&format!(
        "provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n{buckets}"
    ));
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    // Two buckets are refreshed together: their tags come from the
    // Resource Groups Tagging API, through the endpoint the block names.
    let port = html_502_server();
    stack.write(
        "main.tf",
        &format!(
            "provider \"aws\" {{\n  region      = \"us-east-1\"\n  max_retries = 0\n  endpoints {{\n    resourcegroupstaggingapi = \"http://127.0.0.1:{port}\"\n  }}\n}}\n{buckets}"
        ),
    );
    let plan = run(&stack, &["plan"], &env);
    assert_eq!(plan.code, 1, "{}", plan.both());
    let line = common::flat(&plan.stderr);
    assert!(line.contains("tagging GetResources failed: "), "{line}");
    assert!(line.contains("HTTP 502"), "{line}");
}
