//! The embedded ledger: persistence between opens, locking, corruption, and crash safety
//! (a child process killed with SIGKILL in the middle of writes).

#![cfg(feature = "embedded")]

use anchor_lang::solana_program::system_instruction;
use medchain_sdk::backend::embedded::{EmbeddedBackend, LEDGER_FILE};
use medchain_sdk::{Backend, SdkError};
use solana_sdk::signature::{Keypair, Signer};
use std::time::Duration;

const SOL: u64 = 1_000_000_000;
const CHILD_ENV: &str = "MEDCHAIN_CRASH_CHILD_LEDGER";

fn keypair(seed: u8) -> Keypair {
    Keypair::new_from_array([seed; 32])
}

#[tokio::test]
async fn accounts_and_history_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (keypair(1), keypair(2));
    {
        let ledger = EmbeddedBackend::open(dir.path()).expect("open");
        ledger.airdrop(&a.pubkey(), SOL).await.expect("airdrop");
        ledger
            .send(&[system_instruction::transfer(&a.pubkey(), &b.pubkey(), 1_000_000)], &a, &[])
            .await
            .expect("transfer");
    }
    let ledger = EmbeddedBackend::open(dir.path()).expect("reopen");
    assert_eq!(ledger.balance(&b.pubkey()).await.expect("balance"), 1_000_000);
    assert!(ledger.balance(&a.pubkey()).await.expect("balance") < SOL - 1_000_000);
    assert_eq!(ledger.stats().await.1, 1, "one transaction in the history");
}

#[tokio::test]
async fn a_second_process_is_kept_out_while_the_ledger_is_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _first = EmbeddedBackend::open(dir.path()).expect("open");
    let second = EmbeddedBackend::open_with_wait(dir.path(), Duration::from_millis(200));
    match second {
        Err(SdkError::Ledger { reason, .. }) => {
            assert!(reason.contains("another medchain process"))
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("the ledger was opened twice"),
    }
}

#[tokio::test]
async fn a_corrupt_ledger_file_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let ledger = EmbeddedBackend::open(dir.path()).expect("open");
        ledger.airdrop(&keypair(1).pubkey(), SOL).await.expect("airdrop");
    }
    let path = dir.path().join(LEDGER_FILE);
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).expect("write");
    match EmbeddedBackend::open(dir.path()) {
        Err(SdkError::Ledger { reason, .. }) => assert!(reason.contains("corrupt"), "{reason}"),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("a corrupt ledger was opened"),
    }
    assert_eq!(std::fs::read(&path).expect("read"), bytes, "the file is left untouched");
}

/// Runs in a child process (when `CHILD_ENV` is set): transfers lamports from A to B in a
/// loop, each transfer one atomic ledger write, until killed.
#[tokio::test]
async fn crash_child_entry_point() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let ledger = EmbeddedBackend::open(&dir).expect("child opens");
    let (a, b, fee_payer) = (keypair(1), keypair(2), keypair(3));
    loop {
        ledger
            .send(&[system_instruction::transfer(&a.pubkey(), &b.pubkey(), 1)], &fee_payer, &[&a])
            .await
            .expect("transfer");
    }
}

#[tokio::test]
async fn sigkill_in_the_middle_of_writes_leaves_a_consistent_ledger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b, fee_payer) = (keypair(1), keypair(2), keypair(3));
    {
        let ledger = EmbeddedBackend::open(dir.path()).expect("open");
        ledger.airdrop(&a.pubkey(), SOL).await.expect("airdrop a");
        ledger.airdrop(&b.pubkey(), SOL).await.expect("airdrop b");
        ledger.airdrop(&fee_payer.pubkey(), SOL).await.expect("airdrop payer");
        // Make the ledger file large, so that each write takes a while.
        let filler = (0..2_000u32).map(|i| {
            let mut key = [0xEE; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            let account = solana_sdk::account::Account {
                lamports: 1,
                data: vec![7; 512],
                owner: medchain::ID,
                executable: false,
                rent_epoch: u64::MAX,
            };
            (anchor_lang::prelude::Pubkey::new_from_array(key), account)
        });
        ledger.load_fixture_accounts(filler).await.expect("filler");
    }
    let exe = std::env::current_exe().expect("test binary");
    let mut last_b = SOL;
    for round in 0..6u64 {
        let mut child = std::process::Command::new(&exe)
            .args(["crash_child_entry_point", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn child");
        tokio::time::sleep(Duration::from_millis(400 + 97 * round)).await;
        child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
        child.wait().expect("reap");
        let ledger = EmbeddedBackend::open(dir.path()).expect("the ledger opens after a crash");
        let balance_a = ledger.balance(&a.pubkey()).await.expect("a");
        let balance_b = ledger.balance(&b.pubkey()).await.expect("b");
        assert_eq!(balance_a + balance_b, 2 * SOL, "round {round}: a torn state");
        let transfers = balance_b - SOL;
        let (_, history) = ledger.stats().await;
        assert_eq!(transfers as usize, history, "round {round}: history and balances disagree");
        assert!(balance_b >= last_b, "round {round}: state went backwards");
        last_b = balance_b;
    }
    if last_b == SOL {
        // A slow machine: give the child one long run so that progress is certain.
        let mut child = std::process::Command::new(&exe)
            .args(["crash_child_entry_point", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn child");
        tokio::time::sleep(Duration::from_secs(5)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let ledger = EmbeddedBackend::open(dir.path()).expect("the ledger opens after a crash");
        let balance_a = ledger.balance(&a.pubkey()).await.expect("a");
        last_b = ledger.balance(&b.pubkey()).await.expect("b");
        assert_eq!(balance_a + last_b, 2 * SOL, "final round: a torn state");
    }
    assert!(last_b > SOL, "the child made progress between kills");
}
