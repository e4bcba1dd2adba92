//! WordPress post HTML made displayable the way WordPress displays it: common shortcodes
//! rendered as plain HTML, automatic paragraphs (`wpautop`) for classic-editor content, then
//! the same sanitizer as any post body. Shortcodes nobody here knows stay visible as typed
//! and are reported, so an import can say what needs a look.

use std::collections::BTreeMap;

/// The result of rendering WordPress content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordPressHtml {
    pub html: String,
    /// Shortcodes left as typed, with how often each appeared.
    pub unknown_shortcodes: BTreeMap<String, usize>,
    /// `[gallery]`s that name no images and found none attached to the post.
    pub empty_galleries: usize,
    /// Gallery images named by an id no attachment has (yet).
    pub unknown_images: usize,
    /// Markup nested deeper than [`crate::MAX_NESTING`] was flattened (its text kept).
    pub flattened: bool,
}

/// The uploaded files a post's shortcodes can show.
pub trait Attachments {
    /// The address of attachment `id`, when known.
    fn url(&self, id: i64) -> Option<String>;
    /// The images attached to this post, in order: what a `[gallery]` without `ids` shows.
    fn of_post(&self) -> Vec<i64>;
}

/// No attachments known (content written outside an import).
pub struct NoAttachments;

impl Attachments for NoAttachments {
    fn url(&self, _: i64) -> Option<String> {
        None
    }
    fn of_post(&self) -> Vec<i64> {
        Vec::new()
    }
}

/// Tags after which WordPress does not add paragraphs.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "col",
    "colgroup",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "legend",
    "li",
    "map",
    "math",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "style",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "audio",
    "video",
    "iframe",
    "object",
    "script",
];

fn tag_name_at(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('<')?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

fn is_block_tag(name: &str) -> bool {
    BLOCK_TAGS.iter().any(|tag| tag.eq_ignore_ascii_case(name))
}

/// WordPress's automatic paragraphs: blank lines separate paragraphs, single line breaks
/// become `<br />`, and block-level elements are left unwrapped. `<pre>` is left alone.
pub fn wpautop(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.trim().is_empty() {
        return String::new();
    }
    // <pre> blocks are set aside whole (every newline in them counts) and put back at the end.
    let mut pres = Vec::new();
    let mut source = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<pre") {
        let Some(len) = rest[start..].find("</pre>").map(|e| e + "</pre>".len()) else { break };
        source.push_str(&rest[..start]);
        source.push_str(&format!("\n\n<pre data-wpautop=\"{}\"></pre>\n\n", pres.len()));
        pres.push(rest[start..start + len].to_string());
        rest = &rest[start + len..];
    }
    source.push_str(rest);

    // Put block tags on their own lines so they never end up inside a paragraph.
    let mut spaced = String::with_capacity(source.len() + 64);
    let mut rest = source.as_str();
    while let Some(at) = rest.find('<') {
        spaced.push_str(&rest[..at]);
        let tail = &rest[at..];
        let close = tail.find('>').map(|i| i + 1).unwrap_or(tail.len());
        let tag = &tail[..close];
        match tag_name_at(tag) {
            Some(name) if is_block_tag(name) && tag.starts_with("</") => {
                spaced.push_str(tag);
                spaced.push_str("\n\n");
            }
            Some(name) if is_block_tag(name) => {
                spaced.push_str("\n\n");
                spaced.push_str(tag);
            }
            _ => spaced.push_str(tag),
        }
        rest = &tail[close..];
    }
    spaced.push_str(rest);

    let mut out = String::with_capacity(spaced.len() + 64);
    for chunk in spaced.split("\n\n") {
        let trimmed = chunk.trim();
        if trimmed.is_empty() {
            continue;
        }
        if tag_name_at(trimmed).is_some_and(is_block_tag) {
            out.push_str(trimmed);
        } else {
            let lines: Vec<&str> = trimmed.lines().map(str::trim_end).collect();
            out.push_str("<p>");
            out.push_str(&lines.join("<br />\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    for (i, pre) in pres.iter().enumerate() {
        out = out.replace(&format!("<pre data-wpautop=\"{i}\"></pre>"), pre);
    }
    out
}

/// Escapes text for an HTML attribute or element.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `key="value" key='value' key=value` attributes of a shortcode.
fn shortcode_attrs(text: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let key_end = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'' | '“' | '”')) => {
                    let body = &after[q.len_utf8()..];
                    let end = body.find(['"', '\'', '“', '”']).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            attrs.insert(key, value.to_string());
            rest = remaining.trim_start();
        } else if !key.is_empty() {
            attrs.insert(key, String::new());
        } else {
            break;
        }
    }
    attrs
}

/// A shortcode found in text.
struct Shortcode<'a> {
    name: &'a str,
    attrs: BTreeMap<String, String>,
    content: Option<&'a str>,
    /// Byte length of the whole shortcode (opening tag, content and closing tag).
    len: usize,
}

