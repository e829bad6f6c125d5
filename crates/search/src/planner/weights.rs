//! Every weight of a plan, in one table.
//!
//! A clause's alternatives score in the fields below, each scaled by the
//! field's weight; an item's score is the sum over every alternative that
//! matches. The order of the weights is the order of the promises the engine
//! makes: a word as written outranks its variants, which outrank its reading,
//! which outranks a synonym, a substring and, last, a near miss or a sound-alike.
//!
//! | alternative | field: weight |
//! |---|---|
//! | [`AS_WRITTEN`] words | `text`: 3.0, `policy`: 1.5 |
//! | [`NORMALIZED`] words (variants, inflections) | `text_normalized`: 2.0, `policy_normalized`: 1.0, `department`: 1.5 |
//! | the words standing together as typed ([`PHRASE_BONUS`], see `clause.rs`) | `text` or `text_ngram`: +2.0 |
//! | a kana clause's [`READING`] | `text_reading`: 1.0, `policy_reading`: 0.5 |
//! | the clause as a [`SUBSTRING`] | `text_ngram`: 1.0, `policy_ngram`: 0.5 |
//! | a synonym swapped in (the city's, or the same lexeme in Sudachi's dictionary) | any of the above but `AS_WRITTEN`, × [`SYNONYM_FACTOR`] 0.4 |
//! | a term the resident phrase table gives | the same, × [`PHRASE_FACTOR`] 0.3 |
//! | a word of related meaning (only when escalating) | the same, × [`RELATED_FACTOR`] 0.2 |
//! | most of the clause's bigrams ([`NEAR_MISS`]) | `text_ngram`, `policy_ngram`: 0.3 |
//! | the [`FISCAL_YEAR`] a query names (令和5年度, R5, 2023年度): its items rank up | `fiscal_year`: 2.0 |
//! | a reading the clause sounds like (only when it matches nothing as typed) | `READING` × [`SOUND_ALIKE_FACTOR`] 0.5 |
//! | a word it may be clipped from (only when it matches nothing as typed) | `READING` or `AS_WRITTEN` × [`CLIPPED_FACTOR`] 0.3 |
//! | its spelling with a lookalike character (only when it matches nothing as typed) | `SUBSTRING` × [`LOOKALIKE_FACTOR`] 0.3 |

use hoshin_analysis::field_name;
use tantivy::schema::{Field, Schema};

/// Words as written, each in the text or the heading. Here and in
/// [`SUBSTRING`] the text comes first: the phrase bonus goes to it.
pub const AS_WRITTEN: [(&str, f32); 2] = [(field_name::TEXT, 3.0), (field_name::POLICY, 1.5)];

/// Normalised words, each in the text, the heading or the department.
pub const NORMALIZED: [(&str, f32); 3] =
    [(field_name::TEXT_NORMALIZED, 2.0), (field_name::POLICY_NORMALIZED, 1.0), (field_name::DEPARTMENT, 1.5)];

/// A kana clause's reading, as a substring of the text's or heading's reading.
pub const READING: [(&str, f32); 2] = [(field_name::TEXT_READING, 1.0), (field_name::POLICY_READING, 0.5)];

/// The clause, normalised, as a substring of the text or the heading.
pub const SUBSTRING: [(&str, f32); 2] = [(field_name::TEXT_NGRAM, 1.0), (field_name::POLICY_NGRAM, 0.5)];

/// Items of the fiscal year a query names; a clause naming only a year
/// also matches them this way.
pub const FISCAL_YEAR: (&str, f32) = (field_name::FISCAL_YEAR, 2.0);

/// Added where the words stand together as typed.
pub const PHRASE_BONUS: f32 = 2.0;

/// Every weight of an alternative made from a synonym is scaled by this.
pub const SYNONYM_FACTOR: f32 = 0.4;

/// Every weight of an alternative made from a resident phrase's term is scaled by this.
pub const PHRASE_FACTOR: f32 = 0.3;

/// Every weight of an alternative made from a related word is scaled by this.
pub const RELATED_FACTOR: f32 = 0.2;

/// A sound-alike's weights are the [`READING`] weights scaled by this.
pub const SOUND_ALIKE_FACTOR: f32 = 0.5;

/// A word a clause may be clipped from: its [`READING`] weights (a word in
/// kana) or its [`AS_WRITTEN`] ones (words in kanji) are scaled by this.
pub const CLIPPED_FACTOR: f32 = 0.3;
/// A spelling with a lookalike character: its [`SUBSTRING`] weights are scaled by this.
pub const LOOKALIKE_FACTOR: f32 = 0.3;
/// A near miss, in either n-gram field of [`SUBSTRING`].
pub const NEAR_MISS: f32 = 0.3;

/// The table's fields as one index's handles.
#[derive(Debug, Clone, Copy)]
pub struct FieldWeights {
    /// [`AS_WRITTEN`].
    pub as_written: [(Field, f32); 2],
    /// [`NORMALIZED`].
    pub normalized: [(Field, f32); 3],
    /// [`READING`].
    pub reading: [(Field, f32); 2],
    /// [`SUBSTRING`].
    pub substring: [(Field, f32); 2],
    /// [`FISCAL_YEAR`].
    pub fiscal_year: (Field, f32),
}

impl FieldWeights {
    /// Looks the table's fields up in `schema`.
    pub fn resolve(schema: &Schema) -> tantivy::Result<FieldWeights> {
        Ok(FieldWeights {
            as_written: resolve(schema, AS_WRITTEN)?,
            normalized: resolve(schema, NORMALIZED)?,
            reading: resolve(schema, READING)?,
            substring: resolve(schema, SUBSTRING)?,
            fiscal_year: resolve(schema, [FISCAL_YEAR])?[0],
        })
    }
}

fn resolve<const N: usize>(schema: &Schema, table: [(&str, f32); N]) -> tantivy::Result<[(Field, f32); N]> {
    let mut resolved = [(Field::from_field_id(0), 0.0); N];
    for (slot, (name, weight)) in resolved.iter_mut().zip(table) {
        *slot = (schema.get_field(name)?, weight);
    }
    Ok(resolved)
}
