//! `ledger …`: the embedded ledger.

use super::wallet;
use crate::cli::LedgerCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use serde_json::json;

/// Runs a `ledger` command (embedded ledger only).
pub async fn run(ctx: &Context, command: LedgerCommand) -> Result<Output, CliError> {
    #[cfg(feature = "embedded")]
    {
        let ledger = ctx.chain.backend().embedded().ok_or_else(|| {
            CliError::bad(
                "`medchain ledger` works on the embedded ledger; this command targets a cluster",
            )
        })?;
        match command {
            LedgerCommand::Info => {
                let (accounts, transactions) = ledger.stats().await;
                let dir = ledger.dir().display().to_string();
                let runs = ledger.program().describe();
                Ok(Output::new(
                    format!("ledger:       {dir}\naccounts:     {accounts}\ntransactions: {transactions}\nprogram:      {} ({runs})", medchain::ID),
                    json!({ "ledger": dir, "accounts": accounts, "transactions": transactions, "program_id": medchain::ID.to_string(), "program": runs }),
                ))
            }
            LedgerCommand::Airdrop { wallet: target, sol } => {
                let target = wallet(&target)?;
                let lamports = sol
                    .checked_mul(1_000_000_000)
                    .ok_or_else(|| CliError::bad("--sol is too large"))?;
                ledger.airdrop(&target, lamports).await?;
                Ok(Output::new(
                    format!("Credited {sol} SOL to {target}"),
                    json!({ "wallet": target.to_string(), "lamports": lamports }),
                ))
            }
            LedgerCommand::Reset { .. } => {
                Err(CliError::bad("ledger reset is handled before the ledger is opened"))
            }
        }
    }
    #[cfg(not(feature = "embedded"))]
    {
        let _ = (ctx, command);
        Err(CliError::bad("this build has no embedded ledger"))
    }
}

/// Deletes the ledger file in `dir` after confirmation; works on a corrupt ledger too.
pub fn reset(dir: std::path::PathBuf, yes: bool) -> Result<Output, CliError> {
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
