//! The conformance scenarios of `tests/common/scenarios.rs` against a real cluster, for
//! example `solana-test-validator` with the program deployed (see the README's SDK section):
//!
//! ```sh
//! solana-test-validator --bpf-program Fx52bsf4V3TyLN4awhjtx3h3ZKpRPVFasKGYpo6qyFUZ target/deploy/medchain.so --reset
//! cargo run --release -p medchain-sdk --example conformance_rpc -- http://localhost:8899
//! ```
//!
//! The cluster must allow airdrops (a test validator or devnet): the scenario's admin, issuer
//! and provider are funded with `requestAirdrop`.

#[path = "../tests/common/scenarios.rs"]
#[allow(dead_code)]
mod scenarios;

use medchain_sdk::{Medchain, RpcBackend, RpcOptions};
use scenarios::Cast;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "http://localhost:8899".into());
    let backend = RpcBackend::new(url.clone(), RpcOptions::default());
    let cast = Cast {
        admin: Keypair::new(),
        issuer: Keypair::new(),
        provider: Keypair::new(),
        patient: Keypair::new(),
    };
    for wallet in [&cast.admin, &cast.issuer, &cast.provider] {
        let signature = backend.client().request_airdrop(&wallet.pubkey(), 2_000_000_000).await?;
        while !backend.client().confirm_transaction(&signature).await? {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        }
    }
    let chain = Medchain::new(backend);
    scenarios::setup(&chain, &cast).await?;
    scenarios::consent_lifecycle(&chain, &cast).await?;
    scenarios::errors_are_typed(&chain, &cast).await?;
    println!("conformance scenarios passed against {url}");
    Ok(())
}
