//! Sealing helpers shared by `record seal|open|reseal` and `patient revoke --reseal`: the key
//! that opens envelopes, the reseal itself, and how recipients and chain checks are reported.
//!
//! Every command reads and seals/opens all its inputs in memory first and writes only when
//! all of them succeeded, each file through a temporary file renamed into place: a failure
//! never leaves partial output.

use super::files::{file_name, inputs, is_envelope_name, prepare_out_dir, read, write_all};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{table, Output};
use clap::Subcommand;
use medchain_sdk::seal::{
    ChainCheck, EncryptionSecretKey, KeyFile, Recipient, RecipientPlan, SealedEnvelope,
};
use medchain_sdk::state::RecordStatus;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `provider encryption-key …` and `patient encryption-key …`: an X25519 key kept off-chain
/// in a file, its public half published on-chain for sealing.
#[derive(Subcommand, Debug)]
pub enum EncryptionKeyCommand {
    /// Writes a new X25519 key file (owner-only permissions; never overwrites). Keep it safe
    /// and backed up: envelopes sealed to its key cannot be opened without it.
    #[command(
        after_help = "Example: medchain provider encryption-key generate -o dr.x25519.json\n         medchain patient encryption-key generate -o me.x25519.json"
    )]
    Generate {
        /// Where to write the key file.
        #[arg(short = 'o', long)]
        outfile: PathBuf,
    },
    /// Publishes the key file's public key on-chain (the signer's Provider account, or the
    /// patient's PatientKey account), so that records are sealed to it from now on.
    #[command(
        after_help = "Example: medchain -k dr.json provider encryption-key publish dr.x25519.json\n         medchain -k me.json patient encryption-key publish me.x25519.json"
    )]
    Publish {
        /// The key file written by `generate`.
        key_file: PathBuf,
    },
}

/// `… encryption-key generate` (no cluster needed); `role` (`provider`, `patient`) names the
/// command to publish it with.
pub fn generate_key(outfile: &Path, role: &str) -> Result<Output, CliError> {
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
            "Wrote a new X25519 encryption key to {} (keep it secret and backed up)\npublic key: {public}\nnext: medchain -k <{role} keypair> {role} encryption-key publish {}",
            outfile.display(),
            outfile.display()
        ),
        json!({ "outfile": outfile.display().to_string(), "public_key": public }),
    ))
}

/// Reads an encryption key file written by `encryption-key generate`.
pub fn read_key_file(path: &Path) -> Result<EncryptionSecretKey, CliError> {
    KeyFile::read(path).map_err(|e| CliError::bad(e.to_string()))
}

/// The key that opens envelopes: a medchain encryption key file, else a wallet keypair file
/// (the patient's key is derived from it); default the `-k` keypair.
pub fn opening_key(ctx: &Context, key: Option<&Path>) -> Result<EncryptionSecretKey, CliError> {
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

/// A recipient as JSON.
pub fn recipient_json(r: &Recipient) -> Value {
    json!({ "role": r.role.as_str(), "wallet": r.wallet.to_string(), "public_key": r.public_key.to_string() })
}

/// A recipient plan as JSON.
pub fn plan_json(plan: &RecipientPlan) -> Value {
    json!({
        "recipients": plan.recipients.iter().map(recipient_json).collect::<Vec<_>>(),
        "excluded": plan.excluded.iter().map(|e| json!({
            "wallet": e.wallet.map(|w| w.to_string()),
            "provider_account": e.provider_account.to_string(),
            "reason": e.reason.name(),
        })).collect::<Vec<_>>(),
    })
}

/// A recipient plan as tables.
pub fn plan_text(plan: &RecipientPlan) -> String {
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

/// What the chain says of an opened envelope's content, in words.
pub fn chain_text(check: &ChainCheck) -> String {
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

/// What the chain says of an opened envelope's content, as JSON.
pub fn chain_json(check: &ChainCheck) -> Value {
    match check {
        ChainCheck::Anchored { record, status } => json!({
            "anchored": true,
            "record": record.to_string(),
            "status": format!("{status:?}"),
        }),
        ChainCheck::NotAnchored => json!({ "anchored": false }),
    }
}

/// Names the file an SDK error is about.
pub fn with_file(error: medchain_sdk::SdkError, file: &Path) -> CliError {
    match error {
        medchain_sdk::SdkError::Seal(e) => CliError::bad(format!("{}: {e}", file.display())),
        other => CliError::Sdk(other),
    }
}

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
