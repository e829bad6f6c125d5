//! The policy item: what the parser produces, the index stores and the API returns.

use serde::{Deserialize, Serialize};
use tantivy::schema::{Document, Facet, Field, OwnedValue, Value};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::TantivyDocument;
use utoipa::ToSchema;

use crate::analyzers::{Analysis, Analyzers};
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
    #[schema(pattern = r"^https?://[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$")]
    pub url: Option<String>,
    /// Whether the text was read by OCR from a scanned page, and may hold misread characters.
    #[serde(default)]
    pub ocr: bool,
}

/// A document on its way into the index: its fields' values in order.
/// tantivy's own document keeps each value serialised in one buffer, a
/// pre-tokenized text as JSON, which costs an index build more than it
/// saves; this one hands tantivy the values as they are.
#[derive(Debug, Clone, Default)]
pub struct IndexDocument(Vec<(Field, OwnedValue)>);

impl Document for IndexDocument {
    type Value<'a> = &'a OwnedValue;
    type FieldsValuesIter<'a> = std::iter::Map<
        std::slice::Iter<'a, (Field, OwnedValue)>,
        fn(&'a (Field, OwnedValue)) -> (Field, &'a OwnedValue),
    >;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.0.iter().map(|(field, value)| (*field, value))
    }
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

/// Makes the documents that index items: every field of [`Fields`] filled,
/// the morphological analyses of text and heading made here from one
/// segmentation, for the index and the stored marks alike (tantivy stores a
/// pre-tokenized value as its plain text). A document's items come in runs under one
/// heading, so the heading's analyses are made once per run.
pub struct DocumentMaker<'a> {
    fields: &'a Fields,
    analyzers: &'a Analyzers,
    heading: Option<AnalysedHeading>,
}

/// A policy heading through the surface, normalised and reading analyses.
struct AnalysedHeading {
    text: String,
    surface: Vec<Token>,
    normalized: Vec<Token>,
    reading: Vec<Token>,
}

impl<'a> DocumentMaker<'a> {
    /// A maker of documents for an index of `fields` analysed by `analyzers`.
    pub fn new(fields: &'a Fields, analyzers: &'a Analyzers) -> DocumentMaker<'a> {
        DocumentMaker { fields, analyzers, heading: None }
    }

    /// The document indexing `item`.
    pub fn document(&mut self, item: &PolicyItem) -> IndexDocument {
        let fields = self.fields;
        let heading = self.heading(&item.policy);
        let pre_tokenized = |tokens: &[Token]| {
            OwnedValue::PreTokStr(PreTokenizedString { text: item.policy.clone(), tokens: tokens.to_vec() })
        };
        let [policy, policy_normalized, policy_reading] =
            [&heading.surface, &heading.normalized, &heading.reading].map(|tokens| pre_tokenized(tokens));
        let analysed = AnalysedText::new(&item.text, self.analyzers);
        let text = |value: &str| OwnedValue::Str(value.to_string());
        let mut values = vec![
            (fields.id, text(&item.id)),
            (fields.year, text(&item.year)),
            (fields.fiscal_year, OwnedValue::U64(item.fiscal_year)),
            (fields.department, text(&item.department)),
            (fields.section_facet, OwnedValue::Facet(section_facet(&item.department, Some(&item.policy)))),
            (fields.department_facet, OwnedValue::Facet(section_facet(&item.department, None))),
            (fields.policy, policy),
            (fields.policy_normalized, policy_normalized),
            (fields.policy_ngram, text(&item.policy)),
            (fields.policy_reading, policy_reading),
            (fields.text, OwnedValue::PreTokStr(analysed.surface)),
            (fields.text_normalized, OwnedValue::PreTokStr(analysed.normalized)),
            (fields.text_ngram, text(&item.text)),
            (fields.text_reading, OwnedValue::PreTokStr(analysed.reading)),
            (fields.text_marks, OwnedValue::Bytes(analysed.marks.to_bytes())),
            (fields.source_file, text(&item.source.file)),
            (fields.source_line, OwnedValue::U64(item.source.line)),
            (fields.source_ocr, OwnedValue::U64(u64::from(item.source.ocr))),
            (fields.fiscal_year_facet, OwnedValue::Facet(Facet::from_path([item.fiscal_year.to_string()]))),
            (fields.passage_digest, OwnedValue::U64(passage_digest(&item.passage()))),
        ];
        if let Some(municipality) = &item.municipality {
            values.push((fields.municipality, text(municipality)));
            values.push((fields.municipality_facet, OwnedValue::Facet(Facet::from_path([municipality]))));
        }
        values.extend(item.path.iter().map(|heading| (fields.path, text(heading))));
        values.extend(item.source.page.map(|page| (fields.source_page, OwnedValue::U64(page))));
        values.extend(item.source.title.as_deref().map(|title| (fields.source_title, text(title))));
        values.extend(item.source.url.as_deref().map(|url| (fields.source_url, text(url))));
        IndexDocument(values)
    }

    /// The analyses of `heading`, made anew only when it is not the last item's.
    fn heading(&mut self, heading: &str) -> &AnalysedHeading {
        if self.heading.as_ref().is_none_or(|last| last.text != heading) {
            let [surface, normalized, reading] =
                self.analyzers.tokens_of(heading, [Analysis::Surface, Analysis::Normalized, Analysis::Reading]);
            self.heading = Some(AnalysedHeading { text: heading.to_string(), surface, normalized, reading });
        }
        self.heading.as_ref().expect("made above")
    }
}

