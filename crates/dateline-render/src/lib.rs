//! Turns what authors write into HTML that is safe to put on a page: Markdown through
//! pulldown-cmark, then everything (including raw HTML inside the Markdown) through ammonia.
//!
//! Pure functions with no I/O and no knowledge of posts or storage, so they are cheap to test
//! and to call from the web layer, the command line and importers alike.

pub mod embeds;
mod linkify;
mod nesting;
mod quotes;
mod wordpress;

use std::sync::LazyLock;

pub use nesting::MAX_DEPTH as MAX_NESTING;
pub use quotes::blockquote_text;
pub use wordpress::{Attachments, NoAttachments, WordPressHtml, escape as escape_html, wordpress_to_html, wpautop};

use pulldown_cmark::{Options, Parser, html};

/// Prefix of every id in author HTML, so it cannot clash with (or stand in for) the page's own.
const ID_PREFIX: &str = "user-content-";

/// Class names kept in author HTML: WordPress's layout classes (alignment, blocks, galleries,
/// image sizes), which the theme styles. Others could borrow the page's own classes.
fn keep_class(name: &str) -> bool {
    ["wp-", "align", "has-", "is-", "size-", "gallery", "blocks-gallery", "footnote"].iter().any(|prefix| name.starts_with(prefix))
}

/// The sanitizer for author-written bodies: ammonia's safe defaults (no scripts, no event
/// handlers, no `javascript:` URLs), plus the markup WordPress authors use: figures, media,
/// table footers, ids for in-page links (prefixed, with the links that point at them), and
/// WordPress's layout classes.
static POST_SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.add_tags(["figure", "figcaption", "audio", "video", "source", "tfoot"]);
    builder.add_tag_attributes("audio", ["controls", "src"]);
    builder.add_tag_attributes("video", ["controls", "src", "poster", "width", "height"]);
    builder.add_tag_attributes("source", ["src", "type"]);
    builder.add_generic_attributes(["id", "class"]);
    builder.id_prefix(Some(ID_PREFIX));
    builder.attribute_filter(|_element, attribute, value| match attribute {
        "class" => {
            let kept: Vec<&str> = value.split_whitespace().filter(|name| keep_class(name)).collect();
            (!kept.is_empty()).then(|| kept.join(" ").into())
        }
        // A link to a place on the page follows its target's prefixed id.
        "href" if value.starts_with('#') && value.len() > 1 && !value[1..].starts_with(ID_PREFIX) => {
            Some(format!("#{ID_PREFIX}{}", &value[1..]).into())
        }
        _ => Some(value.into()),
    });
    builder.link_rel(Some("noopener"));
    builder
});

/// The sanitizer for reader comments: a small set of tags, links marked as user content
/// that search engines should not follow, and only web and mail links.
static COMMENT_SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder.add_tags(["p", "a", "em", "strong", "blockquote", "code", "pre", "br", "del"]);
    builder.add_tag_attributes("a", ["href"]);
    builder.url_schemes(["http", "https", "mailto"].into());
    builder.link_rel(Some("nofollow ugc noopener"));
    builder
});

/// The sanitizer for comments imported from WordPress: the HTML WordPress allows in comments
/// (its `$allowedtags`), with links marked as user content, as for reader comments.
static WORDPRESS_COMMENT_SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder.add_tags([
        "p",
        "br",
        "a",
        "abbr",
        "acronym",
        "b",
        "blockquote",
        "cite",
        "code",
        "pre",
        "del",
        "em",
        "i",
        "q",
        "s",
        "strike",
        "strong",
    ]);
    builder.add_tag_attributes("a", ["href", "title"]);
    builder.add_tag_attributes("abbr", ["title"]);
    builder.add_tag_attributes("acronym", ["title"]);
    builder.url_schemes(["http", "https", "mailto"].into());
    builder.link_rel(Some("nofollow ugc noopener"));
    builder
});

/// Renders a comment imported from WordPress (HTML, not Markdown) as WordPress shows it: its
/// automatic paragraphs, and only the tags WordPress allows in comments.
pub fn wordpress_comment_to_html(html: &str) -> String {
    WORDPRESS_COMMENT_SANITIZER.clean(&nesting::bound_nesting(&wpautop(html))).to_string()
}

