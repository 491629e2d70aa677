//! `GET /api/watch/{patient_wallet}`: a patient's events as they happen, as server-sent
//! events — the stream `medchain watch` prints ([`medchain_sdk::watch`]), for the portal.
//!
//! Each event is one SSE message: `event:` the kind (`request`, `grant`, `revoke`, `access`,
//! `break_glass`, …), `id:` the transaction signature, `data:` the event's JSON (the shape of
//! `medchain watch --output json`, docs/CLI.md). A broken feed ends the stream with one
//! `event: error` message. Chain data is public, so the stream needs no session. A wallet
//! that is not a public key is a 400, an unregistered patient a 404 (`{"message"}` bodies).

use super::{error_response, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use medchain_sdk::actions::proposal::parse_pubkey;
use medchain_sdk::watch::PatientWatch;
use medchain_sdk::{Backend, SdkError};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The path of the route, under the Actions API prefix's neighbour `/api`.
pub const WATCH_PATH: &str = "/api/watch/{patient}";

/// How often an idle stream sends a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The watch route, merged into the server's router.
pub fn routes<B: Backend + 'static>() -> Router<Arc<AppState<B>>> {
    Router::new().route(WATCH_PATH, get(watch::<B>))
}

/// `GET /api/watch/{patient}`.
async fn watch<B: Backend + 'static>(
    State(state): State<Arc<AppState<B>>>,
    Path(patient): Path<String>,
) -> Response {
    let patient = match parse_pubkey(&patient, "patient") {
        Ok(patient) => patient,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let subscription = match state.chain.watch_patient(&patient).await {
        Ok(subscription) => subscription,
        Err(e @ SdkError::AccountNotFound { .. }) => {
            return error_response(StatusCode::NOT_FOUND, e.to_string())
        }
        Err(e) => {
            eprintln!("medchain serve: watch {patient}: {e}");
            return error_response(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
        }
    };
    let stream = futures_util::stream::unfold(
        Some((state, subscription)),
        |open: Option<(Arc<AppState<B>>, PatientWatch)>| async move {
            let (state, mut subscription) = open?;
            let message = match subscription.next(&state.chain).await? {
                // Compact JSON is one line, as an SSE `data:` field needs.
                Ok(event) => match serde_json::to_string(&event) {
                    Ok(json) => Event::default()
                        .event(event.kind.as_str())
                        .id(event.entry.signature.clone())
                        .data(json),
                    Err(e) => return Some((Ok(failure(&e.to_string())), None)),
                },
                Err(e) => return Some((Ok(failure(&e.to_string())), None)),
            };
            Some((Ok::<_, Infallible>(message), Some((state, subscription))))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response()
}

/// The last message of a stream whose feed broke.
fn failure(message: &str) -> Event {
    Event::default().event("error").data(message.replace(['\r', '\n'], " "))
}
