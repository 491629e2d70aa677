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

/// Starts `medchain serve --bind 127.0.0.1:0 <args…>` on the env's ledger; returns the child
/// and the address it listens on (its first line). Kill the child before using the ledger.
fn spawn_serve(env: &Env, args: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("medchain"))
        .env("HOME", env.dir.path())
        .env_remove("MEDCHAIN_LEDGER")
        .args(["--ledger", env.ledger().to_str().expect("utf8"), "serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    let address =
        first.trim().strip_prefix("listening on http://").expect("address line").to_string();
    (child, address)
}

fn request_and_approve(env: &Env, c: &Cast) {
    env.cmd(&[
        "-k", &c.doctor.0, "provider", "request", &c.patient.1, "--nonce", "1", "--categories",
        "imaging,labs", "--actions", "read,write",
    ])
    .assert()
    .success();
    env.cmd(&[
        "-k", &c.patient.0, "patient", "approve", &c.doctor.1, "--nonce", "1", "--actions", "read",
    ])
    .assert()
    .success();
}

fn read_imaging(env: &Env, c: &Cast) -> Value {
    env.json(&[
        "-k", &c.doctor.0, "provider", "record-access", &c.patient.1, "--category", "imaging",
    ])
}

const BUNDLE: &str = r#"{"resourceType":"Bundle","type":"collection","entry":[
 {"fullUrl":"urn:uuid:a","resource":{"resourceType":"Observation","id":"a","status":"final","code":{"text":"hb"},"valueQuantity":{"value":13.7}}},
 {"fullUrl":"urn:uuid:b","resource":{"resourceType":"Observation","id":"b","status":"final","code":{"text":"glucose"},"valueQuantity":{"value":97}}}]}"#;
const OBSERVATION_B: &str = r#"{"resourceType":"Observation","id":"b","status":"final","code":{"text":"glucose"},"valueQuantity":{"value":97}}"#;

fn refused(env: &Env, args: &[&str], code: i32, message: &str) {
    let before = env.ledger_digest();
    env.cmd(args).assert().code(code).stderr(predicate::str::contains(message));
    assert_eq!(env.ledger_digest(), before, "the ledger changed after a refused command: {args:?}");
}

mod bad_input;
mod consent_decisions;
mod consent_import;
mod fhir_client;
mod guardians;
mod main_flows;
mod sealed_records;
mod wallet_links;
mod watch;
