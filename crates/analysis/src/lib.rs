//! What a hoshin index is: its schema, the Japanese analyzers its fields use, and
//! the IPADIC dictionary those analyzers segment with.
//!
//! Both the indexer and the query side call [`register_analyzers`] on the same
//! [`Fields`] schema, so a word is analysed identically when it is stored and when
//! it is searched.
//!
//! ```no_run
//! use hoshin_analysis::{dictionary, register_analyzers, Fields};
//!
//! let dictionary = dictionary::ensure_compiled(
//!     &dictionary::ipadic_source_dir(),
//!     std::path::Path::new("index/dictionary"),
//! )?;
//! let (schema, _fields) = Fields::build_schema();
//! let index = tantivy::Index::create_in_ram(schema);
//! register_analyzers(index.tokenizers(), dictionary.dictionary);
//! # Ok::<(), hoshin_analysis::AnalysisError>(())
//! ```

pub mod dictionary;
mod error;
pub mod japanese;
pub mod ngram;
pub mod normalize;
mod schema;

pub use error::{AnalysisError, Result};
pub use lindera::dictionary::Dictionary;
pub use schema::{
    department_facet, register_analyzers, Fields, JAPANESE_TOKENIZER, NGRAM_TOKENIZER,
    SCHEMA_VERSION,
};
