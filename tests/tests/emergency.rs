//! Break-glass: emergency access that is possible, bounded (24 h) and visible to the patient.

use medchain::state::{AccessReason, EmergencyAccess};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

const REASON_UNCONSCIOUS: u8 = 3;

async fn open(
    h: &mut Harness,
    issuer: &Keypair,
    provider: &Keypair,
    patient: &Keypair,
    secs: i64,
) -> TxResult {
    h.send(
        &[ix::open_emergency_access(
            &provider.pubkey(),
            &issuer.pubkey(),
            &patient.pubkey(),
            REASON_UNCONSCIOUS,
            secs,
        )],
        &[provider],
    )
    .await
}

async fn emergency_read(
    h: &mut Harness,
    provider: &Keypair,
    patient: &Keypair,
    category: u32,
) -> AccessReason {
    h.record(provider, patient, category, purposes::ETREAT, actions::READ)
        .await
        .expect("recorded")
        .reason
}

fn window_address(patient: &Keypair, provider: &Keypair) -> anchor_lang::prelude::Pubkey {
    pda::emergency(&pda::patient(&patient.pubkey()), &pda::provider(&provider.pubkey()))
}

#[tokio::test]
async fn break_glass_allows_emergency_reads_until_the_window_ends() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await; // issuer allows break-glass
    open(&mut h, &issuer, &provider, &patient, 3_600).await.expect("open");
    assert_eq!(
        emergency_read(&mut h, &provider, &patient, categories::MEDICATIONS).await,
        AccessReason::EmergencyAccess
    );
    assert_eq!(
        emergency_read(&mut h, &provider, &patient, categories::ALLERGIES).await,
        AccessReason::EmergencyAccess
    );
    let window: EmergencyAccess = h.account(&window_address(&patient, &provider)).await;
    assert_eq!(window.access_count, 2);
    assert_eq!(window.reason_code, REASON_UNCONSCIOUS);
    h.advance(3_600).await;
    assert_eq!(
        emergency_read(&mut h, &provider, &patient, categories::MEDICATIONS).await,
        AccessReason::NoConsent
    );
}

#[tokio::test]
async fn break_glass_is_read_only_and_for_emergency_treatment_only() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    open(&mut h, &issuer, &provider, &patient, 3_600).await.expect("open");
    let write = h
        .record(&provider, &patient, categories::MEDICATIONS, purposes::ETREAT, actions::WRITE)
        .await
        .expect("ok");
    assert_eq!(write.reason, AccessReason::NoConsent);
    let treat = h
        .record(&provider, &patient, categories::MEDICATIONS, purposes::TREAT, actions::READ)
        .await
        .expect("ok");
    assert_eq!(treat.reason, AccessReason::NoConsent);
}

#[tokio::test]
async fn attack_break_glass_by_a_provider_whose_issuer_forbids_it() {
    let mut h = Harness::new().await;
    let strict = h.issuer(false).await;
    let provider = h.provider(&strict).await;
    let patient = h.patient().await;
    assert_medchain_error(
        open(&mut h, &strict, &provider, &patient, 3_600).await,
        MedchainError::BreakGlassNotAllowedByIssuer,
    );
}

#[tokio::test]
async fn attack_break_glass_naming_another_permissive_issuer() {
    let mut h = Harness::new().await;
    let strict = h.issuer(false).await;
    let provider = h.provider(&strict).await;
    let permissive = h.issuer(true).await;
    let patient = h.patient().await;
    assert_anchor_error(
        open(&mut h, &permissive, &provider, &patient, 3_600).await,
        AnchorErrorCode::ConstraintHasOne,
    );
}

#[tokio::test]
async fn attack_break_glass_when_the_patient_forbids_it() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    h.send(&[ix::set_break_glass_policy(&patient.pubkey(), false)], &[&patient])
        .await
        .expect("policy");
    assert_medchain_error(
        open(&mut h, &issuer, &provider, &patient, 3_600).await,
        MedchainError::BreakGlassNotAllowedByPatient,
    );
}

#[tokio::test]
async fn attack_break_glass_window_beyond_24_hours() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    assert_medchain_error(
        open(&mut h, &issuer, &provider, &patient, 24 * 3_600 + 1).await,
        MedchainError::InvalidEmergencyWindow,
    );
    open(&mut h, &issuer, &provider, &patient, 24 * 3_600).await.expect("exactly 24 h is allowed");
}

#[tokio::test]
async fn attack_a_second_window_while_one_is_open() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    open(&mut h, &issuer, &provider, &patient, 3_600).await.expect("open");
    assert_medchain_error(
        open(&mut h, &issuer, &provider, &patient, 3_600).await,
        MedchainError::EmergencyAccessAlreadyOpen,
    );
    h.advance(3_600).await;
    open(&mut h, &issuer, &provider, &patient, 60).await.expect("reopen after the window ended");
    let window: EmergencyAccess = h.account(&window_address(&patient, &provider)).await;
    assert_eq!(window.times_opened, 2);
}

#[tokio::test]
async fn attack_break_glass_by_a_suspended_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    open(&mut h, &issuer, &provider, &patient, 3_600).await.expect("open");
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    assert_eq!(
        emergency_read(&mut h, &provider, &patient, categories::MEDICATIONS).await,
        AccessReason::ProviderNotActive
    );
}

#[tokio::test]
async fn patient_reviews_and_ends_a_window() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    open(&mut h, &issuer, &provider, &patient, 3_600).await.expect("open");
    emergency_read(&mut h, &provider, &patient, categories::MEDICATIONS).await;
    h.send(
        &[ix::review_emergency_access(&patient.pubkey(), &provider.pubkey(), true)],
        &[&patient],
    )
    .await
    .expect("review");
    let window: EmergencyAccess = h.account(&window_address(&patient, &provider)).await;
    assert!(window.reviewed);
    assert_eq!(window.access_count, 1);
    assert_eq!(
        emergency_read(&mut h, &provider, &patient, categories::MEDICATIONS).await,
        AccessReason::NoConsent
    );
}

#[tokio::test]
async fn attack_review_by_someone_other_than_the_patient() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    open(&mut h, &issuer, &provider, &patient, 3_600).await.expect("open");
    let mut forged = ix::review_emergency_access(&patient.pubkey(), &provider.pubkey(), true);
    forged.accounts[0].pubkey = provider.pubkey();
    assert_anchor_error(h.send(&[forged], &[&provider]).await, AnchorErrorCode::ConstraintSeeds);
    let window: EmergencyAccess = h.account(&window_address(&patient, &provider)).await;
    assert!(!window.reviewed);
}

#[tokio::test]
async fn a_consent_still_wins_over_a_window() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    open(&mut h, &issuer, &provider, &patient, 3_600).await.expect("open");
    let d = h
        .record(&provider, &patient, categories::IMAGING, purposes::TREAT, actions::READ)
        .await
        .expect("ok");
    assert_eq!(d.reason, AccessReason::Granted);
    let window: EmergencyAccess = h.account(&window_address(&patient, &provider)).await;
    assert_eq!(window.access_count, 0, "consented reads are not counted as emergency reads");
}
