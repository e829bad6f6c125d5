// hoshin's search page. The address is the state: /?q=…&department=…&page=…
// (and municipality, year_from, year_to, sort, exact) shows results, the same
// without q browses the chosen department, year or municipality, / alone offers
// them to browse, /items/{id} shows one item, any other address says there is
// no such page (the server answers it 404), so links can be shared and the
// back button works. Everything from
// the API is inserted as text, except the snippets, which the server escapes and
// marks up with <mark> only. Every render belongs to the latest address: a newer
// one aborts the requests of the older and discards whatever they bring.
"use strict";

const PAGE_SIZE = 10;
// The API's largest offset (MAX_OFFSET in the server's params): no page past it is linked.
const MAX_OFFSET = 10000;
const LAST_SERVED_PAGE = Math.floor(MAX_OFFSET / PAGE_SIZE) + 1;
// Pages linked on either side of the current one; the first and last are always linked.
const PAGER_SPAN = 2;
const SUGGEST_DELAY_MS = 120;
// Items near in meaning listed under an item, and the characters of each one's text shown.
const SIMILAR_ITEMS = 5;
const EXCERPT_CHARS = 80;
// Characters of an item's beginning that tell apart results under one heading.
const LEAD_CHARS = 24;
// The API's largest page of similar items (MAX_LIMIT in the server's params).
const MAX_SIMILAR_ASKED = 100;
const FILTERS = ["department", "municipality", "year_from", "year_to", "sort"];
const SORTS = [["relevance", "関連度順"], ["newest", "新しい年度順"], ["oldest", "古い年度順"]];
// A browse has no relevance: its first order is the documents' own.
const BROWSE_SORTS = [["relevance", "掲載順"], ["newest", "新しい年度順"], ["oldest", "古い年度順"]];
// Characters of a query the heading, status and notices repeat; the search box keeps it whole.
const SHOWN_QUERY_CHARS = 40;
// Words of a relaxed query named in its notice, and words a widening is named with.
const NAMED_WORDS = 10;
const NAMED_WIDENINGS = 3;
// How the notice says each kind of the API's `expansions` widened a word.
const WIDENINGS = {
  synonym: (from, to) => `「${from}」と同じ意味の${to}も含めて検索しました。`,
  phrase: (from, to) => `「${from}」の言い換えとして${to}も含めて検索しました。`,
  related: (from, to) => `「${from}」に関連する${to}も含めて検索しました。`,
  sound_alike: (from, to) => `「${from}」を${to}と読んで検索しました。`,
  clipped: (from, to) => `「${from}」を${to}の略として検索しました。`,
  lookalike: (from, to) => `「${from}」を${to}として検索しました。`,
};

// What the resident reads for each error code of the API.
const MESSAGES = {
  empty_query: "キーワードを入力してください。",
  query_too_long: "キーワードが長すぎます。1,000文字以内にしてください。",
  invalid_offset: "このページは表示できません。最初のページからご覧ください。",
  invalid_limit: "このページは表示できません。最初のページからご覧ください。",
  unknown_department: "指定された部署はありません。絞り込みを解除してください。",
  unknown_municipality: "指定された自治体はありません。絞り込みを解除してください。",
  invalid_year: "年度の指定が正しくありません。西暦の年度（例：2022）で指定してください。",
  invalid_sort: "並び順の指定が正しくありません。",
  document_not_found: "お探しの項目は見つかりませんでした。削除されたか、アドレスが変わった可能性があります。",
  page_not_found: "お探しのページは見つかりませんでした。アドレスが正しいかお確かめください。",
  request_timeout: "検索に時間がかかりすぎました。語を減らしてもう一度お試しください。",
  overloaded: "ただいま混み合っています。しばらくしてからもう一度お試しください。",
  network: "サーバーに接続できませんでした。通信環境をご確認のうえ、もう一度お試しください。",
};
const GENERIC_MESSAGE = "表示できませんでした。しばらくしてからもう一度お試しください。";

