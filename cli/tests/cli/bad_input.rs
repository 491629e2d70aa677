//! bad input: message, non-zero exit, ledger unchanged.

use super::*;

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
            "-k", &c.doctor.0, "provider", "record-access", &c.patient.1, "--category",
            "imaging,labs",
        ],
        3,
        "name exactly one category",
    );
    refused(
        &env,
        &[
            "-k", &c.issuer.0, "issuer", "register-provider", "--provider-keypair", &c.patient.0,
            "--credential-hash", "zz",
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
        "-k", &c.patient.0, "patient", "grant", &c.doctor.1, "--categories", "labs", "--actions",
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
        "-k", &c.patient.0, "patient", "delegate-add", &guardian, "--can", "revoke", "--days", "30",
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
