//! The media library, whichever door: uploading (who may, how often, what is accepted), editing
//! an item's alt text, caption and title, deleting (with "used by N posts" first) and listing.
//!
//! [`store_upload`] is the part every way in shares, without the rights and the rate limit: the
//! admin and the REST API call [`upload`], which checks those first; an embed's thumbnail is
//! stored with it directly ([`crate::embeds`]), and an import that brings an old blog's files
//! home (`import wxr --media fetch`, [`crate::media_fetch`]) uses [`prepare`].

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use dateline_core::accounts::Capability;
use dateline_core::config::MediaSettings;
use dateline_core::media::*;
use dateline_core::{Page, Store, StoreError, User, UserId};
pub use dateline_media::{Kind, MediaError};
use dateline_media::{Policy, Processor};
use jiff::Timestamp;
use tokio::sync::Mutex;

/// Images decoded and resized at once on this instance (the machine has few cores; more
/// uploads wait their turn rather than slow every page down).
const PROCESSING_SLOTS: usize = 2;

/// How uploads are checked and processed on this site, and each account's recent uploads.
#[derive(Debug)]
pub struct Uploads {
    processor: Processor,
    per_hour: u32,
    recent: Mutex<HashMap<UserId, VecDeque<Instant>>>,
}

impl Uploads {
    /// From the `[media]` settings; an unknown type name in `allowed_types` is an error.
    pub fn new(settings: &MediaSettings) -> Result<Uploads, String> {
        let allowed = settings
            .allowed_types
            .iter()
            .map(|name| Kind::from_name(name).ok_or_else(|| format!("media.allowed_types: {name:?} is not a type Dateline stores")))
            .collect::<Result<Vec<_>, _>>()?;
        let policy = Policy {
            max_bytes: settings.max_bytes() as u64,
            max_pixels: u64::from(settings.max_megapixels) * 1_000_000,
            allowed,
            widths: settings.widths.clone(),
        };
        Ok(Uploads { processor: Processor::new(policy, PROCESSING_SLOTS), per_hour: settings.uploads_per_hour, recent: Mutex::default() })
    }

    /// The largest upload accepted, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.processor.policy().max_bytes
    }

    /// Counts an upload by `user`, or says in how many minutes the next one is allowed.
    async fn take_turn(&self, user: UserId) -> Result<(), u64> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let hour = Duration::from_secs(3600);
        let now = Instant::now();
        let mut recent = self.recent.lock().await;
        let times = recent.entry(user).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= hour) {
            times.pop_front();
        }
        if times.len() >= self.per_hour as usize {
            let wait = times.front().map_or(hour, |t| hour.saturating_sub(now.duration_since(*t)));
            return Err(wait.as_secs().div_ceil(60).max(1));
        }
        times.push_back(now);
        Ok(())
    }
}

/// Why a media action was refused; the message is for the person who asked.
#[derive(Debug, thiserror::Error)]
pub enum MediaRefusal {
    #[error("you are not allowed to upload files")]
    CannotUpload,
    #[error("you are not allowed to change this file")]
    NotYours,
    #[error("too many uploads: try again in {0} minutes")]
    TooMany(u64),
    #[error("{0}")]
    Refused(#[from] MediaError),
    #[error("no such file in the media library")]
    NotFound,
    /// Deleting needs a confirmation: this many posts use the item.
    #[error("used by {0} posts: confirm to delete it anyway")]
    InUse(u64),
    #[error("{0}")]
    Store(StoreError),
}

impl From<StoreError> for MediaRefusal {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(_) => MediaRefusal::NotFound,
            other => MediaRefusal::Store(other),
        }
    }
}

/// What arrives with an upload besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct UploadInfo {
    /// The name the file had on the uploader's computer (only for showing and the address).
    pub file_name: String,
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub caption: Option<String>,
}

/// Uploads for `user`: their right to (authors and up), their hourly allowance, then
/// [`store_upload`].
pub async fn upload(
    store: &dyn Store,
    uploads: &Uploads,
    user: &User,
    info: UploadInfo,
    bytes: Vec<u8>,
) -> Result<MediaItem, MediaRefusal> {
    if !user.role.can(Capability::PublishPosts) {
        return Err(MediaRefusal::CannotUpload);
    }
    uploads.take_turn(user.id).await.map_err(MediaRefusal::TooMany)?;
    store_upload(store, uploads, user.id, info, bytes).await
}

/// Checks, processes (off the async workers) and stores a file as `author`'s: every file is
/// stored, or none.
pub async fn store_upload(
    store: &dyn Store,
    uploads: &Uploads,
    author: UserId,
    info: UploadInfo,
    bytes: Vec<u8>,
) -> Result<MediaItem, MediaRefusal> {
    let new = prepare(uploads, author, info, bytes).await?;
    Ok(store.add_media(new).await?)
}

/// Checks and processes (off the async workers) a file as `author`'s, ready to store.
pub async fn prepare(uploads: &Uploads, author: UserId, info: UploadInfo, bytes: Vec<u8>) -> Result<NewMedia, MediaRefusal> {
    let processed = uploads.processor.process(bytes).await?;
    let file_name = clean_file_name(&info.file_name, processed.kind);
    let title = info.title.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).unwrap_or_else(|| title_from(&file_name));
    let file = |kind: Kind, width, height, hash: String, bytes: Vec<u8>| NewFile {
        content_hash: hash,
        mime_type: kind.mime().into(),
        width,
        height,
        bytes,
    };
    Ok(NewMedia {
        author_id: author,
        title,
        alt_text: info.alt_text.unwrap_or_default().trim().to_string(),
        caption: info.caption.unwrap_or_default().trim().to_string(),
        file_name,
        original: file(processed.kind, processed.width, processed.height, processed.hash, processed.bytes),
        variants: processed.variants.into_iter().map(|v| file(v.kind, Some(v.width), Some(v.height), v.hash, v.bytes)).collect(),
        created_at: Timestamp::now(),
    })
}

