//! The deprecated inline arguments of `aws_s3_bucket` that older
//! configurations still use: `acl`, `versioning {}`, `website {}`,
//! `server_side_encryption_configuration {}` and `lifecycle_rule {}`. Each
//! is written with its own S3 call after the bucket exists (PutBucketAcl,
//! PutBucketVersioning, PutBucketWebsite, PutBucketEncryption,
//! PutBucketLifecycleConfiguration), reset when removed from the
//! configuration, read back on refresh when the configuration manages it,
//! and warned about at plan time with the resource that replaces it.
//! The computed `website_endpoint`, `website_domain` and `hosted_zone_id`
//! follow from the region.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::DateTime;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketCannedAcl, BucketLifecycleConfiguration,
    BucketVersioningStatus, ErrorDocument, ExpirationStatus, IndexDocument, LifecycleExpiration,
    LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter, MfaDelete,
    NoncurrentVersionExpiration, NoncurrentVersionTransition, Protocol, RedirectAllRequestsTo,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Transition, TransitionStorageClass, VersioningConfiguration,
    WebsiteConfiguration,
};
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::provider::{
    values_equal, AttrType, AttributeSchema, BlockSchema, Nesting, ProviderError, Schema,
};
use engine::value::Value;

use super::values::{
    blocks_attr, bool_attr, number_attr, object, str_attr, string, string_map_attr,
};
use super::Clients;

mod extra;

pub use extra::object_lock_at_create;

/// Each inline argument and the resource that replaces it.
pub const DEPRECATED: &[(&str, &str)] = &[
    ("acl", "aws_s3_bucket_acl"),
    ("versioning", "aws_s3_bucket_versioning"),
    ("website", "aws_s3_bucket_website_configuration"),
    (
        "server_side_encryption_configuration",
        "aws_s3_bucket_server_side_encryption_configuration",
    ),
    ("lifecycle_rule", "aws_s3_bucket_lifecycle_configuration"),
];

fn block(name: &'static str, max_items: Option<usize>, schema: Schema) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::List,
        min_items: 0,
        max_items,
        force_new: false,
        schema,
    }
}

fn opt(name: &'static str, ty: AttrType, what: &'static str) -> AttributeSchema {
    AttributeSchema::optional(name, ty).describe(what)
}

