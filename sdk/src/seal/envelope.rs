//! The sealed envelope, format `medchain-sealed-v1` (specified in docs/SEALING.md).
//!
//! An envelope is one JSON object, always written in a single canonical form (compact, members
//! in the order below, lowercase hex, padded standard base64, base58 addresses); a reader
//! rejects any other spelling, so an envelope has exactly one byte representation and every
//! byte of it is authenticated:
//!
//! ```text
//! {"format":"medchain-sealed-v1",
//!  "header":{"suite":{"kem":32,"kdf":1,"aead":3},"content_hash":"<hex>","content_kind":"json",
//!            "patient":"<base58>","category":64,"purpose":1,"record":null,"sealed_at":1700000000},
//!  "recipients":[{"role":"patient","wallet":"<base58>","public_key":"<hex>","enc":"<hex>",
//!                 "wrapped_key":"<hex>"}, …],
//!  "nonce":"<hex>","ciphertext":"<base64>"}
//! ```
//!
//! * The content is encrypted with ChaCha20-Poly1305 (RFC 8439) under a fresh random 32-byte
//!   data key and 12-byte nonce. Its associated data is the envelope's canonical JSON without
//!   the `nonce` and `ciphertext` members: `{"format":…,"header":…,"recipients":[…]}`.
//! * The data key is wrapped for every recipient with HPKE (RFC 9180) in Base mode, suite
//!   DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305 (ids 0x0020, 0x0001, 0x0003),
//!   `info` = [`WRAP_INFO`], `aad` = `{"format":…,"header":…}`.
//! * After decryption the content is hashed as `record anchor` hashes it
//!   ([`crate::hashing::content_hash`] of `content_kind`) and must equal `content_hash`.
//!
//! This file seals and opens; the canonical JSON encoding and parsing of envelopes
//! ([`SealedEnvelope::to_bytes`], [`SealedEnvelope::parse`]) is in `seal/wire.rs`.

use super::keys::{wallet_encryption_key, EncryptionPublicKey, EncryptionSecretKey};
pub use super::wire::per_recipient_overhead;
use super::wire::{json_bytes, ContentAad, WireRecipient, WrapAad};
use super::SealError;
use crate::hashing::{content_hash, ContentKind};
use anchor_lang::prelude::Pubkey;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use medchain::vocabulary::{categories, is_single_member, purposes};
use rand_core::CryptoRng;
use std::collections::HashSet;
use zeroize::Zeroizing;

/// The format name and version written in every envelope.
pub const FORMAT: &str = "medchain-sealed-v1";
/// HPKE KEM id of DHKEM(X25519, HKDF-SHA256) (RFC 9180 §7.1).
pub const KEM_ID: u16 = 0x0020;
/// HPKE KDF id of HKDF-SHA256 (RFC 9180 §7.2).
pub const KDF_ID: u16 = 0x0001;
/// HPKE AEAD id of ChaCha20Poly1305 (RFC 9180 §7.3), also used for the content.
pub const AEAD_ID: u16 = 0x0003;
/// The HPKE `info` of every key wrap.
pub const WRAP_INFO: &[u8] = b"medchain-sealed-v1 key wrap";
/// Bytes a wrapped data key takes: 32-byte key plus 16-byte tag.
pub const WRAPPED_KEY_LEN: usize = 48;
/// Length of the content nonce.
pub const NONCE_LEN: usize = 12;
/// Length of the content authentication tag.
pub const TAG_LEN: usize = 16;

type WrapAead = hpke::aead::ChaCha20Poly1305;
type ContentAead = chacha20poly1305::ChaCha20Poly1305;
type HpkePrivateKey = <X25519HkdfSha256 as hpke::Kem>::PrivateKey;
type HpkePublicKey = <X25519HkdfSha256 as hpke::Kem>::PublicKey;
type HpkeEncappedKey = <X25519HkdfSha256 as hpke::Kem>::EncappedKey;

/// Who a recipient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecipientRole {
    /// The patient the record is about (key derived from their wallet).
    Patient,
    /// A provider whose consent permits reading the category (key published on-chain).
    Provider,
}

impl RecipientRole {
    /// The name used in the envelope.
    pub fn as_str(&self) -> &'static str {
        match self {
            RecipientRole::Patient => "patient",
            RecipientRole::Provider => "provider",
        }
    }
}

/// A recipient: who, and the X25519 key the data key is wrapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    /// Patient or provider.
    pub role: RecipientRole,
    /// The recipient's wallet (a provider's authority, or the patient's wallet).
    pub wallet: Pubkey,
    /// The X25519 public key the data key is wrapped to.
    pub public_key: EncryptionPublicKey,
}

