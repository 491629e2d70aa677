//! `medchain serve`: Solana Actions and Solana Pay transaction requests over HTTP (axum).
//!
//! The HTTP layer only: every action is described and built by `medchain_sdk::actions`,
//! which reads the request, consent or proposal from the ledger and checks the transaction
//! it returns. Here: routing, CORS and the Actions headers, `{message}` errors, body, path and
//! query limits, and a per-client rate limit. See docs/ACTIONS.md.

pub mod cds;
#[cfg(test)]
mod cds_tests;
pub mod fhir;
#[cfg(test)]
mod fhir_tests;
pub mod limits;
pub mod portal;
#[cfg(test)]
mod tests;
pub mod watch;
#[cfg(test)]
mod watch_tests;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use limits::{RateLimiter, MAX_BODY_BYTES, MAX_PATH_BYTES, MAX_QUERY_BYTES};
use medchain_sdk::actions::proposal::{parse_pubkey, SignedProposal};
use medchain_sdk::actions::spec::{
    ActionError, ActionPostRequest, ActionRule, ActionsJson, ACTION_VERSION,
};
use medchain_sdk::actions::{
    Action, ActionOptions, ActionUrls, Actions, ActionsError, Narrowing, API_PREFIX,
};
use medchain_sdk::decision::{DecisionConfig, DecisionService};
use medchain_sdk::identity::IdentifierMap;
use medchain_sdk::{Backend, Medchain};
use serde::Serialize;
use solana_sdk::signature::{Keypair, Signer};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// How the server runs.
pub struct ServerConfig {
    /// Public base URL (`https://clinic.example`): icons and links are absolute under it.
    pub base_url: String,
    /// The clinic's fee payer: signs first, pays fees and rent.
    pub fee_payer: Option<Keypair>,
    /// Providers served and their display names.
    pub options: ActionOptions,
    /// CAIP-2 id of the cluster (`X-Blockchain-Ids`).
    pub chain_id: String,
    /// Requests a minute per client.
    pub rate_per_minute: u32,
    /// Requests at once per client.
    pub rate_burst: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// The clinic's off-chain identifier map (MRNs, NPIs → wallets).
    pub identifiers: Arc<IdentifierMap>,
    /// Record every consult for these providers as `record_access` (their keypairs).
    pub record_decisions: bool,
    /// The providers' keypairs used when recording decisions.
    pub provider_keys: Vec<Keypair>,
}

/// The state every handler shares.
pub struct AppState<B: Backend> {
    chain: Arc<Medchain<B>>,
    config: ServerConfig,
    urls: ActionUrls,
    limiter: RateLimiter,
    decisions: DecisionService<B>,
}

impl<B: Backend> AppState<B> {
    /// State over `chain` (shared: the embedded ledger allows one owner per directory).
    pub fn new(chain: Arc<Medchain<B>>, mut config: ServerConfig) -> Self {
        config.options.fee_payer = config.fee_payer.as_ref().map(|k| k.pubkey());
        let urls = ActionUrls::new(&config.base_url);
        let limiter = RateLimiter::new(config.rate_per_minute, config.rate_burst);
        let decisions = DecisionService::new(
            chain.clone(),
            DecisionConfig {
                chain_id: config.chain_id.clone(),
                identifiers: config.identifiers.clone(),
                fhir_base: fhir::fhir_base(&config.base_url),
                record: config.record_decisions,
                provider_keys: std::mem::take(&mut config.provider_keys),
            },
        );
        Self { chain, config, urls, limiter, decisions }
    }
}

/// Which action a route serves.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Approve,
    Deny,
    Grant,
    Revoke,
}

/// The CORS headers the Actions specification requires on every response.
const CORS: [(&str, &str); 4] = [
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET,POST,PUT,OPTIONS"),
    (
        "access-control-allow-headers",
        "Content-Type, Authorization, Content-Encoding, Accept-Encoding, X-Accept-Action-Version, X-Accept-Blockchain-Ids",
    ),
    ("access-control-expose-headers", "X-Action-Version, X-Blockchain-Ids"),
];

/// The router: `/actions.json`, `/icon.svg`, the four actions under `/api/actions`, the
/// consent decision routes ([`cds`]), the FHIR read API ([`fhir`]) and a patient's live events
/// ([`watch`]).
pub fn router<B: Backend + 'static>(state: Arc<AppState<B>>) -> Router {
    type St<B> = State<Arc<AppState<B>>>;
    let action = |kind: Kind| {
        get(move |s: St<B>, Path(a): Path<String>, RawQuery(q): RawQuery| {
            get_action::<B>(s, kind, Some(a), q)
        })
        .post(move |s: St<B>, Path(a): Path<String>, RawQuery(q): RawQuery, b: Body| {
            post_action::<B>(s, kind, Some(a), q, b)
        })
    };
    let grant = get(|s: St<B>, RawQuery(q): RawQuery| get_action::<B>(s, Kind::Grant, None, q))
        .post(|s: St<B>, RawQuery(q): RawQuery, b: Body| {
            post_action::<B>(s, Kind::Grant, None, q, b)
        });
    Router::new()
        .route("/actions.json", get(actions_json))
        .route("/icon.svg", get(icon))
        .route(&format!("{API_PREFIX}/approve/{{address}}"), action(Kind::Approve))
        .route(&format!("{API_PREFIX}/deny/{{address}}"), action(Kind::Deny))
        .route(&format!("{API_PREFIX}/revoke/{{address}}"), action(Kind::Revoke))
        .route(&format!("{API_PREFIX}/grant"), grant)
        .merge(cds::routes::<B>())
        .merge(fhir::routes::<B>())
        .merge(watch::routes::<B>())
        .merge(portal::routes::<B>())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), headers_and_limits::<B>))
        .layer(axum::middleware::from_fn(fhir::errors_as_outcomes))
        .with_state(state)
}

