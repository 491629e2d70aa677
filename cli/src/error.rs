//! The CLI's errors and their exit codes (documented in `medchain --help` and the README).

use medchain_sdk::SdkError;

/// Exit code: bad input (files, keys, names, arguments the program or CLI refuses to use).
pub const EXIT_BAD_INPUT: i32 = 3;
/// Exit code: the medchain program refused the transaction.
pub const EXIT_REFUSED: i32 = 4;
/// Exit code: the cluster or the ledger cannot be used (unreachable, locked, corrupt).
pub const EXIT_UNAVAILABLE: i32 = 5;
/// Exit code: anything else.
pub const EXIT_OTHER: i32 = 1;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file or argument is unusable; says what to do.
    #[error("{0}")]
    BadInput(String),
    /// The SDK failed (program refusal, cluster, ledger …).
    #[error(transparent)]
    Sdk(#[from] SdkError),
    /// A name of the vocabulary was not recognised.
    #[error(transparent)]
    Name(#[from] medchain_sdk::names::UnknownName),
    /// Writing output or a state file failed.
    #[error("{0}")]
    Io(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::BadInput(_) | CliError::Name(_) => EXIT_BAD_INPUT,
            CliError::Sdk(SdkError::Program(_)) => EXIT_REFUSED,
            CliError::Sdk(SdkError::Seal(_)) | CliError::Sdk(SdkError::ProgramFile { .. }) => {
                EXIT_BAD_INPUT
            }
            CliError::Sdk(SdkError::InsufficientFunds { .. })
            | CliError::Sdk(SdkError::AccountNotFound { .. })
            | CliError::Sdk(SdkError::InvalidAccount { .. }) => EXIT_BAD_INPUT,
            CliError::Sdk(SdkError::Unreachable { .. })
            | CliError::Sdk(SdkError::Ledger { .. }) => EXIT_UNAVAILABLE,
            _ => EXIT_OTHER,
        }
    }

    /// A bad-input error.
    pub fn bad(message: impl Into<String>) -> Self {
        CliError::BadInput(message.into())
    }
}
