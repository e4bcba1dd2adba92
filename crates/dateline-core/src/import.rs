//! What an importer hands the store: records from another blog engine, keyed by where they
//! came from (`source_key`, e.g. `wxr:http://old.example:post:42`), so importing the same
//! export again updates instead of duplicating. One [`ImportSession`] is one transaction.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::model::*;
use crate::store::StoreResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportAuthor {
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    /// The account's id on the old site, which its comments name.
    pub wp_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTerm {
    pub taxonomy: Taxonomy,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Slug of the parent category, which may be imported later.
    pub parent_slug: Option<String>,
    pub meta: Vec<(String, String)>,
}

pub use crate::model::BodyFormat;

/// A post or page from another engine: the post as every door writes it, and what only an
/// import knows (where it came from, its old id and dates, its author and terms by the old
/// site's names, its metadata).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportPost {
    /// The post. The session fills in `author`, `parent_id`, `category_ids` and `tag_ids` from
    /// the names below; whatever the importer put there is replaced.
    pub write: PostWrite,
    pub source_key: String,
    /// The id the post had (WordPress's post ID), kept when free so `/?p=ID` still works.
    pub wanted_id: Option<PostId>,
    /// When it was last changed on the old site (an editor's save sets it to now).
    pub updated_at: Timestamp,
    /// Login of the author; created as an author account when unknown.
    pub author_login: String,
    pub parent_source_key: Option<String>,
    /// (slug, name) of each category; created when the export did not declare it.
    pub categories: Vec<(String, String)>,
    /// (slug, name) of each tag.
    pub tags: Vec<(String, String)>,
    pub meta: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportComment {
    pub source_key: String,
    /// The parent comment's key; it may be imported after this one.
    pub parent_source_key: Option<String>,
    pub comment: NewComment,
    /// For a comment in the trash: where Restore puts it back (WordPress's `_wp_trash_meta_status`).
    pub status_before_trash: Option<CommentStatus>,
    /// The old site's id of the account that wrote it, when its author was signed in.
    pub wp_user_id: Option<i64>,
    pub meta: Vec<(String, String)>,
}

/// An uploaded file known by its URL (files are not downloaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportMedia {
    pub source_key: String,
    pub wanted_id: Option<i64>,
    pub parent_source_key: Option<String>,
    pub title: String,
    pub url: String,
    pub mime_type: Option<String>,
    pub created_at: Timestamp,
    pub meta: Vec<(String, String)>,
}

/// Where an old address now leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectTarget {
    /// The post imported under this key (its current permalink, computed when asked).
    Post(String),
    Url(String),
}

/// A redirect as stored: to a post by id, or to a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    Post(PostId),
    Url(String),
}

/// A media record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub id: i64,
    pub post_id: Option<PostId>,
    pub title: String,
    pub url: String,
    pub mime_type: Option<String>,
    pub created_at: Timestamp,
    /// The import's key (`wxr:SITE:post:ID`), for finding a post's featured image by its
    /// `_thumbnail_id`; `None` for uploads.
    pub source_key: Option<String>,
    /// Whether its file is stored here (then `url` is the local path), not only known by its
    /// address on the old site.
    pub stored: bool,
}

/// An imported post's or page's text, as `import wxr --media fetch` reads it to point the
/// images it shows at their local copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedText {
    pub id: PostId,
    pub source_key: String,
    pub author_id: UserId,
    pub body_source: String,
    pub body_html: String,
    pub featured_media: Option<i64>,
    /// The old site's `_thumbnail_id` meta: the WordPress id of its featured image.
    pub thumbnail_id: Option<i64>,
}

/// One import, in one transaction: dropped without [`ImportSession::finish`], nothing stays.
#[async_trait]
pub trait ImportSession: Send {
    async fn author(&mut self, author: &ImportAuthor) -> StoreResult<UserId>;
    async fn term(&mut self, term: &ImportTerm) -> StoreResult<TermId>;
    /// Creates or updates a post or page; returns its id.
    async fn post(&mut self, post: &ImportPost) -> StoreResult<PostId>;
    /// Creates or updates a comment of post `post`. It may be written later, many to a
    /// statement: an error it causes may come from a later call or from `finish`.
    async fn comment(&mut self, post: PostId, comment: ImportComment) -> StoreResult<()>;
    async fn media(&mut self, media: &ImportMedia) -> StoreResult<i64>;
    async fn redirect(&mut self, path: &str, target: &RedirectTarget) -> StoreResult<()>;
    /// Replaces the shown HTML of the post imported as `source_key` (rendered again once the
    /// rest of the file was known, as for a gallery of the post's attachments).
    async fn set_body_html(&mut self, source_key: &str, html: &str) -> StoreResult<()>;
    /// Links what was imported out of order (parents after children), then commits.
    async fn finish(self: Box<Self>) -> StoreResult<()>;
}
