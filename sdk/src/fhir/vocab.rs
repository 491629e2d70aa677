//! medchain's vocabulary in FHIR R4: the code systems, and lookups over the FHIR columns of
//! the one vocabulary table ([`crate::vocabulary`]).
//!
//! * **Categories** map to the FHIR resource types they cover (used in
//!   `Consent.provision.class`, system [`RESOURCE_TYPES_SYSTEM`]) and, for the five
//!   sensitive categories, to HL7 v3 `ActCode` information-sensitivity policy codes (used
//!   as security labels, system [`ACT_CODE_SYSTEM`]).
//! * **Purposes** map to HL7 v3 `ActReason` purpose-of-use codes
//!   (system [`ACT_REASON_SYSTEM`]).
//! * **Actions** map to the FHIR `consentaction` codes (system [`CONSENT_ACTION_SYSTEM`]).
//!
//! Sensitivity codes. The codes come from the HL7 Terminology (THO) code system
//! `http://terminology.hl7.org/CodeSystem/v3-ActCode`, value set
//! `http://terminology.hl7.org/ValueSet/v3-InformationSensitivityPolicy` (the
//! "sensitivity" part of the FHIR R4 security-label value set, see
//! <http://hl7.org/fhir/R4/security-labels.html>). Each sensitive category carries the
//! code that was published in the v3-ActCode version bound by FHIR R4 (4.0.1) first, then
//! any later, more precise THO code for the same policy, so that data labelled with either
//! generation of codes is matched:
//!
//! | category | codes |
//! | --- | --- |
//! | mental health | `PSY` psychiatry disorder information sensitivity; `MH` mental health information sensitivity (later THO) |
//! | substance use | `ETH` substance abuse information sensitivity; `SUD` substance use disorder information sensitivity (later THO) |
//! | sexual & reproductive health | `SEX` sexuality and reproductive health information sensitivity |
//! | genetics | `GDIS` genetic disease information sensitivity |
//! | HIV / infectious disease | `HIV` HIV/AIDS information sensitivity; `STD` sexually transmitted disease information sensitivity |
//!
//! Sensitive data is also *restricted*: [`CONFIDENTIALITY_RESTRICTED`] (`R`, system
//! [`CONFIDENTIALITY_SYSTEM`]) labels resources that reveal such data (e.g. a Consent that
//! names a sensitive category).

use crate::vocabulary::{term, terms_in, CategoryTerm, ACTIONS, CATEGORIES, PURPOSES};

/// FHIR resource types (`Consent.provision.class`, `AuditEvent.entity.type`).
pub const RESOURCE_TYPES_SYSTEM: &str = "http://hl7.org/fhir/resource-types";
/// HL7 v3 ActCode: information-sensitivity policies and consent policy codes.
pub const ACT_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// HL7 v3 ActReason: purpose-of-use codes.
pub const ACT_REASON_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
/// HL7 v3 Confidentiality: `N`, `R`, `V`, ….
pub const CONFIDENTIALITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
/// FHIR R4 consent actions (`Consent.provision.action`).
pub const CONSENT_ACTION_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentaction";

/// A code from a code system, with its display text, as a `'static` table entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    /// The code system's canonical URI.
    pub system: &'static str,
    /// The code.
    pub code: &'static str,
    /// The code system's display text for the code.
    pub display: &'static str,
}

impl Code {
    /// The code as a FHIR `Coding` JSON object.
    pub fn coding(&self) -> serde_json::Value {
        serde_json::json!({
            "system": self.system,
            "code": self.code,
            "display": self.display,
        })
    }

    /// The code as a FHIR `CodeableConcept` JSON object with one coding.
    pub fn concept(&self) -> serde_json::Value {
        serde_json::json!({ "coding": [self.coding()] })
    }
}

/// The `R` (restricted) confidentiality code, for resources that reveal sensitive data.
pub const CONFIDENTIALITY_RESTRICTED: Code =
    Code { system: CONFIDENTIALITY_SYSTEM, code: "R", display: "restricted" };

/// The row of one category bit, or `None` when `bit` is not exactly one known category.
pub fn category(bit: u32) -> Option<&'static CategoryTerm> {
    term(&CATEGORIES, bit)
}

/// The rows of every category in `set`, in bit order (unknown bits are ignored).
pub fn categories_in(set: u32) -> impl Iterator<Item = &'static CategoryTerm> {
    terms_in(&CATEGORIES, set)
}

