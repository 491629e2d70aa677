//! Benchmark (not a test): an embedded ledger holding 10,000 consents.
//!
//! Measures (median of repeated runs, wall clock):
//! * reopening the ledger (open + decode, ready to answer),
//! * listing the consents of one patient through the SDK (`Medchain::consents_of_patient`),
//! * the whole `medchain consent list --patient …` command as a process (start, open, query,
//!   print JSON).
//!
//! Run: `cargo bench -p medchain-cli --bench ledger_10k`

mod common;

use anchor_lang::prelude::Pubkey;
use common::{median, ms};
use medchain_sdk::state::{ConsentTerms, Scope};
use medchain_sdk::{EmbeddedBackend, Medchain};
use solana_sdk::account::Account;
use std::time::Instant;

const CONSENTS: usize = 10_000;
const PER_PATIENT: usize = 10;

/// 1,000 patients with 10 consents each: Patient and Consent accounts as the program writes them.
fn fixture() -> (Vec<(Pubkey, Account)>, Pubkey) {
    let mut accounts = Vec::with_capacity(CONSENTS + CONSENTS / PER_PATIENT);
    let providers: Vec<Pubkey> = (0..PER_PATIENT).map(|_| Pubkey::new_unique()).collect();
    let mut target = Pubkey::default();
    for p in 0..CONSENTS / PER_PATIENT {
        let wallet = Pubkey::new_unique();
        if p == 500 {
            target = wallet;
        }
        accounts.push(common::patient(&wallet, PER_PATIENT as u32));
        for provider_wallet in &providers {
            let terms = ConsentTerms { scope: Scope::new(0b11, 1, 1), expires_at: 2_000_000_000 };
            let (address, consent) =
                common::consent(&wallet, provider_wallet, &terms, 1_700_000_000);
            accounts.push((address, common::account(&consent)));
        }
    }
    (accounts, target)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (accounts, target) = fixture();
    {
        let ledger = EmbeddedBackend::open(dir.path()).expect("open");
        ledger.load_fixture_accounts(accounts).await.expect("load");
    }
    let size = std::fs::metadata(dir.path().join("ledger.bin")).map(|m| m.len()).unwrap_or(0);

    let mut reopen = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        let ledger = EmbeddedBackend::open(dir.path()).expect("reopen");
        reopen.push(start.elapsed());
        drop(ledger);
    }

    // Reopen and process one transaction: the runtime starts with every account loaded.
    let payer = solana_sdk::signature::Keypair::new();
    {
        let ledger = EmbeddedBackend::open(dir.path()).expect("open");
        ledger
            .airdrop(&solana_sdk::signature::Signer::pubkey(&payer), 1_000_000_000)
            .await
            .expect("airdrop");
    }
    let mut first_tx = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let ledger = EmbeddedBackend::open(dir.path()).expect("reopen");
        let to = Pubkey::new_unique();
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &solana_sdk::signature::Signer::pubkey(&payer),
            &to,
            1_000_000,
        );
        medchain_sdk::Backend::send(&ledger, &[ix], &payer, &[]).await.expect("transfer");
        first_tx.push(start.elapsed());
    }

    let chain = Medchain::new(EmbeddedBackend::open(dir.path()).expect("open"));
    let mut list = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let consents = chain.consents_of_patient(&target).await.expect("list");
        list.push(start.elapsed());
        assert_eq!(consents.len(), PER_PATIENT);
    }
    drop(chain);

    let binary = env!("CARGO_BIN_EXE_medchain");
    let target_text = target.to_string();
    let mut command = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        let out = std::process::Command::new(binary)
            .args([
                "--ledger",
                dir.path().to_str().expect("utf8"),
                "consent",
                "list",
                "--patient",
                &target_text,
                "--output",
                "json",
            ])
            .output()
            .expect("run medchain");
        command.push(start.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["consents"].as_array().map(Vec::len), Some(PER_PATIENT));
    }

    println!(
        "embedded ledger: {CONSENTS} consents + {} patients, ledger file {:.1} MB",
        CONSENTS / PER_PATIENT,
        size as f64 / 1e6
    );
    println!("| measurement | median | bar |");
    println!("|---|---:|---:|");
    println!(
        "| reopen the ledger (open, verify checksum, decode) | {:.1} ms | < 1000 ms |",
        ms(median(reopen))
    );
    println!("| reopen + first transaction (runtime started with every account, atomic write) | {:.1} ms | < 1000 ms |", ms(median(first_tx)));
    println!("| list one patient's consents (SDK) | {:.2} ms | < 50 ms |", ms(median(list)));
    println!(
        "| `medchain consent list --patient …` (whole process) | {:.1} ms | < 1000 ms |",
        ms(median(command))
    );
}
