//! `record_access`: a provider's access attempt is evaluated and recorded, granted or
//! denied. A denial is a successful transaction, so it cannot be rolled back; the decision
//! is the instruction's return data. It emits no event: the attempt is fully described by the
//! instruction (who, which category, purpose and action), its return data (the decision and
//! the consent version) and the counters it moves, which is what the audit trail reads — so the
//! hottest instruction spends no compute units on a self-CPI nobody needs.
//!
//! Cost: the Consent and EmergencyAccess PDAs are checked without re-deriving them when they
//! exist (see [`pda_account::consent_at`]); an absent break-glass window is derived only when
//! the attempt is an emergency read, the only case in which a window could change the decision.

use crate::constants::{EMERGENCY_SEED, PATIENT_SEED, PROVIDER_SEED};
use crate::error::MedchainError;
use crate::pda_account;
use crate::state::{
    evaluate_access, AccessDecision, AccessReason, EmergencyAccess, Patient, Provider,
};
use crate::vocabulary::{actions, categories, is_single_member, purposes};
use anchor_lang::prelude::*;

/// Accounts of `record_access`.
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
    /// The Consent PDA `["consent", patient, provider]`, which may not exist.
    /// CHECK: the PDA and its contents are checked by `pda_account::consent_at`.
    #[account(mut)]
    pub consent: UncheckedAccount<'info>,
    /// The break-glass window PDA `["emergency", patient, provider]`, which may not exist.
    /// CHECK: checked by `RecordAccess::emergency_window`.
    #[account(mut)]
    pub emergency: UncheckedAccount<'info>,
}

/// The arguments of `record_access`: what is asked for, each exactly one bit.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct RecordAccessArgs {
    /// The category (one bit of `vocabulary::categories`).
    pub category: u32,
    /// The purpose of use (one bit of `vocabulary::purposes`).
    pub purpose: u16,
    /// The action (one bit of `vocabulary::actions`).
    pub action: u8,
}

impl RecordAccess<'_> {
    /// Each of `category`, `purpose` and `action` must be exactly one known member.
    pub fn validate(&self, args: &RecordAccessArgs) -> Result<()> {
        let RecordAccessArgs { category, purpose, action } = *args;
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

    /// The break-glass window of the pair, or `None` when it does not exist. An existing
    /// window is recognised by its owner, discriminator and keys (it is only ever created at
    /// its PDA); an absent one is checked against the derived PDA only for an emergency read
    /// (`ETREAT` + read), the only attempt a window can allow. For any other attempt an
    /// absent account in this slot cannot change the decision and is not written.
    fn emergency_window(
        &self,
        emergency_read: bool,
        patient: &Pubkey,
        provider: &Pubkey,
    ) -> Result<Option<EmergencyAccess>> {
        let info = self.emergency.as_ref();
        if pda_account::is_absent(info) {
            if emergency_read {
                let seeds = [EMERGENCY_SEED, patient.as_ref(), provider.as_ref()];
                pda_account::require_pda(info, &seeds, "emergency")?;
            }
            return Ok(None);
        }
        let window: EmergencyAccess =
            pda_account::load_as(info, MedchainError::InvalidEmergencyAccount)
                .map_err(|_| pda_account::seeds_error("emergency"))?;
        if window.patient != *patient || window.provider != *provider {
            return Err(pda_account::seeds_error("emergency"));
        }
        Ok(Some(window))
    }

    /// Evaluates the access rule for one (category, purpose, action), counts the attempt on
    /// the consent (or on the patient when there is no consent) and returns the decision.
    pub fn handle(ctx: Context<Self>, args: RecordAccessArgs) -> Result<AccessDecision> {
        let RecordAccessArgs { category, purpose, action } = args;
        let now = Clock::get()?.unix_timestamp;
        let accounts = &mut *ctx.accounts;
        let patient_key = accounts.patient.key();
        let provider_key = accounts.provider.key();
        let consent_info = accounts.consent.as_ref();
        let mut consent = pda_account::consent_at(consent_info, &patient_key, &provider_key)?;
        let emergency_read = purpose == purposes::ETREAT && action == actions::READ;
        let mut emergency =
            accounts.emergency_window(emergency_read, &patient_key, &provider_key)?;
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
            pda_account::write(accounts.emergency.as_ref(), window)?;
        }
        let decision = AccessDecision { allowed: reason.is_allowed(), reason, consent_version };
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
