//! The body of a post or page create or update request ([`PostFields`]) and how it changes a
//! [`PostWrite`]: each field checked, then the rules every door applies, then the role's rights
//! (contributors may not publish or pin; only editors write as someone else).

use axum::http::StatusCode;
use dateline_app::posts::PostRefusal;
use dateline_app::quoting::QuoteRefusal;
use dateline_core::accounts::Capability;
use dateline_core::import::BodyFormat;
use dateline_core::*;
use serde::Deserialize;

use super::posts::parse_status;
use super::quirks::{Flag, IdList, Number, Text, present};
use super::{ApiError, parse_wp_date};
use crate::AppState;

/// A post or page as a request gives it, under WordPress's field names; a field left out (or
/// `null`) keeps what the post has.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PostFields {
    title: Option<Text>,
    /// HTML, as WordPress's editor sends it.
    content: Option<Text>,
    excerpt: Option<Text>,
    slug: Option<Text>,
    /// WordPress's name: publish, future, draft, pending, private.
    status: Option<Text>,
    /// In the site's time zone unless it carries an offset; `date_gmt` wins when both are given.
    date: Option<Text>,
    date_gmt: Option<Text>,
    /// open or closed.
    comment_status: Option<Text>,
    sticky: Option<Flag>,
    author: Option<Number>,
    /// Pages only: the parent page, 0 for none.
    parent: Option<Number>,
    /// Pages only.
    menu_order: Option<Number>,
    /// Empty for none.
    password: Option<Text>,
    /// A media item's id, 0 for none.
    featured_media: Option<Number>,
    categories: Option<IdList>,
    tags: Option<IdList>,
    dateline: Option<DatelineFields>,
    /// Publish over the site's quote limit (editors and administrators; recorded on the post).
    /// Not a field of the post: it goes to the save (`dateline_app::quoting::Policy`).
    quote_override: Option<Flag>,
}

impl PostFields {
    /// Whether the request asks to publish over the quote limit.
    pub(super) fn quote_override(&self) -> bool {
        self.quote_override.as_ref().is_some_and(|Flag(asked)| *asked)
    }
}

/// Dateline's own fields, under the `dateline` key as the API answers them.
#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "an object ({\"dek\": …, \"source\": {…}})")]
struct DatelineFields {
    /// The body as Markdown, in place of `content`.
    markdown: Option<String>,
    /// `null` removes the dek.
    #[serde(default, deserialize_with = "present")]
    dek: Option<Option<String>>,
    /// The quoted story; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    source: Option<Option<Source>>,
}

/// A text field as stored: without control characters.
fn clean(text: Text) -> String {
    dateline_core::text::strip_controls(&text.0)
}

/// Applies a create or update request to `write`, checking every field.
pub(super) async fn apply(state: &AppState, write: &mut PostWrite, fields: PostFields, user: &User) -> Result<(), ApiError> {
    let DatelineFields { markdown, dek, source } = fields.dateline.unwrap_or_default();
    if let Some(title) = fields.title {
        write.title = clean(title);
    }
    if let Some(content) = fields.content {
        set_body(write, BodyFormat::Html, clean(content)).await?;
    }
    if let Some(markdown) = markdown {
        set_body(write, BodyFormat::Markdown, markdown).await?;
    }
    if let Some(excerpt) = fields.excerpt {
        write.excerpt = Some(clean(excerpt)).filter(|e| !e.trim().is_empty());
    }
    apply_slug(write, fields.slug.map(clean))?;
    if let Some(status) = fields.status.map(clean) {
        write.status = parse_status(&status).ok_or_else(|| {
            ApiError::invalid_param("status", format!("{status:?} is not one of publish, future, draft, pending, private"))
        })?;
    }
    let date = match (fields.date_gmt, fields.date) {
        (Some(date), _) => Some(("date_gmt", clean(date), jiff::tz::TimeZone::UTC)),
        (None, Some(date)) => Some(("date", clean(date), state.site().time_zone.clone())),
        (None, None) => None,
    };
    if let Some((name, date, zone)) = date {
        write.published_at =
            parse_wp_date(&date, &zone).ok_or_else(|| ApiError::invalid_param(name, "must be a date like 2024-05-01T09:30:00"))?;
    }
    if let Some(status) = fields.comment_status.map(clean) {
        write.discussion = Discussion::parse(&status).ok_or_else(|| ApiError::invalid_param("comment_status", "must be open or closed"))?;
    }
    if let Some(Flag(sticky)) = fields.sticky {
        write.sticky = sticky;
    }
    if let Some(Number(author)) = fields.author {
        apply_author(state, write, author, user).await?;
    }
    if write.kind == PostKind::Page {
        if let Some(Number(parent)) = fields.parent {
            write.parent_id = checked_parent(state, parent).await?;
        }
        if let Some(Number(order)) = fields.menu_order {
            write.menu_order = order;
        }
    }
    if let Some(Number(media)) = fields.featured_media {
        write.featured_media = match media {
            0 => None,
            id => Some(
                state
                    .store
                    .media_item(id)
                    .await?
                    .filter(|m| m.is_image())
                    .ok_or_else(|| ApiError::invalid_param("featured_media", format!("{id} is not an image in the media library")))?
                    .id,
            ),
        };
    }
    if let Some(password) = fields.password {
        write.password = Some(clean(password)).filter(|p| !p.is_empty());
    }
    if let Some(IdList(ids)) = fields.categories {
        write.category_ids = checked_terms(state, "categories", Taxonomy::Category, ids).await?;
    }
    if let Some(IdList(ids)) = fields.tags {
        write.tag_ids = checked_terms(state, "tags", Taxonomy::Tag, ids).await?;
    }
    if let Some(dek) = dek {
        write.dek = dek.filter(|d| !d.trim().is_empty());
    }
    if let Some(source) = source {
        write.source = source.filter(|s| !s.is_empty());
    }
    checked_whole(write)
}

