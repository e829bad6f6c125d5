//! Command-line flags, and the validated configuration built from them.

use std::net::SocketAddr;
use std::path::PathBuf;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand};
use hoshin_import::{parse_fiscal_year, ImportError, ImportLimits, ImportOptions};
use hoshin_server::admission::AdmissionLimits;
use hoshin_server::connections::ConnectionLimits;
use hoshin_server::workers::IndexWorkers;
use hoshin_server::{ApiTokens, HttpConfig, DEFAULT_QUERY_VECTORS};

use crate::import::{ImportJob, Target};

/// hoshin: full-text search for Japanese municipal policy text.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Flags {
    #[command(subcommand)]
    command: CommandFlags,
}

#[derive(Debug, Subcommand)]
enum CommandFlags {
    /// Build the index from the seeds if it is missing or stale, then serve the API.
    Serve {
        /// Address to listen on; port 0 picks a free port (printed at start).
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        #[command(flatten)]
        paths: PathFlags,
        #[command(flatten)]
        http: HttpFlags,
        #[command(flatten)]
        store: StoreFlags,
        /// Queries whose vectors are kept, so that a query asked again is not
        /// embedded again; 0 embeds every query anew.
        #[arg(long, default_value_t = DEFAULT_QUERY_VECTORS)]
        query_vectors: usize,
    },
    /// Rebuild the index from the seeds and publish it atomically.
    Index {
        #[command(flatten)]
        paths: PathFlags,
        #[command(flatten)]
        store: StoreFlags,
    },
    /// Write a deterministic corpus of any size in the seed format, recombined
    /// from the seeds, for benchmarks.
    Generate {
        /// How many items to write.
        #[arg(long)]
        items: usize,
        /// Seed of the generator; the same seed and size give the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Directory to write the files into.
        #[arg(long)]
        out: PathBuf,
        /// Directory of the seed files to recombine.
        #[arg(long, default_value = "seeds")]
        seeds: PathBuf,
    },
    /// Read documents (PDF, Word, Excel, HTML, outline text) into items and
    /// send them to a running server's write API.
    Import {
        /// Files, and directories to import every document of.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print the outline and the items that would be sent, with counts; send nothing (no server needed).
        #[arg(long)]
        dry_run: bool,
        /// Read PDF pages without a text layer by OCR (tesseract, Japanese; slow); their items say so.
        #[arg(long)]
        ocr: bool,
        /// The running server to send the items to.
        #[arg(long, env = "HOSHIN_SERVER", default_value = "http://127.0.0.1:3000")]
        server: String,
        /// An API token the server accepts for writes.
        #[arg(long, env = "HOSHIN_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// The municipality the documents are of, e.g. 狛江市.
        #[arg(long)]
        municipality: Option<String>,
        /// The fiscal year (令和6年度, 2024年度, R6 or 2024), for documents that do not say it.
        #[arg(long)]
        year: Option<String>,
        /// Where the city publishes the documents.
        #[arg(long)]
        url: Option<String>,
        #[command(flatten)]
        limits: ImportLimitFlags,
    },
    /// Check the journal of API writes, or copy its intact entries to a new file.
    Journal {
        #[command(subcommand)]
        action: JournalFlags,
    },
    /// Print every item of the seed files as one JSON object per line, for
    /// loading the same corpus into other systems (the Groonga comparison).
    Export {
        /// Directory of the seed files to read.
        #[arg(long, default_value = "seeds")]
        seeds: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum JournalFlags {
    /// List every damaged line (file, line, byte offset, what is wrong); exits 1 if any.
    Check {
        /// The journal [default: index/journal.jsonl].
        #[arg(long, default_value = "index/journal.jsonl")]
        journal: PathBuf,
    },
    /// Copy every intact entry to NEW_FILE and list the lines left out; the
    /// journal itself is left as it is, for you to replace once satisfied.
    Repair {
        /// The journal [default: index/journal.jsonl].
        #[arg(long, default_value = "index/journal.jsonl")]
        journal: PathBuf,
        /// Where to write the copy; must not exist.
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ImportLimitFlags {
    /// Change a bound every imported document must keep, e.g. `items=500` or
    /// `html-depth=128`; repeat for more. The bounds and their defaults are
    /// listed in the README ("Import limits").
    #[arg(long = "import-limit", value_name = "NAME=VALUE")]
    import_limits: Vec<String>,
}

impl TryFrom<ImportLimitFlags> for ImportLimits {
    type Error = anyhow::Error;

    fn try_from(flags: ImportLimitFlags) -> anyhow::Result<Self> {
        let mut limits = ImportLimits::default();
        for setting in &flags.import_limits {
            limits.set(setting).map_err(|message| anyhow::anyhow!("--import-limit {message}"))?;
        }
        Ok(limits)
    }
}

#[derive(Debug, Args)]
struct HttpFlags {
    /// An origin (scheme://host[:port]) whose pages may call the API; repeat for more.
    /// Default: none, so browsers keep the API to its own origin.
    #[arg(long = "cors-origin", env = "HOSHIN_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Requests handled at once; more wait up to a second, then get 503.
    #[arg(long, default_value_t = AdmissionLimits::default().max_in_flight)]
    max_in_flight: usize,
    /// File of API tokens allowed to write, one per line (blank lines and # comments
    /// ignored). Without any token, writing through the API is refused.
    #[arg(long)]
    api_token_file: Option<PathBuf>,
    /// API tokens allowed to write, comma-separated (prefer --api-token-file: the
    /// environment of a process is easy to read).
    #[arg(long = "api-token", env = "HOSHIN_API_TOKENS", value_delimiter = ',', hide_env_values = true)]
    api_tokens: Vec<String>,
    /// Searches, look-ups and writes run at once; more wait their turn [default: 1 per core + 1].
    #[arg(long)]
    index_workers: Option<usize>,
    /// Threads reading and writing the sockets [default: 1 per 4 cores, at least 1].
    #[arg(long)]
    http_threads: Option<usize>,
    /// Longest a request may take, in milliseconds, before it is answered 408.
    #[arg(long, default_value_t = AdmissionLimits::default().request_timeout.as_millis() as u64)]
    request_timeout_ms: u64,
    /// Connections open at once; more wait in the listener's backlog.
    #[arg(long, default_value_t = ConnectionLimits::default().max_connections)]
    max_connections: usize,
    /// Longest a client may take to send a request's headers, or leave a
    /// kept-alive connection idle, in milliseconds; then it is closed.
    #[arg(long, default_value_t = ConnectionLimits::default().header_read_timeout.as_millis() as u64)]
    header_timeout_ms: u64,
    #[command(flatten)]
    import_limits: ImportLimitFlags,
}

#[derive(Debug, Args)]
struct StoreFlags {
    /// PostgreSQL keeping what the API writes, for a fleet of nodes that each
    /// follow it, instead of the index root's journal:
    /// postgres://USER@HOST:PORT[,HOST:PORT…]/DATABASE[?target_session_attrs=read-write].
    /// No password in it: see --store-password-file.
    #[arg(long, env = "HOSHIN_STORE")]
    store: Option<String>,
    /// File whose first line is the store's password [default: PGPASSWORD from the environment].
    #[arg(long, env = "HOSHIN_STORE_PASSWORD_FILE")]
    store_password_file: Option<PathBuf>,
}

/// A store to follow: its address and password.
#[derive(Clone)]
pub struct StoreConfig {
    /// The address, without a password.
    pub url: String,
    /// The password, when the store asks for one.
    pub password: Option<String>,
}

/// Never prints the password.
impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("StoreConfig").field("url", &self.url).finish_non_exhaustive()
    }
}

impl StoreFlags {
    fn config(self) -> anyhow::Result<Option<StoreConfig>> {
        let Some(url) = self.store else {
            anyhow::ensure!(self.store_password_file.is_none(), "--store-password-file without --store");
            return Ok(None);
        };
        let password = match &self.store_password_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                Some(text.lines().next().unwrap_or_default().to_string())
            }
            None => std::env::var("PGPASSWORD").ok(),
        };
        Ok(Some(StoreConfig { url, password }))
    }
}

