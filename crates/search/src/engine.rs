//! Running a search as stages over one generation: the lexical stage (strict
//! matches first, relaxed ones after), the semantic stage (the items nearest
//! the query in meaning, see [`crate::semantic`]), their fusion (see
//! [`crate::fusion`]) and one page of hits with snippets, filtered by
//! department, municipality and fiscal year, ordered by relevance or by year,
//! and counted by department, fiscal year and municipality.
//!
//! Every required clause must match (see [`crate::planner`] for what a clause
//! matches); excluded clauses must not. When fewer than [`RELAX_BELOW`] items
//! match that way and the query has several words, items matching most of the
//! words (or, when none does, any of them) follow the strict ones, never ahead
//! of them, the way Meilisearch's matching strategy or Elasticsearch's
//! `minimum_should_match` behave. Near misses and the widenings of a word
//! that finds nothing (related words, sound-alikes, clippings, lookalikes,
//! its parts) escalate the same way: the query first runs as typed (see
//! [`crate::planner`]). Strict and relaxed matches are each counted,
//! tallied by facet and paged in one pass over the index. In hybrid mode the
//! same few strict matches let meaning in: items near the query join the
//! relaxed ones behind the strict matches, and `total` counts them too. The
//! facets count each facet's matches within the other facets' filters, so a
//! client can show what choosing another value would give, the other choices
//! kept. With no query every item matches: a browse. This is plain synchronous
//! code, for a caller to run wherever blocking is fine.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Instant, SystemTime};

use hoshin_analysis::marks::{AnalysedText, TextMarks};
use hoshin_analysis::{field_name, section_facet, Analysis, Analyzers, Fields, PolicyItem};
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Collector, Count, DocSetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocSet, Executor, Index, IndexReader, Order, ReloadPolicy, Score, Searcher, SegmentOrdinal,
    TantivyDocument, Term, TERMINATED,
};

use crate::error::{Result, SearchError};
use crate::explain::describe;
use crate::facets::{FacetColumns, ValueCounts};
use crate::few_matches::{AddressQuery, FewMatches};
use crate::fusion::{fuse, Fused, FusionWeights, WordsFound, FUSION};
use crate::id_order::ById;
use crate::planner::weights::FieldWeights;
use crate::planner::{Escalation, LeafWeights, Planner, QueryPlan, QueryTree};
use crate::query_lists::QueryLists;
use crate::results::{
    AnalysisTokens, AnalyzedToken, Expansion, FacetCount, Facets, Hit, MatchedBy, Relaxation, SearchResults, Similar,
    YearCount,
};
use crate::semantic::{ItemVectors, Meaning};
use crate::snippet::{matched_ranges, render};
use crate::statistics::GenerationStatistics;
use crate::suggest::{Suggester, Suggestion};
use crate::syntax::{parse_clauses, Clause};

/// Below this many strict matches, a query of several words is relaxed.
pub const RELAX_BELOW: usize = 10;

/// Words a search that found nothing offers instead.
const NEARBY_WORDS: usize = 5;

/// One search request, already validated.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    /// The query as typed; empty to browse every item within the filters.
    pub query: &'a str,
    /// Hits per page.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Restrict to this department.
    pub department: Option<&'a str>,
    /// Restrict to this municipality.
    pub municipality: Option<&'a str>,
    /// Restrict to fiscal years from the first to the second, inclusive;
    /// either end may be open.
    pub fiscal_years: (Option<u64>, Option<u64>),
    /// How the hits are ordered.
    pub sort: SortOrder,
    /// Attach score explanations to the hits.
    pub explain: bool,
    /// Whether words, meaning or both find the items.
    pub mode: SearchMode,
    /// Only the words as typed: no synonym, related word or correction
    /// widens them (the page's "search exactly as typed").
    pub exact: bool,
}

impl<'a> SearchRequest<'a> {
    /// The first page of ten hits for `query`, unfiltered, by relevance.
    pub fn new(query: &'a str) -> SearchRequest<'a> {
        SearchRequest {
            query,
            limit: 10,
            offset: 0,
            department: None,
            municipality: None,
            fiscal_years: (None, None),
            sort: SortOrder::Relevance,
            explain: false,
            mode: SearchMode::Hybrid,
            exact: false,
        }
    }
}

/// How the hits of a search are ordered. Strict matches always come before
/// relaxed ones; within each, by this order, and equal scores by item id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Best match first.
    #[default]
    Relevance,
    /// Latest fiscal year first, best match first within a year.
    Newest,
    /// Earliest fiscal year first, best match first within a year.
    Oldest,
}

