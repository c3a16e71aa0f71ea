//! `stack init` (setting up and migrating backends), and `stack state
//! history | pull | push | rollback` and `show --serial`: the state's
//! versions, through whichever backend holds them.

use std::path::Path;

use state::{Backend, State, WriteNote};

use crate::commands::{describe_resource, load_locked, take_lock, Session, OK};
use crate::LockArgs;

pub fn history(session: &Session, json: bool) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let entries = match backend.history() {
        Ok(entries) => entries,
        Err(e) => return session.error("Cannot read the history", e.to_string()),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&entries).unwrap_or_default()
        );
        return OK;
    }
    if entries.is_empty() {
        println!("No versions of the state are stored yet.");
        return OK;
    }
    println!(
        "{:>7}  {:<20}  {:<24}  {:<16}  changes",
        "serial", "written", "who", "operation"
    );
    for entry in &entries {
        println!(
            "{:>7}  {:<20}  {:<24}  {:<16}  {}",
            entry.serial, entry.written, entry.who, entry.operation, entry.summary
        );
    }
    OK
}

pub fn show_version(session: &Session, address: &str, serial: u64) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let state = match backend.load_version(serial) {
        Ok(state) => state,
        Err(e) => return session.error("Cannot read the version", e.to_string()),
    };
    match state.resources.get(address) {
        Some(resource) => {
            print!("{}", describe_resource(address, resource));
            OK
        }
        None => session.error(
            "No such resource instance",
            format!("Version {serial} of the state has no instance {address}."),
        ),
    }
}

/// Prints the state in its file format: secrets stay sealed, so the output
/// is safe to keep, and `state push` reads it back with the same key.
pub fn pull(session: &Session) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let loaded = match backend.load() {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return session.error("No state", "This workspace has no state yet."),
        Err(e) => return session.error("Cannot read the state", e.to_string()),
    };
    let encoded = backend
        .sealer()
        .and_then(|sealer| state::format::encode(&loaded.state, sealer));
    match encoded {
        Ok(bytes) => {
            println!("{}", String::from_utf8_lossy(&bytes).trim_end());
            OK
        }
        Err(e) => session.error("Cannot encode the state", e.to_string()),
    }
}

/// Writes `replacement` as the next version under the lock.
fn write_back(
    session: &Session,
    backend: &dyn Backend,
    lock: &LockArgs,
    operation: &str,
    replacement: impl FnOnce(&State) -> Result<State, (String, String)>,
) -> u8 {
    let _lease = match take_lock(session, backend, lock, operation) {
        Ok(lease) => lease,
        Err(code) => return code,
    };
    let loaded = match load_locked(session, backend, operation) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut state = match replacement(&loaded.state) {
        Ok(state) => state,
        Err((summary, detail)) => return session.error(&summary, detail),
    };
    // The new version follows the current one, whatever serial it had.
    state.serial = state.serial.max(loaded.state.serial);
    match backend.persist(&mut state, &loaded.version, &WriteNote::new(operation)) {
        Ok(_) => {
            println!("The state is now serial {}.", state.serial);
            OK
        }
        Err(e) => session.error("Failed to persist state", e.to_string()),
    }
}

pub fn rollback(session: &Session, serial: u64, lock: &LockArgs) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let version = match backend.load_version(serial) {
        Ok(state) => state,
        Err(e) => return session.error("Cannot read the version", e.to_string()),
    };
    write_back(
        session,
        &*backend,
        lock,
        &format!("state rollback {serial}"),
        |current| {
            if current.lineage != version.lineage {
                return Err((
                    "Cannot roll back".to_string(),
                    format!(
                        "Version {serial} belongs to state lineage {}, not the current {}.",
                        version.lineage, current.lineage
                    ),
                ));
            }
            Ok(version)
        },
    )
}

pub fn push(session: &Session, file: &Path, force: bool, lock: &LockArgs) -> u8 {
    let backend = match session.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let pushed = std::fs::read(file)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            let sealer = backend.sealer().map_err(|e| e.to_string())?;
            state::format::decode(&bytes, sealer).map_err(|e| e.with_path(file).to_string())
        });
    let pushed = match pushed {
        Ok(state) => state,
        Err(e) => return session.error("Cannot read the state file", e),
    };
    write_back(session, &*backend, lock, "state push", |current| {
        let fresh = current.resources.is_empty() && current.serial == 0;
        if !force && !fresh && pushed.lineage != current.lineage {
            return Err(("Cannot push the state".to_string(), format!("The file holds state lineage {}, but the current state is lineage {}: they are different states. Use --force to replace it anyway.", pushed.lineage, current.lineage)));
        }
        if !force && pushed.serial < current.serial {
            return Err(("Cannot push the state".to_string(), format!("The file is at serial {}, older than the current serial {}: pushing it would undo later changes. Use `stack state rollback` for that, or --force.", pushed.serial, current.serial)));
        }
        let mut pushed = pushed;
        // Forced onto another lineage, the content replaces the current
        // state's, which keeps its own lineage: the store holds one state.
        pushed.lineage = current.lineage.clone();
        Ok(pushed)
    })
}

/// Sets up the configured backend; with `migrate_state`, moves the
/// workspace's state there from the backend set up before, history and all.
pub fn init(session: &Session, migrate_state: bool, reconfigure: bool, lock: &LockArgs) -> u8 {
    let configured = match session.configured_backend() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let dir = session.dir();
    let changed = crate::workspace::check_initialised(dir, session.workspace(), &configured);
    if let (Err(message), false, false) = (&changed, migrate_state, reconfigure) {
        return session.error("Backend configuration changed", message.clone());
    }
    if changed.is_err() && migrate_state {
        if let Err(code) = migrate_from_previous(session, &configured, lock) {
            return code;
        }
    }
    if let Err(e) = crate::workspace::record_backend(dir, &configured) {
        return session.error("Cannot record the backend", e);
    }
    match crate::workspace::open_backend(dir, session.workspace(), Some(&configured)) {
        Ok(backend) => {
            println!(
                "stack is set up: the state of workspace \"{}\" lives in {}.",
                session.workspace(),
                backend.location()
            );
            OK
        }
        Err(e) => session.error("Invalid backend", e.to_string()),
    }
}

fn migrate_from_previous(
    session: &Session,
    configured: &state::BackendConfig,
    lock: &LockArgs,
) -> Result<(), u8> {
    let dir = session.dir();
    let workspace = session.workspace();
    let previous = crate::workspace::recorded_backend(dir)
        .map_err(|e| session.error("Cannot read the recorded backend", e))?
        .unwrap_or_else(crate::workspace::local);
    let open = |config: &state::BackendConfig| {
        crate::workspace::open_backend(dir, workspace, Some(config))
            .map_err(|e| session.error("Invalid backend", e.to_string()))
    };
    let (from, to) = (open(&previous)?, open(configured)?);
    let _from_lease = take_lock(session, &*from, lock, "state migrate")?;
    let _to_lease = take_lock(session, &*to, lock, "state migrate")?;
    match crate::workspace::migrate(&*from, &*to) {
        Ok(versions) => {
            println!(
                "Moved {versions} version(s) of the state of workspace \"{workspace}\" from {} to {}. The old copy was left where it was.",
                from.location(),
                to.location()
            );
            Ok(())
        }
        Err(e) => Err(session.error("Cannot migrate the state", e.to_string())),
    }
}