#[derive(Debug, Args)]
struct PathFlags {
    /// Index root directory: the index generations, CURRENT naming the live one, and the journal.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Directory of seed `*.txt` files in the policy text format (with optional
    /// `NAME.json` metadata beside each); missing or empty, the index starts empty.
    #[arg(long, default_value = "seeds")]
    seeds: PathBuf,
    /// Where the compiled IPADIC dictionary is kept [default: INDEX/dictionary].
    #[arg(long)]
    dictionary: Option<PathBuf>,
    /// Directory of the editable word lists: variants.tsv, synonyms.tsv, userdict.csv.
    #[arg(long, default_value = "data")]
    data: PathBuf,
    /// The e5 model file semantic search embeds with (installed by scripts/install-e5-model);
    /// without a usable one, searches are by words only.
    #[arg(long, env = "HOSHIN_E5_MODEL", default_value = hoshin_embed::DEFAULT_MODEL_PATH)]
    model: PathBuf,
}

/// Where hoshin reads and writes.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Index root directory.
    pub index: PathBuf,
    /// Seed directory.
    pub seeds: PathBuf,
    /// Compiled dictionary directory.
    pub dictionary: PathBuf,
    /// Word-list directory.
    pub data: PathBuf,
    /// The e5 model file.
    pub model: PathBuf,
}

