//! Human names of the vocabulary (categories, purposes of use, actions) for command lines,
//! URLs and displays: parsing `imaging,labs` into a bitmask and back.

use crate::vocabulary::{
    categories, named, terms_in, Term, ACTIONS, CATEGORIES, DELEGATE_PERMISSIONS, PURPOSES,
};
use medchain::state::Scope;

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

fn items(list: &str) -> impl Iterator<Item = &str> + '_ {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a comma-separated list of names of `table` into a bitmask.
fn parse<B, F>(
    table: &'static [Term<B, F>],
    kind: &'static str,
    list: &str,
    extra: &[(&str, u64)],
) -> Result<u64, UnknownName>
where
    B: Copy + Into<u64>,
{
    let mut mask = 0u64;
    for item in items(list) {
        if let Some((_, bits)) = extra.iter().find(|(name, _)| name.eq_ignore_ascii_case(item)) {
            mask |= bits;
            continue;
        }
        match named(table, item) {
            Some(term) => mask |= term.bit.into(),
            None => {
                let known = extra.iter().map(|(n, _)| *n).chain(table.iter().map(|t| t.name));
                return Err(UnknownName {
                    kind,
                    name: item.to_string(),
                    known: known.collect::<Vec<_>>().join(", "),
                });
            }
        }
    }
    Ok(mask)
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
    let all = [("all", u64::from(categories::ALL_STANDARD))];
    // Every bit comes from the table or from ALL_STANDARD, all of them u32 bits.
    parse(&CATEGORIES, "category", list, &all).map(|m| m as u32)
}

/// Parses `TREAT,HOPERAT` into a purpose bitmask (case-insensitive).
pub fn parse_purposes(list: &str) -> Result<u16, UnknownName> {
    parse(&PURPOSES, "purpose", list, &[]).map(|m| m as u16)
}

/// Parses `read,write` into an action bitmask.
pub fn parse_actions(list: &str) -> Result<u8, UnknownName> {
    parse(&ACTIONS, "action", list, &[]).map(|m| m as u8)
}

/// Parses `grant,revoke,answer` into a delegate permission bitmask.
///
/// ```
/// use medchain_sdk::names::{delegate_permission_names, parse_delegate_permissions};
/// use medchain_sdk::state::delegate_permissions::{ANSWER, REVOKE};
///
/// assert_eq!(parse_delegate_permissions("revoke, answer").unwrap(), REVOKE | ANSWER);
/// assert_eq!(delegate_permission_names(REVOKE | ANSWER), ["revoke", "answer"]);
/// assert!(parse_delegate_permissions("sign").is_err());
/// ```
pub fn parse_delegate_permissions(list: &str) -> Result<u8, UnknownName> {
    parse(&DELEGATE_PERMISSIONS, "delegate permission", list, &[]).map(|m| m as u8)
}

/// The names of the delegate permissions in a bitmask, in bit order.
pub fn delegate_permission_names(mask: u8) -> Vec<&'static str> {
    terms_in(&DELEGATE_PERMISSIONS, mask).map(|t| t.name).collect()
}

/// Parses the three lists of a scope (each as [`parse_categories`], [`parse_purposes`] and
/// [`parse_actions`]); an empty list gives an empty part.
pub fn parse_scope(categories: &str, purposes: &str, actions: &str) -> Result<Scope, UnknownName> {
    Ok(Scope::new(
        parse_categories(categories)?,
        parse_purposes(purposes)?,
        parse_actions(actions)?,
    ))
}

/// The canonical names of the categories in a bitmask, in bit order.
pub fn category_names(mask: u32) -> Vec<&'static str> {
    terms_in(&CATEGORIES, mask).map(|t| t.name).collect()
}

/// The codes of the purposes in a bitmask, in bit order.
pub fn purpose_names(mask: u16) -> Vec<&'static str> {
    terms_in(&PURPOSES, mask).map(|t| t.name).collect()
}

/// The names of the actions in a bitmask, in bit order.
pub fn action_names(mask: u8) -> Vec<&'static str> {
    terms_in(&ACTIONS, mask).map(|t| t.name).collect()
}

/// A scope in one line of names: `read/write of observations, imaging for TREAT`.
pub fn scope_text(scope: &Scope) -> String {
    format!(
        "{} of {} for {}",
        action_names(scope.actions).join("/"),
        category_names(scope.categories).join(", "),
        purpose_names(scope.purposes).join(", ")
    )
}

/// A scope as names, for JSON output: `{"categories":["imaging"],"purposes":["TREAT"],
/// "actions":["read"]}`.
pub fn scope_json(scope: &Scope) -> serde_json::Value {
    serde_json::json!({
        "categories": category_names(scope.categories),
        "purposes": purpose_names(scope.purposes),
        "actions": action_names(scope.actions),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::purposes;

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
        assert!(parse_categories("bogus")
            .unwrap_err()
            .to_string()
            .contains("known: all, demographics"));
        let scope = parse_scope("labs", "TREAT", "read").expect("known");
        assert_eq!(scope_json(&scope)["categories"][0], "observations");
        assert_eq!(scope_text(&scope), "read of observations for TREAT");
    }
}
