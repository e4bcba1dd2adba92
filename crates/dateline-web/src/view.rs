//! What templates and feeds see: posts, comments and times shaped for display, with URLs
//! built and times moved into the site's time zone. Built from domain types, never from rows.

use dateline_core::{Comment, CommentStatus, Post, Term};
use jiff::Timestamp;
use serde::Serialize;

use crate::Site;
use crate::paths::paged;

pub use dateline_app::permalinks::permalink;
pub(crate) use dateline_app::permalinks::{author_path, link_path, path_of, term_path};
pub(crate) use dateline_app::threads::thread_root;

/// An instant shown in the site's time zone.
#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct TimeView {
    /// ISO 8601 with offset, for `<time datetime>` and machine readers.
    pub iso: String,
    /// "May 20, 2022"
    pub date: String,
    /// "9:45 am"
    pub time: String,
}

impl TimeView {
    pub fn new(site: &Site, ts: Timestamp) -> TimeView {
        let zoned = ts.to_zoned(site.time_zone.clone());
        crate::dates::shown(&zoned)
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct LinkView {
    pub name: String,
    pub url: String,
}

/// A piece of the reporter line as written: a name (linked to its page when it has one) or
/// the words between names.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LinePieceView {
    pub text: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SourceView {
    pub reporter: Option<String>,
    /// The reporter line in pieces, each name linked to its reporter's page.
    pub reporter_line: Vec<LinePieceView>,
    /// Two or more reporters: "A and B report via", not "reports".
    pub several_reporters: bool,
    /// "More via OUTLET": the outlet's page, by the outlet's own name.
    pub more_via: Option<LinkView>,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub headline: Option<String>,
    pub excerpt: Vec<String>,
    pub continue_reading_text: String,
    /// An archived copy of the story, where "Continue reading" leads once the source is gone.
    pub archive_url: Option<String>,
    /// The last checks found the source gone (set by the pages that show posts, which look it
    /// up: see [`mark_gone_sources`] for listings; a post's page has it from the store's
    /// `post_surroundings`; feeds do not).
    pub gone: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PostView {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    /// Site-relative permalink.
    pub path: String,
    /// Absolute permalink.
    pub url: String,
    pub dek: Option<String>,
    pub body_html: String,
    pub source: Option<SourceView>,
    pub published: TimeView,
    pub updated: TimeView,
    pub author: LinkView,
    pub categories: Vec<LinkView>,
    pub tags: Vec<LinkView>,
    /// Approved comments, as the post was read; on the post's own page `single::render` sets
    /// it from the comments it reads.
    pub comment_count: i64,
    pub comments_open: bool,
    pub sticky: bool,
    /// Password-protected and not unlocked by this reader: content and comments are hidden.
    pub protected: bool,
    /// On listing pages, the body up to the "more" marker, when the post has one.
    pub teaser: Option<String>,
    /// On listing pages, the featured image (set by [`crate::featured::attach_thumbnails`]).
    pub thumbnail: Option<crate::featured::Thumbnail>,
}

/// The reporter line as written, each name linked to the reporter it was linked to: the one
/// known by that name, else the one at its place in the line (a name merged into another's).
/// Absolute links, as the same macro renders feed entries.
fn reporter_line(site: &Site, line: &str, reporters: &[dateline_core::BylineRef]) -> Vec<LinePieceView> {
    use dateline_core::byline::{reporter_key, reporter_line as pieces};
    let mut seen: Vec<String> = Vec::new();
    pieces(line)
        .into_iter()
        .map(|piece| {
            let mut url = None;
            if piece.is_name {
                let key = reporter_key(piece.text);
                let place = seen.iter().position(|k| *k == key).unwrap_or_else(|| {
                    seen.push(key.clone());
                    seen.len() - 1
                });
                let linked = reporters.iter().find(|r| reporter_key(&r.name) == key).or_else(|| reporters.get(place));
                url =
                    linked.map(|r| format!("{}{}", site.base_url, crate::paths::byline_path(dateline_core::BylineKind::Reporter, &r.slug)));
            }
            LinePieceView { text: piece.text.to_string(), url }
        })
        .collect()
}

/// A category in a list that shows the hierarchy: its depth (0 for top level).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TreeTerm {
    pub id: i64,
    pub name: String,
    pub depth: usize,
}

/// Categories parents first, each followed by its children (by name), as WordPress's
/// category checklist and dropdowns show them.
pub(crate) fn category_tree(categories: &[Term]) -> Vec<TreeTerm> {
    fn add(all: &[Term], parent: Option<i64>, depth: usize, out: &mut Vec<TreeTerm>) {
        let known = |id: i64| all.iter().any(|t| t.id == id);
        let mut level: Vec<&Term> = all
            .iter()
            // A category whose parent is missing is shown at the top level.
            .filter(|t| match parent {
                None => t.parent_id.is_none_or(|p| !known(p)),
                Some(parent) => t.parent_id == Some(parent),
            })
            .collect();
        level.sort_by_key(|t| t.name.to_lowercase());
        for term in level {
            out.push(TreeTerm { id: term.id, name: term.name.clone(), depth });
            if depth < 16 {
                add(all, Some(term.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::with_capacity(categories.len());
    add(categories, None, 0, &mut out);
    out
}

impl PostView {
    /// A post as any visitor may see it: a password-protected post keeps its title, date,
    /// author and terms, and nothing of its content (dek, source, body) is even in the view,
    /// so no template, feed or head tag can show it before the password is given.
    pub fn new(site: &Site, post: &Post, categories: &[Term]) -> PostView {
        let mut view = PostView::unlocked(site, post, categories);
        if post.password.is_some() {
            view.lock();
        }
        view
    }

    /// Drops everything behind the password.
    fn lock(&mut self) {
        self.protected = true;
        self.dek = None;
        self.source = None;
        self.body_html = String::new();
        self.teaser = None;
        self.thumbnail = None;
    }

    /// The whole post, for a reader who gave its password (or for the export).
    pub fn unlocked(site: &Site, post: &Post, categories: &[Term]) -> PostView {
        let path = permalink(&site.time_zone, post);
        let link = |t: &Term| LinkView { name: t.name.clone(), url: term_path(t, Some(categories)) };
        PostView {
            id: post.id,
            kind: post.kind.as_str(),
            title: post.title.clone(),
            url: format!("{}{path}", site.base_url),
            path,
            dek: post.dek.clone(),
            body_html: post.body_html.clone(),
            source: post.source.as_ref().map(|s| SourceView {
                reporter: s.reporter.clone(),
                reporter_line: reporter_line(site, s.reporter.as_deref().unwrap_or(""), &post.reporters),
                several_reporters: post.reporters.len() > 1,
                more_via: post.outlet.as_ref().map(|o| LinkView {
                    name: o.name.clone(),
                    url: format!("{}{}", site.base_url, crate::paths::byline_path(dateline_core::BylineKind::Outlet, &o.slug)),
                }),
                outlet: s.outlet.clone(),
                // Every door checks the link; one stored before it did is not made an href.
                url: s.url.clone().filter(|url| dateline_core::input::check_url("source.url", url).is_ok()),
                headline: s.headline.clone(),
                excerpt: s.excerpt.clone(),
                continue_reading_text: s.continue_reading_text.clone().unwrap_or_else(|| "Continue reading".into()),
                archive_url: s.archive_url.clone().filter(|url| dateline_core::input::check_url("source.archive_url", url).is_ok()),
                gone: false,
            }),
            published: TimeView::new(site, post.published_at),
            updated: TimeView::new(site, post.updated_at),
            author: LinkView { name: post.author.display_name.clone(), url: author_path(&post.author) },
            categories: post.categories.iter().map(link).collect(),
            tags: post.tags.iter().map(link).collect(),
            comment_count: post.comment_count,
            comments_open: post.discussion == dateline_core::Discussion::Open,
            sticky: post.sticky,
            protected: false,
            teaser: post.body_html.split_once(dateline_render::MORE_MARKER).map(|(teaser, _)| close_open_paragraph(teaser)),
            thumbnail: None,
        }
    }
}

/// Marks in `views` (made from `posts`, in order) the sources the link checks found gone: the
/// post then says so under the excerpt, and its link leads to the archived copy. One query for
/// the whole page (none when no post cites a source); kept pages are dropped when a source's
/// state changes.
pub(crate) async fn mark_gone_sources(
    store: &dyn dateline_core::Store,
    posts: &[Post],
    views: &mut [PostView],
) -> Result<(), dateline_core::StoreError> {
    let cited = |post: &Post| post.source_url().map(str::to_string);
    let urls: Vec<String> = posts.iter().filter_map(cited).collect();
    if urls.is_empty() {
        return Ok(());
    }
    let gone: std::collections::HashSet<String> = store.gone_sources(&urls).await?.into_iter().collect();
    for (post, view) in posts.iter().zip(views.iter_mut()) {
        if let (Some(source), Some(url)) = (view.source.as_mut(), cited(post)) {
            source.gone = gone.contains(&url);
        }
    }
    Ok(())
}

/// A teaser cut inside a paragraph (`<p>Text <!--more--> rest</p>`) gets its `</p>` back.
fn close_open_paragraph(html: &str) -> String {
    let opened = html.matches("<p>").count() + html.matches("<p ").count();
    let closed = html.matches("</p>").count();
    if opened > closed { format!("{html}</p>") } else { html.to_string() }
}

/// A comment with its replies, numbered among the top-level comments as on the seed page.
/// Hashed whole for the key of its rendered thread (`templates::comment_threads`), so a field
/// added here is part of that key without more code.
#[derive(Debug, Clone, Serialize, Hash)]
pub(crate) struct CommentView {
    pub id: i64,
    /// 1-based position (oldest first) among top-level comments; `None` for replies.
    pub number: Option<usize>,
    /// "comment", "pingback" or "trackback".
    pub kind: &'static str,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    /// The comment rendered through the comment sanitizer; safe to emit.
    pub body_html: String,
    pub created: TimeView,
    /// 1 for top-level comments.
    pub depth: u32,
    /// Whether a Reply link is shown (open post, and replies may nest this deep).
    pub can_reply: bool,
    /// Shown only to its author, with a note that it awaits moderation.
    pub awaiting_moderation: bool,
    /// Written by the post's author while signed in (WordPress's `bypostauthor`).
    pub by_post_author: bool,
    pub replies: Vec<CommentView>,
}

/// The posts of `comments`, each loaded once (a list shows many comments of few posts).
pub(crate) async fn posts_of(
    store: &dyn dateline_core::Store,
    comments: &[Comment],
) -> Result<std::collections::HashMap<i64, Option<Post>>, dateline_core::StoreError> {
    let mut posts = std::collections::HashMap::new();
    for comment in comments {
        if let std::collections::hash_map::Entry::Vacant(e) = posts.entry(comment.post_id) {
            e.insert(store.post_by_id(comment.post_id).await?);
        }
    }
    Ok(posts)
}

/// A comment as HTML that is safe to show: Markdown as readers write it, or WordPress's
/// comment HTML for comments imported from it. Rendered and sanitized once per comment text:
/// a post with a thousand comments must not pay for a thousand sanitizer runs per request.
pub(crate) fn comment_html(comment: &Comment) -> String {
    rendered_comments().html(comment).to_string()
}

/// Comment HTML already rendered, by comment id and a digest of the text it was rendered from
/// (an edited comment is rendered again). Bounded: past [`RenderedComments::MAX`] entries it
/// starts again empty, which costs one rendering per comment shown.
struct RenderedComments {
    entries: std::sync::RwLock<std::collections::HashMap<i64, (u64, std::sync::Arc<str>)>>,
}

impl RenderedComments {
    const MAX: usize = 20_000;

    fn html(&self, comment: &Comment) -> std::sync::Arc<str> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (comment.body_format == dateline_core::BodyFormat::Markdown, &comment.body).hash(&mut hasher);
        let digest = hasher.finish();
        let known = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&comment.id).cloned();
        if let Some((seen, html)) = known
            && seen == digest
        {
            return html;
        }
        let html: std::sync::Arc<str> = match comment.body_format {
            dateline_core::BodyFormat::Markdown => dateline_render::comment_to_html(&comment.body),
            dateline_core::BodyFormat::Html => dateline_render::wordpress_comment_to_html(&comment.body),
        }
        .into();
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= Self::MAX {
            entries.clear();
        }
        entries.insert(comment.id, (digest, html.clone()));
        html
    }
}

fn rendered_comments() -> &'static RenderedComments {
    static RENDERED: std::sync::OnceLock<RenderedComments> = std::sync::OnceLock::new();
    RENDERED.get_or_init(|| RenderedComments { entries: Default::default() })
}

/// How comments of one post are shown.
#[derive(Hash)]
pub(crate) struct ThreadOptions {
    pub max_depth: u32,
    pub open: bool,
    pub post_author: dateline_core::UserId,
    pub order: dateline_core::config::CommentOrder,
    /// Top-level comments per page (0: all on one).
    pub per_page: u32,
}

/// Which threads one comment page shows: their roots with their numbers (the oldest thread
/// is 1), every comment in them, and how many pages there are.
pub(crate) struct CommentPage {
    roots: Vec<(usize, i64)>,
    /// Each shown thread's comments as positions in the tree the page was chosen from, root
    /// first, level by level (as `roots`).
    members: Vec<Vec<usize>>,
    pub pages: u32,
}

impl CommentPage {
    /// The ids of the threads shown, in the order shown.
    pub(crate) fn thread_roots(&self) -> impl Iterator<Item = i64> + '_ {
        self.roots.iter().map(|(_, id)| *id)
    }

    /// The threads shown, in the order shown: number, root, and every comment in the thread (as
    /// its position in the tree the page was chosen from).
    pub(crate) fn threads(&self) -> impl Iterator<Item = (usize, i64, &[usize])> + '_ {
        self.roots.iter().zip(&self.members).map(|(&(number, root), members)| (number, root, members.as_slice()))
    }

    /// The comments to load to show every thread: the roots and their replies, from `tree` (the
    /// one the page was chosen from).
    pub(crate) fn ids(&self, tree: &[(i64, Option<i64>)]) -> Vec<i64> {
        self.members.iter().flatten().map(|&at| tree[at].0).collect()
    }

    /// The same page with only the threads whose roots `keep` accepts.
    pub(crate) fn only(&self, keep: impl Fn(i64) -> bool) -> CommentPage {
        let (roots, members) =
            self.roots.iter().zip(&self.members).filter(|((_, root), _)| keep(*root)).map(|(r, m)| (*r, m.clone())).unzip();
        CommentPage { roots, members, pages: self.pages }
    }
}

/// Chooses comment page `page` from the shape of the threads ((id, parent), oldest first): a
/// reply whose parent is not among them (held, spam) starts a thread of its own. Linear in the
/// number of comments.
pub(crate) fn comment_page(tree: &[(i64, Option<i64>)], options: &ThreadOptions, page: u32) -> CommentPage {
    let known: std::collections::HashSet<i64> = tree.iter().map(|(id, _)| *id).collect();
    // Replies by their parent's id, as positions in `tree`.
    let mut children: std::collections::HashMap<i64, Vec<usize>> = std::collections::HashMap::new();
    let mut roots = Vec::new();
    for (at, (id, parent)) in tree.iter().enumerate() {
        match parent.filter(|p| known.contains(p)) {
            Some(parent) => children.entry(parent).or_default().push(at),
            None => roots.push((*id, at)),
        }
    }
    let mut numbered: Vec<(usize, (i64, usize))> = roots.into_iter().enumerate().map(|(i, root)| (i + 1, root)).collect();
    if options.order == dateline_core::config::CommentOrder::Newest {
        numbered.reverse();
    }
    let per_page = options.per_page as usize;
    let (pages, shown) = if per_page == 0 {
        (1, numbered)
    } else {
        let pages = u32::try_from(numbered.len().div_ceil(per_page)).unwrap_or(u32::MAX).max(1);
        (pages, numbered.into_iter().skip(page.saturating_sub(1) as usize * per_page).take(per_page).collect())
    };
    // Each thread's replies, as deep as threads are shown (a damaged parent chain cannot go on
    // for ever); each comment is visited once.
    let members = shown
        .iter()
        .map(|&(_, (_, root))| {
            let mut members = Vec::new();
            let mut level = vec![root];
            for _ in 0..MAX_SHOWN_DEPTH {
                if level.is_empty() {
                    break;
                }
                members.extend_from_slice(&level);
                level = level.iter().filter_map(|&at| children.get(&tree[at].0)).flatten().copied().collect();
            }
            members
        })
        .collect();
    let roots = shown.into_iter().map(|(number, (id, _))| (number, id)).collect();
    CommentPage { roots, members, pages }
}

/// Replies deeper than this are not shown (only a damaged import nests so deep).
const MAX_SHOWN_DEPTH: u32 = 64;

/// The views of the threads `page` shows, from `comments` (which hold at least those).
pub(crate) fn comment_threads(site: &Site, comments: &[Comment], page: &CommentPage, options: &ThreadOptions) -> Vec<CommentView> {
    type Children<'a> = std::collections::HashMap<i64, Vec<&'a Comment>>;
    let by_id: std::collections::HashMap<i64, &Comment> = comments.iter().map(|c| (c.id, c)).collect();
    let mut children: Children = std::collections::HashMap::new();
    for comment in comments {
        if let Some(parent) = comment.parent_id.filter(|p| by_id.contains_key(p)) {
            children.entry(parent).or_default().push(comment);
        }
    }
    fn build(site: &Site, c: &Comment, depth: u32, children: &Children, options: &ThreadOptions) -> CommentView {
        let replies = match children.get(&c.id) {
            Some(replies) if depth < MAX_SHOWN_DEPTH => replies.iter().map(|r| build(site, r, depth + 1, children, options)).collect(),
            _ => Vec::new(),
        };
        CommentView {
            id: c.id,
            number: None,
            kind: c.kind.as_str(),
            author_name: c.author_name.clone(),
            author_url: c.author_url.clone(),
            body_html: comment_html(c),
            created: TimeView::new(site, c.created_at),
            depth,
            can_reply: options.open && depth < options.max_depth && c.status == CommentStatus::Approved,
            awaiting_moderation: c.status != CommentStatus::Approved,
            by_post_author: c.user_id == Some(options.post_author),
            replies,
        }
    }
    page.roots
        .iter()
        .filter_map(|(number, id)| by_id.get(id).map(|c| CommentView { number: Some(*number), ..build(site, c, 1, &children, options) }))
        .collect()
}

/// Links to the neighbouring pages of a listing.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Pagination {
    pub current: u32,
    pub total: u32,
    /// Newer posts (the previous page), if any.
    pub newer: Option<String>,
    /// Older posts (the next page), if any.
    pub older: Option<String>,
}

impl Pagination {
    pub fn new(base: &str, current: u32, total: u32) -> Pagination {
        Pagination {
            current,
            total,
            newer: (current > 1).then(|| paged(base, current - 1)),
            older: (current < total).then(|| paged(base, current + 1)),
        }
    }
}

/// Renders an author's body to sanitized HTML on the blocking pool: a long or deeply nested
/// body costs CPU time that must not stall the async workers serving everyone else.
pub(crate) async fn body_html(format: dateline_core::BodyFormat, source: String) -> Result<String, crate::AppError> {
    tokio::task::spawn_blocking(move || match format {
        dateline_core::BodyFormat::Markdown => dateline_render::markdown_to_html(&source),
        dateline_core::BodyFormat::Html => dateline_render::wordpress_to_html(&source, &dateline_render::NoAttachments).html,
    })
    .await
    .map_err(|e| crate::AppError::Internal(format!("rendering a body failed: {e}")))
}

/// A featured image as pages show it: the `<img>` with its `srcset` (the original format's
/// variants and the original), its size (no layout shift), and what share cards point at.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ImageView {
    pub src: String,
    pub srcset: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub alt: String,
    pub caption: String,
    /// Absolute: the widest copy up to 1600 px in the original format (what share cards take).
    pub card_url: String,
    pub card_width: Option<u32>,
    pub card_height: Option<u32>,
}

impl ImageView {
    /// `None` for what is not a picture.
    pub(crate) fn new(site: &Site, item: &dateline_core::media::MediaItem) -> Option<ImageView> {
        if !item.is_image() {
            return None;
        }
        let card = item.card_copy();
        Some(ImageView {
            src: item.path(),
            srcset: item.srcset(),
            width: item.width,
            height: item.height,
            alt: item.alt_text.clone(),
            caption: item.caption.clone(),
            card_url: format!("{}{}", site.base_url, card.path),
            card_width: card.width,
            card_height: card.height,
        })
    }
}