/// The bucket schema with the inline arguments and computed attributes.
pub fn schema(bucket: Schema) -> Schema {
    use AttrType::{Bool, Number, String as Text};
    let versioning = Schema::new("Deprecated: use aws_s3_bucket_versioning.")
        .attr(opt("enabled", Bool, "Keep every version of every object.").default(false))
        .attr(opt("mfa_delete", Bool, "Require MFA to delete versions.").default(false));
    let website = Schema::new("Deprecated: use aws_s3_bucket_website_configuration.")
        .attr(opt(
            "index_document",
            Text,
            "The page served for a directory, e.g. index.html.",
        ))
        .attr(opt(
            "error_document",
            Text,
            "The page served on a 4XX error.",
        ))
        .attr(opt(
            "redirect_all_requests_to",
            Text,
            "A host name (optionally protocol://host) every request is redirected to.",
        ))
        .attr(opt(
            "routing_rules",
            Text,
            "Routing rules as a JSON array (sent as given; not read back).",
        ));
    let by_default = Schema::new("The default encryption.")
        .attr(
            AttributeSchema::required("sse_algorithm", Text)
                .describe("AES256, aws:kms or aws:kms:dsse."),
        )
        .attr(opt("kms_master_key_id", Text, "The KMS key for aws:kms."));
    let rule = Schema::new("The encryption rule.")
        .attr(
            opt(
                "bucket_key_enabled",
                Bool,
                "Use an S3 bucket key for SSE-KMS.",
            )
            .default(false),
        )
        .block(block(
            "apply_server_side_encryption_by_default",
            Some(1),
            by_default,
        ));
    let sse = Schema::new("Deprecated: use aws_s3_bucket_server_side_encryption_configuration.")
        .block(block("rule", Some(1), rule));
    let expiration = Schema::new("When objects expire.")
        .attr(opt("date", Text, "A date, e.g. 2030-01-01."))
        .attr(opt("days", Number, "Days after creation."))
        .attr(opt(
            "expired_object_delete_marker",
            Bool,
            "Remove expired delete markers.",
        ));
    let transition = Schema::new("When objects move to another storage class.")
        .attr(opt("date", Text, "A date, e.g. 2030-01-01."))
        .attr(opt("days", Number, "Days after creation."))
        .attr(AttributeSchema::required("storage_class", Text).describe("STANDARD_IA, GLACIER, …"));
    let noncurrent_expiration = Schema::new("When noncurrent versions expire.").attr(opt(
        "days",
        Number,
        "Days after becoming noncurrent.",
    ));
    let noncurrent_transition = Schema::new("When noncurrent versions move.")
        .attr(opt("days", Number, "Days after becoming noncurrent."))
        .attr(AttributeSchema::required("storage_class", Text).describe("STANDARD_IA, GLACIER, …"));
    let lifecycle = Schema::new("Deprecated: use aws_s3_bucket_lifecycle_configuration.")
        .attr(
            AttributeSchema::optional_computed("id", Text)
                .describe("The rule's id (generated when not given)."),
        )
        .attr(opt("prefix", Text, "Only objects under this prefix."))
        .attr(opt(
            "tags",
            AttrType::map_of(Text),
            "Only objects with these tags.",
        ))
        .attr(AttributeSchema::required("enabled", Bool).describe("Whether the rule applies."))
        .attr(opt(
            "abort_incomplete_multipart_upload_days",
            Number,
            "Days before unfinished uploads are aborted.",
        ))
        .block(block("expiration", Some(1), expiration))
        .block(block("transition", None, transition))
        .block(block(
            "noncurrent_version_expiration",
            Some(1),
            noncurrent_expiration,
        ))
        .block(block(
            "noncurrent_version_transition",
            None,
            noncurrent_transition,
        ));
    extra::schema(bucket)
        .attr(opt("acl", Text, "Deprecated: use aws_s3_bucket_acl. A canned ACL: private, public-read, public-read-write, authenticated-read, log-delivery-write."))
        .attr(AttributeSchema::computed("website_endpoint", Text).describe("The website endpoint, when website is set."))
        .attr(AttributeSchema::computed("website_domain", Text).describe("The website endpoint's domain, when website is set."))
        .attr(AttributeSchema::computed("hosted_zone_id", Text).describe("The Route 53 hosted zone of the bucket's region."))
        .block(block("versioning", Some(1), versioning))
        .block(block("website", Some(1), website))
        .block(block("server_side_encryption_configuration", Some(1), sse))
        .block(block("lifecycle_rule", None, lifecycle))
}

/// One warning per deprecated argument the configuration sets.
pub fn deprecations(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for (name, replacement) in DEPRECATED.iter().chain(extra::DEPRECATED) {
        if is_set(config.get_attr(name)) {
            diags.push(Diagnostic::warning(
                "Argument is deprecated",
                format!("`{name}` of aws_s3_bucket is deprecated: use the {replacement} resource instead."),
            ));
        }
    }
    diags
}

/// Whether an argument has a value: not null, not an empty block list, and
/// known (an optional computed argument left to S3 is unknown until read).
fn is_set(value: Option<&Value>) -> bool {
    match value.map(Value::peel) {
        None | Some(Value::Null) | Some(Value::Unknown) => false,
        Some(Value::List(items)) | Some(Value::Set(items)) => !items.is_empty(),
        Some(_) => true,
    }
}

/// Fills the attributes a nested block leaves out with their defaults (or
/// null) and its missing nested blocks with empty lists, so that the
/// configured value and the value read back have the same shape.
pub fn normalise(value: &Value, schema: &Schema) -> Value {
    match value.peel() {
        Value::List(items) => Value::List(items.iter().map(|i| normalise(i, schema)).collect()),
        Value::Map(map) => {
            let mut out = map.clone();
            for a in &schema.attributes {
                let missing = out.get(a.name).is_none_or(Value::is_null);
                if missing {
                    out.insert(a.name.to_string(), a.default.clone().unwrap_or(Value::Null));
                }
            }
            for b in &schema.blocks {
                let nested = out.get(b.name).cloned().unwrap_or(Value::List(Vec::new()));
                out.insert(b.name.to_string(), normalise(&nested, &b.schema));
            }
            Value::Map(out)
        }
        other => other.clone(),
    }
}

