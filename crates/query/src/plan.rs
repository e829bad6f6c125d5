//! From a resident's clauses to tantivy queries, ranked in the order the
//! engine promises: exact words, then variants and inflections, then readings,
//! then synonyms, then substrings, then near misses.
//!
//! A clause matches an item when any of these alternatives does, and the scores
//! of all that do add up, each scaled by its weight:
//!
//! | alternative | fields | weight |
//! |---|---|---|
//! | every word as written, each in the text or heading (a quoted compound: its substring, which is the same) | `text`, `policy` | 3.0, 1.5 |
//! | every normalised word (variant, inflection), each in text, heading or department | `*_normalized`, `department` | 2.0, 1.0, 1.5 |
//! | the words standing together as typed (on the word's `text` term, the `text_ngram` substring or a phrase query of its own) | `text` | +2.0 |
//! | the clause's reading, for a clause written in kana | `*_reading` | 1.0, 0.5 |
//! | the clause as a substring | `*_ngram` | 1.0, 0.5 |
//! | the clause with one synonym swapped in, as normalised words, phrase bonus or substring | the fields of those | × 0.4 |
//! | most of the clause's character bigrams (OCR-like near misses), see below | `*_ngram` | 0.3 |
//!
//! Near misses are an escalation, planned only when asked for: the engine
//! first runs the query without them and asks again when it finds too few
//! items, the way Groonga's `match_escalation_threshold` does. Their bigram
//! disjunctions walk the posting lists of the commonest bigrams, which in a
//! large corpus costs far more than the rest of the query, and they only ever
//! rank behind the exact matches they would add to.
//!
//! The clause's parts are also offered as [`Unit`]s, so the engine can relax a
//! query that matches too few items to "most words".

use hoshin_analysis::ngram::{covering_terms, substring_terms};
use hoshin_analysis::normalize::normalize;
use hoshin_analysis::reading::{is_kana, reading_key};
use hoshin_analysis::Fields;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use crate::snippet::HighlightTerms;
use crate::syntax::{Clause, ClauseKind};

const TEXT_WEIGHT: f32 = 3.0;
const POLICY_WEIGHT: f32 = 1.5;
const TEXT_NORMALIZED_WEIGHT: f32 = 2.0;
const POLICY_NORMALIZED_WEIGHT: f32 = 1.0;
const DEPARTMENT_WEIGHT: f32 = 1.5;
const PHRASE_BONUS_WEIGHT: f32 = 2.0;
const TEXT_READING_WEIGHT: f32 = 1.0;
const POLICY_READING_WEIGHT: f32 = 0.5;
const TEXT_NGRAM_WEIGHT: f32 = 1.0;
const POLICY_NGRAM_WEIGHT: f32 = 0.5;
const SYNONYM_FACTOR: f32 = 0.4;
const NEAR_MISS_WEIGHT: f32 = 0.3;

/// Share of a clause's bigrams a near miss must contain at least.
const NEAR_MISS_SHARE: f32 = 0.6;
/// Bigrams a near miss may lack: one misprinted character spoils two.
const NEAR_MISS_LOST_BIGRAMS: usize = 2;
/// Shortest clause, in characters, that near misses are looked for: in shorter
/// ones two lost bigrams leave too little to tell a misprint from another word.
const NEAR_MISS_MIN_CHARS: usize = 8;
/// Most synonym substitutions tried per clause.
const MAX_SYNONYM_ALTERNATIVES: usize = 8;

/// One part of a query that relaxation may leave unmatched.
pub struct Unit {
    /// The word as shown to the user.
    pub label: String,
    /// What the word matches.
    pub query: Box<dyn Query>,
}

/// Everything the engine needs to run a query.
pub struct QueryPlan {
    /// Required clauses, in order; empty when the query has none.
    pub required: Vec<Box<dyn Query>>,
    /// Excluded clauses.
    pub excluded: Vec<Box<dyn Query>>,
    /// The parts that relaxation counts, when there are two or more.
    pub units: Vec<Unit>,
    /// What to highlight in the hits.
    pub highlight: HighlightTerms,
    /// Whether asking for near misses would add alternatives to this plan.
    pub near_misses_left_out: bool,
}

