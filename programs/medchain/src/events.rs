//! One event per state change, emitted with `emit_cpi!` so that indexers read them from the
//! transaction's inner instructions (logs may be truncated). Events carry old and new values
//! where a value changes. `record_access` emits none: an access attempt is fully described by
//! its instruction and return data, which the audit trail reads.

use crate::state::{ConsentTerms, RequestTerms};
use anchor_lang::prelude::*;

/// The registry was created.
#[event]
pub struct RegistryInitialized {
    /// The first admin.
    pub admin: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// The admin proposed a successor (or withdrew a proposal, with `Pubkey::default()`).
#[event]
pub struct AdminTransferProposed {
    /// The current admin.
    pub admin: Pubkey,
    /// The proposed admin, or the default key when a proposal was withdrawn.
    pub pending_admin: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// The pending admin accepted and is now the admin.
#[event]
pub struct AdminTransferred {
    /// The former admin.
    pub old_admin: Pubkey,
    /// The new admin.
    pub new_admin: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// The registry was paused or unpaused.
#[event]
pub struct PauseChanged {
    /// Whether the registry is now paused.
    pub paused: bool,
    /// Cluster time of the change.
    pub at: i64,
}

/// The admin trusted a new issuer.
#[event]
pub struct IssuerAdded {
    /// The Issuer PDA.
    pub issuer: Pubkey,
    /// The issuer's signing wallet.
    pub authority: Pubkey,
    /// Whether the issuer's providers may open break-glass access.
    pub allows_break_glass: bool,
    /// Cluster time of the change.
    pub at: i64,
}

/// The admin changed an issuer's break-glass permission.
#[event]
pub struct IssuerBreakGlassChanged {
    /// The Issuer PDA.
    pub issuer: Pubkey,
    /// The old value.
    pub old_allows_break_glass: bool,
    /// The new value.
    pub new_allows_break_glass: bool,
    /// Cluster time of the change.
    pub at: i64,
}

/// The admin removed an issuer (its account is closed).
#[event]
pub struct IssuerRemoved {
    /// The Issuer PDA.
    pub issuer: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// An issuer registered a provider.
#[event]
pub struct ProviderRegistered {
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The provider's wallet.
    pub authority: Pubkey,
    /// The Issuer PDA that credentialed it.
    pub issuer: Pubkey,
    /// Hash of the credential document (licence, NPI record).
    pub credential_hash: [u8; 32],
    /// The provider kind (see `ProviderKind`).
    pub kind: u8,
    /// Cluster time of the change.
    pub at: i64,
}

/// A provider was suspended or reinstated.
#[event]
pub struct ProviderStatusChanged {
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The Issuer PDA that made the change.
    pub issuer: Pubkey,
    /// The old status (see `ProviderStatus`).
    pub old_status: u8,
    /// The new status.
    pub new_status: u8,
    /// Cluster time of the change.
    pub at: i64,
}

/// A provider published (or replaced) its X25519 encryption public key.
#[event]
pub struct ProviderEncryptionKeySet {
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The previous key (all zeros when none was set).
    pub old_key: [u8; 32],
    /// The new key.
    pub new_key: [u8; 32],
    /// Cluster time of the change.
    pub at: i64,
}

/// A patient published (or replaced) the X25519 public key sealed records are encrypted to.
#[event]
pub struct PatientEncryptionKeySet {
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The PatientKey PDA.
    pub patient_key: Pubkey,
    /// The previous key (all zeros when none was published).
    pub old_key: [u8; 32],
    /// The new key.
    pub new_key: [u8; 32],
    /// Cluster time of the change.
    pub at: i64,
}

/// A patient registered.
#[event]
pub struct PatientRegistered {
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The patient's wallet.
    pub authority: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// A provider asked a patient for access.
#[event]
pub struct AccessRequested {
    /// The AccessRequest PDA.
    pub request: Pubkey,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The provider's nonce for this request.
    pub nonce: u64,
    /// What was requested.
    pub terms: RequestTerms,
    /// Cluster time of the change.
    pub at: i64,
}

/// A request was answered or withdrawn.
#[event]
pub struct RequestResolved {
    /// The AccessRequest PDA.
    pub request: Pubkey,
    /// The old status (always Pending).
    pub old_status: u8,
    /// The new status: Approved, Denied or Cancelled.
    pub new_status: u8,
    /// Cluster time of the change.
    pub at: i64,
}

/// A delegate answered a pending request on the patient's behalf: what [`RequestResolved`]
/// says for the patient's own answers, and who answered (emitted in its place, since each
/// self-CPI event costs about 3,600 CU in the SBF VM; with [`ConsentChanged`] on an approval).
#[event]
pub struct DelegateAnsweredRequest {
    /// The AccessRequest PDA.
    pub request: Pubkey,
    /// The old status (always Pending).
    pub old_status: u8,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The Delegate PDA that answered.
    pub delegate: Pubkey,
    /// The delegate's index (the consent's grantor on an approval).
    pub answered_by: u16,
    /// The new status: Approved or Denied.
    pub new_status: u8,
    /// Cluster time of the change.
    pub at: i64,
}

/// A finished request was closed and its rent returned.
#[event]
pub struct RequestClosed {
    /// The AccessRequest PDA.
    pub request: Pubkey,
    /// Who received the rent.
    pub rent_receiver: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// A consent was granted, re-granted, approved from a request, or changed.
#[event]
pub struct ConsentChanged {
    /// The Consent PDA.
    pub consent: Pubkey,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The consent version before the change (0 when the account was created).
    pub old_version: u32,
    /// The consent version after the change.
    pub new_version: u32,
    /// The status before the change (see `ConsentStatus`; 0 when created).
    pub old_status: u8,
    /// The terms before the change (all zero when created).
    pub old_terms: ConsentTerms,
    /// The terms after the change.
    pub new_terms: ConsentTerms,
    /// Who granted: 0 = the patient; otherwise a delegate's index.
    pub grantor: u16,
    /// Cluster time of the change.
    pub at: i64,
}

/// A consent was revoked.
#[event]
pub struct ConsentRevoked {
    /// The Consent PDA.
    pub consent: Pubkey,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The version that was revoked.
    pub version: u32,
    /// Who revoked: 0 = the patient; otherwise a delegate's index.
    pub revoked_by: u16,
    /// Cluster time of the change.
    pub at: i64,
}

/// A revoked or expired consent was closed and its rent returned.
#[event]
pub struct ConsentClosed {
    /// The Consent PDA.
    pub consent: Pubkey,
    /// Who received the rent.
    pub rent_receiver: Pubkey,
    /// Reads/writes granted over the consent's life.
    pub granted_count: u32,
    /// Attempts denied over the consent's life.
    pub denied_count: u32,
    /// Cluster time of the change.
    pub at: i64,
}

/// A record version was anchored (first version or amendment).
#[event]
pub struct RecordAnchored {
    /// The Record PDA.
    pub record: Pubkey,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The author (Provider PDA, or Patient PDA).
    pub author: Pubkey,
    /// The content hash anchored.
    pub content_hash: [u8; 32],
    /// The category (one bit).
    pub category: u32,
    /// The version number.
    pub version: u32,
    /// The Record PDA this version supersedes (default key for a first version).
    pub supersedes: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// A record version changed status (Current → Amended or → EnteredInError).
#[event]
pub struct RecordStatusChanged {
    /// The Record PDA.
    pub record: Pubkey,
    /// The old status (see `RecordStatus`).
    pub old_status: u8,
    /// The new status.
    pub new_status: u8,
    /// Cluster time of the change.
    pub at: i64,
}

/// A Merkle batch of record hashes was anchored.
#[event]
pub struct BatchAnchored {
    /// The RecordBatch PDA.
    pub batch: Pubkey,
    /// The author Provider PDA.
    pub author: Pubkey,
    /// The batch id.
    pub batch_id: u64,
    /// The Merkle root.
    pub merkle_root: [u8; 32],
    /// Number of leaves.
    pub leaf_count: u64,
    /// Cluster time of the change.
    pub at: i64,
}

/// A patient added a delegate.
#[event]
pub struct DelegateAdded {
    /// The Delegate PDA.
    pub delegate: Pubkey,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The delegate's wallet.
    pub authority: Pubkey,
    /// The delegate's index (recorded as grantor on consents it grants).
    pub index: u16,
    /// Permissions bitmask.
    pub permissions: u8,
    /// The scope it may grant within, and when its mandate ends.
    pub mandate: ConsentTerms,
    /// Cluster time of the change.
    pub at: i64,
}

/// A patient removed a delegate.
#[event]
pub struct DelegateRemoved {
    /// The Delegate PDA.
    pub delegate: Pubkey,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// Cluster time of the change.
    pub at: i64,
}

/// A provider opened break-glass access. The patient is told by this event.
#[event]
pub struct EmergencyAccessOpened {
    /// The EmergencyAccess PDA.
    pub emergency: Pubkey,
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The Provider PDA.
    pub provider: Pubkey,
    /// The reason code.
    pub reason_code: u8,
    /// Cluster time the window opened.
    pub opened_at: i64,
    /// Cluster time the window ends.
    pub expires_at: i64,
}

/// The patient reviewed a break-glass window.
#[event]
pub struct EmergencyAccessReviewed {
    /// The EmergencyAccess PDA.
    pub emergency: Pubkey,
    /// Reads made under the window.
    pub access_count: u32,
    /// Whether the patient ended the window early.
    pub ended_early: bool,
    /// Cluster time of the review.
    pub at: i64,
}

/// The patient changed whether break-glass access may be opened for them.
#[event]
pub struct BreakGlassPolicyChanged {
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The old value.
    pub old_allows_break_glass: bool,
    /// The new value.
    pub new_allows_break_glass: bool,
    /// Cluster time of the change.
    pub at: i64,
}
