//! `update_consent`: the patient changes an active consent's scope, purposes, actions or
//! expiry; the version bumps.

use crate::constants::{CONSENT_SEED, GRANTOR_PATIENT, PATIENT_SEED, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::ConsentChanged;
use crate::state::{Consent, ConsentStatus, ConsentTerms, Patient, Registry};
use anchor_lang::prelude::*;

/// Accounts of `update_consent`.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateConsent<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// The patient.
    #[account(
        mut,
        seeds = [PATIENT_SEED, authority.key().as_ref()],
        bump = patient.bump,
        has_one = authority,
    )]
    pub patient: Account<'info, Patient>,
    /// The consent to change.
    #[account(
        mut,
        seeds = [CONSENT_SEED, patient.key().as_ref(), consent.provider.as_ref()],
        bump = consent.bump,
        has_one = patient,
    )]
    pub consent: Account<'info, Consent>,
    /// The registry: no changes while paused (revoke still works).
    #[account(seeds = [REGISTRY_SEED], bump = registry.bump)]
    pub registry: Account<'info, Registry>,
}

impl UpdateConsent<'_> {
    pub fn validate(&self, terms: &ConsentTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(!self.registry.paused, MedchainError::RegistryPaused);
        require!(self.consent.status == ConsentStatus::Active, MedchainError::ConsentNotActive);
        terms.validate(now)
    }

    /// Replaces the terms of an Active consent (an expired one may be extended this way).
    pub fn handle(ctx: Context<Self>, terms: ConsentTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let consent = &mut ctx.accounts.consent;
        let old_version = consent.version;
        let old_terms = consent.terms();
        consent.apply_grant(&terms, GRANTOR_PATIENT, now)?;
        let event = ConsentChanged {
            consent: consent.key(),
            patient: consent.patient,
            provider: consent.provider,
            old_version,
            new_version: consent.version,
            old_status: ConsentStatus::Active as u8,
            old_terms,
            new_terms: terms,
            grantor: GRANTOR_PATIENT,
            at: now,
        };
        let patient = &mut ctx.accounts.patient;
        patient.consent_grants =
            patient.consent_grants.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(event);
        Ok(())
    }
}