/// Builds [`QueryPlan`]s; holds the query-side analyzers.
pub struct Planner<'a> {
    fields: &'a Fields,
    surface: TextAnalyzer,
    normalized: TextAnalyzer,
    synonyms: &'a [Vec<String>],
    near_misses: bool,
    near_misses_left_out: bool,
}

/// A text after every analysis a clause goes through.
struct Analysed {
    surface: Vec<(usize, String)>,
    normalized: Vec<(usize, String)>,
    substring: String,
    reading: Option<String>,
}

/// Where the words of an alternative come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The clause as the resident typed it.
    Typed,
    /// The clause with a synonym swapped in.
    Synonym,
}

impl Origin {
    fn factor(self) -> f32 {
        match self {
            Origin::Typed => 1.0,
            Origin::Synonym => SYNONYM_FACTOR,
        }
    }
}

impl<'a> Planner<'a> {
    /// A planner using the index's own analyzers; it plans near misses when
    /// `near_misses` is set.
    pub fn new(
        fields: &'a Fields,
        surface: TextAnalyzer,
        normalized: TextAnalyzer,
        synonyms: &'a [Vec<String>],
        near_misses: bool,
    ) -> Self {
        Planner { fields, surface, normalized, synonyms, near_misses, near_misses_left_out: false }
    }

    /// Plans the query for `clauses`.
    pub fn plan(&mut self, clauses: &[Clause]) -> QueryPlan {
        let mut plan = QueryPlan {
            required: Vec::new(),
            excluded: Vec::new(),
            units: Vec::new(),
            highlight: HighlightTerms::default(),
            near_misses_left_out: false,
        };
        self.near_misses_left_out = false;
        let mut clause_units = Vec::new();
        let mut single_clause_terms = Vec::new();
        for clause in clauses {
            let analysed = self.analyse(&clause.text);
            let synonyms: Vec<Analysed> =
                synonym_texts(self.synonyms, &analysed.substring).iter().map(|synonym| self.analyse(synonym)).collect();
            let Some(query) = self.clause_query(&analysed, &synonyms, clause.kind) else {
                continue;
            };
            if clause.excluded {
                plan.excluded.push(query);
                continue;
            }
            for analysed in std::iter::once(&analysed).chain(&synonyms) {
                self.add_highlights(analysed, &mut plan.highlight);
            }
            // A kana word is matched by its reading as a whole; its dictionary
            // segmentation (ぼう・はん for ぼうはん) is no set of words to relax.
            if clause.kind == ClauseKind::Word && analysed.reading.is_none() {
                single_clause_terms = analysed
                    .normalized
                    .iter()
                    .map(|(_, term)| Unit { label: term.clone(), query: self.normalized_term_query(term) })
                    .collect();
            }
            clause_units.push(Unit { label: clause.text.clone(), query: query.box_clone() });
            plan.required.push(query);
        }
        plan.units = if clause_units.len() > 1 { clause_units } else { single_clause_terms };
        if plan.units.len() < 2 {
            plan.units.clear();
        }
        plan.near_misses_left_out = self.near_misses_left_out;
        plan
    }

    fn analyse(&mut self, text: &str) -> Analysed {
        Analysed {
            surface: terms(&mut self.surface, text),
            normalized: terms(&mut self.normalized, text),
            substring: normalize(text).chars().filter(|c| !c.is_whitespace()).collect(),
            reading: is_kana(text).then(|| reading_key(text)),
        }
    }

    fn add_highlights(&self, analysed: &Analysed, highlight: &mut HighlightTerms) {
        highlight.normalized.extend(analysed.normalized.iter().map(|(_, term)| term.clone()));
        highlight.substrings.push(analysed.substring.chars().collect());
        highlight.readings.extend(analysed.reading.iter().map(|reading| reading.chars().collect()));
    }

