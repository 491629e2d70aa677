//! The FHIR REST read API (`medchain_sdk::fhir::rest`) without HTTP, on an embedded ledger:
//! every interaction through `FhirRest::handle`, every answer validated as FHIR R4 (the
//! vendored official schema and the invariants of `tests/fhir/validator.rs`), the matches
//! checked against the accounts the chain holds. All data is synthetic.

#![cfg(feature = "embedded")]

#[allow(dead_code)]
#[path = "fhir/validator.rs"]
mod validator;

use medchain_sdk::client::{
    AnchorBatchArgs, AnchorRecordArgs, PatientRecordArgs, RecordAccessArgs,
};
use medchain_sdk::fhir::rest::{FhirRest, RestRequest, RestResponse, DEFAULT_COUNT};
use medchain_sdk::hashing::content_hash_json;
use medchain_sdk::identity::{caip10, Identifier, IdentifierMap, Role, URI_SYSTEM};
use medchain_sdk::state::{ConsentTerms, ProviderKind, Scope};
use medchain_sdk::vocabulary::{actions, categories, purposes};
use medchain_sdk::{pda, Backend, EmbeddedBackend, Medchain};
use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};
use std::collections::BTreeSet;

const BASE: &str = "https://clinic.example/fhir";
const CHAIN: &str = medchain_sdk::actions::spec::EMBEDDED_CHAIN_ID;
const MRN: &str = "http://hospital.example/mrn";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const DAY: i64 = 86_400;

struct World {
    _dir: tempfile::TempDir,
    chain: Medchain<EmbeddedBackend>,
    map: IdentifierMap,
    patient: Keypair,
    other_patient: Keypair,
    labs: Keypair,
    revoked: Keypair,
    record: solana_sdk::pubkey::Pubkey,
    own_record: solana_sdk::pubkey::Pubkey,
    batch: solana_sdk::pubkey::Pubkey,
    observation: Value,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Medchain::new(EmbeddedBackend::open(dir.path()).expect("open"));
    let [admin, issuer, patient, other_patient, labs, revoked] = [(); 6].map(|_| Keypair::new());
    chain.fund(&[&admin, &issuer, &patient, &other_patient, &labs, &revoked]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("init");
    chain.add_issuer(&admin, &issuer.pubkey(), false).await.expect("issuer");
    for p in [&labs, &revoked] {
        chain.register_provider(&issuer, p, [7; 32], ProviderKind::Physician).await.expect("reg");
    }
    for p in [&patient, &other_patient] {
        chain.register_patient(p, p).await.expect("patient");
    }
    let now = chain.backend().unix_time().await.expect("time");
    let terms = |cats| {
        ConsentTerms::new(
            Scope::new(cats, purposes::TREAT, actions::READ | actions::WRITE),
            now + 30 * DAY,
        )
    };
    chain
        .grant_consent(&patient, &patient, &labs.pubkey(), terms(categories::OBSERVATIONS))
        .await
        .expect("grant labs");
    chain
        .grant_consent(&patient, &patient, &revoked.pubkey(), terms(categories::IMAGING))
        .await
        .expect("grant");
    chain.revoke_consent(&patient, &patient, &revoked.pubkey()).await.expect("revoke");
    chain
        .grant_consent(&other_patient, &other_patient, &labs.pubkey(), terms(categories::IMAGING))
        .await
        .expect("grant other");
    for (provider, category) in [
        (&labs, categories::OBSERVATIONS),
        (&labs, categories::MENTAL_HEALTH),
        (&revoked, categories::IMAGING),
    ] {
        chain
            .record_access(
                provider,
                &patient.pubkey(),
                RecordAccessArgs { category, purpose: purposes::TREAT, action: actions::READ },
            )
            .await
            .expect("access");
    }
    let observation = serde_json::json!({
        "resourceType": "Observation", "id": "obs-synthetic-1", "status": "final",
        "code": { "text": "synthetic lab value" },
    });
    let content_hash = content_hash_json(observation.to_string().as_bytes()).expect("hash");
    let record_id = [9; 32];
    chain
        .anchor_record(
            &labs,
            &patient.pubkey(),
            AnchorRecordArgs {
                record_id,
                content_hash,
                category: categories::OBSERVATIONS,
                purpose: purposes::TREAT,
            },
        )
        .await
        .expect("anchor");
    chain
        .anchor_own_record(
            &patient,
            &patient,
            PatientRecordArgs {
                record_id: [8; 32],
                content_hash: [0x5a; 32],
                category: categories::DEMOGRAPHICS,
            },
        )
        .await
        .expect("own record");
    chain
        .anchor_batch(
            &labs,
            AnchorBatchArgs { batch_id: 1, merkle_root: [0x7e; 32], leaf_count: 3 },
        )
        .await
        .expect("batch");
    let mut map = IdentifierMap::new();
    map.insert(Role::Patient, Identifier::new(MRN, "MRN-SYN-1"), patient.pubkey()).expect("mrn");
    map.insert(Role::Actor, Identifier::new(NPI, "1234567893"), labs.pubkey()).expect("npi");
    let patient_pda = pda::patient(&patient.pubkey());
    World {
        record: pda::record(&patient_pda, &record_id),
        own_record: pda::record(&patient_pda, &[8; 32]),
        batch: pda::batch(&pda::provider(&labs.pubkey()), 1),
        _dir: dir,
        chain,
        map,
        patient,
        other_patient,
        labs,
        revoked,
        observation,
    }
}

impl World {
    fn api(&self) -> FhirRest<'_, EmbeddedBackend> {
        FhirRest::new(&self.chain, &self.map, CHAIN, BASE)
    }

