//! Static assets: the built-in theme's files, embedded in the binary, each overridable by a
//! file of the same name under the theme directory's `static/`. URLs carry a fingerprint of
//! the content (`/static/style.css?v=…`) so browsers may cache them for a year.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Component, Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::{AppError, AppState};

/// Embedded files: name, bytes.
const BUILT_IN: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../theme/static/style.css")),
    ("favicon.svg", include_bytes!("../theme/static/favicon.svg")),
    ("admin.css", include_bytes!("../theme/static/admin.css")),
    ("admin.js", include_bytes!("../theme/static/admin.js")),
    ("comment-form.js", include_bytes!("../theme/static/comment-form.js")),
    ("embeds.js", include_bytes!("../theme/static/embeds.js")),
];

/// One servable file.
#[derive(Debug)]
struct Asset {
    bytes: Vec<u8>,
    /// Short hash of the bytes for cache-busting URLs.
    fingerprint: String,
}

#[derive(Debug)]
pub struct Assets {
    files: HashMap<String, Asset>,
    theme_dir: Option<PathBuf>,
}

/// Joins `name` under `dir` only if it stays inside: plain components, no `..`, no root.
pub(crate) fn safe_join(dir: &Path, name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let relative = Path::new(name);
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(dir.join(relative))
}

fn fingerprint(bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("{:08x}", hasher.finish() as u32)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("woff2") => "font/woff2",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

impl Assets {
    /// Loads the built-in files, then the theme's `static/` files over them (read once, at
    /// startup: a theme is deployed, not edited live).
    pub fn new(theme_dir: Option<PathBuf>) -> Assets {
        let mut files: HashMap<String, Asset> = BUILT_IN
            .iter()
            .map(|(name, bytes)| (name.to_string(), Asset { bytes: bytes.to_vec(), fingerprint: fingerprint(bytes) }))
            .collect();
        if let Some(dir) = &theme_dir {
            for name in BUILT_IN.iter().map(|(n, _)| *n) {
                if let Some(bytes) = safe_join(&dir.join("static"), name).and_then(|p| std::fs::read(p).ok()) {
                    let fingerprint = fingerprint(&bytes);
                    files.insert(name.to_string(), Asset { bytes, fingerprint });
                }
            }
        }
        Assets { files, theme_dir }
    }

    /// The URL of an asset with its fingerprint, for templates.
    pub fn url(&self, name: &str) -> String {
        match self.files.get(name) {
            Some(asset) => format!("/static/{name}?v={}", asset.fingerprint),
            None => format!("/static/{name}"),
        }
    }

    /// The bytes of an asset: built-in (or its override), else any other file of the theme's
    /// `static/` directory.
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        if let Some(asset) = self.files.get(name) {
            return Some(asset.bytes.clone());
        }
        let dir = self.theme_dir.as_ref()?.join("static");
        let path = safe_join(&dir, name)?;
        // Resolve links too: a symlink inside static/ must not lead outside it.
        let canonical = path.canonicalize().ok()?;
        if !canonical.starts_with(dir.canonicalize().ok()?) || !canonical.is_file() {
            return None;
        }
        std::fs::read(canonical).ok()
    }
}

/// `GET /static/{*name}`.
pub(crate) async fn serve_asset(State(state): State<AppState>, UrlPath(name): UrlPath<String>) -> Result<Response, AppError> {
    let bytes = state.assets.read(&name).ok_or(AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, content_type(&name)), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], bytes)
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_directory() {
        let dir = Path::new("/theme/static");
        assert!(safe_join(dir, "style.css").is_some());
        assert!(safe_join(dir, "img/logo.png").is_some());
        for bad in ["../secret", "a/../../b", "/etc/passwd", "..", "a\\..\\b", "", "./x"] {
            assert!(safe_join(dir, bad).is_none(), "{bad}");
        }
    }
}
