//! `medchain-test-validator`: a real local Solana validator (agave's `solana-test-validator`
//! crate: the same `TestValidatorGenesis` the `solana-test-validator` command runs — banking
//! stage, RocksDB ledger, JSON-RPC and PubSub) with the medchain SBF program deployed at genesis
//! through the upgradeable loader, as `solana program deploy` leaves it.
//!
//! ```sh
//! medchain-test-validator --program target/deploy/medchain.so \
//!     --upgrade-authority <ADMIN_WALLET> --mint-keypair mint.json [--rpc-port 8899] [--ledger DIR]
//! ```
//!
//! When the validator is ready it prints one JSON line on stdout, `{"rpc_url", "pubsub_url",
//! "mint", "program_id"}`, and serves until its standard input closes or it is killed. The mint
//! keypair written to `--mint-keypair` holds the genesis SOL: fund wallets from it.

use solana_keypair::{write_keypair_file, Keypair};
use solana_pubkey::Pubkey;
use solana_rpc::rpc::JsonRpcConfig;
use solana_signer::Signer;
use solana_test_validator::{TestValidatorGenesis, UpgradeableProgramInfo};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

/// The medchain program id (`declare_id!` in programs/medchain/src/lib.rs).
const MEDCHAIN_ID: &str = "Fx52bsf4V3TyLN4awhjtx3h3ZKpRPVFasKGYpo6qyFUZ";

const USAGE: &str = "usage: medchain-test-validator --program PATH.so --upgrade-authority PUBKEY \
--mint-keypair FILE [--program-id PUBKEY] [--rpc-port PORT] [--ledger DIR]";

struct Args {
    program: PathBuf,
    program_id: Pubkey,
    upgrade_authority: Pubkey,
    mint_keypair: PathBuf,
    rpc_port: Option<u16>,
    ledger: Option<PathBuf>,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut program, mut authority, mut mint, mut port, mut ledger) =
        (None, None, None, None, None);
    let mut program_id = Pubkey::from_str(MEDCHAIN_ID).map_err(|e| e.to_string())?;
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--program" => program = Some(PathBuf::from(value()?)),
            "--program-id" => {
                program_id =
                    Pubkey::from_str(&value()?).map_err(|e| format!("--program-id: {e}"))?
            }
            "--upgrade-authority" => {
                authority = Some(
                    Pubkey::from_str(&value()?).map_err(|e| format!("--upgrade-authority: {e}"))?,
                )
            }
            "--mint-keypair" => mint = Some(PathBuf::from(value()?)),
            "--rpc-port" => {
                port = Some(value()?.parse::<u16>().map_err(|e| format!("--rpc-port: {e}"))?)
            }
            "--ledger" => ledger = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        program: program.ok_or_else(|| format!("--program is required\n{USAGE}"))?,
        program_id,
        upgrade_authority: authority
            .ok_or_else(|| format!("--upgrade-authority is required\n{USAGE}"))?,
        mint_keypair: mint.ok_or_else(|| format!("--mint-keypair is required\n{USAGE}"))?,
        rpc_port: port,
        ledger,
    })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if !args.program.is_file() {
        eprintln!("--program {}: no such file", args.program.display());
        return ExitCode::from(2);
    }
    let mut genesis = TestValidatorGenesis::default();
    // As the `solana-test-validator` command does: keep transaction history, so that
    // `getTransaction` and `getSignaturesForAddress` (the audit trail) answer.
    genesis.rpc_config(JsonRpcConfig {
        enable_rpc_transaction_history: true,
        enable_extended_tx_metadata_storage: true,
        ..JsonRpcConfig::default_for_test()
    });
    genesis.add_upgradeable_programs_with_path(&[UpgradeableProgramInfo {
        program_id: args.program_id,
        loader: solana_sdk_ids::bpf_loader_upgradeable::id(),
        upgrade_authority: args.upgrade_authority,
        program_path: args.program.clone(),
    }]);
    if let Some(port) = args.rpc_port {
        genesis.rpc_port(port);
    }
    if let Some(ledger) = &args.ledger {
        genesis.ledger_path(ledger);
    }
    let (validator, mint): (_, Keypair) = genesis.start();
    if let Err(e) = write_keypair_file(&mint, &args.mint_keypair) {
        eprintln!("cannot write {}: {e}", args.mint_keypair.display());
        return ExitCode::from(1);
    }
    let ready = format!(
        "{{\"rpc_url\":\"{}\",\"pubsub_url\":\"{}\",\"mint\":\"{}\",\"program_id\":\"{}\"}}",
        validator.rpc_url(),
        validator.rpc_pubsub_url(),
        mint.pubkey(),
        args.program_id
    );
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "{ready}").and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    // Serve until the parent closes our standard input (or kills us).
    let mut sink = [0u8; 256];
    let mut stdin = std::io::stdin();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    drop(validator);
    ExitCode::SUCCESS
}
