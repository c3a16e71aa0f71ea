//! Route 53 zones and records and ACM certificates with their validation,
//! through the `stack` binary against the emulator, checked through the
//! Route 53 and ACM APIs: created (the certificate validated by DNS records
//! made with `for_each` over its `domain_validation_options`, in the same
//! apply), planned again to "No changes." (every record of a zone refreshed
//! by one listing), updated in place, replaced, imported (`stack import`
//! and an `import {}` block) and destroyed.
//!
//! Not checked, as the emulator cannot: geoproximity and CIDR routing (moto
//! drops them), health checks, reusable delegation sets, accelerated recovery
//! (moto has no UpdateHostedZoneFeatures), e-mail validation,
//! private CAs and certificate options (moto ignores UpdateCertificateOptions),
//! early renewal (`early_renewal_duration` renews a private certificate
//! eligible for managed renewal; moto makes none, so only the unit test of
//! when a renewal is due covers it).

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use std::collections::BTreeMap;

use aws::Emulator;
use common::Stack;

fn env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    emulator.stack_env()
}

fn run(stack: &Stack, args: &[&str], env: &[(&'static str, String)]) -> common::Run {
    stack.run_env(args, env)
}

/// What changes between the steps of the test.
struct Knobs {
    comment: &'static str,
    www_name: &'static str,
    www_ttl: u32,
    txt: &'static str,
    weighted_type: &'static str,
    env_tag: &'static str,
    /// The private zone's name: a new one replaces it and its records.
    internal: &'static str,
    /// The certificate's other names: new ones replace it (before the old
    /// one goes), its validation and its validation records.
    sans: &'static str,
}

const FIRST: Knobs = Knobs {
    comment: "the site",
    www_name: "www",
    www_ttl: 300,
    txt: "v=spf1 -all",
    weighted_type: "CNAME",
    env_tag: "test",
    internal: "internal.example",
    sans: r#""www.example.com""#,
};

fn template(k: &Knobs) -> String {
    format!(
        r#"
provider "aws" {{
  region      = "us-east-1"
  max_retries = 0
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.20.0.0/16"
}}

resource "aws_route53_zone" "main" {{
  name    = "Example.com."
  comment = "{comment}"
  tags    = {{ env = "{env}" }}
}}

resource "aws_route53_zone" "internal" {{
  name = "{internal}"
  vpc {{
    vpc_id = aws_vpc.main.id
  }}
}}

resource "aws_route53_record" "www" {{
  zone_id = aws_route53_zone.main.zone_id
  name    = "{www_name}"
  type    = "A"
  ttl     = {ttl}
  records = ["10.0.0.1", "10.0.0.2"]
}}

resource "aws_route53_record" "spf" {{
  zone_id = aws_route53_zone.main.zone_id
  name    = "example.com"
  type    = "TXT"
  ttl     = 300
  records = ["{txt}"]
}}

resource "aws_route53_record" "blue" {{
  zone_id        = aws_route53_zone.main.zone_id
  name           = "api"
  type           = "{weighted}"
  ttl            = 60
  records        = ["{weighted_value}"]
  set_identifier = "blue"
  weighted_routing_policy {{
    weight = 10
  }}
}}

resource "aws_route53_record" "cdn" {{
  zone_id = aws_route53_zone.main.zone_id
  name    = "cdn.example.com."
  type    = "A"
  alias {{
    name                   = "D111111abcdef8.cloudfront.net."
    zone_id                = "Z2FDTNDATAQYW2"
    evaluate_target_health = false
  }}
}}

resource "aws_route53_record" "db" {{
  zone_id = aws_route53_zone.internal.zone_id
  name    = "db"
  type    = "CNAME"
  ttl     = 60
  records = ["db.{internal}"]
}}

resource "aws_acm_certificate" "site" {{
  domain_name               = "example.com"
  subject_alternative_names = [{sans}]
  validation_method         = "DNS"
  tags                      = {{ env = "{env}" }}

  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "aws_route53_record" "validation" {{
  for_each = {{
    for dvo in aws_acm_certificate.site.domain_validation_options : dvo.domain_name => {{
      name   = dvo.resource_record_name
      record = dvo.resource_record_value
      type   = dvo.resource_record_type
    }}
  }}

  allow_overwrite = true
  name            = each.value.name
  records         = [each.value.record]
  ttl             = 60
  type            = each.value.type
  zone_id         = aws_route53_zone.main.zone_id
}}

resource "aws_acm_certificate_validation" "site" {{
  certificate_arn         = aws_acm_certificate.site.arn
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]
}}

output "ids" {{
  value = {{
    zone          = aws_route53_zone.main.zone_id
    internal      = aws_route53_zone.internal.id
    name_servers  = join(",", aws_route53_zone.main.name_servers)
    www           = aws_route53_record.www.id
    www_fqdn      = aws_route53_record.www.fqdn
    certificate   = aws_acm_certificate_validation.site.certificate_arn
    validated     = aws_acm_certificate_validation.site.id
  }}
}}
"#,
        comment = k.comment,
        env = k.env_tag,
        internal = k.internal,
        sans = k.sans,
        www_name = k.www_name,
        ttl = k.www_ttl,
        txt = k.txt,
        weighted = k.weighted_type,
        weighted_value = if k.weighted_type == "CNAME" {
            "blue.example.com"
        } else {
            "blue"
        },
    )
}

/// What the Route 53 and ACM APIs say.
#[derive(Debug, Default)]
struct Cloud {
    /// Zone name → (comment, private, tags).
    zones: BTreeMap<String, (String, bool, BTreeMap<String, String>)>,
    /// "name TYPE [set]" → values (or the alias target) and TTL, all zones.
    records: BTreeMap<String, (Vec<String>, Option<i64>)>,
    /// Certificate domain → (status, tags).
    certificates: BTreeMap<String, (String, BTreeMap<String, String>)>,
}

fn cloud(emulator: &Emulator) -> Cloud {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let config = aws::sdk_config(emulator).await;
            let r53 = aws_sdk_route53::Client::new(&config);
            let acm = aws_sdk_acm::Client::new(&config);
            let mut c = Cloud::default();
            let zones = r53
                .list_hosted_zones()
                .send()
                .await
                .expect("ListHostedZones");
            for zone in zones.hosted_zones() {
                let id = zone.id().trim_start_matches("/hostedzone/").to_string();
                let tags = r53
                    .list_tags_for_resource()
                    .resource_type(aws_sdk_route53::types::TagResourceType::Hostedzone)
                    .resource_id(&id)
                    .send()
                    .await
                    .expect("ListTagsForResource");
                let tags = tags
                    .resource_tag_set()
                    .map(|s| {
                        s.tags()
                            .iter()
                            .map(|t| {
                                (
                                    t.key().unwrap_or_default().to_string(),
                                    t.value().unwrap_or_default().to_string(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let config = zone.config();
                c.zones.insert(
                    zone.name().to_string(),
                    (
                        config
                            .and_then(|c| c.comment())
                            .unwrap_or_default()
                            .to_string(),
                        config.is_some_and(|c| c.private_zone()),
                        tags,
                    ),
                );
                let sets = r53
                    .list_resource_record_sets()
                    .hosted_zone_id(&id)
                    .send()
                    .await
                    .expect("ListResourceRecordSets");
                for set in sets.resource_record_sets() {
                    let kind = set.r#type().as_str();
                    if matches!(kind, "NS" | "SOA") {
                        continue;
                    }
                    let mut key = format!("{} {kind}", set.name());
                    if let Some(id) = set.set_identifier() {
                        key = format!("{key} {id}");
                    }
                    let mut values: Vec<String> = set
                        .resource_records()
                        .iter()
                        .map(|r| r.value().to_string())
                        .collect();
                    if let Some(alias) = set.alias_target() {
                        values.push(format!("alias {}", alias.dns_name()));
                    }
                    values.sort();
                    c.records.insert(key, (values, set.ttl()));
                }
            }
            let certificates = acm
                .list_certificates()
                .send()
                .await
                .expect("ListCertificates");
            for summary in certificates.certificate_summary_list() {
                let arn = summary.certificate_arn().unwrap_or_default();
                let tags = acm
                    .list_tags_for_certificate()
                    .certificate_arn(arn)
                    .send()
                    .await
                    .expect("ListTagsForCertificate");
                c.certificates.insert(
                    summary.domain_name().unwrap_or_default().to_string(),
                    (
                        summary
                            .status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        tags.tags()
                            .iter()
                            .filter(|t| !t.key().starts_with("stack:"))
                            .map(|t| {
                                (
                                    t.key().to_string(),
                                    t.value().unwrap_or_default().to_string(),
                                )
                            })
                            .collect(),
                    ),
                );
            }
            c
        })
}

fn record<'a>(c: &'a Cloud, key: &str) -> &'a (Vec<String>, Option<i64>) {
    c.records
        .get(key)
        .unwrap_or_else(|| panic!("no record {key} in {:?}", c.records.keys()))
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

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn no_changes(stack: &Stack, env: &[(&'static str, String)]) -> common::Run {
    let plan = run(stack, &["plan", "--detailed-exitcode", "--stats"], env);
    assert_eq!(plan.code, 0, "{}", plan.both());
    assert!(plan.stdout.contains("No changes."), "{}", plan.both());
    plan
}

#[test]
fn dns_zones_records_and_a_dns_validated_certificate_from_create_to_destroy() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(&template(&FIRST));

    // One apply: the certificate's validation records are made with
    // for_each over domain_validation_options, whose domains are known at
    // plan time, and the validation waits until ACM issued it (the emulator
    // issues it only once those records are in the zone).
    let apply = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        apply
            .stdout
            .contains("Resources: 12 added, 0 changed, 0 destroyed."),
        "{}",
        apply.both()
    );
    let c = cloud(&emulator);
    assert_eq!(
        c.zones["example.com."],
        ("the site".to_string(), false, tags(&[("env", "test")]))
    );
    assert!(c.zones["internal.example."].1, "{c:?}");
    assert_eq!(
        record(&c, "www.example.com. A"),
        &(
            vec!["10.0.0.1".to_string(), "10.0.0.2".to_string()],
            Some(300)
        )
    );
    // TXT values are quoted in the API, as Terraform sends them.
    assert_eq!(record(&c, "example.com. TXT").0, ["\"v=spf1 -all\""]);
    assert_eq!(
        record(&c, "api.example.com. CNAME blue").0,
        ["blue.example.com"]
    );
    assert_eq!(
        record(&c, "cdn.example.com. A").0,
        ["alias d111111abcdef8.cloudfront.net"]
    );
    assert_eq!(
        record(&c, "db.internal.example. CNAME").0,
        ["db.internal.example"]
    );
    let validation: Vec<&String> = c
        .records
        .keys()
        .filter(|k| k.starts_with('_') && k.ends_with(" CNAME"))
        .collect();
    assert_eq!(validation.len(), 2, "{:?}", c.records.keys());
    assert_eq!(
        c.certificates["example.com"],
        ("ISSUED".to_string(), tags(&[("env", "test")]))
    );
    let zone = id(&stack, "zone");
    assert_eq!(id(&stack, "www"), format!("{zone}_www_A"));
    assert_eq!(id(&stack, "www_fqdn"), "www.example.com");
    assert_eq!(id(&stack, "name_servers").split(',').count(), 4);
    assert!(id(&stack, "validated").ends_with("+0000 UTC"));

    // Refreshed with no changes: the records of both zones cost one
    // listing per zone, the two zones one ListHostedZones and one
    // ListTagsForResources.
    let again = no_changes(&stack, &env);
    assert_eq!(
        calls(&again, "ListResourceRecordSets"),
        2,
        "{}",
        again.stderr
    );
    assert_eq!(calls(&again, "ListHostedZones"), 1, "{}", again.stderr);
    assert_eq!(calls(&again, "ListTagsForResources"), 1, "{}", again.stderr);

    // In place: the zone's comment and tags, a TTL, a TXT value, a weighted
    // record's type (DELETE and CREATE in one batch), the certificate's tags.
    let second = Knobs {
        comment: "the site, moved",
        www_ttl: 60,
        txt: "v=spf1 include:example.net -all",
        weighted_type: "TXT",
        env_tag: "prod",
        ..FIRST
    };
    stack.write("main.tf", &template(&second));
    let update = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        update
            .stdout
            .contains("Resources: 0 added, 5 changed, 0 destroyed."),
        "{}",
        update.both()
    );
    let c = cloud(&emulator);
    assert_eq!(
        c.zones["example.com."],
        (
            "the site, moved".to_string(),
            false,
            tags(&[("env", "prod")])
        )
    );
    assert_eq!(record(&c, "www.example.com. A").1, Some(60));
    assert_eq!(
        record(&c, "example.com. TXT").0,
        ["\"v=spf1 include:example.net -all\""]
    );
    assert_eq!(record(&c, "api.example.com. TXT blue").0, ["\"blue\""]);
    assert!(
        !c.records.contains_key("api.example.com. CNAME blue"),
        "{c:?}"
    );
    assert_eq!(c.certificates["example.com"].1, tags(&[("env", "prod")]));
    no_changes(&stack, &env);

    // Replaced: a record's name; the private zone's name, and so the zone
    // and its record.
    let third = Knobs {
        www_name: "www2",
        internal: "corp.example",
        ..second
    };
    stack.write("main.tf", &template(&third));
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 3 added, 0 changed, 3 destroyed."),
        "{}",
        replace.both()
    );
    let c = cloud(&emulator);
    assert!(c.records.contains_key("www2.example.com. A"), "{c:?}");
    assert!(!c.records.contains_key("www.example.com. A"), "{c:?}");
    assert!(c.zones["corp.example."].1, "{c:?}");
    assert!(!c.zones.contains_key("internal.example."), "{c:?}");
    assert_eq!(record(&c, "db.corp.example. CNAME").0, ["db.corp.example"]);
    no_changes(&stack, &env);

    // Replaced: the certificate, for one more name, made before the old
    // one is deleted; its validation and its validation records (new
    // values for the two names it had, one for the new name) come with it.
    let old_certificate = id(&stack, "certificate");
    let fourth = Knobs {
        sans: r#""www.example.com", "api.example.com""#,
        ..third
    };
    stack.write("main.tf", &template(&fourth));
    let replace = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        replace
            .stdout
            .contains("Resources: 5 added, 0 changed, 4 destroyed."),
        "{}",
        replace.both()
    );
    let new_certificate = id(&stack, "certificate");
    assert_ne!(new_certificate, old_certificate);
    let c = cloud(&emulator);
    assert_eq!(
        c.certificates.len(),
        1,
        "the old certificate is gone: {c:?}"
    );
    assert_eq!(c.certificates["example.com"].0, "ISSUED");
    assert!(
        c.records
            .keys()
            .any(|k| k.ends_with(".api.example.com. CNAME")),
        "{c:?}"
    );
    no_changes(&stack, &env);

    // Imported: by `stack import` with Terraform's ids, and the main zone
    // by an import block.
    let www = id(&stack, "www");
    let certificate = id(&stack, "certificate");
    for (addr, id) in [
        ("aws_route53_record.www", www.as_str()),
        ("aws_acm_certificate.site", certificate.as_str()),
    ] {
        let rm = run(&stack, &["state", "rm", addr], &env);
        assert_eq!(rm.code, 0, "{}", rm.both());
        let import = run(&stack, &["import", addr, id], &env);
        assert_eq!(import.code, 0, "import {addr} {id}: {}", import.both());
    }
    let rm = run(&stack, &["state", "rm", "aws_route53_zone.main"], &env);
    assert_eq!(rm.code, 0, "{}", rm.both());
    stack.write(
        "imports.tf",
        &format!("import {{\n  to = aws_route53_zone.main\n  id = \"{zone}\"\n}}\n"),
    );
    let imported = run(&stack, &["apply", "--auto-approve"], &env);
    assert!(
        imported
            .stdout
            .contains("1 imported, 0 added, 0 changed, 0 destroyed."),
        "{}",
        imported.both()
    );
    no_changes(&stack, &env);

    let destroy = run(&stack, &["destroy", "--auto-approve"], &env);
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 13 destroyed."),
        "{}",
        destroy.both()
    );
    let c = cloud(&emulator);
    assert!(c.zones.is_empty(), "{c:?}");
    assert!(c.certificates.is_empty(), "{c:?}");
}

#[test]
fn a_record_id_that_is_not_terraforms_is_refused_with_the_form_to_write() {
    let emulator = Emulator::start();
    let env = env(&emulator);
    let stack = Stack::with_main(
        r#"
provider "aws" {
  region      = "us-east-1"
  max_retries = 0
}

resource "aws_route53_record" "www" {
  zone_id = "Z123"
  name    = "www"
  type    = "A"
  ttl     = 60
  records = ["10.0.0.1"]
}
"#,
    );
    let import = run(
        &stack,
        &["import", "aws_route53_record.www", "Z123-www-A"],
        &env,
    );
    assert_ne!(import.code, 0, "{}", import.both());
    assert!(
        import.stderr.contains("ZONEID_NAME_TYPE"),
        "{}",
        import.both()
    );
}