const $ = (id) => document.getElementById(id);

function element(tag, properties = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(properties)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

class ApiFailure extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

async function api(path, signal) {
  let response;
  let body;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" }, signal });
    body = await response.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiFailure("network");
  }
  if (!response.ok) throw new ApiFailure(body.error ? body.error.code : "internal");
  return body;
}

// The search the address asks for.
function searchState() {
  const params = new URLSearchParams(location.search);
  const state = {
    q: (params.get("q") || "").trim(),
    page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1),
    exact: params.get("exact") === "true",
  };
  for (const name of FILTERS) state[name] = params.get(name) || "";
  return state;
}

function searchUrl(state, changes = {}) {
  const next = { exact: false, ...state, page: 1, ...changes };
  const params = new URLSearchParams();
  if (next.q) params.set("q", next.q);
  for (const name of FILTERS) if (next[name]) params.set(name, next[name]);
  if (next.q && next.exact) params.set("exact", "true");
  if (next.page > 1) params.set("page", String(next.page));
  const query = params.toString();
  return query ? "/?" + query : "/";
}

// Whether a department, a municipality or years are chosen.
function narrows(state) {
  return FILTERS.some((name) => name !== "sort" && state[name]);
}

// A query as the page repeats it: a long one shortened.
function shown(query) {
  return excerpt(query, SHOWN_QUERY_CHARS);
}

// Whether this page has pushed history entries of its own, so "back" stays here.
let navigatedWithin = false;
// Each render's number; a render whose number is no longer the latest draws nothing.
let latestRender = 0;
let pending = null;

// Goes to `url` within the page. Focus moves to the new page's heading, or
// stays on the control `keepFocusOn` names (a select the resident is still using).
function navigate(url, keepFocusOn = "") {
  // Where the resident was and where they went from here, for "back".
  history.replaceState({ ...(history.state || {}), scrollY: window.scrollY, followed: url }, "");
  history.pushState({}, "", url);
  navigatedWithin = true;
  render({ moveFocus: true, keepFocusOn });
}

// Same-origin links navigate without reloading; modified clicks open normally.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-nav]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", () => render({ restoreScroll: true }));
window.addEventListener("beforeprint", notePrinted);
history.scrollRestoration = "manual";
document.addEventListener("DOMContentLoaded", () => {
  setUpSearchBox();
  render({});
});

async function render(how) {
  const number = ++latestRender;
  if (pending) pending.abort();
  pending = new AbortController();
  const current = { signal: pending.signal, isLatest: () => number === latestRender };
  const match = location.pathname.match(/^\/items\/(.+)$/);
  try {
    if (match) await renderItem(decodeURIComponent(match[1]), current);
    else if (location.pathname !== "/") showMessage("ページが見つかりません", "page_not_found");
    else await renderSearch(searchState(), current, how);
  } catch (error) {
    if (error.name === "AbortError" || !current.isLatest()) return;
    showMessage(error.code === "document_not_found" ? "項目が見つかりません" : "表示できませんでした", error.code);
  }
  if (!current.isLatest()) return;
  notePrinted();
  if (how.restoreScroll && history.state && typeof history.state.scrollY === "number") {
    window.scrollTo(0, history.state.scrollY);
    // Back at the link followed from here (the result opened), not at the top of the document.
    const followed = history.state.followed;
    const link = followed && document.querySelector(`a[data-nav][href="${CSS.escape(followed)}"]`);
    if (link) link.focus({ preventScroll: true });
  } else if (how.keepFocusOn && $(how.keepFocusOn)) {
    $(how.keepFocusOn).focus();
  } else if (how.moveFocus) {
    // A new page starts at its top, search box and back link in view, as a
    // loaded page would; focusing alone would scroll only as far as the heading.
    const heading = match ? $("item-view").querySelector("h1") : $("page-heading");
    window.scrollTo(0, 0);
    heading.focus({ preventScroll: true });
  }
}

