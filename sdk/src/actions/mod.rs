//! Solana Actions and Solana Pay transaction requests, without HTTP: what a patient's wallet
//! is shown for an action and the exact transaction it is asked to sign. The `medchain serve`
//! command puts these behind HTTP; an EHR gateway can do the same with its own server.
//!
//! Four actions, each identified by what is on the ledger, never by what the URL claims:
//!
//! | action | identified by | query string | the transaction |
//! |---|---|---|---|
//! | approve | the AccessRequest address | may only **narrow** the request ([`Narrowing`]) | `approve_request` |
//! | deny | the AccessRequest address | none | `deny_request` |
//! | grant | a provider-signed [`proposal::SignedProposal`] | the proposal (any change breaks its signature) | `register_patient` if needed, then `grant_consent` |
//! | revoke | the Consent address | none | `revoke_consent` |
//!
//! The wallet's `account` must be the patient the request or consent belongs to (or the one a
//! proposal is bound to). When a fee payer (the clinic) is configured it pays fees and rent
//! and signs first, so the patient signs only as patient and needs no SOL. Every transaction
//! is checked with [`verify::check_transaction`] before it leaves.
//!
//! ```no_run
//! # async fn demo(chain: medchain_sdk::Medchain<medchain_sdk::RpcBackend>) -> Result<(), medchain_sdk::actions::ActionsError> {
//! use medchain_sdk::actions::{Action, ActionOptions, Actions};
//! use anchor_lang::prelude::Pubkey;
//! let options = ActionOptions::default();
//! let actions = Actions::new(&chain, &options);
//! let request: Pubkey = "11111111111111111111111111111111".parse().unwrap();
//! let action = Action::Deny { request };
//! let view = actions.describe(&action).await?; // title, description, label
//! let wallet: Pubkey = "11111111111111111111111111111111".parse().unwrap();
//! let plan = actions.plan(&action, &wallet).await?; // the exact instructions and signers
//! # Ok(()) }
//! ```

pub mod describe;
mod narrowing;
mod patient;
mod plan;
pub mod proposal;
pub mod spec;
mod urls;
pub mod verify;
mod view;

pub use narrowing::Narrowing;
pub use plan::ActionPlan;
pub use urls::ActionUrls;
pub use view::ActionView;

use crate::backend::Backend;
use crate::delegation::Mandate;
use crate::error::SdkError;
use crate::names::{
    action_names, category_names, parse_actions, parse_categories, parse_purposes, purpose_names,
};
use crate::{instructions as ix, pda, Medchain};
use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use describe::{access_in_words, duration_in_words, kind_in_words, short_address};
use medchain::state::{
    AccessRequest, Consent, ConsentStatus, ConsentTerms, Provider, RequestStatus, RequestTerms,
    Scope,
};
use proposal::SignedProposal;
use solana_sdk::hash::Hash;
use solana_sdk::message::Message;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use spec::{
    ActionGetResponse, ActionLinks, ActionParameter, ActionPostResponse, LinkedAction,
    ParameterOption,
};
use std::collections::{BTreeMap, BTreeSet};
use verify::{check_transaction, ExpectedTransaction, TransactionMismatch};

/// Path prefix of every action endpoint.
pub const API_PREFIX: &str = "/api/actions";
/// Longest query string an action accepts.
pub const MAX_QUERY_LEN: usize = proposal::MAX_QUERY_LEN;
/// Longest duration a narrowing may name, in days (the program's limit: 10 years).
const MAX_DAYS: i64 = 3_650;

/// Why an action cannot be described or built. [`ActionsError::status`] is the HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ActionsError {
    /// The request is malformed, wider than allowed, or no longer possible (400).
    #[error("{0}")]
    BadRequest(String),
    /// The wallet is not the patient this action belongs to, or the server does not act for
    /// this provider (403).
    #[error("{0}")]
    Forbidden(String),
    /// The request, consent or provider does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The ledger could not be read (502 when the cluster is unreachable, 500 otherwise).
    #[error("{0}")]
    Sdk(#[from] SdkError),
    /// The transaction built does not pass the check (500: never sent to a wallet).
    #[error("refusing to return a transaction that fails its own check: {0}")]
    Mismatch(#[from] TransactionMismatch),
}

impl ActionsError {
    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        match self {
            ActionsError::BadRequest(_) => 400,
            ActionsError::Forbidden(_) => 403,
            ActionsError::NotFound(_) => 404,
            ActionsError::Sdk(SdkError::Unreachable { .. } | SdkError::Transport(_)) => 502,
            ActionsError::Sdk(_) | ActionsError::Mismatch(_) => 500,
        }
    }
}

