//! The write journal: how apply persists after *every* resource operation
//! without rewriting the whole state each time.
//!
//! Rewriting the state file after each of N operations costs O(N) each,
//! O(N²) in all. Instead each change is appended as one JSON line to
//! `.stack/<ws>.state.journal`, at a cost proportional to the entry alone;
//! [`Journal::compact`] folds the journal into the state file (one
//! persist, one serial increment) and removes it. [`LocalBackend::load`]
//! replays a journal left behind by a process that was killed.
//!
//! File layout: a header line `{"journal_version":1,"lineage":…,"serial":N}`
//! naming the state (lineage) and the serial of the state file the entries
//! apply to, then one entry per line, sensitive values sealed exactly as in
//! the state file.
//!
//! Durability:
//! - `record` hands the whole line to the kernel in one `write` before it
//!   returns. The page cache survives the death of the process, so an entry
//!   whose `record` returned survives `kill -9` without an fsync.
//! - Against power loss, a background thread fsyncs the journal at most
//!   [`SYNC_INTERVAL`] after a write, so a power cut loses at most the last
//!   50 ms of entries, while a burst of hundreds of entries costs a handful
//!   of fsyncs instead of hundreds (an fsync costs milliseconds on many
//!   disks, which would dominate a large apply of fast resources).
//! - An entry that records a *pending create* (status `Pending`) is fsynced
//!   before `record` returns: the create call that follows cannot be taken
//!   back, and the pending entry is what lets the next run find the object
//!   instead of creating it again.
//! - A torn last line (a write cut short by a crash) is ignored on replay,
//!   the entries before it are kept, and it is cut off before new entries
//!   are appended.
//!
//! Replay is idempotent: entries set or remove whole values, so replaying
//! a journal on a state that already contains some of its entries gives the
//! same result. A journal whose base serial is below the state file's was
//! already folded in by a persist that crashed before removing it, and is
//! ignored.
//!
//! Contract: apply each entry to the in-memory state as well (see
//! [`JournalEntry::apply_to`]), so that the state given to `compact`
//! contains everything the journal recorded.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::backend::LocalBackend;
use crate::format;
use crate::model::{OutputState, ResourceState, State, Status};
use crate::seal::Sealer;
use crate::store::{StateJournal, WriteNote};
use crate::util::{ensure_dir, sync_dir};
use crate::StateError;

/// The journal format version this build writes.
pub const JOURNAL_VERSION: u64 = 1;

/// How long a recorded entry may stay un-fsynced: the bound on what a power
/// cut can lose.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(50);

/// One change to the state.
#[derive(Debug, Clone, PartialEq)]
pub enum JournalEntry {
    SetResource {
        address: String,
        resource: ResourceState,
    },
    RemoveResource {
        address: String,
    },
    SetOutput {
        name: String,
        output: OutputState,
    },
    RemoveOutput {
        name: String,
    },
}

impl JournalEntry {
    /// Applies the change to an in-memory state.
    pub fn apply_to(&self, state: &mut State) {
        match self {
            JournalEntry::SetResource { address, resource } => {
                state.resources.insert(address.clone(), resource.clone());
            }
            JournalEntry::RemoveResource { address } => {
                state.resources.remove(address);
            }
            JournalEntry::SetOutput { name, output } => {
                state.outputs.insert(name.clone(), output.clone());
            }
            JournalEntry::RemoveOutput { name } => {
                state.outputs.remove(name);
            }
        }
    }

    fn into_state(self, state: &mut State) {
        match self {
            JournalEntry::SetResource { address, resource } => {
                state.resources.insert(address, resource);
            }
            JournalEntry::RemoveResource { address } => {
                state.resources.remove(&address);
            }
            JournalEntry::SetOutput { name, output } => {
                state.outputs.insert(name, output);
            }
            JournalEntry::RemoveOutput { name } => {
                state.outputs.remove(&name);
            }
        }
    }

    /// Whether losing this entry could lead to a duplicate resource: it
    /// announces a create whose call is about to be sent.
    pub(crate) fn is_intent(&self) -> bool {
        matches!(
            self,
            JournalEntry::SetResource {
                resource: ResourceState {
                    status: Status::Pending { .. },
                    ..
                },
                ..
            }
        )
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    journal_version: u64,
    lineage: String,
    serial: u64,
}

/// The lineage named by a journal's header line, if it is one.
pub(crate) fn header_lineage(line: &str) -> Option<String> {
    serde_json::from_str::<Header>(line.trim_end())
        .ok()
        .map(|h| h.lineage)
}

/// The line form of an entry; resources and outputs are stored in their
/// file form, sealed.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Line {
    SetResource { address: String, resource: Value },
    RemoveResource { address: String },
    SetOutput { name: String, output: Value },
    RemoveOutput { name: String },
}