function showView(name) {
  $("home-view").hidden = name !== "home";
  $("results-view").hidden = name !== "results";
  $("message-view").hidden = name !== "message";
  $("item-view").hidden = name !== "item";
  $("page-heading").hidden = name === "item";
}

function showMessage(heading, code) {
  showView("message");
  $("page-heading").textContent = heading;
  document.title = `${heading} - 方針検索`;
  $("status").textContent = "";
  const ways = element("p", {}, [element("a", { href: "/", text: "トップページへ戻る" })]);
  // A page the API does not serve still has a first page to go to.
  const state = searchState();
  if ((code === "invalid_offset" || code === "invalid_limit") && (state.q || narrows(state))) {
    ways.prepend(element("a", { href: searchUrl(state), "data-nav": "", text: "最初のページへ" }), "　");
  }
  $("message-view").replaceChildren(element("p", { class: "message", text: MESSAGES[code] || GENERIC_MESSAGE }), ways);
}

// Results for a query, or without one the chosen items to browse; with
// nothing chosen either, what there is to browse.
async function renderSearch(state, current) {
  $("q").value = state.q;
  if (!state.q && !narrows(state)) return renderHome(current);
  $("status").textContent = state.q ? "検索しています…" : "読み込んでいます…";
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String((state.page - 1) * PAGE_SIZE) });
  if (state.q) params.set("q", state.q);
  if (state.q && state.exact) params.set("exact", "true");
  for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
  const results = await api("/api/search?" + params.toString(), current.signal);
  if (!current.isLatest()) return;
  showView("results");
  const heading = state.q ? `「${shown(state.q)}」の検索結果` : `${describeChoice(state)}の項目`;
  $("page-heading").textContent = heading;
  document.title = `${heading} - 方針検索`;
  $("status").textContent = describeCount(results, state);
  renderNotice(results, state);
  renderRefinements(results, state);
  renderFacets(results, state);
  if (results.total === 0) renderHelp(results, state);
  else if (results.hits.length === 0) renderPastTheEnd(results, state);
  else renderHits(results);
  renderPager(results.total, state);
}

// The home page: every department, fiscal year and (when there are several)
// municipality, each with its item count, to browse without a query.
async function renderHome(current) {
  const everything = await api("/api/search?limit=1", current.signal);
  if (!current.isLatest()) return;
  showView("home");
  $("page-heading").textContent = "方針検索";
  document.title = "方針検索";
  $("status").textContent = `${everything.total}件の項目を、キーワードで検索するか、部署・年度から探せます。`;
  const { department, fiscal_year: years, municipality } = everything.facets;
  const groups = [
    ["browse-departments", "部署から探す", department.map((facet) => [facet.value, facet.count, { department: facet.value }])],
    ["browse-years", "年度から探す", years.map((year) => {
      const value = String(year.value);
      return [`${value}年度`, year.count, { year_from: value, year_to: value }];
    })],
  ];
  if (municipality.length > 1) {
    groups.push(["browse-municipalities", "自治体から探す", municipality.map((facet) => [facet.value, facet.count, { municipality: facet.value }])]);
  }
  $("home-view").replaceChildren(...groups.filter(([, , entries]) => entries.length > 0).map(([id, title, entries]) => {
    const list = element("ul", { class: "browse-list" });
    for (const [label, count, choice] of entries) {
      list.append(element("li", {}, [facetLink(searchUrl({ q: "" }, choice), label, count)]));
    }
    return element("section", { "aria-labelledby": id }, [element("h2", { id, text: title }), list]);
  }));
}

// The department, municipality and years chosen: 「教育部・2022年度」.
function describeChoice(state) {
  return [state.department, state.municipality, describeYears(state)].filter(Boolean).join("・");
}

