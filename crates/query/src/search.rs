//! Turning a resident's query into a ranked, faceted page of items.
//!
//! Each clause of the query (see [`crate::syntax`]) matches an item when its
//! analysed terms all occur in the text, the policy heading or the department,
//! or when it occurs as a substring of the text or heading (the n-gram fields).
//! The scores of those alternatives add up, weighted so that the item text counts
//! most, an exact morphological match outranks a mere substring, and the words
//! standing together as a phrase earn a bonus. Every clause must match; excluded
//! clauses must not. This is plain synchronous code: the HTTP layer runs it on a
//! blocking thread.

use std::collections::HashSet;
use std::time::Instant;

use hoshin_analysis::ngram::substring_terms;
use hoshin_analysis::normalize::normalize;
use hoshin_analysis::{department_facet, Fields};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, Searcher, TantivyDocument, Term};

use crate::error::{QueryError, Result};
use crate::results::{FacetCount, Facets, Hit, Item, SearchResults, Source};
use crate::snippet::{matched_ranges, render, HighlightTerms};
use crate::syntax::{parse_clauses, Clause, ClauseKind};

/// Weight of a morphological match in the item text.
const TEXT_WEIGHT: f32 = 3.0;
/// Weight of a morphological match in the policy heading.
const POLICY_WEIGHT: f32 = 1.5;
/// Weight of a morphological match in the department name.
const DEPARTMENT_WEIGHT: f32 = 1.0;
/// Weight of a substring match in the item text.
const TEXT_NGRAM_WEIGHT: f32 = 1.0;
/// Weight of a substring match in the policy heading.
const POLICY_NGRAM_WEIGHT: f32 = 0.5;
/// Bonus weight when a word's terms stand together in the text, as typed.
const PHRASE_BONUS_WEIGHT: f32 = 2.0;

/// One search request, already validated.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    /// The query as typed.
    pub query: &'a str,
    /// Hits per page.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Restrict to this department.
    pub department: Option<&'a str>,
}

/// A searchable view of one index.
pub struct SearchEngine {
    reader: IndexReader,
    fields: Fields,
    japanese: TextAnalyzer,
    departments: Vec<String>,
}

impl SearchEngine {
    /// Opens an index whose analyzers are registered.
    pub fn new(index: &Index) -> Result<Self> {
        let fields = Fields::from_schema(&index.schema())?;
        let japanese = index.tokenizer_for_field(fields.text)?;
        let reader = index.reader()?;
        let mut engine = SearchEngine {
            reader,
            fields,
            japanese,
            departments: Vec::new(),
        };
        engine.departments = engine
            .department_counts(&engine.reader.searcher(), &AllQuery)?
            .into_iter()
            .map(|facet| facet.value)
            .collect();
        Ok(engine)
    }

