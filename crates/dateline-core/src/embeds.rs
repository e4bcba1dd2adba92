//! What Dateline keeps of an embed's provider answer (oEmbed), asked once when a post is
//! saved and used for every page after: the card's title, author and thumbnail, and the player
//! Dateline derived from the link. A failed answer is kept too (with why), so the post shows
//! a plain link until the next save tries again.

use jiff::Timestamp;

use crate::media::MediaId;

/// A thumbnail image as stored by the first embeds (bytes in the embeds row), still served for
/// the cards saved into posts then; newer thumbnails are media items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    /// `image/jpeg`, `image/png`, `image/webp` or `image/gif`, read from the bytes.
    pub content_type: String,
}

/// One embed's answer as kept (one row per URL: a new answer replaces the old).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedAnswer {
    /// The link as the post gives it.
    pub url: String,
    /// The provider's key (`youtube`, `mastodon`, …).
    pub provider: String,
    /// The provider's name for itself (a Mastodon instance's), if it gave one.
    pub provider_name: Option<String>,
    pub title: Option<String>,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    /// The thumbnail's address at the provider, as the answer named it.
    pub thumbnail_url: Option<String>,
    /// The thumbnail in the media library, once fetched and stored (gone if deleted there).
    pub thumbnail_media: Option<MediaId>,
    /// The player Dateline derived from the link (never one the provider sent).
    pub player_url: Option<String>,
    pub fetched_at: Timestamp,
    /// Why no usable answer came (offline, refused, not oEmbed); `None` when it did.
    pub failure: Option<String>,
}

/// A stored embed: its row's id and the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub id: i64,
    pub answer: EmbedAnswer,
}
