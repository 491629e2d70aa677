//! The wire format of `medchain-sealed-v1` envelopes: their one canonical JSON encoding
//! ([`SealedEnvelope::to_bytes`]) and its strict parsing ([`SealedEnvelope::parse`]), plus
//! the JSON of the authenticated data (`WrapAad`, `ContentAad`). The format is described in
//! [`super::envelope`] and specified in docs/SEALING.md; sealing and opening are in
//! [`super::envelope`].

use super::envelope::{
    check_category_purpose, check_recipients, EnvelopeHeader, Recipient, RecipientEntry,
    RecipientRole, SealedEnvelope, AEAD_ID, FORMAT, KDF_ID, KEM_ID, TAG_LEN, WRAPPED_KEY_LEN,
};
use super::keys::EncryptionPublicKey;
use super::SealError;
use crate::hashing::ContentKind;
use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSuite {
    kem: u16,
    kdf: u16,
    aead: u16,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireHeader {
    suite: WireSuite,
    content_hash: String,
    content_kind: String,
    patient: String,
    category: u32,
    purpose: u16,
    record: Option<String>,
    sealed_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireRecipient {
    role: String,
    wallet: String,
    public_key: String,
    enc: String,
    wrapped_key: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEnvelope {
    format: String,
    header: WireHeader,
    recipients: Vec<WireRecipient>,
    nonce: String,
    ciphertext: String,
}

/// What the HPKE key wraps authenticate: `{"format":…,"header":…}`.
#[derive(Serialize)]
pub(super) struct WrapAad<'a> {
    pub(super) format: &'a str,
    pub(super) header: &'a WireHeader,
}

/// What the content AEAD authenticates: `{"format":…,"header":…,"recipients":[…]}`.
#[derive(Serialize)]
pub(super) struct ContentAad<'a> {
    pub(super) format: &'a str,
    pub(super) header: &'a WireHeader,
    pub(super) recipients: &'a [WireRecipient],
}

fn kind_name(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::Json => "json",
        ContentKind::Raw => "raw",
    }
}

pub(super) fn json_bytes(value: &impl Serialize) -> Result<Vec<u8>, SealError> {
    serde_json::to_vec(value).map_err(|e| SealError::Malformed(format!("cannot encode: {e}")))
}

impl EnvelopeHeader {
    pub(super) fn to_wire(self) -> WireHeader {
        WireHeader {
            suite: WireSuite { kem: KEM_ID, kdf: KDF_ID, aead: AEAD_ID },
            content_hash: hex::encode(self.content_hash),
            content_kind: kind_name(self.content_kind).into(),
            patient: self.patient.to_string(),
            category: self.category,
            purpose: self.purpose,
            record: self.record.map(|r| r.to_string()),
            sealed_at: self.sealed_at,
        }
    }

    fn from_wire(wire: &WireHeader) -> Result<Self, SealError> {
        let suite = &wire.suite;
        if (suite.kem, suite.kdf, suite.aead) != (KEM_ID, KDF_ID, AEAD_ID) {
            return Err(SealError::UnsupportedSuite {
                kem: suite.kem,
                kdf: suite.kdf,
                aead: suite.aead,
            });
        }
        let content_kind = match wire.content_kind.as_str() {
            "json" => ContentKind::Json,
            "raw" => ContentKind::Raw,
            other => return Err(malformed(format!("unknown content_kind '{other}'"))),
        };
        check_category_purpose(wire.category, wire.purpose)
            .map_err(|e| malformed(e.to_string()))?;
        Ok(Self {
            content_hash: fixed_hex(&wire.content_hash, "content_hash")?,
            content_kind,
            patient: address(&wire.patient, "patient")?,
            category: wire.category,
            purpose: wire.purpose,
            record: wire.record.as_deref().map(|r| address(r, "record")).transpose()?,
            sealed_at: wire.sealed_at,
        })
    }
}

fn malformed(reason: impl Into<String>) -> SealError {
    SealError::Malformed(reason.into())
}

fn fixed_hex<const N: usize>(text: &str, field: &str) -> Result<[u8; N], SealError> {
    hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed(format!("{field} is not {N} bytes of hexadecimal")))
}

fn address(text: &str, field: &str) -> Result<Pubkey, SealError> {
    Pubkey::from_str(text).map_err(|_| malformed(format!("{field} is not a base58 address")))
}

impl RecipientEntry {
    pub(super) fn to_wire(&self) -> WireRecipient {
        WireRecipient {
            role: self.recipient.role.as_str().into(),
            wallet: self.recipient.wallet.to_string(),
            public_key: self.recipient.public_key.to_string(),
            enc: hex::encode(self.enc),
            wrapped_key: hex::encode(self.wrapped_key),
        }
    }

    fn from_wire(wire: &WireRecipient) -> Result<Self, SealError> {
        let role = match wire.role.as_str() {
            "patient" => RecipientRole::Patient,
            "provider" => RecipientRole::Provider,
            other => return Err(malformed(format!("unknown recipient role '{other}'"))),
        };
        Ok(Self {
            recipient: Recipient {
                role,
                wallet: address(&wire.wallet, "recipient wallet")?,
                public_key: EncryptionPublicKey(fixed_hex(&wire.public_key, "public_key")?),
            },
            enc: fixed_hex(&wire.enc, "enc")?,
            wrapped_key: fixed_hex(&wire.wrapped_key, "wrapped_key")?,
        })
    }
}

