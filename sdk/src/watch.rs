//! Notifications: a patient's requests, grants, revokes, access attempts (granted and denied)
//! and break-glass openings, as they happen.
//!
//! [`Medchain::watch_patient`] subscribes to the transactions that touch the patient's
//! account ([`Backend::watch`]: the embedded ledger's commit hook, or a cluster's websocket),
//! and [`PatientWatch::next`] turns each one into [`PatientEvent`]s: the patient's
//! [`AuditEntry`] (the same entry `patient audit` prints, with the program's events decoded by
//! [`crate::events`]), what kind of change it is ([`WatchKind`]), the provider's wallet and a
//! sentence in the words of the vocabulary table ([`crate::vocabulary`]).
//!
//! ```no_run
//! use anchor_lang::prelude::Pubkey;
//! use medchain_sdk::{Backend, Medchain, SdkError};
//!
//! async fn notify<B: Backend>(chain: &Medchain<B>, patient: &Pubkey) -> Result<(), SdkError> {
//!     let mut watch = chain.watch_patient(patient).await?;
//!     while let Some(event) = watch.next(chain).await {
//!         let event = event?;
//!         println!("{}: {}", event.kind.as_str(), event.summary);
//!     }
//!     Ok(())
//! }
//! ```

use crate::actions::describe::{
    access_in_words, actions_in_words, categories_in_words, duration_in_words, purposes_in_words,
    short_address,
};
use crate::audit::{audit_entries, reason_from_name, reason_words, AuditEntry};
use crate::backend::{Backend, TxFeed, TxRecord};
use crate::client::Medchain;
use crate::error::SdkError;
use crate::events::ProgramEvent;
use crate::names::parse_scope;
use crate::pda;
use anchor_lang::prelude::Pubkey;
use medchain::state::{AccessRequest, Provider};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::str::FromStr;

/// What a [`PatientEvent`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchKind {
    /// A provider asked for access (`request_access`).
    Request,
    /// A pending request was denied by the patient or withdrawn by the provider
    /// (`deny_request`, `cancel_request`).
    RequestClosed,
    /// Access was granted: a consent given or given again, or a request approved
    /// (`grant_consent`, `approve_request`, `delegate_grant_consent`).
    Grant,
    /// A consent's terms were changed (`update_consent`).
    Change,
    /// A consent was revoked (`revoke_consent`, `delegate_revoke_consent`).
    Revoke,
    /// An access attempt, granted or denied (`record_access`).
    Access,
    /// A provider opened emergency (break-glass) access (`open_emergency_access`).
    BreakGlass,
    /// A break-glass window was reviewed or ended (`review_emergency_access`).
    BreakGlassReviewed,
    /// Anything else that touched the patient's account (registration, records, delegates).
    Other,
}

impl WatchKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [WatchKind; 9] = [
        WatchKind::Request,
        WatchKind::RequestClosed,
        WatchKind::Grant,
        WatchKind::Change,
        WatchKind::Revoke,
        WatchKind::Access,
        WatchKind::BreakGlass,
        WatchKind::BreakGlassReviewed,
        WatchKind::Other,
    ];

    /// The kind of a medchain instruction (by its snake-case name).
    pub fn of_instruction(instruction: &str) -> WatchKind {
        match instruction {
            "request_access" => WatchKind::Request,
            "deny_request" | "cancel_request" => WatchKind::RequestClosed,
            "grant_consent" | "approve_request" | "delegate_grant_consent" => WatchKind::Grant,
            "update_consent" => WatchKind::Change,
            "revoke_consent" | "delegate_revoke_consent" => WatchKind::Revoke,
            "record_access" => WatchKind::Access,
            "open_emergency_access" => WatchKind::BreakGlass,
            "review_emergency_access" => WatchKind::BreakGlassReviewed,
            _ => WatchKind::Other,
        }
    }

    /// The snake-case name JSON carries (`"break_glass"`).
    pub fn as_str(self) -> &'static str {
        match self {
            WatchKind::Request => "request",
            WatchKind::RequestClosed => "request_closed",
            WatchKind::Grant => "grant",
            WatchKind::Change => "change",
            WatchKind::Revoke => "revoke",
            WatchKind::Access => "access",
            WatchKind::BreakGlass => "break_glass",
            WatchKind::BreakGlassReviewed => "break_glass_reviewed",
            WatchKind::Other => "other",
        }
    }
}

