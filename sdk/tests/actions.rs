//! Solana Actions without HTTP, on the embedded ledger: a wallet-side flow through the SDK
//! (plan → transaction → fee payer signs → patient signs → `send_transaction`), the
//! transaction check against tampering (other program, other accounts, other signers, other
//! fee payer, data), and the backend's blockhash/externally-signed transaction support.

#![cfg(feature = "embedded")]

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::AccountMeta;
use base64::Engine as _;
use medchain::state::{ConsentStatus, ProviderKind, RequestStatus, RequestTerms, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::actions::proposal::GrantProposal;
use medchain_sdk::actions::verify::{check_transaction, TransactionMismatch};
use medchain_sdk::actions::{Action, ActionOptions, Actions, Narrowing};
use medchain_sdk::{pda, Backend, EmbeddedBackend, Medchain, SdkError};
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;

struct World {
    _dir: tempfile::TempDir,
    chain: Medchain<EmbeddedBackend>,
    clinic: Keypair,
    provider: Keypair,
    issuer: Keypair,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Medchain::embedded(dir.path()).expect("open");
    let (admin, issuer, provider, clinic) =
        (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    chain.fund(&[&admin, &issuer, &provider, &clinic]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("init");
    chain.add_issuer(&admin, &issuer.pubkey(), false).await.expect("issuer");
    chain
        .register_provider(&issuer, &provider, [7; 32], ProviderKind::Physician)
        .await
        .expect("provider");
    World { _dir: dir, chain, clinic, provider, issuer }
}

fn asked() -> RequestTerms {
    RequestTerms::new(
        Scope::new(
            categories::IMAGING | categories::OBSERVATIONS,
            purposes::TREAT,
            actions::READ | actions::WRITE,
        ),
        30 * 86_400,
    )
}

/// Acts as the wallet: decodes the base64 transaction, signs as `patient`, submits.
async fn wallet_signs(chain: &Medchain<EmbeddedBackend>, base64_tx: &str, patient: &Keypair) {
    let bytes = base64::engine::general_purpose::STANDARD.decode(base64_tx).expect("base64");
    let mut tx: Transaction = bincode::deserialize(&bytes).expect("transaction");
    assert!(!tx.is_signed(), "the patient's signature is still missing");
    let blockhash = tx.message.recent_blockhash;
    tx.try_partial_sign(&[patient], blockhash).expect("patient signs");
    chain.backend().send_transaction(&tx).await.expect("lands");
}

#[tokio::test]
async fn a_zero_lamport_wallet_approves_narrowed_and_the_clinic_pays() {
    let w = world().await;
    let patient = Keypair::new();
    w.chain.register_patient(&patient, &w.clinic).await.expect("register");
    w.chain.request_access(&w.provider, &patient.pubkey(), 1, asked()).await.expect("request");
    let request =
        pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()), 1);
    let options = ActionOptions { fee_payer: Some(w.clinic.pubkey()), ..ActionOptions::default() };
    let actions = Actions::new(&w.chain, &options);
    let narrowing = Narrowing::from_query("categories=imaging&actions=read&days=7").expect("parse");
    let action = Action::Approve { request, narrowing };

    let view = actions.describe(&action).await.expect("describe");
    assert!(view.description.starts_with("Grant the physician "), "{}", view.description);
    assert!(
        view.description.contains("read access to imaging for treatment, for 7 days"),
        "{}",
        view.description
    );
    assert!(view.description.contains("narrower than the request"), "{}", view.description);

    let plan = actions.plan(&action, &patient.pubkey()).await.expect("plan");
    assert_eq!(plan.expected.fee_payer, w.clinic.pubkey());
    let blockhash = w.chain.backend().latest_blockhash().await.expect("blockhash");
    let response = plan.to_post_response(blockhash, Some(&w.clinic)).expect("response");
    assert_eq!(w.chain.backend().balance(&patient.pubkey()).await.expect("balance"), 0);
    wallet_signs(&w.chain, &response.transaction, &patient).await;

    let consent = w
        .chain
        .consent(&patient.pubkey(), &w.provider.pubkey())
        .await
        .expect("read")
        .expect("consent");
    assert_eq!(consent.status, ConsentStatus::Active);
    assert_eq!(
        (consent.scope.categories, consent.scope.actions),
        (categories::IMAGING, actions::READ)
    );
    assert_eq!(consent.rent_payer, w.clinic.pubkey(), "the clinic paid the rent");
    assert_eq!(w.chain.backend().balance(&patient.pubkey()).await.expect("balance"), 0);
    let answered = actions.plan(&action, &patient.pubkey()).await.expect_err("answered");
    assert!(answered.to_string().contains("already answered"), "{answered}");
}

#[tokio::test]
async fn a_brand_new_wallet_grants_a_signed_proposal() {
    let w = world().await;
    let patient = Keypair::new();
    let now = w.chain.backend().unix_time().await.expect("time");
    let proposal = GrantProposal {
        provider: w.provider.pubkey(),
        terms: RequestTerms::new(
            Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
            86_400,
        ),
        valid_until: now + 3_600,
        patient: None,
    }
    .sign(&w.provider)
    .expect("sign");
    let options = ActionOptions { fee_payer: Some(w.clinic.pubkey()), ..ActionOptions::default() };
    let actions = Actions::new(&w.chain, &options);
    let plan = actions.plan(&Action::Grant { proposal }, &patient.pubkey()).await.expect("plan");
    assert_eq!(plan.expected.instructions.len(), 2, "register_patient first, then grant_consent");
    let blockhash = w.chain.backend().latest_blockhash().await.expect("blockhash");
    let response = plan.to_post_response(blockhash, Some(&w.clinic)).expect("response");
    wallet_signs(&w.chain, &response.transaction, &patient).await;
    assert!(w.chain.patient(&patient.pubkey()).await.expect("read").is_some());
    let consent = w
        .chain
        .consent(&patient.pubkey(), &w.provider.pubkey())
        .await
        .expect("read")
        .expect("consent");
    assert_eq!(consent.status, ConsentStatus::Active);
    assert_eq!(consent.expires_at - consent.granted_at, 86_400);
}

#[tokio::test]
async fn the_check_refuses_tampered_transactions() {
    let w = world().await;
    let patient = Keypair::new();
    w.chain.register_patient(&patient, &w.clinic).await.expect("register");
    w.chain.request_access(&w.provider, &patient.pubkey(), 1, asked()).await.expect("request");
    let request =
        pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()), 1);
    let options = ActionOptions { fee_payer: Some(w.clinic.pubkey()), ..ActionOptions::default() };
    let actions = Actions::new(&w.chain, &options);
    let plan = actions.plan(&Action::Deny { request }, &patient.pubkey()).await.expect("plan");
    let blockhash = w.chain.backend().latest_blockhash().await.expect("blockhash");
    let good = plan.transaction(blockhash);
    check_transaction(&good, &plan.expected).expect("the plan's own transaction passes");

    let rebuild =
        |edit: &dyn Fn(&mut Vec<anchor_lang::solana_program::instruction::Instruction>),
         payer: Pubkey| {
            let mut instructions = plan.expected.instructions.clone();
            edit(&mut instructions);
            Transaction::new_unsigned(solana_sdk::message::Message::new_with_blockhash(
                &instructions,
                Some(&payer),
                &blockhash,
            ))
        };
    let other_program = rebuild(&|ixs| ixs[0].program_id = Pubkey::new_unique(), w.clinic.pubkey());
    assert!(matches!(
        check_transaction(&other_program, &plan.expected),
        Err(TransactionMismatch::Program { .. })
    ));
    let other_patient =
        rebuild(&|ixs| ixs[0].accounts[0].pubkey = Pubkey::new_unique(), w.clinic.pubkey());
    assert!(matches!(
        check_transaction(&other_patient, &plan.expected),
        Err(TransactionMismatch::Accounts { .. })
    ));
    let extra_signer = rebuild(
        &|ixs| ixs[0].accounts.push(AccountMeta::new(Pubkey::new_unique(), true)),
        w.clinic.pubkey(),
    );
    assert!(check_transaction(&extra_signer, &plan.expected).is_err());
    let other_payer = rebuild(&|_| {}, patient.pubkey());
    assert!(matches!(
        check_transaction(&other_payer, &plan.expected),
        Err(TransactionMismatch::FeePayer { .. })
    ));
    let other_data = rebuild(&|ixs| ixs[0].data.push(0), w.clinic.pubkey());
    assert!(matches!(
        check_transaction(&other_data, &plan.expected),
        Err(TransactionMismatch::Data { .. })
    ));
    let extra_instruction = rebuild(
        &|ixs| {
            ixs.push(anchor_lang::solana_program::system_instruction::transfer(
                &w.clinic.pubkey(),
                &Pubkey::new_unique(),
                1,
            ))
        },
        w.clinic.pubkey(),
    );
    assert!(matches!(
        check_transaction(&extra_instruction, &plan.expected),
        Err(TransactionMismatch::InstructionCount { .. })
    ));
    let mut forged = good.clone();
    forged.signatures[0] = patient.sign_message(b"not this message");
    assert!(matches!(
        check_transaction(&forged, &plan.expected),
        Err(TransactionMismatch::BadSignature { .. })
    ));

    // Another wallet cannot get the patient's transaction.
    let intruder = Keypair::new();
    let refused =
        actions.plan(&Action::Deny { request }, &intruder.pubkey()).await.expect_err("foreign");
    assert_eq!(refused.status(), 403, "{refused}");
    // Nothing changed.
    let state: medchain::state::AccessRequest =
        w.chain.fetch(&request, "AccessRequest").await.expect("read").expect("request");
    assert_eq!(state.status, RequestStatus::Pending);
}

