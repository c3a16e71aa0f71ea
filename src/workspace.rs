//! The state of the selected workspace, through whichever backend the
//! templates configure: opening it, locking it (with the takeover warning a
//! user must see), and recovering an interrupted apply's journal.

use std::path::Path;
use std::time::Duration;

use state::{
    Backend, BackendConfig, Lease, Loaded, LocalBackend, LockOptions, LockRequest, State,
    StateError, VersionToken, WriteNote,
};

/// The backend that holds `workspace`'s state for the stack in `dir`, as
/// the templates' `backend` block configures it (local without one).
pub fn open_backend(
    dir: &Path,
    workspace: &str,
    config: Option<&BackendConfig>,
) -> Result<Box<dyn Backend>, StateError> {
    match config.map(|c| c.kind.as_str()) {
        None | Some("local") => Ok(Box::new(LocalBackend::new(dir, workspace)?)),
        Some("s3") => Ok(Box::new(state::s3::S3Backend::new(
            config.expect("an s3 configuration"),
            workspace,
            dir,
        )?)),
        Some(other) => Err(StateError::BackendArgument {
            argument: "backend".to_string(),
            message: format!("the backend \"{other}\" is not supported; use \"local\" or \"s3\""),
        }),
    }
}

/// How long a lock lasts without renewal: `STACK_LOCK_LEASE` (e.g. `30s`),
/// else the default. Tests shorten it to see a takeover quickly.
pub fn lock_options(timeout: Duration) -> Result<LockOptions, String> {
    let lease = match std::env::var("STACK_LOCK_LEASE") {
        Ok(text) => humantime::parse_duration(text.trim())
            .map_err(|e| format!("STACK_LOCK_LEASE={text:?} {e}"))?,
        Err(_) => state::store::DEFAULT_LEASE,
    };
    Ok(LockOptions { timeout, lease })
}

/// Takes the lock, warning on stderr when it was taken over from a holder
/// that stopped renewing it or is gone.
pub fn lock(
    backend: &dyn Backend,
    operation: &str,
    options: &LockOptions,
) -> Result<Box<dyn Lease>, StateError> {
    let lease = backend.lock(LockRequest::new(operation), options)?;
    if let Some(previous) = lease.taken_over_from() {
        eprintln!(
            "Warning: took over the state lock held by {} (operation \"{}\", pid {} on {}, since {}, id {}): its holder stopped renewing it or is gone.",
            previous.who, previous.operation, previous.pid, previous.host, previous.created, previous.id
        );
    }
    Ok(lease)
}

/// Loads the state under the lock. An interrupted apply's journal is folded
/// into a new version at once, so the serial moves past any plan saved
/// before the interruption. An absent state is a new, empty one.
pub fn load_locked(backend: &dyn Backend, operation: &str) -> Result<Loaded, StateError> {
    let Some(mut loaded) = backend.load()? else {
        return Ok(Loaded {
            state: State::new(state::new_lineage()),
            version: VersionToken(None),
            replayed: 0,
        });
    };
    if loaded.replayed > 0 {
        let note = WriteNote::new(format!("recover ({operation})"));
        loaded.version = backend.persist(&mut loaded.state, &loaded.version, &note)?;
        eprintln!(
            "Recovered {} change(s) an interrupted run recorded in the state journal; the state is now serial {}.",
            loaded.replayed, loaded.state.serial
        );
        loaded.replayed = 0;
    }
    Ok(loaded)
}

/// `.stack/backend.json`: the backend `stack init` last set up here, so that
/// a changed backend block is noticed instead of silently starting from an
/// empty state in the new backend.
fn recorded_path(dir: &Path) -> std::path::PathBuf {
    dir.join(state::backend::STATE_DIR).join("backend.json")
}

/// Arguments never written to disk: credentials belong in the environment.
const SECRET_ARGUMENTS: [&str; 3] = ["access_key", "secret_key", "token"];

