//! `set_issuer_break_glass`: the admin allows or forbids break-glass for an issuer.

use crate::constants::{ISSUER_SEED, REGISTRY_SEED};
use crate::events::IssuerBreakGlassChanged;
use crate::state::{Issuer, Registry};
use anchor_lang::prelude::*;

/// Accounts of `set_issuer_break_glass`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetIssuerBreakGlass<'info> {
    /// The admin.
    pub admin: Signer<'info>,
    /// The registry.
    #[account(seeds = [REGISTRY_SEED], bump = registry.bump, has_one = admin)]
    pub registry: Account<'info, Registry>,
    /// The issuer to change.
    #[account(mut, seeds = [ISSUER_SEED, issuer.authority.as_ref()], bump = issuer.bump)]
    pub issuer: Account<'info, Issuer>,
}

/// `set_issuer_break_glass` has no check beyond its account constraints: the admin signs.
impl super::ConstraintsOnly for SetIssuerBreakGlass<'_> {}

impl SetIssuerBreakGlass<'_> {
    /// Sets the flag.
    pub fn handle(ctx: Context<Self>, allows_break_glass: bool) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let issuer = &mut ctx.accounts.issuer;
        let old = issuer.allows_break_glass;
        issuer.allows_break_glass = allows_break_glass;
        emit_cpi!(IssuerBreakGlassChanged {
            issuer: ctx.accounts.issuer.key(),
            old_allows_break_glass: old,
            new_allows_break_glass: allows_break_glass,
            at: now,
        });
        Ok(())
    }
}
