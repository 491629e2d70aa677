//! main flows.

use super::*;

#[test]
fn the_demo_runs_through_for_people() {
    let env = Env::new();
    env.cmd(&["demo"]).assert().success().stdout(predicate::str::contains("every check passed"));
}

#[test]
fn the_demo_runs_through_for_machines() {
    let env = Env::new();
    let v = env.json(&["demo"]);
    assert_eq!(v["passed"], true);
    assert_eq!(v["steps"].as_array().expect("steps").len(), 16);
    assert_eq!(v["steps"][9]["data"]["opened"], true, "the physician opens the sealed result");
    assert_eq!(v["steps"][14]["data"]["physician_locked_out"], true, "resealed after revoke");
    assert_eq!(v["steps"][15]["data"]["fhir_consent"]["resourceType"], "Consent");
    let events = &v["steps"][15]["data"]["fhir_audit_events"];
    assert_eq!(events["resourceType"], "Bundle");
    let entries = events["entry"].as_array().expect("entries");
    assert!(entries.iter().all(|e| e["resource"]["resourceType"] == "AuditEvent"));
    let attempts = entries.iter().filter(|e| e["resource"].get("purposeOfEvent").is_some());
    assert_eq!(attempts.count(), 3, "the three access attempts");
    assert!(entries.len() > 3, "and the changes, with their events");
}

#[test]
fn request_approve_access_revoke_denied() {
    let env = Env::new();
    let c = cast(&env);
    env.cmd(&[
        "-k", &c.doctor.0, "provider", "request", &c.patient.1, "--nonce", "1", "--categories",
        "imaging",
    ])
    .assert()
    .success();
    let pending = env.json(&["-k", &c.patient.0, "patient", "requests"]);
    assert_eq!(pending["pending_requests"].as_array().expect("list").len(), 1);
    env.cmd(&["-k", &c.patient.0, "patient", "approve", &c.doctor.1, "--nonce", "1"])
        .assert()
        .success();
    let granted = read_imaging(&env, &c);
    assert_eq!(
        (granted["allowed"].clone(), granted["reason"].clone()),
        (Value::Bool(true), Value::from("granted"))
    );
    env.cmd(&["-k", &c.patient.0, "patient", "revoke", &c.doctor.1]).assert().success();
    let denied = read_imaging(&env, &c);
    assert_eq!(denied["reason"], "consent_revoked");
    env.cmd(&[
        "-k", &c.doctor.0, "provider", "record-access", &c.patient.1, "--category", "imaging",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("DENIED"));
}

#[test]
fn consent_show_list_and_fhir_export() {
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    let shown =
        env.json(&["consent", "show", "--patient", &c.patient.1, "--provider", &c.doctor.1]);
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["version"], 1);
    assert_eq!(shown["categories"], serde_json::json!(["observations", "imaging"]));
    assert_eq!(shown["actions"], serde_json::json!(["read"]));
    let listed = env.json(&["consent", "list", "--patient", &c.patient.1]);
    assert_eq!(listed["consents"].as_array().expect("list").len(), 1);
    let by_provider = env.json(&["consent", "list", "--provider", &c.doctor.1]);
    assert_eq!(by_provider["consents"].as_array().expect("list").len(), 1);
    let fhir =
        env.json(&["consent", "export", "--patient", &c.patient.1, "--provider", &c.doctor.1]);
    assert_eq!(fhir["resourceType"], "Consent");
    assert_eq!(fhir["status"], "active");
}

