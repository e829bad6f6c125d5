//! The character n-gram tokenizer behind the recall fields.
//!
//! Morphological analysis cannot find マイナンバー inside the unknown word
//! マイナンバーカード, nor a word the dictionary segments differently in a query and
//! a document. The n-gram fields can: every normalised character is indexed as a
//! unigram and, with its successor, as a bigram, both at the character's position,
//! so any substring of two or more characters is a phrase of consecutive bigrams
//! (see [`substring_terms`]) and a single character is a unigram term. White space
//! breaks the sequence, like a word boundary.

use std::ops::Range;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::normalize::NormalizedText;

/// Tokenizer emitting normalised character unigrams and bigrams.
#[derive(Debug, Clone, Default)]
pub struct NgramTokenizer;

/// A stream over tokens computed up front, for the n-gram tokenizers.
pub struct NgramTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl NgramTokenStream {
    pub(crate) fn new(tokens: Vec<Token>) -> Self {
        NgramTokenStream { tokens, next: 0 }
    }
}

impl Tokenizer for NgramTokenizer {
    type TokenStream<'a> = NgramTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NgramTokenStream {
        NgramTokenStream::new(ngram_tokens(text))
    }
}

impl TokenStream for NgramTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

pub(crate) fn ngram_tokens(text: &str) -> Vec<Token> {
    let normalized = NormalizedText::new(text);
    char_ngrams(normalized.chars(), |range| normalized.origin(range))
}

/// Unigrams and bigrams of `chars` at each character's position, skipping white
/// space; `origin` maps a range of characters to the original bytes they came from.
pub(crate) fn char_ngrams(chars: &[char], origin: impl Fn(Range<usize>) -> Range<usize>) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(chars.len() * 2);
    for (position, &current) in chars.iter().enumerate() {
        if current.is_whitespace() {
            continue;
        }
        let mut push = |len: usize| {
            let bytes = origin(position..position + len);
            tokens.push(Token {
                offset_from: bytes.start,
                offset_to: bytes.end,
                position,
                text: chars[position..position + len].iter().collect(),
                position_length: 1,
            });
        };
        push(1);
        if chars.get(position + 1).is_some_and(|next| !next.is_whitespace()) {
            push(2);
        }
    }
    tokens
}

/// The terms, with their relative positions, that a normalised, white-space-free
/// string occupies in an n-gram field: one unigram for a single character,
/// otherwise the chain of overlapping bigrams.
pub fn substring_terms(normalized: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = normalized.chars().collect();
    if chars.len() == 1 {
        return vec![(0, chars[0].to_string())];
    }
    chars.windows(2).enumerate().map(|(position, pair)| (position, pair.iter().collect())).collect()
}

/// The fewest of [`substring_terms`] that still pin the string down: every
/// other bigram of the chain, and the last one when the length is odd. Each
/// character is covered and each bigram's position is fixed, so a phrase of
/// these matches exactly where the whole chain does, with half the postings
/// and positions to read, which is what a long word's search spends most on
/// in a large index.
pub fn covering_terms(normalized: &str) -> Vec<(usize, String)> {
    let chain = substring_terms(normalized);
    let last = chain.len() - 1;
    chain.into_iter().filter(|(position, _)| position % 2 == 0 || *position == last).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(usize, String)> {
        let mut tokenizer = NgramTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().position, stream.token().text.clone()));
        }
        out
    }

    #[test]
    fn emits_unigrams_and_bigrams_at_character_positions() {
        let expected = [(0, "図"), (0, "図書"), (1, "書"), (1, "書館"), (2, "館")];
        let expected: Vec<(usize, String)> = expected.iter().map(|(p, t)| (*p, t.to_string())).collect();
        assert_eq!(texts("図書館"), expected);
    }

    #[test]
    fn covering_terms_cover_every_character_with_half_the_bigrams() {
        let positions = |text: &str| covering_terms(text).into_iter().map(|(p, _)| p).collect::<Vec<_>>();
        assert_eq!(positions("図"), [0]);
        assert_eq!(positions("図書"), [0]);
        assert_eq!(positions("図書館"), [0, 1]);
        assert_eq!(positions("新図書館"), [0, 2]);
        assert_eq!(positions("新型コロナウイルス感染症対策"), [0, 2, 4, 6, 8, 10, 12]);
        assert_eq!(covering_terms("新図書館")[1].1, "書館");
    }

    #[test]
    fn white_space_breaks_bigrams_and_case_is_folded() {
        let tokens: Vec<String> = texts("Ｄ X").into_iter().map(|(_, t)| t).collect();
        assert_eq!(tokens, ["d", "x"]);
    }

    #[test]
    fn offsets_point_at_the_original_characters() {
        let text = "ｵﾝﾗｲﾝ";
        let mut tokenizer = NgramTokenizer;
        let mut stream = tokenizer.token_stream(text);
        assert!(stream.advance());
        assert_eq!(stream.token().text, "オ");
        assert_eq!(&text[stream.token().offset_from..stream.token().offset_to], "ｵ");
    }

    #[test]
    fn a_substring_is_a_chain_of_bigrams() {
        let terms = substring_terms("図書館");
        assert_eq!(terms, [(0, "図書".to_string()), (1, "書館".to_string())]);
        assert_eq!(substring_terms("市"), [(0, "市".to_string())]);
    }
}
