//! Locking of a workspace's state, so that two operations never write it
//! at the same time.
//!
//! The lock is the file `.stack/<ws>.lock`, created with O_EXCL
//! (`create_new`), which is atomic on local file systems: of two processes
//! racing, exactly one creates it. It holds the holder's [`LockInfo`] as
//! JSON, so that whoever is refused can see who holds it and since when.
//!
//! A lock is a lease: its holder renews it (`renewed_unix`) every third of
//! its lease ([`crate::store::LocalLease`]). A lock that was not renewed
//! for its whole lease, or whose process is gone on this host, is taken
//! over, and the caller warns about it naming the previous holder: a killed
//! run never leaves a stack locked. A dead pid is certain (a reused pid can
//! only make a dead holder look alive, which costs a wait for the lease,
//! never a wrongly broken lock). A lock file that cannot be read is never
//! taken over.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::backend::LocalBackend;
use crate::clock::now_rfc3339;
use crate::util::{ensure_dir, hostname, pid_alive, username, uuid_v4, write_atomic};
use crate::StateError;

/// How often a waiting `lock` retries.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// What the caller is about to do, shown to anyone it blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    /// E.g. `apply`, `plan`, `state mv`.
    pub operation: String,
    /// Who is operating, as `user@host`.
    pub who: String,
}

impl LockRequest {
    /// A request by the current user on this host.
    pub fn new(operation: impl Into<String>) -> LockRequest {
        LockRequest {
            operation: operation.into(),
            who: format!("{}@{}", username(), hostname()),
        }
    }
}

/// The content of a lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Random id; `force-unlock` must name it, so that one never removes a
    /// lock other than the one they looked at.
    pub id: String,
    pub who: String,
    pub host: String,
    pub pid: u32,
    pub operation: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// How long the lock stays valid without renewal; 0 (locks written by
    /// older versions) never expires.
    #[serde(default)]
    pub lease_seconds: u64,
    /// When the holder last renewed it, in seconds since the Unix epoch.
    #[serde(default)]
    pub renewed_unix: u64,
}

impl LockInfo {
    /// True when the holder stopped renewing its lease, or its process is
    /// gone on this host: the lock may be taken over.
    pub fn abandoned(&self, host: &str, now_unix: u64) -> bool {
        let expired = self.lease_seconds > 0 && now_unix > self.renewed_unix + self.lease_seconds;
        let dead = self.host == host && self.pid != 0 && !pid_alive(self.pid);
        expired || dead
    }
}

impl LockInfo {
    /// Stands for a lock file that exists but cannot be parsed (being
    /// written right now, or damaged).
    fn unreadable() -> LockInfo {
        let unknown = || "unknown".to_string();
        LockInfo {
            id: "<unreadable>".to_string(),
            who: "an unknown holder (the lock file is unreadable)".to_string(),
            host: unknown(),
            pid: 0,
            operation: unknown(),
            created: unknown(),
            lease_seconds: 0,
            renewed_unix: 0,
        }
    }
}

/// Holds the lock; removes the lock file when dropped.
#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
    info: LockInfo,
    released: bool,
    taken_over_from: Option<LockInfo>,
}

impl LockGuard {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// A guard that holds nothing (a placeholder after a lease hands its
    /// real guard over for release).
    pub(crate) fn detached() -> LockGuard {
        LockGuard {
            path: PathBuf::new(),
            info: LockInfo::unreadable(),
            released: true,
            taken_over_from: None,
        }
    }

    /// The holder of the abandoned lock this one replaced.
    pub fn taken_over_from(&self) -> Option<&LockInfo> {
        self.taken_over_from.as_ref()
    }

