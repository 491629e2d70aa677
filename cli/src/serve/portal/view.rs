//! What the portal shows a patient, read from the ledger through the SDK and put in plain
//! words from the SDK's vocabulary table (`medchain_sdk::vocabulary`), the Actions wording
//! (`medchain_sdk::actions::describe`) and the audit's reasons (`medchain_sdk::audit`). The
//! page only lays these out; it keeps no vocabulary of its own.

use anchor_lang::prelude::Pubkey;
use medchain_sdk::actions::describe::{
    access_in_words, actions_in_words, categories_in_words, duration_in_words, purposes_in_words,
    remaining_in_words, short_address,
};
use medchain_sdk::actions::{ActionOptions, Actions};
use medchain_sdk::audit::{reason_from_name, reason_words, AuditEntry};
use medchain_sdk::state::{
    delegate_permissions, AuthorKind, ConsentStatus, Provider, RecordStatus, Scope,
};
use medchain_sdk::vocabulary::{terms_in, Term, ACTIONS, CATEGORIES, PURPOSES};
use medchain_sdk::{Backend, Medchain, SdkError};
use serde::Serialize;
use std::collections::BTreeMap;

/// How many audit entries the portal shows.
pub const AUDIT_LIMIT: usize = 200;

/// A member of the vocabulary: its name (what the API takes back) and its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermView {
    /// Canonical name.
    pub name: &'static str,
    /// Plain words.
    pub words: &'static str,
}

fn terms<B: Copy + Into<u64>, F>(table: &'static [Term<B, F>], mask: B) -> Vec<TermView> {
    terms_in(table, mask).map(|t| TermView { name: t.name, words: t.words }).collect()
}

fn all<B: Copy + Into<u64>, F>(table: &'static [Term<B, F>]) -> Vec<TermView> {
    table.iter().map(|t| TermView { name: t.name, words: t.words }).collect()
}

/// One provider's access.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessView {
    consent: String,
    provider: String,
    provider_name: String,
    status: &'static str,
    status_words: String,
    in_force: bool,
    summary: String,
    categories: Vec<TermView>,
    purposes: Vec<TermView>,
    actions: Vec<TermView>,
    expires_at: i64,
    granted: u32,
    denied: u32,
    version: u32,
    reseal_hint: Option<String>,
    /// The Consent account's data as on the ledger (base64), which the page decodes with
    /// the Codama client (`clients/js`).
    account: String,
}

/// A pending request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    request: String,
    provider: String,
    provider_name: String,
    summary: String,
    duration_words: String,
    days: i64,
    categories: Vec<TermView>,
    purposes: Vec<TermView>,
    actions: Vec<TermView>,
}

/// One line of the audit trail.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    signature: String,
    time: Option<i64>,
    actor: String,
    actor_name: String,
    what: String,
    outcome: &'static str,
    /// The badge: "granted", "denied", "emergency read", "change", "failed".
    label: &'static str,
    outcome_words: String,
}

/// A break-glass window.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmergencyView {
    provider: String,
    provider_name: String,
    reason_words: String,
    opened_at: i64,
    expires_at: i64,
    open: bool,
    reviewed: bool,
    reads: u32,
}

/// An anchored record version.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    record: String,
    category: String,
    status: &'static str,
    status_words: &'static str,
    version: u32,
    created_at: i64,
    author: String,
    content_hash: String,
    /// The Record account's data as on the ledger (base64), decoded by the page.
    account: String,
}

/// A delegate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DelegateView {
    delegate: String,
    permissions: String,
    scope: String,
    expires_at: i64,
    active: bool,
}

/// The whole vocabulary, for the "change" form.
#[derive(Debug, Clone, Serialize)]
pub struct VocabularyView {
    categories: Vec<TermView>,
    purposes: Vec<TermView>,
    actions: Vec<TermView>,
}

/// Everything the portal shows a patient.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    wallet: String,
    registered: bool,
    now: i64,
    clinic_pays_fees: bool,
    break_glass_allowed: bool,
    access: Vec<AccessView>,
    requests: Vec<RequestView>,
    audit: Vec<AuditView>,
    emergency: Vec<EmergencyView>,
    records: Vec<RecordView>,
    delegates: Vec<DelegateView>,
    vocabulary: VocabularyView,
}

