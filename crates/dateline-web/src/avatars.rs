//! Avatars for the API's `avatar_urls` (24, 48 and 96 pixels, as WordPress gives them): by
//! default an identicon this site draws at `/avatar/{digest}`, keyed with the site's secret so
//! the address does not reveal the email it stands for; or Gravatar, when configured.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use dateline_core::config::AvatarSource;
use serde_json::{Value, json};
use sha2::Digest;

use crate::{AppError, AppState};

/// The sizes WordPress lists.
const SIZES: [u32; 3] = [24, 48, 96];

/// `{"24": url, "48": url, "96": url}` for someone known by `email` (else by `name`).
pub(crate) fn avatar_urls(state: &AppState, email: Option<&str>, name: &str) -> Value {
    let site = state.site();
    let who = email.map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty());
    let base = match (site.config.discussion.avatars, &who) {
        (AvatarSource::Gravatar, Some(email)) => {
            let digest = sha2::Sha256::digest(email.as_bytes());
            format!("https://www.gravatar.com/avatar/{}?d=identicon&r=g", hex(&digest))
        }
        _ => format!("{}/avatar/{}?", site.base_url, state.signer.avatar_digest(who.as_deref().unwrap_or(name))),
    };
    let separator = if base.ends_with('?') { "" } else { "&" };
    let mut urls = serde_json::Map::new();
    for size in SIZES {
        urls.insert(size.to_string(), json!(format!("{base}{separator}s={size}")));
    }
    Value::Object(urls)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `s=` of an avatar address.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct SizeQuery {
    s: Option<String>,
}

/// `GET /avatar/{digest}`: a 5×5 mirrored identicon in one colour, as SVG (it scales to any
/// `s=`), from the digest's own bytes. The same digest always draws the same picture.
pub(crate) async fn identicon(
    State(_state): State<AppState>,
    Path(digest): Path<String>,
    Query(query): Query<SizeQuery>,
) -> Result<Response, AppError> {
    // The picture's own size (an <img> without one shows it at `s` pixels), within reason.
    let size = query.s.as_deref().and_then(|s| s.parse::<u32>().ok()).unwrap_or(96).clamp(16, 512);
    let digest = digest.trim_end_matches(".svg");
    if digest.len() != 32 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let bytes: Vec<u8> = (0..16).filter_map(|i| u8::from_str_radix(&digest[i * 2..i * 2 + 2], 16).ok()).collect();
    let hue = u32::from(bytes[0]) * 360 / 256;
    let mut cells = String::new();
    for row in 0..5usize {
        for column in 0..3usize {
            let bit = row * 3 + column;
            if bytes[1 + bit / 8] >> (bit % 8) & 1 == 1 {
                for x in [column, 4 - column] {
                    cells.push_str(&format!("<rect x=\"{x}\" y=\"{row}\" width=\"1\" height=\"1\"/>"));
                    if x == 2 {
                        break;
                    }
                }
            }
        }
    }
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size}\" viewBox=\"-0.5 -0.5 6 6\" shape-rendering=\"crispEdges\">\
         <rect x=\"-0.5\" y=\"-0.5\" width=\"6\" height=\"6\" fill=\"#f0f0f0\"/><g fill=\"hsl({hue} 55% 45%)\">{cells}</g></svg>"
    );
    let mut response = ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=604800, immutable"));
    Ok(response)
}
