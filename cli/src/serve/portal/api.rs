//! The portal's JSON API: sign-in, the overview, and building and submitting transactions.
//! Errors are `{"message": "…"}` with 400 (malformed, tampered, refused by the ledger), 401
//! (no or expired session, a refused sign-in), 403 (another patient's account), 404, 413,
//! 502/500 (the ledger could not be read).

use super::session::{random_token, Pending, Session, Store, PENDING_SECS, SESSION_SECS};
use super::siws::{self, Challenge, CHALLENGE_SECS};
use super::view;
use crate::serve::{actions_error, error_response, json_response, AppState};
use anchor_lang::prelude::Pubkey;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use base64::Engine as _;
use medchain_sdk::actions::proposal::parse_pubkey;
use medchain_sdk::actions::verify::check_transaction;
use medchain_sdk::actions::{Action, ActionPlan, Actions, ActionsError, Narrowing};
use medchain_sdk::names::{parse_actions, parse_categories, parse_purposes};
use medchain_sdk::state::Scope;
use medchain_sdk::{Backend, SdkError};
use serde::Deserialize;
use serde_json::json;
use solana_sdk::signature::{Signature, Signer};
use solana_sdk::transaction::Transaction;
use std::sync::Arc;

/// The session cookie's name.
pub const COOKIE: &str = "medchain_portal";
/// Largest request body (a signed transaction in base64 is under 2 KiB).
const MAX_BODY: usize = 16 * 1024;

type St<B> = State<Arc<AppState<B>>>;
type Shared = Extension<Arc<Store>>;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The host (and port) of the base URL: the SIWS domain.
pub fn domain(base_url: &str) -> &str {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// The portal's URL: the SIWS URI.
pub fn portal_uri(base_url: &str) -> String {
    format!("{}/portal", base_url.trim_end_matches('/'))
}

fn unauthorized(message: impl Into<String>) -> Response {
    error_response(StatusCode::UNAUTHORIZED, message)
}

fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// The session of the request's cookie, or a 401.
// A handler's early answer, returned once per request: not worth boxing.
#[allow(clippy::result_large_err)]
fn session(store: &Store, headers: &HeaderMap) -> Result<Session, Response> {
    let token = token(headers).ok_or_else(|| unauthorized("you are not signed in"))?;
    store
        .session(token, now())
        .ok_or_else(|| unauthorized("your session has ended; sign in again with your wallet"))
}

/// The session, and the path's wallet, which must be the session's: a session acts only for
/// its own patient.
// A handler's early answer, returned once per request: not worth boxing.
#[allow(clippy::result_large_err)]
fn own_patient(store: &Store, headers: &HeaderMap, wallet: &str) -> Result<Session, Response> {
    let session = session(store, headers)?;
    let wallet = parse_pubkey(wallet, "wallet").map_err(|e| actions_error(&e))?;
    if wallet != session.wallet {
        return Err(error_response(
            StatusCode::FORBIDDEN,
            format!(
                "this session is signed in as {}; it cannot read or change the records of another patient ({wallet})",
                session.wallet
            ),
        ));
    }
    Ok(session)
}

async fn body_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, Response> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send JSON (Content-Type: application/json)",
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {MAX_BODY} bytes"),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        error_response(
            StatusCode::BAD_REQUEST,
            format!("the body is not what this request takes: {e}"),
        )
    })
}

// A handler's early answer, returned once per request: not worth boxing.
#[allow(clippy::result_large_err)]
fn decode_base64(text: &str, what: &str) -> Result<Vec<u8>, Response> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| error_response(StatusCode::BAD_REQUEST, format!("{what} is not base64")))
}

/// `GET /portal/api/challenge`: SIWS fields with a fresh single-use nonce.
pub async fn challenge<B: Backend + 'static>(
    State(state): St<B>,
    Extension(store): Shared,
) -> Response {
    let Ok(nonce) = random_token() else {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, "no randomness available");
    };
    let nonce = nonce[..32].to_string();
    let now = now();
    if let Err(e) = store.add_nonce(nonce.clone(), now + CHALLENGE_SECS, now) {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
    }
    let base = &state.config.base_url;
    json_response(StatusCode::OK, &Challenge::new(domain(base), &portal_uri(base), &nonce, now))
}

/// The body of a sign-in: what `solana:signIn` returned.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInBody {
    /// The signed message, base64.
    signed_message: String,
    /// The ed25519 signature, base64.
    signature: String,
    /// The account's address (base58).
    address: String,
}

