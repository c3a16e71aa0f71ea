//! `stack workspace list|show|new|select|delete`: named states of one stack
//! (Terraform's workspaces), each with its own state and lock on either
//! backend. The selection is kept in `.stack/environment`; `--workspace`
//! and `STACK_WORKSPACE` override it for one command.

use std::path::Path;

use crate::commands::{take_lock, Session, OK};
use crate::LockArgs;

/// Where the selected workspace is kept (Terraform keeps it in
/// `.terraform/environment`).
const SELECTION_FILE: &str = ".stack/environment";

/// The workspace a command runs in: `--workspace`/`STACK_WORKSPACE`, else
/// the selection, else `default`.
pub fn current(dir: &Path, flag: Option<&str>) -> String {
    if let Some(name) = flag {
        return name.to_string();
    }
    std::fs::read_to_string(dir.join(SELECTION_FILE))
        .ok()
        .map(|text| text.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "default".to_string())
}

fn select(session: &Session, name: &str) -> Result<(), u8> {
    let path = session.dir().join(SELECTION_FILE);
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
        std::fs::write(&path, format!("{name}\n"))
    };
    write().map_err(|e| {
        session.error(
            "Cannot select the workspace",
            format!("Writing {}: {e}.", path.display()),
        )
    })
}

/// The workspaces with a state, plus `default` and the current one.
fn known(session: &Session) -> Result<Vec<String>, u8> {
    let backend = session.backend()?;
    let mut names = backend
        .workspaces()
        .map_err(|e| session.error("Cannot list the workspaces", e.to_string()))?;
    names.push("default".to_string());
    names.push(session.workspace().to_string());
    names.sort();
    names.dedup();
    Ok(names)
}

pub fn list(session: &Session) -> u8 {
    let names = match known(session) {
        Ok(names) => names,
        Err(code) => return code,
    };
    for name in names {
        let mark = if name == session.workspace() {
            "*"
        } else {
            " "
        };
        println!("{mark} {name}");
    }
    OK
}

pub fn show(session: &Session) -> u8 {
    println!("{}", session.workspace());
    OK
}

pub fn new(session: &Session, name: &str, lock: &LockArgs) -> u8 {
    let names = match known(session) {
        Ok(names) => names,
        Err(code) => return code,
    };
    let exists = names.iter().any(|n| n == name) && (name == "default" || has_state(session, name));
    if exists {
        return session.error(
            "Workspace already exists",
            format!("The workspace \"{name}\" already exists; `stack workspace select {name}` switches to it."),
        );
    }
    let target = session.with_workspace(name);
    let backend = match target.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let lease = match take_lock(&target, &*backend, lock, "workspace new") {
        Ok(lease) => lease,
        Err(code) => return code,
    };
    // An empty lineage gets a fresh one when first written.
    let mut empty = state::State::new(String::new());
    let note = state::store::WriteNote::new("workspace new");
    let written = backend.persist(&mut empty, &state::store::VersionToken(None), &note);
    let _ = lease.release();
    if let Err(e) = written {
        return session.error("Cannot create the workspace", e.to_string());
    }
    if let Err(code) = select(session, name) {
        return code;
    }
    println!("Created and switched to workspace \"{name}\".");
    OK
}

fn has_state(session: &Session, name: &str) -> bool {
    session
        .with_workspace(name)
        .backend()
        .ok()
        .and_then(|b| b.load().ok().flatten())
        .is_some()
}

pub fn select_command(session: &Session, name: &str, or_create: bool, lock: &LockArgs) -> u8 {
    let names = match known(session) {
        Ok(names) => names,
        Err(code) => return code,
    };
    if !names.iter().any(|n| n == name) {
        if or_create {
            return new(session, name, lock);
        }
        return session.error(
            "Workspace doesn't exist",
            format!("There is no workspace \"{name}\" (workspaces: {}). Create it with `stack workspace new {name}`, or select it with --or-create.", names.join(", ")),
        );
    }
    if let Err(code) = select(session, name) {
        return code;
    }
    println!("Switched to workspace \"{name}\".");
    OK
}

pub fn delete(session: &Session, name: &str, force: bool, lock: &LockArgs) -> u8 {
    if name == "default" {
        return session.error(
            "Cannot delete the default workspace",
            "The default workspace always exists; `stack destroy` removes what it manages.",
        );
    }
    if name == session.workspace() {
        return session.error(
            "Workspace is in use",
            format!("The workspace \"{name}\" is the current one. Select another (`stack workspace select default`) first."),
        );
    }
    let target = session.with_workspace(name);
    let backend = match target.backend() {
        Ok(b) => b,
        Err(code) => return code,
    };
    let lease = match take_lock(&target, &*backend, lock, "workspace delete") {
        Ok(lease) => lease,
        Err(code) => return code,
    };
    let outcome = delete_locked(&target, &*backend, name, force);
    let _ = lease.release();
    outcome
}

fn delete_locked(session: &Session, backend: &dyn state::Backend, name: &str, force: bool) -> u8 {
    let loaded = match backend.load() {
        Ok(Some(loaded)) => loaded,
        Ok(None) => {
            return session.error(
                "Workspace doesn't exist",
                format!("There is no state for the workspace \"{name}\"."),
            )
        }
        Err(e) => return session.error("Cannot read the state", e.to_string()),
    };
    let managed = loaded.state.resources.len();
    if managed > 0 && !force {
        return session.error(
            "Workspace is not empty",
            format!("The workspace \"{name}\" still manages {managed} object(s). Destroy them first (`stack --workspace {name} destroy`), or delete with --force to forget them (they stay in the cloud)."),
        );
    }
    if let Err(e) = backend.delete_workspace() {
        return session.error("Cannot delete the workspace", e.to_string());
    }
    println!("Deleted workspace \"{name}\".");
    OK
}
