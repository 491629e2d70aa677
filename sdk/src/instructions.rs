//! Pure instruction builders, one per program instruction. They do no I/O: each takes the
//! wallets involved and returns an `Instruction` with every PDA derived for you.

use crate::pda;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use medchain::instructions::{
    AmendRecordArgs, AnchorBatchArgs, AnchorRecordArgs, RecordAccessArgs,
};
use medchain::state::{ConsentTerms, RequestTerms};
use medchain::{accounts, instruction};

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: pda::PROGRAM_ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// `initialize`: `admin` signs and pays; `program_data` is required when the program is
/// deployed upgradeable (pass `Some(pda::program_data())`).
pub fn initialize(admin: &Pubkey, program_data: Option<Pubkey>) -> Instruction {
    build(
        accounts::Initialize {
            admin: *admin,
            registry: pda::registry(),
            program_data,
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::Initialize {},
    )
}

/// `propose_admin`: the current `admin` proposes `new_admin`.
pub fn propose_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    build(
        accounts::ProposeAdmin {
            admin: *admin,
            registry: pda::registry(),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::ProposeAdmin { new_admin: *new_admin },
    )
}

/// `accept_admin`: the proposed admin accepts.
pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    build(
        accounts::AcceptAdmin {
            new_admin: *new_admin,
            registry: pda::registry(),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::AcceptAdmin {},
    )
}

fn set_paused_accounts(admin: &Pubkey) -> accounts::SetPaused {
    accounts::SetPaused {
        admin: *admin,
        registry: pda::registry(),
        event_authority: pda::event_authority(),
        program: pda::PROGRAM_ID,
    }
}

/// `pause`: the admin stops new requests, grants and approvals.
pub fn pause(admin: &Pubkey) -> Instruction {
    build(set_paused_accounts(admin), instruction::Pause {})
}

/// `unpause`: the admin lifts the pause.
pub fn unpause(admin: &Pubkey) -> Instruction {
    build(set_paused_accounts(admin), instruction::Unpause {})
}

/// `add_issuer`: the admin trusts `issuer_authority`.
pub fn add_issuer(
    admin: &Pubkey,
    issuer_authority: &Pubkey,
    allows_break_glass: bool,
) -> Instruction {
    build(
        accounts::AddIssuer {
            admin: *admin,
            registry: pda::registry(),
            issuer_authority: *issuer_authority,
            issuer: pda::issuer(issuer_authority),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::AddIssuer { allows_break_glass },
    )
}

/// `set_issuer_break_glass`: the admin changes an issuer's break-glass permission.
pub fn set_issuer_break_glass(
    admin: &Pubkey,
    issuer_authority: &Pubkey,
    allows_break_glass: bool,
) -> Instruction {
    build(
        accounts::SetIssuerBreakGlass {
            admin: *admin,
            registry: pda::registry(),
            issuer: pda::issuer(issuer_authority),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::SetIssuerBreakGlass { allows_break_glass },
    )
}

/// `remove_issuer`: the admin removes an issuer; rent goes back to `rent_payer`.
pub fn remove_issuer(
    admin: &Pubkey,
    issuer_authority: &Pubkey,
    rent_payer: &Pubkey,
) -> Instruction {
    build(
        accounts::RemoveIssuer {
            admin: *admin,
            registry: pda::registry(),
            issuer: pda::issuer(issuer_authority),
            rent_payer: *rent_payer,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::RemoveIssuer {},
    )
}

/// `register_provider`: `issuer_authority` (pays) and `provider_authority` both sign.
pub fn register_provider(
    issuer_authority: &Pubkey,
    provider_authority: &Pubkey,
    credential_hash: [u8; 32],
    kind: medchain::state::ProviderKind,
) -> Instruction {
    build(
        accounts::RegisterProvider {
            issuer_authority: *issuer_authority,
            issuer: pda::issuer(issuer_authority),
            provider_authority: *provider_authority,
            provider: pda::provider(provider_authority),
            registry: pda::registry(),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::RegisterProvider { credential_hash, kind: kind as u8 },
    )
}

fn provider_status_accounts(
    issuer_authority: &Pubkey,
    provider_authority: &Pubkey,
) -> accounts::ChangeProviderStatus {
    accounts::ChangeProviderStatus {
        issuer_authority: *issuer_authority,
        issuer: pda::issuer(issuer_authority),
        provider: pda::provider(provider_authority),
        event_authority: pda::event_authority(),
        program: pda::PROGRAM_ID,
    }
}

/// `suspend_provider`: the provider's issuer suspends it.
pub fn suspend_provider(issuer_authority: &Pubkey, provider_authority: &Pubkey) -> Instruction {
    build(
        provider_status_accounts(issuer_authority, provider_authority),
        instruction::SuspendProvider {},
    )
}

/// `reinstate_provider`: the provider's issuer reinstates it.
pub fn reinstate_provider(issuer_authority: &Pubkey, provider_authority: &Pubkey) -> Instruction {
    build(
        provider_status_accounts(issuer_authority, provider_authority),
        instruction::ReinstateProvider {},
    )
}

/// `set_provider_encryption_key`: the provider publishes its X25519 public key.
pub fn set_provider_encryption_key(provider_authority: &Pubkey, key: [u8; 32]) -> Instruction {
    build(
        accounts::SetProviderEncryptionKey {
            authority: *provider_authority,
            provider: pda::provider(provider_authority),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::SetProviderEncryptionKey { encryption_key: key },
    )
}

/// `set_patient_encryption_key`: the patient publishes (or replaces) its X25519 public key;
/// `payer` pays the rent when the PatientKey account is created.
pub fn set_patient_encryption_key(
    patient_authority: &Pubkey,
    payer: &Pubkey,
    key: [u8; 32],
) -> Instruction {
    let patient = pda::patient(patient_authority);
    build(
        accounts::SetPatientEncryptionKey {
            authority: *patient_authority,
            payer: *payer,
            patient,
            patient_key: pda::patient_key(&patient),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::SetPatientEncryptionKey { encryption_key: key },
    )
}

/// `register_patient`: the patient signs; `payer` pays the rent.
pub fn register_patient(patient_authority: &Pubkey, payer: &Pubkey) -> Instruction {
    build(
        accounts::RegisterPatient {
            authority: *patient_authority,
            payer: *payer,
            patient: pda::patient(patient_authority),
            registry: pda::registry(),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::RegisterPatient {},
    )
}

/// `request_access`: the provider (signs, pays) asks the patient for `terms`.
pub fn request_access(
    provider_authority: &Pubkey,
    patient_authority: &Pubkey,
    nonce: u64,
    terms: RequestTerms,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::RequestAccess {
            authority: *provider_authority,
            provider,
            patient,
            request: pda::request(&patient, &provider, nonce),
            registry: pda::registry(),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::RequestAccess { nonce, terms },
    )
}

/// `approve_request`: the patient approves request `nonce` of the provider with `approved`
/// terms (equal or narrower); `payer` pays the consent's rent if it is created.
pub fn approve_request(
    patient_authority: &Pubkey,
    payer: &Pubkey,
    provider_authority: &Pubkey,
    nonce: u64,
    approved: RequestTerms,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::ApproveRequest {
            authority: *patient_authority,
            payer: *payer,
            patient,
            provider,
            request: pda::request(&patient, &provider, nonce),
            consent: pda::consent(&patient, &provider),
            registry: pda::registry(),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::ApproveRequest { approved },
    )
}

/// `deny_request`: the patient denies request `nonce` of the provider.
pub fn deny_request(
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
    nonce: u64,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::DenyRequest {
            authority: *patient_authority,
            patient,
            request: pda::request(&patient, &provider, nonce),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::DenyRequest {},
    )
}

/// `cancel_request`: the provider cancels its request `nonce` to the patient.
pub fn cancel_request(
    provider_authority: &Pubkey,
    patient_authority: &Pubkey,
    nonce: u64,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::CancelRequest {
            authority: *provider_authority,
            provider,
            request: pda::request(&patient, &provider, nonce),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::CancelRequest {},
    )
}

/// `close_request`: the rent payer closes a finished request at `request` (its address).
pub fn close_request(rent_payer: &Pubkey, request: &Pubkey) -> Instruction {
    build(
        accounts::CloseRequest {
            rent_payer: *rent_payer,
            request: *request,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::CloseRequest {},
    )
}

/// `grant_consent`: the patient grants `terms` to the provider; `payer` pays the rent.
pub fn grant_consent(
    patient_authority: &Pubkey,
    payer: &Pubkey,
    provider_authority: &Pubkey,
    terms: ConsentTerms,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::GrantConsent {
            authority: *patient_authority,
            payer: *payer,
            patient,
            provider,
            consent: pda::consent(&patient, &provider),
            registry: pda::registry(),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::GrantConsent { terms },
    )
}

/// `update_consent`: the patient replaces the terms of its consent to the provider.
pub fn update_consent(
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
    terms: ConsentTerms,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::UpdateConsent {
            authority: *patient_authority,
            patient,
            consent: pda::consent(&patient, &provider),
            registry: pda::registry(),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::UpdateConsent { terms },
    )
}

/// `revoke_consent`: the patient revokes its consent to the provider.
pub fn revoke_consent(patient_authority: &Pubkey, provider_authority: &Pubkey) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::RevokeConsent {
            authority: *patient_authority,
            patient,
            consent: pda::consent(&patient, &provider),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::RevokeConsent {},
    )
}

/// `close_consent`: `closer` (the patient or the rent payer) closes a revoked or expired
/// consent; the rent goes to `rent_payer`.
pub fn close_consent(
    closer: &Pubkey,
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
    rent_payer: &Pubkey,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::CloseConsent {
            closer: *closer,
            patient,
            consent: pda::consent(&patient, &provider),
            rent_payer: *rent_payer,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::CloseConsent {},
    )
}

/// `record_access`: the provider records an attempt on one category, purpose and action.
pub fn record_access(
    provider_authority: &Pubkey,
    patient_authority: &Pubkey,
    category: u32,
    purpose: u16,
    action: u8,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::RecordAccess {
            authority: *provider_authority,
            provider,
            patient,
            consent: pda::consent(&patient, &provider),
            emergency: pda::emergency(&patient, &provider),
        },
        instruction::RecordAccess { args: RecordAccessArgs { category, purpose, action } },
    )
}

/// `anchor_record` by a provider holding the write action for `category` through its
/// consent: anchors `content_hash` as version 1 of `record_id` about the patient.
pub fn anchor_record_by_provider(
    provider_authority: &Pubkey,
    payer: &Pubkey,
    patient_authority: &Pubkey,
    record_id: [u8; 32],
    content_hash: [u8; 32],
    category: u32,
    purpose: u16,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::AnchorRecord {
            author: *provider_authority,
            payer: *payer,
            patient,
            provider: Some(provider),
            consent: Some(pda::consent(&patient, &provider)),
            record: pda::record(&patient, &record_id),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::AnchorRecord {
            args: AnchorRecordArgs { record_id, content_hash, category, purpose },
        },
    )
}

/// `anchor_record` by the patient about themselves; `payer` pays the rent.
pub fn anchor_record_by_patient(
    patient_authority: &Pubkey,
    payer: &Pubkey,
    record_id: [u8; 32],
    content_hash: [u8; 32],
    category: u32,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    build(
        accounts::AnchorRecord {
            author: *patient_authority,
            payer: *payer,
            patient,
            provider: None,
            consent: None,
            record: pda::record(&patient, &record_id),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::AnchorRecord {
            args: AnchorRecordArgs {
                record_id,
                content_hash,
                category,
                purpose: medchain::vocabulary::purposes::PATRQT,
            },
        },
    )
}

/// The id and content hash of a new record version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewVersion {
    /// The new version's record id (part of its address).
    pub record_id: [u8; 32],
    /// SHA-256 of the new version's canonical content.
    pub content_hash: [u8; 32],
}

/// `amend_record`: the author of `previous_record_id` anchors `content_hash` as its next
/// version under `new_record_id`. `provider_authority` is `None` when the patient authored it;
/// `payer` pays the new version's rent.
pub fn amend_record(
    author: &Pubkey,
    payer: &Pubkey,
    patient_authority: &Pubkey,
    provider_authority: Option<&Pubkey>,
    previous_record_id: [u8; 32],
    new_version: NewVersion,
    purpose: u16,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = provider_authority.map(pda::provider);
    build(
        accounts::AmendRecord {
            author: *author,
            payer: *payer,
            patient,
            provider,
            consent: provider.map(|p| pda::consent(&patient, &p)),
            previous: pda::record(&patient, &previous_record_id),
            record: pda::record(&patient, &new_version.record_id),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::AmendRecord {
            args: AmendRecordArgs {
                new_record_id: new_version.record_id,
                content_hash: new_version.content_hash,
                purpose,
            },
        },
    )
}

/// `mark_entered_in_error`: `author` withdraws the record at `record` whose author account
/// (Provider or Patient PDA) is `author_account`.
pub fn mark_entered_in_error(
    author: &Pubkey,
    author_account: &Pubkey,
    record: &Pubkey,
) -> Instruction {
    build(
        accounts::MarkEnteredInError {
            author: *author,
            author_account: *author_account,
            record: *record,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::MarkEnteredInError {},
    )
}

/// `anchor_batch`: the provider anchors `merkle_root` over `leaf_count` hashes as `batch_id`.
pub fn anchor_batch(
    provider_authority: &Pubkey,
    batch_id: u64,
    merkle_root: [u8; 32],
    leaf_count: u64,
) -> Instruction {
    let provider = pda::provider(provider_authority);
    build(
        accounts::AnchorBatch {
            authority: *provider_authority,
            provider,
            batch: pda::batch(&provider, batch_id),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::AnchorBatch { args: AnchorBatchArgs { batch_id, merkle_root, leaf_count } },
    )
}

/// `add_delegate`: the patient names `delegate_authority` with `permissions` over `scope`.
pub fn add_delegate(
    patient_authority: &Pubkey,
    payer: &Pubkey,
    delegate_authority: &Pubkey,
    permissions: u8,
    scope: ConsentTerms,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    build(
        accounts::AddDelegate {
            authority: *patient_authority,
            payer: *payer,
            patient,
            delegate_authority: *delegate_authority,
            delegate: pda::delegate(&patient, delegate_authority),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::AddDelegate { permissions, scope },
    )
}

/// `remove_delegate`: the patient removes a delegate; rent goes back to `rent_payer`.
pub fn remove_delegate(
    patient_authority: &Pubkey,
    delegate_authority: &Pubkey,
    rent_payer: &Pubkey,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    build(
        accounts::RemoveDelegate {
            authority: *patient_authority,
            patient,
            delegate: pda::delegate(&patient, delegate_authority),
            rent_payer: *rent_payer,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::RemoveDelegate {},
    )
}

/// `delegate_grant_consent`: a delegate grants `terms` to the provider for the patient.
pub fn delegate_grant_consent(
    delegate_authority: &Pubkey,
    payer: &Pubkey,
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
    terms: ConsentTerms,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::DelegateGrantConsent {
            authority: *delegate_authority,
            payer: *payer,
            delegate: pda::delegate(&patient, delegate_authority),
            patient,
            provider,
            consent: pda::consent(&patient, &provider),
            registry: pda::registry(),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::DelegateGrantConsent { terms },
    )
}

/// `delegate_approve_request`: a delegate of the patient approves request `nonce` of the
/// provider with `approved` terms (within the request and the delegate's scope); `payer`
/// pays the consent's rent if it is created.
pub fn delegate_approve_request(
    delegate_authority: &Pubkey,
    payer: &Pubkey,
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
    nonce: u64,
    approved: RequestTerms,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::DelegateApproveRequest {
            authority: *delegate_authority,
            payer: *payer,
            delegate: pda::delegate(&patient, delegate_authority),
            patient,
            provider,
            request: pda::request(&patient, &provider, nonce),
            consent: pda::consent(&patient, &provider),
            registry: pda::registry(),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::DelegateApproveRequest { approved },
    )
}

/// `delegate_deny_request`: a delegate of the patient denies request `nonce` of the provider.
pub fn delegate_deny_request(
    delegate_authority: &Pubkey,
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
    nonce: u64,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::DelegateDenyRequest {
            authority: *delegate_authority,
            delegate: pda::delegate(&patient, delegate_authority),
            patient,
            request: pda::request(&patient, &provider, nonce),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::DelegateDenyRequest {},
    )
}

/// `delegate_revoke_consent`: a delegate revokes the patient's consent to the provider.
pub fn delegate_revoke_consent(
    delegate_authority: &Pubkey,
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::DelegateRevokeConsent {
            authority: *delegate_authority,
            delegate: pda::delegate(&patient, delegate_authority),
            patient,
            consent: pda::consent(&patient, &provider),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::DelegateRevokeConsent {},
    )
}

/// `open_emergency_access`: break-glass by a provider (its issuer wallet is needed to name
/// the Issuer PDA) for `duration_secs` (at most 24 h).
pub fn open_emergency_access(
    provider_authority: &Pubkey,
    issuer_authority: &Pubkey,
    patient_authority: &Pubkey,
    reason_code: u8,
    duration_secs: i64,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::OpenEmergencyAccess {
            authority: *provider_authority,
            provider,
            issuer: pda::issuer(issuer_authority),
            patient,
            emergency: pda::emergency(&patient, &provider),
            system_program: system_program::ID,
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::OpenEmergencyAccess { reason_code, duration_secs },
    )
}

/// `review_emergency_access`: the patient reviews the provider's window; `end_now` ends it.
pub fn review_emergency_access(
    patient_authority: &Pubkey,
    provider_authority: &Pubkey,
    end_now: bool,
) -> Instruction {
    let patient = pda::patient(patient_authority);
    let provider = pda::provider(provider_authority);
    build(
        accounts::ReviewEmergencyAccess {
            authority: *patient_authority,
            patient,
            emergency: pda::emergency(&patient, &provider),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::ReviewEmergencyAccess { end_now },
    )
}

/// `set_break_glass_policy`: the patient allows or forbids break-glass access.
pub fn set_break_glass_policy(patient_authority: &Pubkey, allows_break_glass: bool) -> Instruction {
    build(
        accounts::SetBreakGlassPolicy {
            authority: *patient_authority,
            patient: pda::patient(patient_authority),
            event_authority: pda::event_authority(),
            program: pda::PROGRAM_ID,
        },
        instruction::SetBreakGlassPolicy { allows_break_glass },
    )
}
