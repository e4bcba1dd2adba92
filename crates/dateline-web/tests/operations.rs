//! What operators and their tools ask of a running instance: is it alive, can it serve.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::*;
use dateline_testkit::Db;

pub async fn health_and_readiness_are_told_apart(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let alive = app.get("/healthz").await;
    assert_eq!((alive.status, alive.body.as_str(), alive.header("cache-control")), (StatusCode::OK, "ok\n", "no-store"));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let answer: Value = serde_json::from_str(&ready.body).expect("json");
    assert_eq!(answer["status"], "ready");
    assert!(answer["schema"].as_i64().is_some_and(|v| v >= 7), "{answer}");
    assert_eq!(ready.header("cache-control"), "no-store");

    // A store whose schema is not this binary's (an upgrade half done) is not ready, and says why;
    // the process is still alive.
    app.test_store.execute("DELETE FROM dateline_migrations WHERE version = (SELECT MAX(version) FROM dateline_migrations)").await;
    let behind = app.get("/readyz").await;
    assert_eq!(behind.status, StatusCode::SERVICE_UNAVAILABLE);
    let answer: Value = serde_json::from_str(&behind.body).expect("json");
    assert!(answer["reason"].as_str().is_some_and(|r| r.contains("this binary expects")), "{answer}");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}
