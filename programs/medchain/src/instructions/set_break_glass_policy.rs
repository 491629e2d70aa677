//! `set_break_glass_policy`: the patient allows or forbids break-glass access for themselves.

use crate::constants::PATIENT_SEED;
use crate::events::BreakGlassPolicyChanged;
use crate::state::Patient;
use anchor_lang::prelude::*;

/// Accounts of `set_break_glass_policy`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetBreakGlassPolicy<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// The patient.
    #[account(mut, seeds = [PATIENT_SEED, authority.key().as_ref()], bump = patient.bump, has_one = authority)]
    pub patient: Account<'info, Patient>,
}

/// `set_break_glass_policy` has no check beyond its account constraints: the patient signs.
impl super::ConstraintsOnly for SetBreakGlassPolicy<'_> {}

impl SetBreakGlassPolicy<'_> {
    /// Sets the policy.
    pub fn handle(ctx: Context<Self>, allows_break_glass: bool) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let patient = &mut ctx.accounts.patient;
        let old = patient.allows_break_glass;
        patient.allows_break_glass = allows_break_glass;
        emit_cpi!(BreakGlassPolicyChanged {
            patient: ctx.accounts.patient.key(),
            old_allows_break_glass: old,
            new_allows_break_glass: allows_break_glass,
            at: now,
        });
        Ok(())
    }
}
