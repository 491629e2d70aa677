//! Merkle batches of record content hashes, built and verified as in Certificate
//! Transparency ([RFC 6962 §2.1](https://www.rfc-editor.org/rfc/rfc6962#section-2.1),
//! [RFC 9162 §2.1](https://www.rfc-editor.org/rfc/rfc9162#section-2.1)).
//!
//! A batch anchors many records with one 32-byte root. The leaves are the records'
//! content hashes ([`crate::hashing`]), in batch order:
//!
//! * leaf hash `= SHA-256(0x00 || content_hash)`,
//! * node hash `= SHA-256(0x01 || left || right)`,
//!
//! so a leaf can never be passed off as an inner node or vice versa (second-preimage
//! resistance). The tree over `n` leaves is RFC 6962's: for `n > 1` the left subtree holds
//! the first `k` leaves, `k` the largest power of two smaller than `n`, and the right
//! subtree the rest. Its root is therefore the CT "Merkle Tree Hash" of the leaves, and an
//! [`InclusionProof`] is a CT audit path, checkable by any RFC 9162 verifier.
//!
//! A batch has at least one leaf: the root of an empty batch would be a constant that
//! proves nothing, so it is an error ([`MerkleError::EmptyBatch`]).

#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Domain-separation prefix of a leaf hash (RFC 6962 §2.1).
pub const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an inner node hash (RFC 6962 §2.1).
pub const NODE_PREFIX: u8 = 0x01;

/// Why a Merkle batch could not be built, a proof produced, or a proof verified.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MerkleError {
    /// A batch needs at least one leaf.
    #[error("a Merkle batch needs at least one leaf")]
    EmptyBatch,
    /// The leaf index is not below the number of leaves.
    #[error("leaf index {index} out of range for a batch of {leaf_count} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The number of leaves in the batch.
        leaf_count: u64,
    },
    /// The proof's path has the wrong number of hashes for its leaf index and leaf count.
    #[error("inclusion proof path has the wrong length for leaf {leaf_index} of {leaf_count}")]
    WrongPathLength {
        /// The proof's leaf index.
        leaf_index: u64,
        /// The proof's leaf count.
        leaf_count: u64,
    },
    /// The proof is for a batch of a different size than the one it was checked against.
    #[error("inclusion proof is for a batch of {proof_leaf_count} leaves, expected {leaf_count}")]
    LeafCountMismatch {
        /// The leaf count stated by the proof.
        proof_leaf_count: u64,
        /// The batch's actual leaf count.
        leaf_count: u64,
    },
    /// The root recomputed from the proof differs from the expected root.
    #[error("inclusion proof does not lead to the expected root")]
    RootMismatch,
}

/// Leaf hash of a record's content hash: `SHA-256(0x00 || content_hash)`.
pub fn leaf_hash(content_hash: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 33];
    buf[0] = LEAF_PREFIX;
    buf[1..].copy_from_slice(content_hash);
    Sha256::digest(buf).into()
}

/// Inner node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 65];
    buf[0] = NODE_PREFIX;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// A Merkle tree over a batch of content hashes, keeping every level so that inclusion
/// proofs are cheap.
///
/// Memory is about 64 bytes per leaf (the leaf level plus all levels above it), e.g.
/// 64 MB for a million leaves.
///
/// Levels are built bottom-up by hashing pairs; an unpaired last node is carried up
/// unchanged. This yields exactly the RFC 6962 tree (split at the largest power of two
/// below `n`), without recursion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[0]` are the leaf hashes; the last level holds only the root.
    levels: Vec<Vec<[u8; 32]>>,
}

impl MerkleTree {
    /// Builds the tree over `content_hashes` (the leaves, in batch order).
    ///
    /// # Errors
    ///
    /// [`MerkleError::EmptyBatch`] if `content_hashes` is empty.
    pub fn from_leaves(content_hashes: &[[u8; 32]]) -> Result<Self, MerkleError> {
        if content_hashes.is_empty() {
            return Err(MerkleError::EmptyBatch);
        }
        let leaves: Vec<[u8; 32]> = content_hashes.iter().map(leaf_hash).collect();
        let depth = usize::BITS - (leaves.len() - 1).leading_zeros();
        let mut levels = Vec::with_capacity(depth as usize + 1);
        levels.push(leaves);
        while let Some(level) = levels.last().filter(|l| l.len() > 1) {
            let pairs = level.chunks_exact(2);
            let carried = pairs.remainder().first().copied();
            let mut next = Vec::with_capacity(level.len().div_ceil(2));
            next.extend(pairs.map(|pair| node_hash(&pair[0], &pair[1])));
            next.extend(carried);
            levels.push(next);
        }
        Ok(Self { levels })
    }

