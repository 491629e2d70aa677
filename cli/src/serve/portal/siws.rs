//! Sign In With Solana (SIWS, the CAIP-122 / EIP-4361 text format as wallets implement
//! `solana:signIn`): the server issues the fields, the wallet signs the message text, and
//! [`verify`] accepts it only when the text parses strictly, every field is exactly what this
//! server issued (domain, URI, version, statement, nonce, times), the times are current, and
//! the ed25519 signature of the address verifies over the exact bytes.
//!
//! The text, as `@solana/wallet-standard-util`'s `createSignInMessageText` writes it:
//!
//! ```text
//! clinic.example wants you to sign in with your Solana account:
//! <base58 address>
//!
//! <statement>
//!
//! URI: https://clinic.example/portal
//! Version: 1
//! Nonce: <nonce>
//! Issued At: 2026-12-02T18:00:00.000Z
//! Expiration Time: 2026-12-02T18:05:00.000Z
//! ```
//!
//! Optional fields this server never issues (Chain ID, Not Before, Request ID, Resources)
//! are refused, and so is anything out of order, repeated or unknown.

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use solana_sdk::signature::Signature;

/// Longest signed message accepted.
pub const MAX_MESSAGE_BYTES: usize = 2048;
/// The statement the portal asks the patient to sign.
pub const STATEMENT: &str =
    "Sign in to see who may read your health records and who looked. This costs nothing and changes nothing.";
/// How long a challenge may be used (seconds).
pub const CHALLENGE_SECS: i64 = 300;
/// Clock skew tolerated between the wallet's signing and the server (seconds).
const SKEW_SECS: i64 = 60;

/// The fields the server asks the wallet to sign (`SolanaSignInInput`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// The server's host (and port), from its base URL.
    pub domain: String,
    /// The portal's URL.
    pub uri: String,
    /// What the patient agrees to.
    pub statement: String,
    /// Always `1`.
    pub version: String,
    /// Single-use random nonce.
    pub nonce: String,
    /// RFC 3339 UTC time of issue.
    pub issued_at: String,
    /// RFC 3339 UTC time after which the challenge is refused.
    pub expiration_time: String,
}

/// A parsed SIWS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInMessage {
    /// The domain that asked.
    pub domain: String,
    /// The signing address (base58).
    pub address: String,
    /// The statement, if any.
    pub statement: Option<String>,
    /// `URI:`.
    pub uri: Option<String>,
    /// `Version:`.
    pub version: Option<String>,
    /// `Nonce:`.
    pub nonce: Option<String>,
    /// `Issued At:`.
    pub issued_at: Option<String>,
    /// `Expiration Time:`.
    pub expiration_time: Option<String>,
}

/// Why a sign-in is refused; the message is what the patient reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiwsError {
    /// The text is not a SIWS message of the accepted shape.
    #[error("the signed message is not a Sign In With Solana message: {0}")]
    Malformed(String),
    /// Signed for another site.
    #[error("the message was signed for {found}, not for this site ({expected})")]
    WrongDomain {
        /// This server's domain.
        expected: String,
        /// The domain in the message.
        found: String,
    },
    /// A field differs from what the server issued.
    #[error("the message's {0} is not the one this server issued")]
    WrongField(&'static str),
    /// The claimed address is not the one in the message, or not a key.
    #[error("the signing address does not match the message")]
    WrongAddress,
    /// The nonce was never issued, was used already, or expired.
    #[error("this sign-in request was already used or has expired; sign in again")]
    UnknownNonce,
    /// Issued in the future or expired.
    #[error("the sign-in message has expired or is not valid yet; sign in again")]
    Expired,
    /// The signature does not verify.
    #[error("the signature does not match the message and the address")]
    BadSignature,
}

/// A UTC instant as RFC 3339 with milliseconds (`2026-12-02T18:00:00.000Z`), what
/// JavaScript's `toISOString` writes.
pub fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn parse_time(text: &str, what: &'static str) -> Result<i64, SiwsError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| SiwsError::Malformed(format!("{what} is not an RFC 3339 time")))
}

