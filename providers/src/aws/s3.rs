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
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging,
};
use engine::provider::{
    ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::managed::{create_tags, Gone, Made, Managed};
use super::values::{
    bool_attr, object, required_str, str_attr, string, string_map, tags_attribute,
};
use super::{user_tags, AwsResource, Clients};

mod object;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(super::managed::Seam(Bucket)),
        Box::new(super::managed::Seam(object::Object)),
    ]
}

/// How many keys one `DeleteObjects` call may name (an S3 limit).
const DELETE_BATCH: usize = 1000;

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
            ("arn", string(bucket_arn(clients, name))),
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

    /// The state of the bucket `name` with the tags `all_tags` (ours
    /// included) and the inline settings `known` manages; `force_destroy`
    /// is ours, not S3's, and is kept from `known`.
    async fn described(
        &self,
        clients: &Clients,
        name: &str,
        all_tags: BTreeMap<String, String>,
        known: Option<&Value>,
    ) -> Result<Value, ProviderError> {
        let known = known.unwrap_or(&Value::Null);
        let force_destroy = bool_attr(known, "force_destroy").unwrap_or(false);
        let state = Self::state(clients, name, force_destroy, user_tags(all_tags));
        self.with_inline(clients, state, name, known).await
    }

    /// One bucket: HeadBucket and GetBucketTagging.
    async fn describe_one(
        &self,
        clients: &Clients,
        name: &str,
        known: Option<&Value>,
    ) -> Result<Option<Value>, ProviderError> {
        let s3 = &clients.s3;
        let head = clients
            .call("s3", "HeadBucket", || s3.head_bucket().bucket(name).send())
            .await
            .or_gone()?;
        if head.is_none() {
            return Ok(None);
        }
        let tags = Self::all_tags(clients, name).await?;
        Ok(Some(self.described(clients, name, tags, known).await?))
    }

    /// Several buckets: one listing of the buckets and one of their tags.
    async fn describe_listed(
        &self,
        clients: &Clients,
        names: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let mut listed = list_buckets(clients).await?;
        listed.retain(|name, _| names.contains(name));
        let tags = tags_of_buckets(clients, &listed).await?;
        let mut out = BTreeMap::new();
        for (name, all) in tags {
            let state = self
                .described(clients, &name, all, known.get(&name))
                .await?;
            out.insert(name, state);
        }
        Ok(out)
    }

    /// The name a create uses: the user's, or one generated from
    /// `bucket_prefix` and the operation (bucket names are lower case).
    fn name(planned: &Value, operation_id: &str) -> String {
        str_attr(planned, "bucket").unwrap_or_else(|| {
            let prefix = str_attr(planned, "bucket_prefix").unwrap_or_else(|| "terraform-".into());
            let mut name = format!("{prefix}{}", md5_hex(operation_id.as_bytes()));
            name.truncate(63);
            name.to_lowercase()
        })
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

/// A bucket's tags, by bucket name. PutBucketTagging replaces the whole
/// set, so a change reads the set first and writes it back with the
/// changes: the tags stack does not manage (our intent tag, those
/// `ignore_tags` keeps out of the state) stay as they are.
struct BucketTags;

#[async_trait]
impl super::managed::Tagging for BucketTags {
    async fn update(
        &self,
        clients: &Clients,
        name: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let mut all = Bucket::all_tags(clients, name).await?;
        all.retain(|k, _| !remove.contains(k));
        all.extend(add.clone());
        Bucket::put_tags(clients, name, &all).await
    }

    async fn list(
        &self,
        clients: &Clients,
        name: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        Bucket::all_tags(clients, name).await
    }
}

#[async_trait]
impl Managed for Bucket {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket"
    }

    fn noun(&self) -> &'static str {
        "S3 bucket"
    }

    fn schema(&self) -> Schema {
        super::s3_inline::schema(Schema::new("An S3 bucket.")
            .attr(
                AttributeSchema::optional_computed("bucket", AttrType::String)
                    .force_new()
                    .describe("The bucket's globally unique name; generated from bucket_prefix or the operation when unset."),
            )
            .attr(
                AttributeSchema::optional("bucket_prefix", AttrType::String)
                    .force_new()
                    .describe("The start of a generated name; conflicts with bucket."),
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

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "bucket")
    }

    fn tagging(&self) -> Option<&dyn super::managed::Tagging> {
        Some(&BucketTags)
    }

    fn tag_target(&self) -> &'static str {
        "bucket"
    }

    fn kept(&self) -> &'static [&'static str] {
        &["bucket_prefix"]
    }

    /// The bucket name is the idempotency key: a retry after a crash finds
    /// the bucket we already own and carries on, and a create whose answer
    /// was lost is found by it before anything is sent again.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = Self::name(planned, request.operation_id);
        let s3 = &clients.s3;
        // us-east-1 is the one region that must not be named as a location
        // constraint.
        let configuration = (clients.region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(clients.region.as_str()))
                .build()
        });
        // Object lock can only be turned on by the create.
        let object_lock = super::s3_inline::object_lock_at_create(planned);
        let created = clients
            .create(
                "s3",
                "CreateBucket",
                || {
                    s3.create_bucket()
                        .bucket(&name)
                        .set_create_bucket_configuration(configuration.clone())
                        .set_object_lock_enabled_for_bucket(object_lock.then_some(true))
                        .send()
                },
                // A bucket of ours under the name after a lost answer is the
                // one this call made (S3 answers BucketAlreadyOwnedByYou to
                // the same call sent again).
                || async {
                    let key = std::slice::from_ref(&name);
                    Ok(self.describe(clients, key).await?.into_keys().next())
                },
            )
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.code.as_deref() == Some("BucketAlreadyOwnedByYou") => {}
            Err(e) => return Err(e.into()),
        }
        Ok(Made::id(&name).with("bucket", string(&name)))
    }

    /// CreateBucket takes no tags: the intent tag follows at once, then the
    /// inline settings. A crash in between leaves a bucket `find_created`
    /// does not claim; creating it again then finds it already ours.
    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        name: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        Self::put_tags(clients, name, &create_tags(planned, request.operation_id)).await?;
        super::s3_inline::write(clients, name, None, planned).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        super::s3_inline::write(clients, name, Some(prior), planned).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        if bool_attr(prior, "force_destroy").unwrap_or(false) {
            Self::empty(clients, name).await?;
        }
        let s3 = &clients.s3;
        match clients
            .call("s3", "DeleteBucket", || s3.delete_bucket().bucket(name).send())
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

    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        self.describe_known(clients, names, &BTreeMap::new()).await
    }

    /// One bucket by itself; several through one listing of the buckets
    /// and one of their tags. The inline settings are read where the value
    /// being refreshed manages them.
    async fn describe_known(
        &self,
        clients: &Clients,
        names: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        super::managed::one_or_all(
            names,
            |name| async move { self.describe_one(clients, &name, known.get(&name)).await },
            || self.describe_listed(clients, names, known),
        )
        .await
    }

    /// By the bucket name, which is globally unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = Self::name(planned, operation_id);
        super::managed::ours_by_name(self, clients, Some(name), operation_id).await
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
}