/// `POST /portal/api/session`: verifies the SIWS sign-in and opens a session.
pub async fn sign_in<B: Backend + 'static>(
    State(state): St<B>,
    Extension(store): Shared,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body: SignInBody = match body_json(&headers, body).await {
        Ok(body) => body,
        Err(r) => return r,
    };
    let (message, signature) = match (
        decode_base64(&body.signed_message, "signedMessage"),
        decode_base64(&body.signature, "signature"),
    ) {
        (Ok(m), Ok(s)) => (m, s),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let base = &state.config.base_url;
    let now = now();
    let verified = siws::verify(
        &message,
        &signature,
        &body.address,
        domain(base),
        &portal_uri(base),
        now,
        |nonce| store.take_nonce(nonce, now),
    );
    let verified = match verified {
        Ok(v) => v,
        Err(e) => return unauthorized(format!("sign-in refused: {e}")),
    };
    let Ok(token) = random_token() else {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, "no randomness available");
    };
    let session = Session { wallet: verified.wallet, expires_at: now + SESSION_SECS };
    if let Err(e) = store.add_session(token.clone(), session, now) {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
    }
    let secure = if base.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={token}; Path=/portal; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECS}{secure}"
    );
    let mut response = json_response(
        StatusCode::OK,
        &json!({ "wallet": session.wallet.to_string(), "expiresAt": session.expires_at }),
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `GET /portal/api/session`: who is signed in.
pub async fn current_session(Extension(store): Shared, headers: HeaderMap) -> Response {
    match session(&store, &headers) {
        Ok(s) => json_response(
            StatusCode::OK,
            &json!({ "wallet": s.wallet.to_string(), "expiresAt": s.expires_at }),
        ),
        Err(r) => r,
    }
}

/// `DELETE /portal/api/session`: signs out.
pub async fn sign_out(Extension(store): Shared, headers: HeaderMap) -> Response {
    if let Some(token) = token(&headers) {
        store.end_session(token);
    }
    let mut response = json_response(StatusCode::OK, &json!({ "signedOut": true }));
    let clear = format!("{COOKIE}=; Path=/portal; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn sdk_error(e: SdkError) -> Response {
    actions_error(&ActionsError::Sdk(e))
}

/// `GET /portal/api/patients/{wallet}`: the overview.
pub async fn overview<B: Backend + 'static>(
    State(state): St<B>,
    Extension(store): Shared,
    Path(wallet): Path<String>,
    headers: HeaderMap,
) -> Response {
    let session = match own_patient(&store, &headers, &wallet) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match view::overview(&state.chain, &state.config.options, &session.wallet).await {
        Ok(overview) => json_response(StatusCode::OK, &overview),
        Err(e) => sdk_error(e),
    }
}

/// A change the patient asks for.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Change {
    /// Approve a pending request, optionally narrowed.
    Approve {
        /// The AccessRequest address.
        request: String,
        /// Only these categories.
        categories: Option<Vec<String>>,
        /// Only these purposes.
        purposes: Option<Vec<String>>,
        /// Only these actions.
        actions: Option<Vec<String>>,
        /// Only this many days.
        days: Option<i64>,
    },
    /// Deny a pending request.
    Deny {
        /// The AccessRequest address.
        request: String,
    },
    /// Revoke a consent.
    Revoke {
        /// The Consent address.
        consent: String,
    },
    /// Replace a consent's terms.
    #[serde(rename = "change")]
    Update {
        /// The Consent address.
        consent: String,
        /// The categories.
        categories: Vec<String>,
        /// The purposes.
        purposes: Vec<String>,
        /// The actions.
        actions: Vec<String>,
        /// Days from now.
        days: i64,
    },
    /// Review a break-glass window.
    Review {
        /// The provider's wallet.
        provider: String,
        /// End it now.
        #[serde(rename = "endNow")]
        end_now: bool,
    },
    /// Remove a delegate.
    RemoveDelegate {
        /// The delegate's wallet.
        delegate: String,
    },
}

fn bad(message: impl Into<String>) -> ActionsError {
    ActionsError::BadRequest(message.into())
}

/// The approval's narrowing, through the very parser the Actions' query strings use.
fn narrowing(
    categories: &Option<Vec<String>>,
    purposes: &Option<Vec<String>>,
    actions: &Option<Vec<String>>,
    days: Option<i64>,
) -> Result<Narrowing, ActionsError> {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, list) in [("categories", categories), ("purposes", purposes), ("actions", actions)] {
        if let Some(list) = list {
            query.append_pair(key, &list.join(","));
        }
    }
    if let Some(days) = days {
        query.append_pair("days", &days.to_string());
    }
    Narrowing::from_query(&query.finish())
}

