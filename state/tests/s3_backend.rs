//! The S3 backend against the AWS emulator (moto's server): state round
//! trips, conditional writes, lease locks on S3 and DynamoDB, the journal,
//! history, KMS envelope encryption and workspace keys.
#![cfg(feature = "s3")]

#[path = "../../providers/tests/common/emulator.rs"]
mod emulator;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::primitives::ByteStream;
use emulator::Emulator;
use serde_json::{json, Value};
use state::s3::{LockRecord, S3Backend};
use state::{
    Backend, BackendConfig, JournalEntry, LockOptions, LockRequest, Mode, OutputState, PathStep,
    ResourceState, State, StateError, Status, VersionToken, WriteNote,
};

/// A secret that must appear in no object of the bucket.
const CANARY: &str = "canary-4f1d9e-secret";
const KEY: &str = "stack/terraform.tfstate";
/// Stack's state object for `KEY`: beside Terraform's, never on it.
const OBJECT: &str = "stack/terraform.tfstate.stack";

/// SDK clients for setting up and inspecting the emulator, on their own
/// runtime so that tests inside a tokio runtime can use them too.
struct Admin {
    runtime: Option<tokio::runtime::Runtime>,
    s3: aws_sdk_s3::Client,
    kms: aws_sdk_kms::Client,
    dynamodb: aws_sdk_dynamodb::Client,
}

impl Admin {
    fn new(emulator: &Emulator) -> Admin {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let endpoint = emulator.endpoint();
        let (tx, rx) = mpsc::channel();
        runtime.spawn(async move {
            let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new(emulator::REGION))
                .credentials_provider(aws_credential_types::Credentials::new(
                    emulator::ACCESS_KEY_ID,
                    emulator::SECRET_ACCESS_KEY,
                    None,
                    None,
                    "test",
                ))
                .endpoint_url(endpoint)
                .load()
                .await;
            let s3 = aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build();
            let _ = tx.send((
                aws_sdk_s3::Client::from_conf(s3),
                aws_sdk_kms::Client::new(&sdk),
                aws_sdk_dynamodb::Client::new(&sdk),
            ));
        });
        let (s3, kms, dynamodb) = rx.recv().unwrap();
        Admin {
            runtime: Some(runtime),
            s3,
            kms,
            dynamodb,
        }
    }

    fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.runtime.as_ref().unwrap().spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv().unwrap()
    }

    /// A new bucket with a name no other test uses.
    fn bucket(&self, versioned: bool) -> String {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!(
            "state-{}-{}-{}",
            std::process::id(),
            nanos % 1_000_000_000,
            COUNT.fetch_add(1, Ordering::SeqCst)
        );
        let s3 = self.s3.clone();
        let bucket = name.clone();
        self.run(async move {
            s3.create_bucket().bucket(&bucket).send().await.unwrap();
            if versioned {
                let status = aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build();
                s3.put_bucket_versioning()
                    .bucket(&bucket)
                    .versioning_configuration(status)
                    .send()
                    .await
                    .unwrap();
            }
        });
        name
    }

    /// Every object of the bucket (every version, when versioned), by key.
    fn objects(&self, bucket: &str) -> Vec<(String, Vec<u8>)> {
        let (s3, bucket) = (self.s3.clone(), bucket.to_string());
        self.run(async move {
            let listed = s3
                .list_object_versions()
                .bucket(&bucket)
                .send()
                .await
                .unwrap();
            let mut out = Vec::new();
            for v in listed.versions() {
                let key = v.key().unwrap().to_string();
                let got = s3
                    .get_object()
                    .bucket(&bucket)
                    .key(&key)
                    .set_version_id(
                        v.version_id()
                            .filter(|id| *id != "null")
                            .map(str::to_string),
                    )
                    .send()
                    .await
                    .unwrap();
                let bytes = got.body.collect().await.unwrap().into_bytes().to_vec();
                out.push((key, bytes));
            }
            out
        })
    }

    fn keys(&self, bucket: &str) -> Vec<String> {
        let mut keys: Vec<String> = self.objects(bucket).into_iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        keys
    }

    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let (s3, bucket, key) = (self.s3.clone(), bucket.to_string(), key.to_string());
        self.run(async move {
            let got = s3
                .get_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .ok()?;
            Some(got.body.collect().await.unwrap().into_bytes().to_vec())
        })
    }

    fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let (s3, bucket, key) = (self.s3.clone(), bucket.to_string(), key.to_string());
        let body = ByteStream::from(bytes.to_vec());
        self.run(async move {
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .body(body)
                .send()
                .await
                .unwrap();
        });
    }

    fn delete(&self, bucket: &str, key: &str) {
        let (s3, bucket, key) = (self.s3.clone(), bucket.to_string(), key.to_string());
        self.run(async move {
            s3.delete_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .unwrap();
        });
    }

    fn kms_key(&self) -> String {
        let kms = self.kms.clone();
        self.run(async move {
            let key = kms.create_key().send().await.unwrap();
            key.key_metadata().unwrap().key_id().to_string()
        })
    }

    fn lock_table(&self) -> String {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        let ddb = self.dynamodb.clone();
        let name = format!("locks-{}", self.bucket(false));
        let table = name.clone();
        self.run(async move {
            ddb.create_table()
                .table_name(&table)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("LockID")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("LockID")
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        });
        name
    }

    fn lock_item(&self, table: &str, lock_id: &str) -> Option<String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let (ddb, table, id) = (
            self.dynamodb.clone(),
            table.to_string(),
            lock_id.to_string(),
        );
        self.run(async move {
            let got = ddb
                .get_item()
                .table_name(&table)
                .key("LockID", AttributeValue::S(id))
                .consistent_read(true)
                .send()
                .await
                .unwrap();
            got.item()?.get("Info")?.as_s().ok().cloned()
        })
    }
}

