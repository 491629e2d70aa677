//! Reading a request's parameters: search parameters against the [`ResourceSpec`] table,
//! FHIR's value syntax (escapes, `system|value` tokens, date prefixes), paging, `_format`,
//! `_pretty`, `Accept` and `Prefer: handling`.

use super::capability::{ResourceSpec, ResourceType, SearchParamKind};
use super::{RestError, DEFAULT_COUNT, MAX_COUNT};
use crate::fhir::time::parse_range;
use crate::identity::Identifier;

/// R4 `consent-state-codes`: the values `Consent.status` may take.
const CONSENT_STATES: [&str; 6] =
    ["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"];
/// The code system of [`CONSENT_STATES`].
const CONSENT_STATE_SYSTEM: &str = "http://hl7.org/fhir/consent-state-codes";

/// The parameters every interaction accepts (formatting, not searching).
const FORMAT_PARAMS: [&str; 2] = ["_format", "_pretty"];
/// The result parameters every search accepts.
const PAGING_PARAMS: [&str; 2] = ["_count", "_offset"];

/// A query string as (name, value) pairs, percent- and `+`-decoded, in order.
pub(super) fn pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// True when a `Prefer` header asks for `handling=lenient`.
pub(super) fn is_lenient(prefer: Option<&str>) -> bool {
    prefer.is_some_and(|p| {
        p.split([',', ';']).any(|part| {
            part.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("handling")
                    && v.trim().trim_matches('"').eq_ignore_ascii_case("lenient")
            })
        })
    })
}

/// `_format` and `_pretty`.
pub(super) struct FormatParams {
    pub format: Option<String>,
    pub pretty: bool,
}

impl FormatParams {
    pub fn take(pairs: &[(String, String)]) -> Result<Self, RestError> {
        let mut params = Self { format: None, pretty: false };
        for (name, value) in pairs {
            match name.as_str() {
                "_format" => params.format = Some(value.clone()),
                "_pretty" => {
                    params.pretty = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(RestError::InvalidValue {
                                name: name.clone(),
                                reason: format!("true or false, got '{value}'"),
                            })
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(params)
    }
}

/// Refuses (or, lenient, ignores) any parameter but `_format` and `_pretty`: reads and
/// `metadata` take no others.
pub(super) fn no_other_params(
    what: &str,
    pairs: &[(String, String)],
    lenient: bool,
) -> Result<(), RestError> {
    match pairs.iter().find(|(name, _)| !FORMAT_PARAMS.contains(&name.as_str())) {
        Some((name, _)) if !lenient => Err(RestError::UnknownParameter {
            resource: what.to_string(),
            name: name.clone(),
            supported: FORMAT_PARAMS.join(", "),
        }),
        _ => Ok(()),
    }
}

/// A media type, lowercased, with its parameters split off.
fn media_type(text: &str) -> (String, Vec<(String, String)>) {
    let mut parts = text.split(';');
    let kind = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_string()))
        .collect();
    (kind, params)
}

/// A `fhirVersion` media-type parameter other than R4's.
fn other_fhir_version(params: &[(String, String)]) -> bool {
    params.iter().any(|(k, v)| k == "fhirversion" && !(v == "4.0" || v.starts_with("4.0.")))
}

/// Checks that the client accepts JSON: `_format` (which overrides `Accept`) must be `json`,
/// `application/json` or `application/fhir+json`; else the `Accept` header, when present,
/// must admit one of them (or `*/*`, `application/*`) with a non-zero quality, and a
/// `fhirVersion` parameter must be 4.0.
///
/// # Errors
///
/// [`RestError::NotAcceptable`].
pub fn negotiate_format(format: Option<&str>, accept: Option<&str>) -> Result<(), RestError> {
    const JSON: [&str; 3] = ["json", "application/json", "application/fhir+json"];
    if let Some(format) = format {
        let (kind, params) = media_type(format);
        if JSON.contains(&kind.as_str()) && !other_fhir_version(&params) {
            return Ok(());
        }
        return Err(RestError::NotAcceptable(format!(
            "_format '{format}' is not served: this server speaks FHIR R4 JSON only (json, application/fhir+json)"
        )));
    }
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(());
    };
    let acceptable = accept.split(',').any(|range| {
        let (kind, params) = media_type(range);
        let quality = params
            .iter()
            .find(|(k, _)| k == "q")
            .map_or(Some(1.0), |(_, q)| q.parse::<f32>().ok())
            .unwrap_or(0.0);
        let json = matches!(
            kind.as_str(),
            "*/*" | "application/*" | "application/json" | "application/fhir+json"
        );
        json && quality > 0.0 && !other_fhir_version(&params)
    });
    if acceptable {
        Ok(())
    } else {
        Err(RestError::NotAcceptable(format!(
            "Accept '{accept}' admits no format served: this server speaks FHIR R4 JSON only (application/fhir+json)"
        )))
    }
}

