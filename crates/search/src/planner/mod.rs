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
//! | the words standing together as typed (`clause::PhraseBonus`) | `text` or `text_ngram` |
//! | the clause's reading, for a clause written in kana | `*_reading` |
//! | the clause as a substring | `*_ngram` |
//! | the clause with one word swapped ([`swaps`](mod@swaps): synonym, resident phrase, related word), as normalised words, substring and (a compound's) phrase bonus | the fields of those |
//! | most of the clause's character bigrams (OCR-like near misses), see below | `*_ngram` |
//! | readings it may have been meant as ([`sound_alike`]), see below | `*_reading` |
//! | words it may be clipped from (`clipped.rs`: ケアマネ, 特養), see below | `*_reading`, or `text`, `policy` |
//! | its spellings with a lookalike character (`lookalike.rs`: 往 for 住), see below | `*_ngram` |
//! | the fiscal year it names (令和5年度), for a clause naming nothing else | `fiscal_year` |
//!
//! A query naming a fiscal year also ranks that year's items up
//! ([`QueryPlan::rank_up`]).
//! Every required clause must match and no excluded one may. A plan is a
//! [`QueryTree`] per clause; each node of it is one tantivy query, so the
//! tests in `tests.rs` show exactly what runs for each kind of input.
//!
//! Near misses, related words, sound-alikes, clippings and lookalikes are an escalation, planned only when asked
//! for ([`Escalation::On`]): the engine first runs the query without them and
//! asks again when it finds too few items, the way Groonga's
//! `match_escalation_threshold` does. Near misses' bigram disjunctions walk
//! the posting lists of the commonest bigrams, which in a large corpus costs
//! far more than the rest of the query, and they only ever rank behind the
//! exact matches they would add to. The others go only to a clause that
//! matches nothing as typed, so that 公園 never pulls in 講演.
//! Such a clause that still finds nothing, when particles or other words
//! without a topic part it (福止の窓口, マイナカードを作りたい), is split into its
//! parts, each then planned as a clause of its own: a slip in one part is
//! corrected, the parts that match are kept, and relaxation counts the
//! parts, so a wish or a question word that no item holds is left out and
//! named as missing.
//!
//! The clauses are also offered as [`Unit`]s (a single word: its normalised
//! words), so the engine can relax a query that matches too few items to
//! "most words", or "any word".

mod clause;
mod clipped;
mod lazy_union;
mod lookalike;
pub mod sound_alike;
pub mod swaps;
mod tree;
pub mod weights;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};

use hoshin_analysis::Analyzers;

use crate::query_lists::QueryLists;
use crate::results::Expansion;
use crate::snippet::HighlightTerms;
use crate::suggest::Suggester;
use crate::syntax::{Clause, ClauseKind};
use clause::{Alternatives, Analysed};
use lookalike::lookalike_spellings;
use sound_alike::sound_alikes;
pub use swaps::{city_synonym_map, PhraseTable};
use swaps::{swaps, Swap, SwapKind};
pub use tree::{LeafWeights, QueryTree};
use weights::FieldWeights;

/// The kind of expansion a sound-alike is.
const SOUND_ALIKE: &str = "sound_alike";
/// The kind of expansion a word a clause may be clipped from is.
const CLIPPED: &str = "clipped";
/// The kind of expansion a spelling with a lookalike character is.
const LOOKALIKE: &str = "lookalike";

/// One way a clause that finds nothing as typed is widened beyond its
/// words: a sound-alike, a word it may be clipped from, a lookalike spelling.
pub struct Widening {
    /// Its kind, as answers name it.
    kind: &'static str,
    /// What the clause is taken for.
    to: String,
    /// What that matches.
    query: QueryTree,
    /// How its matches are highlighted.
    highlight: WideningHighlight,
}

/// How a widening's matches are highlighted.
pub enum WideningHighlight {
    /// By reading.
    Reading(String),
    /// As a substring.
    Substring(String),
}

/// Whether a plan escalates: adds near misses and widens the words that find nothing.
#[derive(Clone, Copy)]
pub enum Escalation<'a> {
    /// The query as typed.
    Off,
    /// Near misses for long clauses, and, for each clause that
    /// `finds_nothing` says matches nothing as typed, words of related
    /// meaning (for its words that find nothing either), sound-alikes and
    /// clippings (of the index's `vocabulary`) and lookalike spellings;
    /// when even those find nothing, the clause's parts instead.
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
    /// How the required clauses were widened beyond what was typed, each
    /// with what it matches on its own.
    pub expansions: Vec<(Expansion, QueryTree)>,
    /// Whether escalating added anything to the plan.
    pub escalated: bool,
    /// Whether escalating adds near misses to some clause, whatever the
    /// clauses find: when not, only a query that finds nothing escalates.
    pub near_misses: bool,
}

