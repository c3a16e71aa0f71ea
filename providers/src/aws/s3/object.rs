//! `aws_s3_object` on the [`Managed`] seam: its key is `BUCKET/KEY`, as
//! Terraform imports it. S3 objects are immutable, so every change other
//! than the tags uploads the object again with all its settings; the
//! settings that are one PutObject header each are a [`Field`] table, read
//! back from HeadObject.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::{ByteStream, DateTime, DateTimeFormat};
use aws_sdk_s3::types::{
    ObjectCannedAcl, ObjectLockLegalHoldStatus, ObjectLockMode, ServerSideEncryption, StorageClass,
};
use engine::diagnostics::Diagnostic;
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema as A, PlanRequest, PlanResponse,
    ProviderError, Schema,
};
use engine::value::Value;

use super::super::fields::{self, flag, not_read, text, Field};
use super::super::managed::{Made, Managed};
use super::super::values::{
    bool_attr, object, opt_string, required_str, str_attr, string, string_map, string_map_attr,
    tags_attribute,
};
use super::super::{made_by, tags_with_intent, user_tags, AwsError, Clients};
use super::{md5_hex, tags_from, url_encode};

pub(super) struct Object;

type ObjectField = Field<PutObjectFluentBuilder, PutObjectFluentBuilder, HeadObjectOutput>;

/// An enum-valued header from its text.
fn header<T: for<'a> From<&'a str>>(value: &Value, name: &str) -> Option<T> {
    str_attr(value, name).map(|s| T::from(s.as_str()))
}

/// The PutObject settings of the table, in `stack schema` order.
fn object_fields() -> Vec<ObjectField> {
    vec![
        ObjectField {
            schema: || {
                A::optional("acl", AttrType::String).describe("A canned ACL: private, public-read, public-read-write, aws-exec-read, authenticated-read, bucket-owner-read or bucket-owner-full-control.")
            },
            create: |c, v| c.set_acl(header::<ObjectCannedAcl>(v, "acl")),
            modify: None,
            read: not_read,
        },
        ObjectField {
            schema: || {
                A::optional_computed("bucket_key_enabled", AttrType::Bool)
                    .describe("Whether SSE-KMS uses an S3 Bucket Key.")
            },
            create: |c, v| c.set_bucket_key_enabled(bool_attr(v, "bucket_key_enabled")),
            modify: None,
            read: |h| flag(h.bucket_key_enabled()),
        },
        ObjectField {
            schema: || {
                A::optional("cache_control", AttrType::String).describe("The Cache-Control header.")
            },
            create: |c, v| c.set_cache_control(str_attr(v, "cache_control")),
            modify: None,
            read: |h| text(h.cache_control()),
        },
        ObjectField {
            schema: || {
                A::optional("content_disposition", AttrType::String)
                    .describe("The Content-Disposition header.")
            },
            create: |c, v| c.set_content_disposition(str_attr(v, "content_disposition")),
            modify: None,
            read: |h| text(h.content_disposition()),
        },
        ObjectField {
            schema: || {
                A::optional("content_encoding", AttrType::String)
                    .describe("The Content-Encoding header.")
            },
            create: |c, v| c.set_content_encoding(str_attr(v, "content_encoding")),
            modify: None,
            read: |h| text(h.content_encoding()),
        },
        ObjectField {
            schema: || {
                A::optional("content_language", AttrType::String)
                    .describe("The Content-Language header, e.g. en-US.")
            },
            create: |c, v| c.set_content_language(str_attr(v, "content_language")),
            modify: None,
            read: |h| text(h.content_language()),
        },
        ObjectField {
            schema: || {
                A::optional_computed("content_type", AttrType::String)
                    .describe("The MIME type; S3 defaults it to binary/octet-stream.")
            },
            create: |c, v| c.set_content_type(str_attr(v, "content_type")),
            modify: None,
            read: |h| text(h.content_type()),
        },
        ObjectField {
            schema: || {
                A::optional_computed("kms_key_id", AttrType::String)
                    .describe("The KMS key (ARN) the object is encrypted with.")
            },
            create: |c, v| c.set_ssekms_key_id(str_attr(v, "kms_key_id")),
            modify: None,
            read: |h| text(h.ssekms_key_id()),
        },
        ObjectField {
            schema: || {
                A::optional("metadata", AttrType::map_of(AttrType::String))
                    .describe("User metadata (sent as x-amz-meta-* headers; lower-case keys).")
            },
            create: |c, v| {
                let metadata = string_map_attr(v, "metadata");
                c.set_metadata((!metadata.is_empty()).then(|| metadata.into_iter().collect()))
            },
            modify: None,
            read: |h| {
                let metadata: BTreeMap<String, String> = h
                    .metadata()?
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Some(string_map(metadata))
            },
        },
        ObjectField {
            schema: || {
                A::optional("object_lock_legal_hold_status", AttrType::String)
                    .describe("ON or OFF.")
            },
            create: |c, v| {
                c.set_object_lock_legal_hold_status(header::<ObjectLockLegalHoldStatus>(
                    v,
                    "object_lock_legal_hold_status",
                ))
            },
            modify: None,
            read: |h| text(h.object_lock_legal_hold_status().map(|s| s.as_str())),
        },
        ObjectField {
            schema: || {
                A::optional("object_lock_mode", AttrType::String)
                    .describe("GOVERNANCE or COMPLIANCE.")
            },
            create: |c, v| c.set_object_lock_mode(header::<ObjectLockMode>(v, "object_lock_mode")),
            modify: None,
            read: |h| text(h.object_lock_mode().map(|m| m.as_str())),
        },
        ObjectField {
            schema: || {
                A::optional("object_lock_retain_until_date", AttrType::String)
                    .describe("When the object lock expires (RFC 3339).")
            },
            create: |c, v| {
                c.set_object_lock_retain_until_date(
                    str_attr(v, "object_lock_retain_until_date")
                        .and_then(|t| DateTime::from_str(&t, DateTimeFormat::DateTime).ok()),
                )
            },
            modify: None,
            read: |h| {
                h.object_lock_retain_until_date()
                    .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
                    .map(string)
            },
        },
        ObjectField {
            schema: || {
                A::optional_computed("server_side_encryption", AttrType::String)
                    .describe("AES256 or aws:kms.")
            },
            create: |c, v| {
                c.set_server_side_encryption(header::<ServerSideEncryption>(
                    v,
                    "server_side_encryption",
                ))
            },
            modify: None,
            read: |h| text(h.server_side_encryption().map(|e| e.as_str())),
        },
        ObjectField {
            schema: || {
                A::optional_computed("storage_class", AttrType::String)
                    .describe("The storage class; STANDARD by default.")
            },
            create: |c, v| c.set_storage_class(header::<StorageClass>(v, "storage_class")),
            modify: None,
            // HeadObject leaves the header out for STANDARD objects.
            read: |h| {
                Some(string(
                    h.storage_class().map(|s| s.as_str()).unwrap_or("STANDARD"),
                ))
            },
        },
        ObjectField {
            schema: || {
                A::optional("website_redirect", AttrType::String)
                    .describe("The URL a website request for the object is redirected to.")
            },
            create: |c, v| c.set_website_redirect_location(str_attr(v, "website_redirect")),
            modify: None,
            read: |h| text(h.website_redirect_location()),
        },
    ]
}