impl Recipient {
    /// The patient as a recipient, with the key derived from their wallet.
    ///
    /// # Errors
    ///
    /// As [`wallet_encryption_key`].
    pub fn patient(wallet: &Pubkey) -> Result<Self, SealError> {
        Ok(Self {
            role: RecipientRole::Patient,
            wallet: *wallet,
            public_key: wallet_encryption_key(wallet)?,
        })
    }

    /// The patient as a recipient with the X25519 key they published on-chain
    /// (`set_patient_encryption_key`), for a wallet that cannot export its secret.
    pub fn patient_with_key(wallet: &Pubkey, public_key: EncryptionPublicKey) -> Self {
        Self { role: RecipientRole::Patient, wallet: *wallet, public_key }
    }

    /// A provider as a recipient, with the key it published.
    pub fn provider(wallet: &Pubkey, public_key: EncryptionPublicKey) -> Self {
        Self { role: RecipientRole::Provider, wallet: *wallet, public_key }
    }
}

/// What the envelope says about its content (all of it authenticated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeHeader {
    /// The content hash anchored on-chain: SHA-256 of the RFC 8785 form (JSON) or of the bytes.
    pub content_hash: [u8; 32],
    /// How `content_hash` is computed.
    pub content_kind: ContentKind,
    /// The patient's wallet.
    pub patient: Pubkey,
    /// The data category (one bit), which decides the provider recipients.
    pub category: u32,
    /// The purpose of use (one bit) under which providers were chosen.
    pub purpose: u16,
    /// The Record account anchoring this content, if known.
    pub record: Option<Pubkey>,
    /// Cluster time of sealing (unix seconds).
    pub sealed_at: i64,
}

/// What a sealer says about the content it seals (the hash is computed from the content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealMeta {
    /// How the content is hashed (FHIR JSON or raw bytes).
    pub content_kind: ContentKind,
    /// The patient's wallet.
    pub patient: Pubkey,
    /// The data category (one bit).
    pub category: u32,
    /// The purpose of use (one bit) under which providers were chosen.
    pub purpose: u16,
    /// The Record account anchoring this content, if known.
    pub record: Option<Pubkey>,
    /// Time of sealing (unix seconds; the cluster's clock when sealing from the chain).
    pub sealed_at: i64,
}

/// One recipient's entry: who, and the data key wrapped to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientEntry {
    /// The recipient.
    pub recipient: Recipient,
    /// The HPKE encapsulated key (ephemeral X25519 public key).
    pub enc: [u8; 32],
    /// The data key sealed with HPKE (32 bytes + 16-byte tag).
    pub wrapped_key: [u8; WRAPPED_KEY_LEN],
}

/// A parsed, structurally valid envelope (not yet decrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedEnvelope {
    /// The authenticated header.
    pub header: EnvelopeHeader,
    /// The recipients, patient first.
    pub recipients: Vec<RecipientEntry>,
    /// The content nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The encrypted content followed by its 16-byte tag.
    pub ciphertext: Vec<u8>,
}

/// The result of opening an envelope.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The envelope's header (content hash verified against the plaintext).
    pub header: EnvelopeHeader,
    /// Every recipient of the envelope.
    pub recipients: Vec<Recipient>,
    /// The recipient whose key opened it.
    pub opened_as: Recipient,
    /// The content; wiped from memory when dropped.
    pub plaintext: Zeroizing<Vec<u8>>,
}

pub(super) fn check_category_purpose(category: u32, purpose: u16) -> Result<(), SealError> {
    if !is_single_member(category.into(), categories::VALID.into()) {
        return Err(SealError::InvalidMetadata(format!(
            "category {category:#x} is not exactly one known data category"
        )));
    }
    if !is_single_member(purpose.into(), purposes::VALID.into()) {
        return Err(SealError::InvalidMetadata(format!(
            "purpose {purpose:#x} is not exactly one known purpose of use"
        )));
    }
    Ok(())
}

/// Checks a recipient list: the patient exactly once, no wallet or key twice, no empty key.
/// Which key is the patient's (the one they published on-chain, else the one derived from
/// their wallet) is the chain's to say:
/// [`Medchain::sealing_recipients`](crate::Medchain::sealing_recipients) decides it, not the
/// envelope.
pub(super) fn check_recipients(
    patient: &Pubkey,
    recipients: &[Recipient],
) -> Result<(), SealError> {
    let patients: Vec<&Recipient> =
        recipients.iter().filter(|r| r.role == RecipientRole::Patient).collect();
    match patients.as_slice() {
        [only] if only.wallet == *patient => {}
        [_] => {
            return Err(SealError::InvalidRecipients(
                "the patient recipient is not the envelope's patient".into(),
            ))
        }
        _ => {
            return Err(SealError::InvalidRecipients(format!(
                "the patient must be a recipient exactly once (found {})",
                patients.len()
            )))
        }
    }
    let mut wallets = HashSet::new();
    let mut keys = HashSet::new();
    for r in recipients {
        if !wallets.insert(r.wallet) || !keys.insert(r.public_key) {
            return Err(SealError::InvalidRecipients(format!(
                "recipient {} (or its key) is listed twice",
                r.wallet
            )));
        }
        if r.public_key.0 == [0; 32] {
            return Err(SealError::InvalidRecipients(format!(
                "recipient {} has no encryption key",
                r.wallet
            )));
        }
    }
    Ok(())
}

