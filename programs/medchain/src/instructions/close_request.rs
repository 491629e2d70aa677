//! `close_request`: a finished request is closed and its rent returned to whoever paid.

use crate::constants::REQUEST_SEED;
use crate::error::MedchainError;
use crate::events::RequestClosed;
use crate::state::AccessRequest;
use anchor_lang::prelude::*;

/// Accounts of `close_request`.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseRequest<'info> {
    /// Whoever paid the rent closes the request and receives the rent.
    #[account(mut)]
    pub rent_payer: Signer<'info>,
    /// The finished request.
    #[account(
        mut,
        seeds = [REQUEST_SEED, request.patient.as_ref(), request.provider.as_ref(), &request.nonce.to_le_bytes()],
        bump = request.bump,
        has_one = rent_payer,
        close = rent_payer,
    )]
    pub request: Account<'info, AccessRequest>,
}

impl CloseRequest<'_> {
    /// Only a request that is no longer pending may be closed.
    pub fn validate(&self) -> Result<()> {
        require!(self.request.is_finished(), MedchainError::RequestStillPending);
        Ok(())
    }

    /// Closes an Approved, Denied or Cancelled request.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        emit_cpi!(RequestClosed {
            request: ctx.accounts.request.key(),
            rent_receiver: ctx.accounts.rent_payer.key(),
            at: now,
        });
        Ok(())
    }
}
