//! The write journal through the public API: crash recovery, torn writes,
//! compaction.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde_json::json;
use state::{
    JournalEntry, LocalBackend, Mode, OutputState, PathStep, ResourceState, Sealer, State,
    StateError, Status,
};

fn backend(dir: &Path) -> LocalBackend {
    LocalBackend::new(dir, "default")
        .unwrap()
        .with_sealer(Sealer::from_key([3; 32]))
}

fn resource(i: usize) -> ResourceState {
    ResourceState {
        mode: Mode::Managed,
        resource_type: "null_resource".to_string(),
        provider: "provider.null".to_string(),
        status: Status::Ready,
        attributes: json!({"id": i.to_string(), "token": format!("tok-secret-{i}")}),
        sensitive_paths: vec![vec![PathStep::Key("token".into())]],
        dependencies: vec![],
        create_before_destroy: false,
        private: None,
    }
}

fn set(i: usize) -> JournalEntry {
    JournalEntry::SetResource {
        address: format!("null_resource.r[{i}]"),
        resource: resource(i),
    }
}

/// Records an entry in the journal and in the in-memory state, as apply does.
fn record(journal: &mut state::Journal, state: &mut State, entry: JournalEntry) {
    entry.apply_to(state);
    journal.record(entry).unwrap();
}

#[test]
fn entries_survive_a_drop_without_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    b.persist(&mut s).unwrap();
    let mut j = b.journal(&s).unwrap();
    for i in 0..20 {
        record(&mut j, &mut s, set(i));
    }
    record(
        &mut j,
        &mut s,
        JournalEntry::RemoveResource {
            address: "null_resource.r[3]".into(),
        },
    );
    record(
        &mut j,
        &mut s,
        JournalEntry::SetOutput {
            name: "pw".into(),
            output: OutputState {
                value: json!("out-secret"),
                sensitive: true,
            },
        },
    );
    assert_eq!(j.len(), 22);
    drop(j);

    let text = fs::read_to_string(b.journal_path()).unwrap();
    assert_eq!(text.lines().count(), 23, "a header and one line per entry");
    assert!(!text.contains("tok-secret") && !text.contains("out-secret"));

    let loaded = b.load().unwrap().unwrap();
    assert_eq!(loaded, s);
    assert_eq!(loaded.serial, 1, "replay does not change the serial");
    assert_eq!(loaded.resources.len(), 19);
}

#[test]
fn first_apply_killed_before_any_persist_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    let mut j = b.journal(&s).unwrap();
    record(&mut j, &mut s, set(1));
    drop(j);
    assert!(!b.state_path().exists());
    assert_eq!(b.load().unwrap().unwrap(), s);
}

#[test]
fn a_torn_last_line_is_ignored_and_cut_before_appending() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    b.persist(&mut s).unwrap();
    let mut j = b.journal(&s).unwrap();
    for i in 0..3 {
        record(&mut j, &mut s, set(i));
    }
    drop(j);
    // A crash in the middle of the fourth write.
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(b.journal_path())
        .unwrap();
    f.write_all(br#"{"op":"set_resource","address":"null_resource.r[9]","reso"#)
        .unwrap();
    drop(f);

    let mut loaded = b.load().unwrap().unwrap();
    assert_eq!(loaded, s);

    // The next run continues the journal; the torn bytes must not glue
    // onto its first entry.
    let mut j = b.journal(&loaded).unwrap();
    assert_eq!(j.len(), 3);
    record(&mut j, &mut loaded, set(7));
    drop(j);
    let again = b.load().unwrap().unwrap();
    assert_eq!(again, loaded);
    assert!(again.resources.contains_key("null_resource.r[7]"));
}

#[test]
fn a_bad_line_in_the_middle_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    let mut j = b.journal(&s).unwrap();
    record(&mut j, &mut s, set(1));
    drop(j);
    let original = fs::read_to_string(b.journal_path()).unwrap();
    let entry_line = original.lines().nth(1).unwrap();
    let text = format!("{original}garbage\n{entry_line}\n");
    fs::write(b.journal_path(), &text).unwrap();
    let err = b.load().unwrap_err();
    assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("line 3"), "{err}");
    assert_eq!(
        fs::read_to_string(b.journal_path()).unwrap(),
        text,
        "left untouched"
    );
}

#[test]
fn compaction_removes_the_journal_and_bumps_the_serial_once() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    b.persist(&mut s).unwrap();
    assert_eq!(s.serial, 1);
    let mut j = b.journal(&s).unwrap();
    for i in 0..50 {
        record(&mut j, &mut s, set(i));
    }
    j.compact(&mut s).unwrap();
    assert_eq!(s.serial, 2);
    assert!(!b.journal_path().exists());
    assert_eq!(b.load().unwrap().unwrap(), s);

    // Recording goes on after a compaction, on top of the new serial.
    record(&mut j, &mut s, set(99));
    drop(j);
    let loaded = b.load().unwrap().unwrap();
    assert_eq!(loaded, s);
    assert_eq!(loaded.serial, 2);
}

