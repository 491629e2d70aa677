//! The terms of a consent or of a request, as passed in instruction data: a [`Scope`] and
//! how long it lasts, with validation.

use super::Scope;
use crate::constants::MAX_REQUEST_DURATION_SECS;
use crate::error::MedchainError;
use anchor_lang::prelude::*;

/// What a patient grants: a scope until `expires_at`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct ConsentTerms {
    /// Categories, purposes and actions.
    pub scope: Scope,
    /// Unix time (seconds) at which the consent stops permitting access.
    pub expires_at: i64,
}

/// What a provider asks for: a scope for a duration that starts when the patient approves.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct RequestTerms {
    /// Categories, purposes and actions.
    pub scope: Scope,
    /// How long access should last once approved, in seconds.
    pub duration_secs: i64,
}

impl ConsentTerms {
    /// Terms granting `scope` until `expires_at`.
    pub const fn new(scope: Scope, expires_at: i64) -> Self {
        Self { scope, expires_at }
    }

    /// Valid terms have a valid scope and expire after `now`.
    pub fn validate(&self, now: i64) -> Result<()> {
        self.scope.validate()?;
        require!(self.expires_at > now, MedchainError::ExpiryInPast);
        Ok(())
    }
}

impl RequestTerms {
    /// Terms asking for `scope` for `duration_secs` once approved.
    pub const fn new(scope: Scope, duration_secs: i64) -> Self {
        Self { scope, duration_secs }
    }

    /// Valid terms have a valid scope and a duration in `1..=10 years`.
    pub fn validate(&self) -> Result<()> {
        self.scope.validate()?;
        require!(
            self.duration_secs > 0 && self.duration_secs <= MAX_REQUEST_DURATION_SECS,
            MedchainError::InvalidDuration
        );
        Ok(())
    }

    /// True when `narrower` asks for nothing beyond these terms: a scope inside this one,
    /// for no longer.
    pub fn contains(&self, narrower: &RequestTerms) -> bool {
        self.scope.contains(&narrower.scope) && narrower.duration_secs <= self.duration_secs
    }

    /// The consent terms these request terms give when approved at `now`.
    pub fn to_consent_terms(&self, now: i64) -> Result<ConsentTerms> {
        let expires_at =
            now.checked_add(self.duration_secs).ok_or(MedchainError::ArithmeticOverflow)?;
        Ok(ConsentTerms { scope: self.scope, expires_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{actions::*, categories::*, purposes::*};

    fn request() -> RequestTerms {
        RequestTerms::new(Scope::new(OBSERVATIONS | IMAGING, TREAT, READ | WRITE), 3600)
    }

    #[test]
    fn request_validation_rejects_bad_scopes_and_durations() {
        assert!(request().validate().is_ok());
        let mut r = request();
        r.scope.categories = 0;
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
        let narrower = RequestTerms::new(Scope::new(IMAGING, TREAT, READ), 60);
        assert!(asked.contains(&narrower));
        let mut wider = asked;
        wider.scope.categories |= MENTAL_HEALTH;
        assert!(!asked.contains(&wider));
        let mut longer = asked;
        longer.duration_secs += 1;
        assert!(!asked.contains(&longer));
    }

    #[test]
    fn consent_terms_must_expire_in_the_future() {
        let terms = request().to_consent_terms(1_000).expect("no overflow");
        assert_eq!(terms.expires_at, 4_600);
        assert!(terms.validate(4_599).is_ok());
        assert!(terms.validate(4_600).is_err());
    }
}
