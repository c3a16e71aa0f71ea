//! Elastic Beanstalk: `aws_elastic_beanstalk_application`,
//! `aws_elastic_beanstalk_application_version` (a bundle in S3) and
//! `aws_elastic_beanstalk_environment` (the running application).
//!
//! Environments are asynchronous: creating, updating and terminating one
//! moves it through Launching / Updating / Terminating, and the next change
//! is refused until it is Ready again, so every change waits for it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticbeanstalk::types::{
    ConfigurationOptionSetting, EnvironmentDescription, EnvironmentStatus, EnvironmentTier,
    OptionSpecification, S3Location, Tag,
};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::cloudfront::normalize_blocks;
use super::retry::{Created, Poll};
use super::values::{
    blocks_attr, object, opt_string, partial_state, required_str, str_attr, string, string_map,
    string_map_attr, tags_attribute, timeout, timeouts_block, KeepCreated,
};
use super::{made_by, tags_with_intent, user_tags, AwsError, AwsResource, Clients};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Application),
        Box::new(ApplicationVersion),
        Box::new(Environment),
    ]
}

/// Terraform's default for environment changes; launching one usually takes
/// five to ten minutes.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// The namespace of the environment variables the application sees. Its
/// options are all the user's own (no AWS defaults), so an import keeps them.
const ENVIRONMENT_VARIABLES: &str = "aws:elasticbeanstalk:application:environment";

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
    ) -> Result<BTreeMap<String, (Option<String>, Option<String>)>, ProviderError> {
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
            .filter_map(|a| {
                Some((
                    a.application_name()?.to_string(),
                    (
                        a.application_arn().map(str::to_string),
                        a.description().map(str::to_string),
                    ),
                ))
            })
            .collect())
    }

    async fn state(
        clients: &Clients,
        name: &str,
        arn: Option<String>,
        description: Option<String>,
    ) -> Result<Value, ProviderError> {
        let tags = match &arn {
            Some(arn) => list_tags(clients, arn).await?,
            None => BTreeMap::new(),
        };
        Ok(object([
            ("id", string(name)),
            ("name", string(name)),
            ("arn", opt_string(arn)),
            (
                "description",
                opt_string(description.filter(|d| !d.is_empty())),
            ),
            ("tags", string_map(tags)),
        ]))
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
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let name = required_str(planned, "name")?;
        let description = str_attr(planned, "description");
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
        let app = out.application();
        let arn = app.and_then(|a| a.application_arn()).map(str::to_string);
        let description = app.and_then(|a| a.description()).map(str::to_string);
        let partial = partial_state(planned, [("id", string(&name))]);
        Self::state(clients, &name, arn, description)
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
                    Some((arn, description)) => {
                        Self::state(clients, &name, arn.clone(), description.clone())
                            .await
                            .map(Some)
                    }
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

    async fn read_one(
        clients: &Clients,
        application: &str,
        label: &str,
    ) -> Result<Option<Value>, ProviderError> {
        Ok(
            Self::describe(clients, application, vec![label.to_string()])
                .await?
                .remove(label),
        )
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
        let intent = sdk_tags(&tags_with_intent(BTreeMap::new(), request.operation_id));
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
                        .set_tags(Some(intent.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Self::read_one(clients, &application, &label)
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
        // Everything else forces a new version; only the description changes in place.
        let description = str_attr(planned, "description").unwrap_or_default();
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "UpdateApplicationVersion", || {
                eb.update_application_version()
                    .application_name(&application)
                    .version_label(&label)
                    .description(&description)
                    .send()
            })
            .await?;
        Self::read_one(clients, &application, &label)
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
        Self::read_one(clients, &application, &label).await
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
        currents
            .iter()
            .map(|current| {
                let (Some(app), Some(label)) =
                    (str_attr(current, "application"), str_attr(current, "name"))
                else {
                    return Err(ProviderError::new(
                        "the state of an application version has no application or name",
                    ));
                };
                match found.get(&app) {
                    Some(Ok(versions)) => Ok(versions.get(&label).cloned()),
                    Some(Err(e)) => Err(e.clone()),
                    None => Ok(None),
                }
            })
            .collect()
    }

    /// Imports `APPLICATION/LABEL`.
    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        let Some((application, label)) = id.split_once('/') else {
            return Err(ProviderError::new(format!(
                "an aws_elastic_beanstalk_application_version is imported by APPLICATION/LABEL, not {id:?}"
            )));
        };
        Self::read_one(clients, application, label).await
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
        let found = Self::read_one(clients, &application, &label).await?;
        made_here(clients, found, operation_id).await
    }
}

