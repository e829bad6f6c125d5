//! What a hoshin index is: the [`PolicyItem`]s it holds, its schema, the Japanese analyzers its fields use, the
//! IPADIC dictionary those analyzers segment with and the editable word lists
//! ([`Lexicon`]) that extend it.
//!
//! Both the indexer and the query side call [`register_analyzers`] on the same
//! [`Fields`] schema, so a word is analysed identically when it is stored and when
//! it is searched.
//!
//! ```no_run
//! use std::path::Path;
//! use hoshin_analysis::{dictionary, register_analyzers, AnalysisResources, Fields, Lexicon};
//!
//! let compiled = dictionary::ensure_compiled(&dictionary::ipadic_source_dir(), Path::new("index/dictionary"))?;
//! let resources = AnalysisResources::new(compiled.dictionary, &Lexicon::load(Path::new("data"))?)?;
//! let (schema, _fields) = Fields::build_schema();
//! let index = tantivy::Index::create_in_ram(schema);
//! register_analyzers(index.tokenizers(), &resources);
//! # Ok::<(), hoshin_analysis::AnalysisError>(())
//! ```

pub mod dictionary;
mod error;
mod item;
pub mod japanese;
pub mod lexicon;
pub mod ngram;
pub mod normalize;
mod prepared;
pub mod reading;
mod schema;

pub use error::{AnalysisError, Result};
pub use item::{PolicyItem, Source};
pub use japanese::AnalysisResources;
pub use lexicon::Lexicon;
pub use lindera::dictionary::Dictionary;
pub use prepared::PreparedAnalysis;
pub use schema::{
    register_analyzers, section_facet, Fields, DEPARTMENT_FACET_FIELD, NGRAM_TOKENIZER, NORMALIZED_TOKENIZER,
    READING_TOKENIZER, SCHEMA_VERSION, SECTION_FACET_FIELD, SURFACE_TOKENIZER,
};
