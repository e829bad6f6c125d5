//! Searching a hoshin index and serving the results as JSON over HTTP.
//!
//! [`syntax`] reads what a resident typed, [`plan`] turns it into tantivy
//! queries, [`SearchEngine`] runs them and [`snippet`] marks why each matched;
//! [`write`] checks what other systems write. [`router`] exposes it all as the
//! HTTP API whose JSON is described in [`results`], behind [`admission`], with
//! index work run by [`workers`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use hoshin_indexer::DocumentWriter;
//! use hoshin_query::write::ApiTokens;
//! use hoshin_query::{router, AppState, HttpConfig, SearchEngine, SearchRequest};
//!
//! # fn example(index: tantivy::Index) -> Result<(), Box<dyn std::error::Error>> {
//! let engine = SearchEngine::new(&index, Vec::new())?;
//! let request = SearchRequest { query: "図書館", limit: 10, offset: 0, department: None, explain: false };
//! let results = engine.search(&request)?;
//! println!("{} items", results.total);
//! let writer = DocumentWriter::open(&index, std::path::Path::new("index/journal.jsonl"))?;
//! let tokens = ApiTokens::new(["a-secret-token"]);
//! let state = AppState { engine: Arc::new(engine), writer: Arc::new(writer), tokens: Arc::new(tokens) };
//! let app = router(state, &HttpConfig::default(), axum::Router::new());
//! # Ok(())
//! # }
//! ```

pub mod admission;
mod error;
pub mod explain;
mod extract;
pub mod http;
pub mod plan;
pub mod results;
mod search;
pub mod snippet;
pub mod suggest;
pub mod syntax;
pub mod workers;
pub mod write;

pub use error::{ErrorBody, QueryError, Result};
pub use http::{router, AppState, HttpConfig};
pub use results::{Hit, SearchResults};
pub use search::{SearchEngine, SearchRequest, RELAX_BELOW};
