//! `register_patient`: a patient's wallet creates its Patient account; anyone may pay.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, PATIENT_SEED, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::PatientRegistered;
use crate::state::{Patient, Registry};
use anchor_lang::prelude::*;

/// Accounts of `register_patient`.
#[event_cpi]
#[derive(Accounts)]
pub struct RegisterPatient<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// Pays the rent (a clinic, or the patient).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The new Patient PDA.
    #[account(
        init,
        payer = payer,
        space = Patient::SIZE,
        seeds = [PATIENT_SEED, authority.key().as_ref()],
        bump,
    )]
    pub patient: Account<'info, Patient>,
    /// The registry (counts patients).
    #[account(mut, seeds = [REGISTRY_SEED], bump = registry.bump)]
    pub registry: Account<'info, Registry>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl RegisterPatient<'_> {
    /// Creates the patient; break-glass is allowed by default.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let authority = ctx.accounts.authority.key();
        ctx.accounts.patient.set_inner(Patient {
            authority,
            rent_payer: ctx.accounts.payer.key(),
            consent_grants: 0,
            denied_without_consent: 0,
            allows_break_glass: true,
            bump: ctx.bumps.patient,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            registered_at: now,
            reserved: [0; 32],
        });
        let registry = &mut ctx.accounts.registry;
        registry.patient_count = registry
            .patient_count
            .checked_add(1)
            .ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(PatientRegistered {
            patient: ctx.accounts.patient.key(),
            authority,
            at: now,
        });
        Ok(())
    }
}
