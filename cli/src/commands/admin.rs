//! `admin …`: the registry's administration.

use crate::args::wallet;
use crate::cli::Globals;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::shared::{fetch, sdk_error, tx_output};
use clap::Subcommand;
use medchain_sdk::state::Registry;
use medchain_sdk::{pda, Backend};
use serde_json::json;
use solana_sdk::signature::Signer;

/// `admin …`
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Creates the registry; the signer becomes admin.
    #[command(after_help = "Example: medchain -k admin.json admin initialize")]
    Initialize,
    /// Trusts a credentialing body.
    #[command(
        after_help = "Example: medchain -k admin.json admin add-issuer <WALLET> --break-glass"
    )]
    AddIssuer {
        /// The issuer's wallet.
        issuer: String,
        /// Allow the issuer's providers to open break-glass access.
        #[arg(long)]
        break_glass: bool,
    },
    /// Removes an issuer that has no active providers.
    #[command(after_help = "Example: medchain -k admin.json admin remove-issuer <WALLET>")]
    RemoveIssuer {
        /// The issuer's wallet.
        issuer: String,
    },
    /// Pauses new requests, grants and approvals.
    #[command(after_help = "Example: medchain -k admin.json admin pause")]
    Pause,
    /// Lifts a pause.
    #[command(after_help = "Example: medchain -k admin.json admin unpause")]
    Unpause,
    /// Shows the registry.
    #[command(after_help = "Example: medchain admin show")]
    Show,
}

/// Runs an `admin` command.
pub async fn run(globals: &Globals, command: AdminCommand) -> Result<Output, CliError> {
    let ctx = Context::open(globals)?;
    match command {
        AdminCommand::Initialize => initialize(&ctx).await,
        AdminCommand::AddIssuer { issuer, break_glass } => {
            add_issuer(&ctx, &issuer, break_glass).await
        }
        AdminCommand::RemoveIssuer { issuer } => remove_issuer(&ctx, &issuer).await,
        AdminCommand::Pause => pause(&ctx).await,
        AdminCommand::Unpause => unpause(&ctx).await,
        AdminCommand::Show => show(&ctx).await,
    }
}

/// `admin initialize` (with the ProgramData account when the program is deployed upgradeable).
async fn initialize(ctx: &Context) -> Result<Output, CliError> {
    let admin = ctx.signer()?;
    let program = ctx.chain.backend().account(&pda::PROGRAM_ID).await?;
    let upgradeable =
        program.is_some_and(|p| p.owner == anchor_lang::solana_program::bpf_loader_upgradeable::ID);
    let outcome = ctx.chain.initialize(&admin, upgradeable.then(pda::program_data)).await?;
    Ok(tx_output(format!("Registry initialised; admin {}", admin.pubkey()), "initialize", &outcome))
}

/// `admin add-issuer`
async fn add_issuer(ctx: &Context, issuer: &str, break_glass: bool) -> Result<Output, CliError> {
    let admin = ctx.signer()?;
    let issuer = wallet(issuer)?;
    let outcome = ctx.chain.add_issuer(&admin, &issuer, break_glass).await?;
    let allowed = if break_glass { "allowed" } else { "not allowed" };
    Ok(tx_output(
        format!("Issuer {issuer} trusted (break-glass {allowed})"),
        "add_issuer",
        &outcome,
    ))
}

/// `admin remove-issuer`
async fn remove_issuer(ctx: &Context, issuer: &str) -> Result<Output, CliError> {
    let admin = ctx.signer()?;
    let issuer = wallet(issuer)?;
    let outcome = ctx.chain.remove_issuer(&admin, &issuer).await.map_err(|e| sdk_error(ctx, e))?;
    Ok(tx_output(format!("Issuer {issuer} removed"), "remove_issuer", &outcome))
}

/// `admin pause`
async fn pause(ctx: &Context) -> Result<Output, CliError> {
    let outcome = ctx.chain.pause(&ctx.signer()?).await?;
    Ok(tx_output("Registry paused: no new requests, grants or approvals", "pause", &outcome))
}

/// `admin unpause`
async fn unpause(ctx: &Context) -> Result<Output, CliError> {
    let outcome = ctx.chain.unpause(&ctx.signer()?).await?;
    Ok(tx_output("Registry unpaused", "unpause", &outcome))
}

/// `admin show`
async fn show(ctx: &Context) -> Result<Output, CliError> {
    let registry: Registry = fetch(ctx, &pda::registry(), "Registry").await?;
    Ok(Output::new(
        format!(
            "admin:     {}\npaused:    {}\nissuers:   {}\nproviders: {}\npatients:  {}",
            registry.admin,
            registry.paused,
            registry.issuer_count,
            registry.provider_count,
            registry.patient_count
        ),
        json!({
            "admin": registry.admin.to_string(),
            "pending_admin": registry.has_pending_admin().then(|| registry.pending_admin.to_string()),
            "paused": registry.paused,
            "issuer_count": registry.issuer_count,
            "provider_count": registry.provider_count,
            "patient_count": registry.patient_count,
        }),
    ))
}
