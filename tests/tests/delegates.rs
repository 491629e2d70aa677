//! Delegates: guardians and proxies acting on a patient's consents within their limits.

use medchain::state::{
    delegate_permissions as perms, AccessReason, Consent, ConsentStatus, ConsentTerms, Delegate,
    Scope,
};
use medchain::vocabulary::{actions, categories, purposes};
use medchain_sdk::{instructions as ix, pda};
use medchain_tests::*;
use solana_sdk::signature::{Keypair, Signer};

/// A delegate that may grant imaging + labs for treatment, read only, for two days, and revoke.
async fn guardian(h: &mut Harness, patient: &Keypair, permissions: u8) -> Keypair {
    let guardian = Keypair::new();
    let now = h.now().await;
    let payer = h.ctx.payer.pubkey();
    h.send(
        &[ix::add_delegate(
            &patient.pubkey(),
            &payer,
            &guardian.pubkey(),
            permissions,
            terms(now + 2 * 86_400),
        )],
        &[patient],
    )
    .await
    .expect("add_delegate");
    guardian
}

async fn delegate_grant(
    h: &mut Harness,
    guardian: &Keypair,
    patient: &Keypair,
    provider: &Keypair,
    t: ConsentTerms,
) -> TxResult {
    let payer = h.ctx.payer.pubkey();
    h.send(
        &[ix::delegate_grant_consent(
            &guardian.pubkey(),
            &payer,
            &patient.pubkey(),
            &provider.pubkey(),
            t,
        )],
        &[guardian],
    )
    .await
}

#[tokio::test]
async fn a_guardian_grants_within_scope_and_is_recorded_as_grantor() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let g = guardian(&mut h, &patient, perms::VALID).await;
    let delegate: Delegate =
        h.account(&pda::delegate(&pda::patient(&patient.pubkey()), &g.pubkey())).await;
    assert_eq!(delegate.index, 1);
    let now = h.now().await;
    delegate_grant(&mut h, &g, &patient, &provider, terms(now + 86_400)).await.expect("grant");
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.grantor, 1, "the consent records which delegate granted it");
    assert!(h.read_imaging(&provider, &patient).await.allowed);
}

#[tokio::test]
async fn a_guardian_revokes_and_the_next_access_is_denied() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let g = guardian(&mut h, &patient, perms::REVOKE).await;
    h.consent(&patient, &provider).await;
    h.send(
        &[ix::delegate_revoke_consent(&g.pubkey(), &patient.pubkey(), &provider.pubkey())],
        &[&g],
    )
    .await
    .expect("revoke");
    let consent: Consent = h.account(&Harness::consent_address(&patient, &provider)).await;
    assert_eq!(consent.status, ConsentStatus::Revoked);
    assert_eq!(h.read_imaging(&provider, &patient).await.reason, AccessReason::ConsentRevoked);
}

#[tokio::test]
async fn attack_delegate_grants_outside_its_scope() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let g = guardian(&mut h, &patient, perms::VALID).await;
    let now = h.now().await;
    let wider = [
        ConsentTerms {
            scope: Scope { categories: categories::MENTAL_HEALTH, ..terms(now + 100).scope },
            ..terms(now + 100)
        },
        ConsentTerms {
            scope: Scope { purposes: purposes::HRESCH, ..terms(now + 100).scope },
            ..terms(now + 100)
        },
        ConsentTerms {
            scope: Scope { actions: actions::READ | actions::SHARE, ..terms(now + 100).scope },
            ..terms(now + 100)
        },
    ];
    for t in wider {
        assert_medchain_error(
            delegate_grant(&mut h, &g, &patient, &provider, t).await,
            MedchainError::DelegateScopeExceeded,
        );
    }
    assert!(!h.exists(&Harness::consent_address(&patient, &provider)).await);
}

#[tokio::test]
async fn attack_delegate_grants_beyond_its_own_mandate() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let g = guardian(&mut h, &patient, perms::VALID).await;
    let now = h.now().await;
    assert_medchain_error(
        delegate_grant(&mut h, &g, &patient, &provider, terms(now + 3 * 86_400)).await,
        MedchainError::DelegateScopeExceeded,
    );
}

#[tokio::test]
async fn attack_delegate_acts_after_expiry() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let g = guardian(&mut h, &patient, perms::VALID).await;
    h.consent(&patient, &provider).await;
    h.advance(2 * 86_400).await;
    let now = h.now().await;
    assert_medchain_error(
        delegate_grant(&mut h, &g, &patient, &provider, terms(now + 10)).await,
        MedchainError::DelegateExpired,
    );
    assert_medchain_error(
        h.send(
            &[ix::delegate_revoke_consent(&g.pubkey(), &patient.pubkey(), &provider.pubkey())],
            &[&g],
        )
        .await,
        MedchainError::DelegateExpired,
    );
}

