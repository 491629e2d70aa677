//! Sealing, opening and resealing against the chain: recipients from the current consents,
//! the content hash checked against the anchored Record.

use super::envelope::{open_envelope, seal, Opened, Recipient, SealMeta, SealedEnvelope};
use super::keys::{EncryptionPublicKey, EncryptionSecretKey};
use super::recipients::{plan_recipients, RecipientPlan};
use super::{EnvelopeHeader, SealError};
use crate::backend::Backend;
use crate::client::Medchain;
use crate::error::SdkError;
use crate::hashing::{content_hash, ContentKind};
use crate::pda;
use anchor_lang::prelude::Pubkey;
use medchain::state::{PatientKey, Provider, Record, RecordStatus};
use medchain::vocabulary::purposes;

/// Options of [`Medchain::seal_for_consented`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealOptions {
    /// The purpose of use the recipients' consents must cover (one bit; treatment by default).
    pub purpose: u16,
    /// The Record account anchoring the content. When `None`, a current record of the patient
    /// with the content's hash and category is looked up and used if there is one.
    pub record: Option<Pubkey>,
}

impl Default for SealOptions {
    fn default() -> Self {
        Self { purpose: purposes::TREAT, record: None }
    }
}

/// A freshly sealed record.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The envelope.
    pub envelope: SealedEnvelope,
    /// Its canonical bytes (what to store).
    pub bytes: Vec<u8>,
    /// Who it was sealed for, and who was left out and why.
    pub plan: RecipientPlan,
}

/// What the chain says about an opened envelope's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainCheck {
    /// A Record of the patient, in the envelope's category, anchors exactly this content hash.
    Anchored {
        /// The Record account.
        record: Pubkey,
        /// Current or Amended (a later version exists).
        status: RecordStatus,
    },
    /// No Record of the patient anchors this content hash (and the envelope names none).
    NotAnchored,
}

/// An envelope opened and checked against the chain.
#[derive(Debug, Clone)]
pub struct OpenedRecord {
    /// The decrypted, hash-checked content and the envelope's metadata.
    pub opened: Opened,
    /// What the chain says about the content hash.
    pub chain: ChainCheck,
}

/// The result of [`Medchain::reseal`].
#[derive(Debug, Clone)]
pub struct Resealed {
    /// The new envelope (fresh data key) and its recipients.
    pub sealed: Sealed,
    /// Recipients of the old envelope that the new one no longer has.
    pub dropped: Vec<Recipient>,
    /// Recipients of the new envelope that the old one did not have.
    pub added: Vec<Recipient>,
}

impl<B: Backend> Medchain<B> {
    /// Who a record about `patient` in `category` would be sealed for now: the patient (to
    /// the key they published, else the key derived from their wallet) and every provider
    /// whose consent permits reading the category for `purpose` at the cluster's time, and
    /// has published a key; the others with the reason.
    ///
    /// # Errors
    ///
    /// [`SdkError::AccountNotFound`] when the patient is not registered; transport errors.
    pub async fn sealing_recipients(
        &self,
        patient: &Pubkey,
        category: u32,
        purpose: u16,
    ) -> Result<RecipientPlan, SdkError> {
        if self.patient(patient).await?.is_none() {
            return Err(SdkError::AccountNotFound {
                address: patient.to_string(),
                what: "registered patient",
            });
        }
        let now = self.backend().unix_time().await?;
        let mut consents = Vec::new();
        for (_, consent) in self.consents_of_patient(patient).await? {
            let provider: Option<Provider> = self.fetch(&consent.provider, "Provider").await?;
            consents.push((consent, provider));
        }
        let patient_key = self.patient_encryption_key(patient).await?;
        Ok(plan_recipients(patient, patient_key, category, purpose, now, &consents)?)
    }

