//! `aws_elastic_beanstalk_environment`: a running version of an
//! application, with the arguments and attributes of Terraform's AWS
//! provider: the platform named by a solution stack, a platform ARN or a
//! saved configuration template; `cname_prefix`; `wait_for_ready_timeout`
//! and `poll_interval`; the computed `all_settings` and the resources
//! Elastic Beanstalk made for the environment (DescribeEnvironmentResources).
//!
//! Environments are asynchronous: creating, updating and terminating one
//! moves it through Launching / Updating / Terminating, and the next change
//! is refused until it is Ready again, so every change waits for it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticbeanstalk::types::{
    ConfigurationOptionSetting, EnvironmentDescription, EnvironmentResourceDescription,
    EnvironmentStatus, EnvironmentTier, OptionSpecification,
};
use engine::builtin::time::parse_duration;
use engine::diagnostics::Diagnostic;
use engine::provider::{
    plan_by_schema, values_equal, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting,
    PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::super::cloudfront::normalize_blocks;
use super::super::managed::{create_tags, Made, Managed, Tagging};
use super::super::retry::{wait_until, Poll};
use super::super::values::{
    blocks_attr, object, opt_string, required_str, str_attr, string, string_list, tags_attribute,
    timeouts_block,
};
use super::super::{made_by, AwsError, Clients};
use super::{list_all_tags, progress_of, sdk_tags, BeanstalkTags};

pub(super) struct Environment;

/// Terraform's default `wait_for_ready_timeout`; launching an environment
/// usually takes five to ten minutes.
const DEFAULT_WAIT: &str = "20m";
/// The namespace of the environment variables the application sees. Its
/// options are all the user's own (no AWS defaults), so an import keeps them.
const ENVIRONMENT_VARIABLES: &str = "aws:elasticbeanstalk:application:environment";
/// The three ways to name the platform; AWS takes exactly one.
const PLATFORM_ARGUMENTS: [&str; 3] = ["solution_stack_name", "platform_arn", "template_name"];
/// The bounds Terraform puts on `poll_interval`.
const POLL_INTERVAL_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(10), Duration::from_secs(180));
/// What an update changes besides the arguments themselves: the status the
/// deployment ends in and the configuration AWS derives from the settings.
const CHANGED_BY_AN_UPDATE: [&str; 2] = ["status", "all_settings"];

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

    /// The setting as an element of `all_settings`: a map of strings, with
    /// `resource` only where the option has one.
    fn to_attribute(&self) -> Value {
        let mut pairs = vec![
            ("namespace", string(&self.namespace)),
            ("name", string(&self.name)),
            ("value", string(&self.value)),
        ];
        if let Some(resource) = &self.resource {
            pairs.push(("resource", string(resource)));
        }
        object(pairs)
    }

    fn to_removal(&self) -> OptionSpecification {
        OptionSpecification::builder()
            .namespace(&self.namespace)
            .option_name(&self.name)
            .set_resource_name(self.resource.clone())
            .build()
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

/// The settings the user manages: those named in `known` (the prior state
/// or the plan), or on import the environment variables. AWS reports
/// hundreds of default options that are not the user's.
fn user_settings(options: &[Setting], known: &Value) -> Vec<Value> {
    let managed: BTreeSet<(String, String)> = settings_of(known)
        .into_iter()
        .map(|s| (s.namespace, s.name))
        .collect();
    let importing = known.get_attr("setting").is_none();
    options
        .iter()
        .filter(|s| {
            if importing {
                s.namespace == ENVIRONMENT_VARIABLES
            } else {
                managed.contains(&(s.namespace.clone(), s.name.clone()))
            }
        })
        .map(Setting::to_value)
        .collect()
}

/// How long to wait for an environment and how often to look: the
/// `timeouts` block's value for the operation when set, else
/// `wait_for_ready_timeout` (Terraform's argument, default 20m); and
/// `poll_interval`, else the provider's interval.
fn wait_policy(clients: &Clients, config: &Value, operation: &str) -> (Duration, Duration) {
    let limit = config
        .get_attr("timeouts")
        .and_then(|t| str_attr(t, operation))
        .or_else(|| str_attr(config, "wait_for_ready_timeout"))
        .and_then(|text| parse_duration(&text).ok())
        .or_else(|| parse_duration(DEFAULT_WAIT).ok())
        .unwrap_or(Duration::from_secs(20 * 60));
    let interval = str_attr(config, "poll_interval")
        .and_then(|text| parse_duration(&text).ok())
        .unwrap_or(clients.poll_interval);
    (limit, interval)
}

/// Terraform's checks of the environment's arguments, as plan errors.
/// `creating` adds AWS's rule that a new environment names its platform.
fn check_arguments(config: &Value, creating: bool) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let named: Vec<&str> = PLATFORM_ARGUMENTS
        .into_iter()
        .filter(|a| config.get_attr(a).is_some_and(|v| !v.is_null()))
        .collect();
    if named.len() > 1 {
        errors.push(Diagnostic::error(
            "Conflicting arguments",
            format!(
                "Only one of solution_stack_name, platform_arn and template_name may be set in an aws_elastic_beanstalk_environment, not {}. Keep the one that names the platform.",
                named.join(" and ")
            ),
        ));
    }
    if creating && named.is_empty() {
        errors.push(Diagnostic::error(
            "Missing platform",
            "An aws_elastic_beanstalk_environment needs one of solution_stack_name, platform_arn or template_name to be created.",
        ));
    }
    let tier = str_attr(config, "tier");
    if let Some(tier) = tier
        .as_deref()
        .filter(|t| !["WebServer", "Worker"].contains(t))
    {
        errors.push(Diagnostic::error(
            "Invalid tier",
            format!("{tier:?} is not a valid tier. Valid options are WebServer or Worker."),
        ));
    }
    if tier.as_deref() == Some("Worker") && str_attr(config, "cname_prefix").is_some() {
        errors.push(Diagnostic::error(
            "Invalid cname_prefix",
            "A Worker environment has no DNS name: remove cname_prefix or use the WebServer tier.",
        ));
    }
    errors.extend(check_durations(config));
    errors
}

