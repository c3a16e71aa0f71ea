//! A bucket's separately managed configurations through the `stack` binary
//! against the emulator: versioning, policy, public access block, default
//! encryption, website and ownership controls. Each step is checked through
//! the S3 API, not our state: created, planned again to "No changes." (also
//! with the policy rewritten in another key order and spacing), updated in
//! place, replaced (moved to another bucket), imported by bucket name and
//! removed.
//!
//! Not checked, as the emulator cannot: `mfa` and `mfa_delete` (moto keeps
//! no MFA delete state) and `expected_bucket_owner` (moto does not compare
//! it with the bucket's owner); both are sent with every call.

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

/// What may vary between the steps.
struct Settings {
    versioning: &'static str,
    policy: &'static str,
    block_acls: bool,
    sse: &'static str,
    index: &'static str,
    ownership: &'static str,
    ownership_bucket: &'static str,
    with_parts: bool,
}

const FIRST: Settings = Settings {
    versioning: "Enabled",
    policy: r#"jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Read", Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::site-a/*" }]
  })"#,
    block_acls: true,
    sse: "AES256",
    index: "index.html",
    ownership: "BucketOwnerPreferred",
    ownership_bucket: "a",
    with_parts: true,
};

/// The first policy again, in another key order and spacing, with lists
/// where it had single values: the same document.
const FIRST_REWRITTEN: &str = r#"<<JSON
{
  "Statement": [
    {
      "Resource": ["arn:aws:s3:::site-a/*"],
      "Action": ["s3:GetObject"],
      "Principal": "*",
      "Effect": "Allow",
      "Sid": "Read"
    }
  ],
  "Version": "2012-10-17"
}
JSON"#;

fn template(s: &Settings) -> String {
    let buckets = r#"
provider "aws" {
  region      = "us-east-1"
  max_retries = 0
}

resource "aws_s3_bucket" "a" {
  bucket = "site-a"
}

resource "aws_s3_bucket" "b" {
  bucket = "site-b"
}
"#;
    if !s.with_parts {
        return buckets.to_string();
    }
    format!(
        r#"{buckets}
resource "aws_s3_bucket_versioning" "a" {{
  bucket = aws_s3_bucket.a.id
  versioning_configuration {{
    status = "{versioning}"
  }}
}}

resource "aws_s3_bucket_policy" "a" {{
  bucket = aws_s3_bucket.a.id
  policy = {policy}
}}

resource "aws_s3_bucket_public_access_block" "a" {{
  bucket            = aws_s3_bucket.a.id
  block_public_acls = {block_acls}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "a" {{
  bucket = aws_s3_bucket.a.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "{sse}"
    }}
  }}
}}

resource "aws_s3_bucket_website_configuration" "a" {{
  bucket = aws_s3_bucket.a.id
  index_document {{
    suffix = "{index}"
  }}
  error_document {{
    key = "error.html"
  }}
  routing_rule {{
    condition {{
      key_prefix_equals = "docs/"
    }}
    redirect {{
      replace_key_prefix_with = "documents/"
    }}
  }}
}}

resource "aws_s3_bucket_ownership_controls" "a" {{
  bucket = aws_s3_bucket.{ownership_bucket}.id
  rule {{
    object_ownership = "{ownership}"
  }}
}}

output "endpoint" {{
  value = aws_s3_bucket_website_configuration.a.website_endpoint
}}
"#,
        versioning = s.versioning,
        policy = s.policy,
        block_acls = s.block_acls,
        sse = s.sse,
        index = s.index,
        ownership = s.ownership,
        ownership_bucket = s.ownership_bucket,
    )
}

/// What the S3 API says of the buckets' configurations.
#[derive(Debug, Default, PartialEq)]
struct Cloud {
    versioning: Option<String>,
    policy_action: Option<String>,
    block_acls: Option<bool>,
    sse: Option<String>,
    index: Option<String>,
    routing_prefix: Option<String>,
    ownership_a: Option<String>,
    ownership_b: Option<String>,
}

