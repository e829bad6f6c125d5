//! Building, reusing and replacing a real on-disk index.

use std::fs;

use hoshin_indexer::{build_index, open_or_build, IndexLayout, IndexerError};
use hoshin_search::{SearchEngine, SearchRequest};

use crate::util::{analysis, engine_over, inputs, seed, seed_copy};

fn search_ids(engine: &SearchEngine, query: &str) -> Vec<String> {
    let request = SearchRequest::new(query);
    engine.search(&request).unwrap().hits.into_iter().map(|hit| hit.item.id).collect()
}

#[test]
fn the_seed_index_holds_every_item_and_finds_the_library_items() {
    let engine = seed().engine();
    assert_eq!(engine.document_count(), 118);
    assert_eq!(engine.departments().len(), 9);
    let mut top_three = search_ids(engine, "図書館");
    top_three.truncate(3);
    top_three.sort();
    assert_eq!(top_three, ["komae-2022-policies-009", "komae-2022-policies-029", "komae-2022-policies-108"]);
}

#[test]
fn an_up_to_date_index_is_reused_and_a_changed_seed_rebuilds_it() {
    let root = tempfile::tempdir().unwrap();
    let seeds = seed_copy();
    let layout = IndexLayout::new(root.path());

    open_or_build(&layout, inputs(seeds.path())).unwrap();
    let first = layout.current_generation().unwrap();
    open_or_build(&layout, inputs(seeds.path())).unwrap();
    assert_eq!(layout.current_generation().unwrap(), first, "nothing changed, nothing rebuilt");

    let added = "令和5年度「環境部の方針」(案)\n\n緑のまちづくり\n\n- ▽ 河川敷にスケートパークを設けます。\n";
    fs::write(seeds.path().join("extra.txt"), added).unwrap();
    let index = open_or_build(&layout, inputs(seeds.path())).unwrap();
    assert_ne!(layout.current_generation().unwrap(), first, "a changed seed rebuilds");
    let engine = engine_over(&index);
    assert_eq!(engine.document_count(), 119);
    assert_eq!(search_ids(&engine, "スケートパーク"), ["extra-001"]);
}

#[test]
fn a_failed_build_leaves_the_previous_index_live() {
    let root = tempfile::tempdir().unwrap();
    let seeds = seed_copy();
    let layout = IndexLayout::new(root.path());
    build_index(&layout, inputs(seeds.path())).unwrap();
    let live = layout.current_generation().unwrap();

    fs::write(seeds.path().join("broken.txt"), "見出しだけ\n- ▽ 置き場のない項目\n").unwrap();
    fs::write(seeds.path().join("zz-broken.txt"), "令和4年度「総務部の方針」\n- ▽ 見出しのない項目\n").unwrap();
    let error = build_index(&layout, inputs(seeds.path())).unwrap_err();
    let IndexerError::Unplaced(lines) = &error else {
        panic!("expected unplaced lines, got {error}");
    };
    let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "broken.txt:1: text before any department header",
            "broken.txt:2: item before any department header",
            "zz-broken.txt:2: item before any policy heading",
        ],
        "every file's unplaced lines, also those after a good file"
    );
    assert_eq!(layout.current_generation().unwrap(), live);
    let index = hoshin_indexer::open_current(&layout, &analysis().analyzers).unwrap();
    assert_eq!(engine_over(&index).document_count(), 118);
}

#[test]
fn an_empty_seed_directory_gives_an_empty_index_to_write_into() {
    let root = tempfile::tempdir().unwrap();
    let seeds = tempfile::tempdir().unwrap();
    let report = build_index(&IndexLayout::new(root.path()), inputs(seeds.path())).unwrap();
    assert_eq!(report.documents, 0);
    let index = hoshin_indexer::open_current(&IndexLayout::new(root.path()), &analysis().analyzers).unwrap();
    assert_eq!(engine_over(&index).document_count(), 0);
    let missing = seeds.path().join("not-there");
    let other_root = tempfile::tempdir().unwrap();
    let index = open_or_build(&IndexLayout::new(other_root.path()), inputs(&missing)).unwrap();
    assert_eq!(engine_over(&index).document_count(), 0);
}

#[test]
fn new_metadata_beside_a_seed_file_rebuilds_the_index() {
    let root = tempfile::tempdir().unwrap();
    let seeds = crate::util::seed_copy();
    let layout = IndexLayout::new(root.path());
    open_or_build(&layout, inputs(seeds.path())).unwrap();
    let before = layout.current_generation().unwrap();
    std::fs::write(
        seeds.path().join("komae-2022-policies.json"),
        r#"{"municipality": "狛江市", "url": "https://example.org/r4.pdf"}"#,
    )
    .unwrap();
    let index = open_or_build(&layout, inputs(seeds.path())).unwrap();
    assert_ne!(layout.current_generation().unwrap(), before);
    let item = engine_over(&index).document("komae-2022-policies-001").unwrap();
    assert_eq!(item.source.url.as_deref(), Some("https://example.org/r4.pdf"));
}

#[test]
fn a_generated_corpus_from_the_seed_parses_and_indexes_whole() {
    let corpus = tempfile::tempdir().unwrap();
    let material = hoshin_indexer::seed::read_seeds_dir(&crate::util::seeds_dir()).unwrap();
    let written = hoshin_indexer::generate::generate_corpus(&material, 300, 11, corpus.path()).unwrap();
    assert_eq!((written.items, written.files), (300, 3));
    let root = tempfile::tempdir().unwrap();
    let layout = IndexLayout::new(root.path());
    let report = build_index(&layout, inputs(corpus.path())).unwrap();
    assert_eq!(report.documents, 300);
    let index = hoshin_indexer::open_current(&layout, &analysis().analyzers).unwrap();
    assert_eq!(engine_over(&index).document_count(), 300);
    assert_eq!(index.searchable_segment_ids().unwrap().len(), 1, "each indexing thread's segment merged into one");
}

#[test]
fn an_index_whose_journal_went_missing_is_refused_not_rebuilt_without_it() {
    let root = tempfile::tempdir().unwrap();
    let seeds = seed_copy();
    let layout = IndexLayout::new(root.path());
    let index = open_or_build(&layout, inputs(seeds.path())).unwrap();
    let item = engine_over(&index).document("komae-2022-policies-001").unwrap();
    let writer = hoshin_indexer::DocumentWriter::open(&index, &analysis().analyzers, &layout.journal_path()).unwrap();
    writer
        .write(&vec![hoshin_indexer::Operation::Put(hoshin_analysis::PolicyItem { id: "api-1".into(), ..item })])
        .unwrap();
    drop((writer, index));

    fs::remove_file(layout.journal_path()).unwrap();
    for error in [
        open_or_build(&layout, inputs(seeds.path())).unwrap_err(),
        build_index(&layout, inputs(seeds.path())).unwrap_err(),
    ] {
        assert!(matches!(error, IndexerError::JournalMissing { found: 0, .. }), "{error}");
        assert!(error.to_string().contains("journal.jsonl"), "{error}");
    }
}