fn unknown(e: medchain_sdk::names::UnknownName) -> ActionsError {
    bad(e.to_string())
}

/// The plan and the words the patient confirms, for `change` by `wallet`.
async fn plan<B: Backend>(
    actions: &Actions<'_, B>,
    change: &Change,
    wallet: &Pubkey,
) -> Result<(ActionPlan, String), ActionsError> {
    let action = match change {
        Change::Approve { request, categories, purposes, actions: acts, days } => {
            Some(Action::Approve {
                request: parse_pubkey(request, "request")?,
                narrowing: narrowing(categories, purposes, acts, *days)?,
            })
        }
        Change::Deny { request } => {
            Some(Action::Deny { request: parse_pubkey(request, "request")? })
        }
        Change::Revoke { consent } => {
            Some(Action::Revoke { consent: parse_pubkey(consent, "consent")? })
        }
        _ => None,
    };
    if let Some(action) = action {
        // A delegate answering for its patient is told so ("You are approving on behalf
        // of patient …"); the patient reads the request's own description.
        let plan = actions.plan(&action, wallet).await?;
        let description = match plan.on_behalf_of {
            Some(_) => plan.message.clone(),
            None => actions.describe(&action).await?.description,
        };
        return Ok((plan, description));
    }
    let plan = match change {
        Change::Update { consent, categories, purposes, actions: acts, days } => {
            if !(1..=3_650).contains(days) {
                return Err(bad("'days' must be a whole number from 1 to 3650"));
            }
            let scope = Scope::new(
                parse_categories(&categories.join(",")).map_err(unknown)?,
                parse_purposes(&purposes.join(",")).map_err(unknown)?,
                parse_actions(&acts.join(",")).map_err(unknown)?,
            );
            actions
                .plan_update(&parse_pubkey(consent, "consent")?, scope, days * 86_400, wallet)
                .await?
        }
        Change::Review { provider, end_now } => {
            actions
                .plan_review_emergency(&parse_pubkey(provider, "provider")?, *end_now, wallet)
                .await?
        }
        Change::RemoveDelegate { delegate } => {
            actions.plan_remove_delegate(&parse_pubkey(delegate, "delegate")?, wallet).await?
        }
        Change::Approve { .. } | Change::Deny { .. } | Change::Revoke { .. } => {
            return Err(bad("unreachable change"))
        }
    };
    let description = plan.message.clone();
    Ok((plan, description))
}

/// `POST /portal/api/patients/{wallet}/transactions`: builds the transaction of a change,
/// signed by the clinic's fee payer when it pays, and remembers it for this session.
pub async fn build<B: Backend + 'static>(
    State(state): St<B>,
    Extension(store): Shared,
    Path(wallet): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let session = match own_patient(&store, &headers, &wallet) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let change: Change = match body_json(&headers, body).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = async {
        let actions = Actions::new(&state.chain, &state.config.options);
        let (plan, description) = plan(&actions, &change, &session.wallet).await?;
        let blockhash = state.chain.backend().latest_blockhash().await?;
        let mut transaction = plan.transaction(blockhash);
        if let Some(payer) =
            state.config.fee_payer.as_ref().filter(|k| k.pubkey() == plan.expected.fee_payer)
        {
            transaction
                .try_partial_sign(&[payer], blockhash)
                .map_err(|e| ActionsError::Sdk(SdkError::Signing(e.to_string())))?;
        }
        check_transaction(&transaction, &plan.expected)?;
        Ok::<_, ActionsError>((plan, description, transaction))
    }
    .await;
    let (plan, description, transaction) = match result {
        Ok(built) => built,
        Err(e) => return actions_error(&e),
    };
    let bytes = match bincode::serialize(&transaction) {
        Ok(bytes) => bytes,
        Err(e) => {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot serialize: {e}"),
            )
        }
    };
    let Ok(id) = random_token() else {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, "no randomness available");
    };
    let id = id[..24].to_string();
    let now = now();
    let pending = Pending {
        wallet: session.wallet,
        transaction,
        expected: plan.expected,
        message: plan.message,
        expires_at: now + PENDING_SECS,
    };
    if let Err(e) = store.add_pending(id.clone(), pending, now) {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
    }
    json_response(
        StatusCode::OK,
        &json!({
            "id": id,
            "transaction": base64::engine::general_purpose::STANDARD.encode(bytes),
            "description": description,
        }),
    )
}

