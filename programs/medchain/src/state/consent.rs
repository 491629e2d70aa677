//! A Consent: what a patient lets one provider do, until when. The access rule lives here.

use super::{AccessReason, ConsentTerms, Scope};
use crate::error::MedchainError;
use anchor_lang::prelude::*;

/// Whether a consent is in force (an Active consent may still have expired by the clock).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum ConsentStatus {
    /// Granted and not revoked (check `expires_at` too).
    Active,
    /// Revoked by the patient; may be re-granted, which bumps the version.
    Revoked,
}

/// Seeds `["consent", patient PDA, provider PDA]`. Fixed 160 bytes including the
/// discriminator. The patient and provider keys come first for `memcmp` filters.
#[account]
#[derive(InitSpace, Debug)]
pub struct Consent {
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The Provider PDA.
    pub provider: Pubkey,
    /// Who paid the rent; it returns there on close.
    pub rent_payer: Pubkey,
    /// What the consent covers.
    pub scope: Scope,
    /// Active or Revoked.
    pub status: ConsentStatus,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Who granted the current version: 0 = the patient, otherwise a delegate's index.
    pub grantor: u16,
    /// Bumped on every grant, re-grant, approval or update; starts at 1.
    pub version: u32,
    /// Cluster time the current version was granted.
    pub granted_at: i64,
    /// Cluster time from which the consent no longer permits access.
    pub expires_at: i64,
    /// Cluster time of the last revocation (0 if never revoked).
    pub revoked_at: i64,
    /// Access attempts granted under this consent.
    pub granted_count: u32,
    /// Access attempts denied under this consent.
    pub denied_count: u32,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 8],
}

// The Consent budget is 160 bytes including the discriminator; the build fails beyond it.
const _: () = assert!(Consent::SIZE <= 160);

impl Consent {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;
    /// Byte offset of `patient`, for `memcmp` filters.
    pub const PATIENT_OFFSET: usize = 8;
    /// Byte offset of `provider`, for `memcmp` filters.
    pub const PROVIDER_OFFSET: usize = 40;

    /// A fresh consent for `patient` and `provider` before its first grant.
    pub fn new(patient: Pubkey, provider: Pubkey, rent_payer: Pubkey, bump: u8) -> Self {
        Self {
            patient,
            provider,
            rent_payer,
            scope: Scope::default(),
            status: ConsentStatus::Revoked,
            bump,
            layout_version: crate::constants::ACCOUNT_LAYOUT_VERSION,
            grantor: 0,
            version: 0,
            granted_at: 0,
            expires_at: 0,
            revoked_at: 0,
            granted_count: 0,
            denied_count: 0,
            reserved: [0; 8],
        }
    }

    /// The current terms.
    pub fn terms(&self) -> ConsentTerms {
        ConsentTerms { scope: self.scope, expires_at: self.expires_at }
    }

    /// True when the consent is Active and `now` is before its expiry.
    pub fn is_in_force(&self, now: i64) -> bool {
        self.status == ConsentStatus::Active && now < self.expires_at
    }

    /// The access rule for one consent: Active, unexpired, and its scope covering the
    /// category, the purpose and the action (each a single bit; see [`Scope::coverage`]).
    pub fn permits(&self, category: u32, purpose: u16, action: u8, now: i64) -> AccessReason {
        if self.status == ConsentStatus::Revoked {
            AccessReason::ConsentRevoked
        } else if now >= self.expires_at {
            AccessReason::ConsentExpired
        } else {
            self.scope.coverage(category, purpose, action)
        }
    }

    /// Grants (or re-grants, or changes) the consent: sets the terms, makes it Active and
    /// bumps the version. The caller has validated `terms`.
    pub fn apply_grant(&mut self, terms: &ConsentTerms, grantor: u16, now: i64) -> Result<()> {
        self.version = self.version.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        self.scope = terms.scope;
        self.expires_at = terms.expires_at;
        self.status = ConsentStatus::Active;
        self.grantor = grantor;
        self.granted_at = now;
        Ok(())
    }

