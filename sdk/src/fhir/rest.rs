//! The pieces of a FHIR R4 REST read API over medchain (served by `medchain serve` under
//! `/fhir`): the CapabilityStatement, `searchset` Bundles with paging, `OperationOutcome`s,
//! search parameters (tokens, dates, paging), and the searches themselves over a chain.

use super::time::parse_range;
use super::{
    audit_trail_bundle, consent_to_fhir, record_anchor_to_provenance, Anchor, RecordAnchor,
    FHIR_VERSION,
};
use crate::client::Medchain;
use crate::identity::{Identifier, IdentifierMap, Role};
use crate::state::{Consent, Patient, Provider};
use crate::{pda, Backend};
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use std::str::FromStr;

/// The media type of every response.
pub const FHIR_JSON: &str = "application/fhir+json";
/// Entries per page unless `_count` says otherwise.
pub const DEFAULT_COUNT: usize = 20;
/// The largest `_count` accepted.
pub const MAX_COUNT: usize = 100;
/// The most audit-trail transactions an `AuditEvent` search reads.
pub const AUDIT_HISTORY_LIMIT: usize = 1_000;

/// A failed FHIR interaction: the HTTP status and an `OperationOutcome`.
#[derive(Debug, Clone, PartialEq)]
pub struct RestError {
    /// HTTP status.
    pub status: u16,
    /// The `OperationOutcome`.
    pub outcome: Value,
}

/// An `OperationOutcome` with one error issue (`code` from the FHIR `issue-type` codes).
pub fn operation_outcome(code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": diagnostics }],
    })
}

impl RestError {
    /// 400 `invalid`: a bad parameter or value.
    pub fn invalid(diagnostics: impl AsRef<str>) -> Self {
        Self { status: 400, outcome: operation_outcome("invalid", diagnostics.as_ref()) }
    }

    /// 404 `not-found`.
    pub fn not_found(diagnostics: impl AsRef<str>) -> Self {
        Self { status: 404, outcome: operation_outcome("not-found", diagnostics.as_ref()) }
    }

    /// 405 `not-supported`: an interaction this server does not offer.
    pub fn not_supported(diagnostics: impl AsRef<str>) -> Self {
        Self { status: 405, outcome: operation_outcome("not-supported", diagnostics.as_ref()) }
    }

    /// 503 `transient`: the chain could not be read.
    pub fn unavailable(diagnostics: impl AsRef<str>) -> Self {
        Self { status: 503, outcome: operation_outcome("transient", diagnostics.as_ref()) }
    }
}

impl From<crate::error::SdkError> for RestError {
    fn from(e: crate::error::SdkError) -> Self {
        Self::unavailable(format!("the chain could not be read: {e}"))
    }
}

impl From<super::FhirError> for RestError {
    fn from(e: super::FhirError) -> Self {
        Self { status: 500, outcome: operation_outcome("exception", &e.to_string()) }
    }
}

/// One search parameter: name, FHIR search type, documentation.
pub type SearchParam = (&'static str, &'static str, &'static str);

/// The search parameters each resource type supports (besides `_count` and `_offset`).
pub const SEARCH_PARAMS: [(&str, &[SearchParam]); 3] = [
    (
        "Consent",
        &[
            ("patient", "reference", "the patient: CAIP-10 id, urn:solana:pubkey|<key> or an identifier of the clinic's map (system|value)"),
            ("actor", "reference", "the provider the consent is given to, identified the same way"),
            ("status", "token", "active or inactive"),
        ],
    ),
    (
        "AuditEvent",
        &[
            ("patient", "reference", "the patient (required)"),
            ("date", "date", "when it was recorded: eq, ge, gt, le, lt prefixes (default eq); repeatable"),
        ],
    ),
    (
        "Provenance",
        &[
            ("patient", "reference", "the patient the anchored records are about (required)"),
            ("target", "reference", "one Record account (base58, or Record/<address>)"),
        ],
    ),
];

/// The CapabilityStatement of the read API rooted at `base` (`…/fhir`): exactly `read` of
/// Consent and `search-type` of Consent, AuditEvent and Provenance with the parameters of
/// [`SEARCH_PARAMS`]; other parameters are refused (400).
pub fn capability_statement(base: &str) -> Value {
    let resource = |(kind, params): &(&str, &[SearchParam])| {
        let mut interaction = vec![json!({ "code": "search-type" })];
        if *kind == "Consent" {
            interaction.insert(0, json!({ "code": "read" }));
        }
        let search: Vec<Value> = params
            .iter()
            .map(|(name, kind, doc)| json!({ "name": name, "type": kind, "documentation": doc }))
            .collect();
        json!({ "type": kind, "interaction": interaction, "searchParam": search })
    };
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",
        "kind": "instance",
        "software": { "name": "medchain serve", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "medchain: patient-controlled consent on Solana, read as FHIR R4", "url": base },
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Read only. Unknown search parameters are refused with 400. Paging: _count (default 20, at most 100) and _offset.",
            "resource": SEARCH_PARAMS.iter().map(resource).collect::<Vec<_>>(),
        }],
    })
}