/// Names providers by wallet (their `--provider-name`, else kind and short address), and
/// by Provider PDA, reading each once.
struct Names<'a, B: Backend> {
    chain: &'a Medchain<B>,
    options: &'a ActionOptions,
    by_pda: BTreeMap<Pubkey, Option<(Pubkey, String)>>,
}

impl<'a, B: Backend> Names<'a, B> {
    /// `(wallet, name)` of the Provider PDA `pda`, `None` when it is no provider.
    async fn of_pda(&mut self, pda: &Pubkey) -> Result<Option<(Pubkey, String)>, SdkError> {
        if let Some(known) = self.by_pda.get(pda) {
            return Ok(known.clone());
        }
        let provider: Option<Provider> = self.chain.fetch(pda, "Provider").await?;
        let named = match provider {
            Some(p) => {
                let name = Actions::new(self.chain, self.options)
                    .provider_name(&p.authority)
                    .await
                    .map_err(|e| SdkError::Transaction(e.to_string()))?
                    .unwrap_or_else(|| short_address(&p.authority.to_string()));
                Some((p.authority, name))
            }
            None => None,
        };
        self.by_pda.insert(*pda, named.clone());
        Ok(named)
    }

    /// The name of a wallet: "You", a provider's name, or the short address.
    async fn of_wallet(&mut self, wallet: &Pubkey, patient: &Pubkey) -> Result<String, SdkError> {
        if wallet == patient {
            return Ok("You".into());
        }
        let pda = medchain_sdk::pda::provider(wallet);
        Ok(match self.of_pda(&pda).await? {
            Some((_, name)) => capitalize(&name),
            None => short_address(&wallet.to_string()),
        })
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What an instruction did, in words that follow the actor's name.
fn instruction_words(name: &str) -> &'static str {
    match name {
        "register_patient" => "registered as a patient",
        "request_access" => "asked for access",
        "approve_request" => "approved a request for access",
        "deny_request" => "denied a request for access",
        "cancel_request" => "withdrew a request for access",
        "close_request" => "closed an answered request",
        "grant_consent" => "granted access",
        "update_consent" => "changed the terms of an access",
        "revoke_consent" => "revoked an access",
        "close_consent" => "closed an ended access",
        "anchor_record" => "anchored a record",
        "amend_record" => "amended a record",
        "mark_entered_in_error" => "marked a record as entered in error",
        "add_delegate" => "named a delegate",
        "remove_delegate" => "removed a delegate",
        "delegate_grant_consent" => "granted access on your behalf, as your delegate",
        "delegate_revoke_consent" => "revoked an access on your behalf, as your delegate",
        "open_emergency_access" => "opened emergency (break-glass) access",
        "review_emergency_access" => "reviewed an emergency access",
        "set_break_glass_policy" => "changed whether emergency access is allowed",
        _ => "made a change",
    }
}

fn audit_line(entry: &AuditEntry) -> (String, &'static str, String) {
    if let Some(access) = &entry.access {
        let what = format!(
            "tried to {} {} for {}",
            actions_in_words(access.action),
            categories_in_words(access.category),
            purposes_in_words(access.purpose)
        );
        let reason = access.reason.as_deref().and_then(reason_from_name);
        let (outcome, words) = match (access.allowed, reason) {
            (Some(true), Some(r)) if access.reason.as_deref() == Some("emergency_access") => {
                ("emergency", reason_words(r).to_string())
            }
            (Some(true), Some(r)) => ("granted", reason_words(r).to_string()),
            (Some(false), Some(r)) => ("denied", reason_words(r).to_string()),
            _ => ("failed", "the attempt failed and was not counted".to_string()),
        };
        return (what, outcome, words);
    }
    let what = instruction_words(&entry.instruction).to_string();
    if entry.succeeded {
        (what, "change", "change".into())
    } else {
        (what, "failed", "failed: nothing changed".into())
    }
}

fn record_status(status: RecordStatus) -> (&'static str, &'static str) {
    match status {
        RecordStatus::Current => ("current", "current"),
        RecordStatus::Amended => ("amended", "amended (a newer version exists)"),
        RecordStatus::EnteredInError => ("entered-in-error", "entered in error"),
    }
}

fn permissions_words(permissions: u8) -> String {
    match (
        permissions & delegate_permissions::GRANT != 0,
        permissions & delegate_permissions::REVOKE != 0,
    ) {
        (true, true) => "May grant and revoke access for you".into(),
        (true, false) => "May grant access for you".into(),
        (false, true) => "May revoke access for you".into(),
        (false, false) => "May do nothing".into(),
    }
}

async fn audit_views<B: Backend>(
    names: &mut Names<'_, B>,
    patient: &Pubkey,
    limit: usize,
) -> Result<Vec<AuditView>, SdkError> {
    let mut audit = Vec::new();
    for entry in names.chain.audit_trail(patient, limit).await? {
        let actor: Pubkey = entry.actor.parse().unwrap_or_default();
        let actor_name = names.of_wallet(&actor, patient).await?;
        let (what, outcome, outcome_words) = audit_line(&entry);
        audit.push(AuditView {
            signature: entry.signature.clone(),
            time: entry.unix_time,
            actor: entry.actor.clone(),
            actor_name,
            what,
            outcome,
            label: match outcome {
                "emergency" => "emergency read",
                other => other,
            },
            outcome_words,
        });
    }
    Ok(audit)
}

/// One notification: an audit line in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The transaction.
    pub signature: String,
    /// `granted`, `denied`, `emergency`, `failed` or `change`.
    pub outcome: &'static str,
    /// "Dr. Rivera tried to read imaging for treatment — denied: …".
    pub words: String,
    /// Unix time, when known.
    pub time: Option<i64>,
}

