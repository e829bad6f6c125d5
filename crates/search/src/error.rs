//! The one error type of the search crate: what a search or look-up can
//! refuse or fail with, in terms of the index, not of any protocol.

use hoshin_analysis::AnalysisError;

/// What a search or look-up can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A department filter names no department in the index.
    #[error("unknown department `{0}`")]
    UnknownDepartment(String),
    /// A municipality filter names no municipality in the index.
    #[error("unknown municipality `{0}`")]
    UnknownMunicipality(String),
    /// No document has this id.
    #[error("no document with id `{0}`")]
    DocumentNotFound(String),
    /// The index lacks hoshin's analyzers.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// Semantic search is off: the model file is missing or unusable.
    #[error("semantic search is off: no e5 model is loaded")]
    MeaningOff,
    /// The model failed to embed the query.
    #[error("embedding the query: {0}")]
    Embedding(hoshin_embed::EmbedError),
    /// tantivy failed to read the index.
    #[error("index: {0}")]
    Index(tantivy::TantivyError),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(error: tantivy::TantivyError) -> Self {
        SearchError::Index(error)
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, SearchError>;
