//! A scope: which data categories, for which purposes of use, with which actions. The one
//! home of that triple: consents, requests, delegates, terms and events embed it, and the
//! SDK, the CLI, FHIR and the Actions use it, so that "is this inside that" has one answer.
//!
//! Borsh writes a nested struct exactly as its fields in order, so embedding a `Scope`
//! leaves every account's byte layout (and every `memcmp` offset) as it was with the three
//! fields spelled out.

use super::AccessReason;
use crate::error::MedchainError;
use crate::vocabulary::{actions, categories, is_subset, is_valid_set, purposes};
use anchor_lang::prelude::*;

/// Categories, purposes of use and actions, each a bitmask of [`crate::vocabulary`].
///
/// A scope names sensitive categories only bit by bit: no value other than the sensitive
/// bits themselves stands for them ("all" is [`categories::ALL_STANDARD`]), so a scope
/// that does not name a sensitive category never contains or covers it.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, Default, InitSpace,
)]
pub struct Scope {
    /// Category bitmask (see `vocabulary::categories`); sensitive ones only when named.
    pub categories: u32,
    /// Purpose-of-use bitmask (see `vocabulary::purposes`).
    pub purposes: u16,
    /// Action bitmask (see `vocabulary::actions`).
    pub actions: u8,
}

/// One of the three parts of a scope, to say which one a check is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ScopePart {
    /// The categories.
    Categories,
    /// The purposes of use.
    Purposes,
    /// The actions.
    Actions,
}

impl ScopePart {
    /// The part's name, plural and lower-case: `categories`, `purposes`, `actions`.
    pub fn name(self) -> &'static str {
        match self {
            ScopePart::Categories => "categories",
            ScopePart::Purposes => "purposes",
            ScopePart::Actions => "actions",
        }
    }
}

impl Scope {
    /// The scope of `categories`, `purposes` and `actions`.
    pub const fn new(categories: u32, purposes: u16, actions: u8) -> Self {
        Self { categories, purposes, actions }
    }

    /// The bits of one part, widened to `u32`.
    pub fn bits(&self, part: ScopePart) -> u32 {
        match part {
            ScopePart::Categories => self.categories,
            ScopePart::Purposes => self.purposes.into(),
            ScopePart::Actions => self.actions.into(),
        }
    }

    /// The first part that is empty or names an unknown bit, if any.
    pub fn invalid_part(&self) -> Option<ScopePart> {
        if !is_valid_set(self.categories.into(), categories::VALID.into()) {
            Some(ScopePart::Categories)
        } else if !is_valid_set(self.purposes.into(), purposes::VALID.into()) {
            Some(ScopePart::Purposes)
        } else if !is_valid_set(self.actions.into(), actions::VALID.into()) {
            Some(ScopePart::Actions)
        } else {
            None
        }
    }

    /// A valid scope names a non-empty set of known members in each part.
    pub fn validate(&self) -> Result<()> {
        match self.invalid_part() {
            Some(ScopePart::Categories) => err!(MedchainError::InvalidCategories),
            Some(ScopePart::Purposes) => err!(MedchainError::InvalidPurposes),
            Some(ScopePart::Actions) => err!(MedchainError::InvalidActions),
            None => Ok(()),
        }
    }

    /// The first part in which `other` names something this scope does not, if any.
    pub fn excess(&self, other: &Scope) -> Option<ScopePart> {
        if !is_subset(other.categories.into(), self.categories.into()) {
            Some(ScopePart::Categories)
        } else if !is_subset(other.purposes.into(), self.purposes.into()) {
            Some(ScopePart::Purposes)
        } else if !is_subset(other.actions.into(), self.actions.into()) {
            Some(ScopePart::Actions)
        } else {
            None
        }
    }

    /// True when `other` names nothing beyond this scope (a sensitive category of `other`
    /// is inside only when this scope names that same category).
    pub fn contains(&self, other: &Scope) -> bool {
        self.excess(other).is_none()
    }

    /// Whether this scope covers one `category`, `purpose` and `action` (each a single
    /// bit): [`AccessReason::Granted`], or the first part it does not cover.
    pub fn coverage(&self, category: u32, purpose: u16, action: u8) -> AccessReason {
        if category == 0 || self.categories & category != category {
            AccessReason::CategoryNotCovered
        } else if purpose == 0 || self.purposes & purpose != purpose {
            AccessReason::PurposeNotCovered
        } else if action == 0 || self.actions & action != action {
            AccessReason::ActionNotCovered
        } else {
            AccessReason::Granted
        }
    }

    /// True when this scope covers `category`, `purpose` and `action`.
    pub fn covers(&self, category: u32, purpose: u16, action: u8) -> bool {
        self.coverage(category, purpose, action) == AccessReason::Granted
    }

    /// What this scope and `other` both name, part by part (a part may come out empty).
    pub fn intersection(&self, other: &Scope) -> Scope {
        Scope {
            categories: self.categories & other.categories,
            purposes: self.purposes & other.purposes,
            actions: self.actions & other.actions,
        }
    }