    /// Renews the lease: rewrites the lock with the current time if it is
    /// still ours. `Ok(false)` when someone else holds it now.
    pub fn renew(&mut self) -> Result<bool, StateError> {
        match read_holder(&self.path)? {
            Some(holder) if holder.id == self.info.id => {
                self.info.renewed_unix = now_unix();
                write_atomic(&self.path, &lock_bytes(&self.info)?, None)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Releases the lock now, reporting a failure that `drop` would have to
    /// ignore.
    pub fn release(mut self) -> Result<(), StateError> {
        self.released = true;
        remove_if_ours(&self.path, &self.info.id)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if !self.released {
            let _ = remove_if_ours(&self.path, &self.info.id);
        }
    }
}

/// Removes the lock file only if it still holds `id`: after a force-unlock
/// someone else may hold the lock now, and their lock is not ours to remove.
fn remove_if_ours(path: &Path, id: &str) -> Result<(), StateError> {
    match read_holder(path)? {
        Some(holder) if holder.id == id => match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StateError::io("remove the lock", path, e)),
        },
        _ => Ok(()),
    }
}

fn lock_bytes(info: &LockInfo) -> Result<Vec<u8>, StateError> {
    let mut content =
        serde_json::to_vec_pretty(info).map_err(|e| StateError::corrupt(e.to_string()))?;
    content.push(b'\n');
    Ok(content)
}

/// Seconds since the Unix epoch.
pub(crate) fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The holder of the lock at `path`, `None` if there is no lock.
fn read_holder(path: &Path) -> Result<Option<LockInfo>, StateError> {
    // The holder writes its info just after creating the file, so a reader
    // can catch it empty; a few short retries get past that window.
    for attempt in 0..5 {
        match fs::read(path) {
            Ok(bytes) => {
                if let Ok(info) = serde_json::from_slice::<LockInfo>(&bytes) {
                    return Ok(Some(info));
                }
                if attempt == 4 {
                    return Ok(Some(LockInfo::unreadable()));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("read the lock", path, e)),
        }
    }
    Ok(Some(LockInfo::unreadable()))
}

impl LocalBackend {
    /// The live holder of the workspace's lock, if any (see
    /// [`crate::Backend::lock_holder`]).
    pub fn live_lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        let holder = read_holder(&self.lock_path())?;
        Ok(holder.filter(|h| !h.abandoned(&crate::util::hostname(), now_unix())))
    }

    /// Takes the workspace's lock with the default lease. If it is held,
    /// fails at once when `timeout` is zero, else retries until `timeout`
    /// has passed; the error names the holder. An abandoned lock is taken
    /// over.
    pub fn lock(&self, request: LockRequest, timeout: Duration) -> Result<LockGuard, StateError> {
        let options = crate::store::LockOptions {
            timeout,
            ..Default::default()
        };
        self.take_lock(request, &options)
    }

    /// Takes the lock; [`LockGuard::taken_over_from`] names the holder of an
    /// abandoned lock it replaced.
    pub fn take_lock(
        &self,
        request: LockRequest,
        options: &crate::store::LockOptions,
    ) -> Result<LockGuard, StateError> {
        ensure_dir(&self.state_dir())?;
        let path = self.lock_path();
        let host = hostname();
        let info = LockInfo {
            id: uuid_v4(),
            who: request.who,
            host: host.clone(),
            pid: std::process::id(),
            operation: request.operation,
            created: now_rfc3339(),
            lease_seconds: options.lease.as_secs().max(1),
            renewed_unix: now_unix(),
        };
        let content = lock_bytes(&info)?;
        let start = Instant::now();
        let mut taken_over_from = None;
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    if let Err(e) = file.write_all(&content) {
                        drop(file);
                        let _ = fs::remove_file(&path);
                        return Err(StateError::io("write the lock", &path, e));
                    }
                    return Ok(LockGuard {
                        path,
                        info,
                        released: false,
                        taken_over_from,
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    // The holder may have released it since we tried.
                    let Some(holder) = read_holder(&path)? else {
                        continue;
                    };
                    if holder.abandoned(&host, now_unix()) {
                        remove_if_ours(&path, &holder.id)?;
                        taken_over_from = Some(holder);
                        continue;
                    }
                    let waited = start.elapsed();
                    if waited >= options.timeout {
                        return Err(StateError::Locked {
                            path,
                            holder: Box::new(holder),
                            waited: if options.timeout.is_zero() {
                                Duration::ZERO
                            } else {
                                waited
                            },
                            stale: false,
                        });
                    }
                    std::thread::sleep(POLL_INTERVAL.min(options.timeout - waited));
                }
                Err(e) => return Err(StateError::io("create the lock", &path, e)),
            }
        }
    }

    /// Removes the lock if its id is `id`, returning who held it. Refuses
    /// otherwise, so that one never removes a lock taken after they looked.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let path = self.lock_path();
        let Some(holder) = read_holder(&path)? else {
            return Err(StateError::NotLocked { path });
        };
        if holder.id != id {
            return Err(StateError::LockIdMismatch {
                path,
                given: id.to_string(),
                holder: Box::new(holder),
            });
        }
        match fs::remove_file(&path) {
            Ok(()) => Ok(holder),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(StateError::NotLocked { path }),
            Err(e) => Err(StateError::io("remove the lock", &path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(op: &str) -> LockRequest {
        LockRequest {
            operation: op.to_string(),
            who: "alice@box".to_string(),
        }
    }

    #[test]
    fn the_lock_holder_is_seen_without_taking_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        assert_eq!(b.live_lock_holder().unwrap(), None);
        let guard = b.lock(req("apply"), Duration::ZERO).unwrap();
        let holder = b.live_lock_holder().unwrap().expect("held");
        assert_eq!(
            (holder.who.as_str(), holder.id.as_str()),
            ("alice@box", guard.info().id.as_str())
        );
        assert!(b.lock_path().exists(), "looking leaves the lock alone");
        drop(guard);
        assert_eq!(b.live_lock_holder().unwrap(), None);
        // A holder that stopped renewing its lease is no holder.
        let mut dead = holder.clone();
        dead.renewed_unix = 1;
        fs::write(b.lock_path(), serde_json::to_vec(&dead).unwrap()).unwrap();
        assert_eq!(b.live_lock_holder().unwrap(), None);
    }

    #[test]
    fn second_lock_fails_fast_with_holder_info() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        let guard = b.lock(req("apply"), Duration::ZERO).unwrap();
        let start = Instant::now();
        let err = b.lock(req("plan"), Duration::ZERO).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(1));
        let msg = err.to_string();
        let info = guard.info();
        for part in [
            info.id.as_str(),
            "alice@box",
            "\"apply\"",
            info.created.as_str(),
            &format!("pid {}", info.pid),
            "stack force-unlock",
        ] {
            assert!(msg.contains(part), "{part} missing from: {msg}");
        }
        // Our own pid is alive, so the lock is not called stale.
        assert!(
            matches!(err, StateError::Locked { stale: false, .. }),
            "{msg}"
        );
        drop(guard);
        assert!(!b.lock_path().exists());
        assert!(b.lock(req("plan"), Duration::ZERO).is_ok());
    }

