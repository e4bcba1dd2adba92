//! Scheduled posts become published when their time comes, as WordPress's scheduler makes
//! them. Readers see a post from its time whatever its status says (decided per request);
//! this keeps the admin's words and counts in step: every instance checks each minute (the
//! update is idempotent, so instances sharing a store do not conflict), and the admin checks
//! before it lists posts.

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

/// Checks every [`CHECK_EVERY`] for as long as the server runs.
pub(crate) async fn keep_publishing(state: AppState) {
    loop {
        publish_due(&state).await;
        tokio::time::sleep(CHECK_EVERY).await;
    }
}