#[tokio::test]
async fn an_externally_signed_transaction_needs_every_signature_and_a_known_blockhash() {
    let w = world().await;
    let patient = Keypair::new();
    let instruction =
        medchain_sdk::instructions::register_patient(&patient.pubkey(), &w.clinic.pubkey());
    let blockhash = w.chain.backend().latest_blockhash().await.expect("blockhash");
    let mut tx = Transaction::new_with_payer(&[instruction], Some(&w.clinic.pubkey()));
    tx.partial_sign(&[&w.clinic], blockhash);
    let missing = w.chain.backend().send_transaction(&tx).await.expect_err("unsigned");
    assert!(matches!(missing, SdkError::Signing(_)), "{missing}");
    // Several other transactions land first: the blockhash is still recent enough.
    for _ in 0..3 {
        w.chain.register_patient(&Keypair::new(), &w.clinic).await.expect("other");
    }
    tx.partial_sign(&[&patient], blockhash);
    w.chain.backend().send_transaction(&tx).await.expect("lands");
    assert!(w.chain.patient(&patient.pubkey()).await.expect("read").is_some());
    // A blockhash the ledger never produced is refused and changes nothing.
    let stranger = Keypair::new();
    let mut bogus = Transaction::new_with_payer(
        &[medchain_sdk::instructions::register_patient(&stranger.pubkey(), &w.clinic.pubkey())],
        Some(&w.clinic.pubkey()),
    );
    bogus.sign(&[&w.clinic, &stranger], solana_sdk::hash::Hash::new_from_array([7; 32]));
    assert!(w.chain.backend().send_transaction(&bogus).await.is_err());
    assert!(w.chain.patient(&stranger.pubkey()).await.expect("read").is_none());
}

