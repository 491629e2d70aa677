//! X25519 keys of the recipients of sealed records.
//!
//! * A **provider** keeps an X25519 secret key off-chain (a key file, see [`KeyFile`]) and
//!   publishes its public half on its Provider account with `set_provider_encryption_key`.
//! * A **patient** needs no extra key: their X25519 key pair is derived from their Solana
//!   (ed25519) wallet by the standard birational map between the Edwards and Montgomery
//!   forms of Curve25519 — libsodium's `crypto_sign_ed25519_pk_to_curve25519` /
//!   `crypto_sign_ed25519_sk_to_curve25519`. The public key follows from the wallet address
//!   alone ([`wallet_encryption_key`]), so a clinic can seal to a patient knowing only the
//!   address, and the patient opens with the keypair file they already have
//!   ([`EncryptionSecretKey::from_wallet`]).

use super::SealError;
use anchor_lang::prelude::Pubkey;
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::clamp_integer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};
use solana_sdk::signature::Keypair;
use std::path::Path;
use zeroize::{Zeroize, Zeroizing};

/// An X25519 public key (32 bytes, little-endian u-coordinate) that envelopes are sealed to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EncryptionPublicKey(pub [u8; 32]);

impl EncryptionPublicKey {
    /// The key's bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// Parses 64 hexadecimal characters.
    ///
    /// # Errors
    ///
    /// [`SealError::InvalidKey`] when the text is not 32 bytes of hex or is all zeros (the
    /// "no key published" value on a Provider account).
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        let bytes: [u8; 32] =
            hex::decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
                SealError::InvalidKey("an X25519 public key is 64 hexadecimal characters".into())
            })?;
        if bytes == [0; 32] {
            return Err(SealError::InvalidKey(
                "the all-zero X25519 public key is not a key".into(),
            ));
        }
        Ok(Self(bytes))
    }
}

impl std::fmt::Debug for EncryptionPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptionPublicKey({})", hex::encode(self.0))
    }
}

impl std::fmt::Display for EncryptionPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// An X25519 secret key that opens envelopes sealed to its public key. Its bytes are clamped
/// (RFC 7748 §5) and wiped from memory when it is dropped.
#[derive(Clone)]
pub struct EncryptionSecretKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for EncryptionSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptionSecretKey(public {})", self.public_key())
    }
}

impl EncryptionSecretKey {
    /// A fresh random key from the operating system's random number generator.
    ///
    /// # Errors
    ///
    /// [`SealError::Randomness`] when the operating system cannot provide random bytes.
    pub fn generate() -> Result<Self, SealError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| SealError::Randomness(e.to_string()))?;
        Ok(Self::from_bytes(*bytes))
    }

    /// A key drawn from `rng` (tests use a deterministic generator for known-answer vectors).
    #[cfg(test)]
    pub(crate) fn generate_with_rng(rng: &mut impl rand_core::CryptoRng) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(bytes.as_mut());
        Self::from_bytes(*bytes)
    }

    /// The key with these 32 secret bytes (clamped as X25519 requires).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self { bytes: Zeroizing::new(clamp_integer(bytes)) }
    }

    /// The X25519 key of a Solana wallet: the first 32 bytes of SHA-512 of the ed25519 seed,
    /// clamped — the scalar ed25519 itself signs with, so that
    /// `from_wallet(k).public_key() == wallet_encryption_key(&k.pubkey())`.
    /// This is libsodium's `crypto_sign_ed25519_sk_to_curve25519`.
    pub fn from_wallet(wallet: &Keypair) -> Self {
        let mut digest = Sha512::digest(wallet.secret_bytes());
        let mut scalar = [0u8; 32];
        scalar.copy_from_slice(&digest[..32]);
        digest.as_mut_slice().zeroize();
        let key = Self::from_bytes(scalar);
        scalar.zeroize();
        key
    }

    /// The matching public key.
    pub fn public_key(&self) -> EncryptionPublicKey {
        EncryptionPublicKey(MontgomeryPoint::mul_base_clamped(*self.bytes).to_bytes())
    }

    /// The secret bytes (clamped). Handle with care.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.bytes.clone()
    }
}

/// The X25519 public key of a Solana wallet address (an ed25519 public key), by the
/// birational map `u = (1 + y) / (1 - y)` — libsodium's `crypto_sign_ed25519_pk_to_curve25519`.
///
/// # Errors
///
/// [`SealError::InvalidKey`] when the address is not a point of the curve (program-derived
/// addresses are deliberately off the curve and have no secret key) or is of small order.
pub fn wallet_encryption_key(wallet: &Pubkey) -> Result<EncryptionPublicKey, SealError> {
    let point = CompressedEdwardsY(wallet.to_bytes()).decompress().ok_or_else(|| {
        SealError::InvalidKey(format!(
            "{wallet} is not an ed25519 public key (off the curve, e.g. a program address): no encryption key can be derived from it"
        ))
    })?;
    if point.is_small_order() {
        return Err(SealError::InvalidKey(format!(
            "{wallet} is a small-order ed25519 point: no encryption key can be derived from it"
        )));
    }
    Ok(EncryptionPublicKey(point.to_montgomery().to_bytes()))
}

/// The `kind` of a medchain X25519 key file.
pub const KEY_FILE_KIND: &str = "medchain-x25519-secret-v1";

/// A provider's encryption key file: JSON
/// `{"kind":"medchain-x25519-secret-v1","public_key":"<64 hex>","secret_key":"<64 hex>"}`,
/// written with owner-only permissions. The public key is stored too so that a file can be
/// checked (and published) without touching the secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// Always [`KEY_FILE_KIND`].
    pub kind: String,
    /// The X25519 public key, hex.
    pub public_key: String,
    /// The X25519 secret key, hex.
    pub secret_key: String,
}

