//! Documents as cities publish them, made by real tools from the seed once per
//! test process — LibreOffice writes the seed as PDF (IPA fonts, a real
//! Japanese text layer) and Word, and a table of 方針 / 取組状況 rows as Excel;
//! poppler and img2pdf make a scanned page — read by `hoshin_import`, sent
//! through `POST /api/import` and through the `hoshin import` command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use hoshin_import::{import_file, ImportError, ImportOptions, Structure};
use hoshin_indexer::seed::read_seed_file;
use serde_json::Value;

use crate::util::{encode, hit_ids, hoshin, seed_copy, seed_file, Client, Server, TestApp};

const TOKEN: &str = "import-token-7a2e";
/// The seed's departments whose items the Excel table holds.
const TABLE_DEPARTMENTS: [&str; 2] = ["企画財政部", "総務部"];

/// The directory of test documents, made once per test process.
fn documents() -> &'static Path {
    static DOCUMENTS: OnceLock<tempfile::TempDir> = OnceLock::new();
    DOCUMENTS.get_or_init(make_documents).path()
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|error| panic!("{command:?}: {error}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// LibreOffice converting `input` to `format` in `dir`, with a profile of its own.
fn libreoffice(dir: &Path, input_filter: &str, format: &str, input: &Path) {
    let profile = format!("file://{}", dir.join("libreoffice-profile").display());
    let convert = || {
        let mut command = Command::new("soffice");
        command
            .arg(format!("-env:UserInstallation={profile}"))
            .arg("--headless")
            .arg(format!("--infilter={input_filter}"))
            .args(["--convert-to", format, "--outdir"])
            .arg(dir)
            .arg(input);
        command
    };
    // A new profile's first start only sets the profile up and exits 81, asking to be run again.
    if convert().output().unwrap().status.code() == Some(81) {
        run(&mut convert());
    }
    let converted = dir.join(input.with_extension(format).file_name().unwrap());
    assert!(converted.exists(), "LibreOffice made no {}", converted.display());
}

fn make_documents() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let seed = path.join("komae-2022-policies.txt");
    std::fs::copy(seed_file(), &seed).unwrap();
    for format in ["pdf", "docx"] {
        libreoffice(path, "Text (encoded):UTF8,LF,,,", format, &seed);
    }
    std::fs::remove_file(&seed).unwrap();
    // A scanned page: the PDF's first page as an image, wrapped as a PDF of its own.
    run(Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png", "-singlefile", "-f", "1", "-l", "1"])
        .arg(path.join("komae-2022-policies.pdf"))
        .arg(path.join("page")));
    run(Command::new("img2pdf").arg(path.join("page.png")).arg("-o").arg(path.join("komae-scanned.pdf")));
    std::fs::remove_file(path.join("page.png")).unwrap();
    // 方針 / 取組状況 rows of two departments, as a city's progress report, through CSV.
    let mut csv = String::from("部,方針,取組状況\n");
    for item in read_seed_file(&seed_file()).unwrap() {
        if TABLE_DEPARTMENTS.contains(&item.department.as_str()) {
            csv.push_str(&format!("{},{},\"{}\"\n", item.department, item.policy, item.text.replace('"', "\"\"")));
        }
    }
    let table = path.join("r5-torikumi.csv");
    std::fs::write(&table, csv).unwrap();
    libreoffice(path, "CSV:44,34,76,1", "xlsx", &table);
    std::fs::remove_file(&table).unwrap();
    std::fs::remove_dir_all(path.join("libreoffice-profile")).unwrap();
    std::fs::write(path.join("shisei-hoshin.html"), CMS_PAGE).unwrap();
    dir
}

/// A city CMS page: a speech in numbered sections, inside the site's menus.
const CMS_PAGE: &str = r#"<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<title>令和3年度 施政方針 | 調布市</title></head><body>
<header id="header"><a href="/">調布市</a><form><input name="q"></form></header>
<nav id="gnav"><ul><li><a href="/kurashi">くらし・手続き</a></li><li><a href="/kosodate">子育て・教育</a></li></ul></nav>
<div class="pankuzu"><a href="/">トップページ</a> &gt; 市政情報</div>
<div id="tmp_contents">
<h1>令和3年度 施政方針</h1>
<h2>1　子育て支援の充実</h2>
<p>待機児童ゼロを継続するため、保育園の定員を拡大します。</p>
<p>学童クラブの受入れ枠を広げ、放課後の居場所を確保します。</p>
<h2>2　安全なまちづくり</h2>
<ul><li>多摩川の水防訓練を実施します。</li><li>木造住宅の耐震化を支援します。</li></ul>
</div>
<aside id="sidebar"><h2>関連リンク</h2><ul><li>市長の部屋</li></ul></aside>
<footer id="footer">Copyright 調布市</footer></body></html>"#;

