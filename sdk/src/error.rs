//! Typed errors: the program's error codes mapped back to [`MedchainError`] variants with
//! their human messages, and the SDK's own failures.

use medchain::error::MedchainError;

/// Anchor's first custom error code; `MedchainError` variants count up from here.
pub const CUSTOM_ERROR_OFFSET: u32 = 6000;

/// Every program error in code order (the program numbers them from 6000 in this order).
pub const PROGRAM_ERRORS: [MedchainError; 50] = [
    MedchainError::RegistryPaused,
    MedchainError::NotPendingAdmin,
    MedchainError::NotPaused,
    MedchainError::AlreadyPaused,
    MedchainError::NotUpgradeAuthority,
    MedchainError::InvalidProgramData,
    MedchainError::IssuerHasActiveProviders,
    MedchainError::ProviderNotActive,
    MedchainError::ProviderAlreadySuspended,
    MedchainError::ProviderNotSuspended,
    MedchainError::InvalidProviderKind,
    MedchainError::InvalidCredentialHash,
    MedchainError::InvalidEncryptionKey,
    MedchainError::InvalidCategories,
    MedchainError::InvalidPurposes,
    MedchainError::InvalidActions,
    MedchainError::InvalidCategory,
    MedchainError::InvalidPurpose,
    MedchainError::InvalidAction,
    MedchainError::InvalidDuration,
    MedchainError::ExpiryInPast,
    MedchainError::RequestNotPending,
    MedchainError::RequestStillPending,
    MedchainError::ApprovalWidensRequest,
    MedchainError::ConsentAlreadyActive,
    MedchainError::ConsentNotActive,
    MedchainError::ConsentStillActive,
    MedchainError::InvalidConsentAccount,
    MedchainError::ConsentAccountMismatch,
    MedchainError::UnauthorizedCloser,
    MedchainError::ArithmeticOverflow,
    MedchainError::InvalidNewAdmin,
    MedchainError::AccountAlreadyExists,
    MedchainError::WriteNotPermitted,
    MedchainError::RecordNotCurrent,
    MedchainError::RecordAlreadyEnteredInError,
    MedchainError::NotRecordAuthor,
    MedchainError::InvalidMerkleRoot,
    MedchainError::InvalidLeafCount,
    MedchainError::InvalidContentHash,
    MedchainError::DelegateExpired,
    MedchainError::DelegateNotPermitted,
    MedchainError::DelegateScopeExceeded,
    MedchainError::InvalidDelegatePermissions,
    MedchainError::BreakGlassNotAllowedByIssuer,
    MedchainError::BreakGlassNotAllowedByPatient,
    MedchainError::EmergencyAccessAlreadyOpen,
    MedchainError::InvalidEmergencyWindow,
    MedchainError::InvalidEmergencyAccount,
    MedchainError::CannotDelegateToSelf,
];

/// A program error code as it appears in a failed transaction (`Custom(code)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramErrorCode {
    /// One of medchain's own errors.
    Medchain(MedchainError),
    /// One of Anchor's framework errors (account constraints, deserialization, …), by code.
    Anchor(u32),
}

impl ProgramErrorCode {
    /// Decodes a custom program error code.
    pub fn from_code(code: u32) -> Self {
        code.checked_sub(CUSTOM_ERROR_OFFSET)
            .and_then(|index| PROGRAM_ERRORS.get(usize::try_from(index).ok()?))
            .map_or(Self::Anchor(code), |e| Self::Medchain(*e))
    }

    /// The numeric code.
    pub fn code(&self) -> u32 {
        match self {
            Self::Medchain(e) => u32::from(*e),
            Self::Anchor(code) => *code,
        }
    }
}

impl std::fmt::Display for ProgramErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Medchain(e) => write!(f, "{} (medchain error {}: {:?})", e, self.code(), e),
            Self::Anchor(code) => write!(f, "Anchor framework error {code}"),
        }
    }
}

/// Everything the SDK can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The program refused the transaction.
    #[error("the medchain program refused the transaction: {0}")]
    Program(ProgramErrorCode),
    /// An account's data is not the expected medchain account.
    #[error("account {address} is not a valid {expected}: {reason}")]
    InvalidAccount {
        /// The account address.
        address: String,
        /// The expected account type.
        expected: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// An account that should exist does not.
    #[error("account {address} ({what}) does not exist")]
    AccountNotFound {
        /// The account address.
        address: String,
        /// What it should have been.
        what: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_table_matches_program_numbering() {
        for (index, error) in PROGRAM_ERRORS.iter().enumerate() {
            let expected = CUSTOM_ERROR_OFFSET + index as u32;
            assert_eq!(u32::from(*error), expected, "{error:?}");
            assert_eq!(
                ProgramErrorCode::from_code(expected),
                ProgramErrorCode::Medchain(*error)
            );
        }
        assert_eq!(
            ProgramErrorCode::from_code(2006),
            ProgramErrorCode::Anchor(2006)
        );
        assert_eq!(
            ProgramErrorCode::from_code(6000 + PROGRAM_ERRORS.len() as u32),
            ProgramErrorCode::Anchor(6000 + PROGRAM_ERRORS.len() as u32)
        );
    }
}
