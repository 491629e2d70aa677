//! `qr`: the Solana Pay transaction-request URL of an action URL, and its QR code.

use crate::args::ActionLinkArgs;
use crate::error::CliError;
use crate::output::Output;
use crate::shared::links::links;
use clap::Args;
use medchain_sdk::actions::spec::decode_request_url;
use std::path::PathBuf;

/// `qr`
#[derive(Args, Debug)]
pub struct QrArgs {
    /// An action URL (https://…/api/actions/…) or a solana: / solana-action: URL.
    pub url: String,
    /// Write the QR code as a PNG image.
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
    /// Write the QR code as an SVG image.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// Runs `medchain qr` (no cluster needed).
pub fn run(args: &QrArgs) -> Result<Output, CliError> {
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
