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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_forbidden_controls() {
        assert_eq!(strip_controls("a\u{1b}[31mb\u{7}\tc\nd"), "a[31mb\tc\nd");
    }
}