/// Seals `content` for `recipients` with the operating system's random number generator.
///
/// The patient (`meta.patient`) must be among the recipients, exactly once, with their
/// published key ([`Recipient::patient_with_key`]) or the key of their wallet
/// ([`Recipient::patient`]).
///
/// # Errors
///
/// [`SealError::Content`] when `meta.content_kind` is JSON and the content is not valid
/// I-JSON, [`SealError::InvalidMetadata`] / [`SealError::InvalidRecipients`] for bad
/// arguments, [`SealError::Randomness`] when the OS has no randomness,
/// [`SealError::Encryption`] when a recipient key is unusable (e.g. of small order).
pub fn seal(
    content: &[u8],
    meta: SealMeta,
    recipients: &[Recipient],
) -> Result<SealedEnvelope, SealError> {
    // Fail with an error, not a panic, when the OS generator is unavailable; once it has
    // answered it keeps answering.
    let mut probe = [0u8; 1];
    getrandom::fill(&mut probe).map_err(|e| SealError::Randomness(e.to_string()))?;
    seal_with_rng(content, meta, recipients, &mut rand_core::UnwrapErr(getrandom::SysRng))
}

/// [`seal`] with an explicit random number generator. It draws, in this order: the 32-byte
/// data key, the 12-byte nonce, then per recipient (patient first) the 32 bytes of input keying
/// material from which HPKE derives the ephemeral key (RFC 9180 `DeriveKeyPair`). The
/// known-answer test relies on this order.
pub(crate) fn seal_with_rng(
    content: &[u8],
    meta: SealMeta,
    recipients: &[Recipient],
    rng: &mut impl CryptoRng,
) -> Result<SealedEnvelope, SealError> {
    check_category_purpose(meta.category, meta.purpose)?;
    check_recipients(&meta.patient, recipients)?;
    let header = EnvelopeHeader {
        content_hash: content_hash(content, meta.content_kind).map_err(SealError::Content)?,
        content_kind: meta.content_kind,
        patient: meta.patient,
        category: meta.category,
        purpose: meta.purpose,
        record: meta.record,
        sealed_at: meta.sealed_at,
    };
    let mut data_key = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(data_key.as_mut());
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);

    let wire_header = header.to_wire();
    let wrap_aad = json_bytes(&WrapAad { format: FORMAT, header: &wire_header })?;
    // Patient first, then providers in the order given.
    let mut ordered: Vec<&Recipient> = recipients.iter().collect();
    ordered.sort_by_key(|r| r.role != RecipientRole::Patient);
    let mut entries = Vec::with_capacity(ordered.len());
    for recipient in ordered {
        let public = HpkePublicKey::from_bytes(&recipient.public_key.0)
            .map_err(|e| SealError::Encryption(format!("recipient {}: {e}", recipient.wallet)))?;
        let (enc, wrapped) =
            hpke::single_shot_seal_with_rng::<WrapAead, HkdfSha256, X25519HkdfSha256>(
                &OpModeS::Base,
                &public,
                WRAP_INFO,
                data_key.as_ref(),
                &wrap_aad,
                rng,
            )
            .map_err(|e| {
                SealError::Encryption(format!(
                    "cannot wrap the data key for {} (unusable key {}): {e}",
                    recipient.wallet, recipient.public_key
                ))
            })?;
        let wrapped_key: [u8; WRAPPED_KEY_LEN] = wrapped.as_slice().try_into().map_err(|_| {
            SealError::Encryption("HPKE returned a wrapped key of unexpected length".into())
        })?;
        let mut enc_bytes = [0u8; 32];
        enc_bytes.copy_from_slice(&enc.to_bytes());
        entries.push(RecipientEntry { recipient: *recipient, enc: enc_bytes, wrapped_key });
    }
    let wire_recipients: Vec<WireRecipient> = entries.iter().map(RecipientEntry::to_wire).collect();
    let aad = json_bytes(&ContentAad {
        format: FORMAT,
        header: &wire_header,
        recipients: &wire_recipients,
    })?;
    let cipher = ContentAead::new(&(*data_key).into());
    let ciphertext = cipher
        .encrypt(&nonce.into(), Payload { msg: content, aad: &aad })
        .map_err(|_| SealError::Encryption("the content is too large to encrypt".into()))?;
    Ok(SealedEnvelope { header, recipients: entries, nonce, ciphertext })
}

