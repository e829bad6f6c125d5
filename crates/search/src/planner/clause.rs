//! What one clause matches: its alternatives, each a [`QueryTree`] weighted
//! from the [`weights`](super::weights) table.

use std::ops::Range;

use hoshin_analysis::ngram::{covering_terms, substring_terms};
use hoshin_analysis::normalize::normalize;
use hoshin_analysis::reading::{is_kana, reading_key};
use hoshin_analysis::{Analysis, Analyzers};
use tantivy::schema::Field;
use tantivy::tokenizer::Token;

use super::swaps::SwapKind;
use super::tree::QueryTree;
use super::weights::{
    FieldWeights, CLIPPED_FACTOR, LOOKALIKE_FACTOR, NEAR_MISS, PHRASE_BONUS, PHRASE_FACTOR, RELATED_FACTOR,
    SOUND_ALIKE_FACTOR, SYNONYM_FACTOR,
};
use super::Widening;
use crate::syntax::ClauseKind;

/// Share of a clause's bigrams a near miss must contain at least.
const NEAR_MISS_SHARE: f32 = 0.6;
/// Bigrams a near miss may lack: one misprinted character spoils two.
const NEAR_MISS_LOST_BIGRAMS: usize = 2;
/// Shortest clause, in characters, that near misses are looked for: in shorter
/// ones two lost bigrams leave too little to tell a misprint from another word.
pub const NEAR_MISS_MIN_CHARS: usize = 8;

/// (position, term) pairs an analysis made of a text.
pub type Terms = Vec<(usize, String)>;

/// A text after every analysis a clause goes through.
#[derive(Clone)]
pub struct Analysed {
    /// Words as written.
    pub surface: Terms,
    /// The byte range of the text each word as written came from.
    surface_ranges: Vec<Range<usize>>,
    /// Normalised words.
    pub normalized: Terms,
    /// The byte range of the text each normalised word came from.
    pub normalized_ranges: Vec<Range<usize>>,
    /// The normalised text without white space, as the n-gram fields hold it.
    pub substring: String,
    /// The reading key of a text written in kana alone.
    pub reading: Option<String>,
}

impl Analysed {
    /// Analyses `text` the ways a clause is matched.
    pub fn new(analyzers: &Analyzers, text: &str) -> Analysed {
        let terms = |tokens: Vec<Token>| tokens.into_iter().map(|token| (token.position, token.text)).collect();
        let [surface, normalized] = analyzers.tokens_of(text, [Analysis::Surface, Analysis::Normalized]);
        Analysed {
            surface_ranges: surface.iter().map(|token| token.offset_from..token.offset_to).collect(),
            surface: terms(surface),
            normalized_ranges: normalized.iter().map(|token| token.offset_from..token.offset_to).collect(),
            normalized: terms(normalized),
            substring: normalize(text).chars().filter(|c| !c.is_whitespace()).collect(),
            reading: is_kana(text).then(|| reading_key(text)),
        }
    }

    /// The fiscal year the text names: a western year (era years are made
    /// western by the normalised analysis) followed by 年度 or 年.
    pub fn fiscal_year(&self) -> Option<u64> {
        self.normalized.windows(2).find_map(|pair| {
            let [(position, number), (next, unit)] = pair else { return None };
            let year = number.parse::<u64>().ok().filter(|year| (1900..=2100).contains(year))?;
            (*next == position + 1 && matches!(unit.as_str(), "年度" | "年")).then_some(year)
        })
    }

    /// Whether the text names nothing but a fiscal year (令和5年度から).
    fn names_only_a_year(&self) -> bool {
        self.fiscal_year().is_some() && self.normalized.len() == 2
    }

    /// Whether the words were typed with nothing between them.
    fn adjacent(&self) -> bool {
        self.surface.windows(2).all(|pair| pair[1].0 == pair[0].0 + 1)
    }

    /// The parts of `text` (the text analysed) that particles, auxiliaries
    /// and other words without a topic separate: 福止 and 窓口 in 福止の窓口,
    /// マイナカード and 作り in マイナカードを作りたい. Empty for a text written in
    /// kana alone, whose dictionary segmentation is no reliable cut; a part
    /// with no word the normalised analysis keeps (し of してほしい) is left out.
    /// Every part is shorter than the text: words that overlap in it (one
    /// character NFKC spells as several, ㎧ as m∕s) stay in one part.
    pub fn parts(&self, text: &str) -> Vec<String> {
        if self.reading.is_some() {
            return Vec::new();
        }
        let mut parts: Vec<Range<usize>> = Vec::new();
        let mut previous: Option<usize> = None;
        for ((position, _), range) in self.surface.iter().zip(&self.surface_ranges) {
            let follows = previous.is_some_and(|previous| previous + 1 == *position);
            match parts.last_mut() {
                Some(part) if follows || range.start < part.end => part.end = part.end.max(range.end),
                _ => parts.push(range.clone()),
            }
            previous = Some(*position);
        }
        let has_a_word = |part: &Range<usize>| {
            self.normalized_ranges.iter().any(|word| part.start <= word.start && word.end <= part.end)
        };
        let parts: Vec<String> =
            parts.into_iter().filter(has_a_word).filter_map(|range| text.get(range)).map(str::to_string).collect();
        match parts.iter().all(|part| part.trim().len() < text.trim().len()) {
            true => parts,
            false => Vec::new(),
        }
    }

