//! The editable word lists in `data/`: spelling variants, synonyms and the user
//! dictionary.
//!
//! - `variants.tsv` — 表記ゆれ. One group per line, forms separated by tabs; the
//!   first form is the one every other is read as, in documents and queries alike
//!   (`子ども⇥子供`, ⇥ a tab). Used by the normalised fields, so an exact spelling still
//!   outranks a variant one.
//! - `synonyms.tsv` — one group per line, tab-separated (`脱炭素⇥ゼロカーボン`).
//!   Applied only to queries, ranked below the word as typed.
//! - `phrases.tsv` — how residents put what the city calls otherwise: a phrase,
//!   then the administrative terms it means, tab-separated
//!   (`家賃の補助⇥住宅確保給付金⇥家賃補助`). Applied only to queries, one way (the
//!   terms never expand to the phrase), ranked below synonyms.
//! - `userdict.csv` — lindera's simple user dictionary (`surface,part_of_speech,reading`)
//!   for words IPADIC lacks (マイナンバー, local place names). Every line but a
//!   blank one is an entry; one without exactly three fields is reported with
//!   its file and line before lindera reads the file.
//!
//! In the `.tsv` files, blank lines and lines starting with `#` are ignored;
//! every other line is a group of two words or more separated by single
//! tabs, and a line that is not is refused with its file and line.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::error::{AnalysisError, Result};
use crate::normalize::normalize;

/// File name of the spelling-variant table.
pub const VARIANTS_FILE: &str = "variants.tsv";
/// File name of the synonym table.
pub const SYNONYMS_FILE: &str = "synonyms.tsv";
/// File name of the resident phrase table.
pub const PHRASES_FILE: &str = "phrases.tsv";
/// File name of the user dictionary.
pub const USER_DICTIONARY_FILE: &str = "userdict.csv";

/// The word lists of a data directory, parsed and checked.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// (variant, canonical) pairs, in NFKC.
    pub variants: Vec<(String, String)>,
    /// Groups of interchangeable words, normalised.
    pub synonyms: Vec<Vec<String>>,
    /// Resident phrases and the terms each means, as written in the file.
    pub phrases: Vec<(String, Vec<String>)>,
    /// The user dictionary file, when the directory has one.
    pub user_dictionary: Option<PathBuf>,
    /// Digest of the files that change how documents are analysed.
    pub index_fingerprint: String,
}

impl Lexicon {
    /// Reads the word lists of `data_dir`; a missing file is an empty list.
    pub fn load(data_dir: &Path) -> Result<Lexicon> {
        // Variants are matched by lindera's mapping filter after NFKC but before
        // lower-casing; synonyms are compared with normalised query words.
        let nfkc = |word: &str| word.nfkc().collect();
        let mut variants = Vec::new();
        for (_, group) in read_groups(&data_dir.join(VARIANTS_FILE), nfkc, "a variant group needs two forms or more")? {
            let (canonical, others) = group.split_first().expect("groups have two words or more");
            variants.extend(others.iter().map(|variant| (variant.clone(), canonical.clone())));
        }
        let synonyms =
            read_groups(&data_dir.join(SYNONYMS_FILE), normalize, "a synonym group needs two words or more")?
                .into_iter()
                .map(|(_, group)| group)
                .collect();
        let phrases =
            read_groups(&data_dir.join(PHRASES_FILE), str::to_string, "a phrase needs one term or more after it")?
                .into_iter()
                .map(|(_, mut group)| {
                    let terms = group.split_off(1);
                    (group.remove(0), terms)
                })
                .collect();
        let user_dictionary = Some(data_dir.join(USER_DICTIONARY_FILE)).filter(|path| path.is_file());
        if let Some(path) = &user_dictionary {
            check_user_dictionary(path)?;
        }

        let mut hasher = Sha256::new();
        for name in [VARIANTS_FILE, USER_DICTIONARY_FILE] {
            hasher.update(name);
            hasher.update(fs::read(data_dir.join(name)).unwrap_or_default());
        }
        Ok(Lexicon {
            variants,
            synonyms,
            phrases,
            user_dictionary,
            index_fingerprint: format!("{:x}", hasher.finalize()),
        })
    }
}

/// The one parser of the tab-separated lists: a group of two words or more
/// per line, each word checked as written, then passed through `normalise`.
/// A line that is not such a group (one word, an empty field, a space where
/// a tab belongs) is refused with its
/// file and line, `too_few` saying what a group needs.
fn read_groups(path: &Path, normalise: impl Fn(&str) -> String, too_few: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(AnalysisError::io(path)(error)),
    };
    let mut groups = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let (number, line) = (index + 1, line.trim());
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.iter().any(|field| field.trim().is_empty()) {
            return Err(data_error(path, number, "an empty field: one tab between words, none at either end"));
        }
        if fields.iter().any(|field| field.chars().any(char::is_whitespace)) {
            return Err(data_error(path, number, "words may not contain spaces; separate them with tabs"));
        }
        if fields.len() < 2 {
            return Err(data_error(path, number, too_few));
        }
        groups.push((number, fields.iter().map(|field| normalise(field)).collect()));
    }
    Ok(groups)
}

