//! Where an index lives on disk, and how a new one replaces the old atomically.
//!
//! ```text
//! index/
//!   CURRENT                  name of the live generation (replaced by rename)
//!   journal.jsonl            documents written through the API (see crate::journal)
//!   vectors.cache            passage vectors by passage digest (see crate::vectors), shared
//!                            by every generation; a cache, safe to delete
//!   generations/<name>/      a tantivy index plus hoshin-manifest.json
//!   in-use/<name>.lock       locked shared by every process serving <name>
//! ```
//!
//! A build writes a new generation beside the live one and only then points
//! `CURRENT` at it, so a failed build leaves the previous index serving, and a
//! reader never sees a half-written index.
//!
//! A server keeps serving the generation it opened until it notices the new
//! one, and keeps writing into it meanwhile, so it holds a [`GenerationHold`]:
//! a shared `flock` on the generation's lock file. After publishing, a build
//! removes old generations only when it can lock theirs exclusively, i.e.
//! when no process holds them. The lock file lives outside the generation so
//! that it can be locked before the generation is known to still be there.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{IndexerError, Result};

const CURRENT_FILE: &str = "CURRENT";
const JOURNAL_FILE: &str = "journal.jsonl";
const VECTOR_CACHE_FILE: &str = "vectors.cache";
const GENERATIONS_DIR: &str = "generations";
const IN_USE_DIR: &str = "in-use";

/// How many generations to keep even when no server holds them: the live one
/// and its predecessor, which a process that reads without holding (a
/// benchmark, a test, a tool) may have opened just before the swap. Older ones
/// are removed unless held.
const GENERATIONS_KEPT: usize = 2;

/// A shared lock on a published generation: while any process holds one, no
/// build removes the generation. Released when dropped.
#[derive(Debug)]
pub struct GenerationHold {
    name: String,
    directory: PathBuf,
    _lock: File,
}

impl GenerationHold {
    /// The generation's name, as `CURRENT` writes it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The generation's directory.
    pub fn directory(&self) -> &Path {
        &self.directory
    }
}

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

    /// The cache of passage vectors every generation shares.
    pub fn vector_cache_path(&self) -> PathBuf {
        self.root.join(VECTOR_CACHE_FILE)
    }

    /// The directory of the live generation, if one has been published.
    pub fn current_generation(&self) -> Option<PathBuf> {
        let directory = self.generations_dir().join(self.current_name()?);
        directory.is_dir().then_some(directory)
    }

    /// The name of the live generation as `CURRENT` says, if it says one:
    /// one small read, for noticing a generation published by another process.
    pub fn current_name(&self) -> Option<String> {
        let name = fs::read_to_string(self.root.join(CURRENT_FILE)).ok()?;
        Some(name.trim().to_string()).filter(|name| !name.is_empty())
    }

    /// Holds the live generation against removal (see [`GenerationHold`]).
    pub fn hold_current(&self) -> Result<GenerationHold> {
        let in_use = self.root.join(IN_USE_DIR);
        fs::create_dir_all(&in_use).map_err(IndexerError::io(&in_use))?;
        loop {
            let name = self.current_name().ok_or_else(|| IndexerError::NoIndex(self.root.clone()))?;
            let lock_path = in_use.join(format!("{name}.lock"));
            let lock = OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path);
            let lock = lock.map_err(IndexerError::io(&lock_path))?;
            // Waits while a build that locked it exclusively removes it.
            lock.lock_shared().map_err(IndexerError::io(&lock_path))?;
            let directory = self.generations_dir().join(&name);
            if directory.is_dir() {
                return Ok(GenerationHold { name, directory, _lock: lock });
            }
            // Removed between reading CURRENT and locking, so no longer live:
            // CURRENT names a newer generation now.
            let _ = fs::remove_file(&lock_path);
        }
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

    /// Best effort: a generation that is held or cannot be removed now is
    /// retried next build.
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
            self.remove_unless_held(path);
        }
    }

    fn remove_unless_held(&self, generation: &Path) {
        let name = generation.file_name().unwrap_or_default().to_string_lossy();
        let in_use = self.root.join(IN_USE_DIR);
        let lock_path = in_use.join(format!("{name}.lock"));
        let locked = fs::create_dir_all(&in_use)
            .and_then(|()| OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path))
            .map_err(fs::TryLockError::Error)
            .and_then(|lock| lock.try_lock().map(|()| lock));
        let _lock = match locked {
            Ok(lock) => lock,
            Err(fs::TryLockError::WouldBlock) => {
                tracing::info!(generation = %name, "keeping an old generation a running server still uses");
                return;
            }
            Err(fs::TryLockError::Error(error)) => {
                tracing::warn!(path = %lock_path.display(), %error, "could not tell whether a generation is in use");
                return;
            }
        };
        // The generation goes first, its lock file after, both under the
        // exclusive lock: a server that opened the lock file meanwhile finds
        // the generation gone once it gets its shared lock.
        match fs::remove_dir_all(generation) {
            Ok(()) => {
                let _ = fs::remove_file(&lock_path);
            }
            Err(error) => tracing::warn!(path = %generation.display(), %error, "could not remove an old generation"),
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

    /// A hold is a lock on its own open file, so a second handle in this
    /// process is refused as another process would be.
    #[test]
    fn a_held_generation_outlives_any_number_of_publications() {
        let root = tempfile::tempdir().unwrap();
        let layout = IndexLayout::new(root.path());
        let publish_one = || {
            let generation = layout.new_generation_dir().unwrap();
            layout.publish(&generation).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(2));
            generation
        };
        let served = publish_one();
        let hold = layout.hold_current().unwrap();
        assert_eq!((hold.directory(), hold.name()), (served.as_path(), served.file_name().unwrap().to_str().unwrap()));
        let unheld = publish_one();
        for _ in 0..3 {
            publish_one();
        }
        assert!(served.exists(), "the held generation is kept");
        assert!(!unheld.exists(), "an unheld old one is removed");

        drop(hold);
        publish_one();
        assert!(!served.exists(), "once released it goes with the next publication");
        let lock_files = fs::read_dir(root.path().join(IN_USE_DIR)).unwrap().count();
        assert_eq!(lock_files, 0, "lock files go with their generations");
    }
}
