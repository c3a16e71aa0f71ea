//! A process killed with SIGKILL in the middle of recording loses no entry
//! whose `record` had returned. The test runs itself as the child: with
//! `STATE_KILL_TEST_DIR` set it records entries forever, printing each
//! index after `record` returns, until the parent kills it.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;
use state::{JournalEntry, LocalBackend, Mode, ResourceState, Sealer, State, Status};

const DIR_VAR: &str = "STATE_KILL_TEST_DIR";

fn backend(dir: &Path) -> LocalBackend {
    LocalBackend::new(dir, "default")
        .unwrap()
        .with_sealer(Sealer::from_key([5; 32]))
}

fn child(dir: &Path) {
    let b = backend(dir);
    let mut s = b.load().unwrap().unwrap();
    let mut journal = b.journal(&s).unwrap();
    for i in 0.. {
        let entry = JournalEntry::SetResource {
            address: format!("null_resource.r[{i}]"),
            resource: ResourceState {
                mode: Mode::Managed,
                resource_type: "null_resource".into(),
                provider: "provider.null".into(),
                status: Status::Ready,
                attributes: json!({"id": i.to_string()}),
                sensitive_paths: vec![],
                dependencies: vec![],
                create_before_destroy: false,
                private: None,
            },
        };
        entry.apply_to(&mut s);
        journal.record(entry).unwrap();
        println!("{i}");
    }
}

#[test]
fn sigkill_loses_no_recorded_entry() {
    if let Ok(dir) = std::env::var(DIR_VAR) {
        child(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new(state::new_lineage());
    b.persist(&mut s).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sigkill_loses_no_recorded_entry", "--nocapture"])
        .env(DIR_VAR, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut last_acknowledged = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Ok(i) = line.trim().parse::<usize>() {
            last_acknowledged = Some(i);
            if i >= 300 {
                break;
            }
        }
    }
    // SIGKILL: no destructor, no flush, no chance to compact.
    child.kill().unwrap();
    child.wait().unwrap();
    let last = last_acknowledged.expect("the child recorded entries");
    assert!(last >= 300);

    let loaded = b.load().unwrap().unwrap();
    for i in 0..=last {
        assert!(
            loaded
                .resources
                .contains_key(&format!("null_resource.r[{i}]")),
            "entry {i} was acknowledged but lost"
        );
    }
}
