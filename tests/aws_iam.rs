//! IAM through the `stack` binary against the emulator: a role with an
//! instance profile, an inline policy, a managed policy and its attachment.
//! Each step is checked through the IAM API, not our state: created,
//! planned again to "No changes." although the documents are written with
//! another key order, spacing and single values where IAM returns lists,
//! updated in place (a document, tags, the profile's role), replaced,
//! imported and destroyed.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use common::Stack;

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

/// `action` is the inline policy's action, `team` the role's tag,
/// `profile_role` which role the profile carries and `policy_name` the
/// managed policy's name (a new name replaces it).
fn template(action: &str, team: &str, profile_role: &str, policy_name: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_iam_role" "app" {{
  name = "app"
  assume_role_policy = <<JSON
{{
  "Version": "2012-10-17",
  "Statement": {{
    "Effect": "Allow",
    "Principal": {{ "Service": "ec2.amazonaws.com" }},
    "Action": "sts:AssumeRole"
  }}
}}
JSON
  tags = {{
    Team = "{team}"
  }}
}}

resource "aws_iam_role" "spare" {{
  name_prefix        = "spare-"
  assume_role_policy = jsonencode({{
    Statement = [{{ Action = ["sts:AssumeRole"], Effect = "Allow", Principal = {{ Service = ["ec2.amazonaws.com"] }} }}]
    Version   = "2012-10-17"
  }})
}}

resource "aws_iam_instance_profile" "app" {{
  name = "app-profile"
  role = aws_iam_role.{profile_role}.name
}}

resource "aws_iam_role_policy" "logs" {{
  name = "logs"
  role = aws_iam_role.app.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "{action}", Resource = "*" }}]
  }})
}}

resource "aws_iam_policy" "read" {{
  name        = "{policy_name}"
  description = "read the bucket"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = {{ Effect = "Allow", Action = ["s3:GetObject", "s3:ListBucket"], Resource = "*" }}
  }})
}}

resource "aws_iam_role_policy_attachment" "read" {{
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.read.arn
}}

output "ids" {{
  value = {{
    spare  = aws_iam_role.spare.name
    policy = aws_iam_policy.read.arn
    arn    = aws_iam_role.app.arn
  }}
}}
"#
    )
}

/// What the IAM API says.
#[derive(Debug, Default)]
struct Cloud {
    role_tags: Vec<(String, String)>,
    profile_roles: Vec<String>,
    inline: Option<serde_json::Value>,
    attached: Vec<String>,
    policies: Vec<String>,
    roles: Vec<String>,
}

// Each field is one listing call, read in turn; filling a default reads best.
#[allow(clippy::field_reassign_with_default)]
fn cloud(emulator: &Emulator) -> Cloud {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let iam = aws_sdk_iam::Client::new(&aws::sdk_config(emulator).await);
            let mut c = Cloud::default();
            c.roles = iam
                .list_roles()
                .send()
                .await
                .expect("ListRoles")
                .roles()
                .iter()
                .map(|r| r.role_name().to_string())
                .collect();
            c.roles.sort();
            c.policies = iam
                .list_policies()
                .scope(aws_sdk_iam::types::PolicyScopeType::Local)
                .send()
                .await
                .expect("ListPolicies")
                .policies()
                .iter()
                .filter_map(|p| p.policy_name().map(String::from))
                .collect();
            if !c.roles.iter().any(|r| r == "app") {
                return c;
            }
            c.role_tags = iam
                .list_role_tags()
                .role_name("app")
                .send()
                .await
                .expect("ListRoleTags")
                .tags()
                .iter()
                .filter(|t| t.key() == "Team")
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            if let Ok(p) = iam
                .get_instance_profile()
                .instance_profile_name("app-profile")
                .send()
                .await
            {
                c.profile_roles = p
                    .instance_profile()
                    .map(|p| {
                        p.roles()
                            .iter()
                            .map(|r| r.role_name().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
            }
            if let Ok(p) = iam
                .get_role_policy()
                .role_name("app")
                .policy_name("logs")
                .send()
                .await
            {
                let raw = p.policy_document();
                let text = percent_encoding::percent_decode_str(raw)
                    .decode_utf8_lossy()
                    .into_owned();
                c.inline = serde_json::from_str(&text)
                    .or_else(|_| serde_json::from_str(raw))
                    .ok();
            }
            c.attached = iam
                .list_attached_role_policies()
                .role_name("app")
                .send()
                .await
                .expect("ListAttachedRolePolicies")
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_name().map(String::from))
                .collect();
            c
        })
}

