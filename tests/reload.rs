//! Changing what a running server serves: reloading edited word lists
//! (query-time ones at once, index-time ones through a rebuild in the
//! background), refusing malformed ones, following generations `hoshin index`
//! publishes, and losing no write on the way. In process where the process
//! is not the subject; SIGHUP and a real `hoshin index` run with real processes.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use hoshin_indexer::{build_index, IndexLayout};
use hoshin_server::{ApiTokens, AppState, HttpConfig};
use serde_json::{json, Value};

use crate::util::{
    app_state, data_copy, data_dir, dictionary_dir, encode, hit_ids, hoshin, inputs, seed_copy, seeds_dir, sources,
    Client, Server, TestApp,
};

const TOKEN: &str = "reload-test-token-8d2e";

/// The three library items of the seed.
const LIBRARY_ITEMS: [&str; 3] = ["komae-2022-policies-009", "komae-2022-policies-029", "komae-2022-policies-108"];

/// The application over its own index of `seeds` with the word lists of `data`.
fn reloadable(index: &Path, seeds: &Path, data: &Path) -> (TestApp, AppState) {
    let state = app_state(sources(index, seeds, data), ApiTokens::new([TOKEN]));
    (TestApp::new(state.clone(), &HttpConfig::default()), state)
}

fn reload(server: &impl Client) -> (u16, Value) {
    server.send("POST", "/api/admin/reload", Some(TOKEN), "application/json", b"")
}

fn append(path: &Path, lines: &str) {
    let mut text = fs::read_to_string(path).unwrap_or_default();
    text.push_str(lines);
    fs::write(path, text).unwrap();
}

fn sorted_hits(server: &impl Client, query: &str) -> Vec<String> {
    let mut ids = hit_ids(&server.search(&format!("q={}", encode(query))));
    ids.sort();
    ids
}

fn library_hits(server: &impl Client, query: &str) -> Vec<String> {
    sorted_hits(server, query).into_iter().filter(|id| LIBRARY_ITEMS.contains(&id.as_str())).collect()
}

fn put(server: &impl Client, id: &str, text: &str) {
    let document = json!({ "year": "令和5年度", "department": "環境部", "policy": "緑のまちづくり", "text": text });
    let (status, answer) = server.send_json("PUT", &format!("/api/documents/{id}"), Some(TOKEN), &document);
    assert_eq!(status, 200, "{id}: {answer}");
}

fn health(server: &impl Client) -> Value {
    server.get("/api/health").1
}

/// Waits until `condition` holds, for at most `patience`.
fn eventually(patience: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < patience, "{what}: not within {patience:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn reloaded_synonyms_apply_at_once_without_touching_the_index() {
    let (index, data) = (tempfile::tempdir().unwrap(), data_copy());
    let (server, _) = reloadable(index.path(), &seeds_dir(), data.path());
    let generation = health(&server)["generation"].clone();
    assert_eq!(library_hits(&server, "bibliotheca"), Vec::<String>::new());

    append(&data.path().join("synonyms.tsv"), "bibliotheca\t図書館\n");
    let (status, answer) = server.send("POST", "/api/admin/reload", None, "application/json", b"");
    assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthorized")));
    assert_eq!(library_hits(&server, "bibliotheca"), Vec::<String>::new(), "a refused reload changes nothing");

    let (status, answer) = reload(&server);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({ "changed": ["synonyms.tsv"], "query_lists": "reloaded", "index": "unchanged", "generation": generation })
    );
    assert_eq!(library_hits(&server, "bibliotheca"), LIBRARY_ITEMS);
    let after = health(&server);
    assert_eq!((&after["generation"], &after["rebuild"]), (&generation, &json!("idle")));
    assert_eq!(reload(&server).1["changed"], json!([]), "nothing changed since the last reload");
}

#[test]
fn a_malformed_word_list_is_refused_with_its_line_and_the_lists_in_force_stay() {
    let (index, data) = (tempfile::tempdir().unwrap(), data_copy());
    let (server, _) = reloadable(index.path(), &seeds_dir(), data.path());
    let through_synonym = sorted_hits(&server, "脱炭素");
    for (file, lines, expected) in [
        ("synonyms.tsv", "bibliotheca\t図書館\nbad word\t語\n", "words may not contain spaces"),
        ("userdict.csv", "多摩川,名詞\n", "expected surface,part_of_speech,reading"),
        ("variants.tsv", "空き地\n", "a variant group needs two forms or more"),
        // A space where a tab belongs, one word, an empty field: once taken in silence.
        ("synonyms.tsv", "子育て 育児\n", "words may not contain spaces"),
        ("phrases.tsv", "家賃が払えない 住宅確保給付金\n", "words may not contain spaces"),
        ("synonyms.tsv", "子育て\n", "a synonym group needs two words or more"),
        ("phrases.tsv", "家賃が払えない\t\t住宅確保給付金\n", "an empty field"),
    ] {
        let path = data.path().join(file);
        let original = fs::read_to_string(&path).unwrap();
        append(&path, lines);
        let bad_line = fs::read_to_string(&path).unwrap().lines().count();
        let (status, answer) = reload(&server);
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("invalid_word_list")), "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("{file}:{bad_line}: {expected}")), "{message}");
        fs::write(&path, original).unwrap();
    }
    assert_eq!(library_hits(&server, "bibliotheca"), Vec::<String>::new(), "the new group was not applied");
    assert_eq!(sorted_hits(&server, "脱炭素"), through_synonym, "the synonyms in force still apply");
    assert_eq!(health(&server)["rebuild"], "idle");
}

