//! Consents granted directly by the patient: grant, update, revoke, re-grant and close.

use medchain::state::{Consent, ConsentStatus, ConsentTerms, Patient, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test]
async fn patient_grants_consent_with_the_clinic_paying() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.status, ConsentStatus::Active);
    assert_eq!(consent.version, 1);
    assert_eq!(consent.patient, pda::patient(&patient.pubkey()));
    assert_eq!(consent.provider, pda::provider(&provider.pubkey()));
    assert_eq!(consent.grantor, 0);
    assert_eq!(consent.rent_payer, h.ctx.payer.pubkey());
    assert_eq!(h.lamports(&patient.pubkey()).await, 0, "the patient needs no SOL");
    assert_eq!(h.account::<Patient>(&pda::patient(&patient.pubkey())).await.consent_grants, 1);
}

#[tokio::test]
async fn consent_account_is_160_bytes() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let raw = h.raw(&Harness::consent_address(&patient, &provider)).await.expect("exists");
    assert_eq!(raw.data.len(), 160);
    assert_eq!(raw.owner, medchain::ID);
}

#[tokio::test]
async fn attack_grant_without_the_patients_signature() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let payer = h.ctx.payer.pubkey();
    let now = h.now().await;
    let forged = unsign(
        ix::grant_consent(&patient.pubkey(), &payer, &provider.pubkey(), terms(now + 100)),
        &patient.pubkey(),
    );
    assert_anchor_error(h.send(&[forged], &[]).await, AnchorErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn attack_grant_on_behalf_of_another_patient() {
    let mut h = Harness::new().await;
    let (_, provider, victim) = h.cast().await;
    let intruder = h.patient().await;
    let payer = h.ctx.payer.pubkey();
    let now = h.now().await;
    // The intruder signs but names the victim's Patient account and consent.
    let mut forged =
        ix::grant_consent(&victim.pubkey(), &payer, &provider.pubkey(), terms(now + 100));
    forged.accounts[0].pubkey = intruder.pubkey();
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
    assert!(!h.exists(&Harness::consent_address(&victim, &provider)).await);
}

#[tokio::test]
async fn attack_grant_to_a_consent_pda_of_other_seeds() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let other = h.provider(&issuer).await;
    let payer = h.ctx.payer.pubkey();
    let now = h.now().await;
    let forged = substitute(
        ix::grant_consent(&patient.pubkey(), &payer, &provider.pubkey(), terms(now + 100)),
        &Harness::consent_address(&patient, &provider),
        &Harness::consent_address(&patient, &other),
    );
    assert_anchor_error(h.send(&[forged], &[&patient]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_grant_passing_a_patient_account_as_the_provider() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let payer = h.ctx.payer.pubkey();
    let now = h.now().await;
    let forged = substitute(
        ix::grant_consent(&patient.pubkey(), &payer, &provider.pubkey(), terms(now + 100)),
        &pda::provider(&provider.pubkey()),
        &pda::patient(&patient.pubkey()),
    );
    assert_anchor_error(
        h.send(&[forged], &[&patient]).await,
        AnchorErrorCode::AccountDiscriminatorMismatch,
    );
}

#[tokio::test]
async fn attack_grant_twice_while_active() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let now = h.now().await;
    let result = h.grant(&patient, &provider, terms(now + 999)).await;
    assert_medchain_error(result, MedchainError::ConsentAlreadyActive);
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.version, 1, "existing consent not re-initialised");
}

#[tokio::test]
async fn grant_refuses_past_expiry_and_bad_sets() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let now = h.now().await;
    assert_medchain_error(
        h.grant(&patient, &provider, terms(now)).await,
        MedchainError::ExpiryInPast,
    );
    let bad = ConsentTerms {
        scope: Scope { categories: 1 << 31, ..terms(now + 10).scope },
        ..terms(now + 10)
    };
    assert_medchain_error(
        h.grant(&patient, &provider, bad).await,
        MedchainError::InvalidCategories,
    );
    let bad =
        ConsentTerms { scope: Scope { purposes: 0, ..terms(now + 10).scope }, ..terms(now + 10) };
    assert_medchain_error(h.grant(&patient, &provider, bad).await, MedchainError::InvalidPurposes);
    let bad =
        ConsentTerms { scope: Scope { actions: 0, ..terms(now + 10).scope }, ..terms(now + 10) };
    assert_medchain_error(h.grant(&patient, &provider, bad).await, MedchainError::InvalidActions);
}