#[tokio::test]
async fn attack_delegate_without_the_permission() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let revoker = guardian(&mut h, &patient, perms::REVOKE).await;
    let now = h.now().await;
    assert_medchain_error(
        delegate_grant(&mut h, &revoker, &patient, &provider, terms(now + 10)).await,
        MedchainError::DelegateNotPermitted,
    );
    let granter = guardian(&mut h, &patient, perms::GRANT).await;
    h.consent(&patient, &provider).await;
    assert_medchain_error(
        h.send(
            &[ix::delegate_revoke_consent(
                &granter.pubkey(),
                &patient.pubkey(),
                &provider.pubkey(),
            )],
            &[&granter],
        )
        .await,
        MedchainError::DelegateNotPermitted,
    );
}

#[tokio::test]
async fn attack_delegate_of_another_patient() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let other = h.patient().await;
    let g = guardian(&mut h, &other, perms::VALID).await;
    let now = h.now().await;
    // The other patient's guardian names this patient: no Delegate exists at that address.
    assert_anchor_error(
        delegate_grant(&mut h, &g, &patient, &provider, terms(now + 10)).await,
        AnchorErrorCode::AccountNotInitialized,
    );
}

#[tokio::test]
async fn attack_impersonate_a_delegate() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let g = guardian(&mut h, &patient, perms::VALID).await;
    let intruder = Keypair::new();
    let now = h.now().await;
    let payer = h.ctx.payer.pubkey();
    let mut forged = ix::delegate_grant_consent(
        &g.pubkey(),
        &payer,
        &patient.pubkey(),
        &provider.pubkey(),
        terms(now + 10),
    );
    forged.accounts[0].pubkey = intruder.pubkey();
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn removed_delegate_can_do_nothing_and_rent_returns() {
    let mut h = Harness::new().await;
    let (_, provider, patient) = h.cast().await;
    let g = guardian(&mut h, &patient, perms::VALID).await;
    let payer = h.ctx.payer.pubkey();
    h.send(&[ix::remove_delegate(&patient.pubkey(), &g.pubkey(), &payer)], &[&patient])
        .await
        .expect("remove");
    assert!(!h.exists(&pda::delegate(&pda::patient(&patient.pubkey()), &g.pubkey())).await);
    let now = h.now().await;
    assert_anchor_error(
        delegate_grant(&mut h, &g, &patient, &provider, terms(now + 10)).await,
        AnchorErrorCode::AccountNotInitialized,
    );
}

#[tokio::test]
async fn attack_remove_a_delegate_by_someone_else() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let g = guardian(&mut h, &patient, perms::VALID).await;
    let payer = h.ctx.payer.pubkey();
    // The delegate tries to remove itself from another patient's account by signing as patient.
    let mut forged = ix::remove_delegate(&patient.pubkey(), &g.pubkey(), &payer);
    forged.accounts[0].pubkey = g.pubkey();
    assert_anchor_error(h.send(&[forged], &[&g]).await, AnchorErrorCode::ConstraintSeeds);
}

#[tokio::test]
async fn add_delegate_validates_its_inputs() {
    let mut h = Harness::new().await;
    let patient = h.patient().await;
    let payer = h.ctx.payer.pubkey();
    let now = h.now().await;
    let someone = Keypair::new();
    assert_medchain_error(
        h.send(
            &[ix::add_delegate(
                &patient.pubkey(),
                &payer,
                &patient.pubkey(),
                perms::VALID,
                terms(now + 10),
            )],
            &[&patient],
        )
        .await,
        MedchainError::CannotDelegateToSelf,
    );
    assert_medchain_error(
        h.send(
            &[ix::add_delegate(&patient.pubkey(), &payer, &someone.pubkey(), 0, terms(now + 10))],
            &[&patient],
        )
        .await,
        MedchainError::InvalidDelegatePermissions,
    );
    assert_medchain_error(
        h.send(
            &[ix::add_delegate(
                &patient.pubkey(),
                &payer,
                &someone.pubkey(),
                perms::VALID,
                terms(now),
            )],
            &[&patient],
        )
        .await,
        MedchainError::ExpiryInPast,
    );
}

#[tokio::test]
async fn attack_add_a_delegate_for_another_patient() {
    let mut h = Harness::new().await;
    let victim = h.patient().await;
    let intruder = h.patient().await;
    let payer = h.ctx.payer.pubkey();
    let now = h.now().await;
    let mut forged = ix::add_delegate(
        &victim.pubkey(),
        &payer,
        &intruder.pubkey(),
        perms::VALID,
        terms(now + 10),
    );
    forged.accounts[0].pubkey = intruder.pubkey();
    assert_anchor_error(h.send(&[forged], &[&intruder]).await, AnchorErrorCode::ConstraintSeeds);
}
