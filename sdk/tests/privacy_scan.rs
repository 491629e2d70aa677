//! Privacy scan: runs a full scenario for synthetic patients whose names, birth dates and
//! identifiers are known, then scans everything the ledger holds — every account's data and
//! every transaction's instruction data, i.e. the whole ledger file — for any of those values:
//! raw, lower-cased, UTF-16 (LE and BE), and hashed with SHA-256 without a salt. Only the
//! content hash of a whole record is allowed on-chain. A test of the scanner itself shows that
//! a deliberate leak is found.

#![cfg(feature = "embedded")]

use medchain_sdk::client::RecordAccessArgs;
use medchain_sdk::hashing::content_hash_json;
use medchain_sdk::state::{ProviderKind, RequestTerms, Scope};
use medchain_sdk::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, EmbeddedBackend, Medchain};
use sha2::{Digest, Sha256};
use solana_sdk::signature::{Keypair, Signer};

/// Synthetic people: (name, birth date, medical record number). Not real persons.
const PEOPLE: [(&str, &str, &str); 2] = [
    ("Zelda Quixoteson", "1961-07-14", "MRN-4417-2093"),
    ("Bartholomew Xanthopoulos", "1990-02-28", "MRN-8830-5521"),
];

/// Every encoding of `value` that must not appear.
fn needles(value: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("raw".to_string(), value.as_bytes().to_vec()),
        ("lower-case".to_string(), value.to_lowercase().into_bytes()),
        ("sha256".to_string(), Sha256::digest(value.as_bytes()).to_vec()),
    ];
    let utf16: Vec<u16> = value.encode_utf16().collect();
    out.push(("utf-16le".into(), utf16.iter().flat_map(|u| u.to_le_bytes()).collect()));
    out.push(("utf-16be".into(), utf16.iter().flat_map(|u| u.to_be_bytes()).collect()));
    out
}

/// Every (value, encoding) found in `haystack`.
fn scan(haystack: &[u8], values: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for value in values {
        for (encoding, needle) in needles(value) {
            if haystack.windows(needle.len()).any(|w| w == needle.as_slice()) {
                hits.push(format!("{value} ({encoding})"));
            }
        }
    }
    hits
}

fn sensitive_values() -> Vec<&'static str> {
    PEOPLE.iter().flat_map(|(name, dob, mrn)| [*name, *dob, *mrn]).collect()
}

/// A FHIR Patient resource for a synthetic person (kept off-chain; only its hash is anchored).
fn patient_resource(name: &str, dob: &str, mrn: &str) -> String {
    format!(
        r#"{{"resourceType":"Patient","identifier":[{{"system":"urn:oid:2.16.840.1.113883.19.5","value":"{mrn}"}}],"name":[{{"text":"{name}"}}],"birthDate":"{dob}"}}"#
    )
}

async fn full_scenario(chain: &Medchain<EmbeddedBackend>) {
    let [admin, issuer, doctor] = [(); 3].map(|_| Keypair::new());
    chain.fund(&[&admin, &issuer, &doctor]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("initialize");
    chain.add_issuer(&admin, &issuer.pubkey(), true).await.expect("issuer");
    chain
        .register_provider(&issuer, &doctor, [3; 32], ProviderKind::Hospital)
        .await
        .expect("provider");
    for (i, (name, dob, mrn)) in PEOPLE.iter().enumerate() {
        let patient = Keypair::new();
        let me = patient.pubkey();
        chain.register_patient(&patient, &doctor).await.expect("patient");
        let nonce = i as u64 + 1;
        let terms = RequestTerms::new(
            Scope::new(categories::ALL_STANDARD, purposes::TREAT, actions::READ | actions::WRITE),
            86_400,
        );
        chain.request_access(&doctor, &me, nonce, terms).await.expect("request");
        chain
            .approve_request(&patient, &doctor, &doctor.pubkey(), nonce, terms)
            .await
            .expect("approve");
        let resource = patient_resource(name, dob, mrn);
        let hash = content_hash_json(resource.as_bytes()).expect("json");
        let record_id: [u8; 32] = Sha256::digest(hash).into();
        let anchor = ix::anchor_record_by_provider(
            &doctor.pubkey(),
            &doctor.pubkey(),
            &me,
            record_id,
            hash,
            categories::DEMOGRAPHICS,
            purposes::TREAT,
        );
        chain.send(&[anchor], &doctor, &[]).await.expect("anchor");
        chain
            .record_access(
                &doctor,
                &me,
                RecordAccessArgs {
                    category: categories::DEMOGRAPHICS,
                    purpose: purposes::TREAT,
                    action: actions::READ,
                },
            )
            .await
            .expect("read");
        chain.revoke_consent(&patient, &doctor, &doctor.pubkey()).await.expect("revoke");
        chain
            .record_access(
                &doctor,
                &me,
                RecordAccessArgs {
                    category: categories::DEMOGRAPHICS,
                    purpose: purposes::TREAT,
                    action: actions::READ,
                },
            )
            .await
            .expect("denied read");
    }
}

#[tokio::test]
async fn no_personal_data_reaches_the_ledger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Medchain::embedded(dir.path()).expect("open");
    full_scenario(&chain).await;
    let (accounts, transactions) = chain.backend().stats().await;
    assert!(
        accounts > 10 && transactions > 15,
        "the scenario ran ({accounts} accounts, {transactions} transactions)"
    );
    drop(chain);
    // The ledger file holds every account's data and every transaction's instructions.
    let ledger = std::fs::read(dir.path().join("ledger.bin")).expect("ledger");
    let hits = scan(&ledger, &sensitive_values());
    assert!(hits.is_empty(), "personal data found on the ledger: {hits:?}");
}

#[tokio::test]
async fn the_scanner_finds_a_deliberate_leak() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Medchain::embedded(dir.path()).expect("open");
    full_scenario(&chain).await;
    // A leak: a program account whose data carries a birth date (as a careless program might).
    let leak = solana_sdk::account::Account {
        lamports: 1_000_000,
        data: [b"patient:".as_slice(), "1961-07-14".as_bytes()].concat(),
        owner: medchain::ID,
        executable: false,
        rent_epoch: u64::MAX,
    };
    chain
        .backend()
        .load_fixture_accounts([(anchor_lang::prelude::Pubkey::new_unique(), leak)])
        .await
        .expect("leak");
    drop(chain);
    let ledger = std::fs::read(dir.path().join("ledger.bin")).expect("ledger");
    assert_eq!(scan(&ledger, &sensitive_values()), ["1961-07-14 (raw)", "1961-07-14 (lower-case)"]);
    // Each encoding is detected on its own.
    let name = "Zelda Quixoteson";
    for (encoding, needle) in needles(name) {
        let mut haystack = vec![0u8; 17];
        haystack.extend_from_slice(&needle);
        haystack.extend_from_slice(&[9; 5]);
        assert!(
            scan(&haystack, &[name]).iter().any(|h| h.ends_with(&format!("({encoding})"))),
            "{encoding}"
        );
    }
}
