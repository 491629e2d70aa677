//! The vocabulary of medchain in one table: for every data category, purpose of use and
//! action one row with its bit (from the program's [`medchain::vocabulary`]), its canonical
//! name, the aliases a person may type, the plain words a wallet shows, and its FHIR/HL7
//! codes (the resource types of a category and, for a sensitive one, its security labels).
//!
//! Everything that names a member of the vocabulary reads these rows: parsing and printing
//! names ([`crate::names`]), the wording of wallet actions ([`crate::actions::describe`]) and
//! the FHIR mapping ([`crate::fhir::vocab`]). Nothing else lists the members.
//!
//! ```
//! use medchain_sdk::vocabulary::{categories, CATEGORIES};
//!
//! let labs = CATEGORIES.iter().find(|c| c.bit == categories::OBSERVATIONS).unwrap();
//! assert_eq!(labs.name, "observations");
//! assert!(labs.aliases.contains(&"labs"));
//! assert_eq!(labs.words, "observations (labs)");
//! ```

use crate::fhir::vocab::{Code, ACT_CODE_SYSTEM, ACT_REASON_SYSTEM, CONSENT_ACTION_SYSTEM};
pub use medchain::vocabulary::*;

/// One member of the vocabulary: a category, a purpose of use or an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term<B: 'static, F: 'static> {
    /// The member's bit (exactly one bit set).
    pub bit: B,
    /// Its canonical name: what every output prints (kebab-case for categories and actions,
    /// the HL7 code for purposes).
    pub name: &'static str,
    /// Other names accepted on input (case-insensitive, like `name`).
    pub aliases: &'static [&'static str],
    /// Plain words for a patient: "observations (labs)", "treatment".
    pub words: &'static str,
    /// What it means in FHIR.
    pub fhir: F,
}

/// What a data category means in FHIR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryCodes {
    /// The FHIR R4 resource types whose instances belong to the category
    /// (`Consent.provision.class`). Empty for the sensitive categories: sensitive data lives
    /// in ordinary resource types and is told apart by its security labels.
    pub resource_types: &'static [&'static str],
    /// The HL7 v3 `ActCode` information-sensitivity codes of a sensitive category, used as
    /// security labels (empty for standard categories). See [`crate::fhir::vocab`] for the
    /// sources.
    pub security_labels: &'static [Code],
}

/// A data category (a `u32` bit).
pub type CategoryTerm = Term<u32, CategoryCodes>;
/// A purpose of use (a `u16` bit) and its HL7 v3 `ActReason` code.
pub type PurposeTerm = Term<u16, Code>;
/// An action (a `u8` bit) and its FHIR `consentaction` code.
pub type ActionTerm = Term<u8, Code>;

impl CategoryTerm {
    /// True for the five sensitive categories.
    pub fn is_sensitive(&self) -> bool {
        self.bit & categories::SENSITIVE != 0
    }
}

impl<B: Copy + Into<u64>, F> Term<B, F> {
    /// True when `input` is this member's name or one of its aliases (case-insensitive).
    pub fn is_named(&self, input: &str) -> bool {
        self.name.eq_ignore_ascii_case(input)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(input))
    }

    /// True when `mask` has this member's bit.
    pub fn is_in(&self, mask: u64) -> bool {
        mask & self.bit.into() != 0
    }
}

const fn category(
    bit: u32,
    name: &'static str,
    aliases: &'static [&'static str],
    words: &'static str,
    resource_types: &'static [&'static str],
    security_labels: &'static [Code],
) -> CategoryTerm {
    Term { bit, name, aliases, words, fhir: CategoryCodes { resource_types, security_labels } }
}

const fn label(code: &'static str, display: &'static str) -> Code {
    Code { system: ACT_CODE_SYSTEM, code, display }
}

