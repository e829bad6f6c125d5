//! The `hoshin` binary: parses flags, prepares the dictionary and the index, and
//! either rebuilds the index, serves the search API until told to stop
//! (reloading the word lists on SIGHUP and following generations other
//! processes publish), imports documents into a running server, generates a
//! benchmark corpus or exports a corpus as JSON lines.

mod config;
mod import;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use hoshin_analysis::PreparedAnalysis;
use hoshin_embed::{EmbedError, Embedder};
use hoshin_indexer::generate::generate_corpus;
use hoshin_indexer::journal::{Damage, Journal};
use hoshin_indexer::progress::Progress;
use hoshin_indexer::seed::read_seeds_dir;
use hoshin_indexer::{build_index, vectors, BuildInputs, IndexLayout, Replay};
use hoshin_server::{
    app, connections, follow_published, follow_store, AppState, Following, HttpConfig, Live, MeaningConfig, Sources,
};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, Flags};

/// A search allocates and frees many small strings and vectors (tokens,
/// terms, query trees); mimalloc serves those from per-thread pages, where
/// the system allocator spends much of a query's time (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn")))
        .with_writer(std::io::stderr)
        .init();
    match Config::try_from(Flags::parse()).and_then(run) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(config: Config) -> anyhow::Result<()> {
    match config {
        Config::Index { paths, store } => {
            without_transparent_huge_pages();
            // A store's connections live on a runtime the build blocks on from this thread.
            let runtime = tokio::runtime::Runtime::new()?;
            let following = match &store {
                Some(store) => Some(runtime.block_on(Following::connect(&store.url, store.password.as_deref()))?),
                None => None,
            };
            // Only the build's inputs hold the analyzers, so it releases the
            // dictionary before its final merge.
            let inputs = BuildInputs::new(&paths.seeds, &PreparedAnalysis::prepare(&paths.dictionary, &paths.data)?);
            let inputs = match &following {
                Some(following) => inputs.replaying(Replay::Store(following.as_ref())),
                None => inputs,
            };
            let layout = IndexLayout::new(&paths.index);
            let report = build_index(&layout, inputs)?;
            println!(
                "indexed {} items in {} departments from {} in {:.2} s ({} bytes on disk)",
                report.documents,
                report.departments,
                paths.seeds.display(),
                report.elapsed.as_secs_f64(),
                report.bytes_on_disk
            );
            compute_vectors(&layout, &paths.model)
        }
        Config::Generate { items, seed, out, seeds } => {
            let material = read_seeds_dir(&seeds)?;
            let corpus = generate_corpus(&material, items, seed, &out)?;
            println!(
                "wrote {} items in {} files ({} bytes) to {}",
                corpus.items,
                corpus.files,
                corpus.bytes,
                out.display()
            );
            Ok(())
        }
        Config::Import(job) => import::run(&job),
        Config::JournalCheck { journal } => check_journal(&journal),
        Config::JournalRepair { journal, to } => {
            let repair = hoshin_indexer::journal::repair(&journal, &to)?;
            for damage in &repair.left_out {
                println!("left out {}", describe(&journal, damage));
            }
            println!(
                "copied {} intact entries of {} to {}, left out {} line(s); {} is unchanged",
                repair.copied,
                journal.display(),
                to.display(),
                repair.left_out.len(),
                journal.display()
            );
            Ok(())
        }
        Config::Export { seeds } => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for item in read_seeds_dir(&seeds)? {
                serde_json::to_writer(&mut out, &item)?;
                out.write_all(b"\n")?;
            }
            Ok(out.flush()?)
        }
        Config::Serve { addr, paths, http, tokens, query_vectors, store } => {
            let analysis = PreparedAnalysis::prepare(&paths.dictionary, &paths.data)?;
            let runtime = http.runtime()?;
            let following = match &store {
                Some(store) => Some(
                    runtime
                        .block_on(Following::connect(&store.url, store.password.as_deref()))
                        .context("connecting to the store")?,
                ),
                None => None,
            };
            let sources = Sources {
                layout: IndexLayout::new(&paths.index),
                seeds: paths.seeds,
                dictionary: paths.dictionary,
                data: paths.data,
                meaning: MeaningConfig::Load { model: paths.model, query_vectors },
                store: following,
            };
            let live = Live::open(sources, &analysis).context("opening the index")?;
            if tokens.is_empty() {
                tracing::warn!("no API tokens configured: writing and reloading through the API are refused");
            }
            let state = AppState { live, tokens };
            runtime.block_on(serve(addr, state, http))
        }
    }
}

