//! The resolved environment of one command: the backend (cluster or embedded ledger), the
//! signer's keypair path and the output format.

use crate::error::CliError;
use crate::output::OutputFormat;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use medchain_sdk::backend::{AccountFilter, Backend, TxOutcome, TxRecord};
#[cfg(feature = "embedded")]
use medchain_sdk::EmbeddedBackend;
use medchain_sdk::{Medchain, RpcBackend, SdkError};
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::signature::Keypair;
use solana_sdk::transaction::Transaction;
use std::path::PathBuf;

/// Either backend, so that embedded-only operations (faucet, reset) stay typed.
pub enum AnyBackend {
    /// The embedded ledger.
    #[cfg(feature = "embedded")]
    Embedded(Box<EmbeddedBackend>),
    /// A cluster.
    Rpc(RpcBackend),
}

impl AnyBackend {
    fn inner(&self) -> &dyn Backend {
        match self {
            #[cfg(feature = "embedded")]
            AnyBackend::Embedded(b) => b,
            AnyBackend::Rpc(b) => b,
        }
    }

    /// The embedded ledger, if that is the backend.
    #[cfg(feature = "embedded")]
    pub fn embedded(&self) -> Option<&EmbeddedBackend> {
        match self {
            AnyBackend::Embedded(b) => Some(b),
            AnyBackend::Rpc(_) => None,
        }
    }
}

#[async_trait::async_trait]
impl Backend for AnyBackend {
    fn describe(&self) -> String {
        self.inner().describe()
    }
    async fn send(
        &self,
        ixs: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SdkError> {
        self.inner().send(ixs, payer, signers).await
    }
    async fn latest_blockhash(&self) -> Result<Hash, SdkError> {
        self.inner().latest_blockhash().await
    }
    async fn send_transaction(&self, transaction: &Transaction) -> Result<TxOutcome, SdkError> {
        self.inner().send_transaction(transaction).await
    }
    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, SdkError> {
        self.inner().account(address).await
    }
    async fn program_accounts(
        &self,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SdkError> {
        self.inner().program_accounts(filters).await
    }
    async fn unix_time(&self) -> Result<i64, SdkError> {
        self.inner().unix_time().await
    }
    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, SdkError> {
        self.inner().history(address, limit).await
    }
}

/// Lamports the embedded faucet tops a signer up to before it pays.
pub const EMBEDDED_FUNDING: u64 = 10_000_000_000;

/// One command's environment.
pub struct Context {
    /// The client.
    pub chain: Medchain<AnyBackend>,
    /// Output format.
    pub output: OutputFormat,
    /// The `-k` keypair path.
    pub keypair_path: PathBuf,
}

impl Context {
    /// The signer named by `-k` (or the config), read from its file. On the embedded ledger
    /// the local faucet (see `--no-faucet`) pays for it inside each transaction.
    pub fn signer(&self) -> Result<Keypair, CliError> {
        crate::config::read_keypair(&self.keypair_path)
    }
}