/// A search's parameters, checked against what the resource type supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// `(name, value)` of every parameter but paging, in order.
    pub params: Vec<(String, String)>,
    /// `_offset`.
    pub offset: usize,
    /// `_count`.
    pub count: usize,
}

impl Search {
    /// Reads a raw query string (form-urlencoded) for a search of `resource_type`.
    ///
    /// # Errors
    ///
    /// As [`Self::parse`].
    pub fn from_query(resource_type: &str, query: &str) -> Result<Self, RestError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self::parse(resource_type, &pairs)
    }

    /// Reads `query` (already percent-decoded pairs) for a search of `resource_type`.
    ///
    /// # Errors
    ///
    /// 400 for an unknown parameter or a bad `_count` / `_offset`.
    pub fn parse(resource_type: &str, query: &[(String, String)]) -> Result<Self, RestError> {
        let known =
            SEARCH_PARAMS.iter().find(|(t, _)| *t == resource_type).map_or(&[][..], |(_, p)| *p);
        let mut search = Self { params: Vec::new(), offset: 0, count: DEFAULT_COUNT };
        for (name, value) in query {
            let number = || {
                value.parse::<usize>().map_err(|_| {
                    RestError::invalid(format!(
                        "{name} must be a non-negative integer, got '{value}'"
                    ))
                })
            };
            match name.as_str() {
                "_count" => {
                    search.count = number()?;
                    if search.count > MAX_COUNT {
                        return Err(RestError::invalid(format!("_count is at most {MAX_COUNT}")));
                    }
                }
                "_offset" => search.offset = number()?,
                "_format" if value.contains("json") => {}
                other if known.iter().any(|(n, _, _)| *n == other) => {
                    search.params.push((name.clone(), value.clone()));
                }
                other => {
                    let names: Vec<&str> = known.iter().map(|(n, _, _)| *n).collect();
                    return Err(RestError::invalid(format!(
                        "{resource_type} does not support the search parameter '{other}' (supported: {}, _count, _offset)",
                        names.join(", ")
                    )));
                }
            }
        }
        Ok(search)
    }

    /// The values of parameter `name`.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.params.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The one value of `name`, if given (a second is refused).
    ///
    /// # Errors
    ///
    /// 400 when `name` is given twice.
    pub fn single<'a>(&'a self, name: &'a str) -> Result<Option<&'a str>, RestError> {
        let mut values = self.values(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(RestError::invalid(format!("give {name} once")));
        }
        Ok(first)
    }
}

/// A reference or token search value as an identifier: `system|value`, or a bare value (a
/// CAIP-10 id or a base58 key).
pub fn identifier_param(value: &str) -> Identifier {
    match value.split_once('|') {
        Some((system, v)) if !system.is_empty() => Identifier::new(system, v),
        Some((_, v)) => Identifier { system: None, value: v.to_string() },
        None => match Pubkey::from_str(value) {
            Ok(_) => Identifier::new(super::SOLANA_PUBKEY_SYSTEM, value),
            Err(_) => Identifier { system: None, value: value.to_string() },
        },
    }
}

/// One `date` search value: a prefix and the range of seconds it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateFilter {
    prefix: &'static str,
    start: i64,
    end: i64,
}

