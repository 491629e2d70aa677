//! A cluster backend over JSON-RPC (solana-rpc-client 3.x, nonblocking): commitment,
//! blockhash refresh and retry, confirmation, optional priority fee and compute-unit limit,
//! `getProgramAccounts` queries with memcmp filters, the audit history rebuilt from
//! `getSignaturesForAddress` + `getTransaction`, and live feeds ([`Backend::watch`]) from the
//! cluster's websocket (`logsSubscribe`).

use super::{
    medchain_instructions, AccountFilter, Backend, InnerCall, TxFeed, TxOutcome, TxRecord,
    FEED_CAPACITY,
};
use crate::error::SdkError;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine as _;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::ErrorKind as ClientErrorKind;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig, RpcTransactionLogsConfig,
    RpcTransactionLogsFilter,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::RpcError;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::message::Message;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, UiInstruction, UiTransactionEncoding,
};
use std::str::FromStr;

/// Options of an [`RpcBackend`].
#[derive(Debug, Clone)]
pub struct RpcOptions {
    /// Commitment for reads and confirmation.
    pub commitment: CommitmentConfig,
    /// Priority fee in micro-lamports per compute unit (none when `None`).
    pub priority_fee_micro_lamports: Option<u64>,
    /// Compute-unit limit per transaction (the runtime default when `None`).
    pub compute_unit_limit: Option<u32>,
    /// How many times a transaction is re-signed with a fresh blockhash and re-sent when its
    /// blockhash expired before it landed.
    pub max_retries: u32,
    /// The cluster's websocket (PubSub) URL for [`Backend::watch`]; `None` derives it from the
    /// RPC URL as the Solana CLI does ([`websocket_url`]).
    pub websocket_url: Option<String>,
}

impl Default for RpcOptions {
    fn default() -> Self {
        Self {
            commitment: CommitmentConfig::confirmed(),
            priority_fee_micro_lamports: None,
            compute_unit_limit: None,
            max_retries: 3,
            websocket_url: None,
        }
    }
}

/// A backend talking to a Solana cluster.
pub struct RpcBackend {
    client: RpcClient,
    options: RpcOptions,
}

impl RpcBackend {
    /// A backend for the cluster at `url`.
    pub fn new(url: impl Into<String>, options: RpcOptions) -> Self {
        let client = RpcClient::new_with_commitment(url.into(), options.commitment);
        Self { client, options }
    }

    /// A backend over an existing client (for example `RpcClient::new_mock_with_mocks`).
    pub fn with_client(client: RpcClient, options: RpcOptions) -> Self {
        Self { client, options }
    }

    /// The underlying RPC client (for calls the `Backend` trait does not cover, e.g. airdrops).
    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    /// The compute-budget instructions these options add in front of every transaction.
    pub fn budget_instructions(&self) -> Vec<Instruction> {
        let mut out = Vec::new();
        if let Some(limit) = self.options.compute_unit_limit {
            out.push(ComputeBudgetInstruction::set_compute_unit_limit(limit));
        }
        if let Some(price) = self.options.priority_fee_micro_lamports {
            out.push(ComputeBudgetInstruction::set_compute_unit_price(price));
        }
        out
    }