impl SealedEnvelope {
    /// The envelope's canonical bytes (what is stored and sent).
    ///
    /// # Errors
    ///
    /// Only if JSON encoding fails, which it does not for these types.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SealError> {
        json_bytes(&self.to_wire())
    }

    fn to_wire(&self) -> WireEnvelope {
        WireEnvelope {
            format: FORMAT.into(),
            header: self.header.to_wire(),
            recipients: self.recipients.iter().map(RecipientEntry::to_wire).collect(),
            nonce: hex::encode(self.nonce),
            ciphertext: base64::engine::general_purpose::STANDARD.encode(&self.ciphertext),
        }
    }

    /// Parses an envelope and checks its structure (not its authenticity: that is
    /// [`open`]'s job). One trailing newline is tolerated.
    ///
    /// # Errors
    ///
    /// [`SealError::UnsupportedFormat`] for another format or version,
    /// [`SealError::UnsupportedSuite`] for other algorithms, [`SealError::Malformed`] for
    /// anything structurally wrong, [`SealError::NotCanonical`] when the bytes are not the
    /// envelope's one canonical form (i.e. they were altered).
    pub fn parse(bytes: &[u8]) -> Result<Self, SealError> {
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let wire: WireEnvelope = match serde_json::from_slice(bytes) {
            Ok(wire) => wire,
            Err(e) => {
                // A future version gets a clear "unsupported" error rather than a complaint
                // about its fields.
                #[derive(Deserialize)]
                struct FormatOnly {
                    format: String,
                }
                return Err(match serde_json::from_slice::<FormatOnly>(bytes) {
                    Ok(only) if only.format != FORMAT => SealError::UnsupportedFormat(only.format),
                    Ok(_) => malformed(e.to_string()),
                    Err(_) => {
                        malformed(format!("not a JSON object with a \"format\" member ({e})"))
                    }
                });
            }
        };
        if wire.format != FORMAT {
            return Err(SealError::UnsupportedFormat(wire.format));
        }
        let header = EnvelopeHeader::from_wire(&wire.header)?;
        let recipients =
            wire.recipients.iter().map(RecipientEntry::from_wire).collect::<Result<Vec<_>, _>>()?;
        let plain: Vec<Recipient> = recipients.iter().map(|e| e.recipient).collect();
        check_recipients(&header.patient, &plain).map_err(|e| match e {
            SealError::InvalidRecipients(reason) => malformed(reason),
            other => other,
        })?;
        // Strict decoding (canonical padding, zero trailing bits): one encoding per byte string.
        let ciphertext = base64::engine::general_purpose::STANDARD
            .decode(&wire.ciphertext)
            .map_err(|_| malformed("ciphertext is not standard base64"))?;
        if ciphertext.len() < TAG_LEN {
            return Err(malformed("ciphertext is shorter than its authentication tag"));
        }
        let nonce = fixed_hex(&wire.nonce, "nonce")?;
        // The canonical form, re-encoded from the decoded values (the ciphertext's base64 text
        // is reused: its strict decoding already proved it canonical).
        let canonical = WireEnvelope {
            format: FORMAT.into(),
            header: header.to_wire(),
            recipients: recipients.iter().map(RecipientEntry::to_wire).collect(),
            nonce: hex::encode(nonce),
            ciphertext: wire.ciphertext,
        };
        if json_bytes(&canonical)? != bytes {
            return Err(SealError::NotCanonical);
        }
        Ok(Self { header, recipients, nonce, ciphertext })
    }

    /// The recipients (without their wrapped keys).
    pub fn recipient_list(&self) -> Vec<Recipient> {
        self.recipients.iter().map(|e| e.recipient).collect()
    }
}

/// Bytes an envelope adds per recipient, beyond the first (measured on the canonical form):
/// role, wallet, public key, encapsulated key and wrapped key in JSON.
pub fn per_recipient_overhead() -> usize {
    // {"role":"provider","wallet":"<44>","public_key":"<64>","enc":"<64>","wrapped_key":"<96>"},
    let wire = WireRecipient {
        role: "provider".into(),
        wallet: "1".repeat(44),
        public_key: "0".repeat(64),
        enc: "0".repeat(64),
        wrapped_key: "0".repeat(2 * WRAPPED_KEY_LEN),
    };
    serde_json::to_vec(&wire).map_or(0, |v| v.len() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_formats_and_versions_are_named() {
        assert!(matches!(
            SealedEnvelope::parse(br#"{"format":"medchain-sealed-v2"}"#),
            Err(SealError::UnsupportedFormat(v)) if v == "medchain-sealed-v2"
        ));
        assert!(matches!(SealedEnvelope::parse(b"[]"), Err(SealError::Malformed(_))));
        assert!(matches!(SealedEnvelope::parse(b""), Err(SealError::Malformed(_))));
    }
}
