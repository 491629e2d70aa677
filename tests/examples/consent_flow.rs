//! An end-to-end consent flow on an in-process Solana bank running the medchain program:
//! an admin trusts an issuer, the issuer registers a provider, a patient with no SOL
//! registers, the provider requests access, the patient approves a narrowed version, the
//! provider reads, the patient revokes, and the next read is denied — and recorded.
//!
//! Run: `cargo run --release -p medchain-tests --example consent_flow`

use medchain::state::{Consent, RequestTerms, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::access::describe_reason;
use medchain_sdk::instructions as ix;
use medchain_tests::{request_terms, Harness};
use solana_sdk::signature::Signer;

#[tokio::main]
async fn main() {
    let mut h = Harness::new().await;
    println!("registry initialised; admin {}", h.admin.pubkey());

    let issuer = h.issuer(true).await;
    println!("issuer trusted:        {}", issuer.pubkey());
    let provider = h.provider(&issuer).await;
    println!("provider registered:   {}", provider.pubkey());
    let patient = h.patient().await;
    println!(
        "patient registered:    {} (holds {} lamports; the clinic paid)",
        patient.pubkey(),
        h.lamports(&patient.pubkey()).await
    );

    let asked = request_terms();
    h.request(&provider, &patient, 1, asked).await.expect("request_access");
    println!("provider requested imaging + labs, read + write, for treatment, 1 day");

    let narrowed = RequestTerms {
        scope: Scope { categories: categories::IMAGING, actions: actions::READ, ..asked.scope },
        ..asked
    };
    let payer = h.ctx.payer.pubkey();
    h.send(
        &[ix::approve_request(&patient.pubkey(), &payer, &provider.pubkey(), 1, narrowed)],
        &[&patient],
    )
    .await
    .expect("approve_request");
    println!("patient approved, narrowed to imaging, read only");

    let read = h.read_imaging(&provider, &patient).await;
    println!("provider reads imaging:  {}", describe_reason(read.reason));
    let labs = h
        .record(&provider, &patient, categories::OBSERVATIONS, purposes::TREAT, actions::READ)
        .await
        .expect("record_access");
    println!("provider reads labs:     {}", describe_reason(labs.reason));

    h.send(&[ix::revoke_consent(&patient.pubkey(), &provider.pubkey())], &[&patient])
        .await
        .expect("revoke_consent");
    println!("patient revoked");
    let after = h.read_imaging(&provider, &patient).await;
    println!("provider reads imaging:  {}", describe_reason(after.reason));

    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    println!(
        "on-chain consent v{}: {:?}, {} granted / {} denied attempts recorded",
        consent.version, consent.status, consent.granted_count, consent.denied_count
    );
    assert!(read.allowed && !labs.allowed && !after.allowed);
}