/// Opens an envelope with a recipient's secret key: checks the envelope, unwraps the data
/// key, decrypts and authenticates the content and its header, and checks the content hash.
///
/// It checks nothing on-chain; [`crate::Medchain::open_sealed`] also does that.
///
/// # Errors
///
/// Everything [`SealedEnvelope::parse`] reports, then [`SealError::NotARecipient`] when the
/// key is not among the recipients, [`SealError::KeyUnwrapFailed`] or [`SealError::Tampered`]
/// when authentication fails (the envelope was altered), [`SealError::ContentHashMismatch`]
/// when the content does not have the content hash the envelope claims.
pub fn open(bytes: &[u8], key: &EncryptionSecretKey) -> Result<Opened, SealError> {
    let envelope = SealedEnvelope::parse(bytes)?;
    open_envelope(&envelope, key)
}

/// [`open`] for an envelope already parsed.
///
/// # Errors
///
/// As [`open`], except parsing errors.
pub fn open_envelope(
    envelope: &SealedEnvelope,
    key: &EncryptionSecretKey,
) -> Result<Opened, SealError> {
    let public = key.public_key();
    let entry =
        envelope.recipients.iter().find(|e| e.recipient.public_key == public).ok_or_else(|| {
            SealError::NotARecipient {
                public_key: public.to_string(),
                recipients: envelope.recipients.len(),
            }
        })?;
    let wire_header = envelope.header.to_wire();
    let wrap_aad = json_bytes(&WrapAad { format: FORMAT, header: &wire_header })?;
    let secret = HpkePrivateKey::from_bytes(key.to_bytes().as_ref())
        .map_err(|e| SealError::InvalidKey(e.to_string()))?;
    let enc = HpkeEncappedKey::from_bytes(&entry.enc).map_err(|_| SealError::KeyUnwrapFailed)?;
    let data_key = Zeroizing::new(
        hpke::single_shot_open::<WrapAead, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &secret,
            &enc,
            WRAP_INFO,
            &entry.wrapped_key,
            &wrap_aad,
        )
        .map_err(|_| SealError::KeyUnwrapFailed)?,
    );
    let data_key: [u8; 32] =
        data_key.as_slice().try_into().map_err(|_| SealError::KeyUnwrapFailed)?;
    let data_key = Zeroizing::new(data_key);
    let wire_recipients: Vec<WireRecipient> =
        envelope.recipients.iter().map(RecipientEntry::to_wire).collect();
    let aad = json_bytes(&ContentAad {
        format: FORMAT,
        header: &wire_header,
        recipients: &wire_recipients,
    })?;
    let cipher = ContentAead::new(&(*data_key).into());
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(&envelope.nonce.into(), Payload { msg: &envelope.ciphertext, aad: &aad })
            .map_err(|_| SealError::Tampered)?,
    );
    let actual =
        content_hash(&plaintext, envelope.header.content_kind).map_err(SealError::Content)?;
    if actual != envelope.header.content_hash {
        return Err(SealError::ContentHashMismatch {
            expected: hex::encode(envelope.header.content_hash),
            actual: hex::encode(actual),
        });
    }
    Ok(Opened {
        header: envelope.header,
        recipients: envelope.recipient_list(),
        opened_as: entry.recipient,
        plaintext,
    })
}

#[cfg(test)]
pub(crate) mod test_rng {
    //! A deterministic generator for known-answer tests only: SHA-256(seed ‖ counter) blocks.

    use sha2::{Digest, Sha256};
    use std::convert::Infallible;

    /// Deterministic bytes from a seed. Never use outside tests.
    pub struct TestRng {
        seed: [u8; 32],
        counter: u64,
        block: [u8; 32],
        used: usize,
    }

    impl TestRng {
        /// A generator from `seed`.
        pub fn new(seed: [u8; 32]) -> Self {
            Self { seed, counter: 0, block: [0; 32], used: 32 }
        }
    }

    impl rand_core::TryRng for TestRng {
        type Error = Infallible;

        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            let mut b = [0u8; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }

        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            let mut b = [0u8; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }

        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            for byte in dst {
                if self.used == 32 {
                    let mut h = Sha256::new();
                    h.update(self.seed);
                    h.update(self.counter.to_le_bytes());
                    self.block = h.finalize().into();
                    self.counter += 1;
                    self.used = 0;
                }
                *byte = self.block[self.used];
                self.used += 1;
            }
            Ok(())
        }
    }

    impl rand_core::TryCryptoRng for TestRng {}
}

