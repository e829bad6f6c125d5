//! Semantic search for the server: the model loaded once, the vector cache,
//! and the background thread that computes the vectors the served
//! generation lacks (see `hoshin_indexer::vectors`).
//!
//! The server never waits for vectors: it answers by words alone for items
//! whose vector is not computed yet, and `/api/health` says how far the
//! computing is (`vectors`). Writes, switches of generation and the start
//! wake the thread; each batch it computes is found by the engine at once.
//! Without a usable model file the server starts all the same, lexical only,
//! and says why in the log and in `/api/health`.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use hoshin_embed::Embedder;
use hoshin_indexer::IndexLayout;
use hoshin_search::{Meaning, SearchEngine};

use crate::answers::{VectorState, VectorStatus};
use crate::live::Live;

/// How often a fill makes the vectors computed so far searchable.
const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// Query vectors kept by default (see `hoshin_search::Meaning`).
pub const DEFAULT_QUERY_VECTORS: usize = 1024;

/// Where semantic search gets its model and vectors.
#[derive(Clone)]
pub enum MeaningConfig {
    /// Loads the model file, and keeps the vectors in the index root's cache.
    Load {
        /// The e5 model file (`hoshin_embed::Embedder::default_path`).
        model: PathBuf,
        /// How many queries' vectors to keep; 0 embeds every query anew.
        query_vectors: usize,
    },
    /// Uses a model and cache loaded already: one load for several servers
    /// in one process, as the tests run them.
    Shared(Arc<Meaning>),
    /// Words only.
    Off,
}

impl Default for MeaningConfig {
    fn default() -> Self {
        MeaningConfig::Load { model: Embedder::default_path(), query_vectors: DEFAULT_QUERY_VECTORS }
    }
}

impl std::fmt::Debug for MeaningConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MeaningConfig::Load { model, query_vectors } => {
                formatter.debug_struct("Load").field("model", model).field("query_vectors", query_vectors).finish()
            }
            MeaningConfig::Shared(_) => formatter.write_str("Shared"),
            MeaningConfig::Off => formatter.write_str("Off"),
        }
    }
}

impl MeaningConfig {
    /// The model and cache this configuration gives for `layout`, or why there are none.
    pub fn load(&self, layout: &IndexLayout) -> Result<Arc<Meaning>, String> {
        let (model, query_vectors) = match self {
            MeaningConfig::Load { model, query_vectors } => (model, *query_vectors),
            MeaningConfig::Shared(meaning) => return Ok(meaning.clone()),
            MeaningConfig::Off => return Err("semantic search is turned off".into()),
        };
        let (embedder, cache) =
            Embedder::load_with_cache(model, &layout.vector_cache_path()).map_err(|error| error.to_string())?;
        Ok(Arc::new(Meaning::new(Arc::new(embedder), Arc::new(cache), query_vectors)))
    }
}

/// The model and cache, if they loaded, and the background computing.
pub(crate) struct Vectors {
    meaning: Result<Arc<Meaning>, String>,
    progress: Mutex<Progress>,
    wake: Condvar,
}

#[derive(Default)]
struct Progress {
    /// Work was asked for since the thread last looked.
    wanted: bool,
    /// The thread is computing.
    running: bool,
    /// Why the last computing failed.
    failure: Option<String>,
}

impl Vectors {
    /// Loads the model and opens the cache of `layout`; either failing
    /// leaves semantic search off, logged.
    pub(crate) fn load(config: &MeaningConfig, layout: &IndexLayout) -> Vectors {
        let meaning = config.load(layout);
        if let Err(reason) = &meaning {
            tracing::warn!(%reason, "semantic search is off; searching by words only");
        }
        Vectors { meaning, progress: Mutex::default(), wake: Condvar::new() }
    }

    /// The model and cache, when semantic search is on.
    pub(crate) fn meaning(&self) -> Option<Arc<Meaning>> {
        self.meaning.as_ref().ok().cloned()
    }

    /// Asks the thread to compute what the served generation lacks.
    pub(crate) fn wake(&self) {
        self.lock().wanted = true;
        self.wake.notify_one();
    }

    /// Where semantic search stands for `engine`.
    pub(crate) fn status(&self, engine: &SearchEngine) -> VectorStatus {
        let (embedded, items) = engine.vector_count();
        let progress = self.lock();
        let (state, reason) = match (&self.meaning, &progress.failure) {
            (Err(reason), _) => (VectorState::Off, Some(reason.clone())),
            (Ok(_), Some(failure)) if !progress.running => (VectorState::Failed, Some(failure.clone())),
            _ if embedded < items => (VectorState::Embedding, None),
            _ => (VectorState::Ready, None),
        };
        VectorStatus { state, embedded, items, reason }
    }

    /// Starts the thread computing for `live`, until `live` is dropped.
    pub(crate) fn start(&self, live: Weak<Live>) -> std::io::Result<()> {
        if self.meaning.is_err() {
            return Ok(());
        }
        self.wake();
        std::thread::Builder::new().name("hoshin-vectors".into()).spawn(move || compute(live)).map(drop)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Background embedding takes half the cores, rounded up: searches keep the rest.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from).div_ceil(2)
}

/// The thread's loop: waits to be woken, then fills the served generation's vectors.
fn compute(live: Weak<Live>) {
    loop {
        let Some(strong) = live.upgrade() else { return };
        let vectors = strong.vectors();
        {
            let mut progress = vectors.lock();
            while !progress.wanted {
                // Wakes now and then to notice that the server is gone.
                let waited = vectors.wake.wait_timeout(progress, Duration::from_secs(1));
                progress = waited.unwrap_or_else(PoisonError::into_inner).0;
                if !progress.wanted && live.strong_count() == 1 {
                    return;
                }
            }
            progress.wanted = false;
            progress.running = true;
        }
        let Some(meaning) = vectors.meaning() else { return };
        let serving = strong.serving();
        // Each refresh looks up every item's vector, so a large fill shows its
        // progress now and then rather than after every batch.
        let mut refreshed = Instant::now();
        let outcome = hoshin_indexer::vectors::fill(
            &serving.searcher(),
            meaning.cache(),
            meaning.embedder(),
            threads(),
            |_, _| {
                if refreshed.elapsed() >= REFRESH_EVERY {
                    // The engine live now, which may be newer than the one filled for.
                    if let Err(error) = strong.serving().refresh_vectors() {
                        tracing::warn!(%error, "finding new vectors");
                    }
                    refreshed = Instant::now();
                }
                true
            },
        );
        let _ = strong.serving().refresh_vectors();
        let mut progress = vectors.lock();
        progress.running = false;
        progress.failure = match outcome {
            Ok(fill) => {
                if fill.embedded > 0 {
                    tracing::info!(
                        items = fill.items,
                        cached = fill.cached,
                        embedded = fill.embedded,
                        "vectors computed"
                    );
                }
                None
            }
            Err(error) => {
                tracing::error!(%error, "computing vectors failed; items without one are found by words only");
                Some(error.to_string())
            }
        };
    }
}
