//! Program-derived addresses of every medchain account, derived exactly as the program does.

use anchor_lang::prelude::Pubkey;
use medchain::constants::{
    BATCH_SEED, CONSENT_SEED, DELEGATE_SEED, EMERGENCY_SEED, ISSUER_SEED, PATIENT_KEY_SEED,
    PATIENT_SEED, PROVIDER_SEED, RECORD_SEED, REGISTRY_SEED, REQUEST_SEED,
};

/// The medchain program id.
pub const PROGRAM_ID: Pubkey = medchain::ID;

/// The registry singleton.
pub fn registry() -> Pubkey {
    Pubkey::find_program_address(&[REGISTRY_SEED], &PROGRAM_ID).0
}

/// The Issuer PDA of an issuer wallet.
pub fn issuer(authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ISSUER_SEED, authority.as_ref()], &PROGRAM_ID).0
}

/// The Provider PDA of a provider wallet.
pub fn provider(authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[PROVIDER_SEED, authority.as_ref()], &PROGRAM_ID).0
}

/// The Patient PDA of a patient wallet.
pub fn patient(authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[PATIENT_SEED, authority.as_ref()], &PROGRAM_ID).0
}

/// The AccessRequest PDA of (Patient PDA, Provider PDA, nonce).
pub fn request(patient: &Pubkey, provider: &Pubkey, nonce: u64) -> Pubkey {
    Pubkey::find_program_address(
        &[REQUEST_SEED, patient.as_ref(), provider.as_ref(), &nonce.to_le_bytes()],
        &PROGRAM_ID,
    )
    .0
}

/// The Consent PDA of (Patient PDA, Provider PDA).
///
/// ```
/// use anchor_lang::prelude::Pubkey;
/// use medchain_sdk::pda;
///
/// let (patient_wallet, provider_wallet) = (Pubkey::new_unique(), Pubkey::new_unique());
/// let consent = pda::consent(&pda::patient(&patient_wallet), &pda::provider(&provider_wallet));
/// // One consent per (patient, provider): re-grants reuse the same address.
/// assert_eq!(consent, pda::consent(&pda::patient(&patient_wallet), &pda::provider(&provider_wallet)));
/// ```
pub fn consent(patient: &Pubkey, provider: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[CONSENT_SEED, patient.as_ref(), provider.as_ref()], &PROGRAM_ID)
        .0
}

/// The Record PDA of (Patient PDA, record id).
pub fn record(patient: &Pubkey, record_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[RECORD_SEED, patient.as_ref(), record_id], &PROGRAM_ID).0
}

/// The RecordBatch PDA of (author Provider PDA, batch id).
pub fn batch(provider: &Pubkey, batch_id: u64) -> Pubkey {
    Pubkey::find_program_address(
        &[BATCH_SEED, provider.as_ref(), &batch_id.to_le_bytes()],
        &PROGRAM_ID,
    )
    .0
}

/// The Delegate PDA of (Patient PDA, delegate wallet).
pub fn delegate(patient: &Pubkey, delegate_authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[DELEGATE_SEED, patient.as_ref(), delegate_authority.as_ref()],
        &PROGRAM_ID,
    )
    .0
}

/// The PatientKey PDA of a Patient PDA (the patient's published X25519 key).
pub fn patient_key(patient: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[PATIENT_KEY_SEED, patient.as_ref()], &PROGRAM_ID).0
}

/// The EmergencyAccess PDA of (Patient PDA, Provider PDA).
pub fn emergency(patient: &Pubkey, provider: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[EMERGENCY_SEED, patient.as_ref(), provider.as_ref()],
        &PROGRAM_ID,
    )
    .0
}

/// The event authority used by `emit_cpi!` (seeds `["__event_authority"]`).
pub fn event_authority() -> Pubkey {
    Pubkey::find_program_address(&[b"__event_authority"], &PROGRAM_ID).0
}

/// The ProgramData account of the program when deployed with the upgradeable loader.
pub fn program_data() -> Pubkey {
    Pubkey::find_program_address(
        &[PROGRAM_ID.as_ref()],
        &anchor_lang::solana_program::bpf_loader_upgradeable::ID,
    )
    .0
}
