//! The audit trail: who did what to a patient's consents and data, and every access attempt
//! with its decision, rebuilt from the transactions that touched the patient's account —
//! the same way on the embedded ledger and on a cluster.

use crate::backend::{HistoricInstruction, TxRecord};
use crate::events::{decode_events, ProgramEvent};
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};
use medchain::instruction as ix;
use medchain::state::{AccessDecision, AccessReason};
use serde::Serialize;

/// Every medchain instruction name with its Anchor discriminator.
fn instruction_names() -> [(&'static [u8], &'static str); 37] {
    [
        (ix::Initialize::DISCRIMINATOR, "initialize"),
        (ix::ProposeAdmin::DISCRIMINATOR, "propose_admin"),
        (ix::AcceptAdmin::DISCRIMINATOR, "accept_admin"),
        (ix::Pause::DISCRIMINATOR, "pause"),
        (ix::Unpause::DISCRIMINATOR, "unpause"),
        (ix::AddIssuer::DISCRIMINATOR, "add_issuer"),
        (ix::SetIssuerBreakGlass::DISCRIMINATOR, "set_issuer_break_glass"),
        (ix::RemoveIssuer::DISCRIMINATOR, "remove_issuer"),
        (ix::RegisterProvider::DISCRIMINATOR, "register_provider"),
        (ix::SuspendProvider::DISCRIMINATOR, "suspend_provider"),
        (ix::ReinstateProvider::DISCRIMINATOR, "reinstate_provider"),
        (ix::SetProviderEncryptionKey::DISCRIMINATOR, "set_provider_encryption_key"),
        (ix::SetPatientEncryptionKey::DISCRIMINATOR, "set_patient_encryption_key"),
        (ix::RegisterPatient::DISCRIMINATOR, "register_patient"),
        (ix::RequestAccess::DISCRIMINATOR, "request_access"),
        (ix::ApproveRequest::DISCRIMINATOR, "approve_request"),
        (ix::DenyRequest::DISCRIMINATOR, "deny_request"),
        (ix::CancelRequest::DISCRIMINATOR, "cancel_request"),
        (ix::CloseRequest::DISCRIMINATOR, "close_request"),
        (ix::GrantConsent::DISCRIMINATOR, "grant_consent"),
        (ix::UpdateConsent::DISCRIMINATOR, "update_consent"),
        (ix::RevokeConsent::DISCRIMINATOR, "revoke_consent"),
        (ix::CloseConsent::DISCRIMINATOR, "close_consent"),
        (ix::AnchorRecord::DISCRIMINATOR, "anchor_record"),
        (ix::AmendRecord::DISCRIMINATOR, "amend_record"),
        (ix::MarkEnteredInError::DISCRIMINATOR, "mark_entered_in_error"),
        (ix::AnchorBatch::DISCRIMINATOR, "anchor_batch"),
        (ix::AddDelegate::DISCRIMINATOR, "add_delegate"),
        (ix::RemoveDelegate::DISCRIMINATOR, "remove_delegate"),
        (ix::DelegateGrantConsent::DISCRIMINATOR, "delegate_grant_consent"),
        (ix::DelegateRevokeConsent::DISCRIMINATOR, "delegate_revoke_consent"),
        (ix::DelegateApproveRequest::DISCRIMINATOR, "delegate_approve_request"),
        (ix::DelegateDenyRequest::DISCRIMINATOR, "delegate_deny_request"),
        (ix::OpenEmergencyAccess::DISCRIMINATOR, "open_emergency_access"),
        (ix::ReviewEmergencyAccess::DISCRIMINATOR, "review_emergency_access"),
        (ix::SetBreakGlassPolicy::DISCRIMINATOR, "set_break_glass_policy"),
        (ix::RecordAccess::DISCRIMINATOR, "record_access"),
    ]
}

/// The name of a medchain instruction from its data, if known.
pub fn instruction_name(data: &[u8]) -> Option<&'static str> {
    instruction_names().into_iter().find(|(disc, _)| data.starts_with(disc)).map(|(_, name)| name)
}

/// One access attempt as recorded by `record_access`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessAttempt {
    /// The category asked for (one bit).
    pub category: u32,
    /// The purpose of use (one bit).
    pub purpose: u16,
    /// The action (one bit).
    pub action: u8,
    /// Whether access was allowed (`None` when the transaction failed).
    pub allowed: Option<bool>,
    /// The reason, as its snake-case name.
    pub reason: Option<String>,
}

/// One entry of a patient's audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Base58 transaction signature.
    pub signature: String,
    /// Slot of the transaction.
    pub slot: u64,
    /// Unix time of the transaction, when known.
    pub unix_time: Option<i64>,
    /// The instruction (`record_access`, `grant_consent`, …).
    pub instruction: String,
    /// The wallet that signed as the actor (first account of the instruction).
    pub actor: String,
    /// Whether the transaction succeeded.
    pub succeeded: bool,
    /// For `record_access`: what was asked and the decision.
    pub access: Option<AccessAttempt>,
    /// What the instruction changed, as the events it emitted say (old and new values);
    /// empty for `record_access`, a failed transaction, or a history kept before events were.
    pub events: Vec<ProgramEvent>,
}

