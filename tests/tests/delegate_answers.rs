//! Delegates answering requests: a guardian with the `answer` permission approves (narrowed
//! to its own scope and mandate) or denies a provider's request for the patient; and the
//! patient's published encryption key. Every refusal asserts its exact error code.

use medchain::state::{
    delegate_permissions as perms, AccessRequest, Consent, ConsentTerms, Delegate, PatientKey,
    RequestStatus, RequestTerms, Scope,
};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

/// The story's people: a provider who asks, a patient, and the patient's guardian, who may
/// answer within imaging + labs, for treatment, read only, for two days.
struct Family {
    provider: Keypair,
    patient: Keypair,
    guardian: Keypair,
}

/// The guardian's scope: imaging and labs, treatment, read, for two days from now.
fn mandate(now: i64) -> ConsentTerms {
    terms(now + 2 * 86_400)
}

impl Family {
    /// A patient whose guardian holds `permissions`, and a provider.
    async fn new(h: &mut Harness, permissions: u8) -> Self {
        let (_, provider, patient) = h.cast().await;
        let guardian = Keypair::new();
        let now = h.now().await;
        let payer = h.ctx.payer.pubkey();
        h.send(
            &[ix::add_delegate(
                &patient.pubkey(),
                &payer,
                &guardian.pubkey(),
                permissions,
                mandate(now),
            )],
            &[&patient],
        )
        .await
        .expect("add_delegate");
        Self { provider, patient, guardian }
    }

    /// The provider asks for `t` under `nonce`.
    async fn ask(&self, h: &mut Harness, nonce: u64, t: RequestTerms) {
        h.request(&self.provider, &self.patient, nonce, t).await.expect("request_access");
    }

    /// `who` approves request `nonce` for the patient with `approved`.
    async fn approve_as(
        &self,
        h: &mut Harness,
        who: &Keypair,
        nonce: u64,
        approved: RequestTerms,
    ) -> TxResult {
        let payer = h.ctx.payer.pubkey();
        h.send(
            &[ix::delegate_approve_request(
                &who.pubkey(),
                &payer,
                &self.patient.pubkey(),
                &self.provider.pubkey(),
                nonce,
                approved,
            )],
            &[who],
        )
        .await
    }

    /// The guardian approves request `nonce` with `approved`.
    async fn approve(&self, h: &mut Harness, nonce: u64, approved: RequestTerms) -> TxResult {
        self.approve_as(h, &self.guardian, nonce, approved).await
    }

    /// `who` denies request `nonce` for the patient.
    async fn deny_as(&self, h: &mut Harness, who: &Keypair, nonce: u64) -> TxResult {
        h.send(
            &[ix::delegate_deny_request(
                &who.pubkey(),
                &self.patient.pubkey(),
                &self.provider.pubkey(),
                nonce,
            )],
            &[who],
        )
        .await
    }

    fn request_address(&self, nonce: u64) -> anchor_lang::prelude::Pubkey {
        pda::request(
            &pda::patient(&self.patient.pubkey()),
            &pda::provider(&self.provider.pubkey()),
            nonce,
        )
    }

    async fn request_status(&self, h: &mut Harness, nonce: u64) -> RequestStatus {
        h.account::<AccessRequest>(&self.request_address(nonce)).await.status
    }

    async fn delegate(&self, h: &mut Harness) -> Delegate {
        h.account(&pda::delegate(&pda::patient(&self.patient.pubkey()), &self.guardian.pubkey()))
            .await
    }
}

/// Imaging, labs and genetics for treatment and research, read: more than the guardian holds.
fn wide_request() -> RequestTerms {
    RequestTerms::new(
        Scope::new(
            categories::IMAGING | categories::OBSERVATIONS | categories::GENETICS,
            purposes::TREAT | purposes::HRESCH,
            actions::READ,
        ),
        30 * 86_400,
    )
}