/// Every data category, in bit order.
pub const CATEGORIES: [CategoryTerm; 15] = [
    category(
        categories::DEMOGRAPHICS,
        "demographics",
        &[],
        "demographics",
        &["Patient", "RelatedPerson"],
        &[],
    ),
    category(
        categories::ENCOUNTERS,
        "encounters",
        &["visits"],
        "encounters (visits)",
        &["Encounter", "EpisodeOfCare"],
        &[],
    ),
    category(
        categories::CONDITIONS,
        "conditions",
        &["problems", "diagnoses"],
        "conditions (diagnoses)",
        &["Condition"],
        &[],
    ),
    category(
        categories::MEDICATIONS,
        "medications",
        &["meds"],
        "medications",
        &[
            "Medication",
            "MedicationRequest",
            "MedicationStatement",
            "MedicationAdministration",
            "MedicationDispense",
        ],
        &[],
    ),
    category(categories::ALLERGIES, "allergies", &[], "allergies", &["AllergyIntolerance"], &[]),
    category(
        categories::OBSERVATIONS,
        "observations",
        &["labs", "lab"],
        "observations (labs)",
        &["Observation", "DiagnosticReport", "Specimen"],
        &[],
    ),
    // DiagnosticReport also appears under observations: an imaging report is a
    // DiagnosticReport (category RAD), which `class` cannot tell apart.
    category(
        categories::IMAGING,
        "imaging",
        &[],
        "imaging",
        &["ImagingStudy", "DiagnosticReport", "Media"],
        &[],
    ),
    category(
        categories::IMMUNIZATIONS,
        "immunizations",
        &["vaccines"],
        "immunizations",
        &["Immunization", "ImmunizationRecommendation"],
        &[],
    ),
    category(categories::PROCEDURES, "procedures", &[], "procedures", &["Procedure"], &[]),
    category(
        categories::CLINICAL_NOTES,
        "clinical-notes",
        &["notes"],
        "clinical notes",
        &["DocumentReference", "Composition"],
        &[],
    ),
    category(
        categories::MENTAL_HEALTH,
        "mental-health",
        &[],
        "mental health",
        &[],
        &[
            label("PSY", "psychiatry disorder information sensitivity"),
            label("MH", "mental health information sensitivity"),
        ],
    ),
    category(
        categories::SUBSTANCE_USE,
        "substance-use",
        &[],
        "substance use",
        &[],
        &[
            label("ETH", "substance abuse information sensitivity"),
            label("SUD", "substance use disorder information sensitivity"),
        ],
    ),
    category(
        categories::SEXUAL_REPRODUCTIVE,
        "sexual-reproductive-health",
        &["sexual-reproductive", "reproductive"],
        "sexual and reproductive health",
        &[],
        &[label("SEX", "sexuality and reproductive health information sensitivity")],
    ),
    category(
        categories::GENETICS,
        "genetics",
        &[],
        "genetics",
        &[],
        &[label("GDIS", "genetic disease information sensitivity")],
    ),
    category(
        categories::INFECTIOUS_DISEASE,
        "infectious-disease",
        &["hiv"],
        "HIV and infectious diseases",
        &[],
        &[
            label("HIV", "HIV/AIDS information sensitivity"),
            label("STD", "sexually transmitted disease information sensitivity"),
        ],
    ),
];

const fn purpose(
    bit: u16,
    code: &'static str,
    display: &'static str,
    words: &'static str,
) -> PurposeTerm {
    Term {
        bit,
        name: code,
        aliases: &[],
        words,
        fhir: Code { system: ACT_REASON_SYSTEM, code, display },
    }
}

/// Every purpose of use, in bit order; the name is the HL7 v3 PurposeOfUse code.
pub const PURPOSES: [PurposeTerm; 10] = [
    purpose(purposes::TREAT, "TREAT", "treatment", "treatment"),
    purpose(purposes::ETREAT, "ETREAT", "Emergency Treatment", "emergency treatment"),
    purpose(purposes::HPAYMT, "HPAYMT", "healthcare payment", "payment"),
    purpose(purposes::HOPERAT, "HOPERAT", "healthcare operations", "healthcare operations"),
    purpose(purposes::HRESCH, "HRESCH", "healthcare research", "research"),
    purpose(purposes::PUBHLTH, "PUBHLTH", "public health", "public health"),
    purpose(purposes::PATRQT, "PATRQT", "patient requested", "your own request"),
    purpose(purposes::FAMRQT, "FAMRQT", "family requested", "a family member's request"),
    purpose(purposes::CAREMGT, "CAREMGT", "care management", "care management"),
    purpose(
        purposes::COVERAGE,
        "COVERAGE",
        "coverage under policy or program",
        "insurance coverage",
    ),
];

const fn action(
    bit: u8,
    name: &'static str,
    code: &'static str,
    display: &'static str,
) -> ActionTerm {
    Term {
        bit,
        name,
        aliases: &[],
        words: name,
        fhir: Code { system: CONSENT_ACTION_SYSTEM, code, display },
    }
}