fn document(name: &str) -> PathBuf {
    documents().join(name)
}

/// Text without any white space: a PDF's line wraps and font changes move spaces.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_seed_written_as_pdf_and_word_imports_item_for_item() {
    let seed = read_seed_file(&seed_file()).unwrap();
    for name in ["komae-2022-policies.pdf", "komae-2022-policies.docx"] {
        let imported = import_file(&document(name), &ImportOptions::default()).unwrap();
        assert_eq!(imported.structure, Structure::Outline);
        assert_eq!(imported.items.len(), seed.len(), "{name}");
        for (item, original) in imported.items.iter().zip(&seed) {
            assert_eq!(item.id, original.id, "{name}");
            assert_eq!(
                (&item.department, &item.policy, item.fiscal_year, squeezed(&item.text)),
                (&original.department, &original.policy, original.fiscal_year, squeezed(&original.text)),
                "{name} {}",
                item.id
            );
            assert_eq!(item.source.file, name);
        }
        let pages: Vec<Option<u64>> = imported.items.iter().map(|item| item.source.page).collect();
        if name.ends_with(".pdf") {
            assert_eq!((pages.first(), pages.last()), (Some(&Some(1)), Some(&imported.pages)), "{name}");
        } else {
            assert!(pages.iter().all(Option::is_none));
        }
    }
}

/// Edit distance between two texts, in characters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != cb)).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[test]
fn a_scanned_page_is_refused_without_ocr_and_read_with_it() {
    let scanned = document("komae-scanned.pdf");
    let refused = import_file(&scanned, &ImportOptions::default()).unwrap_err();
    assert!(matches!(refused, ImportError::ImageOnly { .. }), "{refused}");
    assert!(refused.to_string().contains("--ocr"), "{refused}");

    let read = import_file(&scanned, &ImportOptions { ocr: true, ..ImportOptions::default() }).unwrap();
    assert_eq!((read.ocr_pages.as_slice(), read.year.western), ([1].as_slice(), 2022));
    assert!(read.items.iter().all(|item| item.source.ocr && item.source.page == Some(1)));
    let on_page_one = import_file(&document("komae-2022-policies.pdf"), &ImportOptions::default()).unwrap();
    let expected: Vec<char> = on_page_one
        .items
        .iter()
        .filter(|item| item.source.page == Some(1))
        .flat_map(|item| squeezed(&item.text).chars().collect::<Vec<_>>())
        .collect();
    let ocr: Vec<char> = read.items.iter().flat_map(|item| squeezed(&item.text).chars().collect::<Vec<_>>()).collect();
    let accuracy = 1.0 - edit_distance(&ocr, &expected) as f64 / expected.len() as f64;
    assert!(accuracy > 0.9, "OCR character accuracy {accuracy:.3}");
}

#[test]
fn excel_rows_and_a_cms_page_become_items() {
    let table = import_file(&document("r5-torikumi.xlsx"), &ImportOptions::default()).unwrap();
    let seed = read_seed_file(&seed_file()).unwrap();
    let rows: Vec<_> = seed.iter().filter(|item| TABLE_DEPARTMENTS.contains(&item.department.as_str())).collect();
    assert_eq!(table.items.len(), rows.len());
    for (item, row) in table.items.iter().zip(&rows) {
        assert_eq!((&item.department, &item.policy, &item.text), (&row.department, &row.policy, &row.text));
        assert_eq!((item.fiscal_year, item.year.as_str()), (2023, "令和5年度"));
    }
    assert_eq!(table.items[0].source.line, 2);

    let options = ImportOptions { municipality: Some("調布市".into()), ..ImportOptions::default() };
    let page = import_file(&document("shisei-hoshin.html"), &options).unwrap();
    assert_eq!((page.title.as_str(), page.year.western), ("令和3年度 施政方針", 2021));
    let placed: Vec<(&str, &str, &str)> =
        page.items.iter().map(|item| (item.department.as_str(), item.policy.as_str(), item.text.as_str())).collect();
    assert_eq!(
        placed,
        [
            ("令和3年度 施政方針", "子育て支援の充実", "待機児童ゼロを継続するため、保育園の定員を拡大します。"),
            ("令和3年度 施政方針", "子育て支援の充実", "学童クラブの受入れ枠を広げ、放課後の居場所を確保します。"),
            ("令和3年度 施政方針", "安全なまちづくり", "多摩川の水防訓練を実施します。"),
            ("令和3年度 施政方針", "安全なまちづくり", "木造住宅の耐震化を支援します。"),
        ]
    );
    assert!(page.items.iter().all(|item| item.municipality.as_deref() == Some("調布市")));
}

