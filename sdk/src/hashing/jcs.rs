//! The single-pass RFC 8785 (JCS) parser/canonicaliser: it validates a JSON document and
//! writes its canonical form while it parses, without building a tree of values.

use std::cmp::Ordering;

use sha2::{Digest, Sha256};

use super::numbers::{write_number_slow, write_simple_number, NumberProblem};
use super::{HashingError, MAX_DEPTH};

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
    /// The same as [`canonicalize_json`](super::canonicalize_json).
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

    /// Content hash of a JSON document, as [`content_hash_json`](super::content_hash_json),
    /// reusing this instance's buffers.
    ///
    /// # Errors
    ///
    /// The same as [`canonicalize_json`](super::canonicalize_json).
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
pub(super) fn plain_run(bytes: &[u8]) -> usize {
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
pub(super) fn cmp_utf16(a: &[u8], b: &[u8]) -> Ordering {
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
