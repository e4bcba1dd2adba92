//! One post or page: the article, its comments (threaded, numbered, paginated), and the
//! comment form. Used both to show a post and to show it again after a failed comment, with
//! the reader's text kept and the problem said.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::discussion::comments_closed;
use dateline_core::{CommentStatus, Post, PostKind};
use jiff::Timestamp;
use minijinja::context;
use serde::Serialize;

use crate::tokens::random_token;
use crate::view::{PostView, ThreadOptions, comment_page, comment_threads, permalink, thread_root};
use crate::{AppError, AppState};

/// The CSRF cookie of the comment form (double-submit: its value is bound into the token).
pub(crate) const CSRF_COOKIE: &str = "dateline_csrf";
/// The honeypot field: hidden from people, irresistible to form-filling bots.
pub(crate) const HONEYPOT_FIELD: &str = "website_confirm";

/// What the request asked of the post page beyond the post itself.
#[derive(Debug, Default)]
pub(crate) struct PageRequest {
    pub comment_page: Option<u32>,
    /// WordPress's `?unapproved=ID&moderation-hash=H`: shows a held comment to its author.
    pub unapproved: Option<(i64, String)>,
    /// WordPress's `?replytocom=ID`: the form replies to that comment.
    pub reply_to: Option<i64>,
    pub csrf_cookie: Option<String>,
    /// The reader's unlock cookie for this post, if it is password-protected.
    pub post_pass: Option<String>,
    /// The account of a visitor who is signed in: the form comments as them.
    pub signed_in: Option<dateline_core::User>,
}

/// Wrong post passwords allowed from one address for one post per window.
const MAX_PASSWORD_GUESSES: i64 = 10;
const PASSWORD_GUESS_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// Name of the cookie that unlocks a password-protected post.
pub(crate) fn post_pass_cookie(post: i64) -> String {
    format!("dateline_postpass_{post}")
}

/// What the reader typed, to put back in the form.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct FormValues {
    pub author: String,
    pub email: String,
    pub url: String,
    pub comment: String,
    pub subscribe: bool,
    pub parent: i64,
}

/// A failed submission: the values to keep and the message to show (with the field it
/// concerns, so the form can point at it).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FormProblem {
    pub values: FormValues,
    pub field: Option<&'static str>,
    pub message: String,
}

#[derive(Serialize)]
struct CommentPagination {
    current: u32,
    total: u32,
    older: Option<String>,
    newer: Option<String>,
}

/// Where a comment is shown: the post's permalink, or its comment page when paginated.
pub(crate) fn comment_page_path(post_path: &str, page: u32) -> String {
    if page <= 1 { post_path.to_string() } else { format!("{post_path}comment-page-{page}/") }
}

/// Which comment page shows the thread holding `comment` (for redirects after posting).
pub(crate) fn page_of_comment(state: &AppState, comments: &[dateline_core::Comment], comment: i64) -> u32 {
    let settings = &state.site().config.discussion;
    if settings.comments_per_page == 0 {
        return 1;
    }
    let root = thread_root(comments, comment);
    let tree: Vec<(i64, Option<i64>)> = comments.iter().map(|c| (c.id, c.parent_id)).collect();
    // Every thread on one page, in the order shown: the thread's place decides its page.
    let options = ThreadOptions { max_depth: 1, open: false, post_author: 0, order: settings.comment_order, per_page: 0 };
    let index = comment_page(&tree, &options, 1).thread_roots().position(|id| id == root).unwrap_or(0);
    u32::try_from(index / settings.comments_per_page as usize + 1).unwrap_or(1)
}

/// The form-token cookie.
pub(crate) fn csrf_cookie_header(state: &AppState, value: &str) -> Option<HeaderValue> {
    crate::form::cookie_header(state, CSRF_COOKIE, value, None)
}

/// Renders the page of `post` with `status` (200 normally; 4xx when showing a failed comment).
pub(crate) async fn render(
    state: &AppState,
    post: &Post,
    request: PageRequest,
    problem: Option<FormProblem>,
    status: StatusCode,
) -> Result<Response, AppError> {
    render_read(state, post, None, request, problem, status).await
}

