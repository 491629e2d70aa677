//! Who a FHIR identifier names: CAIP-10 account ids and the clinic's off-chain identifier map.
//!
//! A wallet appears in FHIR as a [CAIP-10] account id, `solana:<chain reference>:<address>`
//! (the chain reference is the first 32 characters of the cluster's genesis hash, as in
//! [`crate::actions::spec::chain_id_from_genesis_hash`]), under the identifier system
//! [`URI_SYSTEM`] (`urn:ietf:rfc:3986`: the value is a URI). medchain's own exports also
//! name keys under [`SOLANA_PUBKEY_SYSTEM`]; both resolve here.
//!
//! Clinics know people by local identifiers too (an MRN under the clinic's system, an NPI).
//! An [`IdentifierMap`] (a JSON file the clinic keeps; never on chain, never in instruction
//! data) resolves those to wallets. An identifier that resolves to nothing is not an error:
//! it names no one medchain knows (a consent decision service answers `NO_CONSENT`).
//!
//! The map file:
//!
//! ```json
//! {
//!   "patients": [
//!     { "system": "http://hospital.example/mrn", "value": "MRN-000123",
//!       "wallet": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" }
//!   ],
//!   "actors": [
//!     { "system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893",
//!       "wallet": "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T" }
//!   ]
//! }
//! ```
//!
//! [CAIP-10]: https://github.com/ChainAgnostic/CAIPs/blob/main/CAIPs/caip-10.md

use crate::fhir::SOLANA_PUBKEY_SYSTEM;
use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;
use thiserror::Error;

/// The identifier system whose values are URIs (RFC 3986), here CAIP-10 account ids.
pub const URI_SYSTEM: &str = "urn:ietf:rfc:3986";

/// A FHIR `Identifier` as requests carry it: an optional system and a value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Identifier {
    /// The namespace of the value (a URI); absent when the sender did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The identifier itself.
    pub value: String,
}

impl Identifier {
    /// An identifier with a system.
    pub fn new(system: &str, value: impl Into<String>) -> Self {
        Self { system: Some(system.to_string()), value: value.into() }
    }

    /// The CAIP-10 identifier of `wallet` on the chain `chain_id` (CAIP-2).
    pub fn of_wallet(chain_id: &str, wallet: &Pubkey) -> Self {
        Self::new(URI_SYSTEM, caip10(chain_id, wallet))
    }

    /// The identifier as FHIR JSON (`{"system": …, "value": …}`).
    pub fn to_fhir(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.system {
            Some(system) => write!(f, "{system}|{}", self.value),
            None => f.write_str(&self.value),
        }
    }
}

/// Whom an identifier is looked up for: patients and actors are separate namespaces, so a
/// clinic's MRN can never resolve to a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A patient (`patientId`, `Consent.patient`).
    Patient,
    /// Whoever acts: a provider, a clinician, an organization (`actor`, `provision.actor`).
    Actor,
}

impl Role {
    fn key(self) -> &'static str {
        match self {
            Role::Patient => "patients",
            Role::Actor => "actors",
        }
    }
}

/// The CAIP-10 account id of `wallet` on `chain_id` (`solana:<reference>:<address>`).
pub fn caip10(chain_id: &str, wallet: &Pubkey) -> String {
    format!("{chain_id}:{wallet}")
}

/// Splits a CAIP-10 account id into its CAIP-2 chain id and the wallet, if it is a Solana
/// one (`solana:<reference>:<base58 address>`).
pub fn parse_caip10(value: &str) -> Option<(&str, Pubkey)> {
    let (chain_id, address) = value.rsplit_once(':')?;
    let reference = chain_id.strip_prefix("solana:")?;
    let valid_reference = (1..=32).contains(&reference.len())
        && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid_reference {
        return None;
    }
    Pubkey::from_str(address).ok().map(|wallet| (chain_id, wallet))
}

/// Errors reading an identifier map.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdentityError {
    /// The file could not be read.
    #[error("cannot read the identifier map {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file is not a map of the documented shape.
    #[error("the identifier map is not valid: {0}")]
    Malformed(String),
    /// An entry's wallet is not a base58 public key.
    #[error("identifier map: {role}[{index}].wallet '{wallet}' is not a base58 public key")]
    BadWallet {
        /// `patients` or `actors`.
        role: &'static str,
        /// The entry's position.
        index: usize,
        /// What was written.
        wallet: String,
    },
    /// An entry has an empty system or value.
    #[error("identifier map: {role}[{index}] needs a non-empty system and value")]
    Incomplete {
        /// `patients` or `actors`.
        role: &'static str,
        /// The entry's position.
        index: usize,
    },
    /// The same identifier names two wallets.
    #[error(
        "identifier map: {role} identifier {identifier} names two wallets ({first} and {second})"
    )]
    Conflict {
        /// `patients` or `actors`.
        role: &'static str,
        /// The identifier.
        identifier: String,
        /// The wallet named first.
        first: String,
        /// The other wallet.
        second: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    #[serde(default)]
    patients: Vec<MapEntry>,
    #[serde(default)]
    actors: Vec<MapEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapEntry {
    system: String,
    value: String,
    wallet: String,
}

/// The clinic's off-chain map from local identifiers (system + value) to wallets, one
/// namespace per [`Role`]. An empty map still resolves CAIP-10 and `urn:solana:pubkey`
/// identifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentifierMap {
    entries: BTreeMap<(Role, String, String), Pubkey>,
}

