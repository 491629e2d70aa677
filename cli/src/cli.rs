//! The command tree (clap derive), grouped by who uses each command.

use crate::output::OutputFormat;
use clap::{Args, Parser, Subcommand};
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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level command groups.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Registry administration: initialise, trust issuers, pause.
    #[command(
        subcommand,
        after_help = "Example: medchain -k admin.json admin add-issuer <ISSUER_WALLET> --break-glass"
    )]
    Admin(AdminCommand),
    /// Credentialing bodies: register, suspend and reinstate providers.
    #[command(
        subcommand,
        after_help = "Example: medchain -k issuer.json issuer register-provider --provider-keypair dr.json --credential-file licence.pdf --kind physician"
    )]
    Issuer(IssuerCommand),
    /// Providers: request access, record access, anchor records and bundles, break the glass.
    #[command(
        subcommand,
        after_help = "Example: medchain -k dr.json provider request <PATIENT_WALLET> --categories imaging,labs --purposes TREAT --actions read --days 30"
    )]
    Provider(ProviderCommand),
    /// Patients: answer requests, grant, update and revoke consents, see records and the audit trail.
    #[command(
        subcommand,
        after_help = "Example: medchain -k me.json patient approve <PROVIDER_WALLET> --nonce 1"
    )]
    Patient(PatientCommand),
    /// Records: hash FHIR resources and verify them against anchored batches.
    #[command(subcommand, after_help = "Example: medchain record hash observation.json")]
    Record(RecordCommand),
    /// Consents: show, list, export as FHIR.
    #[command(
        subcommand,
        after_help = "Example: medchain consent list --patient <PATIENT_WALLET>"
    )]
    Consent(ConsentCommand),
    /// Audit: export a patient's access log as FHIR AuditEvents.
    #[command(
        subcommand,
        after_help = "Example: medchain audit export --patient <PATIENT_WALLET>"
    )]
    Audit(AuditCommand),
    /// The embedded ledger: info, faucet, reset.
    #[command(subcommand, after_help = "Example: medchain ledger info")]
    Ledger(LedgerCommand),
    /// Serves Solana Actions / Solana Pay transaction requests: patients approve, deny, grant and revoke from their own wallet.
    #[command(
        after_help = "Example: medchain serve --bind 127.0.0.1:8080 --base-url https://clinic.example --fee-payer clinic-fees.json"
    )]
    Serve(ServeArgs),
    /// Prints the Solana Pay transaction-request URL of an action URL and its QR code.
    #[command(
        after_help = "Example: medchain qr https://clinic.example/api/actions/revoke/<CONSENT> --png revoke.png"
    )]
    Qr(QrCommandArgs),
    /// A guided end-to-end scenario on a fresh embedded ledger.
    #[command(after_help = "Example: medchain demo --output json")]
    Demo(DemoArgs),
    /// Writes a new keypair file (solana-keygen format).
    #[command(after_help = "Example: medchain keygen -o patient.json")]
    Keygen(KeygenArgs),
    /// Prints shell completions.
    #[command(after_help = "Example: medchain completions bash > /etc/bash_completion.d/medchain")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `admin …`
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Creates the registry; the signer becomes admin.
    #[command(after_help = "Example: medchain -k admin.json admin initialize")]
    Initialize,
    /// Trusts a credentialing body.
    #[command(
        after_help = "Example: medchain -k admin.json admin add-issuer <WALLET> --break-glass"
    )]
    AddIssuer {
        /// The issuer's wallet.
        issuer: String,
        /// Allow the issuer's providers to open break-glass access.
        #[arg(long)]
        break_glass: bool,
    },
    /// Removes an issuer that has no active providers.
    #[command(after_help = "Example: medchain -k admin.json admin remove-issuer <WALLET>")]
    RemoveIssuer {
        /// The issuer's wallet.
        issuer: String,
    },
    /// Pauses new requests, grants and approvals.
    #[command(after_help = "Example: medchain -k admin.json admin pause")]
    Pause,
    /// Lifts a pause.
    #[command(after_help = "Example: medchain -k admin.json admin unpause")]
    Unpause,
    /// Shows the registry.
    #[command(after_help = "Example: medchain admin show")]
    Show,
}

