//! `dateline clip URL` and `dateline clip FILE --url ORIGINAL_URL`: a news page, fetched
//! (safely: `dateline_fetch`'s policy, with `[fetch] allow`) or saved, becomes a draft link post.
//! The fetching and the extraction are the library crates'; this module gets the page, builds
//! the draft (title and slug from the headline, the source filled in, the body left for the
//! curator's commentary), checks it as every door does, and stores it.

use std::io::Read;
use std::path::Path;

use dateline_app::clip::{PageSource, link_post, read, reporter_line};
use dateline_clip::Article;
use dateline_core::input::check_write;
use dateline_core::{NewPost, Post, PostStore};
use dateline_fetch::{FetchPolicy, Fetcher};

use crate::cli::ClipArgs;
use crate::{Failure, open_store, settings, usage};

pub async fn run(db: &str, config: &dateline_core::Config, args: ClipArgs) -> Result<(), Failure> {
    let name = &args.page;
    let cannot_clip = |reason: String| usage(format!("cannot clip {name}: {reason}"));
    // The page the arguments name: fetched when it is an address (anything with "://", so that
    // ftp:// and the like are refused by the fetcher with its reason rather than read as a
    // file), else read from the file, which then needs --url.
    let saved;
    let source = if name.contains("://") {
        if args.url.is_some() {
            return Err(cannot_clip("--url is for a saved file; a fetched page is linked where it was read from".into()));
        }
        PageSource::Url(name)
    } else {
        let Some(url) = &args.url else {
            return Err(cannot_clip("a saved page needs --url ORIGINAL_URL, the address it was read from".into()));
        };
        saved = read_page(Path::new(name)).map_err(usage)?;
        PageSource::Html { html: &saved, url }
    };
    let fetcher = Fetcher::new(FetchPolicy::with_allow(&config.fetch.allow)).map_err(|e| cannot_clip(e.to_string()))?;
    // The same reading as the admin's and the API's.
    let article = read(&fetcher, source, None).await.map_err(|e| cannot_clip(e.to_string()))?;
    let created = if args.dry_run {
        None
    } else {
        let post = draft(&article);
        // Checked before the store is opened: a page that makes no valid post changes nothing.
        check_write(&post.write).map_err(|e| cannot_clip(format!("the draft's {e}")))?;
        let store = open_store(db).await?;
        Some(store.create_post(post).await?)
    };
    let base = config.site.base_url.as_deref().unwrap_or_default().trim_end_matches('/');
    let edit_url = |post: &Post| format!("{base}/admin/posts/{}", post.id);
    if args.json {
        let mut json = serde_json::to_value(&article)?;
        if let (Some(post), Some(object)) = (&created, json.as_object_mut()) {
            object.insert("id".into(), post.id.into());
            object.insert("edit_url".into(), edit_url(post).into());
        }
        println!("{json}");
    } else if let Some(post) = &created {
        println!("{}\t{}", post.id, edit_url(post));
    } else {
        print_summary(&article);
    }
    Ok(())
}

/// The file's bytes, refusing (before reading it all) one larger than the extractor accepts.
fn read_page(path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut html = Vec::new();
    file.take(dateline_clip::MAX_INPUT as u64 + 1).read_to_end(&mut html).map_err(cannot)?;
    if html.len() > dateline_clip::MAX_INPUT {
        return Err(format!("cannot clip {}: the page is larger than {} bytes", path.display(), dateline_clip::MAX_INPUT));
    }
    Ok(html)
}

/// The draft link post every door makes (`dateline_app::clip`), by the default author as
/// `dateline post new` writes.
fn draft(article: &Article) -> NewPost {
    // The author is named; the store puts the account's id in the write.
    let write = link_post(article, 0);
    NewPost { write, author_name: Some(settings::DEFAULT_AUTHOR.into()), categories: Vec::new(), tags: Vec::new(), comments: Vec::new() }
}

/// What `--dry-run` shows a person: each field on its line, the excerpt in full.
fn print_summary(article: &Article) {
    let or_none = |value: Option<String>| value.unwrap_or_else(|| "(none)".into());
    println!("headline:  {}", article.headline);
    println!("reporters: {}", or_none(reporter_line(&article.reporters)));
    println!("outlet:    {}", or_none(article.outlet.clone()));
    println!("published: {}", or_none(article.published_at.map(|t| t.to_string())));
    println!("url:       {}", article.url);
    println!("lang:      {}", or_none(article.lang.clone()));
    println!("words:     {}", article.words);
    for paragraph in &article.excerpt {
        println!("\n> {paragraph}");
    }
}
