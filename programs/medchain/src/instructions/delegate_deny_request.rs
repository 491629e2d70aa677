//! `delegate_deny_request`: a delegate allowed to answer refuses a pending request on the
//! patient's behalf.

use crate::constants::{DELEGATE_SEED, PATIENT_SEED, REQUEST_SEED};
use crate::events::DelegateAnsweredRequest;
use crate::state::{AccessRequest, Delegate, Patient, RequestStatus};
use anchor_lang::prelude::*;

/// Accounts of `delegate_deny_request`.
#[event_cpi]
#[derive(Accounts)]
pub struct DelegateDenyRequest<'info> {
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
    /// The pending request addressed to this patient.
    #[account(
        mut,
        seeds = [REQUEST_SEED, patient.key().as_ref(), request.provider.as_ref(), &request.nonce.to_le_bytes()],
        bump = request.bump,
        has_one = patient,
    )]
    pub request: Account<'info, AccessRequest>,
}

impl DelegateDenyRequest<'_> {
    /// The delegate is in force and may answer. A denial gives no access, so, like a
    /// revoke, it is not limited to the delegate's scope, and is allowed while paused.
    pub fn validate(&self) -> Result<()> {
        self.delegate.check_answer(Clock::get()?.unix_timestamp)
    }

    /// Pending → Denied, by the delegate.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        ctx.accounts.request.resolve(RequestStatus::Denied, now)?;
        emit_cpi!(DelegateAnsweredRequest {
            request: ctx.accounts.request.key(),
            old_status: RequestStatus::Pending as u8,
            patient: ctx.accounts.patient.key(),
            delegate: ctx.accounts.delegate.key(),
            answered_by: ctx.accounts.delegate.index,
            new_status: RequestStatus::Denied as u8,
            at: now,
        });
        Ok(())
    }
}
