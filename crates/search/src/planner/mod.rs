//! From a resident's clauses to the queries the engine runs.
//!
//! A clause (a word or a quoted phrase, see [`crate::syntax`]) matches an item
//! when any of its alternatives does, and the scores of all that do add up,
//! each scaled by its weight ([`weights`] holds them all):
//!
//! | alternative | fields |
//! |---|---|
//! | every word as written, each in the text or heading (a quoted compound: its substring, which is the same) | `text`, `policy` |
//! | every normalised word (variant, inflection), each in text, heading or department | `*_normalized`, `department` |
//! | the words standing together as typed ([`clause::PhraseBonus`]) | `text` or `text_ngram` |
//! | the clause's reading, for a clause written in kana | `*_reading` |
//! | the clause as a substring | `*_ngram` |
//! | the clause with one synonym swapped in, as normalised words, substring and (a compound's) phrase bonus | the fields of those |
//! | most of the clause's character bigrams (OCR-like near misses), see below | `*_ngram` |
//!
//! Every required clause must match and no excluded one may. A plan is a
//! [`QueryTree`] per clause; each node of it is one tantivy query, so the
//! tests in `tests.rs` show exactly what runs for each kind of input.
//!
//! Near misses are an escalation, planned only when asked for
//! ([`NearMisses::Include`]): the engine first runs the query without them and
//! asks again when it finds too few items, the way Groonga's
//! `match_escalation_threshold` does. Their bigram disjunctions walk the
//! posting lists of the commonest bigrams, which in a large corpus costs far
//! more than the rest of the query, and they only ever rank behind the exact
//! matches they would add to.
//!
//! The clauses are also offered as [`Unit`]s (a single word: its normalised
//! words), so the engine can relax a query that matches too few items to
//! "most words".

mod clause;
mod synonyms;
mod tree;
pub mod weights;

use hoshin_analysis::Analyzers;

use crate::snippet::HighlightTerms;
use crate::syntax::{Clause, ClauseKind};
use clause::{Alternatives, Analysed};
use synonyms::synonym_texts;
pub use tree::QueryTree;
use weights::FieldWeights;

/// Whether a plan includes near misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NearMisses {
    /// No clause is long enough to have near misses.
    NotApplicable,
    /// Some clause could have them, and the plan leaves them out.
    LeftOut,
    /// The plan includes them.
    Include,
}

/// One part of a query that relaxation may leave unmatched.
pub struct Unit {
    /// The word as shown to the user.
    pub label: String,
    /// What the word matches.
    pub query: QueryTree,
}

/// Everything the engine needs to run a query.
pub struct QueryPlan {
    /// Required clauses, in order; empty when the query has none.
    pub required: Vec<QueryTree>,
    /// Excluded clauses.
    pub excluded: Vec<QueryTree>,
    /// The parts that relaxation counts, when there are two or more.
    pub units: Vec<Unit>,
    /// What to highlight in the hits.
    pub highlight: HighlightTerms,
    /// Whether near misses are in the plan, left out, or not possible.
    pub near_misses: NearMisses,
}

/// Builds [`QueryPlan`]s with the index's analyzers, field weights and synonyms.
pub struct Planner<'a> {
    analyzers: &'a Analyzers,
    alternatives: Alternatives<'a>,
    synonyms: &'a [Vec<String>],
}

impl<'a> Planner<'a> {
    /// A planner over one index's analyzers and fields; `synonyms` are groups
    /// of normalised words (see `hoshin_analysis::Lexicon`).
    pub fn new(analyzers: &'a Analyzers, weights: &'a FieldWeights, synonyms: &'a [Vec<String>]) -> Self {
        Planner { analyzers, alternatives: Alternatives { weights }, synonyms }
    }

    /// Plans the query for `clauses`, with near misses when `near_misses` is
    /// [`NearMisses::Include`].
    pub fn plan(&self, clauses: &[Clause], near_misses: NearMisses) -> QueryPlan {
        let include_near_misses = near_misses == NearMisses::Include;
        let mut plan = QueryPlan {
            required: Vec::new(),
            excluded: Vec::new(),
            units: Vec::new(),
            highlight: HighlightTerms::default(),
            near_misses: NearMisses::NotApplicable,
        };
        let mut clause_units = Vec::new();
        let mut single_clause_units = Vec::new();
        for clause in clauses {
            let analysed = Analysed::new(self.analyzers, &clause.text);
            let synonyms: Vec<Analysed> = synonym_texts(self.synonyms, &analysed.substring)
                .iter()
                .map(|synonym| Analysed::new(self.analyzers, synonym))
                .collect();
            if analysed.allows_near_misses(clause.kind) {
                plan.near_misses = if include_near_misses { NearMisses::Include } else { NearMisses::LeftOut };
            }
            let Some(query) = self.alternatives.clause(&analysed, &synonyms, clause.kind, include_near_misses) else {
                continue;
            };
            if clause.excluded {
                plan.excluded.push(query);
                continue;
            }
            for analysed in std::iter::once(&analysed).chain(&synonyms) {
                add_highlights(&mut plan.highlight, analysed);
            }
            // A kana word is matched by its reading as a whole; its dictionary
            // segmentation (ぼう・はん for ぼうはん) is no set of words to relax.
            if clause.kind == ClauseKind::Word && analysed.reading.is_none() {
                single_clause_units = analysed
                    .normalized
                    .iter()
                    .map(|(_, term)| Unit { label: term.clone(), query: self.alternatives.normalized_term(term) })
                    .collect();
            }
            clause_units.push(Unit { label: clause.text.clone(), query: query.clone() });
            plan.required.push(query);
        }
        plan.units = if clause_units.len() > 1 { clause_units } else { single_clause_units };
        if plan.units.len() < 2 {
            plan.units.clear();
        }
        plan
    }
}

/// Marks what `analysed` matches in the hits: its normalised words, its
/// substring, and its reading.
fn add_highlights(highlight: &mut HighlightTerms, analysed: &Analysed) {
    highlight.normalized.extend(analysed.normalized.iter().map(|(_, term)| term.clone()));
    highlight.substrings.push(analysed.substring.chars().collect());
    highlight.readings.extend(analysed.reading.iter().map(|reading| reading.chars().collect()));
}

#[cfg(test)]
mod tests;
