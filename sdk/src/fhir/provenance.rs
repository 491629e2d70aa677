//! A record anchored on chain → FHIR R4 `Provenance`.

use super::vocab::Code;
use super::{
    decode_signature, instant, narrative, pubkey_identifier, pubkey_reference, FhirError,
    ANCHOR_EXTENSION_URL,
};
use crate::state::{AuthorKind, Record, RecordBatch, RecordStatus};
use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use serde_json::{json, Value};

/// `Provenance.agent.type`: provenance-participant-type `author`.
const AGENT_AUTHOR: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
    code: "author",
    display: "Author",
};
/// `Provenance.activity` of a first version: v3-DataOperation `CREATE`.
const ACTIVITY_CREATE: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
    code: "CREATE",
    display: "create",
};
/// `Provenance.activity` of an amendment: v3-DataOperation `UPDATE`.
const ACTIVITY_UPDATE: Code = Code {
    system: "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
    code: "UPDATE",
    display: "revise",
};
/// `Provenance.signature.type`: ISO/ASTM E1762-95 (2013) "Author's Signature" — the
/// anchoring transaction is signed with the author's wallet key.
const SIGNATURE_AUTHOR: Code = Code {
    system: "urn:iso-astm:E1762-95:2013",
    code: "1.2.840.10065.1.12.1.1",
    display: "Author's Signature",
};

/// Where a record's content hash is anchored on chain.
#[derive(Debug, Clone, Copy)]
pub enum Anchor<'a> {
    /// One record version, anchored directly in a Record account.
    Record {
        /// The Record account's data.
        record: &'a Record,
        /// The Record account (PDA).
        address: Pubkey,
    },
    /// A whole Merkle batch anchored in a RecordBatch account (its leaves are not on chain).
    Batch {
        /// The RecordBatch account's data.
        batch: &'a RecordBatch,
        /// The RecordBatch account (PDA).
        address: Pubkey,
    },
    /// One leaf of a Merkle batch anchored in a RecordBatch account.
    BatchLeaf {
        /// The RecordBatch account's data.
        batch: &'a RecordBatch,
        /// The RecordBatch account (PDA).
        address: Pubkey,
        /// The leaf's 0-based position in the batch.
        leaf_index: u64,
        /// The leaf: the record's content hash.
        content_hash: [u8; 32],
    },
}

/// A record anchored on chain, with what FHIR needs beyond the account data.
#[derive(Debug, Clone, Copy)]
pub struct RecordAnchor<'a> {
    /// Where it is anchored.
    pub anchor: Anchor<'a>,
    /// Reference to the anchored FHIR resource version, e.g. `Observation/lab-1` or
    /// `Observation/lab-1/_history/2` (relative, or an absolute URL). `None` when only the
    /// chain is known (the chain holds hashes, not resource ids): the target is then named
    /// by the anchoring account, see [`record_anchor_to_provenance`].
    pub target: Option<&'a str>,
    /// The author's wallet, which signed the anchoring transaction.
    pub author_wallet: Pubkey,
    /// The anchoring transaction's signature (base58), when known.
    pub signature: Option<&'a str>,
}