// ---------------------------------------------------------------------------
// aws_elastic_beanstalk_environment
// ---------------------------------------------------------------------------

struct Environment;

/// One `setting` block: an option of the environment's configuration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Setting {
    namespace: String,
    name: String,
    resource: Option<String>,
    value: String,
}

impl Setting {
    fn key(&self) -> (String, String, Option<String>) {
        (
            self.namespace.clone(),
            self.name.clone(),
            self.resource.clone(),
        )
    }

    fn from_value(v: &Value) -> Option<Setting> {
        Some(Setting {
            namespace: str_attr(v, "namespace")?,
            name: str_attr(v, "name")?,
            resource: str_attr(v, "resource"),
            value: str_attr(v, "value").unwrap_or_default(),
        })
    }

    fn to_value(&self) -> Value {
        object([
            ("namespace", string(&self.namespace)),
            ("name", string(&self.name)),
            ("resource", opt_string(self.resource.clone())),
            ("value", string(&self.value)),
        ])
    }

    fn to_sdk(&self) -> ConfigurationOptionSetting {
        ConfigurationOptionSetting::builder()
            .namespace(&self.namespace)
            .option_name(&self.name)
            .set_resource_name(self.resource.clone())
            .value(&self.value)
            .build()
    }
}

fn settings_of(value: &Value) -> BTreeSet<Setting> {
    blocks_attr(value, "setting")
        .iter()
        .filter_map(Setting::from_value)
        .collect()
}

fn tier_of(name: &str) -> EnvironmentTier {
    let kind = if name == "Worker" {
        "SQS/HTTP"
    } else {
        "Standard"
    };
    EnvironmentTier::builder()
        .name(name)
        .r#type(kind)
        .version("1.0")
        .build()
}

/// What one look at a changing environment means: Ready ends the wait,
/// Terminated fails it (AWS gave up launching), anything else is progress.
fn poll_ready(id: &str, status: Option<&EnvironmentStatus>) -> Result<Poll<()>, ProviderError> {
    match status {
        Some(EnvironmentStatus::Ready) => Ok(Poll::Ready(())),
        Some(EnvironmentStatus::Terminated) => Err(ProviderError::new(format!(
            "Elastic Beanstalk environment {id} was terminated while launching; see its events in the console"
        ))),
        status => Ok(Poll::Pending(
            status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        )),
    }
}

impl Environment {
    async fn describe_by(
        clients: &Clients,
        ids: Vec<String>,
        names: Vec<String>,
    ) -> Result<Vec<EnvironmentDescription>, ProviderError> {
        let eb = &clients.beanstalk;
        let out = clients
            .call("elasticbeanstalk", "DescribeEnvironments", || {
                eb.describe_environments()
                    .set_environment_ids((!ids.is_empty()).then(|| ids.clone()))
                    .set_environment_names((!names.is_empty()).then(|| names.clone()))
                    .include_deleted(false)
                    .send()
            })
            .await?;
        // Terminated environments stay listed for a while; they are gone.
        Ok(out
            .environments()
            .iter()
            .filter(|e| e.status() != Some(&EnvironmentStatus::Terminated))
            .cloned()
            .collect())
    }

