//! Amazon RDS: `aws_db_subnet_group` and `aws_db_instance`.
//!
//! DB instances are asynchronous: create, modify and delete return at once
//! and the instance moves through states (`creating`, `modifying`,
//! `backing-up`, `deleting`…) that are polled with [`Clients::wait`] and
//! shown as progress. The mapping from RDS's status strings to "ready",
//! "still going" and "failed" is [`db_instance_status`], tested without any
//! endpoint below.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_rds::types::{DbInstance, DbSubnetGroup, Filter, Tag};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse,
    ProviderError, Schema,
};
use engine::value::Value;

use super::managed::{
    create_tags, one_or_all, ours_by_name, pages, tag_changes, Gone, Made, Managed, Seam, Tagging,
};
use super::retry::Poll;
use super::values::{
    bool_attr, number_attr, object, opt_string, partial_state, required_str, str_attr, string,
    string_map, string_map_attr, string_set, strings_attr, tags_attribute, timeout, timeouts_block,
    KeepCreated,
};
use super::{made_by, tags_with_intent, user_tags, AwsError, AwsResource, Clients};

/// The resources of this module, for `AwsProvider::new`.
mod arguments;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(DbSubnetGroupResource)),
        Box::new(DbInstanceResource),
    ]
}

/// How many identifiers one `DescribeDBInstances` filter may carry.
const FILTER_VALUES_PER_CALL: usize = 100;

const CREATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(80 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

pub(crate) fn tags_to_sdk(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn tags_from_sdk(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
        .collect()
}

/// RDS's tagging, by ARN.
pub(crate) struct RdsTags;

#[async_trait]
impl Tagging for RdsTags {
    async fn update(
        &self,
        clients: &Clients,
        arn: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let rds = &clients.rds;
        if !remove.is_empty() {
            clients
                .call("rds", "RemoveTagsFromResource", || {
                    rds.remove_tags_from_resource()
                        .resource_name(arn)
                        .set_tag_keys(Some(remove.to_vec()))
                        .send()
                })
                .await?;
        }
        if !add.is_empty() {
            clients
                .call("rds", "AddTagsToResource", || {
                    rds.add_tags_to_resource()
                        .resource_name(arn)
                        .set_tags(Some(tags_to_sdk(add)))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        list_all_tags(clients, arn).await
    }
}

/// Applies a change of the `tags` map to the resource named by `arn`.
async fn update_tags(
    clients: &Clients,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (add, remove) = tag_changes(
        &string_map_attr(prior, "tags"),
        &string_map_attr(planned, "tags"),
    );
    RdsTags.update(clients, arn, &add, &remove).await
}

/// Every tag of a resource, ours included.
async fn list_all_tags(
    clients: &Clients,
    arn: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let rds = &clients.rds;
    let out = clients
        .call("rds", "ListTagsForResource", || {
            rds.list_tags_for_resource().resource_name(arn).send()
        })
        .await?;
    Ok(tags_from_sdk(out.tag_list()))
}

pub(crate) use super::values::{changed, planned, prior};

pub(crate) fn int_attr(value: &Value, name: &str) -> Option<i32> {
    number_attr(value, name).map(|n| n as i32)
}

pub(crate) fn number(n: Option<i32>) -> Value {
    n.map(Value::number).unwrap_or(Value::Null)
}

/// Forwards waiter status changes to the engine's progress sink, if any.
pub(crate) fn progress_of<'a>(request: &'a ApplyRequest<'_>, what: &'a str) -> impl Fn(&str) + 'a {
    move |status: &str| {
        if let Some(sink) = &request.progress {
            sink(&format!("{what}: {status}"));
        }
    }
}

/// Keeps the prior (more precise) engine version when the configuration
/// names only a prefix of it: AWS reports "16.3" for a requested "16", and
/// that is not a change.
pub(crate) fn keep_precise_version(response: &mut PlanResponse, prior: Option<&Value>) {
    let Some(prior_version) = prior.and_then(|p| str_attr(p, "engine_version")) else {
        return;
    };
    let Some(planned_version) = str_attr(&response.planned, "engine_version") else {
        return;
    };
    if prior_version != planned_version && prior_version.starts_with(&format!("{planned_version}."))
    {
        if let Value::Map(map) = &mut response.planned {
            map.insert("engine_version".to_string(), string(prior_version));
        }
    }
}

// ---------------------------------------------------------------------------
// aws_db_subnet_group
// ---------------------------------------------------------------------------

pub struct DbSubnetGroupResource;

fn subnet_group_state(group: &DbSubnetGroup) -> Value {
    let name = group.db_subnet_group_name().unwrap_or_default();
    object([
        ("id", string(name)),
        ("name", string(name)),
        (
            "description",
            opt_string(group.db_subnet_group_description()),
        ),
        (
            "subnet_ids",
            string_set(
                group
                    .subnets()
                    .iter()
                    .filter_map(|s| s.subnet_identifier().map(str::to_string)),
            ),
        ),
        ("arn", opt_string(group.db_subnet_group_arn())),
    ])
}

/// One subnet group by name; `None` when there is none.
async fn describe_subnet_group(
    clients: &Clients,
    name: String,
) -> Result<Option<Value>, ProviderError> {
    let rds = &clients.rds;
    let out = clients
        .call("rds", "DescribeDBSubnetGroups", || {
            rds.describe_db_subnet_groups()
                .db_subnet_group_name(&name)
                .send()
        })
        .await
        .or_gone()?;
    Ok(out.and_then(|out| {
        out.db_subnet_groups()
            .iter()
            .find(|g| g.db_subnet_group_name() == Some(name.as_str()))
            .map(subnet_group_state)
    }))
}

/// Every subnet group of the account and region, one page at a time.
async fn describe_all_subnet_groups(
    clients: &Clients,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let rds = &clients.rds;
    let groups = pages(|marker| async move {
        let out = clients
            .call("rds", "DescribeDBSubnetGroups", || {
                rds.describe_db_subnet_groups()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok::<_, AwsError>((
            out.db_subnet_groups().to_vec(),
            out.marker().map(str::to_string),
        ))
    })
    .await?;
    Ok(groups
        .iter()
        .filter_map(|g| Some((g.db_subnet_group_name()?.to_string(), subnet_group_state(g))))
        .collect())
}

#[async_trait]
impl Managed for DbSubnetGroupResource {
    fn type_name(&self) -> &'static str {
        "aws_db_subnet_group"
    }

    fn noun(&self) -> &'static str {
        "DB subnet group"
    }

    fn schema(&self) -> Schema {
        Schema::new("A group of VPC subnets an RDS DB instance may be placed in.")
            .attr(
                AttributeSchema::required("name", AttrType::String)
                    .force_new()
                    .describe("The name of the DB subnet group."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .default("Managed by stack")
                    .describe("The description of the DB subnet group."),
            )
            .attr(
                AttributeSchema::required("subnet_ids", AttrType::set_of(AttrType::String))
                    .describe("The VPC subnet ids, in at least two availability zones."),
            )
            .attr(tags_attribute())
            .attr(
                AttributeSchema::computed("id", AttrType::String)
                    .describe("The name of the DB subnet group."),
            )
            .attr(
                AttributeSchema::computed("arn", AttrType::String)
                    .describe("The ARN of the DB subnet group."),
            )
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "name")
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&RdsTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = required_str(planned, "name")?;
        let description = str_attr(planned, "description").unwrap_or_default();
        let subnets = strings_attr(planned, "subnet_ids");
        let tags = create_tags(planned, request.operation_id);
        let rds = &clients.rds;
        // The name is the key: a create whose answer was lost is found by it.
        clients
            .create(
                "rds",
                "CreateDBSubnetGroup",
                || {
                    rds.create_db_subnet_group()
                        .db_subnet_group_name(&name)
                        .db_subnet_group_description(&description)
                        .set_subnet_ids(Some(subnets.clone()))
                        .set_tags(Some(tags_to_sdk(&tags)))
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
        if changed(prior, planned, "description") || changed(prior, planned, "subnet_ids") {
            let rds = &clients.rds;
            let description = str_attr(planned, "description").unwrap_or_default();
            let subnets = strings_attr(planned, "subnet_ids");
            clients
                .call("rds", "ModifyDBSubnetGroup", || {
                    rds.modify_db_subnet_group()
                        .db_subnet_group_name(name)
                        .db_subnet_group_description(&description)
                        .set_subnet_ids(Some(subnets.clone()))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let rds = &clients.rds;
        clients
            .call("rds", "DeleteDBSubnetGroup", || {
                rds.delete_db_subnet_group()
                    .db_subnet_group_name(name)
                    .send()
            })
            .await
            .gone_ok()
    }

    /// One paged listing instead of one describe per group; the tags still
    /// cost one call per group, as RDS lists them per ARN.
    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        one_or_all(
            names,
            |name| describe_subnet_group(clients, name),
            || describe_all_subnet_groups(clients),
        )
        .await
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
// aws_db_instance
// ---------------------------------------------------------------------------

pub struct DbInstanceResource;

/// What a DB instance status means for a waiter that wants it `available`.
#[derive(Debug, PartialEq, Eq)]
pub enum DbStatus {
    Ready,
    Pending,
    /// A state the instance does not leave on its own.
    Failed,
}

/// Maps an RDS `DBInstanceStatus` for a waiter that wants `available`.
pub fn db_instance_status(status: &str) -> DbStatus {
    match status {
        "available" => DbStatus::Ready,
        "failed"
        | "incompatible-network"
        | "incompatible-option-group"
        | "incompatible-parameters"
        | "incompatible-restore"
        | "inaccessible-encryption-credentials"
        | "inaccessible-encryption-credentials-recoverable"
        | "restore-error"
        | "stopped"
        | "storage-full"
        | "deleting" => DbStatus::Failed,
        // creating, backing-up, modifying, upgrading, rebooting,
        // resetting-master-credentials, configuring-*, storage-optimization,
        // renaming, maintenance, starting, moving-to-vpc…: RDS is working.
        _ => DbStatus::Pending,
    }
}

/// Arguments that RDS does not echo back, kept from the prior state or plan.
const DB_INSTANCE_LOCAL_ATTRIBUTES: &[&str] = &[
    "skip_final_snapshot",
    "final_snapshot_identifier",
    "apply_immediately",
    "timeouts",
];

/// Builds the state of a DB instance from the API's description; `local`
/// supplies the arguments the API never returns (the password, deletion
/// options, timeouts).
fn db_instance_state(db: &DbInstance, local: Option<&Value>) -> Value {
    let identifier = db.db_instance_identifier().unwrap_or_default();
    let endpoint = db.endpoint();
    let address = endpoint.and_then(|e| e.address());
    let port = endpoint.and_then(|e| e.port()).or(db.db_instance_port());
    let mut state = object([
        ("id", string(identifier)),
        ("identifier", string(identifier)),
        ("arn", opt_string(db.db_instance_arn())),
        ("engine", opt_string(db.engine())),
        ("engine_version", opt_string(db.engine_version())),
        ("instance_class", opt_string(db.db_instance_class())),
        ("allocated_storage", number(db.allocated_storage())),
        ("db_name", opt_string(db.db_name())),
        ("username", opt_string(db.master_username())),
        ("multi_az", Value::Bool(db.multi_az().unwrap_or(false))),
        (
            "deletion_protection",
            Value::Bool(db.deletion_protection().unwrap_or(false)),
        ),
        (
            "backup_retention_period",
            number(db.backup_retention_period()),
        ),
        (
            "db_subnet_group_name",
            opt_string(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
        ),
        (
            "parameter_group_name",
            opt_string(
                db.db_parameter_groups()
                    .first()
                    .and_then(|g| g.db_parameter_group_name()),
            ),
        ),
        (
            "vpc_security_group_ids",
            string_set(
                db.vpc_security_groups()
                    .iter()
                    .filter_map(|g| g.vpc_security_group_id().map(str::to_string)),
            ),
        ),
        ("port", number(port)),
        ("address", opt_string(address)),
        (
            "endpoint",
            match (address, port) {
                (Some(a), Some(p)) => string(format!("{a}:{p}")),
                (Some(a), None) => string(a),
                _ => Value::Null,
            },
        ),
        ("status", opt_string(db.db_instance_status())),
        ("tags", string_map(user_tags(tags_from_sdk(db.tag_list())))),
    ]);
    let Value::Map(map) = &mut state else {
        return state;
    };
    // The API does not always say whether the instance is public (the
    // emulator never does); keep what we knew, else false.
    let public = db
        .publicly_accessible()
        .map(Value::Bool)
        .unwrap_or_else(|| {
            local
                .and_then(|l| bool_attr(l, "publicly_accessible"))
                .map(Value::Bool)
                .unwrap_or(Value::Bool(false))
        });
    map.insert("publicly_accessible".to_string(), public);
    // RDS never returns the password; the configured value is kept, marked
    // sensitive so that the engine seals it in state and never shows it.
    let password = local
        .and_then(|l| l.get_attr("password"))
        .cloned()
        .unwrap_or(Value::Null);
    map.insert("password".to_string(), password.mark_if(true));
    map.extend(arguments::read(db, local));
    for name in DB_INSTANCE_LOCAL_ATTRIBUTES {
        let value = local
            .and_then(|l| l.get_attr(name))
            .filter(|v| !v.is_unknown())
            .cloned()
            .unwrap_or(match *name {
                "skip_final_snapshot" | "apply_immediately" => Value::Bool(false),
                _ => Value::Null,
            });
        map.insert(name.to_string(), value);
    }
    state
}

/// Derives a DB instance identifier from the operation id, so that a retried
/// create after a crash asks for the same name instead of making a second
/// instance. Identifiers are lowercase letters, digits and single hyphens,
/// starting with a letter, at most 63 characters.
fn generated_identifier(operation_id: &str) -> String {
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in operation_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("stack-{hash:016x}")
}

impl DbInstanceResource {
    async fn describe(
        &self,
        clients: &Clients,
        id: &str,
    ) -> Result<Option<DbInstance>, ProviderError> {
        let rds = &clients.rds;
        match clients
            .call("rds", "DescribeDBInstances", || {
                rds.describe_db_instances()
                    .db_instance_identifier(id)
                    .send()
            })
            .await
        {
            Ok(out) => Ok(out
                .db_instances()
                .iter()
                .find(|d| d.db_instance_identifier() == Some(id))
                .cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Describes many instances: one filtered call per 100 identifiers,
    /// following pages.
    async fn describe_many(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<HashMap<String, DbInstance>, ProviderError> {
        let rds = &clients.rds;
        let mut found = HashMap::new();
        for chunk in ids.chunks(FILTER_VALUES_PER_CALL) {
            let filter = Filter::builder()
                .name("db-instance-id")
                .set_values(Some(chunk.to_vec()))
                .build();
            let mut marker: Option<String> = None;
            loop {
                let out = clients
                    .call("rds", "DescribeDBInstances", || {
                        rds.describe_db_instances()
                            .filters(filter.clone())
                            .set_marker(marker.clone())
                            .send()
                    })
                    .await?;
                for db in out.db_instances() {
                    if let Some(id) = db.db_instance_identifier() {
                        found.insert(id.to_string(), db.clone());
                    }
                }
                match out.marker() {
                    Some(next) if !next.is_empty() => marker = Some(next.to_string()),
                    _ => break,
                }
            }
        }
        Ok(found)
    }

    /// Waits until the instance is `available`, showing its status.
    async fn wait_available(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        limit: Duration,
    ) -> Result<DbInstance, ProviderError> {
        let what = format!("DB instance {id} to become available");
        let progress = progress_of(request, id);
        clients
            .wait(&what, limit, &progress, move || async move {
                let Some(db) = self.describe(clients, id).await? else {
                    return Err(ProviderError::new(format!(
                        "DB instance {id} disappeared while waiting for it to become available"
                    )));
                };
                let status = db.db_instance_status().unwrap_or("unknown").to_string();
                match db_instance_status(&status) {
                    DbStatus::Ready => Ok(Poll::Ready(db)),
                    DbStatus::Pending => Ok(Poll::Pending(status)),
                    DbStatus::Failed => Err(ProviderError::new(format!(
                        "DB instance {id} is in state \"{status}\" instead of becoming available"
                    ))),
                }
            })
            .await
    }
}

#[async_trait]
impl AwsResource for DbInstanceResource {
    /// Terraform's provider (v5) keeps the DBI resource id (`db-…`) in `id`;
    /// the instance is found by its `identifier`.
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        super::attribute_text(attributes, "identifier")
    }

    fn type_name(&self) -> &'static str {
        "aws_db_instance"
    }

    fn schema(&self) -> Schema {
        use AttributeSchema as A;
        let schema = Schema::new("An RDS DB instance (PostgreSQL, MySQL, MariaDB…).")
            .attr(A::optional_computed("identifier", AttrType::String).force_new().describe("The name of the DB instance; generated when not set."))
            .attr(A::required("engine", AttrType::String).force_new().describe("The database engine, e.g. \"postgres\" or \"mysql\"."))
            .attr(A::optional_computed("engine_version", AttrType::String).describe("The engine version; a prefix such as \"16\" matches the precise version AWS reports."))
            .attr(A::required("instance_class", AttrType::String).describe("The instance class, e.g. \"db.t3.micro\"."))
            .attr(A::optional_computed("allocated_storage", AttrType::Number).describe("The storage in GiB."))
            .attr(A::optional_computed("db_name", AttrType::String).force_new().describe("The name of the database created with the instance."))
            .attr(A::optional_computed("username", AttrType::String).force_new().describe("The master user name."))
            .attr(A::optional("password", AttrType::String).sensitive().describe("The master password; kept sealed in state, never shown."))
            .attr(A::optional_computed("multi_az", AttrType::Bool).describe("Whether the instance has a standby in another availability zone."))
            .attr(A::optional("deletion_protection", AttrType::Bool).default(false).describe("Whether the instance refuses to be deleted."))
            .attr(A::optional("skip_final_snapshot", AttrType::Bool).default(false).describe("Whether to delete without taking a final snapshot."))
            .attr(A::optional("final_snapshot_identifier", AttrType::String).describe("The name of the snapshot taken when the instance is deleted."))
            .attr(A::optional("apply_immediately", AttrType::Bool).default(false).describe("Whether changes apply now rather than in the next maintenance window."))
            .attr(A::optional_computed("backup_retention_period", AttrType::Number).describe("How many days automated backups are kept."))
            .attr(A::optional_computed("db_subnet_group_name", AttrType::String).force_new().describe("The DB subnet group to place the instance in."))
            .attr(A::optional_computed("parameter_group_name", AttrType::String).describe("The DB parameter group; the engine's default when not set."))
            .attr(A::optional_computed("vpc_security_group_ids", AttrType::set_of(AttrType::String)).describe("The VPC security groups of the instance."))
            .attr(A::optional("publicly_accessible", AttrType::Bool).default(false).describe("Whether the instance has a public address."))
            .attr(A::optional_computed("port", AttrType::Number).describe("The port the database listens on."))
            .attr(tags_attribute())
            .attr(A::computed("id", AttrType::String).describe("The identifier of the DB instance."))
            .attr(A::computed("arn", AttrType::String).describe("The ARN of the DB instance."))
            .attr(A::computed("address", AttrType::String).describe("The host name of the instance."))
            .attr(A::computed("endpoint", AttrType::String).describe("The address and port, \"host:port\"."))
            .attr(A::computed("status", AttrType::String).describe("The RDS status of the instance."))
            .block(timeouts_block());
        let schema = arguments::arguments()
            .iter()
            .fold(schema, |schema, argument| schema.attr((argument.schema)()));
        arguments::computed().into_iter().fold(schema, Schema::attr)
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = plan_by_schema(schema, request.prior, request.config);
        keep_precise_version(&mut response, request.prior);
        response
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let planned = planned(request)?;
        let id = str_attr(planned, "identifier")
            .unwrap_or_else(|| generated_identifier(request.operation_id));
        let tags = tags_with_intent(string_map_attr(planned, "tags"), request.operation_id);
        let security_groups = strings_attr(planned, "vpc_security_group_ids");
        let rds = &clients.rds;
        let create = rds
            .create_db_instance()
            .db_instance_identifier(&id)
            .engine(required_str(planned, "engine")?)
            .set_engine_version(str_attr(planned, "engine_version"))
            .db_instance_class(required_str(planned, "instance_class")?)
            .set_allocated_storage(int_attr(planned, "allocated_storage"))
            .set_db_name(str_attr(planned, "db_name"))
            .set_master_username(str_attr(planned, "username"))
            .set_master_user_password(str_attr(planned, "password"))
            .set_multi_az(bool_attr(planned, "multi_az"))
            .set_deletion_protection(bool_attr(planned, "deletion_protection"))
            .set_backup_retention_period(int_attr(planned, "backup_retention_period"))
            .set_db_subnet_group_name(str_attr(planned, "db_subnet_group_name"))
            .set_db_parameter_group_name(str_attr(planned, "parameter_group_name"))
            .set_vpc_security_group_ids((!security_groups.is_empty()).then_some(security_groups))
            .set_publicly_accessible(bool_attr(planned, "publicly_accessible"))
            .set_port(int_attr(planned, "port"))
            .set_tags(Some(tags_to_sdk(&tags)));
        let create = arguments::create(create, planned);
        // The identifier (the user's, or one derived from the operation id)
        // is the key: a create whose answer was lost is found by it.
        clients
            .create(
                "rds",
                "CreateDBInstance",
                || create.clone().send(),
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        let limit = timeout(planned, "create", CREATE_TIMEOUT);
        let partial = partial_state(planned, [("id", string(&id)), ("identifier", string(&id))]);
        let db = self
            .wait_available(clients, request, &id, limit)
            .await
            .keep_created(&partial)?;
        Ok(db_instance_state(&db, Some(planned)))
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError> {
        let prior = prior(request)?;
        let planned = planned(request)?;
        let id = required_str(prior, "identifier")?;
        let rds = &clients.rds;
        let mut modify = rds
            .modify_db_instance()
            .db_instance_identifier(&id)
            .apply_immediately(bool_attr(planned, "apply_immediately").unwrap_or(false));
        let mut any = false;
        if changed(prior, planned, "instance_class") {
            modify = modify.set_db_instance_class(str_attr(planned, "instance_class"));
            any = true;
        }
        if changed(prior, planned, "allocated_storage") {
            modify = modify.set_allocated_storage(int_attr(planned, "allocated_storage"));
            any = true;
        }
        if changed(prior, planned, "engine_version") {
            modify = modify
                .set_engine_version(str_attr(planned, "engine_version"))
                .allow_major_version_upgrade(true);
            any = true;
        }
        if changed(prior, planned, "password") {
            modify = modify.set_master_user_password(str_attr(planned, "password"));
            any = true;
        }
        if changed(prior, planned, "multi_az") {
            modify = modify.set_multi_az(bool_attr(planned, "multi_az"));
            any = true;
        }
        if changed(prior, planned, "backup_retention_period") {
            modify =
                modify.set_backup_retention_period(int_attr(planned, "backup_retention_period"));
            any = true;
        }
        if changed(prior, planned, "deletion_protection") {
            modify = modify.set_deletion_protection(bool_attr(planned, "deletion_protection"));
            any = true;
        }
        if changed(prior, planned, "parameter_group_name") {
            modify = modify.set_db_parameter_group_name(str_attr(planned, "parameter_group_name"));
            any = true;
        }
        if changed(prior, planned, "vpc_security_group_ids") {
            let groups = strings_attr(planned, "vpc_security_group_ids");
            modify = modify.set_vpc_security_group_ids((!groups.is_empty()).then_some(groups));
            any = true;
        }
        if changed(prior, planned, "publicly_accessible") {
            modify = modify.set_publicly_accessible(bool_attr(planned, "publicly_accessible"));
            any = true;
        }
        if changed(prior, planned, "port") {
            modify = modify.set_db_port_number(int_attr(planned, "port"));
            any = true;
        }
        let (modify, more) = arguments::modify(modify, prior, planned);
        let any = any || more;
        if any {
            clients
                .call("rds", "ModifyDBInstance", || modify.clone().send())
                .await?;
        }
        if changed(prior, planned, "tags") {
            let arn = required_str(prior, "arn")?;
            update_tags(clients, &arn, prior, planned).await?;
        }
        let db = if any {
            let limit = timeout(planned, "update", UPDATE_TIMEOUT);
            self.wait_available(clients, request, &id, limit).await?
        } else {
            self.describe(clients, &id).await?.ok_or_else(|| {
                ProviderError::new(format!(
                    "DB instance {id} disappeared while it was being updated"
                ))
            })?
        };
        Ok(db_instance_state(&db, Some(planned)))
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError> {
        let prior = prior(request)?;
        let id = required_str(prior, "identifier")?;
        let protection_error = || {
            ProviderError::new(format!(
                "DB instance {id} has deletion protection enabled, so it cannot be deleted. Set `deletion_protection = false`, apply, and then destroy it."
            ))
        };
        if bool_attr(prior, "deletion_protection") == Some(true) {
            return Err(protection_error());
        }
        let skip_snapshot = bool_attr(prior, "skip_final_snapshot").unwrap_or(false);
        let final_snapshot = str_attr(prior, "final_snapshot_identifier");
        if !skip_snapshot && final_snapshot.is_none() {
            return Err(ProviderError::new(format!(
                "DB instance {id} would be deleted without the final snapshot it is configured to keep: set `final_snapshot_identifier`, or `skip_final_snapshot = true`, and apply before destroying it."
            )));
        }
        let rds = &clients.rds;
        let result = clients
            .call("rds", "DeleteDBInstance", || {
                rds.delete_db_instance()
                    .db_instance_identifier(&id)
                    .skip_final_snapshot(skip_snapshot)
                    .set_final_db_snapshot_identifier(if skip_snapshot {
                        None
                    } else {
                        final_snapshot.clone()
                    })
                    .send()
            })
            .await;
        match result {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            // The state may be stale: protection was turned on outside stack.
            Err(e) if e.message.to_lowercase().contains("deletion protection") => {
                return Err(protection_error())
            }
            Err(e) => return Err(e.into()),
        }
        let limit = timeout(prior, "delete", DELETE_TIMEOUT);
        let what = format!("DB instance {id} to be deleted");
        let progress = progress_of(request, &id);
        let id = id.as_str();
        clients
            .wait(&what, limit, &progress, move || async move {
                Ok(match self.describe(clients, id).await? {
                    None => Poll::Ready(()),
                    Some(db) => {
                        Poll::Pending(db.db_instance_status().unwrap_or("deleting").to_string())
                    }
                })
            })
            .await
    }

    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let id = required_str(current, "identifier")?;
        Ok(self
            .describe(clients, &id)
            .await?
            .map(|db| db_instance_state(&db, Some(current))))
    }

    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let ids: Vec<String> = currents
            .iter()
            .filter_map(|c| str_attr(c, "identifier"))
            .collect();
        let found = match self.describe_many(clients, &ids).await {
            Ok(found) => found,
            Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
        };
        currents
            .iter()
            .map(|current| match str_attr(current, "identifier") {
                None => Err(ProviderError::new(
                    "the argument \"identifier\" is required",
                )),
                Some(id) => Ok(found
                    .get(&id)
                    .map(|db| db_instance_state(db, Some(current)))),
            })
            .collect()
    }

    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError> {
        Ok(self
            .describe(clients, id)
            .await?
            .map(|db| db_instance_state(&db, None)))
    }

    /// By the identifier the create used (the user's, or the one derived
    /// from the operation id) and the intent tag it set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let id =
            str_attr(planned, "identifier").unwrap_or_else(|| generated_identifier(operation_id));
        Ok(self
            .describe(clients, &id)
            .await?
            .filter(|db| made_by(&tags_from_sdk(db.tag_list()), operation_id))
            .map(|db| db_instance_state(&db, Some(planned))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_instance_statuses_map_to_waiter_outcomes() {
        assert_eq!(db_instance_status("available"), DbStatus::Ready);
        for working in [
            "creating",
            "backing-up",
            "modifying",
            "upgrading",
            "rebooting",
            "resetting-master-credentials",
            "configuring-enhanced-monitoring",
            "storage-optimization",
            "renaming",
            "starting",
        ] {
            assert_eq!(db_instance_status(working), DbStatus::Pending, "{working}");
        }
        for stuck in [
            "failed",
            "incompatible-parameters",
            "incompatible-network",
            "storage-full",
            "stopped",
            "deleting",
        ] {
            assert_eq!(db_instance_status(stuck), DbStatus::Failed, "{stuck}");
        }
    }

    #[test]
    fn generated_identifiers_are_valid_and_stable() {
        let a = generated_identifier("op-1");
        assert_eq!(a, generated_identifier("op-1"));
        assert_ne!(a, generated_identifier("op-2"));
        assert!(a.len() <= 63 && a.starts_with("stack-"), "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }

    #[test]
    fn tag_changes_add_changed_values_and_remove_dropped_keys() {
        let old: BTreeMap<String, String> = [("a", "1"), ("b", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let new: BTreeMap<String, String> = [("b", "3"), ("c", "4")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (add, remove) = tag_changes(&old, &new);
        assert_eq!(add, new);
        assert_eq!(remove, vec!["a".to_string()]);
    }

    #[test]
    fn a_version_prefix_in_the_configuration_is_not_a_change() {
        let prior = object([("engine_version", string("16.3"))]);
        let mut response = PlanResponse {
            planned: object([("engine_version", string("16"))]),
            requires_replace: Vec::new(),
            planned_private: None,
            diagnostics: Default::default(),
        };
        keep_precise_version(&mut response, Some(&prior));
        assert_eq!(
            str_attr(&response.planned, "engine_version").as_deref(),
            Some("16.3")
        );

        response.planned = object([("engine_version", string("16.4"))]);
        keep_precise_version(&mut response, Some(&prior));
        assert_eq!(
            str_attr(&response.planned, "engine_version").as_deref(),
            Some("16.4")
        );

        // "1" is not a prefix of "16.3" as a version, only as text.
        response.planned = object([("engine_version", string("1"))]);
        keep_precise_version(&mut response, Some(&prior));
        assert_eq!(
            str_attr(&response.planned, "engine_version").as_deref(),
            Some("1")
        );
    }
}
