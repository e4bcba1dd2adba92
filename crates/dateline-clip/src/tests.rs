//! Whole extractions over small inline pages: where each field comes from, and hostile input.

use super::*;

const URL: &str = "https://news.example.com/2024/05/storm";

fn paragraphs(n: usize) -> String {
    (1..=n)
        .map(|i| format!("<p>Paragraph {i} of the story tells what happened on the coast, who was there and why it matters to the town and its people.</p>"))
        .collect()
}

fn page(head: &str, body: &str) -> String {
    format!("<!doctype html><html lang=\"en\"><head>{head}</head><body><article>{body}</article></body></html>")
}

#[test]
fn json_ld_comes_first_then_meta_tags() {
    let html = page(
        r#"<title>Storm hits the coast | Example News</title>
           <meta property="og:title" content="Storm hits the coast - Example News">
           <meta property="og:site_name" content="Example News">
           <meta name="author" content="Someone Else">
           <link rel="canonical" href="/2024/05/storm-canonical">
           <script type="application/ld+json">{"@context":{"@vocab":"http://schema.org/"},"@graph":[
             {"@type":["NewsArticle"],"headline":"Storm hits the coast","datePublished":"2024-05-02T09:30:00+02:00",
              "author":[{"@type":"Person","name":"By Ann Lee"},"Bo Chan"]}]}</script>"#,
        &format!(
            "<h1>Storm hits the coast</h1><figure><figcaption>A wave, photographed at dawn by a reader who was there on the day.</figcaption></figure>{}",
            paragraphs(6)
        ),
    );
    let article = extract(html.as_bytes(), URL, None).expect("an article");
    assert_eq!(article.headline, "Storm hits the coast");
    assert_eq!(article.reporters, ["Ann Lee", "Bo Chan"]);
    assert_eq!(article.outlet.as_deref(), Some("Example News"));
    assert_eq!(article.published_at.map(|t| t.to_string()).as_deref(), Some("2024-05-02T07:30:00Z"));
    assert_eq!(article.url, "https://news.example.com/2024/05/storm-canonical");
    assert_eq!(article.lang.as_deref(), Some("en"));
    assert_eq!(article.excerpt.len(), 3);
    assert!(article.excerpt[0].starts_with("Paragraph 1 "), "{:?}", article.excerpt);
    assert!(article.text.contains("Paragraph 6 "));
    assert_eq!(article.words, article.text.split_whitespace().count());
}

#[test]
fn meta_tags_fill_in_without_json_ld() {
    let html = page(
        r#"<title>Storm hits the coast - The Daily Example</title>
           <meta property="og:title" content="Storm hits the coast">
           <meta name="citation_author" content="Lee, Ann"><meta name="byl" content="By ANN LEE">
           <meta name="author" content="BY JO PARK">
           <meta property="article:published_time" content="2024-05-02 10:00:00">
           <meta property="og:locale" content="en_GB">"#,
        &paragraphs(4),
    );
    let article = extract(html.as_bytes(), URL, None).expect("an article");
    assert_eq!(article.headline, "Storm hits the coast");
    assert_eq!(article.reporters, ["Jo Park"], "`author` comes before the other tags");
    assert_eq!(article.outlet.as_deref(), Some("The Daily Example"), "named after the headline in <title>");
    assert_eq!(article.published_at.map(|t| t.to_string()).as_deref(), Some("2024-05-02T10:00:00Z"));
    assert_eq!(article.url, URL, "no canonical link: the page's URL");
}

