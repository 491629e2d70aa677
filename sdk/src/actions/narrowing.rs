//! What a patient may change when approving a request: only narrow it (the URL query of
//! an approval, and the terms it gives).

use super::*;

/// What a patient narrows when approving: each part of the scope that is named must be
/// inside what was asked (an empty part keeps what was asked; see
/// [`Scope::with_parts_of`]), the duration no longer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// Only these categories, purposes and actions (empty parts narrow nothing).
    pub scope: Scope,
    /// Only this long, in seconds.
    pub duration_secs: Option<i64>,
}

impl Narrowing {
    /// Parses `categories=imaging&purposes=TREAT&actions=read&days=7` (every key optional,
    /// none repeated, nothing else).
    pub fn from_query(query: &str) -> Result<Self, ActionsError> {
        if query.len() > MAX_QUERY_LEN {
            return Err(ActionsError::BadRequest("the query string is too long".into()));
        }
        let mut out = Narrowing::default();
        let bad = |e: crate::names::UnknownName| ActionsError::BadRequest(e.to_string());
        let mut seen = BTreeSet::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if !seen.insert(key.to_string()) {
                return Err(ActionsError::BadRequest(format!("parameter '{key}' is repeated")));
            }
            match key.as_ref() {
                "categories" => out.scope.categories = nonempty(parse_categories(&value).map_err(bad)?, &key)?,
                "purposes" => out.scope.purposes = nonempty(parse_purposes(&value).map_err(bad)?, &key)?,
                "actions" => out.scope.actions = nonempty(parse_actions(&value).map_err(bad)?, &key)?,
                "days" => {
                    let days = value.trim().parse::<i64>().ok().filter(|d| (1..=MAX_DAYS).contains(d));
                    let days = days.ok_or_else(|| {
                        ActionsError::BadRequest(format!("'days' must be a whole number from 1 to {MAX_DAYS}"))
                    })?;
                    out.duration_secs = Some(days * 86_400);
                }
                other => {
                    return Err(ActionsError::BadRequest(format!(
                        "unknown parameter '{other}'; an approval may only narrow categories, purposes, actions or days"
                    )))
                }
            }
        }
        Ok(out)
    }

    /// The query string of this narrowing (empty when it narrows nothing).
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let Scope { categories, purposes, actions } = self.scope;
        if categories != 0 {
            query.append_pair("categories", &category_names(categories).join(","));
        }
        if purposes != 0 {
            query.append_pair("purposes", &purpose_names(purposes).join(","));
        }
        if actions != 0 {
            query.append_pair("actions", &action_names(actions).join(","));
        }
        if let Some(d) = self.duration_secs {
            query.append_pair("days", &(d / 86_400).to_string());
        }
        query.finish()
    }

    /// The approved terms: `asked`, narrowed. Anything wider than `asked`, or empty, is
    /// refused.
    pub fn apply(&self, asked: &RequestTerms) -> Result<RequestTerms, ActionsError> {
        let approved = RequestTerms::new(
            asked.scope.with_parts_of(&self.scope),
            self.duration_secs.unwrap_or(asked.duration_secs),
        );
        let wider = |what: &str| {
            Err(ActionsError::BadRequest(format!(
                "the approval would widen the request ({what}); it may only narrow what was asked"
            )))
        };
        if let Some(part) = asked.scope.excess(&approved.scope) {
            return wider(&format!("{} not asked for", part.name()));
        }
        if approved.duration_secs > asked.duration_secs {
            return wider("a longer duration");
        }
        debug_assert!(asked.contains(&approved));
        Ok(approved)
    }

    /// True when it narrows nothing.
    pub fn is_empty(&self) -> bool {
        *self == Narrowing::default()
    }
}

/// A narrowed part must keep at least one member.
fn nonempty<T: Default + PartialEq>(mask: T, key: &str) -> Result<T, ActionsError> {
    if mask == T::default() {
        return Err(ActionsError::BadRequest(format!(
            "'{key}' names nothing; an approval must keep at least one category, purpose and action"
        )));
    }
    Ok(mask)
}
