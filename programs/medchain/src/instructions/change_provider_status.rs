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

    /// Active → Suspended.
    pub fn suspend(ctx: Context<Self>) -> Result<()> {
        let provider = &mut ctx.accounts.provider;
        let now = Clock::get()?.unix_timestamp;
        provider.status = ProviderStatus::Suspended;
        provider.status_changed_at = now;
        let issuer = &mut ctx.accounts.issuer;
        issuer.active_provider_count =
            issuer.active_provider_count.checked_sub(1).ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(ProviderStatusChanged {
            provider: ctx.accounts.provider.key(),
            issuer: ctx.accounts.issuer.key(),
            old_status: ProviderStatus::Active as u8,
            new_status: ProviderStatus::Suspended as u8,
            at: now,
        });
        Ok(())
    }

    /// Suspended → Active.
    pub fn reinstate(ctx: Context<Self>) -> Result<()> {
        let provider = &mut ctx.accounts.provider;
        let now = Clock::get()?.unix_timestamp;
        provider.status = ProviderStatus::Active;
        provider.status_changed_at = now;
        let issuer = &mut ctx.accounts.issuer;
        issuer.active_provider_count =
            issuer.active_provider_count.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(ProviderStatusChanged {
            provider: ctx.accounts.provider.key(),
            issuer: ctx.accounts.issuer.key(),
            old_status: ProviderStatus::Suspended as u8,
            new_status: ProviderStatus::Active as u8,
            at: now,
        });
        Ok(())
    }
}
