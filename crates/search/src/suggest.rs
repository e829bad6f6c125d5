//! The words of the index and their readings: prefix completion, and the
//! words a kana query sounds like.
//!
//! At start the suggester reads every word the surface analyzer indexed in item
//! texts and headings, with the number of items holding it, and files each under
//! two keys: the word itself (normalised) and its katakana reading. A prefix is
//! looked up under both, so 図書 and としょ both suggest 図書館. Words of one
//! character and bare numbers are left out: they complete nothing useful.
//! Each word is also filed under its reading with small kana and dakuten
//! forgotten, for the planner's sound-alikes (see `planner::sound_alike`);
//! words of one character are kept for that alone, as the later parts of a
//! compound whose reading voices there (所 in 相談所, typed そうだんじょ).

use std::collections::HashMap;

use hoshin_analysis::normalize::normalize;
use hoshin_analysis::reading::{fold_kana, is_kana, reading_key, Readings};
use hoshin_analysis::Analyzers;
use serde::Serialize;
use tantivy::schema::Field;
use tantivy::Searcher;
use utoipa::ToSchema;

use crate::error::Result;

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Suggestion {
    /// The word as indexed.
    pub text: String,
    /// Its katakana reading.
    pub reading: String,
    /// Items holding it.
    pub count: u64,
}

/// Sorted keys pointing at words, for prefix look-ups.
pub struct Suggester {
    words: Vec<Suggestion>,
    /// Each word of `words` as [`Suggester::nearby`] compares it, made once:
    /// a query that finds nothing is compared with every word of the index.
    spellings: Vec<Spelling>,
    keys: Vec<(String, usize)>,
    /// Words by their reading with small kana and (han)dakuten forgotten.
    by_folded_reading: HashMap<String, Vec<usize>>,
    /// The readings of one-character words, most frequent first, by their
    /// reading so forgotten.
    single_characters: HashMap<String, Vec<String>>,
    /// The longest reading so forgotten, in kana: no piece of a reading
    /// [`Suggester::sounding_like`] spells is longer.
    longest_folded: usize,
    /// Words written in kana, each with its reading so forgotten, by the
    /// first [`CLIPPED_START`] kana of it, for [`Suggester::clipped_from`].
    kana_words_by_start: HashMap<String, Vec<(usize, Vec<char>)>>,
}

/// A word normalised, with its length and its reading's, in characters.
struct Spelling {
    normalized: String,
    chars: usize,
    reading_chars: usize,
}

