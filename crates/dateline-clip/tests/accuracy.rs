//! Accuracy on real pages: the eight news pages of `../shared/fixtures/articles/` (Mozilla
//! Readability's own test pages), each compared with what Readability extracts from it. The
//! headline, outlet and date must equal Readability's; the text must overlap its text by at
//! least 90 % (token F1); the reporters must be the people the page names, and nobody where
//! Readability's byline is the outlet or a section ("beating Readability").

use std::collections::HashMap;
use std::path::PathBuf;

/// The least token F1 between our text and Readability's.
const MIN_TEXT_F1: f64 = 0.90;

struct Page {
    folder: &'static str,
    /// The canonical URL (SOURCE.md's table), as the page was read from.
    url: &'static str,
    /// The people the page names as its reporters.
    reporters: &'static [&'static str],
}

fn check(page: Page) {
    let Some(fixtures) = dateline_testkit::fixtures("clip accuracy") else { return };
    let dir: PathBuf = fixtures.join("articles").join(page.folder);
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", page.folder));
    let expected: serde_json::Value = serde_json::from_slice(&read("expected-metadata.json")).expect("expected metadata");
    let article = dateline_clip::extract(&read("source.html"), page.url, None).unwrap_or_else(|e| panic!("{}: {e}", page.folder));

    assert_eq!(article.headline.trim(), expected["title"].as_str().expect("a title").trim(), "{}: headline", page.folder);
    if let Some(site) = expected["siteName"].as_str() {
        assert_eq!(article.outlet.as_deref(), Some(site), "{}: outlet", page.folder);
    }
    if let Some(time) = expected["publishedTime"].as_str() {
        let time: jiff::Timestamp = time.parse().expect("an RFC 3339 time");
        assert_eq!(article.published_at, Some(time), "{}: published", page.folder);
    }
    assert_eq!(article.reporters, page.reporters, "{}: reporters", page.folder);

    let readability_text = dom_query::Document::from(String::from_utf8_lossy(&read("expected.html")).into_owned()).select("body").text();
    let f1 = token_f1(&article.text, &readability_text);
    assert!(f1 >= MIN_TEXT_F1, "{}: text F1 {f1:.3} < {MIN_TEXT_F1}", page.folder);

    assert!(!article.excerpt.is_empty() && article.excerpt.len() <= 3, "{}: excerpt {:?}", page.folder, article.excerpt);
    for paragraph in &article.excerpt {
        assert!(article.text.contains(paragraph.split_whitespace().next().unwrap_or_default()), "{}: {paragraph}", page.folder);
    }
    assert_eq!(article.words, article.text.split_whitespace().count());
    // Shown when run with --nocapture: what the extraction gives, field by field.
    println!("{}: {}", page.folder, serde_json::to_string(&Summary::of(&article, f1)).unwrap_or_default());
}

#[derive(serde::Serialize)]
struct Summary<'a> {
    headline: &'a str,
    reporters: &'a [String],
    outlet: Option<&'a str>,
    published_at: Option<String>,
    lang: Option<&'a str>,
    url: &'a str,
    words: usize,
    f1: String,
    excerpt: &'a [String],
}

impl<'a> Summary<'a> {
    fn of(article: &'a dateline_clip::Article, f1: f64) -> Summary<'a> {
        Summary {
            headline: &article.headline,
            reporters: &article.reporters,
            outlet: article.outlet.as_deref(),
            published_at: article.published_at.map(|t| t.to_string()),
            lang: article.lang.as_deref(),
            url: &article.url,
            words: article.words,
            f1: format!("{f1:.3}"),
            excerpt: &article.excerpt,
        }
    }
}

/// F1 of the two texts' lowercased word tokens, counted as multisets.
fn token_f1(ours: &str, theirs: &str) -> f64 {
    let count = |text: &str| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for token in text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()) {
            *counts.entry(token.to_lowercase()).or_default() += 1;
        }
        counts
    };
    let (ours, theirs) = (count(ours), count(theirs));
    let common: usize = ours.iter().map(|(token, n)| (*n).min(theirs.get(token).copied().unwrap_or(0))).sum();
    let total = |counts: &HashMap<String, usize>| counts.values().sum::<usize>() as f64;
    if common == 0 {
        return 0.0;
    }
    let (precision, recall) = (common as f64 / total(&ours), common as f64 / total(&theirs));
    2.0 * precision * recall / (precision + recall)
}

#[test]
fn token_f1_counts_repeated_words() {
    assert!((token_f1("a b c", "A, b. c!") - 1.0).abs() < 1e-9);
    assert!((token_f1("a a", "a") - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(token_f1("x", "y"), 0.0);
}

#[test]
fn bbc_byline_is_the_outlet_so_no_reporter() {
    check(Page { folder: "bbc-1", url: "http://www.bbc.com/news/world-us-canada-33646704", reporters: &[] });
}

/// Folha's JSON-LD names "Bruno (Henrique Zecchin) Rodrigues": the bracketed middle names
/// go, as every bracketed note in a byline does, leaving the name he signs with.
#[test]
fn folha_portuguese() {
    check(Page {
        folder: "folha",
        url: "https://www1.folha.uol.com.br/esporte/2018/12/tite-diz-que-errou-ao-levar-taca-da-libertadores-a-lula-em-2012.shtml",
        reporters: &["Bruno Rodrigues"],
    });
}

#[test]
fn guardian_heavy_page() {
    check(Page {
        folder: "guardian-1",
        url: "https://www.theguardian.com/environment/2019/jan/03/what-is-the-sea-telling-us-maori-tribes-fearful-over-whale-strandings",
        reporters: &["Eleanor Ainge Roy"],
    });
}

#[test]
fn heise_byline_is_a_section_so_no_reporter() {
    check(Page {
        folder: "heise",
        url: "http://www.heise.de/mac-and-i/meldung/1Password-fuer-Mac-generiert-Einmal-Passwoerter-2596987.html",
        reporters: &[],
    });
}

/// "Martin Untersinger (avec Damien Leloup et Morgane Tual)": the lead author; those who
/// helped ("avec") are a bracketed note.
#[test]
fn lemonde_french_multi_author_byline() {
    check(Page {
        folder: "lemonde-1",
        url: "http://www.lemonde.fr/pixels/article/2015/05/04/que-contient-la-loi-sur-le-renseignement_4627068_4408996.html",
        reporters: &["Martin Untersinger"],
    });
}

#[test]
fn nytimes_without_site_name() {
    check(Page {
        folder: "nytimes-1",
        url: "https://www.nytimes.com/2017/01/13/world/africa/sudan-sanctions.html",
        reporters: &["Jeffrey Gettleman"],
    });
}

#[test]
fn nbc_json_ld_with_a_context_object() {
    check(Page {
        folder: "schema-org-context-object",
        url: "https://www.nbcnews.com/news/world/south-korea-martial-law-president-yoon-suk-yeol-impeachment-vote-rcna183138",
        reporters: &["Stella Kim", "Jennifer Jett"],
    });
}

/// Readability's expected metadata has no byline here, but the page names its author (the
/// entry's `itemprop="author"` block, "Posts by Sarah Gooding"), and she is credited.
#[test]
fn wordpress_article_with_comments() {
    check(Page {
        folder: "wordpress",
        url: "https://wptavern.com/stack-overflow-jobs-data-shows-reactjs-skills-in-high-demand-wordpress-market-oversaturated-with-developers",
        reporters: &["Sarah Gooding"],
    });
}
