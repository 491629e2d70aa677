//! Number formatting for the canonical form: a JSON number is written as ECMAScript's
//! `Number.prototype.toString` prints the IEEE-754 double it denotes (RFC 8785 §3.2.2.3).

/// Fast path for the numbers found in clinical data: no exponent and at most 15
/// significant digits, so the decimal is exactly what the nearest double prints as
/// (DBL_DIG = 15), and in the range where ECMAScript prints fixed notation. Writes the
/// number with trailing fraction zeros removed and returns `true`, or writes nothing and
/// returns `false` when the general path is needed.
pub(super) fn write_simple_number(
    negative: bool,
    int: &[u8],
    frac: &[u8],
    out: &mut Vec<u8>,
) -> bool {
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

pub(super) enum NumberProblem {
    OutOfRange,
    Unparsable,
}

/// General path: parse the token to the nearest double (correctly rounded by `core`) and
/// print it with ECMAScript's `Number.prototype.toString` algorithm (`ryu-js`).
pub(super) fn write_number_slow(token: &[u8], out: &mut Vec<u8>) -> Result<(), NumberProblem> {
    let text = std::str::from_utf8(token).map_err(|_| NumberProblem::Unparsable)?;
    let value: f64 = text.parse().map_err(|_| NumberProblem::Unparsable)?;
    if !value.is_finite() {
        return Err(NumberProblem::OutOfRange);
    }
    write_f64(value, out);
    Ok(())
}

/// Writes a finite double as ECMAScript's `Number.prototype.toString` (negative zero as `0`).
pub(super) fn write_f64(value: f64, out: &mut Vec<u8>) {
    if value == 0.0 {
        out.push(b'0');
    } else {
        let mut buf = ryu_js::Buffer::new();
        out.extend_from_slice(buf.format_finite(value).as_bytes());
    }
}