fn cloud(emulator: &Emulator) -> Cloud {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let config = aws::sdk_config(emulator).await;
            let s3 = aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            );
            let mut c = Cloud::default();
            if let Ok(v) = s3.get_bucket_versioning().bucket("site-a").send().await {
                c.versioning = v.status().map(|s| s.as_str().to_string());
            }
            if let Ok(p) = s3.get_bucket_policy().bucket("site-a").send().await {
                let doc: serde_json::Value =
                    serde_json::from_str(p.policy().unwrap_or_default()).expect("policy JSON");
                let action = &doc["Statement"][0]["Action"];
                let action = action.get(0).unwrap_or(action);
                c.policy_action = action.as_str().map(str::to_string);
            }
            if let Ok(b) = s3.get_public_access_block().bucket("site-a").send().await {
                c.block_acls = b
                    .public_access_block_configuration()
                    .and_then(|c| c.block_public_acls());
            }
            if let Ok(e) = s3.get_bucket_encryption().bucket("site-a").send().await {
                c.sse = e
                    .server_side_encryption_configuration()
                    .and_then(|c| c.rules().first())
                    .and_then(|r| r.apply_server_side_encryption_by_default())
                    .map(|d| d.sse_algorithm().as_str().to_string());
            }
            if let Ok(w) = s3.get_bucket_website().bucket("site-a").send().await {
                c.index = w.index_document().map(|d| d.suffix().to_string());
                c.routing_prefix = w
                    .routing_rules()
                    .first()
                    .and_then(|r| r.redirect())
                    .and_then(|r| r.replace_key_prefix_with())
                    .map(str::to_string);
            }
            for (bucket, slot) in [
                ("site-a", &mut c.ownership_a),
                ("site-b", &mut c.ownership_b),
            ] {
                if let Ok(o) = s3
                    .get_bucket_ownership_controls()
                    .bucket(bucket)
                    .send()
                    .await
                {
                    *slot = o
                        .ownership_controls()
                        .and_then(|c| c.rules().first())
                        .map(|r| r.object_ownership().as_str().to_string());
                }
            }
            c
        })
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

fn assert_clean(stack: &Stack, env: &[(&'static str, String)]) {
    let plan = run(stack, &["plan", "--detailed-exitcode"], env);
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
}

#[test]
fn bucket_configurations_apply_plan_clean_update_replace_import_and_remove() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&template(&FIRST));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 8 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    assert_eq!(
        cloud(&emulator),
        Cloud {
            versioning: some("Enabled"),
            policy_action: some("s3:GetObject"),
            block_acls: Some(true),
            sse: some("AES256"),
            index: some("index.html"),
            routing_prefix: some("documents/"),
            ownership_a: some("BucketOwnerPreferred"),
            ownership_b: None,
        }
    );
    assert_eq!(
        stack.output("endpoint"),
        "site-a.s3-website-us-east-1.amazonaws.com"
    );
    assert_clean(&stack, &env);

    // The same policy written otherwise is no change.
    stack.write(
        "main.tf",
        &template(&Settings {
            policy: FIRST_REWRITTEN,
            ..FIRST
        }),
    );
    assert_clean(&stack, &env);

    // In place: every configuration changes.
    let second = Settings {
        versioning: "Suspended",
        policy: r#"jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Read", Effect = "Allow", Principal = "*", Action = "s3:ListBucket", Resource = "arn:aws:s3:::site-a" }]
  })"#,
        block_acls: false,
        sse: "aws:kms",
        index: "home.html",
        ownership: "ObjectWriter",
        ..FIRST
    };
    stack.write("main.tf", &template(&second));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 6 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let c = cloud(&emulator);
    assert_eq!(c.versioning, some("Suspended"));
    assert_eq!(c.policy_action, some("s3:ListBucket"));
    assert_eq!(c.block_acls, Some(false));
    assert_eq!(c.sse, some("aws:kms"));
    assert_eq!(c.index, some("home.html"));
    assert_eq!(c.ownership_a, some("ObjectWriter"));
    assert_clean(&stack, &env);

    // Another bucket replaces the ownership controls; versioning is
    // enabled again.
    let third = Settings {
        ownership_bucket: "b",
        versioning: "Enabled",
        ..second
    };
    stack.write("main.tf", &template(&third));
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 1 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    let c = cloud(&emulator);
    assert_eq!(c.versioning, some("Enabled"));
    assert_eq!(c.ownership_a, None);
    assert_eq!(c.ownership_b, some("ObjectWriter"));

    // Import: forgotten configurations are found again by bucket name.
    for (addr, id) in [
        ("aws_s3_bucket_versioning.a", "site-a"),
        ("aws_s3_bucket_policy.a", "site-a"),
        ("aws_s3_bucket_public_access_block.a", "site-a"),
        (
            "aws_s3_bucket_server_side_encryption_configuration.a",
            "site-a",
        ),
        ("aws_s3_bucket_website_configuration.a", "site-a"),
        ("aws_s3_bucket_ownership_controls.a", "site-b"),
    ] {
        let rm = run(&stack, &["state", "rm", addr], &env);
        assert_eq!(rm.code, 0, "{}", rm.both());
        let import = run(&stack, &["import", addr, id], &env);
        assert_eq!(import.code, 0, "import {addr} {id}: {}", import.both());
    }
    assert_clean(&stack, &env);

    // Removed from the configuration: each is taken off its bucket, and
    // versioning is suspended (a bucket cannot go back to unversioned).
    stack.write(
        "main.tf",
        &template(&Settings {
            with_parts: false,
            ..third
        }),
    );
    let remove = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        remove
            .stdout
            .contains("Resources: 0 added, 0 changed, 6 destroyed."),
        "{}",
        remove.both()
    );
    assert_eq!(
        cloud(&emulator),
        Cloud {
            versioning: some("Suspended"),
            ..Cloud::default()
        }
    );
    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

