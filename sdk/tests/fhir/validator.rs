//! The FHIR R4 validator of the tests: the official HL7 FHIR R4 JSON Schema (vendored in
//! `sdk/tests/fixtures/fhir/`) plus the R4 invariants a schema cannot express. Shared by the
//! SDK's FHIR tests (`mod validator;` in `sdk/tests/fhir/main.rs`, `#[path]` elsewhere) and
//! the server's (`cli/src/serve/fhir_tests.rs`), so it names its files from the workspace.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The vendored official FHIR R4 JSON Schema.
pub const SCHEMA_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk/tests/fixtures/fhir/fhir.r4.schema.json");
/// Its SHA-256, as recorded in the fixtures README.
pub const SCHEMA_SHA256: &str = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d";

/// The schema bytes and parsed document.
pub fn schema() -> &'static (Vec<u8>, Value) {
    static SCHEMA: OnceLock<(Vec<u8>, Value)> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let bytes = std::fs::read(SCHEMA_PATH).expect("vendored FHIR R4 schema");
        let mut value = serde_json::from_slice(&bytes).expect("schema is JSON");
        add_fhir_version_401(&mut value);
        (bytes, value)
    })
}

/// The vendored schema was generated from R4 4.0.0: its `FHIRVersion` enums (e.g.
/// `CapabilityStatement.fhirVersion`) end at `4.0.0`. The 4.0.1 technical correction added
/// `4.0.1` to that value set (as FHIR.js's 4.0.1 value sets have it), so it is added where
/// `4.0.0` is listed; nothing else of the schema is changed.
fn add_fhir_version_401(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(codes)) = map.get_mut("enum") {
                if codes.iter().any(|c| c == "4.0.0") && !codes.iter().any(|c| c == "4.0.1") {
                    codes.push(Value::String("4.0.1".into()));
                }
            }
            map.values_mut().for_each(add_fhir_version_401);
        }
        Value::Array(items) => items.iter_mut().for_each(add_fhir_version_401),
        _ => {}
    }
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
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
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
    schema().1["discriminator"]["mapping"].as_object().expect("mapping").keys().cloned().collect()
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
        Value::String(s) if s.is_empty() => errors.push(format!("{path}: empty string (ele-1)")),
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
                    "valueUnsignedInt" => !matches!(v.as_u64(), Some(n) if n <= i32::MAX as u64),
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
            for (n, code) in [(2, "patient-privacy"), (3, "research"), (4, "adr"), (5, "treatment")]
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
                        errors
                            .push("Consent.provision.type: not permitted in the root rule".into());
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
        Some("Bundle") => bundle_errors(resource, &mut errors),
        Some("OperationOutcome") => {
            if at(resource, &["issue"]).is_empty() {
                errors.push("OperationOutcome.issue: required (min 1)".into());
            }
            require(resource, &["issue"], "severity", &mut errors);
            require(resource, &["issue"], "code", &mut errors);
        }
        Some("CapabilityStatement") => capability_errors(resource, &mut errors),
        _ => {}
    }
    errors
}

