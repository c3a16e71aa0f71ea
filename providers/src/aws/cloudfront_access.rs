//! How CloudFront reaches a private S3 origin:
//! `aws_cloudfront_origin_access_control` (signed requests, the current
//! way) and `aws_cloudfront_origin_access_identity` (a special user, the
//! older way). Neither is taggable.
//!
//! Updates and deletes send, as If-Match, the ETag read just before, so a
//! change made by someone else in between fails instead of being
//! overwritten. One object is read with Get* (which gives the ETag); several
//! cost one paged List* (whose items have no ETag nor caller reference, so
//! those are then null in the state until the next single read).

use std::collections::BTreeMap;
use std::future::Future;

use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    CloudFrontOriginAccessIdentityConfig, OriginAccessControlConfig,
    OriginAccessControlOriginTypes, OriginAccessControlSigningBehaviors,
    OriginAccessControlSigningProtocols,
};
use engine::provider::{ApplyRequest, AttrType, AttributeSchema, ProviderError, Schema};
use engine::value::Value;

use super::managed::{one_or_all, pages, Gone, Made, Managed, Seam};
use super::values::{object, opt_string, required_str, str_attr, string};
use super::{AwsError, AwsResource, Clients};

/// The resource types of this module, for [`super::AwsProvider::new`].
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(OriginAccessControl)),
        Box::new(Seam(OriginAccessIdentity)),
    ]
}

fn build_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!("could not build the CloudFront request: {e}"))
}

// ---------------------------------------------------------------------------
// What both kinds share: objects versioned by ETag
// ---------------------------------------------------------------------------

/// An object as one Get* reads it: its state and its ETag.
type Versioned = (Value, String);

/// The marker of the next page of a CloudFront listing, if there is one.
fn next_marker(truncated: bool, marker: Option<&str>) -> Option<String> {
    marker.filter(|_| truncated).map(str::to_string)
}

/// The object `id` as it is now, for an update to send its ETag as
/// If-Match; an error naming it when it is gone.
async fn current<G, GF>(noun: &str, id: &str, get: G) -> Result<Versioned, ProviderError>
where
    G: FnOnce() -> GF,
    GF: Future<Output = Result<Option<Versioned>, ProviderError>>,
{
    get()
        .await?
        .ok_or_else(|| ProviderError::new(format!("the {noun} {id} is gone")))
}

/// Deletes an object with the ETag read just before as If-Match; one
/// already gone (before or during the call) is success.
async fn delete_versioned<G, GF, D, DF, T>(get: G, delete: D) -> Result<(), ProviderError>
where
    G: FnOnce() -> GF,
    GF: Future<Output = Result<Option<Versioned>, ProviderError>>,
    D: FnOnce(String) -> DF,
    DF: Future<Output = Result<T, AwsError>>,
{
    let Some((_, etag)) = get().await? else {
        return Ok(());
    };
    delete(etag).await.gone_ok()
}

// ---------------------------------------------------------------------------
// aws_cloudfront_origin_access_control
// ---------------------------------------------------------------------------

pub struct OriginAccessControl;

fn control_config(planned: &Value) -> Result<OriginAccessControlConfig, ProviderError> {
    OriginAccessControlConfig::builder()
        .name(required_str(planned, "name")?)
        .description(str_attr(planned, "description").unwrap_or_default())
        .origin_access_control_origin_type(OriginAccessControlOriginTypes::from(
            required_str(planned, "origin_access_control_origin_type")?.as_str(),
        ))
        .signing_behavior(OriginAccessControlSigningBehaviors::from(
            required_str(planned, "signing_behavior")?.as_str(),
        ))
        .signing_protocol(OriginAccessControlSigningProtocols::from(
            required_str(planned, "signing_protocol")?.as_str(),
        ))
        .build()
        .map_err(build_error)
}

