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
        let mut candidates: Vec<String> = self
            .variants
            .iter()
            .filter(|v| v.mime_type == self.mime_type)
            .map(|v| format!("{} {}w", self.variant_path(v), v.width))
            .collect();
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