/// The planned value with the inline blocks in their full shape, the
/// lifecycle rules' generated ids carried from the prior state, and the
/// website attributes unknown when the website changes.
pub fn plan(schema: &Schema, planned: &mut Value, prior: Option<&Value>) {
    let Value::Map(map) = planned else { return };
    let inline = [
        "versioning",
        "website",
        "server_side_encryption_configuration",
        "lifecycle_rule",
    ];
    for name in inline.iter().chain(extra::BLOCKS).copied() {
        if let (Some(b), Some(v)) = (schema.nested_block(name), map.get(name)) {
            let v = normalise(v, &b.schema);
            map.insert(name.to_string(), v);
        }
    }
    if let Some(Value::List(rules)) = map.get_mut("lifecycle_rule") {
        let prior_rules = prior
            .map(|p| blocks_attr(p, "lifecycle_rule"))
            .unwrap_or_default();
        for (i, rule) in rules.iter_mut().enumerate() {
            if let Value::Map(r) = rule {
                if r.get("id").is_none_or(Value::is_null) {
                    let id = prior_rules.get(i).and_then(|p| p.get_attr("id")).cloned();
                    r.insert(
                        "id".into(),
                        id.filter(|v| !v.is_null()).unwrap_or(Value::Unknown),
                    );
                }
            }
        }
    }
    let website_changed = prior.is_none_or(|p| {
        !values_equal(
            p.get_attr("website").unwrap_or(&Value::Null),
            map.get("website").unwrap_or(&Value::Null),
        )
    });
    if website_changed {
        let set = is_set(map.get("website"));
        for name in ["website_endpoint", "website_domain"] {
            map.insert(name.into(), if set { Value::Unknown } else { Value::Null });
        }
    }
}

/// The S3 website endpoint's domain in a region: the oldest regions use
/// `s3-website-REGION`, the others `s3-website.REGION` (Amazon S3 website
/// endpoints, in the S3 user guide).
pub fn website_domain(region: &str) -> String {
    const DASHED: &[&str] = &[
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "eu-west-1",
        "sa-east-1",
        "us-gov-west-1",
    ];
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    if DASHED.contains(&region) {
        format!("s3-website-{region}.{suffix}")
    } else {
        format!("s3-website.{region}.{suffix}")
    }
}

/// The Route 53 hosted zone id of S3 website endpoints in a region (Amazon
/// S3 endpoints, in the AWS General Reference).
pub fn hosted_zone_id(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        "ca-central-1" => "Z1QDHH18159H29",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-west-3" => "Z3R1K369G5AVDG",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "eu-north-1" => "Z3BAZG2TWCNX0D",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-northeast-2" => "Z3W03O7B5YMIYP",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "sa-east-1" => "Z7KQH4QJS55SO",
        _ => return None,
    })
}

fn build_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!("could not build the S3 request: {e}"))
}

fn changed(prior: Option<&Value>, planned: &Value, name: &str) -> bool {
    match prior {
        None => is_set(planned.get_attr(name)),
        Some(prior) => !values_equal(
            prior.get_attr(name).unwrap_or(&Value::Null),
            planned.get_attr(name).unwrap_or(&Value::Null),
        ),
    }
}

fn first(value: &Value, name: &str) -> Option<Value> {
    blocks_attr(value, name).into_iter().next()
}

fn days(value: &Value, name: &str) -> Option<i32> {
    number_attr(value, name).map(|n| n as i32)
}

fn date(value: &Value, name: &str) -> Result<Option<DateTime>, ProviderError> {
    match str_attr(value, name).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(d) => {
            let text = if d.len() == 10 {
                format!("{d}T00:00:00Z")
            } else {
                d.clone()
            };
            DateTime::from_str(&text, aws_sdk_s3::primitives::DateTimeFormat::DateTime)
                .map(Some)
                .map_err(|e| {
                    ProviderError::new(format!(
                        "lifecycle date {d:?} is not a date such as 2030-01-01: {e}"
                    ))
                })
        }
    }
}

