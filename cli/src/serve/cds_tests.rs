//! Consent decisions as a hospital's integration engine sees them: LEAP-CDS-shaped CDS Hooks
//! and XACML requests, with medchain identifiers (CAIP-10 ids and the clinic's MRN/NPI map),
//! against an embedded ledger where each provider's consent tells one story.

use super::tests::call;
use super::*;
use axum::http::HeaderMap;
use medchain::state::{ConsentTerms, ProviderKind, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::fhir::{audit_trail_bundle, vocab::ACT_CODE_SYSTEM};
use medchain_sdk::identity::{caip10, Identifier, Role};
use medchain_sdk::{pda, EmbeddedBackend};
use serde_json::{json, Value};

pub(super) const BASE: &str = "https://clinic.example";
pub(super) const CHAIN: &str = medchain_sdk::actions::spec::EMBEDDED_CHAIN_ID;
pub(super) const MRN: &str = "http://hospital.example/mrn";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const DAY: i64 = 86_400;

/// The cast: one patient and one provider per story.
pub(super) struct Clinic {
    pub(super) _dir: tempfile::TempDir,
    pub(super) chain: Arc<Medchain<EmbeddedBackend>>,
    pub(super) issuer: Keypair,
    pub(super) patient: Keypair,
    /// Holds labs and substance-use for treatment, 30 days.
    pub(super) labs: Keypair,
    /// Its consent was revoked.
    pub(super) revoked: Keypair,
    /// Its consent expires within the hour.
    pub(super) expiring: Keypair,
    /// Holds a consent, but was suspended by its issuer.
    pub(super) suspended: Keypair,
    /// Registered, no consent; may break the glass.
    pub(super) emergency: Keypair,
}

async fn provider(chain: &Medchain<EmbeddedBackend>, issuer: &Keypair) -> Keypair {
    let provider = Keypair::new();
    chain.fund(&[&provider]).await.expect("fund");
    chain
        .register_provider(issuer, &provider, [7; 32], ProviderKind::Physician)
        .await
        .expect("register");
    provider
}

async fn grant(c: &Clinic, provider: &Keypair, categories: u32, days: i64) {
    let now = c.chain.backend().unix_time().await.expect("time");
    let terms =
        ConsentTerms::new(Scope::new(categories, purposes::TREAT, actions::READ), now + days * DAY);
    c.chain.grant_consent(&c.patient, &c.patient, &provider.pubkey(), terms).await.expect("grant");
}

pub(super) async fn clinic() -> Clinic {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Arc::new(Medchain::embedded(dir.path()).expect("open"));
    let (admin, issuer, patient) = (Keypair::new(), Keypair::new(), Keypair::new());
    chain.fund(&[&admin, &issuer, &patient]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("init");
    chain.add_issuer(&admin, &issuer.pubkey(), true).await.expect("issuer");
    chain.register_patient(&patient, &patient).await.expect("patient");
    let labs = provider(&chain, &issuer).await;
    let revoked = provider(&chain, &issuer).await;
    let expiring = provider(&chain, &issuer).await;
    let suspended = provider(&chain, &issuer).await;
    let emergency = provider(&chain, &issuer).await;
    let c =
        Clinic { _dir: dir, chain, issuer, patient, labs, revoked, expiring, suspended, emergency };
    grant(&c, &c.labs, categories::OBSERVATIONS | categories::SUBSTANCE_USE, 30).await;
    grant(&c, &c.revoked, categories::OBSERVATIONS, 30).await;
    c.chain.revoke_consent(&c.patient, &c.patient, &c.revoked.pubkey()).await.expect("revoke");
    let now = c.chain.backend().unix_time().await.expect("time");
    let soon = ConsentTerms::new(
        Scope::new(categories::OBSERVATIONS, purposes::TREAT, actions::READ),
        now + 60,
    );
    c.chain.grant_consent(&c.patient, &c.patient, &c.expiring.pubkey(), soon).await.expect("grant");
    grant(&c, &c.suspended, categories::OBSERVATIONS, 30).await;
    c.chain.suspend_provider(&c.issuer, &c.suspended.pubkey()).await.expect("suspend");
    c.chain.backend().advance_clock(120).await.expect("clock");
    c
}

impl Clinic {
    /// The clinic's identifier map: the patient's MRN and the labs provider's NPI.
    fn identifiers(&self) -> IdentifierMap {
        let mut map = IdentifierMap::new();
        map.insert(Role::Patient, Identifier::new(MRN, "MRN-0001"), self.patient.pubkey())
            .expect("mrn");
        map.insert(Role::Actor, Identifier::new(NPI, "1234567893"), self.labs.pubkey())
            .expect("npi");
        map
    }

    pub(super) fn router(&self, record_with: Option<&Keypair>) -> Router {
        let config = ServerConfig {
            base_url: BASE.into(),
            fee_payer: None,
            options: ActionOptions::default(),
            chain_id: CHAIN.into(),
            rate_per_minute: 6_000,
            rate_burst: 1_000,
            trust_forwarded_for: false,
            identifiers: Arc::new(self.identifiers()),
            record_decisions: record_with.is_some(),
            provider_keys: record_with.into_iter().map(Keypair::insecure_clone).collect(),
        };
        router(Arc::new(AppState::new(self.chain.clone(), config)))
    }
}

/// An actor identifier as a CAIP-10 account id.
fn actor(wallet: &Keypair) -> Value {
    json!({ "system": "urn:ietf:rfc:3986", "value": caip10(CHAIN, &wallet.pubkey()) })
}

/// The LEAP-CDS README's hook request, with the given identifiers, classes and purposes.
fn hook(patient: Value, actor: Value, classes: &[(&str, &str)], purpose: Value) -> Value {
    let class: Vec<Value> =
        classes.iter().map(|(system, code)| json!({ "system": system, "code": code })).collect();
    json!({
        "hook": "patient-consent-consult",
        "hookInstance": "hook-instance-123",
        "context": {
            "patientId": [patient],
            "category": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }],
            "class": class,
            "purposeOfUse": purpose,
            "actor": [actor],
        }
    })
}

