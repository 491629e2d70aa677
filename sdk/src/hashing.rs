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

#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::cmp::Ordering;

use sha2::{Digest, Sha256};
use thiserror::Error;

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

/// A reusable RFC 8785 canonicaliser.
///
/// It keeps its scratch buffers (and, for [`JsonCanonicalizer::content_hash`], its output
/// buffer) between documents, so hashing a batch allocates almost nothing per document.
/// One instance per thread; it is cheap to create.
#[derive(Debug, Default)]
pub struct JsonCanonicalizer {
    /// Canonical output of the last [`JsonCanonicalizer::content_hash`] call.
    out: Vec<u8>,
    /// Scratch state of the parser.
    scratch: Scratch,
}

/// Buffers reused across documents.
#[derive(Debug, Default)]
struct Scratch {
    /// Members of the objects currently open, innermost last.
    members: Vec<Member>,
    /// Decoded member names of the objects currently open.
    keys: Vec<u8>,
    /// Temporary copy of an object's members while they are re-ordered.
    reorder: Vec<u8>,
    /// Indices into `members` being sorted.
    order: Vec<usize>,
}

/// One member of an object under construction.
#[derive(Debug, Clone, Copy)]
struct Member {
    /// Range of the decoded member name in `Scratch::keys`.
    key_start: usize,
    key_end: usize,
    /// Range of the canonical `"name":value` text in the output (without separators).
    start: usize,
    end: usize,
    /// Input offset of the member name, for error reporting.
    input_pos: usize,
}

impl JsonCanonicalizer {
    /// A canonicaliser with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the RFC 8785 canonical form of `input` to `out`.
    ///
    /// On error, `out` is left with its original contents.
    ///
    /// # Errors
    ///
    /// The same as [`canonicalize_json`].
    pub fn canonicalize_into(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), HashingError> {
        let original_len = out.len();
        let result = self.run(input, out);
        if result.is_err() {
            out.truncate(original_len);
        }
        result
    }

    /// Content hash of a JSON document, as [`content_hash_json`], reusing this instance's
    /// buffers.
    ///
    /// # Errors
    ///
    /// The same as [`canonicalize_json`].
    pub fn content_hash(&mut self, input: &[u8]) -> Result<[u8; 32], HashingError> {
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        let result = self.run(input, &mut out);
        let hash = result.map(|()| Sha256::digest(&out).into());
        self.out = out;
        hash
    }

    fn run(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), HashingError> {
        if let Err(e) = std::str::from_utf8(input) {
            let (line, column) = line_column(input, e.valid_up_to());
            return Err(HashingError::InvalidUtf8 { line, column });
        }
        self.scratch.members.clear();
        self.scratch.keys.clear();
        out.reserve(input.len());
        let mut parser = Parser { input, pos: 0, out, scratch: &mut self.scratch, depth: 0 };
        parser.skip_ws();
        parser.value()?;
        parser.skip_ws();
        if parser.pos != input.len() {
            return Err(parser.syntax(parser.pos, "trailing characters after the JSON value"));
        }
        Ok(())
    }
}

/// 1-based (line, column) of a byte offset; columns count bytes.
fn line_column(input: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(input.len());
    let before = &input[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    (line, offset - line_start + 1)
}

/// The single-pass parser/serialiser.
struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    out: &'a mut Vec<u8>,
    scratch: &'a mut Scratch,
    depth: usize,
}

