//! Elastic Beanstalk: `aws_elastic_beanstalk_application`,
//! `aws_elastic_beanstalk_application_version` (a bundle in S3) and
//! `aws_elastic_beanstalk_environment` (the running application).
//!
//! The environment, the largest, is in `environment.rs`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_elasticbeanstalk::types::{ApplicationDescription, EnvironmentStatus, S3Location, Tag};
use engine::provider::{
    plan_by_schema, values_equal, ApplyRequest, AttrType, AttributeSchema, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::cloudfront::normalize_blocks;
use super::managed::{create_tags, ours_by_name, Gone, Made, Managed, Seam, Tagging};
use super::values::{
    bool_attr, changed, object, opt_string, required_str, str_attr, string, tags_attribute,
};
use super::{AwsError, AwsResource, Clients};

mod environment;
mod lifecycle;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(Application)),
        Box::new(Seam(ApplicationVersion)),
        Box::new(Seam(environment::Environment)),
    ]
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Every tag of a resource, ours included.
async fn list_all_tags(clients: &Clients, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let eb = &clients.beanstalk;
    let out = clients
        .call("elasticbeanstalk", "ListTagsForResource", || {
            eb.list_tags_for_resource().resource_arn(arn).send()
        })
        .await?;
    Ok(out
        .resource_tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

fn progress_of<'a>(request: &'a ApplyRequest<'_>) -> impl Fn(&str) + 'a {
    move |status: &str| {
        if let Some(sink) = &request.progress {
            sink(status);
        }
    }
}

/// How Elastic Beanstalk tags its applications, versions and
/// environments: by ARN, UpdateTagsForResource adds and removes in one call.
pub(crate) struct BeanstalkTags;

#[async_trait]
impl Tagging for BeanstalkTags {
    async fn update(
        &self,
        clients: &Clients,
        arn: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "UpdateTagsForResource", || {
                eb.update_tags_for_resource()
                    .resource_arn(arn)
                    .set_tags_to_add((!add.is_empty()).then(|| sdk_tags(add)))
                    .set_tags_to_remove((!remove.is_empty()).then(|| remove.to_vec()))
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        Ok(list_all_tags(clients, arn).await?)
    }
}

// ---------------------------------------------------------------------------
// aws_elastic_beanstalk_application
// ---------------------------------------------------------------------------

struct Application;

fn application_state(app: &ApplicationDescription) -> Value {
    let name = app.application_name().unwrap_or_default();
    object([
        ("id", string(name)),
        ("name", string(name)),
        ("arn", opt_string(app.application_arn())),
        (
            "description",
            opt_string(app.description().filter(|d| !d.is_empty())),
        ),
        (
            lifecycle::BLOCK,
            lifecycle::from_sdk(app.resource_lifecycle_config()),
        ),
    ])
}

/// Sends a changed `appversion_lifecycle`; a removed one disables both
/// rules under the role it had.
async fn update_lifecycle(
    clients: &Clients,
    name: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (before, after) = (lifecycle::of(prior), lifecycle::of(planned));
    let unchanged = match (before, after) {
        (None, None) => true,
        (Some(b), Some(a)) => values_equal(b, a),
        _ => false,
    };
    if unchanged {
        return Ok(());
    }
    let prior_role = before.and_then(|b| str_attr(b, "service_role"));
    let config = lifecycle::to_sdk(after, prior_role);
    let eb = &clients.beanstalk;
    clients
        .call(
            "elasticbeanstalk",
            "UpdateApplicationResourceLifecycle",
            || {
                eb.update_application_resource_lifecycle()
                    .application_name(name)
                    .resource_lifecycle_config(config.clone())
                    .send()
            },
        )
        .await?;
    Ok(())
}

#[async_trait]
impl Managed for Application {
    fn type_name(&self) -> &'static str {
        "aws_elastic_beanstalk_application"
    }

    fn noun(&self) -> &'static str {
        "Elastic Beanstalk application"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "An Elastic Beanstalk application: a named collection of versions and environments.",
        )
        .attr(
            AttributeSchema::required("name", AttrType::String)
                .force_new()
                .describe("The application's name, unique in the region."),
        )
        .attr(AttributeSchema::optional("description", AttrType::String).describe("A description."))
        .attr(tags_attribute())
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The application's name."))
        .attr(AttributeSchema::computed("arn", AttrType::String).describe("The application's ARN."))
        .block(lifecycle::block())
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let config = normalize_blocks(schema, request.config);
        let mut response = plan_by_schema(schema, request.prior, &config);
        if let Some(error) = lifecycle::check(request.config) {
            response.diagnostics.push(error);
        }
        response
    }

    /// The name, which the state keeps in both `id` and `name`.
    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "name").or_else(|_| required_str(state, "id"))
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&BeanstalkTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    /// The user-chosen name makes the create idempotent in effect: a second
    /// attempt fails with "already exists" instead of duplicating, and a
    /// create whose answer was lost is found by it.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = required_str(planned, "name")?;
        let description = str_attr(planned, "description");
        let lifecycle = lifecycle::of(planned).map(|b| lifecycle::to_sdk(Some(b), None));
        let tags = sdk_tags(&create_tags(planned, request.operation_id));
        let eb = &clients.beanstalk;
        clients
            .create(
                "elasticbeanstalk",
                "CreateApplication",
                || {
                    eb.create_application()
                        .application_name(&name)
                        .set_description(description.clone())
                        .set_resource_lifecycle_config(lifecycle.clone())
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&name).with("name", string(&name)))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if changed(prior, planned, "description") {
            // An empty description is how the API clears it.
            let text = str_attr(planned, "description").unwrap_or_default();
            let eb = &clients.beanstalk;
            clients
                .call("elasticbeanstalk", "UpdateApplication", || {
                    eb.update_application()
                        .application_name(name)
                        .description(&text)
                        .send()
                })
                .await?;
        }
        update_lifecycle(clients, name, prior, planned).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "DeleteApplication", || {
                eb.delete_application().application_name(name).send()
            })
            .await?;
        Ok(())
    }

    /// One DescribeApplications call for every application refreshed.
    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        if names.is_empty() {
            return Ok(BTreeMap::new());
        }
        let eb = &clients.beanstalk;
        let out = clients
            .call("elasticbeanstalk", "DescribeApplications", || {
                eb.describe_applications()
                    .set_application_names(Some(names.to_vec()))
                    .send()
            })
            .await?;
        Ok(out
            .applications()
            .iter()
            .filter_map(|a| Some((a.application_name()?.to_string(), application_state(a))))
            .collect())
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        ours_by_name(self, clients, str_attr(planned, "name"), operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_elastic_beanstalk_application_version
// ---------------------------------------------------------------------------

/// A version, keyed `APPLICATION/LABEL` (Terraform's import id; its `id` is
/// only the label).
struct ApplicationVersion;

fn split_version(key: &str) -> Result<(&str, &str), ProviderError> {
    key.split_once('/').ok_or_else(|| {
        ProviderError::new(format!(
            "an aws_elastic_beanstalk_application_version is imported by APPLICATION/LABEL, not {key:?}"
        ))
    })
}

/// Describes the given labels of one application in one call; versions of
/// an application that no longer exists are gone too.
async fn describe_versions(
    clients: &Clients,
    application: &str,
    labels: Vec<String>,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let eb = &clients.beanstalk;
    let Some(out) = clients
        .call("elasticbeanstalk", "DescribeApplicationVersions", || {
            eb.describe_application_versions()
                .application_name(application)
                .set_version_labels(Some(labels.clone()))
                .send()
        })
        .await
        .or_gone()?
    else {
        return Ok(BTreeMap::new());
    };
    Ok(out
        .application_versions()
        .iter()
        .filter_map(|v| {
            let label = v.version_label()?.to_string();
            let bundle = v.source_bundle();
            Some((
                format!("{application}/{label}"),
                object([
                    ("id", string(label.clone())),
                    ("name", string(label)),
                    ("application", string(application)),
                    ("bucket", opt_string(bundle.and_then(|b| b.s3_bucket()))),
                    ("key", opt_string(bundle.and_then(|b| b.s3_key()))),
                    (
                        "description",
                        opt_string(v.description().filter(|d| !d.is_empty())),
                    ),
                    ("arn", opt_string(v.application_version_arn())),
                ]),
            ))
        })
        .collect())
}

/// Terraform's check before a delete: a version that environments still
/// run is refused unless `force_delete` is set.
async fn check_unused(
    clients: &Clients,
    application: &str,
    label: &str,
) -> Result<(), ProviderError> {
    let eb = &clients.beanstalk;
    let out = clients
        .call("elasticbeanstalk", "DescribeEnvironments", || {
            eb.describe_environments()
                .application_name(application)
                .version_label(label)
                .include_deleted(false)
                .send()
        })
        .await?;
    let users: Vec<&str> = out
        .environments()
        .iter()
        .filter(|e| e.status() != Some(&EnvironmentStatus::Terminated))
        .filter_map(|e| e.environment_name())
        .collect();
    if users.is_empty() {
        return Ok(());
    }
    Err(ProviderError::new(format!(
        "application version {application}/{label} is in use by the environments {}; deploy another version to them first, or set force_delete = true",
        users.join(", ")
    )))
}

#[async_trait]
impl Managed for ApplicationVersion {
    fn type_name(&self) -> &'static str {
        "aws_elastic_beanstalk_application_version"
    }

    fn noun(&self) -> &'static str {
        "application version"
    }

    /// Terraform keeps only the label in `id`; the import id is
    /// `APPLICATION/LABEL`.
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        let application = super::attribute_text(attributes, "application")?;
        let label = super::attribute_text(attributes, "name")?;
        Some(format!("{application}/{label}"))
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "A deployable version of an Elastic Beanstalk application: a source bundle in S3.",
        )
        .attr(
            AttributeSchema::required("application", AttrType::String)
                .force_new()
                .describe("The application's name."),
        )
        .attr(
            AttributeSchema::required("name", AttrType::String)
                .force_new()
                .describe("The version label, unique in the application."),
        )
        .attr(
            AttributeSchema::required("bucket", AttrType::String)
                .force_new()
                .describe("The S3 bucket holding the source bundle."),
        )
        .attr(
            AttributeSchema::required("key", AttrType::String)
                .force_new()
                .describe("The S3 key of the source bundle."),
        )
        .attr(AttributeSchema::optional("description", AttrType::String).describe("A description."))
        .attr(AttributeSchema::optional("process", AttrType::Bool).default(false).describe("Whether Elastic Beanstalk validates and pre-processes the bundle when the version is created."))
        .attr(AttributeSchema::optional("force_delete", AttrType::Bool).default(false).describe("Whether to delete the version even while environments run it."))
        .attr(tags_attribute())
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The version label."))
        .attr(AttributeSchema::computed("arn", AttrType::String).describe("The version's ARN."))
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        Ok(format!(
            "{}/{}",
            required_str(state, "application")?,
            required_str(state, "name")?
        ))
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&BeanstalkTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    /// `process` (at creation) and `force_delete` (at deletion) only steer
    /// stack; the API never tells them.
    fn kept(&self) -> &'static [&'static str] {
        &["process", "force_delete"]
    }

    /// The steering flags at their default where nothing is known of them
    /// (an import).
    async fn complete(
        &self,
        _clients: &Clients,
        _key: &str,
        value: &mut Value,
        _known: &Value,
    ) -> Result<(), ProviderError> {
        if let Value::Map(map) = value {
            for flag in ["process", "force_delete"] {
                let entry = map.entry(flag.to_string()).or_insert(Value::Null);
                if entry.is_null() {
                    *entry = Value::Bool(false);
                }
            }
        }
        Ok(())
    }

    /// The label is unique in the application: a create whose answer was
    /// lost is found by it.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let application = required_str(planned, "application")?;
        let label = required_str(planned, "name")?;
        let bundle = S3Location::builder()
            .s3_bucket(required_str(planned, "bucket")?)
            .s3_key(required_str(planned, "key")?)
            .build();
        let description = str_attr(planned, "description");
        let process = bool_attr(planned, "process").unwrap_or(false);
        let tags = sdk_tags(&create_tags(planned, request.operation_id));
        let eb = &clients.beanstalk;
        clients
            .create(
                "elasticbeanstalk",
                "CreateApplicationVersion",
                || {
                    eb.create_application_version()
                        .application_name(&application)
                        .version_label(&label)
                        .source_bundle(bundle.clone())
                        .set_description(description.clone())
                        .process(process)
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made {
            key: format!("{application}/{label}"),
            known: vec![("id", string(&label))],
        })
    }

    /// The bundle forces a new version; the description changes in place
    /// (tags by the seam), and `process` and `force_delete` only steer stack.
    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if !changed(prior, planned, "description") {
            return Ok(());
        }
        let (application, label) = split_version(key)?;
        // An empty description is how the API clears it.
        let text = str_attr(planned, "description").unwrap_or_default();
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "UpdateApplicationVersion", || {
                eb.update_application_version()
                    .application_name(application)
                    .version_label(label)
                    .description(&text)
                    .send()
            })
            .await?;
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let (application, label) = split_version(key)?;
        if !bool_attr(prior, "force_delete").unwrap_or(false) {
            check_unused(clients, application, label).await?;
        }
        let eb = &clients.beanstalk;
        // The bundle in S3 belongs to its own aws_s3_object and stays.
        clients
            .call("elasticbeanstalk", "DeleteApplicationVersion", || {
                eb.delete_application_version()
                    .application_name(application)
                    .version_label(label)
                    .delete_source_bundle(false)
                    .send()
            })
            .await
            .gone_ok()
    }

    /// One DescribeApplicationVersions call per application.
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let mut by_application: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for key in keys {
            let (application, label) = split_version(key)?;
            by_application
                .entry(application)
                .or_default()
                .push(label.to_string());
        }
        let mut out = BTreeMap::new();
        for (application, labels) in by_application {
            out.extend(describe_versions(clients, application, labels).await?);
        }
        Ok(out)
    }

    /// By application and label, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        ours_by_name(self, clients, self.key(planned).ok(), operation_id).await
    }
}
