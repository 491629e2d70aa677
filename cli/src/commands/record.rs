//! `record …`: content hashes, sealed records (seal, open, reseal) and verification against
//! anchored batches.

use crate::args::{one_category, one_purpose, wallet};
use crate::cli::Globals;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{table, Output};
use crate::shared::bundle::load_state;
use crate::shared::fetch;
use crate::shared::files::{
    content_kind, hash_file, inputs, is_envelope_name, is_record_name, opened_name, output_path,
    prepare_out_dir, read, sealed_name, write_all,
};
use crate::shared::sealing::{
    chain_json, chain_text, opening_key, plan_json, plan_text, recipient_json, reseal, with_file,
};
use clap::Subcommand;
use medchain_sdk::merkle::verify_batch_inclusion;
use medchain_sdk::names::{category_names, purpose_names};
use medchain_sdk::pda;
use medchain_sdk::seal::{OpenedRecord, SealOptions};
use medchain_sdk::state::RecordBatch;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `record …`
#[derive(Subcommand, Debug)]
pub enum RecordCommand {
    /// Prints the content hash of a file (canonical JSON for FHIR resources, raw bytes otherwise).
    #[command(after_help = "Example: medchain record hash observation.json")]
    Hash {
        /// The file.
        file: PathBuf,
        /// Hash the raw bytes even of a `.json` file.
        #[arg(long)]
        raw: bool,
    },
    /// Seals records (a file, or every *.json of a directory) for the patient and exactly the
    /// providers whose consent permits reading the category now; writes <name>.sealed.json.
    #[command(
        after_help = "Example: medchain record seal observation.json --patient <PATIENT_WALLET> --category labs --out sealed/"
    )]
    Seal(SealArgs),
    /// Opens sealed envelopes (a file, or every *.sealed.json of a directory) and checks the
    /// content against the chain; prints one record, or writes them to --out.
    #[command(
        after_help = "Example: medchain record open observation.sealed.json --key dr.x25519.json --out opened/"
    )]
    Open {
        /// An envelope file or a directory of them.
        input: PathBuf,
        /// An encryption key file (provider) or a wallet keypair file (patient); default: the -k keypair.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Write the opened records into this directory (required for a directory).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite existing files in --out.
        #[arg(long)]
        force: bool,
    },
    /// Reseals envelopes under a fresh data key for the recipients the chain permits now
    /// (after a revoke, a suspension or a new consent); replaces them in place unless --out.
    #[command(after_help = "Example: medchain -k me.json record reseal records/")]
    Reseal {
        /// An envelope file or a directory of them.
        input: PathBuf,
        /// A key that opens them: encryption key file or wallet keypair; default: the -k keypair.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Write the new envelopes into this directory instead of replacing the old ones.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verifies that a resource is in an anchored batch (offline and against the chain).
    #[command(
        after_help = "Example: medchain record verify observation.json --state bundle.json.medchain.json"
    )]
    Verify {
        /// The FHIR resource (JSON).
        resource: PathBuf,
        /// The state file written by `provider anchor-bundle` (holds the proofs).
        #[arg(long)]
        state: PathBuf,
    },
}

