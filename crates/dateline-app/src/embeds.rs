//! Embeds, whichever door saves the post: each embed link in a post's rendered body (a video
//! or social post alone in its paragraph, see `dateline_render::embeds`) is looked up at its
//! provider's oEmbed endpoint when the post is saved, through the safe fetcher (public
//! addresses only unless `[fetch] allow` says otherwise, a deadline, size limits), and the
//! answer is kept in the store. The body is then saved with a static card in place of each
//! link that has a usable answer; the others stay plain links. Readers' pages only ever show
//! what was saved: nothing is fetched while a page is rendered.
//!
//! A save never fails because of an embed: offline, refused, too large, not JSON, not
//! oEmbed, all end as a plain link (the reason is kept and logged), and the next save asks
//! again. Only plain-text fields of an answer are used (title, author, provider name) and
//! the thumbnail, fetched under the same rules and stored in the media library as an upload
//! is (checked by its bytes, metadata stripped, resized copies), by the account saving the
//! post; a later answer naming the same thumbnail reuses the item. The provider's HTML is
//! never kept or shown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dateline_core::embeds::{Embed, EmbedAnswer};
use dateline_core::media::MediaItem;
use dateline_core::{Config, Store, UserId};
use dateline_fetch::{FetchPolicy, Fetcher};
use dateline_render::embeds::{Card, CardImage, EmbedUrl, Provider, apply_cards, embed_links};

use crate::media::{UploadInfo, Uploads};
use jiff::Timestamp;

/// The largest oEmbed answer read (real ones are a few KiB).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// The largest thumbnail kept.
pub const MAX_THUMBNAIL_BYTES: usize = 2 * 1024 * 1024;
/// Embeds looked up per save; links past these stay plain links.
pub const MAX_PER_POST: usize = 20;

/// The providers' oEmbed endpoints. Mastodon has one per instance, at the post's own host.
fn default_endpoint(provider: Provider, host: &str) -> String {
    match provider {
        Provider::YouTube => "https://www.youtube.com/oembed".into(),
        Provider::Vimeo => "https://vimeo.com/api/oembed.json".into(),
        Provider::Twitter => "https://publish.twitter.com/oembed".into(),
        // Meta asks for an app token; without one the answer is refused and the link stays a link.
        Provider::Instagram => "https://graph.facebook.com/v18.0/instagram_oembed".into(),
        Provider::TikTok => "https://www.tiktok.com/oembed".into(),
        Provider::Bluesky => "https://embed.bsky.app/oembed".into(),
        Provider::Mastodon => format!("https://{host}/api/oembed"),
        Provider::SoundCloud => "https://soundcloud.com/oembed".into(),
        Provider::Spotify => "https://open.spotify.com/oembed".into(),
    }
}

/// Asks providers for embeds' answers. Cheap to clone.
#[derive(Clone)]
pub struct Embedder {
    fetcher: Fetcher,
    settings: Arc<dateline_core::config::EmbedSettings>,
    /// Thumbnails are checked and resized as uploads are, under the site's `[media]` rules.
    uploads: Arc<Uploads>,
}

impl Embedder {
    /// Under the site's `[embeds]`, `[fetch] allow` and `[media]` settings.
    pub fn new(config: &Config) -> Result<Embedder, String> {
        let timeout = Duration::from_secs(u64::from(config.embeds.timeout_seconds.max(1)));
        let fetcher = Fetcher::new(FetchPolicy { timeout, ..FetchPolicy::with_allow(&config.fetch.allow) }).map_err(|e| e.to_string())?;
        let uploads = Uploads::new(&config.media)?;
        Ok(Embedder { fetcher, settings: Arc::new(config.embeds.clone()), uploads: Arc::new(uploads) })
    }

    /// The URL that asks `embed`'s provider about it.
    fn endpoint(&self, embed: &EmbedUrl) -> String {
        let base =
            self.settings.endpoints.get(embed.provider.key()).cloned().unwrap_or_else(|| default_endpoint(embed.provider, &embed.host));
        let encoded: String = url::form_urlencoded::byte_serialize(embed.url.as_bytes()).collect();
        let joiner = if base.contains('?') { '&' } else { '?' };
        format!("{base}{joiner}url={encoded}&format=json")
    }