impl Drop for Admin {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// One test's emulator, bucket and key file.
struct Setup {
    emulator: Emulator,
    admin: Admin,
    bucket: String,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        Setup::with_versioning(false)
    }

    fn with_versioning(versioned: bool) -> Setup {
        let emulator = Emulator::start();
        let admin = Admin::new(&emulator);
        let bucket = admin.bucket(versioned);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("state.key"), format!("{}\n", key_base64())).unwrap();
        Setup {
            emulator,
            admin,
            bucket,
            dir,
        }
    }

    fn config(&self, extra: Value) -> BackendConfig {
        let endpoint = self.emulator.endpoint();
        let mut args = json!({
            "bucket": self.bucket,
            "key": KEY,
            "region": emulator::REGION,
            "endpoints": {"s3": endpoint, "dynamodb": endpoint, "kms": endpoint},
            "access_key": emulator::ACCESS_KEY_ID,
            "secret_key": emulator::SECRET_ACCESS_KEY,
            "state_key_file": "state.key",
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                args.as_object_mut().unwrap().remove(k);
            } else {
                args[k] = v.clone();
            }
        }
        BackendConfig {
            kind: "s3".to_string(),
            arguments: serde_json::from_value(args).unwrap(),
        }
    }

    fn backend(&self, workspace: &str, extra: Value) -> S3Backend {
        S3Backend::new(&self.config(extra), workspace, self.dir.path()).unwrap()
    }

    fn default_backend(&self) -> S3Backend {
        self.backend("default", json!({}))
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// No object anywhere in the bucket holds the canary.
    fn assert_no_canary(&self) {
        let objects = self.admin.objects(&self.bucket);
        assert!(!objects.is_empty());
        for (key, bytes) in objects {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(CANARY), "{key} holds the secret: {text}");
        }
    }
}

fn key_base64() -> String {
    // base64 of 32 bytes of 0x2a.
    "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=".to_string()
}

fn resource(id: &str) -> ResourceState {
    ResourceState {
        mode: Mode::Managed,
        resource_type: "null_resource".to_string(),
        provider: "provider.null".to_string(),
        status: Status::Ready,
        attributes: json!({"id": id, "password": format!("{CANARY}-{id}")}),
        sensitive_paths: vec![vec![PathStep::Key("password".into())]],
        dependencies: vec![],
        create_before_destroy: false,
        private: None,
    }
}

fn secret_state() -> State {
    let mut s = State::new(state::new_lineage());
    s.resources.insert("null_resource.a".into(), resource("a"));
    s.outputs.insert(
        "token".into(),
        OutputState {
            value: json!(CANARY),
            sensitive: true,
        },
    );
    s
}

fn note() -> WriteNote {
    WriteNote {
        who: "alice@ci".to_string(),
        operation: "apply".to_string(),
    }
}

