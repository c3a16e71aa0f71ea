//! The apply journal on S3: each `record_all` is one small object beside
//! the state, `<state key>.journal/<base serial>/<seq>`, holding the same
//! lines as the local journal file (a header naming the lineage and the
//! base serial, then one sealed entry per line).
//!
//! Durability: `record_all` returns only once S3 has acknowledged the PUT,
//! so an entry recorded is kept even if the process is killed just after.
//! Objects are written whole, so there is never a torn entry to skip.
//! Cost: one PUT per batch, proportional to the batch; the full state is
//! written once, by `compact`.
//!
//! Replay: `load` applies, in sequence order, the objects whose base serial
//! is the state's; objects with an older base serial were already folded
//! in by a persist that stopped before removing them, and are ignored.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::remote::{Condition, Put};
use super::Inner;
use crate::journal::{decode_entry, encode_entry, JournalEntry, JOURNAL_VERSION};
use crate::model::State;
use crate::store::{Loaded, StateJournal, VersionToken, WriteNote};
use crate::StateError;

/// The first line of every journal object.
#[derive(Serialize, Deserialize)]
struct Header {
    journal_version: u64,
    lineage: String,
    serial: u64,
}

/// A journal object's key, split.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct JournalKey {
    pub base_serial: u64,
    pub seq: u64,
    pub key: String,
}

/// The journal objects under `prefix` (`<state key>.journal/`), in order.
pub fn parse_keys(prefix: &str, keys: Vec<String>) -> Vec<JournalKey> {
    let mut parsed: Vec<JournalKey> = keys
        .into_iter()
        .filter_map(|key| {
            let rest = key.strip_prefix(prefix)?;
            let (base, seq) = rest.split_once('/')?;
            Some(JournalKey {
                base_serial: base.parse().ok()?,
                seq: seq.parse().ok()?,
                key,
            })
        })
        .collect();
    parsed.sort();
    parsed
}

/// Replays the journal objects `keys` on top of `base`, as `load` does.
pub fn replay(
    inner: &Inner,
    base: Option<State>,
    keys: &[JournalKey],
) -> Result<Option<State>, StateError> {
    let serial = base.as_ref().map_or(0, |s| s.serial);
    if let Some(newer) = keys.iter().find(|k| k.base_serial > serial) {
        return Err(StateError::JournalMismatch {
            path: inner.bucket.url(&newer.key).into(),
            message: format!(
                "it records changes on top of serial {}, but the state is at serial {serial} (0 when it is missing); was the state object replaced by an older one, or removed?",
                newer.base_serial
            ),
        });
    }
    let mut state = base;
    for key in keys.iter().filter(|k| k.base_serial == serial) {
        apply_object(inner, key, &mut state)?;
    }
    Ok(state)
}

/// Applies one journal object; without a state its header names the lineage.
fn apply_object(
    inner: &Inner,
    key: &JournalKey,
    state: &mut Option<State>,
) -> Result<(), StateError> {
    let url = inner.bucket.url(&key.key);
    let corrupt = |message: String| StateError::Corrupt {
        path: Some(url.clone().into()),
        message,
    };
    let Some(object) = inner
        .bucket
        .get(&key.key, None)
        .map_err(|f| f.into_error("read the journal object", &url))?
    else {
        return Ok(()); // Removed by a concurrent compaction: folded in.
    };
    let mut lines = object
        .bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty());
    let header: Header = lines
        .next()
        .and_then(|l| serde_json::from_slice(l).ok())
        .ok_or_else(|| corrupt("its first line is not a journal header".to_string()))?;
    if header.journal_version > JOURNAL_VERSION {
        return Err(StateError::NewerFormat {
            path: Some(url.clone().into()),
            found: header.journal_version,
            supported: JOURNAL_VERSION,
        });
    }
    let state = state.get_or_insert_with(|| State::new(header.lineage.clone()));
    if header.lineage != state.lineage {
        return Err(StateError::JournalMismatch {
            path: url.clone().into(),
            message: format!(
                "it records changes to state lineage `{}`, but the state has lineage `{}`",
                header.lineage, state.lineage
            ),
        });
    }
    let sealer = inner.sealer()?;
    for (i, line) in lines.enumerate() {
        let value = serde_json::from_slice(line)
            .map_err(|e| corrupt(format!("line {} is not valid JSON ({e})", i + 2)))?;
        let entry = decode_entry(value, sealer).map_err(|e| match e {
            StateError::Corrupt { message, .. } => corrupt(format!("line {}: {message}", i + 2)),
            other => other.with_path(std::path::Path::new(&url)),
        })?;
        entry.apply_to(state);
    }
    Ok(())
}