#[tokio::test]
async fn a_guardian_approves_a_request_narrowed_to_its_mandate_and_denies_another() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    f.ask(&mut h, 1, wide_request()).await;
    f.ask(&mut h, 2, request_terms()).await;
    let delegate = f.delegate(&mut h).await;
    let narrowed = delegate.narrow_request(&wide_request()).expect("the mandate covers some");
    assert_eq!(narrowed.scope, delegate.scope, "cut to the guardian's own scope");

    f.approve(&mut h, 1, narrowed).await.expect("the guardian approves");
    f.deny_as(&mut h, &f.guardian, 2).await.expect("the guardian denies the other");

    let consent: Consent = h.account(&Harness::consent_address(&f.patient, &f.provider)).await;
    assert_eq!(consent.grantor, delegate.index, "the consent names the guardian as grantor");
    assert_eq!(consent.scope, delegate.scope);
    assert_eq!(
        consent.expires_at, delegate.expires_at,
        "30 days were asked; the consent ends with the guardian's two-day mandate"
    );
    assert_eq!(f.request_status(&mut h, 1).await, RequestStatus::Approved);
    assert_eq!(f.request_status(&mut h, 2).await, RequestStatus::Denied);
    assert!(h.read_imaging(&f.provider, &f.patient).await.allowed);
    let genetics = h
        .record(&f.provider, &f.patient, categories::GENETICS, purposes::TREAT, actions::READ)
        .await
        .expect("record_access");
    assert!(!genetics.allowed, "what the guardian cut stays denied");
}

#[tokio::test]
async fn a_guardian_approval_shorter_than_the_mandate_keeps_its_duration() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    let asked =
        RequestTerms::new(Scope::new(categories::IMAGING, purposes::TREAT, actions::READ), 3_600);
    f.ask(&mut h, 1, asked).await;
    let now = h.now().await;
    f.approve(&mut h, 1, asked).await.expect("approve");
    let consent: Consent = h.account(&Harness::consent_address(&f.patient, &f.provider)).await;
    assert_eq!(consent.expires_at, now + 3_600);
}

#[tokio::test]
async fn attack_guardian_approves_beyond_its_scope() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    f.ask(&mut h, 1, wide_request()).await;
    let within = f.delegate(&mut h).await.scope;
    let beyond = [
        Scope { categories: within.categories | categories::GENETICS, ..within },
        Scope { purposes: purposes::TREAT | purposes::HRESCH, ..within },
    ];
    for scope in beyond {
        assert_medchain_error(
            f.approve(&mut h, 1, RequestTerms::new(scope, 86_400)).await,
            MedchainError::DelegateScopeExceeded,
        );
    }
    // Within a request for read and write, but the guardian holds read only.
    f.ask(&mut h, 2, request_terms()).await;
    assert_medchain_error(
        f.approve(&mut h, 2, request_terms()).await,
        MedchainError::DelegateScopeExceeded,
    );
    assert!(!h.exists(&Harness::consent_address(&f.patient, &f.provider)).await);
    assert_eq!(f.request_status(&mut h, 1).await, RequestStatus::Pending);
}

#[tokio::test]
async fn attack_guardian_widens_the_request() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    let asked =
        RequestTerms::new(Scope::new(categories::IMAGING, purposes::TREAT, actions::READ), 3_600);
    f.ask(&mut h, 1, asked).await;
    let wider = [
        RequestTerms::new(
            Scope::new(
                categories::IMAGING | categories::OBSERVATIONS,
                purposes::TREAT,
                actions::READ,
            ),
            3_600,
        ),
        RequestTerms { duration_secs: 7_200, ..asked },
    ];
    for approved in wider {
        assert_medchain_error(
            f.approve(&mut h, 1, approved).await,
            MedchainError::ApprovalWidensRequest,
        );
    }
}

#[tokio::test]
async fn attack_delegate_without_the_answer_permission() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::GRANT | perms::REVOKE).await;
    f.ask(&mut h, 1, request_terms()).await;
    let narrowed = f.delegate(&mut h).await.narrow_request(&request_terms()).expect("overlap");
    assert_medchain_error(
        f.approve(&mut h, 1, narrowed).await,
        MedchainError::DelegateNotPermitted,
    );
    assert_medchain_error(
        f.deny_as(&mut h, &f.guardian, 1).await,
        MedchainError::DelegateNotPermitted,
    );
    assert_eq!(f.request_status(&mut h, 1).await, RequestStatus::Pending);
}

