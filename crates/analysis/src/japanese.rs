//! The morphological analyzers: lindera with IPADIC, the user dictionary and
//! lindera-analysis's filters.
//!
//! Text is normalised (full-width ＤＸ and half-width ｵﾝﾗｲﾝ become DX and オンライン,
//! 學 becomes 学, a line wrap inside a word goes; see [`crate::normalize`]) before
//! segmentation, so the dictionary sees the forms it knows.
//! Particles, auxiliary verbs, conjunctions and punctuation are dropped so that
//! ごみの減量 ranks by ごみ and 減量, not by の; the dropped tokens leave gaps in the
//! positions, so phrases still line up. Two analyzers share that start:
//!
//! - **surface**: the words as written, lower-cased: exact matches.
//! - **normalised**: spelling variants first mapped to one form (子供 → 子ども, 步 → 歩),
//!   then every word replaced by its dictionary form (育成します → 育成, 取り組みます →
//!   取り組む; ubiquitous verbs like する are dropped), numbers and era years written
//!   one way (第二 → 第2, 令和6年 → 2024年, see [`crate::numerals`]) and katakana
//!   words stripped of a final prolonged sound mark (コンピューター → コンピュータ):
//!   matches however the word was inflected or spelled.
//!
//! lindera's base-form filter replaces the token, so each analysis feeds a field of
//! its own and the surface form is kept next to the normalised one.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;

use lindera::dictionary::{Dictionary, UserDictionary};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera_analysis::character_filter::mapping::MappingCharacterFilter;
use lindera_analysis::character_filter::unicode_normalize::{UnicodeNormalizeCharacterFilter, UnicodeNormalizeKind};
use lindera_analysis::character_filter::BoxCharacterFilter;
use lindera_analysis::token_filter::japanese_base_form::JapaneseBaseFormTokenFilter;
use lindera_analysis::token_filter::japanese_katakana_stem::JapaneseKatakanaStemTokenFilter;
use lindera_analysis::token_filter::japanese_stop_tags::JapaneseStopTagsTokenFilter;
use lindera_analysis::token_filter::lowercase::LowercaseTokenFilter;
use lindera_analysis::token_filter::stop_words::StopWordsTokenFilter;
use lindera_analysis::token_filter::BoxTokenFilter;
use lindera_analysis::tokenizer::Tokenizer as LinderaAnalysisTokenizer;
use lindera_tantivy::tokenizer::LinderaTokenizer;

use crate::error::{AnalysisError, Result};
use crate::lexicon::Lexicon;
use crate::normalize::{KanjiFoldCharacterFilter, LineWrapCharacterFilter};
use crate::numerals::NumeralTokenFilter;

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
    "名詞,非自立,一般,*",
    "名詞,非自立,副詞可能,*",
    "名詞,非自立,助動詞語幹,*",
    "名詞,非自立,形容動詞語幹,*",
    "動詞,非自立,*,*",
];

/// Dictionary forms of verbs so common in policy prose (育成する, 推進します) that
/// requiring them would only hide items; the normalised analyzer drops them.
pub const STOP_WORDS: &[&str] =
    &["する", "ある", "いる", "なる", "できる", "出来る", "れる", "られる", "せる", "させる"];

/// Katakana words at least this long lose a final ー (ユーザー → ユーザ).
const KATAKANA_STEM_MIN_CHARS: usize = 3;

/// What every analyzer is built from: the system dictionary, the user
/// dictionary and the spelling-variant table.
#[derive(Clone)]
pub struct AnalysisResources {
    dictionary: Dictionary,
    user_dictionary: Option<UserDictionary>,
    variants: HashMap<String, String>,
}

impl AnalysisResources {
    /// Prepares the resources; reads and compiles the lexicon's user dictionary.
    pub fn new(dictionary: Dictionary, lexicon: &Lexicon) -> Result<Self> {
        let user_dictionary = match &lexicon.user_dictionary {
            Some(path) => Some(
                lindera::dictionary::load_user_dictionary_from_csv(&dictionary.metadata, path)
                    .map_err(|error| AnalysisError::Dictionary { path: path.clone(), message: error.to_string() })?,
            ),
            None => None,
        };
        Ok(AnalysisResources { dictionary, user_dictionary, variants: lexicon.variants.iter().cloned().collect() })
    }

    /// The system dictionary.
    pub(crate) fn system_dictionary(&self) -> Dictionary {
        self.dictionary.clone()
    }

    /// A segmenter over the system and user dictionaries.
    pub(crate) fn segmenter(&self) -> Segmenter {
        Segmenter::new(Mode::Normal, self.dictionary.clone(), self.user_dictionary.clone())
    }

    /// NFKC, then the variant table: the characters every normalised analysis reads.
    pub(crate) fn normalising_character_filters(&self) -> Vec<BoxCharacterFilter> {
        let mut filters = character_filters();
        filters.extend(self.variant_filter());
        filters
    }

    /// The variant table as a character filter; none when it is empty.
    pub(crate) fn variant_filter(&self) -> Option<BoxCharacterFilter> {
        (!self.variants.is_empty()).then(|| {
            let mapping =
                MappingCharacterFilter::new(self.variants.clone()).expect("the lexicon never holds an empty variant");
            BoxCharacterFilter::from(mapping)
        })
    }
}

