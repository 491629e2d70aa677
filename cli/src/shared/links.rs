//! Wallet links: the public base URL of the clinic's `medchain serve`, and the action URLs,
//! Solana Pay transaction-request URLs and QR codes that `provider request`, `provider
//! propose` and `qr` print.

use crate::args::ActionLinkArgs;
use crate::error::CliError;
use crate::output::Output;
use medchain_sdk::actions::spec::{action_url, transaction_request_url};
use medchain_sdk::actions::ActionUrls;
use serde_json::json;

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