#[tokio::test]
async fn attack_guardian_answers_after_its_mandate_ended() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    let asked = RequestTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        10 * 86_400,
    );
    f.ask(&mut h, 1, asked).await;
    h.advance(2 * 86_400).await;
    assert_medchain_error(f.approve(&mut h, 1, asked).await, MedchainError::DelegateExpired);
    assert_medchain_error(f.deny_as(&mut h, &f.guardian, 1).await, MedchainError::DelegateExpired);
    assert_eq!(f.request_status(&mut h, 1).await, RequestStatus::Pending);
}

#[tokio::test]
async fn attack_another_patients_guardian_answers() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    f.ask(&mut h, 1, request_terms()).await;
    let other = h.patient().await;
    let payer = h.ctx.payer.pubkey();
    let stranger = Keypair::new();
    let now = h.now().await;
    h.send(
        &[ix::add_delegate(
            &other.pubkey(),
            &payer,
            &stranger.pubkey(),
            perms::VALID,
            mandate(now),
        )],
        &[&other],
    )
    .await
    .expect("the other patient's guardian");
    let asked =
        RequestTerms::new(Scope::new(categories::IMAGING, purposes::TREAT, actions::READ), 3_600);
    // No Delegate of this patient exists for the stranger's wallet.
    assert_anchor_error(
        f.approve_as(&mut h, &stranger, 1, asked).await,
        AnchorErrorCode::AccountNotInitialized,
    );
    assert_anchor_error(
        f.deny_as(&mut h, &stranger, 1).await,
        AnchorErrorCode::AccountNotInitialized,
    );
    // Its real Delegate account (of the other patient) put in place: the seeds do not match.
    let theirs = pda::delegate(&pda::patient(&other.pubkey()), &stranger.pubkey());
    let ours = pda::delegate(&pda::patient(&f.patient.pubkey()), &stranger.pubkey());
    let forged = substitute(
        ix::delegate_deny_request(&stranger.pubkey(), &f.patient.pubkey(), &f.provider.pubkey(), 1),
        &ours,
        &theirs,
    );
    assert_anchor_error(h.send(&[forged], &[&stranger]).await, AnchorErrorCode::ConstraintSeeds);
    assert_eq!(f.request_status(&mut h, 1).await, RequestStatus::Pending);
}

#[tokio::test]
async fn attack_removed_guardian_answers() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    f.ask(&mut h, 1, request_terms()).await;
    let payer = h.ctx.payer.pubkey();
    h.send(
        &[ix::remove_delegate(&f.patient.pubkey(), &f.guardian.pubkey(), &payer)],
        &[&f.patient],
    )
    .await
    .expect("remove_delegate");
    let asked =
        RequestTerms::new(Scope::new(categories::IMAGING, purposes::TREAT, actions::READ), 3_600);
    assert_anchor_error(f.approve(&mut h, 1, asked).await, AnchorErrorCode::AccountNotInitialized);
    assert_anchor_error(
        f.deny_as(&mut h, &f.guardian, 1).await,
        AnchorErrorCode::AccountNotInitialized,
    );
}

#[tokio::test]
async fn attack_impersonate_the_guardian() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    f.ask(&mut h, 1, request_terms()).await;
    let intruder = Keypair::new();
    // The guardian's Delegate account, signed by someone else.
    let mut forged = ix::delegate_deny_request(
        &f.guardian.pubkey(),
        &f.patient.pubkey(),
        &f.provider.pubkey(),
        1,
    );
    forged.accounts[0].pubkey = intruder.pubkey();
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
    // The guardian's own instruction without its signature.
    let unsigned = unsign(
        ix::delegate_deny_request(
            &f.guardian.pubkey(),
            &f.patient.pubkey(),
            &f.provider.pubkey(),
            1,
        ),
        &f.guardian.pubkey(),
    );
    assert_anchor_error(h.send(&[unsigned], &[]).await, AnchorErrorCode::AccountNotSigner);
    assert_eq!(f.request_status(&mut h, 1).await, RequestStatus::Pending);
}