impl IdentifierMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the map from its JSON text.
    ///
    /// # Errors
    ///
    /// [`IdentityError::Malformed`] for JSON of another shape (unknown members included),
    /// [`IdentityError::BadWallet`], [`IdentityError::Incomplete`] and
    /// [`IdentityError::Conflict`] for bad entries.
    pub fn from_json(text: &str) -> Result<Self, IdentityError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| IdentityError::Malformed(e.to_string()))?;
        if !value.is_object() {
            return Err(IdentityError::Malformed(
                "expected an object with \"patients\" and \"actors\" arrays".into(),
            ));
        }
        let file: MapFile =
            serde_json::from_value(value).map_err(|e| IdentityError::Malformed(e.to_string()))?;
        let mut map = Self::new();
        for (role, entries) in [(Role::Patient, file.patients), (Role::Actor, file.actors)] {
            for (index, entry) in entries.into_iter().enumerate() {
                if entry.system.trim().is_empty() || entry.value.trim().is_empty() {
                    return Err(IdentityError::Incomplete { role: role.key(), index });
                }
                let wallet = Pubkey::from_str(&entry.wallet).map_err(|_| {
                    IdentityError::BadWallet { role: role.key(), index, wallet: entry.wallet }
                })?;
                map.insert(role, Identifier::new(&entry.system, entry.value), wallet)?;
            }
        }
        Ok(map)
    }

    /// Reads the map from a file.
    ///
    /// # Errors
    ///
    /// [`IdentityError::Io`] when the file cannot be read, else as [`Self::from_json`].
    pub fn load(path: &Path) -> Result<Self, IdentityError> {
        let text = std::fs::read_to_string(path).map_err(|e| IdentityError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_json(&text)
    }

    /// Adds one entry.
    ///
    /// # Errors
    ///
    /// [`IdentityError::Incomplete`] without a system, [`IdentityError::Conflict`] when the
    /// identifier already names another wallet.
    pub fn insert(
        &mut self,
        role: Role,
        identifier: Identifier,
        wallet: Pubkey,
    ) -> Result<(), IdentityError> {
        let Some(system) = identifier.system.clone() else {
            return Err(IdentityError::Incomplete { role: role.key(), index: self.len() });
        };
        let key = (role, system, identifier.value.clone());
        match self.entries.get(&key) {
            Some(first) if *first != wallet => Err(IdentityError::Conflict {
                role: role.key(),
                identifier: identifier.to_string(),
                first: first.to_string(),
                second: wallet.to_string(),
            }),
            _ => {
                self.entries.insert(key, wallet);
                Ok(())
            }
        }
    }

    /// How many entries the map holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True for a map without entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The wallet `identifier` names for `role` on the chain `chain_id`, if any:
    /// a CAIP-10 id of this chain (under [`URI_SYSTEM`] or without a system), a key under
    /// [`SOLANA_PUBKEY_SYSTEM`], or an entry of the map. A CAIP-10 id of another chain
    /// names no one here.
    pub fn resolve(&self, role: Role, chain_id: &str, identifier: &Identifier) -> Option<Pubkey> {
        match identifier.system.as_deref() {
            Some(URI_SYSTEM) | None => {
                if let Some((chain, wallet)) = parse_caip10(&identifier.value) {
                    return (chain == chain_id).then_some(wallet);
                }
            }
            Some(SOLANA_PUBKEY_SYSTEM) => return Pubkey::from_str(&identifier.value).ok(),
            Some(_) => {}
        }
        let system = identifier.system.clone()?;
        self.entries.get(&(role, system, identifier.value.clone())).copied()
    }

    /// Resolves every identifier: the distinct wallets named, in order, and the identifiers
    /// that named no one.
    pub fn resolve_all<'a>(
        &self,
        role: Role,
        chain_id: &str,
        identifiers: impl IntoIterator<Item = &'a Identifier>,
    ) -> Resolution {
        let mut resolution = Resolution::default();
        for identifier in identifiers {
            match self.resolve(role, chain_id, identifier) {
                Some(wallet) => {
                    if !resolution.wallets.contains(&wallet) {
                        resolution.wallets.push(wallet);
                    }
                }
                None => resolution.unknown.push(identifier.clone()),
            }
        }
        resolution
    }

    /// The local identifiers the map holds for `wallet` (for display and export), in order.
    pub fn identifiers_of(&self, role: Role, wallet: &Pubkey) -> Vec<Identifier> {
        self.entries
            .iter()
            .filter(|((r, _, _), w)| *r == role && *w == wallet)
            .map(|((_, system, value), _)| Identifier::new(system, value.clone()))
            .collect()
    }

    /// Every wallet the map names for `role`.
    pub fn wallets(&self, role: Role) -> BTreeSet<Pubkey> {
        self.entries.iter().filter(|((r, _, _), _)| *r == role).map(|(_, w)| *w).collect()
    }
}

