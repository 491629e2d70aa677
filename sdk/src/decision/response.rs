//! The answers, shaped as LEAP-CDS shapes them: a CDS Hooks card, an XACML JSON Profile
//! response, and the CDS Hooks discovery document.

use super::request::HOOK;
use super::{ConsultOutcome, Decision, Recording, Redact};
use crate::audit::{reason_name, reason_words};
use crate::fhir::vocab::ACT_CODE_SYSTEM;
use crate::identity::caip10;
use crate::vocabulary::{terms_in, CATEGORIES, PURPOSES};
use serde_json::{json, Map, Value};

/// Who answers: the card's `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The service's name.
    pub label: String,
    /// Its URL.
    pub url: String,
}

/// The HL7 v3 ObligationPolicy code `REDACT`.
fn redact_id() -> Value {
    json!({ "system": ACT_CODE_SYSTEM, "code": "REDACT" })
}

fn redact_parameters(redact: &Redact) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    if !redact.codes.is_empty() {
        out.push(("codes", redact.codes.iter().map(super::Coding::to_json).collect()));
    }
    if !redact.except_any_of_codes.is_empty() {
        out.push((
            "exceptAnyOfCodes",
            redact.except_any_of_codes.iter().map(super::Coding::to_json).collect(),
        ));
    }
    out
}

/// The decision in plain words: what permitted or refused it, what to redact, and whether
/// it was recorded.
pub fn detail(outcome: &ConsultOutcome) -> String {
    let v = &outcome.verdict;
    let mut text = match (v.decision, outcome.unresolved) {
        (Decision::NoConsent, Some(why)) => format!("No applicable consent: {why}."),
        (_, _) => {
            let mut words = reason_words(v.reason).to_string();
            if let Some(first) = words.get(..1) {
                words = first.to_uppercase() + &words[1..];
            }
            format!("{words}.")
        }
    };
    if v.decision == Decision::Permit {
        let cats: Vec<&str> = terms_in(&CATEGORIES, v.permitted).map(|t| t.words).collect();
        text.push_str(&format!(" The provider may read: {}.", cats.join(", ")));
        if let Some(r) = &v.redact {
            if !r.except_any_of_codes.is_empty() {
                text.push_str(" Only part of what was asked is permitted: redact everything else.");
            }
            if !r.codes.is_empty() {
                text.push_str(" Redact data labelled with the withheld sensitive categories.");
            }
        }
    }
    let ignored = outcome.terms.unknown_classes.len() + outcome.terms.unknown_purposes.len();
    if ignored > 0 {
        text.push_str(&format!(" {ignored} code(s) medchain does not know were ignored."));
    }
    text.push_str(match &outcome.recording {
        Recording::ReadOnly => " Not recorded: this service only reads.",
        Recording::NoKey => " Not recorded: this service holds no key of the provider.",
        Recording::NothingToRecord => " Nothing was recorded on chain.",
        Recording::Recorded(_) => " Recorded in the patient's audit trail.",
    });
    text
}

