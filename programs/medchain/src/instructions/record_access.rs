//! `record_access`: a provider's access attempt is evaluated and recorded, granted or
//! denied. A denial is a successful transaction, so it cannot be rolled back; the decision
//! is returned as return data and emitted as an event.

use crate::constants::{CONSENT_SEED, EMERGENCY_SEED, PATIENT_SEED, PROVIDER_SEED};
use crate::error::MedchainError;
use crate::events::AccessRecorded;
use crate::pda_account;
use crate::state::{
    evaluate_access, AccessDecision, AccessReason, EmergencyAccess, Patient, Provider,
};
use crate::vocabulary::{actions, categories, is_single_member, purposes};
use anchor_lang::prelude::*;

/// Accounts of `record_access`.
#[event_cpi]
#[derive(Accounts)]
pub struct RecordAccess<'info> {
    /// The provider's wallet.
    pub authority: Signer<'info>,
    /// The provider.
    #[account(
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority,
    )]
    pub provider: Account<'info, Provider>,
    /// The patient whose data is accessed (counts attempts made without any consent).
    #[account(mut, seeds = [PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
    pub patient: Account<'info, Patient>,
    /// The Consent PDA of (patient, provider), which may not exist.
    /// CHECK: address checked by seeds; contents checked by `pda_account::load`.
    #[account(mut, seeds = [CONSENT_SEED, patient.key().as_ref(), provider.key().as_ref()], bump)]
    pub consent: UncheckedAccount<'info>,
    /// The break-glass window of (patient, provider), which may not exist.
    /// CHECK: address checked by seeds; contents checked by `pda_account::load_as`.
    #[account(mut, seeds = [EMERGENCY_SEED, patient.key().as_ref(), provider.key().as_ref()], bump)]
    pub emergency: UncheckedAccount<'info>,
}

impl RecordAccess<'_> {
    fn validate(category: u32, purpose: u16, action: u8) -> Result<()> {
        require!(
            is_single_member(category.into(), categories::VALID.into()),
            MedchainError::InvalidCategory
        );
        require!(
            is_single_member(purpose.into(), purposes::VALID.into()),
            MedchainError::InvalidPurpose
        );
        require!(
            is_single_member(action.into(), actions::VALID.into()),
            MedchainError::InvalidAction
        );
        Ok(())
    }

    /// Evaluates the access rule for one (category, purpose, action), counts the attempt on
    /// the consent (or on the patient when there is no consent) and returns the decision.
    pub fn handle(
        ctx: Context<Self>,
        category: u32,
        purpose: u16,
        action: u8,
    ) -> Result<AccessDecision> {
        Self::validate(category, purpose, action)?;
        let now = Clock::get()?.unix_timestamp;
        let accounts = &mut *ctx.accounts;
        let patient_key = accounts.patient.key();
        let provider_key = accounts.provider.key();
        let consent_info = accounts.consent.as_ref();
        let mut consent = if pda_account::is_absent(consent_info) {
            None
        } else {
            Some(pda_account::load(consent_info, &patient_key, &provider_key)?)
        };
        let emergency_info = accounts.emergency.as_ref();
        let mut emergency: Option<EmergencyAccess> = if pda_account::is_absent(emergency_info) {
            None
        } else {
            let window: EmergencyAccess =
                pda_account::load_as(emergency_info, MedchainError::InvalidEmergencyAccount)?;
            require!(
                window.patient == patient_key && window.provider == provider_key,
                MedchainError::InvalidEmergencyAccount
            );
            Some(window)
        };
        let reason = evaluate_access(
            &accounts.provider,
            consent.as_ref(),
            emergency.as_ref(),
            category,
            purpose,
            action,
            now,
        );
        let consent_version = match consent.as_mut() {
            Some(consent) => {
                consent.count_attempt(reason);
                pda_account::write(consent_info, consent)?;
                consent.version
            }
            None => {
                let patient = &mut accounts.patient;
                patient.denied_without_consent = patient.denied_without_consent.saturating_add(1);
                0
            }
        };
        if let (AccessReason::EmergencyAccess, Some(window)) = (reason, emergency.as_mut()) {
            window.access_count = window.access_count.saturating_add(1);
            pda_account::write(emergency_info, window)?;
        }
        let decision = AccessDecision { allowed: reason.is_allowed(), reason, consent_version };
        emit_cpi!(AccessRecorded {
            patient: patient_key,
            provider: provider_key,
            category,
            purpose,
            action,
            allowed: decision.allowed,
            reason: reason as u8,
            consent_version,
            at: now,
        });
        set_native_return_data(&decision)?;
        Ok(decision)
    }
}

/// Anchor sets the return data from the handler's result, but its setter is a no-op when the
/// program runs natively (the test runtime and the SDK's embedded ledger). There, set it
/// through the runtime's syscall stubs so that native callers see the same return data.
#[cfg(not(target_os = "solana"))]
fn set_native_return_data(decision: &AccessDecision) -> Result<()> {
    let bytes = anchor_lang::prelude::borsh::to_vec(decision)
        .map_err(|_| error!(anchor_lang::error::ErrorCode::AccountDidNotSerialize))?;
    anchor_lang::compat::solana_sysvar::program_stubs::sol_set_return_data(&bytes);
    Ok(())
}

/// On-chain Anchor's own return-data path is the real syscall; nothing more to do.
#[cfg(target_os = "solana")]
fn set_native_return_data(_decision: &AccessDecision) -> Result<()> {
    Ok(())
}
