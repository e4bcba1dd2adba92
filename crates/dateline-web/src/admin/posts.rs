//! Writing: the posts (and pages) list with filters and bulk actions, and the editor, with
//! the link-post fields, Markdown with a preview (live with JavaScript, a button without),
//! and publish / schedule / save draft / submit for review as the role allows; the quote
//! counter and the editor's "Publish over the quote limit" (`dateline_app::quoting`).

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::accounts::Capability;
use dateline_core::import::BodyFormat;
use dateline_core::*;
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::{Admin, AdminForm, render};
use crate::form::fields;
use crate::view::{TimeView, permalink};
use crate::{AppError, AppState};

fn kind_of(section: &str) -> PostKind {
    if section == "pages" { PostKind::Page } else { PostKind::Post }
}

use dateline_app::posts::{PostRefusal, may_edit, needed_to_write as needed};
use dateline_app::quoting::{self, QuoteRefusal};

#[derive(Serialize)]
struct Row {
    id: i64,
    title: String,
    /// Whether readers can see it now (else the list offers a preview).
    public: bool,
    author: String,
    status: &'static str,
    date: TimeView,
    path: String,
    categories: String,
    editable: bool,
    /// "Over the quote limit — allowed by NAME, DATE", while the post is over the limit and an
    /// editor allowed it (the record stays on the post as history once it quotes less).
    quote_allowed: Option<String>,
}

/// "Over the quote limit — allowed by NAME, DATE" for `post`, while it is over the limit.
fn quote_allowed(state: &AppState, post: &Post) -> Option<String> {
    let record = post.quote_override.as_ref()?;
    let measure = quoting::measure_words(
        &state.site().config.quote,
        quoting::quoted_words(post.source.as_ref(), &post.body_html),
        post.source.as_ref().and_then(|s| s.words),
    );
    quoting::shows_override(&measure, Some(record)).then(|| {
        format!(
            "Over the quote limit — allowed by {}, {}",
            record.by_name.as_deref().unwrap_or("a deleted account"),
            TimeView::new(&state.site(), record.at).date
        )
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Path(section): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    signed_in: Result<Admin, AppError>,
) -> Result<Response, AppError> {
    // No such section is 404 for everyone, before asking anyone to sign in.
    if section != "posts" && section != "pages" {
        return Err(AppError::NotFound);
    }
    let admin = signed_in?;
    let kind = kind_of(&section);
    admin.must(needed(kind))?;
    crate::schedule::publish_due(&state).await;
    let status = query.get("status").and_then(|s| PostStatus::parse(s));
    let number = |name: &str| query.get(name).and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0);
    let page = query.get("paged").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1);
    // Every status but trash (or the one asked for), published or not.
    let editor_query = EditorQuery {
        statuses: status.into_iter().collect(),
        author: number("author"),
        categories: number("category").into_iter().collect(),
        tags: number("tag").into_iter().collect(),
        search: query.get("s").cloned().filter(|s| !s.trim().is_empty()),
        published_before: None,
        // Authors and contributors never see others' drafts or private posts, titles included.
        readable_by: (!admin.user.role.can(Capability::EditOthersPosts)).then(|| (admin.user.id, Timestamp::now())),
        page,
        per_page: 20,
        ..EditorQuery::public(kind, Timestamp::now())
    };
    let result = state.store.editor_posts(&editor_query).await?;
    let rows: Vec<Row> = result
        .items
        .iter()
        .map(|p| Row {
            id: p.id,
            title: p.title.clone(),
            public: p.is_public_at(Timestamp::now()),
            author: p.author.display_name.clone(),
            status: p.status.as_str(),
            date: TimeView::new(&state.site(), p.published_at),
            path: permalink(&state.site().time_zone, p),
            categories: p.categories.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", "),
            editable: may_edit(p, &admin.user),
            quote_allowed: quote_allowed(&state, p),
        })
        .collect();
    let counts = state.store.post_counts().await?;
    let statuses: Vec<_> = PostStatus::ALL
        .iter()
        .map(|s| context! { name => s.as_str(), count => counts.iter().filter(|(k, st, _)| *k == kind && st == s).map(|(_, _, n)| n).sum::<i64>() })
        .collect();
    let ctx = context! {
        section => section, kind => kind.as_str(), rows => rows, total => result.total, status => status.map(|s| s.as_str()),
        statuses => statuses, search => query.get("s").cloned().unwrap_or_default(),
        categories => crate::view::category_tree(&state.store.terms(Taxonomy::Category).await?), category => number("category"),
        page => page, pages => result.page_count(20),
        can_publish => admin.user.role.can(Capability::PublishPosts),
    };
    render(&state, Some(&admin), "admin/posts.html", if kind == PostKind::Page { "Pages" } else { "Posts" }, ctx).await
}

