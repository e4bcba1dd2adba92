//! `dateline import wxr`: files are read on a blocking thread and their records flow through
//! a bounded channel into one store transaction, so memory stays flat however large the
//! file, reading and writing overlap on two cores, and a failure anywhere leaves the store
//! as it was.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use dateline_core::import::*;
use dateline_core::{PostKind, Store, StoreError, Taxonomy};

use crate::reader::{DEFAULT_MAX_FILE_BYTES, Record, Repairs, WxrError, read_file_within};
use crate::records::*;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Read and report everything, write nothing.
    pub dry_run: bool,
    /// The old site's permalink structure in WordPress's syntax (`/%category%/%postname%/`),
    /// so those addresses keep working too.
    pub permalinks: Option<String>,
    /// This site's time zone (UTC when `None`), to say when the old site's differs.
    pub time_zone: Option<jiff::tz::TimeZone>,
    /// The largest file read ([`crate::reader::DEFAULT_MAX_FILE_BYTES`] when `None`).
    pub max_file_bytes: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Read(#[from] WxrError),
    #[error("the store refused the import, nothing was imported: {0}")]
    Store(#[from] StoreError),
}

/// What an import did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Records read, of every kind.
    pub records: u64,
    /// "post published", "page draft", "comment approved", "pingback approved", "category"…
    pub counts: BTreeMap<String, u64>,
    /// Reason → how many.
    pub skipped: BTreeMap<String, u64>,
    pub unknown_shortcodes: BTreeMap<String, usize>,
    pub warnings: Vec<String>,
    /// The old blog's title and tagline (from the first file), for the site's settings.
    pub old_site: Option<(String, String)>,
    /// The old sites' addresses (`<link>`, `base_site_url`, `base_blog_url` of each file):
    /// where the images to bring home are.
    pub old_addresses: Vec<String>,
}

impl ImportReport {
    fn count(&mut self, what: impl Into<String>) {
        *self.counts.entry(what.into()).or_default() += 1;
    }

    pub fn get(&self, what: &str) -> u64 {
        self.counts.get(what).copied().unwrap_or(0)
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} {} records", if self.dry_run { "Dry run: would import from" } else { "Imported from" }, self.records)?;
        for (what, n) in &self.counts {
            writeln!(f, "  {what:<28} {n:>8}")?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "Skipped:")?;
            for (why, n) in &self.skipped {
                writeln!(f, "  {n:>6}  {why}")?;
            }
        }
        if !self.unknown_shortcodes.is_empty() {
            writeln!(f, "Shortcodes left as typed (no renderer here):")?;
            for (name, n) in &self.unknown_shortcodes {
                writeln!(f, "  [{name}] ×{n}")?;
            }
        }
        for warning in &self.warnings {
            writeln!(f, "Warning: {warning}")?;
        }
        Ok(())
    }
}

/// The state of one file's import.
#[derive(Default)]
struct SiteState {
    site: String,
    /// The old site's offsets from UTC in seconds (post_date against post_date_gmt), with how
    /// many items had each (two for a zone with summer time).
    utc_offsets: HashMap<i64, usize>,
    /// Items whose local date this site's time zone gives differently, of those with both dates.
    local_mismatches: (usize, usize),
    category_parents: HashMap<String, String>,
    media: FileMedia,
    /// Posts whose galleries missed images (attachments often come after their post), rendered
    /// again at the end of the file, when every attachment is known: (source key, old id,
    /// content, how many galleries were empty).
    galleries_to_redo: Vec<(String, i64, String, usize)>,
    leftovers: Leftovers,
}

/// The attachments a file listed so far.
#[derive(Default)]
struct FileMedia {
    urls: HashMap<i64, String>,
    /// Images attached to each post (by the old site's ids), for galleries that name none.
    attached_images: HashMap<i64, Vec<i64>>,
}

/// The attachments of one file seen from one post (its old id).
struct FileAttachments<'a> {
    media: &'a FileMedia,
    post: i64,
}

impl dateline_render::Attachments for FileAttachments<'_> {
    fn url(&self, id: i64) -> Option<String> {
        self.media.urls.get(&id).cloned()
    }
    fn of_post(&self) -> Vec<i64> {
        let mut ids = self.media.attached_images.get(&self.post).cloned().unwrap_or_default();
        ids.sort_unstable();
        ids
    }
}

impl SiteState {
    fn category_path(&self, slug: &str) -> String {
        let mut parts = vec![slug.to_string()];
        let mut current = slug;
        while let Some(parent) = self.category_parents.get(current).filter(|p| !p.is_empty()) {
            if parts.len() > 16 || parts.contains(parent) {
                break;
            }
            parts.push(parent.clone());
            current = parent;
        }
        parts.reverse();
        parts.join("/")
    }
}