// 「11〜20件目／全134件」, with the filters that narrowed them.
function describeCount(results, state) {
  const narrowed = describeChoice(state);
  const scope = narrowed ? `（${narrowed}）` : "";
  const what = state.q ? `「${shown(state.q)}」${scope}` : narrowed;
  if (results.total === 0) return state.q ? `${what}に一致する項目は見つかりませんでした。` : `${what}の項目はありません。`;
  if (results.hits.length === 0) return `${what}の項目は全${results.total}件で、このページには項目がありません。`;
  const first = (state.page - 1) * PAGE_SIZE + 1;
  const last = first + results.hits.length - 1;
  const range = `${first}〜${last}件目／全${results.total}件`;
  const byMeaning = results.meaning_total || 0;
  if (byMeaning >= results.total) {
    return `${what}に言葉の一致する項目はありませんでした。意味の近い項目を表示しています（${range}）`;
  }
  const aside = byMeaning > 0 ? `（うち意味の近い項目${byMeaning}件）` : "";
  // The heading above already says whose results these are.
  return `${state.q && narrowed ? `${narrowed}で絞り込み：` : ""}${range}${aside}`;
}

// A hit only meaning found: none of its words matched the query's.
function foundOnlyByMeaning(hit) {
  const by = hit.matched_by || [];
  return by.includes("meaning") && !by.includes("words") && !by.includes("most_words");
}

function describeYears(state) {
  if (state.year_from && state.year_from === state.year_to) return `${state.year_from}年度`;
  if (state.year_from || state.year_to) return `${state.year_from}〜${state.year_to}年度`;
  return "";
}

// What the search did beyond the words as typed: how it widened them, with a
// way to search them exactly as typed (and back), and which it stopped requiring.
function renderNotice(results, state) {
  const lines = [];
  const widened = describeWidenings(results.expansions || []);
  const asTyped = `入力どおり「${shown(state.q)}」で検索する`;
  if (widened.length > 0) {
    const exactly = element("a", { href: searchUrl(state, { exact: true }), "data-nav": "", text: asTyped });
    lines.push(element("p", {}, [widened.join(""), " ", exactly]));
  } else if (state.q && state.exact) {
    const widely = element("a", { href: searchUrl(state, { exact: false }), "data-nav": "", text: "同じ意味の語なども含めて検索する" });
    lines.push(element("p", {}, [`「${shown(state.q)}」を入力どおりに検索しました。`, " ", widely]));
  }
  const relaxation = results.relaxation;
  if (relaxation) {
    const words = nameWords(relaxation.words);
    const some = relaxation.minimum_matched <= 1 ? "いずれかの語" : `${relaxation.minimum_matched}語以上`;
    lines.push(element("p", {
      text: relaxation.exact_total === 0
        ? `「${words}」をすべて含む項目はないため、${some}を含む項目を表示しています。各項目に、含まない語を示しています。`
        : `「${words}」をすべて含む項目は${relaxation.exact_total}件です。続けて、${some}を含む項目も表示しています。`,
    }));
  }
  $("notice").replaceChildren(...lines);
  $("notice").hidden = lines.length === 0;
}

// One sentence per word widened and way it was: 「子育て」と同じ意味の「育児」も含めて検索しました。
function describeWidenings(expansions) {
  const grouped = new Map();
  for (const { kind, from, to } of expansions) {
    const key = `${kind}\u0000${from}`;
    if (!grouped.has(key)) grouped.set(key, { kind, from, to: [] });
    if (!grouped.get(key).to.includes(to)) grouped.get(key).to.push(to);
  }
  return [...grouped.values()].map(({ kind, from, to }) => {
    const named = to.slice(0, NAMED_WIDENINGS).map((word) => `「${word}」`).join("") + (to.length > NAMED_WIDENINGS ? "など" : "");
    return (WIDENINGS[kind] || WIDENINGS.synonym)(shown(from), named);
  });
}

// Words, each once, the first few of a long list: 「図書館・子育て ほか12語」.
function nameWords(words) {
  const once = [...new Set(words)];
  const named = once.slice(0, NAMED_WORDS).map(shown).join("・");
  return once.length > NAMED_WORDS ? `${named} ほか${once.length - NAMED_WORDS}語` : named;
}

