//! The text of a rendered body's block quotes, for the quote limit (`dateline_app::quoting`).
//!
//! It reads the sanitized HTML a save stores rather than the source the author typed: one
//! reading for both body formats (Markdown's `>` and a `<blockquote>` written inside it, and
//! WordPress's HTML bodies, whose quotes are only elements) and the same one the editor's live
//! counter sees in its preview. The sanitizer's output is well formed (every element closed,
//! comments and scripts gone, `<` escaped in text), so a scan of its tags is enough; no parser.

/// Elements that sit inside a line of text: their tags do not separate words
/// (`<em>quot</em>ed` is one word). Every other tag does (`<p>a</p><p>b</p>` is two).
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s", "samp", "small",
    "span", "strike", "strong", "sub", "sup", "time", "u", "var",
];

/// The text inside `<blockquote>` elements of sanitized `html` (a quote inside a quote once),
/// with spaces where block tags separated words and the commonest character references read.
pub fn blockquote_text(html: &str) -> String {
    let mut text = String::new();
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        if depth > 0 {
            text.push_str(&rest[..open]);
        }
        let tag = &rest[open + 1..];
        let end = tag_end(tag);
        let (closing, name) = match tag.strip_prefix('/') {
            Some(name) => (true, name),
            None => (false, tag),
        };
        let name: String = name.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        if name == "blockquote" {
            depth = if closing { depth.saturating_sub(1) } else { depth + 1 };
        }
        if depth > 0 && !INLINE.contains(&name.as_str()) {
            text.push(' ');
        }
        rest = tag.get(end..).unwrap_or("");
    }
    if depth > 0 {
        text.push_str(rest);
    }
    decode(&text)
}

/// Where the tag starting at `tag` (after its `<`) ends: past its `>`, skipping quoted
/// attribute values (the serializer leaves `>` in them as it is).
fn tag_end(tag: &str) -> usize {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    tag.len()
}

/// The references the serializer writes in text: `&nbsp;` becomes a space (it separates
/// words on the page), the others their characters.
fn decode(text: &str) -> String {
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(html: &str) -> Vec<String> {
        blockquote_text(html).split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn reads_only_the_quotes() {
        let html = "<p>My take.</p>\n<blockquote>\n<p>First <em>quot</em>ed line.</p>\n<p>Second&nbsp;one &amp; more.</p>\n</blockquote>\n<p>After.</p>";
        assert_eq!(words(html), ["First", "quoted", "line.", "Second", "one", "&", "more."]);
    }

    #[test]
    fn nested_quotes_and_attributes() {
        let html = r#"<blockquote><p>a</p><blockquote><p title="x>y">b</p></blockquote><p>c</p></blockquote><p>d</p>"#;
        assert_eq!(words(html), ["a", "b", "c"]);
        assert_eq!(words("<p>no quotes</p>"), Vec::<String>::new());
        // Unclosed (never from the sanitizer): what follows the quote's start counts.
        assert_eq!(words("<blockquote>x y"), ["x", "y"]);
    }

    #[test]
    fn markdown_and_html_quotes_read_alike() {
        let markdown = crate::markdown_to_html("Intro.\n\n> One two\n> three.\n\n<blockquote>four five</blockquote>\n");
        assert_eq!(words(&markdown), ["One", "two", "three.", "four", "five"]);
        let wordpress = crate::sanitize_html("<p>x</p><blockquote><p>one two</p></blockquote>");
        assert_eq!(words(&wordpress), ["one", "two"]);
    }
}
