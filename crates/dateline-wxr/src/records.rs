//! WordPress's records turned into Dateline's: statuses, dates, kinds, bodies and the
//! keys that make a second import update the first.

use dateline_core::import::*;
use dateline_core::*;
use jiff::Timestamp;

use crate::reader::{RawComment, RawItem};

/// Meta keys Dateline writes into its own exports so its fields survive a round trip;
/// read back into fields on import, not kept as meta.
pub const META_DEK: &str = "_dateline_dek";
pub const META_SOURCE: &str = "_dateline_source";
pub const META_MARKDOWN: &str = "_dateline_markdown";
/// An HTML body as written, when the exported content is the whole article around it.
pub const META_BODY: &str = "_dateline_body";
/// WordPress's comment meta for the status a trashed comment had.
pub const TRASH_META: &str = "_wp_trash_meta_status";

/// "wxr:https://old.example" — what keys records of one site.
pub fn site_key(base: &str) -> String {
    format!("wxr:{}", base.trim().trim_end_matches('/'))
}

pub fn post_key(site: &str, id: i64) -> String {
    format!("{site}:post:{id}")
}

/// The key of an item: its WordPress id, or (for hand-made exports without ids) its link,
/// guid or title.
pub fn item_key(site: &str, item: &RawItem) -> String {
    if item.post_id > 0 {
        return post_key(site, item.post_id);
    }
    let name = [&item.link, &item.guid, &item.title].into_iter().find(|v| !v.trim().is_empty()).cloned().unwrap_or_default();
    format!("{site}:item:{}", name.trim())
}

pub fn comment_key(item_key: &str, id: i64) -> String {
    // WordPress comment ids are unique per site, but hand-made exports repeat them
    // (isso's test file has comment 11 twice), so the item is part of the key.
    format!("{item_key}:comment:{id}")
}

/// A WordPress date ("2010-10-20 14:08:20", UTC for the `_gmt` fields); `None` for WordPress's
/// "0000-00-00 00:00:00" (never published) or anything unreadable.
pub fn wp_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    let civil = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text).ok()?;
    civil.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// What an item becomes.
pub enum Mapped {
    Post(Box<ImportPost>),
    Media(ImportMedia),
    /// Not imported, with the reason for the report.
    Skipped(String),
}

pub fn post_status(status: &str) -> Option<PostStatus> {
    Some(match status {
        // Hand-made exports leave the status out; WordPress's importer publishes those.
        "publish" | "" => PostStatus::Published,
        "draft" => PostStatus::Draft,
        "pending" => PostStatus::Pending,
        "private" => PostStatus::Private,
        "future" => PostStatus::Scheduled,
        "trash" => PostStatus::Trash,
        _ => return None,
    })
}

pub fn comment_status(approved: &str) -> CommentStatus {
    match approved.trim() {
        "1" | "approve" | "approved" => CommentStatus::Approved,
        "spam" => CommentStatus::Spam,
        "trash" | "post-trashed" => CommentStatus::Trash,
        _ => CommentStatus::Pending,
    }
}

/// WordPress's `comment_type`; anything else (custom types, "") is an ordinary comment.
pub fn comment_kind(kind: &str) -> CommentKind {
    CommentKind::parse(kind.trim()).unwrap_or(CommentKind::Comment)
}

