//! `aws_cloudfront_distribution` against the AWS emulator: create, refresh
//! without changes, update in place (through the ETag), replacement, import
//! and destroy (disable, wait, delete), each checked through the CloudFront
//! API with the official SDK.

mod common;
mod lifecycle;

use common::{sdk_config, Emulator};
use lifecycle::{attr, Action, Harness};
use serde_json::json;

const DISTRIBUTION: &str = "aws_cloudfront_distribution";

fn web_config(
    comment: &str,
    default_ttl: u32,
    aliases: &[&str],
    tags: serde_json::Value,
) -> serde_json::Value {
    json!({
        "enabled": true,
        "comment": comment,
        "aliases": aliases,
        "price_class": "PriceClass_100",
        "default_root_object": "index.html",
        "origin": [
            {
                "domain_name": "sandbox.abcdefghij.us-east-1.elasticbeanstalk.com",
                "origin_id": "app",
                "custom_origin_config": {
                    "http_port": 80,
                    "https_port": 443,
                    "origin_protocol_policy": "http-only",
                    "origin_ssl_protocols": ["TLSv1.2"]
                }
            },
            {
                "domain_name": "stack-assets.s3.us-east-1.amazonaws.com",
                "origin_id": "assets"
            }
        ],
        "default_cache_behavior": {
            "target_origin_id": "app",
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
            "cached_methods": ["GET", "HEAD"],
            "default_ttl": default_ttl,
            "forwarded_values": {
                "query_string": true,
                "headers": ["Host"],
                "cookies": {"forward": "all"}
            }
        },
        "ordered_cache_behavior": [
            {
                "path_pattern": "/static/*",
                "target_origin_id": "assets",
                "viewer_protocol_policy": "https-only",
                "allowed_methods": ["GET", "HEAD"],
                "cached_methods": ["GET", "HEAD"],
                "compress": true,
                "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6"
            }
        ],
        "viewer_certificate": {"cloudfront_default_certificate": true},
        "restrictions": {"geo_restriction": {"restriction_type": "whitelist", "locations": ["US", "DE"]}},
        "tags": tags
    })
}

async fn client(emulator: &Emulator) -> aws_sdk_cloudfront::Client {
    aws_sdk_cloudfront::Client::new(&sdk_config(emulator).await)
}

async fn live_config(
    cf: &aws_sdk_cloudfront::Client,
    id: &str,
) -> aws_sdk_cloudfront::types::DistributionConfig {
    cf.get_distribution_config()
        .id(id)
        .send()
        .await
        .unwrap()
        .distribution_config()
        .cloned()
        .unwrap()
}

