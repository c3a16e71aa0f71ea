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
use super::retry::Created;
use super::values::{
    bool_attr, object, opt_string, partial_state, required_str, str_attr, string, string_map,
    string_map_attr, tags_attribute, KeepCreated,
};
use super::{tags_with_intent, user_tags, AwsError, AwsResource, Clients};

mod environment;
mod lifecycle;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Application),
        Box::new(ApplicationVersion),
        Box::new(environment::Environment),
    ]
}

use super::values::{planned, prior};

fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The user's tags of a resource (see [`user_tags`]).
async fn list_tags(clients: &Clients, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    Ok(user_tags(list_all_tags(clients, arn).await?))
}

/// `state` if our create made it (see [`super::made_here`]).
async fn made_here(
    clients: &Clients,
    state: Option<Value>,
    operation_id: &str,
) -> Result<Option<Value>, ProviderError> {
    super::made_here(state, operation_id, |arn| async move {
        list_all_tags(clients, &arn).await
    })
    .await
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

async fn update_tags(
    clients: &Clients,
    arn: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let removed: Vec<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let added: BTreeMap<String, String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if removed.is_empty() && added.is_empty() {
        return Ok(());
    }
    let eb = &clients.beanstalk;
    clients
        .call("elasticbeanstalk", "UpdateTagsForResource", || {
            eb.update_tags_for_resource()
                .resource_arn(arn)
                .set_tags_to_add((!added.is_empty()).then(|| sdk_tags(&added)))
                .set_tags_to_remove((!removed.is_empty()).then(|| removed.clone()))
                .send()
        })
        .await?;
    Ok(())
}

fn progress_of<'a>(request: &'a ApplyRequest<'_>) -> impl Fn(&str) + 'a {
    move |status: &str| {
        if let Some(sink) = &request.progress {
            sink(status);
        }
    }
}

// ---------------------------------------------------------------------------
// aws_elastic_beanstalk_application
// ---------------------------------------------------------------------------

struct Application;

impl Application {
    /// Describes many applications in one call.
    async fn describe(
        clients: &Clients,
        names: Vec<String>,
    ) -> Result<BTreeMap<String, ApplicationDescription>, ProviderError> {
        let eb = &clients.beanstalk;
        let out = clients
            .call("elasticbeanstalk", "DescribeApplications", || {
                eb.describe_applications()
                    .set_application_names(Some(names.clone()))
                    .send()
            })
            .await?;
        Ok(out
            .applications()
            .iter()
            .filter_map(|a| Some((a.application_name()?.to_string(), a.clone())))
            .collect())
    }

    async fn state(
        clients: &Clients,
        app: &ApplicationDescription,
    ) -> Result<Value, ProviderError> {
        let name = app.application_name().unwrap_or_default();
        let tags = match app.application_arn() {
            Some(arn) => list_tags(clients, arn).await?,
            None => BTreeMap::new(),
        };
        Ok(object([
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
            ("tags", string_map(tags)),
        ]))
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
}

#[async_trait]
impl AwsResource for Application {
    fn type_name(&self) -> &'static str {
        "aws_elastic_beanstalk_application"
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

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let name = required_str(planned, "name")?;
        let description = str_attr(planned, "description");
        let lifecycle = lifecycle::of(planned).map(|b| lifecycle::to_sdk(Some(b), None));
        let tags = tags_with_intent(string_map_attr(planned, "tags"), request.operation_id);
        let eb = &clients.beanstalk;
        // The user-chosen name makes the create idempotent in effect: a
        // second attempt fails with "already exists" instead of duplicating,
        // and a create whose answer was lost is found by it.
        let created = clients
            .create(
                "elasticbeanstalk",
                "CreateApplication",
                || {
                    eb.create_application()
                        .application_name(&name)
                        .set_description(description.clone())
                        .set_resource_lifecycle_config(lifecycle.clone())
                        .set_tags(Some(sdk_tags(&tags)))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        let out = match created {
            Created::Sent(out) => out,
            Created::Found(state) => return Ok(state),
        };
        let partial = partial_state(planned, [("id", string(&name))]);
        let Some(app) = out.application() else {
            return Err(ProviderError::new(format!(
                "CreateApplication for {name} returned no application"
            ))
            .with_partial_state(partial));
        };
        Self::state(clients, app).await.keep_created(&partial)
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let prior = prior(request)?;
        let name = required_str(prior, "name")?;
        let eb = &clients.beanstalk;
        let description = str_attr(planned, "description");
        if description != str_attr(prior, "description") {
            // An empty description is how the API clears it.
            let text = description.clone().unwrap_or_default();
            clients
                .call("elasticbeanstalk", "UpdateApplication", || {
                    eb.update_application()
                        .application_name(&name)
                        .description(&text)
                        .send()
                })
                .await?;
        }
        Self::update_lifecycle(clients, &name, prior, planned).await?;
        if let Some(arn) = str_attr(prior, "arn") {
            update_tags(
                clients,
                &arn,
                &string_map_attr(prior, "tags"),
                &string_map_attr(planned, "tags"),
            )
            .await?;
        }
        self.read(clients, prior).await?.ok_or_else(|| {
            ProviderError::new(format!("application {name} vanished during its update"))
        })
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let name = required_str(prior(request)?, "name")?;
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "DeleteApplication", || {
                eb.delete_application().application_name(&name).send()
            })
            .await?;
        Ok(())
    }

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        self.read_many(clients, &[current])
            .await
            .pop()
            .unwrap_or(Ok(None))
    }

    /// One DescribeApplications call for every application refreshed.
    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let names: Vec<Option<String>> = currents.iter().map(|c| str_attr(c, "name")).collect();
        let wanted: Vec<String> = names.iter().flatten().cloned().collect();
        let found = match Self::describe(clients, wanted).await {
            Ok(found) => found,
            Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut out = Vec::with_capacity(currents.len());
        for name in names {
            out.push(match name {
                None => Err(ProviderError::new(
                    "the state of an application has no name",
                )),
                Some(name) => match found.get(&name) {
                    None => Ok(None),
                    Some(app) => Self::state(clients, app).await.map(Some),
                },
            });
        }
        out
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        self.read(clients, &object([("name", string(id))])).await
    }

    /// By the user-chosen name, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        made_here(clients, self.read(clients, planned).await?, operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_elastic_beanstalk_application_version
// ---------------------------------------------------------------------------

struct ApplicationVersion;

impl ApplicationVersion {
    /// Describes the given labels of one application in one call.
    async fn describe(
        clients: &Clients,
        application: &str,
        labels: Vec<String>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let eb = &clients.beanstalk;
        let out = clients
            .call("elasticbeanstalk", "DescribeApplicationVersions", || {
                eb.describe_application_versions()
                    .application_name(application)
                    .set_version_labels(Some(labels.clone()))
                    .send()
            })
            .await;
        let out = match out {
            Ok(out) => out,
            // Versions of an application that no longer exists are gone too.
            Err(e) if e.is_not_found() => return Ok(BTreeMap::new()),
            Err(e) => return Err(e.into()),
        };
        Ok(out
            .application_versions()
            .iter()
            .filter_map(|v| {
                let label = v.version_label()?.to_string();
                let bundle = v.source_bundle();
                Some((
                    label.clone(),
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

    /// One version, completed by [`ApplicationVersion::complete`].
    async fn read_one(
        clients: &Clients,
        application: &str,
        label: &str,
        known: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let found = Self::describe(clients, application, vec![label.to_string()])
            .await?
            .remove(label);
        match found {
            Some(described) => Self::complete(clients, described, known).await.map(Some),
            None => Ok(None),
        }
    }

    /// Adds to what DescribeApplicationVersions told the version's tags and,
    /// from `known` (the prior state or the plan), the arguments that only
    /// steer stack (`process` at creation, `force_delete` at deletion).
    async fn complete(
        clients: &Clients,
        mut described: Value,
        known: &Value,
    ) -> Result<Value, ProviderError> {
        let tags = match str_attr(&described, "arn") {
            Some(arn) => list_tags(clients, &arn).await?,
            None => BTreeMap::new(),
        };
        if let Value::Map(map) = &mut described {
            map.insert("tags".into(), string_map(tags));
            for flag in ["process", "force_delete"] {
                let value = bool_attr(known, flag).unwrap_or(false);
                map.insert(flag.into(), Value::Bool(value));
            }
        }
        Ok(described)
    }

    /// Terraform's check before a delete: a version that environments
    /// still run is refused unless `force_delete` is set.
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
}

#[async_trait]
impl AwsResource for ApplicationVersion {
    /// Terraform keeps only the label in `id`; the import id is
    /// `APPLICATION/LABEL`.
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        let application = super::attribute_text(attributes, "application")?;
        let label = super::attribute_text(attributes, "name")?;
        Some(format!("{application}/{label}"))
    }

    fn type_name(&self) -> &'static str {
        "aws_elastic_beanstalk_application_version"
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

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let application = required_str(planned, "application")?;
        let label = required_str(planned, "name")?;
        let bundle = S3Location::builder()
            .s3_bucket(required_str(planned, "bucket")?)
            .s3_key(required_str(planned, "key")?)
            .build();
        let description = str_attr(planned, "description");
        let process = bool_attr(planned, "process").unwrap_or(false);
        let tags = sdk_tags(&tags_with_intent(
            string_map_attr(planned, "tags"),
            request.operation_id,
        ));
        let eb = &clients.beanstalk;
        // The label is unique in the application: a create whose answer was
        // lost is found by it.
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
        Self::read_one(clients, &application, &label, planned)
            .await?
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "application version {application}/{label} vanished after its creation"
                ))
            })
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let prior = prior(request)?;
        let application = required_str(prior, "application")?;
        let label = required_str(prior, "name")?;
        // The bundle forces a new version; the description and tags change
        // in place, and `process` and `force_delete` only steer stack.
        let description = str_attr(planned, "description");
        let eb = &clients.beanstalk;
        if description != str_attr(prior, "description") {
            // An empty description is how the API clears it.
            let text = description.unwrap_or_default();
            clients
                .call("elasticbeanstalk", "UpdateApplicationVersion", || {
                    eb.update_application_version()
                        .application_name(&application)
                        .version_label(&label)
                        .description(&text)
                        .send()
                })
                .await?;
        }
        if let Some(arn) = str_attr(prior, "arn") {
            update_tags(
                clients,
                &arn,
                &string_map_attr(prior, "tags"),
                &string_map_attr(planned, "tags"),
            )
            .await?;
        }
        Self::read_one(clients, &application, &label, planned)
            .await?
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "application version {application}/{label} vanished during its update"
                ))
            })
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = prior(request)?;
        let application = required_str(prior, "application")?;
        let label = required_str(prior, "name")?;
        if !bool_attr(prior, "force_delete").unwrap_or(false) {
            Self::check_unused(clients, &application, &label).await?;
        }
        let eb = &clients.beanstalk;
        // The bundle in S3 belongs to its own aws_s3_object and stays.
        match clients
            .call("elasticbeanstalk", "DeleteApplicationVersion", || {
                eb.delete_application_version()
                    .application_name(&application)
                    .version_label(&label)
                    .delete_source_bundle(false)
                    .send()
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
        let application = required_str(current, "application")?;
        let label = required_str(current, "name")?;
        Self::read_one(clients, &application, &label, current).await
    }

    /// One DescribeApplicationVersions call per application.
    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut by_application: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for current in currents {
            if let (Some(app), Some(label)) =
                (str_attr(current, "application"), str_attr(current, "name"))
            {
                by_application.entry(app).or_default().push(label);
            }
        }
        let mut found: BTreeMap<String, Result<BTreeMap<String, Value>, ProviderError>> =
            BTreeMap::new();
        for (app, labels) in by_application {
            let result = Self::describe(clients, &app, labels).await;
            found.insert(app, result);
        }
        let mut out = Vec::with_capacity(currents.len());
        for current in currents {
            let (Some(app), Some(label)) =
                (str_attr(current, "application"), str_attr(current, "name"))
            else {
                out.push(Err(ProviderError::new(
                    "the state of an application version has no application or name",
                )));
                continue;
            };
            out.push(match found.get(&app) {
                Some(Ok(versions)) => match versions.get(&label) {
                    Some(described) => Self::complete(clients, described.clone(), current)
                        .await
                        .map(Some),
                    None => Ok(None),
                },
                Some(Err(e)) => Err(e.clone()),
                None => Ok(None),
            });
        }
        out
    }

    /// Imports `APPLICATION/LABEL`.
    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        let Some((application, label)) = id.split_once('/') else {
            return Err(ProviderError::new(format!(
                "an aws_elastic_beanstalk_application_version is imported by APPLICATION/LABEL, not {id:?}"
            )));
        };
        Self::read_one(clients, application, label, &Value::Null).await
    }

    /// By application and label, which AWS keeps unique, and the intent tag
    /// the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let application = required_str(planned, "application")?;
        let label = required_str(planned, "name")?;
        let found = Self::read_one(clients, &application, &label, planned).await?;
        made_here(clients, found, operation_id).await
    }
}