impl Suggester {
    /// Collects the words of `fields` in the index `searcher` reads, spelling
    /// their readings with the index's `analyzers`.
    pub fn build(
        searcher: &Searcher,
        fields: &[Field],
        analyzers: &Analyzers,
        readings: &Readings,
    ) -> Result<Suggester> {
        let mut counts: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            for &field in fields {
                let inverted_index = segment.inverted_index(field)?;
                let mut terms = inverted_index.terms().stream().map_err(tantivy::TantivyError::from)?;
                while terms.advance() {
                    let Ok(word) = std::str::from_utf8(terms.key()) else { continue };
                    if word.chars().any(char::is_alphabetic) {
                        *counts.entry(word.to_string()).or_default() += u64::from(terms.value().doc_freq);
                    }
                }
            }
        }
        let words: Vec<Suggestion> = counts
            .into_iter()
            .map(|(text, count)| {
                let reading = reading_in_context(&text, analyzers, readings);
                Suggestion { text, reading, count }
            })
            .collect();
        Ok(Suggester::of(words))
    }

    /// A suggester of `words`.
    pub(crate) fn of(mut words: Vec<Suggestion>) -> Suggester {
        words.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
        let (words, single): (Vec<Suggestion>, Vec<Suggestion>) =
            words.into_iter().partition(|word| worth_suggesting(&word.text));
        let mut single_characters: HashMap<String, Vec<String>> = HashMap::new();
        for word in single.into_iter().filter(|word| !word.reading.is_empty()) {
            let readings = single_characters.entry(fold_kana(&word.reading)).or_default();
            if !readings.contains(&word.reading) {
                readings.push(word.reading);
            }
        }
        let spellings: Vec<Spelling> = words
            .iter()
            .map(|word| {
                let normalized = normalize(&word.text);
                Spelling { chars: normalized.chars().count(), normalized, reading_chars: word.reading.chars().count() }
            })
            .collect();
        let mut keys: Vec<(String, usize)> = Vec::with_capacity(words.len() * 2);
        let mut by_folded_reading: HashMap<String, Vec<usize>> = HashMap::new();
        let mut kana_words_by_start: HashMap<String, Vec<(usize, Vec<char>)>> = HashMap::new();
        for (index, (word, spelling)) in words.iter().zip(&spellings).enumerate() {
            keys.push((spelling.normalized.clone(), index));
            if !word.reading.is_empty() {
                keys.push((word.reading.clone(), index));
                let folded = fold_kana(&word.reading);
                if is_kana(&word.text) {
                    let folded: Vec<char> = folded.chars().collect();
                    let start: String = folded.iter().take(CLIPPED_START).collect();
                    kana_words_by_start.entry(start).or_default().push((index, folded));
                }
                by_folded_reading.entry(folded).or_default().push(index);
            }
        }
        keys.sort();
        let longest_folded = by_folded_reading.keys().chain(single_characters.keys()).map(|key| key.chars().count());
        let longest_folded = longest_folded.max().unwrap_or(0);
        Suggester { words, spellings, keys, by_folded_reading, single_characters, longest_folded, kana_words_by_start }
    }

    /// Up to `limit` words starting with `prefix` (or, for a kana prefix, whose
    /// reading does), most frequent first.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        self.completing(prefix).into_iter().take(limit).map(|index| self.words[index].clone()).collect()
    }

    /// The indexes of the words [`Suggester::suggest`] offers for `prefix`, best first.
    fn completing(&self, prefix: &str) -> Vec<usize> {
        let mut prefixes = vec![normalize(prefix.trim())];
        if is_kana(prefix.trim()) {
            prefixes.push(reading_key(prefix));
        }
        let mut found: Vec<usize> = prefixes
            .iter()
            .filter(|prefix| !prefix.is_empty())
            .flat_map(|prefix| {
                let start = self.keys.partition_point(|(key, _)| key.as_str() < prefix.as_str());
                self.keys[start..].iter().take_while(move |(key, _)| key.starts_with(prefix.as_str()))
            })
            .map(|&(_, index)| index)
            .collect();
        // Word indexes follow frequency order, so sorting them ranks the words.
        found.sort_unstable();
        found.dedup();
        // A word in kana whose reading begins a commoner word offered with it is
        // most likely that word's kana spelling cut short (こま beside 狛江).
        let offered = found.clone();
        found.retain(|&index| {
            let word = &self.words[index];
            !is_kana(&word.text)
                || !offered.iter().take_while(|&&commoner| commoner < index).any(|&commoner| {
                    let reading = &self.words[commoner].reading;
                    reading.len() > word.reading.len() && reading.starts_with(word.reading.as_str())
                })
        });
        found
    }

    /// Up to `limit` words of the index near `word`, for a query that found
    /// nothing: first those a typing slip away (an edit per
    /// [`CHARS_PER_SLIP`] characters, at least one, on the word or, for a kana
    /// word, on its reading), closest and most frequent first; then the words
    /// completing the longest beginning of `word` that completes any.
    pub fn nearby(&self, word: &str, limit: usize) -> Vec<Suggestion> {
        let typed = normalize(word.trim());
        let typed_reading = if is_kana(&typed) { reading_key(&typed) } else { String::new() };
        let (typed_length, typed_reading_length) = (typed.chars().count(), typed_reading.chars().count());
        let budget = (typed_length / CHARS_PER_SLIP).max(1);
        let slips = |candidate: &str, length: usize, typed: &str, typed_length: usize| {
            (length.abs_diff(typed_length) <= budget)
                .then(|| strsim::levenshtein(candidate, typed))
                .filter(|&distance| distance <= budget)
        };
        // A single character is a slip away from too many words to offer any.
        let candidates = if typed_length < 2 { 0 } else { self.words.len() };
        let mut neighbours: Vec<(usize, usize)> = self.words[..candidates]
            .iter()
            .zip(&self.spellings)
            .enumerate()
            .filter_map(|(index, (candidate, spelling))| {
                if spelling.normalized == typed {
                    return None;
                }
                let by_reading = (!typed_reading.is_empty() && !candidate.reading.is_empty())
                    .then(|| slips(&candidate.reading, spelling.reading_chars, &typed_reading, typed_reading_length))
                    .flatten();
                let distance = match (slips(&spelling.normalized, spelling.chars, &typed, typed_length), by_reading) {
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b)?,
                };
                Some((distance, index))
            })
            .collect();
        // Word indexes follow frequency order, so ties go to the commoner word.
        neighbours.sort_unstable();
        let mut found: Vec<usize> = neighbours.into_iter().map(|(_, index)| index).collect();
        let chars: Vec<char> = typed.chars().collect();
        let completions = (1..=chars.len())
            .rev()
            .map(|length| self.completing(&chars[..length].iter().collect::<String>()))
            .find(|completions| !completions.is_empty())
            .unwrap_or_default();
        for index in completions {
            if !found.contains(&index) && self.spellings[index].normalized != typed {
                found.push(index);
            }
        }
        found.into_iter().take(limit).map(|index| self.words[index].clone()).collect()
    }

    /// Up to `limit` readings of the words whose reading is `reading` but
    /// for small kana, dakuten and handakuten (ハイク: バイク), most frequent
    /// first; for a reading no one word has, the readings of the fewest words
    /// that spell it together (ハサードマツプ: ハザード and マップ, which the
    /// dictionary keeps apart; ソウダンジョ: ソウダン and ショ, as 相談所 is read
    /// where the dictionary does not voice 所), a later word possibly of one
    /// character.
    pub fn sounding_like(&self, reading: &str, limit: usize) -> Vec<String> {
        let folded: Vec<char> = fold_kana(reading).chars().collect();
        // The readings of a piece of `folded` starting at `start`.
        let readings_of = |start: usize, end: usize| -> Vec<&str> {
            let key: String = folded[start..end].iter().collect();
            let mut readings: Vec<&str> = Vec::new();
            let words = self.by_folded_reading.get(&key).into_iter().flatten();
            let single = self.single_characters.get(&key).filter(|_| start > 0).into_iter().flatten();
            for reading in words.map(|&index| self.words[index].reading.as_str()).chain(single.map(String::as_str)) {
                if !readings.contains(&reading) {
                    readings.push(reading);
                }
            }
            readings
        };
        let whole = readings_of(0, folded.len());
        if !whole.is_empty() {
            return whole.into_iter().take(limit).map(str::to_string).collect();
        }
        // fewest[end]: the fewest pieces (and the last piece's start) spelling folded[..end].
        let mut fewest: Vec<Option<(usize, usize)>> = vec![None; folded.len() + 1];
        fewest[0] = Some((0, 0));
        for end in 1..=folded.len() {
            for start in end.saturating_sub(self.longest_folded)..end.saturating_sub(1) {
                let Some((pieces, _)) = fewest[start] else { continue };
                let better = fewest[end].is_none_or(|(best, _)| pieces + 1 < best);
                if better && pieces < MAX_SOUNDING_PIECES && !readings_of(start, end).is_empty() {
                    fewest[end] = Some((pieces + 1, start));
                }
            }
        }
        let mut pieces = Vec::new();
        let mut end = folded.len();
        while end > 0 {
            let Some((_, start)) = fewest[end] else { return Vec::new() };
            pieces.push(readings_of(start, end));
            end = start;
        }
        // Every way of reading the pieces, the commonest first.
        let mut spellings = vec![String::new()];
        for readings in pieces.iter().rev() {
            spellings = spellings
                .iter()
                .flat_map(|spelled| readings.iter().map(move |reading| format!("{spelled}{reading}")))
                .take(limit)
                .collect();
        }
        spellings
    }

    /// Up to `limit` words written in kana that `reading` may be a clipped
    /// form of (ハイク: バイシクル, ケアマネ: ケアマネジャー): their reading begins
    /// with its first [`CLIPPED_START`] kana and holds the rest in order, small
    /// kana and dakuten aside; the least clipped first, then the commonest.
    pub fn clipped_from(&self, reading: &str, limit: usize) -> Vec<Suggestion> {
        let typed: Vec<char> = fold_kana(reading).chars().collect();
        if typed.len() < MIN_CLIPPED_KANA {
            return Vec::new();
        }
        let (start, rest) = typed.split_at(CLIPPED_START);
        let candidates = self.kana_words_by_start.get(&start.iter().collect::<String>());
        let mut found: Vec<(usize, usize)> = candidates
            .into_iter()
            .flatten()
            .filter_map(|(index, folded)| {
                let holds_the_rest = || {
                    let mut later = folded[CLIPPED_START..].iter();
                    rest.iter().all(|kana| later.any(|candidate| candidate == kana))
                };
                (folded.len() > typed.len() && holds_the_rest()).then(|| (folded.len() - typed.len(), *index))
            })
            .collect();
        found.sort_unstable();
        found.into_iter().take(limit).map(|(_, index)| self.words[index].clone()).collect()
    }
}

