//! A FHIR R4 REST **read** API over medchain: what `medchain serve` answers under `/fhir`,
//! with no HTTP in it, so that it can be embedded in any server and tested without one.
//!
//! [`FhirRest::handle`] takes a request (method, path under the FHIR base, raw query string,
//! `Accept` and `Prefer` headers) and returns a [`RestResponse`]: an HTTP status and a FHIR
//! resource, always `application/fhir+json` ([`FHIR_JSON`]), and an `OperationOutcome` for
//! every error ([`RestError`]). The interactions:
//!
//! | request | answer |
//! |---|---|
//! | `GET metadata` | the [`capability_statement`]: exactly what this module supports |
//! | `GET Consent/{address}` | the Consent account at `address` as a FHIR `Consent` ([`consent_to_fhir`](super::consent_to_fhir)) |
//! | `GET Consent?patient=&actor=&status=` | a `searchset` Bundle of Consents (at least one of `patient`, `actor`) |
//! | `GET AuditEvent?patient=&date=` | the patient's audit trail ([`audit_trail_events`](super::audit_trail_events)), `patient` required |
//! | `GET Provenance/{address}` | the Record or RecordBatch account at `address` as a `Provenance` |
//! | `GET Provenance?target=&patient=` | record versions and batches anchored on chain (at least one of the two) |
//!
//! **Who a parameter names.** `patient` and `actor` take an identifier: FHIR token form
//! `system|value` (a clinic's MRN or NPI, resolved by its [`IdentifierMap`] in the
//! [`Role`](crate::identity::Role) the parameter names; a CAIP-10 account id under
//! `urn:ietf:rfc:3986`; a key under `urn:solana:pubkey`) or a plain value (a base58 wallet or a
//! CAIP-10 account id); the `:identifier` modifier is accepted with the same meaning. An
//! identifier that names no one gives an empty searchset, not an error.
//!
//! **What `Provenance?target=` means.** The chain holds hashes, not resource ids, so a
//! Provenance from the chain names its target by the anchoring account: `target` takes the
//! address of a Record account (one record version) or of a RecordBatch account (one Merkle
//! batch) — what `provider anchor-record` / `anchor-bundle` print — as a plain value or as
//! `urn:solana:pubkey|<address>`; or the 64-hex SHA-256 content hash of a resource
//! ([`crate::hashing`]), which finds every record version anchoring exactly that content. A
//! batch's leaves are not on chain: a batch is found by its account only. `patient` finds
//! every record version about the patient (batches name no patient).
//!
//! **Search rules.** Repeated parameters are ANDed, comma-separated values ORed; FHIR's
//! escapes (`\,` `\|` `\$` `\\`) are honoured. `date` takes the prefixes `eq` (default), `ne`,
//! `gt`, `ge`, `lt`, `le`, `sa` and `eb` (not `ap`) on a date, a month, a year or an instant
//! with a time zone (a date without time is a UTC day). Parameters this module does not know
//! are refused with 400 (`handling=strict`, the default); with `Prefer: handling=lenient` they
//! are ignored, left out of the `self` link and reported in an `OperationOutcome` entry
//! (`search.mode = outcome`). `_format` (`json`, `application/json`,
//! `application/fhir+json`) and `_pretty` are accepted on every interaction; any other
//! format, or an `Accept` header that admits no JSON, is 406.
//!
//! **Paging.** `_count` (default [`DEFAULT_COUNT`], at most [`MAX_COUNT`]: larger values are
//! lowered to it, as the `self` link then says) and `_offset` (0-based). Every searchset has
//! `total` and absolute `self`, `first` and `last` links under the server's base URL, and
//! `previous` / `next` when there are such pages. Pages are computed for each request: if
//! the chain changes between two requests (a new consent, a new access attempt), entries may
//! shift between pages. Consents are ordered by their grant time, newest first; AuditEvents
//! by the trail's order, newest first; Provenances by anchoring time, newest first (ties by
//! address). An AuditEvent search reads at most [`AUDIT_HISTORY_LIMIT`] transactions per
//! patient; when a trail is longer, the searchset says so in an `OperationOutcome` entry.
//!
//! **Errors** ([`RestError`]): 400 for a bad or unsupported parameter or a bad id (codes
//! `value`, `not-supported`, `required`), 404 for an unknown path, resource type or
//! interaction (`not-supported`) and for an id with no such account (`not-found`), 405 for
//! any method but GET and HEAD, 406 for a format other than JSON, 500 when an account cannot
//! be mapped (`exception`) and 503 when the chain cannot be read (`transient`).

