//! Unicode NFKC and lower-casing that remembers where each character came from.
//!
//! The n-gram field, the query parser and the highlighter compare text after
//! normalisation (ＤＸ and dx are the same word, ｵﾝﾗｲﾝ is オンライン) but must point back
//! into the original text to highlight it, so every normalised character keeps the
//! byte range of the original characters it was made from.

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Text after NFKC and lower-casing, with a map back to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedText {
    chars: Vec<char>,
    origins: Vec<Range<usize>>,
}

impl NormalizedText {
    /// Normalises `original`.
    pub fn new(original: &str) -> Self {
        let mut chars = Vec::with_capacity(original.len() / 2);
        let mut origins = Vec::with_capacity(original.len() / 2);
        for cluster in clusters(original) {
            for normalized in original[cluster.clone()].nfkc().flat_map(char::to_lowercase) {
                chars.push(normalized);
                origins.push(cluster.clone());
            }
        }
        NormalizedText { chars, origins }
    }

    /// The normalised characters.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The byte range in the original text that normalised characters `range` came from.
    pub fn origin(&self, range: Range<usize>) -> Range<usize> {
        let start = self.origins[range.start].start;
        let end = self.origins[range.end - 1].end;
        start..end
    }

    /// The normalised text as a string.
    pub fn as_string(&self) -> String {
        self.chars.iter().collect()
    }
}

/// Normalises a string, forgetting where the characters came from.
pub fn normalize(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// Splits text into a base character plus the marks that compose with it, since
/// NFKC of ｶﾞ (two characters) is ガ (one) and the pair must map as one unit.
fn clusters(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut indices = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, first) = indices.next()?;
        let mut end = start + first.len_utf8();
        while let Some(&(next_start, next)) = indices.peek() {
            if !attaches_to_previous(next) {
                break;
            }
            end = next_start + next.len_utf8();
            indices.next();
        }
        Some(start..end)
    })
}

fn attaches_to_previous(c: char) -> bool {
    // U+FF9E and U+FF9F are the half-width (han)dakuten, which NFKC composes with
    // the preceding half-width kana although they are not combining marks.
    is_combining_mark(c) || c == '\u{FF9E}' || c == '\u{FF9F}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_latin_and_half_width_kana_become_their_usual_forms() {
        assert_eq!(normalize("ＤＸ研修"), "dx研修");
        assert_eq!(normalize("ｵﾝﾗｲﾝ手続"), "オンライン手続");
        assert_eq!(normalize("ｶﾞｲﾄﾞ"), "ガイド");
    }

    #[test]
    fn every_normalised_character_points_back_into_the_original() {
        let original = "Ａｶﾞ図書館";
        let normalized = NormalizedText::new(original);
        assert_eq!(normalized.as_string(), "aガ図書館");
        assert_eq!(&original[normalized.origin(0..1)], "Ａ");
        assert_eq!(&original[normalized.origin(1..2)], "ｶﾞ");
        assert_eq!(&original[normalized.origin(2..5)], "図書館");
    }

    #[test]
    fn a_character_that_expands_maps_each_part_to_the_same_origin() {
        let original = "㍻";
        let normalized = NormalizedText::new(original);
        assert_eq!(normalized.as_string(), "平成");
        assert_eq!(normalized.origin(0..1), 0..3);
        assert_eq!(normalized.origin(1..2), 0..3);
    }
}
