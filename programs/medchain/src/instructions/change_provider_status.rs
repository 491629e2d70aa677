//! `suspend_provider` and `reinstate_provider`: only the provider's own issuer changes
//! its status; suspension cuts off every access of the provider at once.

use crate::constants::{ISSUER_SEED, PROVIDER_SEED};
use crate::error::MedchainError;
use crate::events::ProviderStatusChanged;
use crate::state::{Issuer, Provider, ProviderStatus};
use anchor_lang::prelude::*;

/// Accounts of `suspend_provider` and `reinstate_provider`.
#[event_cpi]
#[derive(Accounts)]
pub struct ChangeProviderStatus<'info> {
    /// The issuer's wallet.
    pub issuer_authority: Signer<'info>,
    /// The issuer that registered the provider.
    #[account(
        mut,
        seeds = [ISSUER_SEED, issuer_authority.key().as_ref()],
        bump = issuer.bump,
        constraint = issuer.authority == issuer_authority.key() @ ErrorCode::ConstraintHasOne,
    )]
    pub issuer: Account<'info, Issuer>,
    /// The provider.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, provider.authority.as_ref()],
        bump = provider.bump,
        has_one = issuer,
    )]
    pub provider: Account<'info, Provider>,
}

impl ChangeProviderStatus<'_> {
    /// Suspending needs an active provider, reinstating a suspended one.
    pub fn validate(&self, suspend: bool) -> Result<()> {
        if suspend {
            require!(self.provider.is_active(), MedchainError::ProviderAlreadySuspended);
        } else {
            require!(!self.provider.is_active(), MedchainError::ProviderNotSuspended);
        }
        Ok(())
    }

    /// Active → Suspended (`suspend`) or Suspended → Active; the issuer's count of active
    /// providers follows.
    pub fn handle(ctx: Context<Self>, suspend: bool) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let (old_status, new_status) = if suspend {
            (ProviderStatus::Active, ProviderStatus::Suspended)
        } else {
            (ProviderStatus::Suspended, ProviderStatus::Active)
        };
        let provider = &mut ctx.accounts.provider;
        provider.status = new_status;
        provider.status_changed_at = now;
        let issuer = &mut ctx.accounts.issuer;
        let active = issuer.active_provider_count;
        issuer.active_provider_count =
            if suspend { active.checked_sub(1) } else { active.checked_add(1) }
                .ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(ProviderStatusChanged {
            provider: ctx.accounts.provider.key(),
            issuer: ctx.accounts.issuer.key(),
            old_status: old_status as u8,
            new_status: new_status as u8,
            at: now,
        });
        Ok(())
    }
}
