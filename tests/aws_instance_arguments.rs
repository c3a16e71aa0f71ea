//! `aws_instance` with most of Terraform's arguments, through the `stack`
//! binary against the emulator. Each step is checked through the EC2 API
//! (the SDK), not our state: created with its volumes, addresses,
//! protections and options; planned again to "No changes."; changed in
//! place (type by a stop and start, protections, monitoring, metadata
//! options, the root volume, tags); replaced for a force-new change; and
//! destroyed with `force_destroy` lifting termination protection.
//!
//! What the emulator cannot check: it keeps no CPU options, credit
//! specification, capacity reservation, enclave, maintenance or private DNS
//! name options (EC2 answers them, moto does not; they are sent, and the
//! unit tests in `providers/src/aws/ec2/instance/launch.rs` check the
//! request), so those are
//! left out here; nor does it implement MonitorInstances /
//! UnmonitorInstances, so `monitoring` is checked at launch only; it has no
//! Spot market, launch templates from
//! `launch_template`, IPv6 subnets, placement groups or dedicated hosts.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use aws_sdk_ec2::types::{Filter, InstanceAttributeName};
use common::Stack;

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

/// The settings that the steps change.
struct Settings {
    instance_type: &'static str,
    protected: bool,
    monitoring: bool,
    http_tokens: &'static str,
    root_size: u32,
    name: &'static str,
    user_data: &'static str,
    /// The primary and secondary private addresses.
    addresses: (&'static str, &'static str),
}

const FIRST: Settings = Settings {
    instance_type: "t3.micro",
    protected: true,
    monitoring: true,
    http_tokens: "required",
    root_size: 20,
    name: "web",
    user_data: "#!/bin/bash\necho one\n",
    addresses: ("10.70.1.10", "10.70.1.11"),
};

fn template(s: &Settings) -> String {
    format!(
        r#"
provider "aws" {{
  region        = "us-east-1"
  max_retries   = 0
  poll_interval = "100ms"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.70.0.0/16"
}}

resource "aws_subnet" "app" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.70.1.0/24"
  availability_zone = "us-east-1a"
}}

resource "aws_security_group" "app" {{
  name   = "machines"
  vpc_id = aws_vpc.main.id
}}

resource "aws_key_pair" "ops" {{
  key_name   = "ops"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGRl1S8UaXXXGb6w1oM7d1mYTm6Ck3QfBv0XrAgtFv6t ops"
}}

resource "aws_instance" "web" {{
  ami                                  = "ami-12c6146b"
  instance_type                        = "{instance_type}"
  subnet_id                            = aws_subnet.app.id
  vpc_security_group_ids               = [aws_security_group.app.id]
  key_name                             = aws_key_pair.ops.key_name
  private_ip                           = "{private_ip}"
  secondary_private_ips                = ["{secondary_ip}"]
  iam_instance_profile                 = "web-profile"
  monitoring                           = {monitoring}
  ebs_optimized                        = true
  source_dest_check                    = false
  disable_api_termination              = {protected}
  instance_initiated_shutdown_behavior = "terminate"
  force_destroy                        = true
  user_data                            = "{user_data}"
  user_data_replace_on_change          = true

  metadata_options {{
    http_tokens                 = "{http_tokens}"
    http_put_response_hop_limit = 2
  }}

  root_block_device {{
    volume_size = {root_size}
    volume_type = "gp3"
    tags = {{
      Disk = "root"
    }}
  }}

  ebs_block_device {{
    device_name = "/dev/sdh"
    volume_size = 5
    volume_type = "gp2"
  }}

  tags = {{
    Name = "{name}"
  }}
}}

output "id" {{
  value = aws_instance.web.id
}}

output "root_volume" {{
  value = aws_instance.web.root_block_device[0].volume_id
}}

output "interface" {{
  value = aws_instance.web.primary_network_interface_id
}}
"#,
        instance_type = s.instance_type,
        monitoring = s.monitoring,
        protected = s.protected,
        user_data = s.user_data.replace('\n', "\\n"),
        http_tokens = s.http_tokens,
        root_size = s.root_size,
        name = s.name,
        private_ip = s.addresses.0,
        secondary_ip = s.addresses.1,
    )
}

/// What the EC2 API says of one machine.
#[derive(Debug, PartialEq)]
struct Machine {
    state: String,
    instance_type: String,
    private_ips: Vec<String>,
    key_name: String,
    profile_arn: String,
    monitoring: String,
    ebs_optimized: bool,
    source_dest_check: bool,
    http_tokens: String,
    hop_limit: i32,
    /// (device, size, type, Disk tag of the volume)
    volumes: Vec<(String, i32, String, Option<String>)>,
    termination_protected: bool,
    shutdown_behaviour: String,
    /// As EC2 returns it: base64.
    user_data: String,
    name: String,
}

