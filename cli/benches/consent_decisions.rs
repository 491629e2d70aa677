//! Benchmark (not a test): consent decisions on an embedded ledger holding 10,000 consents.
//!
//! What a hospital's integration engine waits for: a CDS Hooks `patient-consent-consult`
//! body is parsed, the identifiers are resolved through the clinic's map (1,000 MRNs, 10
//! NPIs), the chain is read and the program's rule decides, and the card is written as JSON
//! — everything `POST /cds-services/patient-consent-consult` does but the HTTP framing. Read
//! only, and recording (each consult also sent as a `record_access` transaction). The
//! requests mix permits, partial permits, denials (revoked, expired, not covered) and
//! unknown patients.
//!
//! Run: `cargo bench -p medchain-cli --bench consent_decisions` (about a minute).
//! Knobs: `MEDCHAIN_BENCH_CONSULTS` (read-only consults, default 5000),
//! `MEDCHAIN_BENCH_RECORDED` (recorded consults, default 300).

mod common;

use anchor_lang::prelude::Pubkey;
use common::{ms, percentile};
use medchain_sdk::decision::response::{cds_hooks_response, Source};
use medchain_sdk::decision::{ConsultRequest, DecisionConfig, DecisionService};
use medchain_sdk::identity::{caip10, Identifier, IdentifierMap, Role};
use medchain_sdk::state::{ConsentTerms, Scope};
use medchain_sdk::vocabulary::{actions, categories, purposes};
use medchain_sdk::{Backend, EmbeddedBackend, Medchain};
use serde_json::json;
use solana_sdk::signature::{Keypair, Signer};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PATIENTS: usize = 1_000;
const PROVIDERS: usize = 10;
const MRN: &str = "http://hospital.example/mrn";
const NPI: &str = "http://hl7.org/fhir/sid/us-npi";

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The terms of consent `k` of a patient: most cover labs and imaging for treatment; one
/// in ten is revoked, one expired, one covers only immunizations.
fn terms(k: usize, now: i64) -> (ConsentTerms, bool) {
    let scope = |c| Scope::new(c, purposes::TREAT, actions::READ);
    match k {
        7 => (ConsentTerms::new(scope(categories::OBSERVATIONS), now + 86_400), true),
        8 => (ConsentTerms::new(scope(categories::OBSERVATIONS), now - 1), false),
        9 => (ConsentTerms::new(scope(categories::IMMUNIZATIONS), now + 86_400), false),
        _ => (
            ConsentTerms::new(scope(categories::OBSERVATIONS | categories::IMAGING), now + 86_400),
            false,
        ),
    }
}

