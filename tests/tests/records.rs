//! Record-hash accounts: anchoring by a provider with the write action or by the patient,
//! amendments that supersede without overwriting, entered-in-error, and Merkle batches.

use medchain::state::{AuthorKind, ConsentTerms, Record, RecordBatch, RecordStatus, Scope};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

const RECORD_1: [u8; 32] = [0xA1; 32];
const RECORD_2: [u8; 32] = [0xA2; 32];
const HASH_1: [u8; 32] = [0xB1; 32];
const HASH_2: [u8; 32] = [0xB2; 32];

/// A consent allowing imaging read + write for treatment.
async fn writer_consent(h: &mut Harness, patient: &Keypair, provider: &Keypair) {
    let now = h.now().await;
    let t = ConsentTerms {
        scope: Scope { actions: actions::READ | actions::WRITE, ..terms(now + 86_400).scope },
        ..terms(now + 86_400)
    };
    h.grant(patient, provider, t).await.expect("grant write");
}

async fn anchor_by_provider(
    h: &mut Harness,
    provider: &Keypair,
    patient: &Keypair,
    id: [u8; 32],
    hash: [u8; 32],
) -> TxResult {
    h.send(
        &[ix::anchor_record_by_provider(
            &provider.pubkey(),
            &provider.pubkey(),
            &patient.pubkey(),
            id,
            hash,
            categories::IMAGING,
            purposes::TREAT,
        )],
        &[provider],
    )
    .await
}

fn record_address(patient: &Keypair, id: [u8; 32]) -> anchor_lang::prelude::Pubkey {
    pda::record(&pda::patient(&patient.pubkey()), &id)
}

#[tokio::test]
async fn provider_with_write_action_anchors_a_record() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    let record: Record = h.account(&record_address(&patient, RECORD_1)).await;
    assert_eq!(record.content_hash, HASH_1);
    assert_eq!(record.author, pda::provider(&provider.pubkey()));
    assert_eq!(record.author_kind, AuthorKind::Provider);
    assert_eq!(record.status, RecordStatus::Current);
    assert_eq!(record.version, 1);
    assert_eq!(record.category, categories::IMAGING);
}

#[tokio::test]
async fn patient_with_no_sol_anchors_a_record_about_themselves_with_the_clinic_paying() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let clinic = h.ctx.payer.pubkey();
    h.send(
        &[ix::anchor_record_by_patient(
            &patient.pubkey(),
            &clinic,
            RECORD_1,
            HASH_1,
            categories::OBSERVATIONS,
        )],
        &[&patient],
    )
    .await
    .expect("anchor own record");
    let record: Record = h.account(&record_address(&patient, RECORD_1)).await;
    assert_eq!(record.author_kind, AuthorKind::Patient);
    assert_eq!(record.author, pda::patient(&patient.pubkey()));
    assert_eq!(record.rent_payer, clinic);
    assert_eq!(h.lamports(&patient.pubkey()).await, 0);
}

#[tokio::test]
async fn attack_write_without_the_write_action() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    h.consent(&patient, &provider).await; // read only
    let result = anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await;
    assert_medchain_error(result, MedchainError::WriteNotPermitted);
    assert!(!h.exists(&record_address(&patient, RECORD_1)).await);
}

#[tokio::test]
async fn attack_write_in_a_category_not_covered() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    let result = h
        .send(
            &[ix::anchor_record_by_provider(
                &provider.pubkey(),
                &provider.pubkey(),
                &patient.pubkey(),
                RECORD_1,
                HASH_1,
                categories::MENTAL_HEALTH,
                purposes::TREAT,
            )],
            &[&provider],
        )
        .await;
    assert_medchain_error(result, MedchainError::WriteNotPermitted);
}

#[tokio::test]
async fn attack_write_without_any_consent() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let result = anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await;
    assert_anchor_error(result, AnchorErrorCode::AccountNotInitialized);
}

