//! `provider …`: requests and proposals, access recording, record and bundle anchoring,
//! encryption keys, break-glass.

use crate::args::one_action;
use crate::args::{hex32, one_category, one_purpose, wallet, ActionLinkArgs, TermsArgs};
use crate::cli::Globals;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::shared::bundle::{default_state_path, load_state, save_state, BundleState, StateEntry};
use crate::shared::files::{hash_file, read};
use crate::shared::links::{base_url, links};
use crate::shared::sealing::{generate_key, read_key_file, EncryptionKeyCommand};
use crate::shared::{fetch, tx_json, tx_output};
use anchor_lang::prelude::Pubkey;
use clap::Subcommand;
use medchain_sdk::actions::describe::{access_in_words, duration_in_words};
use medchain_sdk::actions::proposal::GrantProposal;
use medchain_sdk::actions::Narrowing;
use medchain_sdk::client::{AnchorBatchArgs, AnchorRecordArgs, RecordAccessArgs};
use medchain_sdk::fhir::bundle_to_hashes;
use medchain_sdk::hashing::default_record_id;
use medchain_sdk::names::category_names;
use medchain_sdk::state::RecordBatch;
use medchain_sdk::{access::describe_reason, audit::reason_name, pda, Backend};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use solana_sdk::signature::{Keypair, Signer};
use std::path::{Path, PathBuf};

/// `provider …`
#[derive(Subcommand, Debug)]
pub enum ProviderCommand {
    /// Asks a patient for access.
    #[command(
        after_help = "Example: medchain -k dr.json provider request <PATIENT_WALLET> --categories imaging,labs --days 30"
    )]
    Request {
        /// The patient's wallet.
        patient: String,
        /// Request number (default: the current time, unique per provider).
        #[arg(long)]
        nonce: Option<u64>,
        /// What is asked.
        #[command(flatten)]
        terms: TermsArgs,
        /// The wallet links (approve/deny) and QR code for the patient.
        #[command(flatten)]
        link: ActionLinkArgs,
    },
    /// Proposes terms for the patient to grant from their wallet: a signed grant link and QR code.
    #[command(
        after_help = "Example: medchain -k dr.json provider propose --categories imaging,labs --days 30 --base-url https://clinic.example --qr"
    )]
    Propose {
        /// Bind the proposal to this patient wallet (default: any patient may use it).
        #[arg(long)]
        patient: Option<String>,
        /// What is proposed.
        #[command(flatten)]
        terms: TermsArgs,
        /// How long the link stays usable, in hours.
        #[arg(long, default_value_t = 24)]
        valid_hours: u32,
        /// Where the link points and how it is shown.
        #[command(flatten)]
        link: ActionLinkArgs,
    },
    /// Records an access attempt and prints the decision (a denial is recorded too).
    #[command(
        after_help = "Example: medchain -k dr.json provider record-access <PATIENT_WALLET> --category imaging --purpose TREAT --action read"
    )]
    RecordAccess {
        /// The patient's wallet.
        patient: String,
        /// One category.
        #[arg(long, value_parser = one_category)]
        category: u32,
        /// One purpose of use.
        #[arg(long, default_value = "TREAT", value_parser = one_purpose)]
        purpose: u16,
        /// One action.
        #[arg(long, default_value = "read", value_parser = one_action)]
        action: u8,
    },
    /// Anchors the hashes of every resource of a FHIR Bundle as one Merkle batch (resumable).
    #[command(
        after_help = "Example: medchain -k dr.json provider anchor-bundle bundle.json --batch-id 42"
    )]
    AnchorBundle {
        /// The FHIR Bundle (JSON).
        bundle: PathBuf,
        /// The batch id (unique per provider).
        #[arg(long)]
        batch_id: u64,
        /// State file (default: <bundle>.medchain.json); a rerun resumes from it and never anchors twice.
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Anchors the content hash of one record (a FHIR resource or any document) about a patient.
    #[command(
        after_help = "Example: medchain -k dr.json provider anchor-record observation.json --patient <PATIENT_WALLET> --category labs"
    )]
    AnchorRecord {
        /// The record file (a `.json` file is hashed as canonical JSON, any other as raw bytes).
        file: PathBuf,
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// The record's category (one).
        #[arg(long, value_parser = one_category)]
        category: u32,
        /// The purpose under which it is written.
        #[arg(long, default_value = "TREAT", value_parser = one_purpose)]
        purpose: u16,
        /// Record id as 64 hex characters (default: SHA-256 of the content hash, i.e. one id per content).
        #[arg(long)]
        record_id: Option<String>,
    },
    /// Encryption key for sealed records: generate the key file, publish its public half.
    #[command(
        subcommand,
        after_help = "Example: medchain provider encryption-key generate -o dr.x25519.json && medchain -k dr.json provider encryption-key publish dr.x25519.json"
    )]
    EncryptionKey(EncryptionKeyCommand),
    /// Opens break-glass (emergency read) access for at most 24 hours.
    #[command(
        after_help = "Example: medchain -k dr.json provider break-glass <PATIENT_WALLET> --issuer <ISSUER_WALLET> --reason 1 --hours 4"
    )]
    BreakGlass {
        /// The patient's wallet.
        patient: String,
        /// The provider's issuer wallet.
        #[arg(long)]
        issuer: String,
        /// Reason code from your emergency protocol.
        #[arg(long, default_value_t = 1)]
        reason: u8,
        /// Window length in hours (1–24).
        #[arg(long, default_value_t = 4)]
        hours: u8,
    },
}

