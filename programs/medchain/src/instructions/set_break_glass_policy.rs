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

impl SetBreakGlassPolicy<'_> {
    /// Every check of this instruction is an account constraint (signers, seeds, `has_one`)
    /// or a state transition's own rule; nothing more to check.
    pub fn validate(&self) -> Result<()> {
        Ok(())
    }

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
