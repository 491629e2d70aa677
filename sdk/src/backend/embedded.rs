//! An embedded ledger: the real Solana runtime (solana-program-test's bank) running the
//! medchain program natively in-process, with its accounts and transaction history persisted
//! in a directory between processes.
//!
//! * **Atomic writes**: after every transaction the whole ledger is written to a temporary
//!   file, fsynced, and renamed over `ledger.bin` (then the directory is fsynced), so a crash
//!   at any point leaves either the old or the new state, never a mix.
//! * **Integrity**: the file carries a magic header, a format version and a SHA-256 of its
//!   payload; a corrupt or truncated file is refused with a clear error, never half-read.
//! * **Locking**: an exclusive OS lock on `ledger.lock` keeps a second process out while one
//!   has the ledger open (it waits up to [`LOCK_WAIT`] and then says who holds it).
//! * **Lazy runtime**: reads are served from the persisted accounts; the bank starts (all
//!   accounts loaded into a fresh genesis) only when the first transaction is sent.
//! * **History**: every processed transaction is kept with its medchain instructions and
//!   return data, so audit queries answer as they do on a cluster.
//! * **Commit hook**: once a transaction is committed (persisted), its record is broadcast to
//!   every subscriber ([`EmbeddedBackend::subscribe_commits`]); [`Backend::watch`] is built
//!   on it.
//! * **Program**: natively compiled by default; an SBPF `.so` (the bytes a cluster runs)
//!   when [`PROGRAM_ENV`] names one or [`EmbeddedOptions::program`] says so
//!   ([`ProgramSource`]).

use super::{
    medchain_instructions, AccountFilter, Backend, InnerCall, TxFeed, TxOutcome, TxRecord,
    FEED_CAPACITY,
};
use crate::error::SdkError;
use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use solana_program_test::{processor, ProgramTest, ProgramTestContext};
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{broadcast, mpsc, Mutex};

/// File holding the ledger.
pub const LEDGER_FILE: &str = "ledger.bin";
/// Lock file guarding the ledger directory.
pub const LOCK_FILE: &str = "ledger.lock";
/// How long opening waits for another process to release the ledger.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);
/// First bytes of every ledger file.
const MAGIC: &[u8; 16] = b"MEDCHAIN-LEDGER\0";
/// Ledger file format version.
const FORMAT_VERSION: u32 = 1;
/// Header: magic, version (u32 LE), payload length (u64 LE), SHA-256 of the payload.
const HEADER_LEN: usize = 16 + 4 + 8 + 32;
/// How many committed transactions the commit hook keeps for a subscriber that has not read
/// them yet; one further behind is told it lagged.
pub const COMMIT_BACKLOG: usize = 1024;

fn process(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: Anchor's `entry` ties every lifetime to 'info while `processor!` hands out
    // independent lifetimes; the slice and its AccountInfos live for the whole call.
    #[allow(clippy::missing_transmute_annotations)]
    medchain::entry(program_id, unsafe { std::mem::transmute(accounts) }, data)
}

/// The environment variable that makes [`ProgramSource::from_env`] (and so
/// [`EmbeddedBackend::open`] and [`program_test`]) load an SBPF `.so` instead of the native
/// build: the path of the shared object, e.g. `target/deploy/medchain.so`.
pub const PROGRAM_ENV: &str = "MEDCHAIN_PROGRAM_SO";

/// How an SBF program is deployed in the embedded runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loader {
    /// BPF loader 2 (`BPFLoader2111…`): immutable, as `ProgramTest::add_program` deploys and
    /// `solana-test-validator --bpf-program` does.
    NonUpgradeable,
    /// The upgradeable loader (`BPFLoaderUpgradeab1e…`), as `solana program deploy` leaves a
    /// program: a Program account pointing at a ProgramData account that names the upgrade
    /// authority (`None` once the program has been made immutable).
    Upgradeable {
        /// The ProgramData account's upgrade authority.
        upgrade_authority: Option<Pubkey>,
    },
}

