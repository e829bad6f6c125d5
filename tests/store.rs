//! The PostgreSQL store against a real PostgreSQL: commit order under
//! concurrent appends, reading back, divergence, notifications, passwords.

use std::sync::Arc;
use std::time::Duration;

use hoshin_analysis::{PolicyItem, Source};
use hoshin_indexer::{Batch, Operation};
use hoshin_store::{Applied, Store, StoreError};

use crate::postgres::{shared, PASSWORD};

fn item(id: &str, text: &str) -> PolicyItem {
    PolicyItem {
        id: id.to_string(),
        year: "令和5年度".to_string(),
        fiscal_year: 2023,
        department: "環境部".to_string(),
        policy: "緑のまちづくり".to_string(),
        municipality: Some("狛江市".to_string()),
        path: Vec::new(),
        text: text.to_string(),
        source: Source { file: "api".to_string(), line: 1, page: None, title: None, url: None, ocr: false },
    }
}

fn put(id: &str) -> Batch {
    vec![Operation::Put(item(id, &format!("{id}の本文です。")))]
}

async fn open(url: &str) -> Store {
    Store::open(url, Some(PASSWORD)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_are_numbered_in_commit_order_and_read_back_whole() {
    let url = tokio::task::spawn_blocking(|| shared().database()).await.unwrap();
    let store = open(&url).await;
    // Whatever JSON holds comes back as written, a NUL character too (which jsonb refuses).
    let batches = [
        put("a-1"),
        vec![Operation::Delete("a-1".into()), Operation::Put(item("a-2", "「引用」と\n改行\u{0}"))],
        put("a-3"),
    ];
    for (expected, batch) in (1..).zip(&batches) {
        assert_eq!(store.append(batch).await.unwrap(), expected);
    }
    assert_eq!(store.head().await.unwrap(), 3);
    let read = store.after(&Applied::default(), 100).await.unwrap();
    assert_eq!(read.iter().map(|stored| stored.position).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(read.iter().map(|stored| stored.batch.clone()).collect::<Vec<_>>(), batches);
    let applied = Applied { position: 2, chain: read[1].chain.clone() };
    assert_eq!(store.after(&applied, 100).await.unwrap(), read[2..]);
    assert_eq!(store.after(&Applied { position: 0, chain: Vec::new() }, 1).await.unwrap(), read[..1]);
    // Opening again migrates nothing and loses nothing.
    assert_eq!(open(&url).await.head().await.unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appenders_on_two_nodes_never_let_a_follower_skip_a_batch() {
    let url = tokio::task::spawn_blocking(|| shared().database()).await.unwrap();
    let nodes = [Arc::new(open(&url).await), Arc::new(open(&url).await)];
    let follower = open(&url).await;
    const WRITERS_PER_NODE: usize = 4;
    const BATCHES_EACH: usize = 25;
    let mut writers = Vec::new();
    for (node, store) in nodes.iter().enumerate() {
        for writer in 0..WRITERS_PER_NODE {
            let store = Arc::clone(store);
            writers.push(tokio::spawn(async move {
                for batch in 0..BATCHES_EACH {
                    store.append(&put(&format!("n{node}-w{writer}-b{batch}"))).await.unwrap();
                }
            }));
        }
    }
    // Follows while the writers write, as a node does: whatever it reads must
    // go on exactly where it stopped.
    let total = (2 * WRITERS_PER_NODE * BATCHES_EACH) as u64;
    let mut applied = Applied::default();
    let mut seen = std::collections::HashSet::new();
    while applied.position < total {
        for stored in follower.after(&applied, 7).await.unwrap() {
            assert_eq!(stored.position, applied.position + 1, "a batch was skipped");
            let Operation::Put(item) = &stored.batch[0] else { panic!() };
            assert!(seen.insert(item.id.clone()), "{} twice", item.id);
            applied = Applied { position: stored.position, chain: stored.chain };
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(seen.len() as u64, total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_learns_when_the_store_no_longer_holds_what_it_applied() {
    let cluster = tokio::task::spawn_blocking(shared).await.unwrap();
    let url = tokio::task::spawn_blocking(|| shared().database()).await.unwrap();
    let store = open(&url).await;
    store.append(&put("d-1")).await.unwrap();
    store.append(&put("d-2")).await.unwrap();
    let read = store.after(&Applied::default(), 10).await.unwrap();
    let applied = Applied { position: 2, chain: read[1].chain.clone() };
    // As a standby that never received batch 2 would be after a failover, and then took another.
    let database = url.rsplit('/').next().unwrap().to_string();
    tokio::task::spawn_blocking(move || cluster.sql(&database, "DELETE FROM hoshin_batches WHERE position = 2"))
        .await
        .unwrap();
    assert!(matches!(store.after(&applied, 10).await, Err(StoreError::Diverged { position: 2 })));
    store.append(&put("other-2")).await.unwrap();
    assert!(matches!(store.after(&applied, 10).await, Err(StoreError::Diverged { position: 2 })));
    let before = Applied { position: 1, chain: read[0].chain.clone() };
    assert_eq!(store.after(&before, 10).await.unwrap().len(), 1, "a node behind it goes on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_hears_every_append_and_passwords_stay_off_the_address() {
    let url = tokio::task::spawn_blocking(|| shared().database()).await.unwrap();
    let store = open(&url).await;
    let mut listener = store.listen().await.unwrap();
    let other = open(&url).await;
    other.append(&put("l-1")).await.unwrap();
    assert!(tokio::time::timeout(Duration::from_secs(5), listener.heard()).await.unwrap());

    let with_password = url.replacen("hoshin@", &format!("hoshin:{PASSWORD}@"), 1);
    let refused = Store::open(&with_password, None).await.err().unwrap();
    assert!(matches!(refused, StoreError::Config(_)), "{refused}");
    assert!(!refused.to_string().contains(PASSWORD));
    let wrong = Store::open(&url, Some("wrong")).await.err().unwrap();
    assert!(!wrong.to_string().contains("wrong"), "{wrong}");
    assert!(store.described().ends_with(url.rsplit('/').next().unwrap()) && !store.described().contains(PASSWORD));
}
