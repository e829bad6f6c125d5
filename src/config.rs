//! Command-line flags, and the validated configuration built from them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    },
    /// Rebuild the index from the seeds and publish it atomically.
    Index {
        #[command(flatten)]
        paths: PathFlags,
    },
}

#[derive(Debug, Args)]
struct PathFlags {
    /// Index root directory: holds the live index generation and its predecessor.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Directory of seed `*.txt` files in the policy text format.
    #[arg(long, default_value = "seeds")]
    seeds: PathBuf,
    /// Where the compiled IPADIC dictionary is kept [default: INDEX/dictionary].
    #[arg(long)]
    dictionary: Option<PathBuf>,
    /// Directory of the editable word lists: variants.tsv, synonyms.tsv, userdict.csv.
    #[arg(long, default_value = "data")]
    data: PathBuf,
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
    },
    /// Rebuild the index.
    Index {
        /// Paths.
        paths: Paths,
    },
}

impl From<Flags> for Config {
    fn from(flags: Flags) -> Self {
        match flags.command {
            CommandFlags::Serve { addr, paths } => Config::Serve { addr, paths: paths.into() },
            CommandFlags::Index { paths } => Config::Index { paths: paths.into() },
        }
    }
}

impl From<PathFlags> for Paths {
    fn from(flags: PathFlags) -> Self {
        let dictionary = flags.dictionary.unwrap_or_else(|| flags.index.join("dictionary"));
        Paths { index: flags.index, seeds: flags.seeds, dictionary, data: flags.data }
    }
}
