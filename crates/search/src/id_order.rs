//! Equal scores in id order, so that a page depends on the items alone and
//! not on which indexing thread took which item or how segments merged.
//!
//! tantivy breaks a tie by document address, which a rebuild of the same
//! items reshuffles. Within a segment the id column's ordinals are in id
//! order, but they do not compare across segments, and spelling one out at
//! search time decodes a block of the column's dictionary, dear in a large
//! segment. So a generation of several segments merges their sorted ids
//! once when it opens and keeps each item's rank among all of them, by
//! document, which a search reads in the order it walks the documents; a
//! generation of one segment (every city-sized index once built) ranks by
//! ordinal.

use std::sync::Arc;

use tantivy::collector::sort_key::{Comparator, NaturalComparator, ReverseComparator};
use tantivy::collector::{SegmentSortKeyComputer, SortKeyComputer};
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Searcher, SegmentReader};

use hoshin_analysis::field_name;

/// A sort key of every item of a generation: its id's rank in id order.
#[derive(Clone)]
pub struct ById {
    segments: Arc<[SegmentIds]>,
}

/// How one segment ranks its items' ids.
#[derive(Clone)]
pub struct SegmentIds {
    segment: SegmentId,
    ranks: Ranks,
}

#[derive(Clone)]
enum Ranks {
    /// The only segment: the ordinals of its id column.
    Ordinals(Option<StrColumn>),
    /// One of several: each document's rank among all their ids.
    ByDocument(Arc<[u32]>),
}

/// The rank of an item without an id (none is written so): last.
const NO_ID: u32 = u32::MAX;

impl ById {
    /// The id order of `searcher`'s segments.
    pub fn open(searcher: &Searcher) -> tantivy::Result<ById> {
        let readers = searcher.segment_readers();
        let columns = readers
            .iter()
            .map(|reader| reader.fast_fields().str(field_name::ID))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let ranks: Vec<Ranks> = if columns.len() > 1 {
            let by_ordinal = merged_ranks(&columns)?;
            let by_document = readers.iter().zip(&columns).zip(by_ordinal).map(|((reader, column), ranks)| {
                let ordinals = column.as_ref().map(|column| column.ords());
                let rank_of = |doc| {
                    ordinals.and_then(|ordinals| ordinals.first(doc)).map_or(NO_ID, |ordinal| ranks[ordinal as usize])
                };
                Ranks::ByDocument((0..reader.max_doc()).map(rank_of).collect())
            });
            by_document.collect()
        } else {
            columns.into_iter().map(Ranks::Ordinals).collect()
        };
        let segments =
            readers.iter().zip(ranks).map(|(reader, ranks)| SegmentIds { segment: reader.segment_id(), ranks });
        Ok(ById { segments: segments.collect() })
    }
}

/// The rank of each ordinal of each column among the ids of all of them,
/// from one merge of their sorted dictionaries (an id in two columns, the
/// older copy deleted, ranks the same in both).
fn merged_ranks(columns: &[Option<StrColumn>]) -> tantivy::Result<Vec<Vec<u32>>> {
    let mut ranks: Vec<Vec<u32>> = columns
        .iter()
        .map(|column| vec![0; column.as_ref().map_or(0, |column| column.dictionary().num_terms())])
        .collect();
    let mut streams = Vec::with_capacity(columns.len());
    for (index, column) in columns.iter().enumerate() {
        if let Some(column) = column {
            let mut stream = column.dictionary().stream()?;
            if stream.advance() {
                streams.push((index, stream));
            }
        }
    }
    let (mut rank, mut previous): (u32, Option<Vec<u8>>) = (0, None);
    // Few segments: the least key by a look at each beats a heap's copies.
    while let Some(least) = (0..streams.len()).min_by(|&a, &b| streams[a].1.key().cmp(streams[b].1.key())) {
        let (index, stream) = &mut streams[least];
        match &mut previous {
            Some(previous) if previous.as_slice() == stream.key() => {}
            Some(previous) => {
                rank += 1;
                previous.clear();
                previous.extend_from_slice(stream.key());
            }
            None => previous = Some(stream.key().to_vec()),
        }
        ranks[*index][stream.term_ord() as usize] = rank;
        if !stream.advance() {
            streams.swap_remove(least);
        }
    }
    Ok(ranks)
}