    async fn request(&self, method: &str, target: &str, prefer: Option<&str>) -> RestResponse {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let api = self.api();
        let response = api.handle(&RestRequest { method, path, query, accept: None, prefer }).await;
        if let Err(errors) = validator::validate(&response.body) {
            panic!("{method} {target}: invalid R4 {:#}\n{errors:?}", response.body);
        }
        response
    }

    async fn get(&self, target: &str) -> Value {
        let response = self.request("GET", target, None).await;
        assert_eq!(response.status, 200, "GET {target}: {:#}", response.body);
        response.body
    }

    async fn refused(&self, target: &str, status: u16, code: &str) -> String {
        let response = self.request("GET", target, None).await;
        assert_eq!(response.status, status, "GET {target}: {:#}", response.body);
        assert_eq!(response.body["resourceType"], "OperationOutcome");
        assert_eq!(response.body["issue"][0]["code"], code, "GET {target}");
        response.body["issue"][0]["diagnostics"].as_str().unwrap_or_default().to_string()
    }
}

fn ids(bundle: &Value) -> BTreeSet<String> {
    entries(bundle).iter().map(|e| e["resource"]["id"].as_str().expect("id").to_string()).collect()
}

fn entries(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["search"]["mode"] == "match")
        .cloned()
        .collect()
}

fn link(bundle: &Value, relation: &str) -> Option<String> {
    bundle["link"].as_array()?.iter().find(|l| l["relation"] == relation)?["url"]
        .as_str()
        .map(str::to_string)
}

/// The path and query of an absolute link under [`BASE`].
fn relative(url: &str) -> String {
    url.strip_prefix(BASE).and_then(|u| u.strip_prefix('/')).expect("under the base").to_string()
}

fn consent_of(patient: &Keypair, provider: &Keypair) -> String {
    pda::consent(&pda::patient(&patient.pubkey()), &pda::provider(&provider.pubkey())).to_string()
}

