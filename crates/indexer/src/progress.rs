//! Progress of long work — parsing thousands of seed files, indexing a
//! million items, importing a directory of documents — shown as a bar with
//! rate and time left on a terminal, and as a log line every few seconds
//! when the output is not a terminal (a service's journal, CI).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a log line is written when not on a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// The progress of one stage of work, counted in `unit`s.
pub struct Progress {
    stage: &'static str,
    unit: &'static str,
    total: u64,
    started: Instant,
    /// The bar, on a terminal.
    bar: Option<ProgressBar>,
    /// When the last log line was written, off a terminal.
    logged: Mutex<Instant>,
}

impl Progress {
    /// Starts counting `total` `unit`s of `stage`.
    pub fn new(stage: &'static str, total: u64, unit: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total).with_message(stage);
            let template =
                format!("{{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} · {{per_sec}} · {{eta}} left");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        let now = Instant::now();
        Progress { stage, unit, total, started: now, bar, logged: Mutex::new(now) }
    }

    /// Records that `position` units are done.
    pub fn set(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            return;
        }
        let mut logged = self.logged.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if logged.elapsed() < LOG_EVERY {
            return;
        }
        *logged = Instant::now();
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = position as f64 / elapsed.max(f64::EPSILON);
        let left = self.total.saturating_sub(position) as f64 / rate.max(f64::EPSILON);
        tracing::info!(
            stage = self.stage,
            done = position,
            total = self.total,
            unit = self.unit,
            rate = format!("{rate:.0}/s"),
            left = format!("{left:.0} s"),
            "progress"
        );
    }

    /// Ends the stage, clearing the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