/// Computes the vectors the live generation lacks into the vector cache, on
/// every core, so a server started next finds them all; without a usable
/// model, says so and leaves them to a server that has one.
fn compute_vectors(layout: &IndexLayout, model: &std::path::Path) -> anyhow::Result<()> {
    let (embedder, cache) = match Embedder::load_with_cache(model, &layout.vector_cache_path()) {
        Ok(loaded) => loaded,
        // The cache beside the index is hoshin's own: failing to keep it fails the build.
        Err(error @ EmbedError::Cache { .. }) => return Err(error.into()),
        Err(error) => {
            eprintln!("vectors not computed, semantic search will be off: {error}");
            return Ok(());
        }
    };
    let started = std::time::Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut progress: Option<Progress> = None;
    let fill = vectors::fill_live(layout, &cache, &embedder, cores, |done, total| {
        progress.get_or_insert_with(|| Progress::new("embedding", total, "passages")).set(done);
        true
    })?;
    if let Some(progress) = progress {
        progress.finish();
    }
    println!(
        "vectors of {} items: {} distinct texts cached already, {} embedded, in {:.2} s",
        fill.items,
        fill.cached,
        fill.embedded,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Prints every damaged line of a journal; an error when there is one.
fn check_journal(journal: &std::path::Path) -> anyhow::Result<()> {
    let contents = Journal::inspect(journal)?;
    for damage in contents.damaged.iter().chain(&contents.torn_tail) {
        println!("{}", describe(journal, damage));
    }
    let damaged = contents.damaged.len() + usize::from(contents.torn_tail.is_some());
    println!(
        "{}: {} intact entries, {} damaged line(s), {} bytes",
        journal.display(),
        contents.entries.len(),
        damaged,
        contents.length
    );
    anyhow::ensure!(
        damaged == 0,
        "{} is damaged; `hoshin journal repair --journal {} --to NEW_FILE` copies its intact entries",
        journal.display(),
        journal.display()
    );
    Ok(())
}

fn describe(journal: &std::path::Path, damage: &Damage) -> String {
    format!(
        "{}:{} (byte {}, {} bytes): {}",
        journal.display(),
        damage.line,
        damage.offset,
        damage.length,
        damage.reason
    )
}

/// Turns transparent huge pages off for this process. mimalloc asks for them
/// for its arenas, and a build's heap, left sparse each time a segment is
/// flushed, would keep whole 2 MB pages resident; with 4 KB pages a build
/// peaks lower, for a few per cent more time (docs/performance.md). Serving
/// keeps them: its heap stays put, and its searches are faster with them.
fn without_transparent_huge_pages() {
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!(%error, "transparent huge pages stay on");
    }
}

async fn serve(addr: SocketAddr, state: AppState, http: HttpConfig) -> anyhow::Result<()> {
    let documents = state.live.serving().document_count();
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(%local, documents, generation = %state.live.status().generation, "serving");
    tokio::spawn(follow_published(state.live.clone()));
    tokio::spawn(follow_store(state.live.clone()));
    tokio::spawn(reload_on_hangup(state.live.clone()));
    // Tests and scripts read this line to learn the port when asked for port 0.
    println!("hoshin listening on http://{local}");
    connections::serve(listener, app(state, &http), http.connections, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Reloads the word lists on every SIGHUP, as `POST /api/admin/reload` does;
/// the reload logs its outcome.
async fn reload_on_hangup(live: Arc<Live>) {
    let mut hangups =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).expect("SIGHUP handler installs");
    while hangups.recv().await.is_some() {
        let live = live.clone();
        let _ = tokio::task::spawn_blocking(move || live.reload()).await;
    }
}

/// Resolves on Ctrl-C or SIGTERM, letting in-flight requests finish.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler installs");
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}