/// Renders a reader's comment: links, emphasis, quotes, code and paragraphs from Markdown;
/// anything else the reader typed (HTML included) is shown as the text they typed.
pub fn comment_to_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    // A "<" never starts markup in a comment: escaped before parsing, it shows as typed and
    // cannot swallow the Markdown around it into an HTML block.
    let markdown = markdown.replace('<', "&lt;");
    // Inside links and code blocks, an address stays text.
    let mut inside = 0u32;
    let parser = Parser::new_ext(&markdown, Options::ENABLE_STRIKETHROUGH).flat_map(move |event| match event {
        // A line break typed in a comment is kept, as WordPress keeps it.
        Event::SoftBreak => vec![Event::HardBreak],
        // Belt and braces: any HTML event left becomes visible text instead of markup.
        Event::Html(html) | Event::InlineHtml(html) => vec![Event::Text(html)],
        // Images would load third-party content on every view: show their address instead.
        Event::Start(Tag::Image { dest_url, .. }) if inside == 0 => linkify::linkify(dest_url),
        Event::Start(Tag::Image { dest_url, .. }) => vec![Event::Text(dest_url)],
        Event::End(TagEnd::Image) => Vec::new(),
        Event::Start(tag @ (Tag::Link { .. } | Tag::CodeBlock(_))) => {
            inside += 1;
            vec![Event::Start(tag)]
        }
        Event::End(end @ (TagEnd::Link | TagEnd::CodeBlock)) => {
            inside = inside.saturating_sub(1);
            vec![Event::End(end)]
        }
        // Bare addresses become links, as WordPress makes them clickable.
        Event::Text(text) if inside == 0 => linkify::linkify(text),
        other => vec![other],
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    COMMENT_SANITIZER.clean(&nesting::bound_nesting(&unsafe_html)).to_string()
}

/// Where a post's teaser ends on listing pages (WordPress's `<!--more-->`), once rendered.
pub const MORE_MARKER: &str = "<span id=\"user-content-more\"></span>";

/// Turns WordPress's `<!--more-->` (with or without link text) into [`MORE_MARKER`]'s source.
pub(crate) fn mark_more(text: &str) -> std::borrow::Cow<'_, str> {
    match text.find("<!--more") {
        Some(start) => match text[start..].find("-->") {
            Some(len) => format!("{}<span id=\"more\"></span>{}", &text[..start], &text[start + len + 3..]).into(),
            None => text.into(),
        },
        None => text.into(),
    }
}

/// Renders a post body written in Markdown to sanitized HTML. Raw HTML in the Markdown is
/// allowed through the same sanitizer, as WordPress allows it for trusted authors.
pub fn markdown_to_html(markdown: &str) -> String {
    markdown_to_html_reporting(markdown).0
}

/// The same, and whether nesting past [`MAX_NESTING`] was flattened (for import reports).
pub fn markdown_to_html_reporting(markdown: &str) -> (String, bool) {
    let markdown = mark_more(markdown);
    let markdown = markdown.as_ref();
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_SMART_PUNCTUATION);
    let events = embeds::link_lone_embed_urls(Parser::new_ext(markdown, options));
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events.into_iter());
    sanitize_html_reporting(&unsafe_html)
}

/// Sanitizes HTML written by an author (or imported) with the post rules.
pub fn sanitize_html(html: &str) -> String {
    sanitize_html_reporting(html).0
}

