//! The policy item: what the parser produces, the index stores and the API returns.

use serde::{Deserialize, Serialize};
use tantivy::schema::{Facet, Field, Value};
use tantivy::{doc, TantivyDocument};
use utoipa::ToSchema;

use crate::analyzers::Analyzers;
use crate::marks::AnalysedText;
use crate::schema::{section_facet, Fields};

/// Where an item was read from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Source {
    /// File name the item was read from (`api` for documents written through the API).
    pub file: String,
    /// 1-based line number in that file (for a PDF, the line on its page; 0 when unknown).
    pub line: u64,
    /// 1-based page of a PDF.
    #[serde(default)]
    pub page: Option<u64>,
    /// The document's title, e.g. 令和6年度施政方針.
    #[serde(default)]
    pub title: Option<String>,
    /// Where the city publishes the document.
    #[serde(default)]
    #[schema(pattern = r"^https?://\S+$")]
    pub url: Option<String>,
    /// Whether the text was read by OCR from a scanned page, and may hold misread characters.
    #[serde(default)]
    pub ocr: bool,
}

/// One ▽ item, the unit hoshin searches and returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyItem {
    /// Stable id: the source file's stem and the item's ordinal in it, e.g. `komae-2022-policies-001`.
    pub id: String,
    /// The year as written in the department header, e.g. 令和4年度.
    pub year: String,
    /// The western fiscal year, e.g. 2022.
    pub fiscal_year: u64,
    /// The municipality, e.g. 狛江市.
    #[serde(default)]
    pub municipality: Option<String>,
    /// The department, e.g. 企画財政部, or the document's top-level heading.
    pub department: String,
    /// The policy heading the item sits under.
    pub policy: String,
    /// The headings between the department and the policy heading, outermost
    /// first; empty when the heading sits right under the department.
    #[serde(default)]
    pub path: Vec<String>,
    /// The item's text as written, without its leading marker (`- ▽ `, `・`, `(1)`…).
    pub text: String,
    /// Where the item was read from.
    pub source: Source,
}

impl PolicyItem {
    /// The tantivy document of the item: every field of [`Fields`] filled,
    /// the text's normalised and reading analyses made here, once, for the
    /// index and the stored marks alike.
    pub fn to_document(&self, fields: &Fields, analyzers: &Analyzers) -> TantivyDocument {
        let analysed = AnalysedText::new(&self.text, analyzers);
        let mut document = doc!(
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
            fields.text_ngram => self.text.as_str(),
            fields.text_marks => analysed.marks.to_bytes(),
            fields.source_file => self.source.file.as_str(),
            fields.source_line => self.source.line,
            fields.source_ocr => u64::from(self.source.ocr),
            fields.fiscal_year_facet => Facet::from_path([self.fiscal_year.to_string()]),
        );
        document.add_pre_tokenized_text(fields.text_normalized, analysed.normalized);
        document.add_pre_tokenized_text(fields.text_reading, analysed.reading);
        if let Some(municipality) = &self.municipality {
            document.add_text(fields.municipality, municipality);
            document.add_facet(fields.municipality_facet, Facet::from_path([municipality]));
        }
        for heading in &self.path {
            document.add_text(fields.path, heading);
        }
        if let Some(page) = self.source.page {
            document.add_u64(fields.source_page, page);
        }
        if let Some(title) = &self.source.title {
            document.add_text(fields.source_title, title);
        }
        if let Some(url) = &self.source.url {
            document.add_text(fields.source_url, url);
        }
        document
    }

    /// The item a stored document holds.
    pub fn from_document(document: &TantivyDocument, fields: &Fields) -> PolicyItem {
        let text =
            |field: Field| document.get_first(field).and_then(|value| value.as_str()).unwrap_or_default().to_string();
        let optional_text =
            |field: Field| document.get_first(field).and_then(|value| value.as_str()).map(str::to_string);
        let optional_number = |field: Field| document.get_first(field).and_then(|value| value.as_u64());
        let number = |field: Field| optional_number(field).unwrap_or_default();
        PolicyItem {
            id: text(fields.id),
            year: text(fields.year),
            fiscal_year: number(fields.fiscal_year),
            municipality: optional_text(fields.municipality),
            department: text(fields.department),
            policy: text(fields.policy),
            path: document.get_all(fields.path).filter_map(|value| value.as_str()).map(str::to_string).collect(),
            text: text(fields.text),
            source: Source {
                file: text(fields.source_file),
                line: number(fields.source_line),
                page: optional_number(fields.source_page),
                title: optional_text(fields.source_title),
                url: optional_text(fields.source_url),
                ocr: number(fields.source_ocr) == 1,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marks::TextMarks;
    use crate::test_support::analyzers;

    #[test]
    fn an_item_survives_the_round_trip_through_a_document() {
        let (_, fields) = Fields::build_schema();
        let analyzers = analyzers();
        let item = PolicyItem {
            id: "x-001".into(),
            year: "令和4年度".into(),
            fiscal_year: 2022,
            municipality: None,
            department: "教育部".into(),
            policy: "学校の働き方改革の推進".into(),
            path: Vec::new(),
            text: "<b>本文</b>".into(),
            source: Source { file: "x.txt".into(), line: 3, ..Source::default() },
        };
        let document = item.to_document(&fields, analyzers);
        assert_eq!(PolicyItem::from_document(&document, &fields), item);
        let marks = TextMarks::from_document(&document, &fields).expect("the marks are stored");
        let body = item.text.find("本文").unwrap();
        assert!(marks.words(&item.text).any(|word| word == ("本文", body..body + "本文".len())));
        let imported = PolicyItem {
            municipality: Some("狛江市".into()),
            path: vec!["第1章 総論".into(), "1 計画の目的".into()],
            source: Source {
                file: "計画.pdf".into(),
                line: 12,
                page: Some(4),
                title: Some("令和6年度 計画".into()),
                url: Some("https://example.org/plan.pdf".into()),
                ocr: true,
            },
            ..item
        };
        assert_eq!(PolicyItem::from_document(&imported.to_document(&fields, analyzers), &fields), imported);
    }
}