    /// The provider's answer for `embed`, as it is to be kept (a failure says why), and the
    /// thumbnail's bytes when they are to be stored: not when `before` (the answer kept until
    /// now) has the same thumbnail in the media library, which the answer then keeps.
    pub async fn ask(&self, embed: &EmbedUrl, before: Option<&EmbedAnswer>) -> (EmbedAnswer, Option<Vec<u8>>) {
        let mut answer = EmbedAnswer {
            url: embed.url.clone(),
            provider: embed.provider.key().into(),
            provider_name: None,
            title: None,
            author_name: None,
            author_url: None,
            thumbnail_url: None,
            thumbnail_media: None,
            player_url: embed.player.clone(),
            fetched_at: Timestamp::now(),
            failure: None,
        };
        let body = match self.fetcher.fetch_bytes(&self.endpoint(embed), "application/json", MAX_ANSWER_BYTES).await {
            Ok(fetched) => fetched.body,
            Err(err) => {
                answer.failure = Some(err.to_string());
                return (answer, None);
            }
        };
        let Some(parsed) = Answer::parse(&body) else {
            answer.failure = Some("the provider's answer is not oEmbed".into());
            return (answer, None);
        };
        answer.provider_name = parsed.provider_name;
        answer.title = parsed.title;
        answer.author_name = parsed.author_name;
        answer.author_url = parsed.author_url;
        answer.thumbnail_url = parsed.thumbnail_url;
        let Some(thumbnail_url) = answer.thumbnail_url.clone() else { return (answer, None) };
        if let Some(kept) = before.filter(|b| b.thumbnail_url.as_ref() == Some(&thumbnail_url)).and_then(|b| b.thumbnail_media) {
            answer.thumbnail_media = Some(kept);
            return (answer, None);
        }
        let bytes = self.thumbnail(&thumbnail_url).await;
        (answer, bytes)
    }

    /// The bytes at `url`, if they came whole and small enough (what they are is checked
    /// when they are stored).
    async fn thumbnail(&self, url: &str) -> Option<Vec<u8>> {
        match self.fetcher.fetch_bytes(url, "image/webp,image/jpeg,image/png,image/gif", MAX_THUMBNAIL_BYTES).await {
            Ok(fetched) => Some(fetched.body),
            Err(err) => {
                tracing::info!(url, error = %err, "embed thumbnail not fetched");
                None
            }
        }
    }

    /// Stores a thumbnail as `author`'s media item; `None` (logged) when it is refused or is
    /// no picture (by its bytes).
    async fn store_thumbnail(&self, store: &dyn Store, author: UserId, answer: &EmbedAnswer, bytes: Vec<u8>) -> Option<i64> {
        if !dateline_media::sniff(&bytes).is_ok_and(|kind| kind.is_image()) {
            tracing::info!(url = %answer.url, "embed thumbnail is not an image");
            return None;
        }
        let info = UploadInfo {
            file_name: format!("{}-thumbnail", answer.provider),
            title: Some(answer.title.clone().unwrap_or_else(|| format!("{} thumbnail", answer.provider))),
            alt_text: None,
            caption: None,
        };
        match crate::media::store_upload(store, &self.uploads, author, info, bytes).await {
            Ok(item) => Some(item.id),
            Err(err) => {
                tracing::info!(url = %answer.url, error = %err, "embed thumbnail not stored");
                None
            }
        }
    }
}

/// The fields of an oEmbed answer Dateline uses, as plain text.
#[derive(Debug, Default, PartialEq)]
struct Answer {
    provider_name: Option<String>,
    title: Option<String>,
    author_name: Option<String>,
    author_url: Option<String>,
    thumbnail_url: Option<String>,
}

impl Answer {
    /// A JSON object with an oEmbed `type` (what confirms that a Mastodon-shaped link is one);
    /// text fields trimmed and bounded, addresses only when http(s).
    fn parse(bytes: &[u8]) -> Option<Answer> {
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let object = value.as_object()?;
        let kind = object.get("type")?.as_str()?;
        if !["video", "rich", "photo", "link"].contains(&kind) {
            return None;
        }
        let text = |name: &str, max: usize| {
            object
                .get(name)
                .and_then(|v| v.as_str())
                .map(|t| t.chars().filter(|c| !c.is_control()).take(max).collect::<String>().trim().to_string())
                .filter(|t| !t.is_empty())
        };
        let address = |name: &str| {
            text(name, 2000).filter(|t| url::Url::parse(t).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()))
        };
        Some(Answer {
            provider_name: text("provider_name", 80),
            title: text("title", 300),
            author_name: text("author_name", 120),
            author_url: address("author_url"),
            thumbnail_url: address("thumbnail_url"),
        })
    }
}

