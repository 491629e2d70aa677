//! FHIR R4 `Consent` → on-chain consent terms (`medchain consent import`).
//!
//! A Consent an EHR wrote becomes a grant when medchain can express it without granting more
//! than it says, and is refused otherwise with the element path and why. The grammar:
//!
//! * `resourceType` `Consent`, `status` `active`; `scope`, if given, `patient-privacy`;
//!   `policyRule`, if given, `OPTIN` (an opt-out consent denies by default: not expressible);
//! * `patient`, if given, a reference whose `identifier` names the patient
//!   ([`crate::identity`]: CAIP-10, `urn:solana:pubkey` or an entry of the clinic's map);
//! * a root `provision` that is a permit (`type` absent or `permit`) with a `period`: `end` is
//!   the expiry (required; an instant, or a date meaning through that day) and must not have
//!   passed; `start`, if given, must not be in the future (a grant is in force at once);
//! * the rules, either on the root itself (an EHR's flat consent) or, when the root names no
//!   data, in one level of child `permit` provisions (as `consent export` writes them). Each
//!   rule may have:
//!   * `actor`: references to **one** provider (the same in every rule), role
//!     v3-ParticipationType `IRCP` or `PRCP` (or none);
//!   * `purpose`: v3-ActReason PurposeOfUse codings; `action`: `consentaction` codes — the same
//!     in every rule (one consent has one scope), or given once on the root;
//!   * data, by **one** of `class` (FHIR resource types that together make up whole
//!     categories: a category is named when all its types are listed, and a list naming part
//!     of one is refused, since granting the whole would grant more than it says; so
//!     `DiagnosticReport`, in observations and imaging, counts for whichever of the two is
//!     listed whole), `code` (medchain category names, [`CATEGORY_SYSTEM`]) or `securityLabel`
//!     (medchain's sensitivity labels, each naming its sensitive category, the labels of one
//!     category being the same policy). Two of them on one provision would mean data that is
//!     both, which medchain cannot express;
//!   * child `deny` provisions holding only `securityLabel`s of sensitive categories the
//!     consent does not grant (what `consent export` writes: medchain never implies a
//!     sensitive category, so such a deny says nothing more).
//!
//! Refused, with the path: any other deny provision (by class, code, actor, purpose, or one
//! taking back a granted category), a permit nested in a rule that names data or in a child
//! rule, `data` references, `dataPeriod`, a child's `period`, other security labels (`R`, `V`,
//! unknown codes), clinical codes, several actors or one that resolves to no wallet, unknown
//! codes, `modifierExtension` anywhere, a period that has ended or not yet begun. Other
//! elements of the resource (`meta`, `text`, `category`, `dateTime`, `performer`, …) are not
//! read.

use super::time::parse_range;
use super::vocab::{
    categories_of_resource_type, category_of_label, ACT_CODE_SYSTEM, CATEGORY_SYSTEM,
    CONSENT_ACTION_SYSTEM, RESOURCE_TYPES_SYSTEM,
};
use crate::identity::{Identifier, IdentifierMap, Role};
use crate::state::{ConsentTerms, Scope};
use crate::vocabulary::{named, terms_in, ACTIONS, CATEGORIES, PURPOSES};
use anchor_lang::prelude::Pubkey;
use serde_json::{Map, Value};
use thiserror::Error;

/// A FHIR Consent read as on-chain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedConsent {
    /// The patient the resource names, if it names one.
    pub patient: Option<Pubkey>,
    /// The provider (wallet) the consent is given to.
    pub provider: Pubkey,
    /// The terms: scope and expiry.
    pub terms: ConsentTerms,
}

/// Why a Consent cannot be expressed on chain: the element and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {reason}")]
pub struct ImportError {
    /// The FHIR element path (`Consent.provision.provision[1].type`).
    pub path: String,
    /// Why it cannot be imported.
    pub reason: String,
}

fn refuse(path: impl Into<String>, reason: impl Into<String>) -> ImportError {
    ImportError { path: path.into(), reason: reason.into() }
}

/// Provision members a rule may have; anything else is refused.
const RULE_MEMBERS: [&str; 11] = [
    "id", "extension", "type", "period", "actor", "action", "purpose", "class", "code",
    "securityLabel", "provision",
];

/// The members of a provision that name data; one provision may carry one of them.
const DATA_MEMBERS: [&str; 3] = ["class", "code", "securityLabel"];

/// Members of the one deny provision accepted (see [`Reader::redundant_deny`]).
const DENY_MEMBERS: [&str; 4] = ["id", "extension", "type", "securityLabel"];

