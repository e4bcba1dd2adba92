//! The storage interface. The HTTP layer and the command line talk to storage only through
//! [`Store`]; each operation that must be atomic is one method running its own transaction.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::model::*;

/// Why a store operation failed. Backends map their driver errors into these at their edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or reference rule would be broken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The input is not acceptable to the store (for example a comment parent on another post).
    #[error("invalid: {0}")]
    Invalid(String),
    /// Another writer holds the store (an import running beside the server on SQLite) or every
    /// connection is taken: nothing was written, and the same request may succeed in a moment.
    #[error("store busy: {0}")]
    Busy(String),
    /// The store takes no writes at all for now: its disk is full, or it is read-only (a
    /// PostgreSQL replica, a file on a read-only mount). Nothing was written; reading still
    /// works, and writing will again once an operator has made room.
    #[error("store cannot write: {0}")]
    CannotWrite(String),
    /// The database could not be reached or failed; the detail is for logs, not visitors.
    #[error("storage backend: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which posts a listing wants.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PostFilter {
    All,
    /// In this category or any of its descendants.
    Category(TermId),
    Tag(TermId),
    Author(UserId),
    /// Quoting this outlet.
    Outlet(i64),
    /// Quoting this reporter.
    Reporter(i64),
    /// Published in `[from, to)`.
    Between {
        from: Timestamp,
        to: Timestamp,
    },
}

/// A page of the public stream: only posts visible at `now`, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostQuery {
    pub kind: PostKind,
    pub filter: PostFilter,
    /// Visibility is decided against this instant (scheduled posts appear when it passes).
    pub now: Timestamp,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// Sticky posts first (the home page only, as WordPress does).
    pub sticky_first: bool,
}

/// Which comments a moderation list or comment feed wants, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentQuery {
    pub status: Option<CommentStatus>,
    pub post: Option<PostId>,
    /// Words to find in the text and the name (newest first still).
    pub search: Option<String>,
    /// Whether the search looks at the e-mail addresses given too (for moderators only).
    pub search_addresses: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// How an editor's list (the admin, the API) sorts posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOrder {
    Date,
    Id,
    Title,
    Modified,
    /// Best match first, for a query with words to find (by date without).
    Relevance,
}

/// Any posts, for people who may see more than the public stream: by status, author,
/// term and text, in any order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorQuery {
    pub kind: PostKind,
    /// Posts and pages together, `kind` aside (WordPress's search endpoint looks through both).
    pub any_kind: bool,
    /// Empty means every status but trash.
    pub statuses: Vec<PostStatus>,
    pub author: Option<UserId>,
    /// Only posts by this account, or posts readers can see at this instant: what someone who
    /// may not edit others' posts is shown of them (never others' drafts or private posts).
    pub readable_by: Option<(UserId, Timestamp)>,
    /// Posts in any of these categories (as WordPress's `categories` parameter).
    pub categories: Vec<TermId>,
    /// Posts with any of these tags.
    pub tags: Vec<TermId>,
    /// Not posts by any of these accounts (WordPress's `author_exclude`).
    pub exclude_authors: Vec<UserId>,
    /// Not posts in any of these categories (`categories_exclude`).
    pub exclude_categories: Vec<TermId>,
    /// Not posts with any of these tags (`tags_exclude`).
    pub exclude_tags: Vec<TermId>,
    /// Only posts with these slugs (WordPress's `slug`).
    pub slugs: Vec<String>,
    /// Only posts with these ids (WordPress's `include`).
    pub ids: Vec<PostId>,
    /// Not posts with these ids (WordPress's `exclude`).
    pub exclude: Vec<PostId>,
    /// Only sticky posts (`Some(true)`) or only others (`Some(false)`).
    pub sticky: Option<bool>,
    /// Skip this many, instead of whole pages (WordPress's `offset`).
    pub offset: Option<u32>,
    /// Words to find in the title or body.
    pub search: Option<String>,
    /// Only posts published at or before this instant (the API's view of "publish").
    pub published_before: Option<Timestamp>,
    /// Only posts published after this instant (WordPress's `after`).
    pub published_after: Option<Timestamp>,
    /// Leave out password-protected posts (a visitor's search must not see into them).
    pub without_password: bool,
    pub order: PostOrder,
    pub ascending: bool,
    pub page: u32,
    pub per_page: u32,
}

