//! `aws_instance`: a machine, on the [`Managed`] seam.
//!
//! - Every argument of Terraform's `aws_instance` ([`schema`]) goes into
//!   `RunInstances` ([`launch`]); what EC2 changes in place is changed in
//!   place ([`modify`]): `instance_type`, `user_data`, `ebs_optimized` and
//!   the DNS name options by stopping, modifying and starting the machine;
//!   protections, monitoring, metadata options, credits, recovery, the
//!   instance profile, secondary addresses, security groups and the root
//!   volume while it runs.
//! - Shell provisioners reach the machine at boot through user data (see
//!   [`super::user_data`]); their sha1 is kept in `provisioner_sha1`, so a
//!   changed script or environment plans a replacement.
//! - Refresh is batched: one paginated `DescribeInstances` per 1,000 ids and
//!   one `DescribeVolumes` per 200 of their volumes. The attributes only
//!   `DescribeInstanceAttribute` returns (protections, shutdown behaviour,
//!   user data) are read per machine on create, update and import, and kept
//!   across a batched refresh.
//! - EC2's states are shown as the lifecycle names users see
//!   ([`LifecycleState`]), through apply progress and `instance_state`.

mod blocks;
mod describe;
mod launch;
mod modify;
mod read;
mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{Instance as Ec2Instance, ResourceType};
use engine::diagnostics::Diagnostic;
use engine::provider::{
    plan_by_schema, ApplyRequest, PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::user_data::{self, parse_provisioners, MAX_USER_DATA_BYTES};
use super::{progress, tag_specification, Ec2Tags};
use crate::aws::managed::{Gone, Made, Managed, Tagging};
use crate::aws::values::{bool_attr, changed, str_attr, timeout};
use crate::aws::Clients;
use describe::{describe_many, describe_volumes, find_by_intent, wait_for};

pub struct Instance;

/// The most instance ids one `DescribeInstances` call takes.
const IDS_PER_CALL: usize = 1000;
/// The most values one EC2 filter takes (`FilterLimitExceeded` beyond).
const FILTER_VALUES_PER_CALL: usize = 200;

const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const DEFAULT_UPDATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const DEFAULT_DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// Arguments `DescribeInstances` does not report: a batched refresh keeps
/// the state's value ([`Managed::read_single`] reads the first three back
/// after a create, an update or an import).
const KEPT: &[&str] = &[
    "disable_api_termination",
    "disable_api_stop",
    "instance_initiated_shutdown_behavior",
    "password_data",
    "user_data",
    "user_data_base64",
    "user_data_replace_on_change",
    "provisioners",
    "provisioner_sha1",
    "timeouts",
    "credit_specification",
    "launch_template",
    "ephemeral_block_device",
    "secondary_network_interface",
    "security_groups",
    "volume_tags",
    "force_destroy",
    "get_password_data",
];

/// A machine's lifecycle state as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleState {
    /// Before the launch call.
    NotInitialized,
    /// Launch requested; EC2 does not show the machine yet.
    Building,
    Starting,
    Running,
    Stopping,
    Stopped,
    Rebooting,
    Terminating,
    Terminated,
    Unknown,
}