fn request(op: &str) -> LockRequest {
    LockRequest {
        operation: op.to_string(),
        who: "alice@ci".to_string(),
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn persist_load_round_trip_keeps_secrets_out_of_the_bucket() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    assert_eq!(
        backend.location(),
        format!("s3://{}/{OBJECT}", setup.bucket)
    );
    assert!(backend.load().unwrap().is_none());
    let mut s = secret_state();
    let token = backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    assert_eq!(s.serial, 1);
    let loaded = backend.load().unwrap().unwrap();
    assert_eq!(loaded.state, s);
    assert_eq!(loaded.version, token);
    // The object holds the same bytes as a local state file would.
    let stored = setup.admin.get(&setup.bucket, OBJECT).unwrap();
    assert_eq!(
        state::format::decode(&stored, backend.sealer().unwrap()).unwrap(),
        s
    );

    // A journal entry and a history copy hold the secret sealed as well.
    let mut journal = backend.journal(&loaded, note()).unwrap();
    journal
        .record_all(&[JournalEntry::SetResource {
            address: "null_resource.b".into(),
            resource: resource("b"),
        }])
        .unwrap();
    let mut next = loaded.state.clone();
    next.resources
        .insert("null_resource.b".into(), resource("b"));
    setup.assert_no_canary();
    journal.compact(&mut next).unwrap();
    assert_eq!(backend.load().unwrap().unwrap().state, next);
    setup.assert_no_canary();
    let keys = setup.admin.keys(&setup.bucket);
    assert!(keys.iter().any(|k| k.contains(".history/")), "{keys:?}");
}

/// Stack's state written before it moved to `K.stack` is still found at
/// Terraform's key `K`, and the next write puts it beside it.
#[test]
fn a_state_at_the_key_stack_used_before_is_read_and_moved_on_write() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let mut s = secret_state();
    backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    let bytes = setup.admin.get(&setup.bucket, OBJECT).unwrap();
    setup.admin.put(&setup.bucket, KEY, &bytes);
    setup.admin.delete(&setup.bucket, OBJECT);
    let old = setup.default_backend();
    let loaded = old.load().unwrap().expect("the state at the old key");
    assert_eq!(loaded.state, s);
    let mut next = loaded.state.clone();
    old.persist(&mut next, &loaded.version, &note()).unwrap();
    assert_eq!(old.load().unwrap().unwrap().state.serial, s.serial + 1);
    assert!(setup.admin.get(&setup.bucket, OBJECT).is_some());
    // Terraform's own state at that key is not taken for stack's.
    let other = Setup::new();
    other.admin.put(
        &other.bucket,
        KEY,
        br#"{"version": 4, "serial": 3, "resources": []}"#,
    );
    assert!(other.default_backend().load().unwrap().is_none());
}

#[test]
fn a_write_based_on_a_stale_read_is_refused() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let mut s = secret_state();
    backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    let first = backend.load().unwrap().unwrap();
    let second = backend.load().unwrap().unwrap();
    let (mut a, mut b) = (first.state.clone(), second.state.clone());
    a.resources.insert("null_resource.x".into(), resource("x"));
    b.resources.insert("null_resource.y".into(), resource("y"));
    backend.persist(&mut a, &first.version, &note()).unwrap();
    let written = setup.admin.get(&setup.bucket, OBJECT).unwrap();
    let err = backend
        .persist(&mut b, &second.version, &note())
        .unwrap_err();
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains(&backend.location()), "{err}");
    assert_eq!(b.serial, 1, "the refused write keeps its serial");
    assert_eq!(setup.admin.get(&setup.bucket, OBJECT).unwrap(), written);

    // A state created by someone else after we found none is not replaced.
    let other = setup.backend("other", json!({}));
    let mut mine = State::new("mine".into());
    let mut theirs = State::new("theirs".into());
    other
        .persist(&mut theirs, &VersionToken(None), &note())
        .unwrap();
    let err = other
        .persist(&mut mine, &VersionToken(None), &note())
        .unwrap_err();
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
}

#[test]
fn another_lineage_is_refused() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let mut s = State::new("lineage-a".into());
    backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    let loaded = backend.load().unwrap().unwrap();
    let mut other = State::new("lineage-b".into());
    other.serial = 1;
    let err = backend
        .persist(&mut other, &loaded.version, &note())
        .unwrap_err();
    assert!(matches!(err, StateError::LineageMismatch { .. }), "{err}");
}

#[test]
fn two_threads_racing_for_the_lock_one_wins() {
    let setup = Setup::new();
    let backend = Arc::new(setup.default_backend());
    let barrier = Arc::new(Barrier::new(2));
    let racers: Vec<_> = ["apply", "plan"]
        .into_iter()
        .map(|op| {
            let (backend, barrier) = (backend.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let result = backend.lock(request(op), &LockOptions::default());
                // Hold a winner until the loser has looked.
                std::thread::sleep(Duration::from_millis(500));
                result
            })
        })
        .collect();
    let results: Vec<_> = racers.into_iter().map(|t| t.join().unwrap()).collect();
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1);
    let holder = winners[0].info().clone();
    let err = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    let msg = err.to_string();
    assert!(matches!(err, StateError::Locked { .. }), "{msg}");
    for part in [
        holder.id.as_str(),
        "alice@ci",
        holder.operation.as_str(),
        ".lock",
    ] {
        assert!(msg.contains(part), "{part} missing from {msg}");
    }
    drop(results);
    // Released on drop: the lock can be taken again.
    let again = backend
        .lock(request("plan"), &LockOptions::default())
        .unwrap();
    assert!(again.taken_over_from().is_none());
    again.release().unwrap();
    assert!(!setup
        .admin
        .keys(&setup.bucket)
        .iter()
        .any(|k| k.ends_with(".lock")));
}

