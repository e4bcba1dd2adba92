//! What a visitor (or a feed reader, or a search engine) sees, asserted over HTTP.

use axum::http::StatusCode;
use dateline_testkit::Db;
use serde_json::json;

use crate::support::*;

async fn app_with_seed(db: Db) -> Option<(TestApp, String)> {
    let seed = seed_json()?;
    let app = TestApp::new(db).await?;
    let seed = app.post(&seed).await;
    let path = app.permalink(&seed);
    Some((app, path))
}

pub async fn seed_post_reads_like_the_seed_page(db: Db) {
    let Some((app, path)) = app_with_seed(db).await else { return };
    assert_eq!(path, "/2022/05/20/as-biden-tries-to-cozy-up-to-communist-cuba-the-castro-dictatorship-strengthens-its-ties-with-russia/");
    let response = app.get(&path).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "text/html; charset=utf-8");
    let html = response.html();
    let seed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("seed/post.json")).expect("seed")).expect("json");

    // Element by element, as the parts of post.json say.
    assert_eq!(text(&html, "h1.post-title"), seed["title"].as_str().expect("title"));
    assert_eq!(text(&html, ".dek"), seed["dek"].as_str().expect("dek"));
    assert_eq!(text(&html, ".attribution"), "Nora Gamez Torres reports via Miami Herald:");
    assert_eq!(text(&html, "blockquote .source-headline"), seed["source"]["headline"].as_str().expect("headline"));
    let excerpt: Vec<String> =
        seed["source"]["excerpt"].as_array().expect("excerpt").iter().map(|p| p.as_str().expect("p").to_string()).collect();
    assert_eq!(texts(&html, "blockquote.excerpt > p:not(.source-headline)"), excerpt);
    assert_eq!(text(&html, ".continue-reading"), "Continue reading HERE.");
    assert_eq!(text(&html, ".comments-title"), seed["comment_count_line"].as_str().expect("count line"));
    assert_eq!(texts(&html, "ol.comment-list > li .comment-content"), [seed["comments"][0]["body"].as_str().expect("body")]);
    assert_eq!(text(&html, ".comments-closed"), seed["comments_closed_line"].as_str().expect("closed line"));
    assert!(texts(&html, "form#commentform").is_empty(), "a closed post has no comment form");

    // And as the page reads: every line of page.txt appears, in order.
    let page_text = texts(&html, "main").join(" ");
    let seed_page = std::fs::read_to_string(fixtures().join("seed/page.txt")).expect("page.txt");
    let mut from = 0;
    for line in seed_page.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // The comment's number is the list marker of an <ol>, not text.
        let line = line.strip_prefix("1. ").unwrap_or(line);
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let found = page_text[from..].find(&line).unwrap_or_else(|| panic!("page.txt line not found in order: {line}"));
        from += found + line.len();
    }
    // Landmarks for assistive technology.
    for landmark in ["header.site-header", "main#content", "footer.site-footer", "nav[aria-label]"] {
        assert_eq!(texts(&html, landmark).len(), 1, "{landmark}");
    }
}

pub async fn seed_post_head_has_seo_metadata(db: Db) {
    let Some((app, path)) = app_with_seed(db).await else { return };
    let html = app.get(&path).await.html();
    let url = format!("http://dateline.test{path}");
    assert!(text(&html, "title").starts_with("As Biden tries to cozy up"));
    assert_eq!(attr(&html, "link[rel=canonical]", "href"), url);
    assert_eq!(attr(&html, "meta[property='og:url']", "content"), url);
    assert_eq!(attr(&html, "meta[property='og:type']", "content"), "article");
    assert!(attr(&html, "meta[property='og:description']", "content").starts_with("Cuba Thaw 2.0"));
    assert_eq!(attr(&html, "meta[name='twitter:card']", "content"), "summary");
    assert_eq!(attr(&html, "time", "datetime"), "2022-05-20T14:30:00+00:00");
    let ld: serde_json::Value = serde_json::from_str(&text(&html, "script[type='application/ld+json']")).expect("json-ld");
    assert_eq!(ld["@type"], "BlogPosting");
    assert_eq!(ld["url"], url);
    assert_eq!(ld["author"]["name"], "Marta Reyes");
    assert_eq!(ld["isBasedOn"]["headline"], "Oil, espionage rallying allies? Trips of Putin’s men to Cuba and Venezuela attract attention");
    assert_eq!(ld["isBasedOn"]["author"]["name"], "Nora Gamez Torres");
    assert_eq!(ld["isBasedOn"]["publisher"]["name"], "Miami Herald");
}

