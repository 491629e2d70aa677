//! `request_access`: an active provider asks a patient for access; the provider pays.

use crate::constants::{
    ACCOUNT_LAYOUT_VERSION, PATIENT_SEED, PROVIDER_SEED, REGISTRY_SEED, REQUEST_SEED,
};
use crate::error::MedchainError;
use crate::events::AccessRequested;
use crate::pda_account;
use crate::state::{AccessRequest, Patient, Provider, Registry, RequestStatus, RequestTerms};
use anchor_lang::prelude::*;

/// Accounts of `request_access`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(nonce: u64)]
pub struct RequestAccess<'info> {
    /// The provider's wallet; pays the request's rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The requesting provider.
    #[account(
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority,
    )]
    pub provider: Account<'info, Provider>,
    /// The patient asked.
    #[account(seeds = [PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
    pub patient: Account<'info, Patient>,
    /// The new AccessRequest PDA, created here; refused if the nonce was used before.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(
        mut,
        seeds = [REQUEST_SEED, patient.key().as_ref(), provider.key().as_ref(), &nonce.to_le_bytes()],
        bump,
    )]
    pub request: UncheckedAccount<'info>,
    /// The registry: no new requests while paused.
    #[account(seeds = [REGISTRY_SEED], bump = registry.bump)]
    pub registry: Account<'info, Registry>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl RequestAccess<'_> {
    pub fn validate(&self, terms: &RequestTerms) -> Result<()> {
        require!(!self.registry.paused, MedchainError::RegistryPaused);
        require!(self.provider.is_active(), MedchainError::ProviderNotActive);
        terms.validate()
    }

    /// Creates a Pending request.
    pub fn handle(ctx: Context<Self>, nonce: u64, terms: RequestTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let patient = ctx.accounts.patient.key();
        let provider = ctx.accounts.provider.key();
        let bump = ctx.bumps.request;
        pda_account::create(
            ctx.accounts.authority.as_ref(),
            ctx.accounts.request.as_ref(),
            ctx.accounts.system_program.as_ref(),
            AccessRequest::SIZE,
            &[REQUEST_SEED, patient.as_ref(), provider.as_ref(), &nonce.to_le_bytes(), &[bump]],
        )?;
        let request = AccessRequest {
            patient,
            provider,
            rent_payer: ctx.accounts.authority.key(),
            nonce,
            scope: terms.scope,
            status: RequestStatus::Pending,
            bump,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            duration_secs: terms.duration_secs,
            created_at: now,
            resolved_at: 0,
            reserved: [0; 16],
        };
        pda_account::write(ctx.accounts.request.as_ref(), &request)?;
        emit_cpi!(AccessRequested {
            request: ctx.accounts.request.key(),
            patient,
            provider,
            nonce,
            terms,
            at: now,
        });
        Ok(())
    }
}
