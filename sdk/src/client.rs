//! [`Medchain`]: one typed client over any [`Backend`] — the actions patients, providers,
//! issuers and admins take, and the queries apps need (consents of a patient, pending
//! requests, records, the audit trail).

use crate::access::{check_access, decode_account};
use crate::audit::{audit_entries, AuditEntry};
use crate::backend::{AccountFilter, Backend, TxOutcome};
use crate::error::SdkError;
use crate::instructions::{self as ix, NewVersion};
use crate::pda;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AccountDeserialize, AnchorDeserialize, Discriminator};
use medchain::state::{
    AccessDecision, AccessRequest, Consent, ConsentTerms, Delegate, EmergencyAccess, Issuer,
    Patient, Provider, ProviderKind, Record, RequestStatus, RequestTerms,
};
use solana_sdk::signature::{Keypair, Signer};

/// Byte offset of `Record.content_hash` (after the discriminator and the patient, author and
/// rent-payer keys), for `memcmp` filters.
const RECORD_CONTENT_HASH_OFFSET: usize = 8 + 3 * 32;

/// Byte offset of `Delegate.authority` (after the discriminator and the Patient PDA), for
/// `memcmp` filters.
const DELEGATE_AUTHORITY_OFFSET: usize = 8 + 32;

/// The arguments of `anchor_record` by the patient about themselves (the purpose is always
/// `PATRQT`, patient request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatientRecordArgs {
    /// The record id (part of the Record account's address).
    pub record_id: [u8; 32],
    /// SHA-256 of the record's canonical content ([`crate::hashing`]).
    pub content_hash: [u8; 32],
    /// The record's category (one bit).
    pub category: u32,
}

/// The arguments of `amend_record`: the version amended and the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmendRecordArgs {
    /// The record id of the version being amended.
    pub previous_record_id: [u8; 32],
    /// The new version's id and content hash.
    pub new_version: NewVersion,
    /// The purpose under which the new version is written (one bit).
    pub purpose: u16,
}

/// The arguments of `record_access`, `anchor_record` and `anchor_batch`: the program's own
/// argument structs.
pub use medchain::instructions::{AnchorBatchArgs, AnchorRecordArgs, RecordAccessArgs};

/// The medchain client.
pub struct Medchain<B: Backend> {
    backend: B,
}

impl<B: Backend> Medchain<B> {
    /// A client over `backend`.
    pub fn new(backend: B) -> Self {
        Self { backend }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Sends instructions paid by `payer` and signed by `signers`.
    pub async fn send(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SdkError> {
        self.backend.send(instructions, payer, signers).await
    }

    async fn send_one(
        &self,
        instruction: Instruction,
        signers: &[&Keypair],
    ) -> Result<TxOutcome, SdkError> {
        let payer = signers.first().ok_or_else(|| SdkError::Signing("no signer given".into()))?;
        self.backend.send(&[instruction], payer, &signers[1..]).await
    }

    // ----- administration -------------------------------------------------------------

    /// Creates the registry with `admin` as admin (pass the ProgramData address when the
    /// program is deployed upgradeable).
    pub async fn initialize(
        &self,
        admin: &Keypair,
        program_data: Option<Pubkey>,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::initialize(&admin.pubkey(), program_data), &[admin]).await
    }

    /// The admin trusts `issuer` (a wallet) as a credentialing body.
    pub async fn add_issuer(
        &self,
        admin: &Keypair,
        issuer: &Pubkey,
        allows_break_glass: bool,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::add_issuer(&admin.pubkey(), issuer, allows_break_glass), &[admin]).await
    }

