//! The whole application in process over the real seed index: results,
//! facets, filters, snippets and errors, through the real router.

use serde_json::Value;

use crate::util::{encode, hit_ids, seed, Client, TestApp};

const LIBRARY_ITEMS: [&str; 3] = ["komae-2022-policies-009", "komae-2022-policies-029", "komae-2022-policies-108"];

#[test]
fn the_three_library_items_rank_first_with_highlighted_snippets() {
    let server = &seed().app;
    let results = server.search(&format!("q={}", encode("図書館")));
    let mut top_three = hit_ids(&results);
    top_three.truncate(3);
    top_three.sort();
    assert_eq!(top_three, LIBRARY_ITEMS);
    assert_eq!(results["query"], "図書館");
    assert!(results["took_ms"].as_f64().unwrap() >= 0.0);
    for hit in results["hits"].as_array().unwrap().iter().take(3) {
        assert!(hit["snippet"].as_str().unwrap().contains("<mark>図書館</mark>"), "{hit}");
        assert!(hit["text"].as_str().unwrap().contains("図書館"));
        assert_eq!(hit["fiscal_year"], 2022);
        assert_eq!(hit["year"], "令和4年度");
        assert!(hit["score"].as_f64().unwrap() > 0.0);
        assert_eq!(hit["source"]["file"], "komae-2022-policies.txt");
    }
}