#[tokio::test]
async fn a_guardian_cannot_answer_twice_or_approve_while_paused() {
    let mut h = Harness::new().await;
    let f = Family::new(&mut h, perms::ANSWER).await;
    let asked =
        RequestTerms::new(Scope::new(categories::IMAGING, purposes::TREAT, actions::READ), 3_600);
    f.ask(&mut h, 1, asked).await;
    f.ask(&mut h, 2, asked).await;
    let admin = h.admin.insecure_clone();
    h.send(&[ix::pause(&admin.pubkey())], &[&admin]).await.expect("pause");
    assert_medchain_error(f.approve(&mut h, 1, asked).await, MedchainError::RegistryPaused);
    f.deny_as(&mut h, &f.guardian, 1).await.expect("a denial is allowed while paused");
    h.send(&[ix::unpause(&admin.pubkey())], &[&admin]).await.expect("unpause");
    assert_medchain_error(f.approve(&mut h, 1, asked).await, MedchainError::RequestNotPending);
    assert_medchain_error(
        f.deny_as(&mut h, &f.guardian, 1).await,
        MedchainError::RequestNotPending,
    );
    f.approve(&mut h, 2, asked).await.expect("the other request");
}

// ----- the patient's published encryption key ------------------------------------------

fn set_key(
    patient: &Keypair,
    payer: &Keypair,
    key: [u8; 32],
) -> solana_sdk::instruction::Instruction {
    ix::set_patient_encryption_key(&patient.pubkey(), &payer.pubkey(), key)
}

#[tokio::test]
async fn a_patient_publishes_and_replaces_an_encryption_key() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let payer = h.ctx.payer.insecure_clone();
    let address = pda::patient_key(&pda::patient(&patient.pubkey()));
    h.send(&[set_key(&patient, &payer, [7; 32])], &[&patient]).await.expect("publish");
    let first: PatientKey = h.account(&address).await;
    assert_eq!(first.encryption_key, [7; 32]);
    assert_eq!(first.version, 1);
    assert_eq!(first.patient, pda::patient(&patient.pubkey()));
    assert_eq!(first.rent_payer, payer.pubkey());
    let rent = h.lamports(&address).await;
    h.send(&[set_key(&patient, &payer, [8; 32])], &[&patient]).await.expect("replace");
    let second: PatientKey = h.account(&address).await;
    assert_eq!(second.encryption_key, [8; 32]);
    assert_eq!(second.version, 2, "replaced in place, its history kept");
    assert_eq!(h.lamports(&address).await, rent, "no second rent");
}

#[tokio::test]
async fn attack_publish_a_zero_key_or_for_another_patient() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let payer = h.ctx.payer.insecure_clone();
    assert_medchain_error(
        h.send(&[set_key(&patient, &payer, [0; 32])], &[&patient]).await,
        MedchainError::InvalidEncryptionKey,
    );
    // Someone signs with the patient's accounts named: the Patient PDA is not theirs.
    let intruder = h.patient().await;
    let mut forged = set_key(&patient, &payer, [9; 32]);
    forged.accounts[0].pubkey = intruder.pubkey();
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
    // The intruder's own PatientKey address given for the patient's.
    let theirs = pda::patient_key(&pda::patient(&intruder.pubkey()));
    let ours = pda::patient_key(&pda::patient(&patient.pubkey()));
    let forged = substitute(set_key(&patient, &payer, [9; 32]), &ours, &theirs);
    assert_anchor_error(h.send(&[forged], &[&patient]).await, AnchorErrorCode::ConstraintSeeds);
    assert!(!h.exists(&ours).await);
}

#[tokio::test]
async fn attack_a_foreign_account_at_the_patient_key_address() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let payer = h.ctx.payer.insecure_clone();
    let address = pda::patient_key(&pda::patient(&patient.pubkey()));
    // A program-owned account at the address that is not a PatientKey (a Delegate's bytes).
    let mut data = vec![0u8; PatientKey::SIZE];
    data[..8].copy_from_slice(<Delegate as anchor_lang::Discriminator>::DISCRIMINATOR);
    h.ctx.set_account(
        &address,
        &solana_sdk::account::Account {
            lamports: 10_000_000,
            data,
            owner: medchain::ID,
            executable: false,
            rent_epoch: 0,
        }
        .into(),
    );
    assert_medchain_error(
        h.send(&[set_key(&patient, &payer, [9; 32])], &[&patient]).await,
        MedchainError::InvalidPatientKeyAccount,
    );
}