fn inline_action(c: &Cloud) -> String {
    let statement = &c.inline.as_ref().expect("an inline policy")["Statement"];
    let statement = statement.get(0).unwrap_or(statement);
    match &statement["Action"] {
        serde_json::Value::Array(a) => a[0].as_str().unwrap_or_default().to_string(),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

fn id(stack: &Stack, name: &str) -> String {
    stack.output("ids")[name]
        .as_str()
        .unwrap_or_else(|| panic!("no id {name}: {}", stack.output("ids")))
        .to_string()
}

#[test]
fn iam_roles_profiles_and_policies_apply_plan_clean_update_import_and_destroy() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&template("logs:PutLogEvents", "web", "app", "read"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 6 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    let spare = id(&stack, "spare");
    assert!(spare.starts_with("spare-"), "{spare}");
    let c = cloud(&emulator);
    assert_eq!(c.roles, ["app".to_string(), spare.clone()]);
    assert_eq!(c.role_tags, [("Team".to_string(), "web".to_string())]);
    assert_eq!(c.profile_roles, ["app"]);
    assert_eq!(inline_action(&c), "logs:PutLogEvents");
    assert_eq!(c.attached, ["read"]);
    assert!(id(&stack, "arn").ends_with(":role/app"));

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // In place: the inline document, the role's tags, the profile's role.
    stack.write(
        "main.tf",
        &template("logs:CreateLogStream", "platform", "spare", "read"),
    );
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 3 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let c = cloud(&emulator);
    assert_eq!(c.role_tags, [("Team".to_string(), "platform".to_string())]);
    assert_eq!(c.profile_roles, std::slice::from_ref(&spare));
    assert_eq!(inline_action(&c), "logs:CreateLogStream");

    // A new name replaces the managed policy and so its attachment.
    stack.write(
        "main.tf",
        &template("logs:CreateLogStream", "platform", "spare", "read-all"),
    );
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 2 added, 0 changed, 2 destroyed."),
        "{}",
        replace.both()
    );
    let c = cloud(&emulator);
    assert_eq!(c.policies, ["read-all"]);
    assert_eq!(c.attached, ["read-all"]);
    let clean = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{}", clean.both());

    // Import: forgotten objects are found again by their ids.
    let policy = id(&stack, "policy");
    for (addr, id) in [
        ("aws_iam_role.app", "app".to_string()),
        ("aws_iam_instance_profile.app", "app-profile".to_string()),
        ("aws_iam_role_policy.logs", "app:logs".to_string()),
        ("aws_iam_policy.read", policy.clone()),
        (
            "aws_iam_role_policy_attachment.read",
            format!("app/{policy}"),
        ),
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
    let c = cloud(&emulator);
    assert!(c.roles.is_empty(), "{c:?}");
    assert!(c.policies.is_empty(), "{c:?}");
}

/// A role whose inline policies and attachments the role itself holds
/// exclusively (`inline_policy`, `managed_policy_arns`), its instance
/// profile, and an inline policy of another role managed on its own.
/// `role` and `extra` name the role and the separate inline policy (new
/// names replace them), `inline` is the exclusive inline policy's action,
/// `arns` the policies attached and `read` the action of the managed
/// policy "svc-read".
struct Exclusive<'a> {
    role: &'a str,
    extra: &'a str,
    inline: &'a str,
    arns: &'a str,
    read: &'a str,
}

fn exclusive_template(k: &Exclusive) -> String {
    let Exclusive {
        role,
        extra,
        inline,
        arns,
        read,
    } = k;
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

locals {{
  trust = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_policy" "read" {{
  name   = "svc-read"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "{read}", Resource = "*" }}] }})
}}

resource "aws_iam_policy" "write" {{
  name   = "svc-write"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }}] }})
}}

