//! The real `medchain` binary against embedded ledgers in temporary directories: the main
//! flows, every command group, and a bad-input suite that checks the message, a non-zero exit
//! code, and that the ledger file is left unchanged.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A temporary workspace: a ledger directory and keypair files.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("tempdir") }
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `medchain --ledger <dir> <args…>` with HOME pointed at the temp dir (no user config).
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("medchain").expect("binary");
        cmd.env("HOME", self.dir.path())
            .env_remove("MEDCHAIN_LEDGER")
            .arg("--ledger")
            .arg(self.ledger())
            .args(args);
        cmd
    }

    /// `medchain <args…>` without `--ledger` (for cluster URLs).
    fn cmd_without_ledger(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("medchain").expect("binary");
        cmd.env("HOME", self.dir.path()).env_remove("MEDCHAIN_LEDGER").args(args);
        cmd
    }

    /// Runs and parses `--output json`.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        let out = self.cmd(&all).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).expect("JSON output")
    }

    /// Writes a keypair file and returns (path, pubkey).
    fn key(&self, name: &str) -> (String, String) {
        let path = self.path(&format!("{name}.json"));
        let v = self.json(&["keygen", "-o", path.to_str().expect("utf8")]);
        (path.display().to_string(), v["pubkey"].as_str().expect("pubkey").to_string())
    }

    /// A digest of the ledger file (empty when there is none).
    fn ledger_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        std::fs::read(self.ledger().join("ledger.bin"))
            .map(|b| hex::encode(Sha256::digest(b)))
            .unwrap_or_default()
    }
}

/// Keys of a registered cast: (path, pubkey) of admin, issuer, doctor, patient.
struct Cast {
    admin: (String, String),
    issuer: (String, String),
    doctor: (String, String),
    patient: (String, String),
}

fn cast(env: &Env) -> Cast {
    let (admin, issuer, doctor, patient) =
        (env.key("admin"), env.key("issuer"), env.key("doctor"), env.key("patient"));
    env.cmd(&["-k", &admin.0, "admin", "initialize"]).assert().success();
    env.cmd(&["-k", &admin.0, "admin", "add-issuer", &issuer.1, "--break-glass"])
        .assert()
        .success();
    env.cmd(&[
        "-k",
        &issuer.0,
        "issuer",
        "register-provider",
        "--provider-keypair",
        &doctor.0,
        "--credential-hash",
        &"ab".repeat(32),
        "--kind",
        "physician",
    ])
    .assert()
    .success();
    env.cmd(&["-k", &patient.0, "patient", "register"]).assert().success();
    Cast { admin, issuer, doctor, patient }
}

fn request_and_approve(env: &Env, c: &Cast) {
    env.cmd(&[
        "-k",
        &c.doctor.0,
        "provider",
        "request",
        &c.patient.1,
        "--nonce",
        "1",
        "--categories",
        "imaging,labs",
        "--actions",
        "read,write",
    ])
    .assert()
    .success();
    env.cmd(&[
        "-k",
        &c.patient.0,
        "patient",
        "approve",
        &c.doctor.1,
        "--nonce",
        "1",
        "--actions",
        "read",
    ])
    .assert()
    .success();
}

fn read_imaging(env: &Env, c: &Cast) -> Value {
    env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "record-access",
        &c.patient.1,
        "--category",
        "imaging",
    ])
}

const BUNDLE: &str = r#"{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:a","resource":{"resourceType":"Observation","id":"a","status":"final","code":{"text":"hb"},"valueQuantity":{"value":13.7}}},
 {"fullUrl":"urn:uuid:b","resource":{"resourceType":"Observation","id":"b","status":"final","code":{"text":"glucose"},"valueQuantity":{"value":97}}}]}"#;
const OBSERVATION_B: &str = r#"{"resourceType":"Observation","id":"b","status":"final","code":{"text":"glucose"},"valueQuantity":{"value":97}}"#;

