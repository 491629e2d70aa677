//! `record …` and bundle anchoring: content hashes, resumable Merkle batches, verification.

use super::tx_json;
use crate::cli::RecordCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use medchain_sdk::fhir::bundle_to_hashes;
use medchain_sdk::hashing::{self, ContentKind};
use medchain_sdk::merkle::{verify_batch_inclusion, InclusionProof};
use medchain_sdk::state::RecordBatch;
use medchain_sdk::{instructions as ix, pda};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use solana_sdk::signature::Signer;
use std::path::{Path, PathBuf};

/// True for commands that need no cluster.
pub fn is_offline(command: &RecordCommand) -> bool {
    matches!(command, RecordCommand::Hash { .. })
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::bad(format!("cannot read {}: {e}", path.display())))
}

/// The content hash of a file and the name of how it was hashed (`json-jcs` or `raw`): as
/// canonical JSON when its name ends in `.json` and `raw` is not set, as raw bytes otherwise
/// ([`ContentKind::for_path`]). The content never decides: a `.json` file that does not parse
/// is an error, and a file of any other name is hashed raw even if it contains JSON.
pub fn hash_file(path: &Path, raw: bool) -> Result<([u8; 32], &'static str), CliError> {
    let kind = ContentKind::for_path(path, raw);
    let hash = hashing::hash_file(path, kind).map_err(|e| CliError::bad(e.to_string()))?;
    Ok((hash, kind_label(kind)))
}

/// How `record hash` names a kind in its output.
fn kind_label(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Json => "json-jcs",
        ContentKind::Raw => "raw",
    }
}

/// Runs an offline `record` command.
pub fn run_offline(command: &RecordCommand) -> Result<Output, CliError> {
    match command {
        RecordCommand::Hash { file, raw } => {
            let (hash, kind) = hash_file(file, *raw)?;
            Ok(Output::new(
                format!("{}  {} ({kind})", hex::encode(hash), file.display()),
                json!({ "file": file.display().to_string(), "content_hash": hex::encode(hash), "kind": kind }),
            ))
        }
        RecordCommand::Verify { .. }
        | RecordCommand::Seal { .. }
        | RecordCommand::Open { .. }
        | RecordCommand::Reseal { .. } => Err(CliError::bad("this record command needs a cluster")),
    }
}

/// Runs a `record` command that reads the chain.
pub async fn run(ctx: &Context, command: RecordCommand) -> Result<Output, CliError> {
    match command {
        RecordCommand::Verify { resource, state } => verify(ctx, &resource, &state).await,
        command @ (RecordCommand::Seal { .. }
        | RecordCommand::Open { .. }
        | RecordCommand::Reseal { .. }) => super::sealing::run_record(ctx, command).await,
        other => run_offline(&other),
    }
}

/// One entry of a bundle state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateEntry {
    /// Position in the bundle and leaf index.
    pub index: usize,
    /// The entry's fullUrl.
    pub full_url: Option<String>,
    /// The resource type.
    pub resource_type: String,
    /// The resource id.
    pub id: Option<String>,
    /// The content hash (hex).
    pub content_hash: String,
    /// The inclusion proof.
    pub proof: InclusionProof,
}

/// The state file of `provider anchor-bundle`: what was prepared and whether it landed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleState {
    /// State file format version.
    pub version: u32,
    /// SHA-256 of the bundle file (hex), so that a different bundle is never confused.
    pub bundle_sha256: String,
    /// The provider wallet that anchors.
    pub provider: String,
    /// The batch id.
    pub batch_id: u64,
    /// The Merkle root (hex).
    pub merkle_root: String,
    /// Number of leaves.
    pub leaf_count: u64,
    /// "prepared" until the batch is on chain, then "anchored".
    pub status: String,
    /// The anchoring transaction, once known.
    pub signature: Option<String>,
    /// Every entry with its proof.
    pub entries: Vec<StateEntry>,
}

fn default_state_path(bundle: &Path) -> PathBuf {
    let mut name = bundle.as_os_str().to_owned();
    name.push(".medchain.json");
    PathBuf::from(name)
}

fn save_state(path: &Path, state: &BundleState) -> Result<(), CliError> {
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| CliError::Io(e.to_string()))?;
    medchain_sdk::fs::write_atomically(path, &bytes).map_err(|e| {
        CliError::Io(format!("cannot write state file {}: {}", path.display(), e.source))
    })
}

fn load_state(path: &Path) -> Result<Option<BundleState>, CliError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            CliError::bad(format!(
                "state file {} is corrupt: {e}; delete it to start over",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::bad(format!("cannot read state file {}: {e}", path.display()))),
    }
}

