//! `close_consent`: a revoked or expired consent is closed; its rent returns to the payer.

use crate::constants::CONSENT_SEED;
use crate::error::MedchainError;
use crate::events::ConsentClosed;
use crate::state::{Consent, Patient};
use anchor_lang::prelude::*;

/// Accounts of `close_consent`.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseConsent<'info> {
    /// The patient's wallet or the rent payer.
    pub closer: Signer<'info>,
    /// The patient.
    #[account(seeds = [crate::constants::PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
    pub patient: Account<'info, Patient>,
    /// The consent to close.
    #[account(
        mut,
        seeds = [CONSENT_SEED, patient.key().as_ref(), consent.provider.as_ref()],
        bump = consent.bump,
        has_one = patient,
        has_one = rent_payer,
        close = rent_payer,
    )]
    pub consent: Account<'info, Consent>,
    /// Receives the rent.
    /// CHECK: must equal `consent.rent_payer` (has_one).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}

impl CloseConsent<'_> {
    pub fn validate(&self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let closer = self.closer.key();
        require!(
            closer == self.patient.authority || closer == self.consent.rent_payer,
            MedchainError::UnauthorizedCloser
        );
        require!(self.consent.can_close(now), MedchainError::ConsentStillActive);
        Ok(())
    }

    /// Closes the consent.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        emit_cpi!(ConsentClosed {
            consent: ctx.accounts.consent.key(),
            rent_receiver: ctx.accounts.rent_payer.key(),
            granted_count: ctx.accounts.consent.granted_count,
            denied_count: ctx.accounts.consent.denied_count,
            at: now,
        });
        Ok(())
    }
}
