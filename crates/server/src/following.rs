//! A node of a fleet: PostgreSQL (`hoshin-store`) is the record of what the
//! API writes, and this node, like every other, applies the store's batches
//! to its own local generation in commit order, whichever node took the write.
//!
//! [`follow_store`] runs for as long as the server does: it reads what the
//! served generation lacks, applies it in one commit per read, and waits for
//! the next append, woken by `LISTEN/NOTIFY`, by a write of this node, or by
//! [`POLL_INTERVAL`] should a notification be lost. A write through this node
//! is answered once the store has committed it, and once this node has
//! applied it, with its position: a client that searches another node with
//! `?after=POSITION` sees it there too ([`Following::wait_applied`]).
//!
//! While the store cannot be reached, searches go on from the local index
//! and writes answer 503; the follower retries and goes on where it stopped.
//! A node whose last applied batch is no longer the store's (after a
//! failover to a standby that lacked it) rebuilds from the seeds and the
//! store rather than serve another history.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoshin_indexer::journal::oversize;
use hoshin_indexer::writer::Applied;
use hoshin_indexer::{Batch, DocumentWriter, IndexerError, StoredLog};
use hoshin_store::{Store, StoreError, StoredBatch};
use tokio::runtime::Handle;
use tokio::sync::{watch, Notify};

use crate::error::{ApiError, Result};
use crate::live::Live;

/// How often the follower asks the store when no notification comes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Batches read and applied in one commit.
const BATCHES_PER_COMMIT: usize = 100;

/// How long the follower waits before asking an unreachable store again.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// A node's link to its store and how far it has followed it.
pub struct Following {
    store: Store,
    /// The runtime the store's connections live on, for the blocking threads
    /// that catch a new generation up.
    runtime: Handle,
    /// The position the served generation has applied.
    applied: watch::Sender<u64>,
    /// The last position the store was seen to hold.
    head: AtomicU64,
    /// Whether the node has applied everything the store held at some moment
    /// since it started: until then it is not ready to serve.
    caught_up: AtomicBool,
    /// Whether the store answered the last time it was asked.
    reachable: AtomicBool,
    /// Wakes the follower when a write of this node was committed.
    wake: Notify,
}

impl std::fmt::Debug for Following {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Following").field("store", &self.store.described()).finish_non_exhaustive()
    }
}

/// Where a node stands with its store, for `/api/health` and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreProgress {
    /// Whether everything the store held once since the start is applied.
    pub caught_up: bool,
    /// Whether the store answered the last time it was asked.
    pub reachable: bool,
    /// The position the served generation has applied.
    pub applied: u64,
    /// The last position the store was seen to hold.
    pub head: u64,
}

impl StoreProgress {
    /// Positions the store holds that the served generation has not applied.
    pub fn lag(&self) -> u64 {
        self.head - self.applied
    }
}

impl Following {
    /// Connects to the store at `url` (the password, when the store asks for
    /// one, from `password`), migrating its schema; on the current runtime.
    pub async fn connect(url: &str, password: Option<&str>) -> Result<Arc<Following>> {
        let store = Store::open(url, password).await?;
        tracing::info!(store = store.described(), "following the store");
        Ok(Arc::new(Following {
            store,
            runtime: Handle::current(),
            applied: watch::Sender::new(0),
            head: AtomicU64::new(0),
            caught_up: AtomicBool::new(false),
            reachable: AtomicBool::new(true),
            wake: Notify::new(),
        }))
    }

    /// Appends a batch to the store, committed when this returns: its position.
    pub(crate) async fn append(&self, batch: &Batch) -> Result<u64> {
        if let Some(reason) = oversize(batch) {
            return Err(IndexerError::OverBounds(reason).into());
        }
        let position = self.store.append(batch).await.inspect_err(|error| self.note(error))?;
        self.head.fetch_max(position, Ordering::Relaxed);
        self.wake.notify_one();
        Ok(position)
    }

    /// Waits until the served generation has applied everything the store
    /// holds now, at most `patience`: for a write that decides by what the
    /// index holds (a delete of what exists, an import replacing earlier
    /// items), which must not decide by what another node wrote before.
    pub(crate) async fn wait_caught_up(&self, patience: Duration) -> Result<()> {
        let head = self.store.head().await.inspect_err(|error| self.note(error))?;
        self.head.fetch_max(head, Ordering::Relaxed);
        match self.wait_applied(head, patience).await {
            true => Ok(()),
            false => Err(ApiError::Behind { applied: *self.applied.borrow(), wanted: head }),
        }
    }

    /// Waits until the served generation has applied `position`, at most
    /// `patience`: whether it has.
    pub(crate) async fn wait_applied(&self, position: u64, patience: Duration) -> bool {
        let mut applied = self.applied.subscribe();
        tokio::time::timeout(patience, applied.wait_for(|applied| *applied >= position))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }

