//! Running a planned query: strict matches first, relaxed ones after, one page
//! of them with snippets, and the department facet.
//!
//! Every required clause must match (see [`crate::plan`] for what a clause
//! matches); excluded clauses must not. When fewer than [`RELAX_BELOW`] items
//! match that way and the query has several words, items matching most of the
//! words follow the strict ones, never ahead of them, the way Meilisearch's
//! matching strategy or Elasticsearch's `minimum_should_match` behave. Near
//! misses escalate the same way: a query with long words first runs without
//! them (see [`crate::plan`]). Strict and relaxed matches are each counted,
//! tallied by department and paged in one pass over the index. This is plain
//! synchronous code: the HTTP layer runs it on a blocking thread.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::{Instant, SystemTime};

use hoshin_analysis::{section_facet, Fields, PolicyItem, DEPARTMENT_FACET_FIELD};
use tantivy::collector::{Count, DocSetCollector, FacetCollector, FacetCounts, TopDocs};
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
use crate::syntax::{parse_clauses, Clause};

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

/// A query and what one pass over its matches gathered.
struct Pass {
    query: Box<dyn Query>,
    total: usize,
    departments: FacetCounts,
    page: Vec<(f32, DocAddress)>,
}

/// The strict and relaxed matches of a request, filters applied. The two are
/// disjoint: the relaxed query excludes the strict one.
struct Matches {
    strict: Pass,
    relaxed: Option<(Pass, Relaxation)>,
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
        let everything = searcher.search(&AllQuery, &department_collector())?;
        let departments = department_list([&everything]).into_iter().map(|facet| facet.value).collect();
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
                let term = Term::from_facet(self.fields.department_facet, &section_facet(department, None));
                let filter: Box<dyn Query> =
                    Box::new(ConstScoreQuery::new(Box::new(TermQuery::new(term, IndexRecordOption::Basic)), 0.0));
                Some(filter)
            }
            None => None,
        };
        let clauses = parse_clauses(request.query);
        let searcher = self.reader.searcher();
        let page = (request.offset, request.limit);
        let mut plan = self.plan(&clauses, false);
        let mut matches = self.matches(&searcher, &plan, page)?;
        if plan.near_misses_left_out && matches.strict.total < RELAX_BELOW {
            plan = self.plan(&clauses, true);
            matches = self.matches(&searcher, &plan, page)?;
        }
        // The facet shows the whole query's departments, whichever one is chosen.
        let facets = Facets { department: matches.departments() };
        if let Some(filter) = &department_filter {
            let filtered = |query: Box<dyn Query>| -> Box<dyn Query> {
                Box::new(BooleanQuery::new(vec![(Occur::Must, query), (Occur::Must, filter.box_clone())]))
            };
            matches = self.filtered_matches(&searcher, &plan, page, &filtered)?;
        }

        let strict_total = matches.strict.total;
        let mut total = strict_total as u64;
        let mut page: Vec<(f32, DocAddress, bool)> =
            matches.strict.page.iter().map(|&(score, address)| (score, address, false)).collect();
        let mut relaxation = None;
        if let Some((relaxed, summary)) = &matches.relaxed {
            total += relaxed.total as u64;
            page.extend(relaxed.page.iter().map(|&(score, address)| (score, address, true)));
            relaxation = (relaxed.total > 0).then(|| summary.clone());
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
                    let query = match (&matches.relaxed, is_relaxed) {
                        (Some((relaxed, _)), true) => relaxed.query.as_ref(),
                        _ => matches.strict.query.as_ref(),
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

    fn plan(&self, clauses: &[Clause], near_misses: bool) -> QueryPlan {
        Planner::new(&self.fields, self.surface.clone(), self.normalized.clone(), &self.synonyms, near_misses)
            .plan(clauses)
    }

    /// The strict matches of `plan`, and the relaxed ones when the strict ones
    /// are too few, each counted and paged in one pass.
    fn matches(&self, searcher: &Searcher, plan: &QueryPlan, page: (usize, usize)) -> Result<Matches> {
        self.filtered_matches(searcher, plan, page, &|query| query)
    }

    fn filtered_matches(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        (offset, limit): (usize, usize),
        filtered: &dyn Fn(Box<dyn Query>) -> Box<dyn Query>,
    ) -> Result<Matches> {
        let strict = Pass::run(searcher, filtered(strict_query(plan)), offset, limit)?;
        if plan.units.is_empty() || strict.total >= RELAX_BELOW {
            return Ok(Matches { strict, relaxed: None });
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
            exact_total: strict.total as u64,
            words: plan.units.iter().map(|unit| unit.label.clone()).collect(),
            minimum_matched,
        };
        // Relaxed matches follow every strict one, so the page goes on where the strict ones end.
        let relaxed_offset = offset.saturating_sub(strict.total);
        let relaxed_limit = limit - strict.page.len();
        let relaxed =
            Pass::run(searcher, filtered(Box::new(BooleanQuery::new(relaxed))), relaxed_offset, relaxed_limit)?;
        Ok(Matches { strict, relaxed: Some((relaxed, relaxation)) })
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

/// One page of the best-scoring items.
fn top(searcher: &Searcher, query: &dyn Query, offset: usize, limit: usize) -> Result<Vec<(f32, DocAddress)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    Ok(searcher.search(query, &TopDocs::with_limit(limit).and_offset(offset).order_by_score())?)
}

impl Pass {
    /// Counts the matches of `query`, tallies their departments and keeps one
    /// page of the best, in a single pass: at a million items every pass over
    /// the matches costs milliseconds.
    fn run(searcher: &Searcher, query: Box<dyn Query>, offset: usize, limit: usize) -> Result<Pass> {
        // TopDocs needs room for one hit; a page of none keeps none of it.
        let best = TopDocs::with_limit(limit.max(1)).and_offset(offset).order_by_score();
        let (total, departments, mut page) = searcher.search(query.as_ref(), &(Count, department_collector(), best))?;
        page.truncate(limit);
        Ok(Pass { query, total, departments, page })
    }
}

impl Matches {
    /// Matching items per department, strict and relaxed together.
    fn departments(&self) -> Vec<FacetCount> {
        let relaxed = self.relaxed.iter().map(|(pass, _)| &pass.departments);
        department_list(std::iter::once(&self.strict.departments).chain(relaxed))
    }
}

fn department_collector() -> FacetCollector {
    let mut collector = FacetCollector::for_field(DEPARTMENT_FACET_FIELD);
    collector.add_facet("/");
    collector
}

/// Departments by items, most first, summed over disjoint sets of matches.
fn department_list<'a>(tallies: impl IntoIterator<Item = &'a FacetCounts>) -> Vec<FacetCount> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for tally in tallies {
        for (facet, count) in tally.get("/") {
            let department = facet.to_path().last().copied().unwrap_or_default().to_string();
            *counts.entry(department).or_default() += count;
        }
    }
    let mut facets: Vec<FacetCount> = counts.into_iter().map(|(value, count)| FacetCount { value, count }).collect();
    facets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    facets
}

/// The units an item does not match.
fn missing_words(searcher: &Searcher, units: &[Unit], address: DocAddress) -> Vec<String> {
    units.iter().filter(|unit| unit.query.explain(searcher, address).is_err()).map(|unit| unit.label.clone()).collect()
}
