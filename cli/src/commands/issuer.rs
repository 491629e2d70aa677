//! `issuer …`: credentialing bodies register, suspend and reinstate providers.

use crate::args::{hex32, wallet};
use crate::cli::Globals;
use crate::config::read_keypair;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::shared::tx_output;
use clap::Subcommand;
use medchain_sdk::state::ProviderKind;
use sha2::{Digest, Sha256};
use solana_sdk::signature::Signer;
use std::path::{Path, PathBuf};

/// `issuer …`
#[derive(Subcommand, Debug)]
pub enum IssuerCommand {
    /// Registers a provider (the provider's own keypair co-signs).
    #[command(
        after_help = "Example: medchain -k issuer.json issuer register-provider --provider-keypair dr.json --credential-file licence.pdf --kind physician"
    )]
    RegisterProvider {
        /// The provider's keypair file (it must co-sign).
        #[arg(long)]
        provider_keypair: PathBuf,
        /// A file whose SHA-256 is stored as the credential hash (licence, NPI record).
        #[arg(long, conflicts_with = "credential_hash")]
        credential_file: Option<PathBuf>,
        /// The credential hash as 64 hex characters.
        #[arg(long)]
        credential_hash: Option<String>,
        /// physician, nurse, pharmacist, hospital, clinic, laboratory, imaging, payer, researcher, public-health, other.
        #[arg(long, default_value = "physician")]
        kind: String,
    },
    /// Suspends a provider: every access is cut off at once.
    #[command(after_help = "Example: medchain -k issuer.json issuer suspend <PROVIDER_WALLET>")]
    Suspend {
        /// The provider's wallet.
        provider: String,
    },
    /// Reinstates a suspended provider.
    #[command(after_help = "Example: medchain -k issuer.json issuer reinstate <PROVIDER_WALLET>")]
    Reinstate {
        /// The provider's wallet.
        provider: String,
    },
}

/// Runs an `issuer` command.
pub async fn run(globals: &Globals, command: IssuerCommand) -> Result<Output, CliError> {
    let ctx = Context::open(globals)?;
    match command {
        IssuerCommand::RegisterProvider {
            provider_keypair,
            credential_file,
            credential_hash,
            kind,
        } => {
            let hash = credential(credential_file.as_deref(), credential_hash.as_deref());
            register_provider(&ctx, &provider_keypair, hash, &kind).await
        }
        IssuerCommand::Suspend { provider } => suspend(&ctx, &provider).await,
        IssuerCommand::Reinstate { provider } => reinstate(&ctx, &provider).await,
    }
}

/// `issuer register-provider`
async fn register_provider(
    ctx: &Context,
    provider_keypair: &Path,
    credential_hash: Result<[u8; 32], CliError>,
    kind: &str,
) -> Result<Output, CliError> {
    let issuer = ctx.signer()?;
    let provider = read_keypair(provider_keypair)?;
    let hash = credential_hash?;
    let kind = provider_kind(kind)?;
    let outcome = ctx.chain.register_provider(&issuer, &provider, hash, kind).await?;
    Ok(tx_output(
        format!("Provider {} registered ({kind:?})", provider.pubkey()),
        "register_provider",
        &outcome,
    ))
}

/// `issuer suspend`
async fn suspend(ctx: &Context, provider: &str) -> Result<Output, CliError> {
    let issuer = ctx.signer()?;
    let provider = wallet(provider)?;
    let outcome = ctx.chain.suspend_provider(&issuer, &provider).await?;
    Ok(tx_output(format!("Provider {provider} suspended"), "suspend_provider", &outcome))
}

/// `issuer reinstate`
async fn reinstate(ctx: &Context, provider: &str) -> Result<Output, CliError> {
    let issuer = ctx.signer()?;
    let provider = wallet(provider)?;
    let outcome = ctx.chain.reinstate_provider(&issuer, &provider).await?;
    Ok(tx_output(format!("Provider {provider} reinstated"), "reinstate_provider", &outcome))
}

fn provider_kind(name: &str) -> Result<ProviderKind, CliError> {
    let kinds = [
        ("physician", ProviderKind::Physician),
        ("nurse", ProviderKind::Nurse),
        ("pharmacist", ProviderKind::Pharmacist),
        ("hospital", ProviderKind::Hospital),
        ("clinic", ProviderKind::Clinic),
        ("laboratory", ProviderKind::Laboratory),
        ("imaging", ProviderKind::Imaging),
        ("payer", ProviderKind::Payer),
        ("researcher", ProviderKind::Researcher),
        ("public-health", ProviderKind::PublicHealth),
        ("other", ProviderKind::Other),
    ];
    kinds.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, k)| *k).ok_or_else(|| {
        CliError::bad(format!(
            "unknown provider kind '{name}'; known: {}",
            kinds.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// The credential hash: the SHA-256 of `file`, or `hex_hash` as 32 bytes.
fn credential(file: Option<&Path>, hex_hash: Option<&str>) -> Result<[u8; 32], CliError> {
    match (file, hex_hash) {
        (Some(path), _) => {
            let bytes = std::fs::read(path).map_err(|e| {
                CliError::bad(format!("cannot read credential file {}: {e}", path.display()))
            })?;
            Ok(Sha256::digest(bytes).into())
        }
        (None, Some(text)) => hex32(text, "--credential-hash"),
        (None, None) => Err(CliError::bad("give --credential-file or --credential-hash")),
    }
}
