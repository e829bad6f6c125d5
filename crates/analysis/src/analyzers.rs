//! The four analyses hoshin makes of text, and the analyzers that make them.
//!
//! Every analysed field of the index goes through one [`Analysis`] (the field
//! table in [`crate::schema`] says which). [`Analyzers`] holds one analyzer per
//! analysis: indexing registers them with an index under their tokenizer
//! names, and the query side (planner, highlighter, suggester,
//! `/api/analyze`) turns text into tokens through the same value, so a word
//! is analysed identically when it is stored and when it is searched. Text
//! that needs several analyses at once (an item's text and heading as they
//! are indexed, a query's words) goes through one lindera segmentation for
//! all of them ([`crate::segmentation`]), which gives what the registered
//! analyzers give.

use std::sync::Arc;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenizerManager};
use tantivy::Index;

use crate::error::{AnalysisError, Result};
use crate::japanese::{normalized_tokenizer, surface_tokenizer, AnalysisResources};
use crate::marks::spelled;
use crate::ngram::{ngram_tokens, NgramTokenizer};
use crate::reading::ReadingTokenizer;
use crate::schema::FIELD_TABLE;
use crate::segmentation::SharedSegmenter;

/// One way of turning text into index terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Analysis {
    /// Words as written, lower-cased: exact matches (see [`crate::japanese`]).
    Surface,
    /// Words with variants unified and inflections undone (see [`crate::japanese`]).
    Normalized,
    /// The katakana reading as character n-grams (see [`crate::reading`]).
    Reading,
    /// Normalised characters as unigrams and bigrams (see [`crate::ngram`]).
    Ngram,
}

impl Analysis {
    /// Every analysis, in the order `/api/analyze` lists them.
    pub const ALL: [Analysis; 4] = [Analysis::Surface, Analysis::Normalized, Analysis::Reading, Analysis::Ngram];

    /// The name its analyzer is registered under in an index's tokenizer manager.
    pub const fn tokenizer_name(self) -> &'static str {
        match self {
            Analysis::Surface => "hoshin_surface",
            Analysis::Normalized => "hoshin_normalized",
            Analysis::Reading => "hoshin_reading",
            Analysis::Ngram => "hoshin_ngram",
        }
    }

    /// Its name in answers and logs.
    pub const fn label(self) -> &'static str {
        match self {
            Analysis::Surface => "surface",
            Analysis::Normalized => "normalized",
            Analysis::Reading => "reading",
            Analysis::Ngram => "ngram",
        }
    }

    /// The index fields analysed this way, in the field table's order.
    pub fn fields(self) -> Vec<&'static str> {
        FIELD_TABLE.iter().filter(|spec| spec.analysis() == Some(self)).map(|spec| spec.name).collect()
    }

    /// Its index in [`Analysis::ALL`], which lists the variants in declaration order.
    const fn slot(self) -> usize {
        self as usize
    }

    fn build(self, resources: &AnalysisResources) -> TextAnalyzer {
        match self {
            Analysis::Surface => TextAnalyzer::from(surface_tokenizer(resources)),
            Analysis::Normalized => TextAnalyzer::from(normalized_tokenizer(resources)),
            Analysis::Reading => TextAnalyzer::from(ReadingTokenizer::new(resources)),
            Analysis::Ngram => TextAnalyzer::from(NgramTokenizer),
        }
    }
}

/// One analyzer per [`Analysis`], and the segmenter that analyses a text
/// for several analyses at once. Clones share them.
#[derive(Clone)]
pub struct Analyzers {
    prototypes: Arc<[TextAnalyzer; 4]>,
    segmenter: Arc<SharedSegmenter>,
}

impl Analyzers {
    /// Builds every analyzer from the dictionary and word lists.
    pub fn new(resources: &AnalysisResources) -> Analyzers {
        Analyzers {
            prototypes: Arc::new(Analysis::ALL.map(|analysis| analysis.build(resources))),
            segmenter: Arc::new(SharedSegmenter::new(resources)),
        }
    }

    /// Registers every analyzer with an index's tokenizer manager.
    pub fn register(&self, manager: &TokenizerManager) {
        for analysis in Analysis::ALL {
            manager.register(analysis.tokenizer_name(), self.analyzer(analysis));
        }
    }

    /// Checks that `index` has hoshin's analyzers registered, as an index
    /// must before it is searched or written; an error names the first one
    /// missing.
    pub fn ensure_registered(index: &Index) -> Result<()> {
        let manager = index.tokenizers();
        match Analysis::ALL.into_iter().map(Analysis::tokenizer_name).find(|name| manager.get(name).is_none()) {
            Some(name) => Err(AnalysisError::AnalyzerNotRegistered { name }),
            None => Ok(()),
        }
    }

