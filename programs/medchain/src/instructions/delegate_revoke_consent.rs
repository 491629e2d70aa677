//! `delegate_revoke_consent`: a delegate allowed to revoke takes a consent back on the
//! patient's behalf.

use crate::constants::{CONSENT_SEED, DELEGATE_SEED, PATIENT_SEED};
use crate::events::ConsentRevoked;
use crate::state::{Consent, Delegate, Patient};
use anchor_lang::prelude::*;

/// Accounts of `delegate_revoke_consent`.
#[event_cpi]
#[derive(Accounts)]
pub struct DelegateRevokeConsent<'info> {
    /// The delegate's wallet.
    pub authority: Signer<'info>,
    /// The delegate.
    #[account(
        seeds = [DELEGATE_SEED, patient.key().as_ref(), authority.key().as_ref()],
        bump = delegate.bump,
        has_one = patient,
        has_one = authority,
    )]
    pub delegate: Account<'info, Delegate>,
    /// The patient represented.
    #[account(seeds = [PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
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

impl DelegateRevokeConsent<'_> {
    /// The delegate is in force and may revoke.
    pub fn validate(&self) -> Result<()> {
        self.delegate.check_revoke(Clock::get()?.unix_timestamp)
    }

    /// Active → Revoked, by the delegate.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        ctx.accounts.consent.revoke(now)?;
        emit_cpi!(ConsentRevoked {
            consent: ctx.accounts.consent.key(),
            patient: ctx.accounts.consent.patient,
            provider: ctx.accounts.consent.provider,
            version: ctx.accounts.consent.version,
            revoked_by: ctx.accounts.delegate.index,
            at: now,
        });
        Ok(())
    }
}