/// As [`render`], with what the post's own read gave of the rest of the page, if it was read
/// for it (see [`super::around`]).
async fn render_read(
    state: &AppState,
    post: &Post,
    with_post: Option<&dateline_core::PostPageRead>,
    request: PageRequest,
    problem: Option<FormProblem>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let site = &state.site();
    let settings = &site.config.discussion;
    let now = Timestamp::now();
    let unlocked = match &post.password {
        Some(password) => request.post_pass.as_deref().is_some_and(|c| crate::tokens::same(c, &state.signer.post_pass(post.id, password))),
        None => true,
    };
    let protected = post.password.is_some() && !unlocked;
    // Usually the shape of all threads is read first, and only the comments of the threads
    // shown and not already rendered as they stand are loaded. A reader's held comment, a
    // reply form or a refused comment need them all.
    let whole = request.unapproved.is_some() || request.reply_to.is_some() || problem.is_some();
    let comments = (!protected && !whole).then_some(CommentStatus::Approved);
    let related = if post.kind == PostKind::Post { RELATED_POSTS } else { 0 };
    let around = super::around::around(state, post, now, with_post, comments, related).await?;
    let super::public::Frame { categories, nav } = super::public::Frame::new(state, around.frame.as_ref().clone());
    let related = related_views(state, &around.related);
    let source_gone = around.source_gone;
    let mut view = if unlocked { PostView::unlocked(site, post, &categories) } else { PostView::new(site, post, &categories) };
    if let Some(source) = view.source.as_mut() {
        source.gone = source_gone;
    }
    // Posts and pages alike take comments while open (pages start closed, as in WordPress).
    let open = !comments_closed(post, settings, now) && !view.protected;
    view.comments_open = open;

    let page = request.comment_page.unwrap_or(1);
    let options = ThreadOptions {
        max_depth: settings.thread_depth,
        open,
        post_author: post.author.id,
        order: settings.comment_order,
        per_page: settings.comments_per_page,
    };
    if let Some((comments_version, tree)) = around.tree {
        view.comment_count = i64::try_from(tree.len()).unwrap_or(i64::MAX);
        let at = (post.id, comments_version);
        let Some(shown) = comment_page_shown(state, site, at, &tree, &view.path, &options, page).await? else {
            return Err(AppError::NotFound);
        };
        let crate::templates::ShownComments { threads, pages } = shown;
        let shown = Shown { comments: Vec::new(), threads, page, pages, shows_held: false, unlocked, open, now, nav, related };
        return finish(state, post, view, request, problem, status, shown).await;
    }
    let (comments, chosen, shows_held) = {
        let mut comments =
            if view.protected { Vec::new() } else { state.store.comments_for_post(post.id, CommentStatus::Approved).await? };
        // Block-editor notes are kept for the record but never shown publicly.
        comments.retain(|c| c.kind != dateline_core::CommentKind::Note);
        if !view.protected {
            view.comment_count = i64::try_from(comments.len()).unwrap_or(i64::MAX);
        }
        let mut shows_held = false;
        if let Some((id, hash)) = &request.unapproved
            && let Some(held) = state.store.comment_by_id(*id).await?
            && held.post_id == post.id
            && matches!(held.status, CommentStatus::Pending | CommentStatus::Spam)
            && state.signer.check_moderation_hash(held.id, held.created_at.as_second(), hash)
        {
            comments.push(held);
            comments.sort_by_key(|c| (c.created_at, c.id));
            shows_held = true;
        }
        let tree: Vec<(i64, Option<i64>)> = comments.iter().map(|c| (c.id, c.parent_id)).collect();
        (comments, comment_page(&tree, &options, page), shows_held)
    };
    if page > chosen.pages {
        return Err(AppError::NotFound);
    }
    let threads = state.templates.comment_threads(site, &comment_threads(site, &comments, &chosen, &options), &view.path)?;
    finish(
        state,
        post,
        view,
        request,
        problem,
        status,
        Shown { comments, threads, page, pages: chosen.pages, shows_held, unlocked, open, now, nav, related },
    )
    .await
}