/// NFKC, line wraps dropped and kanji variants folded: the characters every
/// analysis reads (see [`crate::normalize`]).
pub(crate) fn character_filters() -> Vec<BoxCharacterFilter> {
    vec![
        BoxCharacterFilter::from(UnicodeNormalizeCharacterFilter::new(UnicodeNormalizeKind::NFKC)),
        BoxCharacterFilter::from(LineWrapCharacterFilter),
        BoxCharacterFilter::from(KanjiFoldCharacterFilter),
    ]
}

fn stop_tags() -> BoxTokenFilter {
    let tags: HashSet<String> = STOP_TAGS.iter().map(|tag| tag.to_string()).collect();
    BoxTokenFilter::from(JapaneseStopTagsTokenFilter::new(tags))
}

/// What the surface analysis makes of the segments: words as written, lower-cased.
pub(crate) fn surface_token_filters() -> Vec<BoxTokenFilter> {
    vec![stop_tags(), BoxTokenFilter::from(LowercaseTokenFilter::new())]
}

/// What the normalised analysis makes of the segments: dictionary forms,
/// numbers and years written one way, katakana stems.
pub(crate) fn normalized_token_filters() -> Vec<BoxTokenFilter> {
    let stem_min = NonZeroUsize::new(KATAKANA_STEM_MIN_CHARS).expect("a positive length");
    vec![
        stop_tags(),
        BoxTokenFilter::from(JapaneseBaseFormTokenFilter::new()),
        BoxTokenFilter::from(NumeralTokenFilter),
        BoxTokenFilter::from(StopWordsTokenFilter::new(STOP_WORDS.iter().map(|word| word.to_string()).collect())),
        BoxTokenFilter::from(JapaneseKatakanaStemTokenFilter::new(stem_min)),
        BoxTokenFilter::from(LowercaseTokenFilter::new()),
    ]
}

/// The surface analyzer: words as written, lower-cased.
pub fn surface_tokenizer(resources: &AnalysisResources) -> LinderaTokenizer {
    lindera_tokenizer(resources, character_filters(), surface_token_filters())
}

/// The normalised analyzer: variants unified, dictionary forms, katakana stems.
pub fn normalized_tokenizer(resources: &AnalysisResources) -> LinderaTokenizer {
    lindera_tokenizer(resources, resources.normalising_character_filters(), normalized_token_filters())
}

fn lindera_tokenizer(
    resources: &AnalysisResources,
    character_filters: Vec<BoxCharacterFilter>,
    token_filters: Vec<BoxTokenFilter>,
) -> LinderaTokenizer {
    let mut tokenizer = LinderaTokenizer::from_segmenter(resources.segmenter());
    for filter in character_filters {
        tokenizer.append_character_filter(filter);
    }
    for filter in token_filters {
        tokenizer.append_token_filter(filter);
    }
    tokenizer
}

/// A lindera-analysis tokenizer over the normalised characters, without token
/// filters: the reading analyzer adds its own.
pub(crate) fn normalising_segmenter(resources: &AnalysisResources) -> LinderaAnalysisTokenizer {
    let mut tokenizer = LinderaAnalysisTokenizer::new(resources.segmenter());
    for filter in resources.normalising_character_filters() {
        tokenizer.append_character_filter(filter);
    }
    tokenizer
}

#[cfg(test)]
mod tests {
    use crate::analyzers::Analysis;
    use crate::test_support::{positioned_terms, terms};

    fn surface(text: &str) -> Vec<String> {
        terms(Analysis::Surface, text)
    }

    fn normalized(text: &str) -> Vec<String> {
        terms(Analysis::Normalized, text)
    }

    #[test]
    fn particles_are_dropped_but_leave_their_position() {
        let positions = positioned_terms(Analysis::Surface, "ごみの減量");
        assert_eq!(positions, [(0, "ごみ".to_string()), (2, "減量".to_string())]);
    }

    #[test]
    fn width_and_case_do_not_matter() {
        assert_eq!(surface("ＤＸ研修"), surface("dx研修"));
        assert_eq!(surface("ＯＪＴ"), ["ojt"]);
        assert_eq!(surface("ｵﾝﾗｲﾝ"), surface("オンライン"));
    }

    #[test]
    fn the_debian_dictionary_knows_the_era_reiwa() {
        assert_eq!(surface("令和4年度")[0], "令和");
    }

    #[test]
    fn inflected_forms_share_their_dictionary_form() {
        assert_eq!(normalized("育成する"), normalized("育成します"));
        assert_eq!(normalized("育成する"), normalized("育成し"));
        assert_eq!(normalized("取り組む"), normalized("取り組みます"));
    }

    #[test]
    fn spelling_variants_and_prolonged_sound_marks_are_unified() {
        assert_eq!(normalized("子供"), normalized("子ども"));
        assert_eq!(normalized("障害"), normalized("障がい"));
        assert_eq!(normalized("空家"), normalized("空き家"));
        assert_eq!(normalized("一步"), normalized("一歩"));
        assert_eq!(normalized("コンピューター"), normalized("コンピュータ"));
        assert_ne!(surface("子供"), surface("子ども"), "the surface field keeps the spelling");
    }

    #[test]
    fn a_line_wrap_inside_a_word_does_not_split_it() {
        assert_eq!(surface("障が い者"), surface("障がい者"));
        assert_eq!(normalized("地域包\n括ケア"), normalized("地域包括ケア"));
        assert_eq!(surface("學校"), surface("学校"));
    }

    #[test]
    fn the_user_dictionary_keeps_new_words_whole() {
        assert_eq!(surface("マイナンバー"), ["マイナンバー"]);
        assert_eq!(surface("ゼロカーボンシティ")[0], "ゼロカーボン");
    }
}
