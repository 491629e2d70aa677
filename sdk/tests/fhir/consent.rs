//! Consent.

use super::*;

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
        "Patient", "RelatedPerson", "Encounter", "Condition", "AllergyIntolerance", "Immunization",
        "Procedure", "DocumentReference", "Composition",
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
