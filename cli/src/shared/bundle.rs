//! The state file of `provider anchor-bundle`, which `record verify` reads: what was
//! prepared (every entry with its inclusion proof) and whether the batch landed.

use crate::error::CliError;
use medchain_sdk::merkle::InclusionProof;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One entry of a bundle state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateEntry {
    /// Position in the bundle and leaf index.
    pub index: usize,
    /// The entry's fullUrl.
    pub full_url: Option<String>,
    /// The resource type.
    pub resource_type: String,
    /// The resource id.
    pub id: Option<String>,
    /// The content hash (hex).
    pub content_hash: String,
    /// The inclusion proof.
    pub proof: InclusionProof,
}

/// The state file of `provider anchor-bundle`: what was prepared and whether it landed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleState {
    /// State file format version.
    pub version: u32,
    /// SHA-256 of the bundle file (hex), so that a different bundle is never confused.
    pub bundle_sha256: String,
    /// The provider wallet that anchors.
    pub provider: String,
    /// The batch id.
    pub batch_id: u64,
    /// The Merkle root (hex).
    pub merkle_root: String,
    /// Number of leaves.
    pub leaf_count: u64,
    /// "prepared" until the batch is on chain, then "anchored".
    pub status: String,
    /// The anchoring transaction, once known.
    pub signature: Option<String>,
    /// Every entry with its proof.
    pub entries: Vec<StateEntry>,
}

/// `<bundle>.medchain.json`.
pub fn default_state_path(bundle: &Path) -> PathBuf {
    let mut name = bundle.as_os_str().to_owned();
    name.push(".medchain.json");
    PathBuf::from(name)
}

/// Writes the state file atomically.
pub fn save_state(path: &Path, state: &BundleState) -> Result<(), CliError> {
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| CliError::Io(e.to_string()))?;
    medchain_sdk::fs::write_atomically(path, &bytes).map_err(|e| {
        CliError::Io(format!("cannot write state file {}: {}", path.display(), e.source))
    })
}

/// Reads the state file; `None` when it does not exist.
pub fn load_state(path: &Path) -> Result<Option<BundleState>, CliError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            CliError::bad(format!(
                "state file {} is corrupt: {e}; delete it to start over",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::bad(format!("cannot read state file {}: {e}", path.display()))),
    }
}
