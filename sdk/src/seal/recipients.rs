//! Who an envelope is sealed for, decided from the chain by the program's own access rule.
//!
//! The recipients of a record in category `c` are the patient and every provider for which
//! [`check_access`](crate::access::check_access) — the function the program runs in
//! `record_access` — allows the *read* action on `c` for the sealing purpose (treatment by
//! default) at the cluster's current time, and which has published an encryption key.
//! Break-glass windows are deliberately not considered: they are short, audited emergency
//! reads, not a standing permission to receive sealed copies.
//!
//! Every other provider holding a consent from the patient is reported with the reason it
//! was left out ([`Exclusion`]), so that nobody is dropped silently.

use super::envelope::Recipient;
use super::keys::EncryptionPublicKey;
use super::SealError;
use crate::access::{check_access, describe_reason};
use crate::audit::reason_name;
use anchor_lang::prelude::Pubkey;
use medchain::state::{AccessReason, Consent, Provider};
use medchain::vocabulary::actions;

/// Why a provider holding a consent is not a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// The access rule denies reading the category for the purpose now (consent revoked,
    /// expired, not covering the category/purpose/read action, or the provider suspended).
    Denied(AccessReason),
    /// The provider would be permitted but has published no encryption key
    /// (`medchain provider encryption-key publish`).
    NoEncryptionKey,
    /// The consent names a Provider account that does not exist.
    ProviderMissing,
}

impl Exclusion {
    /// A short machine name (`consent_revoked`, `provider_not_active`, `no_encryption_key`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Exclusion::Denied(reason) => reason_name(*reason),
            Exclusion::NoEncryptionKey => "no_encryption_key",
            Exclusion::ProviderMissing => "provider_missing",
        }
    }

    /// A sentence for people.
    pub fn describe(&self) -> &'static str {
        match self {
            Exclusion::Denied(reason) => describe_reason(*reason),
            Exclusion::NoEncryptionKey => {
                "permitted, but has published no encryption key (provider encryption-key publish)"
            }
            Exclusion::ProviderMissing => {
                "the consent names a provider account that does not exist"
            }
        }
    }
}

/// A provider holding a consent from the patient that is not a recipient, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExcludedProvider {
    /// The provider's wallet, when its account exists.
    pub wallet: Option<Pubkey>,
    /// The Provider account (PDA) the consent names.
    pub provider_account: Pubkey,
    /// Why it was left out.
    pub reason: Exclusion,
}

/// The recipients of a sealed record and the providers left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientPlan {
    /// The patient first, then the permitted providers ordered by wallet.
    pub recipients: Vec<Recipient>,
    /// Providers holding a consent that are not recipients, with the reason.
    pub excluded: Vec<ExcludedProvider>,
    /// The cluster time the rule was evaluated at.
    pub evaluated_at: i64,
}

impl RecipientPlan {
    /// The provider recipients.
    pub fn providers(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients.iter().filter(|r| r.role == super::RecipientRole::Provider)
    }
}

/// Decides the recipients of a record about `patient` in `category`, read for `purpose`, at
/// cluster time `now`, from the patient's consents and the Provider accounts they name
/// (`None` when a Provider account does not exist). The patient is sealed to
/// `patient_key`, the key they published on-chain, when there is one; otherwise to the key
/// derived from their wallet.
///
/// # Errors
///
/// As [`Recipient::patient`] when there is no published key and the patient's wallet has no
/// encryption key (not an ed25519 point).
pub fn plan_recipients(
    patient: &Pubkey,
    patient_key: Option<EncryptionPublicKey>,
    category: u32,
    purpose: u16,
    now: i64,
    consents: &[(Consent, Option<Provider>)],
) -> Result<RecipientPlan, SealError> {
    let mut providers = Vec::new();
    let mut excluded = Vec::new();
    for (consent, provider) in consents {
        let Some(provider) = provider else {
            excluded.push(ExcludedProvider {
                wallet: None,
                provider_account: consent.provider,
                reason: Exclusion::ProviderMissing,
            });
            continue;
        };
        let decision =
            check_access(provider, Some(consent), None, category, purpose, actions::READ, now);
        let reason = if !decision.allowed {
            Some(Exclusion::Denied(decision.reason))
        } else if !provider.has_encryption_key() {
            Some(Exclusion::NoEncryptionKey)
        } else {
            None
        };
        match reason {
            Some(reason) => excluded.push(ExcludedProvider {
                wallet: Some(provider.authority),
                provider_account: consent.provider,
                reason,
            }),
            None => providers.push(Recipient::provider(
                &provider.authority,
                EncryptionPublicKey(provider.encryption_key),
            )),
        }
    }
    providers.sort_by_key(|r| r.wallet.to_bytes());
    excluded.sort_by_key(|e| e.provider_account.to_bytes());
    let patient = match patient_key {
        Some(key) => Recipient::patient_with_key(patient, key),
        None => Recipient::patient(patient)?,
    };
    let mut recipients = vec![patient];
    recipients.extend(providers);
    Ok(RecipientPlan { recipients, excluded, evaluated_at: now })
}

