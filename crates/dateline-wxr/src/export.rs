//! `dateline export wxr`: the whole store as WXR 1.2 that WordPress's importer reads.
//! Dateline's own fields (dek, source attribution, Markdown bodies) travel as `_dateline_*`
//! post meta, so Dateline → WXR → Dateline loses nothing while WordPress still gets HTML.

use std::io::Write;

use dateline_core::{CommentQuery, Post, PostKind, Store, StoreError, Taxonomy};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::records::{META_BODY, META_DEK, META_MARKDOWN, META_SOURCE, TRASH_META};

/// The site as the export's channel describes it.
pub struct ExportSite<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub base_url: &'a str,
    pub language: &'a str,
    pub time_zone: &'a TimeZone,
    /// A post's path on this site.
    pub permalink: &'a dyn Fn(&Post) -> String,
    /// A post's whole article as readers see it (dek, quoted source, commentary): the content
    /// WordPress shows, since it knows nothing of Dateline's link-post fields.
    pub article: &'a dyn Fn(&Post) -> String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(dateline_core::text::strip_controls(text)).into_owned()
}

/// CDATA that survives any content: `]]>` is split across two sections, and characters XML
/// forbids are left out.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", dateline_core::text::strip_controls(text).replace("]]>", "]]]]><![CDATA[>"))
}

fn wp_local(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

fn wp_gmt(ts: Timestamp) -> String {
    wp_local(ts, &TimeZone::UTC)
}

fn wp_status(status: dateline_core::PostStatus) -> &'static str {
    use dateline_core::PostStatus::*;
    match status {
        Draft => "draft",
        Pending => "pending",
        Scheduled => "future",
        Published => "publish",
        Private => "private",
        Trash => "trash",
    }
}

fn wp_comment_status(status: dateline_core::CommentStatus) -> &'static str {
    use dateline_core::CommentStatus::*;
    match status {
        Pending => "0",
        Approved => "1",
        Spam => "spam",
        Trash => "trash",
    }
}

/// Writes the export; returns how many items it holds.
pub async fn export(store: &dyn Store, site: &ExportSite<'_>, out: &mut dyn Write) -> Result<u64, ExportError> {
    let base = site.base_url.trim_end_matches('/');
    let tz = site.time_zone;
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>")?;
    writeln!(out, "<!-- generator=\"Dateline\" created=\"{}\" -->", wp_gmt(Timestamp::now()))?;
    writeln!(
        out,
        "<rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:wfw=\"http://wellformedweb.org/CommentAPI/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">"
    )?;
    writeln!(out, "<channel>")?;
    writeln!(
        out,
        "\t<title>{}</title>\n\t<link>{}</link>\n\t<description>{}</description>",
        escape(site.title),
        escape(base),
        escape(site.description)
    )?;
    writeln!(out, "\t<pubDate>{}</pubDate>", jiff::fmt::rfc2822::to_string(&Timestamp::now().to_zoned(TimeZone::UTC)).unwrap_or_default())?;
    writeln!(out, "\t<language>{}</language>\n\t<wp:wxr_version>1.2</wp:wxr_version>", escape(site.language))?;
    writeln!(out, "\t<wp:base_site_url>{0}</wp:base_site_url>\n\t<wp:base_blog_url>{0}</wp:base_blog_url>", escape(base))?;

    for user in store.users().await? {
        writeln!(
            out,
            "\t<wp:author><wp:author_id>{}</wp:author_id><wp:author_login>{}</wp:author_login><wp:author_email></wp:author_email>\
             <wp:author_display_name>{}</wp:author_display_name><wp:author_first_name></wp:author_first_name>\
             <wp:author_last_name></wp:author_last_name></wp:author>",
            user.id,
            cdata(&user.login),
            cdata(&user.display_name)
        )?;
    }
    let categories = store.terms(Taxonomy::Category).await?;
    for term in &categories {
        let parent = term.parent_id.and_then(|p| categories.iter().find(|c| c.id == p)).map(|p| p.slug.as_str()).unwrap_or("");
        writeln!(
            out,
            "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>{}</wp:category_nicename>\
             <wp:category_parent>{}</wp:category_parent><wp:cat_name>{}</wp:cat_name><wp:category_description>{}</wp:category_description>",
            term.id,
            cdata(&term.slug),
            cdata(parent),
            cdata(&term.name),
            cdata(&term.description)
        )?;
        for (key, value) in store.meta("term", term.id).await? {
            writeln!(
                out,
                "\t\t<wp:termmeta><wp:meta_key>{}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:termmeta>",
                cdata(&key),
                cdata(&value)
            )?;
        }
        writeln!(out, "\t</wp:category>")?;
    }
    for term in store.terms(Taxonomy::Tag).await? {
        writeln!(
            out,
            "\t<wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug>{}</wp:tag_slug><wp:tag_name>{}</wp:tag_name><wp:tag_description>{}</wp:tag_description></wp:tag>",
            term.id,
            cdata(&term.slug),
            cdata(&term.name),
            cdata(&term.description)
        )?;
    }

    // Attachments first: a gallery in a post can then name its images on import.
    let mut items = 0;
    let media = store.media().await?;
    for file in &media {
        items += 1;
        // A file stored here has a local path: WordPress's importer fetches it from this site.
        let url = if file.url.starts_with('/') { format!("{base}{}", file.url) } else { file.url.clone() };
        writeln!(out, "\t<item>\n\t\t<title>{}</title>\n\t\t<link>{base}/?attachment_id={}</link>", escape(&file.title), file.id)?;
        writeln!(out, "\t\t<guid isPermaLink=\"false\">{}</guid>", escape(&url))?;
        writeln!(
            out,
            "\t\t<wp:post_id>{}</wp:post_id>\n\t\t<wp:post_date>{}</wp:post_date>\n\t\t<wp:post_date_gmt>{}</wp:post_date_gmt>",
            file.id,
            wp_local(file.created_at, tz),
            wp_gmt(file.created_at)
        )?;
        writeln!(
            out,
            "\t\t<wp:status>inherit</wp:status>\n\t\t<wp:post_parent>{}</wp:post_parent>\n\t\t<wp:post_type>attachment</wp:post_type>",
            file.post_id.unwrap_or(0)
        )?;
        writeln!(out, "\t\t<wp:attachment_url>{}</wp:attachment_url>", cdata(&url))?;
        for (key, value) in store.meta("media", file.id).await? {
            writeln!(
                out,
                "\t\t<wp:postmeta><wp:meta_key>{}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta>",
                cdata(&key),
                cdata(&value)
            )?;
        }
        writeln!(out, "\t</item>")?;
    }
    for kind in [PostKind::Page, PostKind::Post] {
        for post in store.all_posts(kind).await? {
            items += 1;
            write_post(store, site, &post, out).await?;
        }
    }
    writeln!(out, "</channel>\n</rss>")?;
    Ok(items)
}

