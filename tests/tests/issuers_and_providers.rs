//! Issuers (added and removed by the admin) and providers (registered, suspended and
//! reinstated only by their issuer).

use medchain::state::{Issuer, Provider, ProviderKind, ProviderStatus, Registry};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test]
async fn admin_adds_an_issuer() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(true).await;
    let account: Issuer = h.account(&pda::issuer(&issuer.pubkey())).await;
    assert_eq!(account.authority, issuer.pubkey());
    assert!(account.allows_break_glass);
    assert_eq!(account.rent_payer, h.admin.pubkey());
    assert_eq!(h.account::<Registry>(&pda::registry()).await.issuer_count, 1);
}

#[tokio::test]
async fn attack_add_issuer_by_non_admin() {
    let mut h = Harness::new().await;
    let intruder = h.funded_keypair(SOL).await;
    let result =
        h.send(&[ix::add_issuer(&intruder.pubkey(), &intruder.pubkey(), true)], &[&intruder]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn attack_add_the_same_issuer_twice() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(false).await;
    let admin = h.admin.insecure_clone();
    let result =
        h.send(&[ix::add_issuer(&admin.pubkey(), &issuer.pubkey(), true)], &[&admin]).await;
    assert_medchain_error(result, MedchainError::AccountAlreadyExists);
    assert!(!h.account::<Issuer>(&pda::issuer(&issuer.pubkey())).await.allows_break_glass);
}

#[tokio::test]
async fn admin_changes_break_glass_permission() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(false).await;
    let admin = h.admin.insecure_clone();
    h.send(&[ix::set_issuer_break_glass(&admin.pubkey(), &issuer.pubkey(), true)], &[&admin])
        .await
        .expect("set");
    assert!(h.account::<Issuer>(&pda::issuer(&issuer.pubkey())).await.allows_break_glass);
    let result = h
        .send(&[ix::set_issuer_break_glass(&issuer.pubkey(), &issuer.pubkey(), false)], &[&issuer])
        .await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn issuer_with_active_providers_cannot_be_removed_until_suspended() {
    let mut h = Harness::new().await;
    let (issuer, provider, _) = h.cast().await;
    let admin = h.admin.insecure_clone();
    let remove = ix::remove_issuer(&admin.pubkey(), &issuer.pubkey(), &admin.pubkey());
    assert_medchain_error(
        h.send(std::slice::from_ref(&remove), &[&admin]).await,
        MedchainError::IssuerHasActiveProviders,
    );
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    let before = h.lamports(&admin.pubkey()).await;
    h.send(&[remove], &[&admin]).await.expect("remove");
    assert!(!h.exists(&pda::issuer(&issuer.pubkey())).await);
    assert!(h.lamports(&admin.pubkey()).await > before, "rent returned to the payer");
    assert_eq!(h.account::<Registry>(&pda::registry()).await.issuer_count, 0);
}

#[tokio::test]
async fn attack_remove_issuer_sending_rent_elsewhere() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(false).await;
    let admin = h.admin.insecure_clone();
    let thief = Keypair::new();
    let result = h
        .send(&[ix::remove_issuer(&admin.pubkey(), &issuer.pubkey(), &thief.pubkey())], &[&admin])
        .await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn attack_remove_issuer_by_non_admin() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(false).await;
    let admin = h.admin.pubkey();
    let result =
        h.send(&[ix::remove_issuer(&issuer.pubkey(), &issuer.pubkey(), &admin)], &[&issuer]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn issuer_registers_a_provider_who_co_signs() {
    let mut h = Harness::new().await;
    let (issuer, provider, _) = h.cast().await;
    let account: Provider = h.account(&pda::provider(&provider.pubkey())).await;
    assert_eq!(account.authority, provider.pubkey());
    assert_eq!(account.issuer, pda::issuer(&issuer.pubkey()));
    assert_eq!(account.credential_hash, CREDENTIAL);
    assert_eq!(account.status, ProviderStatus::Active);
    assert_eq!(account.kind, ProviderKind::Physician);
    let issuer_account: Issuer = h.account(&pda::issuer(&issuer.pubkey())).await;
    assert_eq!(issuer_account.active_provider_count, 1);
    assert_eq!(issuer_account.provider_count, 1);
}

#[tokio::test]
async fn attack_register_provider_without_the_providers_signature() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(false).await;
    let victim = Keypair::new();
    let ix = unsign(
        ix::register_provider(&issuer.pubkey(), &victim.pubkey(), CREDENTIAL, ProviderKind::Clinic),
        &victim.pubkey(),
    );
    let result = h.send(&[ix], &[&issuer]).await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotSigner);
    assert!(!h.exists(&pda::provider(&victim.pubkey())).await);
}

#[tokio::test]
async fn attack_register_provider_by_an_untrusted_issuer() {
    let mut h = Harness::new().await;
    let rogue = h.funded_keypair(SOL).await;
    let provider = Keypair::new();
    let result = h
        .send(
            &[ix::register_provider(
                &rogue.pubkey(),
                &provider.pubkey(),
                CREDENTIAL,
                ProviderKind::Clinic,
            )],
            &[&rogue, &provider],
        )
        .await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotInitialized);
}

