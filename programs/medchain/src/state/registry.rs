//! The singleton Registry: the admin, the pause switch and global counters.

use anchor_lang::prelude::*;

/// Seeds `["registry"]`. Created once by `initialize`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Registry {
    /// The admin: trusts and removes issuers, pauses the registry.
    pub admin: Pubkey,
    /// The admin proposed by `propose_admin`, or `Pubkey::default()` when none.
    pub pending_admin: Pubkey,
    /// Number of issuers currently trusted.
    pub issuer_count: u32,
    /// Number of providers ever registered.
    pub provider_count: u32,
    /// Number of patients ever registered.
    pub patient_count: u32,
    /// When paused, no new requests, grants, updates or approvals; revokes always work.
    pub paused: bool,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time of creation.
    pub created_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 32],
}

impl Registry {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;

    /// True when a transfer has been proposed and not yet accepted or withdrawn.
    pub fn has_pending_admin(&self) -> bool {
        self.pending_admin != Pubkey::default()
    }
}
