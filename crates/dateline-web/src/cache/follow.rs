//! What empties the cache besides this instance's own writes: commits by anyone else on the
//! same store (the store's change watch), and scheduled posts whose time comes (nothing is
//! written then, yet every listing changes).

use std::sync::{Arc, Weak};
use std::time::Duration;

use dateline_core::{Change, Store};

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
            Ok(watch) => {
                if let Err(err) = follow_notices(&cache, watch).await {
                    tracing::warn!(error = %err, "lost the store's change watch; watching again");
                }
            }
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

/// How long a change notice waits for this instance's own mark before it empties the cache.
/// A write through this instance empties the cache at once (see `PageCache::after_own_write`),
/// and its notice comes back a moment later: emptying again for it made every page be rendered
/// twice per write. So a notice is held until this instance's next mark (which proves the
/// notice's commit came before an emptying of ours), or for this long at most (someone else's
/// write: it then shows within this much more, well inside the second it has).
const HOLD: Duration = Duration::from_millis(100);

/// Follows one watch until it fails (or the cache is gone: `Ok`).
async fn follow_notices(cache: &Weak<PageCache>, mut watch: Box<dyn dateline_core::ChangeWatch>) -> dateline_core::store::StoreResult<()> {
    // The watch is read on a task of its own, so that waiting for a mark can time out without
    // dropping a read half done.
    let (heard, mut notices) = tokio::sync::mpsc::channel(64);
    let reader = tokio::spawn(async move {
        loop {
            let notice = watch.changed().await;
            let failed = notice.is_err();
            if heard.send(notice).await.is_err() || failed {
                return;
            }
        }
    });
    let _stop_reading = AbortOnDrop(reader);
    // A notice heard and not acted on yet: the latest moment to act on it.
    let mut held: Option<tokio::time::Instant> = None;
    loop {
        let notice = match held {
            Some(deadline) => match tokio::time::timeout_at(deadline, notices.recv()).await {
                Ok(notice) => notice,
                Err(_) => {
                    // No mark of ours since: the change was someone else's.
                    held = None;
                    let Some(cache) = cache.upgrade() else { return Ok(()) };
                    cache.invalidate();
                    continue;
                }
            },
            None => notices.recv().await,
        };
        let Some(cache) = cache.upgrade() else { return Ok(()) };
        match notice {
            Some(Ok(Change::Data)) => {
                held.get_or_insert_with(|| tokio::time::Instant::now() + HOLD);
            }
            // Every notice heard before our mark was committed before it, and we empty the cache
            // right after sending it: those changes are covered.
            Some(Ok(Change::Mark(mark))) if mark == cache.mark => held = None,
            // Another instance's mark covers nothing of ours.
            Some(Ok(Change::Mark(_))) => {}
            Some(Err(err)) => return Err(err),
            None => return Err(dateline_core::StoreError::Backend("the change watch stopped".into())),
        }
    }
}

/// Stops a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
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

#[cfg(test)]
mod tests {
    use super::*;
    use dateline_core::ChangeWatch;

    /// A watch that hears what the test says.
    struct Scripted(tokio::sync::mpsc::UnboundedReceiver<Change>);

    #[async_trait::async_trait]
    impl ChangeWatch for Scripted {
        async fn changed(&mut self) -> dateline_core::store::StoreResult<Change> {
            self.0.recv().await.ok_or_else(|| dateline_core::StoreError::Backend("script over".into()))
        }
        async fn look(&mut self) -> dateline_core::store::StoreResult<bool> {
            Ok(false)
        }
    }

    #[tokio::test]
    async fn a_notice_is_covered_by_our_own_mark_and_nobody_elses() {
        let cache = Arc::new(PageCache::new(&dateline_core::config::CacheSettings::default()));
        let (say, script) = tokio::sync::mpsc::unbounded_channel();
        let following = tokio::spawn({
            let cache = Arc::downgrade(&cache);
            async move { follow_notices(&cache, Box::new(Scripted(script))).await }
        });
        let settled = || tokio::time::sleep(HOLD * 3);

        // Our write's notice, then our mark: the emptying that follows the mark covers it.
        say.send(Change::Data).expect("say");
        say.send(Change::Mark(cache.mark.clone())).expect("say");
        settled().await;
        assert_eq!(cache.generation(), 0);

        // Someone else's write (another instance's mark covers nothing here): emptied once.
        say.send(Change::Data).expect("say");
        say.send(Change::Mark("another instance".into())).expect("say");
        say.send(Change::Data).expect("say");
        settled().await;
        assert_eq!(cache.generation(), 1);

        // A watch that fails ends the following with its error (the caller watches again).
        drop(say);
        assert!(following.await.expect("task").is_err());
    }
}
