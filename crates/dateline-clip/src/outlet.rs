//! Who published the page when it does not say so in `og:site_name` or JSON-LD: the name it
//! gives itself after the headline in `<title>` ("… - The New York Times"), else its domain
//! ("www.nytimes.com" gives "Nytimes"). No table of known outlets: it would always be out of date.

use crate::byline::comparable;

/// What separates a headline from the site's name in `<title>`.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · "];
/// A site's name is short; a longer tail is part of the headline.
const MAX_NAME_WORDS: usize = 6;

/// The part of `title` beside `headline` that names the site, if the title is the headline
/// plus a name.
pub fn from_title(title: &str, headline: &str) -> Option<String> {
    let headline = comparable(headline);
    TITLE_SEPARATORS.iter().find_map(|separator| {
        // "Headline - Site" or "Site | Headline": (the headline's part, the name's part).
        let suffix = title.rsplit_once(separator);
        let prefix = title.split_once(separator).map(|(name, rest)| (rest, name));
        [suffix, prefix].into_iter().flatten().find_map(|(rest, name)| {
            let name = name.trim();
            let plausible = !name.is_empty() && name.split_whitespace().count() <= MAX_NAME_WORDS;
            (plausible && comparable(rest) == headline).then(|| name.to_string())
        })
    })
}

/// The registrable domain's first label, capitalised: "www1.folha.uol.com.br" gives "Uol",
/// "www.bbc.co.uk" gives "Bbc". Second-level labels such as "co" or "com" before a country code
/// are skipped; without the public suffix list this is a guess, and only a last resort.
pub fn from_url(url: &str) -> Option<String> {
    let host = url.split_once("://")?.1.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h).split(':').next()?.to_ascii_lowercase();
    let mut labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    if labels.len() < 2 || labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    labels.pop();
    let generic = ["co", "com", "org", "net", "gov", "ac", "edu", "ne", "or", "gob"];
    if labels.len() >= 2 && labels.last().is_some_and(|l| generic.contains(l)) {
        labels.pop();
    }
    let label = labels.last()?;
    let mut chars = label.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_names_the_site_beside_the_headline() {
        let headline = "United States to Lift Sudan Sanctions";
        assert_eq!(
            from_title("United States to Lift Sudan Sanctions - The New York Times", headline).as_deref(),
            Some("The New York Times")
        );
        assert_eq!(from_title("WIRED | United States to Lift Sudan Sanctions", headline).as_deref(), Some("WIRED"));
        assert_eq!(from_title(headline, headline), None);
        assert_eq!(from_title("Something else entirely - Site", headline), None);
    }

    #[test]
    fn the_domain_is_the_last_resort() {
        assert_eq!(from_url("https://www.nytimes.com/2017/01/13/x.html").as_deref(), Some("Nytimes"));
        assert_eq!(from_url("http://www.bbc.co.uk/news").as_deref(), Some("Bbc"));
        assert_eq!(from_url("https://user@blog.example.org:8443/").as_deref(), Some("Example"));
        assert_eq!(from_url("http://192.168.0.1/"), None);
        assert_eq!(from_url("not a url"), None);
    }
}
