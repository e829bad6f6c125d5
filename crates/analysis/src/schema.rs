//! The index schema: every field, how it is analysed, and the one place that
//! registers the analyzers, so indexing and searching cannot disagree.

use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

use crate::japanese::{normalized_tokenizer, surface_tokenizer, AnalysisResources};
use crate::ngram::NgramTokenizer;
use crate::reading::ReadingTokenizer;

/// Bumped whenever the schema or the analysis changes, so that stale indexes rebuild.
pub const SCHEMA_VERSION: u32 = 4;

/// Name of the morphological analyzer keeping words as written.
pub const SURFACE_TOKENIZER: &str = "hoshin_surface";

/// Name of the morphological analyzer unifying variants and inflections.
pub const NORMALIZED_TOKENIZER: &str = "hoshin_normalized";

/// Name of the character n-gram analyzer.
pub const NGRAM_TOKENIZER: &str = "hoshin_ngram";

/// Name of the katakana-reading n-gram analyzer.
pub const READING_TOKENIZER: &str = "hoshin_reading";

/// Handles of every field of a hoshin index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Stable item id, indexed untokenised for look-ups and deletes.
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
}

impl Fields {
    /// Builds the schema and returns it with its field handles.
    pub fn build_schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let analysed = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED),
            year: builder.add_text_field("year", STORED),
            fiscal_year: builder.add_u64_field("fiscal_year", INDEXED | STORED | FAST),
            department: builder.add_text_field("department", analysed(NORMALIZED_TOKENIZER).set_stored()),
            section_facet: builder.add_facet_field(SECTION_FACET_FIELD, FacetOptions::default()),
            department_facet: builder.add_facet_field(DEPARTMENT_FACET_FIELD, FacetOptions::default()),
            policy: builder.add_text_field("policy", analysed(SURFACE_TOKENIZER).set_stored()),
            policy_normalized: builder.add_text_field("policy_normalized", analysed(NORMALIZED_TOKENIZER)),
            policy_ngram: builder.add_text_field("policy_ngram", analysed(NGRAM_TOKENIZER)),
            policy_reading: builder.add_text_field("policy_reading", analysed(READING_TOKENIZER)),
            text: builder.add_text_field("text", analysed(SURFACE_TOKENIZER).set_stored()),
            text_normalized: builder.add_text_field("text_normalized", analysed(NORMALIZED_TOKENIZER)),
            text_ngram: builder.add_text_field("text_ngram", analysed(NGRAM_TOKENIZER)),
            text_reading: builder.add_text_field("text_reading", analysed(READING_TOKENIZER)),
            source_file: builder.add_text_field("source_file", STORED),
            source_line: builder.add_u64_field("source_line", STORED),
        };
        (builder.build(), fields)
    }

    /// Reads the field handles of an existing index's schema.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let field = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: field("id")?,
            year: field("year")?,
            fiscal_year: field("fiscal_year")?,
            department: field("department")?,
            section_facet: field(SECTION_FACET_FIELD)?,
            department_facet: field(DEPARTMENT_FACET_FIELD)?,
            policy: field("policy")?,
            policy_normalized: field("policy_normalized")?,
            policy_ngram: field("policy_ngram")?,
            policy_reading: field("policy_reading")?,
            text: field("text")?,
            text_normalized: field("text_normalized")?,
            text_ngram: field("text_ngram")?,
            text_reading: field("text_reading")?,
            source_file: field("source_file")?,
            source_line: field("source_line")?,
        })
    }
}

/// Name of the heading facet field.
pub const SECTION_FACET_FIELD: &str = "section_facet";

/// Name of the department facet field, as tantivy's facet collector asks for it.
pub const DEPARTMENT_FACET_FIELD: &str = "department_facet";

/// The facet of a department, or of one heading in it. An item's facet is its
/// heading's; tantivy indexes every ancestor too, so the department's facet
/// matches all of the department's items.
pub fn section_facet(department: &str, heading: Option<&str>) -> Facet {
    match heading {
        Some(heading) => Facet::from_path([department, heading]),
        None => Facet::from_path([department]),
    }
}

/// Registers hoshin's analyzers with an index's tokenizer manager.
pub fn register_analyzers(manager: &TokenizerManager, resources: &AnalysisResources) {
    manager.register(SURFACE_TOKENIZER, TextAnalyzer::from(surface_tokenizer(resources)));
    manager.register(NORMALIZED_TOKENIZER, TextAnalyzer::from(normalized_tokenizer(resources)));
    manager.register(NGRAM_TOKENIZER, TextAnalyzer::from(NgramTokenizer));
    manager.register(READING_TOKENIZER, TextAnalyzer::from(ReadingTokenizer::new(resources)));
}
