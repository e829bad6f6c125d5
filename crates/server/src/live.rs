//! What the server serves, and how that changes while it serves.
//!
//! [`Live`] holds the index generation being searched and written (a
//! [`ServedGeneration`] and its [`DocumentWriter`]) and the engine over it with
//! the query-time word lists in force. A request takes what is live once, at
//! its start, and a change replaces it whole, so no request mixes two. Three
//! things change it:
//!
//! - **A reload** ([`Live::reload`]: `POST /api/admin/reload`, or SIGHUP) reads
//!   `data/` again. A file that cannot be read as it is refuses the reload and
//!   nothing changes. Otherwise the new query-time lists apply at once; when
//!   the index-time analysis (dictionary, variants, user dictionary) changed
//!   too, a new generation is built with it on a thread of its own and served
//!   once published. One rebuild runs at a time: reloads are refused (409)
//!   until it ends.
//! - **A generation published by another process** (`hoshin index`):
//!   [`follow_published`] reads `CURRENT` every second and serves what it names.
//! - **Writes** go to the live generation and refresh its engine. A node of
//!   a fleet (`--store`) writes to its store instead, and applies the store's
//!   batches as they come (`following.rs`).
//!
//! Writes and switches of generation exclude each other. A switch opens the
//! new generation's writer, which replays the journal entries its build did
//! not see (they went to the old generation meanwhile), or, for a node of a
//! fleet, applies the store's batches it lacks, and no write can reach the
//! old generation after that, so nothing written is lost. Searches go on
//! throughout, on whichever engine was live when they started. Every generation
//! served stays held (see `hoshin_indexer::GenerationHold`) until the last
//! request using it ends, so no build removes it under the server.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hoshin_analysis::synonym_dictionary::{synonym_dictionary_path, SynonymDictionary};
use hoshin_analysis::PreparedAnalysis;
use hoshin_indexer::writer::{applied_from_store, applied_journal_bytes, Applied};
use hoshin_indexer::{
    build_if_stale, build_index, Batch, BuildInputs, DocumentWriter, IndexLayout, IndexerError, Replay,
    ServedGeneration,
};
use hoshin_search::{Meaning, QueryLists, SearchEngine};
use sha2::{Digest, Sha256};

use crate::answers::{IndexChange, RebuildState, Reloaded, VectorStatus};
use crate::error::{ApiError, Result};
use crate::following::{reached_by, Following, StoreProgress};
use crate::vectors::{MeaningConfig, Vectors};
use hoshin_store::StoredBatch;

/// How often [`follow_published`] looks for a generation published by another process.
pub const FOLLOW_INTERVAL: Duration = Duration::from_secs(1);

/// Where the served index, its seeds and its word lists are read from.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The index root.
    pub layout: IndexLayout,
    /// Directory of seed `*.txt` files, for rebuilds.
    pub seeds: PathBuf,
    /// The compiled dictionary.
    pub dictionary: PathBuf,
    /// The editable word lists.
    pub data: PathBuf,
    /// The model semantic search embeds with.
    pub meaning: MeaningConfig,
    /// The store a node of a fleet follows; none on one machine, where the
    /// index root's journal keeps what the API writes.
    pub store: Option<Arc<Following>>,
}

/// A generation opened for serving, and its one writer.
struct Generation {
    // Declared first to be dropped first: the writer may still be finishing
    // its files when it goes, and only then may the hold go.
    writer: DocumentWriter,
    served: ServedGeneration,
    /// How far a node of a fleet's generation has applied the store.
    applied: Mutex<Applied>,
}

/// What a request uses from its start to its end: the engine live when it
/// started, searched as a [`SearchEngine`] through `Deref`, and the
/// generation it reads, which stays held for as long as the request uses it.
#[derive(Clone)]
pub struct Serving {
    generation: Arc<Generation>,
    engine: Arc<SearchEngine>,
}

impl Deref for Serving {
    type Target = SearchEngine;

    fn deref(&self) -> &SearchEngine {
        &self.engine
    }
}

/// What the server tells about itself besides its documents.
#[derive(Debug, Clone)]
pub struct LiveStatus {
    /// The generation served now.
    pub generation: String,
    /// When the word lists in force were read.
    pub word_lists_loaded_at: SystemTime,
    /// Whether a reload is rebuilding the index.
    pub rebuild: RebuildState,
    /// Rebuilds since the server started, by outcome.
    pub rebuilds: Rebuilds,
    /// Where semantic search stands.
    pub vectors: VectorStatus,
    /// Bytes the served generation takes on disk.
    pub index_bytes: u64,
    /// How far the served generation is: the journal's length in bytes when
    /// everything written is searchable, or a node of a fleet's store position.
    pub applied: u64,
    /// A node of a fleet's progress through its store.
    pub store: Option<StoreProgress>,
}

