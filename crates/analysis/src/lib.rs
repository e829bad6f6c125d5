//! What a hoshin index is: the [`PolicyItem`]s it holds, its schema (one
//! [`FIELD_TABLE`]), the four [`Analysis`] kinds its fields go through, the
//! IPADIC dictionary the Japanese analyses segment with, the editable word
//! lists ([`Lexicon`]) that extend it, and Sudachi's synonym dictionary
//! ([`SynonymDictionary`]) for expanding queries.
//!
//! The indexer registers [`Analyzers`] with every index it builds or opens,
//! and the search side analyses queries with the same value (checking with
//! [`Analyzers::ensure_registered`] that the index has them), so a word is
//! analysed identically when it is stored and when it is searched.
//!
//! ```
//! use hoshin_analysis::{Analysis, Fields, PreparedAnalysis};
//! # let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
//! # let (dictionary, data) = (root.join("index/dictionary"), root.join("data"));
//!
//! let prepared = PreparedAnalysis::prepare(&dictionary, &data)?;
//! let (schema, _fields) = Fields::build_schema();
//! let index = tantivy::Index::create_in_ram(schema);
//! prepared.analyzers.register(index.tokenizers());
//! let words: Vec<String> =
//!     prepared.analyzers.tokens(Analysis::Normalized, "子供の育成します").into_iter().map(|t| t.text).collect();
//! assert_eq!(words, ["子ども", "育成"]);
//! # Ok::<(), hoshin_analysis::AnalysisError>(())
//! ```

mod analyzers;
pub mod bounds;
pub mod dictionary;
mod error;
mod item;
pub mod japanese;
pub mod lexicon;
pub mod lookalikes;
pub mod marks;
pub mod ngram;
pub mod normalize;
pub mod numerals;
mod prepared;
pub mod reading;
mod schema;
mod segmentation;
pub mod synonym_dictionary;
#[cfg(test)]
mod test_support;

pub use analyzers::{Analysis, Analyzers};
pub use error::{AnalysisError, Result};
pub use item::{passage_digest, DocumentMaker, IndexDocument, PolicyItem, Source};
pub use japanese::AnalysisResources;
pub use lexicon::Lexicon;
pub use lindera::dictionary::Dictionary;
pub use prepared::PreparedAnalysis;
pub use schema::{field_name, section_facet, FieldKind, FieldSpec, Fields, FIELD_TABLE, SCHEMA_VERSION};
pub use synonym_dictionary::{Synonym, SynonymDictionary};