fn parse_shortcode(text: &str) -> Option<Shortcode<'_>> {
    let inner = text.strip_prefix('[')?;
    let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?;
    let name = &inner[..name_end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after_name = &inner[name_end..];
    if !after_name.starts_with([' ', ']', '/', '\t']) {
        return None;
    }
    let close = after_name.find(']')?;
    let attr_text = after_name[..close].trim_end_matches('/');
    let self_closing = after_name[..close].ends_with('/');
    let open_len = 1 + name_end + close + 1;
    let closing_tag = format!("[/{name}]");
    if !self_closing && let Some(end) = text[open_len..].find(&closing_tag) {
        let content = &text[open_len..open_len + end];
        return Some(Shortcode {
            name,
            attrs: shortcode_attrs(attr_text),
            content: Some(content),
            len: open_len + end + closing_tag.len(),
        });
    }
    Some(Shortcode { name, attrs: shortcode_attrs(attr_text), content: None, len: open_len })
}

/// Splits `[caption]` content into its image markup and its caption text.
fn split_caption(content: &str) -> (&str, &str) {
    let trimmed = content.trim();
    let end = if trimmed.starts_with("<a") {
        trimmed.find("</a>").map(|i| i + 4)
    } else if trimmed.starts_with("<img") {
        trimmed.find('>').map(|i| i + 1)
    } else {
        None
    };
    match end {
        Some(end) => (&trimmed[..end], trimmed[end..].trim()),
        None => ("", trimmed),
    }
}

fn media_sources(attrs: &BTreeMap<String, String>, kinds: &[&str]) -> Vec<String> {
    let mut sources: Vec<String> = attrs.get("src").into_iter().cloned().collect();
    for kind in kinds {
        if let Some(src) = attrs.get(*kind) {
            sources.push(src.clone());
        }
    }
    sources.dedup();
    sources
}

/// What rendering shortcodes found that it could not show.
#[derive(Debug, Default)]
pub struct Leftovers {
    pub unknown: BTreeMap<String, usize>,
    pub empty_galleries: usize,
    /// Gallery images named by an id no attachment has (yet).
    pub unknown_images: usize,
}

