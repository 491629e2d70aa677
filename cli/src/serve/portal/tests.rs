//! The portal's API in-process (the whole router, no sockets) on an embedded ledger: a test
//! keypair signs in with SIWS, reads its overview, approves a request narrowed by signing the
//! server-built transaction, revokes; forged sign-ins, another patient's session and tampered
//! transactions are refused and change nothing.

use super::api::COOKIE;
use crate::serve::{router, AppState, ServerConfig};
use anchor_lang::prelude::Pubkey;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use base64::Engine as _;
use http_body_util::BodyExt;
use medchain::state::{
    delegate_permissions, ConsentStatus, ConsentTerms, ProviderKind, RequestTerms, Scope,
};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::actions::ActionOptions;
use medchain_sdk::{pda, Backend, EmbeddedBackend, Medchain};
use serde_json::{json, Value};
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

const BASE: &str = "https://clinic.example";
const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

struct World {
    _dir: tempfile::TempDir,
    chain: Arc<Medchain<EmbeddedBackend>>,
    provider: Keypair,
    router: Router,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Arc::new(Medchain::embedded(dir.path()).expect("open"));
    let (admin, issuer, provider, clinic) =
        (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    chain.fund(&[&admin, &issuer, &provider, &clinic]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("init");
    chain.add_issuer(&admin, &issuer.pubkey(), true).await.expect("issuer");
    chain
        .register_provider(&issuer, &provider, [3; 32], ProviderKind::Physician)
        .await
        .expect("provider");
    let mut options = ActionOptions::default();
    options.provider_names.insert(provider.pubkey(), "Dr. Rivera".into());
    let config = ServerConfig {
        base_url: BASE.into(),
        fee_payer: Some(clinic),
        options,
        chain_id: medchain_sdk::actions::spec::EMBEDDED_CHAIN_ID.into(),
        rate_per_minute: 6_000,
        rate_burst: 1_000,
        trust_forwarded_for: false,
        identifiers: Arc::default(),
        record_decisions: false,
        provider_keys: Vec::new(),
    };
    let router = router(Arc::new(AppState::new(chain.clone(), config)));
    World { _dir: dir, chain, provider, router }
}

/// One exchange: status, headers, JSON body (or Null).
async fn call(
    w: &World,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 4242))));
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("{COOKIE}={cookie}"));
    }
    let request = request
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    let response = w.router.clone().oneshot(request).await.expect("response");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn message_of(result: &(StatusCode, HeaderMap, Value)) -> String {
    result.2["message"].as_str().unwrap_or_default().to_string()
}

/// Signs the server's challenge with `key` (as a wallet's `solana:signIn` would), changed by
/// `edit`, and posts it; returns the response.
async fn sign_in_with(
    w: &World,
    key: &Keypair,
    claimed: &Pubkey,
    edit: impl FnOnce(&mut Value),
) -> (StatusCode, HeaderMap, Value) {
    let (status, _, mut challenge) = call(w, "GET", "/portal/api/challenge", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(challenge["domain"], "clinic.example");
    assert_eq!(challenge["uri"], "https://clinic.example/portal");
    edit(&mut challenge);
    let field = |name: &str| challenge[name].as_str().unwrap_or_default().to_string();
    let text = format!(
        "{} wants you to sign in with your Solana account:\n{}\n\n{}\n\nURI: {}\nVersion: {}\nNonce: {}\nIssued At: {}\nExpiration Time: {}",
        field("domain"), claimed, field("statement"), field("uri"), field("version"), field("nonce"), field("issuedAt"), field("expirationTime")
    );
    let signature = key.sign_message(text.as_bytes());
    call(
        w,
        "POST",
        "/portal/api/session",
        None,
        Some(json!({ "signedMessage": B64.encode(text.as_bytes()), "signature": B64.encode(signature.as_ref()), "address": claimed.to_string() })),
    )
    .await
}

/// Signs in `key`; returns the session token from the cookie.
async fn session(w: &World, key: &Keypair) -> String {
    let result = sign_in_with(w, key, &key.pubkey(), |_| ()).await;
    assert_eq!(result.0, StatusCode::OK, "{}", result.2);
    let cookie = result.1["set-cookie"].to_str().expect("ascii").to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/portal", "Secure", "Max-Age=900"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("token")
}

/// A registered patient with a pending request of the provider (nonce 1) for imaging and
/// labs, read and write, for treatment, 30 days.
async fn patient_with_request(w: &World) -> Keypair {
    let patient = Keypair::new();
    w.chain.fund(&[&patient]).await.expect("fund");
    w.chain.register_patient(&patient, &patient).await.expect("register");
    let terms = RequestTerms::new(
        Scope::new(
            categories::IMAGING | categories::OBSERVATIONS,
            purposes::TREAT,
            actions::READ | actions::WRITE,
        ),
        30 * 86_400,
    );
    w.chain.request_access(&w.provider, &patient.pubkey(), 1, terms).await.expect("request");
    patient
}

fn request_of(w: &World, patient: &Keypair) -> String {
    pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()), 1)
        .to_string()
}

