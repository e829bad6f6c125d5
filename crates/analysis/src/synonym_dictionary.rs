//! Sudachi's synonym dictionary (SudachiDict's `synonyms.txt`, as the JSON of the npm
//! package `sudachi-synonyms-dictionary` 18.0.0 that `scripts/install-sudachi-synonyms`
//! installs), loaded for looking up the synonyms of a query word.
//!
//! The file is an array of groups, `{"id": "000008", "items": [...]}`, each item one
//! headword (`midashi`) with the flags SudachiDict's `docs/synonyms.md` defines:
//! `expandControl` (展開制御フラグ: 0 expands both ways, 1 is reached from the group's
//! other headwords but never expands itself, 2 is a deleted headword kept so it is not
//! registered again), `vocabularyNumber` (語彙素番号: headwords with the same number in a
//! group are one lexeme — spelling variants, abbreviations, translations, other names —
//! different numbers are related words), and, within a lexeme, `gokeiSyubetsu` (語形:
//! [`WordForm`]), `ryakusyou` (略語: [`Abbreviation`]) and `hyoukiYure` (表記: [`Spelling`]).
//! The format has no ambiguity flag of its own: a headword with other senses, or broader
//! than its group (会計 among 支払い, `SP` in eight groups), is marked 1.
//!
//! What a lookup returns, decided here:
//! - a headword marked 2 is dropped, as the format says;
//! - a headword of one character after normalisation (本, 案, 館, 埃, `l`) is dropped,
//!   as source and as synonym: IPADIC leaves such words standing alone in compounds and
//!   affixes (本市, 同案, 図書館), so matching one says little and expanding from one
//!   floods a query;
//! - a headword marked 1 is a synonym of the others ([`Synonym::target_only`]) but has
//!   none of its own in that group;
//! - headwords with one lexeme number are [`Synonym::same_lexeme`]; one without a
//!   number (63 in 18.0.0: ネトゲ, トイレ) is related to the others, never the same;
//! - a word in several groups (ごみ: dust, and trash) has the synonyms of each, every
//!   one with its group, for the caller to weigh;
//! - a group left with fewer than two headwords is dropped;
//! - a headword met twice in a group after normalisation (`E-mail`/`e-mail`, ㎡/`m2`)
//!   keeps its first entry.
//!
//! Headwords are kept as [`normalize`] makes them (NFKC, lower-case), once each, in one
//! string; a hash index over them finds a word's entries in every group it is in. A
//! query looks up every run of up to six of its words, so a lookup is one hash probe
//! rather than a binary search whose every step reads three arrays.

use std::borrow::Cow;
use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::{AnalysisError, Result};
use crate::normalize::normalize;

/// Where `scripts/install-sudachi-synonyms` installs the dictionary.
pub const DEFAULT_SYNONYM_DICTIONARY: &str =
    "/usr/local/share/hoshin/sudachi-synonyms/sudachi-synonyms-dictionary.json";

/// Environment variable that overrides [`DEFAULT_SYNONYM_DICTIONARY`].
pub const SYNONYM_DICTIONARY_ENV: &str = "HOSHIN_SUDACHI_SYNONYMS";

/// The dictionary file: from `HOSHIN_SUDACHI_SYNONYMS`, or where the install script puts it.
pub fn synonym_dictionary_path() -> PathBuf {
    std::env::var_os(SYNONYM_DICTIONARY_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SYNONYM_DICTIONARY))
}

/// How a headword relates to its lexeme's representative word (語形種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WordForm {
    /// 代表語; also an omitted field, which the npm package writes as 未定義.
    #[serde(rename = "代表語", alias = "未定義")]
    Representative,
    /// 対訳: a translation.
    #[serde(rename = "対訳")]
    Translation,
    /// 別称: another name, a popular name.
    #[serde(rename = "別称")]
    OtherName,
    /// 旧称: a former name.
    #[serde(rename = "旧称")]
    FormerName,
    /// 間違い: a misuse.
    #[serde(rename = "間違い")]
    Misuse,
}

/// Whether a headword abbreviates its word form (略語・略称).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Abbreviation {
    /// 代表語形: not an abbreviation; also an omitted field (未定義).
    #[serde(rename = "代表語形", alias = "未定義")]
    Full,
    /// An abbreviation in the alphabet (`SP` for スマートフォン).
    #[serde(rename = "略語・略称/アルファベット")]
    Alphabetic,
    /// Any other abbreviation (スマホ, コンビニ).
    #[serde(rename = "略語・略称")]
    Other,
}