/// Which medchain program the embedded runtime runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProgramSource {
    /// The program compiled into this binary and run natively (`processor!`): fast to start
    /// and easy to debug, but no SBF VM, no compute-unit metering and no SBF memory limits.
    #[default]
    Native,
    /// An SBPF shared object run in the runtime's SBF VM, exactly as a cluster runs it.
    Sbf {
        /// Path of the `.so` (from `cargo build-sbf`, `anchor build` or `../shared/sbf`).
        path: PathBuf,
        /// How it is deployed.
        loader: Loader,
    },
}

impl ProgramSource {
    /// The `.so` at `path`, deployed non-upgradeable.
    pub fn sbf(path: impl Into<PathBuf>) -> Self {
        ProgramSource::Sbf { path: path.into(), loader: Loader::NonUpgradeable }
    }

    /// [`PROGRAM_ENV`] when it is set and not empty (a non-upgradeable `.so`), else native.
    pub fn from_env() -> Self {
        match std::env::var_os(PROGRAM_ENV) {
            Some(path) if !path.is_empty() => ProgramSource::sbf(PathBuf::from(path)),
            _ => ProgramSource::Native,
        }
    }

    /// True for an SBPF program.
    pub fn is_sbf(&self) -> bool {
        matches!(self, ProgramSource::Sbf { .. })
    }

    /// A short description: `native` or `SBF <path>`.
    pub fn describe(&self) -> String {
        match self {
            ProgramSource::Native => "native".into(),
            ProgramSource::Sbf { path, loader: Loader::NonUpgradeable } => {
                format!("SBF {}", path.display())
            }
            ProgramSource::Sbf { path, loader: Loader::Upgradeable { .. } } => {
                format!("SBF {} (upgradeable)", path.display())
            }
        }
    }

    /// Checks, from its first bytes only, that the shared object can be read and is an ELF
    /// file, so that a wrong path fails when the ledger is opened rather than at the first
    /// transaction. Nothing to check for the native program.
    pub fn check(&self) -> Result<(), SdkError> {
        let ProgramSource::Sbf { path, .. } = self else {
            return Ok(());
        };
        let mut head = Vec::with_capacity(4);
        File::open(path)
            .and_then(|f| f.take(4).read_to_end(&mut head))
            .map_err(|e| Self::unreadable(path, e))?;
        Self::require_elf(path, &head)
    }

    fn unreadable(path: &Path, e: std::io::Error) -> SdkError {
        SdkError::ProgramFile {
            path: path.display().to_string(),
            reason: format!("cannot read the program's shared object: {e}"),
        }
    }

    fn require_elf(path: &Path, bytes: &[u8]) -> Result<(), SdkError> {
        if bytes.starts_with(b"\x7fELF") {
            return Ok(());
        }
        Err(SdkError::ProgramFile {
            path: path.display().to_string(),
            reason: "not an SBPF shared object (no ELF header); build one with \
                     `cargo build-sbf` or ../shared/sbf/build.sh"
                .into(),
        })
    }

    /// Reads the shared object and checks that it is an ELF file (the runtime verifies the
    /// rest when the program is first invoked). `None` for the native program.
    pub fn read_elf(&self) -> Result<Option<Vec<u8>>, SdkError> {
        let ProgramSource::Sbf { path, .. } = self else {
            return Ok(None);
        };
        let elf = std::fs::read(path).map_err(|e| Self::unreadable(path, e))?;
        Self::require_elf(path, &elf)?;
        Ok(Some(elf))
    }
}

/// A `ProgramTest` with the medchain program from [`ProgramSource::from_env`]: native unless
/// [`PROGRAM_ENV`] names an SBPF `.so`. Runtime logging is reduced to errors unless
/// `RUST_LOG` says otherwise.
pub fn program_test() -> Result<ProgramTest, SdkError> {
    program_test_with(&ProgramSource::from_env())
}