#[tokio::test]
async fn attack_write_with_another_providers_consent() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let intruder = h.provider(&issuer).await;
    writer_consent(&mut h, &patient, &provider).await;
    let forged = substitute(
        ix::anchor_record_by_provider(
            &intruder.pubkey(),
            &intruder.pubkey(),
            &patient.pubkey(),
            RECORD_1,
            HASH_1,
            categories::IMAGING,
            purposes::TREAT,
        ),
        &Harness::consent_address(&patient, &intruder),
        &Harness::consent_address(&patient, &provider),
    );
    assert_medchain_error(
        h.send(&[forged], &[&intruder]).await,
        MedchainError::ConsentAccountMismatch,
    );
}

#[tokio::test]
async fn attack_write_by_a_suspended_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    let result = anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await;
    assert_medchain_error(result, MedchainError::WriteNotPermitted);
}

#[tokio::test]
async fn attack_patient_path_signed_by_someone_else() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let intruder = h.funded_keypair(SOL).await;
    let mut forged = ix::anchor_record_by_patient(
        &patient.pubkey(),
        &intruder.pubkey(),
        RECORD_1,
        HASH_1,
        categories::IMAGING,
    );
    forged.accounts[0].pubkey = intruder.pubkey();
    assert_medchain_error(h.send(&[forged], &[&intruder]).await, MedchainError::WriteNotPermitted);
}

#[tokio::test]
async fn attack_anchor_the_same_record_id_twice() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    let result = anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_2).await;
    assert_medchain_error(result, MedchainError::AccountAlreadyExists);
    let record: Record = h.account(&record_address(&patient, RECORD_1)).await;
    assert_eq!(record.content_hash, HASH_1, "never overwritten");
}

#[tokio::test]
async fn anchor_refuses_empty_hash_and_multiple_categories() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    assert_medchain_error(
        anchor_by_provider(&mut h, &provider, &patient, RECORD_1, [0; 32]).await,
        MedchainError::InvalidContentHash,
    );
    h.fund(&patient.pubkey(), SOL).await;
    let result = h
        .send(
            &[ix::anchor_record_by_patient(
                &patient.pubkey(),
                &patient.pubkey(),
                RECORD_1,
                HASH_1,
                categories::IMAGING | categories::ALLERGIES,
            )],
            &[&patient],
        )
        .await;
    assert_medchain_error(result, MedchainError::InvalidCategory);
}

#[tokio::test]
async fn amendment_supersedes_and_never_overwrites() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    h.send(
        &[ix::amend_record(
            &provider.pubkey(),
            &provider.pubkey(),
            &patient.pubkey(),
            Some(&provider.pubkey()),
            RECORD_1,
            ix::NewVersion { record_id: RECORD_2, content_hash: HASH_2 },
            purposes::TREAT,
        )],
        &[&provider],
    )
    .await
    .expect("amend");
    let old: Record = h.account(&record_address(&patient, RECORD_1)).await;
    let new: Record = h.account(&record_address(&patient, RECORD_2)).await;
    assert_eq!(old.status, RecordStatus::Amended);
    assert_eq!(old.content_hash, HASH_1, "old version kept");
    assert_eq!(old.superseded_by, record_address(&patient, RECORD_2));
    assert_eq!(new.status, RecordStatus::Current);
    assert_eq!(new.version, 2);
    assert_eq!(new.supersedes, record_address(&patient, RECORD_1));
    assert_eq!(new.content_hash, HASH_2);
    // The amended version cannot be amended again.
    let result = h
        .send(
            &[ix::amend_record(
                &provider.pubkey(),
                &provider.pubkey(),
                &patient.pubkey(),
                Some(&provider.pubkey()),
                RECORD_1,
                ix::NewVersion { record_id: [0xA3; 32], content_hash: HASH_2 },
                purposes::TREAT,
            )],
            &[&provider],
        )
        .await;
    assert_medchain_error(result, MedchainError::RecordNotCurrent);
}

