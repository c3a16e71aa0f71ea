//! The S3 backend: one workspace's state as an object in a bucket, written
//! only with conditional writes, locked with leases, journaled in small
//! objects and versioned. Objects, for the state key `K`:
//!
//! | object | what |
//! |---|---|
//! | `K` | the state, the same bytes as a local state file ([`crate::format`]) |
//! | `T` | Terraform's state, never written by stack (read by `stack migrate terraform`) |
//! | `K.lock` | the lock, while held (`s3/lock.rs`); or an item of `dynamodb_table` |
//! | `K.journal/<base serial>/<seq>` | apply entries since the last persist (`s3/journal.rs`) |
//! | `K.history/<serial>` | previous versions, when the bucket has no versioning (`s3/history.rs`) |
//! | `K.datakey` | the KMS-encrypted data key, with `kms_key_id` (`s3/keys.rs`) |
//!
//! `T` is `key` for the default workspace and `<workspace_key_prefix>/
//! <workspace>/<key>` for the others, as Terraform lays them out; `K` is
//! `T.stack`, so that a directory's `backend "s3"` block serves Terraform
//! and stack side by side.
//!
//! Architecture invariant: the state object is only written with
//! `If-Match` on the ETag that was read (or `If-None-Match: *` when there
//! was none), so a write based on a stale read fails instead of
//! overwriting; a stored object that cannot be decoded is never
//! overwritten. A store that ignores conditional writes is only used with a
//! DynamoDB lock table, whose lock then keeps writers apart.

mod config;
mod history;
mod journal;
mod keys;
mod lock;
mod lockstore;
mod remote;
mod runtime;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use config::{
    parse_duration, Endpoints, S3Settings, DEFAULT_WORKSPACE_KEY_PREFIX, STACK_KEY_SUFFIX,
};
pub use lock::LockRecord;

use journal::{JournalKey, S3Journal};
use lockstore::{DynamoLockStore, S3LockStore};
use remote::{Bucket, Condition, Object, Put};
use runtime::Rt;

use crate::format;
use crate::lock::{LockInfo, LockRequest};
use crate::model::State;
use crate::seal::Sealer;
use crate::store::{
    Backend, BackendConfig, ChangeSummary, HistoryEntry, Lease, Loaded, LockOptions, StateJournal,
    VersionToken, WriteNote,
};
use crate::StateError;

/// How long one S3, DynamoDB or KMS request may take before it is retried.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The S3 backend of one workspace; see the module documentation.
pub struct S3Backend {
    inner: Arc<Inner>,
}

/// What the backend, its journals and its leases share.
pub(crate) struct Inner {
    settings: S3Settings,
    workspace: String,
    state_key: String,
    bucket: Bucket,
    kms: Option<aws_sdk_kms::Client>,
    dynamodb: Option<aws_sdk_dynamodb::Client>,
    sealer: OnceLock<Sealer>,
    versioning: OnceLock<bool>,
    rt: Arc<Rt>,
}

impl S3Backend {
    /// A backend for `workspace` from the `backend "s3"` block's arguments.
    /// Relative paths (`state_key_file`) are relative to `stack_dir`. Makes
    /// no request: the bucket is first reached by the first call.
    pub fn new(
        config: &BackendConfig,
        workspace: &str,
        stack_dir: &Path,
    ) -> Result<S3Backend, StateError> {
        let settings = S3Settings::parse(config, stack_dir)?;
        validate_workspace(workspace)?;
        let rt = Arc::new(Rt::new()?);
        let sdk = rt.run(load_sdk_config(settings.clone()));
        if sdk.region().is_none_or(|r| r.as_ref().is_empty()) {
            return Err(StateError::BackendArgument {
                argument: "region".to_string(),
                message: "is not set, and no region comes from AWS_REGION or the profile. Set `region` in the backend \"s3\" block.".to_string(),
            });
        }
        let s3 = s3_client(&sdk, &settings);
        // An endpoint from the block wins; otherwise the SDK configuration
        // keeps the one it read from AWS_ENDPOINT_URL(_KMS/_DYNAMODB).
        let kms = settings.kms_key_id.as_ref().map(|_| {
            let mut b = aws_sdk_kms::config::Builder::from(&sdk);
            if let Some(url) = &settings.endpoints.kms {
                b.set_endpoint_url(Some(url.clone()));
            }
            aws_sdk_kms::Client::from_conf(b.build())
        });
        let dynamodb = settings.dynamodb_table.as_ref().map(|_| {
            let mut b = aws_sdk_dynamodb::config::Builder::from(&sdk);
            if let Some(url) = &settings.endpoints.dynamodb {
                b.set_endpoint_url(Some(url.clone()));
            }
            aws_sdk_dynamodb::Client::from_conf(b.build())
        });
        let state_key = settings.stack_state_key(workspace);
        let bucket = Bucket {
            client: s3,
            name: settings.bucket.clone(),
            rt: rt.clone(),
            encrypt: settings.encrypt,
        };
        Ok(S3Backend {
            inner: Arc::new(Inner {
                settings,
                workspace: workspace.to_string(),
                state_key,
                bucket,
                kms,
                dynamodb,
                sealer: OnceLock::new(),
                versioning: OnceLock::new(),
                rt,
            }),
        })
    }

