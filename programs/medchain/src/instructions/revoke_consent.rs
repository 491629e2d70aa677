//! `revoke_consent`: the patient takes access back; effective in the slot it lands.

use crate::constants::{CONSENT_SEED, GRANTOR_PATIENT, PATIENT_SEED};
use crate::events::ConsentRevoked;
use crate::state::{Consent, Patient};
use anchor_lang::prelude::*;

/// Accounts of `revoke_consent`.
#[event_cpi]
#[derive(Accounts)]
pub struct RevokeConsent<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// The patient.
    #[account(seeds = [PATIENT_SEED, authority.key().as_ref()], bump = patient.bump, has_one = authority)]
    pub patient: Account<'info, Patient>,
    /// The consent to revoke.
    #[account(
        mut,
        seeds = [CONSENT_SEED, patient.key().as_ref(), consent.provider.as_ref()],
        bump = consent.bump,
        has_one = patient,
    )]
    pub consent: Account<'info, Consent>,
}

/// `revoke_consent` has no check beyond its account constraints: the patient signs; `Consent::revoke` refuses a consent that is not active.
impl super::ConstraintsOnly for RevokeConsent<'_> {}

impl RevokeConsent<'_> {
    /// Active → Revoked. Always allowed, even while the registry is paused.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let consent = &mut ctx.accounts.consent;
        consent.revoke(now)?;
        emit_cpi!(ConsentRevoked {
            consent: ctx.accounts.consent.key(),
            patient: ctx.accounts.consent.patient,
            provider: ctx.accounts.consent.provider,
            version: ctx.accounts.consent.version,
            revoked_by: GRANTOR_PATIENT,
            at: now,
        });
        Ok(())
    }
}