pub async fn query_ids_redirect_to_permalinks(db: Db) {
    let Some((app, path)) = app_with_seed(db).await else { return };
    let page = app.post(&post_json("About", "2022-01-01T00:00:00Z", json!({"kind": "page"}))).await;
    let response = app.get("/?p=1").await;
    assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.header("location"), path);
    let response = app.get(&format!("/?page_id={}", page.id)).await;
    assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.header("location"), "/about/");
    assert_eq!(app.get(&format!("/?p={}", page.id)).await.header("location"), "/about/", "?p= finds pages too, as in WordPress");
    assert_eq!(app.get("/?p=999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/?p=abc").await.status, StatusCode::NOT_FOUND);
}

pub async fn non_canonical_paths_redirect(db: Db) {
    let Some((app, path)) = app_with_seed(db).await else { return };
    let response = app.get(path.trim_end_matches('/')).await;
    assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.header("location"), path);
    // Right slug, wrong date.
    let wrong_date = path.replace("/2022/05/20/", "/2021/01/02/");
    let response = app.get(&wrong_date).await;
    assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.header("location"), path);
    let response = app.get("/page/1/").await;
    assert_eq!((response.status, response.header("location")), (StatusCode::MOVED_PERMANENTLY, "/"));
    let response = app.get("/category/latin-america/").await;
    assert_eq!(response.status, StatusCode::MOVED_PERMANENTLY, "a sub-category lives under its parent");
    assert_eq!(response.header("location"), "/category/world/latin-america/");
    let response = app.get("/feed").await;
    assert_eq!((response.status, response.header("location")), (StatusCode::MOVED_PERMANENTLY, "/feed/"));
}

pub async fn pages_live_at_their_slug(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.post(&post_json(
        "About this blog",
        "2022-01-01T00:00:00Z",
        json!({"kind": "page", "slug": "about", "body": "We *quote* the news."}),
    ))
    .await;
    let response = app.get("/about/").await;
    assert_eq!(response.status, StatusCode::OK);
    let html = response.html();
    assert_eq!(text(&html, "h1"), "About this blog");
    assert_eq!(text(&html, ".commentary"), "We quote the news.");
    assert!(texts(&html, "#comments").is_empty(), "pages have no comment section");
    let home = app.get("/").await.html();
    assert!(texts(&home, ".site-nav a").contains(&"About this blog".to_string()));
    assert!(texts(&home, "article").is_empty(), "pages are not in the stream");
}

pub async fn home_paginates_with_sticky_first(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.site.posts_per_page = 2).build().await else { return };
    for day in 1..=5 {
        let extra = if day == 1 { json!({"sticky": true}) } else { json!({}) };
        app.post(&post_json(&format!("Day {day}"), &format!("2024-03-0{day}T12:00:00Z"), extra)).await;
    }
    let first = app.get("/").await;
    assert_eq!(first.status, StatusCode::OK);
    let first = first.html();
    assert_eq!(texts(&first, "article h2"), ["Day 1", "Day 5"]);
    assert_eq!(attr(&first, "a.older", "href"), "/page/2/");
    assert!(texts(&first, "a.newer").is_empty());
    let second = app.get("/page/2/").await.html();
    assert_eq!(texts(&second, "article h2"), ["Day 4", "Day 3"]);
    assert_eq!(attr(&second, "a.newer", "href"), "/");
    let last = app.get("/page/3/").await.html();
    assert_eq!(texts(&last, "article h2"), ["Day 2"]);
    assert!(texts(&last, "a.older").is_empty(), "the last page has no older link");
    assert_eq!(text(&last, ".page-number"), "Page 3 of 3");
    assert_eq!(app.get("/page/4/").await.status, StatusCode::NOT_FOUND);
}