/// One item, if `user` may change it: their own, or anyone's for editors and up.
async fn changeable(store: &dyn Store, user: &User, id: MediaId) -> Result<MediaItem, MediaRefusal> {
    let item = store.media_item(id).await?.ok_or(MediaRefusal::NotFound)?;
    if !user.role.can(Capability::PublishPosts) {
        return Err(MediaRefusal::CannotUpload);
    }
    if item.author_id != user.id && !user.role.can(Capability::EditOthersPosts) {
        return Err(MediaRefusal::NotYours);
    }
    Ok(item)
}

/// Changes an item's title, alt text or caption (plain text, trimmed).
pub async fn edit(store: &dyn Store, user: &User, id: MediaId, edit: MediaEdit) -> Result<MediaItem, MediaRefusal> {
    changeable(store, user, id).await?;
    let trim = |v: Option<String>| v.map(|v| v.trim().to_string());
    let edit = MediaEdit { title: trim(edit.title).filter(|t| !t.is_empty()), alt_text: trim(edit.alt_text), caption: trim(edit.caption) };
    Ok(store.edit_media(id, &edit, Timestamp::now()).await?)
}

/// Deletes an item: refused with [`MediaRefusal::InUse`] while posts use it, unless `confirmed`.
pub async fn delete(store: &dyn Store, user: &User, id: MediaId, confirmed: bool) -> Result<MediaItem, MediaRefusal> {
    let item = changeable(store, user, id).await?;
    let used = store.media_usage(id).await?;
    if used > 0 && !confirmed {
        return Err(MediaRefusal::InUse(used));
    }
    store.delete_media(id).await?;
    Ok(item)
}

/// A page of the library. Public, as WordPress's media listing is: the files are served to
/// anyone who has their address anyway.
pub async fn list(store: &dyn Store, query: &MediaQuery) -> Result<Page<MediaItem>, MediaRefusal> {
    Ok(store.list_media(query).await?)
}

/// The month filter's range for "2025-04" (UTC), if it is one.
pub fn month_range(text: &str) -> Option<(Timestamp, Timestamp)> {
    let (year, month) = text.trim().split_once('-')?;
    let start = jiff::civil::Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
    let end = start.checked_add(jiff::Span::new().months(1)).ok()?;
    let utc = |d: jiff::civil::Date| d.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    Some((utc(start)?, utc(end)?))
}

/// The MIME prefix a type filter names: image, audio, video or document (PDF).
pub fn type_prefix(filter: &str) -> Option<&'static str> {
    match filter {
        "image" => Some("image/"),
        "audio" => Some("audio/"),
        "video" => Some("video/"),
        "document" | "application" => Some("application/"),
        _ => None,
    }
}

/// The uploaded name made safe for an address and a download: its last path part, letters,
/// digits, `-` and `_` kept (others become `-`), lowercased, with the extension of what the
/// file really is.
pub fn clean_file_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let mut clean = String::new();
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' {
            clean.push(c);
        } else if !clean.ends_with('-') {
            clean.push('-');
        }
        if clean.len() >= 80 {
            break;
        }
    }
    let clean = clean.trim_matches('-');
    let stem = if clean.is_empty() { "file" } else { clean };
    format!("{stem}.{}", kind.extension())
}

/// "harbour-at_dawn.jpg" -> "harbour at dawn".
fn title_from(file_name: &str) -> String {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
    stem.replace(['-', '_'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned_and_get_the_real_extension() {
        assert_eq!(clean_file_name("C:\\Users\\ana\\IMG 2041 (1).JPG", Kind::Jpeg), "img-2041-1.jpg");
        assert_eq!(clean_file_name("../../etc/passwd", Kind::Png), "passwd.png");
        assert_eq!(clean_file_name("photo.jpg", Kind::Png), "photo.png");
        assert_eq!(clean_file_name("<script>.gif", Kind::Gif), "script.gif");
        assert_eq!(clean_file_name("", Kind::Pdf), "file.pdf");
        assert_eq!(title_from("harbour-at_dawn.jpg"), "harbour at dawn");
    }

    #[test]
    fn months_and_types_filter() {
        let (from, to) = month_range("2025-04").expect("month");
        assert_eq!((from.to_string().as_str(), to.to_string().as_str()), ("2025-04-01T00:00:00Z", "2025-05-01T00:00:00Z"));
        assert_eq!(month_range("2025-13"), None);
        assert_eq!(month_range("nope"), None);
        assert_eq!(type_prefix("image"), Some("image/"));
        assert_eq!(type_prefix("x"), None);
    }

    #[tokio::test]
    async fn the_hourly_allowance_is_per_account() {
        let uploads = Uploads::new(&MediaSettings { uploads_per_hour: 2, ..MediaSettings::default() }).expect("settings");
        assert!(uploads.take_turn(1).await.is_ok());
        assert!(uploads.take_turn(1).await.is_ok());
        assert_eq!(uploads.take_turn(1).await, Err(60));
        assert!(uploads.take_turn(2).await.is_ok());
        assert!(Uploads::new(&MediaSettings { allowed_types: vec!["svg".into()], ..MediaSettings::default() }).is_err());
    }
}