    /// Revokes an Active consent; effective for every later evaluation.
    pub fn revoke(&mut self, now: i64) -> Result<()> {
        require!(self.status == ConsentStatus::Active, MedchainError::ConsentNotActive);
        self.status = ConsentStatus::Revoked;
        self.revoked_at = now;
        Ok(())
    }

    /// A consent may be closed once it no longer permits anything: revoked or expired.
    pub fn can_close(&self, now: i64) -> bool {
        !self.is_in_force(now)
    }

    /// Counts one access attempt. Counters saturate rather than fail, so that a denied
    /// attempt is never rolled back by an overflow.
    pub fn count_attempt(&mut self, reason: AccessReason) {
        if reason.is_allowed() {
            self.granted_count = self.granted_count.saturating_add(1);
        } else {
            self.denied_count = self.denied_count.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{actions::*, categories::*, purposes::*};

    fn active(categories: u32) -> Consent {
        let mut c =
            Consent::new(Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), 254);
        c.apply_grant(&ConsentTerms::new(Scope::new(categories, TREAT, READ), 1_000), 0, 100)
            .expect("grant");
        c
    }

    #[test]
    fn consent_fits_in_160_bytes() {
        assert_eq!(Consent::SIZE, 160);
        let mut data = Vec::new();
        active(IMAGING).try_serialize(&mut data).expect("serialize");
        assert_eq!(data.len(), Consent::SIZE);
    }

    #[test]
    fn an_active_consent_permits_what_it_covers_until_expiry() {
        let c = active(IMAGING | OBSERVATIONS);
        assert_eq!(c.version, 1);
        assert_eq!(c.permits(IMAGING, TREAT, READ, 999), AccessReason::Granted);
        assert_eq!(c.permits(IMAGING, TREAT, READ, 1_000), AccessReason::ConsentExpired);
        assert_eq!(c.permits(MEDICATIONS, TREAT, READ, 500), AccessReason::CategoryNotCovered);
        assert_eq!(c.permits(IMAGING, HRESCH, READ, 500), AccessReason::PurposeNotCovered);
        assert_eq!(c.permits(IMAGING, TREAT, WRITE, 500), AccessReason::ActionNotCovered);
        assert_eq!(c.permits(0, TREAT, READ, 500), AccessReason::CategoryNotCovered);
    }

    #[test]
    fn all_standard_never_implies_a_sensitive_category() {
        let c = active(ALL_STANDARD);
        for sensitive in
            [MENTAL_HEALTH, SUBSTANCE_USE, SEXUAL_REPRODUCTIVE, GENETICS, INFECTIOUS_DISEASE]
        {
            assert_eq!(c.permits(sensitive, TREAT, READ, 500), AccessReason::CategoryNotCovered);
        }
        let named = active(ALL_STANDARD | GENETICS);
        assert_eq!(named.permits(GENETICS, TREAT, READ, 500), AccessReason::Granted);
    }

    #[test]
    fn revoke_then_regrant_bumps_the_version() {
        let mut c = active(IMAGING);
        c.revoke(200).expect("active");
        assert_eq!(c.permits(IMAGING, TREAT, READ, 201), AccessReason::ConsentRevoked);
        assert!(c.revoke(300).is_err());
        assert!(c.can_close(201));
        let terms = ConsentTerms { expires_at: 2_000, ..c.terms() };
        c.apply_grant(&terms, 0, 400).expect("regrant");
        assert_eq!(c.version, 2);
        assert_eq!(c.permits(IMAGING, TREAT, READ, 401), AccessReason::Granted);
        assert!(!c.can_close(401));
        assert!(c.can_close(2_000));
    }

    #[test]
    fn counters_saturate_instead_of_failing() {
        let mut c = active(IMAGING);
        c.denied_count = u32::MAX;
        c.count_attempt(AccessReason::NoConsent);
        assert_eq!(c.denied_count, u32::MAX);
        c.count_attempt(AccessReason::Granted);
        assert_eq!(c.granted_count, 1);
    }
}