/// What to do, fully resolved.
#[derive(Debug, Clone)]
pub enum Config {
    /// Serve the API on `addr`.
    Serve {
        /// Listening address.
        addr: SocketAddr,
        /// Paths.
        paths: Paths,
        /// Limits and cross-origin access.
        http: HttpConfig,
        /// Who may write.
        tokens: Arc<ApiTokens>,
        /// Queries whose vectors are kept.
        query_vectors: usize,
        /// The store a node of a fleet follows.
        store: Option<StoreConfig>,
    },
    /// Rebuild the index.
    Index {
        /// Paths.
        paths: Paths,
        /// The store whose batches the build replays.
        store: Option<StoreConfig>,
    },
    /// Generate a corpus.
    Generate {
        /// Items to write.
        items: usize,
        /// Generator seed.
        seed: u64,
        /// Output directory.
        out: PathBuf,
        /// Seed files to recombine.
        seeds: PathBuf,
    },
    /// Import documents.
    Import(ImportJob),
    /// Check a journal.
    JournalCheck {
        /// The journal.
        journal: PathBuf,
    },
    /// Copy a journal's intact entries to a new file.
    JournalRepair {
        /// The journal.
        journal: PathBuf,
        /// The new file.
        to: PathBuf,
    },
    /// Print the seed files' items as JSON lines.
    Export {
        /// Seed files to read.
        seeds: PathBuf,
    },
}

impl TryFrom<Flags> for Config {
    type Error = anyhow::Error;

    fn try_from(flags: Flags) -> anyhow::Result<Self> {
        Ok(match flags.command {
            CommandFlags::Serve { addr, paths, http, store, query_vectors } => {
                let tokens = Arc::new(http.tokens()?);
                let store = store.config()?;
                Config::Serve { addr, paths: paths.into(), http: http.try_into()?, tokens, query_vectors, store }
            }
            CommandFlags::Index { paths, store } => Config::Index { paths: paths.into(), store: store.config()? },
            CommandFlags::Generate { items, seed, out, seeds } => Config::Generate { items, seed, out, seeds },
            CommandFlags::Export { seeds } => Config::Export { seeds },
            CommandFlags::Journal { action: JournalFlags::Check { journal } } => Config::JournalCheck { journal },
            CommandFlags::Journal { action: JournalFlags::Repair { journal, to } } => {
                Config::JournalRepair { journal, to }
            }
            CommandFlags::Import { paths, dry_run, ocr, server, token, municipality, year, url, limits } => {
                let year = match year {
                    Some(year) => Some(parse_fiscal_year(&year).ok_or(ImportError::BadYear(year))?),
                    None => None,
                };
                let target = match (dry_run, token) {
                    (true, _) => None,
                    (false, Some(token)) => Some(Target { server, token }),
                    (false, None) => {
                        anyhow::bail!("sending needs an API token: --token or HOSHIN_TOKEN (or --dry-run)")
                    }
                };
                let limits = limits.try_into()?;
                Config::Import(ImportJob {
                    paths,
                    options: ImportOptions { ocr, municipality, year, url, limits },
                    target,
                })
            }
        })
    }
}

impl HttpFlags {
    fn tokens(&self) -> anyhow::Result<ApiTokens> {
        let from_file = match &self.api_token_file {
            Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            None => String::new(),
        };
        let lines = from_file.lines().filter(|line| !line.trim_start().starts_with('#'));
        Ok(ApiTokens::new(lines.chain(self.api_tokens.iter().map(String::as_str))))
    }
}

impl TryFrom<HttpFlags> for HttpConfig {
    type Error = anyhow::Error;

    fn try_from(flags: HttpFlags) -> anyhow::Result<Self> {
        let cors_origins = flags
            .cors_origins
            .iter()
            .map(|origin| origin.trim())
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let valid = (origin.starts_with("http://") || origin.starts_with("https://")) && !origin.ends_with('/');
                anyhow::ensure!(valid, "CORS origin `{origin}` must look like https://host[:port], without a path");
                Ok(HeaderValue::from_str(origin)?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(flags.max_in_flight > 0, "--max-in-flight must be at least 1");
        anyhow::ensure!(flags.request_timeout_ms > 0, "--request-timeout-ms must be at least 1");
        anyhow::ensure!(flags.index_workers != Some(0), "--index-workers must be at least 1");
        anyhow::ensure!(flags.http_threads != Some(0), "--http-threads must be at least 1");
        anyhow::ensure!(flags.max_connections > 0, "--max-connections must be at least 1");
        anyhow::ensure!(flags.header_timeout_ms > 0, "--header-timeout-ms must be at least 1");
        let connections = ConnectionLimits {
            max_connections: flags.max_connections,
            header_read_timeout: Duration::from_millis(flags.header_timeout_ms),
        };
        let limits = AdmissionLimits {
            max_in_flight: flags.max_in_flight,
            request_timeout: Duration::from_millis(flags.request_timeout_ms),
            ..AdmissionLimits::default()
        };
        let index_workers = flags.index_workers.unwrap_or_else(IndexWorkers::default_count);
        let http_threads = flags.http_threads.unwrap_or_else(HttpConfig::default_http_threads);
        let import_limits = flags.import_limits.try_into()?;
        Ok(HttpConfig { limits, index_workers, http_threads, cors_origins, import_limits, connections })
    }
}

impl From<PathFlags> for Paths {
    fn from(flags: PathFlags) -> Self {
        let dictionary = flags.dictionary.unwrap_or_else(|| flags.index.join("dictionary"));
        Paths { index: flags.index, seeds: flags.seeds, dictionary, data: flags.data, model: flags.model }
    }
}
