//! `audit …`: a patient's audit trail (access attempts, and changes with their events) as FHIR AuditEvents.

use crate::args::wallet;
use crate::cli::Globals;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::shared::fetch;
use clap::Subcommand;
use medchain_sdk::pda;
use medchain_sdk::state::Patient;

/// `audit …`
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Exports a patient's access attempts as a FHIR Bundle of AuditEvents.
    #[command(after_help = "Example: medchain audit export --patient <WALLET> > audit.json")]
    Export {
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// At most this many transactions.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}

/// Runs an `audit` command.
pub async fn run(globals: &Globals, command: AuditCommand) -> Result<Output, CliError> {
    let ctx = Context::open(globals)?;
    match command {
        AuditCommand::Export { patient, limit } => export(&ctx, &patient, limit).await,
    }
}

/// `audit export`
async fn export(ctx: &Context, patient: &str, limit: usize) -> Result<Output, CliError> {
    let patient = wallet(patient)?;
    let _: Patient = fetch(ctx, &pda::patient(&patient), "Patient").await?;
    let trail = ctx.chain.audit_trail(&patient, limit).await?;
    let bundle = medchain_sdk::fhir::audit_trail_bundle(&patient, &trail)
        .map_err(|e| CliError::bad(format!("cannot export: {e}")))?;
    Ok(Output::new(serde_json::to_string_pretty(&bundle).unwrap_or_default(), bundle))
}