/// `wait_for_ready_timeout` must be a duration, and `poll_interval` one
/// between 10s and 180s.
fn check_durations(config: &Value) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for name in ["wait_for_ready_timeout", "poll_interval"] {
        let Some(text) = str_attr(config, name) else {
            continue;
        };
        match parse_duration(&text) {
            Err(reason) => errors.push(Diagnostic::error(
                format!("Invalid {name}"),
                format!("{text:?} {reason}; write a duration such as \"20m\" or \"30s\"."),
            )),
            Ok(d) if name == "poll_interval"
                && (d < POLL_INTERVAL_BOUNDS.0 || d > POLL_INTERVAL_BOUNDS.1) =>
            {
                errors.push(Diagnostic::error(
                    "Invalid poll_interval",
                    format!("{text:?} is outside what AWS allows: poll_interval must be between 10s and 180s."),
                ))
            }
            Ok(_) => {}
        }
    }
    errors
}

/// The prefix the environment's CNAME was asked for with, read back as
/// Terraform does: the first label of `PREFIX[.REGION].elasticbeanstalk.com`.
/// A generated name (with a random label before the region) has none.
fn cname_prefix_of(cname: &str) -> String {
    let Some(host) = cname
        .strip_suffix(".elasticbeanstalk.com")
        .or_else(|| cname.strip_suffix(".eb.amazonaws.com.cn"))
    else {
        return String::new();
    };
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [prefix] => prefix.to_string(),
        [prefix, region] if is_region(region) => prefix.to_string(),
        _ => String::new(),
    }
}

/// A region name such as `us-east-1` or `ap-southeast-2`.
fn is_region(label: &str) -> bool {
    let parts: Vec<&str> = label.split('-').collect();
    matches!(parts.as_slice(), [area, place, number]
        if area.len() == 2
            && area.chars().all(|c| c.is_ascii_lowercase())
            && (4..=9).contains(&place.len())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit()))
}