impl EditorQuery {
    /// What a reader finds for `words` among `kind` at `now`: public posts without a password
    /// (a reader's search must not answer questions about words behind one), best match first.
    pub fn readers_search(kind: PostKind, words: &str, now: Timestamp) -> EditorQuery {
        EditorQuery {
            search: Some(words.to_string()),
            without_password: true,
            order: PostOrder::Relevance,
            ..EditorQuery::public(kind, now)
        }
    }

    /// What readers can see of `kind` at `now`, newest first, ten to a page: the start of a
    /// public query, to narrow with `..` (search words, an author, a page).
    pub fn public(kind: PostKind, now: Timestamp) -> EditorQuery {
        EditorQuery {
            kind,
            any_kind: false,
            statuses: vec![PostStatus::Published, PostStatus::Scheduled],
            author: None,
            readable_by: None,
            categories: Vec::new(),
            tags: Vec::new(),
            exclude_authors: Vec::new(),
            exclude_categories: Vec::new(),
            exclude_tags: Vec::new(),
            slugs: Vec::new(),
            ids: Vec::new(),
            exclude: Vec::new(),
            sticky: None,
            offset: None,
            search: None,
            published_before: Some(now),
            published_after: None,
            without_password: false,
            order: PostOrder::Date,
            ascending: false,
            page: 1,
            per_page: 10,
        }
    }
}

/// At most `max` comments from `address` since `since` (WordPress's comment flood check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloodLimit {
    pub address: String,
    pub since: Timestamp,
    pub max: u32,
}

/// What [`Store::create_comment_checked`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum CommentOutcome {
    /// Stored (boxed: the refusals carry next to nothing).
    Created(Box<Comment>),
    /// The same commenter said exactly this on the post already.
    Duplicate,
    /// The address reached its limit; the oldest of its counted comments is from `oldest`.
    Flooded { oldest: Timestamp },
}

/// One page of results and the total across all pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

impl<T> Page<T> {
    /// Number of pages for `per_page` items each; at least 1, so an empty listing has a page.
    pub fn page_count(&self, per_page: u32) -> u32 {
        let per_page = u64::from(per_page.max(1));
        u32::try_from(self.total.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
    }
}

/// Posts and pages: the public stream and single entries, the editors' lists, writing, scheduling and deleting.
#[async_trait]
pub trait PostStore: Send + Sync {
    /// True when no post or page exists yet (the demo content fills only an empty store).
    async fn is_empty(&self) -> StoreResult<bool>;

    /// Creates a post with its author, terms and comments in one transaction.
    async fn create_post(&self, post: NewPost) -> StoreResult<Post>;

    /// Any post or page by id, whatever its status.
    async fn post_by_id(&self, id: PostId) -> StoreResult<Option<Post>>;

    /// Any post or page by its slug, whatever its status.
    async fn post_by_slug(&self, kind: PostKind, slug: &str) -> StoreResult<Option<Post>>;

    /// As [`PostStore::post_by_slug`], for the post's own page: `comment_count` is counted only
    /// for a post with a password (0 for the others). The page reads the approved comments of
    /// any post it shows them on (their tree with [`PostStore::post_surroundings`], or all of
    /// them for a reply form or a held comment) and counts them there. Only a locked post's
    /// page reads none; the default theme shows no count there, a theme of its own may.
    /// Counting them twice was a sixth of the post's own read on PostgreSQL for a 100-comment
    /// post (docs/PERFORMANCE.md, stop 33).
    ///
    /// With the post, in the same statement: the versions of its comments and of the rest of
    /// the blog (so the page can tell whether what it kept of them stands) and whether its
    /// source was last found gone. The post's source text (`body_source`, which the page never
    /// shows) is left unread, as empty.
    async fn post_page_by_slug(&self, kind: PostKind, slug: &str) -> StoreResult<Option<PostPageRead>>;

