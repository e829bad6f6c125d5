//! Relevance, case by case: each way residents type Japanese finds its item.

use hoshin_search::{Hit, SearchEngine, SearchMode, SearchRequest, SearchResults};

use hoshin_indexer::seed::read_seed_file;

use crate::util::{other_cities, seed, seed_file};

fn search(engine: &SearchEngine, query: &str) -> SearchResults {
    let request = SearchRequest::new(query);
    engine.search(&request).unwrap()
}

fn ids(results: &SearchResults) -> Vec<String> {
    results.hits.iter().map(|hit| hit.item.id.trim_start_matches("komae-2022-policies-").to_string()).collect()
}

/// (query, item that must be among the first `within` hits, what it probes)
const CASES: &[(&str, &str, usize, &str)] = &[
    ("ＤＸ研修", "005", 2, "full-width latin"),
    ("dx研修", "005", 2, "lower-case latin"),
    ("ＯＪＴ", "022", 1, "full-width abbreviation"),
    ("ｵﾝﾗｲﾝ手続", "040", 2, "half-width katakana"),
    ("としょかん", "009", 3, "hiragana reading of a kanji word"),
    ("ぼうはん", "018", 1, "hiragana reading of a kanji word"),
    ("わくちん", "046", 2, "hiragana spelling of a katakana word"),
    ("センタ", "009", 5, "katakana without its prolonged sound mark"),
    ("職員を育成します", "023", 3, "inflection"),
    ("子供の医療費", "062", 2, "variant 子供/子ども across heading and text"),
    ("障害者", "048", 1, "variant 障害/障がい"),
    ("空き家", "097", 1, "variant 空き家/空家"),
    ("一歩一歩", "097", 3, "OCR variant 步 in the heading"),
    ("寄付", "043", 3, "variant 寄付/寄附"),
    ("脱炭素", "073", 3, "synonym ゼロカーボン"),
    ("ふるさと納税", "044", 1, "literal beats synonym 寄附"),
    ("コロナ対策", "053", 3, "abbreviation コロナ"),
    ("マイナンバー", "041", 2, "user dictionary word"),
    ("ぴったりサービス", "071", 1, "near miss: びたり printed for ぴったり"),
    ("狛江らしい地域包括ケアシステム", "056", 3, "near miss: 粕江 printed for 狛江"),
    ("ごみの減量", "088", 3, "particle in the query"),
    ("議会の電子化", "116", 1, "words split between heading and text"),
];

