//! Consent decisions for health IT: the question "may this actor see this patient's data of
//! these classes, for this purpose?" answered from on-chain consent, as the HL7/ONC LEAP
//! Consent Decision Service answers it — through CDS Hooks (`patient-consent-consult`) and
//! the XACML JSON Profile ([`response`]), with FHIR content mode ([`content`]).
//!
//! * [`request`] reads both request shapes into one [`ConsultRequest`];
//! * [`ConsultTerms`] turns the request's codes into medchain's vocabulary (the one table,
//!   through [`crate::fhir::vocab`]);
//! * [`decide`] is the decision for one actor, made by the program's own rule
//!   ([`evaluate_access`]) for every category asked for, break-glass windows included;
//! * [`DecisionService`] resolves identifiers ([`crate::identity`]), reads the chain and,
//!   when it holds the provider's key, records the consult as `record_access` transactions
//!   so that a denied consult lands in the patient's audit trail like any other attempt.
//!
//! docs/INTEROP.md has the mapping tables and what differs from LEAP-CDS.

pub mod content;
pub mod request;
pub mod response;

use crate::client::Medchain;
use crate::error::SdkError;
use crate::fhir::vocab::{self, Code, RESOURCE_TYPES_SYSTEM};
use crate::identity::{IdentifierMap, Role};
use crate::vocabulary::{actions, categories, terms_in, CATEGORIES, PURPOSES};
use crate::{pda, Backend};
use anchor_lang::prelude::Pubkey;
use medchain::instructions::RecordAccessArgs;
use medchain::state::{evaluate_access, AccessReason, Consent, EmergencyAccess, Provider};
use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};
use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;

pub use request::{Coding, ConsultRequest, RequestError, HOOK};

/// The three answers of a consent decision service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// A consent permits the request (possibly with obligations).
    Permit,
    /// A consent exists and does not permit it (revoked, expired, not covered, provider
    /// suspended).
    Deny,
    /// No applicable consent: nobody known, or no consent between them.
    NoConsent,
}

impl Decision {
    /// The CDS Hooks card's `summary` and `extension.decision`.
    pub fn cds_code(self) -> &'static str {
        match self {
            Decision::Permit => "CONSENT_PERMIT",
            Decision::Deny => "CONSENT_DENY",
            Decision::NoConsent => "NO_CONSENT",
        }
    }

    /// The XACML `Decision`.
    pub fn xacml(self) -> &'static str {
        match self {
            Decision::Permit => "Permit",
            Decision::Deny => "Deny",
            Decision::NoConsent => "NotApplicable",
        }
    }

    /// The CDS Hooks card's `indicator`.
    pub fn indicator(self) -> &'static str {
        match self {
            Decision::Permit => "info",
            Decision::Deny => "critical",
            Decision::NoConsent => "warning",
        }
    }
}

/// A `REDACT` obligation (HL7 v3 ObligationPolicy) on a permit, as LEAP-CDS writes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redact {
    /// Redact every resource associated with any of these codes (withheld sensitive
    /// categories, as their security labels).
    pub codes: Vec<Coding>,
    /// Redact every resource *not* associated with any of these codes (the classes asked
    /// for that the consent covers, when it covers only some).
    pub except_any_of_codes: Vec<Coding>,
}

/// One class asked for, with the categories it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedClass {
    /// The code as the request gave it.
    pub coding: Coding,
    /// The medchain categories it names (a resource type may be in two).
    pub categories: u32,
}

/// A request's codes in medchain's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultTerms {
    /// The classes asked for that name medchain data, in request order.
    pub classes: Vec<RequestedClass>,
    /// The codes of classes that name nothing medchain governs (ignored).
    pub unknown_classes: Vec<Coding>,
    /// The purposes tried, in order (one bit each).
    pub purposes: Vec<u16>,
    /// The purpose codes that medchain does not know (ignored).
    pub unknown_purposes: Vec<String>,
    /// Whether the request named its purposes (else every purpose but emergency treatment
    /// is tried: break-glass is never implied).
    pub purposes_given: bool,
    /// Whether `category[]` names a kind of consent medchain holds (privacy consent).
    pub category_applies: bool,
}

