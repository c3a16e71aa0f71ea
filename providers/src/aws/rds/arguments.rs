//! The `aws_db_instance` arguments that are one API field each: a schema
//! entry, how CreateDBInstance and ModifyDBInstance take it, and how
//! DescribeDBInstances reports it. Listing them as data keeps the create,
//! update and read of some twenty arguments from repeating one shape.

use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder as Create;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder as Modify;
use aws_sdk_rds::types::DbInstance;
use engine::provider::{values_equal, AttrType, AttributeSchema as A};
use engine::value::Value;

use super::super::values::{bool_attr, opt_string, str_attr};
use super::{int_attr, number};

/// One argument: its schema, its create and modify setters (`None` where
/// a change replaces the instance), and its value in a description
/// (`None` where the API does not report it, so the configured value is
/// kept).
pub(super) struct Argument {
    pub schema: fn() -> A,
    pub create: fn(Create, &Value) -> Create,
    pub modify: Option<fn(Modify, &Value) -> Modify>,
    pub read: fn(&DbInstance) -> Option<Value>,
}

impl Argument {
    pub fn name(&self) -> &'static str {
        (self.schema)().name
    }
}

fn text(v: Option<&str>) -> Option<Value> {
    v.map(|s| opt_string(Some(s)))
}

fn flag(v: Option<bool>) -> Option<Value> {
    v.map(Value::Bool)
}

fn count(v: Option<i32>) -> Option<Value> {
    v.map(|n| number(Some(n)))
}

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
    ]
}

/// The computed attributes the description gives besides the arguments.
pub(super) fn computed() -> Vec<A> {
    vec![
        A::computed("resource_id", AttrType::String).describe("The RDS resource id, db-…."),
        A::computed("hosted_zone_id", AttrType::String)
            .describe("The Route 53 zone of the endpoint, for alias records."),
    ]
}

/// The table's arguments and the computed attributes in a description,
/// each configured value kept where the API reports nothing.
pub(super) fn read(db: &DbInstance, local: Option<&Value>) -> Vec<(String, Value)> {
    let mut pairs: Vec<(String, Value)> = arguments()
        .iter()
        .map(|a| {
            let kept = || {
                local
                    .and_then(|l| l.get_attr(a.name()))
                    .filter(|v| !v.is_unknown())
                    .cloned()
            };
            let value = (a.read)(db).or_else(kept).unwrap_or(Value::Null);
            (a.name().to_string(), value)
        })
        .collect();
    pairs.push(("resource_id".into(), opt_string(db.dbi_resource_id())));
    pairs.push((
        "hosted_zone_id".into(),
        opt_string(db.endpoint().and_then(|e| e.hosted_zone_id())),
    ));
    pairs
}

/// Adds every changed argument to a ModifyDBInstance call; says whether
/// any did.
pub(super) fn modify(mut call: Modify, prior: &Value, planned: &Value) -> (Modify, bool) {
    let mut any = false;
    for argument in arguments() {
        let name = argument.name();
        let before = prior.get_attr(name).unwrap_or(&Value::Null);
        let after = planned.get_attr(name).unwrap_or(&Value::Null);
        if let Some(set) = argument.modify.filter(|_| !values_equal(before, after)) {
            call = set(call, planned);
            any = true;
        }
    }
    (call, any)
}

/// Adds every argument to a CreateDBInstance call.
pub(super) fn create(mut call: Create, planned: &Value) -> Create {
    for argument in arguments() {
        call = (argument.create)(call, planned);
    }
    call
}
