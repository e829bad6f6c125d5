//! Sound-alikes: what a clause that matches nothing as typed may have been
//! meant to say, as readings to look for in the reading fields.
//!
//! - romaji (kosodate → コソダテ), unless the letters are a word of the index;
//! - kana with small kana, dakuten or handakuten lost or added (ワークショツプ,
//!   ハイク for バイク): the words of the index whose reading differs only in those;
//! - kanji, alone or half converted (下すいどう, 福祉 typed 福止, 生涯学集):
//!   every way the dictionary could read it.
//!
//! A clause only gets them when it matches nothing as typed, so a word that
//! is in the index (公園) never pulls in another that sounds the same (講演).

use hoshin_analysis::reading::{is_kana, reading_key, romaji_reading, Readings};

use crate::suggest::Suggester;

/// Most sound-alikes tried per clause.
pub const MAX_SOUND_ALIKES: usize = 16;

/// The readings `text` may have been meant as, its own reading left out.
pub fn sound_alikes(text: &str, readings: &Readings, vocabulary: &Suggester) -> Vec<String> {
    let mut found = match romaji_reading(text) {
        Some(reading) => vec![reading],
        None if is_kana(text) => vocabulary.sounding_like(&reading_key(text)),
        None => readings.spellings(text, MAX_SOUND_ALIKES),
    };
    if is_kana(text) {
        let own = reading_key(text);
        found.retain(|reading| *reading != own);
    }
    found.dedup();
    found.truncate(MAX_SOUND_ALIKES);
    found
}
