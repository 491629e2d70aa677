//! `review_emergency_access`: the patient reviews a break-glass window, and may end it.

use crate::constants::{EMERGENCY_SEED, PATIENT_SEED};
use crate::events::EmergencyAccessReviewed;
use crate::state::{EmergencyAccess, Patient};
use anchor_lang::prelude::*;

/// Accounts of `review_emergency_access`.
#[event_cpi]
#[derive(Accounts)]
pub struct ReviewEmergencyAccess<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// The patient.
    #[account(seeds = [PATIENT_SEED, authority.key().as_ref()], bump = patient.bump, has_one = authority)]
    pub patient: Account<'info, Patient>,
    /// The window to review.
    #[account(
        mut,
        seeds = [EMERGENCY_SEED, patient.key().as_ref(), emergency.provider.as_ref()],
        bump = emergency.bump,
        has_one = patient,
    )]
    pub emergency: Account<'info, EmergencyAccess>,
}

/// `review_emergency_access` has no check beyond its account constraints: the patient signs; `EmergencyAccess::review` is always allowed.
impl super::ConstraintsOnly for ReviewEmergencyAccess<'_> {}

impl ReviewEmergencyAccess<'_> {
    /// Marks the window reviewed; `end_now` closes it at once if still open.
    pub fn handle(ctx: Context<Self>, end_now: bool) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let was_open = ctx.accounts.emergency.is_open(now);
        ctx.accounts.emergency.review(end_now, now);
        emit_cpi!(EmergencyAccessReviewed {
            emergency: ctx.accounts.emergency.key(),
            access_count: ctx.accounts.emergency.access_count,
            ended_early: end_now && was_open,
            at: now,
        });
        Ok(())
    }
}
