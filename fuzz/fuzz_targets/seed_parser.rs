//! Any bytes parse into items or into a list of unplaced lines, without
//! panicking; every item points at a line of the input holding its text.
#![no_main]

use hoshin_indexer::seed::parse_seed;
use hoshin_indexer::IndexerError;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<&str> = text.lines().collect();
    match parse_seed("fuzz.txt", text) {
        Ok(items) => {
            for item in items {
                let line = lines[item.source.line as usize - 1];
                assert!(!item.text.is_empty() && line.contains(&item.text));
                assert!(!item.department.is_empty() && !item.policy.is_empty());
            }
        }
        Err(IndexerError::Unplaced(unplaced)) => {
            assert!(!unplaced.is_empty());
            assert!(unplaced.iter().all(|line| line.line >= 1 && line.line <= lines.len()));
        }
        Err(other) => panic!("parsing text in memory failed otherwise: {other}"),
    }
});
