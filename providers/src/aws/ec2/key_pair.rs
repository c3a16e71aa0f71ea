//! `aws_key_pair`: an SSH public key registered with EC2 (ImportKeyPair).
//! Its name and key cannot change; tags can. As in Terraform, the id is the
//! key's name.

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::{
    account_id, arn, find_by_intent, kept, state_id, tag_specification, tags_changed, tags_value,
    update_tags, Kind,
};
use crate::aws::values::{
    object, opt_string, partial_state, required_str, str_attr, string, tags_attribute, KeepCreated,
};
use crate::aws::{AwsResource, Clients};

pub struct KeyPair;

#[async_trait]
impl AwsResource for KeyPair {
    fn type_name(&self) -> &'static str {
        "aws_key_pair"
    }

    fn schema(&self) -> Schema {
        Schema::new("An SSH key pair that machines can be launched with.")
            .attr(
                AttributeSchema::optional_computed("key_name", AttrType::String)
                    .force_new()
                    .describe("The key's name; generated when unset."),
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
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = request.planned.unwrap_or(&Value::Null);
        let public_key = required_str(planned, "public_key")?;
        let name = str_attr(planned, "key_name").unwrap_or_else(|| {
            let suffix: String = request
                .operation_id
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            format!("stack-{suffix}")
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
        let partial = partial_state(
            planned,
            [("id", string(&name)), ("key_name", string(&name))],
        );
        let state = read_key(clients, &name, None)
            .await
            .keep_created(&partial)?
            .ok_or_else(|| ProviderError::new(format!("the key pair {name} vanished")))?;
        Ok(with_public_key(state, string(public_key)))
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = request.prior.unwrap_or(&Value::Null);
        let planned = request.planned.unwrap_or(&Value::Null);
        let name = state_id(prior)?;
        if tags_changed(prior, planned) {
            // Tags of a key pair are addressed by its key-… id, not its name.
            let key_pair_id = str_attr(prior, "key_pair_id")
                .ok_or_else(|| ProviderError::new("the key pair's state has no key_pair_id"))?;
            update_tags(clients, &key_pair_id, prior, planned).await?;
        }
        let state = read_key(clients, &name, known_arn(prior))
            .await?
            .ok_or_else(|| ProviderError::new(format!("the key pair {name} no longer exists")))?;
        Ok(with_public_key(state, kept(planned, "public_key")))
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let name = state_id(request.prior.unwrap_or(&Value::Null))?;
        let ec2 = &clients.ec2;
        match clients
            .call("ec2", "DeleteKeyPair", || {
                ec2.delete_key_pair().key_name(&name).send()
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
        let found = read_key(clients, &state_id(current)?, known_arn(current)).await?;
        // The stored key is what the user gave; AWS may format its copy
        // differently (or, for older keys, not return it at all).
        Ok(found.map(|state| with_public_key(state, kept(current, "public_key"))))
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        read_key(clients, id, None).await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let Some(name) = find_by_intent(clients, Kind::KeyPair, operation_id).await? else {
            return Ok(None);
        };
        let found = read_key(clients, &name, None).await?;
        Ok(found.map(|state| with_public_key(state, kept(planned, "public_key"))))
    }
}

fn known_arn(state: &Value) -> Option<Value> {
    str_attr(state, "arn").filter(|a| !a.is_empty()).map(string)
}

fn with_public_key(mut state: Value, public_key: Value) -> Value {
    if let Value::Map(map) = &mut state {
        if !public_key.is_null() {
            map.insert("public_key".to_string(), public_key);
        }
    }
    state
}

async fn read_key(
    clients: &Clients,
    name: &str,
    known_arn: Option<Value>,
) -> Result<Option<Value>, ProviderError> {
    let ec2 = &clients.ec2;
    let described = match clients
        .call("ec2", "DescribeKeyPairs", || {
            ec2.describe_key_pairs()
                .key_names(name)
                .include_public_key(true)
                .send()
        })
        .await
    {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(key) = described
        .key_pairs()
        .iter()
        .find(|k| k.key_name() == Some(name))
    else {
        return Ok(None);
    };
    let key_pair_id = key.key_pair_id().unwrap_or_default();
    // DescribeKeyPairs does not say which account owns the key, so the ARN
    // is built once with the caller's account and kept from then on.
    let arn = match known_arn {
        Some(arn) => arn,
        None => arn(
            clients,
            account_id(clients).await.as_deref(),
            "key-pair",
            key_pair_id,
        ),
    };
    Ok(Some(object([
        ("id", string(name)),
        ("key_name", string(name)),
        // Only an import uses this; reads and applies keep the user's text.
        (
            "public_key",
            opt_string(key.public_key().map(|k| k.trim().to_string())),
        ),
        ("arn", arn),
        ("fingerprint", opt_string(key.key_fingerprint())),
        ("key_pair_id", opt_string(key.key_pair_id())),
        ("tags", tags_value(key.tags())),
    ])))
}