fn import(app: &TestApp, query: &str, content_type: &str, name: &str) -> (u16, Value) {
    let bytes = std::fs::read(document(name)).unwrap();
    app.send("POST", &format!("/api/import?{query}"), Some(TOKEN), content_type, &bytes)
}

fn search(app: &TestApp, query: &str) -> Value {
    let (status, answer) = app.get(&format!("/api/search?{query}"));
    assert_eq!(status, 200, "{query}: {answer}");
    answer
}

#[test]
fn imports_over_http_are_searchable_by_year_and_municipality() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let app = TestApp::writable(index.path(), seeds.path(), TOKEN);
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let (status, answer) =
        import(&app, &format!("file=r5-torikumi.xlsx&municipality={}", encode("調布市")), xlsx, "r5-torikumi.xlsx");
    assert_eq!(
        (status, answer["year"].as_str(), answer["structure"].as_str()),
        (200, Some("令和5年度"), Some("outline")),
        "{answer}"
    );
    let written = answer["written"].as_u64().unwrap();
    assert!(written > 10);

    let all = search(&app, &format!("q={}", encode("防災")));
    let municipalities = &all["facets"]["municipality"];
    assert_eq!(municipalities.as_array().unwrap().len(), 2, "{municipalities}");
    let years: Vec<u64> =
        all["facets"]["fiscal_year"].as_array().unwrap().iter().map(|year| year["value"].as_u64().unwrap()).collect();
    assert_eq!(years, [2023, 2022]);
    let chofu = search(&app, &format!("q={}&municipality={}", encode("防災"), encode("調布市")));
    assert!(chofu["hits"].as_array().unwrap().iter().all(|hit| hit["municipality"] == "調布市"));
    // Each facet counts within the other facets' choices, never its own,
    // so every value it offers finds as many items as it says.
    assert_eq!(chofu["facets"]["municipality"], all["facets"]["municipality"], "its own choice is not applied");
    assert_eq!(chofu["facets"]["fiscal_year"], serde_json::json!([{ "value": 2023, "count": chofu["total"] }]));
    for department in chofu["facets"]["department"].as_array().unwrap() {
        let name = department["value"].as_str().unwrap();
        let chosen = search(
            &app,
            &format!("q={}&municipality={}&department={}", encode("防災"), encode("調布市"), encode(name)),
        );
        assert_eq!(chosen["total"], department["count"], "{name}");
    }
    let no_year = search(&app, &format!("q={}&year_from=2030", encode("防災")));
    assert_eq!(no_year["total"], 0);
    assert_eq!(no_year["facets"]["department"], serde_json::json!([]), "no department offers what the years exclude");
    assert_eq!(no_year["facets"]["fiscal_year"], all["facets"]["fiscal_year"], "the years to choose instead");

    // Without a query, the filtered items are browsed, in the documents' order.
    let browsed = search(&app, &format!("municipality={}&limit=100", encode("調布市")));
    assert_eq!(browsed["total"].as_u64(), Some(written));
    let ids = hit_ids(&browsed);
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    assert!(browsed["hits"].as_array().unwrap().iter().all(|hit| hit["matched_by"] == serde_json::json!([])));
    let everything = search(&app, "limit=1");
    let counted: u64 =
        everything["facets"]["municipality"].as_array().unwrap().iter().map(|m| m["count"].as_u64().unwrap()).sum();
    assert_eq!(Some(counted), everything["total"].as_u64());
    let latest = search(&app, "sort=newest&limit=1");
    assert_eq!(latest["hits"][0]["municipality"], "調布市");
    let recent = search(&app, &format!("q={}&year_from=2023", encode("防災")));
    assert!(recent["total"].as_u64().unwrap() > 0);
    assert!(recent["hits"].as_array().unwrap().iter().all(|hit| hit["fiscal_year"] == 2023));
    let older = search(&app, &format!("q={}&year_to=2022", encode("防災")));
    assert_eq!(older["total"].as_u64().unwrap() + recent["total"].as_u64().unwrap(), all["total"].as_u64().unwrap());
    let newest = search(&app, &format!("q={}&sort=newest", encode("防災")));
    let oldest = search(&app, &format!("q={}&sort=oldest&limit=1", encode("防災")));
    assert_eq!(
        (newest["hits"][0]["fiscal_year"].as_u64(), oldest["hits"][0]["fiscal_year"].as_u64()),
        (Some(2023), Some(2022))
    );

    for (query, code) in [
        ("q=a&year_from=R5", "invalid_year"),
        ("q=a&year_to=0", "invalid_year"),
        ("q=a&sort=date", "invalid_sort"),
        ("q=a&municipality=%E5%BA%9C%E4%B8%AD%E5%B8%82", "unknown_municipality"),
    ] {
        let (status, answer) = app.get(&format!("/api/search?{query}"));
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some(code)), "{query}");
    }

    let documents_now = app.get("/api/health").1["documents"].as_u64().unwrap();
    let (status, answer) = import(&app, "file=komae-scanned.pdf", "application/pdf", "komae-scanned.pdf");
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("needs_ocr")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("hoshin import --ocr"), "{answer}");
    let (status, answer) = import(&app, "file=minutes.doc", "application/msword", "komae-2022-policies.docx");
    assert_eq!((status, answer["error"]["code"].as_str()), (415, Some("unsupported_document_type")), "{answer}");
    assert_eq!(app.get("/api/health").1["documents"].as_u64().unwrap(), documents_now, "nothing half-written");

    // The seed's own items use the PDF's stem: replacing them must be asked for.
    let (status, answer) = import(&app, "file=komae-2022-policies.pdf", "application/pdf", "komae-2022-policies.pdf");
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("document_exists")), "{answer}");
    let (status, answer) =
        import(&app, "file=komae-2022-policies.pdf&replace=true", "application/pdf", "komae-2022-policies.pdf");
    assert_eq!(
        (status, answer["written"].as_u64(), answer["pages"].as_u64(), answer["replaced"].as_u64()),
        (200, Some(118), Some(7), Some(118)),
        "{answer}"
    );
    let (_, item) = app.get("/api/documents/komae-2022-policies-001");
    assert_eq!(
        (item["source"]["file"].as_str(), item["source"]["page"].as_u64()),
        (Some("komae-2022-policies.pdf"), Some(1))
    );

    let named = format!("file={}&municipality={}", encode("令和3年度施政方針.html"), encode("調布市"));
    let (status, answer) = import(&app, &named, "text/html", "shisei-hoshin.html");
    assert_eq!((status, answer["written"].as_u64()), (200, Some(4)), "{answer}");
    let found = search(&app, &format!("q={}&municipality={}", encode("学童クラブ"), encode("調布市")));
    let hit = &found["hits"][0];
    assert_eq!(
        (hit["source"]["file"].as_str(), hit["fiscal_year"].as_u64()),
        (Some("令和3年度施政方針.html"), Some(2021))
    );
    assert!(hit["id"].as_str().unwrap().starts_with("doc-"), "{hit}");
}