resource "aws_iam_role" "svc" {{
  name               = "{role}"
  assume_role_policy = local.trust

  inline_policy {{
    name   = "logs"
    policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "{inline}", Resource = "*" }}] }})
  }}

  managed_policy_arns = [{arns}]
}}

resource "aws_iam_instance_profile" "svc" {{
  name = "{role}-profile"
  role = aws_iam_role.svc.name
}}

resource "aws_iam_role" "worker" {{
  name               = "worker"
  assume_role_policy = local.trust
}}

resource "aws_iam_role_policy" "extra" {{
  name   = "{extra}"
  role   = aws_iam_role.worker.name
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }}] }})
}}
"#
    )
}

/// What IAM says of one role: its inline policies (name and first action)
/// and the names of its attached policies; `None` when the role is gone.
type RolePolicies = Option<(Vec<(String, String)>, Vec<String>)>;

fn first_action(raw: &str) -> String {
    let text = percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned();
    let doc: serde_json::Value = serde_json::from_str(&text).expect("a policy document");
    let statement = &doc["Statement"];
    let statement = statement.get(0).unwrap_or(statement);
    match &statement["Action"] {
        serde_json::Value::Array(a) => a[0].as_str().unwrap_or_default().to_string(),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// An IAM client, made inside each runtime: a client's connections belong
/// to the runtime that made them.
async fn iam(emulator: &Emulator) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&aws::sdk_config(emulator).await)
}

fn role_policies(emulator: &Emulator, role: &str) -> RolePolicies {
    block_on(async {
        let iam = iam(emulator).await;
        let names = iam.list_role_policies().role_name(role).send().await.ok()?;
        let mut inline = Vec::new();
        for name in names.policy_names() {
            let doc = iam
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .expect("GetRolePolicy");
            inline.push((name.clone(), first_action(doc.policy_document())));
        }
        let mut attached: Vec<String> = iam
            .list_attached_role_policies()
            .role_name(role)
            .send()
            .await
            .expect("ListAttachedRolePolicies")
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name().map(String::from))
            .collect();
        attached.sort();
        Some((inline, attached))
    })
}

/// The action of the default version of the policy named `name`.
fn policy_action(emulator: &Emulator, name: &str) -> String {
    block_on(async {
        let iam = iam(emulator).await;
        let policies = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .expect("ListPolicies");
        let policy = policies
            .policies()
            .iter()
            .find(|p| p.policy_name() == Some(name))
            .expect("the policy");
        let version = iam
            .get_policy_version()
            .policy_arn(policy.arn().unwrap_or_default())
            .version_id(policy.default_version_id().unwrap_or_default())
            .send()
            .await
            .expect("GetPolicyVersion");
        first_action(
            version
                .policy_version()
                .and_then(|v| v.document())
                .unwrap_or_default(),
        )
    })
}

fn profile_role(emulator: &Emulator, profile: &str) -> Option<Vec<String>> {
    block_on(async {
        let iam = iam(emulator).await;
        let out = iam
            .get_instance_profile()
            .instance_profile_name(profile)
            .send()
            .await
            .ok()?;
        Some(
            out.instance_profile()?
                .roles()
                .iter()
                .map(|r| r.role_name().to_string())
                .collect(),
        )
    })
}

