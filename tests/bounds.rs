//! The fault run's cases, in process: hostile documents refused with a code
//! naming the bound they broke and nothing written, a 408 that never
//! commits, imports that share a stem, and a damaged journal that hoshin
//! refuses to start over without changing a byte of it.

use std::io::{Cursor, Write};
use std::path::Path;
use std::time::Duration;

use hoshin_server::admission::AdmissionLimits;
use hoshin_server::{ApiTokens, HttpConfig, Live};
use serde_json::{json, Value};
use zip::write::SimpleFileOptions;

use crate::util::{analysis, app_state, data_dir, encode, hoshin, seed_copy, sources, Client, TestApp};

const TOKEN: &str = "bounds-token-41c9";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A zip container of `parts`, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A Word file whose body is `paragraphs` paragraphs of `text`.
fn docx(text: &str, paragraphs: usize) -> Vec<u8> {
    let body = format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>").repeat(paragraphs);
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    zip_of(&[
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#),
        ("word/document.xml", document.as_bytes()),
    ])
}

/// An Excel file of one sheet: a 方針 / 取組状況 header, then `rows` rows of `cell`.
fn xlsx(cell: &str, rows: usize) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>方針</t></is></c><c r="B1" t="inlineStr"><is><t>取組状況</t></is></c></row>"#,
    );
    for row in 2..rows + 2 {
        sheet.push_str(&format!(
            r#"<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>令和5年度 防災</t></is></c><c r="B{row}" t="inlineStr"><is><t>{cell}</t></is></c></row>"#
        ));
    }
    sheet.push_str("</sheetData></worksheet>");
    zip_of(&[
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

fn import(app: &TestApp, file: &str, content_type: &str, bytes: &[u8]) -> (u16, Value) {
    app.send("POST", &format!("/api/import?file={file}&year=2023"), Some(TOKEN), content_type, bytes)
}

fn documents(app: &TestApp) -> u64 {
    app.get("/api/health").1["documents"].as_u64().unwrap()
}

#[test]
fn hostile_documents_are_refused_by_the_bound_they_break_and_write_nothing() {
    let (index, seeds) = (tempfile::tempdir().unwrap(), seed_copy());
    let app = TestApp::writable(index.path(), seeds.path(), TOKEN);
    let before = documents(&app);
    let deep = format!("<html><body>{}令和5年度{}</body></html>", "<div>".repeat(5_000), "</div>".repeat(5_000));
    let many_lines = "令和5年度\n".to_string() + &"あ\n".repeat(200_001);
    let many_items = "令和5年度 方針\n".to_string() + &(1..=1_001).map(|n| format!("・項目{n}\n")).collect::<String>();
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("deep.html", "text/html", deep.into_bytes(), "nesting_too_deep"),
        // 1.2 MB that inflates past the part bound, as the fault run's 1.2 GB one did.
        ("bomb.docx", DOCX, docx(&"あ".repeat(1_000), 24_000), "zip_part_too_large"),
        ("cell.xlsx", XLSX, xlsx(&"あ".repeat(23_000_000), 1), "zip_part_too_large"),
        ("rows.xlsx", XLSX, xlsx("実施", 100_001), "too_many_rows"),
        ("lines.txt", "text/plain", many_lines.into_bytes(), "too_many_blocks"),
        ("items.txt", "text/plain", many_items.into_bytes(), "too_many_items"),
        ("long.xlsx", XLSX, xlsx(&"あ".repeat(20_001), 1), "item_too_long"),
    ];
    for (file, content_type, bytes, code) in cases {
        let (status, answer) = import(&app, file, content_type, &bytes);
        assert_eq!((status, answer["error"]["code"].as_str()), (413, Some(code)), "{file}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(file) && message.contains("--import-limit"), "{message}");
        assert_eq!(documents(&app), before, "{file}: nothing written");
    }
    let (status, answer) = import(&app, "ok.xlsx", XLSX, &xlsx("避難所を点検します。", 3));
    assert_eq!((status, answer["written"].as_u64()), (200, Some(3)), "a small workbook still imports: {answer}");
    let found = app.search(&format!("q={}", encode("避難所を点検")));
    assert!(found["total"].as_u64().unwrap() >= 3, "{found}");
}

#[test]
fn a_document_reusing_another_documents_stem_is_refused_unless_it_replaces_it() {
    let (index, seeds) = (tempfile::tempdir().unwrap(), seed_copy());
    let app = TestApp::writable(index.path(), seeds.path(), TOKEN);
    let (status, answer) = import(&app, "ok.xlsx", XLSX, &xlsx("避難所を点検します。", 3));
    assert_eq!((status, answer["replaced"].as_u64()), (200, Some(0)), "{answer}");
    let page = "<main><h1>令和5年度 方針</h1><h2>防災</h2><p>防災無線を更新します。</p></main>";
    let (status, answer) = import(&app, "ok.html", "text/html", page.as_bytes());
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("document_exists")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("ok.xlsx"), "{answer}");
    assert_eq!(app.get("/api/documents/ok-001").1["source"]["file"], "ok.xlsx", "the first document is whole");

    let replace = "/api/import?file=ok.html&year=2023&replace=true";
    let (status, answer) = app.send("POST", replace, Some(TOKEN), "text/html", page.as_bytes());
    assert_eq!((status, answer["written"].as_u64(), answer["replaced"].as_u64()), (200, Some(1), Some(3)), "{answer}");
    assert_eq!(app.get("/api/documents/ok-001").1["source"]["file"], "ok.html");
    for stale in ["ok-002", "ok-003"] {
        assert_eq!(app.get(&format!("/api/documents/{stale}")).0, 404, "{stale} went with its document");
    }
    // The same file again replaces its own items whole, no flag needed.
    let (status, answer) = import(&app, "ok.html", "text/html", page.as_bytes());
    assert_eq!((status, answer["replaced"].as_u64()), (200, Some(1)), "{answer}");
}

#[test]
fn a_write_answered_408_is_never_written_and_one_that_began_answers_its_outcome() {
    let (index, seeds) = (tempfile::tempdir().unwrap(), seed_copy());
    let state = app_state(sources(index.path(), seeds.path(), &data_dir()), ApiTokens::new([TOKEN]));
    let hasty = HttpConfig {
        limits: AdmissionLimits { request_timeout: Duration::from_millis(20), ..AdmissionLimits::default() },
        index_workers: 1,
        ..HttpConfig::default()
    };
    let app = TestApp::new(state.clone(), &hasty);
    let patient = TestApp::new(state, &HttpConfig::default());
    let put = |id: &str| {
        let document = json!({"year": "令和5年度", "department": "環境部", "policy": "見出し", "text": "本文です。"});
        app.send_json("PUT", &format!("/api/documents/{id}"), Some(TOKEN), &document).0
    };
    // A long document holds the only worker well past its own 408, as the
    // fault run's imports did; the writes queued behind it time out too.
    let long = "令和5年度 方針\n".to_string() + &(1..=90_000).map(|n| format!("・項目{n}\n")).collect::<String>();
    assert_eq!(import(&app, "long.txt", "text/plain", long.as_bytes()).0, 408);
    let queued: Vec<(String, u16)> = (0..5).map(|n| format!("queued-{n}")).map(|id| (id.clone(), put(&id))).collect();
    assert!(queued.iter().all(|(_, status)| *status == 408), "{queued:?}");
    // Once the worker is free, a write begins and answers its outcome,
    // however long its commit takes past the time limit.
    let mut later = Vec::new();
    for attempt in 0..60 {
        let id = format!("later-{attempt}");
        let status = put(&id);
        later.push((id, status));
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(later.last().map(|(_, status)| *status), Some(200), "{later:?}");
    for (id, status) in queued.iter().chain(&later) {
        let found = patient.get(&format!("/api/documents/{id}")).0;
        assert_eq!(found, if *status == 200 { 200 } else { 404 }, "{id} answered {status}");
    }
}

/// A journal of ten batches written through the API, then the index built over it.
fn ten_batches(index: &Path, seeds: &Path) -> Vec<u8> {
    let app = TestApp::writable(index, seeds, TOKEN);
    for number in 0..10 {
        let document = json!({"year": "令和5年度", "department": "環境部", "policy": "見出し", "text": format!("第{number}の本文です。")});
        let (status, answer) = app.send_json("PUT", &format!("/api/documents/j-{number}"), Some(TOKEN), &document);
        assert_eq!(status, 200, "{answer}");
    }
    std::fs::read(index.join("journal.jsonl")).unwrap()
}

/// Ten batches' journal with one bit of line `line` flipped `into` bytes into
/// it: the journal's path, its bytes and the line's offset.
fn journal_damaged_at(index: &Path, seeds: &Path, line: usize, into: usize) -> (std::path::PathBuf, Vec<u8>, usize) {
    let journal = index.join("journal.jsonl");
    let mut bytes = ten_batches(index, seeds);
    let offset = bytes.split_inclusive(|&byte| byte == b'\n').take(line - 1).map(<[u8]>::len).sum::<usize>();
    bytes[offset + into] ^= 0x04;
    std::fs::write(&journal, &bytes).unwrap();
    (journal, bytes, offset)
}

#[test]
fn a_damaged_journal_refuses_the_start_names_its_place_and_is_left_as_it_was() {
    let (index, seeds) = (tempfile::tempdir().unwrap(), seed_copy());
    let (journal, bytes, fifth_line) = journal_damaged_at(index.path(), seeds.path(), 5, 40);

    let refused = Live::open(sources(index.path(), seeds.path(), &data_dir()), analysis()).err().unwrap();
    let message = format!("{refused:#}");
    let place = format!("{}: line 5 (byte {fifth_line}) is damaged", journal.display());
    assert!(message.contains(&place), "{message}");
    assert!(message.contains("hoshin journal repair") && !message.contains("remove the index"), "{message}");
    assert_eq!(std::fs::read(&journal).unwrap(), bytes, "the journal is exactly as it was");
}

#[test]
fn a_torn_last_line_never_acknowledged_is_set_aside_and_the_rest_replayed() {
    let (index, seeds) = (tempfile::tempdir().unwrap(), seed_copy());
    let journal = index.path().join("journal.jsonl");
    let intact = ten_batches(index.path(), seeds.path());
    let mut torn = intact.clone();
    torn.extend_from_slice(b"1a2b3c4d\t[{\"put\":{\"id\":\"torn\"");
    std::fs::write(&journal, &torn).unwrap();

    let state = app_state(sources(index.path(), seeds.path(), &data_dir()), ApiTokens::new([TOKEN]));
    let app = TestApp::new(state, &HttpConfig::default());
    assert_eq!(app.get("/api/documents/j-9").0, 200);
    assert_eq!(std::fs::read(&journal).unwrap(), intact);
    let set_aside: Vec<_> = std::fs::read_dir(index.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().contains("journal.jsonl.torn-"))
        .collect();
    assert_eq!(set_aside.len(), 1);
    assert_eq!(std::fs::read(&set_aside[0]).unwrap(), &torn[intact.len()..]);
}

#[test]
fn journal_check_names_the_damage_and_repair_copies_the_rest_to_a_new_file() {
    let (index, seeds) = (tempfile::tempdir().unwrap(), seed_copy());
    let (journal, bytes, third_line) = journal_damaged_at(index.path(), seeds.path(), 3, 30);
    let journal_arg = journal.to_str().unwrap();

    let checked = hoshin(&["journal", "check", "--journal", journal_arg]);
    let printed = String::from_utf8_lossy(&checked.stdout);
    assert!(!checked.status.success(), "{printed}");
    assert!(printed.contains(&format!("{journal_arg}:3 (byte {third_line}")), "{printed}");
    assert!(printed.contains("9 intact entries, 1 damaged line(s)"), "{printed}");

    let repaired = index.path().join("repaired.jsonl");
    let repair = hoshin(&["journal", "repair", "--journal", journal_arg, "--to", repaired.to_str().unwrap()]);
    let printed = String::from_utf8_lossy(&repair.stdout);
    assert!(repair.status.success(), "{printed}");
    assert!(printed.contains("copied 9 intact entries") && printed.contains("left out 1 line(s)"), "{printed}");
    assert!(hoshin(&["journal", "check", "--journal", repaired.to_str().unwrap()]).status.success());
    assert_eq!(std::fs::read(&journal).unwrap(), bytes, "the journal itself is untouched");
}
