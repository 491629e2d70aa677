//! `propose_admin`: step one of the two-step admin transfer.

use crate::constants::REGISTRY_SEED;
use crate::error::MedchainError;
use crate::events::AdminTransferProposed;
use crate::state::Registry;
use anchor_lang::prelude::*;

/// Accounts of `propose_admin`.
#[event_cpi]
#[derive(Accounts)]
pub struct ProposeAdmin<'info> {
    /// The current admin.
    pub admin: Signer<'info>,
    /// The registry.
    #[account(mut, seeds = [REGISTRY_SEED], bump = registry.bump, has_one = admin)]
    pub registry: Account<'info, Registry>,
}

impl ProposeAdmin<'_> {
    /// The admin cannot propose itself.
    pub fn validate(&self, new_admin: &Pubkey) -> Result<()> {
        require_keys_neq!(*new_admin, self.admin.key(), MedchainError::InvalidNewAdmin);
        Ok(())
    }

    /// Proposes `new_admin`, who must accept with `accept_admin`; `Pubkey::default()`
    /// withdraws a pending proposal.
    pub fn handle(ctx: Context<Self>, new_admin: Pubkey) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        ctx.accounts.registry.pending_admin = new_admin;
        emit_cpi!(AdminTransferProposed {
            admin: ctx.accounts.admin.key(),
            pending_admin: new_admin,
            at: now,
        });
        Ok(())
    }
}
