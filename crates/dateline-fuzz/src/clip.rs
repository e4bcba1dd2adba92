//! A page handed to the clipper (fetched, pasted, or sent by the bookmarklet): whatever it
//! holds, extraction answers with an article or a precise error, and an article's fields are
//! what the draft needs: a headline, an http(s) address, text without markup.

const PAGE_URL: &str = "https://news.example.com/2026/12/02/story.html";

pub fn run(data: &[u8]) {
    // The first line, when short, doubles as the reader's selection (the bookmarklet's).
    let selection = data.split(|b| *b == b'\n').next().filter(|line| line.len() < 200).map(String::from_utf8_lossy);
    for selection in [None, selection.as_deref()] {
        let Ok(article) = dateline_clip::extract_with_selection(data, PAGE_URL, None, selection) else { continue };
        assert!(!article.headline.trim().is_empty(), "an article without a headline: {article:?}");
        assert!(article.url.starts_with("https://") || article.url.starts_with("http://"), "not a web address: {:?}", article.url);
        // The excerpt is text: what looks like markup in it is what the page said, and the
        // templates escape it (the first version of this check wanted no "<script" at all,
        // and the fuzzer showed a page whose text says exactly that).
        for paragraph in &article.excerpt {
            assert!(!paragraph.trim().is_empty(), "an empty paragraph in the excerpt: {:?}", article.excerpt);
        }
    }
}