/// Imports every file in one transaction (none when `dry_run`). `progress` is told how many
/// records have been handled so far.
pub async fn import_files(
    store: Option<&dyn Store>,
    paths: &[PathBuf],
    options: &ImportOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportReport, ImportError> {
    // Without a store (or when asked) the import is dry: read and report only.
    let dry_run = options.dry_run || store.is_none();
    let mut report = ImportReport { dry_run, ..ImportReport::default() };
    let mut session = match (dry_run, store) {
        (false, Some(store)) => Some(store.begin_import().await?),
        _ => None,
    };
    for path in paths {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Record>(256);
        let reading = {
            let (path, max_bytes) = (path.clone(), options.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES));
            tokio::task::spawn_blocking(move || read_file_within(&path, max_bytes, &mut |record| sender.blocking_send(record).is_ok()))
        };
        let mut state = SiteState { site: site_key(&path.display().to_string()), ..SiteState::default() };
        let mut failure = None;
        while let Some(record) = receiver.recv().await {
            report.records += 1;
            if let Err(err) = handle(record, &mut state, session.as_deref_mut(), options, &mut report).await {
                failure = Some(err);
                break;
            }
            if report.records.is_multiple_of(256) {
                progress(report.records);
            }
        }
        drop(receiver);
        let read = reading.await.map_err(|e| ImportError::Read(WxrError::Io(std::io::Error::other(e), path.display().to_string())))?;
        if let Some(err) = failure {
            return Err(err.into());
        }
        let repairs: Repairs = read?;
        // Galleries that name no images show those attached to their post, which may have come
        // later in the file than the post.
        let mut empty_galleries = state.leftovers.empty_galleries;
        for (key, post, content, empty) in std::mem::take(&mut state.galleries_to_redo) {
            let rendered = dateline_render::wordpress_to_html(&content, &FileAttachments { media: &state.media, post });
            empty_galleries = empty_galleries - empty + rendered.empty_galleries;
            if let Some(session) = session.as_deref_mut() {
                session.set_body_html(&key, &rendered.html).await?;
            }
        }
        for (name, n) in std::mem::take(&mut state.leftovers.unknown_shortcodes) {
            *report.unknown_shortcodes.entry(name).or_default() += n;
        }
        if empty_galleries > 0 {
            report.warnings.push(format!(
                "{}: {empty_galleries} [gallery] shortcodes name no images and their posts have none attached; they show nothing",
                path.display()
            ));
        }
        if repairs.nested_cdata > 0 {
            report.warnings.push(format!(
                "{}: repaired {} values with nested CDATA sections (taken literally, as WordPress does)",
                path.display(),
                repairs.nested_cdata
            ));
        }
        if repairs.control_characters > 0 {
            report.warnings.push(format!(
                "{}: removed {} control characters that XML does not allow",
                path.display(),
                repairs.control_characters
            ));
        }
        // Most items' local dates differ from what this site's zone makes of them: say so.
        let (mismatched, compared) = state.local_mismatches;
        if mismatched * 2 > compared
            && let Some((offset, _)) = state.utc_offsets.iter().max_by_key(|(offset, n)| (**n, -**offset))
        {
            let (sign, offset) = if *offset < 0 { ('-', -offset) } else { ('+', *offset) };
            report.warnings.push(format!(
                "{}: the WordPress site's clock ran at UTC{sign}{:02}:{:02} ({mismatched} of {compared} dates differ here); set [site] timezone (in dateline.toml or the admin's Settings) to that zone so dates and /YYYY/MM/DD/ permalinks match the old site (old addresses redirect either way)",
                path.display(),
                offset / 3600,
                offset % 3600 / 60
            ));
        }
        progress(report.records);
    }
    if let Some(session) = session {
        session.finish().await?;
    }
    Ok(report)
}

