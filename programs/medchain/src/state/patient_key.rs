//! A PatientKey: the X25519 public key a patient publishes for sealed records, for wallets
//! whose secret never leaves the device (hardware wallets, secure enclaves) and so cannot
//! derive one.

use anchor_lang::prelude::*;

/// Seeds `["patient_key", patient PDA]`. Its own account (not a new Patient layout), so that
/// no existing Patient account changes size or layout and a patient without a key pays no
/// rent for one.
#[account]
#[derive(InitSpace, Debug)]
pub struct PatientKey {
    /// The Patient PDA whose key this is.
    pub patient: Pubkey,
    /// The patient's X25519 public key; sealing encrypts to it instead of the key derived
    /// from the wallet. Never all zeros.
    pub encryption_key: [u8; 32],
    /// Who paid the rent of this account.
    pub rent_payer: Pubkey,
    /// How many times the key was published (1 on creation, then each replacement).
    pub version: u32,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time of the last publication.
    pub updated_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 16],
}

impl PatientKey {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;
}
