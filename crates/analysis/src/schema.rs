//! The index schema: one table of every field and how it is analysed, read by
//! the schema builder, the engine and `/api/analyze`, so indexing and
//! searching cannot disagree.

use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};

use crate::analyzers::Analysis;

/// Bumped whenever the schema or the analysis changes, so that stale indexes rebuild.
pub const SCHEMA_VERSION: u32 = 10;

/// The name of every field, as the schema, the engine and the API know it.
pub mod field_name {
    /// See [`Fields::id`](super::Fields::id).
    pub const ID: &str = "id";
    /// See [`Fields::year`](super::Fields::year).
    pub const YEAR: &str = "year";
    /// See [`Fields::fiscal_year`](super::Fields::fiscal_year).
    pub const FISCAL_YEAR: &str = "fiscal_year";
    /// See [`Fields::text`](super::Fields::text).
    pub const TEXT: &str = "text";
    /// See [`Fields::policy`](super::Fields::policy).
    pub const POLICY: &str = "policy";
    /// See [`Fields::text_normalized`](super::Fields::text_normalized).
    pub const TEXT_NORMALIZED: &str = "text_normalized";
    /// See [`Fields::policy_normalized`](super::Fields::policy_normalized).
    pub const POLICY_NORMALIZED: &str = "policy_normalized";
    /// See [`Fields::department`](super::Fields::department).
    pub const DEPARTMENT: &str = "department";
    /// See [`Fields::text_reading`](super::Fields::text_reading).
    pub const TEXT_READING: &str = "text_reading";
    /// See [`Fields::policy_reading`](super::Fields::policy_reading).
    pub const POLICY_READING: &str = "policy_reading";
    /// See [`Fields::text_ngram`](super::Fields::text_ngram).
    pub const TEXT_NGRAM: &str = "text_ngram";
    /// See [`Fields::policy_ngram`](super::Fields::policy_ngram).
    pub const POLICY_NGRAM: &str = "policy_ngram";
    /// See [`Fields::section_facet`](super::Fields::section_facet).
    pub const SECTION_FACET: &str = "section_facet";
    /// See [`Fields::department_facet`](super::Fields::department_facet).
    pub const DEPARTMENT_FACET: &str = "department_facet";
    /// See [`Fields::source_file`](super::Fields::source_file).
    pub const SOURCE_FILE: &str = "source_file";
    /// See [`Fields::source_line`](super::Fields::source_line).
    pub const SOURCE_LINE: &str = "source_line";
    /// See [`Fields::fiscal_year_facet`](super::Fields::fiscal_year_facet).
    pub const FISCAL_YEAR_FACET: &str = "fiscal_year_facet";
    /// See [`Fields::municipality`](super::Fields::municipality).
    pub const MUNICIPALITY: &str = "municipality";
    /// See [`Fields::municipality_facet`](super::Fields::municipality_facet).
    pub const MUNICIPALITY_FACET: &str = "municipality_facet";
    /// See [`Fields::path`](super::Fields::path).
    pub const PATH: &str = "path";
    /// See [`Fields::source_page`](super::Fields::source_page).
    pub const SOURCE_PAGE: &str = "source_page";
    /// See [`Fields::source_title`](super::Fields::source_title).
    pub const SOURCE_TITLE: &str = "source_title";
    /// See [`Fields::source_url`](super::Fields::source_url).
    pub const SOURCE_URL: &str = "source_url";
    /// See [`Fields::source_ocr`](super::Fields::source_ocr).
    pub const SOURCE_OCR: &str = "source_ocr";
    /// See [`Fields::text_marks`](super::Fields::text_marks).
    pub const TEXT_MARKS: &str = "text_marks";
    /// See [`Fields::passage_digest`](super::Fields::passage_digest).
    pub const PASSAGE_DIGEST: &str = "passage_digest";
}

/// How a field is indexed and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Stored, and indexed whole for exact look-ups.
    Key {
        /// A fast column as well, for ordering by it.
        fast: bool,
    },
    /// Stored only.
    StoredText,
    /// Bytes, stored only.
    StoredBytes,
    /// A number in a fast column only, read item by item, never shown.
    FastNumber,
    /// A stored number; `indexed` ones can also be filtered and read fast.
    Number {
        /// Indexed and a fast field as well as stored.
        indexed: bool,
    },
    /// A facet path.
    Facet,
    /// Analysed text, with frequencies and positions.
    Analysed {
        /// How its text becomes terms.
        analysis: Analysis,
        /// Whether the original text is stored too.
        stored: bool,
    },
}