// Fiscal years, municipality and order, as selects whose change is a new address.
function renderRefinements(results, state) {
  const form = $("refine");
  form.replaceChildren();
  const select = (name, label, options) => {
    const id = `refine-${name}`;
    const control = element("select", { id, name });
    for (const [value, text] of options) {
      const option = element("option", { value, text });
      if (value === state[name]) option.selected = true;
      control.append(option);
    }
    control.addEventListener("change", () => navigate(searchUrl(state, { [name]: control.value }), id));
    form.append(element("span", { class: "refinement" }, [element("label", { for: id, text: label }), control]));
  };
  const years = results.facets.fiscal_year.map((year) => String(year.value)).sort();
  for (const chosen of [state.year_from, state.year_to]) if (chosen && !years.includes(chosen)) years.push(chosen);
  if (years.length > 1 || state.year_from || state.year_to) {
    select("year_from", "年度（から）", [["", "指定なし"], ...years.map((year) => [year, `${year}年度`])]);
    select("year_to", "年度（まで）", [["", "指定なし"], ...years.map((year) => [year, `${year}年度`])]);
  }
  const municipalities = results.facets.municipality.map((facet) => facet.value);
  if (municipalities.length > 1 || state.municipality) {
    select("municipality", "自治体", [["", "すべて"], ...municipalities.map((name) => [name, name])]);
  }
  // Nothing to order with fewer than two results.
  const sorts = state.q ? SORTS : BROWSE_SORTS;
  if (results.total > 1) select("sort", "並び順", sorts.map(([value, text]) => [value === "relevance" ? "" : value, text]));
}

// A choice to narrow or browse by, with the items it gives: 「教育部　11件」.
function facetLink(href, label, count) {
  return element("a", { href, "data-nav": "", class: "facet" }, [
    element("span", { text: label }),
    element("span", { class: "count", text: `${count}件` }),
  ]);
}

function renderFacets(results, state) {
  const panel = $("facets-panel");
  const counted = results.facets.department.filter((facet) => facet.count > 0);
  panel.hidden = counted.length === 0;
  // On a phone the list starts folded, so the first result is on the first screen.
  panel.open = window.matchMedia("(min-width: 721px)").matches;
  const list = element("ul");
  const all = counted.reduce((sum, facet) => sum + facet.count, 0);
  const entries = [{ value: "", label: "すべての部署", count: all }]
    .concat(counted.map((facet) => ({ value: facet.value, label: facet.value, count: facet.count })));
  for (const entry of entries) {
    const link = facetLink(searchUrl(state, { department: entry.value }), entry.label, entry.count);
    if (entry.value === state.department) link.setAttribute("aria-current", "true");
    list.append(element("li", {}, [link]));
  }
  $("facets").replaceChildren(list);
}