    /// The public stream, filtered and paginated, as readers are shown it: the posts' source
    /// text (`body_source`) is left unread, as empty.
    async fn list_posts(&self, query: &PostQuery) -> StoreResult<Page<Post>>;

    /// What every public page shows around its content, in one statement: every category,
    /// and the top-level pages readers may see at `now` (the navigation), newest first, at most
    /// `page_limit`: links only, read from narrow rows without bodies or terms.
    async fn site_frame(&self, now: Timestamp, page_limit: u32) -> StoreResult<SiteFrame>;

    /// What `post`'s page shows besides it, in one statement: the versions of what was read,
    /// and as `asked` says, the [`SiteFrame`], the comments' tree and the related posts (as
    /// [`CommentStore::comment_tree`] and [`BylineStore::related_posts`] give them), and whether
    /// its source was last found gone.
    async fn post_surroundings(&self, post: &Post, now: Timestamp, asked: Surroundings) -> StoreResult<PostSurroundings>;

    /// Every post or page of `kind`, whatever its status, oldest first (for export).
    async fn all_posts(&self, kind: PostKind) -> StoreResult<Vec<Post>>;

    /// Posts for an editor's list (any status).
    async fn editor_posts(&self, query: &EditorQuery) -> StoreResult<Page<Post>>;

    /// A reader's results page (`query` as [`EditorQuery::readers_search`] makes it, as
    /// [`PostStore::editor_posts`] answers it) and what the page shows around it (the
    /// [`SiteFrame`] at the query's time, at most `page_limit` pages). One statement where the
    /// store can (SQLite's reader index, most searches): each statement is a hand-over to a
    /// connection's thread and back, 5–7 % of a search's time (docs/PERFORMANCE.md, stop 37).
    /// The posts are for showing: their `body_source` (the editor's text) may be left empty.
    async fn readers_search_page(&self, query: &EditorQuery, page_limit: u32) -> StoreResult<(Page<Post>, SiteFrame)>;

    /// Creates (`id` None) or replaces a post with its terms, in one transaction.
    async fn save_post(&self, id: Option<PostId>, post: PostWrite) -> StoreResult<Post>;

    /// Deletes a post with its comments and meta for good.
    async fn delete_post(&self, id: PostId) -> StoreResult<()>;

    /// Marks scheduled posts whose time has come (at or before `now`) as published, as
    /// WordPress's scheduler does; returns how many. Readers see them from their time anyway;
    /// this keeps the admin's words and counts right.
    async fn publish_due_posts(&self, now: Timestamp) -> StoreResult<u64>;

    /// What a sitemap lists: (kind, slug, published, last changed) of every public post and
    /// page at `now`, without loading bodies.
    async fn sitemap_entries(&self, now: Timestamp) -> StoreResult<Vec<(PostKind, String, Timestamp, Timestamp)>>;

    /// How many posts and pages have each status.
    async fn post_counts(&self) -> StoreResult<Vec<(PostKind, PostStatus, i64)>>;
}

/// Categories and tags.
#[async_trait]
pub trait TermStore: Send + Sync {
    /// A term by taxonomy and slug.
    async fn term_by_slug(&self, taxonomy: Taxonomy, slug: &str) -> StoreResult<Option<Term>>;

    /// Every term of a taxonomy, by name.
    async fn terms(&self, taxonomy: Taxonomy) -> StoreResult<Vec<Term>>;

    /// A term by id.
    async fn term_by_id(&self, id: TermId) -> StoreResult<Option<Term>>;

    /// Creates a term (`Conflict` when the slug is taken in its taxonomy).
    async fn create_term(&self, taxonomy: Taxonomy, name: &str, slug: &str, description: &str, parent: Option<TermId>)
    -> StoreResult<Term>;

