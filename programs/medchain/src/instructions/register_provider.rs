//! `register_provider`: an issuer credentials a provider, who co-signs with its own key.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, ISSUER_SEED, PROVIDER_SEED, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::ProviderRegistered;
use crate::pda_account;
use crate::state::{Issuer, Provider, ProviderKind, ProviderStatus, Registry};
use anchor_lang::prelude::*;

/// Accounts of `register_provider`.
#[event_cpi]
#[derive(Accounts)]
pub struct RegisterProvider<'info> {
    /// The issuer's wallet; pays the provider account's rent.
    #[account(mut)]
    pub issuer_authority: Signer<'info>,
    /// The issuer.
    #[account(
        mut,
        seeds = [ISSUER_SEED, issuer_authority.key().as_ref()],
        bump = issuer.bump,
        constraint = issuer.authority == issuer_authority.key() @ ErrorCode::ConstraintHasOne,
    )]
    pub issuer: Account<'info, Issuer>,
    /// The provider's own wallet: co-signs, so nobody is registered without their key.
    pub provider_authority: Signer<'info>,
    /// The new Provider PDA, created here; refused if it already exists.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [PROVIDER_SEED, provider_authority.key().as_ref()], bump)]
    pub provider: UncheckedAccount<'info>,
    /// The registry (counts providers).
    #[account(mut, seeds = [REGISTRY_SEED], bump = registry.bump)]
    pub registry: Account<'info, Registry>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl RegisterProvider<'_> {
    /// A known provider kind and a non-zero credential hash.
    pub fn validate(&self, credential_hash: &[u8; 32], kind: u8) -> Result<()> {
        require!(ProviderKind::from_code(kind).is_some(), MedchainError::InvalidProviderKind);
        require!(*credential_hash != [0u8; 32], MedchainError::InvalidCredentialHash);
        Ok(())
    }

    /// Creates the provider, Active.
    pub fn handle(ctx: Context<Self>, credential_hash: [u8; 32], kind: u8) -> Result<()> {
        let kind = ProviderKind::from_code(kind).ok_or(MedchainError::InvalidProviderKind)?;
        let now = Clock::get()?.unix_timestamp;
        let authority = ctx.accounts.provider_authority.key();
        let issuer_key = ctx.accounts.issuer.key();
        let bump = ctx.bumps.provider;
        pda_account::create(
            ctx.accounts.issuer_authority.as_ref(),
            ctx.accounts.provider.as_ref(),
            ctx.accounts.system_program.as_ref(),
            Provider::SIZE,
            &[PROVIDER_SEED, authority.as_ref(), &[bump]],
        )?;
        let provider = Provider {
            authority,
            issuer: issuer_key,
            credential_hash,
            encryption_key: [0; 32],
            status: ProviderStatus::Active,
            kind,
            bump,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            registered_at: now,
            status_changed_at: now,
            reserved: [0; 16],
        };
        pda_account::write(ctx.accounts.provider.as_ref(), &provider)?;
        let issuer = &mut ctx.accounts.issuer;
        issuer.provider_count =
            issuer.provider_count.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        issuer.active_provider_count =
            issuer.active_provider_count.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        let registry = &mut ctx.accounts.registry;
        registry.provider_count =
            registry.provider_count.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(ProviderRegistered {
            provider: ctx.accounts.provider.key(),
            authority,
            issuer: issuer_key,
            credential_hash,
            kind: kind as u8,
            at: now,
        });
        Ok(())
    }
}