impl KeyFile {
    /// The file contents for `key`.
    pub fn new(key: &EncryptionSecretKey) -> Self {
        Self {
            kind: KEY_FILE_KIND.into(),
            public_key: key.public_key().to_string(),
            secret_key: hex::encode(*key.to_bytes()),
        }
    }

    /// Parses a key file's contents and checks that its public key matches its secret key.
    ///
    /// # Errors
    ///
    /// [`SealError::InvalidKey`] when the contents are not a medchain key file or are
    /// inconsistent.
    pub fn parse(bytes: &[u8]) -> Result<EncryptionSecretKey, SealError> {
        let file: KeyFile = serde_json::from_slice(bytes).map_err(|e| {
            SealError::InvalidKey(format!("not a medchain encryption key file: {e}"))
        })?;
        if file.kind != KEY_FILE_KIND {
            return Err(SealError::InvalidKey(format!(
                "unknown key file kind '{}' (expected {KEY_FILE_KIND})",
                file.kind
            )));
        }
        let mut secret = Zeroizing::new(
            hex::decode(file.secret_key.trim())
                .map_err(|_| SealError::InvalidKey("secret_key is not hexadecimal".into()))?,
        );
        let bytes: [u8; 32] = secret
            .as_slice()
            .try_into()
            .map_err(|_| SealError::InvalidKey("secret_key is not 32 bytes".into()))?;
        secret.zeroize();
        let key = EncryptionSecretKey::from_bytes(bytes);
        let public = EncryptionPublicKey::from_hex(&file.public_key)?;
        if key.public_key() != public {
            return Err(SealError::InvalidKey(
                "the key file's public_key does not belong to its secret_key".into(),
            ));
        }
        Ok(key)
    }

    /// Reads and checks a key file.
    ///
    /// # Errors
    ///
    /// [`SealError::Io`] when it cannot be read, [`SealError::InvalidKey`] as [`KeyFile::parse`].
    pub fn read(path: &Path) -> Result<EncryptionSecretKey, SealError> {
        let bytes = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| SealError::Io(format!("cannot read {}: {e}", path.display())))?,
        );
        Self::parse(&bytes).map_err(|e| match e {
            SealError::InvalidKey(reason) => {
                SealError::InvalidKey(format!("{}: {reason}", path.display()))
            }
            other => other,
        })
    }

    /// Writes `key` to a new file at `path` (owner-only permissions on Unix); refuses to
    /// overwrite an existing file.
    ///
    /// # Errors
    ///
    /// [`SealError::Io`] when the file exists or cannot be written.
    pub fn write_new(path: &Path, key: &EncryptionSecretKey) -> Result<(), SealError> {
        use std::io::Write;
        let text = Zeroizing::new(
            serde_json::to_vec_pretty(&Self::new(key))
                .map_err(|e| SealError::Io(format!("cannot encode the key file: {e}")))?,
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(path)
            .map_err(|e| SealError::Io(format!("cannot create {}: {e}", path.display())))?;
        file.write_all(&text)
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(|e| SealError::Io(format!("cannot write {}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::signature::Signer;

    /// libsodium's `test/default/ed25519_convert` vector: the keypair from this seed converts
    /// to these Curve25519 keys.
    #[test]
    fn libsodium_ed25519_to_curve25519_vector() {
        let seed: [u8; 32] =
            hex::decode("421151a459faeade3d247115f94aedae42318124095afabe4d1451a559faedee")
                .unwrap()
                .try_into()
                .unwrap();
        let wallet = Keypair::new_from_array(seed);
        let secret = EncryptionSecretKey::from_wallet(&wallet);
        assert_eq!(
            hex::encode(*secret.to_bytes()),
            "8052030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de166"
        );
        let public = wallet_encryption_key(&wallet.pubkey()).unwrap();
        assert_eq!(
            public.to_string(),
            "f1814f0e8ff1043d8a44d25babff3cedcae6c22c3edaa48f857ae70de2baae50"
        );
        assert_eq!(secret.public_key(), public);
    }

    #[test]
    fn wallet_keys_agree_for_random_wallets() {
        for _ in 0..32 {
            let wallet = Keypair::new();
            assert_eq!(
                EncryptionSecretKey::from_wallet(&wallet).public_key(),
                wallet_encryption_key(&wallet.pubkey()).unwrap()
            );
        }
    }

    #[test]
    fn program_addresses_have_no_encryption_key() {
        let pda = crate::pda::registry();
        let err = wallet_encryption_key(&pda).unwrap_err();
        assert!(err.to_string().contains("off the curve"), "{err}");
    }

    #[test]
    fn key_files_round_trip_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        let key = EncryptionSecretKey::generate().unwrap();
        KeyFile::write_new(&path, &key).unwrap();
        assert_eq!(KeyFile::read(&path).unwrap().public_key(), key.public_key());
        // Never overwrites.
        assert!(KeyFile::write_new(&path, &key).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        // A public key that does not match is refused.
        let mut file = KeyFile::new(&key);
        file.public_key = EncryptionSecretKey::generate().unwrap().public_key().to_string();
        let err = KeyFile::parse(&serde_json::to_vec(&file).unwrap()).unwrap_err();
        assert!(err.to_string().contains("does not belong"), "{err}");
        assert!(KeyFile::parse(b"[1,2,3]").is_err());
        assert!(EncryptionPublicKey::from_hex(&"00".repeat(32)).is_err());
        assert!(EncryptionPublicKey::from_hex("abc").is_err());
    }
}