/// Serves on `listener` until the process ends.
pub async fn serve<B: Backend + 'static>(
    listener: tokio::net::TcpListener,
    state: Arc<AppState<B>>,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).await
}

fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, &ActionError { message: message.into() })
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{{\"message\":\"{e}\"}}")).into_response()
        }
    }
}

fn actions_error(e: &ActionsError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        eprintln!("medchain serve: {e}");
    }
    error_response(status, e.to_string())
}

/// The client address: the connection's peer, or the proxy's `X-Forwarded-For` entry.
fn client_address(request: &Request, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        if let Some(address) = forwarded {
            return address;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Rate limit, path/query limits, preflight, and the headers of every response.
async fn headers_and_limits<B: Backend + 'static>(
    State(state): State<Arc<AppState<B>>>,
    request: Request,
    next: Next,
) -> Response {
    let client = client_address(&request, state.config.trust_forwarded_for);
    let mut response = if let Err(retry) = state.limiter.check(client) {
        let mut r = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests; try again in {retry} s"),
        );
        if let Ok(value) = HeaderValue::from_str(&retry.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, value);
        }
        r
    } else if request.uri().path().len() > MAX_PATH_BYTES {
        error_response(StatusCode::URI_TOO_LONG, "the path is too long")
    } else if request.uri().query().is_some_and(|q| q.len() > MAX_QUERY_BYTES) {
        error_response(StatusCode::URI_TOO_LONG, "the query string is too long")
    } else if request.method() == Method::OPTIONS {
        StatusCode::OK.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    for (name, value) in CORS {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    headers.insert(
        HeaderName::from_static("x-action-version"),
        HeaderValue::from_static(ACTION_VERSION),
    );
    if let Ok(chain) = HeaderValue::from_str(&state.config.chain_id) {
        headers.insert(HeaderName::from_static("x-blockchain-ids"), chain);
    }
    response
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "no such action")
}

async fn method_not_allowed() -> Response {
    error_response(StatusCode::METHOD_NOT_ALLOWED, "use GET, POST or OPTIONS")
}

/// `/actions.json`: website paths mapped to the action API.
async fn actions_json() -> Response {
    let rule =
        |path: &str, api: &str| ActionRule { path_pattern: path.into(), api_path: api.into() };
    json_response(
        StatusCode::OK,
        &ActionsJson {
            rules: vec![
                rule("/approve/*", &format!("{API_PREFIX}/approve/*")),
                rule("/deny/*", &format!("{API_PREFIX}/deny/*")),
                rule("/revoke/*", &format!("{API_PREFIX}/revoke/*")),
                rule("/grant", &format!("{API_PREFIX}/grant")),
                rule(&format!("{API_PREFIX}/**"), &format!("{API_PREFIX}/**")),
            ],
        },
    )
}

/// The action icon.
async fn icon() -> Response {
    const SVG: &str = include_str!("icon.svg");
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        SVG,
    )
        .into_response()
}

/// The action named by the route, the path and the query string.
fn parse_action(
    kind: Kind,
    address: Option<&str>,
    query: Option<&str>,
) -> Result<Action, ActionsError> {
    let query = query.unwrap_or("");
    let address = || -> Result<_, ActionsError> { parse_pubkey(address.unwrap_or(""), "address") };
    let no_query = || {
        if query.is_empty() {
            Ok(())
        } else {
            Err(ActionsError::BadRequest("this action takes no parameters".into()))
        }
    };
    Ok(match kind {
        Kind::Approve => {
            Action::Approve { request: address()?, narrowing: Narrowing::from_query(query)? }
        }
        Kind::Deny => {
            no_query()?;
            Action::Deny { request: address()? }
        }
        Kind::Revoke => {
            no_query()?;
            Action::Revoke { consent: address()? }
        }
        Kind::Grant => Action::Grant { proposal: SignedProposal::from_query(query)? },
    })
}

async fn get_action<B: Backend + 'static>(
    State(state): State<Arc<AppState<B>>>,
    kind: Kind,
    address: Option<String>,
    query: Option<String>,
) -> Response {
    let result = async {
        let action = parse_action(kind, address.as_deref(), query.as_deref())?;
        let view = Actions::new(&state.chain, &state.config.options).describe(&action).await?;
        Ok::<_, ActionsError>(view.to_get_response(&action, &state.urls))
    }
    .await;
    match result {
        Ok(response) => json_response(StatusCode::OK, &response),
        Err(e) => actions_error(&e),
    }
}

async fn post_action<B: Backend + 'static>(
    State(state): State<Arc<AppState<B>>>,
    kind: Kind,
    address: Option<String>,
    query: Option<String>,
    body: Body,
) -> Response {
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            )
        }
    };
    let result = async {
        let post: ActionPostRequest = serde_json::from_slice(&bytes).map_err(|_| {
            ActionsError::BadRequest(
                "the body must be JSON: {\"account\": \"<base58 public key>\"}".into(),
            )
        })?;
        let account = parse_pubkey(&post.account, "account")?;
        let action = parse_action(kind, address.as_deref(), query.as_deref())?;
        let plan =
            Actions::new(&state.chain, &state.config.options).plan(&action, &account).await?;
        let blockhash = state.chain.backend().latest_blockhash().await?;
        plan.to_post_response(blockhash, state.config.fee_payer.as_ref())
    }
    .await;
    match result {
        Ok(response) => json_response(StatusCode::OK, &response),
        Err(e) => actions_error(&e),
    }
}