// ----- main flows -------------------------------------------------------------------------

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
        "-k",
        &c.doctor.0,
        "provider",
        "request",
        &c.patient.1,
        "--nonce",
        "1",
        "--categories",
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
        "-k",
        &c.doctor.0,
        "provider",
        "record-access",
        &c.patient.1,
        "--category",
        "imaging",
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
        "-k",
        &c.patient.0,
        "patient",
        "grant",
        &c.doctor.1,
        "--categories",
        "imaging",
        "--days",
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
        "-k",
        &c.doctor.0,
        "provider",
        "break-glass",
        &c.patient.1,
        "--issuer",
        &c.issuer.1,
        "--hours",
        "2",
    ])
    .assert()
    .success();
    let read = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "record-access",
        &c.patient.1,
        "--category",
        "medications",
        "--purpose",
        "ETREAT",
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
                "request",
                "propose",
                "record-access",
                "anchor-record",
                "anchor-bundle",
                "encryption-key",
                "break-glass",
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
        ("consent", &["show", "list", "export"]),
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

// ----- bad input: message, non-zero exit, ledger unchanged ---------------------------------

/// Runs a failing command and checks the exit code, the message and that the ledger is intact.
fn refused(env: &Env, args: &[&str], code: i32, message: &str) {
    let before = env.ledger_digest();
    env.cmd(args).assert().code(code).stderr(predicate::str::contains(message));
    assert_eq!(env.ledger_digest(), before, "the ledger changed after a refused command: {args:?}");
}

#[test]
fn bad_input_missing_keypair_file() {
    let env = Env::new();
    let missing = env.path("nope.json");
    refused(
        &env,
        &["-k", missing.to_str().expect("utf8"), "patient", "register"],
        3,
        "does not exist; create one with `solana-keygen new",
    );
}

#[test]
fn bad_input_corrupt_keypair_file() {
    let env = Env::new();
    let c = cast(&env);
    let bad = env.path("bad.json");
    std::fs::write(&bad, "[1, 2, 3]").expect("write");
    let _ = c;
    refused(
        &env,
        &["-k", bad.to_str().expect("utf8"), "patient", "register"],
        3,
        "is not a valid keypair file",
    );
}

#[test]
fn bad_input_malformed_fhir_json() {
    let env = Env::new();
    let c = cast(&env);
    let bundle = env.path("broken.json");
    std::fs::write(&bundle, "{\"resourceType\": \"Bundle\", \"entry\": [").expect("write");
    refused(
        &env,
        &[
            "-k",
            &c.doctor.0,
            "provider",
            "anchor-bundle",
            bundle.to_str().expect("utf8"),
            "--batch-id",
            "1",
        ],
        3,
        "is not a usable FHIR Bundle",
    );
    let resource = env.path("broken-resource.json");
    std::fs::write(&resource, "{\"resourceType\": ").expect("write");
    refused(&env, &["record", "hash", resource.to_str().expect("utf8")], 3, "is not valid JSON");
}

#[test]
fn bad_input_unknown_patient_and_provider() {
    let env = Env::new();
    let c = cast(&env);
    let (_, stranger) = env.key("stranger");
    refused(&env, &["consent", "list", "--patient", &stranger], 3, "no Patient account");
    refused(
        &env,
        &["consent", "show", "--patient", &c.patient.1, "--provider", &stranger],
        3,
        "no Consent account",
    );
    refused(
        &env,
        &["-k", &c.doctor.0, "provider", "request", &stranger, "--nonce", "1"],
        3,
        "no Patient account",
    );
    refused(
        &env,
        &["-k", &c.doctor.0, "provider", "record-access", &stranger, "--category", "imaging"],
        4,
        "not registered yet?",
    );
}

