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
