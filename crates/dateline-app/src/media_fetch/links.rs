//! The images a post's HTML points at, and the same HTML pointing at other addresses: a small
//! scanner over tags and their attributes that changes only the attribute values it is asked
//! to, so the rest of the text (WordPress source with its shortcodes, or sanitized HTML) stays
//! byte for byte as it was. It reads `<img src srcset>`, `<source src srcset>` and
//! `<a href>` (a link to an image file, as WordPress writes around a picture).

use std::ops::Range;

/// File extensions of the images a link may open.
const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "gif", "webp", "avif"];

/// Which attribute of which tag a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `<img src>` or `<source src>`.
    Src,
    /// One candidate of a `srcset`.
    Srcset,
    /// `<a href>` to an image file.
    Link,
}

/// One address found, as written (entities decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub url: String,
    pub place: Place,
}

/// An attribute of a tag: its lowercased name, its value (entities decoded) and where the
/// value's text is in the HTML (without quotes).
struct Attr {
    name: String,
    value: String,
    span: Range<usize>,
}

struct Tag {
    name: String,
    attrs: Vec<Attr>,
}

/// Every start tag of `html`, with its attributes. Comments are skipped; text is not looked at.
fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset;
        if html[start..].starts_with("<!--") {
            at = html[start..].find("-->").map_or(html.len(), |end| start + end + 3);
            continue;
        }
        let mut i = start + 1;
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            at = start + 1;
            continue;
        }
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
            i += 1;
        }
        let name = html[start + 1..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'>' | b'/') {
                i += 1;
            }
            let attr_name = html[name_start..i].to_ascii_lowercase();
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if bytes.get(i) != Some(&b'=') {
                if i == name_start {
                    i += 1;
                }
                continue;
            }
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let span = match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = html[i + 1..].find(quote as char).map_or(html.len(), |e| i + 1 + e);
                    let span = i + 1..end;
                    i = (end + 1).min(html.len());
                    span
                }
                _ => {
                    let value_start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value_start..i
                }
            };
            attrs.push(Attr { name: attr_name, value: decode(&html[span.clone()]), span });
        }
        tags.push(Tag { name, attrs });
        at = (i + 1).min(html.len()).max(start + 1);
    }
    tags
}

/// The entities a URL in an attribute is written with.
fn decode(value: &str) -> String {
    value.replace("&#038;", "&").replace("&#38;", "&").replace("&amp;", "&")
}