#[test]
fn bad_input_account_of_another_program() {
    let env = Env::new();
    let c = cast(&env);
    let (_, victim) = env.key("victim");
    // Someone sends SOL to the address of a patient account before it exists: that address now
    // holds a system account, not a medchain one, as it would on a wrong cluster or program id.
    let address = medchain_sdk::pda::patient(&victim.parse().expect("pubkey")).to_string();
    env.cmd(&["ledger", "airdrop", &address]).assert().success();
    let _ = c;
    refused(
        &env,
        &["consent", "list", "--patient", &victim],
        3,
        "not owned by the medchain program",
    );
}

#[test]
fn bad_input_unreachable_url() {
    let env = Env::new();
    let (_, someone) = env.key("someone");
    let cases = [
        ("http://127.0.0.1:9", 5, "cannot reach the cluster"),
        ("devnet2", 3, "is not a cluster URL or moniker"),
    ];
    for (url, code, message) in cases {
        env.cmd_without_ledger(&["-u", url, "consent", "list", "--patient", &someone])
            .assert()
            .code(code)
            .stderr(predicate::str::contains(message));
    }
    assert_eq!(env.ledger_digest(), "", "no ledger was created");
    env.cmd(&["-u", "l", "ledger", "info"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn bad_input_request_already_approved() {
    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    refused(
        &env,
        &["-k", &c.patient.0, "patient", "approve", &c.doctor.1, "--nonce", "1"],
        4,
        "not pending",
    );
}

#[test]
fn bad_input_insufficient_funds() {
    let env = Env::new();
    let _c = cast(&env);
    let (poor, _) = env.key("poor");
    refused(&env, &["--no-faucet", "-k", &poor, "patient", "register"], 3, "insufficient funds");
}

#[test]
fn bad_input_corrupt_ledger_file() {
    let env = Env::new();
    let _c = cast(&env);
    let path = env.ledger().join("ledger.bin");
    let mut bytes = std::fs::read(&path).expect("ledger");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&path, &bytes).expect("truncate");
    refused(&env, &["ledger", "info"], 5, "the ledger file is corrupt");
    env.cmd(&["ledger", "reset"]).assert().code(3).stderr(predicate::str::contains("pass --yes"));
    assert_eq!(std::fs::read(&path).expect("still there"), bytes);
    env.cmd(&["ledger", "reset", "--yes"]).assert().success();
    env.cmd(&["ledger", "info"]).assert().success();
}

#[test]
fn bad_input_unknown_vocabulary_and_arguments() {
    let env = Env::new();
    let c = cast(&env);
    refused(
        &env,
        &["-k", &c.doctor.0, "provider", "request", &c.patient.1, "--categories", "x-rays"],
        3,
        "unknown category 'x-rays'",
    );
    refused(
        &env,
        &[
            "-k",
            &c.doctor.0,
            "provider",
            "record-access",
            &c.patient.1,
            "--category",
            "imaging,labs",
        ],
        3,
        "name exactly one category",
    );
    refused(
        &env,
        &[
            "-k",
            &c.issuer.0,
            "issuer",
            "register-provider",
            "--provider-keypair",
            &c.patient.0,
            "--credential-hash",
            "zz",
        ],
        3,
        "64 hexadecimal characters",
    );
    refused(
        &env,
        &["-k", &c.patient.0, "patient", "grant", "not-a-key"],
        3,
        "neither a base58 public key nor a keypair file",
    );
}

#[test]
fn bad_input_keygen_refuses_to_overwrite() {
    let env = Env::new();
    let (path, _) = env.key("mine");
    let before = std::fs::read(&path).expect("key");
    env.cmd(&["keygen", "-o", &path]).assert().code(3).stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read(&path).expect("key"), before);
}

#[test]
fn json_errors_are_machine_readable() {
    let env = Env::new();
    let missing = env.path("nope.json");
    let out = env
        .cmd(&["-k", missing.to_str().expect("utf8"), "patient", "register", "--output", "json"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["exit_code"], 3);
    assert!(v["error"].as_str().expect("message").contains("does not exist"));
}

#[test]
fn a_provider_with_write_access_anchors_a_record_the_patient_sees() {
    let env = Env::new();
    let c = cast(&env);
    env.cmd(&[
        "-k",
        &c.patient.0,
        "patient",
        "grant",
        &c.doctor.1,
        "--categories",
        "labs",
        "--actions",
        "read,write",
    ])
    .assert()
    .success();
    let file = env.path("obs.json");
    std::fs::write(&file, OBSERVATION_B).expect("write");
    let anchored = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "anchor-record",
        file.to_str().expect("utf8"),
        "--patient",
        &c.patient.1,
        "--category",
        "labs",
    ]);
    let hash = env.json(&["record", "hash", file.to_str().expect("utf8")]);
    assert_eq!(anchored["content_hash"], hash["content_hash"]);
    let records = env.json(&["-k", &c.patient.0, "patient", "records"]);
    assert_eq!(records["records"][0]["content_hash"], hash["content_hash"]);
    // Without the write action in that category the program refuses, and nothing changes.
    refused(
        &env,
        &[
            "-k",
            &c.doctor.0,
            "provider",
            "anchor-record",
            file.to_str().expect("utf8"),
            "--patient",
            &c.patient.1,
            "--category",
            "imaging",
        ],
        4,
        "may not write records of this category",
    );
}

