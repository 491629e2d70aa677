//! Guardians answering requests (`patient approve|deny --as-delegate-of`) and a patient's own
//! published encryption key (`patient encryption-key`, `record open --key`, `revoke --key`).

use super::*;

/// The doctor asks the patient twice; the patient names a guardian who may answer within
/// imaging, for treatment, read only, for 30 days.
fn family(env: &Env, c: &Cast, can: &str) -> (String, String) {
    let guardian = env.key("guardian");
    env.cmd(&[
        "-k", &c.patient.0, "patient", "delegate-add", &guardian.1, "--can", can, "--categories",
        "imaging", "--actions", "read", "--days", "30",
    ])
    .assert()
    .success();
    for nonce in ["1", "2"] {
        env.cmd(&[
            "-k", &c.doctor.0, "provider", "request", &c.patient.1, "--nonce", nonce,
            "--categories", "imaging,labs", "--actions", "read,write", "--days", "90",
        ])
        .assert()
        .success();
    }
    guardian
}

#[test]
fn a_guardian_approves_narrowed_to_its_mandate_and_denies_another() {
    let env = Env::new();
    let c = cast(&env);
    let g = family(&env, &c, "answer");
    let pending = env.json(&["-k", &g.0, "patient", "requests", "--as-delegate-of", &c.patient.1]);
    assert_eq!(pending["pending_requests"].as_array().map(Vec::len), Some(2));

    let approved = env.json(&[
        "-k", &g.0, "patient", "approve", &c.doctor.1, "--nonce", "1", "--as-delegate-of",
        &c.patient.1,
    ]);
    assert_eq!(approved["action"], "delegate_approve_request");
    assert_eq!(approved["on_behalf_of"], c.patient.1.as_str());
    assert_eq!(approved["narrowed_to_mandate"], true);
    assert_eq!(approved["scope"]["categories"], serde_json::json!(["imaging"]));
    assert_eq!(approved["scope"]["actions"], serde_json::json!(["read"]));
    env.cmd(&[
        "-k", &g.0, "patient", "deny", &c.doctor.1, "--nonce", "2", "--as-delegate-of",
        &c.patient.1,
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("on behalf of patient"));

    // The doctor may read imaging, not labs; the audit trail shows the guardian answering.
    assert_eq!(read_imaging(&env, &c)["allowed"], true);
    let labs = env.json(&[
        "-k", &c.doctor.0, "provider", "record-access", &c.patient.1, "--category", "labs",
    ]);
    assert_eq!(labs["allowed"], false);
    let audit = env.json(&["-k", &c.patient.0, "patient", "audit"]);
    let entries = audit["audit"].as_array().expect("audit entries");
    for instruction in ["delegate_approve_request", "delegate_deny_request"] {
        let entry = entries.iter().find(|e| e["instruction"] == instruction).expect(instruction);
        assert_eq!(entry["actor"], g.1.as_str(), "{instruction}");
    }
    // Nothing is left to answer.
    refused(
        &env,
        &[
            "-k", &g.0, "patient", "deny", &c.doctor.1, "--nonce", "1", "--as-delegate-of",
            &c.patient.1,
        ],
        4,
        "not pending",
    );
}

#[test]
fn answers_beyond_the_mandate_are_refused_and_change_nothing() {
    let env = Env::new();
    let c = cast(&env);
    let g = family(&env, &c, "grant,revoke");
    // No `answer` permission.
    refused(
        &env,
        &[
            "-k", &g.0, "patient", "approve", &c.doctor.1, "--nonce", "1", "--as-delegate-of",
            &c.patient.1,
        ],
        3,
        "'answer' permission",
    );
    // Not a delegate of this patient at all.
    let stranger = env.key("stranger");
    refused(
        &env,
        &[
            "-k", &stranger.0, "patient", "deny", &c.doctor.1, "--nonce", "1", "--as-delegate-of",
            &c.patient.1,
        ],
        3,
        "is not a delegate of patient",
    );
    // A mandate that covers nothing of the request: labs only asked of an imaging guardian.
    env.cmd(&["-k", &c.patient.0, "patient", "delegate-remove", &g.1]).assert().success();
    env.cmd(&[
        "-k", &c.patient.0, "patient", "delegate-add", &g.1, "--can", "answer", "--categories",
        "genetics", "--days", "30",
    ])
    .assert()
    .success();
    refused(
        &env,
        &[
            "-k", &g.0, "patient", "approve", &c.doctor.1, "--nonce", "1", "--as-delegate-of",
            &c.patient.1,
        ],
        3,
        "nothing of this request lies within your mandate",
    );
}

#[test]
fn a_patient_with_a_published_key_opens_revokes_and_reseals_with_it() {
    let env = Env::new();
    let c = cast(&env);
    let doctor_key = env.path("doctor.x25519.json").display().to_string();
    env.json(&["provider", "encryption-key", "generate", "-o", &doctor_key]);
    env.json(&["-k", &c.doctor.0, "provider", "encryption-key", "publish", &doctor_key]);
    let my_key = env.path("me.x25519.json").display().to_string();
    let generated = env.json(&["patient", "encryption-key", "generate", "-o", &my_key]);
    let published =
        env.json(&["-k", &c.patient.0, "patient", "encryption-key", "publish", &my_key]);
    assert_eq!(published["action"], "set_patient_encryption_key");
    assert_eq!(generated["public_key"], published["public_key"]);
    env.cmd(&["-k", &c.patient.0, "patient", "grant", &c.doctor.1, "--categories", "labs"])
        .assert()
        .success();
    let file = env.path("obs.json");
    std::fs::write(&file, r#"{"resourceType":"Observation","id":"k1","status":"final"}"#)
        .expect("write");
    let file_s = file.display().to_string();
    let sealed =
        env.json(&["record", "seal", &file_s, "--patient", &c.patient.1, "--category", "labs"]);
    let patient_recipient = sealed["recipients"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["role"] == "patient"))
        .expect("the patient is a recipient")
        .clone();
    assert_eq!(patient_recipient["public_key"], published["public_key"]);
    let envelope = env.path("obs.sealed.json").display().to_string();

    // The key file opens it; the wallet's derived key does not.
    env.json(&["record", "open", &envelope, "--key", &my_key]);
    env.cmd(&["-k", &c.patient.0, "record", "open", &envelope]).assert().code(3);
    // Revoke with --reseal and --key: the doctor is cut out of the resealed envelope.
    let revoked = env.json(&[
        "-k", &c.patient.0, "patient", "revoke", &c.doctor.1, "--reseal", &envelope, "--key",
        &my_key,
    ]);
    assert_eq!(revoked["reseal"]["files"][0]["dropped"][0]["wallet"], c.doctor.1.as_str());
    env.cmd(&["record", "open", &envelope, "--key", &doctor_key]).assert().code(3);
    env.json(&["record", "open", &envelope, "--key", &my_key]);
}
