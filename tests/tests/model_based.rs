//! Model-based property test of the consent state and the access rule.
//!
//! Random sequences of up to 50 operations by random actors — patients, their delegates,
//! providers, issuers, the admin and impostors in their place — with clock jumps, run
//! against the program in the real Solana runtime and against the reference model in
//! `medchain_tests::model`. After every step the test compares:
//! - whether the transaction succeeded, and if not, the exact medchain error (or, for the
//!   framework's account checks, that it was refused as unauthorised / as a missing account);
//! - for `record_access`, the decision returned as return data;
//! - every account's relevant fields: registry pause, issuers, providers, patients, every
//!   consent, delegate, break-glass window and request;
//! - the access decision for every (patient, provider, category, purpose, action) — 2,700
//!   combinations — as the program's rule evaluates it over the accounts in the bank.
//!
//! A failing sequence shrinks to a minimal one. The default is 500 sequences; set
//! `MEDCHAIN_MODEL_CASES` (or `PROPTEST_CASES`) for more, e.g.
//! `MEDCHAIN_MODEL_CASES=50000 cargo test --release -p medchain-tests --test model_based`.

use anchor_lang::prelude::Pubkey;
use anchor_lang::AnchorDeserialize;
use medchain::state::{
    evaluate_access, AccessDecision, AccessReason, AccessRequest, Consent, ConsentStatus,
    ConsentTerms, Delegate, EmergencyAccess, Issuer, Patient, Provider, ProviderStatus, Registry,
    RequestStatus, RequestTerms, Scope,
};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::model::{
    fitted_terms, issuer_of, narrowed_terms, Closer, ModelConsent, ModelDelegate, ModelIssuer,
    ModelPatient, ModelRequestStatus, ModelWindow, Narrowing, Op, Outcome, Reason, Refusal,
    Signer as Who, TermsSpec, World, DELEGATE_WALLETS, ISSUERS, MAY_ANSWER, MAY_GRANT, MAY_REVOKE,
    PATIENTS, PROVIDERS,
};
use medchain_tests::{custom_code, AnchorErrorCode, Harness, MedchainError};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use solana_program_test::BanksClientError;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use std::collections::BTreeMap;
use std::sync::Mutex;

const DAY: i64 = 86_400;

// ----- the cast -----------------------------------------------------------------------

/// The wallets behind the model's indices.
struct Cast {
    issuers: Vec<Keypair>,
    providers: Vec<Keypair>,
    patients: Vec<Keypair>,
    wallets: Vec<Keypair>,
    outsider: Keypair,
}

impl Cast {
    /// Registers the cast the model starts from: issuer 0 allows break-glass, issuer 1 not.
    async fn register(h: &mut Harness) -> Self {
        let mut issuers = Vec::new();
        for index in 0..ISSUERS {
            issuers.push(h.issuer(index == 0).await);
        }
        let mut providers = Vec::new();
        for index in 0..PROVIDERS {
            let issuer = issuers[issuer_of(index)].insecure_clone();
            providers.push(h.provider(&issuer).await);
        }
        let mut patients = Vec::new();
        for _ in 0..PATIENTS {
            patients.push(h.patient().await);
        }
        let wallets = (0..DELEGATE_WALLETS).map(|_| Keypair::new()).collect();
        Cast { issuers, providers, patients, wallets, outsider: Keypair::new() }
    }
}

// ----- operations as transactions -----------------------------------------------------

