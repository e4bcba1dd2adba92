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
//! the thumbnail, fetched under the same rules, checked to be an image by its bytes, and
//! served from Dateline's own address; the provider's HTML is never kept or shown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dateline_core::embeds::{Embed, EmbedWrite, Thumbnail};
use dateline_core::{Config, Store};
use dateline_fetch::{FetchError, FetchPolicy, Fetcher};
use dateline_render::embeds::{Card, EmbedUrl, Provider, apply_cards, embed_links};
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
}

impl Embedder {
    /// Under the site's `[embeds]` settings and `[fetch] allow`.
    pub fn new(config: &Config) -> Result<Embedder, FetchError> {
        let timeout = Duration::from_secs(u64::from(config.embeds.timeout_seconds.max(1)));
        let fetcher = Fetcher::new(FetchPolicy { timeout, ..FetchPolicy::with_allow(&config.fetch.allow) })?;
        Ok(Embedder { fetcher, settings: Arc::new(config.embeds.clone()) })
    }

    /// The URL that asks `embed`'s provider about it.
    fn endpoint(&self, embed: &EmbedUrl) -> String {
        let base =
            self.settings.endpoints.get(embed.provider.key()).cloned().unwrap_or_else(|| default_endpoint(embed.provider, &embed.host));
        let encoded: String = url::form_urlencoded::byte_serialize(embed.url.as_bytes()).collect();
        let joiner = if base.contains('?') { '&' } else { '?' };
        format!("{base}{joiner}url={encoded}&format=json")
    }

    /// The provider's answer for `embed`, as it is to be kept (a failure says why).
    pub async fn ask(&self, embed: &EmbedUrl) -> EmbedWrite {
        let mut write = EmbedWrite {
            url: embed.url.clone(),
            provider: embed.provider.key().into(),
            provider_name: None,
            title: None,
            author_name: None,
            author_url: None,
            thumbnail: None,
            player_url: embed.player.clone(),
            fetched_at: Timestamp::now(),
            failure: None,
        };
        let answer = match self.fetcher.fetch_bytes(&self.endpoint(embed), "application/json", MAX_ANSWER_BYTES).await {
            Ok(fetched) => fetched.body,
            Err(err) => {
                write.failure = Some(err.to_string());
                return write;
            }
        };
        let Some(answer) = Answer::parse(&answer) else {
            write.failure = Some("the provider's answer is not oEmbed".into());
            return write;
        };
        write.provider_name = answer.provider_name;
        write.title = answer.title;
        write.author_name = answer.author_name;
        write.author_url = answer.author_url;
        if let Some(thumbnail_url) = answer.thumbnail_url {
            write.thumbnail = self.thumbnail(&thumbnail_url).await;
        }
        write
    }

    /// The image at `url`, if it is one (by its bytes) and small enough; none otherwise.
    async fn thumbnail(&self, url: &str) -> Option<Thumbnail> {
        match self.fetcher.fetch_bytes(url, "image/webp,image/jpeg,image/png,image/gif", MAX_THUMBNAIL_BYTES).await {
            Ok(fetched) => {
                image_type(&fetched.body).map(|content_type| Thumbnail { bytes: fetched.body, content_type: content_type.into() })
            }
            Err(err) => {
                tracing::info!(url, error = %err, "embed thumbnail not fetched");
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

/// The image type `bytes` begin with, of those a browser shows everywhere.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

/// Where Dateline serves an embed's thumbnail (changing with each new answer, so it may be cached).
pub fn thumbnail_path(embed: &Embed) -> String {
    format!("/embeds/{}/thumbnail?v={}", embed.id, embed.fetched_at.as_second())
}

/// `body_html` with a card for each embed link that has (or, asked now, gets) a usable answer.
/// `embedder`: `None`, or with `[embeds] fetch` off, uses only answers already kept. Never
/// fails: whatever goes wrong leaves that link a plain link.
pub async fn with_cards(store: &dyn Store, embedder: Option<&Embedder>, body_html: &str) -> String {
    let links: Vec<EmbedUrl> = embed_links(body_html).into_iter().take(MAX_PER_POST).collect();
    if links.is_empty() {
        return body_html.to_string();
    }
    let urls: Vec<String> = links.iter().map(|l| l.url.clone()).collect();
    let mut kept: HashMap<String, Embed> = match store.embeds(&urls).await {
        Ok(kept) => kept.into_iter().map(|e| (e.url.clone(), e)).collect(),
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
            let embedder = embedder.clone();
            asking.spawn(async move { embedder.ask(&link).await });
        }
        while let Some(answer) = asking.join_next().await {
            let Ok(answer) = answer else { continue };
            if let Some(failure) = &answer.failure {
                tracing::info!(url = %answer.url, failure, "embed shown as a link");
            }
            match store.save_embed(&answer).await {
                Ok(saved) => {
                    kept.insert(saved.url.clone(), saved);
                }
                Err(err) => tracing::warn!(error = %err, "embeds: cannot keep an answer"),
            }
        }
    }
    apply_cards(body_html, |link| {
        let embed = kept.get(&link.url).filter(|e| e.failure.is_none() && e.provider == link.provider.key())?;
        Some(Card {
            embed: link.clone(),
            provider_name: embed.provider_name.clone(),
            title: embed.title.clone(),
            author_name: embed.author_name.clone(),
            thumbnail: embed.thumbnail_type.as_ref().map(|_| thumbnail_path(embed)),
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
    fn thumbnails_are_known_images_by_their_bytes() {
        assert_eq!(image_type(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"GIF89a"), Some("image/gif"));
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(image_type(b"MZ\x90\0"), None);
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