fn escape(url: &str) -> String {
    url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Whether an address's path ends in an image file's extension.
pub fn looks_like_image(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let file = path.rsplit('/').next().unwrap_or("");
    file.rsplit_once('.').is_some_and(|(_, ext)| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The candidates of a `srcset`: (address, descriptor such as `300w`).
fn srcset_candidates(value: &str) -> Vec<(String, String)> {
    value
        .split(',')
        .filter_map(|candidate| {
            let mut parts = candidate.split_whitespace();
            let url = parts.next()?.to_string();
            Some((url, parts.collect::<Vec<_>>().join(" ")))
        })
        .collect()
}

/// What an attribute of a tag says, for the tags and attributes read here.
fn place_of(tag: &str, attr: &str) -> Option<Place> {
    match (tag, attr) {
        ("img" | "source", "src") => Some(Place::Src),
        ("img" | "source", "srcset") => Some(Place::Srcset),
        ("a", "href") => Some(Place::Link),
        _ => None,
    }
}

/// Every image address `html` shows or links to.
pub fn image_urls(html: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for tag in tags(html) {
        for attr in &tag.attrs {
            match place_of(&tag.name, &attr.name) {
                Some(Place::Srcset) => {
                    found.extend(srcset_candidates(&attr.value).into_iter().map(|(url, _)| Found { url, place: Place::Srcset }))
                }
                Some(Place::Link) if !looks_like_image(&attr.value) => {}
                Some(place) => found.push(Found { url: attr.value.trim().to_string(), place }),
                None => {}
            }
        }
    }
    found
}

/// How an address is written here instead: its new address, or for a whole `srcset` whose
/// candidates are all copies of one file, that file's own `srcset`.
pub trait Relink {
    /// The local address for `url` (`place` says where it is written), if it has one.
    fn address(&self, url: &str, place: Place) -> Option<String>;
    /// The local `srcset` for a set whose every candidate is a copy of the same file, if so.
    fn srcset(&self, urls: &[&str]) -> Option<String>;
}

/// `html` with every address `relink` knows replaced; the rest unchanged.
pub fn rewrite(html: &str, relink: &dyn Relink) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for tag in tags(html) {
        for attr in &tag.attrs {
            let replacement = match place_of(&tag.name, &attr.name) {
                Some(Place::Srcset) => {
                    let candidates = srcset_candidates(&attr.value);
                    let urls: Vec<&str> = candidates.iter().map(|(url, _)| url.as_str()).collect();
                    relink.srcset(&urls).or_else(|| {
                        let mut changed = false;
                        let parts: Vec<String> = candidates
                            .iter()
                            .map(|(url, descriptor)| {
                                let url = match relink.address(url, Place::Srcset) {
                                    Some(local) => {
                                        changed = true;
                                        local
                                    }
                                    None => url.clone(),
                                };
                                if descriptor.is_empty() { url } else { format!("{url} {descriptor}") }
                            })
                            .collect();
                        changed.then(|| parts.join(", "))
                    })
                }
                Some(Place::Link) if !looks_like_image(&attr.value) => None,
                Some(place) => relink.address(attr.value.trim(), place),
                None => None,
            };
            if let Some(new) = replacement {
                edits.push((attr.span.clone(), escape(&new)));
            }
        }
    }
    let mut out = html.to_string();
    for (span, text) in edits.into_iter().rev() {
        out.replace_range(span, &text);
    }
    out
}

/// For a WordPress size-suffixed copy (`photo-300x200.jpg`): the original's address
/// (`photo.jpg`) and the copy's width.
pub fn original_of_copy(url: &str) -> Option<(String, u32)> {
    let (path, rest) = match url.find(['?', '#']) {
        Some(at) => (&url[..at], &url[at..]),
        None => (url, ""),
    };
    let (stem, ext) = path.rsplit_once('.')?;
    if ext.contains('/') {
        return None;
    }
    let (base, size) = stem.rsplit_once('-')?;
    let (width, height) = size.split_once('x')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(width) || !digits(height) || base.ends_with('/') {
        return None;
    }
    Some((format!("{base}.{ext}{rest}"), width.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Known;

    impl Relink for Known {
        fn address(&self, url: &str, _: Place) -> Option<String> {
            url.strip_prefix("https://old.example/").map(|rest| format!("/media/h/{rest}"))
        }
        fn srcset(&self, urls: &[&str]) -> Option<String> {
            urls.iter().all(|u| u.starts_with("https://old.example/a")).then(|| "/media/h/a-320.jpg 320w, /media/h/a.jpg 900w".into())
        }
    }

    #[test]
    fn images_links_and_srcset_candidates_are_found() {
        let html = r#"<p>[gallery ids="1"]<a href="https://old.example/big.JPG?x=1&amp;y=2"><img class=x src='https://old.example/a.png' srcset="https://old.example/a-300x200.png 300w, https://old.example/a.png 900w" alt=""></a>
            <a href="https://old.example/page/">page</a><!-- <img src="https://old.example/hidden.png"> --><img src=https://old.example/bare.gif></p>"#;
        let found: Vec<(String, Place)> = image_urls(html).into_iter().map(|f| (f.url, f.place)).collect();
        assert_eq!(
            found,
            [
                ("https://old.example/big.JPG?x=1&y=2".to_string(), Place::Link),
                ("https://old.example/a.png".into(), Place::Src),
                ("https://old.example/a-300x200.png".into(), Place::Srcset),
                ("https://old.example/a.png".into(), Place::Srcset),
                ("https://old.example/bare.gif".into(), Place::Src),
            ]
        );
    }

    #[test]
    fn only_known_addresses_change_and_the_rest_stays_as_written() {
        let html = r#"[caption id="x"]<a href="https://old.example/p.jpg"><img src="https://old.example/p.jpg" srcset="https://old.example/a-300x200.jpg 300w, https://old.example/a.jpg 900w" width="300"></a> Text[/caption]
<img src="https://elsewhere.example/q.jpg" srcset="https://old.example/q.jpg 2x, https://elsewhere.example/q.jpg 1x"><a href="https://old.example/about/">about</a>"#;
        let out = rewrite(html, &Known);
        assert_eq!(
            out,
            r#"[caption id="x"]<a href="/media/h/p.jpg"><img src="/media/h/p.jpg" srcset="/media/h/a-320.jpg 320w, /media/h/a.jpg 900w" width="300"></a> Text[/caption]
<img src="https://elsewhere.example/q.jpg" srcset="/media/h/q.jpg 2x, https://elsewhere.example/q.jpg 1x"><a href="https://old.example/about/">about</a>"#
        );
        assert_eq!(rewrite("<p>no tags here < 3</p><img", &Known), "<p>no tags here < 3</p><img");
    }

    #[test]
    fn size_suffixed_copies_name_their_original() {
        assert_eq!(
            original_of_copy("https://o.example/2013/03/photo-300x200.jpg"),
            Some(("https://o.example/2013/03/photo.jpg".into(), 300))
        );
        assert_eq!(original_of_copy("https://o.example/a-b-1024x768.png?w=2"), Some(("https://o.example/a-b.png?w=2".into(), 1024)));
        assert_eq!(original_of_copy("https://o.example/photo.jpg"), None);
        assert_eq!(original_of_copy("https://o.example/photo-300.jpg"), None);
        assert_eq!(original_of_copy("https://o.example/-300x200.jpg"), None);
        assert!(looks_like_image("https://o.example/x.JPEG#top") && !looks_like_image("https://o.example/x.html"));
    }
}