pub async fn archives_filter_and_paginate(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.site.posts_per_page = 2).build().await else { return };
    let posts = [
        ("Rail one", "2024-03-01T12:00:00Z", json!({"categories": ["Local/Transit"], "tags": ["Rail"], "author": "Marta Reyes"})),
        ("Rail two", "2024-03-01T15:00:00Z", json!({"categories": ["Local/Transit"], "tags": ["Rail"], "author": "Marta Reyes"})),
        ("Rail three", "2024-04-10T12:00:00Z", json!({"categories": ["Local"], "tags": ["Rail"], "author": "Daniel Okafor"})),
        ("Science one", "2025-01-10T12:00:00Z", json!({"categories": ["Science"], "tags": ["Space"], "author": "Daniel Okafor"})),
    ];
    for (title, when, extra) in posts {
        app.post(&post_json(title, when, extra)).await;
    }
    let titles = |html: &scraper::Html| texts(html, "article h2");
    let local = app.get("/category/local/").await;
    assert_eq!(local.status, StatusCode::OK);
    let local = local.html();
    assert_eq!(text(&local, "h1.archive-title"), "Category: Local");
    assert_eq!(titles(&local), ["Rail three", "Rail two"], "a category includes its sub-categories");
    assert_eq!(titles(&app.get("/category/local/page/2/").await.html()), ["Rail one"]);
    assert_eq!(app.get("/category/local/page/3/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(titles(&app.get("/category/local/transit/").await.html()), ["Rail two", "Rail one"]);
    assert_eq!(titles(&app.get("/tag/rail/page/2/").await.html()), ["Rail one"]);
    assert_eq!(titles(&app.get("/author/daniel-okafor/").await.html()), ["Science one", "Rail three"]);
    assert_eq!(titles(&app.get("/2024/").await.html()), ["Rail three", "Rail two"]);
    assert_eq!(titles(&app.get("/2024/page/2/").await.html()), ["Rail one"]);
    assert_eq!(titles(&app.get("/2024/03/").await.html()), ["Rail two", "Rail one"]);
    let day = app.get("/2024/03/01/").await.html();
    assert_eq!(text(&day, "h1.archive-title"), "Day: March 1, 2024");
    assert_eq!(titles(&day), ["Rail two", "Rail one"]);
    assert_eq!(titles(&app.get("/2025/01/10/").await.html()), ["Science one"]);
    // Links in a post lead to these archives.
    let post = app.get("/2024/03/01/rail-one/").await.html();
    assert_eq!(attr(&post, "a[rel=category]", "href"), "/category/local/transit/");
    assert_eq!(attr(&post, "a[rel=tag]", "href"), "/tag/rail/");
    assert_eq!(attr(&post, "a[rel=author]", "href"), "/author/marta-reyes/");
}

pub async fn unknown_archives_are_404(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.post(&post_json("Only post", "2024-03-01T12:00:00Z", json!({"tags": ["Rail"]}))).await;
    app.post(&post_json("About", "2024-03-01T12:00:00Z", json!({"kind": "page"}))).await;
    for path in [
        "/category/nope/",
        "/tag/nope/",
        "/author/nobody/",
        "/2023/",
        "/2024/02/",
        "/2024/03/02/",
        "/2024/13/",
        "/2024/03/01/no-such-post/",
        "/no-such-page/",
        "/tag/nope/feed/",
        "/wp-content/x.php",
        "/a/b/c/d/e/",
        "/page/2/",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(text(&response.html(), "h1"), "Page not found", "{path}");
        assert!(texts(&response.html(), ".site-nav a").contains(&"About".to_string()), "{path}: the site's menu is there");
    }
}

pub async fn invisible_posts_are_404(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let mut paths = Vec::new();
    for (title, extra) in [
        ("Draft", json!({"status": "draft"})),
        ("Private", json!({"status": "private"})),
        ("Scheduled", json!({"status": "scheduled", "published_at": "2999-01-01T00:00:00Z"})),
        ("Future", json!({"published_at": "2999-01-01T00:00:00Z"})),
    ] {
        let post = app.post(&post_json(title, "2024-03-01T12:00:00Z", extra)).await;
        paths.push((app.permalink(&post), post.id));
    }
    for (path, id) in paths {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(app.get(&format!("/?p={id}")).await.status, StatusCode::NOT_FOUND, "{id}");
    }
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "an empty home page is still a page");
    assert_eq!(text(&home.html(), ".empty"), "Nothing has been published here yet.");
    let feed = rss::Channel::read_from(app.get("/feed/").await.body.as_bytes()).expect("rss");
    assert!(feed.items().is_empty());
}