#[test]
fn every_name_the_cli_prints_is_one_it_accepts() {
    // A consent naming every category, purpose and action (the sensitive ones by name):
    // the names `consent show` prints, given back to `patient update`, grant the same terms.
    let env = Env::new();
    let c = cast(&env);
    let every = medchain_sdk::vocabulary::CATEGORIES.map(|t| t.name).join(",");
    let purposes = medchain_sdk::vocabulary::PURPOSES.map(|t| t.name).join(",");
    env.cmd(&[
        "-k", &c.patient.0, "patient", "grant", &c.doctor.1, "--categories", &every, "--purposes",
        &purposes, "--actions", "read,write,share",
    ])
    .assert()
    .success();
    let show = |env: &Env| {
        env.json(&["consent", "show", "--patient", &c.patient.1, "--provider", &c.doctor.1])
    };
    let shown = show(&env);
    let list = |key: &str| {
        shown[key]
            .as_array()
            .expect(key)
            .iter()
            .map(|n| n.as_str().expect("name"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (categories, purposes, actions) = (list("categories"), list("purposes"), list("actions"));
    assert_eq!(shown["categories"].as_array().map(Vec::len), Some(15));
    assert!(categories.contains("sexual-reproductive-health"), "{categories}");
    env.cmd(&[
        "-k", &c.patient.0, "patient", "update", &c.doctor.1, "--categories", &categories,
        "--purposes", &purposes, "--actions", &actions,
    ])
    .assert()
    .success();
    let again = show(&env);
    assert_eq!(again["version"], 2);
    for key in ["categories", "purposes", "actions"] {
        assert_eq!(again[key], shown[key], "{key} printed, parsed and printed again");
    }
}

#[test]
fn audit_export_is_a_bundle_of_audit_events() {
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    read_imaging(&env, &c);
    env.cmd(&["-k", &c.patient.0, "patient", "revoke", &c.doctor.1]).assert().success();
    read_imaging(&env, &c);
    let bundle = env.json(&["audit", "export", "--patient", &c.patient.1]);
    assert_eq!(bundle["resourceType"], "Bundle");
    let entries = bundle["entry"].as_array().expect("entries");
    assert!(entries.iter().all(|e| e["resource"]["resourceType"] == "AuditEvent"));
    let attempts = entries.iter().filter(|e| e["resource"].get("purposeOfEvent").is_some());
    assert_eq!(attempts.count(), 2, "the two reads");
    // Every change is there too, with what only its events carry: the terms approved.
    let approval = entries
        .iter()
        .find(|e| e["resource"]["subtype"][0]["code"] == "approve_request")
        .expect("the approval is exported");
    let details = approval["resource"]["entity"].to_string();
    assert!(details.contains("ConsentChanged") && details.contains("new_terms"), "{details}");
    assert!(details.contains("imaging"), "{details}");
    assert!(entries.iter().any(|e| e["resource"]["subtype"][0]["code"] == "revoke_consent"));
    // `patient audit` carries the same events, decoded, and shows them in its table.
    let trail = env.json(&["-k", &c.patient.0, "patient", "audit"]);
    let trail = trail["audit"].as_array().expect("trail").clone();
    assert!(trail.len() >= 5);
    let approved = trail.iter().find(|e| e["instruction"] == "approve_request").expect("approve");
    let changed = approved["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["name"] == "ConsentChanged")
        .expect("ConsentChanged");
    assert_eq!(changed["fields"]["old_version"], 0);
    assert!(changed["fields"]["new_terms"]["scope"]["categories"]
        .as_array()
        .expect("names")
        .iter()
        .any(|c| c == "imaging"));
    env.cmd(&["-k", &c.patient.0, "patient", "audit"]).assert().success().stdout(
        predicate::str::contains("granted ").and(predicate::str::contains("ConsentRevoked")),
    );
}

#[test]
fn bundle_anchoring_is_resumable_and_never_anchors_twice() {
    let env = Env::new();
    let c = cast(&env);
    let bundle = env.path("bundle.json");
    std::fs::write(&bundle, BUNDLE).expect("bundle");
    let first = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "anchor-bundle",
        bundle.to_str().expect("utf8"),
        "--batch-id",
        "7",
    ]);
    assert_eq!(first["already_anchored"], false);
    assert_eq!(first["leaf_count"], 2);
    let transactions = env.json(&["ledger", "info"])["transactions"].clone();
    let second = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "anchor-bundle",
        bundle.to_str().expect("utf8"),
        "--batch-id",
        "7",
    ]);
    assert_eq!(second["already_anchored"], true);
    assert_eq!(second["merkle_root"], first["merkle_root"]);
    assert_eq!(
        env.json(&["ledger", "info"])["transactions"],
        transactions,
        "no second transaction"
    );
    // A crash after the transaction but before the state file was updated is also resumed.
    let state_path = env.path("bundle.json.medchain.json");
    let mut state: Value =
        serde_json::from_slice(&std::fs::read(&state_path).expect("state")).expect("json");
    state["status"] = "prepared".into();
    std::fs::write(&state_path, serde_json::to_vec(&state).expect("json")).expect("write");
    let third = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "anchor-bundle",
        bundle.to_str().expect("utf8"),
        "--batch-id",
        "7",
    ]);
    assert_eq!(third["already_anchored"], true);
    assert_eq!(env.json(&["ledger", "info"])["transactions"], transactions);
}

