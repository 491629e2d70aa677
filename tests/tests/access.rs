//! `record_access`: the access rule, recorded whether granted or denied.

use medchain::state::{AccessReason, Consent, ConsentTerms, Patient, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::Signer;

#[tokio::test]
async fn granted_access_is_counted_and_returned() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let decision = h.read_imaging(&provider, &patient).await;
    assert!(decision.allowed);
    assert_eq!(decision.reason, AccessReason::Granted);
    assert_eq!(decision.consent_version, 1);
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!((consent.granted_count, consent.denied_count), (1, 0));
}

#[tokio::test]
async fn a_denied_attempt_succeeds_as_a_transaction_and_stays_recorded() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let decision = h
        .record(&provider, &patient, categories::MEDICATIONS, purposes::TREAT, actions::READ)
        .await
        .expect("a denial is not a failed transaction");
    assert!(!decision.allowed);
    assert_eq!(decision.reason, AccessReason::CategoryNotCovered);
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.denied_count, 1);
    assert_eq!(consent.granted_count, 0);
}

#[tokio::test]
async fn access_without_any_consent_is_denied_and_counted_on_the_patient() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let decision = h.read_imaging(&provider, &patient).await;
    assert_eq!(decision.reason, AccessReason::NoConsent);
    assert_eq!(decision.consent_version, 0);
    let account: Patient = h.account(&pda::patient(&patient.pubkey())).await;
    assert_eq!(account.denied_without_consent, 1);
    assert!(!h.exists(&Harness::consent_address(&patient, &provider)).await);
}

#[tokio::test]
async fn purpose_and_action_must_be_covered() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let research = h
        .record(&provider, &patient, categories::IMAGING, purposes::HRESCH, actions::READ)
        .await
        .expect("recorded");
    assert_eq!(research.reason, AccessReason::PurposeNotCovered);
    let write = h
        .record(&provider, &patient, categories::IMAGING, purposes::TREAT, actions::WRITE)
        .await
        .expect("recorded");
    assert_eq!(write.reason, AccessReason::ActionNotCovered);
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.denied_count, 2);
}

#[tokio::test]
async fn all_standard_categories_never_imply_a_sensitive_one() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let now = h.now().await;
    let all = ConsentTerms {
        scope: Scope { categories: categories::ALL_STANDARD, ..terms(now + 1_000).scope },
        ..terms(now + 1_000)
    };
    h.grant(&patient, &provider, all).await.expect("grant all");
    for category in [categories::DEMOGRAPHICS, categories::CLINICAL_NOTES] {
        let d = h
            .record(&provider, &patient, category, purposes::TREAT, actions::READ)
            .await
            .expect("ok");
        assert!(d.allowed);
    }
    for sensitive in [
        categories::MENTAL_HEALTH,
        categories::SUBSTANCE_USE,
        categories::SEXUAL_REPRODUCTIVE,
        categories::GENETICS,
        categories::INFECTIOUS_DISEASE,
    ] {
        let d = h
            .record(&provider, &patient, sensitive, purposes::TREAT, actions::READ)
            .await
            .expect("ok");
        assert_eq!(d.reason, AccessReason::CategoryNotCovered, "category {sensitive:#x}");
    }
}

#[tokio::test]
async fn expiry_is_evaluated_at_the_cluster_clock() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let now = h.now().await;
    h.grant(&patient, &provider, terms(now + 600)).await.expect("grant");
    h.set_time(now + 599).await;
    assert!(h.read_imaging(&provider, &patient).await.allowed);
    h.set_time(now + 600).await;
    assert_eq!(h.read_imaging(&provider, &patient).await.reason, AccessReason::ConsentExpired);
}

#[tokio::test]
async fn suspension_cuts_off_access_at_once_and_reinstatement_restores_it() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    let d = h.read_imaging(&provider, &patient).await;
    assert_eq!(d.reason, AccessReason::ProviderNotActive);
    h.send(&[ix::reinstate_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("reinstate");
    assert!(h.read_imaging(&provider, &patient).await.allowed);
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!((consent.granted_count, consent.denied_count), (1, 1));
}

#[tokio::test]
async fn a_consent_covers_only_its_own_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let colleague = h.provider(&issuer).await;
    h.consent(&patient, &provider).await;
    assert_eq!(h.read_imaging(&colleague, &patient).await.reason, AccessReason::NoConsent);
}

#[tokio::test]
async fn attack_record_access_with_several_categories_at_once() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let result = h
        .record(
            &provider,
            &patient,
            categories::IMAGING | categories::GENETICS,
            purposes::TREAT,
            actions::READ,
        )
        .await
        .map(|_| ());
    assert_medchain_error(result, MedchainError::InvalidCategory);
    let result = h
        .record(
            &provider,
            &patient,
            categories::IMAGING,
            purposes::TREAT | purposes::HRESCH,
            actions::READ,
        )
        .await
        .map(|_| ());
    assert_medchain_error(result, MedchainError::InvalidPurpose);
    let result =
        h.record(&provider, &patient, categories::IMAGING, purposes::TREAT, 0).await.map(|_| ());
    assert_medchain_error(result, MedchainError::InvalidAction);
}

#[tokio::test]
async fn attack_record_access_with_another_providers_consent() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let intruder = h.provider(&issuer).await;
    h.consent(&patient, &provider).await;
    let forged = substitute(
        ix::record_access(
            &intruder.pubkey(),
            &patient.pubkey(),
            categories::IMAGING,
            purposes::TREAT,
            actions::READ,
        ),
        &Harness::consent_address(&patient, &intruder),
        &Harness::consent_address(&patient, &provider),
    );
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_record_access_impersonating_a_provider() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let forged = unsign(
        ix::record_access(
            &provider.pubkey(),
            &patient.pubkey(),
            categories::IMAGING,
            purposes::TREAT,
            actions::READ,
        ),
        &provider.pubkey(),
    );
    assert_anchor_error(h.send(&[forged], &[]).await, AnchorErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn attack_record_access_with_a_stolen_provider_account() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let intruder = h.funded_keypair(SOL).await;
    let mut forged = ix::record_access(
        &provider.pubkey(),
        &patient.pubkey(),
        categories::IMAGING,
        purposes::TREAT,
        actions::READ,
    );
    forged.accounts[0].pubkey = intruder.pubkey();
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_record_access_with_the_patient_account_as_the_consent() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    let forged = substitute(
        ix::record_access(
            &provider.pubkey(),
            &patient.pubkey(),
            categories::IMAGING,
            purposes::TREAT,
            actions::READ,
        ),
        &Harness::consent_address(&patient, &provider),
        &pda::patient(&patient.pubkey()),
    );
    assert_anchor_error(h.send(&[forged], &[&provider]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_record_access_with_a_fake_patient_owned_by_another_program() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let fake = h.funded_keypair(SOL).await;
    let forged = substitute(
        ix::record_access(
            &provider.pubkey(),
            &patient.pubkey(),
            categories::IMAGING,
            purposes::TREAT,
            actions::READ,
        ),
        &pda::patient(&patient.pubkey()),
        &fake.pubkey(),
    );
    assert_anchor_error(
        h.send(&[forged], &[&provider]).await,
        AnchorErrorCode::AccountOwnedByWrongProgram,
    );
}
