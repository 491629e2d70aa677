//! sealed records.

use super::*;

const SEALED_OBS: &str = r#"{"resourceType":"Observation","id":"s1","status":"final","code":{"text":"QUOKKA-FERRITIN"},"valueQuantity":{"value":41}}"#;
const SEALED_OBS_2: &str =
    r#"{"resourceType":"Observation","id":"s2","status":"final","code":{"text":"hb"}}"#;

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
            "-k", &c.patient.0, "patient", "grant", provider, "--categories", "labs", "--actions",
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
