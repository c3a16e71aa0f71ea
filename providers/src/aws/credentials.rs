//! Where the provider's credentials come from, as the provider block says:
//! static keys (`access_key`, `secret_key`, `token`), a profile of the
//! shared files (`profile`, `shared_config_files`,
//! `shared_credentials_files`), the standard chain without the instance
//! metadata service (`skip_metadata_api_check`) or with its own metadata
//! endpoint (`ec2_metadata_service_endpoint`). A role session on top of
//! any of them is `role_session`'s.

use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::ConfigLoader;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::value::Value;

use super::values::{bool_attr, env_var, str_attr, strings_attr};

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
pub async fn configure_loader(
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
    let metadata = if bool_attr(config, "skip_metadata_api_check").unwrap_or(false) {
        MetadataService::Skipped
    } else {
        match imds_client(config, &env_var)? {
            Some(client) => MetadataService::At(client),
            None => return Ok(loader),
        }
    };
    Ok(loader.credentials_provider(standard_chain(profile, files, metadata)))
}

/// The last link of the standard credential chain.
enum MetadataService {
    /// `skip_metadata_api_check`: credentials never come from it.
    Skipped,
    /// `ec2_metadata_service_endpoint` or `…_mode`: asked there.
    At(aws_config::imds::Client),
}

/// The SDK's standard chain — environment, profile, web identity from the
/// environment, ECS container — with the instance metadata service as the
/// block says. Built here because the SDK's own default chain cannot be
/// given both our profile files and an IMDS client.
fn standard_chain(
    profile: Option<String>,
    files: Option<ProfileFiles>,
    metadata: MetadataService,
) -> CredentialsProviderChain {
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
    .or_else("Profile", from_profile.build())
    .or_else(
        "WebIdentityToken",
        aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder().build(),
    )
    .or_else(
        "EcsContainer",
        aws_config::ecs::EcsCredentialsProvider::builder().build(),
    );
    match metadata {
        MetadataService::Skipped => chain,
        MetadataService::At(client) => chain.or_else(
            "Ec2InstanceMetadata",
            aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                .imds_client(client)
                .build(),
        ),
    }
}

/// An instance metadata client at `ec2_metadata_service_endpoint` (else
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`) in `…_mode`, when either is set.
fn imds_client(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<aws_config::imds::Client>, Diagnostics> {
    use aws_config::imds::client::EndpointMode;
    let endpoint = str_attr(config, "ec2_metadata_service_endpoint")
        .or_else(|| env("AWS_EC2_METADATA_SERVICE_ENDPOINT"))
        .filter(|e| !e.is_empty());
    let mode = str_attr(config, "ec2_metadata_service_endpoint_mode");
    if endpoint.is_none() && mode.is_none() {
        return Ok(None);
    }
    let mut builder = aws_config::imds::Client::builder();
    if let Some(url) = endpoint {
        builder = builder.endpoint(&url).map_err(|e| {
            config_error(format!(
                "ec2_metadata_service_endpoint = \"{url}\" is not a URL: {e}"
            ))
        })?;
    }
    match mode.as_deref() {
        Some("IPv6") => builder = builder.endpoint_mode(EndpointMode::IpV6),
        Some("IPv4") => builder = builder.endpoint_mode(EndpointMode::IpV4),
        Some(other) => {
            return Err(config_error(format!(
                "ec2_metadata_service_endpoint_mode = \"{other}\" is not \"IPv4\" or \"IPv6\"."
            )))
        }
        None => {}
    }
    Ok(Some(builder.build()))
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
}
