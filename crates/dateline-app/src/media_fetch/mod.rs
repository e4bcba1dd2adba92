//! Bringing an imported blog's images home (`dateline import wxr --media fetch`): every
//! attachment the import recorded, and every image its posts and pages show or link to on the
//! old site's hosts, is fetched through the safe fetcher (bounded concurrency, its timeout,
//! the media size limit), checked and processed as an upload is, and stored once per distinct
//! file; the posts' text then points at the local copies and their featured images are set
//! from `_thumbnail_id`.
//!
//! Resumable: the store remembers each old address a file came from (`media_sources`), so a
//! second run fetches only what is still missing; a failed file never fails the run, its posts
//! keep the old address and the report says why. With nothing to fetch ([`Fetching`] absent,
//! as `--media keep`), only files already brought home are pointed at, so importing the same
//! export again does not lose them.

pub mod links;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use dateline_core::media::{MediaId, MediaItem};
use dateline_core::{Store, StoreError, UserId};
use dateline_fetch::{FetchError, FetchPolicy, Fetcher};
use tokio::sync::Semaphore;
use url::Url;

use crate::media::{MediaRefusal, UploadInfo, Uploads, prepare};
use links::{Place, Relink};

/// Files fetched at once: enough to hide a slow host's latency, few enough not to hammer a
/// small old server (or to have many images decoded on two cores at once).
pub const CONCURRENCY: usize = 4;

/// What fetching needs: the fetcher (with the media size limit and the timeout) and the
/// site's upload checks.
pub struct Fetching {
    fetcher: Fetcher,
    uploads: Arc<Uploads>,
}

impl Fetching {
    /// From the site's settings: `[media]` limits and types, `[fetch] allow` (and
    /// `DATELINE_FETCH_ALLOW`) for private addresses; `timeout` for each file.
    pub fn new(config: &dateline_core::Config, timeout: Duration) -> Result<Fetching, String> {
        let uploads = Uploads::new(&config.media)?;
        let policy = FetchPolicy {
            timeout,
            max_bytes: usize::try_from(uploads.max_bytes()).unwrap_or(usize::MAX),
            ..FetchPolicy::with_allow(&config.fetch.allow)
        };
        let fetcher = Fetcher::new(policy).map_err(|e| e.to_string())?;
        Ok(Fetching { fetcher, uploads: Arc::new(uploads) })
    }
}

/// What bringing the media home did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaReport {
    /// Whether files were fetched (else files already here were only pointed at).
    pub fetching: bool,
    pub fetched: u64,
    /// Files found already stored by an earlier run.
    pub already_had: u64,
    /// Each file that could not be brought home: its old address and why.
    pub failed: Vec<(String, String)>,
    /// Posts and pages whose text now points at local copies.
    pub relinked: u64,
    /// Posts and pages given their featured image.
    pub featured: u64,
}

impl std::fmt::Display for MediaReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.fetching {
            writeln!(
                f,
                "Media from the old site: {} fetched, {} already here, {} failed",
                self.fetched,
                self.already_had,
                self.failed.len()
            )?;
        } else {
            writeln!(f, "Media already brought home: {}", self.already_had)?;
        }
        writeln!(f, "  posts and pages pointed at local copies {:>8}", self.relinked)?;
        writeln!(f, "  featured images set                     {:>8}", self.featured)?;
        if !self.failed.is_empty() {
            writeln!(f, "Not fetched (their posts keep the old address; run the import again to retry):")?;
            for (url, why) in &self.failed {
                writeln!(f, "  {url}: {why}")?;
            }
        }
        Ok(())
    }
}

/// One file to fetch: an imported attachment's (`record`), or an image a post shows.
struct Job {
    url: String,
    record: Option<MediaId>,
    /// For an image that is no attachment: the account of the first post showing it.
    author: UserId,
}

