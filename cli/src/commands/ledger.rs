//! `ledger …`: the embedded ledger (info, faucet, reset).

use crate::args::wallet;
use crate::cli::Globals;
use crate::context::{ledger_dir, Target};
use crate::error::CliError;
use crate::output::Output;
use clap::Subcommand;
use serde_json::json;

/// `ledger …`
#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Where the embedded ledger is and what it holds.
    #[command(after_help = "Example: medchain ledger info")]
    Info,
    /// Credits SOL on the embedded ledger (a local faucet).
    #[command(after_help = "Example: medchain ledger airdrop <WALLET> --sol 5")]
    Airdrop {
        /// The wallet.
        wallet: String,
        /// How much SOL.
        #[arg(long, default_value_t = 1)]
        sol: u64,
    },
    /// Deletes the embedded ledger (asks for --yes).
    #[command(after_help = "Example: medchain ledger reset --yes")]
    Reset {
        /// Really delete it.
        #[arg(long)]
        yes: bool,
    },
}

/// Runs a `ledger` command (embedded ledger only).
pub async fn run(globals: &Globals, command: LedgerCommand) -> Result<Output, CliError> {
    if let LedgerCommand::Reset { yes } = command {
        // Works without opening the ledger, so that a corrupt one can be reset.
        return reset(ledger_dir(globals), yes);
    }
    if Target::resolve(globals)?.url.is_some() {
        return Err(CliError::bad(
            "`medchain ledger` works on the embedded ledger; this command targets a cluster",
        ));
    }
    embedded(globals, command).await
}

#[cfg(feature = "embedded")]
async fn embedded(globals: &Globals, command: LedgerCommand) -> Result<Output, CliError> {
    let ledger = crate::context::open_embedded(globals)?;
    match command {
        LedgerCommand::Info => Ok(info(&ledger).await),
        LedgerCommand::Airdrop { wallet: target, sol } => airdrop(&ledger, &target, sol).await,
        LedgerCommand::Reset { yes } => reset(ledger_dir(globals), yes),
    }
}

#[cfg(not(feature = "embedded"))]
async fn embedded(_globals: &Globals, _command: LedgerCommand) -> Result<Output, CliError> {
    Err(CliError::bad("this build has no embedded ledger"))
}

/// `ledger info`
#[cfg(feature = "embedded")]
async fn info(ledger: &medchain_sdk::EmbeddedBackend) -> Output {
    let (accounts, transactions) = ledger.stats().await;
    let dir = ledger.dir().display().to_string();
    let runs = ledger.program().describe();
    Output::new(
        format!("ledger:       {dir}\naccounts:     {accounts}\ntransactions: {transactions}\nprogram:      {} ({runs})", medchain::ID),
        json!({ "ledger": dir, "accounts": accounts, "transactions": transactions, "program_id": medchain::ID.to_string(), "program": runs }),
    )
}

/// `ledger airdrop`
#[cfg(feature = "embedded")]
async fn airdrop(
    ledger: &medchain_sdk::EmbeddedBackend,
    target: &str,
    sol: u64,
) -> Result<Output, CliError> {
    let target = wallet(target)?;
    let lamports =
        sol.checked_mul(1_000_000_000).ok_or_else(|| CliError::bad("--sol is too large"))?;
    ledger.airdrop(&target, lamports).await?;
    Ok(Output::new(
        format!("Credited {sol} SOL to {target}"),
        json!({ "wallet": target.to_string(), "lamports": lamports }),
    ))
}

/// `ledger reset`: deletes the ledger file in `dir` after confirmation; works on a corrupt ledger too.
fn reset(dir: std::path::PathBuf, yes: bool) -> Result<Output, CliError> {
    if !yes {
        return Err(CliError::bad(format!(
            "this deletes every account and transaction of the ledger at {}; pass --yes to confirm",
            dir.display()
        )));
    }
    // Hold the ledger's lock while deleting, so that no other process is using it.
    let lock_path = dir.join(medchain_sdk::backend::embedded::LOCK_FILE);
    let _lock =
        match std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path)
        {
            Ok(file) => match file.try_lock() {
                Ok(()) => Some(file),
                Err(_) => {
                    return Err(CliError::bad(format!(
                    "another medchain process is using the ledger at {}; try again when it is done",
                    dir.display()
                )))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(CliError::Io(format!("cannot lock {}: {e}", lock_path.display())))
            }
        };
    let path = dir.join(medchain_sdk::backend::embedded::LEDGER_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(CliError::Io(format!("cannot delete {}: {e}", path.display()))),
    }
    Ok(Output::new(
        format!("Ledger {} reset", dir.display()),
        json!({ "reset": dir.display().to_string() }),
    ))
}
