//! `set_provider_encryption_key`: a provider publishes its X25519 public key.

use crate::constants::PROVIDER_SEED;
use crate::error::MedchainError;
use crate::events::ProviderEncryptionKeySet;
use crate::state::Provider;
use anchor_lang::prelude::*;

/// Accounts of `set_provider_encryption_key`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetProviderEncryptionKey<'info> {
    /// The provider's wallet.
    pub authority: Signer<'info>,
    /// The provider.
    #[account(
        mut,
        seeds = [PROVIDER_SEED, authority.key().as_ref()],
        bump = provider.bump,
        has_one = authority,
    )]
    pub provider: Account<'info, Provider>,
}

impl SetProviderEncryptionKey<'_> {
    /// A key of all zeros is no key.
    pub fn validate(&self, encryption_key: &[u8; 32]) -> Result<()> {
        require!(*encryption_key != [0u8; 32], MedchainError::InvalidEncryptionKey);
        Ok(())
    }

    /// Stores the key; an all-zero key is refused.
    pub fn handle(ctx: Context<Self>, encryption_key: [u8; 32]) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let provider = &mut ctx.accounts.provider;
        let old_key = provider.encryption_key;
        provider.encryption_key = encryption_key;
        emit_cpi!(ProviderEncryptionKeySet {
            provider: ctx.accounts.provider.key(),
            old_key,
            new_key: encryption_key,
            at: now,
        });
        Ok(())
    }
}
