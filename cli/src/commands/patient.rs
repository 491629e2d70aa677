//! `patient …`: answering requests, granting, updating and revoking, records, audit.

use super::{consent_terms, tx_json, wallet};
use crate::cli::PatientCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{relative_time, table, Output};
use medchain_sdk::names::{
    action_names, category_names, parse_actions, parse_categories, parse_purposes, purpose_names,
};
use medchain_sdk::state::{RequestTerms, Scope};
use medchain_sdk::{instructions as ix, pda, Backend};
use serde_json::json;
use solana_sdk::signature::Signer;

/// Runs a `patient` command. The signer is the patient; on a cluster it pays its own fees
/// (clinics pay through Solana Actions instead).
pub async fn run(ctx: &Context, command: PatientCommand) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let me = patient.pubkey();
    match command {
        PatientCommand::Register => {
            let outcome = ctx.chain.register_patient(&patient, &patient).await?;
            Ok(Output::new(
                format!("Registered patient {me}\nsignature: {}", outcome.signature),
                tx_json("register_patient", &outcome.signature),
            ))
        }
        PatientCommand::Requests => {
            let now = ctx.chain.backend().unix_time().await?;
            let requests = ctx.chain.pending_requests(&me).await?;
            let mut rows = Vec::new();
            let mut items = Vec::new();
            for (address, request) in &requests {
                let provider: Option<medchain_sdk::state::Provider> =
                    ctx.chain.fetch(&request.provider, "Provider").await?;
                let provider_wallet = provider.map(|p| p.authority.to_string()).unwrap_or_default();
                rows.push(vec![
                    provider_wallet.clone(),
                    request.nonce.to_string(),
                    category_names(request.scope.categories).join(","),
                    purpose_names(request.scope.purposes).join(","),
                    action_names(request.scope.actions).join(","),
                    format!("{} days", request.duration_secs / 86_400),
                    relative_time(request.created_at, now),
                ]);
                items.push(json!({
                    "address": address.to_string(),
                    "provider": provider_wallet,
                    "nonce": request.nonce,
                    "categories": category_names(request.scope.categories),
                    "purposes": purpose_names(request.scope.purposes),
                    "actions": action_names(request.scope.actions),
                    "duration_secs": request.duration_secs,
                    "created_at": request.created_at,
                }));
            }
            Ok(Output::new(
                table(
                    &["PROVIDER", "NONCE", "CATEGORIES", "PURPOSES", "ACTIONS", "FOR", "ASKED"],
                    &rows,
                ),
                json!({ "pending_requests": items }),
            ))
        }
        PatientCommand::Approve { provider, nonce, categories, purposes, actions, days } => {
            let provider = wallet(&provider)?;
            let request_address =
                pda::request(&pda::patient(&me), &pda::provider(&provider), nonce);
            let request: medchain_sdk::state::AccessRequest =
                super::admin::fetch(ctx, &request_address, "AccessRequest").await?;
            let asked = request.terms();
            let approved = RequestTerms {
                scope: Scope::new(
                    categories
                        .as_deref()
                        .map(parse_categories)
                        .transpose()?
                        .unwrap_or(asked.scope.categories),
                    purposes
                        .as_deref()
                        .map(parse_purposes)
                        .transpose()?
                        .unwrap_or(asked.scope.purposes),
                    actions
                        .as_deref()
                        .map(parse_actions)
                        .transpose()?
                        .unwrap_or(asked.scope.actions),
                ),
                duration_secs: days.map_or(asked.duration_secs, |d| i64::from(d) * 86_400),
            };
            let outcome =
                ctx.chain.approve_request(&patient, &patient, &provider, nonce, approved).await?;
            Ok(Output::new(
                format!(
                    "Approved: {provider} may {} your {} for {} for {} days\nsignature: {}",
                    action_names(approved.scope.actions).join("/"),
                    category_names(approved.scope.categories).join(", "),
                    purpose_names(approved.scope.purposes).join(", "),
                    approved.duration_secs / 86_400,
                    outcome.signature
                ),
                tx_json("approve_request", &outcome.signature),
            ))
        }
        PatientCommand::Deny { provider, nonce } => {
            let provider = wallet(&provider)?;
            let outcome =
                ctx.chain.send(&[ix::deny_request(&me, &provider, nonce)], &patient, &[]).await?;
            Ok(Output::new(
                format!("Denied request {nonce} of {provider}\nsignature: {}", outcome.signature),
                tx_json("deny_request", &outcome.signature),
            ))
        }
        PatientCommand::Grant { provider, terms } => {
            let provider = wallet(&provider)?;
            let now = ctx.chain.backend().unix_time().await?;
            let terms = consent_terms(&terms, now)?;
            let outcome = ctx.chain.grant_consent(&patient, &patient, &provider, terms).await?;
            Ok(Output::new(
                format!(
                    "Granted {provider}: {} of {} for {} until {}\nsignature: {}",
                    action_names(terms.scope.actions).join("/"),
                    category_names(terms.scope.categories).join(", "),
                    purpose_names(terms.scope.purposes).join(", "),
                    relative_time(terms.expires_at, now),
                    outcome.signature
                ),
                tx_json("grant_consent", &outcome.signature),
            ))
        }
        PatientCommand::Update { provider, terms } => {
            let provider = wallet(&provider)?;
            let now = ctx.chain.backend().unix_time().await?;
            let terms = consent_terms(&terms, now)?;
            let outcome =
                ctx.chain.send(&[ix::update_consent(&me, &provider, terms)], &patient, &[]).await?;
            Ok(Output::new(
                format!("Consent of {provider} updated\nsignature: {}", outcome.signature),
                tx_json("update_consent", &outcome.signature),
            ))
        }
        PatientCommand::Revoke { provider, reseal } => {
            let provider = wallet(&provider)?;
            let key = medchain_sdk::seal::EncryptionSecretKey::from_wallet(&patient);
            // Check the envelopes before revoking, so that bad input changes nothing.
            if let Some(dir) = &reseal {
                super::sealing::check_resealable(dir, &key)?;
            }
            let outcome = ctx.chain.revoke_consent(&patient, &patient, &provider).await?;
            let revoked = format!(
                "Revoked: {provider} can no longer access your data (from this slot on)\nsignature: {}",
                outcome.signature
            );
            let mut value = tx_json("revoke_consent", &outcome.signature);
            let Some(dir) = reseal else {
                return Ok(Output::new(
                    format!(
                        "{revoked}\nSealed records: envelopes sealed before now still open with {provider}'s key; \
                         reseal them to cut it out: medchain -k <your keypair> record reseal <dir>"
                    ),
                    value,
                ));
            };
            let resealed = super::sealing::reseal(ctx, &dir, &key, None).await.map_err(|e| {
                CliError::bad(format!("the consent WAS revoked, but resealing {} failed: {e}; run `record reseal` again", dir.display()))
            })?;
            value["reseal"] = resealed.json;
            Ok(Output::new(format!("{revoked}\n{}", resealed.human), value))
        }
        PatientCommand::DelegateAdd { delegate, can, scope } => {
            let delegate = wallet(&delegate)?;
            let mut permissions = 0u8;
            for item in can.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                permissions |= match item.to_ascii_lowercase().as_str() {
                    "grant" => medchain_sdk::state::delegate_permissions::GRANT,
                    "revoke" => medchain_sdk::state::delegate_permissions::REVOKE,
                    other => {
                        return Err(CliError::bad(format!(
                            "unknown delegate permission '{other}'; known: grant, revoke"
                        )))
                    }
                };
            }
            let now = ctx.chain.backend().unix_time().await?;
            let scope = consent_terms(&scope, now)?;
            let instruction = ix::add_delegate(&me, &me, &delegate, permissions, scope);
            let outcome = ctx.chain.send(&[instruction], &patient, &[]).await?;
            Ok(Output::new(
                format!(
                    "Delegate {delegate} may {} within {} until {}\nsignature: {}",
                    can,
                    category_names(scope.scope.categories).join(", "),
                    relative_time(scope.expires_at, now),
                    outcome.signature
                ),
                tx_json("add_delegate", &outcome.signature),
            ))
        }
        PatientCommand::DelegateRemove { delegate } => {
            let delegate = wallet(&delegate)?;
            let address = pda::delegate(&pda::patient(&me), &delegate);
            let account: medchain_sdk::state::Delegate =
                super::admin::fetch(ctx, &address, "Delegate").await?;
            let instruction = ix::remove_delegate(&me, &delegate, &account.rent_payer);
            let outcome = ctx.chain.send(&[instruction], &patient, &[]).await?;
            Ok(Output::new(
                format!("Delegate {delegate} removed\nsignature: {}", outcome.signature),
                tx_json("remove_delegate", &outcome.signature),
            ))
        }
        PatientCommand::Records => {
            let records = ctx.chain.records_of_patient(&me).await?;
            let rows: Vec<Vec<String>> = records
                .iter()
                .map(|(_, r)| {
                    vec![
                        hex::encode(r.record_id),
                        category_names(r.category).join(","),
                        r.version.to_string(),
                        format!("{:?}", r.status),
                        hex::encode(r.content_hash),
                    ]
                })
                .collect();
            let items: Vec<_> = records
                .iter()
                .map(|(address, r)| {
                    json!({
                        "address": address.to_string(),
                        "record_id": hex::encode(r.record_id),
                        "category": category_names(r.category),
                        "version": r.version,
                        "status": format!("{:?}", r.status),
                        "content_hash": hex::encode(r.content_hash),
                        "author": r.author.to_string(),
                    })
                })
                .collect();
            Ok(Output::new(
                table(&["RECORD", "CATEGORY", "VERSION", "STATUS", "CONTENT HASH"], &rows),
                json!({ "records": items }),
            ))
        }
        PatientCommand::Audit { limit } => super::views::audit_table(ctx, &me, limit).await,
    }
}
