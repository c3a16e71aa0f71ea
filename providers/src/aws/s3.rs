//! S3: `aws_s3_bucket` and `aws_s3_object` (application bundles, assets).
//!
//! A refresh of one bucket asks `HeadBucket` and `GetBucketTagging`; a
//! refresh of several lists the buckets once ([`list_buckets`]) and reads
//! their tags through the Resource Groups Tagging API
//! ([`super::tagging_api`]), so its calls grow with pages, not buckets.
//!
//! Bucket versioning is deliberately never read: the Rust SDK cannot parse
//! the `GetBucketVersioning` reply of the emulator the tests run against
//! (moto 5.2.5), and nothing here needs it, because emptying a bucket for
//! `force_destroy` lists object versions, which covers versioned and
//! unversioned buckets alike.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging,
};
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::provider::{
    ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::values::{
    bool_attr, merge_missing, object, opt_string, partial_state, required_str, str_attr, string,
    string_map, string_map_attr, tags_attribute, KeepCreated,
};
use super::{made_by, tags_with_intent, user_tags, AwsError, AwsResource, Clients, INTENT_TAG};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Bucket), Box::new(Object)]
}

/// How many keys one `DeleteObjects` call may name (an S3 limit).
const DELETE_BATCH: usize = 1000;

use super::values::{planned, prior};

fn build_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!("could not build the S3 request: {e}"))
}

fn tag_set(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_error))
        .collect()
}

