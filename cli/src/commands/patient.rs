//! `patient …`: answering requests, granting, updating and revoking, delegates, records and
//! the audit trail. The signer is the patient; on a cluster it pays its own fees (clinics pay
//! through Solana Actions instead).

use crate::args::{parse_delegate_permissions, wallet, NarrowingArgs, TermsArgs};
use crate::cli::Globals;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{relative_time, table, Output};
use crate::shared::sealing::{
    check_resealable, generate_key, opening_key, read_key_file, reseal, EncryptionKeyCommand,
};
use crate::shared::{fetch, sdk_error, tx_output};
use anchor_lang::prelude::Pubkey;
use clap::Subcommand;
use medchain_sdk::delegation::Mandate;
use medchain_sdk::names::{action_names, category_names, purpose_names, scope_json, scope_text};
use medchain_sdk::state::{AccessRequest, Provider};
use medchain_sdk::{pda, Backend};
use serde_json::{json, Value};
use solana_sdk::signature::Signer;
use std::path::{Path, PathBuf};

/// `patient …`
#[derive(Subcommand, Debug)]
pub enum PatientCommand {
    /// Registers the signer as a patient.
    #[command(after_help = "Example: medchain -k me.json patient register")]
    Register,
    /// Lists pending access requests (yours, or with --as-delegate-of those of a patient you
    /// act for).
    #[command(
        after_help = "Example: medchain -k me.json patient requests\n         medchain -k guardian.json patient requests --as-delegate-of <PATIENT_WALLET>"
    )]
    Requests {
        /// List the requests of this patient, whose delegate the signer is.
        #[arg(long, value_name = "PATIENT_WALLET")]
        as_delegate_of: Option<String>,
    },
    /// Approves a pending request (optionally narrowed). With --as-delegate-of, a delegate
    /// holding the `answer` permission approves for the patient, narrowed to its own mandate.
    #[command(
        after_help = "Example: medchain -k me.json patient approve <PROVIDER_WALLET> --nonce 1 --categories imaging\n         medchain -k guardian.json patient approve <PROVIDER_WALLET> --nonce 1 --as-delegate-of <PATIENT_WALLET>"
    )]
    Approve {
        /// The provider's wallet.
        provider: String,
        /// The request number.
        #[arg(long)]
        nonce: u64,
        /// How the approval narrows the request.
        #[command(flatten)]
        narrowing: NarrowingArgs,
        /// Answer for this patient, as their delegate (the signer's mandate must include
        /// `answer`); the approval is cut to the mandate's scope and end.
        #[arg(long, value_name = "PATIENT_WALLET")]
        as_delegate_of: Option<String>,
    },
    /// Denies a pending request (with --as-delegate-of, for a patient you act for).
    #[command(
        after_help = "Example: medchain -k me.json patient deny <PROVIDER_WALLET> --nonce 1\n         medchain -k guardian.json patient deny <PROVIDER_WALLET> --nonce 1 --as-delegate-of <PATIENT_WALLET>"
    )]
    Deny {
        /// The provider's wallet.
        provider: String,
        /// The request number.
        #[arg(long)]
        nonce: u64,
        /// Answer for this patient, as their delegate (the mandate must include `answer`).
        #[arg(long, value_name = "PATIENT_WALLET")]
        as_delegate_of: Option<String>,
    },
    /// Grants a provider access directly (or re-grants after a revoke).
    #[command(
        after_help = "Example: medchain -k me.json patient grant <PROVIDER_WALLET> --categories imaging --days 7"
    )]
    Grant {
        /// The provider's wallet.
        provider: String,
        /// What is granted.
        #[command(flatten)]
        terms: TermsArgs,
    },
    /// Changes an active consent.
    #[command(
        after_help = "Example: medchain -k me.json patient update <PROVIDER_WALLET> --categories imaging,labs --days 90"
    )]
    Update {
        /// The provider's wallet.
        provider: String,
        /// The new terms.
        #[command(flatten)]
        terms: TermsArgs,
    },
    /// Revokes a consent, effective immediately (and reseals your sealed records with --reseal).
    #[command(
        after_help = "Example: medchain -k me.json patient revoke <PROVIDER_WALLET> --reseal records/"
    )]
    Revoke {
        /// The provider's wallet.
        provider: String,
        /// Then reseal the envelopes in this file or directory (*.sealed.json) in place, so the
        /// provider is cut out of every version sealed from now on. Checked before revoking.
        #[arg(long)]
        reseal: Option<PathBuf>,
        /// The key that opens them: your encryption key file (if you published one) or a
        /// wallet keypair file; default: the -k keypair.
        #[arg(long, requires = "reseal")]
        key: Option<PathBuf>,
    },
    /// Names a delegate (guardian, proxy) who may grant within a scope, revoke, and/or
    /// answer providers' requests within that scope.
    #[command(
        after_help = "Example: medchain -k me.json patient delegate-add <GUARDIAN_WALLET> --can grant,revoke,answer --categories all --days 365"
    )]
    DelegateAdd {
        /// The delegate's wallet.
        delegate: String,
        /// What it may do: grant, revoke, answer (approve or deny requests).
        #[arg(long, default_value = "grant,revoke")]
        can: String,
        /// The scope it may grant within (`--days` is the mandate's length).
        #[command(flatten)]
        scope: TermsArgs,
    },
    /// Removes a delegate at once.
    #[command(
        after_help = "Example: medchain -k me.json patient delegate-remove <GUARDIAN_WALLET>"
    )]
    DelegateRemove {
        /// The delegate's wallet.
        delegate: String,
    },
    /// Your X25519 encryption key for sealed records, for a wallet that cannot export its
    /// secret (hardware wallets): generate it into a file, then publish its public half.
    #[command(subcommand)]
    EncryptionKey(EncryptionKeyCommand),
    /// Lists the records anchored about the signer.
    #[command(after_help = "Example: medchain -k me.json patient records")]
    Records,
    /// Shows the signer's audit trail.
    #[command(after_help = "Example: medchain -k me.json patient audit")]
    Audit {
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// Runs a `patient` command.
pub async fn run(globals: &Globals, command: PatientCommand) -> Result<Output, CliError> {
    if let PatientCommand::EncryptionKey(EncryptionKeyCommand::Generate { outfile }) = &command {
        return generate_key(outfile, "patient"); // needs no cluster
    }
    let ctx = &Context::open(globals)?;
    match command {
        PatientCommand::Register => register(ctx).await,
        PatientCommand::Requests { as_delegate_of } => {
            requests(ctx, as_delegate_of.as_deref()).await
        }
        PatientCommand::Approve { provider, nonce, narrowing, as_delegate_of } => {
            match as_delegate_of {
                Some(patient) => {
                    approve_as_delegate(ctx, &patient, &provider, nonce, &narrowing).await
                }
                None => approve(ctx, &provider, nonce, &narrowing).await,
            }
        }
        PatientCommand::Deny { provider, nonce, as_delegate_of } => match as_delegate_of {
            Some(patient) => deny_as_delegate(ctx, &patient, &provider, nonce).await,
            None => deny(ctx, &provider, nonce).await,
        },
        PatientCommand::EncryptionKey(EncryptionKeyCommand::Generate { outfile }) => {
            generate_key(&outfile, "patient")
        }
        PatientCommand::EncryptionKey(EncryptionKeyCommand::Publish { key_file }) => {
            publish_key(ctx, &key_file).await
        }
        PatientCommand::Grant { provider, terms } => grant(ctx, &provider, &terms).await,
        PatientCommand::Update { provider, terms } => update(ctx, &provider, &terms).await,
        PatientCommand::Revoke { provider, reseal, key } => {
            revoke(ctx, &provider, reseal, key.as_deref()).await
        }
        PatientCommand::DelegateAdd { delegate, can, scope } => {
            delegate_add(ctx, &delegate, &can, &scope).await
        }
        PatientCommand::DelegateRemove { delegate } => delegate_remove(ctx, &delegate).await,
        PatientCommand::Records => records(ctx).await,
        PatientCommand::Audit { limit } => audit(ctx, limit).await,
    }
}

/// `patient register`
async fn register(ctx: &Context) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let outcome = ctx.chain.register_patient(&patient, &patient).await?;
    Ok(tx_output(format!("Registered patient {}", patient.pubkey()), "register_patient", &outcome))
}

