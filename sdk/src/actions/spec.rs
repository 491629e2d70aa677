//! The JSON shapes of the Solana Actions specification (v2.4) that medchain serves, and the
//! Solana Pay transaction-request URL scheme.
//!
//! Field names follow the specification exactly (`pathPattern`, `apiPath`,
//! `patternDescription`); optional fields are left out of the JSON when unset.

use serde::{Deserialize, Serialize};

/// The Actions specification version medchain implements (`X-Action-Version`).
pub const ACTION_VERSION: &str = "2.4";

/// CAIP-2 id of Solana mainnet-beta (`X-Blockchain-Ids`).
pub const MAINNET_CHAIN_ID: &str = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
/// CAIP-2 id of Solana devnet.
pub const DEVNET_CHAIN_ID: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
/// CAIP-2 id of Solana testnet.
pub const TESTNET_CHAIN_ID: &str = "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z";
/// The id medchain announces for its embedded ledger: the embedded ledger has no public
/// genesis hash, so it names itself (a valid CAIP-2 reference that no real cluster uses).
pub const EMBEDDED_CHAIN_ID: &str = "solana:medchain-embedded-ledger";

/// The CAIP-2 chain id of a cluster from its genesis hash (base58): `solana:` and the first
/// 32 characters.
pub fn chain_id_from_genesis_hash(genesis_hash: &str) -> String {
    format!("solana:{}", genesis_hash.chars().take(32).collect::<String>())
}

/// `GET` response of an action (`ActionGetResponse`, type `action`). Also serves as the
/// Solana Pay transaction request `GET` response, which reads `label` and `icon`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionGetResponse {
    /// Always `"action"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Absolute URL of an SVG, PNG or WebP icon.
    pub icon: String,
    /// The title the wallet shows.
    pub title: String,
    /// What exactly will happen, in plain words.
    pub description: String,
    /// The button label (at most 5 words).
    pub label: String,
    /// True when the action cannot be taken (already answered, revoked, …).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// Related actions (buttons) the wallet shows instead of the single `label` button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ActionLinks>,
    /// Why the action is disabled, for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ActionError>,
}

/// The `links` of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionLinks {
    /// The buttons.
    pub actions: Vec<LinkedAction>,
}

/// One button: where its `POST` goes, with optional user-filled parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedAction {
    /// `"transaction"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The URL (absolute, or relative to the action's origin) with `{name}` placeholders.
    pub href: String,
    /// The button label.
    pub label: String,
    /// Inputs the wallet asks for before posting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ActionParameter>,
}

/// An input of a linked action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionParameter {
    /// `text`, `number`, `checkbox`, `select`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The placeholder name in `href`.
    pub name: String,
    /// The prompt.
    pub label: String,
    /// Whether the user must fill it.
    pub required: bool,
    /// Smallest number allowed (`number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Largest number allowed (`number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// A regular expression the value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// What the pattern means, for the user.
    #[serde(default, rename = "patternDescription", skip_serializing_if = "Option::is_none")]
    pub pattern_description: Option<String>,
    /// The choices (`checkbox`, `select`, `radio`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ParameterOption>,
}

/// One choice of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterOption {
    /// What the user sees.
    pub label: String,
    /// What goes into the URL.
    pub value: String,
    /// Preselected.
    #[serde(default)]
    pub selected: bool,
}

/// `POST` body of an action (and of a Solana Pay transaction request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPostRequest {
    /// The wallet's public key (base58).
    pub account: String,
}

/// `POST` response: the transaction for the wallet to sign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPostResponse {
    /// Always `"transaction"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Base64 of the serialized (legacy) transaction.
    pub transaction: String,
    /// A short note the wallet may show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// An error for the user (`ActionError`): the body of every 4xx/5xx response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionError {
    /// What went wrong, in plain words.
    pub message: String,
}

/// `/actions.json` at the domain root: maps website paths to action API paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionsJson {
    /// The mapping rules, first match wins.
    pub rules: Vec<ActionRule>,
}

/// One mapping rule of `actions.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRule {
    /// The website path (`*` one segment, `**` any number).
    #[serde(rename = "pathPattern")]
    pub path_pattern: String,
    /// The action API path it maps to.
    #[serde(rename = "apiPath")]
    pub api_path: String,
}

/// Characters `encodeURIComponent` leaves alone; everything else is percent-encoded.
const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The Solana Pay transaction-request URL of an https action URL: `solana:` followed by
/// the URL, percent-encoded as a URI component (so its query survives intact).
///
/// ```
/// use medchain_sdk::actions::spec::transaction_request_url;
/// assert_eq!(
///     transaction_request_url("https://clinic.example/api/actions/grant?days=30&x=a,b"),
///     "solana:https%3A%2F%2Fclinic.example%2Fapi%2Factions%2Fgrant%3Fdays%3D30%26x%3Da%2Cb"
/// );
/// ```
pub fn transaction_request_url(https_url: &str) -> String {
    format!("solana:{}", percent_encoding::utf8_percent_encode(https_url, URI_COMPONENT))
}

/// The `solana-action:` URL of an action (what blink clients and wallets open).
pub fn action_url(https_url: &str) -> String {
    format!("solana-action:{}", percent_encoding::utf8_percent_encode(https_url, URI_COMPONENT))
}

/// The https URL inside a `solana:` transaction request or `solana-action:` URL; `None`
/// when `url` is neither or does not decode to an https URL.
pub fn decode_request_url(url: &str) -> Option<String> {
    let inner = url.strip_prefix("solana:").or_else(|| url.strip_prefix("solana-action:"))?;
    let decoded = percent_encoding::percent_decode_str(inner).decode_utf8().ok()?;
    (decoded.starts_with("https://") || decoded.starts_with("http://"))
        .then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_round_trip() {
        let https = "https://clinic.example/api/actions/approve/abc?categories=imaging,labs&days=7";
        let url = transaction_request_url(https);
        assert!(!url["solana:".len()..].contains([':', '/', '?', '&', '=']));
        assert_eq!(decode_request_url(&url).as_deref(), Some(https));
        assert_eq!(decode_request_url(&action_url(https)).as_deref(), Some(https));
        assert_eq!(decode_request_url("bitcoin:abc"), None);
        assert_eq!(decode_request_url("solana:7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"), None);
    }

    #[test]
    fn optional_fields_are_left_out() {
        let response = ActionGetResponse {
            kind: "action".into(),
            icon: "https://x/icon.svg".into(),
            title: "t".into(),
            description: "d".into(),
            label: "l".into(),
            disabled: false,
            links: None,
            error: None,
        };
        let json = serde_json::to_value(&response).expect("json");
        assert_eq!(json.as_object().map(|o| o.len()), Some(5));
        assert_eq!(
            chain_id_from_genesis_hash("5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"),
            MAINNET_CHAIN_ID
        );
    }
}