fn tags_from(set: &[Tag]) -> BTreeMap<String, String> {
    set.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// The lowercase hex MD5 of some bytes: what S3 reports as the ETag of an
/// object uploaded in one part without KMS encryption.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Percent-encodes for the `x-amz-tagging` header, which takes tags as a
/// URL query string.
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The most buckets one `ListBuckets` page may hold (an S3 limit). Asking
/// for a page size also makes S3 say each bucket's region.
const BUCKETS_PER_PAGE: i32 = 10_000;

/// Every bucket of the account by name, with its region when S3 says it.
pub(crate) async fn list_buckets(
    clients: &Clients,
) -> Result<BTreeMap<String, Option<String>>, ProviderError> {
    let s3 = &clients.s3;
    let buckets = super::managed::pages(|token| async move {
        let page = clients
            .call("s3", "ListBuckets", || {
                s3.list_buckets()
                    .max_buckets(BUCKETS_PER_PAGE)
                    .set_continuation_token(token.clone())
                    .send()
            })
            .await?;
        Ok::<_, ProviderError>((
            page.buckets().to_vec(),
            page.continuation_token().map(str::to_string),
        ))
    })
    .await?;
    Ok(buckets
        .iter()
        .filter_map(|b| {
            let region = b.bucket_region().map(str::to_string);
            Some((b.name()?.to_string(), region))
        })
        .collect())
}

/// A bucket's ARN, as the Resource Groups Tagging API names it.
pub(crate) fn bucket_arn(clients: &Clients, name: &str) -> String {
    format!("arn:{}:s3:::{name}", clients.partition())
}

/// Every tag of each of `names`, by bucket name: the Resource Groups
/// Tagging API answers for the buckets of the provider's region at once;
/// a bucket S3 says is elsewhere is asked by itself.
pub(crate) async fn tags_of_buckets(
    clients: &Clients,
    names: &BTreeMap<String, Option<String>>,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    let here = |region: &Option<String>| region.as_ref().is_none_or(|r| *r == clients.region);
    let arns: Vec<String> = names
        .iter()
        .filter(|(_, region)| here(region))
        .map(|(name, _)| bucket_arn(clients, name))
        .collect();
    let mut by_arn = super::tagging_api::tags_of(clients, &arns, |arn| async move {
        let name = arn.rsplit(':').next().unwrap_or_default().to_string();
        Bucket::all_tags(clients, &name).await
    })
    .await?;
    let mut out = BTreeMap::new();
    for (name, region) in names {
        let tags = if here(region) {
            by_arn
                .remove(&bucket_arn(clients, name))
                .unwrap_or_default()
        } else {
            Bucket::all_tags(clients, name).await?
        };
        out.insert(name.clone(), tags);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// aws_s3_bucket
// ---------------------------------------------------------------------------

struct Bucket;

impl Bucket {
    fn state(
        clients: &Clients,
        name: &str,
        force_destroy: bool,
        tags: BTreeMap<String, String>,
    ) -> Value {
        object([
            ("id", string(name)),
            ("bucket", string(name)),
            ("arn", string(format!("arn:aws:s3:::{name}"))),
            (
                "bucket_domain_name",
                string(format!("{name}.s3.amazonaws.com")),
            ),
            (
                "bucket_regional_domain_name",
                string(format!("{name}.s3.{}.amazonaws.com", clients.region)),
            ),
            ("region", string(clients.region.clone())),
            ("force_destroy", Value::Bool(force_destroy)),
            ("tags", string_map(tags)),
        ])
    }

    /// The state with the deprecated inline settings `known` manages, as
    /// S3 has them.
    async fn with_inline(
        &self,
        clients: &Clients,
        mut state: Value,
        name: &str,
        known: &Value,
    ) -> Result<Value, ProviderError> {
        let inline = super::s3_inline::read(clients, &self.schema(), name, known).await?;
        if let Value::Map(map) = &mut state {
            map.extend(inline);
        }
        Ok(state)
    }

    /// Every tag of the bucket, our intent tag included.
    async fn all_tags(
        clients: &Clients,
        name: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let s3 = &clients.s3;
        match clients
            .call("s3", "GetBucketTagging", || {
                s3.get_bucket_tagging().bucket(name).send()
            })
            .await
        {
            Ok(out) => Ok(tags_from(out.tag_set())),
            // S3 answers an error, not an empty set, for a bucket without tags.
            Err(e) if e.code.as_deref() == Some("NoSuchTagSet") => Ok(BTreeMap::new()),
            Err(e) => Err(e.into()),
        }
    }

    async fn put_tags(
        clients: &Clients,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let s3 = &clients.s3;
        if tags.is_empty() {
            clients
                .call("s3", "DeleteBucketTagging", || {
                    s3.delete_bucket_tagging().bucket(name).send()
                })
                .await?;
            return Ok(());
        }
        let tagging = Tagging::builder()
            .set_tag_set(Some(tag_set(tags)?))
            .build()
            .map_err(build_error)?;
        clients
            .call("s3", "PutBucketTagging", || {
                s3.put_bucket_tagging()
                    .bucket(name)
                    .tagging(tagging.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    /// Every tag of each bucket of `currents` that still exists, by name;
    /// a bucket that is gone has no entry.
    async fn tags_of_listed(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
        let mut listed = list_buckets(clients).await?;
        let wanted: std::collections::BTreeSet<String> = currents
            .iter()
            .filter_map(|c| str_attr(c, "bucket"))
            .collect();
        listed.retain(|name, _| wanted.contains(name));
        tags_of_buckets(clients, &listed).await
    }

    /// The state of the bucket `current` names, from the tags
    /// [`Bucket::tags_of_listed`] found; `None` when it is gone.
    async fn state_of_listed(
        &self,
        clients: &Clients,
        current: &Value,
        tags: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<Option<Value>, ProviderError> {
        let name = required_str(current, "bucket")?;
        let Some(all) = tags.get(&name) else {
            return Ok(None);
        };
        let state = Self::state(
            clients,
            &name,
            bool_attr(current, "force_destroy").unwrap_or(false),
            user_tags(all.clone()),
        );
        self.with_inline(clients, state, &name, current)
            .await
            .map(Some)
    }

    /// Deletes every object version and delete marker, a page at a time.
    async fn empty(clients: &Clients, name: &str) -> Result<(), ProviderError> {
        let s3 = &clients.s3;
        loop {
            let page = clients
                .call("s3", "ListObjectVersions", || {
                    s3.list_object_versions().bucket(name).send()
                })
                .await?;
            let mut ids = Vec::new();
            for v in page.versions() {
                if let Some(key) = v.key() {
                    ids.push((key.to_string(), v.version_id().map(str::to_string)));
                }
            }
            for m in page.delete_markers() {
                if let Some(key) = m.key() {
                    ids.push((key.to_string(), m.version_id().map(str::to_string)));
                }
            }
            if ids.is_empty() {
                return Ok(());
            }
            for chunk in ids.chunks(DELETE_BATCH) {
                let objects = chunk
                    .iter()
                    .map(|(key, version)| {
                        ObjectIdentifier::builder()
                            .key(key)
                            // Unversioned buckets list every object with the
                            // version id "null", which S3 accepts back.
                            .set_version_id(version.clone())
                            .build()
                            .map_err(build_error)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let delete = Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(build_error)?;
                let out = clients
                    .call("s3", "DeleteObjects", || {
                        s3.delete_objects()
                            .bucket(name)
                            .delete(delete.clone())
                            .send()
                    })
                    .await?;
                if let Some(error) = out.errors().first() {
                    return Err(ProviderError::new(format!(
                        "emptying bucket {name} failed on {}: {}",
                        error.key().unwrap_or("?"),
                        error.message().unwrap_or("unknown error")
                    )));
                }
            }
        }
    }
}

#[async_trait]
impl AwsResource for Bucket {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    fn schema(&self) -> Schema {
        super::s3_inline::schema(Schema::new("An S3 bucket.")
            .attr(
                AttributeSchema::required("bucket", AttrType::String)
                    .force_new()
                    .describe("The bucket's globally unique name."),
            )
            .attr(
                AttributeSchema::optional("force_destroy", AttrType::Bool)
                    .default(false)
                    .describe("Delete every object (and version) when the bucket is destroyed, instead of failing on a non-empty bucket."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The bucket name."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The bucket's ARN."))
            .attr(
                AttributeSchema::computed("bucket_domain_name", AttrType::String)
                    .describe("The global domain name, BUCKET.s3.amazonaws.com."),
            )
            .attr(
                AttributeSchema::computed("bucket_regional_domain_name", AttrType::String)
                    .describe("The regional domain name, e.g. for a CloudFront origin."),
            )
            .attr(AttributeSchema::computed("region", AttrType::String).describe("The bucket's region.")))
    }

    /// The schema's plan, with the deprecated inline blocks in their full
    /// shape and a warning for each of them.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = engine::provider::plan_by_schema(schema, request.prior, request.config);
        super::s3_inline::plan(schema, &mut response.planned, request.prior);
        response
            .diagnostics
            .extend(super::s3_inline::deprecations(request.config));
        response
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let name = required_str(planned, "bucket")?;
        let s3 = &clients.s3;
        // us-east-1 is the one region that must not be named as a location
        // constraint.
        let configuration = (clients.region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(clients.region.as_str()))
                .build()
        });
        // The bucket name is the idempotency key: a retry after a crash finds
        // the bucket we already own and carries on, and a create whose answer
        // was lost is found by it before anything is sent again.
        match clients
            .create(
                "s3",
                "CreateBucket",
                || {
                    s3.create_bucket()
                        .bucket(&name)
                        .set_create_bucket_configuration(configuration.clone())
                        .send()
                },
                || self.read(clients, planned),
            )
            .await
        {
            Ok(_) => {}
            Err(e) if e.code.as_deref() == Some("BucketAlreadyOwnedByYou") => {}
            Err(e) => return Err(e.into()),
        }
        // CreateBucket takes no tags: the intent tag follows at once. A crash
        // in between leaves a bucket `find_created` does not claim; creating
        // it again then finds it already ours, as above.
        let tags = string_map_attr(planned, "tags");
        let partial = partial_state(planned, [("id", string(&name))]);
        let with_intent = tags_with_intent(tags.clone(), request.operation_id);
        Self::put_tags(clients, &name, &with_intent)
            .await
            .keep_created(&partial)?;
        super::s3_inline::write(clients, &name, None, planned)
            .await
            .keep_created(&partial)?;
        let state = Self::state(
            clients,
            &name,
            bool_attr(planned, "force_destroy").unwrap_or(false),
            tags,
        );
        self.with_inline(clients, state, &name, planned)
            .await
            .keep_created(&partial)
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let prior = prior(request)?;
        let name = required_str(prior, "bucket")?;
        let tags = string_map_attr(planned, "tags");
        if tags != string_map_attr(prior, "tags") {
            // PutBucketTagging replaces the whole set: the tags stack does
            // not manage (our intent tag, and those `ignore_tags` keeps out
            // of the state) are read first and written back with the user's.
            let managed = string_map_attr(prior, "tags");
            let mut all = Self::all_tags(clients, &name).await?;
            all.retain(|k, _| {
                k == INTENT_TAG || !(managed.contains_key(k) || tags.contains_key(k))
            });
            all.extend(tags.clone());
            Self::put_tags(clients, &name, &all).await?;
        }
        super::s3_inline::write(clients, &name, Some(prior), planned).await?;
        let state = Self::state(
            clients,
            &name,
            bool_attr(planned, "force_destroy").unwrap_or(false),
            tags,
        );
        self.with_inline(clients, state, &name, planned).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = prior(request)?;
        let name = required_str(prior, "bucket")?;
        if bool_attr(prior, "force_destroy").unwrap_or(false) {
            Self::empty(clients, &name).await?;
        }
        let s3 = &clients.s3;
        match clients
            .call("s3", "DeleteBucket", || s3.delete_bucket().bucket(&name).send())
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) if e.code.as_deref() == Some("BucketNotEmpty") => Err(ProviderError::new(format!(
                "{e}. The bucket still holds objects: delete them, or set force_destroy = true and apply before destroying."
            ))),
            Err(e) => Err(e.into()),
        }
    }

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let name = required_str(current, "bucket")?;
        let s3 = &clients.s3;
        match clients
            .call("s3", "HeadBucket", || s3.head_bucket().bucket(&name).send())
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let tags = user_tags(Self::all_tags(clients, &name).await?);
        // force_destroy is ours, not S3's: it is kept from the state.
        let state = Self::state(
            clients,
            &name,
            bool_attr(current, "force_destroy").unwrap_or(false),
            tags,
        );
        self.with_inline(clients, state, &name, current)
            .await
            .map(Some)
    }

    /// One bucket by itself; several through one listing of the buckets
    /// and one of their tags.
    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        if currents.len() < 2 {
            let mut out = Vec::new();
            for current in currents {
                out.push(self.read(clients, current).await);
            }
            return out;
        }
        let tags = match self.tags_of_listed(clients, currents).await {
            Ok(tags) => tags,
            Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut out = Vec::with_capacity(currents.len());
        for current in currents {
            out.push(self.state_of_listed(clients, current, &tags).await);
        }
        out
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        self.read(clients, &object([("bucket", string(id))])).await
    }

    /// By the user-chosen bucket name, which is globally unique, and the
    /// intent tag the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let name = required_str(planned, "bucket")?;
        let found = self.read(clients, planned).await?;
        super::made_here(found, operation_id, |_| Self::all_tags(clients, &name)).await
    }
}

// ---------------------------------------------------------------------------
// aws_s3_object
// ---------------------------------------------------------------------------

struct Object;

impl Object {
    /// The bytes to upload: `content` as is, or the file named by `source`.
    fn body(planned: &Value) -> Result<Vec<u8>, ProviderError> {
        match (str_attr(planned, "content"), str_attr(planned, "source")) {
            (Some(content), _) => Ok(content.into_bytes()),
            (None, Some(source)) => std::fs::read(&source).map_err(|e| {
                ProviderError::new(format!("could not read source file {source}: {e}"))
            }),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// The MD5 the object will have once uploaded, when it can be known at
    /// plan time: a change to the source file then shows as an update.
    fn planned_etag(config: &Value) -> Value {
        let content = config.get_attr("content").filter(|v| !v.is_null());
        let source = config.get_attr("source").filter(|v| !v.is_null());
        match (content, source) {
            (Some(v), _) => v
                .as_str()
                .map(|s| string(md5_hex(s.as_bytes())))
                .unwrap_or(Value::Unknown),
            (None, Some(v)) => v
                .as_str()
                // A file that does not exist yet (made by another resource
                // during the apply) is known only after the apply.
                .and_then(|path| std::fs::read(path).ok())
                .map(|bytes| string(md5_hex(&bytes)))
                .unwrap_or(Value::Unknown),
            (None, None) => string(md5_hex(b"")),
        }
    }

    /// Uploads the object with the user's tags and the intent tag of this
    /// upload's operation.
    async fn put(
        clients: &Clients,
        planned: &Value,
        operation_id: &str,
    ) -> Result<Value, ProviderError> {
        let bucket = required_str(planned, "bucket")?;
        let key = required_str(planned, "key")?;
        let body = Self::body(planned)?;
        let tags = string_map_attr(planned, "tags");
        let tagging = Some(
            tags_with_intent(tags.clone(), operation_id)
                .iter()
                .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
                .collect::<Vec<_>>()
                .join("&"),
        );
        let content_type = str_attr(planned, "content_type");
        let s3 = &clients.s3;
        let out = clients
            .call("s3", "PutObject", || {
                s3.put_object()
                    .bucket(&bucket)
                    .key(&key)
                    .body(ByteStream::from(body.clone()))
                    .set_content_type(content_type.clone())
                    .set_tagging(tagging.clone())
                    .send()
            })
            .await?;
        let etag = out
            .e_tag()
            .map(|e| e.trim_matches('"').to_string())
            .unwrap_or_else(|| md5_hex(&body));
        let content_type = match content_type {
            Some(content_type) => content_type,
            // The default differs between clients (the SDK sends
            // application/octet-stream, S3 itself assumes
            // binary/octet-stream), so it is read back rather than guessed.
            None => clients
                .call("s3", "HeadObject", || {
                    s3.head_object().bucket(&bucket).key(&key).send()
                })
                .await?
                .content_type()
                .unwrap_or("binary/octet-stream")
                .to_string(),
        };
        let state = object([
            ("id", string(key.clone())),
            ("bucket", string(bucket)),
            ("key", string(key)),
            ("etag", string(etag)),
            ("content_type", string(content_type)),
            ("version_id", opt_string(out.version_id())),
            ("tags", string_map(tags)),
        ]);
        Ok(merge_missing(state, planned))
    }
}

#[async_trait]
impl AwsResource for Object {
    /// Terraform keeps only the key in `id`; the import id is `BUCKET/KEY`.
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        let bucket = super::attribute_text(attributes, "bucket")?;
        let key = super::attribute_text(attributes, "key")?;
        Some(format!("{bucket}/{key}"))
    }

    fn type_name(&self) -> &'static str {
        "aws_s3_object"
    }

    fn schema(&self) -> Schema {
        Schema::new("An object in an S3 bucket, uploaded from a file or from a string.")
            .attr(
                AttributeSchema::required("bucket", AttrType::String)
                    .force_new()
                    .describe("The bucket to put the object in."),
            )
            .attr(
                AttributeSchema::required("key", AttrType::String)
                    .force_new()
                    .describe("The object's key (its path in the bucket)."),
            )
            .attr(
                AttributeSchema::optional("source", AttrType::String)
                    .describe("A local file to upload. Conflicts with content."),
            )
            .attr(
                AttributeSchema::optional("content", AttrType::String)
                    .describe("A string to upload as the object's body. Conflicts with source."),
            )
            .attr(
                AttributeSchema::optional_computed("content_type", AttrType::String)
                    .describe("The MIME type; S3 defaults it to binary/octet-stream."),
            )
            .attr(
                AttributeSchema::optional_computed("etag", AttrType::String)
                    .describe("The MD5 of the body; computed from source or content at plan time, so a changed file shows as an update."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The object's key."))
            .attr(
                AttributeSchema::computed("version_id", AttrType::String)
                    .describe("The version id, when the bucket is versioned."),
            )
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = engine::provider::plan_by_schema(schema, request.prior, request.config);
        let has = |name: &str| request.config.get_attr(name).is_some_and(|v| !v.is_null());
        if has("source") && has("content") {
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(Diagnostic::error(
                "Conflicting arguments",
                "Only one of \"source\" and \"content\" may be set in an aws_s3_object. Remove one of them.",
            ));
            response.diagnostics.extend(diagnostics);
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

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        Self::put(clients, planned(request)?, request.operation_id).await
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        // S3 objects are immutable: an update uploads the object again.
        Self::put(clients, planned(request)?, request.operation_id).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = prior(request)?;
        let bucket = required_str(prior, "bucket")?;
        let key = required_str(prior, "key")?;
        let s3 = &clients.s3;
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

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let bucket = required_str(current, "bucket")?;
        let key = required_str(current, "key")?;
        let s3 = &clients.s3;
        let head = match clients
            .call("s3", "HeadObject", || {
                s3.head_object().bucket(&bucket).key(&key).send()
            })
            .await
        {
            Ok(head) => head,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let tags = match clients
            .call("s3", "GetObjectTagging", || {
                s3.get_object_tagging().bucket(&bucket).key(&key).send()
            })
            .await
        {
            Ok(out) => user_tags(tags_from(out.tag_set())),
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(AwsError::into(e)),
        };
        // The body itself is not downloaded: source and content stay as the
        // state has them, and the ETag tells whether the body drifted.
        let state = object([
            ("id", string(key.clone())),
            ("bucket", string(bucket)),
            ("key", string(key)),
            (
                "etag",
                opt_string(head.e_tag().map(|e| e.trim_matches('"').to_string())),
            ),
            ("content_type", opt_string(head.content_type())),
            ("version_id", opt_string(head.version_id())),
            ("tags", string_map(tags)),
            (
                "source",
                current.get_attr("source").cloned().unwrap_or(Value::Null),
            ),
            (
                "content",
                current.get_attr("content").cloned().unwrap_or(Value::Null),
            ),
        ]);
        Ok(Some(state))
    }

    /// Imports `BUCKET/KEY`.
    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        let Some((bucket, key)) = id.split_once('/') else {
            return Err(ProviderError::new(format!(
                "an aws_s3_object is imported by BUCKET/KEY, not {id:?}"
            )));
        };
        self.read(
            clients,
            &object([("bucket", string(bucket)), ("key", string(key))]),
        )
        .await
    }

    /// By bucket and key, and the intent tag the upload set: an older object
    /// under the key is not what the pending create wrote. PutObject
    /// replaces any object under the key, so sending it again is safe and
    /// it goes through `Clients::call`.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let bucket = required_str(planned, "bucket")?;
        let key = required_str(planned, "key")?;
        let Some(state) = self.read(clients, planned).await? else {
            return Ok(None);
        };
        let s3 = &clients.s3;
        let tagging = clients
            .call("s3", "GetObjectTagging", || {
                s3.get_object_tagging().bucket(&bucket).key(&key).send()
            })
            .await?;
        Ok(made_by(&tags_from(tagging.tag_set()), operation_id).then_some(state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_is_lowercase_hex_as_s3_etags_are() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"hello"), "5d41402abc4b2a76b9719d911017c592");
    }

    #[test]
    fn tags_are_url_encoded_for_the_tagging_header() {
        assert_eq!(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(url_encode("plain-Text_1.0~"), "plain-Text_1.0~");
    }

    #[test]
    fn a_plan_computes_the_etag_from_content_or_the_source_file() {
        let content = object([("content", string("hello"))]);
        assert_eq!(Object::planned_etag(&content), string(md5_hex(b"hello")));
        let missing = object([("source", string("/nonexistent/stack-test-file"))]);
        assert_eq!(Object::planned_etag(&missing), Value::Unknown);
        let unknown = object([("content", Value::Unknown)]);
        assert_eq!(Object::planned_etag(&unknown), Value::Unknown);
    }
}
