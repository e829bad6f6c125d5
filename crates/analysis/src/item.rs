//! The policy item: what the parser produces, the index stores and the API returns.

use serde::{Deserialize, Serialize};
use tantivy::schema::{Field, Value};
use tantivy::{doc, TantivyDocument};
use utoipa::ToSchema;

use crate::schema::{section_facet, Fields};

/// Where an item was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Source {
    /// Seed file name.
    pub file: String,
    /// 1-based line number in that file.
    pub line: u64,
}

/// One ▽ item, the unit hoshin searches and returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyItem {
    /// Stable id: the seed file's stem and the item's ordinal in it, e.g. `komae-2022-policies-001`.
    pub id: String,
    /// The year as written in the department header, e.g. 令和4年度.
    pub year: String,
    /// The western fiscal year, e.g. 2022.
    pub fiscal_year: u64,
    /// The department, e.g. 企画財政部.
    pub department: String,
    /// The policy heading the item sits under.
    pub policy: String,
    /// The item's original text, without the leading `- ▽ `, unchanged.
    pub text: String,
    /// Where the item was read from.
    pub source: Source,
}

impl PolicyItem {
    /// The tantivy document of the item: every field of [`Fields`] filled.
    pub fn to_document(&self, fields: &Fields) -> TantivyDocument {
        doc!(
            fields.id => self.id.as_str(),
            fields.year => self.year.as_str(),
            fields.fiscal_year => self.fiscal_year,
            fields.department => self.department.as_str(),
            fields.section_facet => section_facet(&self.department, Some(&self.policy)),
            fields.department_facet => section_facet(&self.department, None),
            fields.policy => self.policy.as_str(),
            fields.policy_normalized => self.policy.as_str(),
            fields.policy_ngram => self.policy.as_str(),
            fields.policy_reading => self.policy.as_str(),
            fields.text => self.text.as_str(),
            fields.text_normalized => self.text.as_str(),
            fields.text_ngram => self.text.as_str(),
            fields.text_reading => self.text.as_str(),
            fields.source_file => self.source.file.as_str(),
            fields.source_line => self.source.line,
        )
    }

    /// The item a stored document holds.
    pub fn from_document(document: &TantivyDocument, fields: &Fields) -> PolicyItem {
        let text =
            |field: Field| document.get_first(field).and_then(|value| value.as_str()).unwrap_or_default().to_string();
        let number = |field: Field| document.get_first(field).and_then(|value| value.as_u64()).unwrap_or_default();
        PolicyItem {
            id: text(fields.id),
            year: text(fields.year),
            fiscal_year: number(fields.fiscal_year),
            department: text(fields.department),
            policy: text(fields.policy),
            text: text(fields.text),
            source: Source { file: text(fields.source_file), line: number(fields.source_line) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_survives_the_round_trip_through_a_document() {
        let (_, fields) = Fields::build_schema();
        let item = PolicyItem {
            id: "x-001".into(),
            year: "令和4年度".into(),
            fiscal_year: 2022,
            department: "教育部".into(),
            policy: "学校の働き方改革の推進".into(),
            text: "<b>本文</b>".into(),
            source: Source { file: "x.txt".into(), line: 3 },
        };
        assert_eq!(PolicyItem::from_document(&item.to_document(&fields), &fields), item);
    }
}
