//! `serve`: the Solana Actions server (the HTTP layer is [`crate::serve`]).

use crate::args::wallet;
use crate::cli::Globals;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::serve::{AppState, ServerConfig};
use crate::shared::links::base_url;
use anchor_lang::prelude::Pubkey;
use clap::Args;
use medchain_sdk::actions::ActionOptions;
use medchain_sdk::identity::IdentifierMap;
use medchain_sdk::Backend;
use serde_json::json;
use solana_sdk::signature::{Keypair, Signer};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Longest provider display name accepted.
const MAX_NAME_CHARS: usize = 64;

/// `serve`
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on (put an HTTPS reverse proxy in front; see docs/ACTIONS.md).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The public https base URL wallets reach the server at (icons and links are absolute).
    #[arg(long, env = "MEDCHAIN_ACTIONS_URL")]
    pub base_url: String,
    /// The clinic's fee-payer keypair: pays fees and rent and signs first, so patients need no SOL.
    #[arg(long)]
    pub fee_payer: Option<PathBuf>,
    /// Only serve actions of these provider wallets (repeatable; default: every registered provider).
    #[arg(long = "provider", value_name = "WALLET")]
    pub providers: Vec<String>,
    /// A name wallets show for a provider: WALLET=NAME (repeatable).
    #[arg(long = "provider-name", value_name = "WALLET=NAME")]
    pub provider_names: Vec<String>,
    /// Requests a minute per client address.
    #[arg(long, default_value_t = 60)]
    pub rate_limit: u32,
    /// Requests a client may make at once before the rate limit applies.
    #[arg(long, default_value_t = 20)]
    pub burst: u32,
    /// Take the client address from X-Forwarded-For (only behind a reverse proxy that sets it).
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// The clinic's off-chain identifier map (JSON: MRNs, NPIs → wallets; docs/INTEROP.md).
    #[arg(long, value_name = "FILE")]
    pub identifier_map: Option<PathBuf>,
    /// Record every consent consult as a record_access transaction (needs --provider-keypair).
    #[arg(long)]
    pub record_decisions: bool,
    /// A provider's keypair that signs recorded consults (repeatable; with --record-decisions).
    #[arg(long = "provider-keypair", value_name = "FILE")]
    pub provider_keypairs: Vec<PathBuf>,
}

/// Runs `medchain serve` until the process is stopped.
pub async fn run(globals: &Globals, args: ServeArgs) -> Result<Output, CliError> {
    let ctx = Context::open(globals)?;
    let urls = base_url(&args.base_url)?;
    let fee_payer = args.fee_payer.as_deref().map(crate::config::read_keypair).transpose()?;
    let providers: BTreeSet<_> =
        args.providers.iter().map(|p| wallet(p)).collect::<Result<_, _>>()?;
    let provider_names = provider_names(&args.provider_names)?;
    if args.rate_limit == 0 {
        return Err(CliError::bad("--rate-limit must be at least 1 request a minute"));
    }
    let identifiers = match &args.identifier_map {
        Some(path) => IdentifierMap::load(path).map_err(|e| CliError::bad(e.to_string()))?,
        None => IdentifierMap::new(),
    };
    let provider_keys = decision_keys(&ctx, &args).await?;
    let decisions_text = if args.record_decisions {
        format!("recorded for {} provider(s)", provider_keys.len())
    } else {
        "read-only".to_string()
    };
    let chain_id = ctx.chain.backend().chain_id().await?;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .map_err(|e| CliError::bad(format!("cannot listen on {}: {e}", args.bind)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Io(format!("cannot read the bound address: {e}")))?;
    let describe = ctx.chain.backend().describe();
    let payer_text = fee_payer.as_ref().map_or_else(
        || "none (patients pay their own fees)".to_string(),
        |k| k.pubkey().to_string(),
    );
    let config = ServerConfig {
        base_url: urls.base().to_string(),
        fee_payer,
        options: ActionOptions {
            fee_payer: None,
            providers: (!providers.is_empty()).then_some(providers),
            provider_names,
        },
        chain_id: chain_id.clone(),
        rate_per_minute: args.rate_limit,
        rate_burst: args.burst,
        trust_forwarded_for: args.trust_forwarded_for,
        identifiers: Arc::new(identifiers),
        record_decisions: args.record_decisions,
        provider_keys,
    };
    let state = Arc::new(AppState::new(Arc::new(ctx.chain), config));
    // Printed before serving (and flushed), so scripts and tests can read the address.
    let mut stdout = std::io::stdout();
    let _ = writeln!(
        stdout,
        "listening on http://{local}\npublic URL: {}\nactions.json: {}/actions.json\nconsent decisions: {}/cds-services ({decisions_text})\ncluster: {describe} ({chain_id})\nfee payer: {payer_text}",
        urls.base(),
        urls.base(),
        urls.base(),
    );
    let _ = stdout.flush();
    crate::serve::serve(listener, state)
        .await
        .map_err(|e| CliError::Io(format!("the server stopped: {e}")))?;
    Ok(Output::new("server stopped", json!({ "stopped": true })))
}

/// The `--provider-keypair` files, read and checked: only with `--record-decisions`, which
/// needs at least one, each a registered provider's wallet.
async fn decision_keys(ctx: &Context, args: &ServeArgs) -> Result<Vec<Keypair>, CliError> {
    if args.record_decisions && args.provider_keypairs.is_empty() {
        return Err(CliError::bad(
            "--record-decisions needs the provider keypairs that sign them (--provider-keypair FILE)",
        ));
    }
    if !args.record_decisions && !args.provider_keypairs.is_empty() {
        return Err(CliError::bad("--provider-keypair is only used with --record-decisions"));
    }
    let mut keys = Vec::new();
    for path in &args.provider_keypairs {
        let key = crate::config::read_keypair(path)?;
        if ctx.chain.provider(&key.pubkey()).await?.is_none() {
            return Err(CliError::bad(format!(
                "--provider-keypair {}: {} is not a registered provider",
                path.display(),
                key.pubkey()
            )));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// The `--provider-name WALLET=NAME` entries, checked.
fn provider_names(entries: &[String]) -> Result<BTreeMap<Pubkey, String>, CliError> {
    let mut names = BTreeMap::new();
    for entry in entries {
        let (key, name) = entry.split_once('=').ok_or_else(|| {
            CliError::bad(format!("--provider-name takes WALLET=NAME, got '{entry}'"))
        })?;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(CliError::bad(format!(
                "--provider-name: a name of 1 to {MAX_NAME_CHARS} printable characters, got '{name}'"
            )));
        }
        names.insert(wallet(key)?, name.to_string());
    }
    Ok(names)
}