fn progress(len: u64, ctx: &Context) -> indicatif::ProgressBar {
    if ctx.output != crate::output::OutputFormat::Display || len < 1_000 {
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

/// `provider anchor-bundle`: hashes every resource, builds the tree, writes the state file,
/// and anchors the root once. A rerun resumes from the state file and never anchors twice.
pub async fn anchor_bundle(
    ctx: &Context,
    bundle: &Path,
    batch_id: u64,
    state_path: Option<PathBuf>,
) -> Result<Output, CliError> {
    let provider = ctx.signer()?;
    let bytes = read(bundle)?;
    let bundle_sha256 = hex::encode(Sha256::digest(&bytes));
    let state_path = state_path.unwrap_or_else(|| default_state_path(bundle));
    let mut state = match load_state(&state_path)? {
        Some(state) => {
            if state.bundle_sha256 != bundle_sha256
                || state.batch_id != batch_id
                || state.provider != provider.pubkey().to_string()
            {
                return Err(CliError::bad(format!(
                    "state file {} belongs to another bundle, batch id or provider; pass another --state",
                    state_path.display()
                )));
            }
            state
        }
        None => {
            let hashes = bundle_to_hashes(&bytes).map_err(|e| {
                CliError::bad(format!("{} is not a usable FHIR Bundle: {e}", bundle.display()))
            })?;
            let bar = progress(hashes.entries.len() as u64, ctx);
            let mut entries = Vec::with_capacity(hashes.entries.len());
            for entry in &hashes.entries {
                let proof =
                    hashes.tree.proof(entry.index).map_err(|e| CliError::Io(e.to_string()))?;
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
            save_state(&state_path, &state)?;
            state
        }
    };
    let root: [u8; 32] =
        hex::decode(&state.merkle_root).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
            CliError::bad("state file holds an invalid root; delete it to start over")
        })?;
    let batch_address = pda::batch(&pda::provider(&provider.pubkey()), batch_id);
    let on_chain: Option<RecordBatch> = ctx.chain.fetch(&batch_address, "RecordBatch").await?;
    let (signature, resumed) = match on_chain {
        Some(batch) => {
            if batch.merkle_root != root {
                return Err(CliError::bad(format!(
                    "batch id {batch_id} is already anchored with another root; choose another --batch-id"
                )));
            }
            (state.signature.clone(), true)
        }
        None => {
            let instruction =
                ix::anchor_batch(&provider.pubkey(), batch_id, root, state.leaf_count);
            let outcome = ctx.chain.send(&[instruction], &provider, &[]).await?;
            (Some(outcome.signature.to_string()), false)
        }
    };
    state.status = "anchored".into();
    state.signature = signature.clone();
    save_state(&state_path, &state)?;
    let human = format!(
        "{} {} resources of {} as batch {batch_id}\nroot:       {}\nstate file: {}{}",
        if resumed { "Already anchored:" } else { "Anchored" },
        state.leaf_count,
        bundle.display(),
        state.merkle_root,
        state_path.display(),
        signature.as_ref().map(|s| format!("\nsignature:  {s}")).unwrap_or_default()
    );
    let mut value = json!({
        "action": "anchor_batch",
        "batch_id": batch_id,
        "merkle_root": state.merkle_root,
        "leaf_count": state.leaf_count,
        "state_file": state_path.display().to_string(),
        "already_anchored": resumed,
    });
    if let Some(sig) = signature.and_then(|s| s.parse().ok()) {
        value["signature"] = tx_json("anchor_batch", &sig)["signature"].clone();
    }
    Ok(Output::new(human, value))
}

async fn verify(ctx: &Context, resource: &Path, state_path: &Path) -> Result<Output, CliError> {
    let (hash, _) = hash_file(resource, false)?;
    let state = load_state(state_path)?.ok_or_else(|| {
        CliError::bad(format!("state file {} does not exist", state_path.display()))
    })?;
    let hash_hex = hex::encode(hash);
    let entry = state.entries.iter().find(|e| e.content_hash == hash_hex).ok_or_else(|| {
        CliError::bad(format!(
            "{} (content hash {hash_hex}) is not in batch {}: it was altered, or never anchored there",
            resource.display(),
            state.batch_id
        ))
    })?;
    let provider = super::wallet(&state.provider)?;
    let batch_address = pda::batch(&pda::provider(&provider), state.batch_id);
    let batch: RecordBatch = super::admin::fetch(ctx, &batch_address, "RecordBatch").await?;
    verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &hash, &entry.proof).map_err(
        |e| {
            CliError::bad(format!(
                "the proof does not verify against the on-chain root of batch {}: {e}",
                state.batch_id
            ))
        },
    )?;
    Ok(Output::new(
        format!(
            "VERIFIED: {} is leaf {} of {} in batch {} anchored on chain (root {})",
            resource.display(),
            entry.index,
            batch.leaf_count,
            state.batch_id,
            hex::encode(batch.merkle_root)
        ),
        json!({
            "verified": true,
            "content_hash": hash_hex,
            "leaf_index": entry.index,
            "leaf_count": batch.leaf_count,
            "batch": batch_address.to_string(),
            "merkle_root": hex::encode(batch.merkle_root),
        }),
    ))
}
