//! `admin …` and `issuer …`.

use super::{tx_json, wallet};
use crate::cli::{AdminCommand, IssuerCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use medchain_sdk::state::{ProviderKind, Registry};
use medchain_sdk::{instructions as ix, pda, Backend};
use serde_json::json;
use sha2::{Digest, Sha256};
use solana_sdk::signature::Signer;

/// Runs an `admin` command.
pub async fn run_admin(ctx: &Context, command: AdminCommand) -> Result<Output, CliError> {
    if let AdminCommand::Show = command {
        return show_registry(ctx).await;
    }
    let admin = ctx.signer()?;
    let (instruction, action, human) = match &command {
        AdminCommand::Initialize => {
            let program_data =
                match ctx.chain.backend().account(&medchain_sdk::pda::PROGRAM_ID).await? {
                    Some(program)
                        if program.owner
                            == anchor_lang::solana_program::bpf_loader_upgradeable::ID =>
                    {
                        Some(pda::program_data())
                    }
                    _ => None,
                };
            (
                ix::initialize(&admin.pubkey(), program_data),
                "initialize",
                format!("Registry initialised; admin {}", admin.pubkey()),
            )
        }
        AdminCommand::AddIssuer { issuer, break_glass } => {
            let issuer = wallet(issuer)?;
            (
                ix::add_issuer(&admin.pubkey(), &issuer, *break_glass),
                "add_issuer",
                format!(
                    "Issuer {issuer} trusted (break-glass {})",
                    if *break_glass { "allowed" } else { "not allowed" }
                ),
            )
        }
        AdminCommand::RemoveIssuer { issuer } => {
            let issuer = wallet(issuer)?;
            let account: medchain_sdk::state::Issuer =
                fetch(ctx, &pda::issuer(&issuer), "Issuer").await?;
            (
                ix::remove_issuer(&admin.pubkey(), &issuer, &account.rent_payer),
                "remove_issuer",
                format!("Issuer {issuer} removed"),
            )
        }
        AdminCommand::Pause => (
            ix::pause(&admin.pubkey()),
            "pause",
            "Registry paused: no new requests, grants or approvals".into(),
        ),
        AdminCommand::Unpause => {
            (ix::unpause(&admin.pubkey()), "unpause", "Registry unpaused".into())
        }
        AdminCommand::Show => return Err(CliError::bad("handled above")),
    };
    let outcome = ctx.chain.send(&[instruction], &admin, &[]).await?;
    Ok(Output::new(
        format!("{human}\nsignature: {}", outcome.signature),
        tx_json(action, &outcome.signature),
    ))
}

async fn show_registry(ctx: &Context) -> Result<Output, CliError> {
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

/// Reads and decodes a medchain account that must exist.
pub async fn fetch<T: anchor_lang::AccountDeserialize>(
    ctx: &Context,
    address: &anchor_lang::prelude::Pubkey,
    what: &'static str,
) -> Result<T, CliError> {
    ctx.chain.fetch(address, what).await?.ok_or_else(|| {
        CliError::bad(format!(
            "no {what} account at {address} on {} (not registered yet?)",
            ctx.chain.backend().describe()
        ))
    })
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

fn credential_hash(
    file: Option<&std::path::Path>,
    hex_hash: Option<&str>,
) -> Result<[u8; 32], CliError> {
    match (file, hex_hash) {
        (Some(path), _) => {
            let bytes = std::fs::read(path).map_err(|e| {
                CliError::bad(format!("cannot read credential file {}: {e}", path.display()))
            })?;
            Ok(Sha256::digest(bytes).into())
        }
        (None, Some(text)) => {
            let bytes = hex::decode(text.trim()).map_err(|_| {
                CliError::bad("--credential-hash must be 64 hexadecimal characters")
            })?;
            bytes.try_into().map_err(|_| {
                CliError::bad("--credential-hash must be 32 bytes (64 hex characters)")
            })
        }
        (None, None) => Err(CliError::bad("give --credential-file or --credential-hash")),
    }
}

/// Runs an `issuer` command.
pub async fn run_issuer(ctx: &Context, command: IssuerCommand) -> Result<Output, CliError> {
    let issuer = ctx.signer()?;
    let (instruction, extra, action, human) = match &command {
        IssuerCommand::RegisterProvider {
            provider_keypair,
            credential_file,
            credential_hash: hash,
            kind,
        } => {
            let provider = crate::config::read_keypair(provider_keypair)?;
            let hash = credential_hash(credential_file.as_deref(), hash.as_deref())?;
            let kind = provider_kind(kind)?;
            let human = format!("Provider {} registered ({kind:?})", provider.pubkey());
            (
                ix::register_provider(&issuer.pubkey(), &provider.pubkey(), hash, kind),
                Some(provider),
                "register_provider",
                human,
            )
        }
        IssuerCommand::Suspend { provider } => {
            let provider = wallet(provider)?;
            (
                ix::suspend_provider(&issuer.pubkey(), &provider),
                None,
                "suspend_provider",
                format!("Provider {provider} suspended"),
            )
        }
        IssuerCommand::Reinstate { provider } => {
            let provider = wallet(provider)?;
            (
                ix::reinstate_provider(&issuer.pubkey(), &provider),
                None,
                "reinstate_provider",
                format!("Provider {provider} reinstated"),
            )
        }
    };
    let signers: Vec<&solana_sdk::signature::Keypair> = extra.iter().collect();
    let outcome = ctx.chain.send(&[instruction], &issuer, &signers).await?;
    Ok(Output::new(
        format!("{human}\nsignature: {}", outcome.signature),
        tx_json(action, &outcome.signature),
    ))
}
