//! What a wallet shows for an action, and the `GET` response carrying it.

use super::*;

/// What the wallet shows for an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionView {
    /// The title.
    pub title: String,
    /// Exactly what will be granted, denied or revoked, in plain words.
    pub description: String,
    /// The button label.
    pub label: String,
    /// Why the action can no longer be taken, if so.
    pub disabled: Option<String>,
    /// For an approval: the terms asked, so a wallet can offer to narrow them.
    pub asked: Option<RequestTerms>,
}

impl ActionView {
    /// The `GET` response for `action` at `urls`.
    pub fn to_get_response(&self, action: &Action, urls: &ActionUrls) -> ActionGetResponse {
        let link = |href: String, label: &str, parameters: Vec<ActionParameter>| LinkedAction {
            kind: "transaction".into(),
            href,
            label: label.into(),
            parameters,
        };
        let links = match (action, &self.asked) {
            (Action::Approve { request, narrowing }, Some(asked)) if self.disabled.is_none() => {
                let mut buttons = vec![link(urls.approve(request, narrowing), &self.label, vec![])];
                if narrowing.is_empty() {
                    buttons.push(link(
                        format!(
                            "{}?categories={{categories}}&days={{days}}",
                            urls.approve(request, narrowing)
                        ),
                        "Approve only these",
                        narrowing_parameters(asked),
                    ));
                }
                buttons.push(link(urls.deny(request), "Deny", vec![]));
                Some(ActionLinks { actions: buttons })
            }
            _ => None,
        };
        ActionGetResponse {
            kind: "action".into(),
            icon: urls.icon(),
            title: self.title.clone(),
            description: self.description.clone(),
            label: self.label.clone(),
            disabled: self.disabled.is_some(),
            links,
            error: self.disabled.clone().map(|message| spec::ActionError { message }),
        }
    }
}

/// The inputs of "Approve only these": the categories asked (all preselected) and the days.
fn narrowing_parameters(asked: &RequestTerms) -> Vec<ActionParameter> {
    let options =
        crate::vocabulary::terms_in(&crate::vocabulary::CATEGORIES, asked.scope.categories)
            .map(|term| ParameterOption {
                label: term.words.to_string(),
                value: term.name.to_string(),
                selected: true,
            })
            .collect();
    let max_days = (asked.duration_secs / 86_400).max(1);
    vec![
        ActionParameter {
            kind: "checkbox".into(),
            name: "categories".into(),
            label: "Categories to share".into(),
            required: true,
            min: None,
            max: None,
            pattern: None,
            pattern_description: None,
            options,
        },
        ActionParameter {
            kind: "number".into(),
            name: "days".into(),
            label: format!("Days (at most {max_days})"),
            required: true,
            min: Some(1),
            max: Some(max_days),
            pattern: None,
            pattern_description: None,
            options: vec![],
        },
    ]
}
