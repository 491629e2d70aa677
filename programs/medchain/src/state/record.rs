//! A Record: the content hash of one version of a medical record held off-chain.

use super::{Consent, Patient, Provider};
use crate::error::MedchainError;
use crate::vocabulary::actions;
use anchor_lang::prelude::*;

/// Where a record version stands. Versions are never overwritten.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum RecordStatus {
    /// The current version.
    Current,
    /// Superseded by a later version (see `superseded_by`).
    Amended,
    /// Withdrawn by its author as entered in error (FHIR `entered-in-error`).
    EnteredInError,
}

/// Who wrote a record.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum AuthorKind {
    /// A provider holding the write action for the category.
    Provider,
    /// The patient, about themselves.
    Patient,
}

/// Seeds `["record", patient PDA, record id]`. The patient and author keys come first for
/// `memcmp` filters.
#[account]
#[derive(InitSpace, Debug)]
pub struct Record {
    /// The Patient PDA the record is about.
    pub patient: Pubkey,
    /// The author: a Provider PDA, or the Patient PDA for patient-written records.
    pub author: Pubkey,
    /// Who paid the rent.
    pub rent_payer: Pubkey,
    /// SHA-256 of the canonical (RFC 8785) JSON of the FHIR resource, or of the raw bytes.
    pub content_hash: [u8; 32],
    /// The caller's 32-byte identifier of this version (part of the seeds).
    pub record_id: [u8; 32],
    /// The Record PDA this version supersedes (default key for a first version).
    pub supersedes: Pubkey,
    /// The Record PDA that superseded this one (default key while current).
    pub superseded_by: Pubkey,
    /// The data category (one bit).
    pub category: u32,
    /// 1 for a first version, previous + 1 for an amendment.
    pub version: u32,
    /// Current, Amended or EnteredInError.
    pub status: RecordStatus,
    /// Provider or Patient.
    pub author_kind: AuthorKind,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time of anchoring.
    pub created_at: i64,
    /// Cluster time of the last status change (creation time before).
    pub status_changed_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 16],
}

/// The write rule: a provider may write a record in `category` for `purpose` when it is
/// Active and its consent from the patient permits the write action there; a patient may
/// always write about themselves. Returns the author key (Provider or Patient PDA) and kind.
#[allow(clippy::too_many_arguments)]
pub fn authorize_write(
    signer: &Pubkey,
    patient: &Patient,
    patient_key: Pubkey,
    provider: Option<(&Provider, Pubkey)>,
    consent: Option<&Consent>,
    category: u32,
    purpose: u16,
    now: i64,
) -> Result<(Pubkey, AuthorKind)> {
    match provider {
        None => {
            require_keys_eq!(*signer, patient.authority, MedchainError::WriteNotPermitted);
            Ok((patient_key, AuthorKind::Patient))
        }
        Some((provider, provider_key)) => {
            require_keys_eq!(*signer, provider.authority, MedchainError::WriteNotPermitted);
            let consent = consent.ok_or(MedchainError::WriteNotPermitted)?;
            require!(
                consent.patient == patient_key && consent.provider == provider_key,
                MedchainError::ConsentAccountMismatch
            );
            require!(
                provider.is_active()
                    && consent.permits(category, purpose, actions::WRITE, now).is_allowed(),
                MedchainError::WriteNotPermitted
            );
            Ok((provider_key, AuthorKind::Provider))
        }
    }
}

impl Record {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;
    /// Byte offset of `patient`, for `memcmp` filters.
    pub const PATIENT_OFFSET: usize = 8;
    /// Byte offset of `author`, for `memcmp` filters.
    pub const AUTHOR_OFFSET: usize = 40;

    /// True when `author` (a Provider or Patient PDA) wrote this record.
    pub fn is_authored_by(&self, author: &Pubkey) -> bool {
        self.author == *author
    }

    /// Marks this version as superseded by `next`; only a current version can be amended.
    pub fn supersede(&mut self, next: Pubkey, now: i64) -> Result<()> {
        require!(self.status == RecordStatus::Current, MedchainError::RecordNotCurrent);
        self.status = RecordStatus::Amended;
        self.superseded_by = next;
        self.status_changed_at = now;
        Ok(())
    }

    /// Withdraws a version as entered in error; a version can be withdrawn once.
    pub fn mark_entered_in_error(&mut self, now: i64) -> Result<()> {
        require!(
            self.status != RecordStatus::EnteredInError,
            MedchainError::RecordAlreadyEnteredInError
        );
        self.status = RecordStatus::EnteredInError;
        self.status_changed_at = now;
        Ok(())
    }

    /// The version number of an amendment of this record.
    pub fn next_version(&self) -> Result<u32> {
        self.version.checked_add(1).ok_or_else(|| error!(MedchainError::ArithmeticOverflow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            patient: Pubkey::new_unique(),
            author: Pubkey::new_unique(),
            rent_payer: Pubkey::new_unique(),
            content_hash: [3; 32],
            record_id: [4; 32],
            supersedes: Pubkey::default(),
            superseded_by: Pubkey::default(),
            category: 1,
            version: 1,
            status: RecordStatus::Current,
            author_kind: AuthorKind::Provider,
            bump: 255,
            layout_version: 1,
            created_at: 0,
            status_changed_at: 0,
            reserved: [0; 16],
        }
    }

    #[test]
    fn only_a_current_version_is_superseded() {
        let mut r = record();
        let next = Pubkey::new_unique();
        r.supersede(next, 5).expect("current");
        assert_eq!(r.status, RecordStatus::Amended);
        assert_eq!(r.superseded_by, next);
        assert!(r.supersede(Pubkey::new_unique(), 6).is_err());
        assert_eq!(r.next_version().expect("no overflow"), 2);
    }

    #[test]
    fn entered_in_error_is_final() {
        let mut r = record();
        r.mark_entered_in_error(5).expect("first");
        assert!(r.mark_entered_in_error(6).is_err());
        assert!(r.supersede(Pubkey::new_unique(), 7).is_err());
    }
}