    /// How many public posts each term has (WordPress's `count`).
    async fn term_post_counts(&self, taxonomy: Taxonomy) -> StoreResult<std::collections::HashMap<TermId, i64>>;

    /// Renames a term (name, slug, description) and sets its parent (categories only; `None`
    /// for the top level); `Conflict` when the slug is taken, `Invalid` when the parent is the
    /// term itself or one of its descendants.
    async fn update_term(&self, id: TermId, name: &str, slug: &str, description: &str, parent: Option<TermId>) -> StoreResult<()>;

    /// Deletes a term: posts lose it, sub-categories move up to the root.
    async fn delete_term(&self, id: TermId) -> StoreResult<()>;
}

/// Outlets and reporters (issue 10): what the posts' attribution lines name, merged by editors.
/// Posts are linked to them by the store when written, whoever writes.
#[async_trait]
pub trait BylineStore: Send + Sync {
    /// Every outlet or every reporter, by name, with its post counts at `now`.
    async fn bylines(&self, kind: BylineKind, now: Timestamp) -> StoreResult<Vec<Byline>>;

    /// One by id, with its post counts at `now`.
    async fn byline_by_id(&self, kind: BylineKind, id: i64, now: Timestamp) -> StoreResult<Option<Byline>>;

    /// One by the slug of its page, or the slug it moved to (renamed or merged).
    async fn byline_by_slug(&self, kind: BylineKind, slug: &str, now: Timestamp) -> StoreResult<Option<BylineFound>>;

    /// Renames one (and sets an outlet's domains, given normalized); the old slug keeps
    /// leading to it. `Conflict` when the slug or a domain belongs to another, `NotFound`.
    async fn update_byline(&self, kind: BylineKind, id: i64, name: &str, slug: &str, domains: &[String]) -> StoreResult<()>;

    /// Merges `from` into `into` in one transaction: `from`'s posts are linked to `into`,
    /// its names, domains and slug become `into`'s (so its page redirects and new posts
    /// naming it find `into`), and it is gone.
    async fn merge_bylines(&self, kind: BylineKind, from: i64, into: i64) -> StoreResult<()>;

    /// Up to `limit` posts readers can see at `now` related to `post`: those quoting the same
    /// story URL first, then those sharing a reporter or the outlet, then those sharing one of
    /// its tags, newest first within each; never `post` itself. The story URL, reporters,
    /// outlet and tags are taken from `post` as given, not read again.
    /// One query. (A post's page reads them with the rest of its surroundings:
    /// [`PostStore::post_surroundings`].)
    async fn related_posts(&self, post: &Post, now: Timestamp, limit: u32) -> StoreResult<Vec<PostLink>>;
}

/// Comments: reading, storing under the duplicate and flood checks, moderating, and what the spam filter has learned.
#[async_trait]
pub trait CommentStore: Send + Sync {
    /// Comments of a post with the given status, oldest first.
    async fn comments_for_post(&self, post: PostId, status: CommentStatus) -> StoreResult<Vec<Comment>>;

    /// The shape of a post's threads: id, parent and revision of its comments with `status`,
    /// block-editor notes left out, oldest first. Choosing one comment page of threads needs
    /// only this, so a post with a thousand comments loads the fifty threads it shows, not all
    /// of them, and none of a thread already rendered as its revisions stand. (A post's page
    /// reads it with the rest of its surroundings: [`PostStore::post_surroundings`].)
    async fn comment_tree(&self, post: PostId, status: CommentStatus) -> StoreResult<Vec<CommentNode>>;

    /// The comments with these ids, oldest first (ids that do not exist are left out).
    async fn comments_by_ids(&self, ids: &[CommentId]) -> StoreResult<Vec<Comment>>;

    /// Adds one comment to an existing post.
    async fn create_comment(&self, post: PostId, parent: Option<CommentId>, comment: NewComment) -> StoreResult<Comment>;

    /// One comment, whatever its status.
    async fn comment_by_id(&self, id: CommentId) -> StoreResult<Option<Comment>>;

