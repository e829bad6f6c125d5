//! Running a planned query: strict matches first, relaxed ones after, one page
//! of them with snippets, and the department facet.
//!
//! Every required clause must match (see [`crate::plan`] for what a clause
//! matches); excluded clauses must not. When fewer than [`RELAX_BELOW`] items
//! match that way and the query has several words, items matching most of the
//! words follow the strict ones, never ahead of them, the way Meilisearch's
//! matching strategy or Elasticsearch's `minimum_should_match` behave. This is
//! plain synchronous code: the HTTP layer runs it on a blocking thread.

use std::sync::RwLock;
use std::time::{Instant, SystemTime};

use hoshin_analysis::{section_facet, Fields, PolicyItem, SECTION_FACET_FIELD};
use tantivy::collector::{Count, DocSetCollector, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::error::{QueryError, Result};
use crate::explain::describe;
use crate::plan::{Planner, QueryPlan, Unit};
use crate::results::{Analysis, AnalyzedToken, FacetCount, Facets, Hit, Relaxation, SearchResults};
use crate::snippet::{render, Highlighter};
use crate::suggest::{Suggester, Suggestion};
use crate::syntax::parse_clauses;

/// Below this many strict matches, a query of several words is relaxed.
pub const RELAX_BELOW: usize = 10;

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
    /// Attach score explanations to the hits.
    pub explain: bool,
}

/// A searchable view of one index.
pub struct SearchEngine {
    reader: IndexReader,
    fields: Fields,
    surface: TextAnalyzer,
    normalized: TextAnalyzer,
    highlighter: Highlighter,
    reading: TextAnalyzer,
    analyzers: Vec<(&'static str, Vec<&'static str>, TextAnalyzer)>,
    synonyms: Vec<Vec<String>>,
    catalog: RwLock<Catalog>,
}

/// What the engine knows of the whole index, rebuilt after every write.
struct Catalog {
    departments: Vec<String>,
    suggester: Suggester,
    last_commit: Option<SystemTime>,
}

/// The strict and relaxed queries of a request, filters applied.
struct Queries {
    strict: Box<dyn Query>,
    strict_total: usize,
    relaxed: Option<(Box<dyn Query>, Relaxation)>,
}

impl SearchEngine {
    /// Opens an index whose analyzers are registered; `synonyms` are groups of
    /// normalised words (see `hoshin_analysis::Lexicon`).
    pub fn new(index: &Index, synonyms: Vec<Vec<String>>) -> Result<Self> {
        let fields = Fields::from_schema(&index.schema())?;
        let analyzers = vec![
            ("surface", vec!["text", "policy"], index.tokenizer_for_field(fields.text)?),
            (
                "normalized",
                vec!["text_normalized", "policy_normalized", "department"],
                index.tokenizer_for_field(fields.text_normalized)?,
            ),
            ("reading", vec!["text_reading", "policy_reading"], index.tokenizer_for_field(fields.text_reading)?),
            ("ngram", vec!["text_ngram", "policy_ngram"], index.tokenizer_for_field(fields.text_ngram)?),
        ];
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let catalog =
            RwLock::new(Catalog { departments: Vec::new(), suggester: Suggester::empty(), last_commit: None });
        let engine = SearchEngine {
            reader,
            fields,
            surface: index.tokenizer_for_field(fields.text)?,
            normalized: index.tokenizer_for_field(fields.text_normalized)?,
            highlighter: Highlighter {
                normalized: index.tokenizer_for_field(fields.text_normalized)?,
                reading: index.tokenizer_for_field(fields.text_reading)?,
            },
            reading: index.tokenizer_for_field(fields.text_reading)?,
            analyzers,
            synonyms,
            catalog,
        };
        engine.refresh()?;
        Ok(engine)
    }

    /// Makes the last commit searchable and brings departments and suggestions
    /// up to date with it.
    pub fn refresh(&self) -> Result<()> {
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let departments = self.department_counts(&searcher, &AllQuery)?.into_iter().map(|facet| facet.value).collect();
        let suggester =
            Suggester::build(&searcher, &[self.fields.text, self.fields.policy], &mut self.reading.clone())?;
        let mut catalog = self.catalog.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *catalog = Catalog { departments, suggester, last_commit: Some(SystemTime::now()) };
        Ok(())
    }

    /// When the index was last opened or written to.
    pub fn last_commit(&self) -> Option<SystemTime> {
        self.catalog().last_commit
    }

