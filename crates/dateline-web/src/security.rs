//! Security headers on every response, unless a handler set its own.

use axum::http::{HeaderName, HeaderValue, header};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

/// Public pages load only our own styles and scripts; JSON-LD blocks are data, not scripts,
/// so `script-src 'self'` does not block them. Frames: only the players an embed's card loads
/// when a reader clicks it (`dateline_render::embeds::PLAYER_ORIGINS`, which a test holds
/// this list to), nothing else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; \
    script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; \
    frame-src https://www.youtube-nocookie.com https://player.vimeo.com https://open.spotify.com https://w.soundcloud.com";

type Header = SetResponseHeaderLayer<HeaderValue>;

fn header(name: HeaderName, value: &'static str) -> Header {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// No page of a blog needs the camera, the microphone, the reader's location or payment, nor
/// lets an embedded frame ask for them.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// The five header layers, outermost first.
type SecurityHeaders = ServiceBuilder<Stack<Header, Stack<Header, Stack<Header, Stack<Header, Stack<Header, Identity>>>>>>;

pub(crate) fn headers() -> SecurityHeaders {
    ServiceBuilder::new()
        .layer(header(HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY))
        .layer(header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(header(header::X_FRAME_OPTIONS, "SAMEORIGIN"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames_are_exactly_the_embed_players() {
        let frame_src =
            super::CONTENT_SECURITY_POLICY.split(';').map(str::trim).find_map(|d| d.strip_prefix("frame-src ")).expect("frame-src");
        let mut allowed: Vec<&str> = frame_src.split_whitespace().collect();
        let mut players = dateline_render::embeds::PLAYER_ORIGINS.to_vec();
        allowed.sort_unstable();
        players.sort_unstable();
        assert_eq!(allowed, players);
    }
}
