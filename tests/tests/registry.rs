//! Registry: initialize, two-step admin transfer, pause and unpause.

use medchain::state::Registry;
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test]
async fn initialize_makes_the_signer_admin() {
    let mut h = Harness::new().await;
    let registry: Registry = h.account(&pda::registry()).await;
    assert_eq!(registry.admin, h.admin.pubkey());
    assert!(!registry.paused);
    assert!(!registry.has_pending_admin());
    assert_eq!(registry.layout_version, 1);
}

#[tokio::test]
async fn attack_initialize_twice_is_refused() {
    let mut h = Harness::new().await;
    let intruder = h.funded_keypair(SOL).await;
    let result = h.send(&[ix::initialize(&intruder.pubkey(), None)], &[&intruder]).await;
    // The system program refuses to create an account that already exists.
    assert_medchain_error(result, MedchainError::AccountAlreadyExists);
    let registry: Registry = h.account(&pda::registry()).await;
    assert_eq!(registry.admin, h.admin.pubkey());
}

#[tokio::test]
async fn attack_initialize_without_signature_is_refused() {
    let mut h = Harness::bare().await;
    let admin = h.admin.pubkey();
    let result = h.send(&[unsign(ix::initialize(&admin, None), &admin)], &[]).await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn admin_transfer_takes_two_steps() {
    let mut h = Harness::new().await;
    let admin = h.admin.insecure_clone();
    let successor = Keypair::new();
    h.send(&[ix::propose_admin(&admin.pubkey(), &successor.pubkey())], &[&admin])
        .await
        .expect("propose");
    let registry: Registry = h.account(&pda::registry()).await;
    assert_eq!(registry.admin, admin.pubkey(), "proposal alone changes nothing");
    assert_eq!(registry.pending_admin, successor.pubkey());
    h.send(&[ix::accept_admin(&successor.pubkey())], &[&successor]).await.expect("accept");
    let registry: Registry = h.account(&pda::registry()).await;
    assert_eq!(registry.admin, successor.pubkey());
    assert!(!registry.has_pending_admin());
    // The former admin has lost its powers.
    let result = h.send(&[ix::pause(&admin.pubkey())], &[&admin]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
    h.send(&[ix::pause(&successor.pubkey())], &[&successor]).await.expect("new admin pauses");
}

#[tokio::test]
async fn attack_accept_admin_by_someone_not_proposed() {
    let mut h = Harness::new().await;
    let admin = h.admin.insecure_clone();
    let successor = Keypair::new();
    let intruder = Keypair::new();
    h.send(&[ix::propose_admin(&admin.pubkey(), &successor.pubkey())], &[&admin])
        .await
        .expect("propose");
    let result = h.send(&[ix::accept_admin(&intruder.pubkey())], &[&intruder]).await;
    assert_medchain_error(result, MedchainError::NotPendingAdmin);
}

#[tokio::test]
async fn attack_accept_admin_without_a_proposal() {
    let mut h = Harness::new().await;
    let intruder = Keypair::new();
    let result = h.send(&[ix::accept_admin(&intruder.pubkey())], &[&intruder]).await;
    assert_medchain_error(result, MedchainError::NotPendingAdmin);
}

#[tokio::test]
async fn withdrawn_proposal_cannot_be_accepted() {
    let mut h = Harness::new().await;
    let admin = h.admin.insecure_clone();
    let successor = Keypair::new();
    h.send(&[ix::propose_admin(&admin.pubkey(), &successor.pubkey())], &[&admin])
        .await
        .expect("propose");
    h.send(
        &[ix::propose_admin(&admin.pubkey(), &anchor_lang::prelude::Pubkey::default())],
        &[&admin],
    )
    .await
    .expect("withdraw");
    let result = h.send(&[ix::accept_admin(&successor.pubkey())], &[&successor]).await;
    assert_medchain_error(result, MedchainError::NotPendingAdmin);
}

#[tokio::test]
async fn attack_propose_admin_by_non_admin() {
    let mut h = Harness::new().await;
    let intruder = Keypair::new();
    let result =
        h.send(&[ix::propose_admin(&intruder.pubkey(), &intruder.pubkey())], &[&intruder]).await;
    // Proposing oneself is refused before anything else only for the real admin; for an
    // intruder the has_one check fails first.
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn propose_admin_refuses_the_current_admin() {
    let mut h = Harness::new().await;
    let admin = h.admin.insecure_clone();
    let result = h.send(&[ix::propose_admin(&admin.pubkey(), &admin.pubkey())], &[&admin]).await;
    assert_medchain_error(result, MedchainError::InvalidNewAdmin);
}

#[tokio::test]
async fn pause_and_unpause() {
    let mut h = Harness::new().await;
    let admin = h.admin.insecure_clone();
    h.send(&[ix::pause(&admin.pubkey())], &[&admin]).await.expect("pause");
    assert!(h.account::<Registry>(&pda::registry()).await.paused);
    assert_medchain_error(
        h.send(&[ix::pause(&admin.pubkey())], &[&admin]).await,
        MedchainError::AlreadyPaused,
    );
    h.send(&[ix::unpause(&admin.pubkey())], &[&admin]).await.expect("unpause");
    assert!(!h.account::<Registry>(&pda::registry()).await.paused);
    assert_medchain_error(
        h.send(&[ix::unpause(&admin.pubkey())], &[&admin]).await,
        MedchainError::NotPaused,
    );
}

#[tokio::test]
async fn attack_pause_by_non_admin() {
    let mut h = Harness::new().await;
    let intruder = Keypair::new();
    let result = h.send(&[ix::pause(&intruder.pubkey())], &[&intruder]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn attack_pause_with_admin_key_but_no_signature() {
    let mut h = Harness::new().await;
    let admin = h.admin.pubkey();
    let result = h.send(&[unsign(ix::pause(&admin), &admin)], &[]).await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn attack_fake_registry_owned_by_another_program() {
    let mut h = Harness::new().await;
    let admin = h.admin.insecure_clone();
    let fake = h.funded_keypair(SOL).await;
    let forged = substitute(ix::pause(&admin.pubkey()), &pda::registry(), &fake.pubkey());
    let result = h.send(&[forged], &[&admin]).await;
    assert_anchor_error(result, AnchorErrorCode::AccountOwnedByWrongProgram);
}