/// Writes the inline settings that differ between `prior` (none on
/// create) and `planned`; a setting removed is reset to S3's default.
pub async fn write(
    clients: &Clients,
    name: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), ProviderError> {
    let s3 = &clients.s3;
    if changed(prior, planned, "acl") {
        let acl = str_attr(planned, "acl").unwrap_or_else(|| "private".to_string());
        clients
            .call("s3", "PutBucketAcl", || {
                s3.put_bucket_acl()
                    .bucket(name)
                    .acl(BucketCannedAcl::from(acl.as_str()))
                    .send()
            })
            .await?;
    }
    if changed(prior, planned, "versioning") {
        let v = first(planned, "versioning").unwrap_or(Value::Null);
        // A bucket never versioned stays so; once enabled it can only be suspended.
        let was = prior
            .and_then(|p| first(p, "versioning"))
            .and_then(|p| bool_attr(&p, "enabled"));
        let enabled = bool_attr(&v, "enabled").unwrap_or(false);
        if enabled || was == Some(true) {
            let config = VersioningConfiguration::builder()
                .status(if enabled {
                    BucketVersioningStatus::Enabled
                } else {
                    BucketVersioningStatus::Suspended
                })
                .mfa_delete(if bool_attr(&v, "mfa_delete").unwrap_or(false) {
                    MfaDelete::Enabled
                } else {
                    MfaDelete::Disabled
                })
                .build();
            clients
                .call("s3", "PutBucketVersioning", || {
                    s3.put_bucket_versioning()
                        .bucket(name)
                        .versioning_configuration(config.clone())
                        .send()
                })
                .await?;
        }
    }
    if changed(prior, planned, "website") {
        match first(planned, "website") {
            Some(w) => {
                let config = website_configuration(&w)?;
                clients
                    .call("s3", "PutBucketWebsite", || {
                        s3.put_bucket_website()
                            .bucket(name)
                            .website_configuration(config.clone())
                            .send()
                    })
                    .await?;
            }
            None => {
                clients
                    .call("s3", "DeleteBucketWebsite", || {
                        s3.delete_bucket_website().bucket(name).send()
                    })
                    .await?;
            }
        }
    }
    if changed(prior, planned, "server_side_encryption_configuration") {
        match encryption_configuration(planned)? {
            Some(config) => {
                clients
                    .call("s3", "PutBucketEncryption", || {
                        s3.put_bucket_encryption()
                            .bucket(name)
                            .server_side_encryption_configuration(config.clone())
                            .send()
                    })
                    .await?;
            }
            None => {
                clients
                    .call("s3", "DeleteBucketEncryption", || {
                        s3.delete_bucket_encryption().bucket(name).send()
                    })
                    .await?;
            }
        }
    }
    if changed(prior, planned, "lifecycle_rule") {
        let rules = blocks_attr(planned, "lifecycle_rule")
            .iter()
            .enumerate()
            .map(|(i, r)| lifecycle_rule(i, r))
            .collect::<Result<Vec<_>, _>>()?;
        if rules.is_empty() {
            clients
                .call("s3", "DeleteBucketLifecycle", || {
                    s3.delete_bucket_lifecycle().bucket(name).send()
                })
                .await?;
        } else {
            let config = BucketLifecycleConfiguration::builder()
                .set_rules(Some(rules))
                .build()
                .map_err(build_error)?;
            clients
                .call("s3", "PutBucketLifecycleConfiguration", || {
                    s3.put_bucket_lifecycle_configuration()
                        .bucket(name)
                        .lifecycle_configuration(config.clone())
                        .send()
                })
                .await?;
        }
    }
    extra::write(clients, name, prior, planned).await?;
    Ok(())
}

