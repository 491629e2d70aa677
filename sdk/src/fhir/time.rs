//! Unix seconds → FHIR `instant` / `dateTime` strings (`YYYY-MM-DDThh:mm:ssZ`, UTC).

/// First second representable in FHIR (`0001-01-01T00:00:00Z`).
pub(crate) const MIN_UNIX: i64 = -62_135_596_800;
/// Last second representable in FHIR (`9999-12-31T23:59:59Z`).
pub(crate) const MAX_UNIX: i64 = 253_402_300_799;

/// Formats `secs` (Unix time, UTC) as a FHIR `instant`, which is also a valid `dateTime`.
/// `None` outside years 0001–9999, which FHIR cannot express.
pub(crate) fn instant(secs: i64) -> Option<String> {
    if !(MIN_UNIX..=MAX_UNIX).contains(&secs) {
        return None;
    }
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Some(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", sod / 3600, sod % 3600 / 60, sod % 60))
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day); H. Hinnant's
/// `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) of the proleptic Gregorian calendar → days since 1970-01-01;
/// H. Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Parses a FHIR `date`, `dateTime` or `instant` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or
/// `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`) into the Unix seconds it starts at and the first
/// second after it (a date covers its whole day, month or year; a time its second).
pub(crate) fn parse_range(text: &str) -> Option<(i64, i64)> {
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let year = number(parts.first()?, 4)?;
    let month = parts.get(1).map_or(Some(1), |m| number(m, 2))?;
    let day = parts.get(2).map_or(Some(1), |d| number(d, 2))?;
    let days_in_month =
        |y: i64, m: i64| days_from_civil(y + m / 12, m % 12 + 1, 1) - days_from_civil(y, m, 1);
    if parts.len() > 3 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month)
    {
        return None;
    }
    let start_day = days_from_civil(year, month, day) * 86_400;
    let Some(time) = time else {
        let end = match parts.len() {
            1 => days_from_civil(year + 1, 1, 1) * 86_400,
            2 => days_from_civil(year + month / 12, month % 12 + 1, 1) * 86_400,
            _ => start_day + 86_400,
        };
        return Some((start_day, end));
    };
    if parts.len() != 3 {
        return None;
    }
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (c, zone) = time.split_at(at);
        let (h, m) = zone[1..].split_once(':')?;
        let minutes = number(h, 2)? * 60 + number(m, 2)?;
        (c, if zone.starts_with('-') { -minutes * 60 } else { minutes * 60 })
    };
    let clock = clock.split_once('.').map_or(clock, |(whole, fraction)| {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            ""
        } else {
            whole
        }
    });
    let hms: Vec<&str> = clock.split(':').collect();
    let (h, m, sec) = match hms.as_slice() {
        [h, m, s] => (number(h, 2)?, number(m, 2)?, number(s, 2)?),
        _ => return None,
    };
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let start = start_day + h * 3_600 + m * 60 + sec.min(59) - offset;
    Some((start, start + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_times_into_ranges() {
        let day = 86_400;
        assert_eq!(parse_range("1970-01-01"), Some((0, day)));
        assert_eq!(parse_range("1970-01"), Some((0, 31 * day)));
        assert_eq!(parse_range("1970"), Some((0, 365 * day)));
        assert_eq!(parse_range("2023-11-14T22:13:20Z"), Some((1_700_000_000, 1_700_000_001)));
        assert_eq!(
            parse_range("2023-11-14T23:13:20.250+01:00"),
            Some((1_700_000_000, 1_700_000_001))
        );
        assert_eq!(parse_range("2000-02-29"), Some((951_782_400, 951_782_400 + day)));
        for secs in [0, 1_700_000_000, MIN_UNIX, MAX_UNIX, -1] {
            assert_eq!(parse_range(&instant(secs).unwrap()).map(|r| r.0), Some(secs));
        }
        for bad in [
            "", "2023-13-01", "2023-02-30", "23-01-01", "2023-01-01T25:00:00Z",
            "2023-01-01T10:00Z", "2023-01-01T10:00:00", "2023-01-01T10:00:00.Z", "soon",
        ] {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(instant(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(instant(1_700_000_000).as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(instant(951_782_400).as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(instant(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(instant(MIN_UNIX).as_deref(), Some("0001-01-01T00:00:00Z"));
        assert_eq!(instant(MAX_UNIX).as_deref(), Some("9999-12-31T23:59:59Z"));
        assert_eq!(instant(MAX_UNIX + 1), None);
        assert_eq!(instant(MIN_UNIX - 1), None);
        assert_eq!(instant(i64::MAX), None);
        assert_eq!(instant(i64::MIN), None);
    }
}
