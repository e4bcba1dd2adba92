//! Keeping sources alive: checking every source URL that readers can see cited, and the
//! background task that does it now and then. `dateline sources check` and the server's task
//! run the same [`check_all`]; the admin's report reads what it left in the store.
//!
//! Gentle by design: several hosts are checked at once (`[sources] concurrency`), but each
//! host is asked one link at a time with a pause between them (`host_delay_ms`), since a blog
//! that quotes one outlet two hundred times must not knock on its door two hundred times at
//! once. Each link is followed by `dateline-fetch` under the clipping address filter, with
//! `timeout_seconds` for the whole of it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use dateline_core::accounts::Capability;
use dateline_core::config::SourceSettings;
use dateline_core::sources::{Finding, SourceLink};
use dateline_core::{Config, SourceState, Store, StoreError, User};
use dateline_fetch::{FetchError, FetchPolicy, Fetcher, LinkAnswer};
use jiff::{SignedDuration, Timestamp};

use crate::posts::PostRefusal;

/// The lease instances sharing a store take to run the background check, one at a time.
pub const LEASE: &str = "sources-check";

/// How long a run holds the lease before it must say it is still alive (a run renews it
/// every [`LEASE_RENEW`]); an instance that dies mid-run frees it after this.
const LEASE_TERM: SignedDuration = SignedDuration::from_mins(15);
const LEASE_RENEW: Duration = Duration::from_secs(5 * 60);

/// The longest the background task sleeps between looks at whether a run is due.
const LOOK_EVERY: Duration = Duration::from_secs(10 * 60);

/// How a run paces itself.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Hosts checked at once.
    pub concurrency: usize,
    /// The pause between two links of one host.
    pub host_delay: Duration,
}

impl CheckOptions {
    pub fn from_settings(settings: &SourceSettings) -> CheckOptions {
        CheckOptions {
            concurrency: settings.concurrency.max(1) as usize,
            host_delay: Duration::from_millis(u64::from(settings.host_delay_ms)),
        }
    }
}

/// The fetcher for link checks: the clipping policy (`[fetch] allow` and its variable) with
/// the check's own time limit.
pub fn fetcher(config: &Config) -> Result<Fetcher, FetchError> {
    let timeout = Duration::from_secs(u64::from(config.sources.timeout_seconds.max(1)));
    Fetcher::new(FetchPolicy { timeout, ..FetchPolicy::with_allow(&config.fetch.allow) })
}

/// What a run did: every cited source as it left it, by URL.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub sources: Vec<SourceLink>,
}

impl CheckRun {
    /// How many sources are in each state, every state named (zeros included), in order.
    pub fn counts(&self) -> Vec<(SourceState, usize)> {
        SourceState::ALL.iter().map(|state| (*state, self.sources.iter().filter(|s| s.state == *state).count())).collect()
    }

    /// The sources that need a look: every state but ok.
    pub fn problems(&self) -> impl Iterator<Item = &SourceLink> {
        self.sources.iter().filter(|source| source.state != SourceState::Ok)
    }
}

/// Checks every source cited by a published or scheduled post (new ones are added first) and
/// stores what each check found. A failure to store stops the run; a link that cannot be
/// reached is a finding, not a failure.
pub async fn check_all(store: &Arc<dyn Store>, fetcher: &Fetcher, options: &CheckOptions) -> Result<CheckRun, StoreError> {
    store.add_missing_sources().await?;
    let mut by_host: BTreeMap<String, Vec<SourceLink>> = BTreeMap::new();
    for source in store.sources(None).await? {
        by_host.entry(host_of(&source.url)).or_default().push(source);
    }
    let slots = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut hosts = tokio::task::JoinSet::new();
    for (_, links) in by_host {
        let (store, fetcher, slots, delay) = (store.clone(), fetcher.clone(), slots.clone(), options.host_delay);
        hosts.spawn(async move {
            // Closed only if the semaphore is, which it never is.
            let _slot = slots.acquire_owned().await.map_err(|e| StoreError::Backend(e.to_string()))?;
            let mut checked = Vec::with_capacity(links.len());
            for (i, link) in links.into_iter().enumerate() {
                if i > 0 && !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let finding = finding(&link.url, fetcher.check_link(&link.url).await);
                let next = link.after(&finding, Timestamp::now());
                store.record_source_check(&next).await?;
                checked.push(next);
            }
            Ok::<_, StoreError>(checked)
        });
    }
    let mut sources = Vec::new();
    while let Some(done) = hosts.join_next().await {
        sources.extend(done.map_err(|e| StoreError::Backend(format!("a link check stopped: {e}")))??);
    }
    sources.sort_by(|a, b| a.url.cmp(&b.url));
    Ok(CheckRun { sources })
}

