//! The semantic stage: the items nearest a query in meaning.
//!
//! A [`Meaning`] is the model and the vector cache a server shares between
//! its engines. Each generation's [`ItemVectors`] are found in the cache by
//! the `passage_digest` column, item by item, so they can never be out of
//! step with the items: a deleted item has no address, a changed one a new
//! digest. Items whose vector is not computed yet are simply not found by
//! meaning until it is (see `hoshin_indexer::vectors`).
//!
//! The scan is exact, over quantized vectors: a dot product of 384 bytes
//! an item, a few milliseconds at a hundred thousand items, within the
//! filter's matches only. A query's vector costs far more than the scan, so the
//! last queries' vectors are kept.

use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use hoshin_analysis::{field_name, passage_digest};
use hoshin_embed::{Embedder, Vector, VectorCache, DIMENSIONS};
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, Searcher, TERMINATED};

use crate::error::{Result, SearchError};

/// The model and the vectors computed with it.
pub struct Meaning {
    embedder: Arc<Embedder>,
    cache: Arc<VectorCache>,
    queries: QueryVectors,
}

impl Meaning {
    /// Meaning by `embedder`, with passage vectors from `cache` and the
    /// vectors of the last `remembered_queries` queries kept (none: every
    /// query is embedded anew).
    pub fn new(embedder: Arc<Embedder>, cache: Arc<VectorCache>, remembered_queries: usize) -> Meaning {
        Meaning { embedder, cache, queries: QueryVectors::new(remembered_queries) }
    }

    /// The model.
    pub fn embedder(&self) -> &Arc<Embedder> {
        &self.embedder
    }

    /// The passage vectors.
    pub fn cache(&self) -> &Arc<VectorCache> {
        &self.cache
    }

    /// The vector of an item's `passage`, from the cache or computed into it.
    pub(crate) fn passage_vector(&self, passage: &str) -> Result<Arc<Vector>> {
        let digest = passage_digest(passage);
        if let Some(vector) = self.cache.get(digest) {
            return Ok(vector);
        }
        let embedded = self.embedder.embed_passage(passage).map_err(SearchError::Embedding)?;
        self.cache.insert([(digest, Vector::quantize(&embedded))]).map_err(SearchError::Embedding)?;
        self.cache.get(digest).ok_or(SearchError::MeaningOff)
    }

    /// The vector of `query`.
    pub(crate) fn query_vector(&self, query: &str) -> Result<Arc<Vector>> {
        if let Some(vector) = self.queries.get(query) {
            return Ok(vector);
        }
        let embedded = self.embedder.embed_query(query).map_err(SearchError::Embedding)?;
        let vector = Arc::new(Vector::quantize(&embedded));
        self.queries.insert(query, vector.clone());
        Ok(vector)
    }
}

/// The vectors of the last queries, oldest forgotten first.
struct QueryVectors {
    capacity: usize,
    remembered: Mutex<Remembered>,
}

/// Query vectors by query, and the queries in the order they came.
type Remembered = (HashMap<String, Arc<Vector>>, VecDeque<String>);

impl QueryVectors {
    fn new(capacity: usize) -> QueryVectors {
        QueryVectors { capacity, remembered: Mutex::new((HashMap::new(), VecDeque::new())) }
    }

    fn get(&self, query: &str) -> Option<Arc<Vector>> {
        self.lock().0.get(query).cloned()
    }