/// Runs a `provider` command.
pub async fn run(globals: &Globals, command: ProviderCommand) -> Result<Output, CliError> {
    if let ProviderCommand::EncryptionKey(EncryptionKeyCommand::Generate { outfile }) = &command {
        return generate_key(outfile, "provider"); // needs no cluster
    }
    let ctx = Context::open(globals)?;
    match command {
        ProviderCommand::Request { patient, nonce, terms, link } => {
            request(&ctx, &patient, nonce, &terms, &link).await
        }
        ProviderCommand::Propose { patient, terms, valid_hours, link } => {
            propose(&ctx, patient.as_deref(), &terms, valid_hours, &link).await
        }
        ProviderCommand::RecordAccess { patient, category, purpose, action } => {
            record_access(&ctx, &patient, RecordAccessArgs { category, purpose, action }).await
        }
        ProviderCommand::AnchorBundle { bundle, batch_id, state } => {
            anchor_bundle(&ctx, &bundle, batch_id, state).await
        }
        ProviderCommand::AnchorRecord { file, patient, category, purpose, record_id } => {
            anchor_record(&ctx, &file, &patient, (category, purpose), record_id.as_deref()).await
        }
        ProviderCommand::EncryptionKey(EncryptionKeyCommand::Generate { outfile }) => {
            generate_key(&outfile, "provider")
        }
        ProviderCommand::EncryptionKey(EncryptionKeyCommand::Publish { key_file }) => {
            publish_key(&ctx, &key_file).await
        }
        ProviderCommand::BreakGlass { patient, issuer, reason, hours } => {
            break_glass(&ctx, &patient, &issuer, reason, hours).await
        }
    }
}

/// `provider request`
async fn request(
    ctx: &Context,
    patient: &str,
    nonce: Option<u64>,
    terms: &TermsArgs,
    link: &ActionLinkArgs,
) -> Result<Output, CliError> {
    let urls = link.base_url.as_deref().map(base_url).transpose()?;
    let patient = wallet(patient)?;
    let terms = terms.request_terms();
    let _: medchain_sdk::state::Patient = fetch(ctx, &pda::patient(&patient), "Patient").await?;
    let provider = ctx.signer()?;
    let nonce = nonce.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    });
    let outcome = ctx.chain.request_access(&provider, &patient, nonce, terms).await?;
    let request = pda::request(&pda::patient(&patient), &pda::provider(&provider.pubkey()), nonce);
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
        let approve = urls.approve(&request, &Narrowing::default());
        let links = links(link, &[("approve", approve), ("deny", urls.deny(&request))])?;
        human = format!("{human}\n\n{}", links.human);
        extend(&mut value, &links.json);
    }
    Ok(Output::new(human, value))
}