#[test]
fn a_guardian_is_added_and_removed() {
    let env = Env::new();
    let c = cast(&env);
    let (_, guardian) = env.key("guardian");
    env.cmd(&[
        "-k",
        &c.patient.0,
        "patient",
        "delegate-add",
        &guardian,
        "--can",
        "revoke",
        "--days",
        "30",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("may revoke"));
    refused(
        &env,
        &["-k", &c.patient.0, "patient", "delegate-add", &guardian, "--can", "sell"],
        3,
        "unknown delegate permission",
    );
    env.cmd(&["-k", &c.patient.0, "patient", "delegate-remove", &guardian]).assert().success();
    refused(
        &env,
        &["-k", &c.patient.0, "patient", "delegate-remove", &guardian],
        3,
        "no Delegate account",
    );
}

// ----- sealed records ---------------------------------------------------------------------

const SEALED_OBS: &str = r#"{"resourceType":"Observation","id":"s1","status":"final","code":{"text":"QUOKKA-FERRITIN"},"valueQuantity":{"value":41}}"#;
const SEALED_OBS_2: &str =
    r#"{"resourceType":"Observation","id":"s2","status":"final","code":{"text":"hb"}}"#;

/// A second provider registered by the cast's issuer; returns its (path, pubkey).
fn second_provider(env: &Env, c: &Cast, name: &str) -> (String, String) {
    let key = env.key(name);
    env.cmd(&[
        "-k",
        &c.issuer.0,
        "issuer",
        "register-provider",
        "--provider-keypair",
        &key.0,
        "--credential-hash",
        &"cd".repeat(32),
    ])
    .assert()
    .success();
    key
}

/// Generates and publishes an encryption key for `provider`; returns the key file path.
fn publish_key(env: &Env, provider: &(String, String), name: &str) -> String {
    let file = env.path(name).display().to_string();
    let generated = env.json(&["provider", "encryption-key", "generate", "-o", &file]);
    let published = env.json(&["-k", &provider.0, "provider", "encryption-key", "publish", &file]);
    assert_eq!(generated["public_key"], published["public_key"]);
    file
}

#[test]
fn records_are_sealed_for_consented_providers_and_resealed_after_a_revoke() {
    let env = Env::new();
    let c = cast(&env);
    let other = second_provider(&env, &c, "other");
    let doctor_key = publish_key(&env, &c.doctor, "doctor.x25519.json");
    let other_key = publish_key(&env, &other, "other.x25519.json");
    for (provider, actions) in [(&c.doctor.1, "read,write"), (&other.1, "read")] {
        env.cmd(&[
            "-k",
            &c.patient.0,
            "patient",
            "grant",
            provider,
            "--categories",
            "labs",
            "--actions",
            actions,
        ])
        .assert()
        .success();
    }
    let dir = env.path("records");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("s1.json"), SEALED_OBS).expect("write");
    std::fs::write(dir.join("s2.json"), SEALED_OBS_2).expect("write");
    let dir_s = dir.display().to_string();
    env.cmd(&[
        "-k",
        &c.doctor.0,
        "provider",
        "anchor-record",
        &format!("{dir_s}/s1.json"),
        "--patient",
        &c.patient.1,
        "--category",
        "labs",
    ])
    .assert()
    .success();

    // Seal the directory: both providers and the patient are recipients.
    let sealed =
        env.json(&["record", "seal", &dir_s, "--patient", &c.patient.1, "--category", "labs"]);
    assert_eq!(sealed["recipients"].as_array().map(Vec::len), Some(3));
    assert_eq!(sealed["files"].as_array().map(Vec::len), Some(2));
    assert!(sealed["files"][0]["record"].is_string(), "s1 is anchored: {sealed}");
    assert!(sealed["files"][1]["record"].is_null(), "s2 is not");
    let envelope = dir.join("s1.sealed.json");
    let bytes = std::fs::read_to_string(&envelope).expect("envelope");
    assert!(bytes.starts_with(r#"{"format":"medchain-sealed-v1""#));
    assert!(!bytes.contains("QUOKKA"), "plaintext in the envelope");
    let envelope_s = envelope.display().to_string();

    // Both providers open; the chain vouches for the anchored one.
    for key in [&doctor_key, &other_key] {
        let opened = env.json(&["record", "open", &envelope_s, "--key", key]);
        assert_eq!(opened["content"], SEALED_OBS);
        assert_eq!(opened["chain"]["anchored"], true);
    }
    // The patient opens the directory with their wallet into --out.
    let out = env.path("opened");
    env.cmd(&["-k", &c.patient.0, "record", "open", &dir_s, "--out", out.to_str().expect("utf8")])
        .assert()
        .success()
        .stdout(predicate::str::contains("matches on-chain record"))
        .stdout(predicate::str::contains("WARNING: no on-chain record"));
    assert_eq!(std::fs::read_to_string(out.join("s1.json")).expect("opened"), SEALED_OBS);
    assert_eq!(std::fs::read_to_string(out.join("s2.json")).expect("opened"), SEALED_OBS_2);

    // Revoke the other provider and reseal in one go.
    let revoked =
        env.json(&["-k", &c.patient.0, "patient", "revoke", &other.1, "--reseal", &dir_s]);
    let files = revoked["reseal"]["files"].as_array().expect("resealed files");
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f["dropped"][0]["wallet"] == other.1.as_str()));
    env.cmd(&["record", "open", &envelope_s, "--key", &other_key])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is not one of the 2 recipients"));
    let opened = env.json(&["record", "open", &envelope_s, "--key", &doctor_key]);
    assert_eq!(opened["content"], SEALED_OBS);

    // Without --reseal, revoke tells the patient to reseal.
    env.cmd(&["-k", &c.patient.0, "patient", "revoke", &c.doctor.1])
        .assert()
        .success()
        .stdout(predicate::str::contains("record reseal"));
    // `record reseal` then drops the doctor too, in place; the doctor can no longer open.
    let resealed = env.json(&["-k", &c.patient.0, "record", "reseal", &dir_s]);
    assert_eq!(resealed["files"][0]["dropped"][0]["wallet"], c.doctor.1.as_str());
    env.cmd(&["record", "open", &envelope_s, "--key", &doctor_key]).assert().code(3);
}