impl SortOrder {
    /// Every order, by the name the API knows it by.
    pub const ALL: [(&'static str, SortOrder); 3] =
        [("relevance", SortOrder::Relevance), ("newest", SortOrder::Newest), ("oldest", SortOrder::Oldest)];

    /// The order an API name stands for.
    pub fn named(name: &str) -> Option<SortOrder> {
        SortOrder::ALL.iter().find(|(known, _)| *known == name).map(|(_, order)| *order)
    }
}

/// What finds the items of a search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchMode {
    /// Words first; when fewer than [`RELAX_BELOW`] items match every word,
    /// items near in meaning join the ranking (see [`crate::fusion`]).
    #[default]
    Hybrid,
    /// Words only.
    Lexical,
    /// Meaning only: the items nearest the query.
    Semantic,
}

impl SearchMode {
    /// Every mode, by the name the API knows it by.
    pub const ALL: [(&'static str, SearchMode); 3] =
        [("hybrid", SearchMode::Hybrid), ("lexical", SearchMode::Lexical), ("semantic", SearchMode::Semantic)];

    /// The mode an API name stands for.
    pub fn named(name: &str) -> Option<SearchMode> {
        SearchMode::ALL.iter().find(|(known, _)| *known == name).map(|(_, mode)| *mode)
    }
}

/// A searchable view of one index.
pub struct SearchEngine {
    reader: IndexReader,
    fields: Fields,
    analyzers: Analyzers,
    weights: FieldWeights,
    lists: QueryLists,
    catalog: RwLock<Catalog>,
    /// The model and passage vectors, when semantic search is on.
    meaning: Option<Arc<Meaning>>,
}

/// What the engine knows of the whole index, rebuilt after every write.
struct Catalog {
    /// The generation loaded last.
    generation: Arc<Generation>,
    departments: Vec<String>,
    municipalities: Vec<String>,
    suggester: Suggester,
    loaded_at: SystemTime,
    /// The vectors of the generation's items found so far.
    vectors: Arc<ItemVectors>,
}

impl Catalog {
    /// What a search of `searcher` needs beside it: its generation, its
    /// departments and municipalities, and the words it suggests.
    fn load(
        searcher: Searcher,
        fields: &Fields,
        analyzers: &Analyzers,
        lists: &QueryLists,
        meaning: Option<&Meaning>,
    ) -> Result<Catalog> {
        let generation = Generation::open(searcher)?;
        let searcher = generation.searcher();
        let [departments, _, municipalities] = &generation.facets;
        let (departments, municipalities) =
            searcher.search(&AllQuery, &(departments.counter(), municipalities.counter()))?;
        let values = |counts: &ValueCounts| facet_list([counts]).into_iter().map(|facet| facet.value).collect();
        let (departments, municipalities) = (values(&departments), values(&municipalities));
        let suggester = Suggester::build(searcher, &[fields.text, fields.policy], analyzers, &lists.readings)?;
        let vectors = match meaning {
            Some(meaning) => ItemVectors::find(searcher, meaning.cache())?,
            None => ItemVectors::default(),
        };
        Ok(Catalog {
            generation: Arc::new(generation),
            departments,
            municipalities,
            suggester,
            loaded_at: SystemTime::now(),
            vectors: Arc::new(vectors),
        })
    }
}

/// Restricts matches to a department, a municipality and a range of years;
/// scores nothing itself.
struct Filter(Vec<Box<dyn Query>>);

impl Filter {
    /// `query` within `filter`, or `query` itself when there is none.
    fn applied(filter: Option<&Filter>, query: Box<dyn Query>) -> Box<dyn Query> {
        let Some(Filter(filters)) = filter else {
            return query;
        };
        let mut clauses = vec![(Occur::Must, query)];
        clauses.extend(filters.iter().map(|filter| (Occur::Must, filter.box_clone())));
        Box::new(BooleanQuery::new(clauses))
    }
}

/// A request's filters, one per facet of [`FACET_FIELDS`], in that order.
///
/// Each facet is counted within every filter but its own, so that a value
/// it offers finds as many items as it says, with the other choices kept,
/// and the values beside the chosen one stay on offer.
#[derive(Default)]
struct Filters([Option<Box<dyn Query>>; 3]);

impl Filters {
    /// Every filter, or none when nothing is chosen.
    fn all(&self) -> Option<Filter> {
        self.within(None)
    }

    /// Every filter but facet `facet`'s: what that facet's values are counted within.
    fn but(&self, facet: usize) -> Option<Filter> {
        self.within(Some(facet))
    }

    fn within(&self, leaving_out: Option<usize>) -> Option<Filter> {
        let kept: Vec<Box<dyn Query>> = (self.0.iter().enumerate())
            .filter(|(facet, _)| Some(*facet) != leaving_out)
            .filter_map(|(_, filter)| filter.as_ref().map(|filter| filter.box_clone()))
            .collect();
        (!kept.is_empty()).then_some(Filter(kept))
    }

    /// Whether facet `facet` has a value chosen.
    fn chooses(&self, facet: usize) -> bool {
        self.0[facet].is_some()
    }
}

/// The facets an index is counted by, each a facet field holding one value per item.
const FACET_FIELDS: [&str; 3] =
    [field_name::DEPARTMENT_FACET, field_name::FISCAL_YEAR_FACET, field_name::MUNICIPALITY_FACET];

/// One searcher generation and what its searches reuse.
struct Generation {
    /// Its searcher and the BM25 statistics asked of it so far.
    statistics: GenerationStatistics,
    /// The columns of [`FACET_FIELDS`], in that order.
    facets: [FacetColumns; 3],
    /// The id order of its items, which orders equal scores.
    ids: ById,
    /// Where a search walks the segments: side by side on the
    /// [`segment_threads`] when there are several, so that a large index
    /// answers in the time of its largest segment; in the caller's thread
    /// when there is one, which spares a small index the hand-over.
    executor: Executor,
}

/// The threads that search the segments of a generation side by side, one per core.
fn segment_threads() -> Result<Executor> {
    static THREADS: OnceLock<Executor> = OnceLock::new();
    if let Some(threads) = THREADS.get() {
        return Ok(threads.clone());
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = Executor::multi_thread(cores, "hoshin-segment-")?;
    Ok(THREADS.get_or_init(|| threads).clone())
}

impl Generation {
    /// The fiscal year of the item at `address`.
    fn fiscal_year(&self, address: DocAddress) -> u64 {
        let segment = self.searcher().segment_reader(address.segment_ord);
        let years = segment.fast_fields().u64(field_name::FISCAL_YEAR);
        years.ok().and_then(|years| years.first(address.doc_id)).unwrap_or_default()
    }

    fn open(searcher: Searcher) -> Result<Generation> {
        let [departments, years, municipalities] = FACET_FIELDS;
        let facets = [
            FacetColumns::open(&searcher, departments)?,
            FacetColumns::open(&searcher, years)?,
            FacetColumns::open(&searcher, municipalities)?,
        ];
        let executor =
            if searcher.segment_readers().len() > 1 { segment_threads()? } else { Executor::single_thread() };
        let ids = ById::open(&searcher)?;
        Ok(Generation { statistics: GenerationStatistics::new(searcher), facets, ids, executor })
    }

    fn searcher(&self) -> &Searcher {
        self.statistics.searcher()
    }

    /// `collector`'s fruit of `query`, scored with the generation's statistics.
    fn search<C: Collector>(&self, query: &dyn Query, collector: &C) -> Result<C::Fruit> {
        let searcher = self.searcher();
        let scoring = match collector.requires_scoring() {
            true => EnableScoring::enabled_from_statistics_provider(&self.statistics, searcher),
            false => EnableScoring::disabled_from_searcher(searcher),
        };
        Ok(searcher.search_with_executor(query, collector, &self.executor, scoring)?)
    }
}

/// A query and what one pass over its matches gathered.
struct Pass {
    query: Box<dyn Query>,
    total: usize,
    /// Every match's address, when there are fewer than [`RELAX_BELOW`].
    few: Option<Vec<DocAddress>>,
    /// Per facet of [`FACET_FIELDS`], the matches' counts.
    facets: [ValueCounts; 3],
    page: Vec<(f32, DocAddress)>,
}

/// The strict and relaxed matches of a request, filters applied. The two are
/// disjoint: the relaxed query excludes the strict one.
struct Matches {
    strict: Pass,
    relaxed: Option<(Pass, Relaxation)>,
}

impl SearchEngine {
    /// Opens an index with `analyzers` registered (an error says so when
    /// they are not), analysing queries with them and widening them with
    /// `lists`, and finding items by meaning too when `meaning` is given.
    pub fn new(index: &Index, analyzers: &Analyzers, lists: QueryLists, meaning: Option<Arc<Meaning>>) -> Result<Self> {
        Analyzers::ensure_registered(index)?;
        let schema = index.schema();
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let fields = Fields::from_schema(&schema)?;
        let catalog = Catalog::load(reader.searcher(), &fields, analyzers, &lists, meaning.as_deref())?;
        Ok(SearchEngine {
            reader,
            fields,
            analyzers: analyzers.clone(),
            weights: FieldWeights::resolve(&schema)?,
            lists,
            catalog: RwLock::new(catalog),
            meaning,
        })
    }

    /// Makes the last commit searchable and brings departments, suggestions
    /// and vectors up to date with it.
    pub fn refresh(&self) -> Result<()> {
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let loaded = Catalog::load(searcher, &self.fields, &self.analyzers, &self.lists, self.meaning.as_deref())?;
        *self.catalog.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = loaded;
        Ok(())
    }

    /// Finds the vectors computed since the generation was loaded.
    pub fn refresh_vectors(&self) -> Result<()> {
        let Some(meaning) = &self.meaning else { return Ok(()) };
        let generation = Arc::clone(&self.catalog().generation);
        let vectors = Arc::new(ItemVectors::find(generation.searcher(), meaning.cache())?);
        let mut catalog = self.catalog.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // A refresh in between loaded a newer generation with its own vectors.
        if Arc::ptr_eq(&catalog.generation, &generation) {
            catalog.vectors = vectors;
        }
        Ok(())
    }

    /// How many live items have their vector, of how many.
    pub fn vector_count(&self) -> (u64, u64) {
        let catalog = self.catalog();
        (catalog.vectors.present, catalog.vectors.items)
    }

    /// The searcher of the loaded generation.
    pub fn searcher(&self) -> Searcher {
        self.catalog().generation.searcher().clone()
    }

    /// When the engine last loaded the index: at start, and after each
    /// [`SearchEngine::refresh`].
    pub fn loaded_at(&self) -> SystemTime {
        self.catalog().loaded_at
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

    /// The municipalities in the index, most items first.
    pub fn municipalities(&self) -> Vec<String> {
        self.catalog().municipalities.clone()
    }

    /// The filters of a request; an error for a department or municipality
    /// the index does not hold.
    fn filters(&self, request: &SearchRequest<'_>) -> Result<Filters> {
        let mut filters = Filters::default();
        let [department_filter, year_filter, municipality_filter] = &mut filters.0;
        let exact = |term: Term| -> Box<dyn Query> {
            Box::new(ConstScoreQuery::new(Box::new(TermQuery::new(term, IndexRecordOption::Basic)), 0.0))
        };
        if let Some(department) = request.department {
            if !self.catalog().departments.iter().any(|known| known == department) {
                return Err(SearchError::UnknownDepartment(department.to_string()));
            }
            *department_filter =
                Some(exact(Term::from_facet(self.fields.department_facet, &section_facet(department, None))));
        }
        if let Some(municipality) = request.municipality {
            if !self.catalog().municipalities.iter().any(|known| known == municipality) {
                return Err(SearchError::UnknownMunicipality(municipality.to_string()));
            }
            *municipality_filter = Some(exact(Term::from_field_text(self.fields.municipality, municipality)));
        }
        if request.fiscal_years != (None, None) {
            let bound = |year: Option<u64>| match year {
                Some(year) => Bound::Included(Term::from_field_u64(self.fields.fiscal_year, year)),
                None => Bound::Unbounded,
            };
            let (from, to) = request.fiscal_years;
            let range = RangeQuery::new(bound(from), bound(to));
            *year_filter = Some(Box::new(ConstScoreQuery::new(Box::new(range), 0.0)));
        }
        Ok(filters)
    }

    /// Runs a search, as stages: words (`lexical`), meaning (`semantic`),
    /// their fusion (see [`crate::fusion`]) and the page (`present`).
    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults> {
        let started = Instant::now();
        let filters = self.filters(request)?;
        let clauses = parse_clauses(request.query);
        // The catalog's searcher, not the reader's: a refresh loads the next
        // generation before its statistics are ready.
        let (generation, vectors) = {
            let catalog = self.catalog();
            (Arc::clone(&catalog.generation), Arc::clone(&catalog.vectors))
        };
        let page = Paging { offset: request.offset, limit: request.limit, sort: request.sort };
        // Fusion reorders what follows the strict matches, so by relevance the
        // lexical ranking is read from the top, as deep as meaning's.
        let by_relevance = request.sort == SortOrder::Relevance && request.mode != SearchMode::Lexical;
        let lexical_page = match by_relevance {
            true => Paging { offset: 0, limit: (page.offset + page.limit).max(MEANING_DEPTH), sort: page.sort },
            false => page,
        };
        let lexical = self.lexical(&generation, clauses, &filters, request.mode, request.exact, lexical_page)?;
        let semantic = self.semantic(&generation, &vectors, request, &lexical, &filters)?;
        let words = lexical.ranking();
        let hits: Vec<Fused> = match (&semantic, by_relevance) {
            (Some(semantic), true) => {
                let weights = lexical.fusion_weights();
                fuse(&words, &semantic.found, &weights).into_iter().skip(page.offset).take(page.limit).collect()
            }
            (None, true) => words.iter().skip(page.offset).take(page.limit).map(Fused::of_words).collect(),
            // By year, every lexical match first, as paged, then meaning's.
            (semantic, false) => {
                let mut hits: Vec<Fused> = words.iter().map(Fused::of_words).collect();
                let added = semantic
                    .as_ref()
                    .map(|semantic| semantic.added_by_year(&generation, request.sort))
                    .unwrap_or_default();
                let skipped = page.offset.saturating_sub(lexical.total() as usize);
                let room = page.limit.saturating_sub(hits.len());
                hits.extend(added.into_iter().skip(skipped).take(room));
                hits
            }
        };
        self.present(request, &generation, &lexical, semantic.as_ref(), &hits, started)
    }

    /// The lexical stage: plans the query (`exact`: as typed, neither
    /// swapped nor escalated), escalates it when it finds nothing as typed, runs the strict pass and the relaxed one when the
    /// strict finds few, within `filters`, and counts each facet within the
    /// others' filters. With nothing typed every item matches, in id order:
    /// a browse. In semantic mode it only plans, for the snippets.
    fn lexical(
        &self,
        generation: &Generation,
        clauses: Vec<Clause>,
        filters: &Filters,
        mode: SearchMode,
        exact: bool,
        page: Paging,
    ) -> Result<Lexical> {
        let searcher = generation.searcher();
        let planner = Planner::new(&self.analyzers, &self.weights, &self.lists);
        let planner = if exact { planner.as_typed() } else { planner };
        let leaves = LeafWeights::default();
        let mut plan = planner.plan(&clauses, Escalation::Off);
        let mut queries = PlanQueries::of(&plan, &leaves);
        if clauses.is_empty() {
            queries.strict = Box::new(AllQuery);
        }
        if mode == SearchMode::Semantic {
            return Ok(Lexical { clauses, plan, queries, matches: None, unfiltered: None, facets: Default::default() });
        }
        let mut strict = Pass::run(generation, queries.strict.box_clone(), page)?;
        // Every required clause matches the strict matches, so only a query
        // that found nothing has clauses worth asking about; one that found
        // some escalates only with near misses.
        let found_some = strict.total > 0;
        if !exact && strict.total < RELAX_BELOW && (!found_some || plan.near_misses) {
            let finds_nothing =
                |tree: &QueryTree| !found_some && !matches_any(searcher, tree.to_query(&leaves).as_ref());
            let escalated = {
                // Held only while planning: a write's refresh waits for it.
                let catalog = self.catalog();
                planner.plan(&clauses, Escalation::On { finds_nothing: &finds_nothing, vocabulary: &catalog.suggester })
            };
            if escalated.escalated {
                plan = escalated;
                queries = PlanQueries::of(&plan, &leaves);
                strict = Pass::run(generation, queries.strict.box_clone(), page)?;
            }
        }
        // Relaxed only now, for the plan that is kept: an escalated plan relaxes differently.
        let unfiltered = Self::relax(generation, strict, &queries, page, None, None)?;
        // Filtered matches relax as far as the unfiltered ones did, so that
        // choosing a value never changes which words are required.
        let relaxed_to = unfiltered.relaxed.as_ref().map(|(_, relaxation)| relaxation.minimum_matched);
        let Some(filter) = filters.all() else {
            let facets = [0, 1, 2].map(|facet| unfiltered.facet_counts(facet));
            return Ok(Lexical { clauses, plan, queries, matches: Some(unfiltered), unfiltered: None, facets });
        };
        let matches = Self::matches(generation, &queries, page, &filter, relaxed_to)?;
        let mut facets: [Vec<ValueCounts>; 3] = Default::default();
        for (facet, counts) in facets.iter_mut().enumerate() {
            *counts = match (filters.chooses(facet), filters.but(facet)) {
                (false, _) => matches.facet_counts(facet),
                (true, None) => unfiltered.facet_counts(facet),
                (true, Some(others)) => {
                    let counted_only = Paging { offset: 0, limit: 0, sort: page.sort };
                    Self::matches(generation, &queries, counted_only, &others, relaxed_to)?.facet_counts(facet)
                }
            };
        }
        Ok(Lexical { clauses, plan, queries, matches: Some(matches), unfiltered: Some(unfiltered), facets })
    }

    /// The semantic stage, when the mode asks for it, the model is there and,
    /// in hybrid mode, the words found fewer than [`RELAX_BELOW`] items: the
    /// items nearest the query, those of them within `filter`, and the
    /// facets of those that words did not find.
    ///
    /// The nearest are taken from the whole index and then filtered, so that
    /// what meaning finds does not depend on the filters: the facets count it
    /// once, and choosing a facet value finds exactly the items it counted.
    fn semantic(
        &self,
        generation: &Generation,
        vectors: &ItemVectors,
        request: &SearchRequest<'_>,
        lexical: &Lexical,
        filters: &Filters,
    ) -> Result<Option<Semantic>> {
        let Some(meaning) = &self.meaning else { return Ok(None) };
        // Judged without the filters, so that choosing a facet value never
        // changes whether meaning joins.
        let unfiltered = lexical.unfiltered.as_ref().or(lexical.matches.as_ref());
        let words_are_few = unfiltered.is_none_or(|matches| matches.strict.total < RELAX_BELOW);
        let wanted = match request.mode {
            SearchMode::Lexical => false,
            SearchMode::Hybrid => words_are_few,
            SearchMode::Semantic => true,
        };
        // What the resident wants, without what they excluded.
        let wanted_text: Vec<&str> =
            lexical.clauses.iter().filter(|clause| !clause.excluded).map(|clause| clause.text.as_str()).collect();
        let wanted_text = wanted_text.join(" ");
        if !wanted || vectors.present == 0 || wanted_text.trim().is_empty() {
            return Ok(None);
        }
        let query = meaning.query_vector(&wanted_text)?;
        let searcher = generation.searcher();
        let mut nearest = near_enough(vectors.nearest(searcher, &query, MEANING_DEPTH)?);
        if !lexical.queries.excluded.is_empty() {
            let excluded = lexical.queries.excluded.iter().map(|query| (Occur::Should, query.box_clone())).collect();
            nearest = matching(searcher, &nearest, Box::new(BooleanQuery::new(excluded)), false)?;
        }
        let found = match filters.all() {
            Some(filter) => matching(searcher, &nearest, Filter::applied(Some(&filter), Box::new(AllQuery)), true)?,
            None => nearest.clone(),
        };
        let among = |matches: Option<&Matches>, found: &[(f32, DocAddress)]| {
            matches.map(|matches| matches.words_among(searcher, found)).transpose().map(Option::unwrap_or_default)
        };
        let words = among(lexical.matches.as_ref(), &found)?;
        let unfiltered_words = among(unfiltered, &nearest)?;
        let counted = AddressQuery::new(searcher, &only_meaning(&nearest, &unfiltered_words));
        let mut facets: [ValueCounts; 3] = Default::default();
        for (facet, counts) in facets.iter_mut().enumerate() {
            let query = Filter::applied(filters.but(facet).as_ref(), Box::new(counted.clone()));
            *counts = generation.search(query.as_ref(), &generation.facets[facet].counter())?;
        }
        Ok(Some(Semantic { found, words, facets }))
    }

    /// The page of `hits`, with snippets, what relaxed hits miss, how each
    /// matched and, asked for, why it scored as it did; and the totals and facets.
    fn present(
        &self,
        request: &SearchRequest<'_>,
        generation: &Generation,
        lexical: &Lexical,
        semantic: Option<&Semantic>,
        hits: &[Fused],
        started: Instant,
    ) -> Result<SearchResults> {
        let searcher = generation.searcher();
        let (plan, queries) = (&lexical.plan, &lexical.queries);
        let relaxed_addresses: Vec<DocAddress> =
            hits.iter().filter(|hit| hit.words.is_some_and(|words| words.relaxed)).map(|hit| hit.address).collect();
        let relaxed = lexical.matches.as_ref().and_then(|matches| matches.relaxed.as_ref());
        let mut missing_words = match relaxed {
            Some(_) => Membership::of(searcher, &queries.units)?.labels(searcher, &relaxed_addresses, false)?,
            None => Vec::new(),
        }
        .into_iter();
        let mut expansions = if request.explain {
            let addresses: Vec<DocAddress> = hits.iter().map(|hit| hit.address).collect();
            Membership::of(searcher, &queries.expansions)?.labels(searcher, &addresses, true)?
        } else {
            Vec::new()
        }
        .into_iter();
        let hits = hits
            .iter()
            .map(|hit| {
                let document: TantivyDocument = searcher.doc(hit.address)?;
                let item = PolicyItem::from_document(&document, &self.fields);
                // Every indexed item has its marks; analysing afresh covers one whose are unreadable.
                let marks = TextMarks::from_document(&document, &self.fields, !plan.highlight.readings.is_empty())
                    .unwrap_or_else(|| AnalysedText::new(&item.text, &self.analyzers).marks);
                let snippet = render(&item.text, &matched_ranges(&item.text, &marks, &plan.highlight));
                // Headings are short and shared by few items: analysed here rather than stored.
                let heading_marks = AnalysedText::new(&item.policy, &self.analyzers).marks;
                let heading_matches = matched_ranges(&item.policy, &heading_marks, &plan.highlight);
                let policy_snippet = (!heading_matches.is_empty()).then(|| render(&item.policy, &heading_matches));
                let is_relaxed = hit.words.is_some_and(|words| words.relaxed);
                let missing_words = match is_relaxed {
                    true => missing_words.next().unwrap_or_default().into_iter().cloned().collect(),
                    false => Vec::new(),
                };
                let explanation = if request.explain {
                    let mut explanation = match (hit.words, &lexical.matches) {
                        (Some(_), Some(matches)) => {
                            let query = match (&matches.relaxed, is_relaxed) {
                                (Some((relaxed, _)), true) => relaxed.query.as_ref(),
                                _ => matches.strict.query.as_ref(),
                            };
                            describe(&query.explain(searcher, hit.address)?, searcher.schema())
                        }
                        _ => serde_json::json!({}),
                    };
                    let matched = expansions.next().unwrap_or_default();
                    explanation["expansions"] = serde_json::to_value(matched).unwrap_or_default();
                    if let Some(similarity) = hit.similarity {
                        explanation["similarity"] = serde_json::json!(similarity);
                    }
                    Some(explanation)
                } else {
                    None
                };
                let matched_by = match hit.words {
                    // A browse: nothing typed, nothing matched.
                    _ if lexical.clauses.is_empty() => None,
                    Some(words) if words.relaxed => Some(MatchedBy::MostWords),
                    Some(_) => Some(MatchedBy::Words),
                    None => None,
                };
                let matched_by = matched_by.into_iter().chain(hit.similarity.map(|_| MatchedBy::Meaning)).collect();
                let score = hit.words.map_or(hit.similarity.unwrap_or_default(), |words| words.score);
                Ok(Hit {
                    item,
                    score,
                    snippet,
                    policy_snippet,
                    missing_words,
                    explanation,
                    matched_by,
                    similarity: hit.similarity,
                })
            })
            .collect::<Result<Vec<Hit>>>()?;
        let lexical_total = lexical.total();
        let meaning_total = semantic.map_or(0, |semantic| semantic.added().count() as u64);
        let total = lexical_total + meaning_total;
        let relaxation = lexical.matches.as_ref().and_then(|matches| {
            let (relaxed, summary) = matches.relaxed.as_ref()?;
            (relaxed.total > 0).then(|| summary.clone())
        });
        Ok(SearchResults {
            query: request.query.to_string(),
            total,
            meaning_total,
            took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            hits,
            facets: lexical.facets(semantic),
            relaxation,
            expansions: queries.expansions.iter().map(|(expansion, _)| expansion.clone()).collect(),
            nearby: if lexical_total == 0 { self.nearby(&lexical.clauses) } else { Vec::new() },
        })
    }

    /// The strict matches of a plan's `queries` within `filter`, and, when
    /// they are too few and the unfiltered ones were relaxed, the relaxed
    /// ones matching at least `relaxed_to` words, as those did: the facets
    /// count the unfiltered matches, and a filter finds what they counted.
    /// Each is counted and paged in one pass.
    fn matches(
        generation: &Generation,
        queries: &PlanQueries,
        page: Paging,
        filter: &Filter,
        relaxed_to: Option<usize>,
    ) -> Result<Matches> {
        let strict = Pass::run(generation, Filter::applied(Some(filter), queries.strict.box_clone()), page)?;
        match relaxed_to {
            Some(minimum) => Self::relax(generation, strict, queries, page, Some(filter), Some(minimum)),
            None => Ok(Matches { strict, relaxed: None }),
        }
    }

    /// `strict`, the strict matches of `queries` within `filter`, and the
    /// relaxed ones when they are too few: those matching at least `minimum`
    /// words, or by default most words, or, when no item matches most, any
    /// word, ranked by how many and how well they match.
    fn relax(
        generation: &Generation,
        strict: Pass,
        queries: &PlanQueries,
        page: Paging,
        filter: Option<&Filter>,
        minimum: Option<usize>,
    ) -> Result<Matches> {
        let (false, Some(strict_matches)) = (queries.units.is_empty(), &strict.few) else {
            return Ok(Matches { strict, relaxed: None });
        };
        let words = queries.units.len();
        let most = words - (words / 3).max(1);
        let minimums = match minimum {
            Some(minimum) => vec![minimum],
            None if most > 1 => vec![most, 1],
            None => vec![most],
        };
        let strict_matches = AddressQuery::new(generation.searcher(), strict_matches);
        // Relaxed matches follow every strict one, so the page goes on where the strict ones end.
        let relaxed_page = Paging {
            offset: page.offset.saturating_sub(strict.total),
            limit: page.limit - strict.page.len(),
            sort: page.sort,
        };
        let mut relaxed = None;
        for minimum_matched in minimums {
            let some_units = BooleanQuery::with_minimum_required_clauses(
                queries.units.iter().map(|(_, query)| (Occur::Should, query.box_clone())).collect(),
                minimum_matched,
            );
            let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Must, Box::new(some_units)), (Occur::MustNot, Box::new(strict_matches.clone()))];
            clauses.extend(queries.excluded.iter().map(|query| (Occur::MustNot, query.box_clone())));
            let pass =
                Pass::run(generation, Filter::applied(filter, Box::new(BooleanQuery::new(clauses))), relaxed_page)?;
            let relaxation = Relaxation {
                exact_total: strict.total as u64,
                words: queries.units.iter().map(|(label, _)| label.clone()).collect(),
                minimum_matched,
            };
            let found = pass.total > 0;
            relaxed = Some((pass, relaxation));
            if found {
                break;
            }
        }
        Ok(Matches { strict, relaxed })
    }

    /// Looks an item up by id.
    pub fn document(&self, id: &str) -> Result<PolicyItem> {
        let searcher = self.reader.searcher();
        self.item_at(&searcher, self.address_of(&searcher, id)?)
    }

    /// Where item `id` is in `searcher`'s generation.
    fn address_of(&self, searcher: &Searcher, id: &str) -> Result<DocAddress> {
        let query = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
        match top(searcher, &query, 0, 1)?.first() {
            Some((_, address)) => Ok(*address),
            None => Err(SearchError::DocumentNotFound(id.to_string())),
        }
    }

    /// The items nearest item `id` in meaning within `request`'s filters
    /// (its query is not used), nearest first, the item itself left out:
    /// the same policy in other years or other cities. An error when
    /// semantic search is off.
    pub fn similar(&self, id: &str, request: &SearchRequest<'_>) -> Result<Vec<Similar>> {
        let Some(meaning) = &self.meaning else { return Err(SearchError::MeaningOff) };
        let filter = self.filters(request)?.all();
        let (generation, vectors) = {
            let catalog = self.catalog();
            (Arc::clone(&catalog.generation), Arc::clone(&catalog.vectors))
        };
        let searcher = generation.searcher();
        let address = self.address_of(searcher, id)?;
        let vector = match vectors.of(address) {
            Some(vector) => Arc::new(vector),
            // Not computed yet: one passage costs a search's query, and the
            // background computing will find it done.
            None => meaning.passage_vector(&self.item_at(searcher, address)?.passage())?,
        };
        let within = filter.map(|filter| Filter::applied(Some(&filter), Box::new(AllQuery)));
        let wanted = request.offset + request.limit + 1;
        let nearest = vectors.nearest_within(searcher, &vector, within.as_deref(), wanted)?;
        nearest
            .into_iter()
            .filter(|(_, near)| *near != address)
            .skip(request.offset)
            .take(request.limit)
            .map(|(similarity, near)| Ok(Similar { item: self.item_at(searcher, near)?, similarity }))
            .collect()
    }

    /// The items numbered under `prefix` as an import numbers a document's
    /// items (`PREFIX-001`…), in id order.
    pub fn documents_numbered_under(&self, prefix: &str) -> Result<Vec<PolicyItem>> {
        let searcher = self.reader.searcher();
        let start = format!("{prefix}-");
        let mut ids = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let dictionary = segment.inverted_index(self.fields.id)?;
            let mut terms =
                dictionary.terms().range().ge(start.as_bytes()).into_stream().map_err(tantivy::TantivyError::from)?;
            while terms.advance() {
                let Ok(id) = std::str::from_utf8(terms.key()) else { continue };
                let Some(number) = id.strip_prefix(start.as_str()) else { break };
                if !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()) {
                    ids.insert(id.to_string());
                }
            }
        }
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            match self.document(&id) {
                Ok(item) => items.push(item),
                // A term of a deleted item lingers until its segment is merged.
                Err(SearchError::DocumentNotFound(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(items)
    }

    fn item_at(&self, searcher: &Searcher, address: DocAddress) -> Result<PolicyItem> {
        let document: TantivyDocument = searcher.doc(address)?;
        Ok(PolicyItem::from_document(&document, &self.fields))
    }

    /// Words of the index starting with `prefix`, or whose reading does.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        self.catalog().suggester.suggest(prefix, limit)
    }

    /// Words near the wanted words of a query that found nothing, each
    /// word's own nearest first, up to [`NEARBY_WORDS`].
    fn nearby(&self, clauses: &[Clause]) -> Vec<Suggestion> {
        let catalog = self.catalog();
        let mut nearby: Vec<Suggestion> = Vec::new();
        for clause in clauses.iter().filter(|clause| !clause.excluded) {
            for word in catalog.suggester.nearby(&clause.text, NEARBY_WORDS) {
                if nearby.len() < NEARBY_WORDS && !nearby.contains(&word) {
                    nearby.push(word);
                }
            }
        }
        nearby
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

    /// What a search for `text` widens it with: the same plan, escalated
    /// as far as what the words find makes a search escalate it.
    pub fn expansions(&self, text: &str) -> Result<Vec<Expansion>> {
        let generation = Arc::clone(&self.catalog().generation);
        let page = Paging { offset: 0, limit: 1, sort: SortOrder::Relevance };
        let lexical =
            self.lexical(&generation, parse_clauses(text), &Filters::default(), SearchMode::Lexical, false, page)?;
        Ok(lexical.queries.expansions.into_iter().map(|(expansion, _)| expansion).collect())
    }

    /// The tokens each analysis makes of `text`, as the index stores them.
    pub fn analyze(&self, text: &str) -> Vec<AnalysisTokens> {
        Analysis::ALL
            .into_iter()
            .map(|analysis| {
                let tokens = self
                    .analyzers
                    .tokens(analysis, text)
                    .into_iter()
                    .map(|token| AnalyzedToken {
                        source: text.get(token.offset_from..token.offset_to).unwrap_or_default().to_string(),
                        term: token.text,
                        position: token.position,
                    })
                    .collect();
                AnalysisTokens { analyzer: analysis.label(), fields: analysis.fields(), tokens }
            })
            .collect()
    }
}

/// A plan's trees as tantivy queries, built once per plan.
struct PlanQueries {
    /// Every required clause and no excluded one; everything but the
    /// excluded items when nothing is required.
    strict: Box<dyn Query>,
    /// The relaxation units, with their labels.
    units: Vec<(String, Box<dyn Query>)>,
    /// The excluded clauses.
    excluded: Vec<Box<dyn Query>>,
    /// How the query was widened, each with what it matches on its own.
    expansions: Vec<(Expansion, Box<dyn Query>)>,
}

impl PlanQueries {
    fn of(plan: &QueryPlan, leaves: &LeafWeights) -> PlanQueries {
        // Excluded clauses are only asked about candidates, and so are
        // required ones where another required clause may lead.
        let excluded: Vec<Box<dyn Query>> = plan.excluded.iter().map(|tree| tree.to_seeked_query(leaves)).collect();
        let seeked = plan.required.len() > 1;
        let required = |tree: &QueryTree| if seeked { tree.to_seeked_query(leaves) } else { tree.to_query(leaves) };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            plan.required.iter().map(|tree| (Occur::Must, required(tree))).collect();
        if clauses.is_empty() && !excluded.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        if !clauses.is_empty() {
            clauses.extend(plan.rank_up.iter().map(|tree| (Occur::Should, tree.to_query(leaves))));
        }
        clauses.extend(excluded.iter().map(|query| (Occur::MustNot, query.box_clone())));
        let units = plan.units.iter().map(|unit| (unit.label.clone(), unit.query.to_query(leaves))).collect();
        let expansions =
            plan.expansions.iter().map(|(expansion, tree)| (expansion.clone(), tree.to_query(leaves))).collect();
        PlanQueries { strict: Box::new(BooleanQuery::new(clauses)), units, excluded, expansions }
    }
}

/// One page of the best-scoring items.
fn top(searcher: &Searcher, query: &dyn Query, offset: usize, limit: usize) -> Result<Vec<(f32, DocAddress)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    Ok(searcher.search(query, &TopDocs::with_limit(limit).and_offset(offset).order_by_score())?)
}

/// Which page of hits a pass keeps, in which order.
#[derive(Debug, Clone, Copy)]
struct Paging {
    offset: usize,
    limit: usize,
    sort: SortOrder,
}

impl Pass {
    /// Counts the matches of `query`, tallies their facets and keeps one
    /// page of them (and, when they are few, every address), in a single
    /// pass: in a large index every pass over the matches is a walk of long
    /// posting lists.
    fn run(generation: &Generation, query: Box<dyn Query>, page: Paging) -> Result<Pass> {
        // TopDocs needs room for one hit; a page of none keeps none of it.
        let top = TopDocs::with_limit(page.limit.max(1)).and_offset(page.offset);
        let [departments, years, municipalities] = &generation.facets;
        let facets = (departments.counter(), years.counter(), municipalities.counter());
        let counted = (Count, FewMatches::below(RELAX_BELOW));
        // Equal scores in id order, so that a page depends on the items alone.
        let best = (SortBySimilarityScore, generation.ids.clone());
        let ((total, few), (departments, years, municipalities), mut hits): (_, _, Vec<(Score, DocAddress)>) =
            match page.sort {
                SortOrder::Relevance => {
                    let (counted, facets, hits) =
                        generation.search(query.as_ref(), &(counted, facets, top.order_by(best)))?;
                    (counted, facets, hits.into_iter().map(|((score, _), address)| (score, address)).collect())
                }
                SortOrder::Newest | SortOrder::Oldest => {
                    let order = if page.sort == SortOrder::Newest { Order::Desc } else { Order::Asc };
                    let year = (SortByStaticFastValue::<u64>::for_field(field_name::FISCAL_YEAR), order);
                    let by_year = top.order_by((year, best));
                    let (counted, facets, hits) = generation.search(query.as_ref(), &(counted, facets, by_year))?;
                    (counted, facets, hits.into_iter().map(|((_, (score, _)), address)| (score, address)).collect())
                }
            };
        hits.truncate(page.limit);
        Ok(Pass { query, total, few, facets: [departments, years, municipalities], page: hits })
    }
}

impl Matches {
    /// The counts of facet `facet` of the strict matches and the relaxed ones.
    fn facet_counts(&self, facet: usize) -> Vec<ValueCounts> {
        let passes = std::iter::once(&self.strict).chain(self.relaxed.iter().map(|(relaxed, _)| relaxed));
        passes.map(|pass| pass.facets[facet].clone()).collect()
    }

    /// Which of `found` match the words, strictly or relaxed.
    fn words_among(&self, searcher: &Searcher, found: &[(f32, DocAddress)]) -> Result<HashSet<DocAddress>> {
        let mut passes = vec![(Occur::Should, self.strict.query.box_clone())];
        passes.extend(self.relaxed.iter().map(|(relaxed, _)| (Occur::Should, relaxed.query.box_clone())));
        let words = matching(searcher, found, Box::new(BooleanQuery::new(passes)), true)?;
        Ok(words.into_iter().map(|(_, address)| address).collect())
    }
}

/// Candidates the semantic stage ranks: fusion reads both sides this deep.
const MEANING_DEPTH: usize = 50;

/// How far below the nearest item's similarity an item may be and still be
/// found by meaning. e5's cosines crowd into a narrow band, so a cut-off
/// relative to the best is what separates: on the dev question sets nearly
/// every relevant item was within this of the nearest, most others beyond it.
const SIMILARITY_BELOW_NEAREST: f32 = 0.05;

/// The nearest of `nearest` (nearest first): those within
/// [`SIMILARITY_BELOW_NEAREST`] of the first.
fn near_enough(mut nearest: Vec<(f32, DocAddress)>) -> Vec<(f32, DocAddress)> {
    let Some(&(best, _)) = nearest.first() else { return nearest };
    nearest.retain(|(similarity, _)| *similarity >= best - SIMILARITY_BELOW_NEAREST);
    nearest
}

/// Those of `found` that `query` matches (`matches`), or those it does not.
fn matching(
    searcher: &Searcher,
    found: &[(f32, DocAddress)],
    query: Box<dyn Query>,
    matches: bool,
) -> Result<Vec<(f32, DocAddress)>> {
    let labelled = [((), query)];
    let addresses: Vec<DocAddress> = found.iter().map(|(_, address)| *address).collect();
    let labels = Membership::of(searcher, &labelled)?.labels(searcher, &addresses, true)?;
    Ok(found.iter().zip(labels).filter(|(_, labels)| labels.is_empty() != matches).map(|(near, _)| *near).collect())
}

/// The addresses of `found` that are not among `words`.
fn only_meaning(found: &[(f32, DocAddress)], words: &HashSet<DocAddress>) -> Vec<DocAddress> {
    found.iter().map(|(_, address)| *address).filter(|address| !words.contains(address)).collect()
}

/// What the lexical stage found.
struct Lexical {
    /// What was typed, clause by clause.
    clauses: Vec<Clause>,
    /// The plan kept: as typed, or escalated.
    plan: QueryPlan,
    queries: PlanQueries,
    /// The matches within the filters; none in semantic mode.
    matches: Option<Matches>,
    /// The matches without the filters, when there are filters.
    unfiltered: Option<Matches>,
    /// Per facet of [`FACET_FIELDS`], the counts of the strict and relaxed
    /// matches within the other facets' filters.
    facets: [Vec<ValueCounts>; 3],
}

impl Lexical {
    /// The lexical matches paged: strict ones first, then relaxed ones.
    fn ranking(&self) -> Vec<WordsFound> {
        let Some(matches) = &self.matches else { return Vec::new() };
        let found = |relaxed: bool| move |&(score, address): &(f32, DocAddress)| WordsFound { address, score, relaxed };
        let strict = matches.strict.page.iter().map(found(false));
        strict.chain(matches.relaxed.iter().flat_map(|(relaxed, _)| relaxed.page.iter().map(found(true)))).collect()
    }

    /// The fusion's weights for this search: the relaxed ranking weighs
    /// as much as the share of the words its items match at least, so that
    /// items matching one word of several trail what meaning finds.
    fn fusion_weights(&self) -> FusionWeights {
        let relaxation = self.matches.as_ref().and_then(|matches| matches.relaxed.as_ref()).map(|(_, r)| r);
        let share = relaxation.map_or(1.0, |r| r.minimum_matched as f32 / r.words.len().max(1) as f32);
        FusionWeights { words: FUSION.words * share, ..FUSION }
    }

    /// Items matching the words, within the filters.
    fn total(&self) -> u64 {
        self.matches.as_ref().map_or(0, |matches| {
            (matches.strict.total + matches.relaxed.as_ref().map_or(0, |(relaxed, _)| relaxed.total)) as u64
        })
    }

    /// Matching items per facet value, each facet within the other facets'
    /// filters: strict, relaxed and those only meaning found.
    fn facets(&self, semantic: Option<&Semantic>) -> Facets {
        let tallied = |facet: usize| facet_list(self.facets[facet].iter().chain(semantic.map(|s| &s.facets[facet])));
        let mut fiscal_year: Vec<YearCount> = tallied(1)
            .into_iter()
            .filter_map(|facet| Some(YearCount { value: facet.value.parse().ok()?, count: facet.count }))
            .collect();
        fiscal_year.sort_by_key(|year| std::cmp::Reverse(year.value));
        Facets { department: tallied(0), fiscal_year, municipality: tallied(2) }
    }
}

/// What the semantic stage found.
struct Semantic {
    /// The items near enough in meaning within the filters, nearest first.
    found: Vec<(f32, DocAddress)>,
    /// Those of them the words found too.
    words: HashSet<DocAddress>,
    /// Per facet of [`FACET_FIELDS`], the counts of the items only meaning
    /// found, within the other facets' filters.
    facets: [ValueCounts; 3],
}

impl Semantic {
    /// The items only meaning found, nearest first.
    fn added(&self) -> impl Iterator<Item = &(f32, DocAddress)> {
        self.found.iter().filter(|(_, address)| !self.words.contains(address))
    }

    /// The items only meaning found, by fiscal year in `sort`'s order,
    /// nearest first within a year.
    fn added_by_year(&self, generation: &Generation, sort: SortOrder) -> Vec<Fused> {
        let mut added: Vec<(u64, Fused)> = self
            .added()
            .map(|&(similarity, address)| {
                (generation.fiscal_year(address), Fused { address, words: None, similarity: Some(similarity) })
            })
            .collect();
        match sort {
            SortOrder::Newest => added.sort_by_key(|(year, _)| std::cmp::Reverse(*year)),
            SortOrder::Oldest | SortOrder::Relevance => added.sort_by_key(|(year, _)| *year),
        }
        added.into_iter().map(|(_, fused)| fused).collect()
    }
}

/// Facet values by items, most first, summed over disjoint sets of matches.
fn facet_list<'a>(tallies: impl IntoIterator<Item = &'a ValueCounts>) -> Vec<FacetCount> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (value, count) in tallies.into_iter().flatten() {
        *counts.entry(value).or_default() += count;
    }
    let mut facets: Vec<FacetCount> =
        counts.into_iter().map(|(value, count)| FacetCount { value: value.to_string(), count }).collect();
    facets.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    facets
}

/// Whether any live item matches `query`. It stops at the first, where a
/// count would walk every posting list of a common word to its end; an
/// error counts as a match, so that nothing is escalated on a failure.
fn matches_any(searcher: &Searcher, query: &dyn Query) -> bool {
    let Ok(weight) = query.weight(EnableScoring::disabled_from_searcher(searcher)) else {
        return true;
    };
    searcher.segment_readers().iter().any(|segment| {
        let Ok(mut scorer) = weight.scorer(segment, 1.0) else {
            return true;
        };
        let alive = segment.alive_bitset();
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                return true;
            }
            doc = scorer.advance();
        }
        false
    })
}