#![warn(missing_docs)]

mod capability;
mod params;
mod search;
mod searchset;

pub use capability::{capability_statement, ResourceType, SearchParamKind, SearchParamSpec};
pub use params::{negotiate_format, DateBound, DatePrefix, Filter, Search};
pub use search::{consent_resource, provenance_resource};
pub use searchset::{searchset, Match, SearchResult};

use super::{narrative, FhirError};
use crate::backend::Backend;
use crate::client::Medchain;
use crate::error::SdkError;
use crate::identity::IdentifierMap;
use serde_json::{json, Value};
use thiserror::Error;

/// The media type of every response.
pub const FHIR_JSON: &str = "application/fhir+json";
/// Entries per page unless `_count` says otherwise.
pub const DEFAULT_COUNT: usize = 20;
/// The largest page; a larger `_count` is lowered to it.
pub const MAX_COUNT: usize = 100;
/// The most transactions of one patient's history an `AuditEvent` search reads (as
/// `medchain audit export`'s default `--limit`).
pub const AUDIT_HISTORY_LIMIT: usize = 1_000;

/// Why a FHIR interaction failed; each maps to an HTTP status ([`RestError::status`]) and
/// an `OperationOutcome` ([`RestError::to_outcome`]).
#[derive(Debug, Error)]
pub enum RestError {
    /// A path that is not part of this API (an unknown resource type, `_history`, an
    /// operation, a read of a type that is only searched).
    #[error("{0}")]
    UnknownPath(String),
    /// A method other than GET or HEAD.
    #[error("{0} is not supported: this FHIR API is read-only (GET and HEAD)")]
    MethodNotAllowed(String),
    /// A read of an id that names no such resource.
    #[error("{resource}/{id} is not known on this chain")]
    NotFound {
        /// The resource type.
        resource: ResourceType,
        /// The id asked for.
        id: String,
    },
    /// An id that is not a base58 account address (or not even a FHIR id).
    #[error("'{id}' is not a {resource} id: ids are base58 account addresses")]
    InvalidId {
        /// The resource type.
        resource: ResourceType,
        /// The id given.
        id: String,
    },
    /// A search or result parameter this API does not support (under `handling=strict`).
    #[error("{resource} does not support the parameter '{name}' (supported: {supported})")]
    UnknownParameter {
        /// The resource type (or `metadata`).
        resource: String,
        /// The parameter as given.
        name: String,
        /// What is supported, for the message.
        supported: String,
    },
    /// A modifier this API does not support (`:exact`, `:missing`, `:not` …).
    #[error("the modifier ':{modifier}' of '{name}' is not supported")]
    UnsupportedModifier {
        /// The parameter.
        name: String,
        /// The modifier.
        modifier: String,
    },
    /// A parameter value that cannot be read.
    #[error("{name}: {reason}")]
    InvalidValue {
        /// The parameter.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A search without a parameter it needs.
    #[error("a {resource} search needs {needed}")]
    MissingParameter {
        /// The resource type.
        resource: ResourceType,
        /// What it needs, for the message.
        needed: &'static str,
    },
    /// A format other than JSON was asked for.
    #[error("{0}")]
    NotAcceptable(String),
    /// The chain could not be read (or an account on it is not what it should be).
    #[error("the chain could not be read: {0}")]
    Chain(#[from] SdkError),
    /// An account could not be mapped to FHIR.
    #[error("cannot export: {0}")]
    Export(#[from] FhirError),
}

impl RestError {
    /// The HTTP status of the error.
    pub fn status(&self) -> u16 {
        match self {
            RestError::UnknownPath(_) | RestError::NotFound { .. } => 404,
            RestError::MethodNotAllowed(_) => 405,
            RestError::InvalidId { .. }
            | RestError::UnknownParameter { .. }
            | RestError::UnsupportedModifier { .. }
            | RestError::InvalidValue { .. }
            | RestError::MissingParameter { .. } => 400,
            RestError::NotAcceptable(_) => 406,
            RestError::Chain(e) if is_transient(e) => 503,
            RestError::Chain(_) | RestError::Export(_) => 500,
        }
    }

    /// The FHIR `issue-type` code of the error.
    pub fn issue_code(&self) -> &'static str {
        match self {
            RestError::UnknownPath(_)
            | RestError::MethodNotAllowed(_)
            | RestError::UnknownParameter { .. }
            | RestError::UnsupportedModifier { .. }
            | RestError::NotAcceptable(_) => "not-supported",
            RestError::NotFound { .. } => "not-found",
            RestError::InvalidId { .. } | RestError::InvalidValue { .. } => "value",
            RestError::MissingParameter { .. } => "required",
            RestError::Chain(e) if is_transient(e) => "transient",
            RestError::Chain(_) | RestError::Export(_) => "exception",
        }
    }

    /// The error as an `OperationOutcome` with one `error` issue.
    pub fn to_outcome(&self) -> Value {
        operation_outcome("error", self.issue_code(), &self.to_string())
    }
}

/// True for chain errors that may pass (the cluster or the ledger is unreachable).
fn is_transient(e: &SdkError) -> bool {
    matches!(e, SdkError::Unreachable { .. } | SdkError::Transport(_) | SdkError::Ledger { .. })
}

/// An `OperationOutcome` with one issue: `severity` (`fatal`, `error`, `warning`,
/// `information`), an R4 `issue-type` `code`, and `diagnostics` (also its narrative).
pub fn operation_outcome(severity: &str, code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "text": narrative(diagnostics),
        "issue": [{ "severity": severity, "code": code, "diagnostics": diagnostics }],
    })
}

