//! The search page in Debian's Chromium, driven through chromedriver, against
//! the real server: what a resident does, step by step. Screenshots of a
//! results page and an item page land in `target/e2e-screenshots/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::util::{encode, seed_copy, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PATIENCE: Duration = Duration::from_secs(15);

/// A chromedriver process and a headless Chromium session, ended when dropped.
struct Browser {
    driver: Child,
    client: Option<Client>,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(width: u32, height: u32) -> Browser {
        assert!(
            std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists(),
            "the browser tests need Debian's chromium and chromium-driver: run `make test`, which installs them"
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if started.elapsed() > PATIENCE => panic!("no WebDriver session: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Browser { driver, client: Some(client), _profile: profile }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Waits until `condition`, a JavaScript expression, is true.
    async fn wait_for(&self, condition: &str) {
        let started = Instant::now();
        loop {
            let value = self.client().execute(&format!("return !!({condition});"), vec![]).await.unwrap();
            if value == Value::Bool(true) {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "timed out waiting for {condition}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn eval(&self, expression: &str) -> Value {
        self.client().execute(&format!("return {expression};"), vec![]).await.unwrap()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client().screenshot().await.unwrap();
        let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
        std::fs::create_dir_all(&directory).unwrap();
        std::fs::write(directory.join(name), png).unwrap();
    }

    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const HITS: &str = "document.querySelectorAll('#results li.hit')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_searches_narrows_pages_opens_an_item_and_goes_back() {
    let server = Server::start();
    let browser = Browser::start(1200, 900).await;
    let client = browser.client();

    // Type a query and see highlighted results with department › heading.
    client.goto(&format!("{}/", server.base)).await.unwrap();
    let input = client.wait().for_element(Locator::Css("#q")).await.unwrap();
    input.send_keys("図書館").await.unwrap();
    input.send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 3")).await;
    assert_eq!(browser.eval("document.querySelectorAll('#results mark').length > 0").await, Value::Bool(true));
    let status = browser.eval("document.getElementById('status').textContent").await;
    assert!(status.as_str().unwrap().contains("3件"), "{status}");
    let crumbs = browser.eval("document.querySelector('#results .crumbs').textContent").await;
    assert!(crumbs.as_str().unwrap().contains(" › "), "{crumbs}");
    assert!(client.current_url().await.unwrap().as_str().contains(&format!("q={}", encode("図書館"))));
    browser.screenshot("results.png").await;

    // Narrow by a department facet.
    client.find(Locator::XPath("//nav[@id='facets']//a[contains(., '教育部')]")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 1 && location.search.includes('department=')")).await;
    let crumbs = browser.eval("document.querySelector('#results .crumbs').textContent").await;
    assert!(crumbs.as_str().unwrap().starts_with("教育部"), "{crumbs}");

    // A query with more than a page of results, then page 2.
    client.goto(&format!("{}/?q={}", server.base, encode("推進"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    let first_page = browser.eval("document.querySelector('#results li.hit .snippet').textContent").await;
    client.find(Locator::XPath("//nav[@id='pager']//a[.='2']")).await.unwrap().click().await.unwrap();
    browser.wait_for("location.search.includes('page=2')").await;
    browser.wait_for(&format!("{HITS}.length > 0")).await;
    let second_page = browser.eval("document.querySelector('#results li.hit .snippet').textContent").await;
    assert_ne!(first_page, second_page);
    assert_eq!(browser.eval("document.querySelector('#pager [aria-current=page]').textContent").await, "2");

    // Open an item: full text, department, heading, year, source, siblings.
    client.find(Locator::Css("#results li.hit a.open")).await.unwrap().click().await.unwrap();
    browser.wait_for("location.pathname.startsWith('/items/') && document.querySelector('#item-view h1')").await;
    let page = browser.eval("document.getElementById('item-view').textContent").await;
    let page = page.as_str().unwrap();
    for expected in ["令和4年度", "2022年度", "komae-2022-policies.txt", "同じ方針の項目"] {
        assert!(page.contains(expected), "item page lacks {expected}: {page}");
    }
    browser.screenshot("item.png").await;

    // Back returns to page 2 of the results.
    client.back().await.unwrap();
    browser.wait_for(&format!("location.search.includes('page=2') && {HITS}.length > 0")).await;
    assert_eq!(browser.eval("document.getElementById('q').value").await, "推進");

    // A suggestion, chosen with the keyboard: としょ suggests 図書館.
    let input = client.find(Locator::Css("#q")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys("としょ").await.unwrap();
    browser.wait_for("!document.getElementById('suggestions').hidden").await;
    let first = browser.eval("document.querySelector('#suggestions [role=option]').firstChild.textContent").await;
    assert_eq!(first, "図書館");
    input.send_keys(&char::from(Key::Down).to_string()).await.unwrap();
    assert_eq!(
        browser.eval("document.getElementById('q').getAttribute('aria-activedescendant')").await,
        "suggestion-0"
    );
    input.send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
    browser.wait_for(&format!("location.search.includes('{}') && {HITS}.length === 3", encode("図書館"))).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_items_is_text_ime_composition_waits_and_misses_offer_nearby_words() {
    let seeds = seed_copy();
    let hostile = "令和4年度「広報部の方針」(案)\n\n安全な表示\n\n- ▽ <script>window.injected=true</script>を含む項目を<b>そのまま</b>表示します。\n";
    std::fs::write(seeds.path().join("hostile.txt"), hostile).unwrap();
    let server = Server::start_with(seeds.path(), &[]);
    let browser = Browser::start(390, 844).await;
    let client = browser.client();

    // Markup in an item is shown as text, never run.
    client.goto(&format!("{}/?q={}", server.base, encode("script"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 1")).await;
    let shown = browser.eval("document.querySelector('#results .snippet').textContent").await;
    assert!(shown.as_str().unwrap().contains("<script>window.injected=true</script>"), "{shown}");
    assert_eq!(browser.eval("window.injected === undefined").await, Value::Bool(true));
    assert_eq!(
        browser.eval("document.querySelectorAll('#results .snippet b, #results .snippet script').length").await,
        0
    );
    browser.screenshot("results-phone.png").await;

    // During IME composition no suggestions are asked for; at compositionend they are.
    client.goto(&format!("{}/", server.base)).await.unwrap();
    client.wait().for_element(Locator::Css("#q")).await.unwrap();
    browser
        .eval(
            "(() => { const q = document.getElementById('q');
               q.dispatchEvent(new CompositionEvent('compositionstart'));
               q.value = 'としょ';
               q.dispatchEvent(new InputEvent('input', { isComposing: true, data: 'としょ' }));
               return true; })()",
        )
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(browser.eval("document.getElementById('suggestions').hidden").await, Value::Bool(true));
    browser
        .eval("document.getElementById('q').dispatchEvent(new CompositionEvent('compositionend', { data: 'としょ' }))")
        .await;
    browser.wait_for("!document.getElementById('suggestions').hidden").await;

    // Nothing found: said plainly, with nearby words offered.
    client.goto(&format!("{}/?q={}", server.base, encode("図書券"))).await.unwrap();
    browser.wait_for("document.querySelector('#results .nearby a')").await;
    let status = browser.eval("document.getElementById('status').textContent").await;
    assert!(status.as_str().unwrap().contains("見つかりませんでした"), "{status}");
    let offered = browser.eval("document.querySelector('#results .nearby a').textContent").await;
    assert_eq!(offered, "図書館");
    browser.close().await;
}