/// Builds `change` for `patient` under `token`: (id, unsigned transaction, response).
async fn build(w: &World, token: &str, patient: &Keypair, change: Value) -> (StatusCode, Value) {
    let uri = format!("/portal/api/patients/{}/transactions", patient.pubkey());
    let (status, _, body) = call(w, "POST", &uri, Some(token), Some(change)).await;
    (status, body)
}

fn decode(built: &Value) -> Transaction {
    let bytes = B64.decode(built["transaction"].as_str().expect("transaction")).expect("base64");
    bincode::deserialize(&bytes).expect("transaction")
}

async fn submit(
    w: &World,
    token: &str,
    patient: &Keypair,
    id: &str,
    tx: &Transaction,
) -> (StatusCode, HeaderMap, Value) {
    let uri = format!("/portal/api/patients/{}/transactions/{id}", patient.pubkey());
    let body = json!({ "transaction": B64.encode(bincode::serialize(tx).expect("serialize")) });
    call(w, "POST", &uri, Some(token), Some(body)).await
}

/// Signs `tx` as the patient, keeping the clinic's signature (what a wallet does).
fn wallet_sign(tx: &mut Transaction, patient: &Keypair) {
    let blockhash = tx.message.recent_blockhash;
    tx.try_partial_sign(&[patient], blockhash).expect("patient signs");
}

/// What the page does with a built transaction: the wallet signs it, the page posts it
/// back; asserts the server sent it.
async fn sign_and_send(w: &World, token: &str, wallet: &Keypair, built: &Value) {
    let mut tx = decode(built);
    wallet_sign(&mut tx, wallet);
    let sent = submit(w, token, wallet, built["id"].as_str().expect("id"), &tx).await;
    assert_eq!(sent.0, StatusCode::OK, "{}", sent.2);
}

async fn ledger_digest(w: &World, patient: &Keypair) -> String {
    let consent = w.chain.consent(&patient.pubkey(), &w.provider.pubkey()).await.expect("read");
    let requests = w.chain.pending_requests(&patient.pubkey()).await.expect("read");
    let trail = w.chain.audit_trail(&patient.pubkey(), 100).await.expect("read");
    format!("{consent:?}{requests:?}{}", trail.len())
}