/// One of the four actions (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Approve the pending AccessRequest at `request`, optionally narrowed.
    Approve {
        /// The AccessRequest address.
        request: Pubkey,
        /// What the patient narrows (nothing: exactly what was asked).
        narrowing: Narrowing,
    },
    /// Deny the pending AccessRequest at `request`.
    Deny {
        /// The AccessRequest address.
        request: Pubkey,
    },
    /// Grant what a provider proposes.
    Grant {
        /// The verified proposal.
        proposal: SignedProposal,
    },
    /// Revoke the Consent at `consent`.
    Revoke {
        /// The Consent address.
        consent: Pubkey,
    },
}

/// How a server runs its actions.
#[derive(Debug, Clone, Default)]
pub struct ActionOptions {
    /// The clinic's fee payer: pays fees and rent and signs first. `None`: the patient pays.
    pub fee_payer: Option<Pubkey>,
    /// Only these provider wallets are served (`None`: every registered provider).
    pub providers: Option<BTreeSet<Pubkey>>,
    /// Display names of provider wallets ("Dr. Rivera, Riverside Clinic").
    pub provider_names: BTreeMap<Pubkey, String>,
}

/// Describes and builds actions against one ledger.
pub struct Actions<'a, B: Backend> {
    chain: &'a Medchain<B>,
    options: &'a ActionOptions,
}

/// A provider as the wallet names it.
struct NamedProvider {
    authority: Pubkey,
    name: String,
}

fn status_words(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Pending => "pending",
        RequestStatus::Approved => "approved",
        RequestStatus::Denied => "denied",
        RequestStatus::Cancelled => "cancelled by the provider",
    }
}

impl<'a, B: Backend> Actions<'a, B> {
    /// Actions over `chain` with `options`.
    pub fn new(chain: &'a Medchain<B>, options: &'a ActionOptions) -> Self {
        Self { chain, options }
    }