/// One field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Its name (see [`field_name`]).
    pub name: &'static str,
    /// How it is indexed.
    pub kind: FieldKind,
}

impl FieldSpec {
    /// The analysis of an analysed field.
    pub fn analysis(&self) -> Option<Analysis> {
        match self.kind {
            FieldKind::Analysed { analysis, .. } => Some(analysis),
            _ => None,
        }
    }
}

const fn analysed(name: &'static str, analysis: Analysis, stored: bool) -> FieldSpec {
    FieldSpec { name, kind: FieldKind::Analysed { analysis, stored } }
}

/// Every field of a hoshin index, in schema order: what the schema is built
/// from, and what [`Analysis::fields`] reads.
pub const FIELD_TABLE: &[FieldSpec] = &[
    FieldSpec { name: field_name::ID, kind: FieldKind::Key { fast: true } },
    FieldSpec { name: field_name::YEAR, kind: FieldKind::StoredText },
    FieldSpec { name: field_name::FISCAL_YEAR, kind: FieldKind::Number { indexed: true } },
    analysed(field_name::TEXT, Analysis::Surface, true),
    analysed(field_name::POLICY, Analysis::Surface, true),
    analysed(field_name::TEXT_NORMALIZED, Analysis::Normalized, false),
    analysed(field_name::POLICY_NORMALIZED, Analysis::Normalized, false),
    analysed(field_name::DEPARTMENT, Analysis::Normalized, true),
    analysed(field_name::TEXT_READING, Analysis::Reading, false),
    analysed(field_name::POLICY_READING, Analysis::Reading, false),
    analysed(field_name::TEXT_NGRAM, Analysis::Ngram, false),
    analysed(field_name::POLICY_NGRAM, Analysis::Ngram, false),
    FieldSpec { name: field_name::SECTION_FACET, kind: FieldKind::Facet },
    FieldSpec { name: field_name::DEPARTMENT_FACET, kind: FieldKind::Facet },
    FieldSpec { name: field_name::SOURCE_FILE, kind: FieldKind::StoredText },
    FieldSpec { name: field_name::SOURCE_LINE, kind: FieldKind::Number { indexed: false } },
    FieldSpec { name: field_name::FISCAL_YEAR_FACET, kind: FieldKind::Facet },
    FieldSpec { name: field_name::MUNICIPALITY, kind: FieldKind::Key { fast: false } },
    FieldSpec { name: field_name::MUNICIPALITY_FACET, kind: FieldKind::Facet },
    FieldSpec { name: field_name::PATH, kind: FieldKind::StoredText },
    FieldSpec { name: field_name::SOURCE_PAGE, kind: FieldKind::Number { indexed: false } },
    FieldSpec { name: field_name::SOURCE_TITLE, kind: FieldKind::StoredText },
    FieldSpec { name: field_name::SOURCE_URL, kind: FieldKind::StoredText },
    FieldSpec { name: field_name::SOURCE_OCR, kind: FieldKind::Number { indexed: false } },
    FieldSpec { name: field_name::TEXT_MARKS, kind: FieldKind::StoredBytes },
    FieldSpec { name: field_name::PASSAGE_DIGEST, kind: FieldKind::FastNumber },
];

/// Handles of every field of a hoshin index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Stable item id, indexed untokenised for look-ups and deletes, and a
    /// fast column: equal scores rank by id, so an order does not depend on
    /// which indexing thread took which item.
    pub id: Field,
    /// The year as written, e.g. 令和4年度.
    pub year: Field,
    /// The western fiscal year, e.g. 2022.
    pub fiscal_year: Field,
    /// Department name, normalised morphologically.
    pub department: Field,
    /// `/department/heading` as a facet, for finding an item's siblings.
    pub section_facet: Field,
    /// `/department` alone as a facet, for filtering and counting by department.
    /// Counting streams the facet's whole dictionary in every segment, which
    /// for `section_facet` at a million items means every heading there is.
    pub department_facet: Field,
    /// Policy heading the item sits under, words as written.
    pub policy: Field,
    /// Policy heading, normalised words.
    pub policy_normalized: Field,
    /// Policy heading as character n-grams.
    pub policy_ngram: Field,
    /// Policy heading's reading as katakana n-grams.
    pub policy_reading: Field,
    /// The item's original text, words as written.
    pub text: Field,
    /// The item's text, normalised words.
    pub text_normalized: Field,
    /// The item's text as character n-grams.
    pub text_ngram: Field,
    /// The item's reading as katakana n-grams.
    pub text_reading: Field,
    /// File the item was read from.
    pub source_file: Field,
    /// Line of that file the item stands on.
    pub source_line: Field,
    /// `/2022`: the fiscal year as a facet, for counting by year.
    pub fiscal_year_facet: Field,
    /// The municipality, indexed whole for the `municipality` filter.
    pub municipality: Field,
    /// `/狛江市`: the municipality as a facet, for counting by municipality.
    pub municipality_facet: Field,
    /// The headings between department and policy heading, one value each.
    pub path: Field,
    /// Page of a PDF the item stands on.
    pub source_page: Field,
    /// Title of the document the item was read from.
    pub source_title: Field,
    /// Where the city publishes that document.
    pub source_url: Field,
    /// 1 when the item was read by OCR.
    pub source_ocr: Field,
    /// The text's words and readings with their places, for highlighting
    /// (see [`crate::marks`]).
    pub text_marks: Field,
    /// The digest of the item's passage (see `PolicyItem::passage`), the key
    /// of its vector in the vector cache: a generation finds its items'
    /// vectors by this column without reading their text.
    pub passage_digest: Field,
}