/// `patient requests [--as-delegate-of PATIENT]`
async fn requests(ctx: &Context, as_delegate_of: Option<&str>) -> Result<Output, CliError> {
    let me = ctx.signer()?.pubkey();
    let patient = match as_delegate_of {
        Some(patient) => mandate(ctx, patient).await?.patient_wallet,
        None => me,
    };
    let now = ctx.chain.backend().unix_time().await?;
    let requests = ctx.chain.pending_requests(&patient).await?;
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for (address, request) in &requests {
        let provider: Option<Provider> = ctx.chain.fetch(&request.provider, "Provider").await?;
        let provider_wallet = provider.map(|p| p.authority.to_string()).unwrap_or_default();
        rows.push(request_row(request, &provider_wallet, now));
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
        table(&["PROVIDER", "NONCE", "CATEGORIES", "PURPOSES", "ACTIONS", "FOR", "ASKED"], &rows),
        json!({ "pending_requests": items }),
    ))
}

fn request_row(request: &AccessRequest, provider_wallet: &str, now: i64) -> Vec<String> {
    vec![
        provider_wallet.to_string(),
        request.nonce.to_string(),
        category_names(request.scope.categories).join(","),
        purpose_names(request.scope.purposes).join(","),
        action_names(request.scope.actions).join(","),
        format!("{} days", request.duration_secs / 86_400),
        relative_time(request.created_at, now),
    ]
}

