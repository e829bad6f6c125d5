//! The surface, normalised and reading analyses of one text from one
//! segmentation where the text allows it.
//!
//! The three morphological analyses read a text through the same character
//! filters and the same lindera segmenter; the normalised two also rewrite
//! the variant table's spellings first (子供 as 子ども). Beyond that they differ
//! only in the token filters they apply to the segments. Their analyzers each
//! segment the text anew, and segmenting (with reading each segment's
//! dictionary entry) is most of what analysis costs, at indexing and for
//! every query. [`SharedSegmenter`] segments a text once, or twice when the
//! variant table rewrites it, and applies each analysis's filters to its own
//! copy of the segments, in the order lindera's tokenizer applies them:
//! filters on the segments of the filtered text, then offsets mapped back to
//! the original.

use std::borrow::Cow;
use std::cell::OnceCell;

use lindera::segmenter::Segmenter;
use lindera::token::Token as LinderaToken;
use lindera::LinderaResult;
use lindera_analysis::character_filter::{BoxCharacterFilter, OffsetMapping};
use lindera_analysis::token_filter::BoxTokenFilter;
use tantivy::tokenizer::Token;

use crate::analyzers::Analysis;
use crate::japanese::{character_filters, normalized_token_filters, surface_token_filters, AnalysisResources};
use crate::reading::{reading_form_filter, reading_ngrams};

/// Segments a text once for all its morphological analyses.
pub(crate) struct SharedSegmenter {
    segmenter: Segmenter,
    character_filters: Vec<BoxCharacterFilter>,
    variant_filter: Option<BoxCharacterFilter>,
    surface_filters: Vec<BoxTokenFilter>,
    normalized_filters: Vec<BoxTokenFilter>,
    reading_filter: BoxTokenFilter,
}

/// A text through a chain of character filters, and how to map offsets back.
#[derive(Clone)]
struct Filtered {
    text: String,
    mappings: Vec<OffsetMapping>,
}

impl Filtered {
    fn new(text: &str, filters: &[BoxCharacterFilter]) -> LinderaResult<Filtered> {
        let mut filtered = Filtered { text: text.to_string(), mappings: Vec::with_capacity(filters.len()) };
        filtered.apply(filters.iter())?;
        Ok(filtered)
    }

    fn apply<'f>(&mut self, filters: impl Iterator<Item = &'f BoxCharacterFilter>) -> LinderaResult<()> {
        for filter in filters {
            let mapping = filter.apply(&mut self.text)?;
            if !mapping.is_empty() {
                self.mappings.push(mapping);
            }
        }
        Ok(())
    }

    /// `tokens`' offsets, made in the filtered text, as offsets in the
    /// original: what lindera's tokenizer does after its filters, in a
    /// function lindera-analysis keeps private.
    fn map_back(&self, tokens: &mut [LinderaToken]) {
        for token in tokens {
            for mapping in self.mappings.iter().rev() {
                token.byte_start = mapping.correct_offset(token.byte_start, self.text.len());
                token.byte_end = mapping.correct_offset(token.byte_end, self.text.len());
            }
        }
    }
}

impl SharedSegmenter {
    /// The segmenter and filters of the analyzers over `resources`.
    pub(crate) fn new(resources: &AnalysisResources) -> SharedSegmenter {
        SharedSegmenter {
            segmenter: resources.segmenter(),
            character_filters: character_filters(),
            variant_filter: resources.variant_filter(),
            surface_filters: surface_token_filters(),
            normalized_filters: normalized_token_filters(),
            reading_filter: reading_form_filter(),
        }
    }

    /// The tokens each of `analyses` makes of `text`, in their order, as
    /// their analyzers make them (offsets not yet snapped to characters).
    /// The n-gram analysis is no segmentation's and gets none here.
    pub(crate) fn tokens<const N: usize>(&self, text: &str, analyses: [Analysis; N]) -> [Vec<Token>; N] {
        // lindera only fails on internal errors; a text it cannot analyse has no tokens.
        self.try_tokens(text, analyses).unwrap_or_else(|_| std::array::from_fn(|_| Vec::new()))
    }

