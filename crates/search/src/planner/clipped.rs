//! Clipped words (略語): what a clause that finds nothing may be short for.
//!
//! Japanese shortens a word to the beginnings of its parts: ケアマネ for
//! ケアマネジャー, パソコン, 特養 for 特別養護老人ホーム, 育休 for 育児休業. Sudachi's
//! synonym dictionary knows the nation's clippings; a city's own it cannot.
//! So a clause that finds nothing as typed is tried as a clipping of the
//! index's own words:
//!
//! - **in kana**: the words in kana it may be clipped from (its first two
//!   kana begin them, the rest follow in order; see
//!   [`Suggester::clipped_from`]), matched by their reading;
//! - **in kanji**, two to four characters: words each beginning with one of
//!   its characters, in order and standing together (特別 養護 for 特養),
//!   the commonest first, kept only where some item holds them so.
//!
//! Either ranks below every match of the words as typed ([`CLIPPED_FACTOR`](super::weights::CLIPPED_FACTOR)).

use hoshin_analysis::normalize::is_japanese;
use hoshin_analysis::reading::is_kana;

use super::clause::{Alternatives, Analysed};
use super::tree::QueryTree;
use super::{Widening, WideningHighlight, CLIPPED, MIN_WIDENED_CHARS};
use crate::suggest::Suggester;

/// Most clippings kept per clause.
const MAX_CLIPS: usize = 4;

/// Most word combinations a kanji clause is tried as: the candidates per
/// character shrink as characters are added.
const MAX_COMBINATIONS: usize = 64;

/// Most characters of a kanji clipping.
const MAX_KANJI_CHARS: usize = 4;

/// The words the clause `analysed` may be clipped from, those some item holds.
pub fn clips(
    analysed: &Analysed,
    alternatives: &Alternatives<'_>,
    vocabulary: &Suggester,
    finds_nothing: &dyn Fn(&QueryTree) -> bool,
) -> Vec<Widening> {
    if let Some(reading) = &analysed.reading {
        return vocabulary
            .clipped_from(reading, MAX_CLIPS)
            .into_iter()
            .filter_map(|word| {
                let query = alternatives.clipped_reading(&word.reading)?;
                Some(Widening {
                    kind: CLIPPED,
                    to: word.text,
                    query,
                    highlight: WideningHighlight::Reading(word.reading),
                })
            })
            .collect();
    }
    let characters: Vec<char> = analysed.substring.chars().collect();
    let kanji = characters.iter().all(|&c| is_japanese(c) && !is_kana(&c.to_string()));
    if !kanji || !(MIN_WIDENED_CHARS..=MAX_KANJI_CHARS).contains(&characters.len()) {
        return Vec::new();
    }
    // The most candidates per character whose combinations stay within the bound.
    let per_character =
        (1..).take_while(|k: &usize| k.pow(characters.len() as u32) <= MAX_COMBINATIONS).last().unwrap_or(1);
    let mut combinations: Vec<Vec<String>> = vec![Vec::new()];
    for character in &characters {
        let words = vocabulary.suggest(&character.to_string(), per_character);
        combinations = combinations
            .iter()
            .flat_map(|begun| words.iter().map(move |word| begun.iter().cloned().chain([word.text.clone()]).collect()))
            .collect();
    }
    combinations
        .into_iter()
        .filter_map(|words| {
            let query = alternatives.clipped_compound(&words)?;
            let compound = words.concat();
            let highlight = WideningHighlight::Substring(compound.clone());
            (!finds_nothing(&query)).then_some(Widening { kind: CLIPPED, to: compound, query, highlight })
        })
        .take(MAX_CLIPS)
        .collect()
}
