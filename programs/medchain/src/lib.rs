//! # medchain
//!
//! Patient-controlled consent and tamper-evident medical records on Solana. The program
//! keeps three things on-chain and nothing else: who may see what (consents a patient
//! grants and revokes), proof that a record was not altered (record hashes), and who looked
//! (every access attempt, granted or denied). No health data and no personal data are ever
//! stored or passed in instruction data: only pseudonymous keys, codes, times and hashes.
//!
//! This module is the table of contents: one line per instruction, forwarding to the
//! handler in `instructions/`. One convention holds for all of them: each instruction's
//! file has its Accounts struct with `validate` (every check that is not an account
//! constraint, bound here with `#[access_control]`, so it runs after the accounts are
//! loaded and before anything is written) and `handle` (the state change and its event).
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod pda_account;
pub mod state;
pub mod vocabulary;

use instructions::*;
use state::{AccessDecision, ConsentTerms, RequestTerms};

declare_id!("Fx52bsf4V3TyLN4awhjtx3h3ZKpRPVFasKGYpo6qyFUZ");

/// The medchain program.
#[program]
pub mod medchain {
    use super::*;

    /// Creates the registry; the signer becomes admin (upgrade authority when upgradeable).
    #[access_control(ctx.accounts.validate())]
    pub fn initialize(ctx: Context<Initialize>) -> Result<()> {
        Initialize::handle(ctx)
    }

    /// Admin proposes a successor; `Pubkey::default()` withdraws the proposal.
    #[access_control(ctx.accounts.validate(&new_admin))]
    pub fn propose_admin(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
        ProposeAdmin::handle(ctx, new_admin)
    }

