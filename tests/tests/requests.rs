//! Patients, access requests and their answers.

use medchain::state::{
    AccessRequest, Consent, ConsentStatus, Patient, RequestStatus, RequestTerms, Scope,
};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

fn request_address(
    provider: &Keypair,
    patient: &Keypair,
    nonce: u64,
) -> anchor_lang::prelude::Pubkey {
    pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&provider.pubkey()), nonce)
}

async fn approve(
    h: &mut Harness,
    patient: &Keypair,
    provider: &Keypair,
    nonce: u64,
    t: RequestTerms,
) -> TxResult {
    let payer = h.ctx.payer.pubkey();
    h.send(
        &[ix::approve_request(&patient.pubkey(), &payer, &provider.pubkey(), nonce, t)],
        &[patient],
    )
    .await
}

#[tokio::test]
async fn a_patient_with_no_lamports_registers_with_a_clinic_paying() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    assert_eq!(h.lamports(&patient.pubkey()).await, 0);
    let account: Patient = h.account(&pda::patient(&patient.pubkey())).await;
    assert_eq!(account.authority, patient.pubkey());
    assert_eq!(account.rent_payer, h.ctx.payer.pubkey());
}

#[tokio::test]
async fn attack_register_patient_without_the_patients_signature() {
    let mut h = Harness::new().await;
    let victim = Keypair::new();
    let payer = h.ctx.payer.pubkey();
    let result = h
        .send(&[unsign(ix::register_patient(&victim.pubkey(), &payer), &victim.pubkey())], &[])
        .await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn attack_register_patient_twice() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let payer = h.ctx.payer.pubkey();
    let result = h.send(&[ix::register_patient(&patient.pubkey(), &payer)], &[&patient]).await;
    assert_medchain_error(result, MedchainError::AccountAlreadyExists);
}

#[tokio::test]
async fn provider_requests_access() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let request: AccessRequest = h.account(&request_address(&provider, &patient, 1)).await;
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(request.terms(), request_terms());
    assert_eq!(request.rent_payer, provider.pubkey());
    assert_eq!(request.nonce, 1);
}

#[tokio::test]
async fn attack_request_by_a_suspended_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    let result = h.request(&provider, &patient, 1, request_terms()).await;
    assert_medchain_error(result, MedchainError::ProviderNotActive);
}

#[tokio::test]
async fn attack_request_by_an_unregistered_wallet() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let stranger = h.funded_keypair(SOL).await;
    let result = h.request(&stranger, &patient, 1, request_terms()).await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotInitialized);
}

#[tokio::test]
async fn request_refused_while_paused() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let admin = h.admin.insecure_clone();
    h.send(&[ix::pause(&admin.pubkey())], &[&admin]).await.expect("pause");
    let result = h.request(&provider, &patient, 1, request_terms()).await;
    assert_medchain_error(result, MedchainError::RegistryPaused);
}

#[tokio::test]
async fn request_terms_are_validated() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let cases = [
        (
            RequestTerms {
                scope: Scope { categories: 0, ..request_terms().scope },
                ..request_terms()
            },
            MedchainError::InvalidCategories,
        ),
        (
            RequestTerms {
                scope: Scope { categories: u32::MAX, ..request_terms().scope },
                ..request_terms()
            },
            MedchainError::InvalidCategories,
        ),
        (
            RequestTerms {
                scope: Scope { purposes: 0, ..request_terms().scope },
                ..request_terms()
            },
            MedchainError::InvalidPurposes,
        ),
        (
            RequestTerms {
                scope: Scope { actions: 0x80, ..request_terms().scope },
                ..request_terms()
            },
            MedchainError::InvalidActions,
        ),
        (RequestTerms { duration_secs: 0, ..request_terms() }, MedchainError::InvalidDuration),
        (RequestTerms { duration_secs: -5, ..request_terms() }, MedchainError::InvalidDuration),
    ];
    for (nonce, (terms, expected)) in cases.into_iter().enumerate() {
        let result = h.request(&provider, &patient, nonce as u64, terms).await;
        assert_medchain_error(result, expected);
    }
}

#[tokio::test]
async fn attack_reuse_a_request_nonce() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 9, request_terms()).await.expect("first");
    let result = h.request(&provider, &patient, 9, request_terms()).await;
    assert_medchain_error(result, MedchainError::AccountAlreadyExists);
}

