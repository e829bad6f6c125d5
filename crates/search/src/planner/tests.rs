//! What the planner makes of each kind of input, as the query tree that runs:
//! the first thing to read to know what a query matches, and what fails
//! when a weight or an alternative drifts.

use std::sync::OnceLock;

use hoshin_analysis::{Fields, PreparedAnalysis};
use tantivy::schema::Schema;

use super::*;
use crate::suggest::{Suggester, Suggestion};
use crate::syntax::parse_clauses;
use crate::test_support;

struct Fixture {
    analysis: &'static PreparedAnalysis,
    schema: Schema,
    weights: FieldWeights,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (schema, _) = Fields::build_schema();
        let weights = FieldWeights::resolve(&schema).expect("the weight table names fields of the schema");
        Fixture { analysis: test_support::analysis(), schema, weights }
    })
}

/// The plan of `query`, one line per part: `+` required, `-` excluded,
/// `~` only ranking, `units:` the relaxation units' labels. `escalate` is `None` for the query
/// as typed, or whether every clause finds nothing as typed.
fn plan(query: &str, escalate: Option<bool>) -> Vec<String> {
    let fixture = fixture();
    let planner = Planner::new(&fixture.analysis.analyzers, &fixture.weights, test_support::lists());
    let vocabulary =
        Suggester::of(vec![Suggestion { text: "下水道".into(), reading: "ゲスイドウ".into(), count: 3 }]);
    let plan = match escalate {
        None => planner.plan(&parse_clauses(query), Escalation::Off),
        Some(nothing) => {
            planner.plan(&parse_clauses(query), Escalation::On { finds_nothing: &|_| nothing, vocabulary: &vocabulary })
        }
    };
    let mut lines: Vec<String> =
        plan.required.iter().map(|tree| format!("+{}", tree.render(&fixture.schema))).collect();
    lines.extend(plan.excluded.iter().map(|tree| format!("-{}", tree.render(&fixture.schema))));
    lines.extend(plan.rank_up.iter().map(|tree| format!("~{}", tree.render(&fixture.schema))));
    if !plan.units.is_empty() {
        let labels: Vec<&str> = plan.units.iter().map(|unit| unit.label.as_str()).collect();
        lines.push(format!("units: {}", labels.join(" ")));
    }
    lines.push(format!("escalated: {}", plan.escalated));
    lines
}

