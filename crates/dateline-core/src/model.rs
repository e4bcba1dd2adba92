//! The domain types. Ids are the store's integers (WordPress-compatible: `/?p=ID`), times
//! are UTC instants (`jiff::Timestamp`); the site's timezone is applied only when shown.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub type PostId = i64;
pub type CommentId = i64;
pub type TermId = i64;
pub type UserId = i64;

/// Declares a closed set of names stored as text, with parsing and display.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored name; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted names joined for an error message.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// What the last checks of a source's link found (see `crate::sources` for the rules):
    /// not checked yet; ok (a page answers, perhaps after temporary redirects); moved
    /// (permanently redirected, 301/308, to a page that answers: the link can be updated);
    /// gone (404 or 410 twice in a row); unreachable (no usable answer at the last check: a
    /// timeout, a refused connection, an error status, a first 404).
    SourceState { Unchecked = "unchecked", Ok = "ok", Moved = "moved", Gone = "gone", Unreachable = "unreachable" }
}

text_enum! {
    /// A post is dated and appears in the stream and feeds; a page is a standalone document.
    PostKind { Post = "post", Page = "page" }
}

text_enum! {
    /// Publication state. `Scheduled` posts become visible by themselves once `published_at`
    /// has passed: visibility is decided at request time, so no background job is needed.
    PostStatus {
        Draft = "draft",
        Pending = "pending",
        Scheduled = "scheduled",
        Published = "published",
        Private = "private",
        Trash = "trash",
    }
}

text_enum! {
    /// Whether a post takes new comments (WordPress's `comment_status`).
    Discussion { Open = "open", Closed = "closed" }
}

impl Discussion {
    /// Where a new entry starts, as in WordPress: posts open, pages closed (a page takes
    /// comments when its author opens them).
    pub fn default_for(kind: PostKind) -> Discussion {
        match kind {
            PostKind::Post => Discussion::Open,
            PostKind::Page => Discussion::Closed,
        }
    }
}

text_enum! {
    /// Moderation state of a comment. Only approved comments are shown, counted and fed.
    CommentStatus { Pending = "pending", Approved = "approved", Spam = "spam", Trash = "trash" }
}

text_enum! {
    /// What kind of response a comment is. Pingbacks and trackbacks come from other sites;
    /// `note` is a block-editor note, kept but never shown publicly.
    CommentKind { Comment = "comment", Pingback = "pingback", Trackback = "trackback", Note = "note" }
}

text_enum! {
    /// What the spam filter was taught a comment is.
    SpamLabel { Spam = "spam", Ham = "ham" }
}

text_enum! {
    /// The two taxonomies: hierarchical categories and flat tags.
    Taxonomy { Category = "category", Tag = "tag" }
}

text_enum! {
    /// Who a quoted story is credited to: the outlet that published it, or a reporter who wrote
    /// it. Each is a thing of its own (issue 10), with a page at `/source/{slug}/` or
    /// `/reporter/{slug}/` listing every post quoting it.
    BylineKind { Outlet = "outlet", Reporter = "reporter" }
}

text_enum! {
    /// Account roles with WordPress's meaning.
    Role { Administrator = "administrator", Editor = "editor", Author = "author", Contributor = "contributor" }
}

/// Where a link post's story comes from: the reporter, the outlet, and the quoted excerpt.
/// Every field may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Source {
    pub reporter: Option<String>,
    pub outlet: Option<String>,
    /// Absolute http(s) URL of the source story, if known.
    pub url: Option<String>,
    /// The source's own headline, quoted at the top of the excerpt block.
    pub headline: Option<String>,
    /// Quoted paragraphs, as plain text.
    pub excerpt: Vec<String>,
    /// The words of the link out, e.g. "Continue reading HERE."; a default is used when absent.
    pub continue_reading_text: Option<String>,
    /// How many words the whole source story has, when known (counted when it was clipped, or
    /// given by the writer): the base of the site's percentage quote limit. Not part of the
    /// attribution, so a source with only this is still empty. Left out of the serialized form
    /// when unknown, so an export of a post without it reads as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<u32>,
    /// An archived copy of the story (the Wayback Machine, archive.today), absolute http(s):
    /// where "Continue reading" leads once the source itself is gone.
    pub archive_url: Option<String>,
}

impl Source {
    /// True when nothing is known about the source, so no attribution block is shown.
    pub fn is_empty(&self) -> bool {
        self.reporter.is_none()
            && self.outlet.is_none()
            && self.url.is_none()
            && self.headline.is_none()
            && self.excerpt.is_empty()
            && self.archive_url.is_none()
    }
}

