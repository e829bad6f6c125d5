//! The query tree a plan is made of, and the one place it becomes tantivy
//! queries.
//!
//! Each node stands for exactly one tantivy query, so what runs can be read
//! from the tree (and from [`QueryTree::render`], which the plan tests
//! compare) without tracing the planner.
//!
//! The queries of one search share their leaves' weights ([`LeafWeights`]).
//! A search runs several passes (strict, escalated, relaxed) and checks
//! whether a clause finds anything and which words a hit lacks, and each of
//! them weighs its whole tree again; weighing a term or a phrase for
//! BM25 is most of what setting a pass up costs, and the passes' trees are
//! mostly the same terms and phrases.

use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Explanation, Occur, PhraseQuery, Query, Scorer,
    TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Schema};
use tantivy::{DocId, Score, SegmentReader, Term};

use super::lazy_union::LazyUnionQuery;

/// A query over hoshin's fields.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryTree {
    /// One term in one field, scored with its frequency.
    Term {
        /// The field.
        field: Field,
        /// The term.
        text: String,
    },
    /// Terms at these relative positions in one field.
    Phrase {
        /// The field.
        field: Field,
        /// (position, term) pairs, the first at 0.
        terms: Vec<(usize, String)>,
    },
    /// Every part must match; the scores add up.
    All(Vec<QueryTree>),
    /// Any part may match; the scores of those that do add up.
    Any(Vec<QueryTree>),
    /// At least `required` of the parts must match.
    AtLeast {
        /// How many parts must match.
        required: usize,
        /// The parts.
        of: Vec<QueryTree>,
    },
    /// The part's score times a weight.
    Boost(f32, Box<QueryTree>),
    /// Items of one fiscal year, each scoring 1.
    FiscalYear {
        /// The numeric fiscal-year field.
        field: Field,
        /// The western fiscal year.
        year: u64,
    },
}

impl QueryTree {
    /// The tantivy query of this tree, its terms and phrases weighed once
    /// for all the queries made with the same `leaves`, for reading its
    /// matches from first to last.
    pub fn to_query(&self, leaves: &LeafWeights) -> Box<dyn Query> {
        self.query_read(leaves, Reading::Whole)
    }

    /// The tantivy query of this tree as a part of an intersection, which
    /// asks it about the candidates another part finds.
    pub fn to_seeked_query(&self, leaves: &LeafWeights) -> Box<dyn Query> {
        self.query_read(leaves, Reading::Seeked)
    }

    fn query_read(&self, leaves: &LeafWeights, reading: Reading) -> Box<dyn Query> {
        match self {
            QueryTree::Term { field, text } => leaves.shared(Leaf::Term(Term::from_field_text(*field, text))),
            QueryTree::Phrase { field, terms } => leaves.shared(Leaf::Phrase(
                terms.iter().map(|(position, text)| (*position, Term::from_field_text(*field, text))).collect(),
            )),
            // All but the cheapest part of an intersection are asked about its candidates.
            QueryTree::All(parts) => Box::new(BooleanQuery::new(clauses(Occur::Must, parts, leaves, Reading::Seeked))),
            QueryTree::Any(parts) => match reading {
                Reading::Whole => Box::new(BooleanQuery::new(clauses(Occur::Should, parts, leaves, reading))),
                Reading::Seeked => {
                    Box::new(LazyUnionQuery::new(parts.iter().map(|part| part.query_read(leaves, reading)).collect()))
                }
            },
            QueryTree::AtLeast { required, of } => Box::new(BooleanQuery::with_minimum_required_clauses(
                clauses(Occur::Should, of, leaves, Reading::Whole),
                *required,
            )),
            QueryTree::Boost(weight, part) => Box::new(BoostQuery::new(part.query_read(leaves, reading), *weight)),
            QueryTree::FiscalYear { field, year } => Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(Term::from_field_u64(*field, *year), IndexRecordOption::Basic)),
                1.0,
            )),
        }
    }

    /// The tree on one line, fields by name: `any(text:"図書館"^5, …)`.
    pub fn render(&self, schema: &Schema) -> String {
        let mut out = String::new();
        self.render_into(schema, &mut out);
        out
    }

    fn render_into(&self, schema: &Schema, out: &mut String) {
        let list = |name: &str, parts: &[QueryTree], out: &mut String| {
            out.push_str(name);
            out.push('(');
            for (index, part) in parts.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                part.render_into(schema, out);
            }
            out.push(')');
        };
        match self {
            QueryTree::Term { field, text } => {
                let _ = write!(out, "{}:{text:?}", schema.get_field_name(*field));
            }
            QueryTree::Phrase { field, terms } => {
                let _ = write!(out, "{}:[", schema.get_field_name(*field));
                for (index, (position, text)) in terms.iter().enumerate() {
                    let separator = if index > 0 { " " } else { "" };
                    let _ = write!(out, "{separator}{position}:{text}");
                }
                out.push(']');
            }
            QueryTree::All(parts) => list("all", parts, out),
            QueryTree::Any(parts) => list("any", parts, out),
            QueryTree::AtLeast { required, of } => list(&format!("at_least_{required}"), of, out),
            QueryTree::Boost(weight, part) => {
                part.render_into(schema, out);
                let _ = write!(out, "^{weight}");
            }
            QueryTree::FiscalYear { field, year } => {
                let _ = write!(out, "{}={year}", schema.get_field_name(*field));
            }
        }
    }
}

