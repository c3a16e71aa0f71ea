//! `aws_instance`: a machine.
//!
//! - `instance_type` changes in place: stop, wait until stopped, modify,
//!   start, wait until running. `vpc_security_group_ids` and `tags` change
//!   in place too; `ami`, `subnet_id`, `key_name` and `user_data` force a
//!   replacement.
//! - Shell provisioners reach the machine at boot through user data (see
//!   [`super::user_data`]); their sha1 is kept in `provisioner_sha1`, so a
//!   changed script or environment plans a replacement.
//! - Refresh is batched: one paginated `DescribeInstances` per 1,000 ids.
//! - EC2's states are shown as the lifecycle names users see
//!   ([`LifecycleState`]), through apply progress and `instance_state`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AttributeValue, Filter, Instance as Ec2Instance, InstanceAttributeName, InstanceType,
    ResourceType,
};
use engine::diagnostics::Diagnostic;
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse,
    ProviderError, Schema,
};
use engine::value::Value;

use super::user_data::{self, parse_provisioners, MAX_USER_DATA_BYTES};
use super::{arn, kept, state_id, tag_specification, tags_changed, tags_value, update_tags};
use crate::aws::retry::Poll;
use crate::aws::values::{
    object, opt_string, required_str, str_attr, string, string_set, strings_attr, tags_attribute,
    timeout, timeouts_block,
};
use crate::aws::values::{partial_state, KeepCreated};
use crate::aws::{AwsError, AwsResource, Clients};

pub struct Instance;

/// The most instance ids one `DescribeInstances` call takes.
const IDS_PER_CALL: usize = 1000;
/// The most values one EC2 filter takes (`FilterLimitExceeded` beyond).
const FILTER_VALUES_PER_CALL: usize = 200;

