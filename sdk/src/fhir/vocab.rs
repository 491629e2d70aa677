//! The one table that maps medchain's vocabulary ([`crate::vocabulary`]) to FHIR R4 codes.
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

use crate::vocabulary::{actions, categories, purposes};

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

const fn act(code: &'static str, display: &'static str) -> Code {
    Code { system: ACT_CODE_SYSTEM, code, display }
}

/// One data category and its FHIR meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryMapping {
    /// The category's bit ([`crate::vocabulary::categories`]).
    pub bit: u32,
    /// medchain's name for the category (stable, kebab-case; used in narratives and
    /// `AuditEvent.entity.detail`).
    pub name: &'static str,
    /// The FHIR R4 resource types whose instances belong to the category. Empty for the
    /// sensitive categories: sensitive data lives in ordinary resource types and is told
    /// apart by its security labels.
    pub resource_types: &'static [&'static str],
    /// The v3-ActCode sensitivity labels of a sensitive category (empty for standard
    /// categories). See the module documentation for the sources.
    pub sensitivity: &'static [Code],
}

impl CategoryMapping {
    /// True for the five sensitive categories.
    pub fn is_sensitive(&self) -> bool {
        self.bit & categories::SENSITIVE != 0
    }
}

/// Every category, in bit order.
pub const CATEGORIES: [CategoryMapping; 15] = [
    CategoryMapping {
        bit: categories::DEMOGRAPHICS,
        name: "demographics",
        resource_types: &["Patient", "RelatedPerson"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::ENCOUNTERS,
        name: "encounters",
        resource_types: &["Encounter", "EpisodeOfCare"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::CONDITIONS,
        name: "conditions",
        resource_types: &["Condition"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::MEDICATIONS,
        name: "medications",
        resource_types: &[
            "Medication",
            "MedicationRequest",
            "MedicationStatement",
            "MedicationAdministration",
            "MedicationDispense",
        ],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::ALLERGIES,
        name: "allergies",
        resource_types: &["AllergyIntolerance"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::OBSERVATIONS,
        name: "observations",
        resource_types: &["Observation", "DiagnosticReport", "Specimen"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::IMAGING,
        name: "imaging",
        // DiagnosticReport also appears under observations: an imaging report is a
        // DiagnosticReport (category RAD), which `class` cannot tell apart.
        resource_types: &["ImagingStudy", "DiagnosticReport", "Media"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::IMMUNIZATIONS,
        name: "immunizations",
        resource_types: &["Immunization", "ImmunizationRecommendation"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::PROCEDURES,
        name: "procedures",
        resource_types: &["Procedure"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::CLINICAL_NOTES,
        name: "clinical-notes",
        resource_types: &["DocumentReference", "Composition"],
        sensitivity: &[],
    },
    CategoryMapping {
        bit: categories::MENTAL_HEALTH,
        name: "mental-health",
        resource_types: &[],
        sensitivity: &[
            act("PSY", "psychiatry disorder information sensitivity"),
            act("MH", "mental health information sensitivity"),
        ],
    },
    CategoryMapping {
        bit: categories::SUBSTANCE_USE,
        name: "substance-use",
        resource_types: &[],
        sensitivity: &[
            act("ETH", "substance abuse information sensitivity"),
            act("SUD", "substance use disorder information sensitivity"),
        ],
    },
    CategoryMapping {
        bit: categories::SEXUAL_REPRODUCTIVE,
        name: "sexual-reproductive-health",
        resource_types: &[],
        sensitivity: &[act("SEX", "sexuality and reproductive health information sensitivity")],
    },
    CategoryMapping {
        bit: categories::GENETICS,
        name: "genetics",
        resource_types: &[],
        sensitivity: &[act("GDIS", "genetic disease information sensitivity")],
    },
    CategoryMapping {
        bit: categories::INFECTIOUS_DISEASE,
        name: "infectious-disease",
        resource_types: &[],
        sensitivity: &[
            act("HIV", "HIV/AIDS information sensitivity"),
            act("STD", "sexually transmitted disease information sensitivity"),
        ],
    },
];

const fn reason(code: &'static str, display: &'static str) -> Code {
    Code { system: ACT_REASON_SYSTEM, code, display }
}

/// Every purpose of use with its v3-ActReason (PurposeOfUse) code, in bit order.
pub const PURPOSES: [(u16, Code); 10] = [
    (purposes::TREAT, reason("TREAT", "treatment")),
    (purposes::ETREAT, reason("ETREAT", "Emergency Treatment")),
    (purposes::HPAYMT, reason("HPAYMT", "healthcare payment")),
    (purposes::HOPERAT, reason("HOPERAT", "healthcare operations")),
    (purposes::HRESCH, reason("HRESCH", "healthcare research")),
    (purposes::PUBHLTH, reason("PUBHLTH", "public health")),
    (purposes::PATRQT, reason("PATRQT", "patient requested")),
    (purposes::FAMRQT, reason("FAMRQT", "family requested")),
    (purposes::CAREMGT, reason("CAREMGT", "care management")),
    (purposes::COVERAGE, reason("COVERAGE", "coverage under policy or program")),
];

/// Every action with its FHIR R4 `consentaction` code, in bit order: read → `access`,
/// write (add or amend records) → `correct` ("Access and Correct"), share (re-disclose)
/// → `disclose`.
pub const ACTIONS: [(u8, Code); 3] = [
    (actions::READ, Code { system: CONSENT_ACTION_SYSTEM, code: "access", display: "Access" }),
    (
        actions::WRITE,
        Code { system: CONSENT_ACTION_SYSTEM, code: "correct", display: "Access and Correct" },
    ),
    (actions::SHARE, Code { system: CONSENT_ACTION_SYSTEM, code: "disclose", display: "Disclose" }),
];

/// The mapping of one category bit, or `None` when `bit` is not exactly one known category.
pub fn category(bit: u32) -> Option<&'static CategoryMapping> {
    CATEGORIES.iter().find(|c| c.bit == bit)
}

/// The mappings of every category in `set`, in bit order (unknown bits are ignored).
pub fn categories_in(set: u32) -> impl Iterator<Item = &'static CategoryMapping> {
    CATEGORIES.iter().filter(move |c| set & c.bit != 0)
}

/// The FHIR resource types covered by the categories in `set`, deduplicated, in table
/// order. Sensitive categories add none (see [`CategoryMapping::resource_types`]).
pub fn resource_types(set: u32) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for t in categories_in(set).flat_map(|c| c.resource_types.iter().copied()) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The sensitivity labels of the sensitive categories in `set`, in table order.
pub fn sensitivity_labels(set: u32) -> Vec<Code> {
    categories_in(set).flat_map(|c| c.sensitivity.iter().copied()).collect()
}

/// The v3-ActReason code of one purpose bit, or `None` for anything else.
pub fn purpose(bit: u16) -> Option<Code> {
    PURPOSES.iter().find(|(b, _)| *b == bit).map(|(_, c)| *c)
}

/// The v3-ActReason codes of every purpose in `set`, in bit order.
pub fn purposes_in(set: u16) -> Vec<Code> {
    PURPOSES.iter().filter(|(b, _)| set & b != 0).map(|(_, c)| *c).collect()
}

/// The `consentaction` code of one action bit, or `None` for anything else.
pub fn action(bit: u8) -> Option<Code> {
    ACTIONS.iter().find(|(b, _)| *b == bit).map(|(_, c)| *c)
}

/// The `consentaction` codes of every action in `set`, in bit order.
pub fn actions_in(set: u8) -> Vec<Code> {
    ACTIONS.iter().filter(|(b, _)| set & b != 0).map(|(_, c)| *c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_cover_every_vocabulary_bit_once() {
        let mut cats = 0u32;
        for (i, c) in CATEGORIES.iter().enumerate() {
            assert_eq!(c.bit, 1 << i, "bit order");
            assert_eq!(c.is_sensitive(), c.resource_types.is_empty());
            assert_eq!(c.is_sensitive(), !c.sensitivity.is_empty());
            cats |= c.bit;
        }
        assert_eq!(cats, categories::VALID);
        let p = PURPOSES.iter().fold(0u16, |acc, (b, _)| acc | b);
        assert_eq!(p, purposes::VALID);
        let a = ACTIONS.iter().fold(0u8, |acc, (b, _)| acc | b);
        assert_eq!(a, actions::VALID);
    }

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
    }
}
