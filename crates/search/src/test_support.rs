//! What the unit tests share: the workspace's dictionary and word lists,
//! and Sudachi's synonym dictionary, loaded once per test process; and a
//! small index of two segments.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use hoshin_analysis::synonym_dictionary::{synonym_dictionary_path, SynonymDictionary};
use hoshin_analysis::PreparedAnalysis;

use tantivy::query::QueryParser;
use tantivy::schema::{Schema, TEXT};
use tantivy::{doc, Index, IndexWriter, Searcher};

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

/// An index in memory of one text field, `body`, whose seven items of the
/// words a, b and c stand in two segments; its searcher, and a parser of
/// queries over `body`.
pub fn two_segments() -> (Searcher, QueryParser) {
    let mut schema = Schema::builder();
    let body = schema.add_text_field("body", TEXT);
    let index = Index::create_in_ram(schema.build());
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    for batch in [&["a b", "a", "b c", "c"][..], &["b", "a c", "a b c"]] {
        for text in batch {
            writer.add_document(doc!(body => *text)).unwrap();
        }
        writer.commit().unwrap();
    }
    let searcher = index.reader().unwrap().searcher();
    assert_eq!(searcher.segment_readers().len(), 2);
    (searcher, QueryParser::for_index(&index, vec![body]))
}