#[cfg(test)]
mod tests {
    use super::test_rng::TestRng;
    use super::*;
    use base64::Engine;
    use medchain::vocabulary::{categories::OBSERVATIONS, purposes::TREAT};
    use serde::{Deserialize, Serialize};
    use solana_sdk::signature::{Keypair, Signer};

    const OBSERVATION: &str = r#"{"resourceType":"Observation","id":"obs-kat","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}],"text":"SYNTHETIC-BODY-TEMPERATURE"},"subject":{"reference":"Patient/synthetic-1"},"valueQuantity":{"value":37.2,"unit":"Cel"}}"#;

    struct Cast {
        patient: Keypair,
        provider_a: (Pubkey, EncryptionSecretKey),
        provider_b: (Pubkey, EncryptionSecretKey),
    }

    fn cast(rng: &mut TestRng) -> Cast {
        let mut seed = [0u8; 32];
        rand_core::Rng::fill_bytes(rng, &mut seed);
        let provider = |rng: &mut TestRng| {
            let mut wallet = [0u8; 32];
            rand_core::Rng::fill_bytes(rng, &mut wallet);
            (Keypair::new_from_array(wallet).pubkey(), EncryptionSecretKey::generate_with_rng(rng))
        };
        Cast {
            patient: Keypair::new_from_array(seed),
            provider_a: provider(rng),
            provider_b: provider(rng),
        }
    }

    fn meta(patient: &Pubkey) -> SealMeta {
        SealMeta {
            content_kind: ContentKind::Json,
            patient: *patient,
            category: OBSERVATIONS,
            purpose: TREAT,
            record: None,
            sealed_at: 1_700_000_000,
        }
    }

    fn recipients(c: &Cast) -> Vec<Recipient> {
        vec![
            Recipient::patient(&c.patient.pubkey()).unwrap(),
            Recipient::provider(&c.provider_a.0, c.provider_a.1.public_key()),
            Recipient::provider(&c.provider_b.0, c.provider_b.1.public_key()),
        ]
    }

    #[test]
    fn every_recipient_opens_and_gets_the_content() {
        let mut rng = TestRng::new([1; 32]);
        let c = cast(&mut rng);
        let envelope =
            seal(OBSERVATION.as_bytes(), meta(&c.patient.pubkey()), &recipients(&c)).unwrap();
        let bytes = envelope.to_bytes().unwrap();
        assert_eq!(SealedEnvelope::parse(&bytes).unwrap(), envelope);
        for key in [
            EncryptionSecretKey::from_wallet(&c.patient),
            c.provider_a.1.clone(),
            c.provider_b.1.clone(),
        ] {
            let opened = open(&bytes, &key).unwrap();
            assert_eq!(opened.plaintext.as_slice(), OBSERVATION.as_bytes());
            assert_eq!(opened.opened_as.public_key, key.public_key());
            assert_eq!(
                opened.header.content_hash,
                crate::hashing::content_hash_json(OBSERVATION.as_bytes()).unwrap()
            );
        }
        // A trailing newline (as editors add) is fine.
        let mut with_newline = bytes.clone();
        with_newline.push(b'\n');
        assert!(open(&with_newline, &c.provider_a.1).is_ok());
        // The patient is listed first.
        assert_eq!(envelope.recipients[0].recipient.role, RecipientRole::Patient);
    }

    #[test]
    fn outsiders_cannot_open() {
        let mut rng = TestRng::new([2; 32]);
        let c = cast(&mut rng);
        let bytes = seal(OBSERVATION.as_bytes(), meta(&c.patient.pubkey()), &recipients(&c))
            .unwrap()
            .to_bytes()
            .unwrap();
        let outsider = EncryptionSecretKey::generate().unwrap();
        match open(&bytes, &outsider) {
            Err(SealError::NotARecipient { recipients, .. }) => assert_eq!(recipients, 3),
            other => panic!("expected NotARecipient, got {other:?}"),
        }
        // Another wallet's derived key is not the patient's.
        let err = open(&bytes, &EncryptionSecretKey::from_wallet(&Keypair::new())).unwrap_err();
        assert!(err.to_string().contains("not one of the 3 recipients"), "{err}");
    }

    #[test]
    fn plaintext_never_appears_in_the_envelope() {
        let mut rng = TestRng::new([3; 32]);
        let c = cast(&mut rng);
        let bytes = seal(OBSERVATION.as_bytes(), meta(&c.patient.pubkey()), &recipients(&c))
            .unwrap()
            .to_bytes()
            .unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        for needle in ["SYNTHETIC-BODY-TEMPERATURE", "synthetic-1", "8310-5", "Observation", "37.2"]
        {
            assert!(!text.contains(needle), "{needle} leaked");
        }
        // Nor base64 of it at any alignment.
        let b64 = base64::engine::general_purpose::STANDARD;
        for shift in 0..3 {
            let chunk = &OBSERVATION.as_bytes()[shift..shift + 30];
            let encoded = b64.encode(chunk);
            assert!(!text.contains(&encoded[4..36]), "base64 of the plaintext leaked");
        }
    }

