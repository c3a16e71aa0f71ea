//! The `aws_db_instance` arguments that are one API field each: a schema
//! entry, how CreateDBInstance and ModifyDBInstance take it, and how
//! DescribeDBInstances reports it. Listing them as data keeps the create,
//! update and read of some twenty arguments from repeating one shape.

use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder as Create;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder as Modify;
use aws_sdk_rds::types::DbInstance;
use engine::provider::{AttrType, AttributeSchema as A};
use engine::value::Value;

use super::super::fields::{self, count, flag, not_read, text, Field};
use super::super::values::{
    bool_attr, object, opt_string, str_attr, string_list, string_set, strings_attr,
};
use super::int_attr;

/// One argument of a DB instance (see [`Field`]).
pub(super) type Argument = Field<Create, Modify, DbInstance>;

/// Every argument of the table, in the order `stack schema` lists them.
pub(super) fn arguments() -> Vec<Argument> {
    vec![
        Argument {
            schema: || {
                A::optional_computed("storage_type", AttrType::String)
                    .describe("standard, gp2, gp3, io1 or io2.")
            },
            create: |c, v| c.set_storage_type(str_attr(v, "storage_type")),
            modify: Some(|m, v| m.set_storage_type(str_attr(v, "storage_type"))),
            read: |db| text(db.storage_type()),
        },
        Argument {
            schema: || {
                A::optional_computed("iops", AttrType::Number)
                    .describe("Provisioned IOPS (io1, io2, gp3).")
            },
            create: |c, v| c.set_iops(int_attr(v, "iops")),
            modify: Some(|m, v| m.set_iops(int_attr(v, "iops"))),
            read: |db| count(db.iops()),
        },
        Argument {
            schema: || {
                A::optional_computed("max_allocated_storage", AttrType::Number)
                    .describe("The storage autoscaling ceiling in GiB; 0 turns autoscaling off.")
            },
            create: |c, v| c.set_max_allocated_storage(int_attr(v, "max_allocated_storage")),
            modify: Some(|m, v| m.set_max_allocated_storage(int_attr(v, "max_allocated_storage"))),
            read: |db| count(db.max_allocated_storage()),
        },
        Argument {
            schema: || {
                A::optional_computed("storage_encrypted", AttrType::Bool)
                    .force_new()
                    .describe("Whether the storage is encrypted.")
            },
            create: |c, v| c.set_storage_encrypted(bool_attr(v, "storage_encrypted")),
            modify: None,
            read: |db| flag(db.storage_encrypted()),
        },
        Argument {
            schema: || {
                A::optional_computed("kms_key_id", AttrType::String)
                    .force_new()
                    .describe("The KMS key ARN the storage is encrypted with.")
            },
            create: |c, v| c.set_kms_key_id(str_attr(v, "kms_key_id")),
            modify: None,
            read: |db| text(db.kms_key_id()),
        },
        Argument {
            schema: || {
                A::optional_computed("backup_window", AttrType::String)
                    .describe("The daily backup window, e.g. \"09:46-10:16\" (UTC).")
            },
            create: |c, v| c.set_preferred_backup_window(str_attr(v, "backup_window")),
            modify: Some(|m, v| m.set_preferred_backup_window(str_attr(v, "backup_window"))),
            read: |db| text(db.preferred_backup_window()),
        },
        Argument {
            schema: || {
                A::optional_computed("maintenance_window", AttrType::String)
                    .describe("The weekly maintenance window, e.g. \"Mon:00:00-Mon:03:00\" (UTC).")
            },
            create: |c, v| c.set_preferred_maintenance_window(str_attr(v, "maintenance_window")),
            modify: Some(|m, v| {
                m.set_preferred_maintenance_window(str_attr(v, "maintenance_window"))
            }),
            read: |db| text(db.preferred_maintenance_window()),
        },
        Argument {
            schema: || {
                A::optional("copy_tags_to_snapshot", AttrType::Bool)
                    .default(false)
                    .describe("Whether snapshots get the instance's tags.")
            },
            create: |c, v| c.set_copy_tags_to_snapshot(bool_attr(v, "copy_tags_to_snapshot")),
            modify: Some(|m, v| m.set_copy_tags_to_snapshot(bool_attr(v, "copy_tags_to_snapshot"))),
            read: |db| flag(db.copy_tags_to_snapshot()),
        },
        Argument {
            schema: || {
                A::optional("monitoring_interval", AttrType::Number)
                    .default(0.0)
                    .describe(
                        "Seconds between Enhanced Monitoring samples: 0, 1, 5, 10, 15, 30 or 60.",
                    )
            },
            create: |c, v| c.set_monitoring_interval(int_attr(v, "monitoring_interval")),
            modify: Some(|m, v| m.set_monitoring_interval(int_attr(v, "monitoring_interval"))),
            read: |db| count(db.monitoring_interval()),
        },
        Argument {
            schema: || {
                A::optional_computed("monitoring_role_arn", AttrType::String)
                    .describe("The IAM role Enhanced Monitoring sends metrics with.")
            },
            create: |c, v| c.set_monitoring_role_arn(str_attr(v, "monitoring_role_arn")),
            modify: Some(|m, v| m.set_monitoring_role_arn(str_attr(v, "monitoring_role_arn"))),
            read: |db| text(db.monitoring_role_arn()),
        },
        Argument {
            schema: || {
                A::optional("performance_insights_enabled", AttrType::Bool)
                    .default(false)
                    .describe("Whether Performance Insights is on.")
            },
            create: |c, v| {
                c.set_enable_performance_insights(bool_attr(v, "performance_insights_enabled"))
            },
            modify: Some(|m, v| {
                m.set_enable_performance_insights(bool_attr(v, "performance_insights_enabled"))
            }),
            read: |db| flag(db.performance_insights_enabled()),
        },
        Argument {
            schema: || {
                A::optional_computed("ca_cert_identifier", AttrType::String).describe(
                    "The certificate authority of the server certificate, e.g. rds-ca-rsa2048-g1.",
                )
            },
            create: |c, v| c.set_ca_certificate_identifier(str_attr(v, "ca_cert_identifier")),
            modify: Some(|m, v| m.set_ca_certificate_identifier(str_attr(v, "ca_cert_identifier"))),
            read: |db| text(db.ca_certificate_identifier()),
        },
        Argument {
            schema: || {
                A::optional("auto_minor_version_upgrade", AttrType::Bool)
                    .default(true)
                    .describe(
                        "Whether minor engine upgrades are applied in the maintenance window.",
                    )
            },
            create: |c, v| {
                c.set_auto_minor_version_upgrade(bool_attr(v, "auto_minor_version_upgrade"))
            },
            modify: Some(|m, v| {
                m.set_auto_minor_version_upgrade(bool_attr(v, "auto_minor_version_upgrade"))
            }),
            read: |db| flag(db.auto_minor_version_upgrade()),
        },
        Argument {
            schema: || {
                A::optional_computed("availability_zone", AttrType::String)
                    .force_new()
                    .describe("The availability zone of a single-AZ instance.")
            },
            create: |c, v| c.set_availability_zone(str_attr(v, "availability_zone")),
            modify: None,
            read: |db| text(db.availability_zone()),
        },
        Argument {
            schema: || {
                A::optional_computed("license_model", AttrType::String)
                    .describe("The license model, e.g. general-public-license.")
            },
            create: |c, v| c.set_license_model(str_attr(v, "license_model")),
            modify: Some(|m, v| m.set_license_model(str_attr(v, "license_model"))),
            read: |db| text(db.license_model()),
        },
        Argument {
            schema: || {
                A::optional("iam_database_authentication_enabled", AttrType::Bool)
                    .default(false)
                    .describe("Whether IAM users may sign in to the database.")
            },
            create: |c, v| {
                c.set_enable_iam_database_authentication(bool_attr(
                    v,
                    "iam_database_authentication_enabled",
                ))
            },
            modify: Some(|m, v| {
                m.set_enable_iam_database_authentication(bool_attr(
                    v,
                    "iam_database_authentication_enabled",
                ))
            }),
            read: |db| flag(db.iam_database_authentication_enabled()),
        },
        Argument {
            schema: || {
                A::optional("manage_master_user_password", AttrType::Bool).describe("Whether RDS keeps the master password in Secrets Manager (instead of password).")
            },
            create: |c, v| {
                c.set_manage_master_user_password(bool_attr(v, "manage_master_user_password"))
            },
            modify: Some(|m, v| {
                m.set_manage_master_user_password(bool_attr(v, "manage_master_user_password"))
            }),
            read: |db| db.master_user_secret().map(|_| Value::Bool(true)),
        },
        Argument {
            schema: || {
                A::optional("allow_major_version_upgrade", AttrType::Bool)
                    .describe("Whether an engine_version change may cross a major version.")
            },
            create: |c, _| c,
            modify: Some(|m, v| {
                m.set_allow_major_version_upgrade(bool_attr(v, "allow_major_version_upgrade"))
            }),
            read: not_read,
        },
        Argument {
            schema: || {
                A::optional_computed("backup_target", AttrType::String)
                    .force_new()
                    .describe("Where backups are stored: region or outposts.")
            },
            create: |c, v| c.set_backup_target(str_attr(v, "backup_target")),
            modify: None,
            read: |db| text(db.backup_target()),
        },
        Argument {
            schema: || {
                A::optional_computed("character_set_name", AttrType::String)
                    .force_new()
                    .describe("Oracle and SQL Server: the character set (collation).")
            },
            create: |c, v| c.set_character_set_name(str_attr(v, "character_set_name")),
            modify: None,
            read: |db| text(db.character_set_name()),
        },
        Argument {
            schema: || {
                A::optional("custom_iam_instance_profile", AttrType::String)
                    .force_new()
                    .describe("RDS Custom: the instance profile of the underlying EC2 instance.")
            },
            create: |c, v| {
                c.set_custom_iam_instance_profile(str_attr(v, "custom_iam_instance_profile"))
            },
            modify: None,
            read: |db| text(db.custom_iam_instance_profile()),
        },
        Argument {
            schema: || {
                A::optional("customer_owned_ip_enabled", AttrType::Bool)
                    .describe("RDS on Outposts: whether the instance gets a customer-owned IP.")
            },
            create: |c, v| {
                c.set_enable_customer_owned_ip(bool_attr(v, "customer_owned_ip_enabled"))
            },
            modify: Some(|m, v| {
                m.set_enable_customer_owned_ip(bool_attr(v, "customer_owned_ip_enabled"))
            }),
            read: |db| flag(db.customer_owned_ip_enabled()),
        },
        Argument {
            schema: || {
                A::optional("dedicated_log_volume", AttrType::Bool)
                    .default(false)
                    .describe("Whether logs get their own volume (needs provisioned IOPS).")
            },
            create: |c, v| c.set_dedicated_log_volume(bool_attr(v, "dedicated_log_volume")),
            modify: Some(|m, v| m.set_dedicated_log_volume(bool_attr(v, "dedicated_log_volume"))),
            read: |db| flag(db.dedicated_log_volume()),
        },
        Argument {
            schema: || {
                A::optional("delete_automated_backups", AttrType::Bool)
                    .default(true)
                    .describe("Whether automated backups are removed when the instance is deleted.")
            },
            create: |c, _| c,
            modify: None,
            read: not_read,
        },
        Argument {
            schema: || {
                A::optional("domain", AttrType::String)
                    .describe("The Directory Service domain the instance joins.")
            },
            create: |c, v| c.set_domain(str_attr(v, "domain")),
            modify: Some(|m, v| m.set_domain(str_attr(v, "domain"))),
            read: |db| domain(db, |d| d.domain()),
        },
        Argument {
            schema: || {
                A::optional("domain_auth_secret_arn", AttrType::String)
                    .describe("Self-managed AD: the secret with the joining user's credentials.")
            },
            create: |c, v| c.set_domain_auth_secret_arn(str_attr(v, "domain_auth_secret_arn")),
            modify: Some(|m, v| {
                m.set_domain_auth_secret_arn(str_attr(v, "domain_auth_secret_arn"))
            }),
            read: |db| domain(db, |d| d.auth_secret_arn()),
        },
        Argument {
            schema: || {
                A::optional("domain_dns_ips", AttrType::list_of(AttrType::String))
                    .describe("Self-managed AD: the domain controllers' IPv4 addresses.")
            },
            create: |c, v| c.set_domain_dns_ips(listed(v, "domain_dns_ips")),
            modify: Some(|m, v| m.set_domain_dns_ips(listed(v, "domain_dns_ips"))),
            read: |db| {
                let ips = db.domain_memberships().first()?.dns_ips();
                (!ips.is_empty()).then(|| string_list(ips.iter().cloned()))
            },
        },
        Argument {
            schema: || {
                A::optional("domain_fqdn", AttrType::String)
                    .describe("Self-managed AD: the domain's fully qualified name.")
            },
            create: |c, v| c.set_domain_fqdn(str_attr(v, "domain_fqdn")),
            modify: Some(|m, v| m.set_domain_fqdn(str_attr(v, "domain_fqdn"))),
            read: |db| domain(db, |d| d.fqdn()),
        },
        Argument {
            schema: || {
                A::optional("domain_iam_role_name", AttrType::String)
                    .describe("The IAM role RDS calls Directory Service with.")
            },
            create: |c, v| c.set_domain_iam_role_name(str_attr(v, "domain_iam_role_name")),
            modify: Some(|m, v| m.set_domain_iam_role_name(str_attr(v, "domain_iam_role_name"))),
            read: |db| domain(db, |d| d.iam_role_name()),
        },
        Argument {
            schema: || {
                A::optional("domain_ou", AttrType::String)
                    .describe("Self-managed AD: the organizational unit to join.")
            },
            create: |c, v| c.set_domain_ou(str_attr(v, "domain_ou")),
            modify: Some(|m, v| m.set_domain_ou(str_attr(v, "domain_ou"))),
            read: |db| domain(db, |d| d.ou()),
        },
        Argument {
            schema: || {
                A::optional(
                    "enabled_cloudwatch_logs_exports",
                    AttrType::set_of(AttrType::String),
                )
                .describe("The log types exported to CloudWatch Logs.")
            },
            create: |c, v| {
                c.set_enable_cloudwatch_logs_exports(listed(v, "enabled_cloudwatch_logs_exports"))
            },
            // Enabled and disabled types are computed against the prior
            // state (see `logs_export_change`).
            modify: None,
            read: |db| {
                Some(string_set(
                    db.enabled_cloudwatch_logs_exports().iter().cloned(),
                ))
            },
        },
        Argument {
            schema: || {
                A::optional_computed("engine_lifecycle_support", AttrType::String).describe("open-source-rds-extended-support or open-source-rds-extended-support-disabled.")
            },
            create: |c, v| c.set_engine_lifecycle_support(str_attr(v, "engine_lifecycle_support")),
            modify: Some(|m, v| {
                m.set_engine_lifecycle_support(str_attr(v, "engine_lifecycle_support"))
            }),
            read: |db| text(db.engine_lifecycle_support()),
        },
        Argument {
            schema: || {
                A::optional_computed("identifier_prefix", AttrType::String)
                    .force_new()
                    .describe("A prefix for a generated identifier (instead of identifier).")
            },
            create: |c, _| c,
            modify: None,
            read: not_read,
        },
        Argument {
            schema: || {
                A::optional_computed("master_user_secret_kms_key_id", AttrType::String)
                    .describe("The KMS key of the Secrets Manager secret RDS manages.")
            },
            create: |c, v| {
                c.set_master_user_secret_kms_key_id(str_attr(v, "master_user_secret_kms_key_id"))
            },
            modify: Some(|m, v| {
                m.set_master_user_secret_kms_key_id(str_attr(v, "master_user_secret_kms_key_id"))
            }),
            read: |db| text(db.master_user_secret().and_then(|s| s.kms_key_id())),
        },
        Argument {
            schema: || {
                A::optional_computed("multi_tenant", AttrType::Bool)
                    .describe("Oracle CDB: whether the instance is multi-tenant.")
            },
            create: |c, v| c.set_multi_tenant(bool_attr(v, "multi_tenant")),
            modify: Some(|m, v| m.set_multi_tenant(bool_attr(v, "multi_tenant"))),
            read: |db| flag(db.multi_tenant()),
        },
        Argument {
            schema: || {
                A::optional_computed("nchar_character_set_name", AttrType::String)
                    .force_new()
                    .describe("Oracle: the national character set.")
            },
            create: |c, v| c.set_nchar_character_set_name(str_attr(v, "nchar_character_set_name")),
            modify: None,
            read: |db| text(db.nchar_character_set_name()),
        },
        Argument {
            schema: || {
                A::optional_computed("network_type", AttrType::String).describe("IPV4 or DUAL.")
            },
            create: |c, v| c.set_network_type(str_attr(v, "network_type")),
            modify: Some(|m, v| m.set_network_type(str_attr(v, "network_type"))),
            read: |db| text(db.network_type()),
        },
        Argument {
            schema: || {
                A::optional_computed("option_group_name", AttrType::String)
                    .describe("The DB option group.")
            },
            create: |c, v| c.set_option_group_name(str_attr(v, "option_group_name")),
            modify: Some(|m, v| m.set_option_group_name(str_attr(v, "option_group_name"))),
            read: |db| {
                text(
                    db.option_group_memberships()
                        .first()
                        .and_then(|o| o.option_group_name()),
                )
            },
        },
        Argument {
            schema: || {
                A::optional_computed("performance_insights_kms_key_id", AttrType::String)
                    .describe("The KMS key Performance Insights data is encrypted with.")
            },
            create: |c, v| {
                c.set_performance_insights_kms_key_id(str_attr(
                    v,
                    "performance_insights_kms_key_id",
                ))
            },
            modify: Some(|m, v| {
                m.set_performance_insights_kms_key_id(str_attr(
                    v,
                    "performance_insights_kms_key_id",
                ))
            }),
            read: |db| text(db.performance_insights_kms_key_id()),
        },
        Argument {
            schema: || {
                A::optional_computed("performance_insights_retention_period", AttrType::Number)
                    .describe("Days Performance Insights data is kept: 7, 731 or a multiple of 31.")
            },
            create: |c, v| {
                c.set_performance_insights_retention_period(int_attr(
                    v,
                    "performance_insights_retention_period",
                ))
            },
            modify: Some(|m, v| {
                m.set_performance_insights_retention_period(int_attr(
                    v,
                    "performance_insights_retention_period",
                ))
            }),
            read: |db| count(db.performance_insights_retention_period()),
        },
        Argument {
            schema: || {
                A::optional_computed("replica_mode", AttrType::String)
                    .describe("Oracle replicas: mounted or open-read-only.")
            },
            create: |c, _| c,
            modify: Some(|m, v| {
                m.set_replica_mode(str_attr(v, "replica_mode").map(|r| r.as_str().into()))
            }),
            read: |db| text(db.replica_mode().map(|r| r.as_str())),
        },
        Argument {
            schema: || {
                A::optional("replicate_source_db", AttrType::String).describe("The instance (identifier, or ARN across regions) this one is a read replica of.")
            },
            create: |c, _| c,
            modify: None,
            read: |db| text(db.read_replica_source_db_instance_identifier()),
        },
        Argument {
            schema: || {
                A::optional("snapshot_identifier", AttrType::String)
                    .force_new()
                    .describe("A DB snapshot to create the instance from.")
            },
            create: |c, _| c,
            modify: None,
            read: not_read,
        },
        Argument {
            schema: || {
                A::optional("upgrade_storage_config", AttrType::Bool).describe(
                    "Read replicas: whether to upgrade the storage file system configuration.",
                )
            },
            create: |c, _| c,
            modify: None,
            read: not_read,
        },
        Argument {
            schema: || {
                A::optional_computed("storage_throughput", AttrType::Number)
                    .describe("gp3: the storage throughput in MiB/s.")
            },
            create: |c, v| c.set_storage_throughput(int_attr(v, "storage_throughput")),
            modify: Some(|m, v| m.set_storage_throughput(int_attr(v, "storage_throughput"))),
            read: |db| count(db.storage_throughput()),
        },
        Argument {
            schema: || {
                A::optional_computed("timezone", AttrType::String)
                    .force_new()
                    .describe("SQL Server: the time zone of the instance.")
            },
            create: |c, v| c.set_timezone(str_attr(v, "timezone")),
            modify: None,
            read: |db| text(db.timezone()),
        },
    ]
}

