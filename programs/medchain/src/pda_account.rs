//! Creating program accounts by hand, and loading and storing a Consent.
//!
//! Every PDA is created by [`create`] rather than Anchor's `init`: it refuses an address
//! that already holds an account with a medchain error, and still creates one that an
//! attacker pre-funded with lamports (which would otherwise block, say, a patient's
//! registration forever on runtimes without `CreateAccountAllowPrefund`).
//!
//! A consent PDA is created on its first grant and reused for every re-grant, so grant and
//! approve must accept both an absent and an existing account. Anchor's `init_if_needed`
//! would do that but silently re-initialises; instead the instructions take the PDA as an
//! `UncheckedAccount` whose address Anchor checks against the seeds, and this module
//! creates it only when it is absent and otherwise loads it with owner and discriminator
//! checks, so an existing consent's history (version, counters, rent payer) is never reset.

use crate::constants::CONSENT_SEED;
use crate::error::MedchainError;
use crate::events::ConsentChanged;
use crate::state::{Consent, ConsentTerms, Patient};
use anchor_lang::prelude::*;
use anchor_lang::system_program;

/// True when the account has never been created (or was closed): system-owned and empty.
pub fn is_absent(info: &AccountInfo) -> bool {
    info.owner == &system_program::ID && info.data_is_empty()
}

/// Loads an existing account of type `T`: it must be owned by this program and carry `T`'s
/// discriminator; otherwise fails with `invalid`.
pub fn load_as<T: AccountDeserialize>(info: &AccountInfo, invalid: MedchainError) -> Result<T> {
    require_keys_eq!(*info.owner, crate::ID, invalid);
    let data = info.try_borrow_data()?;
    T::try_deserialize(&mut &data[..]).map_err(|_| error!(invalid))
}

/// Loads an existing consent: it must be owned by this program and carry the Consent
/// discriminator, and belong to `patient` and `provider`.
pub fn load(info: &AccountInfo, patient: &Pubkey, provider: &Pubkey) -> Result<Consent> {
    let consent: Consent = load_as(info, MedchainError::InvalidConsentAccount)?;
    require!(
        consent.patient == *patient && consent.provider == *provider,
        MedchainError::ConsentAccountMismatch
    );
    Ok(consent)
}

/// Anchor's `ConstraintSeeds` error for the account named `name`: what a `seeds` constraint
/// raises when an account is not the PDA it must be.
pub fn seeds_error(name: &str) -> Error {
    error!(anchor_lang::error::ErrorCode::ConstraintSeeds).with_account_name(name)
}

/// Requires that `info` is the canonical PDA of `seeds` (derived: `find_program_address`),
/// failing as a `seeds` constraint does. Used for accounts that may be absent.
pub fn require_pda(info: &AccountInfo, seeds: &[&[u8]], name: &str) -> Result<u8> {
    let (expected, bump) = Pubkey::find_program_address(seeds, &crate::ID);
    if info.key() != expected {
        return Err(seeds_error(name));
    }
    Ok(bump)
}

/// The Consent of (`patient`, `provider`) at `info`, or `None` when it does not exist, with the
/// guarantee of a `seeds = [CONSENT_SEED, patient, provider]` constraint and at less cost: an
/// existing account is recognised without hashing by its owner, its discriminator and its
/// `patient` and `provider` fields (the program creates a Consent only at that PDA, so no
/// other address can hold one for the pair); an absent one by deriving the address. Anything
/// else fails with `ConstraintSeeds`, exactly as the constraint did.
pub fn consent_at(
    info: &AccountInfo,
    patient: &Pubkey,
    provider: &Pubkey,
) -> Result<Option<Consent>> {
    if is_absent(info) {
        require_pda(info, &[CONSENT_SEED, patient.as_ref(), provider.as_ref()], "consent")?;
        return Ok(None);
    }
    // Not `load`: its mismatch error is built and then replaced here, 250 CU more on the hot
    // path (measured with the compute-unit test).
    let consent: Consent =
        load_as(info, MedchainError::InvalidConsentAccount).map_err(|_| seeds_error("consent"))?;
    if consent.patient != *patient || consent.provider != *provider {
        return Err(seeds_error("consent"));
    }
    Ok(Some(consent))
}