/// `Consent.scope` / `category` codes of the consents medchain holds (privacy consents).
const CONSENT_KINDS: [(&str, &str); 2] = [
    ("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
    ("http://loinc.org", "59284-0"),
];

impl ConsultTerms {
    /// Maps a request's classes and purposes onto the vocabulary. Without `class[]`, the
    /// classes are those of the content Bundle (its resource types and security labels),
    /// or else every class medchain governs.
    ///
    /// # Errors
    ///
    /// A [`RequestError`] when no purpose or no class names anything medchain knows (such a
    /// request cannot be evaluated, let alone recorded).
    pub fn from_request(request: &ConsultRequest) -> Result<Self, RequestError> {
        let listed: Vec<Coding> = if !request.classes.is_empty() {
            request.classes.clone()
        } else if let Some(bundle) = &request.content {
            content::classes_of(bundle)
        } else {
            every_class()
        };
        let mut classes = Vec::new();
        let mut unknown_classes = Vec::new();
        for coding in listed {
            match vocab::categories_of_code(&coding.system, &coding.code) {
                0 => unknown_classes.push(coding),
                set => classes.push(RequestedClass { coding, categories: set }),
            }
        }
        if classes.is_empty() {
            return Err(RequestError {
                path: "context.class".into(),
                reason: "no class names data medchain governs (FHIR resource types, HL7 \
                         sensitivity labels or medchain category codes; docs/INTEROP.md)"
                    .into(),
            });
        }
        let (purposes, unknown_purposes, purposes_given) = match &request.purposes {
            None => (
                terms_in(&PURPOSES, medchain::vocabulary::purposes::VALID)
                    .map(|t| t.bit)
                    .filter(|bit| *bit != medchain::vocabulary::purposes::ETREAT)
                    .collect(),
                Vec::new(),
                false,
            ),
            Some(codes) => {
                let mut known = Vec::new();
                let mut unknown = Vec::new();
                for code in codes {
                    match PURPOSES.iter().find(|t| t.fhir.code == code.as_str()) {
                        Some(t) if !known.contains(&t.bit) => known.push(t.bit),
                        Some(_) => {}
                        None => unknown.push(code.clone()),
                    }
                }
                (known, unknown, true)
            }
        };
        if purposes.is_empty() {
            let codes: Vec<&str> = PURPOSES.iter().map(|t| t.name).collect();
            return Err(RequestError {
                path: "context.purposeOfUse".into(),
                reason: format!(
                    "no purpose medchain can evaluate (PurposeOfUse codes: {})",
                    codes.join(", ")
                ),
            });
        }
        let category_applies = request.categories.is_empty()
            || request.categories.iter().any(|c| {
                CONSENT_KINDS.iter().any(|(system, code)| c.system == *system && c.code == *code)
            });
        Ok(Self {
            classes,
            unknown_classes,
            purposes,
            unknown_purposes,
            purposes_given,
            category_applies,
        })
    }

    /// Every category the classes name.
    pub fn categories(&self) -> u32 {
        self.classes.iter().fold(0, |set, c| set | c.categories)
    }
}

/// Every class medchain governs: the resource types of the standard categories and the
/// security labels of the sensitive ones.
fn every_class() -> Vec<Coding> {
    let types = vocab::resource_types(categories::ALL_STANDARD)
        .into_iter()
        .map(|t| Coding::new(RESOURCE_TYPES_SYSTEM, t));
    let labels = vocab::sensitivity_labels(categories::SENSITIVE)
        .into_iter()
        .map(|c: Code| Coding::new(c.system, c.code));
    types.chain(labels).collect()
}

/// The decision for one actor (a registered provider, or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The answer.
    pub decision: Decision,
    /// The access reason behind it: the permitting reason, or the first refusal.
    pub reason: AccessReason,
    /// The categories the provider may read now, for the purposes asked (none unless the
    /// decision is a permit).
    pub permitted: u32,
    /// For each requested class (in order), whether it is permitted.
    pub classes_permitted: Vec<bool>,
    /// The `REDACT` obligation, when the permit is partial or sensitive data is withheld.
    pub redact: Option<Redact>,
    /// The attempts that decided each requested class, as `record_access` would record
    /// them (one per distinct category and purpose).
    pub attempts: Vec<RecordAccessArgs>,
}

/// How one category fares over the purposes tried: the first permitting purpose, else the
/// first purpose with its refusal.
fn category_outcome(
    provider: Option<&Provider>,
    consent: Option<&Consent>,
    emergency: Option<&EmergencyAccess>,
    category: u32,
    purposes: &[u16],
    now: i64,
) -> (u16, AccessReason) {
    let mut first = None;
    for &purpose in purposes {
        let reason = match provider {
            Some(p) => {
                evaluate_access(p, consent, emergency, category, purpose, actions::READ, now)
            }
            None => AccessReason::NoConsent,
        };
        if reason.is_allowed() {
            return (purpose, reason);
        }
        first.get_or_insert((purpose, reason));
    }
    first.unwrap_or((0, AccessReason::NoConsent))
}

