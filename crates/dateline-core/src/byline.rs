//! How an attribution line's words become outlets and reporters (issue 10): which reporters a
//! line like "Nora Gámez Torres and Ana Ruiz" names, when two outlet names are the same outlet
//! ("Miami Herald", "The Miami Herald"), and which web domain a source URL is on. Pure rules:
//! the store applies them when a post is written, the theme when it links the names.

use crate::search::fold;

/// One piece of a reporter line: a name, or the words between two names (", ", " and ").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePiece<'a> {
    pub text: &'a str,
    pub is_name: bool,
}

/// The separators between names, longest first so ", and " wins over ",". Spanish "y" and
/// "e" are there because the blogs quote Spanish-language outlets.
const SEPARATORS: &[&str] = &[", and ", ", & ", " and ", " & ", " y ", " e ", ", ", "; ", " / "];

/// The pieces of a reporter line as written, names and separators in turn: "A, B & C" is
/// `A`, `, `, `B`, ` & `, `C`. A leading "By " is a separator too (not part of the name).
/// Empty names (a line of only separators) are left out.
pub fn reporter_line(line: &str) -> Vec<LinePiece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = line;
    for prefix in ["By ", "by ", "BY "] {
        if let Some(after) = rest.strip_prefix(prefix) {
            pieces.push(LinePiece { text: prefix, is_name: false });
            rest = after;
            break;
        }
    }
    loop {
        let next =
            SEPARATORS.iter().filter_map(|sep| rest.find(sep).map(|at| (at, *sep))).min_by_key(|(at, sep)| (*at, usize::MAX - sep.len()));
        match next {
            Some((at, sep)) => {
                push_name(&mut pieces, &rest[..at]);
                pieces.push(LinePiece { text: &rest[at..at + sep.len()], is_name: false });
                rest = &rest[at + sep.len()..];
            }
            None => {
                push_name(&mut pieces, rest);
                return pieces;
            }
        }
    }
}

fn push_name<'a>(pieces: &mut Vec<LinePiece<'a>>, text: &'a str) {
    if fold(text).is_empty() {
        if !text.is_empty() {
            pieces.push(LinePiece { text, is_name: false });
        }
    } else {
        pieces.push(LinePiece { text, is_name: true });
    }
}

/// The reporters a line names, trimmed, in order, each once.
pub fn reporter_names(line: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for piece in reporter_line(line).into_iter().filter(|p| p.is_name) {
        let name = piece.text.trim().to_string();
        if !names.iter().any(|n| fold(n) == fold(&name)) {
            names.push(name);
        }
    }
    names
}

/// The key two reporter names are the same person by: case and accents folded, punctuation
/// ignored ("Nora Gámez Torres" and "nora gamez-torres").
pub fn reporter_key(name: &str) -> String {
    fold(name)
}

/// The key two outlet names are the same outlet by: folded as a reporter's, and a leading
/// "The" dropped ("The Miami Herald" is "Miami Herald").
pub fn outlet_key(name: &str) -> String {
    let folded = fold(name);
    match folded.strip_prefix("the ") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => folded,
    }
}

/// The web domain of an http(s) address, lowercase and without "www." (the domain an outlet
/// is known by); `None` for anything else.
pub fn domain_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?.trim_end_matches('.').to_ascii_lowercase();
    normal_domain(&host)
}

/// A domain as typed by an editor ("www.MiamiHerald.com", "https://miamiherald.com/") made
/// the form outlets are matched by; `None` when it is not a domain name.
pub fn normal_domain(text: &str) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    let text = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).unwrap_or(&text);
    let host = text.split(['/', '?', '#']).next().unwrap_or("").trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    let valid = host.contains('.')
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    valid.then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_names_several_reporters() {
        assert_eq!(reporter_names("Nora Gámez Torres"), ["Nora Gámez Torres"]);
        assert_eq!(reporter_names("Ana Ruiz and Bo Li"), ["Ana Ruiz", "Bo Li"]);
        assert_eq!(reporter_names("A. One, B. Two & C. Three"), ["A. One", "B. Two", "C. Three"]);
        assert_eq!(reporter_names("Mario Pentón y Nora Gámez"), ["Mario Pentón", "Nora Gámez"]);
        assert_eq!(reporter_names("By Ana Ruiz, Bo Li, and Cy Ng"), ["Ana Ruiz", "Bo Li", "Cy Ng"]);
        assert_eq!(reporter_names("Ana Ruiz and ana ruiz"), ["Ana Ruiz"]);
        assert!(reporter_names(" , & ").is_empty());
        // A name with "and" inside a word is one name.
        assert_eq!(reporter_names("Sandy Andrews"), ["Sandy Andrews"]);
    }

    #[test]
    fn the_line_pieces_give_back_the_line() {
        for line in ["By Ana Ruiz, Bo Li, and Cy Ng", "A y B", "Solo", "A & ", ""] {
            let joined: String = reporter_line(line).iter().map(|p| p.text).collect();
            assert_eq!(joined, line);
        }
    }

    #[test]
    fn outlet_names_fold_and_drop_the() {
        assert_eq!(outlet_key("The Miami Herald"), outlet_key("Miami Herald"));
        assert_eq!(outlet_key("MIAMI  herald"), "miami herald");
        assert_eq!(outlet_key("El Nuevo Herald"), "el nuevo herald");
        assert_eq!(outlet_key("Diario de Cuba"), outlet_key("Diário de Cuba"));
        assert_eq!(outlet_key("The"), "the");
        assert_eq!(reporter_key("Nora Gámez Torres"), reporter_key("nora gamez torres"));
    }

    #[test]
    fn domains_drop_www_and_ports() {
        assert_eq!(domain_of("https://www.miamiherald.com/news/x.html").as_deref(), Some("miamiherald.com"));
        assert_eq!(domain_of("http://user@MiamiHerald.com:8080/").as_deref(), Some("miamiherald.com"));
        assert_eq!(domain_of("ftp://miamiherald.com/"), None);
        assert_eq!(domain_of("https://localhost/"), None);
        assert_eq!(normal_domain("https://www.Example.org/").as_deref(), Some("example.org"));
        assert_eq!(normal_domain("not a domain"), None);
    }
}
