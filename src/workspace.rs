//! The state of the selected workspace, through whichever backend the
//! templates configure: opening it, locking it (with the takeover warning a
//! user must see), and recovering an interrupted apply's journal.

use std::path::Path;
use std::time::Duration;

use state::{
    Backend, Lease, Loaded, LocalBackend, LockOptions, LockRequest, State, StateError,
    VersionToken, WriteNote,
};

/// The backend that holds `workspace`'s state for the stack in `dir`.
pub fn open_backend(dir: &Path, workspace: &str) -> Result<Box<dyn Backend>, StateError> {
    Ok(Box::new(LocalBackend::new(dir, workspace)?))
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