/// The bulk form under the list: an action and the ticked posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct BulkForm {
    #[serde(deserialize_with = "fields::untrimmed")]
    action: String,
    /// Ticked rows; one that is not a number is skipped.
    ids: Vec<String>,
}

pub(crate) async fn bulk(
    State(state): State<AppState>,
    Path(section): Path<String>,
    AdminForm { admin, form }: AdminForm<BulkForm>,
) -> Result<Response, AppError> {
    let kind = kind_of(&section);
    admin.must(needed(kind))?;
    let action = form.action;
    let status = match action.as_str() {
        "publish" => PostStatus::Published,
        "draft" => PostStatus::Draft,
        "trash" | "delete" => PostStatus::Trash,
        _ => return Err(AppError::BadRequest("Choose an action.".into())),
    };
    // Posts over the quote limit are left as they were and named afterwards; the others go on.
    let mut over_limit = Vec::new();
    for id in form.ids.iter().filter_map(|v| v.parse::<i64>().ok()) {
        let post = state.store.post_by_id(id).await?.ok_or(AppError::NotFound)?;
        if !may_edit(&post, &admin.user) {
            return Err(AppError::Forbidden(format!("You may not change “{}”.", post.title)));
        }
        if action == "delete" {
            // For good, and only from the trash (as WordPress).
            if post.status != PostStatus::Trash {
                return Err(AppError::BadRequest(format!("“{}” is not in the trash; move it there first.", post.title)));
            }
            state.store.delete_post(id).await?;
            continue;
        }
        match dateline_app::posts::set_status(state.store.as_ref(), &admin.user, &post, status, &state.site().config.quote).await {
            Ok(_) => {}
            Err(PostRefusal::Quote(refusal)) => {
                let m = refusal.measure();
                over_limit.push(format!("“{}” ({} words quoted, the limit is {})", post.title, m.quoted, m.limit.unwrap_or(0)));
            }
            Err(PostRefusal::MayNotPublish) => {
                return Err(AppError::Forbidden(format!("Your account ({}) may not publish.", admin.user.role)));
            }
            Err(PostRefusal::Store(e)) => return Err(e.into()),
            Err(_) => return Err(AppError::Forbidden(format!("You may not change “{}”.", post.title))),
        }
    }
    if !over_limit.is_empty() {
        return Err(AppError::BadRequest(format!(
            "Not published, because they quote more of their source than the site allows: {}. Open each to quote less{}; the other posts were changed.",
            over_limit.join(", "),
            if admin.user.role.can(Capability::OverrideQuoteLimit) { ", or to publish it over the limit" } else { "" }
        )));
    }
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/{section}"))]).into_response())
}

