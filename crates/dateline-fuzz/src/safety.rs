//! The promise every rendered body and comment keeps, checked on the HTML itself (parsed as a
//! browser would, not searched as text): nothing in it can run script or take over the page.

use scraper::{Html, Node};

/// Elements that run script, load other documents or submit forms: never in rendered HTML.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button", "textarea", "select", "base",
    "meta", "link", "svg", "math", "template", "noscript",
];

/// Attributes that hold a URL a browser follows or loads.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "poster", "action", "formaction", "xlink:href", "srcset", "background", "cite"];

/// Panics, saying what and where, when `html` holds anything a visitor could script with.
/// `allowed` lists the only elements this kind of HTML may hold (empty: any safe element).
pub fn assert_safe(html: &str, allowed: &[&str], what: &str) {
    let fragment = Html::parse_fragment(html);
    for node in fragment.tree.nodes() {
        let Node::Element(element) = node.value() else { continue };
        let name = element.name();
        // The fragment parser's own wrapper.
        if name == "html" || name == "body" {
            continue;
        }
        assert!(!FORBIDDEN_ELEMENTS.contains(&name), "{what}: <{name}> in {html:?}");
        assert!(allowed.is_empty() || allowed.contains(&name), "{what}: <{name}> is not allowed here, in {html:?}");
        for (attribute, value) in element.attrs() {
            let attribute = attribute.to_ascii_lowercase();
            assert!(!attribute.starts_with("on"), "{what}: event handler {attribute} on <{name}> in {html:?}");
            assert!(attribute != "style" && attribute != "srcdoc", "{what}: {attribute} on <{name}> in {html:?}");
            if URL_ATTRIBUTES.contains(&attribute.as_str()) {
                assert!(!runs_script(value), "{what}: {attribute}={value:?} on <{name}> in {html:?}");
            }
        }
    }
}

/// True for a URL whose scheme runs code or embeds a document, read as a browser reads it
/// (the WHATWG URL standard): C0 controls and spaces around it ignored, tabs and newlines
/// anywhere ignored, the scheme's case ignored; any other character in the scheme makes the
/// URL relative.
fn runs_script(url: &str) -> bool {
    let cleaned: String = url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let Some((scheme, _)) = cleaned.split_once(':') else { return false };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme && matches!(scheme.to_ascii_lowercase().as_str(), "javascript" | "vbscript" | "data" | "livescript" | "mocha")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_sees_what_a_browser_would_run() {
        for bad in [
            "<script>alert(1)</script>",
            "<a href=\"java\tscript:alert(1)\">x</a>",
            "<a href=\" JAVASCRIPT:alert(1)\">x</a>",
            "<a href=\"\u{1}javascript:alert(1)\">x</a>",
            "<img src=x onerror=alert(1)>",
            "<p style=\"x\">y</p>",
            "<iframe src=https://example.com></iframe>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        ] {
            assert!(std::panic::catch_unwind(|| assert_safe(bad, &[], "test")).is_err(), "{bad}");
        }
        assert_safe(
            "<p>onclick=alert(1) javascript:x</p><a href=\"https://example.com/a:b\">x</a><a href=\"/javascript:x\">y</a><a href=\"java\u{f}script:x\">z</a>",
            &[],
            "test",
        );
        assert!(std::panic::catch_unwind(|| assert_safe("<h1>x</h1>", &["p"], "test")).is_err());
    }
}
