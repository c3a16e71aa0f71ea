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

/// The backend block of the templates in `dir`. Templates that do not load
/// are reported by the command's own loading; here they mean "no block".
pub fn backend_block(
    dir: &Path,
) -> Result<Option<BackendConfig>, engine::diagnostics::Diagnostics> {
    let (config, _) = engine::config::load(dir);
    engine::backend::backend_config(&config)
}

/// How long a lock lasts without renewal: `STACK_LOCK_LEASE` (e.g. `30s`),
/// else the default. Tests shorten it to see a takeover quickly.
pub fn lock_options(timeout: Duration) -> Result<LockOptions, String> {
    let lease = match std::env::var("STACK_LOCK_LEASE") {
        Ok(text) => engine::builtin::time::parse_duration(text.trim())
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
