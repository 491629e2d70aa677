//! `pause` and `unpause`: the admin's emergency stop for new grants and requests.

use crate::constants::REGISTRY_SEED;
use crate::error::MedchainError;
use crate::events::PauseChanged;
use crate::state::Registry;
use anchor_lang::prelude::*;

/// Accounts of `pause` and `unpause`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetPaused<'info> {
    /// The admin.
    pub admin: Signer<'info>,
    /// The registry.
    #[account(mut, seeds = [REGISTRY_SEED], bump = registry.bump, has_one = admin)]
    pub registry: Account<'info, Registry>,
}

impl SetPaused<'_> {
    /// Pausing needs a running registry, unpausing a paused one.
    pub fn validate(&self, paused: bool) -> Result<()> {
        if paused {
            require!(!self.registry.paused, MedchainError::AlreadyPaused);
        } else {
            require!(self.registry.paused, MedchainError::NotPaused);
        }
        Ok(())
    }

    /// Sets the paused flag; pausing a paused registry (or the reverse) is an error so that
    /// an operator notices a mistaken command.
    pub fn handle(ctx: Context<Self>, paused: bool) -> Result<()> {
        let registry = &mut ctx.accounts.registry;
        registry.paused = paused;
        let now = Clock::get()?.unix_timestamp;
        emit_cpi!(PauseChanged { paused, at: now });
        Ok(())
    }
}