/// Splits a parameter value at unescaped `sep`, undoing FHIR's escapes (`\,` `\|` `\$`
/// `\\`) in the parts.
fn split_escaped(value: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ (',' | '|' | '$' | '\\')) if e != sep => {
                    // An escape of another separator stays escaped for the next split.
                    if let Some(last) = parts.last_mut() {
                        last.push('\\');
                        last.push(e);
                    }
                }
                Some(e) => {
                    if let Some(last) = parts.last_mut() {
                        last.push(e);
                    }
                }
                None => {
                    if let Some(last) = parts.last_mut() {
                        last.push('\\');
                    }
                }
            },
            c if c == sep => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts
}

/// Removes the escapes that [`split_escaped`] left for a later split.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap_or('\\')),
            c => out.push(c),
        }
    }
    out
}

/// A date comparison prefix (R4 search `date` prefixes, without `ap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePrefix {
    /// Within the value's range (the default).
    Eq,
    /// Outside it.
    Ne,
    /// After its end.
    Gt,
    /// From its start on.
    Ge,
    /// Before its start.
    Lt,
    /// Up to its end.
    Le,
    /// Starts after its end (for an instant, as `gt`).
    Sa,
    /// Ends before its start (for an instant, as `lt`).
    Eb,
}

/// One `date` value: a prefix and the half-open range of Unix seconds `[start, end)` the
/// date, month, year or instant covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateBound {
    /// The comparison.
    pub prefix: DatePrefix,
    /// First second of the value's range.
    pub start: i64,
    /// First second after it.
    pub end: i64,
}

impl DateBound {
    /// Parses `[prefix]value` (`ge2024-01`, `2024-01-15T10:00:00Z`, …).
    fn parse(text: &str) -> Result<Self, String> {
        let (prefix, value) = match text.get(..2) {
            Some("eq") => (DatePrefix::Eq, &text[2..]),
            Some("ne") => (DatePrefix::Ne, &text[2..]),
            Some("gt") => (DatePrefix::Gt, &text[2..]),
            Some("ge") => (DatePrefix::Ge, &text[2..]),
            Some("lt") => (DatePrefix::Lt, &text[2..]),
            Some("le") => (DatePrefix::Le, &text[2..]),
            Some("sa") => (DatePrefix::Sa, &text[2..]),
            Some("eb") => (DatePrefix::Eb, &text[2..]),
            Some("ap") => {
                return Err("the prefix ap (approximately) is not supported; use ge and le".into())
            }
            _ => (DatePrefix::Eq, text),
        };
        // A `+` of a time zone that was not percent-encoded arrives as a space.
        let value = value.replace(' ', "+");
        let (start, end) = parse_range(&value).ok_or_else(|| {
            format!("'{text}' is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with Z or ±hh:mm), optionally after eq, ne, gt, ge, lt, le, sa or eb")
        })?;
        Ok(Self { prefix, start, end })
    }

    /// True when the instant `at` (one second, `[at, at + 1)`) matches, by R4's rules for
    /// comparing a search range with a target range.
    pub fn matches(&self, at: i64) -> bool {
        let within = self.start <= at && at < self.end;
        match self.prefix {
            DatePrefix::Eq => within,
            DatePrefix::Ne => !within,
            DatePrefix::Gt | DatePrefix::Sa => at >= self.end,
            DatePrefix::Ge => at >= self.start,
            DatePrefix::Lt | DatePrefix::Eb => at < self.start,
            DatePrefix::Le => at < self.end,
        }
    }
}

/// One search parameter as given: its alternatives (comma-separated values, ORed). Two
/// filters of the same name are ANDed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// A reference parameter, matched by identifier (`system|value`, or a plain value
    /// without system).
    Identifiers {
        /// The parameter.
        name: &'static str,
        /// The alternatives.
        any_of: Vec<Identifier>,
    },
    /// A token parameter: the codes (their system checked).
    Codes {
        /// The parameter.
        name: &'static str,
        /// The alternatives.
        any_of: Vec<String>,
    },
    /// A date parameter.
    Dates {
        /// The parameter.
        name: &'static str,
        /// The alternatives.
        any_of: Vec<DateBound>,
    },
}

