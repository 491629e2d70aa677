//! The server as a wallet sees it, in-process (axum router, no sockets), on an embedded
//! ledger: GET an action, check its JSON against the Actions specification's shapes, POST a
//! test keypair's public key, decode and check the transaction, sign it as the patient,
//! submit it, and read the result on the ledger. Also: tampering, limits, CORS, actions.json.

use super::*;
use anchor_lang::prelude::Pubkey;
use axum::http::{HeaderMap, Request as HttpRequest};
use base64::Engine as _;
use http_body_util::BodyExt;
use medchain::state::{ConsentStatus, ProviderKind, RequestStatus, RequestTerms, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::actions::proposal::GrantProposal;
use medchain_sdk::{instructions as ix, pda, EmbeddedBackend};
use serde_json::Value;
use solana_sdk::transaction::Transaction;
use std::collections::BTreeSet;
use tower::ServiceExt;

const BASE: &str = "https://clinic.example";

struct World {
    _dir: tempfile::TempDir,
    chain: Arc<Medchain<EmbeddedBackend>>,
    clinic: Keypair,
    provider: Keypair,
    router: Router,
}

fn config(clinic: Option<&Keypair>, burst: u32) -> ServerConfig {
    ServerConfig {
        base_url: BASE.into(),
        fee_payer: clinic.map(Keypair::insecure_clone),
        options: ActionOptions::default(),
        chain_id: medchain_sdk::actions::spec::EMBEDDED_CHAIN_ID.into(),
        rate_per_minute: 600,
        rate_burst: burst,
        trust_forwarded_for: false,
        identifiers: Arc::default(),
        record_decisions: false,
        provider_keys: Vec::new(),
    }
}

async fn world_with(fee_payer: bool, burst: u32) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Arc::new(Medchain::embedded(dir.path()).expect("open"));
    let (admin, issuer, provider, clinic) =
        (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    chain.fund(&[&admin, &issuer, &provider, &clinic]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("init");
    chain.add_issuer(&admin, &issuer.pubkey(), false).await.expect("issuer");
    chain
        .register_provider(&issuer, &provider, [3; 32], ProviderKind::Physician)
        .await
        .expect("provider");
    let mut config = config(fee_payer.then_some(&clinic), burst);
    config.options.provider_names.insert(provider.pubkey(), "Dr. Rivera".into());
    let router = router(Arc::new(AppState::new(chain.clone(), config)));
    World { _dir: dir, chain, clinic, provider, router }
}

async fn world() -> World {
    world_with(true, 1_000).await
}

impl World {
    /// The consent of `patient` to the world's provider, if any.
    async fn consent_of(&self, patient: &Keypair) -> Option<medchain::state::Consent> {
        self.chain.consent(&patient.pubkey(), &self.provider.pubkey()).await.expect("read")
    }

    /// The status of the AccessRequest at `request`.
    async fn request_status(&self, request: &Pubkey) -> RequestStatus {
        let state: medchain::state::AccessRequest =
            self.chain.fetch(request, "AccessRequest").await.expect("read").expect("request");
        state.status
    }
}

/// A wallet's POST of its account to `uri` (the Actions POST request).
async fn post_as(w: &World, uri: &str, wallet: &Keypair) -> (StatusCode, HeaderMap, Value) {
    call(&w.router, "POST", uri, post_body(&wallet.pubkey())).await
}

/// One HTTP exchange: (status, headers, JSON body or Null).
pub(super) async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    body: Option<String>,
) -> (StatusCode, HeaderMap, Value) {
    let request = HttpRequest::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 7], 4242))))
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

fn post_body(account: &Pubkey) -> Option<String> {
    Some(serde_json::json!({ "account": account.to_string() }).to_string())
}

