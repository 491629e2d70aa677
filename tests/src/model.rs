//! A reference model of medchain's consent state and access rule, for the model-based
//! property test (`tests/tests/model_based.rs`).
//!
//! The model is written from the rules in `docs/ARCHITECTURE.md`, independently of the
//! program's state structs and methods: it never calls `Consent::permits`,
//! `evaluate_access` or any other program code, and keeps its own plain structs. Only the
//! shared vocabulary (the bit values of categories, purposes and actions) is imported.
//! It is deliberately simple — maps of small structs and straight-line checks in the order
//! the rules are stated — so that it is obviously correct on reading.
//!
//! The world is a fixed cast addressed by index: [`ISSUERS`] issuers, [`PROVIDERS`]
//! providers (provider `i` is credentialed by issuer [`issuer_of`]`(i)`), [`PATIENTS`]
//! patients and [`DELEGATE_WALLETS`] wallets that patients may make their delegates, plus an
//! outsider who is nobody. An [`Op`] is one transaction attempt; [`World::apply`] says what
//! the program must answer and changes the model's state exactly when the program must
//! change its own.

use medchain::vocabulary::{actions, categories, purposes};
use std::collections::BTreeMap;

/// Number of issuers in the cast. Issuer 0 allows break-glass at the start, issuer 1 not.
pub const ISSUERS: usize = 2;
/// Number of providers in the cast.
pub const PROVIDERS: usize = 3;
/// Number of patients in the cast.
pub const PATIENTS: usize = 2;
/// Number of wallets that patients may name as delegates.
pub const DELEGATE_WALLETS: usize = 2;
/// The longest request a provider may make (ten years).
pub const MAX_REQUEST_SECS: i64 = 10 * 365 * 24 * 60 * 60;
/// The longest break-glass window (24 hours).
pub const MAX_WINDOW_SECS: i64 = 24 * 60 * 60;
/// Delegate permission bit: may grant consents.
pub const MAY_GRANT: u8 = 1;
/// Delegate permission bit: may revoke consents.
pub const MAY_REVOKE: u8 = 2;
/// Delegate permission bit: may answer (approve or deny) providers' requests.
pub const MAY_ANSWER: u8 = 4;

/// The issuer that credentials provider `provider`: providers 0 and 1 belong to issuer 0,
/// provider 2 to issuer 1.
pub fn issuer_of(provider: usize) -> usize {
    if provider < 2 {
        0
    } else {
        1
    }
}

/// Who signs a transaction that belongs to someone: the rightful signer, or an outsider
/// who puts their own wallet where the rightful one belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// The wallet the transaction belongs to.
    Rightful,
    /// An outsider's wallet in its place.
    Impostor,
}

/// Who tries to close a consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closer {
    /// The patient.
    Patient,
    /// Whoever paid the consent's rent (the test's fee payer).
    RentPayer,
    /// Somebody else.
    Outsider,
}

/// Terms as an operation states them: sets of bits, and an expiry relative to the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermsSpec {
    /// Category bits (may be empty or hold unknown bits).
    pub categories: u32,
    /// Purpose bits.
    pub purposes: u16,
    /// Action bits.
    pub actions: u8,
    /// Seconds from now at which the terms expire (may be zero or negative).
    pub expires_in: i64,
}

/// How an approval changes a request's terms: bits removed, bits added, duration moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Narrowing {
    /// Category bits removed from the request.
    pub drop_categories: u32,
    /// Category bits added (any new bit widens the request).
    pub add_categories: u32,
    /// Purpose bits removed.
    pub drop_purposes: u16,
    /// Action bits removed.
    pub drop_actions: u8,
    /// Added to the requested duration (positive widens it).
    pub duration_delta: i64,
}

/// One transaction attempt (or a clock jump) on the fixed cast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// The patient grants a consent to a provider.
    Grant { patient: usize, provider: usize, terms: TermsSpec, by: Signer },
    /// The patient changes the terms of an active consent.
    Update { patient: usize, provider: usize, terms: TermsSpec, by: Signer },
    /// The patient revokes a consent.
    Revoke { patient: usize, provider: usize, by: Signer },
    /// Someone closes a consent account.
    Close { patient: usize, provider: usize, closer: Closer },
    /// A provider asks a patient for access for `duration` seconds.
    Request { provider: usize, patient: usize, terms: TermsSpec, duration: i64 },
    /// The patient approves request number `request` (modulo the number made), narrowed.
    Approve { request: usize, narrowing: Narrowing, by: Signer },
    /// The patient denies a request.
    Deny { request: usize, by: Signer },
    /// A provider cancels a request: its own (`Rightful`) or another provider's.
    Cancel { request: usize, by: Signer },
    /// The patient names a delegate.
    AddDelegate { patient: usize, wallet: usize, permissions: u8, scope: TermsSpec },
    /// The patient removes a delegate.
    RemoveDelegate { patient: usize, wallet: usize },
    /// A wallet grants, as the patient's delegate, a consent to a provider.
    DelegateGrant { wallet: usize, patient: usize, provider: usize, terms: TermsSpec },
    /// A wallet revokes, as the patient's delegate, a consent.
    DelegateRevoke { wallet: usize, patient: usize, provider: usize },
    /// A wallet approves, as the delegate of the request's patient, request number
    /// `request`, narrowed; with `fit`, the approval is also cut to the delegate's scope (as
    /// the SDK's `Mandate::approval` does), so that most such approvals can succeed.
    DelegateApprove { wallet: usize, request: usize, narrowing: Narrowing, fit: bool },
    /// A wallet denies, as the delegate of the request's patient, a request.
    DelegateDeny { wallet: usize, request: usize },
    /// An issuer suspends a provider (its own, or not).
    Suspend { issuer: usize, provider: usize },
    /// An issuer reinstates a provider (its own, or not).
    Reinstate { issuer: usize, provider: usize },
    /// A provider opens a break-glass window on a patient.
    OpenEmergency { provider: usize, patient: usize, duration: i64, reason_code: u8 },
    /// The patient reviews a break-glass window, possibly ending it.
    ReviewEmergency { patient: usize, provider: usize, end_now: bool },
    /// The patient allows or forbids break-glass.
    SetPatientBreakGlass { patient: usize, allows: bool },
    /// The admin lets an issuer's providers use break-glass, or not.
    SetIssuerBreakGlass { issuer: usize, allows: bool, by: Signer },
    /// The admin pauses new grants and requests.
    Pause { by: Signer },
    /// The admin lifts the pause.
    Unpause { by: Signer },
    /// A provider records an access attempt; the program answers with a decision.
    RecordAccess {
        provider: usize,
        patient: usize,
        category: u32,
        purpose: u16,
        action: u8,
        by: Signer,
    },
    /// The cluster clock moves forward.
    Advance { secs: i64 },
}

