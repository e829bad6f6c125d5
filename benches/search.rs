//! What it measures: in-process query latency over the seed index (118 items),
//! one benchmark per kind of query residents type (short word, long compound,
//! hiragana reading, several words, phrase, no hit), and analysis throughput in
//! bytes per second of the seed's item text through each of the four analyzers.
//!
//! Corpus: `seeds/` with the workspace's dictionary and `data/` word lists; the
//! index is built once into a temporary directory. Run with `cargo bench`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hoshin_analysis::{PreparedAnalysis, NGRAM_TOKENIZER, NORMALIZED_TOKENIZER, READING_TOKENIZER, SURFACE_TOKENIZER};
use hoshin_indexer::seed::read_seeds_dir;
use hoshin_indexer::{open_or_build, BuildInputs, IndexLayout};
use hoshin_query::{SearchEngine, SearchRequest};
use tantivy::tokenizer::TokenStream;
use tantivy::Index;

const QUERIES: &[(&str, &str)] = &[
    ("short word", "図書館"),
    ("long compound", "市民センター改修基本構想"),
    ("hiragana reading", "としょかん"),
    ("several words", "高齢者 地域 支援"),
    ("phrase", "\"新図書館整備基本構想\""),
    ("near miss", "狛江らしい地域包括ケアシステム"),
    ("no hit", "宇宙開発"),
];

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seed_index(root: &Path) -> (Index, PreparedAnalysis) {
    let analysis = PreparedAnalysis::prepare(&workspace().join("index/dictionary"), &workspace().join("data"))
        .expect("the dictionary and data files load");
    let seeds = workspace().join("seeds");
    let inputs =
        BuildInputs { seeds_dir: &seeds, resources: &analysis.resources, analysis_fingerprint: &analysis.fingerprint };
    let index = open_or_build(&IndexLayout::new(root), &inputs).expect("the seed indexes");
    (index, analysis)
}

fn query_latency(criterion: &mut Criterion) {
    let root = tempfile::tempdir().unwrap();
    let (index, analysis) = seed_index(root.path());
    let engine = SearchEngine::new(&index, analysis.lexicon.synonyms.clone()).unwrap();
    let mut group = criterion.benchmark_group("query_latency_seed");
    for (kind, query) in QUERIES {
        group.bench_with_input(BenchmarkId::from_parameter(kind), query, |bencher, query| {
            let request = SearchRequest { query, limit: 10, offset: 0, department: None, explain: false };
            bencher.iter(|| black_box(engine.search(&request).unwrap().total));
        });
    }
    group.finish();
}

fn analysis_throughput(criterion: &mut Criterion) {
    let root = tempfile::tempdir().unwrap();
    let (index, _analysis) = seed_index(root.path());
    let items = read_seeds_dir(&workspace().join("seeds")).unwrap();
    let text: String = items.iter().map(|item| item.text.as_str()).collect::<Vec<_>>().join("\n");
    let mut group = criterion.benchmark_group("analysis_throughput_seed");
    group.throughput(Throughput::Bytes(text.len() as u64));
    for name in [SURFACE_TOKENIZER, NORMALIZED_TOKENIZER, READING_TOKENIZER, NGRAM_TOKENIZER] {
        let mut analyzer = index.tokenizers().get(name).expect("registered");
        group.bench_function(name, |bencher| {
            bencher.iter(|| {
                let mut stream = analyzer.token_stream(&text);
                let mut tokens = 0usize;
                while stream.advance() {
                    tokens += 1;
                }
                black_box(tokens)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, query_latency, analysis_throughput);
criterion_main!(benches);