/// The FHIR resource types covered by the categories in `set`, deduplicated, in table
/// order. Sensitive categories add none (see [`CategoryCodes::resource_types`]).
///
/// [`CategoryCodes::resource_types`]: crate::vocabulary::CategoryCodes::resource_types
pub fn resource_types(set: u32) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for t in categories_in(set).flat_map(|c| c.fhir.resource_types.iter().copied()) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The sensitivity labels of the sensitive categories in `set`, in table order.
pub fn sensitivity_labels(set: u32) -> Vec<Code> {
    categories_in(set).flat_map(|c| c.fhir.security_labels.iter().copied()).collect()
}

/// The v3-ActReason code of one purpose bit, or `None` for anything else.
pub fn purpose(bit: u16) -> Option<Code> {
    term(&PURPOSES, bit).map(|t| t.fhir)
}

/// The v3-ActReason codes of every purpose in `set`, in bit order.
pub fn purposes_in(set: u16) -> Vec<Code> {
    terms_in(&PURPOSES, set).map(|t| t.fhir).collect()
}

/// The `consentaction` code of one action bit, or `None` for anything else.
pub fn action(bit: u8) -> Option<Code> {
    term(&ACTIONS, bit).map(|t| t.fhir)
}

/// The `consentaction` codes of every action in `set`, in bit order.
pub fn actions_in(set: u8) -> Vec<Code> {
    terms_in(&ACTIONS, set).map(|t| t.fhir).collect()
}

/// medchain's own code system of data categories (codes: the category names of the
/// vocabulary table, e.g. `mental-health`), for requests and consents that name a category
/// directly rather than by resource type or security label.
pub const CATEGORY_SYSTEM: &str = "https://example.invalid/medchain/fhir/CodeSystem/category";

/// The standard categories whose resource types include `resource_type` (e.g.
/// `DiagnosticReport` → observations and imaging); 0 when none does.
pub fn categories_of_resource_type(resource_type: &str) -> u32 {
    CATEGORIES
        .iter()
        .filter(|c| c.fhir.resource_types.contains(&resource_type))
        .fold(0, |set, c| set | c.bit)
}

/// The sensitive category a security label (system and code) stands for, if any.
pub fn category_of_label(system: &str, code: &str) -> Option<u32> {
    CATEGORIES
        .iter()
        .find(|c| c.fhir.security_labels.iter().any(|l| l.system == system && l.code == code))
        .map(|c| c.bit)
}

/// The category one code of `system` names: a resource type ([`RESOURCE_TYPES_SYSTEM`]:
/// every standard category that holds it), a sensitivity label ([`ACT_CODE_SYSTEM`]) or a
/// category name or alias ([`CATEGORY_SYSTEM`]); 0 when it names none.
pub fn categories_of_code(system: &str, code: &str) -> u32 {
    match system {
        RESOURCE_TYPES_SYSTEM => categories_of_resource_type(code),
        ACT_CODE_SYSTEM => category_of_label(system, code).unwrap_or(0),
        CATEGORY_SYSTEM => crate::vocabulary::named(&CATEGORIES, code).map_or(0, |t| t.bit),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{actions, categories, purposes};

    #[test]
    fn lookups() {
        assert_eq!(
            resource_types(categories::IMAGING | categories::OBSERVATIONS),
            ["Observation", "DiagnosticReport", "Specimen", "ImagingStudy", "Media"]
        );
        assert!(resource_types(categories::GENETICS).is_empty());
        let labels: Vec<_> = sensitivity_labels(categories::ALL_STANDARD | categories::GENETICS)
            .iter()
            .map(|c| c.code)
            .collect();
        assert_eq!(labels, ["GDIS"]);
        assert_eq!(purpose(purposes::ETREAT).map(|c| c.code), Some("ETREAT"));
        assert_eq!(purpose(purposes::TREAT | purposes::ETREAT), None);
        assert_eq!(action(actions::SHARE).map(|c| c.code), Some("disclose"));
        assert!(category(3).is_none());
        assert_eq!(
            categories_of_resource_type("DiagnosticReport"),
            categories::OBSERVATIONS | categories::IMAGING
        );
        assert_eq!(categories_of_resource_type("Practitioner"), 0);
        assert_eq!(categories_of_code(ACT_CODE_SYSTEM, "MH"), categories::MENTAL_HEALTH);
        assert_eq!(categories_of_code(ACT_CODE_SYSTEM, "R"), 0);
        assert_eq!(categories_of_code(CATEGORY_SYSTEM, "labs"), categories::OBSERVATIONS);
        assert_eq!(categories_of_code("urn:other", "Observation"), 0);
    }
}