/// Every action, in bit order, with its FHIR R4 `consentaction` code: read → `access`,
/// write (add or amend records) → `correct` ("Access and Correct"), share (re-disclose)
/// → `disclose`.
pub const ACTIONS: [ActionTerm; 3] = [
    action(actions::READ, "read", "access", "Access"),
    action(actions::WRITE, "write", "correct", "Access and Correct"),
    action(actions::SHARE, "share", "disclose", "Disclose"),
];

/// What a delegate may do (a `u8` bit of `medchain::state::delegate_permissions`); it has
/// no FHIR code.
pub type DelegatePermissionTerm = Term<u8, ()>;

/// Every delegate permission, in bit order: what a guardian or proxy may do for a patient.
pub const DELEGATE_PERMISSIONS: [DelegatePermissionTerm; 3] = [
    Term {
        bit: medchain::state::delegate_permissions::GRANT,
        name: "grant",
        aliases: &[],
        words: "grant access",
        fhir: (),
    },
    Term {
        bit: medchain::state::delegate_permissions::REVOKE,
        name: "revoke",
        aliases: &[],
        words: "revoke any consent",
        fhir: (),
    },
    Term {
        bit: medchain::state::delegate_permissions::ANSWER,
        name: "answer",
        aliases: &["approve", "answer-requests"],
        words: "answer providers' requests (approve or deny)",
        fhir: (),
    },
];

/// The row of one bit, or `None` when `bit` is not exactly one member of `table`.
pub fn term<B: Copy + Into<u64>, F>(
    table: &'static [Term<B, F>],
    bit: B,
) -> Option<&'static Term<B, F>> {
    let bit: u64 = bit.into();
    table.iter().find(|t| t.bit.into() == bit)
}

/// The rows of every member of `mask`, in bit order (unknown bits are ignored).
pub fn terms_in<B: Copy + Into<u64>, F>(
    table: &'static [Term<B, F>],
    mask: B,
) -> impl Iterator<Item = &'static Term<B, F>> {
    let mask: u64 = mask.into();
    table.iter().filter(move |t| t.is_in(mask))
}

/// The row named `input` (its name or an alias, case-insensitive).
pub fn named<B: Copy + Into<u64>, F>(
    table: &'static [Term<B, F>],
    input: &str,
) -> Option<&'static Term<B, F>> {
    table.iter().find(|t| t.is_named(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<B: Copy + Into<u64>, F>(table: &'static [Term<B, F>], valid: u64) {
        let mut all = 0u64;
        for (i, t) in table.iter().enumerate() {
            assert_eq!(t.bit.into(), 1 << i, "{} is out of bit order", t.name);
            assert!(is_single_member(t.bit.into(), valid));
            all |= t.bit.into();
            for other in table.iter().filter(|o| o.name != t.name) {
                assert!(!other.is_named(t.name), "{} is also an alias of {}", t.name, other.name);
                for alias in t.aliases {
                    assert!(!other.is_named(alias), "alias {alias} names two members");
                }
            }
        }
        assert_eq!(all, valid);
    }

    #[test]
    fn one_row_per_bit_and_no_name_names_two_members() {
        check(&CATEGORIES, categories::VALID.into());
        check(&PURPOSES, purposes::VALID.into());
        check(&ACTIONS, actions::VALID.into());
        check(&DELEGATE_PERMISSIONS, medchain::state::delegate_permissions::VALID.into());
        for c in CATEGORIES {
            assert_eq!(c.is_sensitive(), c.fhir.resource_types.is_empty(), "{}", c.name);
            assert_eq!(c.is_sensitive(), !c.fhir.security_labels.is_empty(), "{}", c.name);
            assert!(!c.is_named("all"), "'all' is not a category");
        }
    }

    #[test]
    fn lookups_by_bit_mask_and_name() {
        assert_eq!(term(&CATEGORIES, categories::GENETICS).map(|t| t.name), Some("genetics"));
        assert!(term(&CATEGORIES, categories::GENETICS | categories::IMAGING).is_none());
        let names: Vec<_> =
            terms_in(&PURPOSES, purposes::TREAT | purposes::HRESCH).map(|t| t.name).collect();
        assert_eq!(names, ["TREAT", "HRESCH"]);
        assert_eq!(named(&CATEGORIES, "LABS").map(|t| t.bit), Some(categories::OBSERVATIONS));
        assert_eq!(named(&PURPOSES, "treat").map(|t| t.bit), Some(purposes::TREAT));
        assert!(named(&ACTIONS, "delete").is_none());
    }
}
