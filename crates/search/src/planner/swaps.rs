//! Swaps: the clause again with one of its words replaced by another word for
//! the same thing.
//!
//! Words are matched on the clause's word boundaries: a span of one or more
//! whole words, as the normalised analysis segments the clause, is looked up,
//! never a substring, so a one-character headword (館, 本) is never swapped
//! inside a longer word (図書館, 本市). A span inside a longer span that also
//! matches is not swapped on its own: 新型コロナウイルス感染症対策 becomes コロナ対策,
//! never 新型COVID-19ウイルス感染症対策. The sources, strongest first:
//!
//! - the city's own groups (`data/synonyms.tsv`), each member for any other;
//! - Sudachi's synonym dictionary: the same lexeme written otherwise (スマホ for
//!   スマートフォン, コンビニ for コンビニエンスストア) always, but a spelling in letters
//!   (care for ケア) only for a word typed in letters; words of related meaning
//!   (婚姻 for 結婚, 災害予測図 for ハザードマップ) only when escalating, and only for
//!   a word that matches nothing as typed, as they are as often noise (埃 for ごみ)
//!   as help;
//! - the resident phrase table (`data/phrases.tsv`): 家賃の補助 → 住宅確保給付金, one
//!   way, matched on the phrase's words so particles and spelling variants do not
//!   matter.

use std::collections::HashMap;

use hoshin_analysis::normalize::normalize;
use hoshin_analysis::{Analysis, Analyzers};

use super::clause::Analysed;
use crate::query_lists::QueryLists;

/// Most swaps tried per clause.
const MAX_SWAPS: usize = 12;

/// Longest span of words looked up, in words.
const MAX_SPAN_WORDS: usize = 6;

/// Where a swap comes from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SwapKind {
    /// A member of the city's own synonym group.
    CitySynonym,
    /// The same lexeme in Sudachi's synonym dictionary.
    Synonym,
    /// A term the resident phrase table gives.
    Phrase,
    /// A word of related meaning in Sudachi's synonym dictionary.
    Related,
}

impl SwapKind {
    /// Its name in answers.
    pub fn label(self) -> &'static str {
        match self {
            SwapKind::CitySynonym | SwapKind::Synonym => "synonym",
            SwapKind::Phrase => "phrase",
            SwapKind::Related => "related",
        }
    }
}

/// One swap: the clause's `text` with `from` replaced by `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    /// Where it comes from.
    pub kind: SwapKind,
    /// The words of the clause it replaces, as typed.
    pub from: String,
    /// What replaces them.
    pub to: String,
    /// The clause with the swap made.
    pub text: String,
}

/// The resident phrases, keyed by their words as the normalised analysis
/// makes them (子どもの遊び場 → 子ども遊び場).
pub struct PhraseTable {
    by_words: HashMap<String, Vec<String>>,
}

impl PhraseTable {
    /// Keys `phrases` (a phrase and the terms it means) by their words.
    pub fn new(analyzers: &Analyzers, phrases: &[(String, Vec<String>)]) -> PhraseTable {
        let mut by_words: HashMap<String, Vec<String>> = HashMap::new();
        for (phrase, terms) in phrases {
            let words: String =
                analyzers.tokens(Analysis::Normalized, phrase).into_iter().map(|token| token.text).collect();
            if !words.is_empty() {
                by_words.entry(words).or_default().extend(terms.iter().cloned());
            }
        }
        PhraseTable { by_words }
    }
}

/// The city's synonym groups, each member keyed by its normalised spelling.
pub fn city_synonym_map(groups: &[Vec<String>]) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for group in groups {
        for member in group {
            let others = group.iter().filter(|other| *other != member).cloned();
            map.entry(member.clone()).or_default().extend(others);
        }
    }
    map
}

/// Whether `text` is written in ASCII alone (letters, digits, signs).
fn is_latin(text: &str) -> bool {
    text.is_ascii()
}

/// A run of whole words of the clause.
struct Span {
    /// Byte range in the clause.
    start: usize,
    end: usize,
    /// The words as typed, normalised.
    spelling: String,
    /// The words as the normalised analysis makes them, joined.
    words: String,
}