/// What a link check means for a source.
fn finding(url: &str, checked: Result<LinkAnswer, FetchError>) -> Finding {
    match checked {
        Ok(answer) if matches!(answer.status, 404 | 410) => Finding::Missing { status: answer.status, final_url: answer.final_url },
        // A page, or an answer that is not an error (304 Not Modified, 300 Multiple Choices).
        Ok(answer) if answer.status < 400 => {
            let moved = answer.moved_permanently && answer.final_url != url;
            Finding::Page { status: answer.status, final_url: answer.final_url, moved }
        }
        Ok(answer) => Finding::Failed { status: Some(answer.status), reason: format!("the address answered {}", answer.status) },
        Err(error) => Finding::Failed { status: None, reason: error.to_string() },
    }
}

/// The host of a URL in lower case (what "one request at a time per host" counts by); the
/// whole URL for one without a host, which the check will refuse anyway.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if host.is_empty() { url.to_string() } else { host.to_ascii_lowercase() }
}

/// Rewrites the posts citing each of `urls` that is moved to the address it moved to, for
/// `user`, who must be allowed to edit others' posts (the links are in anyone's posts).
/// Returns how many posts changed.
pub async fn update_moved_links(store: &dyn Store, user: &User, urls: &[String]) -> Result<u64, PostRefusal> {
    if !user.role.can(Capability::EditOthersPosts) {
        return Err(PostRefusal::MayNotEdit);
    }
    Ok(store.update_moved_links(urls).await?)
}

/// A name for this process among the instances sharing a store: host, process id and a random
/// part (two containers may share a host name and a pid).
pub fn holder_name() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "dateline".into());
    let mut random = [0u8; 4];
    let _ = getrandom::fill(&mut random);
    format!("{host}/{}/{:08x}", std::process::id(), u32::from_be_bytes(random))
}

/// The server's background check, for as long as it runs: every `period`, the instance that
/// takes the lease checks every source, then holds the lease until the next run is due, so
/// that no instance sharing the store runs before then. The first look comes a while after
/// start (at most ten minutes, or `period` when shorter), so short-lived servers (tests, a
/// restart loop) do not check at all.
pub async fn keep_checking(store: Arc<dyn Store>, fetcher: Fetcher, options: CheckOptions, period: Duration, holder: String) {
    let look_every = period.min(LOOK_EVERY);
    let period = SignedDuration::try_from(period).unwrap_or(SignedDuration::from_hours(24));
    loop {
        tokio::time::sleep(look_every).await;
        let now = Timestamp::now();
        match store.take_lease(LEASE, &holder, now, now + LEASE_TERM).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(err) => {
                tracing::warn!(error = %err, "could not ask for the source-check lease");
                continue;
            }
        }
        let run = tokio::select! {
            run = check_all(&store, &fetcher, &options) => run,
            () = renew_lease(&store, &holder) => continue,
        };
        let next = match run {
            Ok(run) => {
                let counts: Vec<String> = run.counts().iter().map(|(state, n)| format!("{n} {state}")).collect();
                tracing::info!(sources = run.sources.len(), states = %counts.join(", "), "checked the sources");
                Timestamp::now() + period
            }
            Err(err) => {
                // Tried again at the next look rather than a period later.
                tracing::warn!(error = %err, "the source check stopped");
                Timestamp::now()
            }
        };
        if let Err(err) = store.hold_lease_until(LEASE, &holder, next).await {
            tracing::warn!(error = %err, "could not record when the sources are next checked");
        }
    }
}

/// Keeps the lease while a run goes on; returns only if it was lost (another instance took it
/// after this one failed to renew in time), which ends the run.
async fn renew_lease(store: &Arc<dyn Store>, holder: &str) {
    loop {
        tokio::time::sleep(LEASE_RENEW).await;
        match store.hold_lease_until(LEASE, holder, Timestamp::now() + LEASE_TERM).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!("lost the source-check lease to another instance; leaving the run to it");
                return;
            }
            Err(err) => tracing::warn!(error = %err, "could not renew the source-check lease"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_counted_by_name() {
        assert_eq!(host_of("https://News.Example/a?b#c"), "news.example");
        assert_eq!(host_of("http://user@news.example:8080/a"), "news.example:8080");
        assert_eq!(host_of("nonsense"), "nonsense");
    }

    #[test]
    fn answers_become_findings() {
        let answer = |status, final_url: &str, moved_permanently| {
            Ok(LinkAnswer { status, final_url: final_url.into(), moved_permanently, redirects: usize::from(moved_permanently) })
        };
        let url = "https://a.example/story";
        assert_eq!(finding(url, answer(200, url, false)), Finding::Page { status: 200, final_url: url.into(), moved: false });
        assert_eq!(
            finding(url, answer(200, "https://a.example/2024/story", true)),
            Finding::Page { status: 200, final_url: "https://a.example/2024/story".into(), moved: true }
        );
        assert_eq!(finding(url, answer(410, url, false)), Finding::Missing { status: 410, final_url: url.into() });
        assert_eq!(finding(url, answer(503, url, false)), Finding::Failed { status: Some(503), reason: "the address answered 503".into() });
        assert_eq!(
            finding(url, Err(FetchError::Timeout(Duration::from_secs(10)))),
            Finding::Failed { status: None, reason: "no answer within 10 s".into() }
        );
    }
}