    /// A copy of the analyzer of `analysis`, for an index or a token stream of
    /// one's own.
    pub fn analyzer(&self, analysis: Analysis) -> TextAnalyzer {
        self.prototypes[analysis.slot()].clone()
    }

    /// The tokens `analysis` makes of `text`, in order, as the index stores
    /// them, with offsets widened to whole characters of `text`.
    pub fn tokens(&self, analysis: Analysis, text: &str) -> Vec<Token> {
        let [tokens] = self.tokens_of(text, [analysis]);
        tokens
    }

    /// The tokens each of `analyses` makes of `text` (see
    /// [`Analyzers::tokens`]), from as few lindera segmentations as the text
    /// allows: one when the variant table leaves it as it is, two otherwise.
    pub fn tokens_of<const N: usize>(&self, text: &str, analyses: [Analysis; N]) -> [Vec<Token>; N] {
        let mut tokens = self.segmenter.tokens(text, analyses);
        for (analysis, tokens) in analyses.into_iter().zip(&mut tokens) {
            if analysis == Analysis::Ngram {
                *tokens = ngram_tokens(text);
            }
            for token in tokens {
                (token.offset_from, token.offset_to) = snap_to_chars(text, token.offset_from, token.offset_to);
            }
        }
        tokens
    }

    /// The reading the reading analysis spells for `text`: one katakana
    /// character per position, each with the byte range of the word it
    /// belongs to.
    pub fn spelled_reading(&self, text: &str) -> Vec<(char, std::ops::Range<usize>)> {
        self.tokens(Analysis::Reading, text).iter().filter_map(spelled).collect()
    }
}

/// `from..to` widened to whole characters of `text` and clipped to it. lindera
/// interpolates offsets inside text its mapping filter rewrote (障害 read as
/// 障がい), which can land inside a character.
fn snap_to_chars(text: &str, from: usize, to: usize) -> (usize, usize) {
    let mut start = from.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = to.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Fields;
    use crate::test_support::{analyzers, workspace_resources};

    #[test]
    fn each_analysis_names_its_fields_and_tokenizer() {
        assert_eq!(Analysis::Surface.fields(), ["text", "policy"]);
        assert_eq!(Analysis::Normalized.fields(), ["text_normalized", "policy_normalized", "department"]);
        assert_eq!(Analysis::Reading.fields(), ["text_reading", "policy_reading"]);
        assert_eq!(Analysis::Ngram.fields(), ["text_ngram", "policy_ngram"]);
        assert_eq!(Analysis::Ngram.tokenizer_name(), "hoshin_ngram");
    }

    #[test]
    fn an_index_without_registered_analyzers_is_a_typed_error() {
        let (schema, _) = Fields::build_schema();
        let index = Index::create_in_ram(schema);
        let Err(error) = Analyzers::ensure_registered(&index) else { panic!("nothing was registered") };
        assert!(matches!(error, AnalysisError::AnalyzerNotRegistered { name: "hoshin_surface" }), "{error}");
        Analyzers::new(workspace_resources()).register(index.tokenizers());
        assert!(Analyzers::ensure_registered(&index).is_ok());
    }

    #[test]
    fn offsets_inside_a_character_widen_to_the_whole_character() {
        let text = "障害物";
        assert_eq!(snap_to_chars(text, 1, 4), (0, 6));
        assert_eq!(snap_to_chars(text, 8, 20), (6, 9));
        assert_eq!(snap_to_chars(text, 9, 20), (9, 9));
        assert_eq!(snap_to_chars(text, 5, 2), (3, 3));
    }

    proptest::proptest! {
        #[test]
        fn every_analysis_gives_in_bounds_offsets_on_characters_in_position_order(text in "\\PC{0,40}|[ぁ-んァ-ン一-龥ＡＤＸｶﾞ 　、。ー]{0,40}") {
            let analyzers = analyzers();
            for analysis in Analysis::ALL {
                let tokens = analyzers.tokens(analysis, &text);
                for token in &tokens {
                    proptest::prop_assert!(token.offset_from <= token.offset_to && token.offset_to <= text.len(), "{analysis:?} {token:?}");
                    proptest::prop_assert!(text.is_char_boundary(token.offset_from) && text.is_char_boundary(token.offset_to), "{analysis:?} {token:?}");
                    proptest::prop_assert!(!token.text.is_empty(), "{analysis:?} {token:?}");
                }
                for pair in tokens.windows(2) {
                    proptest::prop_assert!(pair[0].position <= pair[1].position, "{analysis:?} {pair:?}");
                }
            }
        }
    }

    #[test]
    fn the_reading_is_spelled_character_by_character() {
        let reading: String = analyzers().spelled_reading("図書館").into_iter().map(|(c, _)| c).collect();
        assert_eq!(reading, "トショカン");
    }
}