    /// The admin proposes `new_admin`, who takes over once it accepts.
    pub async fn propose_admin(
        &self,
        admin: &Keypair,
        new_admin: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::propose_admin(&admin.pubkey(), new_admin), &[admin]).await
    }

    /// The proposed admin accepts and becomes the admin.
    pub async fn accept_admin(&self, new_admin: &Keypair) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::accept_admin(&new_admin.pubkey()), &[new_admin]).await
    }

    /// The admin pauses new requests, grants and approvals.
    pub async fn pause(&self, admin: &Keypair) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::pause(&admin.pubkey()), &[admin]).await
    }

    /// The admin lifts a pause.
    pub async fn unpause(&self, admin: &Keypair) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::unpause(&admin.pubkey()), &[admin]).await
    }

    /// The admin changes whether `issuer`'s providers may open break-glass access.
    pub async fn set_issuer_break_glass(
        &self,
        admin: &Keypair,
        issuer: &Pubkey,
        allows_break_glass: bool,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::set_issuer_break_glass(&admin.pubkey(), issuer, allows_break_glass),
            &[admin],
        )
        .await
    }

    /// The admin removes `issuer` (a wallet with no active providers); the rent goes back to
    /// whoever paid it. [`SdkError::AccountNotFound`] when the issuer is not registered.
    pub async fn remove_issuer(
        &self,
        admin: &Keypair,
        issuer: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        let account: Issuer = self.must_fetch(&pda::issuer(issuer), "Issuer").await?;
        self.send_one(ix::remove_issuer(&admin.pubkey(), issuer, &account.rent_payer), &[admin])
            .await
    }

    /// The issuer registers `provider`, who co-signs.
    pub async fn register_provider(
        &self,
        issuer: &Keypair,
        provider: &Keypair,
        credential_hash: [u8; 32],
        kind: ProviderKind,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::register_provider(&issuer.pubkey(), &provider.pubkey(), credential_hash, kind),
            &[issuer, provider],
        )
        .await
    }

    /// The issuer suspends `provider` (a wallet): every access is cut off at once.
    pub async fn suspend_provider(
        &self,
        issuer: &Keypair,
        provider: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::suspend_provider(&issuer.pubkey(), provider), &[issuer]).await
    }

    /// The issuer reinstates a suspended `provider` (a wallet).
    pub async fn reinstate_provider(
        &self,
        issuer: &Keypair,
        provider: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::reinstate_provider(&issuer.pubkey(), provider), &[issuer]).await
    }

    /// The provider publishes the X25519 public key that records are sealed to (see
    /// [`crate::seal`]); its secret half stays off-chain. Replacing the key takes effect for
    /// envelopes sealed afterwards.
    pub async fn set_provider_encryption_key(
        &self,
        provider: &Keypair,
        key: [u8; 32],
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::set_provider_encryption_key(&provider.pubkey(), key), &[provider]).await
    }

    /// The patient publishes (or replaces) the X25519 public key records are sealed to, for
    /// a wallet that cannot export its secret (see [`crate::seal`]); `payer` (a clinic, or
    /// the patient) pays fee and rent. Envelopes sealed afterwards use it instead of the key
    /// derived from the wallet.
    pub async fn set_patient_encryption_key(
        &self,
        patient: &Keypair,
        payer: &Keypair,
        key: [u8; 32],
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::set_patient_encryption_key(&patient.pubkey(), &payer.pubkey(), key),
            &[payer, patient],
        )
        .await
    }

    /// The patient registers; `payer` (a clinic) pays fee and rent.
    pub async fn register_patient(
        &self,
        patient: &Keypair,
        payer: &Keypair,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::register_patient(&patient.pubkey(), &payer.pubkey()), &[payer, patient])
            .await
    }

    // ----- requests and consents ------------------------------------------------------

    /// The provider asks `patient` (a wallet) for `terms`, under its own `nonce`.
    pub async fn request_access(
        &self,
        provider: &Keypair,
        patient: &Pubkey,
        nonce: u64,
        terms: RequestTerms,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::request_access(&provider.pubkey(), patient, nonce, terms), &[provider])
            .await
    }

    /// The patient approves request `nonce` of `provider` with `approved` terms; `payer`
    /// (a clinic, or the patient) pays fee and rent.
    pub async fn approve_request(
        &self,
        patient: &Keypair,
        payer: &Keypair,
        provider: &Pubkey,
        nonce: u64,
        approved: RequestTerms,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::approve_request(&patient.pubkey(), &payer.pubkey(), provider, nonce, approved),
            &[payer, patient],
        )
        .await
    }

    /// The patient denies request `nonce` of `provider` (a wallet); the patient pays the fee.
    pub async fn deny_request(
        &self,
        patient: &Keypair,
        provider: &Pubkey,
        nonce: u64,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::deny_request(&patient.pubkey(), provider, nonce), &[patient]).await
    }

    /// The provider cancels its pending request `nonce` to `patient` (a wallet).
    pub async fn cancel_request(
        &self,
        provider: &Keypair,
        patient: &Pubkey,
        nonce: u64,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::cancel_request(&provider.pubkey(), patient, nonce), &[provider]).await
    }

    /// The rent payer closes a finished request (at address `request`) and takes its rent back.
    pub async fn close_request(
        &self,
        rent_payer: &Keypair,
        request: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::close_request(&rent_payer.pubkey(), request), &[rent_payer]).await
    }

    /// The patient grants `terms` to `provider` directly; `payer` pays fee and rent.
    pub async fn grant_consent(
        &self,
        patient: &Keypair,
        payer: &Keypair,
        provider: &Pubkey,
        terms: ConsentTerms,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::grant_consent(&patient.pubkey(), &payer.pubkey(), provider, terms),
            &[payer, patient],
        )
        .await
    }

    /// The patient revokes its consent to `provider`; `payer` pays the fee.
    pub async fn revoke_consent(
        &self,
        patient: &Keypair,
        payer: &Keypair,
        provider: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::revoke_consent(&patient.pubkey(), provider), &[payer, patient]).await
    }

    /// The patient replaces the terms of its active consent to `provider` (a wallet).
    pub async fn update_consent(
        &self,
        patient: &Keypair,
        provider: &Pubkey,
        terms: ConsentTerms,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::update_consent(&patient.pubkey(), provider, terms), &[patient]).await
    }

    /// `closer` (the patient, or whoever paid the rent) closes the revoked or expired consent
    /// of `patient` to `provider` (wallets); the rent goes back to its payer.
    /// [`SdkError::AccountNotFound`] when there is no such consent.
    pub async fn close_consent(
        &self,
        closer: &Keypair,
        patient: &Pubkey,
        provider: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        let address = pda::consent(&pda::patient(patient), &pda::provider(provider));
        let consent: Consent = self.must_fetch(&address, "Consent").await?;
        self.send_one(
            ix::close_consent(&closer.pubkey(), patient, provider, &consent.rent_payer),
            &[closer],
        )
        .await
    }

    /// The provider records an access attempt on one category, purpose and action (see
    /// [`RecordAccessArgs`]); returns the program's decision. A denial is recorded too and is
    /// not an error.
    pub async fn record_access(
        &self,
        provider: &Keypair,
        patient: &Pubkey,
        args: RecordAccessArgs,
    ) -> Result<AccessDecision, SdkError> {
        self.record_access_tx(provider, patient, args).await.map(|(decision, _)| decision)
    }

    /// [`Self::record_access`], also returning the transaction (its signature is what an
    /// audit trail entry is found by).
    pub async fn record_access_tx(
        &self,
        provider: &Keypair,
        patient: &Pubkey,
        args: RecordAccessArgs,
    ) -> Result<(AccessDecision, TxOutcome), SdkError> {
        let RecordAccessArgs { category, purpose, action } = args;
        let outcome = self
            .send_one(
                ix::record_access(&provider.pubkey(), patient, category, purpose, action),
                &[provider],
            )
            .await?;
        let data = outcome
            .return_data
            .as_deref()
            .ok_or_else(|| SdkError::Transaction("record_access returned no decision".into()))?;
        let decision = AccessDecision::try_from_slice(data)
            .map_err(|e| SdkError::Transaction(format!("undecodable access decision: {e}")))?;
        Ok((decision, outcome))
    }

    // ----- records --------------------------------------------------------------------

    /// The provider (holding the write action for the category through its consent) anchors
    /// version 1 of a record about `patient` (a wallet); the provider pays the rent.
    pub async fn anchor_record(
        &self,
        provider: &Keypair,
        patient: &Pubkey,
        args: AnchorRecordArgs,
    ) -> Result<TxOutcome, SdkError> {
        let AnchorRecordArgs { record_id, content_hash, category, purpose } = args;
        let author = provider.pubkey();
        let instruction = ix::anchor_record_by_provider(
            &author, &author, patient, record_id, content_hash, category, purpose,
        );
        self.send_one(instruction, &[provider]).await
    }

    /// The patient anchors version 1 of a record about themselves; `payer` pays the rent.
    pub async fn anchor_own_record(
        &self,
        patient: &Keypair,
        payer: &Keypair,
        args: PatientRecordArgs,
    ) -> Result<TxOutcome, SdkError> {
        let PatientRecordArgs { record_id, content_hash, category } = args;
        let instruction = ix::anchor_record_by_patient(
            &patient.pubkey(),
            &payer.pubkey(),
            record_id,
            content_hash,
            category,
        );
        self.send_one(instruction, &[payer, patient]).await
    }

    /// The author of a record version about `patient` (a wallet) anchors its next version;
    /// `provider` is `true` when the author is a provider (its Provider account and consent
    /// are checked), `false` when the patient authored it. The author pays the rent.
    pub async fn amend_record(
        &self,
        author: &Keypair,
        patient: &Pubkey,
        provider: bool,
        args: AmendRecordArgs,
    ) -> Result<TxOutcome, SdkError> {
        let author_key = author.pubkey();
        let instruction = ix::amend_record(
            &author_key,
            &author_key,
            patient,
            provider.then_some(&author_key),
            args.previous_record_id,
            args.new_version,
            args.purpose,
        );
        self.send_one(instruction, &[author]).await
    }

    /// The author withdraws the record version at `record` (marks it entered in error);
    /// `author_account` is the author's Provider or Patient account.
    pub async fn mark_entered_in_error(
        &self,
        author: &Keypair,
        author_account: &Pubkey,
        record: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::mark_entered_in_error(&author.pubkey(), author_account, record),
            &[author],
        )
        .await
    }

    /// The provider anchors a Merkle root over a batch of content hashes (see
    /// [`crate::fhir::bundle_to_hashes`]); the provider pays the rent.
    pub async fn anchor_batch(
        &self,
        provider: &Keypair,
        args: AnchorBatchArgs,
    ) -> Result<TxOutcome, SdkError> {
        let AnchorBatchArgs { batch_id, merkle_root, leaf_count } = args;
        self.send_one(
            ix::anchor_batch(&provider.pubkey(), batch_id, merkle_root, leaf_count),
            &[provider],
        )
        .await
    }

    // ----- delegates ------------------------------------------------------------------

    /// The patient names `delegate` (a wallet: guardian, proxy), who may grant within `scope`
    /// (until its expiry) and/or revoke, as `permissions` (bits of
    /// `state::delegate_permissions`) say; `payer` pays the rent.
    pub async fn add_delegate(
        &self,
        patient: &Keypair,
        payer: &Keypair,
        delegate: &Pubkey,
        permissions: u8,
        scope: ConsentTerms,
    ) -> Result<TxOutcome, SdkError> {
        let instruction =
            ix::add_delegate(&patient.pubkey(), &payer.pubkey(), delegate, permissions, scope);
        self.send_one(instruction, &[payer, patient]).await
    }

    /// The patient removes `delegate` (a wallet) at once; the rent goes back to its payer.
    /// [`SdkError::AccountNotFound`] when it is not a delegate of the patient.
    pub async fn remove_delegate(
        &self,
        patient: &Keypair,
        delegate: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        let address = pda::delegate(&pda::patient(&patient.pubkey()), delegate);
        let account: Delegate = self.must_fetch(&address, "Delegate").await?;
        self.send_one(
            ix::remove_delegate(&patient.pubkey(), delegate, &account.rent_payer),
            &[patient],
        )
        .await
    }

    /// A delegate of `patient` grants `terms` (within its mandate) to `provider` (wallets);
    /// `payer` pays the rent.
    pub async fn delegate_grant_consent(
        &self,
        delegate: &Keypair,
        payer: &Keypair,
        patient: &Pubkey,
        provider: &Pubkey,
        terms: ConsentTerms,
    ) -> Result<TxOutcome, SdkError> {
        let instruction = ix::delegate_grant_consent(
            &delegate.pubkey(),
            &payer.pubkey(),
            patient,
            provider,
            terms,
        );
        self.send_one(instruction, &[payer, delegate]).await
    }

    /// A delegate of `patient` (allowed to answer) approves request `nonce` of `provider`
    /// (wallets) with `approved` terms, which must lie within both the request and the
    /// delegate's scope (`Delegate::narrow_request` narrows a request to it); the consent
    /// lasts at most until the delegate's mandate ends. `payer` pays fee and rent.
    pub async fn delegate_approve_request(
        &self,
        delegate: &Keypair,
        payer: &Keypair,
        patient: &Pubkey,
        provider: &Pubkey,
        nonce: u64,
        approved: RequestTerms,
    ) -> Result<TxOutcome, SdkError> {
        let instruction = ix::delegate_approve_request(
            &delegate.pubkey(),
            &payer.pubkey(),
            patient,
            provider,
            nonce,
            approved,
        );
        self.send_one(instruction, &[payer, delegate]).await
    }

    /// A delegate of `patient` (allowed to answer) denies request `nonce` of `provider`
    /// (wallets); the delegate pays the fee.
    pub async fn delegate_deny_request(
        &self,
        delegate: &Keypair,
        patient: &Pubkey,
        provider: &Pubkey,
        nonce: u64,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::delegate_deny_request(&delegate.pubkey(), patient, provider, nonce),
            &[delegate],
        )
        .await
    }

    /// A delegate of `patient` revokes its consent to `provider` (wallets).
    pub async fn delegate_revoke_consent(
        &self,
        delegate: &Keypair,
        patient: &Pubkey,
        provider: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(
            ix::delegate_revoke_consent(&delegate.pubkey(), patient, provider),
            &[delegate],
        )
        .await
    }

    // ----- break-glass ----------------------------------------------------------------

    /// The provider opens break-glass (emergency read) access to `patient` for
    /// `duration_secs` (at most 24 hours), under the reason code of its emergency protocol;
    /// `issuer` is the provider's issuer (it must allow break-glass).
    pub async fn open_emergency_access(
        &self,
        provider: &Keypair,
        issuer: &Pubkey,
        patient: &Pubkey,
        reason_code: u8,
        duration_secs: i64,
    ) -> Result<TxOutcome, SdkError> {
        let instruction = ix::open_emergency_access(
            &provider.pubkey(),
            issuer,
            patient,
            reason_code,
            duration_secs,
        );
        self.send_one(instruction, &[provider]).await
    }

    /// The patient reviews the break-glass access of `provider` (a wallet), ending it now when
    /// `end_now`.
    pub async fn review_emergency_access(
        &self,
        patient: &Keypair,
        provider: &Pubkey,
        end_now: bool,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::review_emergency_access(&patient.pubkey(), provider, end_now), &[patient])
            .await
    }

    /// The patient allows or forbids break-glass access to their data.
    pub async fn set_break_glass_policy(
        &self,
        patient: &Keypair,
        allows_break_glass: bool,
    ) -> Result<TxOutcome, SdkError> {
        self.send_one(ix::set_break_glass_policy(&patient.pubkey(), allows_break_glass), &[patient])
            .await
    }

    // ----- reads ----------------------------------------------------------------------

    /// Like [`Medchain::fetch`], but a missing account is [`SdkError::AccountNotFound`].
    pub async fn must_fetch<T: AccountDeserialize>(
        &self,
        address: &Pubkey,
        what: &'static str,
    ) -> Result<T, SdkError> {
        self.fetch(address, what)
            .await?
            .ok_or_else(|| SdkError::AccountNotFound { address: address.to_string(), what })
    }

    /// Reads and decodes the medchain account of type `T` at `address` (`what` names the type
    /// in errors); `None` when it does not exist, an error when another program owns it.
    pub async fn fetch<T: AccountDeserialize>(
        &self,
        address: &Pubkey,
        what: &'static str,
    ) -> Result<Option<T>, SdkError> {
        match self.backend.account(address).await? {
            Some(account) if account.owner == medchain::ID => {
                decode_account(address, what, &account.data).map(Some)
            }
            Some(_) => Err(SdkError::InvalidAccount {
                address: address.to_string(),
                expected: what,
                reason: "not owned by the medchain program (wrong program id or cluster?)".into(),
            }),
            None => Ok(None),
        }
    }

    /// The Provider account of a provider wallet.
    pub async fn provider(&self, provider: &Pubkey) -> Result<Option<Provider>, SdkError> {
        self.fetch(&pda::provider(provider), "Provider").await
    }

    /// The Patient account of a patient wallet.
    pub async fn patient(&self, patient: &Pubkey) -> Result<Option<Patient>, SdkError> {
        self.fetch(&pda::patient(patient), "Patient").await
    }

    /// The consent of (patient wallet, provider wallet).
    pub async fn consent(
        &self,
        patient: &Pubkey,
        provider: &Pubkey,
    ) -> Result<Option<Consent>, SdkError> {
        self.fetch(&pda::consent(&pda::patient(patient), &pda::provider(provider)), "Consent").await
    }

    /// Evaluates, without writing anything, whether `provider` may act now — by the very rule
    /// the program runs. Unknown providers are an error.
    pub async fn check_access(
        &self,
        provider: &Pubkey,
        patient: &Pubkey,
        category: u32,
        purpose: u16,
        action: u8,
    ) -> Result<AccessDecision, SdkError> {
        let provider_account = self.provider(provider).await?.ok_or_else(|| {
            SdkError::AccountNotFound { address: provider.to_string(), what: "registered provider" }
        })?;
        let consent = self.consent(patient, provider).await?;
        let patient_pda = pda::patient(patient);
        let emergency: Option<EmergencyAccess> = self
            .fetch(&pda::emergency(&patient_pda, &pda::provider(provider)), "EmergencyAccess")
            .await?;
        let now = self.backend.unix_time().await?;
        Ok(check_access(
            &provider_account,
            consent.as_ref(),
            emergency.as_ref(),
            category,
            purpose,
            action,
            now,
        ))
    }

    async fn list<T: AccountDeserialize + Discriminator>(
        &self,
        what: &'static str,
        mut filters: Vec<AccountFilter>,
    ) -> Result<Vec<(Pubkey, T)>, SdkError> {
        filters.insert(0, AccountFilter::Memcmp { offset: 0, bytes: T::DISCRIMINATOR.to_vec() });
        self.backend
            .program_accounts(&filters)
            .await?
            .into_iter()
            .map(|(key, account)| decode_account(&key, what, &account.data).map(|v| (key, v)))
            .collect()
    }

    /// Every consent a patient (wallet) has given, active or not.
    pub async fn consents_of_patient(
        &self,
        patient: &Pubkey,
    ) -> Result<Vec<(Pubkey, Consent)>, SdkError> {
        let filter = AccountFilter::Memcmp {
            offset: Consent::PATIENT_OFFSET,
            bytes: pda::patient(patient).to_bytes().to_vec(),
        };
        self.list("Consent", vec![filter]).await
    }

    /// Every consent a provider (wallet) holds.
    pub async fn consents_of_provider(
        &self,
        provider: &Pubkey,
    ) -> Result<Vec<(Pubkey, Consent)>, SdkError> {
        let filter = AccountFilter::Memcmp {
            offset: Consent::PROVIDER_OFFSET,
            bytes: pda::provider(provider).to_bytes().to_vec(),
        };
        self.list("Consent", vec![filter]).await
    }

    /// The pending access requests addressed to a patient (wallet).
    pub async fn pending_requests(
        &self,
        patient: &Pubkey,
    ) -> Result<Vec<(Pubkey, AccessRequest)>, SdkError> {
        let filters = vec![
            AccountFilter::Memcmp { offset: 8, bytes: pda::patient(patient).to_bytes().to_vec() },
            AccountFilter::Memcmp {
                offset: AccessRequest::STATUS_OFFSET,
                bytes: vec![RequestStatus::Pending as u8],
            },
        ];
        self.list("AccessRequest", filters).await
    }

    /// Every record version anchored about a patient (wallet).
    pub async fn records_of_patient(
        &self,
        patient: &Pubkey,
    ) -> Result<Vec<(Pubkey, Record)>, SdkError> {
        let filter = AccountFilter::Memcmp {
            offset: Record::PATIENT_OFFSET,
            bytes: pda::patient(patient).to_bytes().to_vec(),
        };
        self.list("Record", vec![filter]).await
    }

    /// Every record version anchored with `content_hash` (SHA-256 of a resource's canonical
    /// content, [`crate::hashing`]), whoever it is about.
    pub async fn records_with_content(
        &self,
        content_hash: &[u8; 32],
    ) -> Result<Vec<(Pubkey, Record)>, SdkError> {
        let filter = AccountFilter::Memcmp {
            offset: RECORD_CONTENT_HASH_OFFSET,
            bytes: content_hash.to_vec(),
        };
        self.list("Record", vec![filter]).await
    }

    /// Every delegate a patient (wallet) has named, in force or expired.
    pub async fn delegates_of_patient(
        &self,
        patient: &Pubkey,
    ) -> Result<Vec<(Pubkey, Delegate)>, SdkError> {
        let filter =
            AccountFilter::Memcmp { offset: 8, bytes: pda::patient(patient).to_bytes().to_vec() };
        self.list("Delegate", vec![filter]).await
    }

    /// Every Delegate account whose authority is `wallet`: the patients it may act for, with
    /// each mandate in force or expired.
    pub async fn delegates_held_by(
        &self,
        wallet: &Pubkey,
    ) -> Result<Vec<(Pubkey, Delegate)>, SdkError> {
        let filter = AccountFilter::Memcmp {
            offset: DELEGATE_AUTHORITY_OFFSET,
            bytes: wallet.to_bytes().to_vec(),
        };
        self.list("Delegate", vec![filter]).await
    }

    /// Every break-glass window opened on a patient's (wallet's) data, open or not.
    pub async fn emergency_windows_of_patient(
        &self,
        patient: &Pubkey,
    ) -> Result<Vec<(Pubkey, EmergencyAccess)>, SdkError> {
        let filter =
            AccountFilter::Memcmp { offset: 8, bytes: pda::patient(patient).to_bytes().to_vec() };
        self.list("EmergencyAccess", vec![filter]).await
    }

    /// The patient's audit trail, newest first: every medchain instruction that touched the
    /// patient's account, with the decision of each access attempt.
    pub async fn audit_trail(
        &self,
        patient: &Pubkey,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, SdkError> {
        let subject = pda::patient(patient);
        let history = self.backend.history(&subject, limit).await?;
        Ok(audit_entries(&subject, &history))
    }
}