#[test]
fn a_resource_verifies_against_the_chain_and_a_tampered_one_does_not() {
    let env = Env::new();
    let c = cast(&env);
    let bundle = env.path("bundle.json");
    std::fs::write(&bundle, BUNDLE).expect("bundle");
    env.cmd(&[
        "-k",
        &c.doctor.0,
        "provider",
        "anchor-bundle",
        bundle.to_str().expect("utf8"),
        "--batch-id",
        "1",
    ])
    .assert()
    .success();
    let resource = env.path("b.json");
    // Different key order and whitespace: same canonical content.
    std::fs::write(&resource, r#"{ "status":"final", "id":"b", "resourceType":"Observation", "valueQuantity":{"value":97}, "code":{"text":"glucose"} }"#).expect("write");
    let state = env.path("bundle.json.medchain.json");
    let verified = env.json(&[
        "record",
        "verify",
        resource.to_str().expect("utf8"),
        "--state",
        state.to_str().expect("utf8"),
    ]);
    assert_eq!(verified["verified"], true);
    assert_eq!(verified["leaf_index"], 1);
    std::fs::write(&resource, OBSERVATION_B.replace("97", "98")).expect("tamper");
    env.cmd(&[
        "record",
        "verify",
        resource.to_str().expect("utf8"),
        "--state",
        state.to_str().expect("utf8"),
    ])
    .assert()
    .code(3)
    .stderr(predicate::str::contains("altered, or never anchored"));
}

#[test]
fn record_hash_ignores_key_order_and_whitespace() {
    let env = Env::new();
    let (a, b) = (env.path("a.json"), env.path("b.json"));
    std::fs::write(&a, OBSERVATION_B).expect("a");
    std::fs::write(&b, "{\n  \"valueQuantity\": {\"value\": 97},\n  \"code\": {\"text\": \"glucose\"}, \"status\": \"final\", \"id\": \"b\", \"resourceType\": \"Observation\"\n}").expect("b");
    let ha = env.json(&["record", "hash", a.to_str().expect("utf8")]);
    let hb = env.json(&["record", "hash", b.to_str().expect("utf8")]);
    assert_eq!(ha["content_hash"], hb["content_hash"]);
    assert_eq!(ha["kind"], "json-jcs");
}

#[test]
fn record_hash_decides_json_by_the_file_name_never_by_parsing() {
    let env = Env::new();
    let pretty = "{ \"status\": \"final\", \"resourceType\": \"Observation\" }";
    let (json, txt, upper) = (env.path("obs.fhir.json"), env.path("obs.txt"), env.path("OBS.JSON"));
    for file in [&json, &txt, &upper] {
        std::fs::write(file, pretty).expect("write");
    }
    let canonical = env.json(&["record", "hash", json.to_str().expect("utf8")]);
    assert_eq!(canonical["kind"], "json-jcs");
    assert_eq!(env.json(&["record", "hash", upper.to_str().expect("utf8")]), {
        let mut v = canonical.clone();
        v["file"] = upper.display().to_string().into();
        v
    });
    // JSON in a .txt file is hashed as its bytes, not canonicalised.
    let raw = env.json(&["record", "hash", txt.to_str().expect("utf8")]);
    assert_eq!(raw["kind"], "raw");
    assert_eq!(
        raw["content_hash"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(pretty.as_bytes()))
    );
    assert_ne!(raw["content_hash"], canonical["content_hash"]);
    // --raw forces raw bytes for a .json file too.
    let forced = env.json(&["record", "hash", json.to_str().expect("utf8"), "--raw"]);
    assert_eq!((&forced["kind"], &forced["content_hash"]), (&raw["kind"], &raw["content_hash"]));
    // Garbage in a .json file is refused (exit 3), garbage elsewhere is just bytes.
    let (bad_json, bad_txt) = (env.path("bad.json"), env.path("bad.txt"));
    std::fs::write(&bad_json, "{\"status\": ").expect("write");
    std::fs::write(&bad_txt, "{\"status\": ").expect("write");
    refused(&env, &["record", "hash", bad_json.to_str().expect("utf8")], 3, "is not valid JSON");
    assert_eq!(env.json(&["record", "hash", bad_txt.to_str().expect("utf8")])["kind"], "raw");
}

#[test]
fn grant_update_and_deny() {
    let env = Env::new();
    let c = cast(&env);
    env.cmd(&[
        "-k", &c.patient.0, "patient", "grant", &c.doctor.1, "--categories", "imaging", "--days",
        "7",
    ])
    .assert()
    .success();
    assert_eq!(read_imaging(&env, &c)["allowed"], true);
    env.cmd(&["-k", &c.patient.0, "patient", "update", &c.doctor.1, "--categories", "labs"])
        .assert()
        .success();
    assert_eq!(read_imaging(&env, &c)["reason"], "category_not_covered");
    let shown =
        env.json(&["consent", "show", "--patient", &c.patient.1, "--provider", &c.doctor.1]);
    assert_eq!(shown["version"], 2);
    env.cmd(&["-k", &c.doctor.0, "provider", "request", &c.patient.1, "--nonce", "5"])
        .assert()
        .success();
    env.cmd(&["-k", &c.patient.0, "patient", "deny", &c.doctor.1, "--nonce", "5"])
        .assert()
        .success();
    let pending = env.json(&["-k", &c.patient.0, "patient", "requests"]);
    assert!(pending["pending_requests"].as_array().expect("list").is_empty());
}

#[test]
fn suspension_by_the_issuer_cuts_access() {
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    env.cmd(&["-k", &c.issuer.0, "issuer", "suspend", &c.doctor.1]).assert().success();
    assert_eq!(read_imaging(&env, &c)["reason"], "provider_not_active");
    env.cmd(&["-k", &c.issuer.0, "issuer", "reinstate", &c.doctor.1]).assert().success();
    assert_eq!(read_imaging(&env, &c)["allowed"], true);
}

#[test]
fn break_glass_allows_emergency_reads() {
    let env = Env::new();
    let c = cast(&env);
    env.cmd(&[
        "-k", &c.doctor.0, "provider", "break-glass", &c.patient.1, "--issuer", &c.issuer.1,
        "--hours", "2",
    ])
    .assert()
    .success();
    let read = env.json(&[
        "-k", &c.doctor.0, "provider", "record-access", &c.patient.1, "--category", "medications",
        "--purpose", "ETREAT",
    ]);
    assert_eq!(read["reason"], "emergency_access");
}

#[test]
fn admin_show_pause_and_ledger_info() {
    let env = Env::new();
    let c = cast(&env);
    env.cmd(&["-k", &c.admin.0, "admin", "pause"]).assert().success();
    assert_eq!(env.json(&["admin", "show"])["paused"], true);
    env.cmd(&["-k", &c.doctor.0, "provider", "request", &c.patient.1, "--nonce", "1"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("paused"));
    env.cmd(&["-k", &c.admin.0, "admin", "unpause"]).assert().success();
    let info = env.json(&["ledger", "info"]);
    assert!(info["accounts"].as_u64().expect("n") >= 5);
    assert_eq!(info["program_id"], medchain::ID.to_string());
}

#[test]
fn keygen_completions_and_json_compact() {
    let env = Env::new();
    let (path, pubkey) = env.key("k");
    assert!(Path::new(&path).exists());
    assert!(pubkey.len() >= 32);
    env.cmd(&["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("medchain"));
    let out = env
        .cmd(&["record", "hash", &path, "--raw", "--output", "json-compact"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf8");
    assert_eq!(text.trim().lines().count(), 1);
}

#[test]
fn every_subcommand_help_has_an_example() {
    let env = Env::new();
    let groups: [(&str, &[&str]); 8] = [
        ("admin", &["initialize", "add-issuer", "remove-issuer", "pause", "unpause", "show"]),
        ("issuer", &["register-provider", "suspend", "reinstate"]),
        (
            "provider",
            &[
                "request", "propose", "record-access", "anchor-record", "anchor-bundle",
                "encryption-key", "break-glass",
            ],
        ),
        (
            "patient",
            &[
                "register", "requests", "approve", "deny", "grant", "update", "revoke", "records",
                "audit",
            ],
        ),
        ("record", &["hash", "verify", "seal", "open", "reseal"]),
        ("consent", &["show", "list", "export", "import"]),
        ("audit", &["export"]),
        ("ledger", &["info", "airdrop", "reset"]),
    ];
    for (group, commands) in groups {
        env.cmd(&[group, "--help"]).assert().success().stdout(predicate::str::contains("Example:"));
        for command in commands {
            env.cmd(&[group, command, "--help"])
                .assert()
                .success()
                .stdout(predicate::str::contains("Example: medchain"));
        }
    }
    for command in ["generate", "publish"] {
        env.cmd(&["provider", "encryption-key", command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example: medchain"));
    }
    for top in ["demo", "keygen", "completions", "serve", "qr"] {
        env.cmd(&[top, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example: medchain"));
    }
}