    /// Whether the clause is long enough for near misses.
    pub fn allows_near_misses(&self, kind: ClauseKind) -> bool {
        kind == ClauseKind::Word && self.substring.chars().count() >= NEAR_MISS_MIN_CHARS
    }
}

/// Where the words of an alternative come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The clause as the resident typed it.
    Typed,
    /// The clause with a word swapped for another (see `swaps.rs`).
    Swapped(SwapKind),
}

impl Origin {
    fn factor(self) -> f32 {
        match self {
            Origin::Typed => 1.0,
            Origin::Swapped(SwapKind::CitySynonym | SwapKind::Synonym) => SYNONYM_FACTOR,
            Origin::Swapped(SwapKind::Phrase) => PHRASE_FACTOR,
            Origin::Swapped(SwapKind::Related) => RELATED_FACTOR,
        }
    }
}

/// Where a clause earns [`PHRASE_BONUS`] for words standing together as typed.
///
/// "They stand together" is what the substring query on `text_ngram` checks
/// for words typed with nothing between them, so that query carries the
/// bonus rather than a phrase query reading the same positions again: reading
/// positions is what a long compound's search spends most on.
#[derive(Debug, Clone, PartialEq)]
pub enum PhraseBonus {
    /// Nothing earns it: a quoted phrase (it must stand together anyway), a
    /// clause with no words, or a synonym of one word (a synonym is matched
    /// normalised only, so it has no as-written term to carry the bonus).
    None,
    /// One word typed: its own term query on `text`.
    OnWordTerm,
    /// Words typed with nothing between them: the substring query on `text_ngram`.
    OnSubstring,
    /// Words with a dropped particle between them (ごみの減量): a phrase query
    /// on `text` of its own, whose position gap lets another particle stand there.
    OwnPhrase(QueryTree),
}

/// Decides where `analysed`, a clause of `kind` from `origin`, earns the bonus.
pub fn phrase_bonus(analysed: &Analysed, kind: ClauseKind, origin: Origin, text: Field) -> PhraseBonus {
    match (kind, analysed.surface.len()) {
        (ClauseKind::Phrase, _) | (ClauseKind::Word, 0) => PhraseBonus::None,
        (ClauseKind::Word, 1) if origin != Origin::Typed => PhraseBonus::None,
        (ClauseKind::Word, 1) => PhraseBonus::OnWordTerm,
        (ClauseKind::Word, _) if analysed.adjacent() => PhraseBonus::OnSubstring,
        (ClauseKind::Word, _) => phrase(text, &analysed.surface).map_or(PhraseBonus::None, PhraseBonus::OwnPhrase),
    }
}

/// Builds the alternatives of clauses over one index's fields.
pub struct Alternatives<'a> {
    /// The fields and their weights.
    pub weights: &'a FieldWeights,
}

