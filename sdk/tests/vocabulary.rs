//! Every name medchain prints for a member of its vocabulary parses back to the same bit:
//! the names in JSON (`names::scope_json`, what the CLI prints), in the wallet actions
//! (grant proposals' URLs, the "approve only these" choices, narrowing URLs), in FHIR exports
//! (AuditEvent details and purposes, Consent purposes and actions) and in decoded events.
//! The check itself is shown to fail on a deliberately mismatched name.

use anchor_lang::prelude::Pubkey;
use medchain_sdk::actions::proposal::GrantProposal;
use medchain_sdk::actions::{Action, ActionUrls, ActionView, Narrowing};
use medchain_sdk::fhir::{access_event_to_fhir, consent_to_fhir, AccessEvent};
use medchain_sdk::names::{parse_actions, parse_categories, parse_purposes, scope_json};
use medchain_sdk::state::{
    AccessDecision, AccessReason, Consent, ConsentTerms, RequestTerms, Scope,
};
use medchain_sdk::vocabulary::{actions, categories, purposes, ACTIONS, CATEGORIES, PURPOSES};
use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};

/// Which part of a scope a printed name belongs to.
#[derive(Clone, Copy, Debug)]
enum Part {
    Category,
    Purpose,
    Action,
}

/// Checks that each printed `(part, name, bit)` parses back to `bit`.
fn round_trips(printed: &[(Part, String, u32)]) -> Result<(), String> {
    for (part, name, bit) in printed {
        let parsed = match part {
            Part::Category => parse_categories(name),
            Part::Purpose => parse_purposes(name).map(u32::from),
            Part::Action => parse_actions(name).map(u32::from),
        };
        match parsed {
            Ok(parsed) if parsed == *bit => {}
            Ok(parsed) => {
                return Err(format!("{part:?} '{name}' parses to {parsed:#x}, not {bit:#x}"))
            }
            Err(e) => return Err(format!("{part:?} '{name}' does not parse: {e}")),
        }
    }
    Ok(())
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// The names printed for a one-member scope in JSON.
fn json_names(scope: &Scope) -> Vec<(Part, String, u32)> {
    let json = scope_json(scope);
    let mut out = Vec::new();
    out.extend(
        strings(&json["categories"]).into_iter().map(|n| (Part::Category, n, scope.categories)),
    );
    out.extend(
        strings(&json["purposes"]).into_iter().map(|n| (Part::Purpose, n, scope.purposes.into())),
    );
    out.extend(
        strings(&json["actions"]).into_iter().map(|n| (Part::Action, n, scope.actions.into())),
    );
    out
}

/// The names in a grant proposal's URL for a one-member scope.
fn proposal_names(scope: &Scope) -> Vec<(Part, String, u32)> {
    let provider = Keypair::new();
    let proposal = GrantProposal {
        provider: provider.pubkey(),
        terms: RequestTerms::new(*scope, 86_400),
        valid_until: 4_102_444_800,
        patient: None,
    }
    .sign(&provider)
    .expect("sign");
    let query = proposal.to_query();
    let mut out = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let (part, bit) = match key.as_ref() {
            "categories" => (Part::Category, scope.categories),
            "purposes" => (Part::Purpose, scope.purposes.into()),
            "actions" => (Part::Action, scope.actions.into()),
            _ => continue,
        };
        out.push((part, value.to_string(), bit));
    }
    out
}

/// The names in a narrowing's URL.
fn narrowing_names(scope: &Scope) -> Vec<(Part, String, u32)> {
    let query = Narrowing { scope: *scope, duration_secs: None }.to_query();
    let parsed = Narrowing::from_query(&query).expect("a printed narrowing parses");
    assert_eq!(parsed.scope, *scope, "{query}");
    Vec::new()
}