/// A `ProgramTest` with the medchain program from `source` (see [`ProgramSource`]).
pub fn program_test_with(source: &ProgramSource) -> Result<ProgramTest, SdkError> {
    let mut pt = ProgramTest::default();
    agave_logger::setup_with_default("error");
    pt.prefer_bpf(false);
    let Some(elf) = source.read_elf()? else {
        pt.add_program("medchain", medchain::ID, processor!(process));
        return Ok(pt);
    };
    let rent = solana_sdk::rent::Rent::default();
    let loader = match source {
        ProgramSource::Sbf { loader, .. } => *loader,
        ProgramSource::Native => Loader::NonUpgradeable,
    };
    match loader {
        Loader::NonUpgradeable => pt.add_account(
            medchain::ID,
            Account {
                lamports: rent.minimum_balance(elf.len()).max(1),
                data: elf,
                owner: solana_sdk::bpf_loader::ID,
                executable: true,
                rent_epoch: 0,
            },
        ),
        Loader::Upgradeable { upgrade_authority } => {
            for (address, account) in upgradeable_program_accounts(&elf, upgrade_authority)? {
                pt.add_account(address, account);
            }
        }
    }
    Ok(pt)
}

/// The Program and ProgramData accounts of medchain deployed with the upgradeable loader.
fn upgradeable_program_accounts(
    elf: &[u8],
    upgrade_authority: Option<Pubkey>,
) -> Result<[(Pubkey, Account); 2], SdkError> {
    use anchor_lang::solana_program::bpf_loader_upgradeable::{
        UpgradeableLoaderState, ID as UPGRADEABLE,
    };
    let encode = |state: &UpgradeableLoaderState| {
        bincode::serialize(state).map_err(|e| SdkError::ProgramFile {
            path: String::new(),
            reason: format!("cannot encode the loader state: {e}"),
        })
    };
    let rent = solana_sdk::rent::Rent::default();
    let programdata_address = crate::pda::program_data();
    let program = encode(&UpgradeableLoaderState::Program { programdata_address })?;
    let mut programdata = encode(&UpgradeableLoaderState::ProgramData {
        slot: 0,
        upgrade_authority_address: upgrade_authority,
    })?;
    programdata.resize(UpgradeableLoaderState::size_of_programdata_metadata(), 0);
    programdata.extend_from_slice(elf);
    let account = |data: Vec<u8>, executable| Account {
        lamports: rent.minimum_balance(data.len()).max(1),
        data,
        owner: UPGRADEABLE,
        executable,
        rent_epoch: 0,
    };
    Ok([(medchain::ID, account(program, true)), (programdata_address, account(programdata, false))])
}

/// How an [`EmbeddedBackend`] is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedOptions {
    /// How long opening waits for another process to release the ledger.
    pub lock_wait: Duration,
    /// The program the ledger runs.
    pub program: ProgramSource,
}

impl Default for EmbeddedOptions {
    /// [`LOCK_WAIT`] and the native program.
    fn default() -> Self {
        Self { lock_wait: LOCK_WAIT, program: ProgramSource::Native }
    }
}

impl EmbeddedOptions {
    /// [`LOCK_WAIT`] and [`ProgramSource::from_env`].
    pub fn from_env() -> Self {
        Self { lock_wait: LOCK_WAIT, program: ProgramSource::from_env() }
    }
}

/// One persisted account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct StoredAccount {
    lamports: u64,
    data: Vec<u8>,
    owner: [u8; 32],
    executable: bool,
}

impl StoredAccount {
    fn to_account(&self) -> Account {
        Account {
            lamports: self.lamports,
            data: self.data.clone(),
            owner: Pubkey::new_from_array(self.owner),
            executable: self.executable,
            rent_epoch: u64::MAX,
        }
    }
}

/// Everything the ledger persists.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LedgerState {
    accounts: BTreeMap<[u8; 32], StoredAccount>,
    history: Vec<TxRecord>,
    slot: u64,
    clock_offset_secs: i64,
    last_unix_time: i64,
}

/// An embedded ledger in a directory. See the module documentation.
pub struct EmbeddedBackend {
    dir: PathBuf,
    program: ProgramSource,
    inner: Mutex<Inner>,
    faucet_lamports: std::sync::atomic::AtomicU64,
    commits: broadcast::Sender<Arc<TxRecord>>,
    _lock: File,
}

/// The slot a transaction is processed in: its blockhash and cluster time.
struct SlotTicket {
    blockhash: Hash,
    slot: u64,
    now: i64,
}

