//! The fuzz targets' bodies: each takes arbitrary bytes, feeds them to a parser of untrusted
//! input, and checks the properties that must hold whatever the bytes (no panic, and more).
//!
//! This file is compiled twice: by the cargo-fuzz crate (`fuzz/`, nightly, libFuzzer) and,
//! through `#[path]`, by `sdk/tests/fuzz_regressions.rs` on stable, which replays the seed
//! corpora and every past finding. It may therefore only name external crates that both
//! have: `medchain`, `medchain_sdk`, `anchor_lang`, `serde_json` and `sha2`.

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::{AccountDeserialize, AccountSerialize};
use medchain::state::{
    AccessRequest, Consent, Delegate, EmergencyAccess, Issuer, Patient, Provider, Record,
    RecordBatch, Registry, Scope,
};
use medchain_sdk::access::decode_account;
use medchain_sdk::audit::{audit_entries, instruction_name};
use medchain_sdk::backend::{HistoricInstruction, TxRecord};
use medchain_sdk::fhir::bundle_to_hashes;
use medchain_sdk::hashing::{canonicalize_json, content_hash_json};
use medchain_sdk::merkle::{verify_batch_inclusion, verify_inclusion, InclusionProof, MerkleTree};
use sha2::{Digest, Sha256};

/// Instruction data as the program and the SDK decode it.
///
/// 1. The program's own dispatcher (`medchain::entry`): discriminator lookup and Borsh
///    decoding of the arguments, which Anchor does before it looks at any account. With no
///    accounts, no instruction may succeed.
/// 2. The SDK's audit decoder, which names the instruction and decodes `record_access`
///    arguments and return data from transaction history fetched from an RPC node.
pub fn instruction_data(data: &[u8]) {
    let no_accounts: &[AccountInfo] = &[];
    let result = medchain::entry(&medchain::ID, no_accounts, data);
    assert!(result.is_err(), "an instruction succeeded without accounts: {data:?}");

    let subject = [7u8; 32];
    let history = [TxRecord {
        signature: String::from("fuzz"),
        slot: 1,
        unix_time: Some(0),
        error: None,
        instructions: vec![HistoricInstruction {
            accounts: vec![subject],
            data: data.to_vec(),
            // The same bytes as an event: decoding never panics, and keeps what it cannot read.
            events: vec![data.to_vec()],
        }],
        return_data: Some(data.to_vec()),
    }];
    let entries = audit_entries(&Pubkey::new_from_array(subject), &history);
    assert_eq!(entries.len(), 1, "one instruction names the subject");
    let expected = instruction_name(data).unwrap_or("unknown");
    assert_eq!(entries[0].instruction, expected);
    assert_eq!(entries[0].events.len(), 1, "an unreadable event is kept, not dropped");
    if entries[0].access.is_some() {
        assert_eq!(expected, "record_access", "only record_access carries an access attempt");
    }
}

/// Decodes `data` as a `T`; whatever decodes must encode back to the same bytes.
fn account_round_trip<T: AccountDeserialize + AccountSerialize>(data: &[u8], name: &'static str) {
    let Ok(value) = decode_account::<T>(&Pubkey::default(), name, data) else {
        return;
    };
    let mut encoded = Vec::new();
    value.try_serialize(&mut encoded).expect("a decoded account encodes");
    assert!(encoded.len() <= data.len(), "{name}: encoding longer than its source");
    assert_eq!(&encoded[..], &data[..encoded.len()], "{name}: decode/encode round trip");
}