    #[test]
    fn waits_then_succeeds_when_released() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        let guard = b.lock(req("apply"), Duration::ZERO).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            guard.release().unwrap();
        });
        let start = Instant::now();
        let second = b.lock(req("plan"), Duration::from_secs(10)).unwrap();
        assert!(start.elapsed() >= Duration::from_millis(250));
        assert_eq!(second.info().operation, "plan");
        releaser.join().unwrap();
    }

    #[test]
    fn waiting_times_out_with_holder_info() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        let _guard = b.lock(req("apply"), Duration::ZERO).unwrap();
        let err = b.lock(req("plan"), Duration::from_millis(250)).unwrap_err();
        assert!(err.to_string().contains("after waiting"), "{err}");
    }

    #[test]
    fn force_unlock_needs_the_right_id() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        let guard = b.lock(req("apply"), Duration::ZERO).unwrap();
        let err = b.force_unlock("not-the-id").unwrap_err();
        assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
        assert!(err.to_string().contains(&guard.info().id), "{err}");
        assert!(b.lock_path().exists());

        let holder = b.force_unlock(&guard.info().id.clone()).unwrap();
        assert_eq!(holder.operation, "apply");
        assert!(!b.lock_path().exists());
        // Someone else takes the lock; the old guard must not remove it.
        let other = b.lock(req("plan"), Duration::ZERO).unwrap();
        drop(guard);
        assert!(b.lock_path().exists());
        drop(other);
        let err = b.force_unlock("x").unwrap_err();
        assert!(matches!(err, StateError::NotLocked { .. }), "{err}");
    }

    #[test]
    fn a_dead_holder_on_this_host_is_taken_over_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        fs::create_dir_all(b.state_dir()).unwrap();
        // A pid far above any pid_max is certainly not running.
        let info = LockInfo {
            id: "dead-1".into(),
            who: "bob@box".into(),
            host: hostname(),
            pid: 999_999_999,
            operation: "apply".into(),
            created: "2024-01-01T00:00:00Z".into(),
            lease_seconds: 0,
            renewed_unix: 0,
        };
        fs::write(b.lock_path(), serde_json::to_vec(&info).unwrap()).unwrap();
        let guard = b.lock(req("plan"), Duration::ZERO).unwrap();
        assert_eq!(
            guard.taken_over_from().map(|h| h.id.as_str()),
            Some("dead-1")
        );
        assert_eq!(
            read_holder(&b.lock_path()).unwrap().unwrap().id,
            guard.info().id
        );
    }

    #[test]
    fn an_expired_lease_is_taken_over_and_its_holder_loses_it() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        let short = crate::store::LockOptions {
            timeout: Duration::ZERO,
            lease: Duration::from_secs(1),
        };
        let mut first = b.take_lock(req("apply"), &short).unwrap();
        // Alive but not renewing: after its lease, the lock is free to take.
        assert!(b.take_lock(req("plan"), &short).is_err());
        std::thread::sleep(Duration::from_millis(2100));
        let second = b.take_lock(req("plan"), &short).unwrap();
        assert_eq!(
            second.taken_over_from().map(|h| h.id.clone()),
            Some(first.info().id.clone())
        );
        assert!(
            !first.renew().unwrap(),
            "the first holder learns it lost the lock"
        );
        drop(first);
        assert!(
            b.lock_path().exists(),
            "the first holder does not remove the new lock"
        );
    }

    #[test]
    fn a_renewed_lease_is_not_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path(), "default").unwrap();
        let short = crate::store::LockOptions {
            timeout: Duration::ZERO,
            lease: Duration::from_secs(2),
        };
        let mut holder = b.take_lock(req("apply"), &short).unwrap();
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(1000));
            assert!(holder.renew().unwrap());
        }
        assert!(matches!(
            b.take_lock(req("plan"), &short),
            Err(StateError::Locked { .. })
        ));
    }

    #[test]
    fn request_new_names_user_at_host() {
        let r = LockRequest::new("apply");
        assert!(r.who.contains('@'), "{}", r.who);
        assert_eq!(r.operation, "apply");
    }
}
