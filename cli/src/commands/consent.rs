//! `consent …`: reading consents, their FHIR export, and importing a FHIR Consent.

use crate::args::wallet;
use crate::cli::Globals;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{relative_time, table, Output};
use crate::shared::{fetch, sdk_error};
use anchor_lang::prelude::Pubkey;
use clap::Subcommand;
use medchain_sdk::fhir::consent_from_fhir;
use medchain_sdk::fhir::rest::{consent_resource, RestError};
use medchain_sdk::identity::IdentifierMap;
use medchain_sdk::names::{action_names, category_names, purpose_names, scope_json, scope_text};
use medchain_sdk::state::{Consent, ConsentStatus, Patient, Provider};
use medchain_sdk::{pda, Backend};
use serde_json::{json, Value};
use solana_sdk::signature::Signer;
use std::path::{Path, PathBuf};

/// `consent …`
#[derive(Subcommand, Debug)]
pub enum ConsentCommand {
    /// Shows the consent of a patient to a provider.
    #[command(
        after_help = "Example: medchain consent show --patient <WALLET> --provider <WALLET>"
    )]
    Show {
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// The provider's wallet.
        #[arg(long)]
        provider: String,
    },
    /// Lists the consents of a patient (or of a provider).
    #[command(after_help = "Example: medchain consent list --patient <WALLET>")]
    List {
        /// The patient's wallet.
        #[arg(long, required_unless_present = "provider")]
        patient: Option<String>,
        /// The provider's wallet.
        #[arg(long)]
        provider: Option<String>,
    },
    /// Exports a consent as a FHIR R4 Consent resource.
    #[command(
        after_help = "Example: medchain consent export --patient <WALLET> --provider <WALLET>"
    )]
    Export {
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// The provider's wallet.
        #[arg(long)]
        provider: String,
    },
    /// Grants, as the patient (-k), the consent a FHIR R4 Consent resource describes (e.g. one
    /// an EHR wrote); refuses, changing nothing, what cannot be expressed on chain.
    #[command(
        after_help = "Example: medchain -k me.json consent import consent.json --identifier-map ids.json\n\nAccepted and refused shapes: docs/INTEROP.md (Importing FHIR Consent)."
    )]
    Import {
        /// The FHIR Consent (JSON).
        file: PathBuf,
        /// The clinic's identifier map, to resolve MRNs and NPIs (docs/INTEROP.md).
        #[arg(long, value_name = "FILE")]
        identifier_map: Option<PathBuf>,
        /// Only show the terms it would grant.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Runs a `consent` command.
pub async fn run(globals: &Globals, command: ConsentCommand) -> Result<Output, CliError> {
    let ctx = &Context::open(globals)?;
    let now = ctx.chain.backend().unix_time().await?;
    match command {
        ConsentCommand::Show { patient, provider } => show(ctx, &patient, &provider, now).await,
        ConsentCommand::List { patient, provider } => {
            list(ctx, patient.as_deref(), provider.as_deref(), now).await
        }
        ConsentCommand::Export { patient, provider } => export(ctx, &patient, &provider, now).await,
        ConsentCommand::Import { file, identifier_map, dry_run } => {
            import(ctx, &file, identifier_map.as_deref(), dry_run, now).await
        }
    }
}

/// `consent import`: read and check everything, then grant (or update an active consent).
async fn import(
    ctx: &Context,
    file: &Path,
    identifier_map: Option<&Path>,
    dry_run: bool,
    now: i64,
) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let map = match identifier_map {
        Some(path) => IdentifierMap::load(path).map_err(|e| CliError::bad(e.to_string()))?,
        None => IdentifierMap::new(),
    };
    let bytes = crate::shared::files::read(file)?;
    let resource: Value = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::bad(format!("{} is not JSON: {e}", file.display())))?;
    let chain_id = ctx.chain.backend().chain_id().await?;
    let imported = consent_from_fhir(&resource, &map, &chain_id, now)
        .map_err(|e| CliError::bad(format!("cannot import {}: {e}", file.display())))?;
    if let Some(named) = imported.patient.filter(|p| *p != patient.pubkey()) {
        return Err(CliError::bad(format!(
            "cannot import {}: Consent.patient names {named}, not you ({})",
            file.display(),
            patient.pubkey()
        )));
    }
    let provider = imported.provider;
    let _: Provider = fetch(ctx, &pda::provider(&provider), "Provider").await?;
    let terms = imported.terms;
    let described = format!(
        "{provider}: {} until {}",
        scope_text(&terms.scope),
        relative_time(terms.expires_at, now)
    );
    let mut value = json!({
        "provider": provider.to_string(),
        "scope": scope_json(&terms.scope),
        "expires_at": terms.expires_at,
    });
    if dry_run {
        value["action"] = json!("dry_run");
        return Ok(Output::new(format!("Would grant {described} (dry run: nothing sent)"), value));
    }
    let in_force =
        ctx.chain.consent(&patient.pubkey(), &provider).await?.is_some_and(|c| c.is_in_force(now));
    let (action, outcome) = if in_force {
        ("update_consent", ctx.chain.update_consent(&patient, &provider, terms).await?)
    } else {
        ("grant_consent", ctx.chain.grant_consent(&patient, &patient, &provider, terms).await?)
    };
    value["action"] = json!(action);
    value["signature"] = json!(outcome.signature.to_string());
    let verb = if in_force { "Updated" } else { "Granted" };
    Ok(Output::new(format!("{verb} {described}\nsignature: {}", outcome.signature), value))
}

