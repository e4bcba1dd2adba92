//! Scheduled posts become published when their time comes, as WordPress's scheduler makes
//! them. Readers see a post from its time whatever its status says (decided per request);
//! this keeps the admin's words and counts in step, and SQLite's index of what readers may see
//! (its searches take a slower path while a post that came due is missing from it): every
//! instance checks each minute and when the next scheduled post's time comes (the update is
//! idempotent, so instances sharing a store do not conflict), and the admin checks before it
//! lists posts.

use std::time::Duration;

use crate::AppState;

/// How often a running server looks for posts whose time has come.
pub const CHECK_EVERY: Duration = Duration::from_secs(60);

/// Publishes what is due now; a failure is logged, not fatal (the next check tries again).
pub(crate) async fn publish_due(state: &AppState) {
    match state.store.publish_due_posts(jiff::Timestamp::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(posts = n, "scheduled posts published"),
        // A read-only store (a replica, a read-only disk) was said so at start; readers see
        // due posts anyway, so once a minute a warning would only be noise.
        Err(dateline_core::StoreError::CannotWrite(err)) => {
            tracing::debug!(error = %err, "scheduled posts not marked published: the store cannot be written")
        }
        Err(err) => tracing::warn!(error = %err, "could not publish scheduled posts"),
    }
}

/// Checks every [`CHECK_EVERY`], and as each scheduled post's time comes, for as long as the
/// server runs.
pub(crate) async fn keep_publishing(state: AppState) {
    loop {
        publish_due(&state).await;
        let now = jiff::Timestamp::now();
        let next = state.store.next_scheduled(now).await.ok().flatten();
        tokio::time::sleep(wait_until(now, next)).await;
    }
}

/// How long to sleep at `now` before the next check, when the next scheduled post is due at
/// `next`: until just after its time (times are whole seconds), at most [`CHECK_EVERY`].
fn wait_until(now: jiff::Timestamp, next: Option<jiff::Timestamp>) -> Duration {
    match next {
        Some(at) if at > now => (at.duration_since(now).unsigned_abs() + Duration::from_millis(5)).min(CHECK_EVERY),
        _ => CHECK_EVERY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_for_the_next_scheduled_post_or_each_minute() {
        let now: jiff::Timestamp = "2026-12-05T10:00:00.5Z".parse().expect("time");
        let soon: jiff::Timestamp = "2026-12-05T10:00:10Z".parse().expect("time");
        let later: jiff::Timestamp = "2026-12-05T11:00:00Z".parse().expect("time");
        assert_eq!(wait_until(now, Some(soon)), Duration::from_millis(9_505));
        assert_eq!(wait_until(now, Some(later)), CHECK_EVERY);
        assert_eq!(wait_until(now, None), CHECK_EVERY);
    }
}
