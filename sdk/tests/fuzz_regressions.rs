//! Replays every fuzz target's seed corpus (`fuzz/corpus/<target>/`) and every past finding
//! (`fuzz/regressions/<target>/`) through the very target bodies that cargo-fuzz runs
//! (`fuzz/src/targets.rs`), on stable Rust, so that a fixed crash stays fixed.
//!
//! The seed corpora are generated from real medchain traffic by the ignored test
//! `write_seed_corpora` (see `fuzz/README.md`):
//! `cargo test --release -p medchain-sdk --features embedded --test fuzz_regressions -- --ignored`.

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

/// `fuzz/<kind>/<target>` in the repository.
fn inputs_dir(kind: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("fuzz").join(kind).join(target)
}

/// Runs `body` on every file of the target's corpus and regressions; returns how many.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    let mut replayed = 0;
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(inputs_dir(kind, target)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.is_file()) {
            let data = std::fs::read(path).expect("readable input");
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn instruction_data_inputs_replay_cleanly() {
    assert!(replay("instruction_data", targets::instruction_data) >= 20, "seed corpus present");
}

#[test]
fn account_data_inputs_replay_cleanly() {
    assert!(replay("account_data", targets::account_data) >= 8, "seed corpus present");
}

#[test]
fn canonical_json_inputs_replay_cleanly() {
    assert!(replay("canonical_json", targets::canonical_json) >= 10, "seed corpus present");
}

#[test]
fn merkle_proof_inputs_replay_cleanly() {
    assert!(replay("merkle_proof", targets::merkle_proof) >= 10, "seed corpus present");
}

#[test]
fn sealed_envelope_inputs_replay_cleanly() {
    assert!(replay("sealed_envelope", targets::sealed_envelope) >= 3, "seed corpus present");
}

#[test]
fn action_request_inputs_replay_cleanly() {
    assert!(replay("action_request", targets::action_request) >= 5, "seed corpus present");
}

/// The targets must find what they are written to find: a sample of broken inputs exercises
/// each one's error paths without a panic, and a known-good input passes its checks.
#[test]
fn targets_accept_garbage_without_panicking() {
    for garbage in [&b""[..], b"\0", b"{", b"[1,2", &[0xff; 64], b"\"\\ud800\""] {
        targets::instruction_data(garbage);
        targets::account_data(garbage);
        targets::canonical_json(garbage);
        targets::merkle_proof(garbage);
        targets::sealed_envelope(garbage);
        targets::action_request(garbage);
    }
}

#[cfg(feature = "embedded")]
mod seeds {
    //! Generates the seed corpora from a scenario on the embedded ledger.

    use super::inputs_dir;
    use medchain_sdk::backend::Backend;
    use medchain_sdk::client::RecordAccessArgs;
    use medchain_sdk::merkle::MerkleTree;
    use medchain_sdk::seal::{EncryptionSecretKey, KeyFile};
    use medchain_sdk::state::{ConsentTerms, ProviderKind, RequestTerms, Scope};
    use medchain_sdk::vocabulary::{actions, categories, purposes};
    use medchain_sdk::{instructions as ix, pda, Medchain};
    use sha2::{Digest, Sha256};
    use solana_sdk::signature::{Keypair, Signer};

    /// Replaces the seeds of `target` with `inputs`, as `fuzz/corpus/<target>/<sha256 prefix>`.
    fn write(target: &str, inputs: &[Vec<u8>]) {
        let dir = inputs_dir("corpus", target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clear the old seeds");
        }
        std::fs::create_dir_all(&dir).expect("corpus dir");
        for input in inputs {
            let name = hex::encode(&Sha256::digest(input)[..8]);
            std::fs::write(dir.join(name), input).expect("write seed");
        }
    }

    /// JSON documents for the canonicaliser: the synthetic FHIR bundle, and the shapes RFC
    /// 8785 cares about (escapes, numbers, key order, nesting).
    fn json_seeds() -> Vec<Vec<u8>> {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fhir");
        let bundle = std::fs::read(fixtures.join("bundle-synthetic.json")).expect("bundle fixture");
        let mut seeds = vec![bundle];
        for doc in [
            r#"{"resourceType":"Observation","status":"final","valueQuantity":{"value":7.25,"unit":"mmol/L"}}"#,
            r#"{"b":[1e21,1e-7,-0,0.1,123456789012345680000],"a":{"\u00e9":"\u20ac\n\t\"","z":null}}"#,
            r#"[true,false,null,"",[],{},[[[{"k":[1,2,{"x":"y"}]}]]]]"#,
            r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Condition","id":"c1"}}]}"#,
            r#""\ud83d\ude00 surrogate pair""#,
            "  {\"spaced\" : [ 1 , 2 ]\n}\n",
            r#"{"dup":1,"dup":2}"#,
            "1.5e308",
            r#"{"deep":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}"#,
        ] {
            seeds.push(doc.as_bytes().to_vec());
        }
        seeds
    }

    /// The known-answer envelope, its provider's key file, and two broken variants.
    fn envelope_seeds() -> Vec<Vec<u8>> {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seal/kat-v1.json");
        let kat: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fixture).expect("fixture")).expect("json");
        let envelope = kat["envelope"].as_str().expect("envelope").as_bytes().to_vec();
        let secret = hex::decode(kat["provider_secret_key"].as_str().expect("key")).expect("hex");
        let key = EncryptionSecretKey::from_bytes(secret.try_into().expect("32 bytes"));
        let key_file = serde_json::to_vec(&KeyFile::new(&key)).expect("key file");
        let mut truncated = envelope.clone();
        truncated.truncate(envelope.len() / 2);
        let other_version = String::from_utf8(envelope.clone())
            .expect("utf-8")
            .replace("medchain-sealed-v1", "medchain-sealed-v9")
            .into_bytes();
        vec![envelope, key_file, truncated, other_version]
    }

    /// Narrowing queries, a signed grant proposal, POST bodies.
    fn action_seeds() -> Vec<Vec<u8>> {
        use medchain_sdk::actions::proposal::GrantProposal;
        let provider = Keypair::new();
        let proposal = GrantProposal {
            provider: provider.pubkey(),
            terms: RequestTerms::new(
                Scope::new(
                    categories::IMAGING | categories::OBSERVATIONS,
                    purposes::TREAT,
                    actions::READ,
                ),
                30 * 86_400,
            ),
            valid_until: 4_102_444_800,
            patient: Some(Keypair::new().pubkey()),
        };
        let signed = proposal.sign(&provider).expect("sign");
        let mut seeds = vec![signed.to_query().into_bytes()];
        for query in [
            "categories=imaging&days=7",
            "purposes=TREAT&actions=read",
            "categories=imaging%2Clabs&purposes=TREAT&actions=read&days=30",
            "days=0",
            "categories=genetics,mental-health",
        ] {
            seeds.push(query.as_bytes().to_vec());
        }
        seeds.push(format!(r#"{{"account":"{}"}}"#, provider.pubkey()).into_bytes());
        seeds.push(br#"{"account":"not-a-key"}"#.to_vec());
        seeds
    }

    /// Proofs as JSON, and structured inputs (count, index, flip position, leaf seed).
    fn merkle_seeds() -> Vec<Vec<u8>> {
        let leaves: Vec<[u8; 32]> = (0u8..7).map(|i| Sha256::digest([i]).into()).collect();
        let tree = MerkleTree::from_leaves(&leaves).expect("tree");
        let mut seeds = Vec::new();
        for index in 0..leaves.len() {
            let proof = tree.proof(index).expect("proof");
            seeds.push(serde_json::to_vec(&proof).expect("json"));
        }
        seeds.push(br#"{"leaf_index":0,"leaf_count":0,"path":[]}"#.to_vec());
        seeds.push(
            br#"{"leaf_index":18446744073709551615,"leaf_count":18446744073709551615,"path":[]}"#
                .to_vec(),
        );
        for (count, index) in [(0u8, 0u8), (1, 0), (6, 5), (63, 40), (31, 31)] {
            seeds.push([count, index, 3, 1, b'l', b'e', b'a', b'f'].to_vec());
        }
        seeds
    }

    /// Instructions the scenario does not send, built with arbitrary keys (only the data
    /// matters to the target).
    fn builder_seeds() -> Vec<solana_sdk::instruction::Instruction> {
        let [a, b, c] = [(); 3].map(|_| solana_sdk::pubkey::Pubkey::new_unique());
        let terms = ConsentTerms {
            scope: Scope::new(
                categories::GENETICS | categories::IMAGING,
                purposes::TREAT | purposes::ETREAT,
                actions::VALID,
            ),
            expires_at: i64::MAX,
        };
        vec![
            ix::propose_admin(&a, &b),
            ix::accept_admin(&a),
            ix::pause(&a),
            ix::unpause(&a),
            ix::set_issuer_break_glass(&a, &b, false),
            ix::remove_issuer(&a, &b, &c),
            ix::suspend_provider(&a, &b),
            ix::reinstate_provider(&a, &b),
            ix::deny_request(&a, &b, u64::MAX),
            ix::cancel_request(&a, &b, 0),
            ix::close_request(&a, &b),
            ix::grant_consent(&a, &b, &c, terms),
            ix::update_consent(&a, &b, terms),
            ix::close_consent(&a, &b, &c, &a),
            ix::remove_delegate(&a, &b, &c),
            ix::delegate_grant_consent(&a, &b, &c, &a, terms),
            ix::delegate_revoke_consent(&a, &b, &c),
            ix::review_emergency_access(&a, &b, true),
            ix::set_break_glass_policy(&a, false),
            ix::mark_entered_in_error(&a, &b, &c),
        ]
    }

    #[tokio::test]
    #[ignore = "writes fuzz/corpus; run when instructions or accounts change"]
    async fn write_seed_corpora() {
        let dir = tempfile::tempdir().expect("tempdir");
        let chain = Medchain::embedded(dir.path()).expect("embedded ledger");
        let [admin, issuer, doctor, patient, delegate] = [(); 5].map(|_| Keypair::new());
        chain.fund(&[&admin, &issuer, &doctor]).await.expect("fund");
        chain.initialize(&admin, None).await.expect("initialize");
        chain.add_issuer(&admin, &issuer.pubkey(), true).await.expect("issuer");
        chain
            .register_provider(&issuer, &doctor, [3; 32], ProviderKind::Physician)
            .await
            .expect("provider");
        chain.register_patient(&patient, &doctor).await.expect("patient");
        let me = patient.pubkey();
        let terms = RequestTerms::new(
            Scope::new(
                categories::IMAGING | categories::OBSERVATIONS,
                purposes::TREAT,
                actions::READ | actions::WRITE,
            ),
            86_400,
        );
        chain.request_access(&doctor, &me, 1, terms).await.expect("request");
        chain
            .approve_request(&patient, &doctor, &doctor.pubkey(), 1, terms)
            .await
            .expect("approve");
        let now = chain.backend().unix_time().await.expect("clock");
        let scope = ConsentTerms {
            scope: Scope::new(categories::ALL_STANDARD, purposes::TREAT, actions::READ),
            expires_at: now + 30 * 86_400,
        };
        let steps = [
            (ix::add_delegate(&me, &doctor.pubkey(), &delegate.pubkey(), 3, scope), &patient),
            (
                ix::anchor_record_by_provider(
                    &doctor.pubkey(),
                    &doctor.pubkey(),
                    &me,
                    [5; 32],
                    [6; 32],
                    categories::IMAGING,
                    purposes::TREAT,
                ),
                &doctor,
            ),
            (ix::anchor_batch(&doctor.pubkey(), 1, [8; 32], 7), &doctor),
            (ix::open_emergency_access(&doctor.pubkey(), &issuer.pubkey(), &me, 1, 3_600), &doctor),
            (ix::set_provider_encryption_key(&doctor.pubkey(), [9; 32]), &doctor),
        ];
        for (instruction, signer) in steps {
            chain.send(&[instruction], &doctor, &[signer]).await.expect("scenario step");
        }
        chain
            .record_access(
                &doctor,
                &me,
                RecordAccessArgs {
                    category: categories::IMAGING,
                    purpose: purposes::TREAT,
                    action: actions::READ,
                },
            )
            .await
            .expect("read");
        chain.revoke_consent(&patient, &doctor, &doctor.pubkey()).await.expect("revoke");

        let accounts = chain.backend().program_accounts(&[]).await.expect("accounts");
        write("account_data", &accounts.iter().map(|(_, a)| a.data.clone()).collect::<Vec<_>>());
        let mut instructions = Vec::new();
        for subject in [pda::patient(&me), pda::provider(&doctor.pubkey()), pda::registry()] {
            for tx in chain.backend().history(&subject, 100).await.expect("history") {
                instructions.extend(tx.instructions.into_iter().map(|i| i.data));
                instructions.extend(tx.return_data);
            }
        }
        instructions.extend(builder_seeds().into_iter().map(|i| i.data));
        instructions.sort();
        instructions.dedup();
        write("instruction_data", &instructions);
        write("canonical_json", &json_seeds());
        write("merkle_proof", &merkle_seeds());
        write("sealed_envelope", &envelope_seeds());
        write("action_request", &action_seeds());
    }
}