#[allow(clippy::too_many_arguments)]
fn control_state(
    account: &str,
    id: &str,
    name: &str,
    description: Option<&str>,
    origin_type: &str,
    behavior: &str,
    protocol: &str,
    etag: Option<&str>,
) -> Value {
    object([
        ("id", string(id)),
        (
            "arn",
            string(format!(
                "arn:aws:cloudfront::{account}:origin-access-control/{id}"
            )),
        ),
        ("name", string(name)),
        ("description", string(description.unwrap_or_default())),
        ("origin_access_control_origin_type", string(origin_type)),
        ("signing_behavior", string(behavior)),
        ("signing_protocol", string(protocol)),
        ("etag", opt_string(etag)),
    ])
}

/// One control and its ETag; `None` when it is gone.
async fn get_control(clients: &Clients, id: &str) -> Result<Option<Versioned>, ProviderError> {
    let cf = &clients.cloudfront;
    let account = clients.account_id().await.unwrap_or_default();
    let out = clients
        .call("cloudfront", "GetOriginAccessControl", || {
            cf.get_origin_access_control().id(id).send()
        })
        .await
        .or_gone()?;
    Ok(out.and_then(|out| {
        let etag = out.e_tag().unwrap_or_default().to_string();
        let control = out.origin_access_control()?;
        let c = control.origin_access_control_config()?;
        Some((
            control_state(
                &account,
                control.id(),
                c.name(),
                c.description(),
                c.origin_access_control_origin_type().as_str(),
                c.signing_behavior().as_str(),
                c.signing_protocol().as_str(),
                Some(&etag),
            ),
            etag,
        ))
    }))
}

