//! Reading consult requests: the CDS Hooks `patient-consent-consult` request and the XACML
//! JSON Profile request, both as LEAP-CDS shapes them, into one [`ConsultRequest`].

use crate::identity::Identifier;
use serde_json::{Map, Value};
use thiserror::Error;

/// The CDS Hooks hook (and service id) medchain answers.
pub const HOOK: &str = "patient-consent-consult";

/// A coded value as a request carries it (`{system, code}`; XACML's LEAP example writes
/// `value` for `code`, which is accepted too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    /// The code system.
    pub system: String,
    /// The code.
    pub code: String,
}

impl Coding {
    /// A coding.
    pub fn new(system: &str, code: &str) -> Self {
        Self { system: system.to_string(), code: code.to_string() }
    }

    /// As FHIR JSON (`{"system": …, "code": …}`).
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "system": self.system, "code": self.code })
    }
}

/// One consult, whichever interface it came through.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsultRequest {
    /// The request's id (`hookInstance`; empty for XACML).
    pub instance: String,
    /// Every identifier of the patient (any of them may match).
    pub patient_ids: Vec<Identifier>,
    /// Every identifier of the actor (provider, clinician, organization).
    pub actors: Vec<Identifier>,
    /// The purposes of use (HL7 PurposeOfUse codes); `None` when the request gave none.
    pub purposes: Option<Vec<String>>,
    /// The content classes asked for; empty means all of the patient's data.
    pub classes: Vec<Coding>,
    /// The consent categories (`Consent.category` / `scope` codes) the caller limits to.
    pub categories: Vec<Coding>,
    /// FHIR content mode: a Bundle to filter by the decision.
    pub content: Option<Value>,
}

/// Why a request is malformed (an HTTP 400, never a decision).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{path}: {reason}")]
pub struct RequestError {
    /// Where in the request (JSON path, e.g. `context.actor[0].value`).
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

fn bad(path: impl Into<String>, reason: impl Into<String>) -> RequestError {
    RequestError { path: path.into(), reason: reason.into() }
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, RequestError> {
    value.as_object().ok_or_else(|| bad(path, "must be a JSON object"))
}

fn string<'a>(value: &'a Value, path: &str) -> Result<&'a str, RequestError> {
    match value.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(bad(path, "must not be empty")),
        None => Err(bad(path, "must be a string")),
    }
}

fn array<'a>(value: &'a Value, path: &str) -> Result<&'a [Value], RequestError> {
    value.as_array().map(Vec::as_slice).ok_or_else(|| bad(path, "must be an array"))
}

/// An array, or (as XACML values may be) one object standing for an array of it.
fn one_or_many<'a>(value: &'a Value, path: &str) -> Result<&'a [Value], RequestError> {
    match value {
        Value::Object(_) => Ok(std::slice::from_ref(value)),
        other => array(other, path),
    }
}

/// Identifiers: an array (or, from XACML, possibly one object) of `{system?, value}`.
fn identifiers(value: &Value, path: &str) -> Result<Vec<Identifier>, RequestError> {
    let items = one_or_many(value, path)?;
    if items.is_empty() {
        return Err(bad(path, "must name at least one identifier"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{path}[{i}]");
            let obj = object(item, &at)?;
            if let Some(key) = obj.keys().find(|k| *k != "system" && *k != "value") {
                return Err(bad(format!("{at}.{key}"), "is not a member of an identifier"));
            }
            let value = string(obj.get("value").unwrap_or(&Value::Null), &format!("{at}.value"))?;
            let system = match obj.get("system") {
                None => None,
                Some(s) => Some(string(s, &format!("{at}.system"))?.to_string()),
            };
            Ok(Identifier { system, value: value.to_string() })
        })
        .collect()
}

/// Codings: an array of `{system, code}` (or `{system, value}`).
fn codings(value: &Value, path: &str) -> Result<Vec<Coding>, RequestError> {
    let items = one_or_many(value, path)?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{path}[{i}]");
            let obj = object(item, &at)?;
            let system =
                string(obj.get("system").unwrap_or(&Value::Null), &format!("{at}.system"))?;
            let code = match (obj.get("code"), obj.get("value")) {
                (Some(code), _) => string(code, &format!("{at}.code"))?,
                (None, Some(value)) => string(value, &format!("{at}.value"))?,
                (None, None) => return Err(bad(format!("{at}.code"), "is missing")),
            };
            Ok(Coding::new(system, code))
        })
        .collect()
}

/// `purposeOfUse`: a string or an array of strings (codes without their system).
fn purposes(value: &Value, path: &str) -> Result<Vec<String>, RequestError> {
    let list = match value {
        Value::String(_) => vec![string(value, path)?.to_string()],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| string(v, &format!("{path}[{i}]")).map(str::to_string))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad(path, "must be a PurposeOfUse code or an array of them")),
    };
    if list.is_empty() {
        return Err(bad(path, "must name at least one purpose (or be left out)"));
    }
    Ok(list)
}

