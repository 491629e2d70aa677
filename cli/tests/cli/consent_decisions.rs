//! `medchain serve` as a consent decision service: bad settings are refused, and with
//! `--record-decisions` a denied CDS Hooks consult shows in `consent show` and `audit export`.

use super::*;
use std::io::{Read, Write};

/// The clinic's identifier map: the patient's MRN and the doctor's NPI.
pub(super) fn identifier_map(env: &Env, c: &Cast) -> String {
    let path = env.path("ids.json");
    let map = serde_json::json!({
        "patients": [{ "system": "http://hospital.example/mrn", "value": "MRN-0001", "wallet": c.patient.1 }],
        "actors": [{ "system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893", "wallet": c.doctor.1 }],
    });
    std::fs::write(&path, map.to_string()).expect("write map");
    path.display().to_string()
}

/// One HTTP POST of JSON; returns the raw response.
pub(super) fn post(address: &str, path: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: clinic.example\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

pub(super) fn consult(class: &str) -> String {
    serde_json::json!({
        "hook": "patient-consent-consult",
        "hookInstance": "hook-instance-123",
        "context": {
            "patientId": [{ "system": "http://hospital.example/mrn", "value": "MRN-0001" }],
            "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": class }],
            "purposeOfUse": ["TREAT"],
            "actor": [{ "system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893" }],
        }
    })
    .to_string()
}

#[test]
fn bad_decision_settings_are_refused() {
    let env = Env::new();
    let c = cast(&env);
    let base = ["serve", "--base-url", "https://clinic.example"];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [base, extra].concat()
    }
    refused(&env, &with(&base, &["--record-decisions"]), 3, "--provider-keypair");
    refused(&env, &with(&base, &["--provider-keypair", &c.doctor.0]), 3, "--record-decisions");
    refused(
        &env,
        &with(&base, &["--record-decisions", "--provider-keypair", &c.patient.0]),
        3,
        "not a registered provider",
    );
    std::fs::write(
        env.path("bad.json"),
        r#"{"patients":[{"system":"s","value":"v","wallet":"x"}]}"#,
    )
    .expect("write");
    let bad = env.path("bad.json").display().to_string();
    refused(&env, &with(&base, &["--identifier-map", &bad]), 3, "patients[0].wallet");
}

#[test]
fn a_recorded_denied_consult_shows_in_consent_show_and_audit_export() {
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    let map = identifier_map(&env, &c);
    let shown = |env: &Env| {
        env.json(&["consent", "show", "--patient", &c.patient.1, "--provider", &c.doctor.1])
    };
    let before = shown(&env)["denied_count"].as_u64().expect("denied_count");
    let (mut child, address) = spawn_serve(
        &env,
        &[
            "--base-url", "https://clinic.example", "--identifier-map", &map, "--record-decisions",
            "--provider-keypair", &c.doctor.0,
        ],
    );
    let denied = post(&address, "/cds-services/patient-consent-consult", &consult("Condition"));
    let permitted =
        post(&address, "/cds-services/patient-consent-consult", &consult("Observation"));
    let malformed = post(&address, "/cds-services/patient-consent-consult", "{\"hook\":");
    let _ = child.kill();
    let _ = child.wait();
    assert!(denied.starts_with("HTTP/1.1 200"), "{denied}");
    assert!(denied.contains("\"summary\":\"CONSENT_DENY\""), "{denied}");
    assert!(permitted.contains("\"summary\":\"CONSENT_PERMIT\""), "{permitted}");
    assert!(malformed.starts_with("HTTP/1.1 400"), "{malformed}");
    let body: Value =
        serde_json::from_str(denied.split("\r\n\r\n").nth(1).expect("body")).expect("JSON");
    let signature = body["cards"][0]["extension"]["medchain"]["transactions"][0]["signature"]
        .as_str()
        .expect("the consult was recorded")
        .to_string();
    assert_eq!(shown(&env)["denied_count"].as_u64(), Some(before + 1), "the denied counter moved");
    let export = env.json(&["audit", "export", "--patient", &c.patient.1]).to_string();
    assert!(export.contains(&signature), "audit export shows the denied consult");
}
