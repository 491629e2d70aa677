//! Notifications on the embedded ledger: `Medchain::watch_patient` delivers each of the
//! patient's events within one second of the transaction (the ledger's commit hook), in order,
//! with its kind, the provider's wallet and words from the vocabulary table; refused
//! transactions deliver nothing; an unregistered patient is an error.

#![cfg(feature = "embedded")]

use medchain::state::{ProviderKind, RequestTerms, Scope};
use medchain_sdk::client::RecordAccessArgs;
use medchain_sdk::vocabulary::{actions, categories, purposes};
use medchain_sdk::watch::{PatientEvent, WatchKind};
use medchain_sdk::{EmbeddedBackend, Medchain, SdkError};
use solana_sdk::signature::{Keypair, Signer};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The deadline of the acceptance criterion: an event within one second of its transaction.
const DEADLINE: Duration = Duration::from_secs(1);

struct Cast {
    _dir: tempfile::TempDir,
    chain: Arc<Medchain<EmbeddedBackend>>,
    issuer: Keypair,
    doctor: Keypair,
    patient: Keypair,
}

async fn cast() -> Cast {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Arc::new(Medchain::embedded(dir.path()).expect("open"));
    let (admin, issuer, doctor, patient) =
        (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    chain.fund(&[&admin, &issuer, &doctor, &patient]).await.expect("fund");
    chain.initialize(&admin, None).await.expect("initialize");
    chain.add_issuer(&admin, &issuer.pubkey(), true).await.expect("issuer");
    chain
        .register_provider(&issuer, &doctor, [7; 32], ProviderKind::Physician)
        .await
        .expect("provider");
    chain.register_patient(&patient, &patient).await.expect("patient");
    Cast { _dir: dir, chain, issuer, doctor, patient }
}

/// Watches the patient in a task of its own and hands over each event with the instant it
/// arrived.
async fn watcher(cast: &Cast) -> mpsc::UnboundedReceiver<(Instant, PatientEvent)> {
    let mut watch = cast.chain.watch_patient(&cast.patient.pubkey()).await.expect("watch");
    let chain = cast.chain.clone();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = watch.next(&chain).await {
            let event = event.expect("the feed does not break");
            if tx.send((Instant::now(), event)).is_err() {
                return;
            }
        }
    });
    rx
}

/// The next event, which must arrive within [`DEADLINE`] of `sent` (when the transaction
/// was committed).
async fn next_within_deadline(
    rx: &mut mpsc::UnboundedReceiver<(Instant, PatientEvent)>,
    sent: Instant,
) -> PatientEvent {
    let (at, event) = tokio::time::timeout(DEADLINE, rx.recv())
        .await
        .expect("an event within one second of the transaction")
        .expect("the watcher runs");
    assert!(at.duration_since(sent) < DEADLINE, "delivered {:?} after", at.duration_since(sent));
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_event_arrives_within_a_second_of_its_transaction() {
    let cast = cast().await;
    let mut rx = watcher(&cast).await;
    let chain = &cast.chain;
    let (doctor, patient) = (&cast.doctor, &cast.patient);
    let doctor_wallet = doctor.pubkey().to_string();
    let terms = RequestTerms::new(
        Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
        86_400 * 30,
    );

    let sent = Instant::now();
    let request = chain.request_access(doctor, &patient.pubkey(), 1, terms).await.expect("request");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::Request);
    assert_eq!(event.entry.signature, request.signature.to_string());
    assert_eq!(event.patient, patient.pubkey().to_string());
    assert_eq!(event.provider.as_deref(), Some(doctor_wallet.as_str()));
    assert!(
        event.summary.ends_with("asks for read access to imaging for treatment, for 30 days"),
        "{}",
        event.summary
    );
    assert_eq!(event.entry.events[0].name, "AccessRequested");
    the_documented_fields_are_the_events(&event);

    let sent = Instant::now();
    chain.approve_request(patient, patient, &doctor.pubkey(), 1, terms).await.expect("approve");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::Grant);
    assert_eq!(event.provider.as_deref(), Some(doctor_wallet.as_str()));
    assert!(
        event.summary.contains("was granted read access to imaging for treatment"),
        "{}",
        event.summary
    );

    let read = RecordAccessArgs {
        category: categories::IMAGING,
        purpose: purposes::TREAT,
        action: actions::READ,
    };
    let sent = Instant::now();
    chain.record_access(doctor, &patient.pubkey(), read).await.expect("granted attempt");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::Access);
    assert_eq!(event.entry.access.as_ref().and_then(|a| a.allowed), Some(true));
    assert!(event.summary.ends_with(": granted by an active consent"), "{}", event.summary);

    let labs = RecordAccessArgs { category: categories::OBSERVATIONS, ..read };
    let sent = Instant::now();
    chain.record_access(doctor, &patient.pubkey(), labs).await.expect("denied attempt");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::Access);
    assert_eq!(event.entry.access.as_ref().and_then(|a| a.allowed), Some(false));
    assert_eq!(event.provider.as_deref(), Some(doctor_wallet.as_str()));
    assert!(
        event.summary.contains("asked to read observations (labs) for treatment: denied:"),
        "{}",
        event.summary
    );

    let sent = Instant::now();
    chain.revoke_consent(patient, patient, &doctor.pubkey()).await.expect("revoke");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::Revoke);
    assert_eq!(event.provider.as_deref(), Some(doctor_wallet.as_str()));

    // A refused transaction is never committed, so nothing is delivered for it.
    let refused = chain.revoke_consent(patient, patient, &doctor.pubkey()).await;
    assert!(matches!(refused, Err(SdkError::Program(_))), "{refused:?}");
    let sent = Instant::now();
    chain
        .open_emergency_access(doctor, &cast.issuer.pubkey(), &patient.pubkey(), 1, 3_600)
        .await
        .expect("break glass");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::BreakGlass, "the refused revoke delivered nothing");
    assert_eq!(event.provider.as_deref(), Some(doctor_wallet.as_str()));
    assert!(
        event
            .summary
            .ends_with("opened emergency (break-glass) access to your records, for 1 hour"),
        "{}",
        event.summary
    );

    let sent = Instant::now();
    chain.review_emergency_access(patient, &doctor.pubkey(), true).await.expect("review");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::BreakGlassReviewed);
    assert_eq!(event.summary, "an emergency access window was reviewed and ended");
}

