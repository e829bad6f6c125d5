//! Shared helpers: workspace paths, the analysis and the seed index loaded
//! once per test process, the application in process (axum's `oneshot`, no
//! socket), and a real `hoshin serve` process for the tests whose subject is
//! the process itself.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use hoshin_analysis::PreparedAnalysis;
use hoshin_embed::Embedder;
use hoshin_indexer::{open_or_build, BuildInputs, IndexLayout};
use hoshin_search::{Meaning, QueryLists, SearchEngine};
use hoshin_server::{
    app, ApiTokens, AppState, HttpConfig, Live, MeaningConfig, Serving, Sources, DEFAULT_QUERY_VECTORS,
};
use serde_json::Value;
use tower::ServiceExt;

/// The repository root.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The committed seed directory.
pub fn seeds_dir() -> PathBuf {
    workspace().join("seeds")
}

/// The seed file every test reads.
pub fn seed_file() -> PathBuf {
    seeds_dir().join("komae-2022-policies.txt")
}

/// The repository's own test data.
pub fn test_data(name: &str) -> PathBuf {
    workspace().join("tests/data").join(name)
}

/// A temporary seed directory holding a copy of the seed and its metadata,
/// for tests that add to it.
pub fn seed_copy() -> tempfile::TempDir {
    let seeds = tempfile::tempdir().unwrap();
    for name in ["komae-2022-policies.txt", "komae-2022-policies.json"] {
        std::fs::copy(seeds_dir().join(name), seeds.path().join(name)).unwrap();
    }
    seeds
}

/// The workspace's compiled dictionary, shared by every test process.
pub fn dictionary_dir() -> PathBuf {
    workspace().join("index").join("dictionary")
}

/// The committed word lists.
pub fn data_dir() -> PathBuf {
    workspace().join("data")
}

/// The dictionary and word lists as the server loads them, loaded once.
pub fn analysis() -> &'static PreparedAnalysis {
    static ANALYSIS: OnceLock<PreparedAnalysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| {
        PreparedAnalysis::prepare(&dictionary_dir(), &data_dir()).expect("the dictionary and data files load")
    })
}

/// Build inputs over `seeds` with the shared analysis.
pub fn inputs(seeds: &Path) -> BuildInputs<'_> {
    BuildInputs::new(seeds, analysis())
}

/// The query-time lists over the shared analysis, loaded once per test process.
pub fn query_lists() -> QueryLists {
    static LISTS: OnceLock<QueryLists> = OnceLock::new();
    LISTS.get_or_init(|| QueryLists::load(analysis()).expect("the synonym dictionary loads")).clone()
}

/// A search engine over `index` with the committed word lists.
pub fn engine_over(index: &tantivy::Index) -> SearchEngine {
    SearchEngine::new(index, &analysis().analyzers, query_lists(), None).unwrap()
}

/// The e5 model, loaded once per test process, with a vector cache every
/// test of every run shares (vectors are keyed by text and model, so a run
/// reuses the last one's).
pub fn meaning() -> Arc<Meaning> {
    static MEANING: OnceLock<Arc<Meaning>> = OnceLock::new();
    MEANING
        .get_or_init(|| {
            let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vectors.cache");
            let (embedder, cache) = Embedder::load_with_cache(&Embedder::default_path(), &cache)
                .expect("the e5 model: `make test` installs it");
            Arc::new(Meaning::new(Arc::new(embedder), Arc::new(cache), DEFAULT_QUERY_VECTORS))
        })
        .clone()
}

