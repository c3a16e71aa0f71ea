//! The S3 backend's arguments, as Terraform's S3 backend names them, read
//! from a [`BackendConfig`] without touching the network.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::store::BackendConfig;
use crate::StateError;

/// Terraform's default prefix for the keys of non-default workspaces.
pub const DEFAULT_WORKSPACE_KEY_PREFIX: &str = "env:";

/// Appended to Terraform's state key to make stack's (`K` → `K.stack`);
/// every other object of stack's (lock, journal, history, data key) is
/// named after stack's key in turn.
pub const STACK_KEY_SUFFIX: &str = ".stack";

/// The arguments we use.
const KNOWN: &[&str] = &[
    "bucket",
    "key",
    "region",
    "endpoint",
    "endpoints",
    "dynamodb_endpoint",
    "profile",
    "access_key",
    "secret_key",
    "workspace_key_prefix",
    "use_path_style",
    "force_path_style",
    "dynamodb_table",
    "kms_key_id",
    "encrypt",
    "state_key_file",
    "lock_lease",
];

/// Terraform arguments accepted and ignored: they tune checks that the SDK
/// makes differently or not at all, and refusing them would break blocks
/// copied from Terraform for no benefit.
const IGNORED: &[&str] = &[
    "skip_credentials_validation",
    "skip_region_validation",
    "skip_metadata_api_check",
    "skip_requesting_account_id",
    "skip_s3_checksum",
    "max_retries",
];

/// Per-service endpoint URLs (`endpoints { s3 = …, dynamodb = …, kms = … }`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub s3: Option<String>,
    pub dynamodb: Option<String>,
    pub kms: Option<String>,
}

/// The S3 backend's settings for one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// The key of the default workspace's state.
    pub key: String,
    pub region: Option<String>,
    pub endpoints: Endpoints,
    pub profile: Option<String>,
    /// Static credentials, both or neither.
    pub credentials: Option<(String, String)>,
    pub workspace_key_prefix: String,
    pub use_path_style: bool,
    pub dynamodb_table: Option<String>,
    pub kms_key_id: Option<String>,
    pub encrypt: bool,
    /// Absolute, or relative to the stack directory.
    pub state_key_file: Option<PathBuf>,
    pub lock_lease: Option<Duration>,
}

impl S3Settings {
    /// Reads and checks every argument; the error names the argument and
    /// says what to write instead.
    pub fn parse(config: &BackendConfig, stack_dir: &Path) -> Result<S3Settings, StateError> {
        let args = Args(config);
        args.check_names()?;
        let (access, secret) = (args.string("access_key")?, args.string("secret_key")?);
        let credentials = match (access, secret) {
            (Some(a), Some(s)) => Some((a, s)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(bad(
                    "secret_key",
                    "is missing. `access_key` and `secret_key` must be given together.",
                ))
            }
            (None, Some(_)) => {
                return Err(bad(
                    "access_key",
                    "is missing. `access_key` and `secret_key` must be given together.",
                ))
            }
        };
        let settings = S3Settings {
            bucket: args.required("bucket", "the name of the S3 bucket that holds the state")?,
            key: args.required(
                "key",
                "the object key of the state, e.g. \"stack/terraform.tfstate\"",
            )?,
            region: args.string("region")?,
            endpoints: args.endpoints()?,
            profile: args.string("profile")?,
            credentials,
            workspace_key_prefix: args
                .string("workspace_key_prefix")?
                .unwrap_or_else(|| DEFAULT_WORKSPACE_KEY_PREFIX.to_string()),
            use_path_style: args.boolean("use_path_style")? || args.boolean("force_path_style")?,
            dynamodb_table: args.string("dynamodb_table")?,
            kms_key_id: args.string("kms_key_id")?,
            encrypt: args.boolean("encrypt")?,
            state_key_file: args.string("state_key_file")?.map(|p| stack_dir.join(p)),
            lock_lease: args.duration("lock_lease")?,
        };
        settings.check_keys()?;
        Ok(settings)
    }

    /// Terraform refuses keys that would start an empty path segment.
    fn check_keys(&self) -> Result<(), StateError> {
        if self.key.starts_with('/') || self.key.ends_with('/') {
            return Err(bad("key", "must not start or end with `/`. Write it as a relative object key, e.g. \"stack/terraform.tfstate\"."));
        }
        let prefix = &self.workspace_key_prefix;
        if prefix.starts_with('/') || prefix.ends_with('/') {
            return Err(bad(
                "workspace_key_prefix",
                "must not start or end with `/`. Write it as e.g. \"env:\" or \"workspaces\".",
            ));
        }
        Ok(())
    }