/// Why the program must refuse a transaction. `NotAuthorized` and `NoSuchAccount` are the
/// framework's account checks (a wrong signer or owner; an account that does not exist);
/// the others are medchain's own rules.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotAuthorized,
    NoSuchAccount,
    RegistryPaused,
    AlreadyPaused,
    NotPaused,
    ProviderNotActive,
    ProviderAlreadySuspended,
    ProviderNotSuspended,
    InvalidCategories,
    InvalidPurposes,
    InvalidActions,
    InvalidCategory,
    InvalidPurpose,
    InvalidAction,
    InvalidDuration,
    ExpiryInPast,
    RequestNotPending,
    ApprovalWidensRequest,
    ConsentAlreadyActive,
    ConsentNotActive,
    ConsentStillActive,
    UnauthorizedCloser,
    AccountAlreadyExists,
    DelegateExpired,
    DelegateNotPermitted,
    DelegateScopeExceeded,
    InvalidDelegatePermissions,
    BreakGlassNotAllowedByIssuer,
    BreakGlassNotAllowedByPatient,
    EmergencyAccessAlreadyOpen,
    InvalidEmergencyWindow,
}

/// Why an access attempt was allowed or denied.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Granted,
    ProviderNotActive,
    NoConsent,
    ConsentRevoked,
    ConsentExpired,
    CategoryNotCovered,
    PurposeNotCovered,
    ActionNotCovered,
    EmergencyAccess,
}

impl Reason {
    /// Whether the reason lets the provider in.
    pub fn allows(self) -> bool {
        matches!(self, Reason::Granted | Reason::EmergencyAccess)
    }
}

/// What the program must answer to an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The transaction succeeds.
    Done,
    /// `record_access` succeeds and decides this (with the consent version it evaluated).
    Decided(Reason, u32),
    /// The transaction fails for this reason and changes nothing.
    Refused(Refusal),
    /// Nothing to send (the operation names a request and none was made yet).
    Skipped,
}

/// A consent in the model.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelConsent {
    pub categories: u32,
    pub purposes: u16,
    pub actions: u8,
    pub revoked: bool,
    /// 0 = the patient, n = the patient's delegate number n.
    pub grantor: u16,
    pub version: u32,
    pub granted_at: i64,
    pub expires_at: i64,
    pub revoked_at: i64,
    pub granted_count: u32,
    pub denied_count: u32,
}

/// A delegate in the model.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelDelegate {
    pub index: u16,
    pub permissions: u8,
    pub categories: u32,
    pub purposes: u16,
    pub actions: u8,
    pub expires_at: i64,
}

/// A break-glass window in the model.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelWindow {
    pub opened_at: i64,
    pub expires_at: i64,
    pub reviewed: bool,
    pub reviewed_at: i64,
    pub access_count: u32,
    pub times_opened: u32,
    pub reason_code: u8,
}

/// The status of a request in the model.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelRequestStatus {
    Pending,
    Approved,
    Denied,
    Cancelled,
}

/// An access request in the model; its nonce is its position in [`World::requests`].
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelRequest {
    pub patient: usize,
    pub provider: usize,
    pub categories: u32,
    pub purposes: u16,
    pub actions: u8,
    pub duration: i64,
    pub status: ModelRequestStatus,
    pub resolved_at: i64,
}

/// A patient in the model.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelPatient {
    pub consent_grants: u32,
    pub denied_without_consent: u32,
    pub allows_break_glass: bool,
    pub delegates_added: u16,
}

/// An issuer in the model.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelIssuer {
    pub active_providers: u32,
    pub allows_break_glass: bool,
}

/// The whole model state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// The cluster clock.
    pub now: i64,
    /// Whether the registry is paused.
    pub paused: bool,
    /// Issuers by index.
    pub issuers: Vec<ModelIssuer>,
    /// Whether each provider is suspended.
    pub suspended: Vec<bool>,
    /// Patients by index.
    pub patients: Vec<ModelPatient>,
    /// Consents by (patient, provider).
    pub consents: BTreeMap<(usize, usize), ModelConsent>,
    /// Delegates by (patient, wallet).
    pub delegates: BTreeMap<(usize, usize), ModelDelegate>,
    /// Break-glass windows by (patient, provider).
    pub windows: BTreeMap<(usize, usize), ModelWindow>,
    /// Requests in the order they were made (the nonce is the position).
    pub requests: Vec<ModelRequest>,
}