#[tokio::test]
async fn attack_register_provider_twice() {
    let mut h = Harness::new().await;
    let (issuer, provider, _) = h.cast().await;
    let result = h
        .send(
            &[ix::register_provider(
                &issuer.pubkey(),
                &provider.pubkey(),
                [7; 32],
                ProviderKind::Hospital,
            )],
            &[&issuer, &provider],
        )
        .await;
    assert_medchain_error(result, MedchainError::AccountAlreadyExists);
    let account: Provider = h.account(&pda::provider(&provider.pubkey())).await;
    assert_eq!(account.credential_hash, CREDENTIAL, "first registration untouched");
}

#[tokio::test]
async fn register_provider_refuses_an_empty_credential_hash() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(false).await;
    let provider = Keypair::new();
    let result = h
        .send(
            &[ix::register_provider(
                &issuer.pubkey(),
                &provider.pubkey(),
                [0; 32],
                ProviderKind::Clinic,
            )],
            &[&issuer, &provider],
        )
        .await;
    assert_medchain_error(result, MedchainError::InvalidCredentialHash);
}

#[tokio::test]
async fn register_provider_refuses_an_unknown_kind() {
    let mut h = Harness::new().await;
    let issuer = h.issuer(false).await;
    let provider = Keypair::new();
    let mut ix = ix::register_provider(
        &issuer.pubkey(),
        &provider.pubkey(),
        CREDENTIAL,
        ProviderKind::Clinic,
    );
    let last = ix.data.len() - 1;
    ix.data[last] = 200;
    let result = h.send(&[ix], &[&issuer, &provider]).await;
    assert_medchain_error(result, MedchainError::InvalidProviderKind);
}

#[tokio::test]
async fn suspension_and_reinstatement_by_the_issuer() {
    let mut h = Harness::new().await;
    let (issuer, provider, _) = h.cast().await;
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    let account: Provider = h.account(&pda::provider(&provider.pubkey())).await;
    assert_eq!(account.status, ProviderStatus::Suspended);
    assert_eq!(h.account::<Issuer>(&pda::issuer(&issuer.pubkey())).await.active_provider_count, 0);
    assert_medchain_error(
        h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer]).await,
        MedchainError::ProviderAlreadySuspended,
    );
    h.send(&[ix::reinstate_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("reinstate");
    assert!(h.account::<Provider>(&pda::provider(&provider.pubkey())).await.is_active());
    assert_medchain_error(
        h.send(&[ix::reinstate_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer]).await,
        MedchainError::ProviderNotSuspended,
    );
}

#[tokio::test]
async fn attack_suspend_by_another_issuer() {
    let mut h = Harness::new().await;
    let (_, provider, _) = h.cast().await;
    let other = h.issuer(false).await;
    let result =
        h.send(&[ix::suspend_provider(&other.pubkey(), &provider.pubkey())], &[&other]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn attack_suspend_by_the_provider_itself() {
    let mut h = Harness::new().await;
    let (issuer, provider, _) = h.cast().await;
    let forged = substitute(
        ix::suspend_provider(&issuer.pubkey(), &provider.pubkey()),
        &issuer.pubkey(),
        &provider.pubkey(),
    );
    let result = h.send(&[forged], &[&provider]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_suspend_passing_a_patient_as_the_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let forged = substitute(
        ix::suspend_provider(&issuer.pubkey(), &provider.pubkey()),
        &pda::provider(&provider.pubkey()),
        &pda::patient(&patient.pubkey()),
    );
    let result = h.send(&[forged], &[&issuer]).await;
    assert_anchor_error(result, AnchorErrorCode::AccountDiscriminatorMismatch);
}

#[tokio::test]
async fn provider_publishes_an_encryption_key() {
    let mut h = Harness::new().await;
    let (_, provider, _) = h.cast().await;
    h.send(&[ix::set_provider_encryption_key(&provider.pubkey(), [5; 32])], &[&provider])
        .await
        .expect("set key");
    let account: Provider = h.account(&pda::provider(&provider.pubkey())).await;
    assert_eq!(account.encryption_key, [5; 32]);
    assert_medchain_error(
        h.send(&[ix::set_provider_encryption_key(&provider.pubkey(), [0; 32])], &[&provider]).await,
        MedchainError::InvalidEncryptionKey,
    );
}

#[tokio::test]
async fn attack_set_someone_elses_encryption_key() {
    let mut h = Harness::new().await;
    let (_, provider, _) = h.cast().await;
    let intruder = Keypair::new();
    let forged = substitute(
        ix::set_provider_encryption_key(&provider.pubkey(), [6; 32]),
        &provider.pubkey(),
        &intruder.pubkey(),
    );
    let mut forged = forged;
    forged.accounts[1].pubkey = pda::provider(&provider.pubkey());
    let result = h.send(&[forged], &[&intruder]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintSeeds);
    assert_eq!(
        h.account::<Provider>(&pda::provider(&provider.pubkey())).await.encryption_key,
        [0; 32]
    );
}
