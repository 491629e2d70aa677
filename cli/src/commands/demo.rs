//! `medchain demo`: a guided end-to-end scenario on a fresh embedded ledger. Every step is a
//! real transaction through the real Solana runtime running the medchain program.

use crate::cli::Globals;
use crate::error::CliError;
use crate::output::Output;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// `demo`
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the demo ledger in this directory (default: a fresh temporary one).
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

/// Runs the demo.
#[cfg(feature = "embedded")]
pub async fn run(globals: &Globals, args: &DemoArgs) -> Result<Output, CliError> {
    use crate::output::OutputFormat;
    let dir = demo_dir(args)?;
    let options = medchain_sdk::EmbeddedOptions {
        program: crate::context::program_source(globals),
        ..Default::default()
    };
    let chain =
        medchain_sdk::Medchain::new(medchain_sdk::EmbeddedBackend::open_with(&dir, options)?);
    if globals.output == OutputFormat::Display {
        eprintln!("Running the demo (each step is a real transaction)…");
    }
    let mut tour = tour::Tour::new(chain);
    let ok = tour.run().await?;
    if let Some(keep) = &args.keep {
        tour.save_keys(&keep.join("keys"))?;
    }
    let (lines, steps) = tour.finish(ok, args.keep.is_none().then_some(&dir));
    if !ok {
        return Err(CliError::Io("the demo produced unexpected results".into()));
    }
    Ok(Output::new(
        lines.join("\n"),
        json!({ "ledger": dir.display().to_string(), "steps": steps, "passed": ok }),
    ))
}

/// Without the embedded ledger there is no demo.
#[cfg(not(feature = "embedded"))]
pub async fn run(_globals: &Globals, _args: &DemoArgs) -> Result<Output, CliError> {
    Err(CliError::bad("this build has no embedded ledger; rebuild with the `embedded` feature"))
}

/// The demo's ledger directory: `--keep DIR` (which must not hold a ledger yet), else a fresh
/// temporary one.
#[cfg(feature = "embedded")]
fn demo_dir(args: &DemoArgs) -> Result<PathBuf, CliError> {
    match &args.keep {
        Some(dir) => {
            if dir.join(medchain_sdk::backend::embedded::LEDGER_FILE).exists() {
                return Err(CliError::bad(format!(
                    "{} already holds a ledger; the demo needs a fresh directory",
                    dir.display()
                )));
            }
            Ok(dir.clone())
        }
        None => {
            let temp = std::env::temp_dir().join(format!("medchain-demo-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&temp);
            Ok(temp)
        }
    }
}

/// A small synthetic FHIR Bundle (no real person).
#[cfg(feature = "embedded")]
fn demo_bundle() -> String {
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            { "fullUrl": "urn:uuid:1", "resource": { "resourceType": "Observation", "id": "hb", "status": "final",
              "code": { "coding": [{ "system": "http://loinc.org", "code": "718-7" }] },
              "valueQuantity": { "value": 13.7, "unit": "g/dL" } } },
            { "fullUrl": "urn:uuid:2", "resource": { "resourceType": "Observation", "id": "glucose", "status": "final",
              "code": { "coding": [{ "system": "http://loinc.org", "code": "2345-7" }] },
              "valueQuantity": { "value": 97, "unit": "mg/dL" } } },
            { "fullUrl": "urn:uuid:3", "resource": { "resourceType": "ImagingStudy", "id": "chest-xr", "status": "available",
              "subject": { "reference": "Patient/synthetic" } } }
        ]
    })
    .to_string()
}

#[cfg(feature = "embedded")]
mod tour;
