//! `consent_from_fhir`: the Consent shapes an EHR writes that medchain can express, the ones it
//! cannot (each refused at its element), and the round trip with `consent_to_fhir`.

use super::*;
use medchain_sdk::fhir::consent_from_fhir;
use medchain_sdk::fhir::vocab::CATEGORY_SYSTEM;
use medchain_sdk::identity::{caip10, Identifier, IdentifierMap, Role};

const CHAIN: &str = "solana:medchain-embedded-ledger";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
const MRN: &str = "http://hospital.example/mrn";
const NOW: i64 = T0 + 60;

fn map() -> IdentifierMap {
    let mut map = IdentifierMap::new();
    map.insert(Role::Actor, Identifier::new(NPI, "1234567893"), provider_wallet()).expect("npi");
    map.insert(Role::Patient, Identifier::new(MRN, "MRN-0001"), patient_wallet()).expect("mrn");
    map
}

fn import(resource: &Value) -> Result<(u32, u16, u8, i64), String> {
    consent_from_fhir(resource, &map(), CHAIN, NOW)
        .map(|c| {
            assert_eq!(c.provider, provider_wallet());
            let s = c.terms.scope;
            (s.categories, s.purposes, s.actions, c.terms.expires_at)
        })
        .map_err(|e| e.path)
}

/// An EHR-style Consent: one flat permit on the root provision.
fn ehr(provision: Value) -> Value {
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
        "patient": { "identifier": { "system": MRN, "value": "MRN-0001" } },
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] },
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

fn flat(extra: Value) -> Value {
    let mut p = json!({
        "type": "permit",
        "period": { "start": "2023-11-01", "end": "2024-06-30" },
        "actor": npi_actor(),
        "purpose": treat(),
        "action": read(),
    });
    for (k, v) in extra.as_object().expect("object") {
        p[k] = v.clone();
    }
    ehr(p)
}

const JUNE_30_END: i64 = 1_719_792_000; // 2024-07-01T00:00:00Z: a date means through that day