const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const DEFAULT_UPDATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const DEFAULT_DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

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
impl AwsResource for Instance {
    fn type_name(&self) -> &'static str {
        "aws_instance"
    }

    fn schema(&self) -> Schema {
        Schema::new("A machine (EC2 instance), optionally provisioned at boot by shell scripts.")
            .attr(
                AttributeSchema::required("ami", AttrType::String)
                    .force_new()
                    .describe("The machine image to boot."),
            )
            .attr(
                AttributeSchema::required("instance_type", AttrType::String)
                    .describe("The machine size, e.g. \"t3.micro\"; changed in place by stopping and starting the machine."),
            )
            .attr(
                AttributeSchema::optional_computed("subnet_id", AttrType::String)
                    .force_new()
                    .describe("The subnet to launch in; a default subnet when unset."),
            )
            .attr(
                AttributeSchema::optional_computed(
                    "vpc_security_group_ids",
                    AttrType::set_of(AttrType::String),
                )
                .describe("The security groups; the VPC's default group when unset."),
            )
            .attr(
                AttributeSchema::optional("key_name", AttrType::String)
                    .force_new()
                    .describe("The key pair to allow SSH logins with."),
            )
            .attr(
                AttributeSchema::optional("user_data", AttrType::String)
                    .force_new()
                    .describe("User data run at first boot; runs before any shell provisioner."),
            )
            .attr(tags_attribute())
            .attr(
                AttributeSchema::optional("provisioners", AttrType::Any).describe(
                    "Filled in by the engine from `provisioner \"shell\"` blocks; not written by hand.",
                ),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The instance id."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The instance's ARN."))
            .attr(
                AttributeSchema::computed("private_ip", AttrType::String)
                    .describe("The private IPv4 address."),
            )
            .attr(
                AttributeSchema::computed("public_ip", AttrType::String)
                    .describe("The public IPv4 address, if any."),
            )
            .attr(AttributeSchema::computed("instance_state", AttrType::String).describe(
                "NotInitialized, Building, Starting, Running, Stopping, Stopped, Rebooting, Terminating, Terminated or Unknown.",
            ))
            .attr(
                AttributeSchema::computed("provisioner_sha1", AttrType::String)
                    .describe("The sha1 of the shell provisioners; a change replaces the machine."),
            )
            .block(timeouts_block())
    }

    /// Plans by the schema, then adds what the schema cannot say: the
    /// provisioners' sha1 (a change replaces the machine, because they run
    /// only at first boot), a new public address after a resize, and checks
    /// of the user data the machine will boot with.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = plan_by_schema(schema, request.prior, request.config);
        refuse_sensitive_user_data(request.config, &mut response);
        let provisioners = request
            .config
            .get_attr("provisioners")
            .cloned()
            .unwrap_or(Value::Null);
        let sha = if !provisioners.is_wholly_known() {
            Value::Unknown
        } else {
            match parse_provisioners(&provisioners) {
                Ok(parsed) if parsed.is_empty() => Value::Null,
                Ok(parsed) => {
                    check_user_data(request.config, &parsed, &mut response);
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
        };
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
        }
        if let Value::Map(planned) = &mut response.planned {
            planned.insert("provisioner_sha1".to_string(), sha);
            if let Some(prior) = request.prior {
                let resized =
                    str_attr(prior, "instance_type") != str_attr(request.config, "instance_type");
                if resized && response.requires_replace.is_empty() {
                    // A stopped and restarted machine gets a new public address.
                    planned.insert("public_ip".to_string(), Value::Unknown);
                }
            }
        }
        response
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = request.planned.unwrap_or(&Value::Null);
        let report = progress(request);
        report(LifecycleState::NotInitialized.name());
        let ami = required_str(planned, "ami")?;
        let instance_type = required_str(planned, "instance_type")?;
        let subnet_id = str_attr(planned, "subnet_id");
        let groups = strings_attr(planned, "vpc_security_group_ids");
        let key_name = str_attr(planned, "key_name");
        let provisioners = parse_provisioners(
            &planned
                .get_attr("provisioners")
                .cloned()
                .unwrap_or(Value::Null),
        )
        .map_err(|errors| ProviderError::new(errors.join(" ")))?;
        let boot_data = user_data::render(str_attr(planned, "user_data").as_deref(), &provisioners)
            .map(|text| aws_smithy_types::base64::encode(text.as_bytes()));
        let tags = tag_specification(ResourceType::Instance, planned, request.operation_id);
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
                    ec2.run_instances()
                        .image_id(&ami)
                        .instance_type(InstanceType::from(instance_type.as_str()))
                        .min_count(1)
                        .max_count(1)
                        .set_subnet_id(subnet_id.clone())
                        .set_security_group_ids((!groups.is_empty()).then(|| groups.clone()))
                        .set_key_name(key_name.clone())
                        .set_user_data(boot_data.clone())
                        .tag_specifications(tags.clone())
                        .client_token(&token)
                        .send()
                },
                || find_by_intent(clients, request.operation_id),
            )
            .await?
            .found_or(|out| out.instances().first()?.instance_id().map(str::to_string))
            .ok_or_else(|| ProviderError::new("RunInstances returned no instance"))?;
        report(LifecycleState::Building.name());
        let limit = timeout(planned, "create", DEFAULT_CREATE_TIMEOUT);
        let described = wait_for(clients, &id, LifecycleState::Running, limit, &report)
            .await
            .keep_created(&partial_state(planned, [("id", string(&id))]))?;
        Ok(to_value(clients, &described, planned))
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = request.prior.unwrap_or(&Value::Null);
        let planned = request.planned.unwrap_or(&Value::Null);
        let id = state_id(prior)?;
        let report = progress(request);
        let wait = timeout(planned, "update", DEFAULT_UPDATE_TIMEOUT);
        let ec2 = &clients.ec2;
        let new_type = required_str(planned, "instance_type")?;
        if str_attr(prior, "instance_type").as_deref() != Some(new_type.as_str()) {
            // EC2 changes the type of a stopped machine only.
            clients
                .call("ec2", "StopInstances", || {
                    ec2.stop_instances().instance_ids(&id).send()
                })
                .await?;
            wait_for(clients, &id, LifecycleState::Stopped, wait, &report).await?;
            let value = AttributeValue::builder().value(&new_type).build();
            clients
                .call("ec2", "ModifyInstanceAttribute", || {
                    ec2.modify_instance_attribute()
                        .instance_id(&id)
                        .instance_type(value.clone())
                        .send()
                })
                .await?;
            clients
                .call("ec2", "StartInstances", || {
                    ec2.start_instances().instance_ids(&id).send()
                })
                .await?;
            wait_for(clients, &id, LifecycleState::Running, wait, &report).await?;
        }
        let groups = strings_attr(planned, "vpc_security_group_ids");
        let mut before = strings_attr(prior, "vpc_security_group_ids");
        before.sort();
        let mut after = groups.clone();
        after.sort();
        if !groups.is_empty() && before != after {
            clients
                .call("ec2", "ModifyInstanceAttribute", || {
                    ec2.modify_instance_attribute()
                        .instance_id(&id)
                        .set_groups(Some(groups.clone()))
                        .send()
                })
                .await?;
        }
        if tags_changed(prior, planned) {
            update_tags(clients, &id, prior, planned).await?;
        }
        let described = describe_one(clients, &id)
            .await?
            .ok_or_else(|| ProviderError::new(format!("the instance {id} no longer exists")))?;
        Ok(to_value(clients, &described, planned))
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = request.prior.unwrap_or(&Value::Null);
        let id = state_id(prior)?;
        let report = progress(request);
        let ec2 = &clients.ec2;
        match clients
            .call("ec2", "TerminateInstances", || {
                ec2.terminate_instances().instance_ids(&id).send()
            })
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        wait_for(
            clients,
            &id,
            LifecycleState::Terminated,
            timeout(prior, "delete", DEFAULT_DELETE_TIMEOUT),
            &report,
        )
        .await?;
        Ok(())
    }

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let mut results = self.read_many(clients, &[current]).await;
        results
            .pop()
            .unwrap_or_else(|| Err(ProviderError::new("no read result")))
    }

    /// One paginated `DescribeInstances` per 1,000 ids, however many
    /// machines are refreshed.
    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let ids: Vec<Option<String>> = currents.iter().map(|c| state_id(c).ok()).collect();
        let mut wanted: Vec<String> = ids.iter().flatten().cloned().collect();
        wanted.sort();
        wanted.dedup();
        let found = match describe_many(clients, &wanted).await {
            Ok(found) => found,
            Err(e) => {
                let error = ProviderError::from(e);
                return currents.iter().map(|_| Err(error.clone())).collect();
            }
        };
        currents
            .iter()
            .zip(ids)
            .map(|(current, id)| {
                let id = id.ok_or_else(|| ProviderError::new("the instance's state has no id"))?;
                Ok(found
                    .get(&id)
                    .filter(|d| state_of(&d.instance) != LifecycleState::Terminated)
                    .map(|d| to_value(clients, d, current)))
            })
            .collect()
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        let Some(described) = describe_one(clients, id).await? else {
            return Ok(None);
        };
        if state_of(&described.instance) == LifecycleState::Terminated {
            return Ok(None);
        }
        // User data is not part of DescribeInstances; it is fetched once here
        // so that an imported machine's user_data (and, when stack wrote it,
        // its provisioners' sha1) match its configuration.
        let ec2 = &clients.ec2;
        let attribute = clients
            .call("ec2", "DescribeInstanceAttribute", || {
                ec2.describe_instance_attribute()
                    .instance_id(id)
                    .attribute(InstanceAttributeName::UserData)
                    .send()
            })
            .await?;
        let text = attribute
            .user_data()
            .and_then(|u| u.value())
            .and_then(|b64| aws_smithy_types::base64::decode(b64).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        let recovered = user_data::recover(&text);
        let known = object([
            ("user_data", opt_string(recovered.user_data)),
            ("provisioner_sha1", opt_string(recovered.provisioner_sha1)),
        ]);
        Ok(Some(to_value(clients, &described, &known)))
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let Some(id) = find_by_intent(clients, operation_id).await? else {
            return Ok(None);
        };
        Ok(describe_one(clients, &id)
            .await?
            .map(|described| to_value(clients, &described, planned)))
    }
}