/// Account data as the SDK reads it from an RPC node (owner already checked there, so the
/// bytes are whatever an account holds): every medchain account type, with the
/// discriminator check and a decode/encode round trip.
pub fn account_data(data: &[u8]) {
    account_round_trip::<Registry>(data, "Registry");
    account_round_trip::<Issuer>(data, "Issuer");
    account_round_trip::<Provider>(data, "Provider");
    account_round_trip::<Patient>(data, "Patient");
    account_round_trip::<AccessRequest>(data, "AccessRequest");
    account_round_trip::<Consent>(data, "Consent");
    account_round_trip::<Record>(data, "Record");
    account_round_trip::<RecordBatch>(data, "RecordBatch");
    account_round_trip::<Delegate>(data, "Delegate");
    account_round_trip::<EmergencyAccess>(data, "EmergencyAccess");
}

/// FHIR JSON as hashed before anchoring (RFC 8785 canonicalisation), and FHIR Bundles as
/// split into the content hashes of a batch.
///
/// Whatever canonicalises must canonicalise to itself (the canonical form is a fixed
/// point), hash to SHA-256 of its canonical form, and be JSON that serde_json reads; an
/// error must be describable with its position.
pub fn canonical_json(data: &[u8]) {
    match canonicalize_json(data) {
        Ok(canonical) => {
            let again = canonicalize_json(&canonical).expect("canonical JSON canonicalises");
            assert_eq!(again, canonical, "canonicalisation is idempotent");
            let hash = content_hash_json(data).expect("what canonicalises also hashes");
            assert_eq!(hash, <[u8; 32]>::from(Sha256::digest(&canonical)));
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&canonical) {
                assert!(e.to_string().contains("recursion limit"), "invalid canonical JSON: {e}");
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            let _ = (e.line(), e.column());
        }
    }
    if let Ok(hashes) = bundle_to_hashes(data) {
        let tree = MerkleTree::from_leaves(&hashes.content_hashes());
        if let Ok(tree) = tree {
            assert_eq!(tree.root(), hashes.merkle_root(), "bundle root is the tree's root");
        }
    }
}

/// Inclusion proofs: as JSON from an untrusted party, and as true proofs with one bit
/// flipped.
///
/// 1. Any JSON proof is checked without panicking, and a proof with a wrong batch size is
///    refused by [`verify_batch_inclusion`].
/// 2. From the bytes, a batch of 1–64 leaves and a leaf are chosen; the true proof
///    verifies, and the same proof with one bit flipped in its path or in the content
///    hash does not.
pub fn merkle_proof(data: &[u8]) {
    if let Ok(proof) = serde_json::from_slice::<InclusionProof>(data) {
        let root = [0x42; 32];
        let content = [0x24; 32];
        let _ = verify_inclusion(&root, &content, &proof);
        let other_count = proof.leaf_count.wrapping_add(1);
        assert!(verify_batch_inclusion(&root, other_count, &content, &proof).is_err());
    }
    let [count, index, flip_low, flip_high, rest @ ..] = data else {
        return;
    };
    let count = 1 + usize::from(*count) % 64;
    let index = usize::from(*index) % count;
    let leaves: Vec<[u8; 32]> = (0..count)
        .map(|i| Sha256::new().chain_update(i.to_le_bytes()).chain_update(rest).finalize().into())
        .collect();
    let tree = MerkleTree::from_leaves(&leaves).expect("a non-empty batch");
    let proof = tree.proof(index).expect("an index in range");
    let root = tree.root();
    assert!(verify_batch_inclusion(&root, count as u64, &leaves[index], &proof).is_ok());

    let bits = (proof.path.len() + 1) * 256;
    let bit = (usize::from(*flip_high) << 8 | usize::from(*flip_low)) % bits;
    let (mut path, mut content) = (proof.path.clone(), leaves[index]);
    let (word, byte, mask) = (bit / 256, bit % 256 / 8, 1u8 << (bit % 8));
    match path.get_mut(word) {
        Some(sibling) => sibling[byte] ^= mask,
        None => content[byte] ^= mask,
    }
    let tampered = InclusionProof { path, ..proof };
    assert!(
        verify_batch_inclusion(&root, count as u64, &content, &tampered).is_err(),
        "a flipped bit still verifies (leaf {index} of {count}, bit {bit})"
    );
}