/// How a headword is spelt among the spellings of one abbreviation form (表記揺れ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Spelling {
    /// 代表表記: the usual spelling; also an omitted field (未定義).
    #[serde(rename = "代表表記", alias = "未定義")]
    Representative,
    /// アルファベット表記: the source word's spelling or a romanisation (`smartphone`).
    #[serde(rename = "アルファベット表記")]
    Alphabetic,
    /// 異表記・表記ゆれ: a variant spelling (スマートホン, ゴミ).
    #[serde(rename = "異表記・表記ゆれ")]
    Variant,
    /// 間違い表記: a misspelling.
    #[serde(rename = "間違い表記")]
    Misspelling,
}

/// One synonym of a looked-up word, within one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synonym<'a> {
    /// The headword, normalised.
    pub text: &'a str,
    /// The group's number in the dictionary (`000008` is 8).
    pub group: u32,
    /// Whether it is the same lexeme as the looked-up word (a variant spelling, an
    /// abbreviation, a translation) rather than a related word.
    pub same_lexeme: bool,
    /// The dictionary lets it be reached but not expand (展開制御フラグ 1), mostly
    /// because it has other senses; a weaker match than the others.
    pub target_only: bool,
    /// Its word form within its lexeme.
    pub form: WordForm,
    /// Whether it is an abbreviation.
    pub abbreviation: Abbreviation,
    /// Its spelling.
    pub spelling: Spelling,
}

/// The synonym groups, ready for lookups (see the module documentation).
pub struct SynonymDictionary {
    /// Every headword, normalised, one after the other.
    headwords: String,
    /// Group by group, so that a group's headwords are a range.
    entries: Vec<Entry>,
    groups: Vec<Group>,
    /// Each headword's indices into `entries`, in group order.
    by_headword: FxHashMap<Box<str>, Box<[u32]>>,
}

struct Entry {
    text: Range<u32>,
    group: u32,
    lexeme: Option<u8>,
    target_only: bool,
    form: WordForm,
    abbreviation: Abbreviation,
    spelling: Spelling,
}

struct Group {
    id: u32,
    entries: Range<u32>,
}

