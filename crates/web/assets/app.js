// hoshin's search page. The address is the state: /?q=…&department=…&page=…
// shows results, /items/{id} shows one item, so links can be shared and the
// back button works. Everything from the API is inserted as text, except the
// snippets, which the server escapes and marks up with <mark> only.
"use strict";

const PAGE_SIZE = 10;
const SUGGEST_DELAY_MS = 120;

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

async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

function searchUrl(query, department, page) {
  const params = new URLSearchParams({ q: query });
  if (department) params.set("department", department);
  if (page > 1) params.set("page", String(page));
  return "/?" + params.toString();
}

// Whether this page has pushed history entries of its own, so "back" stays here.
let navigatedWithin = false;

function navigate(url) {
  history.pushState(null, "", url);
  navigatedWithin = true;
  render();
}

// Same-origin links navigate without reloading; modified clicks open normally.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-nav]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", render);
document.addEventListener("DOMContentLoaded", () => {
  setUpSearchBox();
  render();
});

function render() {
  const match = location.pathname.match(/^\/items\/(.+)$/);
  if (match) {
    renderItem(decodeURIComponent(match[1]));
  } else {
    const params = new URLSearchParams(location.search);
    const page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);
    renderSearch(params.get("q") || "", params.get("department") || "", page);
  }
}

async function renderSearch(query, department, page) {
  $("item-view").hidden = true;
  $("q").value = query;
  document.title = query ? `「${query}」の検索結果 - 方針検索` : "方針検索";
  if (!query.trim()) {
    $("results-view").hidden = true;
    $("status").textContent = "キーワードを入力して検索してください。";
    return;
  }
  $("status").textContent = "検索しています…";
  const params = new URLSearchParams({ q: query, limit: String(PAGE_SIZE), offset: String((page - 1) * PAGE_SIZE) });
  if (department) params.set("department", department);
  let results;
  try {
    results = await api("/api/search?" + params.toString());
  } catch (error) {
    $("results-view").hidden = true;
    $("status").textContent = `検索できませんでした：${error.message}`;
    return;
  }
  $("results-view").hidden = false;
  $("status").textContent = results.total > 0
    ? `「${query}」の検索結果 ${results.total}件（${results.took_ms.toFixed(1)}ミリ秒）`
    : `「${query}」に一致する項目は見つかりませんでした。`;
  renderNotice(results);
  renderFacets(results, query, department);
  renderHits(results);
  renderPager(results.total, query, department, page);
  if (results.total === 0) offerNearbyQueries(query);
}

function renderNotice(results) {
  const notice = $("notice");
  const relaxation = results.relaxation;
  notice.hidden = !relaxation;
  if (relaxation) {
    notice.textContent = `すべての語（${relaxation.words.join("・")}）に一致する項目は${relaxation.exact_total}件でした。` +
      "一部の語に一致する項目もその後に表示しています。";
  }
}

function renderFacets(results, query, department) {
  const facets = $("facets");
  facets.replaceChildren(element("h2", { text: "部署" }));
  const list = element("ul");
  const all = results.facets.department.reduce((sum, facet) => sum + facet.count, 0);
  const entries = [{ value: "", label: "すべての部署", count: all }]
    .concat(results.facets.department.map((facet) => ({ value: facet.value, label: facet.value, count: facet.count })));
  for (const entry of entries) {
    const link = element("a", { href: searchUrl(query, entry.value, 1), "data-nav": "", class: "facet" }, [
      element("span", { text: entry.label }),
      element("span", { class: "count", text: `${entry.count}件` }),
    ]);
    if (entry.value === department) link.setAttribute("aria-current", "true");
    list.append(element("li", {}, [link]));
  }
  facets.append(list);
}

function renderHits(results) {
  const list = $("results");
  list.replaceChildren();
  for (const hit of results.hits) {
    const snippet = element("p", { class: "snippet" });
    snippet.innerHTML = hit.snippet; // escaped by the server; only <mark> is markup
    const item = element("li", { class: "hit" }, [
      element("p", { class: "crumbs", text: `${hit.department} › ${hit.policy}` }),
      snippet,
    ]);
    if (hit.missing_words && hit.missing_words.length > 0) {
      item.append(element("p", { class: "missing", text: `一致しない語：${hit.missing_words.join("・")}` }));
    }
    item.append(element("a", { href: `/items/${encodeURIComponent(hit.id)}`, "data-nav": "", class: "open", text: "この項目を開く" }));
    list.append(item);
  }
}

