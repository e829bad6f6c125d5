//! What the unit tests share: the workspace's dictionary and word lists,
//! loaded once per test process.

use std::path::Path;
use std::sync::OnceLock;

use hoshin_analysis::PreparedAnalysis;

/// The analysis the server would load from the workspace.
pub fn analysis() -> &'static PreparedAnalysis {
    static ANALYSIS: OnceLock<PreparedAnalysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        PreparedAnalysis::prepare(&root.join("index/dictionary"), &root.join("data"))
            .expect("the dictionary and data files load")
    })
}