    /// Comments across the site (or one post), newest first.
    async fn list_comments(&self, query: &CommentQuery) -> StoreResult<Page<Comment>>;

    /// How many comments have each status.
    async fn comment_counts(&self) -> StoreResult<Vec<(CommentStatus, i64)>>;

    /// Moves a comment to `status` and, with a `lesson` (when the status changes), teaches the
    /// spam filter from its text in the same transaction; returns the comment as it was.
    async fn moderate_comment(&self, id: CommentId, status: CommentStatus, lesson: Option<SpamLabel>) -> StoreResult<Comment>;

    /// Moves a comment to `status`; returns it as it was before.
    async fn set_comment_status(&self, id: CommentId, status: CommentStatus) -> StoreResult<Comment>;

    /// Whether this commenter (by email, else by name) has an approved comment already.
    async fn has_approved_comment(&self, email: Option<&str>, name: Option<&str>) -> StoreResult<bool>;

    /// Adds a reader's comment unless, at that moment, the same commenter already said exactly
    /// this on the post, or the address sent too many lately: the checks and the insert are one
    /// step, so instances sharing the store cannot both let a duplicate or a flood through.
    async fn create_comment_checked(
        &self,
        post: PostId,
        parent: Option<CommentId>,
        comment: NewComment,
        flood: Option<&FloodLimit>,
    ) -> StoreResult<CommentOutcome>;

    /// Whether the same commenter already said exactly this on this post (trash aside).
    async fn is_duplicate_comment(&self, post: PostId, email: Option<&str>, name: Option<&str>, body: &str) -> StoreResult<bool>;

    /// Stops reply notifications for a comment's author; false when already stopped.
    async fn unsubscribe_comment(&self, id: CommentId) -> StoreResult<bool>;

    /// Learned spam-filter counts for these tokens, plus `spam::DOCUMENTS`.
    async fn spam_counts(&self, tokens: &[String]) -> StoreResult<std::collections::HashMap<String, crate::spam::Counts>>;

    /// Deletes a comment for good (its replies move up a level).
    async fn delete_comment(&self, id: CommentId) -> StoreResult<()>;

    /// Replaces a comment's text (a moderator's edit).
    async fn update_comment_body(&self, id: CommentId, body: &str) -> StoreResult<()>;

    /// Teaches the filter that a comment (with these tokens) is `label`, in one transaction:
    /// a comment taught before is untaught first, so relabelling never counts twice.
    async fn train_comment(&self, id: CommentId, tokens: &[String], label: SpamLabel) -> StoreResult<()>;
}

/// Accounts, sessions, login failures (throttling) and application passwords.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// An author by the slug of `/author/{slug}/`.
    async fn user_by_slug(&self, slug: &str) -> StoreResult<Option<User>>;

    /// Every account.
    async fn users(&self) -> StoreResult<Vec<User>>;

    /// The accounts with a post readers can see at `now` (WordPress's public authors).
    async fn public_author_ids(&self, now: Timestamp) -> StoreResult<Vec<UserId>>;

    /// Changes an account's shown name and email.
    async fn update_profile(&self, user: UserId, display_name: &str, email: Option<&str>) -> StoreResult<()>;

    /// Creates an account; `Conflict` when the login is taken.
    async fn create_user(&self, user: crate::accounts::NewUser) -> StoreResult<User>;

    /// An account and its password hash, by login or email (as WordPress's login accepts).
    async fn user_credentials(&self, login_or_email: &str) -> StoreResult<Option<(User, Option<String>)>>;

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;

    async fn set_password_hash(&self, user: UserId, hash: &str) -> StoreResult<()>;

    async fn set_role(&self, user: UserId, role: Role) -> StoreResult<()>;

    /// Deletes an account, in one transaction: its posts and pages go to `reassign_to` (which
    /// must exist and differ), its comments stay under the name they were written with, its
    /// sessions and application passwords end. Returns how many posts moved.
    async fn delete_user(&self, user: UserId, reassign_to: UserId) -> StoreResult<u64>;