/// Rebuilds since the server started, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilds {
    /// Rebuilds whose generation is served now or was until the next.
    pub succeeded: u64,
    /// Rebuilds that failed, the previous generation still served.
    pub failed: u64,
}

struct Status {
    word_lists: DataFiles,
    word_lists_loaded_at: SystemTime,
    rebuild: RebuildState,
    rebuilds: Rebuilds,
    /// A generation published elsewhere that could not be served, not to be
    /// retried (and logged) every second.
    refused_generation: Option<String>,
}

/// The served generation and engine, replaced whole by reloads and switches.
pub struct Live {
    sources: Sources,
    serving: RwLock<Serving>,
    /// Taken by every write and every replacement, so a write lands in the
    /// generation and engine that are live after it.
    write_gate: Mutex<()>,
    status: Mutex<Status>,
    /// Sudachi's synonym dictionary: installed data, not a staff's list, so
    /// loaded once and kept across reloads.
    synonym_dictionary: Arc<SynonymDictionary>,
    /// The model, the vector cache and the background computing of vectors.
    vectors: Vectors,
}

impl Live {
    /// Serves the live generation of `sources`, built first from the seeds
    /// when it is missing or was built otherwise than `analysis` analyses
    /// (which must come from `sources`' dictionary and data directory), and
    /// starts computing the vectors it lacks in the background.
    pub fn open(sources: Sources, analysis: &PreparedAnalysis) -> Result<Arc<Live>> {
        let journal = sources.layout.journal_path();
        if sources.store.is_some() && std::fs::metadata(&journal).is_ok_and(|metadata| metadata.len() > 0) {
            return Err(ApiError::from(IndexerError::MixedLog(format!(
                "{} holds writes of its own; a node that follows a store starts from an index root without a journal",
                journal.display()
            ))));
        }
        let word_lists = DataFiles::read(&sources.data);
        let synonym_dictionary = Arc::new(SynonymDictionary::load(&synonym_dictionary_path())?);
        build_if_stale(&sources.layout, BuildInputs::new(&sources.seeds, analysis))?;
        let vectors = Vectors::load(&sources.meaning, &sources.layout);
        let generation = open_generation(&sources.layout, analysis, sources.store.is_some())?;
        let engine = open_engine(&generation.served, analysis, &synonym_dictionary, vectors.meaning())?;
        if let Some(following) = &sources.store {
            following.mark_applied(generation.lock_applied().position);
        }
        let status = Status {
            word_lists,
            word_lists_loaded_at: SystemTime::now(),
            rebuild: RebuildState::Idle,
            rebuilds: Rebuilds::default(),
            refused_generation: None,
        };
        let live = Arc::new(Live {
            sources,
            serving: RwLock::new(Serving { generation: Arc::new(generation), engine: Arc::new(engine) }),
            write_gate: Mutex::new(()),
            status: Mutex::new(status),
            synonym_dictionary,
            vectors,
        });
        live.vectors
            .start(Arc::downgrade(&live))
            .map_err(|error| ApiError::Internal(format!("starting the vector thread: {error}")))?;
        Ok(live)
    }

    pub(crate) fn vectors(&self) -> &Vectors {
        &self.vectors
    }