    /// This scope with each part of `narrowing` that is not empty put in place of its own
    /// (an empty part keeps what this scope has).
    pub fn with_parts_of(&self, narrowing: &Scope) -> Scope {
        Scope {
            categories: if narrowing.categories == 0 {
                self.categories
            } else {
                narrowing.categories
            },
            purposes: if narrowing.purposes == 0 { self.purposes } else { narrowing.purposes },
            actions: if narrowing.actions == 0 { self.actions } else { narrowing.actions },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{actions::*, categories::*, purposes::*};

    const LABS_TREAT_READ: Scope = Scope::new(OBSERVATIONS | IMAGING, TREAT, READ | WRITE);

    #[test]
    fn validation_names_the_first_bad_part() {
        assert!(LABS_TREAT_READ.validate().is_ok());
        assert_eq!(
            Scope { categories: 0, ..LABS_TREAT_READ }.invalid_part(),
            Some(ScopePart::Categories)
        );
        assert_eq!(
            Scope { categories: 1 << 20, ..LABS_TREAT_READ }.invalid_part(),
            Some(ScopePart::Categories)
        );
        assert_eq!(
            Scope { purposes: 1 << 15, ..LABS_TREAT_READ }.invalid_part(),
            Some(ScopePart::Purposes)
        );
        assert_eq!(
            Scope { actions: 1 << 5, ..LABS_TREAT_READ }.invalid_part(),
            Some(ScopePart::Actions)
        );
        assert_eq!(
            Scope { actions: 0, ..LABS_TREAT_READ }.invalid_part(),
            Some(ScopePart::Actions)
        );
    }

    #[test]
    fn a_narrower_scope_is_contained_a_wider_one_is_not() {
        let narrower = Scope::new(IMAGING, TREAT, READ);
        assert!(LABS_TREAT_READ.contains(&narrower));
        assert!(LABS_TREAT_READ.contains(&LABS_TREAT_READ));
        let wider = Scope { categories: IMAGING | MENTAL_HEALTH, ..narrower };
        assert_eq!(LABS_TREAT_READ.excess(&wider), Some(ScopePart::Categories));
        let more_purposes = Scope { purposes: TREAT | HRESCH, ..narrower };
        assert_eq!(LABS_TREAT_READ.excess(&more_purposes), Some(ScopePart::Purposes));
        let more_actions = Scope { actions: SHARE, ..narrower };
        assert_eq!(LABS_TREAT_READ.excess(&more_actions), Some(ScopePart::Actions));
    }

    #[test]
    fn all_standard_neither_contains_nor_covers_a_sensitive_category() {
        let all = Scope::new(ALL_STANDARD, TREAT, READ);
        for sensitive in
            [MENTAL_HEALTH, SUBSTANCE_USE, SEXUAL_REPRODUCTIVE, GENETICS, INFECTIOUS_DISEASE]
        {
            assert!(!all.contains(&Scope::new(sensitive, TREAT, READ)));
            assert_eq!(all.coverage(sensitive, TREAT, READ), AccessReason::CategoryNotCovered);
        }
        let named = Scope { categories: ALL_STANDARD | GENETICS, ..all };
        assert!(named.covers(GENETICS, TREAT, READ));
    }

    #[test]
    fn coverage_names_the_first_part_not_covered() {
        let s = LABS_TREAT_READ;
        assert_eq!(s.coverage(IMAGING, TREAT, READ), AccessReason::Granted);
        assert_eq!(s.coverage(MEDICATIONS, TREAT, READ), AccessReason::CategoryNotCovered);
        assert_eq!(s.coverage(0, TREAT, READ), AccessReason::CategoryNotCovered);
        assert_eq!(s.coverage(IMAGING, HRESCH, READ), AccessReason::PurposeNotCovered);
        assert_eq!(s.coverage(IMAGING, 0, READ), AccessReason::PurposeNotCovered);
        assert_eq!(s.coverage(IMAGING, TREAT, SHARE), AccessReason::ActionNotCovered);
        assert_eq!(s.coverage(IMAGING, TREAT, 0), AccessReason::ActionNotCovered);
    }

    #[test]
    fn empty_parts_of_a_narrowing_keep_what_was_there() {
        let narrowed = LABS_TREAT_READ.with_parts_of(&Scope::new(IMAGING, 0, 0));
        assert_eq!(narrowed, Scope::new(IMAGING, TREAT, READ | WRITE));
        assert_eq!(LABS_TREAT_READ.with_parts_of(&Scope::default()), LABS_TREAT_READ);
    }

    #[test]
    fn a_scope_is_its_three_fields_in_order_on_the_wire() {
        let mut bytes = Vec::new();
        LABS_TREAT_READ.serialize(&mut bytes).expect("serialize");
        let mut expected = (OBSERVATIONS | IMAGING).to_le_bytes().to_vec();
        expected.extend_from_slice(&TREAT.to_le_bytes());
        expected.push(READ | WRITE);
        assert_eq!(bytes, expected);
        assert_eq!(Scope::INIT_SPACE, 7);
    }
}