impl LifecycleState {
    pub fn name(self) -> &'static str {
        match self {
            LifecycleState::NotInitialized => "NotInitialized",
            LifecycleState::Building => "Building",
            LifecycleState::Starting => "Starting",
            LifecycleState::Running => "Running",
            LifecycleState::Stopping => "Stopping",
            LifecycleState::Stopped => "Stopped",
            LifecycleState::Rebooting => "Rebooting",
            LifecycleState::Terminating => "Terminating",
            LifecycleState::Terminated => "Terminated",
            LifecycleState::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for LifecycleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Maps an EC2 instance state name to the lifecycle state users see.
pub fn lifecycle_state(ec2_state: &str) -> LifecycleState {
    match ec2_state {
        "pending" => LifecycleState::Starting,
        "running" => LifecycleState::Running,
        "stopping" => LifecycleState::Stopping,
        "stopped" => LifecycleState::Stopped,
        "shutting-down" => LifecycleState::Terminating,
        "terminated" => LifecycleState::Terminated,
        "rebooting" => LifecycleState::Rebooting,
        _ => LifecycleState::Unknown,
    }
}

fn state_of(instance: &Ec2Instance) -> LifecycleState {
    instance
        .state()
        .and_then(|s| s.name())
        .map(|n| lifecycle_state(n.as_str()))
        .unwrap_or(LifecycleState::Unknown)
}

/// One instance as `DescribeInstances` returned it, with its reservation's
/// owner (the account id, for the ARN).
#[derive(Clone)]
struct Described {
    instance: Ec2Instance,
    owner: Option<String>,
}
#[async_trait]
impl Managed for Instance {
    fn type_name(&self) -> &'static str {
        "aws_instance"
    }

    fn noun(&self) -> &'static str {
        "instance"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    /// Plans by the schema, then adds what the schema cannot say: the
    /// blocks AWS fills in, the provisioners' sha1 (a change replaces the
    /// machine, because they run only at first boot), user data replaced
    /// on change, a new public address after a resize, and checks of the
    /// user data the machine will boot with.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        // The blocks AWS fills in are completed before the schema's rules
        // compare them, so that what AWS reported and the configuration did
        // not say is no change.
        let mut filled = request.config.clone();
        blocks::plan_computed_blocks(schema, schema::COMPUTED_BLOCKS, request.prior, &mut filled);
        let mut response = plan_by_schema(schema, request.prior, &filled);
        refuse_sensitive_user_data(request.config, &mut response);
        let sha = provisioner_sha(request.config, &mut response);
        if let Some(prior) = request.prior {
            let before = prior
                .get_attr("provisioner_sha1")
                .cloned()
                .unwrap_or(Value::Null);
            // An unknown sha may turn out different, so it replaces too, as
            // Terraform does for any force-new argument not yet known.
            if sha.is_unknown() || !engine::provider::values_equal(&before, &sha) {
                response.requires_replace.push("provisioners".to_string());
            }
            let replace_on_change =
                bool_attr(request.config, "user_data_replace_on_change") == Some(true);
            for name in ["user_data", "user_data_base64"] {
                if replace_on_change && changed(prior, request.config, name) {
                    response.requires_replace.push(name.to_string());
                }
            }
        }
        let replaced = !response.requires_replace.is_empty();
        if let Value::Map(planned) = &mut response.planned {
            if replaced {
                // A new machine: what AWS fills in is not known yet.
                let mut fresh = request.config.clone();
                blocks::plan_computed_blocks(schema, schema::COMPUTED_BLOCKS, None, &mut fresh);
                for name in schema::COMPUTED_BLOCKS {
                    planned.insert(
                        name.to_string(),
                        fresh.get_attr(name).cloned().unwrap_or(Value::Null),
                    );
                }
            }
            planned.insert("provisioner_sha1".to_string(), sha);
            if bool_attr(request.config, "get_password_data") != Some(true) {
                planned.insert("password_data".to_string(), Value::Null);
            }
            if let Some(prior) = request.prior.filter(|_| !replaced) {
                if modify::needs_restart(prior, request.config) {
                    // A stopped and restarted machine gets a new public address.
                    planned.insert("public_ip".to_string(), Value::Unknown);
                    planned.insert("public_dns".to_string(), Value::Unknown);
                }
            }
        }
        response
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&Ec2Tags)
    }

    fn kept(&self) -> &'static [&'static str] {
        KEPT
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let report = progress(request);
        report(LifecycleState::NotInitialized.name());
        let provisioners = parse_provisioners(
            &planned
                .get_attr("provisioners")
                .cloned()
                .unwrap_or(Value::Null),
        )
        .map_err(|errors| ProviderError::new(errors.join(" ")))?;
        let boot_data = boot_data(planned, &provisioners);
        let root_device = root_device_name(clients, planned).await?;
        let mappings = launch::block_device_mappings(planned, root_device.as_deref());
        let mut tags = vec![tag_specification(
            ResourceType::Instance,
            planned,
            request.operation_id,
        )];
        tags.extend(volume_tag_specification(planned));
        // EC2 keeps a ClientToken for at least a day: retrying the same
        // operation returns the machine the first attempt launched. The
        // intent tag finds it too, where a token is not honoured.
        let token: String = request.operation_id.chars().take(64).collect();
        let ec2 = &clients.ec2;
        let id = clients
            .create(
                "ec2",
                "RunInstances",
                || {
                    launch::launch_arguments(ec2.run_instances(), planned)
                        .min_count(1)
                        .max_count(1)
                        .set_user_data(boot_data.clone())
                        .set_block_device_mappings(mappings.clone())
                        .set_tag_specifications(Some(tags.clone()))
                        .client_token(&token)
                        .send()
                },
                || find_by_intent(clients, request.operation_id),
            )
            .await?
            .found_or(|out| out.instances().first()?.instance_id().map(str::to_string))
            .ok_or_else(|| ProviderError::new("RunInstances returned no instance"))?;
        report(LifecycleState::Building.name());
        Ok(Made::id(id))
    }

    /// Waits for the machine to run, then sets what the launch could not
    /// (volume tags of single volumes) or did not (a protection the
    /// launch's answer does not show).
    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let report = progress(request);
        let limit = timeout(planned, "create", DEFAULT_CREATE_TIMEOUT);
        wait_for(clients, id, LifecycleState::Running, limit, &report).await?;
        modify::converge_attributes(clients, id, planned).await?;
        modify::after_launch(clients, id, planned).await?;
        modify::assign_secondary_addresses(clients, id, planned).await?;
        modify::tag_block_volumes(clients, id, &Value::Null, planned).await
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let report = progress(request);
        let wait = timeout(planned, "update", DEFAULT_UPDATE_TIMEOUT);
        modify::update(clients, id, prior, planned, wait, &report).await
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let report = progress(request);
        if bool_attr(prior, "force_destroy") == Some(true) {
            modify::lift_protections(clients, id).await?;
        }
        let ec2 = &clients.ec2;
        let sent = clients
            .call("ec2", "TerminateInstances", || {
                ec2.terminate_instances().instance_ids(id).send()
            })
            .await
            .or_gone()?;
        if sent.is_none() {
            return Ok(());
        }
        let limit = timeout(prior, "delete", DEFAULT_DELETE_TIMEOUT);
        wait_for(clients, id, LifecycleState::Terminated, limit, &report).await?;
        Ok(())
    }

    /// One paginated `DescribeInstances` per 1,000 ids and one
    /// `DescribeVolumes` per 200 of their volumes, however many machines
    /// are refreshed; terminated machines are gone.
    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let found = describe_many(clients, ids).await?;
        let live: Vec<&Described> = found
            .values()
            .filter(|d| state_of(&d.instance) != LifecycleState::Terminated)
            .collect();
        let volume_ids = read::volume_ids(live.iter().copied());
        let volumes = if volume_ids.is_empty() {
            Default::default()
        } else {
            describe_volumes(clients, &volume_ids).await?
        };
        Ok(live
            .into_iter()
            .filter_map(|d| {
                let id = d.instance.instance_id()?.to_string();
                Some((id, read::to_value(clients, d, &volumes)))
            })
            .collect())
    }

    /// The attributes only `DescribeInstanceAttribute` returns, and the
    /// password data when asked for; on an import (nothing known) also the
    /// user data and the provisioners' sha1 stack wrote into it.
    async fn read_single(
        &self,
        clients: &Clients,
        id: &str,
        known: &Value,
    ) -> Result<Vec<(&'static str, Value)>, ProviderError> {
        let mut read = modify::read_attributes(clients, id).await?;
        if bool_attr(known, "get_password_data") == Some(true) {
            read.push(("password_data", modify::password_data(clients, id).await?));
        }
        if known.is_null() {
            let text = modify::user_data_text(clients, id).await?;
            let recovered = user_data::recover(&text);
            read.push((
                "user_data",
                crate::aws::values::opt_string(recovered.user_data),
            ));
            read.push((
                "provisioner_sha1",
                crate::aws::values::opt_string(recovered.provisioner_sha1),
            ));
            for flag in [
                "force_destroy",
                "get_password_data",
                "user_data_replace_on_change",
            ] {
                read.push((flag, Value::Bool(false)));
            }
        }
        Ok(read)
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        _planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        find_by_intent(clients, operation_id).await
    }
}