#[tokio::test]
async fn sign_in_overview_approve_narrowed_then_revoke() {
    let w = world().await;
    let patient = patient_with_request(&w).await;
    let token = session(&w, &patient).await;
    let (status, headers, me) = call(&w, "GET", "/portal/api/session", Some(&token), None).await;
    assert_eq!(
        (status, me["wallet"].as_str()),
        (StatusCode::OK, Some(patient.pubkey().to_string().as_str()))
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers["content-security-policy"]
        .to_str()
        .expect("ascii")
        .contains("script-src 'self'"));

    let uri = format!("/portal/api/patients/{}", patient.pubkey());
    let (status, _, overview) = call(&w, "GET", &uri, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    let request = &overview["requests"][0];
    assert_eq!(request["providerName"], "Dr. Rivera");
    assert_eq!(
        request["summary"],
        "Read and write access to observations (labs) and imaging for treatment"
    );
    assert_eq!(request["days"], 30);
    assert_eq!(request["categories"][1], json!({ "name": "imaging", "words": "imaging" }));

    // Approve only imaging, read, for 7 days.
    let change = json!({ "kind": "approve", "request": request_of(&w, &patient), "categories": ["imaging"], "actions": ["read"], "days": 7 });
    let (status, built) = build(&w, &token, &patient, change).await;
    assert_eq!(status, StatusCode::OK, "{built}");
    assert!(
        built["description"].as_str().expect("words").contains("narrower than the request"),
        "{built}"
    );
    let mut tx = decode(&built);
    wallet_sign(&mut tx, &patient);
    let id = built["id"].as_str().expect("id");
    let sent = submit(&w, &token, &patient, id, &tx).await;
    assert_eq!(sent.0, StatusCode::OK, "{}", sent.2);
    let consent = w
        .chain
        .consent(&patient.pubkey(), &w.provider.pubkey())
        .await
        .expect("read")
        .expect("consent");
    assert_eq!(consent.scope, Scope::new(categories::IMAGING, purposes::TREAT, actions::READ));
    // The same transaction cannot be submitted twice.
    assert_eq!(submit(&w, &token, &patient, id, &tx).await.0, StatusCode::NOT_FOUND);

    // The overview shows the consent as granted.
    let (_, _, overview) = call(&w, "GET", &uri, Some(&token), None).await;
    assert_eq!(overview["access"][0]["summary"], "Read access to imaging for treatment");
    assert_eq!(overview["access"][0]["status"], "active");

    // Revoke.
    let consent_address = overview["access"][0]["consent"].as_str().expect("address").to_string();
    let (status, built) =
        build(&w, &token, &patient, json!({ "kind": "revoke", "consent": consent_address })).await;
    assert_eq!(status, StatusCode::OK, "{built}");
    assert!(built["description"]
        .as_str()
        .expect("words")
        .starts_with("Stop Dr. Rivera's read access to imaging"));
    sign_and_send(&w, &token, &patient, &built).await;
    let consent = w
        .chain
        .consent(&patient.pubkey(), &w.provider.pubkey())
        .await
        .expect("read")
        .expect("consent");
    assert_eq!(consent.status, ConsentStatus::Revoked);
    let (_, _, overview) = call(&w, "GET", &uri, Some(&token), None).await;
    assert_eq!(overview["access"][0]["status"], "revoked");
    assert!(overview["access"][0]["resealHint"].as_str().is_some());
    let trail = overview["audit"].as_array().expect("audit");
    assert_eq!(trail[0]["what"], "revoked an access", "newest first: {trail:?}");
    assert_eq!(trail[0]["actorName"], "You");
}

#[tokio::test]
async fn forged_sign_ins_are_refused() {
    let w = world().await;
    let (me, other) = (Keypair::new(), Keypair::new());
    let refused = |r: &(StatusCode, HeaderMap, Value), needle: &str| {
        assert_eq!(r.0, StatusCode::UNAUTHORIZED, "{}", r.2);
        assert!(message_of(r).contains(needle), "'{}' should say '{needle}'", message_of(r));
        assert!(r.1.get("set-cookie").is_none(), "no session for a refused sign-in");
    };
    let wrong_domain =
        sign_in_with(&w, &me, &me.pubkey(), |c| c["domain"] = json!("clinic.example.evil")).await;
    refused(&wrong_domain, "signed for clinic.example.evil");
    let unknown = sign_in_with(&w, &me, &me.pubkey(), |c| {
        c["nonce"] = json!("0123456789abcdef0123456789abcdef")
    })
    .await;
    refused(&unknown, "already used or has expired");
    let stolen = sign_in_with(&w, &other, &me.pubkey(), |_| ()).await;
    refused(&stolen, "signature does not match");

    // Replay: the same signed message twice.
    let (_, _, challenge) = call(&w, "GET", "/portal/api/challenge", None, None).await;
    let field = |name: &str| challenge[name].as_str().unwrap_or_default().to_string();
    let text = format!(
        "{} wants you to sign in with your Solana account:\n{}\n\n{}\n\nURI: {}\nVersion: {}\nNonce: {}\nIssued At: {}\nExpiration Time: {}",
        field("domain"), me.pubkey(), field("statement"), field("uri"), field("version"), field("nonce"), field("issuedAt"), field("expirationTime")
    );
    let body = json!({ "signedMessage": B64.encode(text.as_bytes()), "signature": B64.encode(me.sign_message(text.as_bytes()).as_ref()), "address": me.pubkey().to_string() });
    let first = call(&w, "POST", "/portal/api/session", None, Some(body.clone())).await;
    assert_eq!(first.0, StatusCode::OK);
    refused(&call(&w, "POST", "/portal/api/session", None, Some(body)).await, "already used");
    // No cookie, a made-up cookie.
    assert_eq!(
        call(&w, "GET", "/portal/api/session", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&w, "GET", "/portal/api/session", Some("00ff"), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_session_acts_only_for_its_own_patient() {
    let w = world().await;
    let mine = patient_with_request(&w).await;
    let theirs = patient_with_request(&w).await;
    let token = session(&w, &mine).await;
    let before = ledger_digest(&w, &theirs).await;
    let read =
        call(&w, "GET", &format!("/portal/api/patients/{}", theirs.pubkey()), Some(&token), None)
            .await;
    assert_eq!(read.0, StatusCode::FORBIDDEN);
    assert!(
        message_of(&read).contains("cannot read or change the records of another patient"),
        "{}",
        message_of(&read)
    );
    let (status, body) =
        build(&w, &token, &theirs, json!({ "kind": "deny", "request": request_of(&w, &theirs) }))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Under its own path, another patient's request is still refused (by the SDK's plan).
    let (status, body) =
        build(&w, &token, &mine, json!({ "kind": "deny", "request": request_of(&w, &theirs) }))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("belongs to another patient"));
    assert_eq!(ledger_digest(&w, &theirs).await, before, "nothing changed");
}

#[tokio::test]
async fn tampered_transactions_are_refused_and_change_nothing() {
    let w = world().await;
    let patient = patient_with_request(&w).await;
    let token = session(&w, &patient).await;
    let before = ledger_digest(&w, &patient).await;
    let narrowed = json!({ "kind": "approve", "request": request_of(&w, &patient), "categories": ["imaging"], "actions": ["read"], "days": 7 });

    // A wider approval than asked is refused before anything is built.
    let (status, body) = build(
        &w,
        &token,
        &patient,
        json!({ "kind": "approve", "request": request_of(&w, &patient), "days": 31 }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap_or_default().contains("widen"), "{body}");

    // The instruction data changed (the narrowed 7 days back to 30), re-signed by the patient.
    let (_, built) = build(&w, &token, &patient, narrowed.clone()).await;
    let mut tx = decode(&built);
    let data = &mut tx.message.instructions[0].data;
    let last = data.len() - 8;
    data[last..].copy_from_slice(&(30i64 * 86_400).to_le_bytes());
    tx.signatures.iter_mut().for_each(|s| *s = Default::default());
    wallet_sign(&mut tx, &patient);
    let r = submit(&w, &token, &patient, built["id"].as_str().expect("id"), &tx).await;
    assert_eq!(r.0, StatusCode::BAD_REQUEST, "{}", r.2);
    assert!(message_of(&r).contains("not the one built for you"), "{}", message_of(&r));

    // Unsigned by the patient.
    let (_, built) = build(&w, &token, &patient, narrowed.clone()).await;
    let tx = decode(&built);
    let r = submit(&w, &token, &patient, built["id"].as_str().expect("id"), &tx).await;
    assert_eq!(r.0, StatusCode::BAD_REQUEST);
    assert!(message_of(&r).contains("missing or invalid"), "{}", message_of(&r));

    // Signed by another key in the patient's slot.
    let (_, built) = build(&w, &token, &patient, narrowed.clone()).await;
    let mut tx = decode(&built);
    let slot = tx.message.account_keys.iter().position(|k| *k == patient.pubkey()).expect("slot");
    tx.signatures[slot] = Keypair::new().sign_message(&tx.message.serialize());
    let r = submit(&w, &token, &patient, built["id"].as_str().expect("id"), &tx).await;
    assert_eq!(r.0, StatusCode::BAD_REQUEST);

    // Garbage bytes.
    let (_, built) = build(&w, &token, &patient, narrowed).await;
    let uri = format!(
        "/portal/api/patients/{}/transactions/{}",
        patient.pubkey(),
        built["id"].as_str().expect("id")
    );
    let r = call(
        &w,
        "POST",
        &uri,
        Some(&token),
        Some(json!({ "transaction": B64.encode([1u8, 2, 3]) })),
    )
    .await;
    assert_eq!(r.0, StatusCode::BAD_REQUEST);
    assert!(message_of(&r).contains("nothing changed"));

    assert_eq!(ledger_digest(&w, &patient).await, before, "the ledger is unchanged");
}

/// The guardian of `patient`: may answer (and revoke) within imaging, for treatment, read
/// only, for 10 days.
async fn guardian_of(w: &World, patient: &Keypair) -> Keypair {
    let guardian = Keypair::new();
    w.chain.fund(&[&guardian]).await.expect("fund");
    let now = w.chain.backend().unix_time().await.expect("clock");
    let mandate = ConsentTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        now + 10 * 86_400,
    );
    let permissions = delegate_permissions::ANSWER | delegate_permissions::REVOKE;
    w.chain
        .add_delegate(patient, patient, &guardian.pubkey(), permissions, mandate)
        .await
        .expect("delegate");
    guardian
}

#[tokio::test]
async fn a_guardian_answers_for_the_patient_cut_to_the_mandate() {
    let w = world().await;
    let patient = patient_with_request(&w).await;
    let genetics = RequestTerms::new(
        Scope::new(categories::GENETICS, purposes::TREAT, actions::READ),
        7 * 86_400,
    );
    w.chain.request_access(&w.provider, &patient.pubkey(), 2, genetics).await.expect("request");
    let second =
        pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()), 2)
            .to_string();
    let guardian = guardian_of(&w, &patient).await;
    let token = session(&w, &guardian).await;

    // The guardian's own overview lists the patient it acts for, and both requests: the
    // first cut to the mandate, the second outside it.
    let uri = format!("/portal/api/patients/{}", guardian.pubkey());
    let (status, _, overview) = call(&w, "GET", &uri, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["registered"], false);
    let mandate = &overview["actingFor"][0];
    assert_eq!(mandate["patient"], patient.pubkey().to_string());
    assert_eq!(
        mandate["permissions"],
        "You may revoke any consent and answer providers' requests (approve or deny) for this patient"
    );
    assert_eq!(mandate["scope"], "read access to imaging for treatment");
    assert_eq!(mandate["answerRefusal"], Value::Null);
    let answers = mandate["requests"].as_array().expect("requests");
    assert_eq!(answers.len(), 2, "{answers:?}");
    let first = answers.iter().find(|a| a["asked"]["request"] == request_of(&w, &patient));
    let first = first.expect("the first request");
    assert_eq!(
        first["asked"]["summary"],
        "Read and write access to observations (labs) and imaging for treatment"
    );
    assert_eq!(first["withinMandate"]["summary"], "Read access to imaging for treatment");
    assert_eq!(first["withinMandate"]["days"], 10, "cut at the mandate's end");
    assert_eq!(first["cut"], true);
    let other = answers.iter().find(|a| a["asked"]["request"] == second).expect("second");
    assert_eq!(other["withinMandate"], Value::Null);
    assert!(
        other["refusal"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Nothing of this request lies within your mandate"),
        "{other}"
    );

    // Approving it under the guardian's own path builds the delegate's approval.
    let change = json!({ "kind": "approve", "request": request_of(&w, &patient) });
    let (status, built) = build(&w, &token, &guardian, change).await;
    assert_eq!(status, StatusCode::OK, "{built}");
    let description = built["description"].as_str().expect("words");
    assert!(
        description.starts_with(&format!("You are approving on behalf of patient {}: Dr. Rivera gets read access to imaging for treatment", patient.pubkey())),
        "{description}"
    );
    assert!(description.contains("cut to what your mandate as delegate allows"), "{description}");
    sign_and_send(&w, &token, &guardian, &built).await;
    let consent = w
        .chain
        .consent(&patient.pubkey(), &w.provider.pubkey())
        .await
        .expect("read")
        .expect("consent");
    assert_eq!(consent.scope, Scope::new(categories::IMAGING, purposes::TREAT, actions::READ));
    let delegate = w
        .chain
        .mandate(&pda::patient(&patient.pubkey()), &guardian.pubkey())
        .await
        .expect("read")
        .expect("mandate");
    assert_eq!(consent.grantor, delegate.delegate.index, "the guardian is the grantor");

    // An approval of the request outside the mandate is refused; denying it works.
    let (status, body) =
        build(&w, &token, &guardian, json!({ "kind": "approve", "request": second })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nothing of this request lies within your mandate"),
        "{body}"
    );
    let (status, built) =
        build(&w, &token, &guardian, json!({ "kind": "deny", "request": second })).await;
    assert_eq!(status, StatusCode::OK, "{built}");
    assert!(built["description"]
        .as_str()
        .expect("words")
        .starts_with("You are denying on behalf of patient"));
    sign_and_send(&w, &token, &guardian, &built).await;
    assert!(w.chain.pending_requests(&patient.pubkey()).await.expect("read").is_empty());

    // Nothing waits for the guardian any more; the patient's trail shows who answered.
    let (_, _, overview) = call(&w, "GET", &uri, Some(&token), None).await;
    assert_eq!(overview["actingFor"][0]["requests"], json!([]));
    let patient_token = session(&w, &patient).await;
    let patient_uri = format!("/portal/api/patients/{}", patient.pubkey());
    let (_, _, mine) = call(&w, "GET", &patient_uri, Some(&patient_token), None).await;
    let trail = mine["audit"].as_array().expect("audit");
    assert_eq!(trail[0]["what"], "denied a request for access on your behalf, as your delegate");
    assert_eq!(trail[1]["what"], "approved a request for access on your behalf, as your delegate");
    assert_eq!(trail[0]["actor"], guardian.pubkey().to_string());
    assert_eq!(
        mine["delegates"][0]["permissions"],
        "May revoke any consent and answer providers' requests (approve or deny) for you"
    );
    // The patient's own path under the guardian's session stays closed.
    let read = call(&w, "GET", &patient_uri, Some(&token), None).await;
    assert_eq!(read.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_mandate_without_answer_shows_why_and_lists_no_request() {
    let w = world().await;
    let patient = patient_with_request(&w).await;
    let helper = Keypair::new();
    let now = w.chain.backend().unix_time().await.expect("clock");
    let scope = ConsentTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        now + 86_400,
    );
    w.chain
        .add_delegate(&patient, &patient, &helper.pubkey(), delegate_permissions::REVOKE, scope)
        .await
        .expect("delegate");
    let token = session(&w, &helper).await;
    let uri = format!("/portal/api/patients/{}", helper.pubkey());
    let (_, _, overview) = call(&w, "GET", &uri, Some(&token), None).await;
    let mandate = &overview["actingFor"][0];
    assert_eq!(
        mandate["requests"],
        json!([]),
        "no request is shown to a delegate that cannot answer"
    );
    assert_eq!(mandate["scope"], "", "revoking is not bounded by a scope");
    assert!(
        mandate["answerRefusal"].as_str().unwrap_or_default().starts_with(
            "Your mandate lets you revoke any consent; answering requests needs the 'answer' permission"
        ),
        "{mandate}"
    );
    let (status, body) =
        build(&w, &token, &helper, json!({ "kind": "deny", "request": request_of(&w, &patient) }))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn the_page_is_served_with_a_strict_policy() {
    let w = world().await;
    for (path, kind) in [
        ("/portal", "text/html"),
        ("/portal/app.js", "text/javascript"),
        ("/portal/app.css", "text/css"),
    ] {
        let request = Request::builder()
            .uri(path)
            .extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 4242))))
            .body(Body::empty())
            .expect("request");
        let response = w.router.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        assert!(headers["content-type"].to_str().expect("ascii").starts_with(kind));
        assert_eq!(headers["content-security-policy"], super::CONTENT_SECURITY_POLICY);
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
    let html = super::INDEX_HTML;
    assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style");
    assert!(!html.contains("http://") && !html.contains("https://"), "no third-party resource");
    assert!(super::APP_JS.contains("/portal/api/"), "the script talks to this server only");
}
