//! Turns policy text into a hoshin index.
//!
//! [`seed`] parses the seed format (department → policy heading → ▽ item) into
//! `hoshin_analysis::PolicyItem`s; [`builder`] analyses them with hoshin's analyzers into a
//! tantivy index, built aside and published atomically through [`IndexLayout`];
//! [`DocumentWriter`] writes documents into the live index through the
//! [`journal`], which is their source of truth. A server opens the live
//! generation as a [`ServedGeneration`], held so that later builds leave it be.
//!
//! ```
//! use hoshin_analysis::PreparedAnalysis;
//! use hoshin_indexer::{build_index, BuildInputs, IndexLayout};
//! # let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
//! # let (dictionary, data, seeds) = (root.join("index/dictionary"), root.join("data"), root.join("seeds"));
//! # let index_root = tempfile::tempdir()?;
//!
//! let analysis = PreparedAnalysis::prepare(&dictionary, &data)?;
//! let report = build_index(&IndexLayout::new(index_root.path()), BuildInputs::new(&seeds, &analysis))?;
//! assert_eq!((report.documents, report.departments), (118, 9));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod builder;
mod error;
pub mod generate;
pub mod journal;
pub mod layout;
mod pipeline;
pub mod progress;
pub mod seed;
pub mod vectors;
pub mod writer;

pub use builder::{
    build_if_stale, build_index, open_current, open_or_build, BuildInputs, BuildReport, Manifest, Replay,
    ServedGeneration, StoredLog,
};
pub use error::{IndexerError, Result, UnplacedLine};
pub use journal::{Batch, Operation};
pub use layout::{GenerationHold, IndexLayout};
pub use writer::DocumentWriter;
