//! `watch --patient WALLET`: a patient's requests, grants, revokes, access attempts and
//! break-glass openings as they happen ([`medchain_sdk::watch`]), one line (or one JSON
//! object) per event, until Ctrl-C. With `--server URL` it follows a running `medchain
//! serve`'s `GET /api/watch/{patient}` stream instead (the only way to watch the embedded
//! ledger, which that server holds) and prints the same lines.

use crate::args::wallet;
use crate::cli::Globals;
use crate::context::{Context, Target};
use crate::error::CliError;
use crate::output::{Output, OutputFormat};
use crate::sse::SseReader;
use clap::Args;
use medchain_sdk::SdkError;
use std::io::Write;
use std::time::Duration;

/// `watch`
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The patient's wallet (base58, or a keypair file).
    #[arg(long)]
    pub patient: String,
    /// Follow this `medchain serve` (e.g. http://127.0.0.1:8080) instead of reading the
    /// cluster: its GET /api/watch/<WALLET> stream, the only way to watch the embedded ledger.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
}

/// The sentence the embedded ledger gets: it is watched inside the process that holds it.
pub const EMBEDDED_HINT: &str = "the embedded ledger is held by `medchain serve` and only that \
process sees its commits: run `medchain serve` on it and follow it with `medchain watch \
--server http://127.0.0.1:PORT --patient <PATIENT_WALLET>` (or GET /api/watch/<PATIENT_WALLET>, \
server-sent events), or watch a cluster with -u";

/// How long `--server` waits for the connection and the response's headers.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `watch`: prints each event as it comes; returns on Ctrl-C or when the feed ends.
pub async fn run(globals: &Globals, args: WatchArgs) -> Result<Output, CliError> {
    let patient = wallet(&args.patient)?;
    if let Some(server) = &args.server {
        return follow(globals.output, server, &patient).await;
    }
    let embedded = Target::resolve(globals)?.url.is_none() || globals.ledger.is_some();
    let ctx = match Context::open(globals) {
        // Most often the ledger is locked by the very `medchain serve` to follow.
        Err(e) if embedded => return Err(CliError::bad(format!("{EMBEDDED_HINT} ({e})"))),
        other => other?,
    };
    if embedded {
        // Another process cannot see this ledger's commits, and holding the ledger here
        // would lock every other command out of it. An unknown patient is still reported.
        if ctx.chain.patient(&patient).await?.is_none() {
            return Err(unregistered(&patient));
        }
        return Err(CliError::bad(EMBEDDED_HINT));
    }
    let mut watch = match ctx.chain.watch_patient(&patient).await {
        Err(medchain_sdk::SdkError::AccountNotFound { .. }) => return Err(unregistered(&patient)),
        other => other?,
    };
    // On stderr in every output format: the subscription is in place from here on.
    eprintln!("watching patient {patient} on {} (Ctrl-C to stop)", ctx.chain.backend().describe());
    let mut stdout = std::io::stdout();
    loop {
        let next = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(Output::streamed()),
            next = watch.next(&ctx.chain) => next,
        };
        let event = match next {
            Some(event) => event?,
            None => return Ok(Output::streamed()),
        };
        let line = match ctx.output {
            OutputFormat::Display => {
                display_line(event.entry.unix_time, event.kind.as_str(), &event.summary)
            }
            OutputFormat::Json | OutputFormat::JsonCompact => serde_json::to_string(&event)
                .map_err(|e| CliError::Io(format!("cannot print an event: {e}")))?,
        };
        print_line(&mut stdout, &line)?;
    }
}

/// The display form of an event, the same in both modes.
fn display_line(unix_time: Option<i64>, kind: &str, summary: &str) -> String {
    let when = unix_time.map_or_else(String::new, |t| format!("{t} "));
    format!("{when}{kind:<20} {summary}")
}

fn print_line(stdout: &mut std::io::Stdout, line: &str) -> Result<(), CliError> {
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::Io(format!("cannot write to stdout: {e}")))
}

/// `--server URL`: follows `GET {URL}/api/watch/{patient}` and prints each event as the
/// direct mode does (the `data:` of each message is the event's compact JSON, printed as
/// is). Unreachable → exit 5 naming the URL; the server's 400/404 → exit 3 with its message.
async fn follow(
    format: OutputFormat,
    server: &str,
    patient: &solana_sdk::pubkey::Pubkey,
) -> Result<Output, CliError> {
    let base = server.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(CliError::bad(format!(
            "--server {server}: expected the http:// or https:// URL `medchain serve` printed"
        )));
    }
    let url = format!("{base}/api/watch/{patient}");
    let unreachable =
        |reason: String| CliError::Sdk(SdkError::Unreachable { url: url.clone(), reason });
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|e| CliError::Io(format!("cannot start an HTTP client: {e}")))?;
    let request = client.get(&url).header(reqwest::header::ACCEPT, "text/event-stream").send();
    let mut response = tokio::select! {
        _ = tokio::signal::ctrl_c() => return Ok(Output::streamed()),
        sent = tokio::time::timeout(CONNECT_TIMEOUT, request) => match sent {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(unreachable(error_chain(&e))),
            Err(_) => return Err(unreachable("no answer in 10 s".to_string())),
        },
    };
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| body.trim().to_string());
        return Err(match status.as_u16() {
            400 | 404 => CliError::bad(message),
            _ => unreachable(format!("HTTP {status}: {message}")),
        });
    }
    let is_stream = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_stream {
        return Err(unreachable(
            "the answer is not an event stream (is this `medchain serve`?)".to_string(),
        ));
    }
    // On stderr in every output format: the server subscribed before it answered.
    eprintln!("watching patient {patient} through {base} (Ctrl-C to stop)");
    let mut reader = SseReader::new();
    let mut stdout = std::io::stdout();
    loop {
        let chunk = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(Output::streamed()),
            chunk = response.chunk() => chunk,
        };
        let chunk = match chunk {
            Ok(Some(chunk)) => chunk,
            // The server ended the stream (it is shutting down).
            Ok(None) => return Ok(Output::streamed()),
            Err(e) => return Err(unreachable(format!("the stream broke: {}", error_chain(&e)))),
        };
        for message in reader.feed(&chunk).map_err(unreachable)? {
            if message.event == "error" {
                return Err(unreachable(format!("the server's feed broke: {}", message.data)));
            }
            let event: serde_json::Value = serde_json::from_str(&message.data)
                .ok()
                .filter(serde_json::Value::is_object)
                .ok_or_else(|| {
                    unreachable(format!("an event that is not a JSON object: {}", message.data))
                })?;
            let line = match format {
                OutputFormat::Display => {
                    let field = |name: &str| event[name].as_str().unwrap_or_default().to_string();
                    display_line(event["unix_time"].as_i64(), &field("kind"), &field("summary"))
                }
                // The server sends `serde_json::to_string(&event)`, what the direct mode prints.
                OutputFormat::Json | OutputFormat::JsonCompact => message.data,
            };
            print_line(&mut stdout, &line)?;
        }
    }
}

/// An error and its sources, e.g. "error sending request: …: Connection refused".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn unregistered(patient: &solana_sdk::pubkey::Pubkey) -> CliError {
    CliError::bad(format!(
        "{patient} is not a registered patient (the patient registers with `medchain patient register`)"
    ))
}