// In the server's order. A hit only meaning found carries a badge in its
// heading, so it is heard when moving by headings too; the first of them,
// when hits that matched words come before it, follows a line saying so
// (relaxed word matches may still come between meaning's).
function renderHits(results) {
  const list = $("results");
  list.replaceChildren();
  let wordsBefore = false;
  let meaningBefore = false;
  const headings = results.hits.map((hit) => hit.policy);
  for (const hit of results.hits) {
    const byMeaning = foundOnlyByMeaning(hit);
    if (byMeaning && wordsBefore && !meaningBefore) {
      list.append(element("li", { class: "divider", text: "ここからは、意味の近い項目も表示しています" }));
    }
    wordsBefore ||= !byMeaning;
    meaningBefore ||= byMeaning;
    const snippet = element("p", { class: "snippet" });
    snippet.innerHTML = hit.snippet; // escaped by the server; only <mark> is markup
    const link = element("a", { href: `/items/${encodeURIComponent(hit.id)}`, "data-nav": "", class: "hit-link", text: hit.policy });
    // Where the heading matched, it is marked as the snippet is (escaped by the server; only <mark> is markup).
    if (hit.policy_snippet) link.innerHTML = hit.policy_snippet;
    // Items under one heading would be links of one name: each also says how it begins.
    if (headings.indexOf(hit.policy) !== headings.lastIndexOf(hit.policy)) {
      link.append(element("span", { class: "hit-lead", text: `：${excerpt(hit.text, LEAD_CHARS)}` }));
    }
    const title = element("h2", { class: "hit-title" }, [link]);
    if (byMeaning) title.prepend(element("span", { class: "badge", text: "意味の近い項目" }));
    const item = element("li", { class: byMeaning ? "hit by-meaning" : "hit" }, [
      title,
      element("p", { class: "crumbs", text: [hit.municipality, hit.department, ...(hit.path || [])].filter(Boolean).join(" › ") }),
      snippet,
    ]);
    if (hit.missing_words && hit.missing_words.length > 0) {
      item.append(element("p", { class: "missing", text: `一致しない語：${hit.missing_words.join("・")}` }));
    }
    item.append(element("p", { class: "source", text: `出典：${sourceName(hit)}` }));
    list.append(item);
  }
}

// The document an item comes from: its title and year, not a file name.
function sourceName(item) {
  const title = item.source.title || item.source.file;
  return title.includes(item.year) ? title : `${title}（${item.year}）`;
}

function renderPastTheEnd(results, state) {
  const last = Math.min(Math.ceil(results.total / PAGE_SIZE), LAST_SERVED_PAGE);
  $("results").replaceChildren(element("li", { class: "help" }, [
    element("a", { href: searchUrl(state, { page: last }), "data-nav": "", text: `最後のページ（${last}ページ目）へ` }),
  ]));
}

// Nothing found: what to try, the index's words near the query, and the filters to drop.
function renderHelp(results, state) {
  const tips = element("ul", { class: "tips" });
  if (state.q) {
    tips.append(
      element("li", { text: "語の数を減らすか、短い語にしてみてください。" }),
      element("li", { text: "漢字がわからないときは、ひらがなで入力できます（例：としょかん）。" }),
    );
  }
  if (narrows(state)) {
    const unfiltered = { department: "", municipality: "", year_from: "", year_to: "" };
    tips.append(element("li", {}, [element("a", { href: searchUrl(state, unfiltered), "data-nav": "", text: "絞り込みを解除して探す" })]));
  }
  const help = element("li", { class: "help" }, [tips]);
  if (results.nearby && results.nearby.length > 0) {
    const offer = element("p", { class: "nearby", text: "もしかして：" });
    for (const word of results.nearby) {
      offer.append(element("a", { href: searchUrl({ q: word.text }), "data-nav": "", text: word.text }), " ");
    }
    help.prepend(offer);
  }
  $("results").replaceChildren(help);
}

// A window of pages around the current one, never past what the API serves.
function renderPager(total, state) {
  const pager = $("pager");
  pager.replaceChildren();
  const pages = Math.min(Math.ceil(total / PAGE_SIZE), LAST_SERVED_PAGE);
  if (pages <= 1) return;
  const list = element("ul");
  const add = (label, target, current = false) => {
    const link = element("a", { href: searchUrl(state, { page: target }), "data-nav": "", text: label });
    if (current) link.setAttribute("aria-current", "page");
    // The name starts with what the link shows (WCAG 2.5.3: a resident who
    // says 「次へ」 to a voice browser finds it), then says where it goes.
    if (label !== String(target)) link.setAttribute("aria-label", `${label}（${target}ページ目）`);
    list.append(element("li", {}, [link]));
  };
  const gap = () => list.append(element("li", { class: "gap", "aria-hidden": "true", text: "…" }));
  if (state.page > 1) add("前へ", Math.min(state.page - 1, pages));
  const from = Math.max(1, state.page - PAGER_SPAN);
  const to = Math.min(pages, state.page + PAGER_SPAN);
  if (from > 1) add("1", 1);
  if (from > 2) gap();
  for (let number = from; number <= to; number += 1) add(String(number), number, number === state.page);
  if (to < pages - 1) gap();
  if (to < pages) add(String(pages), pages);
  if (state.page < pages) add("次へ", state.page + 1);
  pager.append(list);
}

