//! The Markdown and HTML pipelines: an author's Markdown, an author's HTML, WordPress's
//! content with its shortcodes, a reader's comment and an imported comment. Whatever goes
//! in, what comes out is safe ([`crate::safety`]) and made in linear time (libFuzzer's
//! `-timeout` and the short run's clock watch the time).

use dateline_render::{NoAttachments, comment_to_html, markdown_to_html, sanitize_html, wordpress_comment_to_html, wordpress_to_html};

use crate::safety::assert_safe;

/// The tags a reader's comment may hold (the comment sanitizer's list).
const COMMENT_TAGS: &[&str] = &["p", "a", "em", "strong", "blockquote", "code", "pre", "br", "del"];
/// The tags an imported WordPress comment may hold (WordPress's `$allowedtags`).
const WORDPRESS_COMMENT_TAGS: &[&str] =
    &["p", "br", "a", "abbr", "acronym", "b", "blockquote", "cite", "code", "pre", "del", "em", "i", "q", "s", "strike", "strong"];

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    assert_safe(&markdown_to_html(&text), &[], "Markdown body");
    assert_safe(&sanitize_html(&text), &[], "HTML body");
    assert_safe(&wordpress_to_html(&text, &NoAttachments).html, &[], "WordPress body");
    assert_safe(&comment_to_html(&text), COMMENT_TAGS, "reader comment");
    assert_safe(&wordpress_comment_to_html(&text), WORDPRESS_COMMENT_TAGS, "imported comment");
}