/// The same, and whether nesting past [`MAX_NESTING`] was flattened.
pub fn sanitize_html_reporting(html: &str) -> (String, bool) {
    let (bounded, flattened) = nesting::bound_nesting_reporting(html);
    (POST_SANITIZER.clean(&bounded).to_string(), flattened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        assert_eq!(markdown_to_html("Hello *world*"), "<p>Hello <em>world</em></p>\n");
        let html = markdown_to_html("[link](https://example.com)");
        assert!(html.contains(r#"<a href="https://example.com" rel="noopener">link</a>"#), "{html}");
    }

    #[test]
    fn strips_scripts_and_handlers_from_raw_html() {
        let html = markdown_to_html("<script>alert(1)</script><img src=x onerror=alert(1)><a href=\"javascript:alert(1)\">x</a>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn comments_get_a_small_safe_subset() {
        let html = comment_to_html("*Yes* — see [the story](https://example.com/s).\n\n> quoted\n\n`code`");
        assert!(html.contains("<em>Yes</em>"), "{html}");
        assert!(html.contains(r#"<a href="https://example.com/s" rel="nofollow ugc noopener">the story</a>"#), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        let html = comment_to_html("<b onclick=x>hi</b> [x](javascript:alert(1)) ![i](https://e.example/i.png)\n# Title");
        assert!(html.contains("&lt;b onclick=x&gt;hi&lt;/b&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img") && !html.contains("<h1"), "{html}");
        let html = comment_to_html(
            "More at https://example.org/report. Or [here](https://example.com) or `https://code.example`.\n\n```\nhttps://block.example\n```",
        );
        assert!(
            html.contains(r#"More at <a href="https://example.org/report" rel="nofollow ugc noopener">https://example.org/report</a>."#),
            "{html}"
        );
        assert!(html.contains(r#"<a href="https://example.com" rel="nofollow ugc noopener">here</a>"#), "{html}");
        assert!(html.contains("<code>https://code.example</code>") && html.contains("<pre><code>https://block.example"), "{html}");
        let html = comment_to_html("x https://e.example/\"onmouseover=alert(1)// www.javascript:alert(1).example");
        assert!(!html.contains(" onmouseover"), "{html}");
    }

    #[test]
    fn wordpress_comments_keep_wordpress_comment_html_only() {
        let html = wordpress_comment_to_html(
            "Nice <strong>post</strong>, see <a href=\"https://example.org\" onclick=\"x()\">this</a>.\n\n<h2>Big</h2><script>alert(1)</script><a href=\"javascript:alert(1)\">j</a>",
        );
        assert_eq!(
            html,
            "<p>Nice <strong>post</strong>, see <a href=\"https://example.org\" rel=\"nofollow ugc noopener\">this</a>.</p>\nBig\n\n<p><a rel=\"nofollow ugc noopener\">j</a></p>\n"
        );
    }

    #[test]
    fn keeps_wordpress_markup_authors_rely_on() {
        let html = sanitize_html(
            "<p>Claim<sup><a href=\"#fn1\" id=\"ref1\">1</a></sup></p><ol class=\"wp-block-footnotes evil-class\"><li id=\"fn1\">Note <a href=\"#ref1\">↩</a></li></ol>\
             <table><tbody><tr><td>a</td></tr></tbody><tfoot><tr><td>total</td></tr></tfoot></table><img class=\"alignleft size-large form-error\" src=\"https://example.org/a.jpg\">",
        );
        assert!(html.contains(r##"<a href="#user-content-fn1" id="user-content-ref1" rel="noopener">1</a>"##), "{html}");
        assert!(html.contains(r#"<ol class="wp-block-footnotes"><li id="user-content-fn1">"#), "{html}");
        assert!(html.contains("<tfoot><tr><td>total</td></tr></tfoot>"), "{html}");
        assert!(html.contains(r#"class="alignleft size-large""#), "{html}");
        // Sanitizing again changes nothing (imports and saves may pass HTML through twice).
        assert_eq!(sanitize_html(&html), html);
    }

    #[test]
    fn marks_where_the_teaser_ends() {
        let html = markdown_to_html("Teaser.\n\n<!--more-->\n\nThe rest.");
        assert!(html.contains(MORE_MARKER), "{html}");
        let html = sanitize_html("<p id=\"main\">x</p><span id=\"content\">y</span>");
        assert!(!html.contains("id=\"content\""), "author ids cannot clash with the page's: {html}");
    }

    #[test]
    fn hostile_nesting_is_flattened_not_parsed_deep() {
        let count = |html: &str, tag: &str| html.matches(tag).count();
        let quotes = markdown_to_html(&(">".repeat(20_000) + " the words"));
        assert!(count(&quotes, "<blockquote>") <= MAX_NESTING, "{}", count(&quotes, "<blockquote>"));
        assert!(quotes.contains("the words"));
        let divs = sanitize_html(&("<div>".repeat(20_000) + "kept" + &"</div>".repeat(20_000)));
        assert!(count(&divs, "<div>") <= MAX_NESTING && divs.contains("kept"));
        let comment = comment_to_html(&(">".repeat(4_000) + " reply"));
        assert!(count(&comment, "<blockquote>") <= MAX_NESTING && comment.contains("reply"));
    }

    #[test]
    fn keeps_figures() {
        let html = sanitize_html("<figure><img src=\"https://example.com/a.png\" alt=\"a\"><figcaption>A</figcaption></figure>");
        assert!(html.contains("<figcaption>A</figcaption>"), "{html}");
    }
}