    /// The object key of `workspace`'s Terraform state, as Terraform lays it
    /// out: the default workspace uses `key`, others
    /// `<prefix>/<workspace>/<key>`.
    pub fn state_key(&self, workspace: &str) -> String {
        if workspace == "default" {
            self.key.clone()
        } else {
            format!("{}/{}/{}", self.workspace_key_prefix, workspace, self.key)
        }
    }

    /// The object key of `workspace`'s stack state: beside Terraform's
    /// ([`S3Settings::state_key`] and [`STACK_KEY_SUFFIX`]), never on it, so
    /// that one `backend "s3"` block serves a directory both tools use, and
    /// migrating from Terraform never touches Terraform's object.
    pub fn stack_state_key(&self, workspace: &str) -> String {
        format!("{}{STACK_KEY_SUFFIX}", self.state_key(workspace))
    }
}

fn bad(argument: &str, message: &str) -> StateError {
    StateError::BackendArgument {
        argument: argument.to_string(),
        message: message.to_string(),
    }
}

/// Typed access to the arguments, with errors naming the argument.
struct Args<'a>(&'a BackendConfig);

impl Args<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.arguments.get(name).filter(|v| !v.is_null())
    }

    fn check_names(&self) -> Result<(), StateError> {
        for name in self.0.arguments.keys() {
            if !KNOWN.contains(&name.as_str()) && !IGNORED.contains(&name.as_str()) {
                return Err(bad(
                    name,
                    &format!(
                        "is not supported by the s3 backend. Remove it; the supported arguments are {}.",
                        KNOWN.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn string(&self, name: &str) -> Result<Option<String>, StateError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err(bad(name, "is empty. Give it a value or remove it."))
            }
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(bad(name, &format!("must be a string, not `{other}`."))),
        }
    }

    fn required(&self, name: &str, what: &str) -> Result<String, StateError> {
        self.string(name)?.ok_or_else(|| {
            bad(
                name,
                &format!("is missing. Set it in the backend \"s3\" block to {what}."),
            )
        })
    }

    /// A bool, also written as the strings "true" and "false".
    fn boolean(&self, name: &str) -> Result<bool, StateError> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s == "true" => Ok(true),
            Some(Value::String(s)) if s == "false" => Ok(false),
            Some(other) => Err(bad(name, &format!("must be true or false, not `{other}`."))),
        }
    }

    /// A duration: a number of seconds or text such as "30s", "2m", "500ms".
    fn duration(&self, name: &str) -> Result<Option<Duration>, StateError> {
        let parsed = match self.get(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|s| *s >= 0.0)
                .map(Duration::from_secs_f64),
            Some(Value::String(s)) => parse_duration(s),
            Some(_) => None,
        };
        match parsed {
            Some(d) if !d.is_zero() => Ok(Some(d)),
            _ => Err(bad(
                name,
                "must be a duration longer than zero, such as \"30s\" or \"2m\".",
            )),
        }
    }

    /// `endpoint` (Terraform's legacy S3 endpoint), `dynamodb_endpoint`, and
    /// `endpoints`: one URL for every service, or an object per service.
    fn endpoints(&self) -> Result<Endpoints, StateError> {
        let mut endpoints = Endpoints {
            s3: self.string("endpoint")?,
            dynamodb: self.string("dynamodb_endpoint")?,
            kms: None,
        };
        match self.get("endpoints") {
            None => {}
            Some(Value::String(url)) => {
                for slot in [
                    &mut endpoints.s3,
                    &mut endpoints.dynamodb,
                    &mut endpoints.kms,
                ] {
                    slot.get_or_insert_with(|| url.clone());
                }
            }
            Some(Value::Object(map)) => per_service(map, &mut endpoints)?,
            Some(other) => {
                return Err(bad(
                    "endpoints",
                    &format!("must be an object such as {{ s3 = \"http://…\" }}, not `{other}`."),
                ))
            }
        }
        Ok(endpoints)
    }
}

/// Reads `endpoints { s3 = …, dynamodb = …, kms = … }` over what the
/// legacy arguments set.
fn per_service(
    map: &serde_json::Map<String, Value>,
    endpoints: &mut Endpoints,
) -> Result<(), StateError> {
    for (service, url) in map {
        let slot = match service.as_str() {
            "s3" => &mut endpoints.s3,
            "dynamodb" => &mut endpoints.dynamodb,
            "kms" => &mut endpoints.kms,
            // Terraform also accepts sts, iam and sso here; we make no
            // calls to them.
            "sts" | "iam" | "sso" => continue,
            other => {
                return Err(bad(
                    "endpoints",
                    &format!("names the unknown service `{other}`. Use s3, dynamodb or kms."),
                ))
            }
        };
        let Value::String(url) = url else {
            return Err(bad(
                "endpoints",
                &format!("`{service}` must be a URL string."),
            ));
        };
        *slot = Some(url.clone());
    }
    Ok(())
}

