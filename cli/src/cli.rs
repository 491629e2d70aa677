//! The top level of the command line: the global flags, the command groups (each group's
//! subcommands live in `commands/<group>.rs`, beside their handlers), parsing and dispatch.

use crate::args::NameError;
use crate::commands::{
    admin, audit, consent, demo, issuer, keygen, ledger, patient, provider, qr, record, serve,
    watch,
};
use crate::error::{CliError, EXIT_BAD_INPUT};
use crate::output::{Output, OutputFormat};
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
use medchain_sdk::names::UnknownName;
use serde_json::json;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Cluster: -u/--url (m, d, t, l or a URL), else json_rpc_url from the Solana CLI config, else the \
embedded ledger (--ledger DIR, default under your data directory). On the embedded ledger, \
signers are topped up from a local faucet, and --program PATH.so runs an SBPF build of the \
program instead of the native one.

Exit codes: 0 success; 2 usage error; 3 bad input (files, keys, names, unknown accounts, \
insufficient funds); 4 the medchain program refused the transaction; 5 cluster unreachable or \
ledger locked/corrupt; 1 anything else.

Example: medchain demo";

/// medchain: patient-controlled consent and tamper-evident medical records on Solana.
#[derive(Parser, Debug)]
#[command(name = "medchain", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// The flags every command takes.
    #[command(flatten)]
    pub globals: Globals,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The global flags: cluster, signer, output.
#[derive(Args, Debug, Clone)]
pub struct Globals {
    /// Solana CLI config file (default ~/.config/solana/cli/config.yml, if present).
    #[arg(short = 'C', long, global = true)]
    pub config: Option<PathBuf>,
    /// Cluster: m, d, t, l (mainnet-beta, devnet, testnet, localhost) or a URL.
    #[arg(short = 'u', long, global = true)]
    pub url: Option<String>,
    /// Signer keypair file (solana-keygen format); default from the config, else ~/.config/solana/id.json.
    #[arg(short = 'k', long, global = true)]
    pub keypair: Option<PathBuf>,
    /// Commitment for reads and confirmations.
    #[arg(long, global = true, value_parser = ["processed", "confirmed", "finalized"])]
    pub commitment: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value = "display")]
    pub output: OutputFormat,
    /// Embedded ledger directory (used when no cluster is configured, or always when given).
    #[arg(long, global = true, env = "MEDCHAIN_LEDGER", conflicts_with = "url")]
    pub ledger: Option<PathBuf>,
    /// On the embedded ledger, do not top signers up from the local faucet.
    #[arg(long, global = true)]
    pub no_faucet: bool,
    /// On the embedded ledger, run this SBPF program (`target/deploy/medchain.so`, the bytes
    /// you deploy) in the SBF VM instead of the natively compiled one.
    #[arg(long, global = true, env = "MEDCHAIN_PROGRAM_SO", value_name = "PATH.so")]
    pub program: Option<PathBuf>,
}