/// How a query's matches are read: from first to last, or a candidate at a
/// time (see [`LazyUnionQuery`]).
#[derive(Clone, Copy)]
enum Reading {
    Whole,
    Seeked,
}

fn clauses(occur: Occur, parts: &[QueryTree], leaves: &LeafWeights, reading: Reading) -> Vec<(Occur, Box<dyn Query>)> {
    parts.iter().map(|part| (occur, part.query_read(leaves, reading))).collect()
}

/// The weights of the terms and phrases of one search's queries, each made
/// the first time a query of the search weighs it. Only for the queries of
/// one search: a weight holds the statistics of the searcher it was made with.
#[derive(Clone, Default)]
pub struct LeafWeights(Arc<Mutex<FxHashMap<Leaf, SharedLeaf>>>);

/// A leaf of a query tree.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Leaf {
    /// A term, scored with its frequency.
    Term(Term),
    /// Terms at these positions.
    Phrase(Vec<(usize, Term)>),
}

impl LeafWeights {
    /// The query of `leaf`, weighed once for all the queries of these weights.
    fn shared(&self, leaf: Leaf) -> Box<dyn Query> {
        let mut leaves = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(shared) = leaves.get(&leaf) {
            return Box::new(shared.clone());
        }
        let query: Box<dyn Query> = match &leaf {
            Leaf::Term(term) => Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
            Leaf::Phrase(terms) => Box::new(PhraseQuery::new_with_offset(terms.clone())),
        };
        let shared = SharedLeaf(Arc::new(LeafQuery { query, scored: OnceLock::new(), unscored: OnceLock::new() }));
        leaves.insert(leaf, shared.clone());
        Box::new(shared)
    }
}

/// A leaf's query, and its weights once made.
struct LeafQuery {
    query: Box<dyn Query>,
    scored: OnceLock<Arc<dyn Weight>>,
    unscored: OnceLock<Arc<dyn Weight>>,
}

/// A term or phrase query weighed once per [`LeafWeights`], with scoring
/// and without.
#[derive(Clone)]
struct SharedLeaf(Arc<LeafQuery>);

impl std::fmt::Debug for SharedLeaf {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.query.fmt(formatter)
    }
}

impl Query for SharedLeaf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let LeafQuery { query, scored, unscored } = self.0.as_ref();
        let made = if enable_scoring.is_scoring_enabled() { scored } else { unscored };
        if let Some(weight) = made.get() {
            return Ok(Box::new(SharedWeight(Arc::clone(weight))));
        }
        let weight: Arc<dyn Weight> = Arc::from(query.weight(enable_scoring)?);
        // Had another thread made it meanwhile, both are the same weight.
        Ok(Box::new(SharedWeight(Arc::clone(made.get_or_init(|| weight)))))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query.query_terms(visitor);
    }
}

/// A leaf's weight, shared; every method is the leaf's own, so that its
/// specialised loops (a term's block-max pruning) still run.
struct SharedWeight(Arc<dyn Weight>);

impl Weight for SharedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.0.scorer(reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.0.count(reader)
    }

    fn for_each(&self, reader: &SegmentReader, callback: &mut dyn FnMut(DocId, Score)) -> tantivy::Result<()> {
        self.0.for_each(reader, callback)
    }

    fn for_each_no_score(&self, reader: &SegmentReader, callback: &mut dyn FnMut(&[DocId])) -> tantivy::Result<()> {
        self.0.for_each_no_score(reader, callback)
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        self.0.for_each_pruning(threshold, reader, callback)
    }
}