impl Filter {
    /// The parameter's name.
    pub fn name(&self) -> &'static str {
        match self {
            Filter::Identifiers { name, .. }
            | Filter::Codes { name, .. }
            | Filter::Dates { name, .. } => name,
        }
    }
}

/// A search request, checked against what the resource type supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The resource type searched.
    pub resource: ResourceType,
    /// The search parameters, in the order given.
    pub filters: Vec<Filter>,
    /// Page size (`_count`, at most [`MAX_COUNT`]).
    pub count: usize,
    /// 0-based position of the page's first entry (`_offset`).
    pub offset: usize,
    /// Parameters ignored under `handling=lenient`, as given.
    pub ignored: Vec<String>,
    /// The parameters the links repeat (all but the ignored ones and paging), as given.
    pub kept: Vec<(String, String)>,
}

impl Search {
    /// Reads a search of `resource` from its query `pairs` (see [`super`] for the rules).
    ///
    /// # Errors
    ///
    /// [`RestError::UnknownParameter`] and [`RestError::UnsupportedModifier`] (unless
    /// `lenient`), [`RestError::InvalidValue`] for a value that cannot be read.
    pub fn parse(
        resource: ResourceType,
        pairs: &[(String, String)],
        lenient: bool,
    ) -> Result<Self, RestError> {
        let spec = resource.spec();
        let mut search = Self {
            resource,
            filters: Vec::new(),
            count: DEFAULT_COUNT,
            offset: 0,
            ignored: Vec::new(),
            kept: Vec::new(),
        };
        for (given, value) in pairs {
            let (name, modifier) = match given.split_once(':') {
                Some((name, modifier)) => (name, Some(modifier)),
                None => (given.as_str(), None),
            };
            let unsupported = match (name, modifier) {
                ("_count" | "_offset", None) => {
                    let number = value.parse::<usize>().map_err(|_| RestError::InvalidValue {
                        name: given.clone(),
                        reason: format!("a non-negative integer, got '{value}'"),
                    })?;
                    if name == "_count" {
                        search.count = number.min(MAX_COUNT);
                    } else {
                        search.offset = number;
                    }
                    continue;
                }
                ("_format" | "_pretty", None) => {
                    search.kept.push((given.clone(), value.clone()));
                    continue;
                }
                _ => match spec.param(name) {
                    None => RestError::UnknownParameter {
                        resource: resource.name().to_string(),
                        name: given.clone(),
                        supported: supported(spec),
                    },
                    Some(param) => {
                        match parse_filter(param.name, param.kind, modifier, given, value) {
                            Ok(filter) => {
                                search.filters.push(filter);
                                search.kept.push((given.clone(), value.clone()));
                                continue;
                            }
                            Err(e @ RestError::UnsupportedModifier { .. }) => e,
                            Err(e) => return Err(e),
                        }
                    }
                },
            };
            if lenient {
                search.ignored.push(given.clone());
            } else {
                return Err(unsupported);
            }
        }
        Ok(search)
    }

    /// The filters named `name`.
    pub fn filters_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Filter> + 's {
        self.filters.iter().filter(move |f| f.name() == name)
    }
}

/// The parameters of `spec` and the common ones, for messages.
fn supported(spec: &ResourceSpec) -> String {
    let mut names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    names.extend(PAGING_PARAMS);
    names.extend(FORMAT_PARAMS);
    names.join(", ")
}

fn parse_filter(
    name: &'static str,
    kind: SearchParamKind,
    modifier: Option<&str>,
    given: &str,
    value: &str,
) -> Result<Filter, RestError> {
    let invalid = |reason: String| RestError::InvalidValue { name: given.to_string(), reason };
    match (kind, modifier) {
        (SearchParamKind::Reference, None | Some("identifier")) => {}
        (_, None) => {}
        (_, Some(modifier)) => {
            return Err(RestError::UnsupportedModifier {
                name: name.to_string(),
                modifier: modifier.to_string(),
            })
        }
    }
    if value.is_empty() {
        return Err(invalid("the parameter has no value".into()));
    }
    let alternatives = split_escaped(value, ',');
    if alternatives.iter().any(String::is_empty) {
        return Err(invalid(format!("'{value}' has an empty alternative")));
    }
    Ok(match kind {
        SearchParamKind::Reference => Filter::Identifiers {
            name,
            any_of: alternatives
                .iter()
                .map(|a| token(a).map_err(invalid))
                .map(|r| r.map(|(system, value)| Identifier { system, value }))
                .collect::<Result<_, _>>()?,
        },
        SearchParamKind::Token => Filter::Codes {
            name,
            any_of: alternatives
                .iter()
                .map(|a| consent_state(a).map_err(invalid))
                .collect::<Result<_, _>>()?,
        },
        SearchParamKind::Date => Filter::Dates {
            name,
            any_of: alternatives
                .iter()
                .map(|a| DateBound::parse(&unescape(a)).map_err(invalid))
                .collect::<Result<_, _>>()?,
        },
    })
}

