//! The other deprecated inline arguments of `aws_s3_bucket`: `policy`,
//! `cors_rule`, `logging`, `grant`, `acceleration_status`,
//! `request_payer` and `object_lock_configuration`. Like the first ones
//! (see the parent module), each is written with its own S3 call when it
//! changes, reset when removed, and read back on refresh only when the
//! configuration manages it, so a bucket that does not use them costs no
//! call for them.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{
    AccelerateConfiguration, AccessControlPolicy, BucketAccelerateStatus, BucketLoggingStatus,
    CorsConfiguration, CorsRule, DefaultRetention, Grant, Grantee, LoggingEnabled,
    ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule, Payer,
    Permission, RequestPaymentConfiguration, Type,
};
use engine::provider::{AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::super::values::{
    blocks_attr, number_attr, object, opt_string, str_attr, string, string_list, string_set,
    strings_attr,
};
use super::super::Clients;
use super::{block, build_error, changed, first, is_set, opt};

/// The arguments of this module and the resources that replace them.
pub const DEPRECATED: &[(&str, &str)] = &[
    ("policy", "aws_s3_bucket_policy"),
    ("cors_rule", "aws_s3_bucket_cors_configuration"),
    ("logging", "aws_s3_bucket_logging"),
    ("grant", "aws_s3_bucket_acl"),
    (
        "acceleration_status",
        "aws_s3_bucket_accelerate_configuration",
    ),
    (
        "request_payer",
        "aws_s3_bucket_request_payment_configuration",
    ),
    (
        "object_lock_configuration",
        "aws_s3_bucket_object_lock_configuration",
    ),
];

/// The blocks of this module whose values are normalised like the parent's.
pub const BLOCKS: &[&str] = &["cors_rule", "logging", "grant", "object_lock_configuration"];

/// Adds this module's arguments to the bucket's schema.
pub fn schema(bucket: Schema) -> Schema {
    use AttrType::{Number, String as Text};
    let texts = || AttrType::list_of(Text);
    let cors = Schema::new("A CORS rule.")
        .attr(opt(
            "allowed_headers",
            texts(),
            "Headers allowed in a preflight request.",
        ))
        .attr(
            AttributeSchema::required("allowed_methods", texts())
                .describe("GET, PUT, POST, DELETE or HEAD."),
        )
        .attr(
            AttributeSchema::required("allowed_origins", texts()).describe("The origins allowed."),
        )
        .attr(opt(
            "expose_headers",
            texts(),
            "Headers a browser may read.",
        ))
        .attr(opt(
            "max_age_seconds",
            Number,
            "How long a browser caches a preflight answer.",
        ));
    let logging = Schema::new("Where access logs go.")
        .attr(
            AttributeSchema::required("target_bucket", Text)
                .describe("The bucket receiving the logs."),
        )
        .attr(opt(
            "target_prefix",
            Text,
            "The key prefix of the log objects.",
        ));
    let grant = Schema::new("An ACL grant.")
        .attr(opt(
            "id",
            Text,
            "The canonical user id (type CanonicalUser).",
        ))
        .attr(AttributeSchema::required("type", Text).describe("CanonicalUser or Group."))
        .attr(
            AttributeSchema::required("permissions", AttrType::set_of(Text))
                .describe("READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL."),
        )
        .attr(opt("uri", Text, "The group's URI (type Group)."));
    let retention = Schema::new("The default retention of new objects.")
        .attr(AttributeSchema::required("mode", Text).describe("GOVERNANCE or COMPLIANCE."))
        .attr(opt("days", Number, "The retention in days."))
        .attr(opt("years", Number, "The retention in years."));
    let lock_rule =
        Schema::new("The object lock rule.").block(block("default_retention", Some(1), retention));
    let lock = Schema::new("S3 Object Lock (only for a new bucket).")
        .attr(opt("object_lock_enabled", Text, "Enabled."))
        .block(block("rule", Some(1), lock_rule));
    bucket
        .attr(opt("policy", Text, "Deprecated: use aws_s3_bucket_policy. The bucket policy JSON document."))
        .attr(AttributeSchema::optional_computed("acceleration_status", Text).describe("Deprecated: use aws_s3_bucket_accelerate_configuration. Enabled or Suspended."))
        .attr(AttributeSchema::optional_computed("request_payer", Text).describe("Deprecated: use aws_s3_bucket_request_payment_configuration. BucketOwner or Requester."))
        .block(block("cors_rule", None, cors))
        .block(block("logging", Some(1), logging))
        .block(block("grant", None, grant))
        .block(block("object_lock_configuration", Some(1), lock))
}

/// Whether the bucket must be created with object lock on (it cannot be
/// turned on later).
pub fn object_lock_at_create(planned: &Value) -> bool {
    first(planned, "object_lock_configuration")
        .and_then(|c| str_attr(&c, "object_lock_enabled"))
        .is_some_and(|e| e == "Enabled")
}

/// Writes this module's settings that differ between `prior` (none on
/// create) and `planned`.
pub async fn write(
    clients: &Clients,
    name: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), ProviderError> {
    if changed(prior, planned, "policy") {
        write_policy(clients, name, str_attr(planned, "policy")).await?;
    }
    if changed(prior, planned, "cors_rule") {
        write_cors(clients, name, &blocks_attr(planned, "cors_rule")).await?;
    }
    if changed(prior, planned, "logging") {
        write_logging(clients, name, first(planned, "logging")).await?;
    }
    if changed(prior, planned, "grant") && is_set(planned.get_attr("grant")) {
        write_grants(clients, name, &blocks_attr(planned, "grant")).await?;
    }
    if changed(prior, planned, "acceleration_status") {
        if let Some(status) = str_attr(planned, "acceleration_status") {
            let config = AccelerateConfiguration::builder()
                .status(BucketAccelerateStatus::from(status.as_str()))
                .build();
            let s3 = &clients.s3;
            clients
                .call("s3", "PutBucketAccelerateConfiguration", || {
                    s3.put_bucket_accelerate_configuration()
                        .bucket(name)
                        .accelerate_configuration(config.clone())
                        .send()
                })
                .await?;
        }
    }
    if changed(prior, planned, "request_payer") {
        let payer = str_attr(planned, "request_payer").unwrap_or_else(|| "BucketOwner".into());
        let config = RequestPaymentConfiguration::builder()
            .payer(Payer::from(payer.as_str()))
            .build()
            .map_err(build_error)?;
        let s3 = &clients.s3;
        clients
            .call("s3", "PutBucketRequestPayment", || {
                s3.put_bucket_request_payment()
                    .bucket(name)
                    .request_payment_configuration(config.clone())
                    .send()
            })
            .await?;
    }
    if changed(prior, planned, "object_lock_configuration") {
        if let Some(config) = object_lock(planned) {
            let s3 = &clients.s3;
            clients
                .call("s3", "PutObjectLockConfiguration", || {
                    s3.put_object_lock_configuration()
                        .bucket(name)
                        .object_lock_configuration(config.clone())
                        .send()
                })
                .await?;
        }
    }
    Ok(())
}

async fn write_policy(
    clients: &Clients,
    name: &str,
    policy: Option<String>,
) -> Result<(), ProviderError> {
    let s3 = &clients.s3;
    match policy.filter(|p| !p.trim().is_empty()) {
        Some(policy) => {
            clients
                .call("s3", "PutBucketPolicy", || {
                    s3.put_bucket_policy().bucket(name).policy(&policy).send()
                })
                .await?;
        }
        None => {
            clients
                .call("s3", "DeleteBucketPolicy", || {
                    s3.delete_bucket_policy().bucket(name).send()
                })
                .await?;
        }
    }
    Ok(())
}

async fn write_cors(clients: &Clients, name: &str, rules: &[Value]) -> Result<(), ProviderError> {
    let s3 = &clients.s3;
    if rules.is_empty() {
        clients
            .call("s3", "DeleteBucketCors", || {
                s3.delete_bucket_cors().bucket(name).send()
            })
            .await?;
        return Ok(());
    }
    let rules = rules
        .iter()
        .map(|r| {
            CorsRule::builder()
                .set_allowed_headers(Some(strings_attr(r, "allowed_headers")))
                .set_allowed_methods(Some(strings_attr(r, "allowed_methods")))
                .set_allowed_origins(Some(strings_attr(r, "allowed_origins")))
                .set_expose_headers(Some(strings_attr(r, "expose_headers")))
                .set_max_age_seconds(number_attr(r, "max_age_seconds").map(|n| n as i32))
                .build()
                .map_err(build_error)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = CorsConfiguration::builder()
        .set_cors_rules(Some(rules))
        .build()
        .map_err(build_error)?;
    clients
        .call("s3", "PutBucketCors", || {
            s3.put_bucket_cors()
                .bucket(name)
                .cors_configuration(config.clone())
                .send()
        })
        .await?;
    Ok(())
}

async fn write_logging(
    clients: &Clients,
    name: &str,
    logging: Option<Value>,
) -> Result<(), ProviderError> {
    let enabled = match logging {
        Some(l) => Some(
            LoggingEnabled::builder()
                .set_target_bucket(str_attr(&l, "target_bucket"))
                .target_prefix(str_attr(&l, "target_prefix").unwrap_or_default())
                .build()
                .map_err(build_error)?,
        ),
        None => None,
    };
    // An empty status turns logging off.
    let status = BucketLoggingStatus::builder()
        .set_logging_enabled(enabled)
        .build();
    let s3 = &clients.s3;
    clients
        .call("s3", "PutBucketLogging", || {
            s3.put_bucket_logging()
                .bucket(name)
                .bucket_logging_status(status.clone())
                .send()
        })
        .await?;
    Ok(())
}

/// Writes the grants as the bucket's whole ACL, owned by its owner.
async fn write_grants(
    clients: &Clients,
    name: &str,
    grants: &[Value],
) -> Result<(), ProviderError> {
    let s3 = &clients.s3;
    let current = clients
        .call("s3", "GetBucketAcl", || {
            s3.get_bucket_acl().bucket(name).send()
        })
        .await?;
    let mut sdk_grants = Vec::new();
    for g in grants {
        let grantee = Grantee::builder()
            .r#type(Type::from(str_attr(g, "type").unwrap_or_default().as_str()))
            .set_id(str_attr(g, "id"))
            .set_uri(str_attr(g, "uri"))
            .build()
            .map_err(build_error)?;
        for permission in strings_attr(g, "permissions") {
            sdk_grants.push(
                Grant::builder()
                    .grantee(grantee.clone())
                    .permission(Permission::from(permission.as_str()))
                    .build(),
            );
        }
    }
    let policy = AccessControlPolicy::builder()
        .set_grants(Some(sdk_grants))
        .set_owner(current.owner().cloned())
        .build();
    clients
        .call("s3", "PutBucketAcl", || {
            s3.put_bucket_acl()
                .bucket(name)
                .access_control_policy(policy.clone())
                .send()
        })
        .await?;
    Ok(())
}

fn object_lock(planned: &Value) -> Option<ObjectLockConfiguration> {
    let config = first(planned, "object_lock_configuration")?;
    let retention = first(&config, "rule").and_then(|r| first(&r, "default_retention"));
    let rule = retention.map(|d| {
        ObjectLockRule::builder()
            .default_retention(
                DefaultRetention::builder()
                    .set_mode(
                        str_attr(&d, "mode").map(|m| ObjectLockRetentionMode::from(m.as_str())),
                    )
                    .set_days(number_attr(&d, "days").map(|n| n as i32))
                    .set_years(number_attr(&d, "years").map(|n| n as i32))
                    .build(),
            )
            .build()
    });
    Some(
        ObjectLockConfiguration::builder()
            .object_lock_enabled(ObjectLockEnabled::Enabled)
            .set_rule(rule)
            .build(),
    )
}

/// This module's settings as S3 has them, for those `current` manages.
pub async fn read(
    clients: &Clients,
    name: &str,
    current: &Value,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let managed = |n: &str| is_set(current.get_attr(n));
    let mut out = BTreeMap::new();
    let s3 = &clients.s3;
    if managed("policy") {
        let policy = match clients
            .call("s3", "GetBucketPolicy", || {
                s3.get_bucket_policy().bucket(name).send()
            })
            .await
        {
            Ok(p) => p.policy().map(str::to_string),
            Err(e) if e.code.as_deref() == Some("NoSuchBucketPolicy") => None,
            Err(e) => return Err(e.into()),
        };
        // A document that means the same as the known one keeps its text.
        let known = str_attr(current, "policy");
        let value = match (policy, known) {
            (Some(p), Some(k)) if super::super::iam::policy::equivalent(&p, &k) => string(k),
            (p, _) => opt_string(p),
        };
        out.insert("policy".into(), value);
    }
    if managed("cors_rule") {
        let rules = match clients
            .call("s3", "GetBucketCors", || {
                s3.get_bucket_cors().bucket(name).send()
            })
            .await
        {
            Ok(c) => c.cors_rules().iter().map(cors_value).collect(),
            Err(e) if e.code.as_deref() == Some("NoSuchCORSConfiguration") => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        out.insert("cors_rule".into(), Value::List(rules));
    }
    if managed("logging") {
        let l = clients
            .call("s3", "GetBucketLogging", || {
                s3.get_bucket_logging().bucket(name).send()
            })
            .await?;
        let logging = l.logging_enabled().map(|e| {
            object([
                ("target_bucket", string(e.target_bucket())),
                (
                    "target_prefix",
                    opt_string(Some(e.target_prefix()).filter(|p| !p.is_empty())),
                ),
            ])
        });
        out.insert("logging".into(), Value::List(logging.into_iter().collect()));
    }
    if managed("grant") {
        let acl = clients
            .call("s3", "GetBucketAcl", || {
                s3.get_bucket_acl().bucket(name).send()
            })
            .await?;
        out.insert("grant".into(), grants_value(acl.grants()));
    }
    if managed("acceleration_status") {
        let a = clients
            .call("s3", "GetBucketAccelerateConfiguration", || {
                s3.get_bucket_accelerate_configuration().bucket(name).send()
            })
            .await?;
        out.insert(
            "acceleration_status".into(),
            opt_string(a.status().map(|s| s.as_str())),
        );
    }
    if managed("request_payer") {
        let p = clients
            .call("s3", "GetBucketRequestPayment", || {
                s3.get_bucket_request_payment().bucket(name).send()
            })
            .await?;
        out.insert(
            "request_payer".into(),
            string(p.payer().map(|p| p.as_str()).unwrap_or("BucketOwner")),
        );
    }
    // The two optional computed arguments are read only when configured
    // (S3 has a call each, per bucket); otherwise what was known stays.
    for name in ["acceleration_status", "request_payer"] {
        if !out.contains_key(name) {
            let known = current
                .get_attr(name)
                .filter(|v| !v.is_unknown())
                .cloned()
                .unwrap_or(Value::Null);
            out.insert(name.to_string(), known);
        }
    }
    if managed("object_lock_configuration") {
        let lock = match clients
            .call("s3", "GetObjectLockConfiguration", || {
                s3.get_object_lock_configuration().bucket(name).send()
            })
            .await
        {
            Ok(l) => l.object_lock_configuration().map(object_lock_value),
            Err(e) if e.code.as_deref() == Some("ObjectLockConfigurationNotFoundError") => None,
            Err(e) => return Err(e.into()),
        };
        out.insert(
            "object_lock_configuration".into(),
            Value::List(lock.into_iter().collect()),
        );
    }
    Ok(out)
}

/// A list S3 reports; an empty one is an argument left out.
fn optional_list(items: &[String]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        string_list(items.iter().cloned())
    }
}

fn cors_value(rule: &CorsRule) -> Value {
    object([
        ("allowed_headers", optional_list(rule.allowed_headers())),
        (
            "allowed_methods",
            string_list(rule.allowed_methods().iter().cloned()),
        ),
        (
            "allowed_origins",
            string_list(rule.allowed_origins().iter().cloned()),
        ),
        ("expose_headers", optional_list(rule.expose_headers())),
        (
            "max_age_seconds",
            rule.max_age_seconds()
                .map(Value::number)
                .unwrap_or(Value::Null),
        ),
    ])
}

/// The grants of an ACL, one block per grantee with its permissions.
fn grants_value(grants: &[Grant]) -> Value {
    let mut by_grantee: BTreeMap<(String, Option<String>, Option<String>), Vec<String>> =
        BTreeMap::new();
    for g in grants {
        let Some(grantee) = g.grantee() else { continue };
        let key = (
            grantee.r#type().as_str().to_string(),
            grantee.id().map(str::to_string),
            grantee.uri().map(str::to_string),
        );
        if let Some(p) = g.permission() {
            by_grantee
                .entry(key)
                .or_default()
                .push(p.as_str().to_string());
        }
    }
    Value::List(
        by_grantee
            .into_iter()
            .map(|((kind, id, uri), permissions)| {
                object([
                    ("id", opt_string(id)),
                    ("type", string(kind)),
                    ("permissions", string_set(permissions)),
                    ("uri", opt_string(uri)),
                ])
            })
            .collect(),
    )
}

fn object_lock_value(config: &ObjectLockConfiguration) -> Value {
    // A retention period is positive (PutObjectLockConfiguration rejects
    // anything else), so a 0 some endpoints answer for the unit not used
    // (moto does) means that unit is not set.
    let period = |n: Option<i32>| {
        n.filter(|n| *n > 0)
            .map(Value::number)
            .unwrap_or(Value::Null)
    };
    let retention = config.rule().and_then(|r| r.default_retention()).map(|d| {
        object([
            ("mode", opt_string(d.mode().map(|m| m.as_str()))),
            ("days", period(d.days())),
            ("years", period(d.years())),
        ])
    });
    let rule = retention.map(|r| object([("default_retention", Value::List(vec![r]))]));
    object([
        (
            "object_lock_enabled",
            opt_string(config.object_lock_enabled().map(|e| e.as_str())),
        ),
        ("rule", Value::List(rule.into_iter().collect())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_are_grouped_by_grantee() {
        let grantee = |uri: &str| {
            Grantee::builder()
                .r#type(Type::Group)
                .uri(uri)
                .build()
                .unwrap()
        };
        let log = "http://acs.amazonaws.com/groups/s3/LogDelivery";
        let grants = [
            Grant::builder()
                .grantee(grantee(log))
                .permission(Permission::Write)
                .build(),
            Grant::builder()
                .grantee(grantee(log))
                .permission(Permission::ReadAcp)
                .build(),
        ];
        let value = grants_value(&grants);
        let blocks = value.as_list().unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(str_attr(&blocks[0], "uri").as_deref(), Some(log));
        assert_eq!(
            strings_attr(&blocks[0], "permissions"),
            ["READ_ACP", "WRITE"]
        );
    }

    #[test]
    fn object_lock_is_asked_for_at_create_only_when_enabled() {
        let on = object([(
            "object_lock_configuration",
            Value::List(vec![object([("object_lock_enabled", string("Enabled"))])]),
        )]);
        assert!(object_lock_at_create(&on));
        assert!(!object_lock_at_create(&object([])));
    }
}