/// Asserts that IAM holds `role` with exactly the inline policies
/// `inline` (name, first action) and the attached policies `attached`.
fn assert_role(emulator: &Emulator, role: &str, inline: &[(&str, &str)], attached: &[&str]) {
    let attached = attached.iter().map(|a| a.to_string()).collect();
    assert_eq!(
        role_policies(emulator, role),
        Some((pairs(inline), attached)),
        "the role {role}"
    );
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_role_holds_its_inline_policies_and_attachments_exclusively() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let mut knobs = Exclusive {
        role: "svc",
        extra: "extra",
        inline: "logs:PutLogEvents",
        arns: "aws_iam_policy.read.arn",
        read: "s3:GetObject",
    };
    let stack = Stack::with_main(&exclusive_template(&knobs));
    let clean = |stack: &Stack| {
        let plan = run(stack, &["plan", "--detailed-exitcode"], &env);
        assert_eq!(plan.code, 0, "{}", plan.both());
        assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    };

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 6 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    assert_role(
        &emulator,
        "svc",
        &[("logs", "logs:PutLogEvents")],
        &["svc-read"],
    );
    assert_eq!(
        profile_role(&emulator, "svc-profile"),
        Some(vec!["svc".into()])
    );
    assert_eq!(
        role_policies(&emulator, "worker").map(|(inline, _)| inline),
        Some(pairs(&[("extra", "sqs:SendMessage")]))
    );
    clean(&stack);

    // Added outside stack: an inline policy and an attachment, which the
    // role's exclusive arguments take away again.
    block_on(async {
        let iam = iam(&emulator).await;
        iam.put_role_policy()
            .role_name("svc")
            .policy_name("rogue")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
            .send()
            .await
            .expect("PutRolePolicy");
        let write = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .expect("ListPolicies")
            .policies()
            .iter()
            .find(|p| p.policy_name() == Some("svc-write"))
            .and_then(|p| p.arn().map(String::from))
            .expect("svc-write");
        iam.attach_role_policy()
            .role_name("svc")
            .policy_arn(write)
            .send()
            .await
            .expect("AttachRolePolicy");
    });
    let drift = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(drift.code, 2, "{}", drift.both());
    assert!(
        drift
            .stdout
            .contains("aws_iam_role.svc will be updated in-place"),
        "{}",
        drift.both()
    );
    let mend = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        mend.stdout
            .contains("Resources: 0 added, 1 changed, 0 destroyed."),
        "{}",
        mend.both()
    );
    assert_role(
        &emulator,
        "svc",
        &[("logs", "logs:PutLogEvents")],
        &["svc-read"],
    );

    // In place: the exclusive inline document and attachments, and the
    // managed policy's document (a new default version).
    knobs.inline = "logs:CreateLogStream";
    knobs.arns = "aws_iam_policy.read.arn, aws_iam_policy.write.arn";
    knobs.read = "s3:ListBucket";
    stack.write("main.tf", &exclusive_template(&knobs));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 2 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    assert_role(
        &emulator,
        "svc",
        &[("logs", "logs:CreateLogStream")],
        &["svc-read", "svc-write"],
    );
    assert_eq!(policy_action(&emulator, "svc-read"), "s3:ListBucket");
    clean(&stack);

    // New names replace the role, its profile and the other role's inline
    // policy; the old role lets go of its policies before it is deleted.
    knobs.role = "svc2";
    knobs.extra = "extra2";
    stack.write("main.tf", &exclusive_template(&knobs));
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 3 added, 0 changed, 3 destroyed."),
        "{}",
        replace.both()
    );
    assert_eq!(
        role_policies(&emulator, "svc"),
        None,
        "the old role is gone"
    );
    assert_role(
        &emulator,
        "svc2",
        &[("logs", "logs:CreateLogStream")],
        &["svc-read", "svc-write"],
    );
    assert_eq!(profile_role(&emulator, "svc-profile"), None);
    assert_eq!(
        profile_role(&emulator, "svc2-profile"),
        Some(vec!["svc2".into()])
    );
    assert_eq!(
        role_policies(&emulator, "worker").map(|(inline, _)| inline),
        Some(pairs(&[("extra2", "sqs:SendMessage")]))
    );
    clean(&stack);

    // Import: the role's policies are read back and match the configuration.
    for (addr, id) in [
        ("aws_iam_role.svc", "svc2"),
        ("aws_iam_instance_profile.svc", "svc2-profile"),
        ("aws_iam_role_policy.extra", "worker:extra2"),
    ] {
        let rm = run(&stack, &["state", "rm", addr], &env);
        assert_eq!(rm.code, 0, "{}", rm.both());
        let import = run(&stack, &["import", addr, id], &env);
        assert_eq!(import.code, 0, "import {addr} {id}: {}", import.both());
    }
    clean(&stack);

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 6 destroyed."),
        "{}",
        destroy.both()
    );
    assert_eq!(role_policies(&emulator, "svc2"), None);
    assert_eq!(role_policies(&emulator, "worker"), None);
    assert_eq!(profile_role(&emulator, "svc2-profile"), None);
}
