//! Any string a resident can type splits into clauses without panicking, and
//! every clause is non-empty text that the query really contains.
#![no_main]

use hoshin_search::syntax::parse_clauses;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|query: &str| {
    for clause in parse_clauses(query) {
        assert!(!clause.text.is_empty());
        assert!(clause.text == clause.text.trim());
        assert!(query.contains(&clause.text), "{:?} is not in {query:?}", clause.text);
    }
});
