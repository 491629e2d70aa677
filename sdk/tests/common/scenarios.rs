//! Conformance scenarios: the same steps against any [`Backend`]. Run on the embedded ledger
//! by `tests/conformance.rs`, and against `solana-test-validator` by
//! `examples/conformance_rpc.rs` (see the README's SDK section).

use medchain::error::MedchainError;
use medchain::state::{AccessReason, ProviderKind, RequestTerms, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::client::RecordAccessArgs;
use medchain_sdk::{Backend, Medchain, SdkError};
use solana_sdk::signature::{Keypair, Signer};

/// The wallets a scenario uses; admin, issuer and provider must hold SOL.
pub struct Cast {
    /// The registry admin (initialises the registry if it does not exist yet).
    pub admin: Keypair,
    /// A credentialing body.
    pub issuer: Keypair,
    /// A physician; also pays the patient's fees.
    pub provider: Keypair,
    /// A patient holding no SOL.
    pub patient: Keypair,
}

fn terms() -> RequestTerms {
    RequestTerms {
        scope: Scope::new(
            categories::IMAGING | categories::OBSERVATIONS,
            purposes::TREAT,
            actions::READ,
        ),
        duration_secs: 3_600,
    }
}

/// Sets up the registry (when absent), the issuer, the provider and the patient.
pub async fn setup<B: Backend>(chain: &Medchain<B>, cast: &Cast) -> Result<(), SdkError> {
    let registry = medchain_sdk::pda::registry();
    if chain.backend().account(&registry).await?.is_none() {
        chain.initialize(&cast.admin, None).await?;
    }
    chain.add_issuer(&cast.admin, &cast.issuer.pubkey(), true).await?;
    chain.register_provider(&cast.issuer, &cast.provider, [9; 32], ProviderKind::Clinic).await?;
    chain.register_patient(&cast.patient, &cast.provider).await?;
    Ok(())
}

/// A read of imaging for treatment.
const IMAGING_FOR_TREATMENT: RecordAccessArgs = RecordAccessArgs {
    category: categories::IMAGING,
    purpose: purposes::TREAT,
    action: actions::READ,
};

/// Request, approve, read, revoke, denied read, audit trail.
pub async fn consent_lifecycle<B: Backend>(
    chain: &Medchain<B>,
    cast: &Cast,
) -> Result<(), SdkError> {
    let (provider, patient) = (&cast.provider, &cast.patient);
    chain.request_access(provider, &patient.pubkey(), 1, terms()).await?;
    let pending = chain.pending_requests(&patient.pubkey()).await?;
    assert_eq!(pending.len(), 1, "one pending request");
    chain.approve_request(patient, provider, &provider.pubkey(), 1, terms()).await?;
    assert!(chain.pending_requests(&patient.pubkey()).await?.is_empty());
    let consents = chain.consents_of_patient(&patient.pubkey()).await?;
    assert_eq!(consents.len(), 1);
    assert_eq!(chain.consents_of_provider(&provider.pubkey()).await?.len(), 1);
    let check = chain
        .check_access(
            &provider.pubkey(),
            &patient.pubkey(),
            categories::IMAGING,
            purposes::TREAT,
            actions::READ,
        )
        .await?;
    assert!(check.allowed);
    let read = chain.record_access(provider, &patient.pubkey(), IMAGING_FOR_TREATMENT).await?;
    assert_eq!(read.reason, AccessReason::Granted);
    chain.revoke_consent(patient, provider, &provider.pubkey()).await?;
    let denied = chain.record_access(provider, &patient.pubkey(), IMAGING_FOR_TREATMENT).await?;
    assert_eq!(denied.reason, AccessReason::ConsentRevoked);
    let trail = chain.audit_trail(&patient.pubkey(), 50).await?;
    let names: Vec<&str> = trail.iter().map(|e| e.instruction.as_str()).collect();
    assert_eq!(
        names,
        [
            "record_access", "revoke_consent", "record_access", "approve_request",
            "request_access", "register_patient"
        ],
        "newest first"
    );
    let last = trail[0].access.as_ref().expect("access details");
    assert_eq!(last.allowed, Some(false));
    assert_eq!(last.reason.as_deref(), Some("consent_revoked"));
    assert_eq!(trail[2].access.as_ref().and_then(|a| a.allowed), Some(true));
    // What changed comes from the events: the approval's consent terms, the revocation.
    let changed =
        trail[3].events.iter().find(|e| e.name == "ConsentChanged").expect("ConsentChanged");
    assert_eq!(changed.fields["old_version"], 0);
    assert_eq!(changed.fields["new_version"], 1);
    assert_eq!(
        changed.fields["new_terms"]["scope"],
        medchain_sdk::names::scope_json(&terms().scope)
    );
    assert!(trail[3].events.iter().any(|e| e.name == "RequestResolved"));
    assert_eq!(trail[1].events[0].name, "ConsentRevoked");
    assert!(trail[0].events.is_empty(), "record_access emits no event");
    let bundle = medchain_sdk::fhir::audit_trail_bundle(&patient.pubkey(), &trail)
        .map_err(|e| SdkError::Transaction(e.to_string()))?;
    let resources = bundle["entry"].as_array().map_or(0, Vec::len);
    assert_eq!(resources, 6, "two access attempts and four changes: {bundle}");
    Ok(())
}

/// Program errors come back typed; an unfunded payer is told so.
pub async fn errors_are_typed<B: Backend>(
    chain: &Medchain<B>,
    cast: &Cast,
) -> Result<(), SdkError> {
    let (provider, patient) = (&cast.provider, &cast.patient);
    chain.request_access(provider, &patient.pubkey(), 2, terms()).await?;
    chain.approve_request(patient, provider, &provider.pubkey(), 2, terms()).await?;
    let again = chain.approve_request(patient, provider, &provider.pubkey(), 2, terms()).await;
    match again {
        Err(e) => assert_eq!(e.program_error(), Some(MedchainError::RequestNotPending), "{e}"),
        Ok(_) => panic!("approved twice"),
    }
    let broke = Keypair::new();
    match chain.register_patient(&Keypair::new(), &broke).await {
        Err(SdkError::InsufficientFunds { payer }) => assert_eq!(payer, broke.pubkey().to_string()),
        other => panic!("expected insufficient funds, got {other:?}"),
    }
    Ok(())
}
