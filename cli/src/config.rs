//! Where commands go and who signs: the Solana CLI's conventions (`config.yml`, `-u` with
//! monikers, `-k` keypair files written by solana-keygen, `--commitment`), and the embedded
//! ledger as the default cluster when nothing is configured.

use crate::error::CliError;
use serde::Deserialize;
use solana_sdk::signature::{read_keypair_file, Keypair};
use std::path::{Path, PathBuf};

/// The subset of `~/.config/solana/cli/config.yml` medchain reads.
#[derive(Debug, Default, Deserialize)]
pub struct SolanaConfig {
    /// `json_rpc_url`.
    pub json_rpc_url: Option<String>,
    /// `keypair_path`.
    pub keypair_path: Option<String>,
    /// `commitment`.
    pub commitment: Option<String>,
}

/// The default Solana CLI config path.
pub fn default_config_path() -> Option<PathBuf> {
    dirs::home_dir().map(|h| h.join(".config/solana/cli/config.yml"))
}

/// The default keypair path of the Solana CLI.
pub fn default_keypair_path() -> Option<PathBuf> {
    dirs::home_dir().map(|h| h.join(".config/solana/id.json"))
}

/// The default embedded ledger directory (under the user's data directory).
pub fn default_ledger_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("medchain").join("ledger")
}

/// Reads a config file. An explicitly named file must exist and parse; the default one is
/// optional.
pub fn load_config(path: Option<&Path>) -> Result<SolanaConfig, CliError> {
    let (path, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => match default_config_path() {
            Some(p) => (p, false),
            None => return Ok(SolanaConfig::default()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_yaml::from_str(&text).map_err(|e| {
            CliError::bad(format!("config file {} is not valid YAML: {e}", path.display()))
        }),
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
            Ok(SolanaConfig::default())
        }
        Err(e) => Err(CliError::bad(format!("cannot read config file {}: {e}", path.display()))),
    }
}

/// Resolves `-u` monikers and URLs: m/mainnet-beta, d/devnet, t/testnet, l/localhost.
pub fn resolve_url(url: &str) -> Result<String, CliError> {
    let resolved = match url {
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com",
        "d" | "devnet" => "https://api.devnet.solana.com",
        "t" | "testnet" => "https://api.testnet.solana.com",
        "l" | "localhost" => "http://localhost:8899",
        other if other.starts_with("http://") || other.starts_with("https://") => other,
        other => {
            return Err(CliError::bad(format!(
                "'{other}' is not a cluster URL or moniker (m, d, t, l, or http(s)://…)"
            )))
        }
    };
    Ok(resolved.to_string())
}

/// Reads a keypair file as written by `solana-keygen new` (a JSON array of 64 bytes).
pub fn read_keypair(path: &Path) -> Result<Keypair, CliError> {
    if !path.exists() {
        return Err(CliError::bad(format!(
            "keypair file {} does not exist; create one with `solana-keygen new -o {}` or \
             `medchain keygen -o {}`",
            path.display(),
            path.display(),
            path.display()
        )));
    }
    read_keypair_file(path).map_err(|e| {
        CliError::bad(format!(
            "{} is not a valid keypair file (expected solana-keygen's JSON array of 64 bytes): {e}",
            path.display()
        ))
    })
}

/// Expands a leading `~/` in a path from a config file.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_resolve_and_nonsense_is_refused() {
        assert_eq!(resolve_url("d").expect("moniker"), "https://api.devnet.solana.com");
        assert_eq!(resolve_url("l").expect("moniker"), "http://localhost:8899");
        assert_eq!(resolve_url("http://127.0.0.1:8899").expect("url"), "http://127.0.0.1:8899");
        assert!(resolve_url("devnet2").is_err());
    }

    #[test]
    fn config_yaml_is_read() {
        let config: SolanaConfig = serde_yaml::from_str(
            "json_rpc_url: http://localhost:8899\nkeypair_path: /tmp/id.json\ncommitment: confirmed\nwebsocket_url: ''\n",
        )
        .expect("yaml");
        assert_eq!(config.json_rpc_url.as_deref(), Some("http://localhost:8899"));
        assert_eq!(config.commitment.as_deref(), Some("confirmed"));
    }
}
