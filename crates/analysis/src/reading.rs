//! The reading analyzer: what the text sounds like, as katakana n-grams.
//!
//! Residents type kanji words in hiragana (としょかん for 図書館, ぼうはん for 防犯) and
//! katakana words in hiragana (たばこ for タバコ). lindera gives every known word its
//! IPADIC reading; unknown words keep their spelling, hiragana turned katakana. The
//! readings of a text are joined and indexed as character n-grams, so a kana query,
//! turned into the same katakana by [`reading_key`], finds the words it spells as a
//! substring. Prolonged sound marks are dropped on both sides (ユーザ = ユーザー).
//!
//! The query side also needs what a text *could* sound like: [`Readings`]
//! lists every reading the dictionary knows for a word (下: シタ, ゲ, カ…), from
//! which the planner spells the readings of a half-converted or misspelled
//! query (下すいどう, 福祉 typed 福止), and [`fold_kana`] forgets what OCR and
//! hurried typing lose (small kana, dakuten and handakuten: キヤツシユレス,
//! ハイク for バイク).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use lindera::dictionary::Dictionary;
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::token::Token as LinderaToken;
use lindera_analysis::token_filter::japanese_reading_form::JapaneseReadingFormTokenFilter;
use lindera_analysis::token_filter::BoxTokenFilter;
use lindera_analysis::tokenizer::Tokenizer as LinderaAnalysisTokenizer;
use tantivy::tokenizer::{Token, Tokenizer};
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
        tokenizer.append_token_filter(reading_form_filter());
        ReadingTokenizer { tokenizer }
    }
}

impl Tokenizer for ReadingTokenizer {
    type TokenStream<'a> = NgramTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NgramTokenStream {
        // lindera only fails on internal errors; an unreadable text has no reading.
        let tokens = self.tokenizer.tokenize(text).unwrap_or_default();
        NgramTokenStream::new(reading_ngrams(&tokens))
    }
}

/// What the reading analysis makes of the segments: each word's reading.
pub(crate) fn reading_form_filter() -> BoxTokenFilter {
    BoxTokenFilter::from(JapaneseReadingFormTokenFilter::new())
}

/// The n-grams of the readings `words` (segments through
/// [`reading_form_filter`]) spell, each with the byte range of its words.
pub(crate) fn reading_ngrams(words: &[LinderaToken]) -> Vec<Token> {
    let mut chars = Vec::new();
    let mut origins = Vec::new();
    for word in words {
        for c in reading_chars(&word.surface) {
            chars.push(c);
            origins.push(word.byte_start..word.byte_end);
        }
    }
    char_ngrams(&chars, |range| origins[range.start].start..origins[range.end - 1].end)
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

/// The IPADIC column holding a word's reading.
const READING_DETAIL: usize = 7;

/// The on'yomi of each kanji, from Unihan (see `scripts/make-kanji-readings`),
/// in romaji: `kanji⇥reading reading…`.
const KANJI_READINGS: &str = include_str!("../../../data/kanji-readings.tsv");

static ON_READINGS: LazyLock<HashMap<char, Vec<String>>> = LazyLock::new(|| {
    KANJI_READINGS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (kanji, readings) = line.split_once('\t')?;
            let kanji = kanji.chars().next()?;
            let readings = readings
                .split_whitespace()
                .map(|romaji| reading_key(&wana_kana::ConvertJapanese::to_katakana(romaji)))
                .filter(|reading| is_kana(reading))
                .collect();
            Some((kanji, readings))
        })
        .collect()
});

/// Every reading the system dictionary gives a surface form, and for a kanji
/// alone its on'yomi too: IPADIC lists a kanji only where it stands alone as
/// a word (止 as トメ), while in compounds it is mostly read on (止 as シ). The
/// user dictionary's words are a city's own names, read as the text spells them.
#[derive(Clone)]
pub struct Readings {
    dictionary: Dictionary,
    segmenter: Arc<Segmenter>,
}

/// Readings tried per word of a text, and per character of a word the
/// dictionary does not know as a whole.
const READINGS_PER_PART: usize = 8;

