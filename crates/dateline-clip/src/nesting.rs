//! Guards against hostile nesting. Deep nesting hurts twice: code that walks a tree by
//! recursion can overflow its stack, and the HTML parser itself slows down quadratically
//! (each `<div>` makes it search its whole stack of open elements), so 5 MB of `<div>`s
//! would keep it busy for hours. Hence two checks: an estimate from the raw markup before
//! parsing, and the exact depth of the parsed tree after.

use dom_query::Document;

/// Elements that never hold others, or that the parser closes by itself when a sibling
/// starts (`<p>`, `<li>`, `<td>`, …): they do not make the stack grow, so they are not counted.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param", "keygen", "p", "li",
    "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "head",
    "body",
];

/// Elements whose content is text, not markup: skipped to their end tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"];

/// True when the markup opens more than `limit` elements without closing them, by a count
/// over the raw text (linear, before the parser sees it): start tags add one, end tags take
/// one away, for the elements that nest; comments and raw text are skipped. Unclosed tags
/// make it overestimate, so `limit` should be generous.
pub fn markup_deeper_than(html: &str, limit: usize) -> bool {
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(offset) = bytes.get(at..).and_then(|rest| rest.iter().position(|&b| b == b'<')) {
        let tag = at + offset + 1;
        let rest = &bytes[tag..];
        if rest.starts_with(b"!--") {
            at = find(bytes, tag + 3, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = tag + usize::from(closing);
        let name_length = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = &lower[name_start..name_start + name_length];
        at = name_start + name_length;
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) || NOT_NESTING.contains(&name) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else if RAW_TEXT.contains(&name) {
            at = find(bytes, at, format!("</{name}").as_bytes()).unwrap_or(bytes.len());
        } else {
            depth += 1;
            if depth > limit {
                return true;
            }
        }
    }
    false
}

/// The first position of `needle` in `haystack` at or after `from`.
fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|window| window == needle).map(|at| from + at)
}

/// True when some node of the parsed tree sits more than `limit` levels deep. Walks the tree
/// in document order with a loop (first child, else next sibling, else climb), never by
/// recursion.
pub fn tree_deeper_than(doc: &Document, limit: usize) -> bool {
    let mut node = doc.root();
    let mut depth = 0usize;
    loop {
        if let Some(child) = node.first_child() {
            depth += 1;
            if depth > limit {
                return true;
            }
            node = child;
            continue;
        }
        loop {
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            match node.parent() {
                Some(parent) if depth > 0 => {
                    depth -= 1;
                    node = parent;
                }
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markup_estimate_counts_what_nests() {
        let divs = |n: usize| format!("{}{}", "<div>".repeat(n), "</div>".repeat(n));
        assert!(!markup_deeper_than(&divs(100), 100));
        assert!(markup_deeper_than(&divs(101), 100));
        assert!(!markup_deeper_than(&"<div></div>".repeat(10_000), 1), "siblings do not nest");
        assert!(!markup_deeper_than(&"<p>one<br><img src=x><li>two<td>".repeat(10_000), 1), "void and self-closing elements");
        let script = format!("<script>{}</script><!-- {} -->", "if (a<b) {}".repeat(1000), "<div>".repeat(1000));
        assert!(!markup_deeper_than(&script, 1), "scripts and comments are not markup");
        assert!(markup_deeper_than(&format!("<SCRIPT>x</SCRIPT>{}", "<DIV>".repeat(3)), 2), "case does not matter");
    }

    #[test]
    fn the_tree_depth_is_exact() {
        let doc = Document::from(format!("<html><body>{}x", "<div>".repeat(50)));
        // document > html > body > 50 divs > text.
        assert!(!tree_deeper_than(&doc, 53));
        assert!(tree_deeper_than(&doc, 52));
    }
}