/// The decision for one actor by the program's rule: each category the request names is
/// evaluated (`read`) for the purposes tried; a class is permitted when one of its
/// categories is. All permitted: `Permit`; some: `Permit` with `REDACT exceptAnyOfCodes`
/// (the permitted classes); none: `Deny`, or `NoConsent` when there is no consent at all.
/// A permit that releases data while some sensitive category is withheld also carries
/// `REDACT codes` with the withheld categories' security labels (sensitive data lives in
/// the same resource types and is never implied). `provider` is `None` for an actor that
/// is not a registered provider.
pub fn decide(
    terms: &ConsultTerms,
    provider: Option<&Provider>,
    consent: Option<&Consent>,
    emergency: Option<&EmergencyAccess>,
    now: i64,
) -> Verdict {
    let mut outcomes: BTreeMap<u32, (u16, AccessReason)> = BTreeMap::new();
    let mut outcome = |category: u32| {
        *outcomes.entry(category).or_insert_with(|| {
            category_outcome(provider, consent, emergency, category, &terms.purposes, now)
        })
    };
    let mut classes_permitted = Vec::with_capacity(terms.classes.len());
    let mut attempts: Vec<RecordAccessArgs> = Vec::new();
    let mut first_refusal = None;
    let mut permit_reason = None;
    for class in &terms.classes {
        let members: Vec<u32> = terms_in(&CATEGORIES, class.categories).map(|t| t.bit).collect();
        let results: Vec<(u32, u16, AccessReason)> =
            members.iter().map(|&c| (c, outcome(c).0, outcome(c).1)).collect();
        let deciding =
            results.iter().find(|(_, _, r)| r.is_allowed()).or_else(|| results.first()).copied();
        let Some((category, purpose, reason)) = deciding else { continue };
        classes_permitted.push(reason.is_allowed());
        if reason.is_allowed() {
            if permit_reason != Some(AccessReason::EmergencyAccess) {
                permit_reason = Some(reason);
            }
        } else if first_refusal.is_none() || first_refusal == Some(AccessReason::NoConsent) {
            first_refusal = Some(reason);
        }
        if purpose != 0 {
            let args = RecordAccessArgs { category, purpose, action: actions::READ };
            if !attempts.contains(&args) {
                attempts.push(args);
            }
        }
    }
    let permitted = CATEGORIES
        .iter()
        .map(|t| t.bit)
        .filter(|&c| outcome(c).1.is_allowed())
        .fold(0, |set, c| set | c);
    let (decision, reason) = match permit_reason {
        Some(reason) => (Decision::Permit, reason),
        None => match first_refusal.unwrap_or(AccessReason::NoConsent) {
            AccessReason::NoConsent => (Decision::NoConsent, AccessReason::NoConsent),
            reason => (Decision::Deny, reason),
        },
    };
    let permitted = if decision == Decision::Permit { permitted } else { 0 };
    let redact = (decision == Decision::Permit)
        .then(|| {
            let withheld = categories::SENSITIVE & !permitted;
            let partial = classes_permitted.iter().any(|p| !p);
            Redact {
                codes: vocab::sensitivity_labels(withheld)
                    .into_iter()
                    .map(|c| Coding::new(c.system, c.code))
                    .collect(),
                except_any_of_codes: if partial {
                    terms
                        .classes
                        .iter()
                        .zip(&classes_permitted)
                        .filter(|(_, p)| **p)
                        .map(|(c, _)| c.coding.clone())
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .filter(|r| !r.codes.is_empty() || !r.except_any_of_codes.is_empty());
    Verdict { decision, reason, permitted, classes_permitted, redact, attempts }
}

/// Whether and how a consult was recorded on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// The service only reads (it was started without recording).
    ReadOnly,
    /// Recording is on, but the service holds no key of this provider.
    NoKey,
    /// Nothing could be recorded (nobody resolved, or the patient is not registered).
    NothingToRecord,
    /// Recorded: one `record_access` transaction per attempt.
    Recorded(Vec<RecordedAttempt>),
}

/// One consult attempt recorded on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAttempt {
    /// What was recorded.
    pub args: RecordAccessArgs,
    /// The transaction signature (base58).
    pub signature: String,
    /// The program's decision.
    pub allowed: bool,
    /// Its reason.
    pub reason: AccessReason,
}

/// The answer to one consult, with everything the responses show.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsultOutcome {
    /// The decision and what it rests on.
    pub verdict: Verdict,
    /// The patient wallet the identifiers named, if any.
    pub patient: Option<Pubkey>,
    /// The provider wallet the decision is about, if any actor resolved to one.
    pub provider: Option<Pubkey>,
    /// The consent account and version the decision rests on, if there is one.
    pub consent: Option<(Pubkey, u32)>,
    /// The break-glass window that permitted the read, if one did.
    pub emergency: Option<Pubkey>,
    /// Why nobody resolved (for `NO_CONSENT` without a provider).
    pub unresolved: Option<&'static str>,
    /// The request's codes as understood.
    pub terms: ConsultTerms,
    /// On-chain recording of the consult.
    pub recording: Recording,
    /// FHIR content mode: the Bundle with every resource the consent does not permit
    /// removed, and how many were removed.
    pub content: Option<(Value, usize)>,
}

/// Errors of the decision service other than a malformed request.
#[derive(Debug, Error)]
pub enum DecisionError {
    /// The request is malformed or cannot be evaluated (HTTP 400).
    #[error("bad request: {0}")]
    Request(#[from] RequestError),
    /// Reading or writing the chain failed.
    #[error(transparent)]
    Chain(#[from] SdkError),
}

/// How the service is set up.
pub struct DecisionConfig {
    /// CAIP-2 id of the chain (for CAIP-10 identifiers).
    pub chain_id: String,
    /// The clinic's identifier map.
    pub identifiers: Arc<IdentifierMap>,
    /// Base URL of the FHIR API whose `Consent/{address}` the cards' `basedOn` names.
    pub fhir_base: String,
    /// Record consults (`record_access`) for the providers whose keys are given.
    pub record: bool,
    /// The providers' keypairs (their wallets sign `record_access`).
    pub provider_keys: Vec<Keypair>,
}

/// The consent decision service over a chain.
pub struct DecisionService<B: Backend> {
    chain: Arc<Medchain<B>>,
    config: DecisionConfig,
    keys: BTreeMap<Pubkey, usize>,
}

/// What was read for one provider.
struct Candidate {
    provider: Pubkey,
    verdict: Verdict,
    consent: Option<(Pubkey, u32)>,
    emergency: Option<Pubkey>,
}

impl<B: Backend> DecisionService<B> {
    /// A service over `chain`.
    pub fn new(chain: Arc<Medchain<B>>, config: DecisionConfig) -> Self {
        let keys = config.provider_keys.iter().enumerate().map(|(i, k)| (k.pubkey(), i)).collect();
        Self { chain, config, keys }
    }

    /// The service's configuration.
    pub fn config(&self) -> &DecisionConfig {
        &self.config
    }

    /// The FHIR URL of a consent account (`basedOn`).
    pub fn consent_url(&self, consent: &Pubkey) -> String {
        format!("{}/Consent/{consent}", self.config.fhir_base.trim_end_matches('/'))
    }

    /// Answers one consult: resolves the identifiers, decides for each actor that is a
    /// registered provider (the first permit wins, else the first denial), filters the
    /// content, and records the attempts when configured to.
    ///
    /// # Errors
    ///
    /// [`DecisionError::Request`] when the request cannot be evaluated (identifiers naming
    /// two patients, no known class or purpose); [`DecisionError::Chain`] when the chain
    /// cannot be read or a recording transaction fails.
    pub async fn consult(&self, request: &ConsultRequest) -> Result<ConsultOutcome, DecisionError> {
        let terms = ConsultTerms::from_request(request)?;
        let chain_id = &self.config.chain_id;
        let patients =
            self.config.identifiers.resolve_all(Role::Patient, chain_id, &request.patient_ids);
        if patients.wallets.len() > 1 {
            return Err(RequestError {
                path: "context.patientId".into(),
                reason: format!(
                    "the identifiers name {} different patients; send one patient's identifiers",
                    patients.wallets.len()
                ),
            }
            .into());
        }
        let actors = self.config.identifiers.resolve_all(Role::Actor, chain_id, &request.actors);
        let mut outcome = ConsultOutcome {
            verdict: decide(&terms, None, None, None, 0),
            patient: patients.wallets.first().copied(),
            provider: None,
            consent: None,
            emergency: None,
            unresolved: None,
            recording: Recording::NothingToRecord,
            content: None,
            terms,
        };
        let Some(patient) = outcome.patient else {
            outcome.unresolved = Some("no identifier names a patient known here");
            return Ok(self.finish(outcome, request));
        };
        if !outcome.terms.category_applies {
            outcome.unresolved = Some("medchain holds privacy consents only (category[])");
            return Ok(self.finish(outcome, request));
        }
        if actors.wallets.is_empty() {
            outcome.unresolved = Some("no identifier names an actor known here");
            return Ok(self.finish(outcome, request));
        }
        let now = self.chain.backend().unix_time().await?;
        let patient_pda = pda::patient(&patient);
        let mut best: Option<Candidate> = None;
        for wallet in &actors.wallets {
            let Some(provider) = self.chain.provider(wallet).await? else { continue };
            let provider_pda = pda::provider(wallet);
            let consent_address = pda::consent(&patient_pda, &provider_pda);
            let consent: Option<Consent> = self.chain.fetch(&consent_address, "Consent").await?;
            let emergency_address = pda::emergency(&patient_pda, &provider_pda);
            let emergency: Option<EmergencyAccess> =
                if outcome.terms.purposes.contains(&medchain::vocabulary::purposes::ETREAT) {
                    self.chain.fetch(&emergency_address, "EmergencyAccess").await?
                } else {
                    None
                };
            let verdict =
                decide(&outcome.terms, Some(&provider), consent.as_ref(), emergency.as_ref(), now);
            let candidate = Candidate {
                provider: *wallet,
                consent: consent
                    .as_ref()
                    .filter(|c| c.version > 0)
                    .map(|c| (consent_address, c.version)),
                emergency: (verdict.reason == AccessReason::EmergencyAccess)
                    .then_some(emergency_address),
                verdict,
            };
            let rank = |c: &Candidate| match c.verdict.decision {
                Decision::Permit => 2,
                Decision::Deny => 1,
                Decision::NoConsent => 0,
            };
            if best.as_ref().is_none_or(|b| rank(&candidate) > rank(b)) {
                best = Some(candidate);
            }
        }
        let Some(best) = best else {
            outcome.unresolved = Some("no actor identifier names a registered provider");
            return Ok(self.finish(outcome, request));
        };
        outcome.verdict = best.verdict;
        outcome.provider = Some(best.provider);
        outcome.consent = best.consent;
        outcome.emergency = best.emergency;
        outcome.recording = self.record(&best.provider, &patient, &outcome.verdict).await?;
        Ok(self.finish(outcome, request))
    }

    fn finish(&self, mut outcome: ConsultOutcome, request: &ConsultRequest) -> ConsultOutcome {
        if let Recording::NothingToRecord = outcome.recording {
            if !self.config.record {
                outcome.recording = Recording::ReadOnly;
            }
        }
        if let Some(bundle) = &request.content {
            let permitted = match outcome.verdict.decision {
                Decision::Permit => outcome.verdict.permitted,
                _ => 0,
            };
            outcome.content = Some(content::filter_bundle(bundle, permitted));
        }
        outcome
    }

    async fn record(
        &self,
        provider: &Pubkey,
        patient: &Pubkey,
        verdict: &Verdict,
    ) -> Result<Recording, DecisionError> {
        if !self.config.record {
            return Ok(Recording::ReadOnly);
        }
        let Some(key) = self.keys.get(provider).and_then(|i| self.config.provider_keys.get(*i))
        else {
            return Ok(Recording::NoKey);
        };
        if verdict.attempts.is_empty() || self.chain.patient(patient).await?.is_none() {
            return Ok(Recording::NothingToRecord);
        }
        let mut recorded = Vec::with_capacity(verdict.attempts.len());
        for args in &verdict.attempts {
            let (decision, tx) = self.chain.record_access_tx(key, patient, *args).await?;
            recorded.push(RecordedAttempt {
                args: *args,
                signature: tx.signature.to_string(),
                allowed: decision.allowed,
                reason: decision.reason,
            });
        }
        Ok(Recording::Recorded(recorded))
    }
}

/// The words of a request's purpose codes that medchain knows, for messages.
pub fn purpose_words(bits: &[u16]) -> Vec<&'static str> {
    bits.iter().filter_map(|b| crate::vocabulary::term(&PURPOSES, *b).map(|t| t.words)).collect()
}

#[cfg(test)]
mod tests;