    /// The engine over what is live now, with its generation.
    pub fn serving(&self) -> Serving {
        self.serving.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The generation served, the word lists' age and the rebuild's state.
    pub fn status(&self) -> LiveStatus {
        let serving = self.serving();
        let served = &serving.generation.served;
        let generation = served.name().to_string();
        let vectors = self.vectors.status(&serving);
        let store = self.sources.store.as_ref().map(|following| following.progress());
        // An unreadable commit counts as nothing applied; the next write says why.
        let applied = match store {
            Some(progress) => progress.applied,
            None => applied_journal_bytes(&served.index).unwrap_or(0),
        };
        let index_bytes = served.size_bytes();
        let status = self.lock_status();
        LiveStatus {
            generation,
            word_lists_loaded_at: status.word_lists_loaded_at,
            rebuild: status.rebuild,
            rebuilds: status.rebuilds,
            vectors,
            index_bytes,
            applied,
            store,
        }
    }

    /// Waits until the served generation has applied `position` (a write's
    /// answer), at most `patience`; [`ApiError::Behind`] when it has not.
    /// On one machine, which applies every write before answering it, a
    /// position past the journal's end is one no write answered.
    pub async fn wait_applied(&self, position: u64, patience: Duration) -> Result<()> {
        let Some(following) = self.following() else {
            let applied = applied_journal_bytes(&self.serving().generation.served.index)?;
            return match applied >= position {
                true => Ok(()),
                false => Err(ApiError::InvalidAfter(format!("{position} (no write here has reached it)"))),
            };
        };
        match following.wait_applied(position, patience).await {
            true => Ok(()),
            false => Err(ApiError::Behind { applied: following.progress().applied, wanted: position }),
        }
    }

    /// The store a node of a fleet follows.
    pub fn following(&self) -> Option<&Arc<Following>> {
        self.sources.store.as_ref()
    }

    /// How far the served generation has applied the store.
    pub fn applied_from_store(&self) -> Applied {
        self.serving().generation.lock_applied().clone()
    }

    /// Applies batches read from the store after `applied` to the served
    /// generation and makes them searchable, unless the generation served now
    /// is no longer at `applied` (a switch caught it up meanwhile).
    pub fn apply_stored(&self, applied: &Applied, batches: &[StoredBatch]) -> Result<()> {
        let (Some(following), Some(reached)) = (self.following(), reached_by(batches)) else { return Ok(()) };
        let _gate = self.lock_writes();
        let serving = self.serving();
        let mut generation_applied = serving.generation.lock_applied();
        if *generation_applied != *applied {
            return Ok(());
        }
        serving.generation.writer.apply_stored(batches.iter().map(|stored| &stored.batch), &reached)?;
        let position = reached.position;
        *generation_applied = reached;
        drop(generation_applied);
        serving.engine.refresh()?;
        following.mark_applied(position);
        self.vectors.wake();
        Ok(())
    }

    /// Builds a generation from the seeds and serves it once it has applied
    /// everything the store holds: for a node whose history the store no
    /// longer has.
    pub fn rebuild_from_store(&self) -> Result<()> {
        let analysis = PreparedAnalysis::prepare(&self.sources.dictionary, &self.sources.data)?;
        build_index(&self.sources.layout, self.build_inputs(&analysis))?;
        self.switch_to_published(&analysis)
    }

    /// What a build of this server reads: the seeds analysed as `analysis`
    /// analyses, and the journal or, for a node of a fleet, the store.
    fn build_inputs<'a>(&'a self, analysis: &PreparedAnalysis) -> BuildInputs<'a> {
        let inputs = BuildInputs::new(&self.sources.seeds, analysis);
        match self.following() {
            Some(following) => inputs.replaying(Replay::Store(following.as_ref())),
            None => inputs,
        }
    }

    /// Writes a batch into the live generation and makes it searchable (see
    /// `hoshin_indexer::writer`): the journal's length after it.
    pub fn write(&self, batch: &Batch) -> Result<u64> {
        let _gate = self.lock_writes();
        let serving = self.serving();
        let position = serving.generation.writer.write(batch)?;
        serving.engine.refresh()?;
        self.vectors.wake();
        Ok(position)
    }

    /// Reads the word lists again and puts them in force, rebuilding the
    /// index in the background when the index-time ones changed; logs what
    /// it did or why it refused.
    pub fn reload(self: &Arc<Self>) -> Result<Reloaded> {
        let outcome = self.reload_word_lists();
        match &outcome {
            Ok(reloaded) => tracing::info!(
                changed = ?reloaded.changed,
                index = ?reloaded.index,
                generation = %reloaded.generation,
                "word lists reloaded"
            ),
            Err(error) => tracing::warn!(%error, "reload refused"),
        }
        outcome
    }

    fn reload_word_lists(self: &Arc<Self>) -> Result<Reloaded> {
        refuse_during_rebuild(&self.lock_status())?;
        let files = DataFiles::read(&self.sources.data);
        let analysis = PreparedAnalysis::prepare(&self.sources.dictionary, &self.sources.data)?;
        let gate = self.lock_writes();
        let serving = self.serving();
        let served = &serving.generation.served;
        let rebuild = analysis.fingerprint != served.manifest.analysis_fingerprint;
        // The engine keeps the served generation's analyzers, so the new
        // query-time lists apply at once even before a rebuild ends.
        let engine = open_engine(served, &analysis, &self.synonym_dictionary, self.vectors.meaning())?;
        let changed = {
            let mut status = self.lock_status();
            refuse_during_rebuild(&status)?;
            if rebuild {
                status.rebuild = RebuildState::Running;
            }
            let changed = files.changed_since(&status.word_lists);
            status.word_lists = files;
            status.word_lists_loaded_at = SystemTime::now();
            changed
        };
        let generation = served.name().to_string();
        self.replace(Serving { generation: serving.generation.clone(), engine: Arc::new(engine) });
        drop(gate);
        if rebuild {
            self.start_rebuild(analysis)?;
        }
        let index = if rebuild { IndexChange::Rebuilding } else { IndexChange::Unchanged };
        Ok(Reloaded { changed, query_lists: "reloaded", index, generation })
    }

    fn start_rebuild(self: &Arc<Self>, analysis: PreparedAnalysis) -> Result<()> {
        let live = Arc::clone(self);
        let spawned = std::thread::Builder::new().name("hoshin-rebuild".into()).spawn(move || live.rebuild(analysis));
        spawned.map(drop).map_err(|error| {
            self.lock_status().rebuild = RebuildState::Failed;
            ApiError::Internal(format!("starting the rebuild: {error}"))
        })
    }

    fn rebuild(&self, analysis: PreparedAnalysis) {
        tracing::info!("rebuilding the index with the reloaded word lists");
        let outcome = build_index(&self.sources.layout, self.build_inputs(&analysis))
            .map_err(ApiError::from)
            .and_then(|_| self.switch_to_published(&analysis));
        let mut status = self.lock_status();
        status.rebuild = match outcome {
            Ok(()) => {
                status.rebuilds.succeeded += 1;
                RebuildState::Idle
            }
            Err(error) => {
                tracing::error!(%error, "rebuild failed; the previous generation is still served");
                status.rebuilds.failed += 1;
                RebuildState::Failed
            }
        };
    }

    /// Whether `CURRENT` names a generation this server does not serve and
    /// has not refused, and no rebuild of its own (which switches by itself)
    /// is running: one small read, cheap enough for an async task.
    pub fn published_elsewhere(&self) -> bool {
        let Some(published) = self.sources.layout.current_name() else {
            return false;
        };
        let status = self.lock_status();
        status.rebuild != RebuildState::Running
            && status.refused_generation.as_ref() != Some(&published)
            && published != self.serving().generation.served.name()
    }

    /// Serves the generation `CURRENT` names, read with the word lists of
    /// `data/` as they are now, the way a restart would; logs the outcome.
    /// A generation that cannot be served is refused until another is
    /// published, and the current one stays.
    pub fn serve_published(&self) {
        let files = DataFiles::read(&self.sources.data);
        let published = self.sources.layout.current_name();
        let outcome = PreparedAnalysis::prepare(&self.sources.dictionary, &self.sources.data)
            .map_err(ApiError::from)
            .and_then(|analysis| self.switch_to_published(&analysis));
        let mut status = self.lock_status();
        match outcome {
            Ok(()) => {
                status.word_lists = files;
                status.word_lists_loaded_at = SystemTime::now();
                status.refused_generation = None;
            }
            // A store away for a moment is asked again at the next look.
            Err(error @ ApiError::StoreUnavailable(_)) => {
                tracing::warn!(%error, generation = ?published, "not serving a newly published generation yet");
            }
            Err(error) => {
                tracing::error!(%error, generation = ?published, "not serving a newly published generation");
                status.refused_generation = published;
            }
        }
    }

    /// Switches to the generation `CURRENT` names, analysed as `analysis`
    /// analyses, unless it is served already.
    fn switch_to_published(&self, analysis: &PreparedAnalysis) -> Result<()> {
        let gate = self.lock_writes();
        let current = self.serving();
        if self.sources.layout.current_name().as_deref() == Some(current.generation.served.name()) {
            return Ok(());
        }
        let generation = open_generation(&self.sources.layout, analysis, self.following().is_some())?;
        if let Some(following) = self.following() {
            let mut applied = generation.lock_applied();
            *applied = following.catch_up(&generation.writer, applied.clone())?;
        }
        let engine = open_engine(&generation.served, analysis, &self.synonym_dictionary, self.vectors.meaning())?;
        let name = generation.served.name().to_string();
        let documents = engine.document_count();
        let position = generation.lock_applied().position;
        let previous = self.replace(Serving { generation: Arc::new(generation), engine: Arc::new(engine) });
        // Only once served: a search waiting for a position searches what has it.
        if let Some(following) = self.following() {
            following.mark_applied(position);
        }
        drop(gate);
        self.vectors.wake();
        tracing::info!(generation = %name, previous = %previous.generation.served.name(), documents, "switched generations");
        Ok(())
    }

    fn replace(&self, serving: Serving) -> Serving {
        std::mem::replace(&mut *self.serving.write().unwrap_or_else(PoisonError::into_inner), serving)
    }

    fn lock_writes(&self) -> MutexGuard<'_, ()> {
        self.write_gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_status(&self) -> MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Serves each generation another process publishes, checking every
