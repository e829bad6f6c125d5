//! The judged dev queries in `tests/data` against the real seed index:
//! `dev_queries.tsv` must keep nDCG@10 above a floor; `dev_typing.tsv` (the
//! harder ways of typing) is scored and reported, not gated, since gating on
//! a dev set invites tuning to it. `dev_questions.tsv` (residents' questions in
//! everyday words, which words alone almost never answer) must stay above a
//! floor that only finding by meaning reaches. The report is written to
//! `target/tmp/eval-report.txt` and printed with `--nocapture`.

use std::collections::HashMap;

use hoshin_search::{SearchMode, SearchRequest};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::util::{seed, test_data};

/// Below this, `dev_queries.tsv` fails the suite; it was set when the seed
/// first scored above it, with room for ties to reorder.
const NDCG_AT_10_FLOOR: f64 = 0.95;

/// Below this, `dev_questions.tsv` fails the suite: words alone score about
/// a tenth of it, so it fails when meaning stops finding.
const QUESTIONS_NDCG_AT_10_FLOOR: f64 = 0.6;

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

/// The mean nDCG@10 of the judged queries of `file`, and each query's.
fn mean_ndcg_at_10(file: &str, mode: SearchMode) -> (f64, Vec<(String, f64)>) {
    let read = |name: &str| std::fs::read_to_string(test_data(name)).unwrap();
    let judged_ids: HashMap<String, String> = read("seed_docs.jsonl")
        .lines()
        .map(|line| {
            let doc: Value = serde_json::from_str(line).unwrap();
            (key(doc["text"].as_str().unwrap()), doc["id"].as_str().unwrap().to_string())
        })
        .collect();
    let engine = seed().engine();
    let mut scores = Vec::new();
    for line in read(file).lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#')) {
        let columns: Vec<&str> = line.split('\t').collect();
        let grades: HashMap<String, u32> = columns[2]
            .split_whitespace()
            .map(|pair| {
                let (doc, grade) = pair.split_once(':').unwrap();
                (doc.to_string(), grade.parse().unwrap())
            })
            .collect();
        let request = SearchRequest { mode, ..SearchRequest::new(columns[1]) };
        let ranked: Vec<String> = engine
            .search(&request)
            .unwrap()
            .hits
            .iter()
            .map(|hit| judged_ids.get(&key(&hit.item.text)).cloned().unwrap_or_default())
            .collect();
        scores.push((format!("{} {}", columns[0], columns[1]), ndcg_at_10(&ranked, &grades)));
    }
    let mean = scores.iter().map(|(_, score)| score).sum::<f64>() / scores.len() as f64;
    (mean, scores)
}

#[test]
fn dev_queries_stay_above_the_ndcg_floor_and_typing_is_reported() {
    let (dev, dev_scores) = mean_ndcg_at_10("dev_queries.tsv", SearchMode::Hybrid);
    let (typing, typing_scores) = mean_ndcg_at_10("dev_typing.tsv", SearchMode::Hybrid);
    let (questions, question_scores) = mean_ndcg_at_10("dev_questions.tsv", SearchMode::Hybrid);
    let (by_words, _) = mean_ndcg_at_10("dev_questions.tsv", SearchMode::Lexical);
    let mut report = format!("dev_queries.tsv nDCG@10 {dev:.3} (floor {NDCG_AT_10_FLOOR})\n");
    report += &format!("dev_typing.tsv nDCG@10 {typing:.3} (reported, not gated)\n");
    report += &format!(
        "dev_questions.tsv nDCG@10 {questions:.3} (floor {QUESTIONS_NDCG_AT_10_FLOOR}; words alone {by_words:.3})\n"
    );
    for (query, score) in dev_scores.iter().chain(&typing_scores).chain(&question_scores) {
        report += &format!("  {score:.3}  {query}\n");
    }
    let _ = std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("eval-report.txt"), &report);
    println!("{report}");
    assert!(dev >= NDCG_AT_10_FLOOR, "dev nDCG@10 {dev:.3} below {NDCG_AT_10_FLOOR}: {dev_scores:?}");
    assert!(
        questions >= QUESTIONS_NDCG_AT_10_FLOOR,
        "questions nDCG@10 {questions:.3} below {QUESTIONS_NDCG_AT_10_FLOOR}: {question_scores:?}"
    );
}