/// Waits until every item `engine` serves has its vector.
pub fn wait_for_vectors(live: &Live) {
    let started = std::time::Instant::now();
    loop {
        let (embedded, items) = live.serving().vector_count();
        if embedded == items {
            return;
        }
        assert!(started.elapsed().as_secs() < 600, "vectors still missing: {embedded} of {items}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The seed, indexed once per test process (reused across runs while fresh),
/// with every item's vector, and only ever read: its engine, and the application over it, which has
/// no API token and so refuses every write.
pub struct SeedFixture {
    /// What the application is made of, for one of another configuration.
    pub state: AppState,
    /// The application over the seed.
    pub app: TestApp,
    serving: Serving,
}

impl SeedFixture {
    /// The engine every read-only test searches.
    pub fn engine(&self) -> &SearchEngine {
        &self.serving
    }
}

/// Where an application reads from: the index at `index_root`, the seeds
/// and the word lists of `data` (the committed ones, or a test's copy).
pub fn sources(index_root: &Path, seeds: &Path, data: &Path) -> Sources {
    Sources {
        layout: IndexLayout::new(index_root),
        seeds: seeds.to_path_buf(),
        dictionary: dictionary_dir(),
        data: data.to_path_buf(),
        meaning: MeaningConfig::Off,
        store: None,
    }
}

/// What the application serves: the index of `sources`, built if missing or
/// stale, writable with `tokens`. The word lists in `sources` must be those
/// of [`analysis`] when the application starts.
pub fn app_state(sources: Sources, tokens: ApiTokens) -> AppState {
    AppState { live: Live::open(sources, analysis()).expect("the seeds index"), tokens: Arc::new(tokens) }
}

/// The shared read-only seed fixture.
pub fn seed() -> &'static SeedFixture {
    static SEED: OnceLock<SeedFixture> = OnceLock::new();
    SEED.get_or_init(|| {
        let index_root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("seed-index");
        let sources =
            Sources { meaning: MeaningConfig::Shared(meaning()), ..sources(&index_root, &seeds_dir(), &data_dir()) };
        let state = app_state(sources, ApiTokens::default());
        wait_for_vectors(&state.live);
        SeedFixture { app: TestApp::new(state.clone(), &HttpConfig::default()), serving: state.live.serving(), state }
    })
}

/// An index of passages written the ways other cities write (`tests/data/other-cities`:
/// other vocabulary, era years, 旧字体, line wraps, OCR losses), built once per
/// test process and only ever read.
pub fn other_cities() -> &'static SearchEngine {
    static ENGINE: OnceLock<SearchEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let index_root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("other-cities-index");
        let index = open_or_build(&IndexLayout::new(&index_root), inputs(&test_data("other-cities")))
            .expect("the other cities' passages index");
        engine_over(&index)
    })
}

/// A temporary copy of the committed word lists, for tests that edit them.
pub fn data_copy() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, data.path().join(path.file_name().unwrap())).unwrap();
    }
    data
}

/// What the tests ask of the API, in process or over a socket.
pub trait Client {
    /// Sends `body` of `content_type` with `method` and an optional bearer
    /// token; returns the status and the JSON body.
    fn send(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> (u16, Value);

    /// Sends a body-less request with `method`.
    fn request(&self, method: &str, path_and_query: &str) -> (u16, Value) {
        self.send(method, path_and_query, None, "application/json", b"")
    }

    /// GETs `path_and_query`.
    fn get(&self, path_and_query: &str) -> (u16, Value) {
        self.request("GET", path_and_query)
    }

    /// Sends `body` as JSON with `method`, with `Authorization: Bearer token`
    /// when `token` is given.
    fn send_json(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        self.send(method, path, token, "application/json", body.to_string().as_bytes())
    }

    /// Searches with already URL-encoded parameters, expecting success.
    fn search(&self, parameters: &str) -> Value {
        let (status, body) = self.get(&format!("/api/search?{parameters}"));
        assert_eq!(status, 200, "{parameters}: {body}");
        body
    }
}

/// The application in process: requests go through the whole router
/// (admission, extractors, handlers, workers, errors) without a socket.
pub struct TestApp {
    router: axum::Router,
}

/// One runtime for every in-process request of the test binary.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap())
}

impl TestApp {
    /// The application over `state`.
    pub fn new(state: AppState, config: &HttpConfig) -> TestApp {
        TestApp { router: app(state, config) }
    }

    /// A writable application over its own index of `seeds` at `index`,
    /// accepting `token`.
    pub fn writable(index: &Path, seeds: &Path, token: &str) -> TestApp {
        let state = app_state(sources(index, seeds, &data_dir()), ApiTokens::new([token]));
        TestApp::new(state, &HttpConfig::default())
    }

    /// Sends `request` and returns the status, the headers and the body.
    pub fn call(&self, request: Request<Body>) -> (u16, HeaderMap, Vec<u8>) {
        runtime().block_on(async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, headers, body.to_vec())
        })
    }
}

