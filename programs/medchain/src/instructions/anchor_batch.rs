//! `anchor_batch`: an active provider anchors the Merkle root of many record hashes in one
//! transaction, whatever the number of leaves.

use crate::constants::{ACCOUNT_LAYOUT_VERSION, BATCH_SEED, PROVIDER_SEED};
use crate::error::MedchainError;
use crate::events::BatchAnchored;
use crate::pda_account;
use crate::state::{Provider, RecordBatch};
use anchor_lang::prelude::*;

/// Accounts of `anchor_batch`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: AnchorBatchArgs)]
pub struct AnchorBatch<'info> {
    /// The provider's wallet; pays the rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The authoring provider.
    #[account(seeds = [PROVIDER_SEED, authority.key().as_ref()], bump = provider.bump, has_one = authority)]
    pub provider: Account<'info, Provider>,
    /// The new RecordBatch PDA.
    /// CHECK: address checked by seeds; created by `pda_account::create`.
    #[account(mut, seeds = [BATCH_SEED, provider.key().as_ref(), &args.batch_id.to_le_bytes()], bump)]
    pub batch: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// The arguments of `anchor_batch`: a Merkle root over a batch of content hashes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct AnchorBatchArgs {
    /// The batch id, unique per provider (part of the RecordBatch account's address).
    pub batch_id: u64,
    /// The Merkle root.
    pub merkle_root: [u8; 32],
    /// How many leaves the tree has.
    pub leaf_count: u64,
}

impl AnchorBatch<'_> {
    /// An active provider, a non-zero root and a leaf count in range.
    pub fn validate(&self, args: &AnchorBatchArgs) -> Result<()> {
        require!(self.provider.is_active(), MedchainError::ProviderNotActive);
        RecordBatch::validate(&args.merkle_root, args.leaf_count)
    }

    /// Anchors `merkle_root` over `leaf_count` record hashes as batch `batch_id`.
    pub fn handle(ctx: Context<Self>, args: AnchorBatchArgs) -> Result<()> {
        let AnchorBatchArgs { batch_id, merkle_root, leaf_count } = args;
        let now = Clock::get()?.unix_timestamp;
        let author = ctx.accounts.provider.key();
        let bump = ctx.bumps.batch;
        pda_account::create(
            ctx.accounts.authority.as_ref(),
            ctx.accounts.batch.as_ref(),
            ctx.accounts.system_program.as_ref(),
            RecordBatch::SIZE,
            &[BATCH_SEED, author.as_ref(), &batch_id.to_le_bytes(), &[bump]],
        )?;
        let batch = RecordBatch {
            author,
            merkle_root,
            batch_id,
            leaf_count,
            bump,
            layout_version: ACCOUNT_LAYOUT_VERSION,
            created_at: now,
            reserved: [0; 16],
        };
        pda_account::write(ctx.accounts.batch.as_ref(), &batch)?;
        emit_cpi!(BatchAnchored {
            batch: ctx.accounts.batch.key(),
            author,
            batch_id,
            merkle_root,
            leaf_count,
            at: now,
        });
        Ok(())
    }
}