/// `patient approve`
async fn approve(
    ctx: &Context,
    provider: &str,
    nonce: u64,
    narrowing: &NarrowingArgs,
) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let provider = wallet(provider)?;
    let address = pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&provider), nonce);
    let request: AccessRequest = fetch(ctx, &address, "AccessRequest").await?;
    let approved = narrowing.apply(request.terms());
    let outcome = ctx.chain.approve_request(&patient, &patient, &provider, nonce, approved).await?;
    Ok(tx_output(
        format!(
            "Approved: {provider} may have {} for {} days",
            scope_text(&approved.scope),
            approved.duration_secs / 86_400,
        ),
        "approve_request",
        &outcome,
    ))
}

/// The signer's mandate as a delegate of `patient` (a wallet); a clear error when it is none.
async fn mandate(ctx: &Context, patient: &str) -> Result<Mandate, CliError> {
    let me = ctx.signer()?.pubkey();
    let patient = wallet(patient)?;
    let patient_pda = pda::patient(&patient);
    let found = ctx.chain.mandate(&patient_pda, &me).await.map_err(|e| sdk_error(ctx, e))?;
    found.ok_or_else(|| {
        CliError::bad(format!(
            "{me} is not a delegate of patient {patient} (never added, or removed); only the patient can answer"
        ))
    })
}

/// `patient approve --as-delegate-of PATIENT`: the request (as narrowed by the flags) cut to
/// the signer's mandate.
async fn approve_as_delegate(
    ctx: &Context,
    patient: &str,
    provider: &str,
    nonce: u64,
    narrowing: &NarrowingArgs,
) -> Result<Output, CliError> {
    let delegate = ctx.signer()?;
    let mandate = mandate(ctx, patient).await?;
    let provider = wallet(provider)?;
    let address = pda::request(&mandate.delegate.patient, &pda::provider(&provider), nonce);
    let request: AccessRequest = fetch(ctx, &address, "AccessRequest").await?;
    let now = ctx.chain.backend().unix_time().await?;
    let proposed = narrowing.apply(request.terms());
    let approval = mandate.approval(&proposed, now).map_err(|e| CliError::bad(e.to_string()))?;
    let outcome = ctx
        .chain
        .delegate_approve_request(
            &delegate, &delegate, &mandate.patient_wallet, &provider, nonce, approval.terms,
        )
        .await?;
    let cut = if approval.narrowed { " (cut to your mandate)" } else { "" };
    let mut output = tx_output(
        format!(
            "Approved on behalf of patient {}: {provider} may have {} until {}{cut}",
            mandate.patient_wallet,
            scope_text(&approval.terms.scope),
            relative_time(approval.expires_at, now),
        ),
        "delegate_approve_request",
        &outcome,
    );
    output.json["on_behalf_of"] = json!(mandate.patient_wallet.to_string());
    output.json["scope"] = scope_json(&approval.terms.scope);
    output.json["expires_at"] = json!(approval.expires_at);
    output.json["narrowed_to_mandate"] = json!(approval.narrowed);
    Ok(output)
}

