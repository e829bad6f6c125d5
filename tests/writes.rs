//! Writing through the API: tokens, atomic batches and imports in process;
//! persistence across restarts, rebuilds and SIGKILL with the real server.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};

use crate::util::{encode, hit_ids, seed_copy, Client, Server, TestApp};

const TOKEN: &str = "test-token-5f1c";

/// The server process over `index`, accepting [`TOKEN`].
fn writable(seeds: &std::path::Path, index: &std::path::Path) -> Server {
    Server::start_at(index, seeds, &["--api-token", TOKEN])
}

/// The application in process over `index`, accepting [`TOKEN`].
fn writable_app(seeds: &std::path::Path, index: &std::path::Path) -> TestApp {
    TestApp::writable(index, seeds, TOKEN)
}

fn document(id: &str, text: &str) -> Value {
    json!({ "id": id, "year": "令和5年度", "department": "環境部", "policy": "緑のまちづくり", "text": text })
}

fn documents(server: &impl Client) -> u64 {
    server.get("/api/health").1["documents"].as_u64().unwrap()
}

#[test]
fn writes_need_a_valid_token_and_change_nothing_without_one() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable_app(seeds.path(), index.path());
    let body = document("park-1", "河川敷にスケートパークを設けます。");
    for token in [None, Some("wrong"), Some("")] {
        let (status, answer) = server.send_json("PUT", "/api/documents/park-1", token, &body);
        assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthorized")), "{token:?}");
    }
    let (status, _) = server.send_json("DELETE", "/api/documents/komae-2022-policies-001", None, &json!({}));
    assert_eq!(status, 401);
    assert_eq!(documents(&server), 118);
    assert_eq!(server.get("/api/documents/komae-2022-policies-001").0, 200);
}

#[test]
fn a_written_document_is_searchable_at_once_and_survives_a_restart() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable(seeds.path(), index.path());
    let (status, answer) = server.send_json(
        "PUT",
        "/api/documents/park-1",
        Some(TOKEN),
        &document("park-1", "河川敷にスケートパークを設けます。"),
    );
    assert_eq!(status, 200, "{answer}");
    let position = answer["position"].as_u64().unwrap();
    assert!(position > 0, "the journal's length after the write: {answer}");
    let found = server.search(&format!("q={}&after={position}", encode("スケートパーク")));
    assert_eq!(found["hits"][0]["id"], "park-1");
    assert_eq!(found["hits"][0]["fiscal_year"], 2023);
    let (status, answer) =
        server.send_json("DELETE", "/api/documents/komae-2022-policies-009", Some(TOKEN), &json!({}));
    assert_eq!((status, &answer["deleted"]), (200, &json!("komae-2022-policies-009")));
    assert!(server.get("/api/health").1["last_commit"].as_u64().is_some());
    drop(server);

    let restarted = writable(seeds.path(), index.path());
    assert_eq!(restarted.get("/api/documents/park-1").0, 200);
    assert_eq!(restarted.get("/api/documents/komae-2022-policies-009").0, 404);
    assert_eq!(documents(&restarted), 118);
}

#[test]
fn rebuilding_from_changed_seeds_keeps_what_the_api_wrote() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable(seeds.path(), index.path());
    server.send_json("PUT", "/api/documents/park-1", Some(TOKEN), &document("park-1", "スケートパークを設けます。"));
    server.send_json("DELETE", "/api/documents/komae-2022-policies-009", Some(TOKEN), &json!({}));
    drop(server);

    let extra = "令和5年度「環境部の方針」(案)\n\n水辺\n\n- ▽ 親水公園を整備します。\n";
    std::fs::write(seeds.path().join("extra.txt"), extra).unwrap();
    let rebuilt = writable(seeds.path(), index.path());
    assert_eq!(rebuilt.get("/api/documents/extra-001").0, 200, "the changed seeds were indexed");
    assert_eq!(rebuilt.get("/api/documents/park-1").0, 200, "the API's document survived the rebuild");
    assert_eq!(rebuilt.get("/api/documents/komae-2022-policies-009").0, 404, "so did its delete");
    assert_eq!(documents(&rebuilt), 119);
}

#[test]
fn a_batch_is_written_whole_or_not_at_all() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable_app(seeds.path(), index.path());
    let mut batch = vec![document("b-1", "一つ目"), document("b-2", "二つ目")];
    batch.push(json!({ "id": "b-3", "year": "令和5年度", "department": "環境部", "policy": "見出し", "text": "" }));
    let (status, answer) = server.send_json("POST", "/api/documents", Some(TOKEN), &json!({ "documents": batch }));
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_document")), "{answer}");
    assert_eq!(server.get("/api/documents/b-1").0, 404);

    batch.pop();
    let (status, answer) = server.send_json("POST", "/api/documents", Some(TOKEN), &json!({ "documents": batch }));
    assert_eq!((status, &answer["written"]), (200, &json!(2)));
    assert_eq!(documents(&server), 120);

    let too_many: Vec<Value> = (0..1001).map(|n| document(&format!("m-{n}"), "多すぎる")).collect();
    let (status, answer) = server.send_json("POST", "/api/documents", Some(TOKEN), &json!({ "documents": too_many }));
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("batch_too_large")));
    // The declared length alone is refused; the body is never read.
    let declared_too_large = Request::builder()
        .method("POST")
        .uri("/api/documents")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .header("content-length", 9 * 1024 * 1024)
        .body(Body::empty())
        .unwrap();
    let (status, _, answer) = server.call(declared_too_large);
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("payload_too_large")));
    let (status, answer) = server.send("POST", "/api/documents", Some(TOKEN), "application/json", b"{\"documents\": [");
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("malformed_request")));
    assert_eq!(documents(&server), 120);
}

