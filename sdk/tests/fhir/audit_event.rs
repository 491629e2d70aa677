//! AuditEvent.

use super::*;

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
