//! Compiling and loading the IPADIC dictionary that lindera segments with.
//!
//! lindera's own `embed-ipadic` feature downloads its source at build time from a
//! host this project cannot rely on, so hoshin compiles the dictionary itself from
//! the IPADIC source that Debian's `mecab-ipadic` package installs (EUC-JP CSV and
//! `.def` files, including the era 令和 that the 2007 upstream lacks). The compiled
//! dictionary is written aside and renamed into place, and carries a stamp of the
//! source it came from so that a changed source or lindera version rebuilds it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, UNIX_EPOCH};

use lindera::dictionary::{load_fs_dictionary, Dictionary, DictionaryBuilder, Metadata};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AnalysisError, Result};

/// Where Debian's `mecab-ipadic` package puts the IPADIC source.
pub const DEFAULT_IPADIC_SOURCE: &str = "/usr/share/mecab/dic/ipadic";

/// Environment variable that overrides [`DEFAULT_IPADIC_SOURCE`].
pub const IPADIC_SOURCE_ENV: &str = "HOSHIN_IPADIC_SOURCE";

/// lindera-ipadic's description of the IPADIC CSV columns, shipped with hoshin.
const IPADIC_METADATA: &str = include_str!("../ipadic-metadata.json");

/// The file in a compiled dictionary directory that records what it was built from.
const STAMP_FILE: &str = "hoshin-dictionary.json";

/// Version of the lindera dictionary format this build writes; a change rebuilds.
const LINDERA_VERSION: &str = "lindera-dictionary 5";

/// The IPADIC source directory: from `HOSHIN_IPADIC_SOURCE`, or Debian's location.
pub fn ipadic_source_dir() -> PathBuf {
    std::env::var_os(IPADIC_SOURCE_ENV).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT_IPADIC_SOURCE))
}

/// What a compiled dictionary was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    source: PathBuf,
    source_fingerprint: String,
    lindera: String,
}

/// A loaded dictionary and the fingerprint of the source it was compiled from.
#[derive(Clone)]
pub struct CompiledDictionary {
    /// The dictionary, ready for a segmenter.
    pub dictionary: Dictionary,
    /// Changes whenever the source or the lindera format changes; indexes record it.
    pub fingerprint: String,
}

/// Makes sure `compiled_dir` holds a dictionary compiled from `source_dir`,
/// compiling it when it is missing or stale, and loads it.
pub fn ensure_compiled(source_dir: &Path, compiled_dir: &Path) -> Result<CompiledDictionary> {
    let wanted = Stamp {
        source: source_dir.to_path_buf(),
        source_fingerprint: fingerprint_source(source_dir)?,
        lindera: LINDERA_VERSION.to_string(),
    };
    let _lock = lock_beside(compiled_dir)?;
    if read_stamp(compiled_dir).as_ref() != Some(&wanted) {
        compile(source_dir, compiled_dir, &wanted)?;
    }
    let dictionary = load_fs_dictionary(compiled_dir)
        .map_err(|error| AnalysisError::Dictionary { path: compiled_dir.to_path_buf(), message: error.to_string() })?;
    Ok(CompiledDictionary { dictionary, fingerprint: format!("{}/{}", wanted.lindera, wanted.source_fingerprint) })
}