#[test]
fn the_import_command_shows_what_it_would_send_then_sends_it_to_an_empty_server() {
    let documents = documents().to_str().unwrap();
    let dry = hoshin(&["import", "--dry-run", documents]);
    let printed = String::from_utf8_lossy(&dry.stdout);
    assert!(!dry.status.success(), "the scanned page stops the whole import: {printed}");
    assert!(String::from_utf8_lossy(&dry.stderr).contains("komae-scanned.pdf: the PDF has no text layer"));
    assert!(printed.is_empty(), "{printed}");

    let word = document("komae-2022-policies.docx");
    let dry = hoshin(&["import", "--dry-run", word.to_str().unwrap()]);
    let printed = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success());
    assert!(
        printed.contains(
            "komae-2022-policies.docx — Word, 「komae-2022-policies」, 令和4年度 (2022), outline recognised, 118 items"
        ),
        "{printed}"
    );
    assert!(printed.contains("  令和4年度「企画財政部の方針」（案）\n    持続可能な行財政運営の推進\n      - [komae-2022-policies-001 l.7] 狛江市総合基本計画"), "{printed}");
    assert!(printed.ends_with("118 items from 1 files; dry run, nothing sent\n"), "{printed}");

    let empty = tempfile::tempdir().unwrap();
    let server = Server::start_with(empty.path(), &["--api-token", TOKEN]);
    assert_eq!(server.get("/api/health").1["documents"], 0);
    let sent = hoshin(&[
        "import",
        "--server",
        &server.base,
        "--token",
        TOKEN,
        "--municipality",
        "狛江市",
        word.to_str().unwrap(),
    ]);
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    assert_eq!(server.get("/api/health").1["documents"], 118);
    let found = server.get(&format!("/api/search?q={}&municipality={}", encode("図書館"), encode("狛江市"))).1;
    assert!(found["total"].as_u64().unwrap() >= 3, "{found}");
}
