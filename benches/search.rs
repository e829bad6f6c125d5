//! What it measures, in process, with criterion:
//! - `query_latency/{items}/{kind}`: one search (top 10, snippets, facets) for
//!   each query of `benches/queries.tsv` (short words, long compounds,
//!   hiragana, several words, phrases, no hit), at each corpus size; then
//!   `query_percentiles`, printed: p50 and p99 over every query of the list,
//!   run 50 rounds, per size.
//! - `index_build/{items}`: building a whole index (parsing the seed-format
//!   files, four analyses per field, both cores) in items per second, at each
//!   size up to `HOSHIN_BENCH_BUILD_MAX` items (default 100,000).
//! - `analysis_throughput`: bytes per second of item text through each
//!   analyzer (morphological surface and normalised, katakana reading,
//!   character n-gram), and through Debian's `mecab -Owakati` on the same
//!   text as the reference, over the item text of the 10,000-item corpus.
//!
//! Corpus sizes come from `HOSHIN_BENCH_ITEMS` (default `118,100000`; the
//! issue's full run is `118,100000,1000000`): 118 is the seed itself, other
//! sizes are `hoshin generate --seed 1` corpora kept in `target/bench-corpus/`
//! with their indexes in `target/bench-index/`, so a second run reuses them.
//! Run with `cargo bench --bench search`; `scripts/install-system-deps bench`
//! installs MeCab.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hoshin_analysis::{Analysis, PreparedAnalysis};
use hoshin_indexer::generate::generate_corpus;
use hoshin_indexer::seed::read_seeds_dir;
use hoshin_indexer::{build_index, open_or_build, BuildInputs, IndexLayout};
use hoshin_search::{QueryLists, SearchEngine, SearchRequest};
use tantivy::tokenizer::TokenStream;

/// The server's allocator (see `src/main.rs`), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED_ITEMS: usize = 118;
const PERCENTILE_ROUNDS: usize = 50;
const THROUGHPUT_CORPUS_ITEMS: usize = 10_000;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn analysis() -> PreparedAnalysis {
    PreparedAnalysis::prepare(&workspace().join("index/dictionary"), &workspace().join("data"))
        .expect("the dictionary and data files load")
}

fn sizes_from_env(name: &str, default: &str) -> Vec<usize> {
    let sizes = std::env::var(name).unwrap_or_else(|_| default.to_owned());
    sizes
        .split(',')
        .map(|size| size.trim().parse().unwrap_or_else(|_| panic!("{name}: '{size}' is not a size")))
        .collect()
}

/// The seed-format files of a corpus of `items` items, generated once.
fn corpus(items: usize) -> PathBuf {
    if items == SEED_ITEMS {
        return workspace().join("seeds");
    }
    let dir = workspace().join("target/bench-corpus").join(items.to_string());
    if !dir.exists() {
        let material = read_seeds_dir(&workspace().join("seeds")).expect("the seed parses");
        generate_corpus(&material, items, 1, &dir).expect("the corpus is written");
    }
    dir
}

/// (kind, query) pairs of `benches/queries.tsv`.
fn queries() -> Vec<(String, String)> {
    let list = fs::read_to_string(workspace().join("benches/queries.tsv")).expect("benches/queries.tsv reads");
    list.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (kind, query) = line.split_once('\t').expect("kind<TAB>query");
            (kind.to_owned(), query.to_owned())
        })
        .collect()
}

fn search(engine: &SearchEngine, query: &str) -> u64 {
    let request = SearchRequest::new(query);
    engine.search(&request).expect("the query runs").total
}

fn query_latency(criterion: &mut Criterion) {
    let analysis = analysis();
    let queries = queries();
    let mut percentiles = Vec::new();
    for items in sizes_from_env("HOSHIN_BENCH_ITEMS", "118,100000") {
        let seeds = corpus(items);
        let layout = IndexLayout::new(workspace().join("target/bench-index").join(items.to_string()));
        let index = open_or_build(&layout, BuildInputs::new(&seeds, &analysis)).expect("the corpus indexes");
        let lists = QueryLists::load(&analysis).expect("the synonym dictionary loads");
        let engine = SearchEngine::new(&index, &analysis.analyzers, lists, None).expect("the index opens");

        let mut group = criterion.benchmark_group(format!("query_latency/{items}"));
        group.warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
        for (kind, query) in &queries {
            group.bench_with_input(BenchmarkId::new(kind, query), query, |bencher, query| {
                bencher.iter(|| black_box(search(&engine, query)));
            });
        }
        group.finish();

        let mut latencies: Vec<Duration> = Vec::with_capacity(PERCENTILE_ROUNDS * queries.len());
        for _ in 0..PERCENTILE_ROUNDS {
            for (_, query) in &queries {
                let started = Instant::now();
                black_box(search(&engine, query));
                latencies.push(started.elapsed());
            }
        }
        latencies.sort_unstable();
        let at = |fraction: f64| latencies[((latencies.len() - 1) as f64 * fraction).round() as usize];
        percentiles.push(format!(
            "query_percentiles/{items}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} searches",
            at(0.50).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3,
            latencies.len()
        ));
    }
    for line in percentiles {
        println!("{line}");
    }
}

fn index_build(criterion: &mut Criterion) {
    let analysis = analysis();
    let build_max = sizes_from_env("HOSHIN_BENCH_BUILD_MAX", "100000")[0];
    let mut group = criterion.benchmark_group("index_build");
    group.sample_size(10).warm_up_time(Duration::from_millis(1));
    for items in sizes_from_env("HOSHIN_BENCH_ITEMS", "118,100000").into_iter().filter(|&items| items <= build_max) {
        let seeds = corpus(items);
        let inputs = BuildInputs::new(&seeds, &analysis);
        group.throughput(Throughput::Elements(items as u64));
        group.bench_function(BenchmarkId::from_parameter(items), |bencher| {
            bencher.iter_custom(|iterations| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iterations {
                    let root = tempfile::tempdir().expect("a temporary directory");
                    let report =
                        build_index(&IndexLayout::new(root.path()), inputs.clone()).expect("the corpus indexes");
                    elapsed += report.elapsed;
                }
                elapsed
            });
        });
    }
    group.finish();
}

fn analysis_throughput(criterion: &mut Criterion) {
    let analysis = analysis();
    let items = read_seeds_dir(&corpus(THROUGHPUT_CORPUS_ITEMS)).expect("the corpus parses");
    let text: String = items.iter().map(|item| item.text.as_str()).collect::<Vec<_>>().join("\n");
    let text_file = tempfile::NamedTempFile::new().expect("a temporary file");
    fs::write(text_file.path(), &text).expect("the text is written");

    let mut group = criterion.benchmark_group("analysis_throughput");
    group.sample_size(10).throughput(Throughput::Bytes(text.len() as u64));
    for analysis_kind in Analysis::ALL {
        let mut analyzer = analysis.analyzers.analyzer(analysis_kind);
        group.bench_function(analysis_kind.tokenizer_name(), |bencher| {
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
    group.bench_function("mecab -Owakati (reference)", |bencher| {
        bencher.iter(|| {
            let input = fs::File::open(text_file.path()).expect("the text file opens");
            let status = Command::new("mecab")
                .arg("-Owakati")
                .stdin(input)
                .stdout(Stdio::null())
                .status()
                .expect("mecab runs (scripts/install-system-deps bench)");
            assert!(status.success(), "mecab failed: {status}");
        });
    });
    group.finish();
}

criterion_group!(benches, analysis_throughput, query_latency, index_build);
criterion_main!(benches);