#[tokio::test]
async fn attack_amend_someone_elses_record() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let colleague = h.provider(&issuer).await;
    writer_consent(&mut h, &patient, &provider).await;
    writer_consent(&mut h, &patient, &colleague).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    let result = h
        .send(
            &[ix::amend_record(
                &colleague.pubkey(),
                &colleague.pubkey(),
                &patient.pubkey(),
                Some(&colleague.pubkey()),
                RECORD_1,
                ix::NewVersion { record_id: RECORD_2, content_hash: HASH_2 },
                purposes::TREAT,
            )],
            &[&colleague],
        )
        .await;
    assert_medchain_error(result, MedchainError::NotRecordAuthor);
    assert_eq!(
        h.account::<Record>(&record_address(&patient, RECORD_1)).await.status,
        RecordStatus::Current
    );
}

#[tokio::test]
async fn attack_amend_a_providers_record_as_the_patient() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    h.fund(&patient.pubkey(), SOL).await;
    let result = h
        .send(
            &[ix::amend_record(
                &patient.pubkey(),
                &patient.pubkey(),
                &patient.pubkey(),
                None,
                RECORD_1,
                ix::NewVersion { record_id: RECORD_2, content_hash: HASH_2 },
                purposes::PATRQT,
            )],
            &[&patient],
        )
        .await;
    assert_medchain_error(result, MedchainError::NotRecordAuthor);
}

#[tokio::test]
async fn attack_amend_after_the_write_consent_was_revoked() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    h.revoke(&patient, &provider).await.expect("revoke");
    let result = h
        .send(
            &[ix::amend_record(
                &provider.pubkey(),
                &provider.pubkey(),
                &patient.pubkey(),
                Some(&provider.pubkey()),
                RECORD_1,
                ix::NewVersion { record_id: RECORD_2, content_hash: HASH_2 },
                purposes::TREAT,
            )],
            &[&provider],
        )
        .await;
    assert_medchain_error(result, MedchainError::WriteNotPermitted);
}

#[tokio::test]
async fn author_marks_a_record_entered_in_error_once() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    writer_consent(&mut h, &patient, &provider).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    let record = record_address(&patient, RECORD_1);
    let mark =
        ix::mark_entered_in_error(&provider.pubkey(), &pda::provider(&provider.pubkey()), &record);
    h.send(std::slice::from_ref(&mark), &[&provider]).await.expect("mark");
    assert_eq!(h.account::<Record>(&record).await.status, RecordStatus::EnteredInError);
    assert_medchain_error(
        h.send(&[mark], &[&provider]).await,
        MedchainError::RecordAlreadyEnteredInError,
    );
}

#[tokio::test]
async fn attack_mark_entered_in_error_by_a_non_author() {
    let mut h = Harness::new().await;
    let (issuer, provider, patient) = h.cast().await;
    let colleague = h.provider(&issuer).await;
    writer_consent(&mut h, &patient, &provider).await;
    anchor_by_provider(&mut h, &provider, &patient, RECORD_1, HASH_1).await.expect("anchor");
    let record = record_address(&patient, RECORD_1);
    // Naming the real author's account but signing with another key.
    let forged =
        ix::mark_entered_in_error(&colleague.pubkey(), &pda::provider(&provider.pubkey()), &record);
    assert_medchain_error(h.send(&[forged], &[&colleague]).await, MedchainError::NotRecordAuthor);
    // Naming one's own account.
    let forged = ix::mark_entered_in_error(
        &colleague.pubkey(),
        &pda::provider(&colleague.pubkey()),
        &record,
    );
    assert_medchain_error(h.send(&[forged], &[&colleague]).await, MedchainError::NotRecordAuthor);
    assert_eq!(h.account::<Record>(&record).await.status, RecordStatus::Current);
}