/// One thing that happened to a patient's consents, requests or data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientEvent {
    /// What kind of change it is.
    pub kind: WatchKind,
    /// The patient's wallet.
    pub patient: String,
    /// The wallet of the provider concerned, when there is one and it is registered.
    pub provider: Option<String>,
    /// What happened, in plain words from the vocabulary table: "7xKX…sAsU asks for read
    /// access to imaging for treatment, for 30 days".
    pub summary: String,
    /// The audit entry: `signature`, `slot`, `unix_time`, `instruction`, `actor`,
    /// `succeeded`, `access` and the decoded `events`, exactly as `patient audit` has them.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// A live subscription to one patient's events ([`Medchain::watch_patient`]). It owns no
/// client, so it can live as long as the caller needs (a server's stream): each
/// [`PatientWatch::next`] takes the client that reads the accounts an event names.
pub struct PatientWatch {
    feed: TxFeed,
    patient: Pubkey,
    patient_pda: Pubkey,
    pending: VecDeque<PatientEvent>,
    provider_wallets: HashMap<Pubkey, Option<Pubkey>>,
}

impl<B: Backend> Medchain<B> {
    /// Subscribes to the patient's events from now on (see [`crate::watch`]). The patient
    /// must be registered ([`SdkError::AccountNotFound`] otherwise); the subscription is in
    /// place when this returns.
    pub async fn watch_patient(&self, patient: &Pubkey) -> Result<PatientWatch, SdkError> {
        let patient_pda = pda::patient(patient);
        if self.patient(patient).await?.is_none() {
            return Err(SdkError::AccountNotFound {
                address: patient.to_string(),
                what: "registered patient",
            });
        }
        let feed = self.backend().watch(&patient_pda).await?;
        Ok(PatientWatch {
            feed,
            patient: *patient,
            patient_pda,
            pending: VecDeque::new(),
            provider_wallets: HashMap::new(),
        })
    }
}

impl PatientWatch {
    /// The patient watched.
    pub fn patient(&self) -> &Pubkey {
        &self.patient
    }

    /// The next event, waiting for it; `None` when the feed has ended, `Some(Err(_))` once
    /// when it broke (the connection dropped or the watcher fell behind), after which it ends.
    pub async fn next<B: Backend>(
        &mut self,
        chain: &Medchain<B>,
    ) -> Option<Result<PatientEvent, SdkError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            let record = match self.feed.recv().await? {
                Ok(record) => record,
                Err(e) => return Some(Err(e)),
            };
            match self.events_of(chain, &record).await {
                Ok(events) => self.pending.extend(events),
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// The events of one transaction (one per medchain instruction that named the patient).
    pub async fn events_of<B: Backend>(
        &mut self,
        chain: &Medchain<B>,
        record: &TxRecord,
    ) -> Result<Vec<PatientEvent>, SdkError> {
        let entries = audit_entries(&self.patient_pda, std::slice::from_ref(record));
        let key = self.patient_pda.to_bytes();
        let touching = record.instructions.iter().filter(|ix| ix.accounts.contains(&key));
        let mut out = Vec::with_capacity(entries.len());
        for (entry, instruction) in entries.into_iter().zip(touching) {
            let kind = WatchKind::of_instruction(&entry.instruction);
            let accounts: Vec<Pubkey> =
                instruction.accounts.iter().map(|k| Pubkey::new_from_array(*k)).collect();
            let provider = self.provider_of(chain, kind, &entry, &accounts).await?;
            let summary = summary(kind, &entry, provider.as_ref());
            out.push(PatientEvent {
                kind,
                patient: self.patient.to_string(),
                provider: provider.map(|p| p.to_string()),
                summary,
                entry,
            });
        }
        Ok(out)
    }

    /// The provider wallet an entry concerns: the signer where the provider signs, else the
    /// authority of the Provider account the events (or the request) name.
    async fn provider_of<B: Backend>(
        &mut self,
        chain: &Medchain<B>,
        kind: WatchKind,
        entry: &AuditEntry,
        accounts: &[Pubkey],
    ) -> Result<Option<Pubkey>, SdkError> {
        let provider_pda = match kind {
            WatchKind::Request | WatchKind::Access | WatchKind::BreakGlass => accounts.get(1),
            WatchKind::RequestClosed if entry.instruction == "cancel_request" => accounts.get(1),
            WatchKind::RequestClosed => {
                // deny_request: authority, patient, request.
                let Some(request) = accounts.get(2) else { return Ok(None) };
                let found: Option<AccessRequest> = chain.fetch(request, "AccessRequest").await?;
                return match found {
                    Some(request) => self.wallet_of(chain, &request.provider).await,
                    None => Ok(None),
                };
            }
            _ => None,
        };
        let from_events =
            event_field(&entry.events, "provider").and_then(|p| Pubkey::from_str(p).ok());
        match provider_pda.copied().or(from_events) {
            Some(pda) => self.wallet_of(chain, &pda).await,
            None => Ok(None),
        }
    }

    async fn wallet_of<B: Backend>(
        &mut self,
        chain: &Medchain<B>,
        provider_pda: &Pubkey,
    ) -> Result<Option<Pubkey>, SdkError> {
        if let Some(known) = self.provider_wallets.get(provider_pda) {
            return Ok(*known);
        }
        let provider: Option<Provider> = chain.fetch(provider_pda, "Provider").await?;
        let wallet = provider.map(|p| p.authority);
        self.provider_wallets.insert(*provider_pda, wallet);
        Ok(wallet)
    }
}

/// The first string field `name` among the events.
fn event_field<'a>(events: &'a [ProgramEvent], name: &str) -> Option<&'a str> {
    events.iter().find_map(|e| e.fields.get(name).and_then(Value::as_str))
}