impl Readings {
    /// Readings from the system dictionary of `resources`.
    pub fn new(resources: &AnalysisResources) -> Readings {
        let dictionary = resources.system_dictionary();
        let segmenter = Arc::new(Segmenter::new(Mode::Normal, dictionary.clone(), None));
        Readings { dictionary, segmenter }
    }

    /// Whether the system dictionary reads `text` as one word it knows
    /// (忙しい, 先生; not 福止, 福 and 止, nor an unknown 経栄).
    pub fn is_one_word(&self, text: &str) -> bool {
        let normalized = crate::normalize::normalize(text.trim());
        match self.segmenter.segment(Cow::Borrowed(normalized.as_str())) {
            Ok(tokens) => matches!(tokens.as_slice(), [token] if !token.word_id.is_unknown()),
            Err(_) => false,
        }
    }

    /// Up to `limit` katakana readings `text` could have, the likeliest
    /// first: each word read as the dictionary reads it in context, then by
    /// its other readings, and a word it does not know (経栄 for 経営) by the
    /// readings of its characters. Kana stand for themselves (下すいどう:
    /// ゲスイドウ among シタスイドウ, カスイドウ…). Empty when some part has no reading.
    pub fn spellings(&self, text: &str, limit: usize) -> Vec<String> {
        let normalized: String = crate::normalize::normalize(text).chars().filter(|c| !c.is_whitespace()).collect();
        let Ok(mut tokens) = self.segmenter.segment(Cow::Borrowed(normalized.as_str())) else { return Vec::new() };
        let mut spellings = vec![String::new()];
        for token in &mut tokens {
            let surface = token.surface.to_string();
            let options = if is_kana(&surface) || !surface.chars().any(crate::normalize::is_japanese) {
                vec![reading_key(&surface)]
            } else {
                let known = !token.word_id.is_unknown();
                let mut options: Vec<String> = token
                    .get_detail(READING_DETAIL)
                    .filter(|reading| known && *reading != "*")
                    .map(reading_key)
                    .into_iter()
                    .collect();
                for reading in self.of(&surface).into_iter().chain(self.by_character(&surface)) {
                    if !options.contains(&reading) {
                        options.push(reading);
                    }
                }
                options.truncate(READINGS_PER_PART);
                options
            };
            spellings = each_followed_by(&spellings, &options, limit);
        }
        spellings.retain(|spelling| !spelling.is_empty());
        spellings
    }

    /// A word's readings made of its characters' readings; none for a word of
    /// one character or one with a character the dictionary cannot read.
    fn by_character(&self, word: &str) -> Vec<String> {
        if word.chars().count() < 2 {
            return Vec::new();
        }
        let mut spellings = vec![String::new()];
        for c in word.chars() {
            let mut options = self.of(c.encode_utf8(&mut [0; 4]));
            options.truncate(READINGS_PER_PART);
            spellings = each_followed_by(&spellings, &options, READINGS_PER_PART);
        }
        spellings
    }

    /// The distinct katakana readings of the entries spelled `surface`, shortest first.
    pub fn of(&self, surface: &str) -> Vec<String> {
        let mut readings: Vec<String> = Vec::new();
        for entry in self.dictionary.prefix_dictionary.find_surface_iter(surface) {
            let details = self.dictionary.word_details(entry.word_id().id() as usize);
            if let Some(reading) = details.get(READING_DETAIL).filter(|reading| **reading != "*") {
                let key = reading_key(reading);
                if !key.is_empty() && !readings.contains(&key) {
                    readings.push(key);
                }
            }
        }
        let mut chars = surface.chars();
        if let (Some(kanji), None) = (chars.next(), chars.next()) {
            for reading in ON_READINGS.get(&kanji).into_iter().flatten() {
                if !readings.contains(reading) {
                    readings.push(reading.clone());
                }
            }
        }
        readings.sort_by_key(|reading| reading.chars().count());
        readings
    }
}

/// Up to `limit` of every start followed by every option, in order: the
/// readings of a text so far, each with each reading of its next part.
fn each_followed_by(starts: &[String], options: &[String], limit: usize) -> Vec<String> {
    starts.iter().flat_map(|start| options.iter().map(move |option| format!("{start}{option}"))).take(limit).collect()
}