/// The instruction for `op` and who signs it besides the fee payer (`None`: the fee payer
/// alone), built before the model applies `op`; `None` when there is nothing to send.
fn transaction(
    op: &Op,
    world: &World,
    cast: &Cast,
    admin: &Keypair,
    payer: &Pubkey,
) -> Option<(Instruction, Option<Keypair>)> {
    let patient = |i: usize| cast.patients[i].pubkey();
    let provider = |i: usize| cast.providers[i].pubkey();
    let now = world.now;
    let consent_terms = |t: &TermsSpec| ConsentTerms {
        scope: Scope::new(t.categories, t.purposes, t.actions),
        expires_at: now + t.expires_in,
    };
    // The rightful signer's wallet, replaced by the outsider's when an impostor signs.
    let signed = |instruction: Instruction, rightful: &Keypair, by: Who| match by {
        Who::Rightful => (instruction, rightful.insecure_clone()),
        Who::Impostor => (
            medchain_tests::substitute(instruction, &rightful.pubkey(), &cast.outsider.pubkey()),
            cast.outsider.insecure_clone(),
        ),
    };
    let built = match *op {
        Op::Grant { patient: p, provider: v, terms, by } => signed(
            ix::grant_consent(&patient(p), payer, &provider(v), consent_terms(&terms)),
            &cast.patients[p],
            by,
        ),
        Op::Update { patient: p, provider: v, terms, by } => signed(
            ix::update_consent(&patient(p), &provider(v), consent_terms(&terms)),
            &cast.patients[p],
            by,
        ),
        Op::Revoke { patient: p, provider: v, by } => {
            signed(ix::revoke_consent(&patient(p), &provider(v)), &cast.patients[p], by)
        }
        Op::Close { patient: p, provider: v, closer } => {
            let closer = match closer {
                Closer::Patient => cast.patients[p].insecure_clone(),
                // The rent payer is the context's payer, which signs every transaction.
                Closer::RentPayer => return Some((close(p, v, cast, payer, payer), None)),
                Closer::Outsider => cast.outsider.insecure_clone(),
            };
            (close(p, v, cast, &closer.pubkey(), payer), closer)
        }
        Op::Request { provider: v, patient: p, terms, duration } => {
            let nonce = world.requests.len() as u64;
            let asked = RequestTerms::new(
                Scope::new(terms.categories, terms.purposes, terms.actions),
                duration,
            );
            (
                ix::request_access(&provider(v), &patient(p), nonce, asked),
                cast.providers[v].insecure_clone(),
            )
        }
        Op::Approve { request, narrowing: n, by } => {
            let index = world.request_index(request)?;
            let r = world.requests[index];
            let built = ix::approve_request(
                &patient(r.patient),
                payer,
                &provider(r.provider),
                index as u64,
                approval(&r, n),
            );
            signed(built, &cast.patients[r.patient], by)
        }
        Op::DelegateApprove { wallet, request, narrowing: n, fit } => {
            let index = world.request_index(request)?;
            let r = world.requests[index];
            let mut terms = narrowed_terms(&r, n);
            if let (true, Some(d)) = (fit, world.delegates.get(&(r.patient, wallet))) {
                terms = fitted_terms(terms, d);
            }
            let (categories, purposes, actions, duration) = terms;
            let approved = RequestTerms::new(Scope::new(categories, purposes, actions), duration);
            (
                ix::delegate_approve_request(
                    &cast.wallets[wallet].pubkey(),
                    payer,
                    &patient(r.patient),
                    &provider(r.provider),
                    index as u64,
                    approved,
                ),
                cast.wallets[wallet].insecure_clone(),
            )
        }
        Op::DelegateDeny { wallet, request } => {
            let index = world.request_index(request)?;
            let r = world.requests[index];
            (
                ix::delegate_deny_request(
                    &cast.wallets[wallet].pubkey(),
                    &patient(r.patient),
                    &provider(r.provider),
                    index as u64,
                ),
                cast.wallets[wallet].insecure_clone(),
            )
        }
        Op::Deny { request, by } => {
            let index = world.request_index(request)?;
            let r = world.requests[index];
            let built = ix::deny_request(&patient(r.patient), &provider(r.provider), index as u64);
            signed(built, &cast.patients[r.patient], by)
        }
        Op::Cancel { request, by } => {
            let index = world.request_index(request)?;
            let r = world.requests[index];
            let built =
                ix::cancel_request(&provider(r.provider), &patient(r.patient), index as u64);
            signed(built, &cast.providers[r.provider], by)
        }
        Op::AddDelegate { patient: p, wallet, permissions, scope } => (
            ix::add_delegate(
                &patient(p),
                payer,
                &cast.wallets[wallet].pubkey(),
                permissions,
                consent_terms(&scope),
            ),
            cast.patients[p].insecure_clone(),
        ),
        Op::RemoveDelegate { patient: p, wallet } => (
            ix::remove_delegate(&patient(p), &cast.wallets[wallet].pubkey(), payer),
            cast.patients[p].insecure_clone(),
        ),
        Op::DelegateGrant { wallet, patient: p, provider: v, terms } => (
            ix::delegate_grant_consent(
                &cast.wallets[wallet].pubkey(),
                payer,
                &patient(p),
                &provider(v),
                consent_terms(&terms),
            ),
            cast.wallets[wallet].insecure_clone(),
        ),
        Op::DelegateRevoke { wallet, patient: p, provider: v } => (
            ix::delegate_revoke_consent(&cast.wallets[wallet].pubkey(), &patient(p), &provider(v)),
            cast.wallets[wallet].insecure_clone(),
        ),
        Op::Suspend { issuer, provider: v } => (
            ix::suspend_provider(&cast.issuers[issuer].pubkey(), &provider(v)),
            cast.issuers[issuer].insecure_clone(),
        ),
        Op::Reinstate { issuer, provider: v } => (
            ix::reinstate_provider(&cast.issuers[issuer].pubkey(), &provider(v)),
            cast.issuers[issuer].insecure_clone(),
        ),
        Op::OpenEmergency { provider: v, patient: p, duration, reason_code } => (
            ix::open_emergency_access(
                &provider(v),
                &cast.issuers[issuer_of(v)].pubkey(),
                &patient(p),
                reason_code,
                duration,
            ),
            cast.providers[v].insecure_clone(),
        ),
        Op::ReviewEmergency { patient: p, provider: v, end_now } => (
            ix::review_emergency_access(&patient(p), &provider(v), end_now),
            cast.patients[p].insecure_clone(),
        ),
        Op::SetPatientBreakGlass { patient: p, allows } => {
            (ix::set_break_glass_policy(&patient(p), allows), cast.patients[p].insecure_clone())
        }
        Op::SetIssuerBreakGlass { issuer, allows, by } => signed(
            ix::set_issuer_break_glass(&admin.pubkey(), &cast.issuers[issuer].pubkey(), allows),
            admin,
            by,
        ),
        Op::Pause { by } => signed(ix::pause(&admin.pubkey()), admin, by),
        Op::Unpause { by } => signed(ix::unpause(&admin.pubkey()), admin, by),
        Op::RecordAccess { provider: v, patient: p, category, purpose, action, by } => signed(
            ix::record_access(&provider(v), &patient(p), category, purpose, action),
            &cast.providers[v],
            by,
        ),
        Op::Advance { .. } => return None,
    };
    Some((built.0, Some(built.1)))
}