#[test]
fn bad_input_sealed_records() {
    let env = Env::new();
    let c = cast(&env);
    let doctor_key = publish_key(&env, &c.doctor, "doctor.x25519.json");
    env.cmd(&["-k", &c.patient.0, "patient", "grant", &c.doctor.1, "--categories", "labs"])
        .assert()
        .success();
    let record = env.path("s1.json");
    std::fs::write(&record, SEALED_OBS).expect("write");
    let record_s = record.display().to_string();
    env.cmd(&["record", "seal", &record_s, "--patient", &c.patient.1, "--category", "labs"])
        .assert()
        .success();
    let envelope = env.path("s1.sealed.json");
    let envelope_s = envelope.display().to_string();
    let good = std::fs::read(&envelope).expect("envelope");

    // A changed ciphertext character (still valid base64, so that it is the authentication,
    // not the decoding, that refuses it): a clear error, exit 3, nothing written.
    // The ciphertext's base64 holds `+` and `/` too: take its first letter or digit past the
    // middle, where a changed character changes data bits, never padding.
    let mut tampered = good.clone();
    let text = String::from_utf8(good.clone()).expect("utf-8 envelope");
    let key = "\"ciphertext\":\"";
    let start = text.find(key).expect("a ciphertext member") + key.len();
    let len = text[start..].find('"').expect("the ciphertext's end");
    let at = (start + len / 2..start + len)
        .find(|&i| tampered[i].is_ascii_alphanumeric())
        .expect("a letter or digit in the ciphertext");
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&envelope, &tampered).expect("write");
    let out = env.path("out");
    let out_s = out.display().to_string();
    refused(
        &env,
        &["record", "open", &envelope_s, "--key", &doctor_key, "--out", &out_s],
        3,
        "the envelope was altered",
    );
    assert!(!out.exists(), "output written for a tampered envelope");
    // Resealing a tampered envelope leaves it as it was.
    refused(&env, &["-k", &c.patient.0, "record", "reseal", &envelope_s], 3, "was altered");
    assert_eq!(std::fs::read(&envelope).expect("envelope"), tampered);
    std::fs::write(&envelope, &good).expect("restore");

    // Not a key file nor a wallet; a wallet that is not a recipient.
    let junk = env.path("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").expect("write");
    refused(
        &env,
        &["record", "open", &envelope_s, "--key", junk.to_str().expect("utf8")],
        3,
        "neither a medchain encryption key file",
    );
    refused(
        &env,
        &["-k", &c.issuer.0, "record", "open", &envelope_s],
        3,
        "is not one of the 2 recipients",
    );
    // A directory needs --out; a directory without envelopes is refused.
    let empty = env.path("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    refused(&env, &["record", "open", empty.to_str().expect("utf8")], 3, "holds no *.sealed.json");
    // Unknown category, two categories, an unregistered patient, invalid JSON.
    refused(
        &env,
        &["record", "seal", &record_s, "--patient", &c.patient.1, "--category", "labz"],
        3,
        "labz",
    );
    refused(
        &env,
        &["record", "seal", &record_s, "--patient", &c.patient.1, "--category", "labs,imaging"],
        3,
        "exactly one category",
    );
    refused(
        &env,
        &["record", "seal", &record_s, "--patient", &c.issuer.1, "--category", "labs"],
        3,
        "registered patient",
    );
    let broken = env.path("broken.json");
    std::fs::write(&broken, "{\"resourceType\": ").expect("write");
    refused(
        &env,
        &[
            "record",
            "seal",
            broken.to_str().expect("utf8"),
            "--patient",
            &c.patient.1,
            "--category",
            "labs",
        ],
        3,
        "is not valid JSON",
    );
    assert!(!env.path("broken.sealed.json").exists());
    // revoke --reseal with an envelope the patient cannot open: refused before revoking.
    let foreign = env.path("foreign");
    std::fs::create_dir(&foreign).expect("mkdir");
    std::fs::write(foreign.join("x.sealed.json"), b"{\"format\":\"medchain-sealed-v1\"}")
        .expect("write");
    refused(
        &env,
        &[
            "-k",
            &c.patient.0,
            "patient",
            "revoke",
            &c.doctor.1,
            "--reseal",
            foreign.to_str().expect("utf8"),
        ],
        3,
        "not a valid medchain sealed envelope",
    );
    let consent =
        env.json(&["consent", "show", "--patient", &c.patient.1, "--provider", &c.doctor.1]);
    assert_eq!(consent["status"], "active", "{consent}");
    // An encryption key file is never overwritten.
    refused(
        &env,
        &["provider", "encryption-key", "generate", "-o", &doctor_key],
        3,
        "never overwritten",
    );
}

