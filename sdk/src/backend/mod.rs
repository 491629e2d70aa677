//! Backends: where transactions go and accounts come from. Two real implementations share
//! one trait, so an application runs the same code against a cluster ([`rpc::RpcBackend`])
//! or a ledger on a laptop ([`embedded::EmbeddedBackend`], feature `embedded`).

#[cfg(feature = "embedded")]
pub mod embedded;
pub mod rpc;

use crate::error::SdkError;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use serde::{Deserialize, Serialize};
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::transaction::Transaction;

/// A filter on program accounts, as `getProgramAccounts` takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountFilter {
    /// The account data is exactly this many bytes.
    DataSize(u64),
    /// The account data holds `bytes` at `offset`.
    Memcmp {
        /// Byte offset into the account data.
        offset: usize,
        /// The bytes expected there.
        bytes: Vec<u8>,
    },
}

impl AccountFilter {
    /// True when `data` passes the filter.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            AccountFilter::DataSize(size) => data.len() as u64 == *size,
            AccountFilter::Memcmp { offset, bytes } => data
                .get(*offset..offset.saturating_add(bytes.len()))
                .is_some_and(|window| window == bytes.as_slice()),
        }
    }
}

/// The result of a processed transaction.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    /// The transaction signature.
    pub signature: Signature,
    /// Return data set by the medchain program, if any.
    pub return_data: Option<Vec<u8>>,
}

/// One medchain instruction of a past transaction, as stored in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoricInstruction {
    /// The accounts the instruction named, in order.
    pub accounts: Vec<[u8; 32]>,
    /// The instruction data (Anchor discriminator + Borsh arguments).
    pub data: Vec<u8>,
    /// The events the instruction emitted (`emit_cpi!`), in order: each one's data after
    /// Anchor's event-instruction tag (event discriminator + Borsh fields); see
    /// [`crate::events`]. Empty for histories recorded before events were kept.
    #[serde(default)]
    pub events: Vec<Vec<u8>>,
}

/// One inner instruction of a transaction, as a cluster's transaction metadata or a
/// simulation lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerCall {
    /// The index of the top-level instruction that made the call.
    pub top_level: usize,
    /// The called program's index among the message's account keys.
    pub program_id_index: u8,
    /// The call's instruction data.
    pub data: Vec<u8>,
}

/// A past transaction that touched an account, as the audit trail reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxRecord {
    /// Base58 transaction signature.
    pub signature: String,
    /// Slot it landed in.
    pub slot: u64,
    /// Cluster time of its block (unix seconds), when known.
    pub unix_time: Option<i64>,
    /// None if it succeeded; the error otherwise.
    pub error: Option<String>,
    /// The medchain instructions it carried, in order.
    pub instructions: Vec<HistoricInstruction>,
    /// Return data set by the medchain program, if any.
    pub return_data: Option<Vec<u8>>,
}

/// The medchain instructions among a message's compiled instructions, with their account
/// keys resolved (instructions of other programs are left out) and the events each one
/// emitted, taken from `inner` (medchain's self-invocations carrying Anchor's event tag).
pub fn medchain_instructions(
    keys: &[Pubkey],
    instructions: &[solana_sdk::message::compiled_instruction::CompiledInstruction],
    inner: &[InnerCall],
) -> Vec<HistoricInstruction> {
    let is_medchain = |index: u8| keys.get(usize::from(index)) == Some(&medchain::ID);
    instructions
        .iter()
        .enumerate()
        .filter(|(_, ci)| is_medchain(ci.program_id_index))
        .map(|(position, ci)| HistoricInstruction {
            accounts: ci
                .accounts
                .iter()
                .filter_map(|i| keys.get(usize::from(*i)).map(|k| k.to_bytes()))
                .collect(),
            data: ci.data.clone(),
            events: inner
                .iter()
                .filter(|call| call.top_level == position && is_medchain(call.program_id_index))
                .filter_map(|call| crate::events::event_payload(&call.data).map(<[u8]>::to_vec))
                .collect(),
        })
        .collect()
}

/// A live feed of committed transactions ([`Backend::watch`]): each item is one transaction,
/// or an error after which the feed ends (the connection dropped, the watcher fell behind).
/// Dropping the receiver ends the subscription.
pub type TxFeed = tokio::sync::mpsc::Receiver<Result<TxRecord, SdkError>>;

