//! The whole consent flow in 20 lines, on an embedded ledger (no validator needed):
//! `cargo run --release -p medchain-sdk --features embedded --example quickstart`
use medchain_sdk::state::{ProviderKind::Physician, RequestTerms, Scope};
use medchain_sdk::vocabulary::{actions::READ, categories::IMAGING, purposes::TREAT};
use medchain_sdk::{client::RecordAccessArgs, Medchain};
use solana_sdk::signature::{Keypair, Signer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ledger = tempfile::tempdir()?;
    let chain = Medchain::embedded(ledger.path())?;
    let [admin, issuer, doctor, patient] = [(); 4].map(|_| Keypair::new());
    chain.fund(&[&admin, &issuer, &doctor]).await?; // the patient holds no SOL: the clinic pays
    chain.initialize(&admin, None).await?;
    chain.add_issuer(&admin, &issuer.pubkey(), true).await?;
    chain.register_provider(&issuer, &doctor, [7; 32], Physician).await?;
    chain.register_patient(&patient, &doctor).await?;
    let (me, terms) =
        (patient.pubkey(), RequestTerms::new(Scope::new(IMAGING, TREAT, READ), 86_400));
    chain.request_access(&doctor, &me, 1, terms).await?;
    chain.approve_request(&patient, &doctor, &doctor.pubkey(), 1, terms).await?;
    println!("{:?}", chain.check_access(&doctor.pubkey(), &me, IMAGING, TREAT, READ).await?);
    let read_imaging = RecordAccessArgs { category: IMAGING, purpose: TREAT, action: READ };
    println!("{:?}", chain.record_access(&doctor, &me, read_imaging).await?);
    chain.revoke_consent(&patient, &doctor, &doctor.pubkey()).await?;
    println!("{:?}", chain.record_access(&doctor, &me, read_imaging).await?);
    for entry in chain.audit_trail(&me, 100).await? {
        println!("{} {} by {}: {:?}", entry.slot, entry.instruction, entry.actor, entry.access);
    }
    Ok(())
}