/// The known-answer envelope and the provider key that opens it
/// (`sdk/tests/fixtures/seal/kat-v1.json`).
fn known_envelope() -> &'static (Vec<u8>, medchain_sdk::seal::EncryptionSecretKey) {
    static KNOWN: std::sync::OnceLock<(Vec<u8>, medchain_sdk::seal::EncryptionSecretKey)> =
        std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        let kat: serde_json::Value =
            serde_json::from_str(include_str!("../../sdk/tests/fixtures/seal/kat-v1.json"))
                .expect("the known-answer fixture is JSON");
        let text = |field: &str| kat[field].as_str().expect("a string field").to_string();
        let secret: [u8; 32] = (0..32)
            .map(|i| u8::from_str_radix(&text("provider_secret_key")[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        (text("envelope").into_bytes(), medchain_sdk::seal::EncryptionSecretKey::from_bytes(secret))
    })
}

/// Sealed envelopes (`medchain-sealed-v1`) as read from storage, and provider key files.
///
/// Whatever parses is in canonical form (it re-encodes to the same bytes); opening with the
/// known-answer provider key never panics, and succeeds only for the genuine known-answer
/// envelope — every mutation of it is refused. (A fuzzer cannot compute HPKE
/// encapsulations; someone who can may seal new content to a public key, which is why
/// `open` is paired with the on-chain content hash check.)
pub fn sealed_envelope(data: &[u8]) {
    use medchain_sdk::seal::{open, KeyFile, SealedEnvelope};
    let (genuine, key) = known_envelope();
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    if let Ok(envelope) = SealedEnvelope::parse(data) {
        let encoded = envelope.to_bytes().expect("a parsed envelope encodes");
        assert_eq!(encoded, body, "parse accepts only the canonical form");
    }
    match open(data, key) {
        Ok(opened) => {
            assert_eq!(body, &genuine[..], "a mutated envelope opened");
            assert!(!opened.plaintext.is_empty());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let _ = KeyFile::parse(data);
}

/// What a Solana Actions server reads from a wallet or a scanned link: the approval's
/// narrowing query, a provider's signed grant proposal (query string), and the POST body.
///
/// A narrowing that parses re-parses from its own query string to itself, and applied to a
/// request it never widens it; a proposal that parses carries a valid signature and
/// round-trips through its query string; the POST body's account never panics the key
/// parser.
pub fn action_request(data: &[u8]) {
    use medchain::state::RequestTerms;
    use medchain::vocabulary::{actions, categories, purposes};
    use medchain_sdk::actions::proposal::{parse_pubkey, SignedProposal};
    use medchain_sdk::actions::spec::ActionPostRequest;
    use medchain_sdk::actions::Narrowing;

    let text = String::from_utf8_lossy(data);
    if let Ok(narrowing) = Narrowing::from_query(&text) {
        let again = Narrowing::from_query(&narrowing.to_query()).expect("its own query parses");
        assert_eq!(again, narrowing, "narrowing query round trip");
        let asked = RequestTerms::new(
            Scope::new(
                categories::IMAGING | categories::OBSERVATIONS | categories::GENETICS,
                purposes::TREAT | purposes::HRESCH,
                actions::READ | actions::WRITE,
            ),
            30 * 86_400,
        );
        if let Ok(approved) = narrowing.apply(&asked) {
            assert!(asked.contains(&approved), "an approval widened the request");
        }
    }
    if let Ok(signed) = SignedProposal::from_query(&text) {
        assert!(signed.verify(), "an unverified proposal parsed");
        let again = SignedProposal::from_query(&signed.to_query()).expect("its own query parses");
        assert_eq!(again, signed, "proposal query round trip");
    }
    if let Ok(post) = serde_json::from_slice::<ActionPostRequest>(data) {
        let _ = parse_pubkey(&post.account, "account");
    }
}
