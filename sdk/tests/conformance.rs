//! The conformance scenarios on the embedded ledger.

#![cfg(feature = "embedded")]

mod common;

use common::scenarios::{self, Cast};
use medchain_sdk::{EmbeddedBackend, Medchain};
use solana_sdk::signature::{Keypair, Signer};

async fn funded_chain() -> (tempfile::TempDir, Medchain<EmbeddedBackend>, Cast) {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Medchain::new(EmbeddedBackend::open(dir.path()).expect("open"));
    let cast = Cast {
        admin: Keypair::new(),
        issuer: Keypair::new(),
        provider: Keypair::new(),
        patient: Keypair::new(),
    };
    for k in [&cast.admin, &cast.issuer, &cast.provider] {
        chain.backend().airdrop(&k.pubkey(), 1_000_000_000).await.expect("airdrop");
    }
    scenarios::setup(&chain, &cast).await.expect("setup");
    (dir, chain, cast)
}

#[tokio::test]
async fn consent_lifecycle_on_the_embedded_ledger() {
    let (_dir, chain, cast) = funded_chain().await;
    scenarios::consent_lifecycle(&chain, &cast).await.expect("scenario");
}

#[tokio::test]
async fn errors_are_typed_on_the_embedded_ledger() {
    let (_dir, chain, cast) = funded_chain().await;
    scenarios::errors_are_typed(&chain, &cast).await.expect("scenario");
}

#[tokio::test]
async fn the_ledger_answers_the_same_after_reopening() {
    let (dir, chain, cast) = funded_chain().await;
    scenarios::consent_lifecycle(&chain, &cast).await.expect("scenario");
    let before = chain.audit_trail(&cast.patient.pubkey(), 50).await.expect("trail");
    drop(chain);
    let reopened = Medchain::new(EmbeddedBackend::open(dir.path()).expect("reopen"));
    let after = reopened.audit_trail(&cast.patient.pubkey(), 50).await.expect("trail");
    assert_eq!(before, after);
    let consent = reopened
        .consent(&cast.patient.pubkey(), &cast.provider.pubkey())
        .await
        .expect("read")
        .expect("exists");
    assert_eq!((consent.granted_count, consent.denied_count), (1, 1));
}