    /// Every single-byte change of an envelope, to every other value, makes `open` fail (and
    /// never panic, never return content). Run for a recipient whose entry is not the one
    /// changed and for one whose entry is.
    #[test]
    fn every_single_byte_change_is_rejected() {
        let mut rng = TestRng::new([4; 32]);
        let c = cast(&mut rng);
        let content = br#"{"resourceType":"Basic","id":"x"}"#;
        let recipients = vec![
            Recipient::patient(&c.patient.pubkey()).unwrap(),
            Recipient::provider(&c.provider_a.0, c.provider_a.1.public_key()),
        ];
        let bytes = seal_with_rng(content, meta(&c.patient.pubkey()), &recipients, &mut rng)
            .unwrap()
            .to_bytes()
            .unwrap();
        let keys = [EncryptionSecretKey::from_wallet(&c.patient), c.provider_a.1.clone()];
        for key in &keys {
            assert!(open(&bytes, key).is_ok());
        }
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        let mut tampered = bytes.clone();
        for i in 0..bytes.len() {
            for value in 0..=255u8 {
                if value == bytes[i] {
                    continue;
                }
                tampered[i] = value;
                // Trailing newline handling: appending is not a change of a byte.
                for key in &keys {
                    match open(&tampered, key) {
                        Ok(_) => panic!("byte {i} changed to {value:#04x} still opens"),
                        Err(e) => {
                            let kind = format!("{e:?}");
                            let kind = kind.split(['(', ' ', '{']).next().unwrap_or("").to_string();
                            *counts.entry(kind).or_default() += 1;
                        }
                    }
                }
            }
            tampered[i] = bytes[i];
        }
        // Every way of failing was exercised: parse, canonical form, recipient lookup, key
        // unwrap and content authentication.
        for kind in ["Malformed", "NotCanonical", "NotARecipient", "KeyUnwrapFailed", "Tampered"] {
            assert!(counts.get(kind).copied().unwrap_or(0) > 0, "{kind} never seen: {counts:?}");
        }
    }

    #[test]
    fn entries_cannot_be_moved_between_envelopes() {
        let mut rng = TestRng::new([5; 32]);
        let c = cast(&mut rng);
        let recipients = recipients(&c);
        let one = seal(OBSERVATION.as_bytes(), meta(&c.patient.pubkey()), &recipients).unwrap();
        let mut other_meta = meta(&c.patient.pubkey());
        other_meta.category = medchain::vocabulary::categories::GENETICS;
        let two = seal(OBSERVATION.as_bytes(), other_meta, &recipients).unwrap();
        // Category swapped in the header: the wrap and content authentication fail.
        let mut swapped = one.clone();
        swapped.header.category = two.header.category;
        assert!(matches!(
            open(&swapped.to_bytes().unwrap(), &c.provider_a.1),
            Err(SealError::KeyUnwrapFailed)
        ));
        // A provider's entry dropped: content authentication fails for the others.
        let mut dropped = one.clone();
        dropped.recipients.remove(2);
        assert!(matches!(
            open(&dropped.to_bytes().unwrap(), &c.provider_a.1),
            Err(SealError::Tampered)
        ));
        // Wrapped keys taken from the other envelope: unwrapping fails.
        let mut mixed = one.clone();
        mixed.recipients[1] = two.recipients[1].clone();
        assert!(matches!(
            open(&mixed.to_bytes().unwrap(), &c.provider_a.1),
            Err(SealError::KeyUnwrapFailed)
        ));
        // Content from the other envelope: authentication fails.
        let mut spliced = one.clone();
        spliced.nonce = two.nonce;
        spliced.ciphertext = two.ciphertext.clone();
        assert!(matches!(
            open(&spliced.to_bytes().unwrap(), &c.provider_a.1),
            Err(SealError::Tampered)
        ));
    }

    #[test]
    fn a_lying_content_hash_is_caught() {
        // A sealer (holding the data key) who writes a content hash that is not the
        // content's: authentication passes, the hash check does not.
        let mut rng = TestRng::new([6; 32]);
        let c = cast(&mut rng);
        let recipients = recipients(&c);
        let mut envelope =
            seal(OBSERVATION.as_bytes(), meta(&c.patient.pubkey()), &recipients).unwrap();
        envelope.header.content_hash = [7; 32];
        // Re-seal consistently with the lie: re-do the crypto with the false header.
        let resealed = reseal_with_header(OBSERVATION.as_bytes(), envelope.header, &recipients);
        match open(&resealed.to_bytes().unwrap(), &c.provider_b.1) {
            Err(SealError::ContentHashMismatch { expected, .. }) => {
                assert_eq!(expected, hex::encode([7; 32]))
            }
            other => panic!("expected a hash mismatch, got {other:?}"),
        }
    }