/// Every access reason with its snake-case name (what JSON and FHIR carry) and its words
/// (what people read): the one table of access decisions.
pub const REASONS: [(AccessReason, &str, &str); 9] = [
    (AccessReason::Granted, "granted", "granted by an active consent"),
    (AccessReason::ProviderNotActive, "provider_not_active", "denied: the provider is suspended"),
    (
        AccessReason::NoConsent,
        "no_consent",
        "denied: the patient has given this provider no consent",
    ),
    (AccessReason::ConsentRevoked, "consent_revoked", "denied: the patient revoked the consent"),
    (AccessReason::ConsentExpired, "consent_expired", "denied: the consent has expired"),
    (
        AccessReason::CategoryNotCovered,
        "category_not_covered",
        "denied: the consent does not cover this category",
    ),
    (
        AccessReason::PurposeNotCovered,
        "purpose_not_covered",
        "denied: the consent does not cover this purpose",
    ),
    (
        AccessReason::ActionNotCovered,
        "action_not_covered",
        "denied: the consent does not cover this action",
    ),
    (
        AccessReason::EmergencyAccess,
        "emergency_access",
        "granted by an open break-glass window (emergency read)",
    ),
];

fn reason_row(reason: AccessReason) -> &'static (AccessReason, &'static str, &'static str) {
    // Row `i` is the variant numbered `i` (a test checks it), so the index always exists.
    &REASONS[reason as usize]
}

/// Snake-case name of an access reason.
pub fn reason_name(reason: AccessReason) -> &'static str {
    reason_row(reason).1
}

/// An access reason in words: "denied: the patient revoked the consent".
pub fn reason_words(reason: AccessReason) -> &'static str {
    reason_row(reason).2
}

/// The access reason named by [`reason_name`].
pub fn reason_from_name(name: &str) -> Option<AccessReason> {
    REASONS.iter().find(|(_, n, _)| *n == name).map(|(r, _, _)| *r)
}

fn access_attempt(ix_data: &HistoricInstruction, tx: &TxRecord) -> Option<AccessAttempt> {
    let args = ix::RecordAccess::try_from_slice(ix_data.data.get(8..)?).ok()?.args;
    let decision = tx.return_data.as_deref().and_then(|d| AccessDecision::try_from_slice(d).ok());
    Some(AccessAttempt {
        category: args.category,
        purpose: args.purpose,
        action: args.action,
        allowed: decision.map(|d| d.allowed),
        reason: decision.map(|d| reason_name(d.reason).to_string()),
    })
}

/// Turns transactions into audit entries, one per medchain instruction that names `subject`
/// (a Patient PDA, a Consent PDA, …), newest first as given.
pub fn audit_entries(subject: &Pubkey, history: &[TxRecord]) -> Vec<AuditEntry> {
    let key = subject.to_bytes();
    history
        .iter()
        .flat_map(|tx| {
            tx.instructions.iter().filter(move |ix| ix.accounts.contains(&key)).map(
                move |ix_data| {
                    let name = instruction_name(&ix_data.data).unwrap_or("unknown");
                    AuditEntry {
                        signature: tx.signature.clone(),
                        slot: tx.slot,
                        unix_time: tx.unix_time,
                        instruction: name.to_string(),
                        actor: ix_data
                            .accounts
                            .first()
                            .map(|k| Pubkey::new_from_array(*k).to_string())
                            .unwrap_or_default(),
                        succeeded: tx.succeeded(),
                        access: (name == "record_access")
                            .then(|| access_attempt(ix_data, tx))
                            .flatten(),
                        events: decode_events(&ix_data.events),
                    }
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::InstructionData;

    #[test]
    fn every_instruction_has_a_distinct_name() {
        let names = instruction_names();
        for (i, (a, _)) in names.iter().enumerate() {
            for (b, _) in names.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
        let data = ix::RecordAccess {
            args: medchain::instructions::RecordAccessArgs { category: 1, purpose: 1, action: 1 },
        }
        .data();
        assert_eq!(instruction_name(&data), Some("record_access"));
        assert_eq!(instruction_name(&[0; 8]), None);
    }

    #[test]
    fn every_reason_has_one_row_and_round_trips() {
        for (i, (reason, name, words)) in REASONS.iter().enumerate() {
            assert_eq!(*reason as usize, i, "{name} is out of order");
            assert_eq!(reason_row(*reason).1, *name);
            assert_eq!(reason_from_name(name), Some(*reason));
            let prefix = if reason.is_allowed() { "granted" } else { "denied" };
            assert!(words.starts_with(prefix), "{name}: {words}");
        }
        assert_eq!(reason_from_name("maybe"), None);
    }
}
