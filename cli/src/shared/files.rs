//! Files the record commands read and write: record and envelope names, directory inputs,
//! content hashing by name ([`ContentKind::for_path`]) and all-or-nothing atomic writes.

use crate::error::CliError;
use medchain_sdk::hashing::{self, content_hash_json, ContentKind};
use std::path::{Path, PathBuf};

/// Suffix of envelope files.
pub const SEALED_SUFFIX: &str = ".sealed.json";

/// Reads a file; an unreadable one is bad input.
pub fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::bad(format!("cannot read {}: {e}", path.display())))
}

/// The final component of `path` (empty when it has none).
pub fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The files a command works on: `input` itself, or the files of directory `input` that
/// `wanted` selects (sorted, not recursive). An empty selection is an error.
pub fn inputs(
    input: &Path,
    wanted: impl Fn(&str) -> bool,
    what: &str,
) -> Result<Vec<PathBuf>, CliError> {
    let meta = std::fs::metadata(input)
        .map_err(|e| CliError::bad(format!("cannot read {}: {e}", input.display())))?;
    if !meta.is_dir() {
        return Ok(vec![input.to_path_buf()]);
    }
    let entries = std::fs::read_dir(input)
        .map_err(|e| CliError::bad(format!("cannot list {}: {e}", input.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| CliError::bad(format!("cannot list {}: {e}", input.display())))?
            .path();
        if path.is_file() && wanted(&file_name(&path)) {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(CliError::bad(format!("{} holds no {what}", input.display())));
    }
    Ok(files)
}

pub fn is_envelope_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(SEALED_SUFFIX)
}

pub fn is_record_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".json") && !is_envelope_name(name)
}

/// `obs.json` → `obs.sealed.json`; `scan.pdf` → `scan.pdf.sealed.json`.
pub fn sealed_name(input: &Path) -> String {
    let name = file_name(input);
    match name.strip_suffix(".json").or_else(|| name.strip_suffix(".JSON")) {
        Some(stem) => format!("{stem}{SEALED_SUFFIX}"),
        None => format!("{name}{SEALED_SUFFIX}"),
    }
}

/// `obs.sealed.json` → `obs.json` (JSON content) or `obs` (raw content).
pub fn opened_name(envelope: &Path, kind: ContentKind) -> String {
    let name = file_name(envelope);
    let lower = name.to_ascii_lowercase();
    let stem = if lower.ends_with(SEALED_SUFFIX) {
        name[..name.len() - SEALED_SUFFIX.len()].to_string()
    } else {
        format!("{name}.opened")
    };
    match kind {
        ContentKind::Json if !stem.to_ascii_lowercase().ends_with(".json") => {
            format!("{stem}.json")
        }
        _ => stem,
    }
}

/// Where an output goes: `dir/name`, or next to `input` when no directory is given.
pub fn output_path(input: &Path, out: Option<&Path>, name: String) -> PathBuf {
    match out {
        Some(dir) => dir.join(name),
        None => input.parent().map_or_else(|| PathBuf::from(&name), |p| p.join(&name)),
    }
}

pub fn prepare_out_dir(out: Option<&Path>) -> Result<(), CliError> {
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::Io(format!("cannot create output directory {}: {e}", dir.display()))
        })?;
    }
    Ok(())
}

/// Writes every (path, bytes) atomically ([`medchain_sdk::fs::write_atomically`]).
pub fn write_all(outputs: &[(PathBuf, Vec<u8>)]) -> Result<(), CliError> {
    for (path, bytes) in outputs {
        medchain_sdk::fs::write_atomically(path, bytes)
            .map_err(|e| CliError::Io(format!("cannot write {}: {}", path.display(), e.source)))?;
    }
    Ok(())
}

/// How a record file is hashed — the rule of `record hash` and `provider anchor-record`
/// ([`ContentKind::for_path`]), so the sealed content hash is the anchored one: JSON when the
/// name ends in `.json` (unless `raw`), raw bytes otherwise; a `.json` file that is not valid
/// JSON is an error.
pub fn content_kind(path: &Path, bytes: &[u8], raw: bool) -> Result<ContentKind, CliError> {
    let kind = ContentKind::for_path(path, raw);
    if kind == ContentKind::Json {
        content_hash_json(bytes)
            .map_err(|e| CliError::bad(format!("{} is not valid JSON: {e}", path.display())))?;
    }
    Ok(kind)
}

/// The content hash of a file and the name of how it was hashed (`json-jcs` or `raw`): as
/// canonical JSON when its name ends in `.json` and `raw` is not set, as raw bytes otherwise
/// ([`ContentKind::for_path`]). The content never decides: a `.json` file that does not parse
/// is an error, and a file of any other name is hashed raw even if it contains JSON.
pub fn hash_file(path: &Path, raw: bool) -> Result<([u8; 32], &'static str), CliError> {
    let kind = ContentKind::for_path(path, raw);
    let hash = hashing::hash_file(path, kind).map_err(|e| CliError::bad(e.to_string()))?;
    Ok((hash, kind_label(kind)))
}

/// How `record hash` names a kind in its output.
pub fn kind_label(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Json => "json-jcs",
        ContentKind::Raw => "raw",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(sealed_name(Path::new("a/obs.json")), "obs.sealed.json");
        assert_eq!(sealed_name(Path::new("scan.pdf")), "scan.pdf.sealed.json");
        assert_eq!(opened_name(Path::new("obs.sealed.json"), ContentKind::Json), "obs.json");
        assert_eq!(opened_name(Path::new("scan.pdf.sealed.json"), ContentKind::Raw), "scan.pdf");
        assert_eq!(opened_name(Path::new("x.bin"), ContentKind::Raw), "x.bin.opened");
        assert!(is_record_name("obs.json") && !is_record_name("obs.sealed.json"));
        assert!(is_envelope_name("OBS.SEALED.JSON") && !is_envelope_name("obs.json"));
    }
}
