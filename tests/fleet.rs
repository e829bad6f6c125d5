//! Several `hoshin serve --store` processes on loopback following one real
//! PostgreSQL: writes through any node visible on all, concurrent writers,
//! nodes killed, restarted and added, the store going away and coming back.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::postgres::{shared, Cluster, PASSWORD};
use crate::util::{encode, seeds_dir, Client, Server};

const TOKEN: &str = "fleet-token-7a41";

/// How long a node may take to start and catch up, or a write to reach every node.
const PATIENCE: Duration = Duration::from_secs(60);

/// A store's address and its password in a file, as nodes are given them.
pub struct StoreAccess {
    pub url: String,
    password_file: tempfile::NamedTempFile,
}

impl StoreAccess {
    pub fn new(url: String) -> StoreAccess {
        let password_file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(password_file.path(), format!("{PASSWORD}\n")).unwrap();
        StoreAccess { url, password_file }
    }

    /// A new database of the shared cluster.
    pub fn shared() -> StoreAccess {
        StoreAccess::new(shared().database())
    }

    fn flags(&self) -> Vec<String> {
        vec![
            "--store".into(),
            self.url.clone(),
            "--store-password-file".into(),
            self.password_file.path().display().to_string(),
            "--api-token".into(),
            TOKEN.into(),
        ]
    }