fn read_stamp(compiled_dir: &Path) -> Option<Stamp> {
    let bytes = fs::read(compiled_dir.join(STAMP_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A digest of the source files' names, sizes and modification times: cheap, and
/// it changes whenever the package is upgraded or a file is edited.
fn fingerprint_source(source_dir: &Path) -> Result<String> {
    let missing = || AnalysisError::DictionarySourceMissing { path: source_dir.to_path_buf() };
    let entries = fs::read_dir(source_dir).map_err(|_| missing())?;
    let mut files: Vec<(String, u64, u64)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(AnalysisError::io(source_dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".csv") || name.ends_with(".def")) {
            continue;
        }
        let metadata = entry.metadata().map_err(AnalysisError::io(entry.path()))?;
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |duration| duration.as_secs());
        files.push((name, metadata.len(), modified));
    }
    let has = |name: &str| files.iter().any(|(file, _, _)| file == name);
    if !has("matrix.def") || !has("char.def") || !files.iter().any(|(f, _, _)| f.ends_with(".csv")) {
        return Err(missing());
    }
    files.sort();
    let mut hasher = Sha256::new();
    for (name, size, modified) in &files {
        hasher.update(format!("{name}\t{size}\t{modified}\n"));
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Debian ships IPADIC in EUC-JP, npm's copy is UTF-8: read which from `char.def`.
fn source_encoding(source_dir: &Path) -> Result<&'static str> {
    let path = source_dir.join("char.def");
    let bytes = fs::read(&path).map_err(AnalysisError::io(&path))?;
    Ok(if std::str::from_utf8(&bytes).is_ok() { "UTF-8" } else { "EUC-JP" })
}

fn compile(source_dir: &Path, compiled_dir: &Path, stamp: &Stamp) -> Result<()> {
    let started = Instant::now();
    tracing::info!(source = %source_dir.display(), target = %compiled_dir.display(), "compiling IPADIC");
    let mut metadata_json: serde_json::Value =
        serde_json::from_str(IPADIC_METADATA).expect("the shipped IPADIC metadata is valid JSON");
    metadata_json["encoding"] = source_encoding(source_dir)?.into();
    let dictionary_error = |message: String| AnalysisError::Dictionary { path: compiled_dir.to_path_buf(), message };
    let metadata: Metadata =
        serde_json::from_value(metadata_json).map_err(|error| dictionary_error(error.to_string()))?;

    let staging = sibling(compiled_dir, "building");
    let _ = fs::remove_dir_all(&staging);
    DictionaryBuilder::new(metadata)
        .build_dictionary(source_dir, &staging)
        .map_err(|error| dictionary_error(error.to_string()))?;
    let stamp_json = serde_json::to_vec_pretty(stamp).expect("a stamp serialises");
    fs::write(staging.join(STAMP_FILE), stamp_json).map_err(AnalysisError::io(&staging))?;
    replace_dir(&staging, compiled_dir)?;
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "IPADIC compiled");
    Ok(())
}

/// A scratch path beside `path`, unique to this process.
fn sibling(path: &Path, purpose: &str) -> PathBuf {
    let name = path.file_name().map_or_else(Default::default, |n| n.to_string_lossy());
    path.with_file_name(format!(".{name}.{purpose}-{}", std::process::id()))
}

/// Holds an exclusive lock beside `compiled_dir` while alive, so that processes
/// started together (test runners, a server and an indexer) compile only once.
fn lock_beside(compiled_dir: &Path) -> Result<fs::File> {
    let parent = compiled_dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(AnalysisError::io(parent))?;
    let name = compiled_dir.file_name().map_or_else(Default::default, |n| n.to_string_lossy());
    let path = compiled_dir.with_file_name(format!(".{name}.lock"));
    let file = fs::File::create(&path).map_err(AnalysisError::io(&path))?;
    file.lock().map_err(AnalysisError::io(&path))?;
    Ok(file)
}

/// Moves `staging` to `target`, replacing whatever `target` held.
fn replace_dir(staging: &Path, target: &Path) -> Result<()> {
    let retired = sibling(target, "retired");
    if target.exists() {
        fs::rename(target, &retired).map_err(AnalysisError::io(target))?;
    }
    fs::rename(staging, target).map_err(AnalysisError::io(target))?;
    let _ = fs::remove_dir_all(&retired);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_source_names_the_package_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let Err(error) = ensure_compiled(empty.path(), &empty.path().join("out")) else {
            panic!("an empty directory is no IPADIC source");
        };
        assert!(matches!(error, AnalysisError::DictionarySourceMissing { .. }));
        assert!(error.to_string().contains("apt-get install mecab-ipadic"), "{error}");
    }
}