    async fn fetch<T: anchor_lang::AccountDeserialize>(
        &self,
        address: &Pubkey,
        what: &'static str,
    ) -> Result<T, ActionsError> {
        match self.chain.fetch(address, what).await {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(ActionsError::NotFound(format!("no {what} at {address}"))),
            Err(SdkError::InvalidAccount { .. }) => {
                Err(ActionsError::BadRequest(format!("{address} is not a medchain {what}")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Loads a Provider PDA's account, refusing providers this server does not serve.
    async fn provider_at(
        &self,
        provider_pda: &Pubkey,
    ) -> Result<(Provider, NamedProvider), ActionsError> {
        let provider: Provider = self.fetch(provider_pda, "Provider").await?;
        let named = self.named(&provider)?;
        Ok((provider, named))
    }

    fn named(&self, provider: &Provider) -> Result<NamedProvider, ActionsError> {
        let authority = provider.authority;
        if let Some(allowed) = &self.options.providers {
            if !allowed.contains(&authority) {
                return Err(ActionsError::Forbidden(format!(
                    "this server does not act for provider {authority}"
                )));
            }
        }
        let name = self.options.provider_names.get(&authority).cloned().unwrap_or_else(|| {
            format!(
                "the {} {}",
                kind_in_words(provider.kind),
                short_address(&authority.to_string())
            )
        });
        Ok(NamedProvider { authority, name })
    }

    fn fee_note(&self) -> &'static str {
        if self.options.fee_payer.is_some() {
            " The clinic pays the network fee."
        } else {
            ""
        }
    }

    async fn load_request(
        &self,
        request: &Pubkey,
    ) -> Result<(AccessRequest, NamedProvider, bool), ActionsError> {
        let account: AccessRequest = self.fetch(request, "AccessRequest").await?;
        let (provider, named) = self.provider_at(&account.provider).await?;
        Ok((account, named, provider.is_active()))
    }

    async fn load_consent(
        &self,
        consent: &Pubkey,
    ) -> Result<(Consent, NamedProvider), ActionsError> {
        let account: Consent = self.fetch(consent, "Consent").await?;
        let (_, named) = self.provider_at(&account.provider).await?;
        Ok((account, named))
    }

    /// What the wallet shows for `action` (title, plain-word description, label), read from
    /// the ledger. An action that can no longer be taken is described with `disabled` set.
    pub async fn describe(&self, action: &Action) -> Result<ActionView, ActionsError> {
        let now = self.chain.backend().unix_time().await?;
        let fee = self.fee_note();
        match action {
            Action::Approve { request, narrowing } => {
                let (account, who, active) = self.load_request(request).await?;
                let asked = account.terms();
                let approved = narrowing.apply(&asked)?;
                let narrower = if approved == asked {
                    String::new()
                } else {
                    format!(
                        " This is narrower than the request, which asked for {} for {}.",
                        access_in_words(&asked.scope),
                        duration_in_words(asked.duration_secs)
                    )
                };
                Ok(ActionView {
                    title: format!("Approve access for {}", who.name),
                    description: format!(
                        "Grant {} {}, for {}.{narrower} Provider wallet: {}. You can revoke it at any time.{fee}",
                        who.name,
                        access_in_words(&approved.scope),
                        duration_in_words(approved.duration_secs),
                        who.authority,
                    ),
                    label: "Approve".into(),
                    disabled: if account.status != RequestStatus::Pending {
                        Some(format!(
                            "This request was already answered ({}).",
                            status_words(account.status)
                        ))
                    } else if !active {
                        Some("This provider is suspended and cannot be granted access.".into())
                    } else {
                        None
                    },
                    asked: Some(asked),
                })
            }
            Action::Deny { request } => {
                let (account, who, _) = self.load_request(request).await?;
                let asked = account.terms();
                Ok(ActionView {
                    title: format!("Deny the request of {}", who.name),
                    description: format!(
                        "{} asked for {}, for {}. Denying grants nothing and closes the request. Provider wallet: {}.{fee}",
                        capitalize(&who.name),
                        access_in_words(&asked.scope),
                        duration_in_words(asked.duration_secs),
                        who.authority,
                    ),
                    label: "Deny".into(),
                    disabled: (account.status != RequestStatus::Pending).then(|| {
                        format!("This request was already answered ({}).", status_words(account.status))
                    }),
                    asked: None,
                })
            }
            Action::Grant { proposal } => {
                let p = &proposal.proposal;
                let provider: Provider =
                    self.fetch(&pda::provider(&p.provider), "Provider").await?;
                let who = self.named(&provider)?;
                let disabled = if now > p.valid_until {
                    Some("This proposal has expired; ask the clinic for a new one.".to_string())
                } else if !provider.is_active() {
                    Some("This provider is suspended and cannot be granted access.".to_string())
                } else {
                    None
                };
                Ok(ActionView {
                    title: format!("Grant access to {}", who.name),
                    description: format!(
                        "Grant {} {}, for {}. Provider wallet: {}. You can revoke it at any time.{fee}",
                        who.name,
                        access_in_words(&p.terms.scope),
                        duration_in_words(p.terms.duration_secs),
                        who.authority,
                    ),
                    label: "Grant access".into(),
                    disabled,
                    asked: None,
                })
            }
            Action::Revoke { consent } => {
                let (account, who) = self.load_consent(consent).await?;
                let remaining = account.expires_at.saturating_sub(now).max(0);
                Ok(ActionView {
                    title: format!("Revoke the access of {}", who.name),
                    description: format!(
                        "Stop {}'s {} now (it would otherwise last another {}). Takes effect as soon as it lands. Provider wallet: {}.{fee}",
                        who.name,
                        access_in_words(&account.scope),
                        describe::remaining_in_words(remaining),
                        who.authority,
                    ),
                    label: "Revoke access".into(),
                    disabled: (!account.is_in_force(now)).then(|| {
                        if account.status == ConsentStatus::Revoked {
                            "This consent is already revoked.".to_string()
                        } else {
                            "This consent has already expired.".to_string()
                        }
                    }),
                    asked: None,
                })
            }
        }
    }

    /// The exact transaction `account` (the patient's wallet) is asked to sign for `action`.
    /// Refuses a wallet that is not the action's patient, an answered request, a revoked
    /// consent, an expired or foreign proposal, and any narrowing that widens.
    pub async fn plan(
        &self,
        action: &Action,
        account: &Pubkey,
    ) -> Result<ActionPlan, ActionsError> {
        let fee_payer = self.options.fee_payer.unwrap_or(*account);
        let patient_pda = pda::patient(account);
        let not_yours = |what: &str| {
            ActionsError::Forbidden(format!(
                "this {what} belongs to another patient; open it from the wallet it was addressed to"
            ))
        };
        let (instructions, message, on_behalf_of) = match action {
            Action::Approve { request, narrowing } => {
                let (account_data, who, active) = self.load_request(request).await?;
                let mandate =
                    self.answerer(request, &account_data, account, &who.authority).await?;
                if !active {
                    return Err(ActionsError::BadRequest("this provider is suspended".into()));
                }
                let approved = narrowing.apply(&account_data.terms())?;
                match mandate {
                    None => (
                        vec![ix::approve_request(
                            account, &fee_payer, &who.authority, account_data.nonce, approved,
                        )],
                        format!(
                            "Approved: {} now has {}, for {}.",
                            who.name,
                            access_in_words(&approved.scope),
                            duration_in_words(approved.duration_secs)
                        ),
                        None,
                    ),
                    Some(mandate) => {
                        let now = self.chain.backend().unix_time().await?;
                        let approval = mandate
                            .approval(&approved, now)
                            .map_err(|e| ActionsError::Forbidden(e.to_string()))?;
                        let cut = if approval.narrowed {
                            " This is cut to what your mandate as delegate allows."
                        } else {
                            ""
                        };
                        (
                            vec![ix::delegate_approve_request(
                                account,
                                &fee_payer,
                                &mandate.patient_wallet,
                                &who.authority,
                                account_data.nonce,
                                approval.terms,
                            )],
                            format!(
                                "You are approving on behalf of patient {}: {} gets {}, for {}.{cut}",
                                mandate.patient_wallet,
                                who.name,
                                access_in_words(&approval.terms.scope),
                                describe::remaining_in_words(approval.expires_at - now),
                            ),
                            Some(mandate.patient_wallet),
                        )
                    }
                }
            }
            Action::Deny { request } => {
                let (account_data, who, _) = self.load_request(request).await?;
                match self.answerer(request, &account_data, account, &who.authority).await? {
                    None => (
                        vec![ix::deny_request(account, &who.authority, account_data.nonce)],
                        format!("Denied the request of {}.", who.name),
                        None,
                    ),
                    Some(mandate) => (
                        vec![ix::delegate_deny_request(
                            account, &mandate.patient_wallet, &who.authority, account_data.nonce,
                        )],
                        format!(
                            "You are denying on behalf of patient {}: the request of {}.",
                            mandate.patient_wallet, who.name
                        ),
                        Some(mandate.patient_wallet),
                    ),
                }
            }
            Action::Grant { proposal } => {
                let p = proposal.proposal;
                if !proposal.verify() {
                    return Err(ActionsError::BadRequest(
                        "the proposal's signature does not match its terms".into(),
                    ));
                }
                if p.patient.is_some_and(|bound| bound != *account) {
                    return Err(not_yours("proposal"));
                }
                let now = self.chain.backend().unix_time().await?;
                if now > p.valid_until {
                    return Err(ActionsError::BadRequest(
                        "this proposal has expired; ask the clinic for a new one".into(),
                    ));
                }
                let provider: Provider =
                    self.fetch(&pda::provider(&p.provider), "Provider").await?;
                let who = self.named(&provider)?;
                if !provider.is_active() {
                    return Err(ActionsError::BadRequest("this provider is suspended".into()));
                }
                if let Some(existing) = self.chain.consent(account, &p.provider).await? {
                    if existing.is_in_force(now) {
                        return Err(ActionsError::BadRequest(
                            "you already granted this provider access; revoke it first to grant new terms".into(),
                        ));
                    }
                }
                let expires_at = now.checked_add(p.terms.duration_secs).ok_or_else(|| {
                    ActionsError::BadRequest("the proposal's duration is too long".into())
                })?;
                let terms = ConsentTerms::new(p.terms.scope, expires_at);
                let mut instructions = Vec::with_capacity(2);
                if self.chain.patient(account).await?.is_none() {
                    instructions.push(ix::register_patient(account, &fee_payer));
                }
                instructions.push(ix::grant_consent(account, &fee_payer, &p.provider, terms));
                (
                    instructions,
                    format!(
                        "Granted {} {}, for {}.",
                        who.name,
                        access_in_words(&p.terms.scope),
                        duration_in_words(p.terms.duration_secs)
                    ),
                    None,
                )
            }
            Action::Revoke { consent } => {
                let (account_data, who) = self.load_consent(consent).await?;
                if account_data.patient != patient_pda {
                    return Err(not_yours("consent"));
                }
                if account_data.status != ConsentStatus::Active {
                    return Err(ActionsError::BadRequest("this consent is already revoked".into()));
                }
                (
                    vec![ix::revoke_consent(account, &who.authority)],
                    format!("Revoked the access of {}.", who.name),
                    None,
                )
            }
        };
        let signers: BTreeSet<Pubkey> = [fee_payer, *account].into_iter().collect();
        Ok(ActionPlan {
            expected: ExpectedTransaction { fee_payer, signers, instructions },
            message,
            on_behalf_of,
        })
    }

    /// Who answers the pending request at `address` from `wallet`: `None` when `wallet` is
    /// the request's patient, the mandate when it is a delegate of that patient allowed to
    /// answer now. Refuses anyone else (403), an answered request (400), and a delegate whose
    /// mandate has ended or does not include answering (403, saying why).
    async fn answerer(
        &self,
        address: &Pubkey,
        request: &AccessRequest,
        wallet: &Pubkey,
        provider: &Pubkey,
    ) -> Result<Option<Mandate>, ActionsError> {
        let not_yours = || {
            ActionsError::Forbidden(
                "this request belongs to another patient; open it from the wallet it was addressed to, or from the wallet of a delegate allowed to answer for that patient".into(),
            )
        };
        match self.check_request(address, request, &pda::patient(wallet), provider) {
            Ok(()) => return Ok(None),
            Err(false) => return Err(answered(request)),
            Err(true) => {}
        }
        if pda::request(&request.patient, &pda::provider(provider), request.nonce) != *address {
            return Err(not_yours());
        }
        let Some(mandate) = self.chain.mandate(&request.patient, wallet).await? else {
            return Err(not_yours());
        };
        if request.status != RequestStatus::Pending {
            return Err(answered(request));
        }
        let now = self.chain.backend().unix_time().await?;
        mandate.may_answer(now).map_err(|e| ActionsError::Forbidden(e.to_string()))?;
        Ok(Some(mandate))
    }

    /// Ok when the request at `address` is pending and addressed to `patient_pda`;
    /// `Err(true)` when it belongs to another patient, `Err(false)` when it was answered.
    fn check_request(
        &self,
        address: &Pubkey,
        request: &AccessRequest,
        patient_pda: &Pubkey,
        provider: &Pubkey,
    ) -> Result<(), bool> {
        if request.patient != *patient_pda
            || pda::request(patient_pda, &pda::provider(provider), request.nonce) != *address
        {
            return Err(true);
        }
        if request.status != RequestStatus::Pending {
            return Err(false);
        }
        Ok(())
    }
}

fn answered(request: &AccessRequest) -> ActionsError {
    ActionsError::BadRequest(format!(
        "this request was already answered ({})",
        status_words(request.status)
    ))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medchain::vocabulary::{actions, categories, purposes};

    fn asked() -> RequestTerms {
        RequestTerms::new(
            Scope::new(
                categories::IMAGING | categories::OBSERVATIONS,
                purposes::TREAT,
                actions::READ | actions::WRITE,
            ),
            30 * 86_400,
        )
    }

    #[test]
    fn narrowing_may_only_narrow() {
        let n = Narrowing::from_query("categories=imaging&actions=read&days=7").expect("parse");
        let approved = n.apply(&asked()).expect("narrower");
        assert_eq!(
            approved,
            RequestTerms::new(
                Scope::new(categories::IMAGING, purposes::TREAT, actions::READ),
                7 * 86_400
            )
        );
        assert_eq!(Narrowing::from_query(&n.to_query()).expect("round trip"), n);
        assert_eq!(
            Narrowing::from_query("").expect("empty").apply(&asked()).expect("same"),
            asked()
        );
        for (query, why) in [
            ("categories=imaging,mental-health", "categories"),
            ("purposes=TREAT,HRESCH", "purposes"),
            ("actions=read,share", "actions"),
            ("days=31", "duration"),
        ] {
            let error =
                Narrowing::from_query(query).expect("parses").apply(&asked()).expect_err(why);
            assert!(error.to_string().contains("widen"), "{query}: {error}");
            assert_eq!(error.status(), 400);
        }
        for bad in [
            "days=0", "days=-1", "days=x", "days=99999", "patient=abc", "days=1&days=2",
            "categories=x-rays",
        ] {
            assert!(Narrowing::from_query(bad).is_err(), "{bad}");
        }
        assert!(Narrowing::from_query("categories=").is_err(), "empty set");
    }

    #[test]
    fn urls_name_the_ledger_addresses() {
        let urls = ActionUrls::new("https://clinic.example/");
        let request = Pubkey::new_unique();
        assert_eq!(
            urls.deny(&request),
            format!("https://clinic.example/api/actions/deny/{request}")
        );
        let narrowing = Narrowing { duration_secs: Some(7 * 86_400), ..Narrowing::default() };
        assert_eq!(
            urls.approve(&request, &narrowing),
            format!("https://clinic.example/api/actions/approve/{request}?days=7")
        );
        assert_eq!(urls.icon(), "https://clinic.example/icon.svg");
    }
}