/// Arguments that are ours, not S3's: kept from the plan and the state.
const LOCAL: &[&str] = &[
    "source",
    "content",
    "content_base64",
    "source_hash",
    "force_destroy",
];

impl Object {
    /// The bytes to upload: `content` as is, `content_base64` decoded, or
    /// the file named by `source`.
    fn body(planned: &Value) -> Result<Vec<u8>, ProviderError> {
        if let Some(content) = str_attr(planned, "content") {
            return Ok(content.into_bytes());
        }
        if let Some(encoded) = str_attr(planned, "content_base64") {
            return aws_smithy_types::base64::decode(encoded.trim()).map_err(|e| {
                ProviderError::new(format!("content_base64 is not valid base64: {e}"))
            });
        }
        match str_attr(planned, "source") {
            Some(source) => std::fs::read(&source).map_err(|e| {
                ProviderError::new(format!("could not read source file {source}: {e}"))
            }),
            None => Ok(Vec::new()),
        }
    }

    /// The MD5 the object will have once uploaded, when it can be known at
    /// plan time: a change to the source file then shows as an update.
    /// Objects encrypted with KMS have other ETags: known only after.
    pub(super) fn planned_etag(config: &Value) -> Value {
        let set = |name: &str| config.get_attr(name).filter(|v| !v.is_null());
        let kms = str_attr(config, "server_side_encryption").as_deref() == Some("aws:kms")
            || set("kms_key_id").is_some();
        if kms {
            return Value::Unknown;
        }
        if let Some(v) = set("content") {
            return v
                .as_str()
                .map(|s| string(md5_hex(s.as_bytes())))
                .unwrap_or(Value::Unknown);
        }
        if let Some(v) = set("content_base64") {
            return v
                .as_str()
                .and_then(|s| aws_smithy_types::base64::decode(s.trim()).ok())
                .map(|bytes| string(md5_hex(&bytes)))
                .unwrap_or(Value::Unknown);
        }
        match set("source") {
            Some(v) => v
                .as_str()
                // A file that does not exist yet (made by another resource
                // during the apply) is known only after the apply.
                .and_then(|path| std::fs::read(path).ok())
                .map(|bytes| string(md5_hex(&bytes)))
                .unwrap_or(Value::Unknown),
            None => string(md5_hex(b"")),
        }
    }

