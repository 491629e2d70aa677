//! The FHIR read API as a FHIR client sees it over HTTP (the axum router, in-process, on an
//! embedded ledger): every response `application/fhir+json` and valid R4 (the vendored
//! official schema and the invariants of `sdk/tests/fhir/validator.rs`), reads, searches
//! with paging, and every error — the API's own, an unknown path, a method, the server's
//! rate limit and URL limits — an OperationOutcome. The search logic itself is tested in
//! `sdk/tests/fhir_rest.rs`.

use super::cds_tests::{clinic, Clinic, BASE, MRN};
use super::tests::call;
use super::*;
use axum::http::{HeaderMap, Request as HttpRequest};
use http_body_util::BodyExt;
use medchain_sdk::client::PatientRecordArgs;
use medchain_sdk::pda;
use medchain_sdk::vocabulary::categories;
use serde_json::Value;
use std::collections::BTreeSet;
use tower::ServiceExt;

#[path = "../../../sdk/tests/fhir/validator.rs"]
#[allow(dead_code)]
mod validator;

/// GET `uri`, checked: the FHIR media type and a valid R4 resource.
async fn get_fhir(router: &Router, uri: &str) -> (StatusCode, Value) {
    let (status, headers, body): (StatusCode, HeaderMap, Value) =
        call(router, "GET", uri, None).await;
    assert_eq!(headers["content-type"], "application/fhir+json", "{uri}");
    validator::assert_valid(&body);
    (status, body)
}

/// One request with headers: (status, headers, body bytes).
async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = HttpRequest::builder()
        .method(method)
        .uri(uri)
        .extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 4243))));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response =
        router.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("ok");
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.expect("body").to_bytes().to_vec())
}

/// Checks an OperationOutcome answer: its status, issue code, media type and R4 validity.
fn assert_outcome(answer: &(StatusCode, HeaderMap, Vec<u8>), status: u16, code: &str) {
    assert_eq!(answer.0.as_u16(), status, "{}", String::from_utf8_lossy(&answer.2));
    assert_eq!(answer.1["content-type"], "application/fhir+json");
    let body: Value = serde_json::from_slice(&answer.2).expect("JSON");
    validator::assert_valid(&body);
    assert_eq!(body["resourceType"], "OperationOutcome");
    assert_eq!(body["issue"][0]["code"], code, "{body}");
    assert!(body["issue"][0]["diagnostics"].as_str().is_some_and(|d| !d.is_empty()));
}