/// `body_html` with a card for each embed link that has (or, asked now, gets) a usable answer;
/// thumbnails fetched now are stored as `author`'s media items. `embedder`: `None`, or with
/// `[embeds] fetch` off, uses only answers already kept. Never fails: whatever goes wrong
/// leaves that link a plain link (or its card without a picture).
pub async fn with_cards(store: &dyn Store, embedder: Option<&Embedder>, author: UserId, body_html: &str) -> String {
    let links: Vec<EmbedUrl> = embed_links(body_html).into_iter().take(MAX_PER_POST).collect();
    if links.is_empty() {
        return body_html.to_string();
    }
    let urls: Vec<String> = links.iter().map(|l| l.url.clone()).collect();
    let mut kept: HashMap<String, EmbedAnswer> = match store.embeds(&urls).await {
        Ok(kept) => kept.into_iter().map(|e: Embed| (e.answer.url.clone(), e.answer)).collect(),
        Err(err) => {
            tracing::warn!(error = %err, "embeds: cannot read the kept answers; links stay links");
            return body_html.to_string();
        }
    };
    if let Some(embedder) = embedder.filter(|e| e.settings.fetch) {
        let fresh_since = Timestamp::now() - jiff::SignedDuration::from_hours(24 * i64::from(embedder.settings.refresh_days));
        let stale: Vec<EmbedUrl> =
            links.iter().filter(|l| kept.get(&l.url).is_none_or(|e| e.failure.is_some() || e.fetched_at < fresh_since)).cloned().collect();
        let mut asking = tokio::task::JoinSet::new();
        for link in stale {
            let (embedder, before) = (embedder.clone(), kept.get(&link.url).cloned());
            asking.spawn(async move { embedder.ask(&link, before.as_ref()).await });
        }
        while let Some(asked) = asking.join_next().await {
            let Ok((mut answer, thumbnail)) = asked else { continue };
            if let Some(failure) = &answer.failure {
                tracing::info!(url = %answer.url, failure, "embed shown as a link");
            }
            if let Some(bytes) = thumbnail {
                answer.thumbnail_media = embedder.store_thumbnail(store, author, &answer, bytes).await;
            }
            match store.save_embed(&answer).await {
                Ok(saved) => {
                    kept.insert(saved.answer.url.clone(), saved.answer);
                }
                Err(err) => tracing::warn!(error = %err, "embeds: cannot keep an answer"),
            }
        }
    }
    // Every card's picture in one store call, however many embeds the post has.
    let ids: Vec<i64> = kept.values().filter_map(|e| e.thumbnail_media).collect();
    let pictures: HashMap<i64, MediaItem> = match store.media_items(&ids).await {
        Ok(items) => items.into_iter().filter(MediaItem::is_image).map(|item| (item.id, item)).collect(),
        Err(err) => {
            tracing::warn!(error = %err, "embeds: cannot read the thumbnails' media items; cards go without pictures");
            HashMap::new()
        }
    };
    apply_cards(body_html, |link| {
        let embed = kept.get(&link.url).filter(|e| e.failure.is_none() && e.provider == link.provider.key())?;
        Some(Card {
            embed: link.clone(),
            provider_name: embed.provider_name.clone(),
            title: embed.title.clone(),
            author_name: embed.author_name.clone(),
            thumbnail: embed.thumbnail_media.and_then(|id| pictures.get(&id)).map(|item| CardImage {
                src: item.path(),
                srcset: item.srcset(),
                width: item.width,
                height: item.height,
            }),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_give_plain_text_and_web_addresses_only() {
        let answer = Answer::parse(
            br#"{"type":"video","version":"1.0","title":"  A <b>title</b>\u0007 ","author_name":"Ann","author_url":"javascript:alert(1)",
                "thumbnail_url":"https://i.example/t.jpg","html":"<iframe src=\"https://evil.example\"></iframe>","provider_name":"YouTube"}"#,
        )
        .expect("oEmbed");
        assert_eq!(
            answer,
            Answer {
                provider_name: Some("YouTube".into()),
                title: Some("A <b>title</b>".into()),
                author_name: Some("Ann".into()),
                author_url: None,
                thumbnail_url: Some("https://i.example/t.jpg".into()),
            }
        );
        for not_oembed in [&b"[1]"[..], b"{\"title\":\"no type\"}", b"{\"type\":\"script\"}", b"<html>", b""] {
            assert_eq!(Answer::parse(not_oembed), None, "{}", String::from_utf8_lossy(not_oembed));
        }
    }

    #[test]
    fn endpoints_come_from_the_table_or_the_settings() {
        let mut config = Config::for_test();
        config.embeds.endpoints.insert("youtube".into(), "http://127.0.0.1:9/oembed?key=1".into());
        let embedder = Embedder::new(&config).expect("embedder");
        let video = dateline_render::embeds::recognise("https://youtu.be/dQw4w9WgXcQ").expect("video");
        assert_eq!(embedder.endpoint(&video), "http://127.0.0.1:9/oembed?key=1&url=https%3A%2F%2Fyoutu.be%2FdQw4w9WgXcQ&format=json");
        let toot = dateline_render::embeds::recognise("https://social.example/@ann/123").expect("toot");
        assert_eq!(
            embedder.endpoint(&toot),
            "https://social.example/api/oembed?url=https%3A%2F%2Fsocial.example%2F%40ann%2F123&format=json"
        );
    }
}
