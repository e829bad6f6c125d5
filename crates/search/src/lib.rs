//! Searching a hoshin index: plain synchronous code that knows nothing of HTTP.
//!
//! [`syntax`] reads what a resident typed, [`planner`] turns it into weighted
//! query trees, [`SearchEngine`] runs them (strict matches, then relaxed ones,
//! counted by department, fiscal year and municipality), finds the items near
//! the query in meaning with a [`Meaning`] and merges both ([`fusion`]), and [`snippet`] marks
//! why each hit matched; [`explain`] makes tantivy's score explanations
//! readable and [`suggest`] completes prefixes by spelling or reading. The answers are the types of
//! [`results`], whose JSON form is documented there.
//!
//! ```
//! use hoshin_analysis::PreparedAnalysis;
//! use hoshin_indexer::{open_or_build, BuildInputs, IndexLayout};
//! use hoshin_search::{QueryLists, SearchEngine, SearchRequest};
//! # let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
//! # let (dictionary, data, seeds) = (root.join("index/dictionary"), root.join("data"), root.join("seeds"));
//! # let index_root = tempfile::tempdir()?;
//!
//! let analysis = PreparedAnalysis::prepare(&dictionary, &data)?;
//! let index = open_or_build(&IndexLayout::new(index_root.path()), BuildInputs::new(&seeds, &analysis))?;
//! let engine = SearchEngine::new(&index, &analysis.analyzers, QueryLists::load(&analysis)?, None)?;
//! let request = SearchRequest::new("としょかん");
//! let results = engine.search(&request)?;
//! assert!(results.hits[0].snippet.contains("<mark>図書館</mark>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod engine;
mod error;
pub mod explain;
mod facets;
mod few_matches;
pub mod fusion;
mod id_order;
pub mod planner;
mod query_lists;
pub mod results;
mod semantic;
pub mod snippet;
mod statistics;
pub mod suggest;
pub mod syntax;
#[cfg(test)]
mod test_support;

pub use engine::{SearchEngine, SearchMode, SearchRequest, SortOrder, RELAX_BELOW};
pub use error::{Result, SearchError};
pub use query_lists::QueryLists;
pub use results::{Hit, SearchResults};
pub use semantic::Meaning;
