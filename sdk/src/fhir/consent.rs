//! On-chain Consent → FHIR R4 `Consent`.

use super::vocab::{self, Code, ACT_CODE_SYSTEM, CONFIDENTIALITY_RESTRICTED};
use super::{
    check_scope, instant, narrative, pubkey_identifier, pubkey_reference, FhirError,
    CONSENT_VERSION_SYSTEM, DELEGATE_SYSTEM,
};
use crate::state::{Consent, ConsentStatus};
use crate::vocabulary::categories;
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Map, Value};

/// `Consent.scope`: a privacy consent (system `consentscope`).
const SCOPE_PATIENT_PRIVACY: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/consentscope",
    code: "patient-privacy",
    display: "Privacy Consent",
};
/// `Consent.category`: LOINC 59284-0, from the R4 `consent-category` value set.
const CATEGORY_PATIENT_CONSENT: Code =
    Code { system: "http://loinc.org", code: "59284-0", display: "Patient Consent" };
/// `Consent.policyRule`: v3-ActCode `OPTIN` — nothing is shared unless a rule permits it.
const POLICY_OPT_IN: Code = Code { system: ACT_CODE_SYSTEM, code: "OPTIN", display: "opt-in" };
/// `Consent.provision.actor.role`: v3-ParticipationType `IRCP` information recipient.
const ROLE_INFORMATION_RECIPIENT: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
    code: "IRCP",
    display: "information recipient",
};