    /// Number of items in the index.
    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The departments in the index, most items first.
    pub fn departments(&self) -> &[String] {
        &self.departments
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults> {
        let started = Instant::now();
        if let Some(department) = request.department {
            if !self.departments.iter().any(|known| known == department) {
                return Err(QueryError::UnknownDepartment(department.to_string()));
            }
        }
        let plan = self.plan(request.query);
        let searcher = self.reader.searcher();
        let filtered: Box<dyn Query> = match request.department {
            Some(department) => {
                let term =
                    Term::from_facet(self.fields.department_facet, &department_facet(department));
                let filter = ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    0.0,
                );
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, plan.query.box_clone()),
                    (Occur::Must, Box::new(filter)),
                ]))
            }
            None => plan.query.box_clone(),
        };
        let top_docs = TopDocs::with_limit(request.limit)
            .and_offset(request.offset)
            .order_by_score();
        let (top, total) = searcher.search(filtered.as_ref(), &(top_docs, Count))?;
        let facets = Facets {
            department: self.department_counts(&searcher, plan.query.as_ref())?,
        };
        let mut japanese = self.japanese.clone();
        let hits = top
            .into_iter()
            .map(|(score, address)| {
                let item = self.item_at(&searcher, address)?;
                let snippet = render(
                    &item.text,
                    &matched_ranges(&item.text, &plan.highlight, &mut japanese),
                );
                Ok(Hit {
                    item,
                    score,
                    snippet,
                })
            })
            .collect::<Result<Vec<Hit>>>()?;
        Ok(SearchResults {
            query: request.query.to_string(),
            total: total as u64,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            hits,
            facets,
        })
    }

    /// Looks an item up by id.
    pub fn document(&self, id: &str) -> Result<Item> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some((_, address)) => self.item_at(&searcher, *address),
            None => Err(QueryError::DocumentNotFound(id.to_string())),
        }
    }

    fn department_counts(&self, searcher: &Searcher, query: &dyn Query) -> Result<Vec<FacetCount>> {
        let mut collector = FacetCollector::for_field("department_facet");
        collector.add_facet("/");
        let counts = searcher.search(query, &collector)?;
        let mut facets: Vec<FacetCount> = counts
            .get("/")
            .map(|(facet, count)| FacetCount {
                value: facet
                    .to_path()
                    .last()
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                count,
            })
            .collect();
        facets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        Ok(facets)
    }

    fn item_at(&self, searcher: &Searcher, address: DocAddress) -> Result<Item> {
        let document: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| {
            document
                .get_first(field)
                .and_then(|value| value.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let number = |field: Field| {
            document
                .get_first(field)
                .and_then(|value| value.as_u64())
                .unwrap_or_default()
        };
        Ok(Item {
            id: text(self.fields.id),
            year: text(self.fields.year),
            fiscal_year: number(self.fields.fiscal_year),
            department: text(self.fields.department),
            policy: text(self.fields.policy),
            text: text(self.fields.text),
            source: Source {
                file: text(self.fields.source_file),
                line: number(self.fields.source_line),
            },
        })
    }

    /// The tantivy query for a resident's query, and what to highlight.
    fn plan(&self, query: &str) -> QueryPlan {
        let mut japanese = self.japanese.clone();
        let mut highlight = HighlightTerms::default();
        let mut required: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut excluded: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for clause in parse_clauses(query) {
            let analysed = AnalysedClause::new(&clause, &mut japanese);
            let Some(clause_query) = self.clause_query(&analysed) else {
                continue;
            };
            if clause.excluded {
                excluded.push((Occur::MustNot, clause_query));
            } else {
                highlight
                    .japanese
                    .extend(analysed.terms.iter().map(|(_, term)| term.clone()));
                highlight
                    .substrings
                    .push(analysed.substring.chars().collect());
                required.push((Occur::Must, clause_query));
            }
        }
        let has_required = !required.is_empty();
        let mut clauses = required;
        if !has_required && !excluded.is_empty() {
            // Only exclusions: everything but the excluded items.
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        clauses.extend(excluded);
        QueryPlan {
            query: Box::new(BooleanQuery::new(clauses)),
            highlight,
        }
    }

    /// What one clause matches, or `None` when analysis leaves nothing to match.
    fn clause_query(&self, clause: &AnalysedClause) -> Option<Box<dyn Query>> {
        let fields = &self.fields;
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, weight) in [
            (fields.text, TEXT_WEIGHT),
            (fields.policy, POLICY_WEIGHT),
            (fields.department, DEPARTMENT_WEIGHT),
        ] {
            if let Some(query) = terms_query(field, &clause.terms, clause.kind) {
                alternatives.push((Occur::Should, boosted(query, weight)));
            }
        }
        if clause.kind == ClauseKind::Word && clause.terms.len() > 1 {
            if let Some(phrase) = terms_query(fields.text, &clause.terms, ClauseKind::Phrase) {
                alternatives.push((Occur::Should, boosted(phrase, PHRASE_BONUS_WEIGHT)));
            }
        }
        for (field, weight) in [
            (fields.text_ngram, TEXT_NGRAM_WEIGHT),
            (fields.policy_ngram, POLICY_NGRAM_WEIGHT),
        ] {
            if let Some(query) = substring_query(field, &clause.substring) {
                alternatives.push((Occur::Should, boosted(query, weight)));
            }
        }
        (!alternatives.is_empty())
            .then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
    }
}

struct QueryPlan {
    query: Box<dyn Query>,
    highlight: HighlightTerms,
}

/// A clause after analysis: its morphological terms with their positions, and
/// its normalised text without white space for the n-gram fields.
struct AnalysedClause {
    kind: ClauseKind,
    terms: Vec<(usize, String)>,
    substring: String,
}

impl AnalysedClause {
    fn new(clause: &Clause, japanese: &mut TextAnalyzer) -> Self {
        let mut terms = Vec::new();
        let mut stream = japanese.token_stream(&clause.text);
        while stream.advance() {
            let token = stream.token();
            terms.push((token.position, token.text.clone()));
        }
        let substring = normalize(&clause.text)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        AnalysedClause {
            kind: clause.kind,
            terms,
            substring,
        }
    }
}

/// All terms in `field`: anywhere for a word, in order and adjacent for a phrase.
fn terms_query(
    field: Field,
    terms: &[(usize, String)],
    kind: ClauseKind,
) -> Option<Box<dyn Query>> {
    let term = |text: &str| Term::from_field_text(field, text);
    match (terms, kind) {
        ([], _) => None,
        ([(_, only)], _) => Some(Box::new(TermQuery::new(
            term(only),
            IndexRecordOption::WithFreqs,
        ))),
        (_, ClauseKind::Word) => {
            let unique: HashSet<&str> = terms.iter().map(|(_, text)| text.as_str()).collect();
            let all = unique
                .into_iter()
                .map(|text| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(term(text), IndexRecordOption::WithFreqs)),
                    )
                })
                .collect();
            Some(Box::new(BooleanQuery::new(all)))
        }
        (_, ClauseKind::Phrase) => {
            let first = terms[0].0;
            let positioned = terms
                .iter()
                .map(|(position, text)| (position - first, term(text)))
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset(positioned)))
        }
    }
}

/// `substring` anywhere in an n-gram field.
fn substring_query(field: Field, substring: &str) -> Option<Box<dyn Query>> {
    if substring.is_empty() {
        return None;
    }
    let mut terms: Vec<(usize, Term)> = substring_terms(substring)
        .into_iter()
        .map(|(position, text)| (position, Term::from_field_text(field, &text)))
        .collect();
    if terms.len() == 1 {
        let (_, term) = terms.remove(0);
        return Some(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)));
    }
    Some(Box::new(PhraseQuery::new_with_offset(terms)))
}

fn boosted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, weight))
}
