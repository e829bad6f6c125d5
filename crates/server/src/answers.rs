//! The JSON bodies of the API's answers other than search results, which
//! `hoshin_search::results` documents.

use hoshin_analysis::PolicyItem;
use hoshin_search::results::{AnalysisTokens, Expansion};
use hoshin_search::suggest::Suggestion;
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /api/health`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthStatus {
    /// Always `ok` when the server answers.
    pub status: &'static str,
    /// Items in the index.
    pub documents: u64,
    /// When the server last loaded the index, in seconds since the Unix
    /// epoch: at start, and after each write through the API (which commits
    /// just before).
    pub last_commit: Option<u64>,
}

/// `GET /api/documents/{id}/siblings`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Siblings {
    /// The other items under the same heading, in document order.
    pub items: Vec<PolicyItem>,
}

/// `GET /api/suggest`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestions {
    /// The prefix as received.
    pub query: String,
    /// Completions, most frequent first.
    pub suggestions: Vec<Suggestion>,
}

/// `GET /api/analyze`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnalyzeResult {
    /// The text as received.
    pub text: String,
    /// What each analyzer makes of it.
    pub analyzers: Vec<AnalysisTokens>,
    /// What a search for it would be widened with: synonyms, resident
    /// phrases and related words (a search adds those only for words that
    /// find nothing as typed).
    pub expansions: Vec<Expansion>,
}

/// The answer to a write.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Written {
    /// Documents written.
    pub written: usize,
    /// For an import, the file name the ids were made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The answer to a delete.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deleted {
    /// The id that was deleted.
    pub deleted: String,
}