/// The R4 `issue-type` code that fits an HTTP error status, for errors raised outside this
/// module (a rate limit, a too-long URL) that a server still answers as `OperationOutcome`.
pub fn issue_code_for_status(status: u16) -> &'static str {
    match status {
        400 => "invalid",
        401 => "login",
        403 => "forbidden",
        404 => "not-found",
        405 | 406 | 415 => "not-supported",
        408 | 504 => "timeout",
        413 | 414 | 431 => "too-long",
        429 => "throttled",
        503 => "transient",
        _ => "exception",
    }
}

/// One FHIR interaction as a server received it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestRequest<'a> {
    /// The HTTP method (`GET`, `HEAD`, …).
    pub method: &'a str,
    /// The path under the FHIR base, without leading slash, percent-decoded:
    /// `metadata`, `Consent`, `Consent/<address>`.
    pub path: &'a str,
    /// The raw (still form-urlencoded) query string, without `?`.
    pub query: &'a str,
    /// The `Accept` header, if any.
    pub accept: Option<&'a str>,
    /// The `Prefer` header, if any (`handling=lenient` ignores unknown parameters).
    pub prefer: Option<&'a str>,
}

/// A FHIR response: the HTTP status and the resource (`application/fhir+json`).
#[derive(Debug, Clone, PartialEq)]
pub struct RestResponse {
    /// HTTP status.
    pub status: u16,
    /// The resource: the answer, or an `OperationOutcome`.
    pub body: Value,
    /// `_pretty=true` was asked for.
    pub pretty: bool,
}

impl RestResponse {
    /// The response to `error`.
    pub fn error(error: &RestError) -> Self {
        Self { status: error.status(), body: error.to_outcome(), pretty: false }
    }

    /// The body as JSON bytes (indented when `_pretty=true` was asked for).
    pub fn to_bytes(&self) -> Vec<u8> {
        let bytes = if self.pretty {
            serde_json::to_vec_pretty(&self.body)
        } else {
            serde_json::to_vec(&self.body)
        };
        bytes.unwrap_or_default()
    }
}

/// The read API over one chain: the client, the clinic's identifier map, the chain's CAIP-2
/// id (for CAIP-10 identifiers) and the FHIR base URL (absolute: links and `fullUrl`s are
/// under it).
pub struct FhirRest<'a, B: Backend> {
    chain: &'a Medchain<B>,
    identifiers: &'a IdentifierMap,
    chain_id: &'a str,
    base: String,
}

impl<'a, B: Backend> FhirRest<'a, B> {
    /// The API over `chain`, served at `base` (e.g. `https://clinic.example/fhir`).
    pub fn new(
        chain: &'a Medchain<B>,
        identifiers: &'a IdentifierMap,
        chain_id: &'a str,
        base: &str,
    ) -> Self {
        Self { chain, identifiers, chain_id, base: base.trim_end_matches('/').to_string() }
    }

    /// The FHIR base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Answers one request; errors become `OperationOutcome`s with their status.
    pub async fn handle(&self, request: &RestRequest<'_>) -> RestResponse {
        match self.answer(request).await {
            Ok((body, pretty)) => RestResponse { status: 200, body, pretty },
            Err(e) => RestResponse::error(&e),
        }
    }

