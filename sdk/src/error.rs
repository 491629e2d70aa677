//! Typed errors: the program's error codes mapped back to [`MedchainError`] variants with
//! their human messages, and the SDK's own failures.

use medchain::error::MedchainError;

/// Anchor's first custom error code; `MedchainError` variants count up from here.
pub const CUSTOM_ERROR_OFFSET: u32 = 6000;

/// Every program error in code order: the program's own list ([`MedchainError::ALL`]).
pub const PROGRAM_ERRORS: &[MedchainError] = MedchainError::ALL;

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

/// A human explanation of the Anchor framework errors medchain instructions can produce.
fn anchor_error_text(code: u32) -> Option<&'static str> {
    Some(match code {
        2000 => "an account that must be writable is not (ConstraintMut)",
        2001 => "an account does not belong to the signer or to the other accounts named (ConstraintHasOne)",
        2003 => "an account constraint was violated (ConstraintRaw)",
        2006 => "an account is not the address its seeds derive for this signer (ConstraintSeeds)",
        2012 => "an account is not the expected address (ConstraintAddress)",
        3001 | 3002 => "an account is of the wrong type (AccountDiscriminatorMismatch)",
        3003 => "an account's data could not be read (AccountDidNotDeserialize)",
        3005 => "the instruction names too few accounts (AccountNotEnoughKeys)",
        3007 => "an account is owned by another program (AccountOwnedByWrongProgram)",
        3010 => "a required signature is missing (AccountNotSigner)",
        3012 => "an account the instruction needs does not exist — not registered yet? (AccountNotInitialized)",
        _ => return None,
    })
}

impl std::fmt::Display for ProgramErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Medchain(e) => write!(f, "{} (medchain error {}: {:?})", e, self.code(), e),
            Self::Anchor(code) => match anchor_error_text(*code) {
                Some(text) => write!(f, "{text} (Anchor error {code})"),
                None => write!(f, "Anchor framework error {code}"),
            },
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
    /// The fee payer cannot pay the fee (or the rent it was asked to pay).
    #[error("{payer} has insufficient funds to pay for this transaction; fund it (on the embedded ledger: `medchain ledger airdrop`) and retry")]
    InsufficientFunds {
        /// The fee payer.
        payer: String,
    },
    /// The runtime refused the transaction for a reason other than a program error.
    #[error("the transaction failed: {0}")]
    Transaction(String),
    /// The cluster could not be reached.
    #[error("cannot reach the cluster at {url}: {reason}")]
    Unreachable {
        /// The RPC URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The RPC or runtime transport failed.
    #[error("transport error: {0}")]
    Transport(String),
    /// The transaction could not be signed (a required signer is missing).
    #[error("cannot sign the transaction: {0}")]
    Signing(String),
    /// Sealing, opening or resealing a record failed (see [`crate::seal::SealError`]).
    #[error(transparent)]
    Seal(#[from] crate::seal::SealError),
    /// The SBPF program file given for the embedded runtime cannot be used.
    #[error("program {path}: {reason}")]
    ProgramFile {
        /// The `.so` path.
        path: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The embedded ledger cannot be used.
    #[error("ledger {path}: {reason}")]
    Ledger {
        /// The ledger directory or file.
        path: String,
        /// What is wrong and what to do.
        reason: String,
    },
}

impl SdkError {
    /// Maps a runtime transaction error: a custom program error becomes
    /// [`SdkError::Program`], missing funds [`SdkError::InsufficientFunds`].
    pub fn from_transaction_error(
        error: Option<solana_sdk::transaction::TransactionError>,
        payer: &anchor_lang::prelude::Pubkey,
    ) -> Self {
        use solana_sdk::instruction::InstructionError;
        use solana_sdk::transaction::TransactionError;
        match error {
            Some(TransactionError::InstructionError(_, InstructionError::Custom(code))) => {
                // The system program's "insufficient lamports" is custom code 1 there, but
                // medchain's own codes start at 6000 and Anchor's at 100.
                if code == 1 {
                    SdkError::InsufficientFunds { payer: payer.to_string() }
                } else {
                    SdkError::Program(ProgramErrorCode::from_code(code))
                }
            }
            Some(TransactionError::InsufficientFundsForFee)
            | Some(TransactionError::InsufficientFundsForRent { .. })
            | Some(TransactionError::AccountNotFound) => {
                SdkError::InsufficientFunds { payer: payer.to_string() }
            }
            Some(other) => SdkError::Transaction(other.to_string()),
            None => SdkError::Transaction("unknown failure".into()),
        }
    }

    /// The medchain program error, if this is one.
    pub fn program_error(&self) -> Option<MedchainError> {
        match self {
            SdkError::Program(ProgramErrorCode::Medchain(e)) => Some(*e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_table_matches_program_numbering() {
        for (index, error) in PROGRAM_ERRORS.iter().enumerate() {
            let expected = CUSTOM_ERROR_OFFSET + index as u32;
            assert_eq!(u32::from(*error), expected, "{error:?}");
            assert_eq!(ProgramErrorCode::from_code(expected), ProgramErrorCode::Medchain(*error));
        }
        assert_eq!(ProgramErrorCode::from_code(2006), ProgramErrorCode::Anchor(2006));
        assert_eq!(
            ProgramErrorCode::from_code(6000 + PROGRAM_ERRORS.len() as u32),
            ProgramErrorCode::Anchor(6000 + PROGRAM_ERRORS.len() as u32)
        );
    }

    #[test]
    fn the_table_is_the_idl_error_list() {
        let idl: serde_json::Value =
            serde_json::from_str(include_str!("../../idl/medchain.json")).expect("the IDL parses");
        let errors = idl["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), PROGRAM_ERRORS.len());
        for (entry, error) in errors.iter().zip(PROGRAM_ERRORS) {
            assert_eq!(entry["code"], u32::from(*error));
            assert_eq!(entry["name"], format!("{error:?}"));
        }
    }
}
