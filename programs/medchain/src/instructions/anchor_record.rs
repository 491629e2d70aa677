//! `anchor_record`: the hash of a new medical record is anchored. The author is a provider
//! holding the write action for the category (through its consent), or the patient.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, PATIENT_SEED, RECORD_SEED};
use crate::error::MedchainError;
use crate::events::RecordAnchored;
use crate::pda_account;
use crate::state::{authorize_write, AuthorKind, Consent, Patient, Provider, Record, RecordStatus};
use crate::vocabulary::{categories, is_single_member};
use anchor_lang::prelude::*;

/// Accounts of `anchor_record`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: AnchorRecordArgs)]
pub struct AnchorRecord<'info> {
    /// The author's wallet (provider or patient).
    pub author: Signer<'info>,
    /// Pays the rent (a clinic, or the author).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The patient the record is about.
    #[account(seeds = [PATIENT_SEED, patient.authority.as_ref()], bump = patient.bump)]
    pub patient: Account<'info, Patient>,
    /// The authoring provider; omit when the patient writes about themselves.
    pub provider: Option<Account<'info, Provider>>,
    /// The provider's consent from the patient; required with `provider`.
    pub consent: Option<Account<'info, Consent>>,
    /// The new Record PDA.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [RECORD_SEED, patient.key().as_ref(), args.record_id.as_ref()], bump)]
    pub record: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// What a new record version holds, before it is written.
pub(crate) struct NewRecord {
    pub record_id: [u8; 32],
    pub content_hash: [u8; 32],
    pub category: u32,
    pub author: Pubkey,
    pub author_kind: AuthorKind,
    pub version: u32,
    pub supersedes: Pubkey,
}

/// Creates the Record PDA `record` (seeds `["record", patient, record_id]`, canonical `bump`)
/// and writes `new` into it. Shared by `anchor_record` and `amend_record`.
pub(crate) fn create_record<'info>(
    payer: &AccountInfo<'info>,
    record: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    patient: Pubkey,
    bump: u8,
    new: NewRecord,
    now: i64,
) -> Result<RecordAnchored> {
    require!(new.content_hash != [0u8; 32], MedchainError::InvalidContentHash);
    require!(
        is_single_member(new.category.into(), categories::VALID.into()),
        MedchainError::InvalidCategory
    );
    pda_account::create(
        payer,
        record,
        system_program,
        Record::SIZE,
        &[RECORD_SEED, patient.as_ref(), new.record_id.as_ref(), &[bump]],
    )?;
    let value = Record {
        patient,
        author: new.author,
        rent_payer: payer.key(),
        content_hash: new.content_hash,
        record_id: new.record_id,
        supersedes: new.supersedes,
        superseded_by: Pubkey::default(),
        category: new.category,
        version: new.version,
        status: RecordStatus::Current,
        author_kind: new.author_kind,
        bump,
        layout_version: ACCOUNT_LAYOUT_VERSION,
        created_at: now,
        status_changed_at: now,
        reserved: [0; 16],
    };
    pda_account::write(record, &value)?;
    Ok(RecordAnchored {
        record: record.key(),
        patient,
        author: new.author,
        content_hash: new.content_hash,
        category: new.category,
        version: new.version,
        supersedes: new.supersedes,
        at: now,
    })
}

/// The arguments of `anchor_record`: version 1 of a record.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct AnchorRecordArgs {
    /// The record id (part of the Record account's address; never a clinical identifier).
    pub record_id: [u8; 32],
    /// SHA-256 of the record's canonical content.
    pub content_hash: [u8; 32],
    /// The record's category (one bit).
    pub category: u32,
    /// The purpose under which it is written (one bit).
    pub purpose: u16,
}

/// `anchor_record` has no check beyond its account constraints: who may write is decided by `authorize_write` in the handler, as it also yields the author.
impl super::ConstraintsOnly for AnchorRecord<'_> {}

impl AnchorRecord<'_> {
    /// Anchors version 1 of a record.
    pub fn handle(ctx: Context<Self>, args: AnchorRecordArgs) -> Result<()> {
        let AnchorRecordArgs { record_id, content_hash, category, purpose } = args;
        let now = Clock::get()?.unix_timestamp;
        let accounts = &ctx.accounts;
        let patient_key = accounts.patient.key();
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
        let event = create_record(
            accounts.payer.as_ref(),
            accounts.record.as_ref(),
            accounts.system_program.as_ref(),
            patient_key,
            ctx.bumps.record,
            NewRecord {
                record_id,
                content_hash,
                category,
                author,
                author_kind,
                version: 1,
                supersedes: Pubkey::default(),
            },
            now,
        )?;
        emit_cpi!(event);
        Ok(())
    }
}