#[tokio::test]
async fn a_patient_amends_and_withdraws_their_own_record() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    h.fund(&patient.pubkey(), SOL).await;
    h.send(
        &[ix::anchor_record_by_patient(
            &patient.pubkey(),
            &patient.pubkey(),
            RECORD_1,
            HASH_1,
            categories::ALLERGIES,
        )],
        &[&patient],
    )
    .await
    .expect("anchor");
    h.send(
        &[ix::amend_record(
            &patient.pubkey(),
            &patient.pubkey(),
            &patient.pubkey(),
            None,
            RECORD_1,
            ix::NewVersion { record_id: RECORD_2, content_hash: HASH_2 },
            purposes::PATRQT,
        )],
        &[&patient],
    )
    .await
    .expect("amend own");
    let record = record_address(&patient, RECORD_2);
    h.send(
        &[ix::mark_entered_in_error(&patient.pubkey(), &pda::patient(&patient.pubkey()), &record)],
        &[&patient],
    )
    .await
    .expect("withdraw own");
    assert_eq!(h.account::<Record>(&record).await.status, RecordStatus::EnteredInError);
}

#[tokio::test]
async fn batches_of_one_and_of_a_million_leaves_anchor_in_one_transaction() {
    let mut h = Harness::new().await;
    let (_, provider, _) = h.cast().await;
    for (batch_id, leaves) in [(1u64, 1u64), (2, 1_000_000)] {
        h.send(
            &[ix::anchor_batch(&provider.pubkey(), batch_id, [batch_id as u8; 32], leaves)],
            &[&provider],
        )
        .await
        .expect("anchor batch");
        let batch: RecordBatch =
            h.account(&pda::batch(&pda::provider(&provider.pubkey()), batch_id)).await;
        assert_eq!(batch.leaf_count, leaves);
        assert_eq!(batch.merkle_root, [batch_id as u8; 32]);
        assert_eq!(batch.author, pda::provider(&provider.pubkey()));
    }
}

#[tokio::test]
async fn attack_batch_with_empty_root_or_no_leaves() {
    let mut h = Harness::new().await;
    let (_, provider, _) = h.cast().await;
    assert_medchain_error(
        h.send(&[ix::anchor_batch(&provider.pubkey(), 1, [0; 32], 10)], &[&provider]).await,
        MedchainError::InvalidMerkleRoot,
    );
    assert_medchain_error(
        h.send(&[ix::anchor_batch(&provider.pubkey(), 1, [1; 32], 0)], &[&provider]).await,
        MedchainError::InvalidLeafCount,
    );
}

#[tokio::test]
async fn attack_batch_by_a_suspended_or_unregistered_provider() {
    let mut h = Harness::new().await;
    let (issuer, provider, _) = h.cast().await;
    h.send(&[ix::suspend_provider(&issuer.pubkey(), &provider.pubkey())], &[&issuer])
        .await
        .expect("suspend");
    assert_medchain_error(
        h.send(&[ix::anchor_batch(&provider.pubkey(), 1, [1; 32], 10)], &[&provider]).await,
        MedchainError::ProviderNotActive,
    );
    let stranger = h.funded_keypair(SOL).await;
    assert_anchor_error(
        h.send(&[ix::anchor_batch(&stranger.pubkey(), 1, [1; 32], 10)], &[&stranger]).await,
        AnchorErrorCode::AccountNotInitialized,
    );
}

#[tokio::test]
async fn attack_reanchor_an_existing_batch_id() {
    let mut h = Harness::new().await;
    let (_, provider, _) = h.cast().await;
    h.send(&[ix::anchor_batch(&provider.pubkey(), 7, [1; 32], 10)], &[&provider])
        .await
        .expect("first");
    assert_medchain_error(
        h.send(&[ix::anchor_batch(&provider.pubkey(), 7, [2; 32], 10)], &[&provider]).await,
        MedchainError::AccountAlreadyExists,
    );
    let batch: RecordBatch = h.account(&pda::batch(&pda::provider(&provider.pubkey()), 7)).await;
    assert_eq!(batch.merkle_root, [1; 32]);
}