    /// The proposed admin accepts and becomes admin.
    #[access_control(ctx.accounts.validate())]
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        AcceptAdmin::handle(ctx)
    }

    /// Admin pauses new requests, grants, updates and approvals (revokes still work).
    #[access_control(ctx.accounts.validate(true))]
    pub fn pause(ctx: Context<SetPaused>) -> Result<()> {
        SetPaused::handle(ctx, true)
    }

    /// Admin lifts a pause.
    #[access_control(ctx.accounts.validate(false))]
    pub fn unpause(ctx: Context<SetPaused>) -> Result<()> {
        SetPaused::handle(ctx, false)
    }

    /// Admin trusts a credentialing body as an issuer.
    #[access_control(ctx.accounts.validate())]
    pub fn add_issuer(ctx: Context<AddIssuer>, allows_break_glass: bool) -> Result<()> {
        AddIssuer::handle(ctx, allows_break_glass)
    }

    /// Admin allows or forbids break-glass access for an issuer's providers.
    #[access_control(ctx.accounts.validate())]
    pub fn set_issuer_break_glass(
        ctx: Context<SetIssuerBreakGlass>,
        allows_break_glass: bool,
    ) -> Result<()> {
        SetIssuerBreakGlass::handle(ctx, allows_break_glass)
    }

    /// Admin removes an issuer that has no active providers; rent returns to its payer.
    #[access_control(ctx.accounts.validate())]
    pub fn remove_issuer(ctx: Context<RemoveIssuer>) -> Result<()> {
        RemoveIssuer::handle(ctx)
    }

    /// An issuer registers a provider, who co-signs with its own wallet.
    #[access_control(ctx.accounts.validate(&credential_hash, kind))]
    pub fn register_provider(
        ctx: Context<RegisterProvider>,
        credential_hash: [u8; 32],
        kind: u8,
    ) -> Result<()> {
        RegisterProvider::handle(ctx, credential_hash, kind)
    }

    /// The provider's issuer suspends it: every access is cut off at once.
    #[access_control(ctx.accounts.validate(true))]
    pub fn suspend_provider(ctx: Context<ChangeProviderStatus>) -> Result<()> {
        ChangeProviderStatus::handle(ctx, true)
    }

    /// The provider's issuer reinstates it.
    #[access_control(ctx.accounts.validate(false))]
    pub fn reinstate_provider(ctx: Context<ChangeProviderStatus>) -> Result<()> {
        ChangeProviderStatus::handle(ctx, false)
    }

    /// A provider publishes its X25519 public key for sealed records.
    #[access_control(ctx.accounts.validate(&encryption_key))]
    pub fn set_provider_encryption_key(
        ctx: Context<SetProviderEncryptionKey>,
        encryption_key: [u8; 32],
    ) -> Result<()> {
        SetProviderEncryptionKey::handle(ctx, encryption_key)
    }

    /// A patient registers (anyone may pay the rent).
    #[access_control(ctx.accounts.validate())]
    pub fn register_patient(ctx: Context<RegisterPatient>) -> Result<()> {
        RegisterPatient::handle(ctx)
    }

    /// A patient publishes (or replaces) an X25519 public key for sealed records.
    #[access_control(ctx.accounts.validate(&encryption_key))]
    pub fn set_patient_encryption_key(
        ctx: Context<SetPatientEncryptionKey>,
        encryption_key: [u8; 32],
    ) -> Result<()> {
        SetPatientEncryptionKey::handle(ctx, encryption_key)
    }

    /// An active provider asks a patient for access.
    #[access_control(ctx.accounts.validate(&terms))]
    pub fn request_access(
        ctx: Context<RequestAccess>,
        nonce: u64,
        terms: RequestTerms,
    ) -> Result<()> {
        RequestAccess::handle(ctx, nonce, terms)
    }

    /// The patient approves a pending request, possibly narrowed, never widened.
    #[access_control(ctx.accounts.validate(&approved))]
    pub fn approve_request(ctx: Context<ApproveRequest>, approved: RequestTerms) -> Result<()> {
        ApproveRequest::handle(ctx, approved)
    }

    /// The patient denies a pending request.
    #[access_control(ctx.accounts.validate())]
    pub fn deny_request(ctx: Context<DenyRequest>) -> Result<()> {
        DenyRequest::handle(ctx)
    }

    /// The provider cancels its pending request.
    #[access_control(ctx.accounts.validate())]
    pub fn cancel_request(ctx: Context<CancelRequest>) -> Result<()> {
        CancelRequest::handle(ctx)
    }

    /// The rent payer closes a finished request and gets the rent back.
    #[access_control(ctx.accounts.validate())]
    pub fn close_request(ctx: Context<CloseRequest>) -> Result<()> {
        CloseRequest::handle(ctx)
    }

    /// The patient grants a provider access directly, or re-grants a revoked/expired one.
    #[access_control(ctx.accounts.validate(&terms))]
    pub fn grant_consent(ctx: Context<GrantConsent>, terms: ConsentTerms) -> Result<()> {
        GrantConsent::handle(ctx, terms)
    }

    /// The patient changes an active consent; its version bumps.
    #[access_control(ctx.accounts.validate(&terms))]
    pub fn update_consent(ctx: Context<UpdateConsent>, terms: ConsentTerms) -> Result<()> {
        UpdateConsent::handle(ctx, terms)
    }

    /// The patient revokes a consent, effective immediately.
    #[access_control(ctx.accounts.validate())]
    pub fn revoke_consent(ctx: Context<RevokeConsent>) -> Result<()> {
        RevokeConsent::handle(ctx)
    }

    /// The patient or the rent payer closes a revoked or expired consent.
    #[access_control(ctx.accounts.validate())]
    pub fn close_consent(ctx: Context<CloseConsent>) -> Result<()> {
        CloseConsent::handle(ctx)
    }

    /// Anchors the hash of a new record (a provider with the write action, or the patient).
    #[access_control(ctx.accounts.validate())]
    pub fn anchor_record(ctx: Context<AnchorRecord>, args: AnchorRecordArgs) -> Result<()> {
        AnchorRecord::handle(ctx, args)
    }

    /// The author anchors a new version superseding the current one (never overwriting it).
    #[access_control(ctx.accounts.validate())]
    pub fn amend_record(ctx: Context<AmendRecord>, args: AmendRecordArgs) -> Result<()> {
        AmendRecord::handle(ctx, args)
    }

    /// The author withdraws a record version as entered in error.
    #[access_control(ctx.accounts.validate())]
    pub fn mark_entered_in_error(ctx: Context<MarkEnteredInError>) -> Result<()> {
        MarkEnteredInError::handle(ctx)
    }

    /// An active provider anchors the Merkle root of a batch of record hashes.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn anchor_batch(ctx: Context<AnchorBatch>, args: AnchorBatchArgs) -> Result<()> {
        AnchorBatch::handle(ctx, args)
    }

    /// The patient names a delegate (guardian, proxy) with permissions, a scope and an expiry.
    #[access_control(ctx.accounts.validate(permissions, &scope))]
    pub fn add_delegate(
        ctx: Context<AddDelegate>,
        permissions: u8,
        scope: ConsentTerms,
    ) -> Result<()> {
        AddDelegate::handle(ctx, permissions, scope)
    }

    /// The patient removes a delegate.
    #[access_control(ctx.accounts.validate())]
    pub fn remove_delegate(ctx: Context<RemoveDelegate>) -> Result<()> {
        RemoveDelegate::handle(ctx)
    }

    /// A delegate grants a consent on the patient's behalf, within its scope.
    #[access_control(ctx.accounts.validate(&terms))]
    pub fn delegate_grant_consent(
        ctx: Context<DelegateGrantConsent>,
        terms: ConsentTerms,
    ) -> Result<()> {
        DelegateGrantConsent::handle(ctx, terms)
    }

    /// A delegate revokes a consent on the patient's behalf.
    #[access_control(ctx.accounts.validate())]
    pub fn delegate_revoke_consent(ctx: Context<DelegateRevokeConsent>) -> Result<()> {
        DelegateRevokeConsent::handle(ctx)
    }

    /// A delegate allowed to answer approves a pending request for the patient, within its
    /// own scope; the consent lasts at most until the delegate's mandate ends.
    #[access_control(ctx.accounts.validate(&approved))]
    pub fn delegate_approve_request(
        ctx: Context<DelegateApproveRequest>,
        approved: RequestTerms,
    ) -> Result<()> {
        DelegateApproveRequest::handle(ctx, approved)
    }

    /// A delegate allowed to answer denies a pending request for the patient.
    #[access_control(ctx.accounts.validate())]
    pub fn delegate_deny_request(ctx: Context<DelegateDenyRequest>) -> Result<()> {
        DelegateDenyRequest::handle(ctx)
    }

    /// Break-glass: a permitted provider opens an emergency read window (at most 24 h).
    #[access_control(ctx.accounts.validate(duration_secs))]
    pub fn open_emergency_access(
        ctx: Context<OpenEmergencyAccess>,
        reason_code: u8,
        duration_secs: i64,
    ) -> Result<()> {
        OpenEmergencyAccess::handle(ctx, reason_code, duration_secs)
    }

    /// The patient reviews a break-glass window and may end it.
    #[access_control(ctx.accounts.validate())]
    pub fn review_emergency_access(
        ctx: Context<ReviewEmergencyAccess>,
        end_now: bool,
    ) -> Result<()> {
        ReviewEmergencyAccess::handle(ctx, end_now)
    }

    /// The patient allows or forbids break-glass access for themselves.
    #[access_control(ctx.accounts.validate())]
    pub fn set_break_glass_policy(
        ctx: Context<SetBreakGlassPolicy>,
        allows_break_glass: bool,
    ) -> Result<()> {
        SetBreakGlassPolicy::handle(ctx, allows_break_glass)
    }

    /// A provider's access attempt is evaluated and recorded, granted or denied.
    #[access_control(ctx.accounts.validate(&args))]
    pub fn record_access(
        ctx: Context<RecordAccess>,
        args: RecordAccessArgs,
    ) -> Result<AccessDecision> {
        RecordAccess::handle(ctx, args)
    }
}