/// Adds the fields of `extra` (an object) to `value` (an object).
fn extend(value: &mut Value, extra: &Value) {
    if let (Some(object), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
}

/// `provider propose`
async fn propose(
    ctx: &Context,
    patient: Option<&str>,
    terms: &TermsArgs,
    valid_hours: u32,
    link: &ActionLinkArgs,
) -> Result<Output, CliError> {
    let urls = link.base_url.as_deref().map(base_url).transpose()?.ok_or_else(|| {
        CliError::bad("--base-url (or MEDCHAIN_ACTIONS_URL) is required: the grant link points at your `medchain serve`")
    })?;
    if !(1..=24 * 90).contains(&valid_hours) {
        return Err(CliError::bad("--valid-hours must be between 1 and 2160 (90 days)"));
    }
    let patient = patient.map(wallet).transpose()?;
    let terms = terms.request_terms();
    let provider = ctx.signer()?;
    let _: medchain_sdk::state::Provider =
        fetch(ctx, &pda::provider(&provider.pubkey()), "Provider").await?;
    let now = ctx.chain.backend().unix_time().await?;
    let proposal = GrantProposal {
        provider: provider.pubkey(),
        terms,
        valid_until: now + i64::from(valid_hours) * 3_600,
        patient,
    }
    .sign(&provider)
    .map_err(|e| CliError::bad(e.to_string()))?;
    let links = links(link, &[("grant", urls.grant(&proposal))])?;
    let human = format!(
        "Proposal: grant {} {}, for {} (link valid {valid_hours} h{})\n\n{}",
        provider.pubkey(),
        access_in_words(&terms.scope),
        duration_in_words(terms.duration_secs),
        patient.map(|p| format!(", only for patient {p}")).unwrap_or_default(),
        links.human
    );
    let mut value = json!({ "action": "propose", "valid_until": proposal.proposal.valid_until });
    extend(&mut value, &links.json);
    Ok(Output::new(human, value))
}

/// `provider record-access`
async fn record_access(
    ctx: &Context,
    patient: &str,
    attempt: RecordAccessArgs,
) -> Result<Output, CliError> {
    let provider = ctx.signer()?;
    let patient = wallet(patient)?;
    let decision = ctx.chain.record_access(&provider, &patient, attempt).await?;
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

/// `provider anchor-record`
async fn anchor_record(
    ctx: &Context,
    file: &Path,
    patient: &str,
    (category, purpose): (u32, u16),
    record_id: Option<&str>,
) -> Result<Output, CliError> {
    let patient = wallet(patient)?;
    let (content_hash, kind) = hash_file(file, false)?;
    let record_id = match record_id {
        Some(text) => hex32(text, "--record-id")?,
        None => default_record_id(&content_hash),
    };
    let provider = ctx.signer()?;
    let args = AnchorRecordArgs { record_id, content_hash, category, purpose };
    let outcome = ctx.chain.anchor_record(&provider, &patient, args).await?;
    let address = pda::record(&pda::patient(&patient), &record_id);
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

/// `provider break-glass`
async fn break_glass(
    ctx: &Context,
    patient: &str,
    issuer: &str,
    reason: u8,
    hours: u8,
) -> Result<Output, CliError> {
    let provider = ctx.signer()?;
    let patient = wallet(patient)?;
    let issuer = wallet(issuer)?;
    if !(1..=24).contains(&hours) {
        return Err(CliError::bad("--hours must be between 1 and 24"));
    }
    let duration = i64::from(hours) * 3_600;
    let outcome =
        ctx.chain.open_emergency_access(&provider, &issuer, &patient, reason, duration).await?;
    Ok(tx_output(
        format!("Break-glass open for {hours} h on patient {patient}: emergency reads (ETREAT) are allowed and recorded; the patient is notified"),
        "open_emergency_access",
        &outcome,
    ))
}

/// `provider encryption-key publish`
async fn publish_key(ctx: &Context, key_file: &Path) -> Result<Output, CliError> {
    let key = read_key_file(key_file)?;
    let provider = ctx.signer()?;
    let public = key.public_key();
    let outcome = ctx.chain.set_provider_encryption_key(&provider, public.to_bytes()).await?;
    Ok(Output::new(
        format!(
            "Published encryption key {public} for provider {}: records are sealed to it from now on (reseal older envelopes to include it)\nsignature: {}",
            provider.pubkey(),
            outcome.signature
        ),
        json!({
            "action": "set_provider_encryption_key",
            "signature": outcome.signature.to_string(),
            "public_key": public.to_string(),
        }),
    ))
}

// ----- anchor-bundle -------------------------------------------------------------------

/// `provider anchor-bundle`: hashes every resource, builds the tree, writes the state file,
/// and anchors the root once. A rerun resumes from the state file and never anchors twice.
async fn anchor_bundle(
    ctx: &Context,
    bundle: &Path,
    batch_id: u64,
    state_path: Option<PathBuf>,
) -> Result<Output, CliError> {
    let provider = ctx.signer()?;
    let bytes = read(bundle)?;
    let state_path = state_path.unwrap_or_else(|| default_state_path(bundle));
    let mut state = bundle_state(ctx, &provider, bundle, &bytes, batch_id, &state_path)?;
    let root: [u8; 32] =
        hex::decode(&state.merkle_root).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
            CliError::bad("state file holds an invalid root; delete it to start over")
        })?;
    let batch_address = pda::batch(&pda::provider(&provider.pubkey()), batch_id);
    let on_chain: Option<RecordBatch> = ctx.chain.fetch(&batch_address, "RecordBatch").await?;
    let (signature, resumed) = match on_chain {
        Some(batch) if batch.merkle_root != root => {
            return Err(CliError::bad(format!(
                "batch id {batch_id} is already anchored with another root; choose another --batch-id"
            )));
        }
        Some(_) => (state.signature.clone(), true),
        None => {
            let args =
                AnchorBatchArgs { batch_id, merkle_root: root, leaf_count: state.leaf_count };
            let outcome = ctx.chain.anchor_batch(&provider, args).await?;
            (Some(outcome.signature.to_string()), false)
        }
    };
    state.status = "anchored".into();
    state.signature = signature;
    save_state(&state_path, &state)?;
    Ok(anchored_output(bundle, &state, &state_path, resumed, &batch_address))
}

/// The state file of `bundle`: the one at `state_path` when it belongs to this bundle, batch
/// id and provider, else a new one (written before anything is anchored).
fn bundle_state(
    ctx: &Context,
    provider: &Keypair,
    bundle: &Path,
    bytes: &[u8],
    batch_id: u64,
    state_path: &Path,
) -> Result<BundleState, CliError> {
    let bundle_sha256 = hex::encode(Sha256::digest(bytes));
    if let Some(state) = load_state(state_path)? {
        if state.bundle_sha256 != bundle_sha256
            || state.batch_id != batch_id
            || state.provider != provider.pubkey().to_string()
        {
            return Err(CliError::bad(format!(
                "state file {} belongs to another bundle, batch id or provider; pass another --state",
                state_path.display()
            )));
        }
        return Ok(state);
    }
    let hashes = bundle_to_hashes(bytes).map_err(|e| {
        CliError::bad(format!("{} is not a usable FHIR Bundle: {e}", bundle.display()))
    })?;
    let bar = progress(hashes.entries.len() as u64, ctx);
    let mut entries = Vec::with_capacity(hashes.entries.len());
    for entry in &hashes.entries {
        let proof = hashes.tree.proof(entry.index).map_err(|e| CliError::Io(e.to_string()))?;
        entries.push(StateEntry {
            index: entry.index,
            full_url: entry.full_url.clone(),
            resource_type: entry.resource_type.clone(),
            id: entry.id.clone(),
            content_hash: entry.content_hash_hex(),
            proof,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let state = BundleState {
        version: 1,
        bundle_sha256,
        provider: provider.pubkey().to_string(),
        batch_id,
        merkle_root: hashes.merkle_root_hex(),
        leaf_count: hashes.entries.len() as u64,
        status: "prepared".into(),
        signature: None,
        entries,
    };
    save_state(state_path, &state)?;
    Ok(state)
}

fn progress(len: u64, ctx: &Context) -> indicatif::ProgressBar {
    if !ctx.is_display() || len < 1_000 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
    {
        bar.set_style(style);
    }
    bar.set_message("proofs");
    bar
}

fn anchored_output(
    bundle: &Path,
    state: &BundleState,
    state_path: &Path,
    resumed: bool,
    batch: &Pubkey,
) -> Output {
    let batch_id = state.batch_id;
    let signature = state.signature.as_ref();
    let human = format!(
        "{} {} resources of {} as batch {batch_id}\naccount:    {batch}\nroot:       {}\nstate file: {}{}",
        if resumed { "Already anchored:" } else { "Anchored" },
        state.leaf_count,
        bundle.display(),
        state.merkle_root,
        state_path.display(),
        signature.map(|s| format!("\nsignature:  {s}")).unwrap_or_default()
    );
    let mut value = json!({
        "action": "anchor_batch",
        "batch_id": batch_id,
        "batch": batch.to_string(),
        "merkle_root": state.merkle_root,
        "leaf_count": state.leaf_count,
        "state_file": state_path.display().to_string(),
        "already_anchored": resumed,
    });
    if let Some(sig) = signature.and_then(|s| s.parse().ok()) {
        value["signature"] = tx_json("anchor_batch", &sig)["signature"].clone();
    }
    Output::new(human, value)
}
