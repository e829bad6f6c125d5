//! The judged dev queries of `../shared/eval` against the real index: nDCG@10
//! must stay above the floor measured when the analysis was last changed.

use std::collections::HashMap;

use hoshin_query::SearchRequest;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::util::{engine, seed_index, workspace};

/// Measured 0.976 (2026-11-24, score.py against `make serve`); a drop below this fails the suite.
const NDCG_AT_10_FLOOR: f64 = 0.95;

/// score.py's key: NFKC without white space.
fn key(text: &str) -> String {
    text.nfkc().filter(|c| !c.is_whitespace()).collect()
}

fn ndcg_at_10(ranked: &[String], grades: &HashMap<String, u32>) -> f64 {
    let gain = |grade: u32| f64::from(2u32.pow(grade) - 1);
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, id)| gain(grades.get(id).copied().unwrap_or(0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u32> = grades.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal.iter().take(10).enumerate().map(|(i, &grade)| gain(grade) / (i as f64 + 2.0).log2()).sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

#[test]
fn dev_queries_stay_above_the_ndcg_floor() {
    let eval = workspace().join("../shared/eval");
    let read = |name: &str| {
        std::fs::read_to_string(eval.join(name)).unwrap_or_else(|error| {
            panic!("{}: {error} (shared/ must stand beside the repository)", eval.join(name).display())
        })
    };
    let judged_ids: HashMap<String, String> = read("seed_docs.jsonl")
        .lines()
        .map(|line| {
            let doc: Value = serde_json::from_str(line).unwrap();
            (key(doc["text"].as_str().unwrap()), doc["id"].as_str().unwrap().to_string())
        })
        .collect();
    let (_root, index) = seed_index();
    let engine = engine(&index);
    let mut scores = Vec::new();
    for line in read("dev_queries.tsv").lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#')) {
        let columns: Vec<&str> = line.split('\t').collect();
        let grades: HashMap<String, u32> = columns[2]
            .split_whitespace()
            .map(|pair| {
                let (doc, grade) = pair.split_once(':').unwrap();
                (doc.to_string(), grade.parse().unwrap())
            })
            .collect();
        let request = SearchRequest { query: columns[1], limit: 10, offset: 0, department: None, explain: false };
        let ranked: Vec<String> = engine
            .search(&request)
            .unwrap()
            .hits
            .iter()
            .map(|hit| judged_ids.get(&key(&hit.item.text)).cloned().unwrap_or_default())
            .collect();
        scores.push((columns[0].to_string(), ndcg_at_10(&ranked, &grades)));
    }
    let mean = scores.iter().map(|(_, score)| score).sum::<f64>() / scores.len() as f64;
    assert!(mean >= NDCG_AT_10_FLOOR, "nDCG@10 {mean:.3} below {NDCG_AT_10_FLOOR}: {scores:?}");
}
