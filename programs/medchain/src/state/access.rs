//! The access rule: one pure function that the program's `record_access` and every client
//! (through the SDK) evaluate, so they cannot disagree.

use super::{Consent, Provider};
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
}

impl AccessReason {
    /// True only for [`AccessReason::Granted`].
    pub fn is_allowed(self) -> bool {
        self == AccessReason::Granted
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

/// The whole access rule for one attempt: the provider must be Active and the consent of
/// (patient, provider) must exist and permit the category, purpose and action at `now`
/// (see [`Consent::permits`]). `consent` is `None` when no Consent account exists.
pub fn evaluate_access(
    provider: &Provider,
    consent: Option<&Consent>,
    category: u32,
    purpose: u16,
    action: u8,
    now: i64,
) -> AccessReason {
    if !provider.is_active() {
        return AccessReason::ProviderNotActive;
    }
    match consent {
        None => AccessReason::NoConsent,
        Some(consent) => consent.permits(category, purpose, action, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ConsentTerms, ProviderKind, ProviderStatus};
    use crate::vocabulary::{actions::READ, categories::IMAGING, purposes::TREAT};

    fn provider(status: ProviderStatus) -> Provider {
        Provider {
            authority: Pubkey::new_unique(),
            issuer: Pubkey::new_unique(),
            credential_hash: [1; 32],
            encryption_key: [0; 32],
            status,
            kind: ProviderKind::Clinic,
            bump: 255,
            layout_version: 1,
            registered_at: 0,
            status_changed_at: 0,
            reserved: [0; 16],
        }
    }

    fn consent() -> Consent {
        let mut c = Consent::new(
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            250,
        );
        let terms = ConsentTerms {
            categories: IMAGING,
            purposes: TREAT,
            actions: READ,
            expires_at: 100,
        };
        c.apply_grant(&terms, 0, 0).expect("grant");
        c
    }

    #[test]
    fn suspension_overrides_any_consent() {
        let c = consent();
        let active = provider(ProviderStatus::Active);
        let suspended = provider(ProviderStatus::Suspended);
        assert_eq!(
            evaluate_access(&active, Some(&c), IMAGING, TREAT, READ, 50),
            AccessReason::Granted
        );
        assert_eq!(
            evaluate_access(&suspended, Some(&c), IMAGING, TREAT, READ, 50),
            AccessReason::ProviderNotActive
        );
        assert_eq!(
            evaluate_access(&suspended, None, IMAGING, TREAT, READ, 50),
            AccessReason::ProviderNotActive
        );
    }

    #[test]
    fn no_consent_is_denied() {
        let active = provider(ProviderStatus::Active);
        assert_eq!(
            evaluate_access(&active, None, IMAGING, TREAT, READ, 50),
            AccessReason::NoConsent
        );
        assert!(!AccessReason::NoConsent.is_allowed());
    }
}