/// The digest a passage's vector is kept under: the first eight bytes of its
/// SHA-256. Two different passages sharing one in a million-item index has
/// odds of about one in ten million.
pub fn passage_digest(passage: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(passage.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
}

impl PolicyItem {
    /// What semantic search embeds of the item: its text alone. A heading
    /// is shared by the items under it and pulls their vectors together,
    /// which ranked worse on every dev query set (docs/performance.md).
    /// Its digest is indexed, so changing this makes a new schema.
    pub fn passage(&self) -> String {
        self.text.clone()
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

    /// The document as the index stores it.
    fn stored(document: IndexDocument) -> TantivyDocument {
        let (schema, _) = Fields::build_schema();
        let index = tantivy::Index::create_in_ram(schema);
        analyzers().register(index.tokenizers());
        let mut writer: tantivy::IndexWriter<IndexDocument> = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.add_document(document).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        searcher.doc(tantivy::DocAddress::new(0, 0)).unwrap()
    }

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
        let mut maker = DocumentMaker::new(&fields, analyzers);
        let document = stored(maker.document(&item));
        assert_eq!(PolicyItem::from_document(&document, &fields), item);
        let marks = TextMarks::from_document(&document, &fields, true).expect("the marks are stored");
        let body = item.text.find("本文").unwrap();
        assert!(marks.words(&item.text).any(|word| word == ("本文", body..body + "本文".len())));
        let words_only = TextMarks::from_document(&document, &fields, false).expect("the marks are stored");
        assert!(words_only.words(&item.text).eq(marks.words(&item.text)));
        assert!(words_only.spelled_reading().is_empty() && !marks.spelled_reading().is_empty());
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
        let document = stored(maker.document(&imported));
        assert_eq!(PolicyItem::from_document(&document, &fields), imported);
    }

    #[test]
    fn each_heading_gets_its_own_analyses() {
        let (_, fields) = Fields::build_schema();
        let analyzers = analyzers();
        let mut maker = DocumentMaker::new(&fields, analyzers);
        let item = |policy: &str| PolicyItem {
            id: "x-001".into(),
            year: "令和4年度".into(),
            fiscal_year: 2022,
            municipality: None,
            department: "教育部".into(),
            policy: policy.into(),
            path: Vec::new(),
            text: "本文".into(),
            source: Source::default(),
        };
        for policy in ["子供の居場所づくり", "子供の居場所づくり", "図書館の充実", "子供の居場所づくり"]
        {
            let document = maker.document(&item(policy));
            for (field, analysis) in [
                (fields.policy, Analysis::Surface),
                (fields.policy_normalized, Analysis::Normalized),
                (fields.policy_reading, Analysis::Reading),
            ] {
                let Some((_, OwnedValue::PreTokStr(value))) = document.0.iter().find(|(f, _)| *f == field) else {
                    panic!("{analysis:?} of the heading is pre-tokenized")
                };
                assert_eq!(value.text, policy);
                assert_eq!(value.tokens, analyzers.tokens(analysis, policy), "{analysis:?} of {policy}");
            }
        }
    }
}