#[tokio::test]
async fn metadata_reads_and_consent_searches() {
    let w = world().await;
    let cs = w.get("metadata").await;
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["implementation"]["url"], BASE);

    let labs_consent = consent_of(&w.patient, &w.labs);
    let read = w.get(&format!("Consent/{labs_consent}")).await;
    assert_eq!(read["id"], labs_consent);
    assert_eq!(read["status"], "active");
    assert_eq!(read["patient"]["identifier"]["value"], w.patient.pubkey().to_string());

    // The patient by wallet, by CAIP-10 id, by MRN (token and :identifier), all the same.
    let both: BTreeSet<String> = [labs_consent.clone(), consent_of(&w.patient, &w.revoked)].into();
    let caip = caip10(CHAIN, &w.patient.pubkey());
    for query in [
        format!("patient={}", w.patient.pubkey()),
        format!("patient={URI_SYSTEM}%7C{caip}"),
        format!("patient={caip}"),
        format!("patient={MRN}%7CMRN-SYN-1"),
        format!("patient:identifier={MRN}%7CMRN-SYN-1"),
        format!("patient=urn:solana:pubkey%7C{}", w.patient.pubkey()),
    ] {
        let bundle = w.get(&format!("Consent?{query}")).await;
        assert_eq!(ids(&bundle), both, "{query}");
        assert_eq!(bundle["total"], 2, "{query}");
        for e in entries(&bundle) {
            assert_eq!(
                e["fullUrl"],
                format!("{BASE}/Consent/{}", e["resource"]["id"].as_str().expect("id"))
            );
        }
    }
    // status, actor (NPI), both, OR and AND.
    let active = w.get(&format!("Consent?patient={}&status=active", w.patient.pubkey())).await;
    assert_eq!(ids(&active), [labs_consent.clone()].into());
    let inactive = w.get(&format!("Consent?patient={}&status=inactive", w.patient.pubkey())).await;
    assert_eq!(ids(&inactive), [consent_of(&w.patient, &w.revoked)].into());
    let by_npi = w.get(&format!("Consent?actor={NPI}%7C1234567893")).await;
    assert_eq!(
        ids(&by_npi),
        [labs_consent.clone(), consent_of(&w.other_patient, &w.labs)].into(),
        "the provider's consents from every patient"
    );
    let pair = w.get(&format!("Consent?patient={MRN}%7CMRN-SYN-1&actor={NPI}%7C1234567893")).await;
    assert_eq!(ids(&pair), [labs_consent.clone()].into());
    let either = w
        .get(&format!("Consent?patient={},{}", w.patient.pubkey(), w.other_patient.pubkey()))
        .await;
    assert_eq!(either["total"], 3);
    let neither = w
        .get(&format!(
            "Consent?patient={}&patient={}",
            w.patient.pubkey(),
            w.other_patient.pubkey()
        ))
        .await;
    assert_eq!(neither["total"], 0, "repeated parameters are ANDed");

    // Identifiers that name no one: an empty searchset, not an error.
    for query in [
        format!("patient={MRN}%7CMRN-UNKNOWN"),
        format!("patient={NPI}%7C1234567893"), // an actor's identifier in the patients' namespace
        format!("patient=solana:another-chain:{}", w.patient.pubkey()),
        "patient=Patient/123".to_string(),
        format!("patient={}", solana_sdk::pubkey::Pubkey::new_unique()),
    ] {
        let empty = w.get(&format!("Consent?{query}")).await;
        assert_eq!(empty["total"], 0, "{query}");
        assert!(empty.get("entry").is_none(), "{query}");
    }
}

#[tokio::test]
async fn paging_walks_every_entry_once() {
    let w = world().await;
    let all = w.get(&format!("AuditEvent?patient={}", w.patient.pubkey())).await;
    let total = all["total"].as_u64().expect("total") as usize;
    assert!(total >= 6, "three access attempts and the consent changes: {total}");
    assert!(total <= DEFAULT_COUNT, "one default page holds them");
    let mut seen = Vec::new();
    let mut next = Some(format!("AuditEvent?patient={}&_count=2", w.patient.pubkey()));
    let mut pages = 0;
    while let Some(target) = next {
        let page = w.get(&target).await;
        assert_eq!(page["total"].as_u64(), Some(total as u64));
        let page_entries = entries(&page);
        assert!(page_entries.len() <= 2);
        seen.extend(page_entries.iter().map(|e| e["fullUrl"].as_str().expect("url").to_string()));
        assert!(link(&page, "first").is_some() && link(&page, "last").is_some());
        if pages > 0 {
            assert!(link(&page, "previous").is_some(), "page {pages} has a previous link");
        }
        next = link(&page, "next").map(|u| relative(&u));
        pages += 1;
        assert!(pages <= total, "paging ends");
    }
    assert_eq!(pages, total.div_ceil(2));
    let all_urls: Vec<String> =
        entries(&all).iter().map(|e| e["fullUrl"].as_str().expect("url").to_string()).collect();
    assert_eq!(seen, all_urls, "the pages are the whole result, in order, once");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), total, "fullUrls are unique");
    let last = w.get(&relative(&link(&all, "last").expect("last"))).await;
    assert_eq!(entries(&last).len(), total);
}

