//! `approve_request`: the patient approves a pending request, possibly narrowed, creating or
//! updating the Consent.

use crate::constants::{
    CONSENT_SEED, GRANTOR_PATIENT, PATIENT_SEED, PROVIDER_SEED, REGISTRY_SEED, REQUEST_SEED,
};
use crate::error::MedchainError;
use crate::events::RequestResolved;
use crate::pda_account::{write_grant, GrantMode, GrantTarget};
use crate::state::{AccessRequest, Patient, Provider, Registry, RequestStatus, RequestTerms};
use anchor_lang::prelude::*;

/// Accounts of `approve_request`.
#[event_cpi]
#[derive(Accounts)]
pub struct ApproveRequest<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// Pays the consent's rent when it is created (a clinic, or the patient).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The patient.
    #[account(
        mut,
        seeds = [PATIENT_SEED, authority.key().as_ref()],
        bump = patient.bump,
        has_one = authority,
    )]
    pub patient: Account<'info, Patient>,
    /// The requesting provider.
    #[account(seeds = [PROVIDER_SEED, provider.authority.as_ref()], bump = provider.bump)]
    pub provider: Account<'info, Provider>,
    /// The pending request.
    #[account(
        mut,
        seeds = [REQUEST_SEED, patient.key().as_ref(), provider.key().as_ref(), &request.nonce.to_le_bytes()],
        bump = request.bump,
        has_one = patient,
        has_one = provider,
    )]
    pub request: Account<'info, AccessRequest>,
    /// The Consent PDA of (patient, provider): created if absent, updated otherwise.
    /// CHECK: address checked by seeds; contents checked by `pda_account::load`.
    #[account(mut, seeds = [CONSENT_SEED, patient.key().as_ref(), provider.key().as_ref()], bump)]
    pub consent: UncheckedAccount<'info>,
    /// The registry: no approvals while paused.
    #[account(seeds = [REGISTRY_SEED], bump = registry.bump)]
    pub registry: Account<'info, Registry>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl ApproveRequest<'_> {
    pub fn validate(&self, approved: &RequestTerms) -> Result<()> {
        require!(!self.registry.paused, MedchainError::RegistryPaused);
        require!(self.request.status == RequestStatus::Pending, MedchainError::RequestNotPending);
        require!(self.provider.is_active(), MedchainError::ProviderNotActive);
        approved.validate()?;
        require!(self.request.terms().contains(approved), MedchainError::ApprovalWidensRequest);
        Ok(())
    }

    /// Approves with `approved` terms (equal to or narrower than the request); access lasts
    /// `approved.duration_secs` from now.
    pub fn handle(ctx: Context<Self>, approved: RequestTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let terms = approved.to_consent_terms(now)?;
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
            GRANTOR_PATIENT,
            GrantMode::CreateOrReplace,
            now,
        )?;
        accounts.request.resolve(RequestStatus::Approved, now)?;
        emit_cpi!(RequestResolved {
            request: ctx.accounts.request.key(),
            old_status: RequestStatus::Pending as u8,
            new_status: RequestStatus::Approved as u8,
            at: now,
        });
        emit_cpi!(event);
        Ok(())
    }
}
