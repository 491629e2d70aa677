//! Helpers several command groups use (kept here, so that command modules never import each
//! other): account reads with the CLI's wording, transaction output, files, bundle state
//! files, sealing and wallet links.

pub mod bundle;
pub mod files;
pub mod links;
pub mod sealing;

use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use anchor_lang::prelude::Pubkey;
use medchain_sdk::{Backend, SdkError, TxOutcome};
use serde_json::json;
use solana_sdk::signature::Signature;

/// Reads and decodes a medchain account that must exist.
pub async fn fetch<T: anchor_lang::AccountDeserialize>(
    ctx: &Context,
    address: &Pubkey,
    what: &'static str,
) -> Result<T, CliError> {
    match ctx.chain.fetch(address, what).await? {
        Some(account) => Ok(account),
        None => Err(missing(ctx, &address.to_string(), what)),
    }
}

/// An SDK error, with a missing account named as [`fetch`] names it.
pub fn sdk_error(ctx: &Context, error: SdkError) -> CliError {
    match error {
        SdkError::AccountNotFound { address, what } => missing(ctx, &address, what),
        other => CliError::Sdk(other),
    }
}

fn missing(ctx: &Context, address: &str, what: &str) -> CliError {
    CliError::bad(format!(
        "no {what} account at {address} on {} (not registered yet?)",
        ctx.chain.backend().describe()
    ))
}

/// The JSON shape of a transaction result.
pub fn tx_json(action: &str, signature: &Signature) -> serde_json::Value {
    json!({ "action": action, "signature": signature.to_string() })
}

/// A transaction's output: `human` and its signature, and [`tx_json`].
pub fn tx_output(human: impl std::fmt::Display, action: &str, outcome: &TxOutcome) -> Output {
    Output::new(
        format!("{human}\nsignature: {}", outcome.signature),
        tx_json(action, &outcome.signature),
    )
}
