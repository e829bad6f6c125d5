//! Any bytes read as outline text (UTF-8, Shift_JIS or neither) make a document
//! or an error without panicking; every item of a document has text and an id of its own.
#![no_main]

use std::collections::HashSet;

use hoshin_import::{import_bytes, Format, ImportOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = import_bytes("fuzz.txt", Format::Text, data, &ImportOptions::default()) else { return };
    let mut ids = HashSet::new();
    for item in &document.items {
        assert!(!item.text.is_empty(), "item {} has no text", item.id);
        assert!(ids.insert(item.id.as_str()), "id {} twice", item.id);
    }
});
