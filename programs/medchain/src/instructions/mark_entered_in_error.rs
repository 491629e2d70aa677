//! `mark_entered_in_error`: the author withdraws a record version as entered in error.

use crate::constants::RECORD_SEED;
use crate::error::MedchainError;
use crate::events::RecordStatusChanged;
use crate::pda_account;
use crate::state::{AuthorKind, Patient, Provider, Record, RecordStatus};
use anchor_lang::prelude::*;

/// Accounts of `mark_entered_in_error`.
#[event_cpi]
#[derive(Accounts)]
pub struct MarkEnteredInError<'info> {
    /// The author's wallet.
    pub author: Signer<'info>,
    /// The author's account (the Provider or Patient PDA named in the record).
    /// CHECK: must be `record.author`; its authority is checked against the signer.
    #[account(address = record.author @ MedchainError::NotRecordAuthor)]
    pub author_account: UncheckedAccount<'info>,
    /// The record version.
    #[account(mut, seeds = [RECORD_SEED, record.patient.as_ref(), record.record_id.as_ref()], bump = record.bump)]
    pub record: Account<'info, Record>,
}

impl MarkEnteredInError<'_> {
    pub fn validate(&self) -> Result<()> {
        let info = self.author_account.as_ref();
        let authority = match self.record.author_kind {
            AuthorKind::Provider => {
                pda_account::load_as::<Provider>(info, MedchainError::NotRecordAuthor)?.authority
            }
            AuthorKind::Patient => {
                pda_account::load_as::<Patient>(info, MedchainError::NotRecordAuthor)?.authority
            }
        };
        require_keys_eq!(authority, self.author.key(), MedchainError::NotRecordAuthor);
        Ok(())
    }

    /// Marks the version EnteredInError.
    pub fn handle(ctx: Context<Self>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let old_status = ctx.accounts.record.status as u8;
        ctx.accounts.record.mark_entered_in_error(now)?;
        emit_cpi!(RecordStatusChanged {
            record: ctx.accounts.record.key(),
            old_status,
            new_status: RecordStatus::EnteredInError as u8,
            at: now,
        });
        Ok(())
    }
}
