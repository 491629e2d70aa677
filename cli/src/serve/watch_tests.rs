//! `GET /api/watch/{patient}` in-process on an embedded ledger: the stream is open before
//! the transaction, and the event arrives as one server-sent event (kind, signature, JSON)
//! within a second; a bad wallet is a 400 and an unregistered patient a 404.

use super::*;
use axum::http::Request as HttpRequest;
use http_body_util::BodyExt;
use medchain::state::{ProviderKind, RequestTerms, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::EmbeddedBackend;
use serde_json::Value;
use std::time::{Duration, Instant};
use tower::ServiceExt;

struct World {
    _dir: tempfile::TempDir,
    chain: Arc<Medchain<EmbeddedBackend>>,
    doctor: Keypair,
    patient: Keypair,
    router: Router,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Arc::new(Medchain::embedded(dir.path()).expect("open"));
    let (admin, issuer, doctor, patient) =
        (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    chain.fund(&[&admin, &issuer, &doctor, &patient]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("init");
    chain.add_issuer(&admin, &issuer.pubkey(), false).await.expect("issuer");
    chain
        .register_provider(&issuer, &doctor, [3; 32], ProviderKind::Physician)
        .await
        .expect("provider");
    chain.register_patient(&patient, &patient).await.expect("patient");
    let config = ServerConfig {
        base_url: "https://clinic.example".into(),
        fee_payer: None,
        options: ActionOptions::default(),
        chain_id: medchain_sdk::actions::spec::EMBEDDED_CHAIN_ID.into(),
        rate_per_minute: 600,
        rate_burst: 100,
        trust_forwarded_for: false,
        identifiers: Arc::default(),
        record_decisions: false,
        provider_keys: Vec::new(),
    };
    let router = router(Arc::new(AppState::new(chain.clone(), config)));
    World { _dir: dir, chain, doctor, patient, router }
}

async fn get(router: &Router, path: &str) -> Response {
    let request = HttpRequest::get(path).body(Body::empty()).expect("request");
    router.clone().oneshot(request).await.expect("response")
}

/// The fields of the first complete server-sent event in `text` (comments skipped).
fn first_event(text: &str) -> Option<Vec<(String, String)>> {
    let (block, _) = text.split_once("\n\n")?;
    Some(
        block
            .lines()
            .filter(|l| !l.starts_with(':'))
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_string(), v.trim_start().to_string()))
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_arrives_as_a_server_sent_event_within_a_second() {
    let w = world().await;
    let response = get(&w.router, &format!("/api/watch/{}", w.patient.pubkey())).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    assert_eq!(content_type.as_ref().and_then(|v| v.to_str().ok()), Some("text/event-stream"));
    let mut body = response.into_body();
    let terms =
        RequestTerms::new(Scope::new(categories::IMAGING, purposes::TREAT, actions::READ), 3_600);
    let sent = Instant::now();
    let outcome =
        w.chain.request_access(&w.doctor, &w.patient.pubkey(), 1, terms).await.expect("request");
    let mut text = String::new();
    let event = loop {
        let frame = tokio::time::timeout(Duration::from_secs(1), body.frame())
            .await
            .expect("an event within one second of the transaction")
            .expect("the stream is open")
            .expect("a frame");
        if let Some(data) = frame.data_ref() {
            text.push_str(&String::from_utf8_lossy(data));
        }
        if let Some(event) = first_event(&text) {
            break event;
        }
    };
    assert!(sent.elapsed() < Duration::from_secs(2));
    let field = |name: &str| {
        event.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    assert_eq!(field("event"), "request");
    assert_eq!(field("id"), outcome.signature.to_string());
    let data: Value = serde_json::from_str(&field("data")).expect("JSON data");
    assert_eq!(data["kind"], "request");
    assert_eq!(data["patient"], w.patient.pubkey().to_string());
    assert_eq!(data["provider"], w.doctor.pubkey().to_string());
    assert_eq!(data["instruction"], "request_access");
    assert_eq!(data["events"][0]["name"], "AccessRequested");
    assert!(data["summary"]
        .as_str()
        .is_some_and(|s| s.contains("asks for read access to imaging")));
}

#[tokio::test]
async fn bad_wallets_and_unregistered_patients_are_refused() {
    let w = world().await;
    let bad = get(&w.router, "/api/watch/not-a-wallet").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let stranger = Keypair::new().pubkey();
    let missing = get(&w.router, &format!("/api/watch/{stranger}")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let body = missing.into_body().collect().await.expect("body").to_bytes();
    let message: Value = serde_json::from_slice(&body).expect("JSON");
    assert!(
        message["message"].as_str().is_some_and(|m| m.contains("registered patient")),
        "{message}"
    );
}