/// What the editor form shows (also after a failed save, with the typed values).
#[derive(Debug, Default, Serialize, Deserialize, Clone)]
pub(crate) struct EditorValues {
    title: String,
    slug: String,
    dek: String,
    body: String,
    source_url: String,
    source_reporter: String,
    source_outlet: String,
    source_headline: String,
    source_excerpt: String,
    continue_reading_text: String,
    /// The whole source's words, as typed (empty: unknown).
    source_words: String,
    /// "Publish over the quote limit" ticked (editors and administrators).
    quote_override: bool,
    source_archive_url: String,
    categories: Vec<i64>,
    tags: String,
    date: String,
    comments_open: bool,
    sticky: bool,
    password: String,
    /// The author's account id (0: the person writing).
    author: i64,
    /// Pages: the parent page's id (0: none), and the position among siblings.
    parent: i64,
    menu_order: i64,
    /// The featured image's media id (0: none).
    featured_media: i64,
}

fn values_of(state: &AppState, post: &Post) -> EditorValues {
    let source = post.source.clone().unwrap_or_default();
    EditorValues {
        title: post.title.clone(),
        slug: post.slug.clone(),
        dek: post.dek.clone().unwrap_or_default(),
        body: post.body_source.clone(),
        source_url: source.url.unwrap_or_default(),
        source_reporter: source.reporter.unwrap_or_default(),
        source_outlet: source.outlet.unwrap_or_default(),
        source_headline: source.headline.unwrap_or_default(),
        source_excerpt: source.excerpt.join("\n\n"),
        continue_reading_text: source.continue_reading_text.unwrap_or_default(),
        source_words: source.words.map(|w| w.to_string()).unwrap_or_default(),
        quote_override: false,
        source_archive_url: source.archive_url.unwrap_or_default(),
        categories: post.categories.iter().map(|c| c.id).collect(),
        tags: post.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", "),
        date: post.published_at.to_zoned(state.site().time_zone.clone()).strftime("%Y-%m-%dT%H:%M").to_string(),
        comments_open: post.discussion == Discussion::Open,
        sticky: post.sticky,
        password: post.password.clone().unwrap_or_default(),
        author: post.author.id,
        parent: post.parent_id.unwrap_or(0),
        menu_order: post.menu_order,
        featured_media: post.featured_media.unwrap_or(0),
    }
}

/// What the editor shows above the form, besides the values.
enum Shown {
    /// Nothing, or a notice after a save ("Published.").
    Form(Option<String>),
    /// What the writer must fix (the form keeps what they typed).
    Problem(String),
    /// The body rendered, for the no-JavaScript preview button.
    Preview(String),
}

