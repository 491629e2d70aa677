//! The RPC backend's request/response handling, against solana-rpc-client's mock sender:
//! account queries decode medchain accounts, sends are confirmed and their errors typed,
//! and the audit history is rebuilt from `getSignaturesForAddress` + `getTransaction`.

use anchor_lang::AccountSerialize;
use base64::Engine as _;
use medchain::error::MedchainError;
use medchain::state::{AccessDecision, AccessReason, Consent, ConsentTerms, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda, Medchain, RpcBackend, RpcOptions, SdkError};
use serde_json::json;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::request::RpcRequest;
use solana_sdk::signature::{Keypair, Signer};
use std::collections::HashMap;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The mocks of a history of one transaction: `getSignaturesForAddress` lists it, and
/// `getTransaction` returns `tx` with `meta` (`err`, `status`, `fee` and the balances added).
fn one_transaction_history(
    tx: &solana_sdk::transaction::Transaction,
    slot: u64,
    mut meta: serde_json::Value,
) -> HashMap<RpcRequest, serde_json::Value> {
    let signature =
        "3AsdoALgZFuq2oUVWrDYhg2pNeaLJKPLf8hU2mQ6U8qJxeJ6hsrPVpMn9ma39DtfYCrDQSvngWRP8NnTpEhezJpE";
    for (key, value) in [
        ("err", json!(null)),
        ("status", json!({ "Ok": null })),
        ("fee", json!(5000)),
        ("preBalances", json!([])),
        ("postBalances", json!([])),
    ] {
        meta[key] = value;
    }
    HashMap::from([
        (
            RpcRequest::GetSignaturesForAddress,
            json!([{ "signature": signature, "slot": slot, "err": null, "memo": null, "blockTime": 1_700_000_000, "confirmationStatus": "finalized" }]),
        ),
        (
            RpcRequest::GetTransaction,
            json!({
                "slot": slot,
                "blockTime": 1_700_000_000,
                "transaction": [b64(&bincode::serialize(tx).expect("tx")), "base64"],
                "meta": meta,
                "version": "legacy"
            }),
        ),
    ])
}

fn chain_with(mocks: HashMap<RpcRequest, serde_json::Value>) -> Medchain<RpcBackend> {
    let client = RpcClient::new_mock_with_mocks("succeeds".to_string(), mocks);
    Medchain::new(RpcBackend::with_client(client, RpcOptions::default()))
}

#[tokio::test]
async fn program_account_queries_decode_consents() {
    let patient = Keypair::new();
    let provider = Keypair::new();
    let (patient_pda, provider_pda) =
        (pda::patient(&patient.pubkey()), pda::provider(&provider.pubkey()));
    let mut consent = Consent::new(patient_pda, provider_pda, provider.pubkey(), 254);
    let terms = ConsentTerms {
        scope: Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        expires_at: 2_000_000_000,
    };
    consent.apply_grant(&terms, 0, 1_700_000_000).expect("grant");
    let mut data = Vec::new();
    consent.try_serialize(&mut data).expect("serialize");
    let address = pda::consent(&patient_pda, &provider_pda);
    let mocks = HashMap::from([(
        RpcRequest::GetProgramAccounts,
        json!([{
            "pubkey": address.to_string(),
            "account": {
                "lamports": 2_004_480u64,
                "data": [b64(&data), "base64"],
                "owner": medchain::ID.to_string(),
                "executable": false,
                "rentEpoch": 0,
                "space": data.len(),
            }
        }]),
    )]);
    let chain = chain_with(mocks);
    let consents = chain.consents_of_patient(&patient.pubkey()).await.expect("query");
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].0, address);
    assert_eq!(consents[0].1.terms(), terms);
    assert_eq!(consents[0].1.version, 1);
}

#[tokio::test]
async fn a_sent_transaction_is_confirmed_and_its_signature_returned() {
    let chain = chain_with(HashMap::new());
    let payer = Keypair::new();
    let outcome = chain.register_patient(&Keypair::new(), &payer).await.expect("confirmed");
    assert_ne!(outcome.signature, solana_sdk::signature::Signature::default());
}