impl DateFilter {
    /// Parses `ge2024-01-01`, `lt2024-06-01T00:00:00Z`, `2024-03` (eq), ….
    ///
    /// # Errors
    ///
    /// 400 for another prefix or a value that is not a FHIR date or dateTime.
    pub fn parse(value: &str) -> Result<Self, RestError> {
        let (prefix, rest) = ["eq", "ge", "gt", "le", "lt"]
            .iter()
            .find_map(|p| value.strip_prefix(p).map(|rest| (*p, rest)))
            .unwrap_or(("eq", value));
        let (start, end) = parse_range(rest).ok_or_else(|| {
            RestError::invalid(format!("date '{value}': a FHIR date or dateTime, with an optional eq, ge, gt, le or lt prefix"))
        })?;
        Ok(Self { prefix, start, end })
    }

    /// Whether the instant `secs` matches.
    pub fn matches(&self, secs: i64) -> bool {
        match self.prefix {
            "ge" => secs >= self.start,
            "gt" => secs >= self.end,
            "le" => secs < self.end,
            "lt" => secs < self.start,
            _ => (self.start..self.end).contains(&secs),
        }
    }
}

/// A `searchset` Bundle of page `search` of `matches` (resources with an `id`), with `total`,
/// `self`/`next`/`previous` links and absolute `fullUrl`s under `base` (`…/fhir`).
pub fn searchset(base: &str, resource_type: &str, search: &Search, matches: &[Value]) -> Value {
    let base = base.trim_end_matches('/');
    let link = |offset: usize| {
        let mut query: Vec<String> =
            search.params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        query.push(format!("_count={}", search.count));
        query.push(format!("_offset={offset}"));
        format!("{base}/{resource_type}?{}", query.join("&"))
    };
    let mut links = vec![json!({ "relation": "self", "url": link(search.offset) })];
    let end = search.offset.saturating_add(search.count).min(matches.len());
    if end < matches.len() {
        links.push(json!({ "relation": "next", "url": link(end) }));
    }
    if search.offset > 0 {
        links.push(json!({ "relation": "previous", "url": link(search.offset.saturating_sub(search.count)) }));
    }
    let entries: Vec<Value> = matches
        .iter()
        .skip(search.offset)
        .take(search.count)
        .map(|r| {
            let id = r["id"].as_str().unwrap_or_default();
            json!({ "fullUrl": format!("{base}/{resource_type}/{id}"), "resource": r, "search": { "mode": "match" } })
        })
        .collect();
    let mut bundle = json!({ "resourceType": "Bundle", "type": "searchset", "total": matches.len(), "link": links });
    if !entries.is_empty() {
        bundle["entry"] = Value::Array(entries); // FHIR has no empty arrays (ele-1)
    }
    bundle
}

/// A query component, form-urlencoded.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The searches, over a chain and the clinic's identifier map.
pub struct FhirReader<'a, B: Backend> {
    /// The chain.
    pub chain: &'a Medchain<B>,
    /// The clinic's identifier map.
    pub identifiers: &'a IdentifierMap,
    /// CAIP-2 id of the chain.
    pub chain_id: &'a str,
}