/// [`FOLLOW_INTERVAL`]; runs until the runtime stops.
pub async fn follow_published(live: Arc<Live>) {
    let mut ticks = tokio::time::interval(FOLLOW_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if live.published_elsewhere() {
            let live = live.clone();
            // A panic is tantivy's or lindera's, and already printed; the next tick retries.
            let _ = tokio::task::spawn_blocking(move || live.serve_published()).await;
        }
    }
}

fn refuse_during_rebuild(status: &Status) -> Result<()> {
    match status.rebuild {
        RebuildState::Running => Err(ApiError::RebuildRunning),
        RebuildState::Idle | RebuildState::Failed => Ok(()),
    }
}

/// Holds and opens the live generation, and its writer, which replays the
/// journal entries the generation lacks, or for a node that `follows` a
/// store, applies nothing yet and knows where in the store it is.
fn open_generation(layout: &IndexLayout, analysis: &PreparedAnalysis, follows: bool) -> Result<Generation> {
    let served = ServedGeneration::open_current(layout, analysis)?;
    let (writer, applied) = match follows {
        true => (DocumentWriter::following(&served.index, &analysis.analyzers)?, applied_from_store(&served.index)?),
        false => {
            (DocumentWriter::open(&served.index, &analysis.analyzers, &layout.journal_path())?, Applied::default())
        }
    };
    Ok(Generation { served, writer, applied: Mutex::new(applied) })
}

