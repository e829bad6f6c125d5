//! Highlighted excerpts, sized in characters.
//!
//! tantivy's `SnippetGenerator` measures its window in bytes, a third of the
//! intended length in Japanese, and only highlights terms of one field. hoshin
//! marks what matched through any analysis: words whose normalised form the query
//! also has (so 育成し is marked for 育成する), every place where a query word
//! occurs as a substring after normalisation (what the n-gram fields match), and
//! the words whose reading a kana query spells (図書館 for としょかん). The words
//! and readings come from the item's stored [`TextMarks`], made when it was
//! indexed, so a search runs no morphological analysis over its hits.

use std::ops::Range;

use hoshin_analysis::marks::TextMarks;
use hoshin_analysis::normalize::{is_normalized, NormalizedText};
use rustc_hash::FxHashSet;

/// Characters of text an excerpt shows at most.
pub const SNIPPET_CHARS: usize = 120;

/// Characters shown before the first highlight when the text must be cut.
const LEADING_CONTEXT_CHARS: usize = 20;

/// What to highlight: the query's normalised terms, its normalised words and
/// the readings of its kana words.
#[derive(Debug, Clone, Default)]
pub struct HighlightTerms {
    /// Terms the normalised analyzer produced for the query.
    pub normalized: FxHashSet<String>,
    /// Normalised query words and phrases without white space.
    pub substrings: Vec<String>,
    /// Katakana reading keys of the query's kana words.
    pub readings: Vec<Vec<char>>,
}

/// Byte ranges of `text`, whose marks are `marks`, matched by `terms`,
/// sorted and merged.
pub fn matched_ranges(text: &str, marks: &TextMarks, terms: &HighlightTerms) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> =
        marks.words(text).filter(|(term, _)| terms.normalized.contains(*term)).map(|(_, range)| range).collect();
    if is_normalized(text) {
        // Each character is its own normalised form, so the text is searched as it is.
        ranges.extend(occurrences_in_text(text, &terms.substrings));
    } else {
        let normalized = NormalizedText::new(text);
        let substrings: Vec<Vec<char>> = terms.substrings.iter().map(|substring| substring.chars().collect()).collect();
        ranges.extend(occurrences(normalized.chars(), &substrings).map(|found| normalized.origin(found)));
    }
    if !terms.readings.is_empty() {
        let (reading, origins): (Vec<char>, Vec<Range<usize>>) = marks.spelled_reading().into_iter().unzip();
        ranges.extend(
            occurrences(&reading, &terms.readings).map(|found| origins[found.start].start..origins[found.end - 1].end),
        );
    }
    merge(ranges.into_iter().filter_map(|range| without_white_space(text, range)).collect())
}

/// `range` without the white space at its ends, or `None` when nothing else is
/// left. A highlight marks words; a word mapped back across a line wrap the
/// analysis removed would otherwise start at the wrap.
fn without_white_space(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let inner = text.get(range.clone())?;
    let trimmed = inner.trim_start();
    let start = range.start + (inner.len() - trimmed.len());
    let end = start + trimmed.trim_end().len();
    (start < end).then_some(start..end)
}

/// Character ranges where any of `needles` occurs in `haystack`.
fn occurrences<'a>(haystack: &'a [char], needles: &'a [Vec<char>]) -> impl Iterator<Item = Range<usize>> + 'a {
    needles.iter().filter(|needle| !needle.is_empty() && needle.len() <= haystack.len()).flat_map(move |needle| {
        (0..=haystack.len() - needle.len())
            .filter(move |&start| haystack[start..start + needle.len()] == needle[..])
            .map(move |start| start..start + needle.len())
    })
}

/// Byte ranges where any of `needles` occurs in `text`, overlapping ones included.
fn occurrences_in_text<'a>(text: &'a str, needles: &'a [String]) -> impl Iterator<Item = Range<usize>> + 'a {
    needles.iter().filter(|needle| !needle.is_empty()).flat_map(move |needle| {
        let mut from = 0;
        std::iter::from_fn(move || {
            let start = from + text.get(from..)?.find(needle.as_str())?;
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
            Some(start..start + needle.len())
        })
    })
}

fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|range| (range.start, range.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// Renders an HTML-escaped excerpt of at most [`SNIPPET_CHARS`] characters of
/// `text` with `<mark>` around `highlights` (sorted, disjoint byte ranges),
/// choosing the window that shows the most highlighted text.
pub fn render(text: &str, highlights: &[Range<usize>]) -> String {
    let char_starts: Vec<usize> = text.char_indices().map(|(offset, _)| offset).collect();
    let char_count = char_starts.len();
    let byte_at = |char_index: usize| char_starts.get(char_index).copied().unwrap_or(text.len());
    let (first_char, last_char) = if char_count <= SNIPPET_CHARS {
        (0, char_count)
    } else {
        let start = best_window_start(&char_starts, highlights);
        (start, start + SNIPPET_CHARS)
    };
    let window = byte_at(first_char)..byte_at(last_char);

    let mut html = String::with_capacity(window.len() + 32);
    if first_char > 0 {
        html.push('…');
    }
    let mut cursor = window.start;
    for highlight in highlights {
        let start = highlight.start.clamp(window.start, window.end);
        let end = highlight.end.clamp(window.start, window.end);
        if start >= end {
            continue;
        }
        escape_into(&text[cursor..start], &mut html);
        html.push_str("<mark>");
        escape_into(&text[start..end], &mut html);
        html.push_str("</mark>");
        cursor = end;
    }
    escape_into(&text[cursor..window.end], &mut html);
    if last_char < char_count {
        html.push('…');
    }
    html
}

/// The first character of the window covering the most highlighted bytes,
/// starting a little before one of the highlights.
fn best_window_start(char_starts: &[usize], highlights: &[Range<usize>]) -> usize {
    let last_start = char_starts.len() - SNIPPET_CHARS;
    let char_index_of = |byte: usize| char_starts.partition_point(|&start| start < byte);
    let covered = |first: usize| {
        let window_start = char_starts[first];
        let window_end = char_starts.get(first + SNIPPET_CHARS).copied().unwrap_or(usize::MAX);
        highlights.iter().map(|h| h.end.min(window_end).saturating_sub(h.start.max(window_start))).sum::<usize>()
    };
    highlights
        .iter()
        .map(|h| char_index_of(h.start).saturating_sub(LEADING_CONTEXT_CHARS).min(last_start))
        .max_by_key(|&first| (covered(first), std::cmp::Reverse(first)))
        .unwrap_or(0)
}

fn escape_into(text: &str, html: &mut String) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            _ => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_shown_whole_with_marks_and_escaped() {
        let text = "<script>図書館</script>";
        let start = text.find("図書館").unwrap();
        let library = start..start + "図書館".len();
        let html = render(text, std::slice::from_ref(&library));
        assert_eq!(html, "&lt;script&gt;<mark>図書館</mark>&lt;/script&gt;");
    }

    #[test]
    fn long_text_is_cut_to_a_window_in_characters_around_the_match() {
        let text = format!("{}図書館{}", "あ".repeat(300), "い".repeat(300));
        let start = text.find("図書館").unwrap();
        let library = start..start + "図書館".len();
        let html = render(&text, std::slice::from_ref(&library));
        let visible: String = html.replace("<mark>", "").replace("</mark>", "");
        assert_eq!(visible.chars().count(), SNIPPET_CHARS + 2, "window plus two ellipses");
        assert!(visible.starts_with('…') && visible.ends_with('…'));
        assert!(html.contains("<mark>図書館</mark>"));
        let before = visible.split("図書館").next().unwrap().chars().count();
        assert_eq!(before, 1 + LEADING_CONTEXT_CHARS);
    }

    #[test]
    fn the_window_prefers_the_densest_run_of_matches() {
        let text = format!("図{}図書館図書館{}", "あ".repeat(300), "い".repeat(300));
        let ranges: Vec<Range<usize>> =
            text.match_indices('図').map(|(start, _)| start..start + '図'.len_utf8()).collect();
        let html = render(&text, &ranges);
        assert_eq!(html.matches("<mark>").count(), 2);
    }

    #[test]
    fn overlapping_ranges_merge() {
        assert_eq!(merge(vec![4..8, 0..2, 1..3, 8..9]), vec![0..3, 4..9]);
    }

    fn terms_of(query: &str) -> HighlightTerms {
        let normalized = crate::test_support::analysis()
            .analyzers
            .tokens(hoshin_analysis::Analysis::Normalized, query)
            .into_iter()
            .map(|token| token.text)
            .collect();
        let readings = hoshin_analysis::reading::is_kana(query)
            .then(|| hoshin_analysis::reading::reading_key(query).chars().collect())
            .into_iter()
            .collect();
        let substring = hoshin_analysis::normalize::normalize(query).chars().filter(|c| !c.is_whitespace()).collect();
        HighlightTerms { normalized, substrings: vec![substring], readings }
    }

    /// Found by the property below: white space removed as a line wrap
    /// before a word, and a mark covering none of the text.
    #[test]
    fn white_space_and_empty_marks_are_not_highlighted() {
        let text = "一\u{3000}   ｶ\u{3000}Ｘｶ";
        let marks = hoshin_analysis::marks::AnalysedText::new(text, &crate::test_support::analysis().analyzers).marks;
        let ranges = matched_ranges(text, &marks, &terms_of("ｶ"));
        assert_eq!(ranges, [9..12, 18..21], "each ｶ, and nothing else");
    }

    proptest::proptest! {
        #[test]
        fn normalized_text_is_searched_where_its_normalised_form_would_be(
            text in "[あい一a、]{0,40}",
            needle in "[あい一a]{1,3}",
        ) {
            let normalized = NormalizedText::new(&text);
            let as_normalized: Vec<Range<usize>> =
                occurrences(normalized.chars(), &[needle.chars().collect()]).map(|found| normalized.origin(found)).collect();
            let as_it_is: Vec<Range<usize>> = occurrences_in_text(&text, std::slice::from_ref(&needle)).collect();
            proptest::prop_assert!(is_normalized(&text));
            proptest::prop_assert_eq!(as_it_is, as_normalized);
        }

        #[test]
        fn highlights_are_sorted_disjoint_whole_characters_of_the_text(
            text in "\\PC{0,60}|[ぁ-んァ-ン一-龥ＡＤＸｶﾞ 　、。ー]{0,60}",
            query in "\\PC{1,8}|[ぁ-んァ-ン一-龥ｶﾞ]{1,6}",
        ) {
            let analyzers = &crate::test_support::analysis().analyzers;
            let marks = hoshin_analysis::marks::AnalysedText::new(&text, analyzers).marks;
            let ranges = matched_ranges(&text, &marks, &terms_of(&query));
            for range in &ranges {
                proptest::prop_assert!(range.start < range.end && range.end <= text.len(), "{range:?}");
                proptest::prop_assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            }
            for pair in ranges.windows(2) {
                proptest::prop_assert!(pair[0].end < pair[1].start, "{pair:?} overlap or touch");
            }
            let html = render(&text, &ranges);
            proptest::prop_assert_eq!(html.matches("<mark>").count(), html.matches("</mark>").count());
        }
    }
}