    fn insert(&self, query: &str, vector: Arc<Vector>) {
        if self.capacity == 0 {
            return;
        }
        let mut remembered = self.lock();
        let (vectors, order) = &mut *remembered;
        if vectors.insert(query.to_string(), vector).is_none() {
            order.push_back(query.to_string());
        }
        while order.len() > self.capacity {
            if let Some(oldest) = order.pop_front() {
                vectors.remove(&oldest);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The vectors of one generation's items, by address, side by side in one
/// table: a scan reads it in order rather than following a pointer per item.
#[derive(Default)]
pub(crate) struct ItemVectors {
    /// Per segment, where its items' rows start.
    starts: Vec<usize>,
    /// [`DIMENSIONS`] values a row, one row per item of every segment.
    values: Vec<i8>,
    /// Per row, the scale of its values; none for an item without a vector.
    scales: Vec<Option<f32>>,
    /// Live items with a vector.
    pub(crate) present: u64,
    /// Live items.
    pub(crate) items: u64,
}

impl ItemVectors {
    /// The vectors `cache` holds for the items of `searcher`.
    pub(crate) fn find(searcher: &Searcher, cache: &VectorCache) -> Result<ItemVectors> {
        let mut vectors = ItemVectors::default();
        for segment in searcher.segment_readers() {
            vectors.starts.push(vectors.scales.len());
            let digests = segment.fast_fields().u64(field_name::PASSAGE_DIGEST)?;
            let found = cache.get_all((0..segment.max_doc()).map(|doc| digests.first(doc).unwrap_or_default()));
            for doc in segment.doc_ids_alive() {
                vectors.items += 1;
                vectors.present += u64::from(found[doc as usize].is_some());
            }
            for vector in found {
                match vector {
                    Some(vector) => {
                        vectors.values.extend_from_slice(vector.values());
                        vectors.scales.push(Some(vector.scale()));
                    }
                    None => {
                        vectors.values.extend_from_slice(&[0; DIMENSIONS]);
                        vectors.scales.push(None);
                    }
                }
            }
        }
        Ok(vectors)
    }

    /// The row of the item at `address`, with its scale, if it has a vector.
    fn row(&self, address: DocAddress) -> Option<(&[i8], f32)> {
        let row = self.starts.get(address.segment_ord as usize)? + address.doc_id as usize;
        let scale = (*self.scales.get(row)?)?;
        Some((&self.values[row * DIMENSIONS..(row + 1) * DIMENSIONS], scale))
    }

    /// The vector of the item at `address`, if computed.
    pub(crate) fn of(&self, address: DocAddress) -> Option<Vector> {
        self.row(address).map(|(values, scale)| Vector::from_parts(values, scale))
    }

    /// The `limit` live items nearest `query`, nearest first, each with its
    /// similarity; equal ones in address order.
    pub(crate) fn nearest(&self, searcher: &Searcher, query: &Vector, limit: usize) -> Result<Vec<(f32, DocAddress)>> {
        self.nearest_within(searcher, query, None, limit)
    }

    /// [`ItemVectors::nearest`] among the items `within` matches.
    pub(crate) fn nearest_within(
        &self,
        searcher: &Searcher,
        query: &Vector,
        within: Option<&dyn Query>,
        limit: usize,
    ) -> Result<Vec<(f32, DocAddress)>> {
        let weight = within.map(|query| query.weight(EnableScoring::disabled_from_searcher(searcher))).transpose()?;
        let mut nearest = BinaryHeap::with_capacity(limit + 1);
        let mut consider = |similarity: f32, address: DocAddress| {
            let candidate = Nearer { similarity, address };
            // Most items are farther than the farthest kept: compare before touching the heap.
            if nearest.len() < limit || nearest.peek().is_some_and(|farthest| candidate < *farthest) {
                nearest.push(candidate);
                if nearest.len() > limit {
                    nearest.pop();
                }
            }
        };
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let alive = segment.alive_bitset();
            let address = |doc| DocAddress::new(ordinal as u32, doc);
            let mut consider_doc = |doc| {
                if let Some((values, scale)) = self.row(address(doc)) {
                    consider(query.dot_values(values, scale), address(doc));
                }
            };
            match &weight {
                Some(weight) => {
                    let mut scorer = weight.scorer(segment, 1.0)?;
                    let mut doc = scorer.doc();
                    while doc != TERMINATED {
                        if alive.is_none_or(|alive| alive.is_alive(doc)) {
                            consider_doc(doc);
                        }
                        doc = scorer.advance();
                    }
                }
                None => segment.doc_ids_alive().for_each(consider_doc),
            }
        }
        Ok(nearest.into_sorted_vec().into_iter().map(|near| (near.similarity, near.address)).collect())
    }
}

/// An item's similarity, ordered so that the heap's top is the one to drop:
/// the least similar, and of equals the latest address.
struct Nearer {
    similarity: f32,
    address: DocAddress,
}

impl Ord for Nearer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.similarity.total_cmp(&self.similarity).then_with(|| self.address.cmp(&other.address))
    }
}

impl PartialOrd for Nearer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Nearer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Nearer {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_queries_are_remembered_the_oldest_forgotten_first() {
        let vector = Arc::new(Vector::quantize(&[1.0]));
        let queries = QueryVectors::new(2);
        for query in ["a", "b", "a", "c"] {
            queries.insert(query, vector.clone());
        }
        assert!(queries.get("a").is_none() && queries.get("b").is_some() && queries.get("c").is_some());
        let none = QueryVectors::new(0);
        none.insert("a", vector);
        assert!(none.get("a").is_none());
    }
}
