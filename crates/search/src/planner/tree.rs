//! The query tree a plan is made of, and the one place it becomes tantivy
//! queries.
//!
//! Each node stands for exactly one tantivy query, so what runs can be read
//! from the tree (and from [`QueryTree::render`], which the plan tests
//! compare) without tracing the planner.

use std::fmt::Write;

use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema};
use tantivy::Term;

/// A query over hoshin's fields.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryTree {
    /// One term in one field, scored with its frequency.
    Term {
        /// The field.
        field: Field,
        /// The term.
        text: String,
    },
    /// Terms at these relative positions in one field.
    Phrase {
        /// The field.
        field: Field,
        /// (position, term) pairs, the first at 0.
        terms: Vec<(usize, String)>,
    },
    /// Every part must match; the scores add up.
    All(Vec<QueryTree>),
    /// Any part may match; the scores of those that do add up.
    Any(Vec<QueryTree>),
    /// At least `required` of the parts must match.
    AtLeast {
        /// How many parts must match.
        required: usize,
        /// The parts.
        of: Vec<QueryTree>,
    },
    /// The part's score times a weight.
    Boost(f32, Box<QueryTree>),
    /// Items of one fiscal year, each scoring 1.
    FiscalYear {
        /// The numeric fiscal-year field.
        field: Field,
        /// The western fiscal year.
        year: u64,
    },
}

impl QueryTree {
    /// The tantivy query of this tree.
    pub fn to_query(&self) -> Box<dyn Query> {
        match self {
            QueryTree::Term { field, text } => {
                Box::new(TermQuery::new(Term::from_field_text(*field, text), IndexRecordOption::WithFreqs))
            }
            QueryTree::Phrase { field, terms } => Box::new(PhraseQuery::new_with_offset(
                terms.iter().map(|(position, text)| (*position, Term::from_field_text(*field, text))).collect(),
            )),
            QueryTree::All(parts) => Box::new(BooleanQuery::new(clauses(Occur::Must, parts))),
            QueryTree::Any(parts) => Box::new(BooleanQuery::new(clauses(Occur::Should, parts))),
            QueryTree::AtLeast { required, of } => {
                Box::new(BooleanQuery::with_minimum_required_clauses(clauses(Occur::Should, of), *required))
            }
            QueryTree::Boost(weight, part) => Box::new(BoostQuery::new(part.to_query(), *weight)),
            QueryTree::FiscalYear { field, year } => Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(Term::from_field_u64(*field, *year), IndexRecordOption::Basic)),
                1.0,
            )),
        }
    }

    /// The tree on one line, fields by name: `any(text:"図書館"^5, …)`.
    pub fn render(&self, schema: &Schema) -> String {
        let mut out = String::new();
        self.render_into(schema, &mut out);
        out
    }

    fn render_into(&self, schema: &Schema, out: &mut String) {
        let list = |name: &str, parts: &[QueryTree], out: &mut String| {
            out.push_str(name);
            out.push('(');
            for (index, part) in parts.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                part.render_into(schema, out);
            }
            out.push(')');
        };
        match self {
            QueryTree::Term { field, text } => {
                let _ = write!(out, "{}:{text:?}", schema.get_field_name(*field));
            }
            QueryTree::Phrase { field, terms } => {
                let _ = write!(out, "{}:[", schema.get_field_name(*field));
                for (index, (position, text)) in terms.iter().enumerate() {
                    let separator = if index > 0 { " " } else { "" };
                    let _ = write!(out, "{separator}{position}:{text}");
                }
                out.push(']');
            }
            QueryTree::All(parts) => list("all", parts, out),
            QueryTree::Any(parts) => list("any", parts, out),
            QueryTree::AtLeast { required, of } => list(&format!("at_least_{required}"), of, out),
            QueryTree::Boost(weight, part) => {
                part.render_into(schema, out);
                let _ = write!(out, "^{weight}");
            }
            QueryTree::FiscalYear { field, year } => {
                let _ = write!(out, "{}={year}", schema.get_field_name(*field));
            }
        }
    }
}

fn clauses(occur: Occur, parts: &[QueryTree]) -> Vec<(Occur, Box<dyn Query>)> {
    parts.iter().map(|part| (occur, part.to_query())).collect()
}
