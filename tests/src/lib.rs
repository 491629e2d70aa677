//! The test harness: the medchain program inside the real Solana runtime (solana-program-test's
//! bank), with fixture builders so that each test reads as the scenario it checks.
//!
//! The program runs natively (`processor!`) by default, or, when `MEDCHAIN_PROGRAM_SO` names
//! an SBPF shared object, in the runtime's SBF VM through BPF loader 2, exactly as a cluster
//! runs it: the same tests and the same assertions either way ([`program_source`]).

pub mod model;
pub mod tour;

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, AnchorDeserialize};
use medchain::state::{AccessDecision, ConsentTerms, ProviderKind, RequestTerms, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::backend::embedded::ProgramSource;
use medchain_sdk::{instructions as ix, pda};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_sdk::clock::Clock;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};
use solana_system_interface::instruction as system_instruction;

pub use anchor_lang::error::ErrorCode as AnchorErrorCode;
pub use medchain::error::MedchainError;

/// One SOL in lamports.
pub const SOL: u64 = 1_000_000_000;
/// A synthetic credential hash (never real data).
pub const CREDENTIAL: [u8; 32] = [0x11; 32];

/// The outcome of a transaction: Ok, or the runtime's error.
pub type TxResult = Result<(), BanksClientError>;

/// A running bank with medchain loaded and, by default, an initialised registry.
pub struct Harness {
    /// The program-test context (bank, fee payer, blockhash).
    pub ctx: ProgramTestContext,
    /// The registry admin.
    pub admin: Keypair,
    nonce: u64,
}

/// Default terms for a consent: imaging and labs, for treatment, read, for 30 days.
pub fn terms(expires_at: i64) -> ConsentTerms {
    ConsentTerms {
        scope: Scope::new(
            categories::IMAGING | categories::OBSERVATIONS,
            purposes::TREAT,
            actions::READ,
        ),
        expires_at,
    }
}

/// Default request terms: imaging and labs, treatment, read and write, one day.
pub fn request_terms() -> RequestTerms {
    RequestTerms {
        scope: Scope::new(
            categories::IMAGING | categories::OBSERVATIONS,
            purposes::TREAT,
            actions::READ | actions::WRITE,
        ),
        duration_secs: 86_400,
    }
}

/// The program the harness runs: native, or the SBPF `.so` named by `MEDCHAIN_PROGRAM_SO`.
pub fn program_source() -> ProgramSource {
    ProgramSource::from_env()
}

/// True when the tests run the SBPF `.so` in the SBF VM.
pub fn sbf_mode() -> bool {
    program_source().is_sbf()
}

/// What one measured transaction left behind.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// The transaction's return data.
    pub return_data: Vec<u8>,
    /// Compute units of each top-level medchain instruction, in order (SBF only: the native
    /// program is not metered, so this is empty then).
    pub compute_units: Vec<u64>,
    /// The runtime's log lines.
    pub logs: Vec<String>,
}

/// The compute units of each top-level medchain instruction, read from the runtime's
/// `Program <id> consumed N of M compute units` lines (a self-CPI for events counts within
/// its caller, as the runtime meters it).
pub fn medchain_compute_units(logs: &[String]) -> Vec<u64> {
    let id = medchain::ID.to_string();
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else { continue };
        let mut words = rest.split_whitespace();
        let (Some(program), Some(verb)) = (words.next(), words.next()) else { continue };
        match verb {
            "invoke" => stack.push(program.to_string()),
            "success" | "failed:" => {
                stack.pop();
            }
            "consumed" if program == id && stack.len() == 1 => {
                if let Some(units) = words.next().and_then(|n| n.parse().ok()) {
                    out.push(units);
                }
            }
            _ => {}
        }
    }
    out
}

impl Harness {
    /// A bank with the program loaded and no registry.
    pub async fn bare() -> Self {
        Self::bare_with_admin(&program_source(), Keypair::new()).await
    }

    /// A bank running the program from `source` (e.g. an upgradeable deployment) and no
    /// registry, with `admin` as the admin keypair (funded here).
    pub async fn bare_with_admin(source: &ProgramSource, admin: Keypair) -> Self {
        let ctx = medchain_sdk::backend::embedded::program_test_with(source)
            .expect("the program named by MEDCHAIN_PROGRAM_SO")
            .start_with_context()
            .await;
        let mut h = Self { ctx, admin, nonce: 0 };
        let admin = h.admin.pubkey();
        h.fund(&admin, 10 * SOL).await;
        h
    }

    /// A bank with the registry initialised by `self.admin`.
    pub async fn new() -> Self {
        let mut h = Self::bare().await;
        let admin = h.admin.insecure_clone();
        h.send(&[ix::initialize(&admin.pubkey(), None)], &[&admin]).await.expect("initialize");
        h
    }

