//! What the read API supports — one table that the parameter parser checks requests against
//! and that the CapabilityStatement is generated from, so the two cannot disagree.

use super::{DEFAULT_COUNT, FHIR_JSON, MAX_COUNT};
use crate::fhir::{narrative, FHIR_VERSION};
use serde_json::{json, Value};

/// The date this API's definition (the table below) last changed, the CapabilityStatement's
/// `date`.
const DEFINITION_DATE: &str = "2026-12-02";

/// A resource type the API serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    /// `Consent`: read and search.
    Consent,
    /// `AuditEvent`: search.
    AuditEvent,
    /// `Provenance`: read and search.
    Provenance,
}

impl ResourceType {
    /// Every type served, in the CapabilityStatement's order.
    pub const ALL: [ResourceType; 3] =
        [ResourceType::Consent, ResourceType::AuditEvent, ResourceType::Provenance];

    /// The FHIR name.
    pub fn name(self) -> &'static str {
        match self {
            ResourceType::Consent => "Consent",
            ResourceType::AuditEvent => "AuditEvent",
            ResourceType::Provenance => "Provenance",
        }
    }

    /// The type with this FHIR name (case-sensitive, as FHIR's), if served.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What the API supports for the type.
    pub fn spec(self) -> &'static ResourceSpec {
        match self {
            ResourceType::Consent => &CONSENT,
            ResourceType::AuditEvent => &AUDIT_EVENT,
            ResourceType::Provenance => &PROVENANCE,
        }
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The FHIR type of a search parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchParamKind {
    /// `reference`: here always matched by identifier.
    Reference,
    /// `token`: a code.
    Token,
    /// `date`: with prefixes.
    Date,
}

impl SearchParamKind {
    /// The R4 `search-param-type` code.
    pub fn code(self) -> &'static str {
        match self {
            SearchParamKind::Reference => "reference",
            SearchParamKind::Token => "token",
            SearchParamKind::Date => "date",
        }
    }
}

/// One search parameter of a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchParamSpec {
    /// The parameter's name.
    pub name: &'static str,
    /// Its type.
    pub kind: SearchParamKind,
    /// The R4 SearchParameter it implements, when it has the standard meaning.
    pub definition: Option<&'static str>,
    /// What it matches here, for the CapabilityStatement.
    pub documentation: &'static str,
}

/// What the API supports for one resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceSpec {
    /// `read` is supported (else only `search-type`).
    pub read: bool,
    /// The search parameters.
    pub params: &'static [SearchParamSpec],
    /// What the type holds here, for the CapabilityStatement.
    pub documentation: &'static str,
}