/// `record seal`
#[derive(clap::Args, Debug)]
pub struct SealArgs {
    /// A record file (a `.json` file is canonical JSON, any other raw bytes) or a directory.
    input: PathBuf,
    /// The patient's wallet.
    #[arg(long)]
    patient: String,
    /// The records' category (one).
    #[arg(long, value_parser = one_category)]
    category: u32,
    /// The purpose of use the recipients' consents must cover.
    #[arg(long, default_value = "TREAT", value_parser = one_purpose)]
    purpose: u16,
    /// The Record account anchoring the content (default: looked up by content hash).
    #[arg(long)]
    record: Option<String>,
    /// Hash and seal the raw bytes even of a `.json` file.
    #[arg(long)]
    raw: bool,
    /// Output directory (default: next to each input).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs a `record` command.
pub async fn run(globals: &Globals, command: RecordCommand) -> Result<Output, CliError> {
    if let RecordCommand::Hash { file, raw } = &command {
        return hash(file, *raw); // needs no cluster
    }
    let ctx = &Context::open(globals)?;
    match command {
        RecordCommand::Hash { file, raw } => hash(&file, raw),
        RecordCommand::Seal(args) => seal(ctx, &args).await,
        RecordCommand::Open { input, key, out, force } => {
            open(ctx, &input, key.as_deref(), out.as_deref(), force).await
        }
        RecordCommand::Reseal { input, key, out } => {
            let key = opening_key(ctx, key.as_deref())?;
            reseal(ctx, &input, &key, out.as_deref()).await
        }
        RecordCommand::Verify { resource, state } => verify(ctx, &resource, &state).await,
    }
}

/// `record hash`
fn hash(file: &Path, raw: bool) -> Result<Output, CliError> {
    let (hash, kind) = hash_file(file, raw)?;
    Ok(Output::new(
        format!("{}  {} ({kind})", hex::encode(hash), file.display()),
        json!({ "file": file.display().to_string(), "content_hash": hex::encode(hash), "kind": kind }),
    ))
}

/// `record seal`
async fn seal(ctx: &Context, args: &SealArgs) -> Result<Output, CliError> {
    let patient = wallet(&args.patient)?;
    let (category, purpose) = (args.category, args.purpose);
    let record = args.record.as_deref().map(wallet).transpose()?;
    let files = inputs(&args.input, is_record_name, "*.json records")?;
    if record.is_some() && files.len() > 1 {
        return Err(CliError::bad("--record names one record; it cannot be used with a directory"));
    }
    let out = args.out.as_deref();
    let (mut outputs, mut rows, mut items, mut last_plan) =
        (Vec::new(), Vec::new(), Vec::new(), None);
    for file in &files {
        let bytes = read(file)?;
        let kind = content_kind(file, &bytes, args.raw)?;
        let options = SealOptions { purpose, record };
        let sealed = ctx
            .chain
            .seal_for_consented(&bytes, kind, &patient, category, options)
            .await
            .map_err(|e| with_file(e, file))?;
        let path = output_path(file, out, sealed_name(file));
        let header = sealed.envelope.header;
        rows.push(vec![
            file.display().to_string(),
            path.display().to_string(),
            header.record.map_or_else(|| "(not anchored)".into(), |r| r.to_string()),
        ]);
        items.push(json!({
            "input": file.display().to_string(),
            "output": path.display().to_string(),
            "content_hash": hex::encode(header.content_hash),
            "content_kind": kind.name(),
            "record": header.record.map(|r| r.to_string()),
        }));
        outputs.push((path, sealed.bytes));
        last_plan = Some(sealed.plan);
    }
    prepare_out_dir(out)?;
    write_all(&outputs)?;
    let plan = last_plan.ok_or_else(|| CliError::bad("nothing to seal"))?;
    let human = format!(
        "Sealed {} record(s) about patient {patient} ({}, read for {}) for {} recipient(s)\n{}{}",
        files.len(),
        category_names(category).join(","),
        purpose_names(purpose).join(","),
        plan.recipients.len(),
        table(&["INPUT", "ENVELOPE", "ON-CHAIN RECORD"], &rows),
        plan_text(&plan),
    );
    let mut value = json!({
        "action": "seal",
        "format": medchain_sdk::seal::FORMAT,
        "patient": patient.to_string(),
        "category": category_names(category),
        "purpose": purpose_names(purpose),
        "files": items,
    });
    if let (Value::Object(map), Value::Object(extra)) = (&mut value, plan_json(&plan)) {
        map.extend(extra);
    }
    Ok(Output::new(human, value))
}

/// `record open`: one envelope printed, or every envelope written into `out`.
async fn open(
    ctx: &Context,
    input: &Path,
    key: Option<&Path>,
    out: Option<&Path>,
    force: bool,
) -> Result<Output, CliError> {
    let files = inputs(input, is_envelope_name, "*.sealed.json envelopes")?;
    if out.is_none() && files.len() > 1 {
        return Err(CliError::bad("opening a directory needs --out <dir> for the opened records"));
    }
    let key = opening_key(ctx, key)?;
    let mut opened_all = Vec::new();
    for file in files {
        let bytes = read(&file)?;
        let opened = ctx.chain.open_sealed(&bytes, &key).await.map_err(|e| with_file(e, &file))?;
        opened_all.push((file, opened));
    }
    match out {
        Some(dir) => open_into(&opened_all, dir, force),
        None => {
            let (file, opened) =
                opened_all.pop().ok_or_else(|| CliError::bad("nothing to open"))?;
            Ok(open_printed(ctx, &file, &opened))
        }
    }
}

/// One opened envelope, printed (with a note on stderr for people).
fn open_printed(ctx: &Context, file: &Path, opened: &OpenedRecord) -> Output {
    if ctx.is_display() {
        eprintln!(
            "{}: opened as {}; content {}",
            file.display(),
            opened.opened.opened_as.role.as_str(),
            chain_text(&opened.chain)
        );
    }
    let text = String::from_utf8(opened.opened.plaintext.to_vec());
    let content = match &text {
        Ok(text) => json!(text),
        Err(_) => json!(null),
    };
    let human = text
        .unwrap_or_else(|_| "(binary content: pass --out <dir> to write it to a file)".to_string());
    Output::new(
        human,
        json!({
            "envelope": file.display().to_string(),
            "opened_as": recipient_json(&opened.opened.opened_as),
            "content_hash": hex::encode(opened.opened.header.content_hash),
            "chain": chain_json(&opened.chain),
            "content": content,
        }),
    )
}

/// Opened envelopes, written into `dir` (existing files only with `force`).
fn open_into(
    opened_all: &[(PathBuf, OpenedRecord)],
    dir: &Path,
    force: bool,
) -> Result<Output, CliError> {
    let (mut outputs, mut rows, mut items) = (Vec::new(), Vec::new(), Vec::new());
    for (file, opened) in opened_all {
        let name = opened_name(file, opened.opened.header.content_kind);
        let path = output_path(file, Some(dir), name);
        if path.exists() && !force {
            return Err(CliError::bad(format!(
                "{} exists; pass --force to overwrite it",
                path.display()
            )));
        }
        rows.push(vec![
            file.display().to_string(),
            path.display().to_string(),
            chain_text(&opened.chain),
        ]);
        items.push(json!({
            "envelope": file.display().to_string(),
            "output": path.display().to_string(),
            "content_hash": hex::encode(opened.opened.header.content_hash),
            "chain": chain_json(&opened.chain),
        }));
        outputs.push((path, opened.opened.plaintext.to_vec()));
    }
    prepare_out_dir(Some(dir))?;
    write_all(&outputs)?;
    Ok(Output::new(
        format!(
            "Opened {} envelope(s)\n{}",
            opened_all.len(),
            table(&["ENVELOPE", "RECORD", "CHAIN"], &rows)
        ),
        json!({ "action": "open", "files": items }),
    ))
}

/// `record verify`
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
    let provider = wallet(&state.provider)?;
    let batch_address = pda::batch(&pda::provider(&provider), state.batch_id);
    let batch: RecordBatch = fetch(ctx, &batch_address, "RecordBatch").await?;
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