impl Client for TestApp {
    fn send(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> (u16, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .header("host", "localhost");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let (status, _, body) = self.call(request.body(Body::from(body.to_vec())).unwrap());
        let json = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("{method} {path} answered non-JSON {:?}", String::from_utf8_lossy(&body)));
        (status, json)
    }
}

/// A `hoshin serve` process on a free loopback port, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    own_index_root: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts the server binary over the seed with its own index directory.
    pub fn start() -> Server {
        Server::start_with(&seeds_dir(), &[])
    }

    /// Starts the server binary over `seeds` with extra `serve` flags.
    pub fn start_with(seeds: &Path, flags: &[&str]) -> Server {
        let index_root = tempfile::tempdir().unwrap();
        let mut server = Server::start_at(index_root.path(), seeds, flags);
        server.own_index_root = Some(index_root);
        server
    }

    /// Starts the server binary on the index root `index`, which outlives it.
    pub fn start_at(index: &Path, seeds: &Path, flags: &[&str]) -> Server {
        Server::start_with_data(index, seeds, &data_dir(), flags)
    }

    /// Starts the server binary on the index root `index` with the word lists of `data`.
    pub fn start_with_data(index: &Path, seeds: &Path, data: &Path, flags: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hoshin"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .arg("--index")
            .arg(index)
            .arg("--seeds")
            .arg(seeds)
            .arg("--dictionary")
            .arg(dictionary_dir())
            .arg("--data")
            .arg(data)
            .args(flags)
            .env("RUST_LOG", "warn")
            .env("HOSHIN_E5_MODEL", WITHOUT_MODEL)
            .stdout(Stdio::piped())
            .spawn()
            .expect("hoshin starts");
        let stdout = child.stdout.take().unwrap();
        let mut first_line = String::new();
        BufReader::new(stdout).read_line(&mut first_line).unwrap();
        let base = first_line
            .trim()
            .strip_prefix("hoshin listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
            .to_string();
        Server { child, base, own_index_root: None }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to exit by itself, for at most `patience`.
    pub fn wait_for_exit(&mut self, patience: std::time::Duration) -> Option<std::process::ExitStatus> {
        let started = std::time::Instant::now();
        while started.elapsed() < patience {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    /// Sends `request_head` (request line and headers, without the blank line)
    /// as written, byte for byte, and returns the status and the body.
    pub fn raw(&self, request_head: &[u8]) -> (u16, Vec<u8>) {
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        stream.write_all(request_head).unwrap();
        stream.write_all(b"\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let head_end = response.windows(4).position(|window| window == b"\r\n\r\n").expect("a complete response");
        let head = String::from_utf8_lossy(&response[..head_end]).to_string();
        let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).expect("a status code");
        let mut body = response[head_end + 4..].to_vec();
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            body = unchunk(&body);
        }
        (status, body)
    }
}

impl Client for Server {
    fn send(&self, method: &str, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> (u16, Value) {
        let url = format!("{}{}", self.base, path);
        let mut request = ureq::request(method, &url).set("Content-Type", content_type);
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let response = match request.send_bytes(body) {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("{method} {url}: {error}"),
        };
        let status = response.status();
        let text = response.into_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{url} answered non-JSON {text:?}")))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The model path the processes tests start are given unless they pass
/// `--model`: none, so that they search by words and embed nothing, as the
/// tests whose subject is meaning run in process over one loaded model.
pub const WITHOUT_MODEL: &str = "/nonexistent/e5-small-q4.bin";

/// Runs the `hoshin` command to its end, quietly logged.
pub fn hoshin(args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hoshin"));
    command.args(args).env("RUST_LOG", "warn").env("HOSHIN_E5_MODEL", WITHOUT_MODEL).output().unwrap()
}

/// Percent-encodes a query parameter value.
pub fn encode(value: &str) -> String {
    let mut encoded = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The ids of a search answer's hits, in order.
pub fn hit_ids(results: &Value) -> Vec<String> {
    results["hits"].as_array().unwrap().iter().map(|hit| hit["id"].as_str().unwrap().to_string()).collect()
}

fn unchunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = chunked.windows(2).position(|window| window == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&chunked[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&chunked[line_end + 2..line_end + 2 + size]);
        chunked = &chunked[line_end + 2 + size + 2..];
    }
}