/// The katakana reading of a word typed in romaji (kosodate → コソダテ); `None`
/// for anything but Latin letters, or letters that spell no kana (dx).
pub fn romaji_reading(text: &str) -> Option<String> {
    let normalized = crate::normalize::normalize(text.trim());
    if normalized.chars().count() < 2 || !normalized.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '\'') {
        return None;
    }
    let kana = wana_kana::ConvertJapanese::to_katakana(normalized.as_str());
    is_kana(&kana).then(|| reading_key(&kana))
}

/// `reading` without what OCR and typing lose: small kana made large,
/// dakuten and handakuten taken off, and the geminate ッ dropped, with the ツ
/// OCR turns it into (キャッシュレス and キヤツシユレス, ぴったり and びたり meet).
pub fn fold_kana(reading: &str) -> String {
    reading.chars().map(|c| fold_kana_char(to_katakana(c))).filter(|&c| c != 'ツ').collect()
}

fn fold_kana_char(c: char) -> char {
    const SMALL: &str = "ァィゥェォッャュョヮヵヶ";
    const LARGE: &str = "アイウエオツヤユヨワカケ";
    if let Some(index) = SMALL.chars().position(|small| small == c) {
        return LARGE.chars().nth(index).unwrap_or(c);
    }
    // NFD splits ガ into カ and a combining dakuten, パ into ハ and a handakuten.
    let mut decomposed = std::iter::once(c).nfd();
    match (decomposed.next(), decomposed.next()) {
        (Some(base), Some('\u{3099}' | '\u{309A}')) => base,
        _ => c,
    }
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
    fn folded_kana_forget_small_kana_and_dakuten() {
        assert_eq!(fold_kana("キャッシュレス"), fold_kana("キヤツシユレス"));
        assert_eq!(fold_kana("ボランティア"), fold_kana("ボランテイア"));
        assert_eq!(fold_kana("バイク"), fold_kana("ハイク"));
        assert_eq!(fold_kana("ぴったり"), fold_kana("びたり"));
        assert_ne!(fold_kana("バイク"), fold_kana("バス"));
    }

    #[test]
    fn the_dictionary_lists_every_reading_of_a_word() {
        let readings = crate::test_support::readings();
        let of_shita = readings.of("下");
        assert!(of_shita.contains(&"ゲ".to_string()) && of_shita.contains(&"シタ".to_string()), "{of_shita:?}");
        assert!(readings.of("止").contains(&"シ".to_string()), "Unihan's on'yomi of a kanji IPADIC reads トメ");
        assert!(readings.of("鷗鷗鷗").is_empty());
    }

    #[test]
    fn romaji_is_read_as_kana() {
        assert_eq!(romaji_reading("kosodate").as_deref(), Some("コソダテ"));
        assert_eq!(romaji_reading("Gesuidou").as_deref(), Some("ゲスイドウ"));
        assert_eq!(romaji_reading("ｈｏｉｋｕｅｎ").as_deref(), Some("ホイクエン"));
        assert_eq!(romaji_reading("dx"), None);
        assert_eq!(romaji_reading("npo法人"), None);
    }

    #[test]
    fn a_half_converted_or_misspelled_text_is_spelled_every_way_it_may_sound() {
        let readings = crate::test_support::readings();
        for (typed, meant) in [
            ("下すいどう", "ゲスイドウ"),
            ("にんち症", "ニンチショウ"),
            ("子そだて", "コソダテ"),
            ("こうれい者", "コウレイシャ"),
            ("下水道経栄", "ゲスイドウケイエイ"),
            ("生涯学集", "ショウガイガクシュウ"),
            ("福止", "フクシ"),
        ] {
            let spellings = readings.spellings(typed, 16);
            assert!(spellings.contains(&meant.to_string()), "{typed}: {spellings:?}");
        }
    }

    #[test]
    fn only_kana_words_are_readings() {
        assert!(is_kana("としょかん") && is_kana("タバコ") && is_kana("ｵﾝﾗｲﾝ"));
        assert!(!is_kana("図書館") && !is_kana("dx") && !is_kana(""));
    }
}
