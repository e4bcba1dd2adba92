//! `/healthz` and `/readyz`, for load balancers, orchestrators and monitoring. `/healthz` says
//! the process answers and touches nothing else (restart it when this fails); `/readyz` says it
//! can serve: the store answers within a deadline and its schema is the one this binary was
//! built for (send it no traffic while this fails). Both are mounted outside the page cache and
//! the rendering slots, so an instance under load is not reported dead for being busy, and
//! neither is ever kept by a cache.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;

/// How long the store may take to answer a readiness check before the instance is not ready.
const STORE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// Where the two checks answer (the page cache lets these pass beside it).
pub(crate) const ALIVE: &str = "/healthz";
pub(crate) const READY: &str = "/readyz";

pub(crate) fn router(state: AppState) -> axum::Router {
    axum::Router::new().route(ALIVE, get(alive)).route(READY, get(ready)).with_state(state)
}

async fn alive() -> Response {
    uncached((StatusCode::OK, "ok\n").into_response())
}

async fn ready(State(state): State<AppState>) -> Response {
    let store = state.store.backend_name();
    let answer = match tokio::time::timeout(STORE_DEADLINE, state.store.schema_versions()).await {
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "not ready", "store": store, "reason": "the store did not answer within 2 s"}),
        ),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: the store failed");
            (StatusCode::SERVICE_UNAVAILABLE, json!({"status": "not ready", "store": store, "reason": "the store is not reachable"}))
        }
        Ok(Ok(versions)) if versions.applied != versions.expected => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({
                "status": "not ready",
                "store": store,
                "reason": format!("the store's schema is at version {} and this binary expects {}", versions.applied, versions.expected),
            }),
        ),
        Ok(Ok(versions)) => (StatusCode::OK, json!({"status": "ready", "store": store, "schema": versions.applied})),
    };
    uncached((answer.0, axum::Json(answer.1)).into_response())
}

fn uncached(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
