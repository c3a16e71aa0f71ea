//! Trust in apply against the AWS emulator, through the `stack` binary and
//! checked through the AWS API: a rejected create does not wedge the stack,
//! chained replacements run in Terraform's order, and the old object of a
//! `create_before_destroy` replacement that cannot be deleted stays deposed
//! until a later apply deletes it.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use common::{Run, Stack};

struct Cloud {
    emulator: Emulator,
    runtime: tokio::runtime::Runtime,
}

impl Cloud {
    fn start() -> Cloud {
        Cloud {
            emulator: Emulator::start(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
        }
    }

    fn run(&self, stack: &Stack, args: &[&str]) -> Run {
        let endpoint = self.emulator.endpoint();
        stack.run_with(
            args,
            &[
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", "us-east-1"),
            ],
        )
    }

    fn ok(&self, stack: &Stack, args: &[&str]) -> Run {
        let run = self.run(stack, args);
        assert_eq!(run.code, 0, "stack {args:?}:\n{}", run.both());
        run
    }

    fn ec2(&self) -> aws_sdk_ec2::Client {
        self.runtime
            .block_on(async { aws_sdk_ec2::Client::new(&aws::sdk_config(&self.emulator).await) })
    }

    fn elasticache(&self) -> aws_sdk_elasticache::Client {
        self.runtime.block_on(async {
            aws_sdk_elasticache::Client::new(&aws::sdk_config(&self.emulator).await)
        })
    }

    /// The cidr blocks of the VPCs that are not the account's default one.
    fn vpc_cidrs(&self) -> Vec<String> {
        let ec2 = self.ec2();
        let vpcs = self
            .runtime
            .block_on(ec2.describe_vpcs().send())
            .expect("DescribeVpcs");
        vpcs.vpcs()
            .iter()
            .filter(|v| v.is_default() != Some(true))
            .filter_map(|v| v.cidr_block().map(str::to_string))
            .collect()
    }
}

#[test]
fn a_create_the_api_rejects_leaves_a_stack_that_plans_and_creates_it_again() {
    let cloud = Cloud::start();
    let stack = Stack::with_main(
        r#"
provider "aws" {
  region = "us-east-1"
}
variable "vpc_id" {
  type    = string
  default = "vpc-doesnotexist"
}
resource "aws_subnet" "a" {
  vpc_id     = var.vpc_id
  cidr_block = "10.70.1.0/24"
}
"#,
    );
    let apply = cloud.run(&stack, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{}", apply.both());
    assert!(
        apply.stderr.contains("Failed to create aws_subnet.a"),
        "{}",
        apply.stderr
    );

    let plan = cloud.ok(&stack, &["plan"]);
    assert!(
        plan.stdout.contains("# aws_subnet.a will be created"),
        "the failed create is planned again, not a refresh error:\n{}",
        plan.stdout
    );

    let ec2 = cloud.ec2();
    let vpc = cloud
        .runtime
        .block_on(ec2.create_vpc().cidr_block("10.70.0.0/16").send())
        .expect("CreateVpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    cloud.ok(
        &stack,
        &[
            "apply",
            "--auto-approve",
            "--var",
            &format!("vpc_id={vpc_id}"),
        ],
    );
    let subnets = cloud
        .runtime
        .block_on(
            ec2.describe_subnets()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(&vpc_id)
                        .build(),
                )
                .send(),
        )
        .expect("DescribeSubnets");
    assert_eq!(subnets.subnets().len(), 1);
}

const NETWORK: &str = r#"
provider "aws" {
  region = "us-east-1"
}
variable "cidr" {
  type = string
}
resource "aws_vpc" "main" {
  cidr_block = var.cidr
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, 1)
}
resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = [aws_subnet.a.cidr_block]
  }
}
"#;