#[test]
fn five_expressible_shapes_import() {
    let labs = json!({ "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "Observation" }] });
    assert_eq!(
        import(&flat(labs)),
        Ok((categories::OBSERVATIONS, purposes::TREAT, actions::READ, JUNE_30_END))
    );

    let by_code = json!({ "code": [{ "coding": [{ "system": CATEGORY_SYSTEM, "code": "imaging" }, { "system": CATEGORY_SYSTEM, "code": "meds" }] }] });
    assert_eq!(
        import(&flat(by_code)).map(|t| t.0),
        Ok(categories::IMAGING | categories::MEDICATIONS)
    );

    let labelled = json!({
        "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "Condition" }],
        "securityLabel": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY" }],
    });
    assert_eq!(
        import(&flat(labelled)).map(|t| t.0),
        Ok(categories::CONDITIONS | categories::MENTAL_HEALTH)
    );

    let mut caip = flat(
        json!({ "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "Immunization" }] }),
    );
    caip["provision"]["actor"][0]["reference"]["identifier"] =
        json!({ "system": "urn:ietf:rfc:3986", "value": caip10(CHAIN, &provider_wallet()) });
    caip["provision"]["period"]["end"] = json!("2024-06-30T12:00:00+02:00");
    assert_eq!(
        import(&caip),
        Ok((categories::IMMUNIZATIONS, purposes::TREAT, actions::READ, 1_719_741_600))
    );

    // Report shared by two categories, with a type of its own category.
    let report = json!({ "class": [
        { "system": "http://hl7.org/fhir/resource-types", "code": "DiagnosticReport" },
        { "system": "http://hl7.org/fhir/resource-types", "code": "ImagingStudy" }] });
    assert_eq!(import(&flat(report)).map(|t| t.0), Ok(categories::IMAGING));

    // consent export's own nested shape (mixed standard and sensitive): see the round trip.
    let exported = export(
        &consent(
            categories::OBSERVATIONS | categories::GENETICS,
            purposes::TREAT | purposes::HRESCH,
            actions::READ | actions::SHARE,
            T0 + 30 * DAY,
        ),
        NOW,
    );
    assert_eq!(
        import(&exported),
        Ok((
            categories::OBSERVATIONS | categories::GENETICS,
            purposes::TREAT | purposes::HRESCH,
            actions::READ | actions::SHARE,
            T0 + 30 * DAY
        ))
    );
}

#[test]
fn inexpressible_shapes_are_refused_at_their_element() {
    let class = json!([{ "system": "http://hl7.org/fhir/resource-types", "code": "Observation" }]);
    let with = |extra: Value| {
        let mut all = json!({ "class": class });
        for (k, v) in extra.as_object().expect("object") {
            all[k] = v.clone();
        }
        flat(all)
    };
    let mut deny_root = with(json!({}));
    deny_root["provision"]["type"] = json!("deny");
    let mut draft = with(json!({}));
    draft["status"] = json!("draft");
    let mut opt_out = with(json!({}));
    opt_out["policyRule"]["coding"][0]["code"] = json!("OPTOUT");
    let mut ended = with(json!({}));
    ended["provision"]["period"]["end"] = json!("2023-01-01");
    let mut unknown_actor = with(json!({}));
    unknown_actor["provision"]["actor"][0]["reference"]["identifier"]["value"] =
        json!("0000000000");
    let mut two_actors = with(json!({}));
    two_actors["provision"]["actor"] = json!([
        npi_actor()[0],
        { "reference": { "identifier": { "system": "urn:solana:pubkey", "value": key(99).to_string() } } }
    ]);
    let mut nested = with(json!({}));
    nested["provision"]["provision"] = json!([{ "type": "permit", "class": class, "provision": [{ "type": "permit", "class": class }] }]);
    let mut modifier = with(json!({}));
    modifier["provision"]["modifierExtension"] = json!([{ "url": "urn:x", "valueBoolean": true }]);
    let mut unknown_patient = with(json!({}));
    unknown_patient["patient"]["identifier"]["value"] = json!("MRN-9999");
    let cases: Vec<(Value, &str)> = vec![
        (deny_root, "Consent.provision.type"),
        (
            with(
                json!({ "data": [{ "meaning": "instance", "reference": { "reference": "Observation/1" } }] }),
            ),
            "Consent.provision.data",
        ),
        (
            with(
                json!({ "securityLabel": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R" }] }),
            ),
            "Consent.provision.securityLabel[0]",
        ),
        (
            with(
                json!({ "code": [{ "coding": [{ "system": "http://snomed.info/sct", "code": "44054006" }] }] }),
            ),
            "Consent.provision.code[0].coding[0]",
        ),
        (two_actors, "Consent.provision.actor[1]"),
        (unknown_actor, "Consent.provision.actor[0].reference.identifier"),
        (nested, "Consent.provision.provision[0].provision[0]"),
        (draft, "Consent.status"),
        (opt_out, "Consent.policyRule"),
        (ended, "Consent.provision.period.end"),
        (modifier, "Consent.provision.modifierExtension"),
        (unknown_patient, "Consent.patient.identifier"),
        (with(json!({ "dataPeriod": { "start": "2020-01-01" } })), "Consent.provision.dataPeriod"),
        (
            flat(
                json!({ "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "DiagnosticReport" }] }),
            ),
            "Consent.provision.class[0]",
        ),
        (
            flat(
                json!({ "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "Practitioner" }] }),
            ),
            "Consent.provision.class[0]",
        ),
        (
            with(
                json!({ "purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HMARKT" }] }),
            ),
            "Consent.provision.purpose[0]",
        ),
        (json!({ "resourceType": "Patient" }), "Consent.resourceType"),
    ];
    for (resource, path) in cases {
        assert_eq!(import(&resource), Err(path.to_string()), "{resource:#}");
    }
    // A deny that takes away what the consent grants is not the export's redundant deny.
    let mut exported = export(
        &consent(
            categories::OBSERVATIONS | categories::GENETICS,
            purposes::TREAT,
            actions::READ,
            T0 + DAY,
        ),
        NOW,
    );
    exported["provision"]["provision"][0]["provision"][0]["securityLabel"] =
        json!([{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "GDIS" }]);
    assert_eq!(
        import(&exported),
        Err("Consent.provision.provision[0].provision[0].securityLabel".into())
    );
}

#[test]
fn export_then_import_is_the_identity_on_the_terms() {
    let mut checked = 0;
    for (i, categories) in (1..(1u32 << 15))
        .step_by(97)
        .chain([categories::VALID, categories::SENSITIVE, categories::ALL_STANDARD])
        .enumerate()
    {
        let purposes = 1 + ((i * 37) % usize::from(purposes::VALID)) as u16;
        let actions = 1 + ((i * 5) % usize::from(actions::VALID)) as u8;
        let expires = T0 + 1 + (i as i64) * 3_607;
        let c = consent(
            categories & categories::VALID,
            purposes & purposes::VALID,
            actions & actions::VALID,
            expires,
        );
        if c.scope.invalid_part().is_some() {
            continue;
        }
        let resource = export(&c, T0);
        let back = consent_from_fhir(&resource, &IdentifierMap::new(), CHAIN, T0).expect("imports");
        assert_eq!(
            (back.terms.scope, back.terms.expires_at),
            (c.scope, c.expires_at),
            "{resource:#}"
        );
        assert_eq!((back.patient, back.provider), (Some(patient_wallet()), provider_wallet()));
        checked += 1;
    }
    assert!(checked > 300, "{checked} consents round-tripped");
}
