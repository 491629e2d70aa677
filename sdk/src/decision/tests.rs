//! The decision for one actor, story by story, without a chain.

use super::*;
use crate::state::{ConsentTerms, ProviderKind, ProviderStatus, Scope};
use crate::vocabulary::purposes::{ETREAT, HPAYMT, TREAT};
use serde_json::json;

const NOW: i64 = 1_000_000;

fn provider(status: ProviderStatus) -> Provider {
    Provider {
        authority: Pubkey::new_unique(),
        issuer: Pubkey::new_unique(),
        credential_hash: [1; 32],
        encryption_key: [0; 32],
        status,
        kind: ProviderKind::Clinic,
        bump: 255,
        layout_version: 1,
        registered_at: 0,
        status_changed_at: 0,
        reserved: [0; 16],
    }
}

/// A consent granted for `categories` and `purposes` (read), expiring an hour from now.
fn consent(categories: u32, purposes: u16) -> Consent {
    let mut c = Consent::new(Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), 255);
    let terms = ConsentTerms::new(Scope::new(categories, purposes, actions::READ), NOW + 3_600);
    c.apply_grant(&terms, 0, 0).expect("grant");
    c
}

fn window(open: bool) -> EmergencyAccess {
    EmergencyAccess {
        patient: Pubkey::new_unique(),
        provider: Pubkey::new_unique(),
        rent_payer: Pubkey::new_unique(),
        access_count: 0,
        times_opened: 1,
        reason_code: 1,
        reviewed: false,
        bump: 255,
        layout_version: 1,
        opened_at: NOW - 60,
        expires_at: if open { NOW + 60 } else { NOW - 1 },
        reviewed_at: 0,
        reserved: [0; 16],
    }
}

/// The terms of a consult asking for `classes` (FHIR resource types or security labels)
/// for `purposes` (`None`: not said).
fn ask(classes: &[&str], purposes: Option<&[&str]>) -> ConsultTerms {
    let classes = classes
        .iter()
        .map(|c| {
            if c.chars().all(|ch| ch.is_ascii_uppercase()) {
                json!({ "system": crate::fhir::vocab::ACT_CODE_SYSTEM, "code": c })
            } else {
                json!({ "system": RESOURCE_TYPES_SYSTEM, "code": c })
            }
        })
        .collect::<Vec<_>>();
    let mut context = json!({
        "patientId": [{ "value": "p" }],
        "actor": [{ "value": "a" }],
        "class": classes,
    });
    if let Some(p) = purposes {
        context["purposeOfUse"] = json!(p);
    }
    let body = json!({ "hook": HOOK, "hookInstance": "t", "context": context });
    let request = ConsultRequest::from_cds_hooks(&body).expect("request");
    ConsultTerms::from_request(&request).expect("terms")
}

fn labels(codes: &[&str]) -> Vec<Coding> {
    codes.iter().map(|c| Coding::new(crate::fhir::vocab::ACT_CODE_SYSTEM, c)).collect()
}

#[test]
fn a_covering_consent_permits_and_withholds_the_sensitive_labels() {
    let p = provider(ProviderStatus::Active);
    let c = consent(categories::OBSERVATIONS, TREAT);
    let v = decide(&ask(&["Observation"], Some(&["TREAT"])), Some(&p), Some(&c), None, NOW);
    assert_eq!((v.decision, v.reason), (Decision::Permit, AccessReason::Granted));
    assert_eq!(v.permitted, categories::OBSERVATIONS);
    let redact = v.redact.expect("sensitive data is withheld");
    assert!(redact.except_any_of_codes.is_empty());
    assert_eq!(redact.codes, labels(&["PSY", "MH", "ETH", "SUD", "SEX", "GDIS", "HIV", "STD"]));
    assert_eq!(
        v.attempts,
        [RecordAccessArgs {
            category: categories::OBSERVATIONS,
            purpose: TREAT,
            action: actions::READ
        }]
    );
}

#[test]
fn labs_yes_mental_health_no_is_a_partial_permit() {
    let p = provider(ProviderStatus::Active);
    let c = consent(categories::OBSERVATIONS | categories::SUBSTANCE_USE, TREAT);
    let v = decide(&ask(&["Observation", "PSY"], Some(&["TREAT"])), Some(&p), Some(&c), None, NOW);
    assert_eq!(v.decision, Decision::Permit);
    assert_eq!(v.classes_permitted, [true, false]);
    let redact = v.redact.expect("partial");
    assert_eq!(redact.except_any_of_codes, [Coding::new(RESOURCE_TYPES_SYSTEM, "Observation")]);
    assert_eq!(redact.codes, labels(&["PSY", "MH", "SEX", "GDIS", "HIV", "STD"]), "ETH is granted");
    assert_eq!(v.attempts.len(), 2, "both classes are recorded, the denied one too");
}

#[test]
fn a_full_consent_permits_without_obligations() {
    let p = provider(ProviderStatus::Active);
    let c = consent(categories::VALID, TREAT);
    let v = decide(&ask(&["Condition"], Some(&["TREAT"])), Some(&p), Some(&c), None, NOW);
    assert_eq!((v.decision, v.redact), (Decision::Permit, None));
}