/// Finds the machine a create with `operation_id` launched, by its intent
/// tag, leaving out machines already terminated (they are gone). Two can
/// exist only if EC2 honoured neither the token nor showed the first machine
/// in time; one is kept, the same one every time.
async fn find_by_intent(
    clients: &Clients,
    operation_id: &str,
) -> Result<Option<String>, ProviderError> {
    let live = Filter::builder()
        .name("instance-state-name")
        .set_values(Some(
            ["pending", "running", "stopping", "stopped"]
                .map(String::from)
                .to_vec(),
        ))
        .build();
    let tagged = super::intent_filter(operation_id);
    let found = describe_pages(clients, |request| {
        request.filters(tagged.clone()).filters(live.clone())
    })
    .await?;
    Ok(found.into_keys().min())
}

/// Progress reporting for an apply, or nothing when nobody listens.
fn progress<'a>(request: &'a ApplyRequest<'_>) -> impl Fn(&str) + 'a {
    move |message: &str| {
        if let Some(sink) = &request.progress {
            sink(message)
        }
    }
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

/// The state value of a described machine; what EC2 does not report
/// (user data, provisioners, their sha1, timeouts) comes from `known`.
fn to_value(clients: &Clients, described: &Described, known: &Value) -> Value {
    let instance = &described.instance;
    let id = instance.instance_id().unwrap_or_default();
    object([
        ("id", string(id)),
        (
            "arn",
            arn(clients, described.owner.as_deref(), "instance", id),
        ),
        ("ami", opt_string(instance.image_id())),
        (
            "instance_type",
            opt_string(instance.instance_type().map(|t| t.as_str())),
        ),
        ("subnet_id", opt_string(instance.subnet_id())),
        (
            "vpc_security_group_ids",
            string_set(
                instance
                    .security_groups()
                    .iter()
                    .filter_map(|g| g.group_id().map(str::to_string)),
            ),
        ),
        ("key_name", opt_string(instance.key_name())),
        ("private_ip", opt_string(instance.private_ip_address())),
        ("public_ip", opt_string(instance.public_ip_address())),
        ("instance_state", string(state_of(instance).name())),
        ("tags", tags_value(instance.tags())),
        ("user_data", kept(known, "user_data")),
        ("provisioners", kept(known, "provisioners")),
        ("provisioner_sha1", kept(known, "provisioner_sha1")),
        ("timeouts", kept(known, "timeouts")),
    ])
}

/// Polls one machine until it reaches `target`, reporting each lifecycle
/// state on the way.
async fn wait_for(
    clients: &Clients,
    id: &str,
    target: LifecycleState,
    timeout: Duration,
    report: &(dyn Fn(&str) + Sync),
) -> Result<Described, ProviderError> {
    let what = format!("instance {id} to be {}", target.name().to_lowercase());
    clients
        .wait(&what, timeout, report, || async move {
            let Some(described) = describe_one(clients, id).await? else {
                // EC2 is eventually consistent: a machine just launched may
                // not be visible yet; one being deleted may be gone already.
                return Ok(if target == LifecycleState::Terminated {
                    Poll::Ready(Described {
                        instance: Ec2Instance::builder().instance_id(id).build(),
                        owner: None,
                    })
                } else {
                    Poll::Pending(LifecycleState::Building.name().to_string())
                });
            };
            let state = state_of(&described.instance);
            if state == target {
                return Ok(Poll::Ready(described));
            }
            let lost = matches!(
                state,
                LifecycleState::Terminating | LifecycleState::Terminated
            );
            if lost && target != LifecycleState::Terminated {
                let reason = described
                    .instance
                    .state_reason()
                    .and_then(|r| r.message())
                    .unwrap_or("no reason given");
                return Err(ProviderError::new(format!(
                    "instance {id} is {} while waiting for it to be {}: {reason}",
                    state.name(),
                    target.name()
                )));
            }
            Ok(Poll::Pending(state.name().to_string()))
        })
        .await
}

async fn describe_one(clients: &Clients, id: &str) -> Result<Option<Described>, ProviderError> {
    let mut found = describe_many(clients, &[id.to_string()]).await?;
    Ok(found.remove(id))
}

/// Describes many machines: per 1,000 ids one `DescribeInstances`, following
/// `NextToken` (moto pages at 100 reservations even when ids are given; AWS
/// does not page an id list, and following the token costs nothing there).
///
/// AWS fails the whole call with `InvalidInstanceID.NotFound` when one id
/// does not exist (and moto names only one of them). Such a batch is asked
/// again through the `instance-id` filter, which skips unknown ids, in
/// chunks of 200 values, the filter's limit.
async fn describe_many(
    clients: &Clients,
    ids: &[String],
) -> Result<HashMap<String, Described>, AwsError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(IDS_PER_CALL) {
        let by_ids = describe_pages(clients, |request| {
            request.set_instance_ids(Some(chunk.to_vec()))
        })
        .await;
        match by_ids {
            Ok(described) => found.extend(described),
            Err(e) if e.is_not_found() => {
                for part in chunk.chunks(FILTER_VALUES_PER_CALL) {
                    let filter = Filter::builder()
                        .name("instance-id")
                        .set_values(Some(part.to_vec()))
                        .build();
                    found.extend(
                        describe_pages(clients, |request| {
                            request.filters(filter.clone()).max_results(1000)
                        })
                        .await?,
                    );
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

type DescribeRequest =
    aws_sdk_ec2::operation::describe_instances::builders::DescribeInstancesFluentBuilder;

async fn describe_pages(
    clients: &Clients,
    build: impl Fn(DescribeRequest) -> DescribeRequest,
) -> Result<HashMap<String, Described>, AwsError> {
    let ec2 = &clients.ec2;
    let mut found = HashMap::new();
    let mut token: Option<String> = None;
    let mut seen_tokens = BTreeMap::new();
    loop {
        let page = clients
            .call("ec2", "DescribeInstances", || {
                build(ec2.describe_instances())
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for reservation in page.reservations() {
            for instance in reservation.instances() {
                if let Some(id) = instance.instance_id() {
                    found.insert(
                        id.to_string(),
                        Described {
                            instance: instance.clone(),
                            owner: reservation.owner_id().map(str::to_string),
                        },
                    );
                }
            }
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            // A token seen before would loop forever; stop instead.
            Some(next) if seen_tokens.insert(next.to_string(), ()).is_none() => {
                token = Some(next.to_string());
            }
            _ => break,
        }
    }
    Ok(found)
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