/// Labelled queries, to tell which of them an item matches. tantivy's
/// `explain` would tell too, but it weighs each query for scoring anew per
/// item; these weights are made once, without scoring.
struct Membership<'a, L> {
    labelled: &'a [(L, Box<dyn Query>)],
    weights: Vec<Box<dyn Weight>>,
}

impl<'a, L> Membership<'a, L> {
    fn of(searcher: &Searcher, labelled: &'a [(L, Box<dyn Query>)]) -> Result<Self> {
        let weights = labelled
            .iter()
            .map(|(_, query)| query.weight(EnableScoring::disabled_from_searcher(searcher)))
            .collect::<tantivy::Result<_>>()?;
        Ok(Membership { labelled, weights })
    }

    /// For each of `addresses`, the labels of the queries that match the
    /// item there (`matching`) or of those that do not. Each query's scorer
    /// is made once per segment and walks the items in order.
    fn labels(&self, searcher: &Searcher, addresses: &[DocAddress], matching: bool) -> Result<Vec<Vec<&'a L>>> {
        let mut in_order: Vec<usize> = (0..addresses.len()).collect();
        in_order.sort_by_key(|&index| addresses[index]);
        let mut labels = vec![Vec::new(); addresses.len()];
        for ((label, _), weight) in self.labelled.iter().zip(&self.weights) {
            let mut scorer: Option<(SegmentOrdinal, Box<dyn Scorer>)> = None;
            for &index in &in_order {
                let DocAddress { segment_ord, doc_id } = addresses[index];
                let scorer = match &mut scorer {
                    Some((segment, scorer)) if *segment == segment_ord => scorer,
                    _ => {
                        let made = weight.scorer(searcher.segment_reader(segment_ord), 1.0)?;
                        &mut scorer.insert((segment_ord, made)).1
                    }
                };
                // A scorer starts on its first match and cannot seek backwards.
                let matches = scorer.doc() <= doc_id && scorer.seek(doc_id) == doc_id;
                if matches == matching {
                    labels[index].push(label);
                }
            }
        }
        Ok(labels)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;

    use super::*;
    use crate::test_support::two_segments;

    /// Which queries each item matches, asked for items of two segments in
    /// any order, is what each query finds.
    #[test]
    fn membership_labels_items_of_every_segment_in_any_order() {
        let (searcher, parser) = two_segments();
        let labelled: Vec<(&str, Box<dyn Query>)> =
            ["a", "b", "c", "+a +c"].into_iter().map(|text| (text, parser.parse_query(text).unwrap())).collect();
        let mut addresses: Vec<DocAddress> =
            searcher.search(&AllQuery, &DocSetCollector).unwrap().into_iter().collect();
        addresses.sort_by_key(|address| std::cmp::Reverse(*address));
        let membership = Membership::of(&searcher, &labelled).unwrap();
        let matching = membership.labels(&searcher, &addresses, true).unwrap();
        let missing = membership.labels(&searcher, &addresses, false).unwrap();
        for (index, address) in addresses.iter().enumerate() {
            for (label, query) in &labelled {
                let found = searcher.search(query.as_ref(), &DocSetCollector).unwrap().contains(address);
                assert_eq!(matching[index].contains(&label), found, "{label} at {address:?}");
                assert_eq!(missing[index].contains(&label), !found, "{label} at {address:?}");
            }
        }
    }
}
