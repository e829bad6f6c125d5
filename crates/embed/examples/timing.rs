//! Times embedding on one thread: the texts of testdata/reference.jsonl, each
//! embedded repeatedly as the kind it is recorded as, and the process's
//! memory once the model is loaded.
//!
//! `cargo run --release -p hoshin-embed --example timing [REPEATS]`

use std::time::{Duration, Instant};

use hoshin_embed::Embedder;
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    text: String,
    kind: String,
}

fn status(field: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|line| line.starts_with(field));
    line.map_or_else(|| "?".to_string(), |line| line[field.len()..].trim().to_string())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repeats: usize = std::env::args().nth(1).map_or(Ok(15), |n| n.parse())?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/reference.jsonl");
    let references: Vec<Reference> =
        std::fs::read_to_string(path)?.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;

    println!("before load: VmRSS {}", status("VmRSS:"));
    let started = Instant::now();
    let embedder = Embedder::load(&Embedder::default_path())?;
    println!("load: {:?}; VmRSS {}, VmHWM {}", started.elapsed(), status("VmRSS:"), status("VmHWM:"));

    let (mut queries, mut passages) = (Vec::new(), Vec::new());
    for reference in &references {
        let embed = |text: &str| match reference.kind.as_str() {
            "query" => embedder.embed_query(text),
            _ => embedder.embed_passage(text),
        };
        embed(&reference.text)?;
        let mut times = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let started = Instant::now();
            embed(&reference.text)?;
            times.push(started.elapsed());
        }
        let time = median(times);
        let chars = reference.text.chars().count();
        println!(
            "{:7} {chars:5} chars {:>10.2?}  {:?}",
            reference.kind,
            time,
            reference.text.chars().take(20).collect::<String>()
        );
        if reference.kind == "query" { &mut queries } else { &mut passages }.push(time);
    }
    println!(
        "median over texts: embed_query {:.2?} ({} texts), embed_passage {:.2?} ({} texts)",
        median(queries.clone()),
        queries.len(),
        median(passages.clone()),
        passages.len()
    );
    println!("after embedding: VmRSS {}, VmHWM {}", status("VmRSS:"), status("VmHWM:"));
    Ok(())
}
