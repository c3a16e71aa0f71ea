//! Security group rules as resources of their own, through the `stack`
//! binary against the emulator: `aws_security_group_rule` (many sources,
//! `self`), `aws_vpc_security_group_ingress_rule` and
//! `aws_vpc_security_group_egress_rule` next to a group with no inline
//! rules. Each step is checked through DescribeSecurityGroupRules, not our
//! state: created, planned again to "No changes." (the group leaves the
//! separate rules alone), updated in place (a description, a port, tags),
//! replaced, imported and destroyed.

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

/// The group and its rules; `ssh_note` is the legacy rule's description,
/// `web_port` the ingress rule's port, `team` its tag and `db_port` the
/// port of the legacy rule that is replaced.
fn template(ssh_note: &str, web_port: u16, team: &str, db_port: u16) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.70.0.0/16"
}}

resource "aws_security_group" "web" {{
  name   = "web"
  vpc_id = aws_vpc.main.id
}}

resource "aws_security_group_rule" "ssh" {{
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  protocol          = "6"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["10.0.0.0/8", "192.168.0.0/16"]
  description       = "{ssh_note}"
}}

resource "aws_security_group_rule" "db" {{
  type              = "ingress"
  security_group_id = aws_security_group.web.id
  protocol          = "tcp"
  from_port         = {db_port}
  to_port           = {db_port}
  self              = true
}}

resource "aws_vpc_security_group_ingress_rule" "https" {{
  security_group_id = aws_security_group.web.id
  ip_protocol       = "tcp"
  from_port         = {web_port}
  to_port           = {web_port}
  cidr_ipv4         = "0.0.0.0/0"
  description       = "the web"
  tags = {{
    Team = "{team}"
  }}
}}

resource "aws_vpc_security_group_egress_rule" "all" {{
  security_group_id = aws_security_group.web.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}}

output "group" {{
  value = aws_security_group.web.id
}}

output "ids" {{
  value = {{
    ssh     = aws_security_group_rule.ssh.id
    ssh_key = "${{aws_security_group.web.id}}_ingress_tcp_22_22_10.0.0.0/8_192.168.0.0/16"
    https   = aws_vpc_security_group_ingress_rule.https.id
    all     = aws_vpc_security_group_egress_rule.all.id
    arn     = aws_vpc_security_group_ingress_rule.https.arn
  }}
}}
"#
    )
}

/// One AWS rule as a user would check it in the console.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rule {
    egress: bool,
    protocol: String,
    from: i32,
    to: i32,
    source: String,
    description: String,
    tags: Vec<(String, String)>,
}

fn rules(emulator: &Emulator, group: &str) -> Vec<Rule> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(emulator).await);
            let out = ec2
                .describe_security_group_rules()
                .filters(Filter::builder().name("group-id").values(group).build())
                .send()
                .await
                .expect("DescribeSecurityGroupRules");
            let mut rules: Vec<Rule> = out
                .security_group_rules()
                .iter()
                .map(|r| Rule {
                    egress: r.is_egress().unwrap_or_default(),
                    protocol: r.ip_protocol().unwrap_or_default().to_string(),
                    from: r.from_port().unwrap_or_default(),
                    to: r.to_port().unwrap_or_default(),
                    source: r
                        .cidr_ipv4()
                        .or(r.referenced_group_info().and_then(|g| g.group_id()))
                        .unwrap_or_default()
                        .to_string(),
                    description: r.description().unwrap_or_default().to_string(),
                    tags: r
                        .tags()
                        .iter()
                        .filter(|t| t.key() == Some("Team"))
                        .map(|t| {
                            (
                                t.key().unwrap_or_default().to_string(),
                                t.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect(),
                })
                .collect();
            rules.sort();
            rules
        })
}

fn rule(egress: bool, protocol: &str, port: i32, source: &str, description: &str) -> Rule {
    Rule {
        egress,
        protocol: protocol.to_string(),
        from: port,
        to: port,
        source: source.to_string(),
        description: description.to_string(),
        tags: Vec::new(),
    }
}

fn expected(group: &str, ssh_note: &str, web_port: i32, team: &str, db_port: i32) -> Vec<Rule> {
    let mut https = rule(false, "tcp", web_port, "0.0.0.0/0", "the web");
    https.tags = vec![("Team".to_string(), team.to_string())];
    let mut all = vec![
        rule(false, "tcp", 22, "10.0.0.0/8", ssh_note),
        rule(false, "tcp", 22, "192.168.0.0/16", ssh_note),
        rule(false, "tcp", db_port, group, ""),
        https,
        rule(true, "-1", -1, "0.0.0.0/0", ""),
    ];
    all.sort();
    all
}

fn id(stack: &Stack, name: &str) -> String {
    stack.output("ids")[name]
        .as_str()
        .unwrap_or_else(|| panic!("no id {name}: {}", stack.output("ids")))
        .to_string()
}

#[test]
fn separate_security_group_rules_apply_plan_clean_update_import_and_destroy() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&template("ssh", 443, "web", 5432));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 6 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    let group = stack
        .output("group")
        .as_str()
        .unwrap_or_default()
        .to_string();
    // The group's default allow-all egress rule is gone (as Terraform
    // removes it); the egress rule resource put it back on purpose.
    assert_eq!(
        rules(&emulator, &group),
        expected(&group, "ssh", 443, "web", 5432)
    );
    assert!(id(&stack, "ssh").starts_with("sgrule-"));
    assert!(id(&stack, "https").starts_with("sgr-"));
    assert!(id(&stack, "arn").contains(":security-group-rule/sgr-"));

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // In place: the legacy rule's description; the ingress rule's port and
    // tags (ModifySecurityGroupRules keeps its id).
    let https = id(&stack, "https");
    stack.write("main.tf", &template("bastion", 8443, "platform", 5432));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 2 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    assert_eq!(
        rules(&emulator, &group),
        expected(&group, "bastion", 8443, "platform", 5432)
    );
    assert_eq!(id(&stack, "https"), https);

    // A new port replaces the legacy rule.
    stack.write("main.tf", &template("bastion", 8443, "platform", 3306));
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    assert_eq!(
        rules(&emulator, &group),
        expected(&group, "bastion", 8443, "platform", 3306)
    );
    let clean = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{}", clean.both());

    // Import: forgotten rules are found again by their ids, and the plan
    // against them is clean.
    for (addr, id) in [
        ("aws_security_group_rule.ssh", id(&stack, "ssh_key")),
        (
            "aws_security_group_rule.db",
            format!("{group}_ingress_tcp_3306_3306_self"),
        ),
        ("aws_vpc_security_group_ingress_rule.https", https.clone()),
        ("aws_vpc_security_group_egress_rule.all", id(&stack, "all")),
    ] {
        let rm = run(&stack, &["state", "rm", addr], &env);
        assert_eq!(rm.code, 0, "{}", rm.both());
        let import = run(&stack, &["import", addr, &id], &env);
        assert_eq!(import.code, 0, "import {addr} {id}: {}", import.both());
    }
    let after_import = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(after_import.code, 0, "{}", after_import.both());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 6 destroyed."),
        "{}",
        destroy.both()
    );
    let gone = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let ec2 = aws_sdk_ec2::Client::new(&aws::sdk_config(&emulator).await);
            ec2.describe_security_group_rules()
                .send()
                .await
                .expect("DescribeSecurityGroupRules")
                .security_group_rules()
                .iter()
                .filter(|r| r.group_id() == Some(group.as_str()))
                .count()
        });
    assert_eq!(gone, 0);
}