#[cfg(test)]
mod tests {
    use super::*;
    use medchain::state::{ConsentTerms, ProviderKind, ProviderStatus, Scope};
    use medchain::vocabulary::{categories, purposes};
    use solana_sdk::signature::{Keypair, Signer};

    fn provider(status: ProviderStatus, key: [u8; 32]) -> Provider {
        Provider {
            authority: Pubkey::new_unique(),
            issuer: Pubkey::new_unique(),
            credential_hash: [1; 32],
            encryption_key: key,
            status,
            kind: ProviderKind::Clinic,
            bump: 255,
            layout_version: 1,
            registered_at: 0,
            status_changed_at: 0,
            reserved: [0; 16],
        }
    }

    fn consent(categories: u32, expires_at: i64) -> Consent {
        let mut c =
            Consent::new(Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), 255);
        let terms =
            ConsentTerms::new(Scope::new(categories, purposes::TREAT, actions::READ), expires_at);
        c.apply_grant(&terms, 0, 0).unwrap();
        c
    }

    #[test]
    fn exactly_the_permitted_providers_with_keys_are_recipients() {
        let patient = Keypair::new().pubkey();
        let key = crate::seal::EncryptionSecretKey::generate().unwrap().public_key().0;
        let ok = provider(ProviderStatus::Active, key);
        let ok_wallet = ok.authority;
        let suspended = provider(ProviderStatus::Suspended, key);
        let keyless = provider(ProviderStatus::Active, [0; 32]);
        let other_category = provider(ProviderStatus::Active, key);
        let expired = provider(ProviderStatus::Active, key);
        let mut revoked_consent = consent(categories::OBSERVATIONS, 1_000);
        revoked_consent.revoke(5).unwrap();
        let revoked = provider(ProviderStatus::Active, key);
        let consents = vec![
            (consent(categories::OBSERVATIONS, 1_000), Some(ok)),
            (consent(categories::OBSERVATIONS, 1_000), Some(suspended)),
            (consent(categories::OBSERVATIONS, 1_000), Some(keyless)),
            (consent(categories::IMAGING, 1_000), Some(other_category)),
            (consent(categories::OBSERVATIONS, 10), Some(expired)),
            (revoked_consent, Some(revoked)),
            (consent(categories::OBSERVATIONS, 1_000), None),
        ];
        let plan = plan_recipients(
            &patient,
            None,
            categories::OBSERVATIONS,
            purposes::TREAT,
            100,
            &consents,
        )
        .unwrap();
        assert_eq!(plan.recipients.len(), 2);
        assert_eq!(plan.recipients[0].wallet, patient);
        assert_eq!(plan.providers().map(|r| r.wallet).collect::<Vec<_>>(), vec![ok_wallet]);
        let mut reasons: Vec<&str> = plan.excluded.iter().map(|e| e.reason.name()).collect();
        reasons.sort_unstable();
        assert_eq!(
            reasons,
            [
                "category_not_covered", "consent_expired", "consent_revoked", "no_encryption_key",
                "provider_missing", "provider_not_active"
            ]
        );
        // The sealing purpose matters: research is not covered by these consents.
        let research = plan_recipients(
            &patient,
            None,
            categories::OBSERVATIONS,
            purposes::HRESCH,
            100,
            &consents,
        )
        .unwrap();
        assert_eq!(research.recipients.len(), 1);
    }
}
