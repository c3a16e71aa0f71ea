//! `stack migrate terraform` against the AWS emulator: objects made through
//! the AWS API, a v4 state in Terraform's documented format naming them
//! (`tests/data/migrate/aws/terraform.tfstate.template`, filled with their
//! ids), migrated through the binary; the attributes come from the cloud,
//! the unsupported `aws_lambda_function` is left out, and `stack plan` then says
//! "No changes.".

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use common::{data_dir, Run, Stack};

/// The ids of the objects made through the AWS API.
struct Made {
    vpc: String,
    subnet: String,
    security_group: String,
    instance: String,
}

fn tags(resource: ResourceType, pairs: &[(&str, &str)]) -> TagSpecification {
    let mut spec = TagSpecification::builder().resource_type(resource);
    for (key, value) in pairs {
        spec = spec.tags(Tag::builder().key(*key).value(*value).build());
    }
    spec.build()
}

async fn make_objects(emulator: &aws::Emulator) -> Made {
    let config = aws::sdk_config(emulator).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    // `Team` is set in the cloud only: Terraform's state does not have it.
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.60.0.0/16")
        .tag_specifications(tags(
            ResourceType::Vpc,
            &[("Name", "migrated"), ("Team", "cloud-only")],
        ))
        .send()
        .await
        .expect("CreateVpc");
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.60.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect("CreateSubnet");
    let subnet = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap()
        .to_string();
    let group = ec2
        .create_security_group()
        .group_name("migrated-app")
        .description("migrated app")
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateSecurityGroup");
    let security_group = group.group_id().unwrap().to_string();
    let instance = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .subnet_id(&subnet)
        .security_group_ids(&security_group)
        .min_count(1)
        .max_count(1)
        .tag_specifications(tags(ResourceType::Instance, &[("Name", "migrated-app")]))
        .send()
        .await
        .expect("RunInstances");
    let instance = instance.instances()[0].instance_id().unwrap().to_string();
    aws_sdk_s3::Client::new(&config)
        .create_bucket()
        .bucket("migrated-assets")
        .send()
        .await
        .expect("CreateBucket");
    Made {
        vpc,
        subnet,
        security_group,
        instance,
    }
}

/// Terraform's state for the objects, from the template.
fn terraform_state(made: &Made) -> String {
    let template = std::fs::read_to_string(
        data_dir()
            .join("migrate")
            .join("aws")
            .join("terraform.tfstate.template"),
    )
    .unwrap();
    template
        .replace("{{VPC_ID}}", &made.vpc)
        .replace("{{SUBNET_ID}}", &made.subnet)
        .replace("{{SG_ID}}", &made.security_group)
        .replace("{{INSTANCE_ID}}", &made.instance)
}

/// Runs `stack` against the emulator with test credentials.
fn run_in(emulator: &aws::Emulator, s: &Stack, args: &[&str]) -> Run {
    let endpoint = emulator.endpoint();
    s.run_with(
        args,
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ],
    )
}

#[test]
fn objects_made_through_the_aws_api_are_imported_from_the_cloud_and_plan_no_changes() {
    let emulator = aws::Emulator::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let made = runtime.block_on(make_objects(&emulator));
    let s = Stack::new();
    s.write(
        "main.tf",
        &std::fs::read_to_string(data_dir().join("migrate/aws/main.tf")).unwrap(),
    );
    let source = terraform_state(&made);
    s.write("terraform.tfstate", &source);

    let migrate = run_in(&emulator, &s, &["migrate", "terraform", "--json"]);
    assert_eq!(migrate.code, 3, "{}", migrate.both());
    let report: serde_json::Value = serde_json::from_str(&migrate.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", migrate.both()));
    let migrated: Vec<(&str, &str, &str)> = report["migrated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["address"].as_str().unwrap(),
                o["id"].as_str().unwrap(),
                o["how"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        migrated,
        [
            ("aws_instance.app", made.instance.as_str(), "imported"),
            (
                "aws_s3_bucket.assets[\"assets\"]",
                "migrated-assets",
                "imported"
            ),
            (
                "aws_security_group.app",
                made.security_group.as_str(),
                "imported"
            ),
            ("aws_subnet.app[0]", made.subnet.as_str(), "imported"),
            ("aws_vpc.main", made.vpc.as_str(), "imported"),
        ]
    );
    assert_eq!(
        report["skipped"][0]["address"], "aws_lambda_function.deploy",
        "{report}"
    );
    assert_eq!(report["skipped"][0]["reason_code"], "unsupported_type");
    assert_eq!(report["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(report["data_sources"], 1);

    // The attributes came from the cloud: the tag Terraform never recorded is there.
    let vpc = s.ok(&["state", "show", "aws_vpc.main"]);
    assert!(vpc.stdout.contains("cloud-only"), "{}", vpc.stdout);
    assert_eq!(s.read("terraform.tfstate"), source);

    let plan = run_in(&emulator, &s, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
}

#[test]
fn without_a_state_file_the_backend_s3_blocks_terraform_state_is_read_and_never_written() {
    let emulator = aws::Emulator::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let s = Stack::new();
    common::copy_case(&data_dir().join("migrate/terraform_builtin"), s.path());
    let source = std::fs::read(s.path().join("terraform.tfstate")).unwrap();
    std::fs::remove_file(s.path().join("terraform.tfstate")).unwrap();
    let key = "team/terraform.tfstate";
    let s3 = runtime.block_on(async {
        let s3 = aws_sdk_s3::Client::new(&aws::sdk_config(&emulator).await);
        s3.create_bucket()
            .bucket("tf-state")
            .send()
            .await
            .expect("CreateBucket");
        s3.put_object()
            .bucket("tf-state")
            .key(key)
            .body(source.clone().into())
            .send()
            .await
            .expect("PutObject");
        s3
    });
    s.write(
        "backend.tf",
        &format!("terraform {{\n  backend \"s3\" {{\n    bucket = \"tf-state\"\n    key    = \"{key}\"\n    region = \"us-east-1\"\n  }}\n}}\n"),
    );
    let env = |s: &Stack, args: &[&str]| {
        let endpoint = emulator.endpoint();
        s.run_with(
            args,
            &[
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                (
                    "STACK_STATE_KEY",
                    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                ),
            ],
        )
    };
    let migrate = env(&s, &["migrate", "terraform"]);
    assert_eq!(migrate.code, 0, "{}", migrate.both());
    assert!(
        migrate
            .stdout
            .contains(&format!("from s3://tf-state/{key} (serial 10)")),
        "{}",
        migrate.stdout
    );
    let plan = env(&s, &["plan"]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    let get = |object: String| {
        runtime.block_on(async {
            let got = s3.get_object().bucket("tf-state").key(object).send().await;
            got.expect("GetObject")
                .body
                .collect()
                .await
                .unwrap()
                .to_vec()
        })
    };
    // Terraform's object is as it was; stack's state is beside it.
    assert_eq!(get(key.to_string()), source);
    let ours = String::from_utf8(get(format!("{key}.stack"))).unwrap();
    assert!(ours.contains("\"format_version\""), "{ours}");
    assert!(!ours.contains("s3cret-token-value"), "{ours}");
    // Another workspace has its own Terraform state object, which is not there.
    let other = env(&s, &["--workspace", "staging", "migrate", "terraform"]);
    assert_eq!(other.code, 1, "{}", other.both());
    assert!(
        common::flat(&other.stderr).contains(&format!("s3://tf-state/env:/staging/{key}")),
        "{}",
        other.stderr
    );
}
