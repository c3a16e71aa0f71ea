//! A role the provider works as, from the provider block: `assume_role`
//! (STS AssumeRole, signed with the base credentials) or
//! `assume_role_with_web_identity` (STS AssumeRoleWithWebIdentity, an
//! OpenID Connect token traded for the role's credentials — the way CI
//! systems such as GitHub Actions and Kubernetes service accounts reach
//! AWS without stored keys).
//!
//! The session's credentials are kept until five minutes before they
//! expire: the provider checks credentials once before planning and the
//! SDK asks again for every call, and each ask must not cost a call to STS.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::value::Value;

use super::values::{env_var, str_attr, string_map_attr, strings_attr};
use super::{AwsError, CallStats};

/// How long before their expiry cached credentials are renewed.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

fn config_error(detail: impl Into<String>) -> Diagnostics {
    Diagnostic::error("Invalid AWS provider configuration", detail).into()
}

/// What both kinds of session take besides the role.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLimits {
    pub session_name: String,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

/// The `assume_role { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub limits: SessionLimits,
    pub external_id: Option<String>,
    pub source_identity: Option<String>,
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
}

/// Where the web identity token comes from. The file is read again for
/// every new session, since the system that writes it (a Kubernetes
/// projected volume, a CI runner) renews it.
#[derive(Clone, PartialEq)]
pub enum WebIdentityToken {
    Inline(String),
    File(PathBuf),
}

// The token is a bearer credential: it is never printed.
impl fmt::Debug for WebIdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebIdentityToken::Inline(_) => f.write_str("Inline(<sensitive>)"),
            WebIdentityToken::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// The `assume_role_with_web_identity { … }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct WebIdentity {
    pub role_arn: String,
    pub limits: SessionLimits,
    pub token: WebIdentityToken,
}

/// The role session the provider block asks for, if any.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleSession {
    Assume(AssumeRole),
    WebIdentity(WebIdentity),
}

impl RoleSession {
    /// Reads `assume_role` or `assume_role_with_web_identity`; both at
    /// once is an error, since it is unclear which credentials sign what.
    pub fn from_config(config: &Value) -> Result<Option<RoleSession>, Diagnostics> {
        let assume = single_block(config, "assume_role");
        let web = single_block(config, "assume_role_with_web_identity");
        match (assume, web) {
            (Some(_), Some(_)) => Err(config_error(
                "assume_role and assume_role_with_web_identity cannot both be set: keep the one whose role should make the calls.",
            )),
            (Some(block), None) => Ok(AssumeRole::from_block(&block)?.map(RoleSession::Assume)),
            (None, Some(block)) => {
                Ok(Some(RoleSession::WebIdentity(WebIdentity::from_block(&block, &env_var)?)))
            }
            (None, None) => Ok(None),
        }
    }

    fn role_arn(&self) -> &str {
        match self {
            RoleSession::Assume(role) => &role.role_arn,
            RoleSession::WebIdentity(web) => &web.role_arn,
        }
    }
}

impl SessionLimits {
    fn from_block(block: &Value, name_from_env: Option<String>) -> Result<Self, Diagnostics> {
        let duration = match str_attr(block, "duration") {
            Some(text) => Some(
                engine::builtin::time::parse_duration(&text)
                    .map_err(|e| config_error(format!("duration of the role session: {e}")))?,
            ),
            None => None,
        };
        Ok(SessionLimits {
            session_name: str_attr(block, "session_name")
                .or(name_from_env)
                .unwrap_or_else(default_session_name),
            duration,
            policy: str_attr(block, "policy"),
            policy_arns: strings_attr(block, "policy_arns"),
        })
    }

    fn policy_arns(&self) -> Option<Vec<aws_sdk_sts::types::PolicyDescriptorType>> {
        let arns: Vec<_> = self
            .policy_arns
            .iter()
            .map(|arn| {
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build()
            })
            .collect();
        (!arns.is_empty()).then_some(arns)
    }

    fn duration_seconds(&self) -> Option<i32> {
        self.duration.map(|d| d.as_secs() as i32)
    }
}

/// Terraform's provider names sessions after the time when none is given.
fn default_session_name() -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("stack-{now}")
}

impl AssumeRole {
    /// The block, if it has a `role_arn` (Terraform ignores it otherwise).
    fn from_block(block: &Value) -> Result<Option<AssumeRole>, Diagnostics> {
        let Some(role_arn) = str_attr(block, "role_arn").filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        Ok(Some(AssumeRole {
            role_arn,
            limits: SessionLimits::from_block(block, None)?,
            external_id: str_attr(block, "external_id"),
            source_identity: str_attr(block, "source_identity"),
            tags: string_map_attr(block, "tags").into_iter().collect(),
            transitive_tag_keys: strings_attr(block, "transitive_tag_keys"),
        }))
    }
}