/// The body from its source, rendered now so that a body that cannot be rendered saves nothing.
async fn set_body(write: &mut PostWrite, format: BodyFormat, source: String) -> Result<(), ApiError> {
    write.body_html = crate::view::body_html(format, source.clone()).await.map_err(|_| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "rest_render_failed", "The content could not be rendered; nothing was saved.")
    })?;
    write.body_source = source;
    write.body_format = format;
    Ok(())
}

/// The slug given, else the one the post has, else one made from the title.
fn apply_slug(write: &mut PostWrite, given: Option<String>) -> Result<(), ApiError> {
    if let Some(slug) = given {
        let slug = dateline_core::slug::slugify(&slug);
        if slug.is_empty() {
            return Err(ApiError::invalid_param("slug", "has no letters or digits"));
        }
        write.slug = slug;
    }
    if write.slug.is_empty() {
        write.slug = dateline_core::slug::slugify(&write.title);
    }
    if write.slug.is_empty() {
        write.slug = "untitled".into();
    }
    Ok(())
}

/// Another author: an account that exists. (Who may choose another author is the save's rule,
/// `dateline_app::posts::check_rights`; for the others, whether the account exists is not said.)
async fn apply_author(state: &AppState, write: &mut PostWrite, author: i64, user: &User) -> Result<(), ApiError> {
    if author == write.author || !user.role.can(Capability::EditOthersPosts) {
        write.author = author;
        return Ok(());
    }
    state
        .store
        .user_by_id(author)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "rest_invalid_author", "Invalid author ID."))?;
    write.author = author;
    Ok(())
}

/// A page's parent: a page that exists, or none for 0.
async fn checked_parent(state: &AppState, parent: i64) -> Result<Option<i64>, ApiError> {
    if parent == 0 {
        return Ok(None);
    }
    state
        .store
        .post_by_id(parent)
        .await?
        .filter(|p| p.kind == PostKind::Page)
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "rest_post_invalid_id", "Invalid post parent ID."))?;
    Ok(Some(parent))
}

/// `ids` when each is a term of `taxonomy`; the refusal names the field (`name`) and the id.
async fn checked_terms(state: &AppState, name: &str, taxonomy: Taxonomy, ids: Vec<i64>) -> Result<Vec<i64>, ApiError> {
    for id in &ids {
        if state.store.term_by_id(*id).await?.is_none_or(|t| t.taxonomy != taxonomy) {
            return Err(ApiError::invalid_param(name, format!("{id} is not a {}", taxonomy.as_str())));
        }
    }
    Ok(ids)
}

/// The check on the post as a whole, once every field is in: something to show, in WordPress's
/// words. The rules every door applies and the rights the save needs are checked by the save
/// (`dateline_app::posts::save`), whose refusals become the answers below.
fn checked_whole(write: &PostWrite) -> Result<(), ApiError> {
    if write.title.trim().is_empty() && write.body_source.trim().is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "empty_content", "Content, title, and excerpt are empty."));
    }
    Ok(())
}

impl From<PostRefusal> for ApiError {
    fn from(refused: PostRefusal) -> ApiError {
        let forbidden = |code, message| ApiError::new(StatusCode::FORBIDDEN, code, message);
        match refused {
            // The field is named as the API names it.
            PostRefusal::Invalid(problem) => {
                let field = if problem.field.starts_with("source") { format!("dateline.{}", problem.field) } else { problem.field };
                ApiError::invalid_param(&field, problem.reason)
            }
            PostRefusal::MayNotCreate => forbidden("rest_cannot_create", "Sorry, you are not allowed to create posts as this user."),
            PostRefusal::MayNotEdit => forbidden("rest_cannot_edit", "Sorry, you are not allowed to edit this post."),
            PostRefusal::MayNotPublish => {
                forbidden("rest_cannot_publish", "Sorry, you are not allowed to publish posts in this post type.")
            }
            PostRefusal::MayNotPin => forbidden("rest_cannot_assign_sticky", "Sorry, you are not allowed to make posts sticky."),
            PostRefusal::MayNotWriteAs => forbidden("rest_cannot_edit_others", "Sorry, you are not allowed to create posts as this user."),
            // Named as WordPress names a plugin's refusal: the plugin's prefix, 400 for a post
            // to change, 403 for a right the account lacks.
            PostRefusal::Quote(refusal @ QuoteRefusal::OverLimit(_)) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "dateline_quote_limit",
                format!("{refusal}. Quote less, or (as an editor) send quote_override: true to publish it over the limit."),
            ),
            PostRefusal::Quote(refusal) => forbidden("dateline_cannot_override_quote", &format!("{refusal}.")),
            PostRefusal::Store(e) => e.into(),
        }
    }
}
