//! The local backend: the state of one workspace in files under
//! `<stack dir>/.stack/`:
//!
//! | file | what |
//! |---|---|
//! | `<ws>.state.json` | the state ([`crate::format`]) |
//! | `<ws>.state.json.backup` | the state as it was before the last persist |
//! | `<ws>.state.journal` | changes recorded since the last persist ([`crate::journal`]) |
//! | `<ws>.lock` | the lock holder, while locked ([`crate::lock`]) |
//! | `state.key` | the key that seals secrets ([`crate::seal`]) |
//!
//! Architecture invariant: the state file is only ever replaced by a
//! rename of a complete, fsynced temporary file, so a crash at any point
//! leaves either the old or the new state, never a torn one; and a file
//! that cannot be decoded is never overwritten or modified.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::format;
use crate::journal::{self, Journal};
use crate::lease::LocalLease;
use crate::lock::{LockInfo, LockRequest};
use crate::model::State;
use crate::seal::Sealer;
use crate::store::{
    Backend, ChangeSummary, HistoryEntry, Lease, Loaded, LockOptions, StateJournal, VersionToken,
    WriteNote,
};
use crate::util::{ensure_dir, sync_dir, write_atomic};
use crate::StateError;

/// The directory, inside the stack directory, that holds the state files.
pub const STATE_DIR: &str = ".stack";

#[derive(Debug, Clone)]
pub struct LocalBackend {
    stack_dir: PathBuf,
    workspace: String,
    /// The key is loaded on first need, so that reading an absent state
    /// neither needs nor creates a key.
    sealer: OnceLock<Sealer>,
}

impl LocalBackend {
    /// A backend for `workspace` of the stack in `stack_dir`. Fails only if
    /// the workspace name cannot safely be part of a file name.
    pub fn new(stack_dir: &Path, workspace: &str) -> Result<LocalBackend, StateError> {
        validate_workspace(workspace)?;
        Ok(LocalBackend {
            stack_dir: stack_dir.to_path_buf(),
            workspace: workspace.to_string(),
            sealer: OnceLock::new(),
        })
    }

    /// Uses `sealer` instead of loading the key from the environment or the
    /// key file.
    pub fn with_sealer(self, sealer: Sealer) -> LocalBackend {
        let cell = OnceLock::new();
        let _ = cell.set(sealer);
        LocalBackend {
            sealer: cell,
            ..self
        }
    }

    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    /// `<stack dir>/.stack`.
    pub fn state_dir(&self) -> PathBuf {
        self.stack_dir.join(STATE_DIR)
    }

    pub fn state_path(&self) -> PathBuf {
        self.state_dir()
            .join(format!("{}.state.json", self.workspace))
    }

    pub fn backup_path(&self) -> PathBuf {
        self.state_dir()
            .join(format!("{}.state.json.backup", self.workspace))
    }

    pub fn journal_path(&self) -> PathBuf {
        self.state_dir()
            .join(format!("{}.state.journal", self.workspace))
    }

    pub fn lock_path(&self) -> PathBuf {
        self.state_dir().join(format!("{}.lock", self.workspace))
    }

    /// The sealer, loading (or creating) the key on first use.
    pub fn sealer(&self) -> Result<&Sealer, StateError> {
        if let Some(s) = self.sealer.get() {
            return Ok(s);
        }
        let loaded = Sealer::load_or_create(&self.stack_dir)?;
        Ok(self.sealer.get_or_init(|| loaded))
    }

    /// Reads the state, with any journal written since the last persist
    /// replayed on top (this is how an apply killed half-way is recovered).
    /// `None` when there is neither a state file nor a journal. A file that
    /// cannot be read or decoded is an error naming it, and is left as is.
    pub fn load(&self) -> Result<Option<State>, StateError> {
        Ok(self.load_counted()?.0)
    }

    /// [`LocalBackend::load`], with the number of journal entries replayed.
    fn load_counted(&self) -> Result<(Option<State>, usize), StateError> {
        self.load_with_token()
            .map(|(state, replayed, _)| (state, replayed))
    }

