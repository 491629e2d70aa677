//! The FHIR read API through a third-party FHIR client: `fhir-kit-client` (npm, pinned in
//! tools/fhir-client) reads the CapabilityStatement, a Consent and a batch's Provenance,
//! searches Consent, AuditEvent and Provenance, follows `next` links and gets
//! OperationOutcomes for errors, against the real `medchain serve`; FHIR.js (npm `fhir`,
//! same lockfile) validates every resource it received as R4.
//! Needs `npm ci` in tools/fhir-client (CI does it); otherwise skipped, except under CI=true.

use super::*;

fn client_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/fhir-client");
    if dir.join("node_modules/fhir-kit-client").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but tools/fhir-client has no node_modules: run `npm ci` there"
    );
    eprintln!("skipped: fhir-kit-client not installed (cd tools/fhir-client && npm ci)");
    None
}

#[test]
fn a_third_party_fhir_client_reads_and_searches() {
    let Some(dir) = client_dir() else { return };
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    read_imaging(&env, &c);
    let lab = second_provider(&env, &c, "lab");
    env.cmd(&[
        "-k", &c.patient.0, "patient", "grant", &lab.1, "--categories", "labs", "--days", "3",
    ])
    .assert()
    .success();
    let consent =
        env.json(&["consent", "show", "--patient", &c.patient.1, "--provider", &c.doctor.1]);
    let consent_id = consent["address"].as_str().expect("address").to_string();
    let bundle = env.path("bundle.json");
    std::fs::write(&bundle, BUNDLE).expect("bundle");
    let anchored = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "anchor-bundle",
        bundle.to_str().expect("utf8"),
        "--batch-id",
        "3",
    ]);
    let batch = anchored["batch"].as_str().expect("the batch account").to_string();
    let (mut child, address) = spawn_serve(&env, &["--base-url", "https://clinic.example"]);
    let out = std::process::Command::new("node")
        .current_dir(&dir)
        .arg("check.mjs")
        .arg(format!("http://{address}/fhir"))
        .arg("https://clinic.example/fhir")
        .arg(&c.patient.1)
        .arg(&consent_id)
        .arg(&batch)
        .output();
    let _ = child.kill();
    let _ = child.wait();
    let out = out.expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(got["capability"]["resourceType"], "CapabilityStatement");
    assert_eq!(
        got["capability"]["types"],
        serde_json::json!(["Consent", "AuditEvent", "Provenance"])
    );
    assert_eq!(got["read"]["id"], consent_id.as_str());
    assert_eq!(got["consentSearch"]["total"], 2);
    assert_eq!(got["pages"].as_array().map(Vec::len), Some(2), "two pages of one: {got}");
    let mut paged: Vec<String> = got["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p.as_array().cloned().unwrap_or_default())
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    let mut searched: Vec<String> = got["consentSearch"]["ids"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    paged.sort();
    searched.sort();
    assert_eq!(paged, searched, "paging visits the same consents");
    assert!(got["auditSearch"]["total"].as_u64().is_some_and(|n| n >= 3), "{got}");
    assert_eq!(got["auditSearch"]["types"], serde_json::json!(["AuditEvent"]));
    assert_eq!(got["activeTotal"], 2);
    let audit_total = got["auditSearch"]["total"].as_u64().expect("total") as usize;
    let audit_pages = got["auditPages"].as_array().expect("pages");
    assert_eq!(audit_pages.len(), audit_total.div_ceil(2), "{got}");
    let audit_urls: std::collections::BTreeSet<&str> = audit_pages
        .iter()
        .flat_map(|p| p.as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(audit_urls.len(), audit_total, "every AuditEvent once across the pages");
    assert_eq!(got["auditFuture"], 0);
    assert_eq!(got["provenanceSearch"]["total"], 0, "no record is about the patient");
    assert_eq!(got["batchSearch"]["ids"], serde_json::json!([batch]));
    assert_eq!(got["batchRead"]["id"], batch.as_str());
    assert_eq!(got["batchRead"]["target"], batch.as_str());
    for (case, status, code) in [
        ("missing", 404, "not-found"),
        ("unknownParam", 400, "not-supported"),
        ("noPatient", 400, "required"),
        ("unknownType", 404, "not-supported"),
    ] {
        assert_eq!(got[case]["status"], status, "{case}: {got}");
        assert_eq!(got[case]["resourceType"], "OperationOutcome", "{case}");
        assert_eq!(got[case]["code"], code, "{case}");
    }
    let validation = &got["validation"];
    eprintln!("{} validated {} resources", validation["validator"], validation["validated"]);
    assert!(validation["validated"].as_u64().is_some_and(|n| n >= 20), "{validation}");
    assert_eq!(validation["invalid"], serde_json::json!([]), "FHIR.js: {validation}");
}
