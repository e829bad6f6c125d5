//! What the unit tests share: the workspace's dictionary and word lists, and
//! the analyzers over them, loaded once per test process.

use std::path::Path;
use std::sync::OnceLock;

use crate::analyzers::{Analysis, Analyzers};
use crate::japanese::AnalysisResources;
use crate::lexicon::Lexicon;
use crate::reading::Readings;

/// The workspace's dictionary and data files, as the server uses them.
pub fn workspace_resources() -> &'static AnalysisResources {
    static RESOURCES: OnceLock<AnalysisResources> = OnceLock::new();
    RESOURCES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let compiled =
            crate::dictionary::ensure_compiled(&crate::dictionary::ipadic_source_dir(), &root.join("index/dictionary"))
                .expect("the dictionary compiles");
        let lexicon = Lexicon::load(&root.join("data")).expect("the data files load");
        AnalysisResources::new(compiled.dictionary, &lexicon).expect("the user dictionary loads")
    })
}

/// Every analyzer over [`workspace_resources`].
pub fn analyzers() -> &'static Analyzers {
    static ANALYZERS: OnceLock<Analyzers> = OnceLock::new();
    ANALYZERS.get_or_init(|| Analyzers::new(workspace_resources()))
}

/// Every reading the dictionaries of [`workspace_resources`] know.
pub fn readings() -> Readings {
    Readings::new(workspace_resources())
}

/// (position, term) pairs `analysis` makes of `text`.
pub fn positioned_terms(analysis: Analysis, text: &str) -> Vec<(usize, String)> {
    analyzers().tokens(analysis, text).into_iter().map(|token| (token.position, token.text)).collect()
}

/// The terms `analysis` makes of `text`.
pub fn terms(analysis: Analysis, text: &str) -> Vec<String> {
    positioned_terms(analysis, text).into_iter().map(|(_, term)| term).collect()
}