/// The category names a wallet's "Approve only these" choices submit for a request of `scope`.
fn approve_choice_names(scope: &Scope) -> Vec<(Part, String, u32)> {
    let view = ActionView {
        title: "t".into(),
        description: "d".into(),
        label: "Approve".into(),
        disabled: None,
        asked: Some(RequestTerms::new(*scope, 86_400)),
    };
    let action = Action::Approve { request: Pubkey::new_unique(), narrowing: Narrowing::default() };
    let response = view.to_get_response(&action, &ActionUrls::new("https://clinic.example"));
    let links = response.links.expect("an approval offers links");
    let options: Vec<String> = links
        .actions
        .iter()
        .flat_map(|link| &link.parameters)
        .filter(|p| p.name == "categories")
        .flat_map(|p| p.options.iter().map(|o| o.value.clone()))
        .collect();
    assert!(!options.is_empty(), "the choices name the categories asked");
    options.into_iter().map(|name| (Part::Category, name, scope.categories)).collect()
}

/// The names a decoded `ConsentChanged` event shows for its new terms.
fn event_names(scope: &Scope) -> Vec<(Part, String, u32)> {
    use anchor_lang::{AnchorSerialize, Discriminator};
    let terms = ConsentTerms::new(*scope, 1_800_000_000);
    let event = medchain::events::ConsentChanged {
        consent: Pubkey::new_unique(),
        patient: Pubkey::new_unique(),
        provider: Pubkey::new_unique(),
        old_version: 0,
        new_version: 1,
        old_status: 0,
        old_terms: terms,
        new_terms: terms,
        grantor: 0,
        at: 1_700_000_000,
    };
    let mut data = medchain::events::ConsentChanged::DISCRIMINATOR.to_vec();
    event.serialize(&mut data).expect("borsh");
    let decoded = medchain_sdk::events::decode_event(&data).expect("decodes");
    let shown = &decoded.fields["new_terms"]["scope"];
    let mut out = Vec::new();
    out.extend(
        strings(&shown["categories"]).into_iter().map(|n| (Part::Category, n, scope.categories)),
    );
    out.extend(
        strings(&shown["purposes"]).into_iter().map(|n| (Part::Purpose, n, scope.purposes.into())),
    );
    out.extend(
        strings(&shown["actions"]).into_iter().map(|n| (Part::Action, n, scope.actions.into())),
    );
    out
}

/// The names in the FHIR AuditEvent of one access attempt.
fn fhir_audit_names(category: u32, purpose: u16, action: u8) -> Vec<(Part, String, u32)> {
    let event = AccessEvent {
        patient_wallet: Pubkey::new_unique(),
        provider_wallet: Pubkey::new_unique(),
        consent_address: None,
        category,
        purpose,
        action,
        decision: AccessDecision {
            allowed: false,
            reason: AccessReason::NoConsent,
            consent_version: 0,
        },
        at: 1_700_000_000,
        signature: None,
    };
    let r = access_event_to_fhir(&event).expect("maps");
    let mut out = Vec::new();
    for entity in r["entity"].as_array().expect("entities") {
        for detail in entity["detail"].as_array().into_iter().flatten() {
            if detail["type"] == "category" {
                let name = detail["valueString"].as_str().expect("a name").to_string();
                out.push((Part::Category, name, category));
            }
        }
    }
    let purpose_code =
        r["purposeOfEvent"][0]["coding"][0]["code"].as_str().expect("a purpose").to_string();
    out.push((Part::Purpose, purpose_code, purpose.into()));
    out
}

/// The purpose names in a FHIR Consent.
fn fhir_consent_names(scope: &Scope) -> Vec<(Part, String, u32)> {
    let mut consent =
        Consent::new(Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique(), 255);
    consent
        .apply_grant(&ConsentTerms::new(*scope, 1_800_000_000), 0, 1_700_000_000)
        .expect("grant");
    let r = consent_to_fhir(
        &consent,
        &Pubkey::new_unique(),
        &Pubkey::new_unique(),
        &Pubkey::new_unique(),
        1_700_000_000,
    )
    .expect("maps");
    let mut out = Vec::new();
    for rule in r["provision"]["provision"].as_array().expect("rules") {
        for p in rule["purpose"].as_array().into_iter().flatten() {
            out.push((
                Part::Purpose,
                p["code"].as_str().expect("code").to_string(),
                scope.purposes.into(),
            ));
        }
    }
    out
}

