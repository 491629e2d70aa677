//! Sealed records: `record seal|open|reseal`, `provider encryption-key generate|publish`, and
//! the reseal that follows `patient revoke --reseal`.
//!
//! Every command reads and seals/opens all its inputs in memory first and writes only when
//! all of them succeeded, each file through a temporary file renamed into place: a failure
//! never leaves partial output.

use super::provider::single;
use super::wallet;
use crate::cli::{EncryptionKeyCommand, RecordCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{table, Output};
use medchain_sdk::hashing::{content_hash_json, ContentKind};
use medchain_sdk::names::{category_names, parse_categories, parse_purposes, purpose_names};
use medchain_sdk::seal::{
    ChainCheck, EncryptionSecretKey, KeyFile, Recipient, RecipientPlan, SealOptions, SealedEnvelope,
};
use medchain_sdk::state::RecordStatus;
use serde_json::{json, Value};
use solana_sdk::signature::Signer;
use std::path::{Path, PathBuf};

/// Suffix of envelope files.
pub const SEALED_SUFFIX: &str = ".sealed.json";

/// Runs `provider encryption-key generate` (no cluster needed).
pub fn generate_key(outfile: &Path) -> Result<Output, CliError> {
    if outfile.exists() {
        return Err(CliError::bad(format!(
            "{} exists; an encryption key file is never overwritten (envelopes sealed to it would become unreadable)",
            outfile.display()
        )));
    }
    let key = EncryptionSecretKey::generate().map_err(|e| CliError::Io(e.to_string()))?;
    KeyFile::write_new(outfile, &key).map_err(|e| CliError::Io(e.to_string()))?;
    let public = key.public_key().to_string();
    Ok(Output::new(
        format!(
            "Wrote a new X25519 encryption key to {} (keep it secret and backed up)\npublic key: {public}\nnext: medchain -k <provider keypair> provider encryption-key publish {}",
            outfile.display(),
            outfile.display()
        ),
        json!({ "outfile": outfile.display().to_string(), "public_key": public }),
    ))
}

/// Runs `provider encryption-key …` commands that need the cluster.
pub async fn run_key(ctx: &Context, command: EncryptionKeyCommand) -> Result<Output, CliError> {
    match command {
        EncryptionKeyCommand::Generate { outfile } => generate_key(&outfile),
        EncryptionKeyCommand::Publish { key_file } => {
            let key = KeyFile::read(&key_file).map_err(|e| CliError::bad(e.to_string()))?;
            let provider = ctx.signer()?;
            let public = key.public_key();
            let outcome =
                ctx.chain.set_provider_encryption_key(&provider, public.to_bytes()).await?;
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
    }
}

/// Runs `record seal|open|reseal`.
pub async fn run_record(ctx: &Context, command: RecordCommand) -> Result<Output, CliError> {
    match command {
        RecordCommand::Seal { input, patient, category, purpose, record, raw, out } => {
            seal(ctx, &input, &patient, &category, &purpose, record.as_deref(), raw, out.as_deref())
                .await
        }
        RecordCommand::Open { input, key, out, force } => {
            open(ctx, &input, key.as_deref(), out.as_deref(), force).await
        }
        RecordCommand::Reseal { input, key, out } => {
            let key = opening_key(ctx, key.as_deref())?;
            reseal(ctx, &input, &key, out.as_deref()).await
        }
        other => Err(CliError::bad(format!("not a sealing command: {other:?}"))),
    }
}

// ----- files ---------------------------------------------------------------------------

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::bad(format!("cannot read {}: {e}", path.display())))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The files a command works on: `input` itself, or the files of directory `input` that
/// `wanted` selects (sorted, not recursive). An empty selection is an error.
fn inputs(
    input: &Path,
    wanted: impl Fn(&str) -> bool,
    what: &str,
) -> Result<Vec<PathBuf>, CliError> {
    let meta = std::fs::metadata(input)
        .map_err(|e| CliError::bad(format!("cannot read {}: {e}", input.display())))?;
    if !meta.is_dir() {
        return Ok(vec![input.to_path_buf()]);
    }
    let entries = std::fs::read_dir(input)
        .map_err(|e| CliError::bad(format!("cannot list {}: {e}", input.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| CliError::bad(format!("cannot list {}: {e}", input.display())))?
            .path();
        if path.is_file() && wanted(&file_name(&path)) {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(CliError::bad(format!("{} holds no {what}", input.display())));
    }
    Ok(files)
}

fn is_envelope_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(SEALED_SUFFIX)
}

fn is_record_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".json") && !is_envelope_name(name)
}