async fn editor_page(
    state: &AppState,
    admin: &Admin,
    kind: PostKind,
    post: Option<&Post>,
    values: EditorValues,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (problem, preview, notice) = match shown {
        Shown::Form(notice) => (None, None, notice),
        Shown::Problem(problem) => (Some(problem), None, None),
        Shown::Preview(preview) => (None, Some(preview), None),
    };
    let format = post.map_or(BodyFormat::Markdown, |p| p.body_format);
    let quote = match kind {
        PostKind::Post => {
            let measure = quote_measure(state, format, &values.body, &values.source_excerpt, &values.source_words).await;
            Some(context! {
                summary => measure.summary(),
                over => measure.over(),
                format => format.as_str(),
                can_override => admin.user.role.can(Capability::OverrideQuoteLimit),
                allowed => post.and_then(|p| p.quote_override.as_ref()).map(|o| {
                    let when = TimeView::new(&state.site(), o.at);
                    format!("Allowed over the quote limit by {} on {} ({} words quoted).", o.by_name.as_deref().unwrap_or("a deleted account"), when.date, o.words)
                }),
            })
        }
        PostKind::Page => None,
    };
    let ctx = context! {
        quote => quote,
        format => format.as_str(),
        // Images pasted or dropped into the commentary are uploaded to the library.
        can_upload => admin.user.role.can(Capability::PublishPosts),
        section => if kind == PostKind::Page { "pages" } else { "posts" },
        kind => kind.as_str(),
        post => post.map(|p| context! {
            id => p.id,
            status => p.status.as_str(),
            path => if p.is_public_at(Timestamp::now()) { permalink(&state.site().time_zone, p) } else { format!("/admin/{}s/{}/preview", p.kind, p.id) },
            public => p.is_public_at(Timestamp::now()),
        }),
        values => values,
        problem => problem,
        preview => preview,
        notice => notice,
        categories => crate::view::category_tree(&state.store.terms(Taxonomy::Category).await?),
        can_publish => admin.user.role.can(Capability::PublishPosts),
        // Editors choose the author; pages choose a parent.
        authors => if admin.user.role.can(Capability::EditOthersPosts) {
            state.store.users().await?.into_iter().filter(|u| u.role.can(Capability::WritePosts)).map(|u| context! { id => u.id, name => u.display_name }).collect::<Vec<_>>()
        } else { Vec::new() },
        // The library's newest images, to feature one (uploading is on the Media page).
        images => state.store.list_media(&dateline_core::media::MediaQuery { mime_prefix: Some("image/".into()), page: 1, per_page: 100, ..Default::default() }).await?.items.into_iter().map(|m| context! { id => m.id, title => m.title, file_name => m.file_name }).collect::<Vec<_>>(),
        parents => if kind == PostKind::Page {
            state.store.all_posts(PostKind::Page).await?.into_iter().filter(|p| Some(p.id) != post.map(|q| q.id)).map(|p| context! { id => p.id, title => p.title }).collect::<Vec<_>>()
        } else { Vec::new() },
    };
    let title = match post {
        Some(_) => {
            if kind == PostKind::Page {
                "Edit page"
            } else {
                "Edit post"
            }
        }
        None => {
            if kind == PostKind::Page {
                "Add page"
            } else {
                "Add post"
            }
        }
    };
    let mut response = render(state, Some(admin), "admin/editor.html", title, ctx).await?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) async fn new_form(State(state): State<AppState>, Path(section): Path<String>, admin: Admin) -> Result<Response, AppError> {
    let kind = kind_of(&section);
    admin.must(needed(kind))?;
    let values =
        EditorValues { comments_open: Discussion::default_for(kind) == Discussion::Open, author: admin.user.id, ..EditorValues::default() };
    editor_page(&state, &admin, kind, None, values, Shown::Form(None), StatusCode::OK).await
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    Path((section, id)): Path<(String, i64)>,
    Query(query): Query<HashMap<String, String>>,
    admin: Admin,
) -> Result<Response, AppError> {
    let kind = kind_of(&section);
    admin.must(needed(kind))?;
    crate::schedule::publish_due(&state).await;
    let post = state.store.post_by_id(id).await?.filter(|p| p.kind == kind).ok_or(AppError::NotFound)?;
    if !may_edit(&post, &admin.user) {
        return Err(AppError::Forbidden("You may not edit this post.".into()));
    }
    let notice = query.get("saved").map(|_| match post.status {
        PostStatus::Published => "Published.".to_string(),
        PostStatus::Scheduled => {
            let when = TimeView::new(&state.site(), post.published_at);
            format!("Scheduled for {} at {}.", when.date, when.time)
        }
        PostStatus::Pending => "Submitted for review.".to_string(),
        _ => "Saved.".to_string(),
    });
    editor_page(&state, &admin, kind, Some(&post), values_of(&state, &post), Shown::Form(notice), StatusCode::OK).await
}

/// The editor form as sent: text without control characters, spaces kept (the writer's
/// own), numbers read by [`read_form`] (one that is not a number keeps the default).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EditorForm {
    /// `publish`, `review`, `draft`, `update` or `preview`.
    #[serde(deserialize_with = "fields::untrimmed")]
    action: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    title: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    slug: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    dek: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    body: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    source_url: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    source_reporter: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    source_outlet: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    source_headline: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    source_excerpt: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    continue_reading_text: String,
    #[serde(deserialize_with = "fields::trimmed")]
    source_words: String,
    #[serde(deserialize_with = "fields::checked")]
    quote_override: bool,
    #[serde(deserialize_with = "fields::untrimmed")]
    source_archive_url: String,
    /// The ticked categories' ids.
    category: Vec<String>,
    /// Tag names, comma-separated.
    #[serde(deserialize_with = "fields::untrimmed")]
    tags: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    date: String,
    #[serde(deserialize_with = "fields::checked")]
    comments_open: bool,
    #[serde(deserialize_with = "fields::checked")]
    sticky: bool,
    #[serde(deserialize_with = "fields::untrimmed")]
    password: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    author: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    parent: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    menu_order: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    featured_media: String,
}