    /// Sends one transaction paid by the context's payer and signed by `signers` too.
    /// A unique compute-unit price makes otherwise identical transactions distinct.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        self.send_with_return(ixs, signers).await.map(|_| ())
    }

    /// Like [`Harness::send`], returning the transaction's return data.
    pub async fn send_with_return(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<u8>, BanksClientError> {
        self.nonce += 1;
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_price(self.nonce)];
        all.extend_from_slice(ixs);
        let payer = self.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend(signers.iter().copied());
        let tx = Transaction::new_signed_with_payer(
            &all,
            Some(&payer.pubkey()),
            &keys,
            self.ctx.last_blockhash,
        );
        let outcome = self.ctx.banks_client.process_transaction_with_metadata(tx).await?;
        match outcome.result {
            Ok(()) => {
                Ok(outcome.metadata.and_then(|m| m.return_data).map(|r| r.data).unwrap_or_default())
            }
            Err(err) => Err(BanksClientError::TransactionError(err)),
        }
    }

    /// Sends exactly `ixs` (no compute-budget instruction), paid by `fee_payer` and signed by
    /// `signers` too, and returns what it left behind; for compute-unit and fee measurements.
    pub async fn send_measured(
        &mut self,
        ixs: &[Instruction],
        fee_payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Measured, BanksClientError> {
        let mut keys: Vec<&Keypair> = vec![fee_payer];
        keys.extend(signers.iter().copied().filter(|k| k.pubkey() != fee_payer.pubkey()));
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&fee_payer.pubkey()),
            &keys,
            self.ctx.last_blockhash,
        );
        let outcome = self.ctx.banks_client.process_transaction_with_metadata(tx).await?;
        outcome.result.map_err(BanksClientError::TransactionError)?;
        let (return_data, logs) = match outcome.metadata {
            Some(m) => (m.return_data.map(|r| r.data).unwrap_or_default(), m.log_messages),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Measured { compute_units: medchain_compute_units(&logs), return_data, logs })
    }

    /// Sends `ixs` with `fee_payer` paying the fee instead of the context's payer.
    pub async fn send_paid_by(
        &mut self,
        ixs: &[Instruction],
        fee_payer: &Keypair,
        signers: &[&Keypair],
    ) -> TxResult {
        self.nonce += 1;
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_price(self.nonce)];
        all.extend_from_slice(ixs);
        let mut keys: Vec<&Keypair> = vec![fee_payer];
        keys.extend(signers.iter().copied());
        let tx = Transaction::new_signed_with_payer(
            &all,
            Some(&fee_payer.pubkey()),
            &keys,
            self.ctx.last_blockhash,
        );
        self.ctx.banks_client.process_transaction(tx).await
    }

    /// Transfers lamports from the context's payer.
    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.ctx.payer.pubkey();
        self.send(&[system_instruction::transfer(&payer, to, lamports)], &[]).await.expect("fund");
    }

    /// A new keypair holding `lamports`.
    pub async fn funded_keypair(&mut self, lamports: u64) -> Keypair {
        let kp = Keypair::new();
        self.fund(&kp.pubkey(), lamports).await;
        kp
    }

    /// Lamports held by an account (0 when it does not exist).
    pub async fn lamports(&mut self, address: &Pubkey) -> u64 {
        self.ctx.banks_client.get_balance(*address).await.expect("balance")
    }

    /// True when an account exists at `address`.
    pub async fn exists(&mut self, address: &Pubkey) -> bool {
        self.ctx.banks_client.get_account(*address).await.expect("get_account").is_some()
    }

    /// The raw data of an account.
    pub async fn raw(&mut self, address: &Pubkey) -> Option<solana_sdk::account::Account> {
        self.ctx.banks_client.get_account(*address).await.expect("get_account")
    }

    /// Decodes a medchain account.
    pub async fn account<T: AccountDeserialize>(&mut self, address: &Pubkey) -> T {
        let account = self.raw(address).await.expect("account exists");
        T::try_deserialize(&mut &account.data[..]).expect("decodes")
    }

    /// The cluster clock's unix time.
    pub async fn now(&mut self) -> i64 {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock").unix_timestamp
    }

    /// Moves the cluster clock to `unix_timestamp`.
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// Moves the cluster clock forward by `secs`.
    pub async fn advance(&mut self, secs: i64) {
        let now = self.now().await;
        self.set_time(now + secs).await;
    }

    /// An issuer trusted by the admin.
    pub async fn issuer(&mut self, allows_break_glass: bool) -> Keypair {
        let issuer = self.funded_keypair(SOL).await;
        let admin = self.admin.insecure_clone();
        self.send(
            &[ix::add_issuer(&admin.pubkey(), &issuer.pubkey(), allows_break_glass)],
            &[&admin],
        )
        .await
        .expect("add_issuer");
        issuer
    }

    /// A provider registered by `issuer`.
    pub async fn provider(&mut self, issuer: &Keypair) -> Keypair {
        let provider = self.funded_keypair(SOL).await;
        self.send(
            &[ix::register_provider(
                &issuer.pubkey(),
                &provider.pubkey(),
                CREDENTIAL,
                ProviderKind::Physician,
            )],
            &[issuer, &provider],
        )
        .await
        .expect("register_provider");
        provider
    }

    /// A registered patient holding no lamports (the context's payer pays the rent).
    pub async fn patient(&mut self) -> Keypair {
        let patient = Keypair::new();
        let payer = self.ctx.payer.pubkey();
        self.send(&[ix::register_patient(&patient.pubkey(), &payer)], &[&patient])
            .await
            .expect("register_patient");
        patient
    }

    /// An issuer, one of its providers and a patient.
    pub async fn cast(&mut self) -> (Keypair, Keypair, Keypair) {
        let issuer = self.issuer(true).await;
        let provider = self.provider(&issuer).await;
        let patient = self.patient().await;
        (issuer, provider, patient)
    }

    /// `grant_consent` by `patient` to `provider`, rent paid by the context's payer.
    pub async fn grant(
        &mut self,
        patient: &Keypair,
        provider: &Keypair,
        t: ConsentTerms,
    ) -> TxResult {
        let payer = self.ctx.payer.pubkey();
        self.send(
            &[ix::grant_consent(&patient.pubkey(), &payer, &provider.pubkey(), t)],
            &[patient],
        )
        .await
    }

    /// A consent of the default [`terms`] lasting one day.
    pub async fn consent(&mut self, patient: &Keypair, provider: &Keypair) {
        let now = self.now().await;
        self.grant(patient, provider, terms(now + 86_400)).await.expect("grant_consent");
    }

    /// `revoke_consent` by `patient` of its consent to `provider`.
    pub async fn revoke(&mut self, patient: &Keypair, provider: &Keypair) -> TxResult {
        self.send(&[ix::revoke_consent(&patient.pubkey(), &provider.pubkey())], &[patient]).await
    }

    /// `request_access` by `provider` to `patient` with `nonce`.
    pub async fn request(
        &mut self,
        provider: &Keypair,
        patient: &Keypair,
        nonce: u64,
        t: RequestTerms,
    ) -> TxResult {
        self.send(
            &[ix::request_access(&provider.pubkey(), &patient.pubkey(), nonce, t)],
            &[provider],
        )
        .await
    }

    /// `record_access`; returns the decision from the return data.
    pub async fn record(
        &mut self,
        provider: &Keypair,
        patient: &Keypair,
        category: u32,
        purpose: u16,
        action: u8,
    ) -> Result<AccessDecision, BanksClientError> {
        let data = self
            .send_with_return(
                &[ix::record_access(
                    &provider.pubkey(),
                    &patient.pubkey(),
                    category,
                    purpose,
                    action,
                )],
                &[provider],
            )
            .await?;
        Ok(AccessDecision::try_from_slice(&data).expect("return data is an AccessDecision"))
    }

    /// `record_access` for imaging, treatment, read.
    pub async fn read_imaging(&mut self, provider: &Keypair, patient: &Keypair) -> AccessDecision {
        self.record(provider, patient, categories::IMAGING, purposes::TREAT, actions::READ)
            .await
            .expect("record_access succeeds as a transaction")
    }

    /// The Consent PDA of (patient wallet, provider wallet).
    pub fn consent_address(patient: &Keypair, provider: &Keypair) -> Pubkey {
        pda::consent(&pda::patient(&patient.pubkey()), &pda::provider(&provider.pubkey()))
    }
}

