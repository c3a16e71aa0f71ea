//! The deprecated inline arguments of `aws_s3_bucket` that older
//! configurations use, through the `stack` binary against the emulator:
//! `acl`, `versioning`, `website`, `server_side_encryption_configuration`
//! and `lifecycle_rule` reach S3 (checked with the S3 API), plan again to
//! "No changes.", update in place, warn with the resource that replaces
//! each, and give the computed website and zone attributes. The arguments
//! added after them (`policy`, `cors_rule`, `logging`, `grant`,
//! `acceleration_status`, `request_payer`, `object_lock_configuration`)
//! are checked the same way on a second bucket. The emulator answers
//! GetBucketAccelerateConfiguration and the request payment calls through
//! `tests/emulator/launcher.py` (moto 5.2.5 renders the first with another
//! root element and lacks the others).

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

fn template(acl: &str, versioning: bool, days: u32) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_s3_bucket" "site" {{
  bucket = "stack-inline-site"
  acl    = "{acl}"

  versioning {{
    enabled = {versioning}
  }}

  website {{
    index_document = "index.html"
    error_document = "error.html"
  }}

  server_side_encryption_configuration {{
    rule {{
      apply_server_side_encryption_by_default {{
        sse_algorithm = "AES256"
      }}
    }}
  }}

  lifecycle_rule {{
    id      = "logs"
    prefix  = "logs/"
    enabled = true

    expiration {{
      days = {days}
    }}

    transition {{
      days          = 10
      storage_class = "STANDARD_IA"
    }}
  }}
}}

output "site" {{
  value = {{
    website_endpoint            = aws_s3_bucket.site.website_endpoint
    website_domain              = aws_s3_bucket.site.website_domain
    hosted_zone_id              = aws_s3_bucket.site.hosted_zone_id
    bucket_domain_name          = aws_s3_bucket.site.bucket_domain_name
    bucket_regional_domain_name = aws_s3_bucket.site.bucket_regional_domain_name
    region                      = aws_s3_bucket.site.region
  }}
}}
"#
    )
}

/// A lifecycle rule as S3 lists it: id, prefix, expiration days, and the
/// transitions' days and storage classes.
type Rule = (String, String, Option<i32>, Vec<(Option<i32>, String)>);

/// What S3 says of the bucket.
#[derive(Debug, PartialEq)]
struct Bucket {
    public_read: bool,
    versioning: Option<String>,
    index: Option<String>,
    error: Option<String>,
    sse: Option<String>,
    rules: Vec<Rule>,
}

/// Runs one SDK check to completion on a runtime of its own.
fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// An S3 client of the emulator, path-style as it needs.
async fn s3_client(emulator: &Emulator) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&aws::sdk_config(emulator).await)
            .force_path_style(true)
            .build(),
    )
}

fn bucket(emulator: &Emulator, name: &str) -> Bucket {
    block_on(async {
        let s3 = s3_client(emulator).await;
        let acl = s3
            .get_bucket_acl()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketAcl");
        let public_read = acl.grants().iter().any(|g| {
            g.grantee().and_then(|g| g.uri())
                == Some("http://acs.amazonaws.com/groups/global/AllUsers")
                && g.permission().map(|p| p.as_str()) == Some("READ")
        });
        let versioning = s3
            .get_bucket_versioning()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketVersioning")
            .status()
            .map(|s| s.as_str().to_string());
        let website = s3
            .get_bucket_website()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketWebsite");
        let sse = s3
            .get_bucket_encryption()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketEncryption")
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first().cloned())
            .and_then(|r| r.apply_server_side_encryption_by_default().cloned())
            .map(|d| d.sse_algorithm().as_str().to_string());
        let lifecycle = s3
            .get_bucket_lifecycle_configuration()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketLifecycleConfiguration");
        let rules = lifecycle
            .rules()
            .iter()
            .map(|r| {
                (
                    r.id().unwrap_or_default().to_string(),
                    r.filter()
                        .and_then(|f| f.prefix())
                        .unwrap_or_default()
                        .to_string(),
                    r.expiration().and_then(|e| e.days()),
                    r.transitions()
                        .iter()
                        .map(|t| {
                            (
                                t.days(),
                                t.storage_class()
                                    .map(|c| c.as_str().to_string())
                                    .unwrap_or_default(),
                            )
                        })
                        .collect(),
                )
            })
            .collect();
        Bucket {
            public_read,
            versioning,
            index: website.index_document().map(|i| i.suffix().to_string()),
            error: website.error_document().map(|e| e.key().to_string()),
            sse,
            rules,
        }
    })
}