#[test]
fn a_journal_already_folded_in_is_ignored() {
    // A persist that crashed after writing the state file but before
    // removing the journal leaves a journal with an older base serial.
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    b.persist(&mut s).unwrap();
    let mut j = b.journal(&s).unwrap();
    record(&mut j, &mut s, set(1));
    drop(j);
    let journal = fs::read(b.journal_path()).unwrap();
    // The resource then changes again in memory and the state is persisted.
    let mut changed = resource(1);
    changed.attributes["id"] = json!("changed");
    s.resources.insert("null_resource.r[1]".into(), changed);
    b.persist(&mut s).unwrap();
    fs::write(b.journal_path(), journal).unwrap();

    let loaded = b.load().unwrap().unwrap();
    assert_eq!(
        loaded, s,
        "the stale journal must not undo the later change"
    );
    // Opening a journal clears the stale one.
    let j = b.journal(&loaded).unwrap();
    assert!(j.is_empty());
    assert!(!b.journal_path().exists());
}

#[test]
fn a_journal_of_another_lineage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut other = State::new("other-lineage".into());
    let mut j = b.journal(&other).unwrap();
    record(&mut j, &mut other, set(1));
    drop(j);
    let mut s = State::new("our-lineage".into());
    let err = b.journal(&s).unwrap_err();
    assert!(matches!(err, StateError::JournalMismatch { .. }), "{err}");
    // Persisting our state would delete another state's changes.
    let err = b.persist(&mut s).unwrap_err();
    assert!(matches!(err, StateError::JournalMismatch { .. }), "{err}");
    assert!(err.to_string().contains("other-lineage"), "{err}");
    assert_eq!(s.serial, 0);
    assert!(b.journal_path().exists());
}

#[test]
fn persist_while_a_journal_is_open_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    let mut j = b.journal(&s).unwrap();
    record(&mut j, &mut s, set(1));
    b.persist(&mut s).unwrap();
    let err = j.record(set(2)).unwrap_err();
    assert!(matches!(err, StateError::JournalDetached { .. }), "{err}");
}

#[test]
fn pending_creates_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    let mut j = b.journal(&s).unwrap();
    let mut r = resource(1);
    r.status = Status::Pending {
        operation_id: "op-42".into(),
    };
    record(
        &mut j,
        &mut s,
        JournalEntry::SetResource {
            address: "null_resource.r[1]".into(),
            resource: r,
        },
    );
    drop(j);
    let loaded = b.load().unwrap().unwrap();
    assert_eq!(
        loaded.resources["null_resource.r[1]"].status,
        Status::Pending {
            operation_id: "op-42".into()
        }
    );
}

#[test]
fn a_journal_sealed_with_another_key_is_a_key_error() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    let mut j = b.journal(&s).unwrap();
    record(&mut j, &mut s, set(1));
    drop(j);
    let other = LocalBackend::new(dir.path(), "default")
        .unwrap()
        .with_sealer(Sealer::from_key([4; 32]));
    let err = other.load().unwrap_err();
    assert!(matches!(err, StateError::WrongKey { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&b.journal_path().display().to_string()),
        "{err}"
    );
}

/// Group commit: a batch of pending creates goes out in one write, one line
/// per entry, in order, and is replayed like entries recorded one by one.
#[test]
fn a_batch_of_pending_creates_is_one_line_per_entry() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    let mut j = b.journal(&s).unwrap();
    let batch: Vec<JournalEntry> = (0..5)
        .map(|i| {
            let mut r = resource(i);
            r.status = Status::Pending {
                operation_id: format!("op-{i}"),
            };
            JournalEntry::SetResource {
                address: format!("null_resource.r[{i}]"),
                resource: r,
            }
        })
        .chain([JournalEntry::RemoveResource {
            address: "null_resource.r[4]".into(),
        }])
        .collect();
    for entry in &batch {
        entry.apply_to(&mut s);
    }
    j.record_all(&batch).unwrap();
    j.record_all(&[]).unwrap();
    assert_eq!(j.len(), 6);
    drop(j);
    let text = fs::read_to_string(b.journal_path()).unwrap();
    assert_eq!(text.lines().count(), 7, "a header and one line per entry");
    let loaded = b.load().unwrap().unwrap();
    assert_eq!(loaded, s);
    assert_eq!(loaded.resources.len(), 4);
    assert_eq!(
        loaded.resources["null_resource.r[2]"].status,
        Status::Pending {
            operation_id: "op-2".into()
        }
    );
}