/// The first event called `name`.
fn event<'a>(events: &'a [ProgramEvent], name: &str) -> Option<&'a Value> {
    events.iter().find(|e| e.name == name).map(|e| &e.fields)
}

/// An event's scope (`{"categories": [names], "purposes": [codes], "actions": [names]}`) in
/// words: "read access to imaging for treatment".
fn scope_in_words(scope: &Value) -> Option<String> {
    let list = |key: &str| -> Option<String> {
        let names: Vec<&str> =
            scope.get(key)?.as_array()?.iter().filter_map(Value::as_str).collect();
        Some(names.join(","))
    };
    let scope = parse_scope(&list("categories")?, &list("purposes")?, &list("actions")?).ok()?;
    Some(access_in_words(&scope))
}

/// What an entry means, in words.
fn summary(kind: WatchKind, entry: &AuditEntry, provider: Option<&Pubkey>) -> String {
    let who = provider.map_or_else(|| "a provider".to_string(), |p| short_address(&p.to_string()));
    let events = &entry.events;
    let int = |v: &Value, key: &str| v.get(key).and_then(Value::as_i64);
    let text = match kind {
        WatchKind::Request => {
            let terms = event(events, "AccessRequested").map(|e| &e["terms"]);
            let access = terms.and_then(|t| scope_in_words(&t["scope"]));
            let duration = terms.and_then(|t| int(t, "duration_secs"));
            match (access, duration) {
                (Some(access), Some(secs)) => {
                    format!("{who} asks for {access}, for {}", duration_in_words(secs))
                }
                _ => format!("{who} asks for access"),
            }
        }
        WatchKind::RequestClosed if entry.instruction == "cancel_request" => {
            format!("{who} withdrew its request")
        }
        WatchKind::RequestClosed => format!("you denied {who}'s request"),
        WatchKind::Grant | WatchKind::Change => {
            let changed = event(events, "ConsentChanged");
            let terms = changed.map(|e| &e["new_terms"]);
            let access = terms.and_then(|t| scope_in_words(&t["scope"]));
            let length = match (
                terms.and_then(|t| int(t, "expires_at")),
                changed.and_then(|e| int(e, "at")),
            ) {
                (Some(until), Some(at)) if until > at => {
                    format!(", for {}", duration_in_words(until - at))
                }
                _ => String::new(),
            };
            let access = access.unwrap_or_else(|| "access".into());
            if kind == WatchKind::Grant {
                format!("{who} was granted {access}{length}")
            } else {
                format!("{who}'s access changed to {access}{length}")
            }
        }
        WatchKind::Revoke => format!("{who}'s access was revoked"),
        WatchKind::Access => match &entry.access {
            Some(attempt) => {
                let asked = format!(
                    "{who} asked to {} {} for {}",
                    actions_in_words(attempt.action),
                    categories_in_words(attempt.category),
                    purposes_in_words(attempt.purpose)
                );
                match attempt.reason.as_deref().and_then(reason_from_name) {
                    Some(reason) => format!("{asked}: {}", reason_words(reason)),
                    None => asked,
                }
            }
            None => format!("{who} asked for access"),
        },
        WatchKind::BreakGlass => {
            let opened = event(events, "EmergencyAccessOpened");
            match opened.and_then(|e| Some((int(e, "opened_at")?, int(e, "expires_at")?))) {
                Some((from, until)) if until > from => format!(
                    "{who} opened emergency (break-glass) access to your records, for {}",
                    duration_in_words(until - from)
                ),
                _ => format!("{who} opened emergency (break-glass) access to your records"),
            }
        }
        WatchKind::BreakGlassReviewed => {
            let ended = event(events, "EmergencyAccessReviewed")
                .and_then(|e| e.get("ended_early"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if ended {
                "an emergency access window was reviewed and ended".to_string()
            } else {
                "an emergency access window was reviewed".to_string()
            }
        }
        WatchKind::Other => entry.instruction.replace('_', " "),
    };
    if entry.succeeded {
        text
    } else {
        format!("failed: {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AccessAttempt;
    use crate::vocabulary::{actions, categories, purposes};

    fn entry(instruction: &str, events: Vec<ProgramEvent>) -> AuditEntry {
        AuditEntry {
            signature: "sig".into(),
            slot: 1,
            unix_time: Some(0),
            instruction: instruction.into(),
            actor: Pubkey::new_unique().to_string(),
            succeeded: true,
            access: None,
            events,
        }
    }

    #[test]
    fn every_instruction_has_a_kind_and_every_kind_a_name() {
        for kind in WatchKind::ALL {
            let json = serde_json::to_value(kind).expect("json");
            assert_eq!(json, kind.as_str());
        }
        assert_eq!(WatchKind::of_instruction("approve_request"), WatchKind::Grant);
        assert_eq!(WatchKind::of_instruction("record_access"), WatchKind::Access);
        assert_eq!(WatchKind::of_instruction("open_emergency_access"), WatchKind::BreakGlass);
        assert_eq!(WatchKind::of_instruction("anchor_record"), WatchKind::Other);
    }

    #[test]
    fn summaries_use_the_vocabulary_words() {
        let provider = Pubkey::new_unique();
        let requested = ProgramEvent {
            name: "AccessRequested".into(),
            fields: serde_json::json!({
                "terms": {
                    "scope": {"categories": ["observations"], "purposes": ["TREAT"], "actions": ["read"]},
                    "duration_secs": 30 * 86_400
                }
            }),
        };
        let text =
            summary(WatchKind::Request, &entry("request_access", vec![requested]), Some(&provider));
        assert!(
            text.ends_with(
                "asks for read access to observations (labs) for treatment, for 30 days"
            ),
            "{text}"
        );
        let mut denied = entry("record_access", vec![]);
        denied.access = Some(AccessAttempt {
            category: categories::IMAGING,
            purpose: purposes::HRESCH,
            action: actions::READ,
            allowed: Some(false),
            reason: Some("no_consent".into()),
        });
        let text = summary(WatchKind::Access, &denied, None);
        assert_eq!(
            text,
            "a provider asked to read imaging for research: denied: the patient has given this provider no consent"
        );
        let mut failed = entry("revoke_consent", vec![]);
        failed.succeeded = false;
        assert_eq!(
            summary(WatchKind::Revoke, &failed, None),
            "failed: a provider's access was revoked"
        );
    }

    #[test]
    fn the_json_shape_flattens_the_audit_entry() {
        let event = PatientEvent {
            kind: WatchKind::Revoke,
            patient: Pubkey::new_unique().to_string(),
            provider: None,
            summary: "x".into(),
            entry: entry("revoke_consent", vec![]),
        };
        let json = serde_json::to_value(&event).expect("json");
        let mut keys: Vec<&str> =
            json.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "access", "actor", "events", "instruction", "kind", "patient", "provider",
                "signature", "slot", "succeeded", "summary", "unix_time"
            ]
        );
        assert_eq!(json["kind"], "revoke");
    }
}
