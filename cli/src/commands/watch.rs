//! `watch --patient WALLET`: a patient's requests, grants, revokes, access attempts and
//! break-glass openings as they happen ([`medchain_sdk::watch`]), one line (or one JSON
//! object) per event, until Ctrl-C.

use crate::args::wallet;
use crate::cli::Globals;
use crate::context::{Context, Target};
use crate::error::CliError;
use crate::output::{Output, OutputFormat};
use clap::Args;
use std::io::Write;

/// `watch`
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The patient's wallet (base58, or a keypair file).
    #[arg(long)]
    pub patient: String,
}

/// The sentence the embedded ledger gets: it is watched inside the process that holds it.
pub const EMBEDDED_HINT: &str = "the embedded ledger can only be watched by the process that \
holds it: run `medchain serve` on it and follow GET /api/watch/<PATIENT_WALLET> (server-sent \
events), or watch a cluster with -u";

/// Runs `watch`: prints each event as it comes; returns on Ctrl-C or when the feed ends.
pub async fn run(globals: &Globals, args: WatchArgs) -> Result<Output, CliError> {
    let patient = wallet(&args.patient)?;
    let embedded = Target::resolve(globals)?.url.is_none() || globals.ledger.is_some();
    let ctx = Context::open(globals)?;
    if embedded {
        // Another process cannot see this ledger's commits, and holding the ledger here
        // would lock every other command out of it. An unknown patient is still reported.
        if ctx.chain.patient(&patient).await?.is_none() {
            return Err(unregistered(&patient));
        }
        return Err(CliError::bad(EMBEDDED_HINT));
    }
    let mut watch = match ctx.chain.watch_patient(&patient).await {
        Err(medchain_sdk::SdkError::AccountNotFound { .. }) => return Err(unregistered(&patient)),
        other => other?,
    };
    // On stderr in every output format: the subscription is in place from here on.
    eprintln!("watching patient {patient} on {} (Ctrl-C to stop)", ctx.chain.backend().describe());
    let mut stdout = std::io::stdout();
    loop {
        let next = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(Output::streamed()),
            next = watch.next(&ctx.chain) => next,
        };
        let event = match next {
            Some(event) => event?,
            None => return Ok(Output::streamed()),
        };
        let line = match ctx.output {
            OutputFormat::Display => {
                let when = event.entry.unix_time.map_or_else(String::new, |t| format!("{t} "));
                format!("{when}{:<20} {}", event.kind.as_str(), event.summary)
            }
            OutputFormat::Json | OutputFormat::JsonCompact => serde_json::to_string(&event)
                .map_err(|e| CliError::Io(format!("cannot print an event: {e}")))?,
        };
        writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .map_err(|e| CliError::Io(format!("cannot write to stdout: {e}")))?;
    }
}

fn unregistered(patient: &solana_sdk::pubkey::Pubkey) -> CliError {
    CliError::bad(format!(
        "{patient} is not a registered patient (the patient registers with `medchain patient register`)"
    ))
}