/// True when `set` is non-empty and holds only bits of `valid`.
fn valid_set(set: u64, valid: u64) -> bool {
    set != 0 && set & valid == set
}

/// True when `value` is exactly one bit of `valid`.
fn one_of(value: u64, valid: u64) -> bool {
    value.count_ones() == 1 && value & valid == value
}

/// True when every bit of `inner` is in `outer`.
fn within(inner: u64, outer: u64) -> bool {
    inner | outer == outer
}

/// Checks a set of categories, purposes and actions, in that order.
fn check_sets(categories_set: u32, purposes_set: u16, actions_set: u8) -> Result<(), Refusal> {
    if !valid_set(categories_set.into(), categories::VALID.into()) {
        return Err(Refusal::InvalidCategories);
    }
    if !valid_set(purposes_set.into(), purposes::VALID.into()) {
        return Err(Refusal::InvalidPurposes);
    }
    if !valid_set(actions_set.into(), actions::VALID.into()) {
        return Err(Refusal::InvalidActions);
    }
    Ok(())
}

/// The terms an approval of request `r` narrowed by `n` states: (categories, purposes,
/// actions, duration).
pub fn narrowed_terms(r: &ModelRequest, n: Narrowing) -> (u32, u16, u8, i64) {
    (
        (r.categories & !n.drop_categories) | n.add_categories,
        r.purposes & !n.drop_purposes,
        r.actions & !n.drop_actions,
        r.duration + n.duration_delta,
    )
}

/// `terms` cut to a delegate's scope, part by part.
pub fn fitted_terms(terms: (u32, u16, u8, i64), d: &ModelDelegate) -> (u32, u16, u8, i64) {
    (terms.0 & d.categories, terms.1 & d.purposes, terms.2 & d.actions, terms.3)
}

/// Checks approval `terms` of request `r` as the program does: valid sets, a valid duration,
/// nothing wider than the request.
fn check_approval(r: &ModelRequest, terms: (u32, u16, u8, i64)) -> Result<(), Refusal> {
    let (categories, purposes, actions, duration) = terms;
    check_sets(categories, purposes, actions)?;
    if duration <= 0 || duration > MAX_REQUEST_SECS {
        return Err(Refusal::InvalidDuration);
    }
    let narrower = within(categories.into(), r.categories.into())
        && within(purposes.into(), r.purposes.into())
        && within(actions.into(), r.actions.into())
        && duration <= r.duration;
    if !narrower {
        return Err(Refusal::ApprovalWidensRequest);
    }
    Ok(())
}

/// A delegate may answer requests at `now`: its mandate runs and includes answering.
fn may_answer(d: &ModelDelegate, now: i64) -> Result<(), Refusal> {
    if now >= d.expires_at {
        return Err(Refusal::DelegateExpired);
    }
    if d.permissions & MAY_ANSWER == 0 {
        return Err(Refusal::DelegateNotPermitted);
    }
    Ok(())
}

/// Turns `Result<(), Refusal>` into an outcome.
fn outcome(result: Result<(), Refusal>) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(refusal) => Outcome::Refused(refusal),
    }
}

impl World {
    /// The starting world at clock `now`: issuers, providers and patients registered; issuer
    /// 0 allows break-glass and issuer 1 does not; every patient allows it; nothing granted.
    pub fn new(now: i64) -> Self {
        let mut issuers = vec![ModelIssuer { active_providers: 0, allows_break_glass: false }; 2];
        issuers[0].allows_break_glass = true;
        for provider in 0..PROVIDERS {
            issuers[issuer_of(provider)].active_providers += 1;
        }
        World {
            now,
            paused: false,
            issuers,
            suspended: vec![false; PROVIDERS],
            patients: vec![
                ModelPatient {
                    consent_grants: 0,
                    denied_without_consent: 0,
                    allows_break_glass: true,
                    delegates_added: 0,
                };
                PATIENTS
            ],
            consents: BTreeMap::new(),
            delegates: BTreeMap::new(),
            windows: BTreeMap::new(),
            requests: Vec::new(),
        }
    }

    /// The request an operation's `request` number names, if any request exists.
    pub fn request_index(&self, request: usize) -> Option<usize> {
        (!self.requests.is_empty()).then(|| request % self.requests.len())
    }

    /// True when the consent of (patient, provider) is active and unexpired.
    fn in_force(&self, patient: usize, provider: usize) -> bool {
        self.consents
            .get(&(patient, provider))
            .is_some_and(|c| !c.revoked && self.now < c.expires_at)
    }

    /// The access rule: what `record_access` decides for one attempt, and the version of the
    /// consent it evaluated (0 without one).
    pub fn decide(
        &self,
        patient: usize,
        provider: usize,
        category: u32,
        purpose: u16,
        action: u8,
    ) -> (Reason, u32) {
        let consent = self.consents.get(&(patient, provider));
        let version = consent.map_or(0, |c| c.version);
        if self.suspended[provider] {
            return (Reason::ProviderNotActive, version);
        }
        let by_consent = match consent {
            None => Reason::NoConsent,
            Some(c) if c.revoked => Reason::ConsentRevoked,
            Some(c) if self.now >= c.expires_at => Reason::ConsentExpired,
            Some(c) if category == 0 || c.categories & category != category => {
                Reason::CategoryNotCovered
            }
            Some(c) if purpose == 0 || c.purposes & purpose != purpose => Reason::PurposeNotCovered,
            Some(c) if action == 0 || c.actions & action != action => Reason::ActionNotCovered,
            Some(_) => Reason::Granted,
        };
        if by_consent == Reason::Granted {
            return (by_consent, version);
        }
        let emergency_read = purpose == purposes::ETREAT && action == actions::READ;
        let window_open = self
            .windows
            .get(&(patient, provider))
            .is_some_and(|w| w.opened_at <= self.now && self.now < w.expires_at);
        if emergency_read && window_open {
            (Reason::EmergencyAccess, version)
        } else {
            (by_consent, version)
        }
    }

