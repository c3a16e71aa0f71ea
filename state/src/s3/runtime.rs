//! The S3 backend's own tokio runtime, behind a synchronous call.
//!
//! The [`crate::store::Backend`] trait is synchronous, and the CLI calls it
//! from inside its own multi-threaded runtime, where `Runtime::block_on`
//! (and dropping a runtime) panics. So every SDK call is spawned onto this
//! small dedicated runtime and the calling thread waits for the answer on a
//! plain channel, which is allowed anywhere; the runtime is shut down in the
//! background when the last user drops it, which is allowed anywhere too.

use std::future::Future;
use std::sync::mpsc;

use tokio::runtime::Runtime;

use crate::StateError;

pub struct Rt {
    runtime: Option<Runtime>,
}

impl Rt {
    pub fn new() -> Result<Rt, StateError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("state-s3")
            .enable_all()
            .build()
            .map_err(|e| StateError::Refused {
                message: format!("Could not start the S3 backend's runtime: {e}. Try again."),
            })?;
        Ok(Rt {
            runtime: Some(runtime),
        })
    }

    /// Runs `future` on the backend's runtime and waits for its output.
    pub fn run<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        runtime.spawn(async move {
            let _ = tx.send(future.await);
        });
        // The task only ends without sending if it panicked; carry the
        // panic over to the caller as the SDK call would have.
        rx.recv()
            .expect("an S3 backend request panicked on the backend's runtime")
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
