//! `delegate_grant_consent`: a delegate grants (or re-grants) a consent on the patient's
//! behalf, within its own scope and mandate; the consent records the delegate as grantor.

use crate::constants::{CONSENT_SEED, DELEGATE_SEED, PATIENT_SEED, PROVIDER_SEED, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::pda_account::{write_grant, GrantMode, GrantTarget};
use crate::state::{ConsentTerms, Delegate, Patient, Provider, Registry};
use anchor_lang::prelude::*;

/// Accounts of `delegate_grant_consent`.
#[event_cpi]
#[derive(Accounts)]
pub struct DelegateGrantConsent<'info> {
    /// The delegate's wallet.
    pub authority: Signer<'info>,
    /// Pays the consent's rent when it is created.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The delegate.
    #[account(
        seeds = [DELEGATE_SEED, patient.key().as_ref(), authority.key().as_ref()],
        bump = delegate.bump,
        has_one = patient,
        has_one = authority,
    )]
    pub delegate: Account<'info, Delegate>,
    /// The patient represented.
    #[account(mut, seeds = [PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
    pub patient: Account<'info, Patient>,
    /// The provider granted access.
    #[account(seeds = [PROVIDER_SEED, provider.authority.as_ref()], bump = provider.bump)]
    pub provider: Account<'info, Provider>,
    /// The Consent PDA of (patient, provider).
    /// CHECK: address checked by seeds; contents checked by `pda_account::load`.
    #[account(mut, seeds = [CONSENT_SEED, patient.key().as_ref(), provider.key().as_ref()], bump)]
    pub consent: UncheckedAccount<'info>,
    /// The registry: no grants while paused.
    #[account(seeds = [REGISTRY_SEED], bump = registry.bump)]
    pub registry: Account<'info, Registry>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl DelegateGrantConsent<'_> {
    pub fn validate(&self, terms: &ConsentTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(!self.registry.paused, MedchainError::RegistryPaused);
        self.delegate.check_grant(terms, now)?;
        require!(self.provider.is_active(), MedchainError::ProviderNotActive);
        terms.validate(now)
    }

    /// Grants `terms` to the provider on the patient's behalf.
    pub fn handle(ctx: Context<Self>, terms: ConsentTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let accounts = &mut *ctx.accounts;
        let event = write_grant(
            GrantTarget {
                consent: accounts.consent.as_ref(),
                payer: accounts.payer.as_ref(),
                system_program: accounts.system_program.as_ref(),
                patient: &mut accounts.patient,
                provider: accounts.provider.key(),
                bump: ctx.bumps.consent,
            },
            &terms,
            accounts.delegate.index,
            GrantMode::CreateOrRegrant,
            now,
        )?;
        emit_cpi!(event);
        Ok(())
    }
}
