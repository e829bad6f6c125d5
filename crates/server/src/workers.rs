//! The pool that index work (searches, look-ups, writes) runs on: a fixed
//! number of threads taking work from one queue, in the order requests ask.
//!
//! Searching is CPU-bound. Running every admitted request at once, as many as
//! there are connections, only time-slices the cores between them: each one
//! then takes as long as all of them together, and a slow query drags the
//! whole tail with it. With about one worker per core a request waits its
//! turn in a fair queue and then runs with the core nearly to itself, so its
//! latency is the queue ahead of it plus its own time.
//!
//! The threads are the pool's own, taking the next request straight from the
//! queue. On tokio's blocking threads behind a semaphore, a thread that
//! finished one search would wait for an async thread to wake, take the freed
//! permit and hand it the next: two thread wake-ups per request, and cores
//! idle between searches unless there were half as many workers again as
//! cores. Without that wait, one worker more than there are cores keeps them
//! busy while the async threads read and write the sockets; more workers only
//! time-slice the searches and lengthen the tail (docs/performance.md).

use std::panic::{catch_unwind, AssertUnwindSafe};

use tokio::sync::oneshot;

use crate::error::{ApiError, Result};

/// A piece of index work, bound to the channel its answer goes back on.
type Job = Box<dyn FnOnce() + Send>;

/// Runs index work on a fixed number of threads, in the order it is asked for.
#[derive(Clone)]
pub struct IndexWorkers {
    queue: crossbeam_channel::Sender<Job>,
}

impl IndexWorkers {
    /// A pool of `count` workers (at least one); they end when the last
    /// handle on the pool is dropped.
    pub fn new(count: usize) -> Self {
        let (queue, jobs) = crossbeam_channel::unbounded::<Job>();
        for number in 0..count.max(1) {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("hoshin-index-{number}"))
                .spawn(move || {
                    for job in jobs {
                        // A panic ends only its own piece of work: its answer is dropped unsent.
                        let _ = catch_unwind(AssertUnwindSafe(job));
                    }
                })
                .expect("an index worker thread starts");
        }
        IndexWorkers { queue }
    }

    /// One worker per core, plus one.
    pub fn default_count() -> usize {
        std::thread::available_parallelism().map_or(1, usize::from) + 1
    }

    /// Queues `work` for the next free worker and waits for its answer. The
    /// worker runs it to the end even when the request that asked for it has
    /// timed out and gone.
    pub async fn run<T, E>(&self, work: impl FnOnce() -> std::result::Result<T, E> + Send + 'static) -> Result<T>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work().map_err(Into::into));
        });
        self.queue.send(job).map_err(|_| ApiError::Internal("index workers closed".to_string()))?;
        answered.await.map_err(|_| ApiError::Internal("index work failed".to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
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

    #[tokio::test]
    async fn work_that_panics_fails_its_request_and_leaves_the_worker() {
        let workers = IndexWorkers::new(1);
        let failed = workers.run(|| -> std::result::Result<(), ApiError> { panic!("a bug in index work") }).await;
        assert!(matches!(failed, Err(ApiError::Internal(_))), "{failed:?}");
        workers.run(|| Ok::<_, ApiError>(())).await.unwrap();
    }
}
