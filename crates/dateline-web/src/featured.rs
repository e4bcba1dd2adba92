//! The featured images of a page of posts (listings, search results, feeds), fetched together:
//! one store call for the whole page, so a listing costs the same two queries for ten posts as
//! for one (no N+1). A password-protected post's image is part of what its password guards: it
//! is never looked up here, so no listing or feed can show it.

use std::collections::HashMap;

use dateline_core::media::MediaItem;
use dateline_core::{Post, Store, StoreError};
use serde::Serialize;

use crate::view::PostView;

/// The featured image of each post in `posts` that is not protected and has one that is still
/// an image in the library, by post id.
pub(crate) async fn featured_images(store: &dyn Store, posts: &[Post]) -> Result<HashMap<i64, MediaItem>, StoreError> {
    let wanted: Vec<i64> = posts.iter().filter(|p| p.password.is_none()).filter_map(|p| p.featured_media).collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let items: HashMap<i64, MediaItem> =
        store.media_items(&wanted).await?.into_iter().filter(|m| m.is_image()).map(|m| (m.id, m)).collect();
    Ok(posts.iter().filter(|p| p.password.is_none()).filter_map(|p| Some((p.id, items.get(&p.featured_media?)?.clone()))).collect())
}

/// Gives each view in `views` (made from `posts`, in order) its thumbnail.
pub(crate) async fn attach_thumbnails(store: &dyn Store, posts: &[Post], views: &mut [PostView]) -> Result<(), StoreError> {
    let images = featured_images(store, posts).await?;
    for view in views.iter_mut().filter(|v| !v.protected) {
        view.thumbnail = images.get(&view.id).map(Thumbnail::new);
    }
    Ok(())
}

/// What a listing's `sizes` says: a third of a narrow screen, else the 12rem the theme's
/// stylesheet gives `.post-thumbnail` (see style.css); the browser picks from `srcset`.
const THUMBNAIL_SIZES: &str = "(max-width: 36rem) 33vw, 12rem";

/// A featured image as a listing shows it: the smallest variant in the image's own format as
/// `src` (what a browser without `srcset` loads), every size of that format in `srcset`, and
/// the `src`'s width and height, whose ratio keeps the layout from shifting while it loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Thumbnail {
    pub src: String,
    pub srcset: String,
    pub sizes: &'static str,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub alt: String,
}

impl Thumbnail {
    pub(crate) fn new(item: &MediaItem) -> Thumbnail {
        let small = item.smallest_copy();
        Thumbnail {
            src: small.path,
            srcset: item.srcset(),
            sizes: THUMBNAIL_SIZES,
            width: small.width,
            height: small.height,
            alt: item.alt_text.clone(),
        }
    }
}

/// A featured image as a feed carries it: RSS `<enclosure>` and Media RSS, Atom's enclosure
/// link. Absolute addresses: a feed is read away from the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Enclosure {
    /// The share card's copy (at most 1600 px wide), its type and exact size in bytes.
    pub url: String,
    pub mime_type: String,
    pub length: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The smallest copy, for `media:thumbnail`.
    pub thumbnail_url: String,
    pub thumbnail_width: Option<u32>,
    pub thumbnail_height: Option<u32>,
    pub alt: String,
}

impl Enclosure {
    pub(crate) fn new(base_url: &str, item: &MediaItem) -> Enclosure {
        let card = item.card_copy();
        let small = item.smallest_copy();
        Enclosure {
            url: format!("{base_url}{}", card.path),
            mime_type: card.mime_type,
            length: card.byte_size,
            width: card.width,
            height: card.height,
            thumbnail_url: format!("{base_url}{}", small.path),
            thumbnail_width: small.width,
            thumbnail_height: small.height,
            alt: item.alt_text.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use dateline_core::media::MediaVariant;

    use super::*;

    fn item(variants: Vec<MediaVariant>) -> MediaItem {
        let at = jiff::Timestamp::UNIX_EPOCH;
        MediaItem {
            id: 7,
            author_id: 1,
            title: "Harbour".into(),
            alt_text: "Boats at dawn".into(),
            caption: String::new(),
            mime_type: "image/jpeg".into(),
            byte_size: 10,
            width: Some(2000),
            height: Some(1000),
            content_hash: "a".repeat(64),
            file_name: "harbour.jpg".into(),
            created_at: at,
            updated_at: at,
            variants,
        }
    }

    fn variant(width: u32, mime: &str, hash: char) -> MediaVariant {
        MediaVariant { width, height: width / 2, mime_type: mime.into(), byte_size: 1, content_hash: hash.to_string().repeat(64) }
    }

    #[test]
    fn the_smallest_variant_of_the_same_format_is_the_source() {
        let thumb =
            Thumbnail::new(&item(vec![variant(320, "image/jpeg", 'b'), variant(320, "image/webp", 'c'), variant(640, "image/jpeg", 'd')]));
        assert_eq!(thumb.src, format!("/media/{}/harbour-320.jpg", "b".repeat(64)));
        assert_eq!((thumb.width, thumb.height), (Some(320), Some(160)));
        assert_eq!(
            thumb.srcset,
            format!(
                "/media/{b}/harbour-320.jpg 320w, /media/{d}/harbour-640.jpg 640w, /media/{a}/harbour.jpg 2000w",
                a = "a".repeat(64),
                b = "b".repeat(64),
                d = "d".repeat(64)
            )
        );
        assert_eq!(thumb.alt, "Boats at dawn");
    }

    #[test]
    fn an_image_too_small_for_variants_is_its_own_thumbnail() {
        let thumb = Thumbnail::new(&item(Vec::new()));
        assert_eq!(thumb.src, format!("/media/{}/harbour.jpg", "a".repeat(64)));
        assert_eq!((thumb.width, thumb.height), (Some(2000), Some(1000)));
    }
}
