//! Writing documents into the live index while it serves searches.
//!
//! On one machine, a batch goes to the [`Journal`] first, then into the index
//! in one tantivy commit whose payload is the journal length it reflects. If
//! the index refuses the batch, the journal forgets it again, so after a
//! failure none of the batch is anywhere; a crash between the two is mended at
//! the next start by [`DocumentWriter::open`], which replays what the index lacks.
//!
//! A node of a fleet keeps no journal: the store (`hoshin-store`) is the
//! record, and the node's writer ([`DocumentWriter::following`]) applies the
//! store's batches in order, each commit's payload saying how far it is
//! ([`Applied`]), so a restarted node goes on where it stopped.

use std::path::Path;
use std::sync::Mutex;

use hoshin_analysis::{Analyzers, DocumentMaker, Fields};
use tantivy::{Index, Term};

use crate::error::{IndexerError, Result};
use crate::journal::{self, Batch, Entry, Journal, Operation};
use crate::pipeline::BoundedWriter;

/// Memory the serving index writer may use.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// How far a node's index has applied the store's log: the position and
/// hash chain of the last batch applied (position 0 and no chain: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The last position applied.
    pub position: u64,
    /// Its chain.
    pub chain: Vec<u8>,
}

/// What a commit's payload says of a store's log: `store <position> <chain in hex>`.
const STORE_PAYLOAD: &str = "store";

impl Applied {
    /// The commit payload recording it.
    pub(crate) fn payload(&self) -> String {
        let chain: String = self.chain.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("{STORE_PAYLOAD} {} {chain}", self.position)
    }

    fn from_payload(payload: &str) -> Option<Applied> {
        let mut parts = payload.strip_prefix(STORE_PAYLOAD)?.split_whitespace();
        let position = parts.next()?.parse().ok()?;
        let hex = parts.next().unwrap_or_default();
        let chain = (0..hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Applied { position, chain })
    }
}

/// The one writer of a live index, and the journal behind it on one machine.
pub struct DocumentWriter {
    fields: Fields,
    analyzers: Analyzers,
    state: Mutex<(BoundedWriter, Option<Journal>)>,
}

impl DocumentWriter {
    /// Takes the index's writer lock and brings the index up to the journal at
    /// `journal_path`, replaying batches it has not committed.
    pub fn open(index: &Index, analyzers: &Analyzers, journal_path: &Path) -> Result<DocumentWriter> {
        Analyzers::ensure_registered(index)?;
        let fields = Fields::from_schema(&index.schema())?;
        let analyzers = analyzers.clone();
        let payload = index.load_metas()?.payload.unwrap_or_default();
        if Applied::from_payload(&payload).is_some_and(|applied| applied.position > 0) {
            return Err(IndexerError::MixedLog(
                "this index follows a store: serve it with --store, or start a journal from an index built anew".into(),
            ));
        }
        let applied = applied_journal_bytes(index)?;
        let (journal, entries) = Journal::open(journal_path, applied)?;
        let mut writer = BoundedWriter::new(index, WRITER_MEMORY_BYTES)?;
        let missing: Vec<&Entry> = entries.iter().filter(|entry| entry.end > applied).collect();
        if !missing.is_empty() {
            tracing::info!(batches = missing.len(), "replaying journaled batches the index lacks");
            for entry in &missing {
                apply(&writer, &fields, &analyzers, &entry.batch);
            }
            commit(&mut writer, journal.len())?;
        }
        Ok(DocumentWriter { fields, analyzers, state: Mutex::new((writer, Some(journal))) })
    }

    /// Takes the index's writer lock for a node that follows a store and
    /// keeps no journal; [`applied_from_store`] says where it goes on from.
    pub fn following(index: &Index, analyzers: &Analyzers) -> Result<DocumentWriter> {
        Analyzers::ensure_registered(index)?;
        applied_from_store(index)?;
        let fields = Fields::from_schema(&index.schema())?;
        let writer = BoundedWriter::new(index, WRITER_MEMORY_BYTES)?;
        Ok(DocumentWriter { fields, analyzers: analyzers.clone(), state: Mutex::new((writer, None)) })
    }