    /// Seals `content` under an arbitrary (possibly false) header, as a dishonest sealer would.
    fn reseal_with_header(
        content: &[u8],
        header: EnvelopeHeader,
        recipients: &[Recipient],
    ) -> SealedEnvelope {
        let nonce = [0u8; NONCE_LEN];
        let mut data_key = [0u8; 32];
        let mut rng = TestRng::new([9; 32]);
        rand_core::Rng::fill_bytes(&mut rng, &mut data_key);
        let wire_header = header.to_wire();
        let wrap_aad = json_bytes(&WrapAad { format: FORMAT, header: &wire_header }).unwrap();
        let mut entries = Vec::new();
        for r in recipients {
            let pk = HpkePublicKey::from_bytes(&r.public_key.0).unwrap();
            let (enc, wrapped) = hpke::single_shot_seal_with_rng::<
                WrapAead,
                HkdfSha256,
                X25519HkdfSha256,
            >(
                &OpModeS::Base, &pk, WRAP_INFO, &data_key, &wrap_aad, &mut rng
            )
            .unwrap();
            entries.push(RecipientEntry {
                recipient: *r,
                enc: enc.to_bytes().as_slice().try_into().unwrap(),
                wrapped_key: wrapped.as_slice().try_into().unwrap(),
            });
        }
        let wire_recipients: Vec<_> = entries.iter().map(RecipientEntry::to_wire).collect();
        let aad = json_bytes(&ContentAad {
            format: FORMAT,
            header: &wire_header,
            recipients: &wire_recipients,
        })
        .unwrap();
        let ciphertext = ContentAead::new(&data_key.into())
            .encrypt(&nonce.into(), Payload { msg: content, aad: &aad })
            .unwrap();
        SealedEnvelope { header, recipients: entries, nonce, ciphertext }
    }

    #[test]
    fn bad_arguments_are_refused() {
        let mut rng = TestRng::new([10; 32]);
        let c = cast(&mut rng);
        let patient = c.patient.pubkey();
        let only_provider = vec![Recipient::provider(&c.provider_a.0, c.provider_a.1.public_key())];
        assert!(matches!(
            seal(b"{}", meta(&patient), &only_provider),
            Err(SealError::InvalidRecipients(_))
        ));
        let twice = vec![
            Recipient::patient(&patient).unwrap(),
            Recipient::provider(&c.provider_a.0, c.provider_a.1.public_key()),
            Recipient::provider(&c.provider_a.0, c.provider_b.1.public_key()),
        ];
        assert!(matches!(
            seal(b"{}", meta(&patient), &twice),
            Err(SealError::InvalidRecipients(_))
        ));
        let mut wrong_patient_key = recipients(&c);
        wrong_patient_key[0].public_key = c.provider_b.1.public_key();
        assert!(matches!(
            seal(b"{}", meta(&patient), &wrong_patient_key),
            Err(SealError::InvalidRecipients(_))
        ));
        let mut two_categories = meta(&patient);
        two_categories.category |= medchain::vocabulary::categories::IMAGING;
        assert!(matches!(
            seal(b"{}", two_categories, &recipients(&c)),
            Err(SealError::InvalidMetadata(_))
        ));
        assert!(matches!(
            seal(b"{not json", meta(&patient), &recipients(&c)),
            Err(SealError::Content(_))
        ));
        // A small-order recipient key cannot be wrapped to.
        let mut small = recipients(&c);
        let mut order_four = [0u8; 32];
        order_four[0] = 1; // u = 1 is a point of order 4: every shared secret with it is zero
        small[1].public_key = EncryptionPublicKey(order_four);
        assert!(matches!(seal(b"{}", meta(&patient), &small), Err(SealError::Encryption(_))));
    }

    // ----- known-answer test ---------------------------------------------------------------

    /// The committed vector: fixed keys, a deterministic generator, a fixed plaintext.
    #[derive(Serialize, Deserialize)]
    struct Kat {
        description: String,
        patient_wallet_seed: String,
        provider_wallet: String,
        provider_secret_key: String,
        rng_seed: String,
        plaintext: String,
        content_kind: String,
        category: u32,
        purpose: u16,
        record: Option<String>,
        sealed_at: i64,
        patient_public_key: String,
        provider_public_key: String,
        content_hash: String,
        envelope: String,
    }

