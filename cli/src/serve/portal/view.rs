//! What the portal shows a patient, read from the ledger through the SDK and put in plain
//! words from the SDK's vocabulary table (`medchain_sdk::vocabulary`), the Actions wording
//! (`medchain_sdk::actions::describe`) and the audit's reasons (`medchain_sdk::audit`). The
//! page only lays these out; it keeps no vocabulary of its own.

use anchor_lang::prelude::Pubkey;
use medchain_sdk::actions::describe::{
    access_in_words, actions_in_words, categories_in_words, duration_in_words, join_words,
    purposes_in_words, remaining_in_words, short_address,
};
use medchain_sdk::actions::{ActionOptions, Actions};
use medchain_sdk::audit::{reason_from_name, reason_words, AuditEntry};
use medchain_sdk::delegation::{Mandate, MandateError};
use medchain_sdk::state::{
    delegate_permissions, AccessRequest, AuthorKind, ConsentStatus, Provider, RecordStatus,
    RequestTerms, Scope,
};
use medchain_sdk::vocabulary::{
    terms_in, Term, ACTIONS, CATEGORIES, DELEGATE_PERMISSIONS, PURPOSES,
};
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

/// A request the signed-in wallet may answer for another patient, as that patient's
/// delegate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerView {
    /// The request as the provider asked it.
    asked: RequestView,
    /// The most an approval grants, cut to the mandate (what the approve form offers), or
    /// `None` when nothing of the request lies within the mandate.
    within_mandate: Option<RequestView>,
    /// True when the mandate cuts anything from what was asked.
    cut: bool,
    /// Why it cannot be approved, when it cannot (it can still be denied).
    refusal: Option<String>,
}

/// A patient the signed-in wallet acts for (a mandate it holds).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MandateView {
    /// The patient's wallet.
    patient: String,
    /// "You may grant access and answer providers' requests (approve or deny)".
    permissions: String,
    /// The mandate's scope in words (empty when it only revokes).
    scope: String,
    expires_at: i64,
    active: bool,
    /// Why it cannot answer requests now (no `answer` permission, ended), if so.
    answer_refusal: Option<String>,
    /// The patient's pending requests, when the mandate may answer them.
    requests: Vec<AnswerView>,
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
    /// The patients this wallet acts for, as their delegate.
    acting_for: Vec<MandateView>,
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
        "delegate_approve_request" => {
            "approved a request for access on your behalf, as your delegate"
        }
        "delegate_deny_request" => "denied a request for access on your behalf, as your delegate",
        "set_patient_encryption_key" => "published an encryption key for sealed records",
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

/// "grant access, revoke any consent and answer providers' requests (approve or deny)",
/// from the vocabulary table; "do nothing" when no permission is held.
fn permissions_words(permissions: u8) -> String {
    let words: Vec<&str> = terms_in(&DELEGATE_PERMISSIONS, permissions).map(|t| t.words).collect();
    if words.is_empty() {
        "do nothing".into()
    } else {
        join_words(&words)
    }
}

/// The mandate's scope in words, when it bounds something (granting or answering); empty
/// when the delegate only revokes (which any consent may be).
fn mandate_scope_words(permissions: u8, scope: &Scope) -> String {
    if permissions & (delegate_permissions::GRANT | delegate_permissions::ANSWER) != 0 {
        access_in_words(scope)
    } else {
        String::new()
    }
}

/// A request's terms as the portal shows them (the provider's, or what a delegate may
/// approve of them): `duration_words` says for how long, `days` is the most the approve
/// form offers.
fn request_view(
    address: &Pubkey,
    provider: &Pubkey,
    name: &str,
    terms_shown: &RequestTerms,
    duration_words: String,
    days: i64,
) -> RequestView {
    let Scope { categories, purposes, actions } = terms_shown.scope;
    RequestView {
        request: address.to_string(),
        provider: provider.to_string(),
        provider_name: capitalize(name),
        summary: capitalize(&access_in_words(&terms_shown.scope)),
        duration_words,
        days,
        categories: terms(&CATEGORIES, categories),
        purposes: terms(&PURPOSES, purposes),
        actions: terms(&ACTIONS, actions),
    }
}

