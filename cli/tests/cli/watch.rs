//! `medchain watch`: its help has an example; a bad wallet and an unregistered patient are
//! bad input (exit 3); the embedded ledger points to `--server` (exit 3, the ledger
//! unchanged); an unreachable cluster or server is exit 5; `--server` follows a running
//! `medchain serve` and delivers a recorded consult's `access` event within one second. The events themselves are tested in
//! sdk/tests/watch.rs (embedded ledger, within one second), cli/src/serve/watch_tests.rs
//! (server-sent events) and cli/tests/validator.rs (this command over a validator's websocket).

use super::*;

#[test]
fn the_help_has_an_example() {
    let env = Env::new();
    env.cmd_without_ledger(&["watch", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Example: medchain -u l watch --patient"));
}

#[test]
fn bad_wallets_unregistered_patients_and_the_embedded_ledger_are_refused_clearly() {
    let env = Env::new();
    let c = cast(&env);
    refused(&env, &["watch", "--patient", "not-a-wallet"], 3, "neither a base58 public key");
    let (_, stranger) = env.key("stranger");
    refused(&env, &["watch", "--patient", &stranger], 3, "is not a registered patient");
    refused(&env, &["watch", "--patient", &c.patient.1], 3, "medchain watch --server http://");
    let out = env
        .cmd(&["watch", "--patient", &c.patient.1, "--output", "json"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let error: Value = serde_json::from_slice(&out).expect("the JSON error object");
    assert_eq!(error["exit_code"], 3);
}

#[test]
fn an_unreachable_cluster_is_exit_5() {
    let env = Env::new();
    let patient = "11111111111111111111111111111112";
    env.cmd_without_ledger(&["-u", "http://127.0.0.1:1", "watch", "--patient", patient])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(5);
}

#[test]
fn an_unreachable_server_is_exit_5_with_its_url() {
    let env = Env::new();
    let patient = "11111111111111111111111111111112";
    env.cmd_without_ledger(&["watch", "--server", "http://127.0.0.1:1", "--patient", patient])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(5)
        .stderr(predicate::str::contains("http://127.0.0.1:1/api/watch/"));
}

/// The field names of docs/CLI.md's event table.
fn documented_fields() -> std::collections::BTreeSet<String> {
    let doc = include_str!("../../../docs/CLI.md");
    let (start, end) = ("<!-- watch-fields:start -->", "<!-- watch-fields:end -->");
    let from = doc.find(start).expect("start marker") + start.len();
    let to = doc.find(end).expect("end marker");
    doc[from..to]
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|l| {
            Some(l.trim_matches('|').split(" | ").next()?.trim().trim_matches('`').to_string())
        })
        .collect()
}

#[test]
fn watch_server_delivers_a_recorded_consult_within_one_second() {
    use super::consent_decisions::{consult, identifier_map, post};
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    let env = Env::new();
    let c = cast(&env);
    request_and_approve(&env, &c);
    let map = identifier_map(&env, &c);
    let (mut serve, address) = spawn_serve(
        &env,
        &[
            "--base-url", "https://clinic.example", "--identifier-map", &map, "--record-decisions",
            "--provider-keypair", &c.doctor.0,
        ],
    );
    let server = format!("http://{address}");
    let mut watch = std::process::Command::new(assert_cmd::cargo::cargo_bin("medchain"))
        .env("HOME", env.dir.path())
        .env_remove("MEDCHAIN_LEDGER")
        .args(["watch", "--server", &server, "--patient", &c.patient.1, "--output", "json-compact"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("watch starts");
    let stdout = watch.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    // Its first stderr line says the server answered, so the subscription is in place.
    let mut stderr = std::io::BufReader::new(watch.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).expect("stderr line");

    let response = post(&address, "/cds-services/patient-consent-consult", &consult("Observation"));
    let answered = Instant::now();
    let deadline = answered + Duration::from_secs(1);
    let mut access = None;
    while access.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok((at, line)) => {
                let event: Value = serde_json::from_str(&line).expect("one JSON object a line");
                if event["kind"] == "access" {
                    access = Some((at, event));
                }
            }
            Err(_) => break,
        }
    }
    // An unregistered patient, through the server's 404: exit 3 with its message.
    let (_, stranger) = env.key("stranger");
    let stranger_out = env
        .cmd_without_ledger(&["watch", "--server", &server, "--patient", &stranger])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    // Without --server, the ledger serve holds is refused with the way to follow it.
    let locked = env
        .cmd(&["watch", "--patient", &c.patient.1])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    let _ = watch.kill();
    let _ = watch.wait();
    let _ = serve.kill();
    let _ = serve.wait();

    assert!(first.contains("watching patient"), "watch did not start: {first}");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body: Value =
        serde_json::from_str(response.split("\r\n\r\n").nth(1).expect("body")).expect("JSON");
    let signature = body["cards"][0]["extension"]["medchain"]["transactions"][0]["signature"]
        .as_str()
        .expect("the consult was recorded")
        .to_string();
    let (at, event) = access.expect("an access event within one second of the consult's answer");
    assert!(at <= deadline, "the event came {:?} after the answer", at - answered);
    let keys: std::collections::BTreeSet<String> =
        event.as_object().expect("object").keys().cloned().collect();
    assert_eq!(keys, documented_fields(), "docs/CLI.md's watch fields: {event}");
    assert_eq!(event["patient"], c.patient.1.as_str());
    assert_eq!(event["provider"], c.doctor.1.as_str());
    assert_eq!(event["actor"], c.doctor.1.as_str());
    assert_eq!(event["signature"], signature.as_str());
    assert_eq!(event["instruction"], "record_access");
    assert_eq!(event["succeeded"], true);
    assert_eq!(event["access"]["allowed"], true, "{event}");
    for field in ["category", "purpose", "action", "allowed", "reason"] {
        assert!(event["access"].get(field).is_some(), "access.{field} in {event}");
    }
    assert_eq!(stranger_out.status.code(), Some(3), "{stranger_out:?}");
    let stranger_err = String::from_utf8_lossy(&stranger_out.stderr);
    assert!(stranger_err.contains("does not exist"), "{stranger_err}");
    assert_eq!(locked.status.code(), Some(3), "{locked:?}");
    let locked_err = String::from_utf8_lossy(&locked.stderr);
    assert!(locked_err.contains("medchain watch --server http://"), "{locked_err}");
}