/// medchain's own details, under the card's `extension.medchain`.
fn medchain_extension(outcome: &ConsultOutcome, chain_id: &str) -> Value {
    let v = &outcome.verdict;
    let mut m = Map::new();
    m.insert("reason".into(), json!(reason_name(v.reason)));
    if let Some(p) = &outcome.patient {
        m.insert("patient".into(), json!(caip10(chain_id, p)));
    }
    if let Some(p) = &outcome.provider {
        m.insert("actor".into(), json!(caip10(chain_id, p)));
    }
    if let Some((address, version)) = &outcome.consent {
        m.insert("consent".into(), json!(address.to_string()));
        m.insert("consentVersion".into(), json!(version));
    }
    if let Some(e) = &outcome.emergency {
        m.insert("emergencyAccess".into(), json!(e.to_string()));
    }
    let permitted: Vec<&str> = terms_in(&CATEGORIES, v.permitted).map(|t| t.name).collect();
    m.insert("permittedCategories".into(), json!(permitted));
    let (recording, transactions) = match &outcome.recording {
        Recording::ReadOnly => ("read-only", Vec::new()),
        Recording::NoKey => ("no-provider-key", Vec::new()),
        Recording::NothingToRecord => ("nothing-to-record", Vec::new()),
        Recording::Recorded(list) => (
            "recorded",
            list.iter()
                .map(|r| {
                    json!({
                        "signature": r.signature,
                        "category": crate::vocabulary::term(&CATEGORIES, r.args.category).map(|t| t.name),
                        "purpose": crate::vocabulary::term(&PURPOSES, r.args.purpose).map(|t| t.name),
                        "allowed": r.allowed,
                        "reason": reason_name(r.reason),
                    })
                })
                .collect(),
        ),
    };
    m.insert("recording".into(), json!(recording));
    m.insert("transactions".into(), json!(transactions));
    if let Some((_, removed)) = &outcome.content {
        m.insert("removedResources".into(), json!(removed));
    }
    if !outcome.terms.unknown_classes.is_empty() || !outcome.terms.unknown_purposes.is_empty() {
        let classes: Vec<Value> =
            outcome.terms.unknown_classes.iter().map(super::Coding::to_json).collect();
        m.insert(
            "ignored".into(),
            json!({ "class": classes, "purposeOfUse": outcome.terms.unknown_purposes }),
        );
    }
    Value::Object(m)
}

/// The CDS Hooks response: `{"cards": [card]}` with one card as LEAP-CDS writes it
/// (`summary`, `detail`, `indicator`, `source`, `extension.decision`, `.obligations`,
/// `.basedOn`, `.content`), plus `extension.medchain` (reason, CAIP-10 ids, consent,
/// recording and its transaction signatures).
pub fn cds_hooks_response(
    outcome: &ConsultOutcome,
    source: &Source,
    chain_id: &str,
    consent_url: Option<String>,
) -> Value {
    let v = &outcome.verdict;
    let obligations: Vec<Value> = v
        .redact
        .iter()
        .map(|r| {
            let parameters: Map<String, Value> =
                redact_parameters(r).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            json!({ "id": redact_id(), "parameters": parameters })
        })
        .collect();
    let mut extension = json!({
        "decision": v.decision.cds_code(),
        "obligations": obligations,
        "medchain": medchain_extension(outcome, chain_id),
    });
    if let Some(url) = consent_url {
        extension["basedOn"] = json!(url);
    }
    if let Some((bundle, _)) = &outcome.content {
        extension["content"] = bundle.clone();
    }
    json!({ "cards": [{
        "summary": v.decision.cds_code(),
        "detail": detail(outcome),
        "indicator": v.decision.indicator(),
        "source": { "label": source.label, "url": source.url },
        "extension": extension,
    }]})
}

/// The XACML JSON Profile response as LEAP-CDS writes it (`Response[0].Decision`,
/// `.Obligations[].Id` / `.AttributeAssignment[]`), with the decision's words in
/// `Status.StatusMessage`.
pub fn xacml_response(outcome: &ConsultOutcome) -> Value {
    let v = &outcome.verdict;
    let obligations: Vec<Value> = v
        .redact
        .iter()
        .map(|r| {
            let assignments: Vec<Value> = redact_parameters(r)
                .into_iter()
                .map(|(id, value)| json!({ "AttributeId": id, "Value": value }))
                .collect();
            json!({ "Id": redact_id(), "AttributeAssignment": assignments })
        })
        .collect();
    json!({ "Response": [{
        "Decision": v.decision.xacml(),
        "Obligations": obligations,
        "Status": {
            "StatusCode": { "Value": "urn:oasis:names:tc:xacml:1.0:status:ok" },
            "StatusMessage": detail(outcome),
        },
    }]})
}

/// The CDS Hooks discovery document (`GET /cds-services`).
pub fn discovery() -> Value {
    json!({ "services": [{
        "hook": HOOK,
        "id": HOOK,
        "title": "medchain patient consent consult",
        "description": "Answers whether a patient's on-chain consent permits an actor to access \
                        the patient's data of the given classes for the given purpose of use \
                        (LEAP Consent Decision Service interface).",
    }]})
}
