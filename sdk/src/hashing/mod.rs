//! Canonical content hashing of medical records.
//!
//! A record's *content hash* is what medchain anchors on chain (directly or as a leaf of a
//! [`crate::merkle`] batch). It must not depend on how a particular FHIR server happened to
//! serialise the resource, so:
//!
//! * for a **FHIR resource** (or any JSON document) the content hash is
//!   `SHA-256(JCS(json))`, where `JCS` is the JSON Canonicalization Scheme of
//!   [RFC 8785](https://www.rfc-editor.org/rfc/rfc8785): no insignificant whitespace,
//!   object members sorted by the UTF-16 code units of their names, strings with the
//!   minimal ECMAScript escaping, and numbers printed as ECMAScript's `Number.prototype.toString`
//!   prints the IEEE-754 double they denote;
//! * for **any other document** (PDF, DICOM, image, plain text, …) it is `SHA-256` of the
//!   raw bytes.
//!
//! The caller says which of the two a document is ([`ContentKind`]); nothing is
//! auto-detected. Guessing by "does it parse as JSON?" would silently hash a damaged JSON
//! resource as raw bytes (the damage would then go unreported), and would canonicalise a
//! non-JSON document that happens to be valid JSON. [`ContentKind::from_media_type`] maps a
//! MIME type (e.g. a FHIR `Attachment.contentType` or an HTTP `Content-Type`) to a kind.
//!
//! The canonicaliser is strict: input must be UTF-8 JSON (RFC 8259) within the I-JSON
//! subset (RFC 7493) that RFC 8785 requires. Duplicate member names, lone UTF-16
//! surrogates (`"\ud800"`), numbers outside the range of a double (`1e400`) and nesting
//! deeper than [`MAX_DEPTH`] are errors, never silently "fixed". Every error carries the
//! 1-based line and column where it was found.
//!
//! It is a single-pass streaming canonicaliser: it writes the canonical form while it
//! parses, without building a tree of values, and only re-orders the bytes of an object's
//! members when they were not already in canonical order. [`JsonCanonicalizer`] keeps its
//! buffers between documents for batch work.
//!
//! Layout: this file is the public API; `jcs.rs` holds the streaming parser/canonicaliser
//! ([`JsonCanonicalizer`]), `numbers.rs` the ECMAScript number formatting it uses, and
//! `tests.rs` the unit tests.

#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

mod jcs;
mod numbers;
#[cfg(test)]
mod tests;

pub use jcs::JsonCanonicalizer;

/// Maximum nesting depth of arrays and objects accepted by the canonicaliser.
///
/// FHIR resources nest a handful of levels; the limit only exists so that hostile input
/// (e.g. a million `[`) is rejected with an error instead of exhausting the stack.
pub const MAX_DEPTH: usize = 128;

/// Why a document could not be canonicalised.
///
/// Every variant carries the 1-based `line` and `column` of the offending byte (columns
/// count bytes, not characters; lines are separated by `\n`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HashingError {
    /// The input is not JSON (RFC 8259 grammar), e.g. a missing comma or quote.
    #[error("invalid JSON at line {line}, column {column}: {reason}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// 1-based column (in bytes).
        column: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// The input is not valid UTF-8 (JSON text must be UTF-8, RFC 8259 §8.1).
    #[error("invalid UTF-8 at line {line}, column {column}")]
    InvalidUtf8 {
        /// 1-based line number.
        line: usize,
        /// 1-based column (in bytes).
        column: usize,
    },
    /// A `\uXXXX` escape denotes an unpaired UTF-16 surrogate, which I-JSON forbids.
    #[error("lone UTF-16 surrogate escape at line {line}, column {column}")]
    LoneSurrogate {
        /// 1-based line number.
        line: usize,
        /// 1-based column (in bytes).
        column: usize,
    },
    /// A number's magnitude is too large for an IEEE-754 double (e.g. `1e400`).
    #[error("number out of the range of an IEEE-754 double at line {line}, column {column}")]
    NumberOutOfRange {
        /// 1-based line number.
        line: usize,
        /// 1-based column (in bytes).
        column: usize,
    },
    /// An object has two members with the same name, which I-JSON forbids.
    #[error("duplicate object member name {key:?} at line {line}, column {column}")]
    DuplicateKey {
        /// The repeated member name (decoded).
        key: String,
        /// 1-based line number of the second occurrence.
        line: usize,
        /// 1-based column (in bytes) of the second occurrence.
        column: usize,
    },
    /// Arrays and objects are nested deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {limit} levels at line {line}, column {column}")]
    TooDeep {
        /// The limit that was exceeded ([`MAX_DEPTH`]).
        limit: usize,
        /// 1-based line number.
        line: usize,
        /// 1-based column (in bytes).
        column: usize,
    },
}

impl HashingError {
    /// The 1-based line of the error.
    pub fn line(&self) -> usize {
        match self {
            HashingError::Syntax { line, .. }
            | HashingError::InvalidUtf8 { line, .. }
            | HashingError::LoneSurrogate { line, .. }
            | HashingError::NumberOutOfRange { line, .. }
            | HashingError::DuplicateKey { line, .. }
            | HashingError::TooDeep { line, .. } => *line,
        }
    }