async function renderItem(id, current) {
  const encoded = encodeURIComponent(id);
  const item = await api(`/api/documents/${encoded}`, current.signal);
  const siblings = (await api(`/api/documents/${encoded}/siblings`, current.signal)).items;
  if (!current.isLatest()) return;
  showView("item");
  document.title = `${item.policy}（${item.department}） - 方針検索`;
  $("status").textContent = `${item.department}の項目を表示しています。`;
  const view = $("item-view");
  const heading = element("h1", { text: item.policy, tabindex: "-1" });
  const source = element("dd", { text: sourceName(item) });
  if (item.source.url) {
    source.append("　", element("a", { href: item.source.url, rel: "noopener", text: "公開元を開く" }));
  }
  const facts = element("dl", { class: "facts" }, [
    element("dt", { text: "部署" }), element("dd", { text: item.department }),
    element("dt", { text: "方針" }), element("dd", { text: item.policy }),
    element("dt", { text: "年度" }), element("dd", { text: `${item.year}（${item.fiscal_year}年度）` }),
    element("dt", { text: "出典" }), source,
  ]);
  view.replaceChildren(
    backLinks(item),
    element("p", { class: "crumbs", text: [item.municipality, item.department].filter(Boolean).join(" › ") }),
    heading,
    element("p", { class: "fulltext", text: item.text }),
    facts,
  );
  if (siblings.length > 0) {
    const list = element("ul", { class: "siblings" });
    for (const sibling of siblings) {
      list.append(element("li", {}, [
        element("a", { href: `/items/${encodeURIComponent(sibling.id)}`, "data-nav": "", text: sibling.text }),
      ]));
    }
    view.append(element("h2", { text: "同じ方針の項目" }), list);
  }
  const similar = element("section", { class: "similar", hidden: "" });
  view.append(similar);
  showSimilar(encoded, new Set(siblings.map((sibling) => sibling.id)), similar, current);
}

// Up to SIMILAR_ITEMS items near this one in meaning, but those already listed
// under the same heading, once they come: the item is shown without waiting
// for them, and without them (meaning off, still computing, an error) the
// section stays hidden. Each is linked by its text, as the siblings are, and
// placed by city, department, heading and year.
async function showSimilar(encoded, listed, section, current) {
  const limit = Math.min(SIMILAR_ITEMS + listed.size, MAX_SIMILAR_ASKED);
  let items;
  try {
    items = (await api(`/api/documents/${encoded}/similar?limit=${limit}`, current.signal)).items;
  } catch {
    return;
  }
  if (!current.isLatest() || !Array.isArray(items)) return;
  items = items.filter((item) => !listed.has(item.id)).slice(0, SIMILAR_ITEMS);
  if (items.length === 0) return;
  const list = element("ul", { class: "similar-items" });
  for (const item of items) {
    const place = [item.municipality, item.department, `${item.policy}（${item.fiscal_year}年度）`];
    list.append(element("li", {}, [
      element("a", { href: `/items/${encodeURIComponent(item.id)}`, "data-nav": "", text: excerpt(item.text) }),
      element("p", { class: "crumbs", text: place.filter(Boolean).join(" › ") }),
    ]));
  }
  section.replaceChildren(
    element("h2", { id: "similar-heading", text: "意味の近い項目" }),
    element("p", { class: "similar-note", text: "言葉は違っても、内容の近い項目です。" }),
    list,
  );
  section.setAttribute("aria-labelledby", "similar-heading");
  section.hidden = false;
}