    /// The root hash (RFC 6962 Merkle Tree Hash) of the batch.
    pub fn root(&self) -> [u8; 32] {
        self.levels.last().and_then(|level| level.first()).copied().unwrap_or_default()
    }

    /// The number of leaves (at least 1).
    pub fn len(&self) -> usize {
        self.levels.first().map_or(0, Vec::len)
    }

    /// Always `false`: a tree has at least one leaf ([`MerkleError::EmptyBatch`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leaf hash (`SHA-256(0x00 || content_hash)`) at `index`, if in range.
    pub fn leaf(&self, index: usize) -> Option<&[u8; 32]> {
        self.levels.first().and_then(|leaves| leaves.get(index))
    }

    /// The inclusion proof (RFC 6962 audit path) of the leaf at `index`: at most
    /// ⌈log2 n⌉ sibling hashes, from the leaf's level upwards.
    ///
    /// # Errors
    ///
    /// [`MerkleError::IndexOutOfRange`] if `index >= self.len()`.
    pub fn proof(&self, index: usize) -> Result<InclusionProof, MerkleError> {
        let leaf_count = self.len();
        if index >= leaf_count {
            return Err(MerkleError::IndexOutOfRange {
                index: index as u64,
                leaf_count: leaf_count as u64,
            });
        }
        let mut path = Vec::with_capacity(self.levels.len().saturating_sub(1));
        let mut i = index;
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(i ^ 1) {
                path.push(*sibling);
            }
            i >>= 1;
        }
        Ok(InclusionProof { leaf_index: index as u64, leaf_count: leaf_count as u64, path })
    }
}

/// Proof that a content hash is the leaf at `leaf_index` of a batch of `leaf_count`
/// leaves: the RFC 6962 audit path, sibling hashes from the leaf upwards.
///
/// In JSON (serde) the hashes are lower-case hex strings:
/// `{"leaf_index":2,"leaf_count":5,"path":["ab12…","…"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Zero-based position of the leaf in the batch.
    pub leaf_index: u64,
    /// Number of leaves in the batch.
    pub leaf_count: u64,
    /// Sibling hashes from the leaf's level up to just below the root.
    #[serde(with = "hex_hashes")]
    pub path: Vec<[u8; 32]>,
}

impl InclusionProof {
    /// Checks this proof for `content_hash` against `root`; see [`verify_inclusion`].
    ///
    /// # Errors
    ///
    /// As [`verify_inclusion`].
    pub fn verify(&self, root: &[u8; 32], content_hash: &[u8; 32]) -> Result<(), MerkleError> {
        verify_inclusion(root, content_hash, self)
    }
}