    /// The state with the journal replayed, how many entries were replayed,
    /// and the version token of the file as read (its lineage and serial
    /// before the replay, as [`LocalBackend::current_token`] gives them):
    /// one read and one parse of the file for both.
    fn load_with_token(&self) -> Result<(Option<State>, usize, VersionToken), StateError> {
        let path = self.state_path();
        let journal_path = self.journal_path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(StateError::io("read the state file", &path, e)),
        };
        if bytes.is_none() && !journal_path.exists() {
            return Ok((None, 0, VersionToken(None)));
        }
        let sealer = self.sealer()?;
        let base = match bytes {
            Some(bytes) => Some(format::decode(&bytes, sealer).map_err(|e| e.with_path(&path))?),
            None => None,
        };
        let version = VersionToken(
            base.as_ref()
                .map(|state| format!("{}/{}", state.lineage, state.serial)),
        );
        let (state, replayed) = journal::replay_counted(&journal_path, base, sealer)?;
        Ok((state, replayed, version))
    }

    /// Writes `state` as the new state file, incrementing its serial.
    ///
    /// Refuses when the file on disk has another lineage (it is another
    /// state) or a higher serial (someone wrote it since we read it), or
    /// cannot be decoded (we would destroy what we cannot read). The
    /// previous file is kept as `<name>.backup`. On success the journal is
    /// removed, since the state written contains everything it recorded;
    /// while a [`Journal`] is open use [`Journal::compact`] instead.
    pub fn persist(&self, state: &mut State) -> Result<(), StateError> {
        self.write_version(state, &WriteNote::new("persist"))
    }

    /// [`LocalBackend::persist`], noting who writes and why in the history.
    pub(crate) fn write_version(
        &self,
        state: &mut State,
        note: &WriteNote,
    ) -> Result<(), StateError> {
        let dir = self.state_dir();
        ensure_dir(&dir)?;
        let path = self.state_path();
        let previous = match fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(StateError::io("read the state file", &path, e)),
        };
        if let Some(prev) = &previous {
            let (lineage, serial) = format::read_header(prev).map_err(|e| e.with_path(&path))?;
            if lineage != state.lineage {
                return Err(StateError::LineageMismatch {
                    path,
                    on_disk: lineage,
                    ours: state.lineage.clone(),
                });
            }
            if serial > state.serial {
                return Err(StateError::SerialConflict {
                    path,
                    on_disk: serial,
                    ours: state.serial,
                });
            }
        }
        self.check_journal_lineage(&state.lineage)?;
        let sealer = self.sealer()?;
        state.serial += 1;
        let result = (|| {
            let bytes = format::encode_checked(state, sealer)?;
            if let Some(prev) = &previous {
                write_atomic(&self.backup_path(), prev, None)?;
            }
            let before = previous
                .as_deref()
                .map(|prev| format::decode(prev, sealer))
                .transpose()?;
            write_atomic(&path, &bytes, None)?;
            self.record_history(&path, &bytes, state, before.as_ref(), note)
        })();
        if let Err(e) = result {
            // The serial names a written version; nothing was written.
            state.serial -= 1;
            return Err(e);
        }
        self.remove_journal()
    }

    /// Refuses a journal of another state: persisting removes the journal,
    /// and those would be another state's unsaved changes. Reads only the
    /// header line.
    fn check_journal_lineage(&self, lineage: &str) -> Result<(), StateError> {
        use std::io::BufRead;
        let path = self.journal_path();
        let file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StateError::io("read the journal", &path, e)),
        };
        let mut first = String::new();
        std::io::BufReader::new(file)
            .read_line(&mut first)
            .map_err(|e| StateError::io("read the journal", &path, e))?;
        match journal::header_lineage(&first) {
            Some(theirs) if theirs != lineage => Err(StateError::JournalMismatch {
                path,
                message: format!(
                    "it records changes to state lineage `{theirs}`, but the state being written has lineage `{lineage}`"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Removes the journal after a persist. If this fails (or we crash
    /// before it), the journal is left with a base serial below the state
    /// file's, which `load` recognises as already contained and ignores.
    pub(crate) fn remove_journal(&self) -> Result<(), StateError> {
        let path = self.journal_path();
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.state_dir()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StateError::io("remove the journal", &path, e)),
        }
    }

    /// Opens the write journal for `state`, which must be the state as
    /// loaded by [`LocalBackend::load`] (or a new one); see
    /// [`crate::journal`].
    pub fn journal(&self, state: &State) -> Result<Journal, StateError> {
        Journal::open(self.clone(), state, WriteNote::new("apply"))
    }

    /// `.stack/history/<ws>/`: every version written, as `<serial>.state.json`
    /// (the state file's bytes) and `<serial>.meta.json` (its [`HistoryEntry`]).
    pub fn history_dir(&self) -> PathBuf {
        self.state_dir().join("history").join(&self.workspace)
    }

    /// Keeps the version just written in the history, and drops the oldest
    /// versions beyond [`HISTORY_LIMIT`].
    fn record_history(
        &self,
        written: &Path,
        bytes: &[u8],
        state: &State,
        before: Option<&State>,
        note: &WriteNote,
    ) -> Result<(), StateError> {
        let dir = self.history_dir();
        ensure_dir(&dir)?;
        let entry = HistoryEntry {
            serial: state.serial,
            lineage: state.lineage.clone(),
            written: crate::clock::now_rfc3339(),
            who: note.who.clone(),
            operation: note.operation.clone(),
            summary: ChangeSummary::between(before, state),
        };
        let meta =
            serde_json::to_vec_pretty(&entry).map_err(|e| StateError::corrupt(e.to_string()))?;
        // The version just written is linked, not copied: the state file is
        // replaced by a rename, so the link keeps this version's bytes.
        let kept = dir.join(format!("{}.state.json", state.serial));
        let _ = fs::remove_file(&kept);
        if fs::hard_link(written, &kept).is_err() {
            write_atomic(&kept, bytes, None)?;
        }
        write_atomic(
            &dir.join(format!("{}.meta.json", state.serial)),
            &meta,
            None,
        )?;
        let serials = self.history_serials()?;
        for old in serials.iter().skip(HISTORY_LIMIT) {
            for suffix in ["state.json", "meta.json"] {
                let path = dir.join(format!("{old}.{suffix}"));
                fs::remove_file(&path)
                    .map_err(|e| StateError::io("remove an old history version", &path, e))?;
            }
        }
        Ok(())
    }

    /// The serials kept in the history, newest first.
    fn history_serials(&self) -> Result<Vec<u64>, StateError> {
        let dir = self.history_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StateError::io("list the history", &dir, e)),
        };
        let mut serials: Vec<u64> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".meta.json")?.parse().ok()
            })
            .collect();
        serials.sort_unstable_by(|a, b| b.cmp(a));
        Ok(serials)
    }

    /// The version token of what is on disk: its lineage and serial.
    fn current_token(&self) -> Result<VersionToken, StateError> {
        let path = self.state_path();
        match fs::read(&path) {
            Ok(bytes) => {
                let (lineage, serial) =
                    format::read_header(&bytes).map_err(|e| e.with_path(&path))?;
                Ok(VersionToken(Some(format!("{lineage}/{serial}"))))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(VersionToken(None)),
            Err(e) => Err(StateError::io("read the state file", &path, e)),
        }
    }
}

