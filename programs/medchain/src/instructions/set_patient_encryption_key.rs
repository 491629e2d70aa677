//! `set_patient_encryption_key`: a patient publishes (or replaces) the X25519 public key
//! sealed records are encrypted to, for a wallet that cannot export its secret.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, PATIENT_KEY_SEED, PATIENT_SEED};
use crate::error::MedchainError;
use crate::events::PatientEncryptionKeySet;
use crate::pda_account;
use crate::state::{Patient, PatientKey};
use anchor_lang::prelude::*;

/// Accounts of `set_patient_encryption_key`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetPatientEncryptionKey<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// Pays the rent when the key account is created (a clinic, or the patient).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The patient.
    #[account(seeds = [PATIENT_SEED, authority.key().as_ref()], bump = patient.bump, has_one = authority)]
    pub patient: Account<'info, Patient>,
    /// The PatientKey PDA: created on the first publication, replaced in place afterwards
    /// (not `init_if_needed`: an existing account is loaded with owner, discriminator and
    /// patient checks, so its history is kept).
    /// CHECK: address checked by seeds; contents checked by `pda_account::load_as`.
    #[account(mut, seeds = [PATIENT_KEY_SEED, patient.key().as_ref()], bump)]
    pub patient_key: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl SetPatientEncryptionKey<'_> {
    /// A key of all zeros is no key.
    pub fn validate(&self, encryption_key: &[u8; 32]) -> Result<()> {
        require!(*encryption_key != [0u8; 32], MedchainError::InvalidEncryptionKey);
        Ok(())
    }

    /// Creates the PatientKey with `encryption_key`, or replaces the key it holds.
    pub fn handle(ctx: Context<Self>, encryption_key: [u8; 32]) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let patient = ctx.accounts.patient.key();
        let info = ctx.accounts.patient_key.as_ref();
        let (record, old_key) = if pda_account::is_absent(info) {
            let bump = ctx.bumps.patient_key;
            pda_account::create(
                ctx.accounts.payer.as_ref(),
                info,
                ctx.accounts.system_program.as_ref(),
                PatientKey::SIZE,
                &[PATIENT_KEY_SEED, patient.as_ref(), &[bump]],
            )?;
            let record = PatientKey {
                patient,
                encryption_key,
                rent_payer: ctx.accounts.payer.key(),
                version: 1,
                bump,
                layout_version: ACCOUNT_LAYOUT_VERSION,
                updated_at: now,
                reserved: [0; 16],
            };
            (record, [0u8; 32])
        } else {
            let mut record: PatientKey =
                pda_account::load_as(info, MedchainError::InvalidPatientKeyAccount)?;
            require_keys_eq!(record.patient, patient, MedchainError::InvalidPatientKeyAccount);
            let old_key = record.encryption_key;
            record.encryption_key = encryption_key;
            record.version =
                record.version.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
            record.updated_at = now;
            (record, old_key)
        };
        pda_account::write(info, &record)?;
        emit_cpi!(PatientEncryptionKeySet {
            patient,
            patient_key: info.key(),
            old_key,
            new_key: encryption_key,
            at: now,
        });
        Ok(())
    }
}