// An item's text, cut to a line or two.
function excerpt(text, length = EXCERPT_CHARS) {
  const characters = [...text];
  return characters.length > length ? characters.slice(0, length).join("") + "…" : text;
}

// Back to the results this item was opened from; opened from a shared link,
// there are none, so offer searches for its heading instead.
function backLinks(item) {
  if (navigatedWithin) {
    const back = element("a", { href: "/", class: "back", text: "← 検索結果に戻る" });
    back.addEventListener("click", (event) => {
      event.preventDefault();
      history.back();
    });
    return element("p", {}, [back]);
  }
  const byHeading = { q: item.policy };
  return element("p", { class: "back" }, [
    element("a", { href: searchUrl(byHeading), "data-nav": "", text: `「${item.policy}」で検索する` }),
    "　",
    element("a", { href: searchUrl(byHeading, { department: item.department }), "data-nav": "", text: `${item.department}の項目から探す` }),
  ]);
}

// A printed page says where and when it was printed.
function notePrinted() {
  // Readable on paper: 図書館, not %E5%9B%B3….
  $("printed").textContent = `${readableAddress()}（${new Date().toLocaleDateString("ja-JP")} 印刷）`;
}

// The page's address with its escapes undone, where they decode.
function readableAddress() {
  try {
    return decodeURI(location.href);
  } catch {
    return location.href;
  }
}

// The search box: suggestions while typing, never in the middle of IME
// composition; arrow keys move through them, Enter picks one, Escape closes.
function setUpSearchBox() {
  const input = $("q");
  const list = $("suggestions");
  let composing = false;
  let timer = 0;
  let active = -1;
  // The latest suggestion request; a search, a choice or a newer keystroke retires the older.
  let latest = 0;

  const close = () => {
    clearTimeout(timer);
    latest += 1;
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((option, position) => option.setAttribute("aria-selected", String(position === index)));
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    else input.removeAttribute("aria-activedescendant");
  };
  const choose = (text) => {
    close();
    navigate(searchUrl({ q: text }));
  };
  const fetchSuggestions = async () => {
    const prefix = input.value.trim();
    const request = ++latest;
    if (!prefix) return close();
    let body;
    try {
      body = await api("/api/suggest?" + new URLSearchParams({ q: prefix, limit: "8" }));
    } catch {
      return request === latest ? close() : undefined;
    }
    if (request !== latest || composing) return;
    list.replaceChildren();
    body.suggestions.forEach((suggestion, index) => {
      const option = element("li", { id: `suggestion-${index}`, role: "option", "aria-selected": "false" }, [
        element("span", { text: suggestion.text }),
        element("span", { class: "reading", text: suggestion.reading }),
      ]);
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(suggestion.text);
      });
      list.append(option);
    });
    const open = body.suggestions.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    active = -1;
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, SUGGEST_DELAY_MS);
  };

  input.addEventListener("compositionstart", () => {
    composing = true;
    clearTimeout(timer);
  });
  input.addEventListener("compositionend", () => {
    composing = false;
    schedule();
  });
  input.addEventListener("input", (event) => {
    if (composing || event.isComposing) return;
    schedule();
  });
  // Closed a moment after focus leaves (a click on an option lands first), unless it came back.
  input.addEventListener("blur", () => setTimeout(() => document.activeElement !== input && close(), 100));
  input.addEventListener("keydown", (event) => {
    if (event.isComposing || composing) return;
    const options = list.querySelectorAll("[role=option]");
    if (event.key === "ArrowDown" && options.length > 0) {
      event.preventDefault();
      highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && options.length > 0) {
      event.preventDefault();
      highlight((active - 1 + options.length) % options.length);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(options[active].firstChild.textContent);
    } else if (event.key === "Escape" && !list.hidden) {
      // Only the list closes: a search box's own Escape would also erase what was typed.
      event.preventDefault();
      close();
    }
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (composing) return;
    const query = input.value.trim();
    close();
    if (query) navigate(searchUrl({ q: query }));
  });
}