fn website_configuration(w: &Value) -> Result<WebsiteConfiguration, ProviderError> {
    let mut config = WebsiteConfiguration::builder();
    if let Some(suffix) = str_attr(w, "index_document") {
        config = config.index_document(
            IndexDocument::builder()
                .suffix(suffix)
                .build()
                .map_err(build_error)?,
        );
    }
    if let Some(key) = str_attr(w, "error_document") {
        config = config.error_document(
            ErrorDocument::builder()
                .key(key)
                .build()
                .map_err(build_error)?,
        );
    }
    if let Some(target) = str_attr(w, "redirect_all_requests_to") {
        let (protocol, host) = match target.split_once("://") {
            Some((p, h)) => (Some(Protocol::from(p)), h.to_string()),
            None => (None, target.clone()),
        };
        config = config.redirect_all_requests_to(
            RedirectAllRequestsTo::builder()
                .host_name(host)
                .set_protocol(protocol)
                .build()
                .map_err(build_error)?,
        );
    }
    if let Some(rules) = str_attr(w, "routing_rules") {
        config = config.set_routing_rules(Some(routing_rules(&rules)?));
    }
    Ok(config.build())
}

/// Terraform's `routing_rules` JSON: a list of objects with `Condition`
/// (KeyPrefixEquals, HttpErrorCodeReturnedEquals) and `Redirect` (HostName,
/// HttpRedirectCode, Protocol, ReplaceKeyPrefixWith, ReplaceKeyWith).
fn routing_rules(text: &str) -> Result<Vec<aws_sdk_s3::types::RoutingRule>, ProviderError> {
    use aws_sdk_s3::types::{Condition, Redirect, RoutingRule};
    let bad = |e: String| ProviderError::new(format!("website routing_rules: {e}"));
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let items = json
        .as_array()
        .ok_or_else(|| bad("must be a JSON array".into()))?;
    let field =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    items
        .iter()
        .map(|item| {
            let condition = item.get("Condition").map(|c| {
                Condition::builder()
                    .set_key_prefix_equals(field(c, "KeyPrefixEquals"))
                    .set_http_error_code_returned_equals(field(c, "HttpErrorCodeReturnedEquals"))
                    .build()
            });
            let r = item
                .get("Redirect")
                .ok_or_else(|| bad("every rule needs a Redirect".into()))?;
            let redirect = Redirect::builder()
                .set_host_name(field(r, "HostName"))
                .set_http_redirect_code(field(r, "HttpRedirectCode"))
                .set_protocol(field(r, "Protocol").map(|p| Protocol::from(p.as_str())))
                .set_replace_key_prefix_with(field(r, "ReplaceKeyPrefixWith"))
                .set_replace_key_with(field(r, "ReplaceKeyWith"))
                .build();
            Ok(RoutingRule::builder()
                .set_condition(condition)
                .redirect(redirect)
                .build())
        })
        .collect()
}

fn encryption_configuration(
    planned: &Value,
) -> Result<Option<ServerSideEncryptionConfiguration>, ProviderError> {
    let Some(rule) =
        first(planned, "server_side_encryption_configuration").and_then(|c| first(&c, "rule"))
    else {
        return Ok(None);
    };
    let by_default = match first(&rule, "apply_server_side_encryption_by_default") {
        Some(d) => Some(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(
                    str_attr(&d, "sse_algorithm").unwrap_or_default().as_str(),
                ))
                .set_kms_master_key_id(str_attr(&d, "kms_master_key_id").filter(|k| !k.is_empty()))
                .build()
                .map_err(build_error)?,
        ),
        None => None,
    };
    let rule = ServerSideEncryptionRule::builder()
        .set_apply_server_side_encryption_by_default(by_default)
        .set_bucket_key_enabled(bool_attr(&rule, "bucket_key_enabled"))
        .build();
    ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .map(Some)
        .map_err(build_error)
}