    /// Applies a batch: journaled, then committed; all of it or, on error,
    /// none. The journal's length after it.
    pub fn write(&self, batch: &Batch) -> Result<u64> {
        if let Some(reason) = journal::oversize(batch) {
            return Err(IndexerError::OverBounds(reason));
        }
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (writer, journal) = &mut *state;
        let Some(journal) = journal else {
            return Err(IndexerError::MixedLog("a node that follows a store writes through the store".into()));
        };
        let before = journal.len();
        let after = journal.append(batch)?;
        apply(writer, &self.fields, &self.analyzers, batch);
        if let Err(error) = commit(writer, after) {
            let _ = writer.rollback();
            journal.take_back(before)?;
            return Err(error);
        }
        Ok(after)
    }

    /// Applies batches the store holds, in order, in one commit recording
    /// `reached`, the last one's position and chain: all of them or, on
    /// error, none.
    pub fn apply_stored<'b>(&self, batches: impl IntoIterator<Item = &'b Batch>, reached: &Applied) -> Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (writer, journal) = &mut *state;
        if journal.is_some() {
            return Err(IndexerError::MixedLog("an index with a journal does not follow a store".into()));
        }
        for batch in batches {
            apply(writer, &self.fields, &self.analyzers, batch);
        }
        if let Err(error) = writer.commit(&reached.payload()) {
            let _ = writer.rollback();
            return Err(error);
        }
        Ok(())
    }
}

/// How many journal bytes the index's last commit reflects: none for an
/// index that follows a store.
pub fn applied_journal_bytes(index: &Index) -> Result<u64> {
    Ok(index.load_metas()?.payload.and_then(|payload| payload.parse().ok()).unwrap_or(0))
}

/// How far into a store's log the index's last commit is. A generation built
/// from the seeds alone (nothing journaled) is at the start; one that applied
/// journal entries cannot follow a store.
pub fn applied_from_store(index: &Index) -> Result<Applied> {
    let payload = index.load_metas()?.payload.unwrap_or_default();
    if let Some(applied) = Applied::from_payload(&payload) {
        return Ok(applied);
    }
    match payload.parse::<u64>().unwrap_or(0) {
        0 => Ok(Applied::default()),
        _ => Err(IndexerError::MixedLog(
            "this index holds documents written to its journal; a node that follows a store starts without one".into(),
        )),
    }
}

/// Adds a batch's operations to the writer, uncommitted.
pub(crate) fn apply(writer: &BoundedWriter, fields: &Fields, analyzers: &Analyzers, batch: &Batch) {
    let mut maker = DocumentMaker::new(fields, analyzers);
    for operation in batch {
        match operation {
            Operation::Put(item) => {
                writer.delete_term(id_term(fields, &item.id));
                // add_document only fails once the writer is dead, which the commit reports.
                let _ = writer.add_document(maker.document(item));
            }
            Operation::Delete(id) => {
                writer.delete_term(id_term(fields, id));
            }
        }
    }
}

/// Commits, recording the journal length the index now reflects.
pub(crate) fn commit(writer: &mut BoundedWriter, journal_bytes: u64) -> Result<()> {
    writer.commit(&journal_bytes.to_string())
}

fn id_term(fields: &Fields, id: &str) -> Term {
    Term::from_field_text(fields.id, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_position_reads_back_from_its_payload_and_a_journal_length_is_not_one() {
        let applied = Applied { position: 42, chain: vec![0, 0xab, 0xff] };
        assert_eq!(applied.payload(), "store 42 00abff");
        assert_eq!(Applied::from_payload(&applied.payload()), Some(applied));
        assert_eq!(Applied::from_payload("store 0 "), Some(Applied::default()));
        assert_eq!(Applied::from_payload("1234"), None);
        assert_eq!(Applied::from_payload("store 4 abc"), None);
    }
}