impl Challenge {
    /// A challenge for `domain` and `uri`, issued at `now` with `nonce`.
    pub fn new(domain: &str, uri: &str, nonce: &str, now: i64) -> Self {
        Self {
            domain: domain.to_string(),
            uri: uri.to_string(),
            statement: STATEMENT.to_string(),
            version: "1".into(),
            nonce: nonce.to_string(),
            issued_at: rfc3339(now),
            expiration_time: rfc3339(now + CHALLENGE_SECS),
        }
    }

    /// The exact text a wallet signs for this challenge and `address`.
    #[cfg(test)]
    pub fn message_text(&self, address: &str) -> String {
        format!(
            "{} wants you to sign in with your Solana account:\n{address}\n\n{}\n\nURI: {}\nVersion: {}\nNonce: {}\nIssued At: {}\nExpiration Time: {}",
            self.domain, self.statement, self.uri, self.version, self.nonce, self.issued_at, self.expiration_time
        )
    }
}

const HEADER: &str = " wants you to sign in with your Solana account:";
/// The optional fields, in the only order accepted.
const FIELDS: [&str; 9] = [
    "URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time", "Not Before",
    "Request ID", "Resources",
];

/// Parses the SIWS text strictly: the header line, the address line, an optional statement
/// (one line, after an empty line), then the fields in order after an empty line.
pub fn parse(text: &str) -> Result<SignInMessage, SiwsError> {
    let bad = |why: &str| SiwsError::Malformed(why.to_string());
    if text.contains('\r') || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(bad("it contains control characters"));
    }
    let mut lines = text.split('\n');
    let first = lines.next().ok_or_else(|| bad("it is empty"))?;
    let domain =
        first.strip_suffix(HEADER).ok_or_else(|| bad("the first line is not the SIWS header"))?;
    if domain.is_empty() || domain.contains(' ') {
        return Err(bad("the domain is empty or has spaces"));
    }
    let address = lines.next().ok_or_else(|| bad("there is no address line"))?;
    if address.is_empty() {
        return Err(bad("the address line is empty"));
    }
    let rest: Vec<&str> = lines.collect();
    let mut message = SignInMessage {
        domain: domain.to_string(),
        address: address.to_string(),
        statement: None,
        uri: None,
        version: None,
        nonce: None,
        issued_at: None,
        expiration_time: None,
    };
    let mut at = 0;
    // An optional statement paragraph: "", statement.
    let is_field = |line: &str| FIELDS.iter().any(|f| line.starts_with(&format!("{f}:")));
    if rest.get(at) == Some(&"") && rest.get(at + 1).is_some_and(|l| !l.is_empty() && !is_field(l))
    {
        message.statement = Some(rest[at + 1].to_string());
        at += 2;
    }
    if at < rest.len() {
        if !rest[at].is_empty() {
            return Err(bad("the fields must follow an empty line"));
        }
        at += 1;
        let mut next_field = 0;
        for line in &rest[at..] {
            let (name, value) =
                line.split_once(": ").ok_or_else(|| bad("a field line is not 'Name: value'"))?;
            let position = FIELDS[next_field..]
                .iter()
                .position(|f| *f == name)
                .map(|p| p + next_field)
                .ok_or_else(|| {
                    SiwsError::Malformed(format!("'{name}' is unknown, repeated or out of order"))
                })?;
            next_field = position + 1;
            if value.is_empty() {
                return Err(SiwsError::Malformed(format!("'{name}' is empty")));
            }
            let slot = match name {
                "URI" => &mut message.uri,
                "Version" => &mut message.version,
                "Nonce" => &mut message.nonce,
                "Issued At" => &mut message.issued_at,
                "Expiration Time" => &mut message.expiration_time,
                other => {
                    return Err(SiwsError::Malformed(format!(
                        "'{other}' is not a field this server issues"
                    )))
                }
            };
            *slot = Some(value.to_string());
        }
    }
    Ok(message)
}