/// `issuer …`
#[derive(Subcommand, Debug)]
pub enum IssuerCommand {
    /// Registers a provider (the provider's own keypair co-signs).
    #[command(
        after_help = "Example: medchain -k issuer.json issuer register-provider --provider-keypair dr.json --credential-file licence.pdf --kind physician"
    )]
    RegisterProvider {
        /// The provider's keypair file (it must co-sign).
        #[arg(long)]
        provider_keypair: PathBuf,
        /// A file whose SHA-256 is stored as the credential hash (licence, NPI record).
        #[arg(long, conflicts_with = "credential_hash")]
        credential_file: Option<PathBuf>,
        /// The credential hash as 64 hex characters.
        #[arg(long)]
        credential_hash: Option<String>,
        /// physician, nurse, pharmacist, hospital, clinic, laboratory, imaging, payer, researcher, public-health, other.
        #[arg(long, default_value = "physician")]
        kind: String,
    },
    /// Suspends a provider: every access is cut off at once.
    #[command(after_help = "Example: medchain -k issuer.json issuer suspend <PROVIDER_WALLET>")]
    Suspend {
        /// The provider's wallet.
        provider: String,
    },
    /// Reinstates a suspended provider.
    #[command(after_help = "Example: medchain -k issuer.json issuer reinstate <PROVIDER_WALLET>")]
    Reinstate {
        /// The provider's wallet.
        provider: String,
    },
}

/// Terms named on the command line.
#[derive(Args, Debug, Clone)]
pub struct TermsArgs {
    /// Categories, comma-separated (imaging, labs, medications, …; `all` = every standard one; sensitive ones must be named).
    #[arg(long, default_value = "all")]
    pub categories: String,
    /// Purposes of use (HL7 codes), comma-separated.
    #[arg(long, default_value = "TREAT")]
    pub purposes: String,
    /// Actions: read, write, share.
    #[arg(long, default_value = "read")]
    pub actions: String,
    /// How long, in days.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
}

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
        #[arg(long)]
        category: String,
        /// One purpose of use.
        #[arg(long, default_value = "TREAT")]
        purpose: String,
        /// One action.
        #[arg(long, default_value = "read")]
        action: String,
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
        /// The record file (FHIR JSON is canonicalised; other files are hashed as raw bytes).
        file: PathBuf,
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// The record's category (one).
        #[arg(long)]
        category: String,
        /// The purpose under which it is written.
        #[arg(long, default_value = "TREAT")]
        purpose: String,
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

/// `provider encryption-key …`
#[derive(Subcommand, Debug)]
pub enum EncryptionKeyCommand {
    /// Writes a new X25519 key file (owner-only permissions; never overwrites). Keep it safe:
    /// envelopes sealed to its key cannot be opened without it.
    #[command(after_help = "Example: medchain provider encryption-key generate -o dr.x25519.json")]
    Generate {
        /// Where to write the key file.
        #[arg(short = 'o', long)]
        outfile: PathBuf,
    },
    /// Publishes the key file's public key on the signer's Provider account, so that records
    /// are sealed to it from now on.
    #[command(
        after_help = "Example: medchain -k dr.json provider encryption-key publish dr.x25519.json"
    )]
    Publish {
        /// The key file written by `generate`.
        key_file: PathBuf,
    },
}

/// `patient …`
#[derive(Subcommand, Debug)]
pub enum PatientCommand {
    /// Registers the signer as a patient.
    #[command(after_help = "Example: medchain -k me.json patient register")]
    Register,
    /// Lists pending access requests.
    #[command(after_help = "Example: medchain -k me.json patient requests")]
    Requests,
    /// Approves a pending request (optionally narrowed).
    #[command(
        after_help = "Example: medchain -k me.json patient approve <PROVIDER_WALLET> --nonce 1 --categories imaging"
    )]
    Approve {
        /// The provider's wallet.
        provider: String,
        /// The request number.
        #[arg(long)]
        nonce: u64,
        /// Narrow the categories.
        #[arg(long)]
        categories: Option<String>,
        /// Narrow the purposes.
        #[arg(long)]
        purposes: Option<String>,
        /// Narrow the actions.
        #[arg(long)]
        actions: Option<String>,
        /// Shorten the duration (days).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Denies a pending request.
    #[command(
        after_help = "Example: medchain -k me.json patient deny <PROVIDER_WALLET> --nonce 1"
    )]
    Deny {
        /// The provider's wallet.
        provider: String,
        /// The request number.
        #[arg(long)]
        nonce: u64,
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
    },
    /// Names a delegate (guardian, proxy) who may grant within a scope and/or revoke.
    #[command(
        after_help = "Example: medchain -k me.json patient delegate-add <GUARDIAN_WALLET> --can grant,revoke --categories all --days 365"
    )]
    DelegateAdd {
        /// The delegate's wallet.
        delegate: String,
        /// What it may do: grant, revoke.
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

/// `record …`
#[derive(Subcommand, Debug)]
pub enum RecordCommand {
    /// Prints the content hash of a file (canonical JSON for FHIR resources, raw bytes otherwise).
    #[command(after_help = "Example: medchain record hash observation.json")]
    Hash {
        /// The file.
        file: PathBuf,
        /// Hash the raw bytes even if the file is JSON.
        #[arg(long)]
        raw: bool,
    },
    /// Seals records (a file, or every *.json of a directory) for the patient and exactly the
    /// providers whose consent permits reading the category now; writes <name>.sealed.json.
    #[command(
        after_help = "Example: medchain record seal observation.json --patient <PATIENT_WALLET> --category labs --out sealed/"
    )]
    Seal {
        /// A record file (FHIR JSON; other files are sealed as raw bytes) or a directory.
        input: PathBuf,
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// The records' category (one).
        #[arg(long)]
        category: String,
        /// The purpose of use the recipients' consents must cover.
        #[arg(long, default_value = "TREAT")]
        purpose: String,
        /// The Record account anchoring the content (default: looked up by content hash).
        #[arg(long)]
        record: Option<String>,
        /// Hash and seal the raw bytes even if a file is JSON.
        #[arg(long)]
        raw: bool,
        /// Output directory (default: next to each input).
        #[arg(long)]
        out: Option<PathBuf>,
    },
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

