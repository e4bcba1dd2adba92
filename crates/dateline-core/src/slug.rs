//! Slugs as WordPress makes them: ASCII, lowercase, words joined by hyphens, accents
//! transliterated ("Díaz-Canel" becomes "diaz-canel").

/// First path segments that belong to the engine's own routes, so no page may take them.
pub const RESERVED: &[&str] = &[
    "category",
    "tag",
    "author",
    "source",
    "reporter",
    "page",
    "feed",
    "comments",
    "static",
    "admin",
    "wp-json",
    "wp-admin",
    "wp-login.php",
    "wp-content",
    "search",
    "post-password",
    "sitemap.xml",
    "robots.txt",
    "favicon.ico",
    "feed.json",
];

/// Whether a page slug would shadow one of the engine's routes.
pub fn is_reserved(slug: &str) -> bool {
    RESERVED.contains(&slug)
}

/// Makes a URL slug from a title or name. Empty when the text has no letters or digits.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    for ch in ascii.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if ch == '\'' || ch == '’' {
            // "Putin's" reads better as "putins" than "putin-s", as in WordPress.
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug.truncate(190);
    slug
}

/// Whether `text` is already a well-formed slug (what `slugify` would keep as is).
pub fn is_slug(text: &str) -> bool {
    !text.is_empty() && slugify(text) == text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_wordpress_like_slugs() {
        assert_eq!(slugify("Oil, espionage rallying allies?"), "oil-espionage-rallying-allies");
        assert_eq!(slugify("Díaz-Canel’s statement"), "diaz-canels-statement");
        assert_eq!(slugify("  --  "), "");
        assert!(is_slug("latin-america"));
        assert!(!is_slug("Latin America"));
    }
}