/// What the rules of a provision tree add up to.
#[derive(Default)]
struct Rules {
    categories: u32,
    /// Sensitive categories a redundant child deny names, checked once all grants are known.
    denied_labels: Vec<(String, u32)>,
    purposes: Option<(String, u16)>,
    actions: Option<(String, u8)>,
    provider: Option<(String, Pubkey)>,
}

struct Reader<'a> {
    map: &'a IdentifierMap,
    chain_id: &'a str,
}

fn array<'v>(value: &'v Value, path: &str) -> Result<&'v [Value], ImportError> {
    value.as_array().map(Vec::as_slice).ok_or_else(|| refuse(path, "must be an array"))
}

fn object<'v>(value: &'v Value, path: &str) -> Result<&'v Map<String, Value>, ImportError> {
    value.as_object().ok_or_else(|| refuse(path, "must be an object"))
}

fn text<'v>(value: &'v Value, path: &str) -> Result<&'v str, ImportError> {
    value.as_str().ok_or_else(|| refuse(path, "must be a string"))
}

/// The codings of a CodeableConcept (`{coding: [...]}`) or of a Coding itself.
fn codings<'v>(value: &'v Value, path: &str) -> Result<Vec<(String, &'v Value)>, ImportError> {
    match value.get("coding") {
        Some(list) => Ok(array(list, &format!("{path}.coding"))?
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("{path}.coding[{i}]"), c))
            .collect()),
        None => Ok(vec![(path.to_string(), value)]),
    }
}

fn system_code<'v>(coding: &'v Value, path: &str) -> Result<(&'v str, &'v str), ImportError> {
    let system = text(coding.get("system").unwrap_or(&Value::Null), &format!("{path}.system"))?;
    let code = text(coding.get("code").unwrap_or(&Value::Null), &format!("{path}.code"))?;
    Ok((system, code))
}