/// Every control of the account, one page at a time.
async fn list_controls(clients: &Clients) -> Result<BTreeMap<String, Value>, ProviderError> {
    let cf = &clients.cloudfront;
    let account = clients.account_id().await.unwrap_or_default();
    let items = pages(|marker| async move {
        let out = clients
            .call("cloudfront", "ListOriginAccessControls", || {
                cf.list_origin_access_controls()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        let list = out.origin_access_control_list();
        let next = list.and_then(|l| next_marker(l.is_truncated(), l.next_marker()));
        let items = list.map(|l| l.items().to_vec()).unwrap_or_default();
        Ok::<_, AwsError>((items, next))
    })
    .await?;
    Ok(items
        .iter()
        .map(|c| {
            (
                c.id().to_string(),
                control_state(
                    &account,
                    c.id(),
                    c.name(),
                    Some(c.description()),
                    c.origin_access_control_origin_type().as_str(),
                    c.signing_behavior().as_str(),
                    c.signing_protocol().as_str(),
                    None,
                ),
            )
        })
        .collect())
}

#[async_trait]
impl Managed for OriginAccessControl {
    fn type_name(&self) -> &'static str {
        "aws_cloudfront_origin_access_control"
    }

    fn noun(&self) -> &'static str {
        "origin access control"
    }

    fn schema(&self) -> Schema {
        Schema::new("Lets CloudFront sign its requests to an origin (S3, MediaStore, Lambda URLs).")
            .attr(
                AttributeSchema::required("name", AttrType::String)
                    .describe("The name, unique in the account."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .default("Managed by Terraform")
                    .describe("A description."),
            )
            .attr(
                AttributeSchema::required("origin_access_control_origin_type", AttrType::String)
                    .describe("The kind of origin: s3, mediastore, lambda or mediapackagev2."),
            )
            .attr(
                AttributeSchema::required("signing_behavior", AttrType::String)
                    .describe("always, never or no-override."),
            )
            .attr(
                AttributeSchema::required("signing_protocol", AttrType::String)
                    .describe("How requests are signed: sigv4."),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The control's id."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The control's ARN."))
            .attr(
                AttributeSchema::computed("etag", AttrType::String)
                    .describe("The current version of the control."),
            )
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let config = control_config(planned)?;
        let cf = &clients.cloudfront;
        let id = clients
            .create(
                "cloudfront",
                "CreateOriginAccessControl",
                || {
                    cf.create_origin_access_control()
                        .origin_access_control_config(config.clone())
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?
            .found_or(|out| out.origin_access_control().map(|c| c.id().to_string()))
            .ok_or_else(|| ProviderError::new("CreateOriginAccessControl returned no id"))?;
        Ok(Made::id(id))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        _prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let config = control_config(planned)?;
        let (_, etag) = current(self.noun(), id, || get_control(clients, id)).await?;
        let cf = &clients.cloudfront;
        clients
            .call("cloudfront", "UpdateOriginAccessControl", || {
                cf.update_origin_access_control()
                    .id(id)
                    .if_match(&etag)
                    .origin_access_control_config(config.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let cf = &clients.cloudfront;
        delete_versioned(
            || get_control(clients, id),
            |etag| async move {
                clients
                    .call("cloudfront", "DeleteOriginAccessControl", || {
                        cf.delete_origin_access_control()
                            .id(id)
                            .if_match(&etag)
                            .send()
                    })
                    .await
            },
        )
        .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        one_or_all(
            ids,
            |id| async move { Ok(get_control(clients, &id).await?.map(|(v, _)| v)) },
            || list_controls(clients),
        )
        .await
    }

    /// By name, which CloudFront keeps unique in the account: a control
    /// cannot carry a tag of ours, and a second create with the name fails.
    async fn find_created(
        &self,
        clients: &Clients,
        _operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = str_attr(planned, "name");
        Ok(list_controls(clients)
            .await?
            .into_iter()
            .find(|(_, v)| str_attr(v, "name") == name)
            .map(|(id, _)| id))
    }
}

// ---------------------------------------------------------------------------
// aws_cloudfront_origin_access_identity
// ---------------------------------------------------------------------------

pub struct OriginAccessIdentity;

fn identity_state(
    account: &str,
    id: &str,
    canonical_user: &str,
    comment: &str,
    caller_reference: Option<&str>,
    etag: Option<&str>,
) -> Value {
    object([
        ("id", string(id)),
        (
            "arn",
            string(format!(
                "arn:aws:cloudfront::{account}:origin-access-identity/{id}"
            )),
        ),
        ("comment", string(comment)),
        ("caller_reference", opt_string(caller_reference)),
        (
            "cloudfront_access_identity_path",
            string(format!("origin-access-identity/cloudfront/{id}")),
        ),
        (
            "iam_arn",
            string(format!(
                "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {id}"
            )),
        ),
        ("s3_canonical_user_id", string(canonical_user)),
        ("etag", opt_string(etag)),
    ])
}

/// One identity and its ETag; `None` when it is gone.
async fn get_identity(clients: &Clients, id: &str) -> Result<Option<Versioned>, ProviderError> {
    let cf = &clients.cloudfront;
    let account = clients.account_id().await.unwrap_or_default();
    let out = clients
        .call("cloudfront", "GetCloudFrontOriginAccessIdentity", || {
            cf.get_cloud_front_origin_access_identity().id(id).send()
        })
        .await
        .or_gone()?;
    Ok(out.and_then(|out| {
        let etag = out.e_tag().unwrap_or_default().to_string();
        let identity = out.cloud_front_origin_access_identity()?;
        let config = identity.cloud_front_origin_access_identity_config();
        Some((
            identity_state(
                &account,
                identity.id(),
                identity.s3_canonical_user_id(),
                config.map(|c| c.comment()).unwrap_or_default(),
                config.map(|c| c.caller_reference()),
                Some(&etag),
            ),
            etag,
        ))
    }))
}

/// Every identity of the account, one page at a time.
async fn list_identities(clients: &Clients) -> Result<BTreeMap<String, Value>, ProviderError> {
    let cf = &clients.cloudfront;
    let account = clients.account_id().await.unwrap_or_default();
    let items = pages(|marker| async move {
        let out = clients
            .call("cloudfront", "ListCloudFrontOriginAccessIdentities", || {
                cf.list_cloud_front_origin_access_identities()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        let list = out.cloud_front_origin_access_identity_list();
        let next = list.and_then(|l| next_marker(l.is_truncated(), l.next_marker()));
        let items = list.map(|l| l.items().to_vec()).unwrap_or_default();
        Ok::<_, AwsError>((items, next))
    })
    .await?;
    Ok(items
        .iter()
        .map(|i| {
            (
                i.id().to_string(),
                identity_state(
                    &account,
                    i.id(),
                    i.s3_canonical_user_id(),
                    i.comment(),
                    None,
                    None,
                ),
            )
        })
        .collect())
}

fn identity_config(
    comment: &str,
    caller_reference: &str,
) -> Result<CloudFrontOriginAccessIdentityConfig, ProviderError> {
    CloudFrontOriginAccessIdentityConfig::builder()
        .caller_reference(caller_reference)
        .comment(comment)
        .build()
        .map_err(build_error)
}

#[async_trait]
impl Managed for OriginAccessIdentity {
    fn type_name(&self) -> &'static str {
        "aws_cloudfront_origin_access_identity"
    }

    fn noun(&self) -> &'static str {
        "origin access identity"
    }

    fn schema(&self) -> Schema {
        Schema::new("A CloudFront user that S3 bucket policies can let read objects.")
            .attr(
                AttributeSchema::optional("comment", AttrType::String)
                    .default("")
                    .describe("A comment."),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The identity's id."))
            .attr(
                AttributeSchema::computed("arn", AttrType::String).describe("The identity's ARN."),
            )
            .attr(
                AttributeSchema::computed("caller_reference", AttrType::String)
                    .describe("The reference the identity was created with."),
            )
            .attr(
                AttributeSchema::computed("cloudfront_access_identity_path", AttrType::String)
                    .describe("What a distribution's s3_origin_config names."),
            )
            .attr(
                AttributeSchema::computed("iam_arn", AttrType::String)
                    .describe("The ARN to grant in an S3 bucket policy."),
            )
            .attr(
                AttributeSchema::computed("s3_canonical_user_id", AttrType::String)
                    .describe("The canonical user id, for S3 ACLs."),
            )
            .attr(
                AttributeSchema::computed("etag", AttrType::String)
                    .describe("The current version of the identity."),
            )
    }

    /// The operation id is the caller reference, which CloudFront honours
    /// as an idempotency token: sending the same request again returns the
    /// identity it made.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let config = identity_config(
            &str_attr(planned, "comment").unwrap_or_default(),
            request.operation_id,
        )?;
        let cf = &clients.cloudfront;
        let out = clients
            .call("cloudfront", "CreateCloudFrontOriginAccessIdentity", || {
                cf.create_cloud_front_origin_access_identity()
                    .cloud_front_origin_access_identity_config(config.clone())
                    .send()
            })
            .await?;
        let id = out
            .cloud_front_origin_access_identity()
            .map(|i| i.id().to_string())
            .ok_or_else(|| {
                ProviderError::new("CreateCloudFrontOriginAccessIdentity returned no id")
            })?;
        Ok(Made::id(id))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        _prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let (now, etag) = current(self.noun(), id, || get_identity(clients, id)).await?;
        let config = identity_config(
            &str_attr(planned, "comment").unwrap_or_default(),
            &str_attr(&now, "caller_reference").unwrap_or_default(),
        )?;
        let cf = &clients.cloudfront;
        clients
            .call("cloudfront", "UpdateCloudFrontOriginAccessIdentity", || {
                cf.update_cloud_front_origin_access_identity()
                    .id(id)
                    .if_match(&etag)
                    .cloud_front_origin_access_identity_config(config.clone())
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        id: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let cf = &clients.cloudfront;
        delete_versioned(
            || get_identity(clients, id),
            |etag| async move {
                clients
                    .call("cloudfront", "DeleteCloudFrontOriginAccessIdentity", || {
                        cf.delete_cloud_front_origin_access_identity()
                            .id(id)
                            .if_match(&etag)
                            .send()
                    })
                    .await
            },
        )
        .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        one_or_all(
            ids,
            |id| async move { Ok(get_identity(clients, &id).await?.map(|(v, _)| v)) },
            || list_identities(clients),
        )
        .await
    }

    /// By the caller reference, which is the create's operation id.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        for id in list_identities(clients).await?.into_keys() {
            if let Some((state, _)) = get_identity(clients, &id).await? {
                if str_attr(&state, "caller_reference").as_deref() == Some(operation_id) {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }
}