/// The reading a word had where it was indexed. lindera reads a word alone as
/// it reads it in text, except where, alone, it splits a word the dictionary
/// holds whole: 年生 alone is 年 + 生, トシセイ, while the entry 年生 (as in 1年生)
/// reads ネンセイ. Such a word takes its entry's reading.
fn reading_in_context(word: &str, analyzers: &Analyzers, readings: &Readings) -> String {
    let spelled: String = analyzers.spelled_reading(word).into_iter().map(|(c, _)| c).collect();
    let entries = readings.of(word);
    match entries.first() {
        Some(entry) if !entries.contains(&spelled) => entry.clone(),
        _ => spelled,
    }
}

/// Characters of a typed word per typing slip [`Suggester::nearby`] forgives.
const CHARS_PER_SLIP: usize = 4;

/// Kana a clipping keeps of the beginning of the word it is clipped from.
const CLIPPED_START: usize = 2;

/// Fewest kana a word typed in kana has for [`Suggester::clipped_from`]: its
/// beginning alone begins too many words.
const MIN_CLIPPED_KANA: usize = CLIPPED_START + 1;

/// Most words a reading is spelled from when no one word has it.
const MAX_SOUNDING_PIECES: usize = 3;

fn worth_suggesting(word: &str) -> bool {
    word.chars().count() > 1 && word.chars().any(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggester(words: &[(&str, &str, u64)]) -> Suggester {
        Suggester::of(
            words
                .iter()
                .map(|&(text, reading, count)| Suggestion { text: text.into(), reading: reading.into(), count })
                .collect(),
        )
    }

    fn texts(suggestions: Vec<Suggestion>) -> Vec<String> {
        suggestions.into_iter().map(|suggestion| suggestion.text).collect()
    }

    #[test]
    fn nearby_words_are_a_slip_away_before_they_complete_the_beginning() {
        let words = suggester(&[
            ("図書館", "トショカン", 9),
            ("図書室", "トショシツ", 3),
            ("美術館", "ビジュツカン", 5),
            ("子育て支援", "コソダテシエン", 4),
        ]);
        // 図書券 is a kanji away from 図書館 and 図書室; 美術館 is two away.
        assert_eq!(texts(words.nearby("図書券", 5)), ["図書館", "図書室"]);
        // A kana slip in the reading: としょかn typed as としよかん.
        assert_eq!(texts(words.nearby("としよかん", 5))[0], "図書館");
        // Nothing a slip away: the words completing its longest known beginning.
        assert_eq!(texts(words.nearby("子育て相談窓口", 5)), ["子育て支援"]);
        assert!(words.nearby("火山", 5).is_empty());
    }

    #[test]
    fn a_word_in_kana_cut_from_a_commoner_word_is_not_offered_beside_it() {
        let words =
            suggester(&[("狛江", "コマエ", 33), ("こま", "コマ", 7), ("ごみ", "ゴミ", 5), ("ごみ箱", "ゴミバコ", 2)]);
        assert_eq!(texts(words.suggest("こま", 8)), ["狛江"]);
        assert_eq!(texts(words.suggest("ごみ", 8)), ["ごみ", "ごみ箱"]);
    }

    #[test]
    fn a_kana_reading_sounds_like_the_words_that_spell_it_voiced_or_not() {
        let words = suggester(&[
            ("相談", "ソウダン", 9),
            ("女", "ジョ", 4),
            ("所", "ショ", 3),
            ("バイク", "バイク", 2),
            ("ハザード", "ハザード", 2),
            ("マップ", "マップ", 2),
        ]);
        assert_eq!(words.sounding_like("ハイク", 4), ["バイク"]);
        assert_eq!(words.sounding_like("ハサードマツプ", 4), ["ハザードマップ"]);
        // A compound voiced where the dictionary does not voice it (相談所, そうだんじょ):
        // a later part may be a word of one character, never offered as a suggestion.
        assert_eq!(words.sounding_like("ソウダンジョ", 4), ["ソウダンジョ", "ソウダンショ"]);
        assert!(words.suggest("所", 4).is_empty());
        assert!(
            words.sounding_like("ジョソウダン", 4).is_empty(),
            "a word of one character ends a compound, never begins it"
        );
    }

    #[test]
    fn a_kana_word_may_be_clipped_from_the_kana_words_it_begins_and_threads() {
        let words = suggester(&[
            ("ケアマネジャー", "ケアマネジャー", 3),
            ("ケアハウス", "ケアハウス", 5),
            ("バイシクルシティ", "バイシクルシティ", 1),
            ("俳句大会", "ハイクタイカイ", 2),
        ]);
        assert_eq!(texts(words.clipped_from("ケアマネ", 4)), ["ケアマネジャー"]);
        assert_eq!(texts(words.clipped_from("ハイク", 4)), ["バイシクルシティ"], "kana words only, dakuten aside");
        assert!(words.clipped_from("ケア", 4).is_empty(), "two kana begin too many words");
    }

    #[test]
    fn single_characters_and_numbers_are_not_worth_suggesting() {
        assert!(worth_suggesting("図書館") && worth_suggesting("dx"));
        assert!(!worth_suggesting("市") && !worth_suggesting("2050") && !worth_suggesting("、、"));
    }
}