/// The backend as recorded by the last `stack init` (`None`: never run).
pub fn recorded_backend(dir: &Path) -> Result<Option<BackendConfig>, String> {
    let path = recorded_path(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    let kind = json["kind"].as_str().unwrap_or("local").to_string();
    let arguments = json["arguments"]
        .as_object()
        .map(|m| m.clone().into_iter().collect())
        .unwrap_or_default();
    Ok(Some(BackendConfig { kind, arguments }))
}

pub fn record_backend(dir: &Path, config: &BackendConfig) -> Result<(), String> {
    let arguments: serde_json::Map<String, serde_json::Value> = config
        .arguments
        .iter()
        .filter(|(k, _)| !SECRET_ARGUMENTS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let json = serde_json::json!({ "kind": config.kind, "arguments": arguments });
    let path = recorded_path(dir);
    std::fs::create_dir_all(path.parent().unwrap_or(dir))
        .and_then(|_| std::fs::write(&path, format!("{json:#}\n")))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The local backend's settings, as a configuration.
pub fn local() -> BackendConfig {
    BackendConfig {
        kind: "local".to_string(),
        arguments: Default::default(),
    }
}

/// Two configurations name the same store (credentials aside).
pub fn same_backend(a: &BackendConfig, b: &BackendConfig) -> bool {
    let visible = |c: &BackendConfig| -> Vec<(String, serde_json::Value)> {
        c.arguments
            .iter()
            .filter(|(k, _)| !SECRET_ARGUMENTS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    a.kind == b.kind && visible(a) == visible(b)
}

/// Refuses to use a backend other than the one `stack init` set up, and an
/// S3 backend when this directory still holds local state for the
/// workspace: either would start from an empty state and plan to create
/// everything again.
pub fn check_initialised(
    dir: &Path,
    workspace: &str,
    configured: &BackendConfig,
) -> Result<(), String> {
    let recorded = recorded_backend(dir)?;
    let previous = match recorded {
        Some(previous) => previous,
        None if configured.kind == "local" => return Ok(()),
        None => {
            let local_state = LocalBackend::new(dir, workspace)
                .map(|b| b.state_path().exists())
                .unwrap_or(false);
            if !local_state {
                return Ok(());
            }
            local()
        }
    };
    if same_backend(&previous, configured) {
        return Ok(());
    }
    Err(format!(
        "The backend configuration changed from \"{}\" to \"{}\" since `stack init` set it up. Run `stack init --migrate-state` to move the state to the new backend, or `stack init --reconfigure` to use the new backend as it is.",
        previous.kind, configured.kind
    ))
}

/// Copies one workspace's state, every stored version oldest first and then
/// the current one, from `from` to the empty `to`. Returns how many versions
/// were written.
pub fn migrate(from: &dyn Backend, to: &dyn Backend) -> Result<usize, StateError> {
    let Some(current) = from.load()? else {
        return Ok(0);
    };
    // The target may hold an older copy of this same state (moving back to
    // where it was): then only the newer versions are written.
    let (mut token, done) = match to.load()? {
        None => (VersionToken(None), 0),
        Some(there)
            if there.state.lineage == current.state.lineage
                && there.state.serial <= current.state.serial =>
        {
            (there.version, there.state.serial)
        }
        Some(_) => {
            return Err(StateError::Refused {
                message: format!(
                    "{} already holds another or a newer state; stack will not overwrite it. Remove it first, or use `stack state push --force`.",
                    to.location()
                ),
            })
        }
    };
    let mut history = from.history()?;
    history.reverse();
    let mut versions: Vec<State> = Vec::new();
    for entry in history
        .iter()
        .filter(|e| e.lineage == current.state.lineage)
    {
        if entry.serial > done && entry.serial < current.state.serial {
            versions.push(from.load_version(entry.serial)?);
        }
    }
    if current.state.serial > done {
        versions.push(current.state);
    }
    let note = WriteNote::new("state migrate");
    for mut version in versions.iter().cloned() {
        // Persisting writes serial + 1: start from the serial before it so
        // that each version keeps its own serial in the new backend.
        version.serial = version.serial.saturating_sub(1);
        token = to.persist(&mut version, &token, &note)?;
    }
    Ok(versions.len())
}
