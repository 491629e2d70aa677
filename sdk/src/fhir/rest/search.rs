//! The reads and searches over the chain: which accounts match, in which order, and each
//! page's accounts mapped to FHIR (the other party's wallet and the anchoring signature are
//! read only for the page).

use super::capability::ResourceType;
use super::params::{Filter, Search};
use super::searchset::{uuid_urn, Match, SearchResult};
use super::{RestError, AUDIT_HISTORY_LIMIT};
use crate::audit::{audit_entries, instruction_name};
use crate::backend::Backend;
use crate::client::Medchain;
use crate::error::SdkError;
use crate::fhir::consent::consent_status;
use crate::fhir::{
    audit_trail_events, consent_to_fhir, record_anchor_to_provenance, Anchor, RecordAnchor,
    SOLANA_PUBKEY_SYSTEM,
};
use crate::identity::{Identifier, IdentifierMap, Role};
use crate::pda;
use crate::state::{AuthorKind, Consent, Patient, Provider, Record, RecordBatch};
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// How many transactions of a Record or RecordBatch account are read to find the one that
/// anchored it (an account is touched by its anchoring, at most one amendment and one
/// entered-in-error mark).
const ANCHOR_HISTORY: usize = 16;
/// The instructions that create a Record or RecordBatch account.
const ANCHORING: [&str; 3] = ["anchor_record", "amend_record", "anchor_batch"];

/// The account a read's id names.
pub(super) fn parse_id(resource: ResourceType, id: &str) -> Result<Pubkey, RestError> {
    Pubkey::from_str(id).map_err(|_| RestError::InvalidId { resource, id: id.to_string() })
}

/// The medchain account of type `T` at `address`; `None` when there is none, or it is not
/// medchain's, or of another type.
async fn account_of<T: AccountDeserialize + Discriminator, B: Backend>(
    chain: &Medchain<B>,
    address: &Pubkey,
    what: &'static str,
) -> Result<Option<T>, SdkError> {
    match chain.backend().account(address).await? {
        Some(a) if a.owner == medchain::ID && a.data.starts_with(T::DISCRIMINATOR) => {
            crate::access::decode_account(address, what, &a.data).map(Some)
        }
        _ => Ok(None),
    }
}

/// The FHIR `Consent` of the Consent account at `address`, as it stands at `now` (the
/// wallets behind its Patient and Provider accounts are read from the chain); `None` when
/// there is no consent there (or it was never granted). What `medchain consent export` and
/// `GET /fhir/Consent/{address}` answer.
///
/// # Errors
///
/// [`RestError::Chain`] when the chain cannot be read or the consent's Patient or Provider
/// account is missing, [`RestError::Export`] when the consent cannot be mapped.
pub async fn consent_resource<B: Backend>(
    chain: &Medchain<B>,
    address: &Pubkey,
    now: i64,
) -> Result<Option<Value>, RestError> {
    let Some(consent) = account_of::<Consent, B>(chain, address, "Consent").await? else {
        return Ok(None);
    };
    if consent.version == 0 {
        return Ok(None);
    }
    let patient = patient_wallet(chain, &consent.patient, &[]).await?;
    let provider = provider_wallet(chain, &consent.provider, &[]).await?;
    Ok(Some(consent_to_fhir(&consent, address, &patient, &provider, now)?))
}

/// The FHIR `Provenance` of the Record or RecordBatch account at `address` (its id is the
/// address; its target is named by it); `None` when there is neither there.
///
/// # Errors
///
/// [`RestError::Chain`] and [`RestError::Export`].
pub async fn provenance_resource<B: Backend>(
    chain: &Medchain<B>,
    address: &Pubkey,
) -> Result<Option<Value>, RestError> {
    match anchored_at(chain, address).await? {
        Some(anchored) => Ok(Some(provenance(chain, address, &anchored).await?)),
        None => Ok(None),
    }
}