/// Verifies that `content_hash` is the leaf at `proof.leaf_index` of the batch of
/// `proof.leaf_count` leaves whose root is `root`, with the algorithm of RFC 9162
/// §2.1.3.2 (on the leaf hash `SHA-256(0x00 || content_hash)`).
///
/// As in Certificate Transparency, the root does not commit to the number of leaves: a
/// wrong `leaf_count` is rejected when it changes the shape of the audit path (its length
/// or where the unpaired nodes are), but some wrong counts share the true count's shape
/// for a given leaf (e.g. leaf 0 of 1025 leaves has the same path as leaf 0 of 2048) and
/// then still verify. Where the batch size is known (it is stored with the root on
/// chain), use [`verify_batch_inclusion`], which also checks it.
///
/// # Errors
///
/// * [`MerkleError::IndexOutOfRange`] if `leaf_index >= leaf_count`;
/// * [`MerkleError::WrongPathLength`] if the path is too long or too short for that
///   index and count;
/// * [`MerkleError::RootMismatch`] if the recomputed root differs from `root` (wrong
///   content hash, tampered path, wrong index or count that happens to have the same
///   path length, or wrong root).
pub fn verify_inclusion(
    root: &[u8; 32],
    content_hash: &[u8; 32],
    proof: &InclusionProof,
) -> Result<(), MerkleError> {
    let (leaf_index, leaf_count) = (proof.leaf_index, proof.leaf_count);
    // 1. leaf_index must be below tree_size.
    if leaf_index >= leaf_count {
        return Err(MerkleError::IndexOutOfRange { index: leaf_index, leaf_count });
    }
    let wrong_length = MerkleError::WrongPathLength { leaf_index, leaf_count };
    // 2. fn = leaf_index, sn = tree_size - 1.   3. r = leaf hash.
    let (mut fnode, mut snode) = (leaf_index, leaf_count - 1);
    let mut r = leaf_hash(content_hash);
    // 4. Fold in the path.
    for p in &proof.path {
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // 5. sn must be 0 and r the root.
    if snode != 0 {
        return Err(wrong_length);
    }
    if r != *root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// [`verify_inclusion`] against a batch whose root *and* leaf count are known (as stored
/// on chain): the proof's `leaf_count` must equal `leaf_count`.
///
/// # Errors
///
/// [`MerkleError::LeafCountMismatch`] if the counts differ, otherwise as
/// [`verify_inclusion`].
pub fn verify_batch_inclusion(
    root: &[u8; 32],
    leaf_count: u64,
    content_hash: &[u8; 32],
    proof: &InclusionProof,
) -> Result<(), MerkleError> {
    if proof.leaf_count != leaf_count {
        return Err(MerkleError::LeafCountMismatch {
            proof_leaf_count: proof.leaf_count,
            leaf_count,
        });
    }
    verify_inclusion(root, content_hash, proof)
}

/// Serde helpers: a list of 32-byte hashes as lower-case hex strings.
mod hex_hashes {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hashes: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(hex::encode))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        let strings = Vec::<String>::deserialize(d)?;
        strings
            .iter()
            .map(|s| {
                let mut out = [0u8; 32];
                hex::decode_to_slice(s, &mut out).map_err(D::Error::custom)?;
                Ok(out)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256(parts: &[&[u8]]) -> [u8; 32] {
        let mut h = Sha256::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }

    /// Deterministic, distinct content hashes.
    fn content(i: u64) -> [u8; 32] {
        sha256(&[b"synthetic record ", &i.to_le_bytes()])
    }

    fn contents(n: u64) -> Vec<[u8; 32]> {
        (0..n).map(content).collect()
    }

    /// RFC 6962 MTH, straight from the recursive definition, for cross-checking.
    fn reference_root(leaves: &[[u8; 32]]) -> [u8; 32] {
        if leaves.len() == 1 {
            return sha256(&[&[0x00], &leaves[0]]);
        }
        let mut k = 1;
        while k * 2 < leaves.len() {
            k *= 2;
        }
        let left = reference_root(&leaves[..k]);
        let right = reference_root(&leaves[k..]);
        sha256(&[&[0x01], &left, &right])
    }

    fn ceil_log2(n: u64) -> u32 {
        if n <= 1 {
            0
        } else {
            64 - (n - 1).leading_zeros()
        }
    }

    #[test]
    fn empty_batch_is_an_error() {
        assert_eq!(MerkleTree::from_leaves(&[]), Err(MerkleError::EmptyBatch));
    }

    #[test]
    fn known_answer_roots_for_small_trees() {
        let c = contents(5);
        let l: Vec<[u8; 32]> = c.iter().map(|h| sha256(&[&[0x00], h])).collect();
        let node = |a: &[u8; 32], b: &[u8; 32]| sha256(&[&[0x01], a, b]);

        // 1 leaf: the root is the leaf hash.
        let t1 = MerkleTree::from_leaves(&c[..1]).expect("tree");
        assert_eq!(t1.root(), l[0]);
        assert_eq!(t1.len(), 1);
        assert!(!t1.is_empty());
        // 2 leaves.
        let t2 = MerkleTree::from_leaves(&c[..2]).expect("tree");
        assert_eq!(t2.root(), node(&l[0], &l[1]));
        // 3 leaves: split at 2 -> (l0 l1) l2.
        let t3 = MerkleTree::from_leaves(&c[..3]).expect("tree");
        assert_eq!(t3.root(), node(&node(&l[0], &l[1]), &l[2]));
        // 5 leaves: split at 4 -> ((l0 l1)(l2 l3)) l4.
        let t5 = MerkleTree::from_leaves(&c[..5]).expect("tree");
        assert_eq!(t5.root(), node(&node(&node(&l[0], &l[1]), &node(&l[2], &l[3])), &l[4]));
        // And one fixed value, so the encoding can never drift silently: the root of the
        // two content hashes 0x00..00 and 0x11..11.
        let fixed = MerkleTree::from_leaves(&[[0u8; 32], [0x11u8; 32]]).expect("tree");
        let expected = {
            let a = sha256(&[&[0x00], &[0u8; 32]]);
            let b = sha256(&[&[0x00], &[0x11u8; 32]]);
            sha256(&[&[0x01], &a, &b])
        };
        assert_eq!(fixed.root(), expected);
    }

    #[test]
    fn matches_the_recursive_definition() {
        for n in 1..=70u64 {
            let c = contents(n);
            let t = MerkleTree::from_leaves(&c).expect("tree");
            assert_eq!(t.root(), reference_root(&c), "n = {n}");
            assert_eq!(t.len() as u64, n);
        }
    }

    #[test]
    fn proofs_verify_and_are_short_for_many_sizes() {
        let sizes =
            (1..=130u64).chain([255, 256, 257, 511, 512, 513, 1000, 1023, 1024, 1025, 4097]);
        for n in sizes {
            let c = contents(n);
            let t = MerkleTree::from_leaves(&c).expect("tree");
            let root = t.root();
            let step = (n / 64).max(1);
            for i in (0..n).step_by(step as usize).chain([n - 1]) {
                let p = t.proof(i as usize).expect("proof");
                assert!(
                    p.path.len() as u32 <= ceil_log2(n),
                    "n={n} i={i}: {} hashes",
                    p.path.len()
                );
                assert_eq!((p.leaf_index, p.leaf_count), (i, n));
                assert_eq!(verify_inclusion(&root, &c[i as usize], &p), Ok(()), "n={n} i={i}");
                assert_eq!(p.verify(&root, &c[i as usize]), Ok(()));
            }
        }
    }

    #[test]
    fn every_proof_of_1000_and_1025_leaves_verifies() {
        for n in [1000u64, 1025] {
            let c = contents(n);
            let t = MerkleTree::from_leaves(&c).expect("tree");
            let root = t.root();
            let mut longest = 0;
            for (i, leaf) in c.iter().enumerate() {
                let p = t.proof(i).expect("proof");
                longest = longest.max(p.path.len());
                assert_eq!(verify_inclusion(&root, leaf, &p), Ok(()), "n={n} i={i}");
            }
            assert_eq!(longest as u32, ceil_log2(n));
        }
    }

    #[test]
    fn proof_out_of_range() {
        let t = MerkleTree::from_leaves(&contents(3)).expect("tree");
        assert_eq!(t.proof(3), Err(MerkleError::IndexOutOfRange { index: 3, leaf_count: 3 }));
        assert!(t.leaf(2).is_some() && t.leaf(3).is_none());
    }

    #[test]
    fn tampering_fails_verification() {
        let n = 1025u64;
        let c = contents(n);
        let t = MerkleTree::from_leaves(&c).expect("tree");
        let root = t.root();
        for i in [0usize, 1, 2, 511, 512, 1000, 1023, 1024] {
            let good = t.proof(i).expect("proof");
            assert!(verify_inclusion(&root, &c[i], &good).is_ok());

            // Wrong content hash.
            let other = c[(i + 1) % c.len()];
            assert!(verify_inclusion(&root, &other, &good).is_err(), "i={i}");
            let mut flipped = c[i];
            flipped[31] ^= 1;
            assert!(verify_inclusion(&root, &flipped, &good).is_err());

            // Every bit of every path hash.
            for h in 0..good.path.len() {
                for bit in [0usize, 7, 100, 255] {
                    let mut p = good.clone();
                    p.path[h][bit / 8] ^= 1 << (bit % 8);
                    assert_eq!(verify_inclusion(&root, &c[i], &p), Err(MerkleError::RootMismatch));
                }
            }
            // Path reordered, truncated, extended.
            if good.path.len() >= 2 {
                let mut p = good.clone();
                p.path.swap(0, 1);
                assert!(verify_inclusion(&root, &c[i], &p).is_err());
            }
            let mut p = good.clone();
            p.path.pop();
            assert!(verify_inclusion(&root, &c[i], &p).is_err());
            let mut p = good.clone();
            p.path.push(root);
            assert!(verify_inclusion(&root, &c[i], &p).is_err());

            // Wrong leaf index (every other index).
            for j in 0..n {
                if j as usize == i {
                    continue;
                }
                let p = InclusionProof { leaf_index: j, ..good.clone() };
                assert!(verify_inclusion(&root, &c[i], &p).is_err(), "i={i} j={j}");
            }
            // Wrong leaf count (smaller and larger), including out of range.
            for m in [0u64, 1, i as u64, i as u64 + 1, 512, 1000, 1024, 4096, u64::MAX] {
                if m == n {
                    continue;
                }
                let p = InclusionProof { leaf_count: m, ..good.clone() };
                assert!(verify_inclusion(&root, &c[i], &p).is_err(), "i={i} m={m}");
            }
            // Wrong root: another batch's, and a flipped bit.
            let other_root = MerkleTree::from_leaves(&c[..1024]).expect("tree").root();
            assert_eq!(verify_inclusion(&other_root, &c[i], &good), Err(MerkleError::RootMismatch));
            let mut bad_root = root;
            bad_root[0] ^= 0x80;
            assert_eq!(verify_inclusion(&bad_root, &c[i], &good), Err(MerkleError::RootMismatch));
        }
        // The root does not commit to the leaf count (as in CT): leaf 0 of 1025 has the
        // same audit path as leaf 0 of 2048, so only a known count catches that lie.
        let good = t.proof(0).expect("proof");
        let lie = InclusionProof { leaf_count: 2048, ..good.clone() };
        assert_eq!(verify_inclusion(&root, &c[0], &lie), Ok(()));
        assert_eq!(
            verify_batch_inclusion(&root, n, &c[0], &lie),
            Err(MerkleError::LeafCountMismatch { proof_leaf_count: 2048, leaf_count: n })
        );
        assert_eq!(verify_batch_inclusion(&root, n, &c[0], &good), Ok(()));
        // Index >= count is reported as such.
        let p = InclusionProof { leaf_index: 5, leaf_count: 5, path: vec![] };
        assert_eq!(
            verify_inclusion(&root, &c[0], &p),
            Err(MerkleError::IndexOutOfRange { index: 5, leaf_count: 5 })
        );
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        // A leaf whose content is (left || right) must not collide with the inner node.
        let c = contents(2);
        let t = MerkleTree::from_leaves(&c).expect("tree");
        let l0 = leaf_hash(&c[0]);
        let l1 = leaf_hash(&c[1]);
        assert_eq!(t.root(), node_hash(&l0, &l1));
        assert_ne!(leaf_hash(&t.root()), t.root());
        // A one-leaf "tree" whose leaf is the 2-leaf root does not verify as that root.
        let p = InclusionProof { leaf_index: 0, leaf_count: 1, path: vec![] };
        assert!(verify_inclusion(&t.root(), &t.root(), &p).is_err());
    }

    #[test]
    fn proof_serde_round_trip_uses_hex() {
        let c = contents(5);
        let t = MerkleTree::from_leaves(&c).expect("tree");
        let p = t.proof(4).expect("proof");
        let json = serde_json::to_string(&p).expect("serialize");
        assert!(json.starts_with(r#"{"leaf_index":4,"leaf_count":5,"path":[""#), "{json}");
        assert!(json.contains(&hex::encode(p.path[0])));
        let back: InclusionProof = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, p);
        let bad = r#"{"leaf_index":0,"leaf_count":1,"path":["abcd"]}"#;
        assert!(serde_json::from_str::<InclusionProof>(bad).is_err());
    }

    #[test]
    fn one_million_leaves() {
        let n = 1_000_000u64;
        let c = contents(n);
        let t = MerkleTree::from_leaves(&c).expect("tree");
        assert_eq!(t.len() as u64, n);
        let root = t.root();
        for i in [0u64, 1, 524_287, 524_288, 999_998, 999_999] {
            let p = t.proof(i as usize).expect("proof");
            assert!(p.path.len() as u32 <= ceil_log2(n));
            assert_eq!(verify_inclusion(&root, &c[i as usize], &p), Ok(()));
        }
    }
}