async fn handle(
    record: Record,
    state: &mut SiteState,
    session: Option<&mut (dyn ImportSession + 'static)>,
    options: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    match record {
        Record::Channel(channel) => {
            let base = [&channel.base_site_url, &channel.base_blog_url, &channel.link].into_iter().find(|b| !b.trim().is_empty()).cloned();
            if let Some(base) = base {
                state.site = site_key(&base);
            }
            for address in [&channel.link, &channel.base_blog_url, &channel.base_site_url] {
                let address = address.trim();
                if !address.is_empty() && !report.old_addresses.iter().any(|known| known == address) {
                    report.old_addresses.push(address.to_string());
                }
            }
            if report.old_site.is_none() && !channel.title.trim().is_empty() {
                report.old_site = Some((channel.title.trim().to_string(), channel.description.trim().to_string()));
            }
            if !matches!(channel.wxr_version.as_str(), "1.0" | "1.1" | "1.2" | "") {
                report.warnings.push(format!("WXR version {} is newer than 1.2; read as 1.2", channel.wxr_version));
            }
        }
        Record::Author(author) => {
            if author.login.trim().is_empty() {
                *report.skipped.entry("author without a login".into()).or_default() += 1;
                return Ok(());
            }
            report.count("author");
            if let Some(session) = session {
                let display_name = if author.display_name.trim().is_empty() { author.login.clone() } else { author.display_name.clone() };
                session
                    .author(&ImportAuthor {
                        login: author.login,
                        display_name,
                        email: Some(author.email).filter(|e| !e.trim().is_empty()),
                        wp_id: (author.id > 0).then_some(author.id),
                    })
                    .await?;
            }
        }
        Record::Term(term) => {
            let taxonomy = match term.taxonomy.as_str() {
                "category" => Taxonomy::Category,
                "post_tag" => Taxonomy::Tag,
                other => {
                    *report.skipped.entry(format!("terms of taxonomy “{other}”")).or_default() += 1;
                    return Ok(());
                }
            };
            let slug = if term.slug.trim().is_empty() { dateline_core::slug::slugify(&term.name) } else { term.slug.trim().to_string() };
            report.count(taxonomy.as_str());
            if taxonomy == Taxonomy::Category {
                state.category_parents.insert(slug.clone(), term.parent.trim().to_string());
            }
            if let Some(session) = session {
                let name = if term.name.trim().is_empty() { slug.clone() } else { term.name.clone() };
                let parent_slug = (taxonomy == Taxonomy::Category).then(|| term.parent.trim().to_string()).filter(|p| !p.is_empty());
                session.term(&ImportTerm { taxonomy, slug, name, description: term.description, parent_slug, meta: term.meta }).await?;
            }
        }
        Record::Item(item) => {
            if let (Some(local), Some(gmt)) = (wp_time(&item.post_date), wp_time(&item.post_date_gmt)) {
                *state.utc_offsets.entry(local.as_second() - gmt.as_second()).or_default() += 1;
                // (A time zone is shared, so its clone is cheap.)
                let here = gmt.to_zoned(options.time_zone.clone().unwrap_or(jiff::tz::TimeZone::UTC)).datetime();
                let there = local.to_zoned(jiff::tz::TimeZone::UTC).datetime();
                state.local_mismatches.1 += 1;
                if here != there {
                    state.local_mismatches.0 += 1;
                }
            }
            let (empty_before, unknown_before) = (state.leftovers.empty_galleries, state.leftovers.unknown_images);
            let mapped = map_item(&state.site, &item, &FileAttachments { media: &state.media, post: item.post_id }, &mut state.leftovers);
            if let Mapped::Post(post) = &mapped
                && (state.leftovers.empty_galleries > empty_before || state.leftovers.unknown_images > unknown_before)
            {
                let empty = state.leftovers.empty_galleries - empty_before;
                state.galleries_to_redo.push((post.source_key.clone(), item.post_id, post.write.body_source.clone(), empty));
            }
            report.warnings.append(&mut state.leftovers.item_notes);
            match mapped {
                Mapped::Skipped(reason) => *report.skipped.entry(reason).or_default() += 1,
                Mapped::Media(media) => {
                    report.count("attachment");
                    state.media.urls.insert(item.post_id, media.url.clone());
                    if item.post_parent > 0 && media.mime_type.as_deref().is_none_or(|m| m.starts_with("image/")) {
                        state.media.attached_images.entry(item.post_parent).or_default().push(item.post_id);
                    }
                    if let Some(session) = session {
                        session.media(&media).await?;
                        let target = match &media.parent_source_key {
                            Some(parent) => RedirectTarget::Post(parent.clone()),
                            None => RedirectTarget::Url(media.url.clone()),
                        };
                        for path in url_path(&item.link).into_iter().chain([format!("/?attachment_id={}", item.post_id)]) {
                            if path != "/" {
                                session.redirect(&path, &target).await?;
                            }
                        }
                    }
                }
                Mapped::Post(post) => {
                    report.count(format!("{} {}", post.write.kind, post.write.status));
                    let mut comments: Vec<_> = item.comments.iter().map(|comment| map_comment(&post.source_key, comment)).collect();
                    let broken = break_reply_cycles(&mut comments);
                    if !broken.is_empty() {
                        // The old site's comment ids end the keys ("…:comment:17").
                        let ids: Vec<&str> = broken.iter().map(|key| key.rsplit(':').next().unwrap_or(key)).collect();
                        let (count, plural) = (broken.len(), broken.len() != 1);
                        report.warnings.push(format!(
                            "{}: {count} comment{} answered {} own reply chain (a loop): comment{} {} now shown at the top level",
                            item_name(&item),
                            if plural { "s" } else { "" },
                            if plural { "their" } else { "its" },
                            if plural { "s" } else { "" },
                            ids.join(", ")
                        ));
                    }
                    for c in &comments {
                        report.count(format!("{} {}", c.comment.kind, c.comment.status));
                    }
                    let Some(session) = session else { return Ok(()) };
                    let id = session.post(&post).await?;
                    for comment in comments {
                        session.comment(id, comment).await?;
                    }
                    // Old addresses: the item's own link, and the old structure if given.
                    let mut old_paths: Vec<String> = url_path(&item.link).into_iter().collect();
                    if let (Some(structure), PostKind::Post) = (&options.permalinks, post.write.kind) {
                        let category = post.categories.first().map(|(slug, _)| state.category_path(slug));
                        old_paths.extend(permalink_from_structure(structure, &item, category.as_deref()));
                    }
                    for path in old_paths.into_iter().filter(|p| p != "/") {
                        session.redirect(&path, &RedirectTarget::Post(post.source_key.clone())).await?;
                    }
                }
            }
        }
    }
    Ok(())
}