#[tokio::test]
async fn a_program_error_comes_back_typed() {
    let status = json!({
        "context": { "slot": 1 },
        "value": [{
            "slot": 1,
            "confirmations": null,
            "status": { "Err": { "InstructionError": [0, { "Custom": 6021 }] } },
            "err": { "InstructionError": [0, { "Custom": 6021 }] },
            "confirmationStatus": "finalized"
        }]
    });
    let chain = chain_with(HashMap::from([(RpcRequest::GetSignatureStatuses, status)]));
    let payer = Keypair::new();
    let err = chain
        .approve_request(
            &Keypair::new(),
            &payer,
            &Keypair::new().pubkey(),
            1,
            medchain::state::RequestTerms::new(Scope::new(1, 1, 1), 60),
        )
        .await
        .expect_err("the mock reports RequestNotPending");
    assert_eq!(err.program_error(), Some(MedchainError::RequestNotPending), "{err}");
    assert!(err.to_string().contains("not pending"), "human message: {err}");
}

#[tokio::test]
async fn priority_fee_and_compute_limit_are_prepended() {
    let client = RpcClient::new_mock("succeeds".to_string());
    let backend = RpcBackend::with_client(
        client,
        RpcOptions {
            priority_fee_micro_lamports: Some(1_000),
            compute_unit_limit: Some(200_000),
            ..RpcOptions::default()
        },
    );
    let budget = backend.budget_instructions();
    assert_eq!(budget.len(), 2);
    assert!(budget.iter().all(|i| i.program_id == solana_compute_budget_interface::ID));
}

#[tokio::test]
async fn the_audit_trail_is_rebuilt_from_transactions() {
    let provider = Keypair::new();
    let patient = Keypair::new();
    let payer = provider.pubkey();
    let instruction = ix::record_access(
        &provider.pubkey(),
        &patient.pubkey(),
        categories::IMAGING,
        purposes::TREAT,
        actions::READ,
    );
    let message = solana_sdk::message::Message::new(&[instruction], Some(&payer));
    let tx = solana_sdk::transaction::Transaction::new_unsigned(message);
    let decision =
        AccessDecision { allowed: false, reason: AccessReason::ConsentRevoked, consent_version: 3 };
    let decision_bytes = anchor_lang::prelude::borsh::to_vec(&decision).expect("borsh");
    let mocks = one_transaction_history(
        &tx,
        77,
        json!({ "returnData": { "programId": medchain::ID.to_string(), "data": [b64(&decision_bytes), "base64"] } }),
    );
    let chain = chain_with(mocks);
    let trail = chain.audit_trail(&patient.pubkey(), 10).await.expect("trail");
    assert_eq!(trail.len(), 1);
    let entry = &trail[0];
    assert_eq!(entry.instruction, "record_access");
    assert_eq!(entry.slot, 77);
    assert_eq!(entry.unix_time, Some(1_700_000_000));
    assert_eq!(entry.actor, provider.pubkey().to_string());
    let access = entry.access.as_ref().expect("access details");
    assert_eq!((access.category, access.allowed), (categories::IMAGING, Some(false)));
    assert_eq!(access.reason.as_deref(), Some("consent_revoked"));
}

