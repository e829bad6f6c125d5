//! The fiscal year a document is for, found in its title or first lines:
//! 令和6年度, 令和元年度, 平成30年度, 2024年度, R6(年度) and, failing those, an
//! era year without 度 (令和6年).

use hoshin_analysis::numerals::era_year;
use unicode_normalization::UnicodeNormalization;

/// A fiscal year: as a resident reads it (令和6年度; an abbreviation such as
/// R6 is written out) and as a western number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalYear {
    /// The year as shown, e.g. 令和6年度 or 2024年度.
    pub written: String,
    /// The western fiscal year, e.g. 2024.
    pub western: u64,
}

/// Era names as written, with the Latin abbreviations that stand for them.
const ERA_NAMES: &[(&str, &str)] = &[
    ("令和", "令和"),
    ("平成", "平成"),
    ("昭和", "昭和"),
    ("R", "令和"),
    ("H", "平成"),
    ("S", "昭和"),
    ("r", "令和"),
    ("h", "平成"),
    ("s", "昭和"),
];

/// Earliest and latest western year taken for a fiscal year.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<u64> = 1946..=2100;

/// The first fiscal year written in `text`; a year with 年度 wins over one
/// without. White space is ignored (a PDF or OCR often spaces out 令和 4 年度).
pub fn find_fiscal_year(text: &str) -> Option<FiscalYear> {
    let text: String = text.nfkc().filter(|c| !c.is_whitespace()).collect();
    find(&text, true).or_else(|| find(&text, false))
}

/// Reads a year given by hand, in any of the forms [`find_fiscal_year`] finds,
/// or a bare western year (2024).
pub fn parse_fiscal_year(text: &str) -> Option<FiscalYear> {
    let normalized: String = text.trim().nfkc().collect();
    if let Ok(western) = normalized.parse::<u64>() {
        return PLAUSIBLE_YEARS.contains(&western).then(|| FiscalYear { written: format!("{western}年度"), western });
    }
    find_fiscal_year(&normalized)
}

fn find(text: &str, with_do: bool) -> Option<FiscalYear> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (index, &(start, _)) in chars.iter().enumerate() {
        let rest = &text[start..];
        let preceded_by_letter = index > 0 && chars[index - 1].1.is_ascii_alphanumeric();
        for (name, era) in ERA_NAMES {
            let Some(after) = rest.strip_prefix(name) else { continue };
            if name.is_ascii() && preceded_by_letter {
                continue;
            }
            let (number, after) = leading_year_number(after);
            let Some(number) = number else { continue };
            let suffix_ok =
                if with_do { after.starts_with("年度") } else { name.is_ascii() || after.starts_with('年') };
            if !suffix_ok || (name.is_ascii() && after.starts_with(|c: char| c.is_ascii_alphanumeric())) {
                continue;
            }
            if let Some(western) = era_year(era, number).filter(|year| PLAUSIBLE_YEARS.contains(year)) {
                let shown = if rest[name.len()..].starts_with('元') { "元".to_string() } else { number.to_string() };
                return Some(FiscalYear { written: format!("{era}{shown}年度"), western });
            }
        }
        if with_do && !preceded_by_digit(&chars, index) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.len() == 4 && rest[4..].starts_with("年度") {
                let western: u64 = digits.parse().ok()?;
                if PLAUSIBLE_YEARS.contains(&western) {
                    return Some(FiscalYear { written: format!("{western}年度"), western });
                }
            }
        }
    }
    None
}

fn preceded_by_digit(chars: &[(usize, char)], index: usize) -> bool {
    index > 0 && chars[index - 1].1.is_ascii_digit()
}

/// The year number right after an era name (one or two digits, or 元) and
/// the text after it; no number when there is none.
fn leading_year_number(text: &str) -> (Option<u64>, &str) {
    if let Some(after) = text.strip_prefix('元') {
        return (Some(1), after);
    }
    let length = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    if length == 0 || length > 2 {
        return (None, text);
    }
    (text[..length].parse().ok(), &text[length..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(text: &str) -> Option<(String, u64)> {
        find_fiscal_year(text).map(|year| (year.written, year.western))
    }

    #[test]
    fn every_common_way_of_writing_a_fiscal_year_is_found() {
        assert_eq!(year("令和6年度施政方針"), Some(("令和6年度".into(), 2024)));
        assert_eq!(year("令和６年度 予算の概要"), Some(("令和6年度".into(), 2024)));
        assert_eq!(year("令和元年度の取組"), Some(("令和元年度".into(), 2019)));
        assert_eq!(year("平成30年度 教育部の方針"), Some(("平成30年度".into(), 2018)));
        assert_eq!(year("2024年度 事業計画"), Some(("2024年度".into(), 2024)));
        assert_eq!(year("R6 部の方針 取組状況"), Some(("令和6年度".into(), 2024)));
        assert_eq!(year("令和 4 年度「企画財政部の方針」"), Some(("令和4年度".into(), 2022)));
        assert_eq!(year("r6_policies"), Some(("令和6年度".into(), 2024)));
        assert_eq!(year("令和6年第1回定例会 施政方針"), Some(("令和6年度".into(), 2024)));
    }

    #[test]
    fn a_year_with_nendo_wins_and_numbers_that_are_not_years_are_not_taken() {
        assert_eq!(year("令和5年12月 令和6年度予算"), Some(("令和6年度".into(), 2024)));
        assert_eq!(year("第2次計画 12345年度 HR2 版"), None);
        assert_eq!(year("20240年度"), None);
        assert_eq!(year("部の方針"), None);
        assert_eq!(parse_fiscal_year("2023").map(|year| year.western), Some(2023));
        assert_eq!(parse_fiscal_year("来年度"), None);
    }
}
