//! `deny_request`: the patient refuses a pending request.

use crate::constants::{PATIENT_SEED, REQUEST_SEED};
use crate::events::RequestResolved;
use crate::state::{AccessRequest, Patient, RequestStatus};
use anchor_lang::prelude::*;

/// Accounts of `deny_request`.
#[event_cpi]
#[derive(Accounts)]
pub struct DenyRequest<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// The patient.
    #[account(seeds = [PATIENT_SEED, authority.key().as_ref()], bump = patient.bump, has_one = authority)]
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

/// `deny_request` has no check beyond its account constraints: the patient signs; `AccessRequest::resolve` refuses a request that is not pending.
impl super::ConstraintsOnly for DenyRequest<'_> {}

impl DenyRequest<'_> {
    /// Pending → Denied. Allowed while paused.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        ctx.accounts.request.resolve(RequestStatus::Denied, now)?;
        emit_cpi!(RequestResolved {
            request: ctx.accounts.request.key(),
            old_status: RequestStatus::Pending as u8,
            new_status: RequestStatus::Denied as u8,
            at: now,
        });
        Ok(())
    }
}