#[test]
fn changed_variants_rebuild_in_the_background_while_searches_and_writes_go_on() {
    let (index, data, seeds) = (tempfile::tempdir().unwrap(), data_copy(), seed_copy());
    let (server, _) = reloadable(index.path(), seeds.path(), data.path());
    let old_generation = health(&server)["generation"].as_str().unwrap().to_string();
    assert_eq!(library_hits(&server, "ライブラリー"), Vec::<String>::new());

    // Holding the build lock, as a `hoshin index` run would, keeps the
    // rebuild waiting for as long as the test needs.
    let build_lock = fs::File::create(index.path().join(".build.lock")).unwrap();
    build_lock.lock().unwrap();
    append(&data.path().join("variants.tsv"), "図書館\tライブラリー\n");
    let (status, answer) = reload(&server);
    assert_eq!(status, 202, "{answer}");
    assert_eq!((&answer["changed"], &answer["index"]), (&json!(["variants.tsv"]), &json!("rebuilding")));
    assert_eq!(answer["generation"], old_generation.as_str());
    let during = health(&server);
    assert_eq!((&during["rebuild"], &during["generation"]), (&json!("running"), &json!(old_generation)));
    let (status, answer) = reload(&server);
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("rebuild_running")), "{answer}");
    assert_eq!(library_hits(&server, "図書館"), LIBRARY_ITEMS, "searches go on");
    put(&server, "before-build", "河川敷にスケートパークを設けます。");

    // Writes go on while the generation is built and switched to: each is
    // journaled, and the switch replays what the build did not see.
    drop(build_lock);
    let mut written = Vec::new();
    while health(&server)["rebuild"] == "running" {
        let id = format!("during-build-{}", written.len());
        put(&server, &id, "河川敷にスケートパークを設けます。");
        written.push(id);
        assert!(written.len() < 2000, "the rebuild never ended");
    }
    assert!(!written.is_empty(), "a rebuild outlasts a health check");
    let after = health(&server);
    assert_eq!(after["rebuild"], "idle", "{after}");
    assert_ne!(after["generation"], old_generation.as_str());
    assert_eq!(
        library_hits(&server, "ライブラリー"),
        LIBRARY_ITEMS,
        "the new variant is read in documents and queries"
    );
    for id in written.iter().chain([&"before-build".to_string()]) {
        assert_eq!(server.get(&format!("/api/documents/{id}")).0, 200, "{id} was lost");
    }
    assert_eq!(after["documents"], 118 + 1 + written.len());
}

#[test]
fn a_generation_published_elsewhere_is_served_with_the_writes_made_meanwhile() {
    let (index, seeds) = (tempfile::tempdir().unwrap(), seed_copy());
    let (server, state) = reloadable(index.path(), seeds.path(), &data_dir());
    let served = IndexLayout::new(index.path()).current_generation().unwrap();
    let extra = "令和5年度「環境部の方針」(案)\n\n水辺\n\n- ▽ 親水公園を整備します。\n";
    fs::write(seeds.path().join("extra.txt"), extra).unwrap();
    // Three builds, as `hoshin index` runs would make: the served generation
    // falls out of the two kept, yet it is held, so it stays and takes writes.
    for _ in 0..3 {
        build_index(&IndexLayout::new(index.path()), inputs(seeds.path())).unwrap();
    }
    assert!(served.is_dir(), "the generation the server uses was removed");
    put(&server, "meanwhile", "河川敷にスケートパークを設けます。");
    assert_eq!(server.get("/api/documents/extra-001").0, 404, "not switched yet");

    assert!(state.live.published_elsewhere());
    state.live.serve_published();
    assert!(!state.live.published_elsewhere());
    let published = IndexLayout::new(index.path()).current_generation().unwrap();
    assert_eq!(health(&server)["generation"], published.file_name().unwrap().to_str().unwrap());
    assert_eq!(server.get("/api/documents/extra-001").0, 200, "the new seed is served");
    assert_eq!(server.get("/api/documents/meanwhile").0, 200, "the write its build did not see was replayed");
    assert_eq!(health(&server)["documents"], 118 + 2);
}

/// The real binary: SIGHUP reloads the word lists, and a `hoshin index` run
/// beside the server is served without a restart.
#[test]
fn sighup_and_hoshin_index_reach_a_running_server() {
    let (index, data, seeds) = (tempfile::tempdir().unwrap(), data_copy(), seed_copy());
    let server = Server::start_with_data(index.path(), seeds.path(), data.path(), &["--api-token", TOKEN]);
    put(&server, "api-written", "河川敷にスケートパークを設けます。");

    append(&data.path().join("synonyms.tsv"), "bibliotheca\t図書館\n");
    let hangup = std::process::Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap();
    assert!(hangup.success());
    eventually(Duration::from_secs(20), "SIGHUP reloads the synonyms", || {
        library_hits(&server, "bibliotheca") == LIBRARY_ITEMS
    });

    let extra = "令和5年度「環境部の方針」(案)\n\n水辺\n\n- ▽ 親水公園を整備します。\n";
    fs::write(seeds.path().join("extra.txt"), extra).unwrap();
    let [index, seeds, dictionary, data] =
        [index.path(), seeds.path(), &dictionary_dir(), data.path()].map(|path| path.to_str().unwrap().to_string());
    let indexed =
        hoshin(&["index", "--index", &index, "--seeds", &seeds, "--dictionary", &dictionary, "--data", &data]);
    assert!(indexed.status.success(), "{}", String::from_utf8_lossy(&indexed.stderr));
    eventually(Duration::from_secs(20), "the published generation is served", || {
        server.get("/api/documents/extra-001").0 == 200
    });
    assert_eq!(server.get("/api/documents/api-written").0, 200, "the API's document survived");
    assert_eq!(library_hits(&server, "bibliotheca"), LIBRARY_ITEMS, "the reloaded synonyms too");
}
