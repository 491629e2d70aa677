//! Sealed records on the embedded ledger: recipients come from the chain's consents, a revoke
//! followed by a reseal cuts the revoked provider out, and opening checks the chain.

#![cfg(feature = "embedded")]

use medchain_sdk::hashing::{content_hash_json, ContentKind};
use medchain_sdk::seal::{ChainCheck, EncryptionSecretKey, RecipientRole, SealError, SealOptions};
use medchain_sdk::state::{ConsentTerms, ProviderKind, RecordStatus, Scope};
use medchain_sdk::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda, Backend, EmbeddedBackend, Medchain, SdkError};
use sha2::{Digest, Sha256};
use solana_sdk::signature::{Keypair, Signer};

const RESOURCE: &str = r#"{
  "resourceType": "Observation",
  "id": "synthetic-obs-7",
  "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}], "text": "ZEPHYR-GLUCOSE-MARKER"},
  "subject": {"reference": "Patient/synthetic-7"},
  "valueQuantity": {"value": 5.4, "unit": "mmol/L"}
}"#;

/// A provider's wallet and its off-chain encryption key.
struct Clinic {
    wallet: Keypair,
    key: EncryptionSecretKey,
}

struct World {
    _dir: tempfile::TempDir,
    chain: Medchain<EmbeddedBackend>,
    issuer: Keypair,
    patient: Keypair,
    /// Consent with read + write (anchors the record).
    a: Clinic,
    /// Consent with read.
    b: Clinic,
    /// No consent at all.
    c: Clinic,
    /// Consent, but suspended by its issuer.
    d: Clinic,
    /// Consent, but no published key.
    e: Clinic,
    /// The record anchored by `a`.
    record: anchor_lang::prelude::Pubkey,
}

fn clinic() -> Clinic {
    Clinic { wallet: Keypair::new(), key: EncryptionSecretKey::generate().expect("key") }
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = Medchain::embedded(dir.path()).expect("ledger");
    let (admin, issuer, patient) = (Keypair::new(), Keypair::new(), Keypair::new());
    let (a, b, c, d, e) = (clinic(), clinic(), clinic(), clinic(), clinic());
    let funded = [&admin, &issuer, &a.wallet, &b.wallet, &c.wallet, &d.wallet, &e.wallet];
    chain.fund(&funded).await.expect("fund");
    chain.initialize(&admin, None).await.expect("initialize");
    chain.add_issuer(&admin, &issuer.pubkey(), false).await.expect("issuer");
    for clinic in [&a, &b, &c, &d, &e] {
        chain
            .register_provider(&issuer, &clinic.wallet, [7; 32], ProviderKind::Clinic)
            .await
            .expect("register");
    }
    for clinic in [&a, &b, &c, &d] {
        chain
            .set_provider_encryption_key(&clinic.wallet, clinic.key.public_key().to_bytes())
            .await
            .expect("publish key");
    }
    chain.register_patient(&patient, &a.wallet).await.expect("patient");
    let now = chain.backend().unix_time().await.expect("clock");
    let terms = |actions| ConsentTerms {
        scope: Scope::new(categories::OBSERVATIONS | categories::IMAGING, purposes::TREAT, actions),
        expires_at: now + 86_400,
    };
    chain
        .grant_consent(
            &patient,
            &a.wallet,
            &a.wallet.pubkey(),
            terms(actions::READ | actions::WRITE),
        )
        .await
        .expect("grant a");
    for clinic in [&b, &d, &e] {
        chain
            .grant_consent(&patient, &a.wallet, &clinic.wallet.pubkey(), terms(actions::READ))
            .await
            .expect("grant");
    }
    chain
        .send(&[ix::suspend_provider(&issuer.pubkey(), &d.wallet.pubkey())], &issuer, &[])
        .await
        .expect("suspend d");
    let hash = content_hash_json(RESOURCE.as_bytes()).expect("hash");
    let record_id: [u8; 32] = Sha256::digest(hash).into();
    chain
        .send(
            &[ix::anchor_record_by_provider(
                &a.wallet.pubkey(),
                &a.wallet.pubkey(),
                &patient.pubkey(),
                record_id,
                hash,
                categories::OBSERVATIONS,
                purposes::TREAT,
            )],
            &a.wallet,
            &[],
        )
        .await
        .expect("anchor");
    let record = pda::record(&pda::patient(&patient.pubkey()), &record_id);
    World { _dir: dir, chain, issuer, patient, a, b, c, d, e, record }
}

