//! `initialize`: creates the registry and names its first admin.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::RegistryInitialized;
use crate::pda_account;
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
    /// The registry singleton, created here; refused if it already exists.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [REGISTRY_SEED], bump)]
    pub registry: UncheckedAccount<'info>,
    /// The program's ProgramData account; required when the program is upgradeable.
    pub program_data: Option<Account<'info, ProgramData>>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    /// When the program is owned by the upgradeable loader, only its upgrade authority may
    /// initialize. (Natively-loaded test programs have no ProgramData.)
    pub fn validate(&self) -> Result<()> {
        if *self.program.owner != bpf_loader_upgradeable::ID {
            return Ok(());
        }
        let program_data = self.program_data.as_ref().ok_or(MedchainError::InvalidProgramData)?;
        let (expected, _) =
            Pubkey::find_program_address(&[crate::ID.as_ref()], &bpf_loader_upgradeable::ID);
        require_keys_eq!(program_data.key(), expected, MedchainError::InvalidProgramData);
        require!(
            program_data.upgrade_authority_address == Some(self.admin.key()),
            MedchainError::NotUpgradeAuthority
        );
        Ok(())
    }

    /// Creates the registry with the signer as admin.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let admin = ctx.accounts.admin.key();
        let bump = ctx.bumps.registry;
        pda_account::create(
            ctx.accounts.admin.as_ref(),
            ctx.accounts.registry.as_ref(),
            ctx.accounts.system_program.as_ref(),
            Registry::SIZE,
            &[REGISTRY_SEED, &[bump]],
        )?;
        let registry = Registry {
            admin,
            pending_admin: Pubkey::default(),
            issuer_count: 0,
            provider_count: 0,
            patient_count: 0,
            paused: false,
            bump,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            created_at: now,
            reserved: [0; 32],
        };
        pda_account::write(ctx.accounts.registry.as_ref(), &registry)?;
        emit_cpi!(RegistryInitialized { admin, at: now });
        Ok(())
    }
}