/// Comment page `page` of the approved `tree` of a post's comments (`at`: the post and the
/// version of its comments), as kept when it was shown at that version with the same settings,
/// or as [`shaped_threads`] makes it, then kept (see `templates::comment_sections`).
async fn comment_page_shown(
    state: &AppState,
    site: &crate::Site,
    at: (dateline_core::PostId, i64),
    tree: &[dateline_core::CommentNode],
    post_path: &str,
    options: &ThreadOptions,
    page: u32,
) -> Result<Option<crate::templates::ShownComments>, AppError> {
    let (post, version) = at;
    let key = state.templates.comment_page_key(site, post_path, options, page);
    if let Some(shown) = state.templates.shown_comments(post, version, key) {
        return Ok(Some(shown));
    }
    let shown = shaped_threads(state, site, tree, post_path, options, page).await?;
    if let Some(shown) = &shown {
        state.templates.keep_shown_comments(post, version, key, shown);
    }
    Ok(shown)
}

/// The approved threads of comment page `page` as HTML, and how many pages there are (`None`
/// past the last page), from the `tree` of the post's approved comments. A thread kept as its
/// comments' revisions stand is taken without reading its comments; only the others are loaded
/// and rendered (see [`crate::templates::Templates::threads_by_shape`]).
async fn shaped_threads(
    state: &AppState,
    site: &crate::Site,
    tree: &[dateline_core::CommentNode],
    post_path: &str,
    options: &ThreadOptions,
    page: u32,
) -> Result<Option<crate::templates::ShownComments>, AppError> {
    let pairs: Vec<(i64, Option<i64>)> = tree.iter().map(|node| (node.id, node.parent_id)).collect();
    let chosen = comment_page(&pairs, options, page);
    if page > chosen.pages {
        return Ok(None);
    }
    // `pairs` is `tree` in the same order, so the page's positions are the tree's.
    let shapes = chosen
        .threads()
        .map(|(number, root, members)| crate::templates::ThreadShape { root, number, nodes: members.iter().map(|&at| tree[at]).collect() })
        .collect();
    let shaped = state.templates.threads_by_shape(site, post_path, (options.open, options.max_depth, options.post_author), shapes);
    let missing: std::collections::HashSet<i64> = shaped.missing().collect();
    let views = if missing.is_empty() {
        Vec::new()
    } else {
        let chosen = chosen.only(|root| missing.contains(&root));
        comment_threads(site, &state.store.comments_by_ids(&chosen.ids(&pairs)).await?, &chosen, options)
    };
    let threads = state.templates.finish_shaped_threads(site, post_path, shaped, &views)?;
    Ok(Some(crate::templates::ShownComments { threads, pages: chosen.pages }))
}

/// The comments a post page shows, chosen by [`render`].
struct Shown {
    /// The comments loaded (all of the post's when a reply or a held comment is shown).
    comments: Vec<dateline_core::Comment>,
    /// The threads as HTML, as [`crate::templates::Templates::comment_threads`] gives them.
    threads: Vec<minijinja::Value>,
    page: u32,
    pages: u32,
    shows_held: bool,
    unlocked: bool,
    open: bool,
    now: Timestamp,
    /// The site navigation, read with the categories (see [`super::public::frame`]).
    nav: Vec<crate::view::LinkView>,
    related: Vec<RelatedView>,
}