pub(crate) fn encode_entry(entry: &JournalEntry, sealer: &Sealer) -> Result<Vec<u8>, StateError> {
    let line = match entry {
        JournalEntry::SetResource { address, resource } => Line::SetResource {
            address: address.clone(),
            resource: format::encode_resource(resource, sealer)?,
        },
        JournalEntry::RemoveResource { address } => Line::RemoveResource {
            address: address.clone(),
        },
        JournalEntry::SetOutput { name, output } => Line::SetOutput {
            name: name.clone(),
            output: format::encode_output(output, sealer)?,
        },
        JournalEntry::RemoveOutput { name } => Line::RemoveOutput { name: name.clone() },
    };
    // Compact JSON never contains a raw newline (newlines in strings are
    // escaped), so one entry is exactly one line.
    let mut bytes = serde_json::to_vec(&line).map_err(|e| StateError::corrupt(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub(crate) fn decode_entry(value: Value, sealer: &Sealer) -> Result<JournalEntry, StateError> {
    let line: Line =
        serde_json::from_value(value).map_err(|e| StateError::corrupt(e.to_string()))?;
    Ok(match line {
        Line::SetResource { address, resource } => JournalEntry::SetResource {
            resource: format::decode_resource(&address, resource, sealer)?,
            address,
        },
        Line::RemoveResource { address } => JournalEntry::RemoveResource { address },
        Line::SetOutput { name, output } => JournalEntry::SetOutput {
            output: format::decode_output(&name, output, sealer)?,
            name,
        },
        Line::RemoveOutput { name } => JournalEntry::RemoveOutput { name },
    })
}

/// A journal file split into its valid lines.
struct Scan {
    header: Option<Header>,
    /// Entry lines after the header, parsed as JSON, with their line number.
    entries: Vec<(usize, Value)>,
    /// The length of the valid prefix: everything after it is a torn tail.
    valid_len: u64,
}

/// Splits the journal into lines. Only the *last* line may be invalid (a
/// torn write), and it is then left out; an invalid line followed by valid
/// ones is corruption, which we report rather than silently dropping
/// entries.
fn scan(bytes: &[u8], path: &Path) -> Result<Scan, StateError> {
    let mut out = Scan {
        header: None,
        entries: Vec::new(),
        valid_len: 0,
    };
    let mut offset = 0usize;
    let mut lines = bytes
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
        .peekable();
    while let Some((i, raw)) = lines.next() {
        let is_last = lines.peek().is_none();
        let complete = raw.ends_with(b"\n");
        let parsed = if complete {
            serde_json::from_slice::<Value>(raw).ok()
        } else {
            None
        };
        let Some(value) = parsed else {
            if is_last {
                break;
            }
            return Err(StateError::Corrupt {
                path: Some(path.to_path_buf()),
                message: format!("line {} is not a valid journal entry", i + 1),
            });
        };
        if i == 0 {
            let header: Header =
                serde_json::from_value(value).map_err(|e| StateError::Corrupt {
                    path: Some(path.to_path_buf()),
                    message: format!("its first line is not a journal header ({e})"),
                })?;
            if header.journal_version > JOURNAL_VERSION {
                return Err(StateError::NewerFormat {
                    path: Some(path.to_path_buf()),
                    found: header.journal_version,
                    supported: JOURNAL_VERSION,
                });
            }
            out.header = Some(header);
        } else {
            out.entries.push((i + 1, value));
        }
        offset += raw.len();
        out.valid_len = offset as u64;
    }
    Ok(out)
}

/// How a journal on disk relates to the state file it sits beside.
enum Fit {
    /// No journal, or nothing valid in it.
    Empty,
    /// Its entries apply on top of the state file.
    Applies(Scan),
    /// A persist already folded it in (then crashed before removing it).
    Stale,
}

fn read_journal(path: &Path, lineage: &str, serial: u64) -> Result<Fit, StateError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Fit::Empty),
        Err(e) => return Err(StateError::io("read the journal", path, e)),
    };
    let scan = scan(&bytes, path)?;
    let Some(header) = &scan.header else {
        return Ok(Fit::Empty);
    };
    if header.lineage != lineage {
        return Err(StateError::JournalMismatch {
            path: path.to_path_buf(),
            message: format!(
                "it records changes to state lineage `{}`, but the state has lineage `{lineage}`",
                header.lineage
            ),
        });
    }
    if header.serial < serial {
        return Ok(Fit::Stale);
    }
    if header.serial > serial {
        return Err(StateError::JournalMismatch {
            path: path.to_path_buf(),
            message: format!(
                "it records changes on top of serial {}, but the state file is at serial {serial} (0 when it is missing); was the state file replaced by an older one, or removed?",
                header.serial
            ),
        });
    }
    Ok(Fit::Applies(scan))
}

