//! Numbers and era years written one way: 第二 = 第2, 十周年 = 10周年, 令和6年 =
//! R6年 = 2024年.
//!
//! A [`NumeralTokenFilter`] runs in the normalised analysis, after segmentation,
//! so it sees the words the dictionary found: 三鷹, 八王子 and 四谷 are words of
//! their own and stay whole, while IPADIC splits 二十三 into one token per
//! character. A run of adjacent numeral tokens (kanji 二十三, 二〇二四, or digits,
//! full-width ones already made ASCII by NFKC) becomes one token holding the
//! number in ASCII digits. An era name (令和, 平成, 昭和, 大正, or the
//! abbreviations R, H, S) directly followed by a year number, or by 元 (its
//! first year), becomes the western year, so every way of writing a year meets
//! in one term. The surface analysis keeps the text as written, so an exact
//! spelling still counts for more.

use std::borrow::Cow;

use lindera::token::Token;
use lindera::LinderaResult;
use lindera_analysis::token_filter::TokenFilter;

/// Era names and the western year before each era's first year.
const ERAS: &[(&str, u64)] =
    &[("令和", 2018), ("平成", 1988), ("昭和", 1925), ("大正", 1911), ("r", 2018), ("h", 1988), ("s", 1925)];

/// The longest an era year runs; anything longer after an era name is no year of it.
const MAX_ERA_YEAR: u64 = 99;

/// The western year before an era's first year: `era_base("令和") == Some(2018)`.
pub fn era_base(era: &str) -> Option<u64> {
    let era = era.to_lowercase();
    ERAS.iter().find(|(name, _)| *name == era).map(|(_, base)| *base)
}

/// The western year of an era year in running text, where a number after an
/// era name is a year of it only up to [`MAX_ERA_YEAR`]:
/// `era_year("令和", 6) == Some(2024)`.
pub fn era_year(era: &str, year: u64) -> Option<u64> {
    (1..=MAX_ERA_YEAR).contains(&year).then_some(era_base(era)? + year)
}

/// The value of a number written in ASCII digits, kanji digits (二〇二四) or
/// kanji numerals (二千二十四, 十), `None` for anything else.
pub fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let (mut total, mut section, mut current) = (0u64, 0u64, 0u64);
    let mut has_unit = false;
    let mut digits = 0u32;
    for c in text.chars() {
        if let Some(digit) = digit_value(c) {
            current = current.checked_mul(10)?.checked_add(digit)?;
            digits += 1;
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => {
                total = total.checked_add((section + current).max(1).checked_mul(10_000)?)?;
                (section, current, has_unit) = (0, 0, true);
                continue;
            }
            _ => return None,
        };
        // 十 alone is ten, 二十 is twenty.
        section = section.checked_add(current.max(1).checked_mul(unit)?)?;
        (current, has_unit) = (0, true);
    }
    if !has_unit && digits == 0 {
        return None;
    }
    total.checked_add(section)?.checked_add(current)
}

fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '0'..='9' => c as u64 - '0' as u64,
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_numeral(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| digit_value(c).is_some() || matches!(c, '十' | '百' | '千' | '万'))
}

/// The lindera token filter that writes numbers and era years one way (see the module).
#[derive(Debug, Clone, Default)]
pub struct NumeralTokenFilter;

impl TokenFilter for NumeralTokenFilter {
    fn name(&self) -> &'static str {
        "hoshin_numerals"
    }

    fn apply(&self, tokens: &mut Vec<Token<'_>>) -> LinderaResult<()> {
        merge_numerals(tokens);
        merge_era_years(tokens);
        Ok(())
    }
}

/// Joins runs of adjacent numeral tokens into one token holding the number.
fn merge_numerals(tokens: &mut Vec<Token<'_>>) {
    let mut index = 0;
    while index < tokens.len() {
        if !is_numeral(&tokens[index].surface) {
            index += 1;
            continue;
        }
        let mut end = index + 1;
        while end < tokens.len()
            && tokens[end].byte_start == tokens[end - 1].byte_end
            && is_numeral(&tokens[end].surface)
        {
            end += 1;
        }
        let run: String = tokens[index..end].iter().map(|token| token.surface.as_ref()).collect();
        if let Some(value) = parse_number(&run) {
            tokens[index].surface = Cow::Owned(value.to_string());
            tokens[index].byte_end = tokens[end - 1].byte_end;
            remove_following(tokens, index, end - index - 1);
        }
        index += 1;
    }
}

