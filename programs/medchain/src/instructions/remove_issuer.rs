//! `remove_issuer`: the admin withdraws trust; the issuer account is closed.

use crate::constants::{ISSUER_SEED, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::IssuerRemoved;
use crate::state::{Issuer, Registry};
use anchor_lang::prelude::*;

/// Accounts of `remove_issuer`.
#[event_cpi]
#[derive(Accounts)]
pub struct RemoveIssuer<'info> {
    /// The admin.
    pub admin: Signer<'info>,
    /// The registry.
    #[account(mut, seeds = [REGISTRY_SEED], bump = registry.bump, has_one = admin)]
    pub registry: Account<'info, Registry>,
    /// The issuer to remove; its rent returns to whoever paid it.
    #[account(
        mut,
        seeds = [ISSUER_SEED, issuer.authority.as_ref()],
        bump = issuer.bump,
        has_one = rent_payer,
        close = rent_payer,
    )]
    pub issuer: Account<'info, Issuer>,
    /// Receives the rent.
    /// CHECK: must equal `issuer.rent_payer` (has_one).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}

impl RemoveIssuer<'_> {
    /// Only an issuer without active providers may be removed.
    pub fn validate(&self) -> Result<()> {
        require!(self.issuer.can_be_removed(), MedchainError::IssuerHasActiveProviders);
        Ok(())
    }

    /// Closes the issuer once none of its providers is active.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let registry = &mut ctx.accounts.registry;
        registry.issuer_count =
            registry.issuer_count.checked_sub(1).ok_or(MedchainError::ArithmeticOverflow)?;
        let now = Clock::get()?.unix_timestamp;
        emit_cpi!(IssuerRemoved { issuer: ctx.accounts.issuer.key(), at: now });
        Ok(())
    }
}