#[tokio::test]
async fn grant_refused_while_paused_but_revoke_still_works() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let other_provider = {
        let issuer = h.issuer(false).await;
        h.provider(&issuer).await
    };
    h.consent(&patient, &provider).await;
    let admin = h.admin.insecure_clone();
    h.send(&[ix::pause(&admin.pubkey())], &[&admin]).await.expect("pause");
    let now = h.now().await;
    assert_medchain_error(
        h.grant(&patient, &other_provider, terms(now + 100)).await,
        MedchainError::RegistryPaused,
    );
    assert_medchain_error(
        h.send(
            &[ix::update_consent(&patient.pubkey(), &provider.pubkey(), terms(now + 100))],
            &[&patient],
        )
        .await,
        MedchainError::RegistryPaused,
    );
    h.revoke(&patient, &provider).await.expect("revoke works while paused");
}

#[tokio::test]
async fn attack_grant_to_a_suspended_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    let now = h.now().await;
    assert_medchain_error(
        h.grant(&patient, &provider, terms(now + 100)).await,
        MedchainError::ProviderNotActive,
    );
}

#[tokio::test]
async fn update_changes_terms_and_bumps_version() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let now = h.now().await;
    let wider = ConsentTerms {
        scope: Scope::new(
            categories::ALL_STANDARD | categories::GENETICS,
            purposes::TREAT | purposes::HOPERAT,
            actions::READ | actions::WRITE,
        ),
        expires_at: now + 7_200,
    };
    h.send(&[ix::update_consent(&patient.pubkey(), &provider.pubkey(), wider)], &[&patient])
        .await
        .expect("update");
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.version, 2);
    assert_eq!(consent.terms(), wider);
    let genetics = h
        .record(&provider, &patient, categories::GENETICS, purposes::TREAT, actions::READ)
        .await
        .expect("recorded");
    assert!(genetics.allowed);
    assert_eq!(genetics.consent_version, 2);
}

#[tokio::test]
async fn attack_update_a_revoked_consent() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.revoke(&patient, &provider).await.expect("revoke");
    let now = h.now().await;
    let result = h
        .send(
            &[ix::update_consent(&patient.pubkey(), &provider.pubkey(), terms(now + 100))],
            &[&patient],
        )
        .await;
    assert_medchain_error(result, MedchainError::ConsentNotActive);
}

#[tokio::test]
async fn attack_update_another_patients_consent() {
    let mut h = Harness::new().await;
    let (_, provider, victim) = h.cast().await;
    let intruder = h.patient().await;
    h.consent(&victim, &provider).await;
    let now = h.now().await;
    let forged = substitute(
        ix::update_consent(&intruder.pubkey(), &provider.pubkey(), terms(now + 100)),
        &Harness::consent_address(&intruder, &provider),
        &Harness::consent_address(&victim, &provider),
    );
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn revoke_is_effective_for_the_very_next_access_and_regrant_works() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    assert!(h.read_imaging(&provider, &patient).await.allowed);
    h.revoke(&patient, &provider).await.expect("revoke");
    let denied = h.read_imaging(&provider, &patient).await;
    assert!(!denied.allowed);
    assert_eq!(denied.reason, medchain::state::AccessReason::ConsentRevoked);
    // Re-granting after a revoke reuses the PDA and bumps the version.
    h.consent(&patient, &provider).await;
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.status, ConsentStatus::Active);
    assert_eq!(consent.version, 2);
    assert_eq!(consent.granted_count, 1, "history kept across re-grant");
    assert_eq!(consent.denied_count, 1);
    assert!(h.read_imaging(&provider, &patient).await.allowed);
}

#[tokio::test]
async fn revoke_and_regrant_in_one_transaction() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let now = h.now().await;
    let payer = h.ctx.payer.pubkey();
    h.send(
        &[
            ix::revoke_consent(&patient.pubkey(), &provider.pubkey()),
            ix::grant_consent(&patient.pubkey(), &payer, &provider.pubkey(), terms(now + 50)),
        ],
        &[&patient],
    )
    .await
    .expect("revoke then re-grant");
    assert_eq!(
        h.account::<Consent>(&Harness::consent_address(&patient, &provider)).await.version,
        2
    );
}

#[tokio::test]
async fn attack_double_revoke() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.revoke(&patient, &provider).await.expect("revoke");
    let result =
        h.send(&[ix::revoke_consent(&patient.pubkey(), &provider.pubkey())], &[&patient]).await;
    assert_medchain_error(result, MedchainError::ConsentNotActive);
}

