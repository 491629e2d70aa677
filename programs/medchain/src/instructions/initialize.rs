//! `initialize`: creates the registry and names its first admin.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::RegistryInitialized;
use crate::state::Registry;
use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;

/// Accounts of `initialize`.
#[event_cpi]
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// The first admin; pays for the registry. When the program is deployed upgradeable,
    /// this must be its upgrade authority, so nobody can front-run the deployer.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The registry singleton; `init` fails if it already exists.
    #[account(init, payer = admin, space = Registry::SIZE, seeds = [REGISTRY_SEED], bump)]
    pub registry: Account<'info, Registry>,
    /// The program's ProgramData account; required when the program is upgradeable.
    pub program_data: Option<Account<'info, ProgramData>>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    /// When the program is owned by the upgradeable loader, only its upgrade authority may
    /// initialize. (Natively-loaded test programs have no ProgramData.)
    fn validate(&self) -> Result<()> {
        if *self.program.owner != bpf_loader_upgradeable::ID {
            return Ok(());
        }
        let program_data = self
            .program_data
            .as_ref()
            .ok_or(MedchainError::InvalidProgramData)?;
        let (expected, _) =
            Pubkey::find_program_address(&[crate::ID.as_ref()], &bpf_loader_upgradeable::ID);
        require_keys_eq!(
            program_data.key(),
            expected,
            MedchainError::InvalidProgramData
        );
        require!(
            program_data.upgrade_authority_address == Some(self.admin.key()),
            MedchainError::NotUpgradeAuthority
        );
        Ok(())
    }

    /// Creates the registry with the signer as admin.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        ctx.accounts.validate()?;
        let now = Clock::get()?.unix_timestamp;
        let admin = ctx.accounts.admin.key();
        ctx.accounts.registry.set_inner(Registry {
            admin,
            pending_admin: Pubkey::default(),
            issuer_count: 0,
            provider_count: 0,
            patient_count: 0,
            paused: false,
            bump: ctx.bumps.registry,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            created_at: now,
            reserved: [0; 32],
        });
        emit_cpi!(RegistryInitialized { admin, at: now });
        Ok(())
    }
}