/// How many versions the local history keeps.
pub const HISTORY_LIMIT: usize = 100;

impl Backend for LocalBackend {
    fn location(&self) -> String {
        Path::new(STATE_DIR)
            .join(format!("{}.state.json", self.workspace))
            .display()
            .to_string()
    }

    fn workspace(&self) -> &str {
        &self.workspace
    }

    fn sealer(&self) -> Result<&Sealer, StateError> {
        LocalBackend::sealer(self)
    }

    fn load(&self) -> Result<Option<Loaded>, StateError> {
        let (state, replayed, version) = self.load_with_token()?;
        Ok(state.map(|state| Loaded {
            state,
            version,
            replayed,
        }))
    }

    fn persist(
        &self,
        state: &mut State,
        version: &VersionToken,
        note: &WriteNote,
    ) -> Result<VersionToken, StateError> {
        let current = self.current_token()?;
        if &current != version {
            return Err(StateError::Conflict {
                location: self.location(),
                message: "it changed since it was read".to_string(),
            });
        }
        self.write_version(state, note)?;
        self.current_token()
    }

    fn lock(
        &self,
        request: LockRequest,
        options: &LockOptions,
    ) -> Result<Box<dyn Lease>, StateError> {
        let guard = self.take_lock(request, options)?;
        Ok(Box::new(LocalLease::start(guard, options.lease)))
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        LocalBackend::force_unlock(self, id)
    }

    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        self.live_lock_holder()
    }

    fn journal(
        &self,
        loaded: &Loaded,
        note: WriteNote,
    ) -> Result<Box<dyn StateJournal>, StateError> {
        Ok(Box::new(Journal::open(self.clone(), &loaded.state, note)?))
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        let dir = self.history_dir();
        let mut out = Vec::new();
        for serial in self.history_serials()? {
            let path = dir.join(format!("{serial}.meta.json"));
            let bytes =
                fs::read(&path).map_err(|e| StateError::io("read a history entry", &path, e))?;
            let entry: HistoryEntry = serde_json::from_slice(&bytes).map_err(|e| {
                StateError::corrupt(format!("it is not a history entry ({e})")).with_path(&path)
            })?;
            out.push(entry);
        }
        Ok(out)
    }

    fn load_version(&self, serial: u64) -> Result<State, StateError> {
        let path = self.history_dir().join(format!("{serial}.state.json"));
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(StateError::NoSuchVersion {
                    location: self.location(),
                    serial,
                })
            }
            Err(e) => return Err(StateError::io("read a history version", &path, e)),
        };
        format::decode(&bytes, self.sealer()?).map_err(|e| e.with_path(&path))
    }

    fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let dir = self.state_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StateError::io("list the workspaces", &dir, e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(|entry| {
                let name = entry.ok()?.file_name().into_string().ok()?;
                let workspace = name.strip_suffix(".state.json")?;
                validate_workspace(workspace).ok()?;
                Some(workspace.to_string())
            })
            .collect();
        names.sort();
        Ok(names)
    }

    fn delete_workspace(&self) -> Result<(), StateError> {
        for path in [self.state_path(), self.backup_path(), self.journal_path()] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StateError::io("delete the workspace", &path, e)),
            }
        }
        let history = self.history_dir();
        match std::fs::remove_dir_all(&history) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StateError::io(
                "delete the workspace's history",
                &history,
                e,
            )),
        }
    }
}