fn ids(bundle: &Value) -> BTreeSet<String> {
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"]["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn consent_of(c: &Clinic, provider: &Keypair) -> String {
    pda::consent(&pda::patient(&c.patient.pubkey()), &pda::provider(&provider.pubkey())).to_string()
}

fn mrn() -> String {
    format!("{MRN}|MRN-0001").replace('|', "%7C").replace(':', "%3A").replace('/', "%2F")
}

#[tokio::test]
async fn metadata_declares_exactly_what_is_served() {
    let c = clinic().await;
    let (status, cs) = get_fhir(&c.router(None), "/fhir/metadata").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["implementation"]["url"], format!("{BASE}/fhir"));
    let resources = cs["rest"][0]["resource"].as_array().expect("resources");
    let types: Vec<&str> = resources.iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(types, ["Consent", "AuditEvent", "Provenance"]);
    assert_eq!(resources[0]["interaction"][0]["code"], "read");
    // What it declares is what is served: each declared parameter is accepted, another is not.
    let patient = c.patient.pubkey();
    for resource in resources {
        let t = resource["type"].as_str().expect("type");
        for param in resource["searchParam"].as_array().expect("params") {
            let name = param["name"].as_str().expect("name");
            let value = match param["type"].as_str() {
                Some("date") => "ge2000-01-01".to_string(),
                Some("token") => "active".to_string(),
                _ => patient.to_string(),
            };
            let (status, body) =
                get_fhir(&c.router(None), &format!("/fhir/{t}?patient={patient}&{name}={value}"))
                    .await;
            assert_eq!(status, StatusCode::OK, "{t}?{name}: {body}");
        }
        let (status, _) =
            get_fhir(&c.router(None), &format!("/fhir/{t}?patient={patient}&undeclared=1")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{t}");
    }
}

#[tokio::test]
async fn consents_are_read_and_searched_with_paging() {
    let c = clinic().await;
    let r = c.router(None);
    let labs = consent_of(&c, &c.labs);
    let (status, consent) = get_fhir(&r, &format!("/fhir/Consent/{labs}")).await;
    assert_eq!((status, consent["id"].as_str()), (StatusCode::OK, Some(labs.as_str())));
    let (status, all) = get_fhir(&r, &format!("/fhir/Consent?patient={}", mrn())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((all["type"].as_str(), all["total"].as_u64()), (Some("searchset"), Some(4)));
    let expected: BTreeSet<String> = [&c.labs, &c.revoked, &c.expiring, &c.suspended]
        .iter()
        .map(|p| consent_of(&c, p))
        .collect();
    assert_eq!(ids(&all), expected);
    for entry in all["entry"].as_array().expect("entries") {
        let id = entry["resource"]["id"].as_str().expect("id");
        assert_eq!(entry["fullUrl"], format!("{BASE}/fhir/Consent/{id}"));
    }
    let (_, active) = get_fhir(&r, &format!("/fhir/Consent?patient={}&status=active", mrn())).await;
    assert_eq!(
        active["total"], 2,
        "labs and the suspended provider's (its consent itself is in force)"
    );
    let (_, by_actor) = get_fhir(&r, &format!("/fhir/Consent?actor={}", c.labs.pubkey())).await;
    assert_eq!(ids(&by_actor), [labs.clone()].into());
    // Paging: one a page, following `next` (absolute, under the base URL) to the end.
    let mut uri = format!("/fhir/Consent?patient={}&_count=1", mrn());
    let mut seen = Vec::new();
    for _ in 0..10 {
        let (_, page) = get_fhir(&r, &uri).await;
        seen.extend(ids(&page));
        let next = page["link"].as_array().into_iter().flatten().find(|l| l["relation"] == "next");
        match next {
            Some(link) => {
                let url = link["url"].as_str().expect("url");
                assert!(url.starts_with(&format!("{BASE}/fhir/Consent?")), "{url}");
                uri = url.trim_start_matches(BASE).to_string()
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), expected, "every consent once");
    let (_, capped) = get_fhir(&r, &format!("/fhir/Consent?patient={}&_count=1000", mrn())).await;
    let self_link = capped["link"][0]["url"].as_str().expect("self");
    assert!(self_link.contains("_count=100&"), "a larger _count is lowered: {self_link}");
    let (_, nobody) =
        get_fhir(&r, "/fhir/Consent?patient=http%3A%2F%2Fhospital.example%2Fmrn%7CMRN-9999").await;
    assert_eq!(nobody["total"], 0, "an unknown identifier is an empty searchset");
}

#[tokio::test]
async fn audit_events_and_provenance_are_searched() {
    let c = clinic().await;
    let record_id = [9; 32];
    c.chain
        .anchor_own_record(
            &c.patient,
            &c.patient,
            PatientRecordArgs {
                record_id,
                content_hash: [7; 32],
                category: categories::OBSERVATIONS,
            },
        )
        .await
        .expect("anchor");
    let r = c.router(None);
    let patient = c.patient.pubkey();
    let (status, events) = get_fhir(&r, &format!("/fhir/AuditEvent?patient={patient}")).await;
    assert_eq!(status, StatusCode::OK);
    let total = events["total"].as_u64().expect("total");
    assert!(total >= 5, "the grants, the revocation and the anchoring: {total}");
    let (_, none) =
        get_fhir(&r, &format!("/fhir/AuditEvent?patient={patient}&date=lt2000-01-01")).await;
    assert_eq!(none["total"], 0);
    let (_, today) = get_fhir(
        &r,
        &format!("/fhir/AuditEvent?patient={patient}&date=ge2000-01-01&date=lt9999-01-01"),
    )
    .await;
    assert_eq!(today["total"].as_u64(), Some(total));
    let record = pda::record(&pda::patient(&patient), &record_id);
    let (_, provenance) = get_fhir(&r, &format!("/fhir/Provenance?patient={patient}")).await;
    assert_eq!(ids(&provenance), [record.to_string()].into());
    let (_, one) = get_fhir(&r, &format!("/fhir/Provenance?target={record}")).await;
    assert_eq!(one["total"], 1);
    assert_eq!(one["entry"][0]["resource"]["target"][0]["identifier"]["value"], record.to_string());
    let (status, read) = get_fhir(&r, &format!("/fhir/Provenance/{record}")).await;
    assert_eq!((status, read["id"].as_str()), (StatusCode::OK, Some(record.to_string().as_str())));
    assert!(read["signature"][0]["data"].is_string(), "the anchoring transaction's signature");
}

#[tokio::test]
async fn every_error_is_an_operation_outcome() {
    let c = clinic().await;
    let r = c.router(None);
    let patient = c.patient.pubkey();
    let cases: [(&str, u16, &str); 13] = [
        ("/fhir/Consent/11111111111111111111111111111111", 404, "not-found"),
        ("/fhir/Consent/not-a-key", 400, "value"),
        ("/fhir/Patient", 404, "not-supported"),
        ("/fhir/Patient/1", 404, "not-supported"),
        ("/fhir", 404, "not-supported"),
        ("/fhir/AuditEvent/1", 404, "not-supported"),
        ("/fhir/Consent", 400, "required"),
        ("/fhir/Consent?name=x", 400, "not-supported"),
        ("/fhir/Consent?actor=x&status=maybe", 400, "value"),
        ("/fhir/AuditEvent", 400, "required"),
        (&*format!("/fhir/AuditEvent?patient={patient}&date=yesterday"), 400, "value"),
        (&*format!("/fhir/Provenance?patient={patient}&_offset=-1"), 400, "value"),
        ("/fhir/metadata?_format=xml", 406, "not-supported"),
    ];
    for (uri, status, code) in cases {
        assert_outcome(&send(&r, "GET", uri, &[]).await, status, code);
    }
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let answer = send(&r, method, "/fhir/Consent", &[]).await;
        assert_outcome(&answer, 405, "not-supported");
        assert_eq!(answer.1["allow"], "GET, HEAD", "{method}");
    }
    let xml = send(&r, "GET", "/fhir/metadata", &[("accept", "application/fhir+xml")]).await;
    assert_outcome(&xml, 406, "not-supported");
    let json = send(&r, "GET", "/fhir/metadata", &[("accept", "application/json")]).await;
    assert_eq!(json.0, StatusCode::OK, "application/json is accepted");
    let lenient = send(
        &r,
        "GET",
        &format!("/fhir/Consent?patient={patient}&name=x"),
        &[("prefer", "handling=lenient")],
    )
    .await;
    assert_eq!(lenient.0, StatusCode::OK);
    // The server's own limits, under /fhir, answer as FHIR too.
    let long = format!("/fhir/Consent?patient={}", "x".repeat(limits::MAX_QUERY_BYTES));
    assert_outcome(&send(&r, "GET", &long, &[]).await, 414, "too-long");
    // … while the rest of the server keeps its own error shape.
    let (status, headers, body) = call(&r, "GET", "/api/actions/nothing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["content-type"], "application/json");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn the_rate_limit_answers_fhir_clients_as_fhir() {
    let c = clinic().await;
    let config = ServerConfig {
        base_url: BASE.into(),
        fee_payer: None,
        options: ActionOptions::default(),
        chain_id: super::cds_tests::CHAIN.into(),
        rate_per_minute: 1,
        rate_burst: 2,
        trust_forwarded_for: false,
        identifiers: Arc::new(IdentifierMap::new()),
        record_decisions: false,
        provider_keys: Vec::new(),
    };
    let r = router(Arc::new(AppState::new(c.chain.clone(), config)));
    for _ in 0..2 {
        assert_eq!(send(&r, "GET", "/fhir/metadata", &[]).await.0, StatusCode::OK);
    }
    let limited = send(&r, "GET", "/fhir/metadata", &[]).await;
    assert_outcome(&limited, 429, "throttled");
    assert!(limited.1.contains_key("retry-after"), "Retry-After is kept");
    assert_eq!(limited.1["access-control-allow-origin"], "*", "and the CORS headers");
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let c = clinic().await;
    let r = c.router(None);
    let (status, headers, body) = send(&r, "HEAD", "/fhir/metadata", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/fhir+json");
    assert!(body.is_empty());
}