/// An open journal of one apply.
///
/// A create's intent is one PUT before `record_all` returns, with whatever
/// is waiting: that is what lets a later run find the object instead of
/// creating it again. Other entries (results of creates, updates, deletes)
/// wait for the next intent, for [`FLUSH_ENTRIES`] of them, for
/// [`FLUSH_AFTER`], or for the apply to be idle a moment (`flush`), so that an apply of N resources costs about N/256
/// objects rather than N round trips to S3. Losing the waiting results to a
/// crash loses nothing real: refresh reads those objects back (and finds an
/// interrupted create by its intent).
pub struct S3Journal {
    inner: Arc<Inner>,
    note: WriteNote,
    lineage: String,
    base_serial: u64,
    next_seq: u64,
    version: VersionToken,
    waiting: Vec<JournalEntry>,
    waiting_since: Option<std::time::Instant>,
}

/// Results wait for at most this many entries…
pub const FLUSH_ENTRIES: usize = 256;
/// …or this long before they are written.
pub const FLUSH_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl S3Journal {
    /// Continues after the objects a killed run left on `loaded` (which
    /// `load` replayed into it), and removes stale ones.
    pub fn open(
        inner: Arc<Inner>,
        loaded: &Loaded,
        note: WriteNote,
    ) -> Result<S3Journal, StateError> {
        let existing = inner.journal_keys()?;
        let serial = loaded.state.serial;
        let next_seq = existing
            .iter()
            .filter(|k| k.base_serial == serial)
            .map(|k| k.seq + 1)
            .max()
            .unwrap_or(0);
        inner.remove_journal(existing.into_iter().filter(|k| k.base_serial < serial));
        Ok(S3Journal {
            lineage: loaded.state.lineage.clone(),
            base_serial: serial,
            next_seq,
            version: loaded.version.clone(),
            note,
            inner,
            waiting: Vec::new(),
            waiting_since: None,
        })
    }
}

impl S3Journal {
    /// Writes every waiting entry as one journal object.
    fn write_waiting(&mut self) -> Result<(), StateError> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        let entries = std::mem::take(&mut self.waiting);
        self.waiting_since = None;
        if let Err(e) = self.write_object(&entries) {
            self.waiting = entries;
            return Err(e);
        }
        Ok(())
    }

    fn write_object(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        let sealer = self.inner.sealer()?;
        let header = Header {
            journal_version: JOURNAL_VERSION,
            lineage: self.lineage.clone(),
            serial: self.base_serial,
        };
        let mut bytes =
            serde_json::to_vec(&header).map_err(|e| StateError::corrupt(e.to_string()))?;
        bytes.push(b'\n');
        for entry in entries {
            bytes.extend(encode_entry(entry, sealer)?);
        }
        let key = self.inner.journal_key(self.base_serial, self.next_seq);
        let url = self.inner.bucket.url(&key);
        // Never replaces an entry: a second writer of the same journal
        // means two applies at once, which the lock should have prevented.
        let condition = self.inner.write_condition(Condition::Absent)?;
        let put = self
            .inner
            .bucket
            .put(&key, bytes.clone(), &condition, HashMap::new())
            .map_err(|f| f.into_error("write the journal object", &url))?;
        // A PUT retried after a lost answer fails its own condition. If the
        // object holds our bytes, it is our first attempt (or the very same
        // entries): either way they are recorded.
        let ours = put != Put::PreconditionFailed
            || matches!(self.inner.bucket.get(&key, None), Ok(Some(o)) if o.bytes == bytes);
        if !ours {
            return Err(StateError::Conflict {
                location: url,
                message: "another process wrote this journal entry".to_string(),
            });
        }
        self.next_seq += 1;
        Ok(())
    }
}

impl StateJournal for S3Journal {
    fn record_all(&mut self, entries: &[JournalEntry]) -> Result<(), StateError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.waiting.extend_from_slice(entries);
        let since = *self
            .waiting_since
            .get_or_insert_with(std::time::Instant::now);
        let due = entries.iter().any(JournalEntry::is_intent)
            || self.waiting.len() >= FLUSH_ENTRIES
            || since.elapsed() >= FLUSH_AFTER;
        if due {
            self.write_waiting()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StateError> {
        self.write_waiting()
    }

    fn compact(&mut self, state: &mut State) -> Result<(), StateError> {
        // The state written holds every entry, waiting ones included.
        match self.inner.persist(state, &self.version, &self.note) {
            Ok(version) => self.version = version,
            Err(e) => {
                let _ = self.write_waiting();
                return Err(e);
            }
        }
        self.waiting.clear();
        self.waiting_since = None;
        self.lineage = state.lineage.clone();
        self.base_serial = state.serial;
        self.next_seq = 0;
        Ok(())
    }
}

impl Drop for S3Journal {
    /// An apply that ends without compacting (an error) still records what
    /// was waiting; a killed process loses only results, never intents.
    fn drop(&mut self) {
        let _ = self.write_waiting();
    }
}