/// Replaces an era name and the year after it by the western year.
fn merge_era_years(tokens: &mut Vec<Token<'_>>) {
    let mut index = 0;
    while index + 1 < tokens.len() {
        let (era, next) = (&tokens[index], &tokens[index + 1]);
        if era.byte_end != next.byte_start {
            index += 1;
            continue;
        }
        // 元年 is one word in IPADIC, 元 (of 元年度) another.
        let (year, rest) = match next.surface.as_ref() {
            "元" => (Some(1), None),
            "元年" => (Some(1), Some("年")),
            number => (number.parse::<u64>().ok(), None),
        };
        let Some(western) = year.and_then(|year| era_year(&era.surface, year)) else {
            index += 1;
            continue;
        };
        tokens[index].surface = Cow::Owned(western.to_string());
        match rest {
            Some(rest) => tokens[index + 1].surface = Cow::Borrowed(rest),
            None => {
                tokens[index].byte_end = tokens[index + 1].byte_end;
                remove_following(tokens, index, 1);
            }
        }
        index += 1;
    }
}

/// Removes the `count` tokens after `index`, moving the later ones up so
/// positions stay consecutive where they were.
fn remove_following(tokens: &mut Vec<Token<'_>>, index: usize, count: usize) {
    if count == 0 {
        return;
    }
    tokens.drain(index + 1..index + 1 + count);
    for token in &mut tokens[index + 1..] {
        token.position -= count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::Analysis;
    use crate::test_support::{positioned_terms, terms};

    fn normalized(text: &str) -> Vec<String> {
        terms(Analysis::Normalized, text)
    }

    #[test]
    fn numbers_parse_however_they_are_written() {
        assert_eq!(parse_number("23"), Some(23));
        assert_eq!(parse_number("二十三"), Some(23));
        assert_eq!(parse_number("十"), Some(10));
        assert_eq!(parse_number("二〇二四"), Some(2024));
        assert_eq!(parse_number("二千二十四"), Some(2024));
        assert_eq!(parse_number("三万五千"), Some(35_000));
        assert_eq!(parse_number("百"), Some(100));
        assert_eq!(parse_number("鷹"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn kanji_and_arabic_numerals_meet() {
        assert_eq!(normalized("第2中学校"), normalized("第二中学校"));
        assert_eq!(normalized("第１小学校"), normalized("第一小学校"));
        assert_eq!(normalized("3か年"), normalized("三か年"));
        assert_eq!(normalized("10周年"), normalized("十周年"));
        assert_eq!(normalized("第2次"), normalized("第二次"));
        assert_eq!(normalized("二十三人"), normalized("23人"));
    }

    #[test]
    fn numerals_inside_names_stay_whole() {
        for name in ["三鷹", "八王子", "四谷"] {
            assert_eq!(normalized(name), [name], "{name}");
        }
    }

    #[test]
    fn era_years_become_western_years() {
        let fiscal_2024 = normalized("2024年度");
        for spelling in ["令和6年度", "R6年度", "Ｒ６年度", "令和六年度"] {
            assert_eq!(normalized(spelling), fiscal_2024, "{spelling}");
        }
        assert_eq!(normalized("H30"), normalized("2018"));
        assert_eq!(normalized("平成30年"), normalized("2018年"));
        assert_eq!(normalized("令和元年"), normalized("2019年"));
        assert_eq!(normalized("令和元年度"), normalized("2019年度"));
        assert_eq!(normalized("令和3年3月"), normalized("2021年3月"));
    }

    #[test]
    fn merged_tokens_leave_no_gap_in_positions() {
        let positions = positioned_terms(Analysis::Normalized, "二十三人の令和6年度");
        assert_eq!(
            positions,
            [(0, "23".to_string()), (1, "人".to_string()), (3, "2024".to_string()), (4, "年度".to_string())]
        );
    }
}
