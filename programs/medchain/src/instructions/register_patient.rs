//! `register_patient`: a patient's wallet creates its Patient account; anyone may pay.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, PATIENT_SEED, REGISTRY_SEED};
use crate::error::MedchainError;
use crate::events::PatientRegistered;
use crate::pda_account;
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
    /// The new Patient PDA, created here; refused if it already exists.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [PATIENT_SEED, authority.key().as_ref()], bump)]
    pub patient: UncheckedAccount<'info>,
    /// The registry (counts patients).
    #[account(mut, seeds = [REGISTRY_SEED], bump = registry.bump)]
    pub registry: Account<'info, Registry>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// `register_patient` has no check beyond its account constraints: the patient signs; the PDA must be new.
impl super::ConstraintsOnly for RegisterPatient<'_> {}

impl RegisterPatient<'_> {
    /// Creates the patient; break-glass is allowed by default.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let authority = ctx.accounts.authority.key();
        let bump = ctx.bumps.patient;
        pda_account::create(
            ctx.accounts.payer.as_ref(),
            ctx.accounts.patient.as_ref(),
            ctx.accounts.system_program.as_ref(),
            Patient::SIZE,
            &[PATIENT_SEED, authority.as_ref(), &[bump]],
        )?;
        let patient = Patient {
            authority,
            rent_payer: ctx.accounts.payer.key(),
            consent_grants: 0,
            denied_without_consent: 0,
            allows_break_glass: true,
            bump,
            delegates_added: 0,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            registered_at: now,
            reserved: [0; 30],
        };
        pda_account::write(ctx.accounts.patient.as_ref(), &patient)?;
        let registry = &mut ctx.accounts.registry;
        registry.patient_count =
            registry.patient_count.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        emit_cpi!(PatientRegistered { patient: ctx.accounts.patient.key(), authority, at: now });
        Ok(())
    }
}