#[cfg(feature = "embedded")]
impl Medchain<crate::backend::embedded::EmbeddedBackend> {
    /// A client over the embedded ledger in `dir` (created if needed).
    pub fn embedded(dir: impl AsRef<std::path::Path>) -> Result<Self, SdkError> {
        crate::backend::embedded::EmbeddedBackend::open(dir).map(Self::new)
    }

    /// Credits each wallet with 1 SOL from the embedded ledger's local faucet.
    pub async fn fund(&self, wallets: &[&Keypair]) -> Result<(), SdkError> {
        for wallet in wallets {
            self.backend.airdrop(&wallet.pubkey(), 1_000_000_000).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;
    use medchain::state::{AuthorKind, RecordStatus};

    #[test]
    fn the_content_hash_offset_is_where_a_record_keeps_it() {
        let record = Record {
            patient: Pubkey::new_from_array([1; 32]),
            author: Pubkey::new_from_array([2; 32]),
            rent_payer: Pubkey::new_from_array([3; 32]),
            content_hash: [0xc4; 32],
            record_id: [5; 32],
            supersedes: Pubkey::default(),
            superseded_by: Pubkey::default(),
            category: 1,
            version: 1,
            status: RecordStatus::Current,
            author_kind: AuthorKind::Provider,
            bump: 255,
            layout_version: 1,
            created_at: 0,
            status_changed_at: 0,
            reserved: [0; 16],
        };
        let mut data = Vec::new();
        record.try_serialize(&mut data).expect("serialize");
        let at = RECORD_CONTENT_HASH_OFFSET;
        assert_eq!(data[at..at + 32], [0xc4; 32]);
        assert_eq!(data[at - 32..at], [3; 32], "after the rent payer");
    }

    #[test]
    fn the_delegate_authority_offset_is_where_a_delegate_keeps_it() {
        let delegate = Delegate {
            patient: Pubkey::new_from_array([1; 32]),
            authority: Pubkey::new_from_array([0xa7; 32]),
            rent_payer: Pubkey::new_from_array([3; 32]),
            scope: medchain::state::Scope::new(1, 1, 1),
            permissions: medchain::state::delegate_permissions::ANSWER,
            index: 1,
            bump: 255,
            layout_version: 1,
            expires_at: 0,
            created_at: 0,
            reserved: [0; 16],
        };
        let mut data = Vec::new();
        delegate.try_serialize(&mut data).expect("serialize");
        let at = DELEGATE_AUTHORITY_OFFSET;
        assert_eq!(data[at..at + 32], [0xa7; 32]);
        assert_eq!(data[at - 32..at], [1; 32], "after the patient");
    }
}