    fn transaction_config(&self) -> RpcTransactionConfig {
        // `getTransaction` refuses `processed`; `confirmed` is the lowest it serves.
        let commitment = if self.options.commitment.is_at_least_confirmed() {
            self.options.commitment
        } else {
            CommitmentConfig::confirmed()
        };
        RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(commitment),
            max_supported_transaction_version: Some(0),
        }
    }

    /// The return data of a transaction that was just confirmed. A validator records a
    /// transaction's status (and so `getTransaction`) slightly after it reports the signature
    /// confirmed, so this asks again for a short while ([`TX_META_ATTEMPTS`] times, 200 ms
    /// apart) before concluding there is none.
    async fn confirmed_return_data(&self, signature: &Signature) -> Option<Vec<u8>> {
        for attempt in 0..TX_META_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            let found = self
                .client
                .get_transaction_with_config(signature, self.transaction_config())
                .await
                .ok()
                .and_then(|t| t.transaction.meta);
            if let Some(meta) = found {
                return return_data_of(&meta);
            }
        }
        None
    }

    /// One transaction as the audit trail reads it (`getTransaction`); its `error` comes from
    /// the transaction's metadata.
    pub async fn transaction_record(&self, signature: &Signature) -> Result<TxRecord, SdkError> {
        let tx = self
            .client
            .get_transaction_with_config(signature, self.transaction_config())
            .await
            .map_err(|e| self.transport(e))?;
        let meta = tx.transaction.meta.clone();
        let decoded = tx.transaction.transaction.decode().ok_or_else(|| {
            SdkError::Transport(format!("transaction {signature} is undecodable"))
        })?;
        let keys = decoded.message.static_account_keys();
        let inner = meta.as_ref().map(inner_calls).unwrap_or_default();
        let instructions = medchain_instructions(keys, decoded.message.instructions(), &inner);
        Ok(TxRecord {
            signature: signature.to_string(),
            slot: tx.slot,
            unix_time: tx.block_time,
            error: meta.as_ref().and_then(|m| m.err.as_ref()).map(|e| e.to_string()),
            instructions,
            return_data: meta.as_ref().and_then(return_data_of),
        })
    }

    /// [`RpcBackend::transaction_record`] of a transaction just announced by the websocket:
    /// the RPC node may serve `getTransaction` a moment after it notifies, so it is asked a
    /// few times (every 200 ms, for at most two seconds).
    async fn landed_record(&self, signature: &str) -> Result<TxRecord, SdkError> {
        let signature = Signature::from_str(signature)
            .map_err(|e| SdkError::Transport(format!("bad signature from the cluster: {e}")))?;
        let mut attempt = 0;
        loop {
            match self.transaction_record(&signature).await {
                Ok(record) => return Ok(record),
                Err(_) if attempt < TX_META_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn to_rpc_filter(filter: &AccountFilter) -> RpcFilterType {
        match filter {
            AccountFilter::DataSize(size) => RpcFilterType::DataSize(*size),
            AccountFilter::Memcmp { offset, bytes } => {
                RpcFilterType::Memcmp(Memcmp::new_raw_bytes(*offset, bytes.clone()))
            }
        }
    }

    fn transport(&self, e: solana_rpc_client_api::client_error::Error) -> SdkError {
        let message = e.to_string();
        if message.contains("error sending request") || message.contains("onnection refused") {
            // Some client calls wrap the HTTP failure into a plain message.
            return SdkError::Unreachable { url: self.client.url(), reason: message };
        }
        match e.kind() {
            ClientErrorKind::Reqwest(inner) => {
                SdkError::Unreachable { url: self.client.url(), reason: inner.to_string() }
            }
            ClientErrorKind::Io(inner) => {
                SdkError::Unreachable { url: self.client.url(), reason: inner.to_string() }
            }
            _ => SdkError::Transport(e.to_string()),
        }
    }
}

/// How often [`RpcBackend`] asks for a just-confirmed transaction before giving up on it.
const TX_META_ATTEMPTS: u32 = 10;

/// The websocket URL of the cluster at `rpc_url`, as the Solana CLI derives it: `http` becomes
/// `ws` and `https` `wss`, and an explicit port is moved up by one (a validator serves PubSub
/// on its RPC port + 1: `http://127.0.0.1:8899` → `ws://127.0.0.1:8900`).
///
/// ```
/// use medchain_sdk::backend::rpc::websocket_url;
/// assert_eq!(websocket_url("http://127.0.0.1:8899").as_deref(), Some("ws://127.0.0.1:8900/"));
/// assert_eq!(websocket_url("https://api.devnet.solana.com").as_deref(), Some("wss://api.devnet.solana.com/"));
/// ```
pub fn websocket_url(rpc_url: &str) -> Option<String> {
    let (scheme, rest) = rpc_url.split_once("://")?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    // The port follows the last ':' unless that ':' is inside an IPv6 literal.
    let authority = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => {
            let port: u16 = port.parse().ok()?;
            format!("{host}:{}", port.checked_add(1)?)
        }
        _ => authority.to_string(),
    };
    if authority.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{authority}{path}"))
}

fn return_data_of(
    meta: &solana_transaction_status_client_types::UiTransactionStatusMeta,
) -> Option<Vec<u8>> {
    match &meta.return_data {
        OptionSerializer::Some(ret) if ret.program_id == medchain::ID.to_string() => {
            base64::engine::general_purpose::STANDARD
                .decode(&ret.data.0)
                .ok()
                .filter(|d| !d.is_empty())
        }
        _ => None,
    }
}

/// The inner instructions of a transaction's metadata (compiled form; data in base58).
/// An inner instruction that cannot be read is left out: it carries no medchain event.
fn inner_calls(
    meta: &solana_transaction_status_client_types::UiTransactionStatusMeta,
) -> Vec<InnerCall> {
    let OptionSerializer::Some(lists) = &meta.inner_instructions else {
        return Vec::new();
    };
    lists
        .iter()
        .flat_map(|list| {
            list.instructions.iter().filter_map(move |ui| match ui {
                UiInstruction::Compiled(compiled) => Some(InnerCall {
                    top_level: usize::from(list.index),
                    program_id_index: compiled.program_id_index,
                    data: bs58::decode(&compiled.data).into_vec().ok()?,
                }),
                UiInstruction::Parsed(_) => None,
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl Backend for RpcBackend {
    fn describe(&self) -> String {
        self.client.url()
    }

    async fn chain_id(&self) -> Result<String, SdkError> {
        let hash = self.client.get_genesis_hash().await.map_err(|e| self.transport(e))?;
        Ok(crate::actions::spec::chain_id_from_genesis_hash(&hash.to_string()))
    }

    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SdkError> {
        let mut all = self.budget_instructions();
        all.extend_from_slice(instructions);
        let mut keys: Vec<&Keypair> = vec![payer];
        keys.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let mut attempt = 0;
        loop {
            let blockhash =
                self.client.get_latest_blockhash().await.map_err(|e| self.transport(e))?;
            let mut tx = Transaction::new_unsigned(Message::new(&all, Some(&payer.pubkey())));
            tx.try_sign(&keys, blockhash).map_err(|e| SdkError::Signing(e.to_string()))?;
            match self.client.send_and_confirm_transaction(&tx).await {
                Ok(signature) => {
                    let return_data = self.confirmed_return_data(&signature).await;
                    return Ok(TxOutcome { signature, return_data });
                }
                Err(e) => {
                    if let Some(tx_error) = e.get_transaction_error() {
                        if tx_error == solana_sdk::transaction::TransactionError::BlockhashNotFound
                            && attempt < self.options.max_retries
                        {
                            attempt += 1;
                            continue;
                        }
                        return Err(SdkError::from_transaction_error(
                            Some(tx_error),
                            &payer.pubkey(),
                        ));
                    }
                    if let ClientErrorKind::RpcError(RpcError::ForUser(msg)) = e.kind() {
                        if msg.contains("unable to confirm") && attempt < self.options.max_retries {
                            attempt += 1;
                            continue;
                        }
                    }
                    return Err(self.transport(e));
                }
            }
        }
    }

    async fn latest_blockhash(&self) -> Result<Hash, SdkError> {
        self.client.get_latest_blockhash().await.map_err(|e| self.transport(e))
    }

    async fn send_transaction(&self, transaction: &Transaction) -> Result<TxOutcome, SdkError> {
        let fee_payer = transaction.message.account_keys.first().copied().unwrap_or_default();
        match self.client.send_and_confirm_transaction(transaction).await {
            Ok(signature) => {
                let return_data = self.confirmed_return_data(&signature).await;
                Ok(TxOutcome { signature, return_data })
            }
            Err(e) => match e.get_transaction_error() {
                Some(tx_error) => Err(SdkError::from_transaction_error(Some(tx_error), &fee_payer)),
                None => Err(self.transport(e)),
            },
        }
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, SdkError> {
        self.client
            .get_account_with_commitment(address, self.options.commitment)
            .await
            .map(|r| r.value)
            .map_err(|e| self.transport(e))
    }

    async fn program_accounts(
        &self,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SdkError> {
        let config = RpcProgramAccountsConfig {
            filters: Some(filters.iter().map(Self::to_rpc_filter).collect()),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.options.commitment),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let accounts = self
            .client
            .get_program_ui_accounts_with_config(&medchain::ID, config)
            .await
            .map_err(|e| self.transport(e))?;
        accounts
            .into_iter()
            .map(|(key, ui)| {
                ui.decode::<Account>().map(|a| (key, a)).ok_or_else(|| {
                    SdkError::Transport(format!("account {key} came back undecodable"))
                })
            })
            .collect()
    }

    async fn unix_time(&self) -> Result<i64, SdkError> {
        let account = self
            .account(&solana_sdk::sysvar::clock::ID)
            .await?
            .ok_or_else(|| SdkError::Transport("the cluster returned no clock sysvar".into()))?;
        let clock: solana_sdk::clock::Clock = bincode::deserialize(&account.data)
            .map_err(|e| SdkError::Transport(format!("cannot decode the clock sysvar: {e}")))?;
        Ok(clock.unix_timestamp)
    }

    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, SdkError> {
        let signatures = self
            .client
            .get_signatures_for_address_with_config(
                address,
                GetConfirmedSignaturesForAddress2Config {
                    limit: Some(limit.min(1_000)),
                    commitment: self.transaction_config().commitment,
                    ..GetConfirmedSignaturesForAddress2Config::default()
                },
            )
            .await
            .map_err(|e| self.transport(e))?;
        let mut out = Vec::with_capacity(signatures.len());
        for status in signatures {
            let signature = Signature::from_str(&status.signature)
                .map_err(|e| SdkError::Transport(format!("bad signature from the cluster: {e}")))?;
            let mut record = self.transaction_record(&signature).await?;
            record.error = status.err.map(|e| e.to_string());
            out.push(record);
        }
        Ok(out)
    }

    async fn watch(&self, address: &Pubkey) -> Result<TxFeed, SdkError> {
        let url = match &self.options.websocket_url {
            Some(url) => url.clone(),
            None => websocket_url(&self.client.url()).ok_or_else(|| SdkError::Unreachable {
                url: self.client.url(),
                reason: "cannot derive the websocket URL from the RPC URL".into(),
            })?,
        };
        let unreachable = |reason: String| SdkError::Unreachable { url: url.clone(), reason };
        let pubsub =
            solana_pubsub_client::nonblocking::pubsub_client::PubsubClient::new(url.as_str())
                .await
                .map_err(|e| unreachable(e.to_string()))?;
        // The task owns the websocket client and its own RPC client for `getTransaction`.
        let fetcher = RpcBackend::new(self.client.url(), self.options.clone());
        let commitment = fetcher.transaction_config().commitment;
        let filter = RpcTransactionLogsFilter::Mentions(vec![address.to_string()]);
        let (feed, receiver) = tokio::sync::mpsc::channel(FEED_CAPACITY);
        let (subscribed, is_subscribed) = tokio::sync::oneshot::channel();
        let ws_url = url.clone();
        tokio::spawn(async move {
            use futures_util::StreamExt as _;
            let config = RpcTransactionLogsConfig { commitment };
            let (mut logs, _unsubscribe) = match pubsub.logs_subscribe(filter, config).await {
                Ok(subscription) => {
                    let _ = subscribed.send(Ok(()));
                    subscription
                }
                Err(e) => {
                    let _ = subscribed.send(Err(e.to_string()));
                    return;
                }
            };
            loop {
                let notice = tokio::select! {
                    () = feed.closed() => return,
                    notice = logs.next() => notice,
                };
                let item = match notice {
                    Some(notice) => fetcher.landed_record(&notice.value.signature).await,
                    None => Err(SdkError::Unreachable {
                        url: ws_url.clone(),
                        reason: "the subscription ended (connection closed)".into(),
                    }),
                };
                let failed = item.is_err();
                if feed.send(item).await.is_err() || failed {
                    return;
                }
            }
        });
        match is_subscribed.await {
            Ok(Ok(())) => Ok(receiver),
            Ok(Err(reason)) => Err(unreachable(format!("logsSubscribe failed: {reason}"))),
            Err(_) => Err(unreachable("the websocket client stopped".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::websocket_url;

    #[test]
    fn websocket_urls_follow_the_solana_cli() {
        let ws = |url: &str| websocket_url(url);
        assert_eq!(ws("http://localhost:8899").as_deref(), Some("ws://localhost:8900/"));
        assert_eq!(
            ws("https://rpc.example/path?x=1").as_deref(),
            Some("wss://rpc.example/path?x=1")
        );
        assert_eq!(ws("HTTPS://rpc.example:443/").as_deref(), Some("wss://rpc.example:444/"));
        assert_eq!(ws("http://[::1]:8899").as_deref(), Some("ws://[::1]:8900/"));
        assert_eq!(ws("http://[::1]").as_deref(), Some("ws://[::1]/"));
        assert_eq!(ws("ftp://host"), None);
        assert_eq!(ws("http://host:65535"), None, "no port above 65535");
        assert_eq!(ws("http://host:port"), None);
        assert_eq!(ws("localhost:8899"), None, "no scheme");
    }
}