impl Alternatives<'_> {
    /// Every way `analysed`, a clause of `kind`, matches as typed, with its
    /// swaps; `None` when analysis leaves nothing to match.
    pub fn clause(&self, analysed: &Analysed, swaps: &[(Analysed, SwapKind)], kind: ClauseKind) -> Option<QueryTree> {
        let mut alternatives = self.literal(analysed, kind, Origin::Typed);
        if let Some(reading) = &analysed.reading {
            alternatives.extend(self.reading(reading, 1.0));
        }
        for (swapped, swap) in swaps {
            alternatives.extend(self.literal(swapped, kind, Origin::Swapped(*swap)));
        }
        if analysed.names_only_a_year() {
            alternatives.extend(analysed.fiscal_year().map(|year| self.fiscal_year(year)));
        }
        any_of(alternatives)
    }

    /// What one swap of a clause of `kind` matches, on its own: to tell
    /// which swaps an item matched.
    pub fn swap(&self, swapped: &Analysed, kind: ClauseKind, swap: SwapKind) -> Option<QueryTree> {
        any_of(self.literal(swapped, kind, Origin::Swapped(swap)))
    }

    /// What a clause's sound-alike `reading` matches, on its own.
    pub fn sound_alike(&self, reading: &str) -> Option<QueryTree> {
        any_of(self.reading(reading, SOUND_ALIKE_FACTOR))
    }

    /// What a word in kana a clause may be clipped from matches, by its `reading`.
    pub fn clipped_reading(&self, reading: &str) -> Option<QueryTree> {
        any_of(self.reading(reading, CLIPPED_FACTOR))
    }

    /// What the `words` a kanji clause may be clipped from match, standing
    /// together as written.
    pub fn clipped_compound(&self, words: &[String]) -> Option<QueryTree> {
        let terms: Terms = words.iter().cloned().enumerate().collect();
        let fields = self.weights.as_written.iter();
        any_of(
            fields
                .filter_map(|&(field, weight)| phrase(field, &terms).map(|q| boosted(q, weight * CLIPPED_FACTOR)))
                .collect(),
        )
    }

    /// A clause's `spelling` with a character swapped for a lookalike, as a
    /// substring.
    pub fn lookalike(&self, spelling: &str) -> Option<QueryTree> {
        let fields = self.weights.substring.iter();
        any_of(
            fields
                .filter_map(|&(field, weight)| {
                    substring(field, spelling).map(|q| boosted(q, weight * LOOKALIKE_FACTOR))
                })
                .collect(),
        )
    }

    /// `reading` in the reading fields, their weights scaled by `factor`.
    fn reading(&self, reading: &str, factor: f32) -> Vec<QueryTree> {
        let fields = self.weights.reading.iter();
        fields
            .filter_map(|&(field, weight)| substring(field, reading).map(|query| boosted(query, weight * factor)))
            .collect()
    }

    /// The items of fiscal `year`, weighted.
    pub fn fiscal_year(&self, year: u64) -> QueryTree {
        let (field, weight) = self.weights.fiscal_year;
        boosted(QueryTree::FiscalYear { field, year }, weight)
    }

    /// A clause's `query` with its near misses (when `near_misses`) and the
    /// `widenings` of a clause that finds nothing (the readings it sounds
    /// like, the words it may be clipped from, its lookalike spellings)
    /// added as alternatives.
    pub fn escalated(
        &self,
        query: QueryTree,
        analysed: &Analysed,
        near_misses: bool,
        widenings: &[Widening],
    ) -> QueryTree {
        let QueryTree::Any(mut alternatives) = query else { unreachable!("a clause's query is a union") };
        if near_misses {
            for (field, _) in self.weights.substring {
                alternatives.push(boosted(near_miss(field, &analysed.substring), NEAR_MISS));
            }
        }
        for widening in widenings {
            // Flattened: a union nested in another scores its matches twice.
            match &widening.query {
                QueryTree::Any(parts) => alternatives.extend(parts.iter().cloned()),
                query => alternatives.push(query.clone()),
            }
        }
        QueryTree::Any(alternatives)
    }

    /// Words as written (when typed), normalised words, phrase bonus and
    /// substring, scaled by the weight of their origin.
    fn literal(&self, analysed: &Analysed, kind: ClauseKind, origin: Origin) -> Vec<QueryTree> {
        let weights = self.weights;
        let factor = origin.factor();
        let mut as_written = weights.as_written;
        let mut substring_weights = weights.substring;
        let bonus = phrase_bonus(analysed, kind, origin, as_written[0].0);
        match &bonus {
            PhraseBonus::OnWordTerm => as_written[0].1 += PHRASE_BONUS,
            PhraseBonus::OnSubstring => substring_weights[0].1 += PHRASE_BONUS,
            PhraseBonus::None | PhraseBonus::OwnPhrase(_) => {}
        }
        // A quoted compound must stand as typed: its substring queries check
        // exactly that, so they carry the as-written weights instead of phrase
        // queries reading the same positions again. Nobody typed a synonym, so
        // there is no spelling of it to prefer over its variants: its words
        // are matched normalised only, which also spares a conjunction per
        // synonym.
        let quoted_compound = kind == ClauseKind::Phrase && analysed.adjacent();
        if origin == Origin::Typed && quoted_compound {
            for (substring, (_, weight)) in substring_weights.iter_mut().zip(weights.as_written) {
                substring.1 += weight;
            }
        }
        // A word in kana the dictionary does not read as one word (こそだてしえん:
        // こそ, だて, し, えん, of which only し is kept) is matched by its
        // reading and its substring: its pieces would match a particle or an
        // inflection almost anywhere.
        let one_word = matches!(analysed.surface.as_slice(), [(_, word)] if *word == analysed.substring);
        let pieces_of_kana = analysed.reading.is_some() && !one_word;
        let mut analyses: Vec<(&Terms, &[(Field, f32)])> = Vec::with_capacity(2);
        if origin == Origin::Typed && !quoted_compound && !pieces_of_kana {
            analyses.push((&analysed.surface, &as_written));
        }
        if !pieces_of_kana {
            analyses.push((&analysed.normalized, &weights.normalized));
        }

        // A swap's words stand together, as the word they replace did: a
        // swapped-in compound (待機児) is not its parts anywhere in an item.
        let together = kind == ClauseKind::Phrase || origin != Origin::Typed;
        let mut alternatives = Vec::new();
        for (terms, fields) in analyses {
            match together {
                false => alternatives.extend(every_term_in_some_field(terms, fields, factor)),
                true => alternatives.extend(
                    fields
                        .iter()
                        .filter_map(|&(field, weight)| phrase(field, terms).map(|q| boosted(q, weight * factor))),
                ),
            }
        }
        if let PhraseBonus::OwnPhrase(query) = bonus {
            alternatives.push(boosted(query, PHRASE_BONUS * factor));
        }
        for (field, weight) in substring_weights {
            alternatives.extend(substring(field, &analysed.substring).map(|query| boosted(query, weight * factor)));
        }
        alternatives
    }

    /// One normalised term anywhere in text, heading or department: a relaxation unit.
    pub fn normalized_term(&self, term: &str) -> QueryTree {
        let single = [(0, term.to_string())];
        any_of(every_term_in_some_field(&single, &self.weights.normalized, 1.0)).expect("one term makes a query")
    }
}