async fn live_tags(cf: &aws_sdk_cloudfront::Client, arn: &str) -> Vec<(String, String)> {
    let mut tags: Vec<_> = cf
        .list_tags_for_resource()
        .resource(arn)
        .send()
        .await
        .unwrap()
        .tags()
        .map(|t| {
            t.items()
                .iter()
                .map(|t| {
                    (
                        t.key().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    tags
}

#[tokio::test]
#[allow(deprecated)] // The test reads the legacy TTL fields the resource manages.
async fn distribution_lifecycle() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let cf = client(&emulator).await;

    let config = h.config(
        DISTRIBUTION,
        web_config("koding sandbox", 3600, &[], json!({"env": "sandbox"})),
    );
    let state = h.create_and_find(DISTRIBUTION, &config).await;
    let id = attr(&state, "id");
    assert!(
        attr(&state, "domain_name").ends_with(".cloudfront.net"),
        "{state:?}"
    );
    assert_eq!(attr(&state, "status"), "Deployed");
    assert_eq!(attr(&state, "hosted_zone_id"), "Z2FDTNDATAQYW2");
    assert!(
        attr(&state, "caller_reference").starts_with("test-"),
        "the operation id is the caller reference"
    );
    let live = live_config(&cf, &id).await;
    assert!(live.enabled());
    assert_eq!(live.comment(), "koding sandbox");
    assert_eq!(live.origins().map(|o| o.items().len()), Some(2));
    let default = live.default_cache_behavior().unwrap();
    assert_eq!(default.target_origin_id(), "app");
    assert_eq!(default.default_ttl(), Some(3600));
    assert_eq!(
        live.cache_behaviors()
            .map(|c| c.items()[0].path_pattern().to_string()),
        Some("/static/*".to_string())
    );
    assert_eq!(
        live_tags(&cf, &attr(&state, "arn")).await,
        [("env".to_string(), "sandbox".to_string())]
    );

    let state = h.assert_no_changes(DISTRIBUTION, &state, &config).await;

    // Comment, TTL, aliases and tags change in place, through the ETag.
    let config = h.config(
        DISTRIBUTION,
        web_config(
            "koding latest",
            600,
            &["cdn.example.com"],
            json!({"env": "latest", "team": "web"}),
        ),
    );
    let (action, planned) = h.plan(DISTRIBUTION, Some(&state), &config);
    assert_eq!(action, Action::Update);
    assert!(
        planned.get_attr("etag").is_some_and(|e| e.is_unknown()),
        "a change makes a new ETag"
    );
    let state = h
        .change(DISTRIBUTION, &state, &config, Action::Update)
        .await;
    assert_eq!(attr(&state, "id"), id, "updated in place");
    let live = live_config(&cf, &id).await;
    assert_eq!(live.comment(), "koding latest");
    assert_eq!(
        live.default_cache_behavior().and_then(|b| b.default_ttl()),
        Some(600)
    );
    assert_eq!(
        live.aliases().map(|a| a.items().to_vec()),
        Some(vec!["cdn.example.com".to_string()])
    );
    assert_eq!(
        live_tags(&cf, &attr(&state, "arn")).await,
        [
            ("env".to_string(), "latest".to_string()),
            ("team".to_string(), "web".to_string())
        ]
    );
    let state = h.assert_no_changes(DISTRIBUTION, &state, &config).await;
    assert!(
        h.progress.lock().unwrap().is_empty(),
        "the emulator deploys at once, so no intermediate status is reported"
    );

    // Import by id builds the same state.
    let imported = h.import(DISTRIBUTION, &id).await.expect("imported");
    h.assert_no_changes(DISTRIBUTION, &imported, &config).await;
    assert!(h.import(DISTRIBUTION, "E000000NOSUCH").await.is_none());

    // Destroy disables, waits, then deletes.
    h.destroy(DISTRIBUTION, &state).await;
    let gone = cf.get_distribution().id(&id).send().await.unwrap_err();
    assert_eq!(
        gone.into_service_error().meta().code(),
        Some("NoSuchDistribution")
    );
    assert!(h.read(DISTRIBUTION, &state).await.is_none());
    let calls = h.api_calls();
    for operation in [
        "CreateDistributionWithTags",
        "GetDistributionConfig",
        "UpdateDistribution",
        "DeleteDistribution",
    ] {
        assert!(
            calls.contains_key(&format!("cloudfront:{operation}")),
            "{operation} in {calls:?}"
        );
    }
}

#[tokio::test]
async fn a_forced_replacement_and_a_distribution_without_tags() {
    // A distribution has no argument that CloudFront cannot change in place,
    // so a replacement is what `-replace` / a tainted resource does: delete
    // then create, with a new caller reference.
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let cf = client(&emulator).await;
    let config = h.config(DISTRIBUTION, web_config("replace me", 60, &[], json!({})));
    let first = h.create(DISTRIBUTION, &config).await;
    assert!(live_tags(&cf, &attr(&first, "arn")).await.is_empty());
    h.destroy(DISTRIBUTION, &first).await;
    let second = h.create(DISTRIBUTION, &config).await;
    assert_ne!(attr(&first, "id"), attr(&second, "id"));
    assert_ne!(
        attr(&first, "caller_reference"),
        attr(&second, "caller_reference")
    );
    let listed = cf.list_distributions().send().await.unwrap();
    let ids: Vec<String> = listed
        .distribution_list()
        .map(|l| l.items().iter().map(|d| d.id().to_string()).collect())
        .unwrap_or_default();
    assert!(
        ids.contains(&attr(&second, "id")) && !ids.contains(&attr(&first, "id")),
        "{ids:?}"
    );

    // A disabled distribution is deleted without being disabled first.
    let disabled = h.config(DISTRIBUTION, {
        let mut c = web_config("replace me", 60, &[], json!({}));
        c["enabled"] = json!(false);
        c
    });
    let second = h
        .change(DISTRIBUTION, &second, &disabled, Action::Update)
        .await;
    assert!(!live_config(&cf, &attr(&second, "id")).await.enabled());
    h.destroy(DISTRIBUTION, &second).await;
}

#[tokio::test]
async fn a_retried_create_adopts_the_distribution_of_the_same_operation() {
    use engine::provider::{ApplyRequest, Provider};
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let config = h.config(DISTRIBUTION, web_config("idempotent", 60, &[], json!({})));
    let (_, planned) = h.plan(DISTRIBUTION, None, &config);
    let create = || ApplyRequest {
        type_name: DISTRIBUTION,
        prior: None,
        planned: Some(&planned),
        config: Some(&config),
        planned_private: None,
        operation_id: "op-crashed-before-recording",
        progress: None,
    };
    let first = h.provider.apply(create()).await.unwrap().new_state.unwrap();
    let again = h.provider.apply(create()).await.unwrap().new_state.unwrap();
    assert_eq!(attr(&first, "id"), attr(&again, "id"));
    h.destroy(DISTRIBUTION, &again).await;
}

/// A distribution using the arguments of Terraform's documentation beyond
/// the basics: an origin access control, custom headers, Origin Shield and
/// connection settings on an origin; an origin group; logging; custom error
/// responses; a web ACL; an IAM server certificate; policies, signers and
/// function associations on a behaviour; query string cache keys.
fn full_config(web_acl: &str, error_page: &str) -> serde_json::Value {
    let mut config = web_config("full", 3600, &["cdn.example.com"], json!({}));
    let map = config.as_object_mut().unwrap();
    map.insert("web_acl_id".into(), json!(web_acl));
    map.insert(
        "logging_config".into(),
        json!({"bucket": "logs.s3.amazonaws.com", "prefix": "cdn/", "include_cookies": true}),
    );
    map.insert("custom_error_response".into(), json!([
        {"error_code": 404, "response_code": 200, "response_page_path": error_page, "error_caching_min_ttl": 30}
    ]));
    map.insert(
        "origin_group".into(),
        json!([{
            "origin_id": "failover",
            "failover_criteria": {"status_codes": [500, 502]},
            "member": [{"origin_id": "assets"}, {"origin_id": "backup"}]
        }]),
    );
    map.insert(
        "viewer_certificate".into(),
        json!({
            "iam_certificate_id": "ASCAEXAMPLECERT", "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021"
        }),
    );
    let origins = map["origin"].as_array_mut().unwrap();
    origins[1] = json!({
        "domain_name": "stack-assets.s3.us-east-1.amazonaws.com", "origin_id": "assets",
        "origin_access_control_id": "E2QWRUHEXAMPLE", "connection_attempts": 2, "connection_timeout": 5,
        "custom_header": [{"name": "X-Origin", "value": "cdn"}],
        "origin_shield": {"enabled": true, "origin_shield_region": "us-east-2"}
    });
    origins.push(
        json!({"domain_name": "stack-backup.s3.us-east-1.amazonaws.com", "origin_id": "backup"}),
    );
    let default = map["default_cache_behavior"].as_object_mut().unwrap();
    default.insert(
        "origin_request_policy_id".into(),
        json!("216adef6-5c7f-47e4-b989-5492eafa07d3"),
    );
    default.insert(
        "response_headers_policy_id".into(),
        json!("67f7725c-6f97-4210-82d7-5512b31e9d03"),
    );
    default.insert("trusted_key_groups".into(), json!(["K3D5EWEUDCCXON"]));
    default.insert("lambda_function_association".into(), json!([
        {"event_type": "origin-request", "lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:edge:3", "include_body": true}
    ]));
    default.insert("function_association".into(), json!([
        {"event_type": "viewer-request", "function_arn": "arn:aws:cloudfront::123456789012:function/rewrite"}
    ]));
    default["forwarded_values"]["query_string_cache_keys"] = json!(["page"]);
    config
}

/// What the emulator cannot check: a web ACL, certificate, policy, key
/// group, function or origin access control that does not exist is
/// accepted there (CloudFront checks each), and a distribution is Deployed
/// at once, so `retain_on_delete`'s disabled-but-kept distribution is
/// checked, not how long CloudFront takes to disable it.
#[tokio::test]
#[allow(deprecated)] // The test reads the legacy forwarded values the resource manages.
async fn distribution_terraform_arguments() {
    let emulator = Emulator::start();
    let h = Harness::new(&emulator).await;
    let cf = client(&emulator).await;
    let config = h.config(
        DISTRIBUTION,
        full_config(
            "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/1",
            "/404.html",
        ),
    );
    let state = h.create_and_find(DISTRIBUTION, &config).await;
    let id = attr(&state, "id");
    let live = live_config(&cf, &id).await;
    assert_eq!(
        live.web_acl_id(),
        Some("arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/1")
    );
    let logging = live.logging().unwrap();
    assert!(logging.enabled() && logging.include_cookies());
    assert_eq!(
        (logging.bucket(), logging.prefix()),
        ("logs.s3.amazonaws.com", "cdn/")
    );
    let error = &live.custom_error_responses().unwrap().items()[0];
    assert_eq!(
        (
            error.error_code(),
            error.response_code(),
            error.response_page_path()
        ),
        (404, Some("200"), Some("/404.html"))
    );
    let group = &live.origin_groups().unwrap().items()[0];
    assert_eq!(group.id(), "failover");
    let members: Vec<_> = group
        .members()
        .unwrap()
        .items()
        .iter()
        .map(|m| m.origin_id())
        .collect();
    assert_eq!(members, ["assets", "backup"]);
    assert_eq!(
        live.viewer_certificate().unwrap().iam_certificate_id(),
        Some("ASCAEXAMPLECERT")
    );
    let assets = live
        .origins()
        .unwrap()
        .items()
        .iter()
        .find(|o| o.id() == "assets")
        .unwrap();
    assert_eq!(assets.origin_access_control_id(), Some("E2QWRUHEXAMPLE"));
    assert_eq!(
        (assets.connection_attempts(), assets.connection_timeout()),
        (Some(2), Some(5))
    );
    assert_eq!(
        assets.custom_headers().unwrap().items()[0].header_name(),
        "X-Origin"
    );
    assert_eq!(
        assets.origin_shield().unwrap().origin_shield_region(),
        Some("us-east-2")
    );
    let behavior = live.default_cache_behavior().unwrap();
    assert_eq!(
        behavior.origin_request_policy_id(),
        Some("216adef6-5c7f-47e4-b989-5492eafa07d3")
    );
    assert_eq!(
        behavior.trusted_key_groups().unwrap().items(),
        ["K3D5EWEUDCCXON"]
    );
    let lambda = &behavior.lambda_function_associations().unwrap().items()[0];
    assert_eq!(
        (lambda.event_type().as_str(), lambda.include_body()),
        ("origin-request", Some(true))
    );
    assert_eq!(
        behavior.function_associations().unwrap().items()[0].function_arn(),
        "arn:aws:cloudfront::123456789012:function/rewrite"
    );
    let keys = behavior
        .forwarded_values()
        .unwrap()
        .query_string_cache_keys()
        .unwrap()
        .items()
        .to_vec();
    assert_eq!(keys, ["page"]);
    assert_eq!(attr(&state, "hosted_zone_id"), "Z2FDTNDATAQYW2");
    assert!(!attr(&state, "last_modified_time").is_empty());
    let state = h.assert_no_changes(DISTRIBUTION, &state, &config).await;

    // A new error page and web ACL are one UpdateDistribution, in place.
    let config = h.config(
        DISTRIBUTION,
        full_config(
            "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/2",
            "/missing.html",
        ),
    );
    let state = h
        .change(DISTRIBUTION, &state, &config, Action::Update)
        .await;
    assert_eq!(attr(&state, "id"), id);
    let live = live_config(&cf, &id).await;
    assert_eq!(
        live.web_acl_id(),
        Some("arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/2")
    );
    assert_eq!(
        live.custom_error_responses().unwrap().items()[0].response_page_path(),
        Some("/missing.html")
    );
    let state = h.assert_no_changes(DISTRIBUTION, &state, &config).await;

    // retain_on_delete: a destroy disables the distribution and leaves it.
    let mut retained = full_config(
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/2",
        "/missing.html",
    );
    retained["retain_on_delete"] = json!(true);
    let config = h.config(DISTRIBUTION, retained);
    let state = h
        .change(DISTRIBUTION, &state, &config, Action::Update)
        .await;
    h.destroy(DISTRIBUTION, &state).await;
    let live = live_config(&cf, &id).await;
    assert!(!live.enabled(), "the retained distribution is disabled");
}
