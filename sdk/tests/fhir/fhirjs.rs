//! Optional: FHIR.js (npm `fhir` 4.12.0), when installed.

use super::*;

fn fhirjs_node_path() -> Option<String> {
    let candidates = std::env::var("FHIRJS_NODE_PATH").ok().into_iter().chain(
        std::process::Command::new("npm")
            .args(["root", "-g"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()),
    );
    candidates.into_iter().find(|dir| std::path::Path::new(dir).join("fhir/package.json").exists())
}

#[test]
fn fhirjs_accepts_the_exports_when_available() {
    let Some(node_path) = fhirjs_node_path() else {
        eprintln!(
            "skipped: FHIR.js not found (npm install -g fhir@4.12.0, or set FHIRJS_NODE_PATH)"
        );
        return;
    };
    let rec = record(2, key(41), AuthorKind::Provider);
    let sig = signature_b58(5);
    let resources = vec![
        export(
            &consent(
                categories::ALL_STANDARD | categories::GENETICS,
                purposes::TREAT | purposes::HRESCH,
                actions::VALID,
                T0 + DAY,
            ),
            T0,
        ),
        access_event_to_fhir(&access_event(
            categories::SUBSTANCE_USE,
            purposes::TREAT,
            actions::SHARE,
            AccessReason::ConsentExpired,
            Some(sig.clone()),
        ))
        .expect("audit"),
        record_anchor_to_provenance(&RecordAnchor {
            anchor: Anchor::Record { record: &rec, address: key(42) },
            target: Some("Observation/obs-1"),
            author_wallet: provider_wallet(),
            signature: Some(&sig),
        })
        .expect("provenance"),
    ];
    let script = r#"
        const { Fhir } = require('fhir');
        const fhir = new Fhir();
        const resources = JSON.parse(require('fs').readFileSync(0, 'utf8'));
        const results = resources.map(r => fhir.validate(r, { errorOnUnexpected: true }));
        const version = require('fhir/package.json').version;
        process.stdout.write(JSON.stringify({ version, results }));
    "#;
    use std::io::Write as _;
    let mut child = std::process::Command::new("node")
        .arg("-e")
        .arg(script)
        .env("NODE_PATH", &node_path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&resources).expect("json"))
        .expect("write");
    let out = child.wait_with_output().expect("node ran");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    eprintln!("FHIR.js {}", report["version"]);
    for (resource, result) in resources.iter().zip(report["results"].as_array().expect("results")) {
        for m in result["messages"].as_array().into_iter().flatten() {
            eprintln!("FHIR.js {} {}: {}", m["severity"], m["location"], m["message"]);
        }
        let errors: Vec<&Value> = result["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["severity"] == "error")
            .collect();
        assert!(
            result["valid"] == true && errors.is_empty(),
            "FHIR.js rejected the {}: {errors:?}",
            resource["resourceType"]
        );
    }
    // And it is a real validator: a Consent without status fails.
    let mut broken = resources[0].clone();
    broken.as_object_mut().map(|o| o.remove("status"));
    let mut child = std::process::Command::new("node")
        .arg("-e")
        .arg(script)
        .env("NODE_PATH", &node_path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&serde_json::to_vec(&[broken]).expect("json"))
        .expect("write");
    let out = child.wait_with_output().expect("node ran");
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["results"][0]["valid"], false);
}

#[test]
fn a_change_is_a_valid_audit_event_with_its_event_fields_as_details() {
    use medchain_sdk::audit::AuditEntry;
    use medchain_sdk::events::ProgramEvent;
    let signature =
        "3AsdoALgZFuq2oUVWrDYhg2pNeaLJKPLf8hU2mQ6U8qJxeJ6hsrPVpMn9ma39DtfYCrDQSvngWRP8NnTpEhezJpE";
    let entry = AuditEntry {
        signature: signature.into(),
        slot: 9,
        unix_time: Some(T0 + 60),
        instruction: "update_consent".into(),
        actor: patient_wallet().to_string(),
        succeeded: true,
        access: None,
        events: vec![ProgramEvent {
            name: "ConsentChanged".into(),
            fields: json!({
                "old_version": 1,
                "new_version": 2,
                "old_terms": { "scope": { "categories": ["imaging"], "purposes": ["TREAT"], "actions": ["read"] }, "expires_at": T0 + DAY },
                "new_terms": { "scope": { "categories": ["imaging", "genetics"], "purposes": ["TREAT"], "actions": ["read"] }, "expires_at": T0 + 2 * DAY },
            }),
        }],
    };
    let r = medchain_sdk::fhir::change_event_to_fhir(&patient_wallet(), &entry).expect("maps");
    assert_valid(&r);
    assert_eq!(r["subtype"][0]["code"], "update_consent");
    let details = &r["entity"][1]["detail"];
    let new_terms = details
        .as_array()
        .expect("details")
        .iter()
        .find(|d| d["type"] == "new_terms")
        .expect("new_terms");
    assert!(new_terms["valueString"].as_str().expect("text").contains("genetics"));
    assert_eq!(r["entity"][2]["what"]["identifier"]["value"], signature);
    let bundle =
        medchain_sdk::fhir::audit_trail_bundle(&patient_wallet(), &[entry]).expect("bundle");
    assert_eq!(bundle["entry"].as_array().map(Vec::len), Some(1));
}