/// `consent …`
#[derive(Subcommand, Debug)]
pub enum ConsentCommand {
    /// Shows the consent of a patient to a provider.
    #[command(
        after_help = "Example: medchain consent show --patient <WALLET> --provider <WALLET>"
    )]
    Show {
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// The provider's wallet.
        #[arg(long)]
        provider: String,
    },
    /// Lists the consents of a patient (or of a provider).
    #[command(after_help = "Example: medchain consent list --patient <WALLET>")]
    List {
        /// The patient's wallet.
        #[arg(long, required_unless_present = "provider")]
        patient: Option<String>,
        /// The provider's wallet.
        #[arg(long)]
        provider: Option<String>,
    },
    /// Exports a consent as a FHIR R4 Consent resource.
    #[command(
        after_help = "Example: medchain consent export --patient <WALLET> --provider <WALLET>"
    )]
    Export {
        /// The patient's wallet.
        #[arg(long)]
        patient: String,
        /// The provider's wallet.
        #[arg(long)]
        provider: String,
    },
}

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

/// `ledger …`
#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// Where the embedded ledger is and what it holds.
    #[command(after_help = "Example: medchain ledger info")]
    Info,
    /// Credits SOL on the embedded ledger (a local faucet).
    #[command(after_help = "Example: medchain ledger airdrop <WALLET> --sol 5")]
    Airdrop {
        /// The wallet.
        wallet: String,
        /// How much SOL.
        #[arg(long, default_value_t = 1)]
        sol: u64,
    },
    /// Deletes the embedded ledger (asks for --yes).
    #[command(after_help = "Example: medchain ledger reset --yes")]
    Reset {
        /// Really delete it.
        #[arg(long)]
        yes: bool,
    },
}

/// Where a wallet link points (the clinic's `medchain serve`) and how it is shown.
#[derive(Args, Debug, Clone)]
pub struct ActionLinkArgs {
    /// Public base URL of the clinic's `medchain serve` (https://…); prints the wallet links.
    #[arg(long, env = "MEDCHAIN_ACTIONS_URL")]
    pub base_url: Option<String>,
    /// Print the QR code of the transaction-request URL in the terminal.
    #[arg(long, requires = "base_url")]
    pub qr: bool,
    /// Write the QR code as a PNG image.
    #[arg(long, value_name = "FILE", requires = "base_url")]
    pub qr_png: Option<PathBuf>,
    /// Write the QR code as an SVG image.
    #[arg(long, value_name = "FILE", requires = "base_url")]
    pub qr_svg: Option<PathBuf>,
}

/// `serve`
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on (put an HTTPS reverse proxy in front; see docs/ACTIONS.md).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The public https base URL wallets reach the server at (icons and links are absolute).
    #[arg(long, env = "MEDCHAIN_ACTIONS_URL")]
    pub base_url: String,
    /// The clinic's fee-payer keypair: pays fees and rent and signs first, so patients need no SOL.
    #[arg(long)]
    pub fee_payer: Option<PathBuf>,
    /// Only serve actions of these provider wallets (repeatable; default: every registered provider).
    #[arg(long = "provider", value_name = "WALLET")]
    pub providers: Vec<String>,
    /// A name wallets show for a provider: WALLET=NAME (repeatable).
    #[arg(long = "provider-name", value_name = "WALLET=NAME")]
    pub provider_names: Vec<String>,
    /// Requests a minute per client address.
    #[arg(long, default_value_t = 60)]
    pub rate_limit: u32,
    /// Requests a client may make at once before the rate limit applies.
    #[arg(long, default_value_t = 20)]
    pub burst: u32,
    /// Take the client address from X-Forwarded-For (only behind a reverse proxy that sets it).
    #[arg(long)]
    pub trust_forwarded_for: bool,
}

/// `qr`
#[derive(Args, Debug)]
pub struct QrCommandArgs {
    /// An action URL (https://…/api/actions/…) or a solana: / solana-action: URL.
    pub url: String,
    /// Write the QR code as a PNG image.
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
    /// Write the QR code as an SVG image.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// `demo`
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the demo ledger in this directory (default: a fresh temporary one).
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

/// `keygen`
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Where to write the keypair.
    #[arg(short = 'o', long)]
    pub outfile: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}
