//! Consent decisions over HTTP: CDS Hooks (`GET /cds-services`,
//! `POST /cds-services/patient-consent-consult`) and the XACML JSON Profile (`POST /xacml`),
//! shaped as the LEAP Consent Decision Service's. The decisions, the request and response
//! shapes and the recording are `medchain_sdk::decision`'s; here only the routes, the body
//! limit and the status codes: 200 with a decision (`NO_CONSENT` included), 400 with
//! `{"message", "path"}` for a malformed request, 413 for a body over the limit, 503 when
//! the chain cannot be read.

use super::{error_response, json_response, AppState};
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use medchain_sdk::decision::response::{cds_hooks_response, discovery, xacml_response, Source};
use medchain_sdk::decision::{ConsultRequest, DecisionError, RequestError, HOOK};
use medchain_sdk::Backend;
use serde_json::{json, Value};
use std::sync::Arc;

/// Largest consult body accepted: FHIR content mode carries a Bundle.
pub const MAX_CONSULT_BYTES: usize = 8 * 1024 * 1024;

/// The decision routes.
pub fn routes<B: Backend + 'static>() -> Router<Arc<AppState<B>>> {
    Router::new()
        .route("/cds-services", get(|| async { json_response(StatusCode::OK, &discovery()) }))
        .route(&format!("/cds-services/{HOOK}"), post(consult_cds::<B>))
        .route("/xacml", post(consult_xacml::<B>))
}

/// Which interface a consult came through.
#[derive(Clone, Copy)]
enum Interface {
    CdsHooks,
    Xacml,
}

async fn consult_cds<B: Backend + 'static>(
    State(state): State<Arc<AppState<B>>>,
    body: Body,
) -> Response {
    consult(state, Interface::CdsHooks, body).await
}

async fn consult_xacml<B: Backend + 'static>(
    State(state): State<Arc<AppState<B>>>,
    body: Body,
) -> Response {
    consult(state, Interface::Xacml, body).await
}

fn bad_request(e: &RequestError) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({ "message": e.to_string(), "path": e.path }))
}

async fn consult<B: Backend + 'static>(
    state: Arc<AppState<B>>,
    interface: Interface,
    body: Body,
) -> Response {
    let Ok(bytes) = axum::body::to_bytes(body, MAX_CONSULT_BYTES).await else {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {MAX_CONSULT_BYTES} bytes"),
        );
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(e) => {
            return bad_request(&RequestError {
                path: "$".into(),
                reason: format!("the body is not JSON ({e})"),
            })
        }
    };
    let request = match interface {
        Interface::CdsHooks => ConsultRequest::from_cds_hooks(&value),
        Interface::Xacml => ConsultRequest::from_xacml(&value),
    };
    let request = match request {
        Ok(request) => request,
        Err(e) => return bad_request(&e),
    };
    let decisions = &state.decisions;
    match decisions.consult(&request).await {
        Ok(outcome) => {
            let body = match interface {
                Interface::CdsHooks => {
                    let source = Source {
                        label: "medchain consent decisions".into(),
                        url: state.config.base_url.clone(),
                    };
                    let based_on = outcome.consent.map(|(c, _)| decisions.consent_url(&c));
                    cds_hooks_response(&outcome, &source, &state.config.chain_id, based_on)
                }
                Interface::Xacml => xacml_response(&outcome),
            };
            json_response(StatusCode::OK, &body)
        }
        Err(DecisionError::Request(e)) => bad_request(&e),
        Err(DecisionError::Chain(e)) => {
            eprintln!("medchain serve: consult: {e}");
            error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the chain could not be read: {e}"),
            )
        }
    }
}