/// What a list of identifiers resolved to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The distinct wallets named, in the order first named.
    pub wallets: Vec<Pubkey>,
    /// The identifiers that named no one.
    pub unknown: Vec<Identifier>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAIN: &str = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";

    fn wallet(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    #[test]
    fn caip10_round_trips_and_rejects_other_shapes() {
        let id = caip10(CHAIN, &wallet(3));
        assert_eq!(parse_caip10(&id), Some((CHAIN, wallet(3))));
        assert_eq!(parse_caip10("eip155:1:0xab16a96D359eC26a11e2C2b3d8f8B8942d5Bfcdb"), None);
        assert_eq!(parse_caip10("solana::11111111111111111111111111111111"), None);
        assert_eq!(parse_caip10(&format!("solana:{}:{}", "a".repeat(33), wallet(1))), None);
        assert_eq!(parse_caip10("solana:abc:not-a-key"), None);
    }

    #[test]
    fn resolves_caip10_pubkeys_and_map_entries_per_role() {
        let text = format!(
            r#"{{"patients":[{{"system":"urn:mrn","value":"M1","wallet":"{}"}}],
                "actors":[{{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893","wallet":"{}"}}]}}"#,
            wallet(1),
            wallet(2)
        );
        let map = IdentifierMap::from_json(&text).expect("map");
        let mrn = Identifier::new("urn:mrn", "M1");
        assert_eq!(map.resolve(Role::Patient, CHAIN, &mrn), Some(wallet(1)));
        assert_eq!(map.resolve(Role::Actor, CHAIN, &mrn), None, "namespaces are separate");
        let npi = Identifier::new("http://hl7.org/fhir/sid/us-npi", "1234567893");
        assert_eq!(map.resolve(Role::Actor, CHAIN, &npi), Some(wallet(2)));
        let own = Identifier::of_wallet(CHAIN, &wallet(9));
        assert_eq!(map.resolve(Role::Actor, CHAIN, &own), Some(wallet(9)));
        assert_eq!(map.resolve(Role::Actor, "solana:other", &own), None, "another chain");
        let bare = Identifier { system: None, value: caip10(CHAIN, &wallet(4)) };
        assert_eq!(map.resolve(Role::Patient, CHAIN, &bare), Some(wallet(4)));
        let key = Identifier::new(SOLANA_PUBKEY_SYSTEM, wallet(5).to_string());
        assert_eq!(map.resolve(Role::Patient, CHAIN, &key), Some(wallet(5)));
        let r = map.resolve_all(Role::Patient, CHAIN, [&mrn, &mrn, &npi]);
        assert_eq!(r.wallets, vec![wallet(1)]);
        assert_eq!(r.unknown, vec![npi]);
        assert_eq!(map.identifiers_of(Role::Patient, &wallet(1)), vec![mrn]);
    }

    #[test]
    fn bad_maps_are_refused_with_the_entry() {
        assert!(matches!(IdentifierMap::from_json("[]"), Err(IdentityError::Malformed(_))));
        assert!(matches!(
            IdentifierMap::from_json(r#"{"patient":[]}"#),
            Err(IdentityError::Malformed(_))
        ));
        assert_eq!(
            IdentifierMap::from_json(r#"{"actors":[{"system":"s","value":"v","wallet":"nope"}]}"#),
            Err(IdentityError::BadWallet { role: "actors", index: 0, wallet: "nope".into() })
        );
        assert_eq!(
            IdentifierMap::from_json(&format!(
                r#"{{"patients":[{{"system":" ","value":"v","wallet":"{}"}}]}}"#,
                wallet(1)
            )),
            Err(IdentityError::Incomplete { role: "patients", index: 0 })
        );
        let conflict = format!(
            r#"{{"patients":[{{"system":"s","value":"v","wallet":"{}"}},{{"system":"s","value":"v","wallet":"{}"}}]}}"#,
            wallet(1),
            wallet(2)
        );
        assert!(matches!(
            IdentifierMap::from_json(&conflict),
            Err(IdentityError::Conflict { role: "patients", .. })
        ));
    }
}
