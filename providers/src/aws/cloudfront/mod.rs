//! CloudFront: `aws_cloudfront_distribution`.
//!
//! CloudFront guards every change with an ETag: an update or a delete must
//! send, as If-Match, the ETag of the configuration it was derived from, so
//! an update is always GetDistributionConfig → modify → UpdateDistribution.
//! A distribution must be disabled and deployed before it can be deleted.
//!
//! Against the emulator the tests use (moto 5.2.5), every distribution is
//! `Deployed` on first read and a stale If-Match is accepted, so the waiting
//! and the ETag handling are exercised there only on their happy path.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CookieNames,
    CookiePreference, CustomOriginConfig, DefaultCacheBehavior, DistributionConfig,
    DistributionConfigWithTags, ForwardedValues, GeoRestriction, GeoRestrictionType, Headers,
    HttpVersion, ItemSelection, Method, MinimumProtocolVersion, Origin, OriginProtocolPolicy,
    OriginSslProtocols, Origins, PriceClass, Restrictions, S3OriginConfig, SslProtocol,
    SslSupportMethod, Tag, TagKeys, Tags, ViewerCertificate, ViewerProtocolPolicy,
};
use engine::provider::{
    plan_by_schema, values_equal, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting,
    PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::managed::{each, Made, Managed, Seam, Tagging};
use super::retry::Poll;
use super::values::{
    blocks_attr, bool_attr, number_attr, object, required_str, str_attr, string, string_map_attr,
    string_set, strings_attr, tags_attribute, timeout, timeouts_block,
};
use super::{AwsResource, Clients};

mod parts;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Seam(Distribution))]
}

/// CloudFront's hosted zone for alias records, the same for every distribution.
const HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";
/// How long a distribution usually takes to deploy is 5–15 minutes; this is
/// Terraform's default ceiling.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(70 * 60);

/// Fills every nested block of `value` (at any depth) with all of its
/// schema's attributes: defaults where the user wrote nothing, null
/// otherwise. The engine passes a nested block with only the attributes that
/// were written, while a read builds every attribute; normalising the
/// configuration makes "refresh shows no change" hold without the read
/// having to guess what the user left out.
pub(crate) fn normalize_blocks(schema: &Schema, value: &Value) -> Value {
    let Some(map) = value.as_map() else {
        return value.clone();
    };
    let mut out = map.clone();
    for block in &schema.blocks {
        let Some(current) = map.get(block.name) else {
            continue;
        };
        let normalized = match (block.nesting, current.peel()) {
            (_, Value::Unknown) | (_, Value::Null) => current.clone(),
            (Nesting::Single, Value::Map(_)) => normalize_object(&block.schema, current),
            (Nesting::List, Value::List(items)) => Value::List(
                items
                    .iter()
                    .map(|i| normalize_object(&block.schema, i))
                    .collect(),
            ),
            (_, Value::List(items) | Value::Set(items)) => Value::set_from(
                items
                    .iter()
                    .map(|i| normalize_object(&block.schema, i))
                    .collect(),
            ),
            _ => current.clone(),
        };
        out.insert(block.name.to_string(), normalized);
    }
    Value::Map(out)
}

fn normalize_object(schema: &Schema, value: &Value) -> Value {
    let Some(map) = value.as_map() else {
        return value.clone();
    };
    let mut out = map.clone();
    for attribute in &schema.attributes {
        if out.get(attribute.name).is_none_or(Value::is_null) {
            out.insert(
                attribute.name.to_string(),
                attribute.default.clone().unwrap_or(Value::Null),
            );
        }
    }
    for block in &schema.blocks {
        out.entry(block.name.to_string())
            .or_insert(match block.nesting {
                Nesting::Single => Value::Null,
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
            });
    }
    normalize_blocks(schema, &Value::Map(out))
}

fn single(name: &'static str, min_items: usize, schema: Schema) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::Single,
        min_items,
        max_items: Some(1),
        force_new: false,
        schema,
    }
}

fn build_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!(
        "invalid CloudFront distribution configuration: {e}"
    ))
}

fn int_attr(value: &Value, name: &str) -> Option<i64> {
    number_attr(value, name).map(|n| n as i64)
}

fn num(n: impl Into<f64>) -> Value {
    Value::number(n.into())
}

/// An empty string from the API means "not set", which the user writes by
/// leaving the argument out.
fn non_empty(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => string(s),
        _ => Value::Null,
    }
}

fn behavior_schema(ordered: bool) -> Schema {
    let mut schema = Schema::new(if ordered {
        "A cache behaviour for requests whose path matches path_pattern, tried in order."
    } else {
        "The cache behaviour for requests that match no ordered_cache_behavior."
    });
    if ordered {
        schema = schema.attr(
            AttributeSchema::required("path_pattern", AttrType::String)
                .describe("The path pattern, e.g. \"/static/*\"."),
        );
    }
    parts::behavior_extras(schema)
        .attr(AttributeSchema::required("target_origin_id", AttrType::String).describe("The origin_id of the origin requests go to."))
        .attr(AttributeSchema::required("viewer_protocol_policy", AttrType::String).describe("allow-all, https-only or redirect-to-https."))
        .attr(AttributeSchema::required("allowed_methods", AttrType::set_of(AttrType::String)).describe("The HTTP methods CloudFront forwards to the origin."))
        .attr(AttributeSchema::required("cached_methods", AttrType::set_of(AttrType::String)).describe("The HTTP methods whose responses are cached."))
        .attr(AttributeSchema::optional("compress", AttrType::Bool).default(false).describe("Compress responses when the viewer accepts it."))
        .attr(AttributeSchema::optional("cache_policy_id", AttrType::String).describe("A cache policy; replaces forwarded_values and the TTLs."))
        .attr(AttributeSchema::optional("min_ttl", AttrType::Number).default(0.0).describe("Minimum seconds objects stay cached (without a cache policy)."))
        .attr(AttributeSchema::optional("default_ttl", AttrType::Number).default(86400.0).describe("Default seconds objects stay cached (without a cache policy)."))
        .attr(AttributeSchema::optional("max_ttl", AttrType::Number).default(31536000.0).describe("Maximum seconds objects stay cached (without a cache policy)."))
        .block(single(
            "forwarded_values",
            0,
            Schema::new("What is forwarded to the origin and part of the cache key (without a cache policy).")
                .attr(AttributeSchema::required("query_string", AttrType::Bool).describe("Forward the query string."))
                .attr(AttributeSchema::optional("headers", AttrType::set_of(AttrType::String)).describe("Headers to forward."))
                .attr(AttributeSchema::optional("query_string_cache_keys", AttrType::list_of(AttrType::String)).describe("The query string keys that are part of the cache key (all when left out)."))
                .block(single(
                    "cookies",
                    1,
                    Schema::new("Which cookies to forward.")
                        .attr(AttributeSchema::required("forward", AttrType::String).describe("all, none or whitelist."))
                        .attr(AttributeSchema::optional("whitelisted_names", AttrType::set_of(AttrType::String)).describe("The cookies to forward with forward = \"whitelist\".")),
                )),
        ))
}

