//! Bundle hashing.

use super::*;

const BUNDLE_FIXTURE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fhir/bundle-synthetic.json");

#[test]
fn bundle_hashes_match_content_hash_json_and_the_merkle_root() {
    let bytes = std::fs::read(BUNDLE_FIXTURE).expect("fixture");
    let hashes = bundle_to_hashes(&bytes).expect("hashes");
    let bundle: Value = serde_json::from_slice(&bytes).expect("json");
    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(hashes.entries.len(), 5);
    assert_eq!(entries.len(), 5);
    let expected_types =
        ["Patient", "Observation", "Condition", "MedicationRequest", "Immunization"];
    let mut expected = Vec::new();
    for (i, (entry, h)) in entries.iter().zip(&hashes.entries).enumerate() {
        let resource = serde_json::to_vec(&entry["resource"]).expect("serialise");
        let want = content_hash_json(&resource).expect("hash");
        // An independent RFC 8785 implementation agrees.
        let jcs = serde_json_canonicalizer::to_vec(&entry["resource"]).expect("jcs");
        assert_eq!(want, <[u8; 32]>::from(<sha2::Sha256 as sha2::Digest>::digest(&jcs)));
        assert_eq!(h.content_hash, want, "entry {i}");
        assert_eq!(h.index, i);
        assert_eq!(h.resource_type, expected_types[i]);
        assert_eq!(h.full_url.as_deref(), entry["fullUrl"].as_str());
        assert_eq!(h.id.as_deref(), entry["resource"]["id"].as_str());
        assert_eq!(h.content_hash_hex(), hex::encode(want));
        expected.push(want);
    }
    let root = MerkleTree::from_leaves(&expected).expect("tree").root();
    assert_eq!(hashes.merkle_root(), root);
    assert_eq!(hashes.merkle_root_hex(), hex::encode(root));
    assert_eq!(hashes.content_hashes(), expected);
    for (i, leaf) in expected.iter().enumerate() {
        let proof = hashes.tree.proof(i).expect("proof");
        proof.verify(&root, leaf).expect("inclusion");
    }

    // Reformatting the Bundle (compact, members in another order) changes nothing.
    let compact = serde_json::to_vec(&bundle).expect("compact");
    assert_eq!(bundle_to_hashes(&compact).expect("hashes"), hashes);
}

#[test]
fn exported_resources_hash_in_a_bundle() {
    let consent =
        export(&consent(categories::IMAGING, purposes::TREAT, actions::READ, T0 + DAY), T0);
    let audit = access_event_to_fhir(&access_event(
        categories::IMAGING,
        purposes::TREAT,
        actions::READ,
        AccessReason::Granted,
        None,
    ))
    .expect("audit");
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{ "resource": consent }, { "resource": audit }],
    });
    assert_valid(&bundle);
    let hashes =
        bundle_to_hashes(&serde_json::to_vec_pretty(&bundle).expect("json")).expect("hashes");
    assert_eq!(hashes.entries[0].resource_type, "Consent");
    assert_eq!(hashes.entries[0].id.as_deref(), Some(consent_address().to_string().as_str()));
    assert_eq!(hashes.entries[1].id, None);
    assert_eq!(hashes.entries[0].full_url, None);
    assert_eq!(
        hashes.entries[1].content_hash,
        content_hash_json(&serde_json::to_vec(&audit).expect("json")).expect("hash")
    );
}

#[test]
fn bundle_errors_are_typed() {
    assert!(matches!(
        bundle_to_hashes(b"{\"resourceType\": \"Bundle\", \"entry\": [}"),
        Err(FhirError::Json(_))
    ));
    assert!(matches!(
        bundle_to_hashes(b"{\"resourceType\":\"Bundle\",\"resourceType\":\"Bundle\"}"),
        Err(FhirError::Json(_))
    ));
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Patient", "id": "p"}"#),
        Err(FhirError::NotABundle { found: Some("Patient".into()) })
    );
    assert_eq!(bundle_to_hashes(br#"{"entry": []}"#), Err(FhirError::NotABundle { found: None }));
    assert!(matches!(bundle_to_hashes(b"[1, 2]"), Err(FhirError::Structure(_))));
    assert!(matches!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": {"resource": {}}}"#),
        Err(FhirError::Structure(_))
    ));
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "type": "batch"}"#),
        Err(FhirError::EmptyBundle)
    );
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": []}"#),
        Err(FhirError::EmptyBundle)
    );
    assert_eq!(
        bundle_to_hashes(
            br#"{"resourceType": "Bundle", "entry": [
                {"resource": {"resourceType": "Patient"}},
                {"request": {"method": "DELETE", "url": "Patient/1"}}]}"#
        ),
        Err(FhirError::EntryWithoutResource { index: 1 })
    );
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}"#),
        Err(FhirError::ResourceWithoutType { index: 0 })
    );
    assert_eq!(
        bundle_to_hashes(br#"{"resourceType": "Bundle", "entry": [{"resource": "Patient"}]}"#),
        Err(FhirError::ResourceWithoutType { index: 0 })
    );
}
