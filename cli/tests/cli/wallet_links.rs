//! wallet links, QR codes and the Actions server.

use super::*;

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
        "-k", &c.doctor.0, "provider", "request", &c.patient.1, "--nonce", "6", "--base-url",
        "https://clinic.example", "--qr",
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
    use std::io::{Read, Write};
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
    let doctor_name = format!("{}=Dr. Rivera", c.doctor.1);
    let (mut child, address) = spawn_serve(
        &env,
        &[
            "--base-url", "https://clinic.example", "--fee-payer", &c.admin.0, "--provider-name",
            &doctor_name,
        ],
    );
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
                "--program", program, "-k", &c.patient.0, "consent", "list", "--patient",
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