fn public_access_block(region: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_s3_bucket" "a" {{
  bucket = "blocked-a"
}}

resource "aws_s3_bucket_public_access_block" "a" {{
  region                  = "{region}"
  bucket                  = aws_s3_bucket.a.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}
"#
    )
}

/// The four flags of the block as the S3 API has them.
fn block_flags(emulator: &Emulator) -> Option<[Option<bool>; 4]> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let config = aws::sdk_config(emulator).await;
            let s3 = aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            );
            let out = s3
                .get_public_access_block()
                .bucket("blocked-a")
                .send()
                .await
                .ok()?;
            let c = out.public_access_block_configuration()?;
            Some([
                c.block_public_acls(),
                c.block_public_policy(),
                c.ignore_public_acls(),
                c.restrict_public_buckets(),
            ])
        })
}

/// Terraform's per-resource `region` on a public access block: kept in the
/// state, part of the import id (`bucket@region`), and a change replaces
/// the block. All four flags are checked through the S3 API.
///
/// Not checked, as the emulator cannot: which region's endpoint the calls
/// went to (moto keeps one bucket namespace for every region and takes the
/// region only from the request's signature).
#[test]
fn a_public_access_block_names_its_region_and_sets_every_flag() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&public_access_block("us-west-2"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    assert_eq!(block_flags(&emulator), Some([Some(true); 4]));
    let show = run(
        &stack,
        &["state", "show", "aws_s3_bucket_public_access_block.a"],
        &env,
    );
    assert!(show.stdout.contains("us-west-2"), "{}", show.both());
    assert_clean(&stack, &env);

    // Imported by Terraform's `bucket@region` id, it plans clean again.
    let addr = "aws_s3_bucket_public_access_block.a";
    let rm = run(&stack, &["state", "rm", addr], &env);
    assert_eq!(rm.code, 0, "{}", rm.both());
    let import = run(&stack, &["import", addr, "blocked-a@us-west-2"], &env);
    assert_eq!(import.code, 0, "{}", import.both());
    assert_clean(&stack, &env);

    // Another region replaces the block.
    stack.write("main.tf", &public_access_block("eu-west-1"));
    let plan = run(&stack, &["plan"], &env);
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.both()
    );
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    assert_eq!(block_flags(&emulator), Some([Some(true); 4]));
    assert_clean(&stack, &env);

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
    assert_eq!(block_flags(&emulator), None);
}
