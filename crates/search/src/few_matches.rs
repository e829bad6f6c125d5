//! The matches of a pass that finds few, kept by address.
//!
//! A query whose strict matches are few is relaxed, and the relaxed pass
//! leaves the strict matches out. Leaving them out with the strict query
//! itself would make every scorer of that query once more, opening the
//! posting lists of all its terms and phrases; leaving out a handful of
//! addresses costs next to nothing. [`FewMatches`] gathers the addresses
//! while the strict pass counts, and [`AddressQuery`] matches them.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentOrdinal, TantivyError, TERMINATED};

/// Every match's address when there are fewer than `below` of them.
pub struct FewMatches {
    below: usize,
}

impl FewMatches {
    /// Gathers the matches of a pass that finds fewer than `below`.
    pub fn below(below: usize) -> FewMatches {
        FewMatches { below }
    }
}

impl Collector for FewMatches {
    type Fruit = Option<Vec<DocAddress>>;
    type Child = SegmentFewMatches;

    fn for_segment(&self, segment: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<SegmentFewMatches> {
        Ok(SegmentFewMatches { segment, below: self.below, addresses: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<DocAddress>>) -> tantivy::Result<Option<Vec<DocAddress>>> {
        let addresses: Vec<DocAddress> = segments.into_iter().flatten().collect();
        Ok((addresses.len() < self.below).then_some(addresses))
    }
}

/// [`FewMatches`] over one segment: its first `below` matches, enough to
/// tell that there are too many.
pub struct SegmentFewMatches {
    segment: SegmentOrdinal,
    below: usize,
    addresses: Vec<DocAddress>,
}

impl SegmentCollector for SegmentFewMatches {
    type Fruit = Vec<DocAddress>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if self.addresses.len() < self.below {
            self.addresses.push(DocAddress::new(self.segment, doc));
        }
    }

    fn harvest(self) -> Vec<DocAddress> {
        self.addresses
    }
}

/// The items at some addresses of one searcher, each scoring nothing.
#[derive(Clone, Debug)]
pub struct AddressQuery {
    /// Each segment's items, in order; keyed by segment id, since a weight
    /// is given a segment's reader, not its ordinal.
    docs: Arc<FxHashMap<SegmentId, Arc<[DocId]>>>,
}

impl AddressQuery {
    /// The items at `addresses` of `searcher`'s segments.
    pub fn new(searcher: &Searcher, addresses: &[DocAddress]) -> AddressQuery {
        let mut by_segment: FxHashMap<SegmentId, Vec<DocId>> = FxHashMap::default();
        for address in addresses {
            let segment = searcher.segment_reader(address.segment_ord).segment_id();
            by_segment.entry(segment).or_default().push(address.doc_id);
        }
        let docs = by_segment
            .into_iter()
            .map(|(segment, mut docs)| {
                docs.sort_unstable();
                docs.dedup();
                (segment, Arc::from(docs))
            })
            .collect();
        AddressQuery { docs: Arc::new(docs) }
    }

    fn docs_of(&self, segment: &SegmentReader) -> Arc<[DocId]> {
        self.docs.get(&segment.segment_id()).cloned().unwrap_or_else(|| Arc::from([]))
    }
}

impl Query for AddressQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for AddressQuery {
    fn scorer(&self, segment: &SegmentReader, _: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(AddressScorer { docs: self.docs_of(segment), next: 0 }))
    }

    fn explain(&self, segment: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        match self.docs_of(segment).binary_search(&doc) {
            Ok(_) => Ok(Explanation::new("one of the addresses", 0.0)),
            Err(_) => Err(TantivyError::InvalidArgument(format!("document {doc} is not one of the addresses"))),
        }
    }
}

/// One segment's items of an [`AddressQuery`], in order.
struct AddressScorer {
    docs: Arc<[DocId]>,
    /// The index of the current item in `docs`.
    next: usize,
}

impl DocSet for AddressScorer {
    fn advance(&mut self) -> DocId {
        self.next = (self.next + 1).min(self.docs.len());
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.next).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.next) as u32
    }
}

impl Scorer for AddressScorer {
    fn score(&mut self) -> Score {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, DocSetCollector};
    use tantivy::query::{AllQuery, BooleanQuery, Occur};

    use super::*;
    use crate::test_support::two_segments;

    #[test]
    fn few_matches_are_every_match_and_many_are_none() {
        let (searcher, parser) = two_segments();
        for (text, below) in [("a", 5), ("c", 4), ("b", 4), ("c", 5)] {
            let query = parser.parse_query(text).unwrap();
            let (count, few) = searcher.search(query.as_ref(), &(Count, FewMatches::below(below))).unwrap();
            let mut all: Vec<DocAddress> =
                searcher.search(query.as_ref(), &DocSetCollector).unwrap().into_iter().collect();
            all.sort();
            let few = few.map(|mut few| {
                few.sort();
                few
            });
            assert_eq!(few, (count < below).then_some(all), "{text} below {below}");
        }
    }

    #[test]
    fn leaving_out_the_addresses_is_leaving_out_their_query() {
        let (searcher, parser) = two_segments();
        let strict = parser.parse_query("+a +b").unwrap();
        let addresses: Vec<DocAddress> =
            searcher.search(strict.as_ref(), &DocSetCollector).unwrap().into_iter().collect();
        let without = |excluded: Box<dyn Query>| {
            let query = BooleanQuery::new(vec![(Occur::Must, Box::new(AllQuery)), (Occur::MustNot, excluded)]);
            searcher.search(&query, &DocSetCollector).unwrap()
        };
        assert_eq!(without(Box::new(AddressQuery::new(&searcher, &addresses))), without(strict));
        assert_eq!(addresses.len(), 2, "one in each segment");
    }
}