struct Inner {
    state: LedgerState,
    bank: Option<ProgramTestContext>,
}

fn io_error(path: &Path, action: &'static str, source: std::io::Error) -> SdkError {
    SdkError::Ledger {
        path: path.display().to_string(),
        reason: format!("cannot {action}: {source}"),
    }
}

fn corrupt(path: &Path, why: &str) -> SdkError {
    SdkError::Ledger {
        path: path.display().to_string(),
        reason: format!(
            "the ledger file is corrupt ({why}); restore it from a backup or reset it with \
             `medchain ledger reset`"
        ),
    }
}

fn wall_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl LedgerState {
    fn encode(&self) -> Result<Vec<u8>, SdkError> {
        let payload = bincode::serialize(self).map_err(|e| SdkError::Ledger {
            path: String::new(),
            reason: format!("cannot encode the ledger: {e}"),
        })?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&payload));
        out.extend_from_slice(&payload);
        Ok(out)
    }

    fn decode(path: &Path, bytes: &[u8]) -> Result<Self, SdkError> {
        if bytes.len() < HEADER_LEN || &bytes[..16] != MAGIC {
            return Err(corrupt(path, "not a medchain ledger file"));
        }
        let mut version = [0u8; 4];
        version.copy_from_slice(&bytes[16..20]);
        let version = u32::from_le_bytes(version);
        if version != FORMAT_VERSION {
            return Err(SdkError::Ledger {
                path: path.display().to_string(),
                reason: format!(
                    "ledger format {version} is not supported by this version (expects {FORMAT_VERSION})"
                ),
            });
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&bytes[20..28]);
        let payload = &bytes[HEADER_LEN..];
        if u64::from_le_bytes(len) != payload.len() as u64 {
            return Err(corrupt(path, "truncated"));
        }
        if Sha256::digest(payload).as_slice() != &bytes[28..60] {
            return Err(corrupt(path, "checksum mismatch"));
        }
        bincode::deserialize(payload).map_err(|e| corrupt(path, &e.to_string()))
    }

    fn unix_time(&self) -> i64 {
        wall_clock().saturating_add(self.clock_offset_secs).max(self.last_unix_time)
    }
}

/// Writes `bytes` to `path` atomically ([`crate::fs::write_atomically`]).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SdkError> {
    crate::fs::write_atomically(path, bytes).map_err(|e| io_error(&e.path, e.step, e.source))
}