fn seal_error(result: Result<impl std::fmt::Debug, SdkError>) -> SealError {
    match result {
        Err(SdkError::Seal(e)) => e,
        other => panic!("expected a seal error, got {other:?}"),
    }
}

/// The acceptance scenario: sealed for two consented providers, both open; one is revoked and
/// the envelope resealed; the revoked one cannot open the new envelope, the other still can.
/// Around it: a provider without consent, a suspended one and one without a key are not
/// recipients (and are reported), and the patient opens with their wallet.
#[tokio::test]
async fn revoke_and_reseal_cut_the_revoked_provider_out() {
    let w = world().await;
    let chain = &w.chain;
    let patient = w.patient.pubkey();
    let sealed = chain
        .seal_for_consented(
            RESOURCE.as_bytes(),
            ContentKind::Json,
            &patient,
            categories::OBSERVATIONS,
            SealOptions::default(),
        )
        .await
        .expect("seal");
    let providers: Vec<_> = sealed.plan.providers().map(|r| r.wallet).collect();
    let mut expected = vec![w.a.wallet.pubkey(), w.b.wallet.pubkey()];
    expected.sort_by_key(|k| k.to_bytes());
    assert_eq!(providers, expected, "exactly the consented, active providers with keys");
    let mut excluded: Vec<_> =
        sealed.plan.excluded.iter().map(|e| (e.wallet, e.reason.name())).collect();
    excluded.sort_by_key(|(w, _)| w.map(|k| k.to_bytes()));
    let mut want = vec![
        (Some(w.d.wallet.pubkey()), "provider_not_active"),
        (Some(w.e.wallet.pubkey()), "no_encryption_key"),
    ];
    want.sort_by_key(|(w, _)| w.map(|k| k.to_bytes()));
    assert_eq!(excluded, want);
    assert_eq!(sealed.envelope.header.record, Some(w.record), "the anchoring record is found");

    // The plaintext is nowhere in the envelope.
    let text = String::from_utf8(sealed.bytes.clone()).expect("utf-8");
    assert!(!text.contains("ZEPHYR-GLUCOSE-MARKER") && !text.contains("synthetic-7"));

    // Both consented providers and the patient open, and the chain vouches for the content.
    for key in [&w.a.key, &w.b.key, &EncryptionSecretKey::from_wallet(&w.patient)] {
        let opened = chain.open_sealed(&sealed.bytes, key).await.expect("opens");
        assert_eq!(opened.opened.plaintext.as_slice(), RESOURCE.as_bytes());
        assert_eq!(
            opened.chain,
            ChainCheck::Anchored { record: w.record, status: RecordStatus::Current }
        );
    }
    // No consent, suspended: not recipients.
    for key in [&w.c.key, &w.d.key] {
        assert!(matches!(
            seal_error(chain.open_sealed(&sealed.bytes, key).await),
            SealError::NotARecipient { recipients: 3, .. }
        ));
    }

    // Revoke b, reseal (by the patient).
    chain.revoke_consent(&w.patient, &w.a.wallet, &w.b.wallet.pubkey()).await.expect("revoke");
    let patient_key = EncryptionSecretKey::from_wallet(&w.patient);
    let resealed = chain.reseal(&sealed.bytes, &patient_key).await.expect("reseal");
    assert_eq!(resealed.dropped.len(), 1);
    assert_eq!(resealed.dropped[0].wallet, w.b.wallet.pubkey());
    assert_eq!(resealed.dropped[0].role, RecipientRole::Provider);
    assert!(resealed.added.is_empty());
    assert!(resealed
        .sealed
        .plan
        .excluded
        .iter()
        .any(|e| e.wallet == Some(w.b.wallet.pubkey()) && e.reason.name() == "consent_revoked"));
    let new = &resealed.sealed.bytes;
    // A fresh data key: nothing of the old envelope's key material is reused.
    let old_entries = &sealed.envelope.recipients;
    for entry in &resealed.sealed.envelope.recipients {
        assert!(old_entries
            .iter()
            .all(|o| o.enc != entry.enc && o.wrapped_key != entry.wrapped_key));
    }
    assert_ne!(resealed.sealed.envelope.ciphertext, sealed.envelope.ciphertext);

    // The revoked provider cannot open the new envelope; the other still can.
    assert!(matches!(
        seal_error(chain.open_sealed(new, &w.b.key).await),
        SealError::NotARecipient { recipients: 2, .. }
    ));
    let opened = chain.open_sealed(new, &w.a.key).await.expect("a still opens");
    assert_eq!(opened.opened.plaintext.as_slice(), RESOURCE.as_bytes());
    // What revocation does not do: the old envelope, which b may have kept, still opens for b.
    assert!(chain.open_sealed(&sealed.bytes, &w.b.key).await.is_ok());

    // A permitted provider can reseal too; with nothing changed, nobody is dropped.
    let again = chain.reseal(new, &w.a.key).await.expect("provider reseals");
    assert!(again.dropped.is_empty() && again.added.is_empty());

    // Reinstating d brings it back at the next reseal.
    chain
        .send(&[ix::reinstate_provider(&w.issuer.pubkey(), &w.d.wallet.pubkey())], &w.issuer, &[])
        .await
        .expect("reinstate");
    let back = chain.reseal(new, &patient_key).await.expect("reseal");
    assert_eq!(back.added.iter().map(|r| r.wallet).collect::<Vec<_>>(), vec![w.d.wallet.pubkey()]);
    assert!(chain.open_sealed(&back.sealed.bytes, &w.d.key).await.is_ok());
}