pub async fn feeds_parse_and_carry_the_attribution(db: Db) {
    let Some((app, path)) = app_with_seed(db).await else { return };
    app.post(&post_json(
        "Plain post",
        "2024-03-01T12:00:00Z",
        json!({"source": {"outlet": "Pacific Wire", "url": "https://example.com/story", "headline": "A headline", "excerpt": ["Quoted."]}}),
    ))
    .await;
    let url = format!("http://dateline.test{path}");

    let response = app.get("/feed/").await;
    assert_eq!(response.header("content-type"), "application/rss+xml; charset=utf-8");
    let channel = rss::Channel::read_from(response.body.as_bytes()).expect("valid RSS");
    assert_eq!(channel.items().len(), 2);
    let item = channel.items().iter().find(|i| i.link() == Some(url.as_str())).expect("seed item");
    let content = item.content().expect("content:encoded");
    // The reporter's name links to their page, absolutely (feed readers have no base).
    assert!(content.contains("href=\"http://dateline.test/reporter/nora-gamez-torres/\">Nora Gamez Torres</a> reports via"), "{content}");
    assert!(content.contains("<blockquote"), "{content}");
    assert!(content.contains("The recent visits of high-profile Russian officials"), "{content}");
    assert!(item.pub_date().expect("date").contains("20 May 2022"));
    let other = channel.items().iter().find(|i| i.title() == Some("Plain post")).expect("other");
    assert!(other.content().expect("content").contains("href=\"https://example.com/story\""), "the quoted story's link");
    // A dek is text: in the description (which readers take as HTML) markup stays text.
    app.post(&post_json("Hostile dek", "2024-03-02T12:00:00Z", json!({"dek": "<img src=x onerror=alert(1)> & more"}))).await;
    let channel = rss::Channel::read_from(app.get("/feed/").await.body.as_bytes()).expect("valid RSS");
    let hostile = channel.items().iter().find(|i| i.title() == Some("Hostile dek")).expect("hostile item");
    assert_eq!(hostile.description(), Some("&lt;img src=x onerror=alert(1)&gt; &amp; more"));

    let response = app.get("/feed/atom/").await;
    assert_eq!(response.header("content-type"), "application/atom+xml; charset=utf-8");
    let atom = atom_syndication::Feed::read_from(response.body.as_bytes()).expect("valid Atom");
    assert_eq!(atom.entries().len(), 3);
    let entry = atom.entries().iter().find(|e| e.title().as_str() == "Plain post").expect("entry");
    assert!(entry.links().iter().any(|l| l.rel() == "related" && l.href() == "https://example.com/story"));
    assert!(entry.content().and_then(|c| c.value()).expect("content").contains("Via <a href=\"https://example.com/story\""));

    let response = app.get("/feed.json").await;
    assert_eq!(response.header("content-type"), "application/feed+json; charset=utf-8");
    let feed: serde_json::Value = serde_json::from_str(&response.body).expect("JSON Feed");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    let items = feed["items"].as_array().expect("items");
    let seed = items.iter().find(|i| i["url"] == url.as_str()).expect("seed item");
    assert_eq!(seed["_dateline"]["source"]["reporter"], "Nora Gamez Torres");
    assert_eq!(seed["_dateline"]["source"]["excerpt"].as_array().expect("excerpt").len(), 7);
}

pub async fn term_feeds_list_only_their_posts(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.post(&post_json("In transit", "2024-03-01T12:00:00Z", json!({"categories": ["Local/Transit"], "tags": ["Rail"]}))).await;
    app.post(&post_json("Elsewhere", "2024-03-02T12:00:00Z", json!({"categories": ["Science"]}))).await;
    for path in ["/category/local/feed/", "/category/local/transit/feed/", "/tag/rail/feed/"] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        let channel = rss::Channel::read_from(response.body.as_bytes()).expect("rss");
        let titles: Vec<_> = channel.items().iter().filter_map(|i| i.title()).collect();
        assert_eq!(titles, ["In transit"], "{path}");
    }
    let archive = app.get("/tag/rail/").await.html();
    assert_eq!(attr(&archive, "link[rel=alternate][href$='/tag/rail/feed/']", "type"), "application/rss+xml");
}