impl Generation {
    fn lock_applied(&self) -> MutexGuard<'_, Applied> {
        self.applied.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The one place an engine is made: over a generation's index (and the
/// analyzers registered with it), with the query-time lists of `analysis`
/// and Sudachi's `synonym_dictionary`, finding items by `meaning` too when given.
fn open_engine(
    generation: &ServedGeneration,
    analysis: &PreparedAnalysis,
    synonym_dictionary: &Arc<SynonymDictionary>,
    meaning: Option<Arc<Meaning>>,
) -> Result<SearchEngine> {
    let lists = QueryLists::new(analysis, synonym_dictionary.clone());
    Ok(SearchEngine::new(&generation.index, &analysis.analyzers, lists, meaning)?)
}

/// The files of a data directory by name, with a digest of each, to tell
/// what a reload changed. A file that cannot be read counts as absent here;
/// reading the word lists reports it.
#[derive(Debug, Default, PartialEq)]
struct DataFiles(BTreeMap<String, [u8; 32]>);

impl DataFiles {
    fn read(data_dir: &Path) -> DataFiles {
        let Ok(entries) = std::fs::read_dir(data_dir) else {
            return DataFiles::default();
        };
        let digests = entries
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let contents = std::fs::read(entry.path()).ok()?;
                Some((entry.file_name().to_string_lossy().into_owned(), Sha256::digest(contents).into()))
            })
            .collect();
        DataFiles(digests)
    }

    /// Names of the files added, removed or changed since `before`.
    fn changed_since(&self, before: &DataFiles) -> Vec<String> {
        let mut names: Vec<&String> = self.0.keys().chain(before.0.keys()).collect();
        names.sort();
        names.dedup();
        names.into_iter().filter(|name| self.0.get(*name) != before.0.get(*name)).cloned().collect()
    }
}

/// Seconds since the Unix epoch, as the API answers times.
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |age| age.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_files_are_those_added_removed_or_edited() {
        let directory = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(directory.path().join(name), text).unwrap();
        write("synonyms.tsv", "a\tb\n");
        write("variants.tsv", "c\td\n");
        let before = DataFiles::read(directory.path());
        assert_eq!(DataFiles::read(directory.path()).changed_since(&before), Vec::<String>::new());
        write("synonyms.tsv", "a\tb\te\n");
        write("userdict.csv", "狛江,カスタム名詞,コマエ\n");
        std::fs::remove_file(directory.path().join("variants.tsv")).unwrap();
        let after = DataFiles::read(directory.path());
        assert_eq!(after.changed_since(&before), ["synonyms.tsv", "userdict.csv", "variants.tsv"]);
    }
}