/// A value of the instance's first domain membership.
fn domain(
    db: &DbInstance,
    value: fn(&aws_sdk_rds::types::DomainMembership) -> Option<&str>,
) -> Option<Value> {
    text(db.domain_memberships().first().and_then(value))
}

/// A list argument as the SDK takes it: `None` when empty.
fn listed(value: &Value, name: &str) -> Option<Vec<String>> {
    let items = strings_attr(value, name);
    (!items.is_empty()).then_some(items)
}

/// The computed attributes the description gives besides the arguments.
pub(super) fn computed() -> Vec<A> {
    vec![
        A::computed("resource_id", AttrType::String).describe("The RDS resource id, db-…."),
        A::computed("hosted_zone_id", AttrType::String)
            .describe("The Route 53 zone of the endpoint, for alias records."),
        A::computed("engine_version_actual", AttrType::String)
            .describe("The precise engine version running."),
        A::computed("latest_restorable_time", AttrType::String)
            .describe("The latest time a point-in-time restore could go back to when the instance was created or imported (RFC 3339)."),
        A::computed("listener_endpoint", AttrType::list_of(AttrType::map_of(AttrType::Any)))
            .describe("SQL Server Always On: the listener, an object with address, hosted_zone_id and port."),
        A::computed("master_user_secret", AttrType::list_of(AttrType::map_of(AttrType::Any)))
            .describe("The Secrets Manager secret RDS manages: an object with kms_key_id, secret_arn and secret_status."),
    ]
}

