//! The resolved environment of one command: the backend (cluster or embedded ledger), the
//! signer's keypair path and the output format.
//!
//! Commands hold the backend as a `Box<dyn Backend>`: the SDK implements [`Backend`] for
//! boxes, so every command runs one code path whichever backend it is, with no forwarding
//! layer here. The few embedded-only commands (`ledger …`, `demo`) open the
//! [`medchain_sdk::EmbeddedBackend`] themselves ([`open_embedded`]).

use crate::cli::Globals;
use crate::config::{self, expand_home};
use crate::error::CliError;
use crate::output::OutputFormat;
use medchain_sdk::{Backend, Medchain, RpcBackend, RpcOptions};
use solana_commitment_config::CommitmentConfig;
use solana_sdk::signature::Keypair;
use std::path::PathBuf;

/// Lamports the embedded faucet tops a signer up to before it pays.
pub const EMBEDDED_FUNDING: u64 = 10_000_000_000;

/// One command's environment.
pub struct Context {
    /// The client.
    pub chain: Medchain<Box<dyn Backend>>,
    /// Output format.
    pub output: OutputFormat,
    /// The `-k` keypair path.
    pub keypair_path: PathBuf,
}

impl Context {
    /// Resolves cluster, signer and output from flags, the Solana CLI config and defaults, and
    /// opens the backend.
    pub fn open(globals: &Globals) -> Result<Context, CliError> {
        let target = Target::resolve(globals)?;
        let backend: Box<dyn Backend> = match target.url {
            Some(url) => {
                let options = RpcOptions { commitment: target.commitment, ..RpcOptions::default() };
                Box::new(RpcBackend::new(url, options))
            }
            None => embedded_backend(globals)?,
        };
        Ok(Context {
            chain: Medchain::new(backend),
            output: globals.output,
            keypair_path: target.keypair_path,
        })
    }

    /// The signer named by `-k` (or the config), read from its file. On the embedded ledger
    /// the local faucet (see `--no-faucet`) pays for it inside each transaction.
    pub fn signer(&self) -> Result<Keypair, CliError> {
        config::read_keypair(&self.keypair_path)
    }

    /// True for `--output display` (progress bars and notes on stderr are shown then).
    pub fn is_display(&self) -> bool {
        self.output == OutputFormat::Display
    }
}

/// Where a command goes: a cluster URL, or (`None`) the embedded ledger.
pub struct Target {
    /// The cluster's RPC URL; `None` for the embedded ledger.
    pub url: Option<String>,
    /// Commitment for reads and confirmations on a cluster.
    pub commitment: CommitmentConfig,
    /// The signer's keypair file.
    pub keypair_path: PathBuf,
}

impl Target {
    /// Resolves the target from flags, the Solana CLI config and defaults.
    pub fn resolve(globals: &Globals) -> Result<Target, CliError> {
        let config = config::load_config(globals.config.as_deref())?;
        let commitment = match globals.commitment.as_deref().or(config.commitment.as_deref()) {
            Some("processed") => CommitmentConfig::processed(),
            Some("finalized") => CommitmentConfig::finalized(),
            Some("confirmed") | None => CommitmentConfig::confirmed(),
            Some(other) => {
                return Err(CliError::bad(format!("unknown commitment '{other}' in the config")))
            }
        };
        let keypair_path = globals
            .keypair
            .clone()
            .or_else(|| config.keypair_path.as_deref().map(expand_home))
            .or_else(config::default_keypair_path)
            .ok_or_else(|| CliError::bad("no keypair: pass -k/--keypair"))?;
        let url = match (&globals.ledger, &globals.url) {
            (Some(_), _) => None,
            (None, Some(url)) => Some(config::resolve_url(url)?),
            (None, None) => config.json_rpc_url.clone(),
        };
        let program_from_flag =
            globals.program.is_some() && std::env::var_os("MEDCHAIN_PROGRAM_SO").is_none();
        if url.is_some() && program_from_flag {
            return Err(CliError::bad(
                "--program runs a .so on the embedded ledger; a cluster runs the program deployed \
                 there (drop -u or --program)",
            ));
        }
        Ok(Target { url, commitment, keypair_path })
    }
}

#[cfg(feature = "embedded")]
fn embedded_backend(globals: &Globals) -> Result<Box<dyn Backend>, CliError> {
    Ok(Box::new(open_embedded(globals)?))
}

#[cfg(not(feature = "embedded"))]
fn embedded_backend(_globals: &Globals) -> Result<Box<dyn Backend>, CliError> {
    Err(CliError::bad("no cluster configured and this build has no embedded ledger: pass -u"))
}

/// Opens the embedded ledger of `--ledger` (default under the data directory), with the
/// local faucet unless `--no-faucet`.
#[cfg(feature = "embedded")]
pub fn open_embedded(globals: &Globals) -> Result<medchain_sdk::EmbeddedBackend, CliError> {
    let dir = ledger_dir(globals);
    let options = medchain_sdk::EmbeddedOptions {
        program: program_source(globals),
        ..medchain_sdk::EmbeddedOptions::default()
    };
    let ledger = medchain_sdk::EmbeddedBackend::open_with(dir, options)?;
    if !globals.no_faucet {
        ledger.set_faucet(EMBEDDED_FUNDING);
    }
    Ok(ledger)
}

/// The embedded ledger directory: `--ledger`, else the default under the data directory.
pub fn ledger_dir(globals: &Globals) -> PathBuf {
    globals.ledger.clone().unwrap_or_else(config::default_ledger_dir)
}

/// The program the embedded ledger runs: `--program` (or `MEDCHAIN_PROGRAM_SO`), else native.
#[cfg(feature = "embedded")]
pub fn program_source(globals: &Globals) -> medchain_sdk::ProgramSource {
    globals
        .program
        .clone()
        .map_or(medchain_sdk::ProgramSource::Native, medchain_sdk::ProgramSource::sbf)
}