impl EmbeddedBackend {
    /// Opens (creating if needed) the ledger in `dir`. Fails when the directory cannot be
    /// created, another process holds the ledger for longer than [`LOCK_WAIT`], or the ledger
    /// file is corrupt. The program is native unless [`PROGRAM_ENV`] names an SBPF `.so`
    /// ([`EmbeddedOptions::from_env`]); [`EmbeddedBackend::open_with`] chooses explicitly.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, SdkError> {
        Self::open_with(dir, EmbeddedOptions::from_env())
    }

    /// Like [`EmbeddedBackend::open`], waiting at most `lock_wait` for another process.
    pub fn open_with_wait(dir: impl AsRef<Path>, lock_wait: Duration) -> Result<Self, SdkError> {
        Self::open_with(dir, EmbeddedOptions { lock_wait, ..EmbeddedOptions::from_env() })
    }

    /// Opens the ledger in `dir` with explicit [`EmbeddedOptions`] (which program runs, how
    /// long to wait for the lock). A `.so` that cannot be read or is not ELF is refused here.
    pub fn open_with(dir: impl AsRef<Path>, options: EmbeddedOptions) -> Result<Self, SdkError> {
        let EmbeddedOptions { lock_wait, program } = options;
        program.check()?;
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir)
            .map_err(|e| io_error(&dir, "create the ledger directory", e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error(&lock_path, "open the lock file", e))?;
        let started = Instant::now();
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < lock_wait => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(SdkError::Ledger {
                        path: dir.display().to_string(),
                        reason: "another medchain process is using this ledger; wait for it or \
                                 use another --ledger directory"
                            .into(),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(io_error(&lock_path, "lock the ledger", e))
                }
            }
        }
        let file = dir.join(LEDGER_FILE);
        let state = match std::fs::read(&file) {
            Ok(bytes) => LedgerState::decode(&file, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => LedgerState::default(),
            Err(e) => return Err(io_error(&file, "read", e)),
        };
        Ok(Self {
            dir,
            program,
            inner: Mutex::new(Inner { state, bank: None }),
            faucet_lamports: std::sync::atomic::AtomicU64::new(0),
            commits: broadcast::channel(COMMIT_BACKLOG).0,
            _lock: lock,
        })
    }

    /// The commit hook: every transaction this ledger commits from now on, in order, each
    /// delivered right after it was persisted (a refused transaction is never committed, so
    /// never delivered). A subscriber more than [`COMMIT_BACKLOG`] transactions behind gets
    /// `RecvError::Lagged` once and then the newest ones.
    pub fn subscribe_commits(&self) -> broadcast::Receiver<Arc<TxRecord>> {
        self.commits.subscribe()
    }

    /// The ledger directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The program this ledger runs.
    pub fn program(&self) -> &ProgramSource {
        &self.program
    }

    /// Turns the local faucet on (`lamports > 0`) or off: before each transaction, a fee payer
    /// holding less than a tenth of `lamports` is topped up to `lamports` — committed only
    /// together with a transaction that succeeds, so a refused command changes nothing.
    pub fn set_faucet(&self, lamports: u64) {
        self.faucet_lamports.store(lamports, std::sync::atomic::Ordering::Relaxed);
    }

    /// Number of accounts and of transactions the ledger holds.
    pub async fn stats(&self) -> (usize, usize) {
        let inner = self.inner.lock().await;
        (inner.state.accounts.len(), inner.state.history.len())
    }

    /// Credits `lamports` to `address` (a local faucet; the embedded ledger has no real SOL).
    pub async fn airdrop(&self, address: &Pubkey, lamports: u64) -> Result<(), SdkError> {
        let mut inner = self.inner.lock().await;
        let entry =
            inner.state.accounts.entry(address.to_bytes()).or_insert_with(|| StoredAccount {
                lamports: 0,
                data: Vec::new(),
                owner: anchor_lang::system_program::ID.to_bytes(),
                executable: false,
            });
        entry.lamports = entry.lamports.saturating_add(lamports);
        let account = entry.to_account();
        if let Some(bank) = inner.bank.as_mut() {
            bank.set_account(address, &AccountSharedData::from(account));
        }
        self.persist(&inner.state)
    }

    /// Writes accounts into the ledger as they are, like `solana-test-validator --account`:
    /// for fixtures and benchmarks. Nothing checks them; use real transactions otherwise.
    pub async fn load_fixture_accounts(
        &self,
        accounts: impl IntoIterator<Item = (Pubkey, Account)>,
    ) -> Result<(), SdkError> {
        let mut inner = self.inner.lock().await;
        for (address, account) in accounts {
            if address == medchain::ID || address == anchor_lang::system_program::ID {
                return Err(SdkError::Ledger {
                    path: self.dir.display().to_string(),
                    reason: format!("fixture account {address} would replace a program"),
                });
            }
            if let Some(bank) = inner.bank.as_mut() {
                bank.set_account(&address, &AccountSharedData::from(account.clone()));
            }
            inner.state.accounts.insert(
                address.to_bytes(),
                StoredAccount {
                    lamports: account.lamports,
                    data: account.data,
                    owner: account.owner.to_bytes(),
                    executable: account.executable,
                },
            );
        }
        self.persist(&inner.state)
    }

    /// Moves the ledger's clock forward by `secs` (persisted), e.g. to see a consent expire.
    pub async fn advance_clock(&self, secs: i64) -> Result<(), SdkError> {
        let mut inner = self.inner.lock().await;
        inner.state.clock_offset_secs = inner.state.clock_offset_secs.saturating_add(secs);
        self.persist(&inner.state)
    }

    fn persist(&self, state: &LedgerState) -> Result<(), SdkError> {
        let bytes = state.encode()?;
        write_atomically(&self.dir.join(LEDGER_FILE), &bytes)
    }

    async fn start_bank(
        state: &LedgerState,
        program: &ProgramSource,
    ) -> Result<ProgramTestContext, SdkError> {
        let mut pt = program_test_with(program)?;
        for (address, stored) in &state.accounts {
            pt.add_account(Pubkey::new_from_array(*address), stored.to_account());
        }
        Ok(pt.start_with_context().await)
    }

    /// The running bank, started from the persisted accounts on first use.
    async fn bank<'a>(&self, inner: &'a mut Inner) -> Result<&'a mut ProgramTestContext, SdkError> {
        if inner.bank.is_none() {
            inner.bank = Some(Self::start_bank(&inner.state, &self.program).await?);
        }
        inner.bank.as_mut().ok_or_else(|| SdkError::Ledger {
            path: self.dir.display().to_string(),
            reason: "the runtime did not start".into(),
        })
    }

    /// Moves the bank to a new slot (fresh blockhash, monotonic history) with the ledger's
    /// clock, and returns the new latest blockhash. Earlier blockhashes stay valid for the
    /// runtime's usual window (150 slots), so a transaction built for a wallet to sign still
    /// lands after a few others.
    async fn next_slot(&self, inner: &mut Inner) -> Result<SlotTicket, SdkError> {
        let recorded_slot = inner.state.slot;
        let now = inner.state.unix_time();
        let bank = self.bank(inner).await?;
        let current = bank
            .banks_client
            .get_root_slot()
            .await
            .map_err(|e| SdkError::Transport(e.to_string()))?;
        let next = current.max(recorded_slot).saturating_add(1);
        bank.warp_to_slot(next)
            .map_err(|e| SdkError::Transport(format!("cannot advance the ledger: {e:?}")))?;
        let mut clock: Clock =
            bank.banks_client.get_sysvar().await.map_err(|e| SdkError::Transport(e.to_string()))?;
        clock.unix_timestamp = now;
        bank.set_sysvar(&clock);
        let blockhash = bank
            .banks_client
            .get_latest_blockhash()
            .await
            .map_err(|e| SdkError::Transport(e.to_string()))?;
        Ok(SlotTicket { blockhash, slot: next, now })
    }

    /// Preflights, processes and records a signed transaction in the current slot (see
    /// [`EmbeddedBackend::next_slot`]); the fee payer is topped up by the faucet if it is on.
    async fn process(
        &self,
        inner: &mut Inner,
        ticket: SlotTicket,
        tx: Transaction,
    ) -> Result<TxOutcome, SdkError> {
        let fee_payer =
            *tx.message.account_keys.first().ok_or_else(|| {
                SdkError::Transaction("the transaction names no fee payer".into())
            })?;
        let SlotTicket { slot: next, now, .. } = ticket;
        let bank = inner.bank.as_mut().ok_or_else(|| SdkError::Ledger {
            path: self.dir.display().to_string(),
            reason: "the runtime did not start".into(),
        })?;
        // The faucet's credit, kept only if the transaction goes through.
        let faucet = self.faucet_lamports.load(std::sync::atomic::Ordering::Relaxed);
        let payer_before = bank
            .banks_client
            .get_account(fee_payer)
            .await
            .map_err(|e| SdkError::Transport(e.to_string()))?;
        let credited = faucet > 0 && payer_before.as_ref().map_or(0, |a| a.lamports) < faucet / 10;
        if credited {
            let mut funded = payer_before.clone().unwrap_or_else(|| Account {
                lamports: 0,
                data: Vec::new(),
                owner: anchor_lang::system_program::ID,
                executable: false,
                rent_epoch: u64::MAX,
            });
            funded.lamports = faucet;
            bank.set_account(&fee_payer, &AccountSharedData::from(funded));
        }
        // Preflight, as a cluster's RPC does: a transaction that would fail is not processed,
        // so it changes nothing (no fee, no history).
        let simulation = {
            let _quiet = gag::Gag::stdout().ok();
            bank.banks_client
                .simulate_transaction(tx.clone())
                .await
                .map_err(|e| SdkError::Transport(e.to_string()))?
        };
        // The events the program emits, from the simulation's inner instructions (the
        // runtime records them there; processing the same transaction on the same bank
        // right after runs the same way).
        let inner_calls: Vec<InnerCall> = simulation
            .simulation_details
            .as_ref()
            .and_then(|d| d.inner_instructions.as_ref())
            .map(|lists| {
                lists
                    .iter()
                    .enumerate()
                    .flat_map(|(top_level, calls)| {
                        calls.iter().map(move |call| InnerCall {
                            top_level,
                            program_id_index: call.instruction.program_id_index,
                            data: call.instruction.data.clone(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Err(error)) = simulation.result {
            if credited {
                let restored = payer_before.unwrap_or_default();
                bank.set_account(&fee_payer, &AccountSharedData::from(restored));
            }
            return Err(SdkError::from_transaction_error(Some(error), &fee_payer));
        }
        let signature = tx.signatures[0];
        let account_keys = tx.message.account_keys.clone();
        let recorded = medchain_instructions(&account_keys, &tx.message.instructions, &inner_calls);
        let outcome = {
            // The program's `msg!` prints to stdout when it runs natively; keep the
            // caller's stdout clean (it may be JSON).
            let _quiet = gag::Gag::stdout().ok();
            bank.banks_client
                .process_transaction_with_metadata(tx)
                .await
                .map_err(|e| SdkError::Transport(e.to_string()))?
        };
        let return_data = outcome
            .metadata
            .as_ref()
            .and_then(|m| m.return_data.as_ref())
            .filter(|r| r.program_id == medchain::ID && !r.data.is_empty())
            .map(|r| r.data.clone());
        if matches!(
            outcome.result,
            Err(solana_sdk::transaction::TransactionError::AlreadyProcessed
                | solana_sdk::transaction::TransactionError::BlockhashNotFound
                | solana_sdk::transaction::TransactionError::AccountNotFound
                | solana_sdk::transaction::TransactionError::InsufficientFundsForFee)
        ) {
            // Not landed: nothing changed, nothing to record.
            return Err(SdkError::from_transaction_error(outcome.result.err(), &fee_payer));
        }
        for key in &account_keys {
            let account = bank
                .banks_client
                .get_account(*key)
                .await
                .map_err(|e| SdkError::Transport(e.to_string()))?;
            match account {
                Some(account) if Self::is_persisted(&account) => {
                    inner.state.accounts.insert(
                        key.to_bytes(),
                        StoredAccount {
                            lamports: account.lamports,
                            data: account.data,
                            owner: account.owner.to_bytes(),
                            executable: account.executable,
                        },
                    );
                }
                Some(_) => {}
                None => {
                    inner.state.accounts.remove(&key.to_bytes());
                }
            }
        }
        inner.state.slot = next;
        inner.state.last_unix_time = now;
        let record = TxRecord {
            signature: signature.to_string(),
            slot: next,
            unix_time: Some(now),
            error: outcome.result.as_ref().err().map(|e| e.to_string()),
            instructions: recorded,
            return_data: return_data.clone(),
        };
        inner.state.history.push(record.clone());
        self.persist(&inner.state)?;
        // Committed: tell the subscribers (none listening is not an error).
        let _ = self.commits.send(Arc::new(record));
        match outcome.result {
            Ok(()) => Ok(TxOutcome { signature, return_data }),
            Err(e) => Err(SdkError::from_transaction_error(Some(e), &fee_payer)),
        }
    }

    fn is_persisted(account: &Account) -> bool {
        !account.executable
            && (account.owner == medchain::ID || account.owner == anchor_lang::system_program::ID)
    }
}

#[async_trait::async_trait]
impl Backend for EmbeddedBackend {
    fn describe(&self) -> String {
        match self.program {
            ProgramSource::Native => format!("embedded ledger at {}", self.dir.display()),
            ref sbf => format!("embedded ledger at {} ({})", self.dir.display(), sbf.describe()),
        }
    }

    async fn chain_id(&self) -> Result<String, SdkError> {
        Ok(crate::actions::spec::EMBEDDED_CHAIN_ID.to_string())
    }

    async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SdkError> {
        let mut guard = self.inner.lock().await;
        let ticket = self.next_slot(&mut guard).await?;
        let mut keys: Vec<&Keypair> = vec![payer];
        keys.extend(signers.iter().copied().filter(|k| k.pubkey() != payer.pubkey()));
        let mut tx = Transaction::new_unsigned(solana_sdk::message::Message::new(
            instructions,
            Some(&payer.pubkey()),
        ));
        tx.try_sign(&keys, ticket.blockhash).map_err(|e| SdkError::Signing(e.to_string()))?;
        self.process(&mut guard, ticket, tx).await
    }

    async fn latest_blockhash(&self) -> Result<Hash, SdkError> {
        let mut guard = self.inner.lock().await;
        let bank = self.bank(&mut guard).await?;
        bank.banks_client
            .get_latest_blockhash()
            .await
            .map_err(|e| SdkError::Transport(e.to_string()))
    }

    async fn send_transaction(&self, transaction: &Transaction) -> Result<TxOutcome, SdkError> {
        if !transaction.is_signed() {
            return Err(SdkError::Signing(
                "the transaction is missing signatures of its required signers".into(),
            ));
        }
        let mut guard = self.inner.lock().await;
        let ticket = self.next_slot(&mut guard).await?;
        self.process(&mut guard, ticket, transaction.clone()).await
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Account>, SdkError> {
        let inner = self.inner.lock().await;
        Ok(inner.state.accounts.get(&address.to_bytes()).map(StoredAccount::to_account))
    }

    async fn program_accounts(
        &self,
        filters: &[AccountFilter],
    ) -> Result<Vec<(Pubkey, Account)>, SdkError> {
        let inner = self.inner.lock().await;
        let owner = medchain::ID.to_bytes();
        Ok(inner
            .state
            .accounts
            .iter()
            .filter(|(_, a)| a.owner == owner && filters.iter().all(|f| f.matches(&a.data)))
            .map(|(k, a)| (Pubkey::new_from_array(*k), a.to_account()))
            .collect())
    }

    async fn unix_time(&self) -> Result<i64, SdkError> {
        Ok(self.inner.lock().await.state.unix_time())
    }

    async fn watch(&self, address: &Pubkey) -> Result<TxFeed, SdkError> {
        let mut commits = self.subscribe_commits();
        let (feed, receiver) = mpsc::channel(FEED_CAPACITY);
        let key = address.to_bytes();
        tokio::spawn(async move {
            loop {
                let record = tokio::select! {
                    () = feed.closed() => return,
                    received = commits.recv() => received,
                };
                let item = match record {
                    Ok(record) => {
                        if !record.instructions.iter().any(|ix| ix.accounts.contains(&key)) {
                            continue;
                        }
                        Ok(TxRecord::clone(&record))
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => Err(SdkError::Transport(
                        format!("the watcher fell {missed} transactions behind the ledger"),
                    )),
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let failed = item.is_err();
                if feed.send(item).await.is_err() || failed {
                    return;
                }
            }
        });
        Ok(receiver)
    }

    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, SdkError> {
        let inner = self.inner.lock().await;
        let key = address.to_bytes();
        Ok(inner
            .state
            .history
            .iter()
            .rev()
            .filter(|tx| tx.instructions.iter().any(|ix| ix.accounts.contains(&key)))
            .take(limit)
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with(n: u8) -> LedgerState {
        let mut state = LedgerState::default();
        for i in 0..n {
            state.accounts.insert(
                [i; 32],
                StoredAccount {
                    lamports: u64::from(i),
                    data: vec![i; 10],
                    owner: [7; 32],
                    executable: false,
                },
            );
        }
        state
    }

    #[test]
    fn ledger_files_round_trip_and_refuse_corruption() {
        let path = Path::new("ledger.bin");
        let bytes = state_with(3).encode().expect("encode");
        let back = LedgerState::decode(path, &bytes).expect("decode");
        assert_eq!(back.accounts, state_with(3).accounts);
        for position in [0, 17, 25, 40, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[position] ^= 0xff;
            assert!(LedgerState::decode(path, &bad).is_err(), "byte {position}");
        }
        assert!(LedgerState::decode(path, &bytes[..bytes.len() - 1]).is_err());
        assert!(LedgerState::decode(path, b"{}").is_err());
    }
}