// ----- wallet links, QR codes and the Actions server ----------------------------------------

/// Decodes the QR code in a greyscale PNG file.
fn decode_qr_png(path: &Path) -> String {
    let decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("png")));
    let mut reader = decoder.read_info().expect("png header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("png frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}

#[test]
fn a_request_prints_wallet_links_and_a_qr_code_that_decodes_to_the_exact_url() {
    let env = Env::new();
    let c = cast(&env);
    let png = env.path("approve.png");
    let svg = env.path("approve.svg");
    let v = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "request",
        &c.patient.1,
        "--nonce",
        "5",
        "--categories",
        "imaging",
        "--base-url",
        "https://clinic.example",
        "--qr-png",
        png.to_str().expect("utf8"),
        "--qr-svg",
        svg.to_str().expect("utf8"),
    ]);
    let request = v["request"].as_str().expect("request address");
    let approve = &v["links"][0];
    assert_eq!(
        approve["action_url"],
        format!("https://clinic.example/api/actions/approve/{request}")
    );
    let url = approve["transaction_request_url"].as_str().expect("url");
    assert_eq!(
        url,
        format!("solana:https%3A%2F%2Fclinic.example%2Fapi%2Factions%2Fapprove%2F{request}")
    );
    assert_eq!(
        v["links"][1]["action_url"],
        format!("https://clinic.example/api/actions/deny/{request}")
    );
    assert_eq!(
        decode_qr_png(&png),
        url,
        "the PNG decodes back to the exact transaction-request URL"
    );
    assert!(std::fs::read_to_string(&svg).expect("svg").contains("<svg"));
    // In the terminal: the URL and the code drawn in block characters.
    env.cmd(&[
        "-k",
        &c.doctor.0,
        "provider",
        "request",
        &c.patient.1,
        "--nonce",
        "6",
        "--base-url",
        "https://clinic.example",
        "--qr",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("transaction request: solana:https%3A%2F%2Fclinic.example"))
    .stdout(predicate::str::contains("█"));
}

