//! The query syntax residents type: words, `"phrases"` and `-exclusions`.
//!
//! Words are separated by white space, half- or full-width (U+3000); every word
//! must match. Text between double quotes (`"` or full-width `＂`, `“…”`) is one
//! phrase. A leading `-` (or full-width `－`) excludes the word or phrase that
//! follows. Every other character is literal: there is no operator a user string
//! can get wrong, so no input is a syntax error.

/// Whether a clause is a free word or an exact phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseKind {
    /// A word; its parts may match anywhere in a field.
    Word,
    /// A quoted phrase; its parts must stand together, in order.
    Phrase,
}

/// One word or phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The clause's text as typed, without quotes or the exclusion mark.
    pub text: String,
    /// Word or phrase.
    pub kind: ClauseKind,
    /// Whether matching items are excluded rather than required.
    pub excluded: bool,
}

const EXCLUSION_MARKS: &[char] = &['-', '－'];

fn closing_quote(opening: char) -> Option<char> {
    match opening {
        '"' => Some('"'),
        '＂' => Some('＂'),
        '“' => Some('”'),
        _ => None,
    }
}

/// Splits a query into clauses. Unbalanced quotes run to the end of the query;
/// an exclusion mark with nothing after it is ignored.
pub fn parse_clauses(query: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let mut rest = query.trim_start();
    while !rest.is_empty() {
        let excluded = rest.starts_with(EXCLUSION_MARKS);
        if excluded {
            rest = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
        }
        let first = rest.chars().next();
        let (text, kind, remainder) = match first.and_then(closing_quote) {
            Some(closing) => {
                let inside = &rest[first.map_or(0, char::len_utf8)..];
                match inside.find(closing) {
                    Some(end) => (&inside[..end], ClauseKind::Phrase, &inside[end + closing.len_utf8()..]),
                    None => (inside, ClauseKind::Phrase, ""),
                }
            }
            None => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], ClauseKind::Word, &rest[end..])
            }
        };
        let text = text.trim();
        if !text.is_empty() {
            clauses.push(Clause { text: text.to_string(), kind, excluded });
        }
        rest = remainder.trim_start();
    }
    clauses
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Clause {
        Clause { text: text.to_string(), kind: ClauseKind::Word, excluded: false }
    }

    #[test]
    fn half_and_full_width_spaces_separate_words() {
        assert_eq!(parse_clauses(" 図書館\u{3000}整備  計画 "), [word("図書館"), word("整備"), word("計画")]);
    }

    #[test]
    fn quotes_make_a_phrase_and_a_minus_excludes() {
        let clauses = parse_clauses("\"市民 参加\" -図書館 -“電子 化”");
        assert_eq!(clauses.len(), 3);
        assert_eq!(
            (clauses[0].text.as_str(), clauses[0].kind, clauses[0].excluded),
            ("市民 参加", ClauseKind::Phrase, false)
        );
        assert_eq!(
            (clauses[1].text.as_str(), clauses[1].kind, clauses[1].excluded),
            ("図書館", ClauseKind::Word, true)
        );
        assert_eq!(
            (clauses[2].text.as_str(), clauses[2].kind, clauses[2].excluded),
            ("電子 化", ClauseKind::Phrase, true)
        );
    }

    #[test]
    fn search_engine_operators_are_plain_text() {
        let clauses = parse_clauses("title:DX AND (a OR b)^2 *");
        let texts: Vec<&str> = clauses.iter().map(|clause| clause.text.as_str()).collect();
        assert_eq!(texts, ["title:DX", "AND", "(a", "OR", "b)^2", "*"]);
    }

    #[test]
    fn an_unbalanced_quote_runs_to_the_end_and_a_bare_minus_is_ignored() {
        let clauses = parse_clauses("\"ごみ 減量 - ");
        assert_eq!(clauses.len(), 1);
        assert_eq!(clauses[0].text, "ごみ 減量 -");
        assert_eq!(parse_clauses("- \"\" 　"), []);
    }

    #[test]
    fn a_minus_inside_a_word_is_literal() {
        assert_eq!(parse_clauses("Wi-Fi"), [word("Wi-Fi")]);
    }
}