    async fn answer(&self, request: &RestRequest<'_>) -> Result<(Value, bool), RestError> {
        if !matches!(request.method, "GET" | "HEAD") {
            return Err(RestError::MethodNotAllowed(request.method.to_string()));
        }
        let pairs = params::pairs(request.query);
        let lenient = params::is_lenient(request.prefer);
        let format = params::FormatParams::take(&pairs)?;
        negotiate_format(format.format.as_deref(), request.accept)?;
        let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
        let not_offered = || {
            RestError::UnknownPath(format!(
                "GET {} is not part of this API: it offers metadata, Consent/{{id}}, Provenance/{{id}} and searches of Consent, AuditEvent and Provenance",
                if request.path.is_empty() { "/" } else { request.path }
            ))
        };
        let body = match segments.as_slice() {
            ["metadata"] => {
                params::no_other_params("metadata", &pairs, lenient)?;
                capability_statement(&self.base)
            }
            [kind] => {
                let resource = ResourceType::from_name(kind).ok_or_else(not_offered)?;
                let search = Search::parse(resource, &pairs, lenient)?;
                self.search(&search).await?
            }
            [kind, id] => {
                let resource = ResourceType::from_name(kind).ok_or_else(not_offered)?;
                if !resource.spec().read {
                    return Err(not_offered());
                }
                params::no_other_params(resource.name(), &pairs, lenient)?;
                self.read(resource, id).await?
            }
            _ => return Err(not_offered()),
        };
        Ok((body, format.pretty))
    }

    /// Reads one resource by id.
    ///
    /// # Errors
    ///
    /// [`RestError::InvalidId`], [`RestError::NotFound`], [`RestError::UnknownPath`] for a
    /// type that is only searched, and chain and mapping errors.
    pub async fn read(&self, resource: ResourceType, id: &str) -> Result<Value, RestError> {
        let address = search::parse_id(resource, id)?;
        let found = match resource {
            ResourceType::Consent => {
                let now = self.chain.backend().unix_time().await?;
                consent_resource(self.chain, &address, now).await?
            }
            ResourceType::Provenance => provenance_resource(self.chain, &address).await?,
            ResourceType::AuditEvent => {
                return Err(RestError::UnknownPath("AuditEvent supports search only".into()))
            }
        };
        found.ok_or_else(|| RestError::NotFound { resource, id: id.to_string() })
    }

    /// Runs a search and returns its `searchset` Bundle.
    ///
    /// # Errors
    ///
    /// [`RestError::MissingParameter`] and chain and mapping errors.
    pub async fn search(&self, search: &Search) -> Result<Value, RestError> {
        let searcher = search::Searcher {
            chain: self.chain,
            identifiers: self.identifiers,
            chain_id: self.chain_id,
            base: &self.base,
        };
        let result = searcher.run(search).await?;
        Ok(searchset(&self.base, search, &result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_status_and_an_issue_code() {
        let errors = [
            (RestError::UnknownPath("x".into()), 404, "not-supported"),
            (RestError::MethodNotAllowed("POST".into()), 405, "not-supported"),
            (
                RestError::NotFound { resource: ResourceType::Consent, id: "x".into() },
                404,
                "not-found",
            ),
            (
                RestError::InvalidId { resource: ResourceType::Consent, id: "x".into() },
                400,
                "value",
            ),
            (
                RestError::MissingParameter { resource: ResourceType::AuditEvent, needed: "x" },
                400,
                "required",
            ),
            (RestError::NotAcceptable("xml".into()), 406, "not-supported"),
            (RestError::Chain(SdkError::Transport("down".into())), 503, "transient"),
            (RestError::Chain(SdkError::Transaction("odd".into())), 500, "exception"),
            (RestError::Export(FhirError::EmptyBundle), 500, "exception"),
        ];
        for (error, status, code) in errors {
            assert_eq!(error.status(), status, "{error}");
            assert_eq!(error.issue_code(), code, "{error}");
            let outcome = error.to_outcome();
            assert_eq!(outcome["issue"][0]["code"], code);
            assert_eq!(outcome["issue"][0]["severity"], "error");
            assert_eq!(outcome["issue"][0]["diagnostics"], error.to_string());
        }
        assert_eq!(issue_code_for_status(429), "throttled");
        assert_eq!(issue_code_for_status(414), "too-long");
        assert_eq!(issue_code_for_status(418), "exception");
    }
}