#[test]
fn a_proposal_link_is_signed_and_qr_reencodes_any_action_url() {
    let env = Env::new();
    let c = cast(&env);
    let v = env.json(&[
        "-k",
        &c.doctor.0,
        "provider",
        "propose",
        "--categories",
        "imaging,labs",
        "--days",
        "30",
        "--patient",
        &c.patient.1,
        "--base-url",
        "https://clinic.example/",
    ]);
    let link = v["links"][0]["action_url"].as_str().expect("link");
    assert!(
        link.starts_with(&format!(
            "https://clinic.example/api/actions/grant?provider={}",
            c.doctor.1
        )),
        "{link}"
    );
    assert!(link.contains("categories=observations%2Cimaging") && link.contains("&sig="), "{link}");
    let png = env.path("grant.png");
    let qr = env.json(&[
        "qr",
        v["links"][0]["transaction_request_url"].as_str().expect("url"),
        "--png",
        png.to_str().expect("utf8"),
    ]);
    assert_eq!(qr["links"][0]["action_url"], link, "a solana: URL decodes back to the action URL");
    assert_eq!(
        decode_qr_png(&png),
        qr["links"][0]["transaction_request_url"].as_str().expect("url")
    );
    refused(&env, &["-k", &c.doctor.0, "provider", "propose", "--days", "30"], 3, "--base-url");
    refused(
        &env,
        &["-k", &c.doctor.0, "provider", "propose", "--base-url", "http://clinic.example"],
        3,
        "https",
    );
    refused(&env, &["qr", "bitcoin:abc"], 3, "neither");
    env.cmd(&["-k", &c.doctor.0, "provider", "request", &c.patient.1, "--qr"]).assert().code(2);
}

