//! `amend_record`: the author anchors a new version that supersedes the current one. The old
//! version becomes Amended and is never overwritten.

use crate::constants::{PATIENT_SEED, RECORD_SEED};
use crate::error::MedchainError;
use crate::events::RecordStatusChanged;
use crate::instructions::anchor_record::{create_record, NewRecord};
use crate::state::{authorize_write, Consent, Patient, Provider, Record, RecordStatus};
use anchor_lang::prelude::*;

/// Accounts of `amend_record`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: AmendRecordArgs)]
pub struct AmendRecord<'info> {
    /// The author's wallet (provider or patient).
    pub author: Signer<'info>,
    /// Pays the rent (a clinic, or the author).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The patient the record is about.
    #[account(seeds = [PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
    pub patient: Account<'info, Patient>,
    /// The authoring provider; omit when the patient wrote the record.
    pub provider: Option<Account<'info, Provider>>,
    /// The provider's consent from the patient; required with `provider`.
    pub consent: Option<Account<'info, Consent>>,
    /// The current version being amended.
    #[account(
        mut,
        seeds = [RECORD_SEED, patient.key().as_ref(), previous.record_id.as_ref()],
        bump = previous.bump,
        has_one = patient,
    )]
    pub previous: Account<'info, Record>,
    /// The new Record PDA.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [RECORD_SEED, patient.key().as_ref(), args.new_record_id.as_ref()], bump)]
    pub record: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// The arguments of `amend_record`: the new version.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct AmendRecordArgs {
    /// The new version's record id.
    pub new_record_id: [u8; 32],
    /// SHA-256 of the new version's canonical content.
    pub content_hash: [u8; 32],
    /// The purpose under which it is written (one bit).
    pub purpose: u16,
}

/// `amend_record` has no check beyond its account constraints: who may write is decided by `authorize_write` in the handler, as it also yields the author.
impl super::ConstraintsOnly for AmendRecord<'_> {}

impl AmendRecord<'_> {
    /// Anchors `content_hash` as the next version of `previous`.
    pub fn handle(ctx: Context<Self>, args: AmendRecordArgs) -> Result<()> {
        let AmendRecordArgs { new_record_id, content_hash, purpose } = args;
        let now = Clock::get()?.unix_timestamp;
        let accounts = &mut *ctx.accounts;
        let patient_key = accounts.patient.key();
        let category = accounts.previous.category;
        let (author, author_kind) = authorize_write(
            &accounts.author.key(),
            &accounts.patient,
            patient_key,
            accounts.provider.as_ref().map(|p| (&**p, p.key())),
            accounts.consent.as_deref(),
            category,
            purpose,
            now,
        )?;
        require!(accounts.previous.is_authored_by(&author), MedchainError::NotRecordAuthor);
        let new_key = accounts.record.key();
        accounts.previous.supersede(new_key, now)?;
        let event = create_record(
            accounts.payer.as_ref(),
            accounts.record.as_ref(),
            accounts.system_program.as_ref(),
            patient_key,
            ctx.bumps.record,
            NewRecord {
                record_id: new_record_id,
                content_hash,
                category,
                author,
                author_kind,
                version: accounts.previous.next_version()?,
                supersedes: accounts.previous.key(),
            },
            now,
        )?;
        emit_cpi!(RecordStatusChanged {
            record: ctx.accounts.previous.key(),
            old_status: RecordStatus::Current as u8,
            new_status: RecordStatus::Amended as u8,
            at: now,
        });
        emit_cpi!(event);
        Ok(())
    }
}
