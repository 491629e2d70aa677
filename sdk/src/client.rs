//! [`Medchain`]: one typed client over any [`Backend`] — the actions patients, providers,
//! issuers and admins take, and the queries apps need (consents of a patient, pending
//! requests, records, the audit trail).

use crate::access::{check_access, decode_account};
use crate::audit::{audit_entries, AuditEntry};
use crate::backend::{AccountFilter, Backend, TxOutcome};
use crate::error::SdkError;
use crate::{instructions as ix, pda};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AccountDeserialize, AnchorDeserialize, Discriminator};
use medchain::state::{
    AccessDecision, AccessRequest, Consent, ConsentTerms, EmergencyAccess, Patient, Provider,
    ProviderKind, Record, RequestStatus, RequestTerms,
};
use solana_sdk::signature::{Keypair, Signer};

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

    /// The provider records an access attempt; returns the program's decision.
    pub async fn record_access(
        &self,
        provider: &Keypair,
        patient: &Pubkey,
        category: u32,
        purpose: u16,
        action: u8,
    ) -> Result<AccessDecision, SdkError> {
        let outcome = self
            .send_one(
                ix::record_access(&provider.pubkey(), patient, category, purpose, action),
                &[provider],
            )
            .await?;
        let data = outcome
            .return_data
            .ok_or_else(|| SdkError::Transaction("record_access returned no decision".into()))?;
        AccessDecision::try_from_slice(&data)
            .map_err(|e| SdkError::Transaction(format!("undecodable access decision: {e}")))
    }

    // ----- reads ----------------------------------------------------------------------

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