    /// What one clause matches, given the clause and its synonym swaps analysed,
    /// or `None` when analysis leaves nothing to match.
    fn clause_query(&mut self, analysed: &Analysed, synonyms: &[Analysed], kind: ClauseKind) -> Option<Box<dyn Query>> {
        let mut alternatives = self.literal_alternatives(analysed, kind, Origin::Typed);
        if let Some(reading) = &analysed.reading {
            for (field, weight) in
                [(self.fields.text_reading, TEXT_READING_WEIGHT), (self.fields.policy_reading, POLICY_READING_WEIGHT)]
            {
                alternatives.extend(substring_query(field, reading).map(|query| boosted(query, weight)));
            }
        }
        for synonym in synonyms {
            alternatives.extend(self.literal_alternatives(synonym, kind, Origin::Synonym));
        }
        if kind == ClauseKind::Word && analysed.substring.chars().count() >= NEAR_MISS_MIN_CHARS {
            if self.near_misses {
                for field in [self.fields.text_ngram, self.fields.policy_ngram] {
                    alternatives.push(boosted(near_miss_query(field, &analysed.substring), NEAR_MISS_WEIGHT));
                }
            } else {
                self.near_misses_left_out = true;
            }
        }
        any_of(alternatives)
    }

    /// Words as written (when typed), normalised words, phrase bonus and
    /// substring, scaled by the weight of their origin.
    ///
    /// Where words were typed with nothing between them, "they stand together"
    /// is what the substring query on the n-gram fields checks, so that query
    /// carries the weight of every alternative that would only check it again
    /// with a phrase query of its own (at a million items, reading the same
    /// positions twice was a third of a long compound's search): the phrase
    /// bonus of a compound word, and the as-written phrase of a quoted
    /// compound. A single word's bonus is its own term query on `text` again.
    /// Only words with a dropped particle between them (ごみの減量) keep a
    /// phrase query for the bonus, whose position gap lets another particle
    /// stand there.
    fn literal_alternatives(&self, analysed: &Analysed, kind: ClauseKind, origin: Origin) -> Vec<Box<dyn Query>> {
        let fields = self.fields;
        let factor = origin.factor();
        let typed = origin == Origin::Typed;
        let adjacent = words_adjacent(&analysed.surface);
        let quoted_compound = kind == ClauseKind::Phrase && adjacent;
        let mut text_weight = TEXT_WEIGHT;
        let mut substring_weights = [TEXT_NGRAM_WEIGHT, POLICY_NGRAM_WEIGHT];
        let mut bonus_phrase = None;
        match (kind, analysed.surface.len()) {
            (ClauseKind::Word, 0) => {}
            (ClauseKind::Word, 1) => text_weight += PHRASE_BONUS_WEIGHT,
            (ClauseKind::Word, _) if adjacent => substring_weights[0] += PHRASE_BONUS_WEIGHT,
            (ClauseKind::Word, _) => bonus_phrase = phrase_query(fields.text, &analysed.surface),
            (ClauseKind::Phrase, _) if typed && quoted_compound => {
                substring_weights[0] += TEXT_WEIGHT;
                substring_weights[1] += POLICY_WEIGHT;
            }
            (ClauseKind::Phrase, _) => {}
        }
        let exact = [(fields.text, text_weight), (fields.policy, POLICY_WEIGHT)];
        let normalized = [
            (fields.text_normalized, TEXT_NORMALIZED_WEIGHT),
            (fields.policy_normalized, POLICY_NORMALIZED_WEIGHT),
            (fields.department, DEPARTMENT_WEIGHT),
        ];
        // Words as written are matched for what the resident typed, except a
        // quoted compound, whose substring queries carry them (above). Nobody
        // typed a synonym, so there is no spelling of it to prefer over its
        // variants: its words are matched normalised only, which also spares
        // a conjunction per synonym.
        let as_written = typed && !quoted_compound;
        let mut analyses = vec![(&analysed.normalized, &normalized[..])];
        if as_written {
            analyses.insert(0, (&analysed.surface, &exact[..]));
        }
        let mut alternatives = Vec::new();
        for (terms, fields_and_weights) in analyses {
            match kind {
                ClauseKind::Word => alternatives.extend(every_term_in_some_field(terms, fields_and_weights, factor)),
                ClauseKind::Phrase => alternatives.extend(
                    fields_and_weights
                        .iter()
                        .filter_map(|&(field, weight)| phrase_query(field, terms).map(|q| boosted(q, weight * factor))),
                ),
            }
        }
        alternatives.extend(bonus_phrase.map(|query| boosted(query, PHRASE_BONUS_WEIGHT * factor)));
        for (field, weight) in [fields.text_ngram, fields.policy_ngram].into_iter().zip(substring_weights) {
            alternatives
                .extend(substring_query(field, &analysed.substring).map(|query| boosted(query, weight * factor)));
        }
        alternatives
    }