/// Creates a program-owned PDA of `space` bytes at `target`, funded rent-exempt by `payer`
/// and signed for with `signer_seeds`. Fails with `AccountAlreadyExists` unless the address is
/// absent. An address that someone pre-funded with lamports (to grief its owner) is still
/// created, with transfer + allocate + assign, which every runtime version supports.
pub fn create<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program_info: &AccountInfo<'info>,
    space: usize,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    require!(is_absent(target), MedchainError::AccountAlreadyExists);
    let required = Rent::get()?.minimum_balance(space);
    let program = system_program_info.key();
    let current = target.lamports();
    if current == 0 {
        let accounts = system_program::CreateAccount { from: payer.clone(), to: target.clone() };
        return system_program::create_account(
            CpiContext::new(program, accounts).with_signer(&[signer_seeds]),
            required,
            space as u64,
            &crate::ID,
        );
    }
    let top_up = required.saturating_sub(current);
    if top_up > 0 {
        let accounts = system_program::Transfer { from: payer.clone(), to: target.clone() };
        system_program::transfer(CpiContext::new(program, accounts), top_up)?;
    }
    let accounts = system_program::Allocate { account_to_allocate: target.clone() };
    system_program::allocate(
        CpiContext::new(program, accounts).with_signer(&[signer_seeds]),
        space as u64,
    )?;
    let accounts = system_program::Assign { account_to_assign: target.clone() };
    system_program::assign(
        CpiContext::new(program, accounts).with_signer(&[signer_seeds]),
        &crate::ID,
    )
}

/// Writes an account value (with its discriminator) into a created or loaded account.
pub fn write<T: AccountSerialize>(info: &AccountInfo, value: &T) -> Result<()> {
    let mut data = info.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    value.try_serialize(&mut writer)
}

/// How a grant treats an existing consent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GrantMode {
    /// `grant_consent`: create, or re-grant one that is revoked or expired. An Active,
    /// unexpired consent is refused (change it with `update_consent`).
    CreateOrRegrant,
    /// `approve_request`: create, or replace the terms of whatever consent exists.
    CreateOrReplace,
}

/// The accounts a grant writes.
pub struct GrantTarget<'a, 'info> {
    /// The Consent PDA (address already checked against its seeds).
    pub consent: &'a AccountInfo<'info>,
    /// Pays the rent when the consent is created.
    pub payer: &'a AccountInfo<'info>,
    /// The system program.
    pub system_program: &'a AccountInfo<'info>,
    /// The patient (its grant counter is bumped).
    pub patient: &'a mut Account<'info, Patient>,
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The canonical bump of the Consent PDA.
    pub bump: u8,
}

/// Creates or re-grants the consent with `terms` (already validated) and returns the event
/// describing the change, for the caller to emit.
pub fn write_grant(
    target: GrantTarget<'_, '_>,
    terms: &ConsentTerms,
    grantor: u16,
    mode: GrantMode,
    now: i64,
) -> Result<ConsentChanged> {
    let patient_key = target.patient.key();
    let mut consent = if is_absent(target.consent) {
        let bump = [target.bump];
        let seeds: [&[u8]; 4] =
            [CONSENT_SEED, patient_key.as_ref(), target.provider.as_ref(), &bump];
        create(target.payer, target.consent, target.system_program, Consent::SIZE, &seeds)?;
        Consent::new(patient_key, target.provider, target.payer.key(), target.bump)
    } else {
        let existing = load(target.consent, &patient_key, &target.provider)?;
        if mode == GrantMode::CreateOrRegrant {
            require!(!existing.is_in_force(now), MedchainError::ConsentAlreadyActive);
        }
        existing
    };
    let old_version = consent.version;
    let old_status = consent.status as u8;
    let old_terms = consent.terms();
    consent.apply_grant(terms, grantor, now)?;
    write(target.consent, &consent)?;
    target.patient.consent_grants =
        target.patient.consent_grants.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
    Ok(ConsentChanged {
        consent: target.consent.key(),
        patient: patient_key,
        provider: target.provider,
        old_version,
        new_version: consent.version,
        old_status,
        old_terms,
        new_terms: consent.terms(),
        grantor,
        at: now,
    })
}
