//! The local backend through the `Backend` trait: versioned reads and
//! conditional writes, history, and leases.

use std::time::Duration;

use state::{
    Backend, LocalBackend, LockOptions, LockRequest, Sealer, State, VersionToken, WriteNote,
};

fn backend(dir: &std::path::Path) -> LocalBackend {
    LocalBackend::new(dir, "default")
        .unwrap()
        .with_sealer(Sealer::from_key([3; 32]))
}

fn note() -> WriteNote {
    WriteNote {
        who: "alice@box".to_string(),
        operation: "apply".to_string(),
    }
}

#[test]
fn a_write_based_on_a_stale_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut state = State::new("l".to_string());
    let token = Backend::persist(&b, &mut state, &VersionToken(None), &note()).unwrap();
    let first = Backend::load(&b).unwrap().unwrap();
    assert_eq!(first.version, token);
    let mut mine = first.state.clone();
    let mut theirs = first.state.clone();
    Backend::persist(&b, &mut theirs, &first.version, &note()).unwrap();
    let err = Backend::persist(&b, &mut mine, &first.version, &note()).unwrap_err();
    assert!(
        err.to_string().contains("changed since it was read"),
        "{err}"
    );
    assert_eq!(Backend::load(&b).unwrap().unwrap().state.serial, 2);
}

#[test]
fn every_write_is_kept_in_the_history_with_who_and_what() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut state = State::new("l".to_string());
    let mut token = VersionToken(None);
    for i in 0..5 {
        state.outputs.insert(
            format!("o{i}"),
            state::OutputState {
                value: serde_json::json!(i),
                sensitive: false,
            },
        );
        token = Backend::persist(&b, &mut state, &token, &note()).unwrap();
    }
    let history = b.history().unwrap();
    let serials: Vec<u64> = history.iter().map(|h| h.serial).collect();
    assert_eq!(serials, [5, 4, 3, 2, 1]);
    assert!(history
        .iter()
        .all(|h| h.who == "alice@box" && h.operation == "apply"));
    let third = b.load_version(3).unwrap();
    assert_eq!(third.outputs.len(), 3);
    assert!(b
        .load_version(42)
        .unwrap_err()
        .to_string()
        .contains("no version with serial 42"));
}

#[test]
fn a_lease_is_renewed_while_held_and_lost_when_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let short = LockOptions {
        timeout: Duration::ZERO,
        lease: Duration::from_secs(1),
    };
    let lease = Backend::lock(&b, LockRequest::new("apply"), &short).unwrap();
    // Renewed in the background: still held after twice its lease.
    std::thread::sleep(Duration::from_millis(2200));
    assert!(Backend::lock(&b, LockRequest::new("plan"), &short).is_err());
    assert!(!lease.lost().load(std::sync::atomic::Ordering::SeqCst));
    let id = lease.info().id.clone();
    Backend::force_unlock(&b, &id).unwrap();
    let other = Backend::lock(&b, LockRequest::new("plan"), &short).unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        lease.lost().load(std::sync::atomic::Ordering::SeqCst),
        "the first holder notices"
    );
    lease.release().unwrap();
    assert!(
        b.lock_path().exists(),
        "releasing a lost lease leaves the new holder's lock"
    );
    other.release().unwrap();
    assert!(!b.lock_path().exists());
}
