//! Human names of the vocabulary (categories, purposes of use, actions) for command lines,
//! URLs and displays: parsing `imaging,labs` into a bitmask and back.

use medchain::vocabulary::{actions, categories, purposes};

/// Every category with its name (kebab-case) and aliases.
pub const CATEGORY_NAMES: [(u32, &str, &[&str]); 15] = [
    (categories::DEMOGRAPHICS, "demographics", &[]),
    (categories::ENCOUNTERS, "encounters", &["visits"]),
    (categories::CONDITIONS, "conditions", &["problems", "diagnoses"]),
    (categories::MEDICATIONS, "medications", &["meds"]),
    (categories::ALLERGIES, "allergies", &[]),
    (categories::OBSERVATIONS, "observations", &["labs", "lab"]),
    (categories::IMAGING, "imaging", &[]),
    (categories::IMMUNIZATIONS, "immunizations", &["vaccines"]),
    (categories::PROCEDURES, "procedures", &[]),
    (categories::CLINICAL_NOTES, "clinical-notes", &["notes"]),
    (categories::MENTAL_HEALTH, "mental-health", &[]),
    (categories::SUBSTANCE_USE, "substance-use", &[]),
    (categories::SEXUAL_REPRODUCTIVE, "sexual-reproductive", &["reproductive"]),
    (categories::GENETICS, "genetics", &[]),
    (categories::INFECTIOUS_DISEASE, "infectious-disease", &["hiv"]),
];

/// Every purpose of use with its HL7 code.
pub const PURPOSE_NAMES: [(u16, &str); 10] = [
    (purposes::TREAT, "TREAT"),
    (purposes::ETREAT, "ETREAT"),
    (purposes::HPAYMT, "HPAYMT"),
    (purposes::HOPERAT, "HOPERAT"),
    (purposes::HRESCH, "HRESCH"),
    (purposes::PUBHLTH, "PUBHLTH"),
    (purposes::PATRQT, "PATRQT"),
    (purposes::FAMRQT, "FAMRQT"),
    (purposes::CAREMGT, "CAREMGT"),
    (purposes::COVERAGE, "COVERAGE"),
];

/// Every action with its name.
pub const ACTION_NAMES: [(u8, &str); 3] =
    [(actions::READ, "read"), (actions::WRITE, "write"), (actions::SHARE, "share")];

/// A name that is not part of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{name}'; known: {known}")]
pub struct UnknownName {
    /// What kind of name ("category", "purpose", "action").
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// The accepted names.
    pub known: String,
}

fn items(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty())
}

/// Parses `imaging,labs` (or `all` for every standard category; sensitive ones must be
/// named) into a category bitmask.
///
/// ```
/// use medchain_sdk::names::{category_names, parse_categories};
/// use medchain_sdk::vocabulary::categories;
///
/// let mask = parse_categories("imaging, labs").unwrap();
/// assert_eq!(mask, categories::IMAGING | categories::OBSERVATIONS);
/// assert_eq!(category_names(mask), ["observations", "imaging"]);
/// // "all" never includes a sensitive category:
/// assert_eq!(parse_categories("all").unwrap() & categories::SENSITIVE, 0);
/// assert!(parse_categories("x-rays").is_err());
/// ```
pub fn parse_categories(list: &str) -> Result<u32, UnknownName> {
    let mut mask = 0;
    for item in items(list) {
        if item == "all" {
            mask |= categories::ALL_STANDARD;
            continue;
        }
        let found = CATEGORY_NAMES
            .iter()
            .find(|(_, name, aliases)| *name == item || aliases.contains(&item.as_str()));
        match found {
            Some((bit, _, _)) => mask |= bit,
            None => {
                return Err(UnknownName {
                    kind: "category",
                    name: item,
                    known: format!(
                        "all, {}",
                        CATEGORY_NAMES.iter().map(|(_, n, _)| *n).collect::<Vec<_>>().join(", ")
                    ),
                })
            }
        }
    }
    Ok(mask)
}

/// Parses `TREAT,HOPERAT` into a purpose bitmask (case-insensitive).
pub fn parse_purposes(list: &str) -> Result<u16, UnknownName> {
    let mut mask = 0;
    for item in items(list) {
        match PURPOSE_NAMES.iter().find(|(_, code)| code.eq_ignore_ascii_case(&item)) {
            Some((bit, _)) => mask |= bit,
            None => {
                return Err(UnknownName {
                    kind: "purpose",
                    name: item,
                    known: PURPOSE_NAMES.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", "),
                })
            }
        }
    }
    Ok(mask)
}

/// Parses `read,write` into an action bitmask.
pub fn parse_actions(list: &str) -> Result<u8, UnknownName> {
    let mut mask = 0;
    for item in items(list) {
        match ACTION_NAMES.iter().find(|(_, name)| *name == item) {
            Some((bit, _)) => mask |= bit,
            None => {
                return Err(UnknownName {
                    kind: "action",
                    name: item,
                    known: "read, write, share".into(),
                })
            }
        }
    }
    Ok(mask)
}

/// The names of the categories in a bitmask.
pub fn category_names(mask: u32) -> Vec<&'static str> {
    CATEGORY_NAMES.iter().filter(|(bit, _, _)| mask & bit != 0).map(|(_, n, _)| *n).collect()
}

/// The codes of the purposes in a bitmask.
pub fn purpose_names(mask: u16) -> Vec<&'static str> {
    PURPOSE_NAMES.iter().filter(|(bit, _)| mask & bit != 0).map(|(_, n)| *n).collect()
}

/// The names of the actions in a bitmask.
pub fn action_names(mask: u8) -> Vec<&'static str> {
    ACTION_NAMES.iter().filter(|(bit, _)| mask & bit != 0).map(|(_, n)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_all_excludes_sensitive() {
        let mask = parse_categories("imaging, labs").expect("known");
        assert_eq!(mask, categories::IMAGING | categories::OBSERVATIONS);
        assert_eq!(category_names(mask), ["observations", "imaging"]);
        assert_eq!(parse_categories("all").expect("all"), categories::ALL_STANDARD);
        assert_eq!(parse_categories("all,genetics").expect("all").count_ones(), 11);
        assert!(parse_categories("x-rays").is_err());
        assert_eq!(
            parse_purposes("treat,HRESCH").expect("known"),
            purposes::TREAT | purposes::HRESCH
        );
        assert_eq!(purpose_names(purposes::ETREAT), ["ETREAT"]);
        assert!(parse_purposes("marketing").is_err());
        assert_eq!(parse_actions("read,write").expect("known"), 3);
        assert_eq!(action_names(7), ["read", "write", "share"]);
        assert!(parse_actions("delete").unwrap_err().to_string().contains("known: read"));
    }
}
