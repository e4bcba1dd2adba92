//! Clipping a story, whichever door: an article read from a news page (`dateline_clip`)
//! becomes a draft link post, the story credited and quoted, the body left for the curator's
//! commentary. The admin's box and bookmarklet, the REST API and `dateline clip` make the same
//! draft; a person's draft goes through the same save (rules and rights) as any post.

use dateline_clip::{Article, ClipError};
use dateline_core::slug::slugify;
use dateline_core::{BodyFormat, Post, PostKind, PostWrite, Source, Store, User, UserId};
use dateline_fetch::{FetchError, Fetcher};

use crate::posts::{self, PostRefusal};

/// The words of the link out to the story, under the quoted paragraphs.
pub const CONTINUE_READING: &str = "Continue reading";

/// The draft link post for `article` by `author`: the headline as its title, the story
/// credited and quoted, no body yet.
pub fn link_post(article: &Article, author: UserId) -> PostWrite {
    let source = Source {
        reporter: reporter_line(&article.reporters),
        outlet: article.outlet.clone(),
        url: Some(article.url.clone()),
        headline: Some(article.headline.clone()),
        excerpt: article.excerpt.clone(),
        continue_reading_text: Some(CONTINUE_READING.into()),
        // The whole story's words, for the quote limit's percentage.
        words: u32::try_from(article.words).ok(),
        archive_url: None,
    };
    PostWrite {
        title: article.headline.clone(),
        slug: slugify(&article.headline),
        source: Some(source),
        ..PostWrite::new_draft(PostKind::Post, author, BodyFormat::Markdown)
    }
}

/// "Ann Lee", "Ann Lee and Bo Chan", "Ann Lee, Bo Chan and Cy Diaz"; none for nobody.
pub fn reporter_line(reporters: &[String]) -> Option<String> {
    match reporters {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

/// Where the page to clip comes from.
pub enum PageSource<'a> {
    /// Fetched by the server (safely: see `dateline_fetch`).
    Url(&'a str),
    /// Sent as it is (a page saved from the browser, one behind a paywall), with the address it
    /// was read from.
    Html { html: &'a [u8], url: &'a str },
}

/// Why a page could not be clipped; the message says why, for the person who asked.
#[derive(Debug, thiserror::Error)]
pub enum ClipFailure {
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Extract(#[from] ClipError),
    #[error("reading the page stopped before it was done")]
    Interrupted,
}

/// Reads the story on a page: fetched, or as sent. `selection` (the text a reader selected)
/// becomes the excerpt instead of the lead paragraphs.
pub async fn read(fetcher: &Fetcher, source: PageSource<'_>, selection: Option<&str>) -> Result<Article, ClipFailure> {
    let selection = selection.filter(|s| !s.trim().is_empty()).map(str::to_owned);
    let (html, url, charset) = match source {
        PageSource::Url(url) => {
            let page = fetcher.fetch_html(url).await?;
            (page.body, page.final_url, page.charset)
        }
        PageSource::Html { html, url } => (html.to_vec(), url.to_owned(), None),
    };
    // Parsing a page of up to five megabytes takes tens of milliseconds: off the threads that
    // answer readers, of which a small machine has one.
    let extracted =
        tokio::task::spawn_blocking(move || dateline_clip::extract_with_selection(&html, &url, charset.as_deref(), selection.as_deref()));
    Ok(extracted.await.map_err(|_| ClipFailure::Interrupted)??)
}

/// Saves `user`'s draft of `article` (the rules and rights of every post; a draft is never
/// measured against the quote limit, so the default policy serves).
pub async fn save_draft(store: &dyn Store, user: &User, article: &Article) -> Result<Post, PostRefusal> {
    posts::save(store, user, None, link_post(article, user.id), &crate::quoting::Policy::default(), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reporters_read_as_a_sentence() {
        let names = |list: &[&str]| reporter_line(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(names(&[]), None);
        assert_eq!(names(&["Ann Lee"]).as_deref(), Some("Ann Lee"));
        assert_eq!(names(&["Ann Lee", "Bo Chan"]).as_deref(), Some("Ann Lee and Bo Chan"));
        assert_eq!(names(&["Ann Lee", "Bo Chan", "Cy Diaz"]).as_deref(), Some("Ann Lee, Bo Chan and Cy Diaz"));
    }
}