/// Reads the editor form; `Err` names what the writer must fix, with what they typed.
async fn read_form(
    state: &AppState,
    admin: &Admin,
    form: EditorForm,
    base: PostWrite,
) -> Result<(PostWrite, EditorValues), Box<(String, EditorValues)>> {
    let values = EditorValues {
        categories: form.category.iter().filter_map(|v| v.parse().ok()).collect(),
        author: form.author.parse().unwrap_or(base.author),
        parent: form.parent.parse().unwrap_or(0),
        menu_order: form.menu_order.parse().unwrap_or(0),
        featured_media: form.featured_media.parse().unwrap_or(0),
        title: form.title,
        slug: form.slug,
        dek: form.dek,
        body: form.body,
        source_url: form.source_url,
        source_reporter: form.source_reporter,
        source_outlet: form.source_outlet,
        source_headline: form.source_headline,
        source_excerpt: form.source_excerpt,
        continue_reading_text: form.continue_reading_text,
        source_words: form.source_words,
        quote_override: form.quote_override,
        source_archive_url: form.source_archive_url,
        tags: form.tags,
        date: form.date,
        comments_open: form.comments_open,
        sticky: form.sticky,
        password: form.password,
    };
    let fail = |message: String, values: &EditorValues| Err(Box::new((message, values.clone())));
    // Whether this person may choose another author is the save's rule (`check_rights`);
    // for those who may, the account must exist.
    let author = if values.author > 0 && values.author != base.author {
        if !admin.user.role.can(Capability::EditOthersPosts) {
            values.author
        } else {
            match state.store.user_by_id(values.author).await {
                Ok(Some(user)) => user.id,
                _ => return fail("That author does not exist.".into(), &values),
            }
        }
    } else {
        base.author
    };
    if values.title.trim().is_empty() {
        return fail("Give the post a title.".into(), &values);
    }
    // Categories are chosen from a list; one that is not there (any more) is said, not a 500.
    if !values.categories.is_empty() {
        let known = state.store.terms(Taxonomy::Category).await.map_err(|e| (e.to_string(), values.clone()))?;
        if let Some(missing) = values.categories.iter().find(|id| !known.iter().any(|t| t.id == **id)) {
            return fail(format!("Category {missing} does not exist (was it deleted?); choose again."), &values);
        }
    }
    let url = values.source_url.trim();
    let published_at = match values.date.trim() {
        "" => base.published_at,
        text => match jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M", text)
            .ok()
            .and_then(|dt| dt.to_zoned(state.site().time_zone.clone()).ok())
        {
            Some(z) => z.timestamp(),
            None => return fail(format!("“{text}” is not a date and time."), &values),
        },
    };
    let excerpt = excerpt_paragraphs(&values.source_excerpt);
    let words = match read_source_words(&values.source_words) {
        Ok(words) => words,
        Err(()) => return fail("The source's word count must be a whole number (or left empty when unknown).".into(), &values),
    };
    let opt = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let source = Source {
        reporter: opt(&values.source_reporter),
        outlet: opt(&values.source_outlet),
        url: opt(url),
        headline: opt(&values.source_headline),
        excerpt,
        continue_reading_text: opt(&values.continue_reading_text),
        words,
        archive_url: opt(&values.source_archive_url),
    };
    // The slug typed, else (or when it has no letters or digits, like "..") the title's.
    let slug = [values.slug.as_str(), values.title.as_str()]
        .iter()
        .map(|text| dateline_core::slug::slugify(text))
        .find(|slug| !slug.is_empty())
        .unwrap_or_else(|| "untitled".to_string());
    let body_html = match crate::view::body_html(base.body_format, values.body.clone()).await {
        Ok(html) => html,
        Err(_) => return Err(Box::new(("The body could not be rendered; nothing was saved. Please try again.".into(), values))),
    };
    let write = PostWrite {
        title: values.title.trim().to_string(),
        slug,
        dek: opt(&values.dek),
        body_source: values.body.clone(),
        body_html,
        source: Some(source).filter(|s| !s.is_empty()),
        published_at,
        sticky: values.sticky,
        discussion: if values.comments_open { Discussion::Open } else { Discussion::Closed },
        password: opt(&values.password),
        category_ids: values.categories.clone(),
        tag_ids: Vec::new(),
        author,
        parent_id: (base.kind == PostKind::Page && values.parent > 0).then_some(values.parent),
        menu_order: values.menu_order,
        // Chosen from the library's images (the list the editor offers); anything else is none.
        featured_media: match values.featured_media {
            0 => None,
            id => state.store.media_item(id).await.ok().flatten().filter(|m| m.is_image()).map(|m| m.id),
        },
        ..base
    };
    Ok((write, values))
}

