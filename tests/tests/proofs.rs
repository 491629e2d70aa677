//! Merkle batches end to end: record hashes computed by the SDK from synthetic FHIR JSON,
//! anchored in one transaction, and inclusion proofs verified against the on-chain root.

use medchain::state::RecordBatch;
use medchain_sdk::hashing::content_hash_json;
use medchain_sdk::merkle::{verify_batch_inclusion, MerkleTree};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::Signer;

/// A synthetic FHIR Observation (no real person; codes only).
fn observation(i: usize) -> String {
    format!(
        r#"{{"resourceType":"Observation","id":"obs-{i}","status":"final",
            "code":{{"coding":[{{"system":"http://loinc.org","code":"2345-7"}}]}},
            "subject":{{"reference":"Patient/synthetic-{}"}},
            "valueQuantity":{{"value":{}.{},"unit":"mg/dL"}}}}"#,
        i % 7,
        80 + i,
        i % 10
    )
}

async fn anchored_batch(h: &mut Harness, count: usize) -> (Vec<String>, MerkleTree, RecordBatch) {
    let (_, provider, _) = h.cast().await;
    let resources: Vec<String> = (0..count).map(observation).collect();
    let hashes: Vec<[u8; 32]> =
        resources.iter().map(|r| content_hash_json(r.as_bytes()).expect("valid JSON")).collect();
    let tree = MerkleTree::from_leaves(&hashes).expect("non-empty");
    h.send(
        &[ix::anchor_batch(&provider.pubkey(), 1, tree.root(), tree.len() as u64)],
        &[&provider],
    )
    .await
    .expect("anchor_batch");
    let batch: RecordBatch = h.account(&pda::batch(&pda::provider(&provider.pubkey()), 1)).await;
    (resources, tree, batch)
}

#[tokio::test]
async fn every_proof_verifies_against_the_on_chain_root() {
    let mut h = Harness::new().await;
    let (resources, tree, batch) = anchored_batch(&mut h, 37).await;
    assert_eq!(batch.merkle_root, tree.root());
    assert_eq!(batch.leaf_count, 37);
    for (i, resource) in resources.iter().enumerate() {
        let proof = tree.proof(i).expect("in range");
        assert!(proof.path.len() <= 6, "⌈log2 37⌉ = 6 hashes at most");
        let hash = content_hash_json(resource.as_bytes()).expect("valid JSON");
        verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &hash, &proof)
            .expect("verifies against the chain");
    }
}

#[tokio::test]
async fn flipping_any_byte_of_a_resource_breaks_verification() {
    let mut h = Harness::new().await;
    let (resources, tree, batch) = anchored_batch(&mut h, 9).await;
    let proof = tree.proof(4).expect("in range");
    let original = resources[4].as_bytes();
    for position in 0..original.len() {
        let mut tampered = original.to_vec();
        tampered[position] ^= 0x01;
        let verified = content_hash_json(&tampered).map(|hash| {
            verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &hash, &proof)
        });
        // Either the bytes are no longer JSON, or the hash (hence the proof) no longer matches.
        assert!(
            !matches!(verified, Ok(Ok(()))),
            "flipping byte {position} did not break the proof"
        );
    }
}

#[tokio::test]
async fn a_proof_fails_for_the_wrong_leaf_root_or_count() {
    let mut h = Harness::new().await;
    let (resources, tree, batch) = anchored_batch(&mut h, 12).await;
    let hash_3 = content_hash_json(resources[3].as_bytes()).expect("json");
    let mut wrong_index = tree.proof(3).expect("proof");
    wrong_index.leaf_index = 2;
    assert!(verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &hash_3, &wrong_index)
        .is_err());
    let other_leaf = tree.proof(5).expect("proof");
    assert!(
        verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &hash_3, &other_leaf).is_err()
    );
    let proof = tree.proof(3).expect("proof");
    let mut wrong_root = batch.merkle_root;
    wrong_root[0] ^= 1;
    assert!(verify_batch_inclusion(&wrong_root, batch.leaf_count, &hash_3, &proof).is_err());
    assert!(
        verify_batch_inclusion(&batch.merkle_root, batch.leaf_count + 1, &hash_3, &proof).is_err()
    );
    let mut tampered = tree.proof(3).expect("proof");
    tampered.path[0][7] ^= 0x80;
    assert!(
        verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &hash_3, &tampered).is_err()
    );
}
