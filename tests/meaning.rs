//! Finding by meaning with the real e5 model: what hybrid search adds to
//! the words, the three modes, filters and totals, similar items, vectors
//! kept in step with writes, rebuilds and restarts, and a server without a
//! model.

use serde_json::{json, Value};

use crate::util::{
    app_state, data_dir, dictionary_dir, encode, hit_ids, hoshin, meaning, seed, seed_copy, seeds_dir, sources,
    wait_for_vectors, Client, TestApp,
};
use hoshin_server::{ApiTokens, HttpConfig, MeaningConfig, Sources};

const TOKEN: &str = "meaning-token-7a2e";

fn matched_by(hit: &Value) -> Vec<&str> {
    hit["matched_by"].as_array().unwrap().iter().map(|way| way.as_str().unwrap()).collect()
}

#[test]
fn a_question_in_everyday_words_finds_its_item_by_meaning_alone() {
    let server = &seed().app;
    let results = server.search(&format!("q={}", encode("家賃が払えない")));
    let ids = hit_ids(&results);
    // 生活困窮者へのアウトリーチによる自立相談支援: no word in common with the question.
    assert!(ids[..3].contains(&"komae-2022-policies-055".to_string()), "{ids:?}");
    assert_eq!(results["total"], results["meaning_total"]);
    assert!(results["total"].as_u64().unwrap() <= 50);
    for hit in results["hits"].as_array().unwrap() {
        assert_eq!(matched_by(hit), ["meaning"], "{hit}");
        let similarity = hit["similarity"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&similarity));
    }
    let lexical = server.search(&format!("q={}&mode=lexical", encode("家賃が払えない")));
    assert_eq!(lexical["total"], 0);
    let semantic = server.search(&format!("q={}&mode=semantic", encode("家賃が払えない")));
    assert_eq!(hit_ids(&semantic), ids, "with no word matching, hybrid is meaning's ranking");
}

#[test]
fn items_matching_every_word_keep_their_ranks_and_meaning_follows() {
    let server = &seed().app;
    for query in ["図書館", "ごみ"] {
        let lexical = server.search(&format!("q={}&mode=lexical&limit=100", encode(query)));
        let hybrid = server.search(&format!("q={}&limit=100", encode(query)));
        let strict = lexical["relaxation"]["exact_total"].as_u64().unwrap_or(lexical["total"].as_u64().unwrap());
        let strict = strict as usize;
        assert_eq!(hit_ids(&hybrid)[..strict], hit_ids(&lexical)[..strict], "{query}");
        let added = hybrid["meaning_total"].as_u64().unwrap();
        assert!(added > 0, "{query}: few word matches, so meaning adds some");
        assert_eq!(hybrid["total"].as_u64().unwrap(), lexical["total"].as_u64().unwrap() + added, "{query}");
        let hits = hybrid["hits"].as_array().unwrap();
        assert!(hits[..strict].iter().all(|hit| matched_by(hit)[0] == "words"), "{query}");
        assert!(hits[strict..].iter().any(|hit| matched_by(hit) == ["meaning"]), "{query}");
    }
    // What is excluded stays out, whoever found it.
    let excluded = server.search(&format!("q={}&limit=100", encode("図書館 -ワークショップ")));
    assert!(excluded["meaning_total"].as_u64().unwrap() > 0);
    for hit in excluded["hits"].as_array().unwrap() {
        assert!(!hit["text"].as_str().unwrap().contains("ワークショップ"), "{hit}");
    }
    // Words that match ten items or more leave meaning out.
    let many = server.search(&format!("q={}", encode("推進")));
    assert_eq!(many["meaning_total"], 0);
    assert!(many["hits"].as_array().unwrap().iter().all(|hit| hit.get("similarity").is_none()));
}

#[test]
fn filters_pages_facets_and_sorts_agree_with_what_meaning_adds() {
    let server = &seed().app;
    let query = encode("親に怪しい電話がかかってくる");
    let all = server.search(&format!("q={query}&limit=100"));
    let pages = [0, 4, 8].map(|offset| hit_ids(&server.search(&format!("q={query}&limit=4&offset={offset}"))));
    assert_eq!(pages.concat(), hit_ids(&all)[..12]);
    for facet in all["facets"]["department"].as_array().unwrap() {
        let department = facet["value"].as_str().unwrap();
        let filtered = server.search(&format!("q={query}&limit=100&department={}", encode(department)));
        assert_eq!(filtered["total"], facet["count"], "{department}");
        assert_eq!(filtered["hits"].as_array().unwrap().len() as u64, facet["count"].as_u64().unwrap());
        assert_eq!(filtered["facets"]["department"], all["facets"]["department"], "its own choice left out");
        let within: u64 =
            filtered["facets"]["fiscal_year"].as_array().unwrap().iter().map(|y| y["count"].as_u64().unwrap()).sum();
        assert_eq!(Some(within), facet["count"].as_u64(), "the other facets count within it");
    }
    let newest = server.search(&format!("q={query}&limit=100&sort=newest"));
    assert_eq!(newest["total"], all["total"]);
    let mut sorted = hit_ids(&newest);
    let mut relevant = hit_ids(&all);
    sorted.sort();
    relevant.sort();
    assert_eq!(sorted, relevant, "the same items, in another order");
    let explained = server.search(&format!("q={query}&limit=1&explain=true"));
    assert!(explained["hits"][0]["explanation"]["similarity"].as_f64().is_some());
}