impl ResourceSpec {
    /// The parameter named `name`, if supported.
    pub fn param(&self, name: &str) -> Option<&'static SearchParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// How `patient` and `actor` name someone (a macro, so that `concat!` can use it).
macro_rules! identifier_forms {
    () => {
        "an identifier: system|value (the clinic's identifier map; a CAIP-10 account id under urn:ietf:rfc:3986; a key under urn:solana:pubkey) or a plain base58 wallet or CAIP-10 id; the :identifier modifier means the same; an identifier that names no one matches nothing"
    };
}
const IDENTIFIER_FORMS: &str = identifier_forms!();

const CONSENT: ResourceSpec = ResourceSpec {
    read: true,
    documentation: "On-chain consents; the id is the Consent account address. A search needs patient or actor.",
    params: &[
        SearchParamSpec {
            name: "patient",
            kind: SearchParamKind::Reference,
            definition: Some("http://hl7.org/fhir/SearchParameter/clinical-patient"),
            documentation: concat!("The patient who gave the consent, named by ", identifier_forms!(), "."),
        },
        SearchParamSpec {
            name: "actor",
            kind: SearchParamKind::Reference,
            definition: Some("http://hl7.org/fhir/SearchParameter/Consent-actor"),
            documentation: "The provider the consent is given to (provision.actor), named as for patient (the actors' namespace of the identifier map).",
        },
        SearchParamSpec {
            name: "status",
            kind: SearchParamKind::Token,
            definition: Some("http://hl7.org/fhir/SearchParameter/Consent-status"),
            documentation: "active (in force now) or inactive (revoked or expired); any R4 consent-state code is accepted.",
        },
    ],
};

const AUDIT_EVENT: ResourceSpec = ResourceSpec {
    read: false,
    documentation: "The patient's audit trail from the chain: every recorded access attempt (granted or denied) and every change with the events it emitted, newest first. A search needs patient.",
    params: &[
        SearchParamSpec {
            name: "patient",
            kind: SearchParamKind::Reference,
            definition: Some("http://hl7.org/fhir/SearchParameter/AuditEvent-patient"),
            documentation: "The patient whose trail is read (required), named as for Consent's patient.",
        },
        SearchParamSpec {
            name: "date",
            kind: SearchParamKind::Date,
            definition: Some("http://hl7.org/fhir/SearchParameter/AuditEvent-date"),
            documentation: "AuditEvent.recorded, with the prefixes eq (default), ne, gt, ge, lt, le, sa, eb (not ap); a date without time is a UTC day; repeat for a range.",
        },
    ],
};

const PROVENANCE: ResourceSpec = ResourceSpec {
    read: true,
    documentation: "Records anchored on chain: one Provenance per record version (a Record account) or Merkle batch (a RecordBatch account); the id is that account's address, which also names the target. A search needs target or patient.",
    params: &[
        SearchParamSpec {
            name: "target",
            kind: SearchParamKind::Reference,
            definition: Some("http://hl7.org/fhir/SearchParameter/Provenance-target"),
            documentation: "A Record or RecordBatch account address (plain, or urn:solana:pubkey|<address>), or the 64-hex SHA-256 content hash of a resource (RFC 8785 canonical JSON): every record version anchoring that content. Batch leaves are not on chain.",
        },
        SearchParamSpec {
            name: "patient",
            kind: SearchParamKind::Reference,
            definition: None,
            documentation: "Every record version about the patient (named as for Consent's patient); batches name no patient.",
        },
    ],
};

/// The paging parameters every search takes, as the CapabilityStatement words them.
fn paging_words() -> String {
    format!(
        "Read-only. Searches are paged with _count (default {DEFAULT_COUNT}, at most {MAX_COUNT}; larger values are lowered) and _offset (0-based); every searchset has total and absolute self, first, last, previous and next links. Repeated parameters are ANDed, comma-separated values ORed. Unknown parameters are refused with 400 (handling=strict); with Prefer: handling=lenient they are ignored and reported in an OperationOutcome entry. Every error is an OperationOutcome. _format json and _pretty are accepted. patient and actor take {IDENTIFIER_FORMS}."
    )
}

/// The CapabilityStatement of the API served at `base` (`…/fhir`): kind `instance`,
/// FHIR 4.0.1, JSON only, and for each [`ResourceType`] exactly the interactions and search
/// parameters of its [`ResourceSpec`].
pub fn capability_statement(base: &str) -> Value {
    let resources: Vec<Value> = ResourceType::ALL
        .iter()
        .map(|t| {
            let spec = t.spec();
            let mut interaction = Vec::new();
            if spec.read {
                interaction.push(json!({ "code": "read" }));
            }
            interaction.push(json!({ "code": "search-type" }));
            let params: Vec<Value> = spec
                .params
                .iter()
                .map(|p| {
                    let mut param = json!({
                        "name": p.name,
                        "type": p.kind.code(),
                        "documentation": p.documentation,
                    });
                    if let Some(definition) = p.definition {
                        param["definition"] = json!(definition);
                    }
                    param
                })
                .collect();
            json!({
                "type": t.name(),
                "profile": format!("http://hl7.org/fhir/StructureDefinition/{}", t.name()),
                "documentation": spec.documentation,
                "interaction": interaction,
                "versioning": "no-version",
                "readHistory": false,
                "updateCreate": false,
                "conditionalCreate": false,
                "conditionalRead": "not-supported",
                "conditionalUpdate": false,
                "conditionalDelete": "not-supported",
                "searchParam": params,
            })
        })
        .collect();
    let summary: Vec<String> = ResourceType::ALL
        .iter()
        .map(|t| {
            let names: Vec<&str> = t.spec().params.iter().map(|p| p.name).collect();
            let read = if t.spec().read { "read, " } else { "" };
            format!("{} ({read}search by {})", t.name(), names.join(", "))
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "text": narrative(&format!(
            "medchain's read-only FHIR R4 API: {}.",
            summary.join("; ")
        )),
        "name": "MedchainFhirReadApi",
        "title": "medchain FHIR R4 read API",
        "status": "active",
        "experimental": false,
        "date": DEFINITION_DATE,
        "publisher": "medchain",
        "description": "Consents, audit trails and record anchors read from a Solana chain as FHIR R4 resources.",
        "kind": "instance",
        "software": { "name": "medchain serve", "version": env!("CARGO_PKG_VERSION") },
        "implementation": {
            "description": "medchain serve: the clinic's FHIR read API over the chain",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": paging_words(),
            "security": {
                "cors": true,
                "description": "No authentication: run behind the clinic's reverse proxy. The data is the chain's (pseudonymous keys, codes, times and hashes); the identifier map is the clinic's.",
            },
            "resource": resources,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_capability_statement_declares_exactly_the_table() {
        let cs = capability_statement("https://clinic.example/fhir");
        let resources = cs["rest"][0]["resource"].as_array().expect("resources");
        assert_eq!(resources.len(), ResourceType::ALL.len());
        for (declared, t) in resources.iter().zip(ResourceType::ALL) {
            assert_eq!(declared["type"], t.name());
            assert_eq!(ResourceType::from_name(t.name()), Some(t));
            let codes: Vec<&str> = declared["interaction"]
                .as_array()
                .expect("interactions")
                .iter()
                .map(|i| i["code"].as_str().expect("code"))
                .collect();
            let expected: &[&str] =
                if t.spec().read { &["read", "search-type"] } else { &["search-type"] };
            assert_eq!(codes, expected);
            let names: Vec<&str> = declared["searchParam"]
                .as_array()
                .expect("params")
                .iter()
                .map(|p| p["name"].as_str().expect("name"))
                .collect();
            let table: Vec<&str> = t.spec().params.iter().map(|p| p.name).collect();
            assert_eq!(names, table);
        }
        assert_eq!(cs["implementation"]["url"], "https://clinic.example/fhir");
        assert_eq!(ResourceType::from_name("consent"), None, "FHIR names are case-sensitive");
        assert!(CONSENT.params[0].documentation.contains(IDENTIFIER_FORMS));
    }
}