/// Top-level command groups.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Registry administration: initialise, trust issuers, pause.
    #[command(
        subcommand,
        after_help = "Example: medchain -k admin.json admin add-issuer <ISSUER_WALLET> --break-glass"
    )]
    Admin(admin::AdminCommand),
    /// Credentialing bodies: register, suspend and reinstate providers.
    #[command(
        subcommand,
        after_help = "Example: medchain -k issuer.json issuer register-provider --provider-keypair dr.json --credential-file licence.pdf --kind physician"
    )]
    Issuer(issuer::IssuerCommand),
    /// Providers: request access, record access, anchor records and bundles, break the glass.
    #[command(
        subcommand,
        after_help = "Example: medchain -k dr.json provider request <PATIENT_WALLET> --categories imaging,labs --purposes TREAT --actions read --days 30"
    )]
    Provider(provider::ProviderCommand),
    /// Patients: answer requests, grant, update and revoke consents, see records and the audit trail.
    #[command(
        subcommand,
        after_help = "Example: medchain -k me.json patient approve <PROVIDER_WALLET> --nonce 1"
    )]
    Patient(patient::PatientCommand),
    /// Records: hash FHIR resources and verify them against anchored batches.
    #[command(subcommand, after_help = "Example: medchain record hash observation.json")]
    Record(record::RecordCommand),
    /// Consents: show, list, export as FHIR.
    #[command(
        subcommand,
        after_help = "Example: medchain consent list --patient <PATIENT_WALLET>"
    )]
    Consent(consent::ConsentCommand),
    /// Audit: export a patient's audit trail (access attempts and changes) as FHIR AuditEvents.
    #[command(
        subcommand,
        after_help = "Example: medchain audit export --patient <PATIENT_WALLET>"
    )]
    Audit(audit::AuditCommand),
    /// The embedded ledger: info, faucet, reset.
    #[command(subcommand, after_help = "Example: medchain ledger info")]
    Ledger(ledger::LedgerCommand),
    /// Serves Solana Actions / Solana Pay transaction requests (patients approve, deny, grant and revoke from their own wallet) and consent decisions for health IT (CDS Hooks, XACML).
    #[command(
        after_help = "Example: medchain serve --bind 127.0.0.1:8080 --base-url https://clinic.example --fee-payer clinic-fees.json\nExample: medchain serve --base-url https://clinic.example --identifier-map ids.json --record-decisions --provider-keypair dr.json"
    )]
    Serve(serve::ServeArgs),
    /// Streams a patient's new requests, grants, revokes, access attempts (granted and denied) and break-glass openings as they happen, until Ctrl-C (a cluster's websocket; for the embedded ledger, `--server URL` follows `medchain serve`'s GET /api/watch/<WALLET>).
    #[command(
        after_help = "Example: medchain -u l watch --patient <PATIENT_WALLET>\nExample: medchain watch --server http://127.0.0.1:8080 --patient <PATIENT_WALLET>   (the embedded ledger, held by `medchain serve`)\nExample: medchain -u l watch --patient <PATIENT_WALLET> --output json-compact | jq -c 'select(.kind == \"access\")'"
    )]
    Watch(watch::WatchArgs),
    /// Prints the Solana Pay transaction-request URL of an action URL and its QR code.
    #[command(
        after_help = "Example: medchain qr https://clinic.example/api/actions/revoke/<CONSENT> --png revoke.png"
    )]
    Qr(qr::QrArgs),
    /// A guided end-to-end scenario on a fresh embedded ledger.
    #[command(after_help = "Example: medchain demo --output json")]
    Demo(demo::DemoArgs),
    /// Writes a new keypair file (solana-keygen format).
    #[command(after_help = "Example: medchain keygen -o patient.json")]
    Keygen(keygen::KeygenArgs),
    /// Prints shell completions.
    #[command(after_help = "Example: medchain completions bash > /etc/bash_completion.d/medchain")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Parses the command line. Usage errors exit with 2 as clap does, except a value that is not
/// a vocabulary name (`--categories x-rays`), which is bad input: exit 3, as the
/// exit-code table says (and a JSON error object under `--output json`).
pub fn parse() -> Cli {
    let error = match Cli::try_parse() {
        Ok(cli) => return cli,
        Err(error) => error,
    };
    let name_error = (error.kind() == ErrorKind::ValueValidation)
        .then(|| std::error::Error::source(&error))
        .flatten()
        .filter(|source| source.is::<UnknownName>() || source.is::<NameError>())
        .map(ToString::to_string);
    let Some(message) = name_error else { error.exit() };
    if json_output_requested() {
        println!("{}", json!({ "error": message, "exit_code": EXIT_BAD_INPUT }));
    }
    let _ = error.print();
    std::process::exit(EXIT_BAD_INPUT);
}

/// True when the raw arguments ask for JSON output (they did not parse, so clap cannot say).
fn json_output_requested() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().enumerate().any(|(i, arg)| {
        let value = match arg.strip_prefix("--output=") {
            Some(value) => Some(value),
            None if arg == "--output" => args.get(i + 1).map(String::as_str),
            None => None,
        };
        value.is_some_and(|v| v.starts_with("json"))
    })
}

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<Output, CliError> {
    let Cli { globals, command } = cli;
    let g = &globals;
    match command {
        Command::Admin(c) => admin::run(g, c).await,
        Command::Issuer(c) => issuer::run(g, c).await,
        Command::Provider(c) => provider::run(g, c).await,
        Command::Patient(c) => patient::run(g, c).await,
        Command::Record(c) => record::run(g, c).await,
        Command::Consent(c) => consent::run(g, c).await,
        Command::Audit(c) => audit::run(g, c).await,
        Command::Ledger(c) => ledger::run(g, c).await,
        Command::Serve(args) => serve::run(g, args).await,
        Command::Watch(args) => watch::run(g, args).await,
        Command::Qr(args) => qr::run(&args),
        Command::Demo(args) => demo::run(g, &args).await,
        Command::Keygen(args) => keygen::run(&args),
        Command::Completions { shell } => Ok(completions(shell)),
    }
}

/// `completions`: the shell completion script.
fn completions(shell: clap_complete::Shell) -> Output {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "medchain", &mut buffer);
    let script = String::from_utf8_lossy(&buffer).to_string();
    Output::new(script.clone(), json!({ "script": script }))
}