#[test]
fn hits_carry_the_original_text_unchanged() {
    let server = &seed().app;
    let results = server.search(&format!("q={}", encode("ＤＸ研修")));
    let texts: Vec<&str> =
        results["hits"].as_array().unwrap().iter().map(|hit| hit["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|text| text.starts_with("DX研修の実施及びDX推進監による実務研修")), "{texts:?}");
    let first = &results["hits"][0];
    assert!(first["snippet"].as_str().unwrap().contains("<mark>DX</mark>"), "{first}");
}

#[test]
fn facets_count_the_whole_result_set_not_just_the_page() {
    let server = &seed().app;
    let results = server.search(&format!("q={}&limit=1", encode("推進")));
    let total = results["total"].as_u64().unwrap();
    assert!(total > 20, "推進 is everywhere: {total}");
    assert_eq!(results["hits"].as_array().unwrap().len(), 1);
    let facets = results["facets"]["department"].as_array().unwrap();
    let counted: u64 = facets.iter().map(|facet| facet["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, total);
    let counts: Vec<u64> = facets.iter().map(|facet| facet["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|pair| pair[0] >= pair[1]), "most items first: {counts:?}");
}

#[test]
fn a_department_filter_restricts_hits_and_total_but_not_the_department_facet() {
    let server = &seed().app;
    let unfiltered = server.search(&format!("q={}", encode("DX")));
    let filtered = server.search(&format!("q={}&department={}", encode("DX"), encode("教育部")));
    let hits = filtered["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|hit| hit["department"] == "教育部"));
    let education_count = unfiltered["facets"]["department"]
        .as_array()
        .unwrap()
        .iter()
        .find(|facet| facet["value"] == "教育部")
        .map(|facet| facet["count"].as_u64().unwrap());
    assert_eq!(Some(filtered["total"].as_u64().unwrap()), education_count);
    assert_eq!(filtered["facets"]["department"], unfiltered["facets"]["department"]);
}

#[test]
fn without_a_query_every_item_is_browsed_in_the_documents_order() {
    let server = &seed().app;
    let everything = server.search("limit=100");
    let documents = server.get("/api/health").1["documents"].as_u64();
    assert_eq!(everything["total"].as_u64(), documents);
    let departments = everything["facets"]["department"].as_array().unwrap();
    assert!(departments.len() > 5, "{departments:?}");
    let welfare = &departments.iter().find(|facet| facet["value"] == "福祉保健部").unwrap()["count"];
    let browsed = server.search(&format!("department={}&limit=5&offset=5", encode("福祉保健部")));
    assert_eq!(&browsed["total"], welfare);
    assert_eq!(browsed["query"], "");
    let ids = hit_ids(&browsed);
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "in id order: {ids:?}");
    for hit in browsed["hits"].as_array().unwrap() {
        assert_eq!((&hit["department"], &hit["matched_by"]), (&"福祉保健部".into(), &serde_json::json!([])));
        assert!(!hit["snippet"].as_str().unwrap().contains("<mark>"), "nothing typed, nothing marked");
    }
}

#[test]
fn paging_walks_through_the_same_ranking() {
    let server = &seed().app;
    let all = hit_ids(&server.search(&format!("q={}&limit=6", encode("推進"))));
    let first = hit_ids(&server.search(&format!("q={}&limit=3&offset=0", encode("推進"))));
    let second = hit_ids(&server.search(&format!("q={}&limit=3&offset=3", encode("推進"))));
    assert_eq!([first, second].concat(), all);
}

#[test]
fn items_matching_every_word_come_first_phrases_stand_together_and_minus_excludes() {
    let server = &seed().app;
    // Words only: what meaning adds after the word matches is tested in tests/meaning.rs.
    let both = server.search(&format!("q={}&mode=lexical", encode("図書館 ワークショップ")));
    assert_eq!(hit_ids(&both)[0], "komae-2022-policies-029");
    assert_eq!(both["relaxation"]["exact_total"], 1, "{both}");
    assert!(both["hits"][0].get("missing_words").is_none());
    for relaxed in &both["hits"].as_array().unwrap()[1..] {
        assert_eq!(relaxed["missing_words"].as_array().unwrap().len(), 1, "{relaxed}");
    }

    let without = server.search(&format!("q={}&mode=lexical", encode("図書館 -ワークショップ")));
    let mut ids = hit_ids(&without);
    ids.sort();
    assert_eq!(ids, ["komae-2022-policies-009", "komae-2022-policies-108"]);

    let phrase = server.search(&format!("q={}&mode=lexical", encode("\"新図書館整備基本構想\"")));
    let mut ids = hit_ids(&phrase);
    ids.sort();
    assert_eq!(ids, ["komae-2022-policies-009", "komae-2022-policies-029", "komae-2022-policies-108"]);
    let scattered = server.search(&format!("q={}&mode=lexical", encode("\"整備図書館\"")));
    assert_eq!(scattered["total"], 0);
}

#[test]
fn a_substring_of_an_unknown_compound_is_found() {
    let server = &seed().app;
    let results = server.search(&format!("q={}", encode("マイナンバー")));
    let ids = hit_ids(&results);
    assert!(ids.contains(&"komae-2022-policies-041".to_string()), "{ids:?}");
    assert!(ids.contains(&"komae-2022-policies-042".to_string()), "{ids:?}");
}

#[test]
fn documents_are_found_by_id_and_unknown_ids_are_404() {
    let server = &seed().app;
    let (status, item) = server.get("/api/documents/komae-2022-policies-001");
    assert_eq!(status, 200);
    assert_eq!(item["department"], "企画財政部");
    assert_eq!(item["policy"], "持続可能な行財政運営の推進");
    assert_eq!(item["source"]["line"], 7);
    assert!(item.get("score").is_none());

    let (status, body) = server.get("/api/documents/no-such-item");
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "document_not_found");
}

#[test]
fn health_reports_the_documents_indexed() {
    let server = &seed().app;
    let (status, body) = server.get("/api/health");
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["documents"], 118);
}

fn assert_error(server: &TestApp, path_and_query: &str, status: u16, code: &str) {
    let (got_status, body) = server.get(path_and_query);
    assert_eq!((got_status, body["error"]["code"].as_str()), (status, Some(code)), "{path_and_query}: {body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
}

#[test]
fn bad_parameters_are_4xx_json_errors() {
    let server = &seed().app;
    assert_error(server, "/api/search?q=", 400, "empty_query");
    assert_error(server, &format!("/api/search?q={}", encode(" \u{3000} ")), 400, "empty_query");
    for limit in ["0", "101", "-1", "ten", "1.5", ""] {
        assert_error(server, &format!("/api/search?q=a&limit={limit}"), 400, "invalid_limit");
    }
    for offset in ["-1", "abc", "10001", "99999999999999999999999"] {
        assert_error(server, &format!("/api/search?q=a&offset={offset}"), 400, "invalid_offset");
    }
    assert_error(server, &format!("/api/search?q=a&department={}", encode("宇宙部")), 400, "unknown_department");
    // One machine has applied every write it answered: a later position is none of them.
    for after in ["abc", "-1", "9223372036854775808"] {
        assert_error(server, &format!("/api/search?q=a&after={after}"), 400, "invalid_after");
    }
    server.search("q=a&after=0");
    let too_long = "あ".repeat(1001);
    assert_error(server, &format!("/api/search?q={}", encode(&too_long)), 400, "query_too_long");
    let longest = "あ".repeat(1000);
    server.search(&format!("q={}", encode(&longest)));
    server.search("q=a&limit=100&offset=10000");
}

#[test]
fn unknown_routes_and_methods_are_json_errors_too() {
    let server = &seed().app;
    assert_error(server, "/api/nothing-here", 404, "not_found");
    // Outside the API, an address nothing serves is the page's own 404, in Japanese.
    for path in ["/foo/bar", "/items/", "/api"] {
        let (status, _, body) = get_page(server, path, None);
        assert_eq!(status, 404, "{path}");
        assert!(String::from_utf8(body).unwrap().contains("<title>ページが見つかりません"), "{path}");
    }
    let (status, body) = server.request("POST", "/api/search?q=a");
    assert_eq!((status, body["error"]["code"].as_str()), (405, Some("method_not_allowed")));
}

#[test]
fn no_user_string_is_a_syntax_error() {
    let server = &seed().app;
    let hostile = [
        "title:DX",
        "DX AND",
        "(図書館",
        "図書館)",
        "\"",
        "\"\"",
        "-",
        "--",
        "- -",
        "*",
        "?",
        "~2",
        "^3",
        "a:b:c",
        "[1 TO 5]",
        "{",
        "\\",
        "/",
        "!",
        "&&",
        "||",
        "+図書館",
        "-\"図書館\"",
        "、。",
        "😀",
        "e\u{301}",
        "\u{0}",
        "\u{200b}",
        "ｶﾞ",
        "<script>alert(1)</script>",
        "'; DROP TABLE items; --",
        "%",
        "%%",
        "図書館 -図書館",
    ];
    for query in hostile {
        let (status, body) = server.get(&format!("/api/search?q={}", encode(query)));
        assert!(status == 200 || status == 400, "{query:?} answered {status}: {body}");
        assert!(body.is_object(), "{query:?}");
    }
    let (status, _) = server.get("/api/search?q=%ZZ%E3%81");
    assert!(status == 200 || status == 400);
    let (status, body) = server.get("/api/health");
    assert_eq!((status, &body["documents"]), (200, &Value::from(118)));
}

#[test]
fn only_exclusions_return_everything_else() {
    let server = &seed().app;
    let results = server.search(&format!("q={}", encode("-図書館")));
    assert_eq!(results["total"], 115);
}

#[test]
fn analyze_shows_the_terms_of_every_analyzer() {
    let server = &seed().app;
    let (status, body) = server.get(&format!("/api/analyze?text={}", encode("子供を育成します")));
    assert_eq!(status, 200, "{body}");
    let analyzers = body["analyzers"].as_array().unwrap();
    let names: Vec<&str> = analyzers.iter().map(|analysis| analysis["analyzer"].as_str().unwrap()).collect();
    assert_eq!(names, ["surface", "normalized", "reading", "ngram"]);
    let terms = |name: &str| -> Vec<String> {
        let analysis = analyzers.iter().find(|analysis| analysis["analyzer"] == name).unwrap();
        analysis["tokens"].as_array().unwrap().iter().map(|token| token["term"].as_str().unwrap().to_string()).collect()
    };
    assert!(terms("surface").contains(&"子供".to_string()));
    assert!(terms("normalized").contains(&"子ども".to_string()), "{:?}", terms("normalized"));
    assert!(terms("reading").contains(&"コド".to_string()), "{:?}", terms("reading"));
    assert_error(server, "/api/analyze", 400, "empty_query");
}

#[test]
fn explain_attaches_the_scoring_of_each_hit() {
    let server = &seed().app;
    let plain = server.search(&format!("q={}", encode("図書館")));
    assert!(plain["hits"][0].get("explanation").is_none());
    let explained = server.search(&format!("q={}&explain=true", encode("図書館")));
    let explanation = &explained["hits"][0]["explanation"];
    let value = explanation["score"].as_f64().unwrap();
    assert!((value - explained["hits"][0]["score"].as_f64().unwrap()).abs() < 1e-3, "{explanation}");
    let matched = explanation["matched"].as_array().unwrap();
    let text_match = matched.iter().find(|term| term["field"] == "text").expect("the surface text field matched");
    assert_eq!(text_match["term"], "図書館");
    // The word's weight in `text` (3.0) plus its bonus for standing as typed (2.0).
    assert_eq!(text_match["weight"], 5.0);
    let summed: f64 = matched.iter().map(|term| term["score"].as_f64().unwrap()).sum();
    assert!(summed <= value + 1e-3, "term scores are parts of the total: {summed} vs {value}");
    assert_error(server, &format!("/api/search?q={}&explain=maybe", encode("図書館")), 400, "invalid_flag");
}

#[test]
fn suggestions_complete_words_and_their_readings() {
    let server = &seed().app;
    for prefix in ["としょ", "図書", "トショ"] {
        let (status, body) = server.get(&format!("/api/suggest?q={}", encode(prefix)));
        assert_eq!(status, 200, "{body}");
        let texts: Vec<&str> =
            body["suggestions"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
        assert_eq!(texts.first(), Some(&"図書館"), "{prefix}: {texts:?}");
    }
    let (_, body) = server.get(&format!("/api/suggest?q={}&limit=2", encode("ぼう")));
    assert_eq!(body["suggestions"].as_array().unwrap().len(), 2);
    let counts: Vec<u64> =
        body["suggestions"].as_array().unwrap().iter().map(|s| s["count"].as_u64().unwrap()).collect();
    assert!(counts[0] >= counts[1], "most frequent first: {counts:?}");
    assert_error(server, "/api/suggest?q=", 400, "empty_query");
    assert_error(server, &format!("/api/suggest?q={}&limit=21", encode("と")), 400, "invalid_limit");
}

#[test]
fn siblings_are_the_other_items_under_the_same_heading_in_order() {
    let server = &seed().app;
    let (status, body) = server.get("/api/documents/komae-2022-policies-009/siblings");
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["items"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["komae-2022-policies-007", "komae-2022-policies-008"]);
    assert!(body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["policy"] == "人にやさしいまちに向けた取組の推進"));
    let (status, body) = server.get("/api/documents/no-such-item/siblings");
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("document_not_found")));
}

#[test]
fn a_search_that_finds_nothing_carries_its_nearby_words() {
    let server = &seed().app;
    let results = server.search(&format!("q={}", encode("図書券")));
    // No word matches; whatever was found, meaning found.
    assert_eq!(results["total"], results["meaning_total"], "{results}");
    let nearby: Vec<&str> =
        results["nearby"].as_array().unwrap().iter().map(|word| word["text"].as_str().unwrap()).collect();
    assert_eq!(nearby.first(), Some(&"図書館"), "{nearby:?}");
    assert!(nearby.len() <= 5);
    let found = server.search(&format!("q={}", encode("図書館")));
    assert!(found.get("nearby").is_none(), "only a search that finds nothing offers words");
}

fn get_page(server: &TestApp, path: &str, accept_encoding: Option<&str>) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    let mut request = axum::http::Request::builder().uri(path).header("host", "localhost");
    if let Some(encoding) = accept_encoding {
        request = request.header("accept-encoding", encoding);
    }
    server.call(request.body(axum::body::Body::empty()).unwrap())
}

#[test]
fn item_pages_are_titled_by_the_server_and_unknown_items_answer_404() {
    let server = &seed().app;
    let (status, _, body) = get_page(server, "/items/komae-2022-policies-009", None);
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, 200);
    let (_, item) = server.get("/api/documents/komae-2022-policies-009");
    let policy = item["policy"].as_str().unwrap();
    assert!(html.contains(&format!("<title>{policy}（")), "{html}");
    assert!(html.contains("<meta name=\"description\" content=\""), "{html}");

    let (status, _, body) = get_page(server, "/items/no-such-item", None);
    assert_eq!(status, 404);
    assert!(String::from_utf8(body).unwrap().contains("<title>項目が見つかりません"));

    let (status, _, body) = get_page(server, &format!("/?q={}", encode("<図書館>")), None);
    assert_eq!(status, 200);
    assert!(String::from_utf8(body).unwrap().contains("<title>「&lt;図書館&gt;」の検索結果"));
}

/// The addresses the page's shell loads its script and stylesheet from.
fn asset_paths(server: &TestApp) -> [String; 2] {
    let shell = String::from_utf8(get_page(server, "/", None).2).unwrap();
    let after = |marker: &str| shell.split(marker).nth(1).unwrap().split('"').next().unwrap().to_string();
    [after("<script src=\""), after("<link rel=\"stylesheet\" href=\"")]
}

#[test]
fn pages_scripts_and_answers_are_compressed_when_the_client_accepts_it() {
    let server = &seed().app;
    let [script, style] = asset_paths(server);
    for (path, encoding) in [
        ("/", "gzip"),
        (script.as_str(), "br"),
        (style.as_str(), "gzip"),
        ("/api/search?q=%E5%9B%B3%E6%9B%B8%E9%A4%A8", "br"),
    ] {
        let (status, headers, _) = get_page(server, path, Some(encoding));
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers.get("content-encoding").map(|value| value.to_str().unwrap()), Some(encoding), "{path}");
        let (_, plain, _) = get_page(server, path, None);
        assert!(plain.get("content-encoding").is_none(), "{path}");
    }
    let (status, headers, _) = get_page(server, "/favicon.svg", None);
    assert_eq!((status, headers.get("content-type").unwrap().to_str().unwrap()), (200, "image/svg+xml"));
}