fn non_empty(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// What mapping items found that it could not render, for the report.
#[derive(Debug, Default)]
pub struct Leftovers {
    /// Shortcodes nobody knows, with how often each appeared.
    pub unknown_shortcodes: std::collections::BTreeMap<String, usize>,
    /// `[gallery]`s that found no images (yet: the post's attachments may come later).
    pub empty_galleries: usize,
    /// Gallery images named by an id no attachment had when the post was read.
    pub unknown_images: usize,
    /// What was changed in particular items, one line each, naming the item.
    pub item_notes: Vec<String>,
}

/// How an item is named in the report: its title and old id.
pub fn item_name(item: &RawItem) -> String {
    let title = if item.title.trim().is_empty() { "(no title)".to_string() } else { item.title.trim().chars().take(80).collect() };
    if item.post_id > 0 { format!("“{title}” (WordPress id {})", item.post_id) } else { format!("“{title}”") }
}

/// Maps an item; `attachments` resolves gallery images.
pub fn map_item(site: &str, item: &RawItem, attachments: &dyn dateline_render::Attachments, leftovers: &mut Leftovers) -> Mapped {
    let published = wp_time(&item.post_date_gmt).or_else(|| wp_time(&item.post_date)).unwrap_or_else(Timestamp::now);
    let updated = wp_time(&item.post_modified_gmt).unwrap_or(published).max(published);
    let kind = match item.post_type.as_str() {
        "post" | "" => PostKind::Post,
        "page" => PostKind::Page,
        "attachment" => {
            let url = non_empty(&item.attachment_url).or_else(|| non_empty(&item.guid)).unwrap_or_default();
            if url.is_empty() {
                return Mapped::Skipped("attachment without a URL".into());
            }
            let mime = item.meta.iter().find(|(k, _)| k == "_wp_attached_file").map(|(_, v)| v.clone());
            return Mapped::Media(ImportMedia {
                source_key: post_key(site, item.post_id),
                wanted_id: Some(item.post_id),
                parent_source_key: (item.post_parent > 0).then(|| post_key(site, item.post_parent)),
                title: item.title.clone(),
                url,
                mime_type: mime.and_then(|file| guess_mime(&file)),
                created_at: published,
                meta: item.meta.clone(),
            });
        }
        other => return Mapped::Skipped(format!("post type “{other}” is not content Dateline shows")),
    };
    if let Some((field, bytes)) = item.oversized.first() {
        return Mapped::Skipped(format!(
            "{}: {field} is {:.1} MB, over the {} MB a field may hold",
            item_name(item),
            *bytes as f64 / 1_048_576.0,
            crate::reader::MAX_FIELD_BYTES / 1_048_576
        ));
    }
    let Some(status) = post_status(&item.status) else {
        return Mapped::Skipped(format!("status “{}” (WordPress keeps these only as working copies)", item.status));
    };

    // Dateline's own fields, when the export came from Dateline.
    let mut meta = Vec::with_capacity(item.meta.len());
    let (mut dek, mut source, mut markdown, mut html_body) = (None, None, None, None);
    for (key, value) in &item.meta {
        match key.as_str() {
            META_DEK => dek = non_empty(value),
            META_SOURCE => source = serde_json::from_str::<Source>(value).ok(),
            META_MARKDOWN => markdown = Some(value.clone()),
            META_BODY => html_body = Some(value.clone()),
            _ => meta.push((key.clone(), value.clone())),
        }
    }
    // A source link passes the same check as at every other door; one that does not (a
    // `javascript:` link, say) is dropped and said, the rest of the attribution kept.
    if let Some(found) = &mut source
        && let Err(problem) = dateline_core::input::check_source("source", found)
    {
        found.url = None;
        leftovers.item_notes.push(format!("{}: source link dropped: {}", item_name(item), problem.reason));
    }
    let source = source.filter(|s| !s.is_empty());
    let (body_source, body_format, body_html, flattened) = match markdown {
        Some(markdown) => {
            let (html, flattened) = dateline_render::markdown_to_html_reporting(&markdown);
            (markdown, BodyFormat::Markdown, html, flattened)
        }
        None => {
            let content = html_body.unwrap_or_else(|| item.content.clone());
            let rendered = dateline_render::wordpress_to_html(&content, attachments);
            for (name, count) in rendered.unknown_shortcodes {
                *leftovers.unknown_shortcodes.entry(name).or_default() += count;
            }
            leftovers.empty_galleries += rendered.empty_galleries;
            leftovers.unknown_images += rendered.unknown_images;
            (content, BodyFormat::Html, rendered.html, rendered.flattened)
        }
    };
    if flattened {
        leftovers.item_notes.push(format!(
            "{}: its markup nests more than {} levels deep; the deeper levels are shown flat (the text is kept, and the original is stored as it came)",
            item_name(item),
            dateline_render::MAX_NESTING
        ));
    }
    let mut categories = Vec::new();
    let mut tags = Vec::new();
    for term in &item.terms {
        let slug = if term.nicename.is_empty() { dateline_core::slug::slugify(&term.name) } else { term.nicename.clone() };
        match term.domain.as_str() {
            "category" if !slug.is_empty() => categories.push((slug, term.name.clone())),
            "post_tag" | "tag" if !slug.is_empty() => tags.push((slug, term.name.clone())),
            // WXR 1.0 repeats each category without a domain; the domained copy is used.
            _ => {}
        }
    }
    categories.dedup();
    tags.dedup();
    let write = PostWrite {
        title: item.title.clone(),
        slug: dateline_core::slug::slugify(&percent_decode(&item.post_name)),
        dek,
        excerpt: non_empty(&item.excerpt),
        body_source,
        body_html,
        source,
        status,
        published_at: published,
        sticky: item.is_sticky && kind == PostKind::Post,
        discussion: if item.comment_status == "closed" { Discussion::Closed } else { Discussion::Open },
        password: non_empty(&item.post_password),
        menu_order: item.menu_order,
        // The author, the parent and the terms are named below; the import session finds them.
        ..PostWrite::new_draft(kind, 0, body_format)
    };
    Mapped::Post(Box::new(ImportPost {
        write,
        source_key: item_key(site, item),
        wanted_id: (item.post_id > 0).then_some(item.post_id),
        updated_at: updated,
        author_login: non_empty(&item.creator).unwrap_or_else(|| "admin".into()),
        parent_source_key: (item.post_parent > 0).then(|| post_key(site, item.post_parent)),
        categories,
        tags,
        meta,
    }))
}

/// WordPress percent-encodes non-ASCII slugs (`%d0%bf…`); Dateline's slugs are transliterated.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn guess_mime(file: &str) -> Option<String> {
    let ext = file.rsplit('.').next()?.to_ascii_lowercase();
    Some(
        match ext.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "gif" => "image/gif",
            "webp" => "image/webp",
            "svg" => "image/svg+xml",
            "pdf" => "application/pdf",
            "mp3" => "audio/mpeg",
            "mp4" => "video/mp4",
            _ => return None,
        }
        .to_string(),
    )
}

