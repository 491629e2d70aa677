//! The whole consent flow in under 20 lines, on an embedded ledger (no validator needed):
//! `cargo run --release -p medchain-sdk --features embedded --example quickstart`
use medchain_sdk::state::{ProviderKind, RequestTerms};
use medchain_sdk::vocabulary::{actions::READ, categories::IMAGING, purposes::TREAT};
use medchain_sdk::{EmbeddedBackend, Medchain};
use solana_sdk::signature::{Keypair, Signer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ledger = tempfile::tempdir()?;
    let chain = Medchain::new(EmbeddedBackend::open(ledger.path())?);
    let [admin, issuer, doctor, patient] = [(); 4].map(|_| Keypair::new());
    for payer in [&admin, &issuer, &doctor] {
        chain
            .backend()
            .airdrop(&payer.pubkey(), 1_000_000_000)
            .await?;
    }
    chain.initialize(&admin, None).await?;
    chain.add_issuer(&admin, &issuer.pubkey(), true).await?;
    chain
        .register_provider(&issuer, &doctor, [7; 32], ProviderKind::Physician)
        .await?;
    chain.register_patient(&patient, &doctor).await?; // the clinic pays; the patient holds no SOL
    let terms = RequestTerms {
        categories: IMAGING,
        purposes: TREAT,
        actions: READ,
        duration_secs: 86_400,
    };
    chain
        .request_access(&doctor, &patient.pubkey(), 1, terms)
        .await?;
    chain
        .approve_request(&patient, &doctor, &doctor.pubkey(), 1, terms)
        .await?;
    println!(
        "check:  {:?}",
        chain
            .check_access(&doctor.pubkey(), &patient.pubkey(), IMAGING, TREAT, READ)
            .await?
    );
    println!(
        "read:   {:?}",
        chain
            .record_access(&doctor, &patient.pubkey(), IMAGING, TREAT, READ)
            .await?
    );
    chain
        .revoke_consent(&patient, &doctor, &doctor.pubkey())
        .await?;
    println!(
        "after revoke: {:?}",
        chain
            .record_access(&doctor, &patient.pubkey(), IMAGING, TREAT, READ)
            .await?
    );
    for entry in chain.audit_trail(&patient.pubkey(), 100).await? {
        println!(
            "{} {:<16} by {} {:?}",
            entry.slot, entry.instruction, entry.actor, entry.access
        );
    }
    Ok(())
}
