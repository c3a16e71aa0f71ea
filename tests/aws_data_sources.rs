//! The AWS data sources that find things or build them, through the
//! `stack` binary: `aws_iam_policy_document` against the data-driven cases
//! of `tests/data/iam_policy_document/` (each `expected.json` and
//! `expected.min.json` written by hand from the Terraform AWS provider's
//! rendering rules, byte for byte, and `expected.id` its CRC-32), and `aws_ami`, `aws_vpc` and
//! `aws_subnets` against objects made in the emulator through the EC2 API.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use common::Stack;

/// A provider block that needs no API: the policy document data source
/// makes no call.
const OFFLINE_PROVIDER: &str = r#"
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAOFFLINE"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
}

output "json" {
  value = data.aws_iam_policy_document.doc.json
}

output "minified_json" {
  value = data.aws_iam_policy_document.doc.minified_json
}

output "id" {
  value = data.aws_iam_policy_document.doc.id
}
"#;

/// An expected file's text; the final newline of the file is not part of
/// the rendering.
fn expected(case: &std::path::Path, name: &str) -> String {
    let text = std::fs::read_to_string(case.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", case.join(name).display()));
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

#[test]
fn policy_documents_render_byte_for_byte_as_terraform_renders_them() {
    let mut failures = Vec::new();
    let cases = common::cases("iam_policy_document");
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let stack = Stack::new();
        common::copy_case(case, stack.path());
        stack.write("provider.tf", OFFLINE_PROVIDER);
        let apply = stack.run(&["apply", "--auto-approve"]);
        if apply.code != 0 {
            failures.push(format!("[{name}] apply failed: {}", apply.both()));
            continue;
        }
        for (output, file) in [
            ("json", "expected.json"),
            ("minified_json", "expected.min.json"),
        ] {
            let actual = stack
                .output(output)
                .as_str()
                .unwrap_or_default()
                .to_string();
            let want = expected(case, file);
            if actual != want {
                failures.push(format!(
                    "[{name}] {output} differs from {file}:\n--- expected\n{want}\n--- actual\n{actual}"
                ));
            }
        }
        // The id is the CRC-32 of `json`, as Terraform's provider hashes it
        // (`expected.id` was computed from `expected.json` with Python's zlib).
        let id = stack.output("id");
        let want_id = expected(case, "expected.id");
        if id.as_str() != Some(want_id.as_str()) {
            failures.push(format!("[{name}] id {id}, expected {want_id}"));
        }
        let again = stack.run(&["plan", "--detailed-exitcode"]);
        if again.code != 0 {
            failures.push(format!(
                "[{name}] a second plan is not clean: {}",
                again.both()
            ));
        }
    }
    assert!(cases.len() >= 4, "too few cases");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_policy_document_with_a_duplicate_sid_is_an_error() {
    let stack = Stack::with_main(
        r#"
data "aws_iam_policy_document" "doc" {
  statement {
    sid     = "Same"
    actions = ["s3:GetObject"]
  }
  statement {
    sid     = "Same"
    actions = ["s3:PutObject"]
  }
}
"#,
    );
    stack.write("provider.tf", OFFLINE_PROVIDER);
    let plan = stack.run(&["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.both());
    assert!(
        common::flat(&plan.stderr).contains("duplicate Sid (Same)"),
        "{}",
        plan.both()
    );
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// What the test makes through the EC2 API before `stack` looks for it.
struct Made {
    images: Vec<String>,
    vpc: String,
    cidr: String,
    main_table: String,
    subnets: Vec<String>,
    default_vpc: String,
}

fn make_objects(emulator: &Emulator) -> Made {
    use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
    block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(emulator).await);
        let run = ec2
            .run_instances()
            .image_id("ami-760aaa0f")
            .instance_type(aws_sdk_ec2::types::InstanceType::T2Micro)
            .min_count(1)
            .max_count(1)
            .send()
            .await
            .expect("RunInstances");
        let instance = run.instances()[0].instance_id().expect("id").to_string();
        let mut images = Vec::new();
        for name in ["stack-app-1", "stack-app-2"] {
            // Creation times differ by at least a second, whatever their precision.
            std::thread::sleep(std::time::Duration::from_millis(1100));
            let image = ec2
                .create_image()
                .instance_id(&instance)
                .name(name)
                .send()
                .await
                .expect("CreateImage");
            images.push(image.image_id().expect("image id").to_string());
        }
        let tagged = |value: &str| {
            TagSpecification::builder()
                .resource_type(ResourceType::Vpc)
                .tags(Tag::builder().key("Name").value(value).build())
                .build()
        };
        let cidr = "10.80.0.0/16".to_string();
        let vpc = ec2
            .create_vpc()
            .cidr_block(&cidr)
            .tag_specifications(tagged("lookup-me"))
            .send()
            .await
            .expect("CreateVpc")
            .vpc()
            .and_then(|v| v.vpc_id())
            .expect("vpc id")
            .to_string();
        let mut subnets = Vec::new();
        for (i, zone) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
            let subnet = ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block(format!("10.80.{i}.0/24"))
                .availability_zone(*zone)
                .send()
                .await
                .expect("CreateSubnet");
            subnets.push(
                subnet
                    .subnet()
                    .and_then(|s| s.subnet_id())
                    .expect("subnet")
                    .to_string(),
            );
        }
        subnets.sort();
        let main_table = ec2
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(&vpc).build())
            .filters(
                Filter::builder()
                    .name("association.main")
                    .values("true")
                    .build(),
            )
            .send()
            .await
            .expect("DescribeRouteTables")
            .route_tables()[0]
            .route_table_id()
            .expect("table")
            .to_string();
        let default_vpc = ec2
            .describe_vpcs()
            .filters(Filter::builder().name("is-default").values("true").build())
            .send()
            .await
            .expect("DescribeVpcs")
            .vpcs()[0]
            .vpc_id()
            .expect("default vpc")
            .to_string();
        Made {
            images,
            vpc,
            cidr,
            main_table,
            subnets,
            default_vpc,
        }
    })
}

