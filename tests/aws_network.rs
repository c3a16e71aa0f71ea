//! A VPC's network through the `stack` binary against the emulator: an
//! internet gateway, route tables with inline and separate routes, subnet
//! associations, an Elastic IP and a NAT gateway, plus the provider's own
//! data sources. Each step is checked through the EC2 API, not our state:
//! created, planned again to "No changes.", updated in place (tags, a
//! route's target, an association moved to another table), replaced,
//! imported and destroyed.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use aws_sdk_ec2::types::Filter;
use common::Stack;

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

/// The network; `private_table` picks the table the private subnet is
/// bound to and `igw_name` the gateway's Name tag.
fn template(private_table: &str, igw_name: &str, nat_cidr: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region        = "us-east-1"
  max_retries   = 0
  poll_interval = "100ms"
}}

data "aws_caller_identity" "me" {{}}
data "aws_region" "here" {{}}
data "aws_partition" "p" {{}}

resource "aws_vpc" "main" {{
  cidr_block = "10.60.0.0/16"
}}

resource "aws_subnet" "public" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.60.1.0/24"
}}

resource "aws_subnet" "private" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.60.2.0/24"
}}

resource "aws_internet_gateway" "gw" {{
  vpc_id = aws_vpc.main.id
  tags = {{
    Name = "{igw_name}"
  }}
}}

resource "aws_route_table" "public" {{
  vpc_id = aws_vpc.main.id
  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }}
}}

resource "aws_route_table" "private" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_eip" "nat" {{
  domain = "vpc"
}}

resource "aws_nat_gateway" "nat" {{
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
  depends_on    = [aws_internet_gateway.gw]
}}

resource "aws_route" "private_out" {{
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "{nat_cidr}"
  nat_gateway_id         = aws_nat_gateway.nat.id
}}

resource "aws_route_table_association" "public" {{
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}}

resource "aws_route_table_association" "private" {{
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.{private_table}.id
}}

output "account" {{
  value = data.aws_caller_identity.me.account_id
}}

output "region" {{
  value = data.aws_region.here.name
}}

output "dns_suffix" {{
  value = data.aws_partition.p.dns_suffix
}}

output "igw" {{
  value = aws_internet_gateway.gw.id
}}

output "public_ip" {{
  value = aws_nat_gateway.nat.public_ip
}}

output "ids" {{
  value = {{
    vpc            = aws_vpc.main.id
    public_table   = aws_route_table.public.id
    private_table  = aws_route_table.private.id
    public_subnet  = aws_subnet.public.id
    private_subnet = aws_subnet.private.id
    nat            = aws_nat_gateway.nat.id
    eip            = aws_eip.nat.id
  }}
}}
"#
    )
}

/// What the EC2 API says of the network.
#[derive(Debug, Default)]
struct Cloud {
    igw_attached_to: Vec<String>,
    igw_names: Vec<String>,
    /// (table id, destination, target) of the routes the user made.
    routes: Vec<(String, String, String)>,
    /// (subnet, table) of every subnet association.
    associations: Vec<(String, String)>,
    live_nat_gateways: usize,
    addresses: usize,
}

fn cloud(emulator: &Emulator, vpc: &str) -> Cloud {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(emulator).await);
            let in_vpc = |name: &str| Filter::builder().name(name).values(vpc).build();
            let mut c = Cloud::default();
            let igws = ec2
                .describe_internet_gateways()
                .filters(in_vpc("attachment.vpc-id"))
                .send()
                .await
                .expect("DescribeInternetGateways");
            for g in igws.internet_gateways() {
                c.igw_attached_to.extend(
                    g.attachments()
                        .iter()
                        .filter_map(|a| a.vpc_id().map(String::from)),
                );
                c.igw_names.extend(
                    g.tags()
                        .iter()
                        .filter(|t| t.key() == Some("Name"))
                        .filter_map(|t| t.value().map(String::from)),
                );
            }
            let tables = ec2
                .describe_route_tables()
                .filters(in_vpc("vpc-id"))
                .send()
                .await
                .expect("DescribeRouteTables");
            for t in tables.route_tables() {
                let id = t.route_table_id().unwrap_or_default().to_string();
                for r in t.routes() {
                    let target = r.gateway_id().or(r.nat_gateway_id()).unwrap_or_default();
                    if target != "local" {
                        let dest = r.destination_cidr_block().unwrap_or_default();
                        c.routes
                            .push((id.clone(), dest.to_string(), target.to_string()));
                    }
                }
                for a in t.associations() {
                    if let Some(subnet) = a.subnet_id() {
                        c.associations.push((subnet.to_string(), id.clone()));
                    }
                }
            }
            let nats = ec2
                .describe_nat_gateways()
                .filter(in_vpc("vpc-id"))
                .send()
                .await
                .expect("DescribeNatGateways");
            c.live_nat_gateways = nats
                .nat_gateways()
                .iter()
                .filter(|g| g.state().map(|s| s.as_str()) == Some("available"))
                .count();
            c.addresses = ec2
                .describe_addresses()
                .send()
                .await
                .expect("DescribeAddresses")
                .addresses()
                .len();
            c.routes.sort();
            c.associations.sort();
            c
        })
}

