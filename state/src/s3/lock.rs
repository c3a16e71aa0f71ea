//! Lease locks on S3 (an object created with `If-None-Match: *`) or in a
//! DynamoDB table (an item created with a conditional `PutItem`).
//!
//! The lock holds a [`LockRecord`]: the holder's [`LockInfo`] plus its lease
//! (how long it is valid without renewal, and when it was last renewed).
//! Every change to it is conditional on the version read (the object's ETag,
//! or the item's whole `Info` text), so that of two processes acting on the
//! same lock exactly one succeeds: creating it, taking it over, renewing it
//! or removing it. A holder renews it every third of its lease from a
//! background thread; when a renewal finds the lock changed, someone took
//! it over and the lease is lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::clock::now_rfc3339;
use crate::lock::{LockInfo, LockRequest};
use crate::store::Lease;
use crate::util::{hostname, pid_alive, uuid_v4};
use crate::StateError;

/// How often a waiting `lock` looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// The content of a lock: [`LockInfo`]'s fields and the lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRecord {
    pub id: String,
    pub who: String,
    pub host: String,
    pub pid: u32,
    pub operation: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// How long the lock stays valid without renewal.
    #[serde(default)]
    pub lease_seconds: u64,
    /// When the holder last renewed it, in seconds since the Unix epoch.
    #[serde(default)]
    pub renewed_unix: u64,
}

impl LockRecord {
    pub fn new(request: LockRequest, lease: Duration) -> LockRecord {
        LockRecord {
            id: uuid_v4(),
            who: request.who,
            host: hostname(),
            pid: std::process::id(),
            operation: request.operation,
            created: now_rfc3339(),
            // A lease shorter than a second still lasts a second: the
            // renewal time is kept in whole seconds.
            lease_seconds: lease.as_secs().max(1),
            renewed_unix: now_unix(),
        }
    }

    /// The holder as the rest of the crate shows it. Going through JSON
    /// keeps this right whichever lease fields `LockInfo` has.
    pub fn info(&self) -> LockInfo {
        let json = serde_json::to_value(self).expect("a lock record is plain data");
        serde_json::from_value(json).expect("a lock record holds every LockInfo field")
    }

    /// True when the holder stopped renewing for its whole lease, or its
    /// process is gone on this host: the lock may be taken over. The lease
    /// compares wall clocks of two machines, so a clock skew shortens or
    /// lengthens it by the skew.
    pub fn abandoned(&self, host: &str, now_unix: u64) -> bool {
        let expired = self.lease_seconds > 0 && now_unix > self.renewed_unix + self.lease_seconds;
        let dead = self.host == host && self.pid != 0 && !pid_alive(self.pid);
        expired || dead
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a lock record is plain data")
    }
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// What a lock holds, as read.
#[derive(Debug, Clone)]
pub enum Held {
    Record(LockRecord),
    /// Not a lock record: never taken over, shown as an unknown holder.
    Unreadable,
}

impl Held {
    pub fn parse(bytes: &[u8]) -> Held {
        serde_json::from_slice(bytes)
            .map(Held::Record)
            .unwrap_or(Held::Unreadable)
    }

