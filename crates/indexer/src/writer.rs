//! Writing documents into the live index while it serves searches.
//!
//! A batch goes to the [`Journal`] first, then into the index in one tantivy
//! commit whose payload is the journal length it reflects. If the index
//! refuses the batch, the journal forgets it again, so after a failure none of
//! the batch is anywhere; a crash between the two is mended at the next start
//! by [`DocumentWriter::open`], which replays what the index lacks.

use std::path::Path;
use std::sync::Mutex;

use hoshin_analysis::{Analyzers, DocumentMaker, Fields};
use tantivy::{Index, Term};

use crate::error::{IndexerError, Result};
use crate::journal::{self, Batch, Entry, Journal, Operation};
use crate::pipeline::BoundedWriter;

/// Memory the serving index writer may use.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// The one writer of a live index, and the journal behind it.
pub struct DocumentWriter {
    fields: Fields,
    analyzers: Analyzers,
    state: Mutex<(BoundedWriter, Journal)>,
}

impl DocumentWriter {
    /// Takes the index's writer lock and brings the index up to the journal at
    /// `journal_path`, replaying batches it has not committed.
    pub fn open(index: &Index, analyzers: &Analyzers, journal_path: &Path) -> Result<DocumentWriter> {
        Analyzers::ensure_registered(index)?;
        let fields = Fields::from_schema(&index.schema())?;
        let analyzers = analyzers.clone();
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
        Ok(DocumentWriter { fields, analyzers, state: Mutex::new((writer, journal)) })
    }

    /// Applies a batch: journaled, then committed; all of it or, on error, none.
    pub fn write(&self, batch: &Batch) -> Result<()> {
        if let Some(reason) = journal::oversize(batch) {
            return Err(IndexerError::OverBounds(reason));
        }
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (writer, journal) = &mut *state;
        let before = journal.len();
        let after = journal.append(batch)?;
        apply(writer, &self.fields, &self.analyzers, batch);
        if let Err(error) = commit(writer, after) {
            let _ = writer.rollback();
            journal.take_back(before)?;
            return Err(error);
        }
        Ok(())
    }
}

/// How many journal bytes the index's last commit reflects.
pub fn applied_journal_bytes(index: &Index) -> Result<u64> {
    Ok(index.load_metas()?.payload.and_then(|payload| payload.parse().ok()).unwrap_or(0))
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