/// Each term must occur in at least one of the fields; scores add up across
/// them. The result is a list of alternatives for the clause's union: a single
/// term gives one query per field, so that union stays flat (tantivy buffers
/// and scores every match of a union nested in another twice), and several
/// terms give one conjunction.
fn every_term_in_some_field(terms: &[(usize, String)], fields: &[(Field, f32)], factor: f32) -> Vec<QueryTree> {
    let mut unique: Vec<&str> = terms.iter().map(|(_, text)| text.as_str()).collect();
    unique.sort_unstable();
    unique.dedup();
    let mut each_term: Vec<Vec<QueryTree>> = unique
        .into_iter()
        .map(|text| fields.iter().map(|&(field, weight)| boosted(term(field, text), weight * factor)).collect())
        .collect();
    if each_term.len() <= 1 {
        return each_term.pop().unwrap_or_default();
    }
    let conjunction = each_term.into_iter().map(|in_some_field| any_of(in_some_field).expect("at least one field"));
    vec![QueryTree::All(conjunction.collect())]
}

fn term(field: Field, text: &str) -> QueryTree {
    QueryTree::Term { field, text: text.to_string() }
}

/// The terms adjacent and in order in `field`, allowing for the gaps dropped
/// particles leave; `None` for no term.
fn phrase(field: Field, terms: &[(usize, String)]) -> Option<QueryTree> {
    match terms {
        [] => None,
        [(_, only)] => Some(term(field, only)),
        [(first, _), ..] => Some(QueryTree::Phrase {
            field,
            terms: terms.iter().map(|(position, text)| (position - first, text.clone())).collect(),
        }),
    }
}

/// `substring` anywhere in an n-gram field.
fn substring(field: Field, substring: &str) -> Option<QueryTree> {
    if substring.is_empty() {
        return None;
    }
    let mut terms = covering_terms(substring);
    Some(match terms.len() {
        1 => term(field, &terms.remove(0).1),
        _ => QueryTree::Phrase { field, terms },
    })
}

/// Items containing most of the substring's bigrams: a word misprinted by a
/// character or two (粕江 for 狛江, びたり for ぴったり) keeps the rest of its bigrams.
fn near_miss(field: Field, substring: &str) -> QueryTree {
    let mut bigrams: Vec<String> = substring_terms(substring).into_iter().map(|(_, text)| text).collect();
    bigrams.sort_unstable();
    bigrams.dedup();
    let by_share = ((bigrams.len() as f32) * NEAR_MISS_SHARE).ceil() as usize;
    let required = by_share.max(bigrams.len().saturating_sub(NEAR_MISS_LOST_BIGRAMS));
    QueryTree::AtLeast { required: required.max(1), of: bigrams.iter().map(|bigram| term(field, bigram)).collect() }
}

/// Any of `queries`; `None` for none.
pub fn any_of(queries: Vec<QueryTree>) -> Option<QueryTree> {
    (!queries.is_empty()).then_some(QueryTree::Any(queries))
}

fn boosted(query: QueryTree, weight: f32) -> QueryTree {
    QueryTree::Boost(weight, Box::new(query))
}