/// `obs.json` → `obs.sealed.json`; `scan.pdf` → `scan.pdf.sealed.json`.
fn sealed_name(input: &Path) -> String {
    let name = file_name(input);
    match name.strip_suffix(".json").or_else(|| name.strip_suffix(".JSON")) {
        Some(stem) => format!("{stem}{SEALED_SUFFIX}"),
        None => format!("{name}{SEALED_SUFFIX}"),
    }
}

/// `obs.sealed.json` → `obs.json` (JSON content) or `obs` (raw content).
fn opened_name(envelope: &Path, kind: ContentKind) -> String {
    let name = file_name(envelope);
    let lower = name.to_ascii_lowercase();
    let stem = if lower.ends_with(SEALED_SUFFIX) {
        name[..name.len() - SEALED_SUFFIX.len()].to_string()
    } else {
        format!("{name}.opened")
    };
    match kind {
        ContentKind::Json if !stem.to_ascii_lowercase().ends_with(".json") => {
            format!("{stem}.json")
        }
        _ => stem,
    }
}

/// Where an output goes: `dir/name`, or next to `input` when no directory is given.
fn output_path(input: &Path, out: Option<&Path>, name: String) -> PathBuf {
    match out {
        Some(dir) => dir.join(name),
        None => input.parent().map_or_else(|| PathBuf::from(&name), |p| p.join(&name)),
    }
}

fn prepare_out_dir(out: Option<&Path>) -> Result<(), CliError> {
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::Io(format!("cannot create output directory {}: {e}", dir.display()))
        })?;
    }
    Ok(())
}

/// Writes every (path, bytes) atomically ([`medchain_sdk::fs::write_atomically`]).
fn write_all(outputs: &[(PathBuf, Vec<u8>)]) -> Result<(), CliError> {
    for (path, bytes) in outputs {
        medchain_sdk::fs::write_atomically(path, bytes)
            .map_err(|e| CliError::Io(format!("cannot write {}: {}", path.display(), e.source)))?;
    }
    Ok(())
}

/// How a record file is hashed — the rule of `record hash` and `provider anchor-record`
/// ([`ContentKind::for_path`]), so the sealed content hash is the anchored one: JSON when the
/// name ends in `.json` (unless `raw`), raw bytes otherwise; a `.json` file that is not valid
/// JSON is an error.
fn content_kind(path: &Path, bytes: &[u8], raw: bool) -> Result<ContentKind, CliError> {
    let kind = ContentKind::for_path(path, raw);
    if kind == ContentKind::Json {
        content_hash_json(bytes)
            .map_err(|e| CliError::bad(format!("{} is not valid JSON: {e}", path.display())))?;
    }
    Ok(kind)
}

/// The key that opens envelopes: a medchain encryption key file, else a wallet keypair file
/// (the patient's key is derived from it); default the `-k` keypair.
fn opening_key(ctx: &Context, key: Option<&Path>) -> Result<EncryptionSecretKey, CliError> {
    let Some(path) = key else {
        return Ok(EncryptionSecretKey::from_wallet(&ctx.signer()?));
    };
    let bytes = read(path)?;
    if let Ok(key) = KeyFile::parse(&bytes) {
        return Ok(key);
    }
    let looks_like_key_file = serde_json::from_slice::<Value>(&bytes)
        .is_ok_and(|v| v.get("kind").is_some() || v.get("secret_key").is_some());
    if looks_like_key_file {
        return KeyFile::parse(&bytes)
            .map_err(|e| CliError::bad(format!("{}: {e}", path.display())));
    }
    match solana_sdk::signature::read_keypair_file(path) {
        Ok(wallet) => Ok(EncryptionSecretKey::from_wallet(&wallet)),
        Err(_) => Err(CliError::bad(format!(
            "{} is neither a medchain encryption key file (provider encryption-key generate) nor a wallet keypair file",
            path.display()
        ))),
    }
}

// ----- reporting -----------------------------------------------------------------------

fn recipient_json(r: &Recipient) -> Value {
    json!({ "role": r.role.as_str(), "wallet": r.wallet.to_string(), "public_key": r.public_key.to_string() })
}