impl SynonymDictionary {
    /// Reads the dictionary's JSON from `path`.
    pub fn load(path: &Path) -> Result<SynonymDictionary> {
        let bytes = fs::read(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => AnalysisError::SynonymDictionaryMissing { path: path.to_path_buf() },
            _ => AnalysisError::Io { path: path.to_path_buf(), error },
        })?;
        let mut loader = Loader {
            dictionary: SynonymDictionary {
                headwords: String::new(),
                entries: Vec::new(),
                groups: Vec::new(),
                by_headword: FxHashMap::default(),
            },
            last_group: None,
        };
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        loader.deserialize(&mut deserializer).and_then(|()| deserializer.end()).map_err(|error| {
            let after = loader.last_group.map(|id| format!(" (after group {id:06})")).unwrap_or_default();
            AnalysisError::SynonymDictionary { path: path.to_path_buf(), message: format!("{error}{after}") }
        })?;
        let mut dictionary = loader.dictionary;
        let mut by_headword: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
        for entry in 0..dictionary.entries.len() as u32 {
            by_headword.entry(dictionary.text(entry)).or_default().push(entry);
        }
        let by_headword = by_headword.into_iter().map(|(text, entries)| (text.into(), entries.into())).collect();
        dictionary.by_headword = by_headword;
        Ok(dictionary)
    }

    /// How many headwords the groups hold, a headword in two groups counted twice.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no group was kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many groups were kept.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Whether `word` (normalised with [`normalize`]) is a headword of any group, even
    /// one it has no synonyms in.
    pub fn contains(&self, word: &str) -> bool {
        !self.entry_indices(word).is_empty()
    }

    /// The synonyms of `word` (normalised with [`normalize`]): the other headwords of
    /// every group in which `word` may expand, group by group, in the dictionary's order.
    pub fn synonyms_of(&self, word: &str) -> impl Iterator<Item = Synonym<'_>> {
        self.entry_indices(word)
            .iter()
            .map(|&source| (source, &self.entries[source as usize]))
            .filter(|(_, entry)| !entry.target_only)
            .flat_map(move |(source, entry)| {
                let group = &self.groups[entry.group as usize];
                group.entries.clone().filter(move |&member| member != source).map(move |member| {
                    let synonym = &self.entries[member as usize];
                    Synonym {
                        text: self.text(member),
                        group: group.id,
                        same_lexeme: synonym.lexeme.is_some() && synonym.lexeme == entry.lexeme,
                        target_only: synonym.target_only,
                        form: synonym.form,
                        abbreviation: synonym.abbreviation,
                        spelling: synonym.spelling,
                    }
                })
            })
    }

    fn text(&self, entry: u32) -> &str {
        let text = &self.entries[entry as usize].text;
        &self.headwords[text.start as usize..text.end as usize]
    }

    /// The indices of `word`'s entries, one for each group it is in.
    fn entry_indices(&self, word: &str) -> &[u32] {
        self.by_headword.get(word).map_or(&[], |entries| entries)
    }

    /// Keeps what the module documentation says is kept of one group of the file, and
    /// tells the group's number.
    fn add_group(&mut self, group: GroupJson<'_>) -> std::result::Result<u32, String> {
        let id = group
            .id
            .parse::<u32>()
            .ok()
            .filter(|_| group.id.bytes().all(|byte| byte.is_ascii_digit()))
            .ok_or_else(|| format!("group id `{}` is not a number", group.id))?;
        let group_index = self.groups.len() as u32;
        let first_entry = self.entries.len();
        let headwords_length = self.headwords.len();
        for item in group.items {
            let target_only = match item.expand_control {
                0 => false,
                1 => true,
                2 => continue,
                other => {
                    return Err(format!(
                        "group {}: `{}` has expandControl {other}, not 0, 1 or 2",
                        group.id, item.headword
                    ))
                }
            };
            let lexeme = match item.lexeme {
                None => None,
                Some(number @ 1..=255) => Some(number as u8),
                Some(number) => {
                    return Err(format!(
                        "group {}: `{}` has vocabularyNumber {number}, not 1 to 255",
                        group.id, item.headword
                    ))
                }
            };
            let text = normalize(&item.headword);
            let seen = (first_entry..self.entries.len()).any(|entry| self.text(entry as u32) == text);
            if text.chars().count() < 2 || seen {
                continue;
            }
            let start = self.headwords.len() as u32;
            self.headwords.push_str(&text);
            self.entries.push(Entry {
                text: start..self.headwords.len() as u32,
                group: group_index,
                lexeme,
                target_only,
                form: item.form,
                abbreviation: item.abbreviation,
                spelling: item.spelling,
            });
        }
        if self.entries.len() - first_entry < 2 {
            self.entries.truncate(first_entry);
            self.headwords.truncate(headwords_length);
            return Ok(id);
        }
        self.groups.push(Group { id, entries: first_entry as u32..self.entries.len() as u32 });
        Ok(id)
    }
}

impl fmt::Debug for SynonymDictionary {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SynonymDictionary")
            .field("groups", &self.groups.len())
            .field("headwords", &self.entries.len())
            .finish()
    }
}

/// One group as the file has it; the headwords borrow from the file where they can.
#[derive(Deserialize)]
struct GroupJson<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    items: Vec<ItemJson<'a>>,
}

#[derive(Deserialize)]
struct ItemJson<'a> {
    #[serde(rename = "expandControl")]
    expand_control: u8,
    #[serde(rename = "vocabularyNumber")]
    lexeme: Option<u32>,
    #[serde(rename = "gokeiSyubetsu")]
    form: WordForm,
    #[serde(rename = "ryakusyou")]
    abbreviation: Abbreviation,
    #[serde(rename = "hyoukiYure")]
    spelling: Spelling,
    #[serde(rename = "midashi", borrow)]
    headword: Cow<'a, str>,
}

/// Reads the array of groups one group at a time into the dictionary, so the file is
/// never held as a tree of values, and remembers the last group read for error messages.
struct Loader {
    dictionary: SynonymDictionary,
    last_group: Option<u32>,
}

