//! Fusing what words found with what meaning found into one ranking.
//!
//! The policy, measured on the dev query sets (docs/performance.md):
//!
//! - **Every item matching all the words the resident typed keeps its rank**,
//!   ahead of everything else: an exact match is the strongest evidence a
//!   search has, and meaning must not push it down.
//! - **After them**, the items matching most of the words (relaxation) and
//!   the items nearest in meaning are merged by weighted reciprocal rank
//!   ([`FUSION`]): BM25 sums have no ceiling and cosines of e5 crowd
//!   together near 0.8, so ranks are what the two sides share. An item found
//!   both ways gains from both. The engine weighs the relaxed ranking by the
//!   share of the words its items match at least (one of three: a third), so
//!   items matching one word of a resident's sentence trail meaning's.
//!
//! Pure and table-tested; the engine gathers the lists and presents the result.

use tantivy::DocAddress;

/// The weights and the rank constant of the reciprocal-rank fusion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FusionWeights {
    /// Added to every rank (from 1): larger flattens the difference between the first few ranks.
    pub rank_constant: f32,
    /// The weight of the relaxed lexical ranking.
    pub words: f32,
    /// The weight of the semantic ranking.
    pub meaning: f32,
}

/// The fusion hoshin searches with.
pub const FUSION: FusionWeights = FusionWeights { rank_constant: 60.0, words: 1.0, meaning: 1.0 };

/// One item of a lexical ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordsFound {
    /// Its place in the lexical ranking.
    pub address: DocAddress,
    /// Its BM25 score.
    pub score: f32,
    /// Whether it matches only most of the words.
    pub relaxed: bool,
}

/// One item of the fused ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fused {
    /// The item.
    pub address: DocAddress,
    /// How it matched words, if it did (within the lexical ranking given).
    pub words: Option<WordsFound>,
    /// Its similarity to the query, if meaning found it.
    pub similarity: Option<f32>,
}

impl Fused {
    /// An item the words found, as they found it.
    pub fn of_words(words: &WordsFound) -> Fused {
        Fused { address: words.address, words: Some(*words), similarity: None }
    }
}

/// `words` (strict matches first, then relaxed ones, each best first) and
/// `meaning` (nearest first, with similarities) as one ranking.
pub fn fuse(words: &[WordsFound], meaning: &[(f32, DocAddress)], weights: &FusionWeights) -> Vec<Fused> {
    let similarity =
        |address: DocAddress| meaning.iter().find(|(_, near)| *near == address).map(|(similarity, _)| *similarity);
    let strict = words.iter().take_while(|found| !found.relaxed);
    let mut fused: Vec<Fused> = strict
        .map(|found| Fused { address: found.address, words: Some(*found), similarity: similarity(found.address) })
        .collect();
    let strict_count = fused.len();
    let relaxed = &words[strict_count..];
    let reciprocal = |weight: f32, rank: usize| weight / (weights.rank_constant + rank as f32 + 1.0);
    let mut rest: Vec<(f32, usize, Fused)> = Vec::new();
    for (rank, found) in relaxed.iter().enumerate() {
        let near = meaning.iter().position(|(_, address)| *address == found.address);
        let score = reciprocal(weights.words, rank) + near.map_or(0.0, |near| reciprocal(weights.meaning, near));
        rest.push((
            score,
            rest.len(),
            Fused { address: found.address, words: Some(*found), similarity: similarity(found.address) },
        ));
    }
    for (rank, (similarity, address)) in meaning.iter().enumerate() {
        if words.iter().any(|found| found.address == *address) {
            continue;
        }
        let fused = Fused { address: *address, words: None, similarity: Some(*similarity) };
        rest.push((reciprocal(weights.meaning, rank), rest.len(), fused));
    }
    // Equal scores keep the order the lists came in: words first.
    rest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    fused.extend(rest.into_iter().map(|(_, _, fused)| fused));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(doc: u32) -> DocAddress {
        DocAddress::new(0, doc)
    }

    fn words(strict: &[u32], relaxed: &[u32]) -> Vec<WordsFound> {
        let found = |relaxed: bool| move |&doc: &u32| WordsFound { address: at(doc), score: 1.0, relaxed };
        strict.iter().map(found(false)).chain(relaxed.iter().map(found(true))).collect()
    }

    fn meaning(docs: &[u32]) -> Vec<(f32, DocAddress)> {
        docs.iter().enumerate().map(|(rank, &doc)| (0.9 - rank as f32 / 100.0, at(doc))).collect()
    }

    fn order(fused: &[Fused]) -> Vec<u32> {
        fused.iter().map(|fused| fused.address.doc_id).collect()
    }

    #[test]
    fn strict_matches_keep_their_ranks_and_meaning_follows() {
        let fused = fuse(&words(&[1, 2], &[]), &meaning(&[3, 2, 4]), &FUSION);
        assert_eq!(order(&fused), [1, 2, 3, 4]);
        assert_eq!((fused[1].words.is_some(), fused[1].similarity.is_some()), (true, true));
        assert_eq!((fused[2].words, fused[2].similarity), (None, Some(0.9)));
    }

    #[test]
    fn relaxed_matches_and_meaning_interleave_and_both_ways_rank_first() {
        let fused = fuse(&words(&[], &[5, 6, 7]), &meaning(&[8, 7, 9]), &FUSION);
        assert_eq!(order(&fused), [7, 5, 8, 6, 9]);
    }

    #[test]
    fn either_side_alone_is_kept_in_its_order() {
        assert_eq!(order(&fuse(&words(&[1], &[2, 3]), &[], &FUSION)), [1, 2, 3]);
        assert_eq!(order(&fuse(&[], &meaning(&[4, 5]), &FUSION)), [4, 5]);
        assert!(fuse(&[], &[], &FUSION).is_empty());
    }
}