impl Parser<'_> {
    fn syntax(&self, at: usize, reason: &'static str) -> HashingError {
        let (line, column) = line_column(self.input, at);
        HashingError::Syntax { line, column, reason }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
            // Pretty-printed documents indent with runs of spaces: skip eight at a time.
            while self.input.get(self.pos..self.pos + 8) == Some(b"        ") {
                self.pos += 8;
            }
        }
    }

    fn value(&mut self) -> Result<(), HashingError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.syntax(self.pos, "expected a JSON value")),
            None => Err(self.syntax(self.pos, "unexpected end of input, expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), HashingError> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            self.out.extend_from_slice(word);
            Ok(())
        } else {
            Err(self.syntax(self.pos, "invalid literal (expected true, false or null)"))
        }
    }

    fn enter(&mut self) -> Result<(), HashingError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let (line, column) = line_column(self.input, self.pos);
            return Err(HashingError::TooDeep { limit: MAX_DEPTH, line, column });
        }
        Ok(())
    }

    fn array(&mut self) -> Result<(), HashingError> {
        self.enter()?;
        self.pos += 1;
        self.out.push(b'[');
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.out.push(b']');
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.value()?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(b',');
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    self.out.push(b']');
                    self.depth -= 1;
                    return Ok(());
                }
                Some(_) => return Err(self.syntax(self.pos, "expected ',' or ']' in array")),
                None => return Err(self.syntax(self.pos, "unexpected end of input in array")),
            }
        }
    }

    fn object(&mut self) -> Result<(), HashingError> {
        self.enter()?;
        self.pos += 1;
        self.out.push(b'{');
        let content_start = self.out.len();
        let members_base = self.scratch.members.len();
        let keys_base = self.scratch.keys.len();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.out.push(b'}');
            self.depth -= 1;
            return Ok(());
        }
        loop {
            match self.peek() {
                Some(b'"') => {}
                Some(_) => return Err(self.syntax(self.pos, "expected a string member name")),
                None => return Err(self.syntax(self.pos, "unexpected end of input in object")),
            }
            let input_pos = self.pos;
            let start = self.out.len();
            let (raw_start, raw_end, escaped) = self.string()?;
            let key_start = self.scratch.keys.len();
            if escaped {
                decode_string(&self.input[raw_start..raw_end], &mut self.scratch.keys);
            } else {
                self.scratch.keys.extend_from_slice(&self.input[raw_start..raw_end]);
            }
            let key_end = self.scratch.keys.len();
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.syntax(self.pos, "expected ':' after member name"));
            }
            self.pos += 1;
            self.out.push(b':');
            self.skip_ws();
            self.value()?;
            self.scratch.members.push(Member {
                key_start,
                key_end,
                start,
                end: self.out.len(),
                input_pos,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.out.push(b',');
                    self.skip_ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => return Err(self.syntax(self.pos, "expected ',' or '}' in object")),
                None => return Err(self.syntax(self.pos, "unexpected end of input in object")),
            }
        }
        self.finish_object(content_start, members_base)?;
        self.out.push(b'}');
        self.scratch.members.truncate(members_base);
        self.scratch.keys.truncate(keys_base);
        self.depth -= 1;
        Ok(())
    }

    /// Puts the members written since `content_start` in canonical order and rejects
    /// duplicate names.
    fn finish_object(
        &mut self,
        content_start: usize,
        members_base: usize,
    ) -> Result<(), HashingError> {
        let scratch = &mut *self.scratch;
        let members = &scratch.members[members_base..];
        let keys = &scratch.keys;
        let key = |m: &Member| &keys[m.key_start..m.key_end];

        // Common case: already sorted (e.g. the document was canonical already).
        let mut sorted = true;
        for pair in members.windows(2) {
            match cmp_utf16(key(&pair[0]), key(&pair[1])) {
                Ordering::Less => {}
                Ordering::Equal => return Err(duplicate(self.input, keys, &pair[1])),
                Ordering::Greater => {
                    sorted = false;
                    break;
                }
            }
        }
        if sorted {
            return Ok(());
        }

        let order = &mut scratch.order;
        order.clear();
        order.extend(0..members.len());
        order.sort_unstable_by(|&a, &b| cmp_utf16(key(&members[a]), key(&members[b])));
        for pair in order.windows(2) {
            if cmp_utf16(key(&members[pair[0]]), key(&members[pair[1]])) == Ordering::Equal {
                let second = if members[pair[0]].input_pos > members[pair[1]].input_pos {
                    &members[pair[0]]
                } else {
                    &members[pair[1]]
                };
                return Err(duplicate(self.input, keys, second));
            }
        }

        let reorder = &mut scratch.reorder;
        reorder.clear();
        reorder.extend_from_slice(&self.out[content_start..]);
        self.out.truncate(content_start);
        for (i, &m) in order.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let m = &members[m];
            self.out.extend_from_slice(&reorder[m.start - content_start..m.end - content_start]);
        }
        Ok(())
    }

    /// Parses a string at `self.pos` (which is `"`), writes its canonical form and returns
    /// the input range of its contents (between the quotes) and whether it contained any
    /// escape sequence.
    fn string(&mut self) -> Result<(usize, usize, bool), HashingError> {
        let open = self.pos;
        self.pos += 1;
        self.out.push(b'"');
        let content_start = self.pos;
        let mut escaped = false;
        loop {
            let run_start = self.pos;
            self.pos += plain_run(&self.input[self.pos..]);
            self.out.extend_from_slice(&self.input[run_start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    let content_end = self.pos;
                    self.pos += 1;
                    self.out.push(b'"');
                    return Ok((content_start, content_end, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(_) => {
                    return Err(self.syntax(
                        self.pos,
                        "control character in string (U+0000 to U+001F must be escaped)",
                    ))
                }
                None => return Err(self.syntax(open, "unterminated string")),
            }
        }
    }

    /// Handles the escape sequence at `self.pos` (which is `\`), writing its canonical form.
    fn escape(&mut self) -> Result<(), HashingError> {
        let at = self.pos;
        let Some(&c) = self.input.get(self.pos + 1) else {
            return Err(self.syntax(at, "unterminated string"));
        };
        self.pos += 2;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4(at)?;
                match first {
                    0xD800..=0xDBFF => {
                        let low_at = self.pos;
                        if self.input.get(self.pos) != Some(&b'\\')
                            || self.input.get(self.pos + 1) != Some(&b'u')
                        {
                            return Err(lone_surrogate(self.input, at));
                        }
                        self.pos += 2;
                        let second = self.hex4(low_at)?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(lone_surrogate(self.input, at));
                        }
                        let cp = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        char::from_u32(cp).ok_or_else(|| lone_surrogate(self.input, at))?
                    }
                    0xDC00..=0xDFFF => return Err(lone_surrogate(self.input, at)),
                    _ => char::from_u32(first).ok_or_else(|| lone_surrogate(self.input, at))?,
                }
            }
            _ => return Err(self.syntax(at, "invalid escape sequence")),
        };
        write_canonical_char(ch, self.out);
        Ok(())
    }

    /// Reads four hex digits at `self.pos` (after `\u`); `at` is the escape's offset.
    fn hex4(&mut self, at: usize) -> Result<u32, HashingError> {
        let digits = self
            .input
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.syntax(at, "truncated \\u escape"))?;
        let mut v = 0u32;
        for &d in digits {
            let nibble = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.syntax(at, "invalid \\u escape (expected 4 hex digits)")),
            };
            v = (v << 4) | u32::from(nibble);
        }
        self.pos += 4;
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Parses a number and writes it as ECMAScript's `Number.prototype.toString` would.
    fn number(&mut self) -> Result<(), HashingError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.syntax(int_start, "leading zeros are not allowed in numbers"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax(self.pos, "invalid number (expected a digit)")),
        }
        let int_end = self.pos;
        let mut frac = None;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let frac_start = self.pos;
            if self.digits() == 0 {
                return Err(self.syntax(self.pos, "invalid number (expected a digit after '.')"));
            }
            frac = Some((frac_start, self.pos));
        }
        let mut has_exponent = false;
        if let Some(b'e' | b'E') = self.peek() {
            has_exponent = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax(self.pos, "invalid number (expected exponent digits)"));
            }
        }

        if !has_exponent {
            let int = &self.input[int_start..int_end];
            let frac = frac.map_or(&[][..], |(s, e)| &self.input[s..e]);
            if write_simple_number(negative, int, frac, self.out) {
                return Ok(());
            }
        }
        let token = &self.input[start..self.pos];
        write_number_slow(token, self.out).map_err(|reason| match reason {
            NumberProblem::OutOfRange => {
                let (line, column) = line_column(self.input, start);
                HashingError::NumberOutOfRange { line, column }
            }
            NumberProblem::Unparsable => self.syntax(start, "invalid number"),
        })
    }
}

