//! `add_delegate`: a patient names a guardian or proxy who may grant within a scope and/or
//! revoke, until an expiry.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, DELEGATE_SEED, PATIENT_SEED};
use crate::error::MedchainError;
use crate::events::DelegateAdded;
use crate::pda_account;
use crate::state::{delegate_permissions, ConsentTerms, Delegate, Patient};
use crate::vocabulary::is_valid_set;
use anchor_lang::prelude::*;

/// Accounts of `add_delegate`.
#[event_cpi]
#[derive(Accounts)]
pub struct AddDelegate<'info> {
    /// The patient's wallet.
    pub authority: Signer<'info>,
    /// Pays the rent (a clinic, or the patient).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The patient.
    #[account(mut, seeds = [PATIENT_SEED, authority.key().as_ref()], bump = patient.bump, has_one = authority)]
    pub patient: Account<'info, Patient>,
    /// The delegate's wallet.
    /// CHECK: any key may be named; it signs later as the delegate.
    pub delegate_authority: UncheckedAccount<'info>,
    /// The new Delegate PDA.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [DELEGATE_SEED, patient.key().as_ref(), delegate_authority.key().as_ref()], bump)]
    pub delegate: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

impl AddDelegate<'_> {
    pub fn validate(&self, permissions: u8, scope: &ConsentTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require_keys_neq!(
            self.delegate_authority.key(),
            self.authority.key(),
            MedchainError::CannotDelegateToSelf
        );
        require!(
            is_valid_set(permissions.into(), delegate_permissions::VALID.into()),
            MedchainError::InvalidDelegatePermissions
        );
        scope.validate(now)
    }

    /// Adds a delegate with `permissions` over `scope` (its `expires_at` ends the mandate).
    pub fn handle(ctx: Context<Self>, permissions: u8, scope: ConsentTerms) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let patient = &mut ctx.accounts.patient;
        patient.delegates_added =
            patient.delegates_added.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        let index = patient.delegates_added;
        let patient_key = patient.key();
        let authority = ctx.accounts.delegate_authority.key();
        let bump = ctx.bumps.delegate;
        pda_account::create(
            ctx.accounts.payer.as_ref(),
            ctx.accounts.delegate.as_ref(),
            ctx.accounts.system_program.as_ref(),
            Delegate::SIZE,
            &[DELEGATE_SEED, patient_key.as_ref(), authority.as_ref(), &[bump]],
        )?;
        let delegate = Delegate {
            patient: patient_key,
            authority,
            rent_payer: ctx.accounts.payer.key(),
            scope: scope.scope,
            permissions,
            index,
            bump,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            expires_at: scope.expires_at,
            created_at: now,
            reserved: [0; 16],
        };
        pda_account::write(ctx.accounts.delegate.as_ref(), &delegate)?;
        emit_cpi!(DelegateAdded {
            delegate: ctx.accounts.delegate.key(),
            patient: patient_key,
            authority,
            index,
            permissions,
            mandate: scope,
            at: now,
        });
        Ok(())
    }
}
