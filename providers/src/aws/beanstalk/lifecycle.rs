//! The `appversion_lifecycle` block of `aws_elastic_beanstalk_application`:
//! the rule by which Elastic Beanstalk deletes old application versions
//! (an application's ResourceLifecycleConfig), keeping at most `max_count`
//! versions or none older than `max_age_in_days`.

use aws_sdk_elasticbeanstalk::types::{
    ApplicationResourceLifecycleConfig, ApplicationVersionLifecycleConfig, MaxAgeRule, MaxCountRule,
};
use engine::diagnostics::Diagnostic;
use engine::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, Schema};
use engine::value::Value;

use super::super::values::{bool_attr, number_attr, object, str_attr, string};

pub(super) const BLOCK: &str = "appversion_lifecycle";

pub(super) fn block() -> BlockSchema {
    BlockSchema {
        name: BLOCK,
        nesting: Nesting::Single,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        schema: Schema::new("Which application versions Elastic Beanstalk deletes by itself; set max_count or max_age_in_days, not both.")
            .attr(AttributeSchema::required("service_role", AttrType::String).describe("The ARN of the IAM role Elastic Beanstalk deletes versions as."))
            .attr(AttributeSchema::optional("max_count", AttrType::Number).describe("How many versions to keep."))
            .attr(AttributeSchema::optional("max_age_in_days", AttrType::Number).describe("How many days to keep a version."))
            .attr(AttributeSchema::optional("delete_source_from_s3", AttrType::Bool).default(false).describe("Whether a deleted version's source bundle is deleted from S3 too.")),
    }
}

/// The block of a configuration or state, if it is there.
pub(super) fn of(value: &Value) -> Option<&Value> {
    value.get_attr(BLOCK).filter(|b| !b.is_null())
}

/// Terraform's rule: one of the two limits, never both.
pub(super) fn check(config: &Value) -> Option<Diagnostic> {
    let block = of(config)?;
    let has = |name| block.get_attr(name).is_some_and(|v| !v.is_null());
    (has("max_count") && has("max_age_in_days")).then(|| {
        Diagnostic::error(
            "Conflicting arguments",
            "An appversion_lifecycle block sets max_count or max_age_in_days, not both. Keep one of them.",
        )
    })
}

/// The API's form of the block. Without a block (`None`), both rules are
/// disabled under `prior_role`, which is how a lifecycle is turned off.
pub(super) fn to_sdk(
    block: Option<&Value>,
    prior_role: Option<String>,
) -> ApplicationResourceLifecycleConfig {
    let limit = |name| block.and_then(|b| number_attr(b, name)).map(|n| n as i32);
    let delete_source = block.and_then(|b| bool_attr(b, "delete_source_from_s3"));
    let max_count = limit("max_count");
    let max_age = limit("max_age_in_days");
    // `enabled` is each rule's only required member and is always set, so
    // building a rule cannot fail.
    let rules = ApplicationVersionLifecycleConfig::builder()
        .set_max_count_rule(
            MaxCountRule::builder()
                .enabled(max_count.is_some())
                .set_max_count(max_count)
                .set_delete_source_from_s3(max_count.and(delete_source))
                .build()
                .ok(),
        )
        .set_max_age_rule(
            MaxAgeRule::builder()
                .enabled(max_age.is_some())
                .set_max_age_in_days(max_age)
                .set_delete_source_from_s3(max_age.and(delete_source))
                .build()
                .ok(),
        )
        .build();
    ApplicationResourceLifecycleConfig::builder()
        .set_service_role(
            block
                .and_then(|b| str_attr(b, "service_role"))
                .or(prior_role),
        )
        .version_lifecycle_config(rules)
        .build()
}

/// The block as the state shows it: present while one of the rules is
/// enabled, as Terraform reads it back.
pub(super) fn from_sdk(config: Option<&ApplicationResourceLifecycleConfig>) -> Value {
    let Some(config) = config else {
        return Value::Null;
    };
    let rules = config.version_lifecycle_config();
    let count = rules
        .and_then(|r| r.max_count_rule())
        .filter(|r| r.enabled());
    let age = rules.and_then(|r| r.max_age_rule()).filter(|r| r.enabled());
    if count.is_none() && age.is_none() {
        return Value::Null;
    }
    let delete_source = count
        .and_then(|r| r.delete_source_from_s3())
        .or_else(|| age.and_then(|r| r.delete_source_from_s3()))
        .unwrap_or(false);
    let number = |n: Option<i32>| n.map(|n| Value::from(f64::from(n))).unwrap_or(Value::Null);
    object([
        (
            "service_role",
            string(config.service_role().unwrap_or_default()),
        ),
        ("max_count", number(count.and_then(|r| r.max_count()))),
        (
            "max_age_in_days",
            number(age.and_then(|r| r.max_age_in_days())),
        ),
        ("delete_source_from_s3", Value::Bool(delete_source)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lifecycle_goes_to_the_api_and_back_unchanged() {
        let block = object([
            ("service_role", string("arn:aws:iam::123456789012:role/eb")),
            ("max_count", Value::from(128.0)),
            ("max_age_in_days", Value::Null),
            ("delete_source_from_s3", Value::Bool(true)),
        ]);
        let sdk = to_sdk(Some(&block), None);
        assert_eq!(from_sdk(Some(&sdk)), block);
    }

    #[test]
    fn no_block_disables_both_rules_under_the_prior_role() {
        let sdk = to_sdk(None, Some("arn:aws:iam::123456789012:role/eb".into()));
        assert_eq!(
            sdk.service_role(),
            Some("arn:aws:iam::123456789012:role/eb")
        );
        let rules = sdk.version_lifecycle_config().unwrap();
        assert!(!rules.max_count_rule().unwrap().enabled());
        assert!(!rules.max_age_rule().unwrap().enabled());
        assert_eq!(from_sdk(Some(&sdk)), Value::Null);
    }

    #[test]
    fn both_limits_are_refused() {
        let config = object([(
            BLOCK,
            object([
                ("service_role", string("r")),
                ("max_count", Value::from(1.0)),
                ("max_age_in_days", Value::from(2.0)),
            ]),
        )]);
        assert!(check(&config).is_some());
    }
}
