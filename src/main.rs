//! The `hoshin` binary: parses flags, prepares the dictionary and the index, and
//! either rebuilds the index, serves the search API until told to stop,
//! generates a benchmark corpus or exports a corpus as JSON lines.

mod config;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use hoshin_analysis::PreparedAnalysis;
use hoshin_indexer::generate::generate_corpus;
use hoshin_indexer::seed::read_seeds_dir;
use hoshin_indexer::{build_index, open_or_build, BuildInputs, DocumentWriter, IndexLayout};
use hoshin_search::{QueryLists, SearchEngine};
use hoshin_server::{app, AppState, HttpConfig};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, Flags};

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
        Config::Index { paths } => {
            let analysis = PreparedAnalysis::prepare(&paths.dictionary, &paths.data)?;
            let report = build_index(&IndexLayout::new(&paths.index), &BuildInputs::new(&paths.seeds, &analysis))?;
            println!(
                "indexed {} items in {} departments from {} in {:.2} s ({} bytes on disk)",
                report.documents,
                report.departments,
                paths.seeds.display(),
                report.elapsed.as_secs_f64(),
                report.bytes_on_disk
            );
            Ok(())
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
        Config::Export { seeds } => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for item in read_seeds_dir(&seeds)? {
                serde_json::to_writer(&mut out, &item)?;
                out.write_all(b"\n")?;
            }
            Ok(out.flush()?)
        }
        Config::Serve { addr, paths, http, tokens } => {
            let analysis = PreparedAnalysis::prepare(&paths.dictionary, &paths.data)?;
            let layout = IndexLayout::new(&paths.index);
            let index = open_or_build(&layout, &BuildInputs::new(&paths.seeds, &analysis))?;
            let writer =
                DocumentWriter::open(&index, &layout.journal_path()).context("opening the index for writing")?;
            let engine =
                SearchEngine::new(&index, QueryLists::load(&analysis)?).context("opening the index for search")?;
            if tokens.is_empty() {
                tracing::warn!("no API tokens configured: writing through the API is refused");
            }
            let state = AppState { engine: Arc::new(engine), writer: Arc::new(writer), tokens };
            tokio::runtime::Runtime::new()?.block_on(serve(addr, state, http))
        }
    }
}

async fn serve(addr: SocketAddr, state: AppState, http: HttpConfig) -> anyhow::Result<()> {
    let documents = state.engine.document_count();
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(%local, documents, "serving");
    // Tests and scripts read this line to learn the port when asked for port 0.
    println!("hoshin listening on http://{local}");
    axum::serve(listener, app(state, &http)).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
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