#[test]
fn every_printed_name_parses_back_to_its_bit() {
    let mut printed = Vec::new();
    for c in CATEGORIES {
        for p in PURPOSES {
            let scope = Scope::new(c.bit, p.bit, actions::READ);
            printed.extend(json_names(&scope));
            printed.extend(proposal_names(&scope));
            printed.extend(narrowing_names(&scope));
            printed.extend(approve_choice_names(&scope));
            printed.extend(event_names(&scope));
            printed.extend(fhir_audit_names(c.bit, p.bit, actions::READ));
            printed.extend(fhir_consent_names(&scope));
        }
    }
    for a in ACTIONS {
        let scope = Scope::new(categories::IMAGING, purposes::TREAT, a.bit);
        printed.extend(json_names(&scope));
        printed.extend(proposal_names(&scope));
    }
    // Every category, purpose and action was printed somewhere, under its canonical name.
    for c in CATEGORIES {
        assert!(
            printed.iter().any(|(_, n, b)| n == c.name && *b == c.bit),
            "{} never printed",
            c.name
        );
    }
    for p in PURPOSES {
        assert!(
            printed.iter().any(|(_, n, b)| n == p.name && *b == u32::from(p.bit)),
            "{}",
            p.name
        );
    }
    for a in ACTIONS {
        assert!(
            printed.iter().any(|(_, n, b)| n == a.name && *b == u32::from(a.bit)),
            "{}",
            a.name
        );
    }
    round_trips(&printed).expect("every printed name parses back");
}

#[test]
fn a_mismatched_name_is_caught() {
    // The FHIR name of the sexual and reproductive health category, printed for the wrong bit.
    let wrong = [(Part::Category, "sexual-reproductive-health".to_string(), categories::GENETICS)];
    assert!(round_trips(&wrong).is_err());
    // A name no table knows.
    let unknown = [(Part::Purpose, "MARKETING".to_string(), u32::from(purposes::TREAT))];
    assert!(round_trips(&unknown).is_err());
    // The old SDK name still parses (an alias), to the right bit.
    let alias =
        [(Part::Category, "sexual-reproductive".to_string(), categories::SEXUAL_REPRODUCTIVE)];
    assert!(round_trips(&alias).is_ok());
}

/// The rows between `<!-- {marker}:start -->` and `<!-- {marker}:end -->` of docs/INTEROP.md,
/// without the header.
fn interop_table(marker: &str) -> Vec<String> {
    let doc = include_str!("../../docs/INTEROP.md");
    let start = format!("<!-- {marker}:start -->");
    let end = format!("<!-- {marker}:end -->");
    let from = doc.find(&start).expect("start marker") + start.len();
    let to = doc.find(&end).expect("end marker");
    doc[from..to].lines().filter(|l| l.starts_with('|')).skip(2).map(str::to_string).collect()
}

#[test]
fn the_interop_mapping_tables_are_the_vocabulary_table() {
    let types: Vec<String> = CATEGORIES
        .iter()
        .filter(|c| !c.fhir.resource_types.is_empty())
        .map(|c| format!("| {} | {} |", c.name, c.fhir.resource_types.join(", ")))
        .collect();
    assert_eq!(interop_table("resource-types"), types, "docs/INTEROP.md resource types");
    let labels: Vec<String> = CATEGORIES
        .iter()
        .filter(|c| !c.fhir.security_labels.is_empty())
        .map(|c| {
            let codes: Vec<&str> = c.fhir.security_labels.iter().map(|l| l.code).collect();
            format!("| {} | {} |", c.name, codes.join(", "))
        })
        .collect();
    assert_eq!(interop_table("security-labels"), labels, "docs/INTEROP.md security labels");
    let doc = include_str!("../../docs/INTEROP.md");
    let purposes: Vec<&str> = PURPOSES.iter().map(|p| p.name).collect();
    assert!(doc.contains(&purposes.join(", ")), "docs/INTEROP.md lists the purposes in order");
}