async fn write_post(store: &dyn Store, site: &ExportSite<'_>, post: &Post, out: &mut dyn Write) -> Result<(), ExportError> {
    let base = site.base_url.trim_end_matches('/');
    let tz = site.time_zone;
    let markdown = post.body_format == dateline_core::BodyFormat::Markdown;
    // A link post's dek and quoted source exist only in Dateline's fields: WordPress gets them
    // written out in the article. Other posts go as written (HTML keeps its blocks and shortcodes).
    let link_post = post.dek.is_some() || post.source.as_ref().is_some_and(|s| !s.is_empty());
    let content = match (link_post, markdown) {
        (true, _) => (site.article)(post),
        (false, true) => post.body_html.clone(),
        (false, false) => post.body_source.clone(),
    };
    writeln!(out, "\t<item>\n\t\t<title>{}</title>\n\t\t<link>{base}{}</link>", escape(&post.title), escape(&(site.permalink)(post)))?;
    writeln!(
        out,
        "\t\t<pubDate>{}</pubDate>",
        jiff::fmt::rfc2822::to_string(&post.published_at.to_zoned(TimeZone::UTC)).unwrap_or_default()
    )?;
    writeln!(out, "\t\t<dc:creator>{}</dc:creator>", cdata(&post.author.login))?;
    writeln!(out, "\t\t<guid isPermaLink=\"false\">{base}/?p={}</guid>\n\t\t<description></description>", post.id)?;
    writeln!(out, "\t\t<content:encoded>{}</content:encoded>", cdata(&content))?;
    writeln!(out, "\t\t<excerpt:encoded>{}</excerpt:encoded>", cdata(post.excerpt.as_deref().unwrap_or("")))?;
    writeln!(out, "\t\t<wp:post_id>{}</wp:post_id>", post.id)?;
    writeln!(
        out,
        "\t\t<wp:post_date>{}</wp:post_date>\n\t\t<wp:post_date_gmt>{}</wp:post_date_gmt>",
        wp_local(post.published_at, tz),
        wp_gmt(post.published_at)
    )?;
    writeln!(
        out,
        "\t\t<wp:post_modified>{}</wp:post_modified>\n\t\t<wp:post_modified_gmt>{}</wp:post_modified_gmt>",
        wp_local(post.updated_at, tz),
        wp_gmt(post.updated_at)
    )?;
    writeln!(out, "\t\t<wp:comment_status>{}</wp:comment_status>\n\t\t<wp:ping_status>closed</wp:ping_status>", post.discussion)?;
    writeln!(out, "\t\t<wp:post_name>{}</wp:post_name>\n\t\t<wp:status>{}</wp:status>", cdata(&post.slug), wp_status(post.status))?;
    writeln!(
        out,
        "\t\t<wp:post_parent>{}</wp:post_parent>\n\t\t<wp:menu_order>{}</wp:menu_order>",
        post.parent_id.unwrap_or(0),
        post.menu_order
    )?;
    writeln!(
        out,
        "\t\t<wp:post_type>{}</wp:post_type>\n\t\t<wp:post_password>{}</wp:post_password>",
        post.kind,
        cdata(post.password.as_deref().unwrap_or(""))
    )?;
    writeln!(out, "\t\t<wp:is_sticky>{}</wp:is_sticky>", u8::from(post.sticky))?;
    for term in &post.categories {
        writeln!(out, "\t\t<category domain=\"category\" nicename=\"{}\">{}</category>", escape(&term.slug), cdata(&term.name))?;
    }
    for term in &post.tags {
        writeln!(out, "\t\t<category domain=\"post_tag\" nicename=\"{}\">{}</category>", escape(&term.slug), cdata(&term.name))?;
    }
    let mut meta = store.meta("post", post.id).await?;
    if let Some(dek) = &post.dek {
        meta.push((META_DEK.into(), dek.clone()));
    }
    if let Some(source) = &post.source {
        meta.push((META_SOURCE.into(), serde_json::to_string(source).unwrap_or_default()));
    }
    // The body as written, for Dateline to read back instead of the whole article above.
    if markdown {
        meta.push((META_MARKDOWN.into(), post.body_source.clone()));
    } else if link_post {
        meta.push((META_BODY.into(), post.body_source.clone()));
    }
    for (key, value) in meta {
        writeln!(
            out,
            "\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>{}</wp:meta_key>\n\t\t\t<wp:meta_value>{}</wp:meta_value>\n\t\t</wp:postmeta>",
            cdata(&key),
            cdata(&value)
        )?;
    }
    let comments =
        store.list_comments(&CommentQuery { post: Some(post.id), page: 1, per_page: u32::MAX, ..CommentQuery::default() }).await?.items;
    for comment in comments.iter().rev() {
        writeln!(out, "\t\t<wp:comment>\n\t\t\t<wp:comment_id>{}</wp:comment_id>", comment.id)?;
        writeln!(out, "\t\t\t<wp:comment_author>{}</wp:comment_author>", cdata(comment.author_name.as_deref().unwrap_or("")))?;
        writeln!(out, "\t\t\t<wp:comment_author_email>{}</wp:comment_author_email>", cdata(comment.author_email.as_deref().unwrap_or("")))?;
        writeln!(out, "\t\t\t<wp:comment_author_url>{}</wp:comment_author_url>", cdata(comment.author_url.as_deref().unwrap_or("")))?;
        writeln!(out, "\t\t\t<wp:comment_author_IP>{}</wp:comment_author_IP>", cdata(comment.author_ip.as_deref().unwrap_or("")))?;
        writeln!(
            out,
            "\t\t\t<wp:comment_date>{}</wp:comment_date>\n\t\t\t<wp:comment_date_gmt>{}</wp:comment_date_gmt>",
            wp_local(comment.created_at, tz),
            wp_gmt(comment.created_at)
        )?;
        // WordPress shows comment HTML: a Markdown comment goes rendered, its text kept aside.
        let markdown = comment.body_format == dateline_core::BodyFormat::Markdown;
        let content = if markdown { dateline_render::comment_to_html(&comment.body) } else { comment.body.clone() };
        writeln!(out, "\t\t\t<wp:comment_content>{}</wp:comment_content>", cdata(&content))?;
        writeln!(out, "\t\t\t<wp:comment_approved>{}</wp:comment_approved>", wp_comment_status(comment.status))?;
        let kind = comment.kind.as_str();
        writeln!(
            out,
            "\t\t\t<wp:comment_type>{kind}</wp:comment_type>\n\t\t\t<wp:comment_parent>{}</wp:comment_parent>",
            comment.parent_id.unwrap_or(0)
        )?;
        writeln!(out, "\t\t\t<wp:comment_user_id>{}</wp:comment_user_id>", comment.user_id.unwrap_or(0))?;
        if markdown {
            writeln!(
                out,
                "\t\t\t<wp:commentmeta><wp:meta_key>{META_MARKDOWN}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:commentmeta>",
                cdata(&comment.body)
            )?;
        }
        if let Some(before) = comment.status_before_trash.filter(|_| comment.status == dateline_core::CommentStatus::Trash) {
            writeln!(
                out,
                "\t\t\t<wp:commentmeta><wp:meta_key>{TRASH_META}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:commentmeta>",
                wp_comment_status(before)
            )?;
        }
        // What is written above from the comment itself wins over a copy kept from an import.
        for (key, value) in
            store.meta("comment", comment.id).await?.into_iter().filter(|(key, _)| key != TRASH_META && key != META_MARKDOWN)
        {
            writeln!(
                out,
                "\t\t\t<wp:commentmeta><wp:meta_key>{}</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:commentmeta>",
                cdata(&key),
                cdata(&value)
            )?;
        }
        writeln!(out, "\t\t</wp:comment>")?;
    }
    writeln!(out, "\t</item>")?;
    Ok(())
}