/// A wallet from `known` whose PDA (by `derive`) is `account`, else the account's authority.
async fn wallet_of<T, B: Backend>(
    chain: &Medchain<B>,
    account: &Pubkey,
    known: &[Pubkey],
    derive: fn(&Pubkey) -> Pubkey,
    what: &'static str,
    authority: fn(&T) -> Pubkey,
) -> Result<Pubkey, RestError>
where
    T: AccountDeserialize,
{
    if let Some(wallet) = known.iter().find(|w| derive(w) == *account) {
        return Ok(*wallet);
    }
    let state: T = chain.must_fetch(account, what).await?;
    Ok(authority(&state))
}

async fn patient_wallet<B: Backend>(
    chain: &Medchain<B>,
    account: &Pubkey,
    known: &[Pubkey],
) -> Result<Pubkey, RestError> {
    wallet_of::<Patient, B>(chain, account, known, pda::patient, "Patient", |p| p.authority).await
}

async fn provider_wallet<B: Backend>(
    chain: &Medchain<B>,
    account: &Pubkey,
    known: &[Pubkey],
) -> Result<Pubkey, RestError> {
    wallet_of::<Provider, B>(chain, account, known, pda::provider, "Provider", |p| p.authority)
        .await
}

/// What a Record or RecordBatch account anchors.
#[derive(Debug)]
enum Anchored {
    Record(Record),
    Batch(RecordBatch),
}

impl Anchored {
    fn created_at(&self) -> i64 {
        match self {
            Anchored::Record(r) => r.created_at,
            Anchored::Batch(b) => b.created_at,
        }
    }
}

async fn anchored_at<B: Backend>(
    chain: &Medchain<B>,
    address: &Pubkey,
) -> Result<Option<Anchored>, SdkError> {
    if let Some(record) = account_of::<Record, B>(chain, address, "Record").await? {
        return Ok(Some(Anchored::Record(record)));
    }
    Ok(account_of::<RecordBatch, B>(chain, address, "RecordBatch").await?.map(Anchored::Batch))
}

/// The signature of the transaction that created the Record or RecordBatch at `address`:
/// the oldest successful anchoring transaction that names it.
async fn anchoring_signature<B: Backend>(
    chain: &Medchain<B>,
    address: &Pubkey,
) -> Result<Option<String>, SdkError> {
    let key = address.to_bytes();
    let history = chain.backend().history(address, ANCHOR_HISTORY).await?;
    Ok(history
        .iter()
        .rev()
        .filter(|tx| tx.succeeded())
        .find(|tx| {
            tx.instructions.iter().any(|ix| {
                ix.accounts.contains(&key)
                    && instruction_name(&ix.data).is_some_and(|n| ANCHORING.contains(&n))
            })
        })
        .map(|tx| tx.signature.clone()))
}

async fn provenance<B: Backend>(
    chain: &Medchain<B>,
    address: &Pubkey,
    anchored: &Anchored,
) -> Result<Value, RestError> {
    let (anchor, author_wallet) = match anchored {
        Anchored::Record(record) => {
            let author = match record.author_kind {
                AuthorKind::Patient => patient_wallet(chain, &record.author, &[]).await?,
                AuthorKind::Provider => provider_wallet(chain, &record.author, &[]).await?,
            };
            (Anchor::Record { record, address: *address }, author)
        }
        Anchored::Batch(batch) => (
            Anchor::Batch { batch, address: *address },
            provider_wallet(chain, &batch.author, &[]).await?,
        ),
    };
    let signature = anchoring_signature(chain, address).await?;
    let mut resource = record_anchor_to_provenance(&RecordAnchor {
        anchor,
        target: None,
        author_wallet,
        signature: signature.as_deref(),
    })?;
    resource["id"] = json!(address.to_string());
    Ok(resource)
}

/// Runs searches with the clinic's identifier map on one chain.
pub(super) struct Searcher<'a, B: Backend> {
    pub chain: &'a Medchain<B>,
    pub identifiers: &'a IdentifierMap,
    pub chain_id: &'a str,
    pub base: &'a str,
}