/// Brings the imported posts' media home (see the module's comment). `old_sites` are the
/// export's addresses (`<link>`, `base_site_url`, `base_blog_url`); the hosts of the
/// attachments' addresses count as the old site's too (uploads are often on a host of their
/// own). `progress` is told (done, total) as files are fetched.
pub async fn bring_home(
    store: Arc<dyn Store>,
    fetching: Option<&Fetching>,
    old_sites: &[String],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<MediaReport, StoreError> {
    let records: Vec<_> = store.media().await?.into_iter().filter(|m| m.source_key.is_some()).collect();
    let mut report = MediaReport { fetching: fetching.is_some(), ..MediaReport::default() };
    let known_before: HashMap<String, MediaId> = store.media_sources().await?.into_iter().collect();
    if fetching.is_none() && known_before.is_empty() {
        return Ok(report);
    }
    let texts = store.imported_texts().await?;
    let record_ids: HashSet<MediaId> = records.iter().map(|r| r.id).collect();
    let mut attachment_at: HashMap<String, MediaId> =
        records.iter().filter(|r| !r.stored && is_http(&r.url)).map(|r| (r.url.clone(), r.id)).collect();
    for (url, id) in &known_before {
        if record_ids.contains(id) {
            attachment_at.entry(url.clone()).or_insert(*id);
        }
    }
    let base = old_sites.iter().find_map(|site| Url::parse(site.trim()).ok());
    let hosts: HashSet<String> = old_sites.iter().chain(attachment_at.keys()).filter_map(|url| host_of(url)).collect();
    let old_site = OldSite { base, hosts };

    // What to fetch: every attachment not stored yet, then each image the text shows on the
    // old site that is neither an attachment (or a resized copy of one) nor already here.
    let mut jobs: Vec<Job> = Vec::new();
    let mut queued: HashSet<String> = HashSet::new();
    // Counted by old address: every file an earlier run brought home.
    report.already_had = known_before.len() as u64;
    for record in records.iter().filter(|r| !r.stored && is_http(&r.url)) {
        if queued.insert(record.url.clone()) {
            jobs.push(Job { url: record.url.clone(), record: Some(record.id), author: 0 });
        }
    }
    for text in &texts {
        for found in links::image_urls(&text.body_html).into_iter().chain(links::image_urls(&text.body_source)) {
            let Some(url) = old_site.absolute(&found.url) else { continue };
            let is_copy = links::original_of_copy(&url).is_some_and(|(original, _)| attachment_at.contains_key(&original));
            if attachment_at.contains_key(&url) || is_copy {
                continue;
            }
            if !known_before.contains_key(&url) && queued.insert(url.clone()) {
                jobs.push(Job { url, record: None, author: text.author_id });
            }
        }
    }
    if let Some(fetching) = fetching {
        fetch_all(store.clone(), fetching, jobs, &mut report, progress).await;
    }

    // Point the text at what is stored now.
    let known: HashMap<String, MediaId> = store.media_sources().await?.into_iter().collect();
    let mut items: HashMap<MediaId, MediaItem> = HashMap::new();
    for id in known.values().copied().chain(records.iter().map(|r| r.id)).collect::<HashSet<_>>() {
        if let Some(item) = store.media_item(id).await? {
            items.insert(id, item);
        }
    }
    let by_key: HashMap<&str, MediaId> = records.iter().filter_map(|r| Some((r.source_key.as_deref()?, r.id))).collect();
    let relink = LocalCopies { old_site: &old_site, known: &known, attachments: &record_ids, items: &items };
    for text in &texts {
        let body_html = links::rewrite(&text.body_html, &relink);
        let body_source = links::rewrite(&text.body_source, &relink);
        let thumbnail = text.thumbnail_id.and_then(|thumb| {
            let (site, _) = text.source_key.rsplit_once(":post:")?;
            by_key.get(format!("{site}:post:{thumb}").as_str()).copied().filter(|id| items.contains_key(id))
        });
        let featured = text.featured_media.or(thumbnail);
        let changed_text = body_html != text.body_html || body_source != text.body_source;
        if changed_text || featured != text.featured_media {
            store.localize_text(text.id, &body_source, &body_html, featured).await?;
            report.relinked += u64::from(changed_text);
            report.featured += u64::from(featured != text.featured_media);
        }
    }
    Ok(report)
}

/// Fetches and stores the jobs, [`CONCURRENCY`] at a time, counting into `report`: the
/// attachments first, so that an image in a post with the same bytes as one of them is
/// known to be that file rather than stored as another.
async fn fetch_all(
    store: Arc<dyn Store>,
    fetching: &Fetching,
    jobs: Vec<Job>,
    report: &mut MediaReport,
    progress: &(dyn Fn(u64, u64) + Sync),
) {
    let total = jobs.len() as u64;
    progress(0, total);
    let mut done = 0;
    let (attachments, images): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|job| job.record.is_some());
    for group in [attachments, images] {
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        let mut running = tokio::task::JoinSet::new();
        for job in group {
            let (store, fetcher, uploads, slots) = (store.clone(), fetching.fetcher.clone(), fetching.uploads.clone(), slots.clone());
            running.spawn(async move {
                let outcome = match slots.acquire_owned().await {
                    Ok(_slot) => fetch_one(store.as_ref(), &fetcher, &uploads, &job).await,
                    Err(_) => Err("stopped".to_string()),
                };
                (job.url, outcome)
            });
        }
        while let Some(joined) = running.join_next().await {
            done += 1;
            progress(done, total);
            match joined {
                Ok((_, Ok(()))) => report.fetched += 1,
                Ok((url, Err(why))) => report.failed.push((url, why)),
                Err(err) => tracing::error!(%err, "a media fetch stopped unexpectedly"),
            }
        }
    }
    report.failed.sort();
}

