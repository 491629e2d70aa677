//! Arguments several command groups share, parsed by clap: the scope and terms flags (a
//! [`Scope`] whose names come from the one vocabulary, so an unknown name is a clap error),
//! single vocabulary names, wallets and the wallet-link flags.

use crate::config;
use crate::error::CliError;
use anchor_lang::prelude::Pubkey;
use clap::Args;
use medchain_sdk::names::{parse_actions, parse_categories, parse_purposes, UnknownName};
use medchain_sdk::state::{ConsentTerms, RequestTerms, Scope};
use solana_sdk::signature::Signer;
use std::path::PathBuf;
use std::str::FromStr;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// A scope named on the command line.
#[derive(Args, Debug, Clone, Copy)]
pub struct ScopeArgs {
    /// Categories, comma-separated (imaging, labs, medications, …; `all` = every standard one; sensitive ones must be named).
    #[arg(long, default_value = "all", value_parser = parse_categories)]
    pub categories: u32,
    /// Purposes of use (HL7 codes), comma-separated.
    #[arg(long, default_value = "TREAT", value_parser = parse_purposes)]
    pub purposes: u16,
    /// Actions: read, write, share.
    #[arg(long, default_value = "read", value_parser = parse_actions)]
    pub actions: u8,
}

impl ScopeArgs {
    /// The scope.
    pub fn scope(&self) -> Scope {
        Scope::new(self.categories, self.purposes, self.actions)
    }
}

/// Terms named on the command line: a scope and a duration.
#[derive(Args, Debug, Clone, Copy)]
pub struct TermsArgs {
    /// What is covered.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// How long, in days.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
}

impl TermsArgs {
    /// Consent terms expiring `days` from `now`.
    pub fn consent_terms(&self, now: i64) -> ConsentTerms {
        ConsentTerms { scope: self.scope.scope(), expires_at: now + i64::from(self.days) * DAY }
    }

    /// Request terms lasting `days`.
    pub fn request_terms(&self) -> RequestTerms {
        RequestTerms::new(self.scope.scope(), i64::from(self.days) * DAY)
    }
}

/// Narrowings of requested terms (`patient approve`): each flag given replaces that part.
#[derive(Args, Debug, Clone, Copy)]
pub struct NarrowingArgs {
    /// Narrow the categories.
    #[arg(long, value_parser = parse_categories)]
    pub categories: Option<u32>,
    /// Narrow the purposes.
    #[arg(long, value_parser = parse_purposes)]
    pub purposes: Option<u16>,
    /// Narrow the actions.
    #[arg(long, value_parser = parse_actions)]
    pub actions: Option<u8>,
    /// Shorten the duration (days).
    #[arg(long)]
    pub days: Option<u32>,
}

impl NarrowingArgs {
    /// `asked` with the parts these flags name replaced.
    pub fn apply(&self, asked: RequestTerms) -> RequestTerms {
        RequestTerms {
            scope: Scope::new(
                self.categories.unwrap_or(asked.scope.categories),
                self.purposes.unwrap_or(asked.scope.purposes),
                self.actions.unwrap_or(asked.scope.actions),
            ),
            duration_secs: self.days.map_or(asked.duration_secs, |d| i64::from(d) * DAY),
        }
    }
}

/// A vocabulary value that is not exactly one name (`--category imaging,labs`, or a name that
/// does not exist).
#[derive(Debug, thiserror::Error)]
pub enum NameError {
    /// Not a vocabulary name.
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    /// Known names, but not exactly one.
    #[error("name exactly one {0}")]
    NotOne(&'static str),
}

fn exactly_one<T: Copy + Into<u64>>(mask: T, what: &'static str) -> Result<T, NameError> {
    if mask.into().count_ones() == 1 {
        Ok(mask)
    } else {
        Err(NameError::NotOne(what))
    }
}

/// Parses exactly one category name.
pub fn one_category(text: &str) -> Result<u32, NameError> {
    exactly_one(parse_categories(text)?, "category")
}

/// Parses exactly one purpose of use.
pub fn one_purpose(text: &str) -> Result<u16, NameError> {
    exactly_one(parse_purposes(text)?, "purpose")
}

/// Parses exactly one action.
pub fn one_action(text: &str) -> Result<u8, NameError> {
    exactly_one(parse_actions(text)?, "action")
}

/// Parses a wallet given as a base58 public key or a keypair file (not a clap parser: a
/// wallet that is neither is bad input, exit 3).
pub fn wallet(text: &str) -> Result<Pubkey, CliError> {
    if let Ok(key) = Pubkey::from_str(text) {
        return Ok(key);
    }
    let path = std::path::Path::new(text);
    if path.exists() {
        return config::read_keypair(path).map(|k| k.pubkey());
    }
    Err(CliError::bad(format!("'{text}' is neither a base58 public key nor a keypair file")))
}

/// Parses the permissions of a delegate: `grant`, `revoke`, `answer`, comma-separated.
pub fn parse_delegate_permissions(text: &str) -> Result<u8, CliError> {
    Ok(medchain_sdk::names::parse_delegate_permissions(text)?)
}

/// Parses 32 bytes written as 64 hexadecimal characters; `flag` names the flag in errors.
pub fn hex32(text: &str, flag: &str) -> Result<[u8; 32], CliError> {
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| CliError::bad(format!("{flag} must be 64 hexadecimal characters")))
}

/// Where a wallet link points (the clinic's `medchain serve`) and how it is shown.
#[derive(Args, Debug, Clone)]
pub struct ActionLinkArgs {
    /// Public base URL of the clinic's `medchain serve` (https://…); prints the wallet links.
    #[arg(long, env = "MEDCHAIN_ACTIONS_URL")]
    pub base_url: Option<String>,
    /// Print the QR code of the transaction-request URL in the terminal.
    #[arg(long, requires = "base_url")]
    pub qr: bool,
    /// Write the QR code as a PNG image.
    #[arg(long, value_name = "FILE", requires = "base_url")]
    pub qr_png: Option<PathBuf>,
    /// Write the QR code as an SVG image.
    #[arg(long, value_name = "FILE", requires = "base_url")]
    pub qr_svg: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use medchain_sdk::vocabulary::{actions, categories, purposes};

    #[test]
    fn single_names_and_narrowing() {
        assert_eq!(one_category("imaging").ok(), Some(categories::IMAGING));
        assert!(matches!(one_category("imaging,labs"), Err(NameError::NotOne("category"))));
        assert!(matches!(one_purpose("NOPE"), Err(NameError::Unknown(_))));
        assert_eq!(one_action("read").ok(), Some(actions::READ));
        let asked = RequestTerms::new(
            Scope::new(
                categories::IMAGING | categories::OBSERVATIONS,
                purposes::TREAT,
                actions::READ,
            ),
            30 * DAY,
        );
        let narrowing = NarrowingArgs {
            categories: Some(categories::IMAGING),
            purposes: None,
            actions: None,
            days: Some(7),
        };
        let approved = narrowing.apply(asked);
        assert_eq!(approved.scope, Scope::new(categories::IMAGING, purposes::TREAT, actions::READ));
        assert_eq!(approved.duration_secs, 7 * DAY);
        assert_eq!(parse_delegate_permissions("grant, revoke").ok(), Some(3));
        assert!(hex32("zz", "--x").is_err());
    }
}
