//! `stack`'s state: the model, its versioned file format, backends and locking.
//!
//! - [`model`]: the in-memory state (secrets in clear).
//! - [`format`]: the versioned JSON file format, with upgrade functions and
//!   secrets sealed by a [`Sealer`] ([`seal`]).
//! - [`backend`]: the local backend (atomic writes, backup), with its
//!   [`journal`] of per-operation writes and its [`lock`].

pub mod backend;
pub mod clock;
mod error;
pub mod format;
pub mod journal;
mod lease;
pub mod lock;
pub mod model;
#[cfg(feature = "s3")]
pub mod s3;
pub mod seal;
pub mod store;
mod util;

pub use util::error_chain;

pub use backend::LocalBackend;
pub use error::StateError;
pub use journal::{Journal, JournalEntry};
pub use lock::{LockGuard, LockInfo, LockRequest};
pub use model::*;
pub use seal::Sealer;
pub use store::{
    Backend, BackendConfig, ChangeSummary, HistoryEntry, Lease, Loaded, LockOptions, StateJournal,
    VersionToken, WriteNote,
};

/// A new random lineage: a UUID version 4 string. A lineage names one state
/// for its whole life, so that a state is never overwritten by another.
pub fn new_lineage() -> String {
    util::uuid_v4()
}