/// The rest of [`render`]: the form, the page's metadata and the response.
async fn finish(
    state: &AppState,
    post: &Post,
    view: PostView,
    request: PageRequest,
    problem: Option<FormProblem>,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, AppError> {
    let site = &state.site();
    let settings = &site.config.discussion;
    let Shown { comments, threads, page, pages, shows_held, unlocked, open, now, nav, related } = shown;
    let pagination = CommentPagination {
        current: page,
        total: pages,
        older: (page > 1).then(|| format!("{}#comments", comment_page_path(&view.path, page - 1))),
        newer: (page < pages).then(|| format!("{}#comments", comment_page_path(&view.path, page + 1))),
    };

    // A page for one visitor (their held comment, their account, a post they unlocked, their
    // refused text) carries their form token and is never kept for others. The page every
    // anonymous reader gets is the same bytes, kept by the page cache: its forms ask for their
    // token when shown (`/comments/token`, see `static/comment-form.js`).
    let personal = problem.is_some() || request.signed_in.is_some() || shows_held || (post.password.is_some() && unlocked);
    // The form's token, bound to the visitor's CSRF cookie (made now if they have none).
    let (cookie, new_cookie) = match request.csrf_cookie.filter(|c| c.len() >= 16 && c.len() <= 64) {
        Some(cookie) => (cookie, false),
        None => (random_token(), personal),
    };
    let token = if personal { state.signer.form_token(post.id, now.as_second(), &cookie) } else { String::new() };
    let reply_to = match problem.as_ref().map(|p| p.values.parent).filter(|p| *p > 0).or(request.reply_to) {
        Some(id) => comments.iter().find(|c| c.id == id && c.status == CommentStatus::Approved),
        None => None,
    };
    let mut values = problem.as_ref().map(|p| p.values.clone()).unwrap_or_default();
    values.parent = reply_to.map(|c| c.id).unwrap_or(0);
    let form = context! {
        open => open,
        token => token,
        honeypot => HONEYPOT_FIELD,
        values => values,
        reply_to_name => reply_to.map(|c| c.author_name.clone().unwrap_or_else(|| "Anonymous".into())),
        problem => problem,
        require_name_email => settings.require_name_email,
        account => request.signed_in.as_ref().map(|user| context! { name => user.display_name.clone() }),
        max_length => settings.max_comment_length,
    };

    let comment_feed = crate::view::LinkView {
        name: format!("{} » {} Comments Feed", site.config.site.title, post.title),
        url: format!("{}feed/", view.path),
    };
    // The featured image, unless the post is locked (it is part of what the password guards).
    let featured = match post.featured_media.filter(|_| post.password.is_none() || unlocked) {
        Some(id) => state.store.media_item(id).await?.and_then(|item| crate::view::ImageView::new(site, &item)),
        None => None,
    };
    let mut meta = super::public::post_meta(site, post, &view, featured.as_ref());
    if post.kind == PostKind::Post {
        meta = context! { feeds => vec![comment_feed], ..meta };
    }
    // A refused comment: the page's title says so first, as screen readers announce it.
    if problem.is_some() {
        meta = context! { title => format!("Error: {}", post.title), ..meta };
    }
    let canonical_path = comment_page_path(&view.path, page);
    let ctx = context! {
        related => related,
        meta => context! { canonical => format!("{}{canonical_path}", site.base_url), ..meta },
        comments => threads,
        comment_pagination => pagination,
        form => form,
        post => view,
        featured => featured,
        nav => nav,
    };
    let html = state.templates.render("single.html", site, ctx)?;
    let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    if personal {
        // Shared caches (and ours) must not keep one visitor's page.
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        if new_cookie && let Some(value) = csrf_cookie_header(state, &cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    } else {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        // Comments that close by age close then, whether or not anything is written.
        if open
            && settings.close_old_posts
            && let Some(closes) = dateline_core::discussion::closes_at(post.published_at, settings.close_after_days)
        {
            response.extensions_mut().insert(crate::cache::KeepUntil(closes));
        }
    }
    Ok(response)
}

/// A post listed as related to the one shown.
#[derive(Serialize)]
struct RelatedView {
    title: String,
    url: String,
    published: crate::view::TimeView,
}

/// How many related posts a post's page lists (a page lists none).
const RELATED_POSTS: u32 = 5;

fn related_views(state: &AppState, related: &[dateline_core::PostLink]) -> Vec<RelatedView> {
    let site = &state.site();
    related
        .iter()
        .map(|r| RelatedView {
            url: crate::view::link_path(&site.time_zone, r),
            published: crate::view::TimeView::new(site, r.published_at),
            title: r.title.clone(),
        })
        .collect()
}

/// Loads the post a public URL names, or 404 when it does not exist or is not public.
pub(crate) async fn public_post(state: &AppState, kind: PostKind, slug: &str) -> Result<Post, AppError> {
    public(state.store.post_by_slug(kind, slug).await?)
}

/// The post, or 404 when there is none or it is not public.
fn public(post: Option<Post>) -> Result<Post, AppError> {
    let post = post.ok_or(AppError::NotFound)?;
    if !post.is_public_at(Timestamp::now()) {
        return Err(AppError::NotFound);
    }
    Ok(post)
}

/// `GET` of a post or page: redirects to the canonical address when the date is wrong.
pub(crate) async fn show(
    state: &AppState,
    kind: PostKind,
    slug: &str,
    requested: &str,
    headers: &axum::http::HeaderMap,
    mut request: PageRequest,
) -> Result<Response, AppError> {
    // Its comments are counted by `render`, from the ones it reads.
    let read = state.store.post_page_by_slug(kind, slug).await?;
    let read = read.filter(|read| read.post.is_public_at(Timestamp::now())).ok_or(AppError::NotFound)?;
    let post = &read.post;
    request.post_pass = crate::form::cookie(headers, &post_pass_cookie(post.id)).map(str::to_string);
    let canonical = permalink(&state.site().time_zone, post);
    let expected = comment_page_path(&canonical, request.comment_page.unwrap_or(1));
    if expected != requested && !(request.comment_page == Some(1) && requested == format!("{canonical}comment-page-1/")) {
        // Right slug, wrong date: send readers to the real address.
        return Ok(super::public::moved_permanently(&expected));
    }
    render_read(state, post, Some(&read), request, None, StatusCode::OK).await
}

/// The password form: `post_id`, `password`, and the form token.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct PasswordForm {
    post_id: Option<String>,
    password: Option<String>,
    #[serde(rename = "_token")]
    token: Option<String>,
}

/// `POST /post-password`: the right password sets a cookie that unlocks the post (as
/// WordPress's `wp-postpass` cookie does); a wrong one shows the form again, saying so.
pub(crate) async fn unlock(
    axum::extract::State(state): axum::extract::State<AppState>,
    crate::routes::comments::PeerAddr(peer): crate::routes::comments::PeerAddr,
    headers: axum::http::HeaderMap,
    crate::form::AppForm(form): crate::form::AppForm<PasswordForm>,
) -> Result<Response, AppError> {
    let id: i64 = form.post_id.as_deref().and_then(|p| p.parse().ok()).ok_or(AppError::NotFound)?;
    let post = state.store.post_by_id(id).await?.ok_or(AppError::NotFound)?;
    if !post.is_public_at(Timestamp::now()) {
        return Err(AppError::NotFound);
    }
    let Some(expected) = &post.password else {
        return Ok(super::public::moved_permanently(&permalink(&state.site().time_zone, &post)));
    };
    let csrf = crate::form::cookie(&headers, CSRF_COOKIE).map(str::to_string);
    let genuine = match (&form.token, &csrf) {
        (Some(token), Some(cookie)) => state.signer.check_form_token(token, post.id, cookie).is_some(),
        _ => false,
    };
    // Wrong guesses are limited per address and post, in the store (so every instance agrees),
    // whatever the comment settings say. The check comes before the password is compared.
    let ip = crate::form::client_ip(&headers, peer, state.site().config.server.trust_forwarded_for);
    let key = format!("post-password:{}:{}", post.id, ip.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into()));
    // One guess at a time per key here, so a burst cannot all pass the check before any counts.
    let _turn = state.attempts.enter(&key).await;
    let now = Timestamp::now();
    let (failures, oldest) = state.store.login_failures(&key, now - PASSWORD_GUESS_WINDOW).await?;
    if failures >= MAX_PASSWORD_GUESSES {
        let wait = (oldest.unwrap_or(now) + PASSWORD_GUESS_WINDOW).duration_since(now).as_secs().max(1);
        let problem = FormProblem {
            values: FormValues::default(),
            field: Some("password"),
            message: format!("Too many wrong passwords. Please wait {} minutes.", (wait + 59) / 60),
        };
        let mut response = render(
            &state,
            &post,
            PageRequest { csrf_cookie: csrf, ..PageRequest::default() },
            Some(problem),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(response);
    }
    if !genuine || !crate::tokens::same(form.password.as_deref().unwrap_or(""), expected) {
        if genuine {
            state.store.note_login_failure(&key, now).await?;
        }
        let message = if genuine { "That password is not right." } else { "This form has expired; please enter the password again." };
        let problem = FormProblem { values: FormValues::default(), field: Some("password"), message: message.into() };
        return render(&state, &post, PageRequest { csrf_cookie: csrf, ..PageRequest::default() }, Some(problem), StatusCode::FORBIDDEN)
            .await;
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, permalink(&state.site().time_zone, &post))]).into_response();
    if let Some(value) = crate::form::cookie_header(&state, &post_pass_cookie(post.id), &state.signer.post_pass(post.id, expected), None) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