/// Length of the leading run of bytes that a string copies verbatim: everything but `"`,
/// `\` and control characters (U+0000..U+001F). Scans eight bytes at a time.
#[inline]
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // The classic "has zero byte" / "has byte less than n" tests; the lowest flagged
        // byte is always exact (borrows only propagate upwards).
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let flags = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let flags = flags & HIGH;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i..].iter().position(|&b| special(b)).unwrap_or(bytes.len() - i)
}

fn lone_surrogate(input: &[u8], at: usize) -> HashingError {
    let (line, column) = line_column(input, at);
    HashingError::LoneSurrogate { line, column }
}

fn duplicate(input: &[u8], keys: &[u8], member: &Member) -> HashingError {
    let (line, column) = line_column(input, member.input_pos);
    HashingError::DuplicateKey {
        key: String::from_utf8_lossy(&keys[member.key_start..member.key_end]).into_owned(),
        line,
        column,
    }
}

/// Writes one character of a string's contents as JCS requires: `"` and `\` escaped,
/// U+0000..U+001F escaped (`\b \t \n \f \r` or lower-case `\u00xx`), everything else as
/// UTF-8.
fn write_canonical_char(ch: char, out: &mut Vec<u8>) {
    match ch {
        '"' => out.extend_from_slice(b"\\\""),
        '\\' => out.extend_from_slice(b"\\\\"),
        '\u{8}' => out.extend_from_slice(b"\\b"),
        '\t' => out.extend_from_slice(b"\\t"),
        '\n' => out.extend_from_slice(b"\\n"),
        '\u{c}' => out.extend_from_slice(b"\\f"),
        '\r' => out.extend_from_slice(b"\\r"),
        c if (c as u32) < 0x20 => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let v = c as usize;
            out.extend_from_slice(b"\\u00");
            out.push(HEX[v >> 4]);
            out.push(HEX[v & 0xf]);
        }
        c => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Decodes the contents of a string that was already validated by `Parser::string`
/// (escapes well-formed, surrogates paired) into UTF-8.
fn decode_string(raw: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let c = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let ch = match c {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = hex4_unchecked(raw.get(i..i + 4).unwrap_or_default());
                i += 4;
                let cp = if (0xD800..=0xDBFF).contains(&first) {
                    let second = hex4_unchecked(raw.get(i + 2..i + 6).unwrap_or_default());
                    i += 6;
                    0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    first
                };
                char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            other => char::from(other),
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
}

fn hex4_unchecked(digits: &[u8]) -> u32 {
    digits.iter().fold(0u32, |v, &d| {
        let nibble = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => 0,
        };
        (v << 4) | u32::from(nibble)
    })
}

/// Orders two UTF-8 strings by their UTF-16 code units, as RFC 8785 §3.2.3 requires.
///
/// UTF-8 byte order equals code point order, which differs from UTF-16 order only when
/// a character in U+E000..U+FFFF (UTF-8 lead byte 0xEE/0xEF) meets a supplementary
/// character (lead byte 0xF0..0xF4, a surrogate pair in UTF-16, which sorts *before*
/// U+E000). The first differing byte is a lead byte of both in exactly that case.
fn cmp_utf16(a: &[u8], b: &[u8]) -> Ordering {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => a.len().cmp(&b.len()),
        Some(i) => {
            let (x, y) = (a[i], b[i]);
            let bmp_high = |v: u8| v == 0xEE || v == 0xEF;
            if bmp_high(x) && y >= 0xF0 {
                Ordering::Greater
            } else if x >= 0xF0 && bmp_high(y) {
                Ordering::Less
            } else {
                x.cmp(&y)
            }
        }
    }
}

