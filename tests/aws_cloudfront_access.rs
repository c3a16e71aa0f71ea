//! CloudFront origin access controls and identities through the `stack`
//! binary against the emulator, checked through the CloudFront API: created,
//! planned again to "No changes." (two controls refreshed by one listing),
//! updated in place, replaced (`--replace`, as no argument forces it),
//! imported by id and destroyed.
//!
//! Not checked, as the emulator cannot: that a stale ETag fails an update
//! of a control (moto accepts any If-Match for controls).

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

fn template(behavior: &str, comment: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_cloudfront_origin_access_control" "site" {{
  name                              = "site-oac"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "{behavior}"
  signing_protocol                  = "sigv4"
}}

resource "aws_cloudfront_origin_access_control" "media" {{
  name                              = "media-oac"
  description                       = "media files"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}}

resource "aws_cloudfront_origin_access_identity" "legacy" {{
  comment = "{comment}"
}}

output "ids" {{
  value = {{
    oac  = aws_cloudfront_origin_access_control.site.id
    oai  = aws_cloudfront_origin_access_identity.legacy.id
    path = aws_cloudfront_origin_access_identity.legacy.cloudfront_access_identity_path
    iam  = aws_cloudfront_origin_access_identity.legacy.iam_arn
    arn  = aws_cloudfront_origin_access_identity.legacy.arn
  }}
}}
"#
    )
}

/// What the CloudFront API lists: controls (name, description, signing
/// behaviour) and identities (id, comment).
#[derive(Debug, Default)]
struct Cloud {
    controls: Vec<(String, String, String)>,
    identities: Vec<(String, String)>,
}

fn cloud(emulator: &Emulator) -> Cloud {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let cf = aws_sdk_cloudfront::Client::new(&aws::sdk_config(emulator).await);
            let controls = cf
                .list_origin_access_controls()
                .send()
                .await
                .expect("ListOriginAccessControls");
            let mut c = Cloud::default();
            if let Some(list) = controls.origin_access_control_list() {
                c.controls = list
                    .items()
                    .iter()
                    .map(|i| {
                        (
                            i.name().to_string(),
                            i.description().to_string(),
                            i.signing_behavior().as_str().to_string(),
                        )
                    })
                    .collect();
            }
            c.controls.sort();
            let identities = cf
                .list_cloud_front_origin_access_identities()
                .send()
                .await
                .expect("ListCloudFrontOriginAccessIdentities");
            if let Some(list) = identities.cloud_front_origin_access_identity_list() {
                c.identities = list
                    .items()
                    .iter()
                    .map(|i| (i.id().to_string(), i.comment().to_string()))
                    .collect();
            }
            c
        })
}

fn control(name: &str, description: &str, behavior: &str) -> (String, String, String) {
    (name.into(), description.into(), behavior.into())
}

fn id(stack: &Stack, name: &str) -> String {
    stack.output("ids")[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name}: {}", stack.output("ids")))
        .to_string()
}

/// How many times `stack plan --stats` says `operation` was called.
fn calls(stats: &common::Run, operation: &str) -> u64 {
    stats
        .stderr
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(operation))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn origin_access_apply_plan_clean_update_replace_import_and_destroy() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&template("always", "site"));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 3 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    let c = cloud(&emulator);
    assert_eq!(
        c.controls,
        [
            control("media-oac", "media files", "always"),
            control("site-oac", "Managed by Terraform", "always"),
        ]
    );
    let oai = id(&stack, "oai");
    assert_eq!(c.identities, [(oai.clone(), "site".to_string())]);
    assert_eq!(
        id(&stack, "path"),
        format!("origin-access-identity/cloudfront/{oai}")
    );
    assert!(id(&stack, "iam").ends_with(&format!("Origin Access Identity {oai}")));
    assert_eq!(
        id(&stack, "arn"),
        format!("arn:aws:cloudfront::123456789012:origin-access-identity/{oai}")
    );

    let again = run(&stack, &["plan", "--detailed-exitcode", "--stats"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());
    // Two controls are refreshed by one listing, not one call each.
    assert_eq!(
        calls(&again, "ListOriginAccessControls"),
        1,
        "{}",
        again.stderr
    );
    assert_eq!(
        calls(&again, "GetOriginAccessControl"),
        0,
        "{}",
        again.stderr
    );

    // In place: the control's signing behaviour, the identity's comment.
    stack.write("main.tf", &template("no-override", "legacy site"));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 2 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let c = cloud(&emulator);
    assert!(
        c.controls
            .contains(&control("site-oac", "Managed by Terraform", "no-override")),
        "{c:?}"
    );
    assert_eq!(c.identities, [(oai.clone(), "legacy site".to_string())]);

    // Replaced on request: a new identity, the old one gone.
    let replace = run(
        &stack,
        &[
            "apply",
            "--auto-approve",
            "--replace",
            "aws_cloudfront_origin_access_identity.legacy",
        ],
        &env,
    );
    assert!(
        replace
            .stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{}",
        replace.both()
    );
    let new_oai = id(&stack, "oai");
    assert_ne!(new_oai, oai);
    assert_eq!(
        cloud(&emulator).identities,
        [(new_oai.clone(), "legacy site".to_string())]
    );

    // Import by id.
    let oac = id(&stack, "oac");
    for (addr, id) in [
        ("aws_cloudfront_origin_access_control.site", oac),
        ("aws_cloudfront_origin_access_identity.legacy", new_oai),
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
            .contains("Destroy complete! Resources: 3 destroyed."),
        "{}",
        destroy.both()
    );
    let c = cloud(&emulator);
    assert!(c.controls.is_empty(), "{c:?}");
    assert!(c.identities.is_empty(), "{c:?}");
}
