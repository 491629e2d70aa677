//! A FHIR `Bundle` → content hashes of its resources and their Merkle root.

use super::FhirError;
use crate::hashing::JsonCanonicalizer;
use crate::merkle::{MerkleError, MerkleTree};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// The content hash of one Bundle entry's resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleEntryHash {
    /// 0-based position of the entry in `Bundle.entry` (and of its leaf in the batch).
    pub index: usize,
    /// The entry's `fullUrl`, if any.
    pub full_url: Option<String>,
    /// The resource's `resourceType`.
    pub resource_type: String,
    /// The resource's logical `id`, if any.
    pub id: Option<String>,
    /// SHA-256 of the RFC 8785 canonical JSON of the resource, exactly as
    /// [`crate::hashing::content_hash_json`] computes it for the resource on its own.
    pub content_hash: [u8; 32],
}

impl BundleEntryHash {
    /// The content hash in lowercase hex.
    pub fn content_hash_hex(&self) -> String {
        hex::encode(self.content_hash)
    }
}

/// The content hashes of a Bundle's resources and the Merkle tree over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleHashes {
    /// One hash per entry, in Bundle order.
    pub entries: Vec<BundleEntryHash>,
    /// The RFC 6962 Merkle tree whose leaves are the entries' content hashes, in order.
    pub tree: MerkleTree,
}

impl BundleHashes {
    /// The content hashes, in Bundle order (the batch's leaves).
    pub fn content_hashes(&self) -> Vec<[u8; 32]> {
        self.entries.iter().map(|e| e.content_hash).collect()
    }

    /// The Merkle root to anchor (e.g. with `anchor_batch`).
    pub fn merkle_root(&self) -> [u8; 32] {
        self.tree.root()
    }

    /// The Merkle root in lowercase hex.
    pub fn merkle_root_hex(&self) -> String {
        hex::encode(self.tree.root())
    }
}

#[derive(Deserialize)]
struct BundleDoc<'a> {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    #[serde(default, borrow)]
    entry: Vec<EntryDoc<'a>>,
}

#[derive(Deserialize)]
struct EntryDoc<'a> {
    #[serde(rename = "fullUrl")]
    full_url: Option<String>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ResourceHead {
    #[serde(rename = "resourceType")]
    resource_type: Option<Value>,
    id: Option<Value>,
}

/// Parses a FHIR `Bundle` (JSON) and hashes each entry's resource.
///
/// Each `entry.resource` is hashed from its own bytes in the input with the RFC 8785
/// canonicaliser of [`crate::hashing`], so its hash equals
/// [`content_hash_json`](crate::hashing::content_hash_json) of that resource serialised
/// on its own, however the Bundle was formatted. The whole document is first checked with
/// the same strict I-JSON rules (no duplicate member names, no lone surrogates, numbers
/// within double range), so nothing is silently dropped by the parser. The Merkle root is
/// [`MerkleTree::from_leaves`] over the hashes in entry order.
///
/// # Errors
///
/// [`FhirError::Json`] for malformed JSON (with line and column),
/// [`FhirError::Structure`] when it is not shaped like a resource,
/// [`FhirError::NotABundle`], [`FhirError::EmptyBundle`],
/// [`FhirError::EntryWithoutResource`] and [`FhirError::ResourceWithoutType`].
pub fn bundle_to_hashes(bundle_json: &[u8]) -> Result<BundleHashes, FhirError> {
    let mut canonicalizer = JsonCanonicalizer::new();
    // Strict I-JSON check of the whole document; the hash itself is not needed.
    canonicalizer.content_hash(bundle_json)?;

    let doc: BundleDoc<'_> =
        serde_json::from_slice(bundle_json).map_err(|e| FhirError::Structure(e.to_string()))?;
    if doc.resource_type.as_deref() != Some("Bundle") {
        return Err(FhirError::NotABundle { found: doc.resource_type });
    }
    if doc.entry.is_empty() {
        return Err(FhirError::EmptyBundle);
    }
    let mut entries = Vec::with_capacity(doc.entry.len());
    for (index, entry) in doc.entry.into_iter().enumerate() {
        let raw = entry.resource.ok_or(FhirError::EntryWithoutResource { index })?;
        let head: ResourceHead = serde_json::from_str(raw.get())
            .map_err(|_| FhirError::ResourceWithoutType { index })?;
        let resource_type = match head.resource_type {
            Some(Value::String(t)) if !t.is_empty() => t,
            _ => return Err(FhirError::ResourceWithoutType { index }),
        };
        let id = match head.id {
            None => None,
            Some(Value::String(id)) => Some(id),
            Some(_) => {
                return Err(FhirError::Structure(format!(
                    "Bundle entry {index}: resource id is not a string"
                )))
            }
        };
        let content_hash = canonicalizer.content_hash(raw.get().as_bytes())?;
        entries.push(BundleEntryHash {
            index,
            full_url: entry.full_url,
            resource_type,
            id,
            content_hash,
        });
    }
    let leaves: Vec<[u8; 32]> = entries.iter().map(|e| e.content_hash).collect();
    let tree = MerkleTree::from_leaves(&leaves).map_err(|e| match e {
        MerkleError::EmptyBatch => FhirError::EmptyBundle,
        other => FhirError::Structure(other.to_string()),
    })?;
    Ok(BundleHashes { entries, tree })
}