/// `close_consent` of (patient `p`, provider `v`) by `closer`, rent back to `rent_payer`.
/// The terms an approval of `r` narrowed by `n` sends.
fn approval(r: &medchain_tests::model::ModelRequest, n: Narrowing) -> RequestTerms {
    let (categories, purposes, actions, duration) = narrowed_terms(r, n);
    RequestTerms::new(Scope::new(categories, purposes, actions), duration)
}

fn close(p: usize, v: usize, cast: &Cast, closer: &Pubkey, rent_payer: &Pubkey) -> Instruction {
    ix::close_consent(closer, &cast.patients[p].pubkey(), &cast.providers[v].pubkey(), rent_payer)
}

// ----- comparing outcomes -------------------------------------------------------------

/// The program's error for a model refusal: an exact medchain code, or a class of
/// framework codes.
fn refusal_matches(refusal: Refusal, code: u32) -> bool {
    let medchain = |e: MedchainError| code == u32::from(e);
    match refusal {
        Refusal::NotAuthorized => (2000..3000).contains(&code),
        Refusal::NoSuchAccount => code == u32::from(AnchorErrorCode::AccountNotInitialized),
        Refusal::RegistryPaused => medchain(MedchainError::RegistryPaused),
        Refusal::AlreadyPaused => medchain(MedchainError::AlreadyPaused),
        Refusal::NotPaused => medchain(MedchainError::NotPaused),
        Refusal::ProviderNotActive => medchain(MedchainError::ProviderNotActive),
        Refusal::ProviderAlreadySuspended => medchain(MedchainError::ProviderAlreadySuspended),
        Refusal::ProviderNotSuspended => medchain(MedchainError::ProviderNotSuspended),
        Refusal::InvalidCategories => medchain(MedchainError::InvalidCategories),
        Refusal::InvalidPurposes => medchain(MedchainError::InvalidPurposes),
        Refusal::InvalidActions => medchain(MedchainError::InvalidActions),
        Refusal::InvalidCategory => medchain(MedchainError::InvalidCategory),
        Refusal::InvalidPurpose => medchain(MedchainError::InvalidPurpose),
        Refusal::InvalidAction => medchain(MedchainError::InvalidAction),
        Refusal::InvalidDuration => medchain(MedchainError::InvalidDuration),
        Refusal::ExpiryInPast => medchain(MedchainError::ExpiryInPast),
        Refusal::RequestNotPending => medchain(MedchainError::RequestNotPending),
        Refusal::ApprovalWidensRequest => medchain(MedchainError::ApprovalWidensRequest),
        Refusal::ConsentAlreadyActive => medchain(MedchainError::ConsentAlreadyActive),
        Refusal::ConsentNotActive => medchain(MedchainError::ConsentNotActive),
        Refusal::ConsentStillActive => medchain(MedchainError::ConsentStillActive),
        Refusal::UnauthorizedCloser => medchain(MedchainError::UnauthorizedCloser),
        Refusal::AccountAlreadyExists => medchain(MedchainError::AccountAlreadyExists),
        Refusal::DelegateExpired => medchain(MedchainError::DelegateExpired),
        Refusal::DelegateNotPermitted => medchain(MedchainError::DelegateNotPermitted),
        Refusal::DelegateScopeExceeded => medchain(MedchainError::DelegateScopeExceeded),
        Refusal::InvalidDelegatePermissions => medchain(MedchainError::InvalidDelegatePermissions),
        Refusal::BreakGlassNotAllowedByIssuer => {
            medchain(MedchainError::BreakGlassNotAllowedByIssuer)
        }
        Refusal::BreakGlassNotAllowedByPatient => {
            medchain(MedchainError::BreakGlassNotAllowedByPatient)
        }
        Refusal::EmergencyAccessAlreadyOpen => medchain(MedchainError::EmergencyAccessAlreadyOpen),
        Refusal::InvalidEmergencyWindow => medchain(MedchainError::InvalidEmergencyWindow),
    }
}