impl<'de> DeserializeSeed<'de> for &mut Loader {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for &mut Loader {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array of synonym groups")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut groups: A) -> std::result::Result<(), A::Error> {
        while let Some(group) = groups.next_element::<GroupJson<'de>>()? {
            self.last_group = Some(self.dictionary.add_group(group).map_err(A::Error::custom)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// The installed dictionary, loaded once per test process; a missing file fails
    /// every test that needs it with the install hint.
    fn installed() -> &'static SynonymDictionary {
        static DICTIONARY: OnceLock<SynonymDictionary> = OnceLock::new();
        DICTIONARY.get_or_init(|| {
            SynonymDictionary::load(&synonym_dictionary_path()).unwrap_or_else(|error| panic!("{error}"))
        })
    }

    /// (text, group, same lexeme) of each synonym of `word`.
    fn synonyms(word: &str) -> Vec<(&'static str, u32, bool)> {
        installed().synonyms_of(word).map(|synonym| (synonym.text, synonym.group, synonym.same_lexeme)).collect()
    }

    /// The one synonym `text` of `word`.
    fn synonym(word: &str, text: &str) -> Synonym<'static> {
        let found: Vec<Synonym> = installed().synonyms_of(word).filter(|synonym| synonym.text == text).collect();
        assert_eq!(found.len(), 1, "{text} as a synonym of {word}: {found:?}");
        found[0]
    }

    #[test]
    fn the_pinned_version_keeps_these_groups_and_headwords() {
        // 26,152 groups and 70,661 items in the file; the rest are marked never to
        // expand, one character long, repeated in their group once normalised
        // (kanji variants folded too) or left alone.
        assert_eq!((installed().group_count(), installed().len()), (25_950, 69_569));
    }

    #[test]
    fn abbreviations_and_their_full_forms_are_one_lexeme() {
        let full = synonym("スマホ", "スマートフォン");
        assert!(full.same_lexeme && !full.target_only);
        assert_eq!(
            (full.group, full.abbreviation, full.spelling),
            (6201, Abbreviation::Full, Spelling::Representative)
        );
        let short = synonym("スマートフォン", "スマホ");
        assert!(short.same_lexeme);
        assert_eq!((short.abbreviation, short.spelling), (Abbreviation::Other, Spelling::Variant));
        assert_eq!(synonym("コンビニエンスストア", "convenience store").spelling, Spelling::Alphabetic);
        assert_eq!(
            synonyms("コンビニ"),
            [
                ("コンビニエンスストア", 282, true),
                ("コンビニエンス・ストア", 282, true),
                ("convenience store", 282, true)
            ]
        );
    }

    #[test]
    fn words_of_other_lexemes_in_a_group_are_related() {
        assert_eq!(
            synonyms("結婚"),
            [
                ("婚姻", 21426, false),
                ("入籍", 21426, false),
                ("マリッジ", 21426, false),
                ("marriage", 21426, false),
                ("マリアージュ", 21426, false),
                ("mariage", 21426, false),
            ]
        );
        assert!(
            synonym("婚姻", "marriage").form == WordForm::Representative && synonym("マリッジ", "marriage").same_lexeme
        );
    }

    #[test]
    fn a_word_in_two_groups_has_the_synonyms_of_each_with_its_group() {
        // Dust and trash; 埃 and 塵 (dust) are one character long.
        assert_eq!(
            synonyms("ごみ"),
            [
                ("ゴミ", 8536, true),
                ("ダスト", 8536, false),
                ("dust", 8536, false),
                ("ゴミ", 19207, true),
                ("トラッシュ", 19207, false),
                ("trash", 19207, false),
                ("我楽多", 19207, false),
                ("がらくた", 19207, false),
            ]
        );
    }

    #[test]
    fn a_target_only_headword_is_reached_from_its_group_but_expands_nothing_there() {
        // 子ども is plain in 子供's group but marked 1 in 児童's: 子ども is broader.
        assert!(synonyms("子ども").iter().all(|&(_, group, _)| group == 16008));
        assert!(!synonyms("子ども").iter().any(|&(text, _, _)| text == "児童"));
        assert_eq!(synonyms("児童"), [("子供", 19163, false), ("子ども", 19163, false)]);
        assert!(synonym("児童", "子ども").target_only);
        // SP abbreviates something in eight groups and expands in none of them.
        assert!(installed().contains("sp"));
        assert_eq!(installed().synonyms_of("sp").count(), 0);
        let sp = synonym("スマホ", "sp");
        assert!(sp.target_only && sp.same_lexeme);
        assert_eq!(sp.abbreviation, Abbreviation::Alphabetic);
        assert!(synonym("子供", "小人").target_only);
    }

