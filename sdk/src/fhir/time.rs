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

#[cfg(test)]
mod tests {
    use super::*;

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