    /// What the program must answer to `op`; applies its effects when it succeeds.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        match *op {
            Op::Grant { patient, provider, terms, by } => {
                outcome(self.grant(patient, provider, terms, by, None))
            }
            Op::Update { patient, provider, terms, by } => {
                outcome(self.update(patient, provider, terms, by))
            }
            Op::Revoke { patient, provider, by } => outcome(self.revoke(patient, provider, by)),
            Op::Close { patient, provider, closer } => {
                outcome(self.close(patient, provider, closer))
            }
            Op::Request { provider, patient, terms, duration } => {
                outcome(self.request(provider, patient, terms, duration))
            }
            Op::Approve { request, narrowing, by } => match self.request_index(request) {
                None => Outcome::Skipped,
                Some(index) => outcome(self.approve(index, narrowing, by)),
            },
            Op::Deny { request, by } => match self.request_index(request) {
                None => Outcome::Skipped,
                Some(index) => outcome(self.resolve(index, by, ModelRequestStatus::Denied)),
            },
            Op::Cancel { request, by } => match self.request_index(request) {
                None => Outcome::Skipped,
                Some(index) => outcome(self.resolve(index, by, ModelRequestStatus::Cancelled)),
            },
            Op::AddDelegate { patient, wallet, permissions, scope } => {
                outcome(self.add_delegate(patient, wallet, permissions, scope))
            }
            Op::RemoveDelegate { patient, wallet } => {
                outcome(match self.delegates.remove(&(patient, wallet)) {
                    Some(_) => Ok(()),
                    None => Err(Refusal::NoSuchAccount),
                })
            }
            Op::DelegateGrant { wallet, patient, provider, terms } => {
                outcome(self.delegate_grant(wallet, patient, provider, terms))
            }
            Op::DelegateRevoke { wallet, patient, provider } => {
                outcome(self.delegate_revoke(wallet, patient, provider))
            }
            Op::DelegateApprove { wallet, request, narrowing, fit } => {
                match self.request_index(request) {
                    None => Outcome::Skipped,
                    Some(index) => outcome(self.delegate_approve(wallet, index, narrowing, fit)),
                }
            }
            Op::DelegateDeny { wallet, request } => match self.request_index(request) {
                None => Outcome::Skipped,
                Some(index) => outcome(self.delegate_deny(wallet, index)),
            },
            Op::Suspend { issuer, provider } => outcome(self.set_status(issuer, provider, true)),
            Op::Reinstate { issuer, provider } => outcome(self.set_status(issuer, provider, false)),
            Op::OpenEmergency { provider, patient, duration, reason_code } => {
                outcome(self.open_window(provider, patient, duration, reason_code))
            }
            Op::ReviewEmergency { patient, provider, end_now } => {
                outcome(self.review_window(patient, provider, end_now))
            }
            Op::SetPatientBreakGlass { patient, allows } => {
                self.patients[patient].allows_break_glass = allows;
                Outcome::Done
            }
            Op::SetIssuerBreakGlass { issuer, allows, by } => {
                if by == Signer::Impostor {
                    return Outcome::Refused(Refusal::NotAuthorized);
                }
                self.issuers[issuer].allows_break_glass = allows;
                Outcome::Done
            }
            Op::Pause { by } => outcome(self.set_paused(true, by)),
            Op::Unpause { by } => outcome(self.set_paused(false, by)),
            Op::RecordAccess { provider, patient, category, purpose, action, by } => {
                self.record_access(provider, patient, category, purpose, action, by)
            }
            Op::Advance { secs } => {
                self.now += secs;
                Outcome::Done
            }
        }
    }

    /// Validates consent terms: the sets, then an expiry after now.
    fn check_terms(&self, terms: &TermsSpec) -> Result<i64, Refusal> {
        check_sets(terms.categories, terms.purposes, terms.actions)?;
        if terms.expires_in <= 0 {
            return Err(Refusal::ExpiryInPast);
        }
        Ok(self.now + terms.expires_in)
    }

    /// Writes a grant (create, re-grant or replace) by `grantor`.
    fn write_grant(
        &mut self,
        patient: usize,
        provider: usize,
        terms: (u32, u16, u8, i64),
        grantor: u16,
    ) {
        let now = self.now;
        let consent = self.consents.entry((patient, provider)).or_insert(ModelConsent {
            categories: 0,
            purposes: 0,
            actions: 0,
            revoked: true,
            grantor: 0,
            version: 0,
            granted_at: 0,
            expires_at: 0,
            revoked_at: 0,
            granted_count: 0,
            denied_count: 0,
        });
        (consent.categories, consent.purposes, consent.actions, consent.expires_at) = terms;
        consent.revoked = false;
        consent.grantor = grantor;
        consent.version += 1;
        consent.granted_at = now;
        self.patients[patient].consent_grants += 1;
    }

    /// `grant_consent` (or, with `delegate`, `delegate_grant_consent` after the delegate's
    /// own checks).
    fn grant(
        &mut self,
        patient: usize,
        provider: usize,
        terms: TermsSpec,
        by: Signer,
        delegate: Option<u16>,
    ) -> Result<(), Refusal> {
        if by == Signer::Impostor {
            return Err(Refusal::NotAuthorized);
        }
        if self.paused {
            return Err(Refusal::RegistryPaused);
        }
        self.grant_checked(patient, provider, terms, delegate)
    }

    /// The part of a grant after the pause and the grantor's checks.
    fn grant_checked(
        &mut self,
        patient: usize,
        provider: usize,
        terms: TermsSpec,
        delegate: Option<u16>,
    ) -> Result<(), Refusal> {
        if self.suspended[provider] {
            return Err(Refusal::ProviderNotActive);
        }
        let expires_at = self.check_terms(&terms)?;
        if self.in_force(patient, provider) {
            return Err(Refusal::ConsentAlreadyActive);
        }
        let terms = (terms.categories, terms.purposes, terms.actions, expires_at);
        self.write_grant(patient, provider, terms, delegate.unwrap_or(0));
        Ok(())
    }

    /// `update_consent`.
    fn update(
        &mut self,
        patient: usize,
        provider: usize,
        terms: TermsSpec,
        by: Signer,
    ) -> Result<(), Refusal> {
        let Some(consent) = self.consents.get(&(patient, provider)) else {
            return Err(Refusal::NoSuchAccount);
        };
        if by == Signer::Impostor {
            return Err(Refusal::NotAuthorized);
        }
        if self.paused {
            return Err(Refusal::RegistryPaused);
        }
        if consent.revoked {
            return Err(Refusal::ConsentNotActive);
        }
        let expires_at = self.check_terms(&terms)?;
        let terms = (terms.categories, terms.purposes, terms.actions, expires_at);
        self.write_grant(patient, provider, terms, 0);
        Ok(())
    }

    /// `revoke_consent` (by the patient).
    fn revoke(&mut self, patient: usize, provider: usize, by: Signer) -> Result<(), Refusal> {
        if !self.consents.contains_key(&(patient, provider)) {
            return Err(Refusal::NoSuchAccount);
        }
        if by == Signer::Impostor {
            return Err(Refusal::NotAuthorized);
        }
        self.revoke_checked(patient, provider)
    }

    /// Revokes an existing consent that is not already revoked.
    fn revoke_checked(&mut self, patient: usize, provider: usize) -> Result<(), Refusal> {
        let now = self.now;
        let consent = self.consents.get_mut(&(patient, provider)).ok_or(Refusal::NoSuchAccount)?;
        if consent.revoked {
            return Err(Refusal::ConsentNotActive);
        }
        consent.revoked = true;
        consent.revoked_at = now;
        Ok(())
    }

    /// `close_consent`.
    fn close(&mut self, patient: usize, provider: usize, closer: Closer) -> Result<(), Refusal> {
        if !self.consents.contains_key(&(patient, provider)) {
            return Err(Refusal::NoSuchAccount);
        }
        if closer == Closer::Outsider {
            return Err(Refusal::UnauthorizedCloser);
        }
        if self.in_force(patient, provider) {
            return Err(Refusal::ConsentStillActive);
        }
        self.consents.remove(&(patient, provider));
        Ok(())
    }

    /// `request_access`.
    fn request(
        &mut self,
        provider: usize,
        patient: usize,
        terms: TermsSpec,
        duration: i64,
    ) -> Result<(), Refusal> {
        if self.paused {
            return Err(Refusal::RegistryPaused);
        }
        if self.suspended[provider] {
            return Err(Refusal::ProviderNotActive);
        }
        check_sets(terms.categories, terms.purposes, terms.actions)?;
        if duration <= 0 || duration > MAX_REQUEST_SECS {
            return Err(Refusal::InvalidDuration);
        }
        self.requests.push(ModelRequest {
            patient,
            provider,
            categories: terms.categories,
            purposes: terms.purposes,
            actions: terms.actions,
            duration,
            status: ModelRequestStatus::Pending,
            resolved_at: 0,
        });
        Ok(())
    }

    /// `approve_request`: grants the (narrowed) terms, replacing any consent.
    fn approve(&mut self, index: usize, n: Narrowing, by: Signer) -> Result<(), Refusal> {
        if by == Signer::Impostor {
            return Err(Refusal::NotAuthorized);
        }
        if self.paused {
            return Err(Refusal::RegistryPaused);
        }
        let r = self.requests[index];
        if r.status != ModelRequestStatus::Pending {
            return Err(Refusal::RequestNotPending);
        }
        if self.suspended[r.provider] {
            return Err(Refusal::ProviderNotActive);
        }
        let (categories, purposes, actions, duration) = narrowed_terms(&r, n);
        check_approval(&r, (categories, purposes, actions, duration))?;
        let terms = (categories, purposes, actions, self.now + duration);
        self.write_grant(r.patient, r.provider, terms, 0);
        self.requests[index].status = ModelRequestStatus::Approved;
        self.requests[index].resolved_at = self.now;
        Ok(())
    }

    /// The mandate `wallet` holds for the patient of request `index`, checked as a delegate
    /// must be to answer: it exists, runs, and includes answering.
    fn answering_delegate(&self, wallet: usize, index: usize) -> Result<ModelDelegate, Refusal> {
        let r = self.requests[index];
        self.delegates.get(&(r.patient, wallet)).copied().ok_or(Refusal::NoSuchAccount)
    }

    /// `delegate_approve_request`: as `approve_request`, by a delegate allowed to answer; the
    /// approval must lie within the delegate's scope, and lasts at most until its mandate
    /// ends; the consent names the delegate as grantor.
    fn delegate_approve(
        &mut self,
        wallet: usize,
        index: usize,
        n: Narrowing,
        fit: bool,
    ) -> Result<(), Refusal> {
        let d = self.answering_delegate(wallet, index)?;
        if self.paused {
            return Err(Refusal::RegistryPaused);
        }
        may_answer(&d, self.now)?;
        let r = self.requests[index];
        if r.status != ModelRequestStatus::Pending {
            return Err(Refusal::RequestNotPending);
        }
        if self.suspended[r.provider] {
            return Err(Refusal::ProviderNotActive);
        }
        let mut terms = narrowed_terms(&r, n);
        if fit {
            terms = fitted_terms(terms, &d);
        }
        check_approval(&r, terms)?;
        let (categories, purposes, actions, duration) = terms;
        let inside = within(categories.into(), d.categories.into())
            && within(purposes.into(), d.purposes.into())
            && within(actions.into(), d.actions.into());
        if !inside {
            return Err(Refusal::DelegateScopeExceeded);
        }
        let expires_at = (self.now + duration).min(d.expires_at);
        self.write_grant(
            r.patient,
            r.provider,
            (categories, purposes, actions, expires_at),
            d.index,
        );
        self.requests[index].status = ModelRequestStatus::Approved;
        self.requests[index].resolved_at = self.now;
        Ok(())
    }

    /// `delegate_deny_request`: as `deny_request`, by a delegate allowed to answer (whatever
    /// its scope, and while paused too).
    fn delegate_deny(&mut self, wallet: usize, index: usize) -> Result<(), Refusal> {
        let d = self.answering_delegate(wallet, index)?;
        may_answer(&d, self.now)?;
        self.resolve(index, Signer::Rightful, ModelRequestStatus::Denied)
    }

    /// `deny_request` (by the patient) or `cancel_request` (by the provider).
    fn resolve(
        &mut self,
        index: usize,
        by: Signer,
        status: ModelRequestStatus,
    ) -> Result<(), Refusal> {
        if by == Signer::Impostor {
            return Err(Refusal::NotAuthorized);
        }
        let now = self.now;
        let request = &mut self.requests[index];
        if request.status != ModelRequestStatus::Pending {
            return Err(Refusal::RequestNotPending);
        }
        request.status = status;
        request.resolved_at = now;
        Ok(())
    }

    /// `add_delegate`.
    fn add_delegate(
        &mut self,
        patient: usize,
        wallet: usize,
        permissions: u8,
        scope: TermsSpec,
    ) -> Result<(), Refusal> {
        if !valid_set(permissions.into(), (MAY_GRANT | MAY_REVOKE | MAY_ANSWER).into()) {
            return Err(Refusal::InvalidDelegatePermissions);
        }
        let expires_at = self.check_terms(&scope)?;
        if self.delegates.contains_key(&(patient, wallet)) {
            return Err(Refusal::AccountAlreadyExists);
        }
        let p = &mut self.patients[patient];
        p.delegates_added += 1;
        self.delegates.insert(
            (patient, wallet),
            ModelDelegate {
                index: p.delegates_added,
                permissions,
                categories: scope.categories,
                purposes: scope.purposes,
                actions: scope.actions,
                expires_at,
            },
        );
        Ok(())
    }

    /// `delegate_grant_consent`.
    fn delegate_grant(
        &mut self,
        wallet: usize,
        patient: usize,
        provider: usize,
        terms: TermsSpec,
    ) -> Result<(), Refusal> {
        let Some(d) = self.delegates.get(&(patient, wallet)).copied() else {
            return Err(Refusal::NoSuchAccount);
        };
        if self.paused {
            return Err(Refusal::RegistryPaused);
        }
        if self.now >= d.expires_at {
            return Err(Refusal::DelegateExpired);
        }
        if d.permissions & MAY_GRANT == 0 {
            return Err(Refusal::DelegateNotPermitted);
        }
        let inside = within(terms.categories.into(), d.categories.into())
            && within(terms.purposes.into(), d.purposes.into())
            && within(terms.actions.into(), d.actions.into())
            && self.now + terms.expires_in <= d.expires_at;
        if !inside {
            return Err(Refusal::DelegateScopeExceeded);
        }
        self.grant_checked(patient, provider, terms, Some(d.index))
    }

    /// `delegate_revoke_consent`.
    fn delegate_revoke(
        &mut self,
        wallet: usize,
        patient: usize,
        provider: usize,
    ) -> Result<(), Refusal> {
        let Some(d) = self.delegates.get(&(patient, wallet)).copied() else {
            return Err(Refusal::NoSuchAccount);
        };
        if !self.consents.contains_key(&(patient, provider)) {
            return Err(Refusal::NoSuchAccount);
        }
        if self.now >= d.expires_at {
            return Err(Refusal::DelegateExpired);
        }
        if d.permissions & MAY_REVOKE == 0 {
            return Err(Refusal::DelegateNotPermitted);
        }
        self.revoke_checked(patient, provider)
    }

    /// `suspend_provider` / `reinstate_provider`.
    fn set_status(&mut self, issuer: usize, provider: usize, suspend: bool) -> Result<(), Refusal> {
        if issuer_of(provider) != issuer {
            return Err(Refusal::NotAuthorized);
        }
        match (suspend, self.suspended[provider]) {
            (true, true) => return Err(Refusal::ProviderAlreadySuspended),
            (false, false) => return Err(Refusal::ProviderNotSuspended),
            (true, false) => self.issuers[issuer].active_providers -= 1,
            (false, true) => self.issuers[issuer].active_providers += 1,
        }
        self.suspended[provider] = suspend;
        Ok(())
    }

    /// `open_emergency_access`.
    fn open_window(
        &mut self,
        provider: usize,
        patient: usize,
        duration: i64,
        reason_code: u8,
    ) -> Result<(), Refusal> {
        if self.suspended[provider] {
            return Err(Refusal::ProviderNotActive);
        }
        if !self.issuers[issuer_of(provider)].allows_break_glass {
            return Err(Refusal::BreakGlassNotAllowedByIssuer);
        }
        if !self.patients[patient].allows_break_glass {
            return Err(Refusal::BreakGlassNotAllowedByPatient);
        }
        if duration <= 0 || duration > MAX_WINDOW_SECS {
            return Err(Refusal::InvalidEmergencyWindow);
        }
        let now = self.now;
        let window = self.windows.entry((patient, provider)).or_insert(ModelWindow {
            opened_at: 0,
            expires_at: 0,
            reviewed: false,
            reviewed_at: 0,
            access_count: 0,
            times_opened: 0,
            reason_code,
        });
        if window.opened_at <= now && now < window.expires_at {
            return Err(Refusal::EmergencyAccessAlreadyOpen);
        }
        *window = ModelWindow {
            opened_at: now,
            expires_at: now + duration,
            reviewed: false,
            reviewed_at: 0,
            access_count: 0,
            times_opened: window.times_opened + 1,
            reason_code,
        };
        Ok(())
    }

    /// `review_emergency_access`.
    fn review_window(
        &mut self,
        patient: usize,
        provider: usize,
        end_now: bool,
    ) -> Result<(), Refusal> {
        let now = self.now;
        let window = self.windows.get_mut(&(patient, provider)).ok_or(Refusal::NoSuchAccount)?;
        window.reviewed = true;
        window.reviewed_at = now;
        if end_now && window.opened_at <= now && now < window.expires_at {
            window.expires_at = now;
        }
        Ok(())
    }

    /// `pause` / `unpause`.
    fn set_paused(&mut self, paused: bool, by: Signer) -> Result<(), Refusal> {
        if by == Signer::Impostor {
            return Err(Refusal::NotAuthorized);
        }
        match (paused, self.paused) {
            (true, true) => Err(Refusal::AlreadyPaused),
            (false, false) => Err(Refusal::NotPaused),
            _ => {
                self.paused = paused;
                Ok(())
            }
        }
    }

    /// `record_access`: validates the attempt, decides, and counts the attempt.
    fn record_access(
        &mut self,
        provider: usize,
        patient: usize,
        category: u32,
        purpose: u16,
        action: u8,
        by: Signer,
    ) -> Outcome {
        if by == Signer::Impostor {
            return Outcome::Refused(Refusal::NotAuthorized);
        }
        if !one_of(category.into(), categories::VALID.into()) {
            return Outcome::Refused(Refusal::InvalidCategory);
        }
        if !one_of(purpose.into(), purposes::VALID.into()) {
            return Outcome::Refused(Refusal::InvalidPurpose);
        }
        if !one_of(action.into(), actions::VALID.into()) {
            return Outcome::Refused(Refusal::InvalidAction);
        }
        let (reason, version) = self.decide(patient, provider, category, purpose, action);
        match self.consents.get_mut(&(patient, provider)) {
            Some(c) if reason.allows() => c.granted_count += 1,
            Some(c) => c.denied_count += 1,
            None => self.patients[patient].denied_without_consent += 1,
        }
        if reason == Reason::EmergencyAccess {
            if let Some(w) = self.windows.get_mut(&(patient, provider)) {
                w.access_count += 1;
            }
        }
        Outcome::Decided(reason, version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medchain::vocabulary::{actions::*, categories::*, purposes::*};

    const DAY: i64 = 86_400;

    fn terms(expires_in: i64) -> TermsSpec {
        TermsSpec { categories: IMAGING, purposes: TREAT, actions: READ, expires_in }
    }

    #[test]
    fn a_grant_permits_until_expiry_then_a_revoke_ends_it() {
        let mut w = World::new(1_000);
        let grant = Op::Grant { patient: 0, provider: 1, terms: terms(DAY), by: Signer::Rightful };
        assert_eq!(w.apply(&grant), Outcome::Done);
        assert_eq!(w.decide(0, 1, IMAGING, TREAT, READ), (Reason::Granted, 1));
        assert_eq!(w.decide(0, 1, GENETICS, TREAT, READ), (Reason::CategoryNotCovered, 1));
        assert_eq!(w.decide(1, 1, IMAGING, TREAT, READ), (Reason::NoConsent, 0));
        assert_eq!(w.apply(&grant), Outcome::Refused(Refusal::ConsentAlreadyActive));
        w.apply(&Op::Advance { secs: DAY });
        assert_eq!(w.decide(0, 1, IMAGING, TREAT, READ), (Reason::ConsentExpired, 1));
        assert_eq!(w.apply(&grant), Outcome::Done, "an expired consent may be re-granted");
        assert_eq!(w.consents[&(0, 1)].version, 2);
        let revoke = Op::Revoke { patient: 0, provider: 1, by: Signer::Rightful };
        assert_eq!(w.apply(&revoke), Outcome::Done);
        assert_eq!(w.decide(0, 1, IMAGING, TREAT, READ), (Reason::ConsentRevoked, 2));
        assert_eq!(w.apply(&revoke), Outcome::Refused(Refusal::ConsentNotActive));
    }

    #[test]
    fn impostors_and_pauses_change_nothing() {
        let mut w = World::new(0);
        let before = w.clone();
        let grant = Op::Grant { patient: 0, provider: 0, terms: terms(DAY), by: Signer::Impostor };
        assert_eq!(w.apply(&grant), Outcome::Refused(Refusal::NotAuthorized));
        assert_eq!(
            w.apply(&Op::Pause { by: Signer::Impostor }),
            Outcome::Refused(Refusal::NotAuthorized)
        );
        assert_eq!(w, before);
        assert_eq!(w.apply(&Op::Pause { by: Signer::Rightful }), Outcome::Done);
        let grant = Op::Grant { patient: 0, provider: 0, terms: terms(DAY), by: Signer::Rightful };
        assert_eq!(w.apply(&grant), Outcome::Refused(Refusal::RegistryPaused));
    }

    #[test]
    fn a_window_allows_emergency_reads_only_and_suspension_overrides_all() {
        let mut w = World::new(0);
        let open = Op::OpenEmergency { provider: 0, patient: 1, duration: 3_600, reason_code: 1 };
        assert_eq!(w.apply(&open), Outcome::Done);
        assert_eq!(w.apply(&open), Outcome::Refused(Refusal::EmergencyAccessAlreadyOpen));
        assert_eq!(w.decide(1, 0, MENTAL_HEALTH, ETREAT, READ), (Reason::EmergencyAccess, 0));
        assert_eq!(w.decide(1, 0, MENTAL_HEALTH, TREAT, READ), (Reason::NoConsent, 0));
        assert_eq!(w.decide(1, 0, MENTAL_HEALTH, ETREAT, WRITE), (Reason::NoConsent, 0));
        let other_issuer =
            Op::OpenEmergency { provider: 2, patient: 1, duration: 60, reason_code: 1 };
        assert_eq!(w.apply(&other_issuer), Outcome::Refused(Refusal::BreakGlassNotAllowedByIssuer));
        assert_eq!(
            w.apply(&Op::Suspend { issuer: 1, provider: 0 }),
            Outcome::Refused(Refusal::NotAuthorized)
        );
        assert_eq!(w.apply(&Op::Suspend { issuer: 0, provider: 0 }), Outcome::Done);
        assert_eq!(w.issuers[0].active_providers, 1);
        assert_eq!(w.decide(1, 0, MENTAL_HEALTH, ETREAT, READ), (Reason::ProviderNotActive, 0));
    }

    #[test]
    fn a_delegate_grants_within_its_scope_only() {
        let mut w = World::new(0);
        let scope = TermsSpec { categories: IMAGING | OBSERVATIONS, ..terms(7 * DAY) };
        let add = Op::AddDelegate { patient: 0, wallet: 1, permissions: MAY_GRANT, scope };
        assert_eq!(w.apply(&add), Outcome::Done);
        assert_eq!(w.apply(&add), Outcome::Refused(Refusal::AccountAlreadyExists));
        let wide = TermsSpec { categories: GENETICS, ..terms(DAY) };
        let grant = |terms| Op::DelegateGrant { wallet: 1, patient: 0, provider: 2, terms };
        assert_eq!(w.apply(&grant(wide)), Outcome::Refused(Refusal::DelegateScopeExceeded));
        assert_eq!(
            w.apply(&grant(terms(8 * DAY))),
            Outcome::Refused(Refusal::DelegateScopeExceeded)
        );
        assert_eq!(w.apply(&grant(terms(DAY))), Outcome::Done);
        assert_eq!(w.consents[&(0, 2)].grantor, 1);
        let revoke = Op::DelegateRevoke { wallet: 1, patient: 0, provider: 2 };
        assert_eq!(w.apply(&revoke), Outcome::Refused(Refusal::DelegateNotPermitted));
        let stranger = Op::DelegateGrant { wallet: 0, patient: 0, provider: 2, terms: terms(DAY) };
        assert_eq!(w.apply(&stranger), Outcome::Refused(Refusal::NoSuchAccount));
    }

    #[test]
    fn approvals_may_narrow_but_never_widen() {
        let mut w = World::new(0);
        let asked = TermsSpec {
            categories: IMAGING | OBSERVATIONS,
            purposes: TREAT,
            actions: READ | WRITE,
            expires_in: 0,
        };
        let request = Op::Request { provider: 0, patient: 0, terms: asked, duration: DAY };
        assert_eq!(w.apply(&request), Outcome::Done);
        let keep = Narrowing {
            drop_categories: 0,
            add_categories: 0,
            drop_purposes: 0,
            drop_actions: 0,
            duration_delta: 0,
        };
        let wider = Narrowing { add_categories: GENETICS, ..keep };
        let approve = |narrowing| Op::Approve { request: 0, narrowing, by: Signer::Rightful };
        assert_eq!(w.apply(&approve(wider)), Outcome::Refused(Refusal::ApprovalWidensRequest));
        let longer = Narrowing { duration_delta: 1, ..keep };
        assert_eq!(w.apply(&approve(longer)), Outcome::Refused(Refusal::ApprovalWidensRequest));
        let narrower = Narrowing { drop_actions: WRITE, duration_delta: -60, ..keep };
        assert_eq!(w.apply(&approve(narrower)), Outcome::Done);
        assert_eq!(w.consents[&(0, 0)].actions, READ);
        assert_eq!(w.consents[&(0, 0)].expires_at, DAY - 60);
        assert_eq!(w.apply(&approve(keep)), Outcome::Refused(Refusal::RequestNotPending));
    }
}