/// An outlet or a reporter, as stored: linked to the posts whose attribution names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Byline {
    pub id: i64,
    pub kind: BylineKind,
    pub name: String,
    /// The `/source/{slug}/` or `/reporter/{slug}/` part.
    pub slug: String,
    /// An outlet's web domains ("miamiherald.com", without "www."), by which a post's source
    /// URL finds it; always empty for a reporter.
    pub domains: Vec<String>,
    /// Posts of any status linked to it (what an editor counts).
    pub posts: i64,
    /// Posts readers can see now (what decides whether its page is worth a sitemap entry).
    pub public_posts: i64,
}

/// An outlet or reporter as a post carries it: enough to link its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BylineRef {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

/// What a byline's address finds: the byline, or (an old slug kept after a rename or a merge)
/// the slug it lives at now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BylineFound {
    Here(Byline),
    Moved(String),
}

/// What a link to a post needs, without its body: a related post, a page in the navigation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostLink {
    pub id: PostId,
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub published_at: Timestamp,
}

/// What every public page shows around its content, read in one statement: the categories
/// (the posts' category paths and the sidebar) and the blog's top-level pages readers may see
/// (the navigation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteFrame {
    /// Every category, by name.
    pub categories: Vec<Term>,
    /// The top-level pages readers may see, newest first.
    pub pages: Vec<PostLink>,
}

/// A post as its own page reads it (see [`crate::PostStore::post_page_by_slug`]), with what
/// tells the page whether what it read of the rest before still stands.
#[derive(Debug, Clone, PartialEq)]
pub struct PostPageRead {
    pub post: Post,
    /// The versions the database keeps of the post's comments and of the rest of the blog.
    pub versions: PageVersions,
    /// The post's source was last found gone (see [`crate::SourceStore::gone_sources`]).
    pub source_gone: bool,
}

/// The versions of what a post page shows besides the post, as read. The database moves them
/// on every write to what they cover, whoever makes it, to numbers it never gave before, so
/// what was read at one version is what would be read again while the version is that one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageVersions {
    /// The posts, terms, and posts' terms and bylines (what the frame and the related posts
    /// show; migration 0027). What was read at one version also holds only until the
    /// `content_due` it was read with: a post becoming due changes it without a write.
    pub content: i64,
    /// The post's comments (migration 0026); 0 when none of them was ever written.
    pub comments: i64,
}

/// What a post's page shows besides the post, read in one statement (see
/// [`crate::PostStore::post_surroundings`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostSurroundings {
    /// What every public page shows around its content (`None` when not asked).
    pub frame: Option<SiteFrame>,
    /// The comments' tree, as [`crate::CommentStore::comment_tree`] gives it (`None` when not
    /// asked).
    pub comment_tree: Option<Vec<CommentNode>>,
    /// As [`crate::BylineStore::related_posts`] gives them (`None` when not asked).
    pub related: Option<Vec<PostLink>>,
    /// The post's source was last found gone (see [`crate::SourceStore::gone_sources`]; `false`
    /// when not asked).
    pub source_gone: bool,
    /// The versions of what was read.
    pub versions: PageVersions,
    /// When the first post or page readers may not see yet becomes due, if any: the frame and
    /// the related posts may change then without a write. Read when either of them is asked.
    pub content_due: Option<Timestamp>,
}

/// What [`crate::PostStore::post_surroundings`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Surroundings {
    /// The frame, with at most this many pages in the navigation, if asked.
    pub frame: Option<u32>,
    /// The tree of the post's comments of this status, if any.
    pub comments: Option<CommentStatus>,
    /// At most this many related posts (0: none).
    pub related: u32,
    /// Whether the post's source was last found gone (`false` when not asked: a post's own page
    /// reads it with the post, see [`crate::PostPageRead`]).
    pub source_gone: bool,
}

/// An account that writes posts (and, with the admin, logs in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    /// The `/author/{slug}/` part.
    pub slug: String,
    pub role: Role,
    /// Never shown publicly.
    pub email: Option<String>,
}

/// A category or a tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    pub id: TermId,
    pub taxonomy: Taxonomy,
    pub name: String,
    pub slug: String,
    pub description: String,
    /// Parent category; always `None` for tags.
    pub parent_id: Option<TermId>,
}

