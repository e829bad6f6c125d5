//! Several `hoshin serve --store` processes on loopback following one real
//! PostgreSQL: writes through any node visible on all, concurrent writers,
//! nodes killed, restarted and added, the store going away and coming back.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::postgres::{shared, Cluster, PASSWORD, ROLE};
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

/// Writes one document through `node`: the status and the answer, whatever they are.
fn try_put(node: &Server, id: &str, text: &str) -> (u16, Value) {
    node.send_json("PUT", &format!("/api/documents/{id}"), Some(TOKEN), &document(id, text))
}

#[test]
fn the_store_fails_over_to_its_standby_and_no_acknowledged_write_is_lost() {
    let primary = Cluster::start();
    let database = primary.database().rsplit('/').next().unwrap().to_string();
    let standby = Cluster::standby_of(&primary);
    // From now on every commit waits for the standby, so whatever a write acknowledged is on it.
    primary.sql("postgres", "ALTER SYSTEM SET synchronous_standby_names = '*'");
    primary.sql("postgres", "SELECT pg_reload_conf()");
    let started = Instant::now();
    while primary.sql("postgres", "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") != "1" {
        assert!(started.elapsed() < PATIENCE, "the standby never streams");
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!(
        "postgres://{ROLE}@127.0.0.1:{},127.0.0.1:{}/{database}?target_session_attrs=read-write",
        primary.port, standby.port
    );
    let store = StoreAccess::new(url);
    let nodes = [store.node(), store.node()];
    nodes.iter().for_each(|node| drop(wait_ready(node)));
    let mut acknowledged = Vec::new();
    for write in 0..5 {
        let id = format!("before-{write}");
        put(&nodes[write % 2], &id, "フェイルオーバー試験の項目です。");
        acknowledged.push(id);
    }

    let killed = Instant::now();
    primary.stop_server("immediate");
    // Until a standby is promoted, no write may claim success.
    let mut refused = 0;
    while killed.elapsed() < Duration::from_secs(2) {
        let (status, answer) = try_put(&nodes[1], &format!("outage-{refused}"), "フェイルオーバー試験の項目です。");
        assert_eq!((status, answer["error"]["code"].as_str()), (503, Some("store_unavailable")), "{answer}");
        refused += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(nodes[0].search(&format!("q={}", encode("フェイルオーバー試験")))["total"], 5, "searches go on");
    standby.promote();
    let promoted = Instant::now();
    let mut attempt = 0;
    let resumed = loop {
        let id = format!("after-{attempt}");
        let (status, answer) = try_put(&nodes[attempt % 2], &id, "フェイルオーバー試験の項目です。");
        attempt += 1;
        if status == 200 {
            acknowledged.push(id);
            break Instant::now();
        }
        assert_eq!((status, answer["error"]["code"].as_str()), (503, Some("store_unavailable")), "{answer}");
        assert!(promoted.elapsed() < PATIENCE, "writes never resume after the promotion");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut last = 0;
    for write in 0..5 {
        let id = format!("resumed-{write}");
        last = put(&nodes[write % 2], &id, "フェイルオーバー試験の項目です。");
        acknowledged.push(id);
    }
    acknowledged.sort();
    for node in &nodes {
        assert_eq!(found(node, "フェイルオーバー試験", last), acknowledged, "{}", node.base);
    }
    eprintln!(
        "failover: writes resumed {:.2} s after the primary was killed, {:.2} s after the standby was promoted; {refused} writes refused meanwhile, none acknowledged",
        (resumed - killed).as_secs_f64(),
        (resumed - promoted).as_secs_f64()
    );
}

/// HAProxy in front of nodes, checking each one's `/api/health`; stopped when dropped.
struct Balancer {
    process: std::process::Child,
    base: String,
    _directory: tempfile::TempDir,
}

impl Balancer {
    fn start(nodes: &[&Server]) -> Balancer {
        let directory = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let servers: String = nodes
            .iter()
            .enumerate()
            .map(|(number, node)| {
                format!("    server node{number} {} check\n", node.base.trim_start_matches("http://"))
            })
            .collect();
        let config = format!(
            "global\n    maxconn 512\n\
             defaults\n    mode http\n    timeout connect 1s\n    timeout client 10s\n    timeout server 10s\n\
             \x20   retries 3\n    option redispatch 1\n    retry-on conn-failure empty-response\n\
             frontend searches\n    bind 127.0.0.1:{port}\n    default_backend nodes\n\
             backend nodes\n    balance roundrobin\n    option httpchk GET /api/health\n    http-check expect status 200\n\
             \x20   default-server inter 200ms fall 1 rise 2\n{servers}"
        );
        let path = directory.path().join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let process = std::process::Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("haproxy: run `make test`, which installs it (scripts/install-system-deps store)");
        let balancer = Balancer { process, base: format!("http://127.0.0.1:{port}"), _directory: directory };
        let started = Instant::now();
        while ureq::get(&format!("{}/api/health", balancer.base)).call().is_err() {
            assert!(started.elapsed() < PATIENCE, "haproxy never answers");
            std::thread::sleep(Duration::from_millis(50));
        }
        balancer
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[test]
fn behind_a_balancer_a_node_dying_under_load_costs_no_search() {
    let store = StoreAccess::shared();
    let nodes = [store.node(), store.node()];
    nodes.iter().for_each(|node| drop(wait_ready(node)));
    let [first, second] = nodes;
    let balancer = Balancer::start(&[&first, &second]);
    const CLIENTS: usize = 4;
    const SEARCHES_EACH: usize = 150;
    let answered = std::sync::atomic::AtomicUsize::new(0);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let (base, answered) = (&balancer.base, &answered);
                scope.spawn(move || {
                    let words = ["図書館", "公園", "防災", "子育て", "DX"];
                    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
                    (0..SEARCHES_EACH)
                        .filter_map(|search| {
                            let word = words[(client + search) % words.len()];
                            let url = format!("{base}/api/search?q={}&mode=lexical", encode(word));
                            let outcome = agent.get(&url).call();
                            answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            match outcome {
                                Ok(response) if response.status() == 200 => None,
                                Ok(response) => Some(format!("{word}: {}", response.status())),
                                Err(error) => Some(format!("{word}: {error}")),
                            }
                        })
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        // One node dies (SIGKILL) a third of the way through.
        while answered.load(std::sync::atomic::Ordering::Relaxed) < CLIENTS * SEARCHES_EACH / 3 {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(second);
        clients.into_iter().flat_map(|client| client.join().unwrap()).collect()
    });
    assert_eq!(failures, Vec::<String>::new(), "searches failed while a node died");
    drop(first);
}

#[test]
fn a_store_restored_from_pg_dump_rebuilds_the_same_index() {
    let store = StoreAccess::shared();
    let node = store.node();
    wait_ready(&node);
    put(&node, "dump-1", "バックアップ試験の一件目です。");
    put(&node, "dump-2", "バックアップ試験の二件目です。");
    let (status, _) = node.send_json("DELETE", "/api/documents/komae-2022-policies-001", Some(TOKEN), &json!({}));
    assert_eq!(status, 200);
    let dump = tempfile::NamedTempFile::new().unwrap();
    let database = store.url.rsplit('/').next().unwrap();
    let output = std::process::Command::new("pg_dump")
        .args(["-h", "127.0.0.1", "-p", &shared().port.to_string(), "-U", ROLE, "-d", database])
        .arg("-f")
        .arg(dump.path())
        .env("PGPASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(output.status.success(), "pg_dump: {}", String::from_utf8_lossy(&output.stderr));
    let restored = StoreAccess::shared();
    let restored_database = restored.url.rsplit('/').next().unwrap().to_string();
    shared().sql(&restored_database, &format!("\\i {}", dump.path().display()));

    // `hoshin index --store` builds the seeds and the restored store into a new index root.
    let root = tempfile::tempdir().unwrap();
    let index = root.path().display().to_string();
    let password = restored.password_file.path().display().to_string();
    let output = crate::util::hoshin(&[
        "index",
        "--index",
        &index,
        "--dictionary",
        &crate::util::dictionary_dir().display().to_string(),
        "--seeds",
        &seeds_dir().display().to_string(),
        "--store",
        &restored.url,
        "--store-password-file",
        &password,
    ]);
    assert!(output.status.success(), "hoshin index: {}", String::from_utf8_lossy(&output.stderr));
    let rebuilt = restored.node_at(root.path());
    assert_eq!(wait_ready(&rebuilt)["documents"], node.get("/api/health").1["documents"]);
    assert_eq!(every_item(&rebuilt), every_item(&node));
}

/// Every item a node serves, id and text, browsed in id order.
fn every_item(node: &Server) -> Vec<(String, String)> {
    let mut items = Vec::new();
    loop {
        let page = node.search(&format!("limit=100&offset={}", items.len()));
        let hits = page["hits"].as_array().unwrap();
        if hits.is_empty() {
            return items;
        }
        items.extend(
            hits.iter().map(|hit| (hit["id"].as_str().unwrap().to_string(), hit["text"].as_str().unwrap().to_string())),
        );
    }
}

#[test]
fn a_node_whose_history_the_store_lost_rebuilds_from_the_store() {
    let store = StoreAccess::shared();
    let node = store.node();
    wait_ready(&node);
    put(&node, "kept-1", "イルカ水槽を整備します。");
    let lost = put(&node, "lost-2", "シャチ水槽を整備します。");
    assert_eq!(found(&node, "シャチ", lost), ["lost-2"]);
    // As after a failover to a standby that never received batch 2, which then took another.
    let database = store.url.rsplit('/').next().unwrap().to_string();
    shared().sql(&database, &format!("DELETE FROM hoshin_batches WHERE position = {lost}"));
    let other = put(&node, "other-2", "ラッコ水槽を整備します。");
    assert_eq!(other, lost, "the store numbers the next batch where the lost one was");
    let started = Instant::now();
    while found(&node, "ラッコ", 0).is_empty() || !found(&node, "シャチ", 0).is_empty() {
        assert!(started.elapsed() < PATIENCE, "the node never left the lost history");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(found(&node, "イルカ", other), ["kept-1"]);
    assert_eq!(wait_ready(&node)["applied"].as_u64(), Some(other));
}
