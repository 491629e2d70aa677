//! `serve` (the Actions server), `qr`, and the wallet links that `provider request` and
//! `provider propose` print.

use super::wallet;
use crate::cli::{ActionLinkArgs, QrCommandArgs, ServeArgs};
use crate::context::{AnyBackend, Context};
use crate::error::CliError;
use crate::output::Output;
use crate::serve::{AppState, ServerConfig};
#[cfg(feature = "embedded")]
use medchain_sdk::actions::spec::EMBEDDED_CHAIN_ID;
use medchain_sdk::actions::spec::{
    action_url, chain_id_from_genesis_hash, decode_request_url, transaction_request_url,
};
use medchain_sdk::actions::{ActionOptions, ActionUrls};
use medchain_sdk::Backend;
use serde_json::json;
use solana_sdk::signature::Signer;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;

/// Longest provider display name accepted.
const MAX_NAME_CHARS: usize = 64;

/// Checks a public base URL: https, or http on this machine (for local trials).
pub fn base_url(text: &str) -> Result<ActionUrls, CliError> {
    let url = text.trim().trim_end_matches('/');
    let local = ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|prefix| url.starts_with(prefix));
    let host = url.strip_prefix("https://").unwrap_or("");
    if (host.is_empty() || host.contains(['?', '#', ' '])) && !local {
        return Err(CliError::bad(format!(
            "--base-url must be the server's public https URL (e.g. https://clinic.example), got '{text}'; wallets only call https"
        )));
    }
    Ok(ActionUrls::new(url))
}

/// Runs `medchain serve` until the process is stopped.
pub async fn run(ctx: Context, args: ServeArgs) -> Result<Output, CliError> {
    let urls = base_url(&args.base_url)?;
    let fee_payer = args.fee_payer.as_deref().map(crate::config::read_keypair).transpose()?;
    let providers: BTreeSet<_> =
        args.providers.iter().map(|p| wallet(p)).collect::<Result<_, _>>()?;
    let mut provider_names = BTreeMap::new();
    for entry in &args.provider_names {
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
        provider_names.insert(wallet(key)?, name.to_string());
    }
    if args.rate_limit == 0 {
        return Err(CliError::bad("--rate-limit must be at least 1 request a minute"));
    }
    let chain_id = match ctx.chain.backend() {
        #[cfg(feature = "embedded")]
        AnyBackend::Embedded(_) => EMBEDDED_CHAIN_ID.to_string(),
        AnyBackend::Rpc(rpc) => {
            let hash = rpc.client().get_genesis_hash().await.map_err(|e| {
                CliError::Sdk(medchain_sdk::SdkError::Unreachable {
                    url: rpc.client().url(),
                    reason: e.to_string(),
                })
            })?;
            chain_id_from_genesis_hash(&hash.to_string())
        }
    };
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
    };
    let state = Arc::new(AppState::new(Arc::new(ctx.chain), config));
    // Printed before serving (and flushed), so scripts and tests can read the address.
    let mut stdout = std::io::stdout();
    let _ = writeln!(
        stdout,
        "listening on http://{local}\npublic URL: {}\nactions.json: {}/actions.json\ncluster: {describe} ({chain_id})\nfee payer: {payer_text}",
        urls.base(),
        urls.base(),
    );
    let _ = stdout.flush();
    crate::serve::serve(listener, state)
        .await
        .map_err(|e| CliError::Io(format!("the server stopped: {e}")))?;
    Ok(Output::new("server stopped", json!({ "stopped": true })))
}

/// Runs `medchain qr`.
pub fn qr(args: &QrCommandArgs) -> Result<Output, CliError> {
    let https = if args.url.starts_with("https://") || args.url.starts_with("http://") {
        args.url.clone()
    } else {
        decode_request_url(&args.url).ok_or_else(|| {
            CliError::bad(format!(
                "'{}' is neither an https action URL nor a solana: transaction request",
                args.url
            ))
        })?
    };
    let link = ActionLinkArgs {
        base_url: None,
        qr: true,
        qr_png: args.png.clone(),
        qr_svg: args.svg.clone(),
    };
    links(&link, &[("action", https)])
}

/// The wallet links of `actions` (label, https URL): each with its Solana Pay
/// transaction-request URL; the first one's QR code as asked by `link`.
pub fn links(link: &ActionLinkArgs, actions: &[(&str, String)]) -> Result<Output, CliError> {
    let mut human = String::new();
    let mut items = Vec::new();
    for (label, https) in actions {
        let request = transaction_request_url(https);
        human.push_str(&format!(
            "{label}:\n  action URL:          {https}\n  transaction request: {request}\n"
        ));
        items.push(json!({
            "label": label,
            "action_url": https,
            "blink_url": action_url(https),
            "transaction_request_url": request,
        }));
    }
    let mut files = serde_json::Map::new();
    if let Some((label, https)) = actions.first() {
        let request = transaction_request_url(https);
        if link.qr {
            human.push_str(&format!("\nScan to {label} (the patient's wallet opens it):\n"));
            human.push_str(&crate::qr::terminal(&request)?);
            human.push('\n');
        }
        if let Some(path) = &link.qr_png {
            std::fs::write(path, crate::qr::png(&request)?)
                .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            human.push_str(&format!("QR code (PNG): {}\n", path.display()));
            files.insert("qr_png".into(), json!(path.display().to_string()));
        }
        if let Some(path) = &link.qr_svg {
            std::fs::write(path, crate::qr::svg(&request)?)
                .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            human.push_str(&format!("QR code (SVG): {}\n", path.display()));
            files.insert("qr_svg".into(), json!(path.display().to_string()));
        }
    }
    let mut value = json!({ "links": items });
    if let Some(object) = value.as_object_mut() {
        object.extend(files);
    }
    Ok(Output::new(human, value))
}