    /// The 1-based column (counted in bytes) of the error.
    pub fn column(&self) -> usize {
        match self {
            HashingError::Syntax { column, .. }
            | HashingError::InvalidUtf8 { column, .. }
            | HashingError::LoneSurrogate { column, .. }
            | HashingError::NumberOutOfRange { column, .. }
            | HashingError::DuplicateKey { column, .. }
            | HashingError::TooDeep { column, .. } => *column,
        }
    }
}

/// How a document's content hash is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// A FHIR resource or other JSON document: SHA-256 of its RFC 8785 canonical form.
    Json,
    /// Any other document: SHA-256 of the bytes exactly as given.
    Raw,
}

impl ContentKind {
    /// The kind for a MIME type such as `application/fhir+json; fhirVersion=4.0` or
    /// `application/pdf`: [`ContentKind::Json`] for `application/json`, `text/json` and any
    /// `+json` structured-syntax suffix (case-insensitive, parameters ignored), otherwise
    /// [`ContentKind::Raw`].
    pub fn from_media_type(media_type: &str) -> ContentKind {
        let essence = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if essence == "application/json" || essence == "text/json" || essence.ends_with("+json") {
            ContentKind::Json
        } else {
            ContentKind::Raw
        }
    }

    /// The kind a file's name says, the rule `medchain record hash|seal` and
    /// `provider anchor-record` follow: [`ContentKind::Json`] when the name ends in `.json`
    /// (case-insensitive, so `.fhir.json` and `.JSON` too), otherwise [`ContentKind::Raw`];
    /// `raw` forces [`ContentKind::Raw`]. The content is never looked at: a `.json` file that
    /// is not valid JSON is then an error of [`hash_file`], not silently hashed raw, and a
    /// `.txt` file that happens to contain JSON is hashed raw.
    pub fn for_path(path: &Path, raw: bool) -> ContentKind {
        if !raw && path.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")) {
            ContentKind::Json
        } else {
            ContentKind::Raw
        }
    }

    /// The kind's name in envelopes and JSON output: `json` or `raw`.
    pub fn name(self) -> &'static str {
        match self {
            ContentKind::Json => "json",
            ContentKind::Raw => "raw",
        }
    }
}

/// Returns the RFC 8785 (JCS) canonical form of a JSON document.
///
/// # Errors
///
/// Any [`HashingError`]: the input is not UTF-8 JSON, or falls outside I-JSON (duplicate
/// member names, lone surrogates, numbers out of double range), or nests deeper than
/// [`MAX_DEPTH`].
pub fn canonicalize_json(bytes: &[u8]) -> Result<Vec<u8>, HashingError> {
    let mut out = Vec::with_capacity(bytes.len());
    JsonCanonicalizer::new().canonicalize_into(bytes, &mut out)?;
    Ok(out)
}

/// Content hash of a JSON document (e.g. a FHIR resource): SHA-256 of its RFC 8785
/// canonical form, so the hash ignores member order and insignificant whitespace.
///
/// # Errors
///
/// The same as [`canonicalize_json`].
pub fn content_hash_json(bytes: &[u8]) -> Result<[u8; 32], HashingError> {
    JsonCanonicalizer::new().content_hash(bytes)
}

/// Content hash of a non-JSON document: SHA-256 of the bytes exactly as given.
pub fn content_hash_raw(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Content hash of a document of the given kind: [`content_hash_json`] for
/// [`ContentKind::Json`], [`content_hash_raw`] for [`ContentKind::Raw`].
///
/// # Errors
///
/// Only for [`ContentKind::Json`], as [`canonicalize_json`]; hashing raw bytes cannot fail.
pub fn content_hash(bytes: &[u8], kind: ContentKind) -> Result<[u8; 32], HashingError> {
    match kind {
        ContentKind::Json => content_hash_json(bytes),
        ContentKind::Raw => Ok(content_hash_raw(bytes)),
    }
}

/// Why [`hash_file`] failed.
#[derive(Debug, Error)]
pub enum FileHashError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file was to be hashed as JSON and is not valid (I-)JSON.
    #[error("{} is not valid JSON: {source}", path.display())]
    InvalidJson {
        /// The file.
        path: PathBuf,
        /// Where and why it is not.
        #[source]
        source: HashingError,
    },
}

/// Content hash of the file at `path`, hashed as `kind` says (choose it with
/// [`ContentKind::for_path`]); nothing is guessed from the content.
///
/// # Errors
///
/// [`FileHashError::Read`] when the file cannot be read, [`FileHashError::InvalidJson`] when
/// `kind` is [`ContentKind::Json`] and the content is not valid (I-)JSON.
pub fn hash_file(path: &Path, kind: ContentKind) -> Result<[u8; 32], FileHashError> {
    let bytes =
        std::fs::read(path).map_err(|source| FileHashError::Read { path: path.into(), source })?;
    content_hash(&bytes, kind)
        .map_err(|source| FileHashError::InvalidJson { path: path.into(), source })
}

/// The record id a record gets when its anchorer does not choose one: SHA-256 of its
/// content hash, so one content has one default id (and so one Record address per patient);
/// what `medchain provider anchor-record` uses without `--record-id`.
pub fn default_record_id(content_hash: &[u8; 32]) -> [u8; 32] {
    Sha256::digest(content_hash).into()
}