/// `#!/bin/bash\necho one\n` and `… two …`, base64-encoded as EC2 keeps
/// user data.
const USER_DATA_ONE: &str = "IyEvYmluL2Jhc2gKZWNobyBvbmUK";
const USER_DATA_TWO: &str = "IyEvYmluL2Jhc2gKZWNobyB0d28K";

fn machine(emulator: &Emulator, id: &str) -> Machine {
    runtime().block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(emulator).await);
        let found = ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .expect("DescribeInstances");
        let i = found.reservations()[0].instances()[0].clone();
        let mut private_ips: Vec<String> = i
            .network_interfaces()
            .iter()
            .flat_map(|n| n.private_ip_addresses())
            .filter_map(|a| a.private_ip_address().map(String::from))
            .collect();
        private_ips.sort();
        let mut volumes = Vec::new();
        for mapping in i.block_device_mappings() {
            let volume_id = mapping
                .ebs()
                .and_then(|e| e.volume_id())
                .unwrap_or_default();
            let described = ec2
                .describe_volumes()
                .filters(
                    Filter::builder()
                        .name("volume-id")
                        .values(volume_id)
                        .build(),
                )
                .send()
                .await
                .expect("DescribeVolumes");
            let v = &described.volumes()[0];
            let disk = v
                .tags()
                .iter()
                .find(|t| t.key() == Some("Disk"))
                .and_then(|t| t.value().map(String::from));
            volumes.push((
                mapping.device_name().unwrap_or_default().to_string(),
                v.size().unwrap_or_default(),
                v.volume_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                disk,
            ));
        }
        volumes.sort();
        let attribute = |name: InstanceAttributeName| {
            let ec2 = ec2.clone();
            async move {
                ec2.describe_instance_attribute()
                    .instance_id(id)
                    .attribute(name)
                    .send()
                    .await
                    .expect("DescribeInstanceAttribute")
            }
        };
        let termination = attribute(InstanceAttributeName::DisableApiTermination).await;
        let shutdown = attribute(InstanceAttributeName::InstanceInitiatedShutdownBehavior).await;
        let user_data = attribute(InstanceAttributeName::UserData).await;
        let metadata = i.metadata_options();
        Machine {
            state: i
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
            instance_type: i
                .instance_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            private_ips,
            key_name: i.key_name().unwrap_or_default().to_string(),
            profile_arn: i
                .iam_instance_profile()
                .and_then(|p| p.arn())
                .unwrap_or_default()
                .to_string(),
            monitoring: i
                .monitoring()
                .and_then(|m| m.state())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            ebs_optimized: i.ebs_optimized().unwrap_or(false),
            source_dest_check: i.source_dest_check().unwrap_or(true),
            http_tokens: metadata
                .and_then(|m| m.http_tokens())
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            hop_limit: metadata
                .and_then(|m| m.http_put_response_hop_limit())
                .unwrap_or_default(),
            volumes,
            termination_protected: termination
                .disable_api_termination()
                .and_then(|v| v.value())
                .unwrap_or(false),
            shutdown_behaviour: shutdown
                .instance_initiated_shutdown_behavior()
                .and_then(|v| v.value())
                .unwrap_or_default()
                .to_string(),
            user_data: user_data
                .user_data()
                .and_then(|u| u.value())
                .unwrap_or_default()
                .to_string(),
            name: i
                .tags()
                .iter()
                .find(|t| t.key() == Some("Name"))
                .and_then(|t| t.value())
                .unwrap_or_default()
                .to_string(),
        }
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The instance profile the machine runs with, made through IAM: moto
/// checks that a profile named at launch exists.
fn make_instance_profile(emulator: &Emulator) {
    runtime().block_on(async {
        let iam = aws_sdk_iam::Client::new(&aws::sdk_config(emulator).await);
        iam.create_instance_profile()
            .instance_profile_name("web-profile")
            .send()
            .await
            .expect("CreateInstanceProfile");
    });
}

fn output(stack: &Stack, name: &str) -> String {
    stack.output(name).as_str().unwrap_or_default().to_string()
}

