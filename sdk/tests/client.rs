//! Every instruction through [`Medchain`]: the client methods the conformance scenarios do
//! not exercise, on the embedded ledger, each checked against the account it changes.

#![cfg(feature = "embedded")]

use medchain_sdk::client::{
    AmendRecordArgs, AnchorRecordArgs, PatientRecordArgs, RecordAccessArgs,
};
use medchain_sdk::instructions::NewVersion;
use medchain_sdk::state::{
    delegate_permissions, AccessReason, AccessRequest, ConsentStatus, ConsentTerms, Delegate,
    EmergencyAccess, Issuer, ProviderKind, Record, RecordStatus, Registry, RequestStatus, Scope,
};
use medchain_sdk::vocabulary::{actions, categories, purposes};
use medchain_sdk::{pda, Backend, EmbeddedBackend, Medchain, SdkError};
use solana_sdk::signature::{Keypair, Signer};

struct World {
    _dir: tempfile::TempDir,
    chain: Medchain<EmbeddedBackend>,
    admin: Keypair,
    issuer: Keypair,
    doctor: Keypair,
    patient: Keypair,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Medchain::new(EmbeddedBackend::open(dir.path()).expect("open"));
    let [admin, issuer, doctor, patient] = [(); 4].map(|_| Keypair::new());
    chain.fund(&[&admin, &issuer, &doctor, &patient]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("initialize");
    chain.add_issuer(&admin, &issuer.pubkey(), true).await.expect("add issuer");
    chain
        .register_provider(&issuer, &doctor, [1; 32], ProviderKind::Physician)
        .await
        .expect("provider");
    chain.register_patient(&patient, &doctor).await.expect("patient");
    World { _dir: dir, chain, admin, issuer, doctor, patient }
}

fn terms(now: i64, actions: u8) -> ConsentTerms {
    ConsentTerms {
        scope: Scope::new(categories::OBSERVATIONS, purposes::TREAT, actions),
        expires_at: now + 86_400,
    }
}

#[tokio::test]
async fn chain_id_of_the_embedded_ledger() {
    let w = world().await;
    let id = w.chain.backend().chain_id().await.expect("chain id");
    assert_eq!(id, medchain_sdk::actions::spec::EMBEDDED_CHAIN_ID);
}

#[tokio::test]
async fn administration() {
    let w = world().await;
    let (chain, next_admin) = (&w.chain, Keypair::new());
    chain.fund(&[&next_admin]).await.expect("fund");
    chain.propose_admin(&w.admin, &next_admin.pubkey()).await.expect("propose");
    chain.accept_admin(&next_admin).await.expect("accept");
    let registry: Registry =
        chain.must_fetch(&pda::registry(), "Registry").await.expect("registry");
    assert_eq!(registry.admin, next_admin.pubkey());
    chain.pause(&next_admin).await.expect("pause");
    chain.unpause(&next_admin).await.expect("unpause");
    chain.set_issuer_break_glass(&next_admin, &w.issuer.pubkey(), false).await.expect("policy");
    let issuer: Issuer =
        chain.must_fetch(&pda::issuer(&w.issuer.pubkey()), "Issuer").await.expect("issuer");
    assert!(!issuer.allows_break_glass);
    let idle = Keypair::new().pubkey();
    chain.add_issuer(&next_admin, &idle, false).await.expect("add idle issuer");
    chain.remove_issuer(&next_admin, &idle).await.expect("remove");
    let again = chain.remove_issuer(&next_admin, &idle).await;
    assert!(matches!(again, Err(SdkError::AccountNotFound { what: "Issuer", .. })), "{again:?}");
    chain.suspend_provider(&w.issuer, &w.doctor.pubkey()).await.expect("suspend");
    chain.reinstate_provider(&w.issuer, &w.doctor.pubkey()).await.expect("reinstate");
}

#[tokio::test]
async fn requests_and_consents() {
    let w = world().await;
    let (chain, me, dr) = (&w.chain, w.patient.pubkey(), w.doctor.pubkey());
    let request_terms = medchain_sdk::state::RequestTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        3_600,
    );
    chain.request_access(&w.doctor, &me, 1, request_terms).await.expect("request 1");
    chain.request_access(&w.doctor, &me, 2, request_terms).await.expect("request 2");
    chain.deny_request(&w.patient, &dr, 1).await.expect("deny");
    chain.cancel_request(&w.doctor, &me, 2).await.expect("cancel");
    let request_2 = pda::request(&pda::patient(&me), &pda::provider(&dr), 2);
    let cancelled: AccessRequest =
        chain.must_fetch(&request_2, "AccessRequest").await.expect("request");
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    chain.close_request(&w.doctor, &request_2).await.expect("close request");
    assert!(chain.backend().account(&request_2).await.expect("read").is_none());