    /// Uploads the object with all its settings, the user's tags and the
    /// intent tag of this upload's operation.
    async fn put(
        clients: &Clients,
        planned: &Value,
        operation_id: &str,
    ) -> Result<(), ProviderError> {
        let bucket = required_str(planned, "bucket")?;
        let key = required_str(planned, "key")?;
        let body = Self::body(planned)?;
        let tagging = tags_with_intent(string_map_attr(planned, "tags"), operation_id)
            .iter()
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let s3 = &clients.s3;
        let fields = object_fields();
        // The builder holds the body, which cannot be cloned: each attempt
        // builds its request again.
        clients
            .call("s3", "PutObject", || {
                let put = s3
                    .put_object()
                    .bucket(&bucket)
                    .key(&key)
                    .tagging(&tagging)
                    .body(ByteStream::from(body.clone()));
                fields::create(&fields, put, planned).send()
            })
            .await?;
        Ok(())
    }

    /// The state of `BUCKET/KEY`: HeadObject and GetObjectTagging; the body
    /// itself is not downloaded, the ETag tells whether it drifted.
    async fn describe_one(
        clients: &Clients,
        id: &str,
        known: Option<&Value>,
    ) -> Result<Option<Value>, ProviderError> {
        let Some((bucket, key)) = split_id(id) else {
            return Err(ProviderError::new(format!(
                "an aws_s3_object is imported by BUCKET/KEY, not {id:?}"
            )));
        };
        let s3 = &clients.s3;
        let head = clients
            .call("s3", "HeadObject", || {
                s3.head_object().bucket(bucket).key(key).send()
            })
            .await;
        let head = match head {
            Ok(head) => head,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let tags = match Self::all_tags(clients, bucket, key).await {
            Ok(tags) => user_tags(tags),
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut state = object([
            ("id", string(key)),
            ("bucket", string(bucket)),
            ("key", string(key)),
            (
                "etag",
                opt_string(head.e_tag().map(|e| e.trim_matches('"').to_string())),
            ),
            ("version_id", opt_string(head.version_id())),
            ("tags", string_map(tags)),
        ]);
        if let Value::Map(map) = &mut state {
            map.extend(fields::read(&object_fields(), &head, known));
            for name in LOCAL {
                let value = known
                    .and_then(|k| k.get_attr(name))
                    .filter(|v| !v.is_unknown())
                    .cloned();
                let default = (*name == "force_destroy").then_some(Value::Bool(false));
                map.insert(
                    name.to_string(),
                    value
                        .filter(|v| !v.is_null())
                        .or(default)
                        .unwrap_or(Value::Null),
                );
            }
        }
        Ok(Some(state))
    }

    async fn all_tags(
        clients: &Clients,
        bucket: &str,
        key: &str,
    ) -> Result<BTreeMap<String, String>, AwsError> {
        let s3 = &clients.s3;
        let out = clients
            .call("s3", "GetObjectTagging", || {
                s3.get_object_tagging().bucket(bucket).key(key).send()
            })
            .await?;
        Ok(tags_from(out.tag_set()))
    }
}

/// `BUCKET/KEY` (or `s3://BUCKET/KEY`) as its two parts.
fn split_id(id: &str) -> Option<(&str, &str)> {
    id.strip_prefix("s3://")
        .unwrap_or(id)
        .split_once('/')
        .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
}

#[async_trait]
impl Managed for Object {
    fn type_name(&self) -> &'static str {
        "aws_s3_object"
    }

    fn noun(&self) -> &'static str {
        "S3 object"
    }

