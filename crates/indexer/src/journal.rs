//! The journal of documents written through the API: their source of truth.
//!
//! Seed files are the source of truth for seed items; `index/journal.jsonl` is
//! the source of truth for everything written, replaced or deleted through the
//! API. Each batch is one line, appended and flushed to disk before the index
//! is touched, and the index records in its commit payload how many journal
//! bytes it has applied. So:
//!
//! - a rebuild from the seeds replays the whole journal: API writes survive it;
//! - after a crash, the next start replays what the index had not committed;
//! - a complete line is applied whole: a batch is never half there.
//!
//! A line is `CRC<TAB>JSON`: the CRC-32 of the JSON, as 8 hex digits, so that
//! a changed byte is detected rather than read as another batch (lines of
//! older journals, plain JSON, are still read). hoshin never shortens,
//! rewrites or deletes this file, with two exceptions that only ever touch
//! bytes no client was told were written:
//!
//! - a last line without its newline (a crash cut an append short) that the
//!   index has not applied is moved to a side file `journal.jsonl.torn-…`
//!   before the journal goes on after the last complete line;
//! - a batch being appended when the disk or the index refused it is taken
//!   back before its request is answered with the failure.
//!
//! A damaged line anywhere else stops every start and build with its file,
//! line and byte offset; `hoshin journal check` lists what is wrong and
//! `hoshin journal repair --to NEW_FILE` copies every intact entry to a new
//! file for the operator to put in place.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hoshin_analysis::{bounds, PolicyItem};
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

/// What makes `batch` larger than the bounds every batch keeps, if anything.
pub fn oversize(batch: &Batch) -> Option<String> {
    if batch.len() > bounds::MAX_BATCH {
        return Some(format!("the batch holds {} documents; at most {} are allowed", batch.len(), bounds::MAX_BATCH));
    }
    batch.iter().find_map(|operation| match operation {
        Operation::Put(item) => bounds::oversize(item),
        Operation::Delete(id) => (id.chars().count() > bounds::MAX_ID_CHARS)
            .then(|| format!("a deleted id has more than {} characters", bounds::MAX_ID_CHARS)),
    })
}

/// A journaled batch and the journal length just after it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The operations.
    pub batch: Batch,
    /// Journal bytes up to and including this batch.
    pub end: u64,
}

/// A line of the journal that cannot be taken as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The 1-based line.
    pub line: usize,
    /// Its first byte's offset in the file.
    pub offset: u64,
    /// Its length in bytes, newline included.
    pub length: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// Everything read from a journal file, damage included, without changing it.
#[derive(Debug, Default)]
pub struct Contents {
    /// The intact entries, in order.
    pub entries: Vec<Entry>,
    /// Complete lines that are damaged.
    pub damaged: Vec<Damage>,
    /// A last line without its newline: an append a crash cut short, or one
    /// still being written by a running server.
    pub torn_tail: Option<Damage>,
    /// The file's length in bytes.
    pub length: u64,
}

impl Contents {
    /// The first damaged line as an error naming the file, line and offset.
    pub fn ensure_intact(&self, path: &Path) -> Result<()> {
        match self.damaged.first() {
            Some(damage) => Err(damaged(path, damage)),
            None => Ok(()),
        }
    }
}

fn damaged(path: &Path, damage: &Damage) -> IndexerError {
    IndexerError::JournalDamaged {
        journal: path.to_path_buf(),
        line: damage.line,
        offset: damage.offset,
        reason: damage.reason.clone(),
    }
}

/// The append-only journal file.
pub struct Journal {
    path: PathBuf,
    file: File,
    len: u64,
}

