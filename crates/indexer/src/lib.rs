//! Turns policy text into a hoshin index.
//!
//! [`seed`] parses the seed format (department → policy heading → ▽ item) into
//! `hoshin_analysis::PolicyItem`s; [`builder`] analyses them with hoshin's analyzers into a
//! tantivy index, built aside and published atomically through [`IndexLayout`];
//! [`DocumentWriter`] writes documents into the live index through the
//! [`journal`], which is their source of truth.
//!
//! ```no_run
//! use std::path::Path;
//! use hoshin_analysis::{dictionary, AnalysisResources, Lexicon};
//! use hoshin_indexer::{build_index, BuildInputs, IndexLayout};
//!
//! let compiled = dictionary::ensure_compiled(&dictionary::ipadic_source_dir(), Path::new("index/dictionary"))?;
//! let lexicon = Lexicon::load(Path::new("data"))?;
//! let resources = AnalysisResources::new(compiled.dictionary, &lexicon)?;
//! let fingerprint = format!("{}/{}", compiled.fingerprint, lexicon.index_fingerprint);
//! let report = build_index(
//!     &IndexLayout::new("index"),
//!     &BuildInputs { seeds_dir: Path::new("seeds"), resources: &resources, analysis_fingerprint: &fingerprint },
//! )?;
//! println!("{} items in {} departments", report.documents, report.departments);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod builder;
mod error;
pub mod generate;
pub mod journal;
pub mod layout;
pub mod seed;
pub mod writer;

pub use builder::{build_index, open_current, open_or_build, BuildInputs, BuildReport, Manifest};
pub use error::{IndexerError, Result, UnplacedLine};
pub use journal::{Batch, Operation};
pub use layout::IndexLayout;
pub use writer::DocumentWriter;