    /// The X25519 key `patient` (a wallet) published with `set_patient_encryption_key`, if
    /// any: sealing uses it instead of the key derived from the wallet.
    ///
    /// # Errors
    ///
    /// [`SdkError::InvalidAccount`] when the PatientKey account cannot be decoded; transport
    /// errors.
    pub async fn patient_encryption_key(
        &self,
        patient: &Pubkey,
    ) -> Result<Option<EncryptionPublicKey>, SdkError> {
        let address = pda::patient_key(&pda::patient(patient));
        let account: Option<PatientKey> = self.fetch(&address, "PatientKey").await?;
        Ok(account.map(|k| EncryptionPublicKey(k.encryption_key)))
    }

    /// Seals `content` (a FHIR resource when `kind` is JSON, else any bytes) for the patient
    /// and exactly the providers whose consent permits reading `category` now
    /// ([`Medchain::sealing_recipients`]). The envelope carries the content hash and, when
    /// known, the anchoring Record (checked against the chain before sealing).
    ///
    /// # Errors
    ///
    /// [`SdkError::Seal`] for unusable content, category, purpose or record;
    /// [`SdkError::AccountNotFound`] when the patient is not registered.
    pub async fn seal_for_consented(
        &self,
        content: &[u8],
        kind: ContentKind,
        patient: &Pubkey,
        category: u32,
        options: SealOptions,
    ) -> Result<Sealed, SdkError> {
        let hash = content_hash(content, kind).map_err(SealError::Content)?;
        let record = match options.record {
            Some(record) => {
                let header = EnvelopeHeader {
                    content_hash: hash,
                    content_kind: kind,
                    patient: *patient,
                    category,
                    purpose: options.purpose,
                    record: Some(record),
                    sealed_at: 0,
                };
                self.check_against_chain(&header).await?;
                Some(record)
            }
            None => self.find_anchoring_record(patient, &hash, category).await?,
        };
        let plan = self.sealing_recipients(patient, category, options.purpose).await?;
        let meta = SealMeta {
            content_kind: kind,
            patient: *patient,
            category,
            purpose: options.purpose,
            record,
            sealed_at: plan.evaluated_at,
        };
        let envelope = seal(content, meta, &plan.recipients)?;
        let bytes = envelope.to_bytes()?;
        Ok(Sealed { envelope, bytes, plan })
    }

    /// Opens an envelope with a recipient's key (see [`super::open`]) and checks its content
    /// hash against the chain: the Record the envelope names (or, if it names none, any
    /// record of the patient with that hash) must anchor exactly this content, about this
    /// patient, in this category, and must not be entered-in-error.
    ///
    /// # Errors
    ///
    /// [`SdkError::Seal`] with the reason: not a recipient, altered envelope, hash mismatch,
    /// record missing, mismatching or entered-in-error.
    pub async fn open_sealed(
        &self,
        envelope: &[u8],
        key: &EncryptionSecretKey,
    ) -> Result<OpenedRecord, SdkError> {
        let parsed = SealedEnvelope::parse(envelope)?;
        let opened = open_envelope(&parsed, key)?;
        let chain = self.check_against_chain(&opened.header).await?;
        Ok(OpenedRecord { opened, chain })
    }

    /// Reseals an envelope after a consent change: opens it with a recipient's key (the
    /// patient's, or a provider's that still can), then seals the same content under a
    /// **fresh data key** for the recipients the chain permits now. A provider whose consent
    /// was revoked, has expired or no longer covers the category, or who was suspended, is
    /// dropped: the new envelope shares nothing with the old one that its key could open.
    ///
    /// # Errors
    ///
    /// As [`Medchain::open_sealed`] and [`Medchain::seal_for_consented`].
    pub async fn reseal(
        &self,
        envelope: &[u8],
        key: &EncryptionSecretKey,
    ) -> Result<Resealed, SdkError> {
        let OpenedRecord { opened, chain } = self.open_sealed(envelope, key).await?;
        let header = opened.header;
        let plan =
            self.sealing_recipients(&header.patient, header.category, header.purpose).await?;
        let record = match chain {
            ChainCheck::Anchored { record, .. } => Some(record),
            ChainCheck::NotAnchored => header.record,
        };
        let meta = SealMeta {
            content_kind: header.content_kind,
            patient: header.patient,
            category: header.category,
            purpose: header.purpose,
            record,
            sealed_at: plan.evaluated_at,
        };
        let new_envelope = seal(&opened.plaintext, meta, &plan.recipients)?;
        let bytes = new_envelope.to_bytes()?;
        let dropped =
            opened.recipients.iter().filter(|r| !plan.recipients.contains(r)).copied().collect();
        let added =
            plan.recipients.iter().filter(|r| !opened.recipients.contains(r)).copied().collect();
        Ok(Resealed { sealed: Sealed { envelope: new_envelope, bytes, plan }, dropped, added })
    }