const LOOKUPS: &str = r#"
provider "aws" {
  region      = "us-east-1"
  max_retries = 0
}

data "aws_ami" "newest" {
  owners      = ["self"]
  name_regex  = "^stack-app-"
  most_recent = true
}

data "aws_ami" "amazon" {
  owners = ["amazon"]
  filter {
    name   = "name"
    values = ["amzn-ami-hvm-2017.09.*"]
  }
}

data "aws_vpc" "tagged" {
  tags = {
    Name = "lookup-me"
  }
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "in_vpc" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.tagged.id]
  }
}

output "newest" {
  value = data.aws_ami.newest.id
}

output "newest_name" {
  value = data.aws_ami.newest.name
}

output "amazon" {
  value = data.aws_ami.amazon.image_id
}

output "vpc" {
  value = {
    id         = data.aws_vpc.tagged.id
    cidr       = data.aws_vpc.tagged.cidr_block
    main_table = data.aws_vpc.tagged.main_route_table_id
    default    = data.aws_vpc.tagged.default
  }
}

output "default_vpc" {
  value = data.aws_vpc.default.id
}

output "subnets" {
  value = data.aws_subnets.in_vpc.ids
}
"#;

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

#[test]
fn amis_vpcs_and_subnets_are_found_as_the_ec2_api_lists_them() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let made = make_objects(&emulator);
    let stack = Stack::with_main(LOOKUPS);
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    assert_eq!(stack.output("newest"), made.images[1].as_str());
    assert_eq!(stack.output("newest_name"), "stack-app-2");
    assert_eq!(stack.output("amazon"), "ami-760aaa0f");
    let vpc = stack.output("vpc");
    assert_eq!(vpc["id"], made.vpc.as_str());
    assert_eq!(vpc["cidr"], made.cidr.as_str());
    assert_eq!(vpc["main_table"], made.main_table.as_str());
    assert_eq!(vpc["default"], false);
    assert_eq!(stack.output("default_vpc"), made.default_vpc.as_str());
    assert_eq!(stack.output("subnets"), serde_json::json!(made.subnets));

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());

    // Several matches without most_recent, and none at all, fail as
    // Terraform's provider does.
    stack.write(
        "main.tf",
        &LOOKUPS.replace("most_recent = true", "most_recent = false"),
    );
    let many = run(&stack, &["plan"], &env);
    assert_eq!(many.code, 1, "{}", many.both());
    assert!(
        common::flat(&many.stderr).contains("Your query returned more than one result"),
        "{}",
        many.both()
    );
    stack.write("main.tf", &LOOKUPS.replace("^stack-app-", "^no-such-image"));
    let none = run(&stack, &["plan"], &env);
    assert_eq!(none.code, 1, "{}", none.both());
    assert!(
        common::flat(&none.stderr).contains("Your query returned no results"),
        "{}",
        none.both()
    );
}

#[test]
fn a_rendered_trust_policy_is_what_iam_stores() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(
        r#"
provider "aws" {
  region      = "us-east-1"
  max_retries = 0
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "stack-policy-document-app"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"#,
    );
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let stored = block_on(async {
        let iam = aws_sdk_iam::Client::new(&aws::sdk_config(&emulator).await);
        let role = iam
            .get_role()
            .role_name("stack-policy-document-app")
            .send()
            .await
            .expect("GetRole");
        let text = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .expect("policy");
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .to_string();
        serde_json::from_str::<serde_json::Value>(&decoded).expect("policy JSON")
    });
    assert_eq!(
        stored,
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"}
            }]
        })
    );
    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}
