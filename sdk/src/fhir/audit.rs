//! One recorded access attempt → FHIR R4 `AuditEvent`.

use super::vocab::{self, Code, CONFIDENTIALITY_RESTRICTED, RESOURCE_TYPES_SYSTEM};
use super::{
    check_single, decode_signature, instant, narrative, pubkey_reference, FhirError,
    INSTRUCTION_SYSTEM, SOLANA_PUBKEY_SYSTEM, SOLANA_TX_SYSTEM,
};
use crate::audit::AuditEntry;
use crate::state::AccessDecision;
use crate::vocabulary::{actions, categories, purposes};
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use std::str::FromStr;

/// `AuditEvent.type`: DICOM 110110 "Patient Record" (access to a patient's record).
const TYPE_PATIENT_RECORD: Code = Code {
    system: "http://dicom.nema.org/resources/ontology/DCM",
    code: "110110",
    display: "Patient Record",
};
/// `AuditEvent.agent.type`: v3-ParticipationType `IRCP`, as in the consent's actor.
const AGENT_INFORMATION_RECIPIENT: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
    code: "IRCP",
    display: "information recipient",
};
/// `AuditEvent.source.type`: security-source-type 6, the access-control decision point.
const SOURCE_SECURITY_SERVER: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/security-source-type",
    code: "6",
    display: "Security Server",
};
const ENTITY_PERSON: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/audit-entity-type",
    code: "1",
    display: "Person",
};
const ENTITY_SYSTEM_OBJECT: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/audit-entity-type",
    code: "2",
    display: "System Object",
};
const ROLE_PATIENT: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/object-role",
    code: "1",
    display: "Patient",
};
const ROLE_DOMAIN_RESOURCE: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/object-role",
    code: "4",
    display: "Domain Resource",
};
const ROLE_SECURITY_RESOURCE: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/object-role",
    code: "13",
    display: "Security Resource",
};
const ROLE_JOB: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/object-role",
    code: "20",
    display: "Job",
};

/// One access attempt as `record_access` evaluated and recorded it (its instruction and its
/// return data, as the audit trail reads them), with the wallets behind the accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEvent {
    /// The patient's wallet (authority of the Patient account).
    pub patient_wallet: Pubkey,
    /// The provider's wallet (authority of the Provider account).
    pub provider_wallet: Pubkey,
    /// The Consent account evaluated, when one exists.
    pub consent_address: Option<Pubkey>,
    /// The category asked for (one bit of [`crate::vocabulary::categories`]).
    pub category: u32,
    /// The purpose of use (one bit of [`crate::vocabulary::purposes`]).
    pub purpose: u16,
    /// The action (one bit of [`crate::vocabulary::actions`]).
    pub action: u8,
    /// The program's decision.
    pub decision: AccessDecision,
    /// Cluster time of the attempt (Unix seconds).
    pub at: i64,
    /// The transaction that recorded the attempt (base58), when known.
    pub signature: Option<String>,
}