/// (what is typed, escalation, the plan).
const CASES: &[(&str, Option<bool>, &[&str])] = &[
    // a word
    (
        "図書館",
        None,
        &[
            "+any(text:\"図書館\"^5, policy:\"図書館\"^1.5, text_normalized:\"図書館\"^2, policy_normalized:\"図書館\"^1, department:\"図書館\"^1.5, text_ngram:[0:図書 1:書館]^1, policy_ngram:[0:図書 1:書館]^0.5)",
            "escalated: false",
        ],
    ),
    // a compound
    (
        "図書館整備",
        None,
        &[
            "+any(all(any(text:\"図書館\"^3, policy:\"図書館\"^1.5), any(text:\"整備\"^3, policy:\"整備\"^1.5)), all(any(text_normalized:\"図書館\"^2, policy_normalized:\"図書館\"^1, department:\"図書館\"^1.5), any(text_normalized:\"整備\"^2, policy_normalized:\"整備\"^1, department:\"整備\"^1.5)), text_ngram:[0:図書 2:館整 3:整備]^3, policy_ngram:[0:図書 2:館整 3:整備]^0.5)",
            "units: 図書館 整備",
            "escalated: false",
        ],
    ),
    // words with a particle between
    (
        "学校の整備",
        None,
        &[
            "+any(all(any(text:\"学校\"^3, policy:\"学校\"^1.5), any(text:\"整備\"^3, policy:\"整備\"^1.5)), all(any(text_normalized:\"学校\"^2, policy_normalized:\"学校\"^1, department:\"学校\"^1.5), any(text_normalized:\"整備\"^2, policy_normalized:\"整備\"^1, department:\"整備\"^1.5)), text:[0:学校 2:整備]^2, text_ngram:[0:学校 2:の整 3:整備]^1, policy_ngram:[0:学校 2:の整 3:整備]^0.5)",
            "units: 学校 整備",
            "escalated: false",
        ],
    ),
    // a quoted compound
    (
        "\"図書館整備\"",
        None,
        &[
            "+any(text_normalized:[0:図書館 1:整備]^2, policy_normalized:[0:図書館 1:整備]^1, department:[0:図書館 1:整備]^1.5, text_ngram:[0:図書 2:館整 3:整備]^4, policy_ngram:[0:図書 2:館整 3:整備]^2)",
            "escalated: false",
        ],
    ),
    // kana the dictionary does not read as one word: its reading and substring, not the pieces
    (
        "ぼうはん",
        None,
        &[
            "+any(text_ngram:[0:ぼう 2:はん]^3, policy_ngram:[0:ぼう 2:はん]^0.5, text_reading:[0:ボウ 2:ハン]^1, policy_reading:[0:ボウ 2:ハン]^0.5)",
            "escalated: false",
        ],
    ),
    // a synonym
    (
        "省エネ",
        None,
        &[
            "+any(text:\"省エネ\"^5, policy:\"省エネ\"^1.5, text_normalized:\"省エネ\"^2, policy_normalized:\"省エネ\"^1, department:\"省エネ\"^1.5, text_ngram:[0:省エ 1:エネ]^1, policy_ngram:[0:省エ 1:エネ]^0.5, text_normalized:\"省エネルギー\"^0.8, policy_normalized:\"省エネルギー\"^0.4, department:\"省エネルギー\"^0.6, text_ngram:[0:省エ 2:ネル 4:ギー]^0.4, policy_ngram:[0:省エ 2:ネル 4:ギー]^0.2)",
            "escalated: false",
        ],
    ),
    // a near miss
    (
        "地域包括ケアシステム",
        Some(false),
        &[
            "+any(all(any(text:\"ケア\"^3, policy:\"ケア\"^1.5), any(text:\"システム\"^3, policy:\"システム\"^1.5), any(text:\"包括\"^3, policy:\"包括\"^1.5), any(text:\"地域\"^3, policy:\"地域\"^1.5)), all(any(text_normalized:\"ケア\"^2, policy_normalized:\"ケア\"^1, department:\"ケア\"^1.5), any(text_normalized:\"システム\"^2, policy_normalized:\"システム\"^1, department:\"システム\"^1.5), any(text_normalized:\"包括\"^2, policy_normalized:\"包括\"^1, department:\"包括\"^1.5), any(text_normalized:\"地域\"^2, policy_normalized:\"地域\"^1, department:\"地域\"^1.5)), text_ngram:[0:地域 2:包括 4:ケア 6:シス 8:テム]^3, policy_ngram:[0:地域 2:包括 4:ケア 6:シス 8:テム]^0.5, at_least_7(text_ngram:\"アシ\", text_ngram:\"ケア\", text_ngram:\"シス\", text_ngram:\"ステ\", text_ngram:\"テム\", text_ngram:\"包括\", text_ngram:\"地域\", text_ngram:\"域包\", text_ngram:\"括ケ\")^0.3, at_least_7(policy_ngram:\"アシ\", policy_ngram:\"ケア\", policy_ngram:\"シス\", policy_ngram:\"ステ\", policy_ngram:\"テム\", policy_ngram:\"包括\", policy_ngram:\"地域\", policy_ngram:\"域包\", policy_ngram:\"括ケ\")^0.3)",
            "units: 地域 包括 ケア システム",
            "escalated: true",
        ],
    ),
    // a fiscal year: matched by text or by the items of that year, which rank up
    (
        "R5年度から",
        None,
        &[
            "+any(all(any(text:\"5\"^3, policy:\"5\"^1.5), any(text:\"r\"^3, policy:\"r\"^1.5), any(text:\"年度\"^3, policy:\"年度\"^1.5)), all(any(text_normalized:\"2023\"^2, policy_normalized:\"2023\"^1, department:\"2023\"^1.5), any(text_normalized:\"年度\"^2, policy_normalized:\"年度\"^1, department:\"年度\"^1.5)), text_ngram:[0:r5 2:年度 4:から]^3, policy_ngram:[0:r5 2:年度 4:から]^0.5, fiscal_year=2023^2)",
            "~fiscal_year=2023^2",
            "units: 2023 年度",
            "escalated: false",
        ],
    ),
    // a half-converted word that finds nothing as typed: its sound-alikes, as the index's words read them
    (
        "下すいどう",
        Some(true),
        &[
            "+any(all(any(text:\"すい\"^3, policy:\"すい\"^1.5), any(text:\"どう\"^3, policy:\"どう\"^1.5), any(text:\"下\"^3, policy:\"下\"^1.5)), all(any(text_normalized:\"すう\"^2, policy_normalized:\"すう\"^1, department:\"すう\"^1.5), any(text_normalized:\"どう\"^2, policy_normalized:\"どう\"^1, department:\"どう\"^1.5), any(text_normalized:\"下\"^2, policy_normalized:\"下\"^1, department:\"下\"^1.5)), text_ngram:[0:下す 2:いど 3:どう]^3, policy_ngram:[0:下す 2:いど 3:どう]^0.5, text_reading:[0:ゲス 2:イド 3:ドウ]^0.5, policy_reading:[0:ゲス 2:イド 3:ドウ]^0.25)",
            "units: 下 すう どう",
            "escalated: true",
        ],
    ),
    // an exclusion
    (
        "図書館 -整備",
        None,
        &[
            "+any(text:\"図書館\"^5, policy:\"図書館\"^1.5, text_normalized:\"図書館\"^2, policy_normalized:\"図書館\"^1, department:\"図書館\"^1.5, text_ngram:[0:図書 1:書館]^1, policy_ngram:[0:図書 1:書館]^0.5)",
            "-any(text:\"整備\"^5, policy:\"整備\"^1.5, text_normalized:\"整備\"^2, policy_normalized:\"整備\"^1, department:\"整備\"^1.5, text_ngram:\"整備\"^1, policy_ngram:\"整備\"^0.5)",
            "escalated: false",
        ],
    ),
];