    /// Remembers a session by the hash of its token until `expires_at`.
    async fn create_session(&self, token_hash: &str, user: UserId, expires_at: jiff::Timestamp) -> StoreResult<()>;

    /// The account of a live session.
    async fn session_user(&self, token_hash: &str, now: jiff::Timestamp) -> StoreResult<Option<User>>;

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    /// Ends every session of an account but one (after a password change).
    async fn end_other_sessions(&self, user: UserId, keep_token_hash: &str) -> StoreResult<()>;

    /// Counts a failed login for `key` (an account or an address).
    async fn note_login_failure(&self, key: &str, at: jiff::Timestamp) -> StoreResult<()>;

    /// Failed logins for `key` since `since`, and the oldest of them.
    async fn login_failures(&self, key: &str, since: jiff::Timestamp) -> StoreResult<(i64, Option<jiff::Timestamp>)>;

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()>;

    async fn create_app_password(&self, user: UserId, name: &str, hash: &str) -> StoreResult<crate::accounts::AppPassword>;

    async fn app_passwords(&self, user: UserId) -> StoreResult<Vec<crate::accounts::AppPassword>>;

    /// (id, hash) of each application password of an account, for checking a Basic login.
    async fn app_password_hashes(&self, user: UserId) -> StoreResult<Vec<(i64, String)>>;

    async fn touch_app_password(&self, id: i64, at: jiff::Timestamp) -> StoreResult<()>;

    /// Revokes one of `user`'s application passwords; false when there was none.
    async fn revoke_app_password(&self, user: UserId, id: i64) -> StoreResult<bool>;
}

/// Named settings kept in the store (the signing key, settings saved in the admin).
#[async_trait]
pub trait SettingStore: Send + Sync {
    /// An instance-wide setting, set to `init` the first time it is asked for. Every instance
    /// sharing the database sees the same value (used for signing secrets).
    async fn setting_or_init(&self, name: &str, init: &str) -> StoreResult<String>;

    /// An instance-wide setting, if it was ever set.
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;

    /// Sets an instance-wide setting (replacing its value).
    async fn set_setting(&self, name: &str, value: &str) -> StoreResult<()>;
}

/// Imports from WordPress (one transaction each), the old addresses they keep, media records and meta.
#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Starts an import: everything written through the session is one transaction.
    async fn begin_import(&self) -> StoreResult<Box<dyn crate::import::ImportSession>>;

    /// Where an old address (a path, or `/?attachment_id=N`) now leads, if anywhere.
    async fn redirect_for(&self, path: &str) -> StoreResult<Option<crate::import::Redirect>>;

    /// Every media record.
    async fn media(&self) -> StoreResult<Vec<crate::import::Media>>;

    /// Meta kept for a post ("post"), comment ("comment"), term ("term") or media ("media").
    async fn meta(&self, owner: &str, id: i64) -> StoreResult<Vec<(String, String)>>;

    /// Every old-site address a stored file was brought home from, with the item's id.
    async fn media_sources(&self) -> StoreResult<Vec<(String, crate::media::MediaId)>>;

    /// Stores a file fetched from `source_url` on the old site and remembers that address,
    /// all or nothing. With `record`, the file becomes that imported attachment's (its title
    /// kept, its alt text taken from `_wp_attachment_image_alt`); without, an item already
    /// holding the same bytes is reused, else a new item is added.
    async fn store_fetched_media(
        &self,
        record: Option<crate::media::MediaId>,
        source_url: &str,
        new: crate::media::NewMedia,
    ) -> StoreResult<crate::media::MediaItem>;

    /// The text of every imported post and page, with its `_thumbnail_id`.
    async fn imported_texts(&self) -> StoreResult<Vec<crate::import::ImportedText>>;

    /// Replaces an imported post's text (both forms) and featured image, as bringing its
    /// images home does: no revision, no new modification time (the content is the same).
    async fn localize_text(
        &self,
        id: PostId,
        body_source: &str,
        body_html: &str,
        featured_media: Option<crate::media::MediaId>,
    ) -> StoreResult<()>;
}