/// The consult `i` asks about: patient, provider, classes.
fn consult_body(i: usize) -> String {
    let patient = if i % 20 == 19 {
        format!("MRN-UNKNOWN-{i}")
    } else {
        format!("MRN-{:05}", (i * 7) % PATIENTS)
    };
    let class = match i % 4 {
        0 => json!([{ "system": "http://hl7.org/fhir/resource-types", "code": "Observation" }]),
        1 => json!([{ "system": "http://hl7.org/fhir/resource-types", "code": "ImagingStudy" },
                    { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY" }]),
        2 => json!([{ "system": "http://hl7.org/fhir/resource-types", "code": "Condition" }]),
        _ => {
            json!([{ "system": "http://hl7.org/fhir/resource-types", "code": "DiagnosticReport" }])
        }
    };
    json!({
        "hook": "patient-consent-consult",
        "hookInstance": format!("bench-{i}"),
        "context": {
            "patientId": [{ "system": MRN, "value": patient }],
            "actor": [{ "system": NPI, "value": format!("{:010}", i % PROVIDERS) }],
            "purposeOfUse": ["TREAT"],
            "class": class,
        }
    })
    .to_string()
}

struct Run {
    latencies: Vec<Duration>,
    total: Duration,
    decisions: BTreeMap<String, usize>,
}

async fn run(
    service: &DecisionService<EmbeddedBackend>,
    chain_id: &str,
    range: std::ops::Range<usize>,
) -> Run {
    let source = Source { label: "bench".into(), url: "https://clinic.example".into() };
    let mut latencies = Vec::with_capacity(range.len());
    let mut decisions = BTreeMap::new();
    let started = Instant::now();
    for i in range {
        let body = consult_body(i);
        let start = Instant::now();
        let value: serde_json::Value = serde_json::from_str(&body).expect("json");
        let request = ConsultRequest::from_cds_hooks(&value).expect("request");
        let outcome = service.consult(&request).await.expect("consult");
        let based_on = outcome.consent.map(|(c, _)| service.consent_url(&c));
        let card = cds_hooks_response(&outcome, &source, chain_id, based_on);
        let text = card.to_string();
        latencies.push(start.elapsed());
        std::hint::black_box(text);
        *decisions.entry(outcome.verdict.decision.cds_code().to_string()).or_insert(0) += 1;
    }
    Run { total: started.elapsed(), latencies, decisions }
}

fn report(name: &str, run: Run) {
    let n = run.latencies.len();
    let per_second = n as f64 / run.total.as_secs_f64();
    let p50 = ms(percentile(run.latencies.clone(), 50));
    let p99 = ms(percentile(run.latencies, 99));
    let mix: Vec<String> = run.decisions.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("| {name} | {n} | {per_second:.0} | {p50:.3} ms | {p99:.3} ms | {} |", mix.join(", "));
}

#[tokio::main]
async fn main() {
    let consults = knob("MEDCHAIN_BENCH_CONSULTS", 5_000);
    let recorded = knob("MEDCHAIN_BENCH_RECORDED", 300);
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = EmbeddedBackend::open(dir.path()).expect("open");
    let now = ledger.unix_time().await.expect("time");
    let issuer = Pubkey::new_unique();
    let providers: Vec<Keypair> = (0..PROVIDERS).map(|_| Keypair::new()).collect();
    let mut identifiers = IdentifierMap::new();
    let mut accounts = Vec::new();
    for (k, p) in providers.iter().enumerate() {
        accounts.push(common::provider(&p.pubkey(), &issuer));
        identifiers
            .insert(Role::Actor, Identifier::new(NPI, format!("{k:010}")), p.pubkey())
            .expect("npi");
    }
    for i in 0..PATIENTS {
        let wallet = Pubkey::new_unique();
        accounts.push(common::patient(&wallet, PROVIDERS as u32));
        identifiers
            .insert(Role::Patient, Identifier::new(MRN, format!("MRN-{i:05}")), wallet)
            .expect("mrn");
        for (k, p) in providers.iter().enumerate() {
            let (terms, revoke) = terms(k, now);
            let (address, mut consent) = common::consent(&wallet, &p.pubkey(), &terms, now - 3_600);
            if revoke {
                consent.revoke(now - 60).expect("revoke");
            }
            accounts.push((address, common::account(&consent)));
        }
    }
    ledger.load_fixture_accounts(accounts).await.expect("load");
    for p in &providers {
        ledger.airdrop(&p.pubkey(), 1_000_000_000).await.expect("fund");
    }
    let chain = Arc::new(Medchain::new(ledger));
    let chain_id = chain.backend().chain_id().await.expect("chain id");
    let identifiers = Arc::new(identifiers);
    let service = |record: bool| {
        DecisionService::new(
            chain.clone(),
            DecisionConfig {
                chain_id: chain_id.clone(),
                identifiers: identifiers.clone(),
                fhir_base: "https://clinic.example/fhir".into(),
                record,
                provider_keys: if record {
                    providers.iter().map(Keypair::insecure_clone).collect()
                } else {
                    Vec::new()
                },
            },
        )
    };
    let read_only = service(false);
    let _warm = run(&read_only, &chain_id, 0..200).await;
    let reads = run(&read_only, &chain_id, 0..consults).await;
    let recording = service(true);
    let writes = run(&recording, &chain_id, 0..recorded).await;
    let example = caip10(&chain_id, &providers[0].pubkey());
    println!(
        "embedded ledger: {} consents, {PATIENTS} patients, {PROVIDERS} providers (e.g. {example}); identifier map {} entries",
        PATIENTS * PROVIDERS,
        identifiers.len()
    );
    println!("| mode | consults | decisions/s | p50 | p99 | decisions |");
    println!("|---|---:|---:|---:|---:|---|");
    report("read-only", reads);
    report("recording (record_access per attempt)", writes);
}
