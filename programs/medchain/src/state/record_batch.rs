//! A RecordBatch: one Merkle root anchoring many record hashes at once.

use crate::error::MedchainError;
use anchor_lang::prelude::*;

/// Seeds `["batch", author Provider PDA, batch id]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct RecordBatch {
    /// The Provider PDA that anchored the batch.
    pub author: Pubkey,
    /// Root of the RFC 6962-style Merkle tree over the batch's content hashes.
    pub merkle_root: [u8; 32],
    /// The author's batch id (part of the seeds).
    pub batch_id: u64,
    /// Number of leaves (record hashes) in the tree; at least 1.
    pub leaf_count: u64,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time of anchoring.
    pub created_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 16],
}

impl RecordBatch {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;

    /// A batch needs a non-zero root and at least one leaf.
    pub fn validate(merkle_root: &[u8; 32], leaf_count: u64) -> Result<()> {
        require!(*merkle_root != [0u8; 32], MedchainError::InvalidMerkleRoot);
        require!(leaf_count >= 1, MedchainError::InvalidLeafCount);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_needs_a_root_and_a_leaf() {
        assert!(RecordBatch::validate(&[1; 32], 1).is_ok());
        assert!(RecordBatch::validate(&[1; 32], 1_000_000).is_ok());
        assert!(RecordBatch::validate(&[0; 32], 1).is_err());
        assert!(RecordBatch::validate(&[1; 32], 0).is_err());
    }
}