fn distribution_schema() -> Schema {
    let custom_origin = Schema::new("An origin that is a web server (not an S3 bucket).")
        .attr(
            AttributeSchema::required("http_port", AttrType::Number)
                .describe("The origin's HTTP port."),
        )
        .attr(
            AttributeSchema::required("https_port", AttrType::Number)
                .describe("The origin's HTTPS port."),
        )
        .attr(
            AttributeSchema::required("origin_protocol_policy", AttrType::String)
                .describe("http-only, https-only or match-viewer."),
        )
        .attr(
            AttributeSchema::required("origin_ssl_protocols", AttrType::set_of(AttrType::String))
                .describe(
                    "The TLS versions CloudFront may use with the origin, e.g. [\"TLSv1.2\"].",
                ),
        )
        .attr(
            AttributeSchema::optional("origin_read_timeout", AttrType::Number)
                .default(30.0)
                .describe("Seconds to wait for a response."),
        )
        .attr(
            AttributeSchema::optional("origin_keepalive_timeout", AttrType::Number)
                .default(5.0)
                .describe("Seconds to keep an idle connection."),
        );
    let origin = Schema::new("Where CloudFront fetches content from.");
    let origin = parts::origin_extras(origin)
        .attr(
            AttributeSchema::required("domain_name", AttrType::String)
                .describe("The origin's DNS name."),
        )
        .attr(
            AttributeSchema::required("origin_id", AttrType::String)
                .describe("A unique name that cache behaviours refer to."),
        )
        .attr(
            AttributeSchema::optional("origin_path", AttrType::String)
                .default("")
                .describe("A path prefix added to every request to the origin."),
        )
        .block(single("custom_origin_config", 0, custom_origin))
        .block(single(
            "s3_origin_config",
            0,
            Schema::new("An S3 bucket origin.").attr(
                AttributeSchema::optional("origin_access_identity", AttrType::String).describe(
                    "origin-access-identity/cloudfront/ID, or leave out for public buckets.",
                ),
            ),
        ));
    parts::signer_attributes(Schema::new(
        "A CloudFront distribution (a CDN in front of origins).",
    ))
    .attr(
        AttributeSchema::required("enabled", AttrType::Bool)
            .describe("Whether the distribution serves requests."),
    )
    .attr(
        AttributeSchema::optional("comment", AttrType::String)
            .describe("A comment, up to 128 characters."),
    )
    .attr(
        AttributeSchema::optional("aliases", AttrType::set_of(AttrType::String))
            .describe("Extra domain names (CNAMEs) for the distribution."),
    )
    .attr(
        AttributeSchema::optional("price_class", AttrType::String)
            .default("PriceClass_All")
            .describe("PriceClass_All, PriceClass_200 or PriceClass_100."),
    )
    .attr(
        AttributeSchema::optional("default_root_object", AttrType::String)
            .describe("The object returned for the root URL, e.g. index.html."),
    )
    .attr(
        AttributeSchema::optional("http_version", AttrType::String)
            .default("http2")
            .describe("The highest HTTP version viewers may use."),
    )
    .attr(
        AttributeSchema::optional("is_ipv6_enabled", AttrType::Bool)
            .default(false)
            .describe("Whether IPv6 is enabled."),
    )
    .attr(
        AttributeSchema::optional("wait_for_deployment", AttrType::Bool)
            .default(true)
            .describe("Wait until the distribution is Deployed after a create or update."),
    )
    .attr(
        AttributeSchema::optional("web_acl_id", AttrType::String).describe(
            "The AWS WAF web ACL in front of the distribution (a WAFv2 ARN or a WAF Classic id).",
        ),
    )
    .attr(
        AttributeSchema::optional("retain_on_delete", AttrType::Bool)
            .default(false)
            .describe("On destroy, disable the distribution and leave it instead of deleting it."),
    )
    .attr(
        AttributeSchema::computed("last_modified_time", AttrType::String)
            .describe("When the distribution last changed."),
    )
    .attr(
        AttributeSchema::computed("in_progress_validation_batches", AttrType::Number)
            .describe("How many invalidation batches are in progress."),
    )
    .attr(tags_attribute())
    .attr(AttributeSchema::computed("id", AttrType::String).describe("The distribution id."))
    .attr(AttributeSchema::computed("arn", AttrType::String).describe("The distribution's ARN."))
    .attr(
        AttributeSchema::computed("caller_reference", AttrType::String)
            .describe("The idempotency token the distribution was created with."),
    )
    .attr(
        AttributeSchema::computed("domain_name", AttrType::String)
            .describe("The distribution's domain name, e.g. d111111abcdef8.cloudfront.net."),
    )
    .attr(
        AttributeSchema::computed("etag", AttrType::String)
            .describe("The current version of the configuration."),
    )
    .attr(AttributeSchema::computed("status", AttrType::String).describe("Deployed or InProgress."))
    .attr(
        AttributeSchema::computed("hosted_zone_id", AttrType::String)
            .describe("The Route 53 zone for alias records to the distribution."),
    )
    .block(BlockSchema {
        name: "origin",
        nesting: Nesting::Set,
        min_items: 1,
        max_items: None,
        force_new: false,
        schema: origin,
    })
    .block(single("default_cache_behavior", 1, behavior_schema(false)))
    .block(parts::logging_block())
    .block(parts::custom_error_response_block())
    .block(parts::origin_group_block())
    .block(BlockSchema {
        name: "ordered_cache_behavior",
        nesting: Nesting::List,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema: behavior_schema(true),
    })
    .block(single(
        "viewer_certificate",
        1,
        Schema::new("The TLS certificate viewers see.")
            .attr(
                AttributeSchema::optional("cloudfront_default_certificate", AttrType::Bool)
                    .default(false)
                    .describe("Use the *.cloudfront.net certificate."),
            )
            .attr(
                AttributeSchema::optional("acm_certificate_arn", AttrType::String)
                    .describe("An ACM certificate (in us-east-1) for the aliases."),
            )
            .attr(
                AttributeSchema::optional("iam_certificate_id", AttrType::String)
                    .describe("An IAM server certificate for the aliases."),
            )
            .attr(
                AttributeSchema::optional("ssl_support_method", AttrType::String)
                    .describe("sni-only, vip or static-ip (with a custom certificate)."),
            )
            .attr(
                AttributeSchema::optional("minimum_protocol_version", AttrType::String)
                    .default("TLSv1")
                    .describe("The lowest TLS version viewers may use."),
            ),
    ))
    .block(single(
        "restrictions",
        1,
        Schema::new("Who may be served.").block(single(
            "geo_restriction",
            1,
            Schema::new("Restriction by country.")
                .attr(
                    AttributeSchema::required("restriction_type", AttrType::String)
                        .describe("none, whitelist or blacklist."),
                )
                .attr(
                    AttributeSchema::optional("locations", AttrType::set_of(AttrType::String))
                        .describe("ISO 3166-1 alpha-2 country codes."),
                ),
        )),
    ))
    .block(timeouts_block())
}