/// The computed lists of what Elastic Beanstalk made for the environment,
/// each by the name Terraform shows (queues by URL, instances by id).
fn resource_lists(
    resources: Option<&EnvironmentResourceDescription>,
) -> Vec<(&'static str, Value)> {
    let names = |items: Vec<Option<&str>>| string_list(items.into_iter().flatten());
    let r = resources;
    vec![
        (
            "autoscaling_groups",
            names(
                r.map(|r| r.auto_scaling_groups().iter().map(|g| g.name()).collect())
                    .unwrap_or_default(),
            ),
        ),
        (
            "instances",
            names(
                r.map(|r| r.instances().iter().map(|i| i.id()).collect())
                    .unwrap_or_default(),
            ),
        ),
        (
            "launch_configurations",
            names(
                r.map(|r| r.launch_configurations().iter().map(|l| l.name()).collect())
                    .unwrap_or_default(),
            ),
        ),
        (
            "load_balancers",
            names(
                r.map(|r| r.load_balancers().iter().map(|l| l.name()).collect())
                    .unwrap_or_default(),
            ),
        ),
        (
            "queues",
            names(
                r.map(|r| r.queues().iter().map(|q| q.url()).collect())
                    .unwrap_or_default(),
            ),
        ),
        (
            "triggers",
            names(
                r.map(|r| r.triggers().iter().map(|t| t.name()).collect())
                    .unwrap_or_default(),
            ),
        ),
    ]
}

/// What a planned update changes beyond the arguments themselves: the
/// status and `all_settings` once anything UpdateEnvironment sends
/// changes, and the platform arguments the configuration leaves to AWS
/// once the platform changes (a new solution stack has a new platform ARN).
fn plan_update(planned: &mut BTreeMap<String, Value>, prior: &Value, config: &Value) {
    let differs = |planned: &BTreeMap<String, Value>, name: &str| {
        !values_equal(
            planned.get(name).unwrap_or(&Value::Null),
            prior.get_attr(name).unwrap_or(&Value::Null),
        )
    };
    let platform_changed = PLATFORM_ARGUMENTS.iter().any(|a| differs(planned, a));
    let updated = platform_changed
        || ["version_label", "description", "setting"]
            .iter()
            .any(|a| differs(planned, a));
    if platform_changed {
        for name in PLATFORM_ARGUMENTS {
            if config.get_attr(name).is_none_or(Value::is_null) && name != "template_name" {
                planned.insert(name.to_string(), Value::Unknown);
            }
        }
    }
    if updated {
        for name in CHANGED_BY_AN_UPDATE {
            planned.insert(name.to_string(), Value::Unknown);
        }
    }
}

/// One UpdateEnvironment call's worth of changes between the prior state
/// and the plan: each argument only when it changed, settings added or
/// changed, and options removed.
#[derive(Default)]
struct EnvironmentUpdate {
    solution_stack_name: Option<String>,
    platform_arn: Option<String>,
    template_name: Option<String>,
    version_label: Option<String>,
    description: Option<String>,
    settings: Vec<ConfigurationOptionSetting>,
    removed: Vec<OptionSpecification>,
}

