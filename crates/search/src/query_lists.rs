//! What queries are widened with besides the index itself: the city's
//! synonym groups, Sudachi's synonym dictionary, the resident phrase table and
//! every reading the dictionary knows of a word.
//!
//! Everything here applies at query time only, so changing it never calls for
//! a new index.

use std::collections::HashMap;
use std::sync::Arc;

use hoshin_analysis::reading::Readings;
use hoshin_analysis::synonym_dictionary::{synonym_dictionary_path, SynonymDictionary};
use hoshin_analysis::PreparedAnalysis;

use crate::error::Result;
use crate::planner::{city_synonym_map, PhraseTable};

/// The query-time word lists of one analysis.
#[derive(Clone)]
pub struct QueryLists {
    /// The city's synonym groups (`data/synonyms.tsv`), by normalised member.
    pub(crate) city_synonyms: Arc<HashMap<String, Vec<String>>>,
    /// Sudachi's synonym dictionary.
    pub(crate) synonym_dictionary: Arc<SynonymDictionary>,
    /// The resident phrase table (`data/phrases.tsv`).
    pub(crate) phrases: Arc<PhraseTable>,
    /// Every reading of a word, for sound-alikes.
    pub(crate) readings: Readings,
}

impl QueryLists {
    /// The lists `analysis` loaded, with Sudachi's synonym dictionary read
    /// from where its install step puts it (see
    /// [`synonym_dictionary_path`]).
    pub fn load(analysis: &PreparedAnalysis) -> Result<QueryLists> {
        let dictionary = SynonymDictionary::load(&synonym_dictionary_path())?;
        Ok(QueryLists::new(analysis, Arc::new(dictionary)))
    }

    /// The lists `analysis` loaded, with Sudachi's `synonym_dictionary`.
    pub fn new(analysis: &PreparedAnalysis, synonym_dictionary: Arc<SynonymDictionary>) -> QueryLists {
        QueryLists {
            city_synonyms: Arc::new(city_synonym_map(&analysis.lexicon.synonyms)),
            synonym_dictionary,
            phrases: Arc::new(PhraseTable::new(&analysis.analyzers, &analysis.lexicon.phrases)),
            readings: analysis.readings.clone(),
        }
    }
}