/// Renders the known shortcodes; `attachments` finds gallery images.
pub(crate) fn render_shortcodes(text: &str, attachments: &dyn Attachments, leftovers: &mut Leftovers) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // [[name]] is WordPress's way of writing a literal [name].
        if let Some(stripped) = tail.strip_prefix("[[")
            && let Some(end) = stripped.find("]]")
        {
            out.push('[');
            out.push_str(&stripped[..end]);
            out.push(']');
            rest = &stripped[end + 2..];
            continue;
        }
        let Some(code) = parse_shortcode(tail) else {
            out.push('[');
            rest = &tail[1..];
            continue;
        };
        let rendered = match code.name {
            "caption" | "wp_caption" => {
                let (media, caption) = split_caption(code.content.unwrap_or_default());
                let caption = code.attrs.get("caption").map(String::as_str).filter(|c| !c.is_empty()).unwrap_or(caption);
                Some(format!("<figure>{media}<figcaption>{caption}</figcaption></figure>"))
            }
            "gallery" => {
                // Without `ids`, WordPress shows the images attached to the post.
                let ids: Vec<i64> = match code.attrs.get("ids") {
                    Some(ids) => ids.split(',').filter_map(|i| i.trim().parse().ok()).collect(),
                    None => attachments.of_post(),
                };
                if ids.is_empty() {
                    leftovers.empty_galleries += 1;
                }
                let items: Vec<String> = ids
                    .iter()
                    .map(|id| match attachments.url(*id) {
                        Some(url) => format!("<li><a href=\"{0}\"><img src=\"{0}\" alt=\"\"></a></li>", escape(&url)),
                        None => {
                            leftovers.unknown_images += 1;
                            format!("<li><a href=\"/?attachment_id={id}\">Image {id}</a></li>")
                        }
                    })
                    .collect();
                Some(if items.is_empty() { String::new() } else { format!("<ul class=\"gallery\">{}</ul>", items.concat()) })
            }
            "embed" => {
                let url = code.content.unwrap_or_default().trim();
                Some(format!("<p><a href=\"{0}\">{0}</a></p>", escape(url)))
            }
            "audio" | "video" => {
                let kinds: &[&str] = if code.name == "audio" { &["mp3", "m4a", "ogg", "wav"] } else { &["mp4", "m4v", "webm", "ogv"] };
                let sources = media_sources(&code.attrs, kinds);
                let links: Vec<String> = sources.iter().map(|s| format!("<a href=\"{0}\">{0}</a>", escape(s))).collect();
                let tags: Vec<String> = sources.iter().map(|s| format!("<source src=\"{}\">", escape(s))).collect();
                Some(format!("<{0} controls>{1}{2}</{0}>", code.name, tags.concat(), links.join(" ")))
            }
            _ => None,
        };
        match rendered {
            Some(html) => {
                out.push_str(&html);
                rest = &tail[code.len..];
            }
            None => {
                *leftovers.unknown.entry(code.name.to_string()).or_default() += 1;
                out.push('[');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A line that is nothing but a URL: WordPress would embed it; here it becomes a link.
fn link_bare_urls(text: &str) -> String {
    text.lines()
        .map(|line| {
            let t = line.trim();
            if (t.starts_with("http://") || t.starts_with("https://")) && !t.contains(char::is_whitespace) && !t.contains(['<', '"']) {
                format!("<a href=\"{0}\">{0}</a>", escape(t))
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders WordPress post content for display. Block-editor content (`<!-- wp:… -->`)
/// already has its paragraphs, so `wpautop` is skipped for it, as WordPress does.
pub fn wordpress_to_html(content: &str, attachments: &dyn Attachments) -> WordPressHtml {
    let mut leftovers = Leftovers::default();
    let content = crate::mark_more(content);
    let with_shortcodes = render_shortcodes(&link_bare_urls(&content), attachments, &mut leftovers);
    let paragraphs = if content.contains("<!-- wp:") { with_shortcodes } else { wpautop(&with_shortcodes) };
    let (html, flattened) = crate::sanitize_html_reporting(&paragraphs);
    WordPressHtml {
        html,
        unknown_shortcodes: leftovers.unknown,
        empty_galleries: leftovers.empty_galleries,
        unknown_images: leftovers.unknown_images,
        flattened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: &NoAttachments = &NoAttachments;

    /// Attachment 7 is known; 7 and 9 are attached to the post.
    struct Known;

    impl Attachments for Known {
        fn url(&self, id: i64) -> Option<String> {
            (id == 7).then(|| "https://e.example/7.jpg".to_string())
        }
        fn of_post(&self) -> Vec<i64> {
            vec![7, 9]
        }
    }

    #[test]
    fn adds_paragraphs_like_wordpress() {
        assert_eq!(wpautop("One\nline two\n\nPara two"), "<p>One<br />\nline two</p>\n<p>Para two</p>\n");
        assert_eq!(wpautop("Intro\n<ul>\n<li>a</li>\n</ul>\nOutro"), "<p>Intro</p>\n<ul>\n<li>a</li>\n</ul>\n<p>Outro</p>\n");
        assert!(wpautop("<pre>a\n\nb</pre>").contains("<pre>a\n\nb</pre>"), "{}", wpautop("<pre>a\n\nb</pre>"));
    }

    #[test]
    fn renders_known_shortcodes_and_reports_unknown_ones() {
        let out = wordpress_to_html(
            "[caption id=\"a\" align=\"alignleft\" width=\"150\"]<img src=\"https://e.example/a.jpg\" alt=\"A\" /> The caption[/caption]\n\n[embed]https://e.example/v[/embed]\n\n[contact-form-7 id=\"3\"] and [[caption]]",
            NONE,
        );
        assert!(
            out.html.contains("<figure><img src=\"https://e.example/a.jpg\" alt=\"A\">\n<figcaption>The caption</figcaption>\n</figure>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("<a href=\"https://e.example/v\" rel=\"noopener\">https://e.example/v</a>"), "{}", out.html);
        assert!(out.html.contains("[contact-form-7 id=\"3\"] and [caption]"), "{}", out.html);
        assert_eq!(out.unknown_shortcodes.get("contact-form-7"), Some(&1));
        let gallery = wordpress_to_html("[gallery ids=\"7,8\"]", &Known);
        assert!(gallery.html.contains("<img src=\"https://e.example/7.jpg\""), "{}", gallery.html);
        assert!(gallery.html.contains("href=\"/?attachment_id=8\""), "{}", gallery.html);
        // Without ids, the post's attached images; with none attached, reported.
        let attached = wordpress_to_html("[gallery columns=\"2\"]", &Known);
        assert!(attached.html.contains("https://e.example/7.jpg") && attached.html.contains("/?attachment_id=9"), "{}", attached.html);
        assert_eq!((attached.empty_galleries, wordpress_to_html("[gallery]", NONE).empty_galleries), (0, 1));
        let audio = wordpress_to_html("[audio mp3=\"https://e.example/a.mp3\"]", NONE);
        assert!(audio.html.contains("<audio controls=\"\"><source src=\"https://e.example/a.mp3\">"), "{}", audio.html);
    }

    #[test]
    fn block_editor_content_keeps_its_markup_and_loses_scripts() {
        let out = wordpress_to_html("<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph --><script>alert(1)</script>", NONE);
        assert_eq!(out.html.trim(), "<p>Hi</p>");
    }
}