/// Opening checks the envelope and the chain: a tampered envelope, a record marked
/// entered-in-error, a record that anchors other content, an unregistered patient.
#[tokio::test]
async fn opening_checks_the_envelope_and_the_chain() {
    let w = world().await;
    let chain = &w.chain;
    let patient = w.patient.pubkey();
    let sealed = chain
        .seal_for_consented(
            RESOURCE.as_bytes(),
            ContentKind::Json,
            &patient,
            categories::OBSERVATIONS,
            SealOptions::default(),
        )
        .await
        .expect("seal");

    // One flipped byte in the ciphertext, in the header, in a wrapped key.
    let text = String::from_utf8(sealed.bytes.clone()).expect("utf-8");
    let positions = [
        sealed.bytes.len() - 10,
        text.find("\"category\"").expect("category") + 11,
        text.rfind("\"wrapped_key\":\"").expect("wrapped") + 20,
    ];
    for at in positions {
        let mut tampered = sealed.bytes.clone();
        tampered[at] ^= 0x01;
        let err = seal_error(chain.open_sealed(&tampered, &w.a.key).await);
        assert!(
            err.to_string().contains("altered") || matches!(err, SealError::Malformed(_)),
            "{err}"
        );
    }

    // Sealing with an explicit record that anchors other content is refused.
    let other_hash = content_hash_json(br#"{"resourceType":"Basic","id":"other"}"#).expect("hash");
    let other_id = [9u8; 32];
    chain
        .send(
            &[ix::anchor_record_by_provider(
                &w.a.wallet.pubkey(),
                &w.a.wallet.pubkey(),
                &patient,
                other_id,
                other_hash,
                categories::OBSERVATIONS,
                purposes::TREAT,
            )],
            &w.a.wallet,
            &[],
        )
        .await
        .expect("anchor other");
    let other_record = pda::record(&pda::patient(&patient), &other_id);
    let options = SealOptions { record: Some(other_record), ..SealOptions::default() };
    let err = seal_error(
        chain
            .seal_for_consented(
                RESOURCE.as_bytes(),
                ContentKind::Json,
                &patient,
                categories::OBSERVATIONS,
                options,
            )
            .await,
    );
    assert!(matches!(err, SealError::RecordMismatch { .. }), "{err}");

    // The anchored record is withdrawn: opening reports it instead of handing out content.
    chain
        .send(
            &[ix::mark_entered_in_error(
                &w.a.wallet.pubkey(),
                &pda::provider(&w.a.wallet.pubkey()),
                &w.record,
            )],
            &w.a.wallet,
            &[],
        )
        .await
        .expect("entered in error");
    let err = seal_error(chain.open_sealed(&sealed.bytes, &w.b.key).await);
    assert!(matches!(err, SealError::RecordEnteredInError { .. }), "{err}");
    assert!(err.to_string().contains("entered-in-error"));

    // Unregistered patients have no consents to seal under.
    let stranger = Keypair::new().pubkey();
    let result = chain
        .seal_for_consented(
            b"{}",
            ContentKind::Json,
            &stranger,
            categories::OBSERVATIONS,
            SealOptions::default(),
        )
        .await;
    assert!(matches!(result, Err(SdkError::AccountNotFound { .. })), "{result:?}");
    let _ = (&w.c, &w.d, &w.e);
}

/// A patient whose wallet never exports its secret (a hardware wallet): they publish an X25519
/// key of their own, kept in a key file. Records are sealed to it; they open, revoke and
/// reseal with it alone; the key derived from the wallet no longer opens what is sealed from
/// then on; and the revoked provider cannot open the resealed envelope.
#[tokio::test]
async fn a_patient_with_a_published_key_seals_opens_revokes_and_reseals() {
    let w = world().await;
    let chain = &w.chain;
    let patient = w.patient.pubkey();
    // Before publishing, the patient is sealed to the key derived from the wallet.
    assert_eq!(chain.patient_encryption_key(&patient).await.expect("read"), None);
    let before = chain
        .seal_for_consented(
            RESOURCE.as_bytes(),
            ContentKind::Json,
            &patient,
            categories::OBSERVATIONS,
            SealOptions::default(),
        )
        .await
        .expect("seal");

    // The patient's device generates a key; only its public half goes on-chain (the wallet
    // signs the transaction, nothing more).
    let device_key = EncryptionSecretKey::generate().expect("key");
    chain
        .set_patient_encryption_key(&w.patient, &w.a.wallet, device_key.public_key().to_bytes())
        .await
        .expect("publish");
    assert_eq!(
        chain.patient_encryption_key(&patient).await.expect("read"),
        Some(device_key.public_key())
    );

    let sealed = chain
        .seal_for_consented(
            RESOURCE.as_bytes(),
            ContentKind::Json,
            &patient,
            categories::OBSERVATIONS,
            SealOptions::default(),
        )
        .await
        .expect("seal");
    let patient_entry = sealed.plan.recipients[0];
    assert_eq!(patient_entry.role, RecipientRole::Patient);
    assert_eq!(patient_entry.public_key, device_key.public_key(), "sealed to the published key");
    let opened = chain.open_sealed(&sealed.bytes, &device_key).await.expect("the patient opens");
    assert_eq!(opened.opened.plaintext.as_slice(), RESOURCE.as_bytes());
    let wallet_key = EncryptionSecretKey::from_wallet(&w.patient);
    assert!(matches!(
        seal_error(chain.open_sealed(&sealed.bytes, &wallet_key).await),
        SealError::NotARecipient { .. }
    ));

    // Revoke b; the patient reseals with the device key alone.
    chain.revoke_consent(&w.patient, &w.a.wallet, &w.b.wallet.pubkey()).await.expect("revoke");
    let resealed = chain.reseal(&sealed.bytes, &device_key).await.expect("reseal");
    assert_eq!(
        resealed.dropped.iter().map(|r| r.wallet).collect::<Vec<_>>(),
        vec![w.b.wallet.pubkey()]
    );
    assert!(matches!(
        seal_error(chain.open_sealed(&resealed.sealed.bytes, &w.b.key).await),
        SealError::NotARecipient { .. }
    ));
    let reopened = chain.open_sealed(&resealed.sealed.bytes, &device_key).await.expect("opens");
    assert_eq!(reopened.opened.plaintext.as_slice(), RESOURCE.as_bytes());

    // An envelope sealed before the key was published opens with the wallet-derived key, and
    // a reseal with that key moves it to the published one.
    let moved = chain.reseal(&before.bytes, &wallet_key).await.expect("reseal the old one");
    assert_eq!(moved.sealed.plan.recipients[0].public_key, device_key.public_key());
    assert!(chain.open_sealed(&moved.sealed.bytes, &device_key).await.is_ok());
    assert!(chain.open_sealed(&moved.sealed.bytes, &w.b.key).await.is_err(), "b was revoked");
}