#[tokio::test]
async fn an_unreachable_cluster_is_reported_as_such() {
    let chain = Medchain::new(RpcBackend::new("http://127.0.0.1:9", RpcOptions::default()));
    match chain.consent(&Keypair::new().pubkey(), &Keypair::new().pubkey()).await {
        Err(SdkError::Unreachable { url, .. }) => assert!(url.contains("127.0.0.1:9")),
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn an_externally_signed_transaction_is_sent_as_signed() {
    use medchain_sdk::Backend;
    let chain = chain_with(HashMap::new());
    let blockhash = chain.backend().latest_blockhash().await.expect("blockhash");
    let (clinic, patient) = (Keypair::new(), Keypair::new());
    let mut tx = solana_sdk::transaction::Transaction::new_with_payer(
        &[ix::register_patient(&patient.pubkey(), &clinic.pubkey())],
        Some(&clinic.pubkey()),
    );
    tx.partial_sign(&[&clinic], blockhash);
    tx.partial_sign(&[&patient], blockhash);
    let outcome = chain.backend().send_transaction(&tx).await.expect("confirmed");
    assert_eq!(outcome.signature, tx.signatures[0], "sent as is, not re-signed");
}

#[tokio::test]
async fn an_externally_signed_transaction_refused_by_the_program_comes_back_typed() {
    use medchain_sdk::Backend;
    let status = json!({
        "context": { "slot": 1 },
        "value": [{
            "slot": 1,
            "confirmations": null,
            "status": { "Err": { "InstructionError": [0, { "Custom": 6024 }] } },
            "err": { "InstructionError": [0, { "Custom": 6024 }] },
            "confirmationStatus": "finalized"
        }]
    });
    let chain = chain_with(HashMap::from([(RpcRequest::GetSignatureStatuses, status)]));
    let patient = Keypair::new();
    let mut tx = solana_sdk::transaction::Transaction::new_with_payer(
        &[ix::revoke_consent(&patient.pubkey(), &Keypair::new().pubkey())],
        Some(&patient.pubkey()),
    );
    tx.sign(&[&patient], chain.backend().latest_blockhash().await.expect("blockhash"));
    let err = chain.backend().send_transaction(&tx).await.expect_err("refused");
    assert_eq!(err.program_error(), Some(MedchainError::ConsentAlreadyActive), "{err}");
}

#[tokio::test]
async fn the_audit_trail_reads_old_and_new_values_from_the_events_in_transaction_metadata() {
    use anchor_lang::{AnchorSerialize, Discriminator};
    let patient = Keypair::new();
    let provider = Keypair::new();
    let old_terms = ConsentTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        1_800_000_000,
    );
    let new_terms = ConsentTerms::new(
        Scope::new(categories::IMAGING | categories::MENTAL_HEALTH, purposes::TREAT, actions::READ),
        1_900_000_000,
    );
    let instruction = ix::update_consent(&patient.pubkey(), &provider.pubkey(), new_terms);
    let message = solana_sdk::message::Message::new(&[instruction], Some(&patient.pubkey()));
    let program_index =
        message.account_keys.iter().position(|k| *k == medchain::ID).expect("program key");
    let tx = solana_sdk::transaction::Transaction::new_unsigned(message);
    let patient_pda = pda::patient(&patient.pubkey());
    let provider_pda = pda::provider(&provider.pubkey());
    let event = medchain::events::ConsentChanged {
        consent: pda::consent(&patient_pda, &provider_pda),
        patient: patient_pda,
        provider: provider_pda,
        old_version: 1,
        new_version: 2,
        old_status: 0,
        old_terms,
        new_terms,
        grantor: 0,
        at: 1_700_000_000,
    };
    let mut data = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
    data.extend_from_slice(medchain::events::ConsentChanged::DISCRIMINATOR);
    event.serialize(&mut data).expect("borsh");
    let inner = json!([{
        "index": 0,
        "instructions": [{
            "programIdIndex": program_index,
            "accounts": [],
            "data": bs58::encode(&data).into_string(),
            "stackHeight": 2
        }]
    }]);
    let mocks = one_transaction_history(&tx, 80, json!({ "innerInstructions": inner }));
    let chain = chain_with(mocks);
    let trail = chain.audit_trail(&patient.pubkey(), 10).await.expect("trail");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].instruction, "update_consent");
    let changed = &trail[0].events[0];
    assert_eq!(changed.name, "ConsentChanged");
    assert_eq!(changed.fields["old_terms"]["scope"]["categories"], json!(["imaging"]));
    assert_eq!(
        changed.fields["new_terms"]["scope"]["categories"],
        json!(["imaging", "mental-health"])
    );
    assert_eq!(changed.fields["new_terms"]["expires_at"], 1_900_000_000);
    // The FHIR export carries the same values.
    let bundle = medchain_sdk::fhir::audit_trail_bundle(&patient.pubkey(), &trail).expect("bundle");
    let text = bundle.to_string();
    assert!(text.contains("mental-health"), "{text}");
    assert_eq!(bundle["entry"][0]["resource"]["subtype"][0]["code"], "update_consent");
}

#[tokio::test]
async fn chain_id_is_the_caip2_id_of_the_genesis_hash() {
    use medchain_sdk::Backend;
    let genesis = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d";
    let mocks = HashMap::from([(RpcRequest::GetGenesisHash, json!(genesis))]);
    let chain = chain_with(mocks);
    let id = chain.backend().chain_id().await.expect("chain id");
    assert_eq!(id, "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "mainnet-beta's CAIP-2 id");
}