#[test]
fn waiting_for_a_lock_gets_it_when_released() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let held = backend
        .lock(request("apply"), &LockOptions::default())
        .unwrap();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        held.release().unwrap();
    });
    let options = LockOptions {
        timeout: Duration::from_secs(20),
        ..LockOptions::default()
    };
    let start = Instant::now();
    let second = backend.lock(request("plan"), &options).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(500));
    assert!(second.taken_over_from().is_none());
    releaser.join().unwrap();
    let short = LockOptions {
        timeout: Duration::from_millis(600),
        ..LockOptions::default()
    };
    let err = backend
        .lock(request("plan"), &short)
        .err()
        .expect("the lock is held");
    assert!(err.to_string().contains("after waiting"), "{err}");
}

/// Writes a lock object as a holder on another machine that stopped
/// renewing `seconds_ago` would have left it.
fn plant_lock(setup: &Setup, host: &str, pid: u32, lease: u64, seconds_ago: u64) -> LockRecord {
    let record = LockRecord {
        id: "dead-holder-1".to_string(),
        who: "bob@runner-7".to_string(),
        host: host.to_string(),
        pid,
        operation: "apply".to_string(),
        created: "2026-01-01T00:00:00Z".to_string(),
        lease_seconds: lease,
        renewed_unix: now_unix() - seconds_ago,
    };
    let bytes = serde_json::to_vec(&record).unwrap();
    setup
        .admin
        .put(&setup.bucket, &format!("{OBJECT}.lock"), &bytes);
    record
}

#[test]
fn an_expired_lease_is_taken_over_and_named() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    // A live lease elsewhere is respected.
    plant_lock(&setup, "runner-7", 4242, 30, 0);
    let err = backend
        .lock(request("plan"), &LockOptions::default())
        .err()
        .expect("the lock is held");
    assert!(err.to_string().contains("dead-holder-1"), "{err}");

    // Not renewed for longer than its 1 s lease: taken over.
    plant_lock(&setup, "runner-7", 4242, 1, 5);
    let lease = backend
        .lock(request("plan"), &LockOptions::default())
        .unwrap();
    let previous = lease.taken_over_from().expect("taken over");
    assert_eq!(previous.id, "dead-holder-1");
    assert_eq!(previous.who, "bob@runner-7");
    let stored: LockRecord = serde_json::from_slice(
        &setup
            .admin
            .get(&setup.bucket, &format!("{OBJECT}.lock"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored.id, lease.info().id);
    drop(lease);
}

#[test]
fn a_dead_holder_on_this_host_is_taken_over() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let stored = setup.admin.get(&setup.bucket, OBJECT);
    assert!(stored.is_none());
    // Our own lock tells us this host's name as the backend sees it.
    let probe = backend
        .lock(request("probe"), &LockOptions::default())
        .unwrap();
    let host = probe.info().host.clone();
    probe.release().unwrap();
    // A pid far above any pid_max is certainly not running.
    plant_lock(&setup, &host, 999_999_999, 3600, 0);
    let lease = backend
        .lock(request("apply"), &LockOptions::default())
        .unwrap();
    assert_eq!(lease.taken_over_from().unwrap().id, "dead-holder-1");
}