/// What a verified sign-in proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The wallet that signed.
    pub wallet: Pubkey,
    /// The message's expiration time.
    pub expires_at: i64,
}

/// Verifies a sign-in against what this server expects: `domain` and `uri` (from its base
/// URL), and `take_nonce`, which consumes the nonce (true when it was issued, unused and
/// unexpired); `now` is the server's clock. The nonce is consumed only after the message
/// parsed and matched, and before the signature is checked, so a replay fails even when the
/// first use succeeded.
pub fn verify(
    signed_message: &[u8],
    signature: &[u8],
    claimed_address: &str,
    domain: &str,
    uri: &str,
    now: i64,
    take_nonce: impl FnOnce(&str) -> bool,
) -> Result<Verified, SiwsError> {
    if signed_message.len() > MAX_MESSAGE_BYTES {
        return Err(SiwsError::Malformed("it is too long".into()));
    }
    let text = std::str::from_utf8(signed_message)
        .map_err(|_| SiwsError::Malformed("it is not UTF-8".into()))?;
    let message = parse(text)?;
    if message.domain != domain {
        return Err(SiwsError::WrongDomain { expected: domain.into(), found: message.domain });
    }
    if message.address != claimed_address {
        return Err(SiwsError::WrongAddress);
    }
    let wallet: Pubkey = message.address.parse().map_err(|_| SiwsError::WrongAddress)?;
    if message.uri.as_deref() != Some(uri) {
        return Err(SiwsError::WrongField("URI"));
    }
    if message.version.as_deref() != Some("1") {
        return Err(SiwsError::WrongField("version"));
    }
    if message.statement.as_deref() != Some(STATEMENT) {
        return Err(SiwsError::WrongField("statement"));
    }
    let issued = parse_time(
        message.issued_at.as_deref().ok_or(SiwsError::WrongField("issue time"))?,
        "Issued At",
    )?;
    let expires = parse_time(
        message.expiration_time.as_deref().ok_or(SiwsError::WrongField("expiration time"))?,
        "Expiration Time",
    )?;
    if issued > now + SKEW_SECS || expires <= now || expires - issued > CHALLENGE_SECS {
        return Err(SiwsError::Expired);
    }
    let nonce = message.nonce.as_deref().ok_or(SiwsError::WrongField("nonce"))?;
    if !take_nonce(nonce) {
        return Err(SiwsError::UnknownNonce);
    }
    let signature = Signature::try_from(signature).map_err(|_| SiwsError::BadSignature)?;
    if !signature.verify(wallet.as_ref(), signed_message) {
        return Err(SiwsError::BadSignature);
    }
    Ok(Verified { wallet, expires_at: expires })
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::signature::{Keypair, Signer};

    const DOMAIN: &str = "clinic.example";
    const URI: &str = "https://clinic.example/portal";
    const NOW: i64 = 1_800_000_000;

    fn signed(key: &Keypair, challenge: &Challenge) -> (Vec<u8>, Vec<u8>) {
        let text = challenge.message_text(&key.pubkey().to_string());
        let signature = key.sign_message(text.as_bytes());
        (text.into_bytes(), signature.as_ref().to_vec())
    }

    fn check(
        message: &[u8],
        signature: &[u8],
        address: &str,
        nonce_ok: bool,
    ) -> Result<Verified, SiwsError> {
        verify(message, signature, address, DOMAIN, URI, NOW + 10, |n| {
            nonce_ok && n == "n0nce1234567"
        })
    }

    #[test]
    fn a_signed_challenge_verifies_and_round_trips_through_the_parser() {
        let key = Keypair::new();
        let challenge = Challenge::new(DOMAIN, URI, "n0nce1234567", NOW);
        assert_eq!(challenge.issued_at, "2027-01-15T08:00:00.000Z");
        let (message, signature) = signed(&key, &challenge);
        let parsed = parse(std::str::from_utf8(&message).expect("utf8")).expect("parses");
        assert_eq!(parsed.domain, DOMAIN);
        assert_eq!(parsed.statement.as_deref(), Some(STATEMENT));
        assert_eq!(parsed.nonce.as_deref(), Some("n0nce1234567"));
        let ok = check(&message, &signature, &key.pubkey().to_string(), true).expect("verifies");
        assert_eq!(ok.wallet, key.pubkey());
        assert_eq!(ok.expires_at, NOW + CHALLENGE_SECS);
    }

    #[test]
    fn forged_sign_ins_are_refused() {
        let key = Keypair::new();
        let other = Keypair::new();
        let address = key.pubkey().to_string();
        let good = Challenge::new(DOMAIN, URI, "n0nce1234567", NOW);
        // Another site's domain.
        let evil = Challenge { domain: "clinic.example.evil".into(), ..good.clone() };
        let (m, s) = signed(&key, &evil);
        assert!(matches!(check(&m, &s, &address, true), Err(SiwsError::WrongDomain { .. })));
        // A replayed (or never issued) nonce.
        let (m, s) = signed(&key, &good);
        assert_eq!(check(&m, &s, &address, false), Err(SiwsError::UnknownNonce));
        // Another wallet's signature over this wallet's message.
        let text = good.message_text(&address);
        let forged = other.sign_message(text.as_bytes());
        assert_eq!(
            check(text.as_bytes(), forged.as_ref(), &address, true),
            Err(SiwsError::BadSignature)
        );
        // Another wallet claiming this message.
        assert_eq!(check(&m, &s, &other.pubkey().to_string(), true), Err(SiwsError::WrongAddress));
        // Expired, or issued far in the future.
        let old = Challenge::new(DOMAIN, URI, "n0nce1234567", NOW - 2 * CHALLENGE_SECS);
        let (m, s) = signed(&key, &old);
        assert_eq!(check(&m, &s, &address, true), Err(SiwsError::Expired));
        let future = Challenge::new(DOMAIN, URI, "n0nce1234567", NOW + 3_600);
        let (m, s) = signed(&key, &future);
        assert_eq!(check(&m, &s, &address, true), Err(SiwsError::Expired));
        // Another URI or statement.
        let elsewhere = Challenge { uri: "https://clinic.example/other".into(), ..good.clone() };
        let (m, s) = signed(&key, &elsewhere);
        assert_eq!(check(&m, &s, &address, true), Err(SiwsError::WrongField("URI")));
        let said = Challenge { statement: "I agree to everything".into(), ..good.clone() };
        let (m, s) = signed(&key, &said);
        assert_eq!(check(&m, &s, &address, true), Err(SiwsError::WrongField("statement")));
    }

    #[test]
    fn the_parser_is_strict() {
        let address = Keypair::new().pubkey().to_string();
        let text = Challenge::new(DOMAIN, URI, "n0nce1234567", NOW).message_text(&address);
        assert!(parse(&text).is_ok());
        for bad in [
            text.replace("URI: ", "Uri: "),
            format!("{text}\nVersion: 1"),
            format!("{text}\nChain ID: solana:mainnet"),
            text.replace("Nonce", "Nonce: x\nNonce"),
            text.replace('\n', "\r\n"),
            text.replace(HEADER, " wants you to sign in with your Ethereum account:"),
            text.replacen("\n\n", "\n", 1),
            format!("{text}\nResources:"),
            String::new(),
        ] {
            assert!(parse(&bad).is_err(), "accepted: {bad:?}");
        }
        // A message without statement and fields parses (and is refused by verify).
        let bare = format!("{DOMAIN}{HEADER}\n{address}");
        let parsed = parse(&bare).expect("bare");
        assert_eq!(parsed.uri, None);
    }
}
