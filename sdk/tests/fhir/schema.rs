//! The validator is the pinned official schema, and it is real.

use super::*;

#[test]
fn the_schema_is_the_pinned_official_fhir_r4_schema() {
    assert_eq!(validator::schema_sha256(), validator::SCHEMA_SHA256);
    let schema = &validator::schema().1;
    assert_eq!(schema["id"], "http://hl7.org/fhir/json-schema/4.0");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-06/schema#");
    let types = validator::resource_types();
    assert_eq!(types.len(), 146);
    for t in ["Consent", "AuditEvent", "Provenance", "Bundle", "ImagingStudy", "Media"] {
        assert!(types.iter().any(|x| x == t), "{t}");
    }
}

/// A minimal valid Consent, written by hand from the R4 specification.
fn hand_written_consent() -> Value {
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
        "patient": { "identifier": { "system": "urn:solana:pubkey", "value": "11111111111111111111111111111111" } },
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] },
        "provision": { "provision": [{ "type": "permit", "period": { "start": "2024-01-01", "end": "2025-01-01" } }] }
    })
}

#[test]
fn the_validator_rejects_broken_resources() {
    assert_valid(&hand_written_consent());
    let consent = export(
        &consent(
            categories::IMAGING | categories::MENTAL_HEALTH,
            purposes::TREAT,
            actions::READ,
            T0 + 30 * DAY,
        ),
        T0,
    );
    assert_valid(&consent);
    type Mutation = (&'static str, fn(&mut Value));
    let schema_breaks: [Mutation; 12] = [
        ("missing scope", |r| {
            r.as_object_mut().map(|o| o.remove("scope"));
        }),
        ("status not in the required value set", |r| r["status"] = json!("revoked")),
        ("unknown element", |r| r["patientName"] = json!("Jane")),
        ("wrong resourceType", |r| r["resourceType"] = json!("Consentt")),
        ("month 13 in dateTime", |r| r["dateTime"] = json!("2024-13-01T00:00:00Z")),
        ("time without zone", |r| r["dateTime"] = json!("2024-01-01T10:00:00")),
        ("provision type outside deny|permit", |r| {
            r["provision"]["provision"][0]["type"] = json!("allow")
        }),
        ("category is not an array", |r| r["category"] = r["category"][0].clone()),
        ("actor without role", |r| {
            r["provision"]["provision"][0]["actor"][0].as_object_mut().map(|o| o.remove("role"));
        }),
        ("id with an illegal character", |r| r["id"] = json!("abc_def")),
        ("code with inner double space", |r| {
            r["scope"]["coding"][0]["code"] = json!("patient  privacy")
        }),
        ("boolean as a string", |r| r["scope"]["coding"][0]["userSelected"] = json!("true")),
    ];
    for (what, mutate) in schema_breaks {
        let mut broken = consent.clone();
        mutate(&mut broken);
        assert!(
            !validator::schema_errors(&broken).is_empty(),
            "the schema accepted a Consent with {what}"
        );
        assert!(!validator::full().is_valid(&broken), "{what}");
    }
    let invariant_breaks: [Mutation; 7] = [
        ("missing status", |r| {
            r.as_object_mut().map(|o| o.remove("status"));
        }),
        ("neither policy nor policyRule (ppc-1)", |r| {
            r.as_object_mut().map(|o| o.remove("policyRule"));
        }),
        ("privacy scope without patient (ppc-2)", |r| {
            r.as_object_mut().map(|o| o.remove("patient"));
        }),
        ("a typed root provision", |r| r["provision"]["type"] = json!("permit")),
        ("an untyped nested provision", |r| {
            r["provision"]["provision"][0].as_object_mut().map(|o| o.remove("type"));
        }),
        ("period ending before it starts (per-1)", |r| {
            r["provision"]["period"]["end"] = json!("1999-01-01T00:00:00Z")
        }),
        ("an empty array (ele-1)", |r| r["identifier"] = json!([])),
    ];
    for (what, mutate) in invariant_breaks {
        let mut broken = consent.clone();
        mutate(&mut broken);
        assert!(
            validator::validate(&broken).is_err(),
            "the validator accepted a Consent with {what}"
        );
    }
}

#[test]
fn the_validator_rejects_broken_audit_events_and_provenance() {
    let audit = access_event_to_fhir(&access_event(
        categories::OBSERVATIONS,
        purposes::TREAT,
        actions::READ,
        AccessReason::Granted,
        Some(signature_b58(9)),
    ))
    .expect("maps");
    assert_valid(&audit);
    type Mutation = (&'static str, fn(&mut Value));
    let audit_breaks: [Mutation; 6] = [
        ("outcome outside 0|4|8|12", |r| r["outcome"] = json!("1")),
        ("action outside C|R|U|D|E", |r| r["action"] = json!("X")),
        ("missing source", |r| {
            r.as_object_mut().map(|o| o.remove("source"));
        }),
        ("missing recorded", |r| {
            r.as_object_mut().map(|o| o.remove("recorded"));
        }),
        ("agent without requestor", |r| {
            r["agent"][0].as_object_mut().map(|o| o.remove("requestor"));
        }),
        ("recorded without seconds", |r| r["recorded"] = json!("2024-01-01T10:00Z")),
    ];
    for (what, mutate) in audit_breaks {
        let mut broken = audit.clone();
        mutate(&mut broken);
        assert!(
            validator::validate(&broken).is_err(),
            "the validator accepted an AuditEvent with {what}"
        );
    }

    let record = record(1, Pubkey::default(), AuthorKind::Provider);
    let sig = signature_b58(4);
    let prov = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::Record { record: &record, address: key(40) },
        target: Some("Observation/obs-1"),
        author_wallet: provider_wallet(),
        signature: Some(&sig),
    })
    .expect("maps");
    assert_valid(&prov);
    let prov_breaks: [Mutation; 8] = [
        ("no target", |r| {
            r.as_object_mut().map(|o| o.remove("target"));
        }),
        ("signature without who", |r| {
            r["signature"][0].as_object_mut().map(|o| o.remove("who"));
        }),
        ("signature without when", |r| {
            r["signature"][0].as_object_mut().map(|o| o.remove("when"));
        }),
        ("extension with both value and extensions (ext-1)", |r| {
            r["extension"][0]["valueString"] = json!("x")
        }),
        ("entity role outside the value set", |r| {
            r["entity"] = json!([{ "role": "copy", "what": { "display": "x" } }])
        }),
        ("signature data not base64", |r| r["signature"][0]["data"] = json!("not base64!")),
        ("a positiveInt of 0", |r| {
            r["extension"][0]["extension"][2]["valuePositiveInt"] = json!(0)
        }),
        ("a narrative that is not XHTML", |r| r["text"]["div"] = json!("<p>x</p>")),
    ];
    for (what, mutate) in prov_breaks {
        let mut broken = prov.clone();
        mutate(&mut broken);
        assert!(
            validator::validate(&broken).is_err(),
            "the validator accepted a Provenance with {what}"
        );
    }
}