impl Fields {
    /// Builds the schema of [`FIELD_TABLE`] and returns it with its field handles.
    pub fn build_schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        for spec in FIELD_TABLE {
            match spec.kind {
                FieldKind::Key { fast: true } => builder.add_text_field(spec.name, STRING | STORED | FAST),
                FieldKind::Key { fast: false } => builder.add_text_field(spec.name, STRING | STORED),
                FieldKind::StoredText => builder.add_text_field(spec.name, STORED),
                FieldKind::StoredBytes => builder.add_bytes_field(spec.name, STORED),
                FieldKind::FastNumber => builder.add_u64_field(spec.name, FAST),
                FieldKind::Number { indexed: true } => builder.add_u64_field(spec.name, INDEXED | STORED | FAST),
                FieldKind::Number { indexed: false } => builder.add_u64_field(spec.name, NumericOptions::from(STORED)),
                FieldKind::Facet => builder.add_facet_field(spec.name, FacetOptions::default()),
                FieldKind::Analysed { analysis, stored } => {
                    let indexing = TextFieldIndexing::default()
                        .set_tokenizer(analysis.tokenizer_name())
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
                    let options = TextOptions::default().set_indexing_options(indexing);
                    builder.add_text_field(spec.name, if stored { options.set_stored() } else { options })
                }
            };
        }
        let schema = builder.build();
        let fields = Fields::from_schema(&schema).expect("the schema holds every field of the table");
        (schema, fields)
    }

    /// Reads the field handles of an existing index's schema.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let field = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: field(field_name::ID)?,
            year: field(field_name::YEAR)?,
            fiscal_year: field(field_name::FISCAL_YEAR)?,
            department: field(field_name::DEPARTMENT)?,
            section_facet: field(field_name::SECTION_FACET)?,
            department_facet: field(field_name::DEPARTMENT_FACET)?,
            policy: field(field_name::POLICY)?,
            policy_normalized: field(field_name::POLICY_NORMALIZED)?,
            policy_ngram: field(field_name::POLICY_NGRAM)?,
            policy_reading: field(field_name::POLICY_READING)?,
            text: field(field_name::TEXT)?,
            text_normalized: field(field_name::TEXT_NORMALIZED)?,
            text_ngram: field(field_name::TEXT_NGRAM)?,
            text_reading: field(field_name::TEXT_READING)?,
            source_file: field(field_name::SOURCE_FILE)?,
            source_line: field(field_name::SOURCE_LINE)?,
            fiscal_year_facet: field(field_name::FISCAL_YEAR_FACET)?,
            municipality: field(field_name::MUNICIPALITY)?,
            municipality_facet: field(field_name::MUNICIPALITY_FACET)?,
            path: field(field_name::PATH)?,
            source_page: field(field_name::SOURCE_PAGE)?,
            source_title: field(field_name::SOURCE_TITLE)?,
            source_url: field(field_name::SOURCE_URL)?,
            source_ocr: field(field_name::SOURCE_OCR)?,
            text_marks: field(field_name::TEXT_MARKS)?,
            passage_digest: field(field_name::PASSAGE_DIGEST)?,
        })
    }
}

/// The facet of a department, or of one heading in it. An item's facet is its
/// heading's; tantivy indexes every ancestor too, so the department's facet
/// matches all of the department's items.
pub fn section_facet(department: &str, heading: Option<&str>) -> Facet {
    match heading {
        Some(heading) => Facet::from_path([department, heading]),
        None => Facet::from_path([department]),
    }
}