#[test]
fn inline_bucket_arguments_reach_s3_warn_and_plan_clean() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let name = "stack-inline-site";
    let stack = Stack::with_main(&template("public-read", true, 30));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let warnings = common::flat(&apply.both());
    for replacement in [
        "use the aws_s3_bucket_acl resource instead",
        "use the aws_s3_bucket_versioning resource instead",
        "use the aws_s3_bucket_website_configuration resource instead",
        "use the aws_s3_bucket_server_side_encryption_configuration resource instead",
        "use the aws_s3_bucket_lifecycle_configuration resource instead",
    ] {
        assert!(
            warnings.contains(replacement),
            "no warning {replacement:?}: {warnings}"
        );
    }
    assert_eq!(
        bucket(&emulator, name),
        Bucket {
            public_read: true,
            versioning: Some("Enabled".into()),
            index: Some("index.html".into()),
            error: Some("error.html".into()),
            sse: Some("AES256".into()),
            rules: vec![(
                "logs".into(),
                "logs/".into(),
                Some(30),
                vec![(Some(10), "STANDARD_IA".into())]
            )],
        }
    );
    let site = stack.output("site");
    assert_eq!(
        site,
        serde_json::json!({
            "website_endpoint": "stack-inline-site.s3-website-us-east-1.amazonaws.com",
            "website_domain": "s3-website-us-east-1.amazonaws.com",
            "hosted_zone_id": "Z3AQBSTGFYJSTF",
            "bucket_domain_name": "stack-inline-site.s3.amazonaws.com",
            "bucket_regional_domain_name": "stack-inline-site.s3.us-east-1.amazonaws.com",
            "region": "us-east-1",
        })
    );

    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());

    // In place: the ACL, versioning suspended, a new expiration.
    stack.write("main.tf", &template("private", false, 60));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 1 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let now = bucket(&emulator, name);
    assert!(!now.public_read, "{now:?}");
    assert_eq!(now.versioning.as_deref(), Some("Suspended"));
    assert_eq!(now.rules[0].2, Some(60));
    let clean = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{}", clean.both());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}

fn later_template(acceleration: &str, max_age: u32) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_s3_bucket" "logs" {{
  bucket        = "stack-inline-logs"
  acl           = "log-delivery-write"
  # S3 writes access logs into it.
  force_destroy = true
}}