/// The body of a submission.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// The signed transaction, base64 of its wire bytes.
    transaction: String,
}

/// Refused before sending: the ledger is untouched.
fn tampered(why: impl std::fmt::Display) -> Response {
    error_response(
        StatusCode::BAD_REQUEST,
        format!("refused: the signed transaction is not the one built for you ({why}); it was not sent and nothing changed"),
    )
}

/// `POST /portal/api/patients/{wallet}/transactions/{id}`: checks that the signed transaction
/// is exactly the one built for this session, then sends it.
pub async fn submit<B: Backend + 'static>(
    State(state): St<B>,
    Extension(store): Shared,
    Path((wallet, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let session = match own_patient(&store, &headers, &wallet) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let body: SubmitBody = match body_json(&headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let pending = match store.take_pending(&id, &session.wallet, now()) {
        Ok(p) => p,
        Err(true) => {
            return error_response(
                StatusCode::FORBIDDEN,
                "this transaction was built for another patient",
            )
        }
        Err(false) => return error_response(
            StatusCode::NOT_FOUND,
            "no transaction waits under this id (it was sent already, or it expired); start again",
        ),
    };
    let bytes = match decode_base64(&body.transaction, "transaction") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let signed: Transaction = match bincode::deserialize(&bytes) {
        Ok(tx) => tx,
        Err(_) => return tampered("it does not decode as a transaction"),
    };
    if signed.message != pending.transaction.message {
        return tampered("its message differs from the one built");
    }
    if let Err(e) = check_transaction(&signed, &pending.expected) {
        return tampered(e);
    }
    let message_bytes = signed.message.serialize();
    for (signature, signer) in signed.signatures.iter().zip(&signed.message.account_keys) {
        if *signature == Signature::default() || !signature.verify(signer.as_ref(), &message_bytes)
        {
            return tampered(format!("the signature of {signer} is missing or invalid"));
        }
    }
    match state.chain.backend().send_transaction(&signed).await {
        Ok(outcome) => json_response(
            StatusCode::OK,
            &json!({ "signature": outcome.signature.to_string(), "message": pending.message }),
        ),
        Err(SdkError::Program(e)) => error_response(
            StatusCode::BAD_REQUEST,
            format!("the ledger refused the change ({e}); nothing changed"),
        ),
        Err(e) => sdk_error(e),
    }
}

/// How often the events stream looks for new entries in the patient's history.
const EVENTS_POLL: std::time::Duration = std::time::Duration::from_millis(500);
/// How many of the newest entries each look reads.
const EVENTS_WINDOW: usize = 20;

/// `GET /portal/api/patients/{wallet}/events`: server-sent events, one `medchain` event per
/// new entry of the patient's audit trail (access attempts, grants, revokes, requests,
/// break-glass openings…), as it lands; only for the session's own wallet. The stream
/// starts after what is on the ledger when it opens and ends with the session.
pub async fn events<B: Backend + 'static>(
    State(state): St<B>,
    Extension(store): Shared,
    Path(wallet): Path<String>,
    headers: HeaderMap,
) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::IntoResponse;
    use std::collections::HashSet;
    let session = match own_patient(&store, &headers, &wallet) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let seen: HashSet<String> = match view::notifications(
        &state.chain, &state.config.options, &session.wallet, EVENTS_WINDOW,
    )
    .await
    {
        Ok(known) => known.into_iter().map(|n| n.signature).collect(),
        Err(e) => return sdk_error(e),
    };
    let start = (state, seen, std::collections::VecDeque::<view::Notification>::new());
    let stream =
        futures_util::stream::unfold(start, move |(state, mut seen, mut queue)| async move {
            loop {
                if let Some(next) = queue.pop_front() {
                    let data = serde_json::to_string(&next).unwrap_or_else(|_| "{}".into());
                    let event = Event::default().event("medchain").data(data);
                    return Some((Ok::<_, std::convert::Infallible>(event), (state, seen, queue)));
                }
                if now() >= session.expires_at {
                    return None;
                }
                tokio::time::sleep(EVENTS_POLL).await;
                match view::notifications(
                    &state.chain, &state.config.options, &session.wallet, EVENTS_WINDOW,
                )
                .await
                {
                    Ok(latest) => {
                        // Oldest first, so the page prepends them in order.
                        for n in latest.into_iter().rev() {
                            if seen.insert(n.signature.clone()) {
                                queue.push_back(n);
                            }
                        }
                    }
                    Err(e) => eprintln!("medchain serve: portal events: {e}"),
                }
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