/// Bundle: required primitives, bdl-1, bdl-2, bdl-3, bdl-5, bdl-7, bdl-8, and every entry's
/// resource validated in turn (the schema already checks it against its own type).
fn bundle_errors(bundle: &Value, errors: &mut Vec<String>) {
    require(bundle, &[], "type", errors);
    require(bundle, &["link"], "relation", errors);
    require(bundle, &["link"], "url", errors);
    let kind = bundle["type"].as_str().unwrap_or_default();
    if bundle.get("total").is_some() && !matches!(kind, "searchset" | "history") {
        errors.push("bdl-1: total only when a search or history".into());
    }
    let mut full_urls = std::collections::BTreeSet::new();
    for (i, entry) in bundle["entry"].as_array().into_iter().flatten().enumerate() {
        if entry.get("search").is_some() && kind != "searchset" {
            errors.push(format!("bdl-2: entry[{i}].search only when a search"));
        }
        if entry.get("request").is_none() && matches!(kind, "batch" | "transaction" | "history") {
            errors
                .push(format!("bdl-3: entry[{i}].request mandatory for batch/transaction/history"));
        }
        if entry.get("resource").is_none()
            && entry.get("request").is_none()
            && entry.get("response").is_none()
        {
            errors
                .push(format!("bdl-5: entry[{i}] must have a resource or a request or a response"));
        }
        if let Some(url) = entry["fullUrl"].as_str() {
            if url.contains("/_history/") {
                errors.push(format!("bdl-8: entry[{i}].fullUrl is version specific"));
            }
            let version = entry["resource"]["meta"]["versionId"].as_str().unwrap_or_default();
            if !full_urls.insert((url.to_string(), version.to_string())) {
                errors.push(format!("bdl-7: entry[{i}].fullUrl {url} is not unique"));
            }
            if let (Some(id), Some(t)) =
                (entry["resource"]["id"].as_str(), entry["resource"]["resourceType"].as_str())
            {
                if !url.starts_with("urn:") && !url.ends_with(&format!("{t}/{id}")) {
                    errors.push(format!("entry[{i}].fullUrl {url} disagrees with {t}/{id}"));
                }
            }
        }
        if let Some(mode) = entry["search"]["mode"].as_str() {
            if !matches!(mode, "match" | "include" | "outcome") {
                errors.push(format!("entry[{i}].search.mode {mode}"));
            }
        }
        if let Some(resource) = entry.get("resource") {
            for e in invariant_errors(resource) {
                errors.push(format!("entry[{i}].resource: {e}"));
            }
        }
    }
}

/// CapabilityStatement: required primitives, cpb-1, cpb-2, cpb-9, cpb-12, cpb-14..16.
fn capability_errors(cs: &Value, errors: &mut Vec<String>) {
    for field in ["status", "date", "kind", "fhirVersion", "format"] {
        require(cs, &[], field, errors);
    }
    require(cs, &["rest"], "mode", errors);
    require(cs, &["rest", "resource"], "type", errors);
    require(cs, &["rest", "resource", "interaction"], "code", errors);
    require(cs, &["rest", "resource", "searchParam"], "name", errors);
    require(cs, &["rest", "resource", "searchParam"], "type", errors);
    require(cs, &["software"], "name", errors);
    require(cs, &["implementation"], "description", errors);
    if ["rest", "messaging", "document"].iter().all(|k| cs.get(k).is_none()) {
        errors.push("cpb-1: at least one of rest, messaging or document".into());
    }
    if ["description", "software", "implementation"].iter().all(|k| cs.get(k).is_none()) {
        errors.push("cpb-2: at least one of description, software or implementation".into());
    }
    match cs["kind"].as_str() {
        Some("instance") if cs.get("implementation").is_none() => {
            errors.push("cpb-14: kind instance needs implementation".into())
        }
        Some("capability")
            if cs.get("implementation").is_some() || cs.get("software").is_none() =>
        {
            errors.push("cpb-15: kind capability: software, no implementation".into())
        }
        Some("requirements")
            if cs.get("implementation").is_some() || cs.get("software").is_some() =>
        {
            errors.push("cpb-16: kind requirements: neither software nor implementation".into())
        }
        _ => {}
    }
    for rest in cs["rest"].as_array().into_iter().flatten() {
        let mut types = std::collections::BTreeSet::new();
        for resource in rest["resource"].as_array().into_iter().flatten() {
            let t = resource["type"].as_str().unwrap_or_default();
            if !types.insert(t) {
                errors.push(format!("cpb-9: {t} described twice in one mode"));
            }
            let mut names = std::collections::BTreeSet::new();
            for p in resource["searchParam"].as_array().into_iter().flatten() {
                let n = p["name"].as_str().unwrap_or_default();
                if !names.insert(n) {
                    errors.push(format!("cpb-12: {t} search parameter {n} twice"));
                }
            }
        }
    }
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