/// Orders ranks ascending: tantivy keeps the greatest.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ascending;

impl<T> Comparator<T> for Ascending
where
    NaturalComparator: Comparator<T>,
{
    fn compare(&self, lhs: &T, rhs: &T) -> std::cmp::Ordering {
        ReverseComparator.compare(lhs, rhs)
    }
}

impl SortKeyComputer for ById {
    type SortKey = u64;
    type Child = SegmentIds;
    type Comparator = Ascending;

    fn segment_sort_key_computer(&self, reader: &SegmentReader) -> tantivy::Result<SegmentIds> {
        let segment = self.segments.iter().find(|segment| segment.segment == reader.segment_id());
        Ok(segment.cloned().unwrap_or(SegmentIds { segment: reader.segment_id(), ranks: Ranks::Ordinals(None) }))
    }
}

impl SegmentSortKeyComputer for SegmentIds {
    type SortKey = u64;
    type SegmentSortKey = u64;
    type SegmentComparator = Ascending;

    /// The rank of `doc`'s id.
    fn segment_sort_key(&mut self, doc: DocId, _score: Score) -> u64 {
        let rank = match &self.ranks {
            Ranks::ByDocument(ranks) => ranks.get(doc as usize).copied().map(u64::from),
            Ranks::Ordinals(column) => column.as_ref().and_then(|column| column.ords().first(doc)),
        };
        rank.unwrap_or(u64::from(NO_ID))
    }

    fn convert_segment_sort_key(&self, rank: u64) -> u64 {
        rank
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::sort_key::SortBySimilarityScore;
    use tantivy::collector::TopDocs;
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Schema, Value, FAST, STORED, STRING, TEXT};
    use tantivy::{doc, Index, IndexWriter, TantivyDocument, Term};

    use super::*;

    /// The ids of hits `offset..offset + limit` of the items saying "same",
    /// from an index whose segments hold `batches` of items (words, id) in
    /// the order given.
    fn ranked(batches: &[&[(&str, &str)]], offset: usize, limit: usize) -> Vec<String> {
        let mut schema = Schema::builder();
        let id = schema.add_text_field(field_name::ID, STRING | STORED | FAST);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for batch in batches {
            for (text, item) in *batch {
                writer.add_document(doc!(id => *item, body => *text)).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), batches.len());
        let query = TermQuery::new(Term::from_field_text(body, "same"), IndexRecordOption::WithFreqs);
        let page = TopDocs::with_limit(limit).and_offset(offset);
        let page = page.order_by((SortBySimilarityScore, ById::open(&searcher).unwrap()));
        let id_of = |address| {
            let document: TantivyDocument = searcher.doc(address).unwrap();
            document.get_first(id).and_then(|value| value.as_str()).unwrap().to_string()
        };
        searcher.search(&query, &page).unwrap().into_iter().map(|(_, address)| id_of(address)).collect()
    }

    #[test]
    fn equal_scores_rank_by_id_in_one_segment() {
        let items = [("same", "c"), ("same", "a"), ("same same", "z"), ("same", "b")];
        assert_eq!(ranked(&[&items], 0, 10), ["z", "a", "b", "c"]);
        assert_eq!(ranked(&[&items], 1, 2), ["a", "b"]);
    }

    #[test]
    fn equal_scores_rank_by_id_across_segments() {
        let batches: [&[_]; 3] =
            [&[("same", "c"), ("same", "a")], &[("same", "d"), ("same same", "z")], &[("same", "b"), ("other", "e")]];
        assert_eq!(ranked(&batches, 0, 10), ["z", "a", "b", "c", "d"]);
        assert_eq!(ranked(&batches, 2, 2), ["b", "c"]);
    }
}