/// The program's reason for a model reason.
fn program_reason(reason: Reason) -> AccessReason {
    match reason {
        Reason::Granted => AccessReason::Granted,
        Reason::ProviderNotActive => AccessReason::ProviderNotActive,
        Reason::NoConsent => AccessReason::NoConsent,
        Reason::ConsentRevoked => AccessReason::ConsentRevoked,
        Reason::ConsentExpired => AccessReason::ConsentExpired,
        Reason::CategoryNotCovered => AccessReason::CategoryNotCovered,
        Reason::PurposeNotCovered => AccessReason::PurposeNotCovered,
        Reason::ActionNotCovered => AccessReason::ActionNotCovered,
        Reason::EmergencyAccess => AccessReason::EmergencyAccess,
    }
}

/// Checks the bank's answer to one transaction against the model's.
fn check_outcome(
    step: usize,
    op: &Op,
    expected: Outcome,
    got: &Result<Vec<u8>, BanksClientError>,
) -> Result<(), TestCaseError> {
    let context = || format!("step {step}: {op:?}: model says {expected:?}, program says {got:?}");
    match (expected, got) {
        (Outcome::Done, Ok(_)) => Ok(()),
        (Outcome::Decided(reason, version), Ok(data)) => {
            let decision = AccessDecision::try_from_slice(data)
                .map_err(|e| TestCaseError::fail(format!("{}: undecodable: {e}", context())))?;
            let expected = AccessDecision {
                allowed: reason.allows(),
                reason: program_reason(reason),
                consent_version: version,
            };
            prop_assert_eq!(decision, expected, "{}", context());
            Ok(())
        }
        (Outcome::Refused(refusal), Err(_)) => match custom_code(got) {
            Some(code) if refusal_matches(refusal, code) => Ok(()),
            _ => Err(TestCaseError::fail(context())),
        },
        _ => Err(TestCaseError::fail(context())),
    }
}

// ----- comparing state ----------------------------------------------------------------

/// The model's view of a Consent account.
fn consent_view(c: &Consent) -> ModelConsent {
    ModelConsent {
        categories: c.scope.categories,
        purposes: c.scope.purposes,
        actions: c.scope.actions,
        revoked: c.status == ConsentStatus::Revoked,
        grantor: c.grantor,
        version: c.version,
        granted_at: c.granted_at,
        expires_at: c.expires_at,
        revoked_at: c.revoked_at,
        granted_count: c.granted_count,
        denied_count: c.denied_count,
    }
}