/// `consent show`
async fn show(ctx: &Context, patient: &str, provider: &str, now: i64) -> Result<Output, CliError> {
    let (patient, provider) = (wallet(patient)?, wallet(provider)?);
    let address = pda::consent(&pda::patient(&patient), &pda::provider(&provider));
    let consent: Consent = fetch(ctx, &address, "Consent").await?;
    let human = format!(
        "consent     {address}\nstatus      {} (version {})\ncategories  {}\npurposes    {}\nactions     {}\nexpires     {}\nattempts    {} granted, {} denied",
        status_word(&consent, now),
        consent.version,
        category_names(consent.scope.categories).join(", "),
        purpose_names(consent.scope.purposes).join(", "),
        action_names(consent.scope.actions).join(", "),
        relative_time(consent.expires_at, now),
        consent.granted_count,
        consent.denied_count
    );
    Ok(Output::new(human, consent_json(&address, &consent, now)))
}

/// `consent list`
async fn list(
    ctx: &Context,
    patient: Option<&str>,
    provider: Option<&str>,
    now: i64,
) -> Result<Output, CliError> {
    let consents = match (patient, provider) {
        (Some(p), _) => {
            let patient = wallet(p)?;
            let _: Patient = fetch(ctx, &pda::patient(&patient), "Patient").await?;
            ctx.chain.consents_of_patient(&patient).await?
        }
        (None, Some(p)) => ctx.chain.consents_of_provider(&wallet(p)?).await?,
        (None, None) => return Err(CliError::bad("give --patient or --provider")),
    };
    let rows: Vec<Vec<String>> = consents
        .iter()
        .map(|(address, c)| {
            vec![
                address.to_string(),
                status_word(c, now).to_string(),
                c.version.to_string(),
                category_names(c.scope.categories).join(","),
                action_names(c.scope.actions).join(","),
                relative_time(c.expires_at, now),
            ]
        })
        .collect();
    let items: Vec<Value> = consents.iter().map(|(a, c)| consent_json(a, c, now)).collect();
    Ok(Output::new(
        table(&["CONSENT", "STATUS", "VERSION", "CATEGORIES", "ACTIONS", "EXPIRES"], &rows),
        json!({ "consents": items }),
    ))
}

/// `consent export`: the one export the FHIR API's `Consent/{id}` read also answers.
async fn export(
    ctx: &Context,
    patient: &str,
    provider: &str,
    now: i64,
) -> Result<Output, CliError> {
    let (patient, provider) = (wallet(patient)?, wallet(provider)?);
    let address = pda::consent(&pda::patient(&patient), &pda::provider(&provider));
    let resource = match consent_resource(&ctx.chain, &address, now).await {
        Ok(Some(resource)) => resource,
        Ok(None) => {
            let _: Consent = fetch(ctx, &address, "Consent").await?;
            return Err(CliError::bad("cannot export the consent: it was never granted"));
        }
        Err(RestError::Chain(e)) => return Err(sdk_error(ctx, e)),
        Err(e) => return Err(CliError::bad(format!("cannot export the consent: {e}"))),
    };
    let text = serde_json::to_string_pretty(&resource).unwrap_or_default();
    Ok(Output::new(text, resource))
}

fn consent_json(address: &Pubkey, consent: &Consent, now: i64) -> Value {
    json!({
        "address": address.to_string(),
        "patient": consent.patient.to_string(),
        "provider": consent.provider.to_string(),
        "status": status_word(consent, now),
        "version": consent.version,
        "categories": category_names(consent.scope.categories),
        "purposes": purpose_names(consent.scope.purposes),
        "actions": action_names(consent.scope.actions),
        "granted_at": consent.granted_at,
        "expires_at": consent.expires_at,
        "revoked_at": (consent.revoked_at != 0).then_some(consent.revoked_at),
        "grantor": consent.grantor,
        "granted_count": consent.granted_count,
        "denied_count": consent.denied_count,
    })
}

fn status_word(consent: &Consent, now: i64) -> &'static str {
    match consent.status {
        ConsentStatus::Revoked => "revoked",
        ConsentStatus::Active if now >= consent.expires_at => "expired",
        ConsentStatus::Active => "active",
    }
}