resource "aws_s3_bucket" "data" {{
  bucket = "stack-inline-data"

  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Sid = "Read", Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::stack-inline-data/*" }}]
  }})

  cors_rule {{
    allowed_methods = ["GET"]
    allowed_origins = ["https://example.com"]
    max_age_seconds = {max_age}
  }}

  logging {{
    target_bucket = aws_s3_bucket.logs.id
    target_prefix = "data/"
  }}

  grant {{
    type        = "Group"
    uri         = "http://acs.amazonaws.com/groups/global/AllUsers"
    permissions = ["READ"]
  }}

  acceleration_status = "{acceleration}"
  request_payer       = "Requester"

  object_lock_configuration {{
    object_lock_enabled = "Enabled"
    rule {{
      default_retention {{
        mode = "GOVERNANCE"
        days = 1
      }}
    }}
  }}
}}
"#
    )
}

/// What S3 says of the later inline arguments of a bucket.
#[derive(Debug, PartialEq)]
struct Later {
    policy_action: Option<String>,
    cors: Vec<(Vec<String>, Option<i32>)>,
    logging: Option<(String, String)>,
    public_read: bool,
    acceleration: Option<String>,
    payer: Option<String>,
    lock: Option<(String, Option<i32>)>,
}

fn later(emulator: &Emulator, name: &str) -> Later {
    block_on(async {
        let s3 = s3_client(emulator).await;
        let policy = s3
            .get_bucket_policy()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketPolicy");
        let doc: serde_json::Value =
            serde_json::from_str(policy.policy().unwrap_or_default()).expect("policy JSON");
        let action = &doc["Statement"][0]["Action"];
        let action = action.get(0).unwrap_or(action);
        let cors = s3
            .get_bucket_cors()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketCors");
        let logging = s3
            .get_bucket_logging()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketLogging");
        let acl = s3
            .get_bucket_acl()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketAcl");
        let accelerate = s3
            .get_bucket_accelerate_configuration()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketAccelerateConfiguration");
        let payment = s3
            .get_bucket_request_payment()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketRequestPayment");
        let lock = s3
            .get_object_lock_configuration()
            .bucket(name)
            .send()
            .await
            .expect("GetObjectLockConfiguration");
        Later {
            policy_action: action.as_str().map(str::to_string),
            cors: cors
                .cors_rules()
                .iter()
                .map(|r| (r.allowed_origins().to_vec(), r.max_age_seconds()))
                .collect(),
            logging: logging
                .logging_enabled()
                .map(|l| (l.target_bucket().to_string(), l.target_prefix().to_string())),
            public_read: acl.grants().iter().any(|g| {
                g.grantee().and_then(|g| g.uri())
                    == Some("http://acs.amazonaws.com/groups/global/AllUsers")
                    && g.permission().map(|p| p.as_str()) == Some("READ")
            }),
            acceleration: accelerate.status().map(|s| s.as_str().to_string()),
            payer: payment.payer().map(|p| p.as_str().to_string()),
            lock: lock
                .object_lock_configuration()
                .and_then(|c| c.rule())
                .and_then(|r| r.default_retention())
                .map(|d| {
                    (
                        d.mode().map(|m| m.as_str().to_string()).unwrap_or_default(),
                        d.days(),
                    )
                }),
        }
    })
}

#[test]
fn later_inline_bucket_arguments_reach_s3_warn_and_plan_clean() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let name = "stack-inline-data";
    let stack = Stack::with_main(&later_template("Enabled", 300));

    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{}", apply.both());
    let warnings = common::flat(&apply.both());
    for replacement in [
        "`policy` of aws_s3_bucket is deprecated: use the aws_s3_bucket_policy resource instead",
        "`cors_rule` of aws_s3_bucket is deprecated: use the aws_s3_bucket_cors_configuration resource instead",
        "`logging` of aws_s3_bucket is deprecated: use the aws_s3_bucket_logging resource instead",
        "`grant` of aws_s3_bucket is deprecated: use the aws_s3_bucket_acl resource instead",
        "use the aws_s3_bucket_accelerate_configuration resource instead",
        "use the aws_s3_bucket_request_payment_configuration resource instead",
        "use the aws_s3_bucket_object_lock_configuration resource instead",
    ] {
        assert!(
            warnings.contains(replacement),
            "no warning {replacement:?}: {warnings}"
        );
    }
    assert_eq!(
        later(&emulator, name),
        Later {
            policy_action: Some("s3:GetObject".into()),
            cors: vec![(vec!["https://example.com".into()], Some(300))],
            logging: Some(("stack-inline-logs".into(), "data/".into())),
            public_read: true,
            acceleration: Some("Enabled".into()),
            payer: Some("Requester".into()),
            lock: Some(("GOVERNANCE".into(), Some(1))),
        }
    );
    let again = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(again.code, 0, "{}", again.both());
    assert!(again.stdout.contains("No changes."), "{}", again.both());

    // In place: acceleration suspended, CORS cached for another time.
    stack.write("main.tf", &later_template("Suspended", 600));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 1 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let now = later(&emulator, name);
    assert_eq!(now.acceleration.as_deref(), Some("Suspended"));
    assert_eq!(
        now.cors,
        vec![(vec!["https://example.com".into()], Some(600))]
    );
    let clean = run(&stack, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{}", clean.both());

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.both());
}