/// Why a delegate cannot answer, in the page's words (the SDK's `MandateError` names the
/// patient and uses the CLI's names; the page shows the patient's address above and uses
/// the vocabulary's words).
fn refusal_words(mandate: &Mandate, e: &MandateError) -> String {
    let d = &mandate.delegate;
    match e {
        MandateError::Expired { .. } => {
            "Your mandate for this patient has ended: you can no longer answer for them.".into()
        }
        MandateError::NotPermitted { .. } => format!(
            "Your mandate lets you {}; answering requests needs the 'answer' permission, which the patient can give you.",
            permissions_words(d.permissions)
        ),
        MandateError::OutsideScope { .. } => format!(
            "Nothing of this request lies within your mandate ({}): deny it, or ask the patient to answer.",
            access_in_words(&d.scope)
        ),
    }
}

/// The whole days of a duration, at least 1: the most an approve form offers.
fn whole_days(secs: i64) -> i64 {
    (secs / 86_400).max(1)
}

/// What the holder of `mandate` may answer of `request`, at `now`.
fn answer_view(
    mandate: &Mandate,
    address: &Pubkey,
    provider: &Pubkey,
    name: &str,
    request: &AccessRequest,
    now: i64,
) -> AnswerView {
    let asked = request.terms();
    let (within_mandate, cut, refusal) = match mandate.approval(&asked, now) {
        Ok(approval) => {
            let asked_days = whole_days(approval.terms.duration_secs);
            let left = approval.expires_at.saturating_sub(now).max(1);
            // Cut at the mandate's end: the form offers the days up to it (the program ends
            // the consent there), never more than the request's.
            let (duration, words, days) = if left < approval.terms.duration_secs {
                let words = format!("until your mandate ends, in {}", remaining_in_words(left));
                (left, words, ((left + 86_399) / 86_400).clamp(1, asked_days))
            } else {
                let secs = approval.terms.duration_secs;
                (secs, duration_in_words(secs), asked_days)
            };
            let approvable = RequestTerms::new(approval.terms.scope, duration);
            (
                Some(request_view(address, provider, name, &approvable, words, days)),
                approval.narrowed,
                None,
            )
        }
        Err(e) => (None, true, Some(refusal_words(mandate, &e))),
    };
    let asked_words = duration_in_words(asked.duration_secs);
    AnswerView {
        asked: request_view(
            address,
            provider,
            name,
            &asked,
            asked_words,
            whole_days(asked.duration_secs),
        ),
        within_mandate,
        cut,
        refusal,
    }
}

/// The mandates `wallet` holds, with the requests each may answer.
async fn acting_for<B: Backend>(
    names: &mut Names<'_, B>,
    wallet: &Pubkey,
    now: i64,
) -> Result<Vec<MandateView>, SdkError> {
    let mut views = Vec::new();
    for mandate in names.chain.mandates_held_by(wallet).await? {
        let d = &mandate.delegate;
        let answer_refusal = mandate.may_answer(now).err().map(|e| refusal_words(&mandate, &e));
        let mut requests = Vec::new();
        if answer_refusal.is_none() {
            for (address, request) in names.chain.pending_requests(&mandate.patient_wallet).await? {
                let Some((provider, name)) = names.of_pda(&request.provider).await? else {
                    continue;
                };
                requests.push(answer_view(&mandate, &address, &provider, &name, &request, now));
            }
        }
        views.push(MandateView {
            patient: mandate.patient_wallet.to_string(),
            permissions: format!("You may {} for this patient", permissions_words(d.permissions)),
            scope: mandate_scope_words(d.permissions, &d.scope),
            expires_at: d.expires_at,
            active: d.is_in_force(now),
            answer_refusal,
            requests,
        });
    }
    Ok(views)
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
        let asked = request.terms();
        let words = duration_in_words(asked.duration_secs);
        let days = whole_days(asked.duration_secs);
        requests.push(request_view(&address, &provider, &name, &asked, words, days));
    }
    let acting_for = acting_for(&mut names, patient, now).await?;

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
            permissions: format!("May {} for you", permissions_words(d.permissions)),
            scope: mandate_scope_words(d.permissions, &d.scope),
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
        acting_for,
        vocabulary: VocabularyView {
            categories: all(&CATEGORIES),
            purposes: all(&PURPOSES),
            actions: all(&ACTIONS),
        },
    })
}