/// Fetches one file, checks and processes it as an upload, and stores it.
async fn fetch_one(store: &dyn Store, fetcher: &Fetcher, uploads: &Uploads, job: &Job) -> Result<(), String> {
    let max = usize::try_from(uploads.max_bytes()).unwrap_or(usize::MAX);
    let fetched = fetcher.fetch_bytes(&job.url, "image/*, application/pdf, audio/*, video/*, */*;q=0.5", max).await.map_err(why_not)?;
    let file_name = Url::parse(&fetched.final_url)
        .ok()
        .and_then(|url| url.path_segments().and_then(|mut s| s.next_back().map(String::from)))
        .unwrap_or_default();
    let info = UploadInfo { file_name, ..UploadInfo::default() };
    let new = prepare(uploads, job.author, info, fetched.body).await.map_err(|refusal| match refusal {
        MediaRefusal::Refused(err) => format!("refused: {err}"),
        other => other.to_string(),
    })?;
    store.store_fetched_media(job.record, &job.url, new).await.map_err(|err| format!("could not be stored: {err}"))?;
    Ok(())
}

/// Why a fetch failed, in the report's words.
fn why_not(err: FetchError) -> String {
    match err {
        FetchError::TooLarge(limit) => format!("larger than the media size limit ({} MB)", limit / (1024 * 1024)),
        FetchError::Status(status) => format!("the old site answered {status}"),
        other => other.to_string(),
    }
}

fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// `host:port` of an address, as the old site's hosts are compared.
fn host_of(url: &str) -> Option<String> {
    let url = Url::parse(url.trim()).ok()?;
    Some(format!("{}:{}", url.host_str()?.to_ascii_lowercase(), url.port_or_known_default()?))
}

/// The old site: where relative addresses lead, and which hosts are its.
struct OldSite {
    base: Option<Url>,
    hosts: HashSet<String>,
}

impl OldSite {
    /// The absolute address of `raw` when it is on the old site (relative ones against it).
    fn absolute(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        let url = if is_http(raw) {
            raw.to_string()
        } else if raw.starts_with('/') {
            self.base.as_ref()?.join(raw).ok()?.to_string()
        } else {
            return None;
        };
        self.hosts.contains(&host_of(&url)?).then_some(url)
    }
}

/// The local copies known after fetching, for [`links::rewrite`].
struct LocalCopies<'a> {
    old_site: &'a OldSite,
    known: &'a HashMap<String, MediaId>,
    attachments: &'a HashSet<MediaId>,
    items: &'a HashMap<MediaId, MediaItem>,
}

impl LocalCopies<'_> {
    /// The stored item at an old address, and the width of the resized copy it named (a
    /// WordPress `-300x200` copy of an attachment).
    fn item(&self, raw: &str) -> Option<(&MediaItem, Option<u32>)> {
        let url = self.old_site.absolute(raw)?;
        let (id, width) = match self.known.get(&url) {
            Some(id) => (*id, None),
            None => {
                let (original, width) = links::original_of_copy(&url)?;
                let id = *self.known.get(&original).filter(|id| self.attachments.contains(id))?;
                (id, Some(width))
            }
        };
        Some((self.items.get(&id)?, width))
    }
}

impl Relink for LocalCopies<'_> {
    fn address(&self, url: &str, place: Place) -> Option<String> {
        let (item, width) = self.item(url)?;
        Some(match (place, width) {
            // A resized copy is shown by the narrowest of ours at least as wide.
            (Place::Src | Place::Srcset, Some(width)) => item
                .variants
                .iter()
                .filter(|v| v.mime_type == item.mime_type && v.width >= width)
                .min_by_key(|v| v.width)
                .map_or_else(|| item.path(), |v| item.variant_path(v)),
            _ => item.path(),
        })
    }

    fn srcset(&self, urls: &[&str]) -> Option<String> {
        let mut items = urls.iter().map(|url| self.item(url).map(|(item, _)| item));
        let first = items.next()??;
        if !items.all(|item| item.is_some_and(|item| item.id == first.id)) || !first.is_image() {
            return None;
        }
        let width = first.width?;
        let mut set: Vec<String> = first
            .variants
            .iter()
            .filter(|v| v.mime_type == first.mime_type)
            .map(|v| format!("{} {}w", first.variant_path(v), v.width))
            .collect();
        set.push(format!("{} {width}w", first.path()));
        Some(set.join(", "))
    }
}