#[test]
fn the_outlet_as_byline_is_no_reporter_and_the_domain_is_the_last_resort() {
    let html = page(r#"<meta name="author" content="Example"><meta property="og:title" content="Storm">"#, &paragraphs(3));
    let article = extract(html.as_bytes(), URL, None).expect("an article");
    assert_eq!(article.outlet.as_deref(), Some("Example"));
    assert!(article.reporters.is_empty(), "{:?}", article.reporters);
}

#[test]
fn a_selection_becomes_the_excerpt() {
    let html = page("<title>Storm</title>", &paragraphs(4));
    let selection = "  The town woke to water.\n\n\nThe mayor   spoke at noon.  \n";
    let article = extract_with_selection(html.as_bytes(), URL, None, Some(selection)).expect("an article");
    assert_eq!(article.excerpt, ["The town woke to water.", "The mayor spoke at noon."]);
    let article = extract_with_selection(html.as_bytes(), URL, None, Some(" \n ")).expect("an article");
    assert!(article.excerpt[0].starts_with("Paragraph 1"), "an empty selection quotes the lead");
    let huge = "word ".repeat(10_000);
    let article = extract_with_selection(html.as_bytes(), URL, None, Some(&huge)).expect("an article");
    assert!(article.excerpt[0].chars().count() <= MAX_SELECTION_CHARS + 1);
}

#[test]
fn a_latin1_page_is_read_by_its_declared_charset() {
    let mut html = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><title>Caf\xe9 opens</title></head><body>".to_vec();
    html.extend_from_slice(paragraphs(3).as_bytes());
    html.extend_from_slice(
        b"<p>The caf\xe9 on the square opened its doors to the whole town on Monday morning after a long wait.</p></body></html>",
    );
    let article = extract(&html, URL, None).expect("an article");
    assert_eq!(article.headline, "Café opens");
    assert!(article.text.contains("The café on the square"));
}

#[test]
fn urls_and_sizes_are_checked_first() {
    assert_eq!(extract(b"<p>x</p>", "ftp://example.com/", None), Err(ClipError::BadUrl));
    assert_eq!(extract(b"<p>x</p>", "/relative", None), Err(ClipError::BadUrl));
    assert_eq!(extract(b"  \n ", URL, None), Err(ClipError::Empty));
    let huge = vec![b' '; MAX_INPUT + 1];
    assert!(matches!(extract(&huge, URL, None), Err(ClipError::TooLarge { .. })));
}

#[test]
fn hostile_input_is_refused_or_read_without_panicking() {
    // Deep nesting: refused before the parser (whose cost would grow with its square) and
    // any code that might recurse see it; the whole 5 MB of it in well under a second.
    let started = std::time::Instant::now();
    let deep = "<div>".repeat(MAX_INPUT / 5);
    assert_eq!(extract(deep.as_bytes(), URL, None), Err(ClipError::TooDeep));
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    // Nesting the markup count cannot see (elements the parser closes by itself are not
    // counted) is refused after the parse.
    let lists = format!("<title>T</title>{}", "<ul><li>".repeat(MAX_DEPTH));
    assert_eq!(extract(lists.as_bytes(), URL, None), Err(ClipError::TooDeep));
    // Just under the limit: read whole, on a test thread's small stack.
    let nested = |depth: usize| format!("<title>T</title>{}{}{}", "<div>".repeat(depth), paragraphs(3), "</div>".repeat(depth));
    assert_eq!(extract(nested(MAX_DEPTH - 10).as_bytes(), URL, None).map(|a| a.excerpt.len()), Ok(3));
    let deep_inline = format!("<p>{}text", "<b><i>".repeat(10_000));
    assert!(extract(deep_inline.as_bytes(), URL, None).is_err());
    // A huge attribute.
    let attribute = format!(
        r#"<html><head><meta property="og:title" content="{}"></head><body>{}</body></html>"#,
        "x".repeat(3_000_000),
        paragraphs(3)
    );
    let article = extract(attribute.as_bytes(), URL, None).expect("an article");
    assert_eq!(article.headline.len(), 3_000_000);
    // Invalid UTF-8 and NUL bytes.
    let mut garbage = b"<html><head><meta charset=utf-8><title>Bad \xff\xfe bytes\x00</title></head><body>".to_vec();
    garbage.extend_from_slice(paragraphs(3).as_bytes());
    let article = extract(&garbage, URL, None).expect("an article");
    assert!(article.headline.starts_with("Bad \u{fffd}\u{fffd} bytes"), "{:?}", article.headline);
    // Deeply nested JSON-LD.
    let json = format!(r#"<title>T</title><script type="application/ld+json">{}</script>{}"#, "[".repeat(50_000), paragraphs(3));
    assert_eq!(extract(json.as_bytes(), URL, None).map(|a| a.words), Ok(72));
    // Not HTML at all.
    for input in [b"\x00\x01\x02\x03".as_slice(), b"<<<<>>>>", b"<html>", b"<script>", &[0xff; 1000]] {
        let _ = extract(input, URL, None);
    }
}