/// A post or page as stored, with what every page that shows it needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Post {
    pub id: PostId,
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    /// One line of commentary under the title.
    pub dek: Option<String>,
    /// The body as the author wrote it (Markdown).
    pub body_source: String,
    /// Markdown written here, or HTML from WordPress (shown through its own rules).
    pub body_format: BodyFormat,
    /// The body rendered and sanitized when it was saved; safe to emit as is.
    pub body_html: String,
    pub source: Option<Source>,
    pub status: PostStatus,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
    pub author: User,
    pub sticky: bool,
    pub discussion: Discussion,
    pub categories: Vec<Term>,
    pub tags: Vec<Term>,
    /// The outlet its attribution names, linked when the post was written.
    pub outlet: Option<BylineRef>,
    /// The reporters its attribution names, in the order written.
    pub reporters: Vec<BylineRef>,
    /// Approved comments only. 0 when read by [`crate::PostStore::post_page_by_slug`] for a
    /// post without a password: its page counts them from the comments it reads.
    pub comment_count: i64,
    /// A manual summary (WordPress's excerpt).
    pub excerpt: Option<String>,
    /// Readers must give this password to read the post (WordPress's protected posts).
    pub password: Option<String>,
    /// The parent page, for page hierarchies.
    pub parent_id: Option<PostId>,
    /// Position among siblings (WordPress's menu order).
    pub menu_order: i64,
    /// The last time an editor allowed this post to quote more than the site's limit.
    pub quote_override: Option<QuoteOverride>,
    /// The media item shown at the top of the post and on share cards.
    pub featured_media: Option<i64>,
}

/// An editor's (or administrator's) decision to publish a post over the site's quote limit:
/// who, when, and how many quoted words they allowed. Kept as history when the post later
/// quotes less; a later save that quotes more than `words` needs a new decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteOverride {
    /// The account that allowed it; `None` once that account is deleted.
    pub by: Option<UserId>,
    /// Its display name, as read back (ignored when written).
    pub by_name: Option<String>,
    pub at: Timestamp,
    /// The words the post quoted when it was allowed.
    pub words: u32,
}

impl Post {
    /// The address of the story it quotes, if its attribution gives one.
    pub fn source_url(&self) -> Option<&str> {
        self.source.as_ref().and_then(|source| source.url.as_deref())
    }

    /// Whether a visitor may see this post at `now`.
    pub fn is_public_at(&self, now: Timestamp) -> bool {
        matches!(self.status, PostStatus::Published | PostStatus::Scheduled) && self.published_at <= now
    }

    /// Whether anyone may read its content and comments at `now`: public, and not behind a
    /// password (a protected post is listed, but its words and discussion are not shown).
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        self.is_public_at(now) && self.password.is_none()
    }
}

/// A reader comment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    pub post_id: PostId,
    pub parent_id: Option<CommentId>,
    pub kind: CommentKind,
    /// `None` when the commenter gave no name (shown without a name, as on the seed page).
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub author_url: Option<String>,
    pub author_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The comment as written (a small Markdown subset, or WordPress's HTML when imported),
    /// rendered when shown.
    pub body: String,
    pub body_format: BodyFormat,
    pub status: CommentStatus,
    pub created_at: Timestamp,
    /// Why the comment was held or marked spam, in words a moderator can act on.
    pub moderation_reason: Option<String>,
    /// The spam filter's probability that this is spam, when it was scored.
    pub spam_score: Option<f64>,
    /// The commenter asked to be told by email about replies.
    pub notify: bool,
    /// The account of a commenter who was signed in (WordPress's `user_id`).
    pub user_id: Option<UserId>,
    /// While in the trash: the status it had before, where Restore puts it back.
    pub status_before_trash: Option<CommentStatus>,
}

/// A comment's place in its post's threads, and the revision of its row: the database raises
/// it on every change to the row, whoever writes it, so a thread whose members' revisions are
/// unchanged shows exactly as before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommentNode {
    pub id: CommentId,
    pub parent_id: Option<CommentId>,
    pub revision: i64,
}

/// How a post body or a comment is written: Dateline's Markdown, or HTML from another engine
/// (WordPress), which is shown through the matching sanitizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    #[default]
    Markdown,
    Html,
}

impl BodyFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Markdown => "markdown",
            BodyFormat::Html => "html",
        }
    }

    /// The stored name back; anything unknown is Markdown, the default.
    pub fn parse(text: &str) -> BodyFormat {
        if text == "html" { BodyFormat::Html } else { BodyFormat::Markdown }
    }
}

impl Comment {
    /// Where Restore takes this comment: out of the trash to the status it had before (held
    /// when that is unknown, as WordPress does); anywhere else, nowhere.
    pub fn restored_status(&self) -> CommentStatus {
        match self.status {
            CommentStatus::Trash => self.status_before_trash.unwrap_or(CommentStatus::Pending),
            other => other,
        }
    }
}

