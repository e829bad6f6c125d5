//! Everything analysis needs, loaded once: the compiled dictionary and the word lists.

use std::path::Path;

use crate::analyzers::Analyzers;
use crate::dictionary;
use crate::error::Result;
use crate::japanese::AnalysisResources;
use crate::lexicon::Lexicon;
use crate::normalize;
use crate::reading::Readings;

/// The analyzers, the lexicon they came from, and a fingerprint that changes
/// whenever documents would be analysed differently.
pub struct PreparedAnalysis {
    /// One analyzer per analysis, over the dictionary and the word lists.
    pub analyzers: Analyzers,
    /// Every reading the dictionaries know of a word (query-time only).
    pub readings: Readings,
    /// The word lists, synonyms included (query-time only).
    pub lexicon: Lexicon,
    /// Dictionary and index-relevant word-list fingerprints together.
    pub fingerprint: String,
}

impl PreparedAnalysis {
    /// Compiles the dictionary into `compiled_dictionary_dir` if needed (from
    /// [`dictionary::ipadic_source_dir`]) and reads the word lists of `data_dir`.
    pub fn prepare(compiled_dictionary_dir: &Path, data_dir: &Path) -> Result<PreparedAnalysis> {
        let compiled = dictionary::ensure_compiled(&dictionary::ipadic_source_dir(), compiled_dictionary_dir)?;
        let lexicon = Lexicon::load(data_dir)?;
        let fingerprint =
            format!("{}/{}/{}", compiled.fingerprint, lexicon.index_fingerprint, normalize::kanji_table_digest());
        let resources = AnalysisResources::new(compiled.dictionary, &lexicon)?;
        Ok(PreparedAnalysis {
            analyzers: Analyzers::new(&resources),
            readings: Readings::new(&resources),
            lexicon,
            fingerprint,
        })
    }
}