#[test]
fn a_holder_whose_lock_was_taken_over_loses_its_lease() {
    let setup = Setup::new();
    let backend = setup.backend("default", json!({"lock_lease": "1s"}));
    let lease = backend
        .lock(request("apply"), &LockOptions::default())
        .unwrap();
    let lost = lease.lost();
    // The lease is renewed: it stays held past its length.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!lost.load(Ordering::SeqCst));
    let stored: LockRecord = serde_json::from_slice(
        &setup
            .admin
            .get(&setup.bucket, &format!("{OBJECT}.lock"))
            .unwrap(),
    )
    .unwrap();
    assert!(stored.renewed_unix + 1 >= now_unix(), "{stored:?}");
    // Someone else takes it over.
    plant_lock(&setup, "runner-7", 4242, 30, 0);
    let start = Instant::now();
    while !lost.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(lost.load(Ordering::SeqCst));
    // Releasing a lost lease leaves the new holder's lock alone.
    lease.release().unwrap();
    let stored: LockRecord = serde_json::from_slice(
        &setup
            .admin
            .get(&setup.bucket, &format!("{OBJECT}.lock"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored.id, "dead-holder-1");
}

#[test]
fn force_unlock_needs_the_right_id() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let err = backend.force_unlock("x").unwrap_err();
    assert!(matches!(err, StateError::NotLocked { .. }), "{err}");
    let lease = backend
        .lock(request("apply"), &LockOptions::default())
        .unwrap();
    let id = lease.info().id.clone();
    let err = backend.force_unlock("not-the-id").unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
    let holder = backend.force_unlock(&id).unwrap();
    assert_eq!(holder.operation, "apply");
    let other = backend
        .lock(request("plan"), &LockOptions::default())
        .unwrap();
    // The old holder's release leaves the new lock in place.
    drop(lease);
    assert_eq!(
        backend.force_unlock(&other.info().id).unwrap().operation,
        "plan"
    );
}

#[test]
fn journal_entries_survive_a_dropped_journal_and_are_replayed() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let fresh = fresh("journal-lineage");
    let mut journal = backend.journal(&fresh, note()).unwrap();
    journal
        .record_all(&[
            JournalEntry::SetResource {
                address: "null_resource.a".into(),
                resource: resource("a"),
            },
            JournalEntry::SetResource {
                address: "null_resource.b".into(),
                resource: resource("b"),
            },
        ])
        .unwrap();
    journal
        .record_all(&[JournalEntry::RemoveResource {
            address: "null_resource.a".into(),
        }])
        .unwrap();
    // The process "dies": no compaction.
    drop(journal);
    let loaded = backend.load().unwrap().unwrap();
    assert_eq!(loaded.state.lineage, "journal-lineage");
    assert_eq!(
        loaded.state.resources.keys().collect::<Vec<_>>(),
        vec!["null_resource.b"]
    );
    assert_eq!(loaded.version, VersionToken(None));

    // The next run continues the journal, then compacts it.
    let mut journal = backend.journal(&loaded, note()).unwrap();
    journal
        .record_all(&[JournalEntry::SetResource {
            address: "null_resource.c".into(),
            resource: resource("c"),
        }])
        .unwrap();
    let mut state = loaded.state.clone();
    state
        .resources
        .insert("null_resource.c".into(), resource("c"));
    journal.compact(&mut state).unwrap();
    assert_eq!(state.serial, 1);
    let keys = setup.admin.keys(&setup.bucket);
    assert!(!keys.iter().any(|k| k.contains(".journal/")), "{keys:?}");
    let reloaded = backend.load().unwrap().unwrap();
    assert_eq!(reloaded.state, state);

    // Entries on top of serial 1, and a compaction after them.
    let mut journal = backend.journal(&reloaded, note()).unwrap();
    journal
        .record_all(&[JournalEntry::RemoveResource {
            address: "null_resource.b".into(),
        }])
        .unwrap();
    drop(journal);
    let after = backend.load().unwrap().unwrap();
    assert_eq!(after.state.serial, 1);
    assert!(!after.state.resources.contains_key("null_resource.b"));
}

fn five_persists(backend: &S3Backend) -> Vec<State> {
    let mut written = Vec::new();
    let mut s = State::new(state::new_lineage());
    let mut version = VersionToken(None);
    for i in 0..5 {
        s.resources
            .insert(format!("null_resource.r{i}"), resource(&i.to_string()));
        version = backend.persist(&mut s, &version, &note()).unwrap();
        written.push(s.clone());
    }
    written
}

fn check_history(backend: &S3Backend, written: &[State]) {
    let history = backend.history().unwrap();
    let serials: Vec<u64> = history.iter().map(|h| h.serial).collect();
    assert_eq!(serials, vec![5, 4, 3, 2, 1]);
    for entry in &history {
        assert_eq!(entry.who, "alice@ci");
        assert_eq!(entry.operation, "apply");
        assert_eq!(entry.summary.added, 1);
        assert!(entry.written.ends_with('Z'), "{}", entry.written);
    }
    for s in written {
        assert_eq!(&backend.load_version(s.serial).unwrap(), s);
    }
    let err = backend.load_version(9).unwrap_err();
    assert!(
        matches!(err, StateError::NoSuchVersion { serial: 9, .. }),
        "{err}"
    );
}