    fn catalog(&self) -> std::sync::RwLockReadGuard<'_, Catalog> {
        self.catalog.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of items in the index.
    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The departments in the index, most items first.
    pub fn departments(&self) -> Vec<String> {
        self.catalog().departments.clone()
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults> {
        let started = Instant::now();
        let department_filter = match request.department {
            Some(department) if !self.catalog().departments.iter().any(|known| known == department) => {
                return Err(QueryError::UnknownDepartment(department.to_string()));
            }
            Some(department) => {
                let term = Term::from_facet(self.fields.section_facet, &section_facet(department, None));
                let filter: Box<dyn Query> =
                    Box::new(ConstScoreQuery::new(Box::new(TermQuery::new(term, IndexRecordOption::Basic)), 0.0));
                Some(filter)
            }
            None => None,
        };
        let clauses = parse_clauses(request.query);
        let plan =
            Planner::new(&self.fields, self.surface.clone(), self.normalized.clone(), &self.synonyms).plan(&clauses);
        let searcher = self.reader.searcher();
        let filtered = |query: Box<dyn Query>| -> Box<dyn Query> {
            match &department_filter {
                Some(filter) => {
                    Box::new(BooleanQuery::new(vec![(Occur::Must, query), (Occur::Must, filter.box_clone())]))
                }
                None => query,
            }
        };

        let unfiltered = self.queries(&searcher, &plan, &|query| query)?;
        let filtered_queries = match department_filter {
            Some(_) => Some(self.queries(&searcher, &plan, &filtered)?),
            None => None,
        };
        let queries = filtered_queries.as_ref().unwrap_or(&unfiltered);
        let facet_query: Box<dyn Query> = match &unfiltered.relaxed {
            Some((relaxed, _)) => either(unfiltered.strict.box_clone(), relaxed.box_clone()),
            None => unfiltered.strict.box_clone(),
        };
        let facets = Facets { department: self.department_counts(&searcher, facet_query.as_ref())? };

        let strict_total = queries.strict_total;
        let mut page = top(&searcher, queries.strict.as_ref(), request.offset, request.limit)?
            .into_iter()
            .map(|(score, address)| (score, address, false))
            .collect::<Vec<_>>();
        let mut total = strict_total as u64;
        let mut relaxation = None;
        if let Some((relaxed, summary)) = &queries.relaxed {
            let relaxed_total = searcher.search(relaxed.as_ref(), &Count)?;
            total += relaxed_total as u64;
            let wanted = request.limit - page.len();
            let skip = request.offset.saturating_sub(strict_total);
            let relaxed_hits = top(&searcher, relaxed.as_ref(), skip, wanted)?;
            page.extend(relaxed_hits.into_iter().map(|(score, address)| (score, address, true)));
            relaxation = (relaxed_total > 0).then(|| summary.clone());
        }

        let mut highlighter = self.highlighter.clone();
        let hits = page
            .into_iter()
            .map(|(score, address, is_relaxed)| {
                let item = self.item_at(&searcher, address)?;
                let snippet = render(&item.text, &highlighter.matched_ranges(&item.text, &plan.highlight));
                let missing_words =
                    if is_relaxed { missing_words(&searcher, &plan.units, address) } else { Vec::new() };
                let explanation = if request.explain {
                    let query = match (&queries.relaxed, is_relaxed) {
                        (Some((relaxed, _)), true) => relaxed.as_ref(),
                        _ => queries.strict.as_ref(),
                    };
                    Some(describe(&query.explain(&searcher, address)?, searcher.schema()))
                } else {
                    None
                };
                Ok(Hit { item, score, snippet, missing_words, explanation })
            })
            .collect::<Result<Vec<Hit>>>()?;
        Ok(SearchResults {
            query: request.query.to_string(),
            total,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            hits,
            facets,
            relaxation,
        })
    }

    /// The strict query, and the relaxed one when the strict one finds too few.
    fn queries(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        filtered: &dyn Fn(Box<dyn Query>) -> Box<dyn Query>,
    ) -> Result<Queries> {
        let strict = filtered(strict_query(plan));
        let strict_total = searcher.search(strict.as_ref(), &Count)?;
        if plan.units.is_empty() || strict_total >= RELAX_BELOW {
            return Ok(Queries { strict, strict_total, relaxed: None });
        }
        let words = plan.units.len();
        let minimum_matched = words - (words / 3).max(1);
        let most_units = BooleanQuery::with_minimum_required_clauses(
            plan.units.iter().map(|unit| (Occur::Should, unit.query.box_clone())).collect(),
            minimum_matched,
        );
        let mut relaxed: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(most_units)), (Occur::MustNot, strict_query(plan))];
        relaxed.extend(plan.excluded.iter().map(|query| (Occur::MustNot, query.box_clone())));
        let relaxation = Relaxation {
            exact_total: strict_total as u64,
            words: plan.units.iter().map(|unit| unit.label.clone()).collect(),
            minimum_matched,
        };
        Ok(Queries {
            strict,
            strict_total,
            relaxed: Some((filtered(Box::new(BooleanQuery::new(relaxed))), relaxation)),
        })
    }

    /// Looks an item up by id.
    pub fn document(&self, id: &str) -> Result<PolicyItem> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
        match top(&searcher, &query, 0, 1)?.first() {
            Some((_, address)) => self.item_at(&searcher, *address),
            None => Err(QueryError::DocumentNotFound(id.to_string())),
        }
    }

    fn department_counts(&self, searcher: &Searcher, query: &dyn Query) -> Result<Vec<FacetCount>> {
        let mut collector = FacetCollector::for_field(SECTION_FACET_FIELD);
        collector.add_facet("/");
        let counts = searcher.search(query, &collector)?;
        let mut facets: Vec<FacetCount> = counts
            .get("/")
            .map(|(facet, count)| FacetCount {
                value: facet.to_path().last().copied().unwrap_or_default().to_string(),
                count,
            })
            .collect();
        facets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        Ok(facets)
    }

    fn item_at(&self, searcher: &Searcher, address: DocAddress) -> Result<PolicyItem> {
        let document: TantivyDocument = searcher.doc(address)?;
        Ok(PolicyItem::from_document(&document, &self.fields))
    }

    /// Words of the index starting with `prefix`, or whose reading does.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        self.catalog().suggester.suggest(prefix, limit)
    }

    /// The other items under the same heading as item `id`, in document order.
    pub fn siblings(&self, id: &str) -> Result<Vec<PolicyItem>> {
        let item = self.document(id)?;
        let searcher = self.reader.searcher();
        let heading = section_facet(&item.department, Some(&item.policy));
        let query = TermQuery::new(Term::from_facet(self.fields.section_facet, &heading), IndexRecordOption::Basic);
        let addresses = searcher.search(&query, &DocSetCollector)?;
        let mut siblings = addresses
            .into_iter()
            .map(|address| self.item_at(&searcher, address))
            .filter(|sibling| sibling.as_ref().map_or(true, |sibling| sibling.id != item.id))
            .collect::<Result<Vec<PolicyItem>>>()?;
        siblings.sort_by(|a, b| (&a.source.file, a.source.line).cmp(&(&b.source.file, b.source.line)));
        Ok(siblings)
    }

    /// The tokens each analyzer makes of `text`, as the index stores them.
    pub fn analyze(&self, text: &str) -> Vec<Analysis> {
        self.analyzers
            .iter()
            .map(|(name, fields, analyzer)| {
                let mut analyzer = analyzer.clone();
                let mut stream = analyzer.token_stream(text);
                let mut tokens = Vec::new();
                while stream.advance() {
                    let token = stream.token();
                    tokens.push(AnalyzedToken {
                        term: token.text.clone(),
                        position: token.position,
                        source: text.get(token.offset_from..token.offset_to).unwrap_or_default().to_string(),
                    });
                }
                Analysis { analyzer: name, fields: fields.clone(), tokens }
            })
            .collect()
    }
}

/// Every required clause and no excluded one; everything but the excluded
/// items when nothing is required.
fn strict_query(plan: &QueryPlan) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        plan.required.iter().map(|query| (Occur::Must, query.box_clone())).collect();
    if clauses.is_empty() && !plan.excluded.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    clauses.extend(plan.excluded.iter().map(|query| (Occur::MustNot, query.box_clone())));
    Box::new(BooleanQuery::new(clauses))
}

fn either(first: Box<dyn Query>, second: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![(Occur::Should, first), (Occur::Should, second)]))
}

/// One page of the best-scoring items.
fn top(searcher: &Searcher, query: &dyn Query, offset: usize, limit: usize) -> Result<Vec<(f32, DocAddress)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    Ok(searcher.search(query, &TopDocs::with_limit(limit).and_offset(offset).order_by_score())?)
}

/// The units an item does not match.
fn missing_words(searcher: &Searcher, units: &[Unit], address: DocAddress) -> Vec<String> {
    units.iter().filter(|unit| unit.query.explain(searcher, address).is_err()).map(|unit| unit.label.clone()).collect()
}