/// The sha1 of the configured shell provisioners, checking the user data
/// they are combined with; unknown while the provisioners are.
fn provisioner_sha(config: &Value, response: &mut PlanResponse) -> Value {
    let provisioners = config
        .get_attr("provisioners")
        .cloned()
        .unwrap_or(Value::Null);
    if !provisioners.is_wholly_known() {
        return Value::Unknown;
    }
    match parse_provisioners(&provisioners) {
        Ok(parsed) if parsed.is_empty() => Value::Null,
        Ok(parsed) => {
            check_user_data(config, &parsed, response);
            Value::String(user_data::provisioner_sha1(&parsed))
        }
        Err(errors) => {
            for error in errors {
                response
                    .diagnostics
                    .push(Diagnostic::error("Invalid provisioner", error));
            }
            Value::Unknown
        }
    }
}

/// The user data the machine boots with, base64-encoded: `user_data_base64`
/// as given, or `user_data` followed by the shell provisioners.
fn boot_data(planned: &Value, provisioners: &[user_data::Provisioner]) -> Option<String> {
    if let Some(encoded) = str_attr(planned, "user_data_base64") {
        return Some(encoded);
    }
    user_data::render(str_attr(planned, "user_data").as_deref(), provisioners)
        .map(|text| aws_smithy_types::base64::encode(text.as_bytes()))
}