pub fn map_comment(item_key: &str, raw: &RawComment) -> ImportComment {
    let created = wp_time(&raw.date_gmt).or_else(|| wp_time(&raw.date)).unwrap_or_else(Timestamp::now);
    // A comment Dateline exported keeps its Markdown aside; WordPress's own are HTML.
    let markdown = raw.meta.iter().find(|(key, _)| key == META_MARKDOWN).map(|(_, text)| text.clone());
    let mut meta: Vec<(String, String)> = raw.meta.iter().filter(|(key, _)| key != META_MARKDOWN).cloned().collect();
    let kind = comment_kind(&raw.kind);
    if kind == CommentKind::Comment && !matches!(raw.kind.trim(), "" | "comment") {
        meta.push(("_wp_comment_type".into(), raw.kind.clone()));
    }
    let status = comment_status(&raw.approved);
    let status_before_trash = (status == CommentStatus::Trash)
        .then(|| raw.meta.iter().find(|(key, _)| key == TRASH_META).map(|(_, value)| comment_status(value)))
        .flatten()
        .filter(|before| *before != CommentStatus::Trash);
    ImportComment {
        source_key: comment_key(item_key, raw.id),
        parent_source_key: (raw.parent > 0).then(|| comment_key(item_key, raw.parent)),
        comment: NewComment {
            kind,
            author_name: non_empty(&raw.author),
            author_email: non_empty(&raw.author_email),
            // Only web addresses become links (an export could carry "javascript:…").
            author_url: non_empty(&raw.author_url).filter(|u| dateline_core::input::check_url("url", u).is_ok()),
            author_ip: non_empty(&raw.author_ip),
            user_agent: None,
            body_format: if markdown.is_some() { BodyFormat::Markdown } else { BodyFormat::Html },
            body: markdown.unwrap_or_else(|| raw.content.clone()),
            status,
            created_at: created,
            moderation_reason: None,
            spam_score: None,
            notify: false,
            user_id: None,
            parent_index: None,
        },
        status_before_trash,
        wp_user_id: (raw.user_id > 0).then_some(raw.user_id),
        meta,
    }
}

