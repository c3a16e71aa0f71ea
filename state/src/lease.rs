//! The local backend's lease: the lock file renewed from a background
//! thread while it is held.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::lock::{LockGuard, LockInfo};
use crate::store::Lease;
use crate::StateError;

pub struct LocalLease {
    guard: Arc<Mutex<LockGuard>>,
    info: LockInfo,
    taken_over_from: Option<LockInfo>,
    lost: Arc<AtomicBool>,
    stop: Option<mpsc::Sender<()>>,
    renewer: Option<JoinHandle<()>>,
}

impl LocalLease {
    /// Starts renewing `guard` every third of `lease`.
    pub fn start(guard: LockGuard, lease: Duration) -> LocalLease {
        let info = guard.info().clone();
        let taken_over_from = guard.taken_over_from().cloned();
        let guard = Arc::new(Mutex::new(guard));
        let lost = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel::<()>();
        let period = (lease / 3).max(Duration::from_millis(100));
        let (for_thread, lost_flag) = (guard.clone(), lost.clone());
        let renewer = std::thread::Builder::new()
            .name("state-lock-lease".to_string())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(period) {
                    let renewed = for_thread.lock().map(|mut g| g.renew());
                    if !matches!(renewed, Ok(Ok(true))) {
                        lost_flag.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            })
            .ok();
        LocalLease {
            guard,
            info,
            taken_over_from,
            lost,
            stop: Some(stop),
            renewer,
        }
    }

    fn stop_renewing(&mut self) {
        self.stop.take();
        if let Some(handle) = self.renewer.take() {
            let _ = handle.join();
        }
    }
}

impl Lease for LocalLease {
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
        self.stop_renewing();
        // The guard removes the lock file only if it is still ours.
        match Arc::try_unwrap(std::mem::replace(
            &mut self.guard,
            Arc::new(Mutex::new(LockGuard::detached())),
        )) {
            Ok(guard) => guard
                .into_inner()
                .map_err(|_| StateError::corrupt("the lock guard was poisoned".to_string()))?
                .release(),
            Err(_) => Ok(()),
        }
    }
}

impl Drop for LocalLease {
    fn drop(&mut self) {
        self.stop_renewing();
    }
}