impl EnvironmentUpdate {
    fn between(prior: &Value, planned: &Value) -> EnvironmentUpdate {
        let changed = |name: &str| {
            let after = str_attr(planned, name);
            (after != str_attr(prior, name)).then_some(after).flatten()
        };
        let before = settings_of(prior);
        let after = settings_of(planned);
        let kept: BTreeSet<_> = after.iter().map(Setting::key).collect();
        EnvironmentUpdate {
            solution_stack_name: changed("solution_stack_name"),
            platform_arn: changed("platform_arn"),
            template_name: changed("template_name"),
            version_label: changed("version_label"),
            // An empty description is how the API clears it.
            description: (str_attr(planned, "description") != str_attr(prior, "description"))
                .then(|| str_attr(planned, "description").unwrap_or_default()),
            settings: after.difference(&before).map(Setting::to_sdk).collect(),
            removed: before
                .iter()
                .filter(|s| !kept.contains(&s.key()))
                .map(Setting::to_removal)
                .collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.solution_stack_name.is_none()
            && self.platform_arn.is_none()
            && self.template_name.is_none()
            && self.version_label.is_none()
            && self.description.is_none()
            && self.settings.is_empty()
            && self.removed.is_empty()
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

    /// The id of the live environment `name` of `application` that the
    /// create with `operation_id` made, if any (by its intent tag: an
    /// environment of the same name without it is someone else's).
    async fn find_id(
        clients: &Clients,
        application: &str,
        name: &str,
        operation_id: &str,
    ) -> Result<Option<String>, ProviderError> {
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
        Ok(made_by(&tags, operation_id)
            .then(|| env.environment_id().map(str::to_string))
            .flatten())
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

    /// What DescribeEnvironments tells of an environment; the rest (its
    /// options, resources and the arguments AWS does not echo) is added by
    /// [`Environment::complete_state`].
    fn described_state(env: &EnvironmentDescription) -> Value {
        let cname = env.cname().unwrap_or_default();
        object([
            ("id", opt_string(env.environment_id())),
            ("name", opt_string(env.environment_name())),
            ("application", opt_string(env.application_name())),
            ("solution_stack_name", opt_string(env.solution_stack_name())),
            ("platform_arn", opt_string(env.platform_arn())),
            ("template_name", opt_string(env.template_name())),
            ("version_label", opt_string(env.version_label())),
            (
                "description",
                opt_string(env.description().filter(|d| !d.is_empty())),
            ),
            (
                "tier",
                string(env.tier().and_then(|t| t.name()).unwrap_or("WebServer")),
            ),
            ("cname", string(cname)),
            ("cname_prefix", string(cname_prefix_of(cname))),
            (
                "endpoint_url",
                string(env.endpoint_url().unwrap_or_default()),
            ),
            ("arn", opt_string(env.environment_arn())),
            ("status", opt_string(env.status().map(|s| s.as_str()))),
        ])
    }

    /// Completes a described environment: the settings the user manages,
    /// every option as `all_settings`, the resources AWS made for the
    /// environment, and from `known` (the prior state or the plan) the
    /// arguments AWS does not echo.
    async fn complete_state(
        clients: &Clients,
        state: &mut Value,
        known: &Value,
    ) -> Result<(), ProviderError> {
        let application = str_attr(state, "application").unwrap_or_default();
        let name = str_attr(state, "name").unwrap_or_default();
        let options = Self::options(clients, &application, &name).await?;
        let resources = match str_attr(state, "id") {
            Some(id) => Self::resources(clients, &id).await?,
            None => None,
        };
        let Value::Map(map) = state else {
            return Ok(());
        };
        // AWS reports the template an environment was first launched
        // from; what the user manages is what they last asked for.
        if !known.is_null() {
            map.insert(
                "template_name".into(),
                opt_string(str_attr(known, "template_name")),
            );
        }
        let wait = str_attr(known, "wait_for_ready_timeout").unwrap_or_else(|| DEFAULT_WAIT.into());
        let extra = [
            ("setting", Value::set_from(user_settings(&options, known))),
            (
                "all_settings",
                Value::set_from(options.iter().map(Setting::to_attribute).collect()),
            ),
            ("wait_for_ready_timeout", string(wait)),
            (
                "poll_interval",
                opt_string(str_attr(known, "poll_interval")),
            ),
            (
                "timeouts",
                known.get_attr("timeouts").cloned().unwrap_or(Value::Null),
            ),
        ];
        map.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
        map.extend(
            resource_lists(resources.as_ref())
                .into_iter()
                .map(|(k, v)| (k.to_string(), v)),
        );
        Ok(())
    }

    /// Every option of the environment's configuration, AWS's defaults
    /// included.
    async fn options(
        clients: &Clients,
        application: &str,
        name: &str,
    ) -> Result<Vec<Setting>, ProviderError> {
        let eb = &clients.beanstalk;
        let configuration = clients
            .call("elasticbeanstalk", "DescribeConfigurationSettings", || {
                eb.describe_configuration_settings()
                    .application_name(application)
                    .environment_name(name)
                    .send()
            })
            .await?;
        Ok(configuration
            .configuration_settings()
            .iter()
            .flat_map(|c| c.option_settings())
            .filter_map(|o| {
                Some(Setting {
                    namespace: o.namespace()?.to_string(),
                    name: o.option_name()?.to_string(),
                    resource: o.resource_name().map(str::to_string),
                    value: o.value().unwrap_or_default().to_string(),
                })
            })
            .collect())
    }

    /// The resources Elastic Beanstalk made for the environment (its
    /// Auto Scaling group, instances, load balancer, queue …).
    async fn resources(
        clients: &Clients,
        id: &str,
    ) -> Result<Option<EnvironmentResourceDescription>, AwsError> {
        let eb = &clients.beanstalk;
        let out = clients
            .call("elasticbeanstalk", "DescribeEnvironmentResources", || {
                eb.describe_environment_resources()
                    .environment_id(id)
                    .send()
            })
            .await?;
        Ok(out.environment_resources().cloned())
    }

    /// Waits, after a create or update (`operation`), for the environment
    /// to be Ready, as the wait policy of `planned` says.
    async fn settle(
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
        operation: &str,
    ) -> Result<(), ProviderError> {
        let policy = wait_policy(clients, planned, operation);
        Self::wait_ready(clients, request, id, policy)
            .await
            .map(|_| ())
    }

    /// Waits until the environment is Ready, showing its status meanwhile,
    /// looking as often as the policy (`poll_interval`) says.
    async fn wait_ready(
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        (limit, interval): (Duration, Duration),
    ) -> Result<EnvironmentDescription, ProviderError> {
        let progress = progress_of(request);
        wait_until(
            &format!("Elastic Beanstalk environment {id} to be Ready"),
            limit,
            interval,
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
            tokio::time::sleep,
            &progress,
            ProviderError::new,
        )
        .await
    }
}

#[async_trait]
impl Managed for Environment {
    fn type_name(&self) -> &'static str {
        "aws_elastic_beanstalk_environment"
    }

    fn noun(&self) -> &'static str {
        "Elastic Beanstalk environment"
    }

    fn schema(&self) -> Schema {
        let names = |name, what| {
            AttributeSchema::computed(name, AttrType::list_of(AttrType::String)).describe(what)
        };
        Schema::new("An Elastic Beanstalk environment: a running version of an application.")
            .attr(AttributeSchema::required("name", AttrType::String).force_new().describe("The environment's name, unique in the account and region."))
            // Terraform plans a new application in place, but UpdateEnvironment
            // cannot move an environment to another application: it is a new one.
            .attr(AttributeSchema::required("application", AttrType::String).force_new().describe("The application's name."))
            .attr(AttributeSchema::optional_computed("solution_stack_name", AttrType::String).describe("The platform, e.g. \"64bit Amazon Linux 2023 v4.6.0 running Python 3.11\"; conflicts with platform_arn and template_name."))
            .attr(AttributeSchema::optional_computed("platform_arn", AttrType::String).describe("The ARN of the platform to run; conflicts with solution_stack_name and template_name."))
            .attr(AttributeSchema::optional("template_name", AttrType::String).describe("A saved configuration to launch from; conflicts with solution_stack_name and platform_arn."))
            .attr(AttributeSchema::optional_computed("cname_prefix", AttrType::String).force_new().describe("The prefix of the environment's DNS name (WebServer tier only)."))
            .attr(AttributeSchema::optional_computed("version_label", AttrType::String).describe("The application version to deploy; left out, whatever is deployed stays."))
            .attr(AttributeSchema::optional("description", AttrType::String).describe("A description."))
            .attr(AttributeSchema::optional("tier", AttrType::String).default("WebServer").force_new().describe("WebServer or Worker."))
            .attr(AttributeSchema::optional("wait_for_ready_timeout", AttrType::String).default(DEFAULT_WAIT).describe("How long to wait for the environment to be Ready after a change, e.g. \"20m\"."))
            .attr(AttributeSchema::optional("poll_interval", AttrType::String).describe("How often to look while waiting, between \"10s\" and \"180s\" (default: the provider's interval)."))
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The environment id, e-xxxxxxxxxx."))
            .attr(AttributeSchema::computed("cname", AttrType::String).describe("The environment's DNS name (none for Worker environments)."))
            .attr(AttributeSchema::computed("endpoint_url", AttrType::String).describe("The load balancer's URL."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The environment's ARN."))
            .attr(AttributeSchema::computed("status", AttrType::String).describe("Launching, Updating, Ready, Terminating or Terminated."))
            .attr(AttributeSchema::computed("all_settings", AttrType::set_of(AttrType::map_of(AttrType::String))).describe("Every option of the environment's configuration (namespace, name, value, resource), AWS's defaults included."))
            .attr(names("autoscaling_groups", "The Auto Scaling groups of the environment."))
            .attr(names("instances", "The ids of the environment's EC2 instances."))
            .attr(names("launch_configurations", "The environment's launch configurations."))
            .attr(names("load_balancers", "The environment's load balancers."))
            .attr(names("queues", "The URLs of the environment's SQS queues (Worker tier)."))
            .attr(names("triggers", "The environment's Auto Scaling triggers."))
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
        for error in check_arguments(request.config, request.prior.is_none()) {
            response.diagnostics.push(error);
        }
        if let (Some(prior), Value::Map(map)) = (request.prior, &mut response.planned) {
            if response.requires_replace.is_empty() {
                plan_update(map, prior, &config);
            }
        }
        response
    }

    /// The environment id; a state without one (a create whose answer was
    /// lost) is looked up by its name, which AWS keeps unique among live
    /// environments.
    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        str_attr(state, "id")
            .filter(|id| !id.is_empty())
            .map_or_else(|| required_str(state, "name"), Ok)
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&BeanstalkTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    /// The environment name is the idempotency key: AWS refuses a second
    /// environment of the same name, and a create whose answer was lost is
    /// found by it.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = required_str(planned, "name")?;
        let application = required_str(planned, "application")?;
        let tier = str_attr(planned, "tier").unwrap_or_else(|| "WebServer".to_string());
        let settings: Vec<ConfigurationOptionSetting> =
            settings_of(planned).iter().map(Setting::to_sdk).collect();
        let tags = sdk_tags(&create_tags(planned, request.operation_id));
        let text = |name: &str| str_attr(planned, name);
        let eb = &clients.beanstalk;
        let id = clients
            .create(
                "elasticbeanstalk",
                "CreateEnvironment",
                || {
                    eb.create_environment()
                        .application_name(&application)
                        .environment_name(&name)
                        .set_solution_stack_name(text("solution_stack_name"))
                        .set_platform_arn(text("platform_arn"))
                        .set_template_name(text("template_name"))
                        .set_cname_prefix(text("cname_prefix"))
                        .set_version_label(text("version_label"))
                        .set_description(text("description"))
                        .tier(tier_of(&tier))
                        .set_option_settings((!settings.is_empty()).then(|| settings.clone()))
                        .set_tags(Some(tags.clone()))
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
        Ok(Made::id(id))
    }

    /// Waits for the new environment to be Ready.
    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        Self::settle(clients, request, id, planned, "create").await
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let change = EnvironmentUpdate::between(prior, planned);
        if change.is_empty() {
            return Ok(());
        }
        // AWS refuses an update while another one is in progress.
        let policy = wait_policy(clients, planned, "update");
        Self::wait_ready(clients, request, id, policy).await?;
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "UpdateEnvironment", || {
                eb.update_environment()
                    .environment_id(id)
                    .set_solution_stack_name(change.solution_stack_name.clone())
                    .set_platform_arn(change.platform_arn.clone())
                    .set_template_name(change.template_name.clone())
                    .set_version_label(change.version_label.clone())
                    .set_description(change.description.clone())
                    .set_option_settings(
                        (!change.settings.is_empty()).then(|| change.settings.clone()),
                    )
                    .set_options_to_remove(
                        (!change.removed.is_empty()).then(|| change.removed.clone()),
                    )
                    .send()
            })
            .await?;
        Ok(())
    }

    /// Waits for the environment to be Ready again after its update and
    /// tag changes (changing an environment's tags updates it too).
    async fn after_update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        Self::settle(clients, request, id, planned, "update").await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let (limit, interval) = wait_policy(clients, prior, "delete");
        if Self::describe_one(clients, id).await?.is_none() {
            return Ok(());
        }
        let eb = &clients.beanstalk;
        clients
            .call("elasticbeanstalk", "TerminateEnvironment", || {
                eb.terminate_environment().environment_id(id).send()
            })
            .await?;
        let progress = progress_of(request);
        wait_until(
            &format!("Elastic Beanstalk environment {id} to terminate"),
            limit,
            interval,
            || async {
                let out = clients
                    .call("elasticbeanstalk", "DescribeEnvironments", || {
                        eb.describe_environments().environment_ids(id).send()
                    })
                    .await?;
                Ok(match out.environments().first().and_then(|e| e.status()) {
                    None | Some(EnvironmentStatus::Terminated) => Poll::Ready(()),
                    Some(status) => Poll::Pending(status.as_str().to_string()),
                })
            },
            tokio::time::sleep,
            &progress,
            ProviderError::new,
        )
        .await
    }

    /// One DescribeEnvironments call for all environments, by id (e-…) or,
    /// for a key that is not one, by name (an import by name, a state
    /// without an id); their settings and resources take calls each
    /// ([`Managed::complete`]), as the API has no batch form.
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        if keys.is_empty() {
            return Ok(BTreeMap::new());
        }
        let (ids, names): (Vec<String>, Vec<String>) =
            keys.iter().cloned().partition(|k| k.starts_with("e-"));
        let mut found = Vec::new();
        if !ids.is_empty() {
            found.extend(Self::describe_by(clients, ids, Vec::new()).await?);
        }
        if !names.is_empty() {
            found.extend(Self::describe_by(clients, Vec::new(), names).await?);
        }
        let mut out = BTreeMap::new();
        for env in &found {
            for key in [env.environment_id(), env.environment_name()]
                .into_iter()
                .flatten()
            {
                if keys.iter().any(|k| k == key) {
                    out.insert(key.to_string(), Self::described_state(env));
                }
            }
        }
        Ok(out)
    }

