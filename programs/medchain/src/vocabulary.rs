//! The shared vocabulary of medchain: data categories, purposes of use and actions.
//!
//! Every set is a bitmask so that an account stays fixed-size. The program, the SDK,
//! the CLI and the FHIR mapping all use these constants; nothing else defines them.
//!
//! Sensitive categories are never part of [`categories::ALL_STANDARD`]: a consent
//! covers them only when the patient names each one explicitly.

/// Data categories of a medical record (a `u32` bitmask).
pub mod categories {
    /// Name, contact details, identifiers (kept off-chain; the category only names them).
    pub const DEMOGRAPHICS: u32 = 1 << 0;
    /// Visits, admissions, discharges.
    pub const ENCOUNTERS: u32 = 1 << 1;
    /// Problems and diagnoses.
    pub const CONDITIONS: u32 = 1 << 2;
    /// Prescriptions and medication statements.
    pub const MEDICATIONS: u32 = 1 << 3;
    /// Allergies and intolerances.
    pub const ALLERGIES: u32 = 1 << 4;
    /// Observations and laboratory results.
    pub const OBSERVATIONS: u32 = 1 << 5;
    /// Imaging studies and reports.
    pub const IMAGING: u32 = 1 << 6;
    /// Immunizations.
    pub const IMMUNIZATIONS: u32 = 1 << 7;
    /// Procedures.
    pub const PROCEDURES: u32 = 1 << 8;
    /// Clinical notes and documents.
    pub const CLINICAL_NOTES: u32 = 1 << 9;
    /// Sensitive: mental health.
    pub const MENTAL_HEALTH: u32 = 1 << 10;
    /// Sensitive: substance use (42 CFR Part 2 in the US).
    pub const SUBSTANCE_USE: u32 = 1 << 11;
    /// Sensitive: sexual and reproductive health.
    pub const SEXUAL_REPRODUCTIVE: u32 = 1 << 12;
    /// Sensitive: genetics.
    pub const GENETICS: u32 = 1 << 13;
    /// Sensitive: HIV and other infectious diseases.
    pub const INFECTIOUS_DISEASE: u32 = 1 << 14;

    /// "All" standard categories. Sensitive categories are deliberately excluded.
    pub const ALL_STANDARD: u32 = (1 << 10) - 1;
    /// Every sensitive category.
    pub const SENSITIVE: u32 =
        MENTAL_HEALTH | SUBSTANCE_USE | SEXUAL_REPRODUCTIVE | GENETICS | INFECTIOUS_DISEASE;
    /// Every bit that names a category; any other bit is invalid.
    pub const VALID: u32 = ALL_STANDARD | SENSITIVE;
}

/// Purposes of use, after the HL7 v3 `PurposeOfUse` code system (a `u16` bitmask).
pub mod purposes {
    /// `TREAT`: treatment.
    pub const TREAT: u16 = 1 << 0;
    /// `ETREAT`: emergency treatment (break-glass).
    pub const ETREAT: u16 = 1 << 1;
    /// `HPAYMT`: healthcare payment.
    pub const HPAYMT: u16 = 1 << 2;
    /// `HOPERAT`: healthcare operations.
    pub const HOPERAT: u16 = 1 << 3;
    /// `HRESCH`: healthcare research.
    pub const HRESCH: u16 = 1 << 4;
    /// `PUBHLTH`: public health.
    pub const PUBHLTH: u16 = 1 << 5;
    /// `PATRQT`: patient requested.
    pub const PATRQT: u16 = 1 << 6;
    /// `FAMRQT`: family requested.
    pub const FAMRQT: u16 = 1 << 7;
    /// `CAREMGT`: care management.
    pub const CAREMGT: u16 = 1 << 8;
    /// `COVERAGE`: coverage under a policy or program.
    pub const COVERAGE: u16 = 1 << 9;
    /// Every bit that names a purpose; any other bit is invalid.
    pub const VALID: u16 = (1 << 10) - 1;
}

/// What a provider may do with the covered data (a `u8` bitmask).
pub mod actions {
    /// Read records.
    pub const READ: u8 = 1 << 0;
    /// Write records: add or amend.
    pub const WRITE: u8 = 1 << 1;
    /// Re-disclose records to a third party.
    pub const SHARE: u8 = 1 << 2;
    /// Every bit that names an action; any other bit is invalid.
    pub const VALID: u8 = READ | WRITE | SHARE;
}

/// True when `set` is non-empty and every bit of it is in `valid`.
pub fn is_valid_set(set: u64, valid: u64) -> bool {
    set != 0 && set & !valid == 0
}

/// True when `value` names exactly one member of `valid`.
pub fn is_single_member(value: u64, valid: u64) -> bool {
    value.is_power_of_two() && value & !valid == 0
}

/// True when every bit of `inner` is also in `outer`.
pub fn is_subset(inner: u64, outer: u64) -> bool {
    inner & !outer == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_standard_excludes_every_sensitive_category() {
        assert_eq!(categories::ALL_STANDARD & categories::SENSITIVE, 0);
        assert_eq!(categories::VALID, (1 << 15) - 1);
    }

    #[test]
    fn valid_sets_are_non_empty_and_known() {
        assert!(is_valid_set(categories::IMAGING as u64, categories::VALID as u64));
        assert!(!is_valid_set(0, categories::VALID as u64));
        assert!(!is_valid_set(u32::MAX as u64, categories::VALID as u64));
        assert!(is_single_member(actions::READ as u64, actions::VALID as u64));
        assert!(!is_single_member((actions::READ | actions::WRITE) as u64, actions::VALID as u64));
        assert!(!is_single_member(1 << 7, actions::VALID as u64));
        assert!(is_subset(0b010, 0b110));
        assert!(!is_subset(0b011, 0b110));
    }
}
