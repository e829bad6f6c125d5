//! Where an index lives on disk, and how a new one replaces the old atomically.
//!
//! ```text
//! index/
//!   CURRENT                  name of the live generation (replaced by rename)
//!   journal.jsonl            documents written through the API (see crate::journal)
//!   generations/<name>/      a tantivy index plus hoshin-manifest.json
//! ```
//!
//! A build writes a new generation beside the live one and only then points
//! `CURRENT` at it, so a failed build leaves the previous index serving, and a
//! reader never sees a half-written index.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{IndexerError, Result};

const CURRENT_FILE: &str = "CURRENT";
const JOURNAL_FILE: &str = "journal.jsonl";
const GENERATIONS_DIR: &str = "generations";

/// How many generations to keep: the live one and its predecessor, which a
/// server started before the swap may still be reading.
const GENERATIONS_KEPT: usize = 2;

/// The on-disk layout below an index root directory.
#[derive(Debug, Clone)]
pub struct IndexLayout {
    root: PathBuf,
}

impl IndexLayout {
    /// The layout below `root` (which need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        IndexLayout { root: root.into() }
    }

    /// The index root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The journal of documents written through the API.
    pub fn journal_path(&self) -> PathBuf {
        self.root.join(JOURNAL_FILE)
    }

    /// The directory of the live generation, if one has been published.
    pub fn current_generation(&self) -> Option<PathBuf> {
        let name = fs::read_to_string(self.root.join(CURRENT_FILE)).ok()?;
        let directory = self.generations_dir().join(name.trim());
        directory.is_dir().then_some(directory)
    }

    fn generations_dir(&self) -> PathBuf {
        self.root.join(GENERATIONS_DIR)
    }

    /// Creates a fresh, empty directory for a generation being built.
    pub(crate) fn new_generation_dir(&self) -> Result<PathBuf> {
        let generations = self.generations_dir();
        fs::create_dir_all(&generations).map_err(IndexerError::io(&generations))?;
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
        let directory = generations.join(format!("g{stamp}-{}", std::process::id()));
        fs::create_dir(&directory).map_err(IndexerError::io(&directory))?;
        Ok(directory)
    }

    /// Makes `generation` the live one and removes generations too old to be read.
    pub(crate) fn publish(&self, generation: &Path) -> Result<()> {
        let name = generation.file_name().expect("a generation directory has a name").to_string_lossy();
        let pending = self.root.join(format!("{CURRENT_FILE}.{}", std::process::id()));
        fs::write(&pending, name.as_bytes()).map_err(IndexerError::io(&pending))?;
        fs::File::open(&pending).and_then(|file| file.sync_all()).map_err(IndexerError::io(&pending))?;
        let current = self.root.join(CURRENT_FILE);
        fs::rename(&pending, &current).map_err(IndexerError::io(&current))?;
        self.remove_old_generations();
        Ok(())
    }

    /// Best effort: a generation that cannot be removed now is retried next build.
    fn remove_old_generations(&self) {
        let Ok(entries) = fs::read_dir(self.generations_dir()) else {
            return;
        };
        let live = self.current_generation();
        let mut old: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| Some(path) != live.as_ref())
            .collect();
        // Names start with the build time in milliseconds: newest last.
        old.sort_by_key(|path| generation_millis(path));
        let keep_previous = GENERATIONS_KEPT - 1;
        for path in old.iter().rev().skip(keep_previous) {
            if let Err(error) = fs::remove_dir_all(path) {
                tracing::warn!(path = %path.display(), %error, "could not remove an old generation");
            }
        }
    }

    /// Removes a generation whose build failed.
    pub(crate) fn discard(&self, generation: &Path) {
        let _ = fs::remove_dir_all(generation);
    }
}

fn generation_millis(path: &Path) -> u128 {
    path.file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_prefix('g'))
        .and_then(|name| name.split('-').next())
        .and_then(|millis| millis.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_switches_current_and_keeps_one_predecessor() {
        let root = tempfile::tempdir().unwrap();
        let layout = IndexLayout::new(root.path());
        assert_eq!(layout.current_generation(), None);
        let mut built = Vec::new();
        for _ in 0..3 {
            let generation = layout.new_generation_dir().unwrap();
            layout.publish(&generation).unwrap();
            assert_eq!(layout.current_generation().as_ref(), Some(&generation));
            built.push(generation);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert!(!built[0].exists(), "the oldest generation is removed");
        assert!(built[1].exists(), "the predecessor is kept for running readers");
    }
}