#[test]
fn the_validator_rejects_broken_searchsets_outcomes_and_capability_statements() {
    use medchain_sdk::fhir::rest::{capability_statement, operation_outcome};
    type Mutation = (&'static str, fn(&mut Value));
    let consent =
        export(&consent(categories::OBSERVATIONS, purposes::TREAT, actions::READ, T0 + DAY), T0);
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "link": [{ "relation": "self", "url": "https://c.example/fhir/Consent?_count=1" }],
        "entry": [{
            "fullUrl": format!("https://c.example/fhir/Consent/{}", consent_address()),
            "resource": consent,
            "search": { "mode": "match" },
        }],
    });
    assert_valid(&bundle);
    let bundle_breaks: [Mutation; 7] = [
        ("total in a collection (bdl-1)", |b| b["type"] = json!("collection")),
        ("a versioned fullUrl (bdl-8)", |b| {
            b["entry"][0]["fullUrl"] = json!("https://c.example/fhir/Consent/x/_history/1")
        }),
        ("two entries with one fullUrl (bdl-7)", |b| {
            let e = b["entry"][0].clone();
            if let Some(a) = b["entry"].as_array_mut() {
                a.push(e);
            }
        }),
        ("a fullUrl that disagrees with the id", |b| {
            b["entry"][0]["fullUrl"] = json!("https://c.example/fhir/Consent/other")
        }),
        ("a link without url", |b| {
            b["link"][0].as_object_mut().map(|o| o.remove("url"));
        }),
        ("an entry resource breaking its own invariants", |b| {
            b["entry"][0]["resource"].as_object_mut().map(|o| o.remove("policyRule"));
        }),
        ("an unknown search mode", |b| b["entry"][0]["search"]["mode"] = json!("best")),
    ];
    for (what, mutate) in bundle_breaks {
        let mut broken = bundle.clone();
        mutate(&mut broken);
        assert!(
            validator::validate(&broken).is_err(),
            "the validator accepted a Bundle with {what}"
        );
    }

    let outcome = operation_outcome("error", "not-found", "no such consent");
    assert_valid(&outcome);
    let outcome_breaks: [Mutation; 3] = [
        ("no issue", |o| {
            o.as_object_mut().map(|m| m.remove("issue"));
        }),
        ("an issue without code", |o| {
            o["issue"][0].as_object_mut().map(|m| m.remove("code"));
        }),
        ("a code outside issue-type", |o| o["issue"][0]["code"] = json!("oops")),
    ];
    for (what, mutate) in outcome_breaks {
        let mut broken = outcome.clone();
        mutate(&mut broken);
        assert!(validator::validate(&broken).is_err(), "accepted an OperationOutcome with {what}");
    }

    let cs = capability_statement("https://c.example/fhir");
    assert_valid(&cs);
    let cs_breaks: [Mutation; 5] = [
        ("an instance without implementation (cpb-14)", |c| {
            c.as_object_mut().map(|m| m.remove("implementation"));
        }),
        ("no date", |c| {
            c.as_object_mut().map(|m| m.remove("date"));
        }),
        ("a resource described twice (cpb-9)", |c| {
            let r = c["rest"][0]["resource"][0].clone();
            if let Some(a) = c["rest"][0]["resource"].as_array_mut() {
                a.push(r);
            }
        }),
        ("a search parameter twice (cpb-12)", |c| {
            let p = c["rest"][0]["resource"][0]["searchParam"][0].clone();
            if let Some(a) = c["rest"][0]["resource"][0]["searchParam"].as_array_mut() {
                a.push(p);
            }
        }),
        ("an interaction outside the value set", |c| {
            c["rest"][0]["resource"][0]["interaction"][0]["code"] = json!("write")
        }),
    ];
    for (what, mutate) in cs_breaks {
        let mut broken = cs.clone();
        mutate(&mut broken);
        assert!(
            validator::validate(&broken).is_err(),
            "accepted a CapabilityStatement with {what}"
        );
    }
}