    /// Where the node stands.
    pub fn progress(&self) -> StoreProgress {
        let applied = *self.applied.borrow();
        StoreProgress {
            caught_up: self.caught_up.load(Ordering::Relaxed),
            reachable: self.reachable.load(Ordering::Relaxed),
            applied,
            head: self.head.load(Ordering::Relaxed).max(applied),
        }
    }

    /// Records that the served generation has applied `position`.
    pub(crate) fn mark_applied(&self, position: u64) {
        self.applied.send_replace(position);
    }

    /// Applies the store's batches to `writer`, from `applied` on, until it
    /// has everything the store holds: for a generation before it is served.
    /// Blocks; call it from a thread that may block, never from the runtime.
    pub(crate) fn catch_up(&self, writer: &DocumentWriter, mut applied: Applied) -> Result<Applied> {
        loop {
            let batches = self.runtime.block_on(self.store.after(&applied, BATCHES_PER_COMMIT))?;
            let Some(reached) = reached_by(&batches) else { return Ok(applied) };
            writer.apply_stored(batches.iter().map(|stored| &stored.batch), &reached)?;
            applied = reached;
        }
    }

    /// Keeps what an error says of the store's reachability, and logs it:
    /// the store going away once, anything else every time.
    fn note(&self, error: &StoreError) {
        match error {
            StoreError::Unavailable(_) | StoreError::OutcomeUnknown(_) => {
                if self.reachable.swap(false, Ordering::Relaxed) {
                    tracing::warn!(store = self.store.described(), %error, "the store is unavailable; searching goes on, writes are refused");
                }
            }
            other => tracing::error!(store = self.store.described(), error = %other, "the store refused"),
        }
    }

    fn reached(&self) {
        if !self.reachable.swap(true, Ordering::Relaxed) {
            tracing::info!(store = self.store.described(), "the store is available again");
        }
    }
}

/// Applies the store's batches to `live`'s served generation as they come,
/// for as long as the runtime runs. Does nothing for a server without a store.
pub async fn follow_store(live: Arc<Live>) {
    let Some(following) = live.following() else { return };
    let mut listener = None;
    loop {
        if listener.is_none() {
            listener = following.store.listen().await.inspect_err(|error| following.note(error)).ok();
        }
        let applied = live.applied_from_store();
        match following.store.after(&applied, BATCHES_PER_COMMIT).await {
            Ok(batches) if batches.is_empty() => {
                following.reached();
                following.head.fetch_max(applied.position, Ordering::Relaxed);
                if !following.caught_up.swap(true, Ordering::Relaxed) {
                    tracing::info!(applied = applied.position, "caught up with the store");
                }
                let heard = async {
                    match listener.as_mut() {
                        Some(listener) => listener.heard().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    heard = heard => if !heard { listener = None },
                    () = following.wake.notified() => {}
                    () = tokio::time::sleep(POLL_INTERVAL) => {}
                }
            }
            Ok(batches) => {
                following.reached();
                // Behind: how far, for /api/health and the metrics.
                let head = following.store.head().await.unwrap_or_default();
                following.head.fetch_max(head.max(batches.last().map_or(0, |last| last.position)), Ordering::Relaxed);
                let live = live.clone();
                match tokio::task::spawn_blocking(move || live.apply_stored(&applied, &batches)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => {
                        tracing::error!(%error, "applying the store's batches failed; retrying");
                        tokio::time::sleep(RETRY_AFTER).await;
                    }
                    // A panic, already printed.
                    Err(_) => tokio::time::sleep(RETRY_AFTER).await,
                }
            }
            Err(StoreError::Diverged { position }) => {
                tracing::error!(position, "the store no longer holds the batch this node applied last; rebuilding from the seeds and the store");
                let live = live.clone();
                if let Ok(Err(error)) = tokio::task::spawn_blocking(move || live.rebuild_from_store()).await {
                    tracing::error!(%error, "rebuilding from the store failed; retrying");
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
            Err(error) => {
                following.note(&error);
                listener = None;
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}

/// How far a generation is once it has applied `batches`, read in order.
pub(crate) fn reached_by(batches: &[StoredBatch]) -> Option<Applied> {
    batches.last().map(StoredBatch::applied)
}

/// A build of a node of a fleet replays the store.
impl StoredLog for Following {
    fn after(&self, applied: &Applied, limit: usize) -> hoshin_indexer::Result<Vec<(Batch, Applied)>> {
        let batches = self.runtime.block_on(self.store.after(applied, limit));
        let batches = batches.map_err(|error| IndexerError::Store(error.to_string()))?;
        Ok(batches
            .into_iter()
            .map(|stored| {
                let reached = stored.applied();
                (stored.batch, reached)
            })
            .collect())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => ApiError::StoreUnavailable(reason),
            StoreError::OutcomeUnknown(reason) => ApiError::WriteOutcomeUnknown(reason),
            other => ApiError::Internal(other.to_string()),
        }
    }
}
