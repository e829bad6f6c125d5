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
//! | readings it may have been meant as ([`sound_alike`]), see below | `*_reading` |
//!
//! Every required clause must match and no excluded one may. A plan is a
//! [`QueryTree`] per clause; each node of it is one tantivy query, so the
//! tests in `tests.rs` show exactly what runs for each kind of input.
//!
//! Near misses and sound-alikes are an escalation, planned only when asked
//! for ([`Escalation::On`]): the engine first runs the query without them and
//! asks again when it finds too few items, the way Groonga's
//! `match_escalation_threshold` does. Near misses' bigram disjunctions walk
//! the posting lists of the commonest bigrams, which in a large corpus costs
//! far more than the rest of the query, and they only ever rank behind the
//! exact matches they would add to. Sound-alikes go only to a clause that
//! matches nothing as typed, so that 公園 never pulls in 講演.
//!
//! The clauses are also offered as [`Unit`]s (a single word: its normalised
//! words), so the engine can relax a query that matches too few items to
//! "most words".

mod clause;
pub mod sound_alike;
mod synonyms;
mod tree;
pub mod weights;

use hoshin_analysis::Analyzers;

use crate::query_lists::QueryLists;
use crate::snippet::HighlightTerms;
use crate::suggest::Suggester;
use crate::syntax::{Clause, ClauseKind};
use clause::{Alternatives, Analysed};
use sound_alike::sound_alikes;
use synonyms::synonym_texts;
pub use tree::QueryTree;
use weights::FieldWeights;

/// Whether a plan escalates: adds near misses and sound-alikes.
#[derive(Clone, Copy)]
pub enum Escalation<'a> {
    /// The query as typed.
    Off,
    /// Near misses for long clauses, and sound-alikes for each clause that
    /// `finds_nothing` says matches nothing as typed, spelled from the
    /// index's `vocabulary`.
    On {
        /// Whether a clause's query matches no item.
        finds_nothing: &'a dyn Fn(&QueryTree) -> bool,
        /// The words of the index.
        vocabulary: &'a Suggester,
    },
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
    /// What only ranks the matches: the fiscal years the query names.
    pub rank_up: Vec<QueryTree>,
    /// The parts that relaxation counts, when there are two or more.
    pub units: Vec<Unit>,
    /// What to highlight in the hits.
    pub highlight: HighlightTerms,
    /// Whether escalating added anything to the plan.
    pub escalated: bool,
}

/// Builds [`QueryPlan`]s with the index's analyzers, field weights and the
/// query-time word lists.
pub struct Planner<'a> {
    analyzers: &'a Analyzers,
    alternatives: Alternatives<'a>,
    lists: &'a QueryLists,
}

impl<'a> Planner<'a> {
    /// A planner over one index's analyzers and fields.
    pub fn new(analyzers: &'a Analyzers, weights: &'a FieldWeights, lists: &'a QueryLists) -> Self {
        Planner { analyzers, alternatives: Alternatives { weights }, lists }
    }

    /// Plans the query for `clauses`, escalated or not.
    pub fn plan(&self, clauses: &[Clause], escalation: Escalation<'_>) -> QueryPlan {
        let mut plan = QueryPlan {
            required: Vec::new(),
            excluded: Vec::new(),
            rank_up: Vec::new(),
            units: Vec::new(),
            highlight: HighlightTerms::default(),
            escalated: false,
        };
        let mut clause_units = Vec::new();
        let mut single_clause_units = Vec::new();
        for clause in clauses {
            let analysed = Analysed::new(self.analyzers, &clause.text);
            let synonyms: Vec<Analysed> = synonym_texts(&self.lists.synonyms, &analysed.substring)
                .iter()
                .map(|synonym| Analysed::new(self.analyzers, synonym))
                .collect();
            let Some(mut query) = self.alternatives.clause(&analysed, &synonyms, clause.kind) else {
                continue;
            };
            if let Escalation::On { finds_nothing, vocabulary } = escalation {
                let near_misses = analysed.allows_near_misses(clause.kind);
                let sounds = match clause.kind {
                    ClauseKind::Word if !clause.excluded && finds_nothing(&query) => {
                        sound_alikes(&clause.text, &self.lists.readings, vocabulary)
                    }
                    _ => Vec::new(),
                };
                if near_misses || !sounds.is_empty() {
                    query = self.alternatives.escalated(query, &analysed, near_misses, &sounds);
                    plan.escalated = true;
                    plan.highlight.readings.extend(sounds.iter().map(|reading| reading.chars().collect()));
                }
            }
            if clause.excluded {
                plan.excluded.push(query);
                continue;
            }
            plan.rank_up.extend(analysed.fiscal_year().map(|year| self.alternatives.fiscal_year(year)));
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