#[tokio::test]
async fn a_suspended_provider_cannot_be_approved_but_can_be_denied() {
    let w = world().await;
    let patient = Keypair::new();
    w.chain.register_patient(&patient, &w.clinic).await.expect("register");
    w.chain.request_access(&w.provider, &patient.pubkey(), 1, asked()).await.expect("request");
    let suspend =
        medchain_sdk::instructions::suspend_provider(&w.issuer.pubkey(), &w.provider.pubkey());
    w.chain.send(&[suspend], &w.issuer, &[]).await.expect("suspend");
    let request =
        pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()), 1);
    let options = ActionOptions { fee_payer: Some(w.clinic.pubkey()), ..ActionOptions::default() };
    let actions = Actions::new(&w.chain, &options);
    let approve = Action::Approve { request, narrowing: Narrowing::default() };
    let view = actions.describe(&approve).await.expect("describe");
    assert_eq!(
        view.disabled.as_deref(),
        Some("This provider is suspended and cannot be granted access.")
    );
    let refused = actions.plan(&approve, &patient.pubkey()).await.expect_err("suspended");
    assert_eq!(refused.status(), 400, "{refused}");
    actions.plan(&Action::Deny { request }, &patient.pubkey()).await.expect("deny still possible");
}

/// A guardian's wallet opens the patient's approve and deny actions: the transaction is the
/// delegate's (cut to the mandate, the clinic paying), the message says on whose behalf, and
/// a delegate without the `answer` permission is refused with the reason.
#[tokio::test]
async fn a_guardian_answers_through_the_actions() {
    use medchain::state::delegate_permissions;
    let w = world().await;
    let patient = Keypair::new();
    let (guardian, proxy) = (Keypair::new(), Keypair::new());
    w.chain.fund(&[&patient]).await.expect("fund");
    w.chain.register_patient(&patient, &w.clinic).await.expect("register");
    let now = w.chain.backend().unix_time().await.expect("time");
    let mandate = medchain::state::ConsentTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        now + 3 * 86_400,
    );
    w.chain
        .add_delegate(&patient, &patient, &guardian.pubkey(), delegate_permissions::ANSWER, mandate)
        .await
        .expect("guardian");
    w.chain
        .add_delegate(&patient, &patient, &proxy.pubkey(), delegate_permissions::REVOKE, mandate)
        .await
        .expect("proxy");
    w.chain.request_access(&w.provider, &patient.pubkey(), 1, asked()).await.expect("request");
    w.chain.request_access(&w.provider, &patient.pubkey(), 2, asked()).await.expect("request");
    let request = |nonce| {
        pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()), nonce)
    };
    let options = ActionOptions { fee_payer: Some(w.clinic.pubkey()), ..ActionOptions::default() };
    let actions = Actions::new(&w.chain, &options);
    let approve = Action::Approve { request: request(1), narrowing: Narrowing::default() };

    let refused = actions.plan(&approve, &proxy.pubkey()).await.expect_err("no answer permission");
    assert_eq!(refused.status(), 403);
    assert!(refused.to_string().contains("'answer' permission"), "{refused}");

    let plan = actions.plan(&approve, &guardian.pubkey()).await.expect("plan");
    assert!(
        plan.message
            .starts_with(&format!("You are approving on behalf of patient {}", patient.pubkey())),
        "{}",
        plan.message
    );
    assert!(plan.message.contains("cut to what your mandate"), "{}", plan.message);
    let blockhash = w.chain.backend().latest_blockhash().await.expect("blockhash");
    let response = plan.to_post_response(blockhash, Some(&w.clinic)).expect("response");
    wallet_signs(&w.chain, &response.transaction, &guardian).await;
    let consent = w
        .chain
        .consent(&patient.pubkey(), &w.provider.pubkey())
        .await
        .expect("read")
        .expect("consent");
    assert_eq!(consent.scope, mandate.scope, "the request cut to the guardian's scope");
    assert_eq!(consent.expires_at, mandate.expires_at, "and to the mandate's end");
    assert_eq!(consent.grantor, 1);
    assert_eq!(consent.rent_payer, w.clinic.pubkey());

    let deny = Action::Deny { request: request(2) };
    let plan = actions.plan(&deny, &guardian.pubkey()).await.expect("plan deny");
    assert!(plan.message.starts_with("You are denying on behalf of patient"), "{}", plan.message);
    let response = plan.to_post_response(blockhash, Some(&w.clinic)).expect("response");
    wallet_signs(&w.chain, &response.transaction, &guardian).await;
    let state: medchain::state::AccessRequest =
        w.chain.fetch(&request(2), "AccessRequest").await.expect("read").expect("request");
    assert_eq!(state.status, RequestStatus::Denied);
}
