//! The article's text, found the way Firefox's Reader View finds it: Mozilla's Readability
//! algorithm, through `dom_smoothie` (a faithful Rust port, tested upstream on the same
//! pages Readability is). From its result come the whole text and the paragraphs, and the
//! first real ones among those are the lead an excerpt quotes.

use dom_query::Document;
use dom_smoothie::{Config, Readability, ReadabilityError, TextMode};

use crate::ClipError;
use crate::head::squeeze;

/// Far more elements than a real article page has (the eight fixture pages have 600 to
/// 2,100); a page with more is refused before the scoring, whose cost grows with it.
const MAX_ELEMENTS: usize = 100_000;

/// A lead paragraph has at least this many words (captions, bylines and "Advertisement" have fewer).
const MIN_LEAD_WORDS: usize = 12;
/// At most this many lead paragraphs, and no third one once the first two make this many characters.
const MAX_LEAD_PARAGRAPHS: usize = 3;
const ENOUGH_LEAD_CHARS: usize = 500;

/// What the content extraction found.
#[derive(Debug)]
pub struct Body {
    /// The article's text, paragraphs separated by blank lines.
    pub text: String,
    /// The article's paragraphs (`<p>` outside figures and asides), whitespace squeezed.
    pub paragraphs: Vec<String>,
    /// The byline Readability found (in the page's metadata or its text), as written.
    pub byline: Option<String>,
    /// Readability's guess at the title (from `<title>` and the headings), the last resort.
    pub title: String,
}

/// Runs Readability over the parsed page (which it changes: read the head first).
pub fn extract(doc: Document, page_url: Option<&str>) -> Result<Body, ClipError> {
    let config = Config { max_elements_to_parse: MAX_ELEMENTS, text_mode: TextMode::Formatted, ..Config::default() };
    let mut readability = Readability::with_document(doc, page_url, Some(config)).map_err(|_| ClipError::BadUrl)?;
    let article = readability.parse().map_err(|e| match e {
        ReadabilityError::TooManyElements(found, limit) => ClipError::TooComplex { found, limit },
        ReadabilityError::BadDocumentURL => ClipError::BadUrl,
        ReadabilityError::GrabFailed => ClipError::NoArticle,
    })?;
    let content = Document::from(article.content.to_string());
    let paragraphs = content
        .select("p")
        .nodes()
        .iter()
        .filter(|p| !p.ancestors_it(None).any(|a| a.node_name().is_some_and(|n| matches!(&*n, "figure" | "figcaption" | "aside"))))
        .map(|p| squeeze(&p.text()))
        .filter(|p| !p.is_empty())
        .collect();
    Ok(Body { text: article.text_content.trim().to_string(), paragraphs, byline: article.byline, title: article.title })
}

/// The first two or three paragraphs that read as the article's opening: long enough to be
/// prose rather than a caption, a byline, a dateline or an advertisement's label.
pub fn lead(paragraphs: &[String]) -> Vec<String> {
    let mut lead: Vec<String> = Vec::new();
    for paragraph in paragraphs.iter().filter(|p| p.split_whitespace().count() >= MIN_LEAD_WORDS) {
        let chars: usize = lead.iter().map(|p| p.chars().count()).sum();
        if lead.len() == MAX_LEAD_PARAGRAPHS || (lead.len() >= 2 && chars >= ENOUGH_LEAD_CHARS) {
            break;
        }
        lead.push(paragraph.clone());
    }
    lead
}

#[cfg(test)]
mod tests {
    use super::lead;

    fn words(n: usize) -> String {
        vec!["word"; n].join(" ")
    }

    #[test]
    fn the_lead_skips_short_lines_and_stops_at_three_or_at_enough_text() {
        let short = ["Advertisement".to_string(), "By Ann Lee".to_string()];
        let paragraphs: Vec<String> = short.iter().cloned().chain((0..5).map(|_| words(20))).collect();
        assert_eq!(lead(&paragraphs).len(), 3, "three short paragraphs make the lead");
        let long: Vec<String> = (0..5).map(|_| words(100)).collect();
        assert_eq!(lead(&long).len(), 2, "two long ones are enough");
        assert!(lead(&short).is_empty());
    }
}