/// With a cache policy the legacy TTLs do not apply; they are null in both
/// the plan and the state so that neither shows a difference.
fn drop_ttls_under_cache_policy(value: &Value) -> Value {
    let Some(map) = value.as_map() else {
        return value.clone();
    };
    let mut out = map.clone();
    let fix = |behavior: &Value| -> Value {
        match behavior.as_map() {
            Some(b) if b.get("cache_policy_id").is_some_and(|v| !v.is_null()) => {
                let mut b = b.clone();
                for ttl in ["min_ttl", "default_ttl", "max_ttl"] {
                    b.insert(ttl.to_string(), Value::Null);
                }
                Value::Map(b)
            }
            _ => behavior.clone(),
        }
    };
    if let Some(b) = map.get("default_cache_behavior") {
        out.insert("default_cache_behavior".into(), fix(b));
    }
    if let Some(Value::List(items)) = map.get("ordered_cache_behavior").map(Value::peel) {
        out.insert(
            "ordered_cache_behavior".into(),
            Value::List(items.iter().map(fix).collect()),
        );
    }
    Value::Map(out)
}

// ---------------------------------------------------------------------------
// Configuration → SDK types
// ---------------------------------------------------------------------------

/// The arguments shared by the default and the ordered cache behaviours,
/// which the SDK models as two unrelated types.
struct Behavior {
    path_pattern: Option<String>,
    target_origin_id: String,
    viewer_protocol_policy: ViewerProtocolPolicy,
    allowed_methods: AllowedMethods,
    compress: bool,
    cache_policy_id: Option<String>,
    forwarded_values: Option<ForwardedValues>,
    ttls: Option<(i64, i64, i64)>,
    extras: parts::BehaviorExtras,
}

fn methods(value: &Value, name: &str) -> Vec<Method> {
    strings_attr(value, name)
        .iter()
        .map(|m| Method::from(m.as_str()))
        .collect()
}

fn behavior(value: &Value) -> Result<Behavior, ProviderError> {
    let allowed = methods(value, "allowed_methods");
    let cached = methods(value, "cached_methods");
    let allowed_methods = AllowedMethods::builder()
        .quantity(allowed.len() as i32)
        .set_items(Some(allowed))
        .cached_methods(
            CachedMethods::builder()
                .quantity(cached.len() as i32)
                .set_items(Some(cached))
                .build()
                .map_err(build_error)?,
        )
        .build()
        .map_err(build_error)?;
    let cache_policy_id = str_attr(value, "cache_policy_id");
    let forwarded_values = match value.get_attr("forwarded_values").filter(|v| !v.is_null()) {
        Some(fv) => {
            let cookies = fv.get_attr("cookies").cloned().unwrap_or(Value::Null);
            let names = strings_attr(&cookies, "whitelisted_names");
            let headers = strings_attr(fv, "headers");
            Some(
                ForwardedValues::builder()
                    .query_string(bool_attr(fv, "query_string").unwrap_or(false))
                    .cookies(
                        CookiePreference::builder()
                            .forward(ItemSelection::from(
                                str_attr(&cookies, "forward").as_deref().unwrap_or("none"),
                            ))
                            .set_whitelisted_names(if names.is_empty() {
                                None
                            } else {
                                Some(
                                    CookieNames::builder()
                                        .quantity(names.len() as i32)
                                        .set_items(Some(names))
                                        .build()
                                        .map_err(build_error)?,
                                )
                            })
                            .build()
                            .map_err(build_error)?,
                    )
                    .headers(
                        Headers::builder()
                            .quantity(headers.len() as i32)
                            .set_items((!headers.is_empty()).then_some(headers))
                            .build()
                            .map_err(build_error)?,
                    )
                    .set_query_string_cache_keys(parts::query_string_cache_keys(fv)?)
                    .build()
                    .map_err(build_error)?,
            )
        }
        None => None,
    };
    if cache_policy_id.is_none() && forwarded_values.is_none() {
        return Err(ProviderError::new(
            "a cache behaviour needs either cache_policy_id or a forwarded_values block",
        ));
    }
    let ttls = cache_policy_id.is_none().then(|| {
        (
            int_attr(value, "min_ttl").unwrap_or(0),
            int_attr(value, "default_ttl").unwrap_or(86400),
            int_attr(value, "max_ttl").unwrap_or(31536000),
        )
    });
    Ok(Behavior {
        path_pattern: str_attr(value, "path_pattern"),
        target_origin_id: required_str(value, "target_origin_id")?,
        viewer_protocol_policy: ViewerProtocolPolicy::from(
            required_str(value, "viewer_protocol_policy")?.as_str(),
        ),
        allowed_methods,
        compress: bool_attr(value, "compress").unwrap_or(false),
        cache_policy_id,
        forwarded_values,
        ttls,
        extras: parts::behavior_extras_of(value)?,
    })
}

