//! A union that looks at its parts only at the documents it is asked about.
//!
//! tantivy's union buffers: each time it is moved past its window it moves
//! every part through the next 4,096 documents and scores each match there.
//! That is the right way to read a union from start to end, and the wrong
//! way to check, inside an intersection another part drives, whether a few
//! far-apart candidates match: in a large index each check scored a window
//! of every part, phrase positions included, for documents nobody asked
//! about. This union seeks each part to the candidate and scores only the
//! parts standing on it, in their order, so its scores are the buffered
//! union's sums.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Any of `parts`; the scores of those that match add up.
#[derive(Debug)]
pub struct LazyUnionQuery {
    parts: Vec<Box<dyn Query>>,
}

impl LazyUnionQuery {
    /// The union of `parts`.
    pub fn new(parts: Vec<Box<dyn Query>>) -> Self {
        LazyUnionQuery { parts }
    }
}

impl Clone for LazyUnionQuery {
    fn clone(&self) -> Self {
        LazyUnionQuery { parts: self.parts.iter().map(|part| part.box_clone()).collect() }
    }
}

impl Query for LazyUnionQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self.parts.iter().map(|part| part.weight(enable_scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(LazyUnionWeight { parts }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for part in &self.parts {
            part.query_terms(visitor);
        }
    }
}

struct LazyUnionWeight {
    parts: Vec<Box<dyn Weight>>,
}

impl Weight for LazyUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for weight in &self.parts {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                parts.push(scorer);
            }
        }
        Ok(match parts.len() {
            0 => Box::new(EmptyScorer),
            1 => parts.pop().expect("one part"),
            _ => Box::new(LazyUnion::new(parts)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document #({doc}) does not match")));
        }
        let mut explanation = Explanation::new("any of, sum of", scorer.score());
        for part in &self.parts {
            if let Ok(part_explanation) = part.explain(reader, doc) {
                explanation.add_detail(part_explanation);
            }
        }
        Ok(explanation)
    }
}

/// The union's parts, each on its own current document; the union stands on
/// the least of them.
struct LazyUnion {
    parts: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl LazyUnion {
    fn new(parts: Vec<Box<dyn Scorer>>) -> Self {
        let doc = parts.iter().map(|part| part.doc()).min().unwrap_or(TERMINATED);
        LazyUnion { parts, doc }
    }
}

impl DocSet for LazyUnion {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        let mut least = TERMINATED;
        for part in &mut self.parts {
            let doc = if part.doc() == current { part.advance() } else { part.doc() };
            least = least.min(doc);
        }
        self.doc = least;
        least
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut least = TERMINATED;
        for part in &mut self.parts {
            let doc = if part.doc() < target { part.seek(target) } else { part.doc() };
            least = least.min(doc);
        }
        self.doc = least;
        least
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts.iter().map(|part| part.size_hint()).max().unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.parts.iter().map(|part| part.cost()).sum()
    }
}

impl Scorer for LazyUnion {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut score = 0.0;
        for part in &mut self.parts {
            if part.doc() == doc {
                score += part.score();
            }
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, PhraseQuery, TermQuery};
    use tantivy::schema::{Field, IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, DocAddress, Index, IndexWriter, Searcher};

    use super::*;

    const WORDS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
    /// More items than tantivy's union buffers at once, so seeks leave its window.
    const ITEMS: u32 = 12_000;

    /// Items of a few words each, every word rarer than the last; `rare` in one item of 97.
    fn index() -> &'static (Searcher, Field) {
        static INDEX: std::sync::OnceLock<(Searcher, Field)> = std::sync::OnceLock::new();
        INDEX.get_or_init(|| {
            let mut schema = Schema::builder();
            let body = schema.add_text_field("body", TEXT);
            let index = Index::create_in_ram(schema.build());
            let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000).unwrap();
            let mut state = 7u64;
            for item in 0..ITEMS {
                let mut text = String::new();
                for (rank, word) in WORDS.iter().enumerate() {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    if (state >> 33).is_multiple_of(rank as u64 + 2) {
                        text.push_str(word);
                        text.push(' ');
                    }
                }
                if item.is_multiple_of(97) {
                    text.push_str("rare");
                }
                writer.add_document(doc!(body => text)).unwrap();
            }
            writer.commit().unwrap();
            (index.reader().unwrap().searcher(), body)
        })
    }

    fn part(body: Field, words: &[usize]) -> Box<dyn Query> {
        let term = |word: usize| Term::from_field_text(body, WORDS[word]);
        match words {
            [only] => Box::new(TermQuery::new(term(*only), IndexRecordOption::WithFreqs)),
            _ => Box::new(PhraseQuery::new(words.iter().map(|&word| term(word)).collect())),
        }
    }

    fn scores(searcher: &Searcher, query: &dyn Query) -> BTreeMap<DocAddress, f32> {
        let all = TopDocs::with_limit(ITEMS as usize).order_by_score();
        searcher.search(query, &all).unwrap().into_iter().map(|(score, address)| (address, score)).collect()
    }

    fn assert_same(lazy: &BTreeMap<DocAddress, f32>, buffered: &BTreeMap<DocAddress, f32>) {
        assert_eq!(lazy.keys().collect::<Vec<_>>(), buffered.keys().collect::<Vec<_>>());
        for (address, score) in lazy {
            assert!(
                (score - buffered[address]).abs() <= 1e-4 * score.abs(),
                "{address:?}: {score} vs {}",
                buffered[address]
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Read whole, or asked about the candidates of a rare word, the
        /// union matches what tantivy's does, with the same scores.
        #[test]
        fn matches_and_scores_as_tantivys_union(
            parts in prop::collection::vec(prop::collection::vec(0..WORDS.len(), 1..3), 1..5),
        ) {
            let (searcher, body) = index();
            let parts = || parts.iter().map(|words| part(*body, words)).collect::<Vec<_>>();
            let lazy = LazyUnionQuery::new(parts());
            let buffered = BooleanQuery::new(parts().into_iter().map(|part| (Occur::Should, part)).collect());
            assert_same(&scores(searcher, &lazy), &scores(searcher, &buffered));

            let rare = || -> Box<dyn Query> {
                Box::new(TermQuery::new(Term::from_field_text(*body, "rare"), IndexRecordOption::WithFreqs))
            };
            let within = |union: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, rare()), (Occur::Must, union)]);
            let (lazy, buffered) = (within(Box::new(lazy)), within(Box::new(buffered)));
            assert_same(&scores(searcher, &lazy), &scores(searcher, &buffered));
        }
    }

    #[test]
    fn explains_the_sum_of_the_parts_that_match() {
        let (searcher, body) = index();
        let lazy = LazyUnionQuery::new(vec![part(*body, &[0]), part(*body, &[5])]);
        let (score, address) = searcher.search(&lazy, &TopDocs::with_limit(1).order_by_score()).unwrap()[0];
        let explanation = lazy.explain(searcher, address).unwrap();
        assert!((explanation.value() - score).abs() < 1e-6);
    }
}