#[tokio::test]
async fn audit_events_by_patient_and_date() {
    let w = world().await;
    let all = w.get(&format!("AuditEvent?patient={MRN}%7CMRN-SYN-1")).await;
    let recorded: Vec<String> = entries(&all)
        .iter()
        .map(|e| e["resource"]["recorded"].as_str().expect("recorded").to_string())
        .collect();
    let matched = entries(&all);
    let outcomes: Vec<&str> = matched
        .iter()
        .filter(|e| e["resource"]["type"]["code"] == "110110" && e["resource"]["action"] == "R")
        .map(|e| e["resource"]["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes.len(), 3, "three access attempts");
    assert!(outcomes.contains(&"0") && outcomes.contains(&"4"), "granted and denied");
    let mut sorted = recorded.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(recorded, sorted, "newest first");
    let newest = &recorded[0];
    let oldest = recorded.last().expect("one");
    let day = &newest[..10];
    let total = recorded.len();
    let count = |bundle: &Value| bundle["total"].as_u64().expect("total") as usize;
    let p = w.patient.pubkey();
    assert_eq!(count(&w.get(&format!("AuditEvent?patient={p}&date={day}")).await), total);
    assert_eq!(count(&w.get(&format!("AuditEvent?patient={p}&date=eq{}", &day[..7])).await), total);
    assert_eq!(count(&w.get(&format!("AuditEvent?patient={p}&date=ne{day}")).await), 0);
    assert_eq!(count(&w.get(&format!("AuditEvent?patient={p}&date=ge{oldest}")).await), total);
    assert_eq!(count(&w.get(&format!("AuditEvent?patient={p}&date=gt{newest}")).await), 0);
    assert_eq!(count(&w.get(&format!("AuditEvent?patient={p}&date=le{newest}")).await), total);
    assert_eq!(count(&w.get(&format!("AuditEvent?patient={p}&date=lt{oldest}")).await), 0);
    let at_newest = recorded.iter().filter(|r| *r == newest).count();
    assert_eq!(
        count(&w.get(&format!("AuditEvent?patient={p}&date=ge{newest}&date=le{newest}")).await),
        at_newest,
        "a range is two ANDed dates"
    );
    assert_eq!(
        count(&w.get(&format!("AuditEvent?patient={p}&date=lt1990-01-01,ge{oldest}")).await),
        total,
        "comma is OR"
    );
    let unknown = w.get(&format!("AuditEvent?patient={MRN}%7Cnobody")).await;
    assert_eq!(unknown["total"], 0);
    w.refused("AuditEvent", 400, "required").await;
    w.refused(&format!("AuditEvent?patient={p}&date=ap2024-01-01"), 400, "value").await;
    w.refused(&format!("AuditEvent?patient={p}&date=2024-01-01T10:00"), 400, "value").await;
}

#[tokio::test]
async fn provenance_of_records_and_batches() {
    let w = world().await;
    let by_patient = w.get(&format!("Provenance?patient={}", w.patient.pubkey())).await;
    assert_eq!(ids(&by_patient), [w.record.to_string(), w.own_record.to_string()].into());
    for e in entries(&by_patient) {
        let r = &e["resource"];
        assert_eq!(r["target"][0]["identifier"]["value"], r["id"]);
        assert!(r["signature"][0]["data"].is_string(), "the anchoring transaction is found");
    }
    let record = w.get(&format!("Provenance/{}", w.record)).await;
    assert_eq!(record["agent"][0]["who"]["identifier"]["value"], w.labs.pubkey().to_string());
    let own = w.get(&format!("Provenance/{}", w.own_record)).await;
    assert_eq!(own["agent"][0]["who"]["type"], "Patient");

    let hash = hex::encode(content_hash_json(w.observation.to_string().as_bytes()).expect("h"));
    for query in [
        format!("target={}", w.record),
        format!("target=urn:solana:pubkey%7C{}", w.record),
        format!("target={hash}"),
        format!("target={hash}&patient={MRN}%7CMRN-SYN-1"),
    ] {
        let found = w.get(&format!("Provenance?{query}")).await;
        assert_eq!(ids(&found), [w.record.to_string()].into(), "{query}");
    }
    let batch = w.get(&format!("Provenance?target={}", w.batch)).await;
    assert_eq!(ids(&batch), [w.batch.to_string()].into());
    let leaf_count = batch["entry"][0]["resource"]["extension"][0]["extension"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["url"] == "leafCount")
        .expect("leafCount")["valueUnsignedInt"]
        .clone();
    assert_eq!(leaf_count, 3);
    let either = w.get(&format!("Provenance?target={},{}", w.batch, w.record)).await;
    assert_eq!(either["total"], 2);
    let batch_of_patient =
        w.get(&format!("Provenance?target={}&patient={}", w.batch, w.patient.pubkey())).await;
    assert_eq!(batch_of_patient["total"], 0, "a batch names no patient");
    for nothing in [
        "Provenance?target=Observation/obs-synthetic-1".to_string(),
        format!("Provenance?target={}", "00".repeat(32)),
        format!("Provenance?target={}", consent_of(&w.patient, &w.labs)),
        format!("Provenance?patient={}", w.other_patient.pubkey()),
    ] {
        assert_eq!(w.get(&nothing).await["total"], 0, "{nothing}");
    }
    w.refused("Provenance", 400, "required").await;
    w.refused(&format!("Provenance/{}", consent_of(&w.patient, &w.labs)), 404, "not-found").await;
}

#[tokio::test]
async fn every_error_is_an_operation_outcome() {
    let w = world().await;
    let p = w.patient.pubkey();
    let missing = solana_sdk::pubkey::Pubkey::new_unique();
    w.refused(&format!("Consent/{missing}"), 404, "not-found").await;
    w.refused(&format!("Consent/{}", w.record), 404, "not-found").await; // not a Consent
    w.refused("Consent/not-base58-0OIl", 400, "value").await;
    w.refused("Patient", 404, "not-supported").await;
    w.refused("Patient/123", 404, "not-supported").await;
    w.refused("AuditEvent/abc", 404, "not-supported").await;
    w.refused(
        &format!("Consent/{}/_history/1", consent_of(&w.patient, &w.labs)),
        404,
        "not-supported",
    )
    .await;
    w.refused("", 404, "not-supported").await;
    w.refused("Consent", 400, "required").await;
    let diagnostics = w.refused(&format!("Consent?patient={p}&name=x"), 400, "not-supported").await;
    assert!(diagnostics.contains("'name'"), "{diagnostics}");
    w.refused(&format!("Consent?patient={p}&status:not=active"), 400, "not-supported").await;
    w.refused(&format!("Consent?patient={p}&status=approved"), 400, "value").await;
    w.refused(&format!("Consent?patient={p}&_count=lots"), 400, "value").await;
    w.refused(&format!("Consent?patient={p}&_format=xml"), 406, "not-supported").await;
    w.refused("metadata?_sort=name", 400, "not-supported").await;
    w.refused("metadata?_pretty=maybe", 400, "value").await;
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let response = w.request(method, "Consent", None).await;
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.body["issue"][0]["code"], "not-supported");
    }
    let api = w.api();
    let xml_only = api
        .handle(&RestRequest {
            method: "GET",
            path: "metadata",
            accept: Some("application/fhir+xml"),
            ..RestRequest::default()
        })
        .await;
    assert_eq!(xml_only.status, 406);
    assert!(validator::validate(&xml_only.body).is_ok());

    // Lenient handling ignores what it does not know and says so.
    let lenient =
        w.request("GET", &format!("Consent?patient={p}&name=x"), Some("handling=lenient")).await;
    assert_eq!(lenient.status, 200);
    assert_eq!(lenient.body["total"], 2);
    let outcome = lenient.body["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["search"]["mode"] == "outcome")
        .expect("an outcome entry");
    assert!(outcome["resource"]["issue"][0]["diagnostics"].as_str().expect("d").contains("name"));
    assert!(!link(&lenient.body, "self").expect("self").contains("name"));

    let pretty = w.request("GET", "metadata?_pretty=true&_format=json", None).await;
    assert!(String::from_utf8(pretty.to_bytes()).expect("utf8").contains("\n  \""));
}
