//! Access evaluation on the client side, by the very function the program runs in
//! `record_access`, so an app's answer and the chain's answer cannot differ.

use crate::error::SdkError;
use anchor_lang::AccountDeserialize;
use medchain::state::{evaluate_access, AccessReason, Consent, EmergencyAccess, Provider};

pub use medchain::state::AccessDecision;

/// Evaluates whether `provider` may perform `action` on `category` for `purpose` at unix
/// time `now`, given the consent and break-glass window of (patient, provider) if they exist.
///
/// ```
/// use anchor_lang::prelude::Pubkey;
/// use medchain_sdk::access::check_access;
/// use medchain_sdk::state::{AccessReason, Consent, ConsentTerms, Provider, ProviderKind, ProviderStatus, Scope};
/// use medchain_sdk::vocabulary::{actions::READ, categories::{IMAGING, GENETICS}, purposes::TREAT};
///
/// let provider = Provider {
///     authority: Pubkey::new_unique(), issuer: Pubkey::new_unique(), credential_hash: [1; 32],
///     encryption_key: [0; 32], status: ProviderStatus::Active, kind: ProviderKind::Clinic,
///     bump: 255, layout_version: 1, registered_at: 0, status_changed_at: 0, reserved: [0; 16],
/// };
/// let mut consent = Consent::new(Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), 255);
/// let terms = ConsentTerms::new(Scope::new(IMAGING, TREAT, READ), 1_000);
/// consent.apply_grant(&terms, 0, 0).unwrap();
/// assert!(check_access(&provider, Some(&consent), None, IMAGING, TREAT, READ, 10).allowed);
/// let genetics = check_access(&provider, Some(&consent), None, GENETICS, TREAT, READ, 10);
/// assert_eq!(genetics.reason, AccessReason::CategoryNotCovered);
/// assert_eq!(check_access(&provider, Some(&consent), None, IMAGING, TREAT, READ, 1_000).reason, AccessReason::ConsentExpired);
/// ```
pub fn check_access(
    provider: &Provider,
    consent: Option<&Consent>,
    emergency: Option<&EmergencyAccess>,
    category: u32,
    purpose: u16,
    action: u8,
    now: i64,
) -> AccessDecision {
    let reason = evaluate_access(provider, consent, emergency, category, purpose, action, now);
    AccessDecision {
        allowed: reason.is_allowed(),
        reason,
        consent_version: consent.map_or(0, |c| c.version),
    }
}

/// Decodes a medchain account of type `T` from raw account data (discriminator checked).
pub fn decode_account<T: AccountDeserialize>(
    address: &anchor_lang::prelude::Pubkey,
    expected: &'static str,
    data: &[u8],
) -> Result<T, SdkError> {
    T::try_deserialize(&mut &data[..]).map_err(|e| SdkError::InvalidAccount {
        address: address.to_string(),
        expected,
        reason: e.to_string(),
    })
}

/// A human description of an access reason (from [`crate::audit::REASONS`]).
pub fn describe_reason(reason: AccessReason) -> &'static str {
    crate::audit::reason_words(reason)
}