fn apply(stack: &Stack, env: &[(&'static str, String)], summary: &str) {
    let applied = run(stack, &["apply", "--auto-approve"], env);
    assert_eq!(applied.code, 0, "{}", applied.both());
    assert!(applied.stdout.contains(summary), "{}", applied.both());
    let again = run(stack, &["plan", "--detailed-exitcode"], env);
    assert_eq!(again.code, 0, "re-plan after apply:\n{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());
}

#[test]
fn an_instance_with_most_arguments_is_created_updated_replaced_and_destroyed() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    make_instance_profile(&emulator);
    let stack = Stack::with_main(&template(&FIRST));

    apply(
        &stack,
        &env,
        "Apply complete! Resources: 5 added, 0 changed, 0 destroyed.",
    );
    let id = output(&stack, "id");
    let first = machine(&emulator, &id);
    assert_eq!(first.state, "running");
    assert_eq!(first.instance_type, "t3.micro");
    assert_eq!(first.private_ips, ["10.70.1.10", "10.70.1.11"]);
    assert_eq!(first.key_name, "ops");
    assert!(
        first.profile_arn.ends_with("instance-profile/web-profile"),
        "{first:?}"
    );
    assert_eq!(first.monitoring, "enabled");
    assert!(first.ebs_optimized);
    assert!(!first.source_dest_check);
    assert_eq!(
        (first.http_tokens.as_str(), first.hop_limit),
        ("required", 2)
    );
    assert_eq!(
        first.volumes,
        [
            (
                "/dev/sda1".to_string(),
                20,
                "gp3".to_string(),
                Some("root".to_string())
            ),
            ("/dev/sdh".to_string(), 5, "gp2".to_string(), None),
        ]
    );
    assert!(first.termination_protected);
    assert_eq!(first.shutdown_behaviour, "terminate");
    assert_eq!(first.user_data, USER_DATA_ONE);
    assert_eq!(first.name, "web");
    assert!(output(&stack, "root_volume").starts_with("vol-"));
    assert!(output(&stack, "interface").starts_with("eni-"));

    // In place: a new type (stop, modify, start), IMDSv1 allowed again, a
    // bigger root volume and a new Name. Termination protection stays on:
    // force_destroy lifts it at destroy. Monitoring stays on: moto 5.2.5
    // does not implement MonitorInstances / UnmonitorInstances (HTTP 500),
    // so turning it off in place cannot be checked here.
    let second = Settings {
        instance_type: "t3.small",
        http_tokens: "optional",
        root_size: 30,
        name: "web-2",
        ..FIRST
    };
    stack.write("main.tf", &template(&second));
    let plan = run(&stack, &["plan"], &env);
    assert_eq!(
        plan.planned("will be updated in-place"),
        ["aws_instance.web"],
        "{}",
        plan.both()
    );
    apply(
        &stack,
        &env,
        "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.",
    );
    assert_eq!(
        output(&stack, "id"),
        id,
        "an in-place update keeps the machine"
    );
    let updated = machine(&emulator, &id);
    assert_eq!(updated.state, "running");
    assert_eq!(updated.instance_type, "t3.small");
    assert_eq!(updated.monitoring, "enabled");
    assert_eq!(updated.http_tokens, "optional");
    assert_eq!(updated.volumes[0].1, 30);
    assert_eq!(updated.name, "web-2");
    assert!(updated.termination_protected);

    // Force-new: new user data with user_data_replace_on_change. The new
    // machine takes other addresses: moto keeps a terminated machine's
    // addresses taken.
    let third = Settings {
        user_data: "#!/bin/bash\necho two\n",
        addresses: ("10.70.1.20", "10.70.1.21"),
        ..second
    };
    stack.write("main.tf", &template(&third));
    let plan = run(&stack, &["plan"], &env);
    assert_eq!(
        plan.planned("must be replaced"),
        ["aws_instance.web"],
        "{}",
        plan.both()
    );
    apply(
        &stack,
        &env,
        "Apply complete! Resources: 1 added, 0 changed, 1 destroyed.",
    );
    let new_id = output(&stack, "id");
    assert_ne!(new_id, id);
    assert_eq!(
        machine(&emulator, &id).state,
        "terminated",
        "force_destroy lifted the protection"
    );
    let replaced = machine(&emulator, &new_id);
    assert_eq!(replaced.user_data, USER_DATA_TWO);
    assert!(replaced.termination_protected);

    let destroyed = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroyed.code, 0, "{}", destroyed.both());
    assert_eq!(machine(&emulator, &new_id).state, "terminated");
}

#[test]
fn an_instance_imported_by_id_reads_its_attributes_back() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    make_instance_profile(&emulator);
    let stack = Stack::with_main(&template(&FIRST));
    apply(
        &stack,
        &env,
        "Apply complete! Resources: 5 added, 0 changed, 0 destroyed.",
    );
    let id = output(&stack, "id");
    let removed = run(&stack, &["state", "rm", "aws_instance.web"], &env);
    assert_eq!(removed.code, 0, "{}", removed.both());
    let imported = run(&stack, &["import", "aws_instance.web", &id], &env);
    assert_eq!(imported.code, 0, "{}", imported.both());
    let shown = run(&stack, &["state", "show", "aws_instance.web"], &env);
    for expected in [
        "disable_api_termination = true",
        "instance_initiated_shutdown_behavior = \"terminate\"",
        "ebs_optimized = true",
        "monitoring = true",
        "http_tokens = \"required\"",
        "volume_size = 20",
    ] {
        assert!(
            flat(&shown.stdout).contains(expected),
            "{expected}:\n{}",
            shown.stdout
        );
    }
    // As in Terraform, force_destroy of an imported machine takes effect
    // once an apply has recorded it.
    apply(
        &stack,
        &env,
        "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.",
    );
    let destroyed = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroyed.code, 0, "{}", destroyed.both());
    assert_eq!(machine(&emulator, &id).state, "terminated");
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