/// Each entry of a simple user dictionary has a surface, a part of speech and
/// a reading. lindera sorts the rows before it checks them, so its own errors
/// cannot name the line.
fn check_user_dictionary(path: &Path) -> Result<()> {
    let text = fs::read_to_string(path).map_err(AnalysisError::io(path))?;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != 3 || fields.iter().any(|field| field.trim().is_empty()) {
            let message = format!("expected surface,part_of_speech,reading, found {} field(s)", fields.len());
            return Err(data_error(path, index + 1, &message));
        }
    }
    Ok(())
}

fn data_error(path: &Path, line: usize, message: &str) -> AnalysisError {
    AnalysisError::DataFile { path: path.to_path_buf(), line, message: message.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_become_variant_pairs_and_synonym_sets() {
        let directory = tempfile::tempdir().unwrap();
        fs::write(directory.path().join(VARIANTS_FILE), "# 表記ゆれ\n子ども\t子供\n\n障がい\t障害\t障碍\n").unwrap();
        fs::write(directory.path().join(SYNONYMS_FILE), "ＤＸ\tデジタルトランスフォーメーション\n").unwrap();
        fs::write(directory.path().join(PHRASES_FILE), "家賃の補助\t住宅確保給付金\t家賃補助\n").unwrap();
        let lexicon = Lexicon::load(directory.path()).unwrap();
        let terms = vec!["住宅確保給付金".to_string(), "家賃補助".to_string()];
        assert_eq!(lexicon.phrases, [("家賃の補助".to_string(), terms)]);
        assert_eq!(
            lexicon.variants,
            [("子供", "子ども"), ("障害", "障がい"), ("障碍", "障がい")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(lexicon.synonyms, [vec!["dx".to_string(), "デジタルトランスフォーメーション".to_string()]]);
        assert_eq!(lexicon.user_dictionary, None);
    }

    #[test]
    fn a_lone_variant_is_reported_with_its_line() {
        let directory = tempfile::tempdir().unwrap();
        fs::write(directory.path().join(VARIANTS_FILE), "子ども\t子供\n空き家\n").unwrap();
        let error = Lexicon::load(directory.path()).unwrap_err();
        assert!(error.to_string().contains("variants.tsv:2"), "{error}");
    }

    #[test]
    fn a_phrase_without_terms_is_reported_with_its_line() {
        let directory = tempfile::tempdir().unwrap();
        fs::write(directory.path().join(PHRASES_FILE), "# 住民の言い方\n家賃の補助\n").unwrap();
        let error = Lexicon::load(directory.path()).unwrap_err();
        assert!(error.to_string().contains("phrases.tsv:2"), "{error}");
    }

    #[test]
    fn a_malformed_user_dictionary_entry_is_reported_with_its_line() {
        let directory = tempfile::tempdir().unwrap();
        fs::write(directory.path().join(USER_DICTIONARY_FILE), "狛江,カスタム名詞,コマエ\n\n多摩川,名詞\n").unwrap();
        let error = Lexicon::load(directory.path()).unwrap_err();
        assert!(error.to_string().contains("userdict.csv:3"), "{error}");
    }

    #[test]
    fn the_index_fingerprint_follows_the_variant_table() {
        let directory = tempfile::tempdir().unwrap();
        let before = Lexicon::load(directory.path()).unwrap().index_fingerprint;
        fs::write(directory.path().join(VARIANTS_FILE), "子ども\t子供\n").unwrap();
        let after = Lexicon::load(directory.path()).unwrap().index_fingerprint;
        fs::write(directory.path().join(SYNONYMS_FILE), "a\tb\n").unwrap();
        let with_synonyms = Lexicon::load(directory.path()).unwrap().index_fingerprint;
        assert_ne!(before, after);
        assert_eq!(after, with_synonyms, "synonyms apply to queries only");
    }

    #[test]
    fn every_tab_separated_list_refuses_a_malformed_line_with_its_place() {
        for file in [VARIANTS_FILE, SYNONYMS_FILE, PHRASES_FILE] {
            for (line, fault) in [
                ("子育て 育児", "spaces"),
                ("子育て　育児", "spaces"),
                ("子育て", "or more"),
                ("子育て\t\t育児", "empty field"),
            ] {
                let directory = tempfile::tempdir().unwrap();
                fs::write(directory.path().join(file), format!("# 見出し\nａ\tｂ\n{line}\n")).unwrap();
                let message = Lexicon::load(directory.path()).expect_err(line).to_string();
                assert!(
                    message.contains(&format!("{file}:3")) && message.contains(fault),
                    "{file}: `{line}`: {message}"
                );
            }
        }
    }
}