pub async fn sitemap_and_robots(db: Db) {
    let Some((app, path)) = app_with_seed(db).await else { return };
    app.post(&post_json("Hidden draft", "2024-03-01T12:00:00Z", json!({"status": "draft"}))).await;
    let response = app.get("/sitemap.xml").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").starts_with("application/xml"));
    assert!(response.body.contains(&format!("<loc>http://dateline.test{path}</loc>")), "{}", response.body);
    assert!(response.body.contains("<loc>http://dateline.test/category/world/latin-america/</loc>"));
    assert!(!response.body.contains("hidden-draft"));
    let robots = app.get("/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert!(robots.body.contains("Sitemap: http://dateline.test/sitemap.xml"));
    let icon = app.get("/favicon.ico").await;
    assert_eq!(icon.status, StatusCode::MOVED_PERMANENTLY);
    let svg = app.get(icon.header("location")).await;
    assert_eq!((svg.status, svg.header("content-type")), (StatusCode::OK, "image/svg+xml"));
}

pub async fn not_found_page_and_security_headers(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let response = app.get("/definitely/not/here/").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.header("content-type"), "text/html; charset=utf-8");
    let html = response.html();
    assert_eq!(text(&html, "h1"), "Page not found");
    assert_eq!(attr(&html, "meta[name=robots]", "content"), "noindex");
    let post = app.send(axum::http::Request::post("/").body(axum::body::Body::from("x=1")).expect("request")).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED, "pages are read-only");
    let home = app.get("/").await;
    assert!(home.header("content-security-policy").contains("default-src 'self'"));
    assert_eq!(home.header("x-content-type-options"), "nosniff");
    assert_eq!(home.header("referrer-policy"), "strict-origin-when-cross-origin");
}

