//! `consent …` and `audit …`: reading consents and the audit trail, and FHIR exports.

use super::wallet;
use crate::cli::{AuditCommand, ConsentCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{relative_time, table, Output};
use anchor_lang::prelude::Pubkey;
use medchain_sdk::fhir::{access_event_to_fhir, consent_to_fhir, AccessEvent};
use medchain_sdk::names::{action_names, category_names, purpose_names};
use medchain_sdk::state::{AccessDecision, Consent, ConsentStatus};
use medchain_sdk::{pda, Backend};
use serde_json::{json, Value};

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

/// Runs a `consent` command.
pub async fn run_consent(ctx: &Context, command: ConsentCommand) -> Result<Output, CliError> {
    let now = ctx.chain.backend().unix_time().await?;
    match command {
        ConsentCommand::Show { patient, provider } => {
            let (patient, provider) = (wallet(&patient)?, wallet(&provider)?);
            let address = pda::consent(&pda::patient(&patient), &pda::provider(&provider));
            let consent: Consent = super::admin::fetch(ctx, &address, "Consent").await?;
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
        ConsentCommand::List { patient, provider } => {
            let consents = match (&patient, &provider) {
                (Some(p), _) => {
                    let patient = wallet(p)?;
                    ensure_registered_patient(ctx, &patient).await?;
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
        ConsentCommand::Export { patient, provider } => {
            let (patient, provider) = (wallet(&patient)?, wallet(&provider)?);
            let address = pda::consent(&pda::patient(&patient), &pda::provider(&provider));
            let consent: Consent = super::admin::fetch(ctx, &address, "Consent").await?;
            let resource = consent_to_fhir(&consent, &address, &patient, &provider, now)
                .map_err(|e| CliError::bad(format!("cannot export the consent: {e}")))?;
            let text = serde_json::to_string_pretty(&resource).unwrap_or_default();
            Ok(Output::new(text, resource))
        }
    }
}

async fn ensure_registered_patient(ctx: &Context, patient: &Pubkey) -> Result<(), CliError> {
    let address = pda::patient(patient);
    let _: medchain_sdk::state::Patient = super::admin::fetch(ctx, &address, "Patient").await?;
    Ok(())
}

/// The patient's audit trail as a table.
pub async fn audit_table(
    ctx: &Context,
    patient: &Pubkey,
    limit: usize,
) -> Result<Output, CliError> {
    let trail = ctx.chain.audit_trail(patient, limit).await?;
    let now = ctx.chain.backend().unix_time().await?;
    let rows: Vec<Vec<String>> = trail
        .iter()
        .map(|e| {
            let detail = e
                .access
                .as_ref()
                .map(|a| {
                    format!(
                        "{} {} for {}: {}",
                        action_names(a.action).join(""),
                        category_names(a.category).join(""),
                        purpose_names(a.purpose).join(""),
                        a.reason.clone().unwrap_or_else(|| "failed".into())
                    )
                })
                .unwrap_or_default();
            vec![
                e.unix_time.map(|t| relative_time(t, now)).unwrap_or_default(),
                e.instruction.clone(),
                e.actor.clone(),
                if e.succeeded { "ok".into() } else { "failed".into() },
                detail,
            ]
        })
        .collect();
    Ok(Output::new(
        table(&["WHEN", "WHAT", "WHO", "TX", "ACCESS"], &rows),
        json!({ "audit": serde_json::to_value(&trail).unwrap_or(Value::Null) }),
    ))
}

/// Runs an `audit` command.
pub async fn run_audit(ctx: &Context, command: AuditCommand) -> Result<Output, CliError> {
    match command {
        AuditCommand::Export { patient, limit } => {
            let patient = wallet(&patient)?;
            ensure_registered_patient(ctx, &patient).await?;
            let trail = ctx.chain.audit_trail(&patient, limit).await?;
            let bundle = audit_event_bundle(&patient, &trail)?;
            Ok(Output::new(serde_json::to_string_pretty(&bundle).unwrap_or_default(), bundle))
        }
    }
}

/// The access attempts of an audit trail as a FHIR R4 Bundle (type collection) of AuditEvents.
pub fn audit_event_bundle(
    patient: &Pubkey,
    trail: &[medchain_sdk::audit::AuditEntry],
) -> Result<Value, CliError> {
    let mut entries = Vec::new();
    for entry in trail.iter().filter(|e| e.succeeded) {
        let Some(access) = &entry.access else { continue };
        let (Some(allowed), Some(reason)) = (access.allowed, access.reason.as_deref()) else {
            continue;
        };
        let provider_wallet = wallet(&entry.actor)?;
        let consent = pda::consent(&pda::patient(patient), &pda::provider(&provider_wallet));
        let reason = medchain_sdk::audit::reason_from_name(reason).ok_or_else(|| {
            CliError::bad(format!("unknown access reason '{reason}' in the history"))
        })?;
        let event = AccessEvent {
            patient_wallet: *patient,
            provider_wallet,
            consent_address: Some(consent),
            category: access.category,
            purpose: access.purpose,
            action: access.action,
            decision: AccessDecision { allowed, reason, consent_version: 0 },
            at: entry.unix_time.unwrap_or_default(),
            signature: Some(entry.signature.clone()),
        };
        let resource = access_event_to_fhir(&event)
            .map_err(|e| CliError::bad(format!("cannot export: {e}")))?;
        entries.push(json!({ "resource": resource }));
    }
    Ok(json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }))
}
