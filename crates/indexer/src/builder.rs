//! Building a generation from seed files, and deciding when one is stale.
//!
//! A build indexes the seed items, then replays the journal of documents
//! written through the API on top of them (see [`crate::journal`]).
//!
//! Each generation carries a manifest of what it was built from: the schema
//! version, a digest of the seed files and the fingerprint of the dictionary and
//! word lists. The
//! live generation is reused while all three match, and rebuilt otherwise.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hoshin_analysis::{Analyzers, DocumentMaker, Fields, PreparedAnalysis, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tantivy::index::SegmentId;
use tantivy::indexer::{IndexWriterOptions, NoMergePolicy};
use tantivy::{Index, IndexSettings, IndexWriter, SegmentMeta};

use crate::error::{IndexerError, Result};
use crate::journal::Batch;
use crate::journal::{ensure_journal_covers, Journal};
use crate::layout::{GenerationHold, IndexLayout};
use crate::pipeline::BoundedWriter;
use crate::seed::{for_each_seed_file, metadata_path, seed_files};
use crate::writer::{applied_journal_bytes, apply, commit, Applied};

const MANIFEST_FILE: &str = "hoshin-manifest.json";

/// The tantivy writer's memory for a build, split between its indexing
/// threads, is this many times the bytes of text to index, within
/// [`WRITER_MEMORY_BOUNDS`]. A build ends by merging its segments into a few
/// (see [`merge_segments`]), so the budget decides only how many
/// segments that merge reads. One that held the whole corpus's postings would
/// keep all of them in memory until the commit; this one lets each thread
/// flush a few times.
const WRITER_BYTES_PER_TEXT_BYTE: u64 = 4;

/// The smallest and largest writer budget of a build: tantivy wants some
/// megabytes per indexing thread, and a larger one would only spare a
/// million-item build some segments to merge.
const WRITER_MEMORY_BOUNDS: (u64, u64) = (64_000_000, 1_000_000_000);

/// Items per segment a build leaves, about. The engine searches the
/// segments of an index side by side, so a large index answers in the time
/// of its largest segment; but each segment costs every search its own
/// look-ups of every term, which a city's index of thousands of items would
/// pay for nothing.
const SEGMENT_ITEMS: u64 = 500_000;

/// Bytes of stored items per compressed block of the document store. A
/// results page reads ten items, and reading one decompresses its whole
/// block; at tantivy's default, 16 KB, that is several items, most of the
/// work for neighbours nobody asked for. A quarter of it costs the store
/// about a sixth more disk.
const DOC_STORE_BLOCK_BYTES: usize = 4096;

/// What a generation was built from, and what it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`] at build time.
    pub schema_version: u32,
    /// Digest of the seed files' names and contents.
    pub seeds_digest: String,
    /// Fingerprint of the dictionary and word lists the text was analysed with.
    pub analysis_fingerprint: String,
    /// Number of documents indexed.
    pub documents: usize,
    /// Build time, seconds since the Unix epoch.
    pub built_at: u64,
}

impl Manifest {
    fn matches(&self, wanted: &Manifest) -> bool {
        self.schema_version == wanted.schema_version
            && self.seeds_digest == wanted.seeds_digest
            && self.analysis_fingerprint == wanted.analysis_fingerprint
    }
}

/// The outcome of a build.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Documents indexed.
    pub documents: usize,
    /// Distinct departments among them.
    pub departments: usize,
    /// Size of the new generation on disk.
    pub bytes_on_disk: u64,
    /// Wall time of the whole build.
    pub elapsed: Duration,
}

/// Everything a build reads: the seeds and the analysis they go through. It
/// holds analyzers of its own, and a build drops them once the text is
/// analysed: when nothing else holds them (`hoshin index`), the dictionary is
/// released before the final merge, the build's largest moment.
#[derive(Clone)]
pub struct BuildInputs<'a> {
    /// Directory of seed `*.txt` files.
    pub seeds_dir: &'a Path,
    /// The analyzers every field goes through.
    pub analyzers: Analyzers,
    /// Changes whenever `analyzers` would analyse differently; recorded in the manifest.
    pub analysis_fingerprint: String,
    /// The documents written through the API that the build replays on top of the seeds.
    pub replay: Replay<'a>,
}

/// Where a build finds the documents written through the API.
#[derive(Clone, Copy)]
pub enum Replay<'a> {
    /// The index root's journal (one machine).
    Journal,
    /// A store's log (a node of a fleet): the generation records how far in it is.
    Store(&'a dyn StoredLog),
}