#[test]
fn a_vpc_subnet_and_security_group_replaced_together_apply_in_terraforms_order() {
    let cloud = Cloud::start();
    let stack = Stack::with_main(NETWORK);
    cloud.ok(
        &stack,
        &["apply", "--auto-approve", "--var", "cidr=10.80.0.0/16"],
    );
    let plan = cloud.ok(&stack, &["plan", "--var", "cidr=10.81.0.0/16"]);
    assert!(
        plan.stdout
            .contains("Plan: 3 to add, 0 to change, 3 to destroy."),
        "{}",
        plan.stdout
    );

    let apply = cloud.ok(
        &stack,
        &["apply", "--auto-approve", "--var", "cidr=10.81.0.0/16"],
    );
    let at = |line: &str| apply.line_index(line);
    assert!(at("aws_security_group.web: Destruction complete") < at("aws_subnet.a: Destroying..."));
    assert!(at("aws_subnet.a: Destruction complete") < at("aws_vpc.main: Destroying..."));
    assert!(at("aws_vpc.main: Destruction complete") < at("aws_vpc.main: Creating..."));
    assert!(at("aws_vpc.main: Creation complete") < at("aws_subnet.a: Creating..."));
    assert!(at("aws_subnet.a: Creation complete") < at("aws_security_group.web: Creating..."));
    assert_eq!(cloud.vpc_cidrs(), ["10.81.0.0/16"]);
    assert!(cloud
        .ok(&stack, &["plan", "--var", "cidr=10.81.0.0/16"])
        .stdout
        .contains("No changes."));
}

#[test]
fn an_old_object_that_cannot_be_deleted_stays_deposed_until_a_later_apply_deletes_it() {
    let cloud = Cloud::start();
    let ec2 = cloud.ec2();
    let subnets = cloud.runtime.block_on(aws::subnets(&ec2, "10.90"));
    let template = format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
variable "generation" {{
  type = string
}}
resource "aws_elasticache_subnet_group" "cache" {{
  name       = "cache-${{var.generation}}"
  subnet_ids = {subnets:?}
  lifecycle {{
    create_before_destroy = true
  }}
}}
"#
    );
    let stack = Stack::with_main(&template);
    cloud.ok(
        &stack,
        &["apply", "--auto-approve", "--var", "generation=1"],
    );
    // Someone starts a cluster in the old group outside stack: AWS refuses
    // to delete a subnet group in use.
    let elasticache = cloud.elasticache();
    cloud
        .runtime
        .block_on(
            elasticache
                .create_cache_cluster()
                .cache_cluster_id("outside")
                .engine("redis")
                .cache_node_type("cache.t3.micro")
                .num_cache_nodes(1)
                .cache_subnet_group_name("cache-1")
                .send(),
        )
        .expect("CreateCacheCluster");

    let apply = cloud.run(
        &stack,
        &["apply", "--auto-approve", "--var", "generation=2"],
    );
    assert_eq!(apply.code, 1, "{}", apply.both());
    let deposed: Vec<String> = cloud
        .ok(&stack, &["state", "list"])
        .stdout
        .lines()
        .filter(|l| l.contains("#deposed:"))
        .map(str::to_string)
        .collect();
    assert_eq!(deposed.len(), 1, "the old group is kept as deposed");
    let plan = cloud.ok(&stack, &["plan", "--var", "generation=2"]);
    assert!(
        plan.stdout
            .contains("aws_elasticache_subnet_group.cache (deposed object ")
            && plan.stdout.contains("will be destroyed"),
        "{}",
        plan.stdout
    );

    cloud
        .runtime
        .block_on(
            elasticache
                .delete_cache_cluster()
                .cache_cluster_id("outside")
                .send(),
        )
        .expect("DeleteCacheCluster");
    cloud.ok(
        &stack,
        &["apply", "--auto-approve", "--var", "generation=2"],
    );
    let groups = cloud
        .runtime
        .block_on(elasticache.describe_cache_subnet_groups().send())
        .expect("DescribeCacheSubnetGroups");
    let names: Vec<&str> = groups
        .cache_subnet_groups()
        .iter()
        .filter_map(|g| g.cache_subnet_group_name())
        .filter(|n| *n != "default")
        .collect();
    assert_eq!(names, ["cache-2"]);
    assert_eq!(
        cloud.ok(&stack, &["state", "list"]).stdout.trim(),
        "aws_elasticache_subnet_group.cache"
    );
}
