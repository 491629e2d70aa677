//! `consent_from_fhir`: the Consent shapes an EHR writes that medchain can express, the ones it
//! cannot (each refused at its element), and the round trip with `consent_to_fhir`.

use super::*;
use medchain_sdk::fhir::consent_from_fhir;
use medchain_sdk::fhir::vocab::{resource_types, CATEGORY_SYSTEM};
use medchain_sdk::identity::{caip10, Identifier, IdentifierMap, Role};

const CHAIN: &str = "solana:medchain-embedded-ledger";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const MRN: &str = "http://hospital.example/mrn";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const TYPES: &str = "http://hl7.org/fhir/resource-types";
const NOW: i64 = T0 + 60;

fn map() -> IdentifierMap {
    let mut map = IdentifierMap::new();
    map.insert(Role::Actor, Identifier::new(NPI, "1234567893"), provider_wallet()).expect("npi");
    map.insert(Role::Patient, Identifier::new(MRN, "MRN-0001"), patient_wallet()).expect("mrn");
    map
}

/// The terms imported (categories, purposes, actions, expiry), or the refused element's path.
fn import(resource: &Value) -> Result<(u32, u16, u8, i64), String> {
    consent_from_fhir(resource, &map(), CHAIN, NOW)
        .map(|c| {
            assert_eq!(c.provider, provider_wallet());
            let s = c.terms.scope;
            (s.categories, s.purposes, s.actions, c.terms.expires_at)
        })
        .map_err(|e| {
            assert!(!e.reason.is_empty(), "a refusal says why");
            e.path
        })
}

/// An EHR-style Consent around `provision`.
fn ehr(provision: Value) -> Value {
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
        "patient": { "identifier": { "system": MRN, "value": "MRN-0001" } },
        "policyRule": { "coding": [{ "system": ACT_CODE, "code": "OPTIN" }] },
        "provision": provision,
    })
}

fn npi_actor() -> Value {
    json!([{ "reference": { "identifier": { "system": NPI, "value": "1234567893" } } }])
}

