//! Where the provider's credentials come from, as the provider block says:
//! static keys (`access_key`, `secret_key`, `token`), a profile of the
//! shared files (`profile`, `shared_config_files`,
//! `shared_credentials_files`), the standard chain without the instance
//! metadata service (`skip_metadata_api_check`), and on top of any of them
//! a role assumed through STS AssumeRole (`assume_role { … }`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::{ConfigLoader, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::value::Value;

use super::tags::block_str;
use super::values::{bool_attr, str_attr, string_map_attr, strings_attr};
use super::{AwsError, CallStats};

fn config_error(detail: impl Into<String>) -> Diagnostics {
    Diagnostic::error("Invalid AWS provider configuration", detail).into()
}

/// The shared config and credentials files the block names, replacing the
/// default `~/.aws/config` and `~/.aws/credentials` of each kind it names.
fn profile_files(config: &Value) -> Option<ProfileFiles> {
    let config_files = strings_attr(config, "shared_config_files");
    let credential_files = strings_attr(config, "shared_credentials_files");
    if config_files.is_empty() && credential_files.is_empty() {
        return None;
    }
    let mut builder = ProfileFiles::builder()
        .include_default_config_file(config_files.is_empty())
        .include_default_credentials_file(credential_files.is_empty());
    for file in config_files {
        builder = builder.with_file(ProfileFileKind::Config, expand_home(&file));
    }
    for file in credential_files {
        builder = builder.with_file(ProfileFileKind::Credentials, expand_home(&file));
    }
    Some(builder.build())
}

/// `~/x` as the SDK's own default paths read it.
fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    }
}

/// Sets the loader's credential source from the provider block.
pub fn configure_loader(
    config: &Value,
    mut loader: ConfigLoader,
) -> Result<ConfigLoader, Diagnostics> {
    let profile = str_attr(config, "profile");
    let files = profile_files(config);
    if let Some(profile) = &profile {
        loader = loader.profile_name(profile);
    }
    if let Some(files) = &files {
        loader = loader.profile_files(files.clone());
    }
    match (
        str_attr(config, "access_key"),
        str_attr(config, "secret_key"),
    ) {
        (Some(access), Some(secret)) => {
            return Ok(loader.credentials_provider(Credentials::new(
                access,
                secret,
                str_attr(config, "token"),
                None,
                "stack-provider-block",
            )));
        }
        (None, None) => {}
        _ => {
            return Err(config_error(
                "access_key and secret_key must be given together.",
            ))
        }
    }
    if bool_attr(config, "skip_metadata_api_check").unwrap_or(false) {
        // The standard chain without its last link, the instance metadata
        // service: environment variables, then the profile.
        let mut from_profile = aws_config::profile::ProfileFileCredentialsProvider::builder();
        if let Some(profile) = &profile {
            from_profile = from_profile.profile_name(profile);
        }
        if let Some(files) = files {
            from_profile = from_profile.profile_files(files);
        }
        let chain = CredentialsProviderChain::first_try(
            "Environment",
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )
        .or_else("Profile", from_profile.build());
        loader = loader.credentials_provider(chain);
    }
    Ok(loader)
}

/// The `assume_role { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub source_identity: Option<String>,
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
}

impl AssumeRole {
    /// The block, if the provider has one with a `role_arn`.
    pub fn from_config(config: &Value) -> Result<Option<AssumeRole>, Diagnostics> {
        let Some(block) = single_block(config, "assume_role") else {
            return Ok(None);
        };
        let Some(role_arn) = str_attr(&block, "role_arn").filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let duration = match str_attr(&block, "duration") {
            Some(text) => Some(
                engine::builtin::time::parse_duration(&text)
                    .map_err(|e| config_error(format!("assume_role duration: {e}")))?,
            ),
            None => None,
        };
        Ok(Some(AssumeRole {
            role_arn,
            // Terraform's provider names sessions this way when none is given.
            session_name: str_attr(&block, "session_name").unwrap_or_else(|| {
                let now = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                format!("stack-{now}")
            }),
            external_id: str_attr(&block, "external_id"),
            duration,
            policy: str_attr(&block, "policy"),
            policy_arns: strings_attr(&block, "policy_arns"),
            source_identity: str_attr(&block, "source_identity"),
            tags: string_map_attr(&block, "tags").into_iter().collect(),
            transitive_tag_keys: strings_attr(&block, "transitive_tag_keys"),
        }))
    }
}

/// A nested single block, whether it arrives as an object or a list of one.
fn single_block(config: &Value, name: &str) -> Option<Value> {
    match config.get_attr(name)?.peel() {
        Value::Null => None,
        Value::List(items) | Value::Set(items) => items.first().cloned(),
        other => Some(other.clone()),
    }
}

/// Credentials of an assumed role: STS AssumeRole, called with the base
/// credentials whenever the SDK's identity cache needs fresh ones.
#[derive(Debug)]
struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role: AssumeRole,
    stats: Arc<CallStats>,
}