/// The excerpt box's paragraphs (a blank line between them; lines within one joined).
fn excerpt_paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n").split("\n\n").map(|p| p.trim().replace('\n', " ")).filter(|p| !p.is_empty()).collect()
}

/// The source's word count as typed: empty is unknown; anything but a whole number is refused.
fn read_source_words(text: &str) -> Result<Option<u32>, ()> {
    match text.trim().replace([',', ' '], "") {
        digits if digits.is_empty() => Ok(None),
        digits => digits.parse().map(Some).map_err(|_| ()),
    }
}

/// What the form's post quotes against the site's limit (the counter's numbers): the body
/// rendered as it will be saved, so the count is the save's.
async fn quote_measure(state: &AppState, format: BodyFormat, body: &str, excerpt: &str, source_words: &str) -> quoting::Measure {
    let source =
        Source { excerpt: excerpt_paragraphs(excerpt), words: read_source_words(source_words).ok().flatten(), ..Source::default() };
    // A body that cannot be rendered counts no block quotes; the save will say what is wrong.
    let html = crate::view::body_html(format, body.to_string()).await.unwrap_or_default();
    quoting::measure_words(&state.site().config.quote, quoting::quoted_words(Some(&source), &html), source.words)
}

/// The tags typed (comma-separated) as ids, each made when new.
async fn ensure_tags(state: &AppState, typed: &str) -> Result<Vec<TermId>, StoreError> {
    let mut tag_ids = Vec::new();
    for name in typed.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let slug = dateline_core::slug::slugify(name);
        if slug.is_empty() {
            continue;
        }
        let term = match state.store.term_by_slug(Taxonomy::Tag, &slug).await? {
            Some(term) => term,
            None => state.store.create_term(Taxonomy::Tag, name, &slug, "", None).await?,
        };
        tag_ids.push(term.id);
    }
    Ok(tag_ids)
}

