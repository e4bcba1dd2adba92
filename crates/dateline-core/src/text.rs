//! Text hygiene shared by every way text comes in: control characters (other than tab and
//! line breaks) have no place in a blog, are invalid in XML 1.0 (feeds, exports), and can
//! drive a moderator's terminal, so they are removed where text enters.

/// Whether `c` is a control character XML 1.0 forbids (tab, line feed and carriage return
/// are allowed).
pub fn is_forbidden_control(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || ('\u{7f}'..='\u{9f}').contains(&c) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// `text` without forbidden control characters.
pub fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !is_forbidden_control(*c)).collect()
}

/// `text` as plain text for places that show no markup (feed titles, which readers decode and
/// may then render as HTML): tags removed as WordPress's `strip_tags` does, other text kept.
/// A `<` that does not open a tag (`5 < 6`) stays; so does everything outside tags.
pub fn strip_tags(text: &str) -> String {
    replace_tags(text, "")
}

/// `text` with each tag (as [`strip_tags`] finds them) replaced by `with`: a space keeps the
/// words of `<p>a</p><p>b</p>` apart.
pub fn replace_tags(text: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let opens_tag = after.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        match after.find('>') {
            Some(end) if opens_tag => {
                out.push_str(with);
                rest = &after[end + 1..];
            }
            // An unclosed tag runs to the end, as in PHP: nothing of it is shown.
            None if opens_tag => rest = "",
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_but_not_lone_brackets() {
        assert_eq!(strip_tags("Hi <script>alert(1)</script> there"), "Hi alert(1) there");
        assert_eq!(strip_tags("5 < 6 and 7 > 3"), "5 < 6 and 7 > 3");
        assert_eq!(strip_tags("<b>bold</b><img src=x onerror=alert(1)>"), "bold");
        assert_eq!(strip_tags("cut <a href=\"x"), "cut ");
    }

    #[test]
    fn removes_only_forbidden_controls() {
        assert_eq!(strip_controls("a\u{1b}[31mb\u{7}\tc\nd"), "a[31mb\tc\nd");
    }
}