/// Builds either behaviour type from a [`Behavior`]; the two SDK builders
/// have the same setters but no common trait.
macro_rules! build_behavior {
    ($builder:expr, $b:expr) => {{
        let b = $b;
        $builder
            .target_origin_id(b.target_origin_id)
            .viewer_protocol_policy(b.viewer_protocol_policy)
            .allowed_methods(b.allowed_methods)
            .compress(b.compress)
            .set_cache_policy_id(b.cache_policy_id)
            .set_forwarded_values(b.forwarded_values)
            .set_min_ttl(b.ttls.map(|t| t.0))
            .set_default_ttl(b.ttls.map(|t| t.1))
            .set_max_ttl(b.ttls.map(|t| t.2))
            .set_origin_request_policy_id(b.extras.origin_request_policy_id)
            .set_response_headers_policy_id(b.extras.response_headers_policy_id)
            .set_realtime_log_config_arn(b.extras.realtime_log_config_arn)
            .field_level_encryption_id(b.extras.field_level_encryption_id)
            .smooth_streaming(b.extras.smooth_streaming)
            .trusted_signers(b.extras.trusted_signers)
            .trusted_key_groups(b.extras.trusted_key_groups)
            .lambda_function_associations(b.extras.lambda_function_associations)
            .function_associations(b.extras.function_associations)
            .build()
            .map_err(build_error)
    }};
}

fn origin(value: &Value) -> Result<Origin, ProviderError> {
    let mut builder = Origin::builder()
        .id(required_str(value, "origin_id")?)
        .domain_name(required_str(value, "domain_name")?)
        .origin_path(str_attr(value, "origin_path").unwrap_or_default());
    builder = parts::origin_settings(builder, value)?;
    match value
        .get_attr("custom_origin_config")
        .filter(|v| !v.is_null())
    {
        Some(custom) => {
            let protocols: Vec<SslProtocol> = strings_attr(custom, "origin_ssl_protocols")
                .iter()
                .map(|p| SslProtocol::from(p.as_str()))
                .collect();
            builder = builder.custom_origin_config(
                CustomOriginConfig::builder()
                    .http_port(int_attr(custom, "http_port").unwrap_or(80) as i32)
                    .https_port(int_attr(custom, "https_port").unwrap_or(443) as i32)
                    .origin_protocol_policy(OriginProtocolPolicy::from(
                        required_str(custom, "origin_protocol_policy")?.as_str(),
                    ))
                    .origin_ssl_protocols(
                        OriginSslProtocols::builder()
                            .quantity(protocols.len() as i32)
                            .set_items(Some(protocols))
                            .build()
                            .map_err(build_error)?,
                    )
                    .origin_read_timeout(
                        int_attr(custom, "origin_read_timeout").unwrap_or(30) as i32
                    )
                    .origin_keepalive_timeout(
                        int_attr(custom, "origin_keepalive_timeout").unwrap_or(5) as i32,
                    )
                    .build()
                    .map_err(build_error)?,
            );
        }
        None => {
            // An origin without a custom config is an S3 bucket; CloudFront
            // wants the S3 config even when no access identity is used.
            let identity = value
                .get_attr("s3_origin_config")
                .and_then(|s3| str_attr(s3, "origin_access_identity"))
                .unwrap_or_default();
            builder = builder.s3_origin_config(
                S3OriginConfig::builder()
                    .origin_access_identity(identity)
                    .build(),
            );
        }
    }
    builder.build().map_err(build_error)
}

/// The distribution configuration the user asked for.
// forwarded_values and the TTLs are CloudFront's "legacy cache settings",
// deprecated in the SDK in favour of cache policies but still accepted by
// CloudFront, and what most existing Terraform configurations use.
#[allow(deprecated)]
fn desired_config(
    planned: &Value,
    caller_reference: &str,
) -> Result<DistributionConfig, ProviderError> {
    let origins = blocks_attr(planned, "origin")
        .iter()
        .map(origin)
        .collect::<Result<Vec<_>, _>>()?;
    let default_behavior = planned
        .get_attr("default_cache_behavior")
        .filter(|v| !v.is_null())
        .ok_or_else(|| ProviderError::new("a default_cache_behavior block is required"))?;
    let default_behavior =
        build_behavior!(DefaultCacheBehavior::builder(), behavior(default_behavior)?)?;
    let ordered = blocks_attr(planned, "ordered_cache_behavior")
        .iter()
        .map(|b| {
            let b = behavior(b)?;
            let path = b.path_pattern.clone().unwrap_or_default();
            build_behavior!(CacheBehavior::builder().path_pattern(path), b)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let aliases = strings_attr(planned, "aliases");
    let certificate = planned
        .get_attr("viewer_certificate")
        .cloned()
        .unwrap_or(Value::Null);
    let default_certificate =
        bool_attr(&certificate, "cloudfront_default_certificate").unwrap_or(false);
    let viewer_certificate = ViewerCertificate::builder()
        .cloud_front_default_certificate(default_certificate)
        .set_acm_certificate_arn(str_attr(&certificate, "acm_certificate_arn"))
        .set_iam_certificate_id(str_attr(&certificate, "iam_certificate_id"))
        .set_ssl_support_method(
            str_attr(&certificate, "ssl_support_method")
                .map(|s| SslSupportMethod::from(s.as_str())),
        )
        .minimum_protocol_version(MinimumProtocolVersion::from(
            str_attr(&certificate, "minimum_protocol_version")
                .as_deref()
                .unwrap_or("TLSv1"),
        ))
        .build();
    let geo = planned
        .get_attr("restrictions")
        .and_then(|r| r.get_attr("geo_restriction"))
        .cloned()
        .unwrap_or(Value::Null);
    let locations = strings_attr(&geo, "locations");
    let restrictions = Restrictions::builder()
        .geo_restriction(
            GeoRestriction::builder()
                .restriction_type(GeoRestrictionType::from(
                    str_attr(&geo, "restriction_type")
                        .as_deref()
                        .unwrap_or("none"),
                ))
                .quantity(locations.len() as i32)
                .set_items((!locations.is_empty()).then_some(locations))
                .build()
                .map_err(build_error)?,
        )
        .build();
    DistributionConfig::builder()
        .caller_reference(caller_reference)
        .aliases(
            Aliases::builder()
                .quantity(aliases.len() as i32)
                .set_items((!aliases.is_empty()).then_some(aliases))
                .build()
                .map_err(build_error)?,
        )
        .default_root_object(str_attr(planned, "default_root_object").unwrap_or_default())
        .origins(
            Origins::builder()
                .quantity(origins.len() as i32)
                .set_items(Some(origins))
                .build()
                .map_err(build_error)?,
        )
        .default_cache_behavior(default_behavior)
        .cache_behaviors(
            CacheBehaviors::builder()
                .quantity(ordered.len() as i32)
                .set_items((!ordered.is_empty()).then_some(ordered))
                .build()
                .map_err(build_error)?,
        )
        .comment(str_attr(planned, "comment").unwrap_or_default())
        .price_class(PriceClass::from(
            str_attr(planned, "price_class")
                .as_deref()
                .unwrap_or("PriceClass_All"),
        ))
        .enabled(bool_attr(planned, "enabled").unwrap_or(true))
        .viewer_certificate(viewer_certificate)
        .restrictions(restrictions)
        .http_version(HttpVersion::from(
            str_attr(planned, "http_version")
                .as_deref()
                .unwrap_or("http2"),
        ))
        .is_ipv6_enabled(bool_attr(planned, "is_ipv6_enabled").unwrap_or(false))
        .logging(parts::logging(planned))
        .custom_error_responses(parts::custom_error_responses(planned)?)
        .origin_groups(parts::origin_groups(planned)?)
        .web_acl_id(str_attr(planned, "web_acl_id").unwrap_or_default())
        .build()
        .map_err(build_error)
}

/// Overwrites what this resource manages in the live configuration and
/// keeps the rest (continuous deployment, staging), which the user may
/// manage elsewhere.
fn merged_config(existing: &DistributionConfig, desired: DistributionConfig) -> DistributionConfig {
    let mut merged = existing.clone();
    merged.aliases = desired.aliases;
    merged.default_root_object = desired.default_root_object;
    merged.origins = desired.origins;
    merged.default_cache_behavior = desired.default_cache_behavior;
    merged.cache_behaviors = desired.cache_behaviors;
    merged.comment = desired.comment;
    merged.price_class = desired.price_class;
    merged.enabled = desired.enabled;
    merged.viewer_certificate = desired.viewer_certificate;
    merged.restrictions = desired.restrictions;
    merged.http_version = desired.http_version;
    merged.is_ipv6_enabled = desired.is_ipv6_enabled;
    merged.logging = desired.logging;
    merged.custom_error_responses = desired.custom_error_responses;
    merged.origin_groups = desired.origin_groups;
    merged.web_acl_id = desired.web_acl_id;
    merged
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Result<Tags, ProviderError> {
    let items = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_error))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Tags::builder().set_items(Some(items)).build())
}