impl<B: Backend> Searcher<'_, B> {
    pub async fn run(&self, search: &Search) -> Result<SearchResult, RestError> {
        match search.resource {
            ResourceType::Consent => self.consents(search).await,
            ResourceType::AuditEvent => self.audit_events(search).await,
            ResourceType::Provenance => self.provenances(search).await,
        }
    }

    /// The wallet an identifier names for `role`: a plain base58 key is a wallet; anything
    /// else is resolved by the identifier map (CAIP-10, `urn:solana:pubkey`, map entries).
    fn resolve(&self, role: Role, identifier: &Identifier) -> Option<Pubkey> {
        if identifier.system.is_none() {
            if let Ok(wallet) = Pubkey::from_str(&identifier.value) {
                return Some(wallet);
            }
        }
        self.identifiers.resolve(role, self.chain_id, identifier)
    }

    /// The wallets the `name` parameters name: within one parameter any alternative, across
    /// repetitions all of them; `None` when the search has no such parameter.
    fn wallets(&self, search: &Search, name: &str, role: Role) -> Option<BTreeSet<Pubkey>> {
        let mut result: Option<BTreeSet<Pubkey>> = None;
        for filter in search.filters_named(name) {
            let Filter::Identifiers { any_of, .. } = filter else { continue };
            let named: BTreeSet<Pubkey> =
                any_of.iter().filter_map(|id| self.resolve(role, id)).collect();
            result = Some(match result {
                None => named,
                Some(before) => before.intersection(&named).copied().collect(),
            });
        }
        result
    }

    async fn consents(&self, search: &Search) -> Result<SearchResult, RestError> {
        let patients = self.wallets(search, "patient", Role::Patient);
        let actors = self.wallets(search, "actor", Role::Actor);
        let mut found: BTreeMap<Pubkey, Consent> = BTreeMap::new();
        match (&patients, &actors) {
            (None, None) => {
                return Err(RestError::MissingParameter {
                    resource: ResourceType::Consent,
                    needed: "patient or actor",
                })
            }
            (Some(patients), _) => {
                for patient in patients {
                    found.extend(self.chain.consents_of_patient(patient).await?);
                }
            }
            (None, Some(actors)) => {
                for actor in actors {
                    found.extend(self.chain.consents_of_provider(actor).await?);
                }
            }
        }
        if let Some(actors) = &actors {
            let accounts: BTreeSet<Pubkey> = actors.iter().map(pda::provider).collect();
            found.retain(|_, c| accounts.contains(&c.provider));
        }
        let now = self.chain.backend().unix_time().await?;
        let mut consents: Vec<(Pubkey, Consent)> = found
            .into_iter()
            .filter(|(_, c)| c.version > 0)
            .filter(|(_, c)| {
                search.filters_named("status").all(|f| match f {
                    Filter::Codes { any_of, .. } => {
                        any_of.iter().any(|code| code == consent_status(c, now))
                    }
                    _ => true,
                })
            })
            .collect();
        consents.sort_by_key(|(address, c)| (Reverse(c.granted_at), *address));
        let (total, page) = SearchResult::page_of(consents, search);
        let known_patients: Vec<Pubkey> = patients.into_iter().flatten().collect();
        let known_actors: Vec<Pubkey> = actors.into_iter().flatten().collect();
        let mut matches = Vec::with_capacity(page.len());
        for (address, consent) in page {
            let patient = patient_wallet(self.chain, &consent.patient, &known_patients).await?;
            let provider = provider_wallet(self.chain, &consent.provider, &known_actors).await?;
            matches.push(Match {
                full_url: format!("{}/Consent/{address}", self.base),
                resource: consent_to_fhir(&consent, &address, &patient, &provider, now)?,
            });
        }
        Ok(SearchResult { total, page: matches, warnings: Vec::new() })
    }

    async fn audit_events(&self, search: &Search) -> Result<SearchResult, RestError> {
        let patients =
            self.wallets(search, "patient", Role::Patient).ok_or(RestError::MissingParameter {
                resource: ResourceType::AuditEvent,
                needed: "patient",
            })?;
        let mut events = Vec::new();
        let mut warnings = Vec::new();
        for patient in &patients {
            // As `Medchain::audit_trail`, keeping the history's length to tell a cut trail.
            let subject = pda::patient(patient);
            let history = self.chain.backend().history(&subject, AUDIT_HISTORY_LIMIT).await?;
            if history.len() >= AUDIT_HISTORY_LIMIT {
                warnings.push(format!(
                    "the audit trail of {patient} is longer than {AUDIT_HISTORY_LIMIT} transactions: only the newest {AUDIT_HISTORY_LIMIT} were searched"
                ));
            }
            events.extend(audit_trail_events(patient, &audit_entries(&subject, &history))?);
        }
        events.retain(|e| {
            search.filters_named("date").all(|f| match f {
                Filter::Dates { any_of, .. } => any_of.iter().any(|d| d.matches(e.at)),
                _ => true,
            })
        });
        events.sort_by_key(|e| Reverse(e.at));
        let (total, page) = SearchResult::page_of(events, search);
        let page = page
            .into_iter()
            .map(|e| Match {
                full_url: uuid_urn(format!("{}#{}", e.signature, e.index).as_bytes()),
                resource: e.resource,
            })
            .collect();
        Ok(SearchResult { total, page, warnings })
    }

    /// The accounts one `target` alternative names.
    async fn targets(
        &self,
        identifier: &Identifier,
    ) -> Result<BTreeMap<Pubkey, Anchored>, RestError> {
        let mut found = BTreeMap::new();
        let address = match identifier.system.as_deref() {
            None | Some(SOLANA_PUBKEY_SYSTEM) => Pubkey::from_str(&identifier.value).ok(),
            Some(_) => None,
        };
        if let Some(address) = address {
            if let Some(anchored) = anchored_at(self.chain, &address).await? {
                found.insert(address, anchored);
            }
        } else if identifier.system.is_none() {
            let mut hash = [0u8; 32];
            if hex::decode_to_slice(&identifier.value, &mut hash).is_ok() {
                for (address, record) in self.chain.records_with_content(&hash).await? {
                    found.insert(address, Anchored::Record(record));
                }
            }
        }
        Ok(found)
    }

    async fn provenances(&self, search: &Search) -> Result<SearchResult, RestError> {
        let mut sets: Vec<BTreeMap<Pubkey, Anchored>> = Vec::new();
        for filter in search.filters_named("target") {
            let Filter::Identifiers { any_of, .. } = filter else { continue };
            let mut union = BTreeMap::new();
            for identifier in any_of {
                union.extend(self.targets(identifier).await?);
            }
            sets.push(union);
        }
        if let Some(patients) = self.wallets(search, "patient", Role::Patient) {
            let mut records = BTreeMap::new();
            for patient in &patients {
                for (address, record) in self.chain.records_of_patient(patient).await? {
                    records.insert(address, Anchored::Record(record));
                }
            }
            sets.push(records);
        }
        let mut sets = sets.into_iter();
        let Some(mut found) = sets.next() else {
            return Err(RestError::MissingParameter {
                resource: ResourceType::Provenance,
                needed: "target or patient",
            });
        };
        for other in sets {
            found.retain(|address, _| other.contains_key(address));
        }
        let mut anchored: Vec<(Pubkey, Anchored)> = found.into_iter().collect();
        anchored.sort_by_key(|(address, a)| (Reverse(a.created_at()), *address));
        let (total, page) = SearchResult::page_of(anchored, search);
        let mut matches = Vec::with_capacity(page.len());
        for (address, anchored) in page {
            matches.push(Match {
                full_url: format!("{}/Provenance/{address}", self.base),
                resource: provenance(self.chain, &address, &anchored).await?,
            });
        }
        Ok(SearchResult { total, page: matches, warnings: Vec::new() })
    }
}