/// The newest `limit` audit lines of `patient`, newest first, as notifications.
pub async fn notifications<B: Backend>(
    chain: &Medchain<B>,
    options: &ActionOptions,
    patient: &Pubkey,
    limit: usize,
) -> Result<Vec<Notification>, SdkError> {
    let mut names = Names { chain, options, by_pda: BTreeMap::new() };
    Ok(audit_views(&mut names, patient, limit)
        .await?
        .into_iter()
        .map(|a| Notification {
            words: if a.outcome == "change" {
                format!("{} {}.", a.actor_name, a.what)
            } else {
                format!("{} {} — {}.", a.actor_name, a.what, a.outcome_words)
            },
            signature: a.signature,
            outcome: a.outcome,
            time: a.time,
        })
        .collect())
}

/// The data of the account at `address` as the ledger holds it, base64.
async fn raw<B: Backend>(chain: &Medchain<B>, address: &Pubkey) -> Result<String, SdkError> {
    use base64::Engine as _;
    let data = chain.backend().account(address).await?.map(|a| a.data).unwrap_or_default();
    Ok(base64::engine::general_purpose::STANDARD.encode(data))
}

/// Builds the overview of `patient` (a wallet).
pub async fn overview<B: Backend>(
    chain: &Medchain<B>,
    options: &ActionOptions,
    patient: &Pubkey,
) -> Result<Overview, SdkError> {
    let now = chain.backend().unix_time().await?;
    let account = chain.patient(patient).await?;
    let mut names = Names { chain, options, by_pda: BTreeMap::new() };

    let mut access = Vec::new();
    let mut consents = chain.consents_of_patient(patient).await?;
    consents.sort_by_key(|(_, c)| std::cmp::Reverse(c.expires_at));
    for (address, consent) in consents {
        let Some((provider, name)) = names.of_pda(&consent.provider).await? else { continue };
        let in_force = consent.is_in_force(now);
        let (status, status_words) = match consent.status {
            ConsentStatus::Revoked => ("revoked", "revoked".to_string()),
            ConsentStatus::Active if !in_force => ("expired", "expired".to_string()),
            ConsentStatus::Active => {
                ("active", format!("active, {} left", remaining_in_words(consent.expires_at - now)))
            }
        };
        let scope = consent.scope;
        access.push(AccessView {
            consent: address.to_string(),
            provider: provider.to_string(),
            provider_name: capitalize(&name),
            status,
            status_words,
            in_force,
            summary: capitalize(&access_in_words(&scope)),
            categories: terms(&CATEGORIES, scope.categories),
            purposes: terms(&PURPOSES, scope.purposes),
            actions: terms(&ACTIONS, scope.actions),
            expires_at: consent.expires_at,
            granted: consent.granted_count,
            denied: consent.denied_count,
            version: consent.version,
            account: raw(chain, &address).await?,
            reseal_hint: (consent.status == ConsentStatus::Revoked).then(|| {
                format!(
                    "{} keeps what they already opened: records sealed for them before the revoke still open with their key. Reseal those records without them (medchain -k YOUR_KEY.json record reseal FILE, or patient revoke --reseal DIR next time).",
                    capitalize(&name)
                )
            }),
        });
    }

    let mut requests = Vec::new();
    for (address, request) in chain.pending_requests(patient).await? {
        let Some((provider, name)) = names.of_pda(&request.provider).await? else { continue };
        let terms_asked = request.terms();
        let Scope { categories, purposes, actions } = terms_asked.scope;
        requests.push(RequestView {
            request: address.to_string(),
            provider: provider.to_string(),
            provider_name: capitalize(&name),
            summary: capitalize(&access_in_words(&terms_asked.scope)),
            duration_words: duration_in_words(terms_asked.duration_secs),
            days: (terms_asked.duration_secs / 86_400).max(1),
            categories: terms(&CATEGORIES, categories),
            purposes: terms(&PURPOSES, purposes),
            actions: terms(&ACTIONS, actions),
        });
    }

    let audit = audit_views(&mut names, patient, AUDIT_LIMIT).await?;

    let mut emergency = Vec::new();
    for (_, window) in chain.emergency_windows_of_patient(patient).await? {
        let Some((provider, name)) = names.of_pda(&window.provider).await? else { continue };
        emergency.push(EmergencyView {
            provider: provider.to_string(),
            provider_name: capitalize(&name),
            reason_words: format!(
                "Reason code {} of the provider's emergency protocol",
                window.reason_code
            ),
            opened_at: window.opened_at,
            expires_at: window.expires_at,
            open: window.is_open(now),
            reviewed: window.reviewed,
            reads: window.access_count,
        });
    }
    emergency.sort_by_key(|w| std::cmp::Reverse(w.opened_at));

    let mut records = Vec::new();
    let mut anchored = chain.records_of_patient(patient).await?;
    anchored.sort_by_key(|(_, r)| std::cmp::Reverse(r.created_at));
    for (address, record) in anchored {
        let author = match record.author_kind {
            AuthorKind::Patient => "You".to_string(),
            AuthorKind::Provider => match names.of_pda(&record.author).await? {
                Some((_, name)) => capitalize(&name),
                None => short_address(&record.author.to_string()),
            },
        };
        let (status, status_words) = record_status(record.status);
        records.push(RecordView {
            record: address.to_string(),
            category: capitalize(&categories_in_words(record.category)),
            status,
            status_words,
            version: record.version,
            created_at: record.created_at,
            author,
            content_hash: hex::encode(record.content_hash),
            account: raw(chain, &address).await?,
        });
    }

    let delegates = chain
        .delegates_of_patient(patient)
        .await?
        .into_iter()
        .map(|(_, d)| DelegateView {
            delegate: d.authority.to_string(),
            permissions: permissions_words(d.permissions),
            scope: if d.permissions & delegate_permissions::GRANT != 0 {
                access_in_words(&d.scope)
            } else {
                String::new()
            },
            expires_at: d.expires_at,
            active: d.is_in_force(now),
        })
        .collect();

    Ok(Overview {
        wallet: patient.to_string(),
        registered: account.is_some(),
        now,
        clinic_pays_fees: options.fee_payer.is_some(),
        break_glass_allowed: account.as_ref().is_some_and(|p| p.allows_break_glass),
        access,
        requests,
        audit,
        emergency,
        records,
        delegates,
        vocabulary: VocabularyView {
            categories: all(&CATEGORIES),
            purposes: all(&PURPOSES),
            actions: all(&ACTIONS),
        },
    })
}
