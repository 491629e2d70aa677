//! `remove_delegate`: the patient removes a delegate; rent returns to whoever paid.

use crate::constants::{DELEGATE_SEED, PATIENT_SEED};
use crate::events::DelegateRemoved;
use crate::state::{Delegate, Patient};
use anchor_lang::prelude::*;

/// Accounts of `remove_delegate`.
#[event_cpi]
#[derive(Accounts)]
pub struct RemoveDelegate<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// The patient.
    #[account(seeds = [PATIENT_SEED, authority.key().as_ref()], bump = patient.bump, has_one = authority)]
    pub patient: Account<'info, Patient>,
    /// The delegate to remove.
    #[account(
        mut,
        seeds = [DELEGATE_SEED, patient.key().as_ref(), delegate.authority.as_ref()],
        bump = delegate.bump,
        has_one = patient,
        has_one = rent_payer,
        close = rent_payer,
    )]
    pub delegate: Account<'info, Delegate>,
    /// Receives the rent.
    /// CHECK: must equal `delegate.rent_payer` (has_one).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}

/// `remove_delegate` has no check beyond its account constraints: the patient signs; the account is closed.
impl super::ConstraintsOnly for RemoveDelegate<'_> {}

impl RemoveDelegate<'_> {
    /// Closes the delegate at once; it can do nothing afterwards.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        emit_cpi!(DelegateRemoved {
            delegate: ctx.accounts.delegate.key(),
            patient: ctx.accounts.patient.key(),
            at: now,
        });
        Ok(())
    }
}