/// Asserts that each case's item is among the first hits `engine` gives.
fn assert_each_finds_its_item(engine: &SearchEngine, cases: &[(&str, &str, usize, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(query, expected, within, probe)| {
            let found = ids(&search(engine, query));
            let rank = found.iter().position(|id| id.ends_with(expected));
            rank.is_none_or(|rank| rank >= within)
                .then(|| format!("{query} ({probe}): wanted {expected} in the first {within}, got {found:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_way_of_typing_finds_its_item() {
    assert_each_finds_its_item(seed().engine(), CASES);
}

/// (query, item of `tests/data/other-cities` that must be among the first
/// `within` hits, what it probes): each kind of text or typing the seed does
/// not show, in examples of its own.
const OTHER_CITY_CASES: &[(&str, &str, usize, &str)] = &[
    ("スマホ", "001", 1, "abbreviation: same lexeme in Sudachi's synonym dictionary"),
    ("コンビニ", "003", 1, "abbreviation: same lexeme in Sudachi's synonym dictionary"),
    ("結婚", "002", 1, "related word in Sudachi's synonym dictionary, when nothing else matches"),
    ("子供の遊び場", "007", 1, "resident phrase, with a spelling variant"),
    ("家賃の補助", "008", 1, "resident phrase"),
    ("学校の働き方改革", "010", 1, "旧字体 學 in the text"),
    ("民生委員", "011", 1, "CJK radical ⺠ in the text"),
    ("障がい者の就労", "012", 1, "a line wrap inside a word of the text"),
    ("地域包括支援センター", "013", 1, "a line wrap inside a word of the text"),
    ("キャッシュレス", "014", 1, "small kana lost in the text"),
    ("10周年", "015", 1, "kanji numeral in the text"),
    ("三か年", "016", 1, "arabic numeral in the text"),
    ("第2次地域防災計画", "005", 1, "arabic numeral in the query"),
    ("H30 電子申請", "001", 1, "era abbreviation naming the fiscal year"),
    ("2019年度 避難", "005", 2, "western year naming the fiscal year"),
    ("児童間", "007", 1, "same-reading misspelling"),
    ("ぼうさい", "005", 2, "hiragana reading"),
    ("jidoukan", "007", 1, "romaji"),
    ("じどう館", "007", 1, "kana then kanji, mid-conversion"),
    ("ハサードマツプ", "004", 1, "dakuten and small kana lost in the query"),
    ("はざーどまっぷ", "004", 1, "hiragana for a katakana word"),
];

#[test]
fn other_cities_text_and_new_ways_of_typing_find_their_item() {
    assert_each_finds_its_item(other_cities(), OTHER_CITY_CASES);
}

#[test]
fn a_word_in_the_index_never_pulls_in_its_homophones() {
    let found = ids(&search(other_cities(), "公園"));
    assert!(found.iter().any(|id| id.ends_with("016")), "{found:?}");
    assert!(!found.iter().any(|id| id.ends_with("018")), "講演 sounds like 公園 but 公園 matched: {found:?}");
}

#[test]
fn a_synonym_ranks_below_the_word_as_typed_and_says_so() {
    let engine = other_cities();
    let results = search(engine, "スマートフォン");
    assert!(ids(&results)[0].ends_with("001"));
    let widened = search(engine, "スマホ");
    let expansion = widened.expansions.iter().find(|expansion| expansion.to == "スマートフォン");
    assert_eq!(expansion.map(|expansion| expansion.kind), Some("synonym"), "{:?}", widened.expansions);
    assert!(widened.hits[0].score < results.hits[0].score, "the literal word scores more");
}

#[test]
fn related_words_wait_until_the_words_as_typed_find_nothing() {
    // ごみ is also in Sudachi's group of 埃 (dust): only a clause that finds
    // nothing gets related words.
    let results = search(seed().engine(), "ごみ");
    assert!(results.total > 0);
    assert!(results.expansions.iter().all(|expansion| expansion.kind != "related"), "{:?}", results.expansions);
}

#[test]
fn width_and_case_variants_rank_identically() {
    let engine = seed().engine();
    let reference = ids(&search(engine, "DX研修"));
    for variant in ["ＤＸ研修", "dx研修", "Dx研修"] {
        assert_eq!(ids(&search(engine, variant)), reference, "{variant}");
    }
}

#[test]
fn every_spelling_and_inflection_finds_every_item_written_any_of_those_ways() {
    let engine = seed().engine();
    let items = read_seed_file(&seed_file()).unwrap();
    let groups: [(&[&str], &[&str]); 3] = [
        (&["取り組み", "取組", "取組み"], &["取組"]),
        (&["取り組む", "取り組みます"], &["取り組む", "取り組みます"]),
        (&["育成する", "育成します", "育成し"], &["育成"]),
    ];
    for (queries, spellings) in groups {
        let written: Vec<String> = items
            .iter()
            .filter(|item| {
                spellings.iter().any(|spelling| item.text.contains(spelling) || item.policy.contains(spelling))
            })
            .map(|item| item.id.trim_start_matches("komae-2022-policies-").to_string())
            .collect();
        assert!(!written.is_empty(), "{spellings:?}");
        for query in queries {
            let request = SearchRequest { limit: 100, ..SearchRequest::new(query) };
            let found = ids(&engine.search(&request).unwrap());
            let missed: Vec<&String> = written.iter().filter(|id| !found.contains(id)).collect();
            assert!(missed.is_empty(), "{query} misses {missed:?}");
        }
    }
}

#[test]
fn the_word_as_typed_outranks_its_synonyms() {
    let engine = seed().engine();
    let results = search(engine, "廃棄物");
    let first_synonym_only = results.hits.iter().position(|hit| !hit.item.text.contains("廃棄物")).unwrap();
    assert!(results.hits[..first_synonym_only].iter().any(|hit| hit.item.text.contains("廃棄物")));
    assert!(
        results.hits[first_synonym_only..].iter().all(|hit| !hit.item.text.contains("廃棄物")),
        "every item with the literal word comes before the ones found through ごみ"
    );
}

#[test]
fn an_exact_match_outranks_a_near_miss() {
    let engine = seed().engine();
    let exact = search(engine, "粕江らしい地域包括ケアシステム");
    let near = search(engine, "狛江らしい地域包括ケアシステム");
    assert!(exact.hits[0].score > near.hits[0].score * 2.0, "{} vs {}", exact.hits[0].score, near.hits[0].score);
}

#[test]
fn the_department_counts_when_named() {
    let engine = seed().engine();
    let results = search(engine, "教育部 DX");
    assert_eq!(results.hits[0].item.department, "教育部");
    assert!(results.hits[0].item.text.contains("DX"));
}

#[test]
fn too_few_exact_matches_are_followed_by_partial_ones_that_say_what_they_miss() {
    let engine = seed().engine();
    let results = search(engine, "ワクチン接種");
    assert_eq!(ids(&results)[0], "046");
    let relaxation = results.relaxation.as_ref().expect("relaxed");
    assert_eq!(relaxation.exact_total, 1);
    let partial = results.hits.iter().find(|hit| hit.item.id.ends_with("047")).expect("047 follows");
    assert_eq!(partial.missing_words, ["接種"]);
    assert!(results.hits[0].missing_words.is_empty());
}

/// (query, item, within, what it probes): the words residents type slightly
/// wrong, which find nothing as typed; each kind is named by the expansion
/// that matched.
const WIDENED_CASES: &[(&str, &str, usize, &str)] = &[
    ("ほいくじょ", "068", 3, "voicing in a compound: 保育所 read ホイクショ, typed じょ"),
    ("ひなんじょ", "084", 1, "voicing in a compound: 避難所"),
    ("ワクチンの摂種", "046", 1, "a slip inside a longer query: 摂種 read as 接種, ワクチン kept"),
    ("マイナカードを作りたい", "042", 2, "a wish: マイナカード required, 作りたい not"),
    ("国保はいつまで", "054", 1, "a question: 国保 required, いつ not"),
    ("ハイク", "096", 1, "a clipped katakana word with its dakuten lost: バイシクル"),
    ("交安", "096", 1, "a clipped kanji compound: 交通安全"),
    ("総防", "016", 1, "a clipped kanji compound: 総合防災"),
    ("末来戦略", "011", 3, "a lookalike character: 末 for 未"),
    ("地域往民", "052", 3, "a lookalike character: 往 for 住"),
];

#[test]
fn words_typed_slightly_wrong_find_their_item() {
    assert_each_finds_its_item(seed().engine(), WIDENED_CASES);
}

#[test]
fn each_widening_is_named_in_the_answer() {
    let engine = seed().engine();
    for (query, kind, to) in [
        ("ほいくじょ", "sound_alike", "ホイクショ"),
        ("ハイク", "clipped", "バイシクルシティ"),
        ("交安", "clipped", "交通安全"),
        ("末来戦略", "lookalike", "未来戦略"),
    ] {
        let results = search(engine, query);
        assert!(
            results.expansions.iter().any(|expansion| expansion.kind == kind && expansion.to == to),
            "{query}: {:?}",
            results.expansions
        );
        let explained = engine.search(&SearchRequest { explain: true, ..SearchRequest::new(query) }).unwrap();
        let explanation = explained.hits[0].explanation.as_ref().expect("explained");
        let matched = explanation["expansions"].as_array().expect("expansions explained");
        assert!(matched.iter().any(|expansion| expansion["kind"] == kind), "{query}: {explanation}");
    }
}

#[test]
fn a_slip_inside_a_longer_query_is_corrected_and_the_other_words_kept() {
    let results = search(seed().engine(), "ワクチンの摂種");
    assert_eq!(ids(&results)[0], "046");
    assert!(results.hits[0].missing_words.is_empty(), "046 matches ワクチン and 接種 for 摂種");
    assert!(results.expansions.iter().any(|expansion| expansion.from == "摂種" && expansion.to == "セッシュ"));
}

#[test]
fn a_wish_or_a_question_requires_its_topic_and_says_what_it_left_out() {
    let engine = seed().engine();
    let results = search(engine, "マイナカードを作りたい");
    let relaxation = results.relaxation.as_ref().expect("relaxed");
    assert_eq!(relaxation.words, ["マイナカード", "作り"]);
    assert_eq!(results.hits[0].missing_words, ["作り"]);
}

#[test]
fn when_no_item_matches_most_words_items_matching_any_follow() {
    let engine = seed().engine();
    let results = search(engine, "子育て 図書館 防災");
    let relaxation = results.relaxation.as_ref().expect("relaxed");
    assert_eq!((relaxation.exact_total, relaxation.minimum_matched), (0, 1));
    assert!(results.total > 10, "{}", results.total);
    for hit in &results.hits {
        assert!(hit.missing_words.len() < 3, "{}: {:?}", hit.item.id, hit.missing_words);
    }
}

#[test]
fn a_compound_swapped_in_is_highlighted_only_where_it_stands_whole() {
    let engine = seed().engine();
    let results = engine.search(&SearchRequest { limit: 100, ..SearchRequest::new("ＤＸ") }).unwrap();
    assert!(results.expansions.iter().any(|expansion| expansion.to == "デジタル化"), "{:?}", results.expansions);
    for hit in &results.hits {
        assert!(!hit.snippet.contains("<mark>化</mark>"), "{}", hit.snippet);
    }
}

#[test]
fn analysis_lists_what_a_search_widens_a_word_that_finds_nothing_with() {
    let expansions = seed().engine().expansions("ハイク").unwrap();
    let kinds: Vec<&str> = expansions.iter().map(|expansion| expansion.kind).collect();
    assert!(kinds.contains(&"related") && kinds.contains(&"clipped"), "{expansions:?}");
}

#[test]
fn a_kana_word_is_not_matched_by_the_pieces_the_dictionary_cuts_it_into() {
    // IPADIC cuts こそだてしえん into こそ, だて, し, えん; し alone is in nearly every item.
    let request = SearchRequest { mode: SearchMode::Lexical, ..SearchRequest::new("こそだてしえん") };
    let results = seed().engine().search(&request).unwrap();
    assert!(results.total < 10, "{}", results.total);
    let holds = |hit: &Hit| hit.item.text.contains("子育て支援") || hit.item.policy.contains("子育て支援");
    assert!(results.hits.iter().all(holds), "{:?}", ids(&results));
}

#[test]
fn kana_queries_highlight_the_words_they_spell() {
    let engine = seed().engine();
    let results = search(engine, "としょかん");
    assert!(results.hits[0].snippet.contains("<mark>図書館</mark>"), "{}", results.hits[0].snippet);
}

#[test]
fn inflected_words_are_highlighted_in_their_written_form() {
    let engine = seed().engine();
    let results = search(engine, "育成する");
    assert!(results.hits.iter().any(|hit| hit.snippet.contains("<mark>育成</mark>し")));
}