    /// The object key of this workspace's state.
    pub fn state_key(&self) -> &str {
        &self.inner.state_key
    }

    /// Where Terraform keeps this workspace's state under the same backend
    /// block: its `s3://` URL and its bytes (`None` when there is none).
    /// Only read, never written.
    pub fn read_terraform_state(&self) -> Result<(String, Option<Vec<u8>>), StateError> {
        let key = self.inner.settings.state_key(&self.inner.workspace);
        let url = self.inner.bucket.url(&key);
        let object = self
            .inner
            .bucket
            .get(&key, None)
            .map_err(|f| f.into_error("read Terraform's state", &url))?;
        Ok((url, object.map(|o| o.bytes)))
    }

    pub fn settings(&self) -> &S3Settings {
        &self.inner.settings
    }
}

/// The shared SDK configuration: region, profile and credentials from the
/// block or the environment (including `AWS_ENDPOINT_URL*`, which the SDK
/// reads itself).
async fn load_sdk_config(settings: S3Settings) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build(),
    );
    if let Some(region) = settings.region {
        loader = loader.region(aws_config::Region::new(region));
    }
    if let Some(profile) = settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some((access, secret)) = settings.credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            access,
            secret,
            None,
            None,
            "stack-backend-block",
        ));
    }
    loader.load().await
}

