//! `medchain watch`: its help has an example; a bad wallet and an unregistered patient are
//! bad input (exit 3); the embedded ledger points to `medchain serve`'s stream (exit 3, the
//! ledger unchanged); an unreachable cluster is exit 5. The events themselves are tested in
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
    refused(&env, &["watch", "--patient", &c.patient.1], 3, "GET /api/watch/");
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
