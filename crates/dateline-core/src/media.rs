//! Media items: uploaded files as the library, the API and pages see them. What a file is and
//! how it is processed belongs to `dateline-media`; storing it to [`crate::MediaStore`].

use jiff::Timestamp;
use serde::Serialize;

use crate::UserId;

pub type MediaId = i64;

/// An uploaded file, with its resized variants (images only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaItem {
    pub id: MediaId,
    pub author_id: UserId,
    pub title: String,
    /// What a screen reader says in place of the picture.
    pub alt_text: String,
    /// Plain text shown under the picture.
    pub caption: String,
    pub mime_type: String,
    pub byte_size: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The hex SHA-256 of the stored file: its address (`/media/{hash}/{file_name}`).
    pub content_hash: String,
    /// The uploaded file's name, cleaned (letters, digits, `.-_`); shown and used in URLs.
    pub file_name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Narrowest first; for each width, the original format then WebP.
    pub variants: Vec<MediaVariant>,
}

impl MediaItem {
    /// Whether pages show it as a picture.
    pub fn is_image(&self) -> bool {
        self.mime_type.starts_with("image/")
    }

    /// The path the original is served at.
    pub fn path(&self) -> String {
        format!("/media/{}/{}", self.content_hash, self.file_name)
    }

    /// `srcset` candidates: the resized copies in the original's format, then the original
    /// (when its width is known), narrowest first.
    pub fn srcset(&self) -> String {
        let mut candidates: Vec<String> = self.same_format_variants().map(|v| format!("{} {}w", self.variant_path(v), v.width)).collect();
        if let Some(width) = self.width {
            candidates.push(format!("{} {width}w", self.path()));
        }
        candidates.join(", ")
    }

    /// The path a variant is served at: the item's name with the width and the variant's
    /// extension (`photo-640.webp`).
    pub fn variant_path(&self, variant: &MediaVariant) -> String {
        let stem = self.file_name.rsplit_once('.').map_or(self.file_name.as_str(), |(stem, _)| stem);
        let ext = variant.mime_type.rsplit('/').next().unwrap_or("bin").replace("jpeg", "jpg");
        format!("/media/{}/{stem}-{}.{ext}", variant.content_hash, variant.width)
    }
}

/// Share cards and feed enclosures point at no copy wider than this.
const CARD_MAX_WIDTH: u32 = 1600;

/// One stored copy of an item (the original or a variant), as pages and feeds point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaCopy {
    /// Site-relative (`/media/{hash}/{name}`).
    pub path: String,
    pub mime_type: String,
    pub byte_size: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl MediaItem {
    fn original_copy(&self) -> MediaCopy {
        MediaCopy {
            path: self.path(),
            mime_type: self.mime_type.clone(),
            byte_size: self.byte_size,
            width: self.width,
            height: self.height,
        }
    }

    fn variant_copy(&self, variant: &MediaVariant) -> MediaCopy {
        MediaCopy {
            path: self.variant_path(variant),
            mime_type: variant.mime_type.clone(),
            byte_size: variant.byte_size,
            width: Some(variant.width),
            height: Some(variant.height),
        }
    }

    /// The variants in the original's format (what `srcset`s list: every browser shows them).
    pub fn same_format_variants(&self) -> impl Iterator<Item = &MediaVariant> {
        self.variants.iter().filter(|v| v.mime_type == self.mime_type)
    }

    /// What share cards and feed enclosures take: the widest copy up to 1600 px in the
    /// original's format, or the original when it is no wider.
    pub fn card_copy(&self) -> MediaCopy {
        let wider = self.width.is_some_and(|w| w > CARD_MAX_WIDTH);
        match self.same_format_variants().filter(|v| v.width <= CARD_MAX_WIDTH).max_by_key(|v| v.width).filter(|_| wider) {
            Some(variant) => self.variant_copy(variant),
            None => self.original_copy(),
        }
    }

    /// The narrowest copy in the original's format (the original when there is no variant):
    /// what thumbnails show.
    pub fn smallest_copy(&self) -> MediaCopy {
        match self.same_format_variants().min_by_key(|v| v.width) {
            Some(variant) => self.variant_copy(variant),
            None => self.original_copy(),
        }
    }
}

/// A resized copy of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaVariant {
    pub width: u32,
    pub height: u32,
    pub mime_type: String,
    pub byte_size: i64,
    pub content_hash: String,
}

/// Bytes to store under a content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub content_hash: String,
    pub mime_type: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: Vec<u8>,
}

/// An upload, processed and ready to store: every file is written, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMedia {
    pub author_id: UserId,
    pub title: String,
    pub alt_text: String,
    pub caption: String,
    pub file_name: String,
    pub original: NewFile,
    /// Each with a width and height.
    pub variants: Vec<NewFile>,
    pub created_at: Timestamp,
}

/// The fields a person edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaEdit {
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
}

/// Which items a library listing wants, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaQuery {
    /// Words found in the title, alt text, caption or file name.
    pub search: Option<String>,
    /// A MIME type prefix: `image/`, `audio/`, `video/`, `application/pdf`.
    pub mime_prefix: Option<String>,
    /// Uploaded in `[from, to)`: a month of the filter.
    pub between: Option<(Timestamp, Timestamp)>,
    pub author_id: Option<UserId>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// A stored file and its type, for serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub mime_type: String,
    pub bytes: Vec<u8>,
    /// The item's original file name (for `Content-Disposition` of documents).
    pub file_name: String,
}

/// Where the bytes of uploads live when they are kept outside the database and its folder: an
/// S3-compatible bucket (`dateline-s3`), shared by every instance. Files are named by their
/// content hash, so putting the same bytes twice is harmless. The store decides when to put
/// and delete (before its rows commit; once no row names a hash); this only moves bytes.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// Stores these bytes under their hex SHA-256 `hash`.
    async fn put(&self, hash: &str, bytes: &[u8], content_type: &str) -> Result<(), ObjectError>;
    /// The bytes stored under `hash`, `None` when there are none.
    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, ObjectError>;
    /// Whether bytes are stored under `hash` (a HEAD: nothing is read).
    async fn exists(&self, hash: &str) -> Result<bool, ObjectError>;
    /// Removes the bytes under `hash` (no error when there were none).
    async fn delete(&self, hash: &str) -> Result<(), ObjectError>;
}

/// An object storage request that failed: the service refused it or could not be reached.
/// The text names the operation and the status, never a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("object storage: {0}")]
pub struct ObjectError(pub String);
