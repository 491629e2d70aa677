//! An AccessRequest: a provider asks a patient for access; the patient answers.

use super::{RequestTerms, Scope};
use crate::error::MedchainError;
use anchor_lang::prelude::*;

/// Where a request stands.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum RequestStatus {
    /// Waiting for the patient.
    Pending,
    /// The patient approved (possibly narrowed); a Consent now reflects it.
    Approved,
    /// The patient denied it.
    Denied,
    /// The provider withdrew it.
    Cancelled,
}

/// Seeds `["request", patient PDA, provider PDA, nonce]`. The patient and provider keys come
/// first so that clients can filter requests with `memcmp` at fixed offsets.
#[account]
#[derive(InitSpace, Debug)]
pub struct AccessRequest {
    /// The Patient PDA asked.
    pub patient: Pubkey,
    /// The Provider PDA asking.
    pub provider: Pubkey,
    /// Who paid the rent; it returns there on close.
    pub rent_payer: Pubkey,
    /// The provider's nonce, part of the seeds.
    pub nonce: u64,
    /// What was requested.
    pub scope: Scope,
    /// Pending, Approved, Denied or Cancelled.
    pub status: RequestStatus,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Requested duration of access once approved, in seconds.
    pub duration_secs: i64,
    /// Cluster time of the request.
    pub created_at: i64,
    /// Cluster time of the answer or cancellation (0 while pending).
    pub resolved_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 16],
}

impl AccessRequest {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;
    /// Byte offset of `status` in the account data, for `memcmp` filters.
    pub const STATUS_OFFSET: usize = 8 + 32 * 3 + 8 + Scope::INIT_SPACE;

    /// The terms that were requested.
    pub fn terms(&self) -> RequestTerms {
        RequestTerms { scope: self.scope, duration_secs: self.duration_secs }
    }

    /// Moves a pending request to `new_status`, failing when it is no longer pending.
    pub fn resolve(&mut self, new_status: RequestStatus, now: i64) -> Result<()> {
        require!(self.status == RequestStatus::Pending, MedchainError::RequestNotPending);
        self.status = new_status;
        self.resolved_at = now;
        Ok(())
    }

    /// A request may be closed once it is no longer pending.
    pub fn is_finished(&self) -> bool {
        self.status != RequestStatus::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> AccessRequest {
        AccessRequest {
            patient: Pubkey::new_unique(),
            provider: Pubkey::new_unique(),
            rent_payer: Pubkey::new_unique(),
            nonce: 7,
            scope: Scope::new(1, 1, 1),
            status: RequestStatus::Pending,
            bump: 255,
            layout_version: 1,
            duration_secs: 60,
            created_at: 10,
            resolved_at: 0,
            reserved: [0; 16],
        }
    }

    #[test]
    fn a_request_resolves_once() {
        let mut r = pending();
        assert!(!r.is_finished());
        r.resolve(RequestStatus::Denied, 20).expect("pending");
        assert!(r.is_finished());
        assert_eq!(r.resolved_at, 20);
        assert!(r.resolve(RequestStatus::Approved, 30).is_err());
        assert_eq!(r.status, RequestStatus::Denied);
    }

    #[test]
    fn status_offset_points_at_the_status_byte() {
        let mut r = pending();
        r.status = RequestStatus::Cancelled;
        let mut data = Vec::new();
        r.try_serialize(&mut data).expect("serialize");
        assert_eq!(data[AccessRequest::STATUS_OFFSET], RequestStatus::Cancelled as u8);
        assert_eq!(data.len(), AccessRequest::SIZE);
    }
}