/// The custom error code a failed transaction carries, if any.
pub fn custom_code<T>(result: &Result<T, BanksClientError>) -> Option<u32> {
    match result {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(
            _,
            InstructionError::Custom(code),
        ))) => Some(*code),
        Err(BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(code)),
            ..
        }) => Some(*code),
        _ => None,
    }
}

/// Asserts that `result` failed with medchain error `expected`.
#[track_caller]
pub fn assert_medchain_error(result: TxResult, expected: MedchainError) {
    assert_eq!(
        custom_code(&result),
        Some(u32::from(expected)),
        "expected {expected:?}, got {result:?}"
    );
}

/// Asserts that `result` failed with Anchor framework error `expected`.
#[track_caller]
pub fn assert_anchor_error(result: TxResult, expected: AnchorErrorCode) {
    assert_eq!(
        custom_code(&result),
        Some(u32::from(expected)),
        "expected {expected:?}, got {result:?}"
    );
}

/// Asserts that `result` failed with the runtime error `expected` (not a custom code).
#[track_caller]
pub fn assert_instruction_error(result: TxResult, expected: InstructionError) {
    let got = match &result {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(_, e))) => {
            Some(e.clone())
        }
        _ => None,
    };
    assert_eq!(got, Some(expected), "got {result:?}");
}

/// Clears the signer flag of every account meta whose key is `key`, to build a
/// missing-signature attack.
pub fn unsign(mut ix: Instruction, key: &Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *key) {
        meta.is_signer = false;
    }
    ix
}

/// Replaces account `from` with `to` in every account meta (an account-substitution attack).
pub fn substitute(mut ix: Instruction, from: &Pubkey, to: &Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *from) {
        meta.pubkey = *to;
    }
    ix
}
