//! The one error type of this crate. Every variant carries the path it is
//! about (where there is one) and its `Display` is a full sentence that ends
//! with what the user can do about it, because the CLI shows it as is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::lock::LockInfo;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file-system operation failed.
    #[error("Could not {action} `{}`: {source}. Check that the path exists and that you may access it, then try again.", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The bytes of a state file or journal are not a valid state.
    #[error("{} is not valid: {message}. It was left untouched; fix it by hand or restore it (the previous state file is kept as `<name>.backup`), then try again.", subject(path.as_deref(), "The state"))]
    Corrupt {
        path: Option<PathBuf>,
        message: String,
    },

    /// The file was written by a newer `stack` whose format we do not know.
    #[error("{} was written by a newer stack (format version {found}; this stack understands up to {supported}). It was left untouched; upgrade stack to read it.", subject(path.as_deref(), "The state"))]
    NewerFormat {
        path: Option<PathBuf>,
        found: u64,
        supported: u64,
    },

    /// A sealed value could not be opened: the key differs from the one that
    /// sealed it, or the ciphertext was altered.
    #[error("Could not unseal the secret at {location} in {}: the state key is not the one it was sealed with, or the value was altered. Set STACK_STATE_KEY or restore `.stack/state.key` to the key in use when the state was written.", subject(path.as_deref(), "the state").to_lowercase_first())]
    WrongKey {
        path: Option<PathBuf>,
        location: String,
    },

    /// The state key (STACK_STATE_KEY or the key file) is unusable.
    #[error("The state key from {origin} is not valid: {message}. It must be the base64 encoding of exactly 32 bytes.")]
    InvalidKey { origin: String, message: String },

    /// The operating system could not provide random bytes.
    #[error("Could not get random bytes from the operating system: {message}. Try again; if it persists, check the system's entropy source.")]
    Random { message: String },

    /// The file on disk belongs to another state.
    #[error("Refusing to write `{}`: it holds state lineage `{on_disk}`, but the state being written has lineage `{ours}`. They are different states; check the workspace and the directory, or move the file away if it really should be replaced.", path.display())]
    LineageMismatch {
        path: PathBuf,
        on_disk: String,
        ours: String,
    },

    /// The file on disk was written after the state being written was read.
    #[error("Refusing to write `{}`: it is at serial {on_disk}, newer than the serial {ours} of the state being written, so someone else changed it since it was read. Run the command again so it starts from the current state.", path.display())]
    SerialConflict {
        path: PathBuf,
        on_disk: u64,
        ours: u64,
    },

    /// The journal cannot be replayed on the state file beside it.
    #[error("The journal `{}` does not fit the state file beside it: {message}. Inspect it; remove it to discard the changes it records, then try again.", path.display())]
    JournalMismatch { path: PathBuf, message: String },

    /// The journal file was removed or replaced while a `Journal` was open
    /// on it (for example by `LocalBackend::persist`).
    #[error("The journal `{}` was removed while it was in use, so further entries would be lost. Use `Journal::compact` instead of `LocalBackend::persist` while a journal is open.", path.display())]
    JournalDetached { path: PathBuf },

    /// The workspace name cannot be used in a file name.
    #[error("The workspace name `{name}` is not valid: {message}. Use letters, digits, `-`, `_` and `.`, not starting with `.`.")]
    InvalidWorkspace { name: String, message: String },

    /// Someone else holds the lock.
    #[error("The state lock `{}` is held by {} (lock id {}, operation \"{}\", pid {} on {}, since {}){}.{} Wait for that operation to finish and try again; if that process is gone, `stack force-unlock {}` removes the lock.",
        path.display(), holder.who, holder.id, holder.operation, holder.pid, holder.host, holder.created,
        waited_text(*waited), stale_text(*stale), holder.id)]
    Locked {
        path: PathBuf,
        holder: Box<LockInfo>,
        /// How long we waited before giving up (zero: we did not wait).
        waited: Duration,
        /// The holder runs on this host and its pid is not alive.
        stale: bool,
    },

    /// `force_unlock` with an id that is not the holder's.
    #[error("Refusing to unlock `{}`: the lock id given is `{given}`, but the lock is held by {} with id `{}` (operation \"{}\", since {}). Check the id in the lock error message and try again.", path.display(), holder.who, holder.id, holder.operation, holder.created)]
    LockIdMismatch {
        path: PathBuf,
        given: String,
        holder: Box<LockInfo>,
    },

    /// A conditional write found the stored state changed since it was read.
    #[error("Refusing to write {location}: {message}, so someone else wrote it in the meantime. Run the command again so it starts from the current state.")]
    Conflict { location: String, message: String },

    /// The history has no version with this serial.
    #[error("The history of {location} has no version with serial {serial}. Run `stack state history` to see the versions kept.")]
    NoSuchVersion { location: String, serial: u64 },

    /// `force_unlock` when there is no lock.
    #[error("There is no lock at `{}`, so there is nothing to unlock.", path.display())]
    NotLocked { path: PathBuf },

    /// An argument of the `backend` block is missing or invalid.
    #[error("The backend argument `{argument}` {message}")]
    BackendArgument { argument: String, message: String },

    /// A request to a remote store (S3, DynamoDB, KMS) failed.
    #[error("Could not {action} `{location}`: {message}. Check the credentials, the region, the endpoint and that the bucket exists, then try again.")]
    Remote {
        action: String,
        location: String,
        message: String,
    },

    /// The backend refuses to run as configured, because running would be
    /// unsafe (secrets in clear, writes without locking).
    #[error("{message}")]
    Refused { message: String },
}

impl StateError {
    /// Fills in the file a decoding error is about; `format::decode` works
    /// on bytes and does not know where they came from.
    pub fn with_path(self, file: &Path) -> StateError {
        match self {
            StateError::Corrupt {
                path: None,
                message,
            } => StateError::Corrupt {
                path: Some(file.to_path_buf()),
                message,
            },
            StateError::NewerFormat {
                path: None,
                found,
                supported,
            } => StateError::NewerFormat {
                path: Some(file.to_path_buf()),
                found,
                supported,
            },
            StateError::WrongKey {
                path: None,
                location,
            } => StateError::WrongKey {
                path: Some(file.to_path_buf()),
                location,
            },
            other => other,
        }
    }

    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> StateError {
        StateError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn corrupt(message: impl Into<String>) -> StateError {
        StateError::Corrupt {
            path: None,
            message: message.into(),
        }
    }
}

fn subject(path: Option<&Path>, fallback: &str) -> String {
    match path {
        Some(p) => format!("The file `{}`", p.display()),
        None => fallback.to_string(),
    }
}

fn waited_text(waited: Duration) -> String {
    if waited.is_zero() {
        String::new()
    } else {
        format!(
            " and was still held after waiting {:.1}s",
            waited.as_secs_f64()
        )
    }
}

fn stale_text(stale: bool) -> &'static str {
    if stale {
        " Its process no longer runs on this host, so the lock looks stale."
    } else {
        ""
    }
}

trait LowercaseFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowercaseFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        match chars.next() {
            Some(c) => c.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}
