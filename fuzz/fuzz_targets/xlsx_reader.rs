//! Any bytes read as an Excel workbook (a zip of XML, or not) make a document or
//! an error without panicking; every item of a document has text and an id of its own.
#![no_main]

use std::collections::HashSet;

use hoshin_import::{import_bytes, Format, ImportOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = import_bytes("fuzz.xlsx", Format::Xlsx, data, &ImportOptions::default()) else { return };
    let mut ids = HashSet::new();
    for item in &document.items {
        assert!(!item.text.is_empty(), "item {} has no text", item.id);
        assert!(ids.insert(item.id.as_str()), "id {} twice", item.id);
    }
});
