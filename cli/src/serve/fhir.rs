//! The FHIR R4 read API under `/fhir`: only HTTP here — `medchain_sdk::fhir::rest::FhirRest`
//! answers every request (routing within `/fhir`, parameters, searches, paging, the
//! CapabilityStatement, OperationOutcomes). Every response is `application/fhir+json`; a
//! 405 also says `Allow: GET, HEAD`. [`errors_as_outcomes`] turns the errors the rest of the
//! server raises for `/fhir` paths (the rate limit, a too-long URL) into OperationOutcomes
//! too. See docs/INTEROP.md, "FHIR REST read API".

use super::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use medchain_sdk::fhir::rest::{
    issue_code_for_status, operation_outcome, FhirRest, RestRequest, FHIR_JSON,
};
use medchain_sdk::Backend;
use std::sync::Arc;

/// The path prefix of the API.
const PREFIX: &str = "/fhir";
/// The largest error body [`errors_as_outcomes`] reads to carry its message over.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The `/fhir` routes: every method and path under `/fhir` goes to [`FhirRest::handle`].
pub fn routes<B: Backend + 'static>() -> Router<Arc<AppState<B>>> {
    Router::new()
        .route(PREFIX, any(handle::<B>))
        .route(&format!("{PREFIX}/"), any(handle::<B>))
        .route(&format!("{PREFIX}/{{*path}}"), any(handle::<B>))
}

/// The FHIR base URL of the server (`<base URL>/fhir`).
pub fn fhir_base(base_url: &str) -> String {
    format!("{}{PREFIX}", base_url.trim_end_matches('/'))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn handle<B: Backend + 'static>(
    State(state): State<Arc<AppState<B>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let raw = uri.path().strip_prefix(PREFIX).unwrap_or("").trim_start_matches('/');
    let path = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let base = fhir_base(&state.config.base_url);
    let api = FhirRest::new(&state.chain, &state.config.identifiers, &state.config.chain_id, &base);
    let answer = api
        .handle(&RestRequest {
            method: method.as_str(),
            path: &path,
            query: uri.query().unwrap_or(""),
            accept: header_text(&headers, header::ACCEPT),
            prefer: header_text(&headers, header::HeaderName::from_static("prefer")),
        })
        .await;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        eprintln!(
            "medchain serve: fhir {method} {uri}: {}",
            answer.body["issue"][0]["diagnostics"]
        );
    }
    let mut response =
        (status, [(header::CONTENT_TYPE, FHIR_JSON)], answer.to_bytes()).into_response();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    response
}

/// Middleware (outermost): an error response to a `/fhir` request that is not FHIR already
/// (the rate limit's 429, a 414 for a too-long path or query) becomes an `OperationOutcome`
/// with the same status, headers and message.
pub async fn errors_as_outcomes(request: Request, next: Next) -> Response {
    let fhir = request.uri().path() == PREFIX || request.uri().path().starts_with("/fhir/");
    let response = next.run(request).await;
    let is_fhir_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(FHIR_JSON.as_bytes()));
    if !fhir
        || !(response.status().is_client_error() || response.status().is_server_error())
        || is_fhir_json
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ERROR_BODY).await.unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .or_else(|| parts.status.canonical_reason().map(str::to_string))
        .unwrap_or_else(|| "the request failed".to_string());
    let code = issue_code_for_status(parts.status.as_u16());
    let outcome = operation_outcome("error", code, &message);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(outcome.to_string()))
}
