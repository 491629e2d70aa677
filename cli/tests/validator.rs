//! End to end against a real local validator: agave's `solana-test-validator` crate
//! (`tools/test-validator`, a separate process with its own RocksDB ledger, banking stage and
//! JSON-RPC) with the SBF build of the program deployed through the upgradeable loader. Over
//! RPC it runs the SDK's conformance scenarios, a whole CLI flow (initialise by the upgrade
//! authority, register, request, approve, record access granted and denied, revoke, audit
//! export rebuilt from `getSignaturesForAddress` + `getTransaction`), and `medchain serve`
//! answering an action POST whose transaction the patient signs and the cluster executes.
//!
//! Ignored by default (it needs the SBF `.so` and the validator binary); `.ci/run` runs it:
//!
//! ```sh
//! MEDCHAIN_PROGRAM_SO=target/deploy/medchain.so \
//! MEDCHAIN_TEST_VALIDATOR=~/.cache/medchain-validator/target/release/medchain-test-validator \
//!   cargo test --release -p medchain-cli --test validator -- --ignored
//! ```

#[path = "../../sdk/tests/common/scenarios.rs"]
#[allow(dead_code)]
mod scenarios;

use assert_cmd::Command;
use medchain_sdk::{Backend, Medchain, RpcBackend, RpcOptions};
use serde_json::Value;
use solana_sdk::signature::{write_keypair_file, Keypair, Signer};
use solana_sdk::transaction::Transaction;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::time::{Duration, Instant};

const SOL: u64 = 1_000_000_000;

fn required_env(name: &str) -> PathBuf {
    let value = std::env::var_os(name).unwrap_or_else(|| {
        panic!("{name} is not set: this test needs the SBF .so and the validator (see the module docs)")
    });
    let path = PathBuf::from(value);
    assert!(path.is_file(), "{name}={} is not a file", path.display());
    path
}

fn free_port() -> u16 {
    // The validator's PubSub service takes the port after the RPC one: find a free pair.
    for _ in 0..50 {
        let port =
            TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        if port < 65_000 && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair on 127.0.0.1")
}

/// A running `medchain-test-validator`; killed when dropped.
struct Validator {
    child: Child,
    _stdin: ChildStdin,
    rpc_url: String,
    mint: Keypair,
}

impl Validator {
    fn start(dir: &Path, upgrade_authority: &Keypair) -> Self {
        let binary = required_env("MEDCHAIN_TEST_VALIDATOR");
        let program = required_env("MEDCHAIN_PROGRAM_SO");
        let mint_path = dir.join("mint.json");
        let mut child = std::process::Command::new(binary)
            .arg("--program")
            .arg(&program)
            .arg("--upgrade-authority")
            .arg(upgrade_authority.pubkey().to_string())
            .arg("--mint-keypair")
            .arg(&mint_path)
            .arg("--rpc-port")
            .arg(free_port().to_string())
            .arg("--ledger")
            .arg(dir.join("validator-ledger"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start medchain-test-validator");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // The validator prints progress ("Waiting for fees to stabilize …") before the
            // ready line, which is the first JSON object.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with('{') {
                    let _ = tx.send(line);
                    break;
                }
            }
        });
        let line =
            rx.recv_timeout(Duration::from_secs(180)).expect("the validator starts in 3 min");
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("validator did not start ({e}): {line:?}"));
        let mint = solana_sdk::signature::read_keypair_file(&mint_path).expect("mint keypair");
        let rpc_url = ready["rpc_url"].as_str().expect("rpc_url").to_string();
        Self { child, _stdin: stdin, rpc_url, mint }
    }

    fn backend(&self) -> RpcBackend {
        let options = RpcOptions {
            commitment: solana_commitment_config::CommitmentConfig::confirmed(),
            ..RpcOptions::default()
        };
        RpcBackend::new(self.rpc_url.clone(), options)
    }
}

impl Drop for Validator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn fund(chain: &Medchain<RpcBackend>, mint: &Keypair, wallets: &[&Keypair]) {
    let transfers: Vec<_> = wallets
        .iter()
        .map(|w| {
            solana_system_interface::instruction::transfer(&mint.pubkey(), &w.pubkey(), 20 * SOL)
        })
        .collect();
    chain.backend().send(&transfers, mint, &[]).await.expect("fund from the mint");
}

/// The `medchain` binary against the validator, with HOME in `dir` (no user config).
struct Cli<'a> {
    dir: &'a Path,
    url: &'a str,
}

