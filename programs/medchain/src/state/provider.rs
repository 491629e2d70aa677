//! A Provider: a clinician or organisation credentialed by an Issuer.

use anchor_lang::prelude::*;

/// Whether a provider may act.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum ProviderStatus {
    /// May request and use access.
    Active,
    /// Cut off from every access until reinstated by its issuer.
    Suspended,
}

/// What sort of provider this is. Codes only; no names on-chain.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum ProviderKind {
    /// An individual physician.
    Physician,
    /// A nurse or nurse practitioner.
    Nurse,
    /// A pharmacist or pharmacy.
    Pharmacist,
    /// A hospital.
    Hospital,
    /// An outpatient clinic.
    Clinic,
    /// A laboratory.
    Laboratory,
    /// An imaging centre.
    Imaging,
    /// A payer or insurer.
    Payer,
    /// A research organisation.
    Researcher,
    /// A public-health authority.
    PublicHealth,
    /// Anything else.
    Other,
}

/// Seeds `["provider", authority]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Provider {
    /// The provider's wallet.
    pub authority: Pubkey,
    /// The Issuer PDA that credentialed this provider.
    pub issuer: Pubkey,
    /// SHA-256 of the credential document (licence, NPI record) held off-chain.
    pub credential_hash: [u8; 32],
    /// X25519 public key for sealed records; all zeros until set.
    pub encryption_key: [u8; 32],
    /// Active or Suspended.
    pub status: ProviderStatus,
    /// What sort of provider this is.
    pub kind: ProviderKind,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time of registration.
    pub registered_at: i64,
    /// Cluster time of the last suspension or reinstatement (registration time before).
    pub status_changed_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 16],
}

impl Provider {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;

    /// True when the provider may act at all.
    pub fn is_active(&self) -> bool {
        self.status == ProviderStatus::Active
    }

    /// True when the provider has published an encryption key.
    pub fn has_encryption_key(&self) -> bool {
        self.encryption_key != [0u8; 32]
    }
}

impl ProviderKind {
    /// Decodes a kind from its wire code.
    pub fn from_code(code: u8) -> Option<Self> {
        use ProviderKind::*;
        [
            Physician, Nurse, Pharmacist, Hospital, Clinic, Laboratory, Imaging, Payer, Researcher,
            PublicHealth, Other,
        ]
        .get(usize::from(code))
        .copied()
    }
}

#[cfg(test)]
impl Provider {
    /// A provider with the given status, for unit tests.
    pub(crate) fn sample(status: ProviderStatus) -> Self {
        Provider {
            authority: Pubkey::new_unique(),
            issuer: Pubkey::new_unique(),
            credential_hash: [1; 32],
            encryption_key: [0; 32],
            status,
            kind: ProviderKind::Physician,
            bump: 255,
            layout_version: 1,
            registered_at: 0,
            status_changed_at: 0,
            reserved: [0; 16],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(status: ProviderStatus) -> Provider {
        Provider::sample(status)
    }

    #[test]
    fn only_active_providers_are_active() {
        assert!(provider(ProviderStatus::Active).is_active());
        assert!(!provider(ProviderStatus::Suspended).is_active());
    }

    #[test]
    fn kinds_round_trip_through_codes() {
        for code in 0..11u8 {
            let kind = ProviderKind::from_code(code).expect("known code");
            assert_eq!(kind as u8, code);
        }
        assert_eq!(ProviderKind::from_code(11), None);
    }

    #[test]
    fn encryption_key_is_unset_when_zero() {
        let mut p = provider(ProviderStatus::Active);
        assert!(!p.has_encryption_key());
        p.encryption_key = [9; 32];
        assert!(p.has_encryption_key());
    }
}
