//! Embeds, privacy first: which links are a video or a social post that WordPress would embed
//! (a URL alone in its paragraph, or `[embed]URL[/embed]`), and the static card that stands
//! for one on the page.
//!
//! Pure: recognising a URL ([`recognise`]), finding the lone links in rendered HTML
//! ([`embed_links`]) and putting cards in their place ([`apply_cards`]) need no network. The
//! provider's answer (title, author, thumbnail) is fetched and kept elsewhere (`dateline-app`);
//! this module is given it. Provider-supplied HTML is never used: the card is built here from
//! plain text fields, and the player URL is derived from the link itself, so only the players
//! in [`PLAYER_ORIGINS`] can ever be framed.

use url::Url;

use crate::wordpress::escape;

/// A site whose links become embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    YouTube,
    Vimeo,
    Twitter,
    Instagram,
    TikTok,
    Bluesky,
    Mastodon,
    SoundCloud,
    Spotify,
}

impl Provider {
    pub const ALL: [Provider; 9] = [
        Provider::YouTube,
        Provider::Vimeo,
        Provider::Twitter,
        Provider::Instagram,
        Provider::TikTok,
        Provider::Bluesky,
        Provider::Mastodon,
        Provider::SoundCloud,
        Provider::Spotify,
    ];

    /// The name stored and used in settings (`[embeds] endpoints`): lower case, one word.
    pub fn key(self) -> &'static str {
        match self {
            Provider::YouTube => "youtube",
            Provider::Vimeo => "vimeo",
            Provider::Twitter => "twitter",
            Provider::Instagram => "instagram",
            Provider::TikTok => "tiktok",
            Provider::Bluesky => "bluesky",
            Provider::Mastodon => "mastodon",
            Provider::SoundCloud => "soundcloud",
            Provider::Spotify => "spotify",
        }
    }

    pub fn from_key(key: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The name readers know it by.
    pub fn name(self) -> &'static str {
        match self {
            Provider::YouTube => "YouTube",
            Provider::Vimeo => "Vimeo",
            Provider::Twitter => "X",
            Provider::Instagram => "Instagram",
            Provider::TikTok => "TikTok",
            Provider::Bluesky => "Bluesky",
            Provider::Mastodon => "Mastodon",
            Provider::SoundCloud => "SoundCloud",
            Provider::Spotify => "Spotify",
        }
    }
}

/// The origins of the players a card may load when clicked; a page's `frame-src` allows
/// exactly these. Providers without a player that runs without their script (X, Instagram,
/// TikTok, Bluesky, Mastodon) are linked to instead.
pub const PLAYER_ORIGINS: [&str; 4] =
    ["https://www.youtube-nocookie.com", "https://player.vimeo.com", "https://open.spotify.com", "https://w.soundcloud.com"];

/// A link recognised as an embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedUrl {
    pub provider: Provider,
    /// The link as written (what the card links to without JavaScript).
    pub url: String,
    /// The host, lower case (a Mastodon post's instance, where its oEmbed answer is asked).
    pub host: String,
    /// The player to frame on a click, derived from the link; `None` links out.
    pub player: Option<String>,
}

/// Lower-case host without a leading `www.` or `m.`.
fn bare_host(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").or_else(|| host.strip_prefix("m.")).map(str::to_string).unwrap_or(host);
    Some(host)
}

