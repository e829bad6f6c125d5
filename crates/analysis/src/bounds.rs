//! How large an item and a batch may be, whoever makes them: the write API,
//! an import, or the journal replaying what either wrote.
//!
//! The API refuses a document over a bound, an import refuses the document
//! that would make such an item, and a journal entry over a bound (written by
//! hand, or by an older hoshin without these checks) stops the replay with its
//! line named instead of exhausting memory.

use crate::item::PolicyItem;

/// Most documents in one batch, and so in one import.
pub const MAX_BATCH: usize = 1_000;
/// Longest id, in characters.
pub const MAX_ID_CHARS: usize = 128;
/// Longest item text, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Longest department, heading, municipality, year, source file or title, in characters.
pub const MAX_LABEL_CHARS: usize = 500;
/// Most headings in an item's `path`.
pub const MAX_PATH_HEADINGS: usize = 20;

/// What makes `item` larger than the bounds allow, if anything.
pub fn oversize(item: &PolicyItem) -> Option<String> {
    let id_chars = item.id.chars().count();
    if id_chars > MAX_ID_CHARS {
        return Some(format!("the id has {id_chars} characters; at most {MAX_ID_CHARS} are allowed"));
    }
    let labels = [
        ("year", Some(&item.year)),
        ("department", Some(&item.department)),
        ("policy", Some(&item.policy)),
        ("municipality", item.municipality.as_ref()),
        ("source.file", Some(&item.source.file)),
        ("source.title", item.source.title.as_ref()),
    ];
    let text = [("text", Some(&item.text), MAX_TEXT_CHARS)];
    let labels = labels.into_iter().map(|(name, value)| (name, value, MAX_LABEL_CHARS));
    let headings = item.path.iter().map(|heading| ("path", Some(heading), MAX_LABEL_CHARS));
    for (name, value, max) in text.into_iter().chain(labels).chain(headings) {
        let length = value.map_or(0, |value| value.chars().count());
        if length > max {
            return Some(format!("{}: `{name}` has {length} characters; at most {max} are allowed", item.id));
        }
    }
    if item.path.len() > MAX_PATH_HEADINGS {
        return Some(format!(
            "{}: `path` holds at most {MAX_PATH_HEADINGS} headings, not {}",
            item.id,
            item.path.len()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Source;

    fn item(text: &str) -> PolicyItem {
        PolicyItem {
            id: "a-1".into(),
            year: "令和5年度".into(),
            fiscal_year: 2023,
            municipality: None,
            department: "教育部".into(),
            policy: "見出し".into(),
            path: Vec::new(),
            text: text.into(),
            source: Source::default(),
        }
    }

    #[test]
    fn an_item_within_the_bounds_passes_and_one_over_is_named() {
        assert_eq!(oversize(&item("本文")), None);
        let long = "あ".repeat(MAX_TEXT_CHARS + 1);
        let message = oversize(&item(&long)).unwrap();
        assert!(message.contains("a-1: `text` has 20001 characters"), "{message}");
        let mut deep = item("本文");
        deep.path = vec!["見出し".into(); MAX_PATH_HEADINGS + 1];
        assert!(oversize(&deep).unwrap().contains("`path` holds at most"));
    }
}
