//! `provider …`: requests, access recording, bundle anchoring and break-glass.

use super::{request_terms, tx_json, wallet};
use crate::cli::ProviderCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use medchain_sdk::actions::describe::{access_in_words, duration_in_words};
use medchain_sdk::actions::proposal::GrantProposal;
use medchain_sdk::actions::Narrowing;
use medchain_sdk::names::{category_names, parse_actions, parse_categories, parse_purposes};
use medchain_sdk::{access::describe_reason, audit::reason_name, instructions as ix, pda, Backend};
use serde_json::json;
use solana_sdk::signature::Signer;

/// Runs a `provider` command.
pub async fn run(ctx: &Context, command: ProviderCommand) -> Result<Output, CliError> {
    match command {
        ProviderCommand::Request { patient, nonce, terms, link } => {
            let urls = link.base_url.as_deref().map(super::serve::base_url).transpose()?;
            let patient = wallet(&patient)?;
            let terms = request_terms(&terms)?;
            let _: medchain_sdk::state::Patient =
                super::admin::fetch(ctx, &medchain_sdk::pda::patient(&patient), "Patient").await?;
            let provider = ctx.signer()?;
            let nonce = match nonce {
                Some(n) => n,
                None => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            };
            let outcome = ctx.chain.request_access(&provider, &patient, nonce, terms).await?;
            let request =
                pda::request(&pda::patient(&patient), &pda::provider(&provider.pubkey()), nonce);
            let mut human = format!(
                "Requested {} from patient {patient} (request number {nonce})\nrequest: {request}\nsignature: {}",
                category_names(terms.scope.categories).join(", "),
                outcome.signature
            );
            let mut value = json!({
                "action": "request_access",
                "signature": outcome.signature.to_string(),
                "nonce": nonce,
                "request": request.to_string(),
            });
            if let Some(urls) = urls {
                let links = super::serve::links(
                    &link,
                    &[
                        ("approve", urls.approve(&request, &Narrowing::default())),
                        ("deny", urls.deny(&request)),
                    ],
                )?;
                human = format!("{human}\n\n{}", links.human);
                if let (Some(object), Some(extra)) = (value.as_object_mut(), links.json.as_object())
                {
                    object.extend(extra.clone());
                }
            }
            Ok(Output::new(human, value))
        }
        ProviderCommand::Propose { patient, terms, valid_hours, link } => {
            let urls = link.base_url.as_deref().map(super::serve::base_url).transpose()?.ok_or_else(|| {
                CliError::bad("--base-url (or MEDCHAIN_ACTIONS_URL) is required: the grant link points at your `medchain serve`")
            })?;
            if !(1..=24 * 90).contains(&valid_hours) {
                return Err(CliError::bad("--valid-hours must be between 1 and 2160 (90 days)"));
            }
            let patient = patient.as_deref().map(wallet).transpose()?;
            let terms = request_terms(&terms)?;
            let provider = ctx.signer()?;
            let _: medchain_sdk::state::Provider =
                super::admin::fetch(ctx, &pda::provider(&provider.pubkey()), "Provider").await?;
            let now = ctx.chain.backend().unix_time().await?;
            let proposal = GrantProposal {
                provider: provider.pubkey(),
                terms,
                valid_until: now + i64::from(valid_hours) * 3_600,
                patient,
            }
            .sign(&provider)
            .map_err(|e| CliError::bad(e.to_string()))?;
            let links = super::serve::links(&link, &[("grant", urls.grant(&proposal))])?;
            let human = format!(
                "Proposal: grant {} {}, for {} (link valid {valid_hours} h{})\n\n{}",
                provider.pubkey(),
                access_in_words(&terms.scope),
                duration_in_words(terms.duration_secs),
                patient.map(|p| format!(", only for patient {p}")).unwrap_or_default(),
                links.human
            );
            let mut value =
                json!({ "action": "propose", "valid_until": proposal.proposal.valid_until });
            if let (Some(object), Some(extra)) = (value.as_object_mut(), links.json.as_object()) {
                object.extend(extra.clone());
            }
            Ok(Output::new(human, value))
        }
        ProviderCommand::RecordAccess { patient, category, purpose, action } => {
            let provider = ctx.signer()?;
            let patient = wallet(&patient)?;
            let category = single(parse_categories(&category)?.into(), "category")? as u32;
            let purpose = single(parse_purposes(&purpose)?.into(), "purpose")? as u16;
            let action = single(parse_actions(&action)?.into(), "action")? as u8;
            let decision =
                ctx.chain.record_access(&provider, &patient, category, purpose, action).await?;
            Ok(Output::new(
                format!(
                    "Access {}: {}",
                    if decision.allowed { "GRANTED" } else { "DENIED" },
                    describe_reason(decision.reason)
                ),
                json!({
                    "allowed": decision.allowed,
                    "reason": reason_name(decision.reason),
                    "consent_version": decision.consent_version,
                }),
            ))
        }
        ProviderCommand::AnchorBundle { bundle, batch_id, state } => {
            crate::commands::records::anchor_bundle(ctx, &bundle, batch_id, state).await
        }
        ProviderCommand::AnchorRecord { file, patient, category, purpose, record_id } => {
            let patient = wallet(&patient)?;
            let category = single(parse_categories(&category)?.into(), "category")? as u32;
            let purpose = single(parse_purposes(&purpose)?.into(), "purpose")? as u16;
            let (content_hash, kind) = crate::commands::records::hash_file(&file, false)?;
            let record_id: [u8; 32] = match record_id {
                Some(text) => {
                    hex::decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(
                        || CliError::bad("--record-id must be 64 hexadecimal characters"),
                    )?
                }
                None => sha2::Digest::finalize(sha2::Digest::chain_update(
                    <sha2::Sha256 as sha2::Digest>::new(),
                    content_hash,
                ))
                .into(),
            };
            let provider = ctx.signer()?;
            let instruction = ix::anchor_record_by_provider(
                &provider.pubkey(),
                &provider.pubkey(),
                &patient,
                record_id,
                content_hash,
                category,
                purpose,
            );
            let outcome = ctx.chain.send(&[instruction], &provider, &[]).await?;
            let address =
                medchain_sdk::pda::record(&medchain_sdk::pda::patient(&patient), &record_id);
            Ok(Output::new(
                format!(
                    "Anchored {} ({kind}) as record {}\ncontent hash: {}\nsignature:    {}",
                    file.display(),
                    address,
                    hex::encode(content_hash),
                    outcome.signature
                ),
                json!({
                    "action": "anchor_record",
                    "signature": outcome.signature.to_string(),
                    "record": address.to_string(),
                    "record_id": hex::encode(record_id),
                    "content_hash": hex::encode(content_hash),
                }),
            ))
        }
        ProviderCommand::EncryptionKey(command) => {
            crate::commands::sealing::run_key(ctx, command).await
        }
        ProviderCommand::BreakGlass { patient, issuer, reason, hours } => {
            let provider = ctx.signer()?;
            let patient = wallet(&patient)?;
            let issuer = wallet(&issuer)?;
            if !(1..=24).contains(&hours) {
                return Err(CliError::bad("--hours must be between 1 and 24"));
            }
            let instruction = ix::open_emergency_access(
                &provider.pubkey(),
                &issuer,
                &patient,
                reason,
                i64::from(hours) * 3_600,
            );
            let outcome = ctx.chain.send(&[instruction], &provider, &[]).await?;
            Ok(Output::new(
                format!(
                    "Break-glass open for {hours} h on patient {patient}: emergency reads (ETREAT) are allowed and recorded; the patient is notified\nsignature: {}",
                    outcome.signature
                ),
                tx_json("open_emergency_access", &outcome.signature),
            ))
        }
    }
}

/// Checks that a parsed set names exactly one member.
pub(super) fn single(mask: u64, what: &str) -> Result<u64, CliError> {
    if mask.count_ones() == 1 {
        Ok(mask)
    } else {
        Err(CliError::bad(format!("name exactly one {what}")))
    }
}
