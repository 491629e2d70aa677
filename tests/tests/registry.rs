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

/// The program deployed upgradeable (as `solana program deploy` leaves it) with `authority`,
/// or `None` when the tests run natively: a builtin has no ProgramData, so the upgrade
/// authority check only exists in the SBF run.
async fn upgradeable(authority: Option<&Keypair>, admin: Keypair) -> Option<Harness> {
    use medchain_sdk::backend::embedded::{Loader, ProgramSource};
    let ProgramSource::Sbf { path, .. } = program_source() else {
        eprintln!("native run: the upgradeable loader needs the SBF program (MEDCHAIN_PROGRAM_SO)");
        return None;
    };
    let loader = Loader::Upgradeable { upgrade_authority: authority.map(|k| k.pubkey()) };
    Some(Harness::bare_with_admin(&ProgramSource::Sbf { path, loader }, admin).await)
}

#[tokio::test]
async fn deployed_upgradeable_only_the_upgrade_authority_initializes() {
    let deployer = Keypair::new();
    let Some(mut h) = upgradeable(Some(&deployer), deployer.insecure_clone()).await else {
        return;
    };
    let intruder = h.funded_keypair(SOL).await;
    let front_run = ix::initialize(&intruder.pubkey(), Some(pda::program_data()));
    assert_medchain_error(
        h.send(&[front_run], &[&intruder]).await,
        MedchainError::NotUpgradeAuthority,
    );
    let without = ix::initialize(&deployer.pubkey(), None);
    assert_medchain_error(
        h.send(&[without], &[&deployer]).await,
        MedchainError::InvalidProgramData,
    );
    assert!(!h.exists(&pda::registry()).await, "nothing was created");
    h.send(&[ix::initialize(&deployer.pubkey(), Some(pda::program_data()))], &[&deployer])
        .await
        .expect("the upgrade authority initializes");
    let registry: Registry = h.account(&pda::registry()).await;
    assert_eq!(registry.admin, deployer.pubkey());
}

#[tokio::test]
async fn attack_initialize_with_a_substituted_program_data_account() {
    let deployer = Keypair::new();
    let Some(mut h) = upgradeable(Some(&deployer), deployer.insecure_clone()).await else {
        return;
    };
    // An account the attacker controls in place of the ProgramData: not the loader's.
    let fake = h.funded_keypair(SOL).await;
    let forged = substitute(
        ix::initialize(&deployer.pubkey(), Some(pda::program_data())),
        &pda::program_data(),
        &fake.pubkey(),
    );
    assert_anchor_error(
        h.send(&[forged], &[&deployer]).await,
        AnchorErrorCode::AccountOwnedByWrongProgram,
    );
    assert!(!h.exists(&pda::registry()).await);
}

#[tokio::test]
async fn deployed_immutable_nobody_can_initialize() {
    let deployer = Keypair::new();
    let Some(mut h) = upgradeable(None, deployer.insecure_clone()).await else {
        return;
    };
    let init = ix::initialize(&deployer.pubkey(), Some(pda::program_data()));
    assert_medchain_error(h.send(&[init], &[&deployer]).await, MedchainError::NotUpgradeAuthority);
}