    #[test]
    fn a_never_expand_headword_is_dropped() {
        assert!(!installed().contains("チルドレン") && !installed().contains("children"));
        assert!(!synonyms("子供").iter().any(|&(text, _, _)| text == "チルドレン" || text == "children"));
    }

    #[test]
    fn a_one_character_headword_is_neither_a_source_nor_a_synonym() {
        for word in ["本", "案", "館", "埃"] {
            assert!(!installed().contains(word), "{word}");
            assert_eq!(installed().synonyms_of(word).count(), 0, "{word}");
        }
        assert_eq!(synonyms("書籍"), [("ブック", 12274, false), ("book", 12274, false)]);
        assert!(!synonyms("計画").iter().any(|&(text, _, _)| text == "案"));
    }

    #[test]
    fn headwords_are_normalised_and_kept_once_per_group() {
        assert!(synonyms(&normalize("ＳＭＡＲＴＰＨＯＮＥ")).contains(&("スマートフォン", 6201, true)));
        assert!(!installed().contains("SP"), "lookups take normalised words");
        // ㎡ (expands) and m2 (target only) are both m2: the first stays.
        assert_eq!(synonyms("m2"), [("平方メートル", 22008, true), ("平米", 22008, true)]);
        // 帰路 is listed twice, as two lexemes.
        assert!(!synonyms("帰路").iter().any(|&(text, _, _)| text == "帰路"));
    }

    fn item(headword: &str, expand_control: u8) -> String {
        format!(
            r#"{{"taigenYogen":"体言","expandControl":{expand_control},"vocabularyNumber":1,"gokeiSyubetsu":"代表語","ryakusyou":"代表語形","hyoukiYure":"代表表記","bunya":[],"midashi":"{headword}"}}"#
        )
    }

    fn load_text(json: &str) -> (tempfile::TempDir, Result<SynonymDictionary>) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("synonyms.json");
        fs::write(&path, json).unwrap();
        let loaded = SynonymDictionary::load(&path);
        (directory, loaded)
    }

    #[test]
    fn a_well_formed_file_loads_and_its_lone_headwords_go() {
        let json = format!(
            r#"[{{"id":"000001","items":[{},{}]}},{{"id":"000002","items":[{},{}]}}]"#,
            item("曖昧", 0),
            item("あいまい", 0),
            item("館", 0),
            item("洋菓子の館", 0)
        );
        let (_directory, loaded) = load_text(&json);
        let dictionary = loaded.unwrap();
        assert_eq!((dictionary.group_count(), dictionary.len()), (1, 2));
        assert_eq!(dictionary.synonyms_of("曖昧").map(|synonym| synonym.text).collect::<Vec<_>>(), ["あいまい"]);
    }

    #[test]
    fn a_missing_file_says_how_to_install_it() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("absent.json");
        let message = SynonymDictionary::load(&path).unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("scripts/install-sudachi-synonyms"), "{message}");
    }

    #[test]
    fn malformed_json_names_the_file_the_place_and_the_last_group_read() {
        let json = format!(
            r#"[{{"id":"000001","items":[{},{}]}},{{"id":"000002","items":[{{"expandControl":0}}]}}]"#,
            item("曖昧", 0),
            item("あいまい", 0)
        );
        let (directory, loaded) = load_text(&json);
        let message = loaded.unwrap_err().to_string();
        assert!(message.starts_with(&directory.path().join("synonyms.json").display().to_string()), "{message}");
        assert!(message.contains("missing field") && message.contains("line 1 column"), "{message}");
        assert!(message.ends_with("(after group 000001)"), "{message}");
    }

    #[test]
    fn an_unknown_flag_names_its_group_and_headword() {
        let json = format!(r#"[{{"id":"000003","items":[{},{}]}}]"#, item("曖昧", 3), item("あいまい", 0));
        let (_directory, loaded) = load_text(&json);
        let message = loaded.unwrap_err().to_string();
        assert!(message.contains("group 000003: `曖昧` has expandControl 3, not 0, 1 or 2"), "{message}");
        let json = format!(r#"[{{"id":"000004","items":[{}]}}]"#, item("曖昧", 0).replace("代表表記", "読み"));
        let (_directory, loaded) = load_text(&json);
        let message = loaded.unwrap_err().to_string();
        assert!(message.contains("unknown variant `読み`"), "{message}");
    }
}
