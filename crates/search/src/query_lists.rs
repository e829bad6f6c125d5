//! What queries are widened with besides the index itself: the city's
//! synonym groups and every reading the dictionary knows of a word.
//!
//! Everything here applies at query time only, so changing it never calls for
//! a new index.

use hoshin_analysis::reading::Readings;
use hoshin_analysis::PreparedAnalysis;

/// The query-time word lists of one analysis.
#[derive(Clone)]
pub struct QueryLists {
    /// Groups of interchangeable normalised words (`data/synonyms.tsv`).
    pub synonyms: Vec<Vec<String>>,
    /// Every reading of a word, for sound-alikes.
    pub readings: Readings,
}

impl QueryLists {
    /// The lists `analysis` loaded.
    pub fn new(analysis: &PreparedAnalysis) -> QueryLists {
        QueryLists { synonyms: analysis.lexicon.synonyms.clone(), readings: analysis.readings.clone() }
    }
}