/// `volume_tags`, set on every volume at launch.
fn volume_tag_specification(planned: &Value) -> Option<aws_sdk_ec2::types::TagSpecification> {
    let tags = crate::aws::values::string_map_attr(planned, "volume_tags");
    (!tags.is_empty()).then(|| {
        aws_sdk_ec2::types::TagSpecification::builder()
            .resource_type(ResourceType::Volume)
            .set_tags(Some(super::to_sdk_tags(&tags)))
            .build()
    })
}

/// The AMI's root device, which a `root_block_device` block is mapped to
/// (`DescribeImages`); none when the block is not written.
async fn root_device_name(
    clients: &Clients,
    planned: &Value,
) -> Result<Option<String>, ProviderError> {
    if launch::first(planned, "root_block_device").is_none() {
        return Ok(None);
    }
    let Some(ami) = str_attr(planned, "ami") else {
        return Ok(None);
    };
    let ec2 = &clients.ec2;
    let images = clients
        .call("ec2", "DescribeImages", || {
            ec2.describe_images().image_ids(&ami).send()
        })
        .await?;
    Ok(images
        .images()
        .first()
        .and_then(|i| i.root_device_name())
        .map(str::to_string))
}

/// Refuses a sensitive value bound for the machine's user data, which is not
/// secret storage: EC2 returns it in clear to anyone allowed to describe the
/// instance, and it stays readable on the machine.
fn refuse_sensitive_user_data(config: &Value, response: &mut PlanResponse) {
    for part in user_data::sensitive_parts(config) {
        response.diagnostics.push(Diagnostic::error(
            "Sensitive value in user data",
            format!(
                "{} holds a sensitive value, and it would be written in clear into the instance's user data. User data is not secret: anyone allowed to describe the instance (ec2:DescribeInstanceAttribute) can read it, and so can every process on the machine. Keep the secret in AWS Secrets Manager or SSM Parameter Store and fetch it from the script with the instance's role, or, if the value is not secret, wrap it in nonsensitive().",
                capitalise(&part)
            ),
        ));
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Warns about user data that cannot be combined with provisioners, and
/// about user data larger than EC2 accepts.
fn check_user_data(
    config: &Value,
    provisioners: &[user_data::Provisioner],
    response: &mut PlanResponse,
) {
    let own = str_attr(config, "user_data");
    if own
        .as_deref()
        .is_some_and(|u| u.trim_start().starts_with("#cloud-config"))
    {
        response.diagnostics.push(Diagnostic::error(
            "Incompatible user data",
            "The user_data is a cloud-config document, but shell provisioners are delivered as a shell script that runs user_data first. Write user_data as a shell script, or move its steps into a provisioner.",
        ));
        return;
    }
    if config
        .get_attr("user_data")
        .is_some_and(|u| !u.is_wholly_known())
    {
        return;
    }
    let size = user_data::render(own.as_deref(), provisioners)
        .map(|s| s.len())
        .unwrap_or(0);
    if size > MAX_USER_DATA_BYTES {
        response.diagnostics.push(Diagnostic::error(
            "User data too large",
            format!(
                "The user data built from user_data and the shell provisioners is {size} bytes; EC2 accepts at most {MAX_USER_DATA_BYTES}. Move large files to S3 and fetch them from the script."
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_states_map_to_lifecycle_names() {
        let names: Vec<&str> = [
            "pending",
            "running",
            "stopping",
            "stopped",
            "shutting-down",
            "terminated",
            "rebooting",
            "exploded",
        ]
        .iter()
        .map(|s| lifecycle_state(s).name())
        .collect();
        assert_eq!(
            names,
            [
                "Starting",
                "Running",
                "Stopping",
                "Stopped",
                "Terminating",
                "Terminated",
                "Rebooting",
                "Unknown"
            ]
        );
        assert_eq!(LifecycleState::NotInitialized.to_string(), "NotInitialized");
        assert_eq!(LifecycleState::Building.to_string(), "Building");
    }
}