// ---------------------------------------------------------------------------
// SDK types → state
// ---------------------------------------------------------------------------

macro_rules! behavior_value {
    ($b:expr) => {{
        let b = $b;
        let policy = b.cache_policy_id().filter(|p| !p.is_empty());
        let mut map = BTreeMap::new();
        map.insert("target_origin_id".to_string(), string(b.target_origin_id()));
        map.insert(
            "viewer_protocol_policy".to_string(),
            string(b.viewer_protocol_policy().as_str()),
        );
        let allowed = b.allowed_methods();
        map.insert(
            "allowed_methods".to_string(),
            string_set(
                allowed
                    .map(|a| {
                        a.items()
                            .iter()
                            .map(|m| m.as_str().to_string())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            ),
        );
        map.insert(
            "cached_methods".to_string(),
            string_set(
                allowed
                    .and_then(|a| a.cached_methods())
                    .map(|c| {
                        c.items()
                            .iter()
                            .map(|m| m.as_str().to_string())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            ),
        );
        map.insert(
            "compress".to_string(),
            Value::Bool(b.compress().unwrap_or(false)),
        );
        map.insert("cache_policy_id".to_string(), non_empty(policy));
        let (forwarded, ttls) = if policy.is_some() {
            // A cache policy replaces forwarded values and the TTLs; some
            // implementations still echo defaults for them, which mean nothing.
            (Value::Null, [Value::Null, Value::Null, Value::Null])
        } else {
            (
                b.forwarded_values()
                    .map(forwarded_value)
                    .unwrap_or(Value::Null),
                [
                    num(b.min_ttl().unwrap_or(0) as f64),
                    num(b.default_ttl().unwrap_or(86400) as f64),
                    num(b.max_ttl().unwrap_or(31536000) as f64),
                ],
            )
        };
        let [min, default, max] = ttls;
        map.insert("forwarded_values".to_string(), forwarded);
        map.insert("min_ttl".to_string(), min);
        map.insert("default_ttl".to_string(), default);
        map.insert("max_ttl".to_string(), max);
        map.extend(
            parts::behavior_extras_value(parts::BehaviorRead {
                origin_request_policy_id: b.origin_request_policy_id(),
                response_headers_policy_id: b.response_headers_policy_id(),
                realtime_log_config_arn: b.realtime_log_config_arn(),
                field_level_encryption_id: b.field_level_encryption_id(),
                smooth_streaming: b.smooth_streaming(),
                trusted_signers: b.trusted_signers(),
                trusted_key_groups: b.trusted_key_groups(),
                lambda_function_associations: b.lambda_function_associations(),
                function_associations: b.function_associations(),
            })
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
        );
        map
    }};
}

fn forwarded_value(fv: &ForwardedValues) -> Value {
    let cookies = fv.cookies().map(|c| {
        object([
            ("forward", string(c.forward().as_str())),
            (
                "whitelisted_names",
                string_set(
                    c.whitelisted_names()
                        .map(|n| n.items().to_vec())
                        .unwrap_or_default(),
                ),
            ),
        ])
    });
    object([
        ("query_string", Value::Bool(fv.query_string())),
        (
            "headers",
            string_set(fv.headers().map(|h| h.items().to_vec()).unwrap_or_default()),
        ),
        ("cookies", cookies.unwrap_or(Value::Null)),
        (
            "query_string_cache_keys",
            parts::query_string_cache_keys_value(fv.query_string_cache_keys()),
        ),
    ])
}

fn origin_value(o: &Origin) -> Value {
    let custom = o.custom_origin_config().map(|c| {
        object([
            ("http_port", num(c.http_port())),
            ("https_port", num(c.https_port())),
            (
                "origin_protocol_policy",
                string(c.origin_protocol_policy().as_str()),
            ),
            (
                "origin_ssl_protocols",
                string_set(
                    c.origin_ssl_protocols()
                        .map(|p| {
                            p.items()
                                .iter()
                                .map(|i| i.as_str().to_string())
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default(),
                ),
            ),
            (
                "origin_read_timeout",
                num(c.origin_read_timeout().unwrap_or(30)),
            ),
            (
                "origin_keepalive_timeout",
                num(c.origin_keepalive_timeout().unwrap_or(5)),
            ),
        ])
    });
    // An S3 origin without an access identity is what leaving the block out
    // means, so it reads back as no block.
    let s3 = o
        .s3_origin_config()
        .filter(|s| !s.origin_access_identity().is_empty())
        .map(|s| object([("origin_access_identity", string(s.origin_access_identity()))]));
    let mut pairs = vec![
        ("domain_name", string(o.domain_name())),
        ("origin_id", string(o.id())),
        ("origin_path", string(o.origin_path().unwrap_or_default())),
        ("custom_origin_config", custom.unwrap_or(Value::Null)),
        ("s3_origin_config", s3.unwrap_or(Value::Null)),
    ];
    pairs.extend(parts::origin_settings_value(o));
    object(pairs)
}

// forwarded_values and the TTLs are CloudFront's "legacy cache settings",
// deprecated in the SDK in favour of cache policies but still accepted by
// CloudFront, and what most existing Terraform configurations use.
#[allow(deprecated)]
fn config_value(config: &DistributionConfig) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    map.insert("enabled".into(), Value::Bool(config.enabled()));
    map.insert("comment".into(), non_empty(Some(config.comment())));
    map.insert(
        "aliases".into(),
        string_set(
            config
                .aliases()
                .map(|a| a.items().to_vec())
                .unwrap_or_default(),
        ),
    );
    map.insert(
        "price_class".into(),
        string(
            config
                .price_class()
                .map(|p| p.as_str())
                .unwrap_or("PriceClass_All"),
        ),
    );
    map.insert(
        "default_root_object".into(),
        non_empty(config.default_root_object()),
    );
    map.insert(
        "http_version".into(),
        string(config.http_version().map(|h| h.as_str()).unwrap_or("http2")),
    );
    map.insert(
        "is_ipv6_enabled".into(),
        Value::Bool(config.is_ipv6_enabled().unwrap_or(false)),
    );
    map.insert("caller_reference".into(), string(config.caller_reference()));
    map.insert(
        "origin".into(),
        Value::set_from(
            config
                .origins()
                .map(|o| o.items().iter().map(origin_value).collect())
                .unwrap_or_default(),
        ),
    );
    map.insert(
        "default_cache_behavior".into(),
        config
            .default_cache_behavior()
            .map(|b| Value::Map(behavior_value!(b)))
            .unwrap_or(Value::Null),
    );
    map.insert(
        "ordered_cache_behavior".into(),
        Value::List(
            config
                .cache_behaviors()
                .map(|c| {
                    c.items()
                        .iter()
                        .map(|b| {
                            let mut m = behavior_value!(b);
                            m.insert("path_pattern".into(), string(b.path_pattern()));
                            Value::Map(m)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
    );
    let certificate = config.viewer_certificate().map(|c| {
        let default = c.cloud_front_default_certificate().unwrap_or(false);
        object([
            ("cloudfront_default_certificate", Value::Bool(default)),
            ("acm_certificate_arn", non_empty(c.acm_certificate_arn())),
            ("iam_certificate_id", non_empty(c.iam_certificate_id())),
            // The SSL support method applies to custom certificates only;
            // with the default one it is noise that some replies carry.
            (
                "ssl_support_method",
                if default {
                    Value::Null
                } else {
                    non_empty(c.ssl_support_method().map(|s| s.as_str()))
                },
            ),
            (
                "minimum_protocol_version",
                string(
                    c.minimum_protocol_version()
                        .map(|v| v.as_str())
                        .unwrap_or("TLSv1"),
                ),
            ),
        ])
    });
    map.insert(
        "viewer_certificate".into(),
        certificate.unwrap_or(Value::Null),
    );
    let geo = config
        .restrictions()
        .and_then(|r| r.geo_restriction())
        .map(|g| {
            object([
                ("restriction_type", string(g.restriction_type().as_str())),
                ("locations", string_set(g.items().to_vec())),
            ])
        });
    map.insert(
        "restrictions".into(),
        object([("geo_restriction", geo.unwrap_or(Value::Null))]),
    );
    map.insert(
        "logging_config".into(),
        parts::logging_value(config.logging()),
    );
    map.insert(
        "custom_error_response".into(),
        parts::custom_error_responses_value(config.custom_error_responses()),
    );
    map.insert(
        "origin_group".into(),
        parts::origin_groups_value(config.origin_groups()),
    );
    map.insert("web_acl_id".into(), non_empty(config.web_acl_id()));
    map
}

// ---------------------------------------------------------------------------
// The resource
// ---------------------------------------------------------------------------

struct Distribution;

fn progress_of<'a>(request: &'a ApplyRequest<'_>) -> impl Fn(&str) + 'a {
    move |status: &str| {
        if let Some(sink) = &request.progress {
            sink(status);
        }
    }
}

/// The id named in a `DistributionAlreadyExists` error: CloudFront's message
/// ends with "Already exists: ID".
fn existing_id(message: &str) -> Option<String> {
    let (_, id) = message.rsplit_once("Already exists:")?;
    let id = id.trim().trim_end_matches('.');
    (!id.is_empty()).then(|| id.to_string())
}

impl Distribution {
    /// The id of the distribution created with `reference`. ListDistributions
    /// does not show caller references, so each distribution's configuration
    /// is read: costly, but only a pending create after a crash needs it.
    async fn find_by_caller_reference(
        clients: &Clients,
        reference: &str,
    ) -> Result<Option<String>, ProviderError> {
        let cf = &clients.cloudfront;
        let mut marker: Option<String> = None;
        loop {
            let page = clients
                .call("cloudfront", "ListDistributions", || {
                    cf.list_distributions().set_marker(marker.clone()).send()
                })
                .await?;
            let list = page.distribution_list();
            for summary in list.map(|l| l.items()).unwrap_or_default() {
                let id = summary.id();
                let config = clients
                    .call("cloudfront", "GetDistributionConfig", || {
                        cf.get_distribution_config().id(id).send()
                    })
                    .await;
                let config = match config {
                    Ok(config) => config,
                    Err(e) if e.is_not_found() => continue,
                    Err(e) => return Err(e.into()),
                };
                let ours = config.distribution_config().map(|c| c.caller_reference());
                if ours == Some(reference) {
                    return Ok(Some(id.to_string()));
                }
            }
            match list.and_then(|l| l.next_marker()).filter(|m| !m.is_empty()) {
                Some(next) if list.is_some_and(|l| l.is_truncated()) => {
                    marker = Some(next.to_string())
                }
                _ => return Ok(None),
            }
        }
    }

    /// Reads the distribution (its tags come from [`CloudFrontTags`]);
    /// `None` when it is gone.
    async fn fetch(clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        let cf = &clients.cloudfront;
        let out = match clients
            .call("cloudfront", "GetDistribution", || {
                cf.get_distribution().id(id).send()
            })
            .await
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(distribution) = out.distribution() else {
            return Ok(None);
        };
        let mut map = distribution
            .distribution_config()
            .map(config_value)
            .unwrap_or_default();
        map.insert("id".into(), string(distribution.id()));
        map.insert("arn".into(), string(distribution.arn()));
        map.insert("domain_name".into(), string(distribution.domain_name()));
        map.insert("status".into(), string(distribution.status()));
        map.insert("etag".into(), string(out.e_tag().unwrap_or_default()));
        map.insert("hosted_zone_id".into(), string(HOSTED_ZONE_ID));
        map.insert(
            "last_modified_time".into(),
            string(
                distribution
                    .last_modified_time()
                    .fmt(aws_smithy_types::date_time::Format::DateTime)
                    .unwrap_or_default(),
            ),
        );
        map.insert(
            "in_progress_validation_batches".into(),
            num(distribution.in_progress_invalidation_batches()),
        );
        map.extend(
            parts::signers_value(
                distribution.active_trusted_signers(),
                distribution.active_trusted_key_groups(),
            )
            .map(|(k, v)| (k.to_string(), v)),
        );
        Ok(Some(Value::Map(map)))
    }

    /// The state: what CloudFront reports plus our own arguments
    /// (wait_for_deployment, timeouts), which CloudFront does not know.
    fn with_local(state: &mut Value, local: &Value) {
        if let Value::Map(map) = state {
            map.insert(
                "wait_for_deployment".into(),
                Value::Bool(bool_attr(local, "wait_for_deployment").unwrap_or(true)),
            );
            map.insert(
                "retain_on_delete".into(),
                Value::Bool(bool_attr(local, "retain_on_delete").unwrap_or(false)),
            );
            map.insert(
                "timeouts".into(),
                local.get_attr("timeouts").cloned().unwrap_or(Value::Null),
            );
        }
    }

    /// Waits, after a create or update (`operation`), for the distribution
    /// to deploy unless `wait_for_deployment` is false, within the
    /// operation's timeout.
    async fn settle(
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
        operation: &str,
    ) -> Result<(), ProviderError> {
        if !bool_attr(planned, "wait_for_deployment").unwrap_or(true) {
            return Ok(());
        }
        let limit = timeout(planned, operation, DEFAULT_TIMEOUT);
        Self::wait_deployed(clients, request, id, limit).await
    }

    async fn wait_deployed(
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        timeout: Duration,
    ) -> Result<(), ProviderError> {
        let cf = &clients.cloudfront;
        let progress = progress_of(request);
        clients
            .wait(
                &format!("CloudFront distribution {id} to deploy"),
                timeout,
                &progress,
                || async {
                    let out = clients
                        .call("cloudfront", "GetDistribution", || {
                            cf.get_distribution().id(id).send()
                        })
                        .await?;
                    let status = out
                        .distribution()
                        .map(|d| d.status().to_string())
                        .unwrap_or_default();
                    Ok(if status == "Deployed" {
                        Poll::Ready(())
                    } else {
                        Poll::Pending(status)
                    })
                },
            )
            .await
    }
}

/// CloudFront's tagging of distributions, by ARN.
pub(crate) struct CloudFrontTags;

#[async_trait]
impl Tagging for CloudFrontTags {
    async fn update(
        &self,
        clients: &Clients,
        arn: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let cf = &clients.cloudfront;
        if !remove.is_empty() {
            let keys = TagKeys::builder().set_items(Some(remove.to_vec())).build();
            clients
                .call("cloudfront", "UntagResource", || {
                    cf.untag_resource()
                        .resource(arn)
                        .tag_keys(keys.clone())
                        .send()
                })
                .await?;
        }
        if !add.is_empty() {
            let tags = sdk_tags(add)?;
            clients
                .call("cloudfront", "TagResource", || {
                    cf.tag_resource().resource(arn).tags(tags.clone()).send()
                })
                .await?;
        }
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let cf = &clients.cloudfront;
        let out = clients
            .call("cloudfront", "ListTagsForResource", || {
                cf.list_tags_for_resource().resource(arn).send()
            })
            .await?;
        Ok(out
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
            .unwrap_or_default())
    }
}

#[async_trait]
impl Managed for Distribution {
    fn type_name(&self) -> &'static str {
        "aws_cloudfront_distribution"
    }

    fn noun(&self) -> &'static str {
        "CloudFront distribution"
    }

    fn schema(&self) -> Schema {
        distribution_schema()
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let config = drop_ttls_under_cache_policy(&normalize_blocks(schema, request.config));
        let mut response = plan_by_schema(schema, request.prior, &config);
        if let (Some(prior), Value::Map(map)) = (request.prior, &mut response.planned) {
            let mut unchanged = map.clone();
            // Tags and our local arguments are not part of the distribution's
            // configuration: changing them leaves its ETag and status alone.
            for computed in [
                "etag",
                "status",
                "last_modified_time",
                "tags",
                "wait_for_deployment",
                "retain_on_delete",
                "timeouts",
            ] {
                unchanged.insert(
                    computed.to_string(),
                    prior.get_attr(computed).cloned().unwrap_or(Value::Null),
                );
            }
            // Any change makes a new configuration version and redeploys.
            if !values_equal(&Value::Map(unchanged), prior) {
                map.insert("etag".into(), Value::Unknown);
                map.insert("status".into(), Value::Unknown);
                map.insert("last_modified_time".into(), Value::Unknown);
            }
        }
        response
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&CloudFrontTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    /// The caller reference is the operation id (recorded before this
    /// call), so a re-sent create answers with the first one's
    /// distribution; looking first after a lost answer also covers the case
    /// where no retry is left.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let config = desired_config(planned, request.operation_id)?;
        let tags = string_map_attr(planned, "tags");
        let cf = &clients.cloudfront;
        let find = || Self::find_by_caller_reference(clients, request.operation_id);
        let created = if tags.is_empty() {
            clients
                .create(
                    "cloudfront",
                    "CreateDistribution",
                    || {
                        cf.create_distribution()
                            .distribution_config(config.clone())
                            .send()
                    },
                    find,
                )
                .await
                .map(|c| c.found_or(|out| out.distribution().map(|d| d.id().to_string())))
        } else {
            let with_tags = DistributionConfigWithTags::builder()
                .distribution_config(config.clone())
                .tags(sdk_tags(&tags)?)
                .build();
            clients
                .create(
                    "cloudfront",
                    "CreateDistributionWithTags",
                    || {
                        cf.create_distribution_with_tags()
                            .distribution_config_with_tags(with_tags.clone())
                            .send()
                    },
                    find,
                )
                .await
                .map(|c| c.found_or(|out| out.distribution().map(|d| d.id().to_string())))
        };
        let id = match created {
            Ok(Some(id)) => id,
            Ok(None) => {
                return Err(ProviderError::new(
                    "CloudFront created a distribution but returned no id",
                ))
            }
            // Same caller reference: this operation already created it (the
            // earlier attempt's answer was lost). Adopt that distribution.
            Err(e) if e.code.as_deref() == Some("DistributionAlreadyExists") => {
                existing_id(&e.message).ok_or_else(|| ProviderError::from(e))?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Made::id(id))
    }

    /// Waits for the deployment unless `wait_for_deployment` is false.
    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        Self::settle(clients, request, id, planned, "create").await
    }

    /// Only the distribution's own configuration goes through
    /// UpdateDistribution; tags (written by the seam) and our local
    /// arguments do not.
    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let cf = &clients.cloudfront;
        let mut before = prior.clone();
        let mut after = planned.clone();
        for value in [&mut before, &mut after] {
            if let Value::Map(map) = value {
                for local in ["tags", "wait_for_deployment", "timeouts", "etag", "status"] {
                    map.remove(local);
                }
            }
        }
        if values_equal(&before, &after) {
            return Ok(());
        }
        let current = clients
            .call("cloudfront", "GetDistributionConfig", || {
                cf.get_distribution_config().id(id).send()
            })
            .await?;
        let existing = current.distribution_config().ok_or_else(|| {
            ProviderError::new(format!("CloudFront returned no configuration for {id}"))
        })?;
        // The ETag read just now goes back as If-Match, so a change made by
        // someone else in between fails instead of being overwritten (moto
        // 5.2.5 accepts any If-Match, so the tests cannot show it).
        let etag = current.e_tag().unwrap_or_default().to_string();
        let config = merged_config(
            existing,
            desired_config(planned, &existing.caller_reference)?,
        );
        clients
            .call("cloudfront", "UpdateDistribution", || {
                cf.update_distribution()
                    .id(id)
                    .if_match(&etag)
                    .distribution_config(config.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    /// Waits for the new configuration to deploy unless
    /// `wait_for_deployment` is false.
    async fn after_update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        Self::settle(clients, request, id, planned, "update").await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let cf = &clients.cloudfront;
        let limit = timeout(prior, "delete", DEFAULT_TIMEOUT);
        let current = match clients
            .call("cloudfront", "GetDistributionConfig", || {
                cf.get_distribution_config().id(id).send()
            })
            .await
        {
            Ok(current) => current,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let mut etag = current.e_tag().unwrap_or_default().to_string();
        if let Some(config) = current.distribution_config().filter(|c| c.enabled()) {
            // CloudFront deletes only disabled distributions.
            let mut disabled = config.clone();
            disabled.enabled = false;
            let out = clients
                .call("cloudfront", "UpdateDistribution", || {
                    cf.update_distribution()
                        .id(id)
                        .if_match(&etag)
                        .distribution_config(disabled.clone())
                        .send()
                })
                .await?;
            etag = out.e_tag().unwrap_or_default().to_string();
        }
        if bool_attr(prior, "retain_on_delete").unwrap_or(false) {
            // Terraform's retain_on_delete: the distribution stays, disabled,
            // for the user to delete by hand.
            return Ok(());
        }
        // Disabling is itself a deployment, and only a deployed distribution
        // can be deleted.
        Self::wait_deployed(clients, request, id, limit).await?;
        // The ETag may have moved while the change deployed; the delete must
        // name the latest one.
        if let Ok(latest) = clients
            .call("cloudfront", "GetDistribution", || {
                cf.get_distribution().id(id).send()
            })
            .await
        {
            if let Some(tag) = latest.e_tag() {
                etag = tag.to_string();
            }
        }
        match clients
            .call("cloudfront", "DeleteDistribution", || {
                cf.delete_distribution().id(id).if_match(&etag).send()
            })
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// GetDistribution for each: ListDistributions' summaries leave out
    /// much of the configuration a refresh compares.
    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        each(ids, |id| async move { Self::fetch(clients, &id).await }).await
    }

    /// Our own arguments (wait_for_deployment, retain_on_delete, timeouts),
    /// which CloudFront does not know.
    async fn complete(
        &self,
        _clients: &Clients,
        _id: &str,
        value: &mut Value,
        known: &Value,
    ) -> Result<(), ProviderError> {
        Self::with_local(value, known);
        Ok(())
    }

    /// By the caller reference, which is the operation id.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        Self::find_by_caller_reference(clients, operation_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_taken_from_a_distribution_already_exists_message() {
        assert_eq!(
            existing_id("The caller reference that you are using to create a distribution is associated with another distribution. Already exists: E2QWRUHEXAMPLE").as_deref(),
            Some("E2QWRUHEXAMPLE")
        );
        assert_eq!(existing_id("Something else"), None);
    }

    #[test]
    fn nested_blocks_get_every_attribute_and_their_defaults() {
        let schema = distribution_schema();
        let config = object([(
            "origin",
            Value::set_from(vec![object([
                ("domain_name", string("example.com")),
                ("origin_id", string("web")),
                ("custom_origin_config", object([("http_port", num(80.0))])),
            ])]),
        )]);
        let normalized = normalize_blocks(&schema, &config);
        let origin = &blocks_attr(&normalized, "origin")[0];
        assert_eq!(origin.get_attr("origin_path"), Some(&string("")));
        assert_eq!(origin.get_attr("s3_origin_config"), Some(&Value::Null));
        let custom = origin
            .get_attr("custom_origin_config")
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(custom.get_attr("origin_read_timeout"), Some(&num(30.0)));
        assert_eq!(custom.get_attr("https_port"), Some(&Value::Null));
    }
}
