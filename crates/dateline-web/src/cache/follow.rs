//! What empties the cache besides this instance's own writes: commits by anyone else on the
//! same store (the store's change watch), and scheduled posts whose time comes (nothing is
//! written then, yet every listing changes).

use std::sync::{Arc, Weak};
use std::time::Duration;

use dateline_core::Store;

use super::PageCache;

/// How long to wait before watching again after the watch failed (the database restarting).
const RETRY: Duration = Duration::from_secs(1);

/// How long to sleep at most between looks at the schedule (a post scheduled meanwhile is a
/// write, which wakes the look at once).
const SCHEDULE_RECHECK: Duration = Duration::from_secs(300);

/// Follows the store's changes and the schedule for as long as the cache exists. The watches
/// are in place when this returns: nothing committed after it goes unheard.
pub(crate) async fn follow_changes(cache: &Arc<PageCache>, store: Arc<dyn Store>) {
    if !cache.enabled {
        return;
    }
    let watch = match store.watch_changes().await {
        Ok(watch) => Some(watch),
        Err(err) => {
            tracing::warn!(error = %err, "cannot watch the store's changes yet; trying again");
            None
        }
    };
    // Requests ask SQLite themselves (PostgreSQL tells its listeners, so asking would cost a
    // connection for nothing).
    if store.backend_name() == "sqlite" {
        match store.watch_changes().await {
            Ok(looker) => *cache.looker.lock().await = Some(looker),
            Err(err) => tracing::warn!(error = %err, "cannot watch the store's changes from requests; the background watch still runs"),
        }
    }
    tokio::spawn(watch_store(Arc::downgrade(cache), store.clone(), watch));
    tokio::spawn(watch_schedule(Arc::downgrade(cache), store));
}

async fn watch_store(cache: Weak<PageCache>, store: Arc<dyn Store>, mut watch: Option<Box<dyn dateline_core::ChangeWatch>>) {
    loop {
        let current = match watch.take() {
            Some(watch) => Ok(watch),
            None => store.watch_changes().await,
        };
        match current {
            Ok(mut watch) => loop {
                match watch.changed().await {
                    Ok(()) => match cache.upgrade() {
                        Some(cache) => cache.invalidate(),
                        None => return,
                    },
                    Err(err) => {
                        tracing::warn!(error = %err, "lost the store's change watch; watching again");
                        break;
                    }
                }
            },
            Err(err) => tracing::warn!(error = %err, "cannot watch the store's changes; trying again"),
        }
        // Whatever happened while not watching is unknown: forget everything.
        match cache.upgrade() {
            Some(cache) => cache.invalidate(),
            None => return,
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn watch_schedule(cache: Weak<PageCache>, store: Arc<dyn Store>) {
    loop {
        let Some(changed) = cache.upgrade().map(|cache| cache.changed.clone()) else { return };
        let woken = changed.notified();
        let now = jiff::Timestamp::now();
        // `due`: the wait ends when a post's time comes (not merely to look again).
        let (wait, due) = match store.next_scheduled(now).await {
            Ok(Some(at)) => {
                let until = at.duration_since(now).unsigned_abs();
                (until.min(SCHEDULE_RECHECK), until <= SCHEDULE_RECHECK)
            }
            Ok(None) => (SCHEDULE_RECHECK, false),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the schedule; looking again soon");
                (RETRY, false)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {
                if due && let Some(cache) = cache.upgrade() {
                    cache.invalidate();
                }
            }
            () = woken => {
                // A burst of writes (comments being approved) asks once, not per write.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