    let now = chain.backend().unix_time().await.expect("time");
    chain
        .grant_consent(&w.patient, &w.doctor, &dr, terms(now, actions::READ))
        .await
        .expect("grant");
    chain
        .update_consent(&w.patient, &dr, terms(now, actions::READ | actions::WRITE))
        .await
        .expect("update");
    let consent = chain.consent(&me, &dr).await.expect("read").expect("consent");
    assert_eq!(consent.scope.actions, actions::READ | actions::WRITE);
    chain.revoke_consent(&w.patient, &w.patient, &dr).await.expect("revoke");
    assert_eq!(
        chain.consent(&me, &dr).await.expect("read").expect("consent").status,
        ConsentStatus::Revoked
    );
    chain.close_consent(&w.patient, &me, &dr).await.expect("close consent");
    assert!(chain.consent(&me, &dr).await.expect("read").is_none());
    let again = chain.close_consent(&w.patient, &me, &dr).await;
    assert!(matches!(again, Err(SdkError::AccountNotFound { what: "Consent", .. })), "{again:?}");
}

#[tokio::test]
async fn records() {
    let w = world().await;
    let (chain, me, dr) = (&w.chain, w.patient.pubkey(), w.doctor.pubkey());
    let now = chain.backend().unix_time().await.expect("time");
    chain
        .grant_consent(&w.patient, &w.doctor, &dr, terms(now, actions::READ | actions::WRITE))
        .await
        .expect("grant");
    let first = AnchorRecordArgs {
        record_id: [1; 32],
        content_hash: [2; 32],
        category: categories::OBSERVATIONS,
        purpose: purposes::TREAT,
    };
    chain.anchor_record(&w.doctor, &me, first).await.expect("anchor");
    let amend = AmendRecordArgs {
        previous_record_id: [1; 32],
        new_version: NewVersion { record_id: [3; 32], content_hash: [4; 32] },
        purpose: purposes::TREAT,
    };
    chain.amend_record(&w.doctor, &me, true, amend).await.expect("amend");
    let patient_pda = pda::patient(&me);
    let second = pda::record(&patient_pda, &[3; 32]);
    let record: Record = chain.must_fetch(&second, "Record").await.expect("record");
    assert_eq!((record.version, record.content_hash), (2, [4; 32]));
    chain.mark_entered_in_error(&w.doctor, &pda::provider(&dr), &second).await.expect("withdraw");
    let record: Record = chain.must_fetch(&second, "Record").await.expect("record");
    assert_eq!(record.status, RecordStatus::EnteredInError);
    let own = PatientRecordArgs {
        record_id: [5; 32],
        content_hash: [6; 32],
        category: categories::OBSERVATIONS,
    };
    chain.anchor_own_record(&w.patient, &w.doctor, own).await.expect("own record");
    let own_record = pda::record(&patient_pda, &[5; 32]);
    chain.mark_entered_in_error(&w.patient, &patient_pda, &own_record).await.expect("withdraw own");
}

