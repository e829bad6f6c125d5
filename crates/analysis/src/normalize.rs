//! What "the same characters" means in hoshin: Unicode NFKC, lower case, one
//! form per kanji, and no line breaks inside a word.
//!
//! - NFKC makes ＤＸ DX and ｵﾝﾗｲﾝ オンライン; lower-casing makes DX dx.
//! - **Kanji variants** ([`fold_kanji`]): 旧字体, 異体字 and the CJK radical
//!   characters PDF extraction emits become the everyday character (學 → 学,
//!   髙 → 高, ⺠ → 民). The table is `data/kanji-variants.tsv`, generated from
//!   OpenCC's Japanese table and Unihan by `scripts/make-kanji-variants` and
//!   compiled in, like NFKC's own tables: it is character data, not a word list
//!   for staff to edit (that is `variants.tsv`).
//! - **Line wraps** ([`is_line_wrap`]): white space between two Japanese
//!   characters is where published text broke a line inside a word (障が い,
//!   地域包 括); Japanese separates words without spaces, so dropping it loses no
//!   boundary a reader would see.
//!
//! Every analysis reads text this way: the n-gram field and the highlighter
//! through [`NormalizedText`], which remembers the byte range of the original
//! characters each normalised one came from, and the lindera analyses through
//! [`KanjiFoldCharacterFilter`] and [`LineWrapCharacterFilter`].

use std::ops::Range;
use std::sync::LazyLock;

use lindera::LinderaResult;
use lindera_analysis::character_filter::{CharacterFilter, OffsetMapping, Transformation};
use rustc_hash::FxHashMap;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The kanji variant table, `variant⇥canonical` per line.
const KANJI_VARIANTS: &str = include_str!("../../../data/kanji-variants.tsv");

/// The variant table, and which characters of the Basic Multilingual Plane
/// are variants: every character of every hit's text is folded, and a bit
/// test tells most of them apart cheaper than a hash look-up. Hashed with Fx:
/// the keys are not an attacker's to choose.
struct KanjiFold {
    table: FxHashMap<char, char>,
    in_bmp: Box<[u64]>,
}

const BMP_WORDS: usize = 0x10000 / 64;

static KANJI_FOLD: LazyLock<KanjiFold> = LazyLock::new(|| {
    let table: FxHashMap<char, char> = KANJI_VARIANTS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (variant, canonical) = line.split_once('\t')?;
            Some((single_char(variant)?, single_char(canonical.trim())?))
        })
        .collect();
    let mut in_bmp = vec![0u64; BMP_WORDS].into_boxed_slice();
    for &variant in table.keys().filter(|&&variant| (variant as u32) < 0x10000) {
        in_bmp[variant as usize / 64] |= 1 << (variant as usize % 64);
    }
    KanjiFold { table, in_bmp }
});

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// The everyday form of a kanji variant; any other character as it is.
pub fn fold_kanji(c: char) -> char {
    let KanjiFold { table, in_bmp } = &*KANJI_FOLD;
    let index = c as usize;
    if index < 0x10000 && in_bmp[index / 64] & (1 << (index % 64)) == 0 {
        return c;
    }
    table.get(&c).copied().unwrap_or(c)
}

/// A digest of the kanji table, for index fingerprints: a changed table
/// changes how documents are analysed.
pub fn kanji_table_digest() -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(KANJI_VARIANTS.as_bytes()))
}

/// Whether `c` is written inside Japanese words: kanji, kana, the prolonged
/// sound mark and the iteration marks.
pub fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3006}' | '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Whether the white space at `chars[index]` is a line wrap: white space
/// only, from one Japanese character to the next.
fn is_line_wrap(chars: &[char], index: usize) -> bool {
    let is_space = |c: &char| c.is_whitespace();
    if !is_space(&chars[index]) {
        return false;
    }
    let before = chars[..index].iter().rev().find(|c| !is_space(c));
    let after = chars[index + 1..].iter().find(|c| !is_space(c));
    before.zip(after).is_some_and(|(&before, &after)| is_japanese(before) && is_japanese(after))
}

/// Text after NFKC and lower-casing, with a map back to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedText {
    chars: Vec<char>,
    origins: Vec<Range<usize>>,
}

