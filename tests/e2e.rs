//! The search page in Debian's Chromium, driven through chromedriver, against
//! the real server: what a resident does, step by step. Screenshots of a
//! results page and an item page land in `target/e2e-screenshots/`. Every page
//! is checked with axe-core (`scripts/install-axe-core`), injected through the
//! WebDriver session, at desktop and phone widths.
//!
//! The `hoshin serve` processes these tests start search by words only (see
//! `util::WITHOUT_MODEL`); the test of meaning serves the shared seed
//! fixture, every item's vector computed, on a loopback port instead.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::util::{encode, seed, seed_copy, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PATIENCE: Duration = Duration::from_secs(15);
/// Widths below this are a phone's, emulated with its touch screen and pixel ratio.
const PHONE_WIDTH_FROM: u32 = 600;

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
        let mut capabilities = capabilities;
        if width < PHONE_WIDTH_FROM {
            // A window cannot be narrower than Chromium's minimum; a phone is emulated instead.
            capabilities["goog:chromeOptions"]["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 3.0, "touch": true } });
        }
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

    /// The text of the element with `id`.
    async fn text(&self, id: &str) -> Value {
        self.eval(&format!("document.getElementById('{id}').textContent")).await
    }

    async fn eval(&self, expression: &str) -> Value {
        self.client().execute(&format!("return {expression};"), vec![]).await.unwrap()
    }

    /// Replaces `window.fetch` for the rest of this document with `wrapper`,
    /// a JavaScript function of the original fetch returning a new one.
    async fn wrap_fetch(&self, wrapper: &str) {
        self.client()
            .execute(
                &format!("const original = window.fetch; window.fetch = ({wrapper})(original); return true;"),
                vec![],
            )
            .await
            .unwrap();
    }

    /// Searches from the search box, as a resident does, without reloading.
    async fn submit(&self, query: &str) {
        let script = "const q = document.getElementById('q'); q.value = arguments[0];
                      document.getElementById('search-form').requestSubmit(); return true;";
        self.client().execute(script, vec![json!(query)]).await.unwrap();
    }

    /// Asks Chromium to lay the page out for `media` (`print` or `screen`).
    async fn emulate_media(&self, media: &str) {
        let command = ChromeDevTools { command: "Emulation.setEmulatedMedia", parameters: json!({ "media": media }) };
        self.client().issue_cmd(command).await.unwrap();
    }

    /// Asks Chromium to lay the page out as for a resident whose system prefers `scheme` colours.
    async fn emulate_color_scheme(&self, scheme: &str) {
        let features = json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] });
        let command = ChromeDevTools { command: "Emulation.setEmulatedMedia", parameters: features };
        self.client().issue_cmd(command).await.unwrap();
    }

    /// Lays the page out as a phone `width` pixels wide does, touch screen
    /// and pixel ratio included, in the same session.
    async fn emulate_phone(&self, width: u32, height: u32) {
        let metrics = json!({ "width": width, "height": height, "deviceScaleFactor": 3, "mobile": true });
        let command = ChromeDevTools { command: "Emulation.setDeviceMetricsOverride", parameters: metrics };
        self.client().issue_cmd(command).await.unwrap();
    }

    /// Runs axe-core over the page and fails on any WCAG 2.1 A or AA violation.
    async fn assert_accessible(&self, page: &str) {
        let axe = std::fs::read_to_string(AXE).unwrap_or_else(|error| {
            panic!("{AXE}: {error}; run `make test`, which installs axe-core (scripts/install-axe-core)")
        });
        self.client().execute(&format!("{axe}\nreturn true;"), vec![]).await.unwrap();
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
              .then((result) => done(result.violations.map((violation) =>
                 `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)))
              .catch((error) => done([`axe failed: ${error}`]));";
        let violations = self.client().execute_async(script, vec![]).await.unwrap();
        assert_eq!(violations, json!([]), "{page}: accessibility violations");
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

/// A Chrome DevTools command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct ChromeDevTools {
    command: &'static str,
    parameters: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for ChromeDevTools {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.command, "params": self.parameters });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Where `scripts/install-axe-core` puts axe-core.
const AXE: &str = "/usr/local/share/hoshin/axe-core/axe.min.js";

const HITS: &str = "document.querySelectorAll('#results li.hit')";

/// The shared seed fixture, with every item's vector, served on a loopback
/// port by this test's runtime; its address.
async fn serve_seed_with_meaning() -> String {
    let state = tokio::task::spawn_blocking(|| seed().state.clone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = hoshin_server::app(state, &hoshin_server::HttpConfig::default());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

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
    assert!(crumbs.as_str().unwrap().ends_with("教育部"), "{crumbs}");

    // A query with more than a page of results, then page 2.
    client.goto(&format!("{}/?q={}", server.base, encode("推進"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    let first_page = browser.eval("document.querySelector('#results li.hit .snippet').textContent").await;
    client.find(Locator::XPath("//nav[@id='pager']//a[.='2']")).await.unwrap().click().await.unwrap();
    browser.wait_for("location.search.includes('page=2')").await;
    // The address changes before the answer comes; the pager is drawn with the hits.
    browser.wait_for("document.querySelector('#pager [aria-current=page]')?.textContent === '2'").await;
    browser.wait_for(&format!("{HITS}.length > 0")).await;
    let second_page = browser.eval("document.querySelector('#results li.hit .snippet').textContent").await;
    assert_ne!(first_page, second_page);
    assert_eq!(browser.eval("document.querySelector('#pager [aria-current=page]').textContent").await, "2");
    // 前へ and 次へ are named by what they show, and where they go.
    let names = browser
        .eval("[...document.querySelectorAll('#pager a[aria-label]')].map((a) => a.getAttribute('aria-label'))")
        .await;
    assert_eq!(names, serde_json::json!(["前へ（1ページ目）", "次へ（3ページ目）"]));

    // Open an item: full text, department, heading, year, source, siblings.
    client.find(Locator::Css("#results li.hit a.hit-link")).await.unwrap().click().await.unwrap();
    browser.wait_for("location.pathname.startsWith('/items/') && document.querySelector('#item-view h1')").await;
    let page = browser.eval("document.getElementById('item-view').textContent").await;
    let page = page.as_str().unwrap();
    for expected in ["令和4年度", "2022年度", "各部の方針（案）", "同じ方針の項目"] {
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
    // Escape closes the list and keeps what was typed; typing again opens it.
    input.send_keys(&char::from(Key::Escape).to_string()).await.unwrap();
    browser.wait_for("document.getElementById('suggestions').hidden").await;
    assert_eq!(browser.eval("document.getElementById('q').value").await, "としょ");
    input.send_keys("か").await.unwrap();
    input.send_keys(&char::from(Key::Backspace).to_string()).await.unwrap();
    browser.wait_for("!document.getElementById('suggestions').hidden").await;
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
    let published = "https://www.city.example.jp/kouhou/houshin.html";
    let metadata = json!({ "municipality": "狛江市", "title": "広報部の方針", "url": published });
    std::fs::write(seeds.path().join("hostile.json"), metadata.to_string()).unwrap();
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

    // An item's source is its document's title and year, linked where the city publishes it.
    client.goto(&format!("{}/?q={}", server.base, encode("script"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 1")).await;
    let source = browser.eval("document.querySelector('#results .source').textContent").await;
    assert_eq!(source, "出典：広報部の方針（令和4年度）");
    client.find(Locator::Css("#results a.hit-link")).await.unwrap().click().await.unwrap();
    browser.wait_for("document.querySelector('#item-view h1')").await;
    let link = browser.eval("document.querySelector('#item-view .facts a').getAttribute('href')").await;
    assert_eq!(link, published);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_render_belongs_to_the_latest_search_and_keeps_the_residents_place() {
    let server = Server::start();
    let browser = Browser::start(1200, 900).await;
    let client = browser.client();

    // The count says which range is shown; milliseconds are for engineers.
    client.goto(&format!("{}/?q={}", server.base, encode("推進"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    let first = browser.text("status").await;
    assert!(first.as_str().unwrap().starts_with("1〜10件目／全"), "the heading names the query: {first}");
    // Results under one heading are links told apart by how each item begins.
    let names =
        browser.eval("[...document.querySelectorAll('#results a.hit-link')].map((link) => link.textContent)").await;
    let names: Vec<&str> = names.as_array().unwrap().iter().map(|name| name.as_str().unwrap()).collect();
    assert!(names.iter().any(|name| name.contains('：')), "some results share a heading: {names:?}");
    assert_eq!(names.iter().collect::<std::collections::HashSet<_>>().len(), names.len(), "{names:?}");
    assert!(!first.as_str().unwrap().contains("ミリ秒"), "{first}");

    // Page 2: the range moves, focus goes to the results heading at the top, not the pager.
    client.find(Locator::XPath("//nav[@id='pager']//a[.='2']")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("location.search.includes('page=2') && {HITS}.length > 0")).await;
    browser.wait_for("document.activeElement && document.activeElement.id === 'page-heading'").await;
    assert!(browser.text("status").await.as_str().unwrap().contains("11〜"), "{}", browser.text("status").await);
    assert_eq!(
        browser.eval("window.scrollY <= document.getElementById('page-heading').getBoundingClientRect().top + window.scrollY").await,
        Value::Bool(true),
        "page 2 opens at its top"
    );

    // A facet: the count names the department, focus on the heading again.
    client
        .find(Locator::XPath("(//nav[@id='facets']//a[not(@aria-current)])[2]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for("location.search.includes('department=') && !location.search.includes('page=')").await;
    browser.wait_for("document.activeElement && document.activeElement.id === 'page-heading'").await;
    let department = browser.eval("new URLSearchParams(location.search).get('department')").await;
    browser.wait_for(&format!("document.getElementById('status').textContent.includes({department})")).await;

    // Back from an item returns to where the resident was on the list.
    client.goto(&format!("{}/?q={}", server.base, encode("推進"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    let scrolled = browser.eval("(window.scrollTo(0, document.body.scrollHeight), window.scrollY)").await;
    assert!(scrolled.as_f64().unwrap() > 100.0, "the list is taller than the window: {scrolled}");
    browser.eval("document.querySelectorAll('#results a.hit-link')[9].click()").await;
    browser.wait_for("location.pathname.startsWith('/items/') && document.querySelector('#item-view h1')").await;
    browser.wait_for("document.activeElement === document.querySelector('#item-view h1')").await;
    assert_eq!(browser.eval("window.scrollY").await, 0, "an item page opens at its top");
    client.back().await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10 && Math.abs(window.scrollY - {scrolled}) < 5")).await;
    assert_eq!(
        browser.eval("document.activeElement === document.querySelectorAll('#results a.hit-link')[9]").await,
        Value::Bool(true),
        "back at the result opened"
    );

    // A slow answer to an older search never overwrites the newer one.
    browser
        .wrap_fetch(&format!(
            "(fetch) => (url, init) => String(url).includes('q={}')
                ? new Promise((resolve) => setTimeout(resolve, 800)).then(() => fetch(url, init))
                : fetch(url, init)",
            encode("図書券")
        ))
        .await;
    browser.submit("図書券").await;
    browser.submit("図書館").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        browser.text("page-heading").await.as_str().unwrap().contains("「図書館」"),
        "{}",
        browser.text("page-heading").await
    );
    assert!(browser.text("status").await.as_str().unwrap().contains("全3件"), "{}", browser.text("status").await);
    assert_eq!(browser.eval(&format!("{HITS}.length")).await, 3);
    assert_eq!(browser.eval("document.querySelectorAll('#results .nearby').length").await, 0);

    // A long query that finds nothing costs one request: its nearby words come with the answer.
    browser
        .wrap_fetch("(fetch) => { window.requests = []; return (url, init) => (window.requests.push(String(url)), fetch(url, init)); }")
        .await;
    browser.submit(&"xqzj".repeat(75)).await;
    browser.wait_for("document.getElementById('status').textContent.includes('見つかりませんでした')").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(browser.eval("window.requests.length").await, 1, "{}", browser.eval("window.requests").await);

    // Enter while suggestions are on their way: they do not open over the results.
    let input = client.find(Locator::Css("#q")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys("としょ").await.unwrap();
    input.send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
    browser.wait_for(&format!("location.search.includes('{}') && {HITS}.length > 0", encode("としょ"))).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(browser.eval("document.getElementById('suggestions').hidden").await, Value::Bool(true));

    // A page past the end says so and leads to the last page.
    client.goto(&format!("{}/?q={}&page=2", server.base, encode("図書館"))).await.unwrap();
    browser.wait_for("document.getElementById('status').textContent.includes('このページには項目がありません')").await;
    client.find(Locator::LinkText("最後のページ（1ページ目）へ")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("!location.search.includes('page=') && {HITS}.length === 3")).await;

    // A million matches: a window of pages, none past what the API serves (offset 10,000).
    browser
        .wrap_fetch(
            "(fetch) => async (url, init) => {
               const response = await fetch(url, init);
               if (!String(url).startsWith('/api/search')) return response;
               const body = await response.json();
               body.total = 1000000;
               return new Response(JSON.stringify(body), { status: response.status, headers: { 'Content-Type': 'application/json' } });
             }",
        )
        .await;
    browser.submit("推進").await;
    browser.wait_for("document.querySelectorAll('#pager a').length > 0").await;
    let numbers = browser
        .eval("[...document.querySelectorAll('#pager a')].map((link) => parseInt(new URLSearchParams(link.search).get('page') || '1', 10))")
        .await;
    let numbers: Vec<u64> = numbers.as_array().unwrap().iter().map(|number| number.as_u64().unwrap()).collect();
    assert!(numbers.len() <= 10, "a window, not every page: {numbers:?}");
    assert_eq!(numbers.iter().max(), Some(&1001), "{numbers:?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_japanese_shared_items_offer_a_search_and_a_printout_carries_its_address() {
    let server = Server::start();
    let browser = Browser::start(1200, 900).await;
    let client = browser.client();

    // An unknown item: a Japanese message and a way home, never the API's English.
    client.goto(&format!("{}/items/no-such-item", server.base)).await.unwrap();
    browser.wait_for("!document.getElementById('message-view').hidden").await;
    let message = browser.text("message-view").await;
    assert!(message.as_str().unwrap().contains("見つかりませんでした"), "{message}");
    assert!(!message.as_str().unwrap().contains("no document"), "{message}");
    assert_eq!(browser.eval("document.querySelector('#message-view a').getAttribute('href')").await, "/");
    browser.assert_accessible("an unknown item").await;

    // An address the site does not have: the same, not the API's JSON.
    client.goto(&format!("{}/foo/bar", server.base)).await.unwrap();
    browser.wait_for("!document.getElementById('message-view').hidden").await;
    assert_eq!(browser.eval("document.getElementById('page-heading').textContent").await, "ページが見つかりません");
    let message = browser.text("message-view").await;
    assert!(message.as_str().unwrap().contains("お探しのページは見つかりませんでした"), "{message}");
    browser.assert_accessible("an unknown address").await;

    // A query past the API's limit.
    client.goto(&format!("{}/?q={}", server.base, encode(&"あ".repeat(1001)))).await.unwrap();
    browser.wait_for("!document.getElementById('message-view').hidden").await;
    let message = browser.text("message-view").await;
    assert!(message.as_str().unwrap().contains("長すぎます"), "{message}");
    assert!(!message.as_str().unwrap().contains("characters"), "{message}");

    // A page past what the API serves leads back to the first page of the same search.
    client.goto(&format!("{}/?q={}&page=2000", server.base, encode("推進"))).await.unwrap();
    browser.wait_for("!document.getElementById('message-view').hidden").await;
    assert!(browser.text("message-view").await.as_str().unwrap().contains("最初のページ"));
    client.find(Locator::LinkText("最初のページへ")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("!location.search.includes('page=') && {HITS}.length === 10")).await;

    // Results: each titled by its heading as a link, one h1, the source by title and year.
    client.goto(&format!("{}/?q={}", server.base, encode("図書館"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 3")).await;
    assert_eq!(browser.eval("document.querySelectorAll('h1:not([hidden])').length").await, 1);
    assert_eq!(browser.eval("document.querySelectorAll('#results a.hit-link').length").await, 3);
    assert_eq!(
        browser
            .eval("[...document.querySelectorAll('#results a')].some((link) => link.textContent === 'この項目を開く')")
            .await,
        Value::Bool(false)
    );
    let source = browser.eval("document.querySelector('#results .source').textContent").await;
    assert!(source.as_str().unwrap().contains("各部の方針（案）"), "{source}");
    assert!(!source.as_str().unwrap().contains(".txt"), "{source}");
    browser.assert_accessible("results").await;

    // Order and fiscal years are chosen on the page and kept in the address.
    browser
        .eval(
            "(() => { const sort = document.getElementById('refine-sort'); sort.value = 'newest';
                 sort.dispatchEvent(new Event('change')); return true; })()",
        )
        .await;
    browser.wait_for(&format!("location.search.includes('sort=newest') && {HITS}.length === 3")).await;
    // Changing a setting moves nothing: focus stays on the select for the next arrow key.
    browser.wait_for("document.activeElement && document.activeElement.id === 'refine-sort'").await;
    client
        .goto(&format!("{}/?q={}&year_from=2022&year_to=2022&sort=oldest", server.base, encode("図書館")))
        .await
        .unwrap();
    browser.wait_for(&format!("{HITS}.length === 3")).await;
    assert!(browser.text("status").await.as_str().unwrap().contains("2022年度"), "{}", browser.text("status").await);
    assert_eq!(
        browser
            .eval(
                "['refine-year_from', 'refine-year_to', 'refine-sort'].map((id) => document.getElementById(id).value)"
            )
            .await,
        json!(["2022", "2022", "oldest"])
    );

    // Printed: no form, the address and the date instead.
    browser.emulate_media("print").await;
    assert_eq!(browser.eval("getComputedStyle(document.getElementById('search-form')).display").await, "none");
    assert_eq!(browser.eval("getComputedStyle(document.getElementById('pager')).display").await, "none");
    let printed = browser.text("printed").await;
    assert_eq!(browser.eval("getComputedStyle(document.getElementById('printed')).display").await, "block");
    assert!(printed.as_str().unwrap().contains("q=図書館"), "printed readable: {printed}");
    browser.emulate_media("screen").await;
    assert_eq!(browser.eval("getComputedStyle(document.getElementById('printed')).display").await, "none");

    // Nothing found: concrete help, nearby words, no empty facet.
    client.goto(&format!("{}/?q={}", server.base, encode("図書券"))).await.unwrap();
    browser.wait_for("document.querySelector('#results .nearby a')").await;
    let help = browser.text("results").await;
    assert!(help.as_str().unwrap().contains("ひらがな"), "{help}");
    assert_eq!(browser.eval("document.getElementById('facets-panel').hidden").await, Value::Bool(true));
    // The help takes the width the hidden departments leave, and there is nothing to order.
    let width = browser.eval("document.getElementById('results').getBoundingClientRect().width").await;
    assert!(width.as_f64().unwrap() > 600.0, "the help is not squeezed into the departments' column: {width}");
    assert_eq!(browser.eval("document.getElementById('refine-sort') === null").await, Value::Bool(true));
    browser.assert_accessible("no results").await;

    // An item opened from a shared link offers searches for its heading, not an empty home page.
    client.goto(&format!("{}/items/komae-2022-policies-009", server.base)).await.unwrap();
    browser.wait_for("document.querySelector('#item-view h1')").await;
    let offered = browser
        .eval("[...document.querySelectorAll('#item-view .back a')].map((link) => link.getAttribute('href'))")
        .await;
    let offered = offered.as_array().unwrap();
    assert!(
        !offered.is_empty() && offered.iter().all(|href| href.as_str().unwrap().starts_with("/?q=")),
        "{offered:?}"
    );
    assert_eq!(browser.eval("document.querySelectorAll('h1:not([hidden])').length").await, 1);
    browser.assert_accessible("an item").await;

    client.goto(&format!("{}/", server.base)).await.unwrap();
    browser.wait_for("document.getElementById('status').textContent.length > 0").await;
    browser.assert_accessible("home").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_results_are_large_tap_targets_and_the_first_result_is_on_the_first_screen() {
    let server = Server::start();
    let browser = Browser::start(390, 844).await;
    let client = browser.client();
    client.goto(&format!("{}/?q={}", server.base, encode("推進"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    assert_eq!(browser.eval("window.innerWidth").await, 390);
    for target in ["#results a.hit-link", "#q", "#search-form button"] {
        let height = browser.eval(&format!("document.querySelector('{target}').getBoundingClientRect().height")).await;
        assert!(height.as_f64().unwrap() >= 44.0, "{target}: {height}");
    }
    // The whole result opens the item.
    let whole = browser
        .eval(
            "(() => { const hit = document.querySelector('#results li.hit'); const box = hit.getBoundingClientRect();
                 const at = document.elementFromPoint(box.left + box.width / 2, box.bottom - 6);
                 return at.closest('a') !== null || at === hit; })()",
        )
        .await;
    assert_eq!(whole, Value::Bool(true));
    assert_eq!(
        browser
            .eval("document.querySelector('#results li.hit').getBoundingClientRect().top < window.innerHeight")
            .await,
        Value::Bool(true),
        "the department list is folded so the first result shows"
    );
    browser.assert_accessible("results on a phone").await;
    client.find(Locator::Css("#results a.hit-link")).await.unwrap().click().await.unwrap();
    browser.wait_for("document.querySelector('#item-view h1')").await;
    browser.assert_accessible("an item on a phone").await;

    for (page, path, ready) in [
        ("home on a phone", "/".to_string(), "document.getElementById('status').textContent.length > 0"),
        ("no results on a phone", format!("/?q={}", encode("図書券")), "document.querySelector('#results .nearby a')"),
        (
            "an unknown item on a phone",
            "/items/no-such-item".to_string(),
            "!document.getElementById('message-view').hidden",
        ),
    ] {
        client.goto(&format!("{}{path}", server.base)).await.unwrap();
        browser.wait_for(ready).await;
        browser.assert_accessible(page).await;
    }

    // The chosen suggestion is as clear as the focus ring.
    let input = client.find(Locator::Css("#q")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys("としょ").await.unwrap();
    browser.wait_for("!document.getElementById('suggestions').hidden").await;
    let height =
        browser.eval("document.querySelector('#suggestions [role=option]').getBoundingClientRect().height").await;
    assert!(height.as_f64().unwrap() >= 44.0, "a suggestion: {height}");
    input.send_keys(&char::from(Key::Down).to_string()).await.unwrap();
    let colours = browser
        .eval(
            "(() => { const option = document.querySelector('#suggestions [aria-selected=true]');
                 const style = getComputedStyle(option); return [style.backgroundColor, style.color]; })()",
        )
        .await;
    assert_eq!(colours, json!(["rgb(11, 92, 173)", "rgb(255, 255, 255)"]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_browses_without_a_query_and_reads_how_a_search_was_widened() {
    let server = Server::start();
    let browser = Browser::start(1280, 900).await;
    let client = browser.client();

    // The home page offers every department and year, with item counts.
    client.goto(&format!("{}/", server.base)).await.unwrap();
    browser.wait_for("document.querySelectorAll('#home-view a.facet').length > 5").await;
    let offered = browser
        .eval("[...document.querySelectorAll('#home-view section')].map((group) => group.querySelector('h2').textContent)")
        .await;
    assert_eq!(offered, json!(["部署から探す", "年度から探す"]), "one municipality: nothing to choose");
    let welfare = "[...document.querySelectorAll('#home-view a.facet')].find((link) => link.textContent.startsWith('福祉保健部'))";
    let count = browser.eval(&format!("{welfare}.querySelector('.count').textContent")).await;
    browser.assert_accessible("home").await;
    browser.screenshot("home.png").await;

    // A department's items, in the documents' order, paged, with nothing marked.
    browser.eval(&format!("{welfare}.click()")).await;
    browser.wait_for(&format!("location.search.includes('department=') && {HITS}.length === 10")).await;
    assert_eq!(browser.text("page-heading").await, "福祉保健部の項目");
    let status = browser.text("status").await;
    assert!(status.as_str().unwrap().contains(&format!("全{}", count.as_str().unwrap())), "{status} vs {count}");
    assert!(!browser.eval("location.search.includes('q=')").await.as_bool().unwrap());
    assert_eq!(browser.eval("document.querySelectorAll('#results mark').length").await, 0);
    assert_eq!(browser.eval("document.querySelector('#refine-sort option').textContent").await, "掲載順");
    client.find(Locator::XPath("//nav[@id='pager']//a[.='2']")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("location.search.includes('page=2') && {HITS}.length > 0")).await;
    browser.assert_accessible("a department browsed").await;
    // Its facet panel leads back to every department, which is the home page.
    client
        .find(Locator::XPath("//nav[@id='facets']//a[contains(., 'すべての部署')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for("location.search === '' && !document.getElementById('home-view').hidden").await;

    // A widened search says how, and offers the words exactly as typed, and back.
    client.goto(&format!("{}/?q={}", server.base, encode("子育て"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length > 0 && !document.getElementById('notice').hidden")).await;
    let notice = browser.text("notice").await;
    assert!(notice.as_str().unwrap().contains("「子育て」と同じ意味の「育児」も含めて検索しました。"), "{notice}");
    browser.screenshot("widened.png").await;
    client.find(Locator::LinkText("入力どおり「子育て」で検索する")).await.unwrap().click().await.unwrap();
    browser.wait_for("location.search.includes('exact=true') && document.getElementById('notice').textContent.includes('入力どおりに検索しました')").await;
    browser.assert_accessible("a search as typed").await;
    client.find(Locator::LinkText("同じ意味の語なども含めて検索する")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            "!location.search.includes('exact') && document.getElementById('notice').textContent.includes('育児')",
        )
        .await;
    // A correction is said as one.
    client.goto(&format!("{}/?q={}", server.base, encode("往民"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length > 0 && !document.getElementById('notice').hidden")).await;
    let notice = browser.text("notice").await;
    assert!(notice.as_str().unwrap().contains("「往民」を「住民」として検索しました。"), "{notice}");

    // A very long query is repeated shortened, its words once, and the first result is on the first screen.
    let long: String = "図書館 公園 ".repeat(80).chars().take(500).collect();
    client.goto(&format!("{}/?q={}", server.base, encode(&long))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length > 0")).await;
    let heading = browser.text("page-heading").await;
    assert!(heading.as_str().unwrap().chars().count() < 60, "{heading}");
    let notice = browser.text("notice").await;
    assert!(notice.as_str().unwrap().contains("「図書館・公園」をすべて含む項目はないため、"), "{notice}");
    assert_eq!(
        browser.eval(&format!("{HITS}[0].getBoundingClientRect().top < window.innerHeight")).await,
        Value::Bool(true)
    );

    // A phrase found in a heading is marked there.
    client.goto(&format!("{}/?q={}", server.base, encode("\"DX戦略\""))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length > 0")).await;
    assert_eq!(browser.eval("document.querySelector('#results a.hit-link mark').textContent").await, "DX戦略");

    // Dark when the resident's system is, every contrast kept.
    browser.emulate_color_scheme("dark").await;
    client.goto(&format!("{}/?q={}", server.base, encode("子育て 図書館 防災"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length > 0 && !document.getElementById('notice').hidden")).await;
    let background = browser.eval("getComputedStyle(document.documentElement).backgroundColor").await;
    assert_eq!(background, "rgb(20, 20, 20)");
    browser.assert_accessible("results in dark colours").await;
    browser.screenshot("dark.png").await;
    browser.emulate_color_scheme("light").await;

    // Years that hold nothing offer no department that would then give nothing.
    client.goto(&format!("{}/?q={}&year_from=2030", server.base, encode("防災"))).await.unwrap();
    browser.wait_for("document.getElementById('status').textContent.includes('見つかりませんでした')").await;
    assert_eq!(browser.eval("document.getElementById('facets-panel').hidden").await, Value::Bool(true));
    browser.close().await;
}

/// For each hit of the results shown, whether it carries the found-by-meaning badge.
const MARKED: &str =
    "[...document.querySelectorAll('#results li.hit')].map((hit) => hit.querySelector('.hit-title .badge') !== null)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_found_only_by_meaning_are_marked_and_an_item_lists_items_near_in_meaning() {
    let base = serve_seed_with_meaning().await;
    let browser = Browser::start(1200, 900).await;
    let client = browser.client();

    // No word of 家賃が払えない is in the seed: every hit is found by meaning, and the count says so.
    client.goto(&format!("{}/?q={}", base, encode("家賃が払えない"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    let status = browser.text("status").await;
    let status = status.as_str().unwrap();
    assert!(status.contains("言葉の一致する項目はありませんでした"), "{status}");
    assert!(status.contains("意味の近い項目を表示しています"), "{status}");
    assert!(status.contains("1〜10件目"), "{status}");
    assert_eq!(browser.eval(MARKED).await, json!(vec![true; 10]));
    let badge = browser.eval("document.querySelector('#results .hit-title .badge').textContent").await;
    assert_eq!(badge, "意味の近い項目");
    // Nothing on the page matched words, so no line parts word matches from meaning's.
    assert_eq!(browser.eval("document.querySelectorAll('#results .divider').length").await, 0);
    browser.screenshot("results-meaning.png").await;
    browser.assert_accessible("results found by meaning").await;

    // 図書館 is in three items: they come first, unmarked; meaning's follow, marked, after a line.
    client.goto(&format!("{}/?q={}", base, encode("図書館"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    let marked: Vec<bool> =
        browser.eval(MARKED).await.as_array().unwrap().iter().map(|marked| marked.as_bool().unwrap()).collect();
    assert_eq!(&marked[..3], &[false, false, false], "{marked:?}");
    assert!(marked[3..].iter().all(|&marked| marked), "{marked:?}");
    let status = browser.text("status").await;
    assert!(status.as_str().unwrap().contains("1〜10件目／全"), "{status}");
    assert!(status.as_str().unwrap().contains("うち意味の近い項目"), "{status}");
    assert_eq!(
        browser
            .eval(
                "(() => { const dividers = document.querySelectorAll('#results .divider');
                     return dividers.length === 1 && dividers[0].nextElementSibling.querySelector('.badge') !== null
                       && dividers[0].previousElementSibling.querySelector('.badge') === null; })()"
            )
            .await,
        Value::Bool(true),
        "one line, between the word matches and meaning's"
    );
    // Word matches keep their highlighted words.
    assert_eq!(
        browser.eval("document.querySelectorAll('#results li.hit:not(.by-meaning) mark').length > 0").await,
        Value::Bool(true)
    );
    browser.eval("(document.querySelector('#results .divider').scrollIntoView({ block: 'center' }), true)").await;
    browser.screenshot("results-words-and-meaning.png").await;
    browser.assert_accessible("word and meaning results").await;

    // An item lists up to five items near it in meaning, each a link to its page.
    browser.eval("document.querySelector('#results a.hit-link').click()").await;
    browser.wait_for("location.pathname.startsWith('/items/') && document.querySelector('#item-view h1')").await;
    browser.wait_for("document.querySelectorAll('#item-view .similar:not([hidden]) li a').length > 0").await;
    let shown = browser.eval("decodeURIComponent(location.pathname.slice('/items/'.length))").await;
    let links = browser
        .eval("[...document.querySelectorAll('#item-view .similar li a')].map((link) => link.getAttribute('href'))")
        .await;
    let links = links.as_array().unwrap();
    assert!((1..=5).contains(&links.len()), "{links:?}");
    for link in links {
        let link = link.as_str().unwrap();
        assert!(link.starts_with("/items/"), "{link}");
        assert_ne!(link, format!("/items/{}", shown.as_str().unwrap()), "an item is not near itself");
    }
    let siblings = browser
        .eval("[...document.querySelectorAll('#item-view .siblings a')].map((link) => link.getAttribute('href'))")
        .await;
    assert!(siblings.as_array().unwrap().iter().all(|sibling| !links.contains(sibling)), "listed twice: {siblings}");
    assert_eq!(browser.eval("document.getElementById('similar-heading').textContent").await, "意味の近い項目");
    assert_eq!(browser.eval("document.querySelectorAll('h1:not([hidden])').length").await, 1);
    browser.eval("(document.getElementById('similar-heading').scrollIntoView(), true)").await;
    browser.screenshot("item-similar.png").await;
    browser.assert_accessible("an item with items near in meaning").await;

    // A near item opens like any other link, and lists its own.
    let target = links[0].as_str().unwrap().to_string();
    client.find(Locator::Css("#item-view .similar li a")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("location.pathname === {}", json!(target))).await;
    browser.wait_for("document.querySelectorAll('#item-view .similar:not([hidden]) li a').length > 0").await;

    // When meaning cannot answer (still computing, or off) the section is simply not there.
    browser
        .wrap_fetch(
            "(fetch) => (url, init) => String(url).includes('/similar')
                ? Promise.resolve(new Response(JSON.stringify({ error: { code: 'meaning_unavailable', message: 'off' } }),
                    { status: 503, headers: { 'Content-Type': 'application/json' } }))
                : fetch(url, init)",
        )
        .await;
    browser.eval("document.querySelector('#item-view .siblings a, #item-view .similar li a').click()").await;
    browser
        .wait_for(&format!("location.pathname !== {} && document.querySelector('#item-view h1')", json!(target)))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(browser.eval("document.getElementById('item-view').hidden").await, Value::Bool(false));
    assert_eq!(browser.eval("document.querySelector('#item-view .similar').hidden").await, Value::Bool(true));
    assert_eq!(browser.eval("document.getElementById('message-view').hidden").await, Value::Bool(true));

    // The same, on a phone.
    browser.emulate_phone(390, 844).await;
    client.goto(&format!("{}/?q={}", base, encode("図書館"))).await.unwrap();
    browser.wait_for(&format!("{HITS}.length === 10")).await;
    assert_eq!(browser.eval("window.innerWidth").await, 390);
    browser.assert_accessible("word and meaning results on a phone").await;
    browser.eval("document.querySelector('#results li.by-meaning a.hit-link').click()").await;
    browser.wait_for("document.querySelectorAll('#item-view .similar:not([hidden]) li a').length > 0").await;
    browser.assert_accessible("an item with items near in meaning on a phone").await;
    browser.close().await;
}
