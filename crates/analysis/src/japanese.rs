//! The morphological analyzer: lindera with IPADIC and lindera-analysis's filters.
//!
//! Text is NFKC-normalised (full-width ＤＸ and half-width ｵﾝﾗｲﾝ become DX and
//! オンライン) before segmentation, so the dictionary sees the forms it knows; the
//! tokens are lower-cased, and particles, auxiliary verbs, conjunctions and
//! punctuation are dropped so that ごみの減量 ranks by ごみ and 減量, not by の. The
//! dropped tokens leave gaps in the positions, so phrases still line up.

use std::collections::HashSet;

use lindera::dictionary::Dictionary;
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera_analysis::character_filter::unicode_normalize::{
    UnicodeNormalizeCharacterFilter, UnicodeNormalizeKind,
};
use lindera_analysis::character_filter::BoxCharacterFilter;
use lindera_analysis::token_filter::japanese_stop_tags::JapaneseStopTagsTokenFilter;
use lindera_analysis::token_filter::lowercase::LowercaseTokenFilter;
use lindera_analysis::token_filter::BoxTokenFilter;
use lindera_tantivy::tokenizer::LinderaTokenizer;

/// IPADIC part-of-speech tags (all four levels, as lindera compares them) whose
/// tokens carry no topic: particles, auxiliaries, conjunctions, fillers,
/// interjections and punctuation. Alphabet symbols (記号,アルファベット) are kept.
pub const STOP_TAGS: &[&str] = &[
    "助詞,並立助詞,*,*",
    "助詞,係助詞,*,*",
    "助詞,副助詞,*,*",
    "助詞,副助詞／並立助詞／終助詞,*,*",
    "助詞,副詞化,*,*",
    "助詞,接続助詞,*,*",
    "助詞,格助詞,一般,*",
    "助詞,格助詞,引用,*",
    "助詞,格助詞,連語,*",
    "助詞,特殊,*,*",
    "助詞,終助詞,*,*",
    "助詞,連体化,*,*",
    "助動詞,*,*,*",
    "接続詞,*,*,*",
    "フィラー,*,*,*",
    "感動詞,*,*,*",
    "記号,一般,*,*",
    "記号,句点,*,*",
    "記号,読点,*,*",
    "記号,括弧開,*,*",
    "記号,括弧閉,*,*",
    "記号,空白,*,*",
];

/// Builds the tantivy tokenizer for the morphological fields.
pub fn japanese_tokenizer(dictionary: Dictionary) -> LinderaTokenizer {
    let segmenter = Segmenter::new(Mode::Normal, dictionary, None);
    let stop_tags: HashSet<String> = STOP_TAGS.iter().map(|tag| tag.to_string()).collect();
    let mut tokenizer = LinderaTokenizer::from_segmenter(segmenter);
    tokenizer
        .append_character_filter(BoxCharacterFilter::from(
            UnicodeNormalizeCharacterFilter::new(UnicodeNormalizeKind::NFKC),
        ))
        .append_token_filter(BoxTokenFilter::from(JapaneseStopTagsTokenFilter::new(
            stop_tags,
        )))
        .append_token_filter(BoxTokenFilter::from(LowercaseTokenFilter::new()));
    tokenizer
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TokenStream, Tokenizer};

    use super::*;
    use crate::dictionary;

    /// The workspace's default dictionary location, shared by every test process.
    fn workspace_dictionary() -> Dictionary {
        let compiled = concat!(env!("CARGO_MANIFEST_DIR"), "/../../index/dictionary");
        dictionary::ensure_compiled(&dictionary::ipadic_source_dir(), compiled.as_ref())
            .expect("IPADIC compiles")
            .dictionary
    }

    fn tokens(text: &str) -> Vec<(usize, String)> {
        let mut tokenizer = japanese_tokenizer(workspace_dictionary());
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            assert_eq!(&text[token.offset_from..token.offset_to].is_empty(), &false);
            out.push((token.position, token.text.clone()));
        }
        out
    }

    #[test]
    fn particles_are_dropped_but_leave_their_position() {
        let expected = [(0, "ごみ"), (2, "減量")];
        let expected: Vec<(usize, String)> =
            expected.iter().map(|(p, t)| (*p, t.to_string())).collect();
        assert_eq!(tokens("ごみの減量"), expected);
    }

    #[test]
    fn full_width_latin_is_normalised_and_lower_cased() {
        let words: Vec<String> = tokens("ＤＸ研修").into_iter().map(|(_, t)| t).collect();
        assert_eq!(words, ["dx", "研修"]);
    }

    #[test]
    fn the_debian_dictionary_knows_the_era_reiwa() {
        let words: Vec<String> = tokens("令和4年度").into_iter().map(|(_, t)| t).collect();
        assert_eq!(words[0], "令和");
    }
}