/// A store's log of batches as a build reads it, in order.
pub trait StoredLog {
    /// Up to `limit` batches after `applied`, in order, each with how far
    /// the log is once it is applied.
    fn after(&self, applied: &Applied, limit: usize) -> Result<Vec<(Batch, Applied)>>;
}

/// Batches a build reads from a store at a time.
const STORED_BATCHES_PER_READ: usize = 1000;

impl<'a> BuildInputs<'a> {
    /// The seeds of `seeds_dir` through a prepared analysis.
    pub fn new(seeds_dir: &'a Path, analysis: &PreparedAnalysis) -> BuildInputs<'a> {
        BuildInputs {
            seeds_dir,
            analyzers: analysis.analyzers.clone(),
            analysis_fingerprint: analysis.fingerprint.clone(),
            replay: Replay::Journal,
        }
    }

    /// These inputs, replaying `replay` instead of the journal.
    pub fn replaying(self, replay: Replay<'a>) -> BuildInputs<'a> {
        BuildInputs { replay, ..self }
    }
}

/// Builds a new generation from the seeds and publishes it. The previous
/// generation stays live if anything fails.
pub fn build_index(layout: &IndexLayout, inputs: BuildInputs<'_>) -> Result<BuildReport> {
    let _lock = lock_builds(layout)?;
    ensure_journal_kept(layout)?;
    build_locked(layout, inputs)
}

/// Opens the live generation, building it first when it is missing or stale.
pub fn open_or_build(layout: &IndexLayout, inputs: BuildInputs<'_>) -> Result<Index> {
    let analyzers = inputs.analyzers.clone();
    build_if_stale(layout, inputs)?;
    open_current(layout, &analyzers)
}

/// Builds and publishes a new generation when the live one is missing or stale.
pub fn build_if_stale(layout: &IndexLayout, inputs: BuildInputs<'_>) -> Result<()> {
    let _lock = lock_builds(layout)?;
    ensure_journal_kept(layout)?;
    let wanted = wanted_manifest(&inputs)?;
    let live = layout.current_generation();
    let fresh = live.as_deref().and_then(read_manifest).is_some_and(|found| found.matches(&wanted));
    if fresh {
        tracing::info!("index is up to date");
    } else {
        tracing::info!(reason = if live.is_some() { "stale" } else { "missing" }, "building index");
        build_locked(layout, inputs)?;
    }
    Ok(())
}

/// Opens the live generation with hoshin's analyzers registered.
pub fn open_current(layout: &IndexLayout, analyzers: &Analyzers) -> Result<Index> {
    let directory = layout.current_generation().ok_or_else(|| IndexerError::NoIndex(layout.root().to_path_buf()))?;
    open_generation(&directory, analyzers)
}

/// A published generation opened to be served for a long while: held so that
/// no build removes it while this value lives (see [`GenerationHold`]).
#[derive(Debug)]
pub struct ServedGeneration {
    /// The index, with the analyzers it was built with registered.
    pub index: Index,
    /// What it was built from.
    pub manifest: Manifest,
    hold: GenerationHold,
}

impl ServedGeneration {
    /// Holds and opens the live generation, which must have been analysed the
    /// way `analysis` analyses.
    pub fn open_current(layout: &IndexLayout, analysis: &PreparedAnalysis) -> Result<ServedGeneration> {
        let hold = layout.hold_current()?;
        let manifest =
            read_manifest(hold.directory()).ok_or_else(|| IndexerError::NoIndex(hold.directory().to_path_buf()))?;
        if manifest.analysis_fingerprint != analysis.fingerprint {
            return Err(IndexerError::AnalysisMismatch { generation: hold.name().to_string() });
        }
        let index = open_generation(hold.directory(), &analysis.analyzers)?;
        Ok(ServedGeneration { index, manifest, hold })
    }

    /// The generation's name, as `CURRENT` writes it.
    pub fn name(&self) -> &str {
        self.hold.name()
    }

    /// Bytes its files take on disk.
    pub fn size_bytes(&self) -> u64 {
        directory_size(self.hold.directory())
    }
}

fn open_generation(directory: &Path, analyzers: &Analyzers) -> Result<Index> {
    let index = Index::open_in_dir(directory)?;
    analyzers.register(index.tokenizers());
    Ok(index)
}

/// Refuses to go on when the live generation has applied more of the journal
/// than the journal holds: a rebuild would silently drop API writes.
fn ensure_journal_kept(layout: &IndexLayout) -> Result<()> {
    let Some(live) = layout.current_generation() else {
        return Ok(());
    };
    let applied = applied_journal_bytes(&Index::open_in_dir(&live)?)?;
    let journal = layout.journal_path();
    let found = fs::metadata(&journal).map_or(0, |metadata| metadata.len());
    ensure_journal_covers(applied, &journal, found)
}

fn build_locked(layout: &IndexLayout, inputs: BuildInputs<'_>) -> Result<BuildReport> {
    let started = Instant::now();
    let mut manifest = wanted_manifest(&inputs)?;
    let generation = layout.new_generation_dir()?;
    let written = write_generation(&generation, inputs, &layout.journal_path(), &mut manifest);
    let departments = match written {
        Ok(departments) => departments,
        Err(error) => {
            layout.discard(&generation);
            return Err(error);
        }
    };
    layout.publish(&generation)?;
    let report = BuildReport {
        documents: manifest.documents,
        departments: departments.len(),
        bytes_on_disk: directory_size(&generation),
        elapsed: started.elapsed(),
    };
    tracing::info!(
        documents = report.documents,
        departments = report.departments,
        bytes_on_disk = report.bytes_on_disk,
        elapsed_ms = report.elapsed.as_millis() as u64,
        generation = %generation.display(),
        "index built and published"
    );
    Ok(report)
}

/// Indexes the seeds file by file into `generation`, replays the journal,
/// merges the segments and writes the manifest; returns the seeds' departments.
fn write_generation(
    generation: &Path,
    inputs: BuildInputs<'_>,
    journal: &Path,
    manifest: &mut Manifest,
) -> Result<BTreeSet<String>> {
    let departments = index_documents(generation, inputs, journal, manifest)?;
    merge_segments(generation)?;
    let path = generation.join(MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
    fs::write(&path, json).map_err(IndexerError::io(&path))?;
    Ok(departments)
}

/// Indexes the seeds and the journal into committed segments of a new index
/// in `generation`; the writer, the index and `inputs` end with it.
fn index_documents(
    generation: &Path,
    inputs: BuildInputs<'_>,
    journal: &Path,
    manifest: &mut Manifest,
) -> Result<BTreeSet<String>> {
    let (schema, fields) = Fields::build_schema();
    let settings = IndexSettings { docstore_blocksize: DOC_STORE_BLOCK_BYTES, ..IndexSettings::default() };
    let index = Index::builder().schema(schema).settings(settings).create_in_dir(generation)?;
    let analyzers = &inputs.analyzers;
    analyzers.register(index.tokenizers());
    let mut writer = BoundedWriter::for_build(&index, writer_memory_bytes(inputs.seeds_dir, journal)?)?;
    let mut departments = BTreeSet::new();
    let mut maker = DocumentMaker::new(&fields, analyzers);
    manifest.documents = for_each_seed_file(inputs.seeds_dir, "indexing seed files", |items| {
        for item in items {
            if !departments.contains(&item.department) {
                departments.insert(item.department.clone());
            }
            writer.add_document(maker.document(&item))?;
        }
        Ok(())
    })?;
    // Documents written through the API outlive rebuilds: replay them on top.
    match inputs.replay {
        Replay::Journal => {
            let (entries, _) = Journal::read(journal)?;
            for entry in &entries {
                apply(&writer, &fields, analyzers, &entry.batch);
            }
            commit(&mut writer, entries.last().map_or(0, |entry| entry.end))?;
        }
        Replay::Store(log) => {
            let mut applied = Applied::default();
            loop {
                let batches = log.after(&applied, STORED_BATCHES_PER_READ)?;
                let Some((_, reached)) = batches.last() else { break };
                let reached = reached.clone();
                for (batch, _) in &batches {
                    apply(&writer, &fields, analyzers, batch);
                }
                applied = reached;
            }
            writer.commit(&applied.payload())?;
        }
    }
    writer.wait_merging_threads()?;
    Ok(departments)
}

/// Merges the committed segments of `generation` into one per
/// [`SEGMENT_ITEMS`] items or part of it, of about equal size, and waits for them:
/// every segment costs each search its own look-ups of every term, and the
/// engine searches the segments of a large index side by side, one per core.
/// The merges run side by side too. The index is opened afresh, without
/// analyzers (merging analyses nothing), under tantivy's smallest writer,
/// whose indexing thread never starts a segment.
fn merge_segments(generation: &Path) -> Result<()> {
    let index = Index::open_in_dir(generation)?;
    let mut writer: IndexWriter = index.writer_with_options(IndexWriterOptions::builder().build())?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    let merges: Vec<_> = merge_groups(index.searchable_segment_metas()?)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| writer.merge(&group))
        .collect();
    for merge in merges {
        merge.wait()?;
    }
    Ok(writer.wait_merging_threads()?)
}

/// The segments of `metas` in one group per [`SEGMENT_ITEMS`] items or part
/// of it, of about equal items: the largest segment first, each to the group
/// with the fewest items so far.
fn merge_groups(mut metas: Vec<SegmentMeta>) -> Vec<Vec<SegmentId>> {
    let items: u64 = metas.iter().map(|meta| u64::from(meta.num_docs())).sum();
    let count = items.div_ceil(SEGMENT_ITEMS).max(1) as usize;
    let mut groups: Vec<(u64, Vec<SegmentId>)> = vec![(0, Vec::new()); count];
    metas.sort_by_key(|meta| std::cmp::Reverse(meta.num_docs()));
    for meta in metas {
        let lightest = groups.iter_mut().min_by_key(|(items, _)| *items).expect("at least one group");
        lightest.0 += u64::from(meta.num_docs());
        lightest.1.push(meta.id());
    }
    groups.into_iter().map(|(_, ids)| ids).filter(|ids| !ids.is_empty()).collect()
}

fn wanted_manifest(inputs: &BuildInputs<'_>) -> Result<Manifest> {
    Ok(Manifest {
        schema_version: SCHEMA_VERSION,
        seeds_digest: seeds_digest(inputs.seeds_dir)?,
        analysis_fingerprint: inputs.analysis_fingerprint.clone(),
        documents: 0,
        built_at: SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs(),
    })
}

/// Reads the manifest of a generation directory.
pub fn read_manifest(generation: &Path) -> Option<Manifest> {
    let bytes = fs::read(generation.join(MANIFEST_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A digest of what a build reads: the seed files and their metadata.
fn seeds_digest(seeds_dir: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    for seed in seed_files(seeds_dir)? {
        let metadata = metadata_path(&seed);
        for path in [seed, metadata] {
            let contents = match fs::read(&path) {
                Ok(contents) => contents,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(IndexerError::io(&path)(error)),
            };
            hasher.update(path.file_name().unwrap_or_default().as_encoded_bytes());
            hasher.update((contents.len() as u64).to_le_bytes());
            hasher.update(&contents);
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// The writer budget for indexing the seeds of `seeds_dir` and the journal.
fn writer_memory_bytes(seeds_dir: &Path, journal: &Path) -> Result<usize> {
    let mut text_bytes = fs::metadata(journal).map_or(0, |metadata| metadata.len());
    for seed in seed_files(seeds_dir)? {
        text_bytes += fs::metadata(&seed).map_err(IndexerError::io(&seed))?.len();
    }
    let (least, most) = WRITER_MEMORY_BOUNDS;
    Ok(text_bytes.saturating_mul(WRITER_BYTES_PER_TEXT_BYTE).clamp(least, most) as usize)
}

/// Serialises builds of one index root across processes.
fn lock_builds(layout: &IndexLayout) -> Result<fs::File> {
    let root = layout.root();
    fs::create_dir_all(root).map_err(IndexerError::io(root))?;
    let path = root.join(".build.lock");
    let file = fs::File::create(&path).map_err(IndexerError::io(&path))?;
    file.lock().map_err(IndexerError::io(&path))?;
    Ok(file)
}

fn directory_size(directory: &Path) -> u64 {
    fs::read_dir(directory)
        .map(|entries| entries.filter_map(|entry| entry.ok()?.metadata().ok()).map(|metadata| metadata.len()).sum())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use tantivy::schema::Schema;

    use super::*;

    /// The groups of segments of `sizes` items, as the items of each.
    fn grouped(sizes: &[u32]) -> Vec<u64> {
        let index = Index::create_in_ram(Schema::builder().build());
        let metas: Vec<SegmentMeta> =
            sizes.iter().map(|&size| index.new_segment_meta(SegmentId::generate_random(), size)).collect();
        let items = |id: &SegmentId| metas.iter().find(|meta| meta.id() == *id).map_or(0, |meta| meta.num_docs());
        let groups = merge_groups(metas.clone());
        let mut ids: Vec<SegmentId> = groups.iter().flatten().copied().collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), sizes.len(), "every segment in exactly one group");
        groups.iter().map(|group| group.iter().map(|id| u64::from(items(id))).sum()).collect()
    }

    #[test]
    fn segments_merge_into_one_per_segment_items_of_about_equal_size() {
        assert_eq!(grouped(&[40, 30, 48]), [118]);
        let million = [200_000, 150_000, 100_000, 100_000, 100_000, 50_000, 50_000, 50_000, 50_000, 50_000, 50_000];
        let mut groups = grouped(&million);
        groups.sort_unstable();
        assert_eq!(groups, [450_000, 500_000]);
        let mut groups = grouped(&[120_000; 10]);
        groups.sort_unstable();
        assert_eq!(groups, [360_000, 360_000, 480_000]);
    }
}
