//! A Patient: the wallet that owns consents. No personal data is stored.

use anchor_lang::prelude::*;

/// Seeds `["patient", authority]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Patient {
    /// The patient's wallet: the only key (besides delegates) that grants or revokes.
    pub authority: Pubkey,
    /// Who paid the rent of this account.
    pub rent_payer: Pubkey,
    /// Consents granted or re-granted over time (each grant, approval or update).
    pub consent_grants: u32,
    /// Access attempts denied because no consent existed for the provider.
    pub denied_without_consent: u32,
    /// Whether break-glass (emergency) access may be opened for this patient.
    pub allows_break_glass: bool,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Delegates added over time; the next delegate gets this value + 1 as its index.
    pub delegates_added: u16,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time of registration.
    pub registered_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 30],
}

impl Patient {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;
}