/// How many transactions a [`TxFeed`] buffers before the watcher must read them.
pub const FEED_CAPACITY: usize = 256;

impl TxRecord {
    /// True when the transaction succeeded.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// Where medchain transactions are sent and accounts are read.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// A short human name ("embedded ledger at …", "https://…").
    fn describe(&self) -> String;

    /// The CAIP-2 id of the chain, as Solana Actions name it (`X-Blockchain-Ids`):
    /// `solana:` and the first 32 characters of the genesis hash on a cluster,
    /// [`crate::actions::spec::EMBEDDED_CHAIN_ID`] on the embedded ledger.
    async fn chain_id(&self) -> Result<String, SdkError>;

    /// Signs `instructions` with `payer` (fee payer) and `signers`, sends, and waits for
    /// confirmation. A program error becomes [`SdkError::Program`].
    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SdkError>;

    /// A recent blockhash, for a transaction that someone else signs (a patient's wallet)
    /// and that comes back through [`Backend::send_transaction`].
    async fn latest_blockhash(&self) -> Result<Hash, SdkError>;

    /// Sends a transaction signed elsewhere (every required signature present) and waits for
    /// confirmation. Unlike [`Backend::send`] it is never re-signed: when its blockhash has
    /// expired it fails, and the signer must sign a fresh one. A program error becomes
    /// [`SdkError::Program`].
    async fn send_transaction(&self, transaction: &Transaction) -> Result<TxOutcome, SdkError>;

    /// Reads one account; `None` when it does not exist.
    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, SdkError>;

    /// Every account owned by the medchain program that passes all `filters`.
    async fn program_accounts(
        &self,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SdkError>;

    /// The cluster's unix time.
    async fn unix_time(&self) -> Result<i64, SdkError>;

    /// Transactions that touched `address`, newest first, at most `limit`.
    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, SdkError>;

    /// The transactions that touch `address` from now on, each as soon as it is committed:
    /// on the embedded ledger from its commit hook
    /// (`EmbeddedBackend::subscribe_commits`), on a cluster from a websocket
    /// `logsSubscribe` mentioning `address`, each notification followed by `getTransaction`.
    /// The subscription is in place when this returns, so nothing committed afterwards is
    /// missed.
    async fn watch(&self, address: &Pubkey) -> Result<TxFeed, SdkError>;

    /// Lamports held by `address` (0 when absent).
    async fn balance(&self, address: &Pubkey) -> Result<u64, SdkError> {
        Ok(self.account(address).await?.map_or(0, |a| a.lamports))
    }
}

#[async_trait::async_trait]
impl<T: Backend + ?Sized> Backend for Box<T> {
    fn describe(&self) -> String {
        (**self).describe()
    }

    async fn chain_id(&self) -> Result<String, SdkError> {
        (**self).chain_id().await
    }

    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SdkError> {
        (**self).send(instructions, payer, signers).await
    }

    async fn latest_blockhash(&self) -> Result<Hash, SdkError> {
        (**self).latest_blockhash().await
    }

    async fn send_transaction(&self, transaction: &Transaction) -> Result<TxOutcome, SdkError> {
        (**self).send_transaction(transaction).await
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, SdkError> {
        (**self).account(address).await
    }

    async fn program_accounts(
        &self,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SdkError> {
        (**self).program_accounts(filters).await
    }

    async fn unix_time(&self) -> Result<i64, SdkError> {
        (**self).unix_time().await
    }

    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, SdkError> {
        (**self).history(address, limit).await
    }

    async fn watch(&self, address: &Pubkey) -> Result<TxFeed, SdkError> {
        (**self).watch(address).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_size_and_bytes() {
        let data = [1u8, 2, 3, 4];
        assert!(AccountFilter::DataSize(4).matches(&data));
        assert!(!AccountFilter::DataSize(5).matches(&data));
        let at = |offset, bytes: &[u8]| AccountFilter::Memcmp { offset, bytes: bytes.to_vec() };
        assert!(at(1, &[2, 3]).matches(&data));
        assert!(!at(1, &[3]).matches(&data));
        assert!(!at(3, &[4, 5]).matches(&data), "past the end");
        assert!(!at(usize::MAX, &[1]).matches(&data));
    }
}