    pub fn info(&self) -> LockInfo {
        match self {
            Held::Record(r) => r.info(),
            Held::Unreadable => LockRecord {
                id: "<unreadable>".to_string(),
                who: "an unknown holder (the lock is unreadable)".to_string(),
                host: "unknown".to_string(),
                pid: 0,
                operation: "unknown".to_string(),
                created: "unknown".to_string(),
                lease_seconds: 0,
                renewed_unix: 0,
            }
            .info(),
        }
    }
}

/// Where a lock is kept. Every change is conditional on `tag`, the
/// version of the lock that was read.
pub trait LockStore: Send + Sync {
    /// `s3://bucket/key.lock` or `dynamodb://table/LockID`, for messages.
    fn location(&self) -> String;
    /// Creates the lock if there is none; `None` when there is one.
    fn create(&self, record: &LockRecord) -> Result<Option<String>, StateError>;
    fn read(&self) -> Result<Option<(Held, String)>, StateError>;
    /// Overwrites the lock if it is still at `tag`; `None` when it is not.
    fn replace(&self, tag: &str, record: &LockRecord) -> Result<Option<String>, StateError>;
    /// Removes the lock if it is still at `tag`; false when it is not.
    fn remove(&self, tag: &str) -> Result<bool, StateError>;
}

/// Takes the lock, waiting up to `timeout`, taking over an abandoned one.
pub fn acquire(
    store: Arc<dyn LockStore>,
    request: LockRequest,
    lease: Duration,
    timeout: Duration,
) -> Result<S3Lease, StateError> {
    let mut record = LockRecord::new(request, lease);
    let host = hostname();
    let start = Instant::now();
    loop {
        record.renewed_unix = now_unix();
        if let Some(tag) = store.create(&record)? {
            return Ok(S3Lease::start(store, record, tag, None));
        }
        let Some((held, tag)) = store.read()? else {
            continue; // Released between our create and our read.
        };
        if let Held::Record(holder) = &held {
            // Our own create, answered after a lost reply and retried.
            if holder.id == record.id {
                return Ok(S3Lease::start(store, record, tag, None));
            }
            if holder.abandoned(&host, now_unix()) {
                if let Some(tag) = store.replace(&tag, &record)? {
                    let previous = holder.info();
                    return Ok(S3Lease::start(store, record, tag, Some(previous)));
                }
                continue; // Someone else acted on it first; look again.
            }
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(StateError::Locked {
                path: store.location().into(),
                holder: Box::new(held.info()),
                waited: if timeout.is_zero() {
                    Duration::ZERO
                } else {
                    waited
                },
                stale: false,
            });
        }
        std::thread::sleep(POLL_INTERVAL.min(timeout - waited));
    }
}

/// The holder of the lock, unless there is none or it was abandoned (an
/// unreadable lock counts as held: it is never taken over either).
pub fn live_holder(store: &dyn LockStore) -> Result<Option<LockInfo>, StateError> {
    Ok(match store.read()? {
        Some((Held::Record(holder), _)) if holder.abandoned(&hostname(), now_unix()) => None,
        Some((held, _)) => Some(held.info()),
        None => None,
    })
}

/// Removes the lock if its id is `id`. A live holder's renewals change the
/// lock under us, so a failed condition is read again a few times.
pub fn force_unlock(store: &dyn LockStore, id: &str) -> Result<LockInfo, StateError> {
    let path: std::path::PathBuf = store.location().into();
    for _ in 0..5 {
        let Some((held, tag)) = store.read()? else {
            return Err(StateError::NotLocked { path });
        };
        let holder = held.info();
        if holder.id != id {
            return Err(StateError::LockIdMismatch {
                path,
                given: id.to_string(),
                holder: Box::new(holder),
            });
        }
        if store.remove(&tag)? {
            return Ok(holder);
        }
    }
    Err(StateError::Conflict {
        location: store.location(),
        message: "the lock kept changing while it was being removed".to_string(),
    })
}

/// What the renewal thread shares with the lease.
struct Current {
    record: LockRecord,
    tag: String,
}

/// A held lock, renewed from a background thread until released.
pub struct S3Lease {
    store: Arc<dyn LockStore>,
    info: LockInfo,
    taken_over_from: Option<LockInfo>,
    current: Arc<Mutex<Current>>,
    lost: Arc<AtomicBool>,
    stop: Option<mpsc::Sender<()>>,
    renewer: Option<JoinHandle<()>>,
    released: bool,
}

impl S3Lease {
    fn start(
        store: Arc<dyn LockStore>,
        record: LockRecord,
        tag: String,
        taken_over_from: Option<LockInfo>,
    ) -> S3Lease {
        let info = record.info();
        let lease = Duration::from_secs(record.lease_seconds);
        let current = Arc::new(Mutex::new(Current { record, tag }));
        let lost = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel::<()>();
        let renewer = {
            let (store, current, lost) = (store.clone(), current.clone(), lost.clone());
            std::thread::Builder::new()
                .name("state-s3-lease".to_string())
                .spawn(move || renew_until_stopped(&*store, &current, &lost, lease, &stopped))
                .ok()
        };
        // Without a renewer the lease would expire under a holder that
        // believes it holds it: say at once that it is lost.
        if renewer.is_none() {
            lost.store(true, Ordering::SeqCst);
        }
        S3Lease {
            store,
            info,
            taken_over_from,
            current,
            lost,
            stop: Some(stop),
            renewer,
            released: false,
        }
    }

    fn stop_renewing(&mut self) {
        self.stop.take();
        if let Some(handle) = self.renewer.take() {
            let _ = handle.join();
        }
    }

    fn remove(&mut self) -> Result<(), StateError> {
        self.stop_renewing();
        self.released = true;
        if self.lost.load(Ordering::SeqCst) {
            return Ok(()); // Someone else holds it now: not ours to remove.
        }
        let tag = self
            .current
            .lock()
            .map(|c| c.tag.clone())
            .unwrap_or_default();
        // A failed condition means the lock is no longer ours.
        self.store.remove(&tag).map(|_| ())
    }
}

/// Renews every third of the lease. A lock changed under us was taken
/// over; renewals failing for a whole lease may let someone take it over:
/// both lose the lease.
fn renew_until_stopped(
    store: &dyn LockStore,
    current: &Mutex<Current>,
    lost: &AtomicBool,
    lease: Duration,
    stopped: &mpsc::Receiver<()>,
) {
    let period = (lease / 3).max(Duration::from_millis(100));
    let mut last_renewed = Instant::now();
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(period) {
        let Ok(mut current) = current.lock() else {
            lost.store(true, Ordering::SeqCst);
            return;
        };
        current.record.renewed_unix = now_unix();
        match store.replace(&current.tag, &current.record) {
            Ok(Some(tag)) => {
                current.tag = tag;
                last_renewed = Instant::now();
            }
            Ok(None) => {
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(_) if last_renewed.elapsed() >= lease => {
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(_) => {}
        }
    }
}

impl Lease for S3Lease {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn taken_over_from(&self) -> Option<&LockInfo> {
        self.taken_over_from.as_ref()
    }

    fn lost(&self) -> Arc<AtomicBool> {
        self.lost.clone()
    }

    fn release(mut self: Box<Self>) -> Result<(), StateError> {
        self.remove()
    }
}

impl Drop for S3Lease {
    fn drop(&mut self) {
        if !self.released {
            let _ = self.remove();
        }
    }
}