/// Replays the journal at `path` on top of `base` (the decoded state file,
/// if any). Without a state file the journal must start from an empty state
/// (serial 0), as on a first apply killed before its first persist. Also
/// says how many entries were replayed: a state with replayed entries holds
/// changes no stored version has yet.
pub(crate) fn replay_counted(
    path: &Path,
    base: Option<State>,
    sealer: &Sealer,
) -> Result<(Option<State>, usize), StateError> {
    let (lineage, serial) = match &base {
        Some(s) => (s.lineage.clone(), s.serial),
        None => {
            // Without a state file, the journal names the lineage.
            let bytes = match fs::read(path) {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok((None, 0)),
                Err(e) => return Err(StateError::io("read the journal", path, e)),
            };
            match scan(&bytes, path)?.header {
                Some(h) => (h.lineage, 0),
                None => return Ok((None, 0)),
            }
        }
    };
    let scan = match read_journal(path, &lineage, serial)? {
        Fit::Applies(scan) => scan,
        Fit::Empty | Fit::Stale => return Ok((base, 0)),
    };
    let replayed = scan.entries.len();
    let mut state = base.unwrap_or_else(|| State::new(lineage));
    for (line, value) in scan.entries {
        let entry = decode_entry(value, sealer).map_err(|e| match e {
            StateError::Corrupt { message, .. } => StateError::Corrupt {
                path: Some(path.to_path_buf()),
                message: format!("line {line}: {message}"),
            },
            other => other.with_path(path),
        })?;
        entry.into_state(&mut state);
    }
    Ok((Some(state), replayed))
}

/// State shared with the background syncer.
struct Shared {
    file: File,
    dirty: AtomicBool,
    /// A failed background fsync, reported by the next `record`.
    error: Mutex<Option<std::io::Error>>,
}

impl Shared {
    fn sync_if_dirty(&self) {
        if self.dirty.swap(false, Ordering::SeqCst) {
            if let Err(e) = self.file.sync_data() {
                self.dirty.store(true, Ordering::SeqCst);
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(e);
                }
            }
        }
    }
}

struct Open {
    shared: Arc<Shared>,
    /// Dropping the sender stops the syncer.
    stop: Option<mpsc::Sender<()>>,
    syncer: Option<JoinHandle<()>>,
    /// Length of the valid content, to cut off a failed partial write.
    len: u64,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(handle) = self.syncer.take() {
            let _ = handle.join();
        }
        self.shared.sync_if_dirty();
    }
}

/// An open write journal; see the module documentation.
pub struct Journal {
    backend: LocalBackend,
    /// Who writes the versions `compact` makes, for the history.
    note: WriteNote,
    path: PathBuf,
    lineage: String,
    base_serial: u64,
    /// The file is created on the first entry, so that an operation that
    /// changes nothing leaves no journal behind.
    open: Option<Open>,
    recorded: usize,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("lineage", &self.lineage)
            .field("base_serial", &self.base_serial)
            .field("recorded", &self.recorded)
            .finish()
    }
}

impl Journal {
    pub(crate) fn open(
        backend: LocalBackend,
        state: &State,
        note: WriteNote,
    ) -> Result<Journal, StateError> {
        let path = backend.journal_path();
        let mut journal = Journal {
            note,
            path,
            lineage: state.lineage.clone(),
            base_serial: state.serial,
            open: None,
            recorded: 0,
            backend,
        };
        match read_journal(&journal.path, &state.lineage, state.serial)? {
            Fit::Empty => {
                // A file holding only a torn header: start it afresh.
                if journal.path.exists() {
                    journal.backend.remove_journal()?;
                }
            }
            Fit::Stale => journal.backend.remove_journal()?,
            Fit::Applies(scan) => {
                // Continue the journal of a run that did not compact; the
                // caller's state (from `load`) already contains its entries.
                journal.recorded = scan.entries.len();
                journal.open_file(Some(scan.valid_len))?;
            }
        }
        Ok(journal)
    }