fn treat() -> Value {
    json!([{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT" }])
}

fn read() -> Value {
    json!([{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access" }] }])
}

/// `class` codings of these resource types.
fn class(types: &[&str]) -> Value {
    types.iter().map(|t| json!({ "system": TYPES, "code": t })).collect()
}

/// `securityLabel` codings of these v3-ActCode codes.
fn labels(codes: &[&str]) -> Value {
    codes.iter().map(|c| json!({ "system": ACT_CODE, "code": c })).collect()
}

/// `object` with the members of `extra` added (or replaced).
fn with(mut object: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().expect("object") {
        object[k] = v.clone();
    }
    object
}

/// An EHR's flat consent: one permit on the root provision, with actor (NPI), purpose, action
/// and period, plus `extra` (its data).
fn flat(extra: Value) -> Value {
    ehr(with(
        json!({
            "type": "permit",
            "period": { "start": "2023-11-01", "end": "2024-06-30" },
            "actor": npi_actor(),
            "purpose": treat(),
            "action": read(),
        }),
        extra,
    ))
}

/// A flat consent of conditions (a category of one resource type) with `extra` added.
fn conditions(extra: Value) -> Value {
    flat(with(json!({ "class": class(&["Condition"]) }), extra))
}

const JUNE_30_END: i64 = 1_719_792_000; // 2024-07-01T00:00:00Z: a date means through that day

#[test]
fn consent_export_shapes_import_standard_sensitive_and_mixed() {
    let shapes = [
        (categories::MEDICATIONS | categories::ALLERGIES, purposes::TREAT, actions::READ),
        (categories::MENTAL_HEALTH | categories::GENETICS, purposes::HRESCH, actions::READ),
        (
            categories::OBSERVATIONS | categories::IMAGING | categories::SUBSTANCE_USE,
            purposes::TREAT | purposes::CAREMGT,
            actions::READ | actions::SHARE,
        ),
        (categories::VALID, purposes::VALID, actions::VALID),
    ];
    for (cats, purposes, actions) in shapes {
        let exported = export(&consent(cats, purposes, actions, T0 + 30 * DAY), NOW);
        assert_eq!(import(&exported), Ok((cats, purposes, actions, T0 + 30 * DAY)));
    }
}

#[test]
fn an_ehr_flat_consent_imports_by_class_purpose_action_and_period() {
    // Every resource type of medications, actor by NPI through the map, patient by MRN.
    let meds = resource_types(categories::MEDICATIONS);
    let resource = flat(json!({ "class": class(&meds) }));
    assert_eq!(
        import(&resource),
        Ok((categories::MEDICATIONS, purposes::TREAT, actions::READ, JUNE_30_END))
    );
    let imported = consent_from_fhir(&resource, &map(), CHAIN, NOW).expect("imports");
    assert_eq!(imported.patient, Some(patient_wallet()));
    // Without `type` on the root (R4's rule) it is the same.
    let mut untyped = resource.clone();
    untyped["provision"].as_object_mut().expect("root").remove("type");
    assert_eq!(import(&untyped), import(&resource));
}

#[test]
fn categories_import_by_medchain_code_and_sensitive_ones_by_any_of_their_labels() {
    let by_code = flat(json!({ "code": [{ "coding": [
        { "system": CATEGORY_SYSTEM, "code": "imaging" },
        { "system": CATEGORY_SYSTEM, "code": "meds" },
        { "system": CATEGORY_SYSTEM, "code": "mental-health" }] }] }));
    assert_eq!(
        import(&by_code).map(|t| t.0),
        Ok(categories::IMAGING | categories::MEDICATIONS | categories::MENTAL_HEALTH)
    );
    // MH is the later THO code of mental health; HIV one of infectious disease's two.
    let by_label = flat(json!({ "securityLabel": labels(&["MH", "HIV"]) }));
    assert_eq!(
        import(&by_label).map(|t| t.0),
        Ok(categories::MENTAL_HEALTH | categories::INFECTIOUS_DISEASE)
    );
}

#[test]
fn an_actor_by_caip10_and_a_time_with_an_offset_import() {
    let mut caip = conditions(json!({}));
    caip["provision"]["actor"][0]["reference"]["identifier"] =
        json!({ "system": "urn:ietf:rfc:3986", "value": caip10(CHAIN, &provider_wallet()) });
    caip["provision"]["actor"][0]["role"] = json!({ "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP" }] });
    caip["provision"]["period"]["end"] = json!("2024-06-30T12:00:00+02:00");
    caip.as_object_mut().expect("consent").remove("patient");
    assert_eq!(
        import(&caip),
        Ok((categories::CONDITIONS, purposes::TREAT, actions::READ, 1_719_741_600))
    );
    assert_eq!(consent_from_fhir(&caip, &map(), CHAIN, NOW).map(|c| c.patient), Ok(None));
}

#[test]
fn a_type_two_categories_share_counts_for_the_one_listed_whole() {
    let imaging = flat(json!({ "class": class(&["DiagnosticReport", "ImagingStudy", "Media"]) }));
    assert_eq!(import(&imaging).map(|t| t.0), Ok(categories::IMAGING));
    let both = flat(json!({ "class": class(&resource_types(
        categories::OBSERVATIONS | categories::IMAGING
    )) }));
    assert_eq!(import(&both).map(|t| t.0), Ok(categories::OBSERVATIONS | categories::IMAGING));
}

#[test]
fn a_flat_permit_that_withholds_ungranted_sensitive_labels_imports() {
    // "All my standard records, but nothing sensitive": the deny says what medchain does anyway.
    let all = resource_types(categories::ALL_STANDARD);
    let resource = flat(json!({
        "class": class(&all),
        "provision": [{ "type": "deny", "securityLabel": labels(&["PSY", "ETH", "SEX", "GDIS", "HIV"]) }],
    }));
    assert_eq!(import(&resource).map(|t| t.0), Ok(categories::ALL_STANDARD));
}

#[test]
fn actor_purpose_and_action_on_the_root_apply_to_child_rules_that_name_data() {
    let resource = ehr(json!({
        "period": { "end": "2024-06-30T00:00:00Z" },
        "actor": npi_actor(),
        "purpose": treat(),
        "action": read(),
        "provision": [
            { "type": "permit", "class": class(&["Condition"]) },
            { "type": "permit", "securityLabel": labels(&["SEX"]) },
        ],
    }));
    assert_eq!(
        import(&resource),
        Ok((
            categories::CONDITIONS | categories::SEXUAL_REPRODUCTIVE,
            purposes::TREAT,
            actions::READ,
            JUNE_30_END - DAY
        ))
    );
}

#[test]
fn inexpressible_shapes_are_refused_at_their_element() {
    let mut deny_root = conditions(json!({}));
    deny_root["provision"]["type"] = json!("deny");
    let mut draft = conditions(json!({}));
    draft["status"] = json!("draft");
    let mut opt_out = conditions(json!({}));
    opt_out["policyRule"]["coding"][0]["code"] = json!("OPTOUT");
    let mut ended = conditions(json!({}));
    ended["provision"]["period"]["end"] = json!("2023-01-01");
    let mut not_begun = conditions(json!({}));
    not_begun["provision"]["period"]["start"] = json!("2023-11-15");
    let mut no_end = conditions(json!({}));
    no_end["provision"]["period"] = json!({ "start": "2023-11-01" });
    let mut unknown_actor = conditions(json!({}));
    unknown_actor["provision"]["actor"][0]["reference"]["identifier"]["value"] =
        json!("0000000000");
    let mut two_actors = conditions(json!({}));
    two_actors["provision"]["actor"] = json!([
        npi_actor()[0],
        { "reference": { "identifier": { "system": "urn:solana:pubkey", "value": key(99).to_string() } } }
    ]);
    let mut modifier = conditions(json!({}));
    modifier["provision"]["modifierExtension"] = json!([{ "url": "urn:x", "valueBoolean": true }]);
    let mut unknown_patient = conditions(json!({}));
    unknown_patient["patient"]["identifier"]["value"] = json!("MRN-9999");
    let mut other_chain = conditions(json!({}));
    other_chain["provision"]["actor"][0]["reference"]["identifier"] = json!({
        "system": "urn:ietf:rfc:3986",
        "value": caip10("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", &provider_wallet()) });
    // Rules on a root that names no data.
    let rules = |children: Value| {
        ehr(json!({
            "period": { "end": "2024-06-30" },
            "actor": npi_actor(), "purpose": treat(), "action": read(),
            "provision": children,
        }))
    };
    let cases: Vec<(Value, &str)> = vec![
        (deny_root, "Consent.provision.type"),
        (
            conditions(
                json!({ "data": [{ "meaning": "instance", "reference": { "reference": "Observation/1" } }] }),
            ),
            "Consent.provision.data",
        ),
        (
            flat(
                json!({ "securityLabel": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R" }] }),
            ),
            "Consent.provision.securityLabel[0]",
        ),
        (flat(json!({ "securityLabel": labels(&["TBOO"]) })), "Consent.provision.securityLabel[0]"),
        (
            flat(
                json!({ "code": [{ "coding": [{ "system": "http://snomed.info/sct", "code": "44054006" }] }] }),
            ),
            "Consent.provision.code[0].coding[0]",
        ),
        (two_actors, "Consent.provision.actor[1]"),
        (unknown_actor, "Consent.provision.actor[0].reference.identifier"),
        (other_chain, "Consent.provision.actor[0].reference.identifier"),
        (draft, "Consent.status"),
        (opt_out, "Consent.policyRule"),
        (ended, "Consent.provision.period.end"),
        (not_begun, "Consent.provision.period.start"),
        (no_end, "Consent.provision.period.end"),
        (modifier, "Consent.provision.modifierExtension"),
        (unknown_patient, "Consent.patient.identifier"),
        (
            conditions(json!({ "dataPeriod": { "start": "2020-01-01" } })),
            "Consent.provision.dataPeriod",
        ),
        // Part of a category: granting all of observations would grant more than it says.
        (flat(json!({ "class": class(&["Observation"]) })), "Consent.provision.class[0]"),
        (flat(json!({ "class": class(&["DiagnosticReport"]) })), "Consent.provision.class[0]"),
        (
            flat(json!({ "class": class(&["Condition", "MedicationRequest"]) })),
            "Consent.provision.class[1]",
        ),
        (flat(json!({ "class": class(&["Practitioner"]) })), "Consent.provision.class[0]"),
        // Conditions on one provision all apply: Conditions labelled PSY is no category.
        (
            conditions(json!({ "securityLabel": labels(&["PSY"]) })),
            "Consent.provision.securityLabel",
        ),
        (
            conditions(
                json!({ "code": [{ "coding": [{ "system": CATEGORY_SYSTEM, "code": "conditions" }] }] }),
            ),
            "Consent.provision.code",
        ),
        (
            conditions(
                json!({ "purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HMARKT" }] }),
            ),
            "Consent.provision.purpose[0]",
        ),
        // A permit nested in a rule that names data, and in a child rule.
        (
            conditions(
                json!({ "provision": [{ "type": "permit", "securityLabel": labels(&["PSY"]) }] }),
            ),
            "Consent.provision.provision[0]",
        ),
        (
            rules(
                json!([{ "type": "permit", "provision": [{ "type": "permit", "class": class(&["Condition"]) }] }]),
            ),
            "Consent.provision.provision[0].provision[0]",
        ),
        // Denies other than the redundant one.
        (
            rules(json!([
                { "type": "permit", "class": class(&["Condition", "Procedure"]) },
                { "type": "deny", "class": class(&["Procedure"]) },
            ])),
            "Consent.provision.provision[1].type",
        ),
        (
            conditions(
                json!({ "provision": [{ "type": "deny", "actor": npi_actor(), "securityLabel": labels(&["PSY"]) }] }),
            ),
            "Consent.provision.provision[0].type",
        ),
        (
            rules(json!([
                { "type": "permit", "class": class(&["Condition"]) },
                { "type": "permit", "securityLabel": labels(&["GDIS"]),
                  "provision": [{ "type": "deny", "purpose": treat() }] },
            ])),
            "Consent.provision.provision[1].provision[0].type",
        ),
        // One consent has one set of purposes; only the root has a period.
        (
            rules(json!([
                { "type": "permit", "class": class(&["Condition"]),
                  "purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HRESCH" }] },
            ])),
            "Consent.provision.provision[0].purpose",
        ),
        (
            rules(
                json!([{ "type": "permit", "class": class(&["Condition"]), "period": { "end": "2024-01-01" } }]),
            ),
            "Consent.provision.provision[0].period",
        ),
        (rules(json!([{ "type": "permit", "actor": npi_actor() }])), "Consent.provision.class"),
        (json!({ "resourceType": "Patient" }), "Consent.resourceType"),
    ];
    for (resource, path) in cases {
        assert_eq!(import(&resource), Err(path.to_string()), "{resource:#}");
    }
}

#[test]
fn a_deny_that_takes_back_a_granted_category_is_refused() {
    let mut exported = export(
        &consent(
            categories::OBSERVATIONS | categories::GENETICS,
            purposes::TREAT,
            actions::READ,
            T0 + DAY,
        ),
        NOW,
    );
    // The export withholds the ungranted sensitive labels; GDIS is granted by the second rule.
    exported["provision"]["provision"][0]["provision"][0]["securityLabel"] = labels(&["GDIS"]);
    assert_eq!(
        import(&exported),
        Err("Consent.provision.provision[0].provision[0].securityLabel".into())
    );
}

/// Exports `scope` until `expires_at` and imports it back.
fn round_trip(scope: Scope, expires_at: i64) {
    let c = consent(scope.categories, scope.purposes, scope.actions, expires_at);
    let resource = export(&c, T0);
    let back = consent_from_fhir(&resource, &IdentifierMap::new(), CHAIN, T0)
        .unwrap_or_else(|e| panic!("{e}\n{resource:#}"));
    assert_eq!((back.terms.scope, back.terms.expires_at), (scope, expires_at), "{resource:#}");
    assert_eq!((back.patient, back.provider), (Some(patient_wallet()), provider_wallet()));
}

#[test]
fn export_then_import_is_the_identity_on_every_category_set_and_every_purpose_action_pair() {
    let mut checked = 0;
    // Every non-empty set of categories (2^15 - 1), purposes, actions and expiry varying.
    for (i, cats) in (1..=categories::VALID).enumerate() {
        let purposes = 1 + (i % usize::from(purposes::VALID)) as u16;
        let actions = 1 + (i % usize::from(actions::VALID)) as u8;
        round_trip(Scope::new(cats, purposes, actions), T0 + 1 + (i as i64) * 3_607);
        checked += 1;
    }
    // Every non-empty set of purposes with every non-empty set of actions.
    for purposes in 1..=purposes::VALID {
        for actions in 1..=actions::VALID {
            round_trip(Scope::new(categories::IMAGING, purposes, actions), T0 + DAY);
            checked += 1;
        }
    }
    assert_eq!(checked, (1 << 15) - 1 + 1023 * 7);
}

#[test]
fn an_imported_consent_exports_and_imports_to_the_same_terms() {
    let all = resource_types(categories::ALL_STANDARD);
    let ehr_consents = [
        flat(json!({ "class": class(&all) })),
        flat(json!({ "securityLabel": labels(&["ETH"]) })),
        flat(json!({ "code": [{ "coding": [{ "system": CATEGORY_SYSTEM, "code": "labs" }] }] })),
    ];
    for resource in ehr_consents {
        let first = consent_from_fhir(&resource, &map(), CHAIN, NOW).expect("imports");
        round_trip(first.terms.scope, first.terms.expires_at);
    }
}