/// The swaps of `text`, analysed as `analysed`, strongest first. Words of
/// related meaning only when asked for, and only for words that `related`
/// says match nothing as typed (結婚 in 結婚の手続き, not 子供 in 子供の検診).
pub fn swaps(text: &str, analysed: &Analysed, lists: &QueryLists, related: Option<&dyn Fn(&str) -> bool>) -> Vec<Swap> {
    let (words, ranges) = (&analysed.normalized, &analysed.normalized_ranges);
    let mut spans = Vec::new();
    for first in 0..words.len() {
        for last in first..words.len().min(first + MAX_SPAN_WORDS) {
            let (start, end) = (ranges[first].start, ranges[last].end);
            spans.push(Span {
                start,
                end,
                spelling: normalize(&text[start..end]),
                words: words[first..=last].iter().map(|(_, word)| word.as_str()).collect(),
            });
        }
    }
    let mut found: Vec<(&Span, SwapKind, String)> = Vec::new();
    for span in &spans {
        for other in lists.city_synonyms.get(&span.spelling).into_iter().flatten() {
            found.push((span, SwapKind::CitySynonym, other.clone()));
        }
        let spelled_in_letters = is_latin(&span.spelling);
        let mut finds_nothing = None;
        for synonym in lists.synonym_dictionary.synonyms_of(&span.spelling) {
            // Japanese policy text does not write ケア as care: a word in
            // letters stands in only for another in letters.
            if !spelled_in_letters && is_latin(synonym.text) {
                continue;
            }
            let kind = if synonym.same_lexeme { SwapKind::Synonym } else { SwapKind::Related };
            if kind == SwapKind::Related {
                let Some(check) = related else { continue };
                if !*finds_nothing.get_or_insert_with(|| check(&text[span.start..span.end])) {
                    continue;
                }
            }
            found.push((span, kind, synonym.text.to_string()));
        }
        for term in lists.phrases.by_words.get(&span.words).into_iter().flatten() {
            found.push((span, SwapKind::Phrase, term.clone()));
        }
    }
    let outermost = |span: &Span| {
        !found.iter().any(|(other, _, _)| {
            other.start <= span.start && span.end <= other.end && other.end - other.start > span.end - span.start
        })
    };
    let mut swaps: Vec<Swap> = Vec::new();
    for (span, kind, to) in found.iter().filter(|(span, _, _)| outermost(span)) {
        let swapped = format!("{}{to}{}", &text[..span.start], &text[span.end..]);
        if normalize(&swapped) != normalize(text) && !swaps.iter().any(|swap| swap.text == swapped) {
            let from = text[span.start..span.end].to_string();
            swaps.push(Swap { kind: *kind, from, to: to.clone(), text: swapped });
        }
    }
    swaps.sort_by_key(|swap| swap.kind);
    swaps.truncate(MAX_SWAPS);
    swaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{analysis, lists};

    /// The swaps of `text`, related words included when `related`, as if
    /// every word found nothing.
    fn swapped(text: &str, related: bool) -> Vec<(SwapKind, String)> {
        let nothing = |_: &str| true;
        let related: Option<&dyn Fn(&str) -> bool> = if related { Some(&nothing) } else { None };
        let analysed = Analysed::new(&analysis().analyzers, text);
        swaps(text, &analysed, lists(), related).into_iter().map(|swap| (swap.kind, swap.text)).collect()
    }

    fn texts(text: &str, related: bool) -> Vec<String> {
        swapped(text, related).into_iter().map(|(_, text)| text).collect()
    }

    #[test]
    fn the_longest_member_a_clause_contains_is_swapped() {
        let found = texts("新型コロナウイルス感染症対策", false);
        assert!(found.contains(&"コロナ対策".to_string()), "{found:?}");
        assert!(found.iter().all(|text| !text.starts_with("新型covid")), "{found:?}");
    }

    #[test]
    fn the_same_word_written_otherwise_is_swapped_in_from_sudachi() {
        assert!(swapped("スマホの使い方", false).contains(&(SwapKind::Synonym, "スマートフォンの使い方".to_string())));
        assert!(swapped("コンビニ", false).contains(&(SwapKind::Synonym, "コンビニエンスストア".to_string())));
    }

    #[test]
    fn related_words_come_only_when_asked_for() {
        assert!(!texts("結婚", false).contains(&"婚姻".to_string()));
        assert!(swapped("結婚", true).contains(&(SwapKind::Related, "婚姻".to_string())));
    }

    #[test]
    fn a_headword_is_never_swapped_inside_a_longer_word() {
        let text = "図書館の本市";
        let found = swaps(text, &Analysed::new(&analysis().analyzers, text), lists(), Some(&|_| true));
        assert!(found.iter().any(|swap| swap.from == "図書館"), "{found:?}");
        for swap in found {
            assert!(
                ["図書館", "本市", "図書館の本市"].contains(&swap.from.as_str()),
                "swapped inside a word: {swap:?}"
            );
        }
    }

    #[test]
    fn a_japanese_word_is_not_swapped_for_its_spelling_in_letters() {
        assert!(texts("ケア", true).iter().all(|text| !text.is_ascii()), "{:?}", texts("ケア", true));
    }

    #[test]
    fn a_resident_phrase_matches_on_its_words() {
        let found = swapped("子供の遊び場", false);
        assert!(found.contains(&(SwapKind::Phrase, "児童館".to_string())), "{found:?}");
    }
}