/// The model's view of a Delegate account.
fn delegate_view(d: &Delegate) -> ModelDelegate {
    ModelDelegate {
        index: d.index,
        permissions: d.permissions,
        categories: d.scope.categories,
        purposes: d.scope.purposes,
        actions: d.scope.actions,
        expires_at: d.expires_at,
    }
}

/// The model's view of an EmergencyAccess account.
fn window_view(w: &EmergencyAccess) -> ModelWindow {
    ModelWindow {
        opened_at: w.opened_at,
        expires_at: w.expires_at,
        reviewed: w.reviewed,
        reviewed_at: w.reviewed_at,
        access_count: w.access_count,
        times_opened: w.times_opened,
        reason_code: w.reason_code,
    }
}

/// The model's view of a request status.
fn request_status(status: RequestStatus) -> ModelRequestStatus {
    match status {
        RequestStatus::Pending => ModelRequestStatus::Pending,
        RequestStatus::Approved => ModelRequestStatus::Approved,
        RequestStatus::Denied => ModelRequestStatus::Denied,
        RequestStatus::Cancelled => ModelRequestStatus::Cancelled,
    }
}

/// Decodes the account at `address`, or `None` when there is none.
async fn read<T: anchor_lang::AccountDeserialize>(h: &mut Harness, address: &Pubkey) -> Option<T> {
    let account = h.raw(address).await?;
    Some(T::try_deserialize(&mut &account.data[..]).expect("a medchain account decodes"))
}

/// Every single-member (category, purpose, action), plus nothing else.
fn every_attempt() -> Vec<(u32, u16, u8)> {
    let mut all = Vec::new();
    for c in 0..15 {
        for p in 0..10 {
            for a in 0..3 {
                all.push((1u32 << c, 1u16 << p, 1u8 << a));
            }
        }
    }
    all
}

/// Compares every account the model describes, and every access decision, with the bank.
async fn check_state(
    h: &mut Harness,
    cast: &Cast,
    world: &World,
    attempts: &[(u32, u16, u8)],
    step: usize,
) -> Result<(), TestCaseError> {
    let at = |what: &str| format!("after step {step}: {what}");
    prop_assert_eq!(h.now().await, world.now, "{}", at("clock"));
    let registry: Registry = read(h, &pda::registry()).await.expect("registry");
    prop_assert_eq!(registry.paused, world.paused, "{}", at("registry pause"));
    for (i, model) in world.issuers.iter().enumerate() {
        let issuer: Issuer =
            read(h, &pda::issuer(&cast.issuers[i].pubkey())).await.expect("issuer");
        let view = ModelIssuer {
            active_providers: issuer.active_provider_count,
            allows_break_glass: issuer.allows_break_glass,
        };
        prop_assert_eq!(&view, model, "{}", at(&format!("issuer {i}")));
    }
    let mut providers = Vec::new();
    for (i, suspended) in world.suspended.iter().enumerate() {
        let provider: Provider =
            read(h, &pda::provider(&cast.providers[i].pubkey())).await.expect("provider");
        let is_suspended = provider.status == ProviderStatus::Suspended;
        prop_assert_eq!(is_suspended, *suspended, "{}", at(&format!("provider {i} status")));
        providers.push(provider);
    }
    for (p, model) in world.patients.iter().enumerate() {
        let patient_pda = pda::patient(&cast.patients[p].pubkey());
        let patient: Patient = read(h, &patient_pda).await.expect("patient");
        let view = ModelPatient {
            consent_grants: patient.consent_grants,
            denied_without_consent: patient.denied_without_consent,
            allows_break_glass: patient.allows_break_glass,
            delegates_added: patient.delegates_added,
        };
        prop_assert_eq!(&view, model, "{}", at(&format!("patient {p}")));
        for (w, wallet) in cast.wallets.iter().enumerate() {
            let delegate: Option<Delegate> =
                read(h, &pda::delegate(&patient_pda, &wallet.pubkey())).await;
            prop_assert_eq!(
                delegate.as_ref().map(delegate_view),
                world.delegates.get(&(p, w)).copied(),
                "{}",
                at(&format!("delegate {w} of patient {p}"))
            );
        }
        for (v, provider) in providers.iter().enumerate() {
            let provider_pda = pda::provider(&cast.providers[v].pubkey());
            let consent: Option<Consent> =
                read(h, &pda::consent(&patient_pda, &provider_pda)).await;
            let window: Option<EmergencyAccess> =
                read(h, &pda::emergency(&patient_pda, &provider_pda)).await;
            let pair = format!("patient {p}, provider {v}");
            prop_assert_eq!(
                consent.as_ref().map(consent_view),
                world.consents.get(&(p, v)).copied(),
                "{}",
                at(&format!("consent of {pair}"))
            );
            prop_assert_eq!(
                window.as_ref().map(window_view),
                world.windows.get(&(p, v)).copied(),
                "{}",
                at(&format!("break-glass window of {pair}"))
            );
            for &(category, purpose, action) in attempts {
                let program = evaluate_access(
                    provider,
                    consent.as_ref(),
                    window.as_ref(),
                    category,
                    purpose,
                    action,
                    world.now,
                );
                let (model, _) = world.decide(p, v, category, purpose, action);
                prop_assert_eq!(
                    program,
                    program_reason(model),
                    "{}",
                    at(&format!("decision for {pair}, {category:#x}/{purpose:#x}/{action:#x}"))
                );
            }
        }
    }
    for (nonce, model) in world.requests.iter().enumerate() {
        let patient_pda = pda::patient(&cast.patients[model.patient].pubkey());
        let provider_pda = pda::provider(&cast.providers[model.provider].pubkey());
        let address = pda::request(&patient_pda, &provider_pda, nonce as u64);
        let request: AccessRequest = read(h, &address).await.expect("request");
        prop_assert_eq!(
            (request_status(request.status), request.resolved_at),
            (model.status, model.resolved_at),
            "{}",
            at(&format!("request {nonce}"))
        );
    }
    Ok(())
}