/// `patient deny --as-delegate-of PATIENT`
async fn deny_as_delegate(
    ctx: &Context,
    patient: &str,
    provider: &str,
    nonce: u64,
) -> Result<Output, CliError> {
    let delegate = ctx.signer()?;
    let mandate = mandate(ctx, patient).await?;
    let now = ctx.chain.backend().unix_time().await?;
    mandate.may_answer(now).map_err(|e| CliError::bad(e.to_string()))?;
    let provider = wallet(provider)?;
    let outcome = ctx
        .chain
        .delegate_deny_request(&delegate, &mandate.patient_wallet, &provider, nonce)
        .await?;
    let mut output = tx_output(
        format!(
            "Denied request {nonce} of {provider} on behalf of patient {}",
            mandate.patient_wallet
        ),
        "delegate_deny_request",
        &outcome,
    );
    output.json["on_behalf_of"] = json!(mandate.patient_wallet.to_string());
    Ok(output)
}

/// `patient encryption-key publish`
async fn publish_key(ctx: &Context, key_file: &Path) -> Result<Output, CliError> {
    let key = read_key_file(key_file)?;
    let patient = ctx.signer()?;
    let public = key.public_key();
    let outcome =
        ctx.chain.set_patient_encryption_key(&patient, &patient, public.to_bytes()).await?;
    let mut output = tx_output(
        format!(
            "Published encryption key {public} for patient {}: your records are sealed to it from now on; \
             open them with `record open --key {}` (reseal older envelopes with the same --key to move them to it)",
            patient.pubkey(),
            key_file.display()
        ),
        "set_patient_encryption_key",
        &outcome,
    );
    output.json["public_key"] = json!(public.to_string());
    Ok(output)
}

/// `patient deny`
async fn deny(ctx: &Context, provider: &str, nonce: u64) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let provider = wallet(provider)?;
    let outcome = ctx.chain.deny_request(&patient, &provider, nonce).await?;
    Ok(tx_output(format!("Denied request {nonce} of {provider}"), "deny_request", &outcome))
}

/// `patient grant`
async fn grant(ctx: &Context, provider: &str, terms: &TermsArgs) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let provider = wallet(provider)?;
    let now = ctx.chain.backend().unix_time().await?;
    let terms = terms.consent_terms(now);
    let outcome = ctx.chain.grant_consent(&patient, &patient, &provider, terms).await?;
    Ok(tx_output(
        format!(
            "Granted {provider}: {} until {}",
            scope_text(&terms.scope),
            relative_time(terms.expires_at, now),
        ),
        "grant_consent",
        &outcome,
    ))
}

/// `patient update`
async fn update(ctx: &Context, provider: &str, terms: &TermsArgs) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let provider = wallet(provider)?;
    let now = ctx.chain.backend().unix_time().await?;
    let outcome = ctx.chain.update_consent(&patient, &provider, terms.consent_terms(now)).await?;
    Ok(tx_output(format!("Consent of {provider} updated"), "update_consent", &outcome))
}

