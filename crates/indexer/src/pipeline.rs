//! A tantivy index writer that lets only so many documents wait for its
//! indexing threads.
//!
//! tantivy queues up to ten thousand documents ahead of its indexing threads.
//! hoshin's documents carry their text's analyses (the tokens of the
//! normalised and reading fields, tens of kilobytes an item), so whenever
//! analysis outpaces indexing that queue alone holds hundreds of megabytes,
//! and a build's peak memory depends on how the threads happened to be
//! scheduled. Here a document is in flight from its hand-over until tantivy
//! drops it, indexed; the caller waits while [`MAX_IN_FLIGHT`] are.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use hoshin_analysis::IndexDocument;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::document::Document;
use tantivy::{Index, IndexWriter, Opstamp, Term};

use crate::error::Result;

/// Documents handed over and not yet indexed, at most: enough to keep every
/// indexing thread busy between two hand-overs.
const MAX_IN_FLIGHT: usize = 256;

/// How long a hand-over waits for room before going ahead anyway. Only a
/// stalled or dead indexing thread makes it wait that long; going ahead then
/// lets tantivy report a dead writer instead of waiting forever.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// tantivy's writer of hoshin's documents, with the hand-over bounded.
pub(crate) struct BoundedWriter {
    writer: IndexWriter<InFlightDocument>,
    in_flight: Arc<InFlight>,
}

impl BoundedWriter {
    /// The writer of `index`, its indexing threads sharing `memory_bytes`.
    pub(crate) fn new(index: &Index, memory_bytes: usize) -> Result<BoundedWriter> {
        Ok(BoundedWriter { writer: index.writer(memory_bytes)?, in_flight: Arc::default() })
    }

    /// The writer that indexes a whole build: it merges nothing, leaving
    /// the segments to one merge at the end.
    pub(crate) fn for_build(index: &Index, memory_bytes: usize) -> Result<BoundedWriter> {
        let writer = BoundedWriter::new(index, memory_bytes)?;
        writer.writer.set_merge_policy(Box::new(NoMergePolicy));
        Ok(writer)
    }

    /// Hands `document` to the indexing threads once there is room for it.
    pub(crate) fn add_document(&self, document: IndexDocument) -> Result<Opstamp> {
        let mut count = self.in_flight.wait_for_room();
        *count += 1;
        drop(count);
        let ticket = Ticket(Arc::clone(&self.in_flight));
        Ok(self.writer.add_document(InFlightDocument { document, _ticket: ticket })?)
    }

    /// Deletes the documents holding `term`, uncommitted.
    pub(crate) fn delete_term(&self, term: Term) {
        self.writer.delete_term(term);
    }

    /// Commits what was added and deleted, recording `payload` with it.
    pub(crate) fn commit(&mut self, payload: &str) -> Result<()> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(payload);
        prepared.commit()?;
        Ok(())
    }

    /// Forgets what was added and deleted since the last commit.
    pub(crate) fn rollback(&mut self) -> Result<()> {
        self.writer.rollback()?;
        Ok(())
    }

    /// Waits for the merges under way, ending the writer.
    pub(crate) fn wait_merging_threads(self) -> Result<()> {
        Ok(self.writer.wait_merging_threads()?)
    }
}

/// How many documents are in flight, and a signal whenever one lands.
#[derive(Default)]
struct InFlight {
    count: Mutex<usize>,
    landed: Condvar,
}

impl InFlight {
    fn wait_for_room(&self) -> MutexGuard<'_, usize> {
        let count = self.count.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (count, _) = self
            .landed
            .wait_timeout_while(count, MAX_WAIT, |count| *count >= MAX_IN_FLIGHT)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        count
    }
}

/// Counts its document in flight until tantivy drops it.
struct Ticket(Arc<InFlight>);

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut count = self.0.count.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *count = count.saturating_sub(1);
        self.0.landed.notify_one();
    }
}

/// A document on its way through tantivy's queue, with its ticket.
struct InFlightDocument {
    document: IndexDocument,
    _ticket: Ticket,
}

impl Document for InFlightDocument {
    type Value<'a> = <IndexDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <IndexDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.document.iter_fields_and_values()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn fill(in_flight: &Arc<InFlight>) -> Vec<Ticket> {
        (0..MAX_IN_FLIGHT)
            .map(|_| {
                *in_flight.wait_for_room() += 1;
                Ticket(Arc::clone(in_flight))
            })
            .collect()
    }

    #[test]
    fn a_full_hand_over_waits_until_a_document_lands() {
        let in_flight = Arc::new(InFlight::default());
        let mut tickets = fill(&in_flight);
        let started = Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                tickets.pop();
            });
            let count = in_flight.wait_for_room();
            assert_eq!(*count, MAX_IN_FLIGHT - 1);
        });
        assert!(started.elapsed() < MAX_WAIT, "woken by the landing, not the time-out");
        drop(tickets);
        assert_eq!(*in_flight.count.lock().unwrap(), 0, "every ticket gave its place back");
    }

    #[test]
    fn a_hand_over_that_nothing_makes_room_for_goes_ahead_after_a_while() {
        let in_flight = Arc::new(InFlight::default());
        let _tickets = fill(&in_flight);
        let started = Instant::now();
        assert_eq!(*in_flight.wait_for_room(), MAX_IN_FLIGHT);
        assert!(started.elapsed() >= MAX_WAIT);
    }
}
