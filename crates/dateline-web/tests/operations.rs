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

pub async fn every_rendered_answer_names_its_request(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    // Rendered answers (a query string other than a search is never kept).
    let first = app.get("/?ref=one").await.header("x-request-id").to_string();
    let second = app.get("/?ref=two").await.header("x-request-id").to_string();
    assert!(!first.is_empty() && first != second, "{first} / {second}");
    // A page kept by the cache carries no request's id (it would repeat one to every reader).
    app.get("/").await;
    assert_eq!(app.get("/").await.header("x-request-id"), "");
    let with =
        |id: &str| axum::http::Request::get("/?ref=proxy").header("x-request-id", id).body(axum::body::Body::empty()).expect("request");
    // A proxy's id is kept when it is plain; anything else is replaced, never echoed.
    assert_eq!(app.send(with("proxy-42.abc")).await.header("x-request-id"), "proxy-42.abc");
    let hostile = app.send(with("x\"><script>")).await;
    assert!(!hostile.header("x-request-id").contains('<'), "{}", hostile.header("x-request-id"));
    let long = app.send(with(&"a".repeat(65))).await;
    assert_ne!(long.header("x-request-id"), "a".repeat(65), "too long to be taken");
}
