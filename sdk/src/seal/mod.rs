//! Sealed records: the chain's consent as the key to the data.
//!
//! A record kept off-chain (a FHIR resource or any document) is encrypted so that exactly the
//! patient and the providers whose consent currently permits reading its category can open it:
//!
//! * [`envelope`] — the `medchain-sealed-v1` envelope: ChaCha20-Poly1305 content encryption
//!   under a fresh data key, the key wrapped for every recipient with HPKE (RFC 9180,
//!   DHKEM(X25519, HKDF-SHA256)), everything bound together and to the record's content hash;
//! * [`keys`] — recipients' X25519 keys: providers publish theirs on-chain
//!   (`set_provider_encryption_key`), patients' are derived from their wallets;
//! * [`recipients`] — who may open, decided from the chain by the program's own access rule;
//! * the [`Medchain`](crate::Medchain) methods `seal_for_consented`, `open_sealed` and
//!   `reseal` (in [`chain`]) that tie the three to the cluster.
//!
//! The format, what the authenticated data covers and the threat model (what a revoke does
//! and does not do) are specified in docs/SEALING.md.
//!
//! ```
//! use medchain_sdk::hashing::ContentKind;
//! use medchain_sdk::seal::{envelope, EncryptionSecretKey, Recipient, SealMeta};
//! use medchain_sdk::vocabulary::{categories::OBSERVATIONS, purposes::TREAT};
//! use solana_sdk::signature::{Keypair, Signer};
//!
//! let patient = Keypair::new();
//! let clinic_wallet = Keypair::new().pubkey();
//! let clinic_key = EncryptionSecretKey::generate()?;
//! let recipients = [
//!     Recipient::patient(&patient.pubkey())?,
//!     Recipient::provider(&clinic_wallet, clinic_key.public_key()),
//! ];
//! let meta = SealMeta {
//!     content_kind: ContentKind::Json,
//!     patient: patient.pubkey(),
//!     category: OBSERVATIONS,
//!     purpose: TREAT,
//!     record: None,
//!     sealed_at: 0,
//! };
//! let resource = br#"{"resourceType":"Observation","status":"final"}"#;
//! let bytes = envelope::seal(resource, meta, &recipients)?.to_bytes()?;
//! let opened = envelope::open(&bytes, &clinic_key)?;
//! assert_eq!(opened.plaintext.as_slice(), resource);
//! let by_patient = envelope::open(&bytes, &EncryptionSecretKey::from_wallet(&patient))?;
//! assert_eq!(by_patient.plaintext.as_slice(), resource);
//! # Ok::<(), medchain_sdk::seal::SealError>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod chain;
pub mod envelope;
pub mod keys;
pub mod recipients;
mod wire;

pub use chain::{ChainCheck, OpenedRecord, Resealed, SealOptions, Sealed};
pub use envelope::{
    open, seal, EnvelopeHeader, Opened, Recipient, RecipientEntry, RecipientRole, SealMeta,
    SealedEnvelope, FORMAT,
};
pub use keys::{wallet_encryption_key, EncryptionPublicKey, EncryptionSecretKey, KeyFile};
pub use recipients::{plan_recipients, ExcludedProvider, Exclusion, RecipientPlan};

use crate::hashing::HashingError;

/// Why sealing or opening failed. Every message says what happened and, where it helps, what
/// to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// A key (file, bytes or wallet) cannot be used.
    #[error("invalid encryption key: {0}")]
    InvalidKey(String),
    /// The operating system's random number generator failed.
    #[error("no randomness available from the operating system: {0}")]
    Randomness(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// Content declared as JSON is not valid (I-)JSON, so it has no content hash.
    #[error("the content is not valid FHIR/JSON, so it cannot be hashed as a record: {0}")]
    Content(HashingError),
    /// The category or purpose given is not exactly one known value.
    #[error("{0}")]
    InvalidMetadata(String),
    /// The recipient list is unusable.
    #[error("invalid recipients: {0}")]
    InvalidRecipients(String),
    /// Encryption failed (e.g. a recipient's published key is of small order).
    #[error("encryption failed: {0}")]
    Encryption(String),
    /// The bytes are not a structurally valid envelope.
    #[error("not a valid medchain sealed envelope: {0}")]
    Malformed(String),
    /// Another format or version.
    #[error("unsupported envelope format '{0}' (this medchain reads medchain-sealed-v1)")]
    UnsupportedFormat(String),
    /// Other algorithms than the ones `medchain-sealed-v1` defines.
    #[error("unsupported algorithm suite (kem {kem:#06x}, kdf {kdf:#06x}, aead {aead:#06x}); medchain-sealed-v1 uses 0x0020, 0x0001, 0x0003")]
    UnsupportedSuite {
        /// The KEM id found.
        kem: u16,
        /// The KDF id found.
        kdf: u16,
        /// The AEAD id found.
        aead: u16,
    },
    /// The envelope is not in its one canonical encoding, so it was altered.
    #[error("the envelope was altered: it is not byte-for-byte in its canonical form (whitespace, member order, letter case or escapes changed)")]
    NotCanonical,
    /// The key is not among the envelope's recipients.
    #[error("this key (X25519 public key {public_key}) is not one of the {recipients} recipients of the envelope: it was not sealed for you (no consent for this category when it was sealed, or resealed since a revoke), or you passed another key")]
    NotARecipient {
        /// The opener's public key, hex.
        public_key: String,
        /// How many recipients the envelope has.
        recipients: usize,
    },
    /// This recipient's wrapped data key does not authenticate.
    #[error("the envelope was altered: the data key wrapped for this recipient does not authenticate against the envelope's header")]
    KeyUnwrapFailed,
    /// The content or the recipient list does not authenticate.
    #[error("the envelope was altered: its content, nonce, header or recipient list does not authenticate")]
    Tampered,
    /// The decrypted content does not have the content hash the envelope claims.
    #[error("the decrypted content hashes to {actual}, not to the envelope's content hash {expected}: the sealer lied about the content")]
    ContentHashMismatch {
        /// The envelope's content hash, hex.
        expected: String,
        /// The hash of the decrypted content, hex.
        actual: String,
    },
    /// The envelope names a Record account that does not exist.
    #[error("the envelope names record {record}, which does not exist on this cluster")]
    RecordNotFound {
        /// The Record address.
        record: String,
    },
    /// The on-chain Record does not match the envelope.
    #[error("record {record} on chain does not match the envelope: {reason}")]
    RecordMismatch {
        /// The Record address.
        record: String,
        /// What differs.
        reason: String,
    },
    /// The anchored record was withdrawn by its author.
    #[error(
        "record {record} was marked entered-in-error by its author: its content must not be used"
    )]
    RecordEnteredInError {
        /// The Record address.
        record: String,
    },
}
