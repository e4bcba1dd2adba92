//! Rendering slots: at most so many requests are rendered at once; a request that finds none
//! free within a short wait is answered `503` with `Retry-After` instead of queueing for ever.
//! Under a flood (a post linked from a big aggregator with the cache off, or a crawler on
//! uncacheable addresses) the server keeps answering, quickly, and its memory stays bounded.
//! Writes (forms, the API) are not held back here: a writer's text must not be lost to a
//! crowd of readers.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub struct Slots {
    free: tokio::sync::Semaphore,
    wait: Duration,
}

impl Slots {
    pub fn new(settings: &dateline_core::config::CacheSettings) -> Slots {
        let processors = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let slots = match settings.max_rendering {
            0 => processors * 2,
            n => n as usize,
        };
        Slots { free: tokio::sync::Semaphore::new(slots), wait: Duration::from_millis(u64::from(settings.queue_ms)) }
    }

    /// Renders with a slot, or answers 503 when none frees up in time.
    pub(crate) async fn run(&self, render: impl Future<Output = Response>) -> Response {
        match tokio::time::timeout(self.wait, self.free.acquire()).await {
            Ok(Ok(_slot)) => render.await,
            _ => busy(),
        }
    }
}

fn busy() -> Response {
    let mut response =
        (StatusCode::SERVICE_UNAVAILABLE, "This site is very busy right now. Please try again in a moment.\n").into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_slots_a_request_is_told_to_come_back_soon() {
        let settings = dateline_core::config::CacheSettings { max_rendering: 1, queue_ms: 50, ..Default::default() };
        let slots = std::sync::Arc::new(Slots::new(&settings));
        let busy = slots.clone();
        let slow = tokio::spawn(async move {
            busy.run(async {
                tokio::time::sleep(Duration::from_millis(400)).await;
                StatusCode::OK.into_response()
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let turned_away = slots.run(async { StatusCode::OK.into_response() }).await;
        assert_eq!(turned_away.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(turned_away.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("1"));
        assert!(started.elapsed() < Duration::from_millis(300), "answered after the queue wait, not after the render");
        assert_eq!(slow.await.expect("task").status(), StatusCode::OK);
        // Once the slot is free, the next request is rendered.
        assert_eq!(slots.run(async { StatusCode::OK.into_response() }).await.status(), StatusCode::OK);
    }
}
