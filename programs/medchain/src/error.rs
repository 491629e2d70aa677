//! The program's error codes. Each variant is numbered from 6000 upward, in this order;
//! the SDK maps the numbers back to a typed error, so never reorder existing variants.

use anchor_lang::prelude::*;

/// Every error the medchain program returns itself (Anchor's own errors keep their codes).
#[error_code]
#[derive(PartialEq, Eq)]
pub enum MedchainError {
    /// 6000
    #[msg("The registry is paused: no new requests, grants or approvals")]
    RegistryPaused,
    /// 6001
    #[msg("The signer is not the registry's pending admin")]
    NotPendingAdmin,
    /// 6002
    #[msg("The registry is not paused")]
    NotPaused,
    /// 6003
    #[msg("The registry is already paused")]
    AlreadyPaused,
    /// 6004
    #[msg("The signer is not the program's upgrade authority")]
    NotUpgradeAuthority,
    /// 6005
    #[msg("The program-data account does not belong to this program")]
    InvalidProgramData,
    /// 6006
    #[msg("The issuer still has active providers: suspend them before removing it")]
    IssuerHasActiveProviders,
    /// 6007
    #[msg("The provider is not active")]
    ProviderNotActive,
    /// 6008
    #[msg("The provider is already suspended")]
    ProviderAlreadySuspended,
    /// 6009
    #[msg("The provider is not suspended")]
    ProviderNotSuspended,
    /// 6010
    #[msg("Unknown provider kind")]
    InvalidProviderKind,
    /// 6011
    #[msg("The credential hash must not be all zeros")]
    InvalidCredentialHash,
    /// 6012
    #[msg("The encryption public key must not be all zeros")]
    InvalidEncryptionKey,
    /// 6013
    #[msg("Categories must be a non-empty set of known categories")]
    InvalidCategories,
    /// 6014
    #[msg("Purposes must be a non-empty set of known purposes of use")]
    InvalidPurposes,
    /// 6015
    #[msg("Actions must be a non-empty set of known actions")]
    InvalidActions,
    /// 6016
    #[msg("Exactly one known category must be named")]
    InvalidCategory,
    /// 6017
    #[msg("Exactly one known purpose of use must be named")]
    InvalidPurpose,
    /// 6018
    #[msg("Exactly one known action must be named")]
    InvalidAction,
    /// 6019
    #[msg("The duration must be positive and at most ten years")]
    InvalidDuration,
    /// 6020
    #[msg("The expiry must lie in the future")]
    ExpiryInPast,
    /// 6021
    #[msg("The access request is not pending")]
    RequestNotPending,
    /// 6022
    #[msg("The access request is still pending: cancel or answer it first")]
    RequestStillPending,
    /// 6023
    #[msg("An approval may narrow what was requested but never widen it")]
    ApprovalWidensRequest,
    /// 6024
    #[msg("The consent is already active: use update_consent to change it")]
    ConsentAlreadyActive,
    /// 6025
    #[msg("The consent is not active")]
    ConsentNotActive,
    /// 6026
    #[msg("The consent is still active and unexpired: revoke it before closing")]
    ConsentStillActive,
    /// 6027
    #[msg("The consent account is not a medchain Consent")]
    InvalidConsentAccount,
    /// 6028
    #[msg("The consent account belongs to another patient or provider")]
    ConsentAccountMismatch,
    /// 6029
    #[msg("Only the patient or the rent payer may close this account")]
    UnauthorizedCloser,
    /// 6030
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    /// 6031
    #[msg("The new admin must differ from the current admin")]
    InvalidNewAdmin,
    /// 6032
    #[msg("An account already exists at this address")]
    AccountAlreadyExists,
    /// 6033
    #[msg("The author may not write records of this category for this patient")]
    WriteNotPermitted,
    /// 6034
    #[msg("Only the current version of a record can be amended")]
    RecordNotCurrent,
    /// 6035
    #[msg("The record is already marked entered-in-error")]
    RecordAlreadyEnteredInError,
    /// 6036
    #[msg("Only the record's author may do this")]
    NotRecordAuthor,
    /// 6037
    #[msg("The Merkle root must not be all zeros")]
    InvalidMerkleRoot,
    /// 6038
    #[msg("A batch needs at least one leaf")]
    InvalidLeafCount,
    /// 6039
    #[msg("The content hash must not be all zeros")]
    InvalidContentHash,
    /// 6040
    #[msg("The delegate's mandate has expired")]
    DelegateExpired,
    /// 6041
    #[msg("The delegate is not permitted to do this")]
    DelegateNotPermitted,
    /// 6042
    #[msg("The delegate may not grant beyond its own scope or mandate")]
    DelegateScopeExceeded,
    /// 6043
    #[msg("Delegate permissions must be a non-empty set of known permissions")]
    InvalidDelegatePermissions,
    /// 6044
    #[msg("The provider's issuer does not allow break-glass access")]
    BreakGlassNotAllowedByIssuer,
    /// 6045
    #[msg("The patient does not allow break-glass access")]
    BreakGlassNotAllowedByPatient,
    /// 6046
    #[msg("An emergency access window is already open for this patient and provider")]
    EmergencyAccessAlreadyOpen,
    /// 6047
    #[msg("The emergency window must be positive and at most 24 hours")]
    InvalidEmergencyWindow,
    /// 6048
    #[msg("The emergency account is not a medchain EmergencyAccess for this pair")]
    InvalidEmergencyAccount,
    /// 6049
    #[msg("A patient cannot name their own wallet as a delegate")]
    CannotDelegateToSelf,
}
