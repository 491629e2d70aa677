//! Fixture accounts for the benchmarks: Patient, Provider and Consent accounts as the
//! program writes them, loaded into an embedded ledger without a transaction each.

#![allow(dead_code)]

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use medchain::constants::{CONSENT_SEED, PATIENT_SEED, PROVIDER_SEED};
use medchain_sdk::pda;
use medchain_sdk::state::{Consent, ConsentTerms, Patient, Provider, ProviderKind, ProviderStatus};
use solana_sdk::account::Account;
use std::time::Duration;

/// A program-owned, rent-exempt account holding `value`.
pub fn account<T: AccountSerialize>(value: &T) -> Account {
    let mut data = Vec::new();
    value.try_serialize(&mut data).expect("serialize");
    Account {
        lamports: 2_004_480,
        data,
        owner: medchain::ID,
        executable: false,
        rent_epoch: u64::MAX,
    }
}

/// The address and canonical bump of the PDA of `seeds` (the program checks stored bumps).
fn pda_of(seeds: &[&[u8]]) -> (Pubkey, u8) {
    Pubkey::find_program_address(seeds, &medchain::ID)
}

/// The Patient account of `wallet`.
pub fn patient(wallet: &Pubkey, consent_grants: u32) -> (Pubkey, Account) {
    let patient = Patient {
        authority: *wallet,
        rent_payer: *wallet,
        consent_grants,
        denied_without_consent: 0,
        allows_break_glass: true,
        bump: pda_of(&[PATIENT_SEED, wallet.as_ref()]).1,
        delegates_added: 0,
        layout_version: 1,
        registered_at: 1_700_000_000,
        reserved: [0; 30],
    };
    (pda::patient(wallet), account(&patient))
}

/// The active Provider account of `wallet`, issued by `issuer`.
pub fn provider(wallet: &Pubkey, issuer: &Pubkey) -> (Pubkey, Account) {
    let provider = Provider {
        authority: *wallet,
        issuer: *issuer,
        credential_hash: [1; 32],
        encryption_key: [0; 32],
        status: ProviderStatus::Active,
        kind: ProviderKind::Clinic,
        bump: pda_of(&[PROVIDER_SEED, wallet.as_ref()]).1,
        layout_version: 1,
        registered_at: 1_700_000_000,
        status_changed_at: 0,
        reserved: [0; 16],
    };
    (pda::provider(wallet), account(&provider))
}

/// The consent of (patient wallet, provider wallet), granted with `terms` at `granted_at`.
pub fn consent(
    patient_wallet: &Pubkey,
    provider_wallet: &Pubkey,
    terms: &ConsentTerms,
    granted_at: i64,
) -> (Pubkey, Consent) {
    let patient_pda = pda::patient(patient_wallet);
    let provider_pda = pda::provider(provider_wallet);
    let (address, bump) = pda_of(&[CONSENT_SEED, patient_pda.as_ref(), provider_pda.as_ref()]);
    let mut consent = Consent::new(patient_pda, provider_pda, *patient_wallet, bump);
    consent.apply_grant(terms, 0, granted_at).expect("grant");
    (address, consent)
}

/// The median of `samples`.
pub fn median(samples: Vec<Duration>) -> Duration {
    percentile(samples, 50)
}

/// The `p`-th percentile (nearest rank) of `samples`.
pub fn percentile(mut samples: Vec<Duration>, p: usize) -> Duration {
    samples.sort();
    let rank = (samples.len() * p).div_ceil(100).max(1);
    samples[rank - 1]
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
