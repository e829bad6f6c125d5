//! An item's text analysed once, when it is indexed, for the index and for
//! highlighting alike.
//!
//! A hit's excerpt marks the words whose normalised form the query has and
//! the words whose reading a kana query spells. Both come from the normalised
//! and reading analyses, which indexing runs anyway, so [`AnalysedText`] runs
//! them once, with the surface analysis from the same segmentation: tantivy
//! gets the tokens pre-tokenized for `text`, `text_normalized` and
//! `text_reading`, and [`TextMarks`], the words with their places in the text,
//! is stored beside the item. A search reads the marks back with the hit
//! instead of running lindera over every hit's text again, as an
//! Elasticsearch highlighter reads offsets from term vectors.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use tantivy::schema::Value;
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::TantivyDocument;

use crate::analyzers::{Analysis, Analyzers};
use crate::schema::Fields;

/// An item's text through the surface, normalised and reading analyses.
pub struct AnalysedText {
    /// The words as written, for the `text` field (stored as the plain text).
    pub surface: PreTokenizedString,
    /// The normalised tokens, for the `text_normalized` field.
    pub normalized: PreTokenizedString,
    /// The reading n-grams, for the `text_reading` field.
    pub reading: PreTokenizedString,
    /// What highlighting needs of both.
    pub marks: TextMarks<'static>,
}

impl AnalysedText {
    /// Analyses `text` as the index's analyzers do.
    pub fn new(text: &str, analyzers: &Analyzers) -> AnalysedText {
        let [surface, normalized, reading] =
            analyzers.tokens_of(text, [Analysis::Surface, Analysis::Normalized, Analysis::Reading]);
        let marks = TextMarks::of(text, &normalized, &reading);
        let pre_tokenized = |tokens| PreTokenizedString { text: text.to_string(), tokens };
        AnalysedText {
            surface: pre_tokenized(surface),
            normalized: pre_tokenized(normalized),
            reading: pre_tokenized(reading),
            marks,
        }
    }
}

/// The words of an item's text and the reading they spell, each with its
/// byte range in the text. Read back from a stored document, the terms and
/// readings borrow its bytes: a page reads the marks of every hit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextMarks<'a> {
    #[serde(borrow)]
    words: Vec<MarkedWord<'a>>,
    #[serde(borrow)]
    readings: Vec<ReadingRun<'a>>,
}

/// A normalised word; its term is left out when it is the text's own slice,
/// as for most Japanese words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct MarkedWord<'a> {
    start: u32,
    end: u32,
    #[serde(borrow)]
    term: Option<Cow<'a, str>>,
}

/// The reading of one word of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ReadingRun<'a> {
    start: u32,
    end: u32,
    #[serde(borrow)]
    reading: Cow<'a, str>,
}

impl<'a> TextMarks<'a> {
    /// The marks of `text` from its normalised and reading tokens.
    fn of(text: &str, normalized: &[Token], reading: &[Token]) -> TextMarks<'static> {
        let words = normalized
            .iter()
            .filter(|token| token.offset_from < token.offset_to)
            .map(|token| MarkedWord {
                start: token.offset_from as u32,
                end: token.offset_to as u32,
                term: (text.get(token.offset_from..token.offset_to) != Some(token.text.as_str()))
                    .then(|| Cow::Owned(token.text.clone())),
            })
            .collect();
        let mut readings: Vec<ReadingRun> = Vec::new();
        for (c, origin) in reading.iter().filter_map(spelled) {
            let (start, end) = (origin.start as u32, origin.end as u32);
            match readings.last_mut() {
                Some(run) if (run.start, run.end) == (start, end) => run.reading.to_mut().push(c),
                _ => readings.push(ReadingRun { start, end, reading: Cow::Owned(c.to_string()) }),
            }
        }
        TextMarks { words, readings }
    }

    /// Each normalised word of `text` (the text these marks were made of)
    /// with its byte range.
    pub fn words<'b>(&'b self, text: &'b str) -> impl Iterator<Item = (&'b str, Range<usize>)> + 'b {
        self.words.iter().filter_map(move |word| {
            let range = word.start as usize..word.end as usize;
            let term = match &word.term {
                Some(term) => term.as_ref(),
                None => text.get(range.clone())?,
            };
            Some((term, range))
        })
    }

    /// The reading the text spells, one katakana character per position,
    /// each with the byte range of the word it belongs to.
    pub fn spelled_reading(&self) -> Vec<(char, Range<usize>)> {
        self.readings
            .iter()
            .flat_map(|run| run.reading.chars().map(move |c| (c, run.start as usize..run.end as usize)))
            .collect()
    }

    /// The marks as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("marks serialise")
    }

    /// The marks stored with a document, when it has readable ones; their
    /// readings only when `with_readings` (only a kana query's highlights
    /// read them, and they are most of the marks).
    pub fn from_document(document: &'a TantivyDocument, fields: &Fields, with_readings: bool) -> Option<TextMarks<'a>> {
        let bytes = document.get_first(fields.text_marks)?.as_leaf()?.as_bytes()?;
        if with_readings {
            return postcard::from_bytes(bytes).ok();
        }
        // postcard writes a struct's fields in order, the words first.
        let (words, _readings) = postcard::take_from_bytes(bytes).ok()?;
        Some(TextMarks { words, readings: Vec::new() })
    }
}

/// The reading character a reading token spells, with the byte range of its
/// word: the analysis's unigrams spell the reading, its bigrams do not.
pub(crate) fn spelled(token: &Token) -> Option<(char, Range<usize>)> {
    let mut chars = token.text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some((c, token.offset_from..token.offset_to)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::analyzers;

    #[test]
    fn stored_marks_give_back_what_analysing_the_text_gives() {
        let analyzers = analyzers();
        let text = "子供の育成しますＤＸ図書館、障害者の支援";
        let analysed = AnalysedText::new(text, analyzers);
        let stored = analysed.marks.to_bytes();
        let marks: TextMarks = postcard::from_bytes(&stored).unwrap();
        assert_eq!(marks, analysed.marks);

        let live: Vec<(String, Range<usize>)> = analyzers
            .tokens(Analysis::Normalized, text)
            .into_iter()
            .filter(|token| token.offset_from < token.offset_to)
            .map(|token| (token.text, token.offset_from..token.offset_to))
            .collect();
        let stored: Vec<(String, Range<usize>)> =
            marks.words(text).map(|(term, range)| (term.to_string(), range)).collect();
        assert_eq!(stored, live);
        assert!(stored.iter().any(|(term, _)| term == "dx"), "a term unlike its text is kept: {stored:?}");
        assert_eq!(marks.spelled_reading(), analyzers.spelled_reading(text));
    }

    #[test]
    fn the_index_gets_the_same_tokens_as_its_analyzers_make() {
        let analyzers = analyzers();
        let text = "地域包括ケアシステムの構築";
        let analysed = AnalysedText::new(text, analyzers);
        let texts = |tokens: &[Token]| tokens.iter().map(|token| token.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&analysed.normalized.tokens), texts(&analyzers.tokens(Analysis::Normalized, text)));
        assert_eq!(texts(&analysed.reading.tokens), texts(&analyzers.tokens(Analysis::Reading, text)));
        assert_eq!(analysed.normalized.text, text);
    }
}