impl AssumedRole {
    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let role = &self.role;
        let tags = role
            .tags
            .iter()
            .map(|(k, v)| aws_sdk_sts::types::Tag::builder().key(k).value(v).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(CredentialsError::invalid_configuration)?;
        let policy_arns = role
            .policy_arns
            .iter()
            .map(|arn| {
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build()
            })
            .collect::<Vec<_>>();
        self.stats.count("sts", "AssumeRole");
        let out = self
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(&role.session_name)
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(role.duration.map(|d| d.as_secs() as i32))
            .set_policy(role.policy.clone())
            .set_policy_arns((!policy_arns.is_empty()).then_some(policy_arns))
            .set_source_identity(role.source_identity.clone())
            .set_tags((!tags.is_empty()).then_some(tags))
            .set_transitive_tag_keys(
                (!role.transitive_tag_keys.is_empty()).then(|| role.transitive_tag_keys.clone()),
            )
            .send()
            .await
            .map_err(|e| {
                let error = AwsError::from_sdk("sts", "AssumeRole", e);
                CredentialsError::provider_error(format!(
                    "assuming the role {} failed: {error}",
                    role.role_arn
                ))
            })?;
        let Some(c) = out.credentials() else {
            return Err(CredentialsError::provider_error(
                "STS AssumeRole answered without credentials",
            ));
        };
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            SystemTime::try_from(*c.expiration()).ok(),
            "stack-assume-role",
        ))
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}

/// The SDK configuration with the role of `assume_role` in place of the
/// base credentials; STS is reached at `sts_endpoint` when one is given.
pub fn assume_role(
    sdk: SdkConfig,
    role: AssumeRole,
    sts_endpoint: Option<String>,
    sts_region: Option<String>,
    stats: Arc<CallStats>,
) -> SdkConfig {
    let mut builder = aws_sdk_sts::config::Builder::from(&sdk);
    if let Some(url) = sts_endpoint {
        builder = builder.endpoint_url(url);
    }
    if let Some(region) = sts_region {
        builder = builder.region(aws_config::Region::new(region));
    }
    let provider = AssumedRole {
        sts: aws_sdk_sts::Client::from_conf(builder.build()),
        role,
        stats,
    };
    sdk.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Terraform's check of the region name, unless `skip_region_validation`:
/// a region is letters, dashes and a trailing number (`us-east-1`,
/// `us-gov-west-1`, `cn-north-1`).
pub fn check_region(config: &Value, region: &str) -> Result<(), Diagnostics> {
    if bool_attr(config, "skip_region_validation").unwrap_or(false) {
        return Ok(());
    }
    let mut parts = region.split('-');
    let shaped = region.split('-').count() >= 3
        && parts
            .next_back()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()));
    if shaped {
        Ok(())
    } else {
        Err(Diagnostic::error(
            "Invalid AWS Region",
            format!("\"{region}\" is not an AWS region name such as \"us-east-1\". Fix `region`, or set `skip_region_validation = true` for an AWS-compatible API with its own region names."),
        )
        .into())
    }
}

/// `allowed_account_ids` and `forbidden_account_ids` against the account
/// the credentials belong to.
pub fn check_account(config: &Value, account: &str) -> Result<(), Diagnostics> {
    let allowed = strings_attr(config, "allowed_account_ids");
    let forbidden = strings_attr(config, "forbidden_account_ids");
    if !allowed.is_empty() && !forbidden.is_empty() {
        return Err(config_error(
            "allowed_account_ids and forbidden_account_ids cannot both be set.",
        ));
    }
    if !allowed.is_empty() && !allowed.iter().any(|a| a == account) {
        return Err(config_error(format!(
            "The credentials belong to account {account}, which is not in allowed_account_ids; nothing was changed."
        )));
    }
    if forbidden.iter().any(|a| a == account) {
        return Err(config_error(format!(
            "The credentials belong to account {account}, which forbidden_account_ids lists; nothing was changed."
        )));
    }
    Ok(())
}

/// The `assume_role` session name's STS region and endpoint, as given.
pub fn sts_settings(config: &Value) -> (Option<String>, Option<String>) {
    (
        block_str(config, "endpoints", "sts"),
        str_attr(config, "sts_region"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config(pairs: Vec<(&str, Value)>) -> Value {
        Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn region_names_are_checked_unless_skipped() {
        let empty = config(vec![]);
        for good in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-4"] {
            assert!(check_region(&empty, good).is_ok(), "{good}");
        }
        for bad in ["useast1", "us-east", "US-EAST-1", "moon-base-"] {
            assert!(check_region(&empty, bad).is_err(), "{bad}");
        }
        let skip = config(vec![("skip_region_validation", Value::Bool(true))]);
        assert!(check_region(&skip, "moon").is_ok());
    }

    #[test]
    fn accounts_are_checked_against_the_allowed_and_forbidden_lists() {
        let allowed = config(vec![(
            "allowed_account_ids",
            Value::List(vec![Value::string("111111111111")]),
        )]);
        assert!(check_account(&allowed, "111111111111").is_ok());
        assert!(check_account(&allowed, "222222222222").is_err());
        let forbidden = config(vec![(
            "forbidden_account_ids",
            Value::List(vec![Value::string("111111111111")]),
        )]);
        assert!(check_account(&forbidden, "111111111111").is_err());
        assert!(check_account(&forbidden, "222222222222").is_ok());
    }

    #[test]
    fn the_assume_role_block_is_read_with_its_duration() {
        let block = config(vec![
            ("role_arn", Value::string("arn:aws:iam::1:role/r")),
            ("session_name", Value::string("s")),
            ("duration", Value::string("1h")),
            ("external_id", Value::string("x")),
        ]);
        let role = AssumeRole::from_config(&config(vec![("assume_role", block)]))
            .unwrap()
            .unwrap();
        assert_eq!(role.role_arn, "arn:aws:iam::1:role/r");
        assert_eq!(role.duration, Some(Duration::from_secs(3600)));
        assert_eq!(role.external_id.as_deref(), Some("x"));
        let bad = config(vec![
            ("role_arn", Value::string("a")),
            ("duration", Value::string("soon")),
        ]);
        assert!(AssumeRole::from_config(&config(vec![("assume_role", bad)])).is_err());
    }
}
