//! The terms of a consent or of a request, as passed in instruction data, with validation.

use crate::constants::MAX_REQUEST_DURATION_SECS;
use crate::error::MedchainError;
use crate::vocabulary::{actions, categories, is_subset, is_valid_set, purposes};
use anchor_lang::prelude::*;

/// What a patient grants: categories, purposes and actions until `expires_at`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct ConsentTerms {
    /// Category bitmask (see `vocabulary::categories`); sensitive ones only when named.
    pub categories: u32,
    /// Purpose-of-use bitmask (see `vocabulary::purposes`).
    pub purposes: u16,
    /// Action bitmask (see `vocabulary::actions`).
    pub actions: u8,
    /// Unix time (seconds) at which the consent stops permitting access.
    pub expires_at: i64,
}

/// What a provider asks for: categories, purposes and actions for a duration that starts
/// when the patient approves.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct RequestTerms {
    /// Category bitmask.
    pub categories: u32,
    /// Purpose-of-use bitmask.
    pub purposes: u16,
    /// Action bitmask.
    pub actions: u8,
    /// How long access should last once approved, in seconds.
    pub duration_secs: i64,
}

/// Checks that each set is non-empty and names only known members.
fn validate_sets(categories_set: u32, purposes_set: u16, actions_set: u8) -> Result<()> {
    require!(
        is_valid_set(categories_set.into(), categories::VALID.into()),
        MedchainError::InvalidCategories
    );
    require!(
        is_valid_set(purposes_set.into(), purposes::VALID.into()),
        MedchainError::InvalidPurposes
    );
    require!(
        is_valid_set(actions_set.into(), actions::VALID.into()),
        MedchainError::InvalidActions
    );
    Ok(())
}

impl ConsentTerms {
    /// Valid terms name known, non-empty sets and expire after `now`.
    pub fn validate(&self, now: i64) -> Result<()> {
        validate_sets(self.categories, self.purposes, self.actions)?;
        require!(self.expires_at > now, MedchainError::ExpiryInPast);
        Ok(())
    }
}

impl RequestTerms {
    /// Terms for `categories`, `purposes` and `actions` lasting `duration_secs` once approved.
    pub fn new(categories: u32, purposes: u16, actions: u8, duration_secs: i64) -> Self {
        Self { categories, purposes, actions, duration_secs }
    }

    /// Valid terms name known, non-empty sets and a duration in `1..=10 years`.
    pub fn validate(&self) -> Result<()> {
        validate_sets(self.categories, self.purposes, self.actions)?;
        require!(
            self.duration_secs > 0 && self.duration_secs <= MAX_REQUEST_DURATION_SECS,
            MedchainError::InvalidDuration
        );
        Ok(())
    }

    /// True when `narrower` asks for nothing beyond these terms.
    pub fn contains(&self, narrower: &RequestTerms) -> bool {
        is_subset(narrower.categories.into(), self.categories.into())
            && is_subset(narrower.purposes.into(), self.purposes.into())
            && is_subset(narrower.actions.into(), self.actions.into())
            && narrower.duration_secs <= self.duration_secs
    }

    /// The consent terms these request terms give when approved at `now`.
    pub fn to_consent_terms(&self, now: i64) -> Result<ConsentTerms> {
        Ok(ConsentTerms {
            categories: self.categories,
            purposes: self.purposes,
            actions: self.actions,
            expires_at: now
                .checked_add(self.duration_secs)
                .ok_or(MedchainError::ArithmeticOverflow)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{actions::*, categories::*, purposes::*};

    fn request() -> RequestTerms {
        RequestTerms {
            categories: OBSERVATIONS | IMAGING,
            purposes: TREAT,
            actions: READ | WRITE,
            duration_secs: 3600,
        }
    }

    #[test]
    fn request_validation_rejects_empty_unknown_and_bad_durations() {
        assert!(request().validate().is_ok());
        let mut r = request();
        r.categories = 0;
        assert!(r.validate().is_err());
        let mut r = request();
        r.categories = 1 << 20;
        assert!(r.validate().is_err());
        let mut r = request();
        r.purposes = 1 << 15;
        assert!(r.validate().is_err());
        let mut r = request();
        r.actions = 1 << 5;
        assert!(r.validate().is_err());
        let mut r = request();
        r.duration_secs = 0;
        assert!(r.validate().is_err());
        r.duration_secs = MAX_REQUEST_DURATION_SECS + 1;
        assert!(r.validate().is_err());
    }

    #[test]
    fn narrowing_is_contained_widening_is_not() {
        let asked = request();
        let mut narrower = asked;
        narrower.categories = IMAGING;
        narrower.actions = READ;
        narrower.duration_secs = 60;
        assert!(asked.contains(&narrower));
        let mut wider = asked;
        wider.categories |= MENTAL_HEALTH;
        assert!(!asked.contains(&wider));
        let mut longer = asked;
        longer.duration_secs += 1;
        assert!(!asked.contains(&longer));
        let mut more_purposes = asked;
        more_purposes.purposes |= HRESCH;
        assert!(!asked.contains(&more_purposes));
    }

    #[test]
    fn consent_terms_must_expire_in_the_future() {
        let terms = request().to_consent_terms(1_000).expect("no overflow");
        assert_eq!(terms.expires_at, 4_600);
        assert!(terms.validate(4_599).is_ok());
        assert!(terms.validate(4_600).is_err());
    }
}
