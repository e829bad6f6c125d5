//! An embedding runs on the calling thread: loading the model and embedding
//! starts no thread, neither candle's nor rayon's.
//!
//! A test binary of its own, with one test, so no other test's threads are counted.

#![cfg(target_os = "linux")]

use hoshin_embed::Embedder;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn embedding_starts_no_thread() {
    let before = threads();
    let embedder = Embedder::load(&Embedder::default_path())
        .unwrap_or_else(|error| panic!("{error}\nthe tests embed with the real model: run scripts/install-e5-model"));
    // Long enough for every product and element-wise step to be far past the
    // sizes candle and gemm would split across threads.
    let long = "市民センターの改修と新図書館の基本設計をワークショップで検討します。".repeat(40);
    embedder.embed_query("家賃が払えない").unwrap();
    embedder.embed_passage(&long).unwrap();
    embedder.embed_passages(&[long.as_str(), "ごみの分別"], 1).unwrap();
    assert_eq!(threads(), before, "embedding started threads");
}
