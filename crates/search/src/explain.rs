//! Score explanations people can read.
//!
//! tantivy explains a score as a tree whose term nodes name fields by number
//! (`Term(field=9, type=Str, "図書館")`). hoshin names the fields, and adds a flat
//! list of every term that matched, in which field, with its BM25 score and that
//! score after the field and alternative weights ([`crate::planner`]) were applied.

use serde::Serialize;
use serde_json::{json, Value};
use tantivy::query::Explanation;
use tantivy::schema::{Field, Schema};

/// One matched term of an explanation.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedTerm {
    /// Index field the term matched in.
    pub field: String,
    /// The term.
    pub term: String,
    /// Its BM25 score in that field.
    pub bm25: f64,
    /// The product of the weights above it.
    pub weight: f64,
    /// What it added to the item's score.
    pub score: f64,
}

/// `{"score", "matched": [MatchedTerm], "tree"}` for one hit.
pub fn describe(explanation: &Explanation, schema: &Schema) -> Value {
    let mut tree = serde_json::to_value(explanation).unwrap_or_default();
    let mut matched = Vec::new();
    walk(&mut tree, 1.0, schema, &mut matched);
    matched.sort_by(|a, b| b.score.total_cmp(&a.score));
    json!({ "score": tree["value"], "matched": matched, "tree": tree })
}

fn walk(node: &mut Value, weight: f64, schema: &Schema, matched: &mut Vec<MatchedTerm>) {
    let description = node["description"].as_str().unwrap_or_default().to_string();
    let weight = weight * boost_of(&description).unwrap_or(1.0);
    let bm25 = node["value"].as_f64().unwrap_or_default();
    if let Some(context) = node.get_mut("context").and_then(Value::as_array_mut) {
        for entry in context.iter_mut() {
            let Some(text) = entry.as_str() else { continue };
            if let Some((field, term)) = parse_term(text, schema) {
                matched.push(MatchedTerm {
                    field: field.clone(),
                    term: term.clone(),
                    bm25,
                    weight,
                    score: bm25 * weight,
                });
                *entry = Value::String(format!("Term(field={field}, {term:?})"));
            }
        }
    }
    if let Some(details) = node.get_mut("details").and_then(Value::as_array_mut) {
        for detail in details {
            walk(detail, weight, schema, matched);
        }
    }
}

/// `Boost x3 of ...` → 3.
fn boost_of(description: &str) -> Option<f64> {
    description.strip_prefix("Boost x")?.split_whitespace().next()?.parse().ok()
}

/// `Term=Term(field=9, type=Str, "図書館")` → ("text", "図書館").
fn parse_term(context: &str, schema: &Schema) -> Option<(String, String)> {
    let after_field = context.split_once("field=")?.1;
    let number: u32 = after_field.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    let term = after_field.split_once('"')?.1.rsplit_once('"')?.0;
    let name = schema.get_field_name(Field::from_field_id(number)).to_string();
    Some((name, term.to_string()))
}

#[cfg(test)]
mod tests {
    use tantivy::schema::TEXT;

    use super::*;

    #[test]
    fn boosts_and_terms_are_read_from_tantivy_descriptions() {
        let mut builder = Schema::builder();
        builder.add_text_field("first", TEXT);
        builder.add_text_field("second", TEXT);
        let schema = builder.build();
        assert_eq!(boost_of("Boost x1.5 of ..."), Some(1.5));
        assert_eq!(boost_of("TermQuery, product of..."), None);
        let parsed = parse_term("Term=Term(field=1, type=Str, \"図書館\")", &schema);
        assert_eq!(parsed, Some(("second".to_string(), "図書館".to_string())));
    }
}