    /// One normalised term anywhere in text, heading or department: a relaxation unit.
    fn normalized_term_query(&self, term: &str) -> Box<dyn Query> {
        let fields = self.fields;
        let single = [(0, term.to_string())];
        let weights = [
            (fields.text_normalized, TEXT_NORMALIZED_WEIGHT),
            (fields.policy_normalized, POLICY_NORMALIZED_WEIGHT),
            (fields.department, DEPARTMENT_WEIGHT),
        ];
        any_of(every_term_in_some_field(&single, &weights, 1.0)).expect("one term makes a query")
    }
}

/// The clause with one synonym swapped in, for each synonym of each group
/// member it contains. A member inside a longer member that the clause
/// also contains is not swapped on its own: 新型コロナウイルス感染症対策
/// becomes コロナ対策 or COVID-19対策, never 新型COVID-19ウイルス感染症対策.
fn synonym_texts(synonyms: &[Vec<String>], substring: &str) -> Vec<String> {
    let occurrences: Vec<(usize, usize, &Vec<String>)> = synonyms
        .iter()
        .flat_map(|group| {
            group.iter().flat_map(move |member| {
                substring.match_indices(member.as_str()).map(move |(start, _)| (start, start + member.len(), group))
            })
        })
        .collect();
    let outermost = occurrences.iter().filter(|&&(start, end, _)| {
        !occurrences.iter().any(|&(other_start, other_end, _)| {
            other_start <= start && end <= other_end && other_end - other_start > end - start
        })
    });
    let mut texts = Vec::new();
    for &(start, end, group) in outermost {
        let member = &substring[start..end];
        for other in group.iter().filter(|other| other.as_str() != member) {
            let text = format!("{}{other}{}", &substring[..start], &substring[end..]);
            if !texts.contains(&text) {
                texts.push(text);
            }
        }
    }
    texts.truncate(MAX_SYNONYM_ALTERNATIVES);
    texts
}

/// Whether no analysed-away token (a particle, a symbol) stands between the words.
fn words_adjacent(terms: &[(usize, String)]) -> bool {
    terms.windows(2).all(|pair| pair[1].0 == pair[0].0 + 1)
}

fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push((stream.token().position, stream.token().text.clone()));
    }
    out
}