/// Maps one recorded access attempt to a FHIR R4 `AuditEvent`.
///
/// * `type` DICOM 110110 "Patient Record"; `subtype` the `consentaction` code of the
///   action; `action` `R` for read and share (a disclosure reads the record), `U` for
///   write (add or amend);
/// * `recorded`: the attempt's cluster time;
/// * `outcome` `0` (success) when allowed, `4` (minor failure) when denied, with
///   `outcomeDesc` giving medchain's reason;
/// * `purposeOfEvent` (and `agent.purposeOfUse`): the v3-ActReason purpose;
/// * `agent`: the provider (requestor), by wallet identifier;
/// * `source.observer`: the medchain program (a `Device` identified by the program id),
///   type security-source-type 6 "Security Server" — the program is the access-control
///   decision point;
/// * `entity`: the patient (role Patient); the Consent account evaluated (role Security
///   Resource, with the consent version as a detail), when one exists; the data asked for
///   (role Domain Resource, detail `category`, with the category's sensitivity labels);
///   and, when given, the Solana transaction (identifier system
///   [`SOLANA_TX_SYSTEM`], role Job) — R4's `AuditEvent` has no `identifier` element;
/// * `meta.security` `R` when the category is sensitive.
///
/// # Errors
///
/// [`FhirError::InvalidVocabulary`] unless category, purpose and action are single known
/// bits; [`FhirError::TimestampOutOfRange`] for `at`; [`FhirError::InvalidSignature`] when
/// `signature` is not base58 of 64 bytes.
pub fn access_event_to_fhir(event: &AccessEvent) -> Result<Value, FhirError> {
    check_single("category", event.category, categories::VALID)?;
    check_single("purpose", event.purpose.into(), purposes::VALID.into())?;
    check_single("action", event.action.into(), actions::VALID.into())?;
    let category = vocab::category(event.category)
        .ok_or(FhirError::InvalidVocabulary { what: "category", bits: event.category })?;
    let purpose = vocab::purpose(event.purpose)
        .ok_or(FhirError::InvalidVocabulary { what: "purpose", bits: event.purpose.into() })?;
    let action = vocab::action(event.action)
        .ok_or(FhirError::InvalidVocabulary { what: "action", bits: event.action.into() })?;
    let recorded = instant("at", event.at)?;
    if let Some(sig) = &event.signature {
        decode_signature(sig)?;
    }

    let allowed = event.decision.allowed;
    let outcome_desc = crate::audit::reason_words(event.decision.reason);

    let mut entities = vec![json!({
        "what": pubkey_reference(Some("Patient"), &event.patient_wallet),
        "type": ENTITY_PERSON.coding(),
        "role": ROLE_PATIENT.coding(),
    })];
    if let Some(consent) = &event.consent_address {
        let mut what = pubkey_reference(Some("Consent"), consent);
        what["reference"] = json!(format!("Consent/{consent}"));
        entities.push(json!({
            "what": what,
            "type": { "system": RESOURCE_TYPES_SYSTEM, "code": "Consent" },
            "role": ROLE_SECURITY_RESOURCE.coding(),
            "detail": [{
                "type": "consent-version",
                "valueString": event.decision.consent_version.to_string(),
            }],
        }));
    }
    let mut data = json!({
        "type": ENTITY_SYSTEM_OBJECT.coding(),
        "role": ROLE_DOMAIN_RESOURCE.coding(),
        "description": format!("medchain data category {}", category.name),
        "detail": [{ "type": "category", "valueString": category.name }],
    });
    if category.is_sensitive() {
        data["securityLabel"] =
            json!(category.fhir.security_labels.iter().map(Code::coding).collect::<Vec<_>>());
    }
    entities.push(data);
    if let Some(sig) = &event.signature {
        entities.push(json!({
            "what": { "identifier": { "system": SOLANA_TX_SYSTEM, "value": sig } },
            "type": ENTITY_SYSTEM_OBJECT.coding(),
            "role": ROLE_JOB.coding(),
            "description": "Solana transaction that recorded the access attempt",
        }));
    }

    let mut resource = json!({
        "resourceType": "AuditEvent",
        "text": narrative(&format!(
            "Access attempt at {recorded}: {} of {} for {} was {outcome_desc}.",
            action.code, category.name, purpose.code
        )),
        "type": TYPE_PATIENT_RECORD.coding(),
        "subtype": [action.coding()],
        "action": if event.action == actions::WRITE { "U" } else { "R" },
        "recorded": recorded,
        "outcome": if allowed { "0" } else { "4" },
        "outcomeDesc": outcome_desc,
        "purposeOfEvent": [purpose.concept()],
        "agent": [{
            "type": AGENT_INFORMATION_RECIPIENT.concept(),
            "who": pubkey_reference(None, &event.provider_wallet),
            "requestor": true,
            "purposeOfUse": [purpose.concept()],
        }],
        "source": medchain_source(),
        "entity": entities,
    });
    if category.is_sensitive() {
        resource["meta"] = json!({ "security": [CONFIDENTIALITY_RESTRICTED.coding()] });
    }
    Ok(resource)
}

/// The `AuditEvent.source` of everything medchain records: the program, as a security server.
fn medchain_source() -> Value {
    json!({
        "observer": {
            "type": "Device",
            "identifier": { "system": SOLANA_PUBKEY_SYSTEM, "value": medchain::ID.to_string() },
            "display": "medchain program",
        },
        "type": [SOURCE_SECURITY_SERVER.coding()],
    })
}

/// The wallet that signed an audit entry's instruction.
fn actor_of(entry: &AuditEntry) -> Result<Pubkey, FhirError> {
    Pubkey::from_str(&entry.actor).map_err(|_| FhirError::InvalidAuditEntry {
        signature: entry.signature.clone(),
        reason: format!("its actor '{}' is not a public key", entry.actor),
    })
}