    /// Opens the file for appending. `existing` is the valid length of a
    /// journal we continue (anything after it is cut off); `None` creates a
    /// new journal and writes its header.
    fn open_file(&mut self, existing: Option<u64>) -> Result<(), StateError> {
        let dir = self.backend.state_dir();
        ensure_dir(&dir)?;
        let path = &self.path;
        // A new journal is created with O_EXCL: an existing file is never
        // truncated here, whatever happened since `open`.
        let file = OpenOptions::new()
            .create_new(existing.is_none())
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| StateError::io("open the journal", path, e))?;
        let len = match existing {
            Some(valid) => {
                file.set_len(valid)
                    .map_err(|e| StateError::io("cut the torn end of the journal", path, e))?;
                valid
            }
            None => {
                let header = Header {
                    journal_version: JOURNAL_VERSION,
                    lineage: self.lineage.clone(),
                    serial: self.base_serial,
                };
                let mut line =
                    serde_json::to_vec(&header).map_err(|e| StateError::corrupt(e.to_string()))?;
                line.push(b'\n');
                (&file)
                    .write_all(&line)
                    .and_then(|_| file.sync_data())
                    .map_err(|e| StateError::io("write the journal", path, e))?;
                // The file's existence must survive a power cut as well.
                sync_dir(&dir)?;
                line.len() as u64
            }
        };
        let shared = Arc::new(Shared {
            file,
            dirty: AtomicBool::new(false),
            error: Mutex::new(None),
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let for_thread = Arc::clone(&shared);
        let syncer = std::thread::Builder::new()
            .name("state-journal-sync".to_string())
            .spawn(move || {
                // Ends when the journal drops the sender (or sends).
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(SYNC_INTERVAL)
                {
                    for_thread.sync_if_dirty();
                }
            })
            .map_err(|e| StateError::io("start the journal sync thread for", path, e))?;
        self.open = Some(Open {
            shared,
            stop: Some(stop),
            syncer: Some(syncer),
            len,
        });
        Ok(())
    }

    /// Appends one entry. When this returns `Ok`, the entry survives the
    /// process being killed; see the module documentation for power loss.
    /// Costs O(size of the entry).
    pub fn record(&mut self, entry: JournalEntry) -> Result<(), StateError> {
        self.record_all(std::slice::from_ref(&entry))
    }

    /// Appends several entries in one `write`, with the same guarantees as
    /// [`Journal::record`] for each: a batch holding pending creates is
    /// fsynced once before this returns, instead of once per create (group
    /// commit; an apply starting many creates at once would otherwise pay
    /// one fsync per resource). Costs O(size of the entries).
    pub fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        if entries.is_empty() {
            return Ok(());
        }
        let sealer = self.backend.sealer()?;
        let mut lines = Vec::new();
        for entry in entries {
            lines.extend(encode_entry(entry, sealer)?);
        }
        if self.open.is_none() {
            self.open_file(None)?;
        }
        let path = &self.path;
        let Some(open) = self.open.as_mut() else {
            return Err(StateError::JournalDetached { path: path.clone() });
        };
        if let Some(e) = open.shared.error.lock().ok().and_then(|mut e| e.take()) {
            return Err(StateError::io("sync the journal", path, e));
        }
        check_attached(&open.shared.file, path)?;
        if let Err(e) = (&open.shared.file).write_all(&lines) {
            // Cut off a partial line so that later entries do not follow
            // garbage; if even that fails, replay ignores a torn last line.
            let _ = open.shared.file.set_len(open.len);
            return Err(StateError::io("append to the journal", path, e));
        }
        open.len += lines.len() as u64;
        open.shared.dirty.store(true, Ordering::SeqCst);
        if entries.iter().any(JournalEntry::is_intent) {
            self.sync()?;
        }
        self.recorded += entries.len();
        Ok(())
    }

    /// Fsyncs everything recorded so far.
    pub fn sync(&mut self) -> Result<(), StateError> {
        if let Some(open) = &self.open {
            open.shared.sync_if_dirty();
            if let Some(e) = open.shared.error.lock().ok().and_then(|mut e| e.take()) {
                return Err(StateError::io("sync the journal", &self.path, e));
            }
        }
        Ok(())
    }

    /// Entries in the journal since the last compaction (including those of
    /// a continued journal). Callers may compact when it grows large, to
    /// bound replay time.
    pub fn len(&self) -> usize {
        self.recorded
    }

    pub fn is_empty(&self) -> bool {
        self.recorded == 0
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Folds the journal into the state file: persists `state` (which must
    /// contain every recorded entry; its serial is incremented once) and
    /// removes the journal. Recording may continue afterwards; it starts a
    /// new journal on top of the new serial.
    pub fn compact(&mut self, state: &mut State) -> Result<(), StateError> {
        // Everything recorded is in `state`, so the journal's own fsyncs no
        // longer matter once the persist succeeded; on failure the journal
        // stays open and intact.
        self.backend.write_version(state, &self.note)?;
        self.open = None;
        self.lineage = state.lineage.clone();
        self.base_serial = state.serial;
        self.recorded = 0;
        Ok(())
    }
}

/// Refuses to write into a journal file that was unlinked under us (by a
/// `persist` while this journal was open): the entries would be lost.
fn check_attached(file: &File, path: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = file
            .metadata()
            .map_err(|e| StateError::io("inspect the journal", path, e))?;
        if meta.nlink() == 0 {
            return Err(StateError::JournalDetached {
                path: path.to_path_buf(),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (file, path);
    Ok(())
}

impl StateJournal for Journal {
    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        Journal::record_all(self, entries)
    }

    fn compact(&mut self, state: &mut State) -> Result<(), StateError> {
        Journal::compact(self, state)
    }
}