/// Each term must occur in at least one of the fields; scores add up across
/// them. The result is a list of alternatives for the clause's union: a single
/// term gives one query per field, so that union stays flat (tantivy buffers
/// and scores every match of a union nested in another twice), and several
/// terms give one conjunction.
fn every_term_in_some_field(
    terms: &[(usize, String)],
    fields_and_weights: &[(Field, f32)],
    factor: f32,
) -> Vec<Box<dyn Query>> {
    let mut unique: Vec<&str> = terms.iter().map(|(_, text)| text.as_str()).collect();
    unique.sort_unstable();
    unique.dedup();
    let mut each_term: Vec<Vec<Box<dyn Query>>> = unique
        .into_iter()
        .map(|text| {
            fields_and_weights
                .iter()
                .map(|&(field, weight)| boosted(term_query(field, text), weight * factor))
                .collect()
        })
        .collect();
    if each_term.len() <= 1 {
        return each_term.pop().unwrap_or_default();
    }
    let conjunction = each_term
        .into_iter()
        .map(|in_some_field| (Occur::Must, any_of(in_some_field).expect("at least one field")))
        .collect();
    vec![Box::new(BooleanQuery::new(conjunction))]
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

/// The terms adjacent and in order in `field`, allowing for the gaps dropped
/// particles leave; `None` for fewer than two terms.
fn phrase_query(field: Field, terms: &[(usize, String)]) -> Option<Box<dyn Query>> {
    match terms {
        [] => None,
        [(_, only)] => Some(term_query(field, only)),
        [(first, _), ..] => Some(Box::new(PhraseQuery::new_with_offset(
            terms.iter().map(|(position, text)| (position - first, Term::from_field_text(field, text))).collect(),
        ))),
    }
}

/// `substring` anywhere in an n-gram field.
fn substring_query(field: Field, substring: &str) -> Option<Box<dyn Query>> {
    if substring.is_empty() {
        return None;
    }
    let terms: Vec<(usize, Term)> = covering_terms(substring)
        .into_iter()
        .map(|(position, text)| (position, Term::from_field_text(field, &text)))
        .collect();
    Some(match &terms[..] {
        [(_, term)] => Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
        _ => Box::new(PhraseQuery::new_with_offset(terms)),
    })
}

/// Items containing most of the substring's bigrams: a word misprinted by a
/// character or two (粕江 for 狛江, びたり for ぴったり) keeps the rest of its bigrams.
fn near_miss_query(field: Field, substring: &str) -> Box<dyn Query> {
    let mut bigrams: Vec<String> = substring_terms(substring).into_iter().map(|(_, text)| text).collect();
    bigrams.sort_unstable();
    bigrams.dedup();
    let by_share = ((bigrams.len() as f32) * NEAR_MISS_SHARE).ceil() as usize;
    let required = by_share.max(bigrams.len().saturating_sub(NEAR_MISS_LOST_BIGRAMS));
    let clauses = bigrams.iter().map(|bigram| (Occur::Should, term_query(field, bigram))).collect();
    Box::new(BooleanQuery::with_minimum_required_clauses(clauses, required.max(1)))
}

fn any_of(queries: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match queries.len() {
        0 => None,
        _ => Some(Box::new(BooleanQuery::new(queries.into_iter().map(|query| (Occur::Should, query)).collect()))),
    }
}

fn boosted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, weight))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines.iter().map(|group| group.iter().map(|word| word.to_string()).collect()).collect()
    }

    #[test]
    fn synonyms_swap_the_longest_member_a_clause_contains() {
        let synonyms = groups(&[&["コロナ", "新型コロナウイルス", "新型コロナウイルス感染症", "covid-19"]]);
        assert_eq!(
            synonym_texts(&synonyms, "新型コロナウイルス感染症対策"),
            ["コロナ対策", "新型コロナウイルス対策", "covid-19対策"]
        );
        assert_eq!(
            synonym_texts(&synonyms, "コロナ禍"),
            ["新型コロナウイルス禍", "新型コロナウイルス感染症禍", "covid-19禍"]
        );
    }

    #[test]
    fn synonyms_of_separate_members_are_swapped_one_at_a_time() {
        let synonyms = groups(&[&["ごみ", "廃棄物"], &["減量", "削減"]]);
        assert_eq!(synonym_texts(&synonyms, "ごみ減量"), ["廃棄物減量", "ごみ削減"]);
        assert!(synonym_texts(&synonyms, "図書館").is_empty());
    }
}