/// One of the ids the `ids` output lists.
fn id(stack: &Stack, name: &str) -> String {
    stack.output("ids")[name]
        .as_str()
        .unwrap_or_else(|| panic!("no id {name}: {}", stack.output("ids")))
        .to_string()
}

#[test]
fn a_vpc_network_applies_plans_clean_updates_imports_and_destroys() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&template("private", "main-gw", "0.0.0.0/0"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 11 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    assert_eq!(stack.output("region"), "us-east-1");
    assert_eq!(stack.output("dns_suffix"), "amazonaws.com");
    assert!(stack
        .output("account")
        .as_str()
        .is_some_and(|a| a.len() == 12));
    assert!(stack
        .output("public_ip")
        .as_str()
        .is_some_and(|ip| !ip.is_empty()));

    let vpc = id(&stack, "vpc");
    let public_table = id(&stack, "public_table");
    let private_table = id(&stack, "private_table");
    let public_subnet = id(&stack, "public_subnet");
    let private_subnet = id(&stack, "private_subnet");
    let igw = stack.output("igw").as_str().unwrap_or_default().to_string();
    let nat = id(&stack, "nat");

    let c = cloud(&emulator, &vpc);
    assert_eq!(c.igw_attached_to, std::slice::from_ref(&vpc));
    assert_eq!(c.igw_names, ["main-gw"]);
    let mut routes = vec![
        (public_table.clone(), "0.0.0.0/0".to_string(), igw.clone()),
        (private_table.clone(), "0.0.0.0/0".to_string(), nat.clone()),
    ];
    routes.sort();
    assert_eq!(c.routes, routes);
    let mut associations = vec![
        (public_subnet.clone(), public_table.clone()),
        (private_subnet.clone(), private_table.clone()),
    ];
    associations.sort();
    assert_eq!(c.associations, associations);
    assert_eq!(c.live_nat_gateways, 1);
    assert_eq!(c.addresses, 1);

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // In place: the gateway's tags and the private subnet's table.
    stack.write("main.tf", &template("public", "renamed-gw", "0.0.0.0/0"));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 2 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let c = cloud(&emulator, &vpc);
    assert_eq!(c.igw_names, ["renamed-gw"]);
    assert!(
        c.associations
            .contains(&(private_subnet.clone(), public_table.clone())),
        "{:?}",
        c.associations
    );

    // A new destination replaces the route.
    stack.write("main.tf", &template("public", "renamed-gw", "10.99.0.0/16"));
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    let c = cloud(&emulator, &vpc);
    assert!(
        c.routes.contains(&(
            private_table.clone(),
            "10.99.0.0/16".to_string(),
            nat.clone()
        )),
        "{:?}",
        c.routes
    );
    let clean = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{}", clean.both());

    // Import: forgotten objects are found again by their ids, and the plan
    // against them is clean.
    for (addr, id) in [
        ("aws_internet_gateway.gw", igw.clone()),
        ("aws_route_table.public", public_table.clone()),
        (
            "aws_route.private_out",
            format!("{private_table}_10.99.0.0/16"),
        ),
        (
            "aws_route_table_association.public",
            format!("{public_subnet}/{public_table}"),
        ),
        ("aws_nat_gateway.nat", nat.clone()),
    ] {
        let rm = run(&stack, &["state", "rm", addr], &env);
        assert_eq!(rm.code, 0, "{}", rm.both());
        let import = run(&stack, &["import", addr, &id], &env);
        assert_eq!(import.code, 0, "import {addr} {id}: {}", import.both());
    }
    let eip = id(&stack, "eip");
    run(&stack, &["state", "rm", "aws_eip.nat"], &env);
    let import = run(&stack, &["import", "aws_eip.nat", &eip], &env);
    assert_eq!(import.code, 0, "{}", import.both());
    let after_import = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(after_import.code, 0, "{}", after_import.both());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 11 destroyed."),
        "{}",
        destroy.both()
    );
    let c = cloud(&emulator, &vpc);
    assert!(c.igw_attached_to.is_empty(), "{c:?}");
    assert!(c.routes.is_empty(), "{c:?}");
    assert_eq!(c.live_nat_gateways, 0);
    assert_eq!(c.addresses, 0);
}