/// A workspace name becomes part of file names, so it must not be able to
/// point elsewhere (`../x`) or hide (`.x`).
fn validate_workspace(name: &str) -> Result<(), StateError> {
    let bad = |message: &str| {
        Err(StateError::InvalidWorkspace {
            name: name.to_string(),
            message: message.to_string(),
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 100 {
        return bad("it is longer than 100 characters");
    }
    if name.starts_with('.') {
        return bad("it starts with `.`");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return bad(&format!("it contains `{c}`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Mode, OutputState, ResourceState, Status};
    use serde_json::json;

    pub(crate) fn backend(dir: &Path) -> LocalBackend {
        LocalBackend::new(dir, "default")
            .unwrap()
            .with_sealer(Sealer::from_key([7; 32]))
    }

    pub(crate) fn resource(id: &str) -> ResourceState {
        ResourceState {
            mode: Mode::Managed,
            resource_type: "null_resource".to_string(),
            provider: "provider.null".to_string(),
            status: Status::Ready,
            attributes: json!({"id": id, "secret": format!("s3cr3t-{id}")}),
            sensitive_paths: vec![vec![crate::PathStep::Key("secret".into())]],
            dependencies: vec![],
            create_before_destroy: false,
            private: None,
        }
    }

    #[test]
    fn load_absent_is_none_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        assert!(b.load().unwrap().is_none());
        assert!(!dir.path().join(".stack").exists());
    }

    #[test]
    fn persist_then_load_with_backup() {
        let dir = tempfile::tempdir().unwrap();
        let b = backend(dir.path());
        let mut s = State::new(crate::new_lineage());
        s.resources.insert("null_resource.a".into(), resource("a"));
        s.outputs.insert(
            "o".into(),
            OutputState {
                value: json!("v"),
                sensitive: false,
            },
        );
        b.persist(&mut s).unwrap();
        assert_eq!(s.serial, 1);
        assert!(!b.backup_path().exists());
        let text = fs::read_to_string(b.state_path()).unwrap();
        assert!(!text.contains("s3cr3t-a"));
        assert_eq!(b.load().unwrap().unwrap(), s);

        s.resources.insert("null_resource.b".into(), resource("b"));
        b.persist(&mut s).unwrap();
        assert_eq!(s.serial, 2);
        assert_eq!(fs::read_to_string(b.backup_path()).unwrap(), text);
        assert_eq!(b.load().unwrap().unwrap(), s);
        // No temporary files are left behind.
        let names: Vec<String> = fs::read_dir(b.state_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn other_lineage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let b = backend(dir.path());
        let mut a = State::new("lineage-a".into());
        b.persist(&mut a).unwrap();
        let mut other = State::new("lineage-b".into());
        let err = b.persist(&mut other).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StateError::LineageMismatch { .. }), "{msg}");
        assert!(
            msg.contains("lineage-a") && msg.contains("lineage-b"),
            "{msg}"
        );
        assert_eq!(other.serial, 0);
        assert_eq!(b.load().unwrap().unwrap().lineage, "lineage-a");
    }

    #[test]
    fn stale_serial_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let b = backend(dir.path());
        let mut s = State::new("l".into());
        b.persist(&mut s).unwrap();
        let mut stale = s.clone();
        b.persist(&mut s).unwrap();
        let err = b.persist(&mut stale).unwrap_err();
        assert!(
            matches!(
                err,
                StateError::SerialConflict {
                    on_disk: 2,
                    ours: 1,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn corrupt_file_is_named_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let b = backend(dir.path());
        fs::create_dir_all(b.state_dir()).unwrap();
        fs::write(b.state_path(), b"{\"format_version\": 1, oops").unwrap();
        let err = b.load().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&b.state_path().display().to_string()), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
        let mut s = State::new("l".into());
        assert!(b.persist(&mut s).is_err());
        assert_eq!(
            fs::read(b.state_path()).unwrap(),
            b"{\"format_version\": 1, oops"
        );
    }

    #[test]
    fn newer_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let b = backend(dir.path());
        fs::create_dir_all(b.state_dir()).unwrap();
        let newer = br#"{"format_version": 9, "lineage": "l", "serial": 1}"#;
        fs::write(b.state_path(), newer).unwrap();
        let err = b.load().unwrap_err();
        assert!(err.to_string().contains("newer stack"), "{err}");
        let mut s = State::new("l".into());
        let err = b.persist(&mut s).unwrap_err();
        assert!(
            matches!(err, StateError::NewerFormat { found: 9, .. }),
            "{err}"
        );
        assert_eq!(fs::read(b.state_path()).unwrap(), newer);
    }

    #[test]
    fn bad_workspace_names_are_refused() {
        for name in ["", "../x", ".hidden", "a/b", "a b"] {
            assert!(LocalBackend::new(Path::new("."), name).is_err(), "{name}");
        }
        assert!(LocalBackend::new(Path::new("."), "prod-eu_1.x").is_ok());
    }
}
