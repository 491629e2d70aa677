//! The audit trail as FHIR: `audit export` and the demo.

use crate::args::wallet;
use crate::error::CliError;
use anchor_lang::prelude::Pubkey;
use medchain_sdk::fhir::{access_event_to_fhir, AccessEvent};
use medchain_sdk::pda;
use medchain_sdk::state::AccessDecision;
use serde_json::{json, Value};

/// The access attempts of an audit trail as a FHIR R4 Bundle (type collection) of AuditEvents.
pub fn audit_event_bundle(
    patient: &Pubkey,
    trail: &[medchain_sdk::audit::AuditEntry],
) -> Result<Value, CliError> {
    let mut entries = Vec::new();
    for entry in trail.iter().filter(|e| e.succeeded) {
        let Some(access) = &entry.access else { continue };
        let (Some(allowed), Some(reason)) = (access.allowed, access.reason.as_deref()) else {
            continue;
        };
        let provider_wallet = wallet(&entry.actor)?;
        let consent = pda::consent(&pda::patient(patient), &pda::provider(&provider_wallet));
        let reason = medchain_sdk::audit::reason_from_name(reason).ok_or_else(|| {
            CliError::bad(format!("unknown access reason '{reason}' in the history"))
        })?;
        let event = AccessEvent {
            patient_wallet: *patient,
            provider_wallet,
            consent_address: Some(consent),
            category: access.category,
            purpose: access.purpose,
            action: access.action,
            decision: AccessDecision { allowed, reason, consent_version: 0 },
            at: entry.unix_time.unwrap_or_default(),
            signature: Some(entry.signature.clone()),
        };
        let resource = access_event_to_fhir(&event)
            .map_err(|e| CliError::bad(format!("cannot export: {e}")))?;
        entries.push(json!({ "resource": resource }));
    }
    Ok(json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }))
}
