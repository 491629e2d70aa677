//! The program's error codes. Each variant is numbered from 6000 upward, in the order of
//! the one list below; the SDK maps the numbers back through [`MedchainError::ALL`].

use anchor_lang::prelude::*;

/// Defines [`MedchainError`] and [`MedchainError::ALL`] from one list, so that the list the
/// SDK decodes error numbers with cannot drift from the enum: variant `i` of the list is
/// error number `6000 + i` (Anchor's offset), and `ALL[i]` is that variant.
macro_rules! medchain_errors {
    ($($name:ident => $msg:literal,)*) => {
        /// Every error the medchain program returns itself (Anchor's own errors keep their
        /// codes). Never reorder or remove a variant: clients decode the numbers.
        #[error_code]
        #[derive(PartialEq, Eq)]
        pub enum MedchainError {
            $(
                #[msg($msg)]
                $name,
            )*
        }

        impl MedchainError {
            /// Every variant in order: `ALL[i]` is error number `6000 + i`.
            pub const ALL: &'static [MedchainError] = &[$(MedchainError::$name,)*];
        }
    };
}

medchain_errors! {
    RegistryPaused => "The registry is paused: no new requests, grants or approvals",
    NotPendingAdmin => "The signer is not the registry's pending admin",
    NotPaused => "The registry is not paused",
    AlreadyPaused => "The registry is already paused",
    NotUpgradeAuthority => "The signer is not the program's upgrade authority",
    InvalidProgramData => "The program-data account does not belong to this program",
    IssuerHasActiveProviders => "The issuer still has active providers: suspend them before removing it",
    ProviderNotActive => "The provider is not active",
    ProviderAlreadySuspended => "The provider is already suspended",
    ProviderNotSuspended => "The provider is not suspended",
    InvalidProviderKind => "Unknown provider kind",
    InvalidCredentialHash => "The credential hash must not be all zeros",
    InvalidEncryptionKey => "The encryption public key must not be all zeros",
    InvalidCategories => "Categories must be a non-empty set of known categories",
    InvalidPurposes => "Purposes must be a non-empty set of known purposes of use",
    InvalidActions => "Actions must be a non-empty set of known actions",
    InvalidCategory => "Exactly one known category must be named",
    InvalidPurpose => "Exactly one known purpose of use must be named",
    InvalidAction => "Exactly one known action must be named",
    InvalidDuration => "The duration must be positive and at most ten years",
    ExpiryInPast => "The expiry must lie in the future",
    RequestNotPending => "The access request is not pending",
    RequestStillPending => "The access request is still pending: cancel or answer it first",
    ApprovalWidensRequest => "An approval may narrow what was requested but never widen it",
    ConsentAlreadyActive => "The consent is already active: use update_consent to change it",
    ConsentNotActive => "The consent is not active",
    ConsentStillActive => "The consent is still active and unexpired: revoke it before closing",
    InvalidConsentAccount => "The consent account is not a medchain Consent",
    ConsentAccountMismatch => "The consent account belongs to another patient or provider",
    UnauthorizedCloser => "Only the patient or the rent payer may close this account",
    ArithmeticOverflow => "Arithmetic overflow",
    InvalidNewAdmin => "The new admin must differ from the current admin",
    AccountAlreadyExists => "An account already exists at this address",
    WriteNotPermitted => "The author may not write records of this category for this patient",
    RecordNotCurrent => "Only the current version of a record can be amended",
    RecordAlreadyEnteredInError => "The record is already marked entered-in-error",
    NotRecordAuthor => "Only the record's author may do this",
    InvalidMerkleRoot => "The Merkle root must not be all zeros",
    InvalidLeafCount => "A batch needs at least one leaf",
    InvalidContentHash => "The content hash must not be all zeros",
    DelegateExpired => "The delegate's mandate has expired",
    DelegateNotPermitted => "The delegate is not permitted to do this",
    DelegateScopeExceeded => "The delegate may not grant beyond its own scope or mandate",
    InvalidDelegatePermissions => "Delegate permissions must be a non-empty set of known permissions",
    BreakGlassNotAllowedByIssuer => "The provider's issuer does not allow break-glass access",
    BreakGlassNotAllowedByPatient => "The patient does not allow break-glass access",
    EmergencyAccessAlreadyOpen => "An emergency access window is already open for this patient and provider",
    InvalidEmergencyWindow => "The emergency window must be positive and at most 24 hours",
    InvalidEmergencyAccount => "The emergency account is not a medchain EmergencyAccess for this pair",
    CannotDelegateToSelf => "A patient cannot name their own wallet as a delegate",
    InvalidPatientKeyAccount => "The patient key account is not a medchain PatientKey for this patient",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_variant_at_its_number() {
        for (i, e) in MedchainError::ALL.iter().enumerate() {
            assert_eq!(*e as usize, i, "{e:?}");
            assert_eq!(u32::from(*e), 6000 + i as u32, "{e:?}");
        }
    }
}