fn plan_json(plan: &RecipientPlan) -> Value {
    json!({
        "recipients": plan.recipients.iter().map(recipient_json).collect::<Vec<_>>(),
        "excluded": plan.excluded.iter().map(|e| json!({
            "wallet": e.wallet.map(|w| w.to_string()),
            "provider_account": e.provider_account.to_string(),
            "reason": e.reason.name(),
        })).collect::<Vec<_>>(),
    })
}

fn plan_text(plan: &RecipientPlan) -> String {
    let mut text = String::from("Recipients:\n");
    let rows: Vec<Vec<String>> = plan
        .recipients
        .iter()
        .map(|r| vec![r.role.as_str().to_string(), r.wallet.to_string()])
        .collect();
    text.push_str(&table(&["ROLE", "WALLET"], &rows));
    if !plan.excluded.is_empty() {
        text.push_str("Not recipients (providers holding a consent):\n");
        let rows: Vec<Vec<String>> = plan
            .excluded
            .iter()
            .map(|e| {
                vec![
                    e.wallet.map_or_else(|| e.provider_account.to_string(), |w| w.to_string()),
                    e.reason.describe().to_string(),
                ]
            })
            .collect();
        text.push_str(&table(&["PROVIDER", "WHY"], &rows));
    }
    text
}

fn chain_text(check: &ChainCheck) -> String {
    match check {
        ChainCheck::Anchored { record, status: RecordStatus::Current } => {
            format!("matches on-chain record {record} (current)")
        }
        ChainCheck::Anchored { record, status } => {
            format!("matches on-chain record {record} ({status:?}: a later version exists)")
        }
        ChainCheck::NotAnchored => {
            "WARNING: no on-chain record anchors this content hash (not anchored yet?)".into()
        }
    }
}

fn chain_json(check: &ChainCheck) -> Value {
    match check {
        ChainCheck::Anchored { record, status } => json!({
            "anchored": true,
            "record": record.to_string(),
            "status": format!("{status:?}"),
        }),
        ChainCheck::NotAnchored => json!({ "anchored": false }),
    }
}

