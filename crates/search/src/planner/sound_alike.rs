//! Sound-alikes: what a clause that matches nothing as typed may have been
//! meant to say, as readings to look for in the reading fields.
//!
//! - romaji (kosodate → コソダテ), unless the letters are a word of the index;
//! - kana with small kana, dakuten or handakuten lost or added (ワークショツプ,
//!   ハイク for バイク): the words of the index whose reading differs only in those;
//! - kanji, alone or half converted (下すいどう, 福祉 typed 福止, 生涯学集):
//!   every way the dictionary could read it, as the index's words read it
//!   (フクシ: 福祉; セッシュ of 接種 for 摂種, read セツシュ; nothing for 双子,
//!   ソウコ, where no word reads so), since a reading is looked for as a
//!   substring and one no word has only turns up inside others. A word the
//!   dictionary knows whole (忙しい, 先生) is what the resident meant, only
//!   absent from the index: it gets none (ボウシ would find 防止).
//!
//! A clause only gets them when it matches nothing as typed, so a word that
//! is in the index (公園) never pulls in another that sounds the same (講演).

use hoshin_analysis::reading::{is_kana, reading_key, romaji_reading, Readings};

use super::MIN_WIDENED_CHARS;
use crate::suggest::Suggester;

/// Most sound-alikes tried per clause.
pub const MAX_SOUND_ALIKES: usize = 16;

/// Most characters a clause has for sound-alikes: a longer one is no
/// misspelled word but a phrase, which is split into its parts when it
/// finds nothing, and spelling out its readings costs with the cube of its
/// length.
const MAX_CHARS: usize = 32;

/// The readings `text` may have been meant as, its own reading left out.
pub fn sound_alikes(text: &str, readings: &Readings, vocabulary: &Suggester) -> Vec<String> {
    if !(MIN_WIDENED_CHARS..=MAX_CHARS).contains(&text.chars().count()) {
        return Vec::new();
    }
    let found = match romaji_reading(text) {
        Some(reading) => vec![reading],
        // One more than kept: the text's own reading is among them, and left out below.
        None if is_kana(text) => vocabulary.sounding_like(&reading_key(text), MAX_SOUND_ALIKES + 1),
        None if readings.is_one_word(text) => Vec::new(),
        None => readings
            .spellings(text, MAX_SOUND_ALIKES)
            .iter()
            .flat_map(|spelled| vocabulary.sounding_like(spelled, MAX_SOUND_ALIKES))
            .collect(),
    };
    let own = is_kana(text).then(|| reading_key(text));
    let mut kept: Vec<String> = Vec::with_capacity(found.len());
    for reading in found {
        if Some(&reading) != own.as_ref() && !kept.contains(&reading) {
            kept.push(reading);
        }
    }
    kept.truncate(MAX_SOUND_ALIKES);
    kept
}
