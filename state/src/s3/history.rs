//! History on S3: every persist keeps the version it replaces. A bucket
//! with versioning enabled keeps it by itself (object versions); otherwise
//! the previous object is copied, server-side, to `<state key>.history/
//! <serial>` before it is overwritten. Each state object carries who wrote
//! it, why, when and what changed as object metadata, which a copy keeps,
//! so that listing the history needs no state decoded.

use std::collections::HashMap;

use super::remote::{Object, Put};
use super::Inner;
use crate::clock::now_rfc3339;
use crate::format;
use crate::model::State;
use crate::store::{ChangeSummary, HistoryEntry, WriteNote};
use crate::StateError;

const SERIAL: &str = "stack-serial";
const LINEAGE: &str = "stack-lineage";
const WRITTEN: &str = "stack-written";
const WHO: &str = "stack-who";
const OPERATION: &str = "stack-operation";
const SUMMARY: &str = "stack-summary";

/// The metadata of a state object written now.
pub fn metadata(
    state: &State,
    note: &WriteNote,
    summary: ChangeSummary,
) -> HashMap<String, String> {
    let summary = format!("{},{},{}", summary.added, summary.changed, summary.removed);
    [
        (SERIAL, state.serial.to_string()),
        (LINEAGE, state.lineage.clone()),
        (WRITTEN, now_rfc3339()),
        (WHO, note.who.clone()),
        (OPERATION, note.operation.clone()),
        (SUMMARY, summary),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), escape(&v)))
    .collect()
}

/// A history entry from an object's metadata; `None` for an object not
/// written by stack.
fn entry(metadata: &HashMap<String, String>) -> Option<HistoryEntry> {
    let get = |k: &str| metadata.get(k).map(|v| unescape(v));
    let numbers: Vec<usize> = get(SUMMARY)?
        .split(',')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let [added, changed, removed] = numbers[..] else {
        return None;
    };
    Some(HistoryEntry {
        serial: get(SERIAL)?.parse().ok()?,
        lineage: get(LINEAGE)?,
        written: get(WRITTEN)?,
        who: get(WHO)?,
        operation: get(OPERATION)?,
        summary: ChangeSummary {
            added,
            changed,
            removed,
        },
    })
}

/// Metadata travels in HTTP headers, which carry ASCII only.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_graphic() && c != '%' || c == ' ' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Keeps `current` (the state about to be replaced) in the history. With
/// versioning S3 keeps it; otherwise it is copied, and only if it is still
/// the version that was read.
pub fn keep(inner: &Inner, current: &Object, serial: u64) -> Result<(), StateError> {
    if current.version_id.is_some() {
        return Ok(());
    }
    let to = inner.history_key(serial);
    match inner.bucket.copy(&inner.state_key, &current.etag, &to) {
        Ok(Put::Written { .. }) => Ok(()),
        Ok(Put::PreconditionFailed) => Err(StateError::Conflict {
            location: inner.location(),
            message: "it changed while its previous version was being kept".to_string(),
        }),
        Err(f) => Err(f.into_error("keep the previous version in", &inner.bucket.url(&to))),
    }
}

/// A stored version: its key and, with versioning, its version id.
struct Ref {
    key: String,
    version: Option<String>,
}

fn refs(inner: &Inner) -> Result<Vec<Ref>, StateError> {
    let failed = |f: super::remote::Failure| f.into_error("list the history of", &inner.location());
    if inner.versioning() {
        let ids = inner.bucket.versions(&inner.state_key).map_err(failed)?;
        return Ok(ids
            .into_iter()
            .map(|id| Ref {
                key: inner.state_key.clone(),
                version: Some(id),
            })
            .collect());
    }
    let prefix = format!("{}.history/", inner.state_key);
    let mut keys = vec![inner.state_key.clone()];
    keys.extend(inner.bucket.list(&prefix).map_err(failed)?);
    Ok(keys
        .into_iter()
        .map(|key| Ref { key, version: None })
        .collect())
}

/// One version's entry: from its metadata, or else from its content.
fn describe(inner: &Inner, r: &Ref) -> Result<Option<HistoryEntry>, StateError> {
    let url = inner.bucket.url(&r.key);
    let head = inner
        .bucket
        .head(&r.key, r.version.as_deref())
        .map_err(|f| f.into_error("read the history of", &url))?;
    let Some(metadata) = head else {
        return Ok(None);
    };
    if let Some(entry) = entry(&metadata) {
        return Ok(Some(entry));
    }
    let Some(object) = inner
        .bucket
        .get(&r.key, r.version.as_deref())
        .map_err(|f| f.into_error("read", &url))?
    else {
        return Ok(None);
    };
    let (lineage, serial) =
        format::read_header(&object.bytes).map_err(|e| e.with_path(std::path::Path::new(&url)))?;
    let unknown = || "unknown".to_string();
    Ok(Some(HistoryEntry {
        serial,
        lineage,
        written: unknown(),
        who: unknown(),
        operation: unknown(),
        summary: ChangeSummary::default(),
    }))
}

/// Every stored version, newest first.
pub fn list(inner: &Inner) -> Result<Vec<HistoryEntry>, StateError> {
    let mut entries = Vec::new();
    for r in refs(inner)? {
        entries.extend(describe(inner, &r)?);
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.serial));
    entries.dedup_by_key(|e| e.serial);
    Ok(entries)
}

/// The version with `serial`, decoded.
pub fn load(inner: &Inner, serial: u64) -> Result<State, StateError> {
    for r in refs(inner)? {
        let matches = match &r.version {
            // History keys and the current object name their serial; the
            // current object's is checked on decoding below.
            None => r.key == inner.history_key(serial) || r.key == inner.state_key,
            Some(_) => describe(inner, &r)?.is_some_and(|e| e.serial == serial),
        };
        if !matches {
            continue;
        }
        let url = inner.bucket.url(&r.key);
        let object = inner
            .bucket
            .get(&r.key, r.version.as_deref())
            .map_err(|f| f.into_error("read", &url))?;
        let Some(object) = object else { continue };
        let state = format::decode(&object.bytes, inner.sealer()?)
            .map_err(|e| e.with_path(std::path::Path::new(&url)))?;
        if state.serial == serial {
            return Ok(state);
        }
    }
    Err(StateError::NoSuchVersion {
        location: inner.location(),
        serial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_non_ascii_text() {
        let mut state = State::new("l".into());
        state.serial = 7;
        let note = WriteNote {
            who: "zoë@höst 100%".into(),
            operation: "state mv".into(),
        };
        let summary = ChangeSummary {
            added: 1,
            changed: 2,
            removed: 3,
        };
        let meta = metadata(&state, &note, summary);
        assert!(meta.values().all(|v| v.is_ascii()), "{meta:?}");
        let entry = entry(&meta).unwrap();
        assert_eq!(entry.who, "zoë@höst 100%");
        assert_eq!(entry.operation, "state mv");
        assert_eq!((entry.serial, entry.summary), (7, summary));
        assert!(super::entry(&HashMap::new()).is_none());
    }
}