fn s3_client(sdk: &aws_config::SdkConfig, settings: &S3Settings) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(sdk);
    if let Some(url) = &settings.endpoints.s3 {
        builder = builder.endpoint_url(url);
    }
    let endpoint = settings
        .endpoints
        .s3
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
    builder = builder.force_path_style(settings.use_path_style || local_host(endpoint.as_deref()));
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// Virtual-host addressing needs a DNS name per bucket, which an endpoint
/// given as an IP address or `localhost` cannot have: those get path style.
fn local_host(endpoint: Option<&str>) -> bool {
    let Some(url) = endpoint else { return false };
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    if rest.starts_with('[') {
        return true; // An IPv6 literal.
    }
    let host = rest.split([':', '/']).next().unwrap_or("");
    host == "localhost" || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// A workspace name becomes part of object keys, so it must not add path
/// segments (`a/b`) or hide (`.x`).
fn validate_workspace(name: &str) -> Result<(), StateError> {
    let bad = |message: &str| StateError::InvalidWorkspace {
        name: name.to_string(),
        message: message.to_string(),
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if name.starts_with('.') {
        return Err(bad("it starts with `.`"));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(c) => Err(bad(&format!("it contains `{c}`"))),
        None => Ok(()),
    }
}

/// Whether a store honours conditional writes, probed once per bucket and
/// endpoint in this process.
static PROBED: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();

impl Inner {
    pub(crate) fn location(&self) -> String {
        self.bucket.url(&self.state_key)
    }

    pub(crate) fn sealer(&self) -> Result<&Sealer, StateError> {
        if let Some(s) = self.sealer.get() {
            return Ok(s);
        }
        let loaded = keys::load_sealer(self)?;
        Ok(self.sealer.get_or_init(|| loaded))
    }

    fn kms_client(&self) -> Result<&aws_sdk_kms::Client, StateError> {
        self.kms.as_ref().ok_or_else(|| StateError::BackendArgument {
            argument: "kms_key_id".to_string(),
            message: "is not set, but the state's data key needs KMS. Set it in the backend \"s3\" block.".to_string(),
        })
    }

    fn datakey_key(&self) -> String {
        format!("{}.datakey", self.state_key)
    }

    fn history_key(&self, serial: u64) -> String {
        format!("{}.history/{serial}", self.state_key)
    }

    fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.state_key)
    }

    fn journal_key(&self, base_serial: u64, seq: u64) -> String {
        format!("{}{base_serial}/{seq:08}", self.journal_prefix())
    }

    /// The workspaces with a stack state in this bucket under this key:
    /// `default` at `K.stack`, the others at `<prefix>/<name>/K.stack`.
    fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let fail = |f: remote::Failure| f.into_error("list the workspaces of", &self.location());
        let mut names = Vec::new();
        if self
            .bucket
            .get(&self.settings.stack_state_key("default"), None)
            .map_err(fail)?
            .is_some()
        {
            names.push("default".to_string());
        }
        let prefix = format!("{}/", self.settings.workspace_key_prefix);
        let suffix = format!("/{}{}", self.settings.key, config::STACK_KEY_SUFFIX);
        for key in self.bucket.list(&prefix).map_err(fail)? {
            let name = key
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(&suffix));
            if let Some(name) = name.filter(|n| !n.contains('/') && !n.is_empty()) {
                names.push(name.to_string());
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Deletes the workspace's state object, data key, journal and history keys.
    fn delete_workspace(&self) -> Result<(), StateError> {
        let fail = |f: remote::Failure| f.into_error("delete the workspace", &self.location());
        let mut keys = vec![self.state_key.clone(), self.datakey_key()];
        keys.extend(self.bucket.list(&self.journal_prefix()).map_err(fail)?);
        let history = format!("{}.history/", self.state_key);
        keys.extend(self.bucket.list(&history).map_err(fail)?);
        self.bucket.delete_many(keys).map_err(fail)?;
        Ok(())
    }

    fn journal_keys(&self) -> Result<Vec<JournalKey>, StateError> {
        let prefix = self.journal_prefix();
        let keys = self
            .bucket
            .list(&prefix)
            .map_err(|f| f.into_error("list the journal of", &self.location()))?;
        Ok(journal::parse_keys(&prefix, keys))
    }

    /// Removes journal objects that a persist folded in. Best effort: one
    /// left behind has a base serial below the state's and is ignored.
    fn remove_journal(&self, keys: impl Iterator<Item = JournalKey>) {
        let keys: Vec<String> = keys.map(|k| k.key).collect();
        if !keys.is_empty() {
            let _ = self.bucket.delete_many(keys);
        }
    }

    /// Whether the bucket keeps versions: asked once, or, when the store
    /// does not answer, seen on the state object's version id.
    fn versioning(&self) -> bool {
        *self.versioning.get_or_init(|| {
            self.bucket.versioning_enabled().unwrap_or_else(|| {
                let current = self.bucket.get(&self.state_key, None);
                matches!(current, Ok(Some(o)) if o.version_id.is_some())
            })
        })
    }

    /// The condition to write with: `wanted` where the store honours
    /// conditional writes; none where it does not but a DynamoDB lock keeps
    /// writers apart; else a refusal naming the option.
    fn write_condition(&self, wanted: Condition) -> Result<Condition, StateError> {
        if self.conditional_writes()? {
            return Ok(wanted);
        }
        if self.settings.dynamodb_table.is_some() {
            return Ok(Condition::None);
        }
        Err(StateError::Refused {
            message: format!(
                "The store behind {} does not honour conditional writes (If-None-Match / If-Match), so it cannot keep two runs from writing the state at once. Set `dynamodb_table` in the backend \"s3\" block to lock through a DynamoDB table (hash key `LockID`, a string) instead.",
                self.location()
            ),
        })
    }

    fn conditional_writes(&self) -> Result<bool, StateError> {
        let id = format!(
            "{}|{}",
            self.settings.endpoints.s3.as_deref().unwrap_or("aws"),
            self.bucket.name
        );
        let cache = PROBED.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(known) = cache.lock().ok().and_then(|c| c.get(&id).copied()) {
            return Ok(known);
        }
        let honoured = self.probe_conditional_writes()?;
        if let Ok(mut c) = cache.lock() {
            c.insert(id, honoured);
        }
        Ok(honoured)
    }

    /// Puts a probe object twice with `If-None-Match: *` and once with an
    /// `If-Match` that cannot hold: a store that honours conditions refuses
    /// the last two. The probe sits beside the state, where the caller may
    /// write, and is removed afterwards.
    fn probe_conditional_writes(&self) -> Result<bool, StateError> {
        let key = format!("{}.stack-probe-{}", self.state_key, crate::util::uuid_v4());
        let url = self.bucket.url(&key);
        let put = |condition: Condition| {
            self.bucket
                .put(&key, b"probe\n".to_vec(), &condition, HashMap::new())
                .map_err(|f| f.into_error("write the probe object", &url))
        };
        let first = put(Condition::Absent)?;
        let second = put(Condition::Absent)?;
        let third = put(Condition::Matches("\"0123456789abcdef\"".to_string()))?;
        if self.bucket.purge(&key).is_err() {
            let _ = self.bucket.delete(&key, None);
        }
        Ok(matches!(first, Put::Written { .. })
            && second == Put::PreconditionFailed
            && third == Put::PreconditionFailed)
    }

    fn read_state(&self) -> Result<Option<Object>, StateError> {
        self.bucket
            .get(&self.state_key, None)
            .map_err(|f| f.into_error("read the state", &self.location()))
    }

    /// Before stack's object moved beside Terraform's (`K.stack`), stack
    /// kept its state at Terraform's key `K`. A workspace whose state is
    /// still there is read from there, so that upgrading never starts from
    /// an empty state; the first write puts it at `K.stack` (the old object
    /// is left as it is). Terraform's own state there is not stack's
    /// format (it has no `format_version`) and is ignored.
    fn load_from_previous_key(&self) -> Result<Option<Loaded>, StateError> {
        let key = self.settings.state_key(&self.workspace);
        let object = self
            .bucket
            .get(&key, None)
            .map_err(|f| f.into_error("read the state", &self.location()))?;
        let Some(object) = object else {
            return Ok(None);
        };
        let is_stack_state = serde_json::from_slice::<serde_json::Value>(&object.bytes)
            .is_ok_and(|json| json.get("format_version").is_some());
        if !is_stack_state {
            return Ok(None);
        }
        let state = format::decode(&object.bytes, self.sealer()?)
            .map_err(|e| e.with_path(Path::new(&format!("s3://{}/{key}", self.bucket.name))))?;
        Ok(Some(Loaded {
            state,
            version: VersionToken(None),
            replayed: 0,
        }))
    }

    fn decode(&self, object: &Object) -> Result<State, StateError> {
        format::decode(&object.bytes, self.sealer()?)
            .map_err(|e| e.with_path(Path::new(&self.location())))
    }

    fn load(&self) -> Result<Option<Loaded>, StateError> {
        let current = self.read_state()?;
        let journal = self.journal_keys()?;
        if current.is_none() && journal.is_empty() {
            return self.load_from_previous_key();
        }
        let base = current.as_ref().map(|o| self.decode(o)).transpose()?;
        let base_serial = base.as_ref().map_or(0, |s| s.serial);
        // One journal object per batch of entries: what a recovery folds in.
        let replayed = journal
            .iter()
            .filter(|k| k.base_serial == base_serial)
            .count();
        let Some(state) = journal::replay(self, base, &journal)? else {
            return Ok(None);
        };
        Ok(Some(Loaded {
            state,
            version: VersionToken(current.map(|o| o.etag)),
            replayed,
        }))
    }

    /// Refuses a write whose token does not name the stored version, and a
    /// state of another lineage or an older serial, as the local backend
    /// does. Returns the stored state, decoded.
    fn check_stored(
        &self,
        current: Option<&Object>,
        version: &VersionToken,
        state: &State,
    ) -> Result<Option<State>, StateError> {
        let conflict = |message: String| StateError::Conflict {
            location: self.location(),
            message,
        };
        match (&version.0, current) {
            (None, None) => return Ok(None),
            (Some(_), None) => return Err(conflict("it was removed after it was read".into())),
            (None, Some(_)) => {
                return Err(conflict(
                    "it was created after this run found no state".into(),
                ))
            }
            (Some(read), Some(o)) if *read != o.etag => {
                return Err(conflict(format!(
                    "it is at version {} but this run read version {read}",
                    o.etag
                )))
            }
            _ => {}
        }
        let current = current.expect("matched above");
        let (lineage, serial) = format::read_header(&current.bytes)
            .map_err(|e| e.with_path(Path::new(&self.location())))?;
        if lineage != state.lineage {
            return Err(StateError::LineageMismatch {
                path: self.location().into(),
                on_disk: lineage,
                ours: state.lineage.clone(),
            });
        }
        if serial > state.serial {
            return Err(StateError::SerialConflict {
                path: self.location().into(),
                on_disk: serial,
                ours: state.serial,
            });
        }
        self.decode(current).map(Some)
    }

    fn persist(
        &self,
        state: &mut State,
        version: &VersionToken,
        note: &WriteNote,
    ) -> Result<VersionToken, StateError> {
        let current = self.read_state()?;
        let previous = self.check_stored(current.as_ref(), version, state)?;
        let condition = self.write_condition(match &current {
            Some(o) => Condition::Matches(o.etag.clone()),
            None => Condition::Absent,
        })?;
        if let (Some(object), Some(prev)) = (&current, &previous) {
            history::keep(self, object, prev.serial)?;
        }
        let folded = state.serial;
        state.serial += 1;
        let written = self.write_state(state, previous.as_ref(), note, &condition);
        let etag = match written {
            Ok(etag) => etag,
            Err(e) => {
                // The serial names a written version; nothing was written.
                state.serial -= 1;
                return Err(e);
            }
        };
        let journal = self.journal_keys().unwrap_or_default();
        self.remove_journal(journal.into_iter().filter(|k| k.base_serial <= folded));
        Ok(VersionToken(Some(etag)))
    }

    fn write_state(
        &self,
        state: &State,
        previous: Option<&State>,
        note: &WriteNote,
        condition: &Condition,
    ) -> Result<String, StateError> {
        let bytes = format::encode_checked(state, self.sealer()?)?;
        let metadata = history::metadata(state, note, ChangeSummary::between(previous, state));
        let put = self
            .bucket
            .put(&self.state_key, bytes.clone(), condition, metadata)
            .map_err(|f| f.into_error("write the state", &self.location()))?;
        match put {
            Put::Written { etag } => Ok(etag),
            Put::PreconditionFailed => {
                // A retried PUT whose first attempt succeeded fails its own
                // condition: if what is stored is what we wrote, it is ours.
                match self.read_state()? {
                    Some(o) if o.bytes == bytes => Ok(o.etag),
                    _ => Err(StateError::Conflict {
                        location: self.location(),
                        message: "it changed while it was being written".to_string(),
                    }),
                }
            }
        }
    }

    fn lock_store(&self) -> Result<Arc<dyn lock::LockStore>, StateError> {
        if let (Some(table), Some(client)) = (&self.settings.dynamodb_table, &self.dynamodb) {
            return Ok(Arc::new(DynamoLockStore {
                client: client.clone(),
                table: table.clone(),
                lock_id: format!("{}/{}", self.bucket.name, self.state_key),
                rt: self.rt.clone(),
            }));
        }
        // Refuses a store that would let two holders create the lock.
        self.write_condition(Condition::Absent)?;
        Ok(Arc::new(S3LockStore {
            bucket: self.bucket.clone(),
            key: format!("{}.lock", self.state_key),
        }))
    }
}

impl Backend for S3Backend {
    fn location(&self) -> String {
        self.inner.location()
    }

    fn workspace(&self) -> &str {
        &self.inner.workspace
    }

    fn sealer(&self) -> Result<&Sealer, StateError> {
        self.inner.sealer()
    }

    fn load(&self) -> Result<Option<Loaded>, StateError> {
        self.inner.load()
    }

    fn persist(
        &self,
        state: &mut State,
        version: &VersionToken,
        note: &WriteNote,
    ) -> Result<VersionToken, StateError> {
        self.inner.persist(state, version, note)
    }

    /// The backend's `lock_lease`, when set, wins over `options.lease`: it
    /// is the team's setting, written in the templates.
    fn lock(
        &self,
        request: LockRequest,
        options: &LockOptions,
    ) -> Result<Box<dyn Lease>, StateError> {
        let lease = self.inner.settings.lock_lease.unwrap_or(options.lease);
        let store = self.inner.lock_store()?;
        let held = lock::acquire(store, request, lease, options.timeout)?;
        Ok(Box::new(held))
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let store = self.inner.lock_store()?;
        lock::force_unlock(&*store, id)
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        let store = self.inner.lock_store()?;
        lock::live_holder(&*store)
    }

    fn journal(
        &self,
        loaded: &Loaded,
        note: WriteNote,
    ) -> Result<Box<dyn StateJournal>, StateError> {
        Ok(Box::new(S3Journal::open(self.inner.clone(), loaded, note)?))
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        history::list(&self.inner)
    }

    fn workspaces(&self) -> Result<Vec<String>, StateError> {
        self.inner.workspaces()
    }

    fn delete_workspace(&self) -> Result<(), StateError> {
        self.inner.delete_workspace()
    }

    fn load_version(&self, serial: u64) -> Result<State, StateError> {
        history::load(&self.inner, serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A backend whose endpoint nothing answers: the tests below must
    /// decide before any request.
    fn offline(extra: serde_json::Value) -> S3Backend {
        let mut args = json!({
            "bucket": format!("offline-{}", crate::util::uuid_v4()), "key": "k",
            "region": "us-east-1", "endpoint": "http://127.0.0.1:9",
            "access_key": "a", "secret_key": "s",
        });
        for (k, v) in extra.as_object().unwrap() {
            args[k] = v.clone();
        }
        let config = BackendConfig {
            kind: "s3".into(),
            arguments: serde_json::from_value(args).unwrap(),
        };
        S3Backend::new(&config, "default", Path::new(".")).unwrap()
    }

    /// Records, as the probe would, that this backend's store ignores
    /// conditional writes.
    fn without_conditional_writes(backend: &S3Backend) {
        let id = format!("http://127.0.0.1:9|{}", backend.inner.bucket.name);
        let cache = PROBED.get_or_init(|| Mutex::new(HashMap::new()));
        cache.lock().unwrap().insert(id, false);
    }

    #[test]
    fn a_store_without_conditional_writes_is_refused_without_a_lock_table() {
        let backend = offline(json!({}));
        without_conditional_writes(&backend);
        let err = backend
            .lock(LockRequest::new("apply"), &LockOptions::default())
            .err()
            .expect("refused");
        assert!(matches!(err, StateError::Refused { .. }), "{err}");
        assert!(err.to_string().contains("`dynamodb_table`"), "{err}");
    }

    #[test]
    fn a_lock_table_makes_a_store_without_conditional_writes_usable() {
        let backend = offline(json!({"dynamodb_table": "locks"}));
        without_conditional_writes(&backend);
        let condition = backend.inner.write_condition(Condition::Absent).unwrap();
        assert_eq!(condition, Condition::None);
    }

    #[test]
    fn endpoints_on_an_ip_address_use_path_style() {
        for url in [
            "http://127.0.0.1:5000",
            "http://localhost:9000/",
            "http://[::1]:9000",
        ] {
            assert!(local_host(Some(url)), "{url}");
        }
        for url in [
            "https://s3.eu-west-1.amazonaws.com",
            "http://minio.internal:9000",
        ] {
            assert!(!local_host(Some(url)), "{url}");
        }
        assert!(!local_host(None));
    }

    #[test]
    fn construction_makes_no_request_and_keys_follow_the_workspace() {
        let backend = offline(json!({"workspace_key_prefix": "ws"}));
        assert_eq!(backend.state_key(), "k.stack");
        assert_eq!(backend.workspace(), "default");
        assert!(backend.location().starts_with("s3://offline-"));
    }
}
