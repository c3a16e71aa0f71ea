//! `aws_key_pair`: an SSH public key registered with EC2 (ImportKeyPair).
//! Its name and key cannot change; tags can. As in Terraform, the id is the
//! key's name.

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use std::collections::BTreeMap;

use super::{
    arn, describe_by_filter, find_by_intent, tag_specification, tags_value, Ec2Tags, Kind,
};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::values::{object, opt_string, required_str, str_attr, string, tags_attribute};
use crate::aws::Clients;

pub struct KeyPair;

#[async_trait]
impl Managed for KeyPair {
    fn type_name(&self) -> &'static str {
        "aws_key_pair"
    }

    fn noun(&self) -> &'static str {
        "key pair"
    }

    fn schema(&self) -> Schema {
        Schema::new("An SSH key pair that machines can be launched with.")
            .attr(
                AttributeSchema::optional_computed("key_name", AttrType::String)
                    .force_new()
                    .describe("The key's name; generated when unset."),
            )
            .attr(
                AttributeSchema::optional("key_name_prefix", AttrType::String)
                    .force_new()
                    .describe("A prefix for a generated name (instead of key_name)."),
            )
            .attr(
                AttributeSchema::required("public_key", AttrType::String)
                    .force_new()
                    .describe("The public key, in OpenSSH format (\"ssh-ed25519 AAAA…\")."),
            )
            .attr(tags_attribute())
            .attr(
                AttributeSchema::computed("id", AttrType::String)
                    .describe("The key's name, as Terraform uses it."),
            )
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The key's ARN."))
            .attr(
                AttributeSchema::computed("fingerprint", AttrType::String)
                    .describe("The key's fingerprint."),
            )
            .attr(
                AttributeSchema::computed("key_pair_id", AttrType::String)
                    .describe("The key pair id (key-…)."),
            )
            .attr(
                AttributeSchema::computed("key_type", AttrType::String)
                    .describe("\"rsa\" or \"ed25519\"."),
            )
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&Ec2Tags)
    }

    /// Tags of a key pair are addressed by its key-… id, not its name.
    fn tag_target(&self) -> &'static str {
        "key_pair_id"
    }

    /// The stored key is what the user gave; AWS may format its copy
    /// differently (or, for older keys, not return it at all). Only an
    /// import takes AWS's.
    fn kept(&self) -> &'static [&'static str] {
        &["public_key", "key_name_prefix"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let public_key = required_str(planned, "public_key")?;
        let name = str_attr(planned, "key_name").unwrap_or_else(|| {
            let suffix: String = request
                .operation_id
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let prefix = str_attr(planned, "key_name_prefix").unwrap_or_else(|| "stack-".into());
            format!("{prefix}{suffix}")
        });
        let tags = tag_specification(ResourceType::KeyPair, planned, request.operation_id);
        let ec2 = &clients.ec2;
        let material = aws_smithy_types::Blob::new(public_key.trim().as_bytes().to_vec());
        clients
            .create(
                "ec2",
                "ImportKeyPair",
                || {
                    ec2.import_key_pair()
                        .key_name(&name)
                        .public_key_material(material.clone())
                        .tag_specifications(tags.clone())
                        .send()
                },
                || find_by_intent(clients, Kind::KeyPair, request.operation_id),
            )
            .await?;
        Ok(Made::id(&name).with("key_name", string(&name)))
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let ec2 = &clients.ec2;
        clients
            .call("ec2", "DeleteKeyPair", || {
                ec2.delete_key_pair().key_name(name).send()
            })
            .await
            .gone_ok()
    }

    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let ec2 = &clients.ec2;
        // DescribeKeyPairs does not page.
        let keys = describe_by_filter(names, "key-name", |filter, _token| async move {
            let page = clients
                .call("ec2", "DescribeKeyPairs", || {
                    ec2.describe_key_pairs()
                        .filters(filter.clone())
                        .include_public_key(true)
                        .send()
                })
                .await?;
            Ok((page.key_pairs().to_vec(), None))
        })
        .await?;
        let mut found = BTreeMap::new();
        for key in &keys {
            if let Some(name) = key.key_name() {
                found.insert(name.to_string(), key_state(clients, key).await);
            }
        }
        Ok(found)
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, Kind::KeyPair, operation_id).await
    }
}

async fn key_state(clients: &Clients, key: &aws_sdk_ec2::types::KeyPairInfo) -> Value {
    let name = key.key_name().unwrap_or_default();
    let key_pair_id = key.key_pair_id().unwrap_or_default();
    // DescribeKeyPairs does not say which account owns the key, so the ARN
    // is built with the caller's account.
    let account = clients.account_id().await;
    object([
        ("id", string(name)),
        ("key_name", string(name)),
        // Only an import keeps this; reads and applies keep the user's text.
        (
            "public_key",
            opt_string(key.public_key().map(|k| k.trim().to_string())),
        ),
        (
            "arn",
            arn(clients, account.as_deref(), "key-pair", key_pair_id),
        ),
        ("fingerprint", opt_string(key.key_fingerprint())),
        ("key_pair_id", opt_string(key.key_pair_id())),
        (
            "key_type",
            opt_string(key.key_type().map(|t| t.as_str().to_string())),
        ),
        ("tags", tags_value(key.tags())),
    ])
}
