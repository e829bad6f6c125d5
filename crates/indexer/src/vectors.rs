//! Computing the passage vectors a generation's items lack, into the vector
//! cache (`hoshin_embed::VectorCache`), which every generation of an index
//! root shares.
//!
//! The cache is keyed by passage digest, and every item carries its
//! passage's digest in the index, so what an item lacks is known without
//! reading its text, and a text already embedded — before a rebuild, by a
//! replayed journal entry, or as another item's — is never embedded again.
//! `hoshin index` fills a new generation before it exits; a server fills the
//! generations it serves in the background, answering lexically meanwhile.

use std::collections::HashSet;

use hoshin_analysis::{field_name, passage_digest, Fields, PolicyItem};
use hoshin_embed::{Embedder, Vector, VectorCache};
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::error::{IndexerError, Result};
use crate::layout::IndexLayout;

/// Passages embedded per batch and thread: each batch is written to the
/// cache before the next starts, so an interruption loses at most one.
const BATCH_PER_THREAD: usize = 16;

/// How a generation's vectors were completed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VectorFill {
    /// Live items.
    pub items: u64,
    /// Distinct passages whose vector was in the cache already.
    pub cached: u64,
    /// Distinct passages embedded now.
    pub embedded: u64,
}

/// The live items of `searcher` whose passage has no vector in `cache`,
/// one address per distinct passage, and what the fill counts so far.
pub fn missing(searcher: &Searcher, cache: &VectorCache) -> Result<(Vec<(u64, DocAddress)>, VectorFill)> {
    let mut fill = VectorFill::default();
    let mut seen = HashSet::new();
    let mut missing = Vec::new();
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        let digests = segment.fast_fields().u64(field_name::PASSAGE_DIGEST)?;
        for doc in segment.doc_ids_alive() {
            fill.items += 1;
            let digest = digests.first(doc).unwrap_or_default();
            if !seen.insert(digest) {
                continue;
            }
            if cache.contains(digest) {
                fill.cached += 1;
            } else {
                missing.push((digest, DocAddress::new(ordinal as u32, doc)));
            }
        }
    }
    Ok((missing, fill))
}

/// [`fill`] for the live generation of `layout`, held against removal meanwhile.
pub fn fill_live(
    layout: &IndexLayout,
    cache: &VectorCache,
    embedder: &Embedder,
    threads: usize,
    batch_done: impl FnMut(u64, u64) -> bool,
) -> Result<VectorFill> {
    let hold = layout.hold_current()?;
    // Reading stored items and fast columns needs no analyzer.
    let index = tantivy::Index::open_in_dir(hold.directory())?;
    fill(&index.reader()?.searcher(), cache, embedder, threads, batch_done)
}

/// Embeds the passages of `searcher`'s items that `cache` lacks, on
/// `threads` threads, batch by batch; after each, `batch_done` is told how
/// many are done and says whether to go on (a server stops when its
/// generation is replaced).
pub fn fill(
    searcher: &Searcher,
    cache: &VectorCache,
    embedder: &Embedder,
    threads: usize,
    mut batch_done: impl FnMut(u64, u64) -> bool,
) -> Result<VectorFill> {
    let fields = Fields::from_schema(&searcher.schema().clone())?;
    let (missing, mut fill) = missing(searcher, cache)?;
    let total = missing.len() as u64;
    for batch in missing.chunks(BATCH_PER_THREAD * threads.max(1)) {
        let passages = batch
            .iter()
            .map(|(_, address)| {
                let document: TantivyDocument = searcher.doc(*address)?;
                Ok(PolicyItem::from_document(&document, &fields).passage())
            })
            .collect::<Result<Vec<String>>>()?;
        let texts: Vec<&str> = passages.iter().map(String::as_str).collect();
        let vectors = embedder.embed_passages(&texts, threads).map_err(IndexerError::Embedding)?;
        // Keyed by the digest of the passage as read back, which is the
        // indexed one unless the passage's making changed without a new schema.
        let computed =
            passages.iter().zip(vectors).map(|(passage, vector)| (passage_digest(passage), Vector::quantize(&vector)));
        cache.insert(computed).map_err(IndexerError::Embedding)?;
        fill.embedded += batch.len() as u64;
        if !batch_done(fill.embedded, total) {
            break;
        }
    }
    Ok(fill)
}
