//! The AWS provider through the `stack` binary: `stack import`, and the
//! credential check that runs before any change.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use common::Stack;

fn emulator_env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ]
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

const VPC_TEMPLATE: &str = r#"
provider "aws" {
  region = "us-east-1"
}

resource "aws_vpc" "imported" {
  cidr_block = "10.9.0.0/16"
  tags = {
    Name = "made-by-hand"
  }
}
"#;

#[test]
fn import_brings_an_existing_vpc_under_management() {
    let emulator = Emulator::start();
    // A VPC made outside stack, through the AWS API.
    let vpc_id = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let config = aws::sdk_config(&emulator).await;
            let ec2 = aws_sdk_ec2::Client::new(&config);
            let vpc = ec2
                .create_vpc()
                .cidr_block("10.9.0.0/16")
                .send()
                .await
                .expect("CreateVpc");
            let id = vpc
                .vpc()
                .and_then(|v| v.vpc_id())
                .expect("vpc id")
                .to_string();
            ec2.create_tags()
                .resources(&id)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("Name")
                        .value("made-by-hand")
                        .build(),
                )
                .send()
                .await
                .expect("CreateTags");
            id
        });
    let stack = Stack::with_main(VPC_TEMPLATE);
    let env = emulator_env(&emulator);

    let import = run(&stack, &["import", "aws_vpc.imported", &vpc_id], &env);
    assert_eq!(import.code, 0, "{}", import.both());
    assert!(
        import.stdout.contains("Import successful"),
        "{}",
        import.stdout
    );
    assert_eq!(stack.state_list(), vec!["aws_vpc.imported".to_string()]);
    let show = run(&stack, &["state", "show", "aws_vpc.imported"], &env);
    assert!(show.stdout.contains(&vpc_id), "{}", show.stdout);

    // The template matches the object, so nothing is to change.
    let plan = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);

    // --stats names the calls the refresh made, per service and operation.
    let stats = run(&stack, &["plan", "--stats"], &env);
    assert_eq!(stats.code, 0, "{}", stats.both());
    assert!(stats.stderr.contains("API calls: "), "{}", stats.stderr);
    assert!(
        stats
            .stderr
            .lines()
            .any(|l| l.contains("ec2") && l.contains("DescribeVpcs")),
        "{}",
        stats.stderr
    );

    // Importing to an address already managed is refused.
    let again = run(&stack, &["import", "aws_vpc.imported", &vpc_id], &env);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("Resource already managed"),
        "{}",
        again.stderr
    );

    // An id that does not exist is a clear error.
    let missing = Stack::with_main(VPC_TEMPLATE);
    let r = run(
        &missing,
        &["import", "aws_vpc.imported", "vpc-00000000000000000"],
        &env,
    );
    assert_eq!(r.code, 1, "{}", r.both());
    assert!(
        r.stderr
            .contains("Cannot import non-existent remote object"),
        "{}",
        r.stderr
    );

    // An address without a block in the templates is refused with a hint.
    let r = run(&stack, &["import", "aws_vpc.other", &vpc_id], &env);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Configuration for import target does not exist"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_credentials_are_one_clear_error_before_any_change() {
    let emulator = Emulator::start();
    let stack = Stack::with_main(VPC_TEMPLATE);
    let home = tempfile::tempdir().expect("empty home");
    // No keys, no profile files (an empty HOME), no instance metadata to fall back on.
    let env = vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", String::new()),
        ("AWS_SECRET_ACCESS_KEY", String::new()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        (
            "AWS_CONFIG_FILE",
            home.path().join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("credentials").display().to_string(),
        ),
        ("HOME", home.path().display().to_string()),
    ];
    let r = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(r.code, 1, "{}", r.both());
    assert!(
        r.stderr.contains("No valid AWS credentials"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("× ").count(),
        1,
        "one error, not one per resource:\n{}",
        r.stderr
    );
    assert!(
        !r.stdout.contains("Creating..."),
        "nothing was changed:\n{}",
        r.stdout
    );
    assert!(stack.state_list().is_empty());
}

#[test]
fn a_missing_region_is_a_clear_error() {
    let emulator = Emulator::start();
    let stack = Stack::with_main(
        r#"
provider "aws" {}

resource "aws_vpc" "main" {
  cidr_block = "10.1.0.0/16"
}
"#,
    );
    let home = tempfile::tempdir().expect("empty home");
    let env = vec![
        ("AWS_ENDPOINT_URL", emulator.endpoint()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", String::new()),
        ("AWS_DEFAULT_REGION", String::new()),
        (
            "AWS_CONFIG_FILE",
            home.path().join("config").display().to_string(),
        ),
        ("HOME", home.path().display().to_string()),
    ];
    let r = run(&stack, &["plan"], &env);
    assert_eq!(r.code, 1, "{}", r.both());
    assert!(r.stderr.contains("No AWS region is set"), "{}", r.stderr);
}

#[test]
fn debug_logs_name_each_api_call_with_its_duration_and_request_id_but_no_secret() {
    let emulator = Emulator::start();
    let stack = Stack::with_main(
        r#"
provider "aws" {
  region = "us-east-1"
}

variable "owner" {
  type      = string
  sensitive = true
}

resource "aws_vpc" "logged" {
  cidr_block = "10.11.0.0/16"
  tags = {
    Owner = var.owner
  }
}
"#,
    );
    let secret_key = "canary-secret-key-5d41402a";
    let owner = "canary-owner-7c4a8d09";
    let mut env = emulator_env(&emulator);
    env.retain(|(k, _)| *k != "AWS_SECRET_ACCESS_KEY");
    env.push(("AWS_SECRET_ACCESS_KEY", secret_key.to_string()));
    env.push(("STACK_VAR_owner", owner.to_string()));
    let applied = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(applied.code, 0, "{}", applied.both());
    env.push(("STACK_LOG", "debug".to_string()));
    let plan = run(&stack, &["plan"], &env);
    assert_eq!(plan.code, 0, "{}", plan.both());
    let calls: Vec<&str> = plan
        .stderr
        .lines()
        .filter(|l| l.contains("AWS API call"))
        .collect();
    // The credential check, then the batched refresh of the VPC.
    for (service, operation) in [("sts", "GetCallerIdentity"), ("ec2", "DescribeVpcs")] {
        let line = calls
            .iter()
            .find(|l| {
                l.contains(&format!("service=\"{service}\""))
                    && l.contains(&format!("operation=\"{operation}\""))
            })
            .unwrap_or_else(|| panic!("no log of {service} {operation}:\n{}", plan.stderr));
        assert!(line.contains(" DEBUG "), "{line}");
        assert!(line.contains("duration_ms="), "{line}");
        let request_id = line
            .split("request_id=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default();
        assert!(request_id.len() > 8, "AWS's request id is logged: {line}");
    }
    for secret in [secret_key, owner] {
        assert!(!plan.stderr.contains(secret), "{}", plan.stderr);
    }
    // stack's own debug logs only: the SDK's stay at warn.
    assert!(
        !plan.stderr.contains("aws_smithy_runtime"),
        "{}",
        plan.stderr
    );
}