/// `patient revoke`, then `--reseal`.
async fn revoke(
    ctx: &Context,
    provider: &str,
    reseal_dir: Option<PathBuf>,
    key: Option<&Path>,
) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let provider = wallet(provider)?;
    let key = opening_key(ctx, key)?;
    // Check the envelopes before revoking, so that bad input changes nothing.
    if let Some(dir) = &reseal_dir {
        check_resealable(dir, &key)?;
    }
    let outcome = ctx.chain.revoke_consent(&patient, &patient, &provider).await?;
    let revoked = format!(
        "Revoked: {provider} can no longer access your data (from this slot on)\nsignature: {}",
        outcome.signature
    );
    let mut value = crate::shared::tx_json("revoke_consent", &outcome.signature);
    let Some(dir) = reseal_dir else {
        return Ok(Output::new(
            format!(
                "{revoked}\nSealed records: envelopes sealed before now still open with {provider}'s key; \
                 reseal them to cut it out: medchain -k <your keypair> record reseal <dir>"
            ),
            value,
        ));
    };
    let resealed = reseal(ctx, &dir, &key, None).await.map_err(|e| {
        CliError::bad(format!(
            "the consent WAS revoked, but resealing {} failed: {e}; run `record reseal` again",
            dir.display()
        ))
    })?;
    value["reseal"] = resealed.json;
    Ok(Output::new(format!("{revoked}\n{}", resealed.human), value))
}

/// `patient delegate-add`
async fn delegate_add(
    ctx: &Context,
    delegate: &str,
    can: &str,
    scope: &TermsArgs,
) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let delegate = wallet(delegate)?;
    let permissions = parse_delegate_permissions(can)?;
    let now = ctx.chain.backend().unix_time().await?;
    let scope = scope.consent_terms(now);
    let outcome = ctx.chain.add_delegate(&patient, &patient, &delegate, permissions, scope).await?;
    Ok(tx_output(
        format!(
            "Delegate {delegate} may {can} within {} until {}",
            category_names(scope.scope.categories).join(", "),
            relative_time(scope.expires_at, now),
        ),
        "add_delegate",
        &outcome,
    ))
}

/// `patient delegate-remove`
async fn delegate_remove(ctx: &Context, delegate: &str) -> Result<Output, CliError> {
    let patient = ctx.signer()?;
    let delegate = wallet(delegate)?;
    let outcome =
        ctx.chain.remove_delegate(&patient, &delegate).await.map_err(|e| sdk_error(ctx, e))?;
    Ok(tx_output(format!("Delegate {delegate} removed"), "remove_delegate", &outcome))
}

/// `patient records`
async fn records(ctx: &Context) -> Result<Output, CliError> {
    let me = ctx.signer()?.pubkey();
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

/// What a change did, from its events: "terms observations,imaging TREAT read until … →
/// imaging TREAT read until …" for a consent change, the event names otherwise.
fn change_summary(entry: &medchain_sdk::audit::AuditEntry, now: i64) -> String {
    let terms = |t: &Value| {
        let names = |part: &str| {
            t["scope"][part]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
                .unwrap_or_default()
        };
        let until =
            t["expires_at"].as_i64().map(|at| format!(", ending {}", relative_time(at, now)));
        format!(
            "{} {} {}{}",
            names("categories"),
            names("purposes"),
            names("actions"),
            until.unwrap_or_default()
        )
    };
    entry
        .events
        .iter()
        .map(|event| match event.name.as_str() {
            "ConsentChanged" if event.fields["old_version"] == 0 => {
                format!("granted {}", terms(&event.fields["new_terms"]))
            }
            "ConsentChanged" => format!(
                "terms {} → {}",
                terms(&event.fields["old_terms"]),
                terms(&event.fields["new_terms"])
            ),
            "AccessRequested" => format!("asked {}", terms(&event.fields["terms"])),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `patient audit`: the signer's audit trail as a table.
async fn audit(ctx: &Context, limit: usize) -> Result<Output, CliError> {
    let me: Pubkey = ctx.signer()?.pubkey();
    let trail = ctx.chain.audit_trail(&me, limit).await?;
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
                .unwrap_or_else(|| change_summary(e, now));
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
        table(&["WHEN", "WHAT", "WHO", "TX", "DETAIL"], &rows),
        json!({ "audit": serde_json::to_value(&trail).unwrap_or(Value::Null) }),
    ))
}