/// Runs one sequence against a fresh bank and the model, comparing after every step.
async fn run(ops: Vec<Op>, attempts: &[(u32, u16, u8)]) -> Result<(), TestCaseError> {
    let mut h = Harness::new().await;
    let cast = Cast::register(&mut h).await;
    let mut world = World::new(h.now().await);
    let admin = h.admin.insecure_clone();
    let payer = h.ctx.payer.pubkey();
    check_state(&mut h, &cast, &world, attempts, 0).await?;
    for (index, op) in ops.iter().enumerate() {
        let step = index + 1;
        let sent = transaction(op, &world, &cast, &admin, &payer);
        let expected = world.apply(op);
        tally(op, &expected);
        match (sent, op) {
            (_, Op::Advance { secs }) => h.advance(*secs).await,
            (None, _) => prop_assert_eq!(expected, Outcome::Skipped, "step {}: {:?}", step, op),
            (Some((instruction, signer)), _) => {
                let signers: Vec<&Keypair> = signer.iter().collect();
                let got = h.send_with_return(&[instruction], &signers).await;
                check_outcome(step, op, expected, &got)?;
            }
        }
        check_state(&mut h, &cast, &world, attempts, step).await?;
    }
    Ok(())
}

// ----- generating sequences -----------------------------------------------------------

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![9 => Just(Who::Rightful), 1 => Just(Who::Impostor)]
}

/// Mostly one of `valid`, now and then one of `invalid`.
fn mostly<T: Clone + std::fmt::Debug + 'static>(
    valid: Vec<T>,
    invalid: Vec<T>,
) -> impl Strategy<Value = T> {
    prop_oneof![12 => select(valid), 1 => select(invalid)]
}

fn terms() -> impl Strategy<Value = TermsSpec> {
    use categories::*;
    use purposes::*;
    (
        mostly(
            vec![
                IMAGING,
                OBSERVATIONS,
                IMAGING | OBSERVATIONS,
                ALL_STANDARD,
                MENTAL_HEALTH,
                ALL_STANDARD | GENETICS,
            ],
            vec![0, 1 << 20],
        ),
        mostly(vec![TREAT, ETREAT, TREAT | ETREAT, HRESCH, TREAT | HRESCH], vec![0, 1 << 12]),
        mostly(
            vec![actions::READ, actions::WRITE, actions::READ | actions::WRITE, actions::VALID],
            vec![0, 1 << 5],
        ),
        mostly(vec![1, 60, 3_600, DAY, DAY, 30 * DAY, 30 * DAY], vec![-60, 0]),
    )
        .prop_map(|(categories, purposes, actions, expires_in)| TermsSpec {
            categories,
            purposes,
            actions,
            expires_in,
        })
}