impl WebIdentity {
    /// The block, with Terraform's environment fallbacks: `AWS_ROLE_ARN`,
    /// `AWS_ROLE_SESSION_NAME` and `AWS_WEB_IDENTITY_TOKEN_FILE`.
    fn from_block(
        block: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<WebIdentity, Diagnostics> {
        let role_arn = str_attr(block, "role_arn")
            .filter(|r| !r.is_empty())
            .or_else(|| env("AWS_ROLE_ARN"))
            .ok_or_else(|| {
                config_error("assume_role_with_web_identity needs `role_arn` (or the AWS_ROLE_ARN environment variable).")
            })?;
        let token = match (
            str_attr(block, "web_identity_token").filter(|t| !t.is_empty()),
            str_attr(block, "web_identity_token_file")
                .filter(|f| !f.is_empty())
                .or_else(|| env("AWS_WEB_IDENTITY_TOKEN_FILE")),
        ) {
            (Some(token), _) => WebIdentityToken::Inline(token),
            (None, Some(file)) => WebIdentityToken::File(PathBuf::from(file)),
            (None, None) => {
                return Err(config_error(
                    "assume_role_with_web_identity needs `web_identity_token` or `web_identity_token_file` (or the AWS_WEB_IDENTITY_TOKEN_FILE environment variable).",
                ))
            }
        };
        Ok(WebIdentity {
            role_arn,
            limits: SessionLimits::from_block(block, env("AWS_ROLE_SESSION_NAME"))?,
            token,
        })
    }

    fn read_token(&self) -> Result<String, CredentialsError> {
        match &self.token {
            WebIdentityToken::Inline(token) => Ok(token.clone()),
            WebIdentityToken::File(path) => std::fs::read_to_string(path)
                .map(|text| text.trim().to_string())
                .map_err(|e| {
                    CredentialsError::invalid_configuration(format!(
                        "the web identity token file {} could not be read: {e}",
                        path.display()
                    ))
                }),
        }
    }
}

/// A nested single block, whether it arrives as an object or a list of one.
pub fn single_block(config: &Value, name: &str) -> Option<Value> {
    match config.get_attr(name)?.peel() {
        Value::Null => None,
        Value::List(items) | Value::Set(items) => items.first().cloned(),
        other => Some(other.clone()),
    }
}

/// The credentials of a role session, fetched from STS when the cached
/// ones are missing or about to expire.
#[derive(Debug)]
struct SessionCredentials {
    sts: aws_sdk_sts::Client,
    session: RoleSession,
    stats: Arc<CallStats>,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl SessionCredentials {
    async fn current(&self) -> Result<Credentials, CredentialsError> {
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref().filter(|c| still_fresh(c)) {
            return Ok(credentials.clone());
        }
        let fresh = match &self.session {
            RoleSession::Assume(role) => self.assume(role).await?,
            RoleSession::WebIdentity(web) => self.assume_with_web_identity(web).await?,
        };
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    async fn assume(&self, role: &AssumeRole) -> Result<Credentials, CredentialsError> {
        let tags = role
            .tags
            .iter()
            .map(|(k, v)| aws_sdk_sts::types::Tag::builder().key(k).value(v).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(CredentialsError::invalid_configuration)?;
        self.stats.count("sts", "AssumeRole");
        let out = self
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(&role.limits.session_name)
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(role.limits.duration_seconds())
            .set_policy(role.limits.policy.clone())
            .set_policy_arns(role.limits.policy_arns())
            .set_source_identity(role.source_identity.clone())
            .set_tags((!tags.is_empty()).then_some(tags))
            .set_transitive_tag_keys(
                (!role.transitive_tag_keys.is_empty()).then(|| role.transitive_tag_keys.clone()),
            )
            .send()
            .await
            .map_err(|e| self.failed("AssumeRole", AwsError::from_sdk("sts", "AssumeRole", e)))?;
        session_credentials(out.credentials(), "AssumeRole")
    }

    async fn assume_with_web_identity(
        &self,
        web: &WebIdentity,
    ) -> Result<Credentials, CredentialsError> {
        let token = web.read_token()?;
        const OPERATION: &str = "AssumeRoleWithWebIdentity";
        self.stats.count("sts", OPERATION);
        let out = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&web.role_arn)
            .role_session_name(&web.limits.session_name)
            .web_identity_token(token)
            .set_duration_seconds(web.limits.duration_seconds())
            .set_policy(web.limits.policy.clone())
            .set_policy_arns(web.limits.policy_arns())
            .send()
            .await
            .map_err(|e| self.failed(OPERATION, AwsError::from_sdk("sts", OPERATION, e)))?;
        session_credentials(out.credentials(), OPERATION)
    }

    fn failed(&self, operation: &str, error: AwsError) -> CredentialsError {
        CredentialsError::provider_error(format!(
            "STS {operation} for the role {} failed: {error}",
            self.session.role_arn()
        ))
    }
}

fn still_fresh(credentials: &Credentials) -> bool {
    match credentials.expiry() {
        None => true,
        Some(expiry) => expiry
            .duration_since(SystemTime::now())
            .is_ok_and(|left| left > RENEW_BEFORE_EXPIRY),
    }
}

fn session_credentials(
    credentials: Option<&aws_sdk_sts::types::Credentials>,
    operation: &str,
) -> Result<Credentials, CredentialsError> {
    let Some(c) = credentials else {
        return Err(CredentialsError::provider_error(format!(
            "STS {operation} answered without credentials"
        )));
    };
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        SystemTime::try_from(*c.expiration()).ok(),
        "stack-role-session",
    ))
}

impl ProvideCredentials for SessionCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.current())
    }
}

