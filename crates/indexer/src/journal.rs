//! The journal of documents written through the API: their source of truth.
//!
//! Seed files are the source of truth for seed items; `index/journal.jsonl` is
//! the source of truth for everything written, replaced or deleted through the
//! API. Each batch is one JSON line, appended and flushed to disk before the
//! index is touched, and the index records in its commit payload how many
//! journal bytes it has applied. So:
//!
//! - a rebuild from the seeds replays the whole journal: API writes survive it;
//! - after a crash, the next start replays what the index had not committed;
//! - a batch whose line was cut short by a crash is dropped whole, and a
//!   complete line is applied whole: a batch is never half there.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use hoshin_analysis::PolicyItem;
use serde::{Deserialize, Serialize};

use crate::error::{IndexerError, Result};

/// One change to the document set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
// Batches are almost all puts: boxing the item would cost an allocation each
// to save space only in the rare delete.
#[allow(clippy::large_enum_variant)]
pub enum Operation {
    /// Add the item, replacing any item with its id.
    Put(PolicyItem),
    /// Remove the item with this id.
    Delete(String),
}

/// A batch of operations applied together or not at all.
pub type Batch = Vec<Operation>;

/// A journaled batch and the journal length just after it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The operations.
    pub batch: Batch,
    /// Journal bytes up to and including this batch.
    pub end: u64,
}

/// The append-only journal file.
pub struct Journal {
    path: PathBuf,
    file: File,
    len: u64,
}

impl Journal {
    /// Reads every complete entry without changing the file, for builds that
    /// run beside a server appending to it. Also returns the file's length.
    pub fn read(path: &Path) -> Result<(Vec<Entry>, u64)> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(IndexerError::io(path)(error)),
        };
        let mut entries = Vec::new();
        let mut good = 0usize;
        for line in bytes.split_inclusive(|&byte| byte == b'\n') {
            let complete = line.ends_with(b"\n");
            match serde_json::from_slice::<Batch>(line) {
                Ok(batch) if complete => {
                    good += line.len();
                    entries.push(Entry { batch, end: good as u64 });
                }
                _ => break,
            }
        }
        Ok((entries, bytes.len() as u64))
    }

    /// Opens (or creates) the journal for appending, dropping a last line that
    /// a crash cut short, and returns it with every complete entry.
    pub fn open(path: &Path) -> Result<(Journal, Vec<Entry>)> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(IndexerError::io(parent))?;
        }
        let (entries, file_len) = Journal::read(path)?;
        let good = entries.last().map_or(0, |entry| entry.end);
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(IndexerError::io(path))?;
        if good < file_len {
            tracing::warn!(path = %path.display(), dropped_bytes = file_len - good, "dropping an incomplete journal tail");
            file.set_len(good).map_err(IndexerError::io(path))?;
            file.sync_all().map_err(IndexerError::io(path))?;
        }
        Ok((Journal { path: path.to_path_buf(), file, len: good }, entries))
    }

    /// Appends a batch and flushes it to disk; returns the journal length after it.
    pub fn append(&mut self, batch: &Batch) -> Result<u64> {
        let mut line = serde_json::to_vec(batch).expect("a batch serialises");
        line.push(b'\n');
        let written = self.file.write_all(&line).and_then(|()| self.file.sync_data());
        if let Err(error) = written {
            self.truncate(self.len)?;
            return Err(IndexerError::io(&self.path)(error));
        }
        self.len += line.len() as u64;
        Ok(self.len)
    }

    /// Forgets everything after `len` bytes: a batch the index refused.
    pub fn truncate(&mut self, len: u64) -> Result<()> {
        self.file.set_len(len).and_then(|()| self.file.sync_all()).map_err(IndexerError::io(&self.path))?;
        self.len = len;
        Ok(())
    }

    /// Current length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing has been journaled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use hoshin_analysis::Source;

    use super::*;

    fn item(id: &str) -> PolicyItem {
        PolicyItem {
            id: id.into(),
            year: "令和5年度".into(),
            fiscal_year: 2023,
            municipality: None,
            department: "教育部".into(),
            policy: "見出し".into(),
            path: Vec::new(),
            text: "本文".into(),
            source: Source { file: "api".into(), line: 0, ..Source::default() },
        }
    }

    #[test]
    fn batches_come_back_in_order_with_their_offsets() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        let (mut journal, entries) = Journal::open(&path).unwrap();
        assert!(entries.is_empty() && journal.is_empty());
        let first = journal.append(&vec![Operation::Put(item("a")), Operation::Put(item("b"))]).unwrap();
        let second = journal.append(&vec![Operation::Delete("a".into())]).unwrap();
        drop(journal);
        let (journal, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].end, entries[1].end, journal.len()), (first, second, second));
        assert_eq!(entries[1].batch, vec![Operation::Delete("a".into())]);
    }

    #[test]
    fn a_batch_cut_short_by_a_crash_is_dropped_whole() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        let (mut journal, _) = Journal::open(&path).unwrap();
        let kept = journal.append(&vec![Operation::Put(item("a"))]).unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"[{"put":{"id":"b","year""#).unwrap();
        drop(file);
        let (journal, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(journal.len(), kept);
        assert_eq!(fs::metadata(&path).unwrap().len(), kept, "the torn tail is cut off");
    }
}
