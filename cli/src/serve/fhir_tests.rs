//! The FHIR read API as a FHIR client sees it: every response `application/fhir+json` and
//! valid R4 (the vendored official schema and invariants), searches with paging, and every
//! error an OperationOutcome.

use super::cds_tests::{clinic, Clinic, BASE, MRN};
use super::tests::call;
use super::*;
use axum::http::HeaderMap;
use medchain_sdk::client::PatientRecordArgs;
use medchain_sdk::pda;
use medchain_sdk::vocabulary::categories;
use serde_json::Value;

#[path = "../../../sdk/tests/fhir/validator.rs"]
#[allow(dead_code)]
mod validator;

/// GET `uri`, checked: the FHIR media type and a valid R4 resource.
async fn get_fhir(router: &Router, uri: &str) -> (StatusCode, Value) {
    let (status, headers, body): (StatusCode, HeaderMap, Value) =
        call(router, "GET", uri, None).await;
    assert_eq!(headers["content-type"], "application/fhir+json", "{uri}");
    assert_valid_r4(&body);
    (status, body)
}

/// Validates as R4. The official R4 JSON Schema's `fhirVersion` value set stops at 4.0.0
/// (it predates the 4.0.1 technical correction, whose FHIRVersion codes include 4.0.1), so a
/// CapabilityStatement is checked to say 4.0.1 and then validated with that one code as 4.0.0.
fn assert_valid_r4(body: &Value) {
    if body["resourceType"] == "CapabilityStatement" {
        assert_eq!(body["fhirVersion"], "4.0.1");
        let mut copy = body.clone();
        copy["fhirVersion"] = Value::from("4.0.0");
        validator::assert_valid(&copy);
    } else {
        validator::assert_valid(body);
    }
}

fn ids(bundle: &Value) -> Vec<String> {
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
    format!("{}|MRN-0001", MRN).replace('|', "%7C").replace(':', "%3A").replace('/', "%2F")
}

#[tokio::test]
async fn metadata_declares_exactly_what_is_served() {
    let c = clinic().await;
    let (status, cs) = get_fhir(&c.router(None), "/fhir/metadata").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    let resources = cs["rest"][0]["resource"].as_array().expect("resources");
    let types: Vec<&str> = resources.iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(types, ["Consent", "AuditEvent", "Provenance"]);
    assert_eq!(resources[0]["interaction"][0]["code"], "read");
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
    let mut expected: Vec<String> = [&c.labs, &c.revoked, &c.expiring, &c.suspended]
        .iter()
        .map(|p| consent_of(&c, p))
        .collect();
    expected.sort();
    assert_eq!(ids(&all), expected);
    assert!(all["entry"][0]["fullUrl"]
        .as_str()
        .unwrap_or_default()
        .starts_with(&format!("{BASE}/fhir/Consent/")));
    let (_, active) = get_fhir(&r, &format!("/fhir/Consent?patient={}&status=active", mrn())).await;
    assert_eq!(
        active["total"], 2,
        "labs and the suspended provider's (its consent itself is in force)"
    );
    let (_, by_actor) = get_fhir(&r, &format!("/fhir/Consent?actor={}", c.labs.pubkey())).await;
    assert_eq!(ids(&by_actor), std::slice::from_ref(&labs));
    // Paging: one a page, following `next` to the end.
    let mut uri = format!("/fhir/Consent?patient={}&_count=1", mrn());
    let mut seen = Vec::new();
    for _ in 0..10 {
        let (_, page) = get_fhir(&r, &uri).await;
        seen.extend(ids(&page));
        let next = page["link"].as_array().into_iter().flatten().find(|l| l["relation"] == "next");
        match next {
            Some(link) => {
                uri = link["url"].as_str().expect("url").trim_start_matches(BASE).to_string()
            }
            None => break,
        }
    }
    assert_eq!(seen, expected, "paging visits every consent once");
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
    assert_eq!(ids(&provenance), [record.to_string()]);
    let (_, one) =
        get_fhir(&r, &format!("/fhir/Provenance?patient={patient}&target=Record/{record}")).await;
    assert_eq!(one["total"], 1);
    assert_eq!(
        one["entry"][0]["resource"]["target"][0]["reference"],
        format!("urn:solana:pubkey:{record}")
    );
}

#[tokio::test]
async fn every_error_is_an_operation_outcome() {
    let c = clinic().await;
    let r = c.router(None);
    let patient = c.patient.pubkey();
    let cases = [
        ("/fhir/Consent/11111111111111111111111111111111", StatusCode::NOT_FOUND),
        ("/fhir/Consent/not-a-key", StatusCode::NOT_FOUND),
        ("/fhir/Patient", StatusCode::NOT_FOUND),
        ("/fhir/Consent", StatusCode::BAD_REQUEST),
        ("/fhir/Consent?name=x", StatusCode::BAD_REQUEST),
        ("/fhir/Consent?actor=x&status=maybe", StatusCode::BAD_REQUEST),
        ("/fhir/Consent?actor=x&_count=1000", StatusCode::BAD_REQUEST),
        ("/fhir/AuditEvent", StatusCode::BAD_REQUEST),
        (&*format!("/fhir/AuditEvent?patient={patient}&date=yesterday"), StatusCode::BAD_REQUEST),
        (&*format!("/fhir/Provenance?patient={patient}&target=nope"), StatusCode::BAD_REQUEST),
    ];
    for (uri, status) in cases {
        let (got, body) = get_fhir(&r, uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_eq!(body["resourceType"], "OperationOutcome", "{uri}");
        assert!(body["issue"][0]["diagnostics"].is_string());
    }
    let (status, headers, body) = call(&r, "POST", "/fhir/Consent", Some("{}".into())).await;
    assert_eq!(
        (status, &headers["content-type"]),
        (StatusCode::METHOD_NOT_ALLOWED, &"application/fhir+json".parse().unwrap())
    );
    validator::assert_valid(&body);
}