/// Refuses `modifierExtension` anywhere below `value`.
fn no_modifier_extensions(value: &Value, path: &str) -> Result<(), ImportError> {
    match value {
        Value::Object(map) => {
            if map.contains_key("modifierExtension") {
                return Err(refuse(
                    format!("{path}.modifierExtension"),
                    "modifier extensions change the meaning of a consent in ways medchain cannot check",
                ));
            }
            map.iter().try_for_each(|(k, v)| no_modifier_extensions(v, &format!("{path}.{k}")))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| no_modifier_extensions(v, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

impl Reader<'_> {
    fn identifier(&self, role: Role, reference: &Value, path: &str) -> Result<Pubkey, ImportError> {
        let at = format!("{path}.identifier");
        let id = object(reference.get("identifier").unwrap_or(&Value::Null), &at).map_err(|_| {
            refuse(&at, "must name the party by an identifier (CAIP-10, urn:solana:pubkey or the clinic's map)")
        })?;
        let value = text(id.get("value").unwrap_or(&Value::Null), &format!("{at}.value"))?;
        let system = id.get("system").and_then(Value::as_str).map(str::to_string);
        let identifier = Identifier { system, value: value.to_string() };
        self.map.resolve(role, self.chain_id, &identifier).ok_or_else(|| {
            refuse(at, format!("{identifier} names no wallet here (add it to the identifier map)"))
        })
    }

    fn actors(&self, list: &Value, path: &str, rules: &mut Rules) -> Result<(), ImportError> {
        for (i, actor) in array(list, path)?.iter().enumerate() {
            let at = format!("{path}[{i}]");
            if let Some(role) = actor.get("role") {
                for (p, coding) in codings(role, &format!("{at}.role"))? {
                    let (system, code) = system_code(coding, &p)?;
                    let recipient = system
                        == "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
                        && (code == "IRCP" || code == "PRCP");
                    if !recipient {
                        return Err(refuse(
                            p,
                            format!(
                                "actor role {code} is not an information recipient (IRCP, PRCP)"
                            ),
                        ));
                    }
                }
            }
            let reference = actor.get("reference").unwrap_or(&Value::Null);
            let wallet = self.identifier(Role::Actor, reference, &format!("{at}.reference"))?;
            match &rules.provider {
                Some((_, first)) if *first != wallet => {
                    return Err(refuse(
                        at,
                        "a second actor: a medchain consent is given to one provider",
                    ))
                }
                _ => rules.provider = Some((at, wallet)),
            }
        }
        Ok(())
    }

    fn purposes(list: &Value, path: &str) -> Result<u16, ImportError> {
        let mut set = 0;
        for (i, coding) in array(list, path)?.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let (system, code) = system_code(coding, &at)?;
            let term = PURPOSES
                .iter()
                .find(|t| t.fhir.system == system && t.fhir.code == code)
                .ok_or_else(|| {
                    refuse(&at, format!("{system}|{code} is not a purpose of use medchain knows"))
                })?;
            set |= term.bit;
        }
        Ok(set)
    }

    fn actions(list: &Value, path: &str) -> Result<u8, ImportError> {
        let mut set = 0;
        for (i, concept) in array(list, path)?.iter().enumerate() {
            for (at, coding) in codings(concept, &format!("{path}[{i}]"))? {
                let (system, code) = system_code(coding, &at)?;
                let term = ACTIONS
                    .iter()
                    .find(|t| system == CONSENT_ACTION_SYSTEM && t.fhir.code == code)
                    .ok_or_else(|| {
                        refuse(
                            &at,
                            format!("{system}|{code} is not a consent action medchain knows"),
                        )
                    })?;
                set |= term.bit;
            }
        }
        Ok(set)
    }

    /// Categories named by `class`: a category is named when every one of its resource types
    /// is listed (medchain grants whole categories, so a list that names part of one would
    /// grant more than it says), and every listed type must belong to a category so named.
    fn classes(list: &Value, path: &str) -> Result<u32, ImportError> {
        let mut listed = Vec::new();
        for (i, coding) in array(list, path)?.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let (system, code) = system_code(coding, &at)?;
            if system != RESOURCE_TYPES_SYSTEM {
                return Err(refuse(
                    at,
                    format!("class system {system} is not FHIR resource types"),
                ));
            }
            if categories_of_resource_type(code) == 0 {
                return Err(refuse(at, format!("{code} is in no medchain category")));
            }
            listed.push((at, code));
        }
        let whole = CATEGORIES
            .iter()
            .filter(|c| {
                !c.is_sensitive()
                    && c.fhir.resource_types.iter().all(|t| listed.iter().any(|(_, l)| l == t))
            })
            .fold(0, |set, c| set | c.bit);
        for (at, code) in &listed {
            let holders = categories_of_resource_type(code);
            if holders & whole == 0 {
                let whole_of: Vec<String> = terms_in(&CATEGORIES, holders)
                    .map(|c| format!("{} is {}", c.name, c.fhir.resource_types.join(", ")))
                    .collect();
                return Err(refuse(
                    at.as_str(),
                    format!(
                        "{code} without the rest of its category cannot be expressed: medchain grants whole categories ({}); list every type of the one you mean, or name it in provision.code",
                        whole_of.join("; ")
                    ),
                ));
            }
        }
        Ok(whole)
    }

    fn codes(list: &Value, path: &str) -> Result<u32, ImportError> {
        let mut set = 0;
        for (i, concept) in array(list, path)?.iter().enumerate() {
            for (at, coding) in codings(concept, &format!("{path}[{i}]"))? {
                let (system, code) = system_code(coding, &at)?;
                if system != CATEGORY_SYSTEM {
                    return Err(refuse(at, format!("clinical codes ({system}) cannot be expressed: medchain consents name categories")));
                }
                set |= named(&CATEGORIES, code)
                    .ok_or_else(|| refuse(&at, format!("{code} is not a medchain category")))?
                    .bit;
            }
        }
        Ok(set)
    }

    fn labels(list: &Value, path: &str) -> Result<u32, ImportError> {
        let mut set = 0;
        for (i, coding) in array(list, path)?.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let (system, code) = system_code(coding, &at)?;
            set |= category_of_label(system, code).ok_or_else(|| {
                refuse(&at, format!("security label {system}|{code} is not a medchain sensitivity label: label conditions cannot be expressed"))
            })?;
        }
        Ok(set)
    }

    /// One provision (`depth` 0: the root, 1: a child rule), its members checked.
    fn provision(
        &self,
        p: &Value,
        path: &str,
        depth: usize,
        rules: &mut Rules,
    ) -> Result<(), ImportError> {
        let obj = object(p, path)?;
        if let Some(key) = obj.keys().find(|k| !RULE_MEMBERS.contains(&k.as_str())) {
            let why = match key.as_str() {
                "data" => "data references (specific resources) cannot be expressed: medchain consents name categories",
                "dataPeriod" => "a data period cannot be expressed",
                _ => "is not a provision element medchain can express",
            };
            return Err(refuse(format!("{path}.{key}"), why));
        }
        match obj.get("type").and_then(Value::as_str) {
            None | Some("permit") => {}
            Some(other) => {
                return Err(refuse(
                    format!("{path}.type"),
                    format!(
                        "a {other} provision cannot be expressed: medchain consents only permit"
                    ),
                ))
            }
        }
        if depth > 0 && obj.contains_key("period") {
            return Err(refuse(
                format!("{path}.period"),
                "only the root provision's period (the expiry) can be expressed",
            ));
        }
        if let Some(actors) = obj.get("actor") {
            self.actors(actors, &format!("{path}.actor"), rules)?;
        }
        if let Some(list) = obj.get("purpose") {
            let at = format!("{path}.purpose");
            let set = Self::purposes(list, &at)?;
            same(&mut rules.purposes, set, at)?;
        }
        if let Some(list) = obj.get("action") {
            let at = format!("{path}.action");
            let set = Self::actions(list, &at)?;
            same(&mut rules.actions, set, at)?;
        }
        let data: Vec<&str> = DATA_MEMBERS.into_iter().filter(|k| obj.contains_key(*k)).collect();
        if let [first, second, ..] = data.as_slice() {
            return Err(refuse(
                format!("{path}.{second}"),
                format!(
                    "{first} and {second} on one provision both apply (data that is both), which medchain cannot express: it grants whole categories; give each in a provision of its own"
                ),
            ));
        }
        if let Some(list) = obj.get("class") {
            rules.categories |= Self::classes(list, &format!("{path}.class"))?;
        }
        if let Some(list) = obj.get("code") {
            rules.categories |= Self::codes(list, &format!("{path}.code"))?;
        }
        if let Some(list) = obj.get("securityLabel") {
            rules.categories |= Self::labels(list, &format!("{path}.securityLabel"))?;
        }
        if let Some(children) = obj.get("provision") {
            for (i, child) in array(children, &format!("{path}.provision"))?.iter().enumerate() {
                let at = format!("{path}.provision[{i}]");
                if child.get("type").and_then(Value::as_str) == Some("deny") {
                    self.redundant_deny(child, &at, rules)?;
                } else if depth == 0 && data.is_empty() {
                    self.provision(child, &at, 1, rules)?;
                } else {
                    let why = if depth > 0 {
                        "a permit nested inside a child rule cannot be expressed: medchain's rules are one level deep (as consent export writes them)"
                    } else {
                        "a permit nested inside a rule that names data cannot be expressed: FHIR applies it only within its parent's data, which medchain cannot say"
                    };
                    return Err(refuse(at, why));
                }
            }
        }
        Ok(())
    }

    /// A deny inside a provision: accepted only as `securityLabel`s of sensitive categories
    /// (checked against the grants once all rules are read).
    fn redundant_deny(&self, p: &Value, path: &str, rules: &mut Rules) -> Result<(), ImportError> {
        let obj = object(p, path)?;
        let other = obj.keys().find(|k| !DENY_MEMBERS.contains(&k.as_str()));
        let (None, Some(list)) = (other, obj.get("securityLabel")) else {
            let by = other.map_or("no securityLabel", String::as_str);
            return Err(refuse(
                format!("{path}.type"),
                format!(
                    "a deny provision cannot be expressed (this one has {by}): medchain consents only permit; the one deny accepted withholds sensitivity labels the consent does not grant, as consent export writes it"
                ),
            ));
        };
        let set = Self::labels(list, &format!("{path}.securityLabel"))?;
        rules.denied_labels.push((format!("{path}.securityLabel"), set));
        Ok(())
    }
}