/// A guardian answers two requests for the patient: approves one (the SDK's mandate cuts it to
/// the guardian's scope and mandate) and denies the other. The consent names the guardian as
/// grantor, and the patient's audit trail shows the guardian's wallet as the actor of both
/// answers, with the `DelegateAnsweredRequest` events.
#[tokio::test]
async fn a_guardian_answers_requests_for_the_patient() {
    let w = world().await;
    let (chain, me, dr) = (&w.chain, w.patient.pubkey(), w.doctor.pubkey());
    let guardian = Keypair::new();
    chain.fund(&[&guardian]).await.expect("fund");
    let now = chain.backend().unix_time().await.expect("time");
    let can = delegate_permissions::ANSWER;
    chain
        .add_delegate(&w.patient, &w.doctor, &guardian.pubkey(), can, terms(now, actions::READ))
        .await
        .expect("add delegate");
    let asked = medchain_sdk::state::RequestTerms::new(
        Scope::new(
            categories::OBSERVATIONS | categories::IMAGING,
            purposes::TREAT,
            actions::READ | actions::WRITE,
        ),
        30 * 86_400,
    );
    chain.request_access(&w.doctor, &me, 1, asked).await.expect("request 1");
    chain.request_access(&w.doctor, &me, 2, asked).await.expect("request 2");

    let mandate =
        chain.mandate(&pda::patient(&me), &guardian.pubkey()).await.expect("read").expect("some");
    assert_eq!(mandate.patient_wallet, me);
    let approval = mandate.approval(&asked, now).expect("within the mandate");
    assert!(approval.narrowed);
    assert_eq!(
        approval.terms.scope,
        Scope::new(categories::OBSERVATIONS, purposes::TREAT, actions::READ)
    );
    chain
        .delegate_approve_request(&guardian, &w.doctor, &me, &dr, 1, approval.terms)
        .await
        .expect("approve");
    chain.delegate_deny_request(&guardian, &me, &dr, 2).await.expect("deny");

    let consent = chain.consent(&me, &dr).await.expect("read").expect("consent");
    assert_eq!(consent.grantor, mandate.delegate.index);
    assert_eq!(consent.expires_at, mandate.delegate.expires_at, "cut at the mandate's end");
    let status = |nonce| {
        let address = pda::request(&pda::patient(&me), &pda::provider(&dr), nonce);
        async move {
            chain.must_fetch::<AccessRequest>(&address, "AccessRequest").await.expect("req").status
        }
    };
    assert_eq!(status(1).await, RequestStatus::Approved);
    assert_eq!(status(2).await, RequestStatus::Denied);

    let trail = chain.audit_trail(&me, 20).await.expect("audit");
    for (instruction, status) in [("delegate_approve_request", 1), ("delegate_deny_request", 2)] {
        let entry = trail.iter().find(|e| e.instruction == instruction).expect(instruction);
        assert_eq!(entry.actor, guardian.pubkey().to_string(), "{instruction}: who answered");
        let answered = entry
            .events
            .iter()
            .find(|e| e.name == "DelegateAnsweredRequest")
            .expect("the answer's event");
        assert_eq!(answered.fields["answered_by"], mandate.delegate.index);
        assert_eq!(answered.fields["new_status"], status);
    }

    // A wallet that is no delegate of the patient holds no mandate.
    let stranger = Keypair::new();
    assert!(chain.mandate(&pda::patient(&me), &stranger.pubkey()).await.expect("read").is_none());
    assert!(chain.mandates_held_by(&stranger.pubkey()).await.expect("read").is_empty());

    // The guardian's wallet finds the patient it acts for; a second patient naming the same
    // guardian appears too, and the patient's own delegate is not listed as the patient's.
    let other = Keypair::new();
    chain.fund(&[&other]).await.expect("fund");
    chain.register_patient(&other, &other).await.expect("register");
    chain
        .add_delegate(&other, &other, &guardian.pubkey(), can, terms(now, actions::READ))
        .await
        .expect("add delegate");
    let held = chain.mandates_held_by(&guardian.pubkey()).await.expect("read");
    let mut expected = vec![me, other.pubkey()];
    expected.sort();
    assert_eq!(held.iter().map(|m| m.patient_wallet).collect::<Vec<_>>(), expected);
    assert!(held.iter().all(|m| m.delegate.authority == guardian.pubkey()));
    assert!(chain.mandates_held_by(&me).await.expect("read").is_empty());
}

#[tokio::test]
async fn delegates_and_break_glass() {
    let w = world().await;
    let (chain, me, dr) = (&w.chain, w.patient.pubkey(), w.doctor.pubkey());
    let guardian = Keypair::new();
    chain.fund(&[&guardian]).await.expect("fund");
    let now = chain.backend().unix_time().await.expect("time");
    let can = delegate_permissions::GRANT | delegate_permissions::REVOKE;
    chain
        .add_delegate(&w.patient, &w.doctor, &guardian.pubkey(), can, terms(now, actions::READ))
        .await
        .expect("add delegate");
    let address = pda::delegate(&pda::patient(&me), &guardian.pubkey());
    let delegate: Delegate = chain.must_fetch(&address, "Delegate").await.expect("delegate");
    assert_eq!(delegate.permissions, can);
    chain
        .delegate_grant_consent(&guardian, &guardian, &me, &dr, terms(now, actions::READ))
        .await
        .expect("delegate grant");
    chain.delegate_revoke_consent(&guardian, &me, &dr).await.expect("delegate revoke");
    chain.remove_delegate(&w.patient, &guardian.pubkey()).await.expect("remove delegate");
    let again = chain.remove_delegate(&w.patient, &guardian.pubkey()).await;
    assert!(matches!(again, Err(SdkError::AccountNotFound { what: "Delegate", .. })), "{again:?}");

    chain.set_break_glass_policy(&w.patient, true).await.expect("policy");
    chain
        .open_emergency_access(&w.doctor, &w.issuer.pubkey(), &me, 7, 3_600)
        .await
        .expect("break glass");
    let read = RecordAccessArgs {
        category: categories::IMAGING,
        purpose: purposes::ETREAT,
        action: actions::READ,
    };
    let decision = chain.record_access(&w.doctor, &me, read).await.expect("emergency read");
    assert_eq!(decision.reason, AccessReason::EmergencyAccess);
    chain.review_emergency_access(&w.patient, &dr, true).await.expect("review");
    let emergency: EmergencyAccess = chain
        .must_fetch(&pda::emergency(&pda::patient(&me), &pda::provider(&dr)), "EmergencyAccess")
        .await
        .expect("emergency");
    assert!(emergency.reviewed);
    chain.set_break_glass_policy(&w.patient, false).await.expect("forbid");
    let refused = chain.open_emergency_access(&w.doctor, &w.issuer.pubkey(), &me, 7, 3_600).await;
    assert!(matches!(refused, Err(SdkError::Program(_))), "{refused:?}");
}