const TYPES: &str = "http://hl7.org/fhir/resource-types";

fn mrn() -> Value {
    json!({ "system": MRN, "value": "MRN-0001" })
}

fn labs_hook(provider: &Keypair) -> Value {
    hook(mrn(), actor(provider), &[(TYPES, "Observation")], json!(["TREAT"]))
}

async fn consult(router: &Router, body: &Value) -> (StatusCode, HeaderMap, Value) {
    call(router, "POST", "/cds-services/patient-consent-consult", Some(body.to_string())).await
}

/// The one card, checked against the shape LEAP-CDS documents.
fn card_of(response: &(StatusCode, HeaderMap, Value)) -> &Value {
    assert_eq!(response.0, StatusCode::OK, "{:#}", response.2);
    let cards = response.2["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 1, "one card");
    let card = &cards[0];
    let decision = card["summary"].as_str().expect("summary");
    assert!(["CONSENT_PERMIT", "CONSENT_DENY", "NO_CONSENT"].contains(&decision));
    assert_eq!(card["extension"]["decision"], decision);
    let indicator = match decision {
        "CONSENT_PERMIT" => "info",
        "CONSENT_DENY" => "critical",
        _ => "warning",
    };
    assert_eq!(card["indicator"], indicator);
    assert!(card["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(card["source"]["url"], BASE);
    assert!(card["source"]["label"].is_string());
    for o in card["extension"]["obligations"].as_array().expect("obligations") {
        assert_eq!(o["id"], json!({ "system": ACT_CODE_SYSTEM, "code": "REDACT" }));
        let p = o["parameters"].as_object().expect("parameters");
        assert!(!p.is_empty());
        for (name, codes) in p {
            assert!(name == "codes" || name == "exceptAnyOfCodes", "{name}");
            for code in codes.as_array().expect("codes") {
                assert!(code["system"].is_string() && code["code"].is_string(), "{code}");
            }
        }
    }
    card
}

fn decision_of(response: &(StatusCode, HeaderMap, Value)) -> (String, String) {
    let card = card_of(response);
    (
        card["summary"].as_str().unwrap_or_default().to_string(),
        card["extension"]["medchain"]["reason"].as_str().unwrap_or_default().to_string(),
    )
}

fn obligation(card: &Value, parameter: &str) -> Vec<String> {
    card["extension"]["obligations"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["parameters"][parameter].as_array().cloned().unwrap_or_default())
        .map(|c| c["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn discovery_lists_the_patient_consent_consult_service() {
    let c = clinic().await;
    let (status, headers, body) = call(&c.router(None), "GET", "/cds-services", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], "*");
    let service = &body["services"][0];
    assert_eq!(
        (&service["hook"], &service["id"]),
        (&json!("patient-consent-consult"), &json!("patient-consent-consult"))
    );
    assert!(service["description"].is_string());
}

#[tokio::test]
async fn every_story_gets_its_decision() {
    let c = clinic().await;
    let r = c.router(None);
    let permit = consult(&r, &labs_hook(&c.labs)).await;
    assert_eq!(decision_of(&permit), ("CONSENT_PERMIT".into(), "granted".into()));
    let card = card_of(&permit);
    let consent =
        pda::consent(&pda::patient(&c.patient.pubkey()), &pda::provider(&c.labs.pubkey()));
    assert_eq!(card["extension"]["basedOn"], format!("{BASE}/fhir/Consent/{consent}"));
    assert_eq!(
        obligation(card, "codes"),
        ["PSY", "MH", "SEX", "GDIS", "HIV", "STD"],
        "withheld sensitive labels"
    );
    assert_eq!(card["extension"]["medchain"]["recording"], "read-only");
    assert!(card["detail"].as_str().unwrap_or_default().contains("only reads"));
    let by_npi = hook(
        mrn(),
        json!({ "system": NPI, "value": "1234567893" }),
        &[(TYPES, "Observation")],
        json!("TREAT"),
    );
    assert_eq!(
        decision_of(&consult(&r, &by_npi).await).0,
        "CONSENT_PERMIT",
        "the NPI resolves through the map"
    );
    let by_caip = hook(
        json!({ "system": "urn:ietf:rfc:3986", "value": caip10(CHAIN, &c.patient.pubkey()) }),
        actor(&c.labs),
        &[(TYPES, "Observation")],
        json!(["TREAT"]),
    );
    assert_eq!(decision_of(&consult(&r, &by_caip).await).0, "CONSENT_PERMIT");

    let cases: [(&Keypair, Value, &str, &str); 7] = [
        (&c.revoked, labs_hook(&c.revoked), "CONSENT_DENY", "consent_revoked"),
        (&c.expiring, labs_hook(&c.expiring), "CONSENT_DENY", "consent_expired"),
        (&c.suspended, labs_hook(&c.suspended), "CONSENT_DENY", "provider_not_active"),
        (
            &c.labs,
            hook(mrn(), actor(&c.labs), &[(TYPES, "Condition")], json!(["TREAT"])),
            "CONSENT_DENY",
            "category_not_covered",
        ),
        (
            &c.labs,
            hook(mrn(), actor(&c.labs), &[(TYPES, "Observation")], json!(["HPAYMT"])),
            "CONSENT_DENY",
            "purpose_not_covered",
        ),
        (&c.emergency, labs_hook(&c.emergency), "NO_CONSENT", "no_consent"),
        (
            &c.labs,
            hook(
                json!({ "system": MRN, "value": "MRN-9999" }),
                actor(&c.labs),
                &[(TYPES, "Observation")],
                json!(["TREAT"]),
            ),
            "NO_CONSENT",
            "no_consent",
        ),
    ];
    for (who, body, decision, reason) in cases {
        let response = consult(&r, &body).await;
        assert_eq!(
            decision_of(&response),
            (decision.to_string(), reason.to_string()),
            "{}",
            who.pubkey()
        );
        assert!(card_of(&response)["extension"]["obligations"]
            .as_array()
            .is_some_and(Vec::is_empty));
    }
    let unknown_actor = hook(
        mrn(),
        json!({ "system": NPI, "value": "0000000000" }),
        &[(TYPES, "Observation")],
        json!("TREAT"),
    );
    let response = consult(&r, &unknown_actor).await;
    assert_eq!(decision_of(&response).0, "NO_CONSENT");
    assert!(card_of(&response)["detail"].as_str().unwrap_or_default().contains("actor"));
}

#[tokio::test]
async fn labs_yes_mental_health_no_is_a_permit_with_redact_except_any_of_codes() {
    let c = clinic().await;
    let body = hook(
        mrn(),
        actor(&c.labs),
        &[(TYPES, "Observation"), (ACT_CODE_SYSTEM, "PSY"), (ACT_CODE_SYSTEM, "ETH")],
        json!(["TREAT"]),
    );
    let response = consult(&c.router(None), &body).await;
    let card = card_of(&response);
    assert_eq!(card["summary"], "CONSENT_PERMIT");
    assert_eq!(obligation(card, "exceptAnyOfCodes"), ["Observation", "ETH"]);
    assert!(obligation(card, "codes").contains(&"PSY".to_string()));
    assert!(!obligation(card, "codes").contains(&"ETH".to_string()), "substance use is granted");
}

#[tokio::test]
async fn break_glass_permits_an_emergency_read_while_the_window_is_open() {
    let c = clinic().await;
    let r = c.router(None);
    let body = hook(mrn(), actor(&c.emergency), &[(TYPES, "Observation")], json!(["ETREAT"]));
    assert_eq!(decision_of(&consult(&r, &body).await).0, "NO_CONSENT", "no window yet");
    c.chain
        .open_emergency_access(&c.emergency, &c.issuer.pubkey(), &c.patient.pubkey(), 1, 3_600)
        .await
        .expect("break glass");
    let response = consult(&r, &body).await;
    assert_eq!(decision_of(&response), ("CONSENT_PERMIT".into(), "emergency_access".into()));
    let emergency =
        pda::emergency(&pda::patient(&c.patient.pubkey()), &pda::provider(&c.emergency.pubkey()));
    assert_eq!(
        card_of(&response)["extension"]["medchain"]["emergencyAccess"],
        emergency.to_string()
    );
    let treat = hook(mrn(), actor(&c.emergency), &[(TYPES, "Observation")], json!(["TREAT"]));
    assert_eq!(decision_of(&consult(&r, &treat).await).0, "NO_CONSENT", "only an emergency read");
}

#[tokio::test]
async fn xacml_answers_the_same_decisions() {
    let c = clinic().await;
    let r = c.router(None);
    let xacml = |provider: &Keypair, class: &str| {
        json!({ "Request": {
            "AccessSubject": [{ "Attribute": [{ "AttributeId": "actor", "Value": [actor(provider)] }] }],
            "Action": [{ "Attribute": [
                { "AttributeId": "category", "Value": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
                { "AttributeId": "purposeOfUse", "Value": ["TREAT"] }] }],
            "Resource": [{ "Attribute": [
                { "AttributeId": "patientId", "Value": [mrn()] },
                { "AttributeId": "class", "Value": [{ "system": TYPES, "value": class }] }] }]
        }})
    };
    let cases = [
        (&c.labs, "Observation", "Permit"),
        (&c.revoked, "Observation", "Deny"),
        (&c.labs, "Condition", "Deny"),
        (&c.emergency, "Observation", "NotApplicable"),
    ];
    for (provider, class, decision) in cases {
        let (status, _, body) =
            call(&r, "POST", "/xacml", Some(xacml(provider, class).to_string())).await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        let response = &body["Response"][0];
        assert_eq!(response["Decision"], decision, "{body:#}");
        for o in response["Obligations"].as_array().expect("Obligations") {
            assert_eq!(o["Id"]["code"], "REDACT");
            for a in o["AttributeAssignment"].as_array().expect("AttributeAssignment") {
                assert!(a["AttributeId"].is_string() && a["Value"].is_array());
            }
        }
        assert_eq!(
            response["Obligations"].as_array().map(Vec::is_empty),
            Some(decision != "Permit")
        );
    }
}

#[tokio::test]
async fn malformed_requests_get_400_with_a_json_error_and_change_nothing() {
    let c = clinic().await;
    let r = c.router(Some(&c.labs));
    let counters = || async {
        let consent = c.chain.consent(&c.patient.pubkey(), &c.labs.pubkey()).await.expect("read");
        consent.map(|c| (c.version, c.granted_count, c.denied_count))
    };
    let consent_before = counters().await;
    let mut no_actor = labs_hook(&c.labs);
    no_actor["context"].as_object_mut().expect("context").remove("actor");
    let mut wrong_hook = labs_hook(&c.labs);
    wrong_hook["hook"] = json!("order-sign");
    let mut unknown_purpose = labs_hook(&c.labs);
    unknown_purpose["context"]["purposeOfUse"] = json!(["NOTAPURPOSE"]);
    let mut two_patients = labs_hook(&c.labs);
    two_patients["context"]["patientId"] =
        json!([mrn(), { "system": "urn:ietf:rfc:3986", "value": caip10(CHAIN, &c.labs.pubkey()) }]);
    let bodies = [
        ("{not json".to_string(), "$"),
        ("[]".to_string(), "$"),
        (no_actor.to_string(), "context.actor"),
        (wrong_hook.to_string(), "hook"),
        (unknown_purpose.to_string(), "context.purposeOfUse"),
        (two_patients.to_string(), "context.patientId"),
    ];
    for (body, path) in bodies {
        for uri in ["/cds-services/patient-consent-consult", "/xacml"] {
            let (status, headers, json) = call(&r, "POST", uri, Some(body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}: {json}");
            assert_eq!(headers["content-type"], "application/json");
            assert!(json["message"].is_string(), "{json}");
            if uri.starts_with("/cds") {
                assert_eq!(json["path"], path, "{json}");
            }
        }
    }
    let (status, _, _) = call(&r, "GET", "/xacml", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let consent_after = counters().await;
    assert_eq!(consent_before, consent_after, "nothing was recorded");
}

#[tokio::test]
async fn recorded_decisions_land_in_the_audit_trail_denied_ones_too() {
    let c = clinic().await;
    let r = c.router(Some(&c.labs));
    let counters = || async {
        let consent = c
            .chain
            .consent(&c.patient.pubkey(), &c.labs.pubkey())
            .await
            .expect("read")
            .expect("consent");
        (consent.granted_count, consent.denied_count)
    };
    let (granted, denied) = counters().await;
    let denied_hook = hook(mrn(), actor(&c.labs), &[(TYPES, "Condition")], json!(["TREAT"]));
    let response = consult(&r, &denied_hook).await;
    let card = card_of(&response);
    assert_eq!(card["summary"], "CONSENT_DENY");
    let m = &card["extension"]["medchain"];
    assert_eq!(m["recording"], "recorded");
    let signature = m["transactions"][0]["signature"].as_str().expect("signature").to_string();
    assert_eq!(m["transactions"][0]["allowed"], false);
    assert_eq!(counters().await, (granted, denied + 1), "the denied counter moved");
    let permit = consult(&r, &labs_hook(&c.labs)).await;
    assert_eq!(card_of(&permit)["extension"]["medchain"]["recording"], "recorded");
    assert_eq!(counters().await, (granted + 1, denied + 1));
    // Another provider's consult: this server holds no key of it.
    let other = consult(&r, &labs_hook(&c.revoked)).await;
    assert_eq!(card_of(&other)["extension"]["medchain"]["recording"], "no-provider-key");

    let trail = c.chain.audit_trail(&c.patient.pubkey(), 100).await.expect("trail");
    let entry = trail
        .iter()
        .find(|e| e.signature == signature)
        .expect("the denied consult is in the trail");
    let attempt = entry.access.as_ref().expect("an access attempt");
    assert_eq!((attempt.category, attempt.allowed), (categories::CONDITIONS, Some(false)));
    let bundle = audit_trail_bundle(&c.patient.pubkey(), &trail).expect("export");
    assert!(bundle.to_string().contains(&signature), "audit export carries it");
}

#[tokio::test]
async fn content_mode_returns_the_bundle_without_what_the_consent_does_not_permit() {
    let c = clinic().await;
    let bundle: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/synthea-style-bundle.json"))
            .expect("bundle");
    let mut body = hook(mrn(), actor(&c.labs), &[], json!(["TREAT"]));
    body["context"].as_object_mut().expect("context").remove("class");
    body["context"]["content"] = bundle.clone();
    let response = consult(&c.router(None), &body).await;
    let card = card_of(&response);
    assert_eq!(card["summary"], "CONSENT_PERMIT");
    let kept: Vec<(String, Option<String>)> = card["extension"]["content"]["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let r = &e["resource"];
            (
                r["resourceType"].as_str().unwrap_or_default().to_string(),
                r["meta"]["security"][0]["code"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("Observation".to_string(), None),
            ("Observation".to_string(), Some("ETH".to_string())),
            ("DiagnosticReport".to_string(), None),
        ],
        "labs and the granted substance-use label stay; the rest goes"
    );
    let total = bundle["entry"].as_array().map_or(0, Vec::len);
    assert_eq!(card["extension"]["medchain"]["removedResources"], total - 3);
    assert_eq!(
        obligation(card, "exceptAnyOfCodes").first().map(String::as_str),
        Some("Observation")
    );

    let denied = hook(mrn(), actor(&c.revoked), &[(TYPES, "Observation")], json!(["TREAT"]));
    let mut denied = denied;
    denied["context"]["content"] = bundle;
    let response = consult(&c.router(None), &denied).await;
    assert_eq!(
        card_of(&response)["extension"]["content"]["entry"],
        json!([]),
        "a denial releases nothing"
    );
}