#[tokio::test]
async fn patient_approves_a_request_and_a_consent_appears() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    approve(&mut h, &patient, &provider, 1, request_terms()).await.expect("approve");
    let request: AccessRequest = h.account(&request_address(&provider, &patient, 1)).await;
    assert_eq!(request.status, RequestStatus::Approved);
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    let now = h.now().await;
    assert_eq!(consent.status, ConsentStatus::Active);
    assert_eq!(consent.version, 1);
    assert_eq!(consent.scope.categories, request_terms().scope.categories);
    assert_eq!(consent.scope.actions, request_terms().scope.actions);
    assert_eq!(consent.expires_at, now + request_terms().duration_secs);
    assert_eq!(consent.rent_payer, h.ctx.payer.pubkey());
    assert!(h.read_imaging(&provider, &patient).await.allowed);
}

#[tokio::test]
async fn patient_narrows_a_request_on_approval() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let narrower = RequestTerms {
        scope: Scope {
            categories: categories::IMAGING,
            actions: actions::READ,
            ..request_terms().scope
        },
        duration_secs: 3_600,
    };
    approve(&mut h, &patient, &provider, 1, narrower).await.expect("approve");
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.scope.categories, categories::IMAGING);
    assert_eq!(consent.scope.actions, actions::READ);
    let labs = h
        .record(&provider, &patient, categories::OBSERVATIONS, purposes::TREAT, actions::READ)
        .await
        .expect("recorded");
    assert!(!labs.allowed, "narrowed away");
}

#[tokio::test]
async fn attack_widen_a_request_on_approval() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let wider = [
        RequestTerms {
            scope: Scope {
                categories: request_terms().scope.categories | categories::MENTAL_HEALTH,
                ..request_terms().scope
            },
            ..request_terms()
        },
        RequestTerms {
            scope: Scope { purposes: purposes::TREAT | purposes::HRESCH, ..request_terms().scope },
            ..request_terms()
        },
        RequestTerms {
            scope: Scope { actions: actions::VALID, ..request_terms().scope },
            ..request_terms()
        },
        RequestTerms { duration_secs: request_terms().duration_secs + 1, ..request_terms() },
    ];
    for terms in wider {
        assert_medchain_error(
            approve(&mut h, &patient, &provider, 1, terms).await,
            MedchainError::ApprovalWidensRequest,
        );
    }
    assert!(!h.exists(&Harness::consent_address(&patient, &provider)).await);
}

#[tokio::test]
async fn attack_approve_someone_elses_request() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let other = h.patient().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    // The other patient signs for their own Patient account but names the victim's request.
    let payer = h.ctx.payer.pubkey();
    let forged = substitute(
        ix::approve_request(&other.pubkey(), &payer, &provider.pubkey(), 1, request_terms()),
        &pda::request(&pda::patient(&other.pubkey()), &pda::provider(&provider.pubkey()), 1),
        &request_address(&provider, &patient, 1),
    );
    let result = h.send(&[forged], &[&other]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_approve_with_the_patient_key_but_no_signature() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let payer = h.ctx.payer.pubkey();
    let forged = unsign(
        ix::approve_request(&patient.pubkey(), &payer, &provider.pubkey(), 1, request_terms()),
        &patient.pubkey(),
    );
    let result = h.send(&[forged], &[]).await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotSigner);
}

#[tokio::test]
async fn attack_approve_a_request_twice() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    approve(&mut h, &patient, &provider, 1, request_terms()).await.expect("approve");
    assert_medchain_error(
        approve(&mut h, &patient, &provider, 1, request_terms()).await,
        MedchainError::RequestNotPending,
    );
}

#[tokio::test]
async fn approval_of_a_second_request_updates_the_consent_and_bumps_its_version() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await;
    h.request(&provider, &patient, 2, request_terms()).await.expect("request");
    approve(&mut h, &patient, &provider, 2, request_terms()).await.expect("approve");
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.version, 2);
    assert_eq!(consent.scope.actions, actions::READ | actions::WRITE);
}

#[tokio::test]
async fn approval_refused_while_paused_and_for_a_suspended_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let admin = h.admin.insecure_clone();
    h.send(&[ix::pause(&admin.pubkey())], &[&admin]).await.expect("pause");
    assert_medchain_error(
        approve(&mut h, &patient, &provider, 1, request_terms()).await,
        MedchainError::RegistryPaused,
    );
    h.send(&[ix::unpause(&admin.pubkey())], &[&admin]).await.expect("unpause");
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    assert_medchain_error(
        approve(&mut h, &patient, &provider, 1, request_terms()).await,
        MedchainError::ProviderNotActive,
    );
}

