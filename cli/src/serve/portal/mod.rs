//! The patient portal at `/portal`: a static page (built from `portal/` by esbuild, committed
//! in `dist/` and embedded here, so `cargo` alone builds it) and its JSON API under
//! `/portal/api`. See docs/PORTAL.md.
//!
//! - **Sign-in** ([`siws`]): `GET /portal/api/challenge` issues Sign In With Solana fields with
//!   a single-use nonce; `POST /portal/api/session` verifies the wallet's signed message
//!   (domain = the base URL's host, URI, statement, nonce, times, the ed25519 signature) and
//!   opens a 15-minute session in an HttpOnly, SameSite=Strict cookie ([`session`]).
//! - **Reads**: `GET /portal/api/patients/{wallet}`, only for the session's own wallet, is
//!   the whole picture in plain words ([`view`]), with the patients the wallet acts for as a
//!   delegate ("you act for") and the requests it may answer for them.
//! - **Changes**: `POST /portal/api/patients/{wallet}/transactions` builds the transaction
//!   through the SDK's action plans (the same code as the Solana Actions; the clinic's fee
//!   payer signs first when configured); the page has the wallet sign it
//!   (`solana:signTransaction`) and posts it to `…/transactions/{id}`, where it must be
//!   exactly the transaction built for this session — same message, every signature valid —
//!   before it is sent to the ledger. No private key reaches the server. A delegate answers
//!   its patient's request under its own path: the SDK's plan finds the mandate and builds
//!   the delegate's instruction, cut to the mandate.
//!
//! - **Live**: `GET /portal/api/patients/{wallet}/events`, server-sent events of each new
//!   entry of the patient's audit trail as it lands (session-gated like the reads).
//!
//! Every `/portal` response carries a strict Content-Security-Policy (scripts and styles only
//! from this server, no inline script, nothing third-party) and `no-store` for the API.

mod api;
pub mod session;
pub mod siws;
#[cfg(test)]
mod tests;
pub mod view;

use super::AppState;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use medchain_sdk::Backend;
use std::sync::Arc;

/// The page, its script and its style sheet, as built by `portal/build.mjs`.
const INDEX_HTML: &str = include_str!("dist/index.html");
const APP_JS: &str = include_str!("dist/app.js");
const APP_CSS: &str = include_str!("dist/app.css");

/// The Content-Security-Policy of every `/portal` response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The portal's routes (merged into the server's router).
pub fn routes<B: Backend + 'static>() -> Router<Arc<AppState<B>>> {
    let store = Arc::new(session::Store::default());
    Router::new()
        .route("/portal", get(|| async { page("text/html; charset=utf-8", INDEX_HTML) }))
        .route("/portal/", get(|| async { Redirect::permanent("/portal") }))
        .route("/portal/app.js", get(|| async { page("text/javascript; charset=utf-8", APP_JS) }))
        .route("/portal/app.css", get(|| async { page("text/css; charset=utf-8", APP_CSS) }))
        .route("/portal/api/challenge", get(api::challenge::<B>))
        .route(
            "/portal/api/session",
            get(api::current_session).post(api::sign_in::<B>).delete(api::sign_out),
        )
        .route("/portal/api/patients/{wallet}", get(api::overview::<B>))
        .route("/portal/api/patients/{wallet}/transactions", post(api::build::<B>))
        .route("/portal/api/patients/{wallet}/transactions/{id}", post(api::submit::<B>))
        .route("/portal/api/patients/{wallet}/events", get(api::events::<B>))
        .layer(Extension(store))
        .layer(axum::middleware::from_fn(security_headers))
}

fn page(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body)
        .into_response()
}

/// The headers of every `/portal` response: CSP, no sniffing, no referrer, no framing, and
/// `no-store` for the API.
async fn security_headers(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/portal/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    };
    set(headers, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "x-frame-options", "DENY");
    set(headers, "cross-origin-opener-policy", "same-origin");
    if api {
        set(headers, "cache-control", "no-store");
    }
    response
}