/// Keeps the first value of purposes or actions; a different one later is refused.
fn same<T: PartialEq>(
    found: &mut Option<(String, T)>,
    value: T,
    at: String,
) -> Result<(), ImportError> {
    match found {
        Some((_, first)) if *first != value => Err(refuse(
            at,
            "differs from another provision's: one consent has one set of purposes and actions",
        )),
        _ => {
            *found = Some((at, value));
            Ok(())
        }
    }
}

/// The expiry the root provision's `period` gives: its `end` (an instant, or the end of a
/// date's day, month or year), which must be after `now`; a `start`, if given, must not be
/// after `now` (a grant is in force at once, so a later start would permit access early).
fn period(provision: &Value, now: i64) -> Result<i64, ImportError> {
    let at = |part: &str| format!("Consent.provision.period.{part}");
    let bounds = |part: &str| -> Result<Option<(&str, i64, i64)>, ImportError> {
        let Some(value) = provision.get("period").and_then(|p| p.get(part)) else {
            return Ok(None);
        };
        let text = text(value, &at(part))?;
        let (first, after) = parse_range(text)
            .ok_or_else(|| refuse(at(part), format!("'{text}' is not a FHIR dateTime")))?;
        Ok(Some((text, first, after)))
    };
    if let Some((_, start, _)) = bounds("start")? {
        if start > now {
            return Err(refuse(
                at("start"),
                "is in the future: a medchain consent is in force from the moment it is granted, so it would permit access before the period begins; import it once the period has begun",
            ));
        }
    }
    let (end_text, first, after) = bounds("end")?
        .ok_or_else(|| refuse(at("end"), "is missing: an on-chain consent always expires"))?;
    let expires_at = if end_text.contains('T') { first } else { after };
    if expires_at <= now {
        return Err(refuse(at("end"), "has passed: the consent is no longer in force"));
    }
    Ok(expires_at)
}

