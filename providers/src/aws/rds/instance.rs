//! `aws_db_instance` on the [`Managed`] seam.
//!
//! An instance is created one of four ways, as in Terraform: from nothing
//! (CreateDBInstance), as a read replica (`replicate_source_db`,
//! CreateDBInstanceReadReplica), from a snapshot (`snapshot_identifier`,
//! RestoreDBInstanceFromDBSnapshot), or to a point in time
//! (`restore_to_point_in_time`, RestoreDBInstanceToPointInTime); an
//! `s3_import` is RestoreDBInstanceFromS3. The last four take fewer
//! settings than a plain create, so once the instance is available the
//! settings its description does not match yet are applied with one
//! ModifyDBInstance, like an update.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbInstance, Filter};
use engine::diagnostics::Diagnostic;
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::super::managed::{ours_by_name, Made, Managed, Tagging};
use super::super::retry::Poll;
use super::super::values::{
    blocks_attr, bool_attr, object, opt_string, required_str, str_attr, string, string_map,
    string_set, strings_attr, tags_attribute, timeout, timeouts_block,
};
use super::super::{attribute_text, user_tags, AwsError, Clients};
use super::{
    arguments, changed, int_attr, keep_precise_version, number, progress_of, tags_from_sdk,
    tags_to_sdk, RdsTags,
};
use crate::aws::managed::create_tags;

/// How many identifiers one `DescribeDBInstances` filter may carry.
const FILTER_VALUES_PER_CALL: usize = 100;

const CREATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(80 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

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

/// Arguments that RDS does not echo back, kept from the prior state or
/// plan, with their defaults when nothing is known (an import).
const LOCAL_ATTRIBUTES: &[(&str, Option<bool>)] = &[
    ("skip_final_snapshot", Some(false)),
    ("final_snapshot_identifier", None),
    ("apply_immediately", Some(false)),
    ("timeouts", None),
    ("blue_green_update", None),
    ("restore_to_point_in_time", None),
    ("s3_import", None),
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
    let known = |name: &str| {
        local
            .and_then(|l| l.get_attr(name))
            .filter(|v| !v.is_unknown())
            .cloned()
    };
    // The API does not always say whether the instance is public (the
    // emulator never does); keep what we knew, else false.
    let public = db
        .publicly_accessible()
        .map(Value::Bool)
        .or_else(|| known("publicly_accessible").filter(|v| !v.is_null()))
        .unwrap_or(Value::Bool(false));
    map.insert("publicly_accessible".to_string(), public);
    // RDS never returns the password; the configured value is kept, marked
    // sensitive so that the engine seals it in state and never shows it.
    let password = known("password").unwrap_or(Value::Null);
    map.insert("password".to_string(), password.mark_if(true));
    map.extend(arguments::read(db, local));
    // RDS moves the latest restorable time forward every few minutes: the
    // time read when the instance was created or imported is kept, or every
    // refresh would report it as a change made outside stack.
    if let Some(known) = known("latest_restorable_time").filter(|v| !v.is_null()) {
        map.insert("latest_restorable_time".to_string(), known);
    }
    for (name, default) in LOCAL_ATTRIBUTES {
        let value = known(name)
            .filter(|v| !v.is_null())
            .or(default.map(Value::Bool))
            .unwrap_or(Value::Null);
        map.insert(name.to_string(), value);
    }
    state
}

/// Derives a DB instance identifier from the operation id (after the
/// user's `identifier_prefix`, else "stack-"), so that a retried create
/// after a crash asks for the same name instead of making a second
/// instance. Identifiers are lowercase letters, digits and single hyphens,
/// starting with a letter, at most 63 characters.
fn generated_identifier(operation_id: &str, prefix: Option<&str>) -> String {
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in operation_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut id = format!("{}{hash:016x}", prefix.unwrap_or("stack-"));
    id.truncate(63);
    id
}

/// The identifier a create uses: the configured one, else a generated one.
fn identifier(planned: &Value, operation_id: &str) -> String {
    str_attr(planned, "identifier").unwrap_or_else(|| {
        generated_identifier(
            operation_id,
            str_attr(planned, "identifier_prefix").as_deref(),
        )
    })
}

/// One instance by identifier; `None` when there is none.
async fn describe_one(clients: &Clients, id: &str) -> Result<Option<DbInstance>, ProviderError> {
    let rds = &clients.rds;
    let out = clients
        .call("rds", "DescribeDBInstances", || {
            rds.describe_db_instances()
                .db_instance_identifier(id)
                .send()
        })
        .await;
    match out {
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
    clients: &Clients,
    ids: &[String],
) -> Result<Vec<DbInstance>, ProviderError> {
    let rds = &clients.rds;
    let mut found = Vec::new();
    for chunk in ids.chunks(FILTER_VALUES_PER_CALL) {
        let filter = Filter::builder()
            .name("db-instance-id")
            .set_values(Some(chunk.to_vec()))
            .build();
        let filter = &filter;
        let page = super::super::managed::pages(|marker| async move {
            let out = clients
                .call("rds", "DescribeDBInstances", || {
                    rds.describe_db_instances()
                        .filters(filter.clone())
                        .set_marker(marker.clone())
                        .send()
                })
                .await?;
            Ok::<_, AwsError>((
                out.db_instances().to_vec(),
                out.marker().map(str::to_string),
            ))
        })
        .await?;
        found.extend(page);
    }
    Ok(found)
}

/// Waits until the instance is `available`, showing its status.
async fn wait_available(
    clients: &Clients,
    request: &ApplyRequest<'_>,
    id: &str,
    limit: Duration,
) -> Result<(), ProviderError> {
    let what = format!("DB instance {id} to become available");
    let progress = progress_of(request, id);
    clients
        .wait(&what, limit, &progress, move || async move {
            let Some(db) = describe_one(clients, id).await? else {
                return Err(ProviderError::new(format!(
                    "DB instance {id} disappeared while waiting for it to become available"
                )));
            };
            let status = db.db_instance_status().unwrap_or("unknown").to_string();
            match db_instance_status(&status) {
                DbStatus::Ready => Ok(Poll::Ready(())),
                DbStatus::Pending => Ok(Poll::Pending(status)),
                DbStatus::Failed => Err(ProviderError::new(format!(
                    "DB instance {id} is in state \"{status}\" instead of becoming available"
                ))),
            }
        })
        .await
}

/// The log types to enable and to disable between two values.
fn logs_export_change(prior: &Value, planned: &Value) -> CloudwatchLogsExportConfiguration {
    let before = strings_attr(prior, "enabled_cloudwatch_logs_exports");
    let after = strings_attr(planned, "enabled_cloudwatch_logs_exports");
    let enable: Vec<String> = after
        .iter()
        .filter(|t| !before.contains(t))
        .cloned()
        .collect();
    let disable: Vec<String> = before
        .iter()
        .filter(|t| !after.contains(t))
        .cloned()
        .collect();
    CloudwatchLogsExportConfiguration::builder()
        .set_enable_log_types((!enable.is_empty()).then_some(enable))
        .set_disable_log_types((!disable.is_empty()).then_some(disable))
        .build()
}

fn restore_block() -> BlockSchema {
    use AttributeSchema as A;
    BlockSchema {
        name: "restore_to_point_in_time",
        nesting: Nesting::List,
        min_items: 0,
        max_items: Some(1),
        force_new: true,
        schema: Schema::new("Create the instance by restoring another to a point in time.")
            .attr(
                A::optional("restore_time", AttrType::String)
                    .describe("The time to restore to (RFC 3339, UTC)."),
            )
            .attr(
                A::optional("source_db_instance_identifier", AttrType::String)
                    .describe("The instance to restore."),
            )
            .attr(
                A::optional("source_db_instance_automated_backups_arn", AttrType::String)
                    .describe("The automated backups to restore from."),
            )
            .attr(
                A::optional("source_dbi_resource_id", AttrType::String)
                    .describe("The resource id of the instance to restore."),
            )
            .attr(
                A::optional("use_latest_restorable_time", AttrType::Bool)
                    .describe("Restore to the latest restorable time."),
            ),
    }
}

fn s3_import_block() -> BlockSchema {
    use AttributeSchema as A;
    BlockSchema {
        name: "s3_import",
        nesting: Nesting::List,
        min_items: 0,
        max_items: Some(1),
        force_new: true,
        schema: Schema::new("Create the instance from a Percona XtraBackup in S3 (MySQL).")
            .attr(
                A::required("bucket_name", AttrType::String)
                    .describe("The bucket holding the backup."),
            )
            .attr(
                A::optional("bucket_prefix", AttrType::String)
                    .describe("The key prefix of the backup."),
            )
            .attr(
                A::required("ingestion_role", AttrType::String)
                    .describe("The IAM role RDS reads the bucket with."),
            )
            .attr(
                A::required("source_engine", AttrType::String)
                    .describe("The engine of the backup (mysql)."),
            )
            .attr(
                A::required("source_engine_version", AttrType::String)
                    .describe("The engine version of the backup."),
            ),
    }
}

fn blue_green_block() -> BlockSchema {
    BlockSchema {
        name: "blue_green_update",
        nesting: Nesting::List,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        schema: Schema::new("Low-downtime updates through RDS Blue/Green deployments.").attr(
            AttributeSchema::optional("enabled", AttrType::Bool)
                .describe("Whether updates go through a Blue/Green deployment."),
        ),
    }
}

impl DbInstanceResource {
    /// Sends the create call the planned value asks for: a read replica, a
    /// restore from a snapshot, to a point in time or from S3, or a plain
    /// create. Says whether it was a plain one.
    async fn send_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
        id: &str,
    ) -> Result<bool, ProviderError> {
        let tags = tags_to_sdk(&create_tags(planned, request.operation_id));
        let find = || self.find_created(clients, request.operation_id, planned);
        let rds = &clients.rds;
        let s = |name: &str| str_attr(planned, name);
        let groups = {
            let g = strings_attr(planned, "vpc_security_group_ids");
            (!g.is_empty()).then_some(g)
        };
        if let Some(source) = s("replicate_source_db") {
            let call = rds
                .create_db_instance_read_replica()
                .db_instance_identifier(id)
                .source_db_instance_identifier(source)
                .set_db_instance_class(s("instance_class"))
                .set_availability_zone(s("availability_zone"))
                .set_port(int_attr(planned, "port"))
                .set_multi_az(bool_attr(planned, "multi_az"))
                .set_db_subnet_group_name(s("db_subnet_group_name"))
                .set_vpc_security_group_ids(groups)
                .set_db_parameter_group_name(s("parameter_group_name"))
                .set_option_group_name(s("option_group_name"))
                .set_kms_key_id(s("kms_key_id"))
                .set_storage_type(s("storage_type"))
                .set_publicly_accessible(bool_attr(planned, "publicly_accessible"))
                .set_replica_mode(s("replica_mode").map(|m| m.as_str().into()))
                .set_upgrade_storage_config(bool_attr(planned, "upgrade_storage_config"))
                .set_tags(Some(tags));
            clients
                .create(
                    "rds",
                    "CreateDBInstanceReadReplica",
                    || call.clone().send(),
                    find,
                )
                .await?;
            return Ok(false);
        }
        if let Some(snapshot) = s("snapshot_identifier") {
            let call = rds
                .restore_db_instance_from_db_snapshot()
                .db_instance_identifier(id)
                .db_snapshot_identifier(snapshot)
                .set_db_instance_class(s("instance_class"))
                .set_availability_zone(s("availability_zone"))
                .set_port(int_attr(planned, "port"))
                .set_multi_az(bool_attr(planned, "multi_az"))
                .set_db_subnet_group_name(s("db_subnet_group_name"))
                .set_vpc_security_group_ids(groups)
                .set_db_parameter_group_name(s("parameter_group_name"))
                .set_option_group_name(s("option_group_name"))
                .set_storage_type(s("storage_type"))
                .set_publicly_accessible(bool_attr(planned, "publicly_accessible"))
                .set_tags(Some(tags));
            clients
                .create(
                    "rds",
                    "RestoreDBInstanceFromDBSnapshot",
                    || call.clone().send(),
                    find,
                )
                .await?;
            return Ok(false);
        }
        if let Some(restore) = blocks_attr(planned, "restore_to_point_in_time").first() {
            let r = |name: &str| str_attr(restore, name);
            let call = rds
                .restore_db_instance_to_point_in_time()
                .target_db_instance_identifier(id)
                .set_source_db_instance_identifier(r("source_db_instance_identifier"))
                .set_source_db_instance_automated_backups_arn(r(
                    "source_db_instance_automated_backups_arn",
                ))
                .set_source_dbi_resource_id(r("source_dbi_resource_id"))
                .set_use_latest_restorable_time(bool_attr(restore, "use_latest_restorable_time"))
                .set_restore_time(r("restore_time").and_then(|t| {
                    aws_sdk_rds::primitives::DateTime::from_str(
                        &t,
                        aws_sdk_rds::primitives::DateTimeFormat::DateTime,
                    )
                    .ok()
                }))
                .set_db_instance_class(s("instance_class"))
                .set_db_subnet_group_name(s("db_subnet_group_name"))
                .set_vpc_security_group_ids(groups)
                .set_db_parameter_group_name(s("parameter_group_name"))
                .set_tags(Some(tags));
            clients
                .create(
                    "rds",
                    "RestoreDBInstanceToPointInTime",
                    || call.clone().send(),
                    find,
                )
                .await?;
            return Ok(false);
        }
        if let Some(import) = blocks_attr(planned, "s3_import").first() {
            let i = |name: &str| str_attr(import, name);
            let call = rds
                .restore_db_instance_from_s3()
                .db_instance_identifier(id)
                .set_s3_bucket_name(i("bucket_name"))
                .set_s3_prefix(i("bucket_prefix"))
                .set_s3_ingestion_role_arn(i("ingestion_role"))
                .set_source_engine(i("source_engine"))
                .set_source_engine_version(i("source_engine_version"))
                .set_engine(s("engine"))
                .set_db_instance_class(s("instance_class"))
                .set_allocated_storage(int_attr(planned, "allocated_storage"))
                .set_master_username(s("username"))
                .set_master_user_password(s("password"))
                .set_db_subnet_group_name(s("db_subnet_group_name"))
                .set_vpc_security_group_ids(groups)
                .set_tags(Some(tags));
            clients
                .create(
                    "rds",
                    "RestoreDBInstanceFromS3",
                    || call.clone().send(),
                    find,
                )
                .await?;
            return Ok(false);
        }
        let create = rds
            .create_db_instance()
            .db_instance_identifier(id)
            .set_engine(s("engine"))
            .set_engine_version(s("engine_version"))
            .set_db_instance_class(s("instance_class"))
            .set_allocated_storage(int_attr(planned, "allocated_storage"))
            .set_db_name(s("db_name"))
            .set_master_username(s("username"))
            .set_master_user_password(s("password"))
            .set_multi_az(bool_attr(planned, "multi_az"))
            .set_deletion_protection(bool_attr(planned, "deletion_protection"))
            .set_backup_retention_period(int_attr(planned, "backup_retention_period"))
            .set_db_subnet_group_name(s("db_subnet_group_name"))
            .set_db_parameter_group_name(s("parameter_group_name"))
            .set_vpc_security_group_ids(groups)
            .set_publicly_accessible(bool_attr(planned, "publicly_accessible"))
            .set_port(int_attr(planned, "port"))
            .set_tags(Some(tags));
        let create = arguments::create(create, planned);
        clients
            .create("rds", "CreateDBInstance", || create.clone().send(), find)
            .await?;
        Ok(true)
    }

    /// The ModifyDBInstance of an update; says whether it sent one.
    async fn modify(
        &self,
        clients: &Clients,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<bool, ProviderError> {
        let rds = &clients.rds;
        let mut modify = rds
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(bool_attr(planned, "apply_immediately").unwrap_or(false));
        let mut any = false;
        let mut set = |name: &str| {
            let is = changed(prior, planned, name);
            any |= is;
            is
        };
        if set("instance_class") {
            modify = modify.set_db_instance_class(str_attr(planned, "instance_class"));
        }
        if set("allocated_storage") {
            modify = modify.set_allocated_storage(int_attr(planned, "allocated_storage"));
        }
        if set("engine_version") {
            modify = modify
                .set_engine_version(str_attr(planned, "engine_version"))
                .allow_major_version_upgrade(true);
        }
        if set("password") {
            modify = modify.set_master_user_password(str_attr(planned, "password"));
        }
        if set("multi_az") {
            modify = modify.set_multi_az(bool_attr(planned, "multi_az"));
        }
        if set("backup_retention_period") {
            modify =
                modify.set_backup_retention_period(int_attr(planned, "backup_retention_period"));
        }
        if set("deletion_protection") {
            modify = modify.set_deletion_protection(bool_attr(planned, "deletion_protection"));
        }
        if set("parameter_group_name") {
            modify = modify.set_db_parameter_group_name(str_attr(planned, "parameter_group_name"));
        }
        if set("vpc_security_group_ids") {
            let groups = strings_attr(planned, "vpc_security_group_ids");
            modify = modify.set_vpc_security_group_ids((!groups.is_empty()).then_some(groups));
        }
        if set("publicly_accessible") {
            modify = modify.set_publicly_accessible(bool_attr(planned, "publicly_accessible"));
        }
        if set("port") {
            modify = modify.set_db_port_number(int_attr(planned, "port"));
        }
        if set("enabled_cloudwatch_logs_exports") {
            modify =
                modify.cloudwatch_logs_export_configuration(logs_export_change(prior, planned));
        }
        let (modify, more) = arguments::modify(modify, prior, planned);
        if !(any || more) {
            return Ok(false);
        }
        clients
            .call("rds", "ModifyDBInstance", || modify.clone().send())
            .await?;
        Ok(true)
    }
}

#[async_trait]
impl Managed for DbInstanceResource {
    fn type_name(&self) -> &'static str {
        "aws_db_instance"
    }

    fn noun(&self) -> &'static str {
        "DB instance"
    }

    /// Terraform's provider (v5) keeps the DBI resource id (`db-…`) in `id`;
    /// the instance is found by its `identifier`.
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        attribute_text(attributes, "identifier")
    }

    fn schema(&self) -> Schema {
        use AttributeSchema as A;
        let schema = Schema::new("An RDS DB instance (PostgreSQL, MySQL, MariaDB…).")
            .attr(A::optional_computed("identifier", AttrType::String).force_new().describe("The name of the DB instance; generated when not set."))
            .attr(A::optional_computed("engine", AttrType::String).force_new().describe("The database engine, e.g. \"postgres\" or \"mysql\"; required unless the instance is a replica or a restore."))
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
            .block(blue_green_block())
            .block(restore_block())
            .block(s3_import_block())
            .block(timeouts_block());
        let schema = arguments::arguments()
            .iter()
            .fold(schema, |schema, argument| schema.attr((argument.schema)()));
        arguments::computed().into_iter().fold(schema, Schema::attr)
    }

    /// The schema's plan, keeping a precise engine version, with a warning
    /// where Blue/Green updates are asked for: changes are applied in place.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut response = plan_by_schema(schema, request.prior, request.config);
        keep_precise_version(&mut response, request.prior);
        let blue_green = blocks_attr(request.config, "blue_green_update")
            .iter()
            .any(|b| bool_attr(b, "enabled") == Some(true));
        if blue_green {
            response.diagnostics.push(Diagnostic::warning(
                "Blue/Green updates are not supported",
                "`blue_green_update { enabled = true }` is accepted, but stack applies changes to this DB instance in place with ModifyDBInstance, not through an RDS Blue/Green deployment.",
            ));
        }
        response
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        required_str(state, "identifier")
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&RdsTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    /// The identifier (the user's, or one derived from the operation id) is
    /// the key: a create whose answer was lost is found by it.
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let id = identifier(planned, request.operation_id);
        let buildable = str_attr(planned, "engine").is_some()
            || str_attr(planned, "replicate_source_db").is_some()
            || str_attr(planned, "snapshot_identifier").is_some()
            || !blocks_attr(planned, "restore_to_point_in_time").is_empty();
        if !buildable {
            return Err(ProviderError::new(format!(
                "DB instance {id} needs `engine`, unless it is a replica (`replicate_source_db`) or a restore (`snapshot_identifier`, `restore_to_point_in_time`)"
            )));
        }
        self.send_create(clients, request, planned, &id).await?;
        Ok(Made::id(&id).with("identifier", string(&id)))
    }

    /// Waits for the instance; a replica or a restore then gets the
    /// settings its create call could not take.
    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let limit = timeout(planned, "create", CREATE_TIMEOUT);
        wait_available(clients, request, id, limit).await?;
        let plain = str_attr(planned, "replicate_source_db").is_none()
            && str_attr(planned, "snapshot_identifier").is_none()
            && blocks_attr(planned, "restore_to_point_in_time").is_empty()
            && blocks_attr(planned, "s3_import").is_empty();
        if plain {
            return Ok(());
        }
        let Some(db) = describe_one(clients, id).await? else {
            return Ok(());
        };
        let current = db_instance_state(&db, Some(planned));
        // What the plan leaves to AWS (unknown until now) is whatever the
        // instance has: only the settings the configuration names are sent.
        let mut wanted = planned.clone();
        if let (Value::Map(wanted), Value::Map(current)) = (&mut wanted, &current) {
            for (name, value) in wanted.iter_mut() {
                if value.is_unknown() {
                    *value = current.get(name).cloned().unwrap_or(Value::Null);
                }
            }
        }
        if self.modify(clients, id, &current, &wanted).await? {
            wait_available(clients, request, id, limit).await?;
        }
        Ok(())
    }

    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if changed(prior, planned, "replicate_source_db")
            && str_attr(planned, "replicate_source_db").is_none()
        {
            // Removing the source promotes the replica to a standalone
            // instance, as in Terraform.
            let rds = &clients.rds;
            clients
                .call("rds", "PromoteReadReplica", || {
                    rds.promote_read_replica().db_instance_identifier(id).send()
                })
                .await?;
            let limit = timeout(planned, "update", UPDATE_TIMEOUT);
            wait_available(clients, request, id, limit).await?;
        }
        if self.modify(clients, id, prior, planned).await? {
            let limit = timeout(planned, "update", UPDATE_TIMEOUT);
            wait_available(clients, request, id, limit).await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
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
                    .db_instance_identifier(id)
                    .skip_final_snapshot(skip_snapshot)
                    .set_final_db_snapshot_identifier(if skip_snapshot {
                        None
                    } else {
                        final_snapshot.clone()
                    })
                    .set_delete_automated_backups(bool_attr(prior, "delete_automated_backups"))
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
        let progress = progress_of(request, id);
        clients
            .wait(&what, limit, &progress, move || async move {
                Ok(match describe_one(clients, id).await? {
                    None => Poll::Ready(()),
                    Some(db) => {
                        Poll::Pending(db.db_instance_status().unwrap_or("deleting").to_string())
                    }
                })
            })
            .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        ids: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        self.describe_known(clients, ids, &BTreeMap::new()).await
    }

    /// One filtered DescribeDBInstances per 100 identifiers, whatever
    /// their number.
    async fn describe_known(
        &self,
        clients: &Clients,
        ids: &[String],
        known: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        Ok(describe_many(clients, ids)
            .await?
            .iter()
            .filter_map(|db| {
                let id = db.db_instance_identifier()?.to_string();
                let state = db_instance_state(db, known.get(&id));
                Some((id, state))
            })
            .collect())
    }

    /// By the identifier the create used (the user's, or the one derived
    /// from the operation id) and the intent tag it set.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let id = identifier(planned, operation_id);
        ours_by_name(self, clients, Some(id), operation_id).await
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
        let a = generated_identifier("op-1", None);
        assert_eq!(a, generated_identifier("op-1", None));
        assert_ne!(a, generated_identifier("op-2", None));
        assert!(a.len() <= 63 && a.starts_with("stack-"), "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        let prefixed = generated_identifier("op-1", Some("orders-"));
        assert!(prefixed.starts_with("orders-"), "{prefixed}");
        assert_eq!(generated_identifier("op", Some(&"p".repeat(70))).len(), 63);
    }

    #[test]
    fn log_exports_enable_the_new_types_and_disable_the_dropped_ones() {
        let prior = object([(
            "enabled_cloudwatch_logs_exports",
            string_set(["postgresql", "upgrade"]),
        )]);
        let planned = object([(
            "enabled_cloudwatch_logs_exports",
            string_set(["postgresql", "iam-db-auth-error"]),
        )]);
        let change = logs_export_change(&prior, &planned);
        assert_eq!(change.enable_log_types(), ["iam-db-auth-error"]);
        assert_eq!(change.disable_log_types(), ["upgrade"]);
    }
}
