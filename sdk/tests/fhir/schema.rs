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
        target: "Observation/obs-1",
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