/// Maps one change of the audit trail (an instruction that changed the patient's consents,
/// requests, delegates or records, with the events it emitted) to a FHIR R4 `AuditEvent`:
/// the signer as the requesting agent, the patient and the transaction as entities, and each
/// event as a System Object entity whose `detail`s are the event's fields (old and new
/// values, as JSON text) — the values only the events carry.
pub fn change_event_to_fhir(
    patient_wallet: &Pubkey,
    entry: &AuditEntry,
) -> Result<Value, FhirError> {
    let recorded = instant("at", entry.unix_time.unwrap_or_default())?;
    decode_signature(&entry.signature)?;
    let actor = actor_of(entry)?;
    let mut entities = vec![json!({
        "what": pubkey_reference(Some("Patient"), patient_wallet),
        "type": ENTITY_PERSON.coding(),
        "role": ROLE_PATIENT.coding(),
    })];
    for event in &entry.events {
        let detail: Vec<Value> = event
            .fields
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| {
                let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                json!({ "type": name, "valueString": text })
            })
            .collect();
        entities.push(json!({
            "what": { "display": event.name },
            "type": ENTITY_SYSTEM_OBJECT.coding(),
            "role": ROLE_SECURITY_RESOURCE.coding(),
            "name": event.name,
            "detail": detail,
        }));
    }
    entities.push(json!({
        "what": { "identifier": { "system": SOLANA_TX_SYSTEM, "value": entry.signature } },
        "type": ENTITY_SYSTEM_OBJECT.coding(),
        "role": ROLE_JOB.coding(),
        "description": "Solana transaction that made the change",
    }));
    let names: Vec<&str> = entry.events.iter().map(|e| e.name.as_str()).collect();
    Ok(json!({
        "resourceType": "AuditEvent",
        "text": narrative(&format!(
            "{} at {recorded} by {}: {}.",
            entry.instruction,
            entry.actor,
            if names.is_empty() { "no event recorded".to_string() } else { names.join(", ") }
        )),
        "type": TYPE_PATIENT_RECORD.coding(),
        "subtype": [{ "system": INSTRUCTION_SYSTEM, "code": entry.instruction }],
        "action": "U",
        "recorded": recorded,
        "outcome": "0",
        "agent": [{
            "who": pubkey_reference(None, &actor),
            "requestor": true,
        }],
        "source": medchain_source(),
        "entity": entities,
    }))
}

/// One AuditEvent of a patient's audit trail, with what a search sorts and pages by.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailEvent {
    /// The FHIR R4 `AuditEvent`.
    pub resource: Value,
    /// Cluster time of the transaction (Unix seconds; 0 when the cluster did not say).
    pub at: i64,
    /// The transaction's signature (base58).
    pub signature: String,
    /// The instruction's position among the trail's AuditEvents of the same transaction (a
    /// transaction may hold several instructions naming the patient).
    pub index: u32,
}

/// A patient's audit trail as FHIR R4 AuditEvents: every access attempt that was recorded,
/// and every successful change that emitted events, in the trail's order (newest first).
/// Failed transactions, attempts without a decision and changes without events are left out.
///
/// # Errors
///
/// [`FhirError::InvalidAuditEntry`] for an entry whose actor is not a public key or whose
/// reason medchain does not know, and the errors of [`access_event_to_fhir`] and
/// [`change_event_to_fhir`].
pub fn audit_trail_events(
    patient_wallet: &Pubkey,
    trail: &[AuditEntry],
) -> Result<Vec<TrailEvent>, FhirError> {
    let mut events: Vec<TrailEvent> = Vec::new();
    for entry in trail.iter().filter(|e| e.succeeded) {
        let resource = match &entry.access {
            Some(access) => {
                let (Some(allowed), Some(reason)) = (access.allowed, access.reason.as_deref())
                else {
                    continue;
                };
                let provider_wallet = actor_of(entry)?;
                let reason = crate::audit::reason_from_name(reason).ok_or_else(|| {
                    FhirError::InvalidAuditEntry {
                        signature: entry.signature.clone(),
                        reason: format!("unknown access reason '{reason}'"),
                    }
                })?;
                let patient = crate::pda::patient(patient_wallet);
                access_event_to_fhir(&AccessEvent {
                    patient_wallet: *patient_wallet,
                    provider_wallet,
                    consent_address: Some(crate::pda::consent(
                        &patient,
                        &crate::pda::provider(&provider_wallet),
                    )),
                    category: access.category,
                    purpose: access.purpose,
                    action: access.action,
                    decision: AccessDecision { allowed, reason, consent_version: 0 },
                    at: entry.unix_time.unwrap_or_default(),
                    signature: Some(entry.signature.clone()),
                })?
            }
            None if !entry.events.is_empty() => change_event_to_fhir(patient_wallet, entry)?,
            None => continue,
        };
        let index = events.iter().filter(|e| e.signature == entry.signature).count() as u32;
        events.push(TrailEvent {
            resource,
            at: entry.unix_time.unwrap_or_default(),
            signature: entry.signature.clone(),
            index,
        });
    }
    Ok(events)
}

/// A patient's audit trail as a FHIR R4 Bundle (type collection) of AuditEvents: the
/// resources of [`audit_trail_events`], in the trail's order (newest first).
///
/// # Errors
///
/// As [`audit_trail_events`].
pub fn audit_trail_bundle(
    patient_wallet: &Pubkey,
    trail: &[AuditEntry],
) -> Result<Value, FhirError> {
    let entries: Vec<Value> = audit_trail_events(patient_wallet, trail)?
        .into_iter()
        .map(|e| json!({ "resource": e.resource }))
        .collect();
    Ok(json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }))
}
