//! The access rule: one pure function that the program's `record_access` and every client
//! (through the SDK) evaluate, so they cannot disagree.

use super::{Consent, EmergencyAccess, Provider};
use crate::vocabulary::{actions, purposes};
use anchor_lang::prelude::*;

/// The outcome of an access evaluation. `Granted` is the only value that allows access.
/// The wire code (`as u8`) is the declaration order: never reorder.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub enum AccessReason {
    /// Allowed by an active, unexpired consent that covers the request.
    Granted,
    /// Denied: the provider is suspended.
    ProviderNotActive,
    /// Denied: no consent exists for this patient and provider.
    NoConsent,
    /// Denied: the consent was revoked.
    ConsentRevoked,
    /// Denied: the consent expired.
    ConsentExpired,
    /// Denied: the category is not covered (sensitive categories must be named).
    CategoryNotCovered,
    /// Denied: the purpose of use is not covered.
    PurposeNotCovered,
    /// Denied: the action is not covered.
    ActionNotCovered,
    /// Allowed by an open break-glass window (emergency treatment, read only).
    EmergencyAccess,
}

impl AccessReason {
    /// True for [`AccessReason::Granted`] and [`AccessReason::EmergencyAccess`].
    pub fn is_allowed(self) -> bool {
        matches!(self, AccessReason::Granted | AccessReason::EmergencyAccess)
    }
}

/// What `record_access` returns as return data.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug)]
pub struct AccessDecision {
    /// Whether access was allowed.
    pub allowed: bool,
    /// Why.
    pub reason: AccessReason,
    /// The consent version evaluated (0 when there was none).
    pub consent_version: u32,
}

/// The whole access rule for one attempt. The provider must be Active, and then either the
/// consent of (patient, provider) exists and permits the category, purpose and action at
/// `now` (see [`Consent::permits`]), or a break-glass window of the pair is open and the
/// attempt is a read for emergency treatment (`ETREAT`). `consent` and `emergency` are
/// `None` when those accounts do not exist.
pub fn evaluate_access(
    provider: &Provider,
    consent: Option<&Consent>,
    emergency: Option<&EmergencyAccess>,
    category: u32,
    purpose: u16,
    action: u8,
    now: i64,
) -> AccessReason {
    if !provider.is_active() {
        return AccessReason::ProviderNotActive;
    }
    let by_consent = match consent {
        None => AccessReason::NoConsent,
        Some(consent) => consent.permits(category, purpose, action, now),
    };
    let emergency_read = purpose == purposes::ETREAT && action == actions::READ;
    match emergency {
        Some(window) if !by_consent.is_allowed() && emergency_read && window.is_open(now) => {
            AccessReason::EmergencyAccess
        }
        _ => by_consent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ConsentTerms, ProviderStatus, Scope};
    use crate::vocabulary::{actions::READ, categories::IMAGING, purposes::TREAT};

    fn provider(status: ProviderStatus) -> Provider {
        Provider::sample(status)
    }

    fn consent() -> Consent {
        let mut c =
            Consent::new(Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), 250);
        let terms = ConsentTerms::new(Scope::new(IMAGING, TREAT, READ), 100);
        c.apply_grant(&terms, 0, 0).expect("grant");
        c
    }

    #[test]
    fn suspension_overrides_any_consent() {
        let c = consent();
        let active = provider(ProviderStatus::Active);
        let suspended = provider(ProviderStatus::Suspended);
        assert_eq!(
            evaluate_access(&active, Some(&c), None, IMAGING, TREAT, READ, 50),
            AccessReason::Granted
        );
        assert_eq!(
            evaluate_access(&suspended, Some(&c), None, IMAGING, TREAT, READ, 50),
            AccessReason::ProviderNotActive
        );
        assert_eq!(
            evaluate_access(&suspended, None, None, IMAGING, TREAT, READ, 50),
            AccessReason::ProviderNotActive
        );
    }

    #[test]
    fn no_consent_is_denied() {
        let active = provider(ProviderStatus::Active);
        assert_eq!(
            evaluate_access(&active, None, None, IMAGING, TREAT, READ, 50),
            AccessReason::NoConsent
        );
        assert!(!AccessReason::NoConsent.is_allowed());
    }
}

#[cfg(test)]
mod emergency_tests {
    use super::*;
    use crate::state::ProviderStatus;
    use crate::vocabulary::{
        actions::{READ, WRITE},
        categories::MENTAL_HEALTH,
        purposes::{ETREAT, TREAT},
    };

    fn provider(status: ProviderStatus) -> Provider {
        Provider::sample(status)
    }

    fn window() -> EmergencyAccess {
        EmergencyAccess {
            patient: Pubkey::new_unique(),
            provider: Pubkey::new_unique(),
            rent_payer: Pubkey::new_unique(),
            access_count: 0,
            times_opened: 1,
            reason_code: 1,
            reviewed: false,
            bump: 255,
            layout_version: 1,
            opened_at: 100,
            expires_at: 200,
            reviewed_at: 0,
            reserved: [0; 16],
        }
    }

    #[test]
    fn an_open_window_allows_emergency_reads_only() {
        let active = provider(ProviderStatus::Active);
        let w = window();
        let eval = |purpose, action, now| {
            evaluate_access(&active, None, Some(&w), MENTAL_HEALTH, purpose, action, now)
        };
        assert_eq!(eval(ETREAT, READ, 150), AccessReason::EmergencyAccess);
        assert_eq!(eval(TREAT, READ, 150), AccessReason::NoConsent);
        assert_eq!(eval(ETREAT, WRITE, 150), AccessReason::NoConsent);
        assert_eq!(eval(ETREAT, READ, 200), AccessReason::NoConsent, "window over");
        let suspended = provider(ProviderStatus::Suspended);
        assert_eq!(
            evaluate_access(&suspended, None, Some(&w), MENTAL_HEALTH, ETREAT, READ, 150),
            AccessReason::ProviderNotActive
        );
    }
}