impl NormalizedText {
    /// Normalises `original`.
    pub fn new(original: &str) -> Self {
        let (chars, origins) = without_line_wraps(folded(original), |(c, _)| *c).into_iter().unzip();
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

/// Whether [`normalize`] leaves `text` as it is, told without normalising it:
/// text of lower-case ASCII without white space, kana, the everyday kanji and
/// the ideographic punctuation, as most of a Japanese policy text is. None of
/// them changes under NFKC or lower-casing, none composes with another, and
/// without white space there is no line wrap to drop.
pub fn is_normalized(text: &str) -> bool {
    text.chars().all(|c| match c {
        _ if c.is_ascii() => !c.is_ascii_uppercase() && !c.is_whitespace(),
        '\u{3001}'..='\u{3003}' | '\u{3005}' | '\u{300C}'..='\u{300F}' | '\u{30FB}' | '\u{30FC}' => true,
        _ => is_caseless_nfkc(c) && fold_kanji(c) == c,
    })
}

/// Normalises a string, forgetting where the characters came from.
pub fn normalize(text: &str) -> String {
    without_line_wraps(folded(text).into_iter().map(|(c, _)| c).collect(), |c| *c).into_iter().collect()
}

/// The characters of `original` after NFKC, lower-casing and the kanji fold,
/// line wraps still in, each with the byte range of the original characters
/// it came from. A plain loop: this runs over every hit's text per search.
fn folded(original: &str) -> Vec<(char, Range<usize>)> {
    let mut folded = Vec::with_capacity(original.len());
    let push = |folded: &mut Vec<(char, Range<usize>)>, c: char, cluster: &Range<usize>| {
        if c.is_ascii() {
            folded.push((c.to_ascii_lowercase(), cluster.clone()));
        } else {
            folded.extend(c.to_lowercase().map(|lower| (fold_kanji(lower), cluster.clone())));
        }
    };
    for cluster in clusters(original) {
        let text = &original[cluster.clone()];
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if is_caseless_nfkc(c) {
                folded.push((fold_kanji(c), cluster));
                continue;
            }
        }
        // Most other clusters are already NFKC too, and composing each anew costs the most.
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            text.chars().for_each(|c| push(&mut folded, c, &cluster));
        } else {
            text.nfkc().for_each(|c| push(&mut folded, c, &cluster));
        }
    }
    folded
}

/// Kana and the unified ideographs: NFKC keeps them and they have no case.
/// Most of a Japanese text is these.
fn is_caseless_nfkc(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{4E00}'..='\u{9FFF}')
}

/// `items` without those whose character (`char_of`) is a line wrap.
fn without_line_wraps<T>(items: Vec<T>, char_of: impl Fn(&T) -> char) -> Vec<T> {
    let chars: Vec<char> = items.iter().map(char_of).collect();
    if !chars.iter().any(|c| c.is_whitespace()) {
        return items;
    }
    items.into_iter().enumerate().filter(|(index, _)| !is_line_wrap(&chars, *index)).map(|(_, item)| item).collect()
}

/// Rewrites `text` character by character, `replace` giving each (by its
/// index) its replacement or `None` to drop it, and records where bytes
/// moved, for lindera to map token offsets back.
fn rewrite(text: &mut String, mut replace: impl FnMut(usize, char) -> Option<char>) -> OffsetMapping {
    let mut mapping = OffsetMapping::new();
    let mut rewritten = String::with_capacity(text.len());
    for (index, (start, c)) in text.char_indices().enumerate() {
        let replacement = replace(index, c);
        let replacement_len = replacement.map_or(0, char::len_utf8);
        if replacement_len != c.len_utf8() {
            let at = rewritten.len();
            mapping.add_transformation(Transformation::new(start, start + c.len_utf8(), at, at + replacement_len));
        }
        rewritten.extend(replacement);
    }
    *text = rewritten;
    mapping
}

/// The lindera character filter that folds kanji variants (see [`fold_kanji`]).
#[derive(Debug, Clone, Default)]
pub struct KanjiFoldCharacterFilter;

impl CharacterFilter for KanjiFoldCharacterFilter {
    fn name(&self) -> &'static str {
        "hoshin_kanji_fold"
    }

    fn apply(&self, text: &mut String) -> LinderaResult<OffsetMapping> {
        if !text.chars().any(|c| fold_kanji(c) != c) {
            return Ok(OffsetMapping::new());
        }
        Ok(rewrite(text, |_, c| Some(fold_kanji(c))))
    }
}

