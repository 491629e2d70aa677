//! `delegate_approve_request`: a delegate allowed to answer approves a provider's pending
//! request on the patient's behalf, narrowed to what the request asked and to the delegate's
//! own scope and mandate; the consent records the delegate as grantor.

use crate::constants::{
    CONSENT_SEED, DELEGATE_SEED, PATIENT_SEED, PROVIDER_SEED, REGISTRY_SEED, REQUEST_SEED,
};
use crate::error::MedchainError;
use crate::events::DelegateAnsweredRequest;
use crate::pda_account::{write_grant, GrantMode, GrantTarget};
use crate::state::{
    AccessRequest, Delegate, Patient, Provider, Registry, RequestStatus, RequestTerms,
};
use anchor_lang::prelude::*;

/// Accounts of `delegate_approve_request`.
#[event_cpi]
#[derive(Accounts)]
pub struct DelegateApproveRequest<'info> {
    /// The delegate's wallet.
    pub authority: Signer<'info>,
    /// Pays the consent's rent when it is created (a clinic, or the delegate).
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

impl DelegateApproveRequest<'_> {
    /// Not paused; the delegate in force and allowed to answer; the request pending from an
    /// active provider; `approved` valid, no wider than the request, and within the
    /// delegate's scope.
    pub fn validate(&self, approved: &RequestTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(!self.registry.paused, MedchainError::RegistryPaused);
        self.delegate.check_answer(now)?;
        require!(self.request.status == RequestStatus::Pending, MedchainError::RequestNotPending);
        require!(self.provider.is_active(), MedchainError::ProviderNotActive);
        approved.validate()?;
        require!(self.request.terms().contains(approved), MedchainError::ApprovalWidensRequest);
        self.delegate.approval_terms(approved, now).map(|_| ())
    }

    /// Approves with `approved` terms; access lasts `approved.duration_secs` from now, cut at
    /// the delegate's own expiry.
    pub fn handle(ctx: Context<Self>, approved: RequestTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let terms = ctx.accounts.delegate.approval_terms(&approved, now)?;
        let answered_by = ctx.accounts.delegate.index;
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
            answered_by,
            GrantMode::CreateOrReplace,
            now,
        )?;
        accounts.request.resolve(RequestStatus::Approved, now)?;
        emit_cpi!(DelegateAnsweredRequest {
            request: ctx.accounts.request.key(),
            old_status: RequestStatus::Pending as u8,
            patient: ctx.accounts.patient.key(),
            delegate: ctx.accounts.delegate.key(),
            answered_by,
            new_status: RequestStatus::Approved as u8,
            at: now,
        });
        emit_cpi!(event);
        Ok(())
    }
}