    /// The live environment `name` of `application` that the create with
    /// `operation_id` made, if any (by its intent tag: an environment of the
    /// same name without it is someone else's).
    async fn find_made(
        clients: &Clients,
        application: &str,
        name: &str,
        operation_id: &str,
    ) -> Result<Option<EnvironmentDescription>, ProviderError> {
        let found = Self::describe_by(clients, Vec::new(), vec![name.to_string()]).await?;
        let Some(env) = found
            .into_iter()
            .find(|e| e.application_name() == Some(application))
        else {
            return Ok(None);
        };
        let tags = match env.environment_arn() {
            Some(arn) => list_all_tags(clients, arn).await?,
            None => BTreeMap::new(),
        };
        Ok(made_by(&tags, operation_id).then_some(env))
    }

    /// The id of what [`Environment::find_made`] finds.
    async fn find_id(
        clients: &Clients,
        application: &str,
        name: &str,
        operation_id: &str,
    ) -> Result<Option<String>, ProviderError> {
        let env = Self::find_made(clients, application, name, operation_id).await?;
        Ok(env.and_then(|e| e.environment_id().map(str::to_string)))
    }

    async fn describe_one(
        clients: &Clients,
        id: &str,
    ) -> Result<Option<EnvironmentDescription>, ProviderError> {
        Ok(Self::describe_by(clients, vec![id.to_string()], Vec::new())
            .await?
            .into_iter()
            .next())
    }

    /// Builds the state from a description, with the settings the user
    /// manages: those named in `known` (the prior state or the plan), or on
    /// import the environment variables. AWS reports hundreds of default
    /// options that are not the user's.
    async fn state(
        clients: &Clients,
        env: &EnvironmentDescription,
        known: &Value,
    ) -> Result<Value, ProviderError> {
        let application = env.application_name().unwrap_or_default().to_string();
        let name = env.environment_name().unwrap_or_default().to_string();
        let eb = &clients.beanstalk;
        let configuration = clients
            .call("elasticbeanstalk", "DescribeConfigurationSettings", || {
                eb.describe_configuration_settings()
                    .application_name(&application)
                    .environment_name(&name)
                    .send()
            })
            .await?;
        let managed: BTreeSet<(String, String)> = settings_of(known)
            .into_iter()
            .map(|s| (s.namespace, s.name))
            .collect();
        let importing = known.get_attr("setting").is_none();
        let settings: Vec<Value> = configuration
            .configuration_settings()
            .iter()
            .flat_map(|c| c.option_settings())
            .filter_map(|o| {
                let setting = Setting {
                    namespace: o.namespace()?.to_string(),
                    name: o.option_name()?.to_string(),
                    resource: o.resource_name().map(str::to_string),
                    value: o.value().unwrap_or_default().to_string(),
                };
                let wanted = if importing {
                    setting.namespace == ENVIRONMENT_VARIABLES
                } else {
                    managed.contains(&(setting.namespace.clone(), setting.name.clone()))
                };
                wanted.then(|| setting.to_value())
            })
            .collect();
        let tags = match env.environment_arn() {
            Some(arn) => list_tags(clients, arn).await?,
            None => BTreeMap::new(),
        };
        Ok(object([
            ("id", opt_string(env.environment_id())),
            ("name", string(name)),
            ("application", string(application)),
            ("solution_stack_name", opt_string(env.solution_stack_name())),
            ("version_label", opt_string(env.version_label())),
            (
                "description",
                opt_string(env.description().filter(|d| !d.is_empty())),
            ),
            (
                "tier",
                string(env.tier().and_then(|t| t.name()).unwrap_or("WebServer")),
            ),
            ("cname", string(env.cname().unwrap_or_default())),
            (
                "endpoint_url",
                string(env.endpoint_url().unwrap_or_default()),
            ),
            ("arn", opt_string(env.environment_arn())),
            ("status", opt_string(env.status().map(|s| s.as_str()))),
            ("setting", Value::set_from(settings)),
            ("tags", string_map(tags)),
            (
                "timeouts",
                known.get_attr("timeouts").cloned().unwrap_or(Value::Null),
            ),
        ]))
    }