/// Builds [`QueryPlan`]s with the index's analyzers, field weights and the
/// query-time word lists. One planner serves one search.
pub struct Planner<'a> {
    analyzers: &'a Analyzers,
    alternatives: Alternatives<'a>,
    lists: &'a QueryLists,
    /// The texts analysed so far, by text. A search that finds few items
    /// plans again, escalated, and a one-word clause is analysed as a clause
    /// and again as a word; lindera's lattice is the dearest part of planning.
    analysed: RefCell<HashMap<String, Analysed>>,
    /// How many more items look-ups clippings and lookalike spellings may
    /// make in this plan (see [`WIDENING_LOOKUPS`]).
    widening_lookups: Cell<usize>,
    /// Whether clauses are widened with swaps; not when a resident asks for
    /// their words exactly as typed.
    swaps_words: bool,
}

/// Most look-ups (does any item hold this?) one plan spends on clippings and
/// lookalike spellings: each clause that finds nothing tries dozens, and a
/// query of many such clauses would otherwise run thousands.
const WIDENING_LOOKUPS: usize = 256;

/// Fewest characters a clause has to be widened by what it sounds like, what
/// it may be clipped from or what it looks like: one character sounds and
/// looks like too many others to tell which was meant.
const MIN_WIDENED_CHARS: usize = 2;

impl<'a> Planner<'a> {
    /// A planner over one index's analyzers and fields.
    pub fn new(analyzers: &'a Analyzers, weights: &'a FieldWeights, lists: &'a QueryLists) -> Self {
        Planner {
            analyzers,
            alternatives: Alternatives { weights },
            lists,
            analysed: RefCell::default(),
            widening_lookups: Cell::new(WIDENING_LOOKUPS),
            swaps_words: true,
        }
    }

    /// This planner, planning the words exactly as typed: no synonym,
    /// phrase or related word is swapped in. (Escalation is the engine's to
    /// leave out.)
    pub fn as_typed(self) -> Self {
        Planner { swaps_words: false, ..self }
    }