#[tokio::test]
async fn patient_denies_and_provider_closes_for_its_rent() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let address = request_address(&provider, &patient, 1);
    assert_medchain_error(
        h.send(&[ix::close_request(&provider.pubkey(), &address)], &[&provider]).await,
        MedchainError::RequestStillPending,
    );
    h.send(&[ix::deny_request(&patient.pubkey(), &provider.pubkey(), 1)], &[&patient])
        .await
        .expect("deny");
    assert_eq!(h.account::<AccessRequest>(&address).await.status, RequestStatus::Denied);
    assert_medchain_error(
        approve(&mut h, &patient, &provider, 1, request_terms()).await,
        MedchainError::RequestNotPending,
    );
    let before = h.lamports(&provider.pubkey()).await;
    let rent = h.lamports(&address).await;
    h.send(&[ix::close_request(&provider.pubkey(), &address)], &[&provider]).await.expect("close");
    assert!(!h.exists(&address).await);
    assert_eq!(h.lamports(&provider.pubkey()).await, before + rent);
}

#[tokio::test]
async fn attack_deny_someone_elses_request() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let other = h.patient().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let forged = substitute(
        ix::deny_request(&other.pubkey(), &provider.pubkey(), 1),
        &pda::request(&pda::patient(&other.pubkey()), &pda::provider(&provider.pubkey()), 1),
        &request_address(&provider, &patient, 1),
    );
    assert_anchor_error(h.send(&[forged], &[&other]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_close_a_request_by_someone_who_did_not_pay() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    h.send(&[ix::cancel_request(&provider.pubkey(), &patient.pubkey(), 1)], &[&provider])
        .await
        .expect("cancel");
    let thief = h.funded_keypair(SOL).await;
    let address = request_address(&provider, &patient, 1);
    let result = h.send(&[ix::close_request(&thief.pubkey(), &address)], &[&thief]).await;
    assert_anchor_error(result, AnchorErrorCode::ConstraintHasOne);
}

#[tokio::test]
async fn provider_cancels_its_request() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    h.send(&[ix::cancel_request(&provider.pubkey(), &patient.pubkey(), 1)], &[&provider])
        .await
        .expect("cancel");
    let address = request_address(&provider, &patient, 1);
    assert_eq!(h.account::<AccessRequest>(&address).await.status, RequestStatus::Cancelled);
    assert_medchain_error(
        h.send(&[ix::cancel_request(&provider.pubkey(), &patient.pubkey(), 1)], &[&provider]).await,
        MedchainError::RequestNotPending,
    );
}

#[tokio::test]
async fn attack_cancel_another_providers_request() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let other = h.provider(&issuer).await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    let forged = substitute(
        ix::cancel_request(&other.pubkey(), &patient.pubkey(), 1),
        &pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&other.pubkey()), 1),
        &request_address(&provider, &patient, 1),
    );
    assert_anchor_error(h.send(&[forged], &[&other]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn attack_use_a_request_after_it_was_closed() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.request(&provider, &patient, 1, request_terms()).await.expect("request");
    h.send(&[ix::cancel_request(&provider.pubkey(), &patient.pubkey(), 1)], &[&provider])
        .await
        .expect("cancel");
    let address = request_address(&provider, &patient, 1);
    h.send(&[ix::close_request(&provider.pubkey(), &address)], &[&provider]).await.expect("close");
    assert_anchor_error(
        approve(&mut h, &patient, &provider, 1, request_terms()).await,
        AnchorErrorCode::AccountNotInitialized,
    );
}

#[tokio::test]
async fn attack_prefunding_a_patient_address_does_not_block_registration() {
    let mut h = Harness::new().await;
    let patient = Keypair::new();
    let address = pda::patient(&patient.pubkey());
    h.fund(&address, 1_000_000).await;
    let payer = h.ctx.payer.pubkey();
    h.send(&[ix::register_patient(&patient.pubkey(), &payer)], &[&patient])
        .await
        .expect("registration succeeds despite the griefing deposit");
    let account: Patient = h.account(&address).await;
    assert_eq!(account.authority, patient.pubkey());
    assert_eq!(h.raw(&address).await.expect("exists").owner, medchain::ID);
}