// ----- seal ----------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
async fn seal(
    ctx: &Context,
    input: &Path,
    patient: &str,
    category: &str,
    purpose: &str,
    record: Option<&str>,
    raw: bool,
    out: Option<&Path>,
) -> Result<Output, CliError> {
    let patient = wallet(patient)?;
    let category = single(parse_categories(category)?.into(), "category")? as u32;
    let purpose = single(parse_purposes(purpose)?.into(), "purpose")? as u16;
    let record = record.map(wallet).transpose()?;
    let files = inputs(input, is_record_name, "*.json records")?;
    if record.is_some() && files.len() > 1 {
        return Err(CliError::bad("--record names one record; it cannot be used with a directory"));
    }
    let mut outputs = Vec::new();
    let mut rows = Vec::new();
    let mut items = Vec::new();
    let mut last_plan = None;
    for file in &files {
        let bytes = read(file)?;
        let kind = content_kind(file, &bytes, raw)?;
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

/// Names the file an SDK error is about.
fn with_file(error: medchain_sdk::SdkError, file: &Path) -> CliError {
    match error {
        medchain_sdk::SdkError::Seal(e) => CliError::bad(format!("{}: {e}", file.display())),
        other => CliError::Sdk(other),
    }
}

// ----- open ----------------------------------------------------------------------------

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
    for file in &files {
        let bytes = read(file)?;
        let opened = ctx.chain.open_sealed(&bytes, &key).await.map_err(|e| with_file(e, file))?;
        opened_all.push((file, opened));
    }
    let Some(dir) = out else {
        // One envelope, printed.
        let (file, opened) = opened_all.pop().ok_or_else(|| CliError::bad("nothing to open"))?;
        let check = chain_text(&opened.chain);
        if ctx.output == crate::output::OutputFormat::Display {
            eprintln!(
                "{}: opened as {}; content {check}",
                file.display(),
                opened.opened.opened_as.role.as_str()
            );
        }
        let text = String::from_utf8(opened.opened.plaintext.to_vec());
        let content = match &text {
            Ok(text) => json!(text),
            Err(_) => json!(null),
        };
        let human = text.unwrap_or_else(|_| {
            "(binary content: pass --out <dir> to write it to a file)".to_string()
        });
        return Ok(Output::new(
            human,
            json!({
                "envelope": file.display().to_string(),
                "opened_as": recipient_json(&opened.opened.opened_as),
                "content_hash": hex::encode(opened.opened.header.content_hash),
                "chain": chain_json(&opened.chain),
                "content": content,
            }),
        ));
    };
    let mut outputs = Vec::new();
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for (file, opened) in &opened_all {
        let path =
            output_path(file, Some(dir), opened_name(file, opened.opened.header.content_kind));
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
    prepare_out_dir(out)?;
    write_all(&outputs)?;
    Ok(Output::new(
        format!(
            "Opened {} envelope(s)\n{}",
            files.len(),
            table(&["ENVELOPE", "RECORD", "CHAIN"], &rows)
        ),
        json!({ "action": "open", "files": items }),
    ))
}

// ----- reseal --------------------------------------------------------------------------

/// Checks, without changing anything, that every envelope in `input` parses and lists `key`
/// as a recipient (run before a revoke, so that `patient revoke --reseal` fails before
/// revoking when the reseal could not work).
pub fn check_resealable(input: &Path, key: &EncryptionSecretKey) -> Result<usize, CliError> {
    let files = inputs(input, is_envelope_name, "*.sealed.json envelopes")?;
    let public = key.public_key();
    for file in &files {
        let envelope = SealedEnvelope::parse(&read(file)?)
            .map_err(|e| CliError::bad(format!("{}: {e}", file.display())))?;
        if !envelope.recipients.iter().any(|r| r.recipient.public_key == public) {
            return Err(CliError::bad(format!(
                "{}: your key is not a recipient of this envelope, so you cannot reseal it",
                file.display()
            )));
        }
    }
    Ok(files.len())
}

/// Reseals every envelope of `input` (replacing them, or into `out`).
pub async fn reseal(
    ctx: &Context,
    input: &Path,
    key: &EncryptionSecretKey,
    out: Option<&Path>,
) -> Result<Output, CliError> {
    let files = inputs(input, is_envelope_name, "*.sealed.json envelopes")?;
    let mut outputs = Vec::new();
    let mut rows = Vec::new();
    let mut items = Vec::new();
    let mut last_plan = None;
    for file in &files {
        let bytes = read(file)?;
        let resealed = ctx.chain.reseal(&bytes, key).await.map_err(|e| with_file(e, file))?;
        let path = match out {
            Some(dir) => dir.join(file_name(file)),
            None => file.clone(),
        };
        let names =
            |list: &[Recipient]| list.iter().map(|r| r.wallet.to_string()).collect::<Vec<_>>();
        rows.push(vec![
            path.display().to_string(),
            resealed.sealed.plan.recipients.len().to_string(),
            names(&resealed.dropped).join(","),
            names(&resealed.added).join(","),
        ]);
        items.push(json!({
            "envelope": file.display().to_string(),
            "output": path.display().to_string(),
            "recipients": resealed.sealed.plan.recipients.iter().map(recipient_json).collect::<Vec<_>>(),
            "dropped": resealed.dropped.iter().map(recipient_json).collect::<Vec<_>>(),
            "added": resealed.added.iter().map(recipient_json).collect::<Vec<_>>(),
        }));
        outputs.push((path, resealed.sealed.bytes));
        last_plan = Some(resealed.sealed.plan);
    }
    prepare_out_dir(out)?;
    write_all(&outputs)?;
    let plan_text = last_plan.as_ref().map(plan_text).unwrap_or_default();
    Ok(Output::new(
        format!(
            "Resealed {} envelope(s) under fresh data keys\n{}{plan_text}",
            files.len(),
            table(&["ENVELOPE", "RECIPIENTS", "DROPPED", "ADDED"], &rows)
        ),
        json!({ "action": "reseal", "files": items }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(sealed_name(Path::new("a/obs.json")), "obs.sealed.json");
        assert_eq!(sealed_name(Path::new("scan.pdf")), "scan.pdf.sealed.json");
        assert_eq!(opened_name(Path::new("obs.sealed.json"), ContentKind::Json), "obs.json");
        assert_eq!(opened_name(Path::new("scan.pdf.sealed.json"), ContentKind::Raw), "scan.pdf");
        assert_eq!(opened_name(Path::new("x.bin"), ContentKind::Raw), "x.bin.opened");
        assert!(is_record_name("obs.json") && !is_record_name("obs.sealed.json"));
        assert!(is_envelope_name("OBS.SEALED.JSON") && !is_envelope_name("obs.json"));
    }
}
