//! A bucket's separately managed configurations: `aws_s3_bucket_versioning`,
//! `aws_s3_bucket_policy`, `aws_s3_bucket_public_access_block`,
//! `aws_s3_bucket_server_side_encryption_configuration`,
//! `aws_s3_bucket_website_configuration` and
//! `aws_s3_bucket_ownership_controls`.
//!
//! They share one shape, [`BucketPart`]: keyed by the bucket (and the
//! expected owner, `bucket,owner`, as Terraform's ids are), written by one
//! idempotent Put* for both create and update, read by one Get* whose
//! "not configured" error means the configuration is gone, and removed by
//! one Delete*. [`Part`] puts any of them on the seam. S3 has no call that
//! reads a configuration of several buckets, so each is read by itself.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    BucketVersioningStatus, Condition, ErrorDocument, IndexDocument, MfaDelete, ObjectOwnership,
    OwnershipControls, OwnershipControlsRule, Protocol, PublicAccessBlockConfiguration, Redirect,
    RedirectAllRequestsTo, RoutingRule, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
    WebsiteConfiguration,
};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;
use serde_json::json;

use super::managed::{each, Made, Managed, Seam};
use super::values::{blocks_attr, bool_attr, object, opt_string, required_str, str_attr, string};
use super::{AwsError, AwsResource, Clients};

/// The resource types of this module, for [`super::AwsProvider::new`].
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(Part(Versioning))),
        Box::new(Seam(Part(Policy))),
        Box::new(Seam(Part(PublicAccessBlock))),
        Box::new(Seam(Part(Encryption))),
        Box::new(Seam(Part(Website))),
        Box::new(Seam(Part(Ownership))),
    ]
}

/// The bucket a configuration belongs to.
pub struct Target {
    pub bucket: String,
    pub owner: Option<String>,
    /// The region whose endpoint manages the configuration, for types with
    /// Terraform's per-resource `region`; `None` is the provider's.
    pub region: Option<String>,
}

impl Target {
    /// From a key: `bucket` or `bucket,expected-owner`, either followed by
    /// `@region` (Terraform's import id for a configuration managed in
    /// another region than the provider's).
    fn parse(key: &str) -> Target {
        let (id, region) = match key.rsplit_once('@') {
            Some((id, region)) => (id, Some(region.to_string())),
            None => (key, None),
        };
        let (bucket, owner) = match id.split_once(',') {
            Some((bucket, owner)) => (bucket, Some(owner.to_string())),
            None => (id, None),
        };
        Target {
            bucket: bucket.to_string(),
            owner,
            region,
        }
    }

    fn of(value: &Value) -> Result<Target, ProviderError> {
        Ok(Target {
            bucket: required_str(value, "bucket")?,
            owner: str_attr(value, "expected_bucket_owner"),
            region: str_attr(value, "region"),
        })
    }

    /// The `id` attribute, as Terraform has it: the region is not part of it.
    fn id(&self) -> String {
        match &self.owner {
            Some(owner) => format!("{},{owner}", self.bucket),
            None => self.bucket.clone(),
        }
    }

    /// The key the engine keeps: the id, and the region when one is named.
    fn key(&self) -> String {
        match &self.region {
            Some(region) => format!("{}@{region}", self.id()),
            None => self.id(),
        }
    }

    /// An S3 client for the target's region: the provider's own unless the
    /// resource names another.
    fn s3(&self, clients: &Clients) -> aws_sdk_s3::Client {
        match &self.region {
            Some(region) if *region != clients.region => aws_sdk_s3::Client::from_conf(
                clients
                    .s3
                    .config()
                    .to_builder()
                    .region(aws_sdk_s3::config::Region::new(region.clone()))
                    .build(),
            ),
            _ => clients.s3.clone(),
        }
    }

    /// The region the configuration is managed in.
    fn region_in(&self, clients: &Clients) -> String {
        self.region
            .clone()
            .unwrap_or_else(|| clients.region.clone())
    }
}

