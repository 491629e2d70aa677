//! `cancel_request`: the provider withdraws its own pending request.

use crate::constants::{PROVIDER_SEED, REQUEST_SEED};
use crate::events::RequestResolved;
use crate::state::{AccessRequest, Provider, RequestStatus};
use anchor_lang::prelude::*;

/// Accounts of `cancel_request`.
#[event_cpi]
#[derive(Accounts)]
pub struct CancelRequest<'info> {
    /// The provider's wallet.
    pub authority: Signer<'info>,
    /// The provider.
    #[account(seeds = [PROVIDER_SEED, authority.key().as_ref()], bump = provider.bump, has_one = authority)]
    pub provider: Account<'info, Provider>,
    /// The provider's pending request.
    #[account(
        mut,
        seeds = [REQUEST_SEED, request.patient.as_ref(), provider.key().as_ref(), &request.nonce.to_le_bytes()],
        bump = request.bump,
        has_one = provider,
    )]
    pub request: Account<'info, AccessRequest>,
}

/// `cancel_request` has no check beyond its account constraints: the provider signs; `AccessRequest::resolve` refuses a request that is not pending.
impl super::ConstraintsOnly for CancelRequest<'_> {}

impl CancelRequest<'_> {
    /// Pending → Cancelled. Allowed while paused, and for a suspended provider.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        ctx.accounts.request.resolve(RequestStatus::Cancelled, now)?;
        emit_cpi!(RequestResolved {
            request: ctx.accounts.request.key(),
            old_status: RequestStatus::Pending as u8,
            new_status: RequestStatus::Cancelled as u8,
            at: now,
        });
        Ok(())
    }
}
