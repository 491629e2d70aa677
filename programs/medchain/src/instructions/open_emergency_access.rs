//! `open_emergency_access`: break-glass. A provider whose issuer allows it opens a window of
//! at most 24 hours during which it may read the patient's data for emergency treatment.
//! The patient is told (event) and reviews it afterwards.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, EMERGENCY_SEED, PATIENT_SEED, PROVIDER_SEED};
use crate::error::MedchainError;
use crate::events::EmergencyAccessOpened;
use crate::pda_account;
use crate::state::{EmergencyAccess, Issuer, Patient, Provider};
use anchor_lang::prelude::*;

/// Accounts of `open_emergency_access`.
#[event_cpi]
#[derive(Accounts)]
pub struct OpenEmergencyAccess<'info> {
    /// The provider's wallet; pays the rent the first time.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The provider.
    #[account(seeds = [PROVIDER_SEED, authority.key().as_ref()], bump = provider.bump, has_one = authority, has_one = issuer)]
    pub provider: Account<'info, Provider>,
    /// The provider's issuer (must allow break-glass).
    pub issuer: Account<'info, Issuer>,
    /// The patient (must allow break-glass).
    #[account(seeds = [PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
    pub patient: Account<'info, Patient>,
    /// The EmergencyAccess PDA of (patient, provider): created if absent, reused otherwise.
    /// CHECK: address checked by seeds; contents checked by `pda_account::load_as`.
    #[account(mut, seeds = [EMERGENCY_SEED, patient.key().as_ref(), provider.key().as_ref()], bump)]
    pub emergency: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl OpenEmergencyAccess<'_> {
    pub fn validate(&self, duration_secs: i64) -> Result<()> {
        require!(self.provider.is_active(), MedchainError::ProviderNotActive);
        require!(self.issuer.allows_break_glass, MedchainError::BreakGlassNotAllowedByIssuer);
        require!(self.patient.allows_break_glass, MedchainError::BreakGlassNotAllowedByPatient);
        EmergencyAccess::validate_window(duration_secs)
    }

    /// Opens a window of `duration_secs` (at most 24 h) with `reason_code`.
    pub fn handle(ctx: Context<Self>, reason_code: u8, duration_secs: i64) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let patient = ctx.accounts.patient.key();
        let provider = ctx.accounts.provider.key();
        let info = ctx.accounts.emergency.as_ref();
        let mut window = if pda_account::is_absent(info) {
            let bump = ctx.bumps.emergency;
            pda_account::create(
                ctx.accounts.authority.as_ref(),
                info,
                ctx.accounts.system_program.as_ref(),
                EmergencyAccess::SIZE,
                &[EMERGENCY_SEED, patient.as_ref(), provider.as_ref(), &[bump]],
            )?;
            EmergencyAccess {
                patient,
                provider,
                rent_payer: ctx.accounts.authority.key(),
                access_count: 0,
                times_opened: 0,
                reason_code,
                reviewed: false,
                bump,
                layout_version: ACCOUNT_LAYOUT_VERSION,
                opened_at: 0,
                expires_at: 0,
                reviewed_at: 0,
                reserved: [0; 16],
            }
        } else {
            let existing: EmergencyAccess =
                pda_account::load_as(info, MedchainError::InvalidEmergencyAccount)?;
            require!(
                existing.patient == patient && existing.provider == provider,
                MedchainError::InvalidEmergencyAccount
            );
            existing
        };
        window.open(reason_code, duration_secs, now)?;
        pda_account::write(info, &window)?;
        emit_cpi!(EmergencyAccessOpened {
            emergency: ctx.accounts.emergency.key(),
            patient,
            provider,
            reason_code,
            opened_at: window.opened_at,
            expires_at: window.expires_at,
        });
        Ok(())
    }
}