fn lifecycle_rule(index: usize, r: &Value) -> Result<LifecycleRule, ProviderError> {
    let prefix = str_attr(r, "prefix").unwrap_or_default();
    let tags = string_map_attr(r, "tags");
    let filter = if tags.is_empty() {
        LifecycleRuleFilter::builder().prefix(prefix).build()
    } else {
        let tags = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_error))
            .collect::<Result<Vec<_>, _>>()?;
        LifecycleRuleFilter::builder()
            .and(
                LifecycleRuleAndOperator::builder()
                    .prefix(prefix)
                    .set_tags(Some(tags))
                    .build(),
            )
            .build()
    };
    let expiration = match first(r, "expiration") {
        Some(e) => Some(
            LifecycleExpiration::builder()
                .set_date(date(&e, "date")?)
                .set_days(days(&e, "days").filter(|d| *d > 0))
                .set_expired_object_delete_marker(
                    bool_attr(&e, "expired_object_delete_marker").filter(|b| *b),
                )
                .build(),
        ),
        None => None,
    };
    let transitions = blocks_attr(r, "transition")
        .iter()
        .map(|t| {
            Ok(Transition::builder()
                .set_date(date(t, "date")?)
                .set_days(days(t, "days"))
                .storage_class(TransitionStorageClass::from(
                    str_attr(t, "storage_class").unwrap_or_default().as_str(),
                ))
                .build())
        })
        .collect::<Result<Vec<_>, ProviderError>>()?;
    let noncurrent_transitions = blocks_attr(r, "noncurrent_version_transition")
        .iter()
        .map(|t| {
            NoncurrentVersionTransition::builder()
                .set_noncurrent_days(days(t, "days"))
                .storage_class(TransitionStorageClass::from(
                    str_attr(t, "storage_class").unwrap_or_default().as_str(),
                ))
                .build()
        })
        .collect::<Vec<_>>();
    LifecycleRule::builder()
        // Rules need ids; one not given is named after its position.
        .id(str_attr(r, "id")
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| format!("rule-{index}")))
        .status(if bool_attr(r, "enabled").unwrap_or(false) {
            ExpirationStatus::Enabled
        } else {
            ExpirationStatus::Disabled
        })
        .filter(filter)
        .set_expiration(expiration)
        .set_transitions((!transitions.is_empty()).then_some(transitions))
        .set_noncurrent_version_transitions(
            (!noncurrent_transitions.is_empty()).then_some(noncurrent_transitions),
        )
        .set_noncurrent_version_expiration(first(r, "noncurrent_version_expiration").map(|n| {
            NoncurrentVersionExpiration::builder()
                .set_noncurrent_days(days(&n, "days"))
                .build()
        }))
        .set_abort_incomplete_multipart_upload(
            days(r, "abort_incomplete_multipart_upload_days").map(|d| {
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(d)
                    .build()
            }),
        )
        .build()
        .map_err(build_error)
}