/// Letters, digits, `_` and `-` only, of a sensible length: an id safe to put in a path.
fn is_id(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.len() <= 24 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The provider and player of `url`, if it is a link to one of the providers' videos, posts or
/// tracks; `None` for anything else (which stays a plain link).
pub fn recognise(url: &str) -> Option<EmbedUrl> {
    let parsed = Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.username() != "" || parsed.password().is_some() {
        return None;
    }
    let host = bare_host(&parsed)?;
    let segments: Vec<&str> = parsed.path_segments().map(|s| s.filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let query = |name: &str| parsed.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let found = |provider: Provider, player: Option<String>| {
        Some(EmbedUrl { provider, url: url.trim().to_string(), host: parsed.host_str().unwrap_or_default().to_ascii_lowercase(), player })
    };
    let youtube = |id: &str| is_id(id, 16).then(|| format!("https://www.youtube-nocookie.com/embed/{id}?autoplay=1"));
    match (host.as_str(), segments.as_slice()) {
        ("youtube.com" | "music.youtube.com", ["watch"]) => {
            let id = query("v")?;
            found(Provider::YouTube, Some(youtube(&id)?))
        }
        ("youtube.com", ["shorts" | "embed" | "live", id]) => found(Provider::YouTube, Some(youtube(id)?)),
        ("youtu.be", [id]) => found(Provider::YouTube, Some(youtube(id)?)),
        ("vimeo.com", [id]) | ("vimeo.com", ["channels", _, id]) | ("player.vimeo.com", ["video", id]) if is_digits(id) => {
            found(Provider::Vimeo, Some(format!("https://player.vimeo.com/video/{id}?autoplay=1&dnt=1")))
        }
        ("twitter.com" | "x.com" | "mobile.twitter.com", [user, "status", id, ..]) if is_id(user, 30) && is_digits(id) => {
            found(Provider::Twitter, None)
        }
        ("instagram.com", ["p" | "reel" | "tv", id, ..]) | ("instagram.com", [_, "p" | "reel", id, ..]) if is_id(id, 40) => {
            found(Provider::Instagram, None)
        }
        ("tiktok.com", [user, "video", id, ..]) if user.starts_with('@') && is_digits(id) => found(Provider::TikTok, None),
        ("bsky.app", ["profile", handle, "post", id]) if !handle.is_empty() && is_id(id, 20) => found(Provider::Bluesky, None),
        ("soundcloud.com", [user, track, ..]) if is_id(user, 60) && is_id(track, 120) && !["discover", "search"].contains(user) => {
            let encoded: String =
                url::form_urlencoded::byte_serialize(format!("https://soundcloud.com/{user}/{track}").as_bytes()).collect();
            found(Provider::SoundCloud, Some(format!("https://w.soundcloud.com/player/?url={encoded}&auto_play=true")))
        }
        ("open.spotify.com", [kind @ ("track" | "album" | "playlist" | "episode" | "show" | "artist"), id]) if is_id(id, 40) => {
            found(Provider::Spotify, Some(format!("https://open.spotify.com/embed/{kind}/{id}")))
        }
        // Any instance's `/@user/123`: a Mastodon post if the instance's oEmbed answer says so.
        (_, [user, id]) if user.len() > 1 && user.starts_with('@') && is_id(&user[1..], 60) && is_digits(id) => {
            found(Provider::Mastodon, None)
        }
        _ => None,
    }
}

/// What a card shows, from the provider's answer kept by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub embed: EmbedUrl,
    /// The provider's name for itself, when it gave one (a Mastodon instance's); else ours.
    pub provider_name: Option<String>,
    pub title: Option<String>,
    pub author_name: Option<String>,
    /// The thumbnail as Dateline serves it (never the provider's address).
    pub thumbnail: Option<CardImage>,
}

/// A card's picture: a media item's address, its resized copies and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardImage {
    pub src: String,
    /// `srcset` candidates (`/media/…/name-320.jpg 320w, …`); empty when there are none.
    pub srcset: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl CardImage {
    /// The `<img>`: lazy, sized (no layout shift), decorative (the caption says what it is).
    fn html(&self) -> String {
        let mut html = format!("<img class=\"embed-thumbnail\" src=\"{}\"", escape(&self.src));
        if !self.srcset.is_empty() {
            html.push_str(&format!(" srcset=\"{}\" sizes=\"(max-width: 40rem) 100vw, 40rem\"", escape(&self.srcset)));
        }
        if let (Some(width), Some(height)) = (self.width, self.height) {
            html.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
        }
        html.push_str(" alt=\"\" loading=\"lazy\">");
        html
    }
}

impl Card {
    /// The card's HTML: a figure whose link goes to the provider's page (all it is without
    /// JavaScript), with the player to frame on a click in `data-embed-player`. Every text
    /// is escaped; nothing the provider sent is markup here.
    pub fn html(&self) -> String {
        let provider = self.provider_name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(self.embed.provider.name());
        let provider = truncate(provider, 80);
        let title = self.title.as_deref().map(|t| truncate(t, 300)).filter(|t| !t.is_empty());
        let label = title.clone().unwrap_or_else(|| format!("A post on {provider}"));
        let mut html = format!("<figure class=\"embed embed-{}\"", self.embed.provider.key());
        if let Some(player) = &self.embed.player {
            html.push_str(&format!(" data-embed-player=\"{}\"", escape(player)));
        }
        html.push_str(&format!(
            " data-embed-title=\"{}\"><a class=\"embed-link\" href=\"{}\" rel=\"noopener\">",
            escape(&label),
            escape(&self.embed.url)
        ));
        match &self.thumbnail {
            Some(image) => html.push_str(&image.html()),
            None => html.push_str("<span class=\"embed-thumbnail embed-no-thumbnail\"></span>"),
        }
        let action = if self.embed.player.is_some() { "Play".to_string() } else { format!("View on {provider}") };
        html.push_str(&format!("<span class=\"embed-action\">{}</span></a>", escape(&action)));
        html.push_str("<figcaption>");
        if let Some(title) = &title {
            html.push_str(&format!("<span class=\"embed-title\">{}</span> ", escape(title)));
        }
        if let Some(author) = self.author_name.as_deref().map(|a| truncate(a, 120)).filter(|a| !a.is_empty()) {
            html.push_str(&format!("<span class=\"embed-author\">{}</span> ", escape(&author)));
        }
        html.push_str(&format!("<span class=\"embed-provider\">{}</span></figcaption></figure>", escape(&provider)));
        html
    }
}

/// At most `max` characters, trimmed, control characters dropped.
fn truncate(text: &str, max: usize) -> String {
    text.trim().chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Undoes the escaping the sanitizer writes into attributes and text.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")
}

/// A paragraph that is one link to an address: `<p><a href="…" rel="noopener">http…</a></p>`,
/// as sanitized bodies spell it. Its byte range in `html` and its address.
fn lone_links(html: &str) -> Vec<(usize, usize, String)> {
    const OPEN: &str = "<p><a href=\"";
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = html[from..].find(OPEN) {
        let start = from + offset;
        from = start + OPEN.len();
        let rest = &html[from..];
        let Some(href_end) = rest.find('"') else { break };
        let href = unescape(&rest[..href_end]);
        let after = &rest[href_end..];
        let Some(text_start) = after.find('>') else { continue };
        // Only the attributes the sanitizer adds may stand between the address and the text.
        if after[..text_start] != *"\"" && after[..text_start] != *"\" rel=\"noopener\"" {
            continue;
        }
        let text = &after[text_start + 1..];
        let Some(text_end) = text.find("</a>") else { continue };
        let words = unescape(text[..text_end].trim());
        let close = &text[text_end + 4..];
        let close_len = if close.starts_with("</p>") {
            4
        } else if close.starts_with("<br />\n</p>") {
            11
        } else {
            continue;
        };
        if !(words.starts_with("http://") || words.starts_with("https://")) {
            continue;
        }
        let end = from + href_end + text_start + 1 + text_end + 4 + close_len;
        found.push((start, end, href));
        from = end;
    }
    found
}

/// The addresses of the embeds in rendered, sanitized `html`: links alone in their paragraph
/// that [`recognise`] knows, each once, in order.
pub fn embed_links(html: &str) -> Vec<EmbedUrl> {
    let mut embeds: Vec<EmbedUrl> = Vec::new();
    for (_, _, href) in lone_links(html) {
        if let Some(embed) = recognise(&href)
            && !embeds.iter().any(|e| e.url == embed.url)
        {
            embeds.push(embed);
        }
    }
    embeds
}

/// `html` with each embed link that `card` has a card for replaced by that card; the others
/// stay plain links.
pub fn apply_cards(html: &str, card: impl Fn(&EmbedUrl) -> Option<Card>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for (start, end, href) in lone_links(html) {
        if let Some(card) = recognise(&href).and_then(|embed| card(&embed)) {
            out.push_str(&html[at..start]);
            out.push_str(&card.html());
            at = end;
        }
    }
    out.push_str(&html[at..]);
    out
}

/// Markdown events with a paragraph that is nothing but a recognised embed address made into
/// a link to it (as WordPress's bodies have it: see `link_bare_urls`), so the embed pass
/// finds it; other paragraphs pass unchanged.
pub(crate) fn link_lone_embed_urls<'a>(events: impl Iterator<Item = pulldown_cmark::Event<'a>>) -> Vec<pulldown_cmark::Event<'a>> {
    use pulldown_cmark::{Event, LinkType, Tag, TagEnd};
    let mut out = Vec::new();
    let mut paragraph: Option<Vec<Event<'a>>> = None;
    for event in events {
        match (event, paragraph.as_mut()) {
            (Event::Start(Tag::Paragraph), None) => paragraph = Some(Vec::new()),
            (Event::End(TagEnd::Paragraph), Some(inside)) => {
                let inside = std::mem::take(inside);
                paragraph = None;
                let text: Option<String> = inside
                    .iter()
                    .map(|e| if let Event::Text(t) = e { Some(t.as_ref()) } else { None })
                    .collect::<Option<Vec<&str>>>()
                    .map(|v| v.concat());
                out.push(Event::Start(Tag::Paragraph));
                match text.map(|t| t.trim().to_string()).filter(|t| !t.contains(char::is_whitespace) && recognise(t).is_some()) {
                    Some(url) => {
                        let link =
                            Tag::Link { link_type: LinkType::Autolink, dest_url: url.clone().into(), title: "".into(), id: "".into() };
                        out.extend([Event::Start(link), Event::Text(url.into()), Event::End(TagEnd::Link)]);
                    }
                    None => out.extend(inside),
                }
                out.push(Event::End(TagEnd::Paragraph));
            }
            (event, Some(inside)) => inside.push(event),
            (event, None) => out.push(event),
        }
    }
    if let Some(inside) = paragraph {
        out.extend(inside);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(url: &str) -> Option<Provider> {
        recognise(url).map(|e| e.provider)
    }

    fn player(url: &str) -> Option<String> {
        recognise(url).and_then(|e| e.player)
    }

    #[test]
    fn recognises_each_provider_and_nothing_else() {
        let cases = [
            ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", Provider::YouTube),
            ("https://youtube.com/watch?feature=x&v=dQw4w9WgXcQ", Provider::YouTube),
            ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", Provider::YouTube),
            ("https://youtu.be/dQw4w9WgXcQ", Provider::YouTube),
            ("https://www.youtube.com/shorts/abcDEF12345", Provider::YouTube),
            ("https://vimeo.com/76979871", Provider::Vimeo),
            ("https://twitter.com/jack/status/20", Provider::Twitter),
            ("https://x.com/NASA/status/1790000000000000000?s=20", Provider::Twitter),
            ("https://www.instagram.com/p/CxYz123AbC/", Provider::Instagram),
            ("https://www.tiktok.com/@scout2015/video/6718335390845095173", Provider::TikTok),
            ("https://bsky.app/profile/jay.bsky.team/post/3kgv2qz4x6s2b", Provider::Bluesky),
            ("https://mastodon.social/@Gargron/109000000000000000", Provider::Mastodon),
            ("https://any.instance.example/@someone/1234", Provider::Mastodon),
            ("https://soundcloud.com/forss/flickermood", Provider::SoundCloud),
            ("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", Provider::Spotify),
        ];
        for (url, expected) in cases {
            assert_eq!(provider(url), Some(expected), "{url}");
        }
        for url in [
            "https://example.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube.com/",
            "https://www.youtube.com/watch",
            "https://www.youtube.com/watch?v=bad%22id",
            "https://vimeo.com/about",
            "https://twitter.com/jack",
            "https://mastodon.social/@Gargron",
            "https://soundcloud.com/forss",
            "javascript:alert(1)//youtu.be/x",
            "ftp://youtu.be/dQw4w9WgXcQ",
            "https://user:pw@youtu.be/dQw4w9WgXcQ",
            "not a url",
        ] {
            assert_eq!(provider(url), None, "{url}");
        }
    }

    #[test]
    fn players_are_derived_from_the_link_never_the_answer() {
        assert_eq!(
            player("https://youtu.be/dQw4w9WgXcQ?t=5").as_deref(),
            Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1")
        );
        assert_eq!(player("https://vimeo.com/76979871").as_deref(), Some("https://player.vimeo.com/video/76979871?autoplay=1&dnt=1"));
        assert_eq!(
            player("https://open.spotify.com/album/1DFixLWuPkv3KT3TnV35m3").as_deref(),
            Some("https://open.spotify.com/embed/album/1DFixLWuPkv3KT3TnV35m3")
        );
        assert_eq!(
            player("https://soundcloud.com/forss/flickermood").as_deref(),
            Some("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood&auto_play=true")
        );
        for url in ["https://x.com/a/status/1", "https://bsky.app/profile/a.b/post/3k", "https://mastodon.social/@a/1"] {
            assert_eq!(player(url), None, "{url} links out");
        }
        // Every player is on an origin the CSP frames.
        for url in ["https://youtu.be/dQw4w9WgXcQ", "https://vimeo.com/1", "https://open.spotify.com/track/a", "https://soundcloud.com/a/b"]
        {
            let player = player(url).expect("player");
            assert!(PLAYER_ORIGINS.iter().any(|origin| player.starts_with(&format!("{origin}/"))), "{player}");
        }
    }

    #[test]
    fn a_url_alone_in_its_paragraph_is_an_embed_link() {
        let html = crate::markdown_to_html(
            "Look:\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1\n\nand https://youtu.be/aaaaaaaaaaa inline.\n\nhttps://example.com/page\n\n```\nhttps://youtu.be/bbbbbbbbbbb\n```",
        );
        assert!(
            html.contains("<p><a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1\" rel=\"noopener\">https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=1</a></p>"),
            "{html}"
        );
        let found: Vec<String> = embed_links(&html).into_iter().map(|e| e.url).collect();
        assert_eq!(found, ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1"], "{html}");
        assert!(html.contains("<p>https://example.com/page</p>"), "an unknown address is left as written: {html}");

        let wordpress = crate::wordpress_to_html(
            "Intro\n\n[embed]https://vimeo.com/76979871[/embed]\n\nhttps://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC\n\nText with https://youtu.be/ccccccccccc inside",
            &crate::NoAttachments,
        )
        .html;
        let found: Vec<String> = embed_links(&wordpress).into_iter().map(|e| e.url).collect();
        assert_eq!(found, ["https://vimeo.com/76979871", "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"], "{wordpress}");
        // A link with words of its own is the author's link, not an embed.
        assert!(embed_links(&crate::markdown_to_html("[watch this](https://youtu.be/dQw4w9WgXcQ)")).is_empty());
    }

    #[test]
    fn cards_replace_known_links_and_escape_everything() {
        let html = crate::markdown_to_html("https://youtu.be/dQw4w9WgXcQ\n\nhttps://x.com/a/status/1\n\nhttps://vimeo.com/5");
        let out = apply_cards(&html, |embed| {
            (embed.provider != Provider::Vimeo).then(|| Card {
                embed: embed.clone(),
                provider_name: None,
                title: Some("<script>alert(1)</script> \"Title\"".into()),
                author_name: Some("Ann & Bo".into()),
                thumbnail: (embed.provider == Provider::YouTube).then(|| CardImage {
                    src: "/media/ab/t.jpg".into(),
                    srcset: "/media/cd/t-320.jpg 320w, /media/ab/t.jpg 480w".into(),
                    width: Some(480),
                    height: Some(360),
                }),
            })
        });
        assert!(!out.contains("<script"), "{out}");
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Title&quot;"), "{out}");
        assert!(out.contains("data-embed-player=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1\""), "{out}");
        assert!(
            out.contains(
                "<img class=\"embed-thumbnail\" src=\"/media/ab/t.jpg\" srcset=\"/media/cd/t-320.jpg 320w, /media/ab/t.jpg 480w\" \
                 sizes=\"(max-width: 40rem) 100vw, 40rem\" width=\"480\" height=\"360\" alt=\"\" loading=\"lazy\">"
            ),
            "{out}"
        );
        assert!(out.contains("<span class=\"embed-author\">Ann &amp; Bo</span>"), "{out}");
        assert!(out.contains("View on X</span>"), "{out}");
        assert!(
            out.contains("<p><a href=\"https://vimeo.com/5\" rel=\"noopener\">https://vimeo.com/5</a></p>"),
            "no card: a plain link: {out}"
        );
        assert_eq!(out.matches("<figure").count(), 2, "{out}");
    }
}