/// Fast path for the numbers found in clinical data: no exponent and at most 15
/// significant digits, so the decimal is exactly what the nearest double prints as
/// (DBL_DIG = 15), and in the range where ECMAScript prints fixed notation. Writes the
/// number with trailing fraction zeros removed and returns `true`, or writes nothing and
/// returns `false` when the general path is needed.
fn write_simple_number(negative: bool, int: &[u8], frac: &[u8], out: &mut Vec<u8>) -> bool {
    if int.len() > 15 {
        return false;
    }
    let trimmed_len = frac.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
    let frac = &frac[..trimmed_len];
    if int == b"0" {
        if frac.is_empty() {
            // 0, -0, 0.000: ECMAScript prints zero (of either sign) as "0".
            out.push(b'0');
            return true;
        }
        let leading_zeros = frac.iter().take_while(|&&d| d == b'0').count();
        // 0.000001 is printed fixed, 0.0000001 as 1e-7.
        if leading_zeros > 5 || frac.len() - leading_zeros > 15 {
            return false;
        }
    } else if int.len() + frac.len() > 15 {
        return false;
    }
    if negative {
        out.push(b'-');
    }
    out.extend_from_slice(int);
    if !frac.is_empty() {
        out.push(b'.');
        out.extend_from_slice(frac);
    }
    true
}

enum NumberProblem {
    OutOfRange,
    Unparsable,
}

/// General path: parse the token to the nearest double (correctly rounded by `core`) and
/// print it with ECMAScript's `Number.prototype.toString` algorithm (`ryu-js`).
fn write_number_slow(token: &[u8], out: &mut Vec<u8>) -> Result<(), NumberProblem> {
    let text = std::str::from_utf8(token).map_err(|_| NumberProblem::Unparsable)?;
    let value: f64 = text.parse().map_err(|_| NumberProblem::Unparsable)?;
    if !value.is_finite() {
        return Err(NumberProblem::OutOfRange);
    }
    write_f64(value, out);
    Ok(())
}