/// A post to create whose author and terms are named rather than known by id, with its
/// comments: what `dateline post new`, the demo and tests hand the store, which resolves the
/// names (making what is missing) and writes everything in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPost {
    /// The post itself. Its `author` is used when `author_name` is `None`; the store adds the
    /// named terms below to `category_ids` and `tag_ids`.
    pub write: PostWrite,
    /// Display name of the author; the account is created (as an author) when missing.
    pub author_name: Option<String>,
    /// Each category as its path from the root, e.g. `["World", "Europe"]`.
    pub categories: Vec<Vec<String>>,
    pub tags: Vec<String>,
    pub comments: Vec<NewComment>,
}

/// A post as every door writes it: the admin's editor, the REST API, the command line, the
/// demo and an import. Every field, the author and terms by id. The one shape of a write;
/// [`NewPost`] and [`crate::import::ImportPost`] wrap it with what their writers name
/// differently.
#[derive(Debug, Clone, PartialEq)]
pub struct PostWrite {
    pub kind: PostKind,
    pub title: String,
    /// Made unique by the store.
    pub slug: String,
    pub dek: Option<String>,
    pub excerpt: Option<String>,
    pub body_source: String,
    pub body_format: BodyFormat,
    pub body_html: String,
    pub source: Option<Source>,
    pub status: PostStatus,
    pub published_at: Timestamp,
    pub author: UserId,
    pub sticky: bool,
    pub discussion: Discussion,
    pub password: Option<String>,
    /// The parent page (pages only).
    pub parent_id: Option<PostId>,
    pub menu_order: i64,
    pub category_ids: Vec<TermId>,
    pub tag_ids: Vec<TermId>,
    /// Set by `dateline_app::posts` when an editor publishes over the quote limit; kept from
    /// the post otherwise.
    pub quote_override: Option<QuoteOverride>,
    /// The media item shown at the top of the post and on share cards (an id in the library).
    pub featured_media: Option<i64>,
}

impl PostWrite {
    /// An empty draft of `kind` by `author`, dated now, to fill in.
    pub fn new_draft(kind: PostKind, author: UserId, body_format: BodyFormat) -> PostWrite {
        PostWrite {
            kind,
            title: String::new(),
            slug: String::new(),
            dek: None,
            excerpt: None,
            body_source: String::new(),
            body_format,
            body_html: String::new(),
            source: None,
            status: PostStatus::Draft,
            published_at: Timestamp::now(),
            author,
            sticky: false,
            discussion: Discussion::default_for(kind),
            password: None,
            parent_id: None,
            menu_order: 0,
            category_ids: Vec::new(),
            tag_ids: Vec::new(),
            quote_override: None,
            featured_media: None,
        }
    }

    /// A post as it stands, as a whole write: change a field and save it back.
    pub fn from_post(post: &Post) -> PostWrite {
        PostWrite {
            kind: post.kind,
            title: post.title.clone(),
            slug: post.slug.clone(),
            dek: post.dek.clone(),
            excerpt: post.excerpt.clone(),
            body_source: post.body_source.clone(),
            body_format: post.body_format,
            body_html: post.body_html.clone(),
            source: post.source.clone(),
            status: post.status,
            published_at: post.published_at,
            author: post.author.id,
            sticky: post.sticky,
            discussion: post.discussion,
            password: post.password.clone(),
            parent_id: post.parent_id,
            menu_order: post.menu_order,
            category_ids: post.categories.iter().map(|t| t.id).collect(),
            tag_ids: post.tags.iter().map(|t| t.id).collect(),
            quote_override: post.quote_override.clone(),
            featured_media: post.featured_media,
        }
    }
}

/// A comment to create with a new post, or on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct NewComment {
    pub kind: CommentKind,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub author_url: Option<String>,
    pub author_ip: Option<String>,
    pub user_agent: Option<String>,
    pub body: String,
    pub body_format: BodyFormat,
    pub status: CommentStatus,
    pub created_at: Timestamp,
    pub moderation_reason: Option<String>,
    pub spam_score: Option<f64>,
    pub notify: bool,
    /// The account of a commenter who was signed in.
    pub user_id: Option<UserId>,
    /// With a new post: 0-based position of the parent in the same list.
    pub parent_index: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_enums_round_trip() {
        for status in PostStatus::ALL {
            assert_eq!(PostStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(PostStatus::parse("publish"), None);
        assert_eq!(Discussion::expected(), "open, closed");
    }
}