    /// A node with an index root of its own.
    pub fn node(&self) -> Server {
        let flags = self.flags();
        Server::start_with(&seeds_dir(), &flags.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// A node on the index root `index`, which outlives it.
    pub fn node_at(&self, index: &Path) -> Server {
        let flags = self.flags();
        Server::start_at(index, &seeds_dir(), &flags.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

/// Waits until `node` reports itself caught up with its store.
pub fn wait_ready(node: &Server) -> Value {
    let started = Instant::now();
    loop {
        let (status, health) = node.get("/api/health");
        if status == 200 {
            return health;
        }
        assert_eq!((status, health["status"].as_str()), (503, Some("catching_up")), "{health}");
        assert!(started.elapsed() < PATIENCE, "{} never caught up: {health}", node.base);
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn document(id: &str, text: &str) -> Value {
    json!({ "id": id, "year": "令和5年度", "department": "環境部", "policy": "緑のまちづくり", "text": text })
}

/// Writes one document through `node`: its position.
pub fn put(node: &Server, id: &str, text: &str) -> u64 {
    let (status, answer) = node.send_json("PUT", &format!("/api/documents/{id}"), Some(TOKEN), &document(id, text));
    assert_eq!(status, 200, "{id} through {}: {answer}", node.base);
    answer["position"].as_u64().unwrap()
}

/// The ids `node` finds for `word` once it has applied `position`.
pub fn found(node: &Server, word: &str, position: u64) -> Vec<String> {
    let results = node.search(&format!("q={}&mode=lexical&limit=100&after={position}", encode(word)));
    let mut ids: Vec<String> =
        results["hits"].as_array().unwrap().iter().map(|hit| hit["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

#[test]
fn a_write_through_one_node_is_searchable_on_every_node() {
    let store = StoreAccess::shared();
    let nodes = [store.node(), store.node(), store.node()];
    for node in &nodes {
        let health = wait_ready(node);
        assert_eq!((health["store"]["kind"].as_str(), health["documents"].as_u64()), (Some("postgres"), Some(118)));
    }
    let written = put(&nodes[0], "fleet-1", "河川敷にスケートパークを設けます。");
    // The writing node has applied it when it answers; the others once asked to see it.
    assert_eq!(found(&nodes[0], "スケートパーク", 0), ["fleet-1"]);
    for node in &nodes {
        assert_eq!(found(node, "スケートパーク", written), ["fleet-1"], "{}", node.base);
    }
    let (status, deleted) = nodes[1].send_json("DELETE", "/api/documents/fleet-1", Some(TOKEN), &json!({}));
    assert_eq!(status, 200, "{deleted}");
    let deleted_at = deleted["position"].as_u64().unwrap();
    assert!(deleted_at > written);
    for node in &nodes {
        assert!(found(node, "スケートパーク", deleted_at).is_empty(), "{}", node.base);
        let health = node.get("/api/health").1;
        assert_eq!((health["applied"].as_u64(), health["lag"].as_u64()), (Some(deleted_at), Some(0)), "{health}");
    }
    let metrics = ureq::get(&format!("{}/metrics", nodes[2].base)).call().unwrap().into_string().unwrap();
    assert!(metrics.lines().any(|line| line == format!("hoshin_applied_position {deleted_at}")), "{metrics}");
}

#[test]
fn concurrent_writers_through_two_nodes_lose_nothing_and_every_node_agrees() {
    let store = StoreAccess::shared();
    let nodes = [store.node(), store.node()];
    nodes.iter().for_each(|node| drop(wait_ready(node)));
    const WRITERS_PER_NODE: usize = 3;
    const WRITES_EACH: usize = 10;
    let positions: Vec<u64> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..2 * WRITERS_PER_NODE)
            .map(|writer| {
                let node = &nodes[writer % 2];
                scope.spawn(move || {
                    (0..WRITES_EACH)
                        .map(|write| {
                            put(
                                node,
                                &format!("w{writer}-{write}"),
                                &format!("同時書き込み試験{writer}の{write}件目です。"),
                            )
                        })
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        writers.into_iter().flat_map(|writer| writer.join().unwrap()).collect()
    });
    let mut sorted = positions.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), positions.len(), "every write has a position of its own");
    let last = *sorted.last().unwrap();
    let expected = 2 * WRITERS_PER_NODE * WRITES_EACH;
    for node in &nodes {
        assert_eq!(found(node, "同時書き込み試験", last).len(), expected, "{}", node.base);
        assert_eq!(node.get("/api/health").1["documents"].as_u64(), Some(118 + expected as u64));
    }
}

#[test]
fn a_killed_node_catches_up_where_it_stopped_and_a_new_node_from_nothing() {
    let store = StoreAccess::shared();
    let writer = store.node();
    let root = tempfile::tempdir().unwrap();
    let follower = store.node_at(root.path());
    wait_ready(&writer);
    wait_ready(&follower);
    let before = put(&writer, "kill-0", "ペンギン館を改修します。");
    assert_eq!(found(&follower, "ペンギン館", before), ["kill-0"]);
    drop(follower); // SIGKILL
    let mut last = before;
    for write in 1..=5 {
        last = put(&writer, &format!("kill-{write}"), &format!("カピバラ広場{write}を整備します。"));
    }
    let restarted = store.node_at(root.path());
    wait_ready(&restarted);
    assert_eq!(found(&restarted, "カピバラ", last).len(), 5);
    assert_eq!(found(&restarted, "ペンギン館", last), ["kill-0"], "nothing applied before is lost or doubled");
    let added = store.node();
    let health = wait_ready(&added);
    assert_eq!(health["applied"].as_u64(), Some(last), "{health}");
    assert_eq!(found(&added, "カピバラ", last).len(), 5);
    assert_eq!(added.get("/api/health").1["documents"], restarted.get("/api/health").1["documents"]);
}

#[test]
fn while_the_store_is_away_searches_go_on_and_writes_answer_503() {
    let cluster = Cluster::start();
    let store = StoreAccess::new(cluster.database());
    let node = store.node();
    wait_ready(&node);
    let first = put(&node, "away-1", "アルパカ牧場を設けます。");
    cluster.stop_server("immediate");
    assert_eq!(found(&node, "アルパカ", first), ["away-1"], "searches answer from the local index");
    let (status, refused) =
        node.send_json("PUT", "/api/documents/away-2", Some(TOKEN), &document("away-2", "ラクダ公園を設けます。"));
    assert_eq!((status, refused["error"]["code"].as_str()), (503, Some("store_unavailable")), "{refused}");
    let started = Instant::now();
    while node.get("/api/health").1["store"]["state"] != "unavailable" {
        assert!(started.elapsed() < PATIENCE, "the store's absence is never reported");
        std::thread::sleep(Duration::from_millis(50));
    }
    cluster.start_server();
    let started = Instant::now();
    let again = loop {
        let (status, answer) =
            node.send_json("PUT", "/api/documents/away-2", Some(TOKEN), &document("away-2", "ラクダ公園を設けます。"));
        if status == 200 {
            break answer["position"].as_u64().unwrap();
        }
        assert_eq!(status, 503, "{answer}");
        assert!(started.elapsed() < PATIENCE, "writes never resume");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(again, first + 1, "the refused write was never written");
    assert_eq!(found(&node, "ラクダ", again), ["away-2"]);
}