#[test]
fn similar_items_are_the_nearest_others_within_the_filters() {
    let server = &seed().app;
    let (status, similar) = server.get("/api/documents/komae-2022-policies-055/similar?limit=5");
    assert_eq!(status, 200, "{similar}");
    let items = similar["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|item| item["id"] != "komae-2022-policies-055"));
    let similarities: Vec<f64> = items.iter().map(|item| item["similarity"].as_f64().unwrap()).collect();
    assert!(similarities.windows(2).all(|pair| pair[0] >= pair[1]), "{similarities:?}");
    let (status, filtered) =
        server.get(&format!("/api/documents/komae-2022-policies-055/similar?department={}", encode("教育部")));
    assert_eq!(status, 200);
    assert!(filtered["items"].as_array().unwrap().iter().all(|item| item["department"] == "教育部"));
    let (status, none) = server.get("/api/documents/komae-2022-policies-055/similar?year_from=2030");
    assert_eq!((status, none["items"].as_array().unwrap().len()), (200, 0));
    assert_eq!(server.get("/api/documents/no-such-item/similar").0, 404);
    assert_eq!(server.get("/api/documents/komae-2022-policies-055/similar?limit=0").0, 400);
}

#[test]
fn odd_queries_get_an_answer_in_every_mode() {
    let server = &seed().app;
    let long: String = "ごみの出し方がわからない😀".chars().cycle().take(1000).collect();
    for query in ["😀", "مرحبا", "안녕하세요 쓰레기", "ⓐⓑ", "\u{200b}x", long.as_str()] {
        for mode in ["hybrid", "lexical", "semantic"] {
            let (status, body) = server.get(&format!("/api/search?q={}&mode={mode}", encode(query)));
            assert_eq!(status, 200, "{query} {mode}: {body}");
        }
    }
    let (status, body) = server.get(&format!("/api/search?q={}&mode=vector", encode("ごみ")));
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_mode")));
    let (status, body) = server.get(&format!("/api/search?q={}", "x".repeat(10_000)));
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("query_too_long")));
}

/// A writable application over its own index at `index`, finding by meaning with the shared model.
fn writable(index: &std::path::Path, seeds: &std::path::Path) -> TestApp {
    let sources = Sources { meaning: MeaningConfig::Shared(meaning()), ..sources(index, seeds, &data_dir()) };
    let state = app_state(sources, ApiTokens::new([TOKEN]));
    wait_for_vectors(&state.live);
    TestApp::new(state, &HttpConfig::default())
}

fn item(id: &str, text: &str) -> Value {
    json!({ "id": id, "year": "令和6年度", "department": "環境部", "policy": "住環境の保全", "text": text })
}

#[test]
fn a_written_item_is_found_by_meaning_and_a_deleted_one_never_again() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable(index.path(), seeds.path());
    let text = "相続などで管理されないまま放置された家屋について、所有者への助言と解体費用の補助を行います。";
    let (status, _) = server.send_json("PUT", "/api/documents/vacant-1", Some(TOKEN), &item("vacant-1", text));
    assert_eq!(status, 200);
    let vectors = |server: &TestApp| server.get("/api/health").1["vectors"].clone();
    let started = std::time::Instant::now();
    while vectors(&server)["state"] != "ready" {
        assert!(started.elapsed().as_secs() < 120, "{}", vectors(&server));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(vectors(&server)["embedded"], 119);
    let question = format!("q={}&mode=semantic&limit=3", encode("実家が空き家になって困っている"));
    assert!(hit_ids(&server.search(&question)).contains(&"vacant-1".to_string()));

    assert_eq!(server.send_json("DELETE", "/api/documents/vacant-1", Some(TOKEN), &json!({})).0, 200);
    assert!(!hit_ids(&server.search(&question.replace("limit=3", "limit=100"))).contains(&"vacant-1".to_string()));
    assert_eq!(server.get("/api/documents/vacant-1/similar").0, 404);
}

#[test]
fn rebuilds_and_restarts_embed_no_text_twice() {
    let index = tempfile::tempdir().unwrap();
    let root = index.path().to_str().unwrap();
    let seeds = seeds_dir();
    let (model, dictionary) = (hoshin_embed::Embedder::default_path(), dictionary_dir());
    let [seeds, model, dictionary] = [&seeds, &model, &dictionary].map(|path| path.to_str().unwrap());
    let args = ["index", "--index", root, "--seeds", seeds, "--dictionary", dictionary, "--model", model];
    let first = hoshin(&args);
    let first_out = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{first:?}");
    assert!(first_out.contains("vectors of 118 items: 0 distinct texts cached already, 118 embedded"), "{first_out}");
    let again = hoshin(&args);
    let again_out = String::from_utf8_lossy(&again.stdout);
    assert!(again_out.contains("vectors of 118 items: 118 distinct texts cached already, 0 embedded"), "{again_out}");
}

#[test]
fn without_a_model_the_server_searches_by_words_and_says_why() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let missing = index.path().join("no-model.bin");
    let config = MeaningConfig::Load { model: missing.clone(), query_vectors: 0 };
    let state = app_state(
        Sources { meaning: config, ..sources(index.path(), seeds.path(), &data_dir()) },
        ApiTokens::default(),
    );
    let server = TestApp::new(state, &HttpConfig::default());
    let (_, health) = server.get("/api/health");
    assert_eq!(health["vectors"]["state"], "off", "{health}");
    assert!(health["vectors"]["reason"].as_str().unwrap().contains("no-model.bin"), "{health}");
    let results = server.search(&format!("q={}", encode("図書館")));
    assert_eq!(results["meaning_total"], 0);
    assert!(results["total"].as_u64().unwrap() > 0);
    let (status, body) = server.get("/api/documents/komae-2022-policies-055/similar");
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("meaning_unavailable")));
}