impl Cli<'_> {
    fn key(&self, name: &str, keypair: &Keypair) -> String {
        let path = self.dir.join(format!("{name}.json"));
        write_keypair_file(keypair, &path).expect("write keypair");
        path.display().to_string()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("medchain").expect("binary");
        cmd.env("HOME", self.dir)
            .env_remove("MEDCHAIN_LEDGER")
            .env_remove("MEDCHAIN_PROGRAM_SO")
            .args(["-u", self.url, "--commitment", "confirmed"])
            .args(args);
        cmd
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        let out = self.cmd(&all).assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap_or_else(|e| {
            panic!("{args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out))
        })
    }
}

/// One HTTP/1.1 request to the local `serve`, returning (status, headers, body).
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to serve");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let body = body.unwrap_or("");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a full response");
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// `medchain serve` on the validator; killed when dropped.
struct Serve(Child);

impl Serve {
    fn start(cli: &Cli, fee_payer: &str) -> (Self, u16) {
        let port = free_port();
        let bin = assert_cmd::cargo::cargo_bin("medchain");
        let base = format!("http://127.0.0.1:{port}");
        let mut child = std::process::Command::new(bin)
            .env("HOME", cli.dir)
            .args(["-u", cli.url, "--commitment", "confirmed", "serve", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--base-url", &base, "--fee-payer", fee_payer])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start medchain serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("listening on") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(60)).expect("serve starts");
        (Self(child), port)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the SBF .so and tools/test-validator: run by .ci/run"]
async fn the_sbf_program_on_a_real_validator_over_rpc() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let admin = Keypair::new();
    let validator = Validator::start(dir.path(), &admin);
    eprintln!("validator up at {} in {:?}", validator.rpc_url, started.elapsed());
    let chain = Medchain::new(validator.backend());
    let (issuer, doctor, patient, clinic) =
        (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    fund(&chain, &validator.mint, &[&admin, &issuer, &doctor, &patient, &clinic]).await;

    // The program is deployed upgradeable, as on a real cluster.
    let program = chain.backend().account(&medchain::ID).await.expect("rpc").expect("deployed");
    assert_eq!(program.owner, anchor_lang::solana_program::bpf_loader_upgradeable::ID);
    assert!(program.executable);

    // 1. The CLI: the upgrade authority initialises, then the whole consent flow.
    let cli = Cli { dir: dir.path(), url: &validator.rpc_url };
    let intruder = cli.key("intruder", &issuer);
    let refused = cli.cmd(&["-k", &intruder, "admin", "initialize"]).assert().failure();
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert_eq!(refused.get_output().status.code(), Some(4), "{stderr}");
    assert!(stderr.to_lowercase().contains("upgrade authority"), "{stderr}");
    let admin_file = cli.key("admin", &admin);
    let init = cli.json(&["-k", &admin_file, "admin", "initialize"]);
    assert_eq!(init["action"], "initialize");
    let (issuer_file, doctor_file, patient_file, clinic_file) = (
        cli.key("issuer", &issuer),
        cli.key("doctor", &doctor),
        cli.key("patient", &patient),
        cli.key("clinic", &clinic),
    );
    let (issuer_pk, doctor_pk, patient_pk) =
        (issuer.pubkey().to_string(), doctor.pubkey().to_string(), patient.pubkey().to_string());
    cli.json(&["-k", &admin_file, "admin", "add-issuer", &issuer_pk, "--break-glass"]);
    let credential = dir.path().join("licence.txt");
    std::fs::write(&credential, b"synthetic licence, no real data").expect("credential");
    cli.json(&[
        "-k",
        &issuer_file,
        "issuer",
        "register-provider",
        "--provider-keypair",
        &doctor_file,
        "--credential-file",
        credential.to_str().expect("utf8"),
        "--kind",
        "physician",
    ]);
    cli.json(&["-k", &patient_file, "patient", "register"]);
    let ask = |categories: &str, days: &str| {
        let args = ["provider", "request", &patient_pk, "--categories", categories, "--days", days];
        cli.json(&[&["-k", doctor_file.as_str()][..], &args].concat())
    };
    let request = ask("imaging,labs", "30");
    let nonce = request["nonce"].as_u64().expect("nonce").to_string();
    let pending = cli.json(&["-k", &patient_file, "patient", "requests"]);
    assert_eq!(pending["pending_requests"].as_array().expect("list").len(), 1);
    cli.json(&[
        "-k", &patient_file, "patient", "approve", &doctor_pk, "--nonce", &nonce, "--actions",
        "read",
    ]);
    let read = |category: &str| {
        cli.json(&[
            "-k", &doctor_file, "provider", "record-access", &patient_pk, "--category", category,
        ])
    };
    let granted = read("imaging");
    assert_eq!(
        (granted["allowed"].as_bool(), granted["reason"].as_str()),
        (Some(true), Some("granted"))
    );
    let denied = read("mental-health");
    assert_eq!(
        (denied["allowed"].as_bool(), denied["reason"].as_str()),
        (Some(false), Some("category_not_covered"))
    );
    cli.json(&["-k", &patient_file, "patient", "revoke", &doctor_pk]);
    let after = read("imaging");
    assert_eq!(after["reason"], "consent_revoked");
    let consent =
        cli.json(&["consent", "show", "--patient", &patient_pk, "--provider", &doctor_pk]);
    assert_eq!(
        (consent["granted_count"].as_u64(), consent["denied_count"].as_u64()),
        (Some(1), Some(2))
    );
    // The audit trail, rebuilt from getSignaturesForAddress + getTransaction.
    let audit = cli.json(&["-k", &patient_file, "patient", "audit"]);
    let entries = audit["audit"].as_array().expect("audit entries");
    let reasons: Vec<&str> =
        entries.iter().filter_map(|e| e["access"]["reason"].as_str()).collect();
    assert_eq!(reasons, ["consent_revoked", "category_not_covered", "granted"], "newest first");
    for instruction in ["register_patient", "request_access", "approve_request", "revoke_consent"] {
        assert!(
            entries.iter().any(|e| e["instruction"] == instruction && e["succeeded"] == true),
            "{instruction} missing from the audit trail: {entries:?}"
        );
    }
    let export = cli.json(&["audit", "export", "--patient", &patient_pk]);
    assert_eq!(export["resourceType"], "Bundle");
    let events = export["entry"].as_array().expect("entries");
    let failures = events.iter().filter(|e| e["resource"]["outcome"] != "0").count();
    assert!(failures >= 2, "the two denied reads are AuditEvents with a failure outcome: {export}");
    eprintln!("CLI flow passed at {:?}", started.elapsed());

    // 2. `medchain serve` on RPC: the wallet's approve action, signed by the patient.
    let second = ask("labs", "7");
    let request_address = second["request"].as_str().expect("request address").to_string();
    let (_serve, port) = Serve::start(&cli, &clinic_file);
    let genesis = chain.backend().client().get_genesis_hash().await.expect("genesis hash");
    let caip2 = format!("solana:{}", &genesis.to_string()[..32]);
    let (status, headers, body) =
        http(port, "GET", &format!("/api/actions/approve/{request_address}"), None);
    assert_eq!(status, 200, "{body}");
    assert!(
        headers.contains(&format!("x-blockchain-ids: {}", caip2.to_ascii_lowercase())),
        "{headers}"
    );
    let post = format!("{{\"account\":\"{patient_pk}\"}}");
    let (status, _, body) =
        http(port, "POST", &format!("/api/actions/approve/{request_address}"), Some(&post));
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    let bytes = base64_decode(answer["transaction"].as_str().expect("transaction"));
    let mut tx: Transaction = bincode::deserialize(&bytes).expect("a legacy transaction");
    assert_eq!(tx.message.account_keys[0], clinic.pubkey(), "the clinic pays");
    let blockhash = tx.message.recent_blockhash;
    tx.partial_sign(&[&patient], blockhash);
    chain.backend().send_transaction(&tx).await.expect("the patient's signed approval lands");
    let consents = chain.consents_of_patient(&patient.pubkey()).await.expect("consents");
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].1.status, medchain::state::ConsentStatus::Active, "approved again");
    eprintln!("serve action passed at {:?}", started.elapsed());

    // 3. The SDK's conformance scenarios over RPC (the registry exists; same admin).
    let cast = scenarios::Cast {
        admin: admin.insecure_clone(),
        issuer: Keypair::new(),
        provider: Keypair::new(),
        patient: Keypair::new(),
    };
    fund(&chain, &validator.mint, &[&cast.issuer, &cast.provider]).await;
    scenarios::setup(&chain, &cast).await.expect("setup over RPC");
    scenarios::consent_lifecycle(&chain, &cast).await.expect("consent lifecycle over RPC");
    scenarios::errors_are_typed(&chain, &cast).await.expect("typed errors over RPC");
    eprintln!("conformance scenarios passed at {:?}", started.elapsed());
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64")
}
