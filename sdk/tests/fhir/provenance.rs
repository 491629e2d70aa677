//! Provenance.

use super::*;

fn anchor_part<'a>(r: &'a Value, name: &str) -> &'a Value {
    let ext = r["extension"]
        .as_array()
        .expect("extensions")
        .iter()
        .find(|e| e["url"] == ANCHOR_EXTENSION_URL)
        .expect("anchor extension");
    ext["extension"]
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["url"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_first_version_anchor_is_a_signed_create_provenance() {
    let rec = record(1, Pubkey::default(), AuthorKind::Provider);
    let sig = signature_b58(21);
    let r = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::Record { record: &rec, address: key(40) },
        target: Some("Observation/obs-synthetic-1/_history/1"),
        author_wallet: provider_wallet(),
        signature: Some(&sig),
    })
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["target"][0]["reference"], "Observation/obs-synthetic-1/_history/1");
    assert_eq!(r["recorded"], "2023-11-14T22:30:00Z");
    assert_eq!(r["activity"]["coding"][0]["code"], "CREATE");
    assert_eq!(r["agent"][0]["type"]["coding"][0]["code"], "author");
    assert_eq!(r["agent"][0]["who"]["identifier"]["value"], provider_wallet().to_string());
    assert!(r["agent"][0]["who"].get("type").is_none());
    assert!(r.get("entity").is_none());
    let s = &r["signature"][0];
    assert_eq!(s["type"][0]["system"], "urn:iso-astm:E1762-95:2013");
    assert_eq!(s["type"][0]["code"], "1.2.840.10065.1.12.1.1");
    assert_eq!(s["when"], r["recorded"]);
    assert_eq!(s["who"], r["agent"][0]["who"]);
    let data = base64::engine::general_purpose::STANDARD
        .decode(s["data"].as_str().expect("data"))
        .expect("base64");
    assert_eq!(data, [21u8; 64]);
    assert_eq!(bs58::encode(&data).into_string(), sig);
    assert_eq!(anchor_part(&r, "account")["valueIdentifier"]["value"], key(40).to_string());
    assert_eq!(anchor_part(&r, "contentHash")["valueString"], "ab".repeat(32));
    assert_eq!(anchor_part(&r, "recordVersion")["valuePositiveInt"], 1);
    assert_eq!(anchor_part(&r, "recordStatus")["valueCode"], "current");
}

#[test]
fn an_amendment_is_an_update_revising_the_previous_version() {
    let mut rec = record(2, key(41), AuthorKind::Patient);
    rec.status = RecordStatus::EnteredInError;
    let r = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::Record { record: &rec, address: key(42) },
        target: Some("Condition/cond-synthetic-1"),
        author_wallet: patient_wallet(),
        signature: None,
    })
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["activity"]["coding"][0]["code"], "UPDATE");
    assert_eq!(r["entity"][0]["role"], "revision");
    assert_eq!(r["entity"][0]["what"]["identifier"]["value"], key(41).to_string());
    assert_eq!(r["agent"][0]["who"]["type"], "Patient");
    assert!(r.get("signature").is_none());
    assert_eq!(anchor_part(&r, "recordVersion")["valuePositiveInt"], 2);
    assert_eq!(anchor_part(&r, "recordStatus")["valueCode"], "entered-in-error");
}

#[test]
fn a_batch_leaf_anchor_names_the_root_and_the_leaf() {
    let batch = RecordBatch {
        author: key(11),
        merkle_root: [0xcd; 32],
        batch_id: 9,
        leaf_count: 5,
        bump: 255,
        layout_version: 1,
        created_at: T0 + 7_200,
        reserved: [0; 16],
    };
    let sig = signature_b58(33);
    let r = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::BatchLeaf {
            batch: &batch,
            address: key(50),
            leaf_index: 3,
            content_hash: [0xef; 32],
        },
        target: Some("urn:uuid:0b9a2f52-4f0e-4c4f-9d1e-000000000004"),
        author_wallet: provider_wallet(),
        signature: Some(&sig),
    })
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["recorded"], "2023-11-15T00:13:20Z");
    assert_eq!(anchor_part(&r, "merkleRoot")["valueString"], "cd".repeat(32));
    assert_eq!(anchor_part(&r, "contentHash")["valueString"], "ef".repeat(32));
    assert_eq!(anchor_part(&r, "leafIndex")["valueUnsignedInt"], 3);
    assert_eq!(anchor_part(&r, "leafCount")["valueUnsignedInt"], 5);
    assert_eq!(r["activity"]["coding"][0]["code"], "CREATE");

    let huge = RecordBatch { leaf_count: u64::MAX, ..batch };
    assert!(matches!(
        record_anchor_to_provenance(&RecordAnchor {
            anchor: Anchor::BatchLeaf {
                batch: &huge,
                address: key(50),
                leaf_index: 0,
                content_hash: [0xef; 32],
            },
            target: Some("Observation/x"),
            author_wallet: provider_wallet(),
            signature: None,
        }),
        Err(FhirError::NumberOutOfRange { field: "leaf_count", .. })
    ));
}

#[test]
fn provenance_rejects_a_malformed_signature() {
    let rec = record(1, Pubkey::default(), AuthorKind::Provider);
    let short = bs58::encode([1u8; 32]).into_string();
    assert!(matches!(
        record_anchor_to_provenance(&RecordAnchor {
            anchor: Anchor::Record { record: &rec, address: key(40) },
            target: Some("Observation/x"),
            author_wallet: provider_wallet(),
            signature: Some(&short),
        }),
        Err(FhirError::InvalidSignature(_))
    ));
}

#[test]
fn without_a_reference_the_target_is_named_by_the_anchoring_account() {
    let rec = record(1, Pubkey::default(), AuthorKind::Provider);
    let r = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::Record { record: &rec, address: key(40) },
        target: None,
        author_wallet: provider_wallet(),
        signature: None,
    })
    .expect("maps");
    assert_valid(&r);
    assert_eq!(r["target"][0]["identifier"]["system"], SOLANA_PUBKEY_SYSTEM);
    assert_eq!(r["target"][0]["identifier"]["value"], key(40).to_string());
    assert!(r["target"][0].get("reference").is_none());

    let batch = RecordBatch {
        author: key(11),
        merkle_root: [0xcd; 32],
        batch_id: 7,
        leaf_count: 1_000,
        bump: 255,
        layout_version: 1,
        created_at: T0,
        reserved: [0; 16],
    };
    let b = record_anchor_to_provenance(&RecordAnchor {
        anchor: Anchor::Batch { batch: &batch, address: key(43) },
        target: None,
        author_wallet: provider_wallet(),
        signature: Some(&signature_b58(8)),
    })
    .expect("maps");
    assert_valid(&b);
    assert_eq!(b["target"][0]["identifier"]["value"], key(43).to_string());
    assert_eq!(anchor_part(&b, "merkleRoot")["valueString"], "cd".repeat(32));
    assert_eq!(anchor_part(&b, "leafCount")["valueUnsignedInt"], 1_000);
    assert_eq!(b["activity"]["coding"][0]["code"], "CREATE");
    assert!(!b.to_string().contains("leafIndex"), "a whole batch has no leaf");
}
