//! `accept_admin`: step two of the admin transfer, signed by the proposed admin.

use crate::constants::REGISTRY_SEED;
use crate::error::MedchainError;
use crate::events::AdminTransferred;
use crate::state::Registry;
use anchor_lang::prelude::*;

/// Accounts of `accept_admin`.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    /// The proposed admin.
    pub new_admin: Signer<'info>,
    /// The registry.
    #[account(
        mut,
        seeds = [REGISTRY_SEED],
        bump = registry.bump,
        constraint = registry.has_pending_admin()
            && registry.pending_admin == new_admin.key() @ MedchainError::NotPendingAdmin,
    )]
    pub registry: Account<'info, Registry>,
}

/// `accept_admin` has no check beyond its account constraints: the pending admin signs.
impl super::ConstraintsOnly for AcceptAdmin<'_> {}

impl AcceptAdmin<'_> {
    /// Makes the pending admin the admin and clears the proposal.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let registry = &mut ctx.accounts.registry;
        let old_admin = registry.admin;
        registry.admin = ctx.accounts.new_admin.key();
        registry.pending_admin = Pubkey::default();
        emit_cpi!(AdminTransferred { old_admin, new_admin: ctx.accounts.new_admin.key(), at: now });
        Ok(())
    }
}
