//! `consent import`: a FHIR Consent becomes a grant (export → import is the identity on the
//! terms), a second import updates it, and what cannot be expressed changes nothing.

use super::*;

fn terms_of(env: &Env, c: &Cast, provider: &str) -> Value {
    let v = env.json(&["consent", "show", "--patient", &c.patient.1, "--provider", provider]);
    serde_json::json!([v["categories"], v["purposes"], v["actions"], v["expires_at"], v["status"]])
}

#[test]
fn an_exported_consent_imports_for_another_provider_with_the_same_terms() {
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    let lab = second_provider(&env, &c, "lab");
    let mut resource =
        env.json(&["consent", "export", "--patient", &c.patient.1, "--provider", &c.doctor.1]);
    // The same terms, given to the lab: every rule's actor names the lab's wallet.
    for rule in resource["provision"]["provision"].as_array_mut().expect("rules") {
        rule["actor"][0]["reference"]["identifier"]["value"] = Value::String(lab.1.clone());
    }
    let file = env.path("consent.json");
    std::fs::write(&file, resource.to_string()).expect("write");
    let file = file.display().to_string();

    let before = env.ledger_digest();
    let dry = env.json(&["-k", &c.patient.0, "consent", "import", &file, "--dry-run"]);
    assert_eq!(dry["action"], "dry_run");
    assert_eq!(env.ledger_digest(), before, "a dry run sends nothing");

    let granted = env.json(&["-k", &c.patient.0, "consent", "import", &file]);
    assert_eq!(granted["action"], "grant_consent");
    assert_eq!(granted["provider"], lab.1.as_str());
    assert_eq!(terms_of(&env, &c, &lab.1), terms_of(&env, &c, &c.doctor.1), "the same terms");
    let again = env.json(&["-k", &c.patient.0, "consent", "import", &file]);
    assert_eq!(again["action"], "update_consent", "an active consent is updated");
}

#[test]
fn bad_input_consent_import_refuses_and_changes_nothing() {
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    let mut resource =
        env.json(&["consent", "export", "--patient", &c.patient.1, "--provider", &c.doctor.1]);
    let write = |name: &str, text: &str| {
        let path = env.path(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let malformed = write("malformed.json", "{\"resourceType\": \"Consent\",");
    refused(&env, &["-k", &c.patient.0, "consent", "import", &malformed], 3, "is not JSON");
    let missing = env.path("missing.json").display().to_string();
    refused(&env, &["-k", &c.patient.0, "consent", "import", &missing], 3, "cannot read");
    resource["provision"]["provision"][0]["type"] = Value::String("deny".into());
    let deny = write("deny.json", &resource.to_string());
    refused(
        &env,
        &["-k", &c.patient.0, "consent", "import", &deny],
        3,
        "Consent.provision.provision[0].type",
    );
    resource["provision"]["provision"][0]["type"] = Value::String("permit".into());
    let someone_else = env.key("someone");
    let ok = write("ok.json", &resource.to_string());
    refused(&env, &["-k", &someone_else.0, "consent", "import", &ok], 3, "Consent.patient names");
    let bad_map = write("ids.json", "{\"actors\": 5}");
    refused(
        &env,
        &["-k", &c.patient.0, "consent", "import", &ok, "--identifier-map", &bad_map],
        3,
        "identifier map",
    );
}

#[test]
fn an_ehr_consent_naming_people_by_npi_and_mrn_imports_through_the_identifier_map() {
    let env = Env::new();
    let c = cast(&env);
    let lab = second_provider(&env, &c, "lab");
    let map = env.path("ids.json");
    let map_json = serde_json::json!({
        "patients": [{ "system": "http://hospital.example/mrn", "value": "MRN-0001", "wallet": c.patient.1 }],
        "actors": [{ "system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893", "wallet": lab.1 }],
    });
    std::fs::write(&map, map_json.to_string()).expect("write map");
    let map = map.display().to_string();
    let consent = |class: &[&str]| {
        serde_json::json!({
            "resourceType": "Consent",
            "status": "active",
            "patient": { "identifier": { "system": "http://hospital.example/mrn", "value": "MRN-0001" } },
            "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] },
            "provision": {
                "period": { "start": "2020-01-01", "end": "2099-12-31" },
                "actor": [{ "reference": { "identifier": { "system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893" } } }],
                "purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT" }],
                "action": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access" }] }],
                "class": class.iter().map(|t| serde_json::json!({ "system": "http://hl7.org/fhir/resource-types", "code": t })).collect::<Vec<_>>(),
            },
        })
    };
    let write = |name: &str, resource: &Value| {
        let path = env.path(name);
        std::fs::write(&path, resource.to_string()).expect("write");
        path.display().to_string()
    };
    // Only Observation: granting all of observations would grant more than it says.
    let partial = write("partial.json", &consent(&["Observation"]));
    refused(
        &env,
        &["-k", &c.patient.0, "consent", "import", &partial, "--identifier-map", &map],
        3,
        "Consent.provision.class[0]",
    );
    // The NPI names no one without the map.
    let whole = write("whole.json", &consent(&["Observation", "DiagnosticReport", "Specimen"]));
    refused(
        &env,
        &["-k", &c.patient.0, "consent", "import", &whole],
        3,
        "Consent.patient.identifier",
    );
    let granted =
        env.json(&["-k", &c.patient.0, "consent", "import", &whole, "--identifier-map", &map]);
    assert_eq!(granted["action"], "grant_consent");
    assert_eq!(granted["provider"], lab.1.as_str());
    assert!(granted["signature"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(granted["scope"]["categories"], serde_json::json!(["observations"]));
    let shown = terms_of(&env, &c, &lab.1);
    assert_eq!(shown[0], serde_json::json!(["observations"]));
    assert_eq!(shown[3], 4_102_444_800_i64, "through 2099-12-31");
    assert_eq!(shown[4], "active");
}