fn content(value: &Value, path: &str) -> Result<Value, RequestError> {
    let obj = object(value, path)?;
    if obj.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(bad(format!("{path}.resourceType"), "must be \"Bundle\""));
    }
    let entries = array(obj.get("entry").unwrap_or(&Value::Null), &format!("{path}.entry"))?;
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("{path}.entry[{i}].resource");
        let resource = object(entry.get("resource").unwrap_or(&Value::Null), &at)?;
        string(
            resource.get("resourceType").unwrap_or(&Value::Null),
            &format!("{at}.resourceType"),
        )?;
    }
    Ok(value.clone())
}

impl ConsultRequest {
    /// Reads a CDS Hooks `patient-consent-consult` request (LEAP-CDS's shape): `hook`,
    /// `hookInstance`, and `context` with `patientId[]` and `actor[]` (required),
    /// `purposeOfUse`, `class[]`, `category[]` and `content` (optional). Members of
    /// `context` other than these are refused, as LEAP's schema does.
    ///
    /// # Errors
    ///
    /// [`RequestError`] naming the first malformed member.
    pub fn from_cds_hooks(body: &Value) -> Result<Self, RequestError> {
        let root = object(body, "$")?;
        let hook = string(root.get("hook").unwrap_or(&Value::Null), "hook")?;
        if hook != HOOK {
            return Err(bad("hook", format!("this service answers '{HOOK}', not '{hook}'")));
        }
        let instance =
            string(root.get("hookInstance").unwrap_or(&Value::Null), "hookInstance")?.to_string();
        let context = object(root.get("context").unwrap_or(&Value::Null), "context")?;
        const KNOWN: [&str; 6] =
            ["patientId", "actor", "purposeOfUse", "class", "category", "content"];
        if let Some(key) = context.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(bad(
                format!("context.{key}"),
                format!("is not a member of the {HOOK} context ({})", KNOWN.join(", ")),
            ));
        }
        let get = |key: &str| context.get(key).filter(|v| !v.is_null());
        Ok(Self {
            instance,
            patient_ids: identifiers(
                get("patientId").unwrap_or(&Value::Null),
                "context.patientId",
            )?,
            actors: identifiers(get("actor").unwrap_or(&Value::Null), "context.actor")?,
            purposes: get("purposeOfUse")
                .map(|v| purposes(v, "context.purposeOfUse"))
                .transpose()?,
            classes: get("class")
                .map(|v| codings(v, "context.class"))
                .transpose()?
                .unwrap_or_default(),
            categories: get("category")
                .map(|v| codings(v, "context.category"))
                .transpose()?
                .unwrap_or_default(),
            content: get("content").map(|v| content(v, "context.content")).transpose()?,
        })
    }

    /// Reads an XACML JSON Profile request (LEAP-CDS's subset): `Request.AccessSubject[0]`
    /// attribute `actor`, `Request.Action[0]` attributes `category` and `purposeOfUse`,
    /// `Request.Resource[0]` attributes `patientId` and `class`.
    ///
    /// # Errors
    ///
    /// [`RequestError`] naming the first malformed member.
    pub fn from_xacml(body: &Value) -> Result<Self, RequestError> {
        let root = object(body, "$")?;
        let request = object(root.get("Request").unwrap_or(&Value::Null), "Request")?;
        let attributes = |category: &str| -> Result<Vec<(String, Value)>, RequestError> {
            let path = format!("Request.{category}");
            let Some(list) = request.get(category) else { return Ok(Vec::new()) };
            let first = match list {
                Value::Array(items) => match items.first() {
                    Some(first) => first,
                    None => return Ok(Vec::new()),
                },
                other => other,
            };
            let first = object(first, &format!("{path}[0]"))?;
            let attrs = array(
                first.get("Attribute").unwrap_or(&Value::Null),
                &format!("{path}[0].Attribute"),
            )?;
            attrs
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let at = format!("{path}[0].Attribute[{i}]");
                    let a = object(a, &at)?;
                    let id = string(
                        a.get("AttributeId").unwrap_or(&Value::Null),
                        &format!("{at}.AttributeId"),
                    )?;
                    let value = a
                        .get("Value")
                        .cloned()
                        .ok_or_else(|| bad(format!("{at}.Value"), "is missing"))?;
                    Ok((id.to_string(), value))
                })
                .collect()
        };
        let subject = attributes("AccessSubject")?;
        let action = attributes("Action")?;
        let resource = attributes("Resource")?;
        let find = |list: &[(String, Value)], id: &str| {
            list.iter().find(|(k, _)| k == id).map(|(_, v)| v.clone())
        };
        let required = |list: &[(String, Value)], id: &str, category: &str| {
            find(list, id).ok_or_else(|| {
                bad(format!("Request.{category}"), format!("needs the attribute '{id}'"))
            })
        };
        Ok(Self {
            instance: String::new(),
            patient_ids: identifiers(
                &required(&resource, "patientId", "Resource")?,
                "Request.Resource.patientId",
            )?,
            actors: identifiers(
                &required(&subject, "actor", "AccessSubject")?,
                "Request.AccessSubject.actor",
            )?,
            purposes: find(&action, "purposeOfUse")
                .map(|v| purposes(&v, "Request.Action.purposeOfUse"))
                .transpose()?,
            classes: find(&resource, "class")
                .map(|v| codings(&v, "Request.Resource.class"))
                .transpose()?
                .unwrap_or_default(),
            categories: find(&action, "category")
                .map(|v| codings(&v, "Request.Action.category"))
                .transpose()?
                .unwrap_or_default(),
            content: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn leap_hook() -> Value {
        json!({
          "hook": "patient-consent-consult",
          "hookInstance": "hook-instance-123",
          "context": {
            "patientId": [{ "system": "http://hl7.org/fhir/sid/us-ssn", "value": "111111111" }],
            "category": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }],
            "class": [{ "system": "http://hl7.org/fhir/resource-types", "code": "MedicationStatement" }],
            "purposeOfUse": ["TREAT"],
            "actor": [{ "system": "urn:ietf:rfc:3986", "value": "2.16.840.1.113883.20.5" }]
          }
        })
    }

    #[test]
    fn reads_the_leap_readme_hook_request() {
        let r = ConsultRequest::from_cds_hooks(&leap_hook()).expect("request");
        assert_eq!(r.instance, "hook-instance-123");
        assert_eq!(r.patient_ids[0].value, "111111111");
        assert_eq!(r.actors[0].system.as_deref(), Some("urn:ietf:rfc:3986"));
        assert_eq!(r.purposes, Some(vec!["TREAT".to_string()]));
        assert_eq!(
            r.classes,
            [Coding::new("http://hl7.org/fhir/resource-types", "MedicationStatement")]
        );
        let mut one = leap_hook();
        one["context"]["purposeOfUse"] = json!("ETREAT");
        assert_eq!(
            ConsultRequest::from_cds_hooks(&one).unwrap().purposes,
            Some(vec!["ETREAT".into()])
        );
    }

    #[test]
    fn reads_the_leap_readme_xacml_request() {
        let body = json!({"Request":{
          "AccessSubject":[{"Attribute":[{"AttributeId":"actor","Value":[{"system":"urn:ietf:rfc:3986","value":"2.16.840.1.113883.20.5"}]}]}],
          "Action":[{"Attribute":[
            {"AttributeId":"category","Value":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
            {"AttributeId":"purposeOfUse","Value":["TREAT"]}]}],
          "Resource":[{"Attribute":[
            {"AttributeId":"patientId","Value":[{"system":"http://hl7.org/fhir/sid/us-ssn","value":"111111111"}]},
            {"AttributeId":"class","Value":[{"system":"http://hl7.org/fhir/resource-types","value":"MedicationStatement"}]}]}]}});
        let r = ConsultRequest::from_xacml(&body).expect("xacml");
        assert_eq!(r.classes[0].code, "MedicationStatement");
        assert_eq!(r.categories[0].code, "patient-privacy");
        assert_eq!(r.purposes, Some(vec!["TREAT".to_string()]));
    }

    #[test]
    fn malformed_requests_name_the_member() {
        let cases: [(&str, Value); 9] = [
            ("hook", json!("order-sign")),
            ("hookInstance", json!(7)),
            ("context", json!([])),
            ("context.patientId", json!([])),
            ("context.actor[0].value", json!([{ "system": "s" }])),
            ("context.purposeOfUse", json!(5)),
            ("context.class[0].system", json!([{ "code": "Observation" }])),
            ("context.content.resourceType", json!({ "resourceType": "Patient", "entry": [] })),
            ("context.extra", json!(true)),
        ];
        for (path, value) in cases {
            let mut body = leap_hook();
            match path {
                "hook" | "hookInstance" | "context" => body[path] = value,
                _ => {
                    let key = path.trim_start_matches("context.").split(['.', '[']).next().unwrap();
                    body["context"][key] = value;
                }
            }
            let e = ConsultRequest::from_cds_hooks(&body).expect_err(path);
            assert!(e.path.starts_with(path), "{path}: {e}");
        }
        assert_eq!(ConsultRequest::from_xacml(&json!({})).unwrap_err().path, "Request");
        let no_patient = json!({"Request":{"AccessSubject":[{"Attribute":[{"AttributeId":"actor","Value":[{"value":"a"}]}]}]}});
        assert_eq!(ConsultRequest::from_xacml(&no_patient).unwrap_err().path, "Request.Resource");
    }
}
