//! Counting matches by the value of a one-level facet field.
//!
//! tantivy's `FacetCollector` counts under facet paths of any depth: for
//! every segment of every search it walks the field's facet dictionary to
//! map each path to the level counted, however few items match. The facets
//! hoshin counts hold one level each (a department, a fiscal year, a
//! municipality), so [`ValueCounter`] counts each match's value ordinal and
//! reads the names of the values it found once the segment is done. The
//! field's column is looked up by name in each segment once per searcher
//! ([`FacetColumns`]), not once per search.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentReader;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, TantivyError};

/// Matches per value of a facet field, by value.
pub type ValueCounts = BTreeMap<String, u64>;

/// A facet field's column in every segment of one searcher, by segment ordinal.
pub struct FacetColumns {
    field: &'static str,
    columns: Vec<StrColumn>,
}

impl FacetColumns {
    /// Opens `field`'s column in each of `searcher`'s segments.
    pub fn open(searcher: &Searcher, field: &'static str) -> tantivy::Result<FacetColumns> {
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                segment
                    .fast_fields()
                    .str(field)?
                    .ok_or_else(|| TantivyError::SchemaError(format!("`{field}` has no facet column in a segment")))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(FacetColumns { field, columns })
    }

    /// A counter of the field's values among the matches of a search by the same searcher.
    pub fn counter(&self) -> ValueCounter<'_> {
        ValueCounter { columns: self }
    }
}

/// Counts the matches of a search per value of one facet field.
pub struct ValueCounter<'a> {
    columns: &'a FacetColumns,
}

impl Collector for ValueCounter<'_> {
    type Fruit = ValueCounts;
    type Child = SegmentValueCounter;

    fn for_segment(&self, segment: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<SegmentValueCounter> {
        let column = self.columns.columns.get(segment as usize).ok_or_else(|| {
            TantivyError::InvalidArgument(format!("`{}` was opened for another searcher", self.columns.field))
        })?;
        let values = FacetReader::new(column.clone());
        let counts = vec![0; values.num_facets()];
        Ok(SegmentValueCounter { values, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<ValueCounts>) -> tantivy::Result<ValueCounts> {
        let mut merged = ValueCounts::new();
        for (value, count) in segments.into_iter().flatten() {
            *merged.entry(value).or_default() += count;
        }
        Ok(merged)
    }
}

/// [`ValueCounter`] over one segment: matches per value ordinal.
pub struct SegmentValueCounter {
    values: FacetReader,
    counts: Vec<u64>,
}

impl SegmentCollector for SegmentValueCounter {
    type Fruit = ValueCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for ordinal in self.values.facet_ords(doc) {
            self.counts[ordinal as usize] += 1;
        }
    }

    fn harvest(self) -> ValueCounts {
        let mut counts = ValueCounts::new();
        for (ordinal, &count) in self.counts.iter().enumerate().filter(|(_, count)| **count > 0) {
            let mut facet = Facet::root();
            // The ordinal came from this segment's own column, so its value is there.
            if self.values.facet_from_ord(ordinal as u64, &mut facet).is_ok() {
                let value = facet.to_path().last().copied().unwrap_or_default().to_string();
                *counts.entry(value).or_default() += count;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::FacetCollector;
    use tantivy::query::{AllQuery, Query, TermQuery};
    use tantivy::schema::{FacetOptions, IndexRecordOption, Schema, STRING};
    use tantivy::{doc, Index, IndexWriter, Term};

    use super::*;

    /// What tantivy's own collector counts under the root.
    fn counted_by_tantivy(searcher: &tantivy::Searcher, query: &dyn Query) -> ValueCounts {
        let mut collector = FacetCollector::for_field("department");
        collector.add_facet("/");
        let counts = searcher.search(query, &collector).unwrap();
        counts.get("/").map(|(facet, count)| (facet.to_path()[0].to_string(), count)).collect()
    }

    #[test]
    fn counts_what_tantivys_facet_collector_counts_across_segments() {
        let mut schema = Schema::builder();
        let department = schema.add_facet_field("department", FacetOptions::default());
        let topic = schema.add_text_field("topic", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // Two commits: two segments, whose value ordinals differ.
        for batch in
            [&[("教育部", "dx"), ("福祉部", "dx"), ("福祉部", "ごみ")][..], &[("環境部", "dx"), ("福祉部", "dx")]]
        {
            for (name, word) in batch {
                writer.add_document(doc!(department => Facet::from_path([*name]), topic => *word)).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let columns = FacetColumns::open(&searcher, "department").unwrap();

        let dx = TermQuery::new(Term::from_field_text(topic, "dx"), IndexRecordOption::Basic);
        for query in [&AllQuery as &dyn Query, &dx] {
            let counts = searcher.search(query, &columns.counter()).unwrap();
            assert_eq!(counts, counted_by_tantivy(&searcher, query));
        }
        let counts = searcher.search(&dx, &columns.counter()).unwrap();
        assert_eq!(counts, ValueCounts::from([("教育部".into(), 1), ("福祉部".into(), 2), ("環境部".into(), 1)]));
    }
}