    /// Waits until the environment is Ready, showing its status meanwhile.
    async fn wait_ready(
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        limit: Duration,
    ) -> Result<EnvironmentDescription, ProviderError> {
        let progress = progress_of(request);
        clients
            .wait(
                &format!("Elastic Beanstalk environment {id} to be Ready"),
                limit,
                &progress,
                || async {
                    let eb = &clients.beanstalk;
                    let out = clients
                        .call("elasticbeanstalk", "DescribeEnvironments", || {
                            eb.describe_environments().environment_ids(id).send()
                        })
                        .await?;
                    let Some(env) = out.environments().first() else {
                        return Err(ProviderError::new(format!(
                            "Elastic Beanstalk environment {id} disappeared"
                        )));
                    };
                    Ok(match poll_ready(id, env.status())? {
                        Poll::Ready(()) => Poll::Ready(env.clone()),
                        Poll::Pending(status) => Poll::Pending(status),
                    })
                },
            )
            .await
    }
}

#[async_trait]
impl AwsResource for Environment {
    fn type_name(&self) -> &'static str {
        "aws_elastic_beanstalk_environment"
    }

    fn schema(&self) -> Schema {
        Schema::new("An Elastic Beanstalk environment: a running version of an application.")
            .attr(AttributeSchema::required("name", AttrType::String).force_new().describe("The environment's name, unique in the account and region."))
            .attr(AttributeSchema::required("application", AttrType::String).force_new().describe("The application's name."))
            .attr(AttributeSchema::required("solution_stack_name", AttrType::String).describe("The platform, e.g. \"64bit Amazon Linux 2023 v4.6.0 running Python 3.11\"."))
            .attr(AttributeSchema::optional_computed("version_label", AttrType::String).describe("The application version to deploy; left out, whatever is deployed stays."))
            .attr(AttributeSchema::optional("description", AttrType::String).describe("A description."))
            .attr(AttributeSchema::optional("tier", AttrType::String).default("WebServer").force_new().describe("WebServer or Worker."))
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The environment id, e-xxxxxxxxxx."))
            .attr(AttributeSchema::computed("cname", AttrType::String).describe("The environment's DNS name (none for Worker environments)."))
            .attr(AttributeSchema::computed("endpoint_url", AttrType::String).describe("The load balancer's URL."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The environment's ARN."))
            .attr(AttributeSchema::computed("status", AttrType::String).describe("Launching, Updating, Ready, Terminating or Terminated."))
            .block(BlockSchema {
                name: "setting",
                nesting: Nesting::Set,
                min_items: 0,
                max_items: None,
                force_new: false,
                schema: Schema::new("A configuration option of the environment.")
                    .attr(AttributeSchema::required("namespace", AttrType::String).describe("The option's namespace, e.g. aws:elasticbeanstalk:application:environment."))
                    .attr(AttributeSchema::required("name", AttrType::String).describe("The option's name."))
                    .attr(AttributeSchema::required("value", AttrType::String).describe("The option's value."))
                    .attr(AttributeSchema::optional("resource", AttrType::String).describe("The resource the option applies to, for options that need one.")),
            })
            .block(timeouts_block())
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let config = normalize_blocks(schema, request.config);
        let mut response = plan_by_schema(schema, request.prior, &config);
        if let (Some(prior), Value::Map(map)) = (request.prior, &mut response.planned) {
            // A change is an UpdateEnvironment, after which the status is
            // whatever the deployment ends in.
            let changed = [
                "solution_stack_name",
                "version_label",
                "description",
                "setting",
            ]
            .iter()
            .any(|a| {
                !engine::provider::values_equal(
                    map.get(*a).unwrap_or(&Value::Null),
                    prior.get_attr(a).unwrap_or(&Value::Null),
                )
            });
            if changed && response.requires_replace.is_empty() {
                map.insert("status".into(), Value::Unknown);
            }
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
        let application = required_str(planned, "application")?;
        let tier = str_attr(planned, "tier").unwrap_or_else(|| "WebServer".to_string());
        let settings: Vec<ConfigurationOptionSetting> =
            settings_of(planned).iter().map(Setting::to_sdk).collect();
        let tags = tags_with_intent(string_map_attr(planned, "tags"), request.operation_id);
        let stack = required_str(planned, "solution_stack_name")?;
        let version = str_attr(planned, "version_label");
        let description = str_attr(planned, "description");
        let eb = &clients.beanstalk;
        // The environment name is the idempotency key: AWS refuses a second
        // environment of the same name, and a create whose answer was lost
        // is found by it.
        let id = clients
            .create(
                "elasticbeanstalk",
                "CreateEnvironment",
                || {
                    eb.create_environment()
                        .application_name(&application)
                        .environment_name(&name)
                        .solution_stack_name(&stack)
                        .set_version_label(version.clone())
                        .set_description(description.clone())
                        .tier(tier_of(&tier))
                        .set_option_settings((!settings.is_empty()).then(|| settings.clone()))
                        .set_tags(Some(sdk_tags(&tags)))
                        .send()
                },
                || Self::find_id(clients, &application, &name, request.operation_id),
            )
            .await?
            .found_or(|out| out.environment_id().map(str::to_string))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "CreateEnvironment for {name} returned no environment id"
                ))
            })?;
        let limit = timeout(planned, "create", DEFAULT_TIMEOUT);
        let partial = partial_state(planned, [("id", string(&id))]);
        let env = Self::wait_ready(clients, request, &id, limit)
            .await
            .keep_created(&partial)?;
        Self::state(clients, &env, planned)
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
        let id = required_str(prior, "id")?;
        let limit = timeout(planned, "update", DEFAULT_TIMEOUT);
        let before = settings_of(prior);
        let after = settings_of(planned);
        let changed: Vec<ConfigurationOptionSetting> =
            after.difference(&before).map(Setting::to_sdk).collect();
        let kept: BTreeSet<_> = after.iter().map(Setting::key).collect();
        let removed: Vec<OptionSpecification> = before
            .iter()
            .filter(|s| !kept.contains(&s.key()))
            .map(|s| {
                OptionSpecification::builder()
                    .namespace(&s.namespace)
                    .option_name(&s.name)
                    .set_resource_name(s.resource.clone())
                    .build()
            })
            .collect();
        let differs = |name: &str| str_attr(planned, name) != str_attr(prior, name);
        let stack = differs("solution_stack_name")
            .then(|| str_attr(planned, "solution_stack_name"))
            .flatten();
        let version = differs("version_label")
            .then(|| str_attr(planned, "version_label"))
            .flatten();
        // An empty description is how the API clears it.
        let description =
            differs("description").then(|| str_attr(planned, "description").unwrap_or_default());
        if stack.is_some()
            || version.is_some()
            || description.is_some()
            || !changed.is_empty()
            || !removed.is_empty()
        {
            // AWS refuses an update while another one is in progress.
            Self::wait_ready(clients, request, &id, limit).await?;
            let eb = &clients.beanstalk;
            clients
                .call("elasticbeanstalk", "UpdateEnvironment", || {
                    eb.update_environment()
                        .environment_id(&id)
                        .set_solution_stack_name(stack.clone())
                        .set_version_label(version.clone())
                        .set_description(description.clone())
                        .set_option_settings((!changed.is_empty()).then(|| changed.clone()))
                        .set_options_to_remove((!removed.is_empty()).then(|| removed.clone()))
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
        let env = Self::wait_ready(clients, request, &id, limit).await?;
        Self::state(clients, &env, planned).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = prior(request)?;
        let id = required_str(prior, "id")?;
        let limit = timeout(prior, "delete", DEFAULT_TIMEOUT);
        if Self::describe_one(clients, &id).await?.is_none() {
            return Ok(());
        }
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "TerminateEnvironment", || {
                eb.terminate_environment().environment_id(&id).send()
            })
            .await?;
        let progress = progress_of(request);
        clients
            .wait(
                &format!("Elastic Beanstalk environment {id} to terminate"),
                limit,
                &progress,
                || async {
                    let out = clients
                        .call("elasticbeanstalk", "DescribeEnvironments", || {
                            eb.describe_environments().environment_ids(&id).send()
                        })
                        .await?;
                    Ok(match out.environments().first().and_then(|e| e.status()) {
                        None | Some(EnvironmentStatus::Terminated) => Poll::Ready(()),
                        Some(status) => Poll::Pending(status.as_str().to_string()),
                    })
                },
            )
            .await
    }

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let found = match str_attr(current, "id") {
            Some(id) => Self::describe_one(clients, &id).await?,
            // A create that failed while waiting (or whose answer was lost)
            // leaves a state without an id: the environment is found by its
            // name, which AWS keeps unique among live environments.
            None => Self::describe_by(clients, Vec::new(), vec![required_str(current, "name")?])
                .await?
                .into_iter()
                .find(|e| e.application_name() == str_attr(current, "application").as_deref()),
        };
        match found {
            Some(env) => Self::state(clients, &env, current).await.map(Some),
            None => Ok(None),
        }
    }

    /// One DescribeEnvironments call for all environments; their settings
    /// and tags still take a call each, as the API has no batch form.
    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let ids: Vec<String> = currents.iter().filter_map(|c| str_attr(c, "id")).collect();
        let found = if ids.is_empty() {
            Vec::new()
        } else {
            match Self::describe_by(clients, ids, Vec::new()).await {
                Ok(found) => found,
                Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
            }
        };
        let mut out = Vec::with_capacity(currents.len());
        for current in currents {
            let id = str_attr(current, "id");
            if id.is_none() {
                // Found by name instead; see `read`.
                out.push(self.read(clients, current).await);
                continue;
            }
            let env = found
                .iter()
                .find(|e| e.environment_id().is_some() && e.environment_id() == id.as_deref());
            out.push(match env {
                Some(env) => Self::state(clients, env, current).await.map(Some),
                None => Ok(None),
            });
        }
        out
    }

    /// Imports by environment id (e-xxxxxxxxxx) or by name.
    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        let found = if id.starts_with("e-") {
            Self::describe_by(clients, vec![id.to_string()], Vec::new()).await?
        } else {
            Self::describe_by(clients, Vec::new(), vec![id.to_string()]).await?
        };
        match found.first() {
            Some(env) => Self::state(clients, env, &Value::Null).await.map(Some),
            None => Ok(None),
        }
    }

    /// By name within the application, which AWS keeps unique among live
    /// environments, and the intent tag the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let application = required_str(planned, "application")?;
        let name = required_str(planned, "name")?;
        match Self::find_made(clients, &application, &name, operation_id).await? {
            Some(env) => Self::state(clients, &env, planned).await.map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[tokio::test]
    async fn waiting_for_an_environment_reports_each_status_until_ready() {
        let statuses = RefCell::new(
            vec![
                EnvironmentStatus::Launching,
                EnvironmentStatus::Launching,
                EnvironmentStatus::Updating,
                EnvironmentStatus::Ready,
            ]
            .into_iter(),
        );
        let seen = RefCell::new(Vec::new());
        let result: Result<(), ProviderError> = super::super::retry::wait_until(
            "the environment",
            Duration::from_secs(60),
            Duration::from_secs(5),
            || {
                let status = statuses.borrow_mut().next();
                async move { poll_ready("e-1234567890", status.as_ref()) }
            },
            |_| std::future::ready(()),
            &|s| seen.borrow_mut().push(s.to_string()),
            ProviderError::new,
        )
        .await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(*seen.borrow(), ["Launching", "Updating"]);
    }

    #[test]
    fn an_environment_terminated_while_launching_fails_the_wait() {
        let error = poll_ready("e-1234567890", Some(&EnvironmentStatus::Terminated))
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            error.contains("e-1234567890") && error.contains("terminated"),
            "{error}"
        );
    }

    #[test]
    fn settings_are_compared_by_namespace_name_and_resource() {
        let a = Setting {
            namespace: ENVIRONMENT_VARIABLES.into(),
            name: "A".into(),
            resource: None,
            value: "1".into(),
        };
        let changed = Setting {
            value: "2".into(),
            ..a.clone()
        };
        assert_eq!(a.key(), changed.key());
        assert_ne!(a, changed);
        assert_eq!(Setting::from_value(&a.to_value()), Some(a));
    }
}