/// The values of [`computed`] in a description.
fn computed_values(db: &DbInstance) -> Vec<(String, Value)> {
    let listener = db.listener_endpoint().map(|e| {
        object([
            ("address", opt_string(e.address())),
            ("hosted_zone_id", opt_string(e.hosted_zone_id())),
            ("port", Value::number(f64::from(e.port().unwrap_or(0)))),
        ])
    });
    let secret = db.master_user_secret().map(|s| {
        object([
            ("kms_key_id", opt_string(s.kms_key_id())),
            ("secret_arn", opt_string(s.secret_arn())),
            ("secret_status", opt_string(s.secret_status())),
        ])
    });
    vec![
        ("resource_id".into(), opt_string(db.dbi_resource_id())),
        (
            "hosted_zone_id".into(),
            opt_string(db.endpoint().and_then(|e| e.hosted_zone_id())),
        ),
        (
            "engine_version_actual".into(),
            opt_string(db.engine_version()),
        ),
        (
            "latest_restorable_time".into(),
            opt_string(db.latest_restorable_time().and_then(|t| {
                t.fmt(aws_sdk_rds::primitives::DateTimeFormat::DateTime)
                    .ok()
            })),
        ),
        (
            "listener_endpoint".into(),
            Value::List(listener.into_iter().collect()),
        ),
        (
            "master_user_secret".into(),
            Value::List(secret.into_iter().collect()),
        ),
    ]
}

/// The table's arguments and the computed attributes in a description,
/// each configured value kept where the API reports nothing.
pub(super) fn read(db: &DbInstance, local: Option<&Value>) -> Vec<(String, Value)> {
    let mut pairs = fields::read(&arguments(), db, local);
    pairs.extend(computed_values(db));
    pairs
}

/// Adds every changed argument to a ModifyDBInstance call; says whether
/// any did.
pub(super) fn modify(call: Modify, prior: &Value, planned: &Value) -> (Modify, bool) {
    fields::modify(&arguments(), call, prior, planned)
}

/// Adds every argument to a CreateDBInstance call.
pub(super) fn create(call: Create, planned: &Value) -> Create {
    fields::create(&arguments(), call, planned)
}
