//! The pool that index work (searches, look-ups, writes) runs on: blocking
//! threads, at most a fixed number at once, taken in the order requests ask.
//!
//! Searching is CPU-bound. Running every admitted request at once, as many as
//! there are connections, only time-slices the cores between them: each one
//! then takes as long as all of them together, and a slow query drags the
//! whole tail with it. With a few workers per core a request waits its turn in
//! a fair queue and then runs with the core nearly to itself, so its latency
//! is the queue ahead of it plus its own time. The default is Elasticsearch's
//! for its search pool, one and a half per core plus one: exactly one per core
//! leaves cores idle whenever a worker waits on memory-mapped index pages or
//! the async threads that read and write the sockets take a turn (the
//! measurements behind this choice are in docs/performance.md).

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::error::{ApiError, Result};

/// Runs index work on at most `count` blocking threads at once.
#[derive(Clone)]
pub struct IndexWorkers {
    permits: Arc<Semaphore>,
}

impl IndexWorkers {
    /// A pool of `count` workers (at least one).
    pub fn new(count: usize) -> Self {
        IndexWorkers { permits: Arc::new(Semaphore::new(count.max(1))) }
    }

    /// One and a half workers per core, plus one.
    pub fn default_count() -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        cores * 3 / 2 + 1
    }

    /// Waits for a free worker, then runs `work` on a blocking thread. The
    /// worker stays taken until `work` ends, even when the request that asked
    /// for it has timed out and gone.
    pub async fn run<T, E>(&self, work: impl FnOnce() -> std::result::Result<T, E> + Send + 'static) -> Result<T>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|error| ApiError::Internal(format!("index workers closed: {error}")))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work().map_err(Into::into)
        })
        .await
        .map_err(|error| ApiError::Internal(format!("index work failed: {error}")))?
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_work_runs_at_once_than_there_are_workers() {
        let workers = IndexWorkers::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (workers, running, most) = (workers.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    workers
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                            Ok::<_, ApiError>(())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_worker_is_held_until_abandoned_work_ends() {
        let workers = IndexWorkers::new(1);
        let abandoned = tokio::spawn({
            let workers = workers.clone();
            async move {
                workers
                    .run(|| {
                        std::thread::sleep(Duration::from_millis(200));
                        Ok::<_, ApiError>(())
                    })
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        abandoned.abort();
        let waited = tokio::time::timeout(Duration::from_millis(50), workers.run(|| Ok::<_, ApiError>(()))).await;
        assert!(waited.is_err(), "the second piece of work ran while the first still held the only worker");
        workers.run(|| Ok::<_, ApiError>(())).await.unwrap();
    }
}