#[test]
fn serve_answers_wallets_over_http_and_refuses_bad_settings() {
    use std::io::{BufRead, Read, Write};
    let env = Env::new();
    let c = cast(&env);
    refused(&env, &["serve", "--base-url", "http://clinic.example"], 3, "https");
    refused(
        &env,
        &["serve", "--base-url", "https://clinic.example", "--fee-payer", "missing.json"],
        3,
        "missing.json",
    );
    refused(
        &env,
        &["serve", "--base-url", "https://clinic.example", "--provider-name", "nobody"],
        3,
        "WALLET=NAME",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("medchain"))
        .env("HOME", env.dir.path())
        .env_remove("MEDCHAIN_LEDGER")
        .args(["--ledger", env.ledger().to_str().expect("utf8"), "serve", "--bind", "127.0.0.1:0"])
        .args(["--base-url", "https://clinic.example", "--fee-payer", &c.admin.0])
        .args(["--provider-name", &format!("{}=Dr. Rivera", c.doctor.1)])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    let address =
        first.trim().strip_prefix("listening on http://").expect("address line").to_string();
    let get = |path: &str| {
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: clinic.example\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    };
    let actions_json = get("/actions.json");
    // No consent at this address: a 4xx with the specification's {message}.
    let missing = get(&format!("/api/actions/revoke/{}", c.patient.1));
    let _ = child.kill();
    let _ = child.wait();
    assert!(actions_json.starts_with("HTTP/1.1 200"), "{actions_json}");
    assert!(actions_json.to_ascii_lowercase().contains("access-control-allow-origin: *"));
    assert!(actions_json.contains("\"pathPattern\":\"/approve/*\""), "{actions_json}");
    assert!(missing.starts_with("HTTP/1.1 4"), "{missing}");
    assert!(missing.contains("\"message\":"), "{missing}");
}

#[test]
fn bad_input_program_file_that_is_not_an_sbpf_object() {
    let env = Env::new();
    let c = cast(&env);
    let not_elf = env.path("not-a-program.so");
    std::fs::write(&not_elf, b"#!/bin/sh\necho not a program\n").expect("write");
    let missing = env.path("missing.so");
    let (not_elf, missing) = (not_elf.to_str().expect("utf8"), missing.to_str().expect("utf8"));
    for (program, message) in [
        (not_elf, "not an SBPF shared object"),
        (missing, "cannot read the program's shared object"),
    ] {
        refused(
            &env,
            &[
                "--program",
                program,
                "-k",
                &c.patient.0,
                "consent",
                "list",
                "--patient",
                &c.patient.1,
            ],
            3,
            message,
        );
    }
    // --program runs a .so on the embedded ledger; a cluster runs what is deployed there.
    let mut cmd = env.cmd_without_ledger(&["--program", not_elf, "-u", "l", "admin", "show"]);
    cmd.env_remove("MEDCHAIN_PROGRAM_SO")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--program runs a .so on the embedded ledger"));
}

#[test]
fn ledger_info_names_the_program_it_runs() {
    let env = Env::new();
    let _c = cast(&env);
    let mut native = env.cmd(&["ledger", "info", "--output", "json"]);
    let out =
        native.env_remove("MEDCHAIN_PROGRAM_SO").assert().success().get_output().stdout.clone();
    let info: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(info["program"], "native");
    if let Some(so) = std::env::var_os("MEDCHAIN_PROGRAM_SO") {
        // The SBF run: the same ledger, reopened on the .so, still reads and writes.
        let so = so.to_str().expect("utf8").to_string();
        let info = env.json(&["--program", &so, "ledger", "info"]);
        assert_eq!(info["program"], format!("SBF {so}"));
        let (another, _) = env.key("another-patient");
        env.cmd(&["--program", &so, "-k", &another, "patient", "register"]).assert().success();
    }
}