/// The lindera character filter that drops line wraps inside Japanese text
/// (see the module).
#[derive(Debug, Clone, Default)]
pub struct LineWrapCharacterFilter;

impl CharacterFilter for LineWrapCharacterFilter {
    fn name(&self) -> &'static str {
        "hoshin_line_wrap"
    }

    fn apply(&self, text: &mut String) -> LinderaResult<OffsetMapping> {
        let chars: Vec<char> = text.chars().collect();
        if !(0..chars.len()).any(|index| is_line_wrap(&chars, index)) {
            return Ok(OffsetMapping::new());
        }
        Ok(rewrite(text, |index, c| (!is_line_wrap(&chars, index)).then_some(c)))
    }
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
    // Most characters are ASCII, kana or kanji, none of them a mark: this runs
    // over every hit's text, so they skip the table look-up.
    if c.is_ascii() || is_caseless_nfkc(c) {
        return false;
    }
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
    fn kanji_variants_fold_to_the_everyday_character() {
        assert_eq!(normalize("學校"), "学校");
        assert_eq!(normalize("髙橋"), "高橋");
        assert_eq!(normalize("⺠生"), "民生");
        assert_eq!(normalize("埼玉"), "埼玉", "a place's own character stays");
    }

    #[test]
    fn a_line_wrap_inside_japanese_text_is_dropped() {
        let original = "障が い者と地域包\n括 ケア DX 推進";
        let normalized = NormalizedText::new(original);
        assert_eq!(normalized.as_string(), "障がい者と地域包括ケア dx 推進");
        assert_eq!(&original[normalized.origin(2..3)], "い");
    }

    #[test]
    fn a_character_that_expands_maps_each_part_to_the_same_origin() {
        let original = "㍻";
        let normalized = NormalizedText::new(original);
        assert_eq!(normalized.as_string(), "平成");
        assert_eq!(normalized.origin(0..1), 0..3);
        assert_eq!(normalized.origin(1..2), 0..3);
    }

    #[test]
    fn no_character_the_cluster_shortcut_skips_is_a_mark() {
        let skipped = (0..=0x10FFFF).filter_map(char::from_u32).filter(|&c| c.is_ascii() || is_caseless_nfkc(c));
        for c in skipped {
            assert!(!is_combining_mark(c) && c != '\u{FF9E}' && c != '\u{FF9F}', "{c:?} attaches to the previous");
        }
    }

    #[test]
    fn text_told_normalized_is_what_normalising_leaves() {
        assert!(is_normalized("子育て支援、ふるさと納税・dx推進「計画」"));
        for text in ["ＤＸ", "DX", "障が い", "學校", "（案）", "ｶﾞ", "か\u{3099}"] {
            assert!(!is_normalized(text), "{text}");
        }
        let told = (0..=0x10FFFF).filter_map(char::from_u32).filter(|c| is_normalized(c.encode_utf8(&mut [0; 4])));
        for c in told {
            assert_eq!(normalize(&c.to_string()), c.to_string(), "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn normalising_text_told_normalized_leaves_it(text in "[ぁ-んァ-ヶ一-龥a-z0-9 、。・ー々「」\u{3099}]{0,40}") {
            if is_normalized(&text) {
                proptest::prop_assert_eq!(normalize(&text), text);
            }
        }

        #[test]
        fn the_shortcuts_fold_as_composing_every_cluster_does(
            text in "\\PC{0,40}|[ぁ-んァ-ヶ一-龥ｱ-ﾝﾞﾟＡ-Ｚａ-ｚA-Z㍻髙﨑\u{3099}]{0,40}",
        ) {
            let composed: Vec<(char, Range<usize>)> = clusters(&text)
                .flat_map(|cluster| {
                    let folded: Vec<char> = text[cluster.clone()].nfkc().flat_map(char::to_lowercase).map(fold_kanji).collect();
                    folded.into_iter().map(move |c| (c, cluster.clone()))
                })
                .collect();
            proptest::prop_assert_eq!(folded(&text), composed);
        }
    }
}