pub async fn static_assets_are_cached_and_contained(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let home = app.get("/").await.html();
    let css = attr(&home, "link[rel=stylesheet]", "href");
    assert!(css.starts_with("/static/style.css?v="), "{css}");
    let response = app.get(&css).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(response.header("cache-control"), "public, max-age=31536000, immutable");
    assert!(response.body.contains("prefers-color-scheme: dark"), "light and dark");
    for path in [
        "/static/../Cargo.toml",
        "/static/..%2f..%2fCargo.toml",
        "/static/%2e%2e/%2e%2e/Cargo.toml",
        "/static/nope.css",
        "/static//etc/passwd",
        "/static/..\\..\\Cargo.toml",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

pub async fn theme_overrides_templates_and_assets(db: Db) {
    let dir = std::env::temp_dir().join(dateline_testkit::unique_name("theme"));
    std::fs::create_dir_all(dir.join("templates")).expect("mkdir");
    std::fs::create_dir_all(dir.join("static/img")).expect("mkdir");
    std::fs::write(
        dir.join("templates/error.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>Custom {{ status }}</h1>{% endblock %}",
    )
    .expect("write");
    std::fs::write(dir.join("static/style.css"), "body { color: rebeccapurple; }").expect("write");
    std::fs::write(dir.join("static/img/logo.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").expect("write");
    std::fs::write(dir.join("secret.txt"), "outside static").expect("write");
    let Some(app) = TestApp::builder(db).theme(dir.clone()).build().await else { return };
    let response = app.get("/missing/").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(text(&response.html(), "h1"), "Custom 404");
    let home = app.get("/").await.html();
    let css = app.get(&attr(&home, "link[rel=stylesheet]", "href")).await;
    assert_eq!(css.body, "body { color: rebeccapurple; }");
    assert_eq!(app.get("/static/img/logo.svg").await.header("content-type"), "image/svg+xml");
    for path in ["/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/img/../../secret.txt"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

pub async fn times_are_shown_in_the_site_time_zone(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.site.timezone = "America/New_York".into()).build().await else { return };
    // 02:30 UTC on May 20 is still May 19 in New York.
    let post = app.post(&post_json("Late edition", "2022-05-20T02:30:00Z", json!({}))).await;
    assert_eq!(app.permalink(&post), "/2022/05/19/late-edition/");
    let html = app.get("/2022/05/19/late-edition/").await.html();
    assert_eq!(attr(&html, "time", "datetime"), "2022-05-19T22:30:00-04:00");
    assert_eq!(text(&html, ".post-meta time"), "May 19, 2022");
    assert_eq!(texts(&app.get("/2022/05/19/").await.html(), "article h2"), ["Late edition"]);
    assert_eq!(app.get("/2022/05/20/").await.status, StatusCode::NOT_FOUND);
}

pub async fn more_tags_make_teasers_on_listings(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post =
        app.post(&post_json("Long read", "2024-03-01T12:00:00Z", json!({"body": "The teaser.\n\n<!--more-->\n\nThe rest of it."}))).await;
    let home = app.get("/").await.html();
    assert_eq!(text(&home, ".commentary"), "The teaser.");
    assert_eq!(attr(&home, ".more-link a", "href"), format!("{}#user-content-more", app.permalink(&post)));
    let single = app.get(&app.permalink(&post)).await.html();
    assert_eq!(text(&single, ".commentary"), "The teaser. The rest of it.");
    assert!(texts(&single, ".more-link").is_empty());
}

pub async fn protected_posts_keep_their_secrets(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app
        .post(&post_json(
            "Members only",
            "2020-01-01T00:00:00Z",
            json!({
                "dek": "secret dek", "body": "hidden commentary",
                "source": {"outlet": "Ledger", "headline": "secret headline", "excerpt": ["secret quote"]},
                "comments": [{"author": "Insider", "body": "secret comment"}]
            }),
        ))
        .await;
    let store = app.test_store.dyn_store();
    let mut write = dateline_core::PostWrite::from_post(&post);
    write.password = Some("letmein".into());
    store.save_post(Some(post.id), write).await.expect("protect");
    let path = app.permalink(&post);
    for url in [
        "/comments/feed/".to_string(),
        format!("{path}feed/"),
        "/feed/".into(),
        "/feed.json".into(),
        "/wp-json/wp/v2/posts".into(),
        format!("/wp-json/wp/v2/comments?post={}", post.id),
        "/wp-json/wp/v2/comments".into(),
        format!("/wp-json/wp/v2/posts/{}", post.id),
    ] {
        let body = app.get(&url).await.body;
        for secret in ["secret dek", "secret headline", "secret quote", "secret comment", "hidden commentary"] {
            assert!(!body.contains(secret), "{url} shows {secret:?}");
        }
    }
    let search = app.get("/wp-json/wp/v2/posts?search=hidden").await;
    assert_eq!(search.body.trim(), "[]", "a search must not reveal words behind the password");
    assert_eq!(app.get("/?s=hidden").await.html().select(&scraper::Selector::parse("article").expect("selector")).count(), 0);

    // Unlocked, a refused comment shows the post again still unlocked, with the text kept.
    let locked = app.get(&path).await.html();
    assert_eq!(attr(&locked, ".post-password-form input[name=_token]", "value"), "", "the locked page is the same for everyone");
    let (csrf, token) = app.form_token(&post.id.to_string(), None).await;
    let unlocked =
        app.post_form("/post-password", &csrf, &[("post_id", &post.id.to_string()), ("password", "letmein"), ("_token", &token)]).await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
    let cookies = format!("{csrf}; {}", unlocked.header("set-cookie").split(';').next().unwrap_or_default());
    let open = app.get_as(&path, &cookies).await.html();
    assert!(text(&open, ".commentary").contains("hidden commentary"));
    let form_token = attr(&open, "#commentform input[name=_token]", "value");
    let empty = app
        .post_form(
            "/comments",
            &cookies,
            &[
                ("comment_post_ID", &post.id.to_string()),
                ("_token", &form_token),
                ("author", "A"),
                ("email", "a@example.org"),
                ("comment", " "),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&empty.html(), ".commentary").contains("hidden commentary"), "still unlocked after a refusal");
}

pub async fn plain_wordpress_addresses_redirect(db: Db) {
    let Some((app, path)) = app_with_seed(db).await else { return };
    let store = app.test_store.dyn_store();
    let seed = store.post_by_id(1).await.expect("read").expect("seed");
    let category = store.term_by_slug(dateline_core::Taxonomy::Category, "latin-america").await.expect("read").expect("category");
    let tag = seed.tags.first().expect("the seed post has tags").clone();
    let expectations = [
        ("/?feed=rss2".to_string(), "/feed/".to_string()),
        ("/?feed=atom".to_string(), "/feed/atom/".to_string()),
        ("/?feed=comments-rss2".to_string(), "/comments/feed/".to_string()),
        (format!("/?cat={}", category.id), "/category/world/latin-america/".to_string()),
        (format!("/?cat={}&feed=rss2", category.id), "/category/world/latin-america/feed/".to_string()),
        (format!("/?tag={}", tag.slug), format!("/tag/{}/", tag.slug)),
        (format!("/?author={}", seed.author.id), format!("/author/{}/", seed.author.slug)),
        ("/?m=2022".to_string(), "/2022/".to_string()),
        ("/?m=202205".to_string(), "/2022/05/".to_string()),
        ("/?m=20220520".to_string(), "/2022/05/20/".to_string()),
        ("/?paged=2".to_string(), "/page/2/".to_string()),
        ("/wp-admin/".to_string(), "/admin/".to_string()),
        ("/wp-admin/post-new.php".to_string(), "/admin/".to_string()),
        ("/wp-login.php".to_string(), "/admin/login".to_string()),
    ];
    for (old, new) in &expectations {
        let response = app.get(old).await;
        assert_eq!((response.status, response.header("location")), (StatusCode::MOVED_PERMANENTLY, new.as_str()), "{old}");
        // (This blog has one post, so no second page.)
        if new != "/page/2/" {
            assert_ne!(app.get(new).await.status, StatusCode::NOT_FOUND, "{new} answers");
        }
    }
    for unknown in ["/?cat=9999", "/?tag=no-such-tag", "/?author=9999", "/?m=20x2", "/?feed=nonsense"] {
        assert_eq!(app.get(unknown).await.status, StatusCode::NOT_FOUND, "{unknown}");
    }
    assert_eq!(app.get("/?paged=1").await.status, StatusCode::OK, "the first page is the home page");
    assert!(app.get(&path).await.status == StatusCode::OK);
}

pub async fn nul_characters_in_requests_are_answered_cleanly(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.post(&post_json("Only post", "2024-03-01T12:00:00Z", json!({"tags": ["Rail"]}))).await;
    for (path, status) in [
        ("/?tag=%00", StatusCode::NOT_FOUND),
        ("/?s=%00", StatusCode::OK),
        ("/tag/ra%00il/", StatusCode::NOT_FOUND),
        ("/wp-json/wp/v2/posts?search=%00", StatusCode::OK),
        ("/wp-json/wp/v2/posts?slug=%00", StatusCode::OK),
    ] {
        assert_eq!(app.get(path).await.status, status, "{path}");
    }
    let page = app.get("/admin/login").await;
    let cookie = page.header("set-cookie").split(';').next().unwrap_or_default().to_string();
    let token = attr(&page.html(), "input[name=_token]", "value");
    let refused = app.post_form("/admin/login", &cookie, &[("log", "a\0b"), ("pwd", "x"), ("_token", &token)]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    use base64::Engine;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("a\0b:password"));
    let api = app
        .send(
            axum::http::Request::get("/wp-json/wp/v2/users/me")
                .header("authorization", basic)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

pub async fn unreadable_addresses_and_bodies_get_proper_answers(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    // An id that is not a number names no page: the themed 404, signed in or not.
    for path in ["/admin/posts/abc", "/admin/pages/9x"] {
        let response = app.get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(text(&response.html(), "h1"), "Page not found", "{path}");
    }
    // Too large for the API: WordPress's JSON error, not an HTML page.
    let huge = format!("{{\"title\": \"{}\"}}", "x".repeat(dateline_web::MAX_REQUEST_BODY));
    let response = app
        .send(
            axum::http::Request::post("/wp-json/wp/v2/posts")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(huge))
                .expect("request"),
        )
        .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = serde_json::from_str(&response.body).expect("JSON");
    assert_eq!((body["code"].as_str(), body["data"]["status"].as_u64()), (Some("rest_request_too_large"), Some(413)));
}