    fn try_tokens<const N: usize>(&self, text: &str, analyses: [Analysis; N]) -> LinderaResult<[Vec<Token>; N]> {
        let surface = Filtered::new(text, &self.character_filters)?;
        let normalising = match &self.variant_filter {
            Some(variants) if analyses.iter().any(|analysis| reads_variants(*analysis)) => {
                let mut rewritten = surface.clone();
                rewritten.apply(std::iter::once(variants))?;
                (rewritten.text != surface.text).then_some(rewritten)
            }
            _ => None,
        };
        let surface_segments = OnceCell::new();
        let normalising_segments = OnceCell::new();
        let mut tokens: [Vec<Token>; N] = std::array::from_fn(|_| Vec::new());
        for (analysis, tokens) in analyses.into_iter().zip(&mut tokens) {
            let (filtered, segments) = match &normalising {
                Some(rewritten) if reads_variants(analysis) => (rewritten, &normalising_segments),
                _ => (&surface, &surface_segments),
            };
            let segments = match segments.get() {
                Some(segments) => segments,
                None => {
                    let segmented = self.segment(&filtered.text)?;
                    segments.get_or_init(|| segmented)
                }
            };
            *tokens = self.analyse(analysis, filtered, segments)?;
        }
        Ok(tokens)
    }

    /// The segments of `text`, their dictionary details read once for every
    /// analysis's filters.
    fn segment<'a>(&'a self, text: &'a str) -> LinderaResult<Vec<LinderaToken<'a>>> {
        let mut segments = self.segmenter.segment(Cow::Borrowed(text))?;
        for segment in &mut segments {
            segment.details();
        }
        Ok(segments)
    }

    fn analyse(&self, analysis: Analysis, filtered: &Filtered, segments: &[LinderaToken]) -> LinderaResult<Vec<Token>> {
        let filters = match analysis {
            Analysis::Surface => &self.surface_filters[..],
            Analysis::Normalized => &self.normalized_filters[..],
            Analysis::Reading => std::slice::from_ref(&self.reading_filter),
            Analysis::Ngram => return Ok(Vec::new()),
        };
        let mut words = segments.to_vec();
        for filter in filters {
            filter.apply(&mut words)?;
        }
        filtered.map_back(&mut words);
        Ok(match analysis {
            Analysis::Reading => reading_ngrams(&words),
            _ => words.iter().map(as_tantivy_token).collect(),
        })
    }
}

/// Whether `analysis` reads the text with the variant table's spellings.
fn reads_variants(analysis: Analysis) -> bool {
    matches!(analysis, Analysis::Normalized | Analysis::Reading)
}

/// A word as lindera-tantivy hands it to tantivy.
fn as_tantivy_token(word: &LinderaToken) -> Token {
    Token {
        offset_from: word.byte_start,
        offset_to: word.byte_end,
        position: word.position,
        text: word.surface.to_string(),
        position_length: word.position_length,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tantivy::tokenizer::TokenStream;

    use super::*;
    use crate::test_support::{analyzers, workspace_resources};

    /// Texts made of pieces the filters rewrite (variants, widths, line
    /// wraps, era years, prolonged sound marks) and random Japanese.
    fn policy_like_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("子供".to_string()),
            Just("障害者".to_string()),
            Just("取組".to_string()),
            Just("令和４年度".to_string()),
            Just("第二".to_string()),
            Just("三\n十".to_string()),
            Just("ｺﾝﾋﾟｭｰﾀｰ".to_string()),
            Just("地域包\n括ケア".to_string()),
            Just("ＤＸ".to_string()),
            "[ぁ-んァ-ン一-龥ＡＤＸａ-ｚ0-9０-９ 　\n、。ー]{1,6}",
        ];
        prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
    }

    fn from_registered_analyzer(analysis: Analysis, text: &str) -> Vec<Token> {
        let mut analyzer = analyzers().analyzer(analysis);
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().clone());
        }
        tokens
    }

    proptest! {
        #[test]
        fn one_segmentation_gives_what_each_analyzer_gives(text in policy_like_text()) {
            let segmenter = SharedSegmenter::new(workspace_resources());
            let lindera = [Analysis::Surface, Analysis::Normalized, Analysis::Reading];
            let shared = segmenter.tokens(&text, lindera);
            for (analysis, tokens) in lindera.into_iter().zip(shared) {
                prop_assert_eq!(tokens, from_registered_analyzer(analysis, &text), "{:?} of {:?}", analysis, text);
            }
        }
    }

    #[test]
    fn a_text_the_variant_table_rewrites_is_segmented_again() {
        let segmenter = SharedSegmenter::new(workspace_resources());
        let [surface, normalized] = segmenter.tokens("子供の取組", [Analysis::Surface, Analysis::Normalized]);
        let texts = |tokens: &[Token]| tokens.iter().map(|token| token.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&surface), ["子供", "取組"]);
        assert_eq!(texts(&normalized), ["子ども", "取り組み"]);
    }
}