/// Maps a record anchor to a FHIR R4 `Provenance` resource.
///
/// * `target`: the anchored resource, by reference; without one (`target: None`), the
///   record version or batch by the identifier of its Record or RecordBatch account
///   ([`SOLANA_PUBKEY_SYSTEM`](super::SOLANA_PUBKEY_SYSTEM)), or a batch leaf by a
///   `display` naming its content hash;
/// * `recorded`: the cluster time of anchoring;
/// * `activity`: v3-DataOperation `CREATE` for a first version or a batch leaf, `UPDATE`
///   for an amendment; an amendment also has an `entity` with role `revision` naming the
///   superseded Record account;
/// * `agent`: the author (provenance-participant-type `author`), by wallet identifier;
///   typed `Patient` for patient-written records;
/// * `signature` (when the transaction signature is given): type ISO/ASTM E1762
///   "Author's Signature", `when` = recorded, `who` = the author, `data` = base64 of the
///   64-byte Ed25519 transaction signature (its base58 form is the Solana transaction id);
/// * extension [`ANCHOR_EXTENSION_URL`]: the account, the content hash (hex) and the
///   record version and status; or the batch's Merkle root and leaf count, with the leaf's
///   content hash and index for a leaf.
///
/// # Errors
///
/// [`FhirError::InvalidSignature`] when the signature is not base58 of 64 bytes,
/// [`FhirError::TimestampOutOfRange`] for the anchoring time,
/// [`FhirError::NumberOutOfRange`] when a version, index or count exceeds FHIR's 32-bit
/// integers.
pub fn record_anchor_to_provenance(anchor: &RecordAnchor<'_>) -> Result<Value, FhirError> {
    let signature = anchor.signature.map(decode_signature).transpose()?;
    let (recorded_at, author_type, activity, revision, parts, summary, account) = match anchor
        .anchor
    {
        Anchor::Record { record, address } => {
            let author_type = match record.author_kind {
                AuthorKind::Patient => Some("Patient"),
                AuthorKind::Provider => None,
            };
            let amendment = record.supersedes != Pubkey::default();
            let status = match record.status {
                RecordStatus::Current => "current",
                RecordStatus::Amended => "amended",
                RecordStatus::EnteredInError => "entered-in-error",
            };
            let parts = vec![
                json!({ "url": "account", "valueIdentifier": pubkey_identifier(&address) }),
                json!({ "url": "contentHash", "valueString": hex::encode(record.content_hash) }),
                json!({
                    "url": "recordVersion",
                    "valuePositiveInt": fhir_int("version", record.version.into(), 1)?,
                }),
                json!({ "url": "recordStatus", "valueCode": status }),
            ];
            let revision = amendment.then(|| {
                json!({
                    "role": "revision",
                    "what": pubkey_reference(None, &record.supersedes),
                })
            });
            (
                record.created_at,
                author_type,
                if amendment { ACTIVITY_UPDATE } else { ACTIVITY_CREATE },
                revision,
                parts,
                format!("version {} anchored in a Record account", record.version),
                Some(address),
            )
        }
        Anchor::Batch { batch, address } => (
            batch.created_at,
            None,
            ACTIVITY_CREATE,
            None,
            vec![
                json!({ "url": "account", "valueIdentifier": pubkey_identifier(&address) }),
                json!({ "url": "merkleRoot", "valueString": hex::encode(batch.merkle_root) }),
                json!({
                    "url": "leafCount",
                    "valueUnsignedInt": fhir_int("leaf_count", batch.leaf_count, 0)?,
                }),
            ],
            format!("a Merkle batch of {} anchored in a RecordBatch account", batch.leaf_count),
            Some(address),
        ),
        Anchor::BatchLeaf { batch, address, leaf_index, content_hash } => {
            let parts = vec![
                json!({ "url": "account", "valueIdentifier": pubkey_identifier(&address) }),
                json!({ "url": "contentHash", "valueString": hex::encode(content_hash) }),
                json!({ "url": "merkleRoot", "valueString": hex::encode(batch.merkle_root) }),
                json!({
                    "url": "leafIndex",
                    "valueUnsignedInt": fhir_int("leaf_index", leaf_index, 0)?,
                }),
                json!({
                    "url": "leafCount",
                    "valueUnsignedInt": fhir_int("leaf_count", batch.leaf_count, 0)?,
                }),
            ];
            (
                batch.created_at,
                None,
                ACTIVITY_CREATE,
                None,
                parts,
                format!(
                    "leaf {leaf_index} of a Merkle batch of {} anchored in a RecordBatch account",
                    batch.leaf_count
                ),
                None,
            )
        }
    };
    let recorded = instant("created_at", recorded_at)?;
    let author = pubkey_reference(author_type, &anchor.author_wallet);

    let target = match (anchor.target, account, anchor.anchor) {
        (Some(reference), _, _) => json!({ "reference": reference }),
        (None, Some(account), _) => json!({
            "identifier": pubkey_identifier(&account),
            "display": format!("the content anchored in {account}"),
        }),
        (None, None, Anchor::BatchLeaf { content_hash, .. }) => {
            json!({ "display": format!("the resource with content hash {}", hex::encode(content_hash)) })
        }
        (None, None, _) => json!({ "display": "the anchored content" }),
    };
    let subject = anchor.target.map_or_else(|| "The anchored content".to_string(), str::to_string);
    let mut resource = json!({
        "resourceType": "Provenance",
        "text": narrative(&format!("{subject} was anchored on Solana at {recorded} ({summary}).")),
        "extension": [{ "url": ANCHOR_EXTENSION_URL, "extension": parts }],
        "target": [target],
        "recorded": recorded,
        "activity": activity.concept(),
        "agent": [{
            "type": AGENT_AUTHOR.concept(),
            "who": author,
        }],
    });
    if let Some(revision) = revision {
        resource["entity"] = json!([revision]);
    }
    if let Some(bytes) = signature {
        resource["signature"] = json!([{
            "type": [SIGNATURE_AUTHOR.coding()],
            "when": recorded,
            "who": author,
            "data": base64::engine::general_purpose::STANDARD.encode(bytes),
        }]);
    }
    Ok(resource)
}

/// `value` as a FHIR 32-bit integer (`positiveInt` when `min` is 1, else `unsignedInt`).
fn fhir_int(field: &'static str, value: u64, min: u64) -> Result<u64, FhirError> {
    if value < min || value > i32::MAX as u64 {
        Err(FhirError::NumberOutOfRange {
            field,
            value,
            fhir_type: if min == 1 { "positiveInt" } else { "unsignedInt" },
        })
    } else {
        Ok(value)
    }
}