    fn kat_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seal/kat-v1.json")
    }

    fn compute_kat() -> Kat {
        let patient_seed = [0x42u8; 32];
        let provider_secret = [0x24u8; 32];
        let rng_seed = [0x5au8; 32];
        let patient = Keypair::new_from_array(patient_seed);
        let provider_wallet = Keypair::new_from_array([0x11; 32]).pubkey();
        let provider_key = EncryptionSecretKey::from_bytes(provider_secret);
        let record = crate::pda::record(&crate::pda::patient(&patient.pubkey()), &[0x33; 32]);
        let meta = SealMeta {
            content_kind: ContentKind::Json,
            patient: patient.pubkey(),
            category: OBSERVATIONS,
            purpose: TREAT,
            record: Some(record),
            sealed_at: 1_700_000_000,
        };
        let recipients = vec![
            Recipient::patient(&patient.pubkey()).unwrap(),
            Recipient::provider(&provider_wallet, provider_key.public_key()),
        ];
        let envelope =
            seal_with_rng(OBSERVATION.as_bytes(), meta, &recipients, &mut TestRng::new(rng_seed))
                .unwrap();
        Kat {
            description: "medchain-sealed-v1 known-answer vector. Random bytes come from \
                SHA-256(rng_seed || u64-le counter) blocks, drawn in order: data key (32), \
                nonce (12), then for each recipient, patient first, the 32-byte input keying \
                material of its HPKE ephemeral key (RFC 9180 DeriveKeyPair). The patient's wallet is the ed25519 keypair of patient_wallet_seed; the \
                provider's X25519 secret is provider_secret_key."
                .into(),
            patient_wallet_seed: hex::encode(patient_seed),
            provider_wallet: provider_wallet.to_string(),
            provider_secret_key: hex::encode(provider_secret),
            rng_seed: hex::encode(rng_seed),
            plaintext: OBSERVATION.into(),
            content_kind: "json".into(),
            category: OBSERVATIONS,
            purpose: TREAT,
            record: Some(record.to_string()),
            sealed_at: 1_700_000_000,
            patient_public_key: recipients[0].public_key.to_string(),
            provider_public_key: recipients[1].public_key.to_string(),
            content_hash: hex::encode(envelope.header.content_hash),
            envelope: String::from_utf8(envelope.to_bytes().unwrap()).unwrap(),
        }
    }

    /// The envelope format is pinned by a committed vector (regenerate deliberately with
    /// `UPDATE_SEAL_KAT=1` only when the format version changes).
    #[test]
    fn known_answer_vector() {
        let computed = compute_kat();
        if std::env::var_os("UPDATE_SEAL_KAT").is_some() {
            let mut text = serde_json::to_string_pretty(&computed).unwrap();
            text.push('\n');
            std::fs::create_dir_all(kat_path().parent().unwrap()).unwrap();
            std::fs::write(kat_path(), text).unwrap();
        }
        let committed: Kat =
            serde_json::from_str(&std::fs::read_to_string(kat_path()).expect("fixture")).unwrap();
        assert_eq!(committed.patient_public_key, computed.patient_public_key);
        assert_eq!(committed.provider_public_key, computed.provider_public_key);
        assert_eq!(committed.content_hash, computed.content_hash);
        assert_eq!(committed.envelope, computed.envelope, "the sealed-v1 encoding changed");
        // The committed envelope opens with both committed keys to the committed plaintext.
        let seed: [u8; 32] =
            hex::decode(&committed.patient_wallet_seed).unwrap().try_into().unwrap();
        let patient_key = EncryptionSecretKey::from_wallet(&Keypair::new_from_array(seed));
        let provider_secret: [u8; 32] =
            hex::decode(&committed.provider_secret_key).unwrap().try_into().unwrap();
        for key in [patient_key, EncryptionSecretKey::from_bytes(provider_secret)] {
            let opened = open(committed.envelope.as_bytes(), &key).unwrap();
            assert_eq!(opened.plaintext.as_slice(), committed.plaintext.as_bytes());
            assert_eq!(hex::encode(opened.header.content_hash), committed.content_hash);
        }
    }

    #[test]
    fn per_recipient_overhead_matches_real_envelopes() {
        let mut rng = TestRng::new([11; 32]);
        let c = cast(&mut rng);
        let all = recipients(&c);
        let two = seal(b"{}", meta(&c.patient.pubkey()), &all[..2]).unwrap().to_bytes().unwrap();
        let three = seal(b"{}", meta(&c.patient.pubkey()), &all).unwrap().to_bytes().unwrap();
        // Base58 wallets are 43 or 44 characters.
        let diff = three.len() - two.len();
        assert!(diff == per_recipient_overhead() || diff + 1 == per_recipient_overhead(), "{diff}");
    }
}