/// Maps an on-chain consent to a FHIR R4 `Consent` resource.
///
/// * `consent_address` is the Consent account (PDA); it becomes the resource's logical
///   `id` (base58 fits FHIR's `[A-Za-z0-9\-\.]{1,64}`) and its first `identifier`; a
///   second identifier ([`CONSENT_VERSION_SYSTEM`](super::CONSENT_VERSION_SYSTEM)) names
///   this version (`<address>/<version>`).
/// * `patient_wallet` and `provider_wallet` are the wallets (authorities) behind the
///   Patient and Provider accounts; they are referenced by identifier only.
/// * `now` (Unix seconds) decides whether an Active consent has expired.
///
/// The resource has:
///
/// * `status`: `active` while in force, `inactive` once revoked or expired;
/// * `scope` `patient-privacy`, `category` LOINC 59284-0 "Patient Consent", `patient`,
///   `dateTime` (the grant of the current version), `performer` (the patient, or the
///   delegate who granted it), `policyRule` v3-ActCode `OPTIN` (invariant `ppc-1`; `ppc-2`
///   holds since `patient` is always present);
/// * `provision`, following R4's rule that the root provision has no `type`: the root
///   carries the `period` (granted → expiry, or → revocation), and nested `permit`
///   provisions carry `actor` (the provider, role v3-ParticipationType `IRCP`),
///   `purpose` (v3-ActReason), `action` (`consentaction`) and the data:
///   * one permit for the standard categories, by `class` (FHIR resource types); inside
///     it, a `deny` provision by `securityLabel` for every sensitive category that was
///     *not* granted, because sensitive data lives in the same resource types and is
///     never implied (medchain's rule);
///   * one permit for the granted sensitive categories, by `securityLabel`
///     (v3-ActCode sensitivity codes, see [`vocab`](super::vocab)); labels within one
///     provision are alternatives, so each listed label is permitted.
/// * `meta.security` `R` (restricted) when a sensitive category is granted: the consent
///   itself then reveals that the patient has such data.
///
/// # Errors
///
/// [`FhirError::ConsentNeverGranted`] for a version-0 consent,
/// [`FhirError::InvalidVocabulary`] for an empty or unknown category, purpose or action
/// set, [`FhirError::TimestampOutOfRange`] when `granted_at` (or a revocation) falls
/// outside the years 0001–9999. An `expires_at` after 9999-12-31 is exported as an
/// open-ended period.
pub fn consent_to_fhir(
    consent: &Consent,
    consent_address: &Pubkey,
    patient_wallet: &Pubkey,
    provider_wallet: &Pubkey,
    now: i64,
) -> Result<Value, FhirError> {
    if consent.version == 0 {
        return Err(FhirError::ConsentNeverGranted);
    }
    check_scope(&consent.scope)?;

    let revoked = consent.status == ConsentStatus::Revoked;
    let status = consent_status(consent, now);

    let granted = instant("granted_at", consent.granted_at)?;
    let mut period = Map::new();
    period.insert("start".into(), json!(granted));
    let end = if revoked && consent.revoked_at < consent.expires_at {
        Some(instant("revoked_at", consent.revoked_at.max(consent.granted_at))?)
    } else {
        super::time::instant(consent.expires_at)
    };
    if let Some(end) = &end {
        period.insert("end".into(), json!(end));
    }

    let standard = consent.scope.categories & categories::ALL_STANDARD;
    let sensitive = consent.scope.categories & categories::SENSITIVE;
    let actor = json!([{
        "role": ROLE_INFORMATION_RECIPIENT.concept(),
        "reference": pubkey_reference(None, provider_wallet),
    }]);
    let purpose: Vec<Value> =
        vocab::purposes_in(consent.scope.purposes).iter().map(Code::coding).collect();
    let action: Vec<Value> =
        vocab::actions_in(consent.scope.actions).iter().map(Code::concept).collect();

    let mut rules = Vec::new();
    if standard != 0 {
        let class: Vec<Value> = vocab::resource_types(standard)
            .into_iter()
            .map(|t| json!({ "system": vocab::RESOURCE_TYPES_SYSTEM, "code": t }))
            .collect();
        let mut rule = json!({
            "type": "permit",
            "actor": actor,
            "action": action,
            "purpose": purpose,
            "class": class,
        });
        let withheld = categories::SENSITIVE & !sensitive;
        if withheld != 0 {
            rule["provision"] = json!([{
                "type": "deny",
                "securityLabel": labels(withheld),
            }]);
        }
        rules.push(rule);
    }
    if sensitive != 0 {
        rules.push(json!({
            "type": "permit",
            "actor": actor,
            "action": action,
            "purpose": purpose,
            "securityLabel": labels(sensitive),
        }));
    }

    let performer = if consent.grantor == medchain::constants::GRANTOR_PATIENT {
        pubkey_reference(Some("Patient"), patient_wallet)
    } else {
        json!({
            "type": "RelatedPerson",
            "identifier": {
                "system": DELEGATE_SYSTEM,
                "value": format!("{patient_wallet}/{}", consent.grantor),
            },
        })
    };

    let address = consent_address.to_string();
    let mut identifier = pubkey_identifier(consent_address);
    identifier["use"] = json!("official");
    let mut resource = json!({
        "resourceType": "Consent",
        "id": address,
        "text": narrative(&summary(consent, status, &granted, end.as_deref())),
        "identifier": [
            identifier,
            {
                "use": "secondary",
                "system": CONSENT_VERSION_SYSTEM,
                "value": format!("{address}/{}", consent.version),
            },
        ],
        "status": status,
        "scope": SCOPE_PATIENT_PRIVACY.concept(),
        "category": [CATEGORY_PATIENT_CONSENT.concept()],
        "patient": pubkey_reference(Some("Patient"), patient_wallet),
        "dateTime": granted,
        "performer": [performer],
        "policyRule": POLICY_OPT_IN.concept(),
        "provision": {
            "period": period,
            "provision": rules,
        },
    });
    if sensitive != 0 {
        resource["meta"] = json!({ "security": [CONFIDENTIALITY_RESTRICTED.coding()] });
    }
    Ok(resource)
}

/// The FHIR `Consent.status` of an on-chain consent at `now`: `active` while in force,
/// `inactive` once revoked or expired.
pub(crate) fn consent_status(consent: &Consent, now: i64) -> &'static str {
    if consent.is_in_force(now) {
        "active"
    } else {
        "inactive"
    }
}

/// The security labels (as `Coding`s) of the sensitive categories in `set`.
fn labels(set: u32) -> Vec<Value> {
    vocab::sensitivity_labels(set).iter().map(Code::coding).collect()
}

/// One-line narrative of the consent's terms (no names, no keys).
fn summary(consent: &Consent, status: &str, granted: &str, end: Option<&str>) -> String {
    let cats: Vec<&str> = vocab::categories_in(consent.scope.categories).map(|c| c.name).collect();
    let purposes: Vec<&str> =
        vocab::purposes_in(consent.scope.purposes).iter().map(|c| c.code).collect();
    let actions: Vec<&str> =
        vocab::actions_in(consent.scope.actions).iter().map(|c| c.code).collect();
    format!(
        "medchain consent version {} ({status}): the provider may {} {} for {}, from {granted} until {}.",
        consent.version,
        actions.join(", "),
        cats.join(", "),
        purposes.join(", "),
        end.unwrap_or("further notice"),
    )
}