/// Parses "500ms", "30s", "2m", "1h" or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(args: Value) -> BackendConfig {
        BackendConfig {
            kind: "s3".to_string(),
            arguments: serde_json::from_value(args).unwrap(),
        }
    }

    fn parse(args: Value) -> Result<S3Settings, StateError> {
        S3Settings::parse(&config(args), Path::new("/stack"))
    }

    #[test]
    fn minimal_block_gets_terraform_defaults() {
        let s = parse(json!({"bucket": "b", "key": "app/terraform.tfstate"})).unwrap();
        assert_eq!(s.workspace_key_prefix, "env:");
        assert!(!s.use_path_style);
        assert_eq!(s.endpoints, Endpoints::default());
        assert_eq!(s.state_key("default"), "app/terraform.tfstate");
        assert_eq!(s.state_key("prod"), "env:/prod/app/terraform.tfstate");
        assert_eq!(
            s.stack_state_key("prod"),
            "env:/prod/app/terraform.tfstate.stack"
        );
    }

    #[test]
    fn every_argument_is_read() {
        let s = parse(json!({
            "bucket": "b", "key": "k", "region": "eu-west-1", "profile": "ops",
            "endpoints": {"s3": "http://s3", "dynamodb": "http://ddb", "kms": "http://kms", "sts": "x"},
            "workspace_key_prefix": "workspaces", "force_path_style": "true",
            "dynamodb_table": "locks", "kms_key_id": "alias/state", "encrypt": true,
            "state_key_file": "keys/state.key", "lock_lease": "2m",
            "access_key": "a", "secret_key": "s", "skip_credentials_validation": true,
        }))
        .unwrap();
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.profile.as_deref(), Some("ops"));
        assert_eq!(s.endpoints.s3.as_deref(), Some("http://s3"));
        assert_eq!(s.endpoints.dynamodb.as_deref(), Some("http://ddb"));
        assert_eq!(s.endpoints.kms.as_deref(), Some("http://kms"));
        assert!(s.use_path_style && s.encrypt);
        assert_eq!(s.dynamodb_table.as_deref(), Some("locks"));
        assert_eq!(s.kms_key_id.as_deref(), Some("alias/state"));
        assert_eq!(
            s.state_key_file,
            Some(PathBuf::from("/stack/keys/state.key"))
        );
        assert_eq!(s.lock_lease, Some(Duration::from_secs(120)));
        assert_eq!(s.credentials, Some(("a".into(), "s".into())));
        assert_eq!(s.state_key("dev"), "workspaces/dev/k");
    }

    #[test]
    fn endpoint_forms() {
        let s = parse(json!({"bucket": "b", "key": "k", "endpoints": "http://one"})).unwrap();
        assert_eq!(s.endpoints.kms.as_deref(), Some("http://one"));
        assert_eq!(s.endpoints.dynamodb.as_deref(), Some("http://one"));
        let s = parse(json!({"bucket": "b", "key": "k", "endpoint": "http://legacy"})).unwrap();
        assert_eq!(s.endpoints.s3.as_deref(), Some("http://legacy"));
        assert_eq!(s.endpoints.kms, None);
        let err = parse(json!({"bucket": "b", "key": "k", "endpoints": {"ec2": "x"}})).unwrap_err();
        assert!(
            err.to_string().contains("`endpoints`") && err.to_string().contains("ec2"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_argument_and_the_fix() {
        let cases = [
            (json!({"key": "k"}), "`bucket` is missing"),
            (json!({"bucket": "b"}), "`key` is missing"),
            (
                json!({"bucket": "b", "key": "/k"}),
                "`key` must not start or end with `/`",
            ),
            (
                json!({"bucket": 3, "key": "k"}),
                "`bucket` must be a string",
            ),
            (
                json!({"bucket": "b", "key": "k", "bukket": "x"}),
                "`bukket` is not supported",
            ),
            (
                json!({"bucket": "b", "key": "k", "lock_lease": "soon"}),
                "`lock_lease` must be a duration",
            ),
            (
                json!({"bucket": "b", "key": "k", "use_path_style": "yes"}),
                "`use_path_style` must be true or false",
            ),
            (
                json!({"bucket": "b", "key": "k", "access_key": "a"}),
                "`secret_key` is missing",
            ),
            (json!({"bucket": "", "key": "k"}), "`bucket` is empty"),
            (
                json!({"bucket": "b", "key": "k", "workspace_key_prefix": "env:/"}),
                "`workspace_key_prefix` must not",
            ),
        ];
        for (args, expected) in cases {
            let err = parse(args.clone()).unwrap_err();
            assert!(
                matches!(err, StateError::BackendArgument { .. }),
                "{args}: {err}"
            );
            assert!(err.to_string().contains(expected), "{args}: {err}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5m"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2 days"), None);
        assert_eq!(parse_duration(""), None);
    }
}