impl Journal {
    /// Reads every line without changing the file: intact entries, damaged
    /// lines and a torn last line, for checks and for builds that run beside
    /// a server appending to it.
    pub fn inspect(path: &Path) -> Result<Contents> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(IndexerError::io(path)(error)),
        };
        let mut contents = Contents { length: bytes.len() as u64, ..Contents::default() };
        let mut offset = 0u64;
        for (index, line) in bytes.split_inclusive(|&byte| byte == b'\n').enumerate() {
            let start = offset;
            offset += line.len() as u64;
            let Some(body) = line.strip_suffix(b"\n") else {
                let reason = "the last line has no newline: an append cut short".to_string();
                contents.torn_tail = Some(Damage { line: index + 1, offset: start, length: line.len() as u64, reason });
                break;
            };
            match decode_line(body) {
                Ok(batch) => contents.entries.push(Entry { batch, end: offset }),
                Err(reason) => {
                    contents.damaged.push(Damage { line: index + 1, offset: start, length: line.len() as u64, reason })
                }
            }
        }
        Ok(contents)
    }

    /// Every intact entry, refusing a journal with a damaged line; a torn
    /// last line is left out (a running server may still be writing it).
    /// Also returns the bytes the entries span.
    pub fn read(path: &Path) -> Result<(Vec<Entry>, u64)> {
        let contents = Journal::inspect(path)?;
        contents.ensure_intact(path)?;
        let end = contents.entries.last().map_or(0, |entry| entry.end);
        Ok((contents.entries, end))
    }

    /// Opens (or creates) the journal for appending and returns it with every
    /// entry. `applied` is how many journal bytes the index has committed: a
    /// torn last line it has not applied was never acknowledged and is moved
    /// to a side file; any other damage refuses to open, changing nothing.
    pub fn open(path: &Path, applied: u64) -> Result<(Journal, Vec<Entry>)> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(IndexerError::io(parent))?;
        }
        let contents = Journal::inspect(path)?;
        contents.ensure_intact(path)?;
        let good = contents.entries.last().map_or(0, |entry| entry.end);
        if let Some(tail) = contents.torn_tail.as_ref().filter(|tail| applied > tail.offset) {
            // The index applied it, so it was whole once: damage, not a crash.
            return Err(damaged(path, tail));
        }
        ensure_journal_covers(applied, path, contents.length)?;
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(IndexerError::io(path))?;
        if let Some(tail) = &contents.torn_tail {
            set_aside_torn_tail(path, &file, tail)?;
        }
        Ok((Journal { path: path.to_path_buf(), file, len: good }, contents.entries))
    }

    /// Appends a batch and flushes it to disk; returns the journal length after it.
    pub fn append(&mut self, batch: &Batch) -> Result<u64> {
        let line = encode_line(batch);
        let written = self.file.write_all(&line).and_then(|()| self.file.sync_data());
        if let Err(error) = written {
            // Bytes of this batch that did reach the file were never acknowledged.
            self.take_back(self.len)?;
            return Err(IndexerError::io(&self.path)(error));
        }
        self.len += line.len() as u64;
        Ok(self.len)
    }

    /// Takes back the batch appended after `len` bytes, which the index
    /// refused: its request is answered with the failure, so no client was
    /// told it was written.
    pub fn take_back(&mut self, len: u64) -> Result<()> {
        tracing::warn!(path = %self.path.display(), bytes = self.len.saturating_sub(len), "taking back a batch the index refused");
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

/// An error when the index has applied more journal bytes than were found.
pub(crate) fn ensure_journal_covers(applied: u64, journal: &Path, found: u64) -> Result<()> {
    if applied > found {
        return Err(IndexerError::JournalMissing { journal: journal.to_path_buf(), applied, found });
    }
    Ok(())
}

/// What `hoshin journal repair` did.
#[derive(Debug)]
pub struct Repair {
    /// Entries copied.
    pub copied: usize,
    /// Lines left out, damaged or torn.
    pub left_out: Vec<Damage>,
}

/// Copies every intact entry of the journal at `from` to a new file `to`
/// (which must not exist), leaving `from` as it is; the operator decides
/// whether to put the copy in its place.
pub fn repair(from: &Path, to: &Path) -> Result<Repair> {
    let contents = Journal::inspect(from)?;
    let mut file = OpenOptions::new().write(true).create_new(true).open(to).map_err(IndexerError::io(to))?;
    for entry in &contents.entries {
        file.write_all(&encode_line(&entry.batch)).map_err(IndexerError::io(to))?;
    }
    file.sync_all().map_err(IndexerError::io(to))?;
    let left_out = contents.damaged.into_iter().chain(contents.torn_tail).collect();
    Ok(Repair { copied: contents.entries.len(), left_out })
}

/// A batch as one journal line: `CRC<TAB>JSON\n`.
fn encode_line(batch: &Batch) -> Vec<u8> {
    let json = serde_json::to_vec(batch).expect("a batch serialises");
    let mut line = format!("{:08x}\t", crc32fast::hash(&json)).into_bytes();
    line.extend_from_slice(&json);
    line.push(b'\n');
    line
}

/// A line without its newline as a batch, or what is wrong with it.
fn decode_line(body: &[u8]) -> std::result::Result<Batch, String> {
    let json = match body.iter().position(|&byte| byte == b'\t') {
        Some(tab) => {
            let (checksum, json) = (&body[..tab], &body[tab + 1..]);
            let expected = std::str::from_utf8(checksum)
                .ok()
                .filter(|digits| digits.len() == 8)
                .and_then(|digits| u32::from_str_radix(digits, 16).ok())
                .ok_or_else(|| "the line does not start with an 8-digit checksum".to_string())?;
            let found = crc32fast::hash(json);
            if found != expected {
                return Err(format!("checksum mismatch: the line says {expected:08x}, its content gives {found:08x}"));
            }
            json
        }
        // Journals written before checksums: plain JSON, which holds no raw tab.
        None => body,
    };
    let batch: Batch = serde_json::from_slice(json).map_err(|error| format!("not a batch: {error}"))?;
    match oversize(&batch) {
        Some(reason) => Err(format!("over the bounds of a batch: {reason}")),
        None => Ok(batch),
    }
}

/// Copies a torn last line to a side file beside the journal, flushed, then
/// cuts it from the journal so appends go on after the last complete line.
fn set_aside_torn_tail(path: &Path, file: &File, tail: &Damage) -> Result<()> {
    let mut torn = Vec::new();
    let mut reader = File::open(path).map_err(IndexerError::io(path))?;
    reader
        .seek(SeekFrom::Start(tail.offset))
        .and_then(|_| reader.read_to_end(&mut torn))
        .map_err(IndexerError::io(path))?;
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    let side = path.with_file_name(format!(
        "{}.torn-{seconds}-{}",
        path.file_name().map_or_else(|| "journal".into(), |name| name.to_string_lossy()),
        tail.offset
    ));
    let mut side_file = OpenOptions::new().write(true).create_new(true).open(&side).map_err(IndexerError::io(&side))?;
    side_file.write_all(&torn).and_then(|()| side_file.sync_all()).map_err(IndexerError::io(&side))?;
    tracing::warn!(
        journal = %path.display(),
        line = tail.line,
        bytes = tail.length,
        moved_to = %side.display(),
        "an append cut short by a crash, never acknowledged, was moved to a side file"
    );
    file.set_len(tail.offset).and_then(|()| file.sync_all()).map_err(IndexerError::io(path))
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

    fn journal_of(batches: usize) -> (tempfile::TempDir, PathBuf) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        let (mut journal, _) = Journal::open(&path, 0).unwrap();
        for number in 0..batches {
            journal.append(&vec![Operation::Put(item(&format!("a-{number}")))]).unwrap();
        }
        (directory, path)
    }

    #[test]
    fn batches_come_back_in_order_with_their_offsets() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        let (mut journal, entries) = Journal::open(&path, 0).unwrap();
        assert!(entries.is_empty() && journal.is_empty());
        let first = journal.append(&vec![Operation::Put(item("a")), Operation::Put(item("b"))]).unwrap();
        let second = journal.append(&vec![Operation::Delete("a".into())]).unwrap();
        drop(journal);
        let (journal, entries) = Journal::open(&path, second).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].end, entries[1].end, journal.len()), (first, second, second));
        assert_eq!(entries[1].batch, vec![Operation::Delete("a".into())]);
    }

    #[test]
    fn a_torn_tail_never_applied_is_moved_to_a_side_file() {
        let (directory, path) = journal_of(1);
        let kept = fs::metadata(&path).unwrap().len();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"0123abcd	[{"put":{"id":"b","year""#).unwrap();
        drop(file);
        let (journal, entries) = Journal::open(&path, kept).unwrap();
        assert_eq!((entries.len(), journal.len()), (1, kept));
        assert_eq!(fs::metadata(&path).unwrap().len(), kept);
        let side: Vec<_> = fs::read_dir(directory.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("journal.jsonl.torn-"))
            .collect();
        assert_eq!(side.len(), 1, "{side:?}");
        let moved = fs::read(directory.path().join(&side[0])).unwrap();
        assert!(moved.ends_with(br#""year""#));
    }

    #[test]
    fn a_changed_byte_in_the_middle_refuses_to_open_and_changes_nothing() {
        let (_directory, path) = journal_of(10);
        let mut bytes = fs::read(&path).unwrap();
        let fifth = bytes.split_inclusive(|&byte| byte == b'\n').take(4).map(<[u8]>::len).sum::<usize>();
        bytes[fifth + 30] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        let error = Journal::open(&path, bytes.len() as u64).err().expect("a damaged journal is refused");
        let message = error.to_string();
        assert!(message.contains("line 5") && message.contains(&format!("byte {fifth}")), "{message}");
        assert!(message.contains("checksum mismatch"), "{message}");
        assert_eq!(fs::read(&path).unwrap(), bytes, "the journal is exactly as it was");
        assert!(Journal::read(&path).is_err(), "builds refuse it too");
    }

    #[test]
    fn a_last_line_whose_newline_was_lost_after_it_was_applied_is_refused() {
        let (_directory, path) = journal_of(2);
        let mut bytes = fs::read(&path).unwrap();
        let applied = bytes.len() as u64;
        bytes.pop();
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(Journal::open(&path, applied), Err(IndexerError::JournalDamaged { line: 2, .. })));
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn repair_copies_every_intact_entry_and_names_what_it_left_out() {
        let (directory, path) = journal_of(4);
        let mut bytes = fs::read(&path).unwrap();
        let second = bytes.iter().position(|&byte| byte == b'\n').unwrap() + 1;
        bytes[second + 20] = b'#';
        bytes.extend_from_slice(b"0000");
        fs::write(&path, &bytes).unwrap();
        let repaired = directory.path().join("repaired.jsonl");
        let report = repair(&path, &repaired).unwrap();
        assert_eq!(report.copied, 3);
        assert_eq!(report.left_out.iter().map(|damage| damage.line).collect::<Vec<_>>(), [2, 5]);
        assert_eq!(fs::read(&path).unwrap(), bytes, "the original is left as it was");
        let (entries, _) = Journal::read(&repaired).unwrap();
        assert_eq!(entries.len(), 3);
        assert!(repair(&path, &repaired).is_err(), "an existing file is never overwritten");
    }

    #[test]
    fn lines_of_journals_written_before_checksums_are_still_read() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        let legacy = serde_json::to_string(&vec![Operation::Put(item("a"))]).unwrap() + "\n";
        fs::write(&path, &legacy).unwrap();
        let (entries, end) = Journal::read(&path).unwrap();
        assert_eq!((entries.len(), end), (1, legacy.len() as u64));
    }

    #[test]
    fn an_entry_over_the_bounds_is_damage_not_a_batch_to_replay() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.jsonl");
        let mut huge = item("a");
        huge.text = "あ".repeat(bounds::MAX_TEXT_CHARS + 1);
        fs::write(&path, encode_line(&vec![Operation::Put(huge)])).unwrap();
        let error = Journal::read(&path).unwrap_err().to_string();
        assert!(error.contains("line 1") && error.contains("over the bounds"), "{error}");
    }
}