/// The inline settings as S3 has them, for those `current` manages (the
/// others are not S3's concern here and stay as they are), plus the
/// computed website and zone attributes.
pub async fn read(
    clients: &Clients,
    schema: &Schema,
    name: &str,
    current: &Value,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let s3 = &clients.s3;
    let mut out = BTreeMap::new();
    let managed = |n: &str| is_set(current.get_attr(n));
    let normal = |n: &str, v: Value| match schema.nested_block(n) {
        Some(b) => normalise(&v, &b.schema),
        None => v,
    };
    if managed("acl") {
        let acl = clients
            .call("s3", "GetBucketAcl", || {
                s3.get_bucket_acl().bucket(name).send()
            })
            .await?;
        let canned = canned_acl(acl.grants());
        out.insert(
            "acl".into(),
            canned
                .map(string)
                .unwrap_or_else(|| current.get_attr("acl").cloned().unwrap_or(Value::Null)),
        );
    }
    if managed("versioning") {
        let v = clients
            .call("s3", "GetBucketVersioning", || {
                s3.get_bucket_versioning().bucket(name).send()
            })
            .await?;
        let value = object([
            (
                "enabled",
                Value::Bool(v.status() == Some(&BucketVersioningStatus::Enabled)),
            ),
            (
                "mfa_delete",
                Value::Bool(v.mfa_delete().map(|m| m.as_str()) == Some("Enabled")),
            ),
        ]);
        out.insert(
            "versioning".into(),
            normal("versioning", Value::List(vec![value])),
        );
    }
    if managed("website") {
        let website = match clients
            .call("s3", "GetBucketWebsite", || {
                s3.get_bucket_website().bucket(name).send()
            })
            .await
        {
            Ok(w) => {
                let redirect = w.redirect_all_requests_to().map(|r| match r.protocol() {
                    Some(p) => format!("{}://{}", p.as_str(), r.host_name()),
                    None => r.host_name().to_string(),
                });
                let kept =
                    first(current, "website").and_then(|c| c.get_attr("routing_rules").cloned());
                vec![object([
                    (
                        "index_document",
                        super::values::opt_string(w.index_document().map(|i| i.suffix())),
                    ),
                    (
                        "error_document",
                        super::values::opt_string(w.error_document().map(|e| e.key())),
                    ),
                    (
                        "redirect_all_requests_to",
                        super::values::opt_string(redirect),
                    ),
                    ("routing_rules", kept.unwrap_or(Value::Null)),
                ])]
            }
            Err(e) if e.code.as_deref() == Some("NoSuchWebsiteConfiguration") => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        out.insert("website".into(), normal("website", Value::List(website)));
    }
    if managed("server_side_encryption_configuration") {
        let rules = match clients
            .call("s3", "GetBucketEncryption", || {
                s3.get_bucket_encryption().bucket(name).send()
            })
            .await
        {
            Ok(e) => e
                .server_side_encryption_configuration()
                .map(|c| c.rules().to_vec())
                .unwrap_or_default(),
            Err(e)
                if e.code.as_deref() == Some("ServerSideEncryptionConfigurationNotFoundError") =>
            {
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
        let value = rules.first().map(|rule| {
            let by_default = rule.apply_server_side_encryption_by_default().map(|d| {
                object([
                    ("sse_algorithm", string(d.sse_algorithm().as_str())),
                    (
                        "kms_master_key_id",
                        super::values::opt_string(d.kms_master_key_id()),
                    ),
                ])
            });
            object([(
                "rule",
                Value::List(vec![object([
                    (
                        "bucket_key_enabled",
                        Value::Bool(rule.bucket_key_enabled().unwrap_or(false)),
                    ),
                    (
                        "apply_server_side_encryption_by_default",
                        Value::List(by_default.into_iter().collect()),
                    ),
                ])]),
            )])
        });
        out.insert(
            "server_side_encryption_configuration".into(),
            normal(
                "server_side_encryption_configuration",
                Value::List(value.into_iter().collect()),
            ),
        );
    }
    if managed("lifecycle_rule") {
        let rules = match clients
            .call("s3", "GetBucketLifecycleConfiguration", || {
                s3.get_bucket_lifecycle_configuration().bucket(name).send()
            })
            .await
        {
            Ok(l) => l.rules().iter().map(lifecycle_value).collect(),
            Err(e) if e.code.as_deref() == Some("NoSuchLifecycleConfiguration") => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        out.insert(
            "lifecycle_rule".into(),
            normal("lifecycle_rule", Value::List(rules)),
        );
    }
    let website = is_set(current.get_attr("website"));
    let domain = website_domain(&clients.region);
    out.insert(
        "website_endpoint".into(),
        if website {
            string(format!("{name}.{domain}"))
        } else {
            Value::Null
        },
    );
    out.insert(
        "website_domain".into(),
        if website { string(domain) } else { Value::Null },
    );
    out.insert(
        "hosted_zone_id".into(),
        super::values::opt_string(hosted_zone_id(&clients.region)),
    );
    out.extend(extra::read(clients, name, current).await?);
    Ok(out)
}

/// The canned ACL a grant list amounts to, if it is one of them.
fn canned_acl(grants: &[aws_sdk_s3::types::Grant]) -> Option<&'static str> {
    const ALL: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
    const AUTHENTICATED: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    const LOG: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
    let mut group_grants: Vec<(&str, &str)> = grants
        .iter()
        .filter_map(|g| Some((g.grantee()?.uri()?, g.permission()?.as_str())))
        .collect();
    group_grants.sort_unstable();
    Some(match group_grants.as_slice() {
        [] => "private",
        [(ALL, "READ")] => "public-read",
        [(ALL, "READ"), (ALL, "WRITE")] => "public-read-write",
        [(AUTHENTICATED, "READ")] => "authenticated-read",
        [(LOG, "READ_ACP"), (LOG, "WRITE")] => "log-delivery-write",
        _ => return None,
    })
}

fn date_text(d: Option<&DateTime>) -> Value {
    d.and_then(|d| d.fmt(aws_sdk_s3::primitives::DateTimeFormat::DateTime).ok())
        .map(|t| string(t.chars().take(10).collect::<String>()))
        .unwrap_or(Value::Null)
}

fn number(n: Option<i32>) -> Value {
    n.map(Value::number).unwrap_or(Value::Null)
}

fn lifecycle_value(rule: &LifecycleRule) -> Value {
    let filter = rule.filter();
    let and = filter.and_then(|f| f.and());
    let prefix = and
        .and_then(|a| a.prefix())
        .or_else(|| filter.and_then(|f| f.prefix()))
        .filter(|p| !p.is_empty());
    let tags: BTreeMap<String, String> = and
        .map(|a| {
            a.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let expiration = rule.expiration().map(|e| {
        object([
            ("date", date_text(e.date())),
            ("days", number(e.days())),
            (
                "expired_object_delete_marker",
                e.expired_object_delete_marker()
                    .map(Value::Bool)
                    .unwrap_or(Value::Null),
            ),
        ])
    });
    let transitions = rule
        .transitions()
        .iter()
        .map(|t| {
            object([
                ("date", date_text(t.date())),
                ("days", number(t.days())),
                (
                    "storage_class",
                    super::values::opt_string(t.storage_class().map(|s| s.as_str())),
                ),
            ])
        })
        .collect();
    let noncurrent_transitions = rule
        .noncurrent_version_transitions()
        .iter()
        .map(|t| {
            object([
                ("days", number(t.noncurrent_days())),
                (
                    "storage_class",
                    super::values::opt_string(t.storage_class().map(|s| s.as_str())),
                ),
            ])
        })
        .collect();
    object([
        ("id", super::values::opt_string(rule.id())),
        ("prefix", super::values::opt_string(prefix)),
        (
            "tags",
            if tags.is_empty() {
                Value::Null
            } else {
                super::values::string_map(tags)
            },
        ),
        (
            "enabled",
            Value::Bool(rule.status() == &ExpirationStatus::Enabled),
        ),
        (
            "abort_incomplete_multipart_upload_days",
            number(
                rule.abort_incomplete_multipart_upload()
                    .and_then(|a| a.days_after_initiation()),
            ),
        ),
        ("expiration", Value::List(expiration.into_iter().collect())),
        ("transition", Value::List(transitions)),
        (
            "noncurrent_version_expiration",
            Value::List(
                rule.noncurrent_version_expiration()
                    .map(|n| object([("days", number(n.noncurrent_days()))]))
                    .into_iter()
                    .collect(),
            ),
        ),
        (
            "noncurrent_version_transition",
            Value::List(noncurrent_transitions),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn website_domains_follow_the_region_style() {
        assert_eq!(
            website_domain("us-east-1"),
            "s3-website-us-east-1.amazonaws.com"
        );
        assert_eq!(
            website_domain("eu-central-1"),
            "s3-website.eu-central-1.amazonaws.com"
        );
    }

    #[test]
    fn blocks_are_normalised_to_their_full_shape() {
        let schema = schema(Schema::new("bucket"));
        let versioning = schema.nested_block("versioning").unwrap();
        let configured = Value::List(vec![object([("enabled", Value::Bool(true))])]);
        let full = normalise(&configured, &versioning.schema);
        assert_eq!(
            full,
            Value::List(vec![object([
                ("enabled", Value::Bool(true)),
                ("mfa_delete", Value::Bool(false)),
            ])])
        );
    }

    #[test]
    fn each_deprecated_argument_names_its_replacement() {
        let config = object([
            ("acl", string("private")),
            (
                "versioning",
                Value::List(vec![object([("enabled", Value::Bool(true))])]),
            ),
            ("website", Value::List(Vec::new())),
        ]);
        let diags = deprecations(&config);
        let text: Vec<String> = diags.0.iter().map(|d| d.detail.clone()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].contains("aws_s3_bucket_acl"));
        assert!(text[1].contains("use the aws_s3_bucket_versioning resource"));
    }
}
