//! The reading analyzer: what the text sounds like, as katakana n-grams.
//!
//! Residents type kanji words in hiragana (としょかん for 図書館, ぼうはん for 防犯) and
//! katakana words in hiragana (たばこ for タバコ). lindera gives every known word its
//! IPADIC reading; unknown words keep their spelling, hiragana turned katakana. The
//! readings of a text are joined and indexed as character n-grams, so a kana query,
//! turned into the same katakana by [`reading_key`], finds the words it spells as a
//! substring. Prolonged sound marks are dropped on both sides (ユーザ = ユーザー).

use lindera_analysis::token_filter::japanese_reading_form::JapaneseReadingFormTokenFilter;
use lindera_analysis::token_filter::BoxTokenFilter;
use lindera_analysis::tokenizer::Tokenizer as LinderaAnalysisTokenizer;
use tantivy::tokenizer::Tokenizer;
use unicode_normalization::UnicodeNormalization;

use crate::japanese::{normalising_segmenter, AnalysisResources};
use crate::ngram::{char_ngrams, NgramTokenStream};

/// Tokenizer emitting n-grams of a text's katakana reading.
#[derive(Clone)]
pub struct ReadingTokenizer {
    tokenizer: LinderaAnalysisTokenizer,
}

impl ReadingTokenizer {
    /// Builds the reading tokenizer over the shared resources.
    pub fn new(resources: &AnalysisResources) -> Self {
        let mut tokenizer = normalising_segmenter(resources);
        tokenizer.append_token_filter(BoxTokenFilter::from(JapaneseReadingFormTokenFilter::new()));
        ReadingTokenizer { tokenizer }
    }
}

impl Tokenizer for ReadingTokenizer {
    type TokenStream<'a> = NgramTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NgramTokenStream {
        // lindera only fails on internal errors; an unreadable text has no reading.
        let tokens = self.tokenizer.tokenize(text).unwrap_or_default();
        let mut chars = Vec::new();
        let mut origins = Vec::new();
        for token in &tokens {
            for c in reading_chars(&token.surface) {
                chars.push(c);
                origins.push(token.byte_start..token.byte_end);
            }
        }
        NgramTokenStream::new(char_ngrams(&chars, |range| origins[range.start].start..origins[range.end - 1].end))
    }
}

/// The katakana key a kana query is looked up by: NFKC, hiragana as katakana,
/// without prolonged sound marks or white space.
pub fn reading_key(text: &str) -> String {
    reading_chars(&text.nfkc().collect::<String>()).collect()
}

/// Whether a query word is written in kana alone, and so may be a reading.
pub fn is_kana(text: &str) -> bool {
    let normalized: String = text.nfkc().collect();
    !normalized.is_empty() && normalized.chars().all(|c| is_hiragana(c) || is_katakana(c) || c == 'ー')
}

fn reading_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|&c| c != 'ー' && !c.is_whitespace()).map(to_katakana)
}

fn is_hiragana(c: char) -> bool {
    ('\u{3041}'..='\u{3096}').contains(&c)
}

fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FA}').contains(&c)
}

fn to_katakana(c: char) -> char {
    if is_hiragana(c) {
        char::from_u32(c as u32 + 0x60).unwrap_or(c)
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::Analysis;
    use crate::test_support::terms;

    fn reading(text: &str) -> String {
        terms(Analysis::Reading, text).into_iter().filter(|term| term.chars().count() == 1).collect()
    }

    #[test]
    fn kanji_words_are_indexed_by_their_reading() {
        assert!(reading("新図書館整備").contains(&reading_key("としょかん")));
        assert!(reading("防犯カメラ").contains(&reading_key("ぼうはん")));
    }

    #[test]
    fn hiragana_and_katakana_spellings_meet() {
        assert_eq!(reading_key("たばこ"), reading_key("タバコ"));
        assert_eq!(reading_key("ゆーざー"), reading("ユーザ"));
        assert_eq!(reading_key("ｵﾝﾗｲﾝ"), "オンライン");
    }

    #[test]
    fn only_kana_words_are_readings() {
        assert!(is_kana("としょかん") && is_kana("タバコ") && is_kana("ｵﾝﾗｲﾝ"));
        assert!(!is_kana("図書館") && !is_kana("dx") && !is_kana(""));
    }
}