    /// Terraform keeps only the key in `id`; the import id is `BUCKET/KEY`.
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        let bucket = super::super::attribute_text(attributes, "bucket")?;
        let key = super::super::attribute_text(attributes, "key")?;
        Some(format!("{bucket}/{key}"))
    }

    fn schema(&self) -> Schema {
        let schema = Schema::new("An object in an S3 bucket, uploaded from a file or from a string.")
            .attr(A::required("bucket", AttrType::String).force_new().describe("The bucket to put the object in."))
            .attr(A::required("key", AttrType::String).force_new().describe("The object's key (its path in the bucket)."))
            .attr(A::optional("source", AttrType::String).describe("A local file to upload. Conflicts with content and content_base64."))
            .attr(A::optional("content", AttrType::String).describe("A string to upload as the object's body (UTF-8)."))
            .attr(A::optional("content_base64", AttrType::String).describe("Base64-encoded bytes to upload as the object's body."))
            .attr(A::optional_computed("etag", AttrType::String).describe("The MD5 of the body; computed from source or content at plan time, so a changed file shows as an update."))
            .attr(A::optional("source_hash", AttrType::String).describe("Any value whose change uploads the object again (kept in state only), e.g. filemd5(source)."))
            .attr(A::optional("force_destroy", AttrType::Bool).default(false).describe("Whether a legal hold is removed so that the object can be deleted."))
            .attr(tags_attribute())
            .attr(A::computed("id", AttrType::String).describe("The object's key."))
            .attr(A::computed("version_id", AttrType::String).describe("The version id, when the bucket is versioned."));
        fields::schema(schema, &object_fields())
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = plan_by_schema(schema, request.prior, request.config);
        let has = |name: &str| request.config.get_attr(name).is_some_and(|v| !v.is_null());
        let bodies = ["source", "content", "content_base64"]
            .iter()
            .filter(|n| has(n))
            .count();
        if bodies > 1 {
            response.diagnostics.push(Diagnostic::error(
                "Conflicting arguments",
                "Only one of \"source\", \"content\" and \"content_base64\" may be set in an aws_s3_object. Keep one of them.",
            ));
        }
        if let Value::Map(map) = &mut response.planned {
            if !has("etag") {
                let etag = Self::planned_etag(request.config);
                let changed = map.get("etag").is_none_or(|prior| prior != &etag);
                map.insert("etag".into(), etag);
                // A new body is a new version.
                if changed && request.prior.is_some() {
                    map.insert("version_id".into(), Value::Unknown);
                }
            }
        }
        response
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        Ok(format!(
            "{}/{}",
            required_str(state, "bucket")?,
            required_str(state, "key")?
        ))
    }

    /// PutObject replaces any object under the key, so sending it again
    /// after a lost answer is safe; it goes through `Clients::call`.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        Self::put(clients, planned, request.operation_id).await?;
        let key = required_str(planned, "key")?;
        Ok(Made {
            key: self.key(planned)?,
            known: vec![("id", string(key))],
        })
    }

    /// S3 objects are immutable: an update uploads the object again; the
    /// upload carries the tags.
    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        _key: &str,
        _prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        Self::put(clients, planned, request.operation_id).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let bucket = required_str(prior, "bucket")?;
        let key = required_str(prior, "key")?;
        let s3 = &clients.s3;
        if bool_attr(prior, "force_destroy") == Some(true) {
            // A legal hold would refuse the delete; errors here (a bucket
            // without object lock) are left to the delete to report.
            let _ = clients
                .call("s3", "PutObjectLegalHold", || {
                    s3.put_object_legal_hold()
                        .bucket(&bucket)
                        .key(&key)
                        .legal_hold(
                            aws_sdk_s3::types::ObjectLockLegalHold::builder()
                                .status(ObjectLockLegalHoldStatus::Off)
                                .build(),
                        )
                        .send()
                })
                .await;
        }
        match clients
            .call("s3", "DeleteObject", || {
                s3.delete_object().bucket(&bucket).key(&key).send()
            })
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        self.describe_known(clients, ids, &BTreeMap::new()).await
    }

    /// Each object by itself: S3 has no call that describes objects with
    /// their headers and tags in bulk.
    async fn describe_known(
        &self,
        clients: &Clients,
        ids: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        super::super::managed::each(ids, |id| async move {
            Self::describe_one(clients, &id, known.get(&id)).await
        })
        .await
    }

    /// By bucket and key, and the intent tag the upload set: an older object
    /// under the key is not what the pending create wrote.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let bucket = required_str(planned, "bucket")?;
        let key = required_str(planned, "key")?;
        match Self::all_tags(clients, &bucket, &key).await {
            Ok(tags) => Ok(made_by(&tags, operation_id).then(|| format!("{bucket}/{key}"))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_computes_the_etag_from_the_body_it_will_upload() {
        let content = object([("content", string("hello"))]);
        assert_eq!(Object::planned_etag(&content), string(md5_hex(b"hello")));
        let encoded = object([("content_base64", string("aGVsbG8="))]);
        assert_eq!(Object::planned_etag(&encoded), string(md5_hex(b"hello")));
        let missing = object([("source", string("/nonexistent/stack-test-file"))]);
        assert_eq!(Object::planned_etag(&missing), Value::Unknown);
        let unknown = object([("content", Value::Unknown)]);
        assert_eq!(Object::planned_etag(&unknown), Value::Unknown);
        let kms = object([
            ("content", string("hello")),
            ("server_side_encryption", string("aws:kms")),
        ]);
        assert_eq!(Object::planned_etag(&kms), Value::Unknown);
    }

    #[test]
    fn import_ids_are_bucket_and_key_with_or_without_the_s3_scheme() {
        assert_eq!(split_id("b/k/x.txt"), Some(("b", "k/x.txt")));
        assert_eq!(split_id("s3://b/k"), Some(("b", "k")));
        assert_eq!(split_id("no-key"), None);
        assert_eq!(split_id("b/"), None);
    }
}