/// Breaks every cycle in the reply chains of one item's comments (a comment answering itself,
/// or A answering B answering A: hand-edited or damaged exports have them, and a cycle has no
/// top to show it under). The comment at which a cycle is found becomes a top-level comment.
/// Returns the keys of the comments that became top-level. Linear: each comment is walked
/// past once.
pub fn break_reply_cycles(comments: &mut [ImportComment]) -> Vec<String> {
    use std::collections::HashMap;
    let index: HashMap<String, usize> = comments.iter().enumerate().map(|(i, c)| (c.source_key.clone(), i)).collect();
    // 0: not seen; 1: on the walk in progress; 2: known to reach a top.
    let mut state = vec![0u8; comments.len()];
    let mut broken = Vec::new();
    for start in 0..comments.len() {
        let mut path = Vec::new();
        let mut current = start;
        loop {
            if state[current] == 2 {
                break;
            }
            if state[current] == 1 {
                // Back on this walk: the last comment walked closes the cycle.
                if let Some(&last) = path.last() {
                    let comment: &mut ImportComment = &mut comments[last];
                    comment.parent_source_key = None;
                    broken.push(comment.source_key.clone());
                }
                break;
            }
            state[current] = 1;
            path.push(current);
            match comments[current].parent_source_key.as_ref().and_then(|key| index.get(key)) {
                Some(&parent) => current = parent,
                None => break,
            }
        }
        for i in path {
            state[i] = 2;
        }
    }
    broken
}

/// The path (and query) of a URL: what an old link asks this site for.
pub fn url_path(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let path = match rest.find('/') {
        Some(at) => &rest[at..],
        None => "/",
    };
    let path = path.split('#').next().unwrap_or("/");
    (!path.is_empty()).then(|| path.to_string())
}

/// An old permalink from WordPress's structure tags (`/%category%/%postname%/`).
pub fn permalink_from_structure(structure: &str, item: &RawItem, category_path: Option<&str>) -> Option<String> {
    let local = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", item.post_date.trim()).ok()?;
    let mut path = structure.to_string();
    let replacements = [
        ("%year%", format!("{:04}", local.year())),
        ("%monthnum%", format!("{:02}", local.month())),
        ("%day%", format!("{:02}", local.day())),
        ("%hour%", format!("{:02}", local.hour())),
        ("%minute%", format!("{:02}", local.minute())),
        ("%second%", format!("{:02}", local.second())),
        ("%postname%", item.post_name.clone()),
        ("%post_id%", item.post_id.to_string()),
        ("%category%", category_path.unwrap_or("uncategorized").to_string()),
        ("%author%", item.creator.clone()),
    ];
    for (tag, value) in replacements {
        path = path.replace(tag, &value);
    }
    (!path.contains('%')).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_wordpress_values() {
        assert_eq!(wp_time("2010-10-20 14:08:20").map(|t| t.to_string()), Some("2010-10-20T14:08:20Z".into()));
        assert_eq!(wp_time("0000-00-00 00:00:00"), None);
        assert_eq!(post_status("future"), Some(PostStatus::Scheduled));
        assert_eq!(post_status("auto-draft"), None);
        assert_eq!(comment_status("0"), CommentStatus::Pending);
        assert_eq!(url_path("http://old.example/2010/10/hello/?x=1#c"), Some("/2010/10/hello/?x=1".into()));
        assert_eq!(url_path("https://old.example"), Some("/".into()));
        assert_eq!(percent_decode("%d0%bf%d1%80"), "пр");
        let item = RawItem { post_date: "2012-01-05 14:30:46".into(), post_name: "hello".into(), post_id: 9, ..Default::default() };
        assert_eq!(permalink_from_structure("/%category%/%postname%/", &item, Some("news/world")).as_deref(), Some("/news/world/hello/"));
        assert_eq!(permalink_from_structure("/%year%/%monthnum%/%post_id%", &item, None).as_deref(), Some("/2012/01/9"));
    }
}
