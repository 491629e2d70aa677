//! Command implementations, one module per group.

mod admin;
mod demo;
mod ledger;
mod patient;
mod provider;
mod records;
mod sealing;
mod serve;
mod views;

use crate::cli::{Cli, Command, TermsArgs};
use crate::config::{self, expand_home};
use crate::context::{AnyBackend, Context};
use crate::error::CliError;
use crate::output::Output;
use anchor_lang::prelude::Pubkey;
use clap::CommandFactory;
use medchain_sdk::names::{parse_actions, parse_categories, parse_purposes};
use medchain_sdk::state::{ConsentTerms, RequestTerms, Scope};
use medchain_sdk::{Medchain, RpcBackend, RpcOptions};
use serde_json::json;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::signature::{write_keypair_file, Keypair, Signer};
use std::str::FromStr;

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<Output, CliError> {
    match &cli.command {
        Command::Completions { shell } => {
            let mut buffer = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "medchain", &mut buffer);
            let script = String::from_utf8_lossy(&buffer).to_string();
            return Ok(Output::new(script.clone(), json!({ "script": script })));
        }
        Command::Keygen(args) => return keygen(&args.outfile, args.force),
        Command::Qr(args) => return serve::qr(args),
        Command::Demo(args) => return demo::run(args, &cli).await,
        Command::Provider(crate::cli::ProviderCommand::EncryptionKey(
            crate::cli::EncryptionKeyCommand::Generate { outfile },
        )) => {
            return sealing::generate_key(outfile);
        }
        Command::Record(command) if records::is_offline(command) => {
            return records::run_offline(command);
        }
        Command::Ledger(crate::cli::LedgerCommand::Reset { yes }) => {
            // Works without opening the ledger, so that a corrupt one can be reset.
            return ledger::reset(
                cli.ledger.clone().unwrap_or_else(config::default_ledger_dir),
                *yes,
            );
        }
        _ => {}
    }
    let ctx = context(&cli)?;
    match cli.command {
        Command::Admin(c) => admin::run_admin(&ctx, c).await,
        Command::Issuer(c) => admin::run_issuer(&ctx, c).await,
        Command::Provider(c) => provider::run(&ctx, c).await,
        Command::Patient(c) => patient::run(&ctx, c).await,
        Command::Record(c) => records::run(&ctx, c).await,
        Command::Consent(c) => views::run_consent(&ctx, c).await,
        Command::Audit(c) => views::run_audit(&ctx, c).await,
        Command::Ledger(c) => ledger::run(&ctx, c).await,
        Command::Serve(args) => serve::run(ctx, args).await,
        Command::Demo(_) | Command::Keygen(_) | Command::Qr(_) | Command::Completions { .. } => {
            Err(CliError::bad("handled above"))
        }
    }
}

/// Resolves cluster, signer and output from flags, the Solana CLI config and defaults.
fn context(cli: &Cli) -> Result<Context, CliError> {
    let config = config::load_config(cli.config.as_deref())?;
    let commitment = match cli.commitment.as_deref().or(config.commitment.as_deref()) {
        Some("processed") => CommitmentConfig::processed(),
        Some("finalized") => CommitmentConfig::finalized(),
        Some("confirmed") | None => CommitmentConfig::confirmed(),
        Some(other) => {
            return Err(CliError::bad(format!("unknown commitment '{other}' in the config")))
        }
    };
    let keypair_path = cli
        .keypair
        .clone()
        .or_else(|| config.keypair_path.as_deref().map(expand_home))
        .or_else(config::default_keypair_path)
        .ok_or_else(|| CliError::bad("no keypair: pass -k/--keypair"))?;
    let url = match (&cli.ledger, &cli.url) {
        (Some(_), _) => None,
        (None, Some(url)) => Some(config::resolve_url(url)?),
        (None, None) => config.json_rpc_url.clone(),
    };
    if url.is_some() && cli.program.is_some() && std::env::var_os("MEDCHAIN_PROGRAM_SO").is_none() {
        return Err(CliError::bad(
            "--program runs a .so on the embedded ledger; a cluster runs the program deployed \
             there (drop -u or --program)",
        ));
    }
    let backend = match url {
        Some(url) => {
            let options = RpcOptions { commitment, ..RpcOptions::default() };
            AnyBackend::Rpc(RpcBackend::new(url, options))
        }
        None => embedded(cli)?,
    };
    Ok(Context { chain: Medchain::new(backend), output: cli.output, keypair_path })
}

#[cfg(feature = "embedded")]
fn embedded(cli: &Cli) -> Result<AnyBackend, CliError> {
    let dir = cli.ledger.clone().unwrap_or_else(config::default_ledger_dir);
    let options = medchain_sdk::EmbeddedOptions {
        program: program_source(cli),
        ..medchain_sdk::EmbeddedOptions::default()
    };
    let ledger = medchain_sdk::EmbeddedBackend::open_with(dir, options)?;
    if !cli.no_faucet {
        ledger.set_faucet(crate::context::EMBEDDED_FUNDING);
    }
    Ok(AnyBackend::Embedded(Box::new(ledger)))
}

/// The program the embedded ledger runs: `--program` (or `MEDCHAIN_PROGRAM_SO`), else native.
#[cfg(feature = "embedded")]
pub(crate) fn program_source(cli: &Cli) -> medchain_sdk::ProgramSource {
    cli.program
        .clone()
        .map_or(medchain_sdk::ProgramSource::Native, medchain_sdk::ProgramSource::sbf)
}

#[cfg(not(feature = "embedded"))]
fn embedded(_cli: &Cli) -> Result<AnyBackend, CliError> {
    Err(CliError::bad("no cluster configured and this build has no embedded ledger: pass -u"))
}

fn keygen(path: &std::path::Path, force: bool) -> Result<Output, CliError> {
    if path.exists() && !force {
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

/// Parses a wallet given as a base58 public key or a keypair file.
pub fn wallet(text: &str) -> Result<Pubkey, CliError> {
    if let Ok(key) = Pubkey::from_str(text) {
        return Ok(key);
    }
    let path = std::path::Path::new(text);
    if path.exists() {
        return config::read_keypair(path).map(|k| k.pubkey());
    }
    Err(CliError::bad(format!("'{text}' is neither a base58 public key nor a keypair file")))
}

/// Consent terms from the command line, expiring `days` from `now`.
pub fn consent_terms(args: &TermsArgs, now: i64) -> Result<ConsentTerms, CliError> {
    Ok(ConsentTerms {
        scope: Scope::new(
            parse_categories(&args.categories)?,
            parse_purposes(&args.purposes)?,
            parse_actions(&args.actions)?,
        ),
        expires_at: now + i64::from(args.days) * 86_400,
    })
}

/// Request terms from the command line.
pub fn request_terms(args: &TermsArgs) -> Result<RequestTerms, CliError> {
    Ok(RequestTerms::new(
        Scope::new(
            parse_categories(&args.categories)?,
            parse_purposes(&args.purposes)?,
            parse_actions(&args.actions)?,
        ),
        i64::from(args.days) * 86_400,
    ))
}

/// The JSON shape of a transaction result.
pub fn tx_json(action: &str, signature: &solana_sdk::signature::Signature) -> serde_json::Value {
    json!({ "action": action, "signature": signature.to_string() })
}