/// How the editor answers a refused save: the form again, as typed, with what to change; or
/// 403 for what the account may not do at all.
async fn refused(
    state: &AppState,
    admin: &Admin,
    kind: PostKind,
    existing: Option<&Post>,
    values: EditorValues,
    action: &str,
    refusal: PostRefusal,
) -> Result<Response, AppError> {
    let role = admin.user.role;
    let message = match refusal {
        PostRefusal::MayNotPublish if action == "publish" => {
            return Err(AppError::Forbidden(format!("Your account ({role}) may not publish; submit the post for review instead.")));
        }
        PostRefusal::MayNotPublish => return Err(AppError::Forbidden(format!("Your account ({role}) may not change published posts."))),
        PostRefusal::MayNotEdit | PostRefusal::MayNotCreate => return Err(AppError::Forbidden("You may not edit this post.".into())),
        PostRefusal::Invalid(problem) => {
            let label = match problem.field.as_str() {
                "title" => "The title",
                "slug" => "The slug",
                "sticky" => "Sticky",
                "body" => "The body",
                _ => "The source link",
            };
            format!("{label}: {}.", problem.reason)
        }
        PostRefusal::MayNotPin => "Only those who may publish can make a post sticky.".to_string(),
        PostRefusal::MayNotWriteAs => "Only editors can choose another author.".to_string(),
        PostRefusal::Quote(refusal @ QuoteRefusal::MayNotOverride(_)) => format!("{refusal}."),
        PostRefusal::Quote(refusal) => {
            let advice = if role.can(Capability::OverrideQuoteLimit) {
                "Quote less, or tick “Publish over the quote limit”."
            } else {
                "Quote less, or save it as a draft and ask an editor to publish it."
            };
            format!("{refusal}. {advice}")
        }
        // The store failed (busy with an import, a full disk): the editor comes back with
        // everything the writer typed, and says so.
        PostRefusal::Store(err) => {
            let (status, message) = match AppError::from(err) {
                AppError::Busy(_) => {
                    (StatusCode::SERVICE_UNAVAILABLE, format!("{} Your text is still here: save again.", crate::error::BUSY_MESSAGE))
                }
                AppError::CannotWrite(detail) => {
                    tracing::error!(detail, "saving a post failed: the store takes no writes (disk full or read-only)");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("{} Your text is still here: copy it or save again later.", crate::error::CANNOT_WRITE_MESSAGE),
                    )
                }
                AppError::NotFound => return Err(AppError::NotFound),
                other => {
                    tracing::error!(detail = %other, "saving a post failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "The post could not be saved because of a problem on the server. Your text is still here: please try again later."
                            .to_string(),
                    )
                }
            };
            return editor_page(state, admin, kind, existing, values, Shown::Problem(message), status).await;
        }
    };
    editor_page(state, admin, kind, existing, values, Shown::Problem(message), StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn save(state: &AppState, admin: &Admin, kind: PostKind, existing: Option<Post>, mut form: EditorForm) -> Result<Response, AppError> {
    let base = match &existing {
        Some(post) => PostWrite::from_post(post),
        None => PostWrite::new_draft(kind, admin.user.id, BodyFormat::Markdown),
    };
    let action = std::mem::take(&mut form.action);
    let (mut write, values) = match read_form(state, admin, form, base).await {
        Ok(read) => read,
        Err(refused) => {
            let (message, values) = *refused;
            return editor_page(state, admin, kind, existing.as_ref(), values, Shown::Problem(message), StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    if action == "preview" {
        let preview = dateline_app::embeds::with_cards(state.store.as_ref(), None, admin.user.id, &write.body_html).await;
        return editor_page(state, admin, kind, existing.as_ref(), values, Shown::Preview(preview), StatusCode::OK).await;
    }
    write.status = match action.as_str() {
        // (With a date to come, the save schedules it.)
        "publish" => PostStatus::Published,
        "review" => PostStatus::Pending,
        "draft" => PostStatus::Draft,
        // Saving a published post keeps it published.
        _ => write.status,
    };
    let quote = quoting::Policy { limits: state.site().config.quote.clone(), override_asked: values.quote_override };
    // Checked before anything is written, new tags included.
    if let Err(refusal) = dateline_app::posts::check(&admin.user, existing.as_ref(), &write, &quote) {
        return refused(state, admin, kind, existing.as_ref(), values, &action, refusal).await;
    }
    write.tag_ids = match ensure_tags(state, &values.tags).await {
        Ok(ids) => ids,
        Err(err) => return refused(state, admin, kind, existing.as_ref(), values, &action, err.into()).await,
    };
    let saved =
        match dateline_app::posts::save(state.store.as_ref(), &admin.user, existing.as_ref(), write, &quote, Some(&state.embedder)).await {
            Ok(saved) => saved,
            Err(refusal) => return refused(state, admin, kind, existing.as_ref(), values, &action, refusal).await,
        };
    let section = if kind == PostKind::Page { "pages" } else { "posts" };
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/admin/{section}/{}?saved=1", saved.id))]).into_response())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Path(section): Path<String>,
    AdminForm { admin, form }: AdminForm<EditorForm>,
) -> Result<Response, AppError> {
    let kind = kind_of(&section);
    admin.must(needed(kind))?;
    save(&state, &admin, kind, None, form).await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    Path((section, id)): Path<(String, i64)>,
    AdminForm { admin, form }: AdminForm<EditorForm>,
) -> Result<Response, AppError> {
    let kind = kind_of(&section);
    admin.must(needed(kind))?;
    let post = state.store.post_by_id(id).await?.filter(|p| p.kind == kind).ok_or(AppError::NotFound)?;
    if !may_edit(&post, &admin.user) {
        return Err(AppError::Forbidden("You may not edit this post.".into()));
    }
    save(&state, &admin, kind, Some(post), form).await
}

/// The live preview's text.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PreviewForm {
    #[serde(deserialize_with = "fields::untrimmed")]
    body: String,
}

/// `POST /admin/preview`: Markdown to the HTML the post will show (for the live preview).
pub(crate) async fn preview(
    State(state): State<AppState>,
    AdminForm { admin, form }: AdminForm<PreviewForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::WritePosts)?;
    let html = crate::view::body_html(BodyFormat::Markdown, form.body).await?;
    // Embeds whose answers are kept show as their cards; nothing is asked while typing.
    let html = dateline_app::embeds::with_cards(state.store.as_ref(), None, admin.user.id, &html).await;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// What the quote counter sends as the writer types.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct QuoteForm {
    #[serde(deserialize_with = "fields::untrimmed")]
    body: String,
    #[serde(deserialize_with = "fields::untrimmed")]
    source_excerpt: String,
    #[serde(deserialize_with = "fields::trimmed")]
    source_words: String,
    /// `html` for a body in WordPress's HTML; else Markdown.
    #[serde(deserialize_with = "fields::trimmed")]
    format: String,
}

/// `POST /admin/quote`: the counter's line for the form as typed, counted as the save counts
/// (`{"summary": "Quoted: 120 of 300 words", "over": false, "quoted": 120, "limit": 300, …}`).
pub(crate) async fn quote_count(
    State(state): State<AppState>,
    AdminForm { admin, form }: AdminForm<QuoteForm>,
) -> Result<Response, AppError> {
    admin.must(Capability::WritePosts)?;
    let format = BodyFormat::parse(&form.format);
    let measure = quote_measure(&state, format, &form.body, &form.source_excerpt, &form.source_words).await;
    let mut value = serde_json::to_value(measure).map_err(|e| AppError::Internal(e.to_string()))?;
    value["summary"] = measure.summary().into();
    value["over"] = measure.over().into();
    Ok(axum::Json(value).into_response())
}

/// `GET /admin/posts/{id}/preview`: the post as readers will see it, whatever its status,
/// for those who may edit it (drafts have no public address yet).
pub(crate) async fn preview_post(
    State(state): State<AppState>,
    Path((section, id)): Path<(String, i64)>,
    admin: Admin,
) -> Result<Response, AppError> {
    let kind = kind_of(&section);
    admin.must(needed(kind))?;
    let post = state.store.post_by_id(id).await?.filter(|p| p.kind == kind).ok_or(AppError::NotFound)?;
    if !may_edit(&post, &admin.user) {
        return Err(AppError::Forbidden("You may not preview this post.".into()));
    }
    // (The admin router marks every answer no-store, this one included.)
    crate::routes::single::render(&state, &post, Default::default(), None, StatusCode::OK).await
}
