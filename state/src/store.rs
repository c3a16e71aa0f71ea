//! The backend layer: where one workspace's state is stored, and how it is
//! locked, versioned and journaled. Nothing outside this crate knows which
//! backend is in use: the CLI builds one from the templates' `backend` block
//! ([`BackendConfig`]) and talks to it through [`Backend`].
//!
//! Implementations: [`crate::LocalBackend`] (files under `.stack/`) and, with
//! the `s3` feature, the S3 backend (objects in a bucket, conditional writes,
//! lease locks). Every method is synchronous: the state is small, every call
//! is made under the lock, and a synchronous seam keeps the apply loop's
//! single writer simple. A backend that talks to a network runs its own
//! runtime for it.
//!
//! The contract every backend keeps:
//! - [`Backend::load`] returns the state with any unfolded journal replayed,
//!   and a [`VersionToken`] naming what was read;
//! - [`Backend::persist`] writes only if the stored state is still the one
//!   the token names (a conditional write), increments the serial, and keeps
//!   the previous version in the history;
//! - a state, journal or history version that cannot be decoded is an error
//!   naming it, and is never overwritten;
//! - a lock is a lease: renewed while held, released on drop, taken over
//!   with a warning when its holder stopped renewing it or is gone.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::journal::JournalEntry;
use crate::lock::{LockInfo, LockRequest};
use crate::model::State;
use crate::seal::Sealer;
use crate::StateError;

/// Names the stored version a state was read from, so that a write based on
/// it fails if someone wrote since (S3: the object's ETag; local files: the
/// lineage and serial on disk). `None`: nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionToken(pub Option<String>);

/// A state as loaded, with the token a conditional write needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub state: State,
    pub version: VersionToken,
    /// Journal entries of an interrupted apply replayed on top of the stored
    /// version. When non-zero, the caller (holding the lock) writes the state
    /// as a new version at once, so that the serial moves and a plan saved
    /// before the interruption can no longer be applied.
    pub replayed: usize,
}

/// Who writes a version and why: kept in its history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteNote {
    /// `user@host`.
    pub who: String,
    /// `apply`, `destroy`, `import`, `state mv`, `state rollback`, …
    pub operation: String,
}

impl WriteNote {
    /// A note by the current user on this host.
    pub fn new(operation: impl Into<String>) -> WriteNote {
        let request = LockRequest::new(operation);
        WriteNote {
            who: request.who,
            operation: request.operation,
        }
    }
}

/// One stored version of the state, newest first in [`Backend::history`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub serial: u64,
    pub lineage: String,
    /// RFC 3339, UTC.
    pub written: String,
    pub who: String,
    pub operation: String,
    /// What changed from the version before it.
    pub summary: ChangeSummary,
}

/// Resource instances added, changed and removed by one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChangeSummary {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

impl ChangeSummary {
    /// Compares two versions of a state, resource instance by instance.
    pub fn between(before: Option<&State>, after: &State) -> ChangeSummary {
        let empty = BTreeMap::new();
        let old = before.map(|s| &s.resources).unwrap_or(&empty);
        let mut summary = ChangeSummary::default();
        for (address, resource) in &after.resources {
            match old.get(address) {
                None => summary.added += 1,
                Some(previous) if previous != resource => summary.changed += 1,
                Some(_) => {}
            }
        }
        summary.removed = old
            .keys()
            .filter(|a| !after.resources.contains_key(*a))
            .count();
        summary
    }
}

impl std::fmt::Display for ChangeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "+{} ~{} -{}", self.added, self.changed, self.removed)
    }
}

/// How to take a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockOptions {
    /// How long to wait for a held lock; zero fails at once.
    pub timeout: Duration,
    /// How long a lock stays valid without renewal. The holder renews it
    /// every third of this; a lock not renewed for this long is taken over.
    pub lease: Duration,
}

/// The default lease: a holder that stops renewing for this long is gone.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

impl Default for LockOptions {
    fn default() -> LockOptions {
        LockOptions {
            timeout: Duration::ZERO,
            lease: DEFAULT_LEASE,
        }
    }
}

/// A held lock. Renewed in the background while it lives; released when
/// dropped (or by [`Lease::release`], which reports failure).
pub trait Lease: Send {
    fn info(&self) -> &LockInfo;
    /// The holder this lock was taken over from, when its lease had expired
    /// or its process was gone: the caller warns about it.
    fn taken_over_from(&self) -> Option<&LockInfo>;
    /// Becomes true when the lease is lost (a renewal failed, or someone
    /// took the lock over): the holder must start nothing new, record what
    /// is in flight and exit non-zero.
    fn lost(&self) -> Arc<AtomicBool>;
    fn release(self: Box<Self>) -> Result<(), StateError>;
}

/// The journal of one apply: each entry durable before `record_all`
/// returns, folded into a new state version by `compact`.
pub trait StateJournal: Send {
    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), StateError>;
    /// Writes entries the journal holds back to batch them (none by default).
    fn flush(&mut self) -> Result<(), StateError> {
        Ok(())
    }
    /// Writes `state` (which holds every recorded entry) as a new version
    /// and starts an empty journal on top of it.
    fn compact(&mut self, state: &mut State) -> Result<(), StateError>;
}

/// Where one workspace's state lives.
pub trait Backend: Send + Sync {
    /// Where the state is, for messages (`.stack/prod.state.json`,
    /// `s3://bucket/env:/prod/stack.tfstate`).
    fn location(&self) -> String;
    fn workspace(&self) -> &str;
    /// The sealer for secrets in this state (and in plans made against it).
    fn sealer(&self) -> Result<&Sealer, StateError>;
    /// The state with any unfolded journal replayed, or `None` if there is none.
    fn load(&self) -> Result<Option<Loaded>, StateError>;
    /// Writes `state` as the next version if the stored one is still the one
    /// `version` names; returns the new token. Keeps the previous version in
    /// the history, and removes any journal it folds in.
    fn persist(
        &self,
        state: &mut State,
        version: &VersionToken,
        note: &WriteNote,
    ) -> Result<VersionToken, StateError>;
    fn lock(
        &self,
        request: LockRequest,
        options: &LockOptions,
    ) -> Result<Box<dyn Lease>, StateError>;
    /// Removes the lock if its id is `id`, returning who held it.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;
    /// Who holds the lock now, without taking it: `None` when it is free
    /// or its holder abandoned it (a lock anyone may take over). For
    /// readers that must not block a writer (`stack drift`).
    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError>;
    /// Opens the journal of an apply on `loaded` (as [`Backend::load`] gave it).
    fn journal(
        &self,
        loaded: &Loaded,
        note: WriteNote,
    ) -> Result<Box<dyn StateJournal>, StateError>;
    /// The stored versions, newest first.
    fn history(&self) -> Result<Vec<HistoryEntry>, StateError>;
    /// One stored version by its serial.
    fn load_version(&self, serial: u64) -> Result<State, StateError>;
    /// The workspaces with a stored state under this backend's
    /// configuration, sorted (`default` among them when it has one).
    fn workspaces(&self) -> Result<Vec<String>, StateError>;
    /// Removes this workspace's state with its journal and history. The
    /// caller holds the lock and has checked that nothing is managed any more.
    fn delete_workspace(&self) -> Result<(), StateError>;
}

/// A backend as the templates' `backend "TYPE" { … }` block configures it:
/// the type and its arguments, already evaluated (they may not use
/// variables, as in Terraform).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackendConfig {
    pub kind: String,
    pub arguments: BTreeMap<String, serde_json::Value>,
}