    /// Checks an envelope header against the chain (see [`Medchain::open_sealed`]).
    ///
    /// # Errors
    ///
    /// [`SealError::RecordNotFound`], [`SealError::RecordMismatch`],
    /// [`SealError::RecordEnteredInError`] (as [`SdkError::Seal`]); transport errors.
    pub async fn check_against_chain(
        &self,
        header: &EnvelopeHeader,
    ) -> Result<ChainCheck, SdkError> {
        let Some(address) = header.record else {
            return match self
                .find_anchoring_record_any_status(
                    &header.patient, &header.content_hash, header.category,
                )
                .await?
            {
                Some((record, RecordStatus::EnteredInError)) => {
                    Err(SealError::RecordEnteredInError { record: record.to_string() }.into())
                }
                Some((record, status)) => Ok(ChainCheck::Anchored { record, status }),
                None => Ok(ChainCheck::NotAnchored),
            };
        };
        let record: Record = self
            .fetch(&address, "Record")
            .await?
            .ok_or_else(|| SealError::RecordNotFound { record: address.to_string() })?;
        let mismatch =
            |reason: String| SealError::RecordMismatch { record: address.to_string(), reason };
        if record.patient != pda::patient(&header.patient) {
            return Err(
                mismatch(format!("it is about another patient than {}", header.patient)).into()
            );
        }
        if record.content_hash != header.content_hash {
            return Err(mismatch(format!(
                "it anchors content hash {}, the envelope's content hashes to {}",
                hex::encode(record.content_hash),
                hex::encode(header.content_hash)
            ))
            .into());
        }
        if record.category != header.category {
            return Err(mismatch(format!(
                "its category is {:#x}, the envelope's is {:#x}",
                record.category, header.category
            ))
            .into());
        }
        if record.status == RecordStatus::EnteredInError {
            return Err(SealError::RecordEnteredInError { record: address.to_string() }.into());
        }
        Ok(ChainCheck::Anchored { record: address, status: record.status })
    }

    /// The current record of `patient` anchoring `hash` in `category`, if any.
    async fn find_anchoring_record(
        &self,
        patient: &Pubkey,
        hash: &[u8; 32],
        category: u32,
    ) -> Result<Option<Pubkey>, SdkError> {
        Ok(self.find_anchoring_record_any_status(patient, hash, category).await?.and_then(
            |(record, status)| (status != RecordStatus::EnteredInError).then_some(record),
        ))
    }

    /// A record of `patient` anchoring `hash` in `category`, preferring usable ones
    /// (Current, then Amended) over entered-in-error ones.
    async fn find_anchoring_record_any_status(
        &self,
        patient: &Pubkey,
        hash: &[u8; 32],
        category: u32,
    ) -> Result<Option<(Pubkey, RecordStatus)>, SdkError> {
        let rank = |status: RecordStatus| match status {
            RecordStatus::Current => 0,
            RecordStatus::Amended => 1,
            RecordStatus::EnteredInError => 2,
        };
        Ok(self
            .records_of_patient(patient)
            .await?
            .into_iter()
            .filter(|(_, r)| r.content_hash == *hash && r.category == category)
            .map(|(address, r)| (address, r.status))
            .min_by_key(|(address, status)| (rank(*status), address.to_bytes())))
    }
}
