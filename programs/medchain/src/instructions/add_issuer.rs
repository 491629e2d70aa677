//! `add_issuer`: the admin trusts a credentialing body.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, ISSUER_SEED, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::IssuerAdded;
use crate::pda_account;
use crate::state::{Issuer, Registry};
use anchor_lang::prelude::*;

/// Accounts of `add_issuer`.
#[event_cpi]
#[derive(Accounts)]
pub struct AddIssuer<'info> {
    /// The admin; pays the issuer account's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The registry.
    #[account(mut, seeds = [REGISTRY_SEED], bump = registry.bump, has_one = admin)]
    pub registry: Account<'info, Registry>,
    /// The issuer's wallet.
    /// CHECK: any key may be named; it signs later as the issuer.
    pub issuer_authority: UncheckedAccount<'info>,
    /// The new Issuer PDA, created here; refused if it already exists.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [ISSUER_SEED, issuer_authority.key().as_ref()], bump)]
    pub issuer: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// `add_issuer` has no check beyond its account constraints: the admin signs; the PDA must be new.
impl super::ConstraintsOnly for AddIssuer<'_> {}

impl AddIssuer<'_> {
    /// Creates the issuer.
    pub fn handle(ctx: Context<Self>, allows_break_glass: bool) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let authority = ctx.accounts.issuer_authority.key();
        let bump = ctx.bumps.issuer;
        pda_account::create(
            ctx.accounts.admin.as_ref(),
            ctx.accounts.issuer.as_ref(),
            ctx.accounts.system_program.as_ref(),
            Issuer::SIZE,
            &[ISSUER_SEED, authority.as_ref(), &[bump]],
        )?;
        let issuer = Issuer {
            authority,
            rent_payer: ctx.accounts.admin.key(),
            active_provider_count: 0,
            provider_count: 0,
            allows_break_glass,
            bump,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            added_at: now,
            reserved: [0; 32],
        };
        pda_account::write(ctx.accounts.issuer.as_ref(), &issuer)?;
        let registry = &mut ctx.accounts.registry;
        registry.issuer_count =
            registry.issuer_count.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(IssuerAdded {
            issuer: ctx.accounts.issuer.key(),
            authority,
            allows_break_glass,
            at: now,
        });
        Ok(())
    }
}