/// The sources posts link to, and what checking them found (keeping sources alive).
#[async_trait]
pub trait SourceStore: Send + Sync {
    /// Adds, as unchecked, every source URL of a published or scheduled post that has no row
    /// yet; returns how many. A check run starts with this.
    async fn add_missing_sources(&self) -> StoreResult<u64>;

    /// The sources cited by at least one published or scheduled post (only those in `state`
    /// when given), by URL.
    async fn sources(&self, state: Option<SourceState>) -> StoreResult<Vec<crate::sources::SourceLink>>;

    /// One source by its URL, cited or not.
    async fn source(&self, url: &str) -> StoreResult<Option<crate::sources::SourceLink>>;

    /// Which of these URLs the link checks found gone (one query for a page of posts).
    async fn gone_sources(&self, urls: &[String]) -> StoreResult<Vec<String>>;

    /// How many cited sources are in each state (states with none left out).
    async fn source_counts(&self) -> StoreResult<Vec<(SourceState, i64)>>;

    /// Stores what a check found (every field but the URL, which names the row).
    async fn record_source_check(&self, link: &crate::sources::SourceLink) -> StoreResult<()>;

    /// The posts (any status but trash) giving any of these URLs as their source, by URL then id.
    async fn posts_citing(&self, urls: &[String]) -> StoreResult<Vec<crate::sources::CitingPost>>;

    /// For each of these URLs whose source is moved, in one transaction: its posts' source URL
    /// becomes the final URL, which is recorded as an ok source. Returns how many posts changed.
    async fn update_moved_links(&self, urls: &[String]) -> StoreResult<u64>;
}

/// The oEmbed answers kept for embeds (see [`crate::embeds`]), one per URL.
#[async_trait]
pub trait EmbedStore: Send + Sync {
    /// Stores `answer`, replacing what was kept for its URL (an old row's thumbnail bytes
    /// included); returns it.
    async fn save_embed(&self, answer: &crate::embeds::EmbedAnswer) -> StoreResult<crate::embeds::Embed>;

    /// What is kept for these URLs (those with a row), in no particular order.
    async fn embeds(&self, urls: &[String]) -> StoreResult<Vec<crate::embeds::Embed>>;

    /// One embed's thumbnail as the first embeds kept it (bytes in the row), by the embed's id;
    /// newer thumbnails are media items.
    async fn embed_thumbnail(&self, id: i64) -> StoreResult<Option<crate::embeds::Thumbnail>>;
}

/// Named leases: work that one instance among those sharing the store must do at a time
/// (checking sources). A lease is the row (name, holder, expires_at).
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes the lease `name` for `holder` until `until` if it is free (never taken, or
    /// expired at `now`), whoever held it before: one atomic statement, so of several
    /// instances asking at once exactly one gets it. True when `holder` got it. A holder keeps
    /// or lets go of its lease with [`LeaseStore::hold_lease_until`].
    async fn take_lease(&self, name: &str, holder: &str, now: Timestamp, until: Timestamp) -> StoreResult<bool>;

    /// Moves the end of `holder`'s lease to `until` (earlier to let it go, later to keep
    /// others off until then); false when `holder` does not hold it.
    async fn hold_lease_until(&self, name: &str, holder: &str, until: Timestamp) -> StoreResult<bool>;
}

/// Word of changes made by anyone: this process, another process on the same SQLite file
/// (`dateline comments approve`, an import), or another instance on the same PostgreSQL.
/// Whatever keeps copies of what the store holds (the page cache) drops them when told.
#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// Starts watching for committed changes.
    async fn watch_changes(&self) -> StoreResult<Box<dyn ChangeWatch>>;

    /// The earliest time after `now` at which a scheduled post becomes public, if any (what
    /// readers see changes then, though nothing is written).
    async fn next_scheduled(&self, now: Timestamp) -> StoreResult<Option<Timestamp>>;

    /// Sends `mark` down the store's change notices, after everything committed so far: every
    /// watch hears [`Change::Mark`] after the notices of those commits. `false` where the store
    /// pushes no notices (SQLite), so there is nothing to mark.
    async fn mark_changes(&self, mark: &str) -> StoreResult<bool>;
}

