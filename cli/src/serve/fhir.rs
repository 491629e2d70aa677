//! The FHIR R4 read API under `/fhir` (`medchain_sdk::fhir::rest` does the work): the
//! CapabilityStatement, `Consent/{id}`, and searches of Consent, AuditEvent and Provenance as
//! `searchset` Bundles. Every response is `application/fhir+json`; every error an
//! `OperationOutcome`.

use super::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use medchain_sdk::fhir::rest::{
    capability_statement, searchset, FhirReader, RestError, Search, FHIR_JSON,
};
use medchain_sdk::Backend;
use serde_json::Value;
use std::sync::Arc;

type St<B> = State<Arc<AppState<B>>>;

/// The `/fhir` routes.
pub fn routes<B: Backend + 'static>() -> Router<Arc<AppState<B>>> {
    Router::new()
        .route(
            "/fhir/metadata",
            get(metadata::<B>).post(read_only).put(read_only).delete(read_only),
        )
        .route(
            "/fhir/Consent",
            get(|s: St<B>, q: RawQuery| search::<B>(s, "Consent", q))
                .post(read_only)
                .put(read_only),
        )
        .route(
            "/fhir/Consent/{id}",
            get(read_consent::<B>).post(read_only).put(read_only).delete(read_only),
        )
        .route(
            "/fhir/AuditEvent",
            get(|s: St<B>, q: RawQuery| search::<B>(s, "AuditEvent", q)).post(read_only),
        )
        .route(
            "/fhir/Provenance",
            get(|s: St<B>, q: RawQuery| search::<B>(s, "Provenance", q)).post(read_only),
        )
        .route("/fhir/{*rest}", get(unknown).post(read_only))
        .route("/fhir", get(unknown))
}

fn base<B: Backend>(state: &AppState<B>) -> String {
    format!("{}/fhir", state.config.base_url.trim_end_matches('/'))
}

fn fhir(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, FHIR_JSON)], body.to_string()).into_response()
}

fn failure(e: &RestError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        eprintln!("medchain serve: fhir: {}", e.outcome);
    }
    fhir(status, &e.outcome)
}

async fn metadata<B: Backend + 'static>(State(state): St<B>) -> Response {
    fhir(StatusCode::OK, &capability_statement(&base(&state)))
}

async fn read_consent<B: Backend + 'static>(
    State(state): St<B>,
    Path(id): Path<String>,
) -> Response {
    let reader = reader(&state);
    match reader.read_consent(&id).await {
        Ok(resource) => fhir(StatusCode::OK, &resource),
        Err(e) => failure(&e),
    }
}

fn reader<B: Backend>(state: &AppState<B>) -> FhirReader<'_, B> {
    FhirReader {
        chain: &state.chain,
        identifiers: &state.config.identifiers,
        chain_id: &state.config.chain_id,
    }
}

async fn search<B: Backend + 'static>(
    State(state): St<B>,
    resource_type: &'static str,
    RawQuery(query): RawQuery,
) -> Response {
    let result = async {
        let search = Search::from_query(resource_type, query.as_deref().unwrap_or(""))?;
        let reader = reader(&state);
        let matches = match resource_type {
            "Consent" => reader.search_consents(&search).await?,
            "AuditEvent" => reader.search_audit_events(&search).await?,
            _ => reader.search_provenance(&search).await?,
        };
        Ok::<_, RestError>(searchset(&base(&state), resource_type, &search, &matches))
    }
    .await;
    match result {
        Ok(bundle) => fhir(StatusCode::OK, &bundle),
        Err(e) => failure(&e),
    }
}

async fn unknown() -> Response {
    failure(&RestError::not_found(
        "this server offers GET metadata, Consent/{id}, and searches of Consent, AuditEvent and Provenance",
    ))
}

async fn read_only() -> Response {
    failure(&RestError::not_supported("this FHIR API is read only"))
}
