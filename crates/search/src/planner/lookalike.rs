//! Shape slips: a clause that finds nothing, with one character swapped for
//! one that looks like it (往民票 for 住民票, 末来 for 未来, カ for 力), as
//! handwriting, a scanner or a wrong pick from the input method leaves it.
//!
//! Near misses (most of a clause's bigrams) catch such a slip in a long
//! clause; in a short one a slipped character spoils too much of it, so the
//! characters that look alike ([`hoshin_analysis::lookalikes`]) are tried
//! one at a time instead, and a spelling is kept only where some item holds
//! it. It ranks below every match of the words as typed
//! ([`LOOKALIKE_FACTOR`](super::weights::LOOKALIKE_FACTOR)).

use hoshin_analysis::lookalikes::lookalikes;

use super::clause::{Alternatives, Analysed, NEAR_MISS_MIN_CHARS};
use super::tree::QueryTree;
use super::MIN_WIDENED_CHARS;

/// Most spellings kept per clause.
const MAX_SPELLINGS: usize = 4;

/// The spellings of `analysed` with one character swapped for a lookalike
/// that some item holds, each with what it matches.
pub fn lookalike_spellings(
    analysed: &Analysed,
    alternatives: &Alternatives<'_>,
    finds_nothing: &dyn Fn(&QueryTree) -> bool,
) -> Vec<(String, QueryTree)> {
    let characters: Vec<char> = analysed.substring.chars().collect();
    if !(MIN_WIDENED_CHARS..NEAR_MISS_MIN_CHARS).contains(&characters.len()) {
        return Vec::new();
    }
    let spellings = characters.iter().enumerate().flat_map(|(position, &typed)| {
        let characters = &characters;
        lookalikes(typed).iter().map(move |&lookalike| {
            let mut spelling = characters.clone();
            spelling[position] = lookalike;
            spelling.into_iter().collect::<String>()
        })
    });
    spellings
        .filter_map(|spelling| {
            let query = alternatives.lookalike(&spelling)?;
            (!finds_nothing(&query)).then_some((spelling, query))
        })
        .take(MAX_SPELLINGS)
        .collect()
}