impl<B: Backend> FhirReader<'_, B> {
    fn wallet(&self, role: Role, value: &str) -> Option<Pubkey> {
        self.identifiers.resolve(role, self.chain_id, &identifier_param(value))
    }

    /// A Consent account as FHIR, with its patient's and provider's wallets read from chain.
    async fn consent_resource(
        &self,
        address: &Pubkey,
        consent: &Consent,
        now: i64,
    ) -> Result<Option<Value>, RestError> {
        if consent.version == 0 {
            return Ok(None);
        }
        let patient: Option<Patient> = self.chain.fetch(&consent.patient, "Patient").await?;
        let provider: Option<Provider> = self.chain.fetch(&consent.provider, "Provider").await?;
        let (Some(patient), Some(provider)) = (patient, provider) else { return Ok(None) };
        Ok(Some(consent_to_fhir(consent, address, &patient.authority, &provider.authority, now)?))
    }

    /// `GET Consent/{id}`: the consent whose account is `id`.
    ///
    /// # Errors
    ///
    /// 404 when `id` is not a consent that was ever granted; 503 when the chain fails.
    pub async fn read_consent(&self, id: &str) -> Result<Value, RestError> {
        let missing = || RestError::not_found(format!("no Consent/{id}"));
        let address = Pubkey::from_str(id).map_err(|_| missing())?;
        let consent: Consent = self
            .chain
            .fetch(&address, "Consent")
            .await
            .map_err(|_| missing())?
            .ok_or_else(missing)?;
        let now = self.chain.backend().unix_time().await?;
        self.consent_resource(&address, &consent, now).await?.ok_or_else(missing)
    }

    /// `GET Consent?patient=&actor=&status=` (patient or actor required).
    ///
    /// # Errors
    ///
    /// 400 without patient or actor, or for a bad status; 503 when the chain fails.
    pub async fn search_consents(&self, search: &Search) -> Result<Vec<Value>, RestError> {
        let patient = search.single("patient")?;
        let actor = search.single("actor")?;
        let status = search.single("status")?;
        if let Some(s) = status.filter(|s| *s != "active" && *s != "inactive") {
            return Err(RestError::invalid(format!("status is active or inactive, got '{s}'")));
        }
        let consents = match (patient, actor) {
            (Some(p), actor) => {
                let Some(wallet) = self.wallet(Role::Patient, p) else { return Ok(Vec::new()) };
                let mut list = self.chain.consents_of_patient(&wallet).await?;
                if let Some(a) = actor {
                    let Some(provider) = self.wallet(Role::Actor, a) else { return Ok(Vec::new()) };
                    let provider_pda = pda::provider(&provider);
                    list.retain(|(_, c)| c.provider == provider_pda);
                }
                list
            }
            (None, Some(a)) => {
                let Some(wallet) = self.wallet(Role::Actor, a) else { return Ok(Vec::new()) };
                self.chain.consents_of_provider(&wallet).await?
            }
            (None, None) => {
                return Err(RestError::invalid("Consent search needs patient or actor"))
            }
        };
        let now = self.chain.backend().unix_time().await?;
        let mut out = Vec::new();
        for (address, consent) in &consents {
            if let Some(resource) = self.consent_resource(address, consent, now).await? {
                if status.is_none_or(|s| resource["status"] == s) {
                    out.push(resource);
                }
            }
        }
        out.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        Ok(out)
    }

    /// `GET AuditEvent?patient=&date=`: the patient's audit trail (newest first), filtered by
    /// `recorded`.
    ///
    /// # Errors
    ///
    /// 400 without patient or for a bad date; 503 when the chain fails.
    pub async fn search_audit_events(&self, search: &Search) -> Result<Vec<Value>, RestError> {
        let patient = search
            .single("patient")?
            .ok_or_else(|| RestError::invalid("AuditEvent search needs patient"))?;
        let dates: Vec<DateFilter> =
            search.values("date").map(DateFilter::parse).collect::<Result<_, _>>()?;
        let Some(wallet) = self.wallet(Role::Patient, patient) else { return Ok(Vec::new()) };
        let trail = self.chain.audit_trail(&wallet, AUDIT_HISTORY_LIMIT).await?;
        let bundle = audit_trail_bundle(&wallet, &trail)?;
        let mut out = Vec::new();
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            let mut resource = entry["resource"].clone();
            let recorded = resource["recorded"].as_str().and_then(parse_range).map(|r| r.0);
            if !dates.iter().all(|d| recorded.is_some_and(|t| d.matches(t))) {
                continue;
            }
            if resource.get("id").is_none() {
                // A stable id: the first 128 bits of the SHA-256 of the event as exported.
                let digest =
                    <sha2::Sha256 as sha2::Digest>::digest(resource.to_string().as_bytes());
                resource["id"] = json!(hex::encode(&digest[..16]));
            }
            out.push(resource);
        }
        Ok(out)
    }

    /// `GET Provenance?patient=&target=`: a Provenance for every record version anchored
    /// about the patient (or the one Record account `target` names). The anchored resource is
    /// known off chain only, so `target` references the Record account.
    ///
    /// # Errors
    ///
    /// 400 without patient or for a bad target; 503 when the chain fails.
    pub async fn search_provenance(&self, search: &Search) -> Result<Vec<Value>, RestError> {
        let patient = search
            .single("patient")?
            .ok_or_else(|| RestError::invalid("Provenance search needs patient"))?;
        let target = search
            .single("target")?
            .map(|t| {
                Pubkey::from_str(t.strip_prefix("Record/").unwrap_or(t)).map_err(|_| {
                    RestError::invalid(format!("target '{t}' is not a Record account (base58)"))
                })
            })
            .transpose()?;
        let Some(wallet) = self.wallet(Role::Patient, patient) else { return Ok(Vec::new()) };
        let mut records = self.chain.records_of_patient(&wallet).await?;
        records.retain(|(address, _)| target.is_none_or(|t| t == *address));
        records.sort_by_key(|(address, r)| (r.created_at, address.to_string()));
        let mut out = Vec::new();
        for (address, record) in &records {
            let author = if record.author == pda::patient(&wallet) {
                Some(wallet)
            } else {
                let provider: Option<Provider> =
                    self.chain.fetch(&record.author, "Provider").await?;
                provider.map(|p| p.authority)
            };
            let Some(author_wallet) = author else { continue };
            let target = format!("urn:solana:pubkey:{address}");
            let mut resource = record_anchor_to_provenance(&RecordAnchor {
                anchor: Anchor::Record { record, address: *address },
                target: &target,
                author_wallet,
                signature: None,
            })?;
            resource["id"] = json!(address.to_string());
            out.push(resource);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_links_and_totals() {
        let q = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()
        };
        let search = Search::parse(
            "Consent",
            &q(&[("patient", "a|b c"), ("_count", "2"), ("_offset", "2")]),
        )
        .expect("search");
        let matches: Vec<Value> =
            (0..5).map(|i| json!({ "resourceType": "Consent", "id": format!("c{i}") })).collect();
        let page = searchset("https://x/fhir/", "Consent", &search, &matches);
        assert_eq!(page["total"], 5);
        let ids: Vec<&str> = page["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["c2", "c3"]);
        assert_eq!(page["entry"][0]["fullUrl"], "https://x/fhir/Consent/c2");
        assert_eq!(page["link"][1]["relation"], "next");
        assert_eq!(
            page["link"][1]["url"],
            "https://x/fhir/Consent?patient=a%7Cb+c&_count=2&_offset=4"
        );
        assert_eq!(
            page["link"][2]["url"],
            "https://x/fhir/Consent?patient=a%7Cb+c&_count=2&_offset=0"
        );
        assert_eq!(Search::parse("Consent", &q(&[("name", "x")])).unwrap_err().status, 400);
        assert_eq!(Search::parse("Consent", &q(&[("_count", "1000")])).unwrap_err().status, 400);
        assert_eq!(Search::parse("Consent", &q(&[("_offset", "-1")])).unwrap_err().status, 400);
    }

    #[test]
    fn date_prefixes() {
        let t = 1_700_000_000; // 2023-11-14T22:13:20Z
        let m = |v: &str| DateFilter::parse(v).expect(v).matches(t);
        assert!(m("2023-11-14") && m("eq2023-11") && m("ge2023-11-14") && m("le2023-11-14"));
        assert!(!m("gt2023-11-14") && !m("lt2023-11-14") && m("gt2023-11-13") && m("lt2023-11-15"));
        assert!(m("ge2023-11-14T22:13:20Z") && !m("gt2023-11-14T22:13:20Z"));
        assert_eq!(DateFilter::parse("ap2023").unwrap_err().status, 400);
    }

    #[test]
    fn identifier_params() {
        let key = Pubkey::new_unique().to_string();
        assert_eq!(
            identifier_param(&key).system.as_deref(),
            Some(super::super::SOLANA_PUBKEY_SYSTEM)
        );
        assert_eq!(identifier_param("urn:mrn|M1"), Identifier::new("urn:mrn", "M1"));
        assert_eq!(identifier_param("|solana:x:y").system, None);
    }
}