#[test]
fn equal_scores_rank_by_id_whichever_order_the_items_were_written_in() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable_app(seeds.path(), index.path());
    let text = "河川敷にスケートパークを設けます。";
    let batch: Vec<Value> = ["park-c", "park-a", "park-b"].iter().map(|id| document(id, text)).collect();
    let (status, answer) = server.send_json("POST", "/api/documents", Some(TOKEN), &json!({ "documents": batch }));
    assert_eq!(status, 200, "{answer}");
    for sort in ["", "&sort=newest", "&sort=oldest"] {
        let found = server.search(&format!("q={}{sort}", encode("スケートパーク")));
        assert_eq!(hit_ids(&found), ["park-a", "park-b", "park-c"], "{sort}");
    }
}

#[test]
fn policy_text_files_import_in_the_seed_format_and_unreadable_ones_are_refused() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable_app(seeds.path(), index.path());
    let text = "令和5年度「環境部の方針」(案)\n\n水辺\n\n- ▽ 親水公園を整備します。\n- ▽ 水辺の生き物を調べます。\n";
    let (status, answer) =
        server.send("POST", "/api/import?file=r5-env.txt", Some(TOKEN), "text/plain", text.as_bytes());
    assert_eq!((status, &answer["written"]), (200, &json!(2)), "{answer}");
    assert_eq!(server.get("/api/documents/r5-env-002").1["policy"], "水辺");
    let without_year = "水辺\n- ▽ 年度の分からない項目\n";
    let (status, answer) =
        server.send("POST", "/api/import?file=bad.txt", Some(TOKEN), "text/plain", without_year.as_bytes());
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("no_fiscal_year")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().starts_with("bad.txt: "), "{answer}");
    let (status, answer) =
        server.send("POST", "/api/import?file=bad.txt", Some(TOKEN), "text/plain", &[0x82, 0x0a, 0x81]);
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("unreadable_document")), "{answer}");
}

#[test]
fn searches_keep_answering_while_batches_are_written() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = writable_app(seeds.path(), index.path());
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            for _ in 0..60 {
                let (status, body) = server.get(&format!("/api/search?q={}", encode("図書館")));
                assert_eq!(status, 200, "{body}");
                assert!(body["total"].as_u64().unwrap() >= 3);
            }
        });
        for round in 0..5 {
            let batch: Vec<Value> = (0..50).map(|n| document(&format!("w-{round}-{n}"), "図書館の整備")).collect();
            let (status, answer) =
                server.send_json("POST", "/api/documents", Some(TOKEN), &json!({ "documents": batch }));
            assert_eq!(status, 200, "{answer}");
        }
        reader.join().unwrap();
    });
    assert_eq!(documents(&server), 118 + 250);
}

/// SIGKILL in the middle of large batch writes: after a restart the index
/// opens, the earlier commit is intact, and each batch is wholly there or absent.
#[test]
fn a_sigkill_mid_batch_loses_no_commit_and_leaves_no_half_batch() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    // A 1,000-document batch takes about half a second here: the early kills
    // land while it is sent or indexed, the last after it is committed.
    for (trial, delay_ms) in [5u64, 40, 120, 400, 3000].into_iter().enumerate() {
        let server = writable(seeds.path(), index.path());
        let earlier = format!("earlier-{trial}");
        let (status, _) =
            server.send_json("PUT", &format!("/api/documents/{earlier}"), Some(TOKEN), &document(&earlier, "先の項目"));
        assert_eq!(status, 200);
        let batch: Vec<Value> = (0..1000)
            .map(|n| document(&format!("crash-{trial}-{n}"), &"大きな一括書き込みの本文。".repeat(20)))
            .collect();
        let body = json!({ "documents": batch }).to_string();
        let pid = server.pid();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let _ = ureq::post(&format!("{}/api/documents", server.base))
                    .set("Authorization", &format!("Bearer {TOKEN}"))
                    .set("Content-Type", "application/json")
                    .send_string(&body);
            });
            std::thread::sleep(Duration::from_millis(delay_ms));
            let killed = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
            assert!(killed.success());
        });
        drop(server);

        let restarted = writable(seeds.path(), index.path());
        for earlier_trial in 0..=trial {
            let id = format!("earlier-{earlier_trial}");
            assert_eq!(restarted.get(&format!("/api/documents/{id}")).0, 200, "trial {trial}: {id} lost");
        }
        let present =
            restarted.search(&format!("q={}&limit=1", encode("大きな一括書き込み")))["total"].as_u64().unwrap();
        let this_batch =
            (0..1000).filter(|n| restarted.get(&format!("/api/documents/crash-{trial}-{n}")).0 == 200).count();
        assert!(this_batch == 0 || this_batch == 1000, "trial {trial}: {this_batch} of 1000 survived");
        assert_eq!(present % 1000, 0, "trial {trial}: {present} crash documents in all");
    }
}
