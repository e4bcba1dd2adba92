//! Bylines into reporters: "By Stella Kim and Jennifer Jett" is two people. Prefixes ("By",
//! "Par", "Por", "Von") go; a list splits on commas and on "and" in the languages news is
//! written in; bracketed notes go (Le Monde's "Martin Untersinger (avec Damien Leloup et
//! Morgane Tual)" gives the lead author only: the people "avec" helped, and the post credits
//! whoever signs; Folha's "Bruno (Henrique Zecchin) Rodrigues" gives "Bruno Rodrigues", the
//! name he signs with). What is not a person is dropped: a URL, a handle, the outlet's own
//! name ("BBC News" as byline on bbc.com).

/// Words that introduce a byline, lowercase (followed by a space or a colon).
const PREFIXES: &[&str] = &["written by", "reporting by", "by", "par", "por", "von", "door", "di"];

/// What joins two names in a list.
const JOINERS: &[&str] = &[" and ", " y ", " et ", " e ", " und ", " & ", " en "];

/// The longest plausible name, in words; longer text is a sentence, not a byline.
const MAX_NAME_WORDS: usize = 6;

/// The people in `byline`, in order, without the outlet's own names (`self_names`, compared
/// by their letters and digits only).
pub fn reporters(byline: &str, self_names: &[String]) -> Vec<String> {
    let without_notes = remove_bracketed(byline);
    let is_self = |name: &str| self_names.iter().any(|own| comparable(own) == comparable(name));
    // Checked whole first: "Mac & i" is one name, not "Mac" and "i".
    if is_self(&without_notes) {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    for part in split_list(&without_notes) {
        let Some(name) = clean_name(&part) else { continue };
        if is_self(&name) || names.iter().any(|seen| comparable(seen) == comparable(&name)) {
            continue;
        }
        names.push(name);
    }
    names
}

/// The text with `( … )` and `[ … ]` removed (unbalanced brackets: the rest of the line).
fn remove_bracketed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for ch in text.chars() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    out
}

/// Splits on commas, semicolons, bars, line breaks and the joining words (not on slashes: a
/// URL is dropped whole).
fn split_list(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = text.split([',', ';', '|', '\n', '·', '•']).map(str::to_string).collect();
    for joiner in JOINERS {
        parts = parts.into_iter().flat_map(|part| split_case_insensitive(&part, joiner)).collect();
    }
    parts
}

fn split_case_insensitive(text: &str, separator: &str) -> Vec<String> {
    // ASCII lowercasing keeps byte offsets, so positions in `lower` are positions in `text`.
    let lower = text.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(at) = lower[start..].find(separator) {
        parts.push(text[start..start + at].to_string());
        start += at + separator.len();
    }
    parts.push(text[start..].to_string());
    parts
}

/// One name, tidied, or `None` when the part is not a person's name.
fn clean_name(part: &str) -> Option<String> {
    if part.contains("://") || part.contains('@') {
        return None;
    }
    let mut name = part.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let lower = name.to_ascii_lowercase();
        let introduced = |prefix: &&&str| lower.starts_with(**prefix) && lower[prefix.len()..].starts_with([' ', ':']);
        let Some(prefix) = PREFIXES.iter().find(introduced) else { break };
        name = name[prefix.len()..].trim_start_matches([' ', ':']).to_string();
    }
    let name = name.trim_matches(|c: char| !c.is_alphanumeric() && c != '.' && c != '\'' && c != '’').trim();
    let looks_like_a_name = name.chars().any(char::is_alphabetic)
        && !name.to_ascii_lowercase().starts_with("www.")
        && name.split_whitespace().count() <= MAX_NAME_WORDS;
    looks_like_a_name.then(|| if is_shouting(name) { title_case(name) } else { name.to_string() })
}

/// "JEFFREY GETTLEMAN", as some bylines are set, reads better as "Jeffrey Gettleman".
fn is_shouting(name: &str) -> bool {
    name.chars().filter(|c| c.is_alphabetic()).count() > 3 && !name.chars().any(char::is_lowercase)
}

fn title_case(name: &str) -> String {
    name.split(' ')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()).unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// A name reduced to its lowercase letters and digits, for comparing "the Guardian" with
/// "The Guardian" and "Mac & i" with "Mac&i".
pub fn comparable(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::reporters;

    fn names(byline: &str) -> Vec<String> {
        reporters(byline, &["BBC News".to_string(), "Mac & i".to_string()])
    }

    #[test]
    fn lists_split_on_commas_and_the_word_and_in_several_languages() {
        assert_eq!(names("Stella Kim, Jennifer Jett"), ["Stella Kim", "Jennifer Jett"]);
        assert_eq!(names("By Ann Lee and Bo Chan"), ["Ann Lee", "Bo Chan"]);
        assert_eq!(names("Por Ana Gómez y Luis Pérez"), ["Ana Gómez", "Luis Pérez"]);
        assert_eq!(names("Par Jean Dupont et Marie Curie"), ["Jean Dupont", "Marie Curie"]);
        assert_eq!(names("Von Hans Meier und Eva Braun"), ["Hans Meier", "Eva Braun"]);
        assert_eq!(names("João Silva e Maria Souza"), ["João Silva", "Maria Souza"]);
        assert_eq!(names("Ann Lee, Bo Chan, and Cy Diaz"), ["Ann Lee", "Bo Chan", "Cy Diaz"]);
    }

    #[test]
    fn a_name_containing_a_joining_word_is_not_split() {
        assert_eq!(names("Andrew Byrne"), ["Andrew Byrne"]);
        assert_eq!(names("Yves Etienne"), ["Yves Etienne"]);
        assert_eq!(names("Bernd Eund"), ["Bernd Eund"]);
    }

    #[test]
    fn prefixes_brackets_and_shouting_are_tidied() {
        assert_eq!(names("By JEFFREY GETTLEMAN"), ["Jeffrey Gettleman"]);
        assert_eq!(names("Martin Untersinger (avec Damien Leloup et Morgane Tual)"), ["Martin Untersinger"]);
        assert_eq!(names("Bruno (Henrique Zecchin) Rodrigues "), ["Bruno Rodrigues"]);
        assert_eq!(names("  by   Jane   Doe, "), ["Jane Doe"]);
        assert_eq!(names("Written by: Sam O'Neil"), ["Sam O'Neil"]);
    }

    #[test]
    fn the_outlet_urls_handles_and_sentences_are_not_reporters() {
        assert!(names("BBC News").is_empty());
        assert!(names("bbc news").is_empty());
        assert!(names("Mac&i").is_empty());
        assert!(names("Mac & i").is_empty());
        assert!(names("https://www.theguardian.com/profile/someone").is_empty());
        assert!(names("@somebody").is_empty());
        assert!(names("This is a long sentence that is not anybody's name at all").is_empty());
        assert_eq!(names("Kim Lee and BBC News"), ["Kim Lee"]);
        assert_eq!(names("Kim Lee, Kim Lee"), ["Kim Lee"]);
    }
}