/// A delegate's scope: usually wide, so that its grants often fall inside it.
fn delegate_scope() -> impl Strategy<Value = TermsSpec> {
    let wide = (
        select(vec![categories::VALID, categories::ALL_STANDARD, categories::IMAGING]),
        select(vec![purposes::VALID, purposes::TREAT | purposes::ETREAT | purposes::HRESCH]),
        select(vec![actions::VALID, actions::READ]),
        select(vec![DAY, 30 * DAY, 60 * DAY]),
    )
        .prop_map(|(categories, purposes, actions, expires_in)| TermsSpec {
            categories,
            purposes,
            actions,
            expires_in,
        });
    prop_oneof![3 => wide, 1 => terms()]
}

fn narrowing() -> impl Strategy<Value = Narrowing> {
    use categories::*;
    (
        select(vec![0, 0, IMAGING, OBSERVATIONS, ALL_STANDARD]),
        select(vec![0, 0, 0, GENETICS, IMAGING]),
        select(vec![0, 0, purposes::TREAT]),
        select(vec![0, 0, actions::WRITE, actions::READ]),
        select(vec![0, 0, -60, 1, -(DAY - 1)]),
    )
        .prop_map(
            |(drop_categories, add_categories, drop_purposes, drop_actions, duration_delta)| {
                Narrowing {
                    drop_categories,
                    add_categories,
                    drop_purposes,
                    drop_actions,
                    duration_delta,
                }
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    // Biased towards the first patient and provider, so that operations meet each other.
    let patient = prop_oneof![3 => Just(0usize), 1 => 0..PATIENTS];
    let provider = prop_oneof![3 => Just(0usize), 1 => 0..PROVIDERS];
    let wallet = 0..DELEGATE_WALLETS;
    let issuer = 0..ISSUERS;
    let request = 0..8usize;
    let category = {
        use categories::*;
        let common = vec![IMAGING, OBSERVATIONS, MEDICATIONS, MENTAL_HEALTH, GENETICS];
        prop_oneof![
            6 => select(common),
            2 => (0..15u32).prop_map(|bit| 1 << bit),
            1 => select(vec![0u32, IMAGING | OBSERVATIONS, 1 << 20]),
        ]
    };
    let purpose = mostly(
        vec![
            purposes::TREAT,
            purposes::TREAT,
            purposes::ETREAT,
            purposes::HRESCH,
            purposes::PATRQT,
        ],
        vec![0u16, purposes::TREAT | purposes::ETREAT, 1 << 12],
    );
    let action = mostly(
        vec![actions::READ, actions::READ, actions::WRITE, actions::SHARE],
        vec![0u8, actions::READ | actions::WRITE, 1 << 5],
    );
    prop_oneof![
        8 => (provider.clone(), patient.clone(), category, purpose, action, who()).prop_map(
            |(provider, patient, category, purpose, action, by)| Op::RecordAccess {
                provider, patient, category, purpose, action, by
            }
        ),
        6 => (patient.clone(), provider.clone(), terms(), who())
            .prop_map(|(patient, provider, terms, by)| Op::Grant { patient, provider, terms, by }),
        4 => select(vec![1, 59, 60, 3_599, 3_600, DAY - 1, DAY, 7 * DAY, 31 * DAY])
            .prop_map(|secs| Op::Advance { secs }),
        2 => (patient.clone(), provider.clone(), who())
            .prop_map(|(patient, provider, by)| Op::Revoke { patient, provider, by }),
        1 => (patient.clone(), provider.clone(), terms(), who())
            .prop_map(|(patient, provider, terms, by)| Op::Update { patient, provider, terms, by }),
        1 => (
            patient.clone(),
            provider.clone(),
            select(vec![Closer::Patient, Closer::RentPayer, Closer::Outsider]),
        )
            .prop_map(|(patient, provider, closer)| Op::Close { patient, provider, closer }),
        4 => (
            provider.clone(),
            patient.clone(),
            terms(),
            mostly(vec![1, 60, DAY, 30 * DAY], vec![0, medchain_tests::model::MAX_REQUEST_SECS + 1]),
        )
            .prop_map(|(provider, patient, terms, duration)| Op::Request {
                provider, patient, terms, duration
            }),
        2 => (request.clone(), narrowing(), who())
            .prop_map(|(request, narrowing, by)| Op::Approve { request, narrowing, by }),
        1 => (request.clone(), who()).prop_map(|(request, by)| Op::Deny { request, by }),
        3 => (wallet.clone(), request.clone(), narrowing(), prop_oneof![3 => Just(true), 1 => Just(false)]).prop_map(
            |(wallet, request, narrowing, fit)| Op::DelegateApprove { wallet, request, narrowing, fit }
        ),
        1 => (wallet.clone(), request.clone())
            .prop_map(|(wallet, request)| Op::DelegateDeny { wallet, request }),
        1 => (request, who()).prop_map(|(request, by)| Op::Cancel { request, by }),
        2 => (
            patient.clone(),
            wallet.clone(),
            mostly(
                vec![
                    MAY_GRANT,
                    MAY_REVOKE,
                    MAY_ANSWER,
                    MAY_GRANT | MAY_REVOKE,
                    MAY_GRANT | MAY_REVOKE | MAY_ANSWER,
                    MAY_REVOKE | MAY_ANSWER,
                ],
                vec![0, 8],
            ),
            delegate_scope(),
        )
            .prop_map(|(patient, wallet, permissions, scope)| Op::AddDelegate {
                patient, wallet, permissions, scope
            }),
        1 => (patient.clone(), wallet.clone())
            .prop_map(|(patient, wallet)| Op::RemoveDelegate { patient, wallet }),
        2 => (wallet.clone(), patient.clone(), provider.clone(), terms()).prop_map(
            |(wallet, patient, provider, terms)| Op::DelegateGrant {
                wallet, patient, provider, terms
            }
        ),
        1 => (wallet, patient.clone(), provider.clone()).prop_map(|(wallet, patient, provider)| {
            Op::DelegateRevoke { wallet, patient, provider }
        }),
        1 => (issuer.clone(), provider.clone())
            .prop_map(|(issuer, provider)| Op::Suspend { issuer, provider }),
        1 => (issuer.clone(), provider.clone())
            .prop_map(|(issuer, provider)| Op::Reinstate { issuer, provider }),
        2 => (
            provider.clone(),
            patient.clone(),
            mostly(vec![1, 60, 3_600, DAY], vec![0, DAY + 1]),
            1..4u8,
        )
            .prop_map(|(provider, patient, duration, reason_code)| Op::OpenEmergency {
                provider, patient, duration, reason_code
            }),
        1 => (patient.clone(), provider, any::<bool>())
            .prop_map(|(patient, provider, end_now)| Op::ReviewEmergency {
                patient, provider, end_now
            }),
        1 => (patient, any::<bool>())
            .prop_map(|(patient, allows)| Op::SetPatientBreakGlass { patient, allows }),
        1 => (issuer, any::<bool>(), who())
            .prop_map(|(issuer, allows, by)| Op::SetIssuerBreakGlass { issuer, allows, by }),
        1 => who().prop_map(|by| Op::Pause { by }),
        1 => who().prop_map(|by| Op::Unpause { by }),
    ]
}

/// Sequences to run: `MEDCHAIN_MODEL_CASES`, else `PROPTEST_CASES`, else 500.
fn cases() -> u32 {
    ["MEDCHAIN_MODEL_CASES", "PROPTEST_CASES"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or(500)
}

/// How often each outcome occurred, to show what a run exercised.
static OUTCOMES: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn tally(op: &Op, outcome: &Outcome) {
    let described = format!("{op:?}");
    let kind = described.split([' ', '{', '(']).next().unwrap_or_default();
    if let Ok(mut outcomes) = OUTCOMES.lock() {
        *outcomes.entry(format!("{kind}: {outcome:?}")).or_default() += 1;
    }
}

#[test]
fn program_and_model_agree_on_every_step() {
    let config = Config {
        cases: cases(),
        max_shrink_iters: 4_096,
        source_file: Some(file!()),
        // A failing case is saved next to this file and replayed first on the next run.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let attempts = every_attempt();
    let result = runner.run(&prop::collection::vec(op(), 1..=50), |ops| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        runtime.block_on(run(ops, &attempts))
    });
    if let Ok(outcomes) = OUTCOMES.lock() {
        let steps: u64 = outcomes.values().sum();
        println!("{} sequences, {steps} steps; outcomes:", cases());
        let mut by_count: Vec<_> = outcomes.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1));
        for (outcome, count) in by_count {
            println!("{count:>8}  {outcome}");
        }
    }
    if let Err(failure) = result {
        panic!("the program and the model disagree: {failure}");
    }
}
