//! What the unit tests share: the workspace's dictionary and word lists,
//! and Sudachi's synonym dictionary, loaded once per test process.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use hoshin_analysis::synonym_dictionary::{synonym_dictionary_path, SynonymDictionary};
use hoshin_analysis::PreparedAnalysis;

use crate::query_lists::QueryLists;

/// The analysis the server would load from the workspace.
pub fn analysis() -> &'static PreparedAnalysis {
    static ANALYSIS: OnceLock<PreparedAnalysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        PreparedAnalysis::prepare(&root.join("index/dictionary"), &root.join("data"))
            .expect("the dictionary and data files load")
    })
}

/// The query-time lists the server would load: the workspace's, with
/// Sudachi's synonym dictionary as installed.
pub fn lists() -> &'static QueryLists {
    static LISTS: OnceLock<QueryLists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let dictionary = SynonymDictionary::load(&synonym_dictionary_path()).expect("the synonym dictionary loads");
        QueryLists::new(analysis(), Arc::new(dictionary))
    })
}