#[test]
fn every_refusal_is_a_deny_with_its_reason() {
    let active = provider(ProviderStatus::Active);
    let labs = || consent(categories::OBSERVATIONS, TREAT);
    let mut revoked = labs();
    revoked.revoke(10).expect("revoke");
    let mut expired = labs();
    expired.expires_at = NOW;
    let treat = ask(&["Observation"], Some(&["TREAT"]));
    let cases = [
        (Some(revoked), &active, treat.clone(), AccessReason::ConsentRevoked),
        (Some(expired), &active, treat.clone(), AccessReason::ConsentExpired),
        (
            Some(labs()),
            &provider(ProviderStatus::Suspended),
            treat.clone(),
            AccessReason::ProviderNotActive,
        ),
        (
            Some(labs()),
            &active,
            ask(&["Condition"], Some(&["TREAT"])),
            AccessReason::CategoryNotCovered,
        ),
        (
            Some(labs()),
            &active,
            ask(&["Observation"], Some(&["HPAYMT"])),
            AccessReason::PurposeNotCovered,
        ),
        (Some(labs()), &active, ask(&["GDIS"], Some(&["TREAT"])), AccessReason::CategoryNotCovered),
    ];
    for (consent, provider, terms, reason) in cases {
        let v = decide(&terms, Some(provider), consent.as_ref(), None, NOW);
        assert_eq!((v.decision, v.reason), (Decision::Deny, reason));
        assert_eq!((v.permitted, v.redact), (0, None));
        assert_eq!(v.attempts.len(), 1, "{reason:?} is recorded");
    }
}

#[test]
fn no_consent_or_no_provider_is_no_consent() {
    let p = provider(ProviderStatus::Active);
    let terms = ask(&["Observation"], Some(&["TREAT"]));
    let v = decide(&terms, Some(&p), None, None, NOW);
    assert_eq!((v.decision, v.reason), (Decision::NoConsent, AccessReason::NoConsent));
    assert_eq!(v.attempts.len(), 1, "an attempt without consent is recorded too");
    let v = decide(&terms, None, None, None, NOW);
    assert_eq!(v.decision, Decision::NoConsent);
}

#[test]
fn break_glass_permits_an_emergency_read_only_while_open_and_only_when_asked() {
    let p = provider(ProviderStatus::Active);
    let terms = ask(&["Observation", "PSY"], Some(&["ETREAT"]));
    let v = decide(&terms, Some(&p), None, Some(&window(true)), NOW);
    assert_eq!((v.decision, v.reason), (Decision::Permit, AccessReason::EmergencyAccess));
    assert_eq!((v.permitted, v.redact), (categories::VALID, None));
    assert_eq!(v.attempts[0].purpose, ETREAT);
    let closed = decide(&terms, Some(&p), None, Some(&window(false)), NOW);
    assert_eq!(closed.decision, Decision::NoConsent);
    let unsaid = decide(&ask(&["Observation"], None), Some(&p), None, Some(&window(true)), NOW);
    assert_eq!(unsaid.decision, Decision::NoConsent, "break-glass is never implied");
}

#[test]
fn without_purposes_any_non_emergency_purpose_of_the_consent_permits() {
    let p = provider(ProviderStatus::Active);
    let c = consent(categories::OBSERVATIONS, HPAYMT);
    let v = decide(&ask(&["Observation"], None), Some(&p), Some(&c), None, NOW);
    assert_eq!(v.decision, Decision::Permit);
    assert_eq!(v.attempts[0].purpose, HPAYMT);
}

#[test]
fn unknown_codes_are_ignored_but_some_must_be_known() {
    let terms = ask(&["Observation", "Practitioner"], Some(&["TREAT", "HMARKT"]));
    assert_eq!(terms.unknown_classes, [Coding::new(RESOURCE_TYPES_SYSTEM, "Practitioner")]);
    assert_eq!(terms.unknown_purposes, ["HMARKT"]);
    let body = |class: &str, purpose: &str| {
        json!({ "hook": HOOK, "hookInstance": "t", "context": {
            "patientId": [{ "value": "p" }], "actor": [{ "value": "a" }],
            "class": [{ "system": RESOURCE_TYPES_SYSTEM, "code": class }], "purposeOfUse": purpose }})
    };
    let only_unknown_class =
        ConsultRequest::from_cds_hooks(&body("Practitioner", "TREAT")).unwrap();
    assert_eq!(ConsultTerms::from_request(&only_unknown_class).unwrap_err().path, "context.class");
    let only_unknown_purpose =
        ConsultRequest::from_cds_hooks(&body("Observation", "HMARKT")).unwrap();
    assert_eq!(
        ConsultTerms::from_request(&only_unknown_purpose).unwrap_err().path,
        "context.purposeOfUse"
    );
}

#[test]
fn without_classes_everything_is_asked_for() {
    let body = json!({ "hook": HOOK, "hookInstance": "t", "context": {
        "patientId": [{ "value": "p" }], "actor": [{ "value": "a" }], "purposeOfUse": "TREAT" }});
    let terms =
        ConsultTerms::from_request(&ConsultRequest::from_cds_hooks(&body).unwrap()).unwrap();
    assert_eq!(terms.categories(), categories::VALID);
    let p = provider(ProviderStatus::Active);
    let c = consent(categories::IMMUNIZATIONS, TREAT);
    let v = decide(&terms, Some(&p), Some(&c), None, NOW);
    assert_eq!(v.decision, Decision::Permit);
    let except = v.redact.expect("partial").except_any_of_codes;
    let codes: Vec<&str> = except.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["Immunization", "ImmunizationRecommendation"]);
}