/// `system|value`, `|value` (no system) or `value` (no system given).
fn token(text: &str) -> Result<(Option<String>, String), String> {
    let parts = split_escaped(text, '|');
    let (system, value) = match parts.as_slice() {
        [value] => (None, value.clone()),
        [system, value] => ((!system.is_empty()).then(|| unescape(system)), value.clone()),
        _ => return Err(format!("'{text}' has more than one unescaped '|'")),
    };
    let value = unescape(&value);
    if value.is_empty() {
        return Err(format!("'{text}' has a system but no value"));
    }
    Ok((system, value))
}

/// A `Consent.status` code, optionally with its system.
fn consent_state(text: &str) -> Result<String, String> {
    let (system, code) = token(text)?;
    if system.as_deref().is_some_and(|s| s != CONSENT_STATE_SYSTEM) {
        return Err(format!("status codes are of {CONSENT_STATE_SYSTEM}, got '{text}'"));
    }
    if CONSENT_STATES.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err(format!("'{code}' is not a Consent status (one of {})", CONSENT_STATES.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: &str) -> Vec<(String, String)> {
        pairs(query)
    }

    #[test]
    fn references_take_tokens_plain_values_and_the_identifier_modifier() {
        let s = Search::parse(
            ResourceType::Consent,
            &q("patient=http://h.example/mrn|M-1,W1&actor:identifier=urn:x|a%5C%7Cb&status=active,inactive"),
            false,
        )
        .expect("parses");
        assert_eq!(
            s.filters,
            vec![
                Filter::Identifiers {
                    name: "patient",
                    any_of: vec![
                        Identifier::new("http://h.example/mrn", "M-1"),
                        Identifier { system: None, value: "W1".into() },
                    ],
                },
                Filter::Identifiers {
                    name: "actor",
                    any_of: vec![Identifier::new("urn:x", "a|b")]
                },
                Filter::Codes { name: "status", any_of: vec!["active".into(), "inactive".into()] },
            ]
        );
        assert_eq!((s.count, s.offset), (DEFAULT_COUNT, 0));
        assert_eq!(s.kept.len(), 3);
        let escaped = Search::parse(ResourceType::Consent, &q("patient=a%5C,b"), false)
            .expect("escaped comma");
        assert_eq!(
            escaped.filters[0],
            Filter::Identifiers {
                name: "patient",
                any_of: vec![Identifier { system: None, value: "a,b".into() }]
            }
        );
        let no_system = token("|v").expect("no system");
        assert_eq!(no_system, (None, "v".into()));
    }

    #[test]
    fn paging_is_read_and_capped() {
        let s = Search::parse(ResourceType::AuditEvent, &q("_count=500&_offset=40"), false)
            .expect("parses");
        assert_eq!((s.count, s.offset), (MAX_COUNT, 40));
        let zero = Search::parse(ResourceType::AuditEvent, &q("_count=0"), false).expect("0");
        assert_eq!(zero.count, 0);
        for bad in ["_count=-1", "_count=ten", "_offset=1.5", "_offset="] {
            let e = Search::parse(ResourceType::AuditEvent, &q(bad), false).expect_err(bad);
            assert_eq!((e.status(), e.issue_code()), (400, "value"), "{bad}");
        }
    }

    #[test]
    fn unknown_parameters_are_refused_unless_lenient() {
        for query in ["name=x", "_sort=date", "status:not=active", "patient:missing=true", "date=x"]
        {
            let pairs = q(query);
            let strict = Search::parse(ResourceType::Consent, &pairs, false);
            let e = strict.expect_err(query);
            assert_eq!(e.status(), 400, "{query}");
        }
        let e = Search::parse(ResourceType::Consent, &q("name=x"), false).expect_err("name");
        assert_eq!(e.issue_code(), "not-supported");
        assert!(e.to_string().contains("patient, actor, status, _count"), "{e}");
        let lenient =
            Search::parse(ResourceType::Consent, &q("name=x&patient=W&status:not=active"), true)
                .expect("lenient");
        assert_eq!(lenient.ignored, vec!["name".to_string(), "status:not".to_string()]);
        assert_eq!(lenient.kept, vec![("patient".to_string(), "W".to_string())]);
        let bad_value = Search::parse(ResourceType::Consent, &q("status=maybe"), true);
        assert_eq!(bad_value.expect_err("bad value").issue_code(), "value", "not ignored");
        for bad in
            ["patient=", "patient=a,,b", "patient=s|", "patient=a|b|c", "status=urn:x|active"]
        {
            let e = Search::parse(ResourceType::Consent, &q(bad), false).expect_err(bad);
            assert_eq!(e.issue_code(), "value", "{bad}");
        }
        assert!(no_other_params("metadata", &q("_format=json&_pretty=true"), false).is_ok());
        assert!(no_other_params("metadata", &q("x=1"), false).is_err());
        assert!(no_other_params("metadata", &q("x=1"), true).is_ok());
        assert!(is_lenient(Some("return=minimal, handling=lenient")));
        assert!(!is_lenient(Some("handling=strict")));
        assert!(!is_lenient(None));
    }

    #[test]
    fn dates_take_prefixes_by_r4_range_rules() {
        let day = 86_400;
        let jan1 = 1_704_067_200; // 2024-01-01T00:00:00Z
        let bound = |text: &str| DateBound::parse(text).expect(text);
        let cases = [
            ("2024-01-01", jan1, true),
            ("2024-01-01", jan1 + day - 1, true),
            ("2024-01-01", jan1 + day, false),
            ("eq2024-01", jan1 + 30 * day, true),
            ("ne2024-01-01", jan1 + day, true),
            ("ne2024-01-01", jan1, false),
            ("gt2024-01-01", jan1 + day - 1, false),
            ("gt2024-01-01", jan1 + day, true),
            ("sa2024-01-01", jan1 + day, true),
            ("ge2024-01-01", jan1, true),
            ("ge2024-01-01", jan1 - 1, false),
            ("lt2024-01-01", jan1 - 1, true),
            ("lt2024-01-01", jan1, false),
            ("eb2024-01-01", jan1 - 1, true),
            ("le2024-01-01", jan1 + day - 1, true),
            ("le2024-01-01", jan1 + day, false),
            ("ge2024-01-01T01:00:00+01:00", jan1, true),
            ("ge2024-01-01T01:00:00 01:00", jan1 - 1, false),
            ("2024", jan1 + 300 * day, true),
        ];
        for (text, at, expected) in cases {
            assert_eq!(bound(text).matches(at), expected, "{text} at {at}");
        }
        for bad in ["ap2024-01-01", "2024-1-1", "yesterday", "ge", "2024-01-01T10:00:00"] {
            assert!(DateBound::parse(bad).is_err(), "{bad}");
        }
        let s = Search::parse(
            ResourceType::AuditEvent,
            &q("patient=W&date=ge2024-01-01&date=lt2024-02-01"),
            false,
        )
        .expect("a range");
        assert_eq!(s.filters_named("date").count(), 2);
    }

    #[test]
    fn only_json_is_served() {
        for (format, accept) in [
            (None, None),
            (Some("json"), None),
            (Some("application/fhir+json"), Some("application/fhir+xml")),
            (Some("application/json; fhirVersion=4.0"), None),
            (None, Some("application/fhir+json")),
            (None, Some("application/fhir+json; fhirVersion=4.0")),
            (None, Some("application/json")),
            (None, Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")),
            (None, Some("")),
        ] {
            assert!(negotiate_format(format, accept).is_ok(), "{format:?} {accept:?}");
        }
        for (format, accept) in [
            (Some("xml"), None),
            (Some("application/fhir+xml"), Some("application/fhir+json")),
            (Some("ttl"), None),
            (None, Some("application/fhir+xml")),
            (None, Some("application/fhir+json;q=0")),
            (None, Some("application/fhir+json; fhirVersion=3.0")),
            (None, Some("text/html")),
        ] {
            let e = negotiate_format(format, accept).expect_err("refused");
            assert_eq!((e.status(), e.issue_code()), (406, "not-supported"));
        }
    }
}