#[test]
fn suggestions_read_words_as_they_stand_in_the_text_and_leave_out_kana_fragments() {
    let server = &seed().app;
    let offered = |prefix: &str| -> Vec<(String, String)> {
        let (status, body) = server.get(&format!("/api/suggest?q={}&limit=8", encode(prefix)));
        assert_eq!(status, 200);
        body["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|word| (word["text"].as_str().unwrap().to_string(), word["reading"].as_str().unwrap().to_string()))
            .collect()
    };
    // 年生 as in 1年生 is ネンセイ, not トシセイ as 年 + 生 alone would be.
    assert!(offered("ねんせい").contains(&("年生".to_string(), "ネンセイ".to_string())), "{:?}", offered("ねんせい"));
    assert!(!offered("とし").iter().any(|(text, _)| text == "年生"), "{:?}", offered("とし"));
    // こま is 狛江 cut short, not a word of its own.
    assert_eq!(offered("こま").first().map(|(text, _)| text.as_str()), Some("狛江"));
    assert!(!offered("こま").iter().any(|(text, _)| text == "こま"), "{:?}", offered("こま"));
}

#[test]
fn exact_searches_the_words_as_typed_and_nothing_they_were_widened_with() {
    let server = &seed().app;
    // A synonym, then corrections of words that find nothing as typed.
    for (query, found_as_typed) in [("子育て", true), ("kosodate", false), ("往民", false)] {
        let widened = server.search(&format!("q={}&mode=lexical", encode(query)));
        let expansions = widened["expansions"].as_array().map_or(0, Vec::len);
        assert!(expansions > 0 && widened["total"].as_u64() > Some(0), "{query} is widened: {widened}");
        let exact = server.search(&format!("q={}&mode=lexical&exact=true", encode(query)));
        assert_eq!(exact["expansions"], Value::Null, "{query}: {exact}");
        let total = exact["total"].as_u64().unwrap();
        assert_eq!(total > 0, found_as_typed, "{query}: {exact}");
        assert!(Some(total) <= widened["total"].as_u64(), "{query}: {exact}");
    }
    assert_error(server, "/api/search?q=a&exact=yes", 400, "invalid_flag");
}

#[test]
fn assets_are_kept_by_content_name_the_shell_revalidated_and_says_it_needs_javascript() {
    let server = &seed().app;
    for path in asset_paths(server) {
        assert!(path.starts_with("/assets/app.") && path.len() > "/assets/app.js".len() + 8, "{path}");
        let (status, headers, body) = get_page(server, &path, None);
        assert_eq!(status, 200, "{path}");
        assert!(!body.is_empty());
        assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable", "{path}");
    }
    // A name no asset of this release has is not an asset.
    for path in ["/assets/app.js", "/assets/app.0000000000000000.js"] {
        assert_eq!(get_page(server, path, None).0, 404, "{path}");
    }
    for path in ["/", "/favicon.svg"] {
        let (status, headers, _) = get_page(server, path, None);
        assert_eq!((status, &headers["cache-control"]), (200, &"no-cache".parse::<axum::http::HeaderValue>().unwrap()));
        let tag = headers["etag"].to_str().unwrap().to_string();
        let again = axum::http::Request::builder().uri(path).header("if-none-match", &tag);
        let (status, headers, body) = server.call(again.body(axum::body::Body::empty()).unwrap());
        assert_eq!((status, headers["etag"].to_str().unwrap(), body.len()), (304, tag.as_str(), 0), "{path}");
    }
    let shell = String::from_utf8(get_page(server, "/", None).2).unwrap();
    assert!(shell.contains("<noscript><p class=\"message\">この検索ページはJavaScriptを使います。"), "{shell}");
    let other = axum::http::Request::builder().uri("/").header("if-none-match", "W/\"0000\"");
    assert_eq!(server.call(other.body(axum::body::Body::empty()).unwrap()).0, 200, "another tag is another shell");
}

#[test]
fn a_phrase_found_only_in_the_heading_is_marked_there() {
    let server = &seed().app;
    let results = server.search(&format!("q={}&mode=lexical", encode("\"DX戦略\"")));
    let hits = results["hits"].as_array().unwrap();
    let only_in_heading: Vec<&Value> =
        hits.iter().filter(|hit| !hit["text"].as_str().unwrap().contains("DX戦略")).collect();
    assert!(!only_in_heading.is_empty(), "{results}");
    for hit in only_in_heading {
        assert_eq!(hit["policy_snippet"], "狛江市<mark>DX戦略</mark>の推進", "{hit}");
    }
    // A heading with nothing matched carries no copy of itself.
    let library = server.search(&format!("q={}", encode("図書館")));
    assert!(library["hits"].as_array().unwrap().iter().all(|hit| hit.get("policy_snippet").is_none()), "{library}");
}

#[test]
fn metrics_count_requests_by_route_errors_by_code_and_tell_what_the_node_holds() {
    // An application of its own, so that no other test's requests are counted.
    let server = TestApp::new(seed().state.clone(), &hoshin_server::HttpConfig::default());
    for query in ["図書館", "公園", "防災"] {
        server.search(&format!("q={}", encode(query)));
    }
    server.get("/api/documents/komae-2022-policies-001");
    server.get("/api/search?q=");
    server.get("/api/nowhere");
    let (status, headers, body) =
        server.call(axum::http::Request::builder().uri("/metrics").body(axum::body::Body::empty()).unwrap());
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(body).unwrap();
    let value = |series: &str| -> f64 {
        let line = text.lines().find(|line| line.starts_with(series)).unwrap_or_else(|| panic!("{series}:\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(value("hoshin_http_requests_total{method=\"GET\",route=\"/api/search\",status=\"200\"}"), 3.0);
    assert_eq!(value("hoshin_http_requests_total{method=\"GET\",route=\"/api/documents/{id}\",status=\"200\"}"), 1.0);
    assert_eq!(value("hoshin_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"), 1.0);
    assert_eq!(value("hoshin_http_errors_total{code=\"empty_query\"}"), 1.0);
    assert_eq!(value("hoshin_http_errors_total{code=\"not_found\"}"), 1.0);
    assert_eq!(value("hoshin_http_request_duration_seconds_count{route=\"/api/search\"}"), 4.0);
    let documents = server.get("/api/health").1["documents"].as_f64().unwrap();
    assert_eq!(value("hoshin_documents "), documents);
    assert!(value("hoshin_index_bytes ") > 100_000.0);
    assert_eq!(value("hoshin_lag "), 0.0);
    assert_eq!(value("hoshin_rebuilds{outcome=\"failed\"}"), 0.0);
}