    /// Plans the query for `clauses`, escalated or not.
    pub fn plan(&self, clauses: &[Clause], escalation: Escalation<'_>) -> QueryPlan {
        let mut plan = QueryPlan {
            required: Vec::new(),
            excluded: Vec::new(),
            rank_up: Vec::new(),
            units: Vec::new(),
            highlight: HighlightTerms::default(),
            expansions: Vec::new(),
            escalated: false,
            near_misses: false,
        };
        let mut clause_units = Vec::new();
        let mut single_clause_units = Vec::new();
        let mut pending: VecDeque<Clause> = clauses.iter().cloned().collect();
        while let Some(clause) = pending.pop_front() {
            let analysed = self.analyse(&clause.text);
            let mut swaps = match self.swaps_words {
                true => swaps(&clause.text, &analysed, self.lists, None),
                false => Vec::new(),
            };
            let mut swapped = self.analyse_swaps(&swaps);
            let Some(mut query) = self.alternatives.clause(&analysed, &swapped, clause.kind) else {
                continue;
            };
            let near_misses = analysed.allows_near_misses(clause.kind);
            plan.near_misses |= near_misses;
            let mut widenings = Vec::new();
            if let Escalation::On { finds_nothing, vocabulary } = escalation {
                let widened = clause.kind == ClauseKind::Word && !clause.excluded && finds_nothing(&query);
                if widened {
                    let word_finds_nothing = |word: &str| {
                        let analysed = self.analyse(word);
                        self.alternatives
                            .clause(&analysed, &[], ClauseKind::Word)
                            .is_none_or(|tree| finds_nothing(&tree))
                    };
                    swaps = swaps::swaps(&clause.text, &analysed, self.lists, Some(&word_finds_nothing));
                    swapped = self.analyse_swaps(&swaps);
                    query = self.alternatives.clause(&analysed, &swapped, clause.kind).unwrap_or(query);
                    widenings = self.widenings(&clause.text, &analysed, vocabulary, finds_nothing);
                    plan.escalated |= swaps.iter().any(|swap| swap.kind == SwapKind::Related);
                }
                if near_misses || !widenings.is_empty() {
                    query = self.alternatives.escalated(query, &analysed, near_misses, &widenings);
                    plan.escalated = true;
                }
                let parts = if widened { analysed.parts(&clause.text) } else { Vec::new() };
                if parts.len() > 1 && finds_nothing(&query) {
                    // Each part on its own, so that a slip in one is
                    // corrected and the others kept, and relaxation counts
                    // the parts.
                    for part in parts.into_iter().rev() {
                        pending.push_front(Clause { text: part, ..clause.clone() });
                    }
                    plan.escalated = true;
                    continue;
                }
            }
            if clause.excluded {
                plan.excluded.push(query);
                continue;
            }
            plan.rank_up.extend(analysed.fiscal_year().map(|year| self.alternatives.fiscal_year(year)));
            add_highlights(&mut plan.highlight, &analysed);
            for (swap, (swapped, _)) in swaps.into_iter().zip(&swapped) {
                let replacement = self.analyse(&swap.to);
                match replacement.normalized.len() {
                    // A compound swapped in is marked only where it stands
                    // whole: デジタル化 for ＤＸ, never a lone 化 in 標準化.
                    2.. => plan.highlight.substrings.push(replacement.substring),
                    _ => add_highlights(&mut plan.highlight, swapped),
                }
                if let Some(tree) = self.alternatives.swap(swapped, clause.kind, swap.kind) {
                    let expansion = Expansion { kind: swap.kind.label(), from: swap.from, to: swap.to };
                    plan.expansions.push((expansion, tree));
                }
            }
            for widening in widenings {
                match widening.highlight {
                    WideningHighlight::Reading(reading) => plan.highlight.readings.push(reading.chars().collect()),
                    WideningHighlight::Substring(spelling) => plan.highlight.substrings.push(spelling),
                }
                let expansion = Expansion { kind: widening.kind, from: clause.text.clone(), to: widening.to };
                plan.expansions.push((expansion, widening.query));
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

    /// `text` analysed, once per planner.
    fn analyse(&self, text: &str) -> Analysed {
        if let Some(analysed) = self.analysed.borrow().get(text) {
            return analysed.clone();
        }
        let analysed = Analysed::new(self.analyzers, text);
        self.analysed.borrow_mut().insert(text.to_string(), analysed.clone());
        analysed
    }

    /// The ways `text`, a clause that finds nothing as typed, is widened:
    /// what it sounds like, what it may be clipped from, and its spellings
    /// with a lookalike character.
    fn widenings(
        &self,
        text: &str,
        analysed: &Analysed,
        vocabulary: &Suggester,
        finds_nothing: &dyn Fn(&QueryTree) -> bool,
    ) -> Vec<Widening> {
        let alternatives = &self.alternatives;
        let sounds = sound_alikes(text, &self.lists.readings, vocabulary).into_iter().filter_map(|reading| {
            let query = alternatives.sound_alike(&reading)?;
            Some(Widening {
                kind: SOUND_ALIKE,
                to: reading.clone(),
                query,
                highlight: WideningHighlight::Reading(reading),
            })
        });
        // Past the plan's budget a spelling counts as found nowhere, and is dropped.
        let budgeted = |tree: &QueryTree| match self.widening_lookups.get() {
            0 => true,
            left => {
                self.widening_lookups.set(left - 1);
                finds_nothing(tree)
            }
        };
        let clips = clipped::clips(analysed, alternatives, vocabulary, &budgeted);
        let lookalikes = lookalike_spellings(analysed, alternatives, &budgeted).into_iter().map(|(spelling, query)| {
            Widening { kind: LOOKALIKE, to: spelling.clone(), query, highlight: WideningHighlight::Substring(spelling) }
        });
        sounds.chain(clips).chain(lookalikes).collect()
    }

    /// Each swap's text analysed.
    fn analyse_swaps(&self, swaps: &[Swap]) -> Vec<(Analysed, SwapKind)> {
        swaps.iter().map(|swap| (self.analyse(&swap.text), swap.kind)).collect()
    }
}

/// Marks what `analysed` matches in the hits: its normalised words, its
/// substring, and its reading.
fn add_highlights(highlight: &mut HighlightTerms, analysed: &Analysed) {
    highlight.normalized.extend(analysed.normalized.iter().map(|(_, term)| term.clone()));
    highlight.substrings.push(analysed.substring.clone());
    highlight.readings.extend(analysed.reading.iter().map(|reading| reading.chars().collect()));
}

#[cfg(test)]
mod tests;