/// The attributes a Get* answer gives, `None` when it says the
/// configuration is not there: one of `absent` codes, or the bucket gone.
fn or_absent<T>(result: Result<T, AwsError>, absent: &[&str]) -> Result<Option<T>, ProviderError> {
    match result {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.is_not_found() || e.code.as_deref().is_some_and(|c| absent.contains(&c)) => {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn build_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!("could not build the S3 request: {e}"))
}

/// One kind of bucket configuration.
#[async_trait]
pub trait BucketPart: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn noun(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// The type's own arguments and blocks, after `bucket`,
    /// `expected_bucket_owner` and `id`.
    fn arguments(&self, schema: Schema) -> Schema;
    /// Arguments the API does not echo (see [`Managed::kept`]).
    fn kept(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether the type has Terraform's per-resource `region` argument.
    fn regional(&self) -> bool {
        false
    }
    /// Adjusts the configuration before it is planned by the schema.
    fn normalise(&self, config: &Value, _prior: Option<&Value>) -> Value {
        config.clone()
    }
    /// Writes the configuration (create and update alike).
    async fn put(
        &self,
        clients: &Clients,
        target: &Target,
        planned: &Value,
    ) -> Result<(), ProviderError>;
    /// The type's attributes as the API has them; `None` when the bucket
    /// has no such configuration.
    async fn get(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> Result<Option<Vec<(&'static str, Value)>>, ProviderError>;
    /// Removes the configuration; one already gone is success.
    async fn remove(
        &self,
        clients: &Clients,
        target: &Target,
        prior: &Value,
    ) -> Result<(), ProviderError>;
}

/// A [`BucketPart`] as a [`Managed`] type.
pub struct Part<P>(pub P);

#[async_trait]
impl<P: BucketPart> Managed for Part<P> {
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    fn noun(&self) -> &'static str {
        self.0.noun()
    }

    fn schema(&self) -> Schema {
        let schema = Schema::new(self.0.description())
            .attr(
                AttributeSchema::required("bucket", AttrType::String)
                    .force_new()
                    .describe("The name of the bucket."),
            )
            .attr(
                AttributeSchema::optional("expected_bucket_owner", AttrType::String)
                    .force_new()
                    .describe("The account id of the expected bucket owner."),
            )
            .attr(
                AttributeSchema::computed("id", AttrType::String)
                    .describe("The bucket, or bucket and expected owner separated by a comma."),
            );
        self.0.arguments(schema)
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let config = self.0.normalise(request.config, request.prior);
        plan_by_schema(schema, request.prior, &config)
    }

    fn kept(&self) -> &'static [&'static str] {
        self.0.kept()
    }

    /// The id, followed by `@region` when the state names a region (see
    /// [`Target::parse`]).
    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        let id = str_attr(state, "id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ProviderError::new(format!("the {}'s state has no id", self.noun())))?;
        Ok(
            match str_attr(state, "region").filter(|_| self.0.regional()) {
                Some(region) => format!("{id}@{region}"),
                None => id,
            },
        )
    }

    /// A Put* is idempotent, so sending it again after a lost answer is safe.
    async fn create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let target = Target::of(planned)?;
        self.0.put(clients, &target, planned).await?;
        let made = Made {
            key: target.key(),
            known: vec![("id", string(target.id()))],
        };
        Ok(made.with("bucket", string(&target.bucket)))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        _prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        self.0.put(clients, &Target::parse(key), planned).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        self.0.remove(clients, &Target::parse(key), prior).await
    }

    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        each(keys, |key| async move {
            let target = Target::parse(&key);
            let Some(mut fields) = self.0.get(clients, &target).await? else {
                return Ok(None);
            };
            fields.push(("id", string(target.id())));
            fields.push(("bucket", string(&target.bucket)));
            if self.0.regional() {
                fields.push(("region", string(target.region_in(clients))));
            }
            fields.push(("expected_bucket_owner", opt_string(target.owner.clone())));
            Ok(Some(object(fields)))
        })
        .await
    }

    /// A configuration carries no tag of ours; the bucket it is keyed by is
    /// the user's, so one found there after a lost answer is the one sent
    /// (a Put* replaces whatever was there).
    async fn find_created(
        &self,
        clients: &Clients,
        _operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let key = Target::of(planned)?.key();
        let found = self.describe(clients, std::slice::from_ref(&key)).await?;
        Ok(found.contains_key(&key).then_some(key))
    }
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

/// Sets `name` to `default` where the map `block` leaves it out: defaults
/// of nested blocks, which planning by the schema does not fill in.
fn default_in(block: &mut Value, name: &str, default: Value) {
    if let Value::Map(fields) = block {
        let slot = fields.entry(name.to_string()).or_insert(Value::Null);
        if slot.is_null() {
            *slot = default;
        }
    }
}

// ---------------------------------------------------------------------------
// aws_s3_bucket_versioning
// ---------------------------------------------------------------------------

pub struct Versioning;

#[async_trait]
impl BucketPart for Versioning {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_versioning"
    }

    fn noun(&self) -> &'static str {
        "bucket versioning"
    }

    fn description(&self) -> &'static str {
        "The versioning state of an S3 bucket."
    }

    fn arguments(&self, schema: Schema) -> Schema {
        schema
            .attr(AttributeSchema::optional("mfa", AttrType::String).describe(
                "The MFA device's serial number, a space and the code it shows; needed to change mfa_delete.",
            ))
            .block(single(
                "versioning_configuration",
                1,
                Schema::new("The versioning state.")
                    .attr(
                        AttributeSchema::required("status", AttrType::String)
                            .describe("Enabled, Suspended or Disabled (only for a bucket never versioned)."),
                    )
                    .attr(
                        AttributeSchema::optional("mfa_delete", AttrType::String)
                            .describe("Whether deleting versions needs MFA: Enabled or Disabled."),
                    ),
            ))
    }

    fn kept(&self) -> &'static [&'static str] {
        &["mfa"]
    }

    async fn put(
        &self,
        clients: &Clients,
        target: &Target,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let block = planned
            .get_attr("versioning_configuration")
            .cloned()
            .unwrap_or(Value::Null);
        let mut status = required_str(&block, "status")?;
        if status == "Disabled" {
            // "Disabled" is how a never-versioned bucket reads; one that
            // was versioned can only be suspended.
            match versioning_status(clients, target).await? {
                None => return Ok(()),
                Some(_) => status = "Suspended".to_string(),
            }
        }
        let mut config = VersioningConfiguration::builder()
            .status(BucketVersioningStatus::from(status.as_str()));
        if let Some(mfa_delete) = str_attr(&block, "mfa_delete") {
            config = config.mfa_delete(MfaDelete::from(mfa_delete.as_str()));
        }
        let config = config.build();
        let s3 = &clients.s3;
        clients
            .call("s3", "PutBucketVersioning", || {
                s3.put_bucket_versioning()
                    .bucket(&target.bucket)
                    .set_expected_bucket_owner(target.owner.clone())
                    .versioning_configuration(config.clone())
                    .set_mfa(str_attr(planned, "mfa"))
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn get(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> Result<Option<Vec<(&'static str, Value)>>, ProviderError> {
        let s3 = &clients.s3;
        let Some(out) = or_absent(
            clients
                .call("s3", "GetBucketVersioning", || {
                    s3.get_bucket_versioning()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &[],
        )?
        else {
            return Ok(None);
        };
        let status = out
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "Disabled".to_string());
        let block = object([
            ("status", string(status)),
            (
                "mfa_delete",
                opt_string(out.mfa_delete().map(|m| m.as_str().to_string())),
            ),
        ]);
        Ok(Some(vec![("versioning_configuration", block)]))
    }

    /// Terraform's provider suspends versioning; a bucket never versioned
    /// is left as it is.
    async fn remove(
        &self,
        clients: &Clients,
        target: &Target,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        if versioning_status(clients, target).await?.as_deref() != Some("Enabled") {
            return Ok(());
        }
        let s3 = &clients.s3;
        let config = VersioningConfiguration::builder()
            .status(BucketVersioningStatus::Suspended)
            .build();
        or_absent(
            clients
                .call("s3", "PutBucketVersioning", || {
                    s3.put_bucket_versioning()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .versioning_configuration(config.clone())
                        .send()
                })
                .await,
            &[],
        )?;
        Ok(())
    }
}

/// The bucket's versioning status; `None` when it was never versioned (or
/// the bucket is gone).
async fn versioning_status(
    clients: &Clients,
    target: &Target,
) -> Result<Option<String>, ProviderError> {
    let s3 = &clients.s3;
    let out = or_absent(
        clients
            .call("s3", "GetBucketVersioning", || {
                s3.get_bucket_versioning()
                    .bucket(&target.bucket)
                    .set_expected_bucket_owner(target.owner.clone())
                    .send()
            })
            .await,
        &[],
    )?;
    Ok(out.and_then(|o| o.status().map(|s| s.as_str().to_string())))
}

// ---------------------------------------------------------------------------
// aws_s3_bucket_policy
// ---------------------------------------------------------------------------

pub struct Policy;

#[async_trait]
impl BucketPart for Policy {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_policy"
    }

    fn noun(&self) -> &'static str {
        "bucket policy"
    }

    fn description(&self) -> &'static str {
        "The policy of an S3 bucket, compared by meaning as IAM policies are."
    }

    fn arguments(&self, schema: Schema) -> Schema {
        schema.attr(
            AttributeSchema::required("policy", AttrType::String)
                .describe("The policy document (JSON), at most 20 KB."),
        )
    }

    /// A document that means what the stored one means keeps the stored
    /// text, so that a re-plan says "No changes.".
    fn normalise(&self, config: &Value, prior: Option<&Value>) -> Value {
        keep_equivalent_document(config, prior, "policy")
    }

    async fn put(
        &self,
        clients: &Clients,
        target: &Target,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let policy = required_str(planned, "policy")?;
        let s3 = &clients.s3;
        clients
            .call("s3", "PutBucketPolicy", || {
                s3.put_bucket_policy()
                    .bucket(&target.bucket)
                    .set_expected_bucket_owner(target.owner.clone())
                    .policy(&policy)
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn get(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> Result<Option<Vec<(&'static str, Value)>>, ProviderError> {
        let s3 = &clients.s3;
        let out = or_absent(
            clients
                .call("s3", "GetBucketPolicy", || {
                    s3.get_bucket_policy()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["NoSuchBucketPolicy"],
        )?;
        Ok(out.map(|out| vec![("policy", opt_string(out.policy()))]))
    }

    async fn remove(
        &self,
        clients: &Clients,
        target: &Target,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let s3 = &clients.s3;
        or_absent(
            clients
                .call("s3", "DeleteBucketPolicy", || {
                    s3.delete_bucket_policy()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["NoSuchBucketPolicy"],
        )?;
        Ok(())
    }
}

/// The configuration with the prior text of the document `name` where the
/// configured one means the same ([`super::iam::policy::equivalent`]).
fn keep_equivalent_document(config: &Value, prior: Option<&Value>, name: &str) -> Value {
    let mut config = config.clone();
    if let (Some(prior), Value::Map(map)) = (prior, &mut config) {
        let old = str_attr(prior, name);
        let new = map
            .get(name)
            .and_then(|v| v.peel().as_str())
            .map(str::to_string);
        if let (Some(old), Some(new)) = (old, new) {
            if old != new && super::iam::policy::equivalent(&old, &new) {
                map.insert(name.to_string(), Value::String(old));
            }
        }
    }
    config
}

// ---------------------------------------------------------------------------
// aws_s3_bucket_public_access_block
// ---------------------------------------------------------------------------

pub struct PublicAccessBlock;

const PUBLIC_ACCESS_FLAGS: [(&str, &str); 4] = [
    ("block_public_acls", "Whether to block public ACLs for the bucket."),
    ("block_public_policy", "Whether to block public bucket policies."),
    ("ignore_public_acls", "Whether to ignore public ACLs on the bucket and its objects."),
    ("restrict_public_buckets", "Whether to restrict access to a bucket with a public policy to AWS services and the owner."),
];

#[async_trait]
impl BucketPart for PublicAccessBlock {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_public_access_block"
    }

    fn noun(&self) -> &'static str {
        "public access block"
    }

    fn description(&self) -> &'static str {
        "The public access block of an S3 bucket."
    }

    fn regional(&self) -> bool {
        true
    }

    fn arguments(&self, mut schema: Schema) -> Schema {
        schema = schema.attr(
            AttributeSchema::optional_computed("region", AttrType::String)
                .force_new()
                .describe("The region that manages the block; the provider's unless set."),
        );
        for (name, description) in PUBLIC_ACCESS_FLAGS {
            schema = schema.attr(
                AttributeSchema::optional(name, AttrType::Bool)
                    .default(false)
                    .describe(description),
            );
        }
        schema.attr(
            AttributeSchema::optional("skip_destroy", AttrType::Bool)
                .describe("Leave the block in place when the resource is destroyed."),
        )
    }

    fn kept(&self) -> &'static [&'static str] {
        &["skip_destroy"]
    }

    async fn put(
        &self,
        clients: &Clients,
        target: &Target,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let flag = |name| bool_attr(planned, name).unwrap_or(false);
        let config = PublicAccessBlockConfiguration::builder()
            .block_public_acls(flag("block_public_acls"))
            .block_public_policy(flag("block_public_policy"))
            .ignore_public_acls(flag("ignore_public_acls"))
            .restrict_public_buckets(flag("restrict_public_buckets"))
            .build();
        let s3 = &target.s3(clients);
        clients
            .call("s3", "PutPublicAccessBlock", || {
                s3.put_public_access_block()
                    .bucket(&target.bucket)
                    .set_expected_bucket_owner(target.owner.clone())
                    .public_access_block_configuration(config.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn get(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> Result<Option<Vec<(&'static str, Value)>>, ProviderError> {
        let s3 = &target.s3(clients);
        let out = or_absent(
            clients
                .call("s3", "GetPublicAccessBlock", || {
                    s3.get_public_access_block()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["NoSuchPublicAccessBlockConfiguration"],
        )?;
        Ok(out.map(|out| {
            let c = out.public_access_block_configuration();
            let flag = |v: Option<bool>| Value::Bool(v.unwrap_or(false));
            vec![
                (
                    "block_public_acls",
                    flag(c.and_then(|c| c.block_public_acls())),
                ),
                (
                    "block_public_policy",
                    flag(c.and_then(|c| c.block_public_policy())),
                ),
                (
                    "ignore_public_acls",
                    flag(c.and_then(|c| c.ignore_public_acls())),
                ),
                (
                    "restrict_public_buckets",
                    flag(c.and_then(|c| c.restrict_public_buckets())),
                ),
            ]
        }))
    }

    async fn remove(
        &self,
        clients: &Clients,
        target: &Target,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        if bool_attr(prior, "skip_destroy").unwrap_or(false) {
            return Ok(());
        }
        let s3 = &target.s3(clients);
        or_absent(
            clients
                .call("s3", "DeletePublicAccessBlock", || {
                    s3.delete_public_access_block()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["NoSuchPublicAccessBlockConfiguration"],
        )?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// aws_s3_bucket_server_side_encryption_configuration
// ---------------------------------------------------------------------------

pub struct Encryption;

#[async_trait]
impl BucketPart for Encryption {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_server_side_encryption_configuration"
    }

    fn noun(&self) -> &'static str {
        "bucket encryption configuration"
    }

    fn description(&self) -> &'static str {
        "How objects of an S3 bucket are encrypted by default."
    }

    fn arguments(&self, schema: Schema) -> Schema {
        let by_default = single(
            "apply_server_side_encryption_by_default",
            0,
            Schema::new("The default encryption of new objects.")
                .attr(
                    AttributeSchema::required("sse_algorithm", AttrType::String)
                        .describe("AES256, aws:kms or aws:kms:dsse."),
                )
                .attr(
                    AttributeSchema::optional("kms_master_key_id", AttrType::String)
                        .describe("The KMS key for aws:kms; the aws/s3 key when unset."),
                ),
        );
        schema.block(BlockSchema {
            name: "rule",
            nesting: Nesting::Set,
            min_items: 1,
            max_items: None,
            force_new: false,
            schema: Schema::new("An encryption rule; S3 takes one.")
                .attr(
                    AttributeSchema::optional("bucket_key_enabled", AttrType::Bool)
                        .describe("Whether to use an S3 Bucket Key for SSE-KMS."),
                )
                .block(by_default),
        })
    }

    /// S3 reports `bucket_key_enabled` false when it was never set.
    fn normalise(&self, config: &Value, _prior: Option<&Value>) -> Value {
        let mut config = config.clone();
        if let Value::Map(map) = &mut config {
            let rules: Vec<Value> = blocks_attr(&config_clone(map), "rule")
                .into_iter()
                .map(|mut rule| {
                    default_in(&mut rule, "bucket_key_enabled", Value::Bool(false));
                    rule
                })
                .collect();
            if !rules.is_empty() {
                map.insert("rule".to_string(), Value::set_from(rules));
            }
        }
        config
    }

    async fn put(
        &self,
        clients: &Clients,
        target: &Target,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let mut rules = Vec::new();
        for rule in blocks_attr(planned, "rule") {
            let by_default = match rule.get_attr("apply_server_side_encryption_by_default") {
                Some(b) if !b.is_null() => Some(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::from(
                            required_str(b, "sse_algorithm")?.as_str(),
                        ))
                        .set_kms_master_key_id(str_attr(b, "kms_master_key_id"))
                        .build()
                        .map_err(build_error)?,
                ),
                _ => None,
            };
            rules.push(
                ServerSideEncryptionRule::builder()
                    .set_apply_server_side_encryption_by_default(by_default)
                    .set_bucket_key_enabled(bool_attr(&rule, "bucket_key_enabled"))
                    .build(),
            );
        }
        let config = ServerSideEncryptionConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(build_error)?;
        let s3 = &clients.s3;
        clients
            .call("s3", "PutBucketEncryption", || {
                s3.put_bucket_encryption()
                    .bucket(&target.bucket)
                    .set_expected_bucket_owner(target.owner.clone())
                    .server_side_encryption_configuration(config.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn get(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> Result<Option<Vec<(&'static str, Value)>>, ProviderError> {
        let s3 = &clients.s3;
        let out = or_absent(
            clients
                .call("s3", "GetBucketEncryption", || {
                    s3.get_bucket_encryption()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["ServerSideEncryptionConfigurationNotFoundError"],
        )?;
        let Some(out) = out else { return Ok(None) };
        let rules = out
            .server_side_encryption_configuration()
            .map(|c| c.rules())
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let by_default = r
                    .apply_server_side_encryption_by_default()
                    .map(|d| {
                        object([
                            ("sse_algorithm", string(d.sse_algorithm().as_str())),
                            ("kms_master_key_id", opt_string(d.kms_master_key_id())),
                        ])
                    })
                    .unwrap_or(Value::Null);
                object([
                    ("apply_server_side_encryption_by_default", by_default),
                    (
                        "bucket_key_enabled",
                        Value::Bool(r.bucket_key_enabled().unwrap_or(false)),
                    ),
                ])
            })
            .collect();
        Ok(Some(vec![("rule", Value::set_from(rules))]))
    }

    async fn remove(
        &self,
        clients: &Clients,
        target: &Target,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let s3 = &clients.s3;
        or_absent(
            clients
                .call("s3", "DeleteBucketEncryption", || {
                    s3.delete_bucket_encryption()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["ServerSideEncryptionConfigurationNotFoundError"],
        )?;
        Ok(())
    }
}

fn config_clone(map: &BTreeMap<String, Value>) -> Value {
    Value::Map(map.clone())
}

// ---------------------------------------------------------------------------
// aws_s3_bucket_website_configuration
// ---------------------------------------------------------------------------

pub struct Website;

/// The fields of a routing rule's `condition` and `redirect` blocks, with
/// their names in the S3 API (and in `routing_rules` JSON).
const CONDITION_FIELDS: [(&str, &str); 2] = [
    (
        "http_error_code_returned_equals",
        "HttpErrorCodeReturnedEquals",
    ),
    ("key_prefix_equals", "KeyPrefixEquals"),
];
const REDIRECT_FIELDS: [(&str, &str); 5] = [
    ("host_name", "HostName"),
    ("http_redirect_code", "HttpRedirectCode"),
    ("protocol", "Protocol"),
    ("replace_key_prefix_with", "ReplaceKeyPrefixWith"),
    ("replace_key_with", "ReplaceKeyWith"),
];

fn string_fields(fields: &[(&'static str, &str)], description: &'static str) -> Schema {
    fields
        .iter()
        .fold(Schema::new(description), |schema, (name, _)| {
            schema.attr(AttributeSchema::optional(name, AttrType::String).describe(description))
        })
}

/// A routing rule as `routing_rules` JSON has it, from a `routing_rule` block.
fn rule_json(block: &Value) -> serde_json::Value {
    let part = |name: &str, fields: &[(&str, &str)]| {
        let part = block.get_attr(name).cloned().unwrap_or(Value::Null);
        let map: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .filter_map(|(ours, theirs)| {
                str_attr(&part, ours).map(|v| (theirs.to_string(), json!(v)))
            })
            .collect();
        (!map.is_empty()).then_some(serde_json::Value::Object(map))
    };
    let mut rule = serde_json::Map::new();
    if let Some(c) = part("condition", &CONDITION_FIELDS) {
        rule.insert("Condition".into(), c);
    }
    rule.insert(
        "Redirect".into(),
        part("redirect", &REDIRECT_FIELDS).unwrap_or_else(|| json!({})),
    );
    serde_json::Value::Object(rule)
}

/// A `routing_rule` block from one rule of `routing_rules` JSON.
fn rule_block(rule: &serde_json::Value) -> Value {
    let part = |name: &str, fields: &[(&'static str, &str)]| match rule.get(name) {
        Some(p) => object(fields.iter().map(|(ours, theirs)| {
            let v = p.get(*theirs).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
            (*ours, opt_string(v))
        })),
        None => Value::Null,
    };
    object([
        ("condition", part("Condition", &CONDITION_FIELDS)),
        ("redirect", part("Redirect", &REDIRECT_FIELDS)),
    ])
}

fn sdk_rule(rule: &serde_json::Value) -> Result<RoutingRule, ProviderError> {
    let text = |p: &str, k: &str| {
        rule.get(p).and_then(|p| p.get(k)).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let condition = rule.get("Condition").map(|_| {
        Condition::builder()
            .set_http_error_code_returned_equals(text("Condition", "HttpErrorCodeReturnedEquals"))
            .set_key_prefix_equals(text("Condition", "KeyPrefixEquals"))
            .build()
    });
    let redirect = Redirect::builder()
        .set_host_name(text("Redirect", "HostName"))
        .set_http_redirect_code(text("Redirect", "HttpRedirectCode"))
        .set_protocol(text("Redirect", "Protocol").map(|p| Protocol::from(p.as_str())))
        .set_replace_key_prefix_with(text("Redirect", "ReplaceKeyPrefixWith"))
        .set_replace_key_with(text("Redirect", "ReplaceKeyWith"))
        .build();
    Ok(RoutingRule::builder()
        .set_condition(condition)
        .redirect(redirect)
        .build())
}

/// The JSON of the rules the API returned, as `routing_rules` shows it.
fn rules_of_api(rules: &[RoutingRule]) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            let mut rule = serde_json::Map::new();
            if let Some(c) = r.condition() {
                let mut m = serde_json::Map::new();
                if let Some(v) = c.http_error_code_returned_equals() {
                    m.insert("HttpErrorCodeReturnedEquals".into(), json!(v));
                }
                if let Some(v) = c.key_prefix_equals() {
                    m.insert("KeyPrefixEquals".into(), json!(v));
                }
                rule.insert("Condition".into(), serde_json::Value::Object(m));
            }
            let mut m = serde_json::Map::new();
            if let Some(d) = r.redirect() {
                for (key, value) in [
                    ("HostName", d.host_name()),
                    ("HttpRedirectCode", d.http_redirect_code()),
                    ("Protocol", d.protocol().map(|p| p.as_str())),
                    ("ReplaceKeyPrefixWith", d.replace_key_prefix_with()),
                    ("ReplaceKeyWith", d.replace_key_with()),
                ] {
                    if let Some(v) = value {
                        m.insert(key.into(), json!(v));
                    }
                }
            }
            rule.insert("Redirect".into(), serde_json::Value::Object(m));
            serde_json::Value::Object(rule)
        })
        .collect();
    serde_json::Value::Array(rules)
}

/// The regions whose website endpoints are `s3-website-REGION` (the older
/// ones); the others use `s3-website.REGION` (S3 User Guide, "Website
/// endpoints").
const DASH_WEBSITE_REGIONS: &[&str] = &[
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

fn website_domain(region: &str) -> String {
    if DASH_WEBSITE_REGIONS.contains(&region) {
        format!("s3-website-{region}.amazonaws.com")
    } else {
        format!("s3-website.{region}.amazonaws.com")
    }
}

#[async_trait]
impl BucketPart for Website {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_website_configuration"
    }

    fn noun(&self) -> &'static str {
        "bucket website configuration"
    }

    fn description(&self) -> &'static str {
        "An S3 bucket served as a website."
    }

    fn arguments(&self, schema: Schema) -> Schema {
        let routing_rule = BlockSchema {
            name: "routing_rule",
            nesting: Nesting::List,
            min_items: 0,
            max_items: None,
            force_new: false,
            schema: Schema::new("When a redirect applies, and where it goes.")
                .block(single(
                    "condition",
                    0,
                    string_fields(&CONDITION_FIELDS, "A condition the request must meet."),
                ))
                .block(single(
                    "redirect",
                    1,
                    string_fields(&REDIRECT_FIELDS, "Where the redirect goes."),
                )),
        };
        schema
            .attr(
                AttributeSchema::optional_computed("routing_rules", AttrType::String)
                    .describe("The routing rules as a JSON array; conflicts with routing_rule."),
            )
            .attr(
                AttributeSchema::computed("website_domain", AttrType::String)
                    .describe("The domain of the website endpoint, for Route 53 alias records."),
            )
            .attr(
                AttributeSchema::computed("website_endpoint", AttrType::String)
                    .describe("The website endpoint."),
            )
            .block(single(
                "index_document",
                0,
                Schema::new("The index document.").attr(
                    AttributeSchema::required("suffix", AttrType::String)
                        .describe("Appended to requests for a directory, e.g. index.html."),
                ),
            ))
            .block(single(
                "error_document",
                0,
                Schema::new("The error document.").attr(
                    AttributeSchema::required("key", AttrType::String)
                        .describe("The object returned for 4XX errors."),
                ),
            ))
            .block(single(
                "redirect_all_requests_to",
                0,
                Schema::new("Redirects every request.")
                    .attr(
                        AttributeSchema::required("host_name", AttrType::String)
                            .describe("The host to redirect to."),
                    )
                    .attr(
                        AttributeSchema::optional("protocol", AttrType::String)
                            .describe("http or https; the request's own when unset."),
                    ),
            ))
            .block(routing_rule)
    }

    /// `routing_rule` blocks and `routing_rules` JSON say the same thing:
    /// whichever is configured, the other follows the prior state when it
    /// means the same, so a re-plan is clean.
    fn normalise(&self, config: &Value, prior: Option<&Value>) -> Value {
        let mut config = config.clone();
        let blocks = blocks_attr(&config, "routing_rule");
        let Some(prior) = prior else { return config };
        let Value::Map(map) = &mut config else {
            return config;
        };
        let prior_json = str_attr(prior, "routing_rules")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        match map.get("routing_rules").and_then(|v| v.peel().as_str()) {
            Some(text) if blocks.is_empty() => {
                let configured = serde_json::from_str::<serde_json::Value>(text).ok();
                if configured.is_some() && configured == prior_json {
                    map.insert(
                        "routing_rules".into(),
                        prior
                            .get_attr("routing_rules")
                            .cloned()
                            .unwrap_or(Value::Null),
                    );
                    map.insert(
                        "routing_rule".into(),
                        prior
                            .get_attr("routing_rule")
                            .cloned()
                            .unwrap_or(Value::Null),
                    );
                }
            }
            _ if !blocks.is_empty() => {
                let configured = serde_json::Value::Array(blocks.iter().map(rule_json).collect());
                if Some(&configured) == prior_json.as_ref() {
                    map.insert(
                        "routing_rules".into(),
                        prior
                            .get_attr("routing_rules")
                            .cloned()
                            .unwrap_or(Value::Null),
                    );
                }
            }
            _ => {}
        }
        config
    }

    async fn put(
        &self,
        clients: &Clients,
        target: &Target,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let block = |name| planned.get_attr(name).filter(|v| !v.is_null()).cloned();
        let index = block("index_document")
            .map(|b| {
                IndexDocument::builder()
                    .suffix(str_attr(&b, "suffix").unwrap_or_default())
                    .build()
            })
            .transpose()
            .map_err(build_error)?;
        let error = block("error_document")
            .map(|b| {
                ErrorDocument::builder()
                    .key(str_attr(&b, "key").unwrap_or_default())
                    .build()
            })
            .transpose()
            .map_err(build_error)?;
        let redirect_all = block("redirect_all_requests_to")
            .map(|b| {
                RedirectAllRequestsTo::builder()
                    .host_name(str_attr(&b, "host_name").unwrap_or_default())
                    .set_protocol(str_attr(&b, "protocol").map(|p| Protocol::from(p.as_str())))
                    .build()
            })
            .transpose()
            .map_err(build_error)?;
        let blocks = blocks_attr(planned, "routing_rule");
        let rules: Vec<serde_json::Value> = if blocks.is_empty() {
            match str_attr(planned, "routing_rules") {
                Some(text) => match serde_json::from_str(&text) {
                    Ok(serde_json::Value::Array(rules)) => rules,
                    _ => {
                        return Err(ProviderError::new(
                            "routing_rules must be a JSON array of routing rules",
                        ))
                    }
                },
                None => Vec::new(),
            }
        } else {
            blocks.iter().map(rule_json).collect()
        };
        let rules = rules.iter().map(sdk_rule).collect::<Result<Vec<_>, _>>()?;
        let config = WebsiteConfiguration::builder()
            .set_index_document(index)
            .set_error_document(error)
            .set_redirect_all_requests_to(redirect_all)
            .set_routing_rules((!rules.is_empty()).then_some(rules))
            .build();
        let s3 = &clients.s3;
        clients
            .call("s3", "PutBucketWebsite", || {
                s3.put_bucket_website()
                    .bucket(&target.bucket)
                    .set_expected_bucket_owner(target.owner.clone())
                    .website_configuration(config.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn get(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> Result<Option<Vec<(&'static str, Value)>>, ProviderError> {
        let s3 = &clients.s3;
        let out = or_absent(
            clients
                .call("s3", "GetBucketWebsite", || {
                    s3.get_bucket_website()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["NoSuchWebsiteConfiguration"],
        )?;
        let Some(out) = out else { return Ok(None) };
        let domain = website_domain(&clients.region);
        let rules = rules_of_api(out.routing_rules());
        let blocks = rules
            .as_array()
            .map(|rules| rules.iter().map(rule_block).collect())
            .unwrap_or_default();
        let routing_rules = if out.routing_rules().is_empty() {
            Value::Null
        } else {
            string(rules.to_string())
        };
        Ok(Some(vec![
            (
                "index_document",
                out.index_document()
                    .map(|d| object([("suffix", string(d.suffix()))]))
                    .unwrap_or(Value::Null),
            ),
            (
                "error_document",
                out.error_document()
                    .map(|d| object([("key", string(d.key()))]))
                    .unwrap_or(Value::Null),
            ),
            (
                "redirect_all_requests_to",
                out.redirect_all_requests_to()
                    .map(|r| {
                        object([
                            ("host_name", string(r.host_name())),
                            (
                                "protocol",
                                opt_string(r.protocol().map(|p| p.as_str().to_string())),
                            ),
                        ])
                    })
                    .unwrap_or(Value::Null),
            ),
            ("routing_rule", Value::List(blocks)),
            ("routing_rules", routing_rules),
            ("website_domain", string(&domain)),
            (
                "website_endpoint",
                string(format!("{}.{domain}", target.bucket)),
            ),
        ]))
    }

    async fn remove(
        &self,
        clients: &Clients,
        target: &Target,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let s3 = &clients.s3;
        or_absent(
            clients
                .call("s3", "DeleteBucketWebsite", || {
                    s3.delete_bucket_website()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["NoSuchWebsiteConfiguration"],
        )?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// aws_s3_bucket_ownership_controls
// ---------------------------------------------------------------------------

pub struct Ownership;

#[async_trait]
impl BucketPart for Ownership {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_ownership_controls"
    }

    fn noun(&self) -> &'static str {
        "bucket ownership controls"
    }

    fn description(&self) -> &'static str {
        "Who owns the objects written to an S3 bucket."
    }

    fn arguments(&self, schema: Schema) -> Schema {
        schema.block(single(
            "rule",
            1,
            Schema::new("The ownership rule.").attr(
                AttributeSchema::required("object_ownership", AttrType::String)
                    .describe("BucketOwnerPreferred, ObjectWriter or BucketOwnerEnforced."),
            ),
        ))
    }

    async fn put(
        &self,
        clients: &Clients,
        target: &Target,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let rule = planned.get_attr("rule").cloned().unwrap_or(Value::Null);
        let ownership = required_str(&rule, "object_ownership")?;
        let controls = OwnershipControls::builder()
            .rules(
                OwnershipControlsRule::builder()
                    .object_ownership(ObjectOwnership::from(ownership.as_str()))
                    .build()
                    .map_err(build_error)?,
            )
            .build()
            .map_err(build_error)?;
        let s3 = &clients.s3;
        clients
            .call("s3", "PutBucketOwnershipControls", || {
                s3.put_bucket_ownership_controls()
                    .bucket(&target.bucket)
                    .set_expected_bucket_owner(target.owner.clone())
                    .ownership_controls(controls.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn get(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> Result<Option<Vec<(&'static str, Value)>>, ProviderError> {
        let s3 = &clients.s3;
        let out = or_absent(
            clients
                .call("s3", "GetBucketOwnershipControls", || {
                    s3.get_bucket_ownership_controls()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["OwnershipControlsNotFoundError"],
        )?;
        Ok(out.map(|out| {
            let ownership = out
                .ownership_controls()
                .and_then(|c| c.rules().first())
                .map(|r| r.object_ownership().as_str().to_string());
            vec![(
                "rule",
                object([("object_ownership", opt_string(ownership))]),
            )]
        }))
    }

    async fn remove(
        &self,
        clients: &Clients,
        target: &Target,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let s3 = &clients.s3;
        or_absent(
            clients
                .call("s3", "DeleteBucketOwnershipControls", || {
                    s3.delete_bucket_ownership_controls()
                        .bucket(&target.bucket)
                        .set_expected_bucket_owner(target.owner.clone())
                        .send()
                })
                .await,
            &["OwnershipControlsNotFoundError"],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_the_expected_owner_after_a_comma() {
        let t = Target::parse("site,123456789012");
        assert_eq!(t.bucket, "site");
        assert_eq!(t.owner.as_deref(), Some("123456789012"));
        assert_eq!(t.id(), "site,123456789012");
        assert_eq!(Target::parse("site").id(), "site");
    }

    #[test]
    fn routing_rule_blocks_and_json_convert_both_ways() {
        let block = object([
            (
                "condition",
                object([("key_prefix_equals", string("docs/"))]),
            ),
            (
                "redirect",
                object([("replace_key_prefix_with", string("documents/"))]),
            ),
        ]);
        let json = rule_json(&block);
        assert_eq!(
            json,
            json!({"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "documents/"}})
        );
        let back = rule_block(&json);
        assert_eq!(
            str_attr(
                back.get_attr("redirect").unwrap(),
                "replace_key_prefix_with"
            )
            .as_deref(),
            Some("documents/")
        );
        assert_eq!(
            back.get_attr("redirect").unwrap().get_attr("host_name"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn keys_carry_the_owner_and_the_region_ids_do_not() {
        let t = Target::parse("site,123456789012@us-west-2");
        assert_eq!(t.bucket, "site");
        assert_eq!(t.owner.as_deref(), Some("123456789012"));
        assert_eq!(t.region.as_deref(), Some("us-west-2"));
        assert_eq!(t.id(), "site,123456789012");
        assert_eq!(t.key(), "site,123456789012@us-west-2");
        let plain = Target::parse("site");
        assert_eq!((plain.owner, plain.region), (None, None));
    }

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
}