/// The SDK configuration with the role session's credentials in place of
/// the base ones; STS is reached at `sts_endpoint` and in `sts_region`
/// when they are given.
pub fn with_role_session(
    sdk: SdkConfig,
    session: RoleSession,
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
    let provider = SessionCredentials {
        sts: aws_sdk_sts::Client::from_conf(builder.build()),
        session,
        stats,
        cached: tokio::sync::Mutex::new(None),
    };
    sdk.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
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

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_assume_role_block_is_read_with_its_duration() {
        let block = config(vec![
            ("role_arn", Value::string("arn:aws:iam::1:role/r")),
            ("session_name", Value::string("s")),
            ("duration", Value::string("1h")),
            ("external_id", Value::string("x")),
        ]);
        let Some(RoleSession::Assume(role)) =
            RoleSession::from_config(&config(vec![("assume_role", block)])).unwrap()
        else {
            panic!("an assume_role session");
        };
        assert_eq!(role.role_arn, "arn:aws:iam::1:role/r");
        assert_eq!(role.limits.duration, Some(Duration::from_secs(3600)));
        assert_eq!(role.external_id.as_deref(), Some("x"));
        let bad = config(vec![
            ("role_arn", Value::string("a")),
            ("duration", Value::string("soon")),
        ]);
        assert!(RoleSession::from_config(&config(vec![("assume_role", bad)])).is_err());
    }

    #[test]
    fn the_web_identity_block_falls_back_on_the_environment() {
        let env = |name: &str| match name {
            "AWS_ROLE_ARN" => Some("arn:aws:iam::1:role/ci".to_string()),
            "AWS_WEB_IDENTITY_TOKEN_FILE" => Some("/var/run/token".to_string()),
            "AWS_ROLE_SESSION_NAME" => Some("from-env".to_string()),
            _ => None,
        };
        let web = WebIdentity::from_block(&config(vec![]), &env).unwrap();
        assert_eq!(web.role_arn, "arn:aws:iam::1:role/ci");
        assert_eq!(web.limits.session_name, "from-env");
        assert_eq!(web.token, WebIdentityToken::File("/var/run/token".into()));
        // The block's own values win over the environment.
        let block = config(vec![
            ("role_arn", Value::string("arn:aws:iam::1:role/own")),
            ("web_identity_token", Value::string("eyJ-secret")),
        ]);
        let web = WebIdentity::from_block(&block, &env).unwrap();
        assert_eq!(web.role_arn, "arn:aws:iam::1:role/own");
        assert_eq!(web.token, WebIdentityToken::Inline("eyJ-secret".into()));
        assert!(!format!("{web:?}").contains("eyJ-secret"));
    }

    #[test]
    fn a_web_identity_without_role_or_token_is_a_clear_error() {
        let no_role = WebIdentity::from_block(&config(vec![]), &no_env).unwrap_err();
        assert!(format!("{no_role:?}").contains("role_arn"));
        let block = config(vec![("role_arn", Value::string("arn:aws:iam::1:role/r"))]);
        let no_token = WebIdentity::from_block(&block, &no_env).unwrap_err();
        assert!(format!("{no_token:?}").contains("web_identity_token_file"));
    }

    #[test]
    fn both_role_blocks_at_once_are_refused() {
        let role = config(vec![("role_arn", Value::string("arn:aws:iam::1:role/r"))]);
        let both = config(vec![
            ("assume_role", role.clone()),
            ("assume_role_with_web_identity", role),
        ]);
        assert!(RoleSession::from_config(&both).is_err());
    }

    #[test]
    fn credentials_near_their_expiry_are_renewed() {
        let later = |secs| Some(SystemTime::now() + Duration::from_secs(secs));
        let with_expiry = |expiry| Credentials::new("a", "b", None, expiry, "test");
        assert!(still_fresh(&with_expiry(None)));
        assert!(still_fresh(&with_expiry(later(3600))));
        assert!(!still_fresh(&with_expiry(later(60))));
        assert!(!still_fresh(&with_expiry(Some(SystemTime::UNIX_EPOCH))));
    }
}
