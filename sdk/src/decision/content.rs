//! FHIR content mode: the Bundle a thin client sends with its consult comes back with every
//! resource the consent does not permit removed.
//!
//! A resource is kept when its type is in a category the provider may read (the vocabulary
//! table's resource types; [`crate::fhir::vocab::categories_of_resource_type`]) and every
//! sensitivity label it carries in `meta.security` is of a sensitive category the provider
//! may read too. Resources of types no category holds (e.g. `Practitioner`, `Claim`) are
//! removed: what medchain does not govern, it does not release. medchain does not label
//! data itself: sensitive data must carry its security label (as a security labeling
//! service writes it) to be withheld as sensitive.

use super::request::Coding;
use crate::fhir::vocab::{self, RESOURCE_TYPES_SYSTEM};
use serde_json::Value;

/// The resource's type and the sensitive categories its security labels name.
fn resource_categories(resource: &Value) -> (u32, u32) {
    let types = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .map_or(0, vocab::categories_of_resource_type);
    let labels = security_labels(resource)
        .filter_map(|(system, code)| vocab::category_of_label(system, code))
        .fold(0, |set, c| set | c);
    (types, labels)
}

fn security_labels(resource: &Value) -> impl Iterator<Item = (&str, &str)> {
    resource
        .pointer("/meta/security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| Some((l.get("system")?.as_str()?, l.get("code")?.as_str()?)))
}

/// Whether the categories in `permitted` release `resource`.
pub fn permits_resource(resource: &Value, permitted: u32) -> bool {
    let (types, labels) = resource_categories(resource);
    types & permitted != 0 && labels & !permitted == 0
}

/// The Bundle with every entry whose resource `permitted` does not release removed (and
/// `total`, if present, set to what is left), and the number removed.
pub fn filter_bundle(bundle: &Value, permitted: u32) -> (Value, usize) {
    let mut out = bundle.clone();
    let mut removed = 0;
    if let Some(entries) = out.get_mut("entry").and_then(Value::as_array_mut) {
        let before = entries.len();
        entries.retain(|e| e.get("resource").is_some_and(|r| permits_resource(r, permitted)));
        removed = before - entries.len();
        let left = entries.len();
        if out.get("total").is_some() {
            out["total"] = Value::from(left);
        }
    }
    (out, removed)
}

/// The classes a Bundle holds: each distinct resource type and medchain sensitivity label
/// of its entries, in order of appearance.
pub fn classes_of(bundle: &Value) -> Vec<Coding> {
    let mut out: Vec<Coding> = Vec::new();
    let resources = bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("resource"));
    for resource in resources {
        let mut found = Vec::new();
        if let Some(t) = resource.get("resourceType").and_then(Value::as_str) {
            found.push(Coding::new(RESOURCE_TYPES_SYSTEM, t));
        }
        for (system, code) in security_labels(resource) {
            if vocab::category_of_label(system, code).is_some() {
                found.push(Coding::new(system, code));
            }
        }
        for coding in found {
            if !out.contains(&coding) {
                out.push(coding);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::categories;
    use serde_json::json;

    fn labelled(resource_type: &str, label: Option<&str>) -> Value {
        let mut r = json!({ "resourceType": resource_type, "id": "x" });
        if let Some(code) = label {
            r["meta"] = json!({ "security": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": code }] });
        }
        r
    }

    #[test]
    fn keeps_only_what_the_categories_release() {
        let labs = categories::OBSERVATIONS;
        assert!(permits_resource(&labelled("Observation", None), labs));
        assert!(permits_resource(&labelled("DiagnosticReport", None), labs), "also imaging");
        assert!(!permits_resource(&labelled("Observation", Some("PSY")), labs));
        assert!(permits_resource(
            &labelled("Observation", Some("PSY")),
            labs | categories::MENTAL_HEALTH
        ));
        assert!(
            permits_resource(&labelled("Observation", Some("R")), labs),
            "not a sensitivity label"
        );
        assert!(!permits_resource(&labelled("Condition", None), labs));
        assert!(!permits_resource(&labelled("Practitioner", None), categories::VALID));
        assert!(!permits_resource(&json!({}), categories::VALID));
        let bundle = json!({ "resourceType": "Bundle", "type": "searchset", "total": 3, "entry": [
            { "resource": labelled("Observation", None) },
            { "resource": labelled("Observation", Some("ETH")) },
            { "resource": labelled("Condition", None) },
        ]});
        let (out, removed) = filter_bundle(&bundle, labs);
        assert_eq!(removed, 2);
        assert_eq!(out["total"], 1);
        assert_eq!(out["entry"].as_array().map(Vec::len), Some(1));
        let classes = classes_of(&bundle);
        let codes: Vec<&str> = classes.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["Observation", "ETH", "Condition"]);
    }
}