#[tokio::test]
async fn only_the_patients_own_transactions_arrive() {
    let cast = cast().await;
    let mut rx = watcher(&cast).await;
    let other = Keypair::new();
    cast.chain.fund(&[&other]).await.expect("fund");
    cast.chain.register_patient(&other, &other).await.expect("another patient");
    let terms =
        RequestTerms::new(Scope::new(categories::IMAGING, purposes::TREAT, actions::READ), 60);
    cast.chain.request_access(&cast.doctor, &other.pubkey(), 1, terms).await.expect("request");
    let sent = Instant::now();
    cast.chain
        .request_access(&cast.doctor, &cast.patient.pubkey(), 2, terms)
        .await
        .expect("request");
    let event = next_within_deadline(&mut rx, sent).await;
    assert_eq!(event.kind, WatchKind::Request);
    assert_eq!(event.entry.events[0].fields["nonce"], 2, "the other patient's request is not ours");
}

#[tokio::test]
async fn an_unregistered_patient_cannot_be_watched() {
    let cast = cast().await;
    let stranger = Keypair::new();
    let refused = cast.chain.watch_patient(&stranger.pubkey()).await;
    assert!(
        matches!(&refused, Err(SdkError::AccountNotFound { what: "registered patient", .. })),
        "{:?}",
        refused.err()
    );
}

/// The rows of the table between `<!-- watch-fields:start -->` and `<!-- watch-fields:end -->`
/// in docs/CLI.md: (field, what).
fn documented_fields() -> Vec<(String, String)> {
    let doc = include_str!("../../docs/CLI.md");
    let (start, end) = ("<!-- watch-fields:start -->", "<!-- watch-fields:end -->");
    let from = doc.find(start).expect("start marker") + start.len();
    let to = doc.find(end).expect("end marker");
    doc[from..to]
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|l| {
            let mut cells = l.trim_matches('|').split(" | ");
            let field = cells.next()?.trim().trim_matches('`').to_string();
            Some((field, cells.next()?.trim().to_string()))
        })
        .collect()
}

/// docs/CLI.md lists exactly the fields of a real event's JSON, and every kind.
fn the_documented_fields_are_the_events(event: &PatientEvent) {
    let json = serde_json::to_value(event).expect("JSON");
    let mut keys: Vec<String> = json.as_object().expect("an object").keys().cloned().collect();
    let doc = documented_fields();
    let mut documented: Vec<String> = doc.iter().map(|(f, _)| f.clone()).collect();
    keys.sort();
    documented.sort();
    assert_eq!(documented, keys, "docs/CLI.md's watch fields");
    let kinds = &doc.iter().find(|(f, _)| f == "kind").expect("kind is documented").1;
    let listed: Vec<&str> = kinds.split('`').skip(1).step_by(2).collect();
    let all: Vec<&str> = WatchKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(listed, all, "docs/CLI.md lists every kind, in order");
}