function renderPager(total, query, department, page) {
  const pager = $("pager");
  pager.replaceChildren();
  const pages = Math.ceil(total / PAGE_SIZE);
  if (pages <= 1) return;
  const list = element("ul");
  const add = (label, target, current = false) => {
    const link = element("a", { href: searchUrl(query, department, target), "data-nav": "", text: label });
    if (current) link.setAttribute("aria-current", "page");
    list.append(element("li", {}, [link]));
  };
  if (page > 1) add("前へ", page - 1);
  for (let number = 1; number <= pages; number += 1) add(String(number), number, number === page);
  if (page < pages) add("次へ", page + 1);
  pager.append(list);
}

// With nothing found, suggest words of the index that start like the query.
async function offerNearbyQueries(query) {
  const first = query.trim().split(/\s+/)[0];
  for (let length = first.length; length >= 1; length -= 1) {
    const body = await api("/api/suggest?" + new URLSearchParams({ q: first.slice(0, length), limit: "5" }));
    if (body.suggestions.length > 0) {
      const offer = element("p", { class: "nearby", text: "もしかして：" });
      for (const suggestion of body.suggestions) {
        offer.append(element("a", { href: searchUrl(suggestion.text, "", 1), "data-nav": "", text: suggestion.text }), " ");
      }
      $("results").replaceChildren(element("li", { class: "hit" }, [offer]));
      return;
    }
  }
}

async function renderItem(id) {
  $("results-view").hidden = true;
  const view = $("item-view");
  view.hidden = false;
  view.replaceChildren();
  let item;
  let siblings;
  try {
    item = await api(`/api/documents/${encodeURIComponent(id)}`);
    siblings = (await api(`/api/documents/${encodeURIComponent(id)}/siblings`)).items;
  } catch (error) {
    $("status").textContent = `項目を表示できませんでした：${error.message}`;
    return;
  }
  document.title = `${item.policy} - 方針検索`;
  $("status").textContent = `${item.department}の項目を表示しています。`;
  const back = element("a", { href: "/", class: "back", text: "← 検索結果に戻る" });
  back.addEventListener("click", (event) => {
    if (navigatedWithin) {
      event.preventDefault();
      history.back();
    }
  });
  const facts = element("dl", { class: "facts" }, [
    element("dt", { text: "部署" }), element("dd", { text: item.department }),
    element("dt", { text: "方針" }), element("dd", { text: item.policy }),
    element("dt", { text: "年度" }), element("dd", { text: `${item.year}（${item.fiscal_year}年度）` }),
    element("dt", { text: "出典" }), element("dd", { text: `${item.source.file} ${item.source.line}行目` }),
  ]);
  view.append(
    back,
    element("p", { class: "crumbs", text: `${item.department} › ${item.policy}` }),
    element("h1", { text: item.policy }),
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
  view.querySelector("h1").setAttribute("tabindex", "-1");
  view.querySelector("h1").focus();
}

// The search box: suggestions while typing, never in the middle of IME
// composition; arrow keys move through them, Enter picks one, Escape closes.
function setUpSearchBox() {
  const input = $("q");
  const list = $("suggestions");
  let composing = false;
  let timer = 0;
  let active = -1;
  let latest = 0;

  const close = () => {
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
    navigate(searchUrl(text, "", 1));
  };
  const fetchSuggestions = async () => {
    const prefix = input.value.trim();
    const request = ++latest;
    if (!prefix) return close();
    let body;
    try {
      body = await api("/api/suggest?" + new URLSearchParams({ q: prefix, limit: "8" }));
    } catch {
      return close();
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
  input.addEventListener("blur", () => setTimeout(close, 100));
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
    } else if (event.key === "Escape") {
      close();
    }
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (composing) return;
    const query = input.value.trim();
    close();
    if (query) navigate(searchUrl(query, "", 1));
  });
}