    async fn complete(
        &self,
        clients: &Clients,
        _key: &str,
        value: &mut Value,
        known: &Value,
    ) -> Result<(), ProviderError> {
        Self::complete_state(clients, value, known).await
    }

    /// By name within the application, which AWS keeps unique among live
    /// environments, and the intent tag the create set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let application = required_str(planned, "application")?;
        let name = required_str(planned, "name")?;
        Self::find_id(clients, &application, &name, operation_id).await
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
        let result: Result<(), ProviderError> = wait_until(
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

    fn errors_of(config: serde_json::Value) -> String {
        check_arguments(&Value::from_json(&config), true)
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_platform_is_named_exactly_once() {
        let both = errors_of(serde_json::json!({"solution_stack_name": "s", "platform_arn": "p"}));
        assert!(
            both.contains("not solution_stack_name and platform_arn"),
            "{both}"
        );
        let none = errors_of(serde_json::json!({"name": "e"}));
        assert!(none.contains("needs one of solution_stack_name"), "{none}");
        assert_eq!(errors_of(serde_json::json!({"template_name": "saved"})), "");
    }

    #[test]
    fn durations_tiers_and_prefixes_are_checked() {
        let fast = errors_of(serde_json::json!({"platform_arn": "p", "poll_interval": "2s"}));
        assert!(fast.contains("between 10s and 180s"), "{fast}");
        let bad =
            errors_of(serde_json::json!({"platform_arn": "p", "wait_for_ready_timeout": "soon"}));
        assert!(bad.contains("Invalid wait_for_ready_timeout"), "{bad}");
        let tier = errors_of(serde_json::json!({"platform_arn": "p", "tier": "Batch"}));
        assert!(tier.contains("not a valid tier"), "{tier}");
        let worker = errors_of(
            serde_json::json!({"platform_arn": "p", "tier": "Worker", "cname_prefix": "x"}),
        );
        assert!(worker.contains("no DNS name"), "{worker}");
        let fine = errors_of(
            serde_json::json!({"platform_arn": "p", "poll_interval": "30s", "wait_for_ready_timeout": "1h"}),
        );
        assert_eq!(fine, "");
    }

    #[test]
    fn the_cname_prefix_is_read_back_as_terraform_reads_it() {
        assert_eq!(
            cname_prefix_of("site.us-east-1.elasticbeanstalk.com"),
            "site"
        );
        assert_eq!(cname_prefix_of("site.elasticbeanstalk.com"), "site");
        assert_eq!(
            cname_prefix_of("site.a1b2c3.us-east-1.elasticbeanstalk.com"),
            ""
        );
        assert_eq!(cname_prefix_of(""), "");
    }
}