/// Writes a finite double as ECMAScript's `Number.prototype.toString` (negative zero as `0`).
fn write_f64(value: f64, out: &mut Vec<u8>) {
    if value == 0.0 {
        out.push(b'0');
    } else {
        let mut buf = ryu_js::Buffer::new();
        out.extend_from_slice(buf.format_finite(value).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        match canonicalize_json(s.as_bytes()) {
            Ok(v) => String::from_utf8(v).expect("canonical output is UTF-8"),
            Err(e) => panic!("canonicalize {s:?}: {e}"),
        }
    }

    fn hex(h: &[u8; 32]) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// RFC 8785 §3.2.2: the example input and its canonical form.
    const RFC_EXAMPLE_INPUT: &str = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
    const RFC_EXAMPLE_OUTPUT: &str = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";

    #[test]
    fn rfc8785_example_3_2_2() {
        assert_eq!(canon(RFC_EXAMPLE_INPUT), RFC_EXAMPLE_OUTPUT);
        // The RFC's §3.2.4 UTF-8 hex dump of the same output.
        let expected_hex = "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 \
             75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a \
             5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 \
             65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 \
             5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30 \
             30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d";
        let expected: Vec<u8> = expected_hex
            .split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).expect("hex"))
            .collect();
        assert_eq!(canonicalize_json(RFC_EXAMPLE_INPUT.as_bytes()).expect("ok"), expected);
    }

    #[test]
    fn rfc8785_sorting_example_3_2_3() {
        let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(canon(input), expected);
        // The same keys given as raw UTF-8 rather than escapes sort the same way.
        let raw_input = "{\"\u{20ac}\":1,\"\u{fb33}\":2,\"\u{1f600}\":3,\"\u{80}\":4}";
        assert_eq!(
            canon(raw_input),
            "{\"\u{80}\":4,\"\u{20ac}\":1,\"\u{1f600}\":3,\"\u{fb33}\":2}"
        );
    }

    /// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical JSON numbers.
    #[test]
    fn rfc8785_appendix_b_numbers() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for &(bits, expected) in cases {
            let value = f64::from_bits(bits);
            let mut out = Vec::new();
            write_f64(value, &mut out);
            assert_eq!(String::from_utf8_lossy(&out), expected, "bits {bits:016x}");
            // And through the parser: Rust's shortest round-trip text of the double.
            let text = format!("{value:e}");
            assert_eq!(canon(&text), expected, "parsed from {text}");
            assert_eq!(canon(&format!("[{value:?}]")), format!("[{expected}]"));
        }
        // NaN and Infinity cannot be written in JSON; overflowing literals are errors.
        for s in ["1e400", "-1e400", "[1.8e308]"] {
            assert!(matches!(
                canonicalize_json(s.as_bytes()),
                Err(HashingError::NumberOutOfRange { .. })
            ));
        }
        for s in ["NaN", "Infinity", "-Infinity", "[nan]"] {
            assert!(matches!(canonicalize_json(s.as_bytes()), Err(HashingError::Syntax { .. })));
        }
    }

    #[test]
    fn numbers_in_the_text_of_the_rfc() {
        for (input, expected) in [
            ("1E30", "1e+30"),
            ("1e+30", "1e+30"),
            ("4.50", "4.5"),
            ("2e-3", "0.002"),
            ("0.002", "0.002"),
            ("0.000000000000000000000000001", "1e-27"),
            ("1e-27", "1e-27"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("0e10", "0"),
            ("-0e-10", "0"),
            ("333333333.33333329", "333333333.3333333"),
            ("1.0", "1"),
            ("100", "100"),
            ("-1.50", "-1.5"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1e-7"),
            ("123456789012345", "123456789012345"),
            ("1234567890123456789", "1234567890123456800"),
            ("18446744073709551615", "18446744073709552000"),
            ("100000000000000000000", "100000000000000000000"),
            ("1000000000000000000000", "1e+21"),
            ("9007199254740993", "9007199254740992"),
            ("1e-400", "0"),
            ("12.5e1", "125"),
            ("37.20", "37.2"),
        ] {
            assert_eq!(canon(input), expected, "{input}");
        }
    }

    /// Compares the fast number path with the general path on many generated tokens.
    #[test]
    fn fast_number_path_agrees_with_general_path() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let r = next();
            let int_len = (r % 17) as usize;
            let frac_len = ((r >> 8) % 19) as usize;
            let mut token = String::new();
            if r & (1 << 20) != 0 {
                token.push('-');
            }
            if int_len == 0 || r & (1 << 21) != 0 {
                token.push('0');
            } else {
                for i in 0..int_len {
                    let d = (next() % 10) as u8;
                    token.push(char::from(b'0' + if i == 0 { d % 9 + 1 } else { d }));
                }
            }
            if frac_len > 0 {
                token.push('.');
                let zeros = if r & (1 << 22) != 0 { ((r >> 24) % 9) as usize } else { 0 };
                for i in 0..frac_len {
                    let d = if i < zeros { 0 } else { (next() % 10) as u8 };
                    token.push(char::from(b'0' + d));
                }
            }
            let mut slow = Vec::new();
            assert!(write_number_slow(token.as_bytes(), &mut slow).is_ok());
            assert_eq!(canon(&token).as_bytes(), &slow[..], "token {token}");
        }
    }

    #[test]
    fn string_escaping() {
        assert_eq!(canon(r#""\u0000\u001f\u007f\u0080""#), "\"\\u0000\\u001f\u{7f}\u{80}\"");
        assert_eq!(canon(r#""\b\f\n\r\t\/\\\"""#), r#""\b\f\n\r\t/\\\"""#);
        assert_eq!(canon(r#""\u0008\u000C\u000A\u000D\u0009""#), r#""\b\f\n\r\t""#);
        assert_eq!(canon(r#""\u00e9\u00C9é""#), "\"\u{e9}\u{c9}\u{e9}\"");
        assert_eq!(canon(r#""\uD83D\uDE00""#), "\"\u{1f600}\"");
        assert_eq!(canon(r#""<\/script>&""#), "\"</script>&\"");
        // No Unicode normalisation (RFC 8785 §3.1): "A\u030a" stays two code points.
        assert_eq!(canon(r#""A\u030a""#), "\"A\u{30a}\"");
        assert_eq!(canon(r#""\u2028\u2029""#), "\"\u{2028}\u{2029}\"");
    }

    #[test]
    fn plain_run_finds_the_first_special_byte() {
        let naive = |b: &[u8]| {
            b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(b.len())
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..40usize {
            for _ in 0..2000 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // Mostly plain bytes, some specials and high bytes.
                        match state % 16 {
                            0 => b'"',
                            1 => b'\\',
                            2 => (state >> 8) as u8 % 0x20,
                            3 => 0x80 | (state >> 8) as u8,
                            _ => 0x20 + (state >> 8) as u8 % 0x5f,
                        }
                    })
                    .collect();
                assert_eq!(plain_run(&bytes), naive(&bytes), "{bytes:?}");
            }
        }
    }

    #[test]
    fn structures() {
        assert_eq!(canon(" [ ] "), "[]");
        assert_eq!(canon("{ }"), "{}");
        assert_eq!(canon("\t\r\n true \n"), "true");
        assert_eq!(canon(r#""x""#), r#""x""#);
        assert_eq!(
            canon(r#"[56, {"d": true, "10": null, "1": [ ]}]"#),
            r#"[56,{"1":[],"10":null,"d":true}]"#
        );
        assert_eq!(
            canon(
                r#"{"1": {"f": {"f": "hi","F": 5} ,"\n": 56.0}, "10": { }, "": "empty",
                    "a": { }, "111": [ {"e": "yes","E": "no" } ], "A": { }}"#
            ),
            r#"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}"#
        );
        // Sorting compares decoded names: "\u0061" is "a".
        assert_eq!(canon(r#"{"b":1,"\u0061":2}"#), r#"{"a":2,"b":1}"#);
        // Locale-independent: plain code-unit order.
        assert_eq!(
            canon(r#"{"sin":4,"pêche":3,"péché":2,"peach":1}"#),
            "{\"peach\":1,\"p\u{e9}ch\u{e9}\":2,\"p\u{ea}che\":3,\"sin\":4}"
        );
    }

    #[test]
    fn utf16_order_helper() {
        let mut keys = vec![
            "\u{fb33}",
            "\u{1f600}",
            "\u{ffff}",
            "\u{e000}",
            "\u{d7ff}",
            "\u{10000}",
            "a",
            "",
            "ab",
            "\u{10ffff}",
        ];
        keys.sort_by(|a, b| cmp_utf16(a.as_bytes(), b.as_bytes()));
        let mut by_units = keys.clone();
        by_units.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
        assert_eq!(keys, by_units);
        assert_eq!(
            keys,
            vec![
                "",
                "a",
                "ab",
                "\u{d7ff}",
                "\u{10000}",
                "\u{1f600}",
                "\u{10ffff}",
                "\u{e000}",
                "\u{fb33}",
                "\u{ffff}"
            ]
        );
    }

    #[test]
    fn rejects_invalid_json_with_position() {
        let err = canonicalize_json(b"{\n  \"a\": 1,\n  \"b\" 2\n}").expect_err("invalid");
        assert_eq!(
            err,
            HashingError::Syntax { line: 3, column: 7, reason: "expected ':' after member name" }
        );
        assert_eq!((err.line(), err.column()), (3, 7));
        assert!(err.to_string().contains("line 3, column 7"), "{err}");

        for bad in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "[1 2]",
            "{\"a\":1,}",
            "{a:1}",
            "{'a':1}",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "1e+",
            "-",
            "--1",
            "tru",
            "nul",
            "\"abc",
            "\"a\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"tab\there\"",
            "\"nl\nhere\"",
            "[1]x",
            "{} {}",
            "\u{feff}{}",
            "[1,,2]",
            "{\"a\"}",
            "{\"a\":}",
            "1 2",
        ] {
            match canonicalize_json(bad.as_bytes()) {
                Err(HashingError::Syntax { .. }) => {}
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_non_i_json() {
        assert_eq!(
            canonicalize_json(b"{\"a\":1,\n\"a\":2}"),
            Err(HashingError::DuplicateKey { key: "a".into(), line: 2, column: 1 })
        );
        // Duplicates spelled differently, and duplicates found while sorting.
        assert!(matches!(
            canonicalize_json(br#"{"b":0,"a":1,"c":2,"\u0061":3}"#),
            Err(HashingError::DuplicateKey { ref key, .. }) if key == "a"
        ));
        // Same name in different objects is fine.
        assert_eq!(canon(r#"{"a":{"a":1},"b":{"a":2}}"#), r#"{"a":{"a":1},"b":{"a":2}}"#);
        for lone in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#, r#""\ud800x""#] {
            assert!(
                matches!(
                    canonicalize_json(lone.as_bytes()),
                    Err(HashingError::LoneSurrogate { .. })
                ),
                "{lone}"
            );
        }
        assert!(matches!(
            canonicalize_json(b"\"\xff\""),
            Err(HashingError::InvalidUtf8 { line: 1, column: 2 })
        ));
        assert!(matches!(
            canonicalize_json(b"[\"\xed\xa0\x80\"]"),
            Err(HashingError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn nesting_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(canon(&ok), ok);
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(canonicalize_json(deep.as_bytes()), Err(HashingError::TooDeep { .. })));
        // Hostile input: an error, not a stack overflow.
        let hostile = "[".repeat(1_000_000);
        assert!(canonicalize_json(hostile.as_bytes()).is_err());
        let hostile = "{\"a\":".repeat(1_000_000);
        assert!(canonicalize_json(hostile.as_bytes()).is_err());
    }

    #[test]
    fn canonical_form_is_a_fixed_point() {
        let once = canonicalize_json(RFC_EXAMPLE_INPUT.as_bytes()).expect("ok");
        assert_eq!(canonicalize_json(&once).expect("ok"), once);
        let obs = canonicalize_json(OBSERVATION.as_bytes()).expect("ok");
        assert_eq!(canonicalize_json(&obs).expect("ok"), obs);
    }

    #[test]
    fn canonicalize_into_appends_and_restores_on_error() {
        let mut c = JsonCanonicalizer::new();
        let mut out = b"prefix:".to_vec();
        c.canonicalize_into(br#"{"b":1,"a":2}"#, &mut out).expect("ok");
        assert_eq!(out, br#"prefix:{"a":2,"b":1}"#);
        assert!(c.canonicalize_into(br#"{"b":1,"a":}"#, &mut out).is_err());
        assert_eq!(out, br#"prefix:{"a":2,"b":1}"#);
        // The instance is reusable after an error.
        assert_eq!(
            c.content_hash(br#"{"a":2,"b":1}"#).expect("ok"),
            content_hash_json(br#"{ "b" : 1 , "a" : 2 }"#).expect("ok")
        );
    }

    /// Differential check against the `serde_json_canonicalizer` crate on a varied corpus.
    #[test]
    fn agrees_with_serde_json_canonicalizer() {
        let corpus = [
            RFC_EXAMPLE_INPUT,
            OBSERVATION,
            r#"{"z":[1,2.5,-3e-7,1e21,123456789.123456789,{"y":"\u00e9\n"}],"a":null}"#,
            r#"[0.1,0.2,0.30000000000000004,1e-6,1e-7,5e-324,1.7976931348623157e308]"#,
            r#"{"\u20ac":1,"\ufb33":2,"\ud83d\ude00":3,"\u0080":4,"\u00f6":5,"\r":6,"1":7}"#,
        ];
        for doc in corpus {
            let theirs = serde_json_canonicalizer::pipe(doc).expect("reference canonicalizes");
            assert_eq!(canon(doc), theirs, "{doc}");
        }
    }

    /// A small synthetic FHIR R4 Observation (no real person: made-up identifiers only).
    const OBSERVATION: &str = r#"{
  "resourceType": "Observation",
  "id": "obs-0001",
  "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5", "display": "Body temperature"}]},
  "subject": {"reference": "Patient/synthetic-42"},
  "effectiveDateTime": "2024-03-01T10:15:00Z",
  "valueQuantity": {"value": 37.2, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"},
  "note": [{"text": "Synthetic test record.\nNot a real patient."}]
}"#;

    #[test]
    fn hash_ignores_member_order_and_whitespace() {
        let reordered = r#"{"valueQuantity":{"code":"Cel","system":"http://unitsofmeasure.org","unit":"°C","value":37.2},
            "note":[{"text":"Synthetic test record.\nNot a real patient."}],"effectiveDateTime":"2024-03-01T10:15:00Z",
            "subject":{"reference":"Patient/synthetic-42"},"code":{"coding":[{"display":"Body temperature","code":"8310-5","system":"http://loinc.org"}]},
            "category":[{"coding":[{"code":"vital-signs","system":"http://terminology.hl7.org/CodeSystem/observation-category"}]}],
            "status":"final","id":"obs-0001","resourceType":"Observation"}"#;
        let a = content_hash_json(OBSERVATION.as_bytes()).expect("ok");
        let b = content_hash_json(reordered.as_bytes()).expect("ok");
        assert_eq!(a, b);
        let compact = canonicalize_json(OBSERVATION.as_bytes()).expect("ok");
        assert_eq!(content_hash_raw(&compact), a);
        assert_eq!(content_hash(OBSERVATION.as_bytes(), ContentKind::Json), Ok(a));
        // Raw hashing is byte-exact, so it does see the whitespace.
        assert_ne!(content_hash_raw(OBSERVATION.as_bytes()), a);
    }

    #[test]
    fn hash_changes_with_any_value_change() {
        let base = content_hash_json(OBSERVATION.as_bytes()).expect("ok");
        for (from, to) in [
            ("37.2", "37.21"),
            ("37.2", "-37.2"),
            ("37.2", "37.3"),
            ("\"final\"", "\"amended\""),
            ("\"final\"", "\"Final\""),
            ("8310-5", "8310-6"),
            ("synthetic-42", "synthetic-43"),
            ("°C", "°F"),
            ("Not a real", "Not a  real"),
            ("\"resourceType\"", "\"resourcetype\""),
            ("\"vital-signs\"}", "\"vital-signs\", \"extra\": null}"),
            ("[{\"text\"", "[{\"x\":1},{\"text\""),
        ] {
            assert!(OBSERVATION.contains(from), "{from}");
            let changed = OBSERVATION.replacen(from, to, 1);
            let h = content_hash_json(changed.as_bytes()).expect("still valid");
            assert_ne!(h, base, "{from} -> {to}");
        }
    }

    /// Replacing any single byte of a resource with any other value either makes it
    /// unparsable or changes its content hash. The only exception JCS is designed to
    /// ignore is one whitespace character between tokens becoming another, which must
    /// keep the hash. (The document has no `\uXXXX` escapes, exponents or trailing
    /// fraction zeros, whose spelling JCS also normalises.)
    #[test]
    fn every_single_byte_change_is_detected() {
        let doc = OBSERVATION.as_bytes();
        let base = content_hash_json(doc).expect("ok");
        // Which bytes are inside a string literal (including its quotes).
        let mut in_string = vec![false; doc.len()];
        let (mut inside, mut escaped) = (false, false);
        for (i, &b) in doc.iter().enumerate() {
            if inside {
                in_string[i] = true;
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    inside = false;
                }
            } else if b == b'"' {
                inside = true;
                in_string[i] = true;
            }
        }
        let ws = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
        let mut c = JsonCanonicalizer::new();
        let (mut rejected, mut changed, mut same_ws) = (0usize, 0usize, 0usize);
        let mut tampered = doc.to_vec();
        for i in 0..doc.len() {
            for value in 0..=255u8 {
                if value == doc[i] {
                    continue;
                }
                tampered[i] = value;
                match c.content_hash(&tampered) {
                    Err(_) => rejected += 1,
                    Ok(h) if !in_string[i] && ws(doc[i]) && ws(value) => {
                        assert_eq!(h, base, "whitespace swap at byte {i}");
                        same_ws += 1;
                    }
                    Ok(h) => {
                        assert_ne!(h, base, "byte {i} -> {value:#04x} went unnoticed");
                        changed += 1;
                    }
                }
            }
            tampered[i] = doc[i];
        }
        assert!(rejected > 0 && changed > 0 && same_ws > 0);
    }

    #[test]
    fn known_answer_hashes() {
        // sha256 of the RFC 8785 example's canonical bytes, and of "abc" (FIPS 180-2).
        assert_eq!(
            hex(&content_hash_json(RFC_EXAMPLE_INPUT.as_bytes()).expect("ok")),
            "2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb"
        );
        assert_eq!(
            hex(&content_hash_raw(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(content_hash(b"abc", ContentKind::Raw), Ok(content_hash_raw(b"abc")));
    }

    #[test]
    fn media_types() {
        for json in [
            "application/fhir+json",
            "application/fhir+json; fhirVersion=4.0",
            "Application/JSON",
            "text/json",
        ] {
            assert_eq!(ContentKind::from_media_type(json), ContentKind::Json, "{json}");
        }
        for raw in
            ["application/pdf", "application/dicom", "text/plain", "application/fhir+xml", ""]
        {
            assert_eq!(ContentKind::from_media_type(raw), ContentKind::Raw, "{raw}");
        }
    }
}
