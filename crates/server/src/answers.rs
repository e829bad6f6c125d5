//! The JSON bodies of the API's answers other than search results, which
//! `hoshin_search::results` documents.

use hoshin_analysis::PolicyItem;
use hoshin_search::results::{AnalysisTokens, Expansion, Similar};
use hoshin_search::suggest::Suggestion;
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /api/health`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when the node serves everything written, `catching_up` (answered
    /// with 503, so a load balancer sends it nothing) while a node of a fleet
    /// has not yet applied what its store held when it started.
    pub status: &'static str,
    /// Items in the index.
    pub documents: u64,
    /// When the server last loaded the index, in seconds since the Unix
    /// epoch: at start, after each write through the API (which commits just
    /// before), after a reload and after switching generations.
    pub last_commit: u64,
    /// The index generation searched and written now (a directory name
    /// under `index/generations/`).
    pub generation: String,
    /// When the word lists in force were read from `data/`, in seconds since
    /// the Unix epoch.
    pub word_lists_loaded_at: u64,
    /// Whether a reload is rebuilding the index.
    pub rebuild: RebuildState,
    /// Where semantic search stands.
    pub vectors: VectorStatus,
    /// What keeps the writes: `journal` (one machine, `index/journal.jsonl`)
    /// or `postgres` (a node of a fleet), and whether it can be reached.
    pub store: StoreStatus,
    /// How far the served index is: the journal's length in bytes, or the
    /// store's position; a write's `position` is searchable here once this
    /// has reached it.
    pub applied: u64,
    /// Positions the store holds that this node has not applied yet (0 on one machine).
    pub lag: u64,
}

/// What keeps a node's writes, in `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StoreStatus {
    /// `journal` or `postgres`.
    pub kind: &'static str,
    /// `available`, or `unavailable` when the store cannot be reached: searches
    /// go on from the local index, writes answer 503.
    pub state: &'static str,
}

/// Where semantic search stands, in `GET /api/health`. Searches answer by
/// words alone for items whose vectors are not computed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VectorStatus {
    /// `ready` (every item has its vector), `embedding` (vectors are being
    /// computed in the background), `failed` (computing them failed; the
    /// log says why) or `off` (the model is not loaded; see `reason`).
    pub state: VectorState,
    /// Items with their vector.
    pub embedded: u64,
    /// Items in the index.
    pub items: u64,
    /// Why semantic search is off or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// See [`VectorStatus::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VectorState {
    /// Every item has its vector.
    Ready,
    /// Vectors are being computed.
    Embedding,
    /// Computing vectors failed.
    Failed,
    /// No model: searches are lexical only.
    Off,
}

/// `GET /api/documents/{id}/similar`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarItems {
    /// The items nearest in meaning, nearest first.
    pub items: Vec<Similar>,
}

/// Where the index rebuild a reload may start stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RebuildState {
    /// No rebuild is running, and the last one (if any) succeeded.
    Idle,
    /// A new generation is being built; searches and writes go to the
    /// current one meanwhile, and reloads are refused.
    Running,
    /// The last rebuild failed (the server log says why); the previous
    /// generation is still served. Reloading again retries.
    Failed,
}

/// What a reload did to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndexChange {
    /// The dictionary, variants and user dictionary are as the index was
    /// built with: nothing to rebuild.
    Unchanged,
    /// They changed: a new generation is being built with them in the
    /// background and will replace the current one when done (see
    /// `rebuild` in `GET /api/health`).
    Rebuilding,
}

/// `POST /api/admin/reload`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reloaded {
    /// Files of the data directory that differ from the ones read last
    /// (changed, added or removed), by name.
    pub changed: Vec<String>,
    /// Always `reloaded`: the query-time lists (synonyms) just read are in
    /// force from this answer on.
    #[schema(example = "reloaded")]
    pub query_lists: &'static str,
    /// Whether the index is being rebuilt for the index-time lists.
    pub index: IndexChange,
    /// The generation searched and written now; while rebuilding, the
    /// previous one, which stays until the new one is ready.
    pub generation: String,
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
    /// What a search for it is widened with: synonyms, resident phrases
    /// and, for words that find nothing as typed, related words,
    /// sound-alikes, clippings and lookalike spellings.
    pub expansions: Vec<Expansion>,
}

/// The answer to a write.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Written {
    /// Documents written.
    pub written: usize,
    /// The position the write reached: a search with `after` set to it sees
    /// the write on any node (one machine: the journal's length in bytes).
    pub position: u64,
}

/// The answer to an import: what was read, and how many items were written.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Imported {
    /// Items written.
    pub written: usize,
    /// The position the write reached (see [`Written::position`]).
    pub position: u64,
    /// The file name the ids were made from.
    pub file: String,
    /// The document's title as read.
    pub title: String,
    /// Its fiscal year as read, e.g. 令和6年度.
    pub year: String,
    /// `outline` when headings and markers placed the items, `paragraphs`
    /// when none were recognised and each paragraph became an item under the title.
    pub structure: &'static str,
    /// Its pages, for a PDF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u64>,
    /// Items already numbered under the file's stem (an earlier import of
    /// the file, or with `replace=true` another document's) that this
    /// import replaced or removed, in the same batch.
    pub replaced: usize,
}

/// The answer to a delete.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deleted {
    /// The id that was deleted.
    pub deleted: String,
    /// The position the write reached (see [`Written::position`]).
    pub position: u64,
}