#[test]
fn each_kind_of_input_plans_the_expected_query_tree() {
    for (query, escalate, expected) in CASES {
        assert_eq!(plan(query, *escalate), *expected, "{query}");
    }
}

#[test]
fn near_misses_are_left_out_until_asked_for() {
    let plan = plan("地域包括ケアシステム", None);
    assert_eq!(plan.last().unwrap(), "escalated: false");
    assert!(!plan[0].contains("at_least"), "{}", plan[0]);
}

#[test]
fn a_clause_that_finds_nothing_is_planned_as_the_parts_its_particles_separate() {
    let parts = plan("福止の窓口", Some(true));
    assert_eq!(parts.iter().filter(|line| line.starts_with('+')).count(), 2, "{parts:?}");
    assert!(parts.contains(&"units: 福止 窓口".to_string()), "{parts:?}");
    // Kana alone is matched by its reading, whatever the dictionary cuts it into.
    let kana = plan("こどものあそびば", Some(true));
    assert_eq!(kana.iter().filter(|line| line.starts_with('+')).count(), 1, "{kana:?}");
}

#[test]
fn a_character_nfkc_spells_as_several_words_is_no_parts() {
    // ㎧ is m∕s to the dictionary: two words over one character, which once
    // split the clause into two copies of itself, again and again.
    let plan = plan("㎧", Some(true));
    assert_eq!(plan.iter().filter(|line| line.starts_with('+')).count(), 1, "{plan:?}");
}

#[test]
fn widening_many_words_that_find_nothing_stays_within_a_budget_of_look_ups() {
    let fixture = fixture();
    let planner = Planner::new(&fixture.analysis.analyzers, &fixture.weights, test_support::lists());
    let vocabulary = Suggester::of(Vec::new());
    let looked_up = std::cell::Cell::new(0);
    let finds_nothing = |_: &QueryTree| {
        looked_up.set(looked_up.get() + 1);
        true
    };
    // 200 two-kanji words, each with lookalike spellings to try.
    let kanji: Vec<char> = "住往末未土士日曰".chars().collect();
    let query: Vec<String> = (0..200).map(|n| format!("{}{}", kanji[n % 8], kanji[(n / 8) % 8])).collect();
    planner.plan(
        &parse_clauses(&query.join(" ")),
        Escalation::On { finds_nothing: &finds_nothing, vocabulary: &vocabulary },
    );
    // One look-up per clause as typed, one for its words' related words, and the shared budget.
    assert!(looked_up.get() <= 200 * 3 + WIDENING_LOOKUPS, "{} look-ups", looked_up.get());
}