/// Reads a FHIR R4 Consent as the terms of an on-chain consent (see the module docs for what
/// is accepted). `map` and `chain_id` resolve the identifiers; `now` (Unix seconds) refuses a
/// period that has ended.
///
/// # Errors
///
/// [`ImportError`] with the element path and why, for anything medchain cannot express.
pub fn consent_from_fhir(
    resource: &Value,
    map: &IdentifierMap,
    chain_id: &str,
    now: i64,
) -> Result<ImportedConsent, ImportError> {
    let root = object(resource, "Consent")?;
    if root.get("resourceType").and_then(Value::as_str) != Some("Consent") {
        return Err(refuse("Consent.resourceType", "must be \"Consent\""));
    }
    no_modifier_extensions(resource, "Consent")?;
    match root.get("status").and_then(Value::as_str) {
        Some("active") => {}
        other => {
            return Err(refuse(
                "Consent.status",
                format!(
                    "{} consent cannot be granted: only an active one",
                    other.unwrap_or("a missing")
                ),
            ))
        }
    }
    if let Some(scope) = root.get("scope") {
        let ok = codings(scope, "Consent.scope")?.iter().any(|(p, c)| {
            system_code(c, p).is_ok_and(|(s, code)| {
                s == "http://terminology.hl7.org/CodeSystem/consentscope"
                    && code == "patient-privacy"
            })
        });
        if !ok {
            return Err(refuse(
                "Consent.scope",
                "medchain holds privacy consents (consentscope patient-privacy) only",
            ));
        }
    }
    if let Some(policy) = root.get("policyRule") {
        let ok = codings(policy, "Consent.policyRule")?.iter().any(|(p, c)| {
            system_code(c, p).is_ok_and(|(s, code)| s == ACT_CODE_SYSTEM && code == "OPTIN")
        });
        if !ok {
            return Err(refuse("Consent.policyRule", "only an opt-in (OPTIN) consent can be expressed: medchain shares nothing unless a consent permits it"));
        }
    }
    let reader = Reader { map, chain_id };
    let patient = root
        .get("patient")
        .map(|p| reader.identifier(Role::Patient, p, "Consent.patient"))
        .transpose()?;
    let provision = root
        .get("provision")
        .ok_or_else(|| refuse("Consent.provision", "is missing: it says what is permitted"))?;
    let mut rules = Rules::default();
    reader.provision(provision, "Consent.provision", 0, &mut rules)?;

    let expires_at = period(provision, now)?;
    let (_, provider) = rules.provider.ok_or_else(|| {
        refuse("Consent.provision.actor", "is missing: name the provider the consent is given to")
    })?;
    let (_, purposes) = rules.purposes.ok_or_else(|| {
        refuse("Consent.provision.purpose", "is missing: a consent names its purposes of use")
    })?;
    let (_, actions) = rules.actions.ok_or_else(|| {
        refuse("Consent.provision.action", "is missing: a consent names what the provider may do")
    })?;
    if rules.categories == 0 {
        return Err(refuse(
            "Consent.provision.class",
            "names no data: give class, code or securityLabel",
        ));
    }
    for (path, set) in &rules.denied_labels {
        if set & rules.categories != 0 {
            return Err(refuse(
                path,
                "denies a category the consent grants: a deny provision cannot be expressed",
            ));
        }
    }
    let scope = Scope::new(rules.categories, purposes, actions);
    if let Some(part) = scope.invalid_part() {
        return Err(refuse(
            "Consent.provision",
            format!("the {} do not form a valid scope", part.name()),
        ));
    }
    Ok(ImportedConsent { patient, provider, terms: ConsentTerms::new(scope, expires_at) })
}
