//! An Issuer: a credentialing body the admin trusts to register providers.

use anchor_lang::prelude::*;

/// Seeds `["issuer", authority]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Issuer {
    /// The wallet that signs for this issuer.
    pub authority: Pubkey,
    /// Who paid the rent; it returns there when the issuer is removed.
    pub rent_payer: Pubkey,
    /// Providers of this issuer whose status is Active.
    pub active_provider_count: u32,
    /// Providers this issuer has ever registered.
    pub provider_count: u32,
    /// Whether providers of this issuer may open break-glass (emergency) access.
    pub allows_break_glass: bool,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time the admin added the issuer.
    pub added_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 32],
}

impl Issuer {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;

    /// An issuer may be removed only once none of its providers is active, so that removing
    /// trust never leaves an active provider without an accountable issuer.
    pub fn can_be_removed(&self) -> bool {
        self.active_provider_count == 0
    }
}