/// Validates `value` against one definition of the vendored Actions schema.
fn assert_shape(definition: &str, value: &Value) {
    let mut schema: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/solana-actions.schema.json"))
            .expect("schema");
    schema["$ref"] = Value::String(format!("#/definitions/{definition}"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("valid schema");
    let errors: Vec<String> = validator.iter_errors(value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{definition}: {errors:?}\n{value:#}");
}

/// The error shape of the specification, with `status`, whose message contains `needle`.
fn assert_refused(result: &(StatusCode, HeaderMap, Value), status: u16, needle: &str) {
    assert_eq!(result.0.as_u16(), status, "{:#}", result.2);
    assert_shape("ActionError", &result.2);
    let message = result.2["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "'{message}' should mention '{needle}'");
    assert_eq!(result.1["access-control-allow-origin"], "*", "errors carry CORS headers too");
}

fn decode(response: &Value) -> Transaction {
    assert_shape("ActionPostResponse", response);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(response["transaction"].as_str().expect("transaction"))
        .expect("base64");
    bincode::deserialize(&bytes).expect("a serialized transaction")
}

/// Checks, independently of the SDK's own check, that `tx` is exactly `expected` paid by
/// `fee_payer`, signed (so far) by the fee payer only when it is the clinic, and asking
/// exactly `signers`.
fn assert_exact(
    tx: &Transaction,
    expected: &[anchor_lang::solana_program::instruction::Instruction],
    fee_payer: &Pubkey,
    signers: &[Pubkey],
) {
    let message = &tx.message;
    assert_eq!(message.account_keys[0], *fee_payer, "fee payer");
    let required = usize::from(message.header.num_required_signatures);
    let found: BTreeSet<Pubkey> = message.account_keys[..required].iter().copied().collect();
    assert_eq!(found, signers.iter().copied().collect::<BTreeSet<_>>(), "signers");
    assert_eq!(message.instructions.len(), expected.len());
    for (compiled, wanted) in message.instructions.iter().zip(expected) {
        assert_eq!(
            message.account_keys[usize::from(compiled.program_id_index)],
            medchain::ID,
            "program"
        );
        let keys: Vec<Pubkey> =
            compiled.accounts.iter().map(|i| message.account_keys[usize::from(*i)]).collect();
        let wanted_keys: Vec<Pubkey> = wanted.accounts.iter().map(|m| m.pubkey).collect();
        assert_eq!(keys, wanted_keys, "accounts");
        for (index, meta) in compiled.accounts.iter().zip(&wanted.accounts) {
            assert_eq!(
                message.is_signer(usize::from(*index)),
                meta.is_signer,
                "signer flag of {}",
                meta.pubkey
            );
            if meta.is_writable {
                assert!(
                    message.is_maybe_writable(usize::from(*index), None),
                    "{} writable",
                    meta.pubkey
                );
            }
        }
        assert_eq!(compiled.data, wanted.data, "data");
    }
    let bytes = message.serialize();
    for (signature, key) in tx.signatures.iter().zip(&message.account_keys) {
        if key == fee_payer && signers.len() > 1 {
            assert!(signature.verify(key.as_ref(), &bytes), "the clinic signed as fee payer");
        } else {
            assert_eq!(
                *signature,
                solana_sdk::signature::Signature::default(),
                "{key} has not signed yet"
            );
        }
    }
}

/// The wallet signs as the patient and submits.
async fn sign_and_submit(
    chain: &Medchain<EmbeddedBackend>,
    mut tx: Transaction,
    patient: &Keypair,
) {
    let blockhash = tx.message.recent_blockhash;
    tx.try_partial_sign(&[patient], blockhash).expect("the patient signs");
    chain.backend().send_transaction(&tx).await.expect("the transaction lands");
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

/// A registered patient holding 0 lamports (the clinic paid its registration) with a pending
/// request of nonce 1; returns the patient and the request address.
async fn pending_request(w: &World) -> (Keypair, Pubkey) {
    let patient = Keypair::new();
    w.chain.register_patient(&patient, &w.clinic).await.expect("register");
    w.chain.request_access(&w.provider, &patient.pubkey(), 1, asked()).await.expect("request");
    let request =
        pda::request(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()), 1);
    (patient, request)
}

#[tokio::test]
async fn approve_end_to_end_from_a_zero_lamport_wallet() {
    let w = world().await;
    let (patient, request) = pending_request(&w).await;
    let uri = format!("/api/actions/approve/{request}");

    let (status, headers, get) = call(&w.router, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK, "{get:#}");
    assert_shape("ActionGetResponse", &get);
    assert_eq!(get["title"], "Approve access for Dr. Rivera");
    assert_eq!(
        get["description"],
        format!(
            "Grant Dr. Rivera read and write access to observations (labs) and imaging for treatment, for 30 days. Provider wallet: {}. You can revoke it at any time. The clinic pays the network fee.",
            w.provider.pubkey()
        )
    );
    assert_eq!(get["icon"], format!("{BASE}/icon.svg"));
    let buttons = get["links"]["actions"].as_array().expect("buttons");
    assert_eq!(buttons.len(), 3, "approve, approve only these, deny");
    assert_eq!(buttons[2]["href"], format!("{BASE}/api/actions/deny/{request}"));
    assert_eq!(headers["x-action-version"], "2.4");
    assert_eq!(headers["x-blockchain-ids"], "solana:medchain-embedded-ledger");

    let (status, _, post) = post_as(&w, &uri, &patient).await;
    assert_eq!(status, StatusCode::OK, "{post:#}");
    let tx = decode(&post);
    let expected = ix::approve_request(
        &patient.pubkey(),
        &w.clinic.pubkey(),
        &w.provider.pubkey(),
        1,
        asked(),
    );
    assert_exact(&tx, &[expected], &w.clinic.pubkey(), &[w.clinic.pubkey(), patient.pubkey()]);
    assert_eq!(w.chain.backend().balance(&patient.pubkey()).await.expect("balance"), 0);
    sign_and_submit(&w.chain, tx, &patient).await;

    let consent = w.consent_of(&patient).await.expect("consent");
    assert_eq!(consent.status, ConsentStatus::Active);
    assert_eq!(consent.terms().scope.categories, asked().scope.categories);
    assert_eq!(consent.expires_at - consent.granted_at, 30 * 86_400);
    assert_eq!(
        w.chain.backend().balance(&patient.pubkey()).await.expect("balance"),
        0,
        "the patient paid nothing"
    );
    // Answered: the action shows as disabled, and a second POST is refused.
    let (_, _, again) = call(&w.router, "GET", &uri, None).await;
    assert_shape("ActionGetResponse", &again);
    assert_eq!(again["disabled"], true);
    assert!(again["error"]["message"].as_str().unwrap_or_default().contains("already answered"));
    assert_refused(&post_as(&w, &uri, &patient).await, 400, "already answered");
}

#[tokio::test]
async fn approve_narrowed_by_the_query_grants_only_the_narrower_terms() {
    let w = world().await;
    let (patient, request) = pending_request(&w).await;
    let uri = format!("/api/actions/approve/{request}?categories=imaging&actions=read&days=7");
    let (status, _, get) = call(&w.router, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK, "{get:#}");
    assert!(
        get["description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Grant Dr. Rivera read access to imaging for treatment, for 7 days."),
        "{get:#}"
    );
    let (_, _, post) = post_as(&w, &uri, &patient).await;
    let tx = decode(&post);
    let narrowed = RequestTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        7 * 86_400,
    );
    let expected = ix::approve_request(
        &patient.pubkey(),
        &w.clinic.pubkey(),
        &w.provider.pubkey(),
        1,
        narrowed,
    );
    assert_exact(&tx, &[expected], &w.clinic.pubkey(), &[w.clinic.pubkey(), patient.pubkey()]);
    sign_and_submit(&w.chain, tx, &patient).await;
    let consent = w.consent_of(&patient).await.expect("consent");
    assert_eq!(
        (consent.scope.categories, consent.scope.actions),
        (categories::IMAGING, actions::READ)
    );
}

#[tokio::test]
async fn deny_end_to_end_and_without_a_fee_payer_the_patient_pays() {
    let w = world_with(false, 1_000).await;
    let (patient, request) = pending_request(&w).await;
    w.chain.fund(&[&patient]).await.expect("this patient pays its own fee");
    let uri = format!("/api/actions/deny/{request}");
    let (status, _, get) = call(&w.router, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_shape("ActionGetResponse", &get);
    assert_eq!(get["title"], "Deny the request of Dr. Rivera");
    assert!(get["description"].as_str().unwrap_or_default().starts_with(
        "Dr. Rivera asked for read and write access to observations (labs) and imaging for treatment, for 30 days. Denying grants nothing"
    ));
    let (_, _, post) = post_as(&w, &uri, &patient).await;
    let tx = decode(&post);
    let expected = ix::deny_request(&patient.pubkey(), &w.provider.pubkey(), 1);
    assert_exact(&tx, &[expected], &patient.pubkey(), &[patient.pubkey()]);
    sign_and_submit(&w.chain, tx, &patient).await;
    assert_eq!(w.request_status(&request).await, RequestStatus::Denied);
    assert!(w.consent_of(&patient).await.is_none());
}

#[tokio::test]
async fn deny_end_to_end_from_a_zero_lamport_wallet() {
    let w = world().await;
    let (patient, request) = pending_request(&w).await;
    let uri = format!("/api/actions/deny/{request}");
    let (_, _, post) = post_as(&w, &uri, &patient).await;
    let tx = decode(&post);
    let expected = ix::deny_request(&patient.pubkey(), &w.provider.pubkey(), 1);
    assert_exact(&tx, &[expected], &w.clinic.pubkey(), &[w.clinic.pubkey(), patient.pubkey()]);
    sign_and_submit(&w.chain, tx, &patient).await;
    assert_eq!(w.request_status(&request).await, RequestStatus::Denied);
    assert_eq!(w.chain.backend().balance(&patient.pubkey()).await.expect("balance"), 0);
}

async fn proposal_query(w: &World, patient: Option<Pubkey>) -> String {
    let now = w.chain.backend().unix_time().await.expect("time");
    GrantProposal {
        provider: w.provider.pubkey(),
        terms: RequestTerms::new(
            Scope::new(
                categories::IMAGING | categories::OBSERVATIONS,
                purposes::TREAT,
                actions::READ,
            ),
            30 * 86_400,
        ),
        valid_until: now + 3_600,
        patient,
    }
    .sign(&w.provider)
    .expect("sign")
    .to_query()
}

#[tokio::test]
async fn grant_end_to_end_from_a_brand_new_zero_lamport_wallet() {
    let w = world().await;
    let patient = Keypair::new();
    let uri = format!("/api/actions/grant?{}", proposal_query(&w, None).await);
    let (status, _, get) = call(&w.router, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK, "{get:#}");
    assert_shape("ActionGetResponse", &get);
    assert_eq!(get["title"], "Grant access to Dr. Rivera");
    assert!(get["description"].as_str().unwrap_or_default().starts_with(
        "Grant Dr. Rivera read access to observations (labs) and imaging for treatment, for 30 days."
    ));
    assert_eq!(get["label"], "Grant access");

    let (status, _, post) = post_as(&w, &uri, &patient).await;
    assert_eq!(status, StatusCode::OK, "{post:#}");
    let tx = decode(&post);
    // The wallet cannot know the server's clock; take expires_at from the transaction's own
    // data and check everything else exactly.
    let data = &tx.message.instructions[1].data;
    let expires_at = i64::from_le_bytes(data[data.len() - 8..].try_into().expect("8 bytes"));
    let terms = medchain::state::ConsentTerms {
        scope: Scope::new(
            categories::IMAGING | categories::OBSERVATIONS,
            purposes::TREAT,
            actions::READ,
        ),
        expires_at,
    };
    let now = w.chain.backend().unix_time().await.expect("time");
    assert!((expires_at - now - 30 * 86_400).abs() < 60, "30 days from now");
    let expected = [
        ix::register_patient(&patient.pubkey(), &w.clinic.pubkey()),
        ix::grant_consent(&patient.pubkey(), &w.clinic.pubkey(), &w.provider.pubkey(), terms),
    ];
    assert_exact(&tx, &expected, &w.clinic.pubkey(), &[w.clinic.pubkey(), patient.pubkey()]);
    sign_and_submit(&w.chain, tx, &patient).await;
    let consent = w.consent_of(&patient).await.expect("consent");
    assert_eq!(consent.status, ConsentStatus::Active);
    assert_eq!(consent.expires_at, expires_at);
    assert_eq!(w.chain.backend().balance(&patient.pubkey()).await.expect("balance"), 0);
    // Granting again while the consent is in force is refused before any signature.
    assert_refused(&post_as(&w, &uri, &patient).await, 400, "already granted");
}

#[tokio::test]
async fn revoke_end_to_end_from_a_zero_lamport_wallet() {
    let w = world().await;
    let (patient, request) = pending_request(&w).await;
    let (_, _, post) = post_as(&w, &format!("/api/actions/approve/{request}"), &patient).await;
    sign_and_submit(&w.chain, decode(&post), &patient).await;
    let consent =
        pda::consent(&pda::patient(&patient.pubkey()), &pda::provider(&w.provider.pubkey()));
    let uri = format!("/api/actions/revoke/{consent}");
    let (status, _, get) = call(&w.router, "GET", &uri, None).await;
    assert_eq!(status, StatusCode::OK, "{get:#}");
    assert_shape("ActionGetResponse", &get);
    assert_eq!(get["title"], "Revoke the access of Dr. Rivera");
    assert!(get["description"].as_str().unwrap_or_default().starts_with(
        "Stop Dr. Rivera's read and write access to observations (labs) and imaging for treatment now"
    ), "{get:#}");
    let (_, _, post) = post_as(&w, &uri, &patient).await;
    let tx = decode(&post);
    let expected = ix::revoke_consent(&patient.pubkey(), &w.provider.pubkey());
    assert_exact(&tx, &[expected], &w.clinic.pubkey(), &[w.clinic.pubkey(), patient.pubkey()]);
    sign_and_submit(&w.chain, tx, &patient).await;
    let state = w.consent_of(&patient).await.expect("consent");
    assert_eq!(state.status, ConsentStatus::Revoked);
    assert_eq!(w.chain.backend().balance(&patient.pubkey()).await.expect("balance"), 0);
    let (_, _, after) = call(&w.router, "GET", &uri, None).await;
    assert_eq!(after["disabled"], true);
    assert_refused(&post_as(&w, &uri, &patient).await, 400, "already revoked");
}

#[tokio::test]
async fn tampered_requests_are_refused_with_the_specification_error_shape() {
    let w = world().await;
    let (patient, request) = pending_request(&w).await;
    let intruder = Keypair::new();
    let approve = format!("/api/actions/approve/{request}");
    // Another patient.
    assert_refused(&post_as(&w, &approve, &intruder).await, 403, "another patient");
    assert_refused(
        &post_as(&w, &format!("/api/actions/deny/{request}"), &intruder).await,
        403,
        "another patient",
    );
    // Wider scope than the request asked.
    for query in [
        "categories=imaging,mental-health",
        "actions=read,write,share",
        "purposes=TREAT,HRESCH",
        "days=31",
    ] {
        assert_refused(
            &call(&w.router, "GET", &format!("{approve}?{query}"), None).await,
            400,
            "widen",
        );
        assert_refused(&post_as(&w, &format!("{approve}?{query}"), &patient).await, 400, "widen");
    }
    assert_refused(
        &call(
            &w.router,
            "POST",
            &format!("{approve}?patient={}", intruder.pubkey()),
            post_body(&patient.pubkey()),
        )
        .await,
        400,
        "unknown parameter",
    );
    assert_refused(
        &post_as(&w, &format!("/api/actions/deny/{request}?days=1"), &patient).await,
        400,
        "no parameters",
    );
    // A grant proposal whose terms were widened, or bound to another patient.
    let query = proposal_query(&w, Some(patient.pubkey())).await;
    let widened = query.replace("actions=read", "actions=read%2Cwrite");
    assert_ne!(widened, query);
    assert_refused(
        &call(&w.router, "GET", &format!("/api/actions/grant?{widened}"), None).await,
        400,
        "altered",
    );
    assert_refused(
        &post_as(&w, &format!("/api/actions/grant?{widened}"), &patient).await,
        400,
        "altered",
    );
    assert_refused(
        &post_as(&w, &format!("/api/actions/grant?{query}"), &intruder).await,
        403,
        "another patient",
    );
    // Addresses that are not what the route says, or nothing at all.
    let consent_address = pda::patient(&patient.pubkey());
    assert_refused(
        &call(&w.router, "GET", &format!("/api/actions/approve/{consent_address}"), None).await,
        400,
        "not a medchain AccessRequest",
    );
    assert_refused(
        &call(&w.router, "GET", &format!("/api/actions/approve/{}", Pubkey::new_unique()), None)
            .await,
        404,
        "no AccessRequest",
    );
    assert_refused(
        &call(&w.router, "GET", "/api/actions/approve/not-a-key", None).await,
        400,
        "base58",
    );
    // Nothing changed on the ledger.
    assert_eq!(w.request_status(&request).await, RequestStatus::Pending);
    assert!(w.consent_of(&patient).await.is_none());
}

#[tokio::test]
async fn a_server_restricted_to_other_providers_refuses() {
    let w = world().await;
    let (patient, request) = pending_request(&w).await;
    let mut config = config(Some(&w.clinic), 1_000);
    config.options.providers = Some([Pubkey::new_unique()].into_iter().collect());
    let router = router(Arc::new(AppState::new(w.chain.clone(), config)));
    assert_refused(
        &call(
            &router,
            "POST",
            &format!("/api/actions/approve/{request}"),
            post_body(&patient.pubkey()),
        )
        .await,
        403,
        "does not act for provider",
    );
}

#[tokio::test]
async fn inputs_are_size_limited_and_malformed_bodies_refused() {
    let w = world().await;
    let (_, request) = pending_request(&w).await;
    let uri = format!("/api/actions/approve/{request}");
    let huge = format!("{{\"account\":\"{}\"}}", "1".repeat(MAX_BODY_BYTES));
    assert_refused(&call(&w.router, "POST", &uri, Some(huge)).await, 413, "larger than");
    assert_refused(
        &call(&w.router, "POST", &uri, Some("not json".into())).await,
        400,
        "must be JSON",
    );
    assert_refused(
        &call(&w.router, "POST", &uri, Some("{\"account\":\"xyz\"}".into())).await,
        400,
        "base58",
    );
    assert_refused(
        &call(&w.router, "POST", &uri, Some(format!("{{\"account\":\"{}\"}}", "1".repeat(60))))
            .await,
        400,
        "too long",
    );
    assert_refused(
        &call(&w.router, "GET", &format!("{uri}?days={}", "1".repeat(2_000)), None).await,
        414,
        "too long",
    );
    assert_refused(
        &call(&w.router, "GET", &format!("/api/actions/{}", "a".repeat(300)), None).await,
        414,
        "too long",
    );
    assert_refused(
        &call(&w.router, "GET", "/api/actions/transfer/all-my-sol", None).await,
        404,
        "no such action",
    );
    assert_refused(&call(&w.router, "DELETE", &uri, None).await, 405, "GET, POST");
}

#[tokio::test]
async fn clients_are_rate_limited_with_429() {
    let w = world_with(true, 3).await;
    for _ in 0..3 {
        assert_eq!(call(&w.router, "GET", "/actions.json", None).await.0, StatusCode::OK);
    }
    let limited = call(&w.router, "GET", "/actions.json", None).await;
    assert_refused(&limited, 429, "too many requests");
    assert!(limited.1.contains_key("retry-after"));
}

#[tokio::test]
async fn cors_preflight_headers_and_actions_json() {
    let w = world().await;
    for path in ["/actions.json", "/api/actions/grant", "/api/actions/approve/x"] {
        let (status, headers, _) = call(&w.router, "OPTIONS", path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for (name, value) in CORS {
            assert_eq!(headers[name], value, "{path}: {name}");
        }
        assert_eq!(headers["x-action-version"], ACTION_VERSION);
        assert_eq!(headers["x-blockchain-ids"], "solana:medchain-embedded-ledger");
    }
    let (status, headers, json) = call(&w.router, "GET", "/actions.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(headers["content-type"], "application/json");
    assert_shape("ActionsJson", &json);
    assert_eq!(json["rules"][0]["pathPattern"], "/approve/*");
    assert_eq!(json["rules"][0]["apiPath"], "/api/actions/approve/*");
    let request = HttpRequest::builder().uri("/icon.svg").body(Body::empty()).expect("request");
    let response = w.router.clone().oneshot(request).await.expect("icon");
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
}

#[tokio::test]
async fn a_transaction_for_another_program_is_never_returned() {
    // The server runs the SDK's check on every transaction; a mismatch (here: another
    // program) becomes a 500 with the specification's {message}, never a transaction.
    let w = world().await;
    let (patient, request) = pending_request(&w).await;
    let options = ActionOptions { fee_payer: Some(w.clinic.pubkey()), ..ActionOptions::default() };
    let plan = Actions::new(&w.chain, &options)
        .plan(&Action::Deny { request }, &patient.pubkey())
        .await
        .expect("plan");
    let mut tampered = plan.clone();
    tampered.expected.instructions[0].program_id = Pubkey::new_unique();
    let blockhash = w.chain.backend().latest_blockhash().await.expect("blockhash");
    let error = plan.to_post_response(blockhash, Some(&w.clinic)).map(|_| ()).and_then(|()| {
        // The real plan passes; a transaction built for another program fails the real plan's check.
        let tx = tampered.transaction(blockhash);
        medchain_sdk::actions::verify::check_transaction(&tx, &plan.expected)
            .map_err(ActionsError::from)
    });
    let error = error.expect_err("another program");
    let response = actions_error(&error);
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert_shape("ActionError", &body);
    assert!(body["message"].as_str().unwrap_or_default().contains("calls program"), "{body}");
}
