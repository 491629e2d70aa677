//! `keygen`: a new keypair file.

use crate::error::CliError;
use crate::output::Output;
use clap::Args;
use serde_json::json;
use solana_sdk::signature::{write_keypair_file, Keypair, Signer};
use std::path::PathBuf;

/// `keygen`
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Where to write the keypair.
    #[arg(short = 'o', long)]
    pub outfile: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Runs `medchain keygen` (no cluster needed).
pub fn run(args: &KeygenArgs) -> Result<Output, CliError> {
    let path = &args.outfile;
    if path.exists() && !args.force {
        return Err(CliError::bad(format!(
            "{} exists; pass --force to overwrite it",
            path.display()
        )));
    }
    let keypair = Keypair::new();
    write_keypair_file(&keypair, path)
        .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
    Ok(Output::new(
        format!("Wrote a new keypair to {}\npubkey: {}", path.display(), keypair.pubkey()),
        json!({ "outfile": path.display().to_string(), "pubkey": keypair.pubkey().to_string() }),
    ))
}