/// What a [`ChangeWatch`] heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Something may have changed.
    Data,
    /// A mark sent with [`ChangeStore::mark_changes`]: every change committed before it was
    /// heard before it.
    Mark(String),
}

/// One watch over the store's changes.
#[async_trait]
pub trait ChangeWatch: Send {
    /// Returns once something may have changed since the watch began or since the last call
    /// returned. May return when nothing changed (after losing its connection, say); never
    /// stays silent about a committed change.
    async fn changed(&mut self) -> StoreResult<Change>;

    /// Whether a change was committed since the last look (or since the watch began), asked
    /// now. Where the store pushes its notices (PostgreSQL) this is always `false` and
    /// [`ChangeWatch::changed`] is the way to hear of them; where it must be asked (SQLite) the
    /// answer costs one small query.
    async fn look(&mut self) -> StoreResult<bool>;
}

/// Uploaded files and their variants (migration 0011). On SQLite the bytes live in a
/// directory beside the database, on PostgreSQL in the database itself, so that every
/// instance serves every upload. An upload is stored completely or not at all.
#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Stores the item's rows and every file, or nothing (a failure removes what was written).
    async fn add_media(&self, new: crate::media::NewMedia) -> StoreResult<crate::media::MediaItem>;

    /// One item with its variants.
    async fn media_item(&self, id: crate::media::MediaId) -> StoreResult<Option<crate::media::MediaItem>>;

    /// The items among `ids` that are in the library, with their variants, in no set order:
    /// a page of posts' featured images in two queries, however many posts (no N+1).
    async fn media_items(&self, ids: &[crate::media::MediaId]) -> StoreResult<Vec<crate::media::MediaItem>>;

    /// A page of the library, newest first.
    async fn list_media(&self, query: &crate::media::MediaQuery) -> StoreResult<Page<crate::media::MediaItem>>;

    /// The months (UTC, as (year, month)) in which something was uploaded, newest first.
    async fn media_months(&self) -> StoreResult<Vec<(i16, i8)>>;

    /// Changes the given fields; `NotFound` when there is no such item.
    async fn edit_media(
        &self,
        id: crate::media::MediaId,
        edit: &crate::media::MediaEdit,
        now: Timestamp,
    ) -> StoreResult<crate::media::MediaItem>;

    /// How many posts and pages (not trashed) use the item: as their featured image or by
    /// its address in their text.
    async fn media_usage(&self, id: crate::media::MediaId) -> StoreResult<u64>;

    /// Deletes the item, its variants and the files no other item shares; posts that
    /// featured it lose their featured image. `NotFound` when there is no such item.
    async fn delete_media(&self, id: crate::media::MediaId) -> StoreResult<()>;

    /// The stored file with this content hash (an original or a variant), if any.
    async fn media_file(&self, content_hash: &str) -> StoreResult<Option<crate::media::MediaFile>>;
}

/// The schema version a store is at, and the one this binary's migrations end at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersions {
    pub applied: i64,
    pub expected: i64,
}

/// The whole storage interface: every entity's store on one backend. The web, the application
/// and the command line talk to storage only through it (as `Arc<dyn Store>`).
#[async_trait]
pub trait Store:
    PostStore
    + TermStore
    + BylineStore
    + CommentStore
    + AccountStore
    + SettingStore
    + ImportStore
    + ChangeStore
    + SourceStore
    + LeaseStore
    + EmbedStore
    + MediaStore
    + 'static
{
    /// "sqlite" or "postgres", for logs and diagnostics.
    fn backend_name(&self) -> &'static str;

    /// The schema's version against this binary's (asking also shows the store answers): what
    /// a readiness check wants to know.
    async fn schema_versions(&self) -> StoreResult<SchemaVersions>;
}