#[tokio::test]
async fn attack_revoke_by_the_provider() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let mut forged = ix::revoke_consent(&patient.pubkey(), &provider.pubkey());
    forged.accounts[0].pubkey = provider.pubkey();
    assert_anchor_error(h.send(&[forged], &[&provider]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn expired_consent_denies_and_can_be_regranted() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.advance(86_400).await;
    let denied = h.read_imaging(&provider, &patient).await;
    assert_eq!(denied.reason, medchain::state::AccessReason::ConsentExpired);
    h.consent(&patient, &provider).await;
    assert!(h.read_imaging(&provider, &patient).await.allowed);
}

#[tokio::test]
async fn close_returns_rent_to_the_payer() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let clinic = h.funded_keypair(SOL).await;
    let now = h.now().await;
    h.send(
        &[ix::grant_consent(
            &patient.pubkey(),
            &clinic.pubkey(),
            &provider.pubkey(),
            terms(now + 100),
        )],
        &[&patient, &clinic],
    )
    .await
    .expect("grant paid by clinic");
    let address = Harness::consent_address(&patient, &provider);
    let close = ix::close_consent(
        &patient.pubkey(),
        &patient.pubkey(),
        &provider.pubkey(),
        &clinic.pubkey(),
    );
    assert_medchain_error(
        h.send(std::slice::from_ref(&close), &[&patient]).await,
        MedchainError::ConsentStillActive,
    );
    h.revoke(&patient, &provider).await.expect("revoke");
    let rent = h.lamports(&address).await;
    let before = h.lamports(&clinic.pubkey()).await;
    h.send(&[close], &[&patient]).await.expect("close");
    assert!(!h.exists(&address).await);
    assert_eq!(h.lamports(&clinic.pubkey()).await, before + rent);
}

#[tokio::test]
async fn rent_payer_may_close_an_expired_consent() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let clinic = h.funded_keypair(SOL).await;
    let now = h.now().await;
    h.send(
        &[ix::grant_consent(
            &patient.pubkey(),
            &clinic.pubkey(),
            &provider.pubkey(),
            terms(now + 100),
        )],
        &[&patient, &clinic],
    )
    .await
    .expect("grant");
    h.advance(101).await;
    h.send(
        &[ix::close_consent(
            &clinic.pubkey(),
            &patient.pubkey(),
            &provider.pubkey(),
            &clinic.pubkey(),
        )],
        &[&clinic],
    )
    .await
    .expect("close expired");
}

#[tokio::test]
async fn attack_close_by_a_stranger() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.revoke(&patient, &provider).await.expect("revoke");
    let stranger = Keypair::new();
    let payer = h.ctx.payer.pubkey();
    let result = h
        .send(
            &[ix::close_consent(&stranger.pubkey(), &patient.pubkey(), &provider.pubkey(), &payer)],
            &[&stranger],
        )
        .await;
    assert_medchain_error(result, MedchainError::UnauthorizedCloser);
}

#[tokio::test]
async fn attack_close_sending_rent_to_a_thief() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.revoke(&patient, &provider).await.expect("revoke");
    let thief = Keypair::new();
    let result = h
        .send(
            &[ix::close_consent(
                &patient.pubkey(),
                &patient.pubkey(),
                &provider.pubkey(),
                &thief.pubkey(),
            )],
            &[&patient],
        )
        .await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn attack_close_naming_the_consent_as_its_own_rent_receiver() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.revoke(&patient, &provider).await.expect("revoke");
    let consent = Harness::consent_address(&patient, &provider);
    let result = h
        .send(
            &[ix::close_consent(
                &patient.pubkey(),
                &patient.pubkey(),
                &provider.pubkey(),
                &consent,
            )],
            &[&patient],
        )
        .await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn attack_use_after_close() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.revoke(&patient, &provider).await.expect("revoke");
    let payer = h.ctx.payer.pubkey();
    h.send(
        &[ix::close_consent(&patient.pubkey(), &patient.pubkey(), &provider.pubkey(), &payer)],
        &[&patient],
    )
    .await
    .expect("close");
    let now = h.now().await;
    assert_anchor_error(
        h.send(
            &[ix::update_consent(&patient.pubkey(), &provider.pubkey(), terms(now + 100))],
            &[&patient],
        )
        .await,
        AnchorErrorCode::AccountNotInitialized,
    );
    assert_anchor_error(
        h.send(&[ix::revoke_consent(&patient.pubkey(), &provider.pubkey())], &[&patient]).await,
        AnchorErrorCode::AccountNotInitialized,
    );
    // A closed consent denies access like an absent one, and a fresh grant starts over.
    assert_eq!(
        h.read_imaging(&provider, &patient).await.reason,
        medchain::state::AccessReason::NoConsent
    );
    h.consent(&patient, &provider).await;
    assert_eq!(
        h.account::<Consent>(&Harness::consent_address(&patient, &provider)).await.version,
        1
    );
}

#[tokio::test]
async fn a_prefunded_consent_address_is_still_created_correctly() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let address = Harness::consent_address(&patient, &provider);
    h.fund(&address, 1_000_000).await;
    h.consent(&patient, &provider).await;
    let consent: Consent = h.account(&address).await;
    assert_eq!(consent.version, 1);
    assert_eq!(h.raw(&address).await.expect("exists").owner, medchain::ID);
}
