//! The BM25 statistics of one searcher generation, remembered.
//!
//! Scoring a term needs how many items hold it, which tantivy looks up in
//! every segment's term dictionary each time a query is weighed, and the
//! term's postings are looked up there again to match it. A query expands
//! into dozens of terms over several fields, and the same popular words come
//! back query after query; a generation's segments never change, so what was
//! counted once holds until the next refresh. Only the counts are kept, so
//! the memory is bounded by [`REMEMBERED_TERMS`], not by the index.

use std::sync::RwLock;

use rustc_hash::FxHashMap;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// How many terms' counts a generation keeps; past it the counts start over,
/// so a stream of rare words cannot grow the map without end.
const REMEMBERED_TERMS: usize = 1 << 16;

/// A searcher and the statistics its queries have asked for so far.
pub struct GenerationStatistics {
    searcher: Searcher,
    doc_freqs: RwLock<FxHashMap<Term, u64>>,
    field_tokens: RwLock<FxHashMap<Field, u64>>,
}

impl GenerationStatistics {
    pub fn new(searcher: Searcher) -> Self {
        GenerationStatistics {
            searcher,
            doc_freqs: RwLock::new(FxHashMap::default()),
            field_tokens: RwLock::new(FxHashMap::default()),
        }
    }

    /// The searcher these statistics are of.
    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }
}

/// The count remembered under `key`, or `count`'s, remembered.
fn remembered<K: std::hash::Hash + Eq + Clone>(
    map: &RwLock<FxHashMap<K, u64>>,
    key: &K,
    count: impl FnOnce() -> tantivy::Result<u64>,
) -> tantivy::Result<u64> {
    if let Some(&known) = map.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(key) {
        return Ok(known);
    }
    let counted = count()?;
    let mut map = map.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    if map.len() >= REMEMBERED_TERMS {
        map.clear();
    }
    map.insert(key.clone(), counted);
    Ok(counted)
}

impl Bm25StatisticsProvider for GenerationStatistics {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        remembered(&self.field_tokens, &field, || Bm25StatisticsProvider::total_num_tokens(&self.searcher, field))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(&self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        remembered(&self.doc_freqs, term, || self.searcher.doc_freq(term))
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter};

    use super::*;

    /// Scores with the remembered statistics are the searcher's own, over
    /// two segments, whether counted now or remembered from before.
    #[test]
    fn scores_as_the_searcher_scores() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let title = schema.add_text_field("title", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for batch in [&[("a b", "x"), ("a c", "y"), ("a b c d", "x y")][..], &[("b d", "y"), ("c", "x")]] {
            for (text, heading) in batch {
                writer.add_document(doc!(body => *text, title => *heading)).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);

        let statistics = GenerationStatistics::new(searcher.clone());
        let parser = QueryParser::for_index(&index, vec![body, title]);
        let top = TopDocs::with_limit(10).order_by_score();
        for _ in 0..2 {
            for text in ["a", "b d", "x c", "+a +y", "e"] {
                let query = parser.parse_query(text).unwrap();
                let own = searcher.search(&query, &top).unwrap();
                let remembered = searcher.search_with_statistics_provider(&query, &top, &statistics).unwrap();
                assert_eq!(remembered, own, "{text}");
            }
        }
        assert_eq!(statistics.doc_freqs.read().unwrap().len(), 14, "seven words, each in both fields");
    }
}