#[test]
fn history_keys_keep_every_version() {
    let setup = Setup::new();
    let backend = setup.backend("default", json!({"encrypt": true}));
    let written = five_persists(&backend);
    check_history(&backend, &written);
    let keys = setup.admin.keys(&setup.bucket);
    let copies: Vec<&String> = keys.iter().filter(|k| k.contains(".history/")).collect();
    assert_eq!(copies.len(), 4, "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains("stack-probe")), "{keys:?}");
    // `encrypt = true` asks for server-side encryption of every copy too.
    for key in [OBJECT.to_string(), copies[0].clone()] {
        let (s3, b) = (setup.admin.s3.clone(), setup.bucket.clone());
        let sse = setup.admin.run(async move {
            let head = s3.head_object().bucket(b).key(key).send().await.unwrap();
            head.server_side_encryption()
                .map(|s| s.as_str().to_string())
        });
        assert_eq!(sse.as_deref(), Some("AES256"));
    }
}

#[test]
fn a_versioned_bucket_keeps_history_as_object_versions() {
    let setup = Setup::with_versioning(true);
    let backend = setup.default_backend();
    let written = five_persists(&backend);
    check_history(&backend, &written);
    let keys = setup.admin.keys(&setup.bucket);
    assert!(!keys.iter().any(|k| k.contains(".history/")), "{keys:?}");
    // The probe for conditional writes leaves no version behind.
    assert!(!keys.iter().any(|k| k.contains("stack-probe")), "{keys:?}");
}

#[test]
fn kms_envelope_encryption_round_trip() {
    let setup = Setup::new();
    let key_id = setup.admin.kms_key();
    let extra = json!({"state_key_file": null, "kms_key_id": key_id});
    let backend = setup.backend("default", extra.clone());
    let mut s = secret_state();
    backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    // A second backend (another run) decrypts the same data key.
    let other = setup.backend("default", extra);
    assert_eq!(other.load().unwrap().unwrap().state, s);
    assert_eq!(
        other.sealer().unwrap().key_base64(),
        backend.sealer().unwrap().key_base64()
    );
    let datakey = setup
        .admin
        .get(&setup.bucket, &format!("{OBJECT}.datakey"))
        .unwrap();
    let text = String::from_utf8(datakey).unwrap();
    assert!(text.contains(&key_id), "{text}");
    assert!(
        !text.contains(&backend.sealer().unwrap().key_base64()),
        "{text}"
    );
    setup.assert_no_canary();
}

#[test]
fn without_a_key_sealing_is_refused_naming_the_options() {
    let setup = Setup::new();
    let backend = setup.backend("default", json!({"state_key_file": null}));
    if std::env::var_os("STACK_STATE_KEY").is_some() {
        return assert!(backend.sealer().is_ok());
    }
    let err = backend.sealer().unwrap_err();
    let msg = err.to_string();
    for option in ["STACK_STATE_KEY", "state_key_file", "kms_key_id"] {
        assert!(msg.contains(option), "{option} missing from {msg}");
    }
    let mut s = secret_state();
    assert!(backend
        .persist(&mut s, &VersionToken(None), &note())
        .is_err());
    assert!(setup.admin.get(&setup.bucket, OBJECT).is_none());
}

#[test]
fn dynamodb_lock_table() {
    let setup = Setup::new();
    let table = setup.admin.lock_table();
    let backend = setup.backend("default", json!({"dynamodb_table": table}));
    let lock_id = format!("{}/{OBJECT}", setup.bucket);
    let lease = backend
        .lock(request("apply"), &LockOptions::default())
        .unwrap();
    let item = setup.admin.lock_item(&table, &lock_id).expect("lock item");
    assert!(item.contains(&lease.info().id), "{item}");
    assert!(!setup
        .admin
        .keys(&setup.bucket)
        .iter()
        .any(|k| k.ends_with(".lock")));
    let err = backend
        .lock(request("plan"), &LockOptions::default())
        .err()
        .expect("the lock is held");
    assert!(matches!(err, StateError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("dynamodb://"), "{err}");
    let err = backend.force_unlock("nope").unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
    lease.release().unwrap();
    assert!(setup.admin.lock_item(&table, &lock_id).is_none());
}

#[test]
fn dynamodb_lock_expired_lease_is_taken_over() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let setup = Setup::new();
    let table = setup.admin.lock_table();
    let backend = setup.backend("default", json!({"dynamodb_table": table}));
    let record = LockRecord {
        id: "dead-holder-2".to_string(),
        who: "bob@runner-7".to_string(),
        host: "runner-7".to_string(),
        pid: 4242,
        operation: "apply".to_string(),
        created: "2026-01-01T00:00:00Z".to_string(),
        lease_seconds: 1,
        renewed_unix: now_unix() - 10,
    };
    let (ddb, t, id) = (
        setup.admin.dynamodb.clone(),
        table.clone(),
        format!("{}/{OBJECT}", setup.bucket),
    );
    let info = serde_json::to_string(&record).unwrap();
    setup.admin.run(async move {
        ddb.put_item()
            .table_name(t)
            .item("LockID", AttributeValue::S(id))
            .item("Info", AttributeValue::S(info))
            .send()
            .await
            .unwrap();
    });
    let lease = backend
        .lock(request("plan"), &LockOptions::default())
        .unwrap();
    assert_eq!(lease.taken_over_from().unwrap().id, "dead-holder-2");
    let holder = backend.force_unlock(&lease.info().id.clone()).unwrap();
    assert_eq!(holder.operation, "plan");
}

#[test]
fn a_corrupt_state_is_named_and_left_untouched() {
    let setup = Setup::new();
    let garbage = b"{\"format_version\": 1, oops";
    setup.admin.put(&setup.bucket, OBJECT, garbage);
    let backend = setup.default_backend();
    let err = backend.load().unwrap_err();
    let url = format!("s3://{}/{OBJECT}", setup.bucket);
    assert!(err.to_string().contains(&url), "{err}");
    assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
    let mut s = State::new("l".into());
    assert!(backend
        .persist(&mut s, &VersionToken(None), &note())
        .is_err());
    // Even a write that names the stored version is refused.
    let etag = {
        let (s3, b) = (setup.admin.s3.clone(), setup.bucket.clone());
        setup.admin.run(async move {
            let head = s3.head_object().bucket(b).key(OBJECT).send().await.unwrap();
            head.e_tag().unwrap().to_string()
        })
    };
    let err = backend
        .persist(&mut s, &VersionToken(Some(etag)), &note())
        .unwrap_err();
    assert!(err.to_string().contains(&url), "{err}");
    assert_eq!(setup.admin.get(&setup.bucket, OBJECT).unwrap(), garbage);
}

#[test]
fn terraforms_state_object_is_read_and_never_written() {
    let setup = Setup::new();
    let terraform = br#"{"version": 4, "serial": 3, "lineage": "tf", "resources": []}"#;
    setup.admin.put(&setup.bucket, KEY, terraform);
    let backend = setup.backend("default", json!({}));
    let (url, bytes) = backend.read_terraform_state().unwrap();
    assert_eq!(url, format!("s3://{}/{KEY}", setup.bucket));
    assert_eq!(bytes.as_deref(), Some(&terraform[..]));
    let mut s = State::new("stack-lineage".to_string());
    backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    assert_eq!(setup.admin.get(&setup.bucket, KEY).unwrap(), terraform);
    assert!(setup.admin.get(&setup.bucket, OBJECT).is_some());
    let other = setup.backend("prod", json!({}));
    assert_eq!(other.read_terraform_state().unwrap().1, None);
}

#[test]
fn workspace_keys_follow_terraforms_layout() {
    let setup = Setup::new();
    let cases = [
        ("default", json!({}), OBJECT.to_string()),
        ("prod", json!({}), format!("env:/prod/{OBJECT}")),
        (
            "dev",
            json!({"workspace_key_prefix": "workspaces"}),
            format!("workspaces/dev/{OBJECT}"),
        ),
    ];
    for (workspace, extra, key) in cases {
        let backend = setup.backend(workspace, extra);
        assert_eq!(backend.state_key(), key);
        assert_eq!(backend.workspace(), workspace);
        let mut s = State::new(format!("lineage-{workspace}"));
        backend
            .persist(&mut s, &VersionToken(None), &note())
            .unwrap();
        let stored = setup.admin.get(&setup.bucket, &key).expect(&key);
        assert!(String::from_utf8_lossy(&stored).contains(&format!("lineage-{workspace}")));
    }
    let err = S3Backend::new(&setup.config(json!({})), "a/b", setup.dir())
        .err()
        .unwrap();
    assert!(matches!(err, StateError::InvalidWorkspace { .. }), "{err}");
}

#[test]
fn missing_arguments_are_named() {
    let config = BackendConfig {
        kind: "s3".into(),
        arguments: serde_json::from_value(json!({"key": "k"})).unwrap(),
    };
    let err = S3Backend::new(&config, "default", &PathBuf::from("."))
        .err()
        .unwrap();
    assert!(err.to_string().contains("`bucket`"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn usable_from_inside_a_tokio_runtime() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let mut s = secret_state();
    let token = backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    let loaded = backend.load().unwrap().unwrap();
    assert_eq!(loaded.version, token);
    let lease = backend
        .lock(request("apply"), &LockOptions::default())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    lease.release().unwrap();
    // Dropping the backend (and its runtime) inside a runtime is fine too.
    drop(backend);
    drop(setup);
}

#[test]
fn two_writers_of_one_journal_never_overwrite_each_other() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let fresh = fresh("shared");
    // Intents (pending creates) are written at once; see the batching test.
    let entry = |id: &str| JournalEntry::SetResource {
        address: format!("null_resource.{id}"),
        resource: state::ResourceState {
            status: state::Status::Pending {
                operation_id: format!("op-{id}"),
            },
            ..resource(id)
        },
    };
    let mut first = backend.journal(&fresh, note()).unwrap();
    let mut second = backend.journal(&fresh, note()).unwrap();
    first.record_all(&[entry("a")]).unwrap();
    let err = second.record_all(&[entry("b")]).unwrap_err();
    assert!(matches!(err, StateError::Conflict { .. }), "{err}");
    let loaded = backend.load().unwrap().unwrap();
    assert_eq!(
        loaded.state.resources.keys().collect::<Vec<_>>(),
        vec!["null_resource.a"]
    );
}

#[test]
fn results_wait_for_the_next_intent_and_compaction_removes_every_journal_object() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    let fresh = fresh("long");
    let mut journal = backend.journal(&fresh, note()).unwrap();
    let mut state = fresh.state.clone();
    for i in 0..40 {
        let entry = JournalEntry::SetResource {
            address: format!("null_resource.r{i}"),
            resource: resource(&i.to_string()),
        };
        entry.apply_to(&mut state);
        journal.record_all(&[entry]).unwrap();
    }
    let journal_objects = || {
        let keys = setup.admin.keys(&setup.bucket);
        keys.iter().filter(|k| k.contains(".journal/0/")).count()
    };
    assert_eq!(
        journal_objects(),
        0,
        "results wait (up to a second or 256 entries)"
    );
    // An intent goes out at once, with everything that waited.
    let intent = JournalEntry::SetResource {
        address: "null_resource.pending".to_string(),
        resource: state::ResourceState {
            status: state::Status::Pending {
                operation_id: "op-1".to_string(),
            },
            ..resource("pending")
        },
    };
    intent.apply_to(&mut state);
    journal.record_all(&[intent]).unwrap();
    assert_eq!(journal_objects(), 1);
    assert_eq!(backend.load().unwrap().unwrap().state, state);
    journal.compact(&mut state).unwrap();
    let keys = setup.admin.keys(&setup.bucket);
    assert!(!keys.iter().any(|k| k.contains(".journal/")), "{keys:?}");
    assert_eq!(backend.load().unwrap().unwrap().state, state);
}

#[test]
fn the_s3_endpoint_may_come_from_the_environment() {
    let setup = Setup::new();
    // Each test runs in its own process under nextest; no other test here
    // reads this variable.
    std::env::set_var("AWS_ENDPOINT_URL_S3", setup.emulator.endpoint());
    let endpoint = setup.emulator.endpoint();
    let backend = setup.backend(
        "default",
        json!({"endpoints": {"dynamodb": endpoint, "kms": endpoint}}),
    );
    let mut s = State::new("from-env".into());
    backend
        .persist(&mut s, &VersionToken(None), &note())
        .unwrap();
    std::env::remove_var("AWS_ENDPOINT_URL_S3");
    assert!(setup.admin.get(&setup.bucket, OBJECT).is_some());
}

#[test]
fn a_waiting_run_takes_over_a_lease_that_expires_while_it_waits() {
    let setup = Setup::new();
    let backend = setup.default_backend();
    // Renewed just now with a 2 s lease, then never again.
    plant_lock(&setup, "runner-7", 4242, 2, 0);
    let options = LockOptions {
        timeout: Duration::from_secs(20),
        ..LockOptions::default()
    };
    let start = Instant::now();
    let lease = backend.lock(request("apply"), &options).unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(lease.taken_over_from().unwrap().who, "bob@runner-7");
    assert!(!lease.lost().load(Ordering::SeqCst));
}

#[test]
fn a_holder_whose_lock_was_force_unlocked_loses_its_lease() {
    let setup = Setup::new();
    let backend = setup.backend("default", json!({"lock_lease": "1s"}));
    let lease = backend
        .lock(request("apply"), &LockOptions::default())
        .unwrap();
    let lost = lease.lost();
    backend.force_unlock(&lease.info().id.clone()).unwrap();
    let start = Instant::now();
    while !lost.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(lost.load(Ordering::SeqCst));
    // Its renewal did not bring the lock back.
    assert!(setup
        .admin
        .get(&setup.bucket, &format!("{OBJECT}.lock"))
        .is_none());
    lease.release().unwrap();
}

/// A new, never-stored state of `lineage`, as `load` would give it.
fn fresh(lineage: &str) -> state::Loaded {
    state::Loaded {
        state: State::new(lineage.to_string()),
        version: VersionToken(None),
        replayed: 0,
    }
}
